package sync

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io"
	"slices"
	"strconv"

	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/manifest"
)

// IDMap says which id each exported holdout has in the project it was
// synced into, so experiments can be re-pointed after a migration. It is
// written by sync --apply --id-map. Documented in docs/json-format.md.
type IDMap struct {
	FormatVersion string `json:"format_version"`
	Host          string `json:"host"`
	Project       string `json:"project"`
	// IDs maps a source id (as a decimal string: JSON keys are strings) to
	// the target id, for every holdout that exists in the target after the
	// apply: created, updated, renamed or already equal.
	IDs map[string]int64 `json:"ids"`
	// Holdouts has one entry per manifest with a source id, by name, with
	// what happened to it; TargetID is null when it has none (a failed or
	// blocked create, a conflict).
	Holdouts []IDMapEntry `json:"holdouts"`
}

// IDMapEntry is one exported holdout's fate in the target project.
type IDMapEntry struct {
	Name     string `json:"name"`
	SourceID int64  `json:"source_id"`
	TargetID *int64 `json:"target_id"`
	// Status is "created", "matched" (it existed, changed or not) or the
	// apply status of a change that did not complete ("failed", "pending
	// approval", "not attempted", "blocked"), or "conflict".
	Status string `json:"status"`
}

// BuildIDMap pairs each desired holdout that carries a source id with its
// id in the target project, from the plan and the apply's report.
func BuildIDMap(desired []manifest.Holdout, p Plan, rep Report, meta Meta) IDMap {
	m := IDMap{FormatVersion: FormatVersion, Host: meta.Host, Project: meta.Project, IDs: map[string]int64{}, Holdouts: []IDMapEntry{}}
	results := map[string]Result{}
	for _, r := range rep.Results {
		if r.Change.Action != Delete {
			results[r.Change.Name] = r
		}
	}
	conflicts := map[string]bool{}
	for _, c := range p.Conflicts {
		conflicts[c.Name] = true
	}
	for _, d := range desired {
		if d.SourceID == 0 {
			continue
		}
		e := IDMapEntry{Name: d.Name, SourceID: d.SourceID}
		r, changed := results[d.Name]
		id, matched := p.Matched[d.Name]
		switch {
		case changed && r.Status != Done:
			e.Status = r.Status.String()
			if r.Change.Action == Update {
				e.TargetID = &id // it exists, just not changed yet
			}
		case changed && r.Change.Action == Create:
			e.Status, e.TargetID = "created", &r.ID
		case matched:
			e.Status, e.TargetID = "matched", &id
		case conflicts[d.Name]:
			e.Status = "conflict"
		default:
			continue // left out by --target
		}
		if e.TargetID != nil {
			m.IDs[strconv.FormatInt(d.SourceID, 10)] = *e.TargetID
		}
		m.Holdouts = append(m.Holdouts, e)
	}
	slices.SortFunc(m.Holdouts, func(a, b IDMapEntry) int { return cmp.Compare(a.Name, b.Name) })
	return m
}

// WriteIDMap writes m as indented JSON, with the runes that could reorder
// or recolour a terminal (in names) escaped.
func WriteIDMap(w io.Writer, m IDMap) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return err
	}
	_, err := w.Write(escape.JSON(buf.Bytes()))
	return err
}
