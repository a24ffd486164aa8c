// Package createorganization is the create_organization task: an
// organization row and its git group.
package createorganization

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "create_organization"

// ActivityCreate is the durable name of the one activity.
const ActivityCreate = "create_organization.create"

// create is the typed reference to [Activities.Create].
var create = tasks.ActivityRef[Input, *store.Organization]{Name: ActivityCreate}

// Params are the task's parameters.
type Params struct {
	Path        string `json:"path" param:"required" doc:"The organization's path: lowercase letters, digits, - and _."`
	Title       string `json:"title" param:"required,minlen=1,maxlen=255" doc:"Display name."`
	Description string `json:"description" param:"maxlen=10000" doc:"Free text."`
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
	return tasks.New(tasks.Spec[Params, *store.Organization]{
		Description: "Creates an organization and its git group.",
		AdminOnly:   true,
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities:  []tasks.Activity{tasks.Bind(create, a.Create)},
		Timeout:     10 * time.Minute,
		Check: func(ctx context.Context, p Params) error {
			_, err := d.Store.OrganizationGet(ctx, p.Path)
			return tasks.CheckFree(err, fmt.Sprintf("organization %q", p.Path))
		},
	})
}

// Input is what the activity gets.
type Input struct {
	Params
	tasks.Origin
}

// Workflow creates the organization.
func Workflow(ctx workflow.Context, p Params) (*store.Organization, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return create.Run(ctx, Input{Params: p, Origin: tasks.OriginOf(ctx)})
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Create makes the row and the group; both are find-or-create, so a retry
// makes nothing twice.
func (a *Activities) Create(ctx context.Context, in Input) (*store.Organization, error) {
	org, err := a.deps.Store.OrganizationCreate(ctx, store.OrganizationCreateParams{
		Path: in.Path, Title: in.Title, Description: in.Description,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create organization: %w", err))
	}
	if err := a.deps.Repos.EnsureGroup(ctx, org.Path); err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create git group: %w", err))
	}
	return org, nil
}
