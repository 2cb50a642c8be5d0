#!/usr/bin/env bash
# Instructions per render (callgrind), mfa-page against the bare `liquid` crate, for each
# starter scenario: a measure of the lenient layer's cost that does not depend on the load of
# a shared machine. Needs valgrind (Debian: apt-get install valgrind). Run from the repository root.
set -euo pipefail
cargo build --release --quiet --example render_loop
bin=target/release/examples/render_loop
instructions() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 |
    sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for scenario in login enroll login-errors branded; do
  line="$scenario:"
  for engine in mfa-page bare-liquid; do
    # The difference between 110 and 10 renders leaves out loading and compiling.
    few=$(instructions "$bin" "$engine" "$scenario" 10)
    many=$(instructions "$bin" "$engine" "$scenario" 110)
    line="$line $engine $(( (many - few) / 100 ))"
  done
  echo "$line instructions per render"
done
