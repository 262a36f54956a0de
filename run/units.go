package run

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/ghactions"
	"github.com/hogsync/hogsync/internal/escape"
	"github.com/hogsync/hogsync/internal/words"
	"github.com/hogsync/hogsync/manifest"
	hsync "github.com/hogsync/hogsync/sync"
)

// errUnits says that the directory holds several units (folders with a
// hogsync.yaml each, or none at its top), which Run then runs one by one.
var errUnits = errors.New("several units")

// unitsFormatVersion is the format of a document over several units (the
// JSON output and a saved plan): version 1 documents, one per unit, under
// "units". A reader of version 1 would take it for a plan without changes,
// so it has a version of its own.
const unitsFormatVersion = "2"

// unitsDocument is the JSON of a run over several units.
type unitsDocument struct {
	FormatVersion string    `json:"format_version"`
	Units         []unitDoc `json:"units"`
}

// unitDoc is one unit's part: its folder and its version 1 document, or
// why no plan could be made.
type unitDoc struct {
	Dir   string          `json:"dir"`
	Plan  json.RawMessage `json:"plan,omitempty"`
	Error string          `json:"error,omitempty"`
}

// unitDocs collects the documents of a run over several units, for stdout
// (json, markdown) and --plan-out, and writes each once every unit is
// done, so that each stays one document.
type unitDocs struct {
	docs, plans []unitDoc
}

func (d *unitDocs) add(unit string, doc []byte) {
	d.docs = append(d.docs, unitDoc{Dir: unit, Plan: bytes.Clone(doc)})
}

func (d *unitDocs) fail(unit string, err error) {
	d.docs = append(d.docs, unitDoc{Dir: unit, Error: err.Error()})
}

func (d *unitDocs) addPlan(unit string, doc []byte) {
	d.plans = append(d.plans, unitDoc{Dir: unit, Plan: bytes.Clone(doc)})
}

// flush writes the documents: the output on stdout, the plan file.
func (d *unitDocs) flush(e *env, c *Sync) error {
	switch c.Output {
	case "json":
		b, err := marshalUnits(d.docs)
		if err != nil {
			return err
		}
		if _, err := e.stdout.Write(b); err != nil {
			return err
		}
	case "markdown":
		for _, u := range d.docs {
			fmt.Fprintf(e.stdout, "## Unit `%s`\n\n", escape.Markdown(u.Dir))
			if u.Error != "" {
				fmt.Fprintf(e.stdout, "No plan could be made: %s\n\n", escape.Markdown(u.Error))
				continue
			}
			if _, err := e.stdout.Write(u.Plan); err != nil {
				return err
			}
			fmt.Fprintln(e.stdout)
		}
	}
	if c.PlanOut != "" && len(d.plans) > 0 {
		b, err := marshalUnits(d.plans)
		if err != nil {
			return err
		}
		if err := writePrivateFile(c.PlanOut, e.red.bytes(b)); err != nil {
			return fmt.Errorf("--plan-out: %w", err)
		}
	}
	return e.stdout.Flush()
}

func marshalUnits(units []unitDoc) ([]byte, error) {
	if units == nil {
		units = []unitDoc{}
	}
	b, err := json.MarshalIndent(unitsDocument{FormatVersion: unitsFormatVersion, Units: units}, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// readSavedPlan reads a plan saved by --plan-out: in a run of one unit
// (unit ""), a version 1 plan; in a run over several, unit's part of a
// document over units. It returns the --target patterns the plan was made
// with, too.
func readSavedPlan(path, unit string) (hsync.SavedPlan, []string, error) {
	s, targets, err := readSavedPlanFile(path, unit)
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) {
			err = usageErrorf("%v", err)
		}
	}
	return s, targets, err
}

func readSavedPlanFile(path, unit string) (hsync.SavedPlan, []string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return hsync.SavedPlan{}, nil, fmt.Errorf("--plan: %w", err)
	}
	var head struct {
		FormatVersion string    `json:"format_version"`
		Units         []unitDoc `json:"units"`
	}
	isUnits := json.Unmarshal(b, &head) == nil && head.FormatVersion == unitsFormatVersion
	switch {
	case unit == "" && isUnits:
		return hsync.SavedPlan{}, nil, usageErrorf("--plan %s holds the plans of %d units (folders with a hogsync.yaml each): apply it to the folder that holds them all, as it was made", shown(path), len(head.Units))
	case unit != "" && !isUnits:
		return hsync.SavedPlan{}, nil, usageErrorf("--plan %s holds the plan of one directory, not of this folder's units: apply it to the directory it was made for, or make a new plan here", shown(path))
	case unit != "":
		for _, u := range head.Units {
			if u.Dir == unit {
				b = u.Plan
				break
			}
			b = nil
		}
		if b == nil {
			return hsync.SavedPlan{}, nil, fmt.Errorf("--plan %s has no plan for unit %s: the units changed since it was made; make and review a new plan", shown(path), escape.Text(unit))
		}
	}
	// Other hogsync files have a format_version too (an id map): a saved
	// plan is the one with changes and a summary.
	var shape struct {
		Changes *json.RawMessage `json:"changes"`
		Summary *json.RawMessage `json:"summary"`
		Targets []string         `json:"targets"`
	}
	if err := json.Unmarshal(b, &shape); err == nil && (shape.Changes == nil || shape.Summary == nil) {
		return hsync.SavedPlan{}, nil, fmt.Errorf("--plan %s is not a plan saved by --plan-out (it has no changes or summary; an id map, perhaps): nothing was sent to PostHog", shown(path))
	}
	s, err := hsync.ReadSavedPlan(bytes.NewReader(b))
	if err != nil {
		return hsync.SavedPlan{}, nil, fmt.Errorf("--plan %s: %w", shown(path), err)
	}
	return s, shape.Targets, nil
}

// unitState is one unit of a run over several.
type unitState struct {
	c    *Sync
	vs   views
	run  *unitRun
	err  error // the plan's failure, or the apply's
	code int
}

// runUnits runs sync over several units, one hogsync.yaml each: every
// unit is planned first, each with its own settings; then, with --apply,
// the units are applied in order. Without --keep-going, nothing is
// applied when a unit could not be planned (or was refused), and the
// apply stops at the first unit that fails. A stale saved plan refuses
// every unit. Units on one host with one key share the key's budget. The
// exit code is the worst unit's.
func (c *Sync) runUnits(e *env, units []manifest.Unit) error {
	if c.IDMap != "" {
		return usageErrorf("--id-map writes the ids of one project, and %s holds %d units: run the migration on the unit's folder", shown(c.Dir), len(units))
	}
	if c.reviewedPR != 0 {
		// The first try, as one unit, fetched the reviewed plan; each unit
		// fetches it again.
		c.Plan, c.reviewedPR = "", 0
	}
	ctx, cancel := context.WithTimeout(e.ctx, c.Timeout)
	defer cancel()
	docs := &unitDocs{}
	clients := map[string]*client.Client{}
	var states []*unitState
	text := c.Output == "text" || c.Output == ""
	for i, mu := range units {
		uc := *c
		uc.Dir, uc.unit, uc.units = mu.OSDir, mu.Dir, docs
		st := &unitState{c: &uc}
		states = append(states, st)
		if text {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			fmt.Fprintf(e.stdout, "=== Unit %s ===\n", escape.Text(mu.Dir))
		}
		st.vs = newViews(e, &uc)
		st.run, st.err = uc.planOne(ctx, e, st.vs, mu, clients)
		if st.err != nil {
			// Said now, under the unit's plan, as a run of one says it.
			st.code = Report(e, fmt.Errorf("unit %s: %w", escape.Text(mu.Dir), st.err))
		}
	}
	defer func() {
		for _, st := range states {
			if st.run != nil {
				st.run.close()
			}
		}
	}()

	var unplanned []string
	for _, st := range states {
		if st.err != nil || st.run.o.refused != nil {
			unplanned = append(unplanned, st.c.unit)
		}
	}
	hold := c.Apply && len(unplanned) > 0 && (!c.KeepGoing || c.Plan != "" || c.ReviewedPlan != reviewedPlanOff && c.ReviewedPlan != "")
	stopped := false
	for _, st := range states {
		switch {
		case st.err != nil:
			continue
		case st.run.o.refused != nil: // over its max_deletes: said by its own finish
		case hold || stopped:
			st.run.o.refused = fmt.Errorf("not applied: %s", heldBecause(unplanned, !hold))
			st.run.o.meta.Refused = st.run.o.refused.Error()
		}
		if text && c.Apply && st.run.o.refused == nil && st.run.o.plan.HasChanges() {
			fmt.Fprintf(e.stdout, "\n=== Apply unit %s ===\n", escape.Text(st.c.unit))
		}
		st.code = Report(e, st.c.finishUnit(ctx, e, st.vs, st.run))
		if st.code != exitOK && st.code != exitChanges && st.code != exitPending && c.Apply && !c.KeepGoing {
			stopped = true
		}
	}
	if err := docs.flush(e, c); err != nil {
		return err
	}
	worst := exitOK
	for _, st := range states {
		worst = worse(worst, st.code)
	}
	c.unitsOutputs(e, states, worst)
	if hold {
		printError(e, fmt.Errorf("nothing was applied: %s %s could not be planned or %s refused (above). Fix %s and run again, or pass --keep-going to apply the other units",
			words.Plural(len(unplanned), "unit", "units"), escape.Text(strings.Join(unplanned, ", ")), words.Plural(len(unplanned), "was", "were"), words.Plural(len(unplanned), "it", "them")))
	}
	if worst == exitOK {
		return nil
	}
	return quiet(worst)
}

// heldBecause says why a planned unit was not applied.
func heldBecause(unplanned []string, stopped bool) string {
	if stopped {
		return "an earlier unit failed (--keep-going applies the others)"
	}
	return fmt.Sprintf("%s %s could not be planned or %s refused", words.Plural(len(unplanned), "unit", "units"),
		strings.Join(unplanned, ", "), words.Plural(len(unplanned), "was", "were"))
}

// planOne resolves a unit's settings from its hogsync.yaml and plans it.
// Units on one host with one key share a client's budget.
func (c *Sync) planOne(ctx context.Context, e *env, vs views, mu manifest.Unit, clients map[string]*client.Client) (*unitRun, error) {
	if mu.Err != nil {
		return nil, c.fail(vs, reportLoad(vs, mu.Result, mu.Err))
	}
	var maxDeletes *int
	if c.MaxDeletesSet {
		maxDeletes = &c.MaxDeletes
	}
	var err error
	if c.set, err = resolve(e, c.Remote, maxDeletes, mu.Config, c.OverrideConfig); err != nil {
		return nil, c.fail(vs, err)
	}
	c.Host, c.Project = c.set.host, c.set.project
	key, err := apiKey(e, c.APIKeyFile, c.set.keyEnv)
	if err != nil {
		return nil, c.fail(vs, err)
	}
	load := func() ([]manifest.Holdout, error) { return mu.Result.Holdouts, reportLoad(vs, mu.Result, nil) }
	connect := func() (*client.Client, error) {
		id := strings.ToLower(strings.TrimRight(c.Host, "/")) + "\x00" + key
		if shared, ok := clients[id]; ok {
			return shared.ForProject(c.Project)
		}
		api, err := c.Conn.client(e, c.Remote, key)
		if err == nil {
			clients[id] = api
		}
		return api, err
	}
	u, err := c.planUnit(ctx, e, vs, load, connect)
	if err != nil {
		u.close()
		return nil, err
	}
	return u, nil
}

// unitsOutputs sets the step outputs of a run over several units once
// every unit is done: each unit's view set them for itself, and the last
// value of an output is the one GitHub keeps.
func (c *Sync) unitsOutputs(e *env, states []*unitState, worst int) {
	path := e.getenv("GITHUB_OUTPUT")
	if !onGitHubActions(e) || path == "" {
		return
	}
	changes, refused, toApply := false, false, 0
	var parts []string
	for _, st := range states {
		if st.run == nil || st.run.o == nil {
			parts = append(parts, st.c.unit+": no plan")
			continue
		}
		o := st.run.o
		changes = changes || o.plan.HasChanges()
		refused = refused || o.meta.Refused != ""
		toApply += hsync.ToApply(o.plan, o.meta)
		if o.report != nil {
			parts = append(parts, st.c.unit+": "+hsync.ApplySummary(*o.report))
		} else {
			parts = append(parts, st.c.unit+": "+hsync.Summary(o.plan))
		}
	}
	outs := [][2]string{
		{"has-changes", fmt.Sprint(changes)},
		{"refused", fmt.Sprint(refused)},
		{"to-apply", fmt.Sprint(toApply)},
		{"summary", e.red.string(strings.Join(parts, " "))},
	}
	if err := ghactions.SetOutputs(path, outs); err != nil {
		e.warnf("step outputs: %v", err)
	}
}

// worse is the exit code that says more is wrong: usage, then failure,
// then pending approval, then changes to make, then none.
func worse(a, b int) int {
	rank := func(c int) int {
		switch c {
		case exitOK:
			return 0
		case exitChanges:
			return 1
		case exitPending:
			return 2
		case exitFailure:
			return 3
		}
		return 4
	}
	if rank(b) > rank(a) {
		return b
	}
	return a
}
