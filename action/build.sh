#!/usr/bin/env bash
# Build (or install) hogsync for the action and put it on the job's PATH.
# Inputs arrive only as environment variables.
set -euo pipefail

# Building needs no PostHog key; whatever the build runs must not see it.
unset POSTHOG_PERSONAL_API_KEY

bin="${RUNNER_TEMP:-/tmp}/hogsync-bin"
mkdir -p "$bin"

if [[ -n "${HOGSYNC_VERSION:-}" ]]; then
  if [[ ! "$HOGSYNC_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "::error::version must be a release tag such as v0.4.0 (or empty to build the action's own source)"
    exit 1
  fi
  # go install verifies the module against the Go checksum database, and
  # records the version hogsync reports.
  GOBIN="$bin" go install "github.com/hogsync/hogsync/cmd/hogsync@${HOGSYNC_VERSION}"
else
  # The action's ref (a tag, a branch or a commit: what follows @ in
  # uses:) becomes the version hogsync reports in logs and its
  # User-Agent. github.action_ref is empty in some runners' composite
  # steps (actions/runner#2473); the runner checks the action out at
  # _actions/OWNER/REPO/REF, so the path says it then. The ref goes inside
  # -ldflags, which the go command splits on blanks and quotes, so only
  # characters that cannot end the flag pass.
  ref="${HOGSYNC_ACTION_REF:-}"
  if [[ -z "$ref" && "$GITHUB_ACTION_PATH" =~ /_actions/[^/]+/[^/]+/(.+)$ ]]; then
    ref="${BASH_REMATCH[1]}"
  fi
  ldflags=()
  if [[ "$ref" =~ ^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$ ]]; then
    ldflags=(-ldflags "-X main.version=${ref}")
  elif [[ -n "$ref" ]]; then
    echo "::warning::hogsync: the action's ref holds characters other than letters, digits and ._/+-; the built hogsync reports version dev"
  fi
  (cd "$GITHUB_ACTION_PATH" && go build -trimpath "${ldflags[@]}" -o "$bin/hogsync" ./cmd/hogsync)
fi

echo "$bin" >> "$GITHUB_PATH"
"$bin/hogsync" version
