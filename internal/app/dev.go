package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/computor-org/computor-go/internal/api"
	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/engine/embedded"
	"github.com/computor-org/computor-go/internal/metrics"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
	"github.com/computor-org/computor-go/internal/worker"
)

// devTokenTTL is how long the admin token `computor dev` prints is valid.
const devTokenTTL = 7 * 24 * time.Hour

// devStopTimeout is the dev worker's grace period: short, so Ctrl+C is
// quick; an activity cut off resumes when dev starts again.
const devStopTimeout = 5 * time.Second

// devStack is everything `computor dev` runs in one process.
type devStack struct {
	server   *embedded.Server
	temporal client.Client
	worker   *worker.Worker
	ui       *embedded.UI
	listener net.Listener
	handler  http.Handler
	registry *tasks.Registry
	deps     tasks.Deps
	secret   []byte
	closers  []func()
}

// startDev starts the embedded Temporal server, a worker on every queue,
// the Web UI, and builds the API; the caller serves d.handler on
// d.listener. On error nothing is left running.
func startDev(ctx context.Context, c Config, logger *slog.Logger) (_ *devStack, err error) {
	d := &devStack{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if d.secret, err = c.jwtSecret(true); err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(auth.Config{Secret: d.secret, Issuer: c.JWTIssuer, Audience: c.JWTAudience})
	if err != nil {
		return nil, err
	}
	st, err := c.openStack(ctx, true, logger)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, st.close)
	d.deps = st.deps
	if d.registry, err = catalog.New(st.deps, st.testing); err != nil {
		return nil, err
	}

	// Take the API's port and check the UI's before starting anything, so
	// a taken port fails fast and by name.
	if d.listener, err = listen("api", c.APIAddr); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() { _ = d.listener.Close() })
	if !c.NoUI {
		if err := embedded.CheckAddrFree("ui", c.UIAddr); err != nil {
			return nil, err
		}
	}

	d.server, err = embedded.StartServer(ctx, embedded.ServerConfig{
		DataDir:   c.DataDir,
		Ephemeral: c.Ephemeral,
		Addr:      c.TemporalAddr,
		Namespace: c.Namespace,
		Logger:    logger,
	})
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() {
		if err := d.server.Stop(); err != nil {
			logger.Warn("temporal stop", "err", err)
		}
	})

	mreg := metrics.New()
	if d.temporal, err = connect(ctx, c, worker.Identity(), mreg.SDKHandler(), logger); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.temporal.Close)
	if err := setRetention(ctx, d.temporal.WorkflowService(), c.Namespace); err != nil {
		return nil, err
	}

	if d.worker, err = worker.New(d.temporal, d.registry, worker.Config{StopTimeout: devStopTimeout, MaxConcurrentActivities: c.MaxActivities, Logger: logger, Metrics: mreg}); err != nil {
		return nil, err
	}
	if err := d.worker.Start(); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.worker.Stop)
	worker.Announce(ctx, st.deps.Store, announcement(st.deps, d.worker.Queues()), logger)

	if !c.NoUI {
		if d.ui, err = embedded.StartUI(c.UIAddr, d.server.Addr(), c.Namespace, logger); err != nil {
			return nil, err
		}
		d.closers = append(d.closers, d.ui.Stop)
	}
	d.handler, err = apiHandler(api.Config{Temporal: d.temporal, Namespace: c.Namespace, Registry: d.registry,
		Verifier: verifier, Store: st.deps.Store, Git: st.repos, Metrics: mreg, Logger: logger, Sync: d.server.Sync})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// close stops what started, in reverse order.
func (d *devStack) close() {
	for i := len(d.closers) - 1; i >= 0; i-- {
		d.closers[i]()
	}
	d.closers = nil
}

// Dev runs the embedded default until ctx ends: Temporal on SQLite, the
// Web UI, the API and one worker on every queue, in this process. It
// prints where each part listens and an admin token to stdout.
func Dev(ctx context.Context, c Config, stdout, stderr io.Writer) error {
	start := time.Now()
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	logger, err := c.Logger(stderr)
	if err != nil {
		return err
	}
	logger.Debug("dev starting", "config", c)
	d, err := startDev(ctx, c, logger)
	if err != nil {
		return err
	}
	defer d.close()

	token, err := auth.Mint(d.secret, "admin", []string{auth.RoleAdmin}, devTokenTTL, c.JWTIssuer, c.JWTAudience)
	if err != nil {
		return err
	}
	tokenPath := filepath.Join(c.DataDir, TokenFile)
	if err := writeFileAtomic(tokenPath, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write dev token: %w", err)
	}

	apiErr := make(chan error, 1)
	go func() { apiErr <- serveAPI(ctx, d.listener, d.handler, logger) }()

	db := filepath.Join(c.DataDir, embedded.DatabaseFile)
	if c.Ephemeral {
		db = "in memory (--ephemeral)"
	}
	uiLine := "disabled (--no-ui)"
	if d.ui != nil {
		uiLine = "http://" + d.ui.Addr()
	}
	fmt.Fprintf(stdout, `Computor dev is ready (%s).
  API:          http://%s
  Web UI:       %s
  Temporal:     %s (namespace %q)
  Database:     %s
  Worker:       %s
  Admin token (valid %s, also in %s):

%s

Try: curl -H "Authorization: Bearer $(cat %s)" http://%s/tasks/types
Press Ctrl+C to stop.
`, time.Since(start).Round(time.Millisecond), d.listener.Addr(), uiLine, d.server.Addr(), c.Namespace, db,
		pyList(d.worker.Queues()), devTokenTTL, tokenPath, token, tokenPath, d.listener.Addr())

	select {
	case err := <-apiErr:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "Stopping...")
	if err := <-apiErr; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// setRetention keeps finished tasks for engine.DefaultRetention instead of
// the day a new SQLite namespace gets.
func setRetention(ctx context.Context, ws workflowservice.WorkflowServiceClient, namespace string) error {
	desc, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("describe namespace: %w", err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == engine.DefaultRetention {
		return nil
	}
	_, err = ws.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(engine.DefaultRetention)},
	})
	if err != nil {
		return fmt.Errorf("set retention of %q: %w", namespace, err)
	}
	return nil
}
