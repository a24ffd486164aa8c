package api

import (
	"encoding/json"
	"net/http"

	"github.com/google/jsonschema-go/jsonschema"

	"github.com/computor-org/computor-go/internal/grading"
)

// The values of the format query parameter of GET /results and GET
// /tasks/{id}/result.
const (
	formatNative   = "native"
	formatComputor = "computor"
)

// formatParam documents the format query parameter.
var formatParam = query("format",
	"native (default): summaries as this system stores them; computor: each summary in the shape of Computor's testSummary.json (summary, status, result, resultMessage, details, nested tests), derived from the stored one.", &jsonschema.Schema{Type: "string", Enum: []any{formatNative, formatComputor}})

// wantComputor reads the format query parameter.
func wantComputor(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("format"); v {
	case "", formatNative:
		return false, nil
	case formatComputor:
		return true, nil
	default:
		return false, invalidField("format", "must be %s or %s, not %q", formatNative, formatComputor, v)
	}
}

// computorSummary turns a stored summary into Computor's shape. What is
// not a grading summary (such as a failed run's {"error": ...}) is left
// as it is.
func computorSummary(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	var sum grading.Summary
	if err := json.Unmarshal(raw, &sum); err != nil || sum.Tests == nil {
		return raw
	}
	b, err := json.Marshal(sum.Computor())
	if err != nil {
		return raw
	}
	return b
}

// computorTaskResult turns the summaries of a task's result (at its top,
// and under "test" for a submission) into Computor's shape.
func computorTaskResult(raw json.RawMessage) json.RawMessage {
	var top map[string]json.RawMessage
	if json.Unmarshal(raw, &top) != nil {
		return raw
	}
	if s, ok := top["summary"]; ok {
		top["summary"] = computorSummary(s)
	}
	if t, ok := top["test"]; ok {
		var nested map[string]json.RawMessage
		if json.Unmarshal(t, &nested) == nil {
			if s, ok := nested["summary"]; ok {
				nested["summary"] = computorSummary(s)
				if b, err := json.Marshal(nested); err == nil {
					top["test"] = b
				}
			}
		}
	}
	b, err := json.Marshal(top)
	if err != nil {
		return raw
	}
	return b
}
