package ghactions

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hogsync/hogsync/ghactions/githubtest"
)

var driftMarker = DriftMarker("p1")

// Acceptance (issue 12, library side): drift opens one issue, a change
// updates it, the same drift leaves it alone, no drift closes it.
func TestSyncDriftIssueLifecycle(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	ctx := context.Background()
	const title = "hogsync: PostHog has drifted from the repository"
	body1 := driftMarker + "\n1 holdout changed in PostHog"
	body2 := driftMarker + "\n2 holdouts changed in PostHog"

	steps := []struct {
		name  string
		body  string
		drift bool
		want  DriftAction
		state Issue
		edits int // PATCHes of the issue so far
	}{
		{"drift", body1, true, DriftOpened, Issue{Title: title, Body: body1, State: "open", Labels: []string{DriftLabel}}, 0},
		{"the same drift", body1, true, DriftUnchanged, Issue{Title: title, Body: body1, State: "open", Labels: []string{DriftLabel}}, 0},
		{"other drift", body2, true, DriftUpdated, Issue{Title: title, Body: body2, State: "open", Labels: []string{DriftLabel}}, 1},
		{"no drift", "", false, DriftClosed, Issue{Title: title, Body: body2, State: "closed", StateReason: "completed", Labels: []string{DriftLabel}}, 2},
		{"still no drift", "", false, DriftNone, Issue{Title: title, Body: body2, State: "closed", StateReason: "completed", Labels: []string{DriftLabel}}, 2},
	}
	for _, st := range steps {
		res, err := c.SyncDriftIssue(ctx, driftMarker, title, st.body, st.drift)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if res.Action != st.want {
			t.Errorf("%s: %v, want %v", st.name, res.Action, st.want)
		}
		issues := gh.Issues()
		if len(issues) != 1 {
			t.Fatalf("%s: %d issues, want 1", st.name, len(issues))
		}
		if st.want != DriftNone && (res.Issue != issues[0].Number || !strings.HasSuffix(res.URL, "/issues/1000")) {
			t.Errorf("%s: result names issue %d (%s)", st.name, res.Issue, res.URL)
		}
		st.state.User = ActionsBot
		if d := cmp.Diff(st.state, issues[0], cmpopts.IgnoreFields(Issue{}, "Number")); d != "" {
			t.Errorf("%s: issue (-want +got):\n%s", st.name, d)
		}
		if n := countRequests(gh, "PATCH", "/repos/o/r/issues/1000"); n != st.edits {
			t.Errorf("%s: %d edits of the issue, want %d", st.name, n, st.edits)
		}
	}
	closing := gh.Comments(1000)
	if len(closing) != 1 || !strings.Contains(closing[0].Body, "no drift") {
		t.Errorf("closing comments: %+v", closing)
	}
}

// Issue is githubtest's, here for short.
type Issue = githubtest.Issue

// Only issues written by the token's own account count: another
// account's issue with the marker is never edited or closed.
func TestSyncDriftIssueLeavesOthersIssuesAlone(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	forged := driftMarker + "\nnot written by hogsync"
	gh.AddIssue("mallory", "forged", forged)
	gh.AddIssue("renovate[bot]", "forged", forged)
	c, _ := newTestClient(t, gh)
	res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nreal", true)
	if err != nil || res.Action != DriftOpened {
		t.Fatalf("%v %v", res.Action, err)
	}
	if _, err := c.SyncDriftIssue(context.Background(), driftMarker, "", "", false); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, is := range gh.Issues() {
		got = append(got, is.User+" "+is.State+" "+is.Body)
	}
	want := []string{"mallory open " + forged, "renovate[bot] open " + forged, ActionsBot + " closed " + driftMarker + "\nreal"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("issues (-want +got):\n%s", d)
	}
}

func TestSyncDriftIssueWithoutLabels(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	gh.RejectLabels(true)
	c, _ := newTestClient(t, gh)
	res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nx", true)
	if err != nil || res.Action != DriftOpened {
		t.Fatalf("%v %v", res.Action, err)
	}
	if is := gh.Issues(); len(is) != 1 || len(is[0].Labels) != 0 {
		t.Errorf("issues: %+v", is)
	}
}

func TestSyncDriftIssueClosesDuplicates(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	first := gh.AddIssue(ActionsBot, "drift", driftMarker+"\nold")
	dup := gh.AddIssue(ActionsBot, "drift", driftMarker+"\nold")
	c, _ := newTestClient(t, gh)
	res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nnew", true)
	if err != nil {
		t.Fatal(err)
	}
	want := DriftResult{Action: DriftUpdated, Issue: first, URL: "https://github.com/o/r/issues/1000", Duplicates: []int{dup}}
	if d := cmp.Diff(want, res); d != "" {
		t.Errorf("result (-want +got):\n%s", d)
	}
	if is := gh.Issues(); is[0].State != "open" || is[0].Body != driftMarker+"\nnew" || is[1].State != "closed" {
		t.Errorf("issues: %+v", is)
	}
}

// An issue whose create got no answer is looked for before it is created
// again: one issue, whether or not the lost request was made.
func TestSyncDriftIssueNeverOpensTwo(t *testing.T) {
	t.Parallel()
	for _, lost := range []bool{true, false} {
		gh := newFake(t)
		gh.Fail(githubtest.Failure{Method: "POST", Path: "/repos/o/r/issues", Status: 500, Times: 1, Lost: lost})
		c, _ := newTestClient(t, gh)
		res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nx", true)
		if err != nil || res.Action != DriftOpened {
			t.Fatalf("made=%v: %v %v", lost, res.Action, err)
		}
		if n := len(gh.Issues()); n != 1 {
			t.Errorf("made=%v: %d issues", lost, n)
		}
	}
}

func TestSyncDriftIssueRefusesBadInput(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	for _, in := range []struct{ marker, title, body string }{
		{"", "t", "b"},
		{"<!-- a -->\n<!-- b -->", "t", "<!-- a -->\n<!-- b -->"},
		{driftMarker, "t", "no marker first\n" + driftMarker},
		{driftMarker, " ", driftMarker + "\nx"},
	} {
		if _, err := c.SyncDriftIssue(context.Background(), in.marker, in.title, in.body, true); err == nil {
			t.Errorf("%+v: no error", in)
		}
	}
	if n := len(gh.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestSyncDriftIssueFoundPastSpam: more open issues by others than the
// lookup could page through, all older than the drift issue (labelled,
// or not when labels were refused), hide neither: GitHub filters by
// creator (and label), so the drift issue is on the first page.
func TestSyncDriftIssueFoundPastSpam(t *testing.T) {
	t.Parallel()
	for _, labels := range [][]string{{DriftLabel}, nil} {
		gh := newFake(t)
		for range maxPages*100 + 50 {
			gh.AddIssue("mallory", "spam", "spam", DriftLabel) // labels a stranger cannot set; stricter still
		}
		n := gh.AddIssue(ActionsBot, "drift", driftMarker+"\nold", labels...)
		c, _ := newTestClient(t, gh)
		res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nnew", true)
		if err != nil || res.Action != DriftUpdated || res.Issue != n {
			t.Fatalf("labels %q: %v #%d %v, want the drift issue #%d updated", labels, res.Action, res.Issue, err, n)
		}
		if got := len(gh.Issues()); got != maxPages*100+51 {
			t.Errorf("labels %q: %d issues: one was opened", labels, got)
		}
		lists := 0
		for _, r := range gh.Requests() {
			if r.Method == "GET" && strings.HasPrefix(r.Path, "/repos/o/r/issues") {
				lists++
			}
		}
		if lists > 2 {
			t.Errorf("labels %q: %d listings to find the issue", labels, lists)
		}
	}
}

// TestSyncDriftIssueCreatorRefused: should GitHub refuse the creator
// filter, the label alone still finds the issue.
func TestSyncDriftIssueCreatorRefused(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	gh.RejectCreator(true)
	n := gh.AddIssue(ActionsBot, "drift", driftMarker+"\nold", DriftLabel)
	c, _ := newTestClient(t, gh)
	res, err := c.SyncDriftIssue(context.Background(), driftMarker, "drift", driftMarker+"\nnew", true)
	if err != nil || res.Action != DriftUpdated || res.Issue != n {
		t.Fatalf("%v #%d %v, want #%d updated", res.Action, res.Issue, err, n)
	}
}
