package client

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// A detached request that is in flight when its parent context ends runs
// to its answer, and is not retried.
func TestDetachFinishesInFlightAndStopsRetrying(t *testing.T) {
	var requests, completed atomic.Int32
	parent, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		cancel() // Ctrl-C while the PATCH is in flight, whatever the timing
		select {
		case <-time.After(150 * time.Millisecond):
		case <-r.Context().Done():
			return // the client gave up on the request: not what Detach promises
		}
		completed.Add(1)
		w.Header().Set("Retry-After", "5")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write([]byte(`{"type":"throttled_error","code":"throttled","detail":"Request was throttled. Expected available in 5 seconds.","attr":null}`))
	}))
	defer srv.Close()
	c, err := New(srv.URL, "1", "phx_test_key_000000000000", WithRateLimit(1000, 10))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = c.Update(Detach(parent), 7, HoldoutInput{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	if err == nil {
		t.Fatal("want the 429")
	}
	if completed.Load() != 1 {
		t.Errorf("the in-flight request was cut off (completed %d)", completed.Load())
	}
	if n := requests.Load(); n != 1 {
		t.Errorf("%d requests: retried after the interrupt", n)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v: waited out Retry-After after the interrupt", d)
	}
}
