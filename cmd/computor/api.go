package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/api"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/metrics"
)

func runAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("api", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	addr := fs.String("api-addr", env(envAPIAddr, defaultAPIAddr), "where the API listens ("+envAPIAddr+")")
	noTesting := fs.Bool("no-testing", false, "do not offer student_testing and submission_processing (no worker has a sandbox)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	verifier, err := c.verifier(false)
	if err != nil {
		return err
	}
	ln, err := listen("api", *addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	mreg := metrics.New()
	tc, err := connect(ctx, c, "computor-api", mreg.SDKHandler(), logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	deps, repos, _, closeDeps, err := c.deps(ctx, false, logger)
	if err != nil {
		return err
	}
	defer closeDeps()
	reg, err := registry(deps, !*noTesting)
	if err != nil {
		return err
	}
	logger.Info("api starting", "addr", ln.Addr().String(), "temporal", c.temporalAddr, "namespace", c.namespace, "auth", verifier.String())
	fmt.Fprintf(stdout, "API listening on http://%s\n", ln.Addr())
	h, err := apiHandler(api.Config{Temporal: tc, Namespace: c.namespace, Registry: reg, Verifier: verifier,
		Store: deps.Store, Git: repos, Metrics: mreg, Logger: logger})
	if err != nil {
		return err
	}
	return serveAPI(ctx, ln, h, logger)
}

// apiHandler builds the API's handler.
func apiHandler(cfg api.Config) (http.Handler, error) {
	srv, err := api.New(cfg)
	if err != nil {
		return nil, err
	}
	return srv.Handler(), nil
}

// listen takes the address now, so a taken port is a clear error at start.
func listen(what, addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("%s address %s is not available: %w", what, addr, err)
	}
	return ln, nil
}

// connect dials Temporal, reporting the SDK's metrics to mh, and makes
// sure the namespace is ready.
func connect(ctx context.Context, c common, identity string, mh client.MetricsHandler, logger *slog.Logger) (client.Client, error) {
	cfg := c.temporalClient(identity, logger)
	cfg.MetricsHandler = mh
	tc, err := engine.Dial(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := engine.EnsureNamespace(ctx, tc, c.namespace); err != nil {
		tc.Close()
		return nil, err
	}
	return tc, nil
}

// serveAPI serves until ctx ends, then drains requests for up to 10 s.
func serveAPI(ctx context.Context, ln net.Listener, h http.Handler, logger *slog.Logger) error {
	hs := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		// Long enough for a ?wait=60s long-poll.
		WriteTimeout: api.MaxWait + 15*time.Second,
		IdleTimeout:  2 * time.Minute,
		ErrorLog:     slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("api: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdownCtx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("api shutdown: %w", err)
	}
	return nil
}
