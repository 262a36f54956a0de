package client

import (
	"context"
	"errors"
	"fmt"
	"github.com/hogsync/hogsync/internal/wait"
	"io"
	"log"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// clock records the client's retry waits instead of sleeping them.
type clock struct {
	mu    sync.Mutex
	waits []time.Duration
}

func (k *clock) install(c *Client) {
	c.sleep = func(ctx context.Context, d time.Duration) error {
		k.mu.Lock()
		k.waits = append(k.waits, d)
		k.mu.Unlock()
		return ctx.Err()
	}
	c.jitter = func(d time.Duration) time.Duration { return d } // the jitter's upper bound
}

func (k *clock) get() []time.Duration {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]time.Duration(nil), k.waits...)
}

// script answers the i-th request with steps[i] (the last one repeats).
func script(rec *recorder, steps ...http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := rec.count()
		rec.add(r)
		steps[min(n, len(steps)-1)](w, r)
	}
}

func status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		body := map[string]any{"type": "server_error", "code": "error", "detail": "A server error occurred.", "attr": nil}
		if code == 429 {
			body = map[string]any{"type": "throttled_error", "code": "throttled", "detail": "Request was throttled.", "attr": nil}
		}
		writeJSON(w, code, body)
	}
}

func throttled(detail string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		writeJSON(w, 429, map[string]any{"type": "throttled_error", "code": "throttled", "detail": detail, "attr": nil})
	}
}

// ok answers a successful response for whatever method came in.
func ok(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"id": 1, "name": "a"}}})
	case http.MethodPost:
		writeJSON(w, 201, map[string]any{"id": 1, "name": "a"})
	case http.MethodPatch:
		writeJSON(w, 200, map[string]any{"id": 1, "name": "a"})
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

func TestDefaults(t *testing.T) {
	c, err := New("https://us.posthog.com", "1", testKey)
	if err != nil {
		t.Fatal(err)
	}
	// No ceiling; PostHog's two windows with 5% kept in reserve.
	got := []any{c.attempts, c.maxRetryWait, c.requestTimeout, c.limiter.ceiling == nil, c.limiter.windows, c.pageSize, c.maxListItems, c.maxListBytes, c.userAgent}
	want := []any{4, 60 * time.Second, 30 * time.Second, true, []window{{time.Minute, 456}, {time.Hour, 4560}}, 1000, 250_000, int64(128 << 20), "hogsync/dev"}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(window{})); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
}

func TestRetryOptionsValidated(t *testing.T) {
	for _, tt := range []struct {
		opt  Option
		want string
	}{
		{WithRetries(0), "retries 0: a request needs at least 1 attempt"},
		{WithMaxRetryWait(0), "max retry wait 0s must be positive"},
		{WithRateLimit(0, 1), "rate limit 0/s with burst 1: both must be positive"},
		{WithRateLimit(math.NaN(), 1), "both must be positive"},
		{WithRateLimit(5, 0), "rate limit 5/s with burst 0"},
	} {
		_, err := New("https://us.posthog.com", "1", testKey, tt.opt)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("error = %v, want it to contain %q", err, tt.want)
		}
	}
}

func Test429ThenOKEveryMethod(t *testing.T) {
	for _, method := range []string{"GET", "POST", "PATCH", "DELETE"} {
		t.Run(method, func(t *testing.T) {
			var rec recorder
			srv := newServer(t, script(&rec, throttled("Request was throttled. Expected available in 9 seconds.", "Retry-After", "2"), ok))
			var attempts []Attempt
			c := newClient(t, srv.URL, WithRetries(4), WithObserver(func(a Attempt) { attempts = append(attempts, a) }))
			var k clock
			k.install(c)
			if err := call(context.Background(), c, method, 7); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{2 * time.Second}, k.get()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
			reqs := rec.all()
			if len(reqs) != 2 {
				t.Fatalf("%d requests, want 2", len(reqs))
			}
			// The body is replayed whole, with its length, on the retry.
			if reqs[1].Body != reqs[0].Body || reqs[1].ContentLength != int64(len(reqs[0].Body)) || len(reqs[1].TransferEncoding) > 0 {
				t.Errorf("retry sent body %q (length %d), first attempt %q", reqs[1].Body, reqs[1].ContentLength, reqs[0].Body)
			}
			if reqs[1].Header.Get("Authorization") != "Bearer "+testKey {
				t.Errorf("retry lost the Authorization header")
			}
			if len(attempts) != 2 {
				t.Fatalf("observer saw %d attempts, want 2", len(attempts))
			}
			first, second := attempts[0], attempts[1]
			var ae *APIError
			if !errors.As(first.Err, &ae) || ae.StatusCode != 429 {
				t.Errorf("first attempt error = %v, want the 429", first.Err)
			}
			first.Err = nil
			wantPath := "/api/projects/1/experiment_holdouts/"
			if method == "PATCH" || method == "DELETE" {
				wantPath += "7/"
			}
			wantStatus := map[string]int{"GET": 200, "POST": 201, "PATCH": 200, "DELETE": 204}[method]
			want := []Attempt{
				{Method: method, Path: wantPath, Attempt: 1, Status: 429, Wait: 2 * time.Second, Retry: true},
				{Method: method, Path: wantPath, Attempt: 2, Status: wantStatus},
			}
			if diff := cmp.Diff(want, []Attempt{first, second}, cmpopts.EquateErrors()); diff != "" {
				t.Errorf("attempts (-want +got):\n%s", diff)
			}
		})
	}
}

func Test429Wait(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		opts    []Option
		want    time.Duration
	}{
		{"Retry-After header", throttled("Request was throttled.", "Retry-After", "3"), nil, 3 * time.Second},
		{"number in the body", throttled("Request was throttled. Expected available in 7 seconds."), nil, 7 * time.Second},
		{"header wins over body", throttled("Request was throttled. Expected available in 7 seconds.", "Retry-After", "1"), nil, time.Second},
		{"capped by default", throttled("x", "Retry-After", "3600"), nil, 60 * time.Second},
		{"capped by option", throttled("Expected available in 3600 seconds."), []Option{WithMaxRetryWait(5 * time.Second)}, 5 * time.Second},
		{"no hint: backoff", throttled("Request was throttled."), nil, 250 * time.Millisecond},
		{"wire file", func(w http.ResponseWriter, r *http.Request) { loadWire(t, "error-429-throttled.json").serve(w) }, nil, 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv := newServer(t, script(&rec, tt.handler, ok))
			c := newClient(t, srv.URL, append([]Option{WithRetries(2)}, tt.opts...)...)
			var k clock
			k.install(c)
			if _, err := c.List(context.Background()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]time.Duration{tt.want}, k.get()); diff != "" {
				t.Errorf("waits (-want +got):\n%s", diff)
			}
		})
	}
}

func Test5xxRetriedForIdempotentMethods(t *testing.T) {
	var rec recorder
	srv := newServer(t, script(&rec, status(502), status(502), status(502), ok))
	c := newClient(t, srv.URL, WithRetries(4))
	var k clock
	k.install(c)
	in := HoldoutInput{Name: "n", Description: "d", Filters: []map[string]any{{"rollout_percentage": 20}}}
	h, err := c.Update(context.Background(), 1, in)
	if err != nil {
		t.Fatal(err)
	}
	if h.ID != 1 {
		t.Errorf("holdout = %+v", h)
	}
	reqs := rec.all()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for i, r := range reqs {
		if r.Method != "PATCH" || r.Body != reqs[0].Body || r.ContentLength != int64(len(reqs[0].Body)) || r.Body == "" {
			t.Errorf("attempt %d: %s body %q length %d; want PATCH with the first body %q", i+1, r.Method, r.Body, r.ContentLength, reqs[0].Body)
		}
	}
	// Backoff doubles from 250ms; the test's jitter returns its bound.
	if diff := cmp.Diff([]time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}, k.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
}

func TestNotRetried(t *testing.T) {
	tests := []struct {
		name      string
		method    string
		handler   http.HandlerFunc
		ambiguous bool
	}{
		{"POST 502", "POST", status(502), true},
		{"POST 500", "POST", status(500), true},
		{"POST 503", "POST", status(503), true},
		{"POST dropped connection", "POST", hangUp, true},
		{"GET 501", "GET", status(501), false},
		{"PATCH 501", "PATCH", status(501), false},
		{"GET 400", "GET", status(400), false},
		{"PATCH 404", "PATCH", status(404), false},
		{"DELETE 409", "DELETE", status(409), false},
		{"GET 401", "GET", status(401), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv := newServer(t, script(&rec, tt.handler, ok))
			var attempts int
			c := newClient(t, srv.URL, WithRetries(4), WithObserver(func(Attempt) { attempts++ }))
			var k clock
			k.install(c)
			err := call(context.Background(), c, tt.method, 1)
			if err == nil {
				t.Fatal("no error")
			}
			if n := rec.count(); n != 1 || attempts != 1 {
				t.Errorf("%d requests, %d attempts observed; want 1", n, attempts)
			}
			if len(k.get()) != 0 {
				t.Errorf("waited %v", k.get())
			}
			if got := IsAmbiguous(err); got != tt.ambiguous {
				t.Errorf("IsAmbiguous(%v) = %v, want %v", err, got, tt.ambiguous)
			}
			if strings.Contains(err.Error(), "gave up") {
				t.Errorf("error %q claims retries", err)
			}
		})
	}
}

func TestRetryCap(t *testing.T) {
	var rec recorder
	srv := newServer(t, script(&rec, status(503)))
	c := newClient(t, srv.URL, WithRetries(10))
	var k clock
	k.install(c)
	err := c.Delete(context.Background(), 3)
	if n := rec.count(); n != 10 {
		t.Errorf("%d requests, want 10", n)
	}
	s, ms := time.Second, time.Millisecond
	want := []time.Duration{250 * ms, 500 * ms, s, 2 * s, 4 * s, 8 * s, 10 * s, 10 * s, 10 * s}
	if diff := cmp.Diff(want, k.get()); diff != "" {
		t.Errorf("waits (-want +got):\n%s", diff)
	}
	if d := c.backoff(300); d != 10*time.Second { // no overflow however many attempts
		t.Errorf("backoff(300) = %v, want the 10s cap", d)
	}
	wantMsg := "delete holdout 3: DELETE /api/projects/1/experiment_holdouts/3/: 503 Service Unavailable (error): A server error occurred. (gave up after 10 attempts)"
	if err == nil || err.Error() != wantMsg {
		t.Errorf("error = %v, want %q", err, wantMsg)
	}
	var ae *APIError
	if !errors.As(err, &ae) || !IsAmbiguous(err) {
		t.Errorf("error %v: want an ambiguous *APIError", err)
	}

	// The default is 4 attempts.
	var rec4 recorder
	srv4 := newServer(t, script(&rec4, status(502)))
	c4, err := New(srv4.URL, "1", testKey, WithRateLimit(math.Inf(1), 1))
	if err != nil {
		t.Fatal(err)
	}
	new(clock).install(c4)
	c4.List(context.Background())
	if n := rec4.count(); n != 4 {
		t.Errorf("default: %d requests, want 4", n)
	}
}

func TestFullJitter(t *testing.T) {
	for range 1000 {
		if d := fullJitter(time.Second); d < 0 || d > time.Second {
			t.Fatalf("fullJitter(1s) = %v", d)
		}
	}
	c := newClient(t, "https://us.posthog.com")
	seen := map[time.Duration]bool{}
	for range 50 {
		seen[c.backoff(3)] = true
	}
	if len(seen) < 10 {
		t.Errorf("backoff(3) took only %d values in 50 draws: not jittered", len(seen))
	}
}

func TestTransportErrorsRetriedForGET(t *testing.T) {
	var rec recorder
	srv := newServer(t, script(&rec, hangUp, hangUp, ok))
	c := newClient(t, srv.URL, WithRetries(4))
	new(clock).install(c)
	hs, err := c.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 1 || rec.count() != 3 {
		t.Errorf("got %d holdouts after %d requests; want 1 after 3", len(hs), rec.count())
	}
}

func TestCertificateErrorNotRetried(t *testing.T) {
	var rec recorder
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { rec.add(r) }))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	t.Cleanup(srv.Close)
	var attempts []Attempt
	c := newClient(t, srv.URL, WithRetries(4), WithObserver(func(a Attempt) { attempts = append(attempts, a) }))
	_, err := c.List(context.Background())
	if err == nil || len(attempts) != 1 || attempts[0].Retry {
		t.Fatalf("error %v after %d attempts; want one failed attempt", err, len(attempts))
	}
	if IsAmbiguous(err) {
		t.Errorf("IsAmbiguous(%v) = true before anything was sent", err)
	}
}

func TestDeleteGoneAfterAmbiguousAttempt(t *testing.T) {
	notFound := func(w http.ResponseWriter, r *http.Request) { loadWire(t, "error-404-holdout.json").serve(w) }
	var rec recorder
	srv := newServer(t, script(&rec, status(502), notFound))
	c := newClient(t, srv.URL, WithRetries(4))
	new(clock).install(c)
	if err := c.Delete(context.Background(), 5); err != nil {
		t.Errorf("Delete after 502 then 404 = %v, want success: the first attempt deleted it", err)
	}
	// A 404 without an earlier ambiguous attempt is still an error.
	var rec2 recorder
	srv2 := newServer(t, script(&rec2, status(429), notFound))
	c2 := newClient(t, srv2.URL, WithRetries(4))
	new(clock).install(c2)
	if err := c2.Delete(context.Background(), 5); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete after 429 then 404 = %v, want ErrNotFound", err)
	}
}

func TestCancelDuringRetryWait(t *testing.T) {
	var rec recorder
	srv := newServer(t, script(&rec, throttled("x", "Retry-After", "30"), ok))
	ctx, cancel := context.WithCancel(context.Background())
	// Cancel only once the 429 is in and the client is waiting: a slow
	// machine must not move the cancel before the request.
	c := newClient(t, srv.URL, WithRetries(4), WithObserver(func(a Attempt) {
		if a.Retry {
			time.AfterFunc(50*time.Millisecond, cancel)
		}
	}))
	c.sleep = wait.Sleep // the real, context-aware sleep
	start := time.Now()
	_, err := c.Create(ctx, HoldoutInput{Name: "x"})
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Create returned after %v, want promptly after the cancel", d)
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
	var ae *APIError
	if !errors.As(err, &ae) || ae.StatusCode != 429 {
		t.Errorf("error = %v, want it to keep the 429", err)
	}
	if !strings.Contains(err.Error(), "retry abandoned: context canceled") {
		t.Errorf("error = %q", err)
	}
	if n := rec.count(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}

	// A PATCH that got a 502 and was then cancelled may have been applied.
	var rec2 recorder
	srv2 := newServer(t, script(&rec2, status(502), ok))
	c2 := newClient(t, srv2.URL, WithRetries(4))
	c2.sleep = func(context.Context, time.Duration) error { return context.Canceled }
	_, err = c2.Update(context.Background(), 1, HoldoutInput{Name: "x"})
	if !errors.Is(err, context.Canceled) || !IsAmbiguous(err) {
		t.Errorf("error = %v: want context.Canceled and ambiguous", err)
	}
}

func TestRequestTimeoutPerAttempt(t *testing.T) {
	var rec recorder
	srv := newServer(t, script(&rec, stall, ok))
	var attempts []Attempt
	c := newClient(t, srv.URL, WithRetries(3), WithRequestTimeout(500*time.Millisecond), WithObserver(func(a Attempt) { attempts = append(attempts, a) }))
	new(clock).install(c)
	if _, err := c.List(context.Background()); err != nil {
		t.Fatalf("List = %v, want success on the second attempt", err)
	}
	if len(attempts) != 2 || attempts[0].Err == nil {
		t.Fatalf("attempts = %+v", attempts)
	}
	if msg := attempts[0].Err.Error(); !strings.Contains(msg, "no complete answer within 500ms") {
		t.Errorf("first attempt error = %q, want it to name the timeout", msg)
	}

	// A POST that timed out is not retried, and may have been applied.
	var rec2 recorder
	srv2 := newServer(t, script(&rec2, stall, ok))
	c2 := newClient(t, srv2.URL, WithRetries(3), WithRequestTimeout(100*time.Millisecond))
	_, err := c2.Create(context.Background(), HoldoutInput{Name: "x"})
	if err == nil || rec2.count() != 1 || !IsAmbiguous(err) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Create = %v after %d requests; want one ambiguous timeout", err, rec2.count())
	}
}

func TestRateLimiter(t *testing.T) {
	// A rate so slow that no token comes back during the test: the
	// limiter's token count says exactly how many requests it let through.
	const burst = 5
	var rec recorder
	srv := newServer(t, script(&rec, throttled("x", "Retry-After", "1"), ok))
	c := newClient(t, srv.URL, WithRetries(4), WithRateLimit(1e-9, burst))
	new(clock).install(c)
	tokens := func() float64 { return math.Round(c.limiter.ceiling.Tokens()*1000) / 1000 }

	if got := tokens(); got != burst {
		t.Fatalf("tokens at start = %v, want %d", got, burst)
	}
	if _, err := c.List(context.Background()); err != nil { // 429, then 200
		t.Fatal(err)
	}
	if got := tokens(); got != burst-2 {
		t.Errorf("tokens after a list with one retry = %v, want %d", got, burst-2)
	}
	for range 2 {
		if err := c.Delete(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Create(context.Background(), HoldoutInput{Name: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := tokens(); got != 0 {
		t.Errorf("tokens = %v, want 0", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := c.List(ctx)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "client-side rate limit") {
		t.Errorf("List past the limit = %v, want a rate-limit deadline error", err)
	}
	if IsAmbiguous(err) {
		t.Errorf("IsAmbiguous(%v) = true though nothing was sent", err)
	}
	if n := rec.count(); n != burst {
		t.Errorf("server got %d requests, want %d", n, burst)
	}
}

func TestRateLimiterListPages(t *testing.T) {
	var rec recorder
	srv := newServer(t, drfList(t, &rec, "https://us.posthog.com", holdoutItems(250)))
	c := newClient(t, srv.URL, WithRateLimit(1e-9, 10), WithPageSize(100))
	if _, err := c.List(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := math.Round(c.limiter.ceiling.Tokens()); got != 7 {
		t.Errorf("tokens after 3 pages = %v, want 7", got)
	}
}

func TestRateLimiterPaces(t *testing.T) {
	// 20/s with no burst to spare: 6 requests need 5 intervals of 50ms.
	var rec recorder
	srv := newServer(t, script(&rec, ok))
	c := newClient(t, srv.URL, WithRateLimit(20, 1))
	k := fakeClock(c)
	for range 6 {
		if err := c.Delete(context.Background(), 1); err != nil {
			t.Fatal(err)
		}
	}
	if d := k.elapsed(); d != 250*time.Millisecond {
		t.Errorf("6 requests at 20/s took %v, want 250ms", d)
	}
}

func TestObserverNeverSeesKey(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(502)
		fmt.Fprintf(w, "upstream said: %s", r.Header.Get("Authorization"))
	}
	var rec recorder
	srv := newServer(t, script(&rec, echo, hangUp, echo))
	var seen []string
	c := newClient(t, srv.URL, WithRetries(3), WithObserver(func(a Attempt) { seen = append(seen, fmt.Sprintf("%v %+v %#v", a, a, a)) }))
	new(clock).install(c)
	_, err := c.List(context.Background())
	seen = append(seen, err.Error())
	if len(seen) != 4 {
		t.Fatalf("observed %d attempts, want 3", len(seen)-1)
	}
	for _, s := range seen {
		if strings.Contains(s, testKey) {
			t.Errorf("key in %s", s)
		}
	}
}
