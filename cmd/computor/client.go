package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"time"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/client"
)

// The client commands: each parses its command line, builds the client of
// the API and runs one command of client.CLI.

// clientFlags adds the flags every client command has: which API, which
// token, and --json. It returns the command's CLI, built after parsing.
func clientFlags(fs *cmdFlags, c *app.Config, stdout, stderr io.Writer) func() (*client.CLI, error) {
	fs.StringVar(&c.APIURL, "api", c.APIURL, "the API's URL ("+app.EnvAPIURL+")")
	fs.StringVar(&c.Token, "token", "", "bearer token ("+app.EnvToken+"; default: <data-dir>/"+app.TokenFile+", which computor dev writes)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data directory whose "+app.TokenFile+" is the default token ("+app.EnvDataDir+")")
	jsonOut := fs.Bool("json", false, "print the API's JSON answers as they come, for scripts")
	fs.more = client.ExitCodes
	return func() (*client.CLI, error) {
		cl, err := app.APIClient(*c)
		if err != nil {
			return nil, &client.ExitError{Code: client.ExitUsage, Err: err}
		}
		return client.NewCLI(cl, os.Stdin, stdout, stderr, *jsonOut), nil
	}
}

// clientConfig is the environment's settings, with the token of
// COMPUTOR_TOKEN kept apart so that --token's default does not show it.
func clientConfig() (app.Config, string) {
	c := app.FromEnv()
	token := c.Token
	c.Token = ""
	return c, token
}

// withToken puts the environment's token back where --token did not
// give one.
func withToken(c *app.Config, envToken string) {
	if c.Token == "" {
		c.Token = envToken
	}
}

func runSubmit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("submit TASK [flags]", "Submits a task of type TASK and prints its id. Its parameters come from --params-file "+
		"(a JSON object) and -p key=value, each value typed by the task's parameter schema: integers and numbers, true or false, "+
		"JSON arrays and objects, and strings as written. What does not fit is sent anyway, and the API's answer names each bad field. "+
		"With --wait it shows the task's progress until it ends (a bar on a terminal, a line per change elsewhere, on stderr), "+
		"prints its result, and exits with the task's code.", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	var o client.SubmitOptions
	fs.Func("p", "a parameter, `key=value` (repeatable; a dotted key sets a field of an object)", func(s string) error {
		o.Params = append(o.Params, s)
		return nil
	})
	fs.StringVar(&o.ParamsFile, "params-file", "", "a JSON object of parameters (-: stdin); -p overrides its keys")
	fs.IntVar(&o.Priority, "priority", 0, "above 5: the high-priority queue; below 0: the low-priority one")
	fs.Func("delay", "start the task this much later: a `duration` such as 90s or 5m, or seconds", func(s string) error {
		d, err := parseDelay(s)
		o.Delay = d
		return err
	})
	fs.StringVar(&o.IdempotencyKey, "idempotency-key", "", "a retried submit with the same key returns the same task and starts nothing new")
	fs.BoolVar(&o.Wait, "wait", false, "wait for the task to end, showing its progress, and exit with its code")
	fs.DurationVar(&o.Timeout, "timeout", client.TimeoutDefault, "with --wait, how long to wait before exiting 4 (the task goes on)")
	pos, err := fs.parse(args, 1, 1)
	if err != nil {
		return err
	}
	withToken(&c, envToken)
	o.Task = pos[0]
	run, err := cli()
	if err != nil {
		return err
	}
	return run.Submit(ctx, o)
}

// parseDelay reads a duration (90s, 5m) or a number of seconds.
func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, serr := strconv.ParseFloat(s, 64)
		if serr != nil || math.IsNaN(secs) || math.IsInf(secs, 0) {
			return 0, errors.New("want a duration such as 90s or 5m, or seconds")
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 0 {
		return 0, errors.New("must not be negative")
	}
	return d, nil
}

func runStatus(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("status ID [flags]", "Prints a task's status: QUEUED, STARTED, FINISHED, FAILED or CANCELLED, its progress while it runs, "+
		"its queue, when it was created, started and ended, the worker that ran it, its retries and its error. It exits 0 whatever the status.", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	pos, err := fs.parse(args, 1, 1)
	if err != nil {
		return err
	}
	withToken(&c, envToken)
	run, err := cli()
	if err != nil {
		return err
	}
	return run.Status(ctx, pos[0])
}

func runResult(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("result ID [flags]", "Prints the result of a task that has ended (its JSON, pretty-printed) or its error, and exits with "+
		"the task's code. With --wait it shows the progress of a running task until it ends; without, a task that runs exits 4.", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	wait := fs.Bool("wait", false, "wait for the task to end, showing its progress")
	timeout := fs.Duration("timeout", client.TimeoutDefault, "with --wait, how long to wait before exiting 4 (the task goes on)")
	pos, err := fs.parse(args, 1, 1)
	if err != nil {
		return err
	}
	withToken(&c, envToken)
	run, err := cli()
	if err != nil {
		return err
	}
	return run.Result(ctx, pos[0], *wait, *timeout)
}

func runCancel(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("cancel ID [flags]", "Asks a running task to stop. It ends CANCELLED once it has stopped; "+
		"'computor result ID --wait' waits for that. A task that has ended cannot be cancelled (409).", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	pos, err := fs.parse(args, 1, 1)
	if err != nil {
		return err
	}
	withToken(&c, envToken)
	run, err := cli()
	if err != nil {
		return err
	}
	return run.Cancel(ctx, pos[0])
}

func runList(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("list [flags]", "Lists your tasks, newest first; an admin's token lists everyone's.", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	var p client.ListParams
	fs.StringVar(&p.Status, "status", "", "only tasks with this status: QUEUED, STARTED, FINISHED, FAILED or CANCELLED")
	fs.StringVar(&p.TaskName, "task", "", "only tasks of this type")
	fs.IntVar(&p.Limit, "limit", 0, "at most this many (default 20, at most 100)")
	fs.StringVar(&p.Cursor, "cursor", "", "the next page, as the previous one said")
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	if p.Limit < 0 {
		return fs.usageError(fmt.Errorf("--limit must not be negative"))
	}
	withToken(&c, envToken)
	run, err := cli()
	if err != nil {
		return err
	}
	return run.List(ctx, p)
}

func runTypes(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, envToken := clientConfig()
	fs := flags("types [NAME] [flags]", "Lists the task types this API offers; with NAME, that type's description, "+
		"who may submit it, and its parameters (the -p keys of submit) with their types, bounds and defaults.", stdout)
	cli := clientFlags(fs, &c, stdout, stderr)
	pos, err := fs.parse(args, 0, 1)
	if err != nil {
		return err
	}
	withToken(&c, envToken)
	run, err := cli()
	if err != nil {
		return err
	}
	name := ""
	if len(pos) == 1 {
		name = pos[0]
	}
	return run.Types(ctx, name)
}
