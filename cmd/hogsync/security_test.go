package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"

	"github.com/hogsync/hogsync/internal/escape/runnertest"
	stdsync "sync"
	"testing"
	"time"

	"github.com/hogsync/hogsync/client/posthogtest"
	"github.com/hogsync/hogsync/ghactions/githubtest"
	"github.com/hogsync/hogsync/internal/escape"
)

// commentRecorder records the pull request comments hogsync posts.
type commentRecorder struct {
	mu       stdsync.Mutex
	comments []string
}

func newCommentRecorder(t *testing.T, h *harness) *commentRecorder {
	t.Helper()
	g := &commentRecorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/comments"):
			io.WriteString(w, "[]")
		case r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/comments"):
			var body struct{ Body string }
			json.NewDecoder(r.Body).Decode(&body)
			g.mu.Lock()
			g.comments = append(g.comments, body.Body)
			g.mu.Unlock()
			w.WriteHeader(http.StatusCreated)
			io.WriteString(w, `{"id":1}`)
		case r.URL.Path == "/user":
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `{"message":"Resource not accessible by integration"}`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request":{"number":7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_API_URL"] = srv.URL
	h.env["GITHUB_EVENT_PATH"] = event
	h.env["GITHUB_REPOSITORY"] = "o/r"
	h.env["GITHUB_TOKEN"] = "ghs_faketoken_0123456789abcdef"
	return g
}

func (g *commentRecorder) posted() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.comments...)
}

// assertNowhere fails when secret, or its markdown-escaped form, is in
// any of the texts.
func assertNowhere(t *testing.T, secret string, texts map[string]string) {
	t.Helper()
	for where, text := range texts {
		for _, form := range []string{secret, escape.Markdown(secret), secret[4:20]} {
			if strings.Contains(text, form) {
				t.Errorf("the key (as %q) is in %s:\n%s", form, where, text)
			}
		}
	}
}

// Acceptance (issue 10, item 2): the key pasted into POSTHOG_PROJECT_ID
// (secrets and variables swapped) on GitHub Actions with --comment appears
// in no output, summary, output file or comment body, in any form.
func TestKeyInProjectVariableIsNeverPrinted(t *testing.T) {
	t.Parallel()
	const key = "phx_swapped_with_the_project_id_0123456789ABCDEFGH"
	h := newHarness(t)
	h.emu.AddKey(key, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
	h.env["POSTHOG_PERSONAL_API_KEY"] = key
	h.env["POSTHOG_PROJECT_ID"] = key
	summary, outputs := githubFiles(t, h)
	gh := newCommentRecorder(t, h)
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")

	r := h.run("sync", h.dir, "--host", h.srv.URL, "--comment")
	if r.code == exitOK {
		t.Fatalf("a key as the project id was accepted:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "is not a project id") {
		t.Errorf("stderr does not say what is wrong:\n%s", r.stderr)
	}
	md, _ := os.ReadFile(summary)
	outs, _ := os.ReadFile(outputs)
	texts := map[string]string{"stdout": r.stdout, "stderr": r.stderr, "job summary": string(md), "step outputs": string(outs)}
	comments := gh.posted()
	if len(comments) != 1 {
		t.Fatalf("%d comments posted, want 1 saying why there is no plan", len(comments))
	}
	texts["comment"] = comments[0]
	assertNowhere(t, key, texts)
	if !strings.Contains(comments[0], "No plan could be made") {
		t.Errorf("comment:\n%s", comments[0])
	}
}

// Acceptance (issue 10, item 4): a GitHub API that never answers cannot
// hold the job: the run ends within its --timeout (here 1 s) with the
// apply's own exit code, and a warning says the comment failed.
func TestCommentToAnUnansweringGitHubEndsInTime(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	githubFiles(t, h)
	gh := githubtest.New("ghs_fake_token_for_tests_000")
	t.Cleanup(gh.Close)
	gh.Hang(true)
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"pull_request":{"number":7}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	h.env["GITHUB_API_URL"], h.env["GITHUB_EVENT_PATH"] = gh.URL, event
	h.env["GITHUB_REPOSITORY"], h.env["GITHUB_TOKEN"] = "o/r", gh.Token
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")

	start := time.Now()
	r := h.sync("--apply", "--comment", "--timeout", "1s").must(t, exitOK)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the run took %v with a GitHub API that never answers", took)
	}
	r.contains(t, "Apply complete: 1 created", "::warning::hogsync: pull request comment:")
	if len(h.emu.Holdouts(1)) != 1 {
		t.Error("the apply did not happen")
	}
}

// A key read from --api-key-file is no repository secret GitHub knows to
// mask: on GitHub Actions hogsync masks it first (::add-mask::, the only
// line that ever carries the key), and it appears nowhere else.
func TestKeyFileIsMaskedOnGitHubActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	githubFiles(t, h)
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte(h.key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	delete(h.env, "POSTHOG_PERSONAL_API_KEY")
	h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	r := h.sync("--api-key-file", keyFile).must(t, exitOK)
	first, rest, _ := strings.Cut(r.stdout, "\n")
	if first != "::add-mask::"+h.key {
		t.Fatalf("first stdout line = %q, want the mask command", first)
	}
	if strings.Contains(rest, h.key) || strings.Contains(r.stderr, h.key) {
		t.Errorf("the key appears after the mask command:\n%s\n%s", rest, r.stderr)
	}
	h2 := newHarness(t)
	h2.env = map[string]string{}
	h2.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
	if r := h2.sync("--api-key-file", keyFile); strings.Contains(r.stdout, "add-mask") {
		t.Errorf("masked outside GitHub Actions:\n%s", r.stdout)
	}
}

// Issue 19: the runner trims every Unicode white space (.NET's TrimStart)
// before looking for "::". A manifest named "\u3000::warning::x.yaml",
// reported by validate on GitHub Actions, must not become a command of
// its own: hogsync's only commands are its annotations, and each names a
// manifest file.
func TestValidateOnActionsMakesNoCommandOfAFileName(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.env["GITHUB_ACTIONS"] = "true"
	for _, name := range []string{"\u3000::warning::x.yaml", "\u2003::error title=Deploy key expired::re-authenticate.yaml"} {
		h.write(name, "name: a\nfilters: []\n")
	}
	r := h.run("validate", h.dir).must(t, exitFailure)
	out := r.stdout + r.stderr
	for _, c := range runnertest.Commands(out, runnertest.AnyName) {
		if c.Name != "error" || !strings.HasPrefix(c.Properties["file"], filepath.ToSlash(h.dir)) {
			t.Errorf("a file name became the command %+v:\n%s", c, out)
		}
	}
	if len(runnertest.Commands(out, runnertest.AnyName)) == 0 {
		t.Errorf("no annotation at all:\n%s", out)
	}
}
