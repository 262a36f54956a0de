package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/hogsync/hogsync/internal/canon"
)

// SavedPlan is a plan written by RenderJSON (sync --plan-out) and read back
// by sync --plan to apply exactly what was reviewed.
type SavedPlan struct {
	FormatVersion string       `json:"format_version"`
	Host          string       `json:"host"`
	Project       string       `json:"project"`
	Prune         bool         `json:"prune"`
	Changes       []jsonChange `json:"changes"`
}

// ReadSavedPlan decodes a JSON plan, refusing other format versions.
func ReadSavedPlan(r io.Reader) (SavedPlan, error) {
	dec := json.NewDecoder(r)
	dec.UseNumber()
	var s SavedPlan
	if err := dec.Decode(&s); err != nil {
		return SavedPlan{}, fmt.Errorf("not a hogsync JSON plan: %w", err)
	}
	if s.FormatVersion != FormatVersion {
		return SavedPlan{}, fmt.Errorf("plan format_version %q: this hogsync reads %q; make the plan again with this version", s.FormatVersion, FormatVersion)
	}
	return s, nil
}

// Stale compares the saved plan with one computed now from the same
// manifests and PostHog's current state. It returns what differs, one
// line per difference in words a reviewer can act on, or nothing when
// applying the current plan does exactly what the saved one showed.
func (s SavedPlan) Stale(current Plan, meta Meta) []string {
	var diffs []string
	if s.Host != meta.Host || s.Project != meta.Project {
		diffs = append(diffs, fmt.Sprintf("the plan was made for project %s at %s, not project %s at %s", s.Project, s.Host, meta.Project, meta.Host))
	}
	saved := map[string]string{}
	var keys []string
	for _, c := range s.Changes {
		k := changeKey(c.Action, c.Name, c.ID)
		saved[k] = fingerprint(c.Before, c.After, c.Experiments)
		keys = append(keys, k)
	}
	now := map[string]string{}
	for _, c := range current.Changes {
		jc := jsonChange{Action: c.Action.String(), Name: c.Name, ID: idOrNil(c.ID), Before: stateOrNil(c.Before), After: stateOrNil(c.After)}
		k := changeKey(jc.Action, jc.Name, jc.ID)
		now[k] = fingerprint(jc.Before, jc.After, jsonExperiments(c.Experiments))
		if _, ok := saved[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("now also: %s", k))
		}
	}
	for _, k := range keys {
		fp, ok := now[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("no longer needed or no longer possible: %s", k))
		case fp != saved[k]:
			diffs = append(diffs, fmt.Sprintf("changed since it was planned (in PostHog, in the experiments using it, or in the manifest): %s", k))
		}
	}
	slices.Sort(diffs)
	return diffs
}

// Enforce returns p with every change that the saved plan showed as
// blocked held back again, whatever blocks it now: --force at apply time
// must not apply what the reviewed plan said it would not. Call it on the
// plan made now, after Stale found nothing, and apply what it returns.
func (s SavedPlan) Enforce(p Plan) Plan {
	blocked := map[string]bool{}
	for _, c := range s.Changes {
		if len(c.BlockedBy) > 0 || c.BlockedReason != "" {
			blocked[changeKey(c.Action, c.Name, c.ID)] = true
		}
	}
	out := p
	out.Changes = slices.Clone(p.Changes)
	for i := range out.Changes {
		c := &out.Changes[i]
		if blocked[changeKey(c.Action.String(), c.Name, idOrNil(c.ID))] && !c.Blocked() {
			c.Blocker = "the reviewed plan (--plan) showed this change as blocked, and --force at apply time does not change what was reviewed; make a new plan with --force, review it, and apply that"
		}
	}
	return out
}

func changeKey(action, name string, id *int64) string {
	if id == nil {
		return fmt.Sprintf("%s holdout %q", action, name)
	}
	return fmt.Sprintf("%s holdout %q (id %d)", action, name, *id)
}

// fingerprint is the canonical JSON of a change's two sides, numbers
// normalised, and of the experiments it affects (what the reviewer was
// shown), so a plan read back from a file compares equal to the same plan
// computed again, and to nothing else.
func fingerprint(before, after *jsonState, experiments []jsonExperiment) string {
	var b bytes.Buffer
	b.Write(canon.JSON(experiments))
	b.WriteByte(';')
	for _, s := range []*jsonState{before, after} {
		if s == nil {
			b.WriteString("null;")
			continue
		}
		b.Write(canon.JSON([]any{s.Name, s.Description, s.Filters}))
		b.WriteByte(';')
	}
	return b.String()
}
