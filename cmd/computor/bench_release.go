package main

import (
	"context"
	"io"
	"os"

	"github.com/computor-org/computor-go/internal/app"
)

func runBenchRelease(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c := app.FromEnv()
	if os.Getenv(app.EnvLogLevel) == "" {
		c.LogLevel = "warn"
	}
	fs := flags("bench release [flags]", "Runs release_course of the sample course and release_students of S students on an embedded stack "+
		"of its own, checks that every student's repository holds the template, and prints the wall time of both, "+
		"the same git work done bare, and the ratio bare/ours.", stdout)
	dataDirFlag(fs, &c)
	temporalFlags(fs, &c)
	logFlags(fs, &c)
	var o app.ReleaseBenchOptions
	fs.IntVar(&o.Students, "students", 500, "students to release")
	fs.StringVar(&o.Store, "store", "sqlite", "domain database: sqlite, or postgres (a fresh schema of "+app.EnvDatabaseURL+", default "+app.DefaultBenchPostgresURL+")")
	fs.StringVar(&o.Assignments, "assignments", "", "directory of assignments to release (default: the sample course's "+
		"testdata/course/assignments, in the working directory or above it)")
	fs.BoolVar(&o.JSON, "json", false, "print the report as JSON")
	fs.StringVar(&o.CPUProfile, "cpuprofile", "", "write a CPU profile of the two releases to this file")
	if _, err := fs.parse(args, 0, 0); err != nil {
		return err
	}
	o.OwnDataDir, o.OwnTemporalAddr = chosenStack(fs)
	return app.BenchRelease(ctx, c, o, stdout, stderr)
}
