// Package worker runs the task types of a registry on Temporal task queues.
package worker

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/computor-org/computor-go/internal/metrics"
	"github.com/computor-org/computor-go/internal/tasks"
)

// DefaultStopTimeout is how long a stopping worker lets running activities
// finish before it cancels them.
const DefaultStopTimeout = 30 * time.Second

// HeartbeatInterval is the most a heartbeat (and so a task's progress) is
// held back before it reaches Temporal.
const HeartbeatInterval = time.Second

// Config configures a Worker. Zero values mean the defaults.
type Config struct {
	// Queues to poll. Default: all of tasks.Queues().
	Queues []string
	// StopTimeout is the grace period for running activities on Stop.
	// Default DefaultStopTimeout.
	StopTimeout time.Duration
	// MaxConcurrentActivities per queue. Default: 100 per CPU; activities
	// mostly wait (on git, the database, a sandbox), so they are not bound
	// by CPUs.
	MaxConcurrentActivities int
	// MaxConcurrentWorkflowTasks per queue. Default: 10 per CPU.
	MaxConcurrentWorkflowTasks int
	// TestSlots, when above 0, makes the worker poll tasks.QueueTests for
	// test runs too, that many at once (its sandbox's slots, at most
	// MaxConcurrentActivities when that was set): a run is taken only
	// when a sandbox is free, so waiting runs stay in Temporal's matching,
	// ordered by priority class and fair among students.
	TestSlots int
	// Logger for the worker's own lines. Default: discard.
	Logger *slog.Logger
	// Metrics counts task outcomes and durations; nil: none.
	Metrics *metrics.Registry
}

func (c Config) withDefaults() Config {
	if len(c.Queues) == 0 {
		c.Queues = tasks.Queues()
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.MaxConcurrentActivities == 0 {
		c.MaxConcurrentActivities = 100 * runtime.NumCPU()
	}
	if c.MaxConcurrentWorkflowTasks == 0 {
		c.MaxConcurrentWorkflowTasks = 10 * runtime.NumCPU()
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	seen := map[string]bool{}
	for _, q := range c.Queues {
		if !tasks.IsQueue(q) {
			return fmt.Errorf("queues: unknown queue %q (known: %v)", q, tasks.Queues())
		}
		if seen[q] {
			return fmt.Errorf("queues: %q given twice", q)
		}
		seen[q] = true
	}
	if c.StopTimeout < 0 {
		return errors.New("stop timeout: must not be negative")
	}
	return nil
}

// Worker polls the configured queues and runs every task type of a
// registry. One Temporal worker serves each queue.
type Worker struct {
	cfg     Config
	workers []sdkworker.Worker
	polled  []string // the queue of each worker, in order
}

// New builds a Worker; nothing polls until Start.
func New(c client.Client, reg *tasks.Registry, cfg Config) (*Worker, error) {
	testSlots := cfg.TestSlots
	if cfg.MaxConcurrentActivities > 0 {
		testSlots = min(testSlots, cfg.MaxConcurrentActivities)
	}
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	w := &Worker{cfg: cfg}
	if testSlots > 0 {
		sw := sdkworker.New(c, tasks.QueueTests, sdkworker.Options{
			MaxConcurrentActivityExecutionSize: testSlots,
			// Fetch no run before a slot is free.
			MaxConcurrentActivityTaskPollers: min(testSlots, 2),
			DisableWorkflowWorker:            true,
			WorkerStopTimeout:                cfg.StopTimeout,
			MaxHeartbeatThrottleInterval:     HeartbeatInterval,
			Interceptors:                     []interceptor.WorkerInterceptor{&taskLog{logger: cfg.Logger, metrics: cfg.Metrics}},
		})
		reg.RegisterActivities(sw)
		w.workers = append(w.workers, sw)
		w.polled = append(w.polled, tasks.QueueTests)
	}
	for _, q := range cfg.Queues {
		sw := sdkworker.New(c, q, sdkworker.Options{
			MaxConcurrentActivityExecutionSize:     cfg.MaxConcurrentActivities,
			MaxConcurrentWorkflowTaskExecutionSize: cfg.MaxConcurrentWorkflowTasks,
			WorkerStopTimeout:                      cfg.StopTimeout,
			// Progress reaches the API through heartbeats; the SDK would
			// otherwise hold them back for 80% of the heartbeat timeout.
			MaxHeartbeatThrottleInterval: HeartbeatInterval,
			// A panic in workflow code fails that task instead of retrying
			// it forever.
			WorkflowPanicPolicy: sdkworker.FailWorkflow,
			Interceptors:        []interceptor.WorkerInterceptor{&taskLog{logger: cfg.Logger, metrics: cfg.Metrics}},
		})
		reg.Register(sw)
		w.workers = append(w.workers, sw)
		w.polled = append(w.polled, q)
	}
	return w, nil
}

// Queues returns the queues this worker polls.
func (w *Worker) Queues() []string { return w.cfg.Queues }

// Start starts polling every queue. On error, nothing is left polling.
func (w *Worker) Start() error {
	for i, sw := range w.workers {
		if err := sw.Start(); err != nil {
			for _, started := range w.workers[:i] {
				started.Stop()
			}
			return fmt.Errorf("start worker on %s: %w", w.polled[i], err)
		}
	}
	w.cfg.Logger.Info("worker started", "queues", w.cfg.Queues)
	return nil
}

// Stop stops polling and waits up to the grace period for running
// activities to finish.
func (w *Worker) Stop() {
	// In parallel, so the grace period is not paid once per queue.
	var wg sync.WaitGroup
	for _, sw := range w.workers {
		wg.Go(sw.Stop)
	}
	wg.Wait()
	w.cfg.Logger.Info("worker stopped")
}
