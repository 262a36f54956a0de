package posthogtest

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// Malformed bodies are parse errors (400 parse_error); only deep nesting
// is Python's RecursionError (500). The messages are encoding/json's.
func TestDecodeJSONErrors(t *testing.T) {
	t.Parallel()
	for _, in := range []string{
		`{"name": }`, ``, `   `, `{`, `[`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `{"a":1 "b":2}`,
		`{"a":"x\q"}`, `{"a":"\u12"}`, `"abc`, "\"a\x01b\"", `{"a":1}x`, `{"a":1} {}`, `nul`,
		`NaN`, `-Infinity`, `01`, `-`, `1.`, `1e`, `{a:1}`, "\xef\xbb\xbf{}", "\xff", "\"a\"\xe2\x82",
		strings.Repeat("1", 4301),
	} {
		_, err := decodeJSON([]byte(in))
		var pe *parseError
		if !errors.As(err, &pe) {
			t.Errorf("decodeJSON(%q) error %v, want a parse error", in, err)
		}
	}
	if _, err := decodeJSON([]byte(strings.Repeat("[", 1001) + strings.Repeat("]", 1001))); err != errTooDeep {
		t.Errorf("deep nesting: %v, want errTooDeep", err)
	}
	if _, err := decodeJSON([]byte(strings.Repeat("[", 1000) + strings.Repeat("]", 1000))); err != nil {
		t.Errorf("nesting at the limit: %v", err)
	}
}

func TestDecodeJSONValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want any
	}{
		{`"\ud83d\ude00"`, "😀"},
		{`{"a":1,"a":2,"b":3}`, obj("a", pyInt("2"), "b", pyInt("3"))},
		{`{"b":1,"a":2,"b":3}`, obj("b", pyInt("3"), "a", pyInt("2"))}, // a repeated key keeps its first place
		{`1E400`, math.Inf(1)},
		{`-1e400`, math.Inf(-1)},
		{`-0`, pyInt("0")},
		{`-0.0`, math.Copysign(0, -1)},
		{`10.0`, 10.0},
		{`10`, pyInt("10")},
		{`12345678901234567890123`, pyInt("12345678901234567890123")},
		{`"\u0000"`, "\x00"},
		{` [true,false,null,1.5,{}] `, []any{true, false, nil, 1.5, newObject()}},
	}
	for _, tc := range tests {
		got, err := decodeJSON([]byte(tc.in))
		if err != nil {
			t.Errorf("decodeJSON(%q): %v", tc.in, err)
			continue
		}
		if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(object{}), cmp.Comparer(func(a, b float64) bool {
			return math.Float64bits(a) == math.Float64bits(b)
		})); d != "" {
			t.Errorf("decodeJSON(%q) (-want +got):\n%s", tc.in, d)
		}
	}
}

func TestPyFloatRepr(t *testing.T) {
	t.Parallel()
	tenth, fifth := 0.1, 0.2 // variables: constant arithmetic would be exact
	tests := []struct {
		f    float64
		want string
	}{
		{5.5, "5.5"}, {100, "100.0"}, {0.0001, "0.0001"}, {0.00001, "1e-05"},
		{1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {1.5e16, "1.5e+16"},
		{123456789012345678, "1.2345678901234568e+17"}, {math.Copysign(0, -1), "-0.0"},
		{1.0 / 3, "0.3333333333333333"}, {1e22, "1e+22"}, {2.5e-7, "2.5e-07"},
		{tenth + fifth, "0.30000000000000004"}, {-7.25, "-7.25"}, {math.Inf(1), "inf"},
	}
	for _, tc := range tests {
		if got := pyFloatRepr(tc.f); got != tc.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", tc.f, got, tc.want)
		}
	}
}

func TestJSONB(t *testing.T) {
	t.Parallel()
	in := obj("rollout_percentage", 1e16, "b", obj("zz", 1.5, "a", -1.5e17), "aa", []any{obj("y", 1e-05, "x", pyInt("3"))})
	got := string(encodeJSON(toJSONB(in)))
	want := `{"b":{"a":-150000000000000000,"zz":1.5},"aa":[{"x":3,"y":1e-05}],"rollout_percentage":10000000000000000}`
	if got := string(encodeJSON(toJSONB([]any{math.Copysign(0, -1)}))); got != "[0.0]" {
		t.Errorf("toJSONB(-0.0) = %s, want [0.0] (numeric has no negative zero)", got)
	}
	if got != want {
		t.Errorf("toJSONB:\n got %s\nwant %s", got, want)
	}
	// The input is not modified.
	if got := string(encodeJSON(in)); got != `{"rollout_percentage":1e+16,"b":{"zz":1.5,"a":-1.5e+17},"aa":[{"y":1e-05,"x":3}]}` {
		t.Errorf("input changed: %s", got)
	}
}

func TestEncodeStrings(t *testing.T) {
	t.Parallel()
	got := string(encodeJSON("a\"\\\n\r\t\b\f\x01\x1f\x7fé€<>&\u2028"))
	want := `"a\"\\\n\r\t\b\f\u0001\u001f` + "\x7fé€<>&\u2028" + `"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPyEqual(t *testing.T) {
	t.Parallel()
	a := []any{obj("rollout_percentage", pyInt("10"), "variant", "holdout-1", "f", true)}
	for _, tc := range []struct {
		b    any
		want bool
	}{
		{[]any{obj("variant", "holdout-1", "f", pyInt("1"), "rollout_percentage", 10.0)}, true},
		{[]any{obj("variant", "holdout-1", "f", true, "rollout_percentage", 10.5)}, false},
		{[]any{obj("variant", "holdout-1", "rollout_percentage", pyInt("10"))}, false},
		{[]any{obj("variant", "holdout-2", "f", true, "rollout_percentage", pyInt("10"))}, false},
		{[]any{obj("variant", "holdout-1", "f", "True", "rollout_percentage", pyInt("10"))}, false},
		{obj("variant", "holdout-1", "f", true, "rollout_percentage", pyInt("10")), false},
	} {
		if got := pyEqual(a, tc.b); got != tc.want {
			t.Errorf("pyEqual(a, %s) = %v, want %v", encodeJSON(tc.b), got, tc.want)
		}
	}
	if c, ok := pyCompare(pyInt("9007199254740993"), 9007199254740992.0); !ok || c != 1 {
		t.Errorf("int/float compared inexactly: %d %v", c, ok)
	}
}

func TestPyParseInt(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{" 1_0 ": "10", "+5": "5", "-3": "-3", "007": "7"} {
		if n, ok := pyParseInt(in); !ok || n.String() != want {
			t.Errorf("pyParseInt(%q) = %v %v, want %s", in, n, ok, want)
		}
	}
	for _, in := range []string{"", "1__0", "_1", "1_", "1.0", "0x10", "1e3", "--1"} {
		if n, ok := pyParseInt(in); ok {
			t.Errorf("pyParseInt(%q) = %v, want error", in, n)
		}
	}
}

func TestBearerToken(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Bearer phx_a":      "phx_a",
		"Bearer \t phx_a  ": "phx_a",
		"Bearer a b ":       "a b",
		"Bearer ab":         "ab",
	} {
		if got, ok := bearerToken(in); !ok || got != want {
			t.Errorf("bearerToken(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "Bearer", "Bearer ", "Bearer a", "Bearer \t a", "bearer phx_a", "Token phx_a", "Bearerphx_a", " Bearer phx_a"} {
		if got, ok := bearerToken(in); ok {
			t.Errorf("bearerToken(%q) = %q, want no match", in, got)
		}
	}
}
