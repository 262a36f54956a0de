package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"
)

const (
	maxBodyBytes      = 64 << 20 // a success body larger than this is refused (list pages: see WithListLimits)
	maxErrorBodyBytes = 1 << 20  // an error body is read up to this for decoding
	maxErrorTextBytes = 512      // APIError.Body keeps at most this much
)

// request is one API call: a path under the base URL ("/api/..."), an
// encoded query without "?", and a body already marshalled to bytes so that
// every attempt sends it with a Content-Length.
type request struct {
	method string
	path   string
	query  string
	body   []byte
	bytes  *byteBudget // for a list page: the listing's byte limit
}

// transportError is a failure to get a complete response: no connection, a
// reset, a timeout, a body cut short. sent records whether the request could
// have reached the server, which IsAmbiguous needs, and method which
// column of RetryTable applies.
type transportError struct {
	method  string
	err     error
	sent    bool
	timeout time.Duration // the per-attempt timeout, when that is what ended it
}

func (e *transportError) Error() string {
	if e.timeout > 0 {
		return fmt.Sprintf("%v (no complete answer within %v)", e.err, e.timeout)
	}
	return e.err.Error()
}

func (e *transportError) Unwrap() error { return e.err }

// do performs r, retrying as WithRetries describes, and decodes a 2xx body
// into out (nil to ignore the body). Every attempt first waits for the rate
// limiter and sends the same body bytes. Errors are *APIError, a transport
// error, a decode error or ctx's error, each saying method and path but not
// the operation: the caller adds that.
func (c *Client) do(ctx context.Context, r request, out any) error {
	stop := stopOf(ctx) // ctx itself unless Detach made it
	var last error      // the previous attempt's error
	var maybeDone bool  // an earlier attempt may have been carried out
	for n := 1; ; n++ {
		// The first attempt of a request its caller has started goes out
		// (after its rate-limit turn) even if stop ends meanwhile, so that a
		// started change never ends as neither done nor failed; only
		// retries are called off.
		turn := stop
		if n == 1 {
			turn = ctx
		}
		waited, err := c.waitTurn(turn)
		if err != nil {
			if last != nil {
				return fmt.Errorf("%w; retry abandoned: %w", last, err)
			}
			return err
		}
		var x *exchange // what the debug log shows of the attempt
		if c.debug != nil {
			x = c.newExchange(waited)
		}
		status, err := c.attempt(ctx, r, out, x)
		if err != nil && r.method == http.MethodDelete && status == http.StatusNotFound && maybeDone {
			err = nil // an earlier attempt did delete it
		}
		var wait time.Duration
		retryable := false
		if err != nil && stop.Err() == nil {
			wait, retryable = c.retryWait(r.method, n, err)
		}
		retry := retryable && n < c.attempts
		if !retry {
			wait = 0
		}
		if c.observer != nil {
			c.observer(Attempt{Method: r.method, Path: c.prefix + r.path, Attempt: n, Status: status, Err: err, Wait: wait, Retry: retry})
		}
		if x != nil {
			c.logAttempt(r, n, x, err, wait, retry)
		}
		if !retry {
			if retryable && n > 1 {
				return fmt.Errorf("%w (gave up after %d attempts)", err, n)
			}
			return err
		}
		last, maybeDone = err, maybeDone || IsAmbiguous(err)
		if serr := c.sleep(stop, wait); serr != nil {
			return fmt.Errorf("%w; retry abandoned: %w", err, serr)
		}
	}
}

type stopKey struct{}

// Detach returns a context for requests that must not be cut off once
// sent, so that their outcome is known: it carries ctx's values but not its
// cancellation or deadline (each attempt is still bounded by the request
// timeout, when one is set: WithRequestTimeout). The client keeps watching
// ctx between attempts: once ctx is done it starts no retry, waits for no
// rate-limit turn, and returns the last error it has.
func Detach(ctx context.Context) context.Context {
	return context.WithValue(context.WithoutCancel(ctx), stopKey{}, ctx)
}

// stopOf is the context whose end stops new attempts: the one Detach was
// given, or ctx itself.
func stopOf(ctx context.Context) context.Context {
	if s, ok := ctx.Value(stopKey{}).(context.Context); ok {
		return s
	}
	return ctx
}

// attempt sends r once and returns the response status (0 when there was
// none) and the error. x, when not nil, records the exchange for the debug
// log.
func (c *Client) attempt(ctx context.Context, r request, out any, x *exchange) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	path := c.prefix + r.path
	actx := ctx // the attempt's context
	if c.requestTimeout > 0 {
		var cancel context.CancelFunc
		actx, cancel = context.WithTimeout(ctx, c.requestTimeout)
		defer cancel()
	}
	// timedOut is the per-attempt timeout when it, not the caller's
	// context, ended the attempt.
	timedOut := func() time.Duration {
		if ctx.Err() == nil && errors.Is(actx.Err(), context.DeadlineExceeded) {
			return c.requestTimeout
		}
		return 0
	}
	var sent atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { sent.Store(true) },
	})
	target := c.base + r.path
	if r.query != "" {
		target += "?" + r.query
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body) // sets ContentLength and GetBody
	}
	req, err := http.NewRequestWithContext(actx, r.method, target, body)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", r.method, path, err)
	}
	req.Header.Set("Authorization", "Bearer "+c.key.v)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if x != nil {
		x.reqHeader = req.Header.Clone()
		defer func() { x.end = c.now() }()
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		// A *url.Error: method, URL (host, path, limit/offset) and cause.
		// The key is only ever in a header, so none of it is secret.
		return 0, &transportError{method: r.method, err: err, sent: sent.Load(), timeout: timedOut()}
	}
	defer resp.Body.Close()
	var tee *capture
	if x != nil {
		x.status, x.respHeader = resp.StatusCode, resp.Header
		tee = &x.body
		defer func() { x.bytes = tee.n }()
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// A body cut short still leaves something worth showing.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBodyBytes))
		tee.Write(b)
		return resp.StatusCode, c.apiError(r.method, path, resp, b)
	}
	if out == nil {
		// Let the connection be reused.
		io.Copy(tee, io.LimitReader(resp.Body, maxErrorBodyBytes))
		return resp.StatusCode, nil
	}
	// The body is decoded as it arrives, once, through a reader that
	// counts it against the body's (or the listing's) size limit.
	rb := &bodyReader{r: resp.Body, limit: maxBodyBytes, shared: r.bytes, tee: tee}
	err = decodeBody(rb, out)
	switch {
	case rb.bigItem:
		return resp.StatusCode, &badAnswerError{fmt.Errorf("%s %s: an item of the list is larger than %d MiB, where PostHog's take a few kilobytes: the server is not PostHog, or is broken", r.method, path, rb.itemMax>>20)}
	case rb.over:
		if r.bytes != nil {
			return resp.StatusCode, &badAnswerError{fmt.Errorf("%s %s: %w", r.method, path, &ListLimitError{What: "bytes", Limit: r.bytes.limit})}
		}
		return resp.StatusCode, &badAnswerError{fmt.Errorf("%s %s: %d response is larger than %d MiB", r.method, path, resp.StatusCode, maxBodyBytes>>20)}
	case rb.err != nil:
		return resp.StatusCode, &transportError{
			method:  r.method,
			err:     fmt.Errorf("%s %s: read %d response: %w", r.method, path, resp.StatusCode, rb.err),
			sent:    true,
			timeout: timedOut(),
		}
	case err != nil:
		var lim *ListLimitError
		if errors.As(err, &lim) {
			return resp.StatusCode, &badAnswerError{fmt.Errorf("%s %s: %w", r.method, path, lim)}
		}
		ct := resp.Header.Get("Content-Type")
		if ct == "" {
			ct = "none"
		}
		// %v, not %w: the cause is only text, and an io.EOF inside must
		// not look like a transport error to IsAmbiguous.
		return resp.StatusCode, &badAnswerError{fmt.Errorf("%s %s: decode %d response (Content-Type %s): %v", r.method, path, resp.StatusCode, c.redact(clean(ct)), err)}
	}
	return resp.StatusCode, nil
}

// streamDecoder is a response value that decodes itself from the body's
// JSON tokens as they arrive (a list page, item by item).
type streamDecoder interface {
	decodeFrom(dec *json.Decoder, body *bodyReader) error
}

// decodeBody decodes the JSON body r into out with numbers kept as
// json.Number, and refuses empty bodies and trailing data.
func decodeBody(r *bodyReader, out any) error {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var err error
	if sd, ok := out.(streamDecoder); ok {
		err = sd.decodeFrom(dec, r)
	} else {
		err = dec.Decode(out)
	}
	if err == io.EOF {
		return errors.New("empty body, expected JSON")
	}
	if c, ok := out.(interface{ check() error }); ok && err == nil {
		err = c.check()
	}
	if err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

// errBodyLimit ends a body that went over its size limit.
var errBodyLimit = errors.New("response body over its size limit")

// byteBudget is the bytes one listing may read, shared by its pages.
type byteBudget struct {
	used  atomic.Int64
	limit int64
}

// readChunk is the most a body Read returns, so that what the JSON decoder
// reads ahead of the value it is on stays small.
const readChunk = 64 << 10

// bodyReader reads a response body, counting it against limit and, when
// set, the listing's shared budget. It keeps the first read error, so that
// a body cut short is told apart from a body that is not JSON.
type bodyReader struct {
	r      io.Reader
	n      int64
	limit  int64
	shared *byteBudget // nil when the body is not part of a listing
	over   bool        // a limit was passed
	err    error       // the first read error other than io.EOF
	tee    *capture    // for the debug log; nil when off

	// itemEnd, when not 0, is the body offset the item being decoded must
	// end by (startItem), itemMax its size limit; bigItem is set when an
	// item went past it.
	itemEnd, itemMax int64
	bigItem          bool
}

// startItem marks that an item of at most max bytes starts at body offset
// off (as the JSON decoder counts it): reading more than max past it,
// beyond what the decoder may already have read ahead, ends the body. The
// JSON decoder holds a whole item before it decodes it, so without this a
// list's items are bounded only by the list's byte limit.
func (b *bodyReader) startItem(off, max int64) {
	b.itemEnd, b.itemMax = off+max+readChunk, max
}

// endItems ends what startItem began.
func (b *bodyReader) endItems() { b.itemEnd = 0 }

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.over {
		return 0, errBodyLimit
	}
	n, err := b.r.Read(p[:min(len(p), readChunk)])
	b.n += int64(n)
	b.tee.Write(p[:n])
	if b.shared != nil {
		b.over = b.shared.used.Add(int64(n)) > b.shared.limit
	} else {
		b.over = b.n > b.limit
	}
	if b.itemEnd > 0 && b.n > b.itemEnd {
		b.over, b.bigItem = true, true
	}
	if b.over {
		return 0, errBodyLimit
	}
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	return n, err
}

// apiError builds the *APIError for a non-2xx response with body b.
func (c *Client) apiError(method, path string, resp *http.Response, b []byte) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode}
	var fields map[string]json.RawMessage
	if json.Unmarshal(b, &fields) == nil && fields != nil {
		e.Type = jsonText(fields["type"])
		e.Code = jsonText(fields["code"])
		// Approval bodies carry "message" (delete has no "detail"); the
		// pending-delete and policy-conflict bodies carry "error".
		for _, k := range []string{"detail", "message", "error"} {
			if e.Detail = jsonText(fields[k]); e.Detail != "" {
				break
			}
		}
		e.Attr = jsonText(fields["attr"])
		e.ChangeRequestID = jsonString(fields["change_request_id"])
		// The request is "change_request" in approval answers and, for a
		// repeated delete while one is pending, "existing_change_request".
		for _, k := range []string{"change_request", "existing_change_request"} {
			if cr := decodeChangeRequest(fields[k]); cr != nil {
				e.ChangeRequest = cr
				if e.ChangeRequestID == "" {
					e.ChangeRequestID = cr.ID
				}
				break
			}
		}
	}
	if e.Type == "" && e.Code == "" && e.Detail == "" {
		// Redact before cutting: a page that echoes the Authorization
		// header across the cut would otherwise leave the key's start.
		e.Body = oneLine([]byte(c.redact(string(b))), maxErrorTextBytes)
		if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode < 400 && loc != "" {
			loc = oneLine([]byte(loc), maxErrorTextBytes)
			e.Body = fmt.Sprintf("redirect to %q not followed (the client never follows redirects; check the host URL)", loc)
		}
	}
	if resp.StatusCode == http.StatusTooManyRequests {
		e.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	for _, s := range []*string{&e.Type, &e.Code, &e.Detail, &e.Attr, &e.ChangeRequestID, &e.Body} {
		*s = c.redact(clean(*s))
	}
	return e
}

// decodeChangeRequest reads the change request object of a 409 approval
// answer; nil when raw holds none.
func decodeChangeRequest(raw json.RawMessage) *ChangeRequest {
	if len(raw) == 0 {
		return nil
	}
	var w struct {
		ID        json.RawMessage `json:"id"`
		ActionKey string          `json:"action_key"`
		State     string          `json:"state"`
		Intent    struct {
			DesiredFilters []map[string]any `json:"desired_filters"`
			DesiredChanges map[string]any   `json:"desired_changes"`
		} `json:"intent"`
		IntentDisplay struct {
			Description string `json:"description"`
		} `json:"intent_display"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if dec.Decode(&w) != nil {
		return nil
	}
	cr := &ChangeRequest{
		ID: clean(jsonString(w.ID)), ActionKey: clean(w.ActionKey), State: clean(w.State),
		DesiredFilters: w.Intent.DesiredFilters, DesiredChanges: w.Intent.DesiredChanges,
		Description: clean(w.IntentDisplay.Description),
	}
	if cr.ID == "" {
		return nil
	}
	return cr
}

// jsonText is a JSON string's value, "" for null or absent, and the
// compact JSON text of anything else (a list attr, a number).
func jsonText(raw json.RawMessage) string {
	if s := jsonString(raw); s != "" {
		return s
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" || raw[0] == '"' {
		return ""
	}
	var buf bytes.Buffer
	if json.Compact(&buf, raw) != nil {
		return ""
	}
	return buf.String()
}

// jsonString is a JSON string's or number's text, "" for anything else.
func jsonString(raw json.RawMessage) string {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case float64:
		return string(bytes.TrimSpace(raw))
	}
	return ""
}

// oneLine is the start of b (at most max bytes, whole runes) as one
// trimmed line.
func oneLine(b []byte, max int) string {
	if len(b) > max {
		b = b[:max]
		for len(b) > 0 && !utf8.Valid(b) {
			b = b[:len(b)-1]
		}
	}
	return strings.Join(strings.Fields(string(b)), " ")
}

// clean replaces control characters in server-provided text, so an error
// message cannot move the terminal's cursor or span lines.
func clean(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}

// parseRetryAfter reads a Retry-After value: seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseFloat(v, 64); err == nil {
		if math.IsNaN(secs) || secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, 1e9) * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
