package client

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
)

// Failure is the kind of a failed request, as far as retrying it and
// trusting its outcome go. FailureOf sorts an error into one; RetryTable
// says what each kind means for each method.
type Failure int

// The failure kinds, in RetryTable's order.
const (
	// Throttled is a 429: PostHog refused the request without doing it.
	Throttled Failure = iota
	// ServerError is a 5xx other than 501 and 504: the server may have
	// done the work before it failed.
	ServerError
	// NotImplemented is a 501: the server does not do this at all.
	NotImplemented
	// GatewayTimeout is a 504: a gateway stopped waiting, and PostHog may
	// still be doing the work behind it.
	GatewayTimeout
	// Refused is any other non-2xx answer (4xx other than 429, or a
	// redirect the client does not follow): the request was refused as it
	// is, and sending it again changes nothing.
	Refused
	// NotSent is a transport failure before any byte of the request was
	// written (no connection, a DNS failure): the server saw nothing.
	NotSent
	// BadCertificate is a TLS failure before the request was written that
	// another attempt cannot fix (the certificate does not verify, or the
	// server does not speak TLS).
	BadCertificate
	// NoAnswer is a transport failure after the request could have been
	// written (a reset, a dropped connection, an answer cut short): the
	// server may have done the work and aborted with the connection.
	NoAnswer
	// TimedOut is the per-attempt timeout (WithRequestTimeout), or another
	// timeout, ending an attempt after the request was written: PostHog
	// finishes a request whose client has gone, so the work may be done
	// seconds later.
	TimedOut
	// CancelledBeforeSend is the caller's context ending (cancelled or its
	// deadline passed) before the request was written.
	CancelledBeforeSend
	// CancelledAfterSend is the caller's context ending after the request
	// was written: like TimedOut, PostHog may still be doing the work.
	CancelledAfterSend
	// BadAnswer is a 2xx answer whose body is not what was asked for (not
	// JSON, no id, over a size limit): the server did what it answered.
	BadAnswer
	// Other is an error the client did not make and cannot place, or one
	// it made before sending anything (an invalid id).
	Other

	numFailures = iota
)

var failureNames = [numFailures]string{
	"429", "5xx (not 501, 504)", "501", "504", "other 4xx", "not sent",
	"bad certificate", "no answer after sending", "timed out after sending",
	"cancelled before sending", "cancelled after sending", "bad 2xx answer", "other",
}

// String names the kind, such as "504" or "timed out after sending".
func (f Failure) String() string {
	if f < 0 || f >= numFailures {
		return "unknown failure"
	}
	return failureNames[f]
}

// Failures lists every failure kind, in RetryTable's order.
func Failures() []Failure {
	out := make([]Failure, numFailures)
	for i := range out {
		out[i] = Failure(i)
	}
	return out
}

// Methods are the methods RetryTable has a column for. Any other method
// is treated as POST: neither safe to repeat nor free of side effects.
var Methods = []string{http.MethodGet, http.MethodPost, http.MethodPatch, http.MethodDelete}

// Decision is what a failure means for one request.
type Decision struct {
	// Retry: sending the request again is safe, and might succeed. The
	// client does it (WithRetries) after a pause: Retry-After for a 429,
	// jittered exponential backoff otherwise.
	Retry bool
	// Ambiguous: the write may have happened. Before creating again, list
	// to see whether the first create took effect. Always false for GET,
	// which writes nothing.
	Ambiguous bool
	// MayStillBeProcessing: the write may not have happened yet but may
	// still happen, as PostHog finishes a request whose client has gone. A
	// listing made now proves nothing: do not send a create again in this
	// run. Implies Ambiguous.
	MayStillBeProcessing bool
}

// The decisions the table is made of.
var (
	giveUp       = Decision{}
	retry        = Decision{Retry: true}
	maybe        = Decision{Ambiguous: true}
	retryMaybe   = Decision{Retry: true, Ambiguous: true}
	pending      = Decision{Ambiguous: true, MayStillBeProcessing: true}
	retryPending = Decision{Retry: true, Ambiguous: true, MayStillBeProcessing: true}
)

// RetryTable is the one place that says, for each kind of failure and each
// method, whether the client retries and whether the caller may trust that
// nothing happened. Rows are Failures in order; columns follow Methods
// (GET, POST, PATCH, DELETE).
//
// The rules behind it:
//   - POST (a create) is retried only when PostHog certainly did nothing:
//     a 429, or a failure before the request was written. Anything after
//     that may have made a holdout, and a second POST would make another
//     (never create twice).
//   - GET, PATCH and DELETE are repeated after a 5xx or a lost answer:
//     a GET changes nothing; a DELETE done twice answers 404 the second
//     time, which the client takes as done; and a PATCH is idempotent
//     here only because hogsync's PATCHes carry absolute values (a rename
//     to X sent twice leaves X), never increments or edits relative to
//     what is stored.
//   - A write is ambiguous once it could have reached the server and no
//     answer says it was refused; it may still be processing when the
//     client or a gateway stopped waiting (timeout, 504, cancel).
//   - 501, other 4xx, bad certificates, cancels and bad 2xx bodies are
//     never retried: another attempt gets the same answer, or the caller
//     asked to stop.
//
// Use Classify, IsAmbiguous and MayStillBeProcessing to read it for an
// error. RetryTable returns a copy: changing it changes nothing.
func RetryTable() [][4]Decision {
	out := make([][4]Decision, numFailures)
	copy(out, retryTable[:])
	return out
}

var retryTable = [numFailures][4]Decision{
	//                   GET     POST     PATCH         DELETE
	Throttled:           {retry, retry, retry, retry},
	ServerError:         {retry, maybe, retryMaybe, retryMaybe},
	NotImplemented:      {giveUp, giveUp, giveUp, giveUp},
	GatewayTimeout:      {retry, pending, retryPending, retryPending},
	Refused:             {giveUp, giveUp, giveUp, giveUp},
	NotSent:             {retry, retry, retry, retry},
	BadCertificate:      {giveUp, giveUp, giveUp, giveUp},
	NoAnswer:            {retry, maybe, retryMaybe, retryMaybe},
	TimedOut:            {retry, pending, retryPending, retryPending},
	CancelledBeforeSend: {giveUp, giveUp, giveUp, giveUp},
	CancelledAfterSend:  {giveUp, pending, pending, pending},
	BadAnswer:           {giveUp, giveUp, giveUp, giveUp},
	Other:               {giveUp, giveUp, giveUp, giveUp},
}

// Decide is RetryTable's entry for failure f on method. A method other
// than GET, POST, PATCH and DELETE is read as POST.
func Decide(f Failure, method string) Decision {
	if f < 0 || f >= numFailures {
		f = Other
	}
	col := 1 // POST
	switch method {
	case http.MethodGet:
		col = 0
	case http.MethodPatch:
		col = 2
	case http.MethodDelete:
		col = 3
	}
	return retryTable[f][col]
}

// Classify is what err, the error of a request made with method, means:
// RetryTable's entry for FailureOf(err). A nil err gives the zero Decision.
func Classify(method string, err error) Decision {
	if err == nil {
		return Decision{}
	}
	return Decide(FailureOf(err), method)
}

// FailureOf sorts a request's error into a failure kind. The client's own
// errors (*APIError, transport failures) are read first, so an error that
// also wraps a later cancel ("retry abandoned") keeps its kind. Errors the
// client did not make are judged by their cause. err must not be nil.
func FailureOf(err error) Failure {
	var ae *APIError
	if errors.As(err, &ae) {
		switch s := ae.StatusCode; {
		case s == http.StatusTooManyRequests:
			return Throttled
		case s == http.StatusNotImplemented:
			return NotImplemented
		case s == http.StatusGatewayTimeout:
			return GatewayTimeout
		case s >= 500:
			return ServerError
		}
		return Refused
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.kind()
	}
	var be *badAnswerError
	if errors.As(err, &be) {
		return BadAnswer
	}
	// Errors not made by this client. Context errors come first:
	// context.DeadlineExceeded is also a net.Error timeout.
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return CancelledBeforeSend
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return TimedOut
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNABORTED) ||
		errors.Is(err, syscall.EPIPE) {
		return NoAnswer
	}
	return Other
}

// kind sorts a transport failure by whether the request was written and
// what ended it.
func (e *transportError) kind() Failure {
	ctxDone := errors.Is(e.err, context.Canceled) || errors.Is(e.err, context.DeadlineExceeded)
	if !e.sent {
		switch {
		case e.timeout == 0 && ctxDone:
			return CancelledBeforeSend
		case permanent(e.err):
			return BadCertificate
		}
		return NotSent
	}
	var ne net.Error
	switch {
	case e.timeout > 0:
		return TimedOut
	case ctxDone:
		return CancelledAfterSend
	case errors.As(e.err, &ne) && ne.Timeout():
		return TimedOut
	}
	return NoAnswer
}

// permanent reports transport failures that another attempt cannot fix.
func permanent(err error) bool {
	var cert *tls.CertificateVerificationError
	var rec tls.RecordHeaderError
	return errors.As(err, &cert) || errors.As(err, &rec)
}

// badAnswerError is a 2xx answer whose body could not be used.
type badAnswerError struct{ err error }

func (e *badAnswerError) Error() string { return e.err.Error() }
func (e *badAnswerError) Unwrap() error { return e.err }
