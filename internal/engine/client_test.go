package engine

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// The SDK's log lines: an activity stopped by a shutdown is info, not an
// error; a real activity error stays an error; the SDK's info chatter
// shows only at debug; WorkflowID is named task_id.
func TestQuietHandler(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		level slog.Level
		msg   string
		err   error
		logAt slog.Level
		want  string // "" for dropped
	}{
		{slog.LevelError, "Activity error.", fmt.Errorf("x: %w", context.Canceled), slog.LevelInfo, "level=INFO"},
		{slog.LevelError, "Activity error.", context.Canceled, slog.LevelWarn, ""},
		{slog.LevelError, "Activity error.", errors.New("disk full"), slog.LevelWarn, "level=ERROR"},
		{slog.LevelInfo, "Started Worker", nil, slog.LevelInfo, ""},
		{slog.LevelInfo, "Started Worker", nil, slog.LevelDebug, "level=INFO"},
	} {
		var buf bytes.Buffer
		l := slog.New(quietHandler{slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: tc.logAt})})
		args := []any{"WorkflowID", "t-1"}
		if tc.err != nil {
			args = append(args, "Error", tc.err)
		}
		l.Log(context.Background(), tc.level, tc.msg, args...)
		got := buf.String()
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s %v at %v: logged %q, want nothing", tc.msg, tc.err, tc.logAt, got)
		case tc.want != "" && (!strings.Contains(got, tc.want) || !strings.Contains(got, "task_id=t-1")):
			t.Errorf("%s %v at %v: logged %q, want %s with task_id", tc.msg, tc.err, tc.logAt, got, tc.want)
		}
	}
}
