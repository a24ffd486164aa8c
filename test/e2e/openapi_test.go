package e2e

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"testing"

	"github.com/computor-org/computor-go/internal/api/apitest"
)

// Every answer a test receives through (*stack).do is checked against the
// stack's own /openapi.json: its status must be described for the route,
// and its body must fit the schema, so that the code and its description
// cannot drift apart.

// specs holds the description of each API address, read at its first answer.
var specs sync.Map // string → *apitest.Spec

// spec returns the stack's description, checked as OpenAPI.
func (s *stack) spec(t testing.TB) *apitest.Spec {
	t.Helper()
	if sp, ok := specs.Load(s.api); ok {
		return sp.(*apitest.Spec)
	}
	resp, err := http.Get(s.api + "/openapi.json")
	if err != nil {
		t.Fatalf("GET /openapi.json: %v", err)
	}
	defer resp.Body.Close()
	doc, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	sp, err := apitest.NewSpec(doc)
	if err != nil {
		t.Fatalf("/openapi.json: %v", err)
	}
	got, _ := specs.LoadOrStore(s.api, sp)
	return got.(*apitest.Spec)
}

// checkSpec fails the test when an answer does not fit the description. An
// answer of a route the description does not have must be the API's
// problem+json 404 for a path it does not serve.
func (s *stack) checkSpec(t testing.TB, method, path string, r response) {
	t.Helper()
	req, err := http.NewRequest(method, s.api+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = s.spec(t).Check(req, r.status, r.header, r.body)
	if errors.Is(err, apitest.ErrNotDescribed) {
		var p struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
		}
		if r.status == http.StatusNotFound && r.header.Get("Content-Type") == "application/problem+json" &&
			json.Unmarshal(r.body, &p) == nil && p.Status == http.StatusNotFound && p.Title != "" {
			return
		}
	}
	if err != nil {
		t.Errorf("%v\nthe answer: %.2000s", err, r.body)
	}
}
