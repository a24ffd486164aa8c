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
	"strings"
	"sync/atomic"
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

// uiSessionTTL is how long a login to the Web UI through a one-time link
// lasts.
const uiSessionTTL = 12 * time.Hour

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
	key      *auth.SigningKey
	gate     *embedded.UIGate
	closers  []closer
}

// closer is one step of stopping dev.
type closer struct {
	what string
	fn   func()
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
	if err := c.checkDevPorts(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if d.key, err = c.signingKey(true); err != nil {
		return nil, err
	}
	verifier, err := c.verifier(d.key)
	if err != nil {
		return nil, err
	}
	st, err := c.openStack(ctx, true, logger)
	if err != nil {
		return nil, err
	}
	d.onClose("the database and repositories", st.close)
	d.deps = st.deps
	if d.registry, err = st.registry(); err != nil {
		return nil, err
	}

	// Take the API's port and check the UI's before starting anything, so
	// a taken port fails fast and by name.
	if d.listener, err = listen("api", c.APIAddr); err != nil {
		return nil, err
	}
	d.onClose("", func() { _ = d.listener.Close() })
	if !c.NoUI {
		if err := embedded.CheckAddrFree("ui", c.UIAddr); err != nil {
			return nil, err
		}
	}

	// The frontend takes the same tokens as the API: admins may do
	// anything, the API and the worker what they need, others nothing.
	var access *embedded.Access
	if !c.FrontendOpen {
		access = &embedded.Access{Verifier: verifier, Logger: logger}
	}
	d.server, err = embedded.StartServer(ctx, embedded.ServerConfig{
		DataDir:   c.DataDir,
		Ephemeral: c.Ephemeral,
		Addr:      c.TemporalAddr,
		HTTPAddr:  c.TemporalHTTPAddr,
		Namespace: c.Namespace,
		Logger:    logger,
		Access:    access,

		VisibilityNormal: c.VisibilityNormal,
	})
	if err != nil {
		return nil, err
	}
	d.onClose("the Temporal server", func() {
		if err := d.server.Stop(); err != nil {
			logger.Warn("temporal stop", "err", err)
		}
	})

	if err := setRetention(ctx, c, logger); err != nil {
		return nil, err
	}
	// The API and the worker share one client, with the calls of both:
	// a start then hands its first workflow task straight to the worker
	// (eager start), which needs the worker on the starting client.
	mreg := metrics.New()
	d.temporal, err = connect(ctx, c, worker.Identity(),
		c.serviceToken(d.key, worker.Identity(), auth.RoleAPIService, auth.RoleWorkerService), mreg.SDKHandler(), logger)
	if err != nil {
		return nil, err
	}
	d.onClose("", d.temporal.Close)

	if d.worker, err = worker.New(d.temporal, d.registry, worker.Config{StopTimeout: devStopTimeout, MaxConcurrentActivities: c.MaxActivities, TestSlots: testSlots(st.deps), Logger: logger, Metrics: mreg}); err != nil {
		return nil, err
	}
	if err := d.worker.Start(); err != nil {
		return nil, err
	}
	d.onClose(fmt.Sprintf("the worker (running activities get up to %s to finish)", devStopTimeout), d.worker.Stop)
	worker.Announce(ctx, st.deps.Store, announcement(st.deps, d.worker.Queues()), logger)

	if !c.NoUI {
		if !c.FrontendOpen {
			d.gate = embedded.NewUIGate(embedded.UIGateConfig{Verifier: verifier, Logger: logger, Mint: func() (string, error) {
				return d.key.Mint(auth.Token{Subject: "admin", Roles: []string{auth.RoleAdmin}, TTL: uiSessionTTL,
					Audience: c.JWTAudience, Namespace: c.Namespace})
			}})
		}
		if d.ui, err = embedded.StartUI(embedded.UIConfig{Addr: c.UIAddr, TemporalAddr: d.server.Addr(),
			Namespace: c.Namespace, Gate: d.gate, Logger: logger}); err != nil {
			return nil, err
		}
		d.onClose("the Web UI", d.ui.Stop)
	}
	if c.MetricsAddr != "" {
		var ready atomic.Bool
		ready.Store(true)
		stop, err := serveMetrics(c.MetricsAddr, mreg, &ready, logger)
		if err != nil {
			return nil, err
		}
		d.onClose("", stop)
	}
	jwks, err := publicKeys(d.key)
	if err != nil {
		return nil, err
	}
	d.handler, err = apiHandler(api.Config{Temporal: d.temporal, Namespace: c.Namespace, Registry: d.registry,
		Verifier: verifier, Store: st.deps.Store, Git: st.repos, Metrics: mreg, Logger: logger, Sync: d.server.Sync, SyncErr: d.server.SyncErr, JWKS: jwks, BodyTimeout: c.BodyTimeout})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// close stops what started, in reverse order.
// onClose adds a step to close, named for the stop's progress lines
// ("" for one too quick to mention).
func (d *devStack) onClose(what string, fn func()) {
	d.closers = append(d.closers, closer{what, fn})
}

// close stops everything, in the reverse order of start.
func (d *devStack) close() { d.closeSaying(io.Discard) }

// closeSaying stops everything and says on w what it waits for, and how
// long each step took.
func (d *devStack) closeSaying(w io.Writer) {
	for i := len(d.closers) - 1; i >= 0; i-- {
		c := d.closers[i]
		start := time.Now()
		if c.what != "" {
			fmt.Fprintf(w, "  stopping %s...", c.what)
		}
		c.fn()
		if c.what != "" {
			fmt.Fprintf(w, " %s\n", time.Since(start).Round(time.Millisecond))
		}
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

	token, err := d.key.Mint(auth.Token{Subject: "admin", Roles: []string{auth.RoleAdmin}, TTL: devTokenTTL,
		Audience: c.JWTAudience, Namespace: c.Namespace})
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
		if d.gate != nil {
			link, err := d.gate.LoginLink(uiLine)
			if err != nil {
				return err
			}
			uiLine += fmt.Sprintf(" (admins only)\n  UI login:     %s\n                (one use within %s; or paste the admin token at the login page)", link, embedded.LoginLinkTTL)
		}
	}
	fmt.Fprintf(stdout, `Computor dev is ready (%s).
  API:          http://%s
  Web UI:       %s
  Temporal:     %s (namespace %q), HTTP API and Nexus http://%s
  Database:     %s
  Worker:       %s
  Admin token (valid %s, also in %s):

%s

Try: curl -H "Authorization: Bearer $(cat %s)" http://%s/tasks/types
Press Ctrl+C to stop.
`, time.Since(start).Round(time.Millisecond), d.listener.Addr(), uiLine, d.server.Addr(), c.Namespace, c.TemporalHTTPAddr, db,
		pyList(d.worker.Queues()), devTokenTTL, tokenPath, token, tokenPath, d.listener.Addr())

	select {
	case err := <-apiErr:
		return err
	case <-ctx.Done():
	}
	fmt.Fprintln(stdout, "Stopping: the API finishes its requests (up to 10s)...")
	if err := <-apiErr; err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	d.closeSaying(stdout)
	fmt.Fprintln(stdout, "Stopped.")
	return nil
}

// checkDevPorts reports every address dev needs that is taken, at once,
// each with the flag and variable that move it.
func (c Config) checkDevPorts() error {
	type port struct{ what, addr, flag, env string }
	ports := []port{
		{"api", c.APIAddr, "--api-addr", EnvAPIAddr},
		{"temporal", c.TemporalAddr, "--temporal-addr", EnvTemporalAddr},
		{"temporal http", c.TemporalHTTPAddr, "--temporal-http-addr", EnvTemporalHTTPAddr},
	}
	if !c.NoUI {
		ports = append(ports, port{"ui", c.UIAddr, "--ui-addr (or --no-ui)", EnvUIAddr})
	}
	if c.MetricsAddr != "" {
		ports = append(ports, port{"metrics", c.MetricsAddr, "--metrics-addr", EnvMetricsAddr})
	}
	var busy []string
	for _, p := range ports {
		if err := embedded.CheckAddrFree(p.what, p.addr); err != nil {
			busy = append(busy, fmt.Sprintf("%s address %s is not available (move it with %s or %s)", p.what, p.addr, p.flag, p.env))
		}
	}
	switch len(busy) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("%s; is another computor or temporal running?", busy[0])
	}
	return fmt.Errorf("%d addresses are not available; is another computor or temporal running?\n  %s", len(busy), strings.Join(busy, "\n  "))
}

// setRetention keeps finished tasks for engine.DefaultRetention instead of
// the day a new SQLite namespace gets: an admin's change, made with an
// admin's token.
func setRetention(ctx context.Context, c Config, logger *slog.Logger) error {
	tc, err := engine.Dial(ctx, c.temporalClient("computor-dev", c.adminToken(), logger))
	if err != nil {
		return err
	}
	defer tc.Close()
	ws := tc.WorkflowService()
	desc, err := ws.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: c.Namespace})
	if err != nil {
		return fmt.Errorf("describe namespace: %w", err)
	}
	if desc.GetConfig().GetWorkflowExecutionRetentionTtl().AsDuration() == engine.DefaultRetention {
		return nil
	}
	_, err = ws.UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: c.Namespace,
		Config:    &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(engine.DefaultRetention)},
	})
	if err != nil {
		return fmt.Errorf("set retention of %q: %w", c.Namespace, err)
	}
	return nil
}
