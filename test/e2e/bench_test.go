package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"testing"

	"github.com/computor-org/computor-go/internal/app"
)

func TestBenchAgainstRunningStack(t *testing.T) {
	t.Parallel()
	s := shared
	args := []string{"bench", "--api", s.api, "--temporal-addr", s.temporal, "--data-dir", s.dataDir, "--n", "8", "--clients", "2"}
	var out, errOut syncBuffer
	if err := computor(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("bench: %v\n%s", err, errOut.String())
	}
	table := out.String()
	for _, re := range []string{
		`(?m)^\s+path\s+tasks/s\s+submit p50\s+p95\s+p99\s+finished p50\s+p99\s+failed$`,
		`(?m)^\s+api\s+\d+\.\d\s+\d+\.\d ms.*\s0$`,
		`(?m)^\s+sdk\s+\d+\.\d\s+\d+\.\d ms.*\s0$`,
		`API/SDK throughput ratio: \d+\.\d\d`,
	} {
		if !regexp.MustCompile(re).MatchString(table) {
			t.Fatalf("bench output does not match %s:\n%s", re, table)
		}
	}

	out = syncBuffer{}
	if err := computor(context.Background(), append(args, "--json", "--skip-sdk"), &out, &errOut); err != nil {
		t.Fatalf("bench --json: %v", err)
	}
	var report app.BenchReport
	if err := json.Unmarshal([]byte(out.String()), &report); err != nil {
		t.Fatalf("bench --json output: %v\n%s", err, out.String())
	}
	if report.API == nil || report.API.Tasks != 8 || report.API.Failed != 0 || report.API.TasksPerSecond <= 0 ||
		report.API.SubmitP50Ms <= 0 || report.API.FinishedP99Ms < report.API.FinishedP50Ms || report.SDK != nil {
		t.Fatalf("bench report %+v", report)
	}
}

// TestBenchRelease runs `computor bench release` as CI does: it releases
// the sample course and 50 students on a stack of its own, checks each
// student's repository, and reports; no time limit is asserted.
func TestBenchRelease(t *testing.T) {
	t.Parallel()
	const students = 50
	var out, errOut syncBuffer
	args := []string{"bench", "release", "--students", fmt.Sprint(students), "--json", "--data-dir", t.TempDir()}
	if err := computor(t.Context(), args, &out, &errOut); err != nil {
		t.Fatalf("bench release: %v\n%s", err, errOut.String())
	}
	var report app.ReleaseBenchReport
	if err := json.Unmarshal([]byte(out.String()), &report); err != nil {
		t.Fatalf("bench release --json output: %v\n%s", err, out.String())
	}
	rs := report.ReleaseStudents
	if rs.Students != students || rs.Released != students || rs.Failed != 0 || rs.Verified != students || rs.Seconds <= 0 {
		t.Errorf("release_students %+v, want all %d released and verified", rs, students)
	}
	if report.ReleaseCourse.Seconds <= 0 || report.Bare.Students != students || report.Bare.Seconds <= 0 || report.Ratio <= 0 {
		t.Errorf("report %+v", report)
	}
}
