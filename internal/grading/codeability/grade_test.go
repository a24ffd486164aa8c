package codeability

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/grading"
)

func results(s *grading.Summary) map[string]grading.TestResult {
	m := map[string]grading.TestResult{}
	for _, r := range s.Tests {
		m[r.Name] = r
	}
	return m
}

func TestGradeCorrectScoresOne(t *testing.T) {
	g := &Grader{Runner: realSandbox(t), Cache: NewReferenceCache(4)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := g.Grade(ctx, statsSuite(t), statsInput(t, "correct/stats.py"))
	if err != nil {
		t.Fatal(err)
	}
	if sum.Total != 15 || sum.Passed != 15 || sum.Score != 1 {
		b, _ := json.MarshalIndent(sum, "", " ")
		t.Fatalf("correct solution: %d/%d passed, score %v:\n%s", sum.Passed, sum.Total, sum.Score, b)
	}
	if g.Cache.Len() != 1 {
		t.Fatalf("reference runs cached: %d, want 1", g.Cache.Len())
	}
	for _, r := range sum.Tests {
		if r.Group == "" || !strings.HasPrefix(r.Name, r.Group+"/") {
			t.Errorf("%s: group %q", r.Name, r.Group)
		}
	}
}

func TestGradePartialScoresPassedOverTotal(t *testing.T) {
	g := &Grader{Runner: realSandbox(t), Cache: NewReferenceCache(4)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := g.Grade(ctx, statsSuite(t), statsInput(t, "partial/stats.py"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]grading.Outcome{
		"submitted/stats.py":     grading.OutcomePassed,
		"structure/def":          grading.OutcomePassed,
		"structure/eval":         grading.OutcomePassed,
		"values/count":           grading.OutcomeFailed, // str, not int
		"values/numbers":         grading.OutcomePassed,
		"values/mean":            grading.OutcomeFailed, // appears twice: both fail
		"values/spread":          grading.OutcomeFailed, // list, not tuple
		"values/mean_of([2, 4])": grading.OutcomeFailed,
		"values/title":           grading.OutcomeFailed,
		"values/summary":         grading.OutcomePassed, // key order does not matter
		"output/printed":         grading.OutcomeFailed,
		"output/has mean":        grading.OutcomeFailed,
		"runs cleanly/no error":  grading.OutcomePassed,
		"after setup/x":          grading.OutcomePassed,
	}
	got := results(sum)
	for name, o := range want {
		if got[name].Result != o {
			t.Errorf("%s: %s (%s), want %s", name, got[name].Result, got[name].Message, o)
		}
	}
	if sum.Total != 15 || sum.Passed != 7 || sum.Score != 7.0/15 {
		t.Errorf("partial: %d/%d passed, score %v; want 7/15", sum.Passed, sum.Total, sum.Score)
	}
	if m := got["values/count"].Message; !strings.Contains(m, "incorrect type, expected: int, obtained: str") {
		t.Errorf("type message: %q", m)
	}
	if m := got["values/spread"].Message; !strings.Contains(m, "incorrect type") {
		t.Errorf("spread message: %q", m)
	}
	// The reference's value (2.5) is never quoted to the student.
	if m := got["values/mean"].Message; strings.Contains(m, "2.5") {
		t.Errorf("message quotes the reference value: %q", m)
	}
}

func TestGradeDependencySkips(t *testing.T) {
	g := &Grader{Runner: realSandbox(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := statsInput(t, "correct/stats.py")
	in.Student[0].Path = "other.py" // stats.py not submitted
	sum, err := g.Grade(ctx, statsSuite(t), in)
	if err != nil {
		t.Fatal(err)
	}
	got := results(sum)
	if r := got["submitted/stats.py"]; r.Result != grading.OutcomeFailed {
		t.Errorf("exist: %+v", r)
	}
	for _, name := range []string{"structure/def", "values/count", "values/summary"} {
		if r := got[name]; r.Result != grading.OutcomeSkipped || !strings.Contains(r.Message, "Success-Dependency `exists` not satisfied") {
			t.Errorf("%s: %+v, want skipped for the dependency", name, r)
		}
	}
	// Without a dependency, the run fails for the missing entry point.
	if r := got["output/printed"]; r.Result != grading.OutcomeFailed {
		t.Errorf("stdout without entry point: %+v", r)
	}
	if sum.Skipped == 0 || sum.Score >= 1 {
		t.Errorf("summary %+v", sum)
	}
}

func TestGradeBrokenReferenceIsNotTheStudents(t *testing.T) {
	g := &Grader{Runner: realSandbox(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	in := statsInput(t, "correct/stats.py")
	in.Reference[0].Data = []byte("raise RuntimeError('broken')\n")
	_, err := g.Grade(ctx, statsSuite(t), in)
	var re *ReferenceError
	if !errors.As(err, &re) {
		t.Fatalf("err = %v, want a *ReferenceError", err)
	}
}
