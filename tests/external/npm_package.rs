//! The npm distribution, as a user without Rust gets it: the Linux x64
//! platform package packed around the binary cargo built for these tests
//! (`npm/pack.mjs`, the script the release workflow runs), the launcher
//! package, both installed from their tarballs into a fresh folder, then
//! `npx mfa-page init`, `render` and `check` with a PATH that holds only
//! node, npm and npx.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// `node npm/pack.mjs ARGS --out OUT`: the tarball it printed.
fn pack(args: &[&str], out: &Path) -> PathBuf {
    let output = Command::new("node")
        .arg(root().join("npm/pack.mjs"))
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("run node npm/pack.mjs");
    assert!(
        output.status.success(),
        "pack.mjs {args:?}: {}",
        text(&output)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let tarball = PathBuf::from(stdout.trim());
    assert!(tarball.is_file(), "pack.mjs printed {stdout:?}");
    tarball
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The folder of `program` on this machine's PATH.
fn which(program: &str) -> PathBuf {
    let paths = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{program} is not on PATH"))
}

pub fn npx_runs_the_packed_binary_without_rust() {
    let key = format!(
        "{}-{}",
        match std::env::consts::OS {
            "macos" => "darwin",
            "windows" => "win32",
            os => os,
        },
        match std::env::consts::ARCH {
            "x86_64" => "x64",
            "aarch64" => "arm64",
            arch => arch,
        }
    );
    let work = tempfile::tempdir().unwrap();
    let tarballs = work.path().join("tarballs");
    let binary = env!("CARGO_BIN_EXE_mfa-page");
    let platform = pack(&["--binary", binary, "--platform", &key], &tarballs);
    let launcher = pack(&["--launcher"], &tarballs);

    // node, npm and npx (and the shell npx runs commands with), and nothing
    // else: no cargo, no rustc, no mfa-page.
    let bin = work.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    for program in ["node", "npm", "npx", "sh"] {
        let found = which(program);
        #[cfg(unix)]
        std::os::unix::fs::symlink(found.canonicalize().unwrap_or(found), bin.join(program))
            .unwrap();
    }
    let app = work.path().join("app");
    std::fs::create_dir(&app).unwrap();
    std::fs::write(
        app.join("package.json"),
        "{\"name\": \"app\", \"private\": true}\n",
    )
    .unwrap();
    let run = |dir: &Path, program: &str, args: &[&str]| -> Output {
        Command::new(bin.join(program))
            .args(args)
            .current_dir(dir)
            .env_clear()
            .env("PATH", &bin)
            .env("HOME", work.path())
            .env("NO_COLOR", "1")
            .env("npm_config_cache", work.path().join("npm-cache"))
            .env("npm_config_update_notifier", "false")
            .output()
            .unwrap_or_else(|e| panic!("run {program}: {e}"))
    };
    for program in ["cargo", "rustc", "mfa-page"] {
        assert!(
            !bin.join(program).exists(),
            "{program} must not be reachable"
        );
    }

    // Offline: the tarballs are all it needs (the other platforms' optional
    // dependencies are skipped, as npm skips those of other platforms).
    let install = run(
        &app,
        "npm",
        &[
            "install",
            "--offline",
            "--no-audit",
            "--no-fund",
            launcher.to_str().unwrap(),
            platform.to_str().unwrap(),
        ],
    );
    assert!(install.status.success(), "npm install: {}", text(&install));
    assert!(app.join("node_modules/.bin/mfa-page").exists());

    let version = run(&app, "npx", &["mfa-page", "--version"]);
    assert!(version.status.success(), "{}", text(&version));
    assert_eq!(
        String::from_utf8_lossy(&version.stdout),
        format!("mfa-page {}\n", env!("CARGO_PKG_VERSION"))
    );

    let init = run(&app, "npx", &["mfa-page", "init", "page"]);
    assert!(init.status.success(), "{}", text(&init));
    let hint = String::from_utf8_lossy(&init.stderr);
    assert!(
        hint.contains("cd page && npx mfa-page serve"),
        "the hint names npx: {hint}"
    );

    let page = app.join("page");
    let render = run(&page, "npx", &["mfa-page", "render", "login"]);
    assert!(render.status.success(), "{}", text(&render));
    let html = String::from_utf8_lossy(&render.stdout);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains("requestToken") || html.contains("data-request-token"),
        "{html}"
    );

    // From a subfolder, the project above is found; check writes the first snapshots.
    let check = run(&page.join("templates"), "npx", &["mfa-page", "check"]);
    assert!(check.status.success(), "{}", text(&check));
    assert!(
        page.join("tests/snapshots/login.html").is_file(),
        "{}",
        text(&check)
    );
    let again = run(&page, "npx", &["mfa-page", "check", "--format", "json"]);
    assert!(again.status.success(), "{}", text(&again));
    let report: serde_json::Value = serde_json::from_slice(&again.stdout).expect("JSON report");
    assert!(report.is_object(), "{report}");

    // Exit codes and stderr pass through the launcher unchanged.
    let usage = run(&page, "npx", &["mfa-page", "render", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage));
    let missing = run(&page, "npx", &["mfa-page", "render", "nope"]);
    assert_eq!(missing.status.code(), Some(1), "{}", text(&missing));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no scenario named `nope`"));
}

/// The launcher on a platform with no binary says so, and how to get one.
pub fn the_launcher_explains_a_missing_platform() {
    let work = tempfile::tempdir().unwrap();
    let launcher = pack(&["--launcher"], work.path());
    let unpack = Command::new("tar")
        .args(["-xzf"])
        .arg(&launcher)
        .current_dir(work.path())
        .output()
        .unwrap();
    assert!(unpack.status.success(), "{}", text(&unpack));
    let script = work.path().join("package/bin/mfa-page.js");
    // Pretend to be an unsupported platform, then a supported one whose
    // package npm did not install (--omit=optional).
    let cases = [
        (
            "Object.defineProperty(process, 'platform', { value: 'aix' });",
            "no prebuilt binary for this platform (aix",
        ),
        ("", "is not installed"),
    ];
    for (prelude, expected) in cases {
        let output = Command::new("node")
            .args([
                "-e",
                &format!(
                    "{prelude} process.argv = ['node', 'mfa-page', '--version']; require({:?});",
                    script.to_str().unwrap()
                ),
            ])
            .env_remove("MFA_PAGE_BINARY")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{}", text(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(expected), "{stderr}");
        assert!(
            stderr.contains("cargo install mfa-page") || stderr.contains("npm install"),
            "{stderr}"
        );
    }
}
