package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/internal/golden"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// harness runs the real CLI in-process against the emulator over HTTP.
type harness struct {
	t   testing.TB
	emu *posthogtest.Emulator
	srv *httptest.Server
	dir string // manifests
	key string
	env map[string]string
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	h := &harness{t: t, emu: posthogtest.New(), dir: t.TempDir(), key: posthogtest.DefaultKey}
	h.srv = httptest.NewServer(h.emu)
	t.Cleanup(h.srv.Close)
	h.env = map[string]string{"POSTHOG_PERSONAL_API_KEY": h.key}
	return h
}

// withHandler serves h.emu through wrap, to script server answers.
func (h *harness) withHandler(wrap func(http.Handler) http.Handler) {
	h.srv.Close()
	h.srv = httptest.NewServer(wrap(h.emu))
	h.t.Cleanup(h.srv.Close)
}

// write puts a manifest file in the manifests dir.
func (h *harness) write(name, content string) {
	h.t.Helper()
	path := filepath.Join(h.dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		h.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) remove(name string) {
	h.t.Helper()
	if err := os.Remove(filepath.Join(h.dir, name)); err != nil {
		h.t.Fatal(err)
	}
}

type result struct {
	stdout, stderr string
	code           int
}

// sync runs `hogsync sync DIR --host URL --project 1 args...`.
func (h *harness) sync(args ...string) result {
	return h.run(append([]string{"sync", h.dir, "--host", h.srv.URL, "--project", "1"}, args...)...)
}

func (h *harness) run(args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	getenv := func(k string) string { return h.env[k] }
	code := runCLI(context.Background(), args, &out, &errb, getenv)
	return result{stdout: out.String(), stderr: errb.String(), code: code}
}

// must checks the exit code, printing both streams when it differs.
func (r result) must(t *testing.T, code int) result {
	t.Helper()
	if r.code != code {
		t.Fatalf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", r.code, code, r.stdout, r.stderr)
	}
	return r
}

func (r result) contains(t *testing.T, parts ...string) result {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(r.stdout, p) && !strings.Contains(r.stderr, p) {
			t.Errorf("output lacks %q\nstdout:\n%s\nstderr:\n%s", p, r.stdout, r.stderr)
		}
	}
	return r
}

// lastLine is stdout's last non-empty line.
func (r result) lastLine() string {
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	return lines[len(lines)-1]
}

// state is the emulator's project 1, as "id name description filters" lines.
func (h *harness) state() []string {
	var out []string
	for _, x := range h.emu.Holdouts(posthogtest.DefaultProject) {
		d := "<nil>"
		if x.Description != nil {
			d = *x.Description
		}
		out = append(out, fmt.Sprintf("%d %s %q %v", x.ID, x.Name, d, x.Filters))
	}
	return out
}

// names is the emulator's holdout names by id.
func (h *harness) names() map[int64]string {
	m := map[int64]string{}
	for _, x := range h.emu.Holdouts(posthogtest.DefaultProject) {
		m[x.ID] = x.Name
	}
	return m
}

var portRE = regexp.MustCompile(`127\.0\.0\.1:\d+`)

// golden compares got to testdata/name, with what differs between runs
// (loopback ports, the temporary manifests dir) scrubbed.
func (h *harness) golden(name, got string) {
	h.t.Helper()
	t := h.t
	got = strings.ReplaceAll(got, h.dir, "MANIFESTS")
	got = portRE.ReplaceAllString(got, "127.0.0.1:PORT")
	golden.Check(t, filepath.Join("testdata", name), []byte(got))
}

// dryRunClosing is the last line of sync's dry run, on stdout.
const dryRunClosing = "This was a dry run: nothing was changed. Run again with --apply to make these changes.\n"
