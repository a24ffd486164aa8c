package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/computor-org/computor-go/internal/metrics"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
	"github.com/computor-org/computor-go/internal/worker"
)

// registry returns every task type, bound to its dependencies.
func registry(d tasks.Deps, testing bool) (*tasks.Registry, error) { return catalog.New(d, testing) }

// announcement is what a worker says of itself in the domain database:
// its identity, queues and sandbox.
func announcement(d tasks.Deps, queues []string) worker.Announcement {
	a := worker.Announcement{Identity: worker.Identity(), Queues: queues}
	if sb, ok := d.Sandbox.(interface{ Isolation() sandbox.Isolation }); ok {
		a.Sandbox = sb.Isolation()
	}
	return a
}

// queueFlags are the worker's queue choices, as in the original worker.
type queueFlags struct {
	queues                  string
	high, standard, lowPrio bool
}

func (q *queueFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&q.queues, "queues", "", "comma-separated queues to poll")
	fs.BoolVar(&q.high, "high-priority", false, "poll "+tasks.QueueHigh)
	fs.BoolVar(&q.standard, "default", false, "poll "+tasks.QueueDefault)
	fs.BoolVar(&q.lowPrio, "low-priority", false, "poll "+tasks.QueueLow)
}

// list returns the chosen queues; none chosen means all three.
func (q *queueFlags) list() ([]string, error) {
	var out []string
	add := func(name string) {
		for _, have := range out {
			if have == name {
				return
			}
		}
		out = append(out, name)
	}
	for name := range strings.SplitSeq(q.queues, ",") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		if !tasks.IsQueue(name) {
			return nil, fmt.Errorf("--queues: unknown queue %q (known: %s)", name, strings.Join(tasks.Queues(), ", "))
		}
		add(name)
	}
	if q.standard {
		add(tasks.QueueDefault)
	}
	if q.high {
		add(tasks.QueueHigh)
	}
	if q.lowPrio {
		add(tasks.QueueLow)
	}
	if len(out) == 0 {
		return tasks.Queues(), nil
	}
	return out, nil
}

// pyList prints names the way the usage guide shows them: ['a', 'b'].
func pyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var q queueFlags
	q.register(fs)
	grace := fs.Duration("stop-timeout", worker.DefaultStopTimeout, "how long running activities may finish after SIGINT/SIGTERM")
	maxActivities := fs.Int("max-activities", 0, "activities run at once per queue (default 100 per CPU)")
	metricsAddr := fs.String("metrics-addr", env(envMetricsAddr, ""), "where /metrics and /healthz listen; empty: off ("+envMetricsAddr+")")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	queues, err := q.list()
	if err != nil {
		return err
	}
	if err := positive("stop-timeout", *grace); err != nil {
		return err
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	var mreg *metrics.Registry
	var started atomic.Bool
	if *metricsAddr != "" {
		mreg = metrics.New()
		stop, err := serveMetrics(*metricsAddr, mreg, &started, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Fprintln(stdout, "Starting Temporal worker...")
	tc, err := connect(ctx, c, worker.Identity(), mreg.SDKHandler(), logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	deps, _, testing, closeDeps, err := c.deps(ctx, true, logger)
	if err != nil {
		return err
	}
	defer closeDeps()
	reg, err := registry(deps, testing)
	if err != nil {
		return err
	}
	w, err := worker.New(tc, reg, worker.Config{Queues: queues, StopTimeout: *grace, MaxConcurrentActivities: *maxActivities, Logger: logger, Metrics: mreg})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	started.Store(true)
	worker.Announce(ctx, deps.Store, announcement(deps, queues), logger)
	fmt.Fprintln(stdout, "Registered workflows:", pyList(reg.Names()))
	fmt.Fprintln(stdout, "Worker running on queues:", pyList(queues))
	fmt.Fprintln(stdout, "Worker started. Press Ctrl+C to stop.")
	<-ctx.Done()
	fmt.Fprintf(stdout, "Stopping worker (running activities get up to %s)...\n", grace.Round(time.Second))
	w.Stop()
	fmt.Fprintln(stdout, "Worker stopped.")
	return nil
}
