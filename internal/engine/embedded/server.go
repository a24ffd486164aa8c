package embedded

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"go.temporal.io/server/common/authorization"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/common/membership/static"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/engine/embedded/walsync"
)

// Defaults of the embedded server.
const (
	// DatabaseFile is the SQLite file of the embedded server in the data dir.
	DatabaseFile = "temporal.db"
	// VisibilityDatabaseFile holds the embedded server's visibility records.
	VisibilityDatabaseFile = "temporal-visibility.db"
	clusterName            = "active"

	loopback = "127.0.0.1"
)

// ServerConfig configures the embedded Temporal server. Zero values mean
// the defaults.
type ServerConfig struct {
	// DataDir holds the SQLite database (DatabaseFile). Required unless
	// Ephemeral.
	DataDir string
	// Ephemeral keeps everything in memory: nothing survives a restart.
	Ephemeral bool
	// Addr is where the frontend serves gRPC. Default engine.DefaultTemporalAddr.
	Addr string
	// HTTPAddr is where the frontend serves Temporal's HTTP API and Nexus
	// (its callbacks and dispatch). Default engine.DefaultTemporalHTTPAddr.
	HTTPAddr string
	// Namespace is created at start with the search attributes. Default
	// DefaultNamespace.
	Namespace string
	// Logger receives the server's warnings and errors. Default: discard.
	Logger *slog.Logger
	// DynamicConfig overrides the tuned defaults of DefaultDynamicConfig.
	DynamicConfig map[string]any
	// Access, when set, requires a token on every call to the frontend.
	// The server's own services then reach it through an internal
	// frontend on loopback that takes no token.
	Access *Access
	// VisibilityNormal runs the visibility database at synchronous=NORMAL
	// instead of FULL, losing its durability: only to measure what FULL
	// costs (computor bench --compare visibility-normal).
	VisibilityNormal bool
}

func (c ServerConfig) withDefaults() ServerConfig {
	if c.Addr == "" {
		c.Addr = engine.DefaultTemporalAddr
	}
	if c.HTTPAddr == "" {
		c.HTTPAddr = engine.DefaultTemporalHTTPAddr
	}
	if c.Namespace == "" {
		c.Namespace = engine.DefaultNamespace
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// Server is a Temporal server (frontend, history, matching and worker
// services) running inside this process on SQLite.
type Server struct {
	cfg    ServerConfig
	server temporal.Server
	wal    *walsync.Syncer // nil when ephemeral
	// syncFailed logs the first failure of Sync once.
	syncFailed sync.Once
}

// DefaultDynamicConfig is the dynamic config of the embedded server. The
// stock defaults suit a cluster of many hosts; one process on a small
// machine wants queue readers that do not wait and one partition per task
// queue (see docs/PERFORMANCE.md).
func DefaultDynamicConfig() map[string]any {
	return map[string]any{
		"system.forceSearchAttributesCacheRefreshOnRead": true,
		"history.transferProcessorMaxPollRPS":            2000,
		"history.timerProcessorMaxPollRPS":               2000,
		"history.visibilityProcessorMaxPollRPS":          2000,
		"matching.numTaskqueueReadPartitions":            1,
		"matching.numTaskqueueWritePartitions":           1,
		"matching.enableFairness":                        true,
	}
}

// StartServer starts the embedded server and returns once its frontend
// answers. A taken port is an error that names it.
func StartServer(ctx context.Context, cfg ServerConfig) (*Server, error) {
	cfg = cfg.withDefaults()
	if err := CheckAddrFree("temporal", cfg.Addr); err != nil {
		return nil, err
	}
	if err := CheckAddrFree("temporal http", cfg.HTTPAddr); err != nil {
		return nil, err
	}
	host, port, err := splitHostPort(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("temporal address %q: %w", cfg.Addr, err)
	}
	httpHost, httpPort, err := splitHostPort(cfg.HTTPAddr)
	if err != nil {
		return nil, fmt.Errorf("temporal http address %q: %w", cfg.HTTPAddr, err)
	}
	if httpHost != host {
		return nil, fmt.Errorf("temporal http address %s: must be on the gRPC address's host %s", cfg.HTTPAddr, host)
	}

	sqlCfg := &config.SQL{
		PluginName:        sqliteplugin.PluginName,
		ConnectAttributes: map[string]string{},
	}
	if cfg.Ephemeral {
		sqlCfg.DatabaseName = "computor-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared"
	} else {
		if cfg.DataDir == "" {
			return nil, errors.New("embedded temporal: DataDir is required unless Ephemeral")
		}
		path := filepath.Join(cfg.DataDir, DatabaseFile)
		if err := ensureSchema(path); err != nil {
			return nil, err
		}
		if err := expectSQLite(path, syncNormal); err != nil {
			return nil, fmt.Errorf("temporal database: %w", err)
		}
		sqlCfg.DatabaseName = uriPath(path)
		for k, v := range SQLitePragmas() {
			sqlCfg.ConnectAttributes[k] = v
		}
		// One connection: with more, writers wait on SQLite's lock in busy
		// loops, and throughput halves (docs/PERFORMANCE.md).
		sqlCfg.MaxConns = 1
	}
	// Visibility (the records GET /tasks lists) lives in a file of its
	// own: its writes then commit beside the executions' instead of
	// queueing behind them on one connection.
	// Its commits are fsynced each (synchronous=FULL): they are not on a
	// request's path, and the group commit of temporal.db does not cover
	// this file. Without it, a power loss could keep the deletion of a
	// finished visibility task (in temporal.db, made durable by the next
	// submit's fsync) but lose the record it wrote, and GET /tasks would
	// miss that task for good.
	visCfg := sqlCfg
	if !cfg.Ephemeral {
		v := *sqlCfg
		v.ConnectAttributes = maps.Clone(sqlCfg.ConnectAttributes)
		visSync := syncFull
		v.ConnectAttributes["synchronous"] = "full"
		if cfg.VisibilityNormal {
			visSync = syncNormal
			v.ConnectAttributes["synchronous"] = "normal"
		}
		visPath := filepath.Join(cfg.DataDir, VisibilityDatabaseFile)
		if err := ensureSchema(visPath); err != nil {
			return nil, err
		}
		if err := expectSQLite(visPath, visSync); err != nil {
			return nil, fmt.Errorf("temporal visibility database: %w", err)
		}
		v.DatabaseName = uriPath(visPath)
		visCfg = &v
	}

	ns, err := sqliteschema.NewNamespaceConfig(clusterName, cfg.Namespace, false, engine.SearchAttributes())
	if err != nil {
		return nil, fmt.Errorf("namespace config: %w", err)
	}
	if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil {
		return nil, fmt.Errorf("create namespace %q: %w", cfg.Namespace, err)
	}

	ports, err := freePorts(4)
	if err != nil {
		return nil, err
	}
	// Only the frontend checks who calls; the services behind it, and the
	// internal frontend, listen on loopback whatever the frontend's host.
	svc := func(p int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: p, BindOnIP: loopback}}
	}
	serverCfg := &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: host},
			// Metrics stay nil: a noop handler. The server's own metrics are not
			// part of Computor's /metrics.
		},
		Persistence: config.Persistence{
			DefaultStore:     sqliteplugin.PluginName,
			VisibilityStore:  "sqlite-visibility",
			NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{
				sqliteplugin.PluginName: {SQL: sqlCfg},
				"sqlite-visibility":     {SQL: visCfg},
			},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        clusterName,
			CurrentClusterName:       clusterName,
			ClusterInformation: map[string]cluster.ClusterInformation{
				clusterName: {Enabled: true, InitialFailoverVersion: 1, RPCAddress: cfg.Addr, HTTPAddress: cfg.HTTPAddr},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": {RPC: config.RPC{GRPCPort: port, HTTPPort: httpPort, BindOnIP: host}},
			"history":  svc(ports[0]),
			"matching": svc(ports[1]),
			"worker":   svc(ports[2]),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
			Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
		}},
		PublicClient: config.PublicClient{HostPort: cfg.Addr},
	}

	dc := dynamicconfig.StaticClient{}
	values := DefaultDynamicConfig()
	// Nexus: an operation's completion calls back to the frontend's HTTP
	// address, the only callback address allowed (plain HTTP: loopback).
	values["component.nexusoperations.callback.endpoint.template"] = "http://" + cfg.HTTPAddr + "/namespaces/{{.NamespaceName}}/nexus/callback"
	values["component.callbacks.allowedAddresses"] = []map[string]any{{"Pattern": cfg.HTTPAddr, "AllowInsecure": true}}
	for k, v := range cfg.DynamicConfig {
		values[k] = v
	}
	for k, v := range values {
		dc[dynamicconfig.MakeKey(k)] = []dynamicconfig.ConstrainedValue{{Value: v}}
	}

	hostPort := func(h string, p int) static.Hosts {
		return static.SingleLocalHost(net.JoinHostPort(h, strconv.Itoa(p)))
	}
	hosts := map[primitives.ServiceName]static.Hosts{
		primitives.FrontendService: hostPort(host, port),
		primitives.HistoryService:  hostPort(loopback, ports[0]),
		primitives.MatchingService: hostPort(loopback, ports[1]),
		primitives.WorkerService:   hostPort(loopback, ports[2]),
	}
	services := temporal.DefaultServices
	opts := []temporal.ServerOption{
		temporal.WithLogger(newServerLogger(cfg.Logger)),
		temporal.WithDynamicConfigClient(dc),
	}
	if cfg.Access != nil {
		// The server's own workers (schedules, batches, the scanners)
		// call a frontend; they get the internal one, which trusts them
		// as admins: so the services behind the frontend take only
		// callers with this process's certificate.
		internode, err := internodeTLS()
		if err != nil {
			return nil, err
		}
		serverCfg.Global.TLS.Internode = internode
		internal := primitives.InternalFrontendService
		serverCfg.Services[string(internal)] = svc(ports[3])
		hosts[internal] = hostPort(loopback, ports[3])
		services = append(slices.Clone(services), string(internal))
		serverCfg.PublicClient = config.PublicClient{}
		info := serverCfg.ClusterMetadata.ClusterInformation[clusterName]
		info.RPCAddress = net.JoinHostPort(loopback, strconv.Itoa(ports[3]))
		serverCfg.ClusterMetadata.ClusterInformation[clusterName] = info
		logger := cfg.Access.Logger
		if logger == nil {
			logger = cfg.Logger
		}
		mapper := claimMapper{access: cfg.Access}
		opts = append(opts,
			temporal.WithClaimMapper(func(*config.Config) authorization.ClaimMapper { return mapper }),
			temporal.WithAuthorizer(authorizer{logger: logger}),
		)
	}
	srv, err := temporal.NewServer(append(opts,
		temporal.WithConfig(serverCfg),
		temporal.ForServices(services),
		temporal.WithStaticHosts(hosts),
	)...)
	if err != nil {
		return nil, fmt.Errorf("create embedded temporal: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("start embedded temporal: %w", err)
	}
	out := &Server{cfg: cfg, server: srv}
	if !cfg.Ephemeral {
		out.wal = walsync.New(filepath.Join(cfg.DataDir, DatabaseFile) + "-wal")
	}
	return out, nil
}

// Sync returns once every commit the server made before the call is on the
// disk: one fsync of the write-ahead log, shared by concurrent callers
// (package walsync). Acknowledge a submit only after Sync, and a power loss
// cannot take it back. Without a file database it does nothing.
func (s *Server) Sync() error {
	if s.wal == nil {
		return nil
	}
	err := s.wal.Sync()
	if err != nil {
		s.syncFailed.Do(func() {
			s.cfg.Logger.Error("the Temporal database could not be synced to disk: submits and cancels are refused (503) and /readyz is not ready until a restart",
				"err", err, "what_to_do", "check the disk (dmesg, free space) under the data dir, then restart computor: SQLite recovers from what is on the disk; tasks acknowledged before the failure are kept")
		})
	}
	return err
}

// SyncErr is the fsync failure that stopped Sync for good, nil while
// syncing works: a reason to report not ready.
func (s *Server) SyncErr() error {
	if s.wal == nil {
		return nil
	}
	return s.wal.Err()
}

// SQLitePragmas are the SQLite settings of the file database. WAL lets
// readers run beside the writer. synchronous=NORMAL writes each commit to
// the WAL without an fsync: a crash of the process loses nothing (the
// writes are in the kernel), and a power loss can lose only commits made
// after the last fsync. The API closes that gap for what it acknowledges:
// it calls Server.Sync before answering a submit or a cancel, and
// concurrent requests share the fsync (group commit), where FULL would
// fsync every one of the several commits of every task in turn.
func SQLitePragmas() map[string]string {
	return map[string]string{
		"mode":         "rwc",
		"journal_mode": "wal",
		"synchronous":  "normal",
		"busy_timeout": "10000",
	}
}

// ensureSchema creates the database file with Temporal's schema when it does
// not exist yet. It builds the schema in a temporary file and renames it
// into place, so a crash during setup never leaves a half-made database.
func ensureSchema(path string) error {
	if _, err := os.Stat(path); err == nil {
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("temporal database: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("temporal database dir: %w", err)
	}
	tmp := path + ".setup"
	_ = os.Remove(tmp)
	err := sqliteschema.SetupSchema(&config.SQL{
		PluginName:        sqliteplugin.PluginName,
		DatabaseName:      uriPath(tmp),
		ConnectAttributes: map[string]string{"mode": "rwc"},
	})
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("create temporal schema: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("create temporal database: %w", err)
	}
	return nil
}

// Addr returns the frontend's gRPC address.
func (s *Server) Addr() string { return s.cfg.Addr }

// Namespace returns the namespace the server was started with.
func (s *Server) Namespace() string { return s.cfg.Namespace }

// Stop stops the server.
func (s *Server) Stop() error {
	err := s.server.Stop()
	if s.wal != nil {
		s.wal.Close()
	}
	return err
}

// CheckAddrFree returns an error naming the address when something already
// listens there. what says which part wanted it.
func CheckAddrFree(what, addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("%s address %s is not available (is another computor or temporal running?): %w", what, addr, err)
	}
	return l.Close()
}

func splitHostPort(addr string) (string, int, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	port, err := strconv.Atoi(p)
	if err != nil || port <= 0 || port > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	if host == "" || host == "localhost" {
		host = "127.0.0.1"
	}
	return host, port, nil
}

// freePorts returns n distinct ports the kernel reports free on loopback.
func freePorts(n int) ([]int, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("find a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
