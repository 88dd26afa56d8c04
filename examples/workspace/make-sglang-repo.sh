#!/usr/bin/env bash
# Makes the SGLang snapshot in `sglang/` a real git repository at DEST: model files are added by
# dated commits (pinned author, committer and times: noon UTC, N days before TODAY), so that
# `track-models --discover --sglang-dir DEST` finds day-0 models without the network.
#
# usage: examples/workspace/make-sglang-repo.sh DEST [TODAY]
#   DEST   a new or empty directory
#   TODAY  YYYY-MM-DD the history is relative to (default: today, UTC); pass the same day to a
#          run that pins its date
#
# Inside the default 30-day window: qwen3_next.py (+ its MTP draft, which is not a model),
# nemotron_h.py, minimax_m2.py and afm.py (a class no repo id matches). Everything else is older.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
snapshot="$here/sglang"
dest="${1:?usage: make-sglang-repo.sh DEST [YYYY-MM-DD]}"
today="${2:-$(date -u +%F)}"
if ! [[ $today =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}$ ]]; then
  echo "error: TODAY must be YYYY-MM-DD, got \`$today\`" >&2
  exit 2
fi
if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
  echo "error: \`$dest\` exists and is not empty" >&2
  exit 2
fi
mkdir -p "$dest"

# No user or system configuration: the same commits on every machine.
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null
export GIT_AUTHOR_NAME="SGLang Example" GIT_AUTHOR_EMAIL="sglang-example@example.invalid"
export GIT_COMMITTER_NAME="SGLang Example" GIT_COMMITTER_EMAIL="sglang-example@example.invalid"
git -C "$dest" init -q
git -C "$dest" symbolic-ref HEAD refs/heads/main

models=python/sglang/srt/models
docs=docs_new/docs/supported-models/generative_models.mdx
configs=docs_new/src/snippets/configs/qwen/qwen3-next.jsx

# days before TODAY | commit message | files (relative to the snapshot)
while IFS='|' read -r days message files; do
  stamp="$(date -u -d "$today 12:00:00 UTC $days days ago" +%Y-%m-%dT%H:%M:%SZ)"
  for file in $files; do
    mkdir -p "$dest/$(dirname "$file")"
    cp "$snapshot/$file" "$dest/$file"
    git -C "$dest" add -- "$file"
  done
  GIT_AUTHOR_DATE="$stamp" GIT_COMMITTER_DATE="$stamp" \
    git -C "$dest" commit -q --no-gpg-sign -m "$message"
done <<HISTORY
400|Initial model zoo: Llama, Qwen3 and helpers|$models/llama.py $models/qwen3.py $models/utils.py
300|Support DeepSeek V2, V3 and V3.2|$models/deepseek_v2.py
200|Support Qwen3 MoE|$models/qwen3_moe.py
120|Support Gemma 3 and Llama 4|$models/gemma3_mm.py $models/mllama4.py
90|Docs: supported models and cookbook configs|$docs $configs
25|Support Qwen3-Next with its MTP draft|$models/qwen3_next.py $models/qwen3_next_mtp.py
12|Support Nemotron-H|$models/nemotron_h.py
5|Support MiniMax M2|$models/minimax_m2.py
3|Add Arcee AFM|$models/afm.py
HISTORY

missing="$(cd "$snapshot" && find . -type f | sed 's|^\./||' | sort | while read -r file; do
  [ -e "$dest/$file" ] || echo "$file"
done)"
if [ -n "$missing" ]; then
  echo "error: snapshot files missing from the history in $0:" >&2
  echo "$missing" >&2
  exit 1
fi
echo "$dest: $(git -C "$dest" rev-list --count HEAD) commits, relative to $today"
