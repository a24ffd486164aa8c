package git

import (
	"fmt"
	"strings"
)

// MaxPathLen is the longest group or repository path, in bytes.
const MaxPathLen = 255

// maxFilePathLen is the longest file path inside a repository, in bytes.
const maxFilePathLen = 4096

// validateRepoPath checks a group or repository path: slash-separated
// segments of [A-Za-z0-9._-], none empty, starting with "." or ending in
// ".git" (which keeps groups, repository directories and temporary
// directories apart), and at most MaxPathLen bytes in all.
func validateRepoPath(p string) error {
	if p == "" {
		return fmt.Errorf("%w: empty path", ErrInvalid)
	}
	if len(p) > MaxPathLen {
		return fmt.Errorf("%w: path longer than %d bytes", ErrInvalid, MaxPathLen)
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: path %q has an empty segment", ErrInvalid, p)
		case seg[0] == '.':
			return fmt.Errorf("%w: path %q has a segment starting with \".\"", ErrInvalid, p)
		case strings.HasSuffix(strings.ToLower(seg), ".git"):
			return fmt.Errorf("%w: path %q has a segment ending in \".git\"", ErrInvalid, p)
		}
		for _, c := range []byte(seg) {
			if !isPathByte(c) {
				return fmt.Errorf("%w: path %q has character %q; use A-Z, a-z, 0-9, '.', '_' and '-'", ErrInvalid, p, c)
			}
		}
	}
	return nil
}

func isPathByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '.' || c == '_' || c == '-'
}

// validateFilePath checks a repository-relative file path: no leading or
// trailing slash, no empty, ".", ".." or ".git" segment, no control
// characters.
func validateFilePath(p string) error {
	if p == "" {
		return fmt.Errorf("%w: empty file path", ErrInvalid)
	}
	if len(p) > maxFilePathLen {
		return fmt.Errorf("%w: file path longer than %d bytes", ErrInvalid, maxFilePathLen)
	}
	for _, c := range []byte(p) {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: file path %q has a control character", ErrInvalid, p)
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: file path %q has an empty segment or a leading or trailing slash", ErrInvalid, p)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w: file path %q has a %q segment", ErrInvalid, p, seg)
		case strings.EqualFold(seg, ".git"):
			return fmt.Errorf("%w: file path %q has a \".git\" segment", ErrInvalid, p)
		}
	}
	return nil
}

// cleanDir turns a ListFiles dir argument into "" (the root) or a valid
// file path without a trailing slash.
func cleanDir(dir string) (string, error) {
	d := strings.TrimSuffix(dir, "/")
	if d == "" || d == "." {
		return "", nil
	}
	if err := validateFilePath(d); err != nil {
		return "", err
	}
	return d, nil
}

// validateRev checks a ref name or hash (prefix) given to Resolve and the
// readers: characters allowed in ref names, no leading "-", no "..", and
// none of git's revision operators (^ ~ : @{).
func validateRev(rev string) error {
	if rev == "" {
		return fmt.Errorf("%w: empty ref", ErrInvalid)
	}
	if len(rev) > MaxPathLen || rev[0] == '-' || rev[0] == '/' || strings.Contains(rev, "..") ||
		strings.Contains(rev, "//") || strings.HasSuffix(rev, "/") || strings.HasSuffix(rev, ".lock") {
		return fmt.Errorf("%w: ref %q", ErrInvalid, rev)
	}
	for _, c := range []byte(rev) {
		if !isPathByte(c) && c != '/' {
			return fmt.Errorf("%w: ref %q has character %q", ErrInvalid, rev, c)
		}
	}
	return nil
}

// isHash reports whether s is hexadecimal of length between min and max.
func isHash(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isFullHash reports whether s is a full SHA-1 or SHA-256 object name.
func isFullHash(s string) bool {
	return (len(s) == 40 || len(s) == 64) && isHash(s, 40, 64)
}
