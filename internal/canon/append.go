package canon

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	stdsync "sync"
	"unicode/utf8"
)

// This file writes canonical JSON (the bytes JSON gives) without
// encoding/json's reflection and without the copies Value and Group
// make: a plan compares every manifest with its holdout, and for a
// project in sync that comparison, not the changes, is most of its work.

// AppendJSON appends JSON(v) to dst. ok is false, and dst of no use,
// when v holds something it does not write as JSON would, or whose JSON
// would not tell it apart from another value: a type the package
// comment does not list, a json.Number that is no number, an infinite
// or NaN float, or text (a string or a key) that is not UTF-8, which
// JSON writes as U+FFFD. Two values whose AppendJSON is ok and gives
// the same bytes are the same value.
func AppendJSON(dst []byte, v any) ([]byte, bool) {
	return appendValue(dst, v)
}

// AppendGroupJSON appends JSON(Group(g)) to dst without making Group's
// copy; ok as for AppendJSON.
func AppendGroupJSON(dst []byte, g map[string]any) ([]byte, bool) {
	return appendMap(dst, g, groupMember)
}

// member is what becomes of one key and value of an object.
type member int

const (
	keep      member = iota
	drop             // left out
	propsList        // kept; a list value is a "properties" list, each of its objects a property
)

// plainMember keeps every member: an object inside a value.
func plainMember(string, any) member { return keep }

// groupMember is Group's rule for a filter group's members.
func groupMember(k string, v any) member {
	if v == nil || isServerKey(k) {
		return drop
	}
	if k == "properties" {
		if l, ok := asListNoCopy(v); ok {
			if l == 0 {
				return drop
			}
			return propsList
		}
	}
	return keep
}

// propertyMember is property's rule: a null-valued key is absent.
func propertyMember(_ string, v any) member {
	if v == nil {
		return drop
	}
	return keep
}

// asListNoCopy is asList's answer without its copy: whether v is a list,
// and its length.
func asListNoCopy(v any) (int, bool) {
	switch v := v.(type) {
	case []any:
		return len(v), true
	case []map[string]any:
		return len(v), true
	}
	return 0, false
}

func appendValue(dst []byte, v any) ([]byte, bool) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), true
	case bool:
		return strconv.AppendBool(dst, v), true
	case string:
		return appendString(dst, v)
	case json.Number:
		return appendNumber(dst, Number(string(v)))
	case float64:
		return appendFloatNumber(dst, v)
	case float32:
		return appendFloatNumber(dst, float64(v))
	case int:
		return strconv.AppendInt(dst, int64(v), 10), true
	case int64:
		return strconv.AppendInt(dst, v, 10), true
	case uint64:
		return strconv.AppendUint(dst, v, 10), true
	case map[string]any:
		return appendMap(dst, v, plainMember)
	case []any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendValue(dst, e); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	case []map[string]any:
		dst = append(dst, '[')
		for i, e := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			var ok bool
			if dst, ok = appendMap(dst, e, plainMember); !ok {
				return dst, false
			}
		}
		return append(dst, ']'), true
	}
	return dst, false
}

// appendMap writes m's members that rule keeps, keys in byte order as
// encoding/json sorts them.
func appendMap(dst []byte, m map[string]any, rule func(string, any) member) ([]byte, bool) {
	var buf [8]string
	keys := buf[:0]
	for k, v := range m {
		if rule(k, v) != drop {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		var ok bool
		if dst, ok = appendString(dst, k); !ok {
			return dst, false
		}
		dst = append(dst, ':')
		v := m[k]
		if rule(k, v) == propsList {
			dst, ok = appendProperties(dst, v)
		} else {
			dst, ok = appendValue(dst, v)
		}
		if !ok {
			return dst, false
		}
	}
	return append(dst, '}'), true
}

// appendProperties writes a "properties" list, each object in it as
// property makes it.
func appendProperties(dst []byte, v any) ([]byte, bool) {
	one := func(dst []byte, p any) ([]byte, bool) {
		if m, ok := p.(map[string]any); ok {
			return appendMap(dst, m, propertyMember)
		}
		return appendValue(dst, p)
	}
	dst = append(dst, '[')
	var ok bool
	switch l := v.(type) {
	case []any:
		for i, p := range l {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = one(dst, p); !ok {
				return dst, false
			}
		}
	case []map[string]any:
		for i, p := range l {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, ok = one(dst, p); !ok {
				return dst, false
			}
		}
	}
	return append(dst, ']'), true
}

// appendNumber writes canonical number text, which must be a JSON number
// (encoding/json refuses anything else).
func appendNumber(dst []byte, n json.Number) ([]byte, bool) {
	if !isNumber(string(n)) {
		return dst, false
	}
	return append(dst, n...), true
}

// appendFloatNumber writes Float(f), which must be a JSON number: f is
// neither infinite nor NaN.
func appendFloatNumber(dst []byte, f float64) ([]byte, bool) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return dst, false
	}
	return appendFloat(dst, f), true
}

// appendString writes s as encoding/json does with HTML escaping off.
// ok is false for text that is not UTF-8.
func appendString(dst []byte, s string) ([]byte, bool) {
	if plainText(s) {
		dst = append(dst, '"')
		dst = append(dst, s...)
		return append(dst, '"'), true
	}
	if !utf8.ValidString(s) {
		return dst, false
	}
	return appendEscaped(dst, s), true
}

// plainText reports whether encoding/json writes s as it is between
// quotes: printable ASCII other than '"' and '\'.
func plainText[T string | []byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= utf8.RuneSelf || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

// appendEscaped is encoding/json's appendString with escapeHTML false,
// for UTF-8 text.
func appendEscaped(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i++
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// isNumber reports whether s is a JSON number (RFC 8259's grammar).
func isNumber(s string) bool {
	n, ok := numberLen(s)
	return ok && n == len(s)
}

// numberLen is the length of the JSON number s starts with, and whether
// it is one.
func numberLen[T string | []byte](s T) (int, bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i++; i < len(s) && isDigit(s[i]); i++ {
		}
	default:
		return 0, false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return 0, false
		}
		for ; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	return i, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// maxDepth is encoding/json's limit on nesting.
const maxDepth = 10000

// AppendGroupsJSON appends the canonical JSON of the filter groups that
// raw, JSON text as a server sent it, holds: the bytes JSON(Groups(gs))
// gives for gs decoded from raw as encoding/json decodes it into a
// []map[string]any (numbers as json.Number), without building gs. Empty
// raw is null: no groups. The error is non-nil exactly when that
// decoding fails: raw is not JSON, or not null or a list of objects and
// nulls.
func AppendGroupsJSON(dst, raw []byte) ([]byte, error) {
	r := readers.Get().(*rawReader)
	*r = rawReader{b: raw, pairs: r.pairs[:0], tmp: r.tmp[:0]}
	defer func() {
		r.b = nil // not kept alive by the pool
		readers.Put(r)
	}()
	r.space()
	if r.i == len(raw) {
		return append(dst, "[]"...), nil
	}
	// Read as a plain value first when it is not a list, so that text
	// that is not JSON at all is reported as such, as encoding/json does.
	var err error
	switch raw[r.i] {
	case '[':
		dst, err = r.groups(dst)
	case 'n':
		if err = r.literal("null"); err == nil {
			dst = append(dst, "[]"...)
		}
	default:
		if _, err = r.value(nil, inPlain); err == nil {
			err = errors.New("canon: the filters are not a list")
		}
	}
	if err != nil {
		return dst, err
	}
	r.space()
	if r.i != len(raw) {
		return dst, r.errorf("text after the filters")
	}
	return dst, nil
}

// groups reads the list of filter groups.
func (r *rawReader) groups(dst []byte) ([]byte, error) {
	r.i++ // '['
	r.depth++
	dst = append(dst, '[')
	var notObject error
	for n := 0; ; n++ {
		end, err := r.entry(n, ']')
		if err != nil {
			return dst, err
		}
		if end {
			break
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		switch r.b[r.i] {
		case '{':
			dst, err = r.object(dst, inGroup)
		case 'n':
			// null decodes to a nil map, which Group makes empty.
			if err = r.literal("null"); err == nil {
				dst = append(dst, "{}"...)
			}
		default:
			// encoding/json reads on to the end, and reports text that is
			// not JSON before a value of the wrong type.
			if _, err = r.value(nil, inPlain); err == nil && notObject == nil {
				notObject = fmt.Errorf("canon: filter group %d is not an object", n)
			}
		}
		if err != nil {
			return dst, err
		}
	}
	r.depth--
	if notObject != nil {
		return dst, notObject
	}
	return append(dst, ']'), nil
}

// in says where a value is, for the members of the objects it holds.
type in int

const (
	inPlain    in = iota // a value: objects keep every member
	inGroup              // a filter group, as Group reads it
	inProps              // a group's "properties": the objects of a list are properties
	inProperty           // an entry of a properties list: an object's null members are absent
)

// rawReader reads JSON text, writing each value it reads as canonical
// JSON. Object members are written where they are read, then put in
// order: pairs and tmp are shared by every object, nested ones included.
type rawReader struct {
	b     []byte
	i     int
	depth int
	pairs []rawPair
	tmp   []byte
}

// readers keeps the readers' room for members, for the next call.
var readers = stdsync.Pool{New: func() any { return new(rawReader) }}

// rawPair is one member of an object being read: its decoded key, and
// where its `"key":value` and its value start and end in dst.
type rawPair struct {
	key               []byte
	start, value, end int
}

func (r *rawReader) errorf(format string, args ...any) error {
	return fmt.Errorf("canon: JSON at byte %d: %s", r.i, fmt.Sprintf(format, args...))
}

func (r *rawReader) space() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

// entry moves to entry n of a list or object, past the ',' before it,
// and reports whether the list or object ends there instead (with close
// read).
func (r *rawReader) entry(n int, close byte) (end bool, err error) {
	r.space()
	if r.i >= len(r.b) {
		return false, r.errorf("unexpected end")
	}
	switch c := r.b[r.i]; {
	case c == close && n == 0:
	case n == 0:
		return false, nil
	case c == close:
	case c == ',':
		r.i++
		r.space()
		if r.i >= len(r.b) {
			return false, r.errorf("unexpected end")
		}
		return false, nil
	default:
		return false, r.errorf("want ',' or %q, have %q", close, c)
	}
	r.i++
	return true, nil
}

func (r *rawReader) literal(word string) error {
	if !bytes.HasPrefix(r.b[r.i:], []byte(word)) {
		return r.errorf("not a JSON value")
	}
	r.i += len(word)
	return nil
}

// value reads one value and appends it as canonical JSON.
func (r *rawReader) value(dst []byte, where in) ([]byte, error) {
	r.space()
	if r.i >= len(r.b) {
		return dst, r.errorf("unexpected end")
	}
	switch c := r.b[r.i]; {
	case c == '{':
		if where != inProperty {
			where = inPlain
		}
		return r.object(dst, where)
	case c == '[':
		return r.list(dst, where == inProps)
	case c == '"':
		dst, _, err := r.str(dst)
		return dst, err
	case c == 't':
		return append(dst, "true"...), r.literal("true")
	case c == 'f':
		return append(dst, "false"...), r.literal("false")
	case c == 'n':
		return append(dst, "null"...), r.literal("null")
	case c == '-' || isDigit(c):
		n, ok := numberLen(r.b[r.i:])
		if !ok {
			return dst, r.errorf("not a number")
		}
		text := r.b[r.i : r.i+n]
		r.i += n
		if plainInteger(text) {
			return append(dst, text...), nil
		}
		return append(dst, Number(string(text))...), nil
	}
	return dst, r.errorf("not a JSON value")
}

// plainInteger reports whether Number keeps the number text n as it is:
// an int64 without a sign (so not "-0") or leading zeros.
func plainInteger(n []byte) bool {
	if len(n) == 0 || len(n) > 18 || (n[0] == '0' && len(n) > 1) {
		return false
	}
	for _, c := range n {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// list reads a list; the objects of a properties list are properties.
func (r *rawReader) list(dst []byte, properties bool) ([]byte, error) {
	if r.depth++; r.depth > maxDepth {
		return dst, r.errorf("nested too deeply")
	}
	r.i++ // '['
	dst = append(dst, '[')
	where := inPlain
	if properties {
		where = inProperty
	}
	for n := 0; ; n++ {
		end, err := r.entry(n, ']')
		if err != nil {
			return dst, err
		}
		if end {
			break
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		if dst, err = r.value(dst, where); err != nil {
			return dst, err
		}
	}
	r.depth--
	return append(dst, ']'), nil
}

// object reads an object and writes its members in key order, the last
// of a repeated key only (as encoding/json decodes into a map), and of
// those the ones Group keeps when it is a filter group (where), and
// property when it is a property.
func (r *rawReader) object(dst []byte, where in) ([]byte, error) {
	if r.depth++; r.depth > maxDepth {
		return dst, r.errorf("nested too deeply")
	}
	r.i++ // '{'
	base, start := len(r.pairs), len(dst)
	for n := 0; ; n++ {
		end, err := r.entry(n, '}')
		if err != nil {
			return dst, err
		}
		if end {
			break
		}
		if r.b[r.i] != '"' {
			return dst, r.errorf("want a key")
		}
		p := rawPair{start: len(dst)}
		if dst, p.key, err = r.str(dst); err != nil {
			return dst, err
		}
		r.space()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return dst, r.errorf("want ':'")
		}
		r.i++
		dst = append(dst, ':')
		p.value = len(dst)
		inner := inPlain
		if where == inGroup && string(p.key) == "properties" {
			inner = inProps
		}
		if dst, err = r.value(dst, inner); err != nil {
			return dst, err
		}
		p.end = len(dst)
		r.pairs = append(r.pairs, p)
	}
	r.depth--
	pairs := r.pairs[base:]
	// Sorted by key, the last of a repeated key last among its own.
	slices.SortStableFunc(pairs, func(a, b rawPair) int { return bytes.Compare(a.key, b.key) })
	r.tmp = append(r.tmp[:0], dst[start:]...)
	dst = append(dst[:start], '{')
	first := true
	for i, p := range pairs {
		if i+1 < len(pairs) && bytes.Equal(pairs[i+1].key, p.key) {
			continue // a later member has this key
		}
		if v := r.tmp[p.value-start : p.end-start]; dropped(where, p.key, v) {
			continue
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, r.tmp[p.start-start:p.end-start]...)
	}
	r.pairs = r.pairs[:base]
	return append(dst, '}'), nil
}

// dropped reports whether the member key: v (v canonical JSON) is left
// out of an object read where: Group's and property's rules.
func dropped(where in, key, v []byte) bool {
	null := string(v) == "null"
	switch where {
	case inGroup:
		return null || isServerKey(string(key)) || string(key) == "properties" && string(v) == "[]"
	case inProperty:
		return null
	}
	return false
}

// str reads a string and appends it as encoding/json writes it; key is
// the decoded text.
func (r *rawReader) str(dst []byte) (out, key []byte, err error) {
	start := r.i
	plain := true
	j := r.i + 1
	for ; j < len(r.b); j++ {
		c := r.b[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			j++
			continue
		}
		if c < 0x20 {
			return dst, nil, r.errorf("a control character in a string")
		}
		if c >= utf8.RuneSelf {
			plain = false
		}
	}
	if j >= len(r.b) {
		return dst, nil, r.errorf("a string that does not end")
	}
	r.i = j + 1
	tok := r.b[start:r.i]
	if plain {
		return append(dst, tok...), tok[1 : len(tok)-1], nil
	}
	var s string
	if err := json.Unmarshal(tok, &s); err != nil {
		return dst, nil, fmt.Errorf("canon: JSON at byte %d: %w", start, err)
	}
	return appendEscaped(dst, s), []byte(s), nil
}
