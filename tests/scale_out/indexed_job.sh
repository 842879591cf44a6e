#!/usr/bin/env bash
# The Kubernetes Indexed Job of docs/scale-out is checked for what the host reads:
# completionMode Indexed, TRAFFICSIM_SHARD_COUNT equal to completions, the command with
# --shard-from-env and a JOB_COMPLETION_INDEX in the output name. Then its command runs
# as each pod would (JOB_COMPLETION_INDEX 0..N-1, its env, a smaller --scale and --days,
# a temporary folder for /data) and the joined shards must equal a single run.
# usage: indexed_job.sh HOST SOURCE_DIR
set -euo pipefail
host="$1"
manifest="$2/docs/scale-out/indexed-job.yaml"
fail() { echo "FAILED: $*" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

field() { sed -n "s/^ *$1: *\"\{0,1\}\([^\"]*\)\"\{0,1\} *$/\1/p" "$manifest" | head -1; }
completions="$(field completions)"
[ -n "$completions" ] || fail "no completions"
[ "$(field completionMode)" = "Indexed" ] || fail "completionMode is not Indexed"
[ "$(field parallelism)" = "$completions" ] || fail "parallelism differs from completions"
count="$(sed -n '/name: TRAFFICSIM_SHARD_COUNT/{n;s/^ *value: *"\([0-9]*\)".*/\1/p}' "$manifest")"
[ "$count" = "$completions" ] || fail "TRAFFICSIM_SHARD_COUNT ($count) must equal completions ($completions)"
# The container's command: the folded (>-) block under args.
command="$(sed -n '/^ *- >-$/,/^ *env:$/p' "$manifest" | sed '1d;$d' | tr -s ' \n' ' ')"
case "$command" in *--shard-from-env*) ;; *) fail "the command lacks --shard-from-env: $command" ;; esac
case "$command" in *JOB_COMPLETION_INDEX*) ;; *) fail "the output name lacks JOB_COMPLETION_INDEX" ;; esac
small="$(echo "$command" | sed -e 's/--scale [0-9]*/--scale 1/' -e 's/--days [0-9]*/--days 3/' \
  -e "s|/data/calls|$work/calls|")"
mkdir -p "$work/calls" "$work/bin"
ln -s "$host" "$work/bin/trafficsim-host"
for ((i = 0; i < completions; i++)); do
  env -u TRAFFICSIM_SHARD_INDEX PATH="$work/bin:$PATH" JOB_COMPLETION_INDEX="$i" TRAFFICSIM_SHARD_COUNT="$count" \
    /bin/sh -c "$small -q" || fail "pod $i failed: $small"
done
[ "$(ls "$work/calls" | wc -l)" -eq "$completions" ] || fail "expected $completions shard files"
cat "$work"/calls/shard-*.csv.zst >"$work/joined.csv.zst"
"$host" -q --scale 1 --days 3 -o "$work/single.csv.zst"
cmp "$work/joined.csv.zst" "$work/single.csv.zst" || fail "the joined shards differ from the single run"
echo "1 passed, 0 failed"
