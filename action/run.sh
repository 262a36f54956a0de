#!/usr/bin/env bash
# Run hogsync for the action. Inputs arrive only as environment variables,
# and every use is quoted: no input is ever run as code.
set -uo pipefail

# shellcheck source=action/args.sh
source "$GITHUB_ACTION_PATH/action/args.sh"

# fail prints an error annotation, its message escaped as the Actions
# toolkit escapes one (an input quoted in it cannot start a line of its
# own, so cannot be read as a workflow command), and exits.
fail() {
  local msg=${1//'%'/'%25'}
  msg=${msg//$'\r'/'%0D'}
  msg=${msg//$'\n'/'%0A'}
  echo "::error::$msg"
  exit 1
}

bool() { # name value -> exits on anything but true/false
  case "$2" in
    true|false) ;;
    *) fail "input $1 must be true or false, not '$2'" ;;
  esac
}
bool apply "$HOGSYNC_APPLY"
bool prune "$HOGSYNC_PRUNE"
bool comment "$HOGSYNC_COMMENT"
bool drift-issue "${HOGSYNC_DRIFT_ISSUE:-false}"
# max-deletes, project and host go to hogsync as HOGSYNC_INPUT_*, never as
# flags: a flag would beat hogsync.yaml even when the workflow left the
# input empty. hogsync ranks them below flags and above hogsync.yaml.
max_deletes="${HOGSYNC_INPUT_MAX_DELETES:-}"
[[ -z "$max_deletes" || "$max_deletes" =~ ^-?[0-9]+$ ]] || fail "input max-deletes must be a whole number (or empty for hogsync.yaml's max_deletes), not '$max_deletes'"
reviewed_plan="${HOGSYNC_REVIEWED_PLAN:-off}"
case "$reviewed_plan" in
  require|prefer|off) ;;
  *) fail "input reviewed-plan must be require, prefer or off, not '$reviewed_plan'" ;;
esac
split_args "${HOGSYNC_ARGS:-}" || fail "input args: cannot split it into words (see the message above); quote with ' or \""
extra=("${ARGS[@]}")
if [[ "${HOGSYNC_DRIFT_ISSUE:-false}" == true && "$HOGSYNC_APPLY" == true ]]; then
  fail "input drift-issue reports drift and never changes PostHog: use it with apply: false"
fi

out() { printf '%s=%s\n' "$1" "$2" >> "$GITHUB_OUTPUT"; }

# A pull request from a fork gets no secrets. Its dry run checks the
# manifests offline and says so, rather than failing for want of a key.
# Anywhere else a missing key is a mistake (a misspelt secret, say), and
# an apply must never pass green without applying.
if [[ -z "${POSTHOG_PERSONAL_API_KEY:-}" ]]; then
  if [[ "${GITHUB_EVENT_NAME:-}" != pull_request* || "$HOGSYNC_APPLY" == true ]]; then
    fail "POSTHOG_PERSONAL_API_KEY is empty: set it in the step's env from a secret. (Only a pull request's dry run, where forks get no secrets, goes on without it.)"
  fi
  echo "::notice::No POSTHOG_PERSONAL_API_KEY (pull requests from forks get no secrets): validating the manifests offline; no plan was made."
  hogsync validate -- "$HOGSYNC_PATH"
  code=$?
  {
    echo "### hogsync"
    echo
    echo "No PostHog API key was available to this run (pull requests from forks get no secrets), so the manifests were validated offline and no plan was made."
  } >> "$GITHUB_STEP_SUMMARY"
  out exit-code "$code"
  out summary "Validated offline; no plan (no API key)."
  exit "$code"
fi

# One plan file and one artifact per hogsync step: two steps in a job
# share RUNNER_TEMP, and two on one pull request its head commit. The key
# is the first 12 hex digits of the SHA-256 of the path input, byte for
# byte, so a step's pull request run and its run on merge agree
# (ghactions.PlanKey computes the same).
plan_key() {
  if command -v sha256sum > /dev/null; then
    printf '%s' "$1" | sha256sum
  else
    printf '%s' "$1" | shasum -a 256
  fi | cut -c1-12
}
key="$(plan_key "$HOGSYNC_PATH")"
[[ "$key" =~ ^[0-9a-f]{12}$ ]] || fail "cannot name this step's plan: neither sha256sum nor shasum works here"
plan_json="${RUNNER_TEMP:-/tmp}/hogsync-plan-$key.json"
# On a pull request, the artifact the next step saves the plan as.
if [[ -n "${HOGSYNC_HEAD_SHA:-}" ]]; then
  [[ "$HOGSYNC_HEAD_SHA" =~ ^[0-9a-f]{40}([0-9a-f]{24})?$ ]] || fail "the pull request's head commit '$HOGSYNC_HEAD_SHA' is not a commit SHA"
  out artifact-name "hogsync-plan-$HOGSYNC_HEAD_SHA-$key"
fi
args=(sync "--plan-out=$plan_json")
[[ "$HOGSYNC_APPLY" == true ]] && args+=(--apply)
[[ "$HOGSYNC_PRUNE" == true ]] && args+=(--prune)
[[ "$HOGSYNC_COMMENT" == true ]] && args+=(--comment)
# Flags with defaults are passed only when set, so the action runs with
# a hogsync that predates them as long as they are not used.
if [[ "$reviewed_plan" != off ]]; then
  if [[ "${GITHUB_EVENT_NAME:-}" == push && "$HOGSYNC_APPLY" == true ]]; then
    args+=("--reviewed-plan=$reviewed_plan")
  else
    echo "::warning::hogsync: reviewed-plan applies only to a push with apply: true; this ${GITHUB_EVENT_NAME:-unknown} run plans afresh"
  fi
fi
[[ "${HOGSYNC_DRIFT_ISSUE:-false}" == true ]] && args+=(--drift-issue)
args+=("${extra[@]}" -- "$HOGSYNC_PATH")

hogsync "${args[@]}"
code=$?
out exit-code "$code"

case "$code" in
  0) exit 0 ;;
  3) echo "::warning::hogsync: some changes wait for approval in PostHog; run the workflow again once they are approved"
     exit 0 ;;
  *) exit "$code" ;;
esac
