// Package canon is hogsync's one definition of "the same value": how
// PostHog trims text, when two numbers are equal, which keys are the same
// as absent, and what order keys come in. The manifest loader, the plan
// (sync), the saved-plan fingerprint and the PostHog emulator all use it,
// so the tests' oracle and the code under test cannot drift apart.
//
// Values are the JSON-compatible Go values that encoding/json (with
// UseNumber) and the manifest loader produce: nil, bool, string,
// json.Number, int, int64, uint64, float32, float64, []any,
// []map[string]any and map[string]any.
//
// The package imports only the standard library.
package canon

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"
)

// IsSpace reports whether r is white space to Python's str.isspace (and
// so to str.strip): Go's unicode.IsSpace plus U+001C–U+001F, the
// information separators.
func IsSpace(r rune) bool { return unicode.IsSpace(r) || (r >= 0x1c && r <= 0x1f) }

// Strip is Python's str.strip(): what PostHog (DRF's CharField) removes
// from a name or description before it stores it.
func Strip(s string) string { return strings.TrimFunc(s, IsSpace) }

// Description is a description as PostHog compares it: absent (nil), null
// and empty are all "", and surrounding white space is stripped.
func Description(s *string) string {
	if s == nil {
		return ""
	}
	return Strip(*s)
}

// bigInteger is integer text as JSON writes it (no leading zeros).
var bigInteger = regexp.MustCompile(`^-?[1-9][0-9]*$`)

// Number gives equal numbers equal text: "10", "10.0" and "1e1" all become
// "10". Integers keep every digit, however large. Text that is not a
// number is returned as written, so it compares as itself.
func Number(s string) json.Number {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil {
		return json.Number(strconv.FormatInt(i, 10))
	}
	if bigInteger.MatchString(s) {
		// An integer past int64 (12345678901234567890, which PostHog's
		// Python and jsonb keep exactly) keeps every digit too: through
		// a float64 it would be 12345678901234567000.
		return json.Number(s)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return json.Number(s)
	}
	return Float(f)
}

// Float is the canonical text of f: whole numbers below 1e21 with all their
// digits, as Python and PostgreSQL print them (1e16 reads back from jsonb as
// 10000000000000000, so the two must be equal), -0 as 0, and everything
// else in Go's shortest round-trip form.
func Float(f float64) json.Number {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		if f == 0 {
			return "0"
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
}

// Value returns a deep copy of v with every number as a canonical
// json.Number (see Number). Maps and lists are copied; nulls are kept:
// inside a property's value, null is data.
func Value(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = Value(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Value(e)
		}
		return out
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = Value(e)
		}
		return out
	case json.Number:
		return Number(string(v))
	case float64:
		return Float(v)
	case float32:
		return Float(float64(v))
	case int:
		return json.Number(strconv.FormatInt(int64(v), 10))
	case int64:
		return json.Number(strconv.FormatInt(v, 10))
	case uint64:
		return json.Number(strconv.FormatUint(v, 10))
	}
	return v
}

// ServerKeys are the keys of a filter group that PostHog sets itself:
// "variant" becomes "holdout-{id}" whatever was sent.
var ServerKeys = []string{"variant"}

// Group is a filter group in the form two groups are compared in: without
// what PostHog manages ("variant") or treats as absent (a key whose value
// is null, an empty "properties" list), with every property filter likewise
// free of null-valued keys, and every number canonical. The result is a
// new map; g is not changed.
func Group(g map[string]any) map[string]any {
	out := make(map[string]any, len(g))
	for k, v := range g {
		if v == nil || isServerKey(k) {
			continue
		}
		if k == "properties" {
			l, ok := asList(v)
			if ok && len(l) == 0 {
				continue
			}
			if ok {
				props := make([]any, len(l))
				for i, p := range l {
					props[i] = property(p)
				}
				out[k] = props
				continue
			}
		}
		out[k] = Value(v)
	}
	return out
}

// Groups applies Group to each filter group.
func Groups(gs []map[string]any) []map[string]any {
	out := make([]map[string]any, len(gs))
	for i, g := range gs {
		out[i] = Group(g)
	}
	return out
}

// property is one property filter in canonical form: a null-valued key is
// the same as an absent one (PostHog's UI writes "operator": null and the
// like), while nulls deeper inside (in "value") are data and kept.
func property(p any) any {
	m, ok := p.(map[string]any)
	if !ok {
		return Value(p)
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		if v != nil {
			out[k] = Value(v)
		}
	}
	return out
}

func isServerKey(k string) bool {
	for _, s := range ServerKeys {
		if k == s {
			return true
		}
	}
	return false
}

func asList(v any) ([]any, bool) {
	switch v := v.(type) {
	case []any:
		return v, true
	case []map[string]any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = e
		}
		return out, true
	}
	return nil, false
}

// JSON is the canonical JSON text of v: numbers canonical, object keys
// sorted, no HTML escaping, no trailing newline. Equal values give equal
// bytes, whatever the key order or number form they were written in.
func JSON(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(Value(v)); err != nil {
		// Canonical values are JSON by construction; this is a bug.
		panic(fmt.Sprintf("canon: value is not JSON: %v", err))
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// Equal reports whether a and b are the same JSON value after
// canonicalisation (10 equals 10.0; key order never matters).
func Equal(a, b any) bool { return bytes.Equal(JSON(a), JSON(b)) }

// JSONBLess orders object keys as PostgreSQL's jsonb stores them: shorter
// keys first, then bytewise. Filters read back from PostHog come in this
// order, never in the order they were sent.
func JSONBLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
