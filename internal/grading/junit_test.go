package grading

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseJUnit(t *testing.T) {
	t.Parallel()
	// c is a case as the table expects it; msg is a prefix of the message.
	type c struct {
		classname, name string
		outcome         Outcome
		msg             string
		time            float64
	}
	tests := []struct {
		name string
		xml  string
		want []c
	}{
		{
			name: "pytest",
			xml:  readTestdata(t, "junit/pytest.xml"),
			want: []c{
				{"test_sum", "test_small", OutcomePassed, "", 0.001},
				{"test_sum", "test_negative", OutcomeFailed, "assert 8 == -2\n +  where 8 = add(-5, 3)\ndef test_negative():\n>       assert add(-5, 3) == -2", 0.002},
				{"test_sum", "test_later", OutcomeSkipped, "not graded yet\ntest_sum.py:10: not graded yet", 0},
				{"test_sum", "test_fixture", OutcomeFailed, `error: failed on setup with "fixture 'numbers' not found"`, 0},
				{"test_sum.TestBig", "test_big[1-2]", OutcomePassed, "", 0.003},
			},
		},
		{
			name: "maven surefire",
			xml:  readTestdata(t, "junit/maven.xml"),
			want: []c{
				{"com.example.CalculatorTest", "addsSmallNumbers", OutcomePassed, "", 0.005},
				{"com.example.CalculatorTest", "addsNegativeNumbers", OutcomeFailed, "expected: <-2> but was: <8>\norg.opentest4j.AssertionFailedError: expected: <-2> but was: <8>\n\tat com.example", 0.012},
				{"com.example.CalculatorTest", "dividesByZero", OutcomeFailed, "error: java.lang.ArithmeticException\njava.lang.ArithmeticException: / by zero", 0.001},
				{"com.example.CalculatorTest", "overflows", OutcomeSkipped, "@Disabled: not part of this assignment", 0},
			},
		},
		{
			name: "nested suites keep document order",
			xml:  readTestdata(t, "junit/nested.xml"),
			want: []c{
				{"Calculator", "first", OutcomePassed, "", 1234.5},
				{"Calculator", "add with data set #0", OutcomePassed, "", 0.25},
				{"Calculator", "add with data set #1", OutcomeFailed, `PHPUnit\Framework\ExpectationFailedException` + "\nFailed asserting that 8 matches expected -2.", 0.25},
				{"", "last", OutcomePassed, "", 0},
			},
		},
		{
			name: "latin-1",
			xml:  readTestdata(t, "junit/latin1.xml"),
			want: []c{{"CaféTest", "naïve", OutcomeFailed, "échec", 0}},
		},
		{
			name: "empty outcome elements and unnamed case",
			xml:  `<testsuite><testcase classname="k"><failure/></testcase><testcase name="e"><error/></testcase><testcase name="s"><skipped/></testcase></testsuite>`,
			want: []c{{"k", "testcase 1", OutcomeFailed, "failed", 0}, {"", "e", OutcomeFailed, "error", 0}, {"", "s", OutcomeSkipped, "skipped", 0}},
		},
		{
			name: "failure wins over skipped; bad times are 0",
			xml:  `<testsuites><testsuite><testcase name="a" time="-1"><skipped/><failure message="boom"/></testcase><testcase name="b" time="soon"/></testsuite></testsuites>`,
			want: []c{{"", "a", OutcomeFailed, "boom", 0}, {"", "b", OutcomePassed, "", 0}},
		},
		{
			name: "no cases",
			xml:  `<testsuites><testsuite name="x" tests="0"/></testsuites>`,
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := parseJUnit(strings.NewReader(tt.xml))
			if err != nil {
				t.Fatalf("parseJUnit: %v", err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("parseJUnit gave %d cases, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Classname != w.classname || g.Name != w.name || g.Outcome != w.outcome || g.Time != w.time ||
					!strings.HasPrefix(g.Message, w.msg) || (w.msg == "") != (g.Message == "") {
					t.Errorf("case %d = %+v\nwant %+v", i, g, w)
				}
			}
		})
	}
}

func TestParseJUnitErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		xml  string
		want string
	}{
		{"empty", "", "no <testsuites> or <testsuite> element"},
		{"not XML", "all tests passed", "no <testsuites> or <testsuite> element"},
		{"wrong root", `<html><testcase name="a"/></html>`, "root element is <html>, not <testsuites> or <testsuite>"},
		{"unclosed", `<testsuites><testsuite><testcase name="a"/>`, "XML syntax error on line 1: unexpected EOF"},
		{"mismatched tags", `<testsuite><testcase name="a"></testsuite>`, "XML syntax error on line 1: element <testcase> closed by </testsuite>"},
		{"bad attribute", `<testsuite><testcase name=a/></testsuite>`, "XML syntax error on line 1: unquoted or missing attribute value in element"},
		{"unknown encoding", `<?xml version="1.0" encoding="EBCDIC"?><testsuite/>`, `unsupported encoding "EBCDIC" (use UTF-8)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cases, err := parseJUnit(strings.NewReader(tt.xml))
			if err == nil {
				t.Fatalf("parseJUnit accepted %q: %+v", tt.xml, cases)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parseJUnit error %q, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestParseJUnitCaseLimit(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	b.WriteString("<testsuite>")
	for i := range ReportMaxCases + 1 {
		fmt.Fprintf(&b, `<testcase name="t%d"/>`, i)
	}
	b.WriteString("</testsuite>")
	if _, err := parseJUnit(strings.NewReader(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("a report with %d cases gave error %v, want one about too many cases", ReportMaxCases+1, err)
	}
}
