package grading

import (
	"bytes"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// MessageMaxBytes bounds the message of a test result; a longer one is cut
// and ends with "…".
const MessageMaxBytes = 2048

// excerptMaxLines is how many lines of a command's output a message quotes.
const excerptMaxLines = 20

// sandboxDir is where the sandbox shows the work directory to commands.
// Messages show the work directory under this name, whichever runner ran.
const sandboxDir = "/work"

// truncateUTF8 cuts s to at most n bytes without splitting a rune.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// firstLines returns the first excerptMaxLines lines of b without leading
// blank lines and trailing whitespace, noting when lines were left out.
func firstLines(b []byte) string {
	b = bytes.TrimLeft(b, "\r\n")
	b = bytes.TrimRight(b, " \t\r\n")
	if len(b) > 4*MessageMaxBytes {
		b = b[:4*MessageMaxBytes]
	}
	lines := strings.Split(string(b), "\n")
	if len(lines) > excerptMaxLines {
		lines = append(lines[:excerptMaxLines], "…")
	}
	return strings.Join(lines, "\n")
}

// outputExcerpt is the first lines of a command's stderr, or of its stdout
// when stderr is empty.
func outputExcerpt(stderr, stdout []byte) string {
	if s := firstLines(stderr); s != "" {
		return s
	}
	return firstLines(stdout)
}

// withExcerpt appends an output excerpt to a message on lines of its own.
func withExcerpt(msg, excerpt string) string {
	if excerpt == "" {
		return msg
	}
	return msg + ":\n" + excerpt
}

// scrubber makes messages safe to show: valid UTF-8, at most
// MessageMaxBytes, and with the host path of the work directory replaced by
// the path commands see in the sandbox.
type scrubber struct {
	r *strings.Replacer
}

func newScrubber(dir string) scrubber {
	paths := []string{dir}
	if real, err := filepath.EvalSymlinks(dir); err == nil && real != dir {
		paths = append(paths, real)
	}
	// Longer first, so that one path that extends another is replaced
	// whole.
	sort.Slice(paths, func(i, j int) bool { return len(paths[i]) > len(paths[j]) })
	var pairs []string
	for _, p := range paths {
		if p != "/" && p != "" {
			pairs = append(pairs, p, sandboxDir)
		}
	}
	return scrubber{r: strings.NewReplacer(pairs...)}
}

func (s scrubber) message(msg string) string {
	msg = s.r.Replace(strings.ToValidUTF8(msg, "\uFFFD"))
	if len(msg) > MessageMaxBytes {
		msg = truncateUTF8(msg, MessageMaxBytes-len("…")) + "…"
	}
	return msg
}
