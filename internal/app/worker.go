package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/metrics"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/worker"
)

// announcement is what a worker says of itself in the domain database:
// its identity, queues and sandbox.
func announcement(d tasks.Deps, queues []string) worker.Announcement {
	a := worker.Announcement{Identity: worker.Identity(), Queues: queues}
	if sb, ok := d.Sandbox.(interface{ Isolation() sandbox.Isolation }); ok {
		a.Sandbox = sb.Isolation()
	}
	return a
}

// pyList prints names the way the usage guide shows them: ['a', 'b'].
func pyList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = "'" + n + "'"
	}
	return "[" + strings.Join(quoted, ", ") + "]"
}

// Worker runs a worker against the Temporal cluster at cfg.TemporalAddr
// until ctx ends, on cfg.Queues (all when empty). On the end of ctx it
// stops polling and gives running activities cfg.StopTimeout to finish.
func Worker(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	queues := cfg.Queues
	if len(queues) == 0 {
		queues = tasks.Queues()
	}
	logger, err := cfg.Logger(stderr)
	if err != nil {
		return err
	}
	var mreg *metrics.Registry
	var started atomic.Bool
	if cfg.MetricsAddr != "" {
		mreg = metrics.New()
		stop, err := serveMetrics(cfg.MetricsAddr, mreg, &started, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	fmt.Fprintln(stdout, "Starting Temporal worker...")
	logger.Debug("worker starting", "config", cfg)
	key, err := cfg.signingKey(false)
	if err != nil && cfg.APIKey == "" && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	tc, err := connect(ctx, cfg, worker.Identity(), cfg.serviceToken(key, worker.Identity(), auth.RoleWorkerService), mreg.SDKHandler(), logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	st, err := cfg.openStack(ctx, true, logger)
	if err != nil {
		return err
	}
	defer st.close()
	reg, err := st.registry()
	if err != nil {
		return err
	}
	w, err := worker.New(tc, reg, worker.Config{Queues: queues, StopTimeout: cfg.StopTimeout,
		MaxConcurrentActivities: cfg.MaxActivities, TestSlots: testSlots(st.deps), Logger: logger, Metrics: mreg})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	started.Store(true)
	worker.Announce(ctx, st.deps.Store, announcement(st.deps, queues), logger)
	fmt.Fprintln(stdout, "Registered workflows:", pyList(reg.Names()))
	fmt.Fprintln(stdout, "Worker running on queues:", pyList(queues))
	fmt.Fprintln(stdout, "Worker started. Press Ctrl+C to stop.")
	<-ctx.Done()
	fmt.Fprintf(stdout, "Stopping worker (running activities get up to %s)...\n", cfg.StopTimeout.Round(time.Second))
	w.Stop()
	fmt.Fprintln(stdout, "Worker stopped.")
	return nil
}

// testSlots is how many test runs the worker takes at once: its
// sandbox's slots, 0 without a working sandbox (then it offers no
// testing task and polls no test queue).
func testSlots(d tasks.Deps) int {
	if sb, ok := d.Sandbox.(interface{ Slots() int }); ok && d.Sandbox != nil {
		return sb.Slots()
	}
	return 0
}
