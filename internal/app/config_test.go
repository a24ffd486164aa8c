package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/worker"
)

func TestFromEnv(t *testing.T) {
	t.Setenv(EnvDataDir, "/srv/computor")
	t.Setenv(EnvTemporalAddr, "temporal:7233")
	t.Setenv(EnvSandboxStrict, "1")
	t.Setenv(EnvJWTSecret, "")
	t.Setenv(EnvNamespace, "")
	c := FromEnv()
	if c.DataDir != "/srv/computor" || c.TemporalAddr != "temporal:7233" || !c.SandboxStrict {
		t.Fatalf("FromEnv = %+v", c)
	}
	// Unset settings take their defaults.
	if c.Namespace != engine.DefaultNamespace || c.APIAddr != APIAddrDefault || c.StopTimeout != worker.DefaultStopTimeout ||
		c.LogLevel != LogLevelDefault {
		t.Fatalf("defaults not applied: %+v", c)
	}
	if c.databaseURL() != "/srv/computor/"+DatabaseFile || c.reposDir() != "/srv/computor/"+ReposDirName {
		t.Fatalf("database %q, repos %q", c.databaseURL(), c.reposDir())
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	ok := Config{}.WithDefaults()
	if err := ok.Validate(); err != nil {
		t.Fatalf("defaults do not validate: %v", err)
	}
	for _, tc := range []struct {
		change func(*Config)
		says   string
	}{
		{func(c *Config) { c.LogLevel = "loud" }, `log level "loud"`},
		{func(c *Config) { c.LogFormat = "xml" }, `log format "xml"`},
		{func(c *Config) { c.legacySecret = true }, EnvJWTKeyFile},
		{func(c *Config) { c.JWTMaxLifetime = -1 }, EnvJWTMaxLife},
		{func(c *Config) { c.StopTimeout = -time.Second }, "--stop-timeout"},
		{func(c *Config) { c.MaxActivities = -1 }, "--max-activities"},
		{func(c *Config) { c.Queues = []string{"computor-tasks", "nope"} }, `"nope"`},
		{func(c *Config) { c.Namespace = "temporal-system" }, EnvNamespace},
	} {
		c := ok
		tc.change(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("Validate() = %v, want it to name %s", err, tc.says)
		}
	}
}

// The effective settings are logged at start; no secret may be in them.
func TestLogValueHidesSecrets(t *testing.T) {
	t.Parallel()
	for _, db := range []string{
		"postgres://computor:hunter2-db@db:5432/computor",
		"postgres://db/computor?user=computor&password=hunter2-db",
		"host=db user=computor password=hunter2-db",
	} {
		c := Config{DatabaseURL: db, APIKey: "hunter2-key"}.WithDefaults()
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
		if strings.Contains(buf.String(), "hunter2") {
			t.Errorf("log line shows a secret: %s", buf.String())
		}
		if !strings.Contains(buf.String(), `"temporal_api_key":"(set)"`) {
			t.Errorf("log line does not say the API key is set: %s", buf.String())
		}
	}
}

// Anyone who reads the signing key can mint an admin token: a key file
// other users may read is refused, not used.
func TestSigningKeyMustBePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := Config{DataDir: dir}.WithDefaults()
	if _, err := c.signingKey(false); err == nil {
		t.Fatal("no key file: want an error")
	}
	key, err := c.signingKey(true)
	if err != nil {
		t.Fatalf("create key: %v", err)
	}
	path := filepath.Join(dir, KeyFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", st.Mode(), err)
	}
	again, err := c.signingKey(false)
	if err != nil || again.KeyID() != key.KeyID() {
		t.Fatalf("read again: %v, %v", again, err)
	}
	if _, err := Token(c, "alice", nil, time.Hour); err != nil {
		t.Fatalf("token with the dev key: %v", err)
	}
	if _, err := Token(c, "alice", nil, 31*24*time.Hour); err == nil || !strings.Contains(err.Error(), EnvJWTMaxLife) {
		t.Fatalf("a token beyond the maximum lifetime: %v", err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := c.signingKey(true); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %#o: %v, want a refusal", mode, err)
		}
		if _, err := Token(c, "alice", nil, time.Hour); err == nil {
			t.Errorf("mode %#o: a token was minted with a public key file", mode)
		}
	}
	// A key another user owns is one they may have planted.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() == 0 {
		if err := os.Chown(path, 4242, 4242); err != nil {
			t.Fatal(err)
		}
		if _, err := c.signingKey(true); err == nil || !strings.Contains(err.Error(), "owned by uid 4242") {
			t.Errorf("a key of uid 4242: %v, want a refusal", err)
		}
		if err := os.Chown(path, 0, 0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.signingKey(false); err != nil {
		t.Fatalf("the key, private again: %v", err)
	}
	// No temporary file is left beside the key.
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the data dir holds %d files, want only the key", len(entries))
	}
	// A link to some other file is not a key file either.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	elsewhere := filepath.Join(t.TempDir(), "elsewhere.pem")
	b, _ := key.PEM()
	if err := os.WriteFile(elsewhere, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.signingKey(true); err == nil {
		t.Error("a symlink was followed to the key")
	}
}

// A key file written by hand (openssl's SEC 1 form), and the JWKS of the
// key for a Temporal server.
func TestKeyCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "k.pem")
	var out bytes.Buffer
	if err := KeyCreate(path, &out); err != nil {
		t.Fatal(err)
	}
	if err := KeyCreate(path, &out); err == nil {
		t.Fatal("key create replaced a key")
	}
	c := Config{JWTKeyFile: path}
	out.Reset()
	if err := KeyJWKS(c, &out); err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct{ Kty, Crv, Kid, Alg, Use, D string }
	}
	if err := json.Unmarshal(out.Bytes(), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("jwks %s: %v", out.String(), err)
	}
	k := set.Keys[0]
	if k.Kty != "EC" || k.Crv != "P-256" || k.Alg != "ES256" || k.Use != "sig" || k.Kid == "" || k.D != "" {
		t.Fatalf("jwks key %+v (a private part must never be in it)", k)
	}
}

// bench --compare names its baseline; an unknown one is refused by name
// before any stack starts.
func TestBenchCompareUnknown(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	err := Bench(t.Context(), Config{DataDir: t.TempDir()}, BenchOptions{N: 1, Clients: 1, Task: "example_long_running",
		Params: `{"duration":0}`, Compare: "no-fsync-at-all"}, &out, &out)
	if err == nil || !strings.Contains(err.Error(), `"no-fsync-at-all"`) || !strings.Contains(err.Error(), "visibility-normal") {
		t.Fatalf("Bench with an unknown --compare: %v, want an error naming it and the known ones", err)
	}
}
