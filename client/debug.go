package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	stdsync "sync"
	"time"
	"unicode/utf8"

	"github.com/hogsync/hogsync/internal/escape"
)

// debugBodyBytes is how much of each body the debug log shows.
const debugBodyBytes = 2 << 10

// WithDebug writes a log of every attempt to w, for diagnosing a failing
// run: one line with the method, URL path and query, status, duration,
// bytes, the wait for a turn and the retry decision, then the request's
// and the response's headers and the start of their bodies (2 KiB each).
// The Authorization header shows as "Bearer [redacted]", and the key, its
// escaped forms and anything else shaped like a personal API key
// ("phx_" and 20 or more letters, digits or "_") are redacted everywhere,
// bodies and URLs included. Control characters are escaped, so every
// entry line starts with "debug: ". Entries of requests made at once do
// not interleave. A nil w turns the log off.
func WithDebug(w io.Writer) Option {
	return func(c *Client) {
		if w == nil {
			c.debug = nil
			return
		}
		c.debug = &debugLog{w: w}
	}
}

type debugLog struct {
	mu stdsync.Mutex
	w  io.Writer
}

// exchange is what the debug log shows of one attempt.
type exchange struct {
	start, end time.Time
	waited     time.Duration // for a turn at the rate limiter and budget
	reqHeader  http.Header
	status     int
	respHeader http.Header
	body       capture
	bytes      int64
}

// capture keeps the start of what is written to it, and counts it all. A
// nil *capture discards.
type capture struct {
	buf []byte
	max int
	n   int64
}

func (c *capture) Write(p []byte) (int, error) {
	if c == nil {
		return len(p), nil
	}
	c.n += int64(len(p))
	if room := c.max - len(c.buf); room > 0 {
		c.buf = append(c.buf, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

// newExchange starts the record of an attempt. The body is captured a
// little past what is shown, so that a key crossing the cut is still
// whole when it is redacted.
func (c *Client) newExchange(waited time.Duration) *exchange {
	return &exchange{start: c.now(), waited: waited, body: capture{max: debugBodyBytes + 2*len(c.key.v) + 64}}
}

// logAttempt writes one attempt's entry.
func (c *Client) logAttempt(r request, n int, x *exchange, err error, wait time.Duration, retry bool) {
	var b strings.Builder
	target := c.prefix + r.path
	if r.query != "" {
		target += "?" + r.query
	}
	fmt.Fprintf(&b, "%s %s attempt %d: ", r.method, target, n)
	if x.status > 0 {
		fmt.Fprintf(&b, "%d %s, %d bytes", x.status, http.StatusText(x.status), x.bytes)
	} else {
		b.WriteString("no answer")
	}
	fmt.Fprintf(&b, " in %v (after %v waiting for a turn)", x.end.Sub(x.start).Round(time.Millisecond), x.waited.Round(time.Millisecond))
	switch {
	case err == nil:
		b.WriteString("; done")
	default:
		f := FailureOf(err)
		d := Decide(f, r.method)
		fmt.Fprintf(&b, "; failure: %v", f)
		switch {
		case retry:
			fmt.Fprintf(&b, "; retry in %v", wait.Round(time.Millisecond))
		case d.Retry:
			b.WriteString("; no retry: attempts used up or stopped")
		default:
			b.WriteString("; no retry")
		}
		if d.MayStillBeProcessing {
			b.WriteString(" (the write may still be in progress)")
		} else if d.Ambiguous {
			b.WriteString(" (the write may have happened)")
		}
		if x.status == 0 {
			fmt.Fprintf(&b, ": %v", err)
		}
	}
	lines := []string{b.String()}
	lines = append(lines, c.headerLines("  > ", x.reqHeader)...)
	if r.body != nil {
		lines = append(lines, c.bodyLine("  > ", r.body, int64(len(r.body))))
	}
	if x.status > 0 {
		lines = append(lines, c.headerLines("  < ", x.respHeader)...)
		if x.bytes > 0 {
			lines = append(lines, c.bodyLine("  < ", x.body.buf, x.bytes))
		}
	}
	var out strings.Builder
	for _, l := range lines {
		out.WriteString("debug: ")
		out.WriteString(escape.Text(c.redact(l)))
		out.WriteByte('\n')
	}
	c.debug.mu.Lock()
	defer c.debug.mu.Unlock()
	io.WriteString(c.debug.w, out.String())
}

// headerLines are h's fields, sorted, with credentials redacted.
func (c *Client) headerLines(prefix string, h http.Header) []string {
	var out []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range h {
			if !yield(k) {
				return
			}
		}
	}) {
		for _, v := range h[k] {
			switch strings.ToLower(k) {
			case "authorization", "proxy-authorization":
				scheme, _, _ := strings.Cut(v, " ")
				v = scheme + " [redacted]"
			case "cookie", "set-cookie":
				v = "[redacted]"
			}
			out = append(out, prefix+k+": "+v)
		}
	}
	return out
}

// bodyLine shows the start of a body of total bytes, of which b is the
// captured start. It is redacted before it is cut, and a word the capture
// cut in two is dropped, so no part of a key is left at the end.
func (c *Client) bodyLine(prefix string, b []byte, total int64) string {
	if int64(len(b)) < total {
		// A key-shaped word the capture cut short.
		i := len(b)
		for i > 0 && isKeyByte(b[i-1]) {
			i--
		}
		if j := bytes.LastIndex(b[i:], []byte("phx_")); j >= 0 {
			b = b[:i+j]
		}
		// The start of the key, in any of its forms.
	forms:
		for _, f := range c.key.forms {
			for k := min(len(f)-1, len(b)); k > 0; k-- {
				if bytes.HasSuffix(b, []byte(f[:k])) {
					b = b[:len(b)-k]
					break forms
				}
			}
		}
	}
	s := c.redact(string(b))
	shown := ""
	if len(s) > debugBodyBytes || int64(len(b)) < total {
		cut := min(len(s), debugBodyBytes)
		for cut > 0 && cut < len(s) && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut]
		shown = fmt.Sprintf(", the first %d shown", len(s))
	}
	return fmt.Sprintf("%sbody (%d bytes%s): %s", prefix, total, shown, s)
}

func isKeyByte(b byte) bool {
	return b == '_' || b >= '0' && b <= '9' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z'
}

var (
	// keyShaped is anything that looks like a PostHog personal API key.
	keyShaped = regexp.MustCompile(`phx_[A-Za-z0-9_]{20,}`)
	// keyParam is the value of a personal_api_key parameter or field, in
	// a query string or JSON, plain or percent-encoded.
	keyParam = regexp.MustCompile(`(?i)(personal_api_key(?:%22|"|')?\s*(?:=|:|%3D|%3A)\s*(?:%22|"|')?)[^&"'\s,;}<>]+`)
)

// keyForms are the ways the key can appear in text: as it is, and
// escaped for a URL or JSON.
func keyForms(key string) []string {
	forms := []string{key}
	j, _ := json.Marshal(key)
	for _, f := range []string{url.QueryEscape(key), url.PathEscape(key), strings.Trim(string(j), `"`)} {
		if !slices.Contains(forms, f) {
			forms = append(forms, f)
		}
	}
	return forms
}
