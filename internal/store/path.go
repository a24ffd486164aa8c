package store

import (
	"fmt"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
	"github.com/google/uuid"
)

// Limits of names and paths.
const (
	// PathSegmentMaxLen is the longest path segment of an organization,
	// course family or course.
	PathSegmentMaxLen = 64
	// UsernameMaxLen is the longest username.
	UsernameMaxLen = 64
	// ContentPathMaxLen is the longest course content path.
	ContentPathMaxLen = 200
	// TitleMaxLen is the longest course group title.
	TitleMaxLen = 255
)

// PathSeparator joins the segments of a full path: org.family.course.
const PathSeparator = "."

// ValidPathSegment checks one segment of an organization, course family or
// course path: 1 to 64 characters of lowercase a-z, 0-9, '-' and '_',
// starting with a letter or a digit. A segment has no dots (dots join
// segments into full paths) and is not a UUID, which would be read as an
// id. The error wraps derrors.Invalid and says why.
func ValidPathSegment(s string) error {
	if err := checkName(s, PathSegmentMaxLen, isSegmentChar, "lowercase letters, digits, '-' and '_'"); err != nil {
		return fmt.Errorf("path segment %q: %w", s, err)
	}
	if isUUID(s) {
		return fmt.Errorf("path segment %q: %w: a UUID would be taken for an id", s, derrors.Invalid)
	}
	return nil
}

// ValidUsername checks a username (a token's sub): 1 to 64 characters of
// lowercase a-z, 0-9, '.', '-' and '_', starting with a letter or a digit.
// The error wraps derrors.Invalid and says why.
func ValidUsername(s string) error {
	if err := checkName(s, UsernameMaxLen, isUsernameChar, "lowercase letters, digits, '.', '-' and '_'"); err != nil {
		return fmt.Errorf("username %q: %w", s, err)
	}
	return nil
}

// ValidContentPath checks a course content path, a directory of the
// assignments repository: relative slash-separated segments of A-Z, a-z,
// 0-9, '.', '-' and '_', at most 200 characters, with no empty, "." or
// ".." segment and not a UUID (which would be read as an id). The error
// wraps derrors.Invalid and says why.
func ValidContentPath(s string) error {
	wrap := func(why string) error {
		return fmt.Errorf("content path %q: %w: %s", s, derrors.Invalid, why)
	}
	switch {
	case s == "":
		return wrap("is empty")
	case len(s) > ContentPathMaxLen:
		return wrap(fmt.Sprintf("is longer than %d characters", ContentPathMaxLen))
	case strings.HasPrefix(s, "/"):
		return wrap("must be relative, not start with '/'")
	case strings.HasSuffix(s, "/"):
		return wrap("must not end with '/'")
	case isUUID(s):
		return wrap("a UUID would be taken for an id")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '/' && !isContentChar(c) {
			return wrap(fmt.Sprintf("character %q at %d is not one of A-Z, a-z, 0-9, '.', '-', '_' and '/'", rune(c), i))
		}
	}
	for seg := range strings.SplitSeq(s, "/") {
		switch seg {
		case "":
			return wrap("has an empty segment ('//')")
		case ".", "..":
			return wrap(fmt.Sprintf("has a %q segment", seg))
		}
	}
	return nil
}

// checkName checks a name of 1 to maxLen bytes of allowed characters that
// starts with a letter or a digit. Its error wraps derrors.Invalid.
func checkName(s string, maxLen int, allowed func(byte) bool, want string) error {
	switch {
	case s == "":
		return fmt.Errorf("%w: is empty", derrors.Invalid)
	case len(s) > maxLen:
		return fmt.Errorf("%w: is longer than %d characters", derrors.Invalid, maxLen)
	case !isLowerAlnum(s[0]):
		return fmt.Errorf("%w: must start with a lowercase letter or a digit", derrors.Invalid)
	}
	for i := 0; i < len(s); i++ {
		if !allowed(s[i]) {
			return fmt.Errorf("%w: character %q at %d is not allowed; use %s", derrors.Invalid, rune(s[i]), i, want)
		}
	}
	return nil
}

func isLowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isSegmentChar(c byte) bool { return isLowerAlnum(c) || c == '-' || c == '_' }

func isUsernameChar(c byte) bool { return isSegmentChar(c) || c == '.' }

func isContentChar(c byte) bool {
	return isLowerAlnum(c) || 'A' <= c && c <= 'Z' || c == '.' || c == '-' || c == '_'
}

// isUUID reports whether s parses as a UUID, in any form uuid.Parse takes.
func isUUID(s string) bool {
	_, err := uuid.Parse(s)
	return err == nil
}

// splitFullPath splits a dotted full path into exactly n segments.
func splitFullPath(p string, n int) ([]string, bool) {
	segs := strings.Split(p, PathSeparator)
	if len(segs) != n {
		return nil, false
	}
	return segs, true
}
