// Package longrunning is the example_long_running task: it works for a
// requested number of seconds, heartbeating its progress every second, and
// resumes from its last heartbeat when a worker dies mid-way.
package longrunning

import (
	"time"

	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task type's stable name and Temporal workflow type.
const Kind = "example_long_running"

// Limits and defaults of the parameters.
const (
	// DurationMax is the longest work a task may ask for, in seconds.
	DurationMax = 3600
	// DurationDefault is the work a task does when it names no duration, in
	// seconds.
	DurationDefault = 10
	// MessageMaxLen is the longest message, in characters.
	MessageMaxLen = 1000
)

// Params are the parameters of an example_long_running task.
type Params struct {
	// Duration is how long to work, in whole seconds.
	Duration int `json:"duration" param:"min=0,max=3600" doc:"Seconds to work, 0 to 3600; 0 finishes at once without any activity."`
	// Message is echoed back in the result.
	Message string `json:"message" param:"maxlen=1000" doc:"Text echoed back in the result."`
}

// Kind returns the task type's stable name.
func (Params) Kind() string { return Kind }

// Validate checks the rules the field tags cannot express; there are none.
func (Params) Validate() error { return nil }

// Result is what a finished example_long_running task returns.
type Result struct {
	// Message is Params.Message, unchanged.
	Message string `json:"message"`
	// DurationRequested is Params.Duration.
	DurationRequested int `json:"duration_requested"`
	// DurationActual is the seconds of work done in total, counting the
	// seconds done by earlier attempts that a retry resumed from. A finished
	// task has done all its work, so it equals DurationRequested.
	DurationActual float64 `json:"duration_actual"`
	// StartedAt is when the workflow started (workflow time).
	StartedAt time.Time `json:"started_at"`
	// CompletedAt is when the work finished (workflow time).
	CompletedAt time.Time `json:"completed_at"`
}

// Task returns the example_long_running task type.
func Task() *tasks.Type {
	a := &Activities{}
	return tasks.New(tasks.Spec[Params, Result]{
		Description: "Works for the requested number of seconds, reporting progress every second, and echoes a message.",
		Defaults:    Params{Duration: DurationDefault},
		Workflow:    LongRunningWorkflow,
		Activities:  []tasks.Activity{tasks.Bind(work, a.Work)},
		Timeout:     2 * time.Hour,
	})
}
