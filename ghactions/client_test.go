package ghactions

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	stdsync "sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/ghactions/githubtest"
)

const testToken = "ghs_test_token_never_printed_0123"

// fakeClock stands in for time: sleeps return at once and are recorded.
type fakeClock struct {
	mu     stdsync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.sleeps = append(f.sleeps, d)
	f.now = f.now.Add(d)
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.sleeps...)
}

// newFake starts a fake GitHub for the test.
func newFake(t *testing.T) *githubtest.Server {
	t.Helper()
	gh := githubtest.New(testToken)
	t.Cleanup(gh.Close)
	return gh
}

// newTestClient is a Client of gh with a fake clock set to real time (so
// context deadlines compare with it).
func newTestClient(t *testing.T, gh *githubtest.Server, opts ...Option) (*Client, *fakeClock) {
	t.Helper()
	clk := &fakeClock{now: time.Now()}
	c, err := NewClient(gh.URL, testToken, gh.Repo, append([]Option{WithClock(clk.Now, clk.Sleep)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// countRequests counts gh's requests with method to path.
func countRequests(gh *githubtest.Server, method, path string) int {
	n := 0
	for _, r := range gh.Requests() {
		if r.Method == method && r.Path == path {
			n++
		}
	}
	return n
}

func TestClientWaitsOutRateLimits(t *testing.T) {
	t.Parallel()
	const path = "/repos/o/r/issues/5/comments"
	reset := func(clk time.Time) string { return strconv.FormatInt(clk.Add(42*time.Second).Unix(), 10) }
	tests := []struct {
		name    string
		method  string
		failure func(now time.Time) githubtest.Failure
		waits   []time.Duration
	}{
		{"403 Retry-After on GET", "GET", func(time.Time) githubtest.Failure { return githubtest.SecondaryRateLimit("GET", path, 7, 2) }, []time.Duration{7 * time.Second, 7 * time.Second}},
		{"403 Retry-After on POST", "POST", func(time.Time) githubtest.Failure { return githubtest.SecondaryRateLimit("POST", path, 7, 2) }, []time.Duration{7 * time.Second, 7 * time.Second}},
		{"429 Retry-After", "POST", func(time.Time) githubtest.Failure {
			return githubtest.Failure{Method: "POST", Path: path, Status: 429, Times: 2, Header: map[string]string{"Retry-After": "3"}}
		}, []time.Duration{3 * time.Second, 3 * time.Second}},
		{"remaining 0 until reset", "GET", func(now time.Time) githubtest.Failure {
			return githubtest.Failure{Method: "GET", Path: path, Status: 403, Times: 2,
				Header: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset(now)},
				Body:   `{"message":"API rate limit exceeded"}`}
		}, []time.Duration{43 * time.Second, time.Second}}, // the clock moved past the reset
		{"secondary limit without headers waits a minute", "GET", func(time.Time) githubtest.Failure {
			return githubtest.Failure{Method: "GET", Path: path, Status: 403, Times: 2, Body: `{"message":"You have exceeded a secondary rate limit."}`}
		}, []time.Duration{time.Minute, time.Minute}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			c, clk := newTestClient(t, gh)
			// Whole seconds, as x-ratelimit-reset is.
			clk.now = clk.now.Truncate(time.Second)
			gh.Fail(tt.failure(clk.now))
			err := c.send(context.Background(), tt.method, path, map[string]string{"body": "x"}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.waits, clk.Sleeps()); d != "" {
				t.Errorf("waits (-want +got):\n%s", d)
			}
			if n := countRequests(gh, tt.method, path); n != 3 {
				t.Errorf("%d requests, want 3", n)
			}
			if tt.method == "POST" && len(gh.Comments(5)) != 1 {
				t.Errorf("%d comments, want 1", len(gh.Comments(5)))
			}
		})
	}
}

func TestClientGivesUp(t *testing.T) {
	t.Parallel()
	const path = "/repos/o/r/issues/5/comments"
	tests := []struct {
		name     string
		failure  githubtest.Failure
		deadline time.Duration // 0 for none
		requests int
		sleeps   int
		want     string
	}{
		{"after the retries", githubtest.SecondaryRateLimit("GET", path, 1, 100), 0, 4, 3, "gave up after 4 attempts"},
		{"when the wait is past the cap", githubtest.SecondaryRateLimit("GET", path, 3600, 1), 0, 1, 0, "asks to wait 1h0m0s, longer than the 1m0s"},
		{"when the deadline comes first", githubtest.SecondaryRateLimit("GET", path, 30, 1), 5 * time.Second, 1, 0, "the run's deadline comes before the 30s wait"},
		{"on a 403 that is no rate limit", githubtest.Failure{Method: "GET", Status: 403, Times: 1, Body: `{"message":"Resource not accessible by integration"}`}, 0, 1, 0, "403: Resource not accessible by integration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			c, clk := newTestClient(t, gh)
			gh.Fail(tt.failure)
			ctx, cancel := context.WithCancel(context.Background())
			if tt.deadline > 0 {
				ctx, cancel = context.WithTimeout(context.Background(), tt.deadline)
			}
			defer cancel()
			err := c.send(ctx, "GET", path+"?page=1", nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to say %q", err, tt.want)
			}
			var ae *APIError
			if !errors.As(err, &ae) || ae.Status != 403 {
				t.Errorf("err %v is not the 403 APIError", err)
			}
			if n := countRequests(gh, "GET", path); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if n := len(clk.Sleeps()); n != tt.sleeps {
				t.Errorf("%d waits, want %d", n, tt.sleeps)
			}
		})
	}
}

// A 5xx is sent again only for a GET: a POST may have been made, and a
// PATCH is left to its caller.
func TestClientRetriesServerErrorsOnlyForGET(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		method, path string
		requests     int
	}{
		{"GET", "/repos/o/r/issues/5/comments", 3},
		{"POST", "/repos/o/r/issues/5/comments", 1},
		{"PATCH", "/repos/o/r/issues/comments/1", 1},
	} {
		t.Run(tt.method, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			gh.AddComment(5, "someone", "hello")
			c, clk := newTestClient(t, gh)
			gh.Fail(githubtest.Failure{Method: tt.method, Path: tt.path, Status: 502, Times: 2, Body: `{"message":"Server Error"}`})
			err := c.send(context.Background(), tt.method, tt.path, map[string]string{"body": "x"}, nil)
			if n := countRequests(gh, tt.method, tt.path); n != tt.requests {
				t.Errorf("%d requests, want %d", n, tt.requests)
			}
			if tt.method == "GET" {
				if err != nil {
					t.Errorf("GET after two 502s: %v", err)
				}
				if d := cmp.Diff([]time.Duration{time.Second, 2 * time.Second}, clk.Sleeps()); d != "" {
					t.Errorf("backoff (-want +got):\n%s", d)
				}
				return
			}
			if !hasStatus(err, 502) || !ambiguous(err) {
				t.Errorf("err = %v, want the 502", err)
			}
		})
	}
}

// Acceptance (issue 10): a GitHub API that never answers ends within the
// run's deadline, and each request within its own timeout.
func TestClientNeverAnsweringAPIEnds(t *testing.T) {
	t.Parallel()
	t.Run("the run's deadline", func(t *testing.T) {
		t.Parallel()
		gh := newFake(t)
		gh.Hang(true)
		c, _ := newTestClient(t, gh) // 30 s per request
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := c.Upsert(ctx, 5, "<!-- m -->", "<!-- m -->\nx")
		if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "deadline") {
			t.Errorf("err = %v, want the deadline", err)
		}
		if el := time.Since(start); el > 2*time.Second {
			t.Errorf("took %s past a 100ms deadline", el)
		}
	})
	t.Run("the per-request timeout", func(t *testing.T) {
		t.Parallel()
		gh := newFake(t)
		gh.Hang(true)
		c, clk := newTestClient(t, gh, WithTimeout(20*time.Millisecond), WithRetries(2))
		err := c.send(context.Background(), "GET", "/repos/o/r/issues/5/comments", nil, nil)
		if err == nil || !strings.Contains(err.Error(), "no answer within 20ms") || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v", err)
		}
		if n := len(gh.Requests()); n != 3 {
			t.Errorf("%d requests, want 3 (a GET is sent again)", n)
		}
		if n := len(clk.Sleeps()); n != 2 {
			t.Errorf("%d waits, want 2", n)
		}
	})
	t.Run("a POST is not sent again", func(t *testing.T) {
		t.Parallel()
		gh := newFake(t)
		gh.Hang(true)
		c, _ := newTestClient(t, gh, WithTimeout(20*time.Millisecond))
		err := c.send(context.Background(), "POST", "/repos/o/r/issues/5/comments", map[string]string{"body": "x"}, nil)
		if !ambiguous(err) {
			t.Errorf("err = %v, want a request without an answer", err)
		}
		if n := len(gh.Requests()); n != 1 {
			t.Errorf("%d requests, want 1", n)
		}
	})
}

func TestClientErrorsNeverShowTheToken(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	bad, _ := NewClient(gh.URL, testToken+"x", "o/r")
	hangs := newFake(t)
	hangs.Hang(true)
	slow, _ := NewClient(hangs.URL, testToken, "o/r", WithTimeout(10*time.Millisecond), WithRetries(0))
	gh.Fail(githubtest.Failure{Method: "POST", Status: 422, Times: 1, Body: `{"message":"Validation Failed: ` + testToken + ` is not valid"}`})
	errs := map[string]error{}
	_, errs["bad credentials"] = bad.Upsert(context.Background(), 5, "<!-- m -->", "<!-- m -->\nx")
	errs["echoed token"] = c.send(context.Background(), "POST", "/repos/o/r/issues/5/comments", map[string]string{"body": "x"}, nil)
	errs["timeout"] = slow.send(context.Background(), "GET", "/user", nil, nil)
	closed := githubtest.New(testToken)
	closed.Close()
	gone, _ := NewClient(closed.URL, testToken, "o/r", WithRetries(0))
	errs["connection refused"] = gone.send(context.Background(), "GET", "/user", nil, nil)
	for name, err := range errs {
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error shows the token: %v", name, err)
		}
	}
	if !strings.Contains(errs["bad credentials"].Error(), "401: Bad credentials") {
		t.Errorf("bad credentials: %v", errs["bad credentials"])
	}
	if !strings.Contains(errs["echoed token"].Error(), "[REDACTED] is not valid") {
		t.Errorf("echoed token: %v", errs["echoed token"])
	}
}

func TestNewClientRefusesUnsafeInputs(t *testing.T) {
	t.Parallel()
	for _, bad := range []struct{ url, token, repo, want string }{
		{"http://api.github.com", testToken, "o/r", "plain http"},
		{"http://127.0.0.1.evil.example", testToken, "o/r", "plain http"},
		{"::", testToken, "o/r", "not a URL"},
		{"https://api.github.com", "", "o/r", "no GitHub token"},
		{"https://api.github.com", testToken, "o/r/x", "not owner/name"},
	} {
		_, err := NewClient(bad.url, bad.token, bad.repo)
		if err == nil || !strings.Contains(err.Error(), bad.want) || strings.Contains(err.Error(), testToken) {
			t.Errorf("NewClient(%q, token, %q) = %v, want %q", bad.url, bad.repo, err, bad.want)
		}
	}
	for _, ok := range []string{"https://api.github.com", "http://127.0.0.1:8080/", "http://localhost:1", "http://[::1]:2"} {
		if _, err := NewClient(ok, testToken, "o/r"); err != nil {
			t.Errorf("NewClient(%q): %v", ok, err)
		}
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		login   string // "" for the default GITHUB_TOKEN
		failure *githubtest.Failure
		want    string
		wantErr string
	}{
		{"GITHUB_TOKEN", "", nil, ActionsBot, ""},
		{"a personal token", "alice", nil, "alice", ""},
		{"bad credentials", "", &githubtest.Failure{Path: "/user", Status: 401, Times: 1, Body: `{"message":"Bad credentials"}`}, "", "401: Bad credentials"},
		{"rate limited", "", &githubtest.Failure{Path: "/user", Status: 403, Times: 10, Body: `{"message":"secondary rate limit"}`}, "", "rate limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			gh := newFake(t)
			gh.SetLogin(tt.login)
			if tt.failure != nil {
				gh.Fail(*tt.failure)
			}
			c, _ := newTestClient(t, gh)
			got, err := c.Login(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("Login = %q, %v; want an error saying %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Login = %q, %v; want %q", got, err, tt.want)
			}
			// Asked once.
			_, _ = c.Login(context.Background())
			if n := countRequests(gh, "GET", "/user"); n != 1 {
				t.Errorf("GET /user %d times", n)
			}
		})
	}
}

func TestClientSendsNoTokenToAnotherHostOnRedirect(t *testing.T) {
	t.Parallel()
	gh := newFake(t)
	c, _ := newTestClient(t, gh)
	gh.Fail(githubtest.Failure{Method: "GET", Path: "/user", Status: http.StatusFound, Times: 1, Header: map[string]string{"Location": gh.Blob.URL + "/steal"}})
	if _, err := c.Login(context.Background()); err == nil {
		t.Error("a redirect from GET /user was taken for an answer")
	}
	for _, r := range gh.Requests() {
		if r.Server == "blob" {
			t.Errorf("followed a redirect to another host: %+v", r)
		}
	}
}
