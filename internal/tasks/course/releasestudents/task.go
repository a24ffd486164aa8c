// Package releasestudents is the release_students task: it makes each
// student a user, a member of the course (role _student, in their group)
// and gives them a personal repository made from the course's current
// student template. Students are processed in parallel with a bound; one
// that fails does not undo the others, and the task fails only when none
// succeeded.
package releasestudents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "release_students"

// ActivityReleaseStudent is the durable name of the per-student activity.
const ActivityReleaseStudent = "release_students.release_student"

// releaseStudent is the typed reference to [Activities.ReleaseStudent].
var releaseStudent = tasks.ActivityRef[Input, *Outcome]{Name: ActivityReleaseStudent}

// Limits.
const (
	// MaxStudents per task.
	MaxStudents = 5000
	// Parallel is how many students are released at once.
	Parallel = 10
)

// Student is one student to release.
type Student struct {
	Username   string `json:"username" param:"required,minlen=1" doc:"The student's username, the sub of their token."`
	Email      string `json:"email" param:"maxlen=255"`
	GivenName  string `json:"given_name" param:"maxlen=255"`
	FamilyName string `json:"family_name" param:"maxlen=255"`
	Group      string `json:"group" param:"maxlen=255" doc:"Course group; made when missing."`
}

// Params are the task's parameters.
type Params struct {
	Course   string    `json:"course" param:"required,minlen=1" doc:"The course, by id or path (organization.family.course)."`
	Students []Student `json:"students" param:"required,minitems=1,maxitems=5000" doc:"The students to release."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	var bad []derrors.FieldError
	seen := map[string]int{}
	for i, s := range p.Students {
		field := fmt.Sprintf("students[%d].username", i)
		if err := store.ValidUsername(s.Username); err != nil {
			bad = append(bad, derrors.FieldError{Field: field, Message: err.Error()})
		} else if j, dup := seen[s.Username]; dup {
			bad = append(bad, derrors.FieldError{Field: field, Message: fmt.Sprintf("%q is also students[%d]", s.Username, j)})
		}
		seen[s.Username] = i
	}
	if len(bad) > 0 {
		return &derrors.InvalidError{Fields: bad}
	}
	return nil
}

// Outcome statuses of one student.
const (
	OutcomeReleased = "released"
	OutcomeSkipped  = "skipped"
	OutcomeFailed   = "failed"
)

// Outcome is what happened to one student.
type Outcome struct {
	Username   string `json:"username"`
	Status     string `json:"status"`
	MemberID   string `json:"member_id,omitempty"`
	Repository string `json:"repository,omitempty"`
	Error      string `json:"error,omitempty"`
}

// Result is what the task returns.
type Result struct {
	Course   string    `json:"course"`
	Released int       `json:"released"`
	Skipped  int       `json:"skipped"`
	Failed   int       `json:"failed"`
	Students []Outcome `json:"students"`
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Releases students to a course: their users, memberships and personal repositories made from the student template.",
		Access:      course.ReleaseAccess,
		Defaults:    Params{},
		Workflow:    Workflow,
		Activities:  []tasks.Activity{tasks.Bind(releaseStudent, a.ReleaseStudent)},
		Timeout:     2 * time.Hour,
		Check: func(ctx context.Context, p Params) error {
			c, err := d.Store.CourseGet(ctx, p.Course)
			if err != nil {
				return tasks.CheckLookup("course", err)
			}
			ok, err := d.Repos.Exists(ctx, course.RepoPath(c, course.StudentTemplateRepo))
			if err != nil {
				return err
			}
			if !ok {
				return derrors.InvalidField("course", "course %s has no student-template repository", c.FullPath)
			}
			return nil
		},
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeRelease(ctx, d.Store, c.Subject, p.Course)
		},
	})
}

// Input is what the per-student activity gets.
type Input struct {
	// Course by id or path, as submitted.
	Course  string  `json:"course"`
	Student Student `json:"student"`
	tasks.Origin
}

// Workflow releases the students, Parallel at a time.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	ao := tasks.ActivityOptions()
	// One student takes well under a second; a worker that died holding one
	// is noticed after this long, and the student is retried.
	ao.StartToCloseTimeout = 30 * time.Second
	ao.RetryPolicy.MaximumAttempts = 5
	ctx = workflow.WithActivityOptions(ctx, ao)

	origin := tasks.OriginOf(ctx)
	res := &Result{Course: p.Course, Students: make([]Outcome, len(p.Students))}
	sel := workflow.NewSelector(ctx)
	running, next := 0, 0
	start := func(i int) {
		in := Input{Course: p.Course, Student: p.Students[i], Origin: origin}
		f := releaseStudent.Start(ctx, in)
		running++
		sel.AddFuture(f.Untyped(), func(workflow.Future) {
			running--
			o, err := f.Get(ctx)
			if err != nil || o == nil {
				o = &Outcome{Username: p.Students[i].Username, Status: OutcomeFailed, Error: errorText(err)}
			}
			res.Students[i] = *o
		})
	}
	for next < len(p.Students) || running > 0 {
		// Once cancelled, start no one new; wait for those running.
		for running < Parallel && next < len(p.Students) && ctx.Err() == nil {
			start(next)
			next++
		}
		if running == 0 {
			break
		}
		sel.Select(ctx)
	}
	if ctx.Err() != nil {
		return nil, temporal.NewCanceledError(fmt.Sprintf("cancelled after %d of %d students", next, len(p.Students)))
	}
	for _, o := range res.Students {
		switch o.Status {
		case OutcomeReleased:
			res.Released++
		case OutcomeSkipped:
			res.Skipped++
		default:
			res.Failed++
		}
	}
	if res.Released+res.Skipped == 0 {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("no student could be released; first error: %s", res.Students[0].Error), "NoStudentReleased", nil, res)
	}
	return res, nil
}

// errorText is the readable cause of a failed activity.
func errorText(err error) string {
	if err == nil {
		return "the activity returned no outcome"
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return app.Message()
	}
	return err.Error()
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// ReleaseStudent makes the user, the group, the membership and the
// repository, each find-or-create, so a retry makes nothing twice.
func (a *Activities) ReleaseStudent(ctx context.Context, in Input) (*Outcome, error) {
	s := a.deps.Store
	st := in.Student
	crs, err := s.CourseGet(ctx, in.Course)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("course: %w", err))
	}
	user, err := s.UserFindOrCreate(ctx, store.UserCreateParams{
		Username: st.Username, Email: st.Email, GivenName: st.GivenName, FamilyName: st.FamilyName,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("user %s: %w", st.Username, err))
	}
	var groupID string
	if g := strings.TrimSpace(st.Group); g != "" {
		group, err := s.CourseGroupFindOrCreate(ctx, store.CourseGroupCreateParams{
			CourseID: crs.ID, Title: g, CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
		})
		if err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("group %s: %w", g, err))
		}
		groupID = group.ID
	}
	m, err := s.CourseMemberFindOrCreate(ctx, store.CourseMemberCreateParams{
		CourseID: crs.ID, UserID: user.ID, Role: store.RoleStudent, CourseGroupID: groupID,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("membership of %s: %w", st.Username, err))
	}
	if m.Role != store.RoleStudent {
		return &Outcome{Username: st.Username, Status: OutcomeSkipped, MemberID: m.ID,
			Error: fmt.Sprintf("already a member of the course as %s", m.Role)}, nil
	}
	repo := course.StudentRepoPath(crs, st.Username)
	if _, err := a.deps.Repos.ForkRepo(ctx, course.RepoPath(crs, course.StudentTemplateRepo), repo); err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("repository of %s: %w", st.Username, err))
	}
	return &Outcome{Username: st.Username, Status: OutcomeReleased, MemberID: m.ID, Repository: repo + ".git"}, nil
}
