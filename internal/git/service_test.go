package git_test

import (
	"testing"

	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/git/gittest"
)

func TestLocalService(t *testing.T) {
	t.Parallel()
	gittest.Exercise(t, func(t *testing.T) git.Service {
		svc, err := git.NewLocal(t.TempDir())
		if err != nil {
			t.Fatalf("NewLocal: %v", err)
		}
		return svc
	})
}
