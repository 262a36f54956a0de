package run

import (
	"fmt"
	"strings"
	stdsync "sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sharedOutput records the writes of several streams to one place, as a
// terminal or a file that both stdout and stderr go to.
type sharedOutput struct {
	mu     stdsync.Mutex
	writes []string // "name: what was written", one per Write
}

func (o *sharedOutput) writer(name string) *namedWriter { return &namedWriter{o: o, name: name} }

func (o *sharedOutput) all() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]string(nil), o.writes...)
}

type namedWriter struct {
	o    *sharedOutput
	name string
}

func (w *namedWriter) Write(p []byte) (int, error) {
	w.o.mu.Lock()
	defer w.o.mu.Unlock()
	w.o.writes = append(w.o.writes, w.name+": "+string(p))
	return len(p), nil
}

// newStreams are a run's stdout and stderr over out, with key as the
// run's secret.
func newStreams(out *sharedOutput, key string) (stdout, stderr *stream) {
	red := &redactor{}
	red.add(key)
	return newOutputStreams(out.writer("out"), out.writer("err"), red)
}

// Stdout keeps whole lines and writes them in few system calls: a plan
// of 50,000 holdouts is tens of thousands of lines. Stderr writes each
// line at once, so that diagnostics show as they are found.
func TestStdoutWritesLinesTogether(t *testing.T) {
	t.Parallel()
	var out sharedOutput
	stdout, stderr := newStreams(&out, "phx_secret_key_value_1234567890")
	for i := range 1000 {
		fmt.Fprintf(stdout, "line %d\n", i)
	}
	fmt.Fprintf(stderr, "a warning\n")
	fmt.Fprintf(stderr, "another\n")
	fmt.Fprintf(stdout, "last line\n")
	if err := stdout.Flush(); err != nil {
		t.Fatal(err)
	}
	var lines strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&lines, "line %d\n", i)
	}
	want := []string{"out: " + lines.String(), "err: a warning\n", "err: another\n", "out: last line\n"}
	if diff := cmp.Diff(want, out.all()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}

// A long document is written in pieces of whole lines as it goes, not
// held whole until the end.
func TestStdoutWritesAsTheBufferFills(t *testing.T) {
	t.Parallel()
	var out sharedOutput
	stdout, _ := newStreams(&out, "phx_secret_key_value_1234567890")
	line := strings.Repeat("x", 99) + "\n"
	n := 3 * streamBuffer / len(line)
	for range n {
		stdout.Write([]byte(line))
	}
	writes := out.all()
	if len(writes) < 2 || len(writes) > 3 {
		t.Fatalf("%d writes before Flush, want 2 or 3 for %d bytes", len(writes), n*len(line))
	}
	stdout.Flush()
	total := 0
	for _, w := range out.all() {
		w = strings.TrimPrefix(w, "out: ")
		if !strings.HasSuffix(w, "\n") {
			t.Errorf("a write ends mid-line: %q", w[max(0, len(w)-20):])
		}
		total += len(w)
	}
	if total != n*len(line) {
		t.Errorf("%d bytes written, want %d", total, n*len(line))
	}
}

// The guarantees of a line hold whatever the buffering: a key split
// across writes is redacted whole, a line that would be a workflow
// command is made inert, a workflow command meant as one comes after
// the lines before it, and a partial line waits for its end.
func TestStreamGuaranteesWithBuffering(t *testing.T) {
	t.Parallel()
	const key = "phx_secret_key_value_1234567890"
	var out sharedOutput
	stdout, stderr := newStreams(&out, key)
	fmt.Fprint(stdout, "key: phx_secret_")
	fmt.Fprint(stdout, "key_value_1234567890 end\n::warning::from a manifest\nbefore the command\n")
	stdout.command("::notice::done")
	fmt.Fprint(stdout, "partial")
	fmt.Fprint(stderr, "err: phx_secret_key_")
	fmt.Fprint(stderr, "value_1234567890\n")
	fmt.Fprint(stdout, " line\n")
	stdout.Flush()
	stderr.Flush()
	want := []string{
		"out: key: [REDACTED] end\n\\x3a:warning::from a manifest\nbefore the command\n",
		"out: ::notice::done\n",
		"err: err: [REDACTED]\n",
		"out: partial line\n",
	}
	if diff := cmp.Diff(want, out.all()); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
}
