package run

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/ghactions"
	"github.com/hogsync/hogsync/ghactions/githubtest"
)

const (
	ghMergeSHA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	ghHeadSHA  = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// ghEnv is the Actions environment of a push to main, against gh.
func ghEnv(t *testing.T, gh *githubtest.Server) map[string]string {
	t.Helper()
	event := filepath.Join(t.TempDir(), "event.json")
	if err := os.WriteFile(event, []byte(`{"ref":"refs/heads/main","repository":{"default_branch":"main"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"GITHUB_API_URL": gh.URL, "GITHUB_TOKEN": gh.Token, "GITHUB_REPOSITORY": gh.Repo,
		"GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/main", "GITHUB_SHA": ghMergeSHA,
		"GITHUB_EVENT_PATH": event,
	}
}

func getenvOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestFetchReviewedPlan(t *testing.T) {
	t.Parallel()
	gh := newGitHub(t)
	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: ghHeadSHA, Merged: true, MergeCommitSHA: ghMergeSHA})
	plan := []byte(`{"format_version":"1"}`)
	gh.AddArtifact(githubtest.Artifact{Name: ghactions.PlanArtifactName(ghHeadSHA), HeadSHA: ghHeadSHA,
		Zip: githubtest.Zip(map[string][]byte{ghactions.PlanFileName: plan})})
	env := ghEnv(t, gh)
	rp, err := fetchReviewedPlan(context.Background(), getenvOf(env))
	if err != nil || rp.Status != ghactions.ReviewedPlanFound || rp.PR != 7 || string(rp.Plan) != string(plan) {
		t.Fatalf("got %+v, %v", rp, err)
	}
	use, warn, err := reviewedPlanDecision(reviewedPlanRequire, rp)
	if !use || warn != "" || err != nil {
		t.Errorf("decision: %v %q %v", use, warn, err)
	}
}

func TestFetchReviewedPlanOnlyOnAPushToTheDefaultBranch(t *testing.T) {
	t.Parallel()
	gh := newGitHub(t)
	tests := []struct {
		name string
		set  map[string]string
		want string
	}{
		{"a pull request", map[string]string{"GITHUB_EVENT_NAME": "pull_request"}, `this run is a "pull_request" event`},
		{"another branch", map[string]string{"GITHUB_REF": "refs/heads/release"}, `this push is to "refs/heads/release", not to the default branch "main"`},
		{"no sha", map[string]string{"GITHUB_SHA": ""}, "GITHUB_SHA is not set"},
		{"no payload", map[string]string{"GITHUB_EVENT_PATH": ""}, "GITHUB_EVENT_PATH is not set"},
		{"no repository", map[string]string{"GITHUB_REPOSITORY": "x"}, `GITHUB_REPOSITORY "x" is not owner/name`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := ghEnv(t, gh)
			for k, v := range tt.set {
				env[k] = v
			}
			_, err := fetchReviewedPlan(context.Background(), getenvOf(env))
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("err = %v, want one line saying %q", err, tt.want)
			}
		})
	}
	if n := len(gh.Requests()); n != 0 {
		t.Errorf("%d requests to GitHub", n)
	}
}

func TestReviewedPlanDecision(t *testing.T) {
	t.Parallel()
	missing := ghactions.ReviewedPlan{Status: ghactions.NoPlanArtifact, SHA: ghMergeSHA, PR: 7, HeadSHA: ghHeadSHA, Artifact: ghactions.PlanArtifactName(ghHeadSHA)}
	tests := []struct {
		mode    string
		wantUse bool
		warn    string
		err     string
	}{
		{reviewedPlanRequire, false, "", "--reviewed-plan=require: pull request #7 has no saved plan"},
		{reviewedPlanPrefer, false, "pull request #7 has no saved plan", ""},
		{"sometimes", false, "", "want require, prefer or off"},
	}
	for _, tt := range tests {
		use, warn, err := reviewedPlanDecision(tt.mode, missing)
		if use != tt.wantUse || !strings.Contains(warn, tt.warn) || (tt.warn == "") != (warn == "") {
			t.Errorf("%s: use=%v warning=%q", tt.mode, use, warn)
		}
		if (err == nil) != (tt.err == "") || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("%s: err = %v, want %q", tt.mode, err, tt.err)
		}
	}
}

func TestCommentOnPullRequest(t *testing.T) {
	t.Parallel()
	gh := newGitHub(t)
	env := ghEnv(t, gh)
	m := mergeMarker("abc")
	gh.AddComment(7, "mallory", m+"\nnot ours")
	for _, md := range []string{"refused: holdout a moved", "refused: holdout b moved"} {
		if _, err := commentOnPullRequest(context.Background(), getenvOf(env), 7, m, md); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	for _, c := range gh.Comments(7) {
		got = append(got, c.User+": "+c.Body)
	}
	want := []string{"mallory: " + m + "\nnot ours", ghactions.ActionsBot + ": " + m + "\nrefused: holdout b moved"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("comments (-want +got):\n%s", d)
	}
}

func TestSyncDriftIssue(t *testing.T) {
	t.Parallel()
	gh := newGitHub(t)
	env := getenvOf(ghEnv(t, gh))
	var lines []string
	for _, step := range []struct {
		md    string
		drift bool
	}{{"a moved", true}, {"a moved", true}, {"b moved", true}, {"", false}, {"", false}} {
		res, err := syncDriftIssue(context.Background(), env, "p1", "Drift in PostHog project 1", step.md, step.drift)
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, driftIssueLine(res))
	}
	want := []string{
		"hogsync: opened drift issue #1000 (https://github.com/o/r/issues/1000)",
		"hogsync: drift issue #1000 already says this (https://github.com/o/r/issues/1000)",
		"hogsync: updated drift issue #1000 (https://github.com/o/r/issues/1000)",
		"hogsync: no drift any more; closed drift issue #1000 (https://github.com/o/r/issues/1000)",
		"hogsync: no drift, and no drift issue open",
	}
	if d := cmp.Diff(want, lines); d != "" {
		t.Errorf("lines (-want +got):\n%s", d)
	}
	if is := gh.Issues(); len(is) != 1 || is[0].Body != ghactions.DriftMarker("p1")+"\nb moved" {
		t.Errorf("issues: %+v", is)
	}
}

// newGitHub starts a fake GitHub API for a test.
func newGitHub(t *testing.T) *githubtest.Server {
	t.Helper()
	gh := githubtest.New("ghs_fake_token_for_tests_000")
	t.Cleanup(gh.Close)
	return gh
}
