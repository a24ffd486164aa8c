package grading

import "testing"

func TestSummaryComputor(t *testing.T) {
	rs := []TestResult{
		{Name: "values/a", Group: "values", Result: OutcomePassed, Points: 1, MaxPoints: 1},
		{Name: "values/b", Group: "values", Result: OutcomeFailed, MaxPoints: 1, Message: "wrong"},
		{Name: "lint/x", Group: "lint", Result: OutcomeSkipped, MaxPoints: 1, Message: "no flake8"},
		{Name: "native", Result: OutcomeError, MaxPoints: 1},
		{Name: "exist/f", Group: "exist", Result: OutcomePassed, Points: 1, MaxPoints: 1},
	}
	r := NewSummary(rs).Computor()
	if r.Summary != (ComputorCounts{Total: 5, Passed: 2, Failed: 2, Skipped: 1}) || r.Result != ComputorFailed || r.Status != ComputorCompleted {
		t.Fatalf("report %+v", r)
	}
	if len(r.Tests) != 4 || r.Tests[0].Name != "values" || len(r.Tests[0].Tests) != 2 || r.Tests[0].Tests[1].Name != "b" ||
		r.Tests[0].Result != ComputorFailed || r.Tests[0].Tests[1].ResultMessage != "wrong" {
		t.Fatalf("sections %+v", r.Tests)
	}
	if r.Tests[1].Result != ComputorSkipped || r.Tests[2].Name != "native" || r.Tests[2].Tests[0].Result != ComputorFailed || r.Tests[3].Result != ComputorPassed {
		t.Fatalf("sections %+v", r.Tests)
	}
	if r.Details.Score != 0.4 {
		t.Fatalf("score %v", r.Details.Score)
	}
	all := NewSummary([]TestResult{{Name: "a", Result: OutcomePassed, Points: 1, MaxPoints: 1}}).Computor()
	if all.Result != ComputorPassed || all.ResultMessage == "" {
		t.Fatalf("all passed %+v", all)
	}
}
