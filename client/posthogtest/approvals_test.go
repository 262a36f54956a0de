package posthogtest_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// approvalEnv has project 2 with holdouts 50 "gated" and 51 "gated-2"
// (exclusion 10), as in the wire examples, and approvals on.
func approvalEnv(t *testing.T) *env {
	e := newEnv(t)
	e.emu.AddProject(2)
	e.emu.Seed(2, posthogtest.Holdout{ID: 50, Name: "gated", Filters: []map[string]any{{"rollout_percentage": 10}}})
	e.emu.Seed(2, posthogtest.Holdout{ID: 51, Name: "gated-2", Filters: []map[string]any{{"rollout_percentage": 10}}})
	e.emu.SetApprovals(true)
	return e
}

// checkWire409 compares r with a wire example, uuids and times scrubbed,
// and returns the change request id.
func checkWire409(t *testing.T, r reply, file string) string {
	t.Helper()
	w := loadWire(t, file)
	if r.status != w.Status {
		t.Fatalf("status %d, want %d; body %s", r.status, w.Status, r.raw)
	}
	for _, h := range []string{"Content-Type", "Allow"} {
		if got := r.header.Get(h); got != w.Headers[h] {
			t.Errorf("%s %q, want %q", h, got, w.Headers[h])
		}
	}
	ignore := []string{"change_request_id", "id", "created_at", "updated_at", "expires_at"}
	if d := cmp.Diff(scrub(w.body(t), "", ignore...), scrub(r.body, "", ignore...)); d != "" {
		t.Errorf("%s body (-want +got):\n%s", file, d)
	}
	id, _ := get(r.body, "change_request_id").(string)
	if !uuidRE.MatchString(id) || get(r.body, "change_request", "id") != id {
		t.Errorf("change_request_id %q, change_request.id %v", id, get(r.body, "change_request", "id"))
	}
	return id
}

func TestApprovalWireExamples(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	before := e.emu.Holdouts(2)
	patch := call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":20}]}`}

	first := checkWire409(t, e.do(patch), "error-409-approval-update.json")
	again := checkWire409(t, e.do(patch), "error-409-approval-pending.json")
	if again != first {
		t.Errorf("pending answer names %s, want the pending request %s", again, first)
	}
	del := checkWire409(t, e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/51/"}), "error-409-approval-delete.json")
	if del == first {
		t.Error("two change requests share a uuid")
	}
	if d := cmp.Diff(before, e.emu.Holdouts(2)); d != "" {
		t.Errorf("gated requests changed state (-before +after):\n%s", d)
	}

	// The delete path's pending answer (the viewset's) says it under
	// "error" and names the request under existing_change_request.
	r := e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/51"}).must(t, http.StatusConflict)
	if got, want := keys(r.body), []string{"code", "error", "resource_type", "resource_id", "change_request_id", "existing_change_request"}; !cmp.Equal(got, want) {
		t.Errorf("delete pending keys %v, want %v", got, want)
	}
	if get(r.body, "code") != "change_request_pending" || get(r.body, "change_request_id") != del ||
		get(r.body, "error") != "A pending approval request already exists for this action" ||
		get(r.body, "existing_change_request", "id") != del || get(r.body, "existing_change_request", "intent", "gated_changes", "deleted") != true {
		t.Errorf("delete pending body %s", r.raw)
	}

	want := []posthogtest.ChangeRequest{
		{ID: first, ActionKey: "experiment_holdout.update", Project: 2, HoldoutID: 50, State: "pending",
			Changes: map[string]any{"filters": []any{map[string]any{"rollout_percentage": num("20")}}}},
		{ID: del, ActionKey: "experiment_holdout.delete", Project: 2, HoldoutID: 51, State: "pending"},
	}
	if d := cmp.Diff(want, e.emu.ChangeRequests(), cmpIgnoreTimes, cmp.FilterPath(func(p cmp.Path) bool {
		return p.Last().String() == ".CreatedAt"
	}, cmp.Ignore())); d != "" {
		t.Errorf("ChangeRequests (-want +got):\n%s", d)
	}
}

func TestApprovalNotGated(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	for _, body := range []string{
		`{"name":"renamed"}`,
		`{"description":"only words"}`,
		`{"filters":[{"rollout_percentage":10.0,"properties":[{"key":"k"}]}]}`, // same first percentage
		`{"filters":[{"rollout_percentage":10},{"rollout_percentage":99}]}`,    // only a later group changes
	} {
		e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: body}).must(t, http.StatusOK)
	}
	if h, _ := e.emu.Holdout(2, 50); h.Name != "renamed" || len(h.Filters) != 2 {
		t.Errorf("after ungated patches: %+v", h)
	}
	// Validation and lookup come before the gate.
	e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":500}]}`}).
		checkError(t, 400, validation("invalid_input", "Rollout percentage must be between 0 and 100.", "filters"))
	e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/99/"}).
		checkError(t, 404, errorBody{"invalid_request", "not_found", "Not found.", nil})
	// PUT is gated like PATCH.
	e.do(call{method: "PUT", path: "/api/projects/2/experiment_holdouts/50/", body: `{"name":"p","filters":[{"rollout_percentage":11}]}`}).must(t, http.StatusConflict)
	if n := len(e.emu.ChangeRequests()); n != 1 {
		t.Errorf("%d change requests, want 1", n)
	}
	// Approvals off: writes go straight through again.
	e.emu.SetApprovals(false)
	e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/51/"}).must(t, http.StatusNoContent)
}

func TestApprove(t *testing.T) {
	t.Parallel()
	t.Run("update replays name, description and filters", func(t *testing.T) {
		e := approvalEnv(t)
		before, _ := e.emu.Holdout(2, 50)
		r := e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"name":"  new name ","filters":[{"rollout_percentage":40,"variant":"x"}]}`}).must(t, http.StatusConflict)
		id := get(r.body, "change_request_id").(string)
		if h, _ := e.emu.Holdout(2, 50); h.Name != "gated" {
			t.Fatalf("gated rename applied early: %q", h.Name)
		}
		if err := e.emu.Approve(id); err != nil {
			t.Fatal(err)
		}
		after, _ := e.emu.Holdout(2, 50)
		want := before
		want.Name = "new name"
		want.Filters = []map[string]any{{"rollout_percentage": num("40"), "variant": "holdout-50"}}
		if d := cmp.Diff(want, after, cmpIgnoreTimes); d != "" {
			t.Errorf("after approval (-want +got):\n%s", d)
		}
		if !after.UpdatedAt.After(before.UpdatedAt) {
			t.Error("approval did not move updated_at")
		}
		crs := e.emu.ChangeRequests()
		if crs[0].State != "applied" || crs[0].AppliedAt.IsZero() {
			t.Errorf("change request after approval: %+v", crs[0])
		}
		if err := e.emu.Approve(id); err == nil {
			t.Error("approving an applied change request succeeded")
		}
		// With nothing pending, the same change makes a new request.
		r = e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":41}]}`}).must(t, http.StatusConflict)
		if get(r.body, "code") != "approval_required" || get(r.body, "change_request_id") == id {
			t.Errorf("second change: %s", r.raw)
		}
	})
	t.Run("delete", func(t *testing.T) {
		e := approvalEnv(t)
		x := e.emu.AddExperiment(2, posthogtest.Experiment{Name: "uses 51", HoldoutID: 51})
		r := e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/51/"}).must(t, http.StatusConflict)
		if got := get(r.body, "change_request", "intent", "affected_experiments"); !cmp.Equal(got, []any{[]kv{{"id", num("1")}, {"name", "uses 51"}}}) {
			t.Errorf("affected_experiments %v", got)
		}
		if got := get(r.body, "change_request", "intent_display", "description"); got != "Delete holdout 'gated-2', releasing its users into 1 experiments" {
			t.Errorf("description %v", got)
		}
		if err := e.emu.Approve(get(r.body, "change_request_id").(string)); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.emu.Holdout(2, 51); ok {
			t.Error("holdout survived an approved delete")
		}
		if got := e.emu.Experiments(2); got[0].ID != x.ID || got[0].HoldoutID != 0 {
			t.Errorf("experiment after delete: %+v", got)
		}
	})
	t.Run("stale percentage", func(t *testing.T) {
		e := approvalEnv(t)
		r := e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":20}]}`}).must(t, http.StatusConflict)
		e.emu.SetApprovals(false)
		e.do(call{method: "PATCH", path: "/api/projects/2/experiment_holdouts/50/", body: `{"filters":[{"rollout_percentage":30}]}`}).must(t, http.StatusOK)
		err := e.emu.Approve(get(r.body, "change_request_id").(string))
		if err == nil || !strings.Contains(err.Error(), "stale") {
			t.Fatalf("Approve of a stale change: %v", err)
		}
		if h, _ := e.emu.Holdout(2, 50); h.Filters[0]["rollout_percentage"] != num("30") {
			t.Errorf("stale change applied: %v", h.Filters)
		}
		if cr := e.emu.ChangeRequests()[0]; cr.State != "failed" || cr.Error == "" {
			t.Errorf("stale change request: %+v", cr)
		}
	})
	t.Run("stale experiments", func(t *testing.T) {
		e := approvalEnv(t)
		r := e.do(call{method: "DELETE", path: "/api/projects/2/experiment_holdouts/51/"}).must(t, http.StatusConflict)
		e.emu.AddExperiment(2, posthogtest.Experiment{Name: "joined", HoldoutID: 51})
		if err := e.emu.Approve(get(r.body, "change_request_id").(string)); err == nil {
			t.Fatal("Approve succeeded although an experiment joined")
		}
		if _, ok := e.emu.Holdout(2, 51); !ok {
			t.Error("holdout deleted by a stale approval")
		}
	})
	t.Run("unknown", func(t *testing.T) {
		e := approvalEnv(t)
		if err := e.emu.Approve("nope"); err == nil {
			t.Error("Approve of an unknown id succeeded")
		}
	})
}

// TestApprovalPendingIsKeyedByAction checks PostHog's duplicate rule: a
// request for the same action and holdout that is pending or approved
// blocks every other gated change of it, whatever the value, and the 409
// names that request and its intent.
func TestApprovalPendingIsKeyedByAction(t *testing.T) {
	t.Parallel()
	e := approvalEnv(t)
	path := "/api/projects/2/experiment_holdouts/50/"
	first := e.do(call{method: "PATCH", path: path, body: `{"filters":[{"rollout_percentage":20}]}`}).must(t, http.StatusConflict)
	id := get(first.body, "change_request_id").(string)

	other := e.do(call{method: "PATCH", path: path, body: `{"name":"n","filters":[{"rollout_percentage":30}]}`}).must(t, http.StatusConflict)
	if get(other.body, "code") != "change_request_pending" || get(other.body, "change_request_id") != id {
		t.Fatalf("another value while pending: %s", other.raw)
	}
	// The body names the pending request's intent (20), not this one (30).
	if got := get(other.body, "change_request", "intent", "desired_filters", 0, "rollout_percentage"); got != num("20") {
		t.Errorf("desired_filters percentage %v, want the pending 20", got)
	}
	if got := get(other.body, "change_request", "intent", "desired_changes"); !cmp.Equal(keys(got), []string{"filters"}) {
		t.Errorf("desired_changes %v, want the pending request's fields", got)
	}
	if got := get(other.body, "change_request", "intent_display", "description"); got != "Change holdout 'gated' exclusion from 10% to 20%, affecting 0 experiments" {
		t.Errorf("intent_display %v", got)
	}
	// Another action is another key: a delete makes its own request.
	del := e.do(call{method: "DELETE", path: path}).must(t, http.StatusConflict)
	if get(del.body, "code") != "approval_required" || get(del.body, "change_request_id") == id {
		t.Errorf("delete while an update is pending: %s", del.raw)
	}
	// Approved but not yet applied still blocks.
	if err := e.emu.MarkApproved(id); err != nil {
		t.Fatal(err)
	}
	again := e.do(call{method: "PATCH", path: path, body: `{"filters":[{"rollout_percentage":40}]}`}).must(t, http.StatusConflict)
	if get(again.body, "change_request_id") != id || get(again.body, "change_request", "state") != "approved" {
		t.Errorf("change while approved: %s", again.raw)
	}
	if err := e.emu.MarkApproved(id); err == nil {
		t.Error("MarkApproved of an approved request succeeded")
	}
	if err := e.emu.Approve(id); err != nil {
		t.Fatal(err)
	}
	if h, _ := e.emu.Holdout(2, 50); h.Filters[0]["rollout_percentage"] != num("20") {
		t.Errorf("after approval: %v", h.Filters)
	}
	// Applied: the next gated change makes a new request.
	next := e.do(call{method: "PATCH", path: path, body: `{"filters":[{"rollout_percentage":40}]}`}).must(t, http.StatusConflict)
	if get(next.body, "code") != "approval_required" || get(next.body, "change_request_id") == id {
		t.Errorf("change after the request applied: %s", next.raw)
	}
	if n := len(e.emu.ChangeRequests()); n != 3 {
		t.Errorf("%d change requests, want 3 (update, delete, update)", n)
	}
}
