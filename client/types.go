package client

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Holdout is an experiment holdout as PostHog returns it. Read-only fields
// the reconciler does not use (created_by, user_access_level) are not kept.
type Holdout struct {
	ID          int64   `json:"id"`
	Name        string  `json:"name"`
	Description *string `json:"description"`
	// Filters are the release-condition groups exactly as the server sent
	// them, as JSON text, the server-managed "variant" key still in them
	// (nil when the server sent none). They are kept as text, not decoded:
	// a plan compares each holdout's filters in canonical form
	// (internal/canon reads them from the text) and decodes only those it
	// shows. FilterGroups decodes them.
	//
	// A Holdout the client decoded from a response always holds null or a
	// list of objects and nulls here (anything else fails the request, as
	// it did when the groups were decoded); one made by hand must too.
	Filters   json.RawMessage `json:"filters"`
	CreatedAt string          `json:"created_at,omitempty"`
	UpdatedAt string          `json:"updated_at,omitempty"`
}

// FilterGroups decodes Filters as encoding/json does with
// json.Decoder.UseNumber: numbers are json.Number, and "variant" is still
// present. Absent or null filters are nil. The error is non-nil only for
// Filters a Holdout made by hand holds that are not filter groups.
func (h Holdout) FilterGroups() ([]map[string]any, error) {
	if len(h.Filters) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(h.Filters))
	dec.UseNumber()
	var gs []map[string]any
	if err := dec.Decode(&gs); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("json: text after the filters")
	}
	return gs, nil
}

// HoldoutInput is the body of a create (POST) or a full update (PATCH with
// every writable field). It never carries "variant": the server owns it.
type HoldoutInput struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Filters     []map[string]any `json:"filters"`
}

// HoldoutPatch is the body of a partial update (PATCH): only the fields
// that are set are sent. A PATCH that carries "filters" different from the
// stored ones (which hold the server's "variant") makes PostHog re-save the
// feature flag of every experiment that uses the holdout, so a rename or a
// new description must leave Filters nil.
type HoldoutPatch struct {
	Name        *string          `json:"name,omitempty"`
	Description *string          `json:"description,omitempty"`
	Filters     []map[string]any `json:"filters,omitempty"`
}

// IsEmpty reports whether the patch would change nothing.
func (p HoldoutPatch) IsEmpty() bool {
	return p.Name == nil && p.Description == nil && p.Filters == nil
}

// Experiment is the part of an experiments-list item the blast radius needs.
type Experiment struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
	// Archived is set for experiments PostHog lists only when asked for
	// archived ones (ListExperiments reads both lists).
	Archived bool `json:"archived"`
	Deleted  bool `json:"deleted"`
	// Status is one of the Experiment* constants on newer servers (or one
	// this client does not know), "" on older ones; use State, which
	// derives it from the dates when absent.
	Status         string             `json:"status"`
	FeatureFlagKey string             `json:"feature_flag_key"`
	Holdout        *ExperimentHoldout `json:"holdout"`
}

// ExperimentHoldout is the nested holdout object of an experiments-list item.
type ExperimentHoldout struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Experiment statuses, as PostHog names them. Paused and exposure-frozen
// experiments are launched and not ended: PostHog counts them as
// running (is_running), and so should anything that asks whether a change
// touches a live experiment. A status not listed here may be a newer one.
const (
	ExperimentDraft   = "draft"
	ExperimentRunning = "running"
	// ExperimentPaused is launched with its feature flag switched off.
	ExperimentPaused = "paused"
	// ExperimentExposureFrozen is launched with enrolment frozen.
	ExperimentExposureFrozen = "exposure_frozen"
	ExperimentStopped        = "stopped"
)

// State is the experiment's status: the server's when it sends one (which
// may be a status this client does not know), otherwise derived from the
// dates as PostHog does (draft = not started, running = started and not
// ended, stopped = ended).
func (e Experiment) State() string {
	if e.Status != "" {
		return e.Status
	}
	switch {
	case e.StartDate == nil || *e.StartDate == "":
		return ExperimentDraft
	case e.EndDate == nil || *e.EndDate == "":
		return ExperimentRunning
	default:
		return ExperimentStopped
	}
}

// HoldoutID is the id of the holdout the experiment uses, if any.
func (e Experiment) HoldoutID() (int64, bool) {
	if e.Holdout == nil {
		return 0, false
	}
	return e.Holdout.ID, true
}
