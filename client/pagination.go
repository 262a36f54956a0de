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
	Next    *string `json:"next"`
	Results *[]T    `json:"results"`
}

// listAll fetches every page of the list at path and returns the items,
// the first of each id only, in the order received (the server applies
// none). Only the limit and offset of each "next" link are used, against
// the client's own base URL: the key never goes to a host or scheme the
// server names, and proxies that rewrite links to http:// do no harm.
func listAll[T any](ctx context.Context, c *Client, path string, id func(T) int64) ([]T, error) {
	query := url.Values{"limit": {strconv.Itoa(c.pageSize)}}.Encode()
	// offset=0 is the first page again: a next link back to it is a loop.
	fetched := map[string]bool{url.Values{"limit": {strconv.Itoa(c.pageSize)}, "offset": {"0"}}.Encode(): true}
	have := map[int64]bool{}
	var all []T
	for n := 0; ; n++ {
		if n == c.maxPages {
			return nil, fmt.Errorf("GET %s: stopped after %d pages: the server keeps sending next links", c.prefix+path, n)
		}
		fetched[query] = true
		var p page[T]
		if err := c.do(ctx, request{method: http.MethodGet, path: path, query: query}, &p); err != nil {
			return nil, err
		}
		if p.Results == nil {
			return nil, fmt.Errorf("GET %s: response is not a list page: no \"results\"", c.prefix+path)
		}
		for _, item := range *p.Results {
			if k := id(item); !have[k] {
				have[k] = true
				all = append(all, item)
			}
		}
		if p.Next == nil || *p.Next == "" {
			return all, nil
		}
		next, err := nextQuery(*p.Next)
		if err != nil {
			return nil, fmt.Errorf("GET %s: next link %q: %v", c.prefix+path, c.redact(clean(*p.Next)), err)
		}
		if fetched[next] {
			return nil, fmt.Errorf("GET %s: pagination loop: next link %q asks again for %q", c.prefix+path, c.redact(clean(*p.Next)), "?"+next)
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
