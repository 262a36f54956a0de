package posthogtest

import (
	"github.com/hogsync/hogsync/internal/canon"

	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file models JSON the way PostHog's stack sees it: Python's json
// module (CPython's C scanner) behind Django REST framework's JSONParser,
// Python values in memory, Postgres jsonb in the database, and DRF's
// compact JSONRenderer on the way out.
//
// Decoded values are one of:
//
//	nil, bool, pyInt, float64, string, []any, *object
//
// Strings are Go strings; a lone UTF-16 surrogate (which Python's decoder
// accepts from a \uXXXX escape) is kept as its 3-byte WTF-8 form so that
// validation can reject it the way Django and Postgres do.

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

// parseError is a ValueError raised while decoding a request body; DRF
// answers it with 400 parse_error "JSON parse error - " + msg.
type parseError struct{ msg string }

func (e *parseError) Error() string { return e.msg }

// errTooDeep stands for Python's RecursionError on deeply nested input,
// which DRF does not catch: PostHog answers 500.
var errTooDeep = fmt.Errorf("maximum recursion depth exceeded while decoding a JSON object")

// maxDepth approximates CPython's default recursion limit.
const maxDepth = 1000

// maxIntDigits is CPython's default int max_str_digits.
const maxIntDigits = 4300

// decodeJSON decodes a request body as DRF's JSONParser does: UTF-8 via a
// codecs stream reader, then json.load with NaN/Infinity refused.
func decodeJSON(b []byte) (any, error) {
	s, err := decodeUTF8(b)
	if err != nil {
		return nil, err
	}
	p := &jsonParser{s: s}
	if len(s) > 0 && s[0] == '\ufeff' {
		return nil, p.errAt("Unexpected UTF-8 BOM (decode using utf-8-sig)", 0)
	}
	v, end, err := p.scanOnce(p.skipWS(0))
	if err != nil {
		if si, ok := err.(stopIteration); ok {
			return nil, p.errAt("Expecting value", int(si))
		}
		return nil, err
	}
	if end = p.skipWS(end); end != len(s) {
		return nil, p.errAt("Extra data", end)
	}
	return v, nil
}

// decodeUTF8 decodes b like codecs.getreader("utf-8")(stream).read(): a
// strict decoder that, not being told the input is final, silently drops a
// truncated multi-byte sequence at the very end.
func decodeUTF8(b []byte) ([]rune, error) {
	out := make([]rune, 0, len(b))
	for i := 0; i < len(b); {
		c := b[i]
		if c < 0x80 {
			out = append(out, rune(c))
			i++
			continue
		}
		need, lo, hi := 0, byte(0x80), byte(0xBF)
		switch {
		case c >= 0xC2 && c <= 0xDF:
			need = 1
		case c == 0xE0:
			need, lo = 2, 0xA0
		case c == 0xED:
			need, hi = 2, 0x9F
		case c >= 0xE1 && c <= 0xEF:
			need = 2
		case c == 0xF0:
			need, lo = 3, 0x90
		case c >= 0xF1 && c <= 0xF3:
			need = 3
		case c == 0xF4:
			need, hi = 3, 0x8F
		default:
			return nil, utf8Error(b, i, i+1, "invalid start byte")
		}
		j := i + 1
		for k := 0; k < need; k++ {
			if j >= len(b) {
				return out, nil // incomplete tail: kept for a read that never comes
			}
			l, h := byte(0x80), byte(0xBF)
			if k == 0 {
				l, h = lo, hi
			}
			if b[j] < l || b[j] > h {
				return nil, utf8Error(b, i, j, "invalid continuation byte")
			}
			j++
		}
		r, _ := utf8.DecodeRune(b[i:j])
		out = append(out, r)
		i = j
	}
	return out, nil
}

func utf8Error(b []byte, start, end int, reason string) error {
	if end-start == 1 {
		return &parseError{fmt.Sprintf("'utf-8' codec can't decode byte 0x%02x in position %d: %s", b[start], start, reason)}
	}
	return &parseError{fmt.Sprintf("'utf-8' codec can't decode bytes in position %d-%d: %s", start, end-1, reason)}
}

// stopIteration is the scanner's "no value here" signal; at the top it
// becomes "Expecting value".
type stopIteration int

func (stopIteration) Error() string { return "stop iteration" }

type jsonParser struct {
	s     []rune
	depth int
}

// errAt formats a json.JSONDecodeError message.
func (p *jsonParser) errAt(msg string, pos int) error {
	line, lastNL := 1, -1
	for i := 0; i < pos && i < len(p.s); i++ {
		if p.s[i] == '\n' {
			line++
			lastNL = i
		}
	}
	return &parseError{fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, pos-lastNL, pos)}
}

func isJSONSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func (p *jsonParser) skipWS(i int) int {
	for i < len(p.s) && isJSONSpace(p.s[i]) {
		i++
	}
	return i
}

func (p *jsonParser) hasPrefix(i int, lit string) bool {
	for _, r := range lit {
		if i >= len(p.s) || p.s[i] != r {
			return false
		}
		i++
	}
	return true
}

func (p *jsonParser) scanOnce(idx int) (any, int, error) {
	if idx >= len(p.s) {
		return nil, 0, stopIteration(idx)
	}
	switch p.s[idx] {
	case '"':
		return p.scanString(idx + 1)
	case '{':
		return p.nested(func() (any, int, error) { return p.parseObject(idx + 1) })
	case '[':
		return p.nested(func() (any, int, error) { return p.parseArray(idx + 1) })
	case 'n':
		if p.hasPrefix(idx, "null") {
			return nil, idx + 4, nil
		}
	case 't':
		if p.hasPrefix(idx, "true") {
			return true, idx + 4, nil
		}
	case 'f':
		if p.hasPrefix(idx, "false") {
			return false, idx + 5, nil
		}
	case 'N':
		if p.hasPrefix(idx, "NaN") {
			return nil, 0, strictConstant("NaN")
		}
	case 'I':
		if p.hasPrefix(idx, "Infinity") {
			return nil, 0, strictConstant("Infinity")
		}
	case '-':
		if p.hasPrefix(idx, "-Infinity") {
			return nil, 0, strictConstant("-Infinity")
		}
	}
	return p.parseNumber(idx)
}

// strictConstant is DRF's parse_constant for NaN and the infinities.
func strictConstant(c string) error {
	return &parseError{"Out of range float values are not JSON compliant: '" + c + "'"}
}

func (p *jsonParser) nested(f func() (any, int, error)) (any, int, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return nil, 0, errTooDeep
	}
	return f()
}

func (p *jsonParser) parseObject(idx int) (any, int, error) {
	o := newObject()
	idx = p.skipWS(idx)
	if idx >= len(p.s) || p.s[idx] != '}' {
		for {
			if idx >= len(p.s) || p.s[idx] != '"' {
				return nil, 0, p.errAt("Expecting property name enclosed in double quotes", idx)
			}
			k, next, err := p.scanString(idx + 1)
			if err != nil {
				return nil, 0, err
			}
			idx = p.skipWS(next)
			if idx >= len(p.s) || p.s[idx] != ':' {
				return nil, 0, p.errAt("Expecting ':' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
			v, next, err := p.scanOnce(idx)
			if err != nil {
				return nil, 0, err
			}
			o.set(k.(string), v)
			idx = p.skipWS(next)
			if idx < len(p.s) && p.s[idx] == '}' {
				break
			}
			if idx >= len(p.s) || p.s[idx] != ',' {
				return nil, 0, p.errAt("Expecting ',' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
		}
	}
	return o, idx + 1, nil
}

func (p *jsonParser) parseArray(idx int) (any, int, error) {
	a := []any{}
	idx = p.skipWS(idx)
	if idx >= len(p.s) || p.s[idx] != ']' {
		for {
			v, next, err := p.scanOnce(idx)
			if err != nil {
				return nil, 0, err
			}
			a = append(a, v)
			idx = p.skipWS(next)
			if idx < len(p.s) && p.s[idx] == ']' {
				break
			}
			if idx >= len(p.s) || p.s[idx] != ',' {
				return nil, 0, p.errAt("Expecting ',' delimiter", idx)
			}
			idx = p.skipWS(idx + 1)
		}
	}
	return a, idx + 1, nil
}

func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func (p *jsonParser) parseNumber(start int) (any, int, error) {
	s, idx, end := p.s, start, len(p.s)-1
	if s[idx] == '-' {
		idx++
		if idx > end {
			return nil, 0, stopIteration(start)
		}
	}
	switch {
	case s[idx] >= '1' && s[idx] <= '9':
		idx++
		for idx <= end && isASCIIDigit(s[idx]) {
			idx++
		}
	case s[idx] == '0':
		idx++
	default:
		return nil, 0, stopIteration(start)
	}
	isFloat := false
	if idx < end && s[idx] == '.' && isASCIIDigit(s[idx+1]) {
		isFloat = true
		idx += 2
		for idx <= end && isASCIIDigit(s[idx]) {
			idx++
		}
	}
	if idx < end && (s[idx] == 'e' || s[idx] == 'E') {
		eStart := idx
		idx++
		if idx < end && (s[idx] == '-' || s[idx] == '+') {
			idx++
		}
		for idx <= end && isASCIIDigit(s[idx]) {
			idx++
		}
		if isASCIIDigit(s[idx-1]) {
			isFloat = true
		} else {
			idx = eStart
		}
	}
	text := string(s[start:idx])
	if isFloat {
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !isRangeErr(err) {
			return nil, 0, &parseError{fmt.Sprintf("could not convert string to float: '%s'", text)}
		}
		return f, idx, nil
	}
	digits := strings.TrimPrefix(text, "-")
	if len(digits) > maxIntDigits {
		return nil, 0, &parseError{fmt.Sprintf("Exceeds the limit (%d digits) for integer string conversion: value has %d digits; use sys.set_int_max_str_digits() to increase the limit", maxIntDigits, len(digits))}
	}
	if digits == "0" {
		text = "0"
	}
	return pyInt(text), idx, nil
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

// scanString scans a string whose opening quote is at end-1, mirroring
// scanstring_unicode in CPython's _json.c (strict mode).
func (p *jsonParser) scanString(end int) (any, int, error) {
	s := p.s
	begin := end - 1
	var b strings.Builder
	for {
		next := end
		var c rune
		for ; next < len(s); next++ {
			c = s[next]
			if c == '"' || c == '\\' {
				break
			}
			if c <= 0x1f {
				return nil, 0, p.errAt("Invalid control character at", next)
			}
		}
		if next >= len(s) {
			return nil, 0, p.errAt("Unterminated string starting at", begin)
		}
		b.WriteString(string(s[end:next]))
		next++
		if c == '"' {
			return b.String(), next, nil
		}
		if next == len(s) {
			return nil, 0, p.errAt("Unterminated string starting at", begin)
		}
		c = s[next]
		if c != 'u' {
			end = next + 1
			switch c {
			case '"', '\\', '/':
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			default:
				return nil, 0, p.errAt("Invalid \\escape", end-2)
			}
			b.WriteRune(c)
			continue
		}
		next++
		end = next + 4
		if end >= len(s) {
			return nil, 0, p.errAt("Invalid \\uXXXX escape", next-1)
		}
		u, ok := hex4(s[next:end])
		if !ok {
			return nil, 0, p.errAt("Invalid \\uXXXX escape", end-5)
		}
		next = end
		if u >= 0xD800 && u <= 0xDBFF && end+6 < len(s) && s[next] == '\\' && s[next+1] == 'u' {
			end += 6
			u2, ok := hex4(s[next+2 : end])
			if !ok {
				return nil, 0, p.errAt("Invalid \\uXXXX escape", end-5)
			}
			if u2 >= 0xDC00 && u2 <= 0xDFFF {
				u = 0x10000 + (u-0xD800)<<10 + (u2 - 0xDC00)
			} else {
				end -= 6
			}
		}
		writeWTF8(&b, u)
	}
}

func hex4(rs []rune) (rune, bool) {
	var v rune
	for _, r := range rs {
		var d rune
		switch {
		case r >= '0' && r <= '9':
			d = r - '0'
		case r >= 'a' && r <= 'f':
			d = r - 'a' + 10
		case r >= 'A' && r <= 'F':
			d = r - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | d
	}
	return v, true
}

// writeWTF8 writes r, encoding a lone surrogate as its 3-byte WTF-8 form.
func writeWTF8(b *strings.Builder, r rune) {
	if r >= 0xD800 && r <= 0xDFFF {
		b.WriteByte(byte(0xE0 | r>>12))
		b.WriteByte(byte(0x80 | (r>>6)&0x3F))
		b.WriteByte(byte(0x80 | r&0x3F))
		return
	}
	b.WriteRune(r)
}

// pyRunes splits s into code points as Python counts them, decoding
// WTF-8 surrogates as single code points.
func pyRunes(s string) []rune {
	var out []rune
	for i := 0; i < len(s); {
		if s[i] == 0xED && i+2 < len(s) && s[i+1] >= 0xA0 && s[i+1] <= 0xBF {
			out = append(out, rune(s[i]&0x0F)<<12|rune(s[i+1]&0x3F)<<6|rune(s[i+2]&0x3F))
			i += 3
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		out = append(out, r)
		i += n
	}
	return out
}

// firstSurrogate returns the first lone surrogate in s, if any.
func firstSurrogate(s string) (rune, bool) {
	for _, r := range pyRunes(s) {
		if r >= 0xD800 && r <= 0xDFFF {
			return r, true
		}
	}
	return 0, false
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

// dbError reports why Postgres (or psycopg) would refuse to store v in a
// jsonb column: a NUL character, a lone surrogate, or an infinite float.
// PostHog turns that into a 500.
func dbError(v any) bool {
	switch v := v.(type) {
	case string:
		_, sur := firstSurrogate(v)
		return sur || strings.ContainsRune(v, 0)
	case float64:
		return math.IsInf(v, 0) || math.IsNaN(v)
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

// encodeJSON renders v like DRF's JSONRenderer: compact separators,
// non-ASCII characters unescaped.
func encodeJSON(v any) []byte { return appendJSON(nil, v) }

func appendJSON(b []byte, v any) []byte {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...)
	case bool:
		return strconv.AppendBool(b, v)
	case pyInt:
		return append(b, v...)
	case int64:
		return strconv.AppendInt(b, v, 10)
	case int:
		return strconv.AppendInt(b, int64(v), 10)
	case float64:
		switch {
		case math.IsNaN(v):
			return append(b, "NaN"...)
		case math.IsInf(v, 1):
			return append(b, "Infinity"...)
		case math.IsInf(v, -1):
			return append(b, "-Infinity"...)
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
			b = appendJSON(b, x)
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
			b = appendJSON(b, v.vals[k])
		}
		return append(b, '}')
	}
	panic(fmt.Sprintf("posthogtest: cannot encode %T", v))
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
