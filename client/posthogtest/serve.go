package posthogtest

import (
	"github.com/hogsync/hogsync/internal/canon"

	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxBodyBytes caps request bodies. PostHog itself has no such limit on
// this path; the emulator answers 413 like a proxy in front of it would.
const maxBodyBytes = 32 << 20

// response is an answer computed under the lock and written after it.
type response struct {
	status int
	header http.Header
	body   []byte
	// drop closes the connection without writing anything.
	drop bool
	// django: Django answered (its 500 page), not the DRF view, so there
	// is no Allow header.
	django bool
}

func (resp *response) write(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.body != nil {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 {
		_, _ = w.Write(resp.body)
	}
}

// jsonResponse answers v with Content-Type application/json, or with
// Django's 500 page when PostHog's renderer cannot write v.
func jsonResponse(status int, v any) *response { return jsonResponseSize(status, v, 0) }

// jsonResponseSize is jsonResponse with a hint of the body's length.
func jsonResponseSize(status int, v any, size int) *response {
	b, ok := renderJSONSize(v, size)
	if !ok {
		return djangoServerError()
	}
	return &response{
		status: status,
		header: http.Header{"Content-Type": {"application/json"}},
		body:   b,
	}
}

// djangoServerError is Django's own 500 page, sent when an error escapes
// DRF (here: the renderer refusing a value after the view ran).
func djangoServerError() *response {
	return &response{
		status: http.StatusInternalServerError,
		header: http.Header{"Content-Type": {"text/html"}},
		django: true,
		body: []byte("\n<!doctype html>\n<html lang=\"en\">\n<head>\n  <title>Server Error (500)</title>\n</head>\n" +
			"<body>\n  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n"),
	}
}

// apiError is PostHog's error body (drf-exceptions-hog).
func apiError(status int, typ, code, detail string, attr any) *response {
	return jsonResponse(status, obj("type", typ, "code", code, "detail", detail, "attr", attr))
}

// endpointNotFound is PostHog's api_not_found, a DRF @api_view for every
// method; its Allow header lists them in the order of a Python set, which
// varies from process to process.
func endpointNotFound() *response {
	resp := apiError(http.StatusNotFound, "invalid_request", "not_found", "Endpoint not found.", nil)
	resp.header.Set("Allow", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS")
	return resp
}

func notFound() *response {
	return apiError(http.StatusNotFound, "invalid_request", "not_found", "Not found.", nil)
}

func projectNotFound() *response {
	return apiError(http.StatusNotFound, "invalid_request", "not_found", "Project not found.", nil)
}

func permissionDenied(detail string) *response {
	return apiError(http.StatusForbidden, "authentication_error", "permission_denied", detail, nil)
}

func methodNotAllowed(method string) *response {
	return apiError(http.StatusMethodNotAllowed, "invalid_request", "method_not_allowed", fmt.Sprintf("Method %q not allowed.", method), nil)
}

func serverError() *response {
	return apiError(http.StatusInternalServerError, "server_error", "error", "A server error occurred.", nil)
}

func validationError(code, detail string, attr any) *response {
	return apiError(http.StatusBadRequest, "validation_error", code, detail, attr)
}

// unauthorized is a 401 with the WWW-Authenticate header PostHog sends.
func unauthorized(r *http.Request, code, detail string) *response {
	resp := apiError(http.StatusUnauthorized, "authentication_error", code, detail, nil)
	resp.header.Set("WWW-Authenticate", `Bearer resource_metadata="`+site(r)+`/.well-known/oauth-protected-resource"`)
	return resp
}

// ServeHTTP serves the PostHog API subset described in the package
// documentation.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.received++
	n, hook := e.received, e.onRequest
	e.mu.Unlock()
	if hook != nil {
		hook(n, r)
	}
	body, err := readBody(r)
	if err != nil {
		e.mu.Lock()
		e.logRequest(r, nil, 0)
		e.mu.Unlock()
		panic(http.ErrAbortHandler)
	}
	if !e.injectFaults(w, r, body) {
		return
	}

	e.mu.Lock()
	var resp *response
	if len(body) > maxBodyBytes {
		resp = &response{
			status: http.StatusRequestEntityTooLarge,
			header: http.Header{"Content-Type": {"text/plain; charset=utf-8"}},
			body:   []byte("Request Entity Too Large\n"),
		}
	} else {
		resp = e.handle(r, body)
	}
	status := resp.status
	if resp.drop {
		status = 0
	}
	e.logRequest(r, body, status)
	e.mu.Unlock()

	if resp.drop {
		dropConnection(w)
		return
	}
	resp.write(w)
}

// readBody returns the body as Django sees it: the Content-Length bytes,
// or nothing when there is no Content-Length (a chunked body is drained
// and read as empty). Reading first also lets the server notice a client
// that goes away during injected latency.
func readBody(r *http.Request) ([]byte, error) {
	if r.ContentLength <= 0 {
		_, err := io.Copy(io.Discard, io.LimitReader(r.Body, maxBodyBytes))
		return nil, err
	}
	return io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
}

// dropConnection closes the client connection without a response.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2, or a ResponseWriter that cannot hijack: abort the
		// handler, which resets the stream or closes the connection.
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0) // reset rather than an orderly close
	}
	_ = conn.Close()
}

type routeKind int

const (
	routeHoldoutList routeKind = iota + 1
	routeHoldout
	routeExperimentList
	routeProject
)

type route struct {
	kind    routeKind
	project string // the raw {project_id} segment (routeProject: its {id})
	id      string // the raw {id} segment of routeHoldout
}

// parseRoute matches the URL patterns PostHog's router registers for
// these endpoints: lookups are [^/.]+ and the trailing slash is optional.
func parseRoute(path string) (route, bool) {
	rest, ok := strings.CutPrefix(path, "/api/projects/")
	if !ok {
		return route{}, false
	}
	segs := strings.Split(rest, "/")
	if len(segs) > 1 && segs[len(segs)-1] == "" {
		segs = segs[:len(segs)-1]
	}
	lookup := func(s string) bool { return s != "" && !strings.Contains(s, ".") }
	if len(segs) < 1 || !lookup(segs[0]) {
		return route{}, false
	}
	switch {
	case len(segs) == 1:
		return route{kind: routeProject, project: segs[0]}, true
	case len(segs) == 2 && segs[1] == "experiment_holdouts":
		return route{kind: routeHoldoutList, project: segs[0]}, true
	case len(segs) == 3 && segs[1] == "experiment_holdouts" && lookup(segs[2]):
		return route{kind: routeHoldout, project: segs[0], id: segs[2]}, true
	case len(segs) == 2 && segs[1] == "experiments":
		return route{kind: routeExperimentList, project: segs[0]}, true
	}
	return route{}, false
}

// allow is the Allow header DRF sends for the route.
func (rt route) allow() string {
	if rt.kind == routeHoldout || rt.kind == routeProject {
		return "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
	}
	return "GET, POST, HEAD, OPTIONS"
}

// action is the viewset action DRF maps the method to ("" for none).
func (rt route) action(method string) string {
	if method == "OPTIONS" {
		return "metadata"
	}
	if rt.kind == routeHoldout || rt.kind == routeProject {
		switch method {
		case "GET", "HEAD":
			return "retrieve"
		case "PUT":
			return "update"
		case "PATCH":
			return "partial_update"
		case "DELETE":
			return "destroy"
		}
		return ""
	}
	switch method {
	case "GET", "HEAD":
		return "list"
	case "POST":
		return "create"
	case "PATCH":
		return "patch" // PostHog's name for a PATCH on a list route
	}
	return ""
}

// requiredScope is the scope APIScopePermission asks for, "" when the
// action does not support personal API keys.
func requiredScope(object, action string) string {
	switch action {
	case "create", "update", "partial_update", "patch", "destroy":
		return object + ":write"
	case "list", "retrieve", "metadata":
		return object + ":read"
	}
	return ""
}

func hasScope(scopes []string, required string) bool {
	if slices.Contains(scopes, "*") || slices.Contains(scopes, required) {
		return true
	}
	if obj, ok := strings.CutSuffix(required, ":read"); ok {
		return slices.Contains(scopes, obj+":write")
	}
	return false
}

// apiRequest is one request to a DRF view, handled under e.mu.
type apiRequest struct {
	e      *Emulator
	r      *http.Request
	method string
	body   []byte
	route  route

	parsed  bool
	data    any
	dataErr *response

	key     Key
	keyText string
	// throttled: PostHog's throttles look for the key in the header and
	// the query string only, so a key sent in the body is never throttled.
	throttled bool
	project   int64
}

func (e *Emulator) handle(r *http.Request, body []byte) *response {
	rt, ok := parseRoute(r.URL.Path)
	if !ok {
		return endpointNotFound()
	}
	q := &apiRequest{e: e, r: r, method: strings.ToUpper(r.Method), body: body, route: rt}
	resp := q.serve()
	if !resp.django {
		resp.header.Set("Allow", rt.allow())
	}
	return resp
}

// serve runs DRF's request cycle: authentication, permissions (project,
// then scopes), throttles, then the action.
func (q *apiRequest) serve() *response {
	e := q.e
	action := q.route.action(q.method)
	if resp := q.authenticate(); resp != nil {
		return resp
	}
	if q.route.kind == routeProject {
		return q.serveProject(action)
	}
	object := e.scopeObject
	if q.route.kind == routeExperimentList {
		object = "experiment"
	}
	scope := requiredScope(object, action)
	scoped := len(q.key.Scopes) > 0
	if scoped && scope == "" {
		return permissionDenied("This action does not support personal API key access")
	}
	pid, ok := e.resolveProject(q.route.project, q.key)
	if !ok {
		return projectNotFound()
	}
	q.project = pid
	if len(q.key.Projects) > 0 && !slices.Contains(q.key.Projects, pid) {
		return permissionDenied(fmt.Sprintf("API key does not have access to the requested project: ID %d.", pid))
	}
	if scoped && !hasScope(q.key.Scopes, scope) {
		return permissionDenied("API key missing required scope '" + scope + "'")
	}
	if resp := q.checkThrottle(); resp != nil {
		return resp
	}

	switch {
	case action == "metadata":
		return q.metadata()
	case q.route.kind == routeExperimentList && action == "list":
		return q.listExperiments()
	case q.route.kind == routeHoldoutList && action == "list":
		return q.listHoldouts()
	case q.route.kind == routeHoldoutList && action == "create":
		return q.createHoldout()
	case action == "retrieve":
		return q.retrieveHoldout()
	case action == "update":
		return q.updateHoldout(false)
	case action == "partial_update":
		return q.updateHoldout(true)
	case action == "destroy":
		return q.destroyHoldout()
	}
	// Including POST on the experiments list: creating experiments is not
	// emulated.
	return methodNotAllowed(q.method)
}

// resolveProject maps the {project_id} segment to an existing project.
func (e *Emulator) resolveProject(seg string, k Key) (int64, bool) {
	var id int64
	if seg == "@current" {
		id = k.CurrentProject
	} else {
		n, ok := pyParseInt(seg)
		if !ok || !n.IsInt64() {
			return 0, false
		}
		id = n.Int64()
	}
	return id, e.projects[id]
}

// authenticate finds the personal API key as PostHog does: the
// Authorization header, then the body, then the query string.
func (q *apiRequest) authenticate() *response {
	if tok, ok := bearerToken(strings.Join(q.r.Header.Values("Authorization"), ",")); ok {
		return q.useKey(tok, "Authorization header")
	}
	data, resp := q.parse()
	if resp != nil {
		return resp
	}
	if pyTruthy(data) {
		switch d := data.(type) {
		case *object:
			if v, ok := d.get("personal_api_key"); ok {
				s, ok := v.(string)
				if !ok {
					return serverError() // hashing a non-string crashes
				}
				return q.useKey(s, "body")
			}
		case string:
			if strings.Contains(d, "personal_api_key") {
				return serverError() // str["personal_api_key"]: TypeError
			}
		case []any:
			for _, x := range d {
				if x == "personal_api_key" {
					return serverError() // list["personal_api_key"]: TypeError
				}
			}
		default:
			return serverError() // "x" in 5: TypeError
		}
	}
	if v, ok := queryLast(parseQuery(q.r.URL.RawQuery), "personal_api_key"); ok {
		return q.useKey(v, "query string")
	}
	return unauthorized(q.r, "not_authenticated", "Authentication credentials were not provided.")
}

func (q *apiRequest) useKey(tok, source string) *response {
	k, ok := q.e.keys[tok]
	if !ok {
		return unauthorized(q.r, "authentication_failed", "Personal API key found in request "+source+" is invalid.")
	}
	q.key, q.keyText = k, tok
	q.throttled = source != "body"
	return nil
}

// bearerToken matches PostHog's ^Bearer\s+(\S.+)$ and strips the match.
func bearerToken(h string) (string, bool) {
	rest, ok := strings.CutPrefix(h, "Bearer")
	if !ok {
		return "", false
	}
	tok := strings.TrimLeftFunc(rest, canon.IsSpace)
	if len(tok) == len(rest) || utf8.RuneCountInString(tok) < 2 || strings.ContainsRune(tok, '\n') {
		return "", false
	}
	return canon.Strip(tok), true
}

// parse is DRF's request.data: an empty body is {} whatever its type; a
// body needs a JSON media type (415 otherwise) and must decode (400
// parse_error). The result is kept, as DRF does.
func (q *apiRequest) parse() (any, *response) {
	if q.parsed {
		return q.data, q.dataErr
	}
	q.parsed = true
	if len(q.body) == 0 {
		q.data = newObject()
		return q.data, nil
	}
	ct := q.r.Header.Get("Content-Type")
	if !jsonMediaType(ct) {
		q.dataErr = apiError(http.StatusUnsupportedMediaType, "invalid_request", "unsupported_media_type",
			fmt.Sprintf("Unsupported media type %q in request.", ct), nil)
		return nil, q.dataErr
	}
	v, err := decodeJSON(q.body)
	switch {
	case err == errTooDeep:
		q.dataErr = serverError()
	case err != nil:
		q.dataErr = apiError(http.StatusBadRequest, "invalid_request", "parse_error", "JSON parse error - "+err.Error(), nil)
	default:
		q.data = v
	}
	return q.data, q.dataErr
}

// jsonMediaType reports whether DRF's JSONParser accepts content type ct
// (its media-type match lets wildcards through).
func jsonMediaType(ct string) bool {
	full, _, _ := strings.Cut(ct, ";")
	full = strings.ToLower(strings.TrimSpace(full))
	main, sub, _ := strings.Cut(full, "/")
	return (main == "application" || main == "*") && (sub == "json" || sub == "*")
}

// metadata answers OPTIONS like DRF's SimpleMetadata, without the
// "actions" description of the serializer fields.
func (q *apiRequest) metadata() *response {
	name, desc := "Experiment Holdout List", "Create, read, update and delete experiment holdouts."
	switch q.route.kind {
	case routeHoldout:
		name = "Experiment Holdout Instance"
	case routeExperimentList:
		name, desc = "Experiment List", ""
	}
	return jsonResponse(http.StatusOK, obj(
		"name", name,
		"description", desc,
		"renders", []any{"application/json"},
		// DRF's default parsers, although only JSON bodies are read here.
		"parses", []any{"application/json", "application/x-www-form-urlencoded", "multipart/form-data"},
	))
}

// checkThrottle runs the throttles for a request whose key they can see.
func (q *apiRequest) checkThrottle() *response {
	if !q.throttled {
		return nil
	}
	return q.e.checkThrottle(q.keyText)
}
