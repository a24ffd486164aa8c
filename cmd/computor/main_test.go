package main

import (
	"bytes"
	"context"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// flagsOf are the flags each command's help must show, and no others.
var flagsOf = map[string][]string{
	"dev":       {"api-addr", "data-dir", "database-url", "ephemeral", "log-format", "log-level", "max-activities", "metrics-addr", "namespace", "no-ui", "repos-dir", "temporal-addr", "temporal-http-addr", "ui-addr"},
	"api":       {"api-addr", "data-dir", "database-url", "log-format", "log-level", "metrics-addr", "namespace", "no-testing", "repos-dir", "temporal-addr"},
	"worker":    {"data-dir", "database-url", "default", "high-priority", "log-format", "log-level", "low-priority", "max-activities", "metrics-addr", "namespace", "queues", "repos-dir", "stop-timeout", "temporal-addr"},
	"ui":        {"data-dir", "log-format", "log-level", "namespace", "temporal-addr", "ui-addr"},
	"namespace": {"data-dir", "log-format", "log-level", "namespace", "retention", "temporal-addr", "timeout"},
	"bench":     {"api", "clients", "compare", "compare-open-frontend", "cpuprofile", "data-dir", "ephemeral", "json", "log-format", "log-level", "n", "namespace", "params", "priority", "skip-api", "skip-sdk", "task", "temporal-addr", "token"},
	"key":       {"data-dir"},
	"token":     {"data-dir", "role", "sub", "ttl"},
	"submit":    {"api", "data-dir", "delay", "idempotency-key", "json", "p", "params-file", "priority", "timeout", "token", "wait"},
	"status":    {"api", "data-dir", "json", "token"},
	"result":    {"api", "data-dir", "json", "timeout", "token", "wait"},
	"cancel":    {"api", "data-dir", "json", "token"},
	"list":      {"api", "cursor", "data-dir", "json", "limit", "status", "task", "token"},
	"types":     {"api", "data-dir", "json", "token"},
}

// call runs the command line and returns its exit code and output.
func call(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = exitCode(run(context.Background(), args, &out, &errOut), &errOut)
	return code, out.String(), errOut.String()
}

var flagLine = regexp.MustCompile(`(?m)^  -([a-z-]+)`)

// TestEveryCommandHasHelp runs every command's -h (and --help, -help and
// help NAME): each exits 0, says what the command does in a paragraph
// before anything else, shows how to call it, and lists its own flags only.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	var names []string
	for _, g := range groups {
		for _, c := range g.commands {
			names = append(names, c.name)
		}
	}
	for name := range flagsOf {
		if !slices.Contains(names, name) {
			t.Errorf("flagsOf names %q, which is no command", name)
		}
	}
	for _, name := range names {
		for _, args := range [][]string{{name, "-h"}, {name, "--help"}, {name, "-help"}, {"help", name}} {
			code, out, errOut := call(args...)
			if code != 0 || errOut != "" {
				t.Errorf("computor %q: exit %d, stderr %q; want 0 and nothing", args, code, errOut)
				continue
			}
			first, _, _ := strings.Cut(out, "\n\n")
			if first == "" || strings.HasPrefix(first, "Usage") || strings.HasPrefix(first, "-") ||
				!strings.HasSuffix(first, ".") || strings.ToUpper(first[:1]) != first[:1] {
				t.Errorf("computor %q: help does not start with a description paragraph:\n%s", args, out)
			}
			if !strings.Contains(out, "\nUsage:\n  computor "+name) {
				t.Errorf("computor %q: help lacks the usage line:\n%s", args, out)
			}
			var got []string
			for _, m := range flagLine.FindAllStringSubmatch(out, -1) {
				got = append(got, m[1])
			}
			if want := flagsOf[name]; !slices.Equal(got, want) {
				t.Errorf("computor %q: flags %q, want %q", args, got, want)
			}
		}
	}
}

// TestTokenHelpHasOnlyItsFlags: token signs with the key in the data dir
// and talks to no server.
func TestTokenHelpHasOnlyItsFlags(t *testing.T) {
	t.Parallel()
	_, out, _ := call("token", "-h")
	for _, unrelated := range []string{"-temporal-addr", "-namespace", "-log-level", "-log-format", "-database-url", "-repos-dir", "-metrics-addr", "-api", "-json", "-token"} {
		if strings.Contains(out, "  "+unrelated+" ") || strings.Contains(out, "  "+unrelated+"\n") {
			t.Errorf("token -h lists %s:\n%s", unrelated, out)
		}
	}
}

func TestSubcommandHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"namespace", "create", "-h"}, {"namespace", "help"},
		{"key", "create", "-h"}, {"key", "jwks", "--help"}, {"key", "help"},
		{"bench", "release", "-h"},
	} {
		code, out, errOut := call(args...)
		if code != 0 || errOut != "" || !strings.Contains(out, "Usage:\n  computor "+args[0]) {
			t.Errorf("computor %q: exit %d, stderr %q, stdout:\n%s", args, code, errOut, out)
		}
	}
}

func TestTopLevelHelp(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"help"}, {"-h"}, {"--help"}, {"-help"}} {
		code, out, errOut := call(args...)
		if code != 0 || errOut != "" {
			t.Errorf("computor %q: exit %d, stderr %q", args, code, errOut)
		}
		for _, g := range groups {
			for _, c := range g.commands {
				if n := strings.Count(out, "\n  computor "+c.name+" "); n != 1 {
					t.Errorf("computor %q: %d lines for %s, want one", args, n, c.name)
				}
			}
		}
		for _, want := range []string{"Exit codes", "  3  the task was CANCELLED"} {
			if !strings.Contains(out, want) {
				t.Errorf("computor %q: lacks %q", args, want)
			}
		}
	}
	code, out, errOut := call()
	if code != 2 || out != "" || !strings.Contains(errOut, "computor submit") || !strings.Contains(errOut, "no command given") {
		t.Errorf("computor: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestBadCommandLines exit 2 and say how to get help.
func TestBadCommandLines(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"serve"}, `unknown command "serve"`},
		{[]string{"help", "serve"}, `unknown command "serve"`},
		{[]string{"dev", "extra"}, `dev: unexpected argument "extra"`},
		{[]string{"dev", "--no-such-flag"}, "dev: flag provided but not defined: -no-such-flag\nRun 'computor dev -h' for its flags."},
		{[]string{"submit"}, "submit: want 1 argument(s): computor submit TASK [flags]"},
		{[]string{"submit", "a", "b"}, `submit: unexpected argument "b"`},
		{[]string{"submit", "a", "--delay", "soon"}, `invalid value "soon" for flag -delay`},
		{[]string{"status"}, "status: want 1 argument(s)"},
		{[]string{"list", "x"}, `list: unexpected argument "x"`},
		{[]string{"list", "--limit", "-1"}, "--limit must not be negative"},
		{[]string{"types", "a", "b"}, `types: unexpected argument "b"`},
		{[]string{"namespace"}, "the only subcommand is create"},
		{[]string{"namespace", "create", "a", "b"}, "one name at most"},
		{[]string{"key"}, "want create FILE or jwks"},
		{[]string{"key", "create"}, "want 1 argument(s)"},
	} {
		code, out, errOut := call(c.args...)
		if code != 2 || !strings.Contains(errOut, c.want) {
			t.Errorf("computor %q: exit %d, stdout %q, stderr %q; want 2 and %q", c.args, code, out, errOut, c.want)
		}
	}
}

// TestFlagsAfterArguments: a client command takes its flags before or
// after its arguments, and "--" ends them.
func TestFlagsAfterArguments(t *testing.T) {
	t.Parallel()
	fs := flags("submit TASK [flags]", "Submits.", io.Discard)
	wait := fs.Bool("wait", false, "")
	var ps []string
	fs.Func("p", "", func(s string) error { ps = append(ps, s); return nil })
	pos, err := fs.parse([]string{"-p", "a=1", "task", "--wait", "-p", "b=2", "--", "-x"}, 0, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pos, []string{"task", "-x"}) || !*wait || !slices.Equal(ps, []string{"a=1", "b=2"}) {
		t.Errorf("positional %q, wait %v, -p %q", pos, *wait, ps)
	}
}

func TestParseDelay(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"90s": "1m30s", "5m": "5m0s", "60": "1m0s", "0.5": "500ms"} {
		d, err := parseDelay(in)
		if err != nil || d.String() != want {
			t.Errorf("parseDelay(%q) = %s, %v; want %s", in, d, err, want)
		}
	}
	for _, in := range []string{"soon", "-1s", "-3", "NaN", "Inf"} {
		if _, err := parseDelay(in); err == nil {
			t.Errorf("parseDelay(%q): no error", in)
		}
	}
}
