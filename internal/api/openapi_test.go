package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/api/apitest"
	"github.com/computor-org/computor-go/internal/store"
)

// fullServer is a test server with every optional part, so that its
// description has every route: a store and git that are never called.
func fullServer(t *testing.T) *testBundle {
	t.Helper()
	b := setup(t)
	b.server.store = struct{ store.Store }{}
	b.server.git = stubGit{}
	b.server.jwks = []byte(`{"keys":[]}`)
	return b
}

type stubGit struct{}

func (stubGit) Handler(string, func(*http.Request, string, bool) error, func(http.ResponseWriter, *http.Request, error)) http.Handler {
	return http.NotFoundHandler()
}

// spec checks the served description with libopenapi's validator against
// the OpenAPI 3.1 schema, and returns it parsed, and as JSON.
func spec(t *testing.T, b *testBundle) (*apitest.Spec, map[string]any) {
	t.Helper()
	w := b.do(t, "GET", "/openapi.json", "", "")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("GET /openapi.json: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	sp, err := apitest.NewSpec(w.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatal(err)
	}
	return sp, raw
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	b := fullServer(t)
	_, desc := spec(t, b)
	paths := desc["paths"].(map[string]any)
	for _, rt := range b.server.routes() {
		method, path, _ := strings.Cut(rt.pattern, " ")
		item, ok := paths[path].(map[string]any)
		if !ok || item[strings.ToLower(method)] == nil {
			t.Errorf("%s is served but not described", rt.pattern)
		}
	}
	for _, want := range []string{"/healthz", "/readyz", "/.well-known/jwks.json", "/openapi.json", "/docs",
		"/tasks/submit", "/tasks", "/tasks/{id}", "/tasks/{id}/result", "/tasks/{id}/cancel", "/tasks/types",
		"/tasks/types/{name}", "/tasks/workers/status", "/organizations", "/course-families", "/courses",
		"/courses/{id}/members", "/courses/{id}/contents", "/results",
		"/git/{organization}/{family}/{course}/{repository}.git/info/refs",
		"/git/{organization}/{family}/{course}/students/{username}.git/git-receive-pack"} {
		if paths[want] == nil {
			t.Errorf("%s is not described", want)
		}
	}

	// Without a store and git, their routes are neither served nor described.
	_, bare := spec(t, setup(t))
	for path := range bare["paths"].(map[string]any) {
		if strings.HasPrefix(path, "/courses") || strings.HasPrefix(path, "/git/") || path == "/.well-known/jwks.json" {
			t.Errorf("%s is described but not served", path)
		}
	}
}

// The body of a submit is one schema per task type, told apart by
// task_name, with the registry's parameter schema.
func TestOpenAPISubmitBody(t *testing.T) {
	t.Parallel()
	b := setup(t)
	_, desc := spec(t, b)
	schemas := desc["components"].(map[string]any)["schemas"].(map[string]any)
	body := schemas["SubmitParams"].(map[string]any)
	mapping := body["discriminator"].(map[string]any)["mapping"].(map[string]any)
	var names []string
	for _, one := range body["oneOf"].([]any) {
		name := strings.TrimPrefix(one.(map[string]any)["$ref"].(string), "#/components/schemas/Submit.")
		names = append(names, name)
		if mapping[name] != "#/components/schemas/Submit."+name {
			t.Errorf("discriminator mapping of %s: %v", name, mapping[name])
		}
		props := schemas["Submit."+name].(map[string]any)["properties"].(map[string]any)
		if c := props["task_name"].(map[string]any)["const"]; c != name {
			t.Errorf("Submit.%s: task_name const %v", name, c)
		}
		typ, _ := b.registry.Get(name)
		want, _ := json.Marshal(withoutDialect(typ.Schema()))
		got, _ := json.Marshal(props["parameters"])
		if string(got) != string(want) {
			t.Errorf("Submit.%s: parameters\n%s\nwant the registry's\n%s", name, got, want)
		}
	}
	if want := b.registry.Names(); !slices.Equal(slices.Sorted(slices.Values(names)), slices.Sorted(slices.Values(want))) {
		t.Errorf("submit body's task types %v, want %v", names, want)
	}
}

// withoutDialect is a parameter schema as the description holds it: without
// $schema (the document's dialect is the same) and without empty required
// lists, which mean nothing.
func withoutDialect(schema map[string]any) map[string]any {
	var clean func(v any) any
	clean = func(v any) any {
		switch v := v.(type) {
		case map[string]any:
			out := map[string]any{}
			for k, e := range v {
				if req, ok := e.([]string); k == "$schema" || ok && len(req) == 0 {
					continue
				}
				out[k] = clean(e)
			}
			return out
		case []any:
			out := make([]any, len(v))
			for i, e := range v {
				out[i] = clean(e)
			}
			return out
		}
		return v
	}
	return clean(schema).(map[string]any)
}

// What the handlers answer fits the description, for the answers that need
// no Temporal (test/e2e checks every answer of a real stack).
func TestOpenAPIResponsesFit(t *testing.T) {
	t.Parallel()
	b := fullServer(t)
	sp, _ := spec(t, b)
	alice := b.token("alice")
	tests := []struct {
		method, target, token, body string
		status                      int
	}{
		{"GET", "/healthz", "", "", 200},
		{"GET", "/openapi.json", "", "", 200},
		{"GET", "/.well-known/jwks.json", "", "", 200},
		{"GET", "/tasks", "", "", 401},
		{"GET", "/tasks/types", alice, "", 200},
		{"GET", "/tasks/types/example_long_running", alice, "", 200},
		{"GET", "/tasks/types/nope", alice, "", 404},
		{"GET", "/tasks/workers/status", alice, "", 403},
		{"GET", "/tasks?status=DONE&limit=0", alice, "", 422},
		{"GET", "/tasks/x/result?wait=2m", alice, "", 422},
		{"POST", "/tasks/submit", alice, "{", 400},
		{"POST", "/tasks/submit", alice, `{"task_name": "nope"}`, 400},
		{"POST", "/tasks/submit", alice, `{"task_name": "create_course", "parameters": {}}`, 403},
		{"POST", "/tasks/submit", alice, `{"task_name": "example_long_running", "parameters": {"duration": -1}}`, 422},
		{"POST", "/tasks/submit", alice, `{"task_name": "example_long_running", "parameters": {}, "delay": "soon"}`, 422},
	}
	// The validator refuses what does not fit: a status not described, a
	// body of another shape.
	for _, bad := range []struct {
		target string
		status int
		body   string
	}{
		{"/tasks/types", 418, `["x"]`},
		{"/tasks/types", 200, `{"names": ["x"]}`},
		{"/tasks/types/x", 200, `{"name": "x"}`},
		{"/tasks/types/x", 404, `{"title": "Not Found"}`},
	} {
		w := httptest.NewRecorder()
		writeJSON(w, bad.status, json.RawMessage(bad.body))
		if err := sp.Check(httptest.NewRequest("GET", bad.target, nil), w.Code, w.Header(), w.Body.Bytes()); err == nil {
			t.Errorf("GET %s answered %d %s passes", bad.target, bad.status, bad.body)
		}
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			w := b.do(t, tt.method, tt.target, tt.token, tt.body)
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.status, w.Body)
			}
			if err := sp.Check(httptest.NewRequest(tt.method, tt.target, nil), w.Code, w.Header(), w.Body.Bytes()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestDocs(t *testing.T) {
	t.Parallel()
	b := setup(t)
	page := b.do(t, "GET", "/docs", "", "")
	if page.Code != http.StatusOK || !strings.HasPrefix(page.Header().Get("Content-Type"), "text/html") {
		t.Fatalf("GET /docs: %d %s", page.Code, page.Header().Get("Content-Type"))
	}
	csp := page.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if strings.Contains(page.Body.String(), "http") {
		t.Errorf("the page loads something from elsewhere:\n%s", page.Body)
	}
	for _, file := range []string{"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/init.js", "/docs/favicon-32x32.png"} {
		if !strings.Contains(page.Body.String(), file) {
			t.Errorf("the page does not load %s", file)
		}
		w := b.do(t, "GET", file, "", "")
		if w.Code != http.StatusOK || w.Body.Len() == 0 || w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("GET %s: %d, %d bytes, CSP %q", file, w.Code, w.Body.Len(), w.Header().Get("Content-Security-Policy"))
		}
	}
	if w := b.do(t, "GET", "/docs/index.html", "", ""); w.Code != http.StatusNotFound {
		t.Errorf("GET /docs/index.html: %d, want 404", w.Code)
	}
	if w := b.do(t, "GET", "/docs/init.js", "", ""); !strings.Contains(w.Body.String(), `url: "/openapi.json"`) {
		t.Errorf("init.js does not load /openapi.json:\n%s", w.Body)
	}
}
