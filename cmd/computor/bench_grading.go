package main

import (
	"context"
	"io"
	"os"

	"github.com/computor-org/computor-go/internal/app"
)

func runBenchGrading(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	if os.Getenv(app.EnvLogLevel) == "" {
		c.LogLevel = "warn" // a line per task would bury the progress
	}
	fs := flags("bench grading [flags]", "Runs a deadline rush: a fresh course of S students, each pushes a correct solution, "+
		"then all submit submission_processing at once. Prints runs per minute, submit-to-result p50, p95 and max, "+
		"the spread of the students' result times, the same tests run bare (no task system, no sandbox) and the "+
		"throughput ratio of the two; exits non-zero unless every run got full marks. "+
		"Without --api it starts an embedded stack of its own.", stdout)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	var o app.GradingBenchOptions
	fs.IntVar(&o.Students, "students", 200, "students in the rush, one submission each")
	fs.StringVar(&o.Assignment, "assignment", app.GradingBenchAssignment, "assignment directory (meta.yaml, test.yaml, test files) with one submission file")
	fs.StringVar(&o.Solution, "solution", "", "a correct solution, pushed as the submission file (default: the sample's, with the default --assignment)")
	fs.StringVar(&o.APIURL, "api", "", "API of a running stack, whose signing key is in the data dir (default: start an embedded one)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON: {\"grading\": …, \"bare\": …, \"ratio\": …}")
	fs.StringVar(&o.Plot, "plot", "", "write an SVG chart of each student's time to result to this file")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the rush to this file")
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	o.OwnDataDir, o.OwnTemporalAddr = chosenStack(fs)
	return app.BenchGrading(ctx, c, o, stdout, stderr)
}
