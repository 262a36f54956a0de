package client

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
)

// currentServer answers GET /api/projects/@current/ with the project the
// key's owner opened last, which changes after every request, as when a
// user clicks between projects in PostHog while a run goes on.
func currentServer(t *testing.T, rec *recorder) string {
	var current atomic.Int64
	current.Store(41)
	return newServer(t, func(w http.ResponseWriter, r *http.Request) {
		rec.add(r)
		id := current.Add(1) - 1
		switch {
		case r.URL.Path == "/api/projects/@current/":
			writeJSON(w, 200, map[string]any{"id": id, "name": "p", "organization": "o"})
		case strings.HasPrefix(r.URL.Path, "/api/projects/"):
			writeJSON(w, 200, map[string]any{"count": 0, "next": nil, "results": []any{}})
		default:
			http.NotFound(w, r)
		}
	}).URL
}

func TestPinBindsCurrentOnce(t *testing.T) {
	t.Parallel()
	var rec recorder
	c := newProjectClient(t, currentServer(t, &rec), "@current")
	pinned, err := c.Pin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if pinned == c || pinned.Project() != "41" || c.Project() != "@current" {
		t.Fatalf("Pin gave project %q (same client: %v); want a copy bound to 41", pinned.Project(), pinned == c)
	}
	for range 3 {
		if _, err := pinned.List(context.Background()); err != nil {
			t.Fatal(err)
		}
		if _, err := pinned.ListExperiments(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rec.all()
	if reqs[0].Path != "/api/projects/@current/" {
		t.Errorf("first request %s, want the @current lookup", reqs[0].Path)
	}
	for _, r := range reqs[1:] {
		if !strings.HasPrefix(r.Path, "/api/projects/41/") {
			t.Errorf("request after Pin went to %s, want project 41 only", r.Path)
		}
	}
	if pinned.limiter != c.limiter || pinned.key != c.key || pinned.hc != c.hc {
		t.Error("the pinned copy does not share the limiter, key and HTTP client")
	}
}

func TestPinNumericProjectSendsNothing(t *testing.T) {
	t.Parallel()
	var rec recorder
	c := newClient(t, currentServer(t, &rec))
	pinned, err := c.Pin(context.Background())
	if err != nil || pinned != c {
		t.Errorf("Pin = %p, %v; want the client itself", pinned, err)
	}
	if n := rec.count(); n != 0 {
		t.Errorf("%d requests, want none", n)
	}
}

func TestPinRefusesWhatItCannotResolve(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []string
	}{
		{"no project:read", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 403, map[string]any{"type": "authentication_error", "code": "permission_denied", "detail": "API key missing required scope 'project:read'", "attr": nil})
		}, []string{"project @current cannot be resolved with this key", "needs the project:read scope", "pass the numeric project id instead (the number after /project/ in PostHog's URL)", "403"}},
		{"server error", status(500), []string{"project @current cannot be resolved with this key", "500", "pass the numeric project id"}},
		{"no id", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"name": "p"}) },
			[]string{"answered id \"\", not a project id", "pass the numeric project id"}},
		{"id not a number", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, map[string]any{"id": "../2"}) },
			[]string{"cannot be resolved"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newProjectClient(t, newServer(t, tt.handler).URL, "@current")
			pinned, err := c.Pin(context.Background())
			if err == nil {
				t.Fatalf("Pin = project %s, want an error", pinned.Project())
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// The API's error stays reachable.
	c := newProjectClient(t, newServer(t, status(403)).URL, "@current")
	_, err := c.Pin(context.Background())
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 403 {
		t.Errorf("error %v does not wrap the 403", err)
	}
}
