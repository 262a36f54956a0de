package ghactions

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	// head commit follows it, then the step's key (StepPlanArtifactName).
	PlanArtifactPrefix = "hogsync-plan-"
	// PlanFileName is the plan's file name inside an artifact saved
	// before plans were named per step (StepPlanFileName).
	PlanFileName = "hogsync-plan.json"
	// MaxPlanArtifact caps the artifact's archive, and the plan in it.
	MaxPlanArtifact = 64 << 20
)

// PlanArtifactName is the name the action gave the artifact holding the
// plan made for a pull request whose head commit is headSHA before it
// saved one per hogsync step (StepPlanArtifactName). ReviewedPlan still
// takes it.
func PlanArtifactName(headSHA string) string { return PlanArtifactPrefix + headSHA }

// PlanKey tells apart the hogsync steps of a workflow: the first 12 hex
// digits of the SHA-256 of the manifests path the step was given (the
// action's path input, hogsync's directory argument), byte for byte, so
// a step's pull request run and its run on merge agree. action/run.sh
// computes the same.
func PlanKey(path string) string {
	sum := sha256.Sum256([]byte(path))
	return hex.EncodeToString(sum[:])[:12]
}

// StepPlanArtifactName is the artifact the action saves the plan of the
// step given path as, on a pull request whose head commit is headSHA:
// hogsync-plan-<head sha>-<PlanKey(path)>.
func StepPlanArtifactName(headSHA, path string) string {
	return stepArtifactName(headSHA, PlanKey(path))
}

func stepArtifactName(headSHA, key string) string { return PlanArtifactName(headSHA) + "-" + key }

// StepPlanFileName is the plan's file name inside that artifact, and in
// the runner's temporary folder: hogsync-plan-<PlanKey(path)>.json.
func StepPlanFileName(path string) string { return stepFileName(PlanKey(path)) }

func stepFileName(key string) string { return PlanArtifactPrefix + key + ".json" }

var planKeyRE = regexp.MustCompile(`^[0-9a-f]{12}$`)

// artifactKey says whether name is a plan artifact's for headSHA, and the
// step key it carries ("" for PlanArtifactName's, which names none).
func artifactKey(name, headSHA string) (key string, ok bool) {
	base := PlanArtifactName(headSHA)
	if name == base {
		return "", true
	}
	key, ok = strings.CutPrefix(name, base+"-")
	return key, ok && planKeyRE.MatchString(key)
}

// planFileKey says whether name is a plan's file name inside an artifact,
// and the step key it carries ("" for PlanFileName).
func planFileKey(name string) (key string, ok bool) {
	if name == PlanFileName {
		return "", true
	}
	key, ok = strings.CutPrefix(name, PlanArtifactPrefix)
	key, ok2 := strings.CutSuffix(key, ".json")
	return key, ok && ok2 && planKeyRE.MatchString(key)
}

// WithPlanPath says which hogsync step's plan ReviewedPlan takes: the one
// saved for the manifests path given (hogsync's directory argument, the
// action's path input), by PlanKey; an artifact from before plans were
// saved per step when there is none. Without it ReviewedPlan takes the
// plan only when the pull request's head commit has one step's.
func WithPlanPath(path string) Option {
	return func(c *Client) { c.planKey = PlanKey(path) }
}

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
	// Artifact is the artifact's name (set unless NoPullRequest; with
	// NoPlanArtifact, the name looked for, ending in * when any step's
	// would do), and ArtifactID its id (with ReviewedPlanFound).
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
// unexpired plan artifact made by a run for that head commit, then the
// plan file inside it. A plan artifact is named StepPlanArtifactName (one
// per hogsync step) or, saved by an older action, PlanArtifactName; with
// WithPlanPath only that step's (else an older one) is taken, and without
// it the head commit must have one step's plan only.
//
// A result other than ReviewedPlanFound is not an error: the caller
// decides (refuse, or plan afresh). An error is a failure to ask GitHub,
// an artifact that is not what hogsync saves (too large, a path in the
// archive, two plans for one step), or, without WithPlanPath, plans of
// several steps.
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
	res.Artifact = PlanArtifactName(res.HeadSHA) + "*"
	if c.planKey != "" {
		res.Artifact = stepArtifactName(res.HeadSHA, c.planKey)
	}

	repoID, err := c.repositoryID(ctx)
	if err != nil {
		return res, err
	}
	origin := prOrigin{number: p.Number, headRef: p.Head.Ref, baseRef: p.Base.Ref, repoID: repoID}
	if p.Head.Repo != nil {
		origin.headRepoID = p.Head.Repo.ID
	}
	found, status, refused, err := c.findPlanArtifact(ctx, res.HeadSHA, origin)
	if found.name != "" {
		res.Artifact = found.name
	}
	if err != nil || status != ReviewedPlanFound {
		res.Status, res.Refused = status, refused
		return res, err
	}
	res.ArtifactID = found.id
	archive, expired, err := c.downloadArtifact(ctx, found.id)
	if err != nil {
		return res, err
	}
	if expired {
		res.Status = PlanArtifactExpired
		return res, nil
	}
	key := c.planKey
	if key == "" {
		key = found.key
	}
	plan, err := planFromZip(archive, res.Artifact, c.maxArtifact, key)
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

// planArtifact is the artifact findPlanArtifact chose: its id, name and
// step key ("" for PlanArtifactName's).
type planArtifact struct {
	id       int64
	name     string
	key      string
	expired  bool
	created  time.Time
	runID    int64
	repoID   int64
	headRepo int64
}

// findPlanArtifact returns the newest unexpired plan artifact made by a
// workflow run for headSHA that came from the merged pull request: with
// WithPlanPath, the step's (else one named PlanArtifactName); without,
// the only step's, by artifact name (an error when several steps saved
// one). Only runs for that very commit count: a run of another pull
// request (a fork's, whose workflow its author controls) could upload an
// artifact of any name. And of those only a pull_request run of this
// workflow file (WithPlanWorkflow), in this repository, from the pull
// request's head repository, for that pull request (see runFrom): another
// workflow, a workflow_run, or a pull request to another base with the
// same head could save one too. refused says why the newest refused one
// was. The artifact's name is set whenever one was listed.
func (c *Client) findPlanArtifact(ctx context.Context, headSHA string, origin prOrigin) (planArtifact, ReviewedPlanStatus, string, error) {
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
	// The names asked for: the step's and the older one by name; without
	// a step, every artifact, as GitHub filters names only exactly.
	queries := []string{""}
	if c.planKey != "" {
		queries = []string{stepArtifactName(headSHA, c.planKey), PlanArtifactName(headSHA)}
	}
	byKey := map[string][]planArtifact{} // each step's artifacts, expired ones too
	for _, name := range queries {
		for page := 1; page <= maxPages; page++ {
			var batch struct {
				Artifacts []artifact `json:"artifacts"`
			}
			path := fmt.Sprintf("/repos/%s/actions/artifacts?per_page=100&page=%d", c.repo, page)
			if name != "" {
				path = fmt.Sprintf("/repos/%s/actions/artifacts?name=%s&per_page=100&page=%d", c.repo, url.QueryEscape(name), page)
			}
			if err := c.send(ctx, http.MethodGet, path, nil, &batch); err != nil {
				return planArtifact{}, 0, "", err
			}
			for _, a := range batch.Artifacts {
				key, ok := artifactKey(a.Name, headSHA)
				if !ok || name != "" && a.Name != name || a.WorkflowRun == nil || a.WorkflowRun.HeadSHA != headSHA {
					continue
				}
				wr := a.WorkflowRun
				byKey[key] = append(byKey[key], planArtifact{id: a.ID, name: a.Name, key: key, expired: a.Expired, created: a.CreatedAt,
					runID: wr.ID, repoID: wr.RepositoryID, headRepo: wr.HeadRepositoryID})
			}
			if len(batch.Artifacts) < 100 {
				break
			}
		}
	}

	if c.planKey != "" {
		for _, key := range []string{c.planKey, ""} {
			if arts := byKey[key]; len(arts) > 0 {
				return c.pickPlanArtifact(ctx, arts, origin)
			}
		}
		return planArtifact{}, NoPlanArtifact, "", nil
	}
	keys := make([]string, 0, len(byKey))
	for key := range byKey {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	var found []planArtifact
	var other struct {
		pa      planArtifact
		status  ReviewedPlanStatus
		refused string
	}
	for _, key := range keys {
		pa, status, refused, err := c.pickPlanArtifact(ctx, byKey[key], origin)
		if err != nil {
			return pa, 0, "", err
		}
		switch {
		case status == ReviewedPlanFound:
			found = append(found, pa)
		case other.status == 0 || status == PlanArtifactRefused && other.status != PlanArtifactRefused:
			other.pa, other.status, other.refused = pa, status, refused
		}
	}
	switch len(found) {
	case 0:
		if other.status == 0 {
			return planArtifact{}, NoPlanArtifact, "", nil
		}
		return other.pa, other.status, other.refused, nil
	case 1:
		return found[0], ReviewedPlanFound, "", nil
	}
	names := make([]string, len(found))
	for i, pa := range found {
		names[i] = pa.name
	}
	return planArtifact{}, 0, "", fmt.Errorf("pull request #%d saved the plans of %d hogsync steps (artifacts %s) and this hogsync was not told which step it is, so it cannot tell which plan is its own",
		origin.number, len(found), strings.Join(names, ", "))
}

// pickPlanArtifact returns the newest unexpired of one step's artifacts
// whose run came from the merged pull request (see findPlanArtifact);
// else PlanArtifactRefused with why the newest refused one was, or
// PlanArtifactExpired, or NoPlanArtifact.
func (c *Client) pickPlanArtifact(ctx context.Context, arts []planArtifact, origin prOrigin) (planArtifact, ReviewedPlanStatus, string, error) {
	var candidates []planArtifact
	sawExpired := false
	for _, a := range arts {
		if a.expired {
			sawExpired = true
			continue
		}
		candidates = append(candidates, a)
	}
	// Newest first; each is checked against its run until one holds.
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		return a.created.After(b.created) || a.created.Equal(b.created) && a.id > b.id
	})
	refused := ""
	for _, a := range candidates {
		why := origin.repos(a.repoID, a.headRepo)
		if why == "" {
			var err error
			if why, err = c.runFrom(ctx, a.runID, origin); err != nil {
				return planArtifact{}, 0, "", err
			}
		}
		if why == "" {
			return a, ReviewedPlanFound, "", nil
		}
		if refused == "" {
			refused = fmt.Sprintf("artifact %d: %s", a.id, why)
		}
	}
	named := planArtifact{name: arts[0].name, key: arts[0].key}
	switch {
	case refused != "":
		return named, PlanArtifactRefused, refused, nil
	case sawExpired:
		return named, PlanArtifactExpired, "", nil
	}
	return planArtifact{}, NoPlanArtifact, "", nil
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

// planFromZip returns the plan's bytes from an artifact's archive: the
// file named for step key (StepPlanFileName) or PlanFileName; with key
// "", the one plan file there is. An archive holding a path (a/b, ../x,
// /x, c:\x) is refused whole; other files beside the plans are ignored.
func planFromZip(archive []byte, name string, limit int64, key string) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("artifact %s is not a zip archive: %v", name, err)
	}
	plans := map[string]*zip.File{}
	var names []string
	for _, f := range zr.File {
		if strings.ContainsAny(f.Name, `/\:`) || f.Name == ".." || f.Name == "." || f.Name == "" {
			return nil, fmt.Errorf("artifact %s holds %q, a path: hogsync saves only its plan file at its top; refusing it", name, f.Name)
		}
		k, ok := planFileKey(f.Name)
		if !ok {
			continue
		}
		if plans[k] != nil {
			return nil, fmt.Errorf("artifact %s holds %s twice; refusing it", name, f.Name)
		}
		plans[k] = f
		names = append(names, f.Name)
	}
	plan := plans[key]
	if plan == nil && len(plans) == 1 && (key == "" || plans[""] != nil) {
		for _, f := range plans {
			plan = f
		}
	}
	switch {
	case plan != nil:
	case len(plans) == 0:
		return nil, fmt.Errorf("artifact %s holds no %s (nor a step's %sKEY.json)", name, PlanFileName, PlanArtifactPrefix)
	case key != "":
		return nil, fmt.Errorf("artifact %s holds no plan of this hogsync step (%q), only %s; refusing it", name, stepFileName(key), strings.Join(names, ", "))
	default:
		return nil, fmt.Errorf("artifact %s holds the plans of %d hogsync steps (%s) and this hogsync cannot tell which is its own; refusing it", name, len(names), strings.Join(names, ", "))
	}
	tooLarge := fmt.Errorf("artifact %s: %s is larger than %d bytes; refusing it", name, plan.Name, limit)
	if plan.UncompressedSize64 > uint64(limit) {
		return nil, tooLarge
	}
	rc, err := plan.Open()
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %s: %v", name, plan.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, fmt.Errorf("artifact %s: %s: %v", name, plan.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, tooLarge
	}
	return b, nil
}
