package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/engine"
	temporalconn "github.com/computor-org/computor-go/internal/engine/connect"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Environment variables, read here and nowhere else.
const (
	envDataDir       = "COMPUTOR_DATA_DIR"
	envAPIAddr       = "COMPUTOR_API_ADDR"
	envUIAddr        = "COMPUTOR_UI_ADDR"
	envMetricsAddr   = "COMPUTOR_METRICS_ADDR"
	envJWTSecret     = "COMPUTOR_JWT_SECRET"
	envJWKSURL       = "COMPUTOR_JWT_JWKS_URL"
	envJWTIssuer     = "COMPUTOR_JWT_ISSUER"
	envJWTAudience   = "COMPUTOR_JWT_AUDIENCE"
	envLogLevel      = "COMPUTOR_LOG_LEVEL"
	envLogFormat     = "COMPUTOR_LOG_FORMAT"
	envDatabaseURL   = "COMPUTOR_DATABASE_URL"
	envReposDir      = "COMPUTOR_REPOS_DIR"
	envWorkDir       = "COMPUTOR_WORK_DIR"
	envStrictSandbox = "COMPUTOR_SANDBOX_STRICT"
	envTemporalAddr  = "TEMPORAL_ADDRESS"
	envTLSCert       = "TEMPORAL_TLS_CERT"
	envTLSKey        = "TEMPORAL_TLS_KEY"
	envTLSCA         = "TEMPORAL_TLS_CA"
	envTLSServer     = "TEMPORAL_TLS_SERVER_NAME"
	envAPIKey        = "TEMPORAL_API_KEY"
	envNamespace     = "TEMPORAL_NAMESPACE"
)

// Defaults.
const (
	defaultDataDir = ".computor"
	defaultAPIAddr = "127.0.0.1:8000"
	// secretFile holds the dev JWT secret in the data dir.
	secretFile = "jwt-secret"
	// tokenFile holds the admin token `computor dev` prints.
	tokenFile = "dev-token"
	// databaseFile is the default domain database in the data dir.
	databaseFile = "computor.db"
	// reposDir is the default directory of git repositories in the data dir.
	reposDir = "repos"
)

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// common holds the settings every command shares.
type common struct {
	dataDir      string
	temporalAddr string
	namespace    string
	logLevel     string
	logFormat    string
	jwtIssuer    string
	jwtAudience  string
	databaseURL  string
	reposDir     string
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.dataDir, "data-dir", env(envDataDir, defaultDataDir), "data directory ("+envDataDir+")")
	fs.StringVar(&c.temporalAddr, "temporal-addr", env(envTemporalAddr, engine.DefaultTemporalAddr), "Temporal frontend host:port ("+envTemporalAddr+")")
	fs.StringVar(&c.namespace, "namespace", env(envNamespace, engine.DefaultNamespace), "Temporal namespace ("+envNamespace+")")
	fs.StringVar(&c.logLevel, "log-level", env(envLogLevel, "info"), "debug, info, warn or error ("+envLogLevel+")")
	fs.StringVar(&c.logFormat, "log-format", env(envLogFormat, ""), "json or text; default text on a terminal, json otherwise ("+envLogFormat+")")
	fs.StringVar(&c.databaseURL, "database-url", env(envDatabaseURL, ""), "domain database: postgres://... or a SQLite file; default <data-dir>/"+databaseFile+" ("+envDatabaseURL+")")
	fs.StringVar(&c.reposDir, "repos-dir", env(envReposDir, ""), "git repositories; default <data-dir>/"+reposDir+" ("+envReposDir+")")
	c.jwtIssuer = env(envJWTIssuer, "")
	c.jwtAudience = env(envJWTAudience, "")
}

// logger builds the one logger of the process.
func (c *common) logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.logLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.logLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.logFormat
	if format == "" {
		format = "json"
		if f, ok := w.(*os.File); ok {
			if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
				format = "text"
			}
		}
	}
	switch format {
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("log format %q: want json or text", format)
}

// jwtSecret returns the HS256 secret: COMPUTOR_JWT_SECRET, else the dev
// secret in the data dir, created when create is set.
func (c *common) jwtSecret(create bool) ([]byte, error) {
	if s := os.Getenv(envJWTSecret); s != "" {
		if len(s) < auth.MinSecretBytes {
			return nil, fmt.Errorf("%s must be at least %d bytes", envJWTSecret, auth.MinSecretBytes)
		}
		return []byte(s), nil
	}
	path := filepath.Join(c.dataDir, secretFile)
	b, err := os.ReadFile(path)
	if err == nil {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("no JWT secret: set %s (or %s), or run 'computor dev' once to create %s: %w", envJWTSecret, envJWKSURL, path, err)
	}
	secret, err := auth.NewSecret()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if err := writeFileAtomic(path, []byte(secret+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("write dev secret: %w", err)
	}
	return []byte(secret), nil
}

// verifier builds the token verifier: JWKS when COMPUTOR_JWT_JWKS_URL is
// set, else HS256 with the secret.
func (c *common) verifier(createSecret bool) (*auth.Verifier, error) {
	if url := os.Getenv(envJWKSURL); url != "" {
		return auth.NewVerifier(auth.Config{JWKSURL: url, Issuer: c.jwtIssuer, Audience: c.jwtAudience})
	}
	secret, err := c.jwtSecret(createSecret)
	if err != nil {
		return nil, err
	}
	return auth.NewVerifier(auth.Config{Secret: secret, Issuer: c.jwtIssuer, Audience: c.jwtAudience})
}

// writeFileAtomic writes through a temporary file and a rename, so a crash
// never leaves half a file.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, perm); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// parseFlags parses a subcommand's flags; positional arguments are an error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// positive rejects a duration flag that is zero or negative.
func positive(name string, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("--%s must be positive", name)
	}
	return nil
}

// deps opens the domain database and the repository service; with
// sandbox, also the sandbox that runs student code. testing says whether
// the testing tasks can run: a worker needs a working sandbox, the API
// trusts its workers to have one.
func (c *common) deps(ctx context.Context, withSandbox bool, logger *slog.Logger) (d tasks.Deps, repos *git.Local, testing bool, closeFn func(), err error) {
	dbURL := c.databaseURL
	if dbURL == "" {
		if err := os.MkdirAll(c.dataDir, 0o700); err != nil {
			return d, nil, false, nil, fmt.Errorf("create data dir: %w", err)
		}
		dbURL = filepath.Join(c.dataDir, databaseFile)
	}
	st, err := store.Open(ctx, dbURL)
	if err != nil {
		return d, nil, false, nil, fmt.Errorf("open database: %w", err)
	}
	dir := c.reposDir
	if dir == "" {
		dir = filepath.Join(c.dataDir, reposDir)
	}
	if repos, err = git.NewLocal(dir, git.WithLogger(logger)); err != nil {
		_ = st.Close()
		return d, nil, false, nil, fmt.Errorf("open repositories: %w", err)
	}
	d = tasks.Deps{Store: st, Repos: repos}
	closers := []func(){func() { _ = st.Close() }}
	testing = true
	if withSandbox {
		sb, err := sandbox.NewBubblewrap(sandbox.Config{WorkRoot: os.Getenv(envWorkDir)})
		switch {
		case errors.Is(err, derrors.Invalid):
			_ = st.Close()
			return d, nil, false, nil, fmt.Errorf("sandbox: %w", err)
		case err != nil:
			logger.Warn("student_testing and submission_processing are off: no working sandbox (apt-get install bubblewrap)", "err", err)
			testing = false
		case !sb.Isolation().Complete() && os.Getenv(envStrictSandbox) == "1":
			iso := sb.Isolation()
			_ = sb.Close()
			logger.Error("student_testing and submission_processing are off: "+envStrictSandbox+"=1 and the sandbox lacks a defence on this host",
				"isolation", iso.String(), "why", strings.Join(iso.Notes, "; "))
			testing = false
		default:
			d.Sandbox = sb
			closers = append(closers, func() { _ = sb.Close() })
			if iso := sb.Isolation(); iso.Complete() {
				logger.Info("sandbox ready", "isolation", iso.String())
			} else {
				logger.Warn("sandbox runs with weaker isolation on this host", "isolation", iso.String(), "why", strings.Join(iso.Notes, "; "))
			}
		}
	}
	return d, repos, testing, func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}, nil
}

// temporalClient is how to reach Temporal: address, namespace, and TLS or
// an API key when the TEMPORAL_TLS_* or TEMPORAL_API_KEY variables are set.
func (c *common) temporalClient(identity string, logger *slog.Logger) engine.ClientConfig {
	cfg := engine.ClientConfig{Addr: c.temporalAddr, Namespace: c.namespace, Identity: identity, Logger: logger,
		APIKey: os.Getenv(envAPIKey)}
	t := temporalconn.TLSConfig{CertFile: os.Getenv(envTLSCert), KeyFile: os.Getenv(envTLSKey),
		CAFile: os.Getenv(envTLSCA), ServerName: os.Getenv(envTLSServer)}
	if t != (temporalconn.TLSConfig{}) {
		cfg.TLS = &t
	}
	return cfg
}
