package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	stdsync "sync"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/canon"
	"github.com/hogsync/hogsync/manifest"
)

// desiredState is the normalised form of a manifest's holdout.
func desiredState(h manifest.Holdout) State {
	groups := make([]map[string]any, 0, len(h.Filters))
	for _, g := range h.Filters {
		groups = append(groups, canon.Group(desiredGroup(g)))
	}
	return State{Name: h.Name, Description: canon.Strip(h.Description), Filters: groups}
}

// desiredGroup is a manifest's filter group as the map canon.Group
// normalises.
func desiredGroup(g manifest.FilterGroup) map[string]any {
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
	return m
}

// sameContent reports whether manifest d and remote holdout r hold the
// same content, as equal(desiredState(d), remoteState(r)) would, without
// building either state: the filters are compared as canonical JSON,
// the remote's read from its text (canon.AppendGroupsJSON). known is
// false when it cannot tell (a manifest value canon.AppendJSON does not
// write, or remote filters that are not filter groups): then compare the
// states.
//
// It is the plan's question for every holdout a manifest names, and
// for a project in sync the answer is almost always yes, so it does no
// more than that answer needs: no decoding, and no allocation for a
// holdout of a few filter groups.
func sameContent(d manifest.Holdout, r client.Holdout) (same, known bool) {
	if d.Name != r.Name || canon.Strip(d.Description) != canon.Description(r.Description) {
		return false, true
	}
	b := compareBufs.Get().(*compareBuf)
	defer compareBufs.Put(b)
	var ok bool
	if b.want, ok = appendDesiredFilters(b.want[:0], d.Filters); !ok {
		return false, false
	}
	var err error
	if b.have, err = canon.AppendGroupsJSON(b.have[:0], r.Filters); err != nil {
		return false, false
	}
	return bytes.Equal(b.want, b.have), true
}

// compareBuf is room for the two sides sameContent compares, kept from
// one holdout to the next.
type compareBuf struct{ want, have []byte }

var compareBufs = stdsync.Pool{New: func() any { return new(compareBuf) }}

// appendDesiredFilters appends the canonical JSON of a manifest's filter
// groups, canon.JSON(desiredState(...).Filters); ok as for
// canon.AppendJSON.
func appendDesiredFilters(dst []byte, groups []manifest.FilterGroup) ([]byte, bool) {
	dst = append(dst, '[')
	for i, g := range groups {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = canon.AppendGroupJSON(dst, desiredGroup(g)); !ok {
			return dst, false
		}
	}
	return append(dst, ']'), true
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
