package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"go.temporal.io/sdk/converter"

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
	if reason, unavailable := s.registry.Unavailable(req.TaskName); !ok && unavailable {
		return problem(http.StatusServiceUnavailable, "%s is unavailable on this stack: %s", req.TaskName, reason)
	}
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
	if err == nil && key != "" {
		// A retry of an accepted submit gets its task, whatever changed
		// since (a deadline that passed, a limit used up): it was admitted
		// then.
		if done, rerr := s.replaySubmit(w, r, typ.Name(), claims.Subject, key, params, req); rerr != nil || done {
			return rerr
		}
	}
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
	var digest string
	if key != "" {
		id = idempotentID(typ.Name(), claims.Subject, key)
		if digest, err = requestDigest(typ.Name(), params, req); err != nil {
			return err
		}
		// The key names one request of this caller, whatever its type.
		if other, err := s.keyUsedByAnotherType(r.Context(), typ.Name(), claims.Subject, key); err != nil {
			return err
		} else if other != "" {
			return keyReused(other)
		}
	}
	opts := typ.StartOptions(tasks.Start{
		ID:        id,
		Priority:  req.Priority,
		Submitter: claims.Subject,
		Delay:     time.Duration(req.Delay * float64(time.Second)),
		// One student's many runs do not starve another's.
		FairnessKey: typ.FairnessKey(params),
		Request:     digest,
	})
	_, err = s.temporal.ExecuteWorkflow(r.Context(), opts, typ.Name(), params)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if err != nil && !errors.As(err, &started) {
		return fmt.Errorf("start task %s: %w", id, err)
	}
	noteTaskID(r.Context(), id)
	if key != "" {
		// The task may be an earlier one with this key: it must be of the
		// same request, or the retry would silently get another's result.
		if same, err := s.sameRequest(r.Context(), id, digest); err != nil {
			return err
		} else if !same {
			return keyReused(id)
		}
	}
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
	writeSubmitted(w, id, typ.Name())
	return nil
}

// replaySubmit answers a submit whose Idempotency-Key already started a
// task of this type: 202 with it when the request is the same, 422 when
// it is another. done is false when no such task exists yet.
func (s *Server) replaySubmit(w http.ResponseWriter, r *http.Request, taskName, subject, key string, params any, req SubmitParams) (done bool, err error) {
	id := idempotentID(taskName, subject, key)
	if _, err := s.temporal.DescribeWorkflowExecution(r.Context(), id, ""); err != nil {
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return false, nil
		}
		return true, fmt.Errorf("describe task %s: %w", id, err)
	}
	digest, err := requestDigest(taskName, params, req)
	if err != nil {
		return true, err
	}
	if same, err := s.sameRequest(r.Context(), id, digest); err != nil {
		return true, err
	} else if !same {
		return true, keyReused(id)
	}
	noteTaskID(r.Context(), id)
	writeSubmitted(w, id, taskName)
	return true, nil
}

// writeSubmitted is the 202 of an accepted submit.
func writeSubmitted(w http.ResponseWriter, id, taskName string) {
	w.Header().Set("Location", "/tasks/"+id)
	writeJSON(w, http.StatusAccepted, SubmitResponse{
		TaskID:  id,
		Status:  "submitted",
		Message: fmt.Sprintf("Task '%s' submitted successfully", taskName),
	})
}

// idempotentID is the task id of a submit with an Idempotency-Key: the
// same for the same caller, key and task type.
func idempotentID(taskName, subject, key string) string {
	return taskName + "-" + uuid.NewSHA1(idempotencyNamespace, []byte(subject+"\x00"+key)).String()
}

// requestDigest identifies a submit's request: the task type and what the
// API made of its parameters, priority and delay.
func requestDigest(taskName string, params any, req SubmitParams) (string, error) {
	b, err := json.Marshal(struct {
		TaskName   string  `json:"task_name"`
		Parameters any     `json:"parameters"`
		Priority   int     `json:"priority"`
		Delay      float64 `json:"delay"`
	}{taskName, params, req.Priority, req.Delay})
	if err != nil {
		return "", fmt.Errorf("request digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// keyReused is the 422 of an Idempotency-Key sent again with another
// request.
func keyReused(taskID string) *Problem {
	p := problem(http.StatusUnprocessableEntity, "this Idempotency-Key was used for another request, which started task %s; use a new key for a new request", taskID)
	p.TaskID = taskID
	p.Errors = []derrors.FieldError{{Field: "Idempotency-Key", Message: "used before with another task_name, parameters, priority or delay"}}
	return p
}

// sameRequest reports whether task id was started by the request with
// this digest. A task from before digests were kept counts as the same.
func (s *Server) sameRequest(ctx context.Context, id, digest string) (bool, error) {
	desc, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
	if err != nil {
		return false, fmt.Errorf("describe task %s: %w", id, err)
	}
	p := desc.GetWorkflowExecutionInfo().GetMemo().GetFields()[tasks.MemoRequest]
	if p == nil {
		return true, nil
	}
	var kept string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &kept); err != nil {
		return false, fmt.Errorf("task %s: memo %s: %w", id, tasks.MemoRequest, err)
	}
	return kept == digest, nil
}

// keyUsedByAnotherType returns the id of a task of another type that this
// caller started with the same key; "" if none. It reads before the start
// that follows, so two submits of different types at the same instant
// may both start: best effort, unlike the same type's check, which
// Temporal's conflict policy settles.
func (s *Server) keyUsedByAnotherType(ctx context.Context, taskName, subject, key string) (string, error) {
	for _, name := range s.registry.Names() {
		if name == taskName {
			continue
		}
		id := idempotentID(name, subject, key)
		_, err := s.temporal.DescribeWorkflowExecution(ctx, id, "")
		var notFound *serviceerror.NotFound
		switch {
		case err == nil:
			return id, nil
		case errors.As(err, &notFound):
		default:
			return "", fmt.Errorf("describe task %s: %w", id, err)
		}
	}
	return "", nil
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
