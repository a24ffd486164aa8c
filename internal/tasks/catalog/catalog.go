// Package catalog lists every task type Computor runs, in one place. A task
// type works only when it is added here, one line each; nothing registers
// itself.
package catalog

import (
	"github.com/computor-org/computor-go/internal/tasks"
	"github.com/computor-org/computor-go/internal/tasks/examples/dataprocessing"
	"github.com/computor-org/computor-go/internal/tasks/examples/errorhandling"
	"github.com/computor-org/computor-go/internal/tasks/examples/longrunning"
)

// New returns the registry of all task types.
func New() (*tasks.Registry, error) {
	return tasks.NewRegistry(
		longrunning.Task(),
		dataprocessing.Task(),
		errorhandling.Task(),
	)
}
