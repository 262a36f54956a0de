package ghactions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/netaddr"
	"github.com/hogsync/hogsync/internal/wait"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	stdsync "sync"
	"time"
)

// Defaults of a Client; options change them.
const (
	// DefaultTimeout bounds one request, its answer's body included.
	DefaultTimeout = 30 * time.Second
	// DefaultRetries is how many times a request is sent again after a
	// rate limit (any method) or a 5xx or network failure (GET only).
	DefaultRetries = 3
	// DefaultMaxWait is the longest wait GitHub may ask for before a
	// retry; a longer one ends the request with an error instead.
	DefaultMaxWait = 60 * time.Second
	// maxBody caps a JSON answer.
	maxBody = 8 << 20
	// maxPages caps a listing (100 items a page).
	maxPages = 100
)

// ActionsBot is the login of the account the default GITHUB_TOKEN writes
// as. That token cannot read GET /user, so a Client that is refused there
// takes itself to be this account.
const ActionsBot = "github-actions[bot]"

// Client is a small client of GitHub's REST API for one repository: pull
// request comments, issues, and workflow artifacts. Every request is
// bounded by the caller's context and by a per-request timeout; GitHub's
// rate limits are waited out (within a cap and the context's deadline);
// a GET that failed with a 5xx or on the network is sent again; a POST
// never is. No error it returns holds the token.
type Client struct {
	apiURL    string
	token     string
	repo      string
	hc        *http.Client
	timeout   time.Duration
	retries   int
	maxWait   time.Duration
	now       func() time.Time
	sleep     func(context.Context, time.Duration) error
	userAgent string
	// maxArtifact caps an artifact's archive and the plan in it.
	maxArtifact int64

	loginMu stdsync.Mutex
	login   string

	// workflow is the workflow file whose runs save plans, repoID the
	// repository's id (GITHUB_REPOSITORY_ID): see WithPlanWorkflow,
	// WithRepositoryID.
	workflow string
	repoID   int64
	// planKey is PlanKey of the path WithPlanPath gave: which hogsync
	// step's plan ReviewedPlan takes ("" when not told).
	planKey string
}

// Comments is the client's former name.
//
// Deprecated: use Client, made by NewClient.
type Comments = Client

// Option changes a Client's defaults.
type Option func(*Client)

// WithHTTPClient sends requests through hc. The Client never follows a
// redirect through it: a copy that does not is used.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) {
		if hc != nil {
			cp := *hc
			c.hc = &cp
		}
	}
}

// WithTimeout bounds each request (DefaultTimeout when d <= 0).
func WithTimeout(d time.Duration) Option {
	return func(c *Client) {
		if d > 0 {
			c.timeout = d
		}
	}
}

// WithRetries sets how many times a failed request is sent again (0 for
// never).
func WithRetries(n int) Option {
	return func(c *Client) { c.retries = max(n, 0) }
}

// WithMaxWait caps the wait before a retry that GitHub may ask for.
func WithMaxWait(d time.Duration) Option {
	return func(c *Client) { c.maxWait = d }
}

// WithClock replaces time.Now and the wait between retries (which must
// return early with ctx's error when ctx ends), for tests.
func WithClock(now func() time.Time, sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) {
		if now != nil {
			c.now = now
		}
		if sleep != nil {
			c.sleep = sleep
		}
	}
}

// WithUserAgent sets the User-Agent header (default "hogsync").
func WithUserAgent(ua string) Option {
	return func(c *Client) {
		if ua != "" {
			c.userAgent = ua
		}
	}
}

// WithLogin says which account the token writes as, instead of asking
// GitHub (GET /user). Use it for a GitHub App's token, which writes as
// "<app-slug>[bot]".
func WithLogin(login string) Option {
	return func(c *Client) { c.login = login }
}

// WithPlanWorkflow says which workflow file's pull_request runs save the
// plans ReviewedPlan may take: a path in the repository
// (".github/workflows/pull-request.yml") or a $GITHUB_WORKFLOW_REF
// ("owner/name/.github/workflows/x.yml@refs/heads/main": this run's own
// workflow, for one workflow that both plans and applies). Without it (or
// with one it cannot read) the workflow is not checked.
func WithPlanWorkflow(pathOrRef string) Option {
	return func(c *Client) { c.workflow = workflowFile(pathOrRef) }
}

// workflowFile is the workflow file's path in its repository, from
// GITHUB_WORKFLOW_REF or a run's path (".github/workflows/x.yml", with or
// without "owner/name/" before it and "@ref" after it).
func workflowFile(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.Index(ref, ".github/workflows/"); i >= 0 {
		return ref[i:]
	}
	return ""
}

// WithRepositoryID gives the repository's id: $GITHUB_REPOSITORY_ID.
// Without it (or with one that is not a number) ReviewedPlan asks GitHub
// for it.
func WithRepositoryID(id string) Option {
	return func(c *Client) { c.repoID, _ = strconv.ParseInt(strings.TrimSpace(id), 10, 64) }
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// NewClient checks its inputs: apiURL is $GITHUB_API_URL (https, or http
// on loopback only: the token travels with every request), token is a
// GitHub token, repo is "owner/name" ($GITHUB_REPOSITORY).
func NewClient(apiURL, token, repo string, opts ...Option) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(apiURL, "/"))
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("GITHUB_API_URL %q is not a URL", apiURL)
	}
	if !safeScheme(u) {
		return nil, fmt.Errorf("GITHUB_API_URL %q: refusing to send the GitHub token over plain http to a host that is not loopback", apiURL)
	}
	if token == "" {
		return nil, errors.New("no GitHub token: set GITHUB_TOKEN (the action's github-token input)")
	}
	if !repoRE.MatchString(repo) {
		return nil, fmt.Errorf("GITHUB_REPOSITORY %q is not owner/name", repo)
	}
	c := &Client{
		apiURL: u.String(), token: token, repo: repo, hc: &http.Client{},
		timeout: DefaultTimeout, retries: DefaultRetries, maxWait: DefaultMaxWait,
		now: time.Now, sleep: wait.Sleep, userAgent: "hogsync", maxArtifact: MaxPlanArtifact,
	}
	for _, o := range opts {
		o(c)
	}
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c, nil
}

// NewComments is NewClient with an optional *http.Client.
//
// Deprecated: use NewClient.
func NewComments(apiURL, token, repo string, hc *http.Client) (*Comments, error) {
	return NewClient(apiURL, token, repo, WithHTTPClient(hc))
}

// safeScheme reports whether u may carry a secret: https, or http to
// loopback.
func safeScheme(u *url.URL) bool {
	return u.Scheme == "https" || (u.Scheme == "http" && netaddr.IsLoopback(u.Hostname()))
}

// APIError is an answer from GitHub outside 2xx.
type APIError struct {
	Method, Path string // Path without its query
	Status       int
	Message      string // GitHub's message, token redacted
	// RateLimited is set when GitHub refused for a rate limit.
	RateLimited bool
}

func (e *APIError) Error() string {
	msg := e.Message
	if msg == "" {
		msg = http.StatusText(e.Status)
	}
	return fmt.Sprintf("GitHub %s %s: %d: %s", e.Method, e.Path, e.Status, msg)
}

// hasStatus reports whether err is an APIError with one of the statuses.
func hasStatus(err error, status ...int) bool {
	var ae *APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, s := range status {
		if ae.Status == s {
			return true
		}
	}
	return false
}

// redactedError carries a message with the token removed; it unwraps to
// its cause so errors.Is(err, context.DeadlineExceeded) still holds.
type redactedError struct {
	msg   string
	cause error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.cause }

func (c *Client) redact(s string) string {
	if len(c.token) < 4 {
		return s
	}
	return strings.ReplaceAll(s, c.token, "[REDACTED]")
}

// errorf is fmt.Errorf with the token redacted from the message.
func (c *Client) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	return &redactedError{msg: c.redact(err.Error()), cause: errors.Unwrap(err)}
}

// response is a whole answer, its body read (up to a cap).
type response struct {
	status int
	header http.Header
	body   []byte
}

// request describes one HTTP request the retry loop may send again.
type request struct {
	method string
	url    string // absolute
	path   string // for messages: the API path without its query
	body   []byte // nil for none
	auth   bool   // send the token
	limit  int64  // body cap
	// accept, when set, replaces the JSON Accept header.
	accept string
}

// send makes an API request to path (under the API URL) with in as its
// JSON body (nil for none), and decodes a 2xx answer into out (nil to
// ignore it).
func (c *Client) send(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = b
	}
	resp, err := c.do(ctx, request{method: method, url: c.apiURL + path, path: stripQuery(path), body: body, auth: true, limit: maxBody})
	if err != nil {
		return err
	}
	if resp.status/100 != 2 {
		return c.apiError(method, stripQuery(path), resp)
	}
	if out != nil {
		if err := json.Unmarshal(resp.body, out); err != nil {
			return c.errorf("GitHub %s %s: the answer is not the JSON expected: %v", method, stripQuery(path), err)
		}
	}
	return nil
}

func (c *Client) apiError(method, path string, resp *response) *APIError {
	var e struct {
		Message string `json:"message"`
	}
	_ = json.Unmarshal(resp.body, &e)
	msg := strings.Join(strings.Fields(e.Message), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	_, limited := c.rateLimit(resp)
	return &APIError{Method: method, Path: path, Status: resp.status, Message: c.redact(msg), RateLimited: limited}
}

// do sends r, again after a rate limit (any method: GitHub did not act on
// a rate-limited request) or, for a GET, after a 5xx or a network failure
// (a POST that failed so may still have been made). It returns the last
// answer, whatever its status, or the last network error.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.once(ctx, r)
		if err != nil && ctx.Err() != nil {
			return nil, c.errorf("GitHub %s %s: stopped: the run's deadline passed or it was interrupted: %w", r.method, r.path, ctx.Err())
		}
		wait, why, retry := c.retryAfter(r.method, resp, err, attempt)
		if !retry {
			return resp, err
		}
		fail := func(reason string) (*response, error) {
			if err != nil {
				return nil, c.errorf("%w (%s)", err, reason)
			}
			return nil, c.errorf("%w (%s)", c.apiError(r.method, r.path, resp), reason)
		}
		switch {
		case attempt >= c.retries:
			return fail(fmt.Sprintf("%s; gave up after %d attempts", why, attempt+1))
		case wait > c.maxWait:
			return fail(fmt.Sprintf("%s; GitHub asks to wait %s, longer than the %s hogsync waits", why, wait.Round(time.Second), c.maxWait))
		}
		if dl, ok := ctx.Deadline(); ok && c.now().Add(wait).After(dl) {
			return fail(fmt.Sprintf("%s; the run's deadline comes before the %s wait GitHub asks for", why, wait.Round(time.Second)))
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, c.errorf("GitHub %s %s: stopped while waiting to retry: %w", r.method, r.path, err)
		}
	}
}

// once sends r once, bounded by the per-request timeout.
func (c *Client) once(ctx context.Context, r request) (*response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, r.url, rd)
	if err != nil {
		return nil, c.errorf("GitHub %s %s: %v", r.method, r.path, err)
	}
	if r.auth {
		req.Header.Set("Authorization", "Bearer "+c.token)
		req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	req.Header.Set("User-Agent", c.userAgent)
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, c.transportError(ctx, actx, r, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, r.limit+1))
	if err != nil {
		return nil, c.transportError(ctx, actx, r, err)
	}
	if int64(len(body)) > r.limit {
		return nil, c.errorf("GitHub %s %s: the answer is larger than %d bytes; refusing it", r.method, r.path, r.limit)
	}
	return &response{status: res.StatusCode, header: res.Header, body: body}, nil
}

// transportError says why no answer came: the per-request timeout, or the
// network. (The caller's own context is checked by do.)
func (c *Client) transportError(ctx, actx context.Context, r request, err error) error {
	if ctx.Err() == nil && actx.Err() != nil {
		return &transportErr{c.errorf("GitHub %s %s: no answer within %s: %w", r.method, r.path, c.timeout, actx.Err())}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // the URL is known: r.path says it without the query
	}
	return &transportErr{c.errorf("GitHub %s %s: %w", r.method, r.path, err)}
}

// transportErr marks a request that got no answer: it may or may not have
// been acted on.
type transportErr struct{ error }

func (e *transportErr) Unwrap() error { return e.error }

// retryAfter decides whether a request is sent again, and after how long.
func (c *Client) retryAfter(method string, resp *response, err error, attempt int) (wait time.Duration, why string, retry bool) {
	backoff := time.Second << min(attempt, 5)
	if err != nil {
		var te *transportErr
		if errors.As(err, &te) && method == http.MethodGet {
			return backoff, "no answer", true
		}
		return 0, "", false
	}
	if wait, limited := c.rateLimit(resp); limited {
		return wait, fmt.Sprintf("rate limited (%d)", resp.status), true
	}
	if resp.status >= 500 && method == http.MethodGet {
		return backoff, fmt.Sprintf("GitHub answered %d", resp.status), true
	}
	return 0, "", false
}

// rateLimit reports whether resp is GitHub refusing for a rate limit, and
// how long it asks to wait: Retry-After when given; else until
// x-ratelimit-reset when x-ratelimit-remaining is 0; else a minute, as
// GitHub's documentation advises for secondary rate limits.
func (c *Client) rateLimit(resp *response) (time.Duration, bool) {
	if resp == nil || (resp.status != http.StatusForbidden && resp.status != http.StatusTooManyRequests) {
		return 0, false
	}
	if s := resp.header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil && n >= 0 {
			return time.Duration(n) * time.Second, true
		}
		if t, err := http.ParseTime(s); err == nil {
			return max(t.Sub(c.now()), 0), true
		}
	}
	if resp.header.Get("X-Ratelimit-Remaining") == "0" {
		if n, err := strconv.ParseInt(resp.header.Get("X-Ratelimit-Reset"), 10, 64); err == nil {
			return max(time.Unix(n, 0).Sub(c.now()), 0) + time.Second, true
		}
	}
	if resp.status == http.StatusTooManyRequests || bytes.Contains(bytes.ToLower(resp.body), []byte("rate limit")) {
		return time.Minute, true
	}
	return 0, false
}

// ambiguous reports whether a failed write may still have been made: no
// answer came, or GitHub answered 5xx.
func ambiguous(err error) bool {
	var te *transportErr
	var ae *APIError
	return errors.As(err, &te) || (errors.As(err, &ae) && ae.Status >= 500)
}

func stripQuery(p string) string {
	p, _, _ = strings.Cut(p, "?")
	return p
}

// Login is the account the token writes as: the token's own login when
// GET /user can read it, else ActionsBot (the default GITHUB_TOKEN is
// refused there with 403 "Resource not accessible by integration").
func (c *Client) Login(ctx context.Context) (string, error) {
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	if c.login != "" {
		return c.login, nil
	}
	var u struct {
		Login string `json:"login"`
	}
	err := c.send(ctx, http.MethodGet, "/user", nil, &u)
	var ae *APIError
	switch {
	case err == nil && u.Login != "":
		c.login = u.Login
	case err == nil:
		return "", c.errorf("GitHub GET /user: the answer names no login")
	case errors.As(err, &ae) && ae.Status == http.StatusForbidden && !ae.RateLimited:
		c.login = ActionsBot
	default:
		return "", c.errorf("find which GitHub account the token writes as: %w", err)
	}
	return c.login, nil
}

// firstLine is s's first line without trailing spaces or a carriage
// return: the only place a marker counts, so text quoted further down
// never passes for one.
func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return strings.TrimRight(line, "\r ")
}
