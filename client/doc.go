// Package client is hogsync's PostHog REST client for experiment holdouts
// and the experiments list that uses them.
//
// Every call takes a context; every non-2xx answer becomes one *APIError
// carrying the HTTP status and PostHog's type/code/detail/attr. The API key
// is sent as "Authorization: Bearer" and never appears in an error, a log
// line or anything else the client produces. Plain http:// is refused unless
// the host is loopback.
//
// Every attempt, retries and list pages included, waits its turn in the
// key's request budget as PostHog counts it: 480 requests in any minute
// and 4,800 in any hour, of which the client keeps 5% in reserve (Budget).
// Within it requests go at once, so a short run is not slowed; a long one
// is paced to the windows instead of being throttled. WithRateLimit adds a
// ceiling in requests a second, for a key other tools use too.
//
// When a request is retried is decided in one place, RetryTable: a 429 is
// retried for any method after its Retry-After, and so is a failure before
// anything was sent; a 5xx (not 501) or a lost answer is retried with
// jittered exponential backoff for GET, PATCH and DELETE only, never for
// POST: IsAmbiguous tells the caller when a failed create may still have
// happened, so that it lists again before creating again, and
// MayStillBeProcessing when even a listing cannot tell yet.
//
// With the project "@current", call Pin first: PostHog resolves it again on
// every request.
//
// # Lists and what they cost
//
// Lists are read in pages of 1,000 (WithPageSize; PostHog's default is 100
// and it sets no maximum). The first page gives PostHog's count; the other
// pages are then read at once, eight at a time, each waiting its turn at
// the rate limiter. So a list of N holdouts costs ceil(N/1000) requests,
// one for an empty project: 1 for 1,000 holdouts, 10 for 10,000, 50 for
// 50,000. The experiments are two lists, read at the same time: the
// non-archived ones and the archived ones (each ceil(M/1000) requests, at
// least one). A plan therefore spends ceil(N/1000) + 2 requests when the
// experiments fit on a page each, of the key's 480 a minute and 4,800 an
// hour.
//
// PostHog's lists have no order, and rows can move between two page reads
// even without writes: the distinct ids read are checked against the
// count, and the list is read again (up to three times) when they differ.
// A next link is trusted only for its limit and offset, on the client's
// own base URL; a server that cuts the page size below PostHog's 100,
// changes it between pages, or does not advance by it, is refused. One
// reading of a list is bounded in items and bytes (WithListLimits; a
// *ListLimitError names the limit hit), and pages are decoded as they
// arrive, so memory stays bounded whatever the server sends.
//
// WithDebug logs every attempt (method, URL, status, timing, retry
// decision, headers and the start of bodies) with the key redacted.
//
// The package knows nothing of YAML manifests or plans.
package client
