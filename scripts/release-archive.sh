#!/usr/bin/env bash
# One GitHub release archive: mfa-page-VERSION-TARGET.tar.gz (.zip for Windows)
# holding the binary and the README, in OUT_DIR. Run by the release workflow
# for each platform; tests/external/release_install.rs runs it too, then
# installs the archive with scripts/install-release.sh (what action.yml runs).
#
#   scripts/release-archive.sh VERSION TARGET BINARY OUT_DIR
set -euo pipefail
if [ "$#" -ne 4 ]; then
  echo "usage: scripts/release-archive.sh VERSION TARGET BINARY OUT_DIR" >&2
  exit 2
fi
version=$1 target=$2 binary=$3 out=$4
root="$(cd "$(dirname "$0")/.." && pwd)"
name="mfa-page-$version-$target"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name" "$out"
out="$(cd "$out" && pwd)"
cp "$binary" "$stage/$name/"
cp "$root/README.md" "$stage/$name/"
cd "$stage"
case "$target" in
  *windows*)
    if command -v 7z >/dev/null; then 7z a -tzip "$out/$name.zip" "$name" >/dev/null; else zip -qr "$out/$name.zip" "$name"; fi
    echo "$out/$name.zip" ;;
  *)
    tar -czf "$out/$name.tar.gz" "$name"
    echo "$out/$name.tar.gz" ;;
esac
