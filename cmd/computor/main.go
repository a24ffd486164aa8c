// Command computor runs Computor's durable task service on Temporal, and is
// a client of its API. It parses the command line into an app.Config and
// runs the command; the commands themselves are in package app, and the
// client's (submit, status, result, cancel, list, types) in package client.
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/client"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

// command is one subcommand: a line of help, and what it does with its
// arguments.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

// group is a heading of the top-level help and its commands.
type group struct {
	heading  string
	commands []command
}

// groups lists every command, one line each, under what it is for.
var groups = []group{
	{"Run the service:", []command{
		{"dev", "everything in one process: Temporal on SQLite, Web UI, API, worker", runDev},
		{"api", "the HTTP API against a Temporal cluster (TEMPORAL_ADDRESS)", runAPI},
		{"worker", "a worker against a Temporal cluster (TEMPORAL_ADDRESS)", runWorker},
		{"ui", "the Temporal Web UI of a cluster, behind the admin login", runUI},
		{"namespace", "namespace create [NAME]: the namespace and its search attributes on a cluster", runNamespace},
		{"bench", "tasks per second and latency through the API and the SDK, same run", runBench},
	}},
	{"Keys and tokens:", []command{
		{"key", "key create FILE | key jwks: the signing key of Computor's tokens", runKey},
		{"token", "mint a JWT for the API", runToken},
	}},
	{"Use a running API (--api or " + app.EnvAPIURL + ", --token or " + app.EnvToken + "):", []command{
		{"submit", "submit TASK [-p key=value ...] [--wait]: start a task, and follow it", runSubmit},
		{"status", "status ID: a task's status and progress", runStatus},
		{"result", "result ID [--wait]: a task's result, once it has ended", runResult},
		{"cancel", "cancel ID: ask a running task to stop", runCancel},
		{"list", "list [--status S] [--task T] [--limit N]: your tasks, newest first", runList},
		{"types", "types [NAME]: the task types, or one type's parameters", runTypes},
	}},
}

func usage() string {
	var b strings.Builder
	b.WriteString("computor runs Computor's durable task service on Temporal, and is a client of its API.\n\n")
	b.WriteString("Usage: computor <command> [flags] [arguments]\n")
	for _, g := range groups {
		b.WriteString("\n" + g.heading + "\n")
		for _, c := range g.commands {
			fmt.Fprintf(&b, "  computor %-10s %s\n", c.name, c.summary)
		}
	}
	b.WriteString("\nRun 'computor <command> -h' or 'computor help <command>' for what a command does and its flags.\n\n")
	b.WriteString(client.ExitCodes + "\n\n")
	b.WriteString("Other commands exit 0 on success, 1 on an error and 2 on a bad command line.\n")
	return b.String()
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, g := range groups {
		for _, c := range g.commands {
			if c.name == name {
				return c, true
			}
		}
	}
	return command{}, false
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(exitCode(err, os.Stderr))
}

// exitCode says what went wrong on stderr and returns the process's exit
// code: 0 for none (or help), a client command's own code, 2 for a bad
// command line, 1 for any other error.
func exitCode(err error, stderr io.Writer) int {
	var exit *client.ExitError
	var usage *usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &exit):
		if exit.Err != nil {
			fmt.Fprintln(stderr, "computor:", exit.Err)
		}
		return exit.Code
	case errors.As(err, &usage):
		fmt.Fprintln(stderr, "computor:", err)
		return client.ExitUsage
	}
	fmt.Fprintln(stderr, "computor:", err)
	return 1
}

// usageError is a command line that does not parse.
type usageError struct {
	err  error
	hint string // how to get help
}

func (e *usageError) Error() string {
	if e.hint == "" {
		return e.err.Error()
	}
	return e.err.Error() + "\n" + e.hint
}

func (e *usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error {
	return &usageError{err: fmt.Errorf(format, args...), hint: "Run 'computor help' for the commands."}
}

// isHelp reports whether arg asks for help.
func isHelp(arg string) bool {
	switch arg {
	case "-h", "-help", "--help", "help":
		return true
	}
	return false
}

// run dispatches a subcommand; ctx ends on SIGINT or SIGTERM.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage())
		return &usageError{err: errors.New("no command given")}
	}
	if isHelp(args[0]) {
		if len(args) > 1 && args[0] == "help" {
			if c, ok := lookup(args[1]); ok {
				return c.run(ctx, []string{"-h"}, stdout, stderr)
			}
			return usageErrorf("help: unknown command %q", args[1])
		}
		fmt.Fprint(stdout, usage())
		return nil
	}
	if c, ok := lookup(args[0]); ok {
		return c.run(ctx, args[1:], stdout, stderr)
	}
	return usageErrorf("unknown command %q", args[0])
}

// cmdFlags is a command's flags and its help, which says what the command
// does first, then how to call it, then each flag.
type cmdFlags struct {
	*flag.FlagSet
	synopsis    string // after "computor ": "submit TASK [flags]"
	description string
	more        string // after the flags; may be empty
	stdout      io.Writer
	help        bytes.Buffer // what the flag package writes
}

// flags returns a command's flag set. Its help goes to stdout when asked
// for; a flag that does not parse is an error that names it.
func flags(synopsis, description string, stdout io.Writer) *cmdFlags {
	var words []string
	for w := range strings.FieldsSeq(synopsis) {
		if strings.ToLower(w) != w || strings.ContainsAny(w[:1], "[-|") {
			break // an argument, or the flags
		}
		words = append(words, w)
	}
	name := strings.Join(words, " ")
	f := &cmdFlags{FlagSet: flag.NewFlagSet(name, flag.ContinueOnError), synopsis: synopsis, description: description, stdout: stdout}
	f.SetOutput(&f.help)
	f.Usage = func() {} // printHelp prints it, only when asked for
	return f
}

// printHelp writes the command's help to w.
func (f *cmdFlags) printHelp(w io.Writer) {
	fmt.Fprintf(w, "%s\n\nUsage:\n  computor %s\n", wrap(f.description, 78), f.synopsis)
	var n int
	f.VisitAll(func(*flag.Flag) { n++ })
	if n > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		f.SetOutput(w)
		f.PrintDefaults()
		f.SetOutput(&f.help)
	}
	if f.more != "" {
		fmt.Fprintf(w, "\n%s\n", f.more)
	}
}

// parse parses flags and positional arguments, in any order ("--" ends
// the flags), and checks that there are between lo and hi positional
// arguments. -h prints the help to stdout and returns flag.ErrHelp.
func (f *cmdFlags) parse(args []string, lo, hi int) ([]string, error) {
	var pos []string
	for {
		err := f.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			f.printHelp(f.stdout)
			return nil, err
		}
		if err != nil {
			return nil, f.usageError(err)
		}
		rest := f.Args()
		if len(rest) == 0 {
			break
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	switch {
	case len(pos) < lo:
		return nil, f.usageError(fmt.Errorf("want %d argument(s): computor %s", lo, f.synopsis))
	case len(pos) > hi && hi == 0:
		return nil, f.usageError(fmt.Errorf("unexpected argument %q", pos[0]))
	case len(pos) > hi:
		return nil, f.usageError(fmt.Errorf("unexpected argument %q: computor %s", pos[hi], f.synopsis))
	}
	return pos, nil
}

// usageError names the command, and how to get its help.
func (f *cmdFlags) usageError(err error) error {
	return &usageError{err: fmt.Errorf("%s: %w", f.Name(), err), hint: fmt.Sprintf("Run 'computor %s -h' for its flags.", f.Name())}
}

// wrap breaks a paragraph into lines of at most width columns.
func wrap(s string, width int) string {
	var b strings.Builder
	var line int
	for i, w := range strings.Fields(s) {
		switch {
		case i == 0:
		case line+1+len(w) > width:
			b.WriteByte('\n')
			line = 0
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(w)
		line += len(w)
	}
	return b.String()
}

// The flags commands share, each defaulting to its environment variable.
func dataDirFlag(fs *cmdFlags, c *app.Config) {
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory ("+app.EnvDataDir+")")
}

func temporalFlags(fs *cmdFlags, c *app.Config) {
	fs.StringVar(&c.TemporalAddr, "temporal-addr", c.TemporalAddr, "Temporal frontend host:port ("+app.EnvTemporalAddr+")")
	fs.StringVar(&c.Namespace, "namespace", c.Namespace, "Temporal namespace ("+app.EnvNamespace+")")
}

func logFlags(fs *cmdFlags, c *app.Config) {
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error ("+app.EnvLogLevel+")")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "json or text; default text on a terminal, json otherwise ("+app.EnvLogFormat+")")
}

func storeFlags(fs *cmdFlags, c *app.Config) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "domain database: postgres://... or a SQLite file; default <data-dir>/"+app.DatabaseFile+" ("+app.EnvDatabaseURL+")")
	fs.StringVar(&c.ReposDir, "repos-dir", c.ReposDir, "git repositories; default <data-dir>/"+app.ReposDirName+" ("+app.EnvReposDir+")")
}

func metricsFlag(fs *cmdFlags, c *app.Config) {
	fs.StringVar(&c.MetricsAddr, "metrics-addr", c.MetricsAddr, "where /metrics (and a worker's /healthz) listen, apart from the API; empty: off ("+app.EnvMetricsAddr+")")
}

func runDev(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("dev [flags]", "Runs everything in one process: Temporal on SQLite, the Web UI, the API and a worker on every queue. "+
		"It prints where each part listens, a one-time login link for the Web UI and an admin token, which it also writes to <data-dir>/"+app.TokenFile+
		" (where the client commands find it). Started again on the same data dir, tasks that were running go on.", stdout)
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
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	return app.Dev(ctx, c, stdout, stderr)
}

func runAPI(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("api [flags]", "Serves the HTTP API against a Temporal cluster (TEMPORAL_ADDRESS). "+
		"At start it checks the namespace and its search attributes, and stops with a plain message when they are missing.", stdout)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	storeFlags(fs, &c)
	fs.StringVar(&c.APIAddr, "api-addr", c.APIAddr, "where the API listens ("+app.EnvAPIAddr+")")
	fs.BoolVar(&c.NoTesting, "no-testing", false, "do not offer student_testing and submission_processing (no worker has a sandbox)")
	metricsFlag(fs, &c)
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	return app.API(ctx, c, stdout, stderr)
}

func runWorker(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("worker [flags]", "Runs a worker against a Temporal cluster (TEMPORAL_ADDRESS); without a queue flag it polls all three queues. "+
		"On SIGINT or SIGTERM it stops polling and lets running activities finish for --stop-timeout.", stdout)
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
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	add := func(q string) {
		if q != "" && !slices.Contains(c.Queues, q) {
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

func runToken(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	fs := flags("token --sub NAME [flags]", "Prints a JWT for the API, signed with Computor's signing key ("+app.EnvJWTKeyFile+
		"; by default the key computor dev made in the data dir). Tokens carry the username in sub and the roles in a roles claim.", stdout)
	dataDirFlag(fs, &c)
	sub := fs.String("sub", "", "the token's subject: the username (required)")
	role := fs.String("role", "", "comma-separated roles, such as admin")
	ttl := fs.Duration("ttl", time.Hour, "how long the token is valid; at most "+app.EnvJWTMaxLife+" (720h unless set)")
	if _, err := fs.parse(args, 0, 0); err != nil {
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
	c := app.FromEnv()
	fs := flags("namespace create [flags] [NAME]", "Creates the namespace (NAME, or --namespace) and Computor's search attributes on a Temporal cluster, "+
		"as an admin (with a token signed by the signing key); does nothing where they exist. create is the only subcommand.", stdout)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	retention := fs.Duration("retention", engine.DefaultRetention, "how long finished tasks stay visible")
	timeout := fs.Duration("timeout", time.Minute, "how long to wait for the cluster")
	switch {
	case len(args) > 0 && args[0] == "create":
	case len(args) > 0 && isHelp(args[0]):
		fs.printHelp(stdout)
		return flag.ErrHelp
	default:
		return &usageError{err: errors.New("namespace: the only subcommand is create: computor namespace create [flags] [NAME]"),
			hint: "Run 'computor namespace -h' for its flags."}
	}
	pos, err := fs.parse(args[1:], 0, math.MaxInt)
	switch {
	case err != nil:
		return err
	case len(pos) > 1:
		return fs.usageError(fmt.Errorf("one name at most, got %q", pos))
	case len(pos) == 1:
		c.Namespace = pos[0]
	}
	return app.CreateNamespace(ctx, c, *retention, *timeout, stdout, stderr)
}

// benchKinds are the optional first arguments of bench, one line each;
// plain bench is the task throughput bench of runBench.
var benchKinds = map[string]func(ctx context.Context, args []string, stdout, stderr io.Writer) error{
	"release": runBenchRelease,
	"grading": runBenchGrading,
}

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if run, ok := benchKinds[args[0]]; ok {
			return run(ctx, args[1:], stdout, stderr)
		}
	}
	c := app.FromEnv()
	if os.Getenv(app.EnvLogLevel) == "" {
		c.LogLevel = "warn" // a line per task would bury the progress
	}
	fs := flags("bench [flags]", "Submits N tasks through the API and the same N through the Temporal SDK on the same server, "+
		"and prints latency percentiles, tasks per second and their ratio. Without --api it starts an embedded stack of its own.", stdout)
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
	fs.StringVar(&o.Token, "token", "", "bearer token for --api (default: minted with the configured signing key)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.SkipSDK, "skip-sdk", false, "measure only the API")
	fs.BoolVar(&o.SkipAPI, "skip-api", false, "measure only the SDK")
	fs.BoolVar(&c.Ephemeral, "ephemeral", false, "embedded stack keeps Temporal in memory (default: a file database in a temporary data dir)")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the measured phases to this file")
	var openFrontend bool
	fs.BoolVar(&openFrontend, "compare-open-frontend", false, "the same as --compare open-frontend")
	fs.StringVar(&o.Compare, "compare", "", "also measure the API, by turns, on a second stack without one safeguard: "+compareNames())
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if openFrontend && o.Compare == "" {
		o.Compare = "open-frontend"
	}
	o.OwnDataDir, o.OwnTemporalAddr = chosenStack(fs)
	return app.Bench(ctx, c, o, stdout, stderr)
}

// chosenStack says whether the data dir and the Temporal address were
// chosen, by flag or environment: a bench then uses them, not its own.
func chosenStack(fs *cmdFlags) (dataDir, temporalAddr bool) {
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "data-dir":
			dataDir = true
		case "temporal-addr":
			temporalAddr = true
		}
	})
	return dataDir || os.Getenv(app.EnvDataDir) != "", temporalAddr || os.Getenv(app.EnvTemporalAddr) != ""
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
	fs := flags("ui [flags]", "Serves the Temporal Web UI of a cluster behind the admin login: admins paste a token; others are refused.", stdout)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	fs.StringVar(&c.UIAddr, "ui-addr", c.UIAddr, "where the Web UI listens ("+app.EnvUIAddr+")")
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	return app.UI(ctx, c, stdout, stderr)
}

func runKey(_ context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	const what = "Manages the ES256 key Computor signs its tokens with. "
	create := flags("key create FILE", what+"create writes a new key to FILE (mode 0600), for "+app.EnvJWTKeyFile+
		"; it refuses to replace a file, since a new key ends every token of the old one.", stdout)
	jwks := flags("key jwks [flags]", what+"jwks prints the public key of the configured one as a JSON Web Key Set, for a Temporal server's keySourceURIs.", stdout)
	dataDirFlag(jwks, &c)
	switch {
	case len(args) > 0 && args[0] == "create":
		pos, err := create.parse(args[1:], 1, 1)
		if err != nil {
			return err
		}
		return app.KeyCreate(pos[0], stdout)
	case len(args) > 0 && args[0] == "jwks":
		if _, err := jwks.parse(args[1:], 0, 0); err != nil {
			return err
		}
		return app.KeyJWKS(c, stdout)
	case len(args) > 0 && isHelp(args[0]):
		key := flags("key create FILE | computor key jwks [flags]", what+"create writes a new key to FILE (mode 0600), for "+app.EnvJWTKeyFile+
			"; jwks prints the public key of the configured one as a JSON Web Key Set, for a Temporal server's keySourceURIs.", stdout)
		dataDirFlag(key, &c)
		key.more = "The flags are jwks's."
		key.printHelp(stdout)
		return flag.ErrHelp
	}
	return &usageError{err: errors.New("key: want create FILE or jwks: computor key create FILE | computor key jwks"),
		hint: "Run 'computor key -h' for more."}
}
