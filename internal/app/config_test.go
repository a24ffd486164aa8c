package app

import (
	"bytes"
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
		{func(c *Config) { c.JWTSecret = "short" }, EnvJWTSecret},
		{func(c *Config) { c.StopTimeout = -time.Second }, "--stop-timeout"},
		{func(c *Config) { c.MaxActivities = -1 }, "--max-activities"},
		{func(c *Config) { c.Queues = []string{"computor-tasks", "nope"} }, `"nope"`},
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
		c := Config{DatabaseURL: db, JWTSecret: "hunter2-jwt-secret-of-thirty-two-bytes", APIKey: "hunter2-key"}.WithDefaults()
		var buf bytes.Buffer
		slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", c)
		if strings.Contains(buf.String(), "hunter2") {
			t.Errorf("log line shows a secret: %s", buf.String())
		}
		if !strings.Contains(buf.String(), `"jwt_secret":"(set)"`) {
			t.Errorf("log line does not say the secret is set: %s", buf.String())
		}
	}
}

// Anyone who reads the dev secret can mint an admin token: a secret file
// other users may read is refused, not used.
func TestDevSecretMustBePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := Config{DataDir: dir}.WithDefaults()
	if _, err := c.jwtSecret(false); err == nil {
		t.Fatal("no secret file and no secret: want an error")
	}
	secret, err := c.jwtSecret(true)
	if err != nil || len(secret) == 0 {
		t.Fatalf("create secret: %q, %v", secret, err)
	}
	path := filepath.Join(dir, SecretFile)
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("secret file mode %v (%v), want 0600", st.Mode(), err)
	}
	again, err := c.jwtSecret(false)
	if err != nil || !bytes.Equal(again, secret) {
		t.Fatalf("read again: %q, %v", again, err)
	}
	if _, err := Token(c, "alice", nil, time.Hour); err != nil {
		t.Fatalf("token with the dev secret: %v", err)
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o602} {
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := c.jwtSecret(true); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Errorf("mode %#o: %v, want a refusal", mode, err)
		}
		if _, err := Token(c, "alice", nil, time.Hour); err == nil {
			t.Errorf("mode %#o: a token was minted with a public secret", mode)
		}
	}
	// A link to some other file is not a secret file either.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	private := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(private, []byte("a-secret-of-thirty-two-bytes-or-more\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(private, path); err != nil {
		t.Fatal(err)
	}
	if _, err := c.jwtSecret(true); err == nil {
		t.Error("a symlink was followed to the secret")
	}
}
