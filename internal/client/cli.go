package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// Defaults of the commands that wait.
const (
	// TimeoutDefault is how long --wait waits for a task to end.
	TimeoutDefault = 10 * time.Minute
	// PollInterval is how often a wait asks for the task's progress.
	PollInterval = 500 * time.Millisecond
)

// CLI runs the client commands: each calls the API, prints what it got
// and returns an *ExitError whose code says how it went.
type CLI struct {
	Client *Client
	Stdin  io.Reader
	Stdout io.Writer
	// Stderr gets errors, and the progress of a wait.
	Stderr io.Writer
	// JSON prints the API's answers as they came, for scripts.
	JSON bool
	// Terminal shows a wait's progress as a bar; otherwise as a line per
	// change. Default: whether Stderr is a terminal (see NewCLI).
	Terminal bool
	// PollInterval is how often a wait asks for progress. Default
	// PollInterval.
	PollInterval time.Duration
}

// NewCLI returns a CLI of c writing to stdout and stderr, with a progress
// bar when stderr is a terminal.
func NewCLI(c *Client, stdin io.Reader, stdout, stderr io.Writer, jsonOut bool) *CLI {
	return &CLI{Client: c, Stdin: stdin, Stdout: stdout, Stderr: stderr, JSON: jsonOut, Terminal: isTerminal(stderr)}
}

// fail turns an error into the exit code of a failed request (or of an
// interrupted wait), printing the problem's body first with --json.
func (c *CLI) fail(err error) error {
	var exit *ExitError
	if err == nil || errors.As(err, &exit) {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return &ExitError{Code: ExitInterrupted, Err: errors.New("interrupted")}
	}
	var p *Problem
	if c.JSON && errors.As(err, &p) && json.Valid(p.Body) {
		c.printRaw(p.Body)
	}
	return &ExitError{Code: ExitUsage, Err: err}
}

// printRaw prints an answer as it came, on a line of its own.
func (c *CLI) printRaw(body []byte) {
	body = bytes.TrimRight(body, "\n")
	_, _ = c.Stdout.Write(append(body, '\n'))
}

// SubmitOptions are the arguments of `computor submit`.
type SubmitOptions struct {
	Task string
	// Params are key=value pairs, typed by the task's parameter schema.
	Params []string
	// ParamsFile is a JSON object of parameters ("-": stdin); Params
	// override its keys.
	ParamsFile     string
	Priority       int
	Delay          time.Duration
	IdempotencyKey string
	// Wait follows the task until it ends.
	Wait bool
	// Timeout bounds the wait. Default TimeoutDefault.
	Timeout time.Duration
}

// Submit submits a task and prints its id; with Wait, its progress and
// then its result, and the exit code is the task's.
func (c *CLI) Submit(ctx context.Context, o SubmitOptions) error {
	params, err := c.params(ctx, o)
	if err != nil {
		return c.fail(err)
	}
	reply, resp, err := c.Client.Submit(ctx, Submit{TaskName: o.Task, Parameters: params, Priority: o.Priority,
		Delay: o.Delay.Seconds()}, o.IdempotencyKey)
	if err != nil {
		return c.fail(fmt.Errorf("submit %s: %w", o.Task, err))
	}
	if !o.Wait {
		if c.JSON {
			c.printRaw(resp.Body)
		} else {
			fmt.Fprintln(c.Stdout, reply.TaskID)
		}
		return nil
	}
	fmt.Fprintf(c.Stderr, "submitted %s\n", reply.TaskID)
	return c.await(ctx, reply.TaskID, o.Timeout)
}

// params builds a submit's parameters: the file's, then each -p typed by
// the task's schema (fetched only when there are -p values).
func (c *CLI) params(ctx context.Context, o SubmitOptions) (map[string]any, error) {
	var base map[string]any
	if o.ParamsFile != "" {
		var r io.Reader
		if o.ParamsFile == "-" {
			r = c.Stdin
		} else {
			f, err := os.Open(o.ParamsFile)
			if err != nil {
				return nil, &ExitError{Code: ExitUsage, Err: fmt.Errorf("--params-file: %w", err)}
			}
			defer f.Close()
			r = f
		}
		var err error
		if base, err = ReadParamsFile(r, o.ParamsFile); err != nil {
			return nil, &ExitError{Code: ExitUsage, Err: err}
		}
	}
	if len(o.Params) == 0 {
		return base, nil
	}
	var schema map[string]any
	t, _, err := c.Client.Type(ctx, o.Task)
	switch {
	case err == nil:
		schema = t.Parameters
	case IsStatus(err, http.StatusNotFound):
		// An unknown task type: the submit's answer names the known ones.
	default:
		return nil, fmt.Errorf("read the parameters of %s: %w", o.Task, err)
	}
	params, err := BuildParams(schema, base, o.Params)
	if err != nil {
		return nil, &ExitError{Code: ExitUsage, Err: err}
	}
	return params, nil
}

// Status prints a task's status. It succeeds whatever the status is.
func (c *CLI) Status(ctx context.Context, id string) error {
	t, resp, err := c.Client.Task(ctx, id)
	if err != nil {
		return c.fail(err)
	}
	if c.JSON {
		c.printRaw(resp.Body)
		return nil
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("task", t.TaskID)
	status := t.Status
	if p := t.Progress; p != nil && !ended(t) {
		status += fmt.Sprintf(", %.0f%%", p.Percent)
		if p.Message != "" {
			status += " " + oneLine(p.Message)
		}
	}
	row("status", status)
	row("type", t.TaskName)
	row("queue", fmt.Sprintf("%s, priority %d", t.Queue, t.Priority))
	row("submitter", t.Submitter)
	row("created", when(&t.CreatedAt))
	row("started", when(t.StartedAt))
	row("finished", when(t.FinishedAt))
	row("worker", deref(t.Worker))
	if t.Retries > 0 {
		row("retries", fmt.Sprint(t.Retries))
	}
	row("error", deref(t.Error))
	return tw.Flush()
}

// Result prints a task's result; with wait, it follows a running task
// until it ends or timeout passes. The exit code is the task's, or
// ExitTimeout for a task that had not ended.
func (c *CLI) Result(ctx context.Context, id string, wait bool, timeout time.Duration) error {
	res, resp, err := c.Client.Result(ctx, id, 0)
	if err != nil {
		return c.fail(err)
	}
	if res.Ended {
		return c.printResult(res, resp)
	}
	if !wait {
		if c.JSON {
			c.printRaw(resp.Body)
		}
		return &ExitError{Code: ExitTimeout, Err: fmt.Errorf("%s is %s and has no result yet (--wait waits for it)", id, res.Status)}
	}
	return c.await(ctx, id, timeout)
}

// await follows a task until it ends, showing its progress, then prints
// its result.
func (c *CLI) await(ctx context.Context, id string, timeout time.Duration) error {
	if timeout <= 0 {
		timeout = TimeoutDefault
	}
	res, resp, err := c.wait(ctx, id, timeout)
	if err != nil {
		return c.fail(err)
	}
	return c.printResult(res, resp)
}

// errTimedOut ends a wait that ran out of time.
var errTimedOut = errors.New("timed out")

// wait polls a task's status every PollInterval, showing its progress on
// Stderr, until it ends; then it fetches the result. An API that does not
// answer, or answers 502, 503 or 504, is asked again until the timeout.
func (c *CLI) wait(ctx context.Context, id string, timeout time.Duration) (Result, *Response, error) {
	interval := c.PollInterval
	if interval <= 0 {
		interval = PollInterval
	}
	wctx, cancel := context.WithTimeoutCause(ctx, timeout, errTimedOut)
	defer cancel()
	view := newProgressView(c.Stderr, c.Terminal)
	defer view.close()
	var last Task
	var lastErr string
	for {
		t, _, err := c.Client.Task(wctx, id)
		if err == nil {
			last, lastErr = t, ""
			view.show(t)
			if ended(t) {
				// The result comes from the history that says how it ended.
				var res Result
				var resp *Response
				res, resp, err = c.Client.Result(wctx, id, 5*time.Second)
				if err == nil && res.Ended {
					return res, resp, nil
				}
			}
		}
		switch {
		case err == nil:
		case wctx.Err() != nil:
		case transient(err):
			if msg := err.Error(); msg != lastErr {
				view.note("the API does not answer; asking again until the timeout: " + msg)
				lastErr = msg
			}
		default:
			return Result{}, nil, err
		}
		select {
		case <-wctx.Done():
		case <-time.After(interval):
			continue
		}
		if errors.Is(context.Cause(wctx), errTimedOut) {
			status := last.Status
			if status == "" {
				status = "not seen"
			}
			return Result{}, nil, &ExitError{Code: ExitTimeout, Err: fmt.Errorf(
				"%s had not ended after %s (status %s); it goes on (computor result %s --wait)", id, timeout, status, id)}
		}
		return Result{}, nil, &ExitError{Code: ExitInterrupted, Err: fmt.Errorf(
			"stopped waiting for %s; it goes on (computor result %s --wait)", id, id)}
	}
}

// transient reports whether a request may succeed when asked again.
func transient(err error) bool {
	var ne *NetError
	var p *Problem
	switch {
	case errors.As(err, &ne):
		return true
	case errors.As(err, &p):
		return p.Status == http.StatusBadGateway || p.Status == http.StatusServiceUnavailable || p.Status == http.StatusGatewayTimeout
	}
	return false
}

// printResult prints an ended task's result, and returns its exit code.
func (c *CLI) printResult(res Result, resp *Response) error {
	code := ExitCodeOf(res.Status, deref(res.Error))
	if c.JSON {
		c.printRaw(resp.Body)
	} else {
		fmt.Fprintf(c.Stdout, "%s %s\n", res.TaskID, res.Status)
		if res.Error != nil && *res.Error != "" {
			fmt.Fprintf(c.Stdout, "error: %s\n", *res.Error)
		}
		if len(res.Result) > 0 && string(res.Result) != "null" {
			var b bytes.Buffer
			if json.Indent(&b, res.Result, "", "  ") != nil {
				b.Reset()
				b.Write(res.Result)
			}
			fmt.Fprintln(c.Stdout, b.String())
		}
	}
	if code == ExitOK {
		return nil
	}
	return &ExitError{Code: code}
}

// Cancel asks a running task to stop.
func (c *CLI) Cancel(ctx context.Context, id string) error {
	reply, resp, err := c.Client.Cancel(ctx, id)
	if err != nil {
		return c.fail(err)
	}
	if c.JSON {
		c.printRaw(resp.Body)
		return nil
	}
	fmt.Fprintf(c.Stdout, "%s: cancel requested\n", reply.TaskID)
	return nil
}

// List prints the caller's tasks, newest first.
func (c *CLI) List(ctx context.Context, p ListParams) error {
	l, resp, err := c.Client.List(ctx, p)
	if err != nil {
		return c.fail(err)
	}
	if c.JSON {
		c.printRaw(resp.Body)
		return nil
	}
	if len(l.Tasks) == 0 {
		fmt.Fprintln(c.Stdout, "no tasks")
		return nil
	}
	tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "TASK\tSTATUS\tCREATED\tSUBMITTER")
	for _, t := range l.Tasks {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", t.TaskID, t.Status, when(&t.CreatedAt), t.Submitter)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if l.NextCursor != "" {
		fmt.Fprintf(c.Stdout, "more: add --cursor %s\n", l.NextCursor)
	}
	return nil
}

// Types prints the task types; with a name, that type's description and
// parameters.
func (c *CLI) Types(ctx context.Context, name string) error {
	if name == "" {
		names, resp, err := c.Client.Types(ctx)
		if err != nil {
			return c.fail(err)
		}
		if c.JSON {
			c.printRaw(resp.Body)
			return nil
		}
		for _, n := range names {
			fmt.Fprintln(c.Stdout, n)
		}
		return nil
	}
	t, resp, err := c.Client.Type(ctx, name)
	if err != nil {
		return c.fail(err)
	}
	if c.JSON {
		c.printRaw(resp.Body)
		return nil
	}
	fmt.Fprintf(c.Stdout, "%s: %s\n", t.Name, t.Description)
	if t.Access != "" {
		fmt.Fprintf(c.Stdout, "Who may submit it: %s\n", t.Access)
	}
	props, _ := t.Parameters["properties"].(map[string]any)
	if len(props) == 0 {
		fmt.Fprintln(c.Stdout, "No parameters.")
		return nil
	}
	required := map[string]bool{}
	if req, ok := t.Parameters["required"].([]any); ok {
		for _, r := range req {
			if s, ok := r.(string); ok {
				required[s] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for n := range props {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(c.Stdout, "\nParameters (-p key=value):")
	tw := tabwriter.NewWriter(c.Stdout, 0, 0, 2, ' ', 0)
	for _, n := range names {
		p, _ := props[n].(map[string]any)
		facts := []string{describeSchema(p)}
		if required[n] {
			facts = append(facts, "required")
		}
		if d, ok := p["default"]; ok {
			b, _ := json.Marshal(d)
			facts = append(facts, "default "+string(b))
		}
		fmt.Fprintf(tw, "  %s\t%s\n", n, strings.Join(facts, ", "))
		if d, _ := p["description"].(string); d != "" {
			fmt.Fprintf(tw, "  \t%s\n", oneLine(d))
		}
	}
	return tw.Flush()
}

// describeSchema says in a few words what a parameter's schema allows.
func describeSchema(p map[string]any) string {
	var alts []string
	if c, ok := p["const"]; ok {
		b, _ := json.Marshal(c)
		return string(b)
	}
	if e, ok := p["enum"].([]any); ok {
		for _, v := range e {
			b, _ := json.Marshal(v)
			alts = append(alts, string(b))
		}
		return "one of " + strings.Join(alts, ", ")
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		if as, ok := p[key].([]any); ok {
			for _, a := range as {
				if m, ok := a.(map[string]any); ok {
					alts = append(alts, describeSchema(m))
				}
			}
			return strings.Join(alts, " or ")
		}
	}
	kind, _ := p["type"].(string)
	switch kind {
	case "":
		kinds := schemaKinds(p)
		for k := range kinds {
			alts = append(alts, k)
		}
		sort.Strings(alts)
		kind = strings.Join(alts, " or ")
		if kind == "" {
			kind = "any JSON"
		}
	case "array":
		if items, ok := p["items"].(map[string]any); ok {
			kind = "array of " + describeSchema(items)
		}
	}
	var bounds []string
	num := func(key, prefix string) {
		if v, ok := p[key]; ok {
			bounds = append(bounds, fmt.Sprintf("%s%v", prefix, v))
		}
	}
	num("minimum", "≥ ")
	num("maximum", "≤ ")
	num("minLength", "min length ")
	num("maxLength", "max length ")
	num("minItems", "min items ")
	num("maxItems", "max items ")
	if len(bounds) > 0 {
		kind += " (" + strings.Join(bounds, ", ") + ")"
	}
	return kind
}

// when shows a time in the local zone; "" for none.
func when(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
