package sandbox

import (
	"bytes"
	"strings"
	"testing"
)

func TestCapture(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		input    int
		limit    int64
		kept     int
		exceeded bool
	}{
		{"empty", 0, 10, 0, false},
		{"under", 9, 10, 9, false},
		{"exactly", 10, 10, 10, false},
		{"over by one", 11, 10, 10, true},
		{"far over", 1 << 20, 100, 100, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			got := capture(strings.NewReader(strings.Repeat("x", tt.input)), tt.limit, func() { calls++ })
			if len(got) != tt.kept || !bytes.Equal(got, bytes.Repeat([]byte("x"), tt.kept)) {
				t.Errorf("kept %d bytes, want %d", len(got), tt.kept)
			}
			if (calls == 1) != tt.exceeded || calls > 1 {
				t.Errorf("exceeded called %d times, want exceeded=%v", calls, tt.exceeded)
			}
		})
	}
}
