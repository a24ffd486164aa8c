// Package updatecoursecontent is the update_course_content task: staff
// change an assignment's settings in a course without a new release. What
// they set takes the place of meta.yaml's, and later releases keep it, so
// one example can carry other rules in each course it is released to.
package updatecoursecontent

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "update_course_content"

// ActivityUpdate is the durable name of the one activity.
const ActivityUpdate = "update_course_content.update"

var update = tasks.ActivityRef[Input, *store.CourseContent]{Name: ActivityUpdate}

// keep is the value of a limit the task leaves as it is.
const keep = -1

// Params are the task's parameters: the content, and the settings to
// change; a setting left out stays as it is.
type Params struct {
	Course            string  `json:"course" param:"required,minlen=1" doc:"The course, by id or path (organization.family.course)."`
	Content           string  `json:"content" param:"required,minlen=1" doc:"The assignment, by path or id."`
	Deadline          string  `json:"deadline" doc:"The deadline for every member without an extension (RFC 3339 with its offset)."`
	MaxTestRuns       int     `json:"max_test_runs" param:"min=-1" doc:"Test runs per member (0: no limit; -1: leave as it is)."`
	MaxSubmissions    int     `json:"max_submissions" param:"min=-1" doc:"Graded submissions per member (0: no limit; -1: leave as it is)."`
	TestRunsPerHour   int     `json:"test_runs_per_hour" param:"min=-1" doc:"Test runs per member in any hour (0: no limit; -1: leave as it is)."`
	LateDeadline      string  `json:"late_deadline" doc:"Late submissions are taken until then (RFC 3339, after the deadline)."`
	LatePenalty       float64 `json:"late_penalty" param:"min=-1,max=1" doc:"The part of a late submission's score it loses, 0 to 1 (-1: leave as it is)."`
	FreeSubmissions   int     `json:"free_submissions" param:"min=-1" doc:"Submissions without a penalty (-1: leave as it is)."`
	SubmissionPenalty float64 `json:"submission_penalty" param:"min=-1,max=1" doc:"The part each submission after the free ones loses of what is left, 0 to 1 (-1: leave as it is)."`
	Grading           string  `json:"grading" param:"enum=last|best" doc:"Which graded submission counts: last or best; empty: leave as it is."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	for field, v := range map[string]string{"deadline": p.Deadline, "late_deadline": p.LateDeadline} {
		if v == "" {
			continue
		}
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			return derrors.InvalidField(field, "must be an RFC 3339 time with its offset, such as 2026-12-20T23:59:00+01:00")
		}
	}
	if p.LatePenalty < 0 && p.LatePenalty != keep {
		return derrors.InvalidField("late_penalty", "must be from 0 to 1 (-1: leave as it is)")
	}
	if p.SubmissionPenalty < 0 && p.SubmissionPenalty != keep {
		return derrors.InvalidField("submission_penalty", "must be from 0 to 1 (-1: leave as it is)")
	}
	if p.Deadline == "" && p.MaxTestRuns == keep && p.MaxSubmissions == keep && p.TestRunsPerHour == keep && p.Grading == "" &&
		p.LateDeadline == "" && p.LatePenalty == keep && p.FreeSubmissions == keep && p.SubmissionPenalty == keep {
		return derrors.InvalidField("deadline", "give at least one setting to change: deadline, late_deadline, late_penalty, free_submissions, submission_penalty, max_test_runs, max_submissions, test_runs_per_hour or grading")
	}
	return nil
}

// settings are the params as store overrides: each one given, the rest
// nil (left as it is).
func (p Params) settings() (store.ContentSettings, error) {
	deadline, err := timeOrNil(p.Deadline)
	if err != nil {
		return store.ContentSettings{}, err
	}
	lateDeadline, err := timeOrNil(p.LateDeadline)
	if err != nil {
		return store.ContentSettings{}, err
	}
	return store.ContentSettings{
		Deadline:          deadline,
		LateDeadline:      lateDeadline,
		MaxTestRuns:       given(p.MaxTestRuns, keep),
		MaxSubmissions:    given(p.MaxSubmissions, keep),
		TestRunsPerHour:   given(p.TestRunsPerHour, keep),
		FreeSubmissions:   given(p.FreeSubmissions, keep),
		LatePenalty:       given(p.LatePenalty, keep),
		SubmissionPenalty: given(p.SubmissionPenalty, keep),
		Grading:           given(p.Grading, ""),
	}, nil
}

// given is v, or nil when v is the value that means "leave as it is".
func given[T comparable](v, unset T) *T {
	if v == unset {
		return nil
	}
	return &v
}

// timeOrNil reads an RFC 3339 time; "" is nil.
func timeOrNil(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, err
	}
	return &t, nil
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *store.CourseContent]{
		Description: "Changes an assignment's deadlines, penalties, limits or grading in one course without a release; later releases keep the change.",
		Access:      course.ReleaseAccess,
		Defaults: Params{MaxTestRuns: keep, MaxSubmissions: keep, TestRunsPerHour: keep,
			LatePenalty: keep, FreeSubmissions: keep, SubmissionPenalty: keep},
		Workflow:   Workflow,
		Activities: []tasks.Activity{tasks.Bind(update, a.Update)},
		Timeout:    5 * time.Minute,
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			// The rules of the whole course: those who may release it, not
			// tutors.
			return course.AuthorizeRelease(ctx, d.Store, c.Subject, p.Course)
		},
		Check: func(ctx context.Context, p Params) error {
			_, err := course.Content(ctx, d.Store, p.Course, p.Content)
			return err
		},
	})
}

// Input is what the activity gets.
type Input struct {
	Params
	tasks.Origin
}

// Workflow changes the settings.
func Workflow(ctx workflow.Context, p Params) (*store.CourseContent, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return update.Run(ctx, Input{Params: p, Origin: tasks.OriginOf(ctx)})
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Update merges the settings into the content's overrides; the same
// change again changes nothing, so a retried activity is harmless.
func (a *Activities) Update(ctx context.Context, in Input) (*store.CourseContent, error) {
	cc, err := course.Content(ctx, a.deps.Store, in.Course, in.Content)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	s, err := in.settings()
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("settings: %w", err))
	}
	out, err := a.deps.Store.CourseContentOverride(ctx, cc.ID, s)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("update %s: %w", cc.Path, err))
	}
	return out, nil
}
