package client

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressView shows a waiting task's progress.
type progressView interface {
	// show shows the task's latest state.
	show(t Task)
	// note says something between updates (the API not answering).
	note(msg string)
	// close ends the view, leaving the terminal's line clean.
	close()
}

// newProgressView is a bar on a terminal, and plain lines elsewhere.
func newProgressView(w io.Writer, terminal bool) progressView {
	if terminal {
		return newBarView(w)
	}
	return &lineView{w: w}
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// lineView prints a line whenever the status, percent or message changes:
// what a log or a CI job shows well.
type lineView struct {
	w    io.Writer
	last string
}

func (v *lineView) show(t Task) {
	line := progressLine(t)
	if line != v.last {
		fmt.Fprintln(v.w, line)
		v.last = line
	}
}

func (v *lineView) note(msg string) { fmt.Fprintln(v.w, msg) }

func (v *lineView) close() {}

// progressLine is a task's state in one line: "STARTED  40%  working".
func progressLine(t Task) string {
	line := t.Status
	if p := t.Progress; p != nil {
		line += fmt.Sprintf("  %3.0f%%", p.Percent)
		if p.Message != "" {
			line += "  " + oneLine(p.Message)
		}
	}
	if t.Retries > 0 {
		line += fmt.Sprintf("  (retries: %d)", t.Retries)
	}
	return line
}

// barView redraws one line: a bar with the percent, the elapsed time, and
// the status and message after it.
type barView struct {
	w     io.Writer
	bar   *progressbar.ProgressBar
	width int // of the terminal, 0 when unknown
}

func newBarView(w io.Writer) *barView {
	v := &barView{w: w}
	if f, ok := w.(*os.File); ok {
		v.width, _, _ = term.GetSize(int(f.Fd()))
	}
	v.bar = progressbar.NewOptions(100,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(30),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionSetDescription(StatusQueued),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetRenderBlankState(true),
	)
	return v
}

func (v *barView) show(t Task) {
	desc := t.Status
	if p := t.Progress; p != nil && p.Message != "" {
		desc += "  " + oneLine(p.Message)
	}
	if t.Retries > 0 {
		desc += fmt.Sprintf("  (retries: %d)", t.Retries)
	}
	// The bar, percent and time take about 50 columns; a longer line would
	// wrap, and the next redraw would not cover it.
	if limit := v.width - 52; v.width > 0 && len([]rune(desc)) > max(limit, 10) {
		desc = string([]rune(desc)[:max(limit, 10)-1]) + "…"
	}
	v.bar.Describe(desc)
	percent := 0
	if t.Progress != nil {
		percent = min(max(int(t.Progress.Percent), 0), 99) // 100 ends the bar
	}
	_ = v.bar.Set(percent)
}

func (v *barView) note(msg string) {
	_ = v.bar.Clear()
	fmt.Fprintln(v.w, msg)
}

func (v *barView) close() {
	_ = v.bar.Exit()
	_ = v.bar.Clear()
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
