package client

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// ErrNotFound matches (errors.Is) an *APIError with status 404.
var ErrNotFound = errors.New("not found")

// APIError is every non-2xx answer from PostHog. It carries PostHog's own
// error fields so callers can show the server's words and decide what to
// do. It never holds the API key or request headers.
type APIError struct {
	Method     string // "GET", "POST", ...
	Path       string // URL path only, no query string, no host
	StatusCode int

	// PostHog's error body: {"type","code","detail","attr"}. Detail falls
	// back to "message" or "error" for bodies (approvals) that lack it.
	Type   string
	Code   string
	Detail string
	Attr   string

	// ChangeRequestID is set when PostHog turned the write into a change
	// request waiting for approval (409 approval_required or
	// change_request_pending).
	ChangeRequestID string
	// ChangeRequest is the request PostHog names in a 409: the one this
	// write created (approval_required) or, for change_request_pending,
	// the one already waiting, whose intent may be a different value than
	// the one just sent. nil when the answer names none.
	ChangeRequest *ChangeRequest

	// RetryAfter is the server's Retry-After (429), zero when absent.
	RetryAfter time.Duration

	// Body is the start of a body that was not PostHog's JSON error shape
	// (a proxy's HTML page, say), at most 512 bytes; empty otherwise.
	Body string
}

// ChangeRequest is a PostHog change request as a 409 answer shows it.
type ChangeRequest struct {
	ID        string
	ActionKey string // "experiment_holdout.update" or "experiment_holdout.delete"
	State     string // "pending", "approved", ...
	// DesiredFilters and DesiredChanges are the gated intent: what the
	// request would write once approved (numbers are json.Number).
	DesiredFilters []map[string]any
	DesiredChanges map[string]any
	// Description is PostHog's one-line summary of the intent, such as
	// "Change holdout 'gated' exclusion from 10% to 20%, affecting 0
	// experiments".
	Description string
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	switch {
	case e.Detail != "":
		b.WriteString(": ")
		b.WriteString(e.Detail)
		if e.Attr != "" {
			fmt.Fprintf(&b, " [field %s]", e.Attr)
		}
	case e.Body != "":
		b.WriteString(": ")
		b.WriteString(e.Body)
	}
	if e.ChangeRequestID != "" {
		fmt.Fprintf(&b, " [change request %s]", e.ChangeRequestID)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrNotFound) true for a 404.
func (e *APIError) Is(target error) bool {
	return target == ErrNotFound && e.StatusCode == http.StatusNotFound
}

// PendingApproval reports whether the write was turned into a change
// request that waits for approval in PostHog, and that request's id.
func PendingApproval(err error) (changeRequestID string, ok bool) {
	var ae *APIError
	if errors.As(err, &ae) && ae.StatusCode == http.StatusConflict && ae.ChangeRequestID != "" {
		return ae.ChangeRequestID, true
	}
	return "", false
}

// IsAmbiguous reports whether err leaves it unknown if the server carried
// out the write: the request failed after it could have reached the server
// (a timeout, a reset connection, a response cut short, a cancel while in
// flight), or the answer was a 5xx other than 501. Before creating again
// after such an error, list to see whether the first create took effect.
//
// It is false for 4xx answers (429 included: the server did nothing), 501,
// failures before anything was sent (a refused connection, a certificate
// error, a context cancelled before the request went out), and any failure
// of a GET. It reads RetryTable for the method the error names (POST when
// it names none).
func IsAmbiguous(err error) bool {
	return err != nil && Classify(methodOf(err), err).Ambiguous
}

// MayStillBeProcessing reports whether PostHog may still be working on a
// write that got no answer: the client's timeout ran out or its caller
// cancelled after sending, or a gateway answered 504. PostHog finishes a
// request whose client has gone, so such a create can be committed seconds
// later, and a listing made now proves nothing; unlike after a reset or a
// 502, sending it again could make a duplicate. It reads RetryTable.
func MayStillBeProcessing(err error) bool {
	return err != nil && Classify(methodOf(err), err).MayStillBeProcessing
}

// methodOf is the method of the request that err is about, "" when err
// does not say.
func methodOf(err error) string {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Method
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.method
	}
	return ""
}
