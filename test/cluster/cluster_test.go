//go:build cluster

// Package cluster tests the production topology that scripts/cluster.sh
// brings up: the official Temporal server on PostgreSQL, speaking mutual
// TLS, one `computor api` and two `computor worker` processes. Workers and the server are killed
// while tasks run on them; nothing may be lost or made twice.
//
// It needs PostgreSQL at 127.0.0.1:5432 and takes minutes, so it has its own
// build tag and its own step in .ci/run:
//
//	go test -tags cluster -count=1 -v ./test/cluster/
package cluster

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/engine/connect"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// Priorities that route to the three queues.
var priorities = []struct {
	value int
	queue string
}{
	{10, "computor-high-priority"},
	{0, "computor-tasks"},
	{-5, "computor-low-priority"},
}

func TestProductionTopology(t *testing.T) {
	c := up(t)
	c.checkMutualTLS(t)
	c.checkFrontendAuth(t)
	c.checkWebUI(t)

	// Throughput through the API on this topology, for the record.
	bench := c.run(t, filepath.Join(c.dir, "bin", "computor"), "bench", "--api", c.api, "--token", c.token,
		"--skip-sdk", "--n", "300", "--clients", "16", "--json")
	var report struct {
		API struct {
			TasksPerSecond float64 `json:"tasks_per_second"`
			Failed         int     `json:"failed"`
		} `json:"api"`
	}
	if err := json.Unmarshal([]byte(bench), &report); err != nil {
		t.Fatalf("bench output: %v\n%s", err, bench)
	}
	if report.API.Failed != 0 || report.API.TasksPerSecond <= 0 {
		t.Fatalf("bench: %+v", report.API)
	}
	t.Logf("FIGURE api throughput on the cluster: %.1f zero-work tasks/s (300 tasks, 16 clients)", report.API.TasksPerSecond)

	// The courses the tasks create hang below one family.
	c.mustFinish(t, c.submit(t, "create_organization", 0, map[string]any{"path": "ci", "title": "CI"}))
	c.mustFinish(t, c.submit(t, "create_course_family", 0, map[string]any{"organization": "ci", "path": "fam", "title": "Family"}))

	// Phase 1: 300 tasks across the three priorities; half sleep 10 s in a
	// heartbeating activity, half create a course with two git repositories.
	all, courses := c.submitMix(t, 0, 300)

	workerA, workerB := c.identities(t)
	t.Logf("worker (all queues) is %s, worker-high is %s", workerA, workerB)

	// Kill the all-queues worker while it runs tasks, and watch how long
	// the sleeping ones it ran take to run again.
	var sleepers []string
	for _, id := range all {
		if strings.HasPrefix(id, "example_long_running-") {
			sleepers = append(sleepers, id)
		}
	}
	sleeping := c.waitRunningOn(t, sleepers, workerA, 5)
	killedAt := time.Now()
	c.kill(t, "worker", syscall.SIGKILL)
	t.Logf("SIGKILLed worker while it ran %d sleeping tasks", len(sleeping))
	resumed := c.watchResume(sleeping, workerA)

	// Only the high-priority worker remains.
	eventually(t, 2*time.Minute, "worker status to show one worker", func() (bool, string) {
		ws := c.workers(t)
		return slices.Equal(ws, []string{workerB}), fmt.Sprint(ws)
	})
	c.script(t, "start", "worker")
	restartedAt := time.Now()

	c.waitFinished(t, all)
	times := <-resumed
	if len(times) != len(sleeping) {
		t.Fatalf("%d of %d sleeping tasks of the killed worker resumed", len(times), len(sleeping))
	}
	var high, rest []time.Duration
	for id, d := range times {
		if d < 0 {
			continue
		}
		if c.task(t, id).Queue == "computor-high-priority" {
			high = append(high, d)
		} else {
			rest = append(rest, d)
		}
	}
	if len(rest) == 0 {
		t.Fatal("the kill hit no task that only the killed worker serves: every one had ended before")
	}
	t.Logf("FIGURE killed worker's sleeping tasks resumed: %d high-priority ones on the other worker after %v median, %v max; %d others on the restarted worker after %v median (it was restarted %v after the kill)",
		len(high), median(high), maxOf(high), len(rest), median(rest), restartedAt.Sub(killedAt).Round(time.Second))

	// High-priority tasks ran on both workers.
	served := map[string]bool{}
	for _, id := range all {
		if info := c.task(t, id); info.Queue == "computor-high-priority" && info.Worker != nil {
			served[*info.Worker] = true
		}
	}
	if !served[workerB] || len(served) < 2 {
		t.Fatalf("high-priority queue served by %v; want both workers", served)
	}
	c.checkCourses(t, courses)

	// Phase 2: the Temporal server itself dies mid-run.
	more, moreCourses := c.submitMix(t, 300, 90)
	c.waitRunningOn(t, more, "", 5)
	c.kill(t, "temporal", syscall.SIGKILL)
	c.script(t, "start", "temporal")
	c.waitFinished(t, more)
	maps.Copy(courses, moreCourses)
	c.checkCourses(t, courses)

	c.checkMetrics(t)
	c.checkLogs(t, append(all, more...))
}

// cluster is a running topology of scripts/cluster.sh.
type cluster struct {
	dir, api, token string
	ui              string // the Web UI's http://host:port
	apiMetrics      string
	temporal        string // the frontend's host:port
	env             []string
	workerMetrics   string
	client          http.Client
}

// up brings the topology up on free ports and fresh databases, and takes it
// down when the test ends.
func up(t *testing.T) *cluster {
	t.Helper()
	dir := t.TempDir()
	// One block of free ports for all: Temporal takes base to base+20 and
	// base+100 (its metrics); the API and the workers sit in the gap.
	base := freeBlock(t, 101)
	apiPort, workerPort, uiPort := base+50, base+60, base+70
	c := &cluster{
		dir:           dir,
		api:           fmt.Sprintf("http://127.0.0.1:%d", apiPort),
		workerMetrics: fmt.Sprintf("http://127.0.0.1:%d", workerPort),
		apiMetrics:    fmt.Sprintf("http://127.0.0.1:%d", workerPort+2),
		ui:            fmt.Sprintf("http://127.0.0.1:%d", uiPort),
		client:        http.Client{Timeout: 30 * time.Second},
		env: append(os.Environ(), "CLUSTER_DIR="+dir, "CLUSTER_DB_PREFIX=ci_cluster_", "CLUSTER_TLS=1",
			"TEMPORAL_PORT="+strconv.Itoa(base), "API_PORT="+strconv.Itoa(apiPort), "WORKER_METRICS_PORT="+strconv.Itoa(workerPort),
			"UI_PORT="+strconv.Itoa(uiPort), "COMPUTOR_JWT_KEY_FILE="+filepath.Join(dir, "jwt-key.pem")),
	}
	c.script(t, "reset") // databases of an earlier run that died
	t.Cleanup(func() {
		if t.Failed() {
			for _, svc := range []string{"temporal", "api", "worker", "worker-high", "ui"} {
				b, _ := os.ReadFile(filepath.Join(dir, "logs", svc+".log"))
				if len(b) > 4000 {
					b = b[len(b)-4000:]
				}
				t.Logf("--- tail of %s.log:\n%s", svc, b)
			}
		}
		c.script(t, "reset")
	})
	c.script(t, "up")
	token, err := os.ReadFile(filepath.Join(dir, "admin-token"))
	if err != nil {
		t.Fatal(err)
	}
	c.token = strings.TrimSpace(string(token))
	c.temporal = fmt.Sprintf("127.0.0.1:%d", base)
	return c
}

// checkMutualTLS checks that Temporal speaks only mutual TLS: a client with
// the CA but without a certificate of its own is turned away, one with both
// gets in. (The API and the workers got in the same way.)
func (c *cluster) checkMutualTLS(t *testing.T) {
	t.Helper()
	tlsDir := filepath.Join(c.dir, "tls")
	namespace := func(env ...string) error {
		cmd := exec.Command(filepath.Join(c.dir, "bin", "computor"), "namespace", "create", "--timeout", "10s")
		cmd.Env = append(slices.Clone(c.env), "TEMPORAL_ADDRESS="+c.temporal, "TEMPORAL_TLS_SERVER_NAME=localhost",
			"TEMPORAL_TLS_CA="+filepath.Join(tlsDir, "ca.pem"), "COMPUTOR_JWT_KEY_FILE="+filepath.Join(c.dir, "jwt-key.pem"))
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%w: %s", err, out)
		}
		return nil
	}
	if err := namespace(); err == nil {
		t.Fatal("a client without a certificate reached Temporal")
	}
	if err := namespace("TEMPORAL_TLS_CERT="+filepath.Join(tlsDir, "client.pem"), "TEMPORAL_TLS_KEY="+filepath.Join(tlsDir, "client-key.pem")); err != nil {
		t.Fatalf("a client with the certificate: %v", err)
	}
}

// checkFrontendAuth checks that the official server's JWT authorizer is
// on: with the client certificate but without a token, or with a
// student's, Temporal shows nothing; an admin's token reads.
func (c *cluster) checkFrontendAuth(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	tlsDir := filepath.Join(c.dir, "tls")
	key, err := os.ReadFile(filepath.Join(c.dir, "jwt-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := auth.ParseSigningKey(key)
	if err != nil {
		t.Fatal(err)
	}
	list := func(roles ...string) error {
		cc := engine.ClientConfig{Addr: c.temporal, TLS: &connect.TLSConfig{CAFile: filepath.Join(tlsDir, "ca.pem"),
			CertFile: filepath.Join(tlsDir, "client.pem"), KeyFile: filepath.Join(tlsDir, "client-key.pem"), ServerName: "localhost"}}
		if roles != nil {
			tok, err := signer.Mint(auth.Token{Subject: "cluster-test", Roles: roles, TTL: time.Hour, Namespace: engine.DefaultNamespace})
			if err != nil {
				return err
			}
			cc.Token = func(context.Context) (string, error) { return tok, nil }
		}
		tc, err := engine.Dial(ctx, cc)
		if err != nil {
			return err
		}
		defer tc.Close()
		_, err = tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: engine.DefaultNamespace})
		return err
	}
	var denied *serviceerror.PermissionDenied
	if err := list(); !errors.As(err, &denied) {
		t.Errorf("a client without a token: %v, want PermissionDenied", err)
	}
	if err := list("student"); !errors.As(err, &denied) {
		t.Errorf("a student's token: %v, want PermissionDenied", err)
	}
	if err := list(auth.RoleAdmin); err != nil {
		t.Errorf("an admin's token: %v", err)
	}

	// The internal frontend (the frontend's port + 4, see cluster.sh)
	// checks no tokens: without the cluster's certificate it must not
	// answer at all.
	host, port, _ := net.SplitHostPort(c.temporal)
	p, _ := strconv.Atoi(port)
	internal := net.JoinHostPort(host, strconv.Itoa(p+4))
	tc, err := client.NewLazyClient(client.Options{HostPort: internal, Namespace: engine.DefaultNamespace})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	lctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := tc.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: engine.DefaultNamespace}); err == nil {
		t.Errorf("the internal frontend at %s listed workflows for a client without a certificate", internal)
	}
	// Nor with the certificate computor's processes hold: it is of the
	// frontend's CA, not the server's own.
	withClientCert, err := engine.Dial(lctx, engine.ClientConfig{Addr: internal, TLS: &connect.TLSConfig{
		CAFile: filepath.Join(tlsDir, "internode-ca.pem"), CertFile: filepath.Join(tlsDir, "client.pem"),
		KeyFile: filepath.Join(tlsDir, "client-key.pem"), ServerName: "localhost"}})
	if err == nil {
		_, err = withClientCert.ListWorkflow(lctx, &workflowservice.ListWorkflowExecutionsRequest{Namespace: engine.DefaultNamespace})
		withClientCert.Close()
		if err == nil {
			t.Errorf("the internal frontend at %s listed workflows for computor's client certificate", internal)
		}
	}
}

// checkWebUI checks that the Web UI shows nothing without an admin's
// login.
func (c *cluster) checkWebUI(t *testing.T) {
	t.Helper()
	get := func(token string) int {
		req, _ := http.NewRequest("GET", c.ui+"/api/v1/namespaces/default/workflows", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	student := strings.TrimSpace(c.run(t, filepath.Join(c.dir, "bin", "computor"), "token", "--sub", "student"))
	for name, want := range map[string]int{"": http.StatusUnauthorized, student: http.StatusForbidden, c.token: http.StatusOK} {
		if got := get(name); got != want {
			t.Errorf("the Web UI's workflows with token %.10q...: %d, want %d", name, got, want)
		}
	}
}

// script runs scripts/cluster.sh with the test's settings.
func (c *cluster) script(t *testing.T, args ...string) {
	t.Helper()
	c.run(t, "../../scripts/cluster.sh", args...)
}

func (c *cluster) run(t *testing.T, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = c.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s%s", name, args, err, out, stderr.Bytes())
	}
	return string(out)
}

// kill sends sig to a service and waits until it is gone.
func (c *cluster) kill(t *testing.T, svc string, sig syscall.Signal) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(c.dir, "pids", svc+".pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, sig); err != nil {
		t.Fatalf("kill %s (%d): %v", svc, pid, err)
	}
	eventually(t, 20*time.Second, svc+" to die", func() (bool, string) {
		return syscall.Kill(pid, 0) != nil, ""
	})
}

// do sends a request with the admin token and decodes a JSON answer.
func (c *cluster) do(t *testing.T, method, path string, body, out any) int {
	t.Helper()
	code, err := c.call(method, path, body, out)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// call is do for goroutines other than the test's.
func (c *cluster) call(method, path string, body, out any) (int, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.api+path, r)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return 0, fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
	}
	return resp.StatusCode, nil
}

func (c *cluster) submit(t *testing.T, name string, priority int, params any) string {
	t.Helper()
	var out struct {
		TaskID string `json:"task_id"`
	}
	body := map[string]any{"task_name": name, "priority": priority, "parameters": params}
	if code := c.do(t, http.MethodPost, "/tasks/submit", body, &out); code != http.StatusAccepted {
		t.Fatalf("submit %s: %d", name, code)
	}
	return out.TaskID
}

// sleepSeconds is how long the sleeping tasks run: long enough that the
// killed worker is still running many of them when it dies.
const sleepSeconds = 10

// submitMix submits n tasks numbered from first, 16 at a time, cycling
// through the priorities: even ones sleep in a heartbeating activity,
// odd ones create a course. It returns all ids and, per course task, the
// course path it makes.
func (c *cluster) submitMix(t *testing.T, first, n int) ([]string, map[string]string) {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 16)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			k := first + i
			prio := priorities[k%len(priorities)].value
			if k%2 == 0 {
				ids[i] = c.submit(t, "example_long_running", prio, map[string]any{"duration": sleepSeconds})
			} else {
				ids[i] = c.submit(t, "create_course", prio, map[string]any{"course_family": "ci.fam", "path": fmt.Sprintf("c%03d", k), "title": "Course"})
			}
		}()
	}
	wg.Wait()
	courses := map[string]string{}
	for i, id := range ids {
		if (first+i)%2 == 1 {
			courses[id] = fmt.Sprintf("c%03d", first+i)
		}
	}
	return ids, courses
}

type taskInfo struct {
	Status     string     `json:"status"`
	FinishedAt *time.Time `json:"finished_at"`
	Queue      string     `json:"queue"`
	Worker     *string    `json:"worker"`
	Error      *string    `json:"error"`
}

func (c *cluster) task(t *testing.T, id string) taskInfo {
	t.Helper()
	var info taskInfo
	if code := c.do(t, http.MethodGet, "/tasks/"+id, nil, &info); code != http.StatusOK {
		t.Fatalf("GET /tasks/%s: %d", id, code)
	}
	return info
}

func (c *cluster) mustFinish(t *testing.T, id string) {
	t.Helper()
	c.waitFinished(t, []string{id})
}

// waitFinished waits until every task has ended and fails unless all
// FINISHED.
func (c *cluster) waitFinished(t *testing.T, ids []string) {
	t.Helper()
	pending := slices.Clone(ids)
	deadline := time.Now().Add(5 * time.Minute)
	for len(pending) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d tasks not ended after 5 minutes, e.g. %s: %+v", len(pending), len(ids), pending[0], c.task(t, pending[0]))
		}
		var left []string
		for _, id := range pending {
			switch info := c.task(t, id); info.Status {
			case "FINISHED":
			case "QUEUED", "STARTED":
				left = append(left, id)
			default:
				t.Fatalf("task %s ended %s: %v", id, info.Status, deref(info.Error))
			}
		}
		pending = left
		if len(pending) > 0 {
			time.Sleep(500 * time.Millisecond)
		}
	}
}

// waitRunningOn waits until at least n of the tasks run on the worker (any
// worker when identity is empty) and returns those.
func (c *cluster) waitRunningOn(t *testing.T, ids []string, identity string, n int) []string {
	t.Helper()
	var running []string
	eventually(t, time.Minute, fmt.Sprintf("%d tasks running on %q", n, identity), func() (bool, string) {
		running = running[:0]
		for _, id := range ids {
			info := c.task(t, id)
			if info.Status == "STARTED" && info.Worker != nil && (identity == "" || *info.Worker == identity) {
				running = append(running, id)
			}
		}
		return len(running) >= n, fmt.Sprint(len(running))
	})
	return running
}

// watchResume reports, for each task, how long after now it ran on a
// worker other than the dead one, or finished; -1 if it had finished
// before.
func (c *cluster) watchResume(ids []string, dead string) <-chan map[string]time.Duration {
	out := make(chan map[string]time.Duration, 1)
	start := time.Now()
	go func() {
		got := map[string]time.Duration{}
		for len(got) < len(ids) && time.Since(start) < 5*time.Minute {
			for _, id := range ids {
				if _, ok := got[id]; ok {
					continue
				}
				var info taskInfo
				if code, err := c.call(http.MethodGet, "/tasks/"+id, nil, &info); err != nil || code != http.StatusOK {
					continue
				}
				switch {
				case info.Status == "FINISHED" && info.FinishedAt != nil && info.FinishedAt.Before(start):
					got[id] = -1 // it had ended before the kill
				case info.Status == "FINISHED" || info.Worker != nil && *info.Worker != dead:
					got[id] = time.Since(start)
				}
			}
			time.Sleep(200 * time.Millisecond)
		}
		out <- got
	}()
	return out
}

type workersStatus struct {
	Queues []struct {
		Queue           string `json:"queue"`
		ActivityPollers []struct {
			Identity string `json:"identity"`
		} `json:"activity_pollers"`
	} `json:"queues"`
	Workers []string `json:"workers"`
}

func (c *cluster) workers(t *testing.T) []string {
	t.Helper()
	var ws workersStatus
	if code := c.do(t, http.MethodGet, "/tasks/workers/status", nil, &ws); code != http.StatusOK {
		t.Fatalf("workers status: %d", code)
	}
	return ws.Workers
}

// identities returns the worker on every queue and the one on the
// high-priority queue only, as GET /tasks/workers/status shows them.
func (c *cluster) identities(t *testing.T) (all, high string) {
	t.Helper()
	var ws workersStatus
	eventually(t, 30*time.Second, "two workers in the status", func() (bool, string) {
		ws = workersStatus{}
		c.do(t, http.MethodGet, "/tasks/workers/status", nil, &ws)
		return len(ws.Workers) == 2, fmt.Sprint(ws.Workers)
	})
	for _, q := range ws.Queues {
		if q.Queue == "computor-tasks" && len(q.ActivityPollers) == 1 {
			all = q.ActivityPollers[0].Identity
		}
	}
	for _, w := range ws.Workers {
		if w != all {
			high = w
		}
	}
	if all == "" || high == "" {
		t.Fatalf("cannot tell the workers apart: %+v", ws)
	}
	return all, high
}

// checkCourses checks that each course task made exactly its course, once,
// with its two repositories, and nothing else exists.
func (c *cluster) checkCourses(t *testing.T, want map[string]string) {
	t.Helper()
	var courses []struct {
		Path          string `json:"path"`
		FullPath      string `json:"full_path"`
		CreatedByTask string `json:"created_by_task"`
	}
	if code := c.do(t, http.MethodGet, "/courses", nil, &courses); code != http.StatusOK {
		t.Fatalf("GET /courses: %d", code)
	}
	if len(courses) != len(want) {
		t.Fatalf("%d courses exist, want %d", len(courses), len(want))
	}
	for _, co := range courses {
		if want[co.CreatedByTask] != co.Path {
			t.Fatalf("course %s made by task %q, want the task that asked for it", co.FullPath, co.CreatedByTask)
		}
	}
	entries, err := os.ReadDir(filepath.Join(c.dir, "repos", "ci", "fam"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(want) {
		t.Fatalf("%d entries in the family's repository directory, want %d courses", len(entries), len(want))
	}
	for _, path := range want {
		for _, repo := range []string{"assignments.git", "student-template.git"} {
			if _, err := os.Stat(filepath.Join(c.dir, "repos", "ci", "fam", path, repo, "HEAD")); err != nil {
				t.Fatalf("repository of course %s: %v", path, err)
			}
		}
	}
}

// checkMetrics scrapes the API and a worker.
func (c *cluster) checkMetrics(t *testing.T) {
	t.Helper()
	if resp, err := c.client.Get(c.api + "/metrics"); err != nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("the API's own port serves /metrics: %v %v", err, resp)
	} else {
		resp.Body.Close()
	}
	api := scrape(t, c.apiMetrics+"/metrics")
	worker := scrape(t, c.workerMetrics+"/metrics")
	for _, m := range []struct{ name, text, series string }{
		{"api", api, `http_requests_total{code="202",route="POST /tasks/submit"}`},
		{"api", api, `http_request_duration_seconds_bucket{route="GET /tasks/{id}",le="0.1"}`},
		{"api", api, `computor_tasks_submitted_total{queue="computor-high-priority",task_name="create_course"}`},
		{"api", api, `computor_tasks_submitted_total{queue="computor-tasks",task_name="example_long_running"}`},
		{"api", api, `computor_tasks_submitted_total{queue="computor-low-priority",task_name="create_course"}`},
		{"api", api, "\ntemporal_request_total{"},
		{"worker", worker, `temporal_workflow_completed_total{`},
		{"worker", worker, `workflow_type="create_course"`},
		{"worker", worker, "\ntemporal_activity_execution_latency_seconds_bucket{"},
		{"worker", worker, "\ntemporal_workflow_endtoend_latency_seconds_bucket{"},
		{"worker", worker, `computor_tasks_ended_total{queue="computor-tasks",status="FINISHED",task_name="example_long_running"}`},
		{"worker", worker, `computor_task_duration_seconds_bucket{status="FINISHED",task_name="create_course",le="10"}`},
	} {
		if !strings.Contains(m.text, m.series) {
			t.Errorf("%s /metrics lacks %s", m.name, m.series)
		}
	}
	resp, err := c.client.Get(c.workerMetrics + "/healthz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("worker /healthz: %v %v", err, resp)
	}
	resp.Body.Close()
}

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d", url, resp.StatusCode)
	}
	return string(b)
}

// checkLogs checks that the JSON logs tell every task's story by task_id:
// submitted in the API's log, ended FINISHED in a worker's.
func (c *cluster) checkLogs(t *testing.T, ids []string) {
	t.Helper()
	submitted := logged(t, filepath.Join(c.dir, "logs", "api.log"), "task submitted")
	ended := logged(t, filepath.Join(c.dir, "logs", "worker.log"), "task ended")
	for id, n := range logged(t, filepath.Join(c.dir, "logs", "worker-high.log"), "task ended") {
		ended[id] += n
	}
	for _, id := range ids {
		if submitted[id] != 1 {
			t.Errorf("api log: %d 'task submitted' lines for %s, want 1", submitted[id], id)
		}
		if ended[id] < 1 {
			t.Errorf("worker logs: no 'task ended' line for %s", id)
		}
	}
}

// logged counts the JSON lines with msg per task_id.
func logged(t *testing.T, file, msg string) map[string]int {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var line struct {
			Msg    string `json:"msg"`
			TaskID string `json:"task_id"`
			Status string `json:"status"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == msg && line.TaskID != "" {
			if msg != "task ended" || line.Status == "FINISHED" {
				n[line.TaskID]++
			}
		}
	}
	return n
}

// freeBlock finds n consecutive free loopback ports and returns the first.
// They lie below 32768, outside the kernel's ephemeral range and within
// what Temporal stores as a membership port (a PostgreSQL smallint).
func freeBlock(t *testing.T, n int) int {
	t.Helper()
	for try := 0; try < 200; try++ {
		base := 20000 + rand.IntN(12000)
		ok := true
		for p := base; p < base+n && ok; p++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
			if ok = err == nil; ok {
				l.Close()
			}
		}
		if ok {
			return base
		}
	}
	t.Fatal("no free block of ports")
	return 0
}

func eventually(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, state := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s (last: %s)", within, what, state)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	slices.Sort(d)
	return d[len(d)/2].Round(100 * time.Millisecond)
}

func maxOf(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	return slices.Max(d).Round(100 * time.Millisecond)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
