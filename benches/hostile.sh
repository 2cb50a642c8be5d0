#!/usr/bin/env bash
# Hostile templates: for each class of template that once crashed, hung or
# exhausted mfa-page, the wall time and peak RSS of `mfa-page render` (and of
# `check` for the partial classes) until it stops with an error. Target: every
# one ends within the time budget (5 s) plus one second, under 512 MiB peak
# RSS, with exit code 1 (an error, not a crash).
#
# Needs GNU time (/usr/bin/time; Debian: apt-get install time) and python3.
# Run from the repository root: bash benches/hostile.sh [path/to/mfa-page]
set -euo pipefail
bin="${1:-}"
[ -n "$bin" ] && bin="$(realpath "$bin")"
if [ -z "$bin" ]; then
  cargo build --release --quiet
  bin="$PWD/target/release/mfa-page"
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# case NAME COMMAND: a fresh project in $work/NAME, filled by gen_NAME.
project() {
  local dir="$work/$1"
  mkdir -p "$dir/templates/partials" "$dir/contexts"
  echo '{"ticket": "gten_0123456789abcdef01234567", "userData": {"email": "a@b.c"}}' >"$dir/contexts/ok.json"
  echo '{"requestToken": "a.e30.c", "postActionURL": "https://x.example/p"}' >"$dir/contexts/login.json"
  echo "$dir"
}

py() { python3 -c "$1"; }

gen() {
  local name="$1" dir="$2" t="$2/templates/mfa.liquid" p="$2/templates/partials"
  case "$name" in
    nested-if-1000) py "print('{% if ticket %}'*1000 + 'x' + '{% endif %}'*1000)" >"$t" ;;
    nested-capture-10000) py "print('{% capture c %}'*10000 + 'x' + '{% endcapture %}'*10000)" >"$t" ;;
    deep-unused-partial)
      echo 'ok' >"$t"
      py "print('{% unless ticket %}'*10000 + '{% endunless %}'*10000)" >"$p/deep.liquid" ;;
    include-fanout)
      echo "{% include 'p0' %}" >"$t"
      for i in $(seq 0 10); do
        py "print(\"{% include 'p$((i + 1))' %}\" * 10)" >"$p/p$i.liquid"
      done
      echo '' >"$p/p11.liquid" ;;
    capture-doubling)
      echo '{% assign s = "x" %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}done' >"$t" ;;
    append-doubling)
      echo '{% assign s = "x" %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}done' >"$t" ;;
    replace-blowup)
      echo '{% assign s = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" %}{% for i in (1..10) %}{% assign s = s | replace: "a", s %}{% endfor %}done' >"$t" ;;
    split-blowup)
      echo '{% assign s = "x" %}{% for i in (1..26) %}{% assign s = s | append: s %}{% endfor %}{% assign parts = s | split: "" %}{{ parts.size }}' >"$t" ;;
    date-width) echo '{{ 0 | date: "%4000000000Y" }}' >"$t" ;;
    date-width-panic) echo '{{ 0 | date: "%4294967296N" }}' >"$t" ;;
    huge-range) echo '{% for i in (1..1000000000) %}{% endfor %}' >"$t" ;;
    huge-page) py "print('{% for i in (1..100000) %}' + 'x' * 200 + '{% endfor %}')" >"$t" ;;
    extends-doubling)
      echo '{{ ticket }}' >"$t"
      echo '{"a": 1}' >"$dir/contexts/_b40.json"
      for i in $(seq 0 39); do
        printf '{"$extends": ["_b%d", "_b%d"], "k%d": %d}\n' $((i + 1)) $((i + 1)) "$i" "$i" >"$dir/contexts/_b$i.json"
      done
      echo '{"$extends": "_b0", "ticket": "gten_0123456789abcdef01234567"}' >"$dir/contexts/ok.json" ;;
    many-keywords)
      # 20,000 deploy-cli placeholders: filling them keeps a map back to the file.
      py "print('{{ ticket }} x ##K## ' * 20000)" >"$t"
      echo '{"ticket": "gten_0123456789abcdef01234567", "keywords": {"K": "a much longer value"}}' >"$dir/contexts/ok.json" ;;
  esac
}

classes=(nested-if-1000 nested-capture-10000 deep-unused-partial include-fanout
  capture-doubling append-doubling replace-blowup split-blowup date-width
  date-width-panic huge-range huge-page extends-doubling many-keywords)

printf '%-22s %-8s %10s %12s  %s\n' class command "wall (s)" "peak RSS" "exit / first line of stderr"
for name in "${classes[@]}"; do
  dir="$(project "$name")"
  gen "$name" "$dir"
  for cmd in render check; do
    args=(render --context ok -o /dev/null)
    [ "$cmd" = check ] && args=(check --snapshots "$dir/snapshots")
    set +e
    ( cd "$dir" && /usr/bin/time -f '%e %M' -o "$work/time" "$bin" "${args[@]}" >/dev/null 2>"$work/err" )
    code=$?
    set -e
    read -r wall rss < <(tail -n1 "$work/time") || true
    first="$(grep -m1 -E '^error' "$work/err" | cut -c1-110 || true)"
    printf '%-22s %-8s %10s %9s MiB  %s: %s\n' "$name" "$cmd" "$wall" "$((rss / 1024))" "$code" "$first"
  done
done
