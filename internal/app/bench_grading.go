package app

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
)

// GradingBenchOptions are the settings of BenchGrading beyond Config.
type GradingBenchOptions struct {
	// Students each push a correct solution, then all submit at once.
	Students int
	// Assignment is the assignment directory (meta.yaml, test.yaml, test
	// files); Solution the file pushed as its one submission file.
	Assignment, Solution string
	// APIURL is the API of a running stack (its signing key is needed to
	// act as admin and as each student); empty: an embedded stack.
	APIURL string
	// OwnDataDir and OwnTemporalAddr say that Config.DataDir and
	// Config.TemporalAddr were given, not defaults.
	OwnDataDir, OwnTemporalAddr bool
	// JSON prints the report as JSON; Plot, when set, receives an SVG
	// chart of time-to-result per student; CPUProfile a CPU profile of
	// the rush.
	JSON             bool
	Plot, CPUProfile string
}

// Defaults of `computor bench grading`, relative to the repository's root.
const (
	GradingBenchAssignment = "testdata/course/assignments/sum"
	GradingBenchSolution   = "testdata/course/solutions/sum/correct.py"
)

// GradingFigures are the figures of the rush through the task system.
type GradingFigures struct {
	Runs        int     `json:"runs"`
	Correct     int     `json:"correct"`
	Seconds     float64 `json:"seconds"`
	RunsPerMin  float64 `json:"runs_per_min"`
	SubmitP50Ms float64 `json:"submit_p50_ms"`
	SubmitMaxMs float64 `json:"submit_max_ms"`
	// ResultP50Ms… are submit-to-result: from the moment the client sent
	// the submit to the task's close as the engine recorded it.
	ResultP50Ms float64 `json:"result_p50_ms"`
	ResultP95Ms float64 `json:"result_p95_ms"`
	ResultMaxMs float64 `json:"result_max_ms"`
	// FirstResultMs and LastResultMs are when the first and the last
	// student had their result, from the start of the rush; SpreadMs is
	// the time between; FairnessCV is the coefficient of variation of the
	// students' times to result (0: all alike).
	FirstResultMs float64 `json:"first_result_ms"`
	LastResultMs  float64 `json:"last_result_ms"`
	SpreadMs      float64 `json:"spread_ms"`
	FairnessCV    float64 `json:"fairness_cv"`
	// WaitEstimates counts the runs whose waiting estimate (GET
	// /tasks/{id} right after the submits) was checked against when the
	// run began; WaitEstimateErrP50Ms is the median of the errors.
	WaitEstimates        int     `json:"wait_estimates"`
	WaitEstimateErrP50Ms float64 `json:"wait_estimate_err_p50_ms"`
	// Failures are up to five reasons of runs not graded with full marks.
	Failures []string `json:"failures,omitempty"`
}

// BareFigures are the same test commands run without the task system
// and without the sandbox.
type BareFigures struct {
	Runs        int     `json:"runs"`
	Correct     int     `json:"correct"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	RunsPerMin  float64 `json:"runs_per_min"`
	RunP50Ms    float64 `json:"run_p50_ms"`
	RunP95Ms    float64 `json:"run_p95_ms"`
	RunMaxMs    float64 `json:"run_max_ms"`
}

// GradingBenchReport is the output of `computor bench grading`.
type GradingBenchReport struct {
	Assignment string         `json:"assignment"`
	Students   int            `json:"students"`
	Engine     string         `json:"engine"`
	CPUs       int            `json:"cpus"`
	Load       [3]float64     `json:"load_average"`
	Grading    GradingFigures `json:"grading"`
	Bare       BareFigures    `json:"bare"`
	// Ratio is the throughput of grading over that of bare: 1.0 is as
	// fast as running the tests bare.
	Ratio float64 `json:"ratio"`
	// Students' times, in submit order, for the chart.
	Times []StudentTime `json:"times,omitempty"`
}

// StudentTime is one student's submission in the rush.
type StudentTime struct {
	SubmitMs float64 `json:"submit_ms"` // from the start of the rush
	ResultMs float64 `json:"result_ms"` // submit to result
	Score    float64 `json:"score"`
}

// gradingSample is an assignment and a correct solution, read from disk.
type gradingSample struct {
	name           string
	files          map[string][]byte // the assignment's files, by path in its directory
	meta           *course.Meta
	spec           *grading.Spec
	submissionPath string // where the solution goes, relative to the assignment
	solution       []byte
}

func loadGradingSample(dir, solution string) (*gradingSample, error) {
	s := &gradingSample{name: filepath.Base(filepath.Clean(dir)), files: map[string][]byte{}}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		s.files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bench grading: --assignment (run from the repository's root for the default): %w", err)
	}
	if s.meta, err = course.ParseMeta(s.files[course.MetaFile]); err != nil {
		return nil, fmt.Errorf("bench grading: %s: %w", dir, err)
	}
	if s.spec, err = grading.ParseSpec(s.files[course.TestSpecFile]); err != nil {
		return nil, fmt.Errorf("bench grading: %s: %w", dir, err)
	}
	if len(s.meta.SubmissionFiles) != 1 || strings.ContainsAny(s.meta.SubmissionFiles[0], "*?[") {
		return nil, fmt.Errorf("bench grading: %s: meta.yaml must name exactly one submission file, not a pattern (got %q)", dir, s.meta.SubmissionFiles)
	}
	s.submissionPath = s.meta.SubmissionFiles[0]
	if s.solution, err = os.ReadFile(solution); err != nil {
		return nil, fmt.Errorf("bench grading: --solution: %w", err)
	}
	return s, nil
}

// testFiles are the kept-back files the tests need.
func (s *gradingSample) testFiles() []grading.File {
	var out []grading.File
	for _, p := range slices.Sorted(maps.Keys(s.files)) {
		if s.meta.TestFile(p) {
			out = append(out, grading.File{Path: p, Data: s.files[p]})
		}
	}
	return out
}

// BenchGrading runs a deadline rush: S students of a fresh course each
// push a correct solution, then all submit submission_processing at once.
// It reports runs a minute and submit-to-result times, then runs the same
// tests bare (plain temp dirs, no task system, no sandbox) with the
// sandbox's concurrency, and the ratio of the two throughputs. Every run
// must be graded with full marks, or it returns an error.
func BenchGrading(ctx context.Context, c Config, o GradingBenchOptions, stdout, stderr io.Writer) error {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	if o.Students < 1 {
		return errors.New("bench grading: --students must be at least 1")
	}
	if o.Assignment == "" {
		o.Assignment = GradingBenchAssignment
	}
	if o.Solution == "" {
		if o.Assignment != GradingBenchAssignment {
			return errors.New("bench grading: --solution is needed with --assignment")
		}
		o.Solution = GradingBenchSolution
	}
	sample, err := loadGradingSample(o.Assignment, o.Solution)
	if err != nil {
		return err
	}
	if _, err := exec.LookPath("git"); err != nil {
		return fmt.Errorf("bench grading: git is needed to push the course: %w", err)
	}
	logger, err := c.Logger(stderr)
	if err != nil {
		return err
	}

	report := GradingBenchReport{Assignment: o.Assignment, Students: o.Students, CPUs: runtime.NumCPU(), Load: loadAverage()}
	var key *auth.SigningKey
	if o.APIURL == "" {
		if !o.OwnDataDir {
			c.DataDir = ""
		}
		if !o.OwnTemporalAddr {
			c.TemporalAddr = ""
		}
		url, _, d, stop, err := startBenchStack(ctx, c, logger)
		if err != nil {
			return err
		}
		defer stop()
		o.APIURL, key = url, d.key
		report.Engine = "embedded, file database"
		if d.deps.Sandbox == nil {
			return errors.New("bench grading: the embedded worker has no sandbox (bubblewrap missing, or not root)")
		}
	} else {
		if key, err = c.signingKey(false); err != nil {
			return fmt.Errorf("bench grading: --api needs the stack's signing key, to act as admin and as each student: %w", err)
		}
		report.Engine = "external: " + o.APIURL
	}
	api := &benchAPI{url: o.APIURL, key: key, audience: c.JWTAudience, client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64},
	}, tokens: map[string]string{}}

	fmt.Fprintf(stderr, "bench grading: setting up a course of %d students...\n", o.Students)
	rush, err := setUpRush(ctx, api, sample, o.Students)
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench grading: warm-up run...\n")
	if err := rush.warmUp(ctx); err != nil {
		return err
	}

	stopProfile, err := cpuProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(stderr, "bench grading: %d students submit at once...\n", o.Students)
	times, figs, runErr := rush.run(ctx, stderr)
	stopProfile()
	if runErr != nil {
		return runErr
	}
	report.Grading, report.Times = figs, times

	fmt.Fprintf(stderr, "bench grading: the same tests bare...\n")
	if report.Bare, err = benchBare(ctx, sample, o.Students, sandbox.SlotsDefault()); err != nil {
		return err
	}
	if report.Bare.RunsPerMin > 0 {
		report.Ratio = report.Grading.RunsPerMin / report.Bare.RunsPerMin
	}
	if o.Plot != "" {
		if err := os.WriteFile(o.Plot, rushSVG(report), 0o644); err != nil {
			return fmt.Errorf("bench grading: --plot: %w", err)
		}
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		r := report
		r.Times = nil
		if err := enc.Encode(r); err != nil {
			return err
		}
	} else {
		printGradingBench(stdout, report)
	}
	if report.Grading.Correct != report.Grading.Runs || report.Bare.Correct != report.Bare.Runs {
		return fmt.Errorf("bench grading: %d of %d runs graded correctly (bare: %d of %d): each should have full marks",
			report.Grading.Correct, report.Grading.Runs, report.Bare.Correct, report.Bare.Runs)
	}
	return nil
}

// loadAverage is the machine's load, to judge a run on a shared machine.
func loadAverage() [3]float64 {
	var l [3]float64
	b, err := os.ReadFile("/proc/loadavg")
	if err == nil {
		_, _ = fmt.Sscan(string(b), &l[0], &l[1], &l[2])
	}
	return l
}

// benchAPI is a client of the API acting as admin or as any user.
type benchAPI struct {
	url      string
	key      *auth.SigningKey
	audience string
	client   *http.Client
	mu       sync.Mutex
	tokens   map[string]string
}

const benchAdmin = "bench-grading-admin"

func (a *benchAPI) token(user string) (string, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if t, ok := a.tokens[user]; ok {
		return t, nil
	}
	tok := auth.Token{Subject: user, TTL: time.Hour, Audience: a.audience}
	if user == benchAdmin {
		tok.Roles = []string{auth.RoleAdmin}
	}
	t, err := a.key.Mint(tok)
	if err != nil {
		return "", err
	}
	a.tokens[user] = t
	return t, nil
}

// call sends a request as user and decodes a JSON answer into out.
func (a *benchAPI) call(ctx context.Context, user, method, p string, body, out any) (int, error) {
	tok, err := a.token(user)
	if err != nil {
		return 0, err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.url+p, rd)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode >= 300 && resp.StatusCode != http.StatusAccepted {
		return resp.StatusCode, fmt.Errorf("%s %s: status %d: %s", method, p, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return resp.StatusCode, fmt.Errorf("%s %s: %w", method, p, err)
		}
	}
	return resp.StatusCode, nil
}

// taskResult is the API's answer for an ended task.
type taskResult struct {
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
	Error  *string         `json:"error"`
}

func (a *benchAPI) submit(ctx context.Context, user, task string, params any) (string, error) {
	var sub SubmitReply
	if _, err := a.call(ctx, user, "POST", "/tasks/submit", map[string]any{"task_name": task, "parameters": params}, &sub); err != nil {
		return "", err
	}
	return sub.TaskID, nil
}

// await long-polls a task's result until it ended.
func (a *benchAPI) await(ctx context.Context, user, id string) (*taskResult, error) {
	for {
		var res taskResult
		status, err := a.call(ctx, user, "GET", "/tasks/"+id+"/result?wait=60s", nil, &res)
		if err != nil {
			return nil, err
		}
		if status == http.StatusOK {
			return &res, nil
		}
	}
}

// finish runs a task to its end and fails unless it FINISHED.
func (a *benchAPI) finish(ctx context.Context, user, task string, params any) (*taskResult, error) {
	id, err := a.submit(ctx, user, task, params)
	if err != nil {
		return nil, err
	}
	res, err := a.await(ctx, user, id)
	if err != nil {
		return nil, err
	}
	if res.Status != "FINISHED" {
		msg := ""
		if res.Error != nil {
			msg = *res.Error
		}
		return nil, fmt.Errorf("bench grading: %s %s: %s", task, res.Status, msg)
	}
	return res, nil
}

// rush is a course ready for the rush: every student has pushed a
// correct solution.
type rush struct {
	api     *benchAPI
	sample  *gradingSample
	content string
	members []rushMember
}

type rushMember struct {
	username, id, commit string
}

func (r *benchAPI) repoURL(user, repo string) (string, error) {
	tok, err := r.token(user)
	if err != nil {
		return "", err
	}
	return strings.Replace(r.url, "://", "://x:"+tok+"@", 1) + "/git/" + repo + ".git", nil
}

// git runs git in dir and returns its trimmed output.
func benchGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "user.name=bench", "-c", "user.email=bench@localhost",
		"-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0")
	out, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, bytes.TrimSpace(out))
	}
	return strings.TrimSpace(string(out)), nil
}

func setUpRush(ctx context.Context, api *benchAPI, s *gradingSample, students int) (*rush, error) {
	org := fmt.Sprintf("gradebench%d", rand.IntN(1_000_000_000))
	courseID, group := org+".prog.rush", org+"/prog/rush"
	for _, step := range []struct {
		task   string
		params map[string]any
	}{
		{"create_organization", map[string]any{"path": org, "title": "Grading bench"}},
		{"create_course_family", map[string]any{"organization": org, "path": "prog", "title": "Programming"}},
		{"create_course", map[string]any{"course_family": org + ".prog", "path": "rush", "title": "Deadline rush"}},
	} {
		if _, err := api.finish(ctx, benchAdmin, step.task, step.params); err != nil {
			return nil, err
		}
	}
	work, err := os.MkdirTemp("", "computor-gradebench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	url, err := api.repoURL(benchAdmin, group+"/assignments")
	if err != nil {
		return nil, err
	}
	if _, err := benchGit(ctx, work, "clone", "-q", url, "a"); err != nil {
		return nil, err
	}
	repo := filepath.Join(work, "a")
	for p, b := range s.files {
		dst := filepath.Join(repo, s.name, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			return nil, err
		}
	}
	for _, args := range [][]string{{"add", "."}, {"commit", "-q", "-m", "Assignment " + s.name}, {"push", "-q", "origin", "HEAD:main"}} {
		if _, err := benchGit(ctx, repo, args...); err != nil {
			return nil, err
		}
	}
	if _, err := api.finish(ctx, benchAdmin, "release_course", map[string]any{"course": courseID}); err != nil {
		return nil, err
	}
	list := make([]map[string]any, students)
	for i := range list {
		list[i] = map[string]any{"username": fmt.Sprintf("rush%04d", i)}
	}
	if _, err := api.finish(ctx, benchAdmin, "release_students", map[string]any{"course": courseID, "students": list}); err != nil {
		return nil, err
	}
	var ms []struct {
		ID       string `json:"id"`
		Username string `json:"username"`
	}
	if _, err := api.call(ctx, benchAdmin, "GET", "/courses/"+courseID+"/members", nil, &ms); err != nil {
		return nil, err
	}
	r := &rush{api: api, sample: s, content: s.name}
	for _, m := range ms {
		if strings.HasPrefix(m.Username, "rush") {
			r.members = append(r.members, rushMember{username: m.Username, id: m.ID})
		}
	}
	if len(r.members) != students {
		return nil, fmt.Errorf("bench grading: %d students released, want %d", len(r.members), students)
	}
	slices.SortFunc(r.members, func(a, b rushMember) int { return strings.Compare(a.username, b.username) })

	// Every student's repository starts as the same template: one clone
	// makes the tree with the solution, and each student pushes a commit
	// of their own with it.
	first, err := api.repoURL(r.members[0].username, group+"/students/"+r.members[0].username)
	if err != nil {
		return nil, err
	}
	if _, err := benchGit(ctx, work, "clone", "-q", first, "s"); err != nil {
		return nil, err
	}
	repo = filepath.Join(work, "s")
	dst := filepath.Join(repo, s.name, filepath.FromSlash(s.submissionPath))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(dst, s.solution, 0o644); err != nil {
		return nil, err
	}
	if _, err := benchGit(ctx, repo, "add", "."); err != nil {
		return nil, err
	}
	tree, err := benchGit(ctx, repo, "write-tree")
	if err != nil {
		return nil, err
	}
	head, err := benchGit(ctx, repo, "rev-parse", "HEAD")
	if err != nil {
		return nil, err
	}
	var next atomic.Int64
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(r.members) && errs[w] == nil; i = int(next.Add(1)) - 1 {
				m := &r.members[i]
				commit, err := benchGit(ctx, repo, "commit-tree", tree, "-p", head, "-m", "Solution of "+m.username)
				if err != nil {
					errs[w] = err
					return
				}
				url, err := api.repoURL(m.username, group+"/students/"+m.username)
				if err != nil {
					errs[w] = err
					return
				}
				if _, err := benchGit(ctx, repo, "push", "-q", url, commit+":refs/heads/main"); err != nil {
					errs[w] = fmt.Errorf("push the solution of %s: %w", m.username, err)
					return
				}
				m.commit = commit
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return r, nil
}

// warmUp tests the first student's commit once (a test run, not a
// submission), so the rush does not pay for first uses and a broken setup
// shows before it.
func (r *rush) warmUp(ctx context.Context) error {
	m := r.members[0]
	res, err := r.api.finish(ctx, m.username, "student_testing", map[string]any{"course_member": m.id, "content": r.content, "commit": m.commit})
	if err != nil {
		return err
	}
	var run struct {
		Score float64 `json:"score"`
	}
	if err := json.Unmarshal(res.Result, &run); err != nil || run.Score != 1 {
		return fmt.Errorf("bench grading: the warm-up run scored %v, want 1 (full marks): %s", run.Score, res.Result)
	}
	return nil
}

// run submits every student's solution at once and waits for all results.
func (r *rush) run(ctx context.Context, progress io.Writer) ([]StudentTime, GradingFigures, error) {
	n := len(r.members)
	type sub struct {
		id               string
		sentAt, answered time.Time
		err              error
	}
	subs := make([]sub, n)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	for i := range subs {
		wg.Go(func() {
			m := r.members[i]
			<-gate
			subs[i].sentAt = time.Now()
			subs[i].id, subs[i].err = r.api.submit(ctx, m.username, "submission_processing",
				map[string]any{"course_member": m.id, "content": r.content, "commit": m.commit})
			subs[i].answered = time.Now()
		})
	}
	start := time.Now()
	close(gate)
	wg.Wait()
	for i := range subs {
		if subs[i].err != nil {
			return nil, GradingFigures{}, fmt.Errorf("bench grading: submit of %s: %w", r.members[i].username, subs[i].err)
		}
	}

	// The waiting estimate of GET /tasks/{id} of twenty runs spread over
	// the rush, asked once each now, checked below against when each run
	// began.
	type estimate struct {
		i     int
		start time.Time // when the estimate says the run begins
	}
	var estimates []estimate
	for k := range min(20, n) {
		i := k * n / min(20, n)
		var st struct {
			Waiting *struct {
				EstimatedStartInS float64 `json:"estimated_start_in_s"`
			} `json:"waiting"`
		}
		asked := time.Now()
		if _, err := r.api.call(ctx, r.members[i].username, "GET", "/tasks/"+subs[i].id, nil, &st); err == nil && st.Waiting != nil {
			estimates = append(estimates, estimate{i: i, start: asked.Add(time.Duration(st.Waiting.EstimatedStartInS * float64(time.Second)))})
		}
	}

	// A few waiters long-poll the tasks in submit order: the time to
	// result is the engine's close time, so polling need not be prompt,
	// and a poll per student would load the machine being measured.
	results := make([]*taskResult, n)
	var done atomic.Int64
	var next atomic.Int64
	errs := make([]error, 8)
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(2 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				fmt.Fprintf(progress, "bench grading: %d/%d results\n", done.Load(), n)
			}
		}
	}()
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && errs[w] == nil; i = int(next.Add(1)) - 1 {
				results[i], errs[w] = r.api.await(ctx, r.members[i].username, subs[i].id)
				done.Add(1)
			}
		})
	}
	wg.Wait()
	close(stopProgress)
	if err := errors.Join(errs...); err != nil {
		return nil, GradingFigures{}, err
	}

	figs := GradingFigures{Runs: n}
	times := make([]StudentTime, n)
	var toResult, submits []time.Duration
	var last time.Time
	for i := range subs {
		var st struct {
			FinishedAt *time.Time `json:"finished_at"`
		}
		if _, err := r.api.call(ctx, r.members[i].username, "GET", "/tasks/"+subs[i].id, nil, &st); err != nil {
			return nil, GradingFigures{}, err
		}
		if st.FinishedAt == nil {
			return nil, GradingFigures{}, fmt.Errorf("bench grading: task %s ended without a finish time", subs[i].id)
		}
		d := st.FinishedAt.Sub(subs[i].sentAt)
		toResult = append(toResult, d)
		submits = append(submits, subs[i].answered.Sub(subs[i].sentAt))
		last = latest(last, *st.FinishedAt)
		var out struct {
			Test *struct {
				Score   float64 `json:"score"`
				Summary *struct {
					Total  int `json:"total"`
					Passed int `json:"passed"`
					Tests  []struct {
						Name, Result, Message string
					} `json:"tests"`
				} `json:"summary"`
			} `json:"test"`
		}
		score := -1.0
		if results[i].Status == "FINISHED" && json.Unmarshal(results[i].Result, &out) == nil && out.Test != nil {
			score = out.Test.Score
			if score == 1 && out.Test.Summary != nil && out.Test.Summary.Total > 0 && out.Test.Summary.Passed == out.Test.Summary.Total {
				figs.Correct++
			} else if out.Test.Summary != nil && len(figs.Failures) < 5 {
				for _, t := range out.Test.Summary.Tests {
					if t.Result != "passed" {
						figs.Failures = append(figs.Failures, fmt.Sprintf("%s: test %s %s: %s", r.members[i].username, t.Name, t.Result, t.Message))
						break
					}
				}
			}
		} else if len(figs.Failures) < 5 {
			msg := results[i].Status
			if results[i].Error != nil {
				msg += ": " + *results[i].Error
			}
			figs.Failures = append(figs.Failures, r.members[i].username+": "+msg)
		}
		times[i] = StudentTime{SubmitMs: ms(subs[i].sentAt.Sub(start)), ResultMs: ms(d), Score: score}
	}
	var runs []struct {
		TaskID       string     `json:"task_id"`
		RunStartedAt *time.Time `json:"run_started_at"`
	}
	if _, err := r.api.call(ctx, benchAdmin, "GET", "/results?limit=1000", nil, &runs); err != nil {
		return nil, GradingFigures{}, err
	}
	began := map[string]time.Time{}
	for _, run := range runs {
		if run.RunStartedAt != nil {
			began[run.TaskID] = *run.RunStartedAt
		}
	}
	var misses []time.Duration
	for _, e := range estimates {
		if at, ok := began[subs[e.i].id+"-test"]; ok {
			misses = append(misses, (at.Sub(e.start)).Abs())
		}
	}
	figs.WaitEstimates = len(misses)
	if len(misses) > 0 {
		figs.WaitEstimateErrP50Ms = percentileMs(misses, 50)
	}
	elapsed := last.Sub(start)
	figs.Seconds = elapsed.Seconds()
	figs.RunsPerMin = float64(n) / elapsed.Minutes()
	figs.SubmitP50Ms, figs.SubmitMaxMs = percentileMs(submits, 50), percentileMs(submits, 100)
	figs.ResultP50Ms, figs.ResultP95Ms, figs.ResultMaxMs = percentileMs(toResult, 50), percentileMs(toResult, 95), percentileMs(toResult, 100)
	var firstAt, lastAt []float64
	for _, t := range times {
		firstAt = append(firstAt, t.SubmitMs+t.ResultMs)
	}
	lastAt = slices.Clone(firstAt)
	figs.FirstResultMs, figs.LastResultMs = slices.Min(firstAt), slices.Max(lastAt)
	figs.SpreadMs = figs.LastResultMs - figs.FirstResultMs
	figs.FairnessCV = coefficientOfVariation(toResult)
	slices.SortStableFunc(times, func(a, b StudentTime) int { return cmpFloat(a.SubmitMs, b.SubmitMs) })
	return times, figs, nil
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func coefficientOfVariation(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	var sum float64
	for _, d := range ds {
		sum += d.Seconds()
	}
	mean := sum / float64(len(ds))
	var sq float64
	for _, d := range ds {
		sq += (d.Seconds() - mean) * (d.Seconds() - mean)
	}
	if mean == 0 {
		return 0
	}
	return math.Sqrt(sq/float64(len(ds))) / mean
}

// benchBare grades the same files n times with grading.Grade on a runner
// without a sandbox, concurrency runs at a time.
func benchBare(ctx context.Context, s *gradingSample, n, concurrency int) (BareFigures, error) {
	in := grading.Input{
		Files:     []grading.File{{Path: s.submissionPath, Data: s.solution}},
		TestFiles: s.testFiles(),
	}
	runner := &bareRunner{}
	var next, correct atomic.Int64
	durs := make([]time.Duration, n)
	errs := make([]error, concurrency)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range errs {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n && errs[w] == nil; i = int(next.Add(1)) - 1 {
				t0 := time.Now()
				sum, err := grading.Grade(ctx, runner, s.spec, in)
				durs[i] = time.Since(t0)
				if err != nil {
					errs[w] = fmt.Errorf("bench grading: bare run: %w", err)
					return
				}
				if sum.Score == 1 && sum.Passed == sum.Total {
					correct.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if err := errors.Join(errs...); err != nil {
		return BareFigures{}, err
	}
	return BareFigures{
		Runs: n, Correct: int(correct.Load()), Concurrency: concurrency, Seconds: elapsed.Seconds(),
		RunsPerMin: float64(n) / elapsed.Minutes(),
		RunP50Ms:   percentileMs(durs, 50), RunP95Ms: percentileMs(durs, 95), RunMaxMs: percentileMs(durs, 100),
	}, nil
}

// bareRunner runs commands with /bin/sh in plain temp dirs, with the
// sandbox's environment but none of its isolation: the baseline of the
// grading bench, never a way to run student code.
type bareRunner struct{}

func (bareRunner) NewWorkDir(int64) (*sandbox.WorkDir, error) {
	dir, err := os.MkdirTemp("", "computor-bare-")
	if err != nil {
		return nil, err
	}
	return &sandbox.WorkDir{Path: dir}, nil
}

func (bareRunner) Run(ctx context.Context, s sandbox.Spec) (*sandbox.Result, error) {
	for _, b := range s.ReadOnly {
		data, err := os.ReadFile(b.Source)
		if err != nil {
			return nil, err
		}
		dst := filepath.Join(s.Dir, filepath.FromSlash(path.Clean(b.Target)))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(dst, data, 0o444); err != nil {
			return nil, err
		}
	}
	wall := s.Limits.WallTime
	if wall <= 0 {
		wall = time.Minute
	}
	rctx, cancel := context.WithTimeout(ctx, wall)
	defer cancel()
	cmd := exec.CommandContext(rctx, "/bin/sh", "-c", s.Command)
	cmd.Dir = s.Dir
	cmd.Env = append([]string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + s.Dir, "LANG=C.UTF-8"}, s.Env...)
	cmd.Stdin = bytes.NewReader(s.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	t0 := time.Now()
	err := cmd.Run()
	res := &sandbox.Result{Stdout: stdout.Bytes(), Stderr: stderr.Bytes(), Duration: time.Since(t0)}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		res.ExitCode = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			res.ExitCode = -1
		}
		res.Reason = fmt.Sprintf("exit code %d", res.ExitCode)
		if rctx.Err() != nil && ctx.Err() == nil {
			res.Limit, res.Reason = sandbox.LimitWallTime, "time limit exceeded"
		}
	case err != nil:
		return nil, err
	default:
		res.Reason = "exit code 0"
	}
	return res, ctx.Err()
}

func printGradingBench(w io.Writer, r GradingBenchReport) {
	g, b := r.Grading, r.Bare
	fmt.Fprintf(w, "computor bench grading: %d students submit %s at once, %d CPUs, load %.2f %.2f %.2f\nengine: %s\n\n",
		r.Students, r.Assignment, r.CPUs, r.Load[0], r.Load[1], r.Load[2], r.Engine)
	fmt.Fprintf(w, "grading: %d runs (%d graded correctly) in %.1f s: %.0f runs/min\n", g.Runs, g.Correct, g.Seconds, g.RunsPerMin)
	fmt.Fprintf(w, "  submit answered: p50 %.0f ms, max %.0f ms\n", g.SubmitP50Ms, g.SubmitMaxMs)
	fmt.Fprintf(w, "  submit to result: p50 %.0f ms, p95 %.0f ms, max %.0f ms\n", g.ResultP50Ms, g.ResultP95Ms, g.ResultMaxMs)
	fmt.Fprintf(w, "  fairness: first result at %.0f ms, last at %.0f ms (spread %.0f ms), coefficient of variation %.2f\n",
		g.FirstResultMs, g.LastResultMs, g.SpreadMs, g.FairnessCV)
	fmt.Fprintf(w, "  waiting estimates (GET /tasks/{id}): %d checked, median error %.0f ms\n", g.WaitEstimates, g.WaitEstimateErrP50Ms)
	for _, f := range g.Failures {
		fmt.Fprintf(w, "  not full marks: %s\n", f)
	}
	fmt.Fprintf(w, "bare:    %d runs (%d graded correctly) in %.1f s, %d at a time: %.0f runs/min\n", b.Runs, b.Correct, b.Seconds, b.Concurrency, b.RunsPerMin)
	fmt.Fprintf(w, "  per run: p50 %.0f ms, p95 %.0f ms, max %.0f ms\n", b.RunP50Ms, b.RunP95Ms, b.RunMaxMs)
	fmt.Fprintf(w, "\nthroughput ratio grading/bare: %.2f\n", r.Ratio)
}

// rushSVG draws each student's time to result, students in submit order.
func rushSVG(r GradingBenchReport) []byte {
	const width, height, left, right, top, bottom = 800.0, 400.0, 60.0, 20.0, 40.0, 50.0
	plotW, plotH := width-left-right, height-top-bottom
	maxY := 1.0
	for _, t := range r.Times {
		maxY = max(maxY, t.ResultMs/1000)
	}
	maxY = math.Ceil(maxY)
	var b bytes.Buffer
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" font-family="sans-serif" font-size="12">`+"\n", width, height)
	fmt.Fprintf(&b, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&b, `<text x="%.0f" y="20" font-size="14">Deadline rush: %d students submit at once; time to result (p50 %.1f s, max %.1f s; ratio to bare %.2f)</text>`+"\n",
		left, r.Students, r.Grading.ResultP50Ms/1000, r.Grading.ResultMaxMs/1000, r.Ratio)
	for i := 0.0; i <= 5; i++ {
		y := top + plotH - i/5*plotH
		fmt.Fprintf(&b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#ddd"/><text x="%.0f" y="%.1f" text-anchor="end">%.1f s</text>`+"\n",
			left, y, left+plotW, y, left-5, y+4, maxY*i/5)
	}
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, top+plotH, left+plotW, top+plotH)
	fmt.Fprintf(&b, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="black"/>`+"\n", left, top, left, top+plotH)
	fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" text-anchor="middle">students, in the order they submitted (%d)</text>`+"\n", left+plotW/2, height-15, len(r.Times))
	n := float64(max(len(r.Times)-1, 1))
	var pts []string
	for i, t := range r.Times {
		x := left + float64(i)/n*plotW
		y := top + plotH - t.ResultMs/1000/maxY*plotH
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
		color := "#1f77b4"
		if t.Score != 1 {
			color = "#d62728"
		}
		fmt.Fprintf(&b, `<circle cx="%.1f" cy="%.1f" r="2" fill="%s"/>`+"\n", x, y, color)
	}
	fmt.Fprintf(&b, `<polyline points="%s" fill="none" stroke="#1f77b4" stroke-opacity="0.4"/>`+"\n", strings.Join(pts, " "))
	b.WriteString("</svg>\n")
	return b.Bytes()
}
