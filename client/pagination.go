package client

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// page is one page of a PostHog list: DRF's limit/offset pagination.
type page[T any] struct {
	Count   *int    `json:"count"`
	Next    *string `json:"next"`
	Results *[]T    `json:"results"`
}

// listPasses is how often a list is read again when it changed while it
// was being read.
const listPasses = 3

// listAll reads the whole list at path. PostHog orders lists by nothing,
// and a row that is written moves in a table scan, so offset pages read
// while others write can repeat one row and skip another. A pass that ends
// with fewer unique rows than PostHog's count, or whose count moves, is
// therefore read again, and after listPasses such passes listAll gives up
// rather than plan on a list that may be missing holdouts (which would
// create duplicates).
//
// filter is added to every page's query (as "archived=true"); nil for none.
func listAll[T any](ctx context.Context, c *Client, path string, filter url.Values, id func(T) int64) ([]T, error) {
	var err error
	for pass := 1; pass <= listPasses; pass++ {
		var all []T
		var consistent bool
		all, consistent, err = listPass(ctx, c, path, filter, id)
		if err != nil {
			return nil, err
		}
		if consistent {
			return all, nil
		}
	}
	return nil, fmt.Errorf("GET %s: the list changed while it was read, %d times running (something else is writing to this project); nothing was planned on it, run again", c.prefix+path, listPasses)
}

// listPass fetches every page of the list at path once and returns the
// items, the first of each id only, in the order received (the server
// applies none), and whether the pass saw as many rows as PostHog counts. Only the limit and offset of each "next" link are used, against
// the client's own base URL: the key never goes to a host or scheme the
// server names, and proxies that rewrite links to http:// do no harm.
func listPass[T any](ctx context.Context, c *Client, path string, filter url.Values, id func(T) int64) (items []T, consistent bool, err error) {
	query := url.Values{"limit": {strconv.Itoa(c.pageSize)}}.Encode()
	// offset=0 is the first page again: a next link back to it is a loop.
	fetched := map[string]bool{url.Values{"limit": {strconv.Itoa(c.pageSize)}, "offset": {"0"}}.Encode(): true}
	withFilter := func(q string) string {
		if len(filter) == 0 {
			return q
		}
		return filter.Encode() + "&" + q
	}
	have := map[int64]bool{}
	var all []T
	count := -1 // the first page's count
	for n := 0; ; n++ {
		if n == c.maxPages {
			return nil, false, fmt.Errorf("GET %s: stopped after %d pages: the server keeps sending next links", c.prefix+path, n)
		}
		fetched[query] = true
		var p page[T]
		if err := c.do(ctx, request{method: http.MethodGet, path: path, query: withFilter(query)}, &p); err != nil {
			return nil, false, err
		}
		if p.Results == nil {
			return nil, false, fmt.Errorf("GET %s: response is not a list page: no \"results\"", c.prefix+path)
		}
		for _, item := range *p.Results {
			if k := id(item); !have[k] {
				have[k] = true
				all = append(all, item)
			}
		}
		if p.Count != nil {
			if count >= 0 && *p.Count != count {
				return nil, false, nil // rows came or went between pages
			}
			count = *p.Count
		}
		if p.Next == nil || *p.Next == "" {
			// A row repeated across pages means another may have been
			// skipped: only as many unique rows as PostHog counts will do.
			// (A server that sends no count cannot be checked.)
			return all, count < 0 || len(all) == count, nil
		}
		if len(*p.Results) == 0 {
			return nil, false, fmt.Errorf("GET %s: an empty page with a next link: the server's pagination is broken", c.prefix+path)
		}
		next, err := nextQuery(*p.Next)
		if err != nil {
			return nil, false, fmt.Errorf("GET %s: next link %q: %v", c.prefix+path, c.redact(clean(*p.Next)), err)
		}
		if fetched[next] {
			return nil, false, fmt.Errorf("GET %s: pagination loop: next link %q asks again for %q", c.prefix+path, c.redact(clean(*p.Next)), "?"+next)
		}
		query = next
	}
}

// nextQuery keeps the limit and offset of a next link, encoded in sorted
// order so that the same page always gives the same string.
func nextQuery(next string) (string, error) {
	u, err := url.Parse(next)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", err
	}
	in := u.Query()
	if in.Get("offset") == "" {
		return "", errors.New("no offset: only limit/offset pagination is understood")
	}
	out := url.Values{"offset": {in.Get("offset")}}
	if l := in.Get("limit"); l != "" {
		out.Set("limit", l)
	}
	return out.Encode(), nil
}
