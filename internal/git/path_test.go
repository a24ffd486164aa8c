package git

import (
	"strings"
	"testing"

	"github.com/computor-org/computor-go/internal/derrors"
)

func TestValidateRepoPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		ok   bool
	}{
		{"tugraz", true},
		{"tugraz/progphys/2026/students/alice", true},
		{"a.b_c-d/E9", true},
		{"", false},
		{"/abs", false},
		{"trailing/", false},
		{"a//b", false},
		{"..", false},
		{"a/../b", false},
		{".hidden", false},
		{"a/.tmp-x", false},
		{"repo.git", false},
		{"a/Repo.GIT/b", false},
		{"a b", false},
		{"a\\b", false},
		{"ä", false},
		{"a/%2e%2e", false},
		{strings.Repeat("a", MaxPathLen), true},
		{strings.Repeat("a", MaxPathLen+1), false},
	}
	for _, tt := range tests {
		err := validateRepoPath(tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("validateRepoPath(%q) = %v, want ok %v", tt.path, err, tt.ok)
		}
		if err != nil {
			wantErr(t, tt.path, err, derrors.Invalid)
		}
	}
}

func TestValidateFilePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path string
		ok   bool
	}{
		{"README.md", true},
		{"src/main file (1).py", true},
		{".gitignore", true},
		{"a/.github/workflow.yml", true},
		{"ünïcode/ファイル.txt", true},
		{"", false},
		{"/etc/passwd", false},
		{"a/", false},
		{"a//b", false},
		{"./a", false},
		{"a/../../b", false},
		{"..", false},
		{".git/config", false},
		{"a/.GIT/hooks/x", false},
		{"a\nb", false},
		{"a\x00b", false},
		{strings.Repeat("a", maxFilePathLen+1), false},
	}
	for _, tt := range tests {
		err := validateFilePath(tt.path)
		if (err == nil) != tt.ok {
			t.Errorf("validateFilePath(%q) = %v, want ok %v", tt.path, err, tt.ok)
		}
		if err != nil {
			wantErr(t, tt.path, err, derrors.Invalid)
		}
	}
}

func TestValidateRev(t *testing.T) {
	t.Parallel()
	tests := []struct {
		rev string
		ok  bool
	}{
		{"main", true},
		{"v1.0", true},
		{"refs/tags/v1.0", true},
		{"deadbeef", true},
		{"", false},
		{"-n", false},
		{"--all", false},
		{"main~1", false},
		{"main^", false},
		{"main@{1}", false},
		{"main:README.md", false},
		{"a..b", false},
		{"main branch", false},
		{"/main", false},
		{"main/", false},
	}
	for _, tt := range tests {
		err := validateRev(tt.rev)
		if (err == nil) != tt.ok {
			t.Errorf("validateRev(%q) = %v, want ok %v", tt.rev, err, tt.ok)
		}
	}
}
