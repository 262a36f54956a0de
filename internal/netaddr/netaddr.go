// Package netaddr decides which hosts may be sent a secret over plain
// http: only this machine's own. The PostHog client and the GitHub client
// both ask it, so the rule is written once. CheckSite, the whole rule for
// a PostHog site's URL in hogsync.yaml, asks it too, and SitePattern and
// PlainHTTPSitePattern carry the same rule into the config's JSON Schema.
package netaddr

import (
	"net/netip"
	"strings"
)

// IsLoopback reports whether a URL host name (without port or brackets)
// is localhost or a loopback IP address. An IPv6 address with a zone is
// not: the zone could name any interface.
func IsLoopback(name string) bool {
	if strings.EqualFold(strings.TrimSuffix(name, "."), "localhost") {
		return true
	}
	addr, err := netip.ParseAddr(name)
	return err == nil && addr.Zone() == "" && addr.IsLoopback()
}
