// Package releasestudents is the release_students task: it makes each
// student a user, a member of the course (role _student, in their group)
// and gives them a personal repository made from the course's current
// student template (sharing its objects, see git.Local.ForkRepo).
// Students are released in batches of BatchSize, ParallelBatches at a
// time, each batch one activity and one database transaction; a student
// that fails does not undo the others, the students of a batch that fails
// as a whole are released again one by one, and the task fails only when
// none succeeded.
package releasestudents

import (
	"context"
	"fmt"
	"time"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "release_students"

// Durable names of the activities.
const (
	// ActivityReleaseBatch releases a batch of students.
	ActivityReleaseBatch = "release_students.release_batch"
	// ActivityReleaseStudent releases one student: tasks started before
	// batches, and the students of a batch that failed as a whole.
	ActivityReleaseStudent = "release_students.release_student"
)

// Typed references to the activities.
var (
	releaseBatch   = tasks.ActivityRef[BatchInput, []Outcome]{Name: ActivityReleaseBatch}
	releaseStudent = tasks.ActivityRef[Input, *Outcome]{Name: ActivityReleaseStudent}
)

// Limits.
const (
	// MaxStudents per task.
	MaxStudents = 5000
	// BatchSize is how many students one batch activity releases: a
	// round trip through Temporal and one database transaction for the
	// lot, where one student each costs both per student.
	BatchSize = 25
	// ParallelBatches is how many batches run at once.
	ParallelBatches = 4
	// ParallelForks is how many repositories one batch makes at once.
	ParallelForks = 4
	// Parallel is how many students are released at once one by one.
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
		Activities:  []tasks.Activity{tasks.Bind(releaseBatch, a.ReleaseBatch), tasks.Bind(releaseStudent, a.ReleaseStudent)},
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
