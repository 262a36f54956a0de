package posthogtest

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Experiment statuses PostHog serves ("status" on experiments). Paused
// and exposure_frozen are launched and not ended: PostHog's is_running is
// true for them.
const (
	StatusDraft          = "draft"
	StatusRunning        = "running"
	StatusPaused         = "paused" // launched, feature flag switched off
	StatusExposureFrozen = "exposure_frozen"
	StatusStopped        = "stopped"
)

// Experiment is an experiment in the experiments list, reduced to what
// the holdout blast radius needs.
type Experiment struct {
	ID        int64
	Name      string
	StartDate *time.Time
	EndDate   *time.Time
	// Status is served as "status": one of the Status constants, or any
	// other text as is. "" derives it from the dates, as PostHog's
	// computed status does: draft without StartDate, stopped with an
	// EndDate, running otherwise. A paused experiment's feature flag is
	// served with "active": false.
	Status    string
	HoldoutID int64 // 0 = none
	// Archived experiments are listed only by ?archived=true, which lists
	// nothing else; a holdout change still rewrites their flags.
	Archived bool
	// Deleted experiments (PostHog soft-deletes) are never listed, but a
	// holdout change still rewrites their flags.
	Deleted bool
	// HiddenByAccessControl experiments are ones the key's user may not
	// see: PostHog's access control leaves them out of the experiments
	// list (and its count), archived or not, but a holdout change still
	// rewrites their flags.
	HiddenByAccessControl bool
	// CreatedAt orders the list, newest first (PostHog's default
	// order_by("-created_at"); equal times come in id order). Zero means
	// the emulator's current time.
	CreatedAt time.Time
	// UpdatedAt is the experiment's last save, served as updated_at and
	// ordered by ?order=updated_at. A holdout change does not move it (it
	// saves the flag, and a deleted holdout is unlinked by an UPDATE that
	// sets no auto_now field). Zero means CreatedAt.
	UpdatedAt time.Time
	// FlagSaves counts the rewrites of the experiment's feature flag by a
	// holdout change: a PATCH or PUT whose filters differ from the stored
	// ones (including the server's variant), an approved such change, and
	// the deletion of its holdout. AddExperiment ignores it.
	FlagSaves int
}

type experimentRow struct {
	Experiment
	project int64
	flagID  int64
	// holdoutCleared: the holdout was deleted, so the flag's
	// filters.holdout is null rather than absent.
	holdoutCleared bool
}

// AddExperiment stores x in project and returns the stored copy. ID 0
// takes the next id; a positive ID is used as is (AddExperiment panics if
// it is taken). The project is created if missing. HoldoutID, when set,
// must name a holdout of that project, or AddExperiment panics. The
// experiment is created by DefaultUser(), with feature flag
// "experiment-{id}".
func (e *Emulator) AddExperiment(project int64, x Experiment) Experiment {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x.HoldoutID != 0 {
		if h := e.holdouts[x.HoldoutID]; h == nil || h.project != project {
			panic(fmt.Sprintf("posthogtest: AddExperiment: holdout %d not found in project %d", x.HoldoutID, project))
		}
	}
	switch {
	case x.ID == 0:
		e.lastExp++
		x.ID = e.lastExp
	case x.ID < 0 || e.experiments[x.ID] != nil:
		panic(fmt.Sprintf("posthogtest: AddExperiment: experiment id %d is taken or invalid", x.ID))
	default:
		e.lastExp = max(e.lastExp, x.ID)
	}
	e.projects[project] = true
	x.StartDate = copyTime(x.StartDate)
	x.EndDate = copyTime(x.EndDate)
	if x.CreatedAt.IsZero() {
		x.CreatedAt = e.now()
	}
	x.CreatedAt = dbTime(x.CreatedAt)
	if x.UpdatedAt.IsZero() {
		x.UpdatedAt = x.CreatedAt
	}
	x.UpdatedAt = dbTime(x.UpdatedAt)
	x.FlagSaves = 0
	e.lastFlag++
	e.experiments[x.ID] = &experimentRow{Experiment: x, project: project, flagID: e.lastFlag}
	return e.experiments[x.ID].public()
}

// Experiments returns project's experiments sorted by id, archived and
// deleted ones included. HoldoutID is 0 once the holdout has been
// deleted.
func (e *Emulator) Experiments(project int64) []Experiment {
	e.mu.Lock()
	defer e.mu.Unlock()
	var rows []*experimentRow
	for _, r := range e.experiments {
		if r.project == project {
			rows = append(rows, r)
		}
	}
	slices.SortFunc(rows, func(a, b *experimentRow) int { return cmp.Compare(a.ID, b.ID) })
	out := make([]Experiment, len(rows))
	for i, r := range rows {
		out[i] = r.public()
	}
	return out
}

func (r *experimentRow) public() Experiment {
	x := r.Experiment
	x.StartDate = copyTime(x.StartDate)
	x.EndDate = copyTime(x.EndDate)
	return x
}

// status is what PostHog serves as the experiment's status (its
// status_label).
func (x *Experiment) status() string {
	switch {
	case x.Status != "":
		return x.Status
	case x.StartDate == nil:
		return StatusDraft
	case x.EndDate != nil:
		return StatusStopped
	}
	return StatusRunning
}

// storedStatus is the status column PostHog filters on: draft, running or
// stopped. Paused and exposure-frozen experiments are stored as running
// (the label comes from their flag); a status hogsync does not know is
// stored as it is, and so matches no filter.
func (x *Experiment) storedStatus() string {
	switch s := x.status(); s {
	case StatusPaused, StatusExposureFrozen:
		return StatusRunning
	default:
		return s
	}
}

// flagActive is the experiment's feature flag's "active": off only for a
// paused experiment.
func (x *Experiment) flagActive() bool { return x.status() != StatusPaused }

// matchesStatus is PostHog's ?status= filter for one of draft, running,
// paused or stopped: running is the stored status with the flag on, so it
// includes exposure-frozen experiments; paused the same with the flag off.
func (x *Experiment) matchesStatus(status string) bool {
	switch status {
	case StatusRunning:
		return x.storedStatus() == StatusRunning && x.flagActive()
	case StatusPaused:
		return x.storedStatus() == StatusRunning && !x.flagActive()
	}
	return x.storedStatus() == status
}

// duration is PostHog's computed_duration: nil for a draft, end - start
// once ended, now - start before.
func (x *Experiment) duration(now time.Time) *time.Duration {
	if x.StartDate == nil {
		return nil
	}
	end := now
	if x.EndDate != nil {
		end = *x.EndDate
	}
	d := end.Sub(*x.StartDate)
	return &d
}

// statusSortKey is PostHog's status_sort_key, from the dates alone: 0 for
// a draft, 1 for launched and not ended, 2 for ended.
func (x *Experiment) statusSortKey() int {
	switch {
	case x.StartDate == nil:
		return 0
	case x.EndDate == nil:
		return 1
	}
	return 2
}

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := dbTime(*t)
	return &c
}

// experimentOrders are the ?order= values PostHog accepts (its
// EXPERIMENT_ORDER_ALLOWLIST), each in ascending order; now is the time of
// the request, for the duration of an experiment not ended.
var experimentOrders = map[string]func(a, b *experimentRow, now time.Time) int{
	"name":       func(a, b *experimentRow, _ time.Time) int { return strings.Compare(a.Name, b.Name) },
	"created_at": func(a, b *experimentRow, _ time.Time) int { return a.CreatedAt.Compare(b.CreatedAt) },
	"updated_at": func(a, b *experimentRow, _ time.Time) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
	"start_date": func(a, b *experimentRow, _ time.Time) int { return compareNullsLast(a.StartDate, b.StartDate) },
	"end_date":   func(a, b *experimentRow, _ time.Time) int { return compareNullsLast(a.EndDate, b.EndDate) },
	"duration": func(a, b *experimentRow, now time.Time) int {
		return nullsLast(a.duration(now), b.duration(now), cmp.Compare[time.Duration])
	},
	"status": func(a, b *experimentRow, _ time.Time) int { return cmp.Compare(a.statusSortKey(), b.statusSortKey()) },
}

// compareNullsLast orders times as Postgres does in ascending order:
// NULL after every value (and so first when descending).
func compareNullsLast(a, b *time.Time) int {
	return nullsLast(a, b, func(x, y time.Time) int { return x.Compare(y) })
}

// nullsLast compares a and b with by, a nil after every value.
func nullsLast[T any](a, b *T, by func(x, y T) int) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	return by(*a, *b)
}

// listExperiments is the experiments list as PostHog's
// filter_experiments_queryset builds it: deleted experiments never, nor
// those access control hides, archived ones only for ?archived=true (any
// other value of archived lists the others), then ?status= (see
// matchesStatus), ?search= (name, case-insensitive) and ?order= (default
// -created_at).
func (q *apiRequest) listExperiments() *response {
	pairs := parseQuery(q.r.URL.RawQuery)
	archived := false
	if v, ok := queryLast(pairs, "archived"); ok {
		archived = strings.ToLower(v) == "true"
	}
	status, _ := queryLast(pairs, "status")
	status = strings.ToLower(status)
	if status == "complete" {
		status = StatusStopped
	}
	switch status {
	case StatusDraft, StatusRunning, StatusPaused, StatusStopped:
	default:
		// No ExperimentQueryStatus ("all", "exposure_frozen", anything
		// else): no filter.
		status = ""
	}
	search, _ := queryLast(pairs, "search")
	search = strings.ToLower(search)
	order, _ := queryLast(pairs, "order")
	desc := true
	by := experimentOrders["created_at"]
	if order != "" {
		name, minus := strings.CutPrefix(order, "-")
		if by = experimentOrders[name]; by == nil {
			return validationError("invalid_input", fmt.Sprintf("Invalid order field: '%s'", order), nil)
		}
		desc = minus
	}

	var rows []*experimentRow
	for _, x := range q.e.experiments {
		if x.project != q.project || x.Deleted || x.HiddenByAccessControl || x.Archived != archived ||
			(status != "" && !x.matchesStatus(status)) ||
			(search != "" && !strings.Contains(strings.ToLower(x.Name), search)) {
			continue
		}
		rows = append(rows, x)
	}
	now := q.e.now()
	slices.SortFunc(rows, func(a, b *experimentRow) int {
		c := by(a, b, now)
		if desc {
			c = -c
		}
		if c == 0 {
			c = cmp.Compare(a.ID, b.ID)
		}
		return c
	})
	listOrder(q.e, rows, func(r *experimentRow) int64 { return r.ID })

	p, ok := paginate(q.r, len(rows))
	if !ok {
		return serverError()
	}
	results := make([]any, 0, p.hi-p.lo)
	for _, x := range rows[p.lo:p.hi] {
		results = append(results, q.e.experimentJSON(x))
	}
	return jsonResponse(http.StatusOK, obj("count", len(rows), "next", p.next, "previous", p.previous, "results", results))
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return pyTime(*t)
}

// firstPercentage is filters[0].rollout_percentage of a holdout, the
// exclusion its experiments' flags carry.
func firstPercentage(h *holdoutRow) any {
	groups, _ := h.filters.([]any)
	if len(groups) == 0 {
		return nil
	}
	g, _ := groups[0].(*object)
	if g == nil {
		return nil
	}
	v, _ := g.get("rollout_percentage")
	return v
}

// experimentJSON is one experiments-list item (see
// experiments-list-200.json). The flag's filters keep the order PostHog
// writes them in ({**filters, "holdout": ...}), as that example shows.
func (e *Emulator) experimentJSON(x *experimentRow) *object {
	key := fmt.Sprintf("experiment-%d", x.ID)
	flagFilters := obj(
		"groups", []any{obj("properties", []any{}, "rollout_percentage", pyInt("100"))},
		"multivariate", obj("variants", []any{
			obj("key", "control", "rollout_percentage", pyInt("50")),
			obj("key", "test", "rollout_percentage", pyInt("50")),
		}),
	)
	var holdout any
	if h := e.holdouts[x.HoldoutID]; x.HoldoutID != 0 && h != nil {
		holdout = h.stored()
		flagFilters.set("holdout", obj("id", h.id, "exclusion_percentage", firstPercentage(h)))
	} else if x.holdoutCleared {
		flagFilters.set("holdout", nil)
	}
	user := DefaultUser()
	o := obj(
		"id", x.ID,
		"name", x.Name,
		"description", nil,
		"start_date", optTime(x.StartDate),
		"end_date", optTime(x.EndDate),
		"feature_flag_key", key,
		"feature_flag", obj(
			"id", x.flagID,
			"team_id", x.project,
			"name", x.Name,
			"key", key,
			"filters", flagFilters,
			"deleted", false,
			"active", x.flagActive(),
			"ensure_experience_continuity", false,
		),
		"holdout", holdout,
		"exposure_cohort", nil,
		"parameters", newObject(),
		"archived", x.Archived,
		"deleted", x.Deleted,
		"created_by", userJSON(&user),
		"created_at", pyTime(x.CreatedAt),
		"updated_at", pyTime(x.UpdatedAt),
		"type", "product",
		"conclusion", nil,
		"conclusion_comment", nil,
	)
	o.set("status", x.status())
	o.set("is_legacy", false)
	o.set("user_access_level", "manager")
	return o
}
