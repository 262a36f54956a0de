package netaddr_test

import (
	"errors"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/netaddr"
)

// One host rule: a host CheckSite (hogsync validate, for hogsync.yaml)
// accepts is one the PostHog client (plan, for --host and the config)
// accepts too, and a plain-http host the client refuses, CheckSite
// refuses for the same reason. CheckSite may be the stricter: a config
// that validates never fails plan on its host.
func TestCheckSiteNeverPassesWhatTheClientRefuses(t *testing.T) {
	t.Parallel()
	for _, host := range []string{
		"https://us.posthog.com", "https://eu.posthog.com/", "HTTPS://EU.POSTHOG.COM", "https://example.com/posthog",
		"https://example.com/a%20b", "https://x_y.example:8443/p", "https://[2001:db8::1]:443", "http://localhost:8000",
		"http://LOCALHOST.", "http://127.0.0.1", "http://127.255.255.254:80/x", "http://[::1]:8000",
		"http://[0:0:0:0:0:0:0:1]", "http://[::ffff:127.0.0.1]",
		"http://posthog.internal.example", "http://10.0.0.1", "http://127.0.0.01", "http://[::2]",
		"https://eu.posthog.com#", "https://eu posthog.com", "https://eu.posthog.com\n", "https://eu%2Eposthog.com",
		"https://:443", `https://eu.posthog.com\x`, "https://user:pw@x.example", "ftp://x.example", "us.posthog.com",
	} {
		siteErr := netaddr.CheckSite(host)
		clientErr := client.CheckTarget(host, "1")
		if siteErr == nil && clientErr != nil {
			t.Errorf("%q: CheckSite accepts it, the client refuses it: %v", host, clientErr)
		}
		var se *netaddr.SiteError
		if errors.As(siteErr, &se) && se.Kind == netaddr.SitePlainHTTP && clientErr == nil {
			t.Errorf("%q: CheckSite refuses plain http, the client accepts it", host)
		}
		if siteErr == nil && host == "http://posthog.internal.example" {
			t.Errorf("%q: CheckSite accepts plain http to a host that is not loopback", host)
		}
	}
}
