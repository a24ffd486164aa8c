package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/computor-org/computor-go/internal/engine/connect"
	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// DefaultUIAddr is where `computor dev` serves the Temporal Web UI.
const DefaultUIAddr = "127.0.0.1:8088"

// UI is the Temporal Web UI served from this process.
type UI struct {
	server *uiserver.Server
	gate   *http.Server // nil without a gate
	addr   string
}

type uiConfigProvider struct{ cfg *uiconfig.Config }

func (p uiConfigProvider) GetConfig() (*uiconfig.Config, error) { return p.cfg, nil }

// UIConfig says where the Web UI listens and what it shows.
type UIConfig struct {
	// Addr is where browsers reach it.
	Addr string
	// TemporalAddr is the frontend it shows, in Namespace.
	TemporalAddr, Namespace string
	// TLS, when set, secures its connection to the frontend.
	TLS *connect.TLSConfig
	// Gate, when set, requires an admin's login (see UIGate).
	Gate   *UIGate
	Logger *slog.Logger
}

// StartUI serves the Web UI on cfg.Addr. With a gate, the UI itself
// listens on a free loopback port and cfg.Addr serves the gate in front
// of it. The UI library exits the process when its port is taken, so the
// ports are checked first.
func StartUI(cfg UIConfig) (*UI, error) {
	addr, gate, logger := cfg.Addr, cfg.Gate, cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if err := CheckAddrFree("ui", addr); err != nil {
		return nil, err
	}
	uiAddr := addr
	if gate != nil {
		ports, err := freePorts(1)
		if err != nil {
			return nil, err
		}
		uiAddr = net.JoinHostPort(loopback, strconv.Itoa(ports[0]))
	}
	host, port, err := splitHostPort(uiAddr)
	if err != nil {
		return nil, fmt.Errorf("ui address %q: %w", addr, err)
	}
	uc := &uiconfig.Config{
		TemporalGRPCAddress: cfg.TemporalAddr,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    cfg.Namespace,
		HideLogs:            true,
		DisableNewsFetch:    true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
	}
	if t := cfg.TLS; t != nil {
		uc.TLS = uiconfig.TLS{CaFile: t.CAFile, CertFile: t.CertFile, KeyFile: t.KeyFile,
			ServerName: t.ServerName, EnableHostVerification: true}
	}
	s := uiserver.NewServer(server_options.WithConfigProvider(uiConfigProvider{cfg: uc}))
	go func() {
		if err := s.Start(); err != nil {
			logger.Error("web ui stopped", "err", err)
		}
	}()
	u := &UI{server: s, addr: addr}
	if gate != nil {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			s.Stop()
			return nil, fmt.Errorf("ui address %s is not available: %w", addr, err)
		}
		u.gate = &http.Server{
			Handler:           gate.Handler(uiProxy(uiAddr)),
			ReadHeaderTimeout: 10 * time.Second,
			ReadTimeout:       time.Minute,
			IdleTimeout:       2 * time.Minute,
			ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
		}
		go func() {
			if err := u.gate.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logger.Error("web ui gate stopped", "err", err)
			}
		}()
	}
	return u, nil
}

// Addr returns where the UI listens.
func (u *UI) Addr() string { return u.addr }

// Stop stops the UI.
func (u *UI) Stop() {
	if u.gate != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = u.gate.Shutdown(ctx)
	}
	u.server.Stop()
}
