#!/usr/bin/env bash
# `mfa-page check --visual` on the starter (4 scenarios x 3 widths), in
# headless Chromium: wall time of whole runs, Chromium's start included
# (target: under 5 s), and repeatability (20 runs must give byte-identical
# screenshots). Needs chromium (Debian: apt-get install chromium). Run from
# the repository root: benches/visual.sh [RUNS]
set -euo pipefail
runs="${1:-20}"
cargo build --release --quiet
bin="$PWD/target/release/mfa-page"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$bin" init "$dir/project" >/dev/null 2>&1
cd "$dir/project"
export NO_COLOR=1
unset CI

# The baselines every later run is compared with.
"$bin" check --visual >/dev/null 2>&1

echo "== timing: $runs runs of \`mfa-page check --visual\`, comparing with baselines"
times=()
for i in $(seq "$runs"); do
  start=$(date +%s%N)
  "$bin" check --visual 2>"$dir/err"
  end=$(date +%s%N)
  ms=$(( (end - start) / 1000000 ))
  times+=("$ms")
  grep '^visual:' "$dir/err" | sed "s/^/run $i: ${ms} ms wall; /"
done
printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "wall ms: min %d, median %d, max %d\n", a[1], a[int((NR+1)/2)], a[NR]}'

echo "== repeatability: $runs runs writing fresh screenshots"
for i in $(seq "$runs"); do
  "$bin" check --visual --visual-dir "$dir/shots/$i" >/dev/null 2>&1
done
first="$(cd "$dir/shots/1" && sha256sum -- *.png)"
same=0
for i in $(seq "$runs"); do
  if [ "$(cd "$dir/shots/$i" && sha256sum -- *.png)" = "$first" ]; then same=$((same + 1)); fi
done
echo "$(ls "$dir/shots/1" | wc -l) screenshots a run; runs byte-identical to the first: $same of $runs"
[ "$same" -eq "$runs" ]
