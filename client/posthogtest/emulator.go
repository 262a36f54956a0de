package posthogtest

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultKey is the personal API key that New registers: all scopes ("*"),
// every project, current project DefaultProject, user DefaultUser().
const DefaultKey = "phx_posthogtest_0000000000000000000000000000000000000000"

// DefaultProject is the project that New creates.
const DefaultProject int64 = 1

// User is a PostHog user, as it appears in created_by.
type User struct {
	ID         int64
	UUID       string
	DistinctID string
	FirstName  string
	LastName   string
	Email      string
}

// DefaultUser is the user behind DefaultKey (the one in the wire examples).
// Keys registered with a zero User act as this user too.
func DefaultUser() User {
	return User{
		ID:         1,
		UUID:       "0191a3c2-5e7b-7000-8000-00000000e001",
		DistinctID: "018f2a4c-distinct-id",
		FirstName:  "Jane",
		LastName:   "Doe",
		Email:      "jane@example.com",
	}
}

// Key describes a personal API key.
type Key struct {
	// Scopes such as "experiment_holdout:read", "experiment:write" or "*".
	// nil or empty is an unscoped legacy key, allowed everything.
	Scopes []string
	// Projects the key may access; nil or empty means all (PostHog treats
	// an empty scoped_teams the same way).
	Projects []int64
	// CurrentProject is what "@current" resolves to, on every request
	// (SetCurrentProject changes it); a project that does not exist makes
	// "@current" a 404.
	CurrentProject int64
	// User becomes created_by of what the key creates; the zero User means
	// DefaultUser().
	User User
}

// Holdout is a stored experiment holdout.
type Holdout struct {
	ID          int64
	Name        string
	Description *string
	// Filters are the release-condition groups as stored, including the
	// server-managed "variant". Holdouts and Holdout return numbers as
	// json.Number holding the text PostHog prints (10 stays 10, 10.0 stays
	// 10.0); Seed accepts any value encoding/json can marshal.
	Filters   []map[string]any
	CreatedBy *User // nil when the creator was deleted (created_by null)
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Request is one request the emulator served. It never holds the
// Authorization header or the value of a personal_api_key, in the query
// or in the body.
type Request struct {
	Method   string
	Path     string
	RawQuery string // with personal_api_key values replaced by "REDACTED"
	// Body is the body as the emulator read it (nil when empty, or sent
	// without Content-Length), with every registered key, and the value of
	// a personal_api_key member or form field, replaced by "REDACTED".
	Body []byte
	// Status is the status sent; 0 when the connection was dropped without
	// a response (a fault, or the client went away during injected latency).
	Status int
}

// Emulator is an in-memory PostHog serving the experiment-holdouts API and
// the experiments list over HTTP. It is an http.Handler; all methods are
// safe for concurrent use. See the package documentation for the contract.
type Emulator struct {
	mu sync.Mutex

	now         func() time.Time
	scopeObject string
	shuffleSeed int64
	// reorderSeed (SetReorderEachList) and the number of list requests
	// ordered with it.
	reorderSeed  int64
	reorderLists int
	rng          *rand.Rand // change-request uuids, deterministic

	projects     map[int64]bool
	projectNames map[int64]string // SetProjectName
	keys         map[string]Key
	holdouts     map[int64]*holdoutRow   // by id; ids are global, like a Postgres sequence
	byProject    map[int64][]*holdoutRow // cache of projectHoldouts
	experiments  map[int64]*experimentRow
	lastHoldout  int64
	lastExp      int64
	lastFlag     int64

	requests  []Request
	stats     Stats
	received  int                          // requests received, for onRequest
	onRequest func(n int, r *http.Request) // SetOnRequest

	approvalsOn    bool
	changeRequests []*changeRequest
	throttle       throttleState
	faults         faultState
}

type holdoutRow struct {
	id          int64
	project     int64
	name        string
	description *string
	filters     any // as read back from jsonb: []any of *object in jsonb key order
	createdBy   *User
	createdAt   time.Time
	updatedAt   time.Time
	rendered    rawJSON // the stored rendering, renewed by every write
}

// New returns an emulator with project DefaultProject, DefaultKey
// registered, scope object "experiment_holdout", lists in their own order
// (holdouts by id, experiments newest first) and the real clock.
func New() *Emulator {
	e := &Emulator{
		now:          time.Now,
		scopeObject:  "experiment_holdout",
		rng:          rand.New(rand.NewPCG(0x706f7374, 0x686f67)),
		projects:     map[int64]bool{DefaultProject: true},
		projectNames: map[int64]string{},
		keys:         map[string]Key{},
		holdouts:     map[int64]*holdoutRow{},
		byProject:    map[int64][]*holdoutRow{},
		experiments:  map[int64]*experimentRow{},
	}
	e.keys[DefaultKey] = Key{Scopes: []string{"*"}, CurrentProject: DefaultProject, User: DefaultUser()}
	return e
}

// AddProject makes project id exist. Adding an existing project does
// nothing.
func (e *Emulator) AddProject(id int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.projects[id] = true
}

// AddKey registers (or replaces) a personal API key.
func (e *Emulator) AddKey(key string, k Key) {
	k.Scopes = slices.Clone(k.Scopes)
	k.Projects = slices.Clone(k.Projects)
	if k.User == (User{}) {
		k.User = DefaultUser()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.keys[key] = k
}

// SetScopeObject sets the scope object the holdout endpoints require:
// "experiment_holdout" (the default, newest PostHog) or "experiment"
// (older deploys). The experiments list always requires experiment:read.
func (e *Emulator) SetScopeObject(obj string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.scopeObject = obj
}

// SetShuffle makes lists return rows in a pseudo-random order derived
// from seed and each row's id: deterministic, the same on every request,
// so offset pagination sees every row exactly once. A new row lands at
// its own place in that order. Seed 0 restores the list's own order (id
// order for holdouts, newest first for experiments).
func (e *Emulator) SetShuffle(seed int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.shuffleSeed = seed
}

// SetReorderEachList makes every list request (holdouts and experiments)
// see its rows in a different pseudo-random order, as PostgreSQL may
// return a query without ORDER BY in a new plan's order between two page
// reads with no write at all: an offset listing then repeats some rows
// and skips others, while each page's count stays right. The order of the
// Nth list request since this call depends only on seed and N, so a
// sequential run is reproducible. Seed 0 turns it off (SetShuffle's order,
// if set, applies again). To let a client's re-read settle, turn it off
// from SetOnRequest after some requests.
func (e *Emulator) SetReorderEachList(seed int64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.reorderSeed = seed
	e.reorderLists = 0
}

// SetClock sets the clock used for timestamps and throttling; nil
// restores time.Now.
func (e *Emulator) SetClock(now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = now
}

// Seed stores h in project as if it had been created through the API and
// returns the stored copy. The project is created if missing.
//
//   - ID 0 takes the next id; a positive ID is used as is (later ids
//     continue after it). Seed panics if that id is taken.
//   - Every filter group gets variant "holdout-{id}", as create does.
//   - CreatedBy nil means DefaultUser(); a pointer to the zero User means
//     a deleted creator (created_by null).
//   - Zero CreatedAt means now; zero UpdatedAt means CreatedAt.
//   - Name and Description are stored as given, without validation.
//
// Seed panics if h.Filters cannot be marshalled as JSON.
func (e *Emulator) Seed(project int64, h Holdout) Holdout {
	fv, err := fromGo(h.Filters)
	if err != nil {
		panic(fmt.Sprintf("posthogtest: Seed: filters: %v", err))
	}
	groups, _ := fv.([]any)
	if groups == nil {
		groups = []any{}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	id := h.ID
	switch {
	case id == 0:
		e.lastHoldout++
		id = e.lastHoldout
	case e.holdouts[id] != nil:
		panic(fmt.Sprintf("posthogtest: Seed: holdout id %d is taken", id))
	case id < 0:
		panic(fmt.Sprintf("posthogtest: Seed: negative holdout id %d", id))
	default:
		e.lastHoldout = max(e.lastHoldout, id)
	}
	e.projects[project] = true
	for i, g := range groups {
		o, ok := g.(*object)
		if !ok {
			o = newObject()
			groups[i] = o
		}
		o.set("variant", fmt.Sprintf("holdout-%d", id))
	}
	row := &holdoutRow{
		id:        id,
		project:   project,
		name:      h.Name,
		filters:   toJSONB(groups),
		createdAt: h.CreatedAt,
		updatedAt: h.UpdatedAt,
	}
	if h.Description != nil {
		d := *h.Description
		row.description = &d
	}
	switch {
	case h.CreatedBy == nil:
		u := DefaultUser()
		row.createdBy = &u
	case *h.CreatedBy != (User{}):
		u := *h.CreatedBy
		row.createdBy = &u
	}
	if row.createdAt.IsZero() {
		row.createdAt = e.now()
	}
	if row.updatedAt.IsZero() {
		row.updatedAt = row.createdAt
	}
	row.createdAt, row.updatedAt = dbTime(row.createdAt), dbTime(row.updatedAt)
	row.restored()
	e.holdouts[id] = row
	e.holdoutsChanged(project)
	return row.public()
}

// Holdouts returns deep copies of project's holdouts, sorted by id.
func (e *Emulator) Holdouts(project int64) []Holdout {
	e.mu.Lock()
	defer e.mu.Unlock()
	rows := e.projectHoldouts(project)
	out := make([]Holdout, len(rows))
	for i, r := range rows {
		out[i] = r.public()
	}
	return out
}

// Holdout returns a deep copy of holdout id in project.
func (e *Emulator) Holdout(project, id int64) (Holdout, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	r := e.holdouts[id]
	if r == nil || r.project != project {
		return Holdout{}, false
	}
	return r.public(), true
}

// Requests returns every request served since New or ResetRequests, in
// order.
func (e *Emulator) Requests() []Request {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.requests)
}

// ResetRequests empties the request log (Stats keeps counting).
func (e *Emulator) ResetRequests() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests = nil
}

func (r *holdoutRow) public() Holdout {
	h := Holdout{ID: r.id, Name: r.name, CreatedAt: r.createdAt, UpdatedAt: r.updatedAt}
	if r.description != nil {
		d := *r.description
		h.Description = &d
	}
	if r.createdBy != nil {
		u := *r.createdBy
		h.CreatedBy = &u
	}
	if groups, ok := r.filters.([]any); ok {
		h.Filters = make([]map[string]any, 0, len(groups))
		for _, g := range groups {
			m, _ := toGo(g).(map[string]any)
			h.Filters = append(h.Filters, m)
		}
	}
	return h
}

// projectHoldouts lists project's holdouts in id order. The slice is
// cached until the project's set of holdouts changes: callers must not
// modify it. The caller holds e.mu.
func (e *Emulator) projectHoldouts(project int64) []*holdoutRow {
	if rows, ok := e.byProject[project]; ok {
		return rows
	}
	var rows []*holdoutRow
	for _, r := range e.holdouts {
		if r.project == project {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *holdoutRow) int { return cmp.Compare(a.id, b.id) })
	e.byProject[project] = rows
	return rows
}

// holdoutsChanged drops project's cached id order; the caller holds e.mu.
func (e *Emulator) holdoutsChanged(project int64) { delete(e.byProject, project) }

// listOrder puts the rows of one list request in SetReorderEachList's or
// SetShuffle's order, in place; rows come in the list's own order, which
// stays as it is when neither is on. The caller holds e.mu.
func listOrder[T any](e *Emulator, rows []T, id func(T) int64) {
	seed := uint64(e.shuffleSeed)
	if e.reorderSeed != 0 {
		e.reorderLists++
		seed = mix(uint64(e.reorderSeed), uint64(e.reorderLists)) | 1
	}
	if seed == 0 {
		return
	}
	type keyed struct {
		key uint64
		pos int
		row T
	}
	ks := make([]keyed, len(rows))
	for i, r := range rows {
		ks[i] = keyed{mix(seed, uint64(id(r))), i, r}
	}
	slices.SortFunc(ks, func(a, b keyed) int {
		if c := cmp.Compare(a.key, b.key); c != 0 {
			return c
		}
		return cmp.Compare(a.pos, b.pos)
	})
	for i, k := range ks {
		rows[i] = k.row
	}
}

// mix is a splitmix64 finaliser of seed and id.
func mix(seed, id uint64) uint64 {
	z := seed ^ (id * 0x9E3779B97F4A7C15)
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
	z = (z ^ (z >> 27)) * 0x94D049BB133111EB
	return z ^ (z >> 31)
}

// dbTime truncates t to Postgres' microsecond precision, in UTC.
func dbTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// pyTime formats t as DRF's DateTimeField does: Python's isoformat in UTC
// with "Z"; the fraction is omitted when the microseconds are zero.
func pyTime(t time.Time) string { return string(appendPyTime(nil, t)) }

func appendPyTime(b []byte, t time.Time) []byte {
	t = dbTime(t)
	b = t.AppendFormat(b, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		var frac [7]byte
		frac[0] = '.'
		for i := 6; i > 0; i-- {
			frac[i] = byte('0' + us%10)
			us /= 10
		}
		b = append(b, frac[:]...)
	}
	return append(b, 'Z')
}

// newUUID returns a version-4 UUID from the emulator's seeded generator,
// so runs are reproducible.
func (e *Emulator) newUUID() string {
	var b [16]byte
	for i := range b {
		b[i] = byte(e.rng.Uint32())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// logRequest appends to the request log and counts the request; the
// caller holds e.mu.
func (e *Emulator) logRequest(r *http.Request, body []byte, status int) {
	e.stats.count(r)
	e.requests = append(e.requests, Request{
		Method:   r.Method,
		Path:     e.redact(r.URL.Path),
		RawQuery: e.redact(redactQuery(r.URL.RawQuery)),
		Body:     e.redactBody(body),
		Status:   status,
	})
}

// redactBody is body with every registered key, the value of a
// personal_api_key member of a JSON object, and the value of a
// personal_api_key form field replaced by "REDACTED". The caller holds
// e.mu.
func (e *Emulator) redactBody(body []byte) []byte {
	if len(body) == 0 || len(body) > maxBodyBytes {
		return nil
	}
	s := e.redact(string(body))
	if !strings.Contains(s, "personal_api_key") {
		return []byte(s)
	}
	v, err := decodeJSON([]byte(s))
	if err != nil {
		return []byte(redactQuery(s)) // a form body, or not JSON at all
	}
	o, ok := v.(*object)
	if !ok {
		return []byte(s)
	}
	key, ok := o.get("personal_api_key")
	if !ok || key == "REDACTED" {
		return []byte(s)
	}
	if k, ok := key.(string); ok {
		if quoted := string(encodeJSON(k)); strings.Contains(s, quoted) {
			return []byte(strings.ReplaceAll(s, quoted, `"REDACTED"`))
		}
	}
	// Not findable as written (escaped, or not a string): the body
	// re-encoded with the value replaced.
	o.set("personal_api_key", "REDACTED")
	return encodeJSON(o)
}

// redactQuery replaces the value of every personal_api_key parameter.
func redactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		name, _, _ := strings.Cut(p, "=")
		if pyUnquotePlus(name) == "personal_api_key" {
			parts[i] = name + "=REDACTED"
		}
	}
	return strings.Join(parts, "&")
}

// redact removes any registered key (of 8 or more characters) that
// appears in s, raw or percent-encoded; the caller holds e.mu.
func (e *Emulator) redact(s string) string {
	for k := range e.keys {
		if len(k) < 8 {
			continue
		}
		for _, form := range []string{k, queryEscape(k)} {
			s = strings.ReplaceAll(s, form, "REDACTED")
		}
	}
	return s
}
