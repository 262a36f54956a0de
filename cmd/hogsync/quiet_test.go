package main

import (
	"strings"
	"testing"
)

// A note is a note (not an error); --quiet drops notes but keeps
// warnings and errors.
func TestQuietDropsNotesKeepsWarningsAndErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.write("a.yaml", verbManifest)
	const note = "This was a dry run: nothing was changed."
	r := h.verb("plan").must(t, exitOK)
	// The closing line is the plan's last line, on stdout, which --quiet
	// keeps.
	if !strings.Contains(r.stdout, note) || strings.Contains(r.stderr, note) {
		t.Errorf("the closing line %q is not on stdout alone:\nstdout:\n%s\nstderr:\n%s", note, r.stdout, r.stderr)
	}
	if strings.Contains(r.stderr, "error") {
		t.Errorf("a dry run's note reads as an error:\n%s", r.stderr)
	}
	q := h.run("--quiet", "plan", h.dir, "--host", h.srv.URL, "--project", "1").must(t, exitOK)
	if q.stderr != "" {
		t.Errorf("--quiet left on stderr:\n%s", q.stderr)
	}
	if q.stdout != r.stdout {
		t.Errorf("--quiet changed stdout:\n%s\nwant:\n%s", q.stdout, r.stdout)
	}
	// A warning and an error stay.
	h.write("b.yaml", "name: b\nfilters:\n  - rollout_percentage: 1\n    variant: x\n")
	e := h.run("-q", "plan", h.dir, "--host", h.srv.URL, "--project", "1").must(t, exitFailure)
	if !strings.Contains(e.stderr, "hogsync: error:") {
		t.Errorf("--quiet hid the error:\n%s", e.stderr)
	}
	h.remove("b.yaml")
	h.write("c.yaml", "name: c\nfilters:\n  - rollout_percentage: 1\n  - rollout_percentage: 2\n")
	w := h.run("-q", "plan", h.dir, "--host", h.srv.URL, "--project", "1")
	if !strings.Contains(w.stderr, "c.yaml:4:5: warning:") {
		t.Errorf("--quiet hid the warning:\n%s", w.stderr)
	}
}
