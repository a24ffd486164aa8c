package grading

import (
	"strings"
	"testing"
)

func TestCompareOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode CompareMode
		want string
		got  string
		ok   bool
		msg  string // the whole message, when !ok
	}{
		{"exact equal", CompareExact, "3\n", "3\n", true, ""},
		{"exact missing newline", CompareExact, "3\n", "3", false, "output differs from the expected one only in trailing spaces or newlines (compare: exact)"},
		{"exact trailing space", CompareExact, "3", "3 ", false, "output differs from the expected one only in trailing spaces or newlines (compare: exact)"},
		{"exact different", CompareExact, "3\n", "4\n", false, `wrong output at line 1: expected "3", got "4"`},
		{"exact leading space", CompareExact, "3", " 3", false, `wrong output: expected "3", got " 3"`},

		{"trimmed equal", CompareTrimmed, "3", "3\n", true, ""},
		{"trimmed trailing spaces and CRLF", CompareTrimmed, "a\nb", "a  \r\nb\t\r\n\n\n", true, ""},
		{"trimmed expected has trailing newline", CompareTrimmed, "a\nb\n\n", "a\nb", true, ""},
		{"default mode is trimmed", "", "x", "x \n", true, ""},
		{"trimmed keeps leading spaces", CompareTrimmed, "3", "  3\n", false, `wrong output: expected "3", got "  3"`},
		{"trimmed keeps inner blank lines", CompareTrimmed, "a\nb", "a\n\nb\n", false, `wrong output at line 2: expected "b", got ""`},
		{"trimmed wrong line", CompareTrimmed, "1\n2\n3", "1\n5\n3\n", false, `wrong output at line 2: expected "2", got "5"`},
		{"trimmed too short", CompareTrimmed, "1\n2\n3", "1\n2\n", false, `output ends after line 2; expected line 3: "3"`},
		{"trimmed too long", CompareTrimmed, "1", "1\n2\n", false, `unexpected output after line 1: "2"`},
		{"trimmed no output", CompareTrimmed, "3", "", false, `no output; expected "3"`},
		{"trimmed empty expected", CompareTrimmed, "", "\n\n", true, ""},

		{"regex full match", CompareRegex, `\d+ apples?`, "12 apples\n", true, ""},
		{"regex is anchored at both ends", CompareRegex, `\d+`, "x12\n", false, `output does not match the expected pattern "\\d+"; got "x12"`},
		{"regex partial match fails", CompareRegex, `3`, "33\n", false, `output does not match the expected pattern "3"; got "33"`},
		{"regex alternation is grouped", CompareRegex, `a|b`, "ab", false, `output does not match the expected pattern "a|b"; got "ab"`},
		{"regex over trimmed lines", CompareRegex, `(?s)first.*last`, "first  \nmiddle\nlast  \n\n", true, ""},
		{"regex no output", CompareRegex, `.+`, "", false, `no output; expected output matching ".+"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, msg, err := compareOutput(tt.mode, tt.want, []byte(tt.got))
			if err != nil {
				t.Fatalf("compareOutput: %v", err)
			}
			if ok != tt.ok || msg != tt.msg {
				t.Errorf("compareOutput(%s, %q, %q) = %v, %q; want %v, %q", tt.mode, tt.want, tt.got, ok, msg, tt.ok, tt.msg)
			}
		})
	}
}

func TestCompareOutputErrors(t *testing.T) {
	t.Parallel()
	if _, _, err := compareOutput(CompareRegex, "a)(b", []byte("a)(b")); err == nil {
		t.Error("a pattern that compiles only when wrapped was accepted")
	}
	if _, _, err := compareOutput("fuzzy", "a", []byte("a")); err == nil {
		t.Error("an unknown compare mode was accepted")
	}
}

func TestCompareOutputQuotesAreBounded(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("é", 10*quoteMaxBytes)
	_, msg, _ := compareOutput(CompareTrimmed, "short", []byte(long))
	if len(msg) > 3*quoteMaxBytes || !strings.HasSuffix(msg, `"…`) {
		t.Errorf("message of %d bytes does not end in a cut quote: %.80s…", len(msg), msg)
	}
}
