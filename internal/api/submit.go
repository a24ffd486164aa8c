package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Limits of a submit.
const (
	MaxDelay             = 30 * 24 * time.Hour
	MaxIdempotencyKeyLen = 255
)

// idempotencyNamespace seeds the name-based UUIDs of idempotent submits.
var idempotencyNamespace = uuid.MustParse("6f1c7f5e-4b0a-4c1e-9a52-2d7c1b0f3e11")

// SubmitParams is the body of POST /tasks/submit.
type SubmitParams struct {
	TaskName   string          `json:"task_name"`
	Parameters json.RawMessage `json:"parameters"`
	// Priority routes the task to a queue (see tasks.QueueFor). Default 0.
	Priority int `json:"priority"`
	// Delay starts the task this many seconds later. Default 0.
	Delay float64 `json:"delay"`
}

// SubmitResponse is the answer to a submit, as in the usage guide.
type SubmitResponse struct {
	TaskID  string `json:"task_id"`
	Status  string `json:"status"`
	Message string `json:"message"`
}

// decodeSubmit reads the body: malformed JSON is a 400, fields of the wrong
// type or unknown fields a 422 that names them.
func decodeSubmit(r *http.Request) (SubmitParams, error) {
	var p SubmitParams
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return p, err // MaxBytesError becomes 413
	}
	var fields map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&fields); err != nil {
		return p, problem(http.StatusBadRequest, "the body is not a JSON object: %v", err)
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return p, problem(http.StatusBadRequest, "the body holds more than one JSON value")
	}
	if fields == nil {
		return p, problem(http.StatusBadRequest, "the body is not a JSON object")
	}
	var bad []derrors.FieldError
	fail := func(field, msg string) { bad = append(bad, derrors.FieldError{Field: field, Message: msg}) }
	for name, raw := range fields {
		var err error
		switch name {
		case "task_name":
			err = json.Unmarshal(raw, &p.TaskName)
		case "parameters":
			p.Parameters = raw
		case "priority":
			err = json.Unmarshal(raw, &p.Priority)
		case "delay":
			err = json.Unmarshal(raw, &p.Delay)
		default:
			fail(name, "is not a field of a submit (task_name, parameters, priority, delay)")
			continue
		}
		if err != nil {
			want := map[string]string{"task_name": "a string", "priority": "an integer", "delay": "a number of seconds"}[name]
			fail(name, "must be "+want)
		}
	}
	if raw, ok := fields["task_name"]; !ok {
		fail("task_name", "is required")
	} else if p.TaskName == "" && json.Unmarshal(raw, new(string)) == nil {
		fail("task_name", "must not be empty")
	}
	if p.Delay < 0 || p.Delay > MaxDelay.Seconds() {
		fail("delay", fmt.Sprintf("must be between 0 and %d seconds", int(MaxDelay.Seconds())))
	}
	if len(bad) > 0 {
		return p, invalid(sortFields(bad)...)
	}
	return p, nil
}

func (s *Server) serveSubmit(w http.ResponseWriter, r *http.Request) error {
	claims := claimsOf(r)
	req, err := decodeSubmit(r)
	if err != nil {
		return err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return err
	}
	if p := s.syncBroken(); p != nil {
		return p // nothing started
	}
	typ, ok := s.registry.Get(req.TaskName)
	if !ok {
		p := problem(http.StatusBadRequest, "unknown task type %q", req.TaskName)
		p.KnownTaskTypes = s.registry.Names()
		return p
	}
	caller := tasks.Caller{Subject: claims.Subject, Roles: claims.Roles, Admin: claims.IsAdmin()}
	if err := typ.Gate(caller); err != nil {
		return err
	}
	params, err := typ.DecodeParams(req.Parameters)
	if err == nil {
		err = typ.Admit(r.Context(), caller, params)
	}
	if err != nil {
		var verr *derrors.InvalidError
		if errors.As(err, &verr) {
			fields := make([]derrors.FieldError, len(verr.Fields))
			for i, f := range verr.Fields {
				fields[i] = derrors.FieldError{Field: "parameters." + f.Field, Message: f.Message}
			}
			return invalid(fields...)
		}
		return err
	}

	id := typ.Name() + "-" + uuid.NewString()
	if key != "" {
		id = typ.Name() + "-" + uuid.NewSHA1(idempotencyNamespace, []byte(claims.Subject+"\x00"+key)).String()
	}
	opts := typ.StartOptions(tasks.Start{
		ID:        id,
		Priority:  req.Priority,
		Submitter: claims.Subject,
		Delay:     time.Duration(req.Delay * float64(time.Second)),
		// One student's many runs do not starve another's.
		FairnessKey: typ.FairnessKey(params),
	})
	_, err = s.temporal.ExecuteWorkflow(r.Context(), opts, typ.Name(), params)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start task %s: %w", id, err)
	}
	noteTaskID(r.Context(), id)
	if err := s.durable(); err != nil {
		// The task exists, but a power loss might undo it: say which it
		// is, so the client looks it up instead of starting another.
		s.logger.ErrorContext(r.Context(), "task started but not made durable", "task_id", id, "err", err)
		p := problem(http.StatusServiceUnavailable, "task %s was started, but %s. Look it up (GET /tasks/%s) before submitting again.", id, errNotDurable, id)
		p.TaskID = id
		w.Header().Set("Location", "/tasks/"+id)
		return p
	}
	if err == nil {
		s.metrics.TaskSubmitted(typ.Name(), opts.TaskQueue)
		s.logger.LogAttrs(r.Context(), slog.LevelInfo, "task submitted", slog.String("task_id", id),
			slog.String("task_name", typ.Name()), slog.String("queue", opts.TaskQueue), slog.String("submitter", claims.Subject))
	}
	w.Header().Set("Location", "/tasks/"+id)
	writeJSON(w, http.StatusAccepted, SubmitResponse{
		TaskID:  id,
		Status:  "submitted",
		Message: fmt.Sprintf("Task '%s' submitted successfully", typ.Name()),
	})
	return nil
}

// idempotencyKey returns the Idempotency-Key header, checked.
func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		return "", nil
	}
	if len(key) > MaxIdempotencyKeyLen || strings.IndexFunc(key, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0 {
		return "", problem(http.StatusBadRequest, "header Idempotency-Key must be at most %d printable characters", MaxIdempotencyKeyLen)
	}
	return key, nil
}
