package grading

import (
	"strings"
	"testing"
)

// A student's view: before the deadline only the visible tests and a
// score over them, marked incomplete; after it every test, a hidden
// one without its message; results of before visibilities count as
// visible.
func TestSummaryView(t *testing.T) {
	t.Parallel()
	s := newSummary([]TestResult{
		{Name: "shown", Result: OutcomePassed, Points: 1, MaxPoints: 1},
		{Name: "old", Result: OutcomeFailed, Points: 0, MaxPoints: 1, Message: "got 1"},
		{Name: "later", Result: OutcomePassed, Points: 2, MaxPoints: 2, Visibility: VisibilityAfterDeadline, Message: "ok"},
		{Name: "secret", Result: OutcomeFailed, Points: 0, MaxPoints: 4, Visibility: VisibilityHidden, Message: "expected 4242, got 1"},
	})
	before := s.View(false)
	if len(before.Tests) != 2 || before.Tests[0].Name != "shown" || before.Tests[1].Name != "old" ||
		before.Score != 0.5 || before.Complete == nil || *before.Complete || before.Total != 2 {
		t.Fatalf("before the deadline: %+v", before)
	}
	after := s.View(true)
	if len(after.Tests) != 4 || after.Score != s.Score || after.Complete != nil {
		t.Fatalf("after the deadline: %+v", after)
	}
	if after.Tests[3].Message != "" || after.Tests[3].Result != OutcomeFailed || after.Tests[3].MaxPoints != 4 {
		t.Fatalf("a hidden test after the deadline: %+v", after.Tests[3])
	}
	if after.Tests[2].Message != "ok" || s.Tests[3].Message == "" {
		t.Fatal("View changed what it should not")
	}
	for _, v := range []*Summary{before, after} {
		for _, tr := range v.Tests {
			if strings.Contains(tr.Message, "4242") {
				t.Fatalf("the hidden test's expected output reached a student: %+v", tr)
			}
		}
	}
	all := newSummary([]TestResult{{Name: "a", Result: OutcomePassed, Points: 1, MaxPoints: 1}})
	if v := all.View(false); v.Complete == nil || !*v.Complete {
		t.Fatalf("all tests visible: %+v", v)
	}
}
