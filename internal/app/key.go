package app

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/computor-org/computor-go/internal/auth"
	temporalconn "github.com/computor-org/computor-go/internal/engine/connect"
	"github.com/computor-org/computor-go/internal/engine/embedded"
)

// KeyCreate writes a new signing key to path (mode 0600), refusing to
// replace a file: a new key invalidates every token of the old one.
func KeyCreate(path string, stdout io.Writer) error {
	if path == "" {
		return fmt.Errorf("key create: give the file to write")
	}
	k, err := auth.NewSigningKey()
	if err != nil {
		return err
	}
	b, err := k.PEM()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("key create: %w (a new key would end every token of the old one; remove the file first if that is meant)", err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote signing key %s (key id %s); point %s at it\n", path, k.KeyID(), EnvJWTKeyFile)
	return nil
}

// KeyJWKS prints the public key of the configured signing key as a JSON
// Web Key Set: what a Temporal server's keySourceURIs reads.
func KeyJWKS(cfg Config, stdout io.Writer) error {
	cfg = cfg.WithDefaults()
	k, err := cfg.signingKey(false)
	if err != nil {
		return err
	}
	b, err := k.JWKS()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "%s\n", b)
	return err
}

// UI serves the Temporal Web UI of the cluster at cfg.TemporalAddr on
// cfg.UIAddr, behind the admin login, until ctx ends.
func UI(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return err
	}
	logger, err := cfg.Logger(stderr)
	if err != nil {
		return err
	}
	_, verifier, err := cfg.keys(false)
	if err != nil {
		return err
	}
	uc := embedded.UIConfig{Addr: cfg.UIAddr, TemporalAddr: cfg.TemporalAddr, Namespace: cfg.Namespace, Logger: logger,
		Gate: embedded.NewUIGate(embedded.UIGateConfig{Verifier: verifier, Secure: cfg.UISecure, Logger: logger})}
	if cfg.TLS != (temporalconn.TLSConfig{}) {
		t := cfg.TLS
		uc.TLS = &t
	}
	ui, err := embedded.StartUI(uc)
	if err != nil {
		return err
	}
	defer ui.Stop()
	fmt.Fprintf(stdout, "Temporal Web UI on http://%s (admins only; log in with a token)\n", ui.Addr())
	<-ctx.Done()
	return nil
}
