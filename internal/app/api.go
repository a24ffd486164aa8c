package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/computor-org/computor-go/internal/api"
	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/metrics"
)

// API serves the HTTP API against the Temporal cluster at
// cfg.TemporalAddr until ctx ends.
func API(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger, err := cfg.Logger(stderr)
	if err != nil {
		return err
	}
	key, verifier, err := cfg.keys(false)
	if err != nil {
		return err
	}
	ln, err := listen("api", cfg.APIAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	mreg := metrics.New()
	if cfg.MetricsAddr != "" {
		var ready atomic.Bool
		ready.Store(true)
		stop, err := serveMetrics(cfg.MetricsAddr, mreg, &ready, logger)
		if err != nil {
			return err
		}
		defer stop()
	}
	tc, err := connect(ctx, cfg, "computor-api", cfg.serviceToken(key, "computor-api", auth.RoleAPIService), mreg.SDKHandler(), logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	st, err := cfg.openStack(ctx, false, logger)
	if err != nil {
		return err
	}
	defer st.close()
	st.testing, st.noTesting = !cfg.NoTesting, "this deployment runs no sandbox (computor api --no-testing)"
	reg, err := st.registry()
	if err != nil {
		return err
	}
	logger.Info("api starting", "addr", ln.Addr().String(), "config", cfg, "auth", verifier.String())
	fmt.Fprintf(stdout, "API listening on http://%s\n", ln.Addr())
	jwks, err := publicKeys(key)
	if err != nil {
		return err
	}
	h, err := apiHandler(api.Config{Temporal: tc, Namespace: cfg.Namespace, Registry: reg, Verifier: verifier,
		Store: st.deps.Store, Git: st.repos, Metrics: mreg, Logger: logger, JWKS: jwks, BodyTimeout: cfg.BodyTimeout})
	if err != nil {
		return err
	}
	return serveAPI(ctx, ln, h, logger)
}

// publicKeys is the JWKS the API serves: the signing key's public half;
// nil without a key.
func publicKeys(key *auth.SigningKey) ([]byte, error) {
	if key == nil {
		return nil, nil
	}
	return key.JWKS()
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
func connect(ctx context.Context, c Config, identity string, token func(context.Context) (string, error), mh client.MetricsHandler, logger *slog.Logger) (client.Client, error) {
	cc := c.temporalClient(identity, token, logger)
	cc.MetricsHandler = mh
	tc, err := engine.Dial(ctx, cc)
	if err != nil {
		return nil, err
	}
	if err := engine.EnsureNamespace(ctx, tc, c.Namespace); err != nil {
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
		// A git push of a large repository may take minutes; every other
		// body gets api.DefaultBodyTimeout from the API itself.
		ReadTimeout: 10 * time.Minute,
		// Long enough for a ?wait=60s long-poll.
		WriteTimeout: api.MaxWait + 15*time.Second,
		// An idle connection gives its place back soon.
		IdleTimeout: 30 * time.Second,
		ErrorLog:    slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	var lastWarn atomic.Int64
	capped := newCapListener(ln, MaxConns, MaxConnsPerIP, func(ip string) {
		// One line a minute at most: the refusals come in floods.
		if now := time.Now().Unix(); now-lastWarn.Load() >= 60 {
			lastWarn.Store(now)
			logger.Warn("api closed a connection over its caps", "remote_ip", ip, "max_conns", MaxConns, "max_conns_per_ip", MaxConnsPerIP)
		}
	})
	go func() { errc <- hs.Serve(capped) }()
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
