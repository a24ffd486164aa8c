package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	enumspb "go.temporal.io/api/enums/v1"

	"github.com/computor-org/computor-go/internal/app"
	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/engine"
	"github.com/computor-org/computor-go/internal/tasks"
)

type problemBody struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
	KnownTaskTypes []string `json:"known_task_types"`
}

func (r response) problem(t testing.TB, status int) problemBody {
	t.Helper()
	r.want(t, status)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problemBody
	r.json(t, &p)
	if p.Status != status || p.Title == "" {
		t.Fatalf("problem %+v", p)
	}
	return p
}

func (p problemBody) fields() []string {
	var out []string
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	slices.Sort(out)
	return out
}

func TestHealthAndReady(t *testing.T) {
	t.Parallel()
	s := shared
	s.do(t, "GET", "/healthz", "", nil).want(t, http.StatusOK)
	s.do(t, "GET", "/readyz", "", nil).want(t, http.StatusOK)
	// The Web UI is served too.
	resp, err := http.Get("http://" + s.ui + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ui /healthz: %d", resp.StatusCode)
	}
}

func TestDevTokenFile(t *testing.T) {
	t.Parallel()
	s := shared
	b, err := os.ReadFile(filepath.Join(s.dataDir, app.TokenFile))
	if err != nil {
		t.Fatal(err)
	}
	token := strings.TrimSpace(string(b))
	if !strings.Contains(s.stdout.String(), token) {
		t.Fatal("dev did not print the token it wrote to dev-token")
	}
	var names []string
	s.do(t, "GET", "/tasks/types", token, nil).want(t, http.StatusOK).json(t, &names)
	if want := catalogNames(t); !slices.Equal(names, want) {
		t.Fatalf("types %v, want the catalog's %v", names, want)
	}
	// The ten of the usage guide are among them, in its order.
	guide := []string{"example_long_running", "example_data_processing", "example_error_handling",
		"student_testing", "submission_processing",
		"release_students", "release_course", "create_organization", "create_course_family", "create_course"}
	var inGuide []string
	for _, n := range names {
		if slices.Contains(guide, n) {
			inGuide = append(inGuide, n)
		}
	}
	if !slices.Equal(inGuide, guide) {
		t.Fatalf("the guide's types in the list: %v, want %v", inGuide, guide)
	}
}

func TestTaskType(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "types-user")
	var typ struct {
		Name        string         `json:"name"`
		Description string         `json:"description"`
		Parameters  map[string]any `json:"parameters"`
		Roles       []string       `json:"roles"`
	}
	s.do(t, "GET", "/tasks/types/example_long_running", token, nil).want(t, http.StatusOK).json(t, &typ)
	props, _ := typ.Parameters["properties"].(map[string]any)
	dur, _ := props["duration"].(map[string]any)
	if typ.Name != "example_long_running" || typ.Description == "" || dur["maximum"] != float64(3600) || typ.Roles == nil {
		t.Fatalf("type %+v", typ)
	}
	p := s.do(t, "GET", "/tasks/types/nope", token, nil).problem(t, http.StatusNotFound)
	if !slices.Contains(p.KnownTaskTypes, "example_long_running") {
		t.Fatalf("404 does not list the known types: %+v", p)
	}
}

func TestAuthRejections(t *testing.T) {
	t.Parallel()
	s := shared
	now := time.Now()
	base := func() jwt.MapClaims {
		return jwt.MapClaims{"sub": "x", "iss": auth.Issuer, "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	}
	with := func(f func(jwt.MapClaims)) jwt.MapClaims { c := base(); f(c); return c }
	sign := func(claims jwt.MapClaims, method jwt.SigningMethod, key any, kid string) string {
		tok := jwt.NewWithClaims(method, claims)
		tok.Header["kid"] = kid
		out, err := tok.SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	kid := s.key.KeyID()
	es := func(c jwt.MapClaims) string { return sign(c, jwt.SigningMethodES256, s.priv, kid) }
	pub, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		t.Fatal(err)
	}
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, base()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	service, err := s.key.Mint(auth.Token{Subject: "computor-api", Roles: []string{auth.RoleAPIService}, TTL: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		token  string
		detail string
	}{
		{"missing", "", "missing bearer token"},
		{"garbage", "not-a-jwt", "malformed"},
		{"alg none", none, "unsupported signing algorithm"},
		// The public key as an HMAC secret: the classic key confusion.
		{"HS256 with the public key", sign(base(), jwt.SigningMethodHS256, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub}), kid), "unsupported signing algorithm"},
		{"another key, same kid", sign(base(), jwt.SigningMethodES256, other, kid), "invalid signature"},
		{"another key, its own kid", sign(base(), jwt.SigningMethodES256, other, "attacker"), "unknown signing key"},
		{"expired", es(with(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Hour).Unix() })), "expired"},
		{"not yet valid", es(with(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Hour).Unix() })), "not valid yet"},
		{"no subject", es(with(func(c jwt.MapClaims) { delete(c, "sub") })), "missing sub"},
		{"wrong issuer", es(with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example" })), "wrong issuer"},
		{"exp as a string", es(with(func(c jwt.MapClaims) { c["exp"] = fmt.Sprint(now.Add(time.Hour).Unix()) })), "malformed"},
		{"valid for a year", es(with(func(c jwt.MapClaims) { c["exp"] = now.Add(365 * 24 * time.Hour).Unix() })), "lifetime exceeds the maximum"},
		{"a service's token", service, "service tokens are for the Temporal frontend"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, path := range []string{"/tasks/types", "/tasks", "/tasks/x"} {
				r := s.do(t, "GET", path, tt.token, nil)
				p := r.problem(t, http.StatusUnauthorized)
				if r.header.Get("WWW-Authenticate") == "" {
					t.Fatal("401 without WWW-Authenticate")
				}
				if !strings.Contains(p.Detail, tt.detail) {
					t.Fatalf("detail %q, want it to say %q", p.Detail, tt.detail)
				}
			}
			s.do(t, "POST", "/tasks/submit", tt.token, `{"task_name":"example_long_running"}`).problem(t, http.StatusUnauthorized)
		})
	}
	// A valid token of the stack's key passes.
	s.do(t, "GET", "/tasks/types", es(base()), nil).want(t, http.StatusOK)
}

func TestSubmitBadInput(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "bad-input-user")

	p := s.do(t, "POST", "/tasks/submit", token, `{"task_name":"no_such_task"}`).problem(t, http.StatusBadRequest)
	if len(p.KnownTaskTypes) < 8 || p.KnownTaskTypes[0] != "example_long_running" {
		t.Fatalf("unknown type does not list the known ones: %+v", p)
	}
	s.do(t, "POST", "/tasks/submit", token, `{"task_name":`).problem(t, http.StatusBadRequest)
	s.do(t, "POST", "/tasks/submit", token, `[1,2]`).problem(t, http.StatusBadRequest)
	s.do(t, "POST", "/tasks/submit", token, `{"task_name":"example_long_running"} {}`).problem(t, http.StatusBadRequest)

	big := `{"task_name":"example_long_running","parameters":{"message":"` + strings.Repeat("x", 1<<20) + `"}}`
	s.do(t, "POST", "/tasks/submit", token, big).problem(t, http.StatusRequestEntityTooLarge)

	tests := []struct {
		name   string
		body   string
		fields []string
	}{
		{"missing task_name", `{"parameters":{}}`, []string{"task_name"}},
		{"wrong types", `{"task_name":5,"priority":"high","delay":"soon"}`, []string{"delay", "priority", "task_name"}},
		{"unknown field", `{"task_name":"example_long_running","colour":"red"}`, []string{"colour"}},
		{"negative delay", `{"task_name":"example_long_running","delay":-1}`, []string{"delay"}},
		{"params out of range", `{"task_name":"example_long_running","parameters":{"duration":-5,"message":7,"extra":1}}`,
			[]string{"parameters.duration", "parameters.extra", "parameters.message"}},
		{"params not an object", `{"task_name":"example_long_running","parameters":[1]}`, []string{"parameters.parameters"}},
		{"bad enum", `{"task_name":"example_data_processing","parameters":{"processing_type":"sort"}}`, []string{"parameters.processing_type"}},
		{"too many chunks", `{"task_name":"example_data_processing","parameters":{"data_size":1000000,"chunk_size":1}}`, []string{"parameters.chunk_size"}},
		{"bad error type", `{"task_name":"example_error_handling","parameters":{"error_type":"boom","fail_attempts":99}}`,
			[]string{"parameters.error_type", "parameters.fail_attempts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := s.do(t, "POST", "/tasks/submit", token, tt.body).problem(t, http.StatusUnprocessableEntity)
			if got := p.fields(); !slices.Equal(got, tt.fields) {
				t.Fatalf("fields %v, want %v (%+v)", got, tt.fields, p)
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Fatalf("field %s without a message", e.Field)
				}
			}
		})
	}
	// Nothing was started by any of the above.
	var list struct {
		Tasks []taskInfo `json:"tasks"`
	}
	s.do(t, "GET", "/tasks", token, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Tasks) != 0 {
		t.Fatalf("bad submits started %d tasks", len(list.Tasks))
	}

	s.do(t, "POST", "/tasks/submit", token, `{"task_name":"example_long_running"}`, "Idempotency-Key", strings.Repeat("k", 300)).
		problem(t, http.StatusBadRequest)
	s.do(t, "GET", "/tasks/example_long_running-00000000-0000-0000-0000-000000000000", token, nil).problem(t, http.StatusNotFound)
	s.do(t, "GET", "/tasks/example_long_running-00000000-0000-0000-0000-000000000000/result", token, nil).problem(t, http.StatusNotFound)
	s.do(t, "POST", "/tasks/example_long_running-00000000-0000-0000-0000-000000000000/cancel", token, nil).problem(t, http.StatusNotFound)
	s.do(t, "GET", "/tasks/x/result?wait=2m", token, nil).problem(t, http.StatusUnprocessableEntity)
	s.do(t, "GET", "/tasks?status=DONE&limit=0&queue=q", token, nil).problem(t, http.StatusUnprocessableEntity)
	s.do(t, "GET", "/nowhere", token, nil).problem(t, http.StatusNotFound)
}

func TestLongRunningLifecycle(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "lifecycle-user")
	id := s.submit(t, token, "example_long_running", map[string]any{"duration": 3, "message": "Testing Temporal task"}, 0)

	// While it runs: STARTED with progress from the heartbeat, and the
	// result endpoint answers 202 at once.
	eventually(t, 20*time.Second, "progress", func() bool {
		info := s.task(t, token, id)
		return info.Status == "STARTED" && info.Progress != nil && info.Progress.Percent > 0
	})
	start := time.Now()
	var pending taskResult
	s.do(t, "GET", "/tasks/"+id+"/result", token, nil).want(t, http.StatusAccepted).json(t, &pending)
	if pending.Status != "STARTED" || pending.Result != nil || time.Since(start) > 2*time.Second {
		t.Fatalf("pending result %+v", pending)
	}

	res := s.await(t, token, id)
	if res.Status != "FINISHED" {
		t.Fatalf("result %+v", res)
	}
	var out struct {
		Message           string    `json:"message"`
		DurationRequested int       `json:"duration_requested"`
		DurationActual    float64   `json:"duration_actual"`
		StartedAt         time.Time `json:"started_at"`
		CompletedAt       time.Time `json:"completed_at"`
	}
	if err := json.Unmarshal(res.Result, &out); err != nil {
		t.Fatal(err)
	}
	if out.Message != "Testing Temporal task" || out.DurationRequested != 3 || out.DurationActual < 3 || !out.CompletedAt.After(out.StartedAt) {
		t.Fatalf("result %s", res.Result)
	}
	info := s.task(t, token, id)
	if info.Status != "FINISHED" || info.StartedAt == nil || info.FinishedAt == nil || info.Error != nil ||
		info.Worker == nil || info.Queue != tasks.QueueDefault || info.Retries != 0 || info.Submitter != "lifecycle-user" ||
		info.FinishedAt.Before(*info.StartedAt) || info.StartedAt.Before(info.CreatedAt) {
		t.Fatalf("finished task %+v", info)
	}
}

func TestZeroDurationAndDataProcessing(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "data-user")
	zero := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, 0)
	data := s.submit(t, token, "example_data_processing", map[string]any{"data_size": 1000, "processing_type": "transform"}, 5)
	filter := s.submit(t, token, "example_data_processing", map[string]any{"data_size": 1001, "processing_type": "filter", "chunk_size": 100}, 5)

	if res := s.await(t, token, zero); res.Status != "FINISHED" {
		t.Fatalf("zero-duration %+v", res)
	}
	var out struct {
		ItemsProcessed int   `json:"items_processed"`
		Value          int64 `json:"value"`
		Chunks         int   `json:"chunks"`
		ItemsOutput    int   `json:"items_output"`
	}
	res := s.await(t, token, data)
	if err := json.Unmarshal(res.Result, &out); err != nil || res.Status != "FINISHED" {
		t.Fatalf("data processing %+v: %v", res, err)
	}
	// transform doubles each value 0..n-1: the sum is n(n-1).
	if out.ItemsProcessed != 1000 || out.Value != 1000*999 || out.Chunks != 10 {
		t.Fatalf("transform result %s", res.Result)
	}
	res = s.await(t, token, filter)
	if err := json.Unmarshal(res.Result, &out); err != nil {
		t.Fatal(err)
	}
	// Multiples of 3 below 1001: 0, 3, ..., 999 — 334 of them, summing to 3*(333*334/2).
	if out.ItemsOutput != 334 || out.Value != 3*333*334/2 || out.Chunks != 11 {
		t.Fatalf("filter result %s", res.Result)
	}
}

func TestPriorityRouting(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "priority-user")
	tc, err := engine.Dial(context.Background(), s.clientConfig(t, "", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	tests := []struct {
		priority  int
		queue     string
		wantKey   int32
		wantLabel int
	}{
		{10, tasks.QueueHigh, 1, 10},
		{6, tasks.QueueHigh, 5, 6},
		{5, tasks.QueueDefault, 1, 5},
		{0, tasks.QueueDefault, 5, 0},
		{-1, tasks.QueueLow, 1, -1},
		{-9, tasks.QueueLow, 5, -9},
	}
	for _, tt := range tests {
		id := s.submit(t, token, "example_long_running", map[string]any{"duration": 0}, tt.priority)
		desc, err := tc.DescribeWorkflowExecution(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		info := desc.GetWorkflowExecutionInfo()
		if info.GetTaskQueue() != tt.queue || info.GetPriority().GetPriorityKey() != tt.wantKey {
			t.Errorf("priority %d: temporal recorded queue %q key %d, want %q key %d",
				tt.priority, info.GetTaskQueue(), info.GetPriority().GetPriorityKey(), tt.queue, tt.wantKey)
		}
		if res := s.await(t, token, id); res.Status != "FINISHED" {
			t.Errorf("priority %d: %+v", tt.priority, res)
		}
		got := s.task(t, token, id)
		if got.Queue != tt.queue || got.Priority != tt.wantLabel {
			t.Errorf("priority %d: api says queue %q priority %d", tt.priority, got.Queue, got.Priority)
		}
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "cancel-user")
	id := s.submit(t, token, "example_long_running", map[string]any{"duration": 60}, 0)
	eventually(t, 20*time.Second, "started", func() bool { return s.task(t, token, id).Progress != nil })
	s.do(t, "POST", "/tasks/"+id+"/cancel", token, nil).want(t, http.StatusAccepted)
	res := s.await(t, token, id)
	if res.Status != "CANCELLED" || res.Error == nil {
		t.Fatalf("cancelled result %+v", res)
	}
	if info := s.task(t, token, id); info.Status != "CANCELLED" || info.FinishedAt == nil ||
		info.FinishedAt.Sub(info.CreatedAt) > 30*time.Second {
		t.Fatalf("cancelled task %+v", info)
	}
	// Cancelling an ended task is a conflict.
	s.do(t, "POST", "/tasks/"+id+"/cancel", token, nil).problem(t, http.StatusConflict)
}

func TestRetriesAndFailure(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "error-user")
	tc, err := engine.Dial(context.Background(), s.clientConfig(t, "", auth.RoleAdmin))
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()

	flaky := s.submit(t, token, "example_error_handling", map[string]any{"fail_attempts": 2}, 0)
	broken := s.submit(t, token, "example_error_handling", map[string]any{"should_fail": true, "error_type": "non_retryable"}, 0)
	slow := s.submit(t, token, "example_error_handling", map[string]any{"should_fail": true, "error_type": "timeout"}, 0)

	res := s.await(t, token, flaky)
	var out struct {
		Attempts int `json:"attempts"`
	}
	if err := json.Unmarshal(res.Result, &out); err != nil || res.Status != "FINISHED" || out.Attempts != 3 {
		t.Fatalf("flaky %+v", res)
	}
	if info := s.task(t, token, flaky); info.Retries != 2 || info.Status != "FINISHED" {
		t.Fatalf("flaky task %+v", info)
	}

	for _, id := range []string{broken, slow} {
		res := s.await(t, token, id)
		if res.Status != "FAILED" || res.Error == nil || *res.Error == "" || res.Result != nil {
			t.Fatalf("failed result %+v", res)
		}
		info := s.task(t, token, id)
		if info.Status != "FAILED" || info.Error == nil || *info.Error != *res.Error {
			t.Fatalf("failed task %+v", info)
		}
		// Failed in Temporal too, not completed with an error inside.
		desc, err := tc.DescribeWorkflowExecution(context.Background(), id, "")
		if err != nil {
			t.Fatal(err)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_FAILED {
			t.Fatalf("temporal status %s, want FAILED", st)
		}
	}
	if info := s.task(t, token, broken); !strings.Contains(*info.Error, "activity example_error_handling.attempt failed") || info.Retries != 0 {
		t.Fatalf("non-retryable error %q, retries %d", *info.Error, info.Retries)
	}
	if info := s.task(t, token, slow); !strings.Contains(*info.Error, "timed out") {
		t.Fatalf("timeout error %q", *info.Error)
	}
}

func TestIdempotentSubmit(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "idem-user")
	other := s.tokenFor(t, "idem-other")
	params := map[string]any{"duration": 0}
	first := s.submit(t, token, "example_long_running", params, 0, "Idempotency-Key", "key-1")
	again := s.submit(t, token, "example_long_running", params, 0, "Idempotency-Key", "key-1")
	if first != again {
		t.Fatalf("retried submit got %s, first %s", again, first)
	}
	s.await(t, token, first)
	// After it finished, the same key still finds it.
	if late := s.submit(t, token, "example_long_running", params, 0, "Idempotency-Key", "key-1"); late != first {
		t.Fatalf("late retry got %s", late)
	}
	// Another key, or another user with the same key, is another task.
	if fresh := s.submit(t, token, "example_long_running", params, 0, "Idempotency-Key", "key-2"); fresh == first {
		t.Fatal("another key gave the same task")
	}
	if theirs := s.submit(t, other, "example_long_running", params, 0, "Idempotency-Key", "key-1"); theirs == first {
		t.Fatal("another user's key gave the same task")
	}
	var list struct {
		Tasks []taskInfo `json:"tasks"`
	}
	eventually(t, 10*time.Second, "two tasks listed", func() bool {
		s.do(t, "GET", "/tasks", token, nil).want(t, http.StatusOK).json(t, &list)
		if len(list.Tasks) > 2 {
			t.Fatalf("%d tasks listed, want 2: %+v", len(list.Tasks), list.Tasks)
		}
		return len(list.Tasks) == 2
	})
	time.Sleep(500 * time.Millisecond)
	s.do(t, "GET", "/tasks", token, nil).want(t, http.StatusOK).json(t, &list)
	if len(list.Tasks) != 2 {
		t.Fatalf("idem-user has %d tasks, want 2", len(list.Tasks))
	}
}

func TestDelayedStart(t *testing.T) {
	t.Parallel()
	s := shared
	token := s.tokenFor(t, "delay-user")
	r := s.do(t, "POST", "/tasks/submit", token, map[string]any{"task_name": "example_long_running", "parameters": map[string]any{"duration": 0}, "delay": 3})
	var reply submitReply
	r.want(t, http.StatusAccepted).json(t, &reply)
	submitted := time.Now()
	if info := s.task(t, token, reply.TaskID); info.Status != "QUEUED" || info.StartedAt != nil {
		t.Fatalf("delayed task %+v", info)
	}
	res := s.await(t, token, reply.TaskID)
	info := s.task(t, token, reply.TaskID)
	if res.Status != "FINISHED" || info.StartedAt == nil || info.StartedAt.Sub(info.CreatedAt) < 2500*time.Millisecond || time.Since(submitted) < 2*time.Second {
		t.Fatalf("delayed task started too early: %+v", info)
	}
}

func TestVisibilityAndList(t *testing.T) {
	t.Parallel()
	s := shared
	alice := s.tokenFor(t, "list-alice")
	bob := s.tokenFor(t, "list-bob")
	admin := s.tokenFor(t, "list-admin", "admin")

	var ids []string
	for i := range 5 {
		ids = append(ids, s.submit(t, alice, "example_long_running", map[string]any{"duration": 0}, i))
	}
	failing := s.submit(t, alice, "example_error_handling", map[string]any{"should_fail": true, "error_type": "non_retryable"}, 0)
	bobs := s.submit(t, bob, "example_long_running", map[string]any{"duration": 0}, 0)
	for _, id := range append(ids, failing) {
		s.await(t, alice, id)
	}
	s.await(t, bob, bobs)

	// Bob sees and cancels none of Alice's tasks.
	s.do(t, "GET", "/tasks/"+ids[0], bob, nil).problem(t, http.StatusNotFound)
	s.do(t, "GET", "/tasks/"+ids[0]+"/result", bob, nil).problem(t, http.StatusNotFound)
	s.do(t, "POST", "/tasks/"+ids[0]+"/cancel", bob, nil).problem(t, http.StatusNotFound)
	s.do(t, "GET", "/tasks?submitter=list-alice", bob, nil).problem(t, http.StatusUnprocessableEntity)
	// The admin sees everything.
	if info := s.task(t, admin, ids[0]); info.Submitter != "list-alice" {
		t.Fatalf("admin view %+v", info)
	}

	type page struct {
		Tasks      []taskInfo `json:"tasks"`
		NextCursor string     `json:"next_cursor"`
	}
	// Alice pages through her six tasks two at a time.
	var seen []string
	cursor := ""
	for range 10 {
		var p page
		path := "/tasks?limit=2"
		if cursor != "" {
			path += "&cursor=" + cursor
		}
		s.do(t, "GET", path, alice, nil).want(t, http.StatusOK).json(t, &p)
		for _, ti := range p.Tasks {
			if ti.Submitter != "list-alice" {
				t.Fatalf("alice listed %+v", ti)
			}
			seen = append(seen, ti.TaskID)
		}
		if p.NextCursor == "" {
			break
		}
		cursor = p.NextCursor
	}
	if len(seen) != 6 {
		t.Fatalf("alice paged %d tasks, want 6: %v", len(seen), seen)
	}
	// Ended tasks come newest first.
	var p page
	s.do(t, "GET", "/tasks?status=FAILED", alice, nil).want(t, http.StatusOK).json(t, &p)
	if len(p.Tasks) != 1 || p.Tasks[0].TaskID != failing || p.Tasks[0].Status != "FAILED" {
		t.Fatalf("failed filter %+v", p.Tasks)
	}
	s.do(t, "GET", "/tasks?status=finished&task_name=example_long_running&queue=computor-tasks", alice, nil).want(t, http.StatusOK).json(t, &p)
	if len(p.Tasks) != 5 {
		t.Fatalf("finished filter: %d tasks", len(p.Tasks))
	}
	for i := 1; i < len(p.Tasks); i++ {
		if p.Tasks[i].FinishedAt.After(*p.Tasks[i-1].FinishedAt) {
			t.Fatalf("not newest first: %v then %v", p.Tasks[i-1].FinishedAt, p.Tasks[i].FinishedAt)
		}
	}
	s.do(t, "GET", "/tasks?submitter=list-bob", admin, nil).want(t, http.StatusOK).json(t, &p)
	if len(p.Tasks) != 1 || p.Tasks[0].TaskID != bobs {
		t.Fatalf("admin filter by submitter: %+v", p.Tasks)
	}
	s.do(t, "GET", "/tasks?cursor=!!", alice, nil).problem(t, http.StatusUnprocessableEntity)
}

func TestWorkersStatus(t *testing.T) {
	t.Parallel()
	s := shared
	s.do(t, "GET", "/tasks/workers/status", s.tokenFor(t, "not-admin"), nil).problem(t, http.StatusForbidden)
	var st struct {
		Queues []struct {
			Queue           string `json:"queue"`
			WorkflowPollers []struct {
				Identity       string    `json:"identity"`
				LastAccessTime time.Time `json:"last_access_time"`
			} `json:"workflow_pollers"`
			ActivityPollers []struct {
				Identity string `json:"identity"`
			} `json:"activity_pollers"`
			WorkflowBacklog int64 `json:"workflow_backlog"`
		} `json:"queues"`
		Workers   []string `json:"workers"`
		Sandboxes map[string]*struct {
			Cgroup    string   `json:"cgroup"`
			DiskLimit bool     `json:"disk_limit"`
			Seccomp   bool     `json:"seccomp"`
			Notes     []string `json:"notes"`
		} `json:"sandboxes"`
	}
	admin := s.tokenFor(t, "status-admin", "admin")
	// Pollers show up once the worker has polled each queue; the dev
	// worker polls all three.
	eventually(t, 30*time.Second, "pollers on every queue", func() bool {
		s.do(t, "GET", "/tasks/workers/status", admin, nil).want(t, http.StatusOK).json(t, &st)
		for _, q := range st.Queues {
			if len(q.WorkflowPollers) == 0 || len(q.ActivityPollers) == 0 {
				return false
			}
		}
		return len(st.Queues) == 3
	})
	if len(st.Workers) == 0 || st.Queues[0].Queue != tasks.QueueDefault {
		t.Fatalf("status %+v", st)
	}
	for _, q := range st.Queues {
		if age := time.Since(q.WorkflowPollers[0].LastAccessTime); age > 5*time.Minute || q.WorkflowBacklog < 0 {
			t.Fatalf("queue %s: poller seen %s ago, backlog %d", q.Queue, age, q.WorkflowBacklog)
		}
	}
	// The dev worker is host:pid and says how its sandbox isolates runs:
	// on this host, with every defence.
	host, _ := os.Hostname()
	me := fmt.Sprintf("%s:%d", host, os.Getpid())
	if !slices.Contains(st.Workers, me) {
		t.Fatalf("workers %v, want %s among them", st.Workers, me)
	}
	sb := st.Sandboxes[me]
	if sb == nil || sb.Cgroup == "" || sb.Cgroup == "none" || !sb.DiskLimit || !sb.Seccomp {
		t.Errorf("sandbox of %s: %+v; want cgroups, bounded work dirs and seccomp on this host", me, sb)
	}
}
