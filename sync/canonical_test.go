package sync

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hogsync/hogsync/internal/canon"
)

// emitterCases are states the emitter writes or declines; either way
// CanonicalYAML must give yaml.v3's bytes.
func emitterCases() []State {
	prop := func(v any) map[string]any {
		return map[string]any{"key": "country", "type": "person", "operator": "exact", "value": v}
	}
	strs := []string{"plain", "two words", "a  b", "with-dash_under.dot/slash@at+plus", "yes", "No", "on", "Y", "true", "Null",
		"2026-01-01", "a:b", "a: b", "a #b", "a,b", "a[b", "it's", `say "hi"`, "tab\there", " lead", "trail ", "0x1", "1_0", ".5",
		"10", "-a", "é", "a\u202eb", "a\u0085b", "line\nbreak", "x{y}", "~", "<<", "!tag", "&anchor", "*alias", "?q", "%p", "@at", "`tick`",
		"", strings.Repeat("long words ", 30)}
	var out []State
	for _, s := range strs {
		out = append(out,
			State{Name: s, Filters: []map[string]any{{"rollout_percentage": json.Number("1")}}},
			State{Name: "hx", Description: s, Filters: []map[string]any{{"rollout_percentage": json.Number("1")}}},
			State{Name: "hx", Filters: []map[string]any{canon.Group(map[string]any{"rollout_percentage": 5, "properties": []any{prop(s), prop([]any{s, "x", 1})}})}},
			State{Name: "hx", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), s: "v"}}},
		)
	}
	for _, n := range []string{"0", "-0", "10", "5.5", "1e-07", "1.5e+300", "1e400", "123456789012345678", "1234567890123456789", "00", "1.", "1e", "+1", "-1.25"} {
		out = append(out, State{Name: "hx", Filters: []map[string]any{{"rollout_percentage": json.Number(n)}}})
	}
	out = append(out,
		State{Name: "empty filters"},
		State{Name: "empty map", Filters: []map[string]any{{}}},
		State{Name: "nested", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), "m": map[string]any{"a": true, "b": nil, "c": map[string]any{"d": []any{}}}}}},
		State{Name: "empty nested map", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), "m": map[string]any{}}}},
		State{Name: "mixed list", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), "l": []any{json.Number("1"), map[string]any{"a": "b"}}}}},
		State{Name: "list of lists", Filters: []map[string]any{{"rollout_percentage": json.Number("1"), "l": []any{[]any{"a"}, []any{}}}}},
		State{Name: "two groups", Filters: []map[string]any{{"rollout_percentage": json.Number("1")}, {"rollout_percentage": json.Number("2"), "aggregation_group_type_index": json.Number("0")}}},
	)
	return out
}

// The emitter writes exactly what yaml.v3 writes, for every state it
// accepts; the sample plan's states all take the emitter's path.
func TestCanonicalYAMLEmitter(t *testing.T) {
	t.Parallel()
	for i, s := range emitterCases() {
		if got, ok := emitState(s); ok {
			if want := encodeState(s); got != want {
				t.Errorf("case %d (%q): emitter differs from yaml.v3 (-want +got):\n%s", i, s.Name, cmp.Diff(want, got))
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for i := range 2000 {
		s := randomState(r)
		if got, ok := emitState(s); ok {
			if want := encodeState(s); got != want {
				t.Fatalf("random state %d: emitter differs from yaml.v3 (-want +got):\n%s", i, cmp.Diff(want, got))
			}
		}
	}
	// Typical states take the emitter's path: all the sample plan's but
	// the one holding "@example.com" (YAML quotes a leading @).
	var fallback []string
	for _, c := range samplePlan(t).Changes {
		for _, s := range []*State{c.Before, c.After} {
			if _, ok := emitState(derefOr(s)); s != nil && !ok {
				fallback = append(fallback, s.Name)
			}
		}
	}
	if d := cmp.Diff([]string{"legacy"}, fallback); d != "" {
		t.Errorf("states written by yaml.v3 (-want +got):\n%s", d)
	}
}

func derefOr(s *State) State {
	if s == nil {
		return State{}
	}
	return *s
}

// randomState builds a state from plain-looking pieces, so that most take
// the emitter's path.
func randomState(r *rand.Rand) State {
	words := []string{"a", "b c", "x-y", "k_1", "Z.z", "p/q", "m@n", "e+f", "trueish", "Yes we can", "value"}
	odd := []string{"yes", "on", "null", "1", "a:b", "é", "a ", "no"}
	word := func() string {
		if r.IntN(40) == 0 {
			return odd[r.IntN(len(odd))]
		}
		return words[r.IntN(len(words))]
	}
	var value func(depth int) any
	value = func(depth int) any {
		switch k := r.IntN(8); {
		case k == 0:
			return nil
		case k == 1:
			return r.IntN(2) == 0
		case k == 2:
			return canon.Float(r.Float64() * 100)
		case k == 3 && depth < 3:
			l := make([]any, r.IntN(4))
			for i := range l {
				if r.IntN(3) == 0 && depth < 2 {
					l[i] = value(depth + 1)
				} else {
					l[i] = word()
				}
			}
			return l
		case k == 4 && depth < 3:
			m := map[string]any{}
			for range r.IntN(3) {
				m[word()] = value(depth + 1)
			}
			return m
		case k == 5:
			return json.Number(fmt.Sprint(r.IntN(1000) - 500))
		}
		return word()
	}
	s := State{Name: word()}
	if r.IntN(2) == 0 {
		s.Description = word()
	}
	for range 1 + r.IntN(2) {
		g := map[string]any{"rollout_percentage": json.Number(fmt.Sprint(r.IntN(101)))}
		for range r.IntN(3) {
			g[word()] = value(0)
		}
		if r.IntN(2) == 0 {
			props := make([]any, 1+r.IntN(2))
			for i := range props {
				props[i] = map[string]any{"key": word(), "type": "person", "operator": "exact", "value": value(1)}
			}
			g["properties"] = props
		}
		s.Filters = append(s.Filters, g)
	}
	return s
}
