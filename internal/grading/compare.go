package grading

import (
	"fmt"
	"regexp"
	"strings"
)

// quoteMaxBytes bounds each piece of output quoted in a message.
const quoteMaxBytes = 300

// trimOutput removes trailing spaces, tabs and carriage returns from every
// line, then trailing newlines from the end.
func trimOutput(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \t\r")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// compileFullMatch compiles expr so that it must match a whole string.
// expr is compiled alone first: wrapping alone would accept a pattern such
// as "a)(b".
func compileFullMatch(expr string) (*regexp.Regexp, error) {
	if _, err := regexp.Compile(expr); err != nil {
		return nil, err
	}
	return regexp.Compile(`\A(?:` + expr + `)\z`)
}

// compareOutput reports whether got is the output want asks for under mode
// and, when it is not, says how it differs. The error is for a pattern that
// does not compile.
func compareOutput(mode CompareMode, want string, got []byte) (bool, string, error) {
	out := string(got)
	switch mode {
	case CompareExact:
		if out == want {
			return true, "", nil
		}
		if trimOutput(out) == trimOutput(want) {
			return false, "output differs from the expected one only in trailing spaces or newlines (compare: exact)", nil
		}
		return false, lineDiff(want, out), nil
	case CompareTrimmed, "":
		w, o := trimOutput(want), trimOutput(out)
		if o == w {
			return true, "", nil
		}
		return false, lineDiff(w, o), nil
	case CompareRegex:
		re, err := compileFullMatch(want)
		if err != nil {
			return false, "", fmt.Errorf("compile expected output pattern: %w", err)
		}
		o := trimOutput(out)
		if re.MatchString(o) {
			return true, "", nil
		}
		if o == "" {
			return false, fmt.Sprintf("no output; expected output matching %s", quote(want)), nil
		}
		return false, fmt.Sprintf("output does not match the expected pattern %s; got %s", quote(want), quote(o)), nil
	default:
		return false, "", fmt.Errorf("unknown compare mode %q", mode)
	}
}

// lineDiff describes the first line where got differs from want.
func lineDiff(want, got string) string {
	if got == "" {
		return "no output; expected " + quote(want)
	}
	wl, gl := strings.Split(want, "\n"), strings.Split(got, "\n")
	if len(wl) == 1 && len(gl) == 1 {
		return fmt.Sprintf("wrong output: expected %s, got %s", quote(want), quote(got))
	}
	for i := 0; i < len(wl) || i < len(gl); i++ {
		switch {
		case i >= len(gl):
			return fmt.Sprintf("output ends after line %d; expected line %d: %s", len(gl), i+1, quote(wl[i]))
		case i >= len(wl):
			return fmt.Sprintf("unexpected output after line %d: %s", len(wl), quote(gl[i]))
		case wl[i] != gl[i]:
			return fmt.Sprintf("wrong output at line %d: expected %s, got %s", i+1, quote(wl[i]), quote(gl[i]))
		}
	}
	return "wrong output"
}

// quote quotes s for a message, cut to quoteMaxBytes.
func quote(s string) string {
	if len(s) > quoteMaxBytes {
		return fmt.Sprintf("%q…", truncateUTF8(s, quoteMaxBytes))
	}
	return fmt.Sprintf("%q", s)
}
