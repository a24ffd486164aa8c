// Package derrors is Computor's one error vocabulary: the sentinels every
// layer wraps its errors in, and the one type that names bad fields.
//
// Packages that talk to outside systems (store, git, sandbox, auth)
// translate what those systems report into these sentinels at their
// boundary, so no driver or library error type leaves them. The API maps
// the sentinels to HTTP statuses in one table (internal/api), and task
// activities map them to Temporal error types in one place
// (internal/tasks): a sentinel decides both the status a client sees and
// whether Temporal retries.
package derrors

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The sentinels. Wrap them with context: fmt.Errorf("course %q: %w", id,
// derrors.NotFound); test with errors.Is.
var (
	// NotFound: what was asked for does not exist (or is not the caller's
	// to see, which looks the same on purpose).
	NotFound = errors.New("not found")
	// Forbidden: the caller is known but may not do this.
	Forbidden = errors.New("forbidden")
	// Unauthenticated: no caller is known (no or a bad token).
	Unauthenticated = errors.New("unauthenticated")
	// Conflict: the thing exists already, made by someone else, or moved
	// on since the caller looked.
	Conflict = errors.New("conflict")
	// Invalid: a value does not fit; an *InvalidError says which fields.
	Invalid = errors.New("invalid")
	// LimitReached: a per-student limit (max_test_runs, max_submissions)
	// is used up.
	LimitReached = errors.New("limit reached")
	// TooLarge: more data than allowed.
	TooLarge = errors.New("too large")
	// MethodNotAllowed: the path exists, but not for this method.
	MethodNotAllowed = errors.New("method not allowed")
	// Unavailable: a part of the platform (Temporal, the database, the
	// sandbox) cannot serve now; trying again later may work.
	Unavailable = errors.New("unavailable")
	// RateLimited: the caller did this too often lately; a *RateLimitError
	// says when they may again.
	RateLimited = errors.New("rate limited")
)

// RateLimitError is a rate limit a caller ran into, with when the next
// attempt is allowed. It is RateLimited to errors.Is.
type RateLimitError struct {
	Msg        string
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string { return e.Msg }

// Is reports RateLimited.
func (e *RateLimitError) Is(target error) bool { return target == RateLimited }

// FieldError names one field that does not fit and says why.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// InvalidError lists every bad field of one request or set of parameters.
// It is Invalid to errors.Is.
type InvalidError struct {
	Fields []FieldError
}

// Error lists the bad fields.
func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Is makes an *InvalidError match Invalid.
func (e *InvalidError) Is(target error) bool { return target == Invalid }

// InvalidField returns an *InvalidError for one field.
func InvalidField(field, format string, args ...any) error {
	return &InvalidError{Fields: []FieldError{{Field: field, Message: fmt.Sprintf(format, args...)}}}
}

// AsInvalidField turns an error about one field into an *InvalidError for
// it, keeping the error's own text as the message; an error that already
// names its fields is returned as it is.
func AsInvalidField(field string, err error) error {
	var ie *InvalidError
	if errors.As(err, &ie) {
		return ie
	}
	return InvalidField(field, "%s", err.Error())
}
