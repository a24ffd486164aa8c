// Package catalog lists every task type Computor runs, in one place. A task
// type works only when it is added here, one line each; nothing registers
// itself.
package catalog

import (
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/course/createcourse"
	"github.com/computor-org/computor-go/internal/tasks/course/createcoursefamily"
	"github.com/computor-org/computor-go/internal/tasks/course/createorganization"
	"github.com/computor-org/computor-go/internal/tasks/course/grantextension"
	"github.com/computor-org/computor-go/internal/tasks/course/releasecourse"
	"github.com/computor-org/computor-go/internal/tasks/course/releasestudents"
	"github.com/computor-org/computor-go/internal/tasks/course/updatecoursecontent"
	"github.com/computor-org/computor-go/internal/tasks/examples/dataprocessing"
	"github.com/computor-org/computor-go/internal/tasks/examples/errorhandling"
	"github.com/computor-org/computor-go/internal/tasks/examples/longrunning"
	"github.com/computor-org/computor-go/internal/tasks/grading/regradecontent"
	"github.com/computor-org/computor-go/internal/tasks/grading/studenttesting"
	"github.com/computor-org/computor-go/internal/tasks/grading/submissionprocessing"
)

// Deps are the outside systems the task types act on.
type Deps = tasks.Deps

// Testing names the task types that run student code, offered only where
// the sandbox works.
func Testing() []string {
	return []string{studenttesting.Kind, submissionprocessing.Kind, regradecontent.Kind}
}

// New returns the registry of all task types. The testing tasks are in it
// only when testing is set: a worker sets it when its sandbox works, so
// /tasks/types never lists a task that cannot run.
func New(d Deps, testing bool) (*tasks.Registry, error) {
	all := []*tasks.Type{
		longrunning.Task(),
		dataprocessing.Task(),
		errorhandling.Task(),
	}
	if testing {
		all = append(all,
			studenttesting.Task(d),
			submissionprocessing.Task(d, studenttesting.Kind),
			regradecontent.Task(d),
		)
	}
	all = append(all,
		releasestudents.Task(d),
		releasecourse.Task(d),
		createorganization.Task(d),
		createcoursefamily.Task(d),
		createcourse.Task(d),
		grantextension.Task(d),
		updatecoursecontent.Task(d),
	)
	return tasks.NewRegistry(all...)
}
