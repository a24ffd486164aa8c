package connect

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and its key as PEM files.
func writeCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "temporal"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// cfg is the settings a test gives Options.
type cfg struct {
	TLS    *TLSConfig
	APIKey string
	Token  func(context.Context) (string, error)
}

func TestOptions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := writeCert(t, dir)
	junk := filepath.Join(dir, "junk.pem")
	if err := os.WriteFile(junk, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		cfg     cfg
		wantErr string
		check   func(t *testing.T, c cfg)
	}{
		{name: "plain", cfg: cfg{}},
		{name: "mTLS", cfg: cfg{TLS: &TLSConfig{CertFile: cert, KeyFile: key, CAFile: cert, ServerName: "temporal.example"}},
			check: func(t *testing.T, c cfg) {
				conn, creds, _ := Options(c.TLS, c.APIKey, c.Token)
				if conn.TLS == nil || len(conn.TLS.Certificates) != 1 || conn.TLS.RootCAs == nil || conn.TLS.ServerName != "temporal.example" || creds != nil {
					t.Fatalf("mTLS options %+v", conn.TLS)
				}
			}},
		{name: "API key implies TLS", cfg: cfg{APIKey: "k"},
			check: func(t *testing.T, c cfg) {
				conn, creds, _ := Options(c.TLS, c.APIKey, c.Token)
				if conn.TLS == nil || creds == nil {
					t.Fatal("API key without TLS or credentials")
				}
			}},
		{name: "minted tokens stay plaintext", cfg: cfg{Token: func(context.Context) (string, error) { return "t", nil }},
			check: func(t *testing.T, c cfg) {
				conn, creds, _ := Options(c.TLS, c.APIKey, c.Token)
				if conn.TLS != nil || !conn.TLSDisabled || creds == nil {
					t.Fatalf("token source: TLS %v, disabled %v, credentials %v", conn.TLS, conn.TLSDisabled, creds)
				}
			}},
		{name: "minted tokens over TLS", cfg: cfg{TLS: &TLSConfig{CAFile: cert}, Token: func(context.Context) (string, error) { return "t", nil }},
			check: func(t *testing.T, c cfg) {
				conn, creds, _ := Options(c.TLS, c.APIKey, c.Token)
				if conn.TLS == nil || conn.TLSDisabled || creds == nil {
					t.Fatalf("token source with TLS: TLS %v, disabled %v", conn.TLS, conn.TLSDisabled)
				}
			}},
		{name: "cert without key", cfg: cfg{TLS: &TLSConfig{CertFile: cert}}, wantErr: "TEMPORAL_TLS_KEY"},
		{name: "missing CA", cfg: cfg{TLS: &TLSConfig{CAFile: filepath.Join(dir, "nope.pem")}}, wantErr: "nope.pem"},
		{name: "CA without PEM", cfg: cfg{TLS: &TLSConfig{CAFile: junk}}, wantErr: "no PEM certificate"},
		{name: "bad key pair", cfg: cfg{TLS: &TLSConfig{CertFile: cert, KeyFile: junk}}, wantErr: "client certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := Options(tt.cfg.TLS, tt.cfg.APIKey, tt.cfg.Token)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.check != nil {
				tt.check(t, tt.cfg)
			}
		})
	}
}
