package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/worker"
)

// devTokenTTL is how long the admin token `computor dev` prints is valid.
const devTokenTTL = 7 * 24 * time.Hour

// devStopTimeout is the dev worker's grace period: short, so Ctrl+C is
// quick; an activity cut off resumes when dev starts again.
const devStopTimeout = 5 * time.Second

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	start := time.Now()
	fs := flag.NewFlagSet("dev", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c common
	c.register(fs)
	apiAddr := fs.String("api-addr", env(envAPIAddr, defaultAPIAddr), "where the API listens ("+envAPIAddr+")")
	uiAddr := fs.String("ui-addr", env(envUIAddr, engine.DefaultUIAddr), "where the Temporal Web UI listens ("+envUIAddr+")")
	ephemeral := fs.Bool("ephemeral", false, "keep Temporal's database in memory: nothing survives a restart")
	noUI := fs.Bool("no-ui", false, "do not serve the Web UI")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	logger, err := c.logger(stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	secret, err := c.jwtSecret(true)
	if err != nil {
		return err
	}
	verifier, err := auth.NewVerifier(auth.Config{Secret: secret, Issuer: c.jwtIssuer, Audience: c.jwtAudience})
	if err != nil {
		return err
	}
	reg, err := registry()
	if err != nil {
		return err
	}

	// Take the API's port and check the UI's before starting anything, so
	// a taken port fails fast and by name.
	ln, err := listen("api", *apiAddr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if !*noUI {
		if err := engine.CheckAddrFree("ui", *uiAddr); err != nil {
			return err
		}
	}

	srv, err := engine.StartServer(ctx, engine.ServerConfig{
		DataDir:   c.dataDir,
		Ephemeral: *ephemeral,
		Addr:      c.temporalAddr,
		Namespace: c.namespace,
		Logger:    logger,
	})
	if err != nil {
		return err
	}
	defer func() {
		if err := srv.Stop(); err != nil {
			logger.Warn("temporal stop", "err", err)
		}
	}()

	tc, err := connect(ctx, c, "", logger)
	if err != nil {
		return err
	}
	defer tc.Close()
	if err := setRetention(ctx, tc.WorkflowService(), c.namespace); err != nil {
		return err
	}

	w, err := worker.New(tc, reg, worker.Config{StopTimeout: devStopTimeout, Logger: logger})
	if err != nil {
		return err
	}
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()

	uiLine := "disabled (--no-ui)"
	if !*noUI {
		ui, err := engine.StartUI(*uiAddr, srv.Addr(), c.namespace, logger)
		if err != nil {
			return err
		}
		defer ui.Stop()
		uiLine = "http://" + ui.Addr()
	}

	token, err := auth.Mint(secret, "admin", []string{auth.RoleAdmin}, devTokenTTL, c.jwtIssuer, c.jwtAudience)
	if err != nil {
		return err
	}
	tokenPath := filepath.Join(c.dataDir, tokenFile)
	if err := writeFileAtomic(tokenPath, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("write dev token: %w", err)
	}

	h, err := apiHandler(tc, reg, verifier, c.namespace, logger)
	if err != nil {
		return err
	}
	apiErr := make(chan error, 1)
	go func() { apiErr <- serveAPI(ctx, ln, h, logger) }()

	db := filepath.Join(c.dataDir, engine.DatabaseFile)
	if *ephemeral {
		db = "in memory (--ephemeral)"
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
`, time.Since(start).Round(time.Millisecond), ln.Addr(), uiLine, srv.Addr(), c.namespace, db,
		pyList(w.Queues()), devTokenTTL, tokenPath, token, tokenPath, ln.Addr())

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
