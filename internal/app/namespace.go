package app

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/computor-org/computor-go/internal/engine"
	"go.temporal.io/sdk/client"
)

// CreateNamespace creates cfg.Namespace on the cluster at cfg.TemporalAddr
// with Computor's search attributes and the given retention, waiting up
// to timeout for the cluster; it does nothing where they exist. For
// operators without Temporal's CLI. Setting up a namespace is an admin's
// work: with the signing key it shows the frontend an admin token.
func CreateNamespace(ctx context.Context, cfg Config, retention, timeout time.Duration, stdout, stderr io.Writer) error {
	cfg = cfg.WithDefaults()
	if retention < 24*time.Hour {
		return fmt.Errorf("retention: Temporal needs at least 24h, got %s", retention)
	}
	if timeout <= 0 {
		return fmt.Errorf("--timeout must be positive")
	}
	logger, err := cfg.Logger(stderr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	// A cluster just started may take a while to answer: keep trying
	// until the timeout.
	var tc client.Client
	for {
		tc, err = engine.Dial(ctx, cfg.temporalClient("", cfg.adminToken(), logger))
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
	defer tc.Close()
	if err := engine.CreateNamespace(ctx, tc, cfg.Namespace, retention); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "namespace %q is ready at %s\n", cfg.Namespace, cfg.TemporalAddr)
	return nil
}
