package posthogtest_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

func TestSeed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	at := time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.UTC)
	a := e.emu.Seed(1, posthogtest.Holdout{
		Name:        "a",
		Description: strp("d"),
		Filters:     []map[string]any{{"rollout_percentage": 5, "variant": "whatever", "properties": []any{map[string]any{"key": "k"}}}, {"rollout_percentage": 7.5}},
		CreatedAt:   at,
	})
	want := posthogtest.Holdout{
		ID:          1,
		Name:        "a",
		Description: strp("d"),
		Filters: []map[string]any{
			{"rollout_percentage": json.Number("5"), "variant": "holdout-1", "properties": []any{map[string]any{"key": "k"}}},
			{"rollout_percentage": json.Number("7.5"), "variant": "holdout-1"},
		},
		CreatedBy: ptr(posthogtest.DefaultUser()),
		CreatedAt: at.Truncate(time.Microsecond),
		UpdatedAt: at.Truncate(time.Microsecond),
	}
	if d := cmp.Diff(want, a); d != "" {
		t.Errorf("Seed returned (-want +got):\n%s", d)
	}
	if got, _ := e.emu.Holdout(1, 1); !cmp.Equal(a, got) {
		t.Errorf("Holdout(1, 1) differs from what Seed returned:\n%s", cmp.Diff(a, got))
	}
	// Returned values are copies.
	a.Filters[0]["rollout_percentage"] = json.Number("99")
	*a.Description = "changed"
	if got, _ := e.emu.Holdout(1, 1); got.Filters[0]["rollout_percentage"] != json.Number("5") || *got.Description != "d" {
		t.Error("mutating a returned Holdout changed the emulator")
	}

	b := e.emu.Seed(1, posthogtest.Holdout{ID: 10, Name: "b", CreatedBy: &posthogtest.User{}})
	c := e.emu.Seed(1, posthogtest.Holdout{Name: "c"})
	other := e.emu.Seed(3, posthogtest.Holdout{Name: "other project"})
	if b.ID != 10 || c.ID != 11 || other.ID != 12 || b.CreatedBy != nil || b.Filters == nil {
		t.Errorf("ids %d %d %d, b.CreatedBy %v, b.Filters %#v", b.ID, c.ID, other.ID, b.CreatedBy, b.Filters)
	}
	if _, ok := e.emu.Holdout(1, other.ID); ok {
		t.Error("Holdout(1, id) found a project-3 holdout")
	}
	r := e.do(call{method: "GET", path: holdouts1 + "10/"}).must(t, http.StatusOK)
	if get(r.body, "created_by") != nil || !cmp.Equal(get(r.body, "filters"), []any{}) {
		t.Errorf("seeded b: %s", r.raw)
	}
	r = e.do(call{method: "GET", path: holdouts1 + "1/"}).must(t, http.StatusOK)
	if got := get(r.body, "created_at"); got != "2025-05-06T07:08:09.123456Z" {
		t.Errorf("created_at %v", got)
	}
	e.do(call{method: "GET", path: "/api/projects/3/experiment_holdouts/"}).must(t, http.StatusOK)
	// The API continues the id sequence after seeded ids.
	if got := get(e.create(`{"name":"api","filters":[{"rollout_percentage":1}]}`), "id"); got != num("13") {
		t.Errorf("created id %v, want 13", got)
	}
	var names []string
	for _, h := range e.emu.Holdouts(1) {
		names = append(names, h.Name)
	}
	if d := cmp.Diff([]string{"a", "b", "c", "api"}, names); d != "" {
		t.Errorf("Holdouts(1) (-want +got):\n%s", d)
	}
}

func TestAddKeyCopies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	scopes := []string{"experiment_holdout:read"}
	e.emu.AddKey(keyRead, posthogtest.Key{Scopes: scopes, CurrentProject: 1})
	scopes[0] = "*" // must not widen the registered key
	e.do(call{method: "POST", path: holdouts1, key: keyRead, body: `{}`}).must(t, http.StatusForbidden)
	// A zero User acts as DefaultUser.
	e.emu.AddKey(keyWrite, posthogtest.Key{Scopes: []string{"*"}, CurrentProject: 1})
	r := e.do(call{method: "POST", path: holdouts1, key: keyWrite, body: `{"name":"x","filters":[{"rollout_percentage":1}]}`}).must(t, http.StatusCreated)
	if got := get(r.body, "created_by", "email"); got != posthogtest.DefaultUser().Email {
		t.Errorf("created_by.email %v", got)
	}
}
