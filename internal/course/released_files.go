package course

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// ReleaseKind says why a file is in the student template.
type ReleaseKind string

// The kinds of released files.
const (
	// ReleaseStudentFile: our format, a student_files match, at its own
	// path.
	ReleaseStudentFile ReleaseKind = "student_file"
	// ReleaseReadme: CodeAbility, content/index.md as README.md and
	// content/index_<lang>.md as README_<lang>.md.
	ReleaseReadme ReleaseKind = "readme"
	// ReleaseMedia: CodeAbility, content/mediaFiles/** as mediaFiles/**,
	// the figures the README links.
	ReleaseMedia ReleaseKind = "media"
	// ReleaseAdditional: CodeAbility, an additionalFiles match, at the
	// top of the assignment under its base name.
	ReleaseAdditional ReleaseKind = "additional"
	// ReleaseTemplate: CodeAbility, a studentTemplates match: at the path
	// of the submission file with its base name, or else at the top under
	// its own base name.
	ReleaseTemplate ReleaseKind = "template"
	// ReleaseEmpty: CodeAbility, a submission file without a template,
	// released empty (Source is "").
	ReleaseEmpty ReleaseKind = "empty"
)

// ReleasedFile is one file of an assignment's student template.
type ReleasedFile struct {
	// Path is where it goes, relative to the assignment directory.
	Path string
	// Source is the file of the assignment directory whose content it
	// gets; "" for an empty file.
	Source string
	Kind   ReleaseKind
}

// contentMediaDir holds a CodeAbility example's figures.
const contentMediaDir = "content/mediaFiles/"

// readmeFor maps content/index.md to README.md and content/index_de.md to
// README_de.md.
func readmeFor(rel string) (string, bool) {
	name, ok := strings.CutPrefix(rel, "content/index")
	if !ok {
		return "", false
	}
	suffix, ok := strings.CutSuffix(name, ".md")
	if !ok || strings.Contains(suffix, "/") || (suffix != "" && (len(suffix) < 2 || suffix[0] != '_')) {
		return "", false
	}
	return "README" + suffix + ".md", true
}

// ReleasedFiles returns, from the files of an assignment directory
// (regular files, relative to it, without those of an assignment nested in
// it), what its student template holds, sorted by Path.
//
// Our format releases each student_files match at its own path. A
// CodeAbility example releases, and nothing else:
//   - content/index*.md as README*.md, content/mediaFiles/** as mediaFiles/**;
//   - each additionalFiles match at the top, under its base name;
//   - each studentTemplates match as the submission file of the same base
//     name, or at the top under its own base name when there is none;
//   - each studentSubmissionFiles entry without a template, empty.
//
// The example's own copies of the submission files (the reference
// solution), meta.yaml, test.yaml and the test files are never a source,
// and no two files may go to one path, nor one to meta.yaml or test.yaml.
// A list entry that matches no file is an error: the example is
// incomplete. Errors name meta.yaml's line.
func (m *Meta) ReleasedFiles(files []string) ([]ReleasedFile, error) {
	var out []ReleasedFile
	if m.Format != FormatCodeAbility {
		for _, f := range files {
			if m.StudentFile(f) {
				out = append(out, ReleasedFile{Path: f, Source: f, Kind: ReleaseStudentFile})
			}
		}
		slices.SortFunc(out, func(a, b ReleasedFile) int { return strings.Compare(a.Path, b.Path) })
		return out, nil
	}
	ca := m.CodeAbility
	byPath := map[string]ReleasedFile{}
	add := func(rf ReleasedFile, line int) error {
		if rf.Path == MetaFile || rf.Path == TestSpecFile {
			return fmt.Errorf("meta.yaml: line %d: %s would be released as %s, the name of a file that stays back", line, rf.Source, rf.Path)
		}
		if prev, dup := byPath[rf.Path]; dup {
			return fmt.Errorf("meta.yaml: line %d: %s and %s would both be released as %s", line, describe(prev), describe(rf), rf.Path)
		}
		byPath[rf.Path] = rf
		return nil
	}
	// keptBack is what never reaches students, whichever list names it.
	keptBack := func(key, glob, f string) error {
		switch {
		case f == MetaFile || f == TestSpecFile:
			return fmt.Errorf("meta.yaml: line %d: %s: %q takes %s, which stays back", ca.line(key, glob), key, glob, f)
		case m.TestFile(f):
			return fmt.Errorf("meta.yaml: line %d: %s: %q takes %s, a test file, which stays back", ca.line(key, glob), key, glob, f)
		case matchAny(m.SubmissionFiles, f):
			return fmt.Errorf("meta.yaml: line %d: %s: %q takes %s, the reference solution", ca.line(key, glob), key, glob, f)
		}
		return nil
	}
	for _, f := range files {
		if ca.releasesFrom(f) && (matchAny(m.SubmissionFiles, f) || m.TestFile(f)) && !matchAny(ca.AdditionalFiles, f) && !matchAny(ca.StudentTemplates, f) {
			return nil, fmt.Errorf("meta.yaml: %s is in content/, which is released, but it is a submission or test file, which stays back", f)
		}
		if readme, ok := readmeFor(f); ok {
			if err := add(ReleasedFile{Path: readme, Source: f, Kind: ReleaseReadme}, 1); err != nil {
				return nil, err
			}
		} else if media, ok := strings.CutPrefix(f, contentMediaDir); ok && media != "" {
			if err := add(ReleasedFile{Path: "mediaFiles/" + media, Source: f, Kind: ReleaseMedia}, 1); err != nil {
				return nil, err
			}
		}
	}
	for _, g := range ca.AdditionalFiles {
		matched := false
		for _, f := range files {
			if ok, _ := path.Match(g, f); !ok {
				continue
			}
			matched = true
			if err := keptBack("additionalFiles", g, f); err != nil {
				return nil, err
			}
			if err := add(ReleasedFile{Path: path.Base(f), Source: f, Kind: ReleaseAdditional}, ca.line("additionalFiles", g)); err != nil {
				return nil, err
			}
		}
		if !matched {
			return nil, fmt.Errorf("meta.yaml: line %d: additionalFiles: %q matches no file of the example", ca.line("additionalFiles", g), g)
		}
	}
	filled := map[string]bool{}
	for _, g := range ca.StudentTemplates {
		matched := false
		for _, f := range files {
			if ok, _ := path.Match(g, f); !ok {
				continue
			}
			matched = true
			if err := keptBack("studentTemplates", g, f); err != nil {
				return nil, err
			}
			target := path.Base(f)
			var subs []string
			for _, s := range m.SubmissionFiles {
				if path.Base(s) == target {
					subs = append(subs, s)
				}
			}
			switch len(subs) {
			case 0:
			case 1:
				target = subs[0]
				filled[target] = true
			default:
				return nil, fmt.Errorf("meta.yaml: line %d: studentTemplates: %s could be the template of %s; give the submission files distinct names", ca.line("studentTemplates", g), f, strings.Join(subs, " and "))
			}
			if err := add(ReleasedFile{Path: target, Source: f, Kind: ReleaseTemplate}, ca.line("studentTemplates", g)); err != nil {
				return nil, err
			}
		}
		if !matched {
			return nil, fmt.Errorf("meta.yaml: line %d: studentTemplates: %q matches no file of the example", ca.line("studentTemplates", g), g)
		}
	}
	for _, s := range m.SubmissionFiles {
		if !filled[s] {
			if err := add(ReleasedFile{Path: s, Kind: ReleaseEmpty}, ca.line("studentSubmissionFiles", s)); err != nil {
				return nil, err
			}
		}
	}
	for _, rf := range byPath {
		out = append(out, rf)
	}
	slices.SortFunc(out, func(a, b ReleasedFile) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}

// describe names where a released file comes from, for an error.
func describe(rf ReleasedFile) string {
	if rf.Source == "" {
		return "the empty submission file " + rf.Path
	}
	return string(rf.Kind) + " " + rf.Source
}
