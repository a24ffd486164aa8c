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
	"github.com/computor-org/computor-go/internal/worker"
)

// devTokenTTL is how long the admin token `computor dev` prints is valid.
const devTokenTTL = 7 * 24 * time.Hour

// devStopTimeout is the dev worker's grace period: short, so Ctrl+C is
// quick; an activity cut off resumes when dev starts again.
const devStopTimeout = 5 * time.Second

// devOptions are the settings of an embedded stack beyond common.
type devOptions struct {
	apiAddr   string
	uiAddr    string
	ephemeral bool
	noUI      bool
	// maxActivities bounds the worker's concurrent activities per queue.
	maxActivities int
}

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
func startDev(ctx context.Context, c common, o devOptions, logger *slog.Logger) (_ *devStack, err error) {
	d := &devStack{}
	defer func() {
		if err != nil {
			d.close()
		}
	}()
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if d.secret, err = c.jwtSecret(true); err != nil {
		return nil, err
	}
	verifier, err := auth.NewVerifier(auth.Config{Secret: d.secret, Issuer: c.jwtIssuer, Audience: c.jwtAudience})
	if err != nil {
		return nil, err
	}
	deps, repos, testing, closeDeps, err := c.deps(ctx, true, logger)
	if err != nil {
		return nil, err
	}
	d.closers = append(d.closers, closeDeps)
	d.deps = deps
	if d.registry, err = registry(deps, testing); err != nil {
		return nil, err
	}

	// Take the API's port and check the UI's before starting anything, so
	// a taken port fails fast and by name.
	if d.listener, err = listen("api", o.apiAddr); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, func() { _ = d.listener.Close() })
	if !o.noUI {
		if err := embedded.CheckAddrFree("ui", o.uiAddr); err != nil {
			return nil, err
		}
	}

	d.server, err = embedded.StartServer(ctx, embedded.ServerConfig{
		DataDir:   c.dataDir,
		Ephemeral: o.ephemeral,
		Addr:      c.temporalAddr,
		Namespace: c.namespace,
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
	if err := setRetention(ctx, d.temporal.WorkflowService(), c.namespace); err != nil {
		return nil, err
	}

	if d.worker, err = worker.New(d.temporal, d.registry, worker.Config{StopTimeout: devStopTimeout, MaxConcurrentActivities: o.maxActivities, Logger: logger, Metrics: mreg}); err != nil {
		return nil, err
	}
	if err := d.worker.Start(); err != nil {
		return nil, err
	}
	d.closers = append(d.closers, d.worker.Stop)
	worker.Announce(ctx, deps.Store, announcement(deps, d.worker.Queues()), logger)

	if !o.noUI {
		if d.ui, err = embedded.StartUI(o.uiAddr, d.server.Addr(), c.namespace, logger); err != nil {
			return nil, err
		}
		d.closers = append(d.closers, d.ui.Stop)
	}
	d.handler, err = apiHandler(api.Config{Temporal: d.temporal, Namespace: c.namespace, Registry: d.registry,
		Verifier: verifier, Store: deps.Store, Git: repos, Metrics: mreg, Logger: logger, Sync: d.server.Sync})
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

func (o *devOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.apiAddr, "api-addr", env(envAPIAddr, defaultAPIAddr), "where the API listens ("+envAPIAddr+")")
	fs.StringVar(&o.uiAddr, "ui-addr", env(envUIAddr, embedded.DefaultUIAddr), "where the Temporal Web UI listens ("+envUIAddr+")")
	fs.BoolVar(&o.ephemeral, "ephemeral", false, "keep Temporal's database in memory: nothing survives a restart")
	fs.BoolVar(&o.noUI, "no-ui", false, "do not serve the Web UI")
	fs.IntVar(&o.maxActivities, "max-activities", 0, "activities the worker runs at once per queue (default 100 per CPU)")
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	var o devOptions
	o.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	d, err := startDev(ctx, c, o, logger)
	if err != nil {
		return err
	}
	defer d.close()

	token, err := auth.Mint(d.secret, "admin", []string{auth.RoleAdmin}, devTokenTTL, c.jwtIssuer, c.jwtAudience)
	if err != nil {
		return err
	}
	tokenPath := filepath.Join(c.dataDir, tokenFile)
	if err := writeFileAtomic(tokenPath, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write dev token: %w", err)
	}

	apiErr := make(chan error, 1)
	go func() { apiErr <- serveAPI(ctx, d.listener, d.handler, logger) }()

	db := filepath.Join(c.dataDir, embedded.DatabaseFile)
	if o.ephemeral {
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
`, time.Since(start).Round(time.Millisecond), d.listener.Addr(), uiLine, d.server.Addr(), c.namespace, db,
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
