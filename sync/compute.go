package sync

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/glob"
	"github.com/hogsync/hogsync/manifest"
)

// Options shape a plan.
type Options struct {
	// Prune deletes remote holdouts that no manifest names.
	Prune bool
	// Targets, when not empty, limit the plan to the holdouts they match:
	// each is a pattern (internal/glob: * matches any run of characters,
	// "/" included) matched against a manifest's name and
	// previous names and a remote holdout's name, or "name=" followed by a
	// name matched exactly (for names holding * ? [ or \). The plan is then
	// Partial: nothing outside it is planned or pruned. A target that
	// matches nothing is an error.
	Targets []string
	// Protect are patterns (as Targets) of names that Prune never deletes:
	// a remote holdout no manifest names and one of them matches is listed
	// in Plan.Protected instead of being deleted or listed as unmanaged.
	Protect []string
	// Force allows changes that launched experiments, or experiments that
	// could not be read, would otherwise block.
	Force bool
	// ExperimentsUnreadable, when not empty, says why the experiments could
	// not be read, such as "the key lacks the experiment:read scope".
	// Without Force every change that rewrites or removes a holdout's
	// exclusion (an update of its filters, a delete) is then blocked, as
	// nothing shows which experiments it would disturb; creates and
	// updates of only the name or description are not.
	ExperimentsUnreadable string
}

// ErrPruneEverything refuses a prune when no manifest was loaded: an empty
// or mistyped directory would otherwise delete every holdout in the project.
var ErrPruneEverything = errors.New("refusing to prune with zero manifests: that would delete every holdout in the project")

// Compute works out what it takes to make the remote holdouts equal to the
// desired ones. experiments may be nil when they could not be read; the plan
// then says its blast radius is unknown.
//
// Identity is the name: a manifest matches the remote holdout with its name,
// or failing that one with a name from its previous_names (a rename, keeping
// the id and so every experiment's link). When PostHog holds more than one
// candidate, the manifest is a Conflict and none of them is touched.
func Compute(desired []manifest.Holdout, remote []client.Holdout, experiments []client.Experiment, opts Options) (Plan, error) {
	if opts.Prune && len(desired) == 0 {
		return Plan{}, ErrPruneEverything
	}
	if err := checkPatterns(opts.Targets, opts.Protect); err != nil {
		return Plan{}, err
	}
	byName := make(map[string][]client.Holdout, len(remote))
	for _, r := range remote {
		byName[r.Name] = append(byName[r.Name], r)
	}
	used := blastRadius(experiments)
	plan := Plan{
		BlastRadiusKnown:      experiments != nil && opts.ExperimentsUnreadable == "",
		ExperimentsUnreadable: opts.ExperimentsUnreadable,
		Matched:               make(map[string]int64, len(desired)),
	}
	claimed := make(map[int64]bool, len(remote)) // remote ids some manifest names

	for i, m := range matchAll(desired, byName) {
		d := desired[i]
		for _, r := range m.cands {
			claimed[r.ID] = true
		}
		for _, r := range m.old {
			claimed[r.ID] = true
		}
		switch {
		case len(m.cands)+len(m.old) == 0:
			plan.Changes = append(plan.Changes, Change{Action: Create, Name: d.Name, After: m.want, Source: d.Pos, Warnings: unevaluated(*m.want)})
		case len(m.cands)+len(m.old) > 1:
			// Either two holdouts share the name, or the holdout exists under
			// both its new and an old name. Guessing could rewrite or orphan
			// the wrong one's experiments, so nothing is touched.
			plan.Conflicts = append(plan.Conflicts, conflict(d, m.cands, m.old))
		default:
			r := m.one()
			plan.Matched[d.Name] = r.ID
			if m.have != nil {
				plan.Changes = append(plan.Changes, Change{
					Action: Update, Name: d.Name, ID: r.ID, Before: m.have, After: m.want,
					Source: d.Pos, Experiments: used[r.ID], RemoteUpdatedAt: r.UpdatedAt,
					Warnings: unevaluated(*m.want),
				})
			}
		}
	}

	for _, r := range remote {
		if claimed[r.ID] {
			continue
		}
		if pat, ok := protectedBy(opts.Protect, r.Name); ok {
			plan.Protected = append(plan.Protected, Remote{ID: r.ID, Name: r.Name, Experiments: used[r.ID], ProtectedBy: pat})
			continue
		}
		if opts.Prune {
			have := remoteState(r)
			plan.Changes = append(plan.Changes, Change{
				Action: Delete, Name: r.Name, ID: r.ID, Before: &have,
				Experiments: used[r.ID], RemoteUpdatedAt: r.UpdatedAt,
			})
		} else {
			plan.Unmanaged = append(plan.Unmanaged, Remote{ID: r.ID, Name: r.Name, Experiments: used[r.ID]})
		}
	}

	if len(opts.Targets) > 0 {
		if err := plan.restrict(opts.Targets, desired); err != nil {
			return Plan{}, err
		}
		plan.Partial = true
		plan.Targets = slices.Clone(opts.Targets)
	}
	if !opts.Force {
		for i := range plan.Changes {
			c := &plan.Changes[i]
			c.BlockedBy = blockers(*c)
			if opts.ExperimentsUnreadable != "" && c.ChangesFilters() {
				c.Blocker = fmt.Sprintf("the experiments that use it could not be read (%s), so nothing shows whether a running one would be disturbed; --force applies it anyway", opts.ExperimentsUnreadable)
			}
		}
	}
	for i := range plan.Changes {
		plan.Changes[i].Fingerprint = fingerprintOf(plan.Changes[i])
		plan.Changes[i].diff = &diffCache{}
	}
	plan.sort()
	return plan, nil
}

// match is what one manifest meets in PostHog, with both sides
// normalised where the plan shows them.
type match struct {
	cands []client.Holdout // remote holdouts with its name
	old   []client.Holdout // remote holdouts with one of its previous names
	// want is the manifest's state and have the remote holdout's, for a
	// create (want only) or an update; nil otherwise.
	want, have *State
}

// one is the remote holdout, when only one matches.
func (m match) one() client.Holdout {
	if len(m.cands) == 1 {
		return m.cands[0]
	}
	return m.old[0]
}

// matchAll matches each of desired to the remote holdouts by name, and
// normalises both sides, on as many goroutines as there are processors:
// for a large project in sync, normalising is most of a plan's time.
func matchAll(desired []manifest.Holdout, byName map[string][]client.Holdout) []match {
	ms := make([]match, len(desired))
	forEach(len(desired), 512, func(i int) { ms[i] = matchOne(desired[i], byName) })
	return ms
}

func matchOne(d manifest.Holdout, byName map[string][]client.Holdout) match {
	m := match{cands: byName[d.Name]}
	for _, p := range d.PreviousNames {
		m.old = append(m.old, byName[p]...)
	}
	switch len(m.cands) + len(m.old) {
	case 0:
		want := desiredState(d)
		m.want = &want
	case 1:
		// Only a change keeps the states: a plan of a large project in
		// sync would otherwise hold both sides of every holdout.
		want, have := desiredState(d), remoteState(m.one())
		if !equal(have, want) {
			m.want, m.have = &want, &have
		}
	}
	return m
}

// blockers are the launched experiments a change would disturb, archived
// or not. Deleting a holdout removes the exclusion from their flags, and
// changing its filters rewrites their flags mid-run, skewing results; a
// new name or description touches no flag, so it is never blocked
// (PostHog's approval gate draws the same line).
func blockers(c Change) []Experiment {
	if !c.ChangesFilters() {
		return nil
	}
	var live []Experiment
	for _, e := range c.Experiments {
		if e.Launched() {
			live = append(live, e)
		}
	}
	return live
}

// unevaluated warns when a holdout's filters hold more than current
// PostHog evaluates: a flag carries holdout {id, exclusion_percentage}
// taken from filters[0].rollout_percentage alone, so properties,
// aggregation_group_type_index and further groups are stored but have no
// effect (older self-hosted versions copied every group into the flag).
func unevaluated(s State) []string {
	var extra []string
	props, agg := false, false
	for _, g := range s.Filters {
		_, p := g["properties"]
		_, a := g["aggregation_group_type_index"]
		props, agg = props || p, agg || a
	}
	if props {
		extra = append(extra, "properties")
	}
	if agg {
		extra = append(extra, "aggregation_group_type_index")
	}
	if n := len(s.Filters); n > 1 {
		extra = append(extra, fmt.Sprintf("%d filter groups", n))
	}
	if len(extra) == 0 {
		return nil
	}
	return []string{fmt.Sprintf("its filters hold %s, but current PostHog uses only filters[0].rollout_percentage, as each flag's exclusion; the rest is stored, not evaluated (older self-hosted PostHog evaluated every group)",
		strings.Join(extra, " and "))}
}

// MaxDeletesError refuses a plan that deletes more holdouts than allowed.
type MaxDeletesError struct {
	Deletes, Max int
}

func (e *MaxDeletesError) Error() string {
	return fmt.Sprintf("refusing a plan that deletes %d holdouts: --max-deletes allows %d; check the deletions above, then raise --max-deletes if they are intended", e.Deletes, e.Max)
}

// CheckMaxDeletes returns a *MaxDeletesError when the plan deletes more than
// max holdouts. A negative max means no limit.
func (p Plan) CheckMaxDeletes(max int) error {
	if max < 0 {
		return nil
	}
	if _, _, d := p.Counts(); d > max {
		return &MaxDeletesError{Deletes: d, Max: max}
	}
	return nil
}

// conflict is a manifest that more than one remote holdout could mean:
// cands have its name, old have one of its previous names. When exactly
// one has the name, the rename is done and an old name came back.
func conflict(d manifest.Holdout, cands, old []client.Holdout) Conflict {
	rs := slices.Concat(cands, old)
	slices.SortFunc(rs, func(a, b client.Holdout) int { return cmp.Compare(a.ID, b.ID) })
	c := Conflict{Name: d.Name, Source: d.Pos}
	for _, r := range rs {
		c.IDs = append(c.IDs, r.ID)
		c.Names = append(c.Names, r.Name)
	}
	if len(cands) == 1 && len(old) > 0 {
		c.RenamedID = cands[0].ID
		for _, r := range old {
			if !slices.Contains(c.StaleNames, r.Name) {
				c.StaleNames = append(c.StaleNames, r.Name)
			}
		}
		slices.Sort(c.StaleNames)
	}
	return c
}

// blastRadius maps a holdout id to the experiments that use it, archived
// ones included: a holdout change rewrites their flags too. Deleted
// experiments are left out: PostHog no longer serves them.
func blastRadius(experiments []client.Experiment) map[int64][]Experiment {
	used := map[int64][]Experiment{}
	seen := map[int64]bool{} // the archived and the other listing may overlap
	for _, e := range experiments {
		id, ok := e.HoldoutID()
		if !ok || e.Deleted || seen[e.ID] {
			continue
		}
		seen[e.ID] = true
		used[id] = append(used[id], Experiment{ID: e.ID, Name: e.Name, State: e.State(), Archived: e.Archived})
	}
	for _, l := range used {
		slices.SortFunc(l, func(a, b Experiment) int {
			return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
		})
	}
	return used
}

// exactPrefix marks a target matched literally, not as a pattern.
const exactPrefix = "name="

// checkPatterns refuses a malformed target or protect pattern before
// anything is planned: a typo must not silently match nothing.
func checkPatterns(targets, protect []string) error {
	for _, t := range targets {
		if strings.HasPrefix(t, exactPrefix) {
			continue
		}
		if _, err := glob.Compile(t); err != nil {
			return fmt.Errorf("--target %q is not a valid pattern: %v (patterns: see docs/manifests.md); write name=%s to match that name exactly", t, err, t)
		}
	}
	for _, p := range protect {
		if _, err := glob.Compile(p); err != nil {
			return fmt.Errorf("protect pattern %q is not valid: %v (patterns: see docs/manifests.md)", p, err)
		}
	}
	return nil
}

// targetMatches reports whether target t selects name.
func targetMatches(t, name string) bool {
	if exact, ok := strings.CutPrefix(t, exactPrefix); ok {
		return exact == name
	}
	ok, _ := glob.Match(t, name) // patterns were checked
	return ok
}

// protectedBy is the first protect pattern that matches name.
func protectedBy(patterns []string, name string) (string, bool) {
	for _, p := range patterns {
		if ok, _ := glob.Match(p, name); ok {
			return p, true
		}
	}
	return "", false
}

// restrict keeps only what targets match, by a manifest's name or previous
// names or a remote holdout's name. A target that matches nothing is an
// error: a typo must not silently plan nothing.
func (p *Plan) restrict(targets []string, desired []manifest.Holdout) error {
	previous := map[string][]string{} // a manifest's previous names, by name
	for _, d := range desired {
		previous[d.Name] = d.PreviousNames
	}
	seen := make([]bool, len(targets))
	hit := func(names ...string) bool {
		ok := false
		for i, t := range targets {
			for _, n := range names {
				if targetMatches(t, n) {
					seen[i], ok = true, true
					break
				}
			}
		}
		return ok
	}
	p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool {
		names := []string{c.Name}
		if c.Before != nil {
			names = append(names, c.Before.Name)
		}
		if c.Action != Delete {
			names = append(names, previous[c.Name]...)
		}
		return !hit(names...)
	})
	p.Conflicts = slices.DeleteFunc(p.Conflicts, func(c Conflict) bool {
		return !hit(slices.Concat([]string{c.Name}, c.Names, previous[c.Name])...)
	})
	p.Unmanaged = slices.DeleteFunc(p.Unmanaged, func(r Remote) bool { return !hit(r.Name) })
	p.Protected = slices.DeleteFunc(p.Protected, func(r Remote) bool { return !hit(r.Name) })
	// A target that matches an unchanged manifest is fine: it has no
	// changes. One that matches none keeps it out of Matched.
	for _, d := range desired {
		if !hit(append([]string{d.Name}, d.PreviousNames...)...) {
			delete(p.Matched, d.Name)
		}
	}
	var missing []string
	for i, t := range targets {
		if !seen[i] {
			missing = append(missing, fmt.Sprintf("%q", t))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--target %s matches no manifest and no holdout in PostHog, by name or previous name; check the spelling (a target is a pattern, where * matches any run of characters, / included, as docs/manifests.md says; write name=EXACT for a name that holds * ? [ or \\)", strings.Join(missing, ", "))
	}
	return nil
}

// phase orders changes for apply: creates, renames, other updates, deletes.
func phase(c Change) int {
	switch {
	case c.Action == Create:
		return 0
	case c.IsRename():
		return 1
	case c.Action == Update:
		return 2
	default:
		return 3
	}
}

func (p *Plan) sort() {
	slices.SortStableFunc(p.Changes, func(a, b Change) int {
		return cmp.Or(cmp.Compare(phase(a), phase(b)), strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	slices.SortStableFunc(p.Conflicts, func(a, b Conflict) int { return strings.Compare(a.Name, b.Name) })
	byNameID := func(a, b Remote) int { return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) }
	slices.SortStableFunc(p.Unmanaged, byNameID)
	slices.SortStableFunc(p.Protected, byNameID)
}
