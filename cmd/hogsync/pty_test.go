package main

import (
	"bytes"
	"io"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/creack/pty"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// clearLine is what the status line writes to clear its row.
const clearLine = "\r\x1b[K"

// ptyRun runs the built binary with stdin and stdout on a pseudo-terminal,
// and stderr there too unless stderrPiped. It returns what the terminal
// showed, and stderr when piped.
func ptyRun(t *testing.T, stderrPiped bool, env []string, args ...string) (screen, stderr string, code int) {
	t.Helper()
	bin := builtBinary(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 200}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	var errb bytes.Buffer
	if stderrPiped {
		cmd.Stderr = &errb
	}
	if err := cmd.Start(); err != nil {
		tty.Close()
		t.Fatal(err)
	}
	tty.Close() // the child holds it now; the master reads EOF once it exits
	var screenb bytes.Buffer
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		_, _ = io.Copy(&screenb, ptmx) // ends with EIO when the child exits
	}()
	err = cmd.Wait()
	<-copied
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return screenb.String(), errb.String(), code
}

// render is what a terminal shows after out: a carriage return goes back
// to the line's start, ESC [ K clears from the cursor on, other bytes
// overwrite.
func render(out string) string {
	var lines [][]rune
	line, col := []rune{}, 0
	for i := 0; i < len(out); {
		switch {
		case out[i] == '\r':
			col = 0
			i++
		case out[i] == '\n':
			lines = append(lines, line)
			line, col = []rune{}, 0
			i++
		case strings.HasPrefix(out[i:], "\x1b[K"):
			line = line[:col]
			i += len("\x1b[K")
		default:
			r, size := utf8.DecodeRuneInString(out[i:])
			if col < len(line) {
				line[col] = r
			} else {
				line = append(line, r)
			}
			col++
			i += size
		}
	}
	lines = append(lines, line)
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.TrimRight(string(l), " ") + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Acceptance: on a terminal an apply shows a live status line on stderr
// (requests while PostHog is read, then done/total), redrawn in place and
// cleared at the end; none when stderr is piped or with --quiet. Every
// apply result line carries [n/N] in each case.
func TestProgressOnATerminal(t *testing.T) {
	t.Parallel()
	const n = 6
	for _, tt := range []struct {
		name        string
		stderrPiped bool
		flags       []string
		live        bool
	}{
		{"terminal", false, nil, true},
		{"stderr piped", true, nil, false},
		{"quiet", false, []string{"--quiet"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			h.writeMany("p", n, "1")
			env := []string{"POSTHOG_PERSONAL_API_KEY=" + posthogtest.DefaultKey, "TERM=xterm", "NO_COLOR=1", "HOME=" + t.TempDir()}
			args := append(append([]string{}, tt.flags...), "apply", h.dir, "--host", h.srv.URL, "--project", "1", "--parallelism", "1")
			screen, stderr, code := ptyRun(t, tt.stderrPiped, env, args...)
			if code != exitOK {
				t.Fatalf("exit %d\nscreen:\n%q\nstderr:\n%q", code, screen, stderr)
			}
			if got := len(h.emu.Holdouts(1)); got != n {
				t.Fatalf("%d holdouts made, want %d", got, n)
			}
			shown := render(screen)
			for i := 1; i <= n; i++ {
				if !regexp.MustCompile(`(?m)^\[` + itoa(i) + `/` + itoa(n) + `\] \+ created holdout "p-\d+"`).MatchString(shown) {
					t.Errorf("no result line [%d/%d] on the screen:\n%s", i, n, shown)
				}
			}
			// What stays on the screen holds no status line.
			if strings.Contains(shown, "hogsync: applying") || strings.Contains(shown, "reading PostHog") {
				t.Errorf("a status line stayed on the screen:\n%s", shown)
			}
			hasLive := strings.Contains(screen+stderr, clearLine)
			if hasLive != tt.live {
				t.Errorf("live status line shown: %v, want %v\nscreen:\n%s\nstderr:\n%s", hasLive, tt.live, shown, stderr)
			}
			if !tt.live {
				if strings.Contains(screen+stderr, "hogsync: applying") || strings.Contains(screen+stderr, "reading PostHog") {
					t.Errorf("progress printed without a live line:\nscreen:\n%s\nstderr:\n%s", shown, stderr)
				}
				return
			}
			for _, want := range []string{
				clearLine + "hogsync: reading PostHog: 1 request",
				clearLine + "hogsync: applying 0/" + itoa(n),
				clearLine + "hogsync: applying " + itoa(n-1) + "/" + itoa(n),
			} {
				if !strings.Contains(screen, want) {
					t.Errorf("the terminal was never sent %q", want)
				}
			}
			// The status never runs into a printed line: it is cleared
			// before the next one.
			if m := regexp.MustCompile(`(applying|reading PostHog)[^\r\n]*\n`).FindString(screen); m != "" {
				t.Errorf("a status line ran into a printed line: %q", m)
			}
		})
	}
}
