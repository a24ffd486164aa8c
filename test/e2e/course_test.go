package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// gitRun runs the real git client; the token is the basic-auth password.
func gitRun(t testing.TB, dir string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_CONFIG_NOSYSTEM=1", "HOME="+dir,
		"GIT_AUTHOR_NAME=Lecturer", "GIT_AUTHOR_EMAIL=lecturer@example.org",
		"GIT_COMMITTER_NAME=Lecturer", "GIT_COMMITTER_EMAIL=lecturer@example.org")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustGit(t testing.TB, dir string, args ...string) {
	t.Helper()
	if out, err := gitRun(t, dir, args...); err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
}

// repoURL is a repository's URL with the token as the password.
func (s *stack) repoURL(token, path string) string {
	return strings.Replace(s.api, "http://", "http://x:"+token+"@", 1) + "/git/" + path + ".git"
}

func writeFiles(t testing.TB, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// listFiles lists a checkout's files, without .git.
func listFiles(t testing.TB, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".git" {
			return filepath.SkipDir
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// mustFinish submits a task and requires it to finish; it returns the result.
func (s *stack) mustFinish(t testing.TB, token, name string, params any, out any) {
	t.Helper()
	id := s.submit(t, token, name, params, 5)
	res := s.await(t, token, id)
	if res.Status != "FINISHED" {
		t.Fatalf("%s: %s: %s", name, res.Status, deref(res.Error))
	}
	if out != nil {
		if err := json.Unmarshal(res.Result, out); err != nil {
			t.Fatalf("%s result %s: %v", name, res.Result, err)
		}
	}
}

// courseScenario walks a course through its life on one stack: create the
// hierarchy, author assignments with git push, release them, release
// students, and check what a student can clone.
func courseScenario(t *testing.T, s *stack, students int) {
	org := fmt.Sprintf("uni%d", rand.IntN(1_000_000))
	admin := s.tokenFor(t, "course-admin", "admin")
	stranger := s.tokenFor(t, "stranger")

	s.mustFinish(t, admin, "create_organization", map[string]any{"path": org, "title": "University"}, nil)
	s.mustFinish(t, admin, "create_course_family", map[string]any{"organization": org, "path": "progphys", "title": "Programming"}, nil)
	var created struct {
		Course struct {
			ID       string `json:"id"`
			FullPath string `json:"full_path"`
		} `json:"course"`
		Repositories map[string]string `json:"repositories"`
	}
	s.mustFinish(t, admin, "create_course", map[string]any{"course_family": org + ".progphys", "path": "2026", "title": "Programming 2026"}, &created)
	course := org + ".progphys.2026"
	group := org + "/progphys/2026"
	if created.Course.FullPath != course || created.Repositories["assignments"] != group+"/assignments.git" {
		t.Fatalf("create_course result %+v", created)
	}

	// Bad input: 422 naming the field, and nothing made.
	for _, tt := range []struct {
		task   string
		params map[string]any
		field  string
	}{
		{"create_organization", map[string]any{"path": org, "title": "again"}, "parameters.path"},
		{"create_organization", map[string]any{"path": "Bad Path", "title": "x"}, "parameters.path"},
		{"create_course_family", map[string]any{"organization": "nowhere", "path": "x", "title": "x"}, "parameters.organization"},
		{"create_course", map[string]any{"course_family": org + ".progphys", "path": "2026", "title": "dup"}, "parameters.path"},
		{"release_course", map[string]any{"course": org + ".nope.2026"}, "parameters.course"},
		{"release_students", map[string]any{"course": course, "students": []any{map[string]any{"email": "a@b"}}}, "parameters.students[0].username"},
		{"release_students", map[string]any{"course": "nope", "students": []any{map[string]any{"username": "a"}}}, "parameters.course"},
	} {
		p := s.do(t, "POST", "/tasks/submit", admin, map[string]any{"task_name": tt.task, "parameters": tt.params}).problem(t, http.StatusUnprocessableEntity)
		if !slices.Contains(p.fields(), tt.field) {
			t.Errorf("%s %v: fields %v, want %s", tt.task, tt.params, p.fields(), tt.field)
		}
	}
	// Only an admin creates; only staff of the course release.
	s.do(t, "POST", "/tasks/submit", stranger, map[string]any{"task_name": "create_organization", "parameters": map[string]any{"path": "x", "title": "x"}}).
		problem(t, http.StatusForbidden)
	s.do(t, "POST", "/tasks/submit", stranger, map[string]any{"task_name": "release_course", "parameters": map[string]any{"course": course}}).
		problem(t, http.StatusForbidden)
	// A stranger learns nothing of which courses exist: a course they are
	// not in and one that does not exist get the same answer.
	missing := org + ".nope.2026"
	for _, task := range []string{"release_course", "release_students"} {
		params := func(c string) map[string]any {
			p := map[string]any{"course": c}
			if task == "release_students" {
				p["students"] = []any{map[string]any{"username": "someone"}}
			}
			return p
		}
		r1 := s.do(t, "POST", "/tasks/submit", stranger, map[string]any{"task_name": task, "parameters": params(course)})
		r2 := s.do(t, "POST", "/tasks/submit", stranger, map[string]any{"task_name": task, "parameters": params(missing)})
		var p1, p2 problemBody
		r1.json(t, &p1)
		r2.json(t, &p2)
		a, b := strings.ReplaceAll(p1.Detail, course, "C"), strings.ReplaceAll(p2.Detail, missing, "C")
		if r1.status != r2.status || a != b || !slices.Equal(p1.fields(), p2.fields()) {
			t.Errorf("%s tells an existing course (%d %s) from a missing one (%d %s)", task, r1.status, r1.body, r2.status, r2.body)
		}
	}

	// Staff author two assignments with git.
	work := t.TempDir()
	mustGit(t, work, "clone", s.repoURL(admin, group+"/assignments"), "assignments")
	repo := filepath.Join(work, "assignments")
	writeFiles(t, repo, map[string]string{
		"hello/meta.yaml":     "title: Hello\nstudent_files: [hello.py, README.md]\nsubmission_files: [hello.py]\nmax_test_runs: 20\nmax_submissions: 3\n",
		"hello/hello.py":      "print('TODO')\n",
		"hello/README.md":     "Say hello.\n",
		"hello/solution.py":   "print('Hello')\n",
		"hello/test_hello.py": "import hello\n",
		"sum/meta.yaml":       "title: Sum\nstudent_files: ['src/*.c']\n",
		"sum/src/sum.c":       "int main(void) { return 0; }\n",
		"sum/solution/sum.c":  "int main(void) { return 42; }\n",
		"notes/ideas.md":      "not an assignment\n",
	})
	mustGit(t, repo, "add", ".")
	mustGit(t, repo, "commit", "-m", "Two assignments")
	mustGit(t, repo, "push", "origin", "main")

	// An assignment without meta.yaml is refused.
	p := s.do(t, "POST", "/tasks/submit", admin, map[string]any{"task_name": "release_course", "parameters": map[string]any{"course": course, "contents": []string{"notes"}}}).
		problem(t, http.StatusUnprocessableEntity)
	if !slices.Contains(p.fields(), "parameters.contents[0]") {
		t.Fatalf("release of a directory without meta.yaml: %+v", p)
	}

	var rel struct {
		Changed  bool `json:"changed"`
		Contents []struct {
			Path  string   `json:"path"`
			Files []string `json:"files"`
		} `json:"contents"`
		Commit string `json:"commit"`
	}
	s.mustFinish(t, admin, "release_course", map[string]any{"course": course, "contents": "all"}, &rel)
	if !rel.Changed || len(rel.Contents) != 2 {
		t.Fatalf("release %+v", rel)
	}
	s.mustFinish(t, admin, "release_course", map[string]any{"course": course}, &rel)
	if rel.Changed {
		t.Fatal("releasing again changed the template")
	}
	var contents []struct {
		Path           string `json:"path"`
		Title          string `json:"title"`
		ReleasedCommit string `json:"released_commit"`
		MaxSubmissions int    `json:"max_submissions"`
	}
	s.do(t, "GET", "/courses/"+course+"/contents", admin, nil).want(t, http.StatusOK).json(t, &contents)
	if len(contents) != 2 || contents[0].Path != "hello" || contents[0].ReleasedCommit != rel.Commit || contents[0].MaxSubmissions != 3 {
		t.Fatalf("contents %+v", contents)
	}

	// Release the students.
	var list []map[string]any
	for i := range students {
		list = append(list, map[string]any{"username": fmt.Sprintf("s%03d", i), "email": fmt.Sprintf("s%03d@example.org", i),
			"given_name": "Stu", "family_name": fmt.Sprint(i), "group": fmt.Sprintf("g%d", i%3)})
	}
	var released struct {
		Released int `json:"released"`
		Failed   int `json:"failed"`
	}
	start := time.Now()
	s.mustFinish(t, admin, "release_students", map[string]any{"course": course, "students": list}, &released)
	t.Logf("release_students of %d students took %s", students, time.Since(start).Round(time.Millisecond))
	if released.Released != students || released.Failed != 0 {
		t.Fatalf("release_students %+v", released)
	}

	// A student clones their repository: exactly the released student files.
	alice := s.tokenFor(t, "s007")
	mustGit(t, work, "clone", s.repoURL(alice, group+"/students/s007"), "s007")
	got := listFiles(t, filepath.Join(work, "s007"))
	want := []string{"README.md", "hello/README.md", "hello/hello.py", "sum/src/sum.c"}
	if !slices.Equal(got, want) {
		t.Fatalf("student repository holds %v, want %v", got, want)
	}
	// They push to it.
	writeFiles(t, filepath.Join(work, "s007"), map[string]string{"hello/hello.py": "print('Hello')\n"})
	mustGit(t, filepath.Join(work, "s007"), "commit", "-am", "Solve hello")
	mustGit(t, filepath.Join(work, "s007"), "push", "origin", "main")
	// Another student may not read it, nor the assignments.
	bob := s.tokenFor(t, "s008")
	if out, err := gitRun(t, work, "clone", s.repoURL(bob, group+"/students/s007"), "stolen"); err == nil || !strings.Contains(out, "403") {
		t.Fatalf("s008 cloned s007's repository: %v\n%s", err, out)
	}
	if out, err := gitRun(t, work, "clone", s.repoURL(bob, group+"/assignments"), "solutions"); err == nil {
		t.Fatalf("a student cloned the assignments:\n%s", out)
	}
	if out, err := gitRun(t, work, "clone", strings.Replace(s.repoURL("", group+"/students/s007"), "x:@", "", 1), "anon"); err == nil {
		t.Fatalf("anonymous clone worked:\n%s", out)
	}

	// The read API, filtered.
	var members []struct {
		Username string `json:"username"`
		Role     string `json:"role"`
	}
	s.do(t, "GET", "/courses/"+course+"/members", admin, nil).want(t, http.StatusOK).json(t, &members)
	if len(members) != students {
		t.Fatalf("%d members, want %d", len(members), students)
	}
	s.do(t, "GET", "/courses/"+course+"/members", alice, nil).want(t, http.StatusOK).json(t, &members)
	if len(members) != 1 || members[0].Username != "s007" || members[0].Role != "_student" {
		t.Fatalf("a student sees members %+v", members)
	}
	var courses []struct {
		FullPath string `json:"full_path"`
	}
	s.do(t, "GET", "/courses", alice, nil).want(t, http.StatusOK).json(t, &courses)
	if len(courses) != 1 || courses[0].FullPath != course {
		t.Fatalf("a student sees courses %+v", courses)
	}
	s.do(t, "GET", "/courses", stranger, nil).want(t, http.StatusOK).json(t, &courses)
	if len(courses) != 0 {
		t.Fatalf("a stranger sees courses %+v", courses)
	}
	s.do(t, "GET", "/courses/"+course+"/contents", stranger, nil).problem(t, http.StatusNotFound)
	var orgs []struct {
		Path string `json:"path"`
	}
	s.do(t, "GET", "/organizations", alice, nil).want(t, http.StatusOK).json(t, &orgs)
	if len(orgs) != 1 || orgs[0].Path != org {
		t.Fatalf("a student sees organizations %+v", orgs)
	}
}

func TestCourseOnSQLite(t *testing.T) {
	t.Parallel()
	courseScenario(t, shared, 50)
}

// postgresURL gives the test its own schema in the test database.
func postgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv("COMPUTOR_TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	schema := fmt.Sprintf("e2e_%d", rand.IntN(1_000_000_000))
	if out, err := exec.Command("psql", base, "-c", "CREATE SCHEMA "+schema).CombinedOutput(); err != nil {
		t.Fatalf("PostgreSQL is needed (CI starts it): %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("psql", base, "-c", "DROP SCHEMA "+schema+" CASCADE").Run() })
	return base + "&search_path=" + schema
}

func TestCourseOnPostgres(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr := freeAddr()
	startDevProcess(t, "--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", freeAddr(), "--no-ui",
		"--ephemeral", "--log-level", "warn", "--database-url", postgresURL(t))
	courseScenario(t, &stack{api: "http://" + apiAddr, dataDir: dir}, 50)
}

func TestReleaseStudentsSurvivesAKilledWorker(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	apiAddr, temporalAddr := freeAddr(), freeAddr()
	args := []string{"--data-dir", dir, "--api-addr", apiAddr, "--temporal-addr", temporalAddr, "--no-ui", "--log-level", "warn"}
	dev := startDevProcess(t, args...)
	s := &stack{api: "http://" + apiAddr, dataDir: dir}
	admin := s.tokenFor(t, "kill-admin", "admin")
	s.mustFinish(t, admin, "create_organization", map[string]any{"path": "kill", "title": "K"}, nil)
	s.mustFinish(t, admin, "create_course_family", map[string]any{"organization": "kill", "path": "f", "title": "F"}, nil)
	s.mustFinish(t, admin, "create_course", map[string]any{"course_family": "kill.f", "path": "c", "title": "C"}, nil)

	const n = 120
	var list []map[string]any
	for i := range n {
		list = append(list, map[string]any{"username": fmt.Sprintf("k%03d", i)})
	}
	id := s.submit(t, admin, "release_students", map[string]any{"course": "kill.f.c", "students": list}, 0)
	studentsDir := filepath.Join(dir, "repos", "kill", "f", "c", "students")
	countRepos := func() int {
		m, _ := filepath.Glob(filepath.Join(studentsDir, "*.git"))
		return len(m)
	}
	eventually(t, 60*time.Second, "some students released", func() bool { return countRepos() >= 10 })
	if err := dev.signalAndWait(t, syscall.SIGKILL); err == nil {
		t.Fatal("SIGKILL did not kill dev")
	}
	atKill := countRepos()
	if atKill >= n {
		t.Fatalf("all %d students were released before the kill; the test proves nothing", n)
	}
	startDevProcess(t, args...)
	res := s.await(t, admin, id)
	var out struct {
		Released int `json:"released"`
	}
	if err := json.Unmarshal(res.Result, &out); err != nil || res.Status != "FINISHED" || out.Released != n {
		t.Fatalf("after the kill (at %d of %d): %+v", atKill, n, res)
	}
	var members []struct {
		Username string `json:"username"`
	}
	s.do(t, "GET", "/courses/kill.f.c/members", admin, nil).want(t, http.StatusOK).json(t, &members)
	seen := map[string]int{}
	for _, m := range members {
		seen[m.Username]++
	}
	if len(members) != n || len(seen) != n {
		t.Fatalf("%d memberships of %d users, want %d each once", len(members), len(seen), n)
	}
	if got := countRepos(); got != n {
		t.Fatalf("%d student repositories, want %d", got, n)
	}
	// No half-made repository is left beside them.
	entries, _ := os.ReadDir(studentsDir)
	if len(entries) != n {
		t.Fatalf("students dir holds %d entries, want %d repositories", len(entries), n)
	}
}
