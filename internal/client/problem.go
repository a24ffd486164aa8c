package client

import (
	"fmt"
	"strings"
)

// FieldError names one field of a request that does not fit.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Problem is an error answer of the API: an RFC 9457 problem+json body,
// or what came instead.
type Problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	// Errors names each bad field of a 422.
	Errors []FieldError `json:"errors"`
	// KnownTaskTypes lists the task types when an unknown one was named.
	KnownTaskTypes []string `json:"known_task_types"`
	// TaskID names a task the failed request did start or change.
	TaskID string `json:"task_id"`

	// Body is the answer as it came, for --json.
	Body []byte `json:"-"`
	// Hint says what to do, where the client knows more than the API.
	Hint string `json:"-"`
}

// Error is the problem in readable lines: the status and detail, then one
// line per bad field ("parameters.duration: must be an integer").
func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d %s", p.Status, p.Title)
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	for _, f := range p.Errors {
		fmt.Fprintf(&b, "\n  %s: %s", f.Field, f.Message)
	}
	if len(p.KnownTaskTypes) > 0 {
		b.WriteString("\n  known task types: " + strings.Join(p.KnownTaskTypes, ", "))
	}
	if p.TaskID != "" {
		fmt.Fprintf(&b, "\n  task %s: look it up (computor status %s) before trying again", p.TaskID, p.TaskID)
	}
	if p.Hint != "" {
		b.WriteString("\n  " + p.Hint)
	}
	return b.String()
}
