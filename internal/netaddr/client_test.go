package netaddr_test

import (
	"errors"
	"testing"

	"github.com/hogsync/hogsync/client"
	"github.com/hogsync/hogsync/internal/netaddr"
)

// One host rule: the PostHog client (plan, for --host, POSTHOG_HOST and
// the config) accepts exactly the hosts CheckSite (hogsync validate and the
// schema, for hogsync.yaml) accepts, and refuses plain http for the same
// reason. A config that validates never fails plan on its host, and a
// --host that validate would call wrong is never sent a key.
func TestClientAndCheckSiteAcceptTheSameHosts(t *testing.T) {
	t.Parallel()
	for _, host := range []string{
		"https://us.posthog.com", "https://eu.posthog.com/", "HTTPS://EU.POSTHOG.COM", "https://example.com/posthog",
		"https://example.com/a%20b", "https://x_y.example:8443/p", "https://[2001:db8::1]:443", "http://localhost:8000",
		"http://LOCALHOST.", "http://127.0.0.1", "http://127.255.255.254:80/x", "http://[::1]:8000",
		"http://[0:0:0:0:0:0:0:1]", "http://[::ffff:127.0.0.1]",
		"http://posthog.internal.example", "http://10.0.0.1", "http://127.0.0.01", "http://[::2]",
		"https://eu.posthog.com#", "https://eu posthog.com", "https://eu.posthog.com\n", "https://eu%2Eposthog.com",
		"https://:443", `https://eu.posthog.com\x`, "https://eu.posthog.com?", "https://x.example/a b", "https://x.example/\u00e9",
		"https://bücher.example", "https://x.example:99999", "https://x.example:", "http://localhost:8000/%zz", "https://user:pw@x.example", "ftp://x.example", "us.posthog.com",
	} {
		siteErr := netaddr.CheckSite(host)
		clientErr := client.CheckTarget(host, "1")
		if siteErr == nil && clientErr != nil {
			t.Errorf("%q: CheckSite accepts it, the client refuses it: %v", host, clientErr)
		}
		if siteErr != nil && clientErr == nil {
			t.Errorf("%q: CheckSite refuses it (%v), the client accepts it", host, siteErr)
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

func FuzzClientAndCheckSite(f *testing.F) {
	for _, s := range []string{"https://us.posthog.com", "https://eu.posthog.com#", "http://[::1]:8000", "https://x.example:", "https://a%2Eb"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, host string) {
		siteErr := netaddr.CheckSite(host)
		clientErr := client.CheckTarget(host, "1")
		if (siteErr == nil) != (clientErr == nil) {
			t.Fatalf("%q: CheckSite says %v, the client %v", host, siteErr, clientErr)
		}
	})
}
