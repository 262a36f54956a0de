package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func asAPIError(err error, target **APIError) bool { return errors.As(err, target) }

// call runs the client operation that sends method to path (a path of the
// wire files) and returns its error.
func call(ctx context.Context, c *Client, method string, id int64) error {
	in := HoldoutInput{Name: "x", Filters: []map[string]any{{"rollout_percentage": 1}}}
	var err error
	switch method {
	case http.MethodGet:
		_, err = c.List(ctx)
	case http.MethodPost:
		_, err = c.Create(ctx, in)
	case http.MethodPatch:
		_, err = c.Update(ctx, id, in)
	case http.MethodDelete:
		err = c.Delete(ctx, id)
	default:
		panic(method)
	}
	return err
}

var wirePath = regexp.MustCompile(`^/api/projects/([^/]+)/experiment_holdouts/(?:(\d+)/)?$`)

// wireErrorWant is, per error file, the APIError the client must make of
// it (written out by hand from the file) and what the helpers say.
var wireErrorWant = map[string]struct {
	want      APIError
	prefix    string // the operation's context
	notFound  bool
	pending   bool
	ambiguous bool
}{
	"error-400-create-without-filters.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "invalid_input", Detail: "Filters are required to create an holdout group"},
		prefix: `create holdout "x": `,
	},
	"error-400-filters-empty.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "invalid_input", Detail: "Filters must not be empty.", Attr: "filters"},
		prefix: `create holdout "x": `,
	},
	"error-400-name-required.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "required", Detail: "This field is required.", Attr: "name"},
		prefix: `create holdout "x": `,
	},
	"error-400-name-too-long.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "max_length", Detail: "Ensure this field has no more than 400 characters.", Attr: "name"},
		prefix: `create holdout "x": `,
	},
	"error-400-parse.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "invalid_request", Code: "parse_error", Detail: "JSON parse error - Expecting value: line 1 column 10 (char 9)"},
		prefix: `create holdout "x": `,
	},
	"error-400-rollout-missing.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "invalid_input", Detail: "Rollout percentage must be present.", Attr: "filters"},
		prefix: `create holdout "x": `,
	},
	"error-400-rollout-range.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 400, Type: "validation_error", Code: "invalid_input", Detail: "Rollout percentage must be between 0 and 100.", Attr: "filters"},
		prefix: `create holdout "x": `,
	},
	"error-401-bad-key.json": {
		want:   APIError{Method: "GET", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 401, Type: "authentication_error", Code: "authentication_failed", Detail: "Personal API key found in request Authorization header is invalid."},
		prefix: "list holdouts: ",
	},
	"error-401-no-key.json": {
		want:   APIError{Method: "GET", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 401, Type: "authentication_error", Code: "not_authenticated", Detail: "Authentication credentials were not provided."},
		prefix: "list holdouts: ",
	},
	"error-403-missing-scope.json": {
		want:   APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 403, Type: "authentication_error", Code: "permission_denied", Detail: "API key missing required scope 'experiment_holdout:write'"},
		prefix: `create holdout "x": `,
	},
	"error-404-holdout.json": { // a GET of one holdout: the client's GET is the list
		want:     APIError{Method: "GET", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 404, Type: "invalid_request", Code: "not_found", Detail: "Not found."},
		prefix:   "list holdouts: ",
		notFound: true,
	},
	"error-404-project.json": {
		want:     APIError{Method: "GET", Path: "/api/projects/999/experiment_holdouts/", StatusCode: 404, Type: "invalid_request", Code: "not_found", Detail: "Project not found."},
		prefix:   "list holdouts: ",
		notFound: true,
	},
	"error-409-approval-delete.json": {
		want:    APIError{Method: "DELETE", Path: "/api/projects/2/experiment_holdouts/51/", StatusCode: 409, Code: "approval_required", Detail: "A change request has been created and is pending approval.", ChangeRequestID: "782fadcf-7d16-45a2-bad9-eff0aa85c2ef"},
		prefix:  "delete holdout 51: ",
		pending: true,
	},
	"error-409-approval-pending.json": {
		want:    APIError{Method: "PATCH", Path: "/api/projects/2/experiment_holdouts/50/", StatusCode: 409, Code: "change_request_pending", Detail: "A pending approval request already exists for this action", ChangeRequestID: "4ab016da-9064-4395-9155-8f3f9fc711e2"},
		prefix:  "update holdout 50: ",
		pending: true,
	},
	"error-409-approval-update.json": {
		want:    APIError{Method: "PATCH", Path: "/api/projects/2/experiment_holdouts/50/", StatusCode: 409, Code: "approval_required", Detail: "A change request has been created and is pending approval.", ChangeRequestID: "4ab016da-9064-4395-9155-8f3f9fc711e2"},
		prefix:  "update holdout 50: ",
		pending: true,
	},
	"error-429-throttled.json": {
		want:   APIError{Method: "GET", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 429, Type: "throttled_error", Code: "throttled", Detail: "Request was throttled. Expected available in 3 seconds.", RetryAfter: 3 * time.Second},
		prefix: "list holdouts: ",
	},
	"error-500-filters-wrong-type.json": {
		want:      APIError{Method: "POST", Path: "/api/projects/1/experiment_holdouts/", StatusCode: 500, Type: "server_error", Code: "error", Detail: "A server error occurred."},
		prefix:    `create holdout "x": `,
		ambiguous: true,
	},
}

// wireSuccessFiles are checked by other tests; retrieve-200 is unused as
// the client has no single-holdout GET.
var wireSuccessFiles = []string{"create-201.json", "delete-204.json", "experiments-list-200.json", "list-page-200.json", "patch-200.json", "retrieve-200.json"}

func TestEveryWireFileCovered(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(wireDir, "*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no wire files in %s (err %v)", wireDir, err)
	}
	for _, p := range paths {
		name := filepath.Base(p)
		if _, ok := wireErrorWant[name]; !ok && !slices.Contains(wireSuccessFiles, name) {
			t.Errorf("%s is not covered by any test", name)
		}
	}
}

func TestWireErrors(t *testing.T) {
	for name, tt := range wireErrorWant {
		t.Run(name, func(t *testing.T) {
			f := loadWire(t, name)
			m := wirePath.FindStringSubmatch(f.Request.Path)
			if m == nil {
				t.Fatalf("unexpected path %q", f.Request.Path)
			}
			var id int64
			if m[2] != "" {
				id, _ = strconv.ParseInt(m[2], 10, 64)
			}
			var rec recorder
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				rec.add(r)
				f.serve(w)
			})
			c := newProjectClient(t, srv.URL, m[1])
			err := call(context.Background(), c, f.Request.Method, id)

			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *APIError", err, err)
			}
			// The change request itself is checked by TestPendingAnswerCarriesTheExistingRequest.
			if diff := cmp.Diff(tt.want, *ae, cmpopts.IgnoreFields(APIError{}, "ChangeRequest")); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if got, want := err.Error(), tt.prefix+tt.want.Error(); got != want {
				t.Errorf("message = %q, want %q", got, want)
			}
			if got := errors.Is(err, ErrNotFound); got != tt.notFound {
				t.Errorf("errors.Is(err, ErrNotFound) = %v, want %v", got, tt.notFound)
			}
			cr, pending := PendingApproval(err)
			if pending != tt.pending || cr != tt.want.ChangeRequestID {
				t.Errorf("PendingApproval = %q, %v; want %q, %v", cr, pending, tt.want.ChangeRequestID, tt.pending)
			}
			if got := IsAmbiguous(err); got != tt.ambiguous {
				t.Errorf("IsAmbiguous = %v, want %v", got, tt.ambiguous)
			}
			if reqs := rec.all(); len(reqs) == 0 || reqs[0].Method != f.Request.Method {
				t.Errorf("server saw %v, want a %s", reqs, f.Request.Method)
			}
		})
	}
}

func TestAPIErrorMessages(t *testing.T) {
	// The full text users see, operation first, said once.
	f := loadWire(t, "error-401-bad-key.json")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { f.serve(w) })
	c := newClient(t, srv.URL)
	ctx := context.Background()
	_, errList := c.List(ctx)
	_, errExp := c.ListExperiments(ctx)
	_, errCreate := c.Create(ctx, HoldoutInput{Name: "checkout-q4"})
	_, errUpdate := c.Update(ctx, 12, HoldoutInput{Name: "checkout-q4"})
	errDelete := c.Delete(ctx, 12)
	const detail = "401 Unauthorized (authentication_failed): Personal API key found in request Authorization header is invalid."
	got := []string{errList.Error(), errExp.Error(), errCreate.Error(), errUpdate.Error(), errDelete.Error()}
	want := []string{
		"list holdouts: GET /api/projects/1/experiment_holdouts/: " + detail,
		"list experiments: GET /api/projects/1/experiments/: " + detail,
		`create holdout "checkout-q4": POST /api/projects/1/experiment_holdouts/: ` + detail,
		"update holdout 12: PATCH /api/projects/1/experiment_holdouts/12/: " + detail,
		"delete holdout 12: DELETE /api/projects/1/experiment_holdouts/12/: " + detail,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	for _, err := range []error{errList, errExp, errCreate, errUpdate, errDelete} {
		if strings.Contains(err.Error(), "failed to") {
			t.Errorf("message has a failed-to chain: %q", err)
		}
	}
}

func TestAPIErrorOtherBodies(t *testing.T) {
	html := "<html>\r\n<head><title>502 Bad Gateway</title></head>\n<body>\n\t<center><h1>502 Bad Gateway</h1></center>\n" + strings.Repeat("<p>padding é</p>\n", 100) + "</body></html>"
	htmlWant := oneLineRef(html[:512])
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		header      map[string]string
		want        APIError
	}{
		{name: "proxy HTML", status: 502, contentType: "text/html", body: html,
			want: APIError{StatusCode: 502, Body: htmlWant}},
		{name: "empty body", status: 503,
			want: APIError{StatusCode: 503}},
		{name: "JSON without PostHog fields", status: 500, contentType: "application/json", body: "{\"foo\": [1,\n 2]}",
			want: APIError{StatusCode: 500, Body: "{\"foo\": [1, 2]}"}},
		{name: "JSON string", status: 500, contentType: "application/json", body: `"boom"`,
			want: APIError{StatusCode: 500, Body: `"boom"`}},
		{name: "pending delete (error and existing_change_request)", status: 409, contentType: "application/json",
			body: `{"code":"change_request_pending","error":"A pending approval request already exists for this action","existing_change_request":{"id":"aa-bb","state":"pending"}}`,
			want: APIError{StatusCode: 409, Code: "change_request_pending", Detail: "A pending approval request already exists for this action", ChangeRequestID: "aa-bb",
				ChangeRequest: &ChangeRequest{ID: "aa-bb", State: "pending"}}},
		{name: "policy conflict", status: 400, contentType: "application/json",
			body: `{"code":"policy_conflict","error":"Conflicting approval policies","conflicting_policies":[1,2],"guidance":"fix"}`,
			want: APIError{StatusCode: 400, Code: "policy_conflict", Detail: "Conflicting approval policies"}},
		{name: "attr not a string", status: 400, contentType: "application/json",
			body: `{"type":"validation_error","code":"invalid_input","detail":"bad","attr":["filters", 0]}`,
			want: APIError{StatusCode: 400, Type: "validation_error", Code: "invalid_input", Detail: "bad", Attr: `["filters",0]`}},
		{name: "control characters", status: 400, contentType: "application/json",
			body: `{"type":"validation_error","code":"x","detail":"line1\nline2\u001b[31m"}`,
			want: APIError{StatusCode: 400, Type: "validation_error", Code: "x", Detail: "line1 line2 [31m"}},
		{name: "429 with date Retry-After", status: 429, contentType: "application/json", header: map[string]string{"Retry-After": "Mon, 02 Jan 2090 15:04:05 GMT"},
			body: `{"type":"throttled_error","code":"throttled","detail":"d"}`,
			want: APIError{StatusCode: 429, Type: "throttled_error", Code: "throttled", Detail: "d", RetryAfter: -1}},
		{name: "429 with junk Retry-After", status: 429, contentType: "application/json", header: map[string]string{"Retry-After": "soon"},
			body: `{"type":"throttled_error","code":"throttled","detail":"d"}`,
			want: APIError{StatusCode: 429, Type: "throttled_error", Code: "throttled", Detail: "d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				if tt.contentType != "" {
					w.Header().Set("Content-Type", tt.contentType)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			})
			_, err := newClient(t, srv.URL).List(context.Background())
			var ae *APIError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v is not an *APIError", err)
			}
			want := tt.want
			want.Method, want.Path = "GET", "/api/projects/1/experiment_holdouts/"
			got := *ae
			if want.RetryAfter == -1 { // an HTTP date: some time far ahead
				if got.RetryAfter < 24*time.Hour {
					t.Errorf("RetryAfter = %v, want the time until 2090", got.RetryAfter)
				}
				got.RetryAfter, want.RetryAfter = 0, 0
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			if len(ae.Body) > 512 || strings.ContainsAny(ae.Body, "\r\n\t") {
				t.Errorf("Body is not one line of at most 512 bytes: %q", ae.Body)
			}
		})
	}
}

// oneLineRef is an independent statement of APIError.Body's rule.
func oneLineRef(s string) string {
	return strings.Join(strings.Fields(strings.ToValidUTF8(s, "")), " ")
}

func TestNotFound(t *testing.T) {
	f := loadWire(t, "error-404-holdout.json")
	srv := newServer(t, func(w http.ResponseWriter, r *http.Request) { f.serve(w) })
	c := newClient(t, srv.URL)
	_, errUpdate := c.Update(context.Background(), 12345, HoldoutInput{Name: "x"})
	errDelete := c.Delete(context.Background(), 12345)
	for _, err := range []error{errUpdate, errDelete} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("errors.Is(%v, ErrNotFound) = false", err)
		}
	}
	f401 := loadWire(t, "error-401-bad-key.json")
	srv401 := newServer(t, func(w http.ResponseWriter, r *http.Request) { f401.serve(w) })
	if err := newClient(t, srv401.URL).Delete(context.Background(), 1); errors.Is(err, ErrNotFound) {
		t.Errorf("errors.Is(401, ErrNotFound) = true")
	}
}

// hangUp answers nothing: it reads the request and drops the connection.
func hangUp(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	conn.Close()
}

// stall never answers; it returns once the client has gone away.
func stall(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body) // the server notices a closed connection only after the body
	<-r.Context().Done()
}

// closedURL is the URL of a server that is no longer listening.
func closedURL(t *testing.T) string {
	srv := newServer(t, func(http.ResponseWriter, *http.Request) {})
	u := srv.URL
	srv.Close()
	return u
}

func TestIsAmbiguous(t *testing.T) {
	api := func(status int) error {
		return fmt.Errorf("create holdout %q: %w", "x", &APIError{Method: "POST", Path: "/p", StatusCode: status})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"400", api(400), false},
		{"401", api(401), false},
		{"404", api(404), false},
		{"409 approval", api(409), false},
		{"429", api(429), false},
		{"500", api(500), true},
		{"501", api(501), false},
		{"502", api(502), true},
		{"503", api(503), true},
		{"504", api(504), true},
		{"sent, then failed", &transportError{err: io.EOF, sent: true}, true},
		{"never sent", &transportError{err: errors.New("dial tcp: connection refused"), sent: false}, false},
		{"never sent though it reads like a reset", &transportError{err: syscall.ECONNRESET, sent: false}, false},
		{"context canceled", fmt.Errorf("op: %w", context.Canceled), false},
		{"context deadline", fmt.Errorf("op: %w", context.DeadlineExceeded), false},
		{"foreign timeout", &url.Error{Op: "Post", URL: "https://x", Err: timeoutErr{}}, true},
		{"foreign EOF", &url.Error{Op: "Post", URL: "https://x", Err: io.EOF}, true},
		{"foreign unexpected EOF", fmt.Errorf("x: %w", io.ErrUnexpectedEOF), true},
		{"foreign reset", &net.OpError{Op: "read", Err: os.NewSyscallError("read", syscall.ECONNRESET)}, true},
		{"foreign refused", &net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}, false},
		{"plain error", errors.New("boom"), false},
	}
	for _, tt := range tests {
		if got := IsAmbiguous(tt.err); got != tt.want {
			t.Errorf("%s: IsAmbiguous(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
		}
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsAmbiguousOnTheWire(t *testing.T) {
	in := HoldoutInput{Name: "x", Filters: []map[string]any{{"rollout_percentage": 1}}}
	tests := []struct {
		name    string
		url     func(t *testing.T) string
		ctx     func() (context.Context, context.CancelFunc)
		want    bool
		wantErr error // errors.Is target, if any
	}{
		{name: "connection dropped after the request", url: func(t *testing.T) string { return newServer(t, hangUp).URL }, want: true},
		{name: "connection refused", url: closedURL, want: false},
		{name: "cancelled before sending", url: func(t *testing.T) string { return newServer(t, hangUp).URL },
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				cancel()
				return ctx, cancel
			}, want: false, wantErr: context.Canceled},
		{name: "timed out waiting for the answer", url: func(t *testing.T) string { return newServer(t, stall).URL }, ctx: func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}, want: true, wantErr: context.DeadlineExceeded},
		{name: "body cut short", url: func(t *testing.T) string {
			return newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "100")
				w.WriteHeader(201)
				io.WriteString(w, `{"id":1,`)
			}).URL
		}, want: true, wantErr: io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()
			_, err := newClient(t, tt.url(t)).Create(ctx, in)
			if err == nil {
				t.Fatal("Create succeeded")
			}
			if got := IsAmbiguous(err); got != tt.want {
				t.Errorf("IsAmbiguous(%v) = %v, want %v", err, got, tt.want)
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), `create holdout "x": `) {
				t.Errorf("error %q lacks the operation", err)
			}
			if strings.Count(err.Error(), "create holdout") != 1 {
				t.Errorf("error %q names the operation more than once", err)
			}
		})
	}
}

// TestKeyNeverInErrors drives every kind of failure and checks that no
// message, in any format, contains the key, even when the server echoes
// the request's headers back.
func TestKeyNeverInErrors(t *testing.T) {
	echo := func(status int, asJSON bool) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			auth := r.Header.Get("Authorization")
			if asJSON {
				writeJSON(w, status, map[string]any{"type": "x", "code": auth, "detail": "bad key " + auth, "attr": auth, "change_request_id": auth})
				return
			}
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(status)
			fmt.Fprintf(w, "<pre>Authorization: %s</pre>", auth)
		}
	}
	handlers := map[string]http.HandlerFunc{
		"echo HTML 500": echo(500, false),
		"echo HTML 200": echo(200, false),
		"echo JSON 401": echo(401, true),
		"echo JSON 409": echo(409, true),
		"echo in header": func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "/?k="+r.Header.Get("Authorization"), 302)
		},
		"key in next link": func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"next": "https://x/?q=" + r.Header.Get("Authorization")[7:], "results": []any{}})
		},
		"hang up": hangUp,
		"slow":    stall,
	}
	var errs []error
	for name, h := range handlers {
		srv := newServer(t, h)
		c := newClient(t, srv.URL)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
			err := call(ctx, c, m, 1)
			// A delete ignores a 2xx body; the next link fails only lists.
			if err == nil && name != "key in next link" && !(name == "echo HTML 200" && m == "DELETE") {
				t.Errorf("%s %s: no error", name, m)
			}
			errs = append(errs, err)
		}
		_, err := c.ListExperiments(ctx)
		errs = append(errs, err)
		cancel()
	}
	c := newClient(t, closedURL(t))
	for _, m := range []string{"GET", "POST", "PATCH", "DELETE"} {
		errs = append(errs, call(context.Background(), c, m, 1))
	}
	_, err := New("https://us.posthog.com", "1", testKey+" ")
	errs = append(errs, err)

	for _, err := range errs {
		if err == nil {
			continue
		}
		var ae *APIError
		if errors.As(err, &ae) {
			errs = append(errs, errors.New(fmt.Sprintf("%#v", *ae)))
		}
		for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v %s %q", err, err, err, err, err)} {
			if strings.Contains(s, testKey) || strings.Contains(s, testKey[4:]) {
				t.Errorf("error contains the key: %s", s)
			}
		}
	}
}

// A proxy page that echoes the Authorization header where the error text
// is cut must not leave the key's start behind.
func TestKeyNotLeftByTruncatedErrorPage(t *testing.T) {
	for pad := 470; pad <= 520; pad++ {
		srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprintf(w, "<html>%s Authorization: %s</html>", strings.Repeat("x", pad), r.Header.Get("Authorization"))
		})
		_, err := newClient(t, srv.URL, WithRetries(1)).List(context.Background())
		if err == nil {
			t.Fatal("want an error")
		}
		if strings.Contains(err.Error(), testKey[:8]) {
			t.Fatalf("pad %d: part of the key in %q", pad, err)
		}
	}
}

// A 409 change_request_pending names the request already waiting, whose
// intent may be another value than the one just sent: the caller needs
// it to tell "this change is pending" from "another change is".
func TestPendingAnswerCarriesTheExistingRequest(t *testing.T) {
	raw, err := os.ReadFile("../testdata/posthog-wire/error-409-approval-pending.json")
	if err != nil {
		t.Fatal(err)
	}
	var ex struct {
		Body json.RawMessage `json:"body"`
	}
	if err := json.Unmarshal(raw, &ex); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusConflict)
		w.Write(ex.Body)
	}))
	defer srv.Close()
	c, err := New(srv.URL, "2", "phx_test_key_123456")
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Patch(context.Background(), 50, HoldoutPatch{Filters: []map[string]any{{"rollout_percentage": 30}}})
	var ae *APIError
	if !errors.As(err, &ae) || ae.ChangeRequest == nil {
		t.Fatalf("err = %v, want an *APIError with the change request", err)
	}
	got := *ae.ChangeRequest
	want := ChangeRequest{
		ID: "4ab016da-9064-4395-9155-8f3f9fc711e2", ActionKey: "experiment_holdout.update", State: "pending",
		DesiredFilters: []map[string]any{{"rollout_percentage": json.Number("20")}},
		DesiredChanges: map[string]any{"filters": []any{map[string]any{"rollout_percentage": json.Number("20")}}},
		Description:    "Change holdout 'gated' exclusion from 10% to 20%, affecting 0 experiments",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("change request (-want +got):\n%s", d)
	}
}
