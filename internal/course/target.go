package course

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/git"
	"github.com/computor-org/computor-go/internal/store"
)

// Target is what a test run is about: a member of a course, a released
// assignment of that course, and a commit of the member's repository.
type Target struct {
	Course  *store.Course
	Member  *store.CourseMember
	Content *store.CourseContent
	Commit  string
}

// ResolveTarget finds the member (by id), the released content of their
// course (by path or id) and the commit (default: the head of the
// student's repository). What the parameters get wrong is an
// *derrors.InvalidError naming course_member, content or commit; other
// errors are the platform's.
func ResolveTarget(ctx context.Context, s store.Store, repos git.Service, member, content, commit string) (*Target, error) {
	m, err := s.CourseMemberGet(ctx, member)
	if err != nil {
		return nil, lookup("course_member", err)
	}
	c, err := s.CourseGet(ctx, m.CourseID)
	if err != nil {
		return nil, err
	}
	cc, err := s.CourseContentGet(ctx, c.ID, content)
	if err != nil {
		return nil, lookup("content", err)
	}
	if cc.ReleasedCommit == "" {
		return nil, derrors.InvalidField("content", "%s is not released yet", cc.Path)
	}
	repo := StudentRepoPath(c, m.Username)
	if commit == "" {
		if commit, err = repos.Resolve(ctx, repo, "main"); err != nil {
			return nil, lookup("course_member", fmt.Errorf("repository of %s: %w", m.Username, err))
		}
	} else {
		ok, err := repos.HasCommit(ctx, repo, commit)
		if err != nil {
			return nil, lookup("commit", err)
		}
		if !ok {
			return nil, derrors.InvalidField("commit", "%s is not a commit of %s's repository", commit, m.Username)
		}
		// A full hash that HasCommit found is already resolved: a git
		// process less on each of the three checks of a submission.
		if len(commit) == 40 || len(commit) == 64 {
			commit = strings.ToLower(commit)
		} else if commit, err = repos.Resolve(ctx, repo, commit); err != nil {
			return nil, lookup("commit", err)
		}
	}
	return &Target{Course: c, Member: m, Content: cc, Commit: commit}, nil
}

// Content finds a content of a course, both by path or id. What the
// parameters get wrong is an *derrors.InvalidError naming course or
// content; other errors are the platform's.
func Content(ctx context.Context, s store.Store, courseRef, contentRef string) (*store.CourseContent, error) {
	crs, err := s.CourseGet(ctx, courseRef)
	if err != nil {
		return nil, lookup("course", err)
	}
	cc, err := s.CourseContentGet(ctx, crs.ID, contentRef)
	if err != nil {
		return nil, lookup("content", err)
	}
	return cc, nil
}

// lookup turns a lookup that found nothing, or was given something
// malformed, into an error on the field; others pass.
func lookup(field string, err error) error {
	if errors.Is(err, derrors.NotFound) || errors.Is(err, derrors.Invalid) {
		return derrors.AsInvalidField(field, err)
	}
	return err
}

// EffectiveDeadline is a member's deadline for a content: their own
// extension when staff granted one, else the content's deadline; nil when
// there is neither.
func EffectiveDeadline(ctx context.Context, s store.Store, memberID string, cc *store.CourseContent) (*time.Time, error) {
	e, err := s.ExtensionGet(ctx, memberID, cc.ID)
	switch {
	case err == nil:
		return &e.Deadline, nil
	case errors.Is(err, derrors.NotFound):
		return cc.Deadline, nil
	}
	return nil, err
}

// DeadlinePassed reports whether deadline is before at; no deadline
// never passes.
func DeadlinePassed(deadline *time.Time, at time.Time) bool {
	return deadline != nil && at.After(*deadline)
}

// Cutoff is when a member's submissions of cc end: the content's late
// deadline when it is after the member's deadline, else that deadline;
// nil without a deadline.
func Cutoff(cc *store.CourseContent, deadline *time.Time) *time.Time {
	if deadline == nil {
		return nil
	}
	if cc.LateDeadline != nil && cc.LateDeadline.After(*deadline) {
		return cc.LateDeadline
	}
	return deadline
}

// CheckDeadline refuses a submission of cc after the member's cutoff
// (deadline is the member's effective one): an InvalidError on content,
// with the time it passed.
func CheckDeadline(cc *store.CourseContent, deadline *time.Time, at time.Time) error {
	if cut := Cutoff(cc, deadline); DeadlinePassed(cut, at) {
		return derrors.InvalidField("content", "deadline for %s passed at %s", cc.Path, cut.UTC().Format(time.RFC3339))
	}
	return nil
}

// RevealAt is when a member may see the results of cc's tests that are
// kept back until the deadline: once no member may submit any more, the
// late deadline and every extension included, so that nobody learns them
// from a classmate whose deadline passed earlier. Nil: never (no
// deadline).
func RevealAt(ctx context.Context, s store.Store, memberID string, cc *store.CourseContent) (*time.Time, error) {
	own, err := EffectiveDeadline(ctx, s, memberID, cc)
	if err != nil {
		return nil, err
	}
	latestExt, err := s.ExtensionLatest(ctx, cc.ID)
	if err != nil {
		return nil, err
	}
	var at *time.Time
	for _, d := range []*time.Time{Cutoff(cc, own), Cutoff(cc, cc.Deadline), Cutoff(cc, latestExt)} {
		if d != nil && (at == nil || d.After(*at)) {
			at = d
		}
	}
	return at, nil
}

// PenaltyFactor is what a submission's score is multiplied by: a late one
// loses the late penalty, and each one after the free submissions loses
// the submission penalty of what is left (compounding). It is from 0 to 1.
func PenaltyFactor(cc *store.CourseContent, ordinal int, late bool) float64 {
	f := 1.0
	if late {
		f *= 1 - cc.LatePenalty
	}
	if beyond := ordinal - cc.FreeSubmissions; beyond > 0 && cc.SubmissionPenalty > 0 {
		f *= math.Pow(1-cc.SubmissionPenalty, float64(beyond))
	}
	return min(max(f, 0), 1)
}

// CheckTestRunRate refuses a test run past the content's
// test_runs_per_hour: a *derrors.RateLimitError that says when the next
// run is allowed, an hour after the first run of the last hour.
func CheckTestRunRate(ctx context.Context, s store.Store, t *Target, at time.Time) error {
	limit := t.Content.TestRunsPerHour
	if limit <= 0 {
		return nil
	}
	n, first, err := s.TestRunsSince(ctx, t.Member.ID, t.Content.ID, at.Add(-time.Hour))
	if err != nil {
		return err
	}
	if n < limit {
		return nil
	}
	retry := first.Add(time.Hour).Sub(at)
	return &derrors.RateLimitError{
		Msg:        fmt.Sprintf("%s may run the tests of %s %d times an hour; the next run is allowed at %s", t.Member.Username, t.Content.Path, limit, at.Add(retry).UTC().Format(time.RFC3339)),
		RetryAfter: retry,
	}
}
