package client

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// leakyServer echoes the key every way a broken or hostile server could:
// in headers, in JSON and HTML bodies, URL-encoded, in next links, and
// across the 2 KiB at which the log cuts a body. It answers 401, 429, 500,
// then 200 pages.
func leakyServer(t *testing.T, key string) string {
	var rec recorder
	auth := func(r *http.Request) string { return r.Header.Get("Authorization") }
	other := "phx_" + strings.Repeat("Zz9_", 8) // someone else's key
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Echo-Authorization", auth(r))
		w.Header().Set("Link", "<https://us.posthog.com/x/?personal_api_key="+url.QueryEscape(key)+">; rel=next")
		w.Header().Add("Set-Cookie", "session="+key)
	}
	return newServer(t, script(&rec,
		func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			writeJSON(w, 401, map[string]any{"type": "authentication_error", "code": "authentication_failed",
				"detail": "Personal API key " + key + " is invalid; you sent " + auth(r) + " and " + other, "attr": nil})
		},
		func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			w.Header().Set("Retry-After", "1")
			writeJSON(w, 429, map[string]any{"type": "throttled_error", "code": "throttled", "detail": "throttled " + url.QueryEscape(key), "attr": nil})
		},
		func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			w.WriteHeader(500)
			fmt.Fprintf(w, "<html><pre>\nHTTP_AUTHORIZATION=%s\nquery: personal_api_key=%s&x=1\njson: {\"personal_api_key\": \"%s\"}\n</pre></html>", auth(r), url.QueryEscape(key), key)
		},
		func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			// The key every few bytes: one crosses the cut at 2 KiB, and
			// another the end of what the log captures.
			writeJSON(w, 200, map[string]any{
				"next":    "https://us.posthog.com/api/projects/1/experiment_holdouts/?limit=1000&offset=1000&personal_api_key=" + key,
				"results": []any{map[string]any{"id": 1, "name": key, "description": strings.Repeat(key+" "+other+" ", 100)}}})
		},
		func(w http.ResponseWriter, r *http.Request) {
			echo(w, r)
			writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"id": 2, "name": auth(r)}}})
		},
	)).URL
}

// The debug log of a run that meets 401, 429, 500 and 200 answers holds
// no byte of the key: checked for the key, its escaped forms, and every
// 12-byte piece of it.
func TestDebugLogNeverShowsTheKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{testKey, "phx_with+plus/slash=and&amp;0123456789abcdef"} {
		t.Run(key[:8], func(t *testing.T) {
			t.Parallel()
			var log bytes.Buffer
			url := leakyServer(t, key)
			c, err := New(url, "1", key, WithRetries(4), WithDebug(&log), WithBudget(Budget{}))
			if err != nil {
				t.Fatal(err)
			}
			new(clock).install(c)
			_, err = c.List(context.Background()) // 401: not retried
			if err == nil {
				t.Fatal("no 401")
			}
			if _, err := c.List(context.Background()); err != nil { // 429, 500, then two pages
				t.Fatal(err)
			}
			out := log.String()
			for _, form := range keyForms(key) {
				if strings.Contains(out, form) {
					t.Errorf("the key (as %q) is in the debug log", form)
				}
			}
			secret := key[len("phx_"):]
			for i := 0; i+12 <= len(secret); i++ {
				if strings.Contains(out, secret[i:i+12]) {
					t.Fatalf("a piece of the key, %q, is in the debug log:\n%s", secret[i:i+12], out)
				}
			}
			if m := keyShaped.FindString(out); m != "" {
				t.Errorf("a key-shaped string %q is in the debug log", m)
			}
			for _, want := range []string{
				"debug: GET /api/projects/1/experiment_holdouts/?limit=1000 attempt 1: 401 Unauthorized, ",
				"failure: other 4xx; no retry",
				"attempt 1: 429 Too Many Requests", "failure: 429; retry in 1s",
				"attempt 2: 500 Internal Server Error", "failure: 5xx (not 501, 504); retry in 500ms",
				"attempt 3: 200 OK", "; done",
				"debug:   > Authorization: Bearer [redacted]",
				"debug:   > User-Agent: hogsync/dev",
				"debug:   < Set-Cookie: [redacted]",
				"debug:   < Content-Type: application/json",
				"debug: GET /api/projects/1/experiment_holdouts/?limit=1000&offset=1000 attempt 1: 200 OK",
				", the first ",
			} {
				if !strings.Contains(out, want) {
					t.Errorf("debug log lacks %q", want)
				}
			}
			for i, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
				if !strings.HasPrefix(line, "debug: ") {
					t.Errorf("line %d does not start with \"debug: \": %q", i+1, line)
				}
				if len(line) > debugBodyBytes+200 {
					t.Errorf("line %d is %d bytes: a body was not cut", i+1, len(line))
				}
			}
			if t.Failed() {
				t.Logf("debug log:\n%s", out)
			}
		})
	}
}

// A write's entry shows the request body, and a failed attempt what the
// table says of it.
func TestDebugLogWrites(t *testing.T) {
	t.Parallel()
	var rec recorder
	srv := newServer(t, script(&rec, hangUp, status(502)))
	var log bytes.Buffer
	c := newClient(t, srv.URL, WithDebug(&log), WithRetries(2))
	new(clock).install(c)
	c.Create(context.Background(), HoldoutInput{Name: "n\x1b[31m", Filters: []map[string]any{{"rollout_percentage": 5}}})
	c.Update(context.Background(), 4, HoldoutInput{Name: "n", Filters: []map[string]any{{"rollout_percentage": 5}}})
	out := log.String()
	for _, want := range []string{
		`debug: POST /api/projects/1/experiment_holdouts/ attempt 1: no answer in `,
		`failure: no answer after sending; no retry (the write may have happened): `,
		`debug:   > body (76 bytes): {"name":"n\u001b[31m","description":"","filters":[{"rollout_percentage":5}]}`,
		`debug: PATCH /api/projects/1/experiment_holdouts/4/ attempt 1: 502 Bad Gateway`,
		`failure: 5xx (not 501, 504); retry in 250ms (the write may have happened)`,
		`debug: PATCH /api/projects/1/experiment_holdouts/4/ attempt 2: 502 Bad Gateway`,
		`failure: 5xx (not 501, 504); no retry: attempts used up or stopped (the write may have happened)`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q", want)
		}
	}
	if regexp.MustCompile("[\x00-\x09\x0b-\x1f\x7f]").MatchString(out) {
		t.Errorf("a control character is in the debug log:\n%q", out)
	}
	if t.Failed() {
		t.Logf("debug log:\n%s", out)
	}
}
