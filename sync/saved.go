package sync

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

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

// ReadSavedPlan decodes a JSON plan, refusing other format versions, and
// a plan edited after it was written: one with a change whose fields do
// not give its fingerprint (unless they show RedactedMark, where Stale
// checks them against the plan made now).
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
	if err := s.checkFingerprints(); err != nil {
		return SavedPlan{}, err
	}
	return s, nil
}

// RedactedMark is what stands in a saved plan where the caller's
// redactor took a secret out (cmd/hogsync writes the API key, should a
// manifest or PostHog hold it, this way). Fields holding it no longer give
// their change's fingerprint; see SavedPlan.Stale.
const RedactedMark = "[REDACTED]"

// checkFingerprints refuses a plan in which a change's fingerprint is not
// the one its fields give: Stale compares fingerprints, so a fingerprint
// left in place over edited fields would vouch for what nobody reviewed.
// A change without a fingerprint of the current scheme is compared by its
// fields anyway (see storedFingerprint), so it needs no check; one whose
// fields show RedactedMark is checked by Stale against the plan made now.
func (s SavedPlan) checkFingerprints() error {
	for i, c := range s.Changes {
		if !notFromFields(c) || strings.Contains(fieldsText(c), RedactedMark) {
			continue
		}
		return fmt.Errorf("change %d (%s) does not match its fingerprint: %s", i+1, changeKey(c.Action, c.Name, c.ID), editedAfterWritten)
	}
	return nil
}

const editedAfterWritten = "the file was edited after hogsync wrote it; make a fresh plan (sync --plan-out), review it, and apply that"

// notFromFields reports whether c carries a fingerprint of the current
// scheme that its fields do not give.
func notFromFields(c jsonChange) bool {
	return strings.HasPrefix(c.Fingerprint, fingerprintPrefix) && c.Fingerprint != fingerprint(c.Before, c.After, c.Experiments)
}

// fieldsText is what a change's fingerprint covers (its two sides and
// experiments) as JSON: keys sorted, numbers as they are held.
func fieldsText(c jsonChange) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode([]any{c.Before, c.After, c.Experiments}); err != nil {
		return "" // not from a JSON file; matches nothing but itself
	}
	return b.String()
}

// redactedFrom reports whether saved is now with some secrets written as
// RedactedMark: equal wherever saved shows no mark, and each mark
// standing, inside a string, for a run of the characters secrets are made
// of (word characters and those of their markdown-escaped form).
func redactedFrom(saved, now string) bool {
	parts := strings.Split(saved, RedactedMark)
	if len(parts) == 1 {
		return saved == now
	}
	var re strings.Builder
	re.WriteString(`^`)
	for i, p := range parts {
		if i > 0 {
			re.WriteString(`[\w&#;.~+/=-]+`)
		}
		re.WriteString(regexp.QuoteMeta(p))
	}
	re.WriteString(`$`)
	m, err := regexp.Compile(re.String())
	return err == nil && m.MatchString(now)
}

// Stale compares the saved plan with one computed now from the same
// manifests and PostHog's current state. It returns what differs, one
// line per difference in words a reviewer can act on — which field of
// which holdout moved in PostHog or in a manifest and how, which
// experiment's status changed, which planned name PostHog now holds — or
// nothing when applying the current plan does exactly what the saved one
// showed. A plan made for another project or host is always stale, and so
// is one whose fields, where they hold RedactedMark, are not those of the
// plan made now with secrets taken out.
func (s SavedPlan) Stale(current Plan, meta Meta) []string {
	var diffs []string
	if s.Host != meta.Host || s.Project != meta.Project {
		diffs = append(diffs, fmt.Sprintf("the plan was made for project %s at %s, not project %s at %s", s.Project, s.Host, meta.Project, meta.Host))
	}
	saved := map[string]jsonChange{}
	var keys []string
	for _, c := range s.Changes {
		k := changeKey(c.Action, c.Name, c.ID)
		if _, dup := saved[k]; !dup {
			keys = append(keys, k)
		}
		saved[k] = c
	}
	now := map[string]jsonChange{}
	for _, c := range current.Changes {
		jc := jsonChange{
			Action: c.Action.String(), Name: c.Name, ID: idOrNil(c.ID),
			Before: stateOrNil(c.Before), After: stateOrNil(c.After),
			Experiments: jsonExperiments(c.Experiments), Fingerprint: c.Fingerprint,
			Source: posOrNil(c.Source.File, c.Source.Line, c.Source.Col),
		}
		k := changeKey(jc.Action, jc.Name, jc.ID)
		now[k] = jc
		if _, ok := saved[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("the plan made now also would %s, which the saved plan does not show", k))
		}
	}
	for _, k := range keys {
		sc := saved[k]
		nc, ok := now[k]
		switch {
		case !ok:
			diffs = append(diffs, gone(sc, current))
		case storedFingerprint(sc) != storedFingerprint(nc):
			moved := whatMoved(sc, nc)
			if len(moved) == 0 {
				moved = []string{fmt.Sprintf("changed since it was planned (in PostHog, in the experiments using it, or in the manifest): %s", k)}
			}
			diffs = append(diffs, moved...)
		case notFromFields(sc) && !redactedFrom(fieldsText(sc), fieldsText(nc)):
			// The fingerprint is right, but the fields shown are not
			// what it was made from, even allowing for redaction.
			diffs = append(diffs, fmt.Sprintf("%s: the saved plan does not show what its fingerprint was made from: %s", k, editedAfterWritten))
		}
	}
	slices.Sort(diffs)
	return slices.Compact(diffs)
}

// gone says why a saved change is not in the plan made now.
func gone(sc jsonChange, current Plan) string {
	k := changeKey(sc.Action, sc.Name, sc.ID)
	if sc.Action == Create.String() {
		if id, ok := current.Matched[sc.Name]; ok {
			return fmt.Sprintf("holdout %q: PostHog now has a holdout with this name (id %d), so the planned create no longer applies", sc.Name, id)
		}
		for _, cf := range current.Conflicts {
			if cf.Name == sc.Name {
				return fmt.Sprintf("holdout %q: PostHog now has %d holdouts this manifest could mean (ids %s), so the planned create no longer applies", sc.Name, len(cf.IDs), joinIDs(cf.IDs))
			}
		}
	}
	return fmt.Sprintf("no longer needed or no longer possible: %s", k)
}

// whatMoved lists, field by field, how a change planned as saved differs
// from the same change planned now.
func whatMoved(saved, now jsonChange) []string {
	label := fmt.Sprintf("holdout %q", saved.Name)
	if saved.ID != nil {
		label += fmt.Sprintf(" (id %d)", *saved.ID)
	}
	var out []string
	for _, f := range stateDiffs(saved.Before, now.Before) {
		out = append(out, fmt.Sprintf("%s: %s is %s in PostHog, the plan saw %s", label, f.path, f.now, f.saved))
	}
	where := ""
	if now.Source != nil {
		where = fmt.Sprintf(" (%s:%d:%d)", now.Source.File, now.Source.Line, now.Source.Col)
	}
	for _, f := range stateDiffs(saved.After, now.After) {
		out = append(out, fmt.Sprintf("%s: the manifest%s was edited since: %s is %s now, the plan saw %s", label, where, f.path, f.now, f.saved))
	}
	out = append(out, experimentDiffs(label, saved.Experiments, now.Experiments)...)
	return out
}

type fieldDiff struct{ path, saved, now string }

// stateDiffs compares two states field by field; values are shown as
// canonical JSON, "absent" where a side lacks the field.
func stateDiffs(saved, now *jsonState) []fieldDiff {
	if saved == nil || now == nil {
		if (saved == nil) != (now == nil) {
			return []fieldDiff{{path: "the holdout", saved: presence(saved != nil), now: presence(now != nil)}}
		}
		return nil
	}
	var out []fieldDiff
	if saved.Name != now.Name {
		out = append(out, fieldDiff{"name", shown(saved.Name), shown(now.Name)})
	}
	if saved.Description != now.Description {
		out = append(out, fieldDiff{"description", shown(saved.Description), shown(now.Description)})
	}
	valueDiffs("filters", groupsAny(saved.Filters), groupsAny(now.Filters), &out)
	return out
}

func presence(ok bool) string {
	if ok {
		return "present"
	}
	return "absent"
}

func groupsAny(gs []map[string]any) any {
	out := make([]any, len(gs))
	for i, g := range gs {
		out[i] = g
	}
	return out
}

// valueDiffs appends where a and b differ below path.
func valueDiffs(path string, a, b any, out *[]fieldDiff) {
	if canon.Equal(a, b) {
		return
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok {
		var keys []string
		for k := range am {
			keys = append(keys, k)
		}
		for k := range bm {
			if _, ok := am[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			av, ain := am[k]
			bv, bin := bm[k]
			switch {
			case !ain:
				*out = append(*out, fieldDiff{path + "." + k, "absent", shown(bv)})
			case !bin:
				*out = append(*out, fieldDiff{path + "." + k, shown(av), "absent"})
			default:
				valueDiffs(path+"."+k, av, bv, out)
			}
		}
		return
	}
	al, aok := a.([]any)
	bl, bok := b.([]any)
	if aok && bok {
		for i := range max(len(al), len(bl)) {
			p := fmt.Sprintf("%s[%d]", path, i)
			switch {
			case i >= len(al):
				*out = append(*out, fieldDiff{p, "absent", shown(bl[i])})
			case i >= len(bl):
				*out = append(*out, fieldDiff{p, shown(al[i]), "absent"})
			default:
				valueDiffs(p, al[i], bl[i], out)
			}
		}
		return
	}
	*out = append(*out, fieldDiff{path, shown(a), shown(b)})
}

// maxShown bounds a value quoted in a stale-plan line.
const maxShown = 80

// shown is a value as a stale-plan line quotes it: canonical JSON, cut to
// maxShown bytes on a character boundary.
func shown(v any) string {
	s := string(canon.JSON(v))
	if len(s) <= maxShown {
		return s
	}
	cut := maxShown
	for cut > 0 && !utf8RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

// experimentDiffs says how the experiments a change affects moved.
func experimentDiffs(label string, saved, now []jsonExperiment) []string {
	was := map[int64]jsonExperiment{}
	for _, e := range saved {
		was[e.ID] = e
	}
	is := map[int64]jsonExperiment{}
	for _, e := range now {
		is[e.ID] = e
	}
	var out []string
	for _, e := range now {
		old, ok := was[e.ID]
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("experiment %q (id %d, %s) now uses %s, the plan did not show it", e.Name, e.ID, e.Status, label))
			continue
		case old.Status != e.Status:
			out = append(out, fmt.Sprintf("experiment %q (id %d) is now %s, the plan saw %s", e.Name, e.ID, e.Status, old.Status))
		}
		if old.Name != e.Name {
			out = append(out, fmt.Sprintf("experiment %q (id %d) is now named %q", old.Name, e.ID, e.Name))
		}
		if old.Archived != e.Archived {
			out = append(out, fmt.Sprintf("experiment %q (id %d) is now %s", e.Name, e.ID, map[bool]string{true: "archived", false: "no longer archived"}[e.Archived]))
		}
	}
	for _, e := range saved {
		if _, ok := is[e.ID]; !ok {
			out = append(out, fmt.Sprintf("experiment %q (id %d) no longer uses %s", e.Name, e.ID, label))
		}
	}
	return out
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

// storedFingerprint is the change's fingerprint as written, or, for a
// plan written before fingerprints were (or with an earlier scheme), as
// computed from its fields.
func storedFingerprint(c jsonChange) string {
	if strings.HasPrefix(c.Fingerprint, fingerprintPrefix) {
		return c.Fingerprint
	}
	return fingerprint(c.Before, c.After, c.Experiments)
}

// fingerprintOf is a change's fingerprint, computed once by Compute.
func fingerprintOf(c Change) string {
	return fingerprint(stateOrNil(c.Before), stateOrNil(c.After), jsonExperiments(c.Experiments))
}

// fingerprintPrefix names the fingerprint scheme; a stored fingerprint
// with another prefix is recomputed from the change's fields.
const fingerprintPrefix = "fp2:"

// fingerprint is a SHA-256 of a change's two sides, numbers canonical and
// keys sorted, and of the experiments it affects (what the reviewer was
// shown), so a plan read back from a file compares equal to the same plan
// computed again, and to nothing else. It is written without encoding
// JSON: each value is its type, length and content.
func fingerprint(before, after *jsonState, experiments []jsonExperiment) string {
	w := fpWriter{b: make([]byte, 0, 256)}
	w.int(int64(len(experiments)))
	for _, e := range experiments {
		w.int(e.ID)
		w.str(e.Name)
		w.str(e.Status)
		w.bool(e.Archived)
	}
	for _, s := range []*jsonState{before, after} {
		if s == nil {
			w.b = append(w.b, 'N')
			continue
		}
		w.b = append(w.b, 'S')
		w.str(s.Name)
		w.str(s.Description)
		w.int(int64(len(s.Filters)))
		for _, g := range s.Filters {
			w.value(g)
		}
	}
	sum := sha256.Sum256(w.b)
	return fingerprintPrefix + hex.EncodeToString(sum[:])
}

// fpWriter writes values unambiguously: a tag byte, then a length or the
// content.
type fpWriter struct{ b []byte }

func (w *fpWriter) int(n int64) {
	w.b = strconv.AppendInt(append(w.b, 'i'), n, 10)
	w.b = append(w.b, ';')
}

func (w *fpWriter) str(s string) {
	w.b = strconv.AppendInt(append(w.b, 's'), int64(len(s)), 10)
	w.b = append(append(w.b, ':'), s...)
}

func (w *fpWriter) bool(v bool) {
	if v {
		w.b = append(w.b, 'T')
	} else {
		w.b = append(w.b, 'F')
	}
}

func (w *fpWriter) value(v any) {
	switch v := v.(type) {
	case nil:
		w.b = append(w.b, 'z')
	case bool:
		w.bool(v)
	case string:
		w.str(v)
	case json.Number:
		w.b = append(w.b, '#')
		w.str(string(canon.Number(string(v))))
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		w.b = strconv.AppendInt(append(w.b, '{'), int64(len(keys)), 10)
		for _, k := range keys {
			w.str(k)
			w.value(v[k])
		}
	case []any:
		w.b = strconv.AppendInt(append(w.b, '['), int64(len(v)), 10)
		for _, e := range v {
			w.value(e)
		}
	case []map[string]any:
		w.b = strconv.AppendInt(append(w.b, '['), int64(len(v)), 10)
		for _, e := range v {
			w.value(e)
		}
	default:
		// Numbers of other Go types, and anything else canon knows.
		w.value(canonical(v))
	}
}

// canonical is canon.Value(v) when that turns v into a type value knows,
// or v's canonical JSON text as a tagged string.
func canonical(v any) any {
	switch c := canon.Value(v).(type) {
	case nil, bool, string, json.Number, map[string]any, []any:
		return c
	}
	return "json:" + string(canon.JSON(v))
}
