package store

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/google/uuid"
)

func TestValidPathSegment(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		seg string
		ok  bool
		why string // part of the error
	}{
		{"tugraz", true, ""},
		{"a", true, ""},
		{"0", true, ""},
		{"prog-phys_2026", true, ""},
		{strings.Repeat("a", 64), true, ""},
		{"", false, "empty"},
		{strings.Repeat("a", 65), false, "longer than 64"},
		{"TUGraz", false, "start with a lowercase letter"},
		{"tuGraz", false, "'G'"},
		{"-x", false, "start with"},
		{"_x", false, "start with"},
		{"tu.graz", false, "'.'"},
		{"tu graz", false, "' '"},
		{"tu/graz", false, "'/'"},
		{"grüß", false, "not allowed"},
		{uuid.NewString(), false, "UUID"},
		{strings.ReplaceAll(uuid.NewString(), "-", ""), false, "UUID"},
	} {
		t.Run(tc.seg, func(t *testing.T) {
			err := ValidPathSegment(tc.seg)
			if tc.ok {
				if err != nil {
					t.Fatalf("ValidPathSegment(%q) = %v, want nil", tc.seg, err)
				}
				return
			}
			if !errors.Is(err, derrors.Invalid) {
				t.Fatalf("ValidPathSegment(%q) = %v, want derrors.Invalid", tc.seg, err)
			}
			if !strings.Contains(err.Error(), tc.why) {
				t.Errorf("error %q does not say %q", err, tc.why)
			}
		})
	}
}

func TestValidUsername(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true},
		{"a.liddell", true},
		{"a-l_1", true},
		{"0x", true},
		{uuid.NewString(), true},
		{strings.Repeat("a", 64), true},
		{"", false},
		{strings.Repeat("a", 65), false},
		{"Alice", false},
		{".alice", false},
		{"-alice", false},
		{"alice@x.org", false},
		{"al ice", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidUsername(tc.name)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, derrors.Invalid) {
				t.Errorf("ValidUsername(%q) = %v, want ok %v", tc.name, err, tc.ok)
			}
		})
	}
}

func TestValidContentPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path string
		ok   bool
	}{
		{"hello", true},
		{"week1/hello", true},
		{"Week_1/Hello-World.v2", true},
		{".hidden/x", true},
		{"a..b", true},
		{strings.Repeat("a", 200), true},
		{"", false},
		{strings.Repeat("a", 201), false},
		{"/abs", false},
		{"trailing/", false},
		{"a//b", false},
		{"a/../b", false},
		{"..", false},
		{"./a", false},
		{"a/.", false},
		{"a b", false},
		{`a\b`, false},
		{"ä", false},
		{uuid.NewString(), false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			err := ValidContentPath(tc.path)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, derrors.Invalid) {
				t.Errorf("ValidContentPath(%q) = %v, want ok %v", tc.path, err, tc.ok)
			}
		})
	}
}

func TestValidCommit(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		commit string
		ok     bool
	}{
		{"abcd", true},
		{"0123456789abcdef0123456789abcdef01234567", true},
		{strings.Repeat("f", 64), true},
		{"ABCDEF", true},
		{"abc", false},
		{strings.Repeat("f", 65), false},
		{"main", false},
		{"", false},
	} {
		t.Run(tc.commit, func(t *testing.T) {
			err := ValidCommit(tc.commit)
			if tc.ok != (err == nil) || err != nil && !errors.Is(err, derrors.Invalid) {
				t.Errorf("ValidCommit(%q) = %v, want ok %v", tc.commit, err, tc.ok)
			}
		})
	}
}

// segmentRule is the path segment rule, written another way.
var segmentRule = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

func FuzzValidPathSegment(f *testing.F) {
	for _, s := range []string{"tugraz", "", "a.b", "A", "-", "x_y-z", strings.Repeat("a", 65), uuid.NewString(), "\x00", "ä"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := ValidPathSegment(s)
		if err != nil {
			if !errors.Is(err, derrors.Invalid) {
				t.Fatalf("ValidPathSegment(%q) = %v, not derrors.Invalid", s, err)
			}
			if segmentRule.MatchString(s) && !isUUID(s) {
				t.Fatalf("ValidPathSegment(%q) = %v, but it fits the rule", s, err)
			}
			return
		}
		if !segmentRule.MatchString(s) || isUUID(s) || strings.Contains(s, PathSeparator) {
			t.Fatalf("ValidPathSegment(%q) accepted a segment that breaks the rule", s)
		}
	})
}
