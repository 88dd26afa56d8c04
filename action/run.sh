#!/usr/bin/env bash
# Runs track-models with the action's inputs. action.yml hands every input over as an
# environment variable; this script turns them into arguments (one input, one argument: never
# word-split, never evaluated) and runs the binary, whose exit code is the step's (0 ok,
# 1 drift under `mode: check`, 2 error). The binary writes the job summary itself (it sees
# `GITHUB_ACTIONS=true`).
#
# Environment:
#   TRACK_MODELS_BIN      the binary (install.sh's `bin` output)
#   TRACK_MODELS_REPORTS  folder for report.json / report.md (default $RUNNER_TEMP/track-models)
#   INPUT_MODE            nightly | model | check
#   INPUT_MODEL_NAME, INPUT_HF_REPO_ID, INPUT_DOC, INPUT_TRACE_REPO, INPUT_TRACE_DIR,
#   INPUT_BRANCH, INPUT_BASE, INPUT_LABELS, INPUT_MAX_NEW, INPUT_MIN_PROVIDERS,
#   INPUT_DRY_RUN, INPUT_RECREATE (true | false), INPUT_ARGS (extra arguments, one a line)
#   GITHUB_TOKEN, HF_TOKEN, TRACK_MODELS_BOT_LOGIN  passed through to the binary; unset when
#                         empty
set -euo pipefail

main() {
  local bin=${TRACK_MODELS_BIN:?TRACK_MODELS_BIN is not set}
  local reports=${TRACK_MODELS_REPORTS:-${RUNNER_TEMP:-/tmp}/track-models}
  local mode=${INPUT_MODE:-}
  local dry_run recreate
  dry_run=$(boolean dry-run "${INPUT_DRY_RUN:-false}")
  recreate=$(boolean recreate "${INPUT_RECREATE:-false}")

  local -a args
  case "$mode" in
    nightly)
      args=(--discover --refresh-status)
      optional --max-new "${INPUT_MAX_NEW:-}"
      optional --min-providers "${INPUT_MIN_PROVIDERS:-}"
      ;;
    model)
      [ -n "${INPUT_MODEL_NAME:-}" ] || fail "\`mode: model\` needs \`model-name\`"
      args=(--model-name "$INPUT_MODEL_NAME")
      optional --hf-repo-id "${INPUT_HF_REPO_ID:-}"
      ;;
    check)
      args=(--refresh-status)
      ;;
    *) fail "\`mode\` must be \`nightly\`, \`model\` or \`check\`, not \`$mode\`" ;;
  esac

  optional --doc "${INPUT_DOC:-}"
  optional --trace-dir "${INPUT_TRACE_DIR:-}"
  optional --trace-repo "${INPUT_TRACE_REPO:-}"

  if [ "$mode" = check ]; then
    # Report only: --check fails the step on drift; with dry-run it only reports.
    if [ "$dry_run" = true ]; then args+=(--dry-run); else args+=(--check); fi
  else
    args+=(--publish)
    optional --branch "${INPUT_BRANCH:-}"
    optional --base "${INPUT_BASE:-}"
    optional --labels "${INPUT_LABELS:-}"
    if [ "$recreate" = true ]; then args+=(--recreate); fi
    if [ "$dry_run" = true ]; then args+=(--dry-run); fi
  fi

  mkdir -p "$reports"
  # A report left by an earlier step of the same job must not pass for this run's.
  rm -f "$reports/report.json" "$reports/report.md"
  args+=(--report-json "$reports/report.json" --report-md "$reports/report.md")

  local line
  while IFS= read -r line; do
    if [ -n "$line" ]; then args+=("$line"); fi
  done <<<"${INPUT_ARGS:-}"

  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf 'report-json=%s\nreport-md=%s\n' "$reports/report.json" "$reports/report.md" >>"$GITHUB_OUTPUT"
  fi
  if [ -z "${GITHUB_TOKEN:-}" ]; then unset GITHUB_TOKEN; fi
  if [ -z "${HF_TOKEN:-}" ]; then unset HF_TOKEN; fi
  if [ -z "${TRACK_MODELS_BOT_LOGIN:-}" ]; then unset TRACK_MODELS_BOT_LOGIN; fi

  printf 'Running: track-models'
  printf ' %q' "${args[@]}"
  printf '\n'
  local status=0
  "$bin" "${args[@]}" || status=$?
  return "$status"
}

# Appends `flag value` to args when the value is not empty.
optional() {
  if [ -n "$2" ]; then args+=("$1" "$2"); fi
}

boolean() {
  case "$2" in
    true | false) echo "$2" ;;
    *) fail "\`$1\` must be \`true\` or \`false\`, not \`$2\`" ;;
  esac
}

fail() {
  # Workflow-command data: escape `%`, CR and LF so a value cannot start a command of its own.
  local message=${1//%/%25}
  message=${message//$'\r'/%0D}
  message=${message//$'\n'/%0A}
  echo "::error title=track-models::$message" >&2
  exit 2
}

main "$@"
