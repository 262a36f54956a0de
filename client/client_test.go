package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNew(t *testing.T) {
	tests := []struct {
		name        string
		host        string
		project     string
		key         string
		opts        []Option
		wantHost    string
		wantProject string
		wantErr     string // substring; "" means success
	}{
		{name: "https", host: "https://us.posthog.com", project: "1", key: testKey, wantHost: "https://us.posthog.com", wantProject: "1"},
		{name: "trailing slash stripped", host: "https://eu.posthog.com/", project: "2", key: testKey, wantHost: "https://eu.posthog.com", wantProject: "2"},
		{name: "scheme and host lower-cased", host: "HTTPS://US.PostHog.com", project: "1", key: testKey, wantHost: "https://us.posthog.com", wantProject: "1"},
		{name: "path prefix kept", host: "https://example.com/posthog/", project: "1", key: testKey, wantHost: "https://example.com/posthog", wantProject: "1"},
		{name: "port kept", host: "https://example.com:8443", project: "1", key: testKey, wantHost: "https://example.com:8443", wantProject: "1"},
		{name: "http localhost", host: "http://localhost:8000", project: "1", key: testKey, wantHost: "http://localhost:8000", wantProject: "1"},
		{name: "http LOCALHOST", host: "http://LOCALHOST", project: "1", key: testKey, wantHost: "http://localhost", wantProject: "1"},
		{name: "http 127.0.0.1", host: "http://127.0.0.1:8000", project: "1", key: testKey, wantHost: "http://127.0.0.1:8000", wantProject: "1"},
		{name: "http 127.0.0.5", host: "http://127.0.0.5", project: "1", key: testKey, wantHost: "http://127.0.0.5", wantProject: "1"},
		{name: "http [::1]", host: "http://[::1]:8010/", project: "1", key: testKey, wantHost: "http://[::1]:8010", wantProject: "1"},
		{name: "@current", host: "https://us.posthog.com", project: "@current", key: testKey, wantHost: "https://us.posthog.com", wantProject: "@current"},
		{name: "leading zeros dropped", host: "https://us.posthog.com", project: "007", key: testKey, wantHost: "https://us.posthog.com", wantProject: "7"},

		{name: "http non-loopback", host: "http://example.com", project: "1", key: testKey,
			wantErr: `refusing plain http:// for "example.com": the API key would travel unencrypted; use https:// (http is allowed only for loopback hosts)`},
		{name: "http private address", host: "http://10.0.0.1:8000", project: "1", key: testKey, wantErr: `refusing plain http:// for "10.0.0.1"`},
		{name: "http name that merely starts like loopback", host: "http://127.0.0.1.nip.io", project: "1", key: testKey, wantErr: "refusing plain http://"},
		{name: "http localhost subdomain", host: "http://localhost.example.com", project: "1", key: testKey, wantErr: "refusing plain http://"},
		{name: "no scheme", host: "us.posthog.com", project: "1", key: testKey, wantErr: `host "us.posthog.com" has no scheme: use "https://us.posthog.com"`},
		{name: "empty host", host: "", project: "1", key: testKey, wantErr: "host is empty"},
		{name: "other scheme", host: "ftp://us.posthog.com", project: "1", key: testKey, wantErr: `scheme "ftp"`},
		{name: "no host name", host: "https://", project: "1", key: testKey, wantErr: "has no host name"},
		{name: "query", host: "https://us.posthog.com/?x=1", project: "1", key: testKey, wantErr: "must not have a query or fragment"},
		{name: "credentials in URL", host: "https://bob:hunter2@us.posthog.com", project: "1", key: testKey, wantErr: "must not contain a user name or password"},
		{name: "unparsable", host: "https://us posthog.com", project: "1", key: testKey, wantErr: "is not a valid URL"},

		{name: "project zero", host: "https://us.posthog.com", project: "0", key: testKey, wantErr: `project "0" is not a project id`},
		{name: "project negative", host: "https://us.posthog.com", project: "-1", key: testKey, wantErr: `project "-1" is not a project id`},
		{name: "project word", host: "https://us.posthog.com", project: "abc", key: testKey, wantErr: `project "abc"`},
		{name: "project empty", host: "https://us.posthog.com", project: "", key: testKey, wantErr: `project ""`},
		{name: "project fraction", host: "https://us.posthog.com", project: "1.5", key: testKey, wantErr: `project "1.5"`},
		{name: "project padded", host: "https://us.posthog.com", project: " 1", key: testKey, wantErr: `project " 1"`},
		{name: "project path injection", host: "https://us.posthog.com", project: "1/../2", key: testKey, wantErr: `project "1/../2"`},

		{name: "empty key", host: "https://us.posthog.com", project: "1", key: "", wantErr: "API key is empty"},
		{name: "key with trailing newline", host: "https://us.posthog.com", project: "1", key: testKey + "\n", wantErr: "API key has whitespace at byte 39 of 39"},
		{name: "key with space", host: "https://us.posthog.com", project: "1", key: "phx_ab cd", wantErr: "API key has whitespace"},
		{name: "key with control character", host: "https://us.posthog.com", project: "1", key: "phx_ab\x00cd", wantErr: "API key has a control character"},
		{name: "key with non-ASCII", host: "https://us.posthog.com", project: "1", key: "phx_abé", wantErr: "API key has a non-ASCII byte"},

		{name: "bad page size", host: "https://us.posthog.com", project: "1", key: testKey, opts: []Option{WithPageSize(0)}, wantErr: "page size 0 must be at least 1"},
		{name: "bad user agent", host: "https://us.posthog.com", project: "1", key: testKey, opts: []Option{WithUserAgent("x\ny")}, wantErr: "control character"},
		{name: "every problem reported", host: "http://example.com", project: "x", key: "", wantErr: "refusing plain http://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.host, tt.project, tt.key, tt.opts...)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if got := c.Host(); got != tt.wantHost {
					t.Errorf("Host() = %q, want %q", got, tt.wantHost)
				}
				if got := c.Project(); got != tt.wantProject {
					t.Errorf("Project() = %q, want %q", got, tt.wantProject)
				}
				return
			}
			if err == nil {
				t.Fatalf("New succeeded, want error containing %q", tt.wantErr)
			}
			if c != nil {
				t.Errorf("New returned a client with its error")
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %q does not contain %q", err, tt.wantErr)
			}
			if tt.key != "" && strings.Contains(err.Error(), strings.TrimSpace(tt.key)) {
				t.Errorf("error contains the key: %q", err)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("error contains the URL's password: %q", err)
			}
		})
	}
}

func TestNewReportsEveryProblem(t *testing.T) {
	_, err := New("http://example.com", "x", "")
	if err == nil {
		t.Fatal("New succeeded")
	}
	for _, want := range []string{"refusing plain http://", `project "x"`, "API key is empty"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestNewKeyInWrongArgumentNotEchoed(t *testing.T) {
	// A key pasted as the host or the project is echoed by those checks;
	// New must still not print it.
	for _, args := range [][2]string{{testKey, "1"}, {"https://us.posthog.com", testKey}, {"http://" + testKey + ".example", "1"}} {
		_, err := New(args[0], args[1], testKey)
		if err == nil {
			t.Fatalf("New(%q, %q) succeeded", "[key]", "[key]")
		}
		if strings.Contains(err.Error(), testKey) {
			t.Errorf("error contains the key: %q", err)
		}
	}
}

func TestClientPrintsNoKey(t *testing.T) {
	c := newClient(t, "https://us.posthog.com")
	type holder struct {
		c  Client  // unexported value field: fmt cannot call its methods
		pc *Client // unexported pointer field
		C  *Client
	}
	outputs := []string{
		fmt.Sprintf("%v %+v %#v", c, c, c),
		fmt.Sprintf("%v %+v %#v %s %q %x %X %d %T", *c, *c, *c, *c, *c, *c, *c, *c, *c),
		fmt.Sprintf("%s %q %x %d", c, c, c, c),
		fmt.Sprintf("%v %+v %#v", holder{*c, c, c}, holder{*c, c, c}, holder{*c, c, c}),
		fmt.Sprint(c, *c),
		fmt.Sprintln(c, *c),
	}
	b, _ := json.Marshal(c)
	outputs = append(outputs, string(b))
	for _, out := range outputs {
		if strings.Contains(out, testKey) || strings.Contains(out, "Sup3rS3cret") {
			t.Errorf("printed client contains the key: %s", out)
		}
	}
	if got, want := fmt.Sprintf("%v", c), "PostHog client for https://us.posthog.com, project 1"; got != want {
		t.Errorf("%%v = %q, want %q", got, want)
	}
	if got, want := fmt.Sprintf("%#v", c), `client.Client{Host: "https://us.posthog.com", Project: "1"}`; got != want {
		t.Errorf("%%#v = %q, want %q", got, want)
	}
}

func TestRequestHeadersAndBodies(t *testing.T) {
	var rec recorder
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		switch {
		case r.Method == http.MethodGet:
			writeJSON(w, 200, map[string]any{"count": 0, "next": nil, "previous": nil, "results": []any{}})
		case r.Method == http.MethodPost:
			writeJSON(w, 201, map[string]any{"id": 5, "name": "x"})
		case r.Method == http.MethodPatch:
			writeJSON(w, 200, map[string]any{"id": 12, "name": "x"})
		case r.Method == http.MethodDelete:
			w.WriteHeader(http.StatusNoContent)
		}
	})
	in := HoldoutInput{
		Name:        "checkout-q4",
		Description: "Held out of checkout tests",
		Filters:     []map[string]any{{"rollout_percentage": json.Number("10"), "properties": []any{}}},
	}
	wantBody := `{"name":"checkout-q4","description":"Held out of checkout tests","filters":[{"properties":[],"rollout_percentage":10}]}`

	ctx := context.Background()
	for _, ua := range []struct {
		opts []Option
		want string
	}{{nil, "hogsync/dev"}, {[]Option{WithUserAgent("hogsync/1.2.3")}, "hogsync/1.2.3"}} {
		c := newClient(t, srv.URL, ua.opts...)
		before := rec.count()
		if _, err := c.List(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ListExperiments(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Create(ctx, in); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Update(ctx, 12, in); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, 12); err != nil {
			t.Fatal(err)
		}

		type summary struct {
			Method, Path, Query, Auth, Accept, UA, ContentType string
			ContentLength                                      int64
			Chunked                                            bool
			Body                                               string
		}
		var got []summary
		for _, r := range rec.all()[before:] {
			got = append(got, summary{
				Method: r.Method, Path: r.Path, Query: r.Query,
				Auth: r.Header.Get("Authorization"), Accept: r.Header.Get("Accept"),
				UA: r.Header.Get("User-Agent"), ContentType: r.Header.Get("Content-Type"),
				ContentLength: r.ContentLength, Chunked: len(r.TransferEncoding) > 0, Body: r.Body,
			})
		}
		if len(got) > 2 {
			slices.SortFunc(got[1:3], func(a, b summary) int { return strings.Compare(a.Query, b.Query) })
		}
		auth := "Bearer " + testKey
		want := []summary{
			{Method: "GET", Path: "/api/projects/1/experiment_holdouts/", Query: "limit=1000", Auth: auth, Accept: "application/json", UA: ua.want},
			// Archived experiments are listed apart, at the same time.
			{Method: "GET", Path: "/api/projects/1/experiments/", Query: "archived=true&limit=1000", Auth: auth, Accept: "application/json", UA: ua.want},
			{Method: "GET", Path: "/api/projects/1/experiments/", Query: "limit=1000", Auth: auth, Accept: "application/json", UA: ua.want},
			{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", Auth: auth, Accept: "application/json", UA: ua.want,
				ContentType: "application/json", ContentLength: int64(len(wantBody)), Body: wantBody},
			{Method: "PATCH", Path: "/api/projects/1/experiment_holdouts/12/", Auth: auth, Accept: "application/json", UA: ua.want,
				ContentType: "application/json", ContentLength: int64(len(wantBody)), Body: wantBody},
			{Method: "DELETE", Path: "/api/projects/1/experiment_holdouts/12/", Auth: auth, Accept: "application/json", UA: ua.want},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
		for _, r := range rec.all()[before:] {
			if strings.Contains(r.Path+"?"+r.Query, testKey) {
				t.Errorf("key sent in the URL: %s?%s", r.Path, r.Query)
			}
		}
	}
}

func TestPathPrefixAndCurrentProject(t *testing.T) {
	var rec recorder
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		writeJSON(w, 404, map[string]any{"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": nil})
	})
	c, err := New(srv.URL+"/posthog/", "@current", testKey)
	if err != nil {
		t.Fatal(err)
	}
	err = c.Delete(context.Background(), 3)
	if got, want := rec.all()[0].Path, "/posthog/api/projects/@current/experiment_holdouts/3/"; got != want {
		t.Errorf("request path = %q, want %q", got, want)
	}
	want := "delete holdout 3: DELETE /posthog/api/projects/@current/experiment_holdouts/3/: 404 Not Found (not_found): Not found."
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

func TestInvalidIDsSendNothing(t *testing.T) {
	var rec recorder
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { rec.add(r) })
	c := newClient(t, srv.URL)
	if _, err := c.Update(context.Background(), 0, HoldoutInput{Name: "x"}); err == nil || !strings.Contains(err.Error(), "update holdout 0: the id must be positive") {
		t.Errorf("Update(0) error = %v", err)
	}
	if err := c.Delete(context.Background(), -4); err == nil || !strings.Contains(err.Error(), "delete holdout -4: the id must be positive") {
		t.Errorf("Delete(-4) error = %v", err)
	}
	if n := rec.count(); n != 0 {
		t.Errorf("%d requests sent, want 0", n)
	}
}

func TestWriteResponses(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    Holdout
		wantErr string
	}{
		{name: "decoded with json.Number", status: 200,
			body: `{"id":3,"name":"n","description":null,"filters":[{"variant":"holdout-3","rollout_percentage":5.5,"properties":[{"key":"k","value":[1,2]}]}],"created_at":"a","updated_at":"b","user_access_level":"manager"}`,
			want: Holdout{ID: 3, Name: "n", Filters: filtersJSON(map[string]any{
				"variant": "holdout-3", "rollout_percentage": json.Number("5.5"),
				"properties": []any{map[string]any{"key": "k", "value": []any{json.Number("1"), json.Number("2")}}},
			}), CreatedAt: "a", UpdatedAt: "b"}},
		{name: "bad JSON", status: 200, body: `{"id":3,`, wantErr: "update holdout 3: PATCH /api/projects/1/experiment_holdouts/3/: decode 200 response (Content-Type application/json): unexpected EOF"},
		{name: "empty body", status: 200, body: ``, wantErr: "decode 200 response (Content-Type application/json): empty body, expected JSON"},
		{name: "trailing data", status: 200, body: `{"id":3} {"id":4}`, wantErr: "unexpected data after the JSON value"},
		{name: "wrong type", status: 200, body: `{"id":"3"}`, wantErr: "cannot unmarshal string"},
		{name: "no id", status: 200, body: `{"name":"x"}`, wantErr: "update holdout 3: PATCH /api/projects/1/experiment_holdouts/3/: response has no holdout id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tt.status)
				w.Write([]byte(tt.body))
			})
			got, err := newClient(t, srv.URL).Update(context.Background(), 3, HoldoutInput{Name: "n"})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				if IsAmbiguous(err) {
					t.Errorf("IsAmbiguous(%v) = true for a complete 2xx answer", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, byGroups); diff != "" {
				t.Errorf("holdout (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRedirectNotFollowed(t *testing.T) {
	var elsewhere recorder
	other := newServer(t, func(w http.ResponseWriter, r *http.Request) { elsewhere.add(r) })
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	_, err := newClient(t, srv.URL).List(context.Background())
	var ae *APIError
	if !asAPIError(err, &ae) || ae.StatusCode != http.StatusFound {
		t.Fatalf("error = %v, want a 302 *APIError", err)
	}
	if !strings.Contains(ae.Body, "not followed") || !strings.Contains(ae.Body, other.URL) {
		t.Errorf("Body = %q, want it to name the redirect target and say it was not followed", ae.Body)
	}
	if n := elsewhere.count(); n != 0 {
		t.Errorf("redirect target got %d requests, want 0", n)
	}
}

// A patch sends only the fields it sets: a rename must not carry filters,
// or PostHog re-saves every linked experiment's feature flag.
func TestPatchSendsOnlyTheFieldsSet(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, string(b))
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"id":3,"name":"n","description":null,"filters":[{"rollout_percentage":5,"variant":"holdout-3"}]}`)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "1", "phx_test_key_123456")
	if err != nil {
		t.Fatal(err)
	}
	name, desc := "renamed", ""
	for _, p := range []HoldoutPatch{
		{Name: &name},
		{Description: &desc},
		{Filters: []map[string]any{{"rollout_percentage": 5}}},
	} {
		if _, err := c.Patch(context.Background(), 3, p); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{`{"name":"renamed"}`, `{"description":""}`, `{"filters":[{"rollout_percentage":5}]}`}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("bodies sent (-want +got):\n%s", d)
	}
	if _, err := c.Patch(context.Background(), 3, HoldoutPatch{}); err == nil {
		t.Error("an empty patch was sent")
	}
}
