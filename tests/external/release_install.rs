//! The GitHub release path, as the release workflow builds it and the
//! GitHub Action installs it: `scripts/release-archive.sh` packs the binary
//! cargo built for these tests, `SHA256SUMS` is written as the workflow
//! writes it, and `scripts/install-release.sh` (the action's install step)
//! downloads it over `file://`, verifies it, unpacks it and puts it on the
//! job's PATH; a tampered archive is refused.

use std::path::Path;
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(output: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn the_action_installs_the_release_archive() {
    let work = tempfile::tempdir().unwrap();
    let version = format!("v{}", env!("CARGO_PKG_VERSION"));
    let target = "x86_64-unknown-linux-musl";
    let download = work.path().join("releases/download").join(&version);

    let archive = Command::new("bash")
        .arg(root().join("scripts/release-archive.sh"))
        .args([&version, target, env!("CARGO_BIN_EXE_mfa-page")])
        .arg(&download)
        .output()
        .unwrap();
    assert!(archive.status.success(), "{}", text(&archive));
    let name = format!("mfa-page-{version}-{target}.tar.gz");
    assert_eq!(
        String::from_utf8_lossy(&archive.stdout).trim(),
        download.join(&name).to_str().unwrap()
    );
    // As the release workflow's publish job writes it.
    let sums = Command::new("sh")
        .args(["-c", "sha256sum -- * > SHA256SUMS"])
        .current_dir(&download)
        .output()
        .unwrap();
    assert!(sums.status.success(), "{}", text(&sums));

    let install = |runner: &Path| -> Output {
        std::fs::create_dir_all(runner).unwrap();
        Command::new("bash")
            .arg(root().join("scripts/install-release.sh"))
            .env("MFA_PAGE_VERSION", &version)
            .env(
                "MFA_PAGE_RELEASES_URL",
                format!("file://{}", work.path().join("releases").display()),
            )
            .env("RUNNER_OS_NAME", "Linux")
            .env("RUNNER_ARCH_NAME", "X64")
            .env("RUNNER_TEMP", runner)
            .env("GITHUB_PATH", runner.join("path"))
            .env("GITHUB_OUTPUT", runner.join("output"))
            .output()
            .unwrap()
    };

    let runner = work.path().join("runner");
    let ok = install(&runner);
    assert!(ok.status.success(), "{}", text(&ok));
    let path = std::fs::read_to_string(runner.join("path")).unwrap();
    let bin = Path::new(path.trim()).join("mfa-page");
    let run = Command::new(&bin).arg("--version").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&run.stdout),
        format!("mfa-page {}\n", env!("CARGO_PKG_VERSION"))
    );
    assert!(bin.with_file_name("README.md").is_file());
    assert_eq!(
        std::fs::read_to_string(runner.join("output")).unwrap(),
        format!("version={version}\n")
    );

    // A download that does not match SHA256SUMS is refused and installs nothing.
    let tampered = download.join(&name);
    let mut bytes = std::fs::read(&tampered).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    std::fs::write(&tampered, bytes).unwrap();
    let runner = work.path().join("runner-2");
    let refused = install(&runner);
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(
        String::from_utf8_lossy(&refused.stdout)
            .contains(&format!("::error::checksum mismatch for {name}")),
        "{}",
        text(&refused)
    );
    assert!(!runner.join("path").exists());

    // A runner with no prebuilt binary gets an annotation that says what to do.
    let other = Command::new("bash")
        .arg(root().join("scripts/install-release.sh"))
        .env("MFA_PAGE_VERSION", &version)
        .env("RUNNER_OS_NAME", "Windows")
        .env("RUNNER_ARCH_NAME", "ARM64")
        .env("RUNNER_TEMP", work.path())
        .output()
        .unwrap();
    assert_eq!(other.status.code(), Some(1), "{}", text(&other));
    assert!(String::from_utf8_lossy(&other.stdout).contains("cargo install mfa-page"));
}
