package run

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/hogsync/hogsync/client"
)

// hint says what a user can do about an error, or "" when there is
// nothing useful to add to the message itself.
func hint(err error) string {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return apiHint(ae)
	}
	if h := listLimitHint(err); h != "" {
		return h
	}
	// Only network errors: *fs.PathError also has a Timeout method, so
	// matching net.Error would blame the network for a missing directory.
	var ue *url.Error
	var oe *net.OpError
	if errors.As(err, &ue) || errors.As(err, &oe) {
		return "PostHog could not be reached; check --host/POSTHOG_HOST and your network, then run again"
	}
	return ""
}

func apiHint(ae *client.APIError) string {
	switch {
	case ae.StatusCode == http.StatusUnauthorized:
		return "check that POSTHOG_PERSONAL_API_KEY (or --api-key-file) holds a valid personal API key (phx_...) from PostHog, Settings, Personal API keys, and that --host is the instance it belongs to"
	case ae.StatusCode == http.StatusForbidden && strings.Contains(ae.Detail, "scope 'experiment_holdout:"):
		return "edit the personal API key in PostHog, Settings, Personal API keys, and grant the scope named above (older PostHog versions name it experiment:read / experiment:write)"
	case ae.StatusCode == http.StatusForbidden && strings.Contains(ae.Detail, "scope"):
		return "edit the personal API key in PostHog, Settings, Personal API keys, and grant the scope named above"
	case ae.StatusCode == http.StatusForbidden:
		return "the key cannot reach this project, or an approval policy in PostHog denied the change; check the project (--project, POSTHOG_PROJECT_ID or hogsync.yaml's project), the key's project access, and PostHog's approval policies"
	case ae.StatusCode == http.StatusNotFound && strings.Contains(ae.Detail, "Project"):
		return "check the project (--project, POSTHOG_PROJECT_ID or hogsync.yaml's project: the number after /project/ in PostHog's URL, or @current) and the host (https://us.posthog.com, https://eu.posthog.com or your own)"
	case ae.StatusCode == http.StatusNotFound:
		return "check the host (--host, POSTHOG_HOST or hogsync.yaml's host): it should be PostHog's app URL, not its ingestion URL; a self-hosted PostHog without the enterprise edition (ee) serves no holdout routes at all"
	case ae.StatusCode == http.StatusBadRequest:
		return "PostHog rejected the change: fix the field named above in its manifest, or, if it names an approval policy, see that policy in PostHog (a policy it cannot settle answers 400 on an update)"
	case ae.StatusCode == http.StatusTooManyRequests:
		return "PostHog is rate limiting this key; wait a minute and run again: sync picks up where it stopped"
	case ae.StatusCode >= 500:
		return "PostHog failed on its side; run again later: sync picks up where it stopped"
	}
	return ""
}
