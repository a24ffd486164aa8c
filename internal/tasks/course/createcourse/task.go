// Package createcourse is the create_course task: a course row with its
// default group, and the course's two repositories, assignments (where
// staff author assignments) and student-template (what releases fill),
// both initialised on main.
package createcourse

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
const Kind = "create_course"

// Durable activity names.
const (
	ActivityCreateRow   = "create_course.create_row"
	ActivityCreateRepos = "create_course.create_repos"
)

// Typed references to the activities.
var (
	createRow   = tasks.ActivityRef[Input, *Result]{Name: ActivityCreateRow}
	createRepos = tasks.ActivityRef[*store.Course, map[string]string]{Name: ActivityCreateRepos}
)

// DefaultGroup is the course group every course starts with.
const DefaultGroup = "default"

// Params are the task's parameters.
type Params struct {
	CourseFamily string `json:"course_family" param:"required,minlen=1" doc:"The course family, by id or path (organization.family)."`
	Path         string `json:"path" param:"required" doc:"The course's path within the family, e.g. 2026ws: lowercase letters, digits, - and _."`
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

// Result is what the task returns.
type Result struct {
	Course       *store.Course       `json:"course"`
	Groups       []store.CourseGroup `json:"groups"`
	Repositories map[string]string   `json:"repositories"`
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Creates a course in a course family, with its default group and its assignments and student-template repositories.",
		AdminOnly:   true,
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities: []tasks.Activity{
			tasks.Bind(createRow, a.CreateRow),
			tasks.Bind(createRepos, a.CreateRepos),
		},
		Timeout: 10 * time.Minute,
		Check: func(ctx context.Context, p Params) error {
			f, err := d.Store.CourseFamilyGet(ctx, p.CourseFamily)
			if err != nil {
				return tasks.CheckLookup("course_family", err)
			}
			_, err = d.Store.CourseGet(ctx, f.FullPath+"."+p.Path)
			return tasks.CheckFree(err, "course "+f.FullPath+"."+p.Path)
		},
	})
}

// Input is what the activities get.
type Input struct {
	Params
	tasks.Origin
}

// Workflow creates the row first, then the repositories: a course whose
// repositories failed can be finished by running the task again.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	in := Input{Params: p, Origin: tasks.OriginOf(ctx)}
	res, err := createRow.Run(ctx, in)
	if err != nil {
		return nil, err
	}
	if res.Repositories, err = createRepos.Run(ctx, res.Course); err != nil {
		return nil, err
	}
	return res, nil
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// CreateRow makes the course row and its default group, each
// find-or-create.
func (a *Activities) CreateRow(ctx context.Context, in Input) (*Result, error) {
	f, err := a.deps.Store.CourseFamilyGet(ctx, in.CourseFamily)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("course family: %w", err))
	}
	c, err := a.deps.Store.CourseCreate(ctx, store.CourseCreateParams{
		CourseFamilyID: f.ID, Path: in.Path, Title: in.Title, Description: in.Description,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create course: %w", err))
	}
	g, err := a.deps.Store.CourseGroupFindOrCreate(ctx, store.CourseGroupCreateParams{
		CourseID: c.ID, Title: DefaultGroup, CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create course group: %w", err))
	}
	return &Result{Course: c, Groups: []store.CourseGroup{*g}}, nil
}

// CreateRepos makes the course's group and its two repositories; existing
// ones are left as they are.
func (a *Activities) CreateRepos(ctx context.Context, c *store.Course) (map[string]string, error) {
	if err := a.deps.Repos.EnsureGroup(ctx, course.GroupPath(c)); err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("create git group: %w", err))
	}
	readme := func(what string) map[string][]byte {
		return map[string][]byte{"README.md": fmt.Appendf(nil, "# %s: %s\n\n%s\n", c.Title, what, c.Description)}
	}
	repos := map[string]string{}
	for _, r := range []struct{ name, what string }{
		{course.AssignmentsRepo, "assignments. Each assignment is a directory with a meta.yaml."},
		{course.StudentTemplateRepo, "student template. Releases copy the student files of each assignment here."},
	} {
		path := course.RepoPath(c, r.name)
		if _, err := a.deps.Repos.EnsureRepo(ctx, path, readme(r.what), "Create "+r.name+" of "+c.FullPath); err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("create repository %s: %w", path, err))
		}
		repos[r.name] = path + ".git"
	}
	return repos, nil
}
