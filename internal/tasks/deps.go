package tasks

import (
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/sandbox"
	"github.com/computor-org/computor-go/internal/store"
)

// Deps are the outside systems task types act on. The example tasks need
// none; the API side leaves Sandbox nil, since only workers run code.
type Deps struct {
	Store store.Store
	Repos git.Service
	// Sandbox runs untrusted student code, in work directories of its
	// own.
	Sandbox sandbox.Runner
}
