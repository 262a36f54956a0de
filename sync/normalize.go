package sync

import (
	"encoding/json"
	"fmt"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/manifest"
)

// desiredState is the normalised form of a manifest's holdout.
func desiredState(h manifest.Holdout) State {
	groups := make([]map[string]any, 0, len(h.Filters))
	for _, g := range h.Filters {
		m := map[string]any{"rollout_percentage": g.RolloutPercentage}
		if len(g.Properties) > 0 {
			props := make([]any, len(g.Properties))
			for i, p := range g.Properties {
				props[i] = p
			}
			m["properties"] = props
		}
		if g.AggregationGroupTypeIndex != nil {
			m["aggregation_group_type_index"] = *g.AggregationGroupTypeIndex
		}
		groups = append(groups, canon.Group(m))
	}
	return State{Name: h.Name, Description: canon.Strip(h.Description), Filters: groups}
}

// remoteState is the normalised form of a holdout PostHog returned. It
// panics when h's filters are not filter groups, which only a
// client.Holdout made by hand can hold (the client refuses such an
// answer): Compute, which callers hand such holdouts to, reports them
// with decodeRemote first.
func remoteState(h client.Holdout) State {
	s, err := decodeRemote(h)
	if err != nil {
		panic("sync: " + err.Error())
	}
	return s
}

// decodeRemote is remoteState, with an error for filters that are not
// filter groups.
func decodeRemote(h client.Holdout) (State, error) {
	groups, err := h.FilterGroups()
	if err != nil {
		return State{}, remoteError(h, err)
	}
	return State{Name: h.Name, Description: canon.Description(h.Description), Filters: canon.Groups(groups)}, nil
}

// remoteError says which holdout's filters are not filter groups.
func remoteError(h client.Holdout, err error) error {
	return fmt.Errorf("holdout %d %q: its filters are not filter groups: %w", h.ID, h.Name, err)
}

// equal reports whether two normalised states are the same holdout
// content.
func equal(a, b State) bool {
	return a.Name == b.Name && a.Description == b.Description && equalFilters(a, b)
}

func equalFilters(a, b State) bool {
	if len(a.Filters) != len(b.Filters) {
		return false
	}
	for i := range a.Filters {
		if !sameValue(a.Filters[i], b.Filters[i]) {
			return false
		}
	}
	return true
}

// sameValue is canon.Equal for the values of normalised states, without
// encoding either: maps and lists compared entry by entry, numbers by
// canonical text. Anything else falls back to canon.Equal.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			break
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !sameValue(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			break
		}
		for i := range a {
			if !sameValue(a[i], b[i]) {
				return false
			}
		}
		return true
	case string:
		if b, ok := b.(string); ok {
			return a == b
		}
	case bool:
		if b, ok := b.(bool); ok {
			return a == b
		}
	case json.Number:
		if b, ok := b.(json.Number); ok {
			return a == b || canon.Number(string(a)) == canon.Number(string(b))
		}
	case nil:
		if b == nil {
			return true
		}
	}
	return canon.Equal(a, b)
}

// input is the request body that makes a remote holdout equal to s.
func (s State) input() client.HoldoutInput {
	return client.HoldoutInput{Name: s.Name, Description: s.Description, Filters: s.Filters}
}
