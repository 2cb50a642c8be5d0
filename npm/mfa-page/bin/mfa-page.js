#!/usr/bin/env node
// mfa-page's npm launcher: runs the prebuilt binary of this platform, which
// npm installed as one of the optional dependencies @mfa-page/<platform>
// (the way esbuild and Biome ship theirs). Arguments, standard streams,
// the exit code and signals pass through unchanged.
"use strict";

const { spawn } = require("node:child_process");
const path = require("node:path");
const platforms = require("../platforms.json");

const key = `${process.platform}-${process.arch}`;
const supported = Object.keys(platforms).filter((k) => !k.startsWith("$"));

function fail(lines) {
  process.stderr.write(`error: ${lines.join("\n  ")}\n`);
  process.exit(1);
}

function binaryPath() {
  if (process.env.MFA_PAGE_BINARY) return process.env.MFA_PAGE_BINARY;
  const platform = platforms[key];
  if (!platform || key.startsWith("$")) {
    fail([
      `mfa-page has no prebuilt binary for this platform (${process.platform} ${process.arch}).`,
      `Prebuilt: ${supported.join(", ")}.`,
      "Build it with Rust instead: cargo install mfa-page",
      "(or point MFA_PAGE_BINARY at a binary you built).",
    ]);
  }
  const pkg = `@mfa-page/${key}`;
  let dir;
  try {
    dir = path.dirname(require.resolve(`${pkg}/package.json`));
  } catch {
    fail([
      `the package ${pkg}, which holds mfa-page's binary for ${process.platform} ${process.arch}, is not installed.`,
      "npm installs it as an optional dependency of mfa-page: reinstall without",
      "--no-optional / --omit=optional (and with the same platform as where it runs),",
      `e.g. npm install --save-dev mfa-page ${pkg}`,
    ]);
  }
  return path.join(dir, "bin", platform.exe);
}

// The binary's hints name the command to type: `npx mfa-page`, not `mfa-page`.
const env = { ...process.env, MFA_PAGE_COMMAND: process.env.MFA_PAGE_COMMAND || "npx mfa-page" };
const child = spawn(binaryPath(), process.argv.slice(2), { stdio: "inherit", env });
const forward = ["SIGINT", "SIGTERM", "SIGHUP"];
for (const signal of forward) {
  process.on(signal, () => {
    if (child.exitCode === null) child.kill(signal);
  });
}
child.on("error", (err) => {
  fail([`cannot run ${child.spawnfile}: ${err.message}`]);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal, so that the caller sees what happened.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  } else {
    process.exit(code ?? 1);
  }
});
