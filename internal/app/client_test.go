package app

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

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
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{DataDir: withFile, Token: "given"}, "Bearer given"},
		{Config{DataDir: withFile}, "Bearer from-file"},
		{Config{DataDir: filepath.Join(dir, "without")}, ""},
	} {
		c.cfg.APIURL = srv.URL
		cl, err := APIClient(c.cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := cl.Types(context.Background()); err != nil {
			t.Fatal(err)
		}
		if got := <-seen; got != c.want {
			t.Errorf("%+v: Authorization %q, want %q", c.cfg, got, c.want)
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
