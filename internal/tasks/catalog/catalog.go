// Package catalog lists every task type Computor runs, in one place. A task
// type works only when it is added here, one line each; nothing registers
// itself.
package catalog

import (
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/examples/dataprocessing"
	"github.com/computor-org/computor-go/internal/tasks/examples/errorhandling"
	"github.com/computor-org/computor-go/internal/tasks/examples/longrunning"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy/createcourse"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy/createcoursefamily"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy/createorganization"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy/releasecourse"
	"github.com/computor-org/computor-go/internal/tasks/hierarchy/releasestudents"
)

// Deps are the outside systems the task types act on.
type Deps = hierarchy.Deps

// New returns the registry of all task types.
func New(d Deps) (*tasks.Registry, error) {
	return tasks.NewRegistry(
		longrunning.Task(),
		dataprocessing.Task(),
		errorhandling.Task(),
		releasestudents.Task(d),
		releasecourse.Task(d),
		createorganization.Task(d),
		createcoursefamily.Task(d),
		createcourse.Task(d),
	)
}
