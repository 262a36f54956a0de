package sync

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
)

// fakeAPI records calls and answers from a per-call script.
type fakeAPI struct {
	calls  []string
	errs   map[string]error // by call, e.g. "update 2"
	nextID int64
	// onCall runs after each call is recorded (to cancel a context, say).
	onCall func(call string)
}

var _ API = (*fakeAPI)(nil)

func (f *fakeAPI) record(call string) error {
	f.calls = append(f.calls, call)
	if f.onCall != nil {
		f.onCall(call)
	}
	return f.errs[call]
}

func (f *fakeAPI) Create(_ context.Context, in client.HoldoutInput) (client.Holdout, error) {
	if err := f.record("create " + in.Name); err != nil {
		return client.Holdout{}, err
	}
	f.nextID++
	return client.Holdout{ID: f.nextID, Name: in.Name}, nil
}

func (f *fakeAPI) Update(_ context.Context, id int64, in client.HoldoutInput) (client.Holdout, error) {
	return client.Holdout{ID: id, Name: in.Name}, f.record(fmt.Sprintf("update %d", id))
}

func (f *fakeAPI) Delete(_ context.Context, id int64) error {
	return f.record(fmt.Sprintf("delete %d", id))
}

func statuses(r Report) []string {
	var out []string
	for _, res := range r.Results {
		out = append(out, Headline(res.Change)+": "+res.Status.String())
	}
	return out
}

func TestApplyOrderAndOutcomes(t *testing.T) {
	p := samplePlan(t) // create checkout-q4; rename 4; update 2; delete 3
	pending := &client.APIError{Method: "PATCH", Path: "/x", StatusCode: http.StatusConflict, Code: "approval_required", ChangeRequestID: "cr-1"}
	bad := &client.APIError{Method: "PATCH", Path: "/x", StatusCode: 400, Code: "invalid_input", Detail: "Rollout percentage must be between 0 and 100.", Attr: "filters"}
	gone := &client.APIError{Method: "DELETE", Path: "/x", StatusCode: 404, Code: "not_found", Detail: "Not found."}
	api := &fakeAPI{nextID: 100, errs: map[string]error{"update 4": bad, "update 2": pending, "delete 3": gone}}

	var streamed []Result
	rep := Apply(context.Background(), api, p, ApplyOptions{OnResult: func(r Result) { streamed = append(streamed, r) }})

	if d := cmp.Diff([]string{"create checkout-q4", "update 4", "update 2", "delete 3"}, api.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	want := []string{
		`create holdout "checkout-q4": done`,
		`rename holdout "search" to "search-v2" (id 4): failed`,
		`update holdout "pricing" (id 2): pending approval`,
		`delete holdout "legacy" (id 3): done`,
	}
	if d := cmp.Diff(want, statuses(rep)); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if len(streamed) != len(rep.Results) {
		t.Errorf("OnResult called %d times, want %d", len(streamed), len(rep.Results))
	}
	if rep.Results[0].ID != 101 {
		t.Errorf("created id = %d, want 101", rep.Results[0].ID)
	}
	if rep.Results[2].ChangeRequestID != "cr-1" {
		t.Errorf("change request = %q", rep.Results[2].ChangeRequestID)
	}
	if !errors.Is(rep.Results[1].Err, bad) {
		t.Errorf("failure err = %v", rep.Results[1].Err)
	}
	if got := ApplySummary(rep); got != "Apply incomplete: 1 created, 0 updated, 1 deleted; 1 failed, 1 pending approval." {
		t.Errorf("summary = %q", got)
	}

	var buf bytes.Buffer
	for _, r := range rep.Results {
		if err := RenderResult(&buf, r, TextOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	golden(t, "apply-results.golden", buf.Bytes())
}

func TestApplyStopsStartingChangesWhenCancelled(t *testing.T) {
	p := samplePlan(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	api := &fakeAPI{onCall: func(string) { cancel() }} // interrupted during the first change
	rep := Apply(ctx, api, p, ApplyOptions{})
	if len(api.calls) != 1 {
		t.Errorf("calls after cancel = %v, want only the first", api.calls)
	}
	if got, want := rep.Count(NotAttempted), len(p.Changes)-1; got != want {
		t.Errorf("not attempted = %d, want %d", got, want)
	}
	if rep.Results[0].Status != Done {
		t.Errorf("in-flight change = %v, want done", rep.Results[0].Status)
	}
	if s := ApplySummary(rep); !strings.Contains(s, "3 not attempted") {
		t.Errorf("summary = %q", s)
	}
}

func TestApplySummaryComplete(t *testing.T) {
	p := samplePlan(t)
	rep := Apply(context.Background(), &fakeAPI{}, p, ApplyOptions{})
	if got := ApplySummary(rep); got != "Apply complete: 1 created, 2 updated, 1 deleted." {
		t.Errorf("summary = %q", got)
	}
}
