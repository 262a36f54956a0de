package ghactions

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/ghactions/githubtest"
)

const (
	mergeSHA = "1111111111111111111111111111111111111111"
	headSHA  = "2222222222222222222222222222222222222222"
	otherSHA = "3333333333333333333333333333333333333333"
)

var planJSON = []byte(`{"format_version":"1","changes":[]}`)

func planZip(files map[string][]byte) []byte { return githubtest.Zip(files) }

func TestReviewedPlan(t *testing.T) {
	t.Parallel()
	merged := githubtest.Pull{Number: 7, HeadSHA: headSHA, Merged: true, MergeCommitSHA: mergeSHA}
	name := PlanArtifactName(headSHA)
	good := planZip(map[string][]byte{PlanFileName: planJSON})
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name      string
		pulls     []githubtest.Pull
		artifacts []githubtest.Artifact
		want      ReviewedPlan
		wantErr   string
	}{
		{
			name:      "found",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: good}},
			want:      ReviewedPlan{Status: ReviewedPlanFound, PR: 7, HeadSHA: headSHA, Artifact: name, ArtifactID: 10, Plan: planJSON},
		},
		{
			name:  "the newest unexpired of several",
			pulls: []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{
				{ID: 10, Name: name, HeadSHA: headSHA, Created: day(1), Zip: planZip(map[string][]byte{PlanFileName: []byte("old")})},
				{ID: 11, Name: name, HeadSHA: headSHA, Created: day(3), Zip: good},
				{ID: 12, Name: name, HeadSHA: headSHA, Created: day(4), Expired: true},
				{ID: 13, Name: name, HeadSHA: headSHA, Created: day(2), Zip: planZip(map[string][]byte{PlanFileName: []byte("older")})},
			},
			want: ReviewedPlan{Status: ReviewedPlanFound, PR: 7, HeadSHA: headSHA, Artifact: name, ArtifactID: 11, Plan: planJSON},
		},
		{
			name:  "a direct push",
			pulls: []githubtest.Pull{{Number: 8, HeadSHA: mergeSHA, Commits: []string{mergeSHA}}}, // open, not merged
			want:  ReviewedPlan{Status: NoPullRequest},
		},
		{
			name:  "a pull request merged as another commit",
			pulls: []githubtest.Pull{{Number: 9, HeadSHA: headSHA, Commits: []string{mergeSHA}, Merged: true, MergeCommitSHA: otherSHA}},
			want:  ReviewedPlan{Status: NoPullRequest},
		},
		{
			name:  "no artifact",
			pulls: []githubtest.Pull{merged},
			want:  ReviewedPlan{Status: NoPlanArtifact, PR: 7, HeadSHA: headSHA, Artifact: name + "*"},
		},
		{
			// Another pull request's run (a fork's, whose workflow its
			// author controls) can upload an artifact of any name.
			name:      "an artifact of that name from a run for another commit",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: otherSHA, Zip: good}},
			want:      ReviewedPlan{Status: NoPlanArtifact, PR: 7, HeadSHA: headSHA, Artifact: name + "*"},
		},
		{
			name:      "expired",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Expired: true, Zip: good}},
			want:      ReviewedPlan{Status: PlanArtifactExpired, PR: 7, HeadSHA: headSHA, Artifact: name},
		},
		{
			name:      "other files beside the plan",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: planJSON, "notes.txt": []byte("x")})}},
			want:      ReviewedPlan{Status: ReviewedPlanFound, PR: 7, HeadSHA: headSHA, Artifact: name, ArtifactID: 10, Plan: planJSON},
		},
		{
			name:      "a path in the archive",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: planZip(map[string][]byte{"x/" + PlanFileName: planJSON})}},
			wantErr:   `holds "x/hogsync-plan.json", a path`,
		},
		{
			name:      "a climbing path",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: planJSON, "../../etc/x": nil})}},
			wantErr:   "a path",
		},
		{
			name:      "no plan inside",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: planZip(map[string][]byte{"plan.json": planJSON})}},
			wantErr:   "holds no hogsync-plan.json (nor a step's hogsync-plan-KEY.json)",
		},
		{
			name:      "not a zip",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: []byte("<html>")}},
			wantErr:   "not a zip archive",
		},
		{
			name:      "a plan past the cap",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: []byte(strings.Repeat(" ", 5000))})}},
			wantErr:   "hogsync-plan.json is larger than 4096 bytes",
		},
		{
			name:      "an archive past the cap",
			pulls:     []githubtest.Pull{merged},
			artifacts: []githubtest.Artifact{{ID: 10, Name: name, HeadSHA: headSHA, Zip: []byte(strings.Repeat("z", 5000))}},
			wantErr:   "larger than 4096 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			for _, p := range tt.pulls {
				gh.AddPull(p)
			}
			for _, a := range tt.artifacts {
				gh.AddArtifact(a)
			}
			c, _ := newTestClient(t, gh)
			c.maxArtifact = 4096
			got, err := c.ReviewedPlan(context.Background(), mergeSHA)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to say %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.want.SHA = mergeSHA
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("ReviewedPlan (-want +got):\n%s", d)
			}
			if (got.Reason() == "") != (got.Status == ReviewedPlanFound) || strings.Contains(got.Reason(), "\n") {
				t.Errorf("Reason() = %q for %v", got.Reason(), got.Status)
			}
		})
	}
}

// The key run.sh names a step's plan by: the first 12 hex digits of the
// SHA-256 of the path, byte for byte (vectors from sha256sum).
func TestPlanKey(t *testing.T) {
	t.Parallel()
	for path, want := range map[string]string{"holdouts": "4a943033650d", "teams/eu": "04d298242f74"} {
		if got := PlanKey(path); got != want {
			t.Errorf("PlanKey(%q) = %q, want %q", path, got, want)
		}
	}
	if StepPlanArtifactName(headSHA, "holdouts") != "hogsync-plan-"+headSHA+"-4a943033650d" || StepPlanFileName("holdouts") != "hogsync-plan-4a943033650d.json" {
		t.Errorf("names %q, %q", StepPlanArtifactName(headSHA, "holdouts"), StepPlanFileName("holdouts"))
	}
}

// Issue 19: two hogsync steps on one pull request save a plan each, as
// two artifacts for one head commit. WithPlanPath takes its own step's
// (else one saved before plans were per step); without it, one step's is
// taken and two are an error, never a guess.
func TestReviewedPlanPerStep(t *testing.T) {
	t.Parallel()
	const a, b, c = "holdouts", "teams/eu", "teams/us"
	planA, planB, planOld := []byte(`{"plan":"a"}`), []byte(`{"plan":"b"}`), []byte(`{"plan":"old"}`)
	stepA := githubtest.Artifact{ID: 10, Name: StepPlanArtifactName(headSHA, a), HeadSHA: headSHA, Zip: planZip(map[string][]byte{StepPlanFileName(a): planA})}
	stepB := githubtest.Artifact{ID: 11, Name: StepPlanArtifactName(headSHA, b), HeadSHA: headSHA, Zip: planZip(map[string][]byte{StepPlanFileName(b): planB})}
	older := githubtest.Artifact{ID: 12, Name: PlanArtifactName(headSHA), HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: planOld})}
	with := func(x githubtest.Artifact, f func(*githubtest.Artifact)) githubtest.Artifact { f(&x); return x }
	tests := []struct {
		name      string
		path      string // WithPlanPath's; none when empty
		artifacts []githubtest.Artifact
		status    ReviewedPlanStatus
		artifact  string
		plan      []byte
		wantErr   string
	}{
		{name: "step a", path: a, artifacts: []githubtest.Artifact{stepA, stepB}, status: ReviewedPlanFound, artifact: stepA.Name, plan: planA},
		{name: "step b", path: b, artifacts: []githubtest.Artifact{stepA, stepB}, status: ReviewedPlanFound, artifact: stepB.Name, plan: planB},
		{name: "a step that saved none", path: c, artifacts: []githubtest.Artifact{stepA, stepB}, status: NoPlanArtifact, artifact: StepPlanArtifactName(headSHA, c)},
		{name: "a step that saved none, beside an older action's plan", path: c, artifacts: []githubtest.Artifact{stepA, older}, status: ReviewedPlanFound, artifact: older.Name, plan: planOld},
		{name: "the step's own before an older action's", path: a, artifacts: []githubtest.Artifact{older, stepA}, status: ReviewedPlanFound, artifact: stepA.Name, plan: planA},
		{name: "the step's, from another commit's run", path: a, artifacts: []githubtest.Artifact{with(stepA, func(x *githubtest.Artifact) { x.HeadSHA = otherSHA })},
			status: NoPlanArtifact, artifact: stepA.Name},
		{name: "the step's name holding another step's plan", path: a, artifacts: []githubtest.Artifact{with(stepA, func(x *githubtest.Artifact) { x.Zip = stepB.Zip })},
			wantErr: "holds no plan of this hogsync step (\"" + StepPlanFileName(a) + "\"), only " + StepPlanFileName(b)},
		{name: "an older artifact holding both steps' plans", path: b,
			artifacts: []githubtest.Artifact{with(older, func(x *githubtest.Artifact) {
				x.Zip = planZip(map[string][]byte{StepPlanFileName(a): planA, StepPlanFileName(b): planB})
			})},
			status: ReviewedPlanFound, artifact: older.Name, plan: planB},
		{name: "one step's, without a path", artifacts: []githubtest.Artifact{stepB}, status: ReviewedPlanFound, artifact: stepB.Name, plan: planB},
		{name: "an older action's, without a path", artifacts: []githubtest.Artifact{older}, status: ReviewedPlanFound, artifact: older.Name, plan: planOld},
		{name: "two steps', without a path", artifacts: []githubtest.Artifact{stepA, stepB},
			wantErr: "pull request #7 saved the plans of 2 hogsync steps (artifacts " + stepB.Name + ", " + stepA.Name + ")"}, // by key
		{name: "one step's, and another's from elsewhere, without a path",
			artifacts: []githubtest.Artifact{stepA, with(stepB, func(x *githubtest.Artifact) { x.Run = githubtest.Run{Event: "workflow_run"} })},
			status:    ReviewedPlanFound, artifact: stepA.Name, plan: planA},
		{name: "a step's name with its plan under another key, without a path", artifacts: []githubtest.Artifact{with(stepA, func(x *githubtest.Artifact) { x.Zip = stepB.Zip })},
			wantErr: "holds no plan of this hogsync step"},
		{name: "an artifact holding two steps' plans, without a path",
			artifacts: []githubtest.Artifact{with(older, func(x *githubtest.Artifact) {
				x.Zip = planZip(map[string][]byte{StepPlanFileName(a): planA, StepPlanFileName(b): planB})
			})},
			wantErr: "holds the plans of 2 hogsync steps"},
		{name: "names that only start like a plan's", artifacts: []githubtest.Artifact{
			with(stepA, func(x *githubtest.Artifact) { x.Name = PlanArtifactName(headSHA) + "-evil" }),
			with(stepB, func(x *githubtest.Artifact) { x.Name = PlanArtifactName(headSHA) + "-04D298242F74" }),
			with(older, func(x *githubtest.Artifact) { x.Name = PlanArtifactName(headSHA) + "x" }),
		}, status: NoPlanArtifact, artifact: PlanArtifactName(headSHA) + "*"},
		{name: "another step's expired, without a path", artifacts: []githubtest.Artifact{stepA, with(stepB, func(x *githubtest.Artifact) { x.Expired = true })},
			status: ReviewedPlanFound, artifact: stepA.Name, plan: planA},
		{name: "the step's expired", path: b, artifacts: []githubtest.Artifact{stepA, with(stepB, func(x *githubtest.Artifact) { x.Expired = true })},
			status: PlanArtifactExpired, artifact: stepB.Name},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: headSHA, Merged: true, MergeCommitSHA: mergeSHA})
			for _, x := range tt.artifacts {
				gh.AddArtifact(x)
			}
			var opts []Option
			if tt.path != "" {
				opts = append(opts, WithPlanPath(tt.path))
			}
			cl, _ := newTestClient(t, gh, opts...)
			got, err := cl.ReviewedPlan(context.Background(), mergeSHA)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v, err = %v, want one line saying %q", got.Status, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.status || got.Artifact != tt.artifact || string(got.Plan) != string(tt.plan) {
				t.Errorf("got %v, artifact %q, plan %q; want %v, %q, %q", got.Status, got.Artifact, got.Plan, tt.status, tt.artifact, tt.plan)
			}
			// Told its step, the client asks GitHub for two names; not
			// told, it lists every artifact, as GitHub filters names
			// only exactly.
			var queries []string
			for _, r := range gh.Requests() {
				if r.Path == "/repos/o/r/actions/artifacts" {
					queries = append(queries, r.Query)
				}
			}
			wantQueries := []string{"per_page=100&page=1"}
			if tt.path != "" {
				wantQueries = []string{"name=" + StepPlanArtifactName(headSHA, tt.path) + "&per_page=100&page=1", "name=" + PlanArtifactName(headSHA) + "&per_page=100&page=1"}
			}
			if d := cmp.Diff(wantQueries, queries); d != "" {
				t.Errorf("artifact listings (-want +got):\n%s", d)
			}
		})
	}
}

// The archive is fetched from the blob storage GitHub redirects to,
// without the token: the storage refuses an Authorization header, and
// the token must not go to another host.
func TestReviewedPlanFollowsTheRedirectWithoutTheToken(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: headSHA, Merged: true, MergeCommitSHA: mergeSHA})
	gh.AddArtifact(githubtest.Artifact{Name: PlanArtifactName(headSHA), HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: planJSON})})
	c, _ := newTestClient(t, gh)
	got, err := c.ReviewedPlan(context.Background(), mergeSHA)
	if err != nil || got.Status != ReviewedPlanFound {
		t.Fatalf("got %v, %v", got.Status, err)
	}
	var seen []string
	for _, r := range gh.Requests() {
		seen = append(seen, r.Server+" "+r.Method+" "+r.Path+" authorized="+map[bool]string{true: "yes", false: "no"}[r.Authorized])
	}
	want := []string{
		"api GET /repos/o/r/commits/" + mergeSHA + "/pulls authorized=yes",
		"api GET /repos/o/r authorized=yes", // its id, without WithRepositoryID
		"api GET /repos/o/r/actions/artifacts authorized=yes",
		"api GET /repos/o/r/actions/runs/900001 authorized=yes",
		"api GET /repos/o/r/actions/artifacts/1/zip authorized=yes",
		"blob GET /blob/1 authorized=no",
	}
	if d := cmp.Diff(want, seen); d != "" {
		t.Errorf("requests (-want +got):\n%s", d)
	}
}

func TestReviewedPlanRetriesAFailedListing(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	gh.AddPull(githubtest.Pull{Number: 7, HeadSHA: headSHA, Merged: true, MergeCommitSHA: mergeSHA})
	gh.AddArtifact(githubtest.Artifact{Name: PlanArtifactName(headSHA), HeadSHA: headSHA, Zip: planZip(map[string][]byte{PlanFileName: planJSON})})
	gh.Fail(githubtest.Failure{Method: "GET", Path: "/repos/o/r/actions/artifacts", Status: 503, Times: 1},
		githubtest.SecondaryRateLimit("GET", "/repos/o/r/commits/", 2, 1))
	c, clk := newTestClient(t, gh)
	got, err := c.ReviewedPlan(context.Background(), mergeSHA)
	if err != nil || got.Status != ReviewedPlanFound {
		t.Fatalf("got %v, %v", got.Status, err)
	}
	if d := cmp.Diff([]time.Duration{2 * time.Second, time.Second}, clk.Sleeps()); d != "" {
		t.Errorf("waits (-want +got):\n%s", d)
	}
}

func TestReviewedPlanRefusesABadCommit(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	for _, sha := range []string{"", "main", "1111", strings.Repeat("G", 40), mergeSHA + "/../x"} {
		if _, err := c.ReviewedPlan(context.Background(), sha); err == nil {
			t.Errorf("ReviewedPlan(%q): no error", sha)
		}
	}
	if n := len(gh.Requests()); n != 0 {
		t.Errorf("%d requests", n)
	}
}

// TestReviewedPlanOrigin: a plan artifact is taken only from a
// pull_request run of this workflow file, in this repository, from the
// merged pull request's head repository (a fork's included, by id), for
// that pull request. Each artifact below has the right name and head
// commit; those from elsewhere are refused.
func TestReviewedPlanOrigin(t *testing.T) {
	t.Parallel()
	const fork = 777
	name := PlanArtifactName(headSHA)
	good := planZip(map[string][]byte{PlanFileName: planJSON})
	merged := githubtest.Pull{Number: 7, HeadSHA: headSHA, Merged: true, MergeCommitSHA: mergeSHA, HeadRef: "feature"}
	forked := merged
	forked.HeadRepoID = fork
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		name           string
		pull           githubtest.Pull
		runs           []githubtest.Run // one artifact each, newest last
		noPlanWorkflow bool
		planWorkflow   string // a path; GITHUB_WORKFLOW_REF's form when empty
		want           ReviewedPlanStatus
		wantID         int64 // of the artifact taken
		wantWhy        string
	}{
		{name: "this workflow's pull_request run", pull: merged, runs: []githubtest.Run{{}}, want: ReviewedPlanFound, wantID: 1},
		{name: "another workflow", pull: merged, runs: []githubtest.Run{{Path: ".github/workflows/other.yml"}},
			want: PlanArtifactRefused, wantWhy: `workflow ".github/workflows/other.yml"`},
		{name: "a workflow_run", pull: merged, runs: []githubtest.Run{{Event: "workflow_run"}},
			want: PlanArtifactRefused, wantWhy: `"workflow_run" run`},
		{name: "a pull_request_target run", pull: merged, runs: []githubtest.Run{{Event: "pull_request_target"}},
			want: PlanArtifactRefused, wantWhy: `"pull_request_target" run`},
		{name: "a pull request to another base, same head", pull: merged, runs: []githubtest.Run{{PullRequests: []githubtest.RunPull{{Number: 8, BaseRef: "release"}}}},
			want: PlanArtifactRefused, wantWhy: `another pull request (#8 to "release")`},
		{name: "the pull request's number, another base", pull: merged, runs: []githubtest.Run{{PullRequests: []githubtest.RunPull{{Number: 7, BaseRef: "release"}}}},
			want: PlanArtifactRefused, wantWhy: "another pull request"},
		{name: "a run in another repository", pull: merged, runs: []githubtest.Run{{RepoID: 999}},
			want: PlanArtifactRefused, wantWhy: "repository 999, not this one"},
		{name: "a head repository not the pull request's", pull: merged, runs: []githubtest.Run{{HeadRepoID: 555}},
			want: PlanArtifactRefused, wantWhy: "head is repository 555"},
		{name: "a same-repository run naming no pull request", pull: merged, runs: []githubtest.Run{{NoPullRequests: true}},
			want: PlanArtifactRefused, wantWhy: "names no pull request"},
		{name: "a fork's pull request", pull: forked, runs: []githubtest.Run{{HeadRepoID: fork, NoPullRequests: true}}, want: ReviewedPlanFound, wantID: 1},
		{name: "a fork's other branch", pull: forked, runs: []githubtest.Run{{HeadRepoID: fork, HeadBranch: "other", NoPullRequests: true}},
			want: PlanArtifactRefused, wantWhy: `fork's branch "other"`},
		{name: "another fork", pull: forked, runs: []githubtest.Run{{HeadRepoID: 888, NoPullRequests: true}},
			want: PlanArtifactRefused, wantWhy: "head is repository 888"},
		{name: "the newest from elsewhere, an older one from here", pull: merged,
			runs: []githubtest.Run{{}, {Event: "workflow_run"}}, want: ReviewedPlanFound, wantID: 1},
		{name: "a plan workflow named by its path", pull: merged, planWorkflow: ".github/workflows/pull-request.yml",
			runs: []githubtest.Run{{Path: ".github/workflows/pull-request.yml"}}, want: ReviewedPlanFound, wantID: 1},
		{name: "without WithPlanWorkflow the workflow is not checked", pull: merged, noPlanWorkflow: true,
			runs: []githubtest.Run{{Path: ".github/workflows/other.yml"}}, want: ReviewedPlanFound, wantID: 1},
	}
	for _, tt := range tests {
		if tt.planWorkflow == "" {
			tt.planWorkflow = "o/r/.github/workflows/hogsync.yml@refs/heads/main"
		}
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			gh.AddPull(tt.pull)
			for i, r := range tt.runs {
				gh.AddArtifact(githubtest.Artifact{Name: name, HeadSHA: headSHA, Created: day(i + 1), Zip: good, Run: r})
			}
			opts := []Option{WithRepositoryID("4242")}
			if !tt.noPlanWorkflow {
				opts = append(opts, WithPlanWorkflow(tt.planWorkflow))
			}
			c, _ := newTestClient(t, gh, opts...)
			got, err := c.ReviewedPlan(context.Background(), mergeSHA)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want || got.ArtifactID != tt.wantID || !strings.Contains(got.Reason(), tt.wantWhy) {
				t.Errorf("got %v artifact %d (%q), want %v artifact %d saying %q", got.Status, got.ArtifactID, got.Reason(), tt.want, tt.wantID, tt.wantWhy)
			}
			if (got.Status == ReviewedPlanFound) != (got.Plan != nil) {
				t.Errorf("plan %q with %v", got.Plan, got.Status)
			}
			if countRequests(gh, "GET", "/repos/o/r") != 0 {
				t.Error("asked GitHub for the repository's id although WithRepositoryID gave it")
			}
		})
	}
}

func TestWorkflowFile(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"o/r/.github/workflows/hogsync.yml@refs/heads/main": ".github/workflows/hogsync.yml",
		".github/workflows/hogsync.yml":                     ".github/workflows/hogsync.yml",
		".github/workflows/a.yaml@refs/pull/7/merge":        ".github/workflows/a.yaml",
		"dynamic/pages/pages-build-deployment":              "",
		"":                                                  "",
	} {
		if got := workflowFile(in); got != want {
			t.Errorf("workflowFile(%q) = %q, want %q", in, got, want)
		}
	}
}

// An artifact's archive is untrusted (its run could be anyone's until it
// is checked, and a broken upload is possible): planFromZip never panics,
// never returns more than the cap, and returns only a plan file's bytes.
func FuzzPlanFromZip(f *testing.F) {
	f.Add(planZip(map[string][]byte{PlanFileName: planJSON}), "")
	f.Add(planZip(map[string][]byte{StepPlanFileName("holdouts"): planJSON, StepPlanFileName("x"): []byte("{}")}), PlanKey("holdouts"))
	f.Add(planZip(map[string][]byte{"../" + PlanFileName: planJSON}), "")
	f.Add([]byte("PK\x03\x04 not really"), PlanKey("x"))
	// A key never comes from outside (PlanKey makes it), yet the error
	// quoting it must still be one line.
	f.Add(planZip(map[string][]byte{StepPlanFileName("holdouts"): planJSON, StepPlanFileName("x"): []byte("{}")}), "\n")
	f.Fuzz(func(t *testing.T, archive []byte, key string) {
		const limit = 1 << 12
		plan, err := planFromZip(archive, "a", limit, key)
		if err != nil {
			if plan != nil || strings.Contains(err.Error(), "\n") {
				t.Fatalf("plan %q with error %q", plan, err)
			}
			return
		}
		if len(plan) > limit {
			t.Fatalf("%d bytes past the cap", len(plan))
		}
		zr, zerr := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
		if zerr != nil {
			t.Fatalf("no error for an archive zip cannot read: %v", zerr)
		}
		for _, zf := range zr.File {
			if _, ok := planFileKey(zf.Name); !ok {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				continue
			}
			b, _ := io.ReadAll(io.LimitReader(rc, limit+1))
			rc.Close()
			if bytes.Equal(b, plan) {
				return
			}
		}
		t.Fatalf("plan %q is no plan file's bytes", plan)
	})
}
