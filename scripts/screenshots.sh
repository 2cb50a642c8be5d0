#!/usr/bin/env bash
# Screenshots of `mfa-page serve` for the README, made in headless Chromium
# (Debian: apt-get install chromium):
#   docs/gallery.png   the gallery of this repository's scenarios
#   docs/overlay.png   the same gallery with a template error
#   docs/findings.png  the live findings of Auth0's own default template
#                      (tests/fixtures/check-two-errors), listed in the gallery
# Usage: scripts/screenshots.sh [OUT_DIR]   (default: docs)
set -euo pipefail
cd "$(dirname "$0")/.."
out_dir=${1:-docs}
mkdir -p "$out_dir"
chromium=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
[ -n "$chromium" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }

cargo build --release --quiet
bin=$PWD/target/release/mfa-page
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -INT "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Serve a copy of the project, so the error screenshot can break the template.
cp -r templates contexts "$work/"
(cd "$work" && exec "$bin" serve --port 0 >url 2>log) &
pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
[ -n "$url" ] || { cat "$work/log" >&2; exit 1; }

shoot() { # shoot FILE URL
  rm -rf "$work/profile"
  "$chromium" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --disable-quic --no-first-run \
    --host-resolver-rules="MAP * ~NOTFOUND, EXCLUDE 127.0.0.1" \
    --user-data-dir="$work/profile" --hide-scrollbars --window-size=1640,940 \
    --screenshot="$1" "$2" >/dev/null 2>&1
  echo "wrote $1"
}

shoot "$PWD/$out_dir/gallery.png" "$url"

# Break the template: the overlay points at the line.
sed -i 's/{% for error in errors %}/{% for error in %}/' "$work/templates/mfa.liquid"
for _ in $(seq 100); do grep -q 'build failed' "$work/log" && break; sleep 0.05; done
shoot "$PWD/$out_dir/overlay.png" "$url"

# Auth0's default template: the live checks find its comma-less error loop
# and its unsafe values; `#findings` opens the list.
kill -INT "$pid"; wait "$pid" 2>/dev/null || true
rm -rf "$work/templates" "$work/contexts" "$work/url" "$work/log"
cp -r tests/fixtures/check-two-errors/templates tests/fixtures/check-two-errors/contexts "$work/"
(cd "$work" && exec "$bin" serve --port 0 >url 2>log) &
pid=$!
for _ in $(seq 100); do [ -s "$work/url" ] && break; sleep 0.05; done
url=$(head -1 "$work/url")
[ -n "$url" ] || { cat "$work/log" >&2; exit 1; }
for _ in $(seq 100); do grep -q '^checks:' "$work/log" && break; sleep 0.05; done
shoot "$PWD/$out_dir/findings.png" "$url#findings"
