package client

import (
	"context"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// failureScenario produces a real failure of one kind: a server (or none)
// and a context for the request. first answers the first attempt; any
// later attempt gets ok.
type failureScenario struct {
	first   http.HandlerFunc
	url     func(t *testing.T, h http.HandlerFunc) string
	ctx     func(t *testing.T) context.Context // nil: background
	timeout time.Duration                      // per attempt; 0 for the default
}

func failureScenarios() map[Failure]failureScenario {
	plain := func(t *testing.T, h http.HandlerFunc) string { return newServer(t, h).URL }
	return map[Failure]failureScenario{
		Throttled:      {first: throttled("x", "Retry-After", "1"), url: plain},
		ServerError:    {first: status(502), url: plain},
		NotImplemented: {first: status(501), url: plain},
		GatewayTimeout: {first: status(504), url: plain},
		Refused:        {first: status(400), url: plain},
		NotSent:        {url: func(t *testing.T, _ http.HandlerFunc) string { return closedURL(t) }},
		BadCertificate: {url: func(t *testing.T, h http.HandlerFunc) string {
			srv := httptest.NewUnstartedServer(h)
			srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
			srv.StartTLS()
			t.Cleanup(srv.Close)
			return srv.URL
		}},
		NoAnswer: {first: hangUp, url: plain},
		TimedOut: {first: stall, url: plain, timeout: 50 * time.Millisecond},
		CancelledBeforeSend: {first: status(500), url: plain, ctx: func(t *testing.T) context.Context {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx
		}},
		// CancelledAfterSend's handler cancels the request's context: see
		// the test.
		CancelledAfterSend: {url: plain},
		BadAnswer: {first: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(200)
			io.WriteString(w, "<!doctype html><title>Log in</title>")
		}, url: plain},
	}
}

// TestRetryTable enumerates RetryTable: for every failure kind and method
// it makes that failure happen on the wire, and checks that the error is
// sorted into that kind, that the client retried exactly when the table
// says so, and that IsAmbiguous and MayStillBeProcessing read the table.
func TestRetryTable(t *testing.T) {
	t.Parallel()
	table := RetryTable()
	if len(table) != len(Failures()) {
		t.Fatalf("RetryTable has %d rows for %d failure kinds", len(table), len(Failures()))
	}
	scenarios := failureScenarios()
	for _, f := range Failures() {
		for col, method := range Methods {
			d := Decide(f, method)
			if d != table[f][col] {
				t.Errorf("Decide(%v, %s) = %+v, RetryTable says %+v", f, method, d, table[f][col])
			}
			if f == Other || f == BadAnswer && method == http.MethodDelete {
				// Other is any error the client did not make; a DELETE's
				// body is never read, so no 2xx answer to it is bad.
				var err error = &badAnswerError{errors.New("bad body")}
				if f == Other {
					err = errors.New("boom")
				}
				if got := FailureOf(err); got != f {
					t.Errorf("FailureOf(%v) = %v, want %v", err, got, f)
				}
				if got := Classify(method, err); got != d {
					t.Errorf("Classify(%s, %v) = %+v, want %+v", method, err, got, d)
				}
				continue
			}
			sc, found := scenarios[f]
			if !found {
				t.Errorf("no scenario makes a %v failure", f)
				continue
			}
			t.Run(f.String()+" "+method, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				if sc.ctx != nil {
					ctx = sc.ctx(t)
				}
				first := sc.first
				if f == CancelledAfterSend {
					var cancel context.CancelFunc
					ctx, cancel = context.WithCancel(ctx)
					first = func(w http.ResponseWriter, r *http.Request) {
						cancel()
						stall(w, r)
					}
				}
				var rec recorder
				url := sc.url(t, script(&rec, first, ok))
				opts := []Option{WithRetries(2)}
				if sc.timeout > 0 {
					opts = append(opts, WithRequestTimeout(sc.timeout))
				}
				var mu sync.Mutex
				var attempts []Attempt
				opts = append(opts, WithObserver(func(a Attempt) {
					mu.Lock()
					attempts = append(attempts, a)
					mu.Unlock()
				}))
				c := newClient(t, url, opts...)
				new(clock).install(c)
				err := call(ctx, c, method, 7)
				mu.Lock()
				defer mu.Unlock()
				if len(attempts) == 0 {
					if err == nil {
						t.Fatal("no attempt and no error")
					}
				} else {
					err = attempts[0].Err // the first attempt's failure, retried or not
					if err == nil {
						t.Fatalf("first attempt succeeded")
					}
				}
				if got := FailureOf(err); got != f {
					t.Fatalf("FailureOf(%v) = %v, want %v", err, got, f)
				}
				if got := Classify(method, err); got != d {
					t.Errorf("Classify = %+v, want %+v", got, d)
				}
				// At least two: under load the retry can time out as well.
				retried := len(attempts) >= 2
				if retried != d.Retry {
					t.Errorf("retried = %v (%d attempts), RetryTable says %v", retried, len(attempts), d.Retry)
				}
				if len(attempts) > 0 && attempts[0].Retry != d.Retry {
					t.Errorf("observer's Retry = %v, want %v", attempts[0].Retry, d.Retry)
				}
				if got := IsAmbiguous(err); got != d.Ambiguous {
					t.Errorf("IsAmbiguous(%v) = %v, want %v", err, got, d.Ambiguous)
				}
				if got := MayStillBeProcessing(err); got != d.MayStillBeProcessing {
					t.Errorf("MayStillBeProcessing(%v) = %v, want %v", err, got, d.MayStillBeProcessing)
				}
			})
		}
	}
}

// The table's safety rules, whatever its entries.
func TestRetryTableRules(t *testing.T) {
	t.Parallel()
	for _, f := range Failures() {
		for _, m := range Methods {
			d := Decide(f, m)
			if d.MayStillBeProcessing && !d.Ambiguous {
				t.Errorf("%v %s: may still be processing but not ambiguous", f, m)
			}
			if m == http.MethodGet && d.Ambiguous {
				t.Errorf("%v GET: ambiguous, but a GET writes nothing", f)
			}
			// Never create twice: a POST is sent again only when PostHog
			// certainly did nothing.
			if m == http.MethodPost && d.Retry && f != Throttled && f != NotSent {
				t.Errorf("%v POST: retried, though the create may have happened", f)
			}
			if (f == CancelledBeforeSend || f == CancelledAfterSend) && d.Retry {
				t.Errorf("%v %s: retried after the caller stopped", f, m)
			}
		}
		if Decide(f, "PUT") != Decide(f, http.MethodPost) {
			t.Errorf("%v: an unknown method is not read as POST", f)
		}
	}
	if got := Classify(http.MethodPost, nil); got != (Decision{}) {
		t.Errorf("Classify(nil) = %+v", got)
	}
	// RetryTable returns a copy.
	RetryTable()[ServerError][1] = retry
	if Decide(ServerError, http.MethodPost).Retry {
		t.Error("changing RetryTable's result changed the table")
	}
}
