package ghactions

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// Comments keeps one comment per marker on a pull request, through
// GitHub's REST API.
type Comments struct {
	apiURL string
	token  string
	repo   string
	hc     *http.Client
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// NewComments checks its inputs: apiURL is $GITHUB_API_URL (https, or http
// on loopback only: the token travels with every request), repo is
// "owner/name" ($GITHUB_REPOSITORY), token is a GitHub token allowed to
// write pull request comments.
func NewComments(apiURL, token, repo string, hc *http.Client) (*Comments, error) {
	u, err := url.Parse(strings.TrimRight(apiURL, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not a URL", apiURL)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return nil, fmt.Errorf("GITHUB_API_URL %q: refusing to send the GitHub token over plain http to a host that is not loopback", apiURL)
	}
	if token == "" {
		return nil, fmt.Errorf("no GitHub token: set GITHUB_TOKEN (the action's github-token input) to post the plan as a comment")
	}
	if !repoRE.MatchString(repo) {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", repo)
	}
	if hc == nil {
		hc = &http.Client{}
	}
	return &Comments{apiURL: u.String(), token: token, repo: repo, hc: hc}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

type comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User struct {
		Type string `json:"type"`
	} `json:"user"`
}

// Upsert makes the pull request's comment that starts with marker say
// body (which must start with marker itself): it updates the comment when
// one exists, and creates it otherwise. Only a comment's first line counts,
// so text quoted further down any comment is never taken for the marker.
// It reports whether it created the comment.
func (c *Comments) Upsert(ctx context.Context, pr int, marker, body string) (created bool, err error) {
	if !strings.HasPrefix(body, marker) {
		return false, fmt.Errorf("comment body must start with its marker")
	}
	existing, err := c.find(ctx, pr, marker)
	if err != nil {
		return false, err
	}
	if existing != 0 {
		err := c.send(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/comments/%d", c.repo, existing), body, nil)
		if err == nil {
			return false, nil
		}
		var ge *apiError
		if !asAPIError(err, &ge) || (ge.status != http.StatusForbidden && ge.status != http.StatusNotFound) {
			return false, err
		}
		// Not ours to edit, or gone: post a new one.
	}
	if err := c.send(ctx, http.MethodPost, fmt.Sprintf("/repos/%s/issues/%d/comments", c.repo, pr), body, nil); err != nil {
		return false, err
	}
	return true, nil
}

// find returns the id of the comment whose first line is marker, preferring
// one written by a bot (the Actions token posts as github-actions[bot]).
func (c *Comments) find(ctx context.Context, pr int, marker string) (int64, error) {
	var first int64
	for page := 1; page <= 100; page++ {
		var batch []comment
		path := fmt.Sprintf("/repos/%s/issues/%d/comments?per_page=100&page=%d", c.repo, pr, page)
		if err := c.send(ctx, http.MethodGet, path, "", &batch); err != nil {
			return 0, err
		}
		for _, cm := range batch {
			line, _, _ := strings.Cut(cm.Body, "\n")
			if strings.TrimRight(line, "\r ") != marker {
				continue
			}
			if cm.User.Type == "Bot" {
				return cm.ID, nil
			}
			if first == 0 {
				first = cm.ID
			}
		}
		if len(batch) < 100 {
			break
		}
	}
	return first, nil
}

type apiError struct {
	method, path string
	status       int
	message      string
}

func (e *apiError) Error() string {
	msg := e.message
	if msg == "" {
		msg = http.StatusText(e.status)
	}
	return fmt.Sprintf("GitHub %s %s: %d: %s", e.method, e.path, e.status, msg)
}

func asAPIError(err error, target **apiError) bool {
	ae, ok := err.(*apiError)
	if ok {
		*target = ae
	}
	return ok
}

func (c *Comments) send(ctx context.Context, method, path, body string, out any) error {
	var rd io.Reader
	if method != http.MethodGet {
		b, err := json.Marshal(map[string]string{"body": body})
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.apiURL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "hogsync")
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("GitHub %s %s: %w", method, stripQuery(path), err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if resp.StatusCode/100 != 2 {
		var e struct {
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		return &apiError{method: method, path: stripQuery(path), status: resp.StatusCode, message: strings.ReplaceAll(e.Message, c.token, "[REDACTED]")}
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("GitHub %s %s: decode: %v", method, stripQuery(path), err)
		}
	}
	return nil
}

func stripQuery(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}
