package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

// benchOptions are the flags of `computor bench`.
type benchOptions struct {
	n, clients, priority int
	task, params         string
	apiURL, token        string
	json                 bool
	skipSDK, skipAPI     bool
	ephemeral            bool
	cpuProfile           string
}

// benchPath is the measured figures of one way of starting tasks.
type benchPath struct {
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

// benchReport is the output of `computor bench`.
type benchReport struct {
	Task     string     `json:"task"`
	Params   string     `json:"params"`
	Clients  int        `json:"clients"`
	Engine   string     `json:"engine"`
	CPUs     int        `json:"cpus"`
	API      *benchPath `json:"api,omitempty"`
	SDK      *benchPath `json:"sdk,omitempty"`
	APIToSDK float64    `json:"api_to_sdk_ratio,omitempty"`
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var o benchOptions
	fs.IntVar(&o.n, "n", 200, "tasks per path")
	fs.IntVar(&o.clients, "clients", 16, "concurrent clients; each submits a task and waits for it to finish, then the next")
	fs.StringVar(&o.task, "task", "example_long_running", "task type")
	fs.StringVar(&o.params, "params", `{"duration":0}`, "task parameters (JSON)")
	fs.IntVar(&o.priority, "priority", 0, "submit priority")
	fs.StringVar(&o.apiURL, "api", "", "API of a running stack (default: start an embedded one)")
	fs.StringVar(&o.token, "token", "", "bearer token for --api (default: minted with the configured secret)")
	fs.BoolVar(&o.json, "json", false, "print the report as JSON")
	fs.BoolVar(&o.skipSDK, "skip-sdk", false, "measure only the API")
	fs.BoolVar(&o.skipAPI, "skip-api", false, "measure only the SDK")
	fs.BoolVar(&o.ephemeral, "ephemeral", false, "embedded stack keeps Temporal in memory (default: a file database in a temporary data dir)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured phases to this file")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if o.n < 1 || o.clients < 1 {
		return errors.New("bench: --n and --clients must be at least 1")
	}
	if !isFlagSet(fs, "log-level") && os.Getenv(envLogLevel) == "" {
		c.logLevel = "warn" // a line per task would bury the progress
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	// The bench's task types need no database or repositories.
	reg, err := registry(tasks.Deps{}, false)
	if err != nil {
		return err
	}
	typ, ok := reg.Get(o.task)
	if !ok {
		return fmt.Errorf("bench: unknown task %q (known: %v)", o.task, reg.Names())
	}
	params, err := typ.DecodeParams(json.RawMessage(o.params))
	if err != nil {
		return fmt.Errorf("bench: --params: %w", err)
	}

	report := benchReport{Task: o.task, Params: o.params, Clients: o.clients, CPUs: runtime.NumCPU()}
	var tc client.Client
	if o.apiURL == "" {
		// An embedded stack of our own, on free ports.
		dir := c.dataDir
		if !isFlagSet(fs, "data-dir") {
			if dir, err = os.MkdirTemp("", "computor-bench-"); err != nil {
				return err
			}
			defer os.RemoveAll(dir)
			c.dataDir = dir
		}
		if !isFlagSet(fs, "temporal-addr") {
			c.temporalAddr = freeLoopbackAddr()
		}
		d, err := startDev(ctx, c, devOptions{apiAddr: "127.0.0.1:0", noUI: true, ephemeral: o.ephemeral}, logger)
		if err != nil {
			return err
		}
		defer d.close()
		serveCtx, stopServe := context.WithCancel(ctx)
		served := make(chan error, 1)
		go func() { served <- serveAPI(serveCtx, d.listener, d.handler, logger) }()
		defer func() { stopServe(); <-served }()
		o.apiURL = "http://" + d.listener.Addr().String()
		if o.token == "" {
			if o.token, err = auth.Mint(d.secret, "bench", nil, time.Hour, c.jwtIssuer, c.jwtAudience); err != nil {
				return err
			}
		}
		tc = d.temporal
		report.Engine = "embedded, file database (WAL, synchronous=normal, API submits group-committed)"
		if o.ephemeral {
			report.Engine = "embedded, in memory"
		}
	} else {
		report.Engine = "external: " + o.apiURL + ", temporal " + c.temporalAddr
		if o.token == "" {
			secret, err := c.jwtSecret(false)
			if err != nil {
				return fmt.Errorf("bench: --token or a secret is needed for --api: %w", err)
			}
			if o.token, err = auth.Mint(secret, "bench", nil, time.Hour, c.jwtIssuer, c.jwtAudience); err != nil {
				return err
			}
		}
		if !o.skipSDK {
			if tc, err = engine.Dial(ctx, c.temporalClient("computor-bench", logger)); err != nil {
				return err
			}
			defer tc.Close()
		}
	}

	api := &apiBench{url: o.apiURL, token: o.token, body: submitBody(o), client: &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: o.clients * 2, MaxConnsPerHost: o.clients * 2},
	}}
	sdk := &sdkBench{client: tc, typ: typ, params: params, priority: o.priority}

	// Warm both paths up, so neither pays for the other's first use.
	warm := min(o.clients, o.n)
	if !o.skipAPI {
		if _, err := measure(ctx, "warm-up", warm, o.clients, api.run, io.Discard); err != nil {
			return err
		}
	}
	if !o.skipSDK {
		if _, err := measure(ctx, "warm-up", warm, o.clients, sdk.run, io.Discard); err != nil {
			return err
		}
	}

	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	if !o.skipAPI {
		if report.API, err = measure(ctx, "api", o.n, o.clients, api.run, stderr); err != nil {
			return err
		}
	}
	if !o.skipSDK {
		if report.SDK, err = measure(ctx, "sdk", o.n, o.clients, sdk.run, stderr); err != nil {
			return err
		}
	}
	if report.API != nil && report.SDK != nil && report.SDK.TasksPerSecond > 0 {
		report.APIToSDK = report.API.TasksPerSecond / report.SDK.TasksPerSecond
	}
	if o.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printBench(stdout, report, o.n)
	return nil
}

func isFlagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func submitBody(o benchOptions) []byte {
	b, _ := json.Marshal(map[string]any{"task_name": o.task, "parameters": json.RawMessage(o.params), "priority": o.priority})
	return b
}

// oneRun starts one task and waits for it to end; it returns the submit
// latency and whether the task finished well.
type oneRun func(ctx context.Context) (submit time.Duration, finished bool, err error)

// measure runs n tasks with the given concurrency, each client starting
// the next task when its last one ended.
func measure(ctx context.Context, path string, n, clients int, run oneRun, progress io.Writer) (*benchPath, error) {
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
	return &benchPath{
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

func printBench(w io.Writer, r benchReport, n int) {
	fmt.Fprintf(w, "computor bench: %d × %s %s, %d clients, %d CPUs\nengine: %s\n\n", n, r.Task, r.Params, r.Clients, r.CPUs, r.Engine)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "path\ttasks/s\tsubmit p50\tp95\tp99\tfinished p50\tp99\tfailed\t")
	for _, p := range []*benchPath{r.API, r.SDK} {
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
