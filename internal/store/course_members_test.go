package store

import (
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/computor-org/computor-go/internal/derrors"
)

// testCourseMembersBulk: many memberships in one call, as one at a time
// would make them; a repeat makes nothing twice; existing users and
// memberships are kept as they are.
func testCourseMembersBulk(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	// A lecturer already in the course, and a user already known.
	lect, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "lect", Email: "old@example.org"})
	wantErr(t, err, nil)
	ml, err := s.CourseMemberFindOrCreate(ctx, CourseMemberCreateParams{CourseID: h.course.ID, UserID: lect.ID, Role: RoleLecturer})
	wantErr(t, err, nil)
	known, err := s.UserFindOrCreate(ctx, UserCreateParams{Username: "known", Email: "known@example.org"})
	wantErr(t, err, nil)

	members := []NewCourseMember{
		{Username: "zed", Email: "zed@example.org", GivenName: "Z", FamilyName: "Ed", GroupTitle: "B"},
		{Username: "lect", Email: "new@example.org", GroupTitle: "A"},
		{Username: "known", GroupTitle: "A"},
		{Username: "amy"},
	}
	before := time.Now()
	p := CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent, Members: members, CreatedBy: "admin", CreatedByTask: "t1"}
	got, err := s.CourseMembersFindOrCreate(ctx, p)
	wantErr(t, err, nil)
	if len(got) != len(members) {
		t.Fatalf("got %d memberships, want %d", len(got), len(members))
	}
	groups, err := s.CourseGroupList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(groups) != 2 || groups[0].Title != "A" || groups[1].Title != "B" {
		t.Fatalf("groups %+v, want A and B", groups)
	}
	for i, m := range got {
		if m.Username != members[i].Username || m.CourseID != h.course.ID {
			t.Errorf("memberships[%d] = %+v, want %s's, in input order", i, m, members[i].Username)
		}
	}
	checkMeta(t, got[0].Meta, before, "admin", "t1")
	if got[0].Role != RoleStudent || got[0].CourseGroupID != groups[1].ID {
		t.Errorf("zed = %+v, want a student of group B", got[0])
	}
	if got[1] != *ml {
		t.Errorf("the lecturer's membership became %+v, want %+v", got[1], *ml)
	}
	if got[2].UserID != known.ID || got[2].Role != RoleStudent || got[2].CourseGroupID != groups[0].ID {
		t.Errorf("known = %+v, want the known user, a student of group A", got[2])
	}
	if got[3].CourseGroupID != "" || got[3].Role != RoleStudent {
		t.Errorf("amy = %+v, want a student of no group", got[3])
	}
	zed, err := s.UserGetByUsername(ctx, "zed")
	wantErr(t, err, nil)
	if zed.Email != "zed@example.org" || zed.GivenName != "Z" || zed.FamilyName != "Ed" || zed.ID != got[0].UserID {
		t.Errorf("user zed = %+v", zed)
	}
	if u, err := s.UserGetByUsername(ctx, "lect"); err != nil || u.Email != "old@example.org" {
		t.Errorf("an existing user was changed: %+v, %v", u, err)
	}

	// A retry (a worker killed after the commit) makes nothing twice and
	// returns the same rows.
	again, err := s.CourseMembersFindOrCreate(ctx, p)
	wantErr(t, err, nil)
	for i := range got {
		if again[i] != got[i] {
			t.Errorf("retry memberships[%d] = %+v, want %+v", i, again[i], got[i])
		}
	}
	list, err := s.CourseMemberList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(list) != 4 {
		t.Errorf("%d members after a retry, want 4", len(list))
	}

	// Bad input makes nothing at all.
	for _, tc := range []struct {
		name    string
		p       CourseMembersFindOrCreateParams
		wantErr error
	}{
		{"bad username", CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent,
			Members: []NewCourseMember{{Username: "fine1"}, {Username: "../../etc"}}}, derrors.Invalid},
		{"username twice", CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent,
			Members: []NewCourseMember{{Username: "fine1"}, {Username: "fine1"}}}, derrors.Invalid},
		{"bad group title", CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent,
			Members: []NewCourseMember{{Username: "fine1", GroupTitle: " A"}}}, derrors.Invalid},
		{"bad role", CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: "_admin",
			Members: []NewCourseMember{{Username: "fine1"}}}, derrors.Invalid},
		{"unknown course", CourseMembersFindOrCreateParams{CourseID: uuid.NewString(), Role: RoleStudent,
			Members: []NewCourseMember{{Username: "fine1"}}}, derrors.NotFound},
		{"bad course id", CourseMembersFindOrCreateParams{CourseID: "tugraz.progphys.2026", Role: RoleStudent,
			Members: []NewCourseMember{{Username: "fine1"}}}, derrors.Invalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := s.CourseMembersFindOrCreate(ctx, tc.p)
			wantErr(t, err, tc.wantErr)
			if _, err := s.UserGetByUsername(ctx, "fine1"); err == nil {
				t.Error("a refused call made user fine1")
			}
		})
	}
	if none, err := s.CourseMembersFindOrCreate(ctx, CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent}); err != nil || len(none) != 0 {
		t.Errorf("no members = %v, %v", none, err)
	}
}

// testCourseMembersBulkConcurrent: calls at once on overlapping users and
// groups (two tasks releasing the same students) all succeed, and each
// user, group and membership exists once.
func testCourseMembersBulkConcurrent(t *testing.T, b *bundle) {
	s := b.open(t)
	ctx := t.Context()
	h := makeHierarchy(t, s)
	const n, callers = 40, 4
	var members []NewCourseMember
	for i := range n {
		members = append(members, NewCourseMember{Username: fmt.Sprintf("s%03d", i), GroupTitle: fmt.Sprintf("g%d", i%3)})
	}
	results := make([][]CourseMember, callers)
	errs := parallel(callers, func(i int) error {
		// Each caller lists the students in another order.
		mine := append(append([]NewCourseMember{}, members[i*n/callers:]...), members[:i*n/callers]...)
		var err error
		results[i], err = s.CourseMembersFindOrCreate(ctx, CourseMembersFindOrCreateParams{CourseID: h.course.ID, Role: RoleStudent,
			Members: mine, CreatedByTask: fmt.Sprint("t", i)})
		return err
	})
	for i, err := range errs {
		wantErr(t, err, nil)
		if err != nil {
			t.Fatalf("caller %d", i)
		}
	}
	ids := map[string]string{}
	for _, r := range results {
		for _, m := range r {
			if id, ok := ids[m.Username]; ok && id != m.ID {
				t.Errorf("%s has memberships %s and %s", m.Username, id, m.ID)
			}
			ids[m.Username] = m.ID
		}
	}
	list, err := s.CourseMemberList(ctx, h.course.ID)
	wantErr(t, err, nil)
	groups, err := s.CourseGroupList(ctx, h.course.ID)
	wantErr(t, err, nil)
	if len(list) != n || len(ids) != n || len(groups) != 3 {
		t.Errorf("%d members, %d distinct, %d groups; want %d, %d, 3", len(list), len(ids), len(groups), n, n)
	}
}
