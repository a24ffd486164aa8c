package course

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FileReader reads a file of a repository at a commit.
type FileReader interface {
	ReadFile(ctx context.Context, repo, commit, file string) ([]byte, error)
}

// GradingFile reports whether a file of an assignment (relative to its
// directory) decides how submissions are graded: test.yaml, the test files
// and the assignment's own copies of the submission files (a reference
// solution, or the template a test compares against).
func (m *Meta) GradingFile(rel string) bool {
	if m.CodeAbility != nil && matchAny(m.CodeAbility.AdditionalFiles, rel) {
		return true // the runs read them, the reference's too
	}
	return rel == TestSpecFile || m.TestFile(rel) || m.SubmissionFile(rel)
}

// TestsDigest identifies what decides an assignment's grading at a commit
// of the assignments repository: the grading files among files (repository
// paths below dir) and the globs that choose them. Two commits with the
// same digest grade every submission alike, so a release that keeps the
// digest keeps the results current, and one that changes it outdates them.
func TestsDigest(ctx context.Context, r FileReader, repo, commit, dir string, m *Meta, files []string) (string, error) {
	h := sha256.New()
	globs, _ := json.Marshal([][]string{m.SubmissionFiles, m.TestFiles, m.StudentFiles})
	fmt.Fprintf(h, "globs %d %s\n", len(globs), globs)
	var graded []string
	for _, f := range files {
		if rel, ok := strings.CutPrefix(f, dir+"/"); ok && m.GradingFile(rel) {
			graded = append(graded, f)
		}
	}
	slices.Sort(graded)
	for _, f := range graded {
		b, err := r.ReadFile(ctx, repo, commit, f)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", f, err)
		}
		// Lengths first, so that no two file lists hash alike.
		fmt.Fprintf(h, "file %d %s %d\n", len(f), f, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
