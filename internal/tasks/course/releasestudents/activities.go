package releasestudents

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"go.temporal.io/sdk/activity"

	"github.com/computor-org/computor-go/internal/course"
	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/computor-org/computor-go/internal/store"
	"github.com/computor-org/computor-go/internal/tasks"
)

// Activities hold the task's dependencies.
type Activities struct {
	deps tasks.Deps
}

// ReleaseStudent makes the user, the group, the membership and the
// repository, each find-or-create, so a retry makes nothing twice.
func (a *Activities) ReleaseStudent(ctx context.Context, in Input) (*Outcome, error) {
	s := a.deps.Store
	st := in.Student
	crs, err := s.CourseGet(ctx, in.Course)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("course: %w", err))
	}
	user, err := s.UserFindOrCreate(ctx, store.UserCreateParams{
		Username: st.Username, Email: st.Email, GivenName: st.GivenName, FamilyName: st.FamilyName,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("user %s: %w", st.Username, err))
	}
	var groupID string
	if g := strings.TrimSpace(st.Group); g != "" {
		group, err := s.CourseGroupFindOrCreate(ctx, store.CourseGroupCreateParams{
			CourseID: crs.ID, Title: g, CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
		})
		if err != nil {
			return nil, tasks.ActivityError(fmt.Errorf("group %s: %w", g, err))
		}
		groupID = group.ID
	}
	m, err := s.CourseMemberFindOrCreate(ctx, store.CourseMemberCreateParams{
		CourseID: crs.ID, UserID: user.ID, Role: store.RoleStudent, CourseGroupID: groupID,
		CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("membership of %s: %w", st.Username, err))
	}
	if m.Role != store.RoleStudent {
		return &Outcome{Username: st.Username, Status: OutcomeSkipped, MemberID: m.ID,
			Error: fmt.Sprintf("already a member of the course as %s", m.Role)}, nil
	}
	repo := course.StudentRepoPath(crs, st.Username)
	if _, err := a.deps.Repos.ForkRepo(ctx, course.RepoPath(crs, course.StudentTemplateRepo), repo); err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("repository of %s: %w", st.Username, err))
	}
	return &Outcome{Username: st.Username, Status: OutcomeReleased, MemberID: m.ID, Repository: repo + ".git"}, nil
}

// ReleaseBatch releases a batch of students: their users, groups and
// memberships in one transaction, then a repository each. Every step is
// find-or-create, so a retry (after a worker died mid-batch) finds done
// what was done and makes nothing twice. A student whose username or
// repository path is refused gets a failed outcome and the others go on;
// a hiccup of the database or of git fails the whole batch, retryably,
// after the other students' repositories were made.
func (a *Activities) ReleaseBatch(ctx context.Context, in BatchInput) ([]Outcome, error) {
	s := a.deps.Store
	crs, err := s.CourseGet(ctx, in.Course)
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("course: %w", err))
	}
	outs := make([]Outcome, len(in.Students))
	var members []store.NewCourseMember
	var at []int // the index in outs of each of members
	for i, st := range in.Students {
		outs[i].Username = st.Username
		if err := store.ValidUsername(st.Username); err != nil {
			outs[i].Status, outs[i].Error = OutcomeFailed, err.Error()
			continue
		}
		members = append(members, store.NewCourseMember{Username: st.Username, Email: st.Email, GivenName: st.GivenName,
			FamilyName: st.FamilyName, GroupTitle: strings.TrimSpace(st.Group)})
		at = append(at, i)
	}
	got, err := s.CourseMembersFindOrCreate(ctx, store.CourseMembersFindOrCreateParams{
		CourseID: crs.ID, Role: store.RoleStudent, Members: members, CreatedBy: in.Submitter, CreatedByTask: in.TaskID,
	})
	if err != nil {
		return nil, tasks.ActivityError(fmt.Errorf("memberships: %w", err))
	}
	template := course.RepoPath(crs, course.StudentTemplateRepo)
	// Forks run ParallelForks at a time: each waits mostly on the disk
	// (its files are flushed), not the CPU.
	var (
		mu       sync.Mutex
		retry    error
		notFound error
		done     int
		wg       sync.WaitGroup
		slots    = make(chan struct{}, ParallelForks)
	)
	for k, m := range got {
		o := &outs[at[k]]
		o.MemberID = m.ID
		if m.Role != store.RoleStudent {
			o.Status, o.Error = OutcomeSkipped, fmt.Sprintf("already a member of the course as %s", m.Role)
			continue
		}
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			repo := course.StudentRepoPath(crs, m.Username)
			_, err := a.deps.Repos.ForkRepo(ctx, template, repo)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				o.Status, o.Repository = OutcomeReleased, repo+".git"
			case errors.Is(err, derrors.Invalid):
				o.Status, o.Error = OutcomeFailed, fmt.Sprintf("repository of %s: %v", m.Username, err)
			case errors.Is(err, derrors.NotFound):
				// No template: every student would fail alike.
				notFound = fmt.Errorf("repository of %s: %w", m.Username, err)
			case retry == nil:
				retry = fmt.Errorf("repository of %s: %w", m.Username, err)
			}
			done++
			if activity.IsActivity(ctx) {
				activity.RecordHeartbeat(ctx, done)
			}
		})
	}
	wg.Wait()
	if notFound != nil {
		return nil, tasks.ActivityError(notFound)
	}
	if retry != nil {
		return nil, tasks.ActivityError(retry)
	}
	return outs, nil
}
