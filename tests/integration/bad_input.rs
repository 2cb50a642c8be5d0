//! Bad input that cannot live in a fixture folder: generated at test time.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn project(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mfa-page-bad-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::create_dir_all(dir.join("contexts")).unwrap();
    std::fs::write(
        dir.join("templates/mfa.liquid"),
        "<p>{{ userData.email }}</p><p>{{ blob | size }}</p>",
    )
    .unwrap();
    dir
}

fn render(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .arg("render")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

#[test]
fn a_50_mb_context_renders() {
    let dir = project("big");
    let item = r#"{"message": "The code you entered is invalid. Please try again later.", "code": "invalid_otp"}"#;
    let count = 50 * 1024 * 1024 / (item.len() + 1);
    let mut json = String::with_capacity(52 * 1024 * 1024);
    json.push_str(r#"{"userData": {"email": "big@example.com"}, "blob": ["#);
    for i in 0..count {
        if i > 0 {
            json.push(',');
        }
        json.push_str(item);
    }
    json.push_str("]}");
    assert!(json.len() >= 50 * 1024 * 1024);
    std::fs::write(dir.join("contexts/big.json"), &json).unwrap();
    let out = render(&dir, &["-c", "big"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("<p>big@example.com</p><p>{count}</p>")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_one_clear_error() {
    let dir = project("loop");
    std::os::unix::fs::symlink("loop.json", dir.join("contexts/loop.json")).unwrap();
    std::fs::write(
        dir.join("contexts/ok.json"),
        r#"{"userData": {"email": "ok@example.com"}}"#,
    )
    .unwrap();
    let out = render(&dir, &["-c", "loop"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        stderr.lines().next().unwrap(),
        "error: contexts/loop.json: cannot read the context: too many levels of symbolic links (a symlink loop?)"
    );
    // --all renders the good scenario and reports the broken one.
    let out = render(&dir, &["--all", "--out-dir", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(dir.join("out/ok.html").exists());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("rendered 1 of 2 scenarios"), "{stderr}");
    assert!(stderr.contains("symlink loop"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_template_that_cannot_be_written_over_is_never_half_written() {
    let dir = project("atomic");
    std::fs::write(
        dir.join("contexts/ok.json"),
        r#"{"userData": {"email": "ok@example.com"}}"#,
    )
    .unwrap();
    std::fs::write(dir.join("page.html"), "previous").unwrap();
    // A broken scenario: the previous output stays as it was.
    std::fs::write(dir.join("contexts/bad.json"), "{").unwrap();
    let out = render(&dir, &["-c", "bad", "-o", "page.html"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("page.html")).unwrap(),
        "previous"
    );
    let out = render(&dir, &["-c", "ok", "-o", "page.html"]);
    assert!(out.status.success());
    assert!(
        std::fs::read_to_string(dir.join("page.html"))
            .unwrap()
            .contains("ok@example.com")
    );
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}
