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
			SHA string `json:"sha"`
		} `json:"head"`
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

	id, status, err := c.findPlanArtifact(ctx, res.Artifact, res.HeadSHA)
	if err != nil || status != ReviewedPlanFound {
		res.Status = status
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

// findPlanArtifact returns the newest unexpired artifact called name made
// by a workflow run for headSHA. Only runs for that very commit count: a
// run of another pull request (a fork's, whose workflow its author
// controls) could upload an artifact of any name.
func (c *Client) findPlanArtifact(ctx context.Context, name, headSHA string) (int64, ReviewedPlanStatus, error) {
	type artifact struct {
		ID          int64     `json:"id"`
		Name        string    `json:"name"`
		Expired     bool      `json:"expired"`
		CreatedAt   time.Time `json:"created_at"`
		WorkflowRun *struct {
			HeadSHA string `json:"head_sha"`
		} `json:"workflow_run"`
	}
	var best *artifact
	sawExpired := false
	for page := 1; page <= maxPages; page++ {
		var batch struct {
			Artifacts []artifact `json:"artifacts"`
		}
		path := fmt.Sprintf("/repos/%s/actions/artifacts?name=%s&per_page=100&page=%d", c.repo, url.QueryEscape(name), page)
		if err := c.send(ctx, http.MethodGet, path, nil, &batch); err != nil {
			return 0, 0, err
		}
		for i := range batch.Artifacts {
			a := &batch.Artifacts[i]
			if a.Name != name || a.WorkflowRun == nil || a.WorkflowRun.HeadSHA != headSHA {
				continue
			}
			if a.Expired {
				sawExpired = true
				continue
			}
			if best == nil || a.CreatedAt.After(best.CreatedAt) || (a.CreatedAt.Equal(best.CreatedAt) && a.ID > best.ID) {
				best = a
			}
		}
		if len(batch.Artifacts) < 100 {
			break
		}
	}
	switch {
	case best != nil:
		return best.ID, ReviewedPlanFound, nil
	case sawExpired:
		return 0, PlanArtifactExpired, nil
	}
	return 0, NoPlanArtifact, nil
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
