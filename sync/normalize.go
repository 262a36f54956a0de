package sync

import (
	"bytes"

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

// remoteState is the normalised form of a holdout PostHog returned.
func remoteState(h client.Holdout) State {
	return State{Name: h.Name, Description: canon.Description(h.Description), Filters: canon.Groups(h.Filters)}
}

// equal reports whether two normalised states are the same holdout
// content.
func equal(a, b State) bool {
	return a.Name == b.Name && a.Description == b.Description && equalFilters(a, b)
}

func equalFilters(a, b State) bool {
	return bytes.Equal(canon.JSON(a.Filters), canon.JSON(b.Filters))
}

// input is the request body that makes a remote holdout equal to s.
func (s State) input() client.HoldoutInput {
	return client.HoldoutInput{Name: s.Name, Description: s.Description, Filters: s.Filters}
}
