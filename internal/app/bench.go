package app

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
)

// BenchOptions are the settings of Bench beyond Config.
type BenchOptions struct {
	// N tasks go through each path; Clients submit concurrently, each
	// waiting for its task to finish before the next.
	N, Clients int
	// Task is the task type, Params its parameters (JSON), Priority the
	// submit priority.
	Task, Params string
	Priority     int
	// APIURL is the API of a running stack; empty: an embedded stack of
	// the bench's own, in a temporary data dir (unless Config.DataDir is
	// given) with Temporal on a free port (unless OwnTemporalAddr).
	APIURL string
	// Token is the bearer token for APIURL; empty: minted with the
	// configured signing key.
	Token string
	// OwnDataDir and OwnTemporalAddr say that Config.DataDir and
	// Config.TemporalAddr were given, not defaults.
	OwnDataDir, OwnTemporalAddr bool
	// JSON prints the report as JSON.
	JSON bool
	// SkipSDK and SkipAPI leave out a path.
	SkipSDK, SkipAPI bool
	// CPUProfile, when set, receives a CPU profile of the measured phases.
	CPUProfile string
	// Compare also measures the API on a second embedded stack without one
	// safeguard, by turns with the first: the safeguard's cost. One of
	// Comparisons' names; empty: no comparison.
	Compare string
}

// Comparisons are the baselines `computor bench --compare` measures
// against, each a change to the second stack's Config.
var Comparisons = map[string]struct {
	What  string
	Apply func(*Config)
}{
	"open-frontend": {"a Temporal frontend that checks no tokens", func(c *Config) { c.FrontendOpen = true }},
	"visibility-normal": {"the visibility database at synchronous=NORMAL, not fsynced per commit",
		func(c *Config) { c.VisibilityNormal = true }},
}

// BenchPath is the measured figures of one way of starting tasks.
type BenchPath struct {
	Path           string  `json:"path"`
	Tasks          int     `json:"tasks"`
	Failed         int     `json:"failed"`
	Seconds        float64 `json:"seconds"`
	TasksPerSecond float64 `json:"tasks_per_second"`
	SubmitP50Ms    float64 `json:"submit_p50_ms"`
	SubmitP95Ms    float64 `json:"submit_p95_ms"`
	SubmitP99Ms    float64 `json:"submit_p99_ms"`
	FinishedP50Ms  float64 `json:"finished_p50_ms"`
	FinishedP99Ms  float64 `json:"finished_p99_ms"`
}

// BenchReport is the output of `computor bench`.
type BenchReport struct {
	Task     string     `json:"task"`
	Params   string     `json:"params"`
	Clients  int        `json:"clients"`
	Engine   string     `json:"engine"`
	CPUs     int        `json:"cpus"`
	API      *BenchPath `json:"api,omitempty"`
	SDK      *BenchPath `json:"sdk,omitempty"`
	APIToSDK float64    `json:"api_to_sdk_ratio,omitempty"`
	// Baseline is the API on a second stack without a safeguard
	// (--compare, named by Compared); APIToBaseline is the throughput with
	// the safeguard over that without.
	Compared      string     `json:"compared,omitempty"`
	Baseline      *BenchPath `json:"api_baseline,omitempty"`
	APIToBaseline float64    `json:"api_to_baseline_ratio,omitempty"`
	// Rounds is how many times each of API and Baseline was measured, by
	// turns; each shows its median round.
	Rounds int `json:"rounds,omitempty"`
}

// compareRounds is how often --compare measures each stack.
const compareRounds = 3

// cpuProfile starts a CPU profile of this process into the file path
// ("" for none). stop ends it and closes the file; calling it again does
// nothing.
func cpuProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return sync.OnceFunc(func() {
		pprof.StopCPUProfile()
		f.Close()
	}), nil
}

// medianRound is the round with the median throughput.
func medianRound(rounds []*BenchPath) *BenchPath {
	s := slices.Clone(rounds)
	slices.SortFunc(s, func(a, b *BenchPath) int { return cmp.Compare(a.TasksPerSecond, b.TasksPerSecond) })
	return s[len(s)/2]
}

// Bench submits N tasks through the API and the same N through the
// Temporal SDK on the same server, and prints latency percentiles, tasks
// per second and their ratio.
func Bench(ctx context.Context, c Config, o BenchOptions, stdout, stderr io.Writer) error {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	if o.N < 1 || o.Clients < 1 {
		return errors.New("bench: --n and --clients must be at least 1")
	}
	logger, err := c.Logger(stderr)
	if err != nil {
		return err
	}
	// The bench's task types need no database or repositories.
	reg, err := catalog.New(tasks.Deps{}, false)
	if err != nil {
		return err
	}
	typ, ok := reg.Get(o.Task)
	if !ok {
		return fmt.Errorf("bench: unknown task %q (known: %v)", o.Task, reg.Names())
	}
	params, err := typ.DecodeParams(json.RawMessage(o.Params))
	if err != nil {
		return fmt.Errorf("bench: --params: %w", err)
	}

	report := BenchReport{Task: o.Task, Params: o.Params, Clients: o.Clients, CPUs: runtime.NumCPU()}
	comparison, compare := Comparisons[o.Compare]
	if o.Compare != "" && !compare {
		return fmt.Errorf("bench: --compare %q: want one of %s", o.Compare, strings.Join(slices.Sorted(maps.Keys(Comparisons)), ", "))
	}
	var tc client.Client
	var baseline *apiBench // the API on the stack without the safeguard
	if o.APIURL == "" {
		if !o.OwnDataDir {
			c.DataDir = ""
		}
		if !o.OwnTemporalAddr {
			c.TemporalAddr = ""
		}
		url, token, d, stop, err := startBenchStack(ctx, c, logger)
		if err != nil {
			return err
		}
		defer stop()
		o.APIURL = url
		if o.Token == "" {
			o.Token = token
		}
		tc = d.temporal
		report.Engine = "embedded, file database (WAL; executions synchronous=normal with API submits group-committed, visibility synchronous=full)"
		if c.Ephemeral {
			report.Engine = "embedded, in memory"
		}
		if compare {
			bc := c
			bc.DataDir, bc.TemporalAddr = "", ""
			comparison.Apply(&bc)
			url, token, _, stop, err := startBenchStack(ctx, bc, logger)
			if err != nil {
				return err
			}
			defer stop()
			baseline = newAPIBench(url, token, o)
			report.Compared = comparison.What
		}
	} else {
		if compare {
			return errors.New("bench: --compare needs the bench's own stacks, not --api")
		}
		report.Engine = "external: " + o.APIURL + ", temporal " + c.TemporalAddr
		key, err := c.signingKey(false)
		if o.Token == "" {
			if err != nil {
				return fmt.Errorf("bench: --token or a signing key is needed for --api: %w", err)
			}
			if o.Token, err = key.Mint(auth.Token{Subject: "bench", TTL: time.Hour, Audience: c.JWTAudience}); err != nil {
				return err
			}
		}
		if !o.SkipSDK {
			if tc, err = engine.Dial(ctx, c.temporalClient("computor-bench", c.serviceToken(key, "computor-bench", auth.RoleAPIService), logger)); err != nil {
				return err
			}
			defer tc.Close()
		}
	}

	api := newAPIBench(o.APIURL, o.Token, o)
	sdk := &sdkBench{client: tc, typ: typ, params: params, priority: o.Priority}

	// Warm both paths up, so neither pays for the other's first use.
	warm := min(o.Clients, o.N)
	if !o.SkipAPI {
		if _, err := measure(ctx, "warm-up", warm, o.Clients, api.run, io.Discard); err != nil {
			return err
		}
	}
	if !o.SkipSDK {
		if _, err := measure(ctx, "warm-up", warm, o.Clients, sdk.run, io.Discard); err != nil {
			return err
		}
	}
	if baseline != nil {
		if _, err := measure(ctx, "warm-up", warm, o.Clients, baseline.run, io.Discard); err != nil {
			return err
		}
	}

	stopProfile, err := cpuProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	if !o.SkipAPI && baseline == nil {
		if report.API, err = measure(ctx, "api", o.N, o.Clients, api.run, stderr); err != nil {
			return err
		}
	}
	if !o.SkipSDK {
		if report.SDK, err = measure(ctx, "sdk", o.N, o.Clients, sdk.run, stderr); err != nil {
			return err
		}
	}
	if baseline != nil {
		// Two stacks on one machine disturb each other, and the first
		// measured pays for whatever the other still does: measure them by
		// turns, in alternating order, and keep each one's median round.
		var guarded, unguarded []*BenchPath
		for round := range compareRounds {
			for i := range 2 {
				if (round+i)%2 == 0 {
					p, err := measure(ctx, "api", o.N, o.Clients, api.run, stderr)
					if err != nil {
						return err
					}
					guarded = append(guarded, p)
				} else {
					p, err := measure(ctx, "api, "+o.Compare, o.N, o.Clients, baseline.run, stderr)
					if err != nil {
						return err
					}
					unguarded = append(unguarded, p)
				}
			}
		}
		report.API, report.Baseline = medianRound(guarded), medianRound(unguarded)
		report.Rounds = compareRounds
		if report.Baseline.TasksPerSecond > 0 {
			report.APIToBaseline = report.API.TasksPerSecond / report.Baseline.TasksPerSecond
		}
	}
	if report.API != nil && report.SDK != nil && report.SDK.TasksPerSecond > 0 {
		report.APIToSDK = report.API.TasksPerSecond / report.SDK.TasksPerSecond
	}
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printBench(stdout, report, o.N)
	return nil
}

// startBenchStack starts an embedded stack of the bench's own, on free
// ports and, unless c names them, in a temporary data dir; it returns the
// API's URL and a user's token for it.
func startBenchStack(ctx context.Context, c Config, logger *slog.Logger) (url, token string, d *devStack, stop func(), err error) {
	var cleanup []func()
	stop = func() {
		for i := len(cleanup) - 1; i >= 0; i-- {
			cleanup[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	if c.DataDir == "" {
		dir, err := os.MkdirTemp("", "computor-bench-")
		if err != nil {
			return "", "", nil, nil, err
		}
		cleanup = append(cleanup, func() { _ = os.RemoveAll(dir) })
		c.DataDir = dir
	}
	if c.TemporalAddr == "" {
		c.TemporalAddr = freeLoopbackAddr()
	}
	c.TemporalHTTPAddr = freeLoopbackAddr()
	c.APIAddr, c.NoUI = "127.0.0.1:0", true
	if d, err = startDev(ctx, c, logger); err != nil {
		return "", "", nil, nil, err
	}
	cleanup = append(cleanup, d.close)
	serveCtx, stopServe := context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- serveAPI(serveCtx, d.listener, d.handler, logger) }()
	cleanup = append(cleanup, func() { stopServe(); <-served })
	token, err = d.key.Mint(auth.Token{Subject: "bench", TTL: time.Hour, Audience: c.JWTAudience})
	if err != nil {
		return "", "", nil, nil, err
	}
	return "http://" + d.listener.Addr().String(), token, d, stop, nil
}

func newAPIBench(url, token string, o BenchOptions) *apiBench {
	return &apiBench{url: url, token: token, body: submitBody(o), client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: o.Clients * 2, MaxConnsPerHost: o.Clients * 2},
	}}
}

func submitBody(o BenchOptions) []byte {
	b, _ := json.Marshal(map[string]any{"task_name": o.Task, "parameters": json.RawMessage(o.Params), "priority": o.Priority})
	return b
}

// oneRun starts one task and waits for it to end; it returns the submit
// latency and whether the task finished well.
type oneRun func(ctx context.Context) (submit time.Duration, finished bool, err error)

// measure runs n tasks with the given concurrency, each client starting
// the next task when its last one ended.
func measure(ctx context.Context, path string, n, clients int, run oneRun, progress io.Writer) (*BenchPath, error) {
	var (
		next     atomic.Int64
		done     atomic.Int64
		mu       sync.Mutex
		submits  = make([]time.Duration, 0, n)
		finishes = make([]time.Duration, 0, n)
		failed   int
		firstErr error
	)
	start := time.Now()
	stopProgress := make(chan struct{})
	go func() {
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			select {
			case <-stopProgress:
				return
			case <-t.C:
				d := done.Load()
				fmt.Fprintf(progress, "bench %s: %d/%d finished (%.0f/s)\n", path, d, n, float64(d)/time.Since(start).Seconds())
			}
		}
	}()
	var wg sync.WaitGroup
	for range min(clients, n) {
		wg.Go(func() {
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				t0 := time.Now()
				sub, ok, err := run(ctx)
				total := time.Since(t0)
				done.Add(1)
				mu.Lock()
				switch {
				case err != nil:
					failed++
					if firstErr == nil {
						firstErr = err
					}
				case !ok:
					failed++
				default:
					submits = append(submits, sub)
					finishes = append(finishes, total)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(stopProgress)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(submits) == 0 {
		return nil, fmt.Errorf("bench %s: every task failed: %v", path, firstErr)
	}
	return &BenchPath{
		Path:           path,
		Tasks:          n,
		Failed:         failed,
		Seconds:        elapsed.Seconds(),
		TasksPerSecond: float64(len(finishes)) / elapsed.Seconds(),
		SubmitP50Ms:    percentileMs(submits, 50),
		SubmitP95Ms:    percentileMs(submits, 95),
		SubmitP99Ms:    percentileMs(submits, 99),
		FinishedP50Ms:  percentileMs(finishes, 50),
		FinishedP99Ms:  percentileMs(finishes, 99),
	}, nil
}

// percentileMs returns the p-th percentile (nearest rank) in milliseconds.
func percentileMs(ds []time.Duration, p float64) float64 {
	s := slices.Clone(ds)
	slices.Sort(s)
	rank := int(float64(len(s))*p/100+0.999999) - 1
	rank = min(max(rank, 0), len(s)-1)
	return float64(s[rank].Microseconds()) / 1000
}

// apiBench starts tasks through the HTTP API and waits with the result
// long-poll, as a client of the API would.
type apiBench struct {
	url, token string
	body       []byte
	client     *http.Client
}

func (b *apiBench) run(ctx context.Context) (time.Duration, bool, error) {
	t0 := time.Now()
	var sub SubmitReply
	if status, err := b.call(ctx, "POST", "/tasks/submit", b.body, &sub); err != nil || status != http.StatusAccepted {
		return 0, false, fmt.Errorf("submit: status %d: %v", status, err)
	}
	submit := time.Since(t0)
	for {
		var res struct {
			Status string `json:"status"`
		}
		status, err := b.call(ctx, "GET", "/tasks/"+sub.TaskID+"/result?wait=60s", nil, &res)
		if err != nil {
			return submit, false, err
		}
		if status == http.StatusOK {
			return submit, res.Status == "FINISHED", nil
		}
		if status != http.StatusAccepted {
			return submit, false, fmt.Errorf("result: status %d", status)
		}
	}
}

// SubmitReply is the part of a submit answer the bench reads.
type SubmitReply struct {
	TaskID string `json:"task_id"`
}

func (b *apiBench) call(ctx context.Context, method, path string, body []byte, out any) (int, error) {
	req, err := http.NewRequestWithContext(ctx, method, b.url+path, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode %s %s: %w", method, path, err)
	}
	return resp.StatusCode, nil
}

// sdkBench starts the same tasks straight through the Temporal SDK, with
// the options the API uses: the ceiling the API is measured against.
type sdkBench struct {
	client   client.Client
	typ      *tasks.Type
	params   tasks.Params
	priority int
}

func (b *sdkBench) run(ctx context.Context) (time.Duration, bool, error) {
	t0 := time.Now()
	opts := b.typ.StartOptions(tasks.Start{ID: b.typ.Name() + "-" + uuid.NewString(), Priority: b.priority, Submitter: "bench"})
	run, err := b.client.ExecuteWorkflow(ctx, opts, b.typ.Name(), b.params)
	if err != nil {
		return 0, false, err
	}
	submit := time.Since(t0)
	err = run.Get(ctx, nil)
	return submit, err == nil, nil
}

func printBench(w io.Writer, r BenchReport, n int) {
	fmt.Fprintf(w, "computor bench: %d × %s %s, %d clients, %d CPUs\nengine: %s\n\n", n, r.Task, r.Params, r.Clients, r.CPUs, r.Engine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\ttasks/s\tsubmit p50\tp95\tp99\tfinished p50\tp99\tfailed\t")
	for _, p := range []*BenchPath{r.API, r.Baseline, r.SDK} {
		if p == nil {
			continue
		}
		fmt.Fprintf(tw, "%s\t%.1f\t%.1f ms\t%.1f ms\t%.1f ms\t%.1f ms\t%.1f ms\t%d\t\n", p.Path, p.TasksPerSecond,
			p.SubmitP50Ms, p.SubmitP95Ms, p.SubmitP99Ms, p.FinishedP50Ms, p.FinishedP99Ms, p.Failed)
	}
	tw.Flush()
	if r.APIToSDK > 0 {
		fmt.Fprintf(w, "\nAPI/SDK throughput ratio: %.2f\n", r.APIToSDK)
	}
	if r.APIToBaseline > 0 {
		fmt.Fprintf(w, "API throughput over that with %s: %.2f (median of %d rounds each, by turns)\n", r.Compared, r.APIToBaseline, r.Rounds)
	}
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr() string {
	ln, err := listen("bench", "127.0.0.1:0")
	if err != nil {
		return engine.DefaultTemporalAddr
	}
	defer ln.Close()
	return ln.Addr().String()
}
