package canon

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

// decodeGroups decodes raw as the client did before it kept filters as
// JSON text: into []map[string]any, numbers as json.Number, the whole
// text one JSON value.
func decodeGroups(raw []byte) ([]map[string]any, error) {
	if !json.Valid(raw) {
		var v any
		return nil, json.Unmarshal(raw, &v) // the syntax error
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var gs []map[string]any
	err := dec.Decode(&gs)
	return gs, err
}

func TestAppendGroupsJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, raw, want string
	}{
		{"absent", ``, `[]`},
		{"null", ` null `, `[]`},
		{"empty", `[ ]`, `[]`},
		{"as PostHog sends one", `[{"variant": "holdout-7", "properties": [], "rollout_percentage": 10}]`, `[{"rollout_percentage":10}]`},
		{"a null group is an empty one", `[null,{"rollout_percentage":1}]`, `[{},{"rollout_percentage":1}]`},
		{"numbers canonical", `[{"rollout_percentage":10.0,"a":[1e1,-0,7.50,12345678901234567890,1e400,-3]}]`, `[{"a":[10,0,7.5,12345678901234567890,1e400,-3],"rollout_percentage":10}]`},
		{"keys in byte order", `[{"rollout_percentage":1,"aggregation_group_type_index":0,"B":1,"a":{"z":1,"y":[{"d":1,"c":2}]}}]`,
			`[{"B":1,"a":{"y":[{"c":2,"d":1}],"z":1},"aggregation_group_type_index":0,"rollout_percentage":1}]`},
		{"a null member of a group is absent", `[{"rollout_percentage":5,"aggregation_group_type_index":null}]`, `[{"rollout_percentage":5}]`},
		{"null members of a property are absent, nulls in its value are data",
			`[{"rollout_percentage":5,"properties":[{"key":"k","operator":null,"value":[null,{"x":null}]},null,[{"y":null}]]}]`,
			`[{"properties":[{"key":"k","value":[null,{"x":null}]},null,[{"y":null}]],"rollout_percentage":5}]`},
		{"properties that are no list are a value", `[{"rollout_percentage":5,"properties":{"key":"k","operator":null}}]`, `[{"properties":{"key":"k","operator":null},"rollout_percentage":5}]`},
		{"a null properties is absent", `[{"rollout_percentage":5,"properties":null}]`, `[{"rollout_percentage":5}]`},
		{"the last of a repeated key", `[{"rollout_percentage":5,"rollout_percentage":6,"a":1,"a":null,"variant":"x","variant":null}]`, `[{"rollout_percentage":6}]`},
		{"a repeated key's null is data outside groups", `[{"p":{"a":1,"a":null}}]`, `[{"p":{"a":null}}]`},
		{"strings as encoding/json writes them", `[{"k":"\u0041\n\u2028<&>é\ud800","\u006b2":"\/"}]`, `[{"k":"A\n\u2028<&>é` + "\ufffd" + `","k2":"/"}]`},
		{"text that is not UTF-8 is U+FFFD", "[{\"k\":\"a\xffb\"}]", "[{\"k\":\"a\ufffdb\"}]"},
		{"JSON white space only", " \t\n\r[ { \"a\" : 1 } , null ] ", `[{"a":1},{}]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := AppendGroupsJSON([]byte("prefix:"), []byte(tc.raw))
			if err != nil || string(got) != "prefix:"+tc.want {
				t.Errorf("AppendGroupsJSON(%s) = %s, %v; want prefix:%s", tc.raw, got, err, tc.want)
			}
			gs, err := decodeGroups([]byte(tc.raw))
			if tc.raw == "" {
				gs, err = nil, nil
			}
			if err != nil {
				t.Fatalf("the case is not JSON filters: %v", err)
			}
			if want := JSON(Groups(gs)); string(got[len("prefix:"):]) != string(want) {
				t.Errorf("AppendGroupsJSON = %s, JSON(Groups) = %s", got, want)
			}
		})
	}
}

func TestAppendGroupsJSONRefuses(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{
		`{}`, `"x"`, `5`, `true`, `[5]`, `[[]]`, `["x"]`, `[{},1]`, // not a list of objects
		`[`, `[{]`, `[{"a"}]`, `[{"a":}]`, `[{"a":1,}]`, `[{},]`, `[,{}]`, `[{} {}]`, `[{"a":1}`, `[{"a":"x}]`, // not JSON
		`[{"a":01}]`, `[{"a":1.}]`, `[{"a":-}]`, `[{"a":1e}]`, `[{"a":.5}]`, `[{"a":+1}]`, `[{"a":tru}]`, `[{"a":nul}]`, `[{"a":NaN}]`,
		"[{\"a\":\"\x01\"}]", `[{"a":"\x"}]`, `[{"a":"\u12"}]`, `[{1:2}]`, `[] []`, `null x`, `[1, {`,
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	} {
		if got, err := AppendGroupsJSON(nil, []byte(raw)); err == nil {
			t.Errorf("AppendGroupsJSON(%.40q) = %s, want an error", raw, got)
		}
		if _, err := decodeGroups([]byte(raw)); err == nil {
			t.Errorf("encoding/json decodes %.40q: the case is wrong", raw)
		}
	}
}

// A list nested as deeply as encoding/json allows is read.
func TestAppendGroupsJSONDepth(t *testing.T) {
	t.Parallel()
	deep := `[{"a":` + strings.Repeat("[", maxDepth-2) + strings.Repeat("]", maxDepth-2) + `}]`
	got, err := AppendGroupsJSON(nil, []byte(deep))
	if err != nil || string(got) != deep {
		t.Errorf("a list %d deep: %v", maxDepth, err)
	}
	if _, err := decodeGroups([]byte(deep)); err != nil {
		t.Errorf("encoding/json refuses it: %v", err)
	}
}

func TestAppendJSON(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		v    any
	}{
		{"scalars", []any{nil, true, false, "x", json.Number("10.0"), 7.5, float32(0.5), 3, int64(-4), uint64(1 << 63), math.Copysign(0, -1)}},
		{"maps sorted", map[string]any{"b": 1, "a": map[string]any{"d": []any{}, "c": nil}, "": "e"}},
		{"typed lists and nil ones", map[string]any{"a": []map[string]any{{"x": 1}, nil}, "b": []any(nil), "c": map[string]any(nil)}},
		{"escapes", "\"\\\b\f\n\r\t\x01\x1f\x7f<&>\u2028\u2029é\U0001F600"},
		{"many keys", map[string]any{"k1": 1, "k2": 2, "k3": 3, "k4": 4, "k5": 5, "k6": 6, "k7": 7, "k8": 8, "k9": 9, "k10": 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := AppendJSON(nil, tc.v)
			if want := JSON(tc.v); !ok || string(got) != string(want) {
				t.Errorf("AppendJSON = %s, %v; want %s", got, ok, want)
			}
		})
	}
	for _, v := range []any{
		"a\xffb", map[string]any{"\xff": 1}, json.Number("x"), json.Number(""), math.NaN(), math.Inf(1),
		int32(1), []string{"a"}, map[string]string{}, []any{struct{}{}},
	} {
		if got, ok := AppendJSON(nil, v); ok {
			t.Errorf("AppendJSON(%#v) = %s, want not ok", v, got)
		}
	}
}

func TestAppendGroupJSON(t *testing.T) {
	t.Parallel()
	for _, g := range []map[string]any{
		nil,
		{"rollout_percentage": 10.0, "variant": "holdout-1", "aggregation_group_type_index": nil, "properties": []any{}},
		{"rollout_percentage": 5, "properties": []any{map[string]any{"key": "k", "operator": nil, "value": []any{nil}}, nil, "x", []any{map[string]any{"y": nil}}}},
		{"rollout_percentage": 5, "properties": []map[string]any{{"key": "k", "operator": nil}, nil}},
		{"rollout_percentage": 5, "properties": []map[string]any(nil)},
		{"rollout_percentage": 5, "properties": map[string]any{"key": nil}},
	} {
		got, ok := AppendGroupJSON(nil, g)
		if want := JSON(Group(g)); !ok || string(got) != string(want) {
			t.Errorf("AppendGroupJSON(%v) = %s, %v; want %s", g, got, ok, want)
		}
	}
}

// FuzzAppendGroupsJSON: for any text, AppendGroupsJSON fails exactly when
// encoding/json cannot decode it as filter groups, and otherwise writes
// JSON(Groups) of what encoding/json decodes; AppendGroupJSON and
// AppendJSON write what JSON does for the groups decoded.
func FuzzAppendGroupsJSON(f *testing.F) {
	f.Add([]byte(`[{"variant":"holdout-7","properties":[],"rollout_percentage":10}]`))
	f.Add([]byte(`[{"rollout_percentage":7.50,"properties":[{"key":"k","operator":null,"value":["\u00e9",1e2,null]}],"aggregation_group_type_index":null},null]`))
	f.Add([]byte(`[{"a":1,"a":{"b":null,"b":[-0.0]}}]`))
	f.Add([]byte(`[{"k":"\ud800\"\\\/\b\f\n\r\t"}]`))
	f.Add([]byte(`{"rollout_percentage":1}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := AppendGroupsJSON(nil, raw)
		if len(bytes.Trim(raw, " \t\n\r")) == 0 {
			if err != nil || string(got) != "[]" {
				t.Fatalf("empty filters: %s, %v", got, err)
			}
			return
		}
		gs, derr := decodeGroups(raw)
		if (err != nil) != (derr != nil) {
			t.Fatalf("AppendGroupsJSON(%q) error %v, encoding/json's %v", raw, err, derr)
		}
		if err != nil {
			return
		}
		if want := JSON(Groups(gs)); !bytes.Equal(got, want) {
			t.Fatalf("AppendGroupsJSON(%q)\n = %s\nwant %s", raw, got, want)
		}
		for _, g := range gs {
			if b, ok := AppendGroupJSON(nil, g); !ok || !bytes.Equal(b, JSON(Group(g))) {
				t.Fatalf("AppendGroupJSON(%v) = %s, %v; want %s", g, b, ok, JSON(Group(g)))
			}
		}
		if b, ok := AppendJSON(nil, gs); !ok || !bytes.Equal(b, JSON(gs)) {
			t.Fatalf("AppendJSON(%v) = %s, %v; want %s", gs, b, ok, JSON(gs))
		}
	})
}

// BenchmarkGroups compares two ways to the canonical form of a holdout's
// filters as PostHog sends them: decoding them into maps and normalising
// those (what a plan did for every holdout), and reading the text.
func BenchmarkGroups(b *testing.B) {
	raw := []byte(`[{"variant": "holdout-1234", "properties": [], "rollout_percentage": 10}]`)
	b.Run("decode+Groups", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.UseNumber()
			var gs []map[string]any
			if err := dec.Decode(&gs); err != nil {
				b.Fatal(err)
			}
			_ = Groups(gs)
		}
	})
	b.Run("AppendGroupsJSON", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			var err error
			if buf, err = AppendGroupsJSON(buf[:0], raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
