package codeability

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/computor-org/computor-go/internal/grading"
)

// A student who prints a result frame of their own, writes to every
// stdout under /proc and leaves with os._exit gets no test of a run
// passed, and the harness's own result still reaches the grader.
func TestHostileForgedFrameFails(t *testing.T) {
	g := &Grader{Runner: realSandbox(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := g.Grade(ctx, statsSuite(t), statsInput(t, "hostile/forge_stdout.py"))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range sum.Tests {
		if r.Group == "values" || r.Group == "output" {
			if r.Result == grading.OutcomePassed {
				t.Errorf("%s passed for a forged frame", r.Name)
			}
		}
	}
	// The exist and structural checks still ran: the frame was the
	// harness's, not spoiled.
	if r := results(sum)["submitted/stats.py"]; r.Result != grading.OutcomePassed {
		t.Errorf("exist: %+v", r)
	}
	if r := results(sum)["values/count"]; !strings.Contains(r.Message, "before it could be checked") {
		t.Errorf("values/count message %q, want the early exit named", r.Message)
	}
}

// A student who writes a report of their own to every descriptor can
// claim values (which a program could set anyway) but not the static
// checks: eval is still counted, and the claimed value is judged.
func TestHostileForgedReportCannotPassStaticChecks(t *testing.T) {
	g := &Grader{Runner: realSandbox(t)}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	sum, err := g.Grade(ctx, statsSuite(t), statsInput(t, "hostile/forge_report.py"))
	if err != nil {
		t.Fatal(err)
	}
	got := results(sum)
	if r := got["structure/eval"]; r.Result != grading.OutcomeFailed || !strings.Contains(r.Message, "found 1 times") {
		t.Errorf("structure/eval: %+v", r)
	}
	if r := got["values/mean"]; r.Result == grading.OutcomePassed {
		t.Errorf("values/mean passed with a forged value: %+v", r)
	}
	if sum.Score >= 0.5 {
		t.Errorf("score %v for a forged report", sum.Score)
	}
}

// A student's run sees its own files, the test files and the harness,
// never the reference solution, and cannot reach the harness's memory,
// environment or descriptors.
func TestHostileCannotSeeReferenceOrHarness(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	j := job{Collections: []jobCollection{{
		Run: true, EntryPoint: "stats.py", Timeout: 20,
		Exprs: map[string]string{"found": "found", "reached": "reached", "harness": "harness"},
	}}}
	files := []grading.File{file(t, "hostile/snoop.py", "stats.py")}
	out, err := runHarness(ctx, realSandbox(t), j, files, []grading.File{file(t, "stats_helper.py", "stats_helper.py")})
	if err != nil {
		t.Fatal(err)
	}
	c := out.Collections[0]
	if c.Status != "completed" || c.Report == nil {
		t.Fatalf("snoop did not complete: %+v", c)
	}
	found, err := decodeValue(c.Report.Values["found"], 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(found.Items) == 0 {
		t.Fatal("snoop found nothing at all; the test would prove nothing")
	}
	for _, f := range found.Items {
		switch f.Str {
		case "/work/stats.py", "/work/stats_helper.py", "/work/" + harnessDir, "/work/" + harnessTarget, "/work/__pycache__", "/tmp/":
		default:
			if !strings.HasPrefix(f.Str, "/work/__pycache__/") {
				t.Errorf("the student's run sees %s", f.Str)
			}
		}
	}
	reached, err := decodeValue(c.Report.Values["reached"], 0)
	if err != nil {
		t.Fatal(err)
	}
	harness, err := decodeValue(c.Report.Values["harness"], 0)
	if err != nil || harness.Int == nil || harness.Int.Int64() < 2 {
		t.Fatalf("harness pid %+v, %v", harness, err)
	}
	for _, p := range reached.Items {
		// bwrap's own pid 1 holds nothing of the run; the harness, which
		// holds the nonce and the result's stdout, must be out of reach.
		if strings.HasPrefix(p.Str, "/proc/"+harness.Int.String()+"/") {
			t.Errorf("the student's code can open %s of the harness", p.Str)
		}
	}
	if strings.Contains(c.Stdout, "CODEABILITY") {
		t.Errorf("stdout %q", c.Stdout)
	}
}
