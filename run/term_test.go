package run

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/creack/pty"
)

// The colour decision: an explicit --color wins; with auto, NO_COLOR,
// then FORCE_COLOR/CLICOLOR_FORCE, then TERM=dumb, then the terminal.
func TestUseColor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mode string
		tty  bool
		env  map[string]string
		want bool
	}{
		{"auto on a terminal", "auto", true, nil, true},
		{"auto into a pipe or file", "auto", false, nil, false},
		{"always into a pipe", "always", false, nil, true},
		{"always beats NO_COLOR", "always", true, map[string]string{"NO_COLOR": "1"}, true},
		{"never on a terminal", "never", true, nil, false},
		{"never beats FORCE_COLOR", "never", false, map[string]string{"FORCE_COLOR": "1"}, false},
		{"NO_COLOR on a terminal", "auto", true, map[string]string{"NO_COLOR": "1"}, false},
		{"NO_COLOR beats FORCE_COLOR", "auto", false, map[string]string{"NO_COLOR": "1", "FORCE_COLOR": "1"}, false},
		{"FORCE_COLOR into a pipe", "auto", false, map[string]string{"FORCE_COLOR": "1"}, true},
		{"FORCE_COLOR=3 into a pipe", "auto", false, map[string]string{"FORCE_COLOR": "3"}, true},
		{"FORCE_COLOR=0 on a terminal", "auto", true, map[string]string{"FORCE_COLOR": "0"}, false},
		{"FORCE_COLOR=false on a terminal", "auto", true, map[string]string{"FORCE_COLOR": "false"}, false},
		{"CLICOLOR_FORCE into a pipe", "auto", false, map[string]string{"CLICOLOR_FORCE": "1"}, true},
		{"CLICOLOR_FORCE=0 on a terminal", "auto", true, map[string]string{"CLICOLOR_FORCE": "0"}, false},
		{"FORCE_COLOR beats TERM=dumb", "auto", true, map[string]string{"FORCE_COLOR": "1", "TERM": "dumb"}, true},
		{"TERM=dumb on a terminal", "auto", true, map[string]string{"TERM": "dumb"}, false},
		{"TERM=xterm on a terminal", "auto", true, map[string]string{"TERM": "xterm-256color"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			getenv := func(k string) string { return tt.env[k] }
			if got := useColor(tt.mode, tt.tty, getenv); got != tt.want {
				t.Errorf("useColor(%q, tty=%v, %v) = %v, want %v", tt.mode, tt.tty, tt.env, got, tt.want)
			}
		})
	}
}

// /dev/null is a character device but no terminal; a pseudo-terminal is
// one; buffers and pipes are not.
func TestIsTerminal(t *testing.T) {
	t.Parallel()
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer devnull.Close()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer pr.Close()
	defer pw.Close()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	for _, tt := range []struct {
		name string
		w    io.Writer
		want bool
	}{
		{"/dev/null", devnull, false},
		{"a pipe", pw, false},
		{"a buffer", &bytes.Buffer{}, false},
		{"a pseudo-terminal", tty, true},
	} {
		if got := isTerminal(tt.w); got != tt.want {
			t.Errorf("isTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
	if !liveCapable(tty, func(string) string { return "" }) {
		t.Error("a pseudo-terminal cannot show a live line")
	}
	if liveCapable(tty, func(k string) string { return map[string]string{"TERM": "dumb"}[k] }) {
		t.Error("TERM=dumb shows a live line")
	}
}
