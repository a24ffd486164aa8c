package grading_test

import (
	"fmt"

	"github.com/computor-org/computor-go/internal/grading"
)

func ExampleParseSpec() {
	spec, err := grading.ParseSpec([]byte(`tests:
  - {name: small, type: io, command: python3 sum.py, stdin: "1 2", stdout: "3", time_limit: 5}
  - {name: unit, type: command, command: python3 -m unittest, points: 2}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, t := range spec.Tests {
		fmt.Printf("%s: %s, %g points, %v, %d MiB\n", t.Name, t.Type, t.Points, t.TimeLimit, t.MemoryBytes>>20)
	}

	_, err = grading.ParseSpec([]byte("tests:\n  - {name: small, type: io, command: python3 sum.py}\n"))
	fmt.Println(err)
	// Output:
	// small: io, 1 points, 5s, 512 MiB
	// unit: command, 2 points, 10s, 512 MiB
	// test.yaml: line 2: tests[0].stdout is required for io tests
}
