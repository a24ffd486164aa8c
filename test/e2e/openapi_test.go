package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	validatorerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// Every answer a test receives through (*stack).do is checked against the
// stack's own /openapi.json: its status must be described for the route,
// and its body must fit the schema, so that the code and its description
// cannot drift apart.

// specChecker validates the answers of one stack's API.
type specChecker struct {
	mu sync.Mutex // the validator is used by one test at a time
	v  validator.Validator
}

// specCheckers holds a checker per API address, made at its first answer.
var specCheckers sync.Map // string → *specChecker

// specChecker returns the checker of the stack's description.
func (s *stack) specChecker(t testing.TB) *specChecker {
	t.Helper()
	if c, ok := specCheckers.Load(s.api); ok {
		return c.(*specChecker)
	}
	resp, err := http.Get(s.api + "/openapi.json")
	if err != nil {
		t.Fatalf("GET /openapi.json: %v", err)
	}
	defer resp.Body.Close()
	spec, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /openapi.json: %d %v", resp.StatusCode, err)
	}
	doc, err := libopenapi.NewDocument(spec)
	if err != nil {
		t.Fatalf("parse /openapi.json: %v", err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		t.Fatalf("validator of /openapi.json: %v", errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		t.Fatalf("/openapi.json is not valid OpenAPI:\n%s", describeValidation(verrs))
	}
	c, _ := specCheckers.LoadOrStore(s.api, &specChecker{v: v})
	return c.(*specChecker)
}

// checkSpec fails the test when an answer does not fit the description. An
// answer of a route the description does not have must be the API's
// problem+json 404 for a path it does not serve.
func (s *stack) checkSpec(t testing.TB, method, path string, r response) {
	t.Helper()
	c := s.specChecker(t)
	req, err := http.NewRequest(method, s.api+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp := &http.Response{StatusCode: r.status, Header: r.header, Body: io.NopCloser(bytes.NewReader(r.body)), Request: req}
	c.mu.Lock()
	ok, errs := c.v.ValidateHttpResponse(req, resp)
	c.mu.Unlock()
	if ok {
		return
	}
	if len(errs) == 1 && errs[0].ValidationType == helpers.PathValidation {
		var p struct {
			Status int    `json:"status"`
			Title  string `json:"title"`
		}
		if r.status != http.StatusNotFound || r.header.Get("Content-Type") != "application/problem+json" ||
			json.Unmarshal(r.body, &p) != nil || p.Status != http.StatusNotFound || p.Title == "" {
			t.Errorf("%s %s is not in /openapi.json, yet answered %d %s", method, path, r.status, r.body)
		}
		return
	}
	t.Errorf("%s %s answered %d, which does not fit /openapi.json:\n%s\nthe answer: %.2000s",
		method, path, r.status, describeValidation(errs), r.body)
}

// describeValidation tells a validator's errors, each on its lines.
func describeValidation(errs []*validatorerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "%s: %s\n", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "  %s: %s\n", f.FieldPath, f.Reason)
		}
	}
	return b.String()
}
