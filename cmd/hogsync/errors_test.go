package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// wire is the status and body of an exchange in testdata/posthog-wire.
func wire(t *testing.T, name string) (int, []byte) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "testdata", "posthog-wire", name))
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Status int             `json:"status"`
		Body   json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	return ex.Status, ex.Body
}

// Every failing command: one line saying what PostHog said and what to do,
// and the API key nowhere.
func TestServerErrorsAreOneLineWithHintAndNoKey(t *testing.T) {
	t.Parallel()
	const secretKey = "phx_s3cr3t_k3y_that_must_never_be_printed_0123456789"
	tests := []struct {
		name  string
		setup func(h *harness)
		args  []string
		// want are parts of the one error line.
		want []string
		// code is the exit code; 1 unless set.
		code int
	}{
		{
			name: "401 unknown key",
			want: []string{"401 Unauthorized", "Personal API key found in request Authorization header is invalid.", "Hint: check that POSTHOG_PERSONAL_API_KEY"},
		},
		{
			name: "403 missing scope to read",
			setup: func(h *harness) {
				h.emu.AddKey(secretKey, posthogtest.Key{Scopes: []string{"experiment:read"}, CurrentProject: 1})
			},
			want: []string{"403 Forbidden", "API key missing required scope 'experiment_holdout:read'", "Hint: edit the personal API key"},
		},
		{
			name: "404 project",
			setup: func(h *harness) {
				h.emu.AddKey(secretKey, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
			},
			args: []string{"--project", "999"},
			want: []string{"404 Not Found", "Project not found.", "Hint: check the project (--project, POSTHOG_PROJECT_ID or hogsync.yaml's project"},
		},
		{
			name:  "no key",
			setup: func(h *harness) { delete(h.env, "POSTHOG_PERSONAL_API_KEY") },
			want:  []string{"no API key: set POSTHOG_PERSONAL_API_KEY"},
		},
		{
			name: "unreachable host",
			args: []string{"--host", "http://127.0.0.1:1"},
			want: []string{"connection refused", "Hint: PostHog could not be reached"},
		},
		{
			name: "plain http to a remote host",
			args: []string{"--host", "http://posthog.example.com"},
			want: []string{"refusing plain http://"},
			code: exitUsage,
		},
		{
			// validate refuses it in hogsync.yaml: plan refuses it anywhere.
			name: "a host with an empty fragment",
			args: []string{"--host", "https://eu.posthog.com#"},
			want: []string{`host "https://eu.posthog.com#" has a query or fragment ("#")`},
			code: exitUsage,
		},
		{
			name: "project that is no id",
			args: []string{"--project", "abc"},
			want: []string{`"abc"`},
			code: exitUsage,
		},
		{
			name: "the key given as the key file's path",
			args: []string{"--api-key-file", secretKey},
			want: []string{"looks like the key itself (phx_...), which is not printed"},
			code: exitUsage,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.env["POSTHOG_PERSONAL_API_KEY"] = secretKey
			h.write("a.yaml", "name: a\nfilters:\n  - rollout_percentage: 1\n")
			if tt.setup != nil {
				tt.setup(h)
			}
			r := h.sync(append([]string{"--apply"}, tt.args...)...).must(t, cmp.Or(tt.code, exitFailure))
			// One error line, last; before it only retry notes. A usage
			// error is followed by where the command's help is.
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if r.code == exitUsage {
				if got, want := lines[len(lines)-1], "Run 'hogsync sync --help' for usage."; got != want {
					t.Errorf("usage error's last line %q, want %q", got, want)
				}
				lines = lines[:len(lines)-1]
			}
			if !strings.HasPrefix(lines[len(lines)-1], "hogsync: error: ") || strings.Count(r.stderr, "error:") != 1 {
				t.Errorf("stderr does not end in one error line:\n%s", r.stderr)
			}
			for _, l := range lines[:len(lines)-1] {
				if !strings.Contains(l, "; retrying in ") {
					t.Errorf("unexpected stderr line %q", l)
				}
			}
			r.contains(t, tt.want...)
			assertNoKey(t, r, secretKey)
		})
	}
}

// A 400 on one change is reported on that change's line, with PostHog's
// detail and a hint; other changes still go ahead.
func TestApplyValidationErrorFromServer(t *testing.T) {
	t.Parallel()
	const secretKey = "phx_an0ther_s3cr3t_which_stays_hidden_9876543210"
	h := newHarness(t)
	h.emu.AddKey(secretKey, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
	h.env["POSTHOG_PERSONAL_API_KEY"] = secretKey
	status, body := wire(t, "error-400-rollout-range.json")
	h.withHandler(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "experiment_holdouts") {
				b, _ := io.ReadAll(r.Body)
				if strings.Contains(string(b), `"bad"`) {
					w.Header().Set("Content-Type", "application/json")
					w.WriteHeader(status)
					_, _ = w.Write(body)
					return
				}
				r.Body = io.NopCloser(bytes.NewReader(b))
			}
			next.ServeHTTP(w, r)
		})
	})
	h.write("a.yaml", "name: bad\nfilters:\n  - rollout_percentage: 1\n---\nname: good\nfilters:\n  - rollout_percentage: 1\n")
	r := h.sync("--apply").must(t, exitFailure)
	var failLine string
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.Contains(l, "✗ ") {
			failLine = l
		}
	}
	for _, want := range []string{`✗ create holdout "bad" failed`, "400 Bad Request (invalid_input): Rollout percentage must be between 0 and 100. [field filters]", "Hint: PostHog rejected the change: fix the field named above in its manifest, or, if it names an approval policy"} {
		if !strings.Contains(failLine, want) {
			t.Errorf("failure line %q lacks %q", failLine, want)
		}
	}
	r.contains(t, `+ created holdout "good"`, "Apply incomplete: 1 created, 0 updated, 0 deleted; 1 failed.")
	assertNoKey(t, r, secretKey)
	if n := len(h.emu.Holdouts(1)); n != 1 {
		t.Errorf("holdouts = %d, want only good", n)
	}
}

func assertNoKey(t *testing.T, r result, key string) {
	t.Helper()
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, key) || strings.Contains(s, key[4:20]) {
			t.Errorf("API key printed:\n%s", s)
		}
		if strings.Contains(s, "[REDACTED]") {
			t.Errorf("the key reached the output and was only caught by the last-resort redactor:\n%s", s)
		}
	}
}
