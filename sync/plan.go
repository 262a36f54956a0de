package sync

import (
	"encoding/json"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/manifest"
)

// Action is what a Change does to one remote holdout. Its value is the
// symbol the text plan shows in front of the change.
type Action rune

const (
	Create Action = '+'
	Update Action = '~'
	Delete Action = '-'
)

// String is the action's verb, as JSON output and apply events name it.
func (a Action) String() string {
	switch a {
	case Create:
		return "create"
	case Update:
		return "update"
	case Delete:
		return "delete"
	}
	return "unknown"
}

// State is the managed part of a holdout in normalised form: the form two
// holdouts are compared in and the plan shows. Filters never hold the
// server-managed "variant", null-valued keys or an empty "properties" list;
// numbers are json.Number in canonical text (10.0 and 10 both read "10");
// description has no surrounding white space (PostHog trims it).
type State struct {
	Name        string
	Description string
	Filters     []map[string]any
}

// Experiment is one experiment that uses a holdout: the blast radius of a
// change to it.
type Experiment struct {
	ID   int64
	Name string
	// State is the experiment's status as PostHog names it: draft,
	// running, paused, exposure_frozen, stopped, or one hogsync does not
	// know (shown as it is, and treated as launched: see Launched).
	State string
	// Archived experiments are hidden from PostHog's default listing, yet
	// a holdout change still rewrites their flags.
	Archived bool
}

// Launched reports whether the experiment is launched and not ended, so
// that changing its holdout's filters, or deleting the holdout, would
// disturb it mid-run: running, paused and exposure_frozen are (PostHog's
// is_running is true for them), and so is any status hogsync does not
// know, to fail safe. Only draft and stopped are not.
func (e Experiment) Launched() bool {
	return e.State != client.ExperimentDraft && e.State != client.ExperimentStopped
}

// Change is one create, update or delete the plan will make.
type Change struct {
	Action Action
	// Name is the holdout's name after the change; for a delete, its
	// current name.
	Name string
	// ID is the remote holdout's id; 0 for a create.
	ID int64
	// Before is the remote state; nil for a create.
	Before *State
	// After is the desired state; nil for a delete.
	After *State
	// Source is where the manifest declares the holdout; zero for a delete.
	Source manifest.Pos
	// Experiments use the holdout and are rewritten (update) or lose their
	// exclusion (delete) when the change is applied; sorted by name, id.
	Experiments []Experiment
	// RemoteUpdatedAt is the remote holdout's updated_at when the plan was
	// computed; empty for a create.
	RemoteUpdatedAt string
	// BlockedBy are the launched experiments (see Experiment.Launched)
	// that keep this change from being applied: an update of the filters
	// or a delete of a holdout such an experiment uses needs Options.Force.
	// Empty when no experiment blocks it.
	BlockedBy []Experiment
	// Blocker, when not empty, blocks the change for another reason, in
	// words: the experiments could not be read (Options.ExperimentsUnreadable),
	// or the reviewed plan showed the change as blocked (SavedPlan.Enforce).
	Blocker string
	// Warnings say what a reviewer should know about the desired state,
	// such as filters that current PostHog stores but does not evaluate.
	Warnings []string
	// Fingerprint identifies what the reviewer is shown of the change: its
	// two sides and the experiments it affects. Compute sets it; RenderJSON
	// writes it, and SavedPlan.Stale compares it.
	Fingerprint string
	// diff caches ChangeDiff; nil for a change not made by Compute.
	diff *diffCache
}

// Exclusion is the share of users the holdout excludes before and after
// the change, as canonical number text ("10", "5.5"): current PostHog
// gives every experiment's flag filters[0].rollout_percentage as its
// exclusion. A side that does not exist (before a create, after a
// delete) is "".
func (c Change) Exclusion() (before, after string) {
	return exclusion(c.Before), exclusion(c.After)
}

func exclusion(s *State) string {
	if s == nil || len(s.Filters) == 0 {
		return ""
	}
	// Normalised states hold numbers as json.Number; anything else is no
	// percentage PostHog would accept.
	v, _ := s.Filters[0]["rollout_percentage"].(json.Number)
	return string(v)
}

// Blocked reports whether the change is held back: Apply reports it
// Blocked and sends nothing. BlockedReason says why.
func (c Change) Blocked() bool { return len(c.BlockedBy) > 0 || c.Blocker != "" }

// ChangesFilters reports whether applying the change rewrites the feature
// flags of the experiments that use the holdout: a create (no experiment
// uses it yet) does not; an update does when its filters differ; a delete
// removes the exclusion from them.
func (c Change) ChangesFilters() bool {
	switch c.Action {
	case Update:
		return !equalFilters(*c.Before, *c.After)
	case Delete:
		return true
	}
	return false
}

// IsRename reports whether an update changes the holdout's name.
func (c Change) IsRename() bool {
	return c.Action == Update && c.Before != nil && c.After != nil && c.Before.Name != c.After.Name
}

// Conflict is a manifest the plan cannot act on: PostHog has more than one
// holdout it could mean. Nothing is done to any of them.
type Conflict struct {
	// Name is the manifest's name.
	Name string
	// IDs are the remote holdouts that match, ascending.
	IDs []int64
	// Names are those holdouts' names, in the order of IDs.
	Names []string
	// Source is where the manifest declares the holdout.
	Source manifest.Pos
	// RenamedID, when not zero, is a finished rename: the holdout with this
	// id already has the manifest's name, and the others hold names from
	// its previous_names (an old name that reappeared in PostHog).
	// StaleNames are those previous names.
	RenamedID  int64
	StaleNames []string
}

// Remote is a remote holdout the plan leaves alone because no manifest
// names it and pruning is off, or a protect pattern matches it.
type Remote struct {
	ID          int64
	Name        string
	Experiments []Experiment
	// ProtectedBy is the Options.Protect pattern that keeps it, for an
	// entry of Plan.Protected.
	ProtectedBy string
}

// Plan is everything one sync would do, computed once. It is plain data:
// renderers format it, Apply executes it, and neither changes it.
//
// Invariants: Changes are in apply order — creates, then updates with
// renames first, then deletes — and within each group sorted by name, then
// id. A remote holdout appears in at most one Change, Conflict or Unmanaged
// entry. Delete changes exist only when pruning was asked for.
type Plan struct {
	Changes   []Change
	Conflicts []Conflict
	// Unmanaged is sorted by name, then id.
	Unmanaged []Remote
	// Protected are remote holdouts no manifest names that an
	// Options.Protect pattern keeps from --prune, sorted by name, then id;
	// they are not in Unmanaged.
	Protected []Remote
	// Partial is true when Options.Targets limited the plan to Targets:
	// nothing outside it is planned or pruned.
	Partial bool
	Targets []string
	// BlastRadiusKnown is false when the experiments could not be read, so
	// Change.Experiments is empty for want of data, not because none exist.
	BlastRadiusKnown bool
	// ExperimentsUnreadable is Options.ExperimentsUnreadable: why the
	// experiments could not be read; "" when they were, or when the caller
	// did not say.
	ExperimentsUnreadable string
	// Matched maps each manifest name that matched exactly one remote
	// holdout (to update, rename, or leave as it is) to that holdout's id.
	Matched map[string]int64
}

// Blocked returns how many changes are blocked.
func (p Plan) Blocked() int {
	n := 0
	for _, c := range p.Changes {
		if c.Blocked() {
			n++
		}
	}
	return n
}

// Counts returns how many holdouts the plan creates, updates and deletes.
func (p Plan) Counts() (create, update, del int) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			create++
		case Update:
			update++
		case Delete:
			del++
		}
	}
	return create, update, del
}

// HasChanges reports whether applying the plan would change anything.
func (p Plan) HasChanges() bool { return len(p.Changes) > 0 }
