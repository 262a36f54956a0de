package posthogtest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/client/posthogtest"
)

// The differential test sends the same requests to the emulator and to
// realstack (../shared/realstack: PostHog's holdouts API restated on real
// Django, DRF and PostgreSQL) and compares what comes back. It runs only
// when HOGSYNC_REALSTACK_URL names a running realstack, whose state it
// resets and whose keys it replaces:
//
//	python3 ../shared/realstack/server.py --port 0 --projects 1,2
//	HOGSYNC_REALSTACK_URL=http://127.0.0.1:PORT go test -run Realstack ./client/posthogtest
//
// Deliberate differences (see the package documentation) are not sent.

const (
	rsKeyAll      = "phx_diff_all_00000000000000000000000000000000000000000"
	rsKeyRead     = "phx_diff_read_0000000000000000000000000000000000000000"
	rsKeyExpRead  = "phx_diff_expread_0000000000000000000000000000000000000"
	rsKeyProject2 = "phx_diff_project2_000000000000000000000000000000000000"
)

// rsUser is realstack's user 1, the owner of every key.
var rsUser = posthogtest.User{
	ID: 1, UUID: "0191a3c2-5e7b-7000-8000-00000000e001", DistinctID: "realstack-user-1",
	FirstName: "Real", LastName: "Stack", Email: "realstack@example.com",
}

type diffEnv struct {
	t    *testing.T
	rs   string // realstack's base URL
	emu  *posthogtest.Emulator
	srv  *httptest.Server
	http *http.Client
}

func realstack(t *testing.T) string {
	t.Helper()
	u := strings.TrimRight(os.Getenv("HOGSYNC_REALSTACK_URL"), "/")
	if u == "" {
		t.Skip("HOGSYNC_REALSTACK_URL is not set: no realstack to compare with")
	}
	return u
}

// control calls realstack's control API.
func (d *diffEnv) control(method, route string, body any) []byte {
	d.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(method, d.rs+"/__emu/"+route, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	resp, err := d.http.Do(req)
	if err != nil {
		d.t.Fatalf("realstack %s: %v", route, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		d.t.Fatalf("realstack %s: %d %s", route, resp.StatusCode, out)
	}
	return out
}

type rsHoldout struct {
	ID      int64            `json:"id"`
	Project int64            `json:"project_id"`
	Name    string           `json:"name"`
	Filters []map[string]any `json:"filters"` // without variant: added for both
}

type rsExperiment struct {
	ID        int64          `json:"id"`
	Project   int64          `json:"project_id"`
	Name      string         `json:"name"`
	HoldoutID *int64         `json:"holdout_id,omitempty"`
	Start     *time.Time     `json:"start_date,omitempty"`
	End       *time.Time     `json:"end_date,omitempty"`
	Archived  bool           `json:"archived"`
	Deleted   bool           `json:"deleted"`
	Created   time.Time      `json:"created_at"`
	Flag      map[string]any `json:"feature_flag,omitempty"`
	paused    bool
}

// newDiffEnv resets realstack and gives both servers the same keys and
// state.
func newDiffEnv(t *testing.T, holdouts []rsHoldout, experiments []rsExperiment) *diffEnv {
	d := &diffEnv{t: t, rs: realstack(t), emu: posthogtest.New(), http: &http.Client{Timeout: 30 * time.Second}}
	d.control("POST", "config", map[string]any{
		"projects": []int64{1, 2},
		"keys": []string{
			rsKeyAll + ":*",
			rsKeyRead + ":experiment_holdout:read",
			rsKeyExpRead + ":experiment:read",
			rsKeyProject2 + ":*;teams=2",
		},
		"holdout_scope": "experiment_holdout", "flag_holdout_shape": "holdout", "throttle": false,
	})
	d.control("POST", "reset", nil)
	for key, k := range map[string]posthogtest.Key{
		rsKeyAll:      {Scopes: []string{"*"}},
		rsKeyRead:     {Scopes: []string{"experiment_holdout:read"}},
		rsKeyExpRead:  {Scopes: []string{"experiment:read"}},
		rsKeyProject2: {Scopes: []string{"*"}, Projects: []int64{2}},
	} {
		k.CurrentProject, k.User = 1, rsUser
		d.emu.AddKey(key, k)
	}
	d.emu.AddProject(2)
	seed := map[string]any{"holdouts": []any{}, "experiments": []any{}}
	for _, h := range holdouts {
		user := rsUser
		d.emu.Seed(h.Project, posthogtest.Holdout{ID: h.ID, Name: h.Name, Filters: h.Filters, CreatedBy: &user})
		withVariant := make([]map[string]any, len(h.Filters))
		for i, g := range h.Filters {
			withVariant[i] = map[string]any{"variant": fmt.Sprintf("holdout-%d", h.ID)}
			for k, v := range g {
				withVariant[i][k] = v
			}
		}
		h.Filters = withVariant
		seed["holdouts"] = append(seed["holdouts"].([]any), h)
	}
	for _, x := range experiments {
		ex := posthogtest.Experiment{ID: x.ID, Name: x.Name, StartDate: x.Start, EndDate: x.End, Archived: x.Archived, Deleted: x.Deleted, CreatedAt: x.Created}
		if x.HoldoutID != nil {
			ex.HoldoutID = *x.HoldoutID
		}
		if x.paused {
			ex.Status = posthogtest.StatusPaused
			x.Flag = map[string]any{"active": false}
		}
		d.emu.AddExperiment(x.Project, ex)
		seed["experiments"] = append(seed["experiments"].([]any), x)
	}
	d.control("POST", "seed", seed)
	d.srv = httptest.NewServer(d.emu)
	t.Cleanup(d.srv.Close)
	return d
}

// diffCall is one request sent to both servers.
type diffCall struct {
	name         string
	method, path string
	key          string // "" is rsKeyAll, "-" none
	body         string
	contentType  string
	// unordered compares a list's results sorted by id: realstack's list
	// has no ORDER BY, so after an update a row may move.
	unordered bool
	// project reduces each experiments-list item to what hogsync reads.
	experiments bool
}

// exchange is one answer, normalised: the servers' own URLs become
// "<site>", times that must differ "<time>" (after checking their
// format), a parse error's wording "<parse error>".
type exchange struct {
	Status          int
	ContentType     string
	Allow           string
	WWWAuthenticate string
	RetryAfter      bool
	Body            any
}

// throttleWaitRE is the wait in a 429's detail, which depends on timing.
var throttleWaitRE = regexp.MustCompile(`in [0-9]+ second`)

var pyTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$`)

func (d *diffEnv) send(base string, c diffCall) exchange {
	d.t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req, err := http.NewRequest(c.method, base+c.path, body)
	if err != nil {
		d.t.Fatal(err)
	}
	switch c.key {
	case "":
		req.Header.Set("Authorization", "Bearer "+rsKeyAll)
	case "-":
	default:
		req.Header.Set("Authorization", "Bearer "+c.key)
	}
	if c.body != "" {
		ct := c.contentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	resp, err := d.http.Do(req)
	if err != nil {
		d.t.Fatalf("%s %s: %v", c.method, base+c.path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	site := func(s string) string { return strings.ReplaceAll(s, base, "<site>") }
	allow := strings.Split(resp.Header.Get("Allow"), ", ")
	if get(mustDecode(raw), "detail") == "Endpoint not found." {
		slices.Sort(allow) // a Python set's order, which varies
	}
	if resp.Header.Get("Retry-After") != "" {
		raw = throttleWaitRE.ReplaceAll(raw, []byte("in N second"))
	}
	x := exchange{
		Status:          resp.StatusCode,
		ContentType:     resp.Header.Get("Content-Type"),
		Allow:           strings.Join(allow, ", "),
		WWWAuthenticate: site(resp.Header.Get("WWW-Authenticate")),
		RetryAfter:      resp.Header.Get("Retry-After") != "",
		Body:            site(string(raw)),
	}
	if strings.HasPrefix(x.ContentType, "application/json") && len(raw) > 0 {
		v, err := decodeOrdered(raw)
		if err != nil {
			d.t.Fatalf("%s %s: %v in %s", c.method, base+c.path, err, raw)
		}
		v = d.normalise(v, site)
		if c.unordered || c.experiments {
			v = sortResults(v, c.experiments)
		}
		x.Body = v
	}
	return x
}

// mustDecode is raw decoded, or nil.
func mustDecode(raw []byte) any {
	v, _ := decodeOrdered(raw)
	return v
}

func (d *diffEnv) normalise(v any, site func(string) string) any {
	switch v := v.(type) {
	case []kv:
		out := make([]kv, len(v))
		for i, m := range v {
			out[i] = kv{m.K, d.normalise(m.V, site)}
			switch s, _ := m.V.(string); {
			case (m.K == "created_at" || m.K == "updated_at") && s != "":
				if !pyTimeRE.MatchString(s) {
					d.t.Errorf("%s %q is not a Python isoformat time", m.K, s)
				}
				if m.K == "updated_at" || !strings.HasPrefix(s, "2020-") { // seeded experiments keep theirs
					out[i].V = "<time>"
				}
			case m.K == "detail" && strings.HasPrefix(s, parseErrorDetail):
				out[i].V = "<parse error>"
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = d.normalise(x, site)
		}
		return out
	case string:
		return site(v)
	}
	return v
}

// sortResults sorts a list body's results by id and, for experiments,
// keeps only what hogsync reads of each.
func sortResults(v any, experiments bool) any {
	body, ok := v.([]kv)
	if !ok {
		return v
	}
	out := slices.Clone(body)
	for i, m := range out {
		if m.K != "results" {
			continue
		}
		results := slices.Clone(m.V.([]any))
		if experiments {
			for j, x := range results {
				var item []kv
				for _, k := range []string{"id", "name", "start_date", "end_date", "feature_flag_key", "holdout", "archived", "deleted", "status", "created_at"} {
					item = append(item, kv{k, get(x, k)})
				}
				item = append(item, kv{"flag.active", get(x, "feature_flag", "active")}, kv{"flag.holdout", get(x, "feature_flag", "filters", "holdout")})
				results[j] = item
			}
			out[i].V = results // experiments keep the server's order
			continue
		}
		slices.SortFunc(results, func(a, b any) int {
			return strings.Compare(fmt.Sprintf("%020v", get(a, "id")), fmt.Sprintf("%020v", get(b, "id")))
		})
		out[i].V = results
	}
	return out
}

// run sends each call to both servers, in order, and reports every
// difference.
func (d *diffEnv) run(calls []diffCall) {
	d.t.Helper()
	for _, c := range calls {
		want := d.send(d.rs, c)
		got := d.send(d.srv.URL, c)
		if diff := cmp.Diff(want, got); diff != "" {
			d.t.Errorf("%s: %s %s: realstack and emulator differ (-realstack +emulator):\n%s", c.name, c.method, c.path, diff)
		}
	}
}

// flagSaves compares how often each experiment's flag was rewritten:
// realstack's flag version counts from 1.
func (d *diffEnv) flagSaves(project int64) {
	d.t.Helper()
	var state struct {
		Projects map[string]struct {
			Experiments []struct {
				ID   int64 `json:"id"`
				Flag struct {
					Version int `json:"version"`
				} `json:"feature_flag"`
			} `json:"experiments"`
		} `json:"projects"`
	}
	if err := json.Unmarshal(d.control("GET", "state", nil), &state); err != nil {
		d.t.Fatal(err)
	}
	want := map[int64]int{}
	for _, x := range state.Projects[fmt.Sprint(project)].Experiments {
		want[x.ID] = x.Flag.Version - 1
	}
	got := map[int64]int{}
	for _, x := range d.emu.Experiments(project) {
		got[x.ID] = x.FlagSaves
	}
	if diff := cmp.Diff(want, got); diff != "" {
		d.t.Errorf("flag rewrites per experiment (-realstack +emulator):\n%s", diff)
	}
}

const rsList = "/api/projects/1/experiment_holdouts/"

func TestRealstackHoldouts(t *testing.T) {
	d := newDiffEnv(t, nil, nil)
	create := func(name, body string) diffCall {
		return diffCall{name: name, method: "POST", path: rsList, body: body}
	}
	d.run([]diffCall{
		{name: "empty list", method: "GET", path: rsList},
		create("create: trimming, key order as sent", `{"name":"  checkout-q4 \n","description":" d ","filters":[{"rollout_percentage":10,"zz":1,"properties":[{"value":["US"],"operator":"exact","type":"person","key":"country"}],"a":true,"variant":"mine"}]}`),
		create("create: 10.0 stays 10.0", `{"name":"ten","filters":[{"rollout_percentage":10.0},{"rollout_percentage":100}]}`),
		create("create: large and odd numbers", `{"name":"numbers","filters":[{"rollout_percentage":5.5,"x":1e16,"y":1.5e16,"z":-0.0,"w":0.1,"v":1e-7,"u":12345678901234567}]}`),
		create("create: a number as name", `{"name":12,"description":1.5,"filters":[{"rollout_percentage":0}]}`),
		create("create: description null", `{"name":"n","description":null,"filters":[{"rollout_percentage":100}]}`),
		create("create: description blank", `{"name":"b","description":"   ","filters":[{"rollout_percentage":1}]}`),
		create("create: duplicate name", `{"name":"ten","filters":[{"rollout_percentage":1}]}`),
		{name: "list: jsonb order and numbers read back", method: "GET", path: rsList},
		{name: "retrieve", method: "GET", path: rsList + "1/"},
		{name: "retrieve without slash", method: "GET", path: rsList + "3"},
		{name: "page 1", method: "GET", path: rsList + "?limit=2"},
		{name: "page 2", method: "GET", path: rsList + "?limit=2&offset=2"},
		{name: "last page", method: "GET", path: rsList + "?offset=6&limit=2"},
		{name: "past the end", method: "GET", path: rsList + "?offset=50&limit=2"},
		{name: "previous drops offset", method: "GET", path: rsList + "?limit=3&offset=2"},
		{name: "bad limit is 100", method: "GET", path: rsList + "?limit=abc&offset=1"},
		{name: "zero limit is 100", method: "GET", path: rsList + "?limit=0"},
		{name: "bad offset is 0", method: "GET", path: rsList + "?offset=-3&limit=2"},
		{name: "other parameters kept, sorted, re-encoded", method: "GET", path: rsList + "?z=a+b&limit=2&a=%C3%A9&a=2"},
		{name: "@current", method: "GET", path: "/api/projects/@current/experiment_holdouts/?limit=1"},

		create("name missing", `{"filters":[{"rollout_percentage":1}]}`),
		create("name null", `{"name":null,"filters":[{"rollout_percentage":1}]}`),
		create("name blank", `{"name":" \t ","filters":[{"rollout_percentage":1}]}`),
		create("name too long", `{"name":"`+strings.Repeat("é", 401)+`","filters":[{"rollout_percentage":1}]}`),
		create("name 400 after trimming", `{"name":"  `+strings.Repeat("x", 400)+`  ","filters":[{"rollout_percentage":1}]}`),
		create("name a list", `{"name":["x"],"filters":[{"rollout_percentage":1}]}`),
		create("name a bool", `{"name":true,"filters":[{"rollout_percentage":1}]}`),
		create("name with NUL", `{"name":"a\u0000b","filters":[{"rollout_percentage":1}]}`),
		create("description too long", `{"name":"x","description":"`+strings.Repeat("d", 401)+`","filters":[{"rollout_percentage":1}]}`),
		create("first field error wins", `{"name":"","description":"`+strings.Repeat("d", 401)+`","filters":[]}`),
		create("no filters", `{"name":"x"}`),
		create("filters empty", `{"name":"x","filters":[]}`),
		create("filters null", `{"name":"x","filters":null}`),
		create("rollout missing", `{"name":"x","filters":[{"properties":[]}]}`),
		create("rollout null", `{"name":"x","filters":[{"rollout_percentage":null}]}`),
		create("rollout over 100", `{"name":"x","filters":[{"rollout_percentage":100.5}]}`),
		create("rollout negative", `{"name":"x","filters":[{"rollout_percentage":-1}]}`),
		create("rollout in a later group", `{"name":"x","filters":[{"rollout_percentage":1},{"rollout_percentage":150}]}`),
		create("rollout infinite", `{"name":"x","filters":[{"rollout_percentage":1e400}]}`),
		create("filters an object", `{"name":"x","filters":{"rollout_percentage":1}}`),
		create("filters a string", `{"name":"x","filters":"abc"}`),
		create("group not an object", `{"name":"x","filters":[1]}`),
		create("rollout a string", `{"name":"x","filters":[{"rollout_percentage":"10"}]}`),
		create("body a list", `[1]`),
		create("body a string", `"x"`),
		create("parse error", `{"name": }`),
		create("trailing data", `{"name":"x"} x`),
		{name: "unsupported media type", method: "POST", path: rsList, body: `{}`, contentType: "text/plain"},
		create("NUL in filters: 500, an id used up", `{"name":"x","filters":[{"rollout_percentage":1,"k":"a\u0000"}]}`),
		create("the next create skips that id", `{"name":"after","filters":[{"rollout_percentage":1}]}`),

		{name: "PATCH a name only", method: "PATCH", path: rsList + "1/", body: `{"name":" renamed ","id":99,"created_at":"2000-01-01T00:00:00Z"}`},
		{name: "PATCH filters echo the order sent", method: "PATCH", path: rsList + "2", body: `{"filters":[{"variant":"holdout-2","rollout_percentage":10},{"rollout_percentage":100.0,"b":1,"a":2}]}`},
		{name: "PATCH empty filters", method: "PATCH", path: rsList + "2/", body: `{"filters":[]}`},
		{name: "PATCH description null", method: "PATCH", path: rsList + "2/", body: `{"description":null}`},
		{name: "PATCH nothing", method: "PATCH", path: rsList + "2/", body: `{}`},
		{name: "PATCH an empty body", method: "PATCH", path: rsList + "2/"},
		{name: "PUT without name", method: "PUT", path: rsList + "2/", body: `{"filters":[{"rollout_percentage":3}]}`},
		{name: "PUT", method: "PUT", path: rsList + "2/", body: `{"name":"put","filters":[{"rollout_percentage":3}]}`},
		{name: "list after writes", method: "GET", path: rsList, unordered: true},
		{name: "DELETE", method: "DELETE", path: rsList + "5/"},
		{name: "GET deleted", method: "GET", path: rsList + "5/"},
		{name: "DELETE again", method: "DELETE", path: rsList + "5"},
		{name: "PATCH deleted", method: "PATCH", path: rsList + "5/", body: `{"name":"x"}`},
		{name: "holdout id not a number", method: "GET", path: rsList + "abc/"},
		{name: "holdout of another project", method: "GET", path: "/api/projects/2/experiment_holdouts/1/"},
		{name: "unknown project", method: "GET", path: "/api/projects/999/experiment_holdouts/"},
		{name: "project not a number", method: "GET", path: "/api/projects/abc/experiment_holdouts/"},
		{name: "unknown endpoint", method: "GET", path: "/api/projects/1/feature_flags/"},
		{name: "too many segments", method: "GET", path: rsList + "1/extra/"},
		{name: "PATCH on the list", method: "PATCH", path: rsList, body: `{}`},
		{name: "PUT on the list", method: "PUT", path: rsList, body: `{}`},
		{name: "POST on a holdout", method: "POST", path: rsList + "1/", body: `{}`},

		{name: "no key", method: "GET", path: rsList, key: "-"},
		{name: "unknown key", method: "GET", path: rsList, key: "phx_unknown_000000000000000000000000000000000000000000"},
		{name: "key in the query string", method: "GET", path: rsList + "?personal_api_key=" + rsKeyRead + "&limit=1", key: "-"},
		{name: "unknown key in the query string", method: "GET", path: rsList + "?personal_api_key=nope", key: "-"},
		{name: "key in the body", method: "POST", path: rsList, key: "-", body: `{"personal_api_key":"` + rsKeyAll + `","name":"via body","filters":[{"rollout_percentage":1}]}`},
		{name: "read key writes", method: "POST", path: rsList, key: rsKeyRead, body: `{"name":"x","filters":[{"rollout_percentage":1}]}`},
		{name: "read key reads", method: "GET", path: rsList + "1/", key: rsKeyRead},
		{name: "experiment:read is not a holdout scope", method: "GET", path: rsList, key: rsKeyExpRead},
		{name: "project before scope", method: "POST", path: "/api/projects/999/experiment_holdouts/", key: rsKeyRead, body: `{}`},
		{name: "key limited to project 2", method: "GET", path: rsList, key: rsKeyProject2},
		{name: "key limited to project 2, its project", method: "GET", path: "/api/projects/2/experiment_holdouts/", key: rsKeyProject2},

		{name: "HEAD", method: "HEAD", path: rsList},
		{name: "OPTIONS on the list", method: "OPTIONS", path: rsList},
		{name: "OPTIONS on a holdout", method: "OPTIONS", path: rsList + "1/"},
		{name: "JSON with a charset", method: "POST", path: rsList, body: `{}`, contentType: "application/json; charset=utf-8"},
		create("a bool as percentage", `{"name":"bool","filters":[{"rollout_percentage":true}]}`),
		create("a huge integer as name", `{"name":123456789012345678901234567890,"filters":[{"rollout_percentage":1}]}`),
		create("repeated keys: the last value", `{"name":"a","name":"dup","filters":[{"rollout_percentage":1,"b":1,"rollout_percentage":2}]}`),
		create("deep nesting", `{"name":"deep","filters":[{"rollout_percentage":1,"p":[[[[[[[[[[{"z":1,"a":[]}]]]]]]]]]]}]}`),
		{name: "PATCH True for 1: equal to Python", method: "PATCH", path: rsList + "11/", body: `{"filters":[{"rollout_percentage":1,"variant":"holdout-11"}]}`},
		{name: "huge offset", method: "GET", path: rsList + "?offset=99999999999999999999"},
		{name: "limit beyond bigint", method: "GET", path: rsList + "?limit=9223372036854775808"},
		{name: "project id beyond bigint", method: "GET", path: "/api/projects/99999999999999999999/experiment_holdouts/"},
		{name: "holdout id beyond bigint", method: "GET", path: rsList + "99999999999999999999/"},
		{name: "holdout id with spaces", method: "GET", path: rsList + "%201%20/"},
		{name: "project id with a sign", method: "GET", path: "/api/projects/+1/experiment_holdouts/1/"},
		{name: "DELETE the bool one", method: "DELETE", path: rsList + "11/"},
		{name: "DELETE the huge name", method: "DELETE", path: rsList + "12/"},
		{name: "DELETE the repeated keys", method: "DELETE", path: rsList + "13/"},
		{name: "DELETE the deep one", method: "DELETE", path: rsList + "14/"},
		create("an integer beyond 64 bits is stored, then cannot be rendered", `{"name":"poison","filters":[{"rollout_percentage":1,"big":100000000000000000000}]}`),
		{name: "the list cannot be rendered either", method: "GET", path: rsList},
		{name: "delete it", method: "DELETE", path: rsList + "15/"},
		create("a float beyond 64 bits reads back as an integer", `{"name":"poison2","filters":[{"rollout_percentage":1,"big":1e20}]}`),
		{name: "so the list fails again", method: "GET", path: rsList},
		{name: "delete that too", method: "DELETE", path: rsList + "16/"},
		{name: "the list is readable again", method: "GET", path: rsList, unordered: true},
	})
}

func TestRealstackExperiments(t *testing.T) {
	at := func(h int) time.Time { return time.Date(2020, 1, 1, h, 0, 0, 0, time.UTC) }
	tp := func(h int) *time.Time { x := at(h); return &x }
	id := func(n int64) *int64 { return &n }
	d := newDiffEnv(t,
		[]rsHoldout{
			{ID: 1, Project: 1, Name: "h1", Filters: []map[string]any{{"rollout_percentage": 10, "properties": []any{}}}},
			{ID: 2, Project: 1, Name: "h2", Filters: []map[string]any{{"rollout_percentage": 20}}},
			{ID: 3, Project: 2, Name: "elsewhere", Filters: []map[string]any{{"rollout_percentage": 30}}},
		},
		[]rsExperiment{
			{ID: 1, Project: 1, Name: "draft alpha", HoldoutID: id(1), Created: at(1)},
			{ID: 2, Project: 1, Name: "running beta", HoldoutID: id(1), Start: tp(2), Created: at(2)},
			{ID: 3, Project: 1, Name: "stopped gamma", HoldoutID: id(1), Start: tp(2), End: tp(3), Created: at(3)},
			{ID: 4, Project: 1, Name: "paused delta", HoldoutID: id(1), Start: tp(2), Created: at(4), paused: true},
			{ID: 5, Project: 1, Name: "archived epsilon", HoldoutID: id(1), Start: tp(2), Archived: true, Created: at(5)},
			{ID: 6, Project: 1, Name: "deleted zeta", HoldoutID: id(1), Start: tp(2), Deleted: true, Created: at(6)},
			{ID: 7, Project: 1, Name: "other holdout", HoldoutID: id(2), Start: tp(2), Created: at(7)},
			{ID: 8, Project: 1, Name: "no holdout", Created: at(8)},
			{ID: 9, Project: 2, Name: "project two", HoldoutID: id(3), Created: at(9)},
		})
	const xs = "/api/projects/1/experiments/"
	list := func(name, query string) diffCall {
		return diffCall{name: name, method: "GET", path: xs + query, experiments: true}
	}
	d.run([]diffCall{
		list("default: newest first, no archived, no deleted", ""),
		list("archived only", "?archived=true"),
		list("archived=false", "?archived=false"),
		list("archived=1 is not true", "?archived=1"),
		list("running", "?status=running"),
		list("paused", "?status=paused"),
		list("complete", "?status=complete"),
		list("draft", "?status=draft"),
		list("search", "?search=ALPHA"),
		list("order by name", "?order=name"),
		list("order by start_date, nulls last", "?order=start_date"),
		list("page", "?limit=2&offset=2"),
		{name: "bad order", method: "GET", path: xs + "?order=id"},
		{name: "experiments need experiment:read", method: "GET", path: xs, key: rsKeyRead},
		{name: "experiment:read lists them", method: "GET", path: xs + "?limit=1", key: rsKeyExpRead, experiments: true},
		{name: "rename: no flag rewrite", method: "PATCH", path: rsList + "1/", body: `{"name":"renamed"}`},
		{name: "same filters with variant: no flag rewrite", method: "PATCH", path: rsList + "1/", body: `{"filters":[{"properties":[],"variant":"holdout-1","rollout_percentage":10.0}]}`},
	})
	d.flagSaves(1)
	d.run([]diffCall{
		{name: "same filters without variant: flags rewritten", method: "PATCH", path: rsList + "1/", body: `{"filters":[{"rollout_percentage":10,"properties":[]}]}`},
		{name: "new exclusion", method: "PATCH", path: rsList + "1/", body: `{"filters":[{"rollout_percentage":15}]}`},
		list("flags carry the new exclusion", ""),
		list("archived ones too", "?archived=true"),
	})
	d.flagSaves(1)
	d.run([]diffCall{
		{name: "delete the holdout", method: "DELETE", path: rsList + "1/"},
		list("experiments lose it", ""),
		list("archived ones too", "?archived=true"),
	})
	d.flagSaves(1)
}

func TestRealstackThrottle(t *testing.T) {
	d := newDiffEnv(t, nil, nil)
	d.control("POST", "config", map[string]any{"throttle": true, "burst_rate": "3/minute", "sustained_rate": "1000/hour", "throttle_scale": 1})
	t.Cleanup(func() { d.control("POST", "config", map[string]any{"throttle": false}) })
	d.emu.SetThrottle(3, 1000, 1)
	d.run([]diffCall{
		{name: "1", method: "GET", path: rsList},
		{name: "2", method: "GET", path: rsList + "?personal_api_key=" + rsKeyAll, key: "-"},
		{name: "3", method: "HEAD", path: rsList},
		{name: "refused", method: "GET", path: rsList},
		{name: "refused, whatever the route", method: "POST", path: rsList, body: `{}`},
		{name: "a key in the body is not throttled", method: "POST", path: rsList, key: "-", body: `{"personal_api_key":"` + rsKeyAll + `"}`},
		{name: "another key has its own budget", method: "GET", path: rsList + "1/", key: rsKeyRead},
		{name: "refused before the lookup", method: "GET", path: rsList + "1/"},
		{name: "an unknown project comes first", method: "GET", path: "/api/projects/999/experiment_holdouts/"},
	})
}
