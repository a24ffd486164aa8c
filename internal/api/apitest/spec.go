// Package apitest checks the API's answers against its OpenAPI description,
// with libopenapi's validator, for the tests of the API and end to end.
package apitest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	validatorerrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/pb33f/libopenapi-validator/helpers"
)

// ErrNotDescribed is the error of an answer to a method and path that the
// description does not have.
var ErrNotDescribed = errors.New("the route is not described")

// Spec is a parsed description, checked against the OpenAPI schema.
type Spec struct {
	mu sync.Mutex // one check at a time
	v  validator.Validator
}

// NewSpec parses an OpenAPI document and checks it: an error tells each
// place where it is not valid OpenAPI.
func NewSpec(doc []byte) (*Spec, error) {
	d, err := libopenapi.NewDocument(doc)
	if err != nil {
		return nil, fmt.Errorf("parse the description: %w", err)
	}
	if _, err := d.BuildV3Model(); err != nil {
		return nil, fmt.Errorf("build the description's model: %w", err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		return nil, fmt.Errorf("validator of the description: %w", errors.Join(errs...))
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		return nil, fmt.Errorf("the description is not valid OpenAPI:\n%s", describe(verrs))
	}
	return &Spec{v: v}, nil
}

// Check returns nil when an answer fits the description of its request's
// route: its status is described there, and its body fits the schema of
// that status and media type. The answer to a route the description does
// not have is an error wrapping ErrNotDescribed.
func (s *Spec) Check(req *http.Request, status int, header http.Header, body []byte) error {
	resp := &http.Response{StatusCode: status, Header: header, Body: io.NopCloser(bytes.NewReader(body)), Request: req}
	s.mu.Lock()
	ok, errs := s.v.ValidateHttpResponse(req, resp)
	s.mu.Unlock()
	switch {
	case ok:
		return nil
	case len(errs) == 1 && errs[0].ValidationType == helpers.PathValidation:
		return fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, ErrNotDescribed)
	}
	return fmt.Errorf("%s %s answered %d, which does not fit the description:\n%s", req.Method, req.URL.Path, status, describe(errs))
}

// describe tells a validator's errors, each on its lines.
func describe(errs []*validatorerrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "%s: %s\n", e.Message, e.Reason)
		for _, f := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "  %s: %s\n", f.FieldPath, f.Reason)
		}
	}
	return b.String()
}
