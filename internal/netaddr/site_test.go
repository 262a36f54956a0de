package netaddr

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

func TestCheckSite(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want SiteErrorKind // 0: valid
	}{
		{"https://us.posthog.com", 0},
		{"https://eu.posthog.com/", 0},
		{"HTTPS://EU.POSTHOG.COM", 0},
		{"https://example.com/posthog", 0},
		{"https://example.com/a%20b/c", 0},
		{"https://x_y.example:8443/p", 0},
		{"https://[2001:db8::1]:443", 0},
		{"https://10.0.0.1", 0},
		{"http://localhost:8000", 0},
		{"http://LOCALHOST.", 0},
		{"http://127.0.0.1", 0},
		{"http://127.255.255.254:80/x", 0},
		{"http://[::1]:8000", 0},
		{"http://[0:0:0:0:0:0:0:1]", 0},
		{"http://[::ffff:127.0.0.1]", 0}, // IsLoopback's; PlainHTTPSitePattern's blind spot
		{"", SiteEmpty},
		{"https://user:pw@x.example", SiteUserInfo},
		{"user:pw@x.example", SiteUserInfo},
		{"us.posthog.com", SiteNoScheme},
		{"ftp://x.example", SiteScheme},
		{"https://eu posthog.com", SiteSpace},
		{"https://eu.posthog.com\t", SiteSpace},
		{"https://eu.posthog.com\n", SiteSpace},
		{"https://eu.posthog.com\u00a0", SiteSpace},
		{"https://eu.posthog.com#", SiteQuery},
		{"https://eu.posthog.com?", SiteQuery},
		{"https://eu.posthog.com/x?a=b", SiteQuery},
		{"https://:443", SiteNoHost},
		{"https://", SiteNoHost},
		{"https://eu%2Eposthog.com", SiteCharacter},
		{`https://eu.posthog.com\x`, SiteCharacter},
		{`https://x.example/a\b`, SiteCharacter},
		{"https://münchen.example", SiteCharacter},
		{"https://x.example:", SiteCharacter},
		{"https://x.example:123456", SiteCharacter},
		{"https://x.example/a%zz", SiteCharacter},
		{"https://x.example/a|b", SiteCharacter},
		{"https://[::::]", SiteCharacter},
		{"https://[gg]", SiteCharacter},
		{"http://[::1%25lo]", SiteCharacter},
		{"http://posthog.internal.example", SitePlainHTTP},
		{"http://10.0.0.1", SitePlainHTTP},
		{"http://127.0.0.01", SitePlainHTTP},
		{"http://localhost.example.com", SitePlainHTTP},
		{"http://[::2]", SitePlainHTTP},
	}
	for _, tt := range tests {
		err := CheckSite(tt.in)
		var got SiteErrorKind
		if se, ok := err.(*SiteError); ok {
			got = se.Kind
		} else if err != nil {
			t.Errorf("CheckSite(%q) = %T %v, want a *SiteError", tt.in, err, err)
		}
		if got != tt.want {
			t.Errorf("CheckSite(%q) = kind %d (%v), want kind %d", tt.in, got, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "pw") {
			t.Errorf("CheckSite(%q) shows the password: %v", tt.in, err)
		}
	}
}

// ipv6Spellings are ways to write the IPv6 addresses in addrs: every
// placement of "::" over a run of zero groups, groups with and without
// leading zeros, in both letter cases.
func ipv6Spellings(addrs ...string) []string {
	var out []string
	for _, a := range addrs {
		b := netip.MustParseAddr(a).As16()
		var groups [8]uint16
		for i := range groups {
			groups[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
		for _, format := range []string{"%x", "%04x", "%X", "%02x"} {
			g := make([]string, 8)
			for i, v := range groups {
				g[i] = fmt.Sprintf(format, v)
			}
			out = append(out, strings.Join(g, ":"))
			for i := 0; i < 8; i++ {
				for j := i + 1; j <= 8; j++ {
					zeros := true
					for _, v := range groups[i:j] {
						zeros = zeros && v == 0
					}
					if zeros {
						out = append(out, strings.Join(g[:i], ":")+"::"+strings.Join(g[j:], ":"))
					}
				}
			}
		}
	}
	return out
}

// PlainHTTPSitePattern never accepts a host IsLoopback refuses, and
// accepts every loopback host but the IPv4-mapped ones: an editor may be
// stricter than hogsync there, never more lenient.
func TestPlainHTTPSitePatternAgreesWithIsLoopback(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(PlainHTTPSitePattern)
	var hosts []string
	for _, h := range []string{"localhost", "LocalHost", "localhost.", "localhost..", "localhostx", "xlocalhost", "local",
		"127.0.0.1", "127.1.2.3", "127.255.255.255", "127.256.0.1", "127.0.0.01", "127.0.0", "127.0.0.1.", "128.0.0.1",
		"0.0.0.0", "10.0.0.1", "posthog.internal.example"} {
		hosts = append(hosts, h)
	}
	for _, h := range ipv6Spellings("::1", "::", "::2", "1::1", "::1:1", "::ffff:127.0.0.1", "::ffff:128.0.0.1", "fe80::1") {
		hosts = append(hosts, "["+h+"]")
	}
	hosts = append(hosts, "[::1%lo]", "[:::1]", "[0:0:0:0:0:0:0:0:1]", "[::0:0:0:0:0:0:0:1]", "[00000::1]", "[::00001]")
	matched := 0
	for _, h := range hosts {
		name := strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
		loop := IsLoopback(name)
		got := re.MatchString("http://" + h + ":8000/p")
		mapped := strings.Contains(strings.ToLower(name), "ffff")
		switch {
		case got && !loop:
			t.Errorf("PlainHTTPSitePattern accepts %s, which IsLoopback refuses", h)
		case loop && !got && !mapped:
			t.Errorf("PlainHTTPSitePattern refuses %s, which IsLoopback accepts", h)
		}
		if got {
			matched++
		}
	}
	if matched < 50 {
		t.Errorf("only %d of %d hosts matched: the spellings of ::1 are not being tried", matched, len(hosts))
	}
}

// SitePattern is the whole of CheckSite's grammar: what it refuses,
// CheckSite refuses; what it accepts, CheckSite accepts, but for the two
// rules a pattern cannot carry (an IPv6 address well formed, plain http
// to loopback only).
func TestSitePatternAgreesWithCheckSite(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(SitePattern)
	for _, s := range []string{
		"https://us.posthog.com", "https://x.example:8443/a/b%20c/", "https://x.example:", "https://:443",
		"https://x.example#", "https://x.example?", "https://x y", "https://x\t", "https://x\n", "https://x%2Ey",
		`https://x\y`, "https://münchen.example", "https://u@x", "ftp://x", "https://x/a|b", "https://[::1]",
		"https://[::::]", "https://[1:2:3:4:5:6:7:8:9]", "http://x.example", "http://localhost", "https://x..y", "https://.x",
	} {
		err := CheckSite(s)
		kind := SiteErrorKind(0)
		if se, ok := err.(*SiteError); ok {
			kind = se.Kind
		}
		matches := re.MatchString(s)
		switch {
		case !matches && err == nil:
			t.Errorf("SitePattern refuses %q, which CheckSite accepts", s)
		case matches && err != nil && kind != SitePlainHTTP && !strings.Contains(s, "["):
			t.Errorf("SitePattern accepts %q, which CheckSite refuses: %v", s, err)
		}
	}
}

// FuzzCheckSite: CheckSite never panics, accepts only what its pattern and
// url.Parse accept (plain http only for IsLoopback), and never puts a
// user name or password in its error.
func FuzzCheckSite(f *testing.F) {
	for _, s := range []string{"https://us.posthog.com", "http://[::1]:8000/x", "https://u:p@x", "https://:443", "http://x#", "https://[::::]", "HTTP://LOCALHOST."} {
		f.Add(s)
	}
	site := regexp.MustCompile(SitePattern)
	plain := regexp.MustCompile(PlainHTTPSitePattern)
	f.Fuzz(func(t *testing.T, s string) {
		err := CheckSite(s)
		if err == nil {
			u, perr := url.Parse(s)
			switch {
			case perr != nil:
				t.Fatalf("CheckSite(%q) accepts what url.Parse refuses: %v", s, perr)
			case !site.MatchString(s):
				t.Fatalf("CheckSite(%q) accepts what SitePattern refuses", s)
			case u.Scheme == "http" && !IsLoopback(u.Hostname()):
				t.Fatalf("CheckSite(%q) accepts plain http to %q", s, u.Hostname())
			}
			return
		}
		if plain.MatchString(s) && site.MatchString(s) && !strings.Contains(s, "[") {
			t.Fatalf("CheckSite(%q) refuses a loopback URL both patterns accept: %v", s, err)
		}
		// A user part (an @ before the path) is the error, and nothing
		// of the URL is in it.
		_, rest, ok := strings.Cut(s, "://")
		if !ok {
			rest = s
		}
		authority, _, _ := strings.Cut(rest, "/")
		var se *SiteError
		if strings.Contains(authority, "@") && (!errors.As(err, &se) || se.Kind != SiteUserInfo || se.Detail != "") {
			t.Fatalf("CheckSite(%q) = %#v, want a SiteUserInfo error without detail", s, err)
		}
	})
}
