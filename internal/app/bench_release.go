package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/computor-org/computor-go/internal/auth"
	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/tasks/course/releasestudents"
)

// ReleaseBenchOptions are the settings of BenchRelease beyond Config.
type ReleaseBenchOptions struct {
	// Students is how many students release_students releases.
	Students int
	// Store is "sqlite" (the data dir's file) or "postgres": a fresh
	// schema of Config.DatabaseURL, or of DefaultBenchPostgresURL when that
	// names no PostgreSQL database, dropped at the end.
	Store string
	// Assignments is the directory of assignments released; empty: the
	// sample course's testdata/course/assignments, looked for in the
	// working directory and its parents.
	Assignments string
	// JSON prints the report as JSON.
	JSON bool
	// CPUProfile, when set, receives a CPU profile of release_course and
	// release_students.
	CPUProfile string
	// OwnDataDir and OwnTemporalAddr say that Config.DataDir and
	// Config.TemporalAddr were given, not defaults.
	OwnDataDir, OwnTemporalAddr bool
}

// DefaultBenchPostgresURL is the database `bench release --store postgres`
// makes its schema in unless COMPUTOR_DATABASE_URL names one.
const DefaultBenchPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// sampleAssignments is where the sample course's assignments are, from the
// repository's root.
const sampleAssignments = "testdata/course/assignments"

// ReleasePhase is the figures of one measured release.
type ReleasePhase struct {
	Students       int     `json:"students,omitempty"`
	Seconds        float64 `json:"seconds"`
	StudentsPerSec float64 `json:"students_per_second,omitempty"`
	Released       int     `json:"released,omitempty"`
	Failed         int     `json:"failed,omitempty"`
	// Verified is how many student repositories were checked to exist
	// and hold the template's main.
	Verified int `json:"verified,omitempty"`
}

// BareRelease is the same git work done without the task system, database
// or API: the fork of every student repository, by the same library calls
// release_students makes (Parallel at a time, as it does), and the
// commit of the released files that release_course makes.
type BareRelease struct {
	Students       int     `json:"students"`
	Seconds        float64 `json:"seconds"`
	StudentsPerSec float64 `json:"students_per_second"`
	CourseSeconds  float64 `json:"release_course_seconds"`
}

// ReleaseBenchReport is the output of `computor bench release`.
type ReleaseBenchReport struct {
	Store           string       `json:"store"`
	CPUs            int          `json:"cpus"`
	Load            string       `json:"load,omitempty"`
	ReleaseStudents ReleasePhase `json:"release_students"`
	ReleaseCourse   ReleasePhase `json:"release_course"`
	Bare            BareRelease  `json:"bare"`
	// Ratio is bare time over ours for release_students: 1.0 is as fast as
	// the bare git work.
	Ratio       float64 `json:"ratio"`
	CourseRatio float64 `json:"release_course_ratio"`
}

// BenchRelease runs release_course of the sample course and
// release_students of o.Students students on an embedded stack of its
// own, checks that every student's repository holds the template, and
// times the same git work done bare.
func BenchRelease(ctx context.Context, c Config, o ReleaseBenchOptions, stdout, stderr io.Writer) error {
	c = c.WithDefaults()
	if err := c.Validate(); err != nil {
		return err
	}
	if o.Students < 1 || o.Students > releasestudents.MaxStudents {
		return fmt.Errorf("bench release: --students must be between 1 and %d", releasestudents.MaxStudents)
	}
	assignments, err := findAssignments(o.Assignments)
	if err != nil {
		return err
	}
	logger, err := c.Logger(stderr)
	if err != nil {
		return err
	}
	if !o.OwnDataDir {
		c.DataDir = ""
	}
	if !o.OwnTemporalAddr {
		c.TemporalAddr = ""
	}
	report := ReleaseBenchReport{Store: o.Store, CPUs: runtime.NumCPU(), Load: loadText()}
	switch o.Store {
	case "", "sqlite":
		report.Store = "sqlite"
		c.DatabaseURL = ""
	case "postgres":
		u, drop, err := benchSchema(ctx, c.DatabaseURL)
		if err != nil {
			return err
		}
		defer drop()
		c.DatabaseURL = u
	default:
		return fmt.Errorf("bench release: --store %q: want sqlite or postgres", o.Store)
	}

	apiURL, _, d, stop, err := startBenchStack(ctx, c, logger)
	if err != nil {
		return err
	}
	defer stop()
	token, err := d.key.Mint(auth.Token{Subject: "bench-admin", Roles: []string{auth.RoleAdmin}, TTL: time.Hour, Audience: c.JWTAudience})
	if err != nil {
		return err
	}
	api := &apiBench{url: apiURL, token: token, client: &http.Client{}}

	org := fmt.Sprintf("bench%d", rand.IntN(1_000_000_000))
	coursePath := org + ".f.c"
	for _, step := range []struct {
		task   string
		params map[string]any
	}{
		{"create_organization", map[string]any{"path": org, "title": "Bench"}},
		{"create_course_family", map[string]any{"organization": org, "path": "f", "title": "F"}},
		{"create_course", map[string]any{"course_family": org + ".f", "path": "c", "title": "C"}},
	} {
		if _, err := runTask(ctx, api, step.task, step.params, nil); err != nil {
			return err
		}
	}
	crs, err := d.deps.Store.CourseGet(ctx, coursePath)
	if err != nil {
		return fmt.Errorf("bench release: %w", err)
	}
	files, err := readTree(assignments)
	if err != nil {
		return err
	}
	repos := d.deps.Repos
	assignmentsRepo := course.RepoPath(crs, course.AssignmentsRepo)
	head, err := repos.Resolve(ctx, assignmentsRepo, "main")
	if err != nil {
		return fmt.Errorf("bench release: %w", err)
	}
	if _, _, err := repos.Commit(ctx, assignmentsRepo, git.CommitParams{Parent: head, Write: files, Message: "Sample assignments"}); err != nil {
		return fmt.Errorf("bench release: push the assignments: %w", err)
	}

	var students []map[string]any
	for i := range o.Students {
		students = append(students, map[string]any{"username": fmt.Sprintf("s%05d", i), "email": fmt.Sprintf("s%05d@example.org", i),
			"given_name": "Stu", "family_name": fmt.Sprint(i), "group": fmt.Sprintf("g%d", i%10)})
	}

	stopProfile, err := cpuProfile(o.CPUProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	fmt.Fprintf(stderr, "bench release: release_course of %s\n", assignments)
	var rel struct {
		Changed bool `json:"changed"`
	}
	if report.ReleaseCourse.Seconds, err = runTask(ctx, api, "release_course", map[string]any{"course": coursePath, "contents": "all"}, &rel); err != nil {
		return err
	}
	if !rel.Changed {
		return errors.New("bench release: release_course changed nothing")
	}
	fmt.Fprintf(stderr, "bench release: release_students of %d students\n", o.Students)
	var released releasestudents.Result
	if report.ReleaseStudents.Seconds, err = runTask(ctx, api, "release_students", map[string]any{"course": coursePath, "students": students}, &released); err != nil {
		return err
	}
	stopProfile()
	fmt.Fprintf(stderr, "bench release: release_course %.2f s, release_students %.2f s\n", report.ReleaseCourse.Seconds, report.ReleaseStudents.Seconds)
	report.ReleaseStudents.Students = o.Students
	report.ReleaseStudents.Released, report.ReleaseStudents.Failed = released.Released, released.Failed
	report.ReleaseStudents.StudentsPerSec = float64(o.Students) / report.ReleaseStudents.Seconds
	if released.Released != o.Students || released.Failed != 0 || len(released.Students) != o.Students {
		return fmt.Errorf("bench release: release_students released %d and failed %d of %d students", released.Released, released.Failed, o.Students)
	}

	// Every student's repository holds the template: its main is the
	// template's main, and every file of it can be read.
	templateRepo := course.RepoPath(crs, course.StudentTemplateRepo)
	templateHead, err := repos.Resolve(ctx, templateRepo, "main")
	if err != nil {
		return fmt.Errorf("bench release: the template: %w", err)
	}
	templateFiles, err := repos.ReadFiles(ctx, templateRepo, templateHead, "", func(string) bool { return true }, 1<<30)
	if err != nil || len(templateFiles) == 0 {
		return fmt.Errorf("bench release: the template holds no files: %v", err)
	}
	for i, s := range students {
		username := s["username"].(string)
		repo := course.StudentRepoPath(crs, username)
		if got := released.Students[i]; got.Username != username || got.Status != releasestudents.OutcomeReleased || got.Repository != repo+".git" {
			return fmt.Errorf("bench release: outcome of %s: %+v", username, got)
		}
		h, err := repos.Resolve(ctx, repo, "main")
		if err != nil {
			return fmt.Errorf("bench release: the repository of %s: %w", username, err)
		}
		if h != templateHead {
			return fmt.Errorf("bench release: the repository of %s is at %s, the template at %s", username, h, templateHead)
		}
		got, err := repos.ReadFiles(ctx, repo, h, "", func(string) bool { return true }, 1<<30)
		if err != nil {
			return fmt.Errorf("bench release: the repository of %s: %w", username, err)
		}
		if !slices.EqualFunc(got, templateFiles, func(a, b git.File) bool { return a.Path == b.Path && string(a.Data) == string(b.Data) }) {
			return fmt.Errorf("bench release: the repository of %s does not hold the template's files", username)
		}
		report.ReleaseStudents.Verified++
	}

	fmt.Fprintf(stderr, "bench release: the same git work, bare\n")
	if report.Bare, err = bareRelease(ctx, o.Students, files, templateFiles); err != nil {
		return err
	}
	report.Ratio = report.Bare.Seconds / report.ReleaseStudents.Seconds
	report.CourseRatio = report.Bare.CourseSeconds / report.ReleaseCourse.Seconds
	if o.JSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(report)
	}
	printReleaseBench(stdout, report)
	return nil
}

// runTask submits a task through the API, waits for it to finish, decodes
// its result into out (when not nil) and returns the seconds from submit to
// result.
func runTask(ctx context.Context, api *apiBench, task string, params map[string]any, out any) (float64, error) {
	body, err := json.Marshal(map[string]any{"task_name": task, "parameters": params})
	if err != nil {
		return 0, err
	}
	start := time.Now()
	var sub SubmitReply
	if status, err := api.call(ctx, "POST", "/tasks/submit", body, &sub); err != nil || status != http.StatusAccepted {
		return 0, fmt.Errorf("bench release: submit %s: status %d: %v", task, status, err)
	}
	for {
		var res struct {
			Status string          `json:"status"`
			Result json.RawMessage `json:"result"`
			Error  *string         `json:"error"`
		}
		status, err := api.call(ctx, "GET", "/tasks/"+sub.TaskID+"/result?wait=60s", nil, &res)
		if err != nil {
			return 0, fmt.Errorf("bench release: %s: %w", task, err)
		}
		if status == http.StatusAccepted {
			continue
		}
		elapsed := time.Since(start).Seconds()
		if status != http.StatusOK || res.Status != "FINISHED" {
			msg := ""
			if res.Error != nil {
				msg = *res.Error
			}
			return 0, fmt.Errorf("bench release: %s: status %d, %s: %s", task, status, res.Status, msg)
		}
		if out != nil {
			if err := json.Unmarshal(res.Result, out); err != nil {
				return 0, fmt.Errorf("bench release: %s result: %w", task, err)
			}
		}
		return elapsed, nil
	}
}

// bareRelease does the git work of the releases in a temporary directory
// with a git.Local of its own: the commit of the released files into a
// fresh template (release_course), then the fork of it for every student,
// releasestudents.Parallel at a time.
func bareRelease(ctx context.Context, students int, assignments map[string][]byte, template []git.File) (BareRelease, error) {
	dir, err := os.MkdirTemp("", "computor-bench-bare-")
	if err != nil {
		return BareRelease{}, err
	}
	defer os.RemoveAll(dir)
	l, err := git.NewLocal(dir)
	if err != nil {
		return BareRelease{}, err
	}
	// What release_course starts from: the assignments pushed, an empty
	// template.
	if _, err := l.EnsureRepo(ctx, "b/f/c/assignments", assignments, "Sample assignments"); err != nil {
		return BareRelease{}, err
	}
	if _, err := l.EnsureRepo(ctx, "b/f/c/student-template", map[string][]byte{"README.md": []byte("# Student template\n")}, "Create"); err != nil {
		return BareRelease{}, err
	}
	start := time.Now()
	head, err := l.Resolve(ctx, "b/f/c/assignments", "main")
	if err != nil {
		return BareRelease{}, err
	}
	if _, err := l.ReadFiles(ctx, "b/f/c/assignments", head, "", func(string) bool { return true }, 1<<30); err != nil {
		return BareRelease{}, err
	}
	parent, err := l.Resolve(ctx, "b/f/c/student-template", "main")
	if err != nil {
		return BareRelease{}, err
	}
	write := map[string][]byte{}
	for _, f := range template {
		write[f.Path] = f.Data
	}
	if _, _, err := l.Commit(ctx, "b/f/c/student-template", git.CommitParams{Parent: parent, Write: write, Message: "Release"}); err != nil {
		return BareRelease{}, err
	}
	courseSeconds := time.Since(start).Seconds()

	start = time.Now()
	next := make(chan int)
	errs := make(chan error, releasestudents.Parallel)
	var wg sync.WaitGroup
	for range releasestudents.Parallel {
		wg.Go(func() {
			for i := range next {
				if _, err := l.ForkRepo(ctx, "b/f/c/student-template", fmt.Sprintf("b/f/c/students/s%05d", i)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var forkErr error
	for i := 0; i < students && forkErr == nil; i++ {
		select {
		case next <- i:
		case forkErr = <-errs:
		}
	}
	close(next)
	wg.Wait()
	close(errs)
	if forkErr == nil {
		forkErr = <-errs
	}
	if forkErr != nil {
		return BareRelease{}, fmt.Errorf("bench release: bare fork: %w", forkErr)
	}
	seconds := time.Since(start).Seconds()
	return BareRelease{Students: students, Seconds: seconds, StudentsPerSec: float64(students) / seconds, CourseSeconds: courseSeconds}, nil
}

// findAssignments returns dir, or when empty the sample course's
// assignments in the working directory or one of its parents.
func findAssignments(dir string) (string, error) {
	if dir != "" {
		if info, err := os.Stat(dir); err != nil || !info.IsDir() {
			return "", fmt.Errorf("bench release: --assignments %s: not a directory", dir)
		}
		return dir, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for d := wd; ; d = filepath.Dir(d) {
		p := filepath.Join(d, filepath.FromSlash(sampleAssignments))
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			return p, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("bench release: no %s in %s or above it; give --assignments", sampleAssignments, wd)
		}
	}
}

// readTree reads every regular file under dir, by slash path.
func readTree(dir string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || !e.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)], err = os.ReadFile(p)
		return err
	})
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("%s holds no files", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("bench release: read the assignments: %w", err)
	}
	return files, nil
}

// benchSchema makes a fresh schema in the PostgreSQL database of base (or
// DefaultBenchPostgresURL) and returns the URL that uses it, and how to
// drop it.
func benchSchema(ctx context.Context, base string) (string, func(), error) {
	if !strings.HasPrefix(base, "postgres://") && !strings.HasPrefix(base, "postgresql://") {
		base = DefaultBenchPostgresURL
	}
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, fmt.Errorf("bench release: postgres: %w", err)
	}
	schema := fmt.Sprintf("bench_%d", rand.IntN(1_000_000_000))
	if _, err := db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		_ = db.Close()
		return "", nil, fmt.Errorf("bench release: postgres: create schema: %w", err)
	}
	drop := func() {
		_, _ = db.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		_ = db.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, fmt.Errorf("bench release: postgres url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

func printReleaseBench(w io.Writer, r ReleaseBenchReport) {
	fmt.Fprintf(w, "computor bench release: %d students, %s, %d CPUs, load %s\n\n", r.ReleaseStudents.Students, r.Store, r.CPUs, r.Load)
	fmt.Fprintf(w, "release_course:    %7.2f s  (bare git %.2f s, ratio %.2f)\n", r.ReleaseCourse.Seconds, r.Bare.CourseSeconds, r.CourseRatio)
	fmt.Fprintf(w, "release_students:  %7.2f s  %7.1f students/s  released %d, failed %d, repositories verified %d\n",
		r.ReleaseStudents.Seconds, r.ReleaseStudents.StudentsPerSec, r.ReleaseStudents.Released, r.ReleaseStudents.Failed, r.ReleaseStudents.Verified)
	fmt.Fprintf(w, "bare git forks:    %7.2f s  %7.1f students/s\n", r.Bare.Seconds, r.Bare.StudentsPerSec)
	fmt.Fprintf(w, "\nratio bare/ours (1.0 = as fast as bare): %.2f\n", r.Ratio)
}

// loadText is loadAverage as text: "1.02 0.80 0.55".
func loadText() string {
	l := loadAverage()
	return fmt.Sprintf("%.2f %.2f %.2f", l[0], l[1], l[2])
}
