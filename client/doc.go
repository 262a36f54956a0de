// Package client is hogsync's PostHog REST client for experiment holdouts
// and the experiments list that uses them.
//
// Every call takes a context; every non-2xx answer becomes one *APIError
// carrying the HTTP status and PostHog's type/code/detail/attr. The API key
// is sent as "Authorization: Bearer" and never appears in an error, a log
// line or anything else the client produces. Plain http:// is refused unless
// the host is loopback.
//
// Every attempt waits on a client-side rate limiter (6 requests a second by
// default, under PostHog's 480 a minute). When a request is retried is
// decided in one place, RetryTable: a 429 is retried for any method after
// its Retry-After, and so is a failure before anything was sent; a 5xx
// (not 501) or a lost answer is retried with jittered exponential backoff
// for GET, PATCH and DELETE only, never for POST: IsAmbiguous tells the
// caller when a failed create may still have happened, so that it lists
// again before creating again, and MayStillBeProcessing when even a
// listing cannot tell yet.
//
// With the project "@current", call Pin first: PostHog resolves it again on
// every request.
//
// The package knows nothing of YAML manifests or plans.
package client
