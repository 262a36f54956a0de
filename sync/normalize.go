package sync

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"

	"github.com/hogsync/hogsync/client"
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
		groups = append(groups, normalizeGroup(m))
	}
	return State{Name: h.Name, Description: manifest.TrimSpace(h.Description), Filters: groups}
}

// remoteState is the normalised form of a holdout PostHog returned.
func remoteState(h client.Holdout) State {
	s := State{Name: h.Name, Filters: make([]map[string]any, 0, len(h.Filters))}
	if h.Description != nil {
		s.Description = manifest.TrimSpace(*h.Description)
	}
	for _, g := range h.Filters {
		s.Filters = append(s.Filters, normalizeGroup(g))
	}
	return s
}

// normalizeGroup drops what PostHog manages or treats as absent — the
// "variant" it sets to holdout-{id}, keys whose value is null, an empty
// properties list — and gives every number its canonical form.
func normalizeGroup(g map[string]any) map[string]any {
	out := make(map[string]any, len(g))
	for k, v := range g {
		if k == "variant" || v == nil {
			continue
		}
		if k == "properties" {
			if l, ok := v.([]any); ok && len(l) == 0 {
				continue
			}
		}
		out[k] = normalizeValue(v)
	}
	return out
}

// normalizeValue returns v with maps and lists copied and every number as a
// canonical json.Number. Property values keep their nulls: there, null is
// data.
func normalizeValue(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = normalizeValue(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalizeValue(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = normalizeValue(e)
		}
		return out
	case json.Number:
		return canonicalNumber(string(v))
	case float64:
		return canonicalFloat(v)
	case float32:
		return canonicalFloat(float64(v))
	case int:
		return json.Number(strconv.FormatInt(int64(v), 10))
	case int64:
		return json.Number(strconv.FormatInt(v, 10))
	case uint64:
		return json.Number(strconv.FormatUint(v, 10))
	}
	return v
}

// canonicalNumber gives equal numbers equal text: "10", "10.0" and "1e1"
// all become "10". Integers that fit an int64 keep every digit.
func canonicalNumber(s string) json.Number {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.Number(strconv.FormatInt(i, 10))
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return json.Number(s) // not a number we can read: compare as written
	}
	return canonicalFloat(f)
}

// canonicalFloat writes whole numbers below 1e21 with all their digits, as
// Python and Postgres print them (1e16 reads back as 10000000000000000, so
// it must compare equal to it), and everything else in Go's shortest form.
func canonicalFloat(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if f == 0 {
			return "0" // not "-0"
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// equal reports whether two normalised states are the same holdout
// content. Canonical JSON (sorted keys, canonical numbers) makes key order
// irrelevant.
func equal(a, b State) bool {
	return a.Name == b.Name && a.Description == b.Description && equalFilters(a, b)
}

func equalFilters(a, b State) bool {
	return bytes.Equal(mustJSON(a.Filters), mustJSON(b.Filters))
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Normalised values are JSON by construction; failing here is a bug.
		panic(fmt.Sprintf("sync: normalised value is not JSON: %v", err))
	}
	return b
}

// input is the request body that makes a remote holdout equal to s.
func (s State) input() client.HoldoutInput {
	return client.HoldoutInput{Name: s.Name, Description: s.Description, Filters: s.Filters}
}
