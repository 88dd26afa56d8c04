#!/usr/bin/env bash
# The nightly job (discover + refresh) on the bundled example workspace: offline, no tokens,
# nothing written. Prints the candidates it considered and the diff it would apply.
# Extra arguments go to track-models (e.g. `--report-md /tmp/report.md`).
set -euo pipefail
cd "$(dirname "$0")/.."
today=2026-11-20
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash examples/workspace/make-sglang-repo.sh "$work/sglang" "$today" >/dev/null
HF_HOME=examples/workspace/hf-home HF_HUB_OFFLINE=1 cargo run --release --quiet -- \
  --discover --refresh-status --today "$today" \
  --sglang-dir "$work/sglang" --cookbook-dir examples/workspace/cookbook \
  --doc examples/workspace/docs/model_coverage.mdx --trace-dir examples/workspace/flashinfer-trace \
  --dry-run "$@"
