package sync

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// Options shape a plan.
type Options struct {
	// Prune deletes remote holdouts that no manifest names.
	Prune bool
	// Targets, when not empty, limit the plan to the holdouts with these
	// names (a manifest's name or previous name, or a remote name).
	Targets []string
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
	byName := map[string][]client.Holdout{}
	for _, r := range remote {
		byName[r.Name] = append(byName[r.Name], r)
	}
	used := blastRadius(experiments)
	plan := Plan{
		BlastRadiusKnown:      experiments != nil && opts.ExperimentsUnreadable == "",
		ExperimentsUnreadable: opts.ExperimentsUnreadable,
		Matched:               map[string]int64{},
	}
	claimed := map[int64]bool{} // remote ids some manifest names

	for _, d := range desired {
		cands := byName[d.Name]
		var old []client.Holdout
		for _, p := range d.PreviousNames {
			old = append(old, byName[p]...)
		}
		all := slices.Concat(cands, old)
		for _, r := range all {
			claimed[r.ID] = true
		}
		want := desiredState(d)
		switch {
		case len(all) == 0:
			plan.Changes = append(plan.Changes, Change{Action: Create, Name: d.Name, After: &want, Source: d.Pos})
		case len(all) > 1:
			// Either two holdouts share the name, or the holdout exists under
			// both its new and an old name. Guessing could rewrite or orphan
			// the wrong one's experiments, so nothing is touched.
			plan.Conflicts = append(plan.Conflicts, conflict(d, cands, old))
		default:
			r := all[0]
			plan.Matched[d.Name] = r.ID
			have := remoteState(r)
			if !equal(have, want) {
				plan.Changes = append(plan.Changes, Change{
					Action: Update, Name: d.Name, ID: r.ID, Before: &have, After: &want,
					Source: d.Pos, Experiments: used[r.ID], RemoteUpdatedAt: r.UpdatedAt,
				})
			}
		}
	}

	for _, r := range remote {
		if claimed[r.ID] {
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
	plan.sort()
	return plan, nil
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

// restrict keeps only what targets name. A target that names nothing is an
// error: a typo must not silently plan nothing.
func (p *Plan) restrict(targets []string, desired []manifest.Holdout) error {
	want := map[string]bool{}
	for _, t := range targets {
		want[t] = true
	}
	// A manifest's previous names select it too.
	aliases := map[string]string{}
	for _, d := range desired {
		for _, prev := range d.PreviousNames {
			aliases[prev] = d.Name
		}
	}
	for t := range want {
		if n, ok := aliases[t]; ok {
			want[n] = true
		}
	}
	seen := map[string]bool{}
	hit := func(names ...string) bool {
		ok := false
		for _, n := range names {
			if want[n] {
				seen[n] = true
				ok = true
			}
		}
		return ok
	}
	p.Changes = slices.DeleteFunc(p.Changes, func(c Change) bool {
		names := []string{c.Name}
		if c.Before != nil {
			names = append(names, c.Before.Name)
		}
		return !hit(names...)
	})
	p.Conflicts = slices.DeleteFunc(p.Conflicts, func(c Conflict) bool { return !hit(append([]string{c.Name}, c.Names...)...) })
	p.Unmanaged = slices.DeleteFunc(p.Unmanaged, func(r Remote) bool { return !hit(r.Name) })
	for _, d := range desired {
		if !want[d.Name] {
			delete(p.Matched, d.Name)
		}
	}
	// A target that matches an unchanged manifest is fine: it has no changes.
	for _, d := range desired {
		hit(append([]string{d.Name}, d.PreviousNames...)...)
	}
	var missing []string
	for _, t := range targets {
		if !seen[t] {
			missing = append(missing, fmt.Sprintf("%q", t))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("--target %s matches no manifest and no holdout in PostHog; check the spelling", strings.Join(missing, ", "))
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
	slices.SortStableFunc(p.Unmanaged, func(a, b Remote) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
}
