package netaddr

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The grammar of a site's base URL, as regular expressions in the syntax
// Go's regexp (RE2) and ECMAScript share, so that a JSON Schema can carry
// them unchanged: scheme, host (a DNS name or IPv4 address, or an IPv6
// address in brackets), an optional port and an optional path of RFC 3986
// characters. No user name, query, fragment, white space, backslash or
// character outside ASCII (an international name is written in its xn--
// form).
const (
	schemePattern = `[hH][tT][tT][pP][sS]?://`
	labelPattern  = `[A-Za-z0-9_-]+`
	namePattern   = labelPattern + `(?:\.` + labelPattern + `)*\.?`
	ipv6Pattern   = `\[[0-9A-Fa-f:.]+\]`
	portPattern   = `(?::[0-9]{1,5})?`
	pathPattern   = `(?:/(?:[A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})*)*`
)

// SitePattern is the regular expression every site URL that CheckSite
// accepts matches. A JSON Schema uses it as the pattern of a host; CheckSite
// adds what a pattern cannot say (that an IPv6 address is well formed, and
// that plain http goes to loopback only).
const SitePattern = `^` + schemePattern + `(?:` + namePattern + `|` + ipv6Pattern + `)` + portPattern + pathPattern + `$`

// PlainHTTPSitePattern is the regular expression a site URL with the
// scheme http matches when its host is a loopback name or address:
// localhost, 127.0.0.0/8, or ::1 in any of its spellings. It is what
// IsLoopback accepts, except the IPv4-mapped spellings of 127.0.0.0/8
// (such as [::ffff:127.0.0.1]), which it refuses: a schema that uses it
// may refuse a loopback URL, never accept one that is not.
var PlainHTTPSitePattern = `^[hH][tT][tT][pP]://(?:` +
	`[lL][oO][cC][aA][lL][hH][oO][sS][tT]\.?` +
	`|127(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}` +
	`|\[(?:` + ipv6LoopbackSpellings() + `)\]` +
	`)` + portPattern + pathPattern + `$`

// ipv6LoopbackSpellings is the alternation of every way to write ::1:
// seven zero groups and a one, each group with up to four digits, and at
// most one "::" standing for one or more zero groups.
func ipv6LoopbackSpellings() string {
	const zero, one = `0{1,4}`, `0{0,3}1`
	alts := []string{`(?:` + zero + `:){7}` + one}
	// L zero groups, "::", then R zero groups and the one, L+R <= 6.
	for l := 0; l <= 6; l++ {
		left := ""
		if l > 0 {
			left = zero
			if l > 1 {
				left += fmt.Sprintf(`(?::%s){%d}`, zero, l-1)
			}
		}
		right := ""
		if l < 6 {
			right = fmt.Sprintf(`(?:%s:){0,%d}`, zero, 6-l)
		}
		alts = append(alts, left+"::"+right+one)
	}
	return strings.Join(alts, "|")
}

var siteRE = regexp.MustCompile(SitePattern)

// SiteErrorKind says what is wrong with a site URL.
type SiteErrorKind int

// The kinds of SiteError, in the order CheckSite looks for them.
const (
	SiteEmpty     SiteErrorKind = iota + 1 // ""
	SiteUserInfo                           // a user name or password before the host (the URL is a secret)
	SiteNoScheme                           // no "://"
	SiteScheme                             // a scheme other than http or https
	SiteSpace                              // white space or a control character
	SiteQuery                              // a query or fragment (? or #), even an empty one
	SiteNoHost                             // no host name
	SiteCharacter                          // a character or form outside SitePattern, or a URL Go cannot parse
	SitePlainHTTP                          // http to a host that is not loopback
)

// SiteError is what CheckSite finds wrong with a site URL. Its Error text
// does not repeat the URL.
type SiteError struct {
	Kind SiteErrorKind
	// Detail names what is wrong more closely: the scheme, the character,
	// the host name.
	Detail string
}

func (e *SiteError) Error() string {
	switch e.Kind {
	case SiteEmpty:
		return "is empty"
	case SiteUserInfo:
		return "holds a user name or password"
	case SiteNoScheme:
		return "has no scheme"
	case SiteScheme:
		return fmt.Sprintf("has the scheme %q; use https://", e.Detail)
	case SiteSpace:
		return "holds " + e.Detail
	case SiteQuery:
		return "has a query or fragment (" + e.Detail + ")"
	case SiteNoHost:
		return "has no host name"
	case SiteCharacter:
		return "holds " + e.Detail
	case SitePlainHTTP:
		return fmt.Sprintf("uses plain http:// for %q, which is not a loopback host: the API key would travel unencrypted; use https:// (http is allowed only for localhost, 127.0.0.0/8 and ::1)", e.Detail)
	}
	return "is not a valid site URL"
}

// CheckSite reports what is wrong with s as the base URL of a site that
// will be sent a secret (the PostHog site a manifest directory names), or
// nil: it must match SitePattern, parse as a URL with a host name, and use
// https unless the host is a loopback name or address (IsLoopback, the
// rule the PostHog client applies to --host).
func CheckSite(s string) error {
	if s == "" {
		return &SiteError{Kind: SiteEmpty}
	}
	scheme, rest, ok := strings.Cut(s, "://")
	authority := s // without a scheme, up to the first /: "user:pw@host"
	if ok {
		authority = rest
	}
	if authority, _, _ = strings.Cut(authority, "/"); strings.Contains(authority, "@") {
		return &SiteError{Kind: SiteUserInfo}
	}
	switch {
	case !ok:
		return &SiteError{Kind: SiteNoScheme}
	case !strings.EqualFold(scheme, "https") && !strings.EqualFold(scheme, "http"):
		return &SiteError{Kind: SiteScheme, Detail: scheme}
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return &SiteError{Kind: SiteSpace, Detail: describeRune(r)}
		}
	}
	if i := strings.IndexAny(s, "?#"); i >= 0 {
		return &SiteError{Kind: SiteQuery, Detail: fmt.Sprintf("%q", s[i:i+1])}
	}
	u, err := url.Parse(s)
	if err == nil && u.Hostname() == "" {
		return &SiteError{Kind: SiteNoHost}
	}
	if err != nil || !siteRE.MatchString(s) {
		return &SiteError{Kind: SiteCharacter, Detail: offending(rest)}
	}
	if strings.EqualFold(u.Scheme, "http") && !IsLoopback(u.Hostname()) {
		return &SiteError{Kind: SitePlainHTTP, Detail: u.Hostname()}
	}
	return nil
}

// offending describes the first thing in rest (the URL after "://") that
// SitePattern does not allow.
func offending(rest string) string {
	host, _, _ := strings.Cut(rest, "/")
	for _, r := range rest {
		switch {
		case r == '\\':
			return `a backslash (\); write the URL with / only`
		case r >= utf8.RuneSelf:
			return fmt.Sprintf("the character %q, outside ASCII; write an international host name in its xn-- form", r)
		}
	}
	switch {
	case strings.Contains(host, "%"):
		return "a %-escape in the host name; write the host name as it is"
	case strings.HasPrefix(host, "["):
		return "an IPv6 address that is not valid"
	case strings.Count(host, ":") > 0 && !strings.HasPrefix(host, "["):
		return "a port that is not 1 to 5 digits"
	}
	return "a character a site's URL cannot have (letters, digits, - _ . in the host name; an optional :port; a path of URL characters)"
}

func describeRune(r rune) string {
	switch r {
	case ' ':
		return "a space"
	case '\t':
		return "a tab"
	case '\n':
		return "a line break"
	}
	if unicode.IsSpace(r) {
		return fmt.Sprintf("white space (%U)", r)
	}
	return fmt.Sprintf("a control character (%U)", r)
}
