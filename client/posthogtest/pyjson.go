package posthogtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hogsync/hogsync/internal/canon"
)

// This file models JSON the way PostHog's stack sees it: Python values in
// memory (DRF's JSONParser decodes with Python's json module), Postgres
// jsonb in the database, and DRF's compact JSONRenderer on the way out.
// Bodies are decoded with encoding/json; only what PostHog's behaviour
// depends on is Python's: integers versus floats, number equality, str()
// of a number, repr() of a float, and jsonb's key order and number forms.
//
// Decoded values are one of:
//
//	nil, bool, pyInt, float64, string, []any, *object

// pyInt is a JSON integer as Python decodes it: arbitrary precision, kept
// as the decimal text Python would print.
type pyInt string

// object is a JSON object that remembers key order, like a Python dict.
type object struct {
	keys []string
	vals map[string]any
}

func newObject() *object { return &object{vals: map[string]any{}} }

// obj builds an object from key/value pairs, in order.
func obj(kv ...any) *object {
	o := newObject()
	for i := 0; i+1 < len(kv); i += 2 {
		o.set(kv[i].(string), kv[i+1])
	}
	return o
}

// set assigns k like a Python dict: an existing key keeps its position.
func (o *object) set(k string, v any) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *object) get(k string) (any, bool) {
	v, ok := o.vals[k]
	return v, ok
}

func (o *object) len() int { return len(o.keys) }

// clone deep-copies v, keeping key order.
func clone(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = clone(x)
		}
		return out
	case *object:
		out := &object{keys: append([]string(nil), v.keys...), vals: make(map[string]any, len(v.vals))}
		for k, x := range v.vals {
			out.vals[k] = clone(x)
		}
		return out
	default:
		return v
	}
}

// ---- decoding ------------------------------------------------------------

// parseError is a body that is not JSON; DRF answers it with 400
// parse_error "JSON parse error - " + msg. The messages are Go's, not
// CPython's (see the package documentation).
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

// errTooDeep stands for Python's RecursionError on deeply nested input,
// which DRF does not catch: PostHog answers 500.
var errTooDeep = errors.New("maximum recursion depth exceeded while decoding a JSON object")

// maxDepth approximates CPython's default recursion limit.
const maxDepth = 1000

// maxIntDigits is CPython's default int max_str_digits.
const maxIntDigits = 4300

// decodeJSON decodes a request body into the value model: objects keep
// their key order (a repeated key keeps its first place and its last
// value, as a Python dict does), integers keep their digits, and a float
// too large for float64 becomes ±Inf as Python's float() makes it.
func decodeJSON(b []byte) (any, error) {
	if !utf8.Valid(b) {
		return nil, &parseError{"invalid UTF-8 in request body"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	v, err := decodeValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, &parseError{fmt.Sprintf("extra data after the JSON value at offset %d", dec.InputOffset())}
	}
	return v, nil
}

func decodeValue(dec *json.Decoder, depth int) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, &parseError{err.Error()}
	}
	switch tok := tok.(type) {
	case json.Delim:
		if depth++; depth > maxDepth {
			return nil, errTooDeep
		}
		if tok == '[' {
			a := []any{}
			for dec.More() {
				v, err := decodeValue(dec, depth)
				if err != nil {
					return nil, err
				}
				a = append(a, v)
			}
			_, err := dec.Token() // ']'
			return a, wrapParse(err)
		}
		o := newObject()
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				return nil, wrapParse(err)
			}
			v, err := decodeValue(dec, depth)
			if err != nil {
				return nil, err
			}
			o.set(k.(string), v)
		}
		_, err := dec.Token() // '}'
		return o, wrapParse(err)
	case json.Number:
		return pyNumberText(string(tok))
	default: // nil, bool, string
		return tok, nil
	}
}

func wrapParse(err error) error {
	if err == nil {
		return nil
	}
	return &parseError{err.Error()}
}

// pyNumberText is what Python's json module makes of a JSON number: an
// int (arbitrary precision, "-0" is 0) or a float (±Inf when too large).
func pyNumberText(s string) (any, error) {
	if strings.ContainsAny(s, ".eE") {
		f, err := strconv.ParseFloat(s, 64)
		if ne, ok := err.(*strconv.NumError); err != nil && !(ok && ne.Err == strconv.ErrRange) {
			return nil, &parseError{err.Error()}
		}
		return f, nil
	}
	digits := strings.TrimPrefix(s, "-")
	if len(digits) > maxIntDigits {
		return nil, &parseError{fmt.Sprintf("integer of %d digits exceeds Python's limit of %d", len(digits), maxIntDigits)}
	}
	if digits == "0" {
		return pyInt("0"), nil
	}
	return pyInt(s), nil
}

// ---- Python semantics ----------------------------------------------------

// pyTypeName is type(v).__name__.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "NoneType"
	case bool:
		return "bool"
	case pyInt:
		return "int"
	case float64:
		return "float"
	case string:
		return "str"
	case []any:
		return "list"
	default:
		return "dict"
	}
}

// pyTruthy is bool(v).
func pyTruthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case pyInt:
		return v != "0"
	case float64:
		return v != 0
	case string:
		return v != ""
	case []any:
		return len(v) > 0
	case *object:
		return v.len() > 0
	}
	return true
}

// pyNumber reports v as an exact rational if it is a Python number
// (bool, int or finite float); inf reports ±1 in inf.
func pyNumber(v any) (r *big.Rat, inf int, ok bool) {
	switch v := v.(type) {
	case bool:
		if v {
			return big.NewRat(1, 1), 0, true
		}
		return new(big.Rat), 0, true
	case pyInt:
		r, ok := new(big.Rat).SetString(string(v))
		return r, 0, ok
	case float64:
		if math.IsInf(v, 0) {
			if v > 0 {
				return nil, 1, true
			}
			return nil, -1, true
		}
		if math.IsNaN(v) {
			return nil, 0, false
		}
		return new(big.Rat).SetFloat64(v), 0, true
	}
	return nil, 0, false
}

// pyCompare compares two Python numbers exactly (int 10 == float 10.0).
func pyCompare(a, b any) (int, bool) {
	ra, ia, oka := pyNumber(a)
	rb, ib, okb := pyNumber(b)
	if !oka || !okb {
		return 0, false
	}
	switch {
	case ia != 0 || ib != 0:
		switch {
		case ia == ib:
			return 0, true
		case ia > ib:
			return 1, true
		default:
			return -1, true
		}
	}
	return ra.Cmp(rb), true
}

// pyEqual is Python's == on decoded JSON values.
func pyEqual(a, b any) bool {
	if c, ok := pyCompare(a, b); ok {
		return c == 0
	}
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		bs, ok := b.(string)
		return ok && a == bs
	case []any:
		bl, ok := b.([]any)
		if !ok || len(a) != len(bl) {
			return false
		}
		for i := range a {
			if !pyEqual(a[i], bl[i]) {
				return false
			}
		}
		return true
	case *object:
		bo, ok := b.(*object)
		if !ok || a.len() != bo.len() {
			return false
		}
		for k, v := range a.vals {
			w, ok := bo.vals[k]
			if !ok || !pyEqual(v, w) {
				return false
			}
		}
		return true
	}
	return false
}

// pyStr is str(v) for the scalar types DRF's CharField accepts.
func pyStr(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case pyInt:
		return string(v)
	case float64:
		return pyFloatRepr(v)
	case bool:
		if v {
			return "True"
		}
		return "False"
	case nil:
		return "None"
	}
	return fmt.Sprint(v)
}

// pyFloatRepr is repr(float): the shortest round-trip digits, in fixed
// notation when 1e-4 <= |f| < 1e16, always with a fractional part.
func pyFloatRepr(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	s := strconv.FormatFloat(f, 'e', -1, 64)
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	mant, expText, _ := strings.Cut(s, "e")
	exp, _ := strconv.Atoi(expText)
	digits := strings.Replace(mant, ".", "", 1)
	decpt := exp + 1
	var out string
	switch {
	case decpt <= -4 || decpt > 16:
		out = digits[:1]
		if len(digits) > 1 {
			out += "." + digits[1:]
		}
		e, sign := decpt-1, "+"
		if e < 0 {
			e, sign = -e, "-"
		}
		out += fmt.Sprintf("e%s%02d", sign, e)
	case decpt <= 0:
		out = "0." + strings.Repeat("0", -decpt) + digits
	case decpt >= len(digits):
		out = digits + strings.Repeat("0", decpt-len(digits)) + ".0"
	default:
		out = digits[:decpt] + "." + digits[decpt:]
	}
	if neg {
		out = "-" + out
	}
	return out
}

// ---- Postgres jsonb --------------------------------------------------------

// toJSONB returns v as it reads back from a jsonb column through Python:
// a deep copy with every object's keys in jsonb order, and floats that
// Python wrote in exponent notation (|f| >= 1e16) turned into the integers
// Postgres prints for them.
func toJSONB(v any) any {
	switch v := v.(type) {
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toJSONB(x)
		}
		return out
	case *object:
		keys := append([]string(nil), v.keys...)
		sort.Slice(keys, func(i, j int) bool { return canon.JSONBLess(keys[i], keys[j]) })
		out := &object{keys: keys, vals: make(map[string]any, len(keys))}
		for k, x := range v.vals {
			out.vals[k] = toJSONB(x)
		}
		return out
	case float64:
		return jsonbFloat(v)
	default:
		return v
	}
}

func jsonbFloat(f float64) any {
	if f == 0 {
		return 0.0 // numeric has no negative zero: -0.0 reads back as 0.0
	}
	r := pyFloatRepr(f)
	mant, expText, ok := strings.Cut(r, "e+")
	if !ok {
		return f
	}
	exp, _ := strconv.Atoi(expText)
	neg := strings.HasPrefix(mant, "-")
	mant = strings.TrimPrefix(mant, "-")
	digits := strings.Replace(mant, ".", "", 1)
	s := digits + strings.Repeat("0", exp-(len(digits)-1))
	if neg {
		s = "-" + s
	}
	return pyInt(s)
}

// finite reports whether v holds no NaN or infinite float.
func finite(v any) bool {
	switch v := v.(type) {
	case float64:
		return !math.IsNaN(v) && !math.IsInf(v, 0)
	case []any:
		for _, x := range v {
			if !finite(x) {
				return false
			}
		}
	case *object:
		for _, x := range v.vals {
			if !finite(x) {
				return false
			}
		}
	}
	return true
}

// dbError reports whether Postgres would refuse to store v in a jsonb
// column: a NUL character in a string or key ("unsupported Unicode escape
// sequence"). PostHog turns that into a 500.
func dbError(v any) bool {
	switch v := v.(type) {
	case string:
		return strings.ContainsRune(v, 0)
	case []any:
		for _, x := range v {
			if dbError(x) {
				return true
			}
		}
	case *object:
		for k, x := range v.vals {
			if dbError(k) || dbError(x) {
				return true
			}
		}
	}
	return false
}

// ---- encoding ------------------------------------------------------------

// encodeJSON renders v like PostHog's renderer (orjson behind DRF):
// compact separators, non-ASCII characters unescaped, floats as Python's
// repr writes them.
func encodeJSON(v any) []byte {
	b, _ := renderJSON(v)
	return b
}

// renderJSON is encodeJSON that also reports whether PostHog could render
// v at all: orjson refuses integers outside [-2^63, 2^64-1], and the
// request then ends in Django's HTML 500 page.
func renderJSON(v any) ([]byte, bool) { return renderJSONSize(v, 0) }

// renderJSONSize is renderJSON into a buffer of capacity size, the
// expected length: growing a large buffer by doubling costs more than
// rendering.
func renderJSONSize(v any, size int) ([]byte, bool) {
	ok := true
	b := appendJSON(make([]byte, 0, size), v, &ok)
	return b, ok
}

// rawJSON is JSON text rendered before, written as is; ok is
// renderJSON's verdict on it.
type rawJSON struct {
	b  []byte
	ok bool
}

func appendJSON(b []byte, v any, ok *bool) []byte {
	switch v := v.(type) {
	case rawJSON:
		if !v.ok {
			*ok = false
		}
		return append(b, v.b...)
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case pyInt:
		if len(v) > 18 && !fitsOrjson(string(v)) {
			*ok = false
		}
		return append(b, v...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return append(b, "null"...) // as orjson writes them
		}
		return append(b, pyFloatRepr(v)...)
	case string:
		return appendPyString(b, v)
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSON(b, x, ok)
		}
		return append(b, ']')
	case *object:
		b = append(b, '{')
		for i, k := range v.keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendPyString(b, k)
			b = append(b, ':')
			b = appendJSON(b, v.vals[k], ok)
		}
		return append(b, '}')
	}
	panic(fmt.Sprintf("posthogtest: cannot encode %T", v))
}

// fitsOrjson reports whether integer text s is in orjson's range.
func fitsOrjson(s string) bool {
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		return true
	}
	_, err := strconv.ParseUint(s, 10, 64)
	return err == nil
}

// appendPyString quotes s as json.dumps(ensure_ascii=False) does.
func appendPyString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b = append(b, '\\', '"')
		case '\\':
			b = append(b, '\\', '\\')
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		case '\b':
			b = append(b, '\\', 'b')
		case '\f':
			b = append(b, '\\', 'f')
		default:
			if c < 0x20 {
				b = append(b, fmt.Sprintf("\\u%04x", c)...)
			} else {
				b = append(b, c)
			}
		}
	}
	return append(b, '"')
}

// ---- Go values -------------------------------------------------------------

// fromGo converts a Go value (as encoding/json would marshal it) into a
// decoded JSON value.
func fromGo(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return decodeJSON(b)
}

// toGo converts a decoded value into plain Go values: map[string]any,
// []any, string, bool, nil, and json.Number for every number (holding the
// text PostHog would print).
func toGo(v any) any {
	switch v := v.(type) {
	case pyInt:
		return json.Number(v)
	case float64:
		return json.Number(pyFloatRepr(v))
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toGo(x)
		}
		return out
	case *object:
		out := make(map[string]any, v.len())
		for k, x := range v.vals {
			out[k] = toGo(x)
		}
		return out
	default:
		return v
	}
}
