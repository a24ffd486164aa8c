package grading

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// MessageMaxBytes bounds the message of a test result; a longer one is cut
// and ends with "…".
const MessageMaxBytes = 2048

// excerptMaxLines is how many lines of a command's output a message quotes.
const excerptMaxLines = 20

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

// safeMessage makes a message safe to show: valid UTF-8 and at most
// MessageMaxBytes. Commands see their work directory as /work and nothing
// of the host, so their output names no host path.
func safeMessage(msg string) string {
	msg = strings.ToValidUTF8(msg, "\uFFFD")
	if len(msg) > MessageMaxBytes {
		msg = truncateUTF8(msg, MessageMaxBytes-len("…")) + "…"
	}
	return msg
}
