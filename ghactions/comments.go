package ghactions

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// user is the author of a comment or an issue.
type user struct {
	Login string `json:"login"`
	Type  string `json:"type"`
}

type comment struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	User user   `json:"user"`
}

// Upsert makes the pull request's (or issue's) comment that starts with
// marker say body (which must start with marker itself): it edits the
// comment when one exists, and creates it otherwise. It reports whether it
// created the comment.
//
// Only a comment written by the token's own account (see Login) whose
// first line is the marker counts: a comment someone else wrote is never
// edited, whatever it says. A create that got no answer, or a 5xx, is not
// sent again blindly: the comments are listed again first, so the comment
// is never posted twice.
func (c *Client) Upsert(ctx context.Context, pr int, marker, body string) (created bool, err error) {
	if marker == "" || !strings.HasPrefix(body, marker) {
		return false, errors.New("comment body must start with its marker")
	}
	login, err := c.Login(ctx)
	if err != nil {
		return false, err
	}
	id, err := c.findComment(ctx, pr, marker, login)
	if err != nil {
		return false, err
	}
	if id != 0 {
		err := c.editComment(ctx, id, body)
		if err == nil {
			return false, nil
		}
		if !hasStatus(err, http.StatusNotFound) {
			return false, err
		}
		// Deleted since it was listed: make it again.
	}
	return true, c.createComment(ctx, pr, marker, login, body)
}

func (c *Client) editComment(ctx context.Context, id int64, body string) error {
	return c.send(ctx, http.MethodPatch, fmt.Sprintf("/repos/%s/issues/comments/%d", c.repo, id), map[string]string{"body": body}, nil)
}

// createComment posts body on issue or pull request n. When the post got
// no answer (or a 5xx) it may have been made: it looks before posting
// again, once.
func (c *Client) createComment(ctx context.Context, n int, marker, login, body string) error {
	path := fmt.Sprintf("/repos/%s/issues/%d/comments", c.repo, n)
	err := c.send(ctx, http.MethodPost, path, map[string]string{"body": body}, nil)
	if err == nil || marker == "" || !ambiguous(err) || ctx.Err() != nil {
		return err
	}
	id, ferr := c.findComment(ctx, n, marker, login)
	if ferr != nil {
		return err
	}
	if id != 0 {
		return c.editComment(ctx, id, body)
	}
	return c.send(ctx, http.MethodPost, path, map[string]string{"body": body}, nil)
}

// findComment returns the id of the first comment on issue or pull
// request n that login wrote and whose first line is marker (0 for none).
// GitHub's comment listing takes no creator or label filter (only since,
// per_page and page), so this pages through the comments oldest first:
// the plan comment, made by the pull request's first run, comes before
// whatever others write after it, however much that is.
func (c *Client) findComment(ctx context.Context, n int, marker, login string) (int64, error) {
	for page := 1; page <= maxPages; page++ {
		var batch []comment
		path := fmt.Sprintf("/repos/%s/issues/%d/comments?per_page=100&page=%d", c.repo, n, page)
		if err := c.send(ctx, http.MethodGet, path, nil, &batch); err != nil {
			return 0, err
		}
		for _, cm := range batch {
			if firstLine(cm.Body) == marker && strings.EqualFold(cm.User.Login, login) {
				return cm.ID, nil
			}
		}
		if len(batch) < 100 {
			break
		}
	}
	return 0, nil
}
