// Package connect builds the secure connection settings of a Temporal
// client: TLS, mutual TLS and API keys. It is apart from package engine so
// its tests need not link the Temporal server.
package connect

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"go.temporal.io/sdk/client"
)

// TLSConfig says how to reach a cluster over TLS: CA alone for server
// authentication, plus a client certificate and key for mTLS. Paths are
// PEM files.
type TLSConfig struct {
	CertFile   string // TEMPORAL_TLS_CERT
	KeyFile    string // TEMPORAL_TLS_KEY
	CAFile     string // TEMPORAL_TLS_CA; default: the system's roots
	ServerName string // TEMPORAL_TLS_SERVER_NAME; default: the address's host
}

// Build returns the crypto/tls configuration, naming the file at fault.
func (t *TLSConfig) Build() (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	if (t.CertFile == "") != (t.KeyFile == "") {
		return nil, errors.New("TLS: a client certificate needs both TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY")
	}
	if t.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("TLS client certificate %s: %w", t.CertFile, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if t.CAFile != "" {
		pem, err := os.ReadFile(t.CAFile)
		if err != nil {
			return nil, fmt.Errorf("TLS CA %s: %w", t.CAFile, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("TLS CA %s: no PEM certificate in it", t.CAFile)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}

// Options turns TLS and API key settings into the SDK's connection
// options; all may be empty. A static apiKey (Temporal Cloud, an identity
// provider's token) implies TLS; tokens from token, which Computor mints
// for itself, follow t: plaintext unless TLS is configured, as on a
// cluster's private network.
func Options(t *TLSConfig, apiKey string, token func(context.Context) (string, error)) (client.ConnectionOptions, client.Credentials, error) {
	var opts client.ConnectionOptions
	var creds client.Credentials
	if t != nil {
		tc, err := t.Build()
		if err != nil {
			return opts, nil, err
		}
		opts.TLS = tc
	}
	switch {
	case apiKey != "":
		creds = client.NewAPIKeyStaticCredentials(apiKey)
		if opts.TLS == nil {
			opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		}
	case token != nil:
		creds = client.NewAPIKeyDynamicCredentials(token)
		opts.TLSDisabled = opts.TLS == nil
	}
	return opts, creds, nil
}
