package e2e

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/app"
)

// TestBenchGradingSmoke runs the deadline-rush bench on an embedded stack
// of its own with 20 students: every run through the task system and
// every bare run must be graded with full marks, and the chart must show
// each student. It asserts no times: the figures are for
// docs/PERFORMANCE.md, not for a test.
func TestBenchGradingSmoke(t *testing.T) {
	t.Parallel()
	plot := filepath.Join(t.TempDir(), "rush.svg")
	args := []string{"bench", "grading", "--students", "20", "--json", "--plot", plot,
		"--assignment", filepath.Join("..", "..", app.GradingBenchAssignment),
		"--solution", filepath.Join("..", "..", app.GradingBenchSolution)}
	var out, errOut syncBuffer
	if err := computor(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("bench grading: %v\nstdout:\n%s\nstderr:\n%s", err, out.String(), errOut.String())
	}
	var report app.GradingBenchReport
	if err := json.Unmarshal([]byte(out.String()), &report); err != nil {
		t.Fatalf("bench grading --json output: %v\n%s", err, out.String())
	}
	g, b := report.Grading, report.Bare
	if g.Runs != 20 || g.Correct != 20 || b.Runs != 20 || b.Correct != 20 {
		t.Fatalf("runs graded correctly: %d of %d, bare %d of %d; want 20 of 20 each", g.Correct, g.Runs, b.Correct, b.Runs)
	}
	if g.RunsPerMin <= 0 || b.RunsPerMin <= 0 || report.Ratio <= 0 || g.ResultP50Ms <= 0 ||
		g.ResultP95Ms < g.ResultP50Ms || g.ResultMaxMs < g.ResultP95Ms || g.SpreadMs < 0 || b.Concurrency < 1 {
		t.Fatalf("figures out of order: %+v", report)
	}
	svg, err := os.ReadFile(plot)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(svg), "<svg") || strings.Count(string(svg), "<circle") != 20 {
		t.Fatalf("chart: want an SVG with a point per student:\n%.500s", svg)
	}
}
