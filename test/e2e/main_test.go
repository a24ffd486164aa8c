// Package e2e runs Computor end to end: one real `computor dev` stack for
// the package, in this process (each test with its own users), driven over
// HTTP; and the computor binary, built once, for what only a process shows:
// the command line, signals, kills and restarts.
package e2e

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
)

// stack is a running `computor dev`.
type stack struct {
	api          string // http://host:port
	temporal     string
	temporalHTTP string
	ui           string
	metrics      string // http://host:port/metrics
	dataDir      string
	key          *auth.SigningKey
	priv         *ecdsa.PrivateKey // the same key, to sign forged tokens with
	keyFile      string
	stdout       *syncBuffer
	stderr       *syncBuffer
	cancel       context.CancelFunc
	done         chan error
}

var shared *stack

// workRoot is where the shared stack's sandbox makes work directories, so
// that tests can check that runs leave nothing there.
var workRoot string

// binary is the computor binary, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "computor-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	binary = filepath.Join(dir, "computor")
	build := exec.Command("go", "build", "-o", binary, "github.com/computor-org/computor-go/cmd/computor")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build computor:", err)
		return 1
	}
	// The sandbox's users must be able to search the work root.
	workRoot = filepath.Join(dir, "work")
	if err := os.Mkdir(workRoot, 0o711); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := os.Chmod(dir, 0o711); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	s, err := startStack(app.Config{DataDir: filepath.Join(dir, "data"), WorkDir: workRoot, Ephemeral: true,
		BodyTimeout: slowBodyTimeout})
	if err != nil {
		fmt.Fprintln(os.Stderr, "start dev stack:", err)
		return 1
	}
	shared = s
	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "the shared stack's log (warnings and errors):\n%s\n", lastLines(s.stderr.String(), 60))
	}
	if err := s.stop(); err != nil {
		fmt.Fprintln(os.Stderr, "stop dev stack:", err)
		code = 1
	}
	return code
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startStack runs app.Dev in this process on free ports and waits until it
// is ready.
func startStack(c app.Config) (*stack, error) {
	c.APIAddr, c.TemporalAddr, c.UIAddr, c.MetricsAddr, c.TemporalHTTPAddr = freeAddr(), freeAddr(), freeAddr(), freeAddr(), freeAddr()
	if c.LogLevel == "" {
		c.LogLevel = "warn"
	}
	s := &stack{
		api:          "http://" + c.APIAddr,
		dataDir:      c.DataDir,
		temporal:     c.TemporalAddr,
		temporalHTTP: c.TemporalHTTPAddr,
		ui:           c.UIAddr,
		metrics:      "http://" + c.MetricsAddr + "/metrics",
		stdout:       &syncBuffer{},
		stderr:       &syncBuffer{},
		done:         make(chan error, 1),
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	go func() { s.done <- app.Dev(ctx, c, s.stdout, s.stderr) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(s.stdout.String(), "Computor dev is ready") {
		select {
		case err := <-s.done:
			cancel()
			return nil, fmt.Errorf("dev exited: %v\n%s", err, s.stderr.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			return nil, fmt.Errorf("dev not ready after 60s:\n%s", s.stderr.String())
		}
	}
	s.keyFile = filepath.Join(c.DataDir, app.KeyFile)
	pemBytes, err := os.ReadFile(s.keyFile)
	if err == nil {
		s.key, err = auth.ParseSigningKey(pemBytes)
	}
	if err == nil {
		block, _ := pem.Decode(pemBytes)
		var k any
		if k, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			s.priv, _ = k.(*ecdsa.PrivateKey)
		}
	}
	if err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

func (s *stack) stop() error {
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(60 * time.Second):
		return fmt.Errorf("dev did not stop in 60s")
	}
}

// tokenFor mints a token with the stack's signing key.
func (s *stack) tokenFor(t testing.TB, sub string, roles ...string) string {
	t.Helper()
	token, err := app.Token(app.Config{DataDir: s.dataDir}, sub, roles, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// catalogNames are the names of every task type, testing ones included, in
// the catalog's order: what a stack with a working sandbox offers.
func catalogNames(t testing.TB) []string {
	t.Helper()
	reg, err := catalog.New(tasks.Deps{}, true)
	if err != nil {
		t.Fatal(err)
	}
	return reg.Names()
}

// clientConfig is a Temporal client of the stack's frontend, showing a
// token with roles (none: no token at all).
func (s *stack) clientConfig(t testing.TB, namespace string, roles ...string) engine.ClientConfig {
	t.Helper()
	cc := engine.ClientConfig{Addr: s.temporal, Namespace: namespace}
	if len(roles) > 0 {
		// A service token names its namespace, as app's do.
		ns := namespace
		if ns == "" {
			ns = engine.DefaultNamespace
		}
		token, err := s.key.Mint(auth.Token{Subject: "e2e-" + strings.Join(roles, "-"), Roles: roles, TTL: time.Hour, Namespace: ns})
		if err != nil {
			t.Fatal(err)
		}
		cc.Token = func(context.Context) (string, error) { return token, nil }
	}
	return cc
}

// computor runs the computor binary with args until it exits or ctx ends,
// when it gets SIGTERM. A failed run's error carries its stderr, as the
// binary prints it.
func computor(ctx context.Context, args []string, stdout, stderr io.Writer, env ...string) error {
	var errOut syncBuffer
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	cmd.Stderr = io.MultiWriter(stderr, &errOut)
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 60 * time.Second
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil && cmd.ProcessState != nil && cmd.ProcessState.ExitCode() == 0 {
			return nil
		}
		return fmt.Errorf("%v: %s", err, strings.TrimSpace(errOut.String()))
	}
	return nil
}

// response is a decoded API answer.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) json(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) want(t testing.TB, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	return r
}

// do sends a request with a bearer token (none when token is ""), and
// checks the answer against the API's description (checkSpec).
func (s *stack) do(t testing.TB, method, path, token string, body any, header ...string) response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, s.api+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := response{status: resp.StatusCode, header: resp.Header, body: b}
	s.checkSpec(t, method, path, r)
	return r
}

type submitReply struct {
	TaskID  string `json:"task_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// submit submits a task and returns its id.
func (s *stack) submit(t testing.TB, token, name string, params any, priority int, header ...string) string {
	t.Helper()
	r := s.do(t, "POST", "/tasks/submit", token, map[string]any{"task_name": name, "parameters": params, "priority": priority}, header...)
	r.want(t, http.StatusAccepted)
	var reply submitReply
	r.json(t, &reply)
	if !regexp.MustCompile("^" + name + `-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(reply.TaskID) {
		t.Fatalf("task_id %q is not %s-<uuid>", reply.TaskID, name)
	}
	if reply.Status != "submitted" || reply.Message != fmt.Sprintf("Task '%s' submitted successfully", name) {
		t.Fatalf("submit reply %+v", reply)
	}
	return reply.TaskID
}

type taskInfo struct {
	TaskID     string     `json:"task_id"`
	TaskName   string     `json:"task_name"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      *string    `json:"error"`
	Worker     *string    `json:"worker"`
	Queue      string     `json:"queue"`
	Priority   int        `json:"priority"`
	Progress   *struct {
		Percent float64 `json:"percent"`
		Message string  `json:"message"`
	} `json:"progress"`
	Retries   int    `json:"retries"`
	Submitter string `json:"submitter"`
}

func (s *stack) task(t testing.TB, token, id string) taskInfo {
	t.Helper()
	var info taskInfo
	s.do(t, "GET", "/tasks/"+id, token, nil).want(t, http.StatusOK).json(t, &info)
	return info
}

type taskResult struct {
	TaskID   string          `json:"task_id"`
	TaskName string          `json:"task_name"`
	Status   string          `json:"status"`
	Result   json.RawMessage `json:"result"`
	Error    *string         `json:"error"`
}

// await long-polls the result until the task ends.
func (s *stack) await(t testing.TB, token, id string) taskResult {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		r := s.do(t, "GET", "/tasks/"+id+"/result?wait=20s", token, nil)
		if r.status == http.StatusOK {
			var res taskResult
			r.json(t, &res)
			s.recordHistory(t, id, res.Status)
			return res
		}
		r.want(t, http.StatusAccepted)
	}
	t.Fatalf("task %s did not end in 90s", id)
	return taskResult{}
}

// eventually polls cond every 50 ms for up to d.
func eventually(t testing.TB, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// lastLines is the end of a log, n lines at most.
func lastLines(log string, n int) string {
	lines := strings.Split(strings.TrimRight(log, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
