package embedded

import (
	"fmt"
	"log/slog"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	"github.com/temporalio/ui-server/v2/server/server_options"
)

// DefaultUIAddr is where `computor dev` serves the Temporal Web UI.
const DefaultUIAddr = "127.0.0.1:8088"

// UI is the Temporal Web UI served from this process.
type UI struct {
	server *uiserver.Server
	addr   string
}

type uiConfigProvider struct{ cfg *uiconfig.Config }

func (p uiConfigProvider) GetConfig() (*uiconfig.Config, error) { return p.cfg, nil }

// StartUI serves the Web UI on addr for the Temporal frontend at
// temporalAddr. The UI library exits the process when its port is taken, so
// the port is checked first.
func StartUI(addr, temporalAddr, namespace string, logger *slog.Logger) (*UI, error) {
	if err := CheckAddrFree("ui", addr); err != nil {
		return nil, err
	}
	host, port, err := splitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("ui address %q: %w", addr, err)
	}
	cfg := &uiconfig.Config{
		TemporalGRPCAddress: temporalAddr,
		Host:                host,
		Port:                port,
		EnableUI:            true,
		DefaultNamespace:    namespace,
		HideLogs:            true,
		DisableNewsFetch:    true,
		CORS:                uiconfig.CORS{CookieInsecure: true},
	}
	s := uiserver.NewServer(server_options.WithConfigProvider(uiConfigProvider{cfg: cfg}))
	go func() {
		if err := s.Start(); err != nil {
			logger.Error("web ui stopped", "err", err)
		}
	}()
	return &UI{server: s, addr: addr}, nil
}

// Addr returns where the UI listens.
func (u *UI) Addr() string { return u.addr }

// Stop stops the UI.
func (u *UI) Stop() { u.server.Stop() }
