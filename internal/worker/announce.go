package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/computor-org/computor-go/internal/store"
)

// Identity is a worker process's name in Temporal: host:pid, as pollers
// and histories show it.
func Identity() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "unknown-host"
	}
	return fmt.Sprintf("%s:%d", host, os.Getpid())
}

// Announcement is what a worker tells the domain database about itself.
type Announcement struct {
	Identity string
	Queues   []string
	// Sandbox is how it isolates student code (a sandbox.Isolation), nil
	// when it runs none.
	Sandbox any
}

// Announce records a in st at once and then every store.WorkerAnnounceInterval until
// ctx ends, so that GET /tasks/workers/status can say how each worker
// isolates student code. A failed write is logged and retried at the next
// tick; it never stops the worker.
func Announce(ctx context.Context, st store.Store, a Announcement, logger *slog.Logger) {
	p := store.WorkerSaveParams{Identity: a.Identity, Queues: a.Queues, StartedAt: time.Now()}
	if a.Sandbox != nil {
		b, err := json.Marshal(a.Sandbox)
		if err != nil {
			logger.Error("announce worker: sandbox", "err", err)
		}
		p.Sandbox = b
	}
	save := func() {
		if err := st.WorkerSave(ctx, p); err != nil && ctx.Err() == nil {
			logger.Warn("announce worker", "err", err)
		}
	}
	save()
	go func() {
		t := time.NewTicker(store.WorkerAnnounceInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				save()
			}
		}
	}()
}
