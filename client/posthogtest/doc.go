// Package posthogtest is an in-memory emulator of PostHog's
// experiment-holdouts API, served over real HTTP, for the client's tests,
// the CLI's end-to-end tests and `hogsync demo`.
//
// Serve an Emulator with httptest.NewServer (or any http.Server) and point
// a client at it:
//
//	emu := posthogtest.New() // project 1, DefaultKey with every scope
//	srv := httptest.NewServer(emu)
//	defer srv.Close()
//	h := emu.Seed(posthogtest.DefaultProject, posthogtest.Holdout{
//		Name:    "checkout-q4",
//		Filters: []map[string]any{{"rollout_percentage": 10}},
//	})
//	emu.AddExperiment(posthogtest.DefaultProject, posthogtest.Experiment{Name: "x", HoldoutID: h.ID})
//	// ... run the client against srv.URL with posthogtest.DefaultKey ...
//	got := emu.Holdouts(posthogtest.DefaultProject)
//
// The emulator has its own wire types and does not import package client,
// so a serialisation bug in the client shows up as a failing test. All
// state sits behind one mutex; everything is deterministic (ids, uuids,
// the optional shuffle) apart from the clock, which SetClock replaces.
//
// # What it serves
//
//   - /api/projects/{project}/experiment_holdouts[/]: GET (list), POST
//     (create).
//   - /api/projects/{project}/experiment_holdouts/{id}[/]: GET, PUT,
//     PATCH, DELETE.
//   - /api/projects/{project}/experiments[/]: GET (list). Each item has
//     the shape of experiments-list-200.json; "holdout" is the nested
//     holdout or null, and the feature flag's filters.holdout carries
//     {id, exclusion_percentage} (null once the holdout was deleted).
//   - Anything else: 404 "Endpoint not found.", before authentication.
//
// {project} is an integer or "@current" (the key's CurrentProject). HEAD
// works like GET; OPTIONS answers a small metadata document.
//
// # Behaviour reproduced from PostHog
//
// The contract is PostHog's source as summarised for this project, and the
// recorded exchanges in testdata/posthog-wire at the repository root. Error
// bodies are {"type","code","detail","attr"} with PostHog's strings. In
// order:
//
//   - Authentication: "Authorization: Bearer <key>" (case-sensitive
//     "Bearer"), else "personal_api_key" in a JSON body, else in the
//     query string. No key: 401 not_authenticated. Unknown key: 401
//     authentication_failed "Personal API key found in request
//     <Authorization header|body|query string> is invalid.". Every 401
//     carries WWW-Authenticate: Bearer resource_metadata="<scheme>://<host>/.well-known/oauth-protected-resource".
//   - For scoped keys, a method the route has no action for (PUT or
//     DELETE on a list, POST on one holdout, TRACE, ...) is 403 "This
//     action does not support personal API key access". Unscoped legacy
//     keys get 405 for those instead.
//   - Unknown or non-integer project: 404 "Project not found." (before
//     any scope check). A key limited to other projects: 403 "API key
//     does not have access to the requested project: ID N.".
//   - Missing scope: 403 permission_denied "API key missing required
//     scope '<object>:<read|write>'" (type authentication_error). GET,
//     HEAD and OPTIONS read; the rest write; ":write" satisfies ":read";
//     "*" grants all. The holdout object is SetScopeObject's; the
//     experiments list needs experiment:read.
//   - Throttling (SetThrottle), then the action; 405 method_not_allowed
//     for a PATCH on a list and for unscoped keys as above.
//   - Lists use DRF LimitOffsetPagination: limit defaults to 100, no
//     maximum, a bad or non-positive limit means 100, a bad offset means
//     0; next and previous are absolute URLs on the request's scheme and
//     host with the query re-encoded and sorted by name, previous drops
//     offset when it would be <= 0, null at the ends. Rows come in id
//     order, or SetShuffle's stable order.
//   - Bodies: an empty body (including a chunked body, which Django reads
//     as empty) is {}. Otherwise Content-Type must be a JSON media type
//     (415 unsupported_media_type otherwise, even when missing), and the
//     body is decoded as Python's json module does, with its error
//     messages: 400 parse_error "JSON parse error - Expecting value: line
//     1 column 10 (char 9)".
//   - Create: 201 with the full object. Validation follows
//     ExperimentHoldoutSerializer: first failing field in the order name,
//     description, filters; name and description are trimmed, max 400
//     characters, numbers become strings; filters must be a non-empty
//     list of groups with rollout_percentage in [0, 100] (fractions
//     allowed); a POST without filters is 400 with attr null. Filters of
//     the wrong type (object, string, non-object group, non-number
//     percentage) crash PostHog's validator: 500 server_error, nothing
//     stored. Every group gets variant "holdout-{id}".
//   - PATCH changes only the fields sent (read-only fields are ignored),
//     re-normalises the variant only when the filters differ from the
//     stored ones (compared as Python does: 10 == 10.0, key order
//     ignored), and always moves updated_at. PUT is the same but requires
//     name.
//   - DELETE: 204 with no body; experiments using the holdout lose it.
//     Unknown or non-integer id: 404 "Not found.". Duplicate names are
//     accepted.
//   - Filter key order: responses built from stored rows (list, retrieve,
//     the holdout nested in an experiment, and a PATCH that does not send
//     filters) give every object inside filters its keys in Postgres
//     jsonb order (shorter keys first, then bytewise). Create, and a PATCH
//     or PUT that sends filters, echo the order sent with "variant"
//     appended, because PostHog serialises the in-memory instance (see
//     patch-200.json). Never compare filters as raw bytes.
//   - Numbers keep Python's distinction: 10 stays 10, 10.0 stays 10.0.
//     Timestamps are isoformat in UTC with "Z", microsecond precision,
//     and no fraction when the microseconds are zero (as Python prints
//     them).
//
// # Modes for failure testing
//
//   - SetApprovals: PATCH/PUT changing filters[0].rollout_percentage and
//     every DELETE answer 409 with a change request and change nothing; a
//     repeat while pending answers 409 change_request_pending.
//     ChangeRequests lists them and Approve applies one.
//   - SetThrottle: PostHog's per-key burst and sustained limits (480/min,
//     4800/h, or any others), with a time scale for fast tests; 429 with
//     Retry-After.
//   - SetFaults: 429s every Nth request, scripted 5xx answers, dropped
//     connections, creates whose response is lost after the commit, and
//     latency.
//   - Stats counts requests, 429s and injected faults; Requests is the
//     request log (never the key).
//
// # Deliberate differences from PostHog
//
//   - /api/environments/{id}/... is 404 "Endpoint not found."; current
//     PostHog rewrites it to the projects route with Deprecation headers.
//   - Only JSON bodies are parsed: PostHog (DRF's default parsers) would
//     also accept form and multipart bodies; the emulator answers 415.
//     Non-UTF-8 charsets are not honoured. Accept headers are not
//     negotiated (never 406).
//   - Creating experiments over HTTP is not emulated: POST on the
//     experiments list is 405 (use AddExperiment).
//   - No organisation membership, roles or access-control levels:
//     user_access_level is always "manager".
//   - A key's Projects restriction applies to unscoped legacy keys too.
//   - The URL scheme of next/previous links is https only when the
//     request arrived over TLS (X-Forwarded-Proto is not trusted).
//   - Bodies over 32 MiB get a plain-text 413, as a proxy would answer.
//   - Nesting deeper than 1000 levels is a 500 (Python's RecursionError);
//     the real limit depends on the interpreter's stack.
package posthogtest
