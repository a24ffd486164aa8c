package codeability

import (
	"container/list"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/computor-org/computor-go/internal/grading"
	"github.com/computor-org/computor-go/internal/sandbox"
)

// Input is what Grade grades.
type Input struct {
	// Student are the student's submission files.
	Student []grading.File
	// Reference are the example's own copies of the submission files:
	// the reference solution. They run in a sandbox of their own and
	// never reach the student's.
	Reference []grading.File
	// TestFiles are the kept-back files the tests need (meta.yaml's
	// testFiles), shown read-only in both runs.
	TestFiles []grading.File
}

// ReferenceError is a reference solution that does not give what the
// tests need: the assignment is broken, not the submission.
type ReferenceError struct{ Msg string }

func (e *ReferenceError) Error() string { return "the reference solution: " + e.Msg }

// Grader runs CodeAbility tests in a sandbox.
type Grader struct {
	Runner sandbox.Runner
	// Cache, when set, keeps reference runs: the same tests and reference
	// files give the same reference values.
	Cache *ReferenceCache
}

// Grade runs the reference solution (when a test compares with it) and
// the student's files, each in a sandbox of its own, and compares the two
// here, outside both. Every test is worth one point: the score is passed
// ÷ total. Skipped tests (an unmet successDependency; linting, graphics
// and help, which this worker does not run) count in the total, as the
// published engine counts them.
//
// The error is a *ReferenceError for a reference solution that fails, or
// the sandbox's or ctx's; whatever the student's code does is in the
// Summary.
func (g *Grader) Grade(ctx context.Context, s *Suite, in Input) (*grading.Summary, error) {
	if g == nil || g.Runner == nil || s == nil {
		return nil, errors.New("codeability: grade: runner and suite are required")
	}
	var ref *harnessOutput
	if rj, needed := referenceJob(s); needed {
		key := cacheKey(rj, in.Reference, in.TestFiles)
		if ref = g.Cache.get(key); ref == nil {
			var err error
			ref, err = runHarness(ctx, g.Runner, rj, in.Reference, in.TestFiles)
			var rf *runFailure
			if errors.As(err, &rf) {
				return nil, &ReferenceError{Msg: rf.Msg}
			}
			if err != nil {
				return nil, err
			}
			g.Cache.put(key, ref)
		}
	}
	sj := studentJob(s)
	stu, err := runHarness(ctx, g.Runner, sj, in.Student, in.TestFiles)
	var rf *runFailure
	if errors.As(err, &rf) {
		return failAll(s, rf.Msg), nil
	}
	if err != nil {
		return nil, err
	}
	return judge(s, stu, ref)
}

// FailAll is the summary of a run that could not start for the
// student's reason, msg: every test failed with that message.
func FailAll(s *Suite, msg string) *grading.Summary { return failAll(s, msg) }

// failAll fails every test with msg.
func failAll(s *Suite, msg string) *grading.Summary {
	var rs []grading.TestResult
	for _, c := range s.Collections {
		for _, t := range c.Tests {
			rs = append(rs, testResult(&c, &t, grading.OutcomeFailed, msg, 0))
		}
	}
	return grading.NewSummary(rs)
}

func testResult(c *Collection, t *Test, o grading.Outcome, msg string, seconds float64) grading.TestResult {
	points := 0.0
	if o == grading.OutcomePassed {
		points = 1
	}
	r := grading.NewResult(c.Name+"/"+t.Name, o, points, 1, msg, seconds)
	r.Group = c.Name
	return r
}

// judge compares the student's run with the reference run and the tests'
// values.
func judge(s *Suite, stu, ref *harnessOutput) (*grading.Summary, error) {
	var rs []grading.TestResult
	passedAll := make([]bool, len(s.Collections))
	for i := range s.Collections {
		c := &s.Collections[i]
		out := &stu.Collections[i]
		var refOut *collectionOutput
		if ref != nil {
			refOut = &ref.Collections[i]
		}
		results, err := judgeCollection(s, c, out, refOut, passedAll[:i])
		if err != nil {
			return nil, err
		}
		passedAll[i] = true
		for _, r := range results {
			if r.Result != grading.OutcomePassed {
				passedAll[i] = false
			}
		}
		rs = append(rs, results...)
	}
	return grading.NewSummary(rs), nil
}

func judgeCollection(s *Suite, c *Collection, out, ref *collectionOutput, passedBefore []bool) ([]grading.TestResult, error) {
	all := func(o grading.Outcome, msg string) []grading.TestResult {
		rs := make([]grading.TestResult, len(c.Tests))
		for k := range c.Tests {
			rs[k] = testResult(c, &c.Tests[k], o, msg, out.Duration)
		}
		return rs
	}
	// A collection whose dependency did not pass every test is skipped,
	// as the published engine does.
	for _, d := range c.SuccessDependency {
		if j, ok := s.dependency(d); ok && j < len(passedBefore) && !passedBefore[j] {
			return all(grading.OutcomeSkipped, fmt.Sprintf("Success-Dependency `%s` not satisfied", d)), nil
		}
	}
	switch c.Type {
	case TypeLinting:
		return all(grading.OutcomeSkipped, "linting is not run on this worker (it has no flake8)"), nil
	case TypeGraphics:
		return all(grading.OutcomeSkipped, "graphics tests are not run on this worker (it has no matplotlib figures to inspect)"), nil
	case TypeHelp:
		return all(grading.OutcomeSkipped, "help tests are not run on this worker"), nil
	case TypeExist:
		if out.Exist == nil || *out.Exist == 0 {
			return all(grading.OutcomeFailed, fmt.Sprintf("File with pattern `%s` not found", c.File)), nil
		}
		return all(grading.OutcomePassed, ""), nil
	case TypeStructural:
		if out.CountError != "" {
			return all(grading.OutcomeFailed, out.CountError), nil
		}
		rs := make([]grading.TestResult, len(c.Tests))
		for k := range c.Tests {
			t := &c.Tests[k]
			rs[k] = verdict(c, t, countInRange(t.Name, out.Counts[t.Name], t.AllowedRange), 0)
		}
		return rs, nil
	}

	if out.Status != "completed" || out.Report == nil {
		return all(grading.OutcomeFailed, nonEmpty(out.Error, "the program could not be run")), nil
	}
	rep := out.Report
	runError := ""
	if rep.Error != nil {
		runError = rep.Error.Type + ": " + rep.Error.Message
		if rep.Error.Line != nil {
			runError += fmt.Sprintf(" (line %d)", *rep.Error.Line)
		}
	}
	rs := make([]grading.TestResult, len(c.Tests))
	for k := range c.Tests {
		t := &c.Tests[k]
		var msg string
		switch c.Type {
		case TypeError:
			msg = judgeError(t, rep, runError)
		case TypeWarning:
			msg = judgeWarning(t, rep)
		case TypeStdout:
			if runError != "" {
				msg = "the program failed: " + runError
				break
			}
			got := strValue(out.Stdout)
			if t.Qualification != VerifyEqual {
				msg = qualify("The output", got, t)
				break
			}
			var want string
			switch {
			case t.Value != nil:
				want = t.Value.Text
			case ref == nil || ref.Status != "completed" || ref.Report == nil || ref.Report.Error != nil:
				return nil, &ReferenceError{Msg: fmt.Sprintf("collection %q: %s", c.Name, refProblem(ref))}
			default:
				want = ref.Stdout
			}
			if trimOutput(out.Stdout) != trimOutput(want) {
				msg = "The output is not the expected one"
			}
		default: // variable
			if runError != "" {
				msg = "the program failed: " + runError
				break
			}
			var err error
			if msg, err = judgeVariable(c, k, rep, ref); err != nil {
				return nil, err
			}
		}
		rs[k] = verdict(c, t, msg, out.Duration)
	}
	return rs, nil
}

func verdict(c *Collection, t *Test, msg string, seconds float64) grading.TestResult {
	if msg == "" {
		return testResult(c, t, grading.OutcomePassed, "", seconds)
	}
	return testResult(c, t, grading.OutcomeFailed, msg, seconds)
}

func refProblem(ref *collectionOutput) string {
	switch {
	case ref == nil:
		return "was not run"
	case ref.Status != "completed" || ref.Report == nil:
		return nonEmpty(ref.Error, "could not be run")
	case ref.Report.Error != nil:
		return "raised " + ref.Report.Error.Type
	}
	return "gave no value"
}

// judgeVariable judges the k-th test of a variable collection.
func judgeVariable(c *Collection, k int, rep *childReport, ref *collectionOutput) (string, error) {
	t := &c.Tests[k]
	key := exprKey(k)
	raw, ok := rep.Values[key]
	if !ok {
		return fmt.Sprintf("Variable `%s` not found in student namespace", t.Name), nil
	}
	got, err := decodeValue(raw, 0)
	if err != nil {
		return fmt.Sprintf("Variable `%s` could not be read: %v", t.Name, err), nil
	}
	if t.Qualification != VerifyEqual {
		return qualify(fmt.Sprintf("Variable `%s`", t.Name), got, t), nil
	}
	var want Value
	if t.Value != nil {
		want = *t.Value
	} else {
		if ref == nil || ref.Status != "completed" || ref.Report == nil || ref.Report.Error != nil {
			return "", &ReferenceError{Msg: fmt.Sprintf("collection %q: %s", c.Name, refProblem(ref))}
		}
		rraw, ok := ref.Report.Values[key]
		if !ok {
			return "", &ReferenceError{Msg: fmt.Sprintf("collection %q: `%s` not found in the reference namespace", c.Name, nonEmpty(t.EvalString, t.Name))}
		}
		if want, err = decodeValue(rraw, 0); err != nil {
			return "", &ReferenceError{Msg: fmt.Sprintf("collection %q: `%s` could not be read: %v", c.Name, t.Name, err)}
		}
	}
	ok, msg := verifyEqual(t.Name, got, want, t)
	if ok {
		return "", nil
	}
	return msg, nil
}

// judgeError: a test without a pattern or value passes when the run
// raised nothing; with one, the raised "Type: message" must satisfy the
// qualification (verifyEqual: the exception's type is the value).
func judgeError(t *Test, rep *childReport, runError string) string {
	if !t.HasPattern && t.Value == nil {
		if runError != "" {
			return "the program failed: " + runError
		}
		return ""
	}
	if t.Qualification == VerifyEqual {
		want := ""
		if t.Value != nil {
			want = t.Value.Text
		} else {
			want = t.Pattern
		}
		got := ""
		if rep.Error != nil {
			got = rep.Error.Type
		}
		if got != want {
			return fmt.Sprintf("expected the error %s, obtained %s", want, nonEmpty(got, "none"))
		}
		return ""
	}
	return qualify("The error", strValue(runError), t)
}

// judgeWarning: a test without a pattern passes when the run warned
// nothing; with one, the warnings ("Category: message", one a line) must
// satisfy the qualification.
func judgeWarning(t *Test, rep *childReport) string {
	text := strings.Join(rep.Warnings, "\n")
	if !t.HasPattern {
		if text != "" {
			return "the program raised warnings: " + abbrev(text)
		}
		return ""
	}
	if t.Qualification == VerifyEqual {
		if text != t.Pattern {
			return "the warnings are not the expected ones"
		}
		return ""
	}
	return qualify("The warnings", strValue(text), t)
}

func strValue(s string) Value { return Value{Kind: KindStr, Type: string(KindStr), Str: s, Text: s} }

// trimOutput drops trailing blanks of every line and trailing newlines.
func trimOutput(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// ReferenceCache keeps the results of reference runs, at most Max of
// them, dropping the least recently used.
type ReferenceCache struct {
	mu    sync.Mutex
	max   int
	order *list.List
	items map[[32]byte]*list.Element
}

type cacheEntry struct {
	key [32]byte
	out *harnessOutput
}

// NewReferenceCache makes a cache of at most max reference runs.
func NewReferenceCache(max int) *ReferenceCache {
	return &ReferenceCache{max: max, order: list.New(), items: map[[32]byte]*list.Element{}}
}

func (c *ReferenceCache) get(k [32]byte) *harnessOutput {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.items[k]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cacheEntry).out
	}
	return nil
}

func (c *ReferenceCache) put(k [32]byte, out *harnessOutput) {
	if c == nil || c.max <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.items[k]; ok {
		return
	}
	c.items[k] = c.order.PushFront(&cacheEntry{key: k, out: out})
	for c.order.Len() > c.max {
		e := c.order.Back()
		c.order.Remove(e)
		delete(c.items, e.Value.(*cacheEntry).key)
	}
}

// Len is the number of runs kept.
func (c *ReferenceCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// cacheKey identifies a reference run by everything that decides it: the
// job (from the tests), the reference files and the test files, and the
// harness itself.
func cacheKey(j job, ref, tests []grading.File) [32]byte {
	h := sha256.New()
	b, _ := json.Marshal(j)
	for _, part := range [][]byte{harnessSource, b} {
		_ = binary.Write(h, binary.LittleEndian, int64(len(part)))
		h.Write(part)
	}
	for _, set := range [][]grading.File{ref, tests} {
		_ = binary.Write(h, binary.LittleEndian, int64(len(set)))
		for _, f := range set {
			for _, part := range [][]byte{[]byte(f.Path), f.Data} {
				_ = binary.Write(h, binary.LittleEndian, int64(len(part)))
				h.Write(part)
			}
			if f.Executable {
				h.Write([]byte{1})
			} else {
				h.Write([]byte{0})
			}
		}
	}
	var k [32]byte
	h.Sum(k[:0])
	return k
}
