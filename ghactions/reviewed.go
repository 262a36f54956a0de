package ghactions

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// The plan a pull request's workflow saved, as an artifact.
const (
	// PlanArtifactPrefix starts the artifact's name; the pull request's
	// head commit ends it (PlanArtifactName).
	PlanArtifactPrefix = "hogsync-plan-"
	// PlanFileName is the plan's file name inside the artifact.
	PlanFileName = "hogsync-plan.json"
	// MaxPlanArtifact caps the artifact's archive, and the plan in it.
	MaxPlanArtifact = 64 << 20
)

// PlanArtifactName is the name of the artifact holding the plan made for
// a pull request whose head commit is headSHA.
func PlanArtifactName(headSHA string) string { return PlanArtifactPrefix + headSHA }

// ReviewedPlanStatus says whether a reviewed plan was found, or why not.
type ReviewedPlanStatus int

const (
	// ReviewedPlanFound: ReviewedPlan.Plan holds the plan.
	ReviewedPlanFound ReviewedPlanStatus = iota + 1
	// NoPullRequest: no pull request was merged as the commit (a direct
	// push, say).
	NoPullRequest
	// NoPlanArtifact: the pull request's head commit has no plan artifact
	// (its workflow did not save one, or it failed).
	NoPlanArtifact
	// PlanArtifactExpired: the plan artifact is past its retention.
	PlanArtifactExpired
	// PlanArtifactRefused: artifacts of that name exist for the head
	// commit, but none was saved by a pull_request run of this workflow,
	// in this repository, for the merged pull request
	// (ReviewedPlan.Refused says why the newest was refused).
	PlanArtifactRefused
)

func (s ReviewedPlanStatus) String() string {
	switch s {
	case ReviewedPlanFound:
		return "found"
	case NoPullRequest:
		return "no pull request"
	case NoPlanArtifact:
		return "no plan artifact"
	case PlanArtifactExpired:
		return "plan artifact expired"
	case PlanArtifactRefused:
		return "plan artifact refused"
	}
	return fmt.Sprintf("ReviewedPlanStatus(%d)", int(s))
}

// ReviewedPlan is what ReviewedPlan found for a commit.
type ReviewedPlan struct {
	Status ReviewedPlanStatus
	// SHA is the commit asked about.
	SHA string
	// PR is the pull request merged as SHA, and HeadSHA its head commit
	// (both unset with NoPullRequest).
	PR      int
	HeadSHA string
	// Artifact is the artifact's name (set unless NoPullRequest), and
	// ArtifactID its id (with ReviewedPlanFound).
	Artifact   string
	ArtifactID int64
	// Plan is the plan file's bytes (with ReviewedPlanFound).
	Plan []byte
	// Refused says why the newest artifact was not taken (with
	// PlanArtifactRefused).
	Refused string
}

// Reason says in one line why no plan was found ("" when one was).
func (r ReviewedPlan) Reason() string {
	short := func(sha string) string { return sha[:min(len(sha), 12)] }
	switch r.Status {
	case NoPullRequest:
		return fmt.Sprintf("no pull request was merged as commit %s (a direct push?), so no plan was reviewed for it", short(r.SHA))
	case NoPlanArtifact:
		return fmt.Sprintf("pull request #%d has no saved plan (no artifact %s): its plan workflow did not save one for head commit %s", r.PR, r.Artifact, short(r.HeadSHA))
	case PlanArtifactExpired:
		return fmt.Sprintf("the plan saved for pull request #%d (artifact %s) has expired; run its plan workflow again", r.PR, r.Artifact)
	case PlanArtifactRefused:
		return fmt.Sprintf("artifact %s was not saved by this workflow's run for pull request #%d (%s), so it is not the plan reviewed there", r.Artifact, r.PR, r.Refused)
	}
	return ""
}

var shaRE = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// ReviewedPlan finds the plan reviewed on the pull request that was
// merged as commit sha (GITHUB_SHA of a push to the default branch): the
// merged pull request whose merge commit is sha, then the newest
// unexpired artifact named PlanArtifactName(its head commit) made by a
// run for that head commit, then PlanFileName inside it.
//
// A result other than ReviewedPlanFound is not an error: the caller
// decides (refuse, or plan afresh). An error is a failure to ask GitHub,
// or an artifact that is not what hogsync saves (too large, a path in
// the archive, two plans).
func (c *Client) ReviewedPlan(ctx context.Context, sha string) (ReviewedPlan, error) {
	res := ReviewedPlan{SHA: sha}
	if !shaRE.MatchString(sha) {
		return res, fmt.Errorf("commit %q is not a full commit SHA (GITHUB_SHA)", sha)
	}
	var pulls []struct {
		Number         int     `json:"number"`
		MergedAt       *string `json:"merged_at"`
		MergeCommitSHA string  `json:"merge_commit_sha"`
		Head           struct {
			SHA  string `json:"sha"`
			Ref  string `json:"ref"`
			Repo *struct {
				ID int64 `json:"id"`
			} `json:"repo"`
		} `json:"head"`
		Base struct {
			Ref string `json:"ref"`
		} `json:"base"`
	}
	if err := c.send(ctx, http.MethodGet, fmt.Sprintf("/repos/%s/commits/%s/pulls?per_page=100", c.repo, sha), nil, &pulls); err != nil {
		return res, err
	}
	var merged []int
	for i, p := range pulls {
		if p.MergedAt != nil && p.MergeCommitSHA == sha {
			merged = append(merged, i)
		}
	}
	switch len(merged) {
	case 0:
		res.Status = NoPullRequest
		return res, nil
	case 1:
	default:
		return res, fmt.Errorf("GitHub names %d pull requests merged as commit %s; cannot tell which plan was reviewed", len(merged), sha[:12])
	}
	p := pulls[merged[0]]
	res.PR, res.HeadSHA = p.Number, p.Head.SHA
	if !shaRE.MatchString(res.HeadSHA) {
		return res, fmt.Errorf("pull request #%d: GitHub gives its head commit as %q, not a commit SHA", res.PR, res.HeadSHA)
	}
	res.Artifact = PlanArtifactName(res.HeadSHA)

	repoID, err := c.repositoryID(ctx)
	if err != nil {
		return res, err
	}
	origin := prOrigin{number: p.Number, headRef: p.Head.Ref, baseRef: p.Base.Ref, repoID: repoID}
	if p.Head.Repo != nil {
		origin.headRepoID = p.Head.Repo.ID
	}
	id, status, refused, err := c.findPlanArtifact(ctx, res.Artifact, res.HeadSHA, origin)
	if err != nil || status != ReviewedPlanFound {
		res.Status, res.Refused = status, refused
		return res, err
	}
	res.ArtifactID = id
	archive, expired, err := c.downloadArtifact(ctx, id)
	if err != nil {
		return res, err
	}
	if expired {
		res.Status = PlanArtifactExpired
		return res, nil
	}
	plan, err := planFromZip(archive, res.Artifact, c.maxArtifact)
	if err != nil {
		return res, err
	}
	res.Status, res.Plan = ReviewedPlanFound, plan
	return res, nil
}

// prOrigin is what a plan artifact's run must match: the merged pull
// request (its number, head branch and head repository's id, its base
// branch) and this repository's id.
type prOrigin struct {
	number           int
	headRef, baseRef string
	headRepoID       int64 // 0 when GitHub no longer knows the head repository
	repoID           int64
}

// repositoryID is WithRepositoryID's id, or GitHub's for c.repo.
func (c *Client) repositoryID(ctx context.Context) (int64, error) {
	if c.repoID > 0 {
		return c.repoID, nil
	}
	var repo struct {
		ID int64 `json:"id"`
	}
	if err := c.send(ctx, http.MethodGet, "/repos/"+c.repo, nil, &repo); err != nil {
		return 0, err
	}
	if repo.ID <= 0 {
		return 0, c.errorf("GitHub gives no id for repository %s", c.repo)
	}
	c.repoID = repo.ID
	return repo.ID, nil
}

// findPlanArtifact returns the newest unexpired artifact called name made
// by a workflow run for headSHA that came from the merged pull request.
// Only runs for that very commit count: a run of another pull request (a
// fork's, whose workflow its author controls) could upload an artifact
// of any name. And of those only a pull_request run of this workflow file
// (WithPlanWorkflow), in this repository, from the pull request's head
// repository, for that pull request (see runFrom): another workflow, a
// workflow_run, or a pull request to another base with the same head
// could save one too. refused says why the newest refused one was.
func (c *Client) findPlanArtifact(ctx context.Context, name, headSHA string, origin prOrigin) (int64, ReviewedPlanStatus, string, error) {
	type artifact struct {
		ID          int64     `json:"id"`
		Name        string    `json:"name"`
		Expired     bool      `json:"expired"`
		CreatedAt   time.Time `json:"created_at"`
		WorkflowRun *struct {
			ID               int64  `json:"id"`
			HeadSHA          string `json:"head_sha"`
			RepositoryID     int64  `json:"repository_id"`
			HeadRepositoryID int64  `json:"head_repository_id"`
		} `json:"workflow_run"`
	}
	var candidates []artifact
	sawExpired := false
	for page := 1; page <= maxPages; page++ {
		var batch struct {
			Artifacts []artifact `json:"artifacts"`
		}
		path := fmt.Sprintf("/repos/%s/actions/artifacts?name=%s&per_page=100&page=%d", c.repo, url.QueryEscape(name), page)
		if err := c.send(ctx, http.MethodGet, path, nil, &batch); err != nil {
			return 0, 0, "", err
		}
		for _, a := range batch.Artifacts {
			if a.Name != name || a.WorkflowRun == nil || a.WorkflowRun.HeadSHA != headSHA {
				continue
			}
			if a.Expired {
				sawExpired = true
				continue
			}
			candidates = append(candidates, a)
		}
		if len(batch.Artifacts) < 100 {
			break
		}
	}
	// Newest first; each is checked against its run until one holds.
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		return a.CreatedAt.After(b.CreatedAt) || a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID
	})
	refused := ""
	for _, a := range candidates {
		wr := a.WorkflowRun
		why := origin.repos(wr.RepositoryID, wr.HeadRepositoryID)
		if why == "" {
			var err error
			if why, err = c.runFrom(ctx, wr.ID, origin); err != nil {
				return 0, 0, "", err
			}
		}
		if why == "" {
			return a.ID, ReviewedPlanFound, "", nil
		}
		if refused == "" {
			refused = fmt.Sprintf("artifact %d: %s", a.ID, why)
		}
	}
	switch {
	case refused != "":
		return 0, PlanArtifactRefused, refused, nil
	case sawExpired:
		return 0, PlanArtifactExpired, "", nil
	}
	return 0, NoPlanArtifact, "", nil
}

// repos says why a run in repository repoID from head repository
// headRepoID is not the pull request's ("" when it is): the run must be in
// this repository, and its head this repository or the pull request's
// head repository (a fork), by id.
func (o prOrigin) repos(repoID, headRepoID int64) string {
	switch {
	case repoID != o.repoID:
		return fmt.Sprintf("its run is in repository %d, not this one (%d)", repoID, o.repoID)
	case headRepoID != o.repoID && (o.headRepoID == 0 || headRepoID != o.headRepoID):
		return fmt.Sprintf("its run's head is repository %d, not the pull request's (%d)", headRepoID, o.headRepoID)
	}
	return ""
}

// runFrom says why workflow run id is not a pull_request run of this
// workflow for the pull request ("" when it is). Its pull request list
// must name the pull request, to this repository and base branch; a fork's
// run lists none, so then its head branch and head repository must be the
// pull request's.
func (c *Client) runFrom(ctx context.Context, id int64, o prOrigin) (string, error) {
	type repo struct {
		ID int64 `json:"id"`
	}
	var run struct {
		Event          string `json:"event"`
		Path           string `json:"path"`
		HeadBranch     string `json:"head_branch"`
		Repository     repo   `json:"repository"`
		HeadRepository *repo  `json:"head_repository"`
		PullRequests   []struct {
			Number int `json:"number"`
			Base   struct {
				Ref  string `json:"ref"`
				Repo repo   `json:"repo"`
			} `json:"base"`
		} `json:"pull_requests"`
	}
	if err := c.send(ctx, http.MethodGet, fmt.Sprintf("/repos/%s/actions/runs/%d", c.repo, id), nil, &run); err != nil {
		return "", err
	}
	headRepo := int64(0)
	if run.HeadRepository != nil {
		headRepo = run.HeadRepository.ID
	}
	if why := o.repos(run.Repository.ID, headRepo); why != "" {
		return why, nil
	}
	if run.Event != "pull_request" {
		return fmt.Sprintf("it was saved by a %q run, not a pull_request one", run.Event), nil
	}
	if c.workflow != "" && workflowFile(run.Path) != c.workflow {
		return fmt.Sprintf("it was saved by workflow %q, not this one (%q)", run.Path, c.workflow), nil
	}
	if len(run.PullRequests) == 0 {
		if headRepo == o.repoID {
			return "its run names no pull request", nil
		}
		if run.HeadBranch != o.headRef {
			return fmt.Sprintf("its run is for a fork's branch %q, not the pull request's (%q)", run.HeadBranch, o.headRef), nil
		}
		return "", nil
	}
	for _, p := range run.PullRequests {
		if p.Number == o.number && p.Base.Repo.ID == o.repoID && (o.baseRef == "" || p.Base.Ref == o.baseRef) {
			return "", nil
		}
	}
	return fmt.Sprintf("its run is for another pull request (#%d to %q), not #%d", run.PullRequests[0].Number, run.PullRequests[0].Base.Ref, o.number), nil
}

// downloadArtifact fetches an artifact's archive. GitHub answers with a
// redirect to its blob storage, which is followed without the token (the
// URL is signed; the storage refuses an Authorization header, and the
// token must not travel to another host).
func (c *Client) downloadArtifact(ctx context.Context, id int64) (archive []byte, expired bool, err error) {
	path := fmt.Sprintf("/repos/%s/actions/artifacts/%d/zip", c.repo, id)
	resp, err := c.do(ctx, request{method: http.MethodGet, url: c.apiURL + path, path: path, auth: true, limit: c.maxArtifact})
	if err != nil {
		return nil, false, err
	}
	switch {
	case resp.status == http.StatusGone:
		return nil, true, nil
	case resp.status == http.StatusOK:
		return resp.body, false, nil
	case resp.status/100 != 3:
		return nil, false, c.apiError(http.MethodGet, path, resp)
	}
	loc, err := url.Parse(resp.header.Get("Location"))
	if err != nil || !loc.IsAbs() || loc.Host == "" {
		return nil, false, c.errorf("GitHub GET %s: redirect to %q, not a URL", path, resp.header.Get("Location"))
	}
	if !safeScheme(loc) {
		return nil, false, c.errorf("GitHub GET %s: refusing a redirect to plain http on %s", path, loc.Host)
	}
	blobPath := "artifact " + fmt.Sprint(id) + " archive at " + loc.Host
	resp, err = c.do(ctx, request{method: http.MethodGet, url: loc.String(), path: blobPath, limit: c.maxArtifact, accept: "*/*"})
	if err != nil {
		return nil, false, err
	}
	if resp.status != http.StatusOK {
		return nil, false, c.errorf("download %s: %d %s", blobPath, resp.status, http.StatusText(resp.status))
	}
	return resp.body, false, nil
}

// planFromZip returns PlanFileName's bytes from an artifact's archive.
// An archive holding a path (a/b, ../x, /x, c:\x) is refused whole; other
// files beside the plan are ignored.
func planFromZip(archive []byte, name string, limit int64) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("artifact %s is not a zip archive: %v", name, err)
	}
	var plan *zip.File
	for _, f := range zr.File {
		if strings.ContainsAny(f.Name, `/\:`) || f.Name == ".." || f.Name == "." || f.Name == "" {
			return nil, fmt.Errorf("artifact %s holds %q, a path: hogsync saves only %s at its top; refusing it", name, f.Name, PlanFileName)
		}
		if f.Name != PlanFileName {
			continue
		}
		if plan != nil {
			return nil, fmt.Errorf("artifact %s holds %s twice; refusing it", name, PlanFileName)
		}
		plan = f
	}
	if plan == nil {
		return nil, fmt.Errorf("artifact %s holds no %s", name, PlanFileName)
	}
	tooLarge := fmt.Errorf("artifact %s: %s is larger than %d bytes; refusing it", name, PlanFileName, limit)
	if plan.UncompressedSize64 > uint64(limit) {
		return nil, tooLarge
	}
	rc, err := plan.Open()
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %s: %v", name, PlanFileName, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %s: %v", name, PlanFileName, err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}
