package ghactions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// DriftLabel is put on drift issues when GitHub lets the token; the
// lookup asks for it first (without one the issue is found by its
// creator and marker).
const DriftLabel = "hogsync-drift"

// DriftMarker is the hidden first line of the drift issue for id (a
// project and directory, say).
func DriftMarker(id string) string { return "<!-- hogsync-drift:" + id + " -->" }

// DriftAction is what SyncDriftIssue did.
type DriftAction int

const (
	// DriftNone: no drift, and no issue open for it; nothing was done.
	DriftNone DriftAction = iota
	// DriftOpened: an issue was opened.
	DriftOpened
	// DriftUpdated: the open issue's title or body was changed.
	DriftUpdated
	// DriftUnchanged: the open issue already said the same.
	DriftUnchanged
	// DriftClosed: drift is gone, and the issue was closed.
	DriftClosed
)

func (a DriftAction) String() string {
	return [...]string{"none", "opened", "updated", "unchanged", "closed"}[a]
}

// DriftResult is what SyncDriftIssue did, and to which issue.
type DriftResult struct {
	Action DriftAction
	Issue  int    // the issue's number (0 with DriftNone)
	URL    string // its page
	// Duplicates are further open issues with the same marker, closed.
	Duplicates []int
}

type issue struct {
	Number      int             `json:"number"`
	Title       string          `json:"title"`
	Body        string          `json:"body"`
	HTMLURL     string          `json:"html_url"`
	User        user            `json:"user"`
	PullRequest *map[string]any `json:"pull_request"`
}

// driftClosing is the comment left on a drift issue closed for want of
// drift.
const driftClosing = "The latest run of hogsync found no drift: PostHog matches the repository again. Closing; a new issue opens if drift comes back."

// SyncDriftIssue keeps one open issue per marker (its body's first line,
// see DriftMarker) saying what drifted. With drift, it opens the issue
// with title and body (which must start with marker), or updates the open
// one when its title or body differ. Without drift, it closes the open
// issue with a short comment (body is then unused).
//
// Only issues written by the token's own account (see Login) count: an
// issue someone else wrote is never edited or closed, whatever it says.
// Further open issues of its own with the same marker (left by a race)
// are closed as duplicates.
func (c *Client) SyncDriftIssue(ctx context.Context, marker, title, body string, drift bool) (DriftResult, error) {
	if marker == "" || strings.ContainsAny(marker, "\r\n") {
		return DriftResult{}, errors.New("drift issue marker must be one non-empty line")
	}
	if drift && (!strings.HasPrefix(body, marker) || strings.TrimSpace(title) == "") {
		return DriftResult{}, errors.New("drift issue needs a title, and a body that starts with its marker")
	}
	login, err := c.Login(ctx)
	if err != nil {
		return DriftResult{}, err
	}
	open, err := c.findIssues(ctx, marker, login)
	if err != nil {
		return DriftResult{}, err
	}
	var res DriftResult
	if len(open) > 0 {
		res.Issue, res.URL = open[0].Number, open[0].HTMLURL
		for _, dup := range open[1:] {
			if err := c.closeIssue(ctx, dup.Number, fmt.Sprintf("Duplicate of #%d: hogsync keeps one drift issue open.", open[0].Number)); err != nil {
				return res, err
			}
			res.Duplicates = append(res.Duplicates, dup.Number)
		}
	}
	switch {
	case !drift && len(open) == 0:
		res.Action = DriftNone
	case !drift:
		res.Action = DriftClosed
		if err := c.closeIssue(ctx, open[0].Number, driftClosing); err != nil {
			return res, err
		}
	case len(open) == 0:
		is, err := c.createIssue(ctx, marker, login, title, body)
		if err != nil {
			return res, err
		}
		res.Action, res.Issue, res.URL = DriftOpened, is.Number, is.HTMLURL
	case open[0].Title == title && open[0].Body == body:
		res.Action = DriftUnchanged
	default:
		res.Action = DriftUpdated
		path := fmt.Sprintf("/repos/%s/issues/%d", c.repo, open[0].Number)
		if err := c.send(ctx, http.MethodPatch, path, map[string]string{"title": title, "body": body}, nil); err != nil {
			return res, err
		}
	}
	return res, nil
}

// findIssues returns the open issues (not pull requests) that login wrote
// and whose first line is marker, oldest first. GitHub filters them by
// creator, and first by DriftLabel as well, so that however many issues
// others open (only people with triage access can label one), the drift
// issue is on the first page: labelled ones are looked up first, then
// (for an issue opened where the label could not be set) every issue
// login wrote. Should GitHub refuse the creator filter (422), the label
// alone, then the whole list, is looked through.
func (c *Client) findIssues(ctx context.Context, marker, login string) ([]issue, error) {
	creator := "&creator=" + url.QueryEscape(login)
	for _, filter := range []string{"&labels=" + url.QueryEscape(DriftLabel) + creator, creator} {
		out, err := c.listIssues(ctx, filter, marker, login)
		if hasStatus(err, http.StatusUnprocessableEntity) {
			// The creator filter is refused: the same without it.
			out, err = c.listIssues(ctx, strings.Replace(filter, creator, "", 1), marker, login)
		}
		if err != nil || len(out) > 0 {
			return out, err
		}
	}
	return nil, nil
}

// listIssues lists the open issues matching filter (query parameters,
// each starting with '&') that login wrote and whose first line is marker.
func (c *Client) listIssues(ctx context.Context, filter, marker, login string) ([]issue, error) {
	var out []issue
	for page := 1; page <= maxPages; page++ {
		var batch []issue
		path := fmt.Sprintf("/repos/%s/issues?state=open&sort=created&direction=asc&per_page=100&page=%d%s", c.repo, page, filter)
		if err := c.send(ctx, http.MethodGet, path, nil, &batch); err != nil {
			return nil, err
		}
		for _, is := range batch {
			if is.PullRequest == nil && firstLine(is.Body) == marker && strings.EqualFold(is.User.Login, login) {
				out = append(out, is)
			}
		}
		if len(batch) < 100 {
			break
		}
	}
	return out, nil
}

// createIssue opens an issue, labelled DriftLabel when GitHub allows. A
// create that got no answer (or a 5xx) may have been made: it looks
// before creating again, once.
func (c *Client) createIssue(ctx context.Context, marker, login, title, body string) (issue, error) {
	path := fmt.Sprintf("/repos/%s/issues", c.repo)
	post := func() (issue, error) {
		var is issue
		err := c.send(ctx, http.MethodPost, path, map[string]any{"title": title, "body": body, "labels": []string{DriftLabel}}, &is)
		if hasStatus(err, http.StatusUnprocessableEntity, http.StatusForbidden) && !isRateLimit(err) {
			// The label could not be made or set: labels are optional.
			is = issue{}
			err = c.send(ctx, http.MethodPost, path, map[string]any{"title": title, "body": body}, &is)
		}
		return is, err
	}
	is, err := post()
	if err == nil || !ambiguous(err) || ctx.Err() != nil {
		return is, err
	}
	found, ferr := c.findIssues(ctx, marker, login)
	if ferr != nil {
		return issue{}, err
	}
	if len(found) > 0 {
		return found[0], nil
	}
	return post()
}

func isRateLimit(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.RateLimited
}

// closeIssue closes issue n as completed, then says why in a comment:
// closed first, so a failed comment never leaves the issue open to be
// commented on again.
func (c *Client) closeIssue(ctx context.Context, n int, why string) error {
	path := fmt.Sprintf("/repos/%s/issues/%d", c.repo, n)
	if err := c.send(ctx, http.MethodPatch, path, map[string]string{"state": "closed", "state_reason": "completed"}, nil); err != nil {
		return err
	}
	if err := c.createComment(ctx, n, "", "", why); err != nil {
		return c.errorf("closed issue #%d, but could not say why: %w", n, err)
	}
	return nil
}
