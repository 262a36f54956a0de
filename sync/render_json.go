package sync

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"

	"github.com/hogsync/hogsync/internal/escape"
)

// FormatVersion is the version of the JSON document RenderJSON writes.
// Fields are only ever added within a version; a rename or removal bumps it.
const FormatVersion = "1"

// Meta is what a rendered plan says about where it was made.
type Meta struct {
	Version string // hogsync's version
	Host    string
	Project string
	// HostSource and ProjectSource say where Host and Project came from,
	// such as "--project", "POSTHOG_PROJECT_ID" or "hogsync.yaml"; "" when
	// not known. The plan's header shows them.
	HostSource    string
	ProjectSource string
	Prune         bool
	Apply         bool
	// Refused says why the plan is not applied at all, whatever it holds
	// (more deletions than --max-deletes allow, or any other reason the
	// caller refuses the whole plan for); "" when it is not refused. The
	// JSON plan then says to_apply 0, the markdown plan says so on top.
	Refused string
}

// jsonDoc is the machine-readable plan (and apply report). Documented field
// by field in docs/json-format.md; keep the two in step.
type jsonDoc struct {
	FormatVersion    string   `json:"format_version"`
	HogsyncVersion   string   `json:"hogsync_version"`
	Host             string   `json:"host"`
	Project          string   `json:"project"`
	HostSource       string   `json:"host_source,omitempty"`
	ProjectSource    string   `json:"project_source,omitempty"`
	Partial          bool     `json:"partial"`
	Targets          []string `json:"targets,omitempty"`
	Prune            bool     `json:"prune"`
	Apply            bool     `json:"apply"`
	Refused          string   `json:"refused,omitempty"`
	BlastRadiusKnown bool     `json:"blast_radius_known"`
	// ExperimentsUnreadable is Plan.ExperimentsUnreadable.
	ExperimentsUnreadable string `json:"experiments_unreadable,omitempty"`
	// BlastRadiusNote is HiddenExperimentsNote(plan).
	BlastRadiusNote string         `json:"blast_radius_note,omitempty"`
	Changes         []jsonChange   `json:"changes"`
	Conflicts       []jsonConflict `json:"conflicts"`
	Unmanaged       []jsonRemote   `json:"unmanaged"`
	Protected       []jsonRemote   `json:"protected"`
	Summary         jsonSummary    `json:"summary"`
	Results         []jsonResult   `json:"results,omitempty"`
	ApplySummary    *jsonApplySum  `json:"apply_summary,omitempty"`
	// Duplicates and VerifyError: see Report.
	Duplicates  []jsonDuplicate `json:"duplicates,omitempty"`
	VerifyError string          `json:"verify_error,omitempty"`
}

type jsonDuplicate struct {
	Name    string  `json:"name"`
	IDs     []int64 `json:"ids"`
	Created []int64 `json:"created"`
	Error   string  `json:"error"`
}

type jsonChange struct {
	Action      string           `json:"action"`
	Name        string           `json:"name"`
	ID          *int64           `json:"id"`
	Rename      bool             `json:"rename"`
	Source      *jsonPos         `json:"source"`
	Before      *jsonState       `json:"before"`
	After       *jsonState       `json:"after"`
	Experiments []jsonExperiment `json:"experiments"`
	BlockedBy   []jsonExperiment `json:"blocked_by"`
	// BlockedReason is BlockedReason(change): why it is blocked, in words;
	// absent when it is not.
	BlockedReason string `json:"blocked_reason,omitempty"`
	Diff          string `json:"diff"`
	// RemoteUpdatedAt is PostHog's updated_at of the holdout when planned.
	RemoteUpdatedAt string `json:"remote_updated_at,omitempty"`
	// ExclusionBefore and ExclusionAfter are Change.Exclusion: null for a
	// side that does not exist.
	ExclusionBefore *json.Number `json:"exclusion_before"`
	ExclusionAfter  *json.Number `json:"exclusion_after"`
	Warnings        []string     `json:"warnings,omitempty"`
	// Fingerprint is Change.Fingerprint.
	Fingerprint string `json:"fingerprint,omitempty"`
}

type jsonPos struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
}

type jsonState struct {
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Filters     []map[string]any `json:"filters"`
}

type jsonExperiment struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	Status   string `json:"status"`
	Archived bool   `json:"archived,omitempty"`
}

type jsonConflict struct {
	Name   string   `json:"name"`
	IDs    []int64  `json:"ids"`
	Names  []string `json:"names"`
	Source *jsonPos `json:"source"`
	// RenamedID and StaleNames: see Conflict.
	RenamedID  *int64   `json:"renamed_id,omitempty"`
	StaleNames []string `json:"stale_previous_names,omitempty"`
	Advice     string   `json:"advice"`
}

type jsonRemote struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	Experiments []jsonExperiment `json:"experiments"`
	ProtectedBy string           `json:"protected_by,omitempty"`
}

type jsonSummary struct {
	Create     int  `json:"create"`
	Update     int  `json:"update"`
	Delete     int  `json:"delete"`
	Blocked    int  `json:"blocked"`
	Conflicts  int  `json:"conflicts"`
	Unmanaged  int  `json:"unmanaged"`
	Protected  int  `json:"protected"`
	HasChanges bool `json:"has_changes"`
	// ToApply is how many changes an apply of this plan sends to PostHog:
	// those not blocked, none when the plan is refused. HasChanges stays
	// true for a refused plan, or one whose changes are all blocked.
	ToApply int `json:"to_apply"`
}

type jsonResult struct {
	Action          string `json:"action"`
	Name            string `json:"name"`
	ID              *int64 `json:"id"`
	Status          string `json:"status"`
	ChangeRequestID string `json:"change_request_id,omitempty"`
	Error           string `json:"error,omitempty"`
	Note            string `json:"note,omitempty"`
	// Seq is the result's place in completion order, from 1.
	Seq int `json:"seq,omitempty"`
}

type jsonApplySum struct {
	Done         int `json:"done"`
	Failed       int `json:"failed"`
	Pending      int `json:"pending_approval"`
	NotAttempted int `json:"not_attempted"`
	Blocked      int `json:"blocked"`
	Duplicates   int `json:"duplicates"`
}

// RenderJSON writes the plan, and the apply report when rep is not nil, as
// one versioned JSON document.
func RenderJSON(w io.Writer, p Plan, meta Meta, rep *Report) error {
	c, u, d := p.Counts()
	doc := jsonDoc{
		FormatVersion: FormatVersion, HogsyncVersion: meta.Version,
		Host: meta.Host, Project: meta.Project, HostSource: meta.HostSource, ProjectSource: meta.ProjectSource,
		Partial: p.Partial, Targets: p.Targets,
		Prune: meta.Prune, Apply: meta.Apply, Refused: meta.Refused,
		BlastRadiusKnown: p.BlastRadiusKnown, ExperimentsUnreadable: p.ExperimentsUnreadable,
		BlastRadiusNote: HiddenExperimentsNote(p),
		Changes:         []jsonChange{}, Conflicts: []jsonConflict{}, Unmanaged: []jsonRemote{}, Protected: []jsonRemote{},
		Summary: jsonSummary{Create: c, Update: u, Delete: d, Blocked: p.Blocked(), Conflicts: len(p.Conflicts),
			Unmanaged: len(p.Unmanaged), Protected: len(p.Protected), HasChanges: p.HasChanges(), ToApply: toApply(p, meta)},
	}
	for _, cf := range p.Conflicts {
		doc.Conflicts = append(doc.Conflicts, jsonConflict{Name: cf.Name, IDs: cf.IDs, Names: cf.Names,
			Source:    posOrNil(cf.Source.File, cf.Source.Line, cf.Source.Col),
			RenamedID: idOrNil(cf.RenamedID), StaleNames: cf.StaleNames, Advice: ConflictAdvice(cf)})
	}
	for _, r := range p.Unmanaged {
		doc.Unmanaged = append(doc.Unmanaged, jsonRemote{ID: r.ID, Name: r.Name, Experiments: jsonExperiments(r.Experiments)})
	}
	for _, r := range p.Protected {
		doc.Protected = append(doc.Protected, jsonRemote{ID: r.ID, Name: r.Name, Experiments: jsonExperiments(r.Experiments), ProtectedBy: r.ProtectedBy})
	}
	if rep != nil {
		doc.Results = []jsonResult{}
		for _, r := range rep.Results {
			jr := jsonResult{Action: r.Change.Action.String(), Name: r.Change.Name, ID: idOrNil(r.ID),
				Status: r.Status.String(), ChangeRequestID: r.ChangeRequestID, Note: r.Note, Seq: r.Seq}
			if r.Err != nil {
				jr.Error = r.Err.Error()
			}
			doc.Results = append(doc.Results, jr)
		}
		doc.ApplySummary = &jsonApplySum{Done: rep.Count(Done), Failed: rep.Count(Failed),
			Pending: rep.Count(Pending), NotAttempted: rep.Count(NotAttempted), Blocked: rep.Count(Blocked),
			Duplicates: len(rep.Duplicates)}
		for _, d := range rep.Duplicates {
			doc.Duplicates = append(doc.Duplicates, jsonDuplicate{Name: d.Name, IDs: d.IDs, Created: d.Created, Error: d.Error()})
		}
		if rep.VerifyErr != nil {
			doc.VerifyError = rep.VerifyErr.Error()
		}
	}
	warmDiffs(p.Changes)
	return writeDoc(w, doc, p.Changes)
}

// toApply is how many changes applying p sends to PostHog: none when the
// plan is refused, else every change that is not blocked.
// ToApply is how many changes an apply of p sends to PostHog: none when
// the plan was refused, else those not blocked.
func ToApply(p Plan, meta Meta) int { return toApply(p, meta) }

func toApply(p Plan, meta Meta) int {
	if meta.Refused != "" {
		return 0
	}
	return len(p.Changes) - p.Blocked()
}

// changesSlot is how the document's empty changes list reads once
// indented: top-level keys alone stand two spaces in.
const changesSlot = "\n  \"changes\": [],\n"

// writeDoc writes doc with the changes spliced in where its empty changes
// list stands, one change at a time, so that a plan of 50,000 changes is
// never held in memory as one JSON document. The bytes are those of
// encoding the whole document with two-space indent and no HTML escaping,
// then escape.JSON (encoding/json leaves bidi overrides, C1 controls and
// DEL raw); each piece is escaped on its own, which is the same, as such
// runes can stand only inside strings.
func writeDoc(w io.Writer, doc jsonDoc, changes []Change) error {
	var head bytes.Buffer
	enc := json.NewEncoder(&head)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	whole := head.Bytes()
	i := bytes.Index(whole, []byte(changesSlot))
	if len(changes) == 0 || i < 0 {
		_, err := w.Write(escape.JSON(whole))
		return err
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.Write(escape.JSON(whole[:i]))
	bw.WriteString("\n  \"changes\": [\n")
	var one bytes.Buffer
	cenc := json.NewEncoder(&one)
	cenc.SetIndent("    ", "  ")
	cenc.SetEscapeHTML(false)
	for k, ch := range changes {
		one.Reset()
		if err := cenc.Encode(jsonChangeOf(ch)); err != nil {
			return err
		}
		bw.WriteString("    ")
		bw.Write(escape.JSON(bytes.TrimSuffix(one.Bytes(), []byte("\n"))))
		if k < len(changes)-1 {
			bw.WriteByte(',')
		}
		bw.WriteByte('\n')
	}
	bw.WriteString("  ],\n")
	bw.Write(escape.JSON(whole[i+len(changesSlot):]))
	return bw.Flush()
}

// jsonChangeOf is a change as the JSON plan shows it.
func jsonChangeOf(ch Change) jsonChange {
	before, after := ch.Exclusion()
	return jsonChange{
		ExclusionBefore: numberOrNil(before), ExclusionAfter: numberOrNil(after), Warnings: ch.Warnings,
		Action: ch.Action.String(), Name: ch.Name, ID: idOrNil(ch.ID), Rename: ch.IsRename(),
		Source: posOrNil(ch.Source.File, ch.Source.Line, ch.Source.Col),
		Before: stateOrNil(ch.Before), After: stateOrNil(ch.After),
		Experiments: jsonExperiments(ch.Experiments), BlockedBy: jsonExperiments(ch.BlockedBy),
		BlockedReason: BlockedReason(ch), Fingerprint: ch.Fingerprint,
		Diff: unifiedText(ChangeDiff(ch)), RemoteUpdatedAt: ch.RemoteUpdatedAt,
	}
}

func numberOrNil(n string) *json.Number {
	if n == "" {
		return nil
	}
	v := json.Number(n)
	return &v
}

func idOrNil(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

func posOrNil(file string, line, col int) *jsonPos {
	if file == "" {
		return nil
	}
	return &jsonPos{File: file, Line: line, Col: col}
}

func stateOrNil(s *State) *jsonState {
	if s == nil {
		return nil
	}
	return &jsonState{Name: s.Name, Description: s.Description, Filters: s.Filters}
}

func jsonExperiments(es []Experiment) []jsonExperiment {
	out := make([]jsonExperiment, 0, len(es))
	for _, e := range es {
		out = append(out, jsonExperiment{ID: e.ID, Name: e.Name, Status: e.State, Archived: e.Archived})
	}
	return out
}

// unifiedText is a line diff as text: each line prefixed "+", "-" or " ".
func unifiedText(lines []Line) string {
	var b []byte
	for _, l := range lines {
		b = append(b, l.Op)
		if l.Op == '#' {
			b = append(b, ' ')
		}
		b = append(b, l.Text...)
		b = append(b, '\n')
	}
	return string(b)
}
