package posthogtest

import (
	"fmt"
	"net/http"
	"time"
)

// Experiment is an experiment in the experiments list, reduced to what
// the holdout blast radius needs.
type Experiment struct {
	ID        int64
	Name      string
	StartDate *time.Time
	EndDate   *time.Time
	// Status is "draft", "running" or "stopped"; "" leaves the status
	// field out of responses, as older PostHog versions do.
	Status    string
	HoldoutID int64 // 0 = none
	Archived  bool
}

type experimentRow struct {
	Experiment
	project   int64
	flagID    int64
	createdAt time.Time
	// holdoutCleared: the holdout was deleted, so the flag's
	// filters.holdout is null rather than absent.
	holdoutCleared bool
}

// AddExperiment stores x in project and returns the stored copy. ID 0
// takes the next id; a positive ID is used as is (AddExperiment panics if
// it is taken). The project is created if missing. HoldoutID, when set,
// must name a holdout of that project, or AddExperiment panics. The
// experiment is created by DefaultUser() at the emulator's current time,
// with feature flag "experiment-{id}".
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
	e.lastFlag++
	e.experiments[x.ID] = &experimentRow{Experiment: x, project: project, flagID: e.lastFlag, createdAt: dbTime(e.now())}
	return e.experiments[x.ID].public()
}

// Experiments returns project's experiments sorted by id. HoldoutID is 0
// once the holdout has been deleted.
func (e *Emulator) Experiments(project int64) []Experiment {
	e.mu.Lock()
	defer e.mu.Unlock()
	rows := e.projectExperiments(project, false)
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

func copyTime(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	c := dbTime(*t)
	return &c
}

func (e *Emulator) projectExperiments(project int64, listOrder bool) []*experimentRow {
	var rows []*experimentRow
	for _, r := range e.experiments {
		if r.project == project {
			rows = append(rows, r)
		}
	}
	sortRows(e, rows, func(r *experimentRow) int64 { return r.ID }, listOrder)
	return rows
}

func (q *apiRequest) listExperiments() *response {
	rows := q.e.projectExperiments(q.project, true)
	p := paginate(q.r, len(rows))
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
		holdout = h.json(h.filters)
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
			"active", true,
			"ensure_experience_continuity", false,
		),
		"holdout", holdout,
		"exposure_cohort", nil,
		"parameters", newObject(),
		"archived", x.Archived,
		"deleted", false,
		"created_by", userJSON(&user),
		"created_at", pyTime(x.createdAt),
		"updated_at", pyTime(x.createdAt),
		"type", "product",
		"conclusion", nil,
		"conclusion_comment", nil,
	)
	if x.Status != "" {
		o.set("status", x.Status)
	}
	o.set("is_legacy", false)
	o.set("user_access_level", "manager")
	return o
}
