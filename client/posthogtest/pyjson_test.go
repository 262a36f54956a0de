package posthogtest

import (
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The expected strings below were produced by CPython 3.11's json module
// (json.loads with DRF's strict parse_constant) and codecs' UTF-8 stream
// reader.

func TestDecodeJSONErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"name": }`, "Expecting value: line 1 column 10 (char 9)"},
		{``, "Expecting value: line 1 column 1 (char 0)"},
		{`   `, "Expecting value: line 1 column 4 (char 3)"},
		{`{`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{`[`, "Expecting value: line 1 column 2 (char 1)"},
		{`{"a":1,}`, "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"},
		{`[1,]`, "Expecting value: line 1 column 4 (char 3)"},
		{`{"a" 1}`, "Expecting ':' delimiter: line 1 column 6 (char 5)"},
		{`{"a":1 "b":2}`, "Expecting ',' delimiter: line 1 column 8 (char 7)"},
		{`[1 2]`, "Expecting ',' delimiter: line 1 column 4 (char 3)"},
		{`{"a":"x\q"}`, `Invalid \escape: line 1 column 8 (char 7)`},
		{`{"a":"\u12"}`, `Invalid \uXXXX escape: line 1 column 8 (char 7)`},
		{`{"a":"\u12zz"}`, `Invalid \uXXXX escape: line 1 column 8 (char 7)`},
		{`"abc`, "Unterminated string starting at: line 1 column 1 (char 0)"},
		{"\"a\x01b\"", "Invalid control character at: line 1 column 3 (char 2)"},
		{`{"a":1}x`, "Extra data: line 1 column 8 (char 7)"},
		{`nul`, "Expecting value: line 1 column 1 (char 0)"},
		{`NaN`, "Out of range float values are not JSON compliant: 'NaN'"},
		{`-Infinity`, "Out of range float values are not JSON compliant: '-Infinity'"},
		{`[Infinity]`, "Out of range float values are not JSON compliant: 'Infinity'"},
		{`01`, "Extra data: line 1 column 2 (char 1)"},
		{`-`, "Expecting value: line 1 column 1 (char 0)"},
		{`1.`, "Extra data: line 1 column 2 (char 1)"},
		{`1e`, "Extra data: line 1 column 2 (char 1)"},
		{`{a:1}`, "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"},
		{"\n\n  {\"a\": tru}", "Expecting value: line 3 column 9 (char 10)"},
		{strings.Repeat("1", 4301), "Exceeds the limit (4300 digits) for integer string conversion: value has 4301 digits; use sys.set_int_max_str_digits() to increase the limit"},
		{"\xff", "'utf-8' codec can't decode byte 0xff in position 0: invalid start byte"},
		{"\xe2(\xa1", "'utf-8' codec can't decode byte 0xe2 in position 0: invalid continuation byte"},
		{"\xe2\x82(", "'utf-8' codec can't decode bytes in position 0-1: invalid continuation byte"},
		{"\xed\xa0\x80", "'utf-8' codec can't decode byte 0xed in position 0: invalid continuation byte"},
	}
	for _, tc := range tests {
		_, err := decodeJSON([]byte(tc.in))
		if err == nil || err.Error() != tc.want {
			t.Errorf("decodeJSON(%q) error %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestDecodeJSONValues(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`"\ud83d\ude00"`, "😀"},
		{`"\ud800"`, "\xed\xa0\x80"}, // a lone surrogate, kept as WTF-8
		{`{"a":1,"a":2,"b":3}`, obj("a", pyInt("2"), "b", pyInt("3"))},
		{`1E400`, math.Inf(1)},
		{`-0`, pyInt("0")},
		{`-0.0`, math.Copysign(0, -1)},
		{`12345678901234567890123`, pyInt("12345678901234567890123")},
		{`"\u0000"`, "\x00"},
		{"\"a\"\xe2\x82", "a"}, // a truncated final sequence is dropped
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
	if _, err := decodeJSON([]byte(strings.Repeat("[", 1001) + strings.Repeat("]", 1001))); err != errTooDeep {
		t.Errorf("deep nesting: %v, want errTooDeep", err)
	}
}

func TestPyFloatRepr(t *testing.T) {
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
	in := obj("rollout_percentage", 1e16, "b", obj("zz", 1.5, "a", -1.5e17), "aa", []any{obj("y", 1e-05, "x", pyInt("3"))})
	got := string(encodeJSON(toJSONB(in)))
	want := `{"b":{"a":-150000000000000000,"zz":1.5},"aa":[{"x":3,"y":1e-05}],"rollout_percentage":10000000000000000}`
	if got != want {
		t.Errorf("toJSONB:\n got %s\nwant %s", got, want)
	}
	// The input is not modified.
	if got := string(encodeJSON(in)); got != `{"rollout_percentage":1e+16,"b":{"zz":1.5,"a":-1.5e+17},"aa":[{"y":1e-05,"x":3}]}` {
		t.Errorf("input changed: %s", got)
	}
}

func TestEncodeStrings(t *testing.T) {
	got := string(encodeJSON("a\"\\\n\r\t\b\f\x01\x1f\x7fé€<>&\u2028"))
	want := `"a\"\\\n\r\t\b\f\u0001\u001f` + "\x7fé€<>&\u2028" + `"`
	if got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestPyEqual(t *testing.T) {
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
