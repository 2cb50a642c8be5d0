#!/usr/bin/env bash
# Install mfa-page from a GitHub release: download this runner's archive and
# SHA256SUMS, verify the checksum, unpack, and put the binary on the job's
# PATH. Run by action.yml (the composite GitHub Action); also by
# tests/external/release_install.rs against a local folder of archives.
#
# Environment (action.yml sets it from its inputs and the runner):
#   MFA_PAGE_VERSION       a release tag (v0.1.0); empty: ACTION_REF when it is a tag, else the latest release
#   ACTION_REF             the ref the action is used at
#   ACTION_REPOSITORY      owner/name of the action's repository
#   MFA_PAGE_RELEASES_URL  where the releases are (default https://github.com/OWNER/NAME/releases)
#   RUNNER_OS_NAME, RUNNER_ARCH_NAME   runner.os and runner.arch (Linux/macOS/Windows, X64/ARM64)
#   RUNNER_TEMP, GITHUB_PATH, GITHUB_OUTPUT   as GitHub Actions sets them
set -euo pipefail
repo="${ACTION_REPOSITORY:-mfa-page/mfa-page}"
releases="${MFA_PAGE_RELEASES_URL:-https://github.com/$repo/releases}"
version="${MFA_PAGE_VERSION:-}"
if [ -z "$version" ]; then
  if [[ "${ACTION_REF:-}" =~ ^v[0-9]+\.[0-9]+\.[0-9]+ ]]; then
    version="$ACTION_REF"
  else
    # The latest release's tag, from where /releases/latest redirects.
    version=$(curl -fsSIL -o /dev/null -w '%{url_effective}' "$releases/latest")
    version="${version##*/}"
  fi
fi
case "${RUNNER_OS_NAME:-}-${RUNNER_ARCH_NAME:-}" in
  Linux-X64) target=x86_64-unknown-linux-musl ext=tar.gz exe=mfa-page ;;
  Linux-ARM64) target=aarch64-unknown-linux-musl ext=tar.gz exe=mfa-page ;;
  macOS-X64) target=x86_64-apple-darwin ext=tar.gz exe=mfa-page ;;
  macOS-ARM64) target=aarch64-apple-darwin ext=tar.gz exe=mfa-page ;;
  Windows-X64) target=x86_64-pc-windows-msvc ext=zip exe=mfa-page.exe ;;
  *)
    echo "::error::mfa-page has no prebuilt binary for ${RUNNER_OS_NAME:-?} ${RUNNER_ARCH_NAME:-?}; install it with cargo install mfa-page"
    exit 1 ;;
esac
name="mfa-page-$version-$target"
base="$releases/download/$version"
dir="$RUNNER_TEMP/mfa-page-$version"
mkdir -p "$dir"
cd "$dir"
curl -fsSL --retry 3 -o "$name.$ext" "$base/$name.$ext"
curl -fsSL --retry 3 -o SHA256SUMS "$base/SHA256SUMS"
expected=$(awk -v f="$name.$ext" '$2 == f || $2 == "*" f { print $1 }' SHA256SUMS)
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$name.$ext" | cut -d' ' -f1)
else
  actual=$(shasum -a 256 "$name.$ext" | cut -d' ' -f1)
fi
if [ -z "$expected" ] || [ "$expected" != "$actual" ]; then
  echo "::error::checksum mismatch for $name.$ext: SHA256SUMS says ${expected:-nothing}, the download is $actual"
  exit 1
fi
if [ "$ext" = zip ]; then
  if command -v 7z >/dev/null; then 7z x -y "$name.$ext" >/dev/null; else unzip -q "$name.$ext"; fi
else
  tar -xzf "$name.$ext"
fi
echo "$dir/$name" >> "$GITHUB_PATH"
echo "version=$version" >> "$GITHUB_OUTPUT"
"$dir/$name/$exe" --version
