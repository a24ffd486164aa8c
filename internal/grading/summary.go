package grading

// Outcome is the result of one test or JUnit test case.
type Outcome string

// The outcomes of a test.
const (
	// OutcomePassed earns the test's points.
	OutcomePassed Outcome = "passed"
	// OutcomeFailed earns nothing: wrong output, a wrong exit code, a
	// sandbox limit hit, a missing runtime, a failed build, or a JUnit case
	// with a failure or error.
	OutcomeFailed Outcome = "failed"
	// OutcomeSkipped is a JUnit case the report marks as skipped. It earns
	// nothing but its points still count as possible, so that skipping
	// cases cannot raise a score.
	OutcomeSkipped Outcome = "skipped"
	// OutcomeError earns nothing: the test could not be judged, as when a
	// junit test's report is missing or malformed.
	OutcomeError Outcome = "error"
)

// Summary is the result of grading one piece of work. Its JSON is the
// contract with everything that stores or shows grades:
//
//	{"total": 3, "passed": 2, "failed": 1, "skipped": 0, "score": 0.6666666666666666,
//	 "tests": [{"name": "small", "result": "passed", "points": 1, "max_points": 1,
//	            "message": "", "duration": 0.012}, ...]}
type Summary struct {
	// Total is the number of entries in Tests.
	Total int `json:"total"`
	// Passed counts the entries that passed.
	Passed int `json:"passed"`
	// Failed counts the entries that failed or ended in error.
	Failed int `json:"failed"`
	// Skipped counts the entries that were skipped.
	Skipped int `json:"skipped"`
	// Score is the points earned divided by the points possible, from 0 to
	// 1; it is 0 when no points are possible.
	Score float64 `json:"score"`
	// Tests has one entry per test of test.yaml, in order, except that a
	// junit test has one entry per test case of its report (when the report
	// could be read). It is never null.
	Tests []TestResult `json:"tests"`
	// Complete is false in a student's view before the deadline: the
	// score then covers only the tests the student may see (View).
	Complete *bool `json:"complete,omitempty"`
}

// TestResult is the result of one test, or of one case of a junit test.
type TestResult struct {
	// Name is the test's name; a JUnit case is named
	// "<test>/<classname>.<case>", or "<test>/<case>" without a classname.
	Name string `json:"name"`
	// Result is "passed", "failed", "skipped" or "error".
	Result Outcome `json:"result"`
	// Points is what the entry earned: MaxPoints when it passed, else 0.
	Points float64 `json:"points"`
	// MaxPoints is what the entry is worth.
	MaxPoints float64 `json:"max_points"`
	// Message says why the entry did not pass (empty when it passed, or the
	// reason a case was skipped). It is at most MessageMaxBytes and shows
	// the work directory as /work.
	Message string `json:"message"`
	// Duration is how long the entry ran, in seconds.
	Duration float64 `json:"duration"`
	// Visibility is the test's visibility from test.yaml; empty in results
	// graded before tests had one, which count as visible.
	Visibility Visibility `json:"visibility,omitempty"`
	// Group is the collection of a CodeAbility test.yaml the entry belongs
	// to (its name; Name is then "<group>/<test>"); empty for this
	// system's own tests. ComputorReport nests the entries by it.
	Group string `json:"group,omitempty"`
}

// NewResult is a TestResult whose message is made safe to show (valid
// UTF-8, at most MessageMaxBytes): the constructor for other grading
// engines.
func NewResult(name string, o Outcome, points, maxPoints float64, msg string, seconds float64) TestResult {
	return result(name, o, points, maxPoints, msg, seconds)
}

// NewSummary counts results and computes the score, for other grading
// engines.
func NewSummary(results []TestResult) *Summary {
	return newSummary(results)
}

// newSummary counts results and computes the score.
func newSummary(results []TestResult) *Summary {
	if results == nil {
		results = []TestResult{}
	}
	s := &Summary{Total: len(results), Tests: results}
	var earned, possible float64
	for _, r := range results {
		switch r.Result {
		case OutcomePassed:
			s.Passed++
		case OutcomeSkipped:
			s.Skipped++
		default:
			s.Failed++
		}
		earned += r.Points
		possible += r.MaxPoints
	}
	if possible > 0 {
		s.Score = min(max(earned/possible, 0), 1)
	}
	return s
}

// View is what a student may see of a summary: before their deadline
// (afterDeadline false) only the visible tests, with the score over them
// and Complete false; after it every test, but a hidden test without its
// message, which may quote expected output, and the score over all.
// Staff see the summary itself.
func (s *Summary) View(afterDeadline bool) *Summary {
	if s == nil {
		return nil
	}
	var tests []TestResult
	for _, t := range s.Tests {
		switch {
		case t.Visibility == "" || t.Visibility == VisibilityVisible:
		case !afterDeadline:
			continue
		case t.Visibility == VisibilityHidden:
			t.Message = ""
		}
		tests = append(tests, t)
	}
	if afterDeadline {
		out := *s
		out.Tests = tests
		if out.Tests == nil {
			out.Tests = []TestResult{}
		}
		return &out
	}
	out := newSummary(tests)
	complete := len(tests) == len(s.Tests)
	out.Complete = &complete
	return out
}
