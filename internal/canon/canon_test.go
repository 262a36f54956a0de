package canon

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNumber(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"10", "10"},
		{"10.0", "10"},
		{"1e1", "10"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"7.50", "7.5"},
		{"1e16", "10000000000000000"},
		{"10000000000000000.0", "10000000000000000"},
		{"9007199254740993", "9007199254740993"}, // past 2^53: every digit kept
		{"1e19", "10000000000000000000"},         // past int64, still whole
		{"1e21", "1e+21"},
		{"0.001", "0.001"},
		{"100.25", "100.25"},
		{"0.1", "0.1"},
		{"1.10", "1.1"},
		{"abc", "abc"}, // not a number: compared as written
	} {
		if got := Number(tc.in); string(got) != tc.want {
			t.Errorf("Number(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFloat(t *testing.T) {
	for _, tc := range []struct {
		in   float64
		want string
	}{
		{10, "10"}, {math.Copysign(0, -1), "0"}, {7.5, "7.5"}, {1e20, "100000000000000000000"}, {1e21, "1e+21"}, {0.125, "0.125"},
	} {
		if got := Float(tc.in); string(got) != tc.want {
			t.Errorf("Float(%v) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestStrip(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"  a b  ", "a b"},
		{"\x1c\x1d a \x1e\x1f", "a"}, // Python strips the information separators; Go's TrimSpace does not
		{"\u00a0a\u2003", "a"},
		{"\u200ba", "\u200ba"}, // zero-width space is not white space to Python
		{"", ""},
	} {
		if got := Strip(tc.in); got != tc.want {
			t.Errorf("Strip(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	s := "  x "
	for _, tc := range []struct {
		in   *string
		want string
	}{{nil, ""}, {new(string), ""}, {&s, "x"}} {
		if got := Description(tc.in); got != tc.want {
			t.Errorf("Description = %q, want %q", got, tc.want)
		}
	}
}

func TestGroupEquality(t *testing.T) {
	dec := func(s string) map[string]any {
		var m map[string]any
		d := json.NewDecoder(strings.NewReader(s))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		a, b map[string]any
		same bool
	}{
		{"variant is the server's", dec(`{"rollout_percentage":10,"variant":"holdout-3"}`), map[string]any{"rollout_percentage": 10}, true},
		{"10 equals 10.0", dec(`{"rollout_percentage":10.0}`), map[string]any{"rollout_percentage": int64(10)}, true},
		{"null key equals absent", dec(`{"rollout_percentage":5,"aggregation_group_type_index":null}`), map[string]any{"rollout_percentage": 5.0}, true},
		{"empty properties equal absent", dec(`{"rollout_percentage":5,"properties":[]}`), map[string]any{"rollout_percentage": 5}, true},
		{"null key inside a property filter equals absent",
			dec(`{"rollout_percentage":5,"properties":[{"key":"plan","type":"person","value":["free"],"operator":"exact","group_type_index":null,"cohort_name":null}]}`),
			map[string]any{"rollout_percentage": 5, "properties": []any{map[string]any{"key": "plan", "type": "person", "operator": "exact", "value": []any{"free"}}}}, true},
		{"null inside a value is data",
			dec(`{"rollout_percentage":5,"properties":[{"key":"k","value":[null]}]}`),
			map[string]any{"rollout_percentage": 5, "properties": []any{map[string]any{"key": "k", "value": []any{}}}}, false},
		{"key order never matters", dec(`{"properties":[{"value":"x","key":"k"}],"rollout_percentage":1}`), dec(`{"rollout_percentage":1,"properties":[{"key":"k","value":"x"}]}`), true},
		{"different percentage", dec(`{"rollout_percentage":10}`), dec(`{"rollout_percentage":10.5}`), false},
		{"list order matters", dec(`{"rollout_percentage":1,"properties":[{"key":"a"},{"key":"b"}]}`), dec(`{"rollout_percentage":1,"properties":[{"key":"b"},{"key":"a"}]}`), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Equal(Group(tc.a), Group(tc.b)); got != tc.same {
				t.Errorf("Equal = %v, want %v\n a: %s\n b: %s", got, tc.same, JSON(Group(tc.a)), JSON(Group(tc.b)))
			}
		})
	}
}

func TestGroupDoesNotChangeItsInput(t *testing.T) {
	in := map[string]any{"rollout_percentage": 10.0, "variant": "holdout-1", "properties": []any{map[string]any{"key": "k", "operator": nil}}}
	_ = Group(in)
	if _, ok := in["variant"]; !ok {
		t.Error("Group removed variant from its input")
	}
	if p := in["properties"].([]any)[0].(map[string]any); len(p) != 2 {
		t.Errorf("Group changed a property filter of its input: %v", p)
	}
}

func TestJSONIsCanonical(t *testing.T) {
	got := string(JSON(map[string]any{"b": 1.0, "a": []any{json.Number("2.50"), "<&>"}}))
	if want := `{"a":[2.5,"<&>"],"b":1}`; got != want {
		t.Errorf("JSON = %s, want %s", got, want)
	}
}

func TestJSONBLess(t *testing.T) {
	keys := []string{"variant", "properties", "rollout_percentage", "key", "aggregation_group_type_index"}
	want := []string{"key", "variant", "properties", "rollout_percentage", "aggregation_group_type_index"}
	slices.SortFunc(keys, func(a, b string) int {
		if JSONBLess(a, b) {
			return -1
		}
		if JSONBLess(b, a) {
			return 1
		}
		return 0
	})
	for i := range keys {
		if keys[i] != want[i] {
			t.Fatalf("jsonb order = %v, want %v", keys, want)
		}
	}
}
