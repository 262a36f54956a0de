#!/usr/bin/env bash
# release-notes.sh TAG [CHANGELOG] prints CHANGELOG.md's section for TAG
# (v1.2.3 finds "## [1.2.3]" or "## [v1.2.3]", whatever follows on the
# line), without its heading, up to the next "## " heading: the release's
# notes (release.yml hands them to goreleaser --release-notes). A tag with
# no section, or an empty one, fails: move the changes out of
# [Unreleased] into the version's section before tagging.
set -euo pipefail
tag="${1:?usage: release-notes.sh TAG [CHANGELOG]}"
changelog="${2:-CHANGELOG.md}"
notes="$(awk -v v="${tag#v}" '
  /^## / {
    if (found) exit
    if (index($0, "## [" v "]") == 1 || index($0, "## [v" v "]") == 1) { found = 1; next }
  }
  found { print }
' "$changelog")"
if [[ -z "${notes//[[:space:]]/}" ]]; then
  echo "::error file=$changelog::$changelog has no section \"## [${tag#v}]\" with the changes of $tag" >&2
  exit 1
fi
printf '%s\n' "$notes"
