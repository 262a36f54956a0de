package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

func (c *Client) holdoutsPath() string {
	return "/api/projects/" + c.project + "/experiment_holdouts/"
}

func (c *Client) holdoutPath(id int64) string {
	return c.holdoutsPath() + strconv.FormatInt(id, 10) + "/"
}

// List returns every holdout of the project, each id once, in no
// particular order.
func (c *Client) List(ctx context.Context) ([]Holdout, error) {
	hs, err := listAll[Holdout](ctx, c, c.holdoutsPath(), nil)
	if err != nil {
		return nil, fmt.Errorf("list holdouts: %w", err)
	}
	return hs, nil
}

// Create creates a holdout and returns it as the server stored it.
//
// When it fails with IsAmbiguous(err) true the holdout may exist anyway:
// list again before creating it again.
func (c *Client) Create(ctx context.Context, in HoldoutInput) (Holdout, error) {
	h, err := c.write(ctx, http.MethodPost, c.holdoutsPath(), in)
	if err != nil {
		return Holdout{}, fmt.Errorf("create holdout %q: %w", in.Name, err)
	}
	return h, nil
}

// Update sets every writable field of holdout id to in (a PATCH with all of
// in) and returns the holdout as the server stored it. Under an approval
// policy the change may instead wait as a change request: see
// PendingApproval.
func (c *Client) Update(ctx context.Context, id int64, in HoldoutInput) (Holdout, error) {
	if id <= 0 {
		return Holdout{}, fmt.Errorf("update holdout %d: the id must be positive", id)
	}
	h, err := c.write(ctx, http.MethodPatch, c.holdoutPath(id), in)
	if err != nil {
		return Holdout{}, fmt.Errorf("update holdout %d: %w", id, err)
	}
	return h, nil
}

// Patch changes only the fields p sets (a PATCH with just those) and
// returns the holdout as the server stored it. An empty patch is refused:
// PostHog moves updated_at even when nothing changes. Under an approval
// policy the change may instead wait as a change request: see
// PendingApproval.
func (c *Client) Patch(ctx context.Context, id int64, p HoldoutPatch) (Holdout, error) {
	if id <= 0 {
		return Holdout{}, fmt.Errorf("update holdout %d: the id must be positive", id)
	}
	if p.IsEmpty() {
		return Holdout{}, fmt.Errorf("update holdout %d: nothing to change", id)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return Holdout{}, fmt.Errorf("update holdout %d: encode request body: %w", id, err)
	}
	h, err := c.writeBody(ctx, http.MethodPatch, c.holdoutPath(id), body)
	if err != nil {
		return Holdout{}, fmt.Errorf("update holdout %d: %w", id, err)
	}
	return h, nil
}

// Delete deletes holdout id. PostHog unlinks it from its experiments. Under
// an approval policy the delete may instead wait as a change request: see
// PendingApproval.
func (c *Client) Delete(ctx context.Context, id int64) error {
	if id <= 0 {
		return fmt.Errorf("delete holdout %d: the id must be positive", id)
	}
	if err := c.do(ctx, request{method: http.MethodDelete, path: c.holdoutPath(id)}, nil); err != nil {
		return fmt.Errorf("delete holdout %d: %w", id, err)
	}
	return nil
}

// write sends in to path and decodes the holdout in the response.
func (c *Client) write(ctx context.Context, method, path string, in HoldoutInput) (Holdout, error) {
	body, err := json.Marshal(in)
	if err != nil {
		return Holdout{}, fmt.Errorf("encode request body: %w", err)
	}
	return c.writeBody(ctx, method, path, body)
}

// writeBody sends body to path and decodes the holdout in the response.
func (c *Client) writeBody(ctx context.Context, method, path string, body []byte) (Holdout, error) {
	var h Holdout
	if err := c.do(ctx, request{method: method, path: path, body: body}, &h); err != nil {
		return Holdout{}, err
	}
	if h.ID <= 0 {
		return Holdout{}, fmt.Errorf("%s %s: response has no holdout id", method, c.prefix+path)
	}
	return h, nil
}

// ListExperiments returns every experiment of the project, archived ones
// included, each id once, in no particular order, for the holdouts they
// use. PostHog's list hides archived experiments unless asked, and
// "?archived=true" lists only those, yet a holdout's update still rewrites
// the flags of archived experiments that use it: both lists are read, at
// the same time, and an experiment found only in the archived one has
// Archived set even if the server left the field out.
func (c *Client) ListExperiments(ctx context.Context) ([]Experiment, error) {
	path := "/api/projects/" + c.project + "/experiments/"
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var archived []Experiment
	var aerr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		archived, aerr = listAll[Experiment](ctx, c, path, url.Values{"archived": {"true"}})
		if aerr != nil {
			cancel() // the other list is of no use now
		}
	}()
	es, err := listAll[Experiment](ctx, c, path, nil)
	if err != nil {
		cancel()
	}
	<-done
	if err == nil || errors.Is(err, context.Canceled) && aerr != nil && !errors.Is(aerr, context.Canceled) {
		// Show the failure, not the cancel it caused.
		err = aerr
	}
	if err != nil {
		return nil, fmt.Errorf("list experiments: %w", err)
	}
	seen := make(map[int64]bool, len(es)+len(archived))
	for _, e := range es {
		seen[e.ID] = true
	}
	for _, e := range archived {
		if !seen[e.ID] {
			seen[e.ID] = true
			e.Archived = true
			es = append(es, e)
		}
	}
	return es, nil
}
