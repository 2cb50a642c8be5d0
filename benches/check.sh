#!/usr/bin/env bash
# Whole-process cost of `mfa-page check` over 200 scenarios of the starter
# template, snapshots included (target: under 150 ms). Needs hyperfine
# (Debian: apt-get install hyperfine) and python3. Run from the repository root.
set -euo pipefail
cargo build --release --quiet
bin="$PWD/target/release/mfa-page"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT
"$bin" init "$dir" >/dev/null 2>&1
rm "$dir"/contexts/{enroll,login,login-errors,branded}.json
python3 - "$dir/contexts" <<'PY'
import json, sys
out = sys.argv[1]
token = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhdXRoMHwxIiwiZXhwIjo0MTAyNDQ0ODAwfQ."
         "BwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyAhIiMkJSY")
for i in range(200):
    s = {"$extends": "_base", "userData": {"email": f"user{i}@example.com", "friendlyUserId": f"user{i}"}}
    if i % 4 == 0:
        s["ticket"] = f"gten_{i:024x}"
    else:
        s["requestToken"] = token
        s["postActionURL"] = f"https://acme-dev.eu.auth0.com/authorize/resume?state=s{i}"
        s["allowRememberBrowser"] = i % 3 == 0
    if i % 4 == 2:
        s["errors"] = [{"message": f"Error {j} for user {i}", "code": f"code_{j}"} for j in range(1 + i % 3)]
    if i % 4 == 3:
        s.update({"iconUrl": f"https://images.example.com/{i}.png", "primaryColor": "#0a7c66",
                  "pageBackgroundColor": "#0f2e2a"})
        s["userData"]["tenantFriendlyName"] = f"Tenant {i}"
    json.dump(s, open(f"{out}/scenario-{i:03}.json", "w"), indent=2)
PY
cd "$dir"
env -u CI "$bin" check --update >/dev/null 2>&1 || true
"$bin" check >/dev/null 2>&1 || { "$bin" check; exit 1; }
hyperfine --warmup 5 --runs 30 --shell=none --export-json "$OLDPWD/target/bench-check.json" \
  "$bin check"
python3 - "$OLDPWD/target/bench-check.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print(f'{r["command"]} (200 scenarios): median {r["median"]*1000:.1f} ms, mean {r["mean"]*1000:.1f} ms, min {r["min"]*1000:.1f} ms')
PY
