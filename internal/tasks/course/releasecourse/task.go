// Package releasecourse is the release_course task: it copies the student
// files of assignments, at a ref of the course's assignments repository,
// into its student-template repository, and records the released commit on
// the course contents. Nothing kept back (solutions, tests) leaks, and
// releasing again when nothing changed is a no-op.
package releasecourse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/grading/codeability"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Kind is the task's durable name.
const Kind = "release_course"

// ActivityRelease is the durable name of the one activity.
const ActivityRelease = "release_course.release"

// release is the typed reference to [Activities.Release].
var release = tasks.ActivityRef[Input, *Result]{Name: ActivityRelease}

// Contents selects assignments: a list of assignment paths, or every
// assignment when empty or given as the string "all".
type Contents []string

// UnmarshalJSON accepts "all" or a list of strings.
func (c *Contents) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = nil
		return nil
	}
	var all string
	if err := json.Unmarshal(b, &all); err == nil {
		if all != "all" {
			return fmt.Errorf(`contents: want "all" or a list of assignment paths`)
		}
		*c = nil
		return nil
	}
	var list []string
	if err := json.Unmarshal(b, &list); err != nil {
		return err
	}
	*c = list
	return nil
}

// JSONSchema implements tasks.SchemaProvider.
func (Contents) JSONSchema() map[string]any {
	return map[string]any{"oneOf": []any{
		map[string]any{"const": "all"},
		map[string]any{"type": "array", "items": map[string]any{"type": "string"}},
	}}
}

// Params are the task's parameters.
type Params struct {
	Course   string   `json:"course" param:"required,minlen=1" doc:"The course, by id or path (organization.family.course)."`
	Contents Contents `json:"contents" param:"maxitems=500" doc:"Assignment paths to release, or \"all\" (the default): every directory of assignments with a meta.yaml."`
	Ref      string   `json:"ref" param:"minlen=1,maxlen=255" doc:"Branch, tag or commit of the assignments repository to release."`
}

// Kind implements tasks.Params.
func (Params) Kind() string { return Kind }

// Validate implements tasks.Params.
func (p Params) Validate() error {
	seen := map[string]bool{}
	for i, c := range p.Contents {
		if err := store.ValidContentPath(c); err != nil {
			return derrors.AsInvalidField(fmt.Sprintf("contents[%d]", i), err)
		}
		if seen[c] {
			return derrors.InvalidField(fmt.Sprintf("contents[%d]", i), "%q is listed twice", c)
		}
		seen[c] = true
	}
	return nil
}

// Released is one released assignment.
type Released struct {
	Path  string   `json:"path"`
	Title string   `json:"title"`
	Files []string `json:"files"`
}

// Result is what the task returns.
type Result struct {
	Course         string     `json:"course"`
	Ref            string     `json:"ref"`
	Commit         string     `json:"commit"`
	TemplateCommit string     `json:"template_commit"`
	Changed        bool       `json:"changed"`
	Contents       []Released `json:"contents"`
}

// Task returns the task type.
func Task(d tasks.Deps) *tasks.Type {
	a := &Activities{deps: d}
	return tasks.New(tasks.Spec[Params, *Result]{
		Description: "Releases assignments of a course: copies their student files at a ref of the assignments repository into the student template.",
		Access:      course.ReleaseAccess,
		Defaults:    Params{Ref: "main"},
		Workflow:    Workflow,
		Activities:  []tasks.Activity{tasks.Bind(release, a.Release)},
		Timeout:     30 * time.Minute,
		Check: func(ctx context.Context, p Params) error {
			_, err := makePlan(ctx, d, p)
			return err
		},
		Authorize: func(ctx context.Context, c tasks.Caller, p Params) error {
			return course.AuthorizeRelease(ctx, d.Store, c.Subject, p.Course)
		},
	})
}

// Input is what the activity gets.
type Input struct {
	Params
	tasks.Origin
}

// Workflow releases in one activity: the release is one commit.
func Workflow(ctx workflow.Context, p Params) (*Result, error) {
	ctx = workflow.WithActivityOptions(ctx, tasks.ActivityOptions())
	return release.Run(ctx, Input{Params: p, Origin: tasks.OriginOf(ctx)})
}

// assignment is one assignment to release.
type assignment struct {
	dir  string
	meta *course.Meta
	// files are what its student template holds, relative to dir.
	files []course.ReleasedFile
	// all are the repo paths of all its files.
	all []string
}

// ReleaseMaxBytes bounds what one assignment releases: the files its
// student template takes content from (1 GiB).
const ReleaseMaxBytes int64 = 1 << 30

// plan is what a release will do, read from the repositories.
type plan struct {
	course      *store.Course
	commit      string
	assignments []assignment
	// dirs are all assignment directories at the ref, released or not.
	dirs []string
}

// makePlan reads the course, resolves the ref and parses every selected
// assignment's meta.yaml. The API runs it at submit to refuse bad input;
// the activity runs it again on what the repository holds then.
func makePlan(ctx context.Context, d tasks.Deps, p Params) (*plan, error) {
	crs, err := d.Store.CourseGet(ctx, p.Course)
	if err != nil {
		return nil, tasks.CheckLookup("course", err)
	}
	repo := course.RepoPath(crs, course.AssignmentsRepo)
	commit, err := d.Repos.Resolve(ctx, repo, p.Ref)
	if err != nil {
		return nil, tasks.CheckLookup("ref", err)
	}
	files, err := d.Repos.ListFiles(ctx, repo, commit, "")
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", repo, err)
	}
	var dirs []string
	for _, f := range files {
		if path.Base(f) == course.MetaFile && f != course.MetaFile {
			dirs = append(dirs, path.Dir(f))
		}
	}
	selected := []string(p.Contents)
	if len(selected) == 0 {
		if len(dirs) == 0 {
			return nil, derrors.InvalidField("contents", "%s at %s has no assignment (a directory with a %s)", repo, p.Ref, course.MetaFile)
		}
		selected = dirs
	}
	pl := &plan{course: crs, commit: commit, dirs: dirs}
	for i, dir := range selected {
		dir = strings.Trim(dir, "/")
		field := fmt.Sprintf("contents[%d]", i)
		if len(p.Contents) == 0 {
			field = "contents" // "all": the caller named no list to point into
		}
		if !slices.Contains(dirs, dir) {
			return nil, derrors.InvalidField(field, "%q is not an assignment at %s: it has no %s", dir, p.Ref, course.MetaFile)
		}
		raw, err := d.Repos.ReadFile(ctx, repo, commit, dir+"/"+course.MetaFile)
		if err != nil {
			return nil, fmt.Errorf("read %s/%s: %w", dir, course.MetaFile, err)
		}
		meta, err := course.ParseMeta(raw)
		if err != nil {
			return nil, derrors.InvalidField(field, "%s/%v", dir, err)
		}
		// A test specification that does not parse is refused now, not at
		// the first student's test run. A CodeAbility example's test.yaml
		// is in CodeAbility's own format, which the native grader's
		// ParseSpec does not read; it is checked by the engine that runs
		// it.
		if slices.Contains(files, dir+"/"+course.TestSpecFile) && meta.Format == course.FormatNative {
			rawSpec, err := d.Repos.ReadFile(ctx, repo, commit, dir+"/"+course.TestSpecFile)
			if err != nil {
				return nil, fmt.Errorf("read %s/%s: %w", dir, course.TestSpecFile, err)
			}
			parse := func(b []byte) error { _, err := grading.ParseSpec(b); return err }
			if codeability.Is(rawSpec) {
				parse = func(b []byte) error { _, err := codeability.Parse(b); return err }
			}
			if err := parse(rawSpec); err != nil {
				return nil, derrors.InvalidField(field, "%s/%v", dir, err)
			}
		}
		var own []string
		for _, f := range files {
			rel, ok := strings.CutPrefix(f, dir+"/")
			// A nested assignment's files belong to it, not to this one.
			if ok && !nestedIn(dirs, dir, f) {
				own = append(own, rel)
			}
		}
		released, err := meta.ReleasedFiles(own)
		if err != nil {
			return nil, derrors.InvalidField(field, "%s/%v", dir, err)
		}
		all := make([]string, len(own))
		for i, rel := range own {
			all[i] = dir + "/" + rel
		}
		pl.assignments = append(pl.assignments, assignment{dir: dir, meta: meta, files: released, all: all})
	}
	return pl, nil
}

// nestedIn reports whether file lies in an assignment nested below dir.
func nestedIn(dirs []string, dir, file string) bool {
	for _, d := range dirs {
		if d != dir && strings.HasPrefix(d, dir+"/") && strings.HasPrefix(file, d+"/") {
			return true
		}
	}
	return false
}

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// Release commits the student files into the template (a no-op when the
// tree is unchanged) and records the released commit.
func (a *Activities) Release(ctx context.Context, in Input) (*Result, error) {
	pl, err := makePlan(ctx, a.deps, in.Params)
	if err != nil {
		return nil, tasks.ActivityError(err)
	}
	src := course.RepoPath(pl.course, course.AssignmentsRepo)
	dst := course.RepoPath(pl.course, course.StudentTemplateRepo)
	head, err := a.deps.Repos.Resolve(ctx, dst, "main")
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("student template: %w", err))
	}
	cp := git.CommitParams{Parent: head, Write: map[string][]byte{}, AuthorName: in.Submitter, AuthorEmail: in.Submitter + "@computor"}
	res := &Result{Course: pl.course.FullPath, Ref: in.Ref, Commit: pl.commit}
	var names []string
	for _, as := range pl.assignments {
		sources := map[string]bool{}
		for _, rf := range as.files {
			if rf.Source != "" {
				sources[rf.Source] = true
			}
		}
		// Read as regular files only: a symbolic link is never followed
		// into what it names, nor released as one.
		read, err := a.deps.Repos.ReadFiles(ctx, src, pl.commit, as.dir, func(rel string) bool { return sources[rel] }, ReleaseMaxBytes)
		switch {
		case errors.Is(err, derrors.TooLarge):
			return nil, tasks.ActivityError(derrors.InvalidField("contents", "%s: the released files are larger than %d MiB", as.dir, ReleaseMaxBytes>>20))
		case err != nil:
			return nil, tasks.ActivityError(fmt.Errorf("read %s: %w", as.dir, err))
		}
		data := make(map[string][]byte, len(read))
		for _, f := range read {
			data[f.Path] = f.Data
		}
		var paths []string
		for _, rf := range as.files {
			b, ok := data[rf.Source]
			if rf.Source != "" && !ok {
				return nil, tasks.ActivityError(derrors.InvalidField("contents", "%s/%s is a symbolic link or not a regular file; only regular files are released", as.dir, rf.Source))
			}
			if b == nil {
				b = []byte{}
			}
			cp.Write[as.dir+"/"+rf.Path] = b
			paths = append(paths, as.dir+"/"+rf.Path)
		}
		names = append(names, as.dir)
		res.Contents = append(res.Contents, Released{Path: as.dir, Title: as.meta.Title, Files: paths})
	}
	// Then what the template holds of these assignments but no longer
	// should; a nested assignment's files are its own, not its parent's.
	for _, as := range pl.assignments {
		old, err := a.deps.Repos.ListFiles(ctx, dst, head, as.dir)
		if err != nil && !errors.Is(err, derrors.NotFound) {
			return nil, tasks.ActivityError(fmt.Errorf("list template: %w", err))
		}
		for _, f := range old {
			if _, keep := cp.Write[f]; !keep && !nestedIn(pl.dirs, as.dir, f) {
				cp.Delete = append(cp.Delete, f)
			}
		}
	}
	cp.Message = fmt.Sprintf("Release %s from assignments@%.12s (%s)", strings.Join(names, ", "), pl.commit, in.TaskID)
	res.TemplateCommit, res.Changed, err = a.deps.Repos.Commit(ctx, dst, cp)
	if errors.Is(err, derrors.Conflict) {
		// The template moved under us; the next attempt plans again.
		return nil, fmt.Errorf("student template changed during the release: %w", err)
	}
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("commit template: %w", err))
	}
	now := time.Now().UTC()
	for _, as := range pl.assignments {
		c, err := a.deps.Store.CourseContentUpsert(ctx, store.CourseContentUpsertParams{
			CourseID: pl.course.ID, Path: as.dir, Title: as.meta.Title,
			MaxTestRuns: as.meta.MaxTestRuns, MaxSubmissions: as.meta.MaxSubmissions, Deadline: as.meta.Deadline,
			TestRunsPerHour: as.meta.TestRunsPerHour, Grading: as.meta.Grading,
			LateDeadline: as.meta.LateDeadline, LatePenalty: as.meta.LatePenalty,
			FreeSubmissions: as.meta.FreeSubmissions, SubmissionPenalty: as.meta.SubmissionPenalty,
			CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
		})
		if err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("record content %s: %w", as.dir, err))
		}
		if c.ReleasedCommit == pl.commit {
			continue // released before; nothing to record
		}
		digest, err := course.TestsDigest(ctx, a.deps.Repos, src, pl.commit, as.dir, as.meta, as.all)
		if err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("digest the tests of %s: %w", as.dir, err))
		}
		if _, err := a.deps.Store.CourseContentRelease(ctx, c.ID, pl.commit, now, digest); err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("record release of %s: %w", as.dir, err))
		}
	}
	return res, nil
}
