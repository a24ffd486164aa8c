// Package regradecontent is the regrade_content task: after an
// assignment's tests change, it grades again, on the current tests
// version, every member's counting graded submission (scope graded) or
// latest test run (scope latest) that was graded with older tests. Each
// regrade is a new result that supersedes the old one, which stays as
// history; the submission's penalties (late, extra submissions) carry over,
// since they belong to the submission, not to its result.
//
// Regrades run at the lowest priority class (tasks.PriorityKeyRegrade),
// fairly among members, so that live submissions and practice runs go
// first. Each member's regrade is idempotent by the result it supersedes:
// a regrade resumed after a worker died, or submitted twice, grades no one
// twice.
package regradecontent

import (
	"context"
	"time"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "regrade_content"

// Durable activity names.
const (
	ActivityPlan    = "regrade_content.plan"
	ActivityRegrade = "regrade_content.regrade"
)

// ErrTypeTestSpec is the error type of a test.yaml or meta.yaml that
// cannot be read: the regrade stops, since every member would fail alike.
const ErrTypeTestSpec = tasks.ErrTypeTestSpec

// Params are the task's parameters.
type Params struct {
	Course  string `json:"course" param:"required,minlen=1" doc:"The course, by id or path (organization.family.course)."`
	Content string `json:"content" param:"required,minlen=1" doc:"The assignment, by path or id."`
	Scope   string `json:"scope" param:"enum=graded|latest" doc:"What is regraded: graded, each member's graded submission that counts (every graded one when the best counts); latest, each member's latest test run."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	if p.Scope != store.RegradeGraded && p.Scope != store.RegradeLatest {
		return derrors.InvalidField("scope", "must be graded or latest")
	}
	return nil
}

// Result is the regrade's summary.
type Result struct {
	Content      string `json:"content"`
	TestsVersion string `json:"tests_version"`
	// Regraded counts the results graded again (Changed + Unchanged);
	// Failed those the platform could not regrade, which keep their old
	// result and stay outdated.
	Regraded  int       `json:"regraded"`
	Changed   int       `json:"changed"`
	Unchanged int       `json:"unchanged"`
	Failed    int       `json:"failed"`
	DurationS float64   `json:"duration_s"`
	Changes   []Change  `json:"changes"`
	Failures  []Failure `json:"failures,omitempty"`
}

// Change is a member whose score a regrade changed.
type Change struct {
	CourseMember string  `json:"course_member"`
	Username     string  `json:"username"`
	OldResult    string  `json:"old_result"`
	NewResult    string  `json:"new_result"`
	OldScore     float64 `json:"old_score"`
	NewScore     float64 `json:"new_score"`
}

// Failure is a member the platform could not regrade.
type Failure struct {
	CourseMember string `json:"course_member"`
	Username     string `json:"username"`
	Result       string `json:"result"`
	Error        string `json:"error"`
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Grades an assignment's graded submissions (or latest test runs) again on its current tests, at the lowest priority, and reports whose score changed.",
		// Regrading changes everyone's grade of record, as changing the
		// tests does: those who may release.
		Access:   course.ReleaseAccess,
		Defaults: Params{Scope: store.RegradeGraded},
		Workflow: Workflow,
		Activities: []tasks.Activity{
			tasks.Bind(plan, a.Plan),
			tasks.Bind(regrade, a.Regrade),
		},
		Timeout: 24 * time.Hour,
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeRelease(ctx, d.Store, c.Subject, p.Course)
		},
		Check: func(ctx context.Context, p Params) error {
			cc, err := course.Content(ctx, d.Store, p.Course, p.Content)
			if err != nil {
				return err
			}
			if cc.ReleasedCommit == "" {
				return derrors.InvalidField("content", "%s has not been released", cc.Path)
			}
			return nil
		},
	})
}
