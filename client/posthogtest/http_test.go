package posthogtest_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

func TestMethods(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.AddKey(keyLegacy, posthogtest.Key{CurrentProject: 1})
	e.emu.Seed(1, posthogtest.Holdout{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	unsupported := errorBody{"authentication_error", "permission_denied", "This action does not support personal API key access", nil}
	notAllowed := func(m string) errorBody {
		return errorBody{"invalid_request", "method_not_allowed", fmt.Sprintf("Method %q not allowed.", m), nil}
	}
	tests := []struct {
		method, path, key string
		status            int
		want              errorBody
	}{
		{"PUT", holdouts1, "", 403, unsupported},
		{"DELETE", holdouts1, "", 403, unsupported},
		{"POST", holdouts1 + "1/", "", 403, unsupported},
		{"TRACE", holdouts1, "", 403, unsupported},
		{"PATCH", holdouts1, "", 405, notAllowed("PATCH")},
		{"POST", "/api/projects/1/experiments/", "", 405, notAllowed("POST")},
		{"DELETE", "/api/projects/1/experiments/", "", 403, unsupported},
		{"PUT", holdouts1, keyLegacy, 405, notAllowed("PUT")},
		{"DELETE", holdouts1, keyLegacy, 405, notAllowed("DELETE")},
		{"POST", holdouts1 + "1/", keyLegacy, 405, notAllowed("POST")},
		{"PATCH", holdouts1, keyLegacy, 405, notAllowed("PATCH")},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path+" "+tc.key, func(t *testing.T) {
			r := e.do(call{method: tc.method, path: tc.path, key: tc.key, body: `{"name":"x"}`})
			r.checkError(t, tc.status, tc.want)
			wantAllow := "GET, POST, HEAD, OPTIONS"
			if strings.HasSuffix(tc.path, "1/") {
				wantAllow = "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"
			}
			if got := r.header.Get("Allow"); got != wantAllow {
				t.Errorf("Allow %q, want %q", got, wantAllow)
			}
		})
	}
	if n := len(e.emu.Holdouts(1)); n != 1 {
		t.Errorf("%d holdouts, want 1: a refused method changed state", n)
	}
}

func TestHeadAndOptions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.Seed(1, posthogtest.Holdout{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	get := e.do(call{method: "GET", path: holdouts1}).must(t, http.StatusOK)
	head := e.do(call{method: "HEAD", path: holdouts1}).must(t, http.StatusOK)
	if len(head.raw) != 0 || head.header.Get("Content-Length") != fmt.Sprint(len(get.raw)) {
		t.Errorf("HEAD: body %q, Content-Length %q (GET body %d bytes)", head.raw, head.header.Get("Content-Length"), len(get.raw))
	}
	opt := e.do(call{method: "OPTIONS", path: holdouts1 + "1/"}).must(t, http.StatusOK)
	if got := keys(opt.body); !cmp.Equal(got, []string{"name", "description", "renders", "parses"}) {
		t.Errorf("OPTIONS keys %v", got)
	}
	e.emu.AddKey(keyExpRead, posthogtest.Key{Scopes: []string{"experiment:read"}})
	e.do(call{method: "OPTIONS", path: holdouts1, key: keyExpRead}).
		checkError(t, 403, errorBody{"authentication_error", "permission_denied", "API key missing required scope 'experiment_holdout:read'", nil})
}

func TestBodies(t *testing.T) {
	t.Parallel()
	// The text after "JSON parse error - " is encoding/json's, not
	// Python's (a deliberate difference); checkError compares the prefix.
	parse := func(string) errorBody { return parseErrorBody }
	unsupported := func(ct string) errorBody {
		return errorBody{"invalid_request", "unsupported_media_type", fmt.Sprintf("Unsupported media type %q in request.", ct), nil}
	}
	nameRequired := validation("required", "This field is required.", "name")
	tests := []struct {
		name   string
		c      call
		status int
		want   errorBody
	}{
		{"text/plain", call{body: `{"name":"x"}`, contentType: "text/plain"}, 415, unsupported("text/plain")},
		{"form", call{body: `name=x`, contentType: "application/x-www-form-urlencoded"}, 415, unsupported("application/x-www-form-urlencoded")},
		{"content type echoed whole", call{body: `{}`, contentType: "text/plain; charset=utf-8"}, 415, unsupported("text/plain; charset=utf-8")},
		{"no content type", call{body: `{}`, header: map[string]string{"Content-Type": ""}}, 415, unsupported("")},
		{"json with charset", call{body: `{}`, contentType: "application/json; charset=utf-8"}, 400, nameRequired},
		{"json in capitals", call{body: `{}`, contentType: "Application/JSON"}, 400, nameRequired},
		{"wildcard media type", call{body: `{}`, contentType: "*/*"}, 400, nameRequired},
		{"empty body needs no content type", call{header: map[string]string{"Content-Type": "text/plain"}}, 400, nameRequired},
		{"chunked body is read as empty", call{body: `{"name":"x","filters":[{"rollout_percentage":1}]}`, chunked: true}, 400, nameRequired},
		{"chunked body skips the content type check", call{body: `garbage`, contentType: "text/plain", chunked: true}, 400, nameRequired},
		{"missing value", call{body: `{"name": }`}, 400, parse("Expecting value: line 1 column 10 (char 9)")},
		{"truncated", call{body: `{"name":"x"`}, 400, parse("Expecting ',' delimiter: line 1 column 12 (char 11)")},
		{"trailing comma", call{body: `{"name":"x",}`}, 400, parse("Expecting property name enclosed in double quotes: line 1 column 13 (char 12)")},
		{"single quotes", call{body: `{'name':'x'}`}, 400, parse("Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")},
		{"extra data", call{body: `{}{}`}, 400, parse("Extra data: line 1 column 3 (char 2)")},
		{"second line", call{body: "{\n  \"name\": tru}"}, 400, parse("Expecting value: line 2 column 11 (char 12)")},
		// PostHog (STRICT_JSON off) would read NaN as a float; the
		// emulator cannot (a deliberate difference).
		{"NaN", call{body: `{"name":NaN}`}, 400, parse("NaN")},
		{"bad escape", call{body: `{"name":"\q"}`}, 400, parse("Invalid \\escape: line 1 column 10 (char 9)")},
		{"control character", call{body: "{\"name\":\"a\tb\"}"}, 400, parse("Invalid control character at: line 1 column 11 (char 10)")},
		{"BOM", call{body: "\ufeff{}"}, 400, parse("Unexpected UTF-8 BOM")},
		{"invalid UTF-8", call{body: "{\"name\":\"\xff\"}"}, 400, parse("'utf-8' codec can't decode byte 0xff")},
		{"too deep", call{body: strings.Repeat("[", 1100) + strings.Repeat("]", 1100)}, 500, errorBody{"server_error", "error", "A server error occurred.", nil}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			tc.c.method, tc.c.path = "POST", holdouts1
			e.do(tc.c).checkError(t, tc.status, tc.want)
		})
	}
}

// TestBodyBeforeValidation checks DRF's order: a PATCH parses its body
// only after finding the holdout, and a key in the body makes the body be
// parsed during authentication.
func TestBodyOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.Seed(1, posthogtest.Holdout{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	e.do(call{method: "PATCH", path: holdouts1 + "1/", body: `{"name":`}).
		checkError(t, 400, parseErrorBody)
	e.do(call{method: "GET", path: holdouts1, key: noKey, body: `{"x":`}).
		checkError(t, 400, parseErrorBody)
	e.do(call{method: "GET", path: holdouts1, key: noKey, body: `{}`, contentType: "text/plain"}).
		checkError(t, 415, errorBody{"invalid_request", "unsupported_media_type", `Unsupported media type "text/plain" in request.`, nil})
}

func TestEndpointNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	want := errorBody{"invalid_request", "not_found", "Endpoint not found.", nil}
	for _, path := range []string{
		"/",
		"/api/",
		"/api/projects/",
		"/api/projects/1/feature_flags/",
		"/api/environments/1/experiment_holdouts/",
		"/api/projects/1/experiment_holdouts/1/extra/",
		"/api/projects/1/experiment_holdouts//",
		"/api/projects/1.5/experiment_holdouts/",
		"/api/projects/1/experiment_holdouts/1.0/",
		"/api/projects/1/experiments/7/",
		"/api/projects/1/experiment_holdouts/1/access_controls",
	} {
		for _, key := range []string{"", noKey} {
			r := e.do(call{method: "GET", path: path, key: key})
			r.checkError(t, http.StatusNotFound, want)
			// PostHog's api_not_found is a DRF view for every method.
			allow := strings.Split(r.header.Get("Allow"), ", ")
			slices.Sort(allow)
			if !cmp.Equal(allow, []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"}) || r.header.Get("Content-Type") != "application/json" {
				t.Errorf("%s: Allow %q, Content-Type %q", path, r.header.Get("Allow"), r.header.Get("Content-Type"))
			}
		}
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.do(call{method: "GET", path: holdouts1 + "?limit=5"}).must(t, 200)
	e.do(call{method: "GET", path: holdouts1 + "?personal_api_key=" + posthogtest.DefaultKey + "&limit=1", key: noKey}).must(t, 200)
	e.do(call{method: "POST", path: holdouts1, key: noKey, body: `{"personal_api_key":"` + posthogtest.DefaultKey + `"}`}).must(t, 400)
	e.do(call{method: "GET", path: "/nope"}).must(t, 404)
	want := []posthogtest.Request{
		{Method: "GET", Path: holdouts1, RawQuery: "limit=5", Status: 200},
		{Method: "GET", Path: holdouts1, RawQuery: "personal_api_key=REDACTED&limit=1", Status: 200},
		{Method: "POST", Path: holdouts1, Body: []byte(`{"personal_api_key":"REDACTED"}`), Status: 400},
		{Method: "GET", Path: "/nope", Status: 404},
	}
	got := e.emu.Requests()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("log (-want +got):\n%s", d)
	}
	if strings.Contains(fmt.Sprintf("%+v", got), posthogtest.DefaultKey) {
		t.Error("the request log holds the key")
	}
	e.emu.ResetRequests()
	if n := len(e.emu.Requests()); n != 0 {
		t.Errorf("%d requests after ResetRequests", n)
	}
}

func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const n = 40
	var wg sync.WaitGroup
	statuses := make(chan int, 3*n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, c := range []call{
				{method: "POST", path: holdouts1, body: fmt.Sprintf(`{"name":"c%d","filters":[{"rollout_percentage":%d}]}`, i, i)},
				{method: "GET", path: holdouts1 + "?limit=3"},
				{method: "PATCH", path: holdouts1 + "1/", body: `{"description":"x"}`},
			} {
				req, _ := http.NewRequest(c.method, e.srv.URL+c.path, strings.NewReader(c.body))
				req.Header.Set("Authorization", "Bearer "+posthogtest.DefaultKey)
				req.Header.Set("Content-Type", "application/json")
				resp, err := e.srv.Client().Do(req)
				if err != nil {
					statuses <- 0
					continue
				}
				resp.Body.Close()
				statuses <- resp.StatusCode
			}
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for s := range statuses {
		count[s]++
	}
	// A PATCH of holdout 1 may come before it exists.
	if count[201] != n || count[200]+count[404] != 2*n || count[200] < n {
		t.Errorf("statuses %v", count)
	}
	hs := e.emu.Holdouts(1)
	seen := map[int64]bool{}
	for _, h := range hs {
		seen[h.ID] = true
	}
	if len(hs) != n || len(seen) != n {
		t.Errorf("%d holdouts with %d distinct ids, want %d", len(hs), len(seen), n)
	}
	if got := len(e.emu.Requests()); got != 3*n {
		t.Errorf("%d requests logged, want %d", got, 3*n)
	}
}

// TestRequestBodies checks that the log holds each body as sent, so a
// test can assert exactly what a PATCH carried, and never a key.
func TestRequestBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.Seed(1, posthogtest.Holdout{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	const unregistered = "phx_not_registered_000000000000000000000000000000000000"
	tests := []struct {
		name string
		c    call
		want string
	}{
		{"a PATCH as sent", call{method: "PATCH", path: holdouts1 + "1/", body: `{"name":"b" , "filters":[{"rollout_percentage":10.0}]}`},
			`{"name":"b" , "filters":[{"rollout_percentage":10.0}]}`},
		{"no body", call{method: "GET", path: holdouts1}, ""},
		{"a registered key anywhere", call{method: "PATCH", path: holdouts1 + "1/", body: `{"name":"` + posthogtest.DefaultKey + `"}`},
			`{"name":"REDACTED"}`},
		{"an unknown key in the body", call{method: "POST", path: holdouts1, key: noKey, body: `{"personal_api_key": "` + unregistered + `", "name":"x"}`},
			`{"personal_api_key": "REDACTED", "name":"x"}`},
		{"an escaped key", call{method: "POST", path: holdouts1, key: noKey, body: `{"personal_api_key":"\u0070hx_secret_value","name":"x"}`},
			`{"personal_api_key":"REDACTED","name":"x"}`},
		{"a key that is not a string", call{method: "POST", path: holdouts1, key: noKey, body: `{"personal_api_key":12345678}`},
			`{"personal_api_key":"REDACTED"}`},
		{"a form body", call{method: "POST", path: holdouts1, key: noKey, contentType: "application/x-www-form-urlencoded", body: "name=x&personal_api_key=" + unregistered},
			"name=x&personal_api_key=REDACTED"},
		{"not JSON", call{method: "POST", path: holdouts1, body: `{"personal_api_key":`}, `{"personal_api_key":`},
	}
	for _, tc := range tests {
		e.emu.ResetRequests()
		e.do(tc.c)
		reqs := e.emu.Requests()
		if len(reqs) != 1 {
			t.Fatalf("%s: %d requests logged", tc.name, len(reqs))
		}
		if got := string(reqs[0].Body); got != tc.want {
			t.Errorf("%s: body %q, want %q", tc.name, got, tc.want)
		}
		for _, secret := range []string{posthogtest.DefaultKey, unregistered, "phx_secret_value", "12345678"} {
			if strings.Contains(string(reqs[0].Body), secret) {
				t.Errorf("%s: the logged body holds a key", tc.name)
			}
		}
	}
}

func TestStatsByRoute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.emu.Seed(1, posthogtest.Holdout{Name: "a", Filters: []map[string]any{{"rollout_percentage": 1}}})
	for _, c := range []call{
		{method: "GET", path: holdouts1},
		{method: "HEAD", path: holdouts1 + "?limit=1"},
		{method: "GET", path: "/api/projects/@current/experiment_holdouts"},
		{method: "GET", path: "/api/projects/1/experiments/"},
		{method: "GET", path: "/api/projects/1/experiments/?archived=true"},
		{method: "POST", path: holdouts1, body: `{"name":"b","filters":[{"rollout_percentage":1}]}`},
		{method: "POST", path: holdouts1, body: `{}`}, // refused, still counted
		{method: "GET", path: holdouts1 + "1/"},
		{method: "PATCH", path: holdouts1 + "1/", body: `{"name":"c"}`},
		{method: "PUT", path: holdouts1 + "1", body: `{"name":"c"}`},
		{method: "DELETE", path: holdouts1 + "2/"},
		{method: "DELETE", path: holdouts1 + "2/"}, // 404, still counted
		{method: "GET", path: "/api/projects/@current/"},
		{method: "OPTIONS", path: holdouts1},
		{method: "GET", path: "/api/nope/"},
	} {
		e.do(c)
	}
	want := posthogtest.Stats{Requests: 15, HoldoutLists: 3, ExperimentLists: 2, Creates: 2, HoldoutReads: 1, Patches: 2, Deletes: 2, ProjectReads: 1}
	if d := cmp.Diff(want, e.emu.Stats()); d != "" {
		t.Errorf("stats (-want +got):\n%s", d)
	}
}
