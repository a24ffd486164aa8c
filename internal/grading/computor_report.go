package grading

import "strings"

// The result words of Computor's testSummary.json.
const (
	ComputorPassed  = "PASSED"
	ComputorFailed  = "FAILED"
	ComputorSkipped = "SKIPPED"
	// ComputorCompleted is the status of a run that finished, whatever
	// its result.
	ComputorCompleted = "COMPLETED"
)

// ComputorReport is a summary in the shape of Computor's (and CodeAbility's)
// testSummary.json, so that a client written for Computor can read our
// results. It is derived from a Summary on read (see Summary.Computor):
// the Summary stays the one stored source.
type ComputorReport struct {
	Type          string            `json:"type"`
	Status        string            `json:"status"`
	Result        string            `json:"result"`
	ResultMessage string            `json:"resultMessage"`
	Details       *ComputorDetails  `json:"details"`
	Summary       ComputorCounts    `json:"summary"`
	Tests         []ComputorSection `json:"tests"`
}

// ComputorDetails carries what testSummary.json has no field for.
type ComputorDetails struct {
	Score float64 `json:"score"`
	// Complete is false in a student's view that leaves tests out.
	Complete *bool `json:"complete,omitempty"`
}

// ComputorCounts is a testSummary.json summary.
type ComputorCounts struct {
	Total   int `json:"total"`
	Passed  int `json:"passed"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// ComputorSection is one collection of tests (for this system's own
// test.yaml, one test).
type ComputorSection struct {
	Name          string         `json:"name"`
	Status        string         `json:"status"`
	Result        string         `json:"result"`
	ResultMessage string         `json:"resultMessage"`
	Summary       ComputorCounts `json:"summary"`
	Tests         []ComputorTest `json:"tests"`
}

// ComputorTest is one test of a collection.
type ComputorTest struct {
	Name          string  `json:"name"`
	Status        string  `json:"status"`
	Result        string  `json:"result"`
	ResultMessage string  `json:"resultMessage"`
	Details       *string `json:"details"`
	Duration      float64 `json:"duration"`
}

// Messages of a run as a whole, as Computor's defaults word them.
const (
	computorSuccessMessage = "Congratulations! All tests passed"
	computorFailureMessage = "Some or all tests failed"
)

// Computor returns the summary in testSummary.json's shape. Entries with
// the same Group (a CodeAbility collection) are nested under it, in
// order; every other entry is a section of its own. An entry that ended
// in error is FAILED, as Computor has no error result.
func (s *Summary) Computor() *ComputorReport {
	if s == nil {
		return nil
	}
	r := &ComputorReport{
		Type: "python", Status: ComputorCompleted,
		Details: &ComputorDetails{Score: s.Score, Complete: s.Complete},
		Tests:   []ComputorSection{},
	}
	for _, t := range s.Tests {
		name := t.Name
		if t.Group != "" {
			name = strings.TrimPrefix(t.Name, t.Group+"/")
		}
		n := len(r.Tests)
		if t.Group == "" || n == 0 || r.Tests[n-1].Name != t.Group {
			title := t.Group
			if title == "" {
				title = t.Name
			}
			r.Tests = append(r.Tests, ComputorSection{Name: title, Status: ComputorCompleted, Tests: []ComputorTest{}})
			n++
		}
		sec := &r.Tests[n-1]
		ct := ComputorTest{Name: name, Status: ComputorCompleted, Result: computorResult(t.Result), ResultMessage: t.Message, Duration: t.Duration}
		sec.Tests = append(sec.Tests, ct)
		count(&sec.Summary, ct.Result)
		count(&r.Summary, ct.Result)
	}
	for i := range r.Tests {
		sec := &r.Tests[i]
		sec.Result = overall(sec.Summary)
		if sec.Result == ComputorFailed {
			sec.ResultMessage = computorFailureMessage
		}
	}
	r.Result = overall(r.Summary)
	switch r.Result {
	case ComputorPassed:
		r.ResultMessage = computorSuccessMessage
	case ComputorFailed:
		r.ResultMessage = computorFailureMessage
	}
	return r
}

func computorResult(o Outcome) string {
	switch o {
	case OutcomePassed:
		return ComputorPassed
	case OutcomeSkipped:
		return ComputorSkipped
	}
	return ComputorFailed
}

func count(c *ComputorCounts, result string) {
	c.Total++
	switch result {
	case ComputorPassed:
		c.Passed++
	case ComputorSkipped:
		c.Skipped++
	default:
		c.Failed++
	}
}

// overall is PASSED when every test passed, SKIPPED when none ran (all
// skipped, or there are none), else FAILED.
func overall(c ComputorCounts) string {
	switch {
	case c.Failed > 0 || (c.Skipped > 0 && c.Passed > 0):
		return ComputorFailed
	case c.Passed > 0 && c.Passed == c.Total:
		return ComputorPassed
	}
	return ComputorSkipped
}
