#!/usr/bin/env bash
# The build step of the action, run only when action/install.sh found no prebuilt binary
# (`build=true`): `cargo install --locked` of the action's own source into the install folder,
# with the target folder action.yml keeps in the cargo cache. The cache also keeps the installed
# binary with the key of the source it was built from (`bin/.build-key`): when that is this
# run's key, the binary is used as it is and cargo does not run (a repeat run takes seconds; a
# rebuild would recompile the crate, whose freshly unpacked sources are newer than the cache).
# The binary goes where install.sh's `bin` output said: <install dir>/bin/track-models.
#
# Environment (set by action.yml; the tests set the same variables):
#   GITHUB_ACTION_PATH          the action's source
#   TRACK_MODELS_INSTALL_DIR    where to install (default $RUNNER_TEMP/track-models)
#   TRACK_MODELS_TARGET_DIR     cargo's target folder (default <install dir>/target)
#   TRACK_MODELS_BUILD_KEY      install.sh's `build-key`: the hash of the sources
set -euo pipefail

main() {
  local action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
  local install_dir=${TRACK_MODELS_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/track-models}
  local target_dir=${TRACK_MODELS_TARGET_DIR:-$install_dir/target}

  local key=${TRACK_MODELS_BUILD_KEY:?TRACK_MODELS_BUILD_KEY is not set}
  local bin=$install_dir/bin/track-models stamp=$install_dir/bin/.build-key

  if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
    echo "track-models of this source ($key) is in the cache: nothing to build"
  else
    command -v cargo >/dev/null ||
      fail "building from source needs \`cargo\`; hint: install a Rust toolchain before this action, or pin the action to a commit whose checksum file lists a release"
    echo "Building track-models: cargo install --locked --path $action_path"
    rm -f "$stamp"
    CARGO_TARGET_DIR=$target_dir cargo install --locked --path "$action_path" --root "$install_dir" --force
    printf '%s\n' "$key" >"$stamp"
  fi

  "$bin" --version
}

fail() {
  # Workflow-command data: escape `%`, CR and LF so a value cannot start a command of its own.
  local message=${1//%/%25}
  message=${message//$'\r'/%0D}
  message=${message//$'\n'/%0A}
  echo "::error title=track-models install failed::$message" >&2
  exit 1
}

main "$@"
