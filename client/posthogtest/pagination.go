package posthogtest

import (
	"github.com/hogsync/hogsync/internal/canon"

	"math/big"
	"net/http"
	"sort"
	"strings"
)

// defaultLimit is PostHog's PAGE_SIZE; LimitOffsetPagination has no
// max_limit there.
const defaultLimit = 100

// queryPair is one name=value pair of a query string, decoded.
type queryPair struct{ name, value string }

// parseQuery decodes a query string like Python's parse_qsl with
// keep_blank_values=True: '&' separates pairs, empty pairs are skipped, a
// pair without '=' has an empty value, '+' is a space, and malformed
// percent escapes are kept as they are.
func parseQuery(raw string) []queryPair {
	var out []queryPair
	for _, p := range strings.Split(raw, "&") {
		if p == "" {
			continue
		}
		name, value, _ := strings.Cut(p, "=")
		out = append(out, queryPair{pyUnquotePlus(name), pyUnquotePlus(value)})
	}
	return out
}

// queryLast is Django's QueryDict[name]: the last value given.
func queryLast(pairs []queryPair, name string) (string, bool) {
	v, ok := "", false
	for _, p := range pairs {
		if p.name == name {
			v, ok = p.value, true
		}
	}
	return v, ok
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// pyUnquotePlus is urllib.parse.unquote_plus with errors="replace".
func pyUnquotePlus(s string) string {
	s = strings.ReplaceAll(s, "+", " ")
	if !strings.Contains(s, "%") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) {
			hi, ok1 := unhex(s[i+1])
			lo, ok2 := unhex(s[i+2])
			if ok1 && ok2 {
				b = append(b, hi<<4|lo)
				i += 2
				continue
			}
		}
		b = append(b, s[i])
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// queryEscape is urllib.parse.quote_plus: letters, digits and "_.-~"
// stay, a space becomes '+', everything else is %XX of its UTF-8 bytes.
func queryEscape(s string) string {
	return pyQuote(s, "_.-~", true)
}

// pathEscape is Django's escape_uri_path.
func pathEscape(s string) string {
	return pyQuote(s, "/:@&+$,-_.!~*'()", false)
}

func pyQuote(s, safe string, plus bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte(safe, c) >= 0:
			b.WriteByte(c)
		case c == ' ' && plus:
			b.WriteByte('+')
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

// pyParseInt is Python's int(s) for base 10 (ASCII digits): surrounding
// whitespace, an optional sign, and single underscores between digits.
func pyParseInt(s string) (*big.Int, bool) {
	s = canon.Strip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" || s[0] == '_' || s[len(s)-1] == '_' || strings.Contains(s, "__") {
		return nil, false
	}
	s = strings.ReplaceAll(s, "_", "")
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return nil, false
		}
	}
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil, false
	}
	if neg {
		n.Neg(n)
	}
	return n, true
}

// page is one page of a LimitOffsetPagination list.
type page struct {
	lo, hi         int // the slice of rows on this page
	next, previous any // absolute URL string, or nil
}

// paginate applies DRF's LimitOffsetPagination to count rows. It reports
// false when PostgreSQL would refuse the query: a limit of 2^63 or more is
// not a bigint, and the page is only queried when there are rows from the
// offset on.
func paginate(r *http.Request, count int) (page, bool) {
	pairs := parseQuery(r.URL.RawQuery)
	limit := big.NewInt(defaultLimit)
	if v, ok := queryLast(pairs, "limit"); ok {
		if n, ok := pyParseInt(v); ok && n.Sign() > 0 {
			limit = n
		}
	}
	offset := new(big.Int)
	if v, ok := queryLast(pairs, "offset"); ok {
		if n, ok := pyParseInt(v); ok && n.Sign() >= 0 {
			offset = n
		}
	}
	c := big.NewInt(int64(count))
	var p page
	if count > 0 && offset.Cmp(c) <= 0 && !limit.IsInt64() {
		return p, false
	}
	if count > 0 && offset.Cmp(c) <= 0 {
		p.lo = int(offset.Int64())
		end := new(big.Int).Add(offset, limit)
		if end.Cmp(c) > 0 {
			end = c
		}
		p.hi = int(end.Int64())
	}

	base := absoluteURL(r)
	if end := new(big.Int).Add(offset, limit); end.Cmp(c) < 0 {
		u := replaceQueryParam(base, "limit", limit.String())
		p.next = replaceQueryParam(u, "offset", end.String())
	}
	if offset.Sign() > 0 {
		u := replaceQueryParam(base, "limit", limit.String())
		if prev := new(big.Int).Sub(offset, limit); prev.Sign() <= 0 {
			p.previous = removeQueryParam(u, "offset")
		} else {
			p.previous = replaceQueryParam(u, "offset", prev.String())
		}
	}
	return p, true
}

// site is the request's scheme://host, as Django builds absolute URLs.
func site(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// absoluteURL is request.build_absolute_uri().
func absoluteURL(r *http.Request) string {
	u := site(r) + pathEscape(r.URL.Path)
	if r.URL.RawQuery != "" {
		u += "?" + r.URL.RawQuery
	}
	return u
}

// replaceQueryParam is DRF's replace_query_param: the query is re-encoded
// with its parameters sorted by name.
func replaceQueryParam(url, name, value string) string {
	return editQuery(url, func(m map[string][]string) { m[name] = []string{value} })
}

// removeQueryParam is DRF's remove_query_param.
func removeQueryParam(url, name string) string {
	return editQuery(url, func(m map[string][]string) { delete(m, name) })
}

func editQuery(url string, edit func(map[string][]string)) string {
	base, raw, _ := strings.Cut(url, "?")
	m := map[string][]string{}
	for _, p := range parseQuery(raw) {
		m[p.name] = append(m[p.name], p.value)
	}
	edit(m)
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		for _, v := range m[n] {
			parts = append(parts, queryEscape(n)+"="+queryEscape(v))
		}
	}
	if len(parts) == 0 {
		return base
	}
	return base + "?" + strings.Join(parts, "&")
}
