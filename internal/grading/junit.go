package grading

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Bounds on a JUnit report.
const (
	// ReportMaxBytes is the largest JUnit report Grade reads.
	ReportMaxBytes = 10 << 20
	// ReportMaxCases is the most test cases one JUnit report may hold.
	ReportMaxCases = 10000
)

// junitCase is one <testcase> of a JUnit report.
type junitCase struct {
	Classname string
	Name      string
	Outcome   Outcome
	Message   string
	// Time is the case's duration in seconds, 0 when the report gives none.
	Time float64
}

// xmlCase is how a <testcase> element is decoded. Tags without a namespace
// match elements in any namespace.
type xmlCase struct {
	Name      string       `xml:"name,attr"`
	Classname string       `xml:"classname,attr"`
	Time      string       `xml:"time,attr"`
	Failures  []xmlOutcome `xml:"failure"`
	Errors    []xmlOutcome `xml:"error"`
	Skipped   []xmlOutcome `xml:"skipped"`
}

type xmlOutcome struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// parseJUnit reads the test cases of a JUnit XML report, in document order.
// The root is <testsuites> or <testsuite>; suites may nest to any depth.
// A case with a <failure> or <error> child failed, one with a <skipped>
// child was skipped, and any other case passed. Other elements (properties,
// system-out, ...) are ignored.
func parseJUnit(r io.Reader) ([]junitCase, error) {
	dec := xml.NewDecoder(r)
	dec.CharsetReader = charsetReader
	var cases []junitCase
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			// The decoder reports an unclosed element as a syntax error, so
			// the end of the input comes here only before any root.
			return nil, errors.New("no <testsuites> or <testsuite> element")
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 && t.Name.Local != "testsuites" && t.Name.Local != "testsuite" {
				return nil, fmt.Errorf("root element is <%s>, not <testsuites> or <testsuite>", t.Name.Local)
			}
			switch t.Name.Local {
			case "testsuites", "testsuite":
				depth++
			case "testcase":
				if len(cases) == ReportMaxCases {
					return nil, fmt.Errorf("more than %d test cases", ReportMaxCases)
				}
				var c xmlCase
				if err := dec.DecodeElement(&c, &t); err != nil {
					return nil, err
				}
				cases = append(cases, c.junitCase(len(cases)))
			default:
				if err := dec.Skip(); err != nil {
					return nil, err
				}
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				return cases, nil
			}
		}
	}
}

func (c *xmlCase) junitCase(i int) junitCase {
	jc := junitCase{Classname: strings.TrimSpace(c.Classname), Name: strings.TrimSpace(c.Name), Outcome: OutcomePassed}
	if jc.Name == "" {
		jc.Name = fmt.Sprintf("testcase %d", i+1)
	}
	if t, err := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(c.Time), ",", ""), 64); err == nil && t > 0 && !math.IsInf(t, 0) {
		jc.Time = t
	}
	switch {
	case len(c.Failures) > 0:
		jc.Outcome = OutcomeFailed
		jc.Message = c.Failures[0].message("failed")
	case len(c.Errors) > 0:
		jc.Outcome = OutcomeFailed
		jc.Message = "error"
		if m := c.Errors[0].message(""); m != "" {
			jc.Message = "error: " + m
		}
	case len(c.Skipped) > 0:
		jc.Outcome = OutcomeSkipped
		jc.Message = c.Skipped[0].message("skipped")
	}
	return jc
}

// message is the message attribute (or else the type) followed by the
// first lines of the element's text.
func (o *xmlOutcome) message(def string) string {
	msg := strings.TrimSpace(o.Message)
	if msg == "" {
		msg = strings.TrimSpace(o.Type)
	}
	text := firstLines([]byte(o.Text))
	switch {
	case msg == "" && text == "":
		return def
	case msg == "":
		return text
	case text == "" || text == msg:
		return msg
	default:
		return msg + "\n" + text
	}
}

// charsetReader lets reports declare Latin-1 or ASCII as well as UTF-8.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(label) {
	case "us-ascii", "ascii":
		return r, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		b, err := io.ReadAll(r)
		if err != nil {
			return nil, err
		}
		var out bytes.Buffer
		out.Grow(len(b))
		for _, c := range b {
			out.WriteRune(rune(c))
		}
		return bufio.NewReader(&out), nil
	default:
		return nil, fmt.Errorf("unsupported encoding %q (use UTF-8)", label)
	}
}
