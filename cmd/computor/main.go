// Command computor runs Computor's durable task service on Temporal. It
// parses the command line into an app.Config and runs the command; the
// commands themselves are in package app.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

// command is one subcommand: a line of help, and what it does with its
// arguments.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = []command{
	{"dev", "everything in one process: Temporal on SQLite, Web UI, API, worker", runDev},
	{"api", "the HTTP API against a Temporal cluster (TEMPORAL_ADDRESS)", runAPI},
	{"worker", "a worker against a Temporal cluster (TEMPORAL_ADDRESS)", runWorker},
	{"token", "mint a JWT for the API", runToken},
	{"namespace", "namespace create [name]: the namespace and its search attributes on a cluster", runNamespace},
	{"ui", "the Temporal Web UI of a cluster, behind the admin login", runUI},
	{"key", "key create FILE | key jwks: the signing key of Computor's tokens", runKey},
	{"bench", "tasks per second and latency through the API and the SDK, same run", runBench},
}

func usage() string {
	var b strings.Builder
	b.WriteString("computor runs Computor's durable task service on Temporal.\n\nUsage:\n")
	for _, c := range commands {
		fmt.Fprintf(&b, "  computor %-10s %s\n", c.name, c.summary)
	}
	b.WriteString("\nRun 'computor <command> -h' for the flags of a command.\n")
	return b.String()
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "computor:", err)
		os.Exit(1)
	}
}

// run dispatches a subcommand; ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return errors.New("no command given")
	}
	switch args[0] {
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage())
		return nil
	}
	for _, c := range commands {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	fmt.Fprint(stderr, usage())
	return fmt.Errorf("unknown command %q", args[0])
}

// flags returns a command's flag set, with the description its -h shows
// first, writing to w.
func flags(name, description string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "Usage: computor %s [flags]\n\n%s\n\nFlags:\n", name, description)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses a command's flags; positional arguments are an error.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(0))
	}
	return nil
}

// The flags commands share, each defaulting to its environment variable.
func dataDirFlag(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory ("+app.EnvDataDir+")")
}

func temporalFlags(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.TemporalAddr, "temporal-addr", c.TemporalAddr, "Temporal frontend host:port ("+app.EnvTemporalAddr+")")
	fs.StringVar(&c.Namespace, "namespace", c.Namespace, "Temporal namespace ("+app.EnvNamespace+")")
}

func logFlags(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error ("+app.EnvLogLevel+")")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text; default text on a terminal, json otherwise ("+app.EnvLogFormat+")")
}

func storeFlags(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "domain database: postgres://... or a SQLite file; default <data-dir>/"+app.DatabaseFile+" ("+app.EnvDatabaseURL+")")
	fs.StringVar(&c.ReposDir, "repos-dir", c.ReposDir, "git repositories; default <data-dir>/"+app.ReposDirName+" ("+app.EnvReposDir+")")
}

func metricsFlag(fs *flag.FlagSet, c *app.Config) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "where /metrics (and a worker's /healthz) listen, apart from the API; empty: off ("+app.EnvMetricsAddr+")")
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("dev", "Runs everything in one process: Temporal on SQLite, the Web UI, the API and a worker on every queue.", stderr)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	storeFlags(fs, &c)
	fs.StringVar(&c.APIAddr, "api-addr", c.APIAddr, "where the API listens ("+app.EnvAPIAddr+")")
	fs.StringVar(&c.UIAddr, "ui-addr", c.UIAddr, "where the Temporal Web UI listens ("+app.EnvUIAddr+")")
	fs.StringVar(&c.TemporalHTTPAddr, "temporal-http-addr", c.TemporalHTTPAddr, "where Temporal's HTTP API and Nexus listen ("+app.EnvTemporalHTTPAddr+")")
	fs.BoolVar(&c.Ephemeral, "ephemeral", false, "keep Temporal's database in memory: nothing survives a restart")
	fs.BoolVar(&c.NoUI, "no-ui", false, "do not serve the Web UI")
	fs.IntVar(&c.MaxActivities, "max-activities", 0, "activities the worker runs at once per queue (default 100 per CPU)")
	metricsFlag(fs, &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	return app.Dev(ctx, c, stdout, stderr)
}

func runAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("api", "Serves the HTTP API against a Temporal cluster.", stderr)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	storeFlags(fs, &c)
	fs.StringVar(&c.APIAddr, "api-addr", c.APIAddr, "where the API listens ("+app.EnvAPIAddr+")")
	fs.BoolVar(&c.NoTesting, "no-testing", false, "do not offer student_testing and submission_processing (no worker has a sandbox)")
	metricsFlag(fs, &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	return app.API(ctx, c, stdout, stderr)
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("worker", "Runs a worker against a Temporal cluster; without a queue flag it polls all three.", stderr)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	storeFlags(fs, &c)
	queues := fs.String("queues", "", "comma-separated queues to poll")
	high := fs.Bool("high-priority", false, "poll "+tasks.QueueHigh)
	standard := fs.Bool("default", false, "poll "+tasks.QueueDefault)
	low := fs.Bool("low-priority", false, "poll "+tasks.QueueLow)
	fs.DurationVar(&c.StopTimeout, "stop-timeout", c.StopTimeout, "how long running activities may finish after SIGINT/SIGTERM")
	fs.IntVar(&c.MaxActivities, "max-activities", 0, "activities run at once per queue (default 100 per CPU)")
	metricsFlag(fs, &c)
	if err := parse(fs, args); err != nil {
		return err
	}
	add := func(q string) {
		if q != "" && !contains(c.Queues, q) {
			c.Queues = append(c.Queues, q)
		}
	}
	for q := range strings.SplitSeq(*queues, ",") {
		add(strings.TrimSpace(q))
	}
	if *standard {
		add(tasks.QueueDefault)
	}
	if *high {
		add(tasks.QueueHigh)
	}
	if *low {
		add(tasks.QueueLow)
	}
	return app.Worker(ctx, c, stdout, stderr)
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func runToken(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("token", "Prints a JWT for the API, signed with the configured secret (the dev secret in the data dir by default).", stderr)
	dataDirFlag(fs, &c)
	sub := fs.String("sub", "", "the token's subject: the username (required)")
	role := fs.String("role", "", "comma-separated roles; admin is the only one the API knows")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid")
	if err := parse(fs, args); err != nil {
		return err
	}
	var roles []string
	for r := range strings.SplitSeq(*role, ",") {
		if r = strings.TrimSpace(r); r != "" {
			roles = append(roles, r)
		}
	}
	token, err := app.Token(c, *sub, roles, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, token)
	return nil
}

func runNamespace(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprintln(stdout, "Usage: computor namespace create [flags] [name]\n\nCreates the namespace and Computor's search attributes on a Temporal cluster; does nothing where they exist.")
		return nil
	}
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprintln(stderr, "usage: computor namespace create [flags] [name]")
		return errors.New("namespace: the only subcommand is create")
	}
	c := app.FromEnv()
	fs := flags("namespace create", "Creates the namespace and Computor's search attributes on a Temporal cluster; does nothing where they exist.", stderr)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	retention := fs.Duration("retention", engine.DefaultRetention, "how long finished tasks stay visible")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the cluster")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.Namespace = fs.Arg(0)
	default:
		return fmt.Errorf("namespace create: one name at most, got %q", fs.Args())
	}
	return app.CreateNamespace(ctx, c, *retention, *timeout, stdout, stderr)
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	if os.Getenv(app.EnvLogLevel) == "" {
		c.LogLevel = "warn" // a line per task would bury the progress
	}
	fs := flags("bench", "Submits N tasks through the API and the same N through the Temporal SDK on the same server, and prints latency percentiles, tasks per second and their ratio.", stderr)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	var o app.BenchOptions
	fs.IntVar(&o.N, "n", 200, "tasks per path")
	fs.IntVar(&o.Clients, "clients", 16, "concurrent clients; each submits a task and waits for it to finish, then the next")
	fs.StringVar(&o.Task, "task", "example_long_running", "task type")
	fs.StringVar(&o.Params, "params", `{"duration":0}`, "task parameters (JSON)")
	fs.IntVar(&o.Priority, "priority", 0, "submit priority")
	fs.StringVar(&o.APIURL, "api", "", "API of a running stack (default: start an embedded one)")
	fs.StringVar(&o.Token, "token", "", "bearer token for --api (default: minted with the configured secret)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.SkipSDK, "skip-sdk", false, "measure only the API")
	fs.BoolVar(&o.SkipAPI, "skip-api", false, "measure only the SDK")
	fs.BoolVar(&c.Ephemeral, "ephemeral", false, "embedded stack keeps Temporal in memory (default: a file database in a temporary data dir)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured phases to this file")
	var openFrontend bool
	fs.BoolVar(&openFrontend, "compare-open-frontend", false, "the same as --compare open-frontend")
	fs.StringVar(&o.Compare, "compare", "", "also measure the API, by turns, on a second stack without one safeguard: "+compareNames())
	if err := parse(fs, args); err != nil {
		return err
	}
	if openFrontend && o.Compare == "" {
		o.Compare = "open-frontend"
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data-dir":
			o.OwnDataDir = true
		case "temporal-addr":
			o.OwnTemporalAddr = true
		}
	})
	o.OwnDataDir = o.OwnDataDir || os.Getenv(app.EnvDataDir) != ""
	o.OwnTemporalAddr = o.OwnTemporalAddr || os.Getenv(app.EnvTemporalAddr) != ""
	return app.Bench(ctx, c, o, stdout, stderr)
}

// compareNames lists the baselines of bench --compare.
func compareNames() string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(app.Comparisons)) {
		out = append(out, name+" ("+app.Comparisons[name].What+")")
	}
	return strings.Join(out, ", ")
}

func runUI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("ui", "Serves the Temporal Web UI of a cluster behind the admin login: admins paste a token; others are refused.", stderr)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	fs.StringVar(&c.UIAddr, "ui-addr", c.UIAddr, "where the Web UI listens ("+app.EnvUIAddr+")")
	if err := parse(fs, args); err != nil {
		return err
	}
	return app.UI(ctx, c, stdout, stderr)
}

func runKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	const usage = "Usage: computor key create FILE | computor key jwks [flags]\n\n" +
		"create writes a new ES256 signing key (mode 0600) for " + app.EnvJWTKeyFile + ";\n" +
		"jwks prints the public key of the configured one as a JSON Web Key Set, for a Temporal server's keySourceURIs."
	switch {
	case len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
		fmt.Fprintln(stdout, usage)
		return nil
	case len(args) == 2 && args[0] == "create":
		return app.KeyCreate(args[1], stdout)
	case len(args) >= 1 && args[0] == "jwks":
		c := app.FromEnv()
		fs := flags("key jwks", "Prints the public key of the signing key as a JSON Web Key Set.", stderr)
		dataDirFlag(fs, &c)
		if err := parse(fs, args[1:]); err != nil {
			return err
		}
		return app.KeyJWKS(c, stdout)
	}
	fmt.Fprintln(stderr, usage)
	return errors.New("key: want create FILE or jwks")
}
