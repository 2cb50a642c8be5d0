#!/usr/bin/env node
// Assemble mfa-page's npm packages around a built binary and pack them with
// `npm pack`. Used by CI (.ci/run: Linux x64, around the debug binary) and by
// the release workflow (.github/workflows/release.yml: all five platforms).
//
//   node npm/pack.mjs --binary target/release/mfa-page [--platform linux-x64] [--out dist/npm]
//       the platform package @mfa-page/<platform> (platform: where node runs, by default)
//   node npm/pack.mjs --launcher [--out dist/npm]
//       the launcher package `mfa-page`, whose optional dependencies are the platform packages
//
// The version, description, licence and repository come from Cargo.toml, so
// the crate and the npm packages never disagree. Each tarball's path is
// printed on stdout, one a line.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(here);
const platforms = JSON.parse(fs.readFileSync(path.join(here, "platforms.json"), "utf8"));
delete platforms.$comment;

function usage(message) {
  process.stderr.write(
    `error: ${message}\n\nusage: node npm/pack.mjs --binary FILE [--platform ${Object.keys(platforms).join("|")}] [--out DIR]\n` +
      "       node npm/pack.mjs --launcher [--out DIR]\n",
  );
  process.exit(2);
}

function parseArgs(argv) {
  const args = { out: path.join(root, "dist", "npm") };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${flag} needs a value`);
      return argv[++i];
    };
    if (flag === "--binary") args.binary = value();
    else if (flag === "--platform") args.platform = value();
    else if (flag === "--out") args.out = value();
    else if (flag === "--launcher") args.launcher = true;
    else usage(`unknown argument ${flag}`);
  }
  if (!args.launcher && !args.binary) usage("give --binary FILE or --launcher");
  if (args.launcher && (args.binary || args.platform)) usage("--launcher takes no --binary or --platform");
  return args;
}

/** `key = "value"` lines of Cargo.toml's [package] table. */
function cargoPackage() {
  const text = fs.readFileSync(path.join(root, "Cargo.toml"), "utf8");
  const table = text.split(/^\[/m).find((t) => t.startsWith("package]"));
  const fields = {};
  for (const m of table.matchAll(/^(\w+)\s*=\s*"([^"]*)"/gm)) fields[m[1]] = m[2];
  for (const field of ["version", "description", "license", "repository"]) {
    if (!fields[field]) throw new Error(`Cargo.toml has no package.${field}`);
  }
  return fields;
}

function writeJson(file, value) {
  fs.writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** `npm pack` `dir` into `out`; the tarball's path. */
function npmPack(dir, out) {
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const stdout = execFileSync(npm, ["pack", "--json", "--pack-destination", out], {
    cwd: dir,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    shell: process.platform === "win32",
  });
  const [{ filename }] = JSON.parse(stdout);
  fs.rmSync(dir, { recursive: true, force: true });
  return path.join(out, filename);
}

function stage(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `mfa-page-npm-${name.replace(/\W/g, "-")}-`));
  return dir;
}

function packPlatform(args, cargo) {
  const key = args.platform ?? `${process.platform}-${process.arch}`;
  const platform = platforms[key];
  if (!platform) usage(`no npm platform ${key}; the platforms are ${Object.keys(platforms).join(", ")}`);
  if (!fs.statSync(args.binary, { throwIfNoEntry: false })?.isFile()) usage(`no such file: ${args.binary}`);
  const name = `@mfa-page/${key}`;
  const dir = stage(key);
  fs.mkdirSync(path.join(dir, "bin"));
  const exe = path.join(dir, "bin", platform.exe);
  fs.copyFileSync(args.binary, exe);
  fs.chmodSync(exe, 0o755);
  writeJson(path.join(dir, "package.json"), {
    name,
    version: cargo.version,
    description: `The ${platform.os} ${platform.cpu} binary of mfa-page (${platform.target}); install \`mfa-page\`, which picks it`,
    license: cargo.license,
    repository: { type: "git", url: `git+${cargo.repository}.git` },
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.os === "linux" ? { libc: ["glibc", "musl"] } : {}),
    files: ["bin/"],
    preferUnplugged: true,
  });
  fs.writeFileSync(
    path.join(dir, "README.md"),
    `# ${name}\n\nThe ${platform.os} ${platform.cpu} binary of [mfa-page](${cargo.repository}).\nDo not install this package directly: install \`mfa-page\`, which depends on it.\n`,
  );
  return npmPack(dir, args.out);
}

function packLauncher(args, cargo) {
  const dir = stage("launcher");
  const source = path.join(here, "mfa-page");
  fs.cpSync(source, dir, { recursive: true });
  fs.copyFileSync(path.join(here, "platforms.json"), path.join(dir, "platforms.json"));
  const readme = path.join(dir, "README.md");
  fs.writeFileSync(readme, fs.readFileSync(readme, "utf8").replaceAll("@REPOSITORY@", cargo.repository));
  writeJson(path.join(dir, "package.json"), {
    name: "mfa-page",
    version: cargo.version,
    description: cargo.description,
    license: cargo.license,
    repository: { type: "git", url: `git+${cargo.repository}.git` },
    keywords: ["auth0", "mfa", "liquid", "template", "preview"],
    bin: { "mfa-page": "bin/mfa-page.js" },
    files: ["bin/", "platforms.json"],
    engines: { node: ">=18" },
    optionalDependencies: Object.fromEntries(
      Object.keys(platforms).map((key) => [`@mfa-page/${key}`, cargo.version]),
    ),
  });
  return npmPack(dir, args.out);
}

const args = parseArgs(process.argv.slice(2));
const cargo = cargoPackage();
fs.mkdirSync(args.out, { recursive: true });
args.out = path.resolve(args.out);
const tarball = args.launcher ? packLauncher(args, cargo) : packPlatform(args, cargo);
process.stdout.write(`${tarball}\n`);
