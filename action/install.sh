#!/usr/bin/env bash
# The install step of the action: puts the track-models binary the action runs in place and
# prints its path to $GITHUB_OUTPUT as `bin` (where action/build.sh will put it, when it builds).
#
# Prefers the prebuilt static Linux binary of the release pinned in the checksum file, and
# runs it only after its SHA-256 matched that file. When no prebuilt binary fits the runner
# (another OS or arch, or no checksum entry yet) it prints `build=true` and `build-key=<hash of
# the action's sources>` instead: action.yml then restores the cargo cache under that key and
# runs action/build.sh. A checksum mismatch or a failed download (a missing asset: HTTP 404) is
# an error, never a reason to fall back.
#
# Environment (set by action.yml; the tests set the same variables):
#   GITHUB_ACTION_PATH              the action's source (the fallback builds it)
#   TRACK_MODELS_CHECKSUMS          checksum file: `<sha256>  <tag>/<asset>` lines
#   TRACK_MODELS_INSTALL_FROM       auto (default) | release | source
#   TRACK_MODELS_RELEASE_URL        base URL of the assets; default
#                                   https://github.com/<release repo>/releases/download/<tag>
#   TRACK_MODELS_RELEASE_REPOSITORY owner/name whose releases hold the binaries (the action's
#                                   `release-repository`; default: the action's repository)
#   TRACK_MODELS_ACTION_REPOSITORY  owner/name of the action (github.action_repository)
#   TRACK_MODELS_INSTALL_DIR        where to install (default $RUNNER_TEMP/track-models)
#   RUNNER_OS, RUNNER_ARCH          the runner's platform (default: uname)
set -euo pipefail

main() {
  local action_path=${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}
  local checksums=${TRACK_MODELS_CHECKSUMS:-$action_path/action/checksums.txt}
  local install_from=${TRACK_MODELS_INSTALL_FROM:-auto}
  local install_dir=${TRACK_MODELS_INSTALL_DIR:-${RUNNER_TEMP:-/tmp}/track-models}

  case "$install_from" in
    auto | release | source) ;;
    *) fail "\`install-from\` must be \`auto\`, \`release\` or \`source\`, not \`$install_from\`" ;;
  esac

  if [ "$install_from" = source ]; then
    defer_build "$action_path" "$install_dir" "\`install-from\` is \`source\`"
    return
  fi
  local target
  target=$(runner_target)
  if [ -z "$target" ]; then
    [ "$install_from" = auto ] ||
      fail "no prebuilt track-models for $(runner_os)/$(runner_arch); hint: use \`install-from: auto\` to build from source"
    defer_build "$action_path" "$install_dir" "no prebuilt binary for $(runner_os)/$(runner_arch)"
    return
  fi
  local asset=track-models-$target.tar.gz
  local entry
  entry=$(checksum_entry "$checksums" "$asset")
  if [ -z "$entry" ]; then
    local why="no SHA-256 for \`$asset\` in \`$checksums\` (a placeholder until the first release)"
    [ "$install_from" = auto ] ||
      fail "$why; hint: use \`install-from: auto\` to build from source, or pin the action to a commit whose checksum file lists a release"
    defer_build "$action_path" "$install_dir" "$why"
    return
  fi
  install_release "$entry" "$asset" "$install_dir"

  local bin=$install_dir/bin/track-models
  # The first run of the binary: proves it fits the runner before the real run.
  "$bin" --version
  output bin "$bin"
}

# No binary to download: leave the build to action/build.sh, after action.yml restored the
# cargo cache under the key printed here (a hash of the action's sources, so an entry saved for
# a key never changes and a repeat run of the same source compiles nothing).
defer_build() {
  local action_path=$1 install_dir=$2 why=$3
  echo "::notice title=track-models is built from source::$why; building with \`cargo install --locked\` (minutes on a cold cache, seconds on a warm one)"
  local key
  key=$(source_hash "$action_path") && [[ "$key" =~ ^[0-9a-f]{64}$ ]] ||
    fail "could not hash the action's sources in \`$action_path\` (Cargo.toml, Cargo.lock, src/)"
  # Where build.sh puts it: the run step reads `bin` from this step either way.
  output bin "$install_dir/bin/track-models"
  output build true
  output build-key "$key"
}

# SHA-256 over the files `cargo install --path` compiles: the manifest, the lockfile, src/.
# (`sha256sum`, or macOS' `shasum -a 256`, same output, where coreutils are missing.)
source_hash() {
  local action_path=$1
  local -a sum=(sha256sum)
  command -v sha256sum >/dev/null || sum=(shasum -a 256)
  (
    cd "$action_path" || exit 1
    find Cargo.toml Cargo.lock src -type f -print0 | LC_ALL=C sort -z | xargs -0 "${sum[@]}"
  ) | "${sum[@]}" | cut -c1-64
}

output() {
  if [ -n "${GITHUB_OUTPUT:-}" ]; then
    printf '%s=%s\n' "$1" "$2" >>"$GITHUB_OUTPUT"
  fi
}

# Prints `<sha256> <tag>` for the asset, or nothing when the file has no real checksum for it.
checksum_entry() {
  local checksums=$1 asset=$2
  [ -f "$checksums" ] || fail "checksum file \`$checksums\` does not exist"
  local hash path found=""
  while read -r hash path _; do
    case "$hash" in '' | '#'*) continue ;; esac
    [ "${path##*/}" = "$asset" ] || continue
    [ -z "$found" ] || fail "\`$checksums\` lists \`$asset\` more than once"
    if [[ "$hash" =~ ^[0-9a-f]{64}$ ]] && [[ "$path" == */* ]]; then
      found="$hash ${path%/*}"
    else
      found=placeholder
    fi
  done <"$checksums"
  [ "$found" = placeholder ] || printf '%s\n' "$found"
}

install_release() {
  local entry=$1 asset=$2 install_dir=$3
  local expected=${entry%% *} tag=${entry#* }
  local base=${TRACK_MODELS_RELEASE_URL:-https://github.com/$(action_repository)/releases/download/$tag}
  local url=${base%/}/$asset

  local work
  work=$(mktemp -d)
  # shellcheck disable=SC2064 # expand now: `work` is local
  trap "rm -rf '$work'" EXIT

  echo "Downloading track-models $tag for $(runner_os)/$(runner_arch): $url"
  local status
  status=$(curl --silent --show-error --location --proto-redir '=https' \
    --retry 3 --connect-timeout 10 --max-time 120 \
    --write-out '%{http_code}' --output "$work/$asset" "$url" 2>"$work/curl-error") ||
    fail "could not download \`$url\`: $(head -c 300 "$work/curl-error" | head -n 1)"
  [ "$status" = 200 ] || fail "could not download \`$url\`: HTTP $status"

  local actual
  actual=$(sha256sum "$work/$asset")
  actual=${actual%% *}
  if [ "$actual" != "$expected" ]; then
    rm -f "$work/$asset"
    fail "SHA-256 mismatch for \`$asset\` of $tag: expected $expected (\`${TRACK_MODELS_CHECKSUMS:-action/checksums.txt}\`), got $actual; nothing was installed or run"
  fi
  echo "SHA-256 verified: $actual"

  mkdir "$work/unpacked"
  tar -xzf "$work/$asset" -C "$work/unpacked" track-models ||
    fail "\`$asset\` has no \`track-models\` at its top level"
  mkdir -p "$install_dir/bin"
  install -m 0755 "$work/unpacked/track-models" "$install_dir/bin/track-models"
}

# The release target that runs here, or nothing.
runner_target() {
  case "$(runner_os)/$(runner_arch)" in
    Linux/X64) echo x86_64-unknown-linux-musl ;;
    Linux/ARM64) echo aarch64-unknown-linux-musl ;;
  esac
}

runner_os() {
  if [ -n "${RUNNER_OS:-}" ]; then
    echo "$RUNNER_OS"
  else
    case "$(uname -s)" in
      Linux) echo Linux ;;
      Darwin) echo macOS ;;
      *) uname -s ;;
    esac
  fi
}

runner_arch() {
  if [ -n "${RUNNER_ARCH:-}" ]; then
    echo "$RUNNER_ARCH"
  else
    case "$(uname -m)" in
      x86_64 | amd64) echo X64 ;;
      aarch64 | arm64) echo ARM64 ;;
      *) uname -m ;;
    esac
  fi
}

# owner/name whose releases hold the binaries: `release-repository`, else the action's own (from
# github.action_repository, else from the path the runner
# checked the action out to (`…/_actions/<owner>/<name>/<ref>`), else the workflow's repository
# (`uses: ./`)).
action_repository() {
  if [ -n "${TRACK_MODELS_RELEASE_REPOSITORY:-}" ]; then
    echo "$TRACK_MODELS_RELEASE_REPOSITORY"
  elif [ -n "${TRACK_MODELS_ACTION_REPOSITORY:-}" ]; then
    echo "$TRACK_MODELS_ACTION_REPOSITORY"
  elif [[ "${GITHUB_ACTION_PATH:-}" =~ /_actions/([^/]+)/([^/]+)/[^/]+$ ]]; then
    echo "${BASH_REMATCH[1]}/${BASH_REMATCH[2]}"
  else
    echo "${GITHUB_REPOSITORY:?GITHUB_REPOSITORY is not set}"
  fi
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
