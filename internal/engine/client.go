package engine

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/computor-org/computor-go/internal/engine/connect"
)

// Defaults of a Temporal connection, as Temporal's own tools have them.
const (
	DefaultTemporalAddr = "127.0.0.1:7233"
	// DefaultTemporalHTTPAddr is where `computor dev` serves Temporal's
	// HTTP API and Nexus, as Temporal's own dev server does.
	DefaultTemporalHTTPAddr = "127.0.0.1:7243"
	DefaultNamespace        = "default"
)

// ClientConfig says how to reach a Temporal cluster. Zero values mean the
// defaults.
type ClientConfig struct {
	// Addr is the frontend's host:port (TEMPORAL_ADDRESS). Default
	// DefaultTemporalAddr.
	Addr string
	// Namespace (TEMPORAL_NAMESPACE). Default DefaultNamespace.
	Namespace string
	// Identity names this process in Temporal (pollers, history). Default:
	// the SDK's pid@host.
	Identity string
	// Logger receives the SDK's log lines. Default: discard.
	Logger *slog.Logger
	// TLS, when set, secures the connection.
	TLS *connect.TLSConfig
	// APIKey authenticates to Temporal Cloud or a cluster that takes API
	// keys (TEMPORAL_API_KEY); it implies TLS.
	APIKey string
	// Token, when set (and APIKey is not), gives the bearer token of each
	// call: a service token Computor mints for itself.
	Token func(context.Context) (string, error)
	// MetricsHandler receives the SDK's metrics. Default: none.
	MetricsHandler client.MetricsHandler
}

// Dial connects to Temporal and checks that it answers.
func Dial(ctx context.Context, cfg ClientConfig) (client.Client, error) {
	if cfg.Addr == "" {
		cfg.Addr = DefaultTemporalAddr
	}
	if cfg.Namespace == "" {
		cfg.Namespace = DefaultNamespace
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	conn, creds, err := connect.Options(cfg.TLS, cfg.APIKey, cfg.Token)
	if err != nil {
		return nil, err
	}
	if isLoopback(cfg.Addr) {
		// Compressing what never leaves the host only costs CPU: the
		// SDK's default gzip was 2-3 % of a dev process's CPU in a
		// grading rush (docs/PERFORMANCE.md).
		conn.GrpcCompression = &client.GrpcCompressionNone{}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          cfg.Addr,
		Namespace:         cfg.Namespace,
		Identity:          cfg.Identity,
		ConnectionOptions: conn,
		Credentials:       creds,
		MetricsHandler:    cfg.MetricsHandler,
		Logger:            sdklog.NewStructuredLogger(slog.New(quietHandler{cfg.Logger.Handler()}).With("component", "temporal-sdk")),
	})
	if err != nil {
		return nil, fmt.Errorf("connect to temporal at %s (%s): %w", cfg.Addr, unreachableHint, err)
	}
	return c, nil
}

// isLoopback reports whether addr (host:port) names this host's loopback.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// quietHandler passes the SDK's warnings and errors, and its info lines
// only when the logger is at debug: "Started Worker" and the like are noise.
// It names the SDK's WorkflowID the task_id, as every other Computor log
// line does.
type quietHandler struct{ slog.Handler }

func (h quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	if l < slog.LevelWarn && !h.Handler.Enabled(ctx, slog.LevelDebug) {
		return false
	}
	return h.Handler.Enabled(ctx, l)
}

func (h quietHandler) Handle(ctx context.Context, r slog.Record) error {
	level := r.Level
	if canceledActivity(r) {
		// An activity stopped by a worker's shutdown (Ctrl+C): expected,
		// and Temporal runs it again elsewhere.
		level = slog.LevelInfo
		if !h.Handler.Enabled(ctx, level) {
			return nil
		}
	}
	out := slog.NewRecord(r.Time, level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(taskIDAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	renamed := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		renamed[i] = taskIDAttr(a)
	}
	return quietHandler{h.Handler.WithAttrs(renamed)}
}

// canceledActivity reports whether r is the SDK's "Activity error." of an
// activity whose context was canceled, as on a worker's shutdown.
func canceledActivity(r slog.Record) bool {
	if r.Message != "Activity error." || r.Level < slog.LevelError {
		return false
	}
	canceled := false
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "Error" && strings.HasSuffix(a.Value.String(), context.Canceled.Error()) {
			canceled = true
			return false
		}
		return true
	})
	return canceled
}

// taskIDAttr renames the SDK's WorkflowID attribute to task_id.
func taskIDAttr(a slog.Attr) slog.Attr {
	if a.Key == "WorkflowID" {
		a.Key = "task_id"
	}
	return a
}

func (h quietHandler) WithGroup(name string) slog.Handler {
	return quietHandler{h.Handler.WithGroup(name)}
}
