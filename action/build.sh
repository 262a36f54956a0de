#!/usr/bin/env bash
# Install (or build) hogsync for the action and put it on the job's PATH.
# Inputs arrive only as environment variables.
#
# A release tag (HOGSYNC_VERSION, else the action's own ref when it is a
# tag such as v1.2.3) installs the release's archive for this runner:
# downloaded from $GITHUB_SERVER_URL/$HOGSYNC_RELEASE_REPO/releases/download/,
# checked against the release's checksums file before anything in it is
# extracted or run (and against its build provenance attestation when gh
# and a token are at hand), and kept in the runner's tool cache. A branch
# or a commit builds hogsync from the action's own source with go.
#
#   build.sh                  install a release, or build from source
#   build.sh --release-only   install a release, or only say (output
#                             build-from-source=true) that Go is needed
#
# Environment: HOGSYNC_VERSION, HOGSYNC_ACTION_REF, GITHUB_ACTION_PATH,
# GITHUB_SERVER_URL (default https://github.com; plain http only for a
# loopback host), HOGSYNC_RELEASE_REPO (default hogsync/hogsync),
# RUNNER_OS, RUNNER_ARCH (else uname), RUNNER_TEMP, RUNNER_TOOL_CACHE,
# GITHUB_PATH, GITHUB_OUTPUT, GH_TOKEN or GITHUB_TOKEN (for gh), and
# HOGSYNC_VERIFY_ATTESTATION: auto (default: verify when gh and a token
# are there), true (require it) or false (skip it).
set -euo pipefail

# Installing needs no PostHog key; whatever this runs must not see it.
unset POSTHOG_PERSONAL_API_KEY

mode=all
case "${1:-}" in
  "") ;;
  --release-only) mode=release-only ;;
  *) echo "::error::build.sh: unknown argument (want none or --release-only)"; exit 2 ;;
esac

fail() {
  echo "::error::hogsync install: $*"
  exit 1
}

release_re='^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$'

# The ref the action was used at (a tag, a branch or a commit: what
# follows @ in uses:). github.action_ref is empty in some runners'
# composite steps (actions/runner#2473); the runner checks the action out
# at _actions/OWNER/REPO/REF, so the path says it then.
action_ref() {
  local ref="${HOGSYNC_ACTION_REF:-}"
  if [[ -z "$ref" && "${GITHUB_ACTION_PATH:-}" =~ /_actions/[^/]+/[^/]+/(.+)$ ]]; then
    ref="${BASH_REMATCH[1]}"
  fi
  printf '%s' "$ref"
}

version=""
if [[ -n "${HOGSYNC_VERSION:-}" ]]; then
  if [[ ! "$HOGSYNC_VERSION" =~ $release_re ]]; then
    fail "version must be a release tag such as v0.4.0 (or empty to use the action's own ref)"
  fi
  version="$HOGSYNC_VERSION"
elif [[ "$(action_ref)" =~ $release_re ]]; then
  version="$(action_ref)"
fi

# sha256 FILE prints FILE's SHA-256 in hex: sha256sum (Linux, Git for
# Windows' bash), else shasum (macOS).
sha256() {
  if command -v sha256sum > /dev/null; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1
  fi
}

install_release() {
  local os arch cache_arch exe="" ext=tar.gz
  case "${RUNNER_OS:-$(uname -s)}" in
    Linux | linux) os=linux ;;
    macOS | Darwin) os=darwin ;;
    Windows | MINGW* | MSYS* | CYGWIN*) os=windows exe=.exe ext=zip ;;
    *) fail "no hogsync release for the operating system ${RUNNER_OS:-$(uname -s)} (there are Linux, macOS and Windows)" ;;
  esac
  case "${RUNNER_ARCH:-$(uname -m)}" in
    X64 | x86_64 | amd64) arch=amd64 cache_arch=x64 ;;
    ARM64 | aarch64 | arm64) arch=arm64 cache_arch=arm64 ;;
    *) fail "no hogsync release for the architecture ${RUNNER_ARCH:-$(uname -m)} (there are X64 and ARM64); use a commit or branch ref of the action to build from source" ;;
  esac

  # Where the release comes from. Plain http would let anyone on the way
  # swap the binary and its checksums together: only loopback may use it.
  local server="${GITHUB_SERVER_URL:-https://github.com}" proto
  server="${server%/}"
  if [[ "$server" =~ ^https://[A-Za-z0-9.-]+(:[0-9]+)?$ ]]; then
    proto='=https'
  elif [[ "$server" =~ ^http://(localhost|127\.[0-9]+\.[0-9]+\.[0-9]+|\[::1\])(:[0-9]+)?$ ]]; then
    proto='=http'
  elif [[ "$server" =~ ^http:// ]]; then
    fail "GITHUB_SERVER_URL is plain http on a host that is not loopback; refusing to download hogsync over it (use https)"
  else
    fail "GITHUB_SERVER_URL is not an https URL such as https://github.com"
  fi
  local repo="${HOGSYNC_RELEASE_REPO:-hogsync/hogsync}"
  if [[ ! "$repo" =~ ^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$ ]]; then
    fail "HOGSYNC_RELEASE_REPO must be OWNER/REPO"
  fi

  if ! command -v sha256sum > /dev/null && ! command -v shasum > /dev/null; then
    fail "neither sha256sum nor shasum is installed: cannot verify a download"
  fi

  local plain="${version#v}"
  local asset="hogsync_${plain}_${os}_${arch}.${ext}"
  local sums="hogsync_${plain}_checksums.txt"
  local base="$server/$repo/releases/download/$version"

  # The runner's tool cache (as actions/tool-cache lays it out: the tool,
  # its version, its architecture, and a marker beside the folder once it
  # is complete), else this job's temporary folder.
  local dest marker=""
  if [[ -n "${RUNNER_TOOL_CACHE:-}" ]]; then
    dest="$RUNNER_TOOL_CACHE/hogsync/$plain/$cache_arch"
    marker="$dest.complete"
    if [[ -f "$marker" && -x "$dest/hogsync$exe" ]]; then
      echo "hogsync $version found in the tool cache ($dest)"
      "$dest/hogsync$exe" version > /dev/null || fail "the cached hogsync in $dest does not run; delete that folder"
      finish "$dest" "$exe"
      return
    fi
  else
    dest="${RUNNER_TEMP:-/tmp}/hogsync-bin"
  fi

  local work
  work="$(mktemp -d "${RUNNER_TEMP:-/tmp}/hogsync-install.XXXXXX")"
  # shellcheck disable=SC2064 # expand now: $work is local to this function
  trap "rm -rf '$work'" EXIT

  download() { # URL FILE WHAT
    local code
    code="$(curl --silent --show-error --location --fail \
      --proto "$proto" --proto-redir "$proto" \
      --connect-timeout 10 --max-time 300 --retry 3 --retry-delay 1 \
      --write-out '%{http_code}' --output "$2" "$1")" || {
      case "$code" in
        404) fail "hogsync $version has no $3 $(basename "$1") at $1 (404): is $version released for $os/$arch, in $repo?" ;;
        *) fail "could not download the $3 $1 (HTTP ${code:-none}; curl said so above)" ;;
      esac
    }
  }

  echo "Downloading hogsync $version for $os/$arch from $base/"
  download "$base/$sums" "$work/$sums" "checksums file"
  download "$base/$asset" "$work/$asset" "release archive"

  # The checksum first: nothing downloaded is extracted or run before it
  # matches the release's checksums file.
  local want got
  want="$(awk -v a="$asset" '$2 == a || $2 == "*" a { print $1 }' "$work/$sums")"
  if [[ -z "$want" ]]; then
    fail "$sums has no line for $asset: cannot verify it, so it is not installed"
  fi
  if [[ ! "$want" =~ ^[0-9a-f]{64}$ ]]; then
    fail "$sums has no single SHA-256 for $asset: cannot verify it, so it is not installed"
  fi
  got="$(sha256 "$work/$asset")"
  if [[ "$got" != "$want" ]]; then
    fail "$asset does not match $sums (SHA-256 $got, want $want): the download is damaged or was tampered with; nothing was installed"
  fi
  echo "Checksum OK: $asset $got"

  verify_attestation "$work/$asset" "$repo" "$server"

  mkdir -p "$work/x"
  if [[ "$ext" == zip ]]; then
    if command -v unzip > /dev/null; then
      unzip -q "$work/$asset" "hogsync$exe" -d "$work/x" ||
        fail "$asset cannot be unpacked (damaged, or it holds no hogsync$exe)"
    else
      powershell -NoProfile -Command "Expand-Archive -LiteralPath '$work/$asset' -DestinationPath '$work/x'" ||
        fail "$asset cannot be unpacked (damaged, or it holds no hogsync$exe)"
    fi
  else
    tar -xzf "$work/$asset" -C "$work/x" "hogsync$exe" ||
      fail "$asset cannot be unpacked (damaged or truncated, or it holds no hogsync$exe)"
  fi
  [[ -f "$work/x/hogsync$exe" ]] || fail "$asset holds no hogsync$exe"
  chmod +x "$work/x/hogsync$exe"

  # It must run here and be the version asked for before it is put
  # anywhere a later step would find it.
  local says
  says="$("$work/x/hogsync$exe" version 2>&1)" ||
    fail "the hogsync in $asset does not run on this runner ($os/$arch): $says"
  if [[ "$says" != "hogsync $version "* ]]; then
    fail "the hogsync in $asset says it is \"$says\", not $version"
  fi

  rm -rf "$dest"
  mkdir -p "$dest"
  mv "$work/x/hogsync$exe" "$dest/hogsync$exe"
  if [[ -n "$marker" ]]; then
    touch "$marker"
  fi
  finish "$dest" "$exe"
}

# verify_attestation ARCHIVE REPO SERVER checks the archive's build
# provenance attestation (published by the release workflow) with gh.
verify_attestation() {
  local want="${HOGSYNC_VERIFY_ATTESTATION:-auto}" host
  case "$want" in
    false)
      echo "::notice::hogsync install: attestation not verified (HOGSYNC_VERIFY_ATTESTATION=false); the SHA-256 from the release's checksums file matched"
      return
      ;;
    auto | true) ;;
    *) fail "HOGSYNC_VERIFY_ATTESTATION must be auto, true or false" ;;
  esac
  if ! command -v gh > /dev/null || [[ -z "${GH_TOKEN:-${GITHUB_TOKEN:-}}" ]]; then
    if [[ "$want" == true ]]; then
      fail "cannot verify $(basename "$1")'s attestation: it needs gh and a token (GH_TOKEN)"
    fi
    echo "::notice::hogsync install: attestation not verified (it needs gh and a token); the SHA-256 from the release's checksums file matched"
    return
  fi
  host="${3#*://}"
  GH_TOKEN="${GH_TOKEN:-${GITHUB_TOKEN:-}}" gh attestation verify "$1" --repo "$2" --hostname "$host" ||
    fail "$(basename "$1") has no valid build provenance attestation from $2: nothing was installed"
}

# finish DIR EXE puts DIR on the job's PATH and says which hogsync it is.
finish() {
  echo "$1" >> "$GITHUB_PATH"
  "$1/hogsync$2" version
  if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
    echo "build-from-source=false" >> "$GITHUB_OUTPUT"
  fi
}

build_from_source() {
  local bin="${RUNNER_TEMP:-/tmp}/hogsync-bin" ref
  mkdir -p "$bin"
  # The ref becomes the version hogsync reports in logs and its
  # User-Agent. It goes inside -ldflags, which the go command splits on
  # blanks and quotes, so only characters that cannot end the flag pass.
  ref="$(action_ref)"
  local ldflags=()
  if [[ "$ref" =~ ^[A-Za-z0-9][A-Za-z0-9._/+-]{0,99}$ ]]; then
    ldflags=(-ldflags "-X main.version=${ref}")
  elif [[ -n "$ref" ]]; then
    echo "::warning::hogsync: the action's ref holds characters other than letters, digits and ._/+-; the built hogsync reports version dev"
  fi
  (cd "$GITHUB_ACTION_PATH" && go build -trimpath "${ldflags[@]}" -o "$bin/hogsync" ./cmd/hogsync)
  echo "$bin" >> "$GITHUB_PATH"
  "$bin/hogsync" version
}

if [[ -n "$version" ]]; then
  install_release
elif [[ "$mode" == release-only ]]; then
  echo "The action's ref is a branch or a commit, not a release: hogsync is built from its source (with Go, set up next)."
  echo "build-from-source=true" >> "$GITHUB_OUTPUT"
else
  build_from_source
fi
