package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultURL is the API a client talks to when none is configured: the
// one `computor dev` serves.
const DefaultURL = "http://127.0.0.1:8000"

// requestTimeout bounds one request; a long-polled result waits at most
// 60 s on the server.
const requestTimeout = 90 * time.Second

// maxBody bounds what the client reads of one response.
const maxBody = 16 << 20

// Config says which API a Client talks to and as whom.
type Config struct {
	// URL is the API's base URL. Default DefaultURL.
	URL string
	// Token is the bearer token; empty: none (the API answers 401).
	Token string
	// TokenSource says where Token came from (a flag, an environment
	// variable, a file), for the hint a 401 gets.
	TokenSource string
	// HTTP sends the requests. Default: a client whose requests time out
	// after 90 s.
	HTTP *http.Client
}

// Client calls Computor's tasks API.
type Client struct {
	base        *url.URL
	token       string
	tokenSource string
	http        *http.Client
}

// New returns a client of the API cfg names.
func New(cfg Config) (*Client, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(strings.TrimRight(cfg.URL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("API URL %q: want http://host:port or https://host", cfg.URL)
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: requestTimeout}
	}
	return &Client{base: u, token: strings.TrimSpace(cfg.Token), tokenSource: cfg.TokenSource, http: cfg.HTTP}, nil
}

// URL is the API's base URL.
func (c *Client) URL() string { return c.base.String() }

// Response is an API answer: its status and its body, as sent.
type Response struct {
	Status int
	Body   []byte
}

// decode decodes the body into v.
func (r *Response) decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("read the API's answer (%d): %w", r.Status, err)
	}
	return nil
}

// do sends a request with the token; a body is sent as JSON. An answer of
// 400 or more is a *Problem (with the response); a 2xx comes back as is.
func (c *Client) do(ctx context.Context, method, path string, query url.Values, body any, header http.Header) (*Response, error) {
	u, err := url.Parse(c.URL() + path) // path's parts are escaped
	if err != nil {
		return nil, fmt.Errorf("request %s: %w", path, err)
	}
	u.RawQuery = query.Encode()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	req.Header.Set("Accept", "application/json, application/problem+json")
	req.Header.Set("User-Agent", "computor-client")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &NetError{URL: c.URL(), Err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, &NetError{URL: c.URL(), Err: fmt.Errorf("read the answer to %s %s: %w", method, path, err)}
	}
	r := &Response{Status: resp.StatusCode, Body: b}
	if resp.StatusCode >= 400 {
		return r, c.problem(method, path, resp, b)
	}
	return r, nil
}

// problem reads an error answer: problem+json where the API sent one, or
// the start of whatever else came (a proxy's page).
func (c *Client) problem(method, path string, resp *http.Response, body []byte) *Problem {
	p := &Problem{Status: resp.StatusCode, Body: body}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt != "application/problem+json" && mt != "application/json" || json.Unmarshal(body, p) != nil {
		p.Title = http.StatusText(resp.StatusCode)
		p.Detail = strings.TrimSpace(string(body))
		if len(p.Detail) > 200 {
			p.Detail = p.Detail[:200] + "…"
		}
		p.Detail = fmt.Sprintf("%s %s: %s", method, path, p.Detail)
	}
	p.Status = resp.StatusCode // the status line wins over the body
	if p.Status == http.StatusUnauthorized {
		if c.token == "" {
			p.Hint = "no token: pass --token, set COMPUTOR_TOKEN, or run 'computor dev' here (it writes .computor/dev-token)"
		} else if c.tokenSource != "" {
			p.Hint = "the token from " + c.tokenSource + " was refused"
		}
	}
	return p
}

// NetError is a request that got no answer from the API.
type NetError struct {
	URL string
	Err error
}

func (e *NetError) Error() string {
	return fmt.Sprintf("no answer from the API at %s (is it running? --api or COMPUTOR_API_URL): %v", e.URL, e.Err)
}

func (e *NetError) Unwrap() error { return e.Err }

// taskPath is the path of a task, its id escaped.
func taskPath(id string, sub ...string) string {
	p := "/tasks/" + url.PathEscape(id)
	for _, s := range sub {
		p += "/" + s
	}
	return p
}

// Submit is the body of POST /tasks/submit.
type Submit struct {
	TaskName   string         `json:"task_name"`
	Parameters map[string]any `json:"parameters"`
	Priority   int            `json:"priority"`
	// Delay starts the task this many seconds later.
	Delay float64 `json:"delay,omitempty"`
}

// SubmitReply is the answer to a submit.
type SubmitReply struct {
	TaskID  string `json:"task_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Submit starts a task. A non-empty idempotencyKey makes a retry return
// the same task.
func (c *Client) Submit(ctx context.Context, s Submit, idempotencyKey string) (SubmitReply, *Response, error) {
	var h http.Header
	if idempotencyKey != "" {
		h = http.Header{"Idempotency-Key": {idempotencyKey}}
	}
	if s.Parameters == nil {
		s.Parameters = map[string]any{}
	}
	var reply SubmitReply
	r, err := c.do(ctx, http.MethodPost, "/tasks/submit", nil, s, h)
	if err == nil {
		err = r.decode(&reply)
	}
	return reply, r, err
}

// Progress is what a running task last reported.
type Progress struct {
	Percent float64 `json:"percent"`
	Message string  `json:"message"`
}

// Task is the answer to GET /tasks/{id} and one item of a list.
type Task struct {
	TaskID     string     `json:"task_id"`
	TaskName   string     `json:"task_name"`
	Status     string     `json:"status"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Error      *string    `json:"error"`
	Worker     *string    `json:"worker"`
	Queue      string     `json:"queue"`
	Priority   int        `json:"priority"`
	Progress   *Progress  `json:"progress"`
	Retries    int        `json:"retries"`
	Submitter  string     `json:"submitter"`
}

// Task fetches a task's status.
func (c *Client) Task(ctx context.Context, id string) (Task, *Response, error) {
	var t Task
	r, err := c.do(ctx, http.MethodGet, taskPath(id), nil, nil, nil)
	if err == nil {
		err = r.decode(&t)
	}
	return t, r, err
}

// Result is the answer to GET /tasks/{id}/result.
type Result struct {
	TaskID   string          `json:"task_id"`
	TaskName string          `json:"task_name"`
	Status   string          `json:"status"`
	Result   json.RawMessage `json:"result,omitempty"`
	Error    *string         `json:"error,omitempty"`
	// Ended is false while the task runs (the API answered 202).
	Ended bool `json:"-"`
}

// Result fetches a task's result, waiting up to wait (at most 60 s) for
// a running task to end.
func (c *Client) Result(ctx context.Context, id string, wait time.Duration) (Result, *Response, error) {
	var q url.Values
	if wait > 0 {
		q = url.Values{"wait": {wait.Round(time.Millisecond).String()}}
	}
	var res Result
	r, err := c.do(ctx, http.MethodGet, taskPath(id, "result"), q, nil, nil)
	if err == nil {
		err = r.decode(&res)
		res.Ended = r.Status == http.StatusOK
	}
	return res, r, err
}

// CancelReply is the answer to a cancel.
type CancelReply struct {
	TaskID  string `json:"task_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// Cancel asks a running task to stop.
func (c *Client) Cancel(ctx context.Context, id string) (CancelReply, *Response, error) {
	var reply CancelReply
	r, err := c.do(ctx, http.MethodPost, taskPath(id, "cancel"), nil, nil, nil)
	if err == nil {
		err = r.decode(&reply)
	}
	return reply, r, err
}

// ListParams filter GET /tasks; zero fields are left out.
type ListParams struct {
	Status   string
	TaskName string
	Limit    int
	Cursor   string
}

// TaskList is one page of tasks.
type TaskList struct {
	Tasks      []Task `json:"tasks"`
	NextCursor string `json:"next_cursor"`
}

// List lists the caller's tasks (an admin's: everyone's), newest first.
func (c *Client) List(ctx context.Context, p ListParams) (TaskList, *Response, error) {
	q := url.Values{}
	set := func(k, v string) {
		if v != "" {
			q.Set(k, v)
		}
	}
	set("status", p.Status)
	set("task_name", p.TaskName)
	set("cursor", p.Cursor)
	if p.Limit > 0 {
		q.Set("limit", fmt.Sprint(p.Limit))
	}
	var l TaskList
	r, err := c.do(ctx, http.MethodGet, "/tasks", q, nil, nil)
	if err == nil {
		err = r.decode(&l)
	}
	return l, r, err
}

// Types lists the names of the task types the API offers.
func (c *Client) Types(ctx context.Context) ([]string, *Response, error) {
	var names []string
	r, err := c.do(ctx, http.MethodGet, "/tasks/types", nil, nil, nil)
	if err == nil {
		err = r.decode(&names)
	}
	return names, r, err
}

// TaskType is one task type: what it does, the JSON Schema of its
// parameters and who may submit it.
type TaskType struct {
	Name        string         `json:"name"`
	Description string         `json:"description"`
	Parameters  map[string]any `json:"parameters"`
	Roles       []string       `json:"roles"`
	Access      string         `json:"access"`
}

// Type fetches one task type.
func (c *Client) Type(ctx context.Context, name string) (TaskType, *Response, error) {
	var t TaskType
	r, err := c.do(ctx, http.MethodGet, "/tasks/types/"+url.PathEscape(name), nil, nil, nil)
	if err == nil {
		err = r.decode(&t)
	}
	return t, r, err
}

// IsStatus reports whether err is an API answer with this status.
func IsStatus(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}
