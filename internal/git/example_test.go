package git_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
)

func ExampleLocal() {
	root, err := os.MkdirTemp("", "computor-git-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(root)
	svc, err := git.NewLocal(root)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	repo, err := svc.EnsureRepo(ctx, "tugraz/progphys/2026/assignments",
		map[string][]byte{"README.md": []byte("# Assignments\n")}, "Initial commit")
	if err != nil {
		log.Fatal(err)
	}
	head, err := svc.Resolve(ctx, repo.Path, "main")
	if err != nil {
		log.Fatal(err)
	}
	change := git.CommitParams{
		Parent:      head,
		Write:       map[string][]byte{"assignment1/task.md": []byte("Compute pi.\n")},
		Message:     "Add assignment 1",
		AuthorName:  "Lecturer",
		AuthorEmail: "lecturer@example.org",
	}
	commit, changed, err := svc.Commit(ctx, repo.Path, change)
	if err != nil {
		log.Fatal(err)
	}
	files, err := svc.ListFiles(ctx, repo.Path, commit, "")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(changed, files)

	// Another change based on the old head conflicts: read main again.
	change.Write = map[string][]byte{"assignment2/task.md": []byte("Compute e.\n")}
	_, _, err = svc.Commit(ctx, repo.Path, change)
	fmt.Println(errors.Is(err, derrors.Conflict))

	// Output:
	// true [README.md assignment1/task.md]
	// true
}

func ExampleLocal_Handler() {
	svc, err := git.NewLocal("/var/lib/computor/git")
	if err != nil {
		log.Fatal(err)
	}
	authorize := func(r *http.Request, repoPath string, write bool) error {
		_, token, ok := r.BasicAuth()
		if !ok {
			return derrors.Unauthenticated // the git client asks for credentials
		}
		if token != "secret" || write && repoPath == "tugraz/progphys/2026/assignments" {
			return derrors.Forbidden
		}
		return nil
	}
	fail := func(w http.ResponseWriter, r *http.Request, err error) {
		switch {
		case errors.Is(err, derrors.Unauthenticated):
			http.Error(w, "send your token as the password", http.StatusUnauthorized)
		case errors.Is(err, derrors.Forbidden):
			http.Error(w, "forbidden", http.StatusForbidden)
		case errors.Is(err, derrors.NotFound):
			http.NotFound(w, r)
		default:
			http.Error(w, "internal error", http.StatusInternalServerError)
		}
	}
	mux := http.NewServeMux()
	mux.Handle("/git/", svc.Handler("/git", authorize, fail))
	// git clone http://user:token@host/git/tugraz/progphys/2026/students/alice.git
	log.Fatal(http.ListenAndServe(":8080", mux))
}
