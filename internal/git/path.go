package git

import (
	"fmt"
	"strings"

	"github.com/computor-org/computor-go/internal/derrors"
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
		return fmt.Errorf("%w: empty path", derrors.Invalid)
	}
	if len(p) > MaxPathLen {
		return fmt.Errorf("%w: path longer than %d bytes", derrors.Invalid, MaxPathLen)
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: path %q has an empty segment", derrors.Invalid, p)
		case seg[0] == '.':
			return fmt.Errorf("%w: path %q has a segment starting with \".\"", derrors.Invalid, p)
		case strings.HasSuffix(strings.ToLower(seg), ".git"):
			return fmt.Errorf("%w: path %q has a segment ending in \".git\"", derrors.Invalid, p)
		}
		for _, c := range []byte(seg) {
			if !isPathByte(c) {
				return fmt.Errorf("%w: path %q has character %q; use A-Z, a-z, 0-9, '.', '_' and '-'", derrors.Invalid, p, c)
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
		return fmt.Errorf("%w: empty file path", derrors.Invalid)
	}
	if len(p) > maxFilePathLen {
		return fmt.Errorf("%w: file path longer than %d bytes", derrors.Invalid, maxFilePathLen)
	}
	for _, c := range []byte(p) {
		if c < 0x20 || c == 0x7f {
			return fmt.Errorf("%w: file path %q has a control character", derrors.Invalid, p)
		}
	}
	for seg := range strings.SplitSeq(p, "/") {
		switch {
		case seg == "":
			return fmt.Errorf("%w: file path %q has an empty segment or a leading or trailing slash", derrors.Invalid, p)
		case seg == "." || seg == "..":
			return fmt.Errorf("%w: file path %q has a %q segment", derrors.Invalid, p, seg)
		case strings.EqualFold(seg, ".git"):
			return fmt.Errorf("%w: file path %q has a \".git\" segment", derrors.Invalid, p)
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
		return fmt.Errorf("%w: empty ref", derrors.Invalid)
	}
	if len(rev) > MaxPathLen || rev[0] == '-' || rev[0] == '/' || strings.Contains(rev, "..") ||
		strings.Contains(rev, "//") || strings.HasSuffix(rev, "/") || strings.HasSuffix(rev, ".lock") {
		return fmt.Errorf("%w: ref %q", derrors.Invalid, rev)
	}
	for _, c := range []byte(rev) {
		if !isPathByte(c) && c != '/' {
			return fmt.Errorf("%w: ref %q has character %q", derrors.Invalid, rev, c)
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
