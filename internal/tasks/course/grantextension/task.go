// Package grantextension is the grant_extension task: staff give one
// member their own deadline for one assignment. It replaces the
// assignment's deadline for that member: for the submissions they may
// still make, and for which test results they see.
package grantextension

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
const Kind = "grant_extension"

// ActivityGrant is the durable name of the one activity.
const ActivityGrant = "grant_extension.grant"

var grant = tasks.ActivityRef[Input, *store.Extension]{Name: ActivityGrant}

// Params are the task's parameters.
type Params struct {
	CourseMember string `json:"course_member" param:"required,minlen=1" doc:"The course member (id) who gets the extension."`
	Content      string `json:"content" param:"required,minlen=1" doc:"The assignment, by path or id."`
	Deadline     string `json:"deadline" param:"required,minlen=1" doc:"The member's own deadline (RFC 3339 with its offset, e.g. 2026-12-20T23:59:00+01:00); granting again replaces it."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	if _, err := time.Parse(time.RFC3339, p.Deadline); err != nil {
		return derrors.InvalidField("deadline", "must be an RFC 3339 time with its offset, such as 2026-12-20T23:59:00+01:00")
	}
	return nil
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *store.Extension]{
		Description: "Gives one course member their own deadline for one assignment (an extension), replacing an earlier one; records who granted it and when.",
		Access:      course.LecturerOfAccess,
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities:  []tasks.Activity{tasks.Bind(grant, a.Grant)},
		Timeout:     5 * time.Minute,
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeLecturerOf(ctx, d.Store, c.Subject, p.CourseMember)
		},
		Check: func(ctx context.Context, p Params) error {
			_, err := content(ctx, d.Store, p)
			return err
		},
	})
}

// content finds the member's course's content the params name.
func content(ctx context.Context, s store.Store, p Params) (*store.CourseContent, error) {
	m, err := s.CourseMemberGet(ctx, p.CourseMember)
	if err != nil {
		return nil, tasks.CheckLookup("course_member", err)
	}
	cc, err := s.CourseContentGet(ctx, m.CourseID, p.Content)
	if err != nil {
		return nil, tasks.CheckLookup("content", err)
	}
	return cc, nil
}

// Input is what the activity gets.
type Input struct {
	Params
	tasks.Origin
}

// Workflow grants the extension.
func Workflow(ctx workflow.Context, p Params) (*store.Extension, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return grant.Run(ctx, Input{Params: p, Origin: tasks.OriginOf(ctx)})
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Grant records the extension; granting the same again changes nothing,
// so a retried activity is harmless.
func (a *Activities) Grant(ctx context.Context, in Input) (*store.Extension, error) {
	cc, err := content(ctx, a.deps.Store, in.Params)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	deadline, err := time.Parse(time.RFC3339, in.Deadline)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("deadline: %w", err))
	}
	e, err := a.deps.Store.ExtensionGrant(ctx, store.ExtensionGrantParams{CourseMemberID: in.CourseMember, CourseContentID: cc.ID,
		Deadline: deadline, GrantedBy: in.Submitter, GrantedByTask: in.TaskID})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("grant extension: %w", err))
	}
	return e, nil
}
