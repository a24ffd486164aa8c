// Package app builds and runs Computor from one Config: the embedded dev
// stack, the API, a worker, and the commands around them (token,
// namespace, bench, and the client's API URL and token). cmd/computor
// parses the command line into a Config and calls one function here;
// nothing else reads flags or the environment.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/client"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/engine"
	temporalconn "github.com/computor-org/computor-go/internal/engine/connect"
	"github.com/computor-org/computor-go/internal/engine/embedded"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/catalog"
	"github.com/computor-org/computor-go/internal/worker"
)

// Environment variables, read by FromEnv and nowhere else.
const (
	EnvDataDir     = "COMPUTOR_DATA_DIR"
	EnvAPIAddr     = "COMPUTOR_API_ADDR"
	EnvUIAddr      = "COMPUTOR_UI_ADDR"
	EnvMetricsAddr = "COMPUTOR_METRICS_ADDR"
	EnvUISecure    = "COMPUTOR_UI_SECURE"
	EnvJWTKeyFile  = "COMPUTOR_JWT_KEY_FILE"
	EnvJWTMaxLife  = "COMPUTOR_JWT_MAX_LIFETIME"
	// EnvJWTSecret was the HS256 secret; a setting of it is refused with
	// the way to the key that replaced it.
	EnvJWTSecret        = "COMPUTOR_JWT_SECRET"
	EnvJWKSURL          = "COMPUTOR_JWT_JWKS_URL"
	EnvJWTIssuer        = "COMPUTOR_JWT_ISSUER"
	EnvJWTAudience      = "COMPUTOR_JWT_AUDIENCE"
	EnvLogLevel         = "COMPUTOR_LOG_LEVEL"
	EnvLogFormat        = "COMPUTOR_LOG_FORMAT"
	EnvDatabaseURL      = "COMPUTOR_DATABASE_URL"
	EnvReposDir         = "COMPUTOR_REPOS_DIR"
	EnvWorkDir          = "COMPUTOR_WORK_DIR"
	EnvSandboxStrict    = "COMPUTOR_SANDBOX_STRICT"
	EnvTemporalAddr     = "TEMPORAL_ADDRESS"
	EnvTemporalHTTPAddr = "COMPUTOR_TEMPORAL_HTTP_ADDR"
	EnvTLSCert          = "TEMPORAL_TLS_CERT"
	EnvTLSKey           = "TEMPORAL_TLS_KEY"
	EnvTLSCA            = "TEMPORAL_TLS_CA"
	EnvTLSServer        = "TEMPORAL_TLS_SERVER_NAME"
	EnvAPIKey           = "TEMPORAL_API_KEY"
	EnvNamespace        = "TEMPORAL_NAMESPACE"
	// EnvAPIURL and EnvToken are where the client commands find the API
	// and their token.
	EnvAPIURL = "COMPUTOR_API_URL"
	EnvToken  = "COMPUTOR_TOKEN"
)

// Defaults of a zero Config field.
const (
	DataDirDefault  = ".computor"
	APIAddrDefault  = "127.0.0.1:8000"
	LogLevelDefault = "info"
	// KeyFile is the default signing key in the data dir: the ES256 key
	// Computor signs its tokens with, made by `computor dev`.
	KeyFile = "jwt-key.pem"
	// TokenFile holds the admin token `computor dev` prints.
	TokenFile = "dev-token"
	// DatabaseFile is the default domain database in the data dir.
	DatabaseFile = "computor.db"
	// ReposDirName is the default directory of git repositories in the
	// data dir.
	ReposDirName = "repos"
)

// Config is every setting of Computor. A zero field means its default;
// FromEnv fills fields from the environment, and flags override them.
type Config struct {
	// DataDir holds the dev stack's Temporal database, the dev JWT
	// secret and token, and by default the domain database and the
	// repositories. Default DataDirDefault.
	DataDir string
	// TemporalAddr is the Temporal frontend (host:port): where dev
	// listens, where api, worker and bench connect. Default
	// engine.DefaultTemporalAddr.
	TemporalAddr string
	// TemporalHTTPAddr is where dev's Temporal serves its HTTP API and
	// Nexus. Default engine.DefaultTemporalHTTPAddr.
	TemporalHTTPAddr string
	// Namespace is the Temporal namespace. Default engine.DefaultNamespace.
	Namespace string
	// LogLevel is debug, info, warn or error. Default LogLevelDefault.
	LogLevel string
	// LogFormat is json or text; default text on a terminal, else json.
	LogFormat string
	// DatabaseURL is the domain database: postgres://... or a SQLite
	// file. Default <DataDir>/DatabaseFile.
	DatabaseURL string
	// ReposDir holds the git repositories. Default <DataDir>/ReposDirName.
	ReposDir string
	// WorkDir is where the sandbox makes its own directory for test
	// runs. Default: the system's temporary directory.
	WorkDir string
	// SandboxStrict offers the testing tasks only when every sandbox
	// defence works here.
	SandboxStrict bool

	// JWTKeyFile is the ES256 private key (PEM) Computor signs its tokens
	// with: people's tokens (computor token), and the services' tokens for
	// the Temporal frontend. Default <DataDir>/KeyFile.
	JWTKeyFile string
	// JWTMaxLifetime is the longest a token may be valid. Default
	// auth.DefaultMaxLifetime.
	JWTMaxLifetime time.Duration
	// JWKSURL verifies RS256/ES256 tokens with keys from this URL instead.
	JWKSURL string
	// JWTIssuer and JWTAudience, when set, are required in every token.
	JWTIssuer, JWTAudience string

	// TLS and APIKey secure the connection to a Temporal cluster; any TLS
	// setting turns TLS on.
	TLS    temporalconn.TLSConfig
	APIKey string

	// APIAddr is where the API listens. Default APIAddrDefault.
	APIAddr string
	// UIAddr is where dev serves the Web UI. Default embedded.DefaultUIAddr.
	UIAddr string
	// UISecure marks the Web UI's login cookie Secure, for a UI that
	// browsers reach over HTTPS (a proxy in front of computor ui).
	UISecure bool
	// MetricsAddr is where the API, dev or a worker serve /metrics (and a
	// worker /healthz), apart from the API; empty:
	// not served.
	MetricsAddr string
	// Ephemeral keeps dev's Temporal database in memory.
	Ephemeral bool
	// NoUI leaves out dev's Web UI.
	NoUI bool
	// NoTesting leaves the testing tasks out of the API (no worker has a
	// sandbox).
	NoTesting bool
	// Queues are the task queues a worker polls; empty: all of them.
	Queues []string
	// MaxActivities bounds a worker's concurrent activities per queue;
	// zero: the worker's default.
	MaxActivities int
	// StopTimeout is how long a stopping worker lets running activities
	// finish. Default worker.DefaultStopTimeout.
	StopTimeout time.Duration

	// BodyTimeout bounds how long an API request body may take to arrive
	// (a git push has its own, longer bound). Default
	// api.DefaultBodyTimeout.
	BodyTimeout time.Duration

	// APIURL is the API the client commands (submit, status, ...) call.
	// Default client.DefaultURL.
	APIURL string
	// Token is the client commands' bearer token. Default: the dev token
	// in DataDir (TokenFile), when there is one.
	Token string

	// FrontendOpen leaves dev's Temporal frontend without a token check;
	// only the bench sets it, to measure what the check costs.
	FrontendOpen bool
	// VisibilityNormal runs dev's visibility database at
	// synchronous=NORMAL; only the bench sets it, to measure what FULL
	// costs.
	VisibilityNormal bool

	legacySecret bool // COMPUTOR_JWT_SECRET is set
}

// FromEnv returns a Config with the settings of the environment: the one
// place the environment is read.
func FromEnv() Config {
	get := os.Getenv
	c := Config{
		DataDir:          get(EnvDataDir),
		TemporalAddr:     get(EnvTemporalAddr),
		TemporalHTTPAddr: get(EnvTemporalHTTPAddr),
		Namespace:        get(EnvNamespace),
		LogLevel:         get(EnvLogLevel),
		LogFormat:        get(EnvLogFormat),
		DatabaseURL:      get(EnvDatabaseURL),
		ReposDir:         get(EnvReposDir),
		WorkDir:          get(EnvWorkDir),
		SandboxStrict:    get(EnvSandboxStrict) == "1",
		JWTKeyFile:       get(EnvJWTKeyFile),
		JWKSURL:          get(EnvJWKSURL),
		JWTIssuer:        get(EnvJWTIssuer),
		JWTAudience:      get(EnvJWTAudience),
		TLS: temporalconn.TLSConfig{CertFile: get(EnvTLSCert), KeyFile: get(EnvTLSKey),
			CAFile: get(EnvTLSCA), ServerName: get(EnvTLSServer)},
		APIKey:      get(EnvAPIKey),
		APIAddr:     get(EnvAPIAddr),
		UIAddr:      get(EnvUIAddr),
		MetricsAddr: get(EnvMetricsAddr),
		UISecure:    get(EnvUISecure) == "1",
		APIURL:      get(EnvAPIURL),
		Token:       get(EnvToken),
	}
	c.legacySecret = get(EnvJWTSecret) != ""
	if v := get(EnvJWTMaxLife); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			d = -1 // Validate names it
		}
		c.JWTMaxLifetime = d
	}
	return c.WithDefaults()
}

// WithDefaults returns c with each zero field set to its default.
func (c Config) WithDefaults() Config {
	def := func(s *string, d string) {
		if *s == "" {
			*s = d
		}
	}
	def(&c.DataDir, DataDirDefault)
	def(&c.TemporalAddr, engine.DefaultTemporalAddr)
	def(&c.TemporalHTTPAddr, engine.DefaultTemporalHTTPAddr)
	def(&c.Namespace, engine.DefaultNamespace)
	def(&c.LogLevel, LogLevelDefault)
	def(&c.APIAddr, APIAddrDefault)
	def(&c.UIAddr, embedded.DefaultUIAddr)
	def(&c.APIURL, client.DefaultURL)
	if c.StopTimeout == 0 {
		c.StopTimeout = worker.DefaultStopTimeout
	}
	if c.JWTMaxLifetime == 0 {
		c.JWTMaxLifetime = auth.DefaultMaxLifetime
	}
	return c
}

// Validate names the first setting that cannot work.
func (c Config) Validate() error {
	var level slog.Level
	switch {
	case level.UnmarshalText([]byte(c.LogLevel)) != nil:
		return fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	case c.LogFormat != "" && c.LogFormat != "json" && c.LogFormat != "text":
		return fmt.Errorf("log format %q: want json or text", c.LogFormat)
	case c.legacySecret:
		return fmt.Errorf("%s is no longer read: Computor signs its tokens with an ES256 key, %s (make one with: computor key create FILE)", EnvJWTSecret, EnvJWTKeyFile)
	case c.JWTMaxLifetime < 0:
		return fmt.Errorf("%s must be positive", EnvJWTMaxLife)
	case c.StopTimeout <= 0:
		return errors.New("--stop-timeout must be positive")
	case c.MaxActivities < 0:
		return errors.New("--max-activities must not be negative")
	case c.Namespace == "temporal-system":
		// The server's own namespace: a service token for it would let the
		// services start system workflows.
		return fmt.Errorf("%s %q is the Temporal server's own namespace; use another", EnvNamespace, c.Namespace)
	}
	for _, q := range c.Queues {
		if !tasks.IsQueue(q) {
			return fmt.Errorf("--queues: unknown queue %q (known: %s)", q, strings.Join(tasks.Queues(), ", "))
		}
	}
	return nil
}

// LogValue shows the effective settings in a log line, secrets hidden.
func (c Config) LogValue() slog.Value {
	hidden := func(s string) string {
		if s == "" {
			return ""
		}
		return "(set)"
	}
	return slog.GroupValue(
		slog.String("data_dir", c.DataDir), slog.String("temporal", c.TemporalAddr), slog.String("namespace", c.Namespace),
		slog.String("database", redactURL(c.databaseURL())), slog.String("repos", c.reposDir()),
		slog.String("work_dir", c.WorkDir), slog.Bool("sandbox_strict", c.SandboxStrict),
		slog.String("jwt_key_file", c.keyFile()), slog.String("jwks_url", c.JWKSURL),
		slog.String("jwt_issuer", c.JWTIssuer), slog.String("jwt_audience", c.JWTAudience),
		slog.Bool("temporal_tls", c.TLS != (temporalconn.TLSConfig{})), slog.String("temporal_api_key", hidden(c.APIKey)),
	)
}

// redactURL hides the password of a database URL, in its user part or
// its query; what does not parse as a URL is hidden whole when it may
// hold one.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" {
		if strings.Contains(strings.ToLower(s), "password") {
			return "(hidden)"
		}
		return s
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}

func (c Config) databaseURL() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return filepath.Join(c.DataDir, DatabaseFile)
}

func (c Config) reposDir() string {
	if c.ReposDir != "" {
		return c.ReposDir
	}
	return filepath.Join(c.DataDir, ReposDirName)
}

// Logger builds the one logger of the process, writing to w.
func (c Config) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel)
	}
	opts := &slog.HandlerOptions{Level: level}
	format := c.LogFormat
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

func (c Config) keyFile() string {
	if c.JWTKeyFile != "" {
		return c.JWTKeyFile
	}
	return filepath.Join(c.DataDir, KeyFile)
}

// signingKey loads the key Computor signs its tokens with; with create,
// a missing key file is made (the dev stack's).
func (c Config) signingKey(create bool) (*auth.SigningKey, error) {
	path := c.keyFile()
	b, err := readPrivate(path)
	if err == nil {
		k, err := auth.ParseSigningKey(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		return k, nil
	}
	if errors.Is(err, errNotPrivate) {
		return nil, err
	}
	if !errors.Is(err, os.ErrNotExist) || !create {
		return nil, fmt.Errorf("no signing key: set %s (make one with: computor key create FILE), or run 'computor dev' once to create %s: %w", EnvJWTKeyFile, path, err)
	}
	k, err := auth.NewSigningKey()
	if err != nil {
		return nil, err
	}
	pemBytes, err := k.PEM()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	if err := writeFileAtomic(path, pemBytes, 0o600); err != nil {
		return nil, fmt.Errorf("write signing key: %w", err)
	}
	return k, nil
}

// verifier builds the token verifier: Computor's own key, and an identity
// provider's JWKS when JWKSURL is set. key may be nil when JWKSURL is set.
func (c Config) verifier(key *auth.SigningKey) (*auth.Verifier, error) {
	cfg := auth.Config{JWKSURL: c.JWKSURL, Issuer: c.JWTIssuer, Audience: c.JWTAudience, MaxLifetime: c.JWTMaxLifetime}
	if key != nil {
		cfg.Key = key.Public()
	}
	return auth.NewVerifier(cfg)
}

// keys loads what a process that serves the API needs: the signing key
// (optional with an identity provider) and the verifier.
func (c Config) keys(create bool) (*auth.SigningKey, *auth.Verifier, error) {
	key, err := c.signingKey(create)
	if err != nil && (c.JWKSURL == "" || errors.Is(err, errNotPrivate) || !errors.Is(err, os.ErrNotExist)) {
		return nil, nil, err
	}
	v, err := c.verifier(key)
	return key, v, err
}

// adminToken returns the bearer tokens of an admin at the Temporal
// frontend, for the setup of a namespace; nil without a signing key.
func (c Config) adminToken() func(context.Context) (string, error) {
	key, err := c.signingKey(false)
	if err != nil || c.APIKey != "" {
		return nil
	}
	return func(context.Context) (string, error) {
		return key.Mint(auth.Token{Subject: "computor-admin", Roles: []string{auth.RoleAdmin}, TTL: 10 * time.Minute,
			Audience: c.JWTAudience, Namespace: c.Namespace})
	}
}

// serviceToken returns the bearer tokens a service (roles
// auth.RoleAPIService and/or RoleWorkerService) shows the Temporal frontend:
// minted with key, a new one well before the last expires. Nil key: no
// tokens (TEMPORAL_API_KEY, or a frontend without a check).
func (c Config) serviceToken(key *auth.SigningKey, subject string, roles ...string) func(context.Context) (string, error) {
	if key == nil || c.APIKey != "" {
		return nil
	}
	const ttl = time.Hour
	var mu sync.Mutex
	var token string
	var renew time.Time
	return func(context.Context) (string, error) {
		mu.Lock()
		defer mu.Unlock()
		if token != "" && time.Now().Before(renew) {
			return token, nil
		}
		t, err := key.Mint(auth.Token{Subject: subject, Roles: roles, TTL: ttl,
			Audience: c.JWTAudience, Namespace: c.Namespace})
		if err != nil {
			return "", err
		}
		token, renew = t, time.Now().Add(ttl/2)
		return token, nil
	}
}

// errNotPrivate is a secret file that other users may read or change.
var errNotPrivate = errors.New("readable or writable by other users")

// readPrivate reads a secret file, refusing one that other users may read
// or write, and a symbolic link: anyone who reads the signing key can
// mint an admin token.
func readPrivate(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s is %w (mode %#o): chmod 600 it, and make a new key if others may have read it", path, errNotPrivate, st.Mode().Perm())
	}
	// A key that another user owns is one they may have chosen, or may
	// swap: it would sign tokens they know.
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() && sys.Uid != 0 {
		return nil, fmt.Errorf("%s is %w: owned by uid %d, not by this user (uid %d) or root: chown it, or make a new key", path, errNotPrivate, sys.Uid, os.Geteuid())
	}
	return io.ReadAll(f)
}

// writeFileAtomic writes through a new temporary file and a rename, so a
// crash never leaves half a file. The temporary file is created afresh
// (never opened through a name another user may have planted) and is
// private until its mode is set.
func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp) // after the rename there is nothing left to remove
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(perm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	// The rename itself survives a crash once the directory is synced.
	dir, err := os.Open(filepath.Dir(path))
	if err != nil {
		return err
	}
	defer dir.Close()
	return dir.Sync()
}

// stack is what every command that runs tasks or serves the API opens:
// the domain database, the repositories and, for a worker, the sandbox.
type stack struct {
	deps  tasks.Deps
	repos *git.Local
	// testing says whether the testing tasks can run: a worker needs a
	// working sandbox, the API trusts its workers to have one. When not,
	// noTesting says why, for whoever submits one.
	testing   bool
	noTesting string
	closers   []func()
}

// registry is the catalog of task types this stack runs; the testing
// types, when they cannot run, are known as unavailable with the reason.
func (s *stack) registry() (*tasks.Registry, error) {
	reg, err := catalog.New(s.deps, s.testing)
	if err != nil {
		return nil, err
	}
	if !s.testing {
		reg.SetUnavailable(s.noTesting, catalog.Testing()...)
	}
	return reg, nil
}

func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// openStack opens the domain database and the repository service; with
// withSandbox, also the sandbox that runs student code.
func (c Config) openStack(ctx context.Context, withSandbox bool, logger *slog.Logger) (*stack, error) {
	if c.DatabaseURL == "" {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	st, err := store.Open(ctx, c.databaseURL())
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	s := &stack{closers: []func(){func() { _ = st.Close() }}, testing: true}
	if s.repos, err = git.NewLocal(c.reposDir(), git.WithLogger(logger)); err != nil {
		s.close()
		return nil, fmt.Errorf("open repositories: %w", err)
	}
	s.deps = tasks.Deps{Store: st, Repos: s.repos}
	if !withSandbox {
		return s, nil
	}
	sb, err := sandbox.NewBubblewrap(sandbox.Config{WorkRoot: c.WorkDir})
	switch {
	case errors.Is(err, derrors.Invalid):
		s.close()
		return nil, fmt.Errorf("sandbox: %w", err)
	case err != nil:
		logger.Warn("student_testing and submission_processing are off: no working sandbox (apt-get install bubblewrap)", "err", err)
		s.testing, s.noTesting = false, "no working sandbox here: install bubblewrap (apt-get install bubblewrap) and restart"
	case !sb.Isolation().Complete() && c.SandboxStrict:
		iso := sb.Isolation()
		_ = sb.Close()
		logger.Error("student_testing and submission_processing are off: "+EnvSandboxStrict+"=1 and the sandbox lacks a defence on this host",
			"isolation", iso.String(), "why", strings.Join(iso.Notes, "; "))
		s.testing, s.noTesting = false, "the sandbox lacks a defence on this host and "+EnvSandboxStrict+"=1 asks for all of them"
	default:
		s.deps.Sandbox = sb
		s.closers = append(s.closers, func() { _ = sb.Close() })
		if iso := sb.Isolation(); iso.Complete() {
			logger.Info("sandbox ready", "isolation", iso.String())
		} else {
			logger.Warn("sandbox runs with weaker isolation on this host", "isolation", iso.String(), "why", strings.Join(iso.Notes, "; "))
		}
	}
	return s, nil
}

// temporalClient is how to reach Temporal: address, namespace, and TLS or
// an API key when they are set.
func (c Config) temporalClient(identity string, token func(context.Context) (string, error), logger *slog.Logger) engine.ClientConfig {
	cfg := engine.ClientConfig{Addr: c.TemporalAddr, Namespace: c.Namespace, Identity: identity, Logger: logger,
		APIKey: c.APIKey, Token: token}
	if c.TLS != (temporalconn.TLSConfig{}) {
		t := c.TLS
		cfg.TLS = &t
	}
	return cfg
}
