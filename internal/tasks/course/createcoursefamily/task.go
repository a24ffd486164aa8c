// Package createcoursefamily is the create_course_family task: a course
// family row in an organization and its git group.
package createcoursefamily

import (
	"context"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "create_course_family"

// ActivityCreate is the durable name of the one activity.
const ActivityCreate = "create_course_family.create"

// create is the typed reference to [Activities.Create].
var create = tasks.ActivityRef[Input, *store.CourseFamily]{Name: ActivityCreate}

// Params are the task's parameters.
type Params struct {
	Organization string `json:"organization" param:"required,minlen=1" doc:"The organization, by id or path."`
	Path         string `json:"path" param:"required" doc:"The family's path within the organization: lowercase letters, digits, - and _."`
	Title        string `json:"title" param:"required,minlen=1,maxlen=255" doc:"Display name."`
	Description  string `json:"description" param:"maxlen=10000" doc:"Free text."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	if err := store.ValidPathSegment(p.Path); err != nil {
		return derrors.AsInvalidField("path", err)
	}
	return nil
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *store.CourseFamily]{
		Description: "Creates a course family in an organization, and its git group.",
		AdminOnly:   true,
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities:  []tasks.Activity{tasks.Bind(create, a.Create)},
		Timeout:     10 * time.Minute,
		Check: func(ctx context.Context, p Params) error {
			org, err := d.Store.OrganizationGet(ctx, p.Organization)
			if err != nil {
				return tasks.CheckLookup("organization", err)
			}
			_, err = d.Store.CourseFamilyGet(ctx, org.Path+"."+p.Path)
			return tasks.CheckFree(err, "course family "+org.Path+"."+p.Path)
		},
	})
}

// Input is what the activity gets.
type Input struct {
	Params
	tasks.Origin
}

// Workflow creates the course family.
func Workflow(ctx workflow.Context, p Params) (*store.CourseFamily, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return create.Run(ctx, Input{Params: p, Origin: tasks.OriginOf(ctx)})
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Create makes the row and the group, each find-or-create.
func (a *Activities) Create(ctx context.Context, in Input) (*store.CourseFamily, error) {
	org, err := a.deps.Store.OrganizationGet(ctx, in.Organization)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("organization: %w", err))
	}
	f, err := a.deps.Store.CourseFamilyCreate(ctx, store.CourseFamilyCreateParams{
		OrganizationID: org.ID, Path: in.Path, Title: in.Title, Description: in.Description,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create course family: %w", err))
	}
	if err := a.deps.Repos.EnsureGroup(ctx, strings.ReplaceAll(f.FullPath, ".", "/")); err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create git group: %w", err))
	}
	return f, nil
}
