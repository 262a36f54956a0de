package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	stdsync "sync"
	"sync/atomic"
)

const (
	// defaultPageSize is the page size lists ask for. PostHog's default is
	// 100 and it sets no maximum. A holdout is about 0.5 KB of JSON, so a
	// page of 1,000 is about 0.5 MB, decoded as it arrives: small for
	// memory, and quick for PostHog to serve, so one slow page does not
	// hold a run up, nor does a retry of it cost much. Ten times PostHog's
	// default divides what a listing spends of the key's budget (480
	// requests a minute, 4,800 an hour) by ten: 50,000 holdouts take 50
	// requests rather than 500, a hundredth of the hourly budget on every
	// plan. Larger pages would save little more, and cost latency and
	// memory per request.
	defaultPageSize = 1000
	// postHogPageSize is PostHog's own page size (DRF's PAGE_SIZE). A next
	// link may cut the page size to what the server allows (DRF clamps to
	// max_limit silently), but never below this.
	postHogPageSize = 100
	// listInFlight is how many pages of one listing are read at once: the
	// pages after the first then take one more round trip up to 65,000
	// holdouts at the default page size (each round trip is PostHog's
	// latency, where decoding a page takes a few milliseconds), and a
	// listing never holds more connections to PostHog than this.
	listInFlight = 64
	// defaultMaxPages stops a list that never ends.
	defaultMaxPages = 10_000
	// defaultMaxListItems and defaultMaxListBytes bound one listing: far
	// beyond a real project (PostHog's UI lists holdouts on one page),
	// and well within a CI runner's memory.
	defaultMaxListItems = 250_000
	defaultMaxListBytes = 128 << 20
	// listPasses is how often a list is read again when it changed while
	// it was being read.
	listPasses = 3
)

// WithPageSize sets the page size that list requests ask for (?limit=);
// the default is 1000 (PostHog's is 100; it sets no maximum). A plan of N
// holdouts reads their list in ceil(N/n) requests.
func WithPageSize(n int) Option {
	return func(c *Client) {
		if n < 1 {
			c.optErrs = append(c.optErrs, fmt.Errorf("page size %d must be at least 1", n))
			return
		}
		c.pageSize = n
	}
}

// WithListLimits bounds each reading of a list (of holdouts, or of
// experiments): at most maxItems distinct items, and maxBytes bytes both
// of response bodies and of what the items take once decoded (defaults
// 250,000 and 128 MiB). A server that keeps sending stops there with a
// *ListLimitError, so memory stays bounded.
func WithListLimits(maxItems int, maxBytes int64) Option {
	return func(c *Client) {
		if maxItems < 1 || maxBytes < 1 {
			c.optErrs = append(c.optErrs, fmt.Errorf("list limits of %d items and %d bytes: both must be positive", maxItems, maxBytes))
			return
		}
		c.maxListItems, c.maxListBytes = maxItems, maxBytes
	}
}

// ListLimitError is a list that went past a limit WithListLimits sets.
// Callers that expose the limit as a setting can name it: the error says
// which limit was hit and its value.
type ListLimitError struct {
	What  string // "items" or "bytes"
	Limit int64
}

func (e *ListLimitError) Error() string {
	if e.What == "bytes" {
		return fmt.Sprintf("the list takes more than %d bytes (%d MiB), as read or as held in memory, the most one listing takes (a guard against a server that never stops sending); if the project really holds that much, raise the limit", e.Limit, e.Limit>>20)
	}
	return fmt.Sprintf("the list holds more than %d %s, the most one listing reads (a guard against a server that never stops sending); if the project really has that many, raise the limit", e.Limit, e.What)
}

// listAll reads the whole list at path. PostHog orders lists by nothing,
// so rows come in the database's plan order, which can change between two
// page requests even without writes, and a row that is written moves:
// offset pages can then repeat one row and skip another. A pass that ends
// with fewer unique rows than PostHog's count, or whose count moves, is
// therefore read again, and after listPasses such passes listAll gives up
// rather than plan on a list that may be missing holdouts (which would
// create duplicates).
//
// filter is added to every page's query (as "archived=true"); nil for none.
func listAll[T listItem](ctx context.Context, c *Client, path string, filter url.Values) ([]T, error) {
	for range listPasses {
		p := &listPass[T]{c: c, path: path, filter: filter,
			budget: &byteBudget{limit: c.maxListBytes}, seen: map[int64]struct{}{}}
		all, consistent, err := p.read(ctx)
		if err != nil {
			return nil, err
		}
		if consistent {
			return all, nil
		}
	}
	return nil, fmt.Errorf("GET %s: the list changed while it was read, %d times running (something else is writing to this project); nothing was planned on it, run again", c.prefix+path, listPasses)
}

// listPass is one reading of a list. Only the limit and offset of each
// "next" link are used, against the client's own base URL: the key never
// goes to a host or scheme the server names, and proxies that rewrite
// links to http:// do no harm.
type listPass[T listItem] struct {
	c      *Client
	path   string
	filter url.Values
	budget *byteBudget // bytes read by this pass

	mu   stdsync.Mutex
	seen map[int64]struct{} // distinct ids received, for the item limit
	held int64              // heldBytes of the items decoded (a page read twice counts twice), for the byte limit
}

// listItem is what a list holds: its id, and an estimate of the memory
// it takes once decoded. The listing's byte limit counts the larger of
// what its pages take on the wire and what their items take in memory:
// JSON that is small on the wire can be large in memory (a million empty
// objects take 3 MB as text and 50 MB as maps).
//
// wireLimit is the most one item may take on the wire, or 0 for no limit
// of its own: a type that decodes arbitrary JSON (a holdout's filters)
// needs one, since one item is decoded whole before heldBytes can count it.
//
// check refuses an item its decoding leaves in a form the client does not
// take: a holdout's filters, kept as text, must still decode as filter
// groups.
type listItem interface {
	listID() int64
	heldBytes() int64
	wireLimit() int64
	check() error
}

// page is one page of a PostHog list: DRF's limit/offset pagination,
// decoded item by item so that the listing's limits apply as it arrives.
type page[T listItem] struct {
	Count   *int
	Next    *string
	Results []T
	results bool // "results" was present, as a list

	admit func(T) error // called for each item before it is kept
}

func (p *page[T]) decodeFrom(dec *json.Decoder, body *bodyReader) error {
	admit := p.admit
	*p = page[T]{admit: admit} // a retried attempt starts afresh
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok != json.Delim('{') {
		return fmt.Errorf("cannot unmarshal %s into a list page", jsonKind(tok))
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch key, _ := tok.(string); key {
		case "count":
			err = dec.Decode(&p.Count)
		case "next":
			err = dec.Decode(&p.Next)
		case "results":
			err = p.decodeResults(dec, body)
		default:
			err = skipValue(dec)
		}
		if err != nil {
			return err
		}
	}
	_, err = dec.Token() // the closing brace
	return err
}

func (p *page[T]) decodeResults(dec *json.Decoder, body *bodyReader) error {
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return err // null: no results
	}
	if tok != json.Delim('[') {
		return fmt.Errorf("cannot unmarshal %s into the list page's results", jsonKind(tok))
	}
	p.results = true
	var zero T
	limit := zero.wireLimit()
	for dec.More() {
		var item T
		if limit > 0 {
			body.startItem(dec.InputOffset(), limit)
		}
		if err := dec.Decode(&item); err != nil {
			return err
		}
		if err := item.check(); err != nil {
			return err
		}
		if err := p.admit(item); err != nil {
			return err
		}
		p.Results = append(p.Results, item)
	}
	body.endItems()
	_, err = dec.Token() // the closing bracket
	return err
}

// skipValue reads past the next JSON value token by token, so that a large
// unknown field is not held in memory as a whole.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// jsonKind names the JSON value that tok starts, as encoding/json does.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case json.Delim:
		if tok == json.Delim('[') {
			return "array"
		}
		return "object"
	case string:
		return "string"
	case json.Number, float64:
		return "number"
	case bool:
		return "bool"
	}
	return "null"
}

// admit counts an item's id against the item limit, and the memory it
// takes against the byte limit.
func (p *listPass[T]) admit(item T) error {
	k := item.listID()
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.seen[k]; !ok {
		if len(p.seen) >= p.c.maxListItems {
			return &ListLimitError{What: "items", Limit: int64(p.c.maxListItems)}
		}
		p.seen[k] = struct{}{}
	}
	if p.held += item.heldBytes(); p.held > p.c.maxListBytes {
		return &ListLimitError{What: "bytes", Limit: p.c.maxListBytes}
	}
	return nil
}

// query is the encoded query of the page at offset (none for -1) of
// limit rows.
func (p *listPass[T]) query(limit, offset int) string {
	q := url.Values{"limit": {strconv.Itoa(limit)}}
	if offset >= 0 {
		q.Set("offset", strconv.Itoa(offset))
	}
	for k, v := range p.filter {
		q[k] = v
	}
	return q.Encode()
}

// fetch reads one page.
func (p *listPass[T]) fetch(ctx context.Context, query string) (*page[T], error) {
	pg := &page[T]{admit: p.admit}
	if err := p.c.do(ctx, request{method: http.MethodGet, path: p.path, query: query, bytes: p.budget}, pg); err != nil {
		return nil, err
	}
	if !pg.results {
		return nil, p.errorf("response is not a list page: no \"results\"")
	}
	return pg, nil
}

func (p *listPass[T]) errorf(format string, args ...any) error {
	return fmt.Errorf("GET %s: %s", p.c.prefix+p.path, fmt.Sprintf(format, args...))
}

// wrap prefixes err with the list's method and path.
func (p *listPass[T]) wrap(err error) error {
	return fmt.Errorf("GET %s: %w", p.c.prefix+p.path, err)
}

// read fetches every page of the list once and returns the items, the
// first of each id only, in page order (the server applies none), and
// whether the pass saw as many rows as PostHog counts.
//
// The first page gives the count and, in its next link, the page size
// the server uses; the other pages are then read at once (listInFlight at
// a time, each waiting its turn at the rate limiter). A server that sends
// no count is read page after page, following its next links.
func (p *listPass[T]) read(ctx context.Context) (items []T, consistent bool, err error) {
	first, err := p.fetch(ctx, p.query(p.c.pageSize, -1))
	if err != nil {
		return nil, false, err
	}
	if first.Count == nil {
		return p.follow(ctx, first)
	}
	count := *first.Count
	if !hasNext(first) {
		all := p.merge(first)
		return all, len(all) == count, nil
	}
	limit, err := p.checkNext(first, 0, 0)
	if err != nil {
		return nil, false, err
	}
	if count > p.c.maxListItems {
		return nil, false, p.wrap(&ListLimitError{What: "items", Limit: int64(p.c.maxListItems)})
	}
	var offsets []int
	for o := limit; o < count; o += limit {
		offsets = append(offsets, o)
	}
	if n := len(offsets) + 1; n > p.c.maxPages {
		return nil, false, p.errorf("the list of %d needs %d pages of %d, more than the %d one listing reads", count, n, limit, p.c.maxPages)
	}
	pages := make([]*page[T], len(offsets))
	var (
		stop       atomic.Bool // a page ended the pass
		mu         stdsync.Mutex
		firstErr   error
		moved      bool
		nextOffset atomic.Int64
		wg         stdsync.WaitGroup
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	end := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if stop.Swap(true) {
			return // the pass has ended already: this is its echo
		}
		if err != nil {
			firstErr = err
		} else {
			moved = true
		}
		cancel()
	}
	for range min(listInFlight, len(offsets)) {
		wg.Go(func() {
			for !stop.Load() {
				i := int(nextOffset.Add(1)) - 1
				if i >= len(offsets) {
					return
				}
				o := offsets[i]
				pg, err := p.fetch(ctx, p.query(limit, o))
				if err != nil {
					end(err)
					return
				}
				if pg.Count == nil {
					end(p.errorf("the page at offset %d has no count, though the first page had one: the server's pagination is broken", o))
					return
				}
				if *pg.Count != count {
					end(nil) // rows came or went between pages
					return
				}
				switch {
				case hasNext(pg) && o+limit >= count:
					err = p.errorf("the page at offset %d has a next link %q, though the list counts %d: the server's pagination is broken", o, p.c.redact(clean(*pg.Next)), count)
				case hasNext(pg):
					_, err = p.checkNext(pg, o, limit)
				case o+limit < count:
					err = p.errorf("the page at offset %d has no next link, though the list counts %d: the server's pagination is broken", o, count)
				}
				if err != nil {
					end(err)
					return
				}
				pages[i] = pg
			}
		})
	}
	wg.Wait()
	if firstErr != nil || moved {
		return nil, false, firstErr
	}
	// Only as many distinct rows as PostHog counts will do: a row repeated
	// across pages means another may have been skipped.
	all := p.merge(append([]*page[T]{first}, pages...)...)
	return all, len(all) == count, nil
}

// follow reads the pages after first one after another, as their next
// links say, for a server that sends no count on its first page.
func (p *listPass[T]) follow(ctx context.Context, first *page[T]) ([]T, bool, error) {
	pages := []*page[T]{first}
	// The first page again (offset 0) is a loop too.
	fetched := map[int]bool{0: true} // offsets read
	count := -1                      // the first count a page gives
	limit := 0                       // the page size the next links name
	for offset, pg := 0, first; ; {
		if pg.Count != nil {
			if count >= 0 && *pg.Count != count {
				return nil, false, nil // rows came or went between pages
			}
			count = *pg.Count
		}
		if !hasNext(pg) {
			// A row repeated across pages means another may have been
			// skipped: only as many unique rows as PostHog counts will do.
			// (A server that sends no count cannot be checked.)
			all := p.merge(pages...)
			return all, count < 0 || len(all) == count, nil
		}
		if len(pages) == p.c.maxPages {
			return nil, false, p.errorf("stopped after %d pages: the server keeps sending next links", len(pages))
		}
		n, nextOffset, err := p.parseNext(*pg.Next)
		if err != nil {
			return nil, false, err
		}
		q := p.query(n, nextOffset)
		if fetched[nextOffset] {
			return nil, false, p.errorf("pagination loop: next link %q asks again for %q", p.c.redact(clean(*pg.Next)), "?"+q)
		}
		if limit, err = p.checkNext(pg, offset, limit); err != nil {
			return nil, false, err
		}
		fetched[nextOffset] = true
		offset += limit
		if pg, err = p.fetch(ctx, q); err != nil {
			return nil, false, err
		}
		pages = append(pages, pg)
	}
}

func hasNext[T listItem](pg *page[T]) bool { return pg.Next != nil && *pg.Next != "" }

// merge joins pages in order, keeping the first item of each id.
func (p *listPass[T]) merge(pages ...*page[T]) []T {
	n := 0
	for _, pg := range pages {
		n += len(pg.Results)
	}
	all := make([]T, 0, n)
	have := make(map[int64]struct{}, n)
	for _, pg := range pages {
		for _, item := range pg.Results {
			if k := item.listID(); !has(have, k) {
				have[k] = struct{}{}
				all = append(all, item)
			}
		}
		pg.Results = nil
	}
	return all
}

func has(m map[int64]struct{}, k int64) bool { _, ok := m[k]; return ok }

// parseNext reads the limit and offset of a next link.
func (p *listPass[T]) parseNext(next string) (limit, offset int, err error) {
	fail := func(format string, args ...any) (int, int, error) {
		return 0, 0, p.errorf("next link %q: %s", p.c.redact(clean(next)), fmt.Sprintf(format, args...))
	}
	u, err := url.Parse(next)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail("%v", err)
	}
	in := u.Query()
	if in.Get("offset") == "" {
		return fail("no offset: only limit/offset pagination is understood")
	}
	offset, err = strconv.Atoi(in.Get("offset"))
	if err != nil || offset < 0 {
		return fail("offset %q is not a page offset", p.c.redact(clean(in.Get("offset"))))
	}
	limit, err = strconv.Atoi(in.Get("limit"))
	if err != nil || limit < 1 {
		return fail("limit %q is not a page size", p.c.redact(clean(in.Get("limit"))))
	}
	return limit, offset, nil
}

// checkNext checks the next link of the page at offset, and returns the
// page size it names. limit is the page size the earlier links named (0
// for the first page's). A server may cut the page size asked for (DRF
// clamps to its max_limit silently), but not below PostHog's own 100 (or
// the size asked for, when smaller): a next link that cuts pages to one
// row would make a listing of thousands of requests. The page size must
// then stay the same, and each link must name the next page.
func (p *listPass[T]) checkNext(pg *page[T], offset, limit int) (int, error) {
	next := *pg.Next
	show := p.c.redact(clean(next))
	n, nextOffset, err := p.parseNext(next)
	if err != nil {
		return 0, err
	}
	asked, floor := p.c.pageSize, min(p.c.pageSize, postHogPageSize)
	switch {
	case len(pg.Results) == 0:
		return 0, p.errorf("an empty page with a next link: the server's pagination is broken")
	case limit > 0 && n != limit:
		return 0, p.errorf("next link %q changes the page size from %d to %d: the server's pagination is broken", show, limit, n)
	case n > asked:
		return 0, p.errorf("next link %q asks for pages of %d, more than the %d asked for: the server's pagination is broken", show, n, asked)
	case n < floor:
		return 0, p.errorf("next link %q cuts pages to %d, fewer than the %d asked for and PostHog's own %d: refused, as reading the list this way would take too many requests", show, n, asked, postHogPageSize)
	case nextOffset != offset+n:
		return 0, p.errorf("next link %q goes to offset %d, not %d (this page's offset %d plus the page size %d): the server's pagination is broken", show, nextOffset, offset+n, offset, n)
	}
	return n, nil
}
