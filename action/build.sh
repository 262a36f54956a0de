#!/usr/bin/env bash
# Build (or install) hogsync for the action and put it on the job's PATH.
# Inputs arrive only as environment variables.
set -euo pipefail

bin="${RUNNER_TEMP:-/tmp}/hogsync-bin"
mkdir -p "$bin"

if [[ -n "${HOGSYNC_VERSION:-}" ]]; then
  if [[ ! "$HOGSYNC_VERSION" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
    echo "::error::version must be a release tag such as v0.4.0 (or empty to build the action's own source)"
    exit 1
  fi
  # go install verifies the module against the Go checksum database.
  GOBIN="$bin" go install "github.com/hogsync/hogsync/cmd/hogsync@${HOGSYNC_VERSION}"
else
  (cd "$GITHUB_ACTION_PATH" && go build -trimpath -o "$bin/hogsync" ./cmd/hogsync)
fi

echo "$bin" >> "$GITHUB_PATH"
"$bin/hogsync" version
