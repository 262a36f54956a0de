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
// the optional orders) apart from the clock, which SetClock replaces.
//
// # What it serves
//
//   - /api/projects/{project}/experiment_holdouts[/]: GET (list), POST
//     (create).
//   - /api/projects/{project}/experiment_holdouts/{id}[/]: GET, PUT,
//     PATCH, DELETE.
//   - /api/projects/{project}/experiments[/]: GET (list). Each item has
//     the shape of experiments-list-200.json; "holdout" is the nested
//     holdout or null, "status" is the experiment's (see below), and the
//     feature flag's filters.holdout carries {id, exclusion_percentage}
//     (null once the holdout was deleted).
//   - /api/projects/{id}[/]: GET answers the project, {"id", "organization",
//     "name"}; it needs project:read (scope object "project").
//   - Anything else: 404 "Endpoint not found.", before authentication.
//
// {project} is an integer or "@current". HEAD works like GET; OPTIONS
// answers DRF's metadata document without the description of the fields.
//
// # Behaviour reproduced from PostHog
//
// The contract is PostHog's source as summarised for this project, the
// recorded exchanges in testdata/posthog-wire at the repository root, and
// realstack (PostHog's API restated on real Django, DRF and PostgreSQL),
// against which TestRealstack* compare the emulator request by request
// when HOGSYNC_REALSTACK_URL names a running one. Error bodies are
// {"type","code","detail","attr"} with PostHog's strings. In order:
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
//     does not have access to the requested project: ID N.". "@current"
//     is resolved on every request to the key owner's current project
//     (Key.CurrentProject, which SetCurrentProject changes between two
//     requests, as opening another project in PostHog's web app does).
//   - Missing scope: 403 permission_denied "API key missing required
//     scope '<object>:<read|write>'" (type authentication_error). GET,
//     HEAD and OPTIONS read; the rest write; ":write" satisfies ":read";
//     "*" grants all. The holdout object is SetScopeObject's; the
//     experiments list needs experiment:read; the project route
//     project:read.
//   - Throttling (SetThrottle), then the action; 405 method_not_allowed
//     for a PATCH on a list and for unscoped keys as above.
//   - Lists use DRF LimitOffsetPagination: limit defaults to 100, no
//     maximum, a bad or non-positive limit means 100, a bad offset means
//     0; next and previous are absolute URLs on the request's scheme and
//     host with the query re-encoded and sorted by name, previous drops
//     offset when it would be <= 0, null at the ends. A limit of 2^63 or
//     more is a 500 when there are rows from the offset on (PostgreSQL
//     refuses the LIMIT). Holdouts come in id order; PostHog's list has no
//     ORDER BY, so use SetShuffle or SetReorderEachList to test a client
//     against other orders.
//   - Experiments list: deleted experiments never appear, nor those
//     PostHog's access control hides from the key's user
//     (Experiment.HiddenByAccessControl; a holdout change still rewrites
//     the flags of both); archived ones only with ?archived=true, which
//     then lists nothing else (any other value of archived lists the
//     unarchived). ?status= filters as filter_experiments_queryset does,
//     on the stored status and the flag's "active": draft; running
//     (launched, not ended, flag on: exposure-frozen experiments
//     included); paused (the same, flag off); stopped, or its alias
//     complete; anything else, exposure_frozen and all included, filters
//     nothing. ?search= (name, case-insensitive) and ?order= (name,
//     created_at, updated_at, start_date, end_date, and the computed
//     duration: end or now minus start, NULL for a draft, and status:
//     draft, launched, ended, by the dates; each with an optional "-",
//     NULLs last ascending and first descending; others are 400 "Invalid
//     order field: '...'") apply; the default order is newest first
//     (-created_at); equal keys come in id order. Experiment.Status is
//     served as "status"; empty, it is derived from the dates (draft
//     without a start, stopped with an end, running otherwise). A paused
//     experiment's flag has "active": false. updated_at is
//     Experiment.UpdatedAt (CreatedAt when not set): a holdout change
//     does not move it.
//   - Project route: PostHog's ProjectViewSet. "@current" with no current
//     project, or an unknown id, is 404 "Not found."; a non-integer id is
//     400 "Field 'id' expected a number but got '...'.". Keys limited to
//     some projects have the project looked up before the scope check,
//     other keys after it. Writes are 405 once permissions pass.
//   - Bodies: an empty body (including a chunked body, which Django reads
//     as empty) is {}. Otherwise Content-Type must be a JSON media type
//     (415 unsupported_media_type otherwise, even when missing), and the
//     body must be JSON: 400 parse_error "JSON parse error - ...". Values
//     are Python's: integers keep every digit and stay integers (10 stays
//     10, 10.0 stays 10.0), a float too large for a float64 is infinite,
//     a repeated key keeps its first place and its last value. Nesting
//     deeper than 1000 levels is a 500 (Python's RecursionError).
//   - Create: 201 with the full object. Validation follows
//     ExperimentHoldoutSerializer: first failing field in the order name,
//     description, filters; name and description are trimmed (Python's
//     str.strip), max 400 characters, numbers become strings (str() of
//     them), NUL is refused; filters must be a non-empty list of groups
//     with rollout_percentage in [0, 100] (fractions allowed, Python
//     comparison: true is 1); a POST without filters is 400 with attr
//     null. An infinite number anywhere in filters is 400 invalid_input
//     "Value must be valid JSON." (DRF's JSONField, before the filters
//     are validated). Filters of the wrong type (object, string,
//     non-object group, non-number percentage) crash PostHog's validator:
//     500 server_error, nothing stored. A NUL character in filters is a
//     500 too (PostgreSQL refuses it in jsonb), and uses up no id. Every
//     group gets variant "holdout-{id}".
//   - PATCH changes only the fields sent (read-only fields are ignored),
//     and always moves updated_at. When filters are sent and differ from
//     the stored ones (compared as Python's ==: 10 == 10.0, key order
//     ignored, the stored "variant" included), the variant is
//     re-normalised and the feature flag of every experiment using the
//     holdout (draft, running, stopped, archived or deleted) is rewritten;
//     Experiment.FlagSaves counts these rewrites, so "its feature flag is
//     untouched" can be asserted. A PATCH without filters, or with equal
//     ones, rewrites no flag. PUT is the same but requires name.
//   - DELETE: 204 with no body; experiments using the holdout lose it and
//     their flags are rewritten. Unknown or non-integer id: 404 "Not
//     found.". Duplicate names are accepted.
//   - Filter key order: responses built from stored rows (list, retrieve,
//     the holdout nested in an experiment, and a PATCH that does not send
//     filters) give every object inside filters its keys in PostgreSQL
//     jsonb order (shorter keys first, then bytewise). Create, and a PATCH
//     or PUT that sends filters, echo the order sent with "variant"
//     appended, because PostHog serialises the in-memory instance (see
//     patch-200.json). Never compare filters as raw bytes.
//   - Numbers read back from jsonb: a float of 1e16 or more comes back as
//     the integer PostgreSQL prints for it, -0.0 as 0.0. PostHog's
//     renderer (orjson) cannot write an integer outside [-2^63, 2^64-1]:
//     a create or update storing one is answered with Django's HTML 500
//     page after the commit, and every later read of the row (list
//     included) fails the same way until it is deleted.
//   - Timestamps are isoformat in UTC with "Z", microsecond precision,
//     and no fraction when the microseconds are zero (as Python prints
//     them).
//
// # Modes for failure testing
//
//   - SetApprovals: PATCH/PUT changing filters[0].rollout_percentage and
//     every DELETE answer 409 approval_required with a change request and
//     change nothing. While a request for the same action (update or
//     delete) on the same holdout is pending or approved, any other gated
//     change of it, of any value, answers 409 change_request_pending
//     naming that request and its intent (desired_filters,
//     desired_changes, intent_display): on the update path with
//     change_request, as error-409-approval-pending.json; on the delete
//     path with only "error" and existing_change_request, as PostHog's
//     viewset answers. ChangeRequests lists them, MarkApproved moves one
//     to approved without applying it, Approve applies one.
//   - SetThrottle: PostHog's per-key burst and sustained limits (480/min,
//     4800/h, or any others), with a time scale for fast tests; 429 with
//     Retry-After. As in PostHog, a key sent in the body is never
//     throttled.
//   - SetFaults: 429s every Nth request, scripted 5xx answers, dropped
//     connections, creates whose response is lost after the commit, and
//     latency. SetLatency changes the latency alone.
//   - SetShuffle: a stable pseudo-random list order. SetReorderEachList:
//     a new order for every list request, as PostgreSQL may choose between
//     two page reads, so offset pagination repeats and skips rows.
//   - SetCurrentProject and SetOnRequest: move "@current" between
//     requests, for example after the Nth one.
//   - Stats counts requests (also per route: holdout and experiment lists,
//     creates, reads, patches, deletes, project reads), 429s and injected
//     faults; Requests is the request log, each with its body, never a
//     key.
//
// # Deliberate differences from PostHog
//
// Differences in what hogsync never sends or never reads:
//
//   - A parse_error's text after "JSON parse error - " is Go's
//     encoding/json wording, not CPython's.
//   - NaN and Infinity literals are parse errors. PostHog (STRICT_JSON
//     off) reads them as floats: a NaN name is stored as "nan"; in filters
//     they are 400 "Value must be valid JSON.".
//   - A \u escape of a lone UTF-16 surrogate decodes to U+FFFD. PostHog
//     keeps the surrogate and refuses it (400
//     surrogate_characters_not_allowed in a name, a 500 in filters).
//   - A body ending in a truncated UTF-8 sequence is a parse error; Python's
//     stream reader drops the truncated sequence.
//   - /api/environments/{id}/... is 404 "Endpoint not found."; current
//     PostHog rewrites it to the projects route with Deprecation headers.
//   - Only JSON bodies are parsed: PostHog (DRF's default parsers) would
//     also accept form and multipart bodies; the emulator answers 415.
//     Non-UTF-8 charsets are not honoured. Accept headers are not
//     negotiated (never 406).
//   - Experiments cannot be created, changed or read one by one over
//     HTTP: POST on the experiments list is 405 (use AddExperiment), and
//     /experiments/{id}/ is 404 "Endpoint not found.". List items carry
//     the fields of experiments-list-200.json only (no version,
//     running_time_calculation or excluded_variants), every experiment is
//     created by DefaultUser(), and the flag's filters keep the order
//     PostHog writes them in rather than jsonb order.
//   - The project route answers only {"id", "organization", "name"}, the
//     organization is the same for every project, and project writes are
//     405.
//   - No organisation membership, roles or access-control levels:
//     user_access_level is always "manager", also on an experiment
//     listed beside one access control hides.
//   - ?status= follows ExperimentService.filter_experiments_queryset as
//     read (and realstack restates it). A later PostHog test
//     (test_can_filter_experiments_by_status) lists exposure-frozen
//     experiments under ?status=exposure_frozen only, not under running;
//     hogsync filters by no status, so it does not depend on either.
//   - SetShuffle and SetReorderEachList reorder the experiments list
//     whole, although PostHog orders it (-created_at by default): a
//     stress test of offset pagination beyond what equal keys and
//     concurrent writes cause there.
//   - A key's Projects restriction applies to unscoped legacy keys too.
//   - Floats are written as Python's repr writes them (1e+16); PostHog's
//     orjson writes 1e16. The values are equal.
//   - api_not_found's Allow header lists the methods in one fixed order;
//     PostHog's comes from a Python set and varies between processes.
//   - The URL scheme of next/previous links is https only when the
//     request arrived over TLS (X-Forwarded-Proto is not trusted).
//   - Bodies over 32 MiB get a plain-text 413, as a proxy would answer.
//   - The nesting limit is exactly 1000 levels; Python's depends on the
//     interpreter's stack.
//
// # Two equalities
//
// Whether a PATCH's filters differ from the stored ones (and so re-save
// every linked experiment's flag) is decided here as PostHog decides it,
// with Python's == (pyEqual): ints and floats compare exactly, so
// 12345678901234567890123 differs from 1.2345678901234568e22. hogsync's own
// "same value", which decides whether to send a change at all, is
// internal/canon's, where both are 1.2345678901234568e22 (only integers
// that fit an int64 keep every digit). The two differ only past 2^53, and
// safely: when canon sees no change nothing is sent, and when it sees one
// PostHog's own comparison decides what is re-saved.
//
// What realstack cannot check, and so rests on PostHog's source alone:
// approvals (realstack answers 501), the project route, the
// exposure_frozen status, unscoped legacy keys and the approved-but-not-
// applied state of a change request.
package posthogtest
