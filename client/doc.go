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
// default, under PostHog's 480 a minute). A 429 is retried for any method
// after its Retry-After; a 5xx (not 501) or a transport failure is retried
// with jittered exponential backoff for GET, PATCH and DELETE only, never
// for POST: IsAmbiguous tells the caller when a failed create may still
// have happened, so that it lists again before creating again.
//
// The package knows nothing of YAML manifests or plans.
package client
