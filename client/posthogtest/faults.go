package posthogtest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Faults scripts failures that happen in front of PostHog's application:
// load balancers, networks, timeouts. They apply before routing and
// authentication, to every request, in this order: Latency, then
// ResetNext, then ServerErrors, then Every429. LoseCreateResponses
// applies after a create has been stored.
//
// Dropping a connection needs a server that can hijack it (HTTP/1, as
// httptest.NewServer serves); on HTTP/2 the stream is reset instead. Go's
// http.Transport may retry an idempotent request (GET, HEAD, OPTIONS) on
// its own when a reused connection is dropped; the retry is another
// request here and meets the next fault.
type Faults struct {
	// Every429 makes every Nth request (counted from SetFaults) answer
	// 429 throttled with Retry-After: 1. 0 is off.
	Every429 int
	// ServerErrors are the statuses the next requests answer with, one
	// per request, before any handling: 500 with PostHog's server_error
	// body, 429 as Every429 does, anything else (400–599) with a proxy's
	// HTML page. SetFaults panics on a status outside 400–599.
	ServerErrors []int
	// ResetNext drops the connection, without a response, for the next N
	// requests.
	ResetNext int
	// LoseCreateResponses makes the next N successful creates (POST
	// returning 201) store the holdout and then drop the connection
	// without a response.
	LoseCreateResponses int
	// Latency delays every request before anything else. Like a busy
	// PostHog (Django finishes a request whose client has hung up), the
	// request is handled after the delay even if its client gave up: a
	// create is stored, its answer goes nowhere. Clients that resend a
	// create after a timeout make a duplicate here, as they would there.
	Latency time.Duration
}

// Stats counts what the emulator did since New.
type Stats struct {
	Requests  int // every request received, including faulted ones
	Throttled int // 429 responses: throttle mode, Every429, ServerErrors 429
	Faults    int // requests answered or dropped by Faults (latency alone does not count)

	// Requests by route and method, whatever their answer (faulted,
	// throttled and refused ones included). A project route's id may be
	// "@current" or a number.
	HoldoutLists    int // GET or HEAD on /api/projects/{id}/experiment_holdouts/
	ExperimentLists int // GET or HEAD on /api/projects/{id}/experiments/
	Creates         int // POST on the holdouts list
	HoldoutReads    int // GET or HEAD on one holdout
	Patches         int // PATCH or PUT on one holdout
	Deletes         int // DELETE on one holdout
	ProjectReads    int // GET or HEAD on /api/projects/{id}/
}

// count counts one request r.
func (s *Stats) count(r *http.Request) {
	s.Requests++
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		return
	}
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	switch {
	case rt.kind == routeHoldoutList && read:
		s.HoldoutLists++
	case rt.kind == routeHoldoutList && r.Method == http.MethodPost:
		s.Creates++
	case rt.kind == routeExperimentList && read:
		s.ExperimentLists++
	case rt.kind == routeHoldout && read:
		s.HoldoutReads++
	case rt.kind == routeHoldout && (r.Method == http.MethodPatch || r.Method == http.MethodPut):
		s.Patches++
	case rt.kind == routeHoldout && r.Method == http.MethodDelete:
		s.Deletes++
	case rt.kind == routeProject && read:
		s.ProjectReads++
	}
}

type faultState struct {
	every429     int
	seen         int // requests since SetFaults, for Every429
	serverErrors []int
	resetNext    int
	loseCreates  int
	latency      time.Duration
}

// SetFaults replaces the fault script (and restarts Every429's count).
// SetFaults(Faults{}) turns every fault off.
func (e *Emulator) SetFaults(f Faults) {
	for _, s := range f.ServerErrors {
		if s < 400 || s > 599 {
			panic(fmt.Sprintf("posthogtest: SetFaults: status %d is not an error status (400–599)", s))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults = faultState{
		every429:     max(f.Every429, 0),
		serverErrors: slices.Clone(f.ServerErrors),
		resetNext:    max(f.ResetNext, 0),
		loseCreates:  max(f.LoseCreateResponses, 0),
		latency:      max(f.Latency, 0),
	}
}

// SetLatency sets Faults.Latency alone, leaving the rest of the fault
// script as it is: every request waits d before anything else. It costs
// one timer per request, so benchmarks can model a distant PostHog.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.faults.latency = max(d, 0)
}

// Stats returns the counters.
func (e *Emulator) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

// injectFaults applies latency and the pre-handling faults. It reports
// whether the request should go on to normal handling.
func (e *Emulator) injectFaults(w http.ResponseWriter, r *http.Request, body []byte) bool {
	e.mu.Lock()
	latency := e.faults.latency
	e.mu.Unlock()
	if latency > 0 {
		time.Sleep(latency) // not cut short when the client leaves: see Faults.Latency
	}

	e.mu.Lock()
	f := &e.faults
	f.seen++
	var resp *response
	switch {
	case f.resetNext > 0:
		f.resetNext--
	case len(f.serverErrors) > 0:
		resp = faultResponse(f.serverErrors[0])
		f.serverErrors = f.serverErrors[1:]
	case f.every429 > 0 && f.seen%f.every429 == 0:
		resp = faultResponse(http.StatusTooManyRequests)
	default:
		e.mu.Unlock()
		return true
	}
	e.stats.Faults++
	status := 0
	if resp != nil {
		status = resp.status
		if status == http.StatusTooManyRequests {
			e.stats.Throttled++
		}
	}
	e.logRequest(r, body, status)
	e.mu.Unlock()

	if resp == nil {
		dropConnection(w)
	} else {
		resp.write(w)
	}
	return false
}

// faultResponse is what a failing PostHog, or the proxy in front of it,
// answers with status.
func faultResponse(status int) *response {
	switch status {
	case http.StatusInternalServerError:
		return serverError()
	case http.StatusTooManyRequests:
		return throttledResponse(1)
	}
	text := fmt.Sprintf("%d %s", status, http.StatusText(status))
	return &response{
		status: status,
		header: http.Header{"Content-Type": {"text/html"}},
		body:   []byte("<html>\r\n<head><title>" + text + "</title></head>\r\n<body>\r\n<center><h1>" + text + "</h1></center>\r\n</body>\r\n</html>\r\n"),
	}
}
