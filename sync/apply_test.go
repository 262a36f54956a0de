package sync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// fakeAPI records calls and answers from a per-call script. It keeps the
// holdouts it created, so List after a lost answer can find them.
type fakeAPI struct {
	mu     stdsync.Mutex
	calls  []string
	errs   map[string]error // by call, e.g. "update 2"
	nextID int64
	// onCall runs after each call is recorded and before its scripted
	// error is looked up (to cancel a context, or change the script).
	onCall func(ctx context.Context, call string)
	// lose lists creates whose holdout is made but whose answer is lost
	// (the error returned instead), by name, once each.
	lose    map[string]error
	created []client.Holdout
	// bodies are the PATCH bodies sent, by holdout id, as JSON.
	bodies map[int64][]string
	// listed, when set, is what List returns instead of the creates.
	listed []client.Holdout
}

var _ API = (*fakeAPI)(nil)

func (f *fakeAPI) record(ctx context.Context, call string) error {
	f.mu.Lock()
	f.calls = append(f.calls, call)
	f.mu.Unlock()
	if f.onCall != nil {
		f.onCall(ctx, call)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.errs[call]
}

func (f *fakeAPI) List(ctx context.Context) ([]client.Holdout, error) {
	if err := f.record(ctx, "list"); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]client.Holdout(nil), f.listed...), f.created...), nil
}

func (f *fakeAPI) Create(ctx context.Context, in client.HoldoutInput) (client.Holdout, error) {
	if err := f.record(ctx, "create "+in.Name); err != nil {
		return client.Holdout{}, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.nextID++
	h := client.Holdout{ID: f.nextID, Name: in.Name, Filters: filtersJSON(in.Filters...)}
	if in.Description != "" {
		h.Description = &in.Description
	}
	f.created = append(f.created, h)
	if err, ok := f.lose[in.Name]; ok {
		delete(f.lose, in.Name)
		return client.Holdout{}, err
	}
	return h, nil
}

// Patch records the body as PostHog would receive it (call "update ID").
func (f *fakeAPI) Patch(ctx context.Context, id int64, p client.HoldoutPatch) (client.Holdout, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return client.Holdout{}, err
	}
	f.mu.Lock()
	if f.bodies == nil {
		f.bodies = map[int64][]string{}
	}
	f.bodies[id] = append(f.bodies[id], string(body))
	f.mu.Unlock()
	return client.Holdout{ID: id}, f.record(ctx, fmt.Sprintf("update %d", id))
}

func (f *fakeAPI) Delete(ctx context.Context, id int64) error {
	return f.record(ctx, fmt.Sprintf("delete %d", id))
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
	var inflightErr error
	api := &fakeAPI{onCall: func(reqCtx context.Context, _ string) {
		cancel() // interrupted during the first change...
		inflightErr = reqCtx.Err()
	}}
	rep := Apply(ctx, api, p, ApplyOptions{Parallelism: 4})
	if inflightErr != nil {
		t.Errorf("the in-flight request's context was cancelled (%v): its outcome would be unknown", inflightErr)
	}
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

// lostAnswer is what the client returns when a create's response is lost.
var lostAnswer = &client.APIError{Method: "POST", Path: "/x", StatusCode: http.StatusBadGateway, Detail: "bad gateway"}

func TestApplyCreateWithLostAnswerIsNotDuplicated(t *testing.T) {
	p := samplePlan(t)
	api := &fakeAPI{lose: map[string]error{"checkout-q4": lostAnswer}}
	rep := Apply(context.Background(), api, p, ApplyOptions{})
	r := rep.Results[0]
	if r.Status != Done || r.ID != 1 || !strings.Contains(r.Note, "answer was lost") {
		t.Fatalf("result = %+v", r)
	}
	creates := 0
	for _, c := range api.calls {
		if c == "create checkout-q4" {
			creates++
		}
	}
	if creates != 1 || len(api.created) != 1 {
		t.Errorf("create sent %d times, %d holdouts made; want 1 and 1 (calls %v)", creates, len(api.created), api.calls)
	}
}

func TestApplyCreateRetriedWhenListingShowsItWasNotMade(t *testing.T) {
	p := samplePlan(t)
	api := &fakeAPI{errs: map[string]error{}}
	n := 0
	api.onCall = func(_ context.Context, call string) {
		if call == "create checkout-q4" {
			n++
			api.mu.Lock()
			if n < 3 {
				api.errs[call] = lostAnswer // 502 before anything was made
			} else {
				delete(api.errs, call)
			}
			api.mu.Unlock()
		}
	}
	var slept []time.Duration
	rep := Apply(context.Background(), api, p, ApplyOptions{sleep: func(_ context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}})
	if r := rep.Results[0]; r.Status != Done || len(api.created) != 1 {
		t.Fatalf("result = %+v, made %d", r, len(api.created))
	}
	want := []string{"create checkout-q4", "list", "create checkout-q4", "list", "create checkout-q4"}
	if d := cmp.Diff(want, api.calls[:5]); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if len(slept) != 2 {
		t.Errorf("slept %v between attempts, want 2 pauses", slept)
	}
}

func TestApplyCreateGivesUpAfterAttempts(t *testing.T) {
	p := samplePlan(t)
	api := &fakeAPI{errs: map[string]error{"create checkout-q4": lostAnswer}}
	rep := Apply(context.Background(), api, p, ApplyOptions{CreateAttempts: 2, sleep: func(context.Context, time.Duration) error { return nil }})
	r := rep.Results[0]
	if r.Status != Failed || !strings.Contains(r.Err.Error(), "not made after 2 attempts") {
		t.Fatalf("result = %+v", r)
	}
}

func TestApplyCreateNotRetriedOnClientError(t *testing.T) {
	p := samplePlan(t)
	bad := &client.APIError{Method: "POST", Path: "/x", StatusCode: 400, Detail: "Filters must not be empty."}
	api := &fakeAPI{errs: map[string]error{"create checkout-q4": bad}}
	rep := Apply(context.Background(), api, p, ApplyOptions{})
	if rep.Results[0].Status != Failed || api.calls[0] != "create checkout-q4" || api.calls[1] == "list" {
		t.Errorf("calls = %v, result %+v", api.calls, rep.Results[0])
	}
}

// Phases never overlap, whatever the parallelism: no update starts before
// every create has finished, no delete before every update.
func TestApplyParallelKeepsPhaseOrder(t *testing.T) {
	var ms []manifest.Holdout
	var rs []client.Holdout
	for i := 0; i < 20; i++ {
		ms = append(ms, desired(fmt.Sprintf("new-%02d", i), 1))
		ms = append(ms, desired(fmt.Sprintf("upd-%02d", i), 2))
		rs = append(rs, remote(int64(100+i), fmt.Sprintf("upd-%02d", i), "1"))
		rs = append(rs, remote(int64(200+i), fmt.Sprintf("del-%02d", i), "1"))
	}
	p, err := Compute(ms, rs, nil, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	var inFlight, maxInFlight int
	var mu stdsync.Mutex
	api := &fakeAPI{}
	api.onCall = func(context.Context, string) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		mu.Unlock()
		time.Sleep(time.Millisecond)
		mu.Lock()
		inFlight--
		mu.Unlock()
	}
	rep := Apply(context.Background(), api, p, ApplyOptions{Parallelism: 4})
	if n := rep.Count(Done); n != 60 {
		t.Fatalf("done = %d, want 60", n)
	}
	last := map[byte]int{}
	first := map[byte]int{}
	for i, c := range api.calls {
		k := c[0]
		if _, ok := first[k]; !ok {
			first[k] = i
		}
		last[k] = i
	}
	if last['c'] > first['u'] || last['u'] > first['d'] {
		t.Errorf("phases overlap: %v", api.calls)
	}
	if maxInFlight < 2 || maxInFlight > 4 {
		t.Errorf("max in flight = %d, want 2..4", maxInFlight)
	}
	for i, r := range rep.Results {
		if r.Change.Name != p.Changes[i].Name {
			t.Fatalf("result %d is %q, want plan order (%q)", i, r.Change.Name, p.Changes[i].Name)
		}
	}
}

func TestApplySkipsBlockedChanges(t *testing.T) {
	p := blockedPlan(t)
	api := &fakeAPI{}
	rep := Apply(context.Background(), api, p, ApplyOptions{Parallelism: 2})
	for _, c := range api.calls {
		if c == "update 2" {
			t.Fatal("a blocked change was sent")
		}
	}
	if rep.Count(Blocked) != 1 || rep.Count(Done) != 3 {
		t.Errorf("results: %v", statuses(rep))
	}
	if got := ApplySummary(rep); got != "Apply incomplete: 1 created, 1 updated, 1 deleted; 1 blocked." {
		t.Errorf("summary = %q", got)
	}
	var buf bytes.Buffer
	if err := RenderResult(&buf, rep.Results[2], TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if want := `[3/4] ! update holdout "pricing" (id 2) was not applied: blocked: running experiment "new-pricing-page" (id 7) uses this holdout; it will not be applied without --force` + "\n"; buf.String() != want {
		t.Errorf("result line = %q", buf.String())
	}
}

// After a timeout or a 504 PostHog may still be making the holdout: a
// listing proves nothing yet, so the create is not sent again in this run.
func TestApplyCreateNotResentWhilePostHogMayStillBeMakingIt(t *testing.T) {
	p := samplePlan(t)
	gatewayTimeout := &client.APIError{Method: "POST", Path: "/x", StatusCode: http.StatusGatewayTimeout}
	api := &fakeAPI{errs: map[string]error{"create checkout-q4": gatewayTimeout}}
	rep := Apply(context.Background(), api, p, ApplyOptions{sleep: func(context.Context, time.Duration) error { return nil }})
	r := rep.Results[0]
	if r.Status != Failed || !strings.Contains(r.Err.Error(), "PostHog may still be making it, so it was not sent again") {
		t.Fatalf("result = %+v", r)
	}
	for _, c := range api.calls {
		if c == "list" {
			t.Errorf("listed after a 504: %v", api.calls)
		}
	}
	if n := strings.Count(strings.Join(api.calls, "\n"), "create checkout-q4"); n != 1 {
		t.Errorf("create sent %d times", n)
	}
}

// An update sends only the fields that change: a rename or a description
// edit never carries filters, which would make PostHog re-save every
// linked experiment's flag.
func TestApplyPatchesOnlyWhatChanges(t *testing.T) {
	tests := []struct {
		name    string
		desired manifest.Holdout
		remote  client.Holdout
		want    string
	}{
		{"rename only", desired("b", 10, withPrevious("a")), remote(1, "a", "10"), `{"name":"b"}`},
		{"description only", desired("a", 10, withDescription("new")), remote(1, "a", "10"), `{"description":"new"}`},
		{"description cleared", desired("a", 10), func() client.Holdout { r := remote(1, "a", "10"); r.Description = str("old"); return r }(), `{"description":""}`},
		{"filters only", desired("a", 20), remote(1, "a", "10.0"), `{"filters":[{"rollout_percentage":20}]}`},
		{"rename and filters", desired("b", 20, withPrevious("a")), remote(1, "a", "10"), `{"name":"b","filters":[{"rollout_percentage":20}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compute([]manifest.Holdout{tt.desired}, []client.Holdout{tt.remote}, nil, Options{})
			if err != nil {
				t.Fatal(err)
			}
			api := &fakeAPI{}
			rep := Apply(context.Background(), api, p, ApplyOptions{})
			if rep.Count(Done) != 1 {
				t.Fatalf("results: %v", statuses(rep))
			}
			if d := cmp.Diff(map[int64][]string{1: {tt.want}}, api.bodies); d != "" {
				t.Errorf("PATCH bodies (-want +got):\n%s", d)
			}
		})
	}
}

// A 409 change_request_pending names a request that was waiting already:
// it is this change pending only when its intent is this change.
func TestApplyPendingRequestOfAnotherChange(t *testing.T) {
	p, err := Compute([]manifest.Holdout{desired("a", 20, withDescription("d"))},
		[]client.Holdout{remote(1, "a", "10"), remote(2, "gone", "10")}, nil, Options{Prune: true})
	if err != nil {
		t.Fatal(err)
	}
	conflict := func(code string, cr *client.ChangeRequest) error {
		return &client.APIError{Method: "PATCH", Path: "/x", StatusCode: http.StatusConflict, Code: code, ChangeRequestID: "cr-9", ChangeRequest: cr}
	}
	upd := func(pct string, changes map[string]any) *client.ChangeRequest {
		return &client.ChangeRequest{ID: "cr-9", ActionKey: "experiment_holdout.update", State: "pending",
			DesiredFilters: []map[string]any{{"rollout_percentage": json.Number(pct), "variant": "holdout-1"}}, DesiredChanges: changes}
	}
	del := &client.ChangeRequest{ID: "cr-9", ActionKey: "experiment_holdout.delete", State: "pending"}
	tests := []struct {
		name     string
		call     string // "update 1" or "delete 2"
		err      error
		status   Status
		errParts []string
	}{
		{"created by this change", "update 1", conflict("approval_required", upd("20", nil)), Pending, nil},
		{"created, intent not shown", "update 1", conflict("approval_required", nil), Pending, nil},
		{"same value pending", "update 1", conflict("change_request_pending", upd("20.0", map[string]any{"description": " d "})), Pending, nil},
		{
			"other value pending", "update 1", conflict("change_request_pending", func() *client.ChangeRequest {
				cr := upd("30", nil)
				cr.Description = "Change holdout 'a' exclusion from 10% to 30%"
				return cr
			}()), Failed,
			[]string{"another change is already pending in PostHog (change request cr-9: Change holdout 'a' exclusion from 10% to 30%); approve or cancel it there, then run again"},
		},
		{"other value, no description", "update 1", conflict("change_request_pending", upd("30", nil)), Failed, []string{`(change request cr-9: it would set filters to [{"rollout_percentage":30}])`}},
		{"other name pending", "update 1", conflict("change_request_pending", upd("20", map[string]any{"name": "z"})), Failed, []string{"change request cr-9"}},
		{"other description pending", "update 1", conflict("change_request_pending", upd("20", map[string]any{"description": "x"})), Failed, []string{"change request cr-9"}},
		{"filters in desired_changes only", "update 1", conflict("change_request_pending", &client.ChangeRequest{ID: "cr-9", ActionKey: "experiment_holdout.update",
			DesiredChanges: map[string]any{"filters": []any{map[string]any{"rollout_percentage": json.Number("20")}}}}), Pending, nil},
		{"a delete pending for an update", "update 1", conflict("change_request_pending", del), Failed, []string{"experiment_holdout.delete"}},
		{"intent not shown", "update 1", conflict("change_request_pending", nil), Failed, []string{"PostHog did not show what it would change"}},
		{"delete pending for a delete", "delete 2", conflict("change_request_pending", del), Pending, nil},
		{"update pending for a delete", "delete 2", conflict("change_request_pending", upd("5", nil)), Failed, []string{"change request cr-9"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{errs: map[string]error{tt.call: tt.err}}
			rep := Apply(context.Background(), api, p, ApplyOptions{})
			var r Result
			for _, res := range rep.Results {
				if fmt.Sprintf("%s %d", res.Change.Action, res.Change.ID) == tt.call {
					r = res
				}
			}
			if r.Status != tt.status {
				t.Fatalf("status = %v (%v), want %v", r.Status, r.Err, tt.status)
			}
			if tt.status == Pending && r.ChangeRequestID != "cr-9" {
				t.Errorf("change request = %q", r.ChangeRequestID)
			}
			for _, part := range tt.errParts {
				if r.Err == nil || !strings.Contains(r.Err.Error(), part) {
					t.Errorf("error %v lacks %q", r.Err, part)
				}
			}
		})
	}
}

// A change the reviewed plan showed as blocked stays blocked when the
// plan is applied, even when the plan made now (with --force) is not.
func TestSavedPlanEnforceKeepsBlockedChangesBlocked(t *testing.T) {
	meta := Meta{Host: "h", Project: "1"}
	saved := savedFrom(t, blockedPlan(t), meta)
	now := samplePlan(t) // the same inputs with --force: nothing blocked
	if diffs := saved.Stale(now, meta); len(diffs) != 0 {
		t.Fatalf("stale: %v", diffs)
	}
	enforced := saved.Enforce(now)
	api := &fakeAPI{}
	rep := Apply(context.Background(), api, enforced, ApplyOptions{})
	if slices.Contains(api.calls, "update 2") {
		t.Errorf("the change the reviewed plan showed blocked was sent: %v", api.calls)
	}
	if d := cmp.Diff([]string{
		`create holdout "checkout-q4": done`,
		`rename holdout "search" to "search-v2" (id 4): done`,
		`update holdout "pricing" (id 2): blocked`,
		`delete holdout "legacy" (id 3): done`,
	}, statuses(rep)); d != "" {
		t.Errorf("results (-want +got):\n%s", d)
	}
	if r := BlockedReason(enforced.Changes[2]); !strings.Contains(r, "reviewed plan") {
		t.Errorf("reason = %q", r)
	}
	if now.Changes[2].Blocked() {
		t.Error("Enforce changed the plan it was given")
	}
}

// After an apply that created holdouts, a listing finds any name this run
// created that PostHog now holds twice (two applies at once).
func TestApplyVerifyCreates(t *testing.T) {
	p := samplePlan(t) // creates checkout-q4
	tests := []struct {
		name   string
		listed []client.Holdout
		verify bool
		want   []Duplicate
		lists  int
	}{
		{"another apply made it too", []client.Holdout{remote(50, "checkout-q4", "10")}, true, []Duplicate{{Name: "checkout-q4", IDs: []int64{1, 50}, Created: []int64{1}}}, 1},
		{"only this run made it", []client.Holdout{remote(50, "other", "10")}, true, nil, 1},
		{"not asked", []client.Holdout{remote(50, "checkout-q4", "10")}, false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := &fakeAPI{listed: tt.listed}
			rep := Apply(context.Background(), api, p, ApplyOptions{VerifyCreates: tt.verify})
			if d := cmp.Diff(tt.want, rep.Duplicates); d != "" {
				t.Errorf("duplicates (-want +got):\n%s", d)
			}
			if n := strings.Count(strings.Join(api.calls, ","), "list"); n != tt.lists {
				t.Errorf("listed %d times, want %d", n, tt.lists)
			}
			if len(tt.want) > 0 {
				msg := rep.Duplicates[0].Error()
				if !strings.Contains(msg, `holdout "checkout-q4" now exists 2 times in PostHog (ids 1, 50; this run created 1)`) {
					t.Errorf("message = %q", msg)
				}
				if !strings.HasPrefix(ApplySummary(rep), "Apply incomplete") {
					t.Errorf("summary = %q", ApplySummary(rep))
				}
			}
		})
	}
	// Nothing created: nothing to list.
	api := &fakeAPI{}
	if d, err := VerifyCreates(context.Background(), api, Report{}); d != nil || err != nil || len(api.calls) != 0 {
		t.Errorf("VerifyCreates of no creates = %v, %v after %v", d, err, api.calls)
	}
	failing := &fakeAPI{errs: map[string]error{"list": errors.New("boom")}}
	rep := Report{Results: []Result{{Change: Change{Action: Create, Name: "x"}, Status: Done, ID: 3}}}
	if _, err := VerifyCreates(context.Background(), failing, rep); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("err = %v", err)
	}
}

// Results are numbered in completion order, each once, out of the plan's
// changes.
func TestApplyNumbersResults(t *testing.T) {
	p := blockedPlan(t)
	var seen []int
	rep := Apply(context.Background(), &fakeAPI{}, p, ApplyOptions{Parallelism: 3, OnResult: func(r Result) { seen = append(seen, r.Seq) }})
	if d := cmp.Diff([]int{1, 2, 3, 4}, seen); d != "" {
		t.Errorf("OnResult order (-want +got):\n%s", d)
	}
	var got []int
	for _, r := range rep.Results {
		got = append(got, r.Seq)
		if r.Of != 4 {
			t.Errorf("Of = %d, want 4", r.Of)
		}
	}
	slices.Sort(got)
	if d := cmp.Diff([]int{1, 2, 3, 4}, got); d != "" {
		t.Errorf("seq (-want +got):\n%s", d)
	}
}

func TestStatusStringNeverPanics(t *testing.T) {
	for _, tt := range []struct {
		s    Status
		want string
	}{{Done, "done"}, {Blocked, "blocked"}, {Status(99), "status(99)"}, {Status(-1), "status(-1)"}} {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("Status(%d) = %q, want %q", int(tt.s), got, tt.want)
		}
	}
}
