package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/netaddr"
	"github.com/hogsync/hogsync/internal/wait"
	"io"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const defaultUserAgent = "hogsync/dev"

// Client talks to one PostHog project. It is safe for concurrent use once
// New has returned it.
//
// The API key is kept unexported and is sent only in the Authorization
// header. Formatting a Client with any fmt verb prints its host and project,
// never the key.
type Client struct {
	base    string // scheme://host[:port][/prefix], no trailing slash
	prefix  string // the escaped path prefix of base ("" or "/posthog")
	project string // positive integer or "@current"
	// key is behind a pointer so that reflection-based printing of a
	// struct that embeds a Client shows an address, not the key.
	key *secret

	hc        *http.Client
	userAgent string
	pageSize  int
	maxPages  int
	// maxListItems and maxListBytes bound one reading of a list.
	maxListItems int
	maxListBytes int64

	attempts       int           // per request, the first included
	maxRetryWait   time.Duration // cap on each pause between attempts
	requestTimeout time.Duration // per attempt; 0 for none
	rps            float64       // the optional ceiling (WithRateLimit); +Inf for none
	burst          int
	budget         Budget
	limiter        *limiter // shared by the copies Pin makes
	observer       func(Attempt)
	debug          *debugLog
	// sleep and jitter are replaced by tests to make waits instant and
	// backoff exact.
	sleep  func(ctx context.Context, d time.Duration) error
	jitter func(time.Duration) time.Duration
	now    func() time.Time // for the debug log's durations

	optErrs []error // invalid option values, reported by New
}

type secret struct {
	v     string
	forms []string // v as it is and escaped, for redaction
}

// Option configures a Client in New.
type Option func(*Client)

// WithHTTPClient makes the client send requests with hc (for its transport,
// proxy or TLS settings). nil keeps the default. The client uses a copy of
// hc that never follows redirects: Go keeps the Authorization header on a
// redirect to the same host even from https to http, so a redirect is
// returned as an *APIError instead.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			c.hc = hc
		}
	}
}

// WithUserAgent sets the User-Agent header; the default is "hogsync/dev".
// An empty ua keeps the default.
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua == "" {
			return
		}
		for i := 0; i < len(ua); i++ {
			if b := ua[i]; b < 0x20 || b == 0x7f {
				c.optErrs = append(c.optErrs, fmt.Errorf("user agent %q has a control character", ua))
				return
			}
		}
		c.userAgent = ua
	}
}

// New returns a client for project on the PostHog site at host,
// authenticating with the personal API key apiKey.
//
// host is the site's base URL, such as "https://us.posthog.com" or, for a
// self-hosted PostHog under a path prefix, "https://example.com/posthog". It
// must be https, or http for a loopback host (localhost, 127.0.0.0/8, ::1).
// project is the numeric project id or "@current" (which PostHog resolves
// again on every request: see Pin). Every problem with the
// arguments is reported at once; no error ever contains the key.
func New(host, project, apiKey string, opts ...Option) (*Client, error) {
	c := &Client{
		project:   project,
		key:       &secret{v: apiKey, forms: keyForms(apiKey)},
		userAgent: defaultUserAgent,
		pageSize:  defaultPageSize,
		maxPages:  defaultMaxPages,

		maxListItems: defaultMaxListItems,
		maxListBytes: defaultMaxListBytes,
		hc:           &http.Client{Transport: newTransport()},

		attempts:       defaultAttempts,
		maxRetryWait:   defaultMaxRetryWait,
		requestTimeout: defaultRequestTimeout,
		rps:            math.Inf(1),
		burst:          1,
		budget:         DefaultBudget(),
		sleep:          wait.Sleep,
		jitter:         fullJitter,
		now:            time.Now,
	}
	var errs []error
	base, prefix, err := parseHost(host)
	if err != nil {
		errs = append(errs, err)
	}
	c.base, c.prefix = base, prefix
	if err := checkProject(project); err != nil {
		errs = append(errs, err)
	} else if project != "@current" {
		c.project = strings.TrimLeft(project, "0") // "007" is project 7
	}
	if err := checkKey(apiKey); err != nil {
		errs = append(errs, err)
	}
	for _, opt := range opts {
		opt(c)
	}
	errs = append(errs, c.optErrs...)
	c.optErrs = nil
	if len(errs) > 0 {
		// The arguments are echoed in messages; a key pasted into the
		// wrong argument must still not be printed.
		msg := errors.Join(errs...).Error()
		if apiKey != "" && strings.Contains(msg, apiKey) {
			return nil, errors.New(strings.ReplaceAll(msg, apiKey, "[redacted]"))
		}
		return nil, errors.Join(errs...)
	}

	c.limiter = newLimiter(c.rps, c.burst, c.budget)
	hc := *c.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.hc = &hc
	return c, nil
}

// CheckTarget reports what is wrong with a host and project, the way New
// would, without needing the key: callers check their flags before asking
// for secrets.
func CheckTarget(host, project string) error {
	_, _, herr := parseHost(host)
	return errors.Join(herr, checkProject(project))
}

// parseHost validates host and returns the normalised base URL and its
// escaped path prefix.
func parseHost(host string) (base, prefix string, err error) {
	const example = "https://us.posthog.com"
	if host == "" {
		return "", "", fmt.Errorf("host is empty: use the PostHog site URL, such as %s", example)
	}
	if !strings.Contains(host, "://") {
		return "", "", fmt.Errorf("host %q has no scheme: use %q", host, "https://"+host)
	}
	u, err := url.Parse(host)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", "", fmt.Errorf("host %q is not a valid URL: %v", host, err)
	}
	if u.User != nil {
		// Do not echo host: it holds a password.
		return "", "", fmt.Errorf("host URL for %q must not contain a user name or password: the API key is passed separately", u.Host)
	}
	if u.Host == "" || u.Hostname() == "" {
		return "", "", fmt.Errorf("host %q has no host name: use a URL such as %s", host, example)
	}
	if u.RawQuery != "" || u.ForceQuery || u.Fragment != "" {
		return "", "", fmt.Errorf("host %q must not have a query or fragment: use the site's base URL, such as %s", host, example)
	}
	// What the checks above let through, the rule validate and the schema
	// apply to hogsync.yaml's host still judges: one rule for the host
	// ("https://x#", a %-escape in the host name, a backslash...).
	var se *netaddr.SiteError
	if errors.As(netaddr.CheckSite(host), &se) && se.Kind != netaddr.SitePlainHTTP {
		return "", "", fmt.Errorf("host %q %v: use the site's base URL, such as %s", host, se, example)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !netaddr.IsLoopback(u.Hostname()) {
			return "", "", fmt.Errorf("refusing plain http:// for %q: the API key would travel unencrypted; use https:// (http is allowed only for loopback hosts)", u.Hostname())
		}
	default:
		return "", "", fmt.Errorf("host %q has scheme %q: use https:// (http is allowed only for loopback hosts)", host, u.Scheme)
	}
	hostport := u.Host
	if !strings.Contains(hostport, "%") { // leave IPv6 zone names as given
		hostport = strings.ToLower(hostport)
	}
	prefix = strings.TrimRight(u.EscapedPath(), "/")
	return u.Scheme + "://" + hostport + prefix, prefix, nil
}

func checkProject(project string) error {
	if project == "@current" {
		return nil
	}
	ok := project != "" && len(project) <= 18 && strings.Trim(project, "0123456789") == "" && strings.Trim(project, "0") != ""
	if !ok {
		return fmt.Errorf("project %q is not a project id: use the positive number from the project's URL (/project/N) or %q", project, "@current")
	}
	return nil
}

// checkKey rejects keys that cannot be a PostHog personal API key. Its
// errors say where the bad byte is but never show the key.
func checkKey(key string) error {
	if key == "" {
		return errors.New("API key is empty: pass a PostHog personal API key (phx_...)")
	}
	for i := 0; i < len(key); i++ {
		switch b := key[i]; {
		case b == ' ' || b == '\t' || b == '\r' || b == '\n':
			return fmt.Errorf("API key has whitespace at byte %d of %d: remove stray spaces or newlines where it was read", i+1, len(key))
		case b < 0x20 || b == 0x7f:
			return fmt.Errorf("API key has a control character at byte %d of %d", i+1, len(key))
		case b > 0x7e:
			return fmt.Errorf("API key has a non-ASCII byte at byte %d of %d", i+1, len(key))
		}
	}
	return nil
}

// Host returns the normalised base URL, such as "https://us.posthog.com".
func (c *Client) Host() string { return c.base }

// Project returns the project the client works on: a number or "@current"
// (see Pin).
func (c *Client) Project() string { return c.project }

// String describes the client by host and project, without the key.
func (c Client) String() string {
	return fmt.Sprintf("PostHog client for %s, project %s", c.base, c.project)
}

// GoString is like String, for %#v.
func (c Client) GoString() string {
	return fmt.Sprintf("client.Client{Host: %q, Project: %q}", c.base, c.project)
}

// Format prints String (GoString for %#v) for every verb, so no verb can
// reach the fields and the key.
func (c Client) Format(f fmt.State, verb rune) {
	switch {
	case verb == 'v' && f.Flag('#'):
		io.WriteString(f, c.GoString())
	case verb == 'q':
		fmt.Fprintf(f, "%q", c.String())
	default:
		io.WriteString(f, c.String())
	}
}

// redact removes the key, in any of its escaped forms, and anything else
// shaped like a personal API key, from text that came from the server or
// the network (an error page could echo the request's headers).
func (c *Client) redact(s string) string {
	for _, f := range c.key.forms {
		if f != "" && strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, "[redacted]")
		}
	}
	if strings.Contains(s, "phx_") {
		s = keyShaped.ReplaceAllString(s, "[redacted]")
	}
	if strings.Contains(strings.ToLower(s), "personal_api_key") {
		s = keyParam.ReplaceAllString(s, "${1}[redacted]")
	}
	return s
}

// Pin resolves the project "@current" once, and returns a copy of the
// client bound to its numeric id; for a numeric project it returns c
// itself and sends nothing.
//
// PostHog resolves "@current" on every request, to the project the key's
// owner last opened in PostHog's web app, so it can change between two
// requests of one run: an unpinned run could read one project and write
// another. Call Pin before anything else and use only the client it
// returns. The copy shares c's rate limiter and request budget, and every
// option.
//
// Reading "@current" needs the key's project:read scope. When it cannot be
// resolved, the error says so and to pass the numeric project id instead
// (the number after /project/ in PostHog's URL); it wraps the API's error.
func (c *Client) Pin(ctx context.Context) (*Client, error) {
	if c.project != "@current" {
		return c, nil
	}
	var p struct {
		ID json.Number `json:"id"`
	}
	path := "/api/projects/@current/"
	const fix = "pass the numeric project id instead (the number after /project/ in PostHog's URL)"
	if err := c.do(ctx, request{method: http.MethodGet, path: path}, &p); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.StatusCode == http.StatusForbidden {
			return nil, fmt.Errorf("project @current cannot be resolved with this key: reading it needs the project:read scope, which the key lacks (%w); %s", err, fix)
		}
		return nil, fmt.Errorf("project @current cannot be resolved with this key (%w); %s", err, fix)
	}
	id := p.ID.String()
	if checkProject(id) != nil || strings.HasPrefix(id, "0") {
		return nil, fmt.Errorf("project @current cannot be resolved with this key: GET %s answered id %q, not a project id; %s", c.prefix+path, c.redact(clean(oneLine([]byte(id), 40))), fix)
	}
	pinned := *c
	pinned.project = id
	return &pinned, nil
}

// ForProject returns a copy of c bound to another project on the same
// host, with the same key. The copy shares c's rate limiter and request
// budget, which PostHog counts per key, not per project: a run over
// several projects with one key keeps to one budget.
func (c *Client) ForProject(project string) (*Client, error) {
	if err := checkProject(project); err != nil {
		return nil, err
	}
	p := *c
	p.project = project
	if project != "@current" {
		p.project = strings.TrimLeft(project, "0")
	}
	return &p, nil
}

// newTransport is http.DefaultTransport with a larger read buffer: a page
// of a thousand holdouts is half a megabyte, which the default 4 KiB
// buffer reads in over a hundred system calls, each waking the reader.
func newTransport() http.RoundTripper {
	t, ok := http.DefaultTransport.(*http.Transport)
	if !ok { // replaced by the program: use it as it is
		return http.DefaultTransport
	}
	t = t.Clone()
	t.ReadBufferSize = 64 << 10
	return t
}
