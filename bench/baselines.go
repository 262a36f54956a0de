package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	stdsync "sync"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// The baselines are the clients hogsync is compared with, written with
// net/http alone. Each decodes every holdout, as any client must.

// holdout is the part of a holdout the baselines decode. The filters are
// kept as JSON text, as hogsync's client keeps them: the least a client
// that must compare them can do.
type holdout struct {
	ID          int64           `json:"id"`
	Name        string          `json:"name"`
	Description *string         `json:"description"`
	Filters     json.RawMessage `json:"filters"`
}

type page struct {
	Count   int       `json:"count"`
	Next    *string   `json:"next"`
	Results []holdout `json:"results"`
}

// api is a fresh HTTP client for one baseline run, so each pays for its
// connections as a new hogsync process does.
type api struct {
	base string
	hc   *http.Client
}

func newAPI(host string) *api {
	return &api{
		base: host + "/api/projects/" + strconv.FormatInt(project, 10) + "/experiment_holdouts/",
		hc:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}},
	}
}

func (a *api) get(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
	resp, err := a.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}

// sequentialList reads the list page after page, following next: the
// plainest client.
func sequentialList(ctx context.Context, a *api, limit int) ([]holdout, error) {
	defer a.hc.CloseIdleConnections()
	var all []holdout
	for url := a.base + "?limit=" + strconv.Itoa(limit); url != ""; {
		var p page
		if err := a.get(ctx, url, &p); err != nil {
			return nil, err
		}
		all = append(all, p.Results...)
		url = ""
		if p.Next != nil {
			url = *p.Next
		}
	}
	return all, nil
}

// oneRequest reads the whole list in one request: the floor for a client
// that must see every holdout.
func oneRequest(ctx context.Context, a *api, n int) ([]holdout, error) {
	defer a.hc.CloseIdleConnections()
	var p page
	err := a.get(ctx, a.base+"?limit="+strconv.Itoa(n), &p)
	return p.Results, err
}

// perObject lists the ids page after page, then reads each holdout on its
// own, par at a time, as Terraform refreshes one resource per request.
func perObject(ctx context.Context, a *api, par int) ([]holdout, error) {
	listed, err := sequentialList(ctx, a, 100)
	if err != nil {
		return nil, err
	}
	defer a.hc.CloseIdleConnections()
	out := make([]holdout, len(listed))
	errs := make([]error, len(listed))
	next := make(chan int)
	var wg stdsync.WaitGroup
	for range par {
		wg.Go(func() {
			for i := range next {
				errs[i] = a.get(ctx, a.base+strconv.FormatInt(listed[i].ID, 10)+"/", &out[i])
			}
		})
	}
	for i := range listed {
		next <- i
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
