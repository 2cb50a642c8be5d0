#!/usr/bin/env bash
# Whole-process cost of `mfa-page render` for one scenario (target: median < 10 ms).
# Needs hyperfine (Debian: apt-get install hyperfine). Run from the repository root.
set -euo pipefail
cargo build --release --quiet
hyperfine --warmup 20 --runs 200 --shell=none \
  --export-json target/bench-process.json \
  './target/release/mfa-page render --context login -o /dev/null' \
  './target/release/mfa-page render --context login-errors -o /dev/null'
python3 - <<'PY'
import json
for r in json.load(open("target/bench-process.json"))["results"]:
    print(f'{r["command"]}: median {r["median"]*1000:.2f} ms, mean {r["mean"]*1000:.2f} ms')
PY
