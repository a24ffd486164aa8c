package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/client"
)

// TestAPIClientToken: the client shows the configured token, else the dev
// token in the data dir, else none.
func TestAPIClientToken(t *testing.T) {
	t.Parallel()
	seen := make(chan string, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen <- r.Header.Get("Authorization")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	withFile := filepath.Join(dir, "with")
	if err := os.MkdirAll(withFile, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(withFile, TokenFile), []byte("from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	withKey := filepath.Join(dir, "key")
	if _, err := (Config{DataDir: withKey}.WithDefaults()).signingKey(true); err != nil {
		t.Fatal(err)
	}
	remote := "https://computor.example"
	for _, c := range []struct {
		cfg  Config
		url  string
		want string // "minted" for a fresh admin token
	}{
		{Config{DataDir: withFile, Token: "given"}, srv.URL, "Bearer given"},
		{Config{DataDir: withFile}, srv.URL, "Bearer from-file"},
		{Config{DataDir: withKey}, srv.URL, "minted"},
		{Config{DataDir: filepath.Join(dir, "without")}, srv.URL, ""},
		{Config{DataDir: withFile}, remote, ""},
		{Config{DataDir: withKey}, remote, ""},
		{Config{DataDir: withKey, Token: "given"}, remote, "Bearer given"},
	} {
		c.cfg.APIURL = c.url
		var got string
		if c.url == remote {
			// Not called: what it would send is what the config holds.
			cfg, err := apiClientConfig(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Token != "" {
				got = "Bearer " + cfg.Token
			}
		} else {
			cl, err := APIClient(c.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := cl.Types(context.Background()); err != nil {
				t.Fatal(err)
			}
			got = <-seen
		}
		if c.want == "minted" {
			key, _ := (Config{DataDir: withKey}.WithDefaults()).signingKey(false)
			v, _ := auth.NewVerifier(auth.Config{Key: key.Public()})
			claims, err := v.Verify(context.Background(), strings.TrimPrefix(got, "Bearer "))
			if err != nil || !claims.IsAdmin() || time.Until(claims.ExpiresAt) > clientTokenTTL {
				t.Errorf("%+v: Authorization %q (%v), want a short admin token", c.cfg, got, err)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%+v at %s: Authorization %q, want %q", c.cfg, c.url, got, c.want)
		}
	}
}

func TestLoopbackURL(t *testing.T) {
	t.Parallel()
	for u, want := range map[string]bool{
		"http://127.0.0.1:8000": true, "http://localhost:8000": true, "http://[::1]:8000": true, "http://127.1.2.3": true,
		"http://computor.example": false, "http://10.0.0.1:8000": false, "http://localhost.evil.example": false,
		"http://127.0.0.1.evil.example": false, "http://0.0.0.0:8000": false, "::not a url": false,
	} {
		if got := loopbackURL(u); got != want {
			t.Errorf("loopbackURL(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestAPIClientDefaults(t *testing.T) {
	t.Parallel()
	cl, err := APIClient(Config{DataDir: t.TempDir()})
	if err != nil || cl.URL() != client.DefaultURL {
		t.Fatalf("APIClient: %v, URL %v", err, cl)
	}
	if _, err := APIClient(Config{APIURL: "localhost:8000"}); err == nil || !strings.Contains(err.Error(), "localhost:8000") {
		t.Errorf("a URL without a scheme: %v", err)
	}
}
