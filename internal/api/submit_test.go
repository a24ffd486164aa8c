package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func submitRequest(body string) *http.Request {
	return httptest.NewRequest(http.MethodPost, "/tasks/submit", strings.NewReader(body))
}

func TestDecodeSubmitValid(t *testing.T) {
	t.Parallel()
	maxDelay := strconv.Itoa(int(MaxDelay.Seconds()))
	tests := []struct {
		name string
		body string
		want SubmitParams
	}{
		{"defaults", `{"task_name":"example_long_running"}`,
			SubmitParams{TaskName: "example_long_running"}},
		{"all fields", `{"task_name":"t","parameters":{"a":[1,2]},"priority":7,"delay":2.5}`,
			SubmitParams{TaskName: "t", Parameters: json.RawMessage(`{"a":[1,2]}`), Priority: 7, Delay: 2.5}},
		{"null parameters", `{"task_name":"t","parameters":null}`,
			SubmitParams{TaskName: "t", Parameters: json.RawMessage(`null`)}},
		{"negative priority", `{"task_name":"t","priority":-3}`,
			SubmitParams{TaskName: "t", Priority: -3}},
		{"zero delay", `{"task_name":"t","delay":0}`,
			SubmitParams{TaskName: "t"}},
		{"max delay", `{"task_name":"t","delay":` + maxDelay + `}`,
			SubmitParams{TaskName: "t", Delay: MaxDelay.Seconds()}},
		{"surrounding whitespace", " \n\t{\"task_name\":\"t\"}\r\n ",
			SubmitParams{TaskName: "t"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decodeSubmit(submitRequest(tt.body))
			if err != nil {
				t.Fatalf("decodeSubmit(%s): %v", tt.body, err)
			}
			if got.TaskName != tt.want.TaskName || got.Priority != tt.want.Priority || got.Delay != tt.want.Delay ||
				string(got.Parameters) != string(tt.want.Parameters) {
				t.Fatalf("decodeSubmit(%s) = %+v (parameters %s), want %+v", tt.body, got, got.Parameters, tt.want)
			}
		})
	}
}

func TestDecodeSubmitBadRequest(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"empty", ``},
		{"whitespace", "  \n"},
		{"truncated", `{"task_name":`},
		{"syntax", `{task_name: "x"}`},
		{"trailing comma", `{"task_name":"x",}`},
		{"array", `[1,2]`},
		{"string", `"example_long_running"`},
		{"number", `5`},
		{"null", `null`},
		{"two objects", `{"task_name":"x"} {}`},
		{"object then garbage", `{"task_name":"x"} x`},
		{"object then number", `{"task_name":"x"}1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeSubmit(submitRequest(tt.body))
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("decodeSubmit(%q) = %v, want a *Problem", tt.body, err)
			}
			if p.Status != http.StatusBadRequest || p.Detail == "" || len(p.Errors) != 0 {
				t.Fatalf("decodeSubmit(%q) = %+v, want a 400", tt.body, p)
			}
		})
	}
}

func TestDecodeSubmitInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		fields []string
		msg    string // in the first field's message
	}{
		{"task_name number", `{"task_name":5}`, []string{"task_name"}, "a string"},
		{"task_name object", `{"task_name":{}}`, []string{"task_name"}, "a string"},
		{"priority string", `{"task_name":"t","priority":"high"}`, []string{"priority"}, "an integer"},
		{"priority fraction", `{"task_name":"t","priority":1.5}`, []string{"priority"}, "an integer"},
		{"priority overflow", `{"task_name":"t","priority":1e40}`, []string{"priority"}, "an integer"},
		{"delay string", `{"task_name":"t","delay":"soon"}`, []string{"delay"}, "seconds"},
		{"delay bool", `{"task_name":"t","delay":true}`, []string{"delay"}, "seconds"},
		{"delay overflow", `{"task_name":"t","delay":1e400}`, []string{"delay"}, "seconds"},
		{"every type wrong, sorted", `{"task_name":true,"priority":"x","delay":[]}`, []string{"delay", "priority", "task_name"}, "seconds"},
		{"unknown field", `{"task_name":"t","colour":"red"}`, []string{"colour"}, "not a field"},
		{"unknown fields sorted", `{"zeta":1,"task_name":"t","alpha":2}`, []string{"alpha", "zeta"}, "not a field"},
		{"missing task_name", `{}`, []string{"task_name"}, "required"},
		{"missing task_name with parameters", `{"parameters":{}}`, []string{"task_name"}, "required"},
		{"missing task_name and unknown", `{"x":1}`, []string{"task_name", "x"}, "required"},
		{"empty task_name", `{"task_name":""}`, []string{"task_name"}, "empty"},
		{"null task_name", `{"task_name":null}`, []string{"task_name"}, "empty"},
		{"negative delay", `{"task_name":"t","delay":-1}`, []string{"delay"}, "between"},
		{"tiny negative delay", `{"task_name":"t","delay":-0.001}`, []string{"delay"}, "between"},
		{"delay over max", `{"task_name":"t","delay":` + strconv.Itoa(int(MaxDelay.Seconds())+1) + `}`, []string{"delay"}, "between"},
		{"huge delay", `{"task_name":"t","delay":1e300}`, []string{"delay"}, "between"},
		{"wrong type and bad delay", `{"task_name":"t","priority":"x","delay":-5}`, []string{"delay", "priority"}, "between"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decodeSubmit(submitRequest(tt.body))
			var p *Problem
			if !errors.As(err, &p) {
				t.Fatalf("decodeSubmit(%s) = %v, want a *Problem", tt.body, err)
			}
			if p.Status != http.StatusUnprocessableEntity {
				t.Fatalf("decodeSubmit(%s) = %+v, want a 422", tt.body, p)
			}
			if got := fieldNames(p); !slices.Equal(got, tt.fields) {
				t.Fatalf("decodeSubmit(%s) names %v, want %v", tt.body, got, tt.fields)
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Fatalf("field %s without a message", e.Field)
				}
			}
			if !strings.Contains(p.Errors[0].Message, tt.msg) {
				t.Fatalf("message %q does not say %q", p.Errors[0].Message, tt.msg)
			}
		})
	}
}

func TestDecodeSubmitTooLarge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		size  int // of the body
		large bool
	}{
		{"at the limit", MaxBodyBytes, false},
		{"one byte over", MaxBodyBytes + 1, true},
		{"far over", 3 * MaxBodyBytes, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			prefix, suffix := `{"task_name":"t","parameters":"`, `"}`
			body := prefix + strings.Repeat("x", tt.size-len(prefix)-len(suffix)) + suffix
			r := submitRequest(body)
			r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, MaxBodyBytes)
			got, err := decodeSubmit(r)
			if !tt.large {
				if err != nil || got.TaskName != "t" {
					t.Fatalf("decodeSubmit of %d bytes = %+v, %v", len(body), got, err)
				}
				return
			}
			var mbe *http.MaxBytesError
			if !errors.As(err, &mbe) || mbe.Limit != MaxBodyBytes {
				t.Fatalf("decodeSubmit of %d bytes: %v, want an *http.MaxBytesError", len(body), err)
			}
			p, internal := toProblem(err)
			if p.Status != http.StatusRequestEntityTooLarge || internal {
				t.Fatalf("toProblem = %+v, %v; want a 413", p, internal)
			}
			if !strings.Contains(p.Detail, strconv.Itoa(MaxBodyBytes)) {
				t.Fatalf("detail %q does not state the limit", p.Detail)
			}
		})
	}
}

func FuzzDecodeSubmit(f *testing.F) {
	for _, seed := range []string{
		``,
		`{}`,
		`null`,
		`[]`,
		`{"task_name":"example_long_running"}`,
		`{"task_name":"example_data_processing","parameters":{"data_size":10},"priority":7,"delay":1.5}`,
		`{"task_name":"","delay":-1}`,
		`{"task_name":5,"priority":"x","delay":[],"extra":null}`,
		`{"task_name":"t","delay":2592000}`,
		`{"task_name":"t","delay":2592000.5}`,
		`{"task_name":"t","delay":1e400,"priority":1e40}`,
		`{"task_name":"t"} {}`,
		`{"task_name":"t"}}`,
		`{"task_name":"\u0000\ud800"}`,
		"{\"task_name\":\"\xff\xfe\"}",
		`{"task_name":"t","task_name":null}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r := httptest.NewRequest(http.MethodPost, "/tasks/submit", strings.NewReader(string(body)))
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, MaxBodyBytes)
		got, err := decodeSubmit(r)
		if err != nil {
			p, internal := toProblem(err)
			if internal || p.Status < 400 || p.Status > 499 {
				t.Fatalf("decodeSubmit(%q): %v maps to %d (internal %v), want a client error", body, err, p.Status, internal)
			}
			if p.Status == http.StatusUnprocessableEntity {
				if len(p.Errors) == 0 {
					t.Fatalf("decodeSubmit(%q): 422 names no field", body)
				}
				for i, e := range p.Errors {
					if e.Message == "" {
						t.Fatalf("decodeSubmit(%q): field %q without a message", body, e.Field)
					}
					if i > 0 && p.Errors[i-1].Field > e.Field {
						t.Fatalf("decodeSubmit(%q): fields not sorted: %v", body, fieldNames(p))
					}
				}
			}
			return
		}
		if got.TaskName == "" {
			t.Fatalf("decodeSubmit(%q) accepted an empty task_name", body)
		}
		if got.Delay < 0 || got.Delay > MaxDelay.Seconds() {
			t.Fatalf("decodeSubmit(%q) accepted delay %v", body, got.Delay)
		}
		if got.Parameters != nil && !json.Valid(got.Parameters) {
			t.Fatalf("decodeSubmit(%q) returned parameters %q that are not JSON", body, got.Parameters)
		}
	})
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"none", "", true},
		{"normal", "order-42/retry", true},
		{"with spaces and unicode", "my key ünïcødé", true},
		{"at the limit", strings.Repeat("k", MaxIdempotencyKeyLen), true},
		{"one over", strings.Repeat("k", MaxIdempotencyKeyLen+1), false},
		{"NUL", "a\x00b", false},
		{"tab", "a\tb", false},
		{"newline", "a\nb", false},
		{"escape", "\x1b[31mred", false},
		{"DEL", "a\x7f", false},
		{"C1 control", "a\u0085b", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := submitRequest(`{}`)
			if tt.key != "" {
				r.Header.Set("Idempotency-Key", tt.key)
			}
			got, err := idempotencyKey(r)
			if tt.ok {
				if err != nil || got != tt.key {
					t.Fatalf("idempotencyKey(%q) = %q, %v", tt.key, got, err)
				}
				return
			}
			var p *Problem
			if !errors.As(err, &p) || p.Status != http.StatusBadRequest || got != "" {
				t.Fatalf("idempotencyKey(%q) = %q, %v; want a 400", tt.key, got, err)
			}
			if !strings.Contains(p.Detail, "Idempotency-Key") {
				t.Fatalf("detail %q does not name the header", p.Detail)
			}
		})
	}
}
