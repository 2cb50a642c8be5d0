//! Hostile templates, scenarios and paths (issue: nothing may crash, hang or
//! exhaust mfa-page, and no output overwrites a source). Every fixture is
//! generated here; each case asserts the error, where it points, exit code 1
//! and that nothing panicked.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const LOGIN: &str = r#"{"requestToken": "a.e30.c", "postActionURL": "https://x.example/p"}"#;
const ENROLL: &str = r#"{"ticket": "gten_0123456789abcdef01234567"}"#;

fn project(template: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("templates/partials")).unwrap();
    std::fs::create_dir_all(root.join("contexts")).unwrap();
    std::fs::write(root.join("templates/mfa.liquid"), template).unwrap();
    std::fs::write(root.join("contexts/login.json"), LOGIN).unwrap();
    std::fs::write(root.join("contexts/enroll.json"), ENROLL).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Exit 1, no panic, and stderr holds every one of `expect`.
fn fails_with(out: &Output, expect: &[&str]) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    for e in expect {
        assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
    }
    stderr
}

fn nest(open: &str, close: &str, n: usize) -> String {
    format!("{}x{}", open.repeat(n), close.repeat(n))
}

#[test]
fn deep_nesting_is_an_error_at_the_tag_in_every_command() {
    for template in [
        nest("{% if ticket %}", "{% endif %}", 1_000),
        nest("{% capture c %}", "{% endcapture %}", 10_000),
        nest("{% unless ticket %}", "{% endunless %}", 10_000),
    ] {
        let dir = project(&template);
        for args in [
            &["render", "--context", "login"][..],
            &["check", "--snapshots", "snaps"],
            &["export", "-o", "out.html"],
        ] {
            let out = run(dir.path(), args);
            fails_with(
                &out,
                &["templates/mfa.liquid:1:", "nested more than 100 deep"],
            );
        }
        assert!(!dir.path().join("out.html").exists());
    }
}

#[test]
fn an_unused_deep_partial_breaks_no_render_and_check_reports_it() {
    let dir = project("<p>{{ ticket }}</p>");
    std::fs::write(
        dir.path().join("templates/partials/deep.liquid"),
        nest("{% if ticket %}", "{% endif %}", 5_000),
    )
    .unwrap();
    let out = run(dir.path(), &["render", "--context", "enroll"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "<p>gten_0123456789abcdef01234567</p>"
    );
    let out = run(dir.path(), &["check", "--snapshots", "snaps"]);
    fails_with(
        &out,
        &[
            "error[partial-error]: templates/partials/deep.liquid:1:",
            "nested more than 100 deep",
        ],
    );
}

#[test]
fn work_that_multiplies_stops_at_the_step_budget_in_the_partial() {
    let dir = project("{% include 'p0' %}");
    for i in 0..11 {
        std::fs::write(
            dir.path().join(format!("templates/partials/p{i}.liquid")),
            format!("{{% include 'p{}' %}}", i + 1).repeat(10),
        )
        .unwrap();
    }
    std::fs::write(dir.path().join("templates/partials/p11.liquid"), "").unwrap();
    let out = run(
        dir.path(),
        &["render", "--context", "login", "--step-limit", "20000"],
    );
    fails_with(
        &out,
        &[
            "templates/partials/p",
            "more than 20,000 steps",
            "--step-limit",
        ],
    );
}

#[test]
fn values_that_grow_stop_at_the_memory_budget() {
    for (template, at) in [
        (
            "{% assign s = 'x' %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}",
            "templates/mfa.liquid:1:",
        ),
        (
            "{% assign s = 'x' %}\n{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}",
            "templates/mfa.liquid:2:39",
        ),
        (
            "\n\n{{ 0 | date: \"%4000000000Y\" }}",
            "templates/mfa.liquid:3:6",
        ),
        (
            "{{ 0 | date: \"%4294967296N\" }}",
            "templates/mfa.liquid:1:6",
        ),
    ] {
        let dir = project(template);
        let out = run(dir.path(), &["render", "--context", "login"]);
        fails_with(&out, &[at, "memory limit (64 MiB)", "--memory-limit"]);
    }
}

#[test]
fn a_panic_inside_a_filter_is_an_error_at_the_filter() {
    // With the memory budget raised past the width, the `liquid` crate's own
    // date formatting panics; the panic is contained and located.
    let dir = project("<p>\n  {{ 0 | date: \"%4294967296N\" }}</p>");
    let out = run(
        dir.path(),
        &["render", "--context", "login", "--memory-limit", "8192"],
    );
    fails_with(&out, &["templates/mfa.liquid:2:8", "internal error"]);
}

#[test]
fn a_closed_stderr_keeps_the_exit_code() {
    let dir = project("{{ nope }}");
    for _ in 0..20 {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mfa-page"))
            .args(["check", "--snapshots", "snaps"])
            .current_dir(dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Close both ends before the child writes anything.
        drop(child.stdout.take());
        drop(child.stderr.take());
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(1));
    }
}

#[test]
fn outputs_never_replace_inputs() {
    let dir = project("<p>{{ ticket }}</p>");
    std::fs::write(dir.path().join("contexts/_base.json"), "{}").unwrap();
    std::fs::write(
        dir.path().join("contexts/enroll.json"),
        r#"{"$extends": "_base", "ticket": "gten_0123456789abcdef01234567"}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink("templates/mfa.liquid", dir.path().join("link.html")).unwrap();
    for target in [
        "templates/mfa.liquid",
        "contexts/_base.json",
        "contexts/enroll.json",
        "./templates/../templates/mfa.liquid",
        "link.html",
    ] {
        let out = run(dir.path(), &["render", "--context", "enroll", "-o", target]);
        fails_with(&out, &["refusing to write here"]);
        let out = run(dir.path(), &["export", "-o", target]);
        assert_eq!(out.status.code(), Some(1), "export -o {target}");
    }
    assert_eq!(
        std::fs::read_to_string(dir.path().join("templates/mfa.liquid")).unwrap(),
        "<p>{{ ticket }}</p>"
    );
    // A link to an output file is written through, and stays a link.
    std::fs::write(dir.path().join("real.html"), "old").unwrap();
    std::os::unix::fs::symlink("real.html", dir.path().join("out.html")).unwrap();
    let out = run(
        dir.path(),
        &["render", "--context", "enroll", "-o", "out.html"],
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("real.html")).unwrap(),
        "<p>gten_0123456789abcdef01234567</p>"
    );
    assert!(
        std::fs::symlink_metadata(dir.path().join("out.html"))
            .unwrap()
            .file_type()
            .is_symlink()
    );
}

#[test]
fn fifos_are_refused_never_opened() {
    let dir = project("<p>{{ ticket }}</p>");
    let mkfifo = |p: &Path| {
        let status = Command::new("mkfifo").arg(p).status().unwrap();
        assert!(status.success());
    };
    mkfifo(&dir.path().join("contexts/pipe.json"));
    mkfifo(&dir.path().join("templates/partials/pipe.liquid"));
    // An unused FIFO partial does not block a render.
    let out = run(dir.path(), &["render", "--context", "enroll"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(dir.path(), &["render", "--context", "pipe"]);
    fails_with(&out, &["contexts/pipe.json", "not a regular file"]);
    let out = run(dir.path(), &["check", "--snapshots", "snaps"]);
    fails_with(
        &out,
        &["templates/partials/pipe.liquid", "not a regular file"],
    );
}

#[test]
fn bases_stay_in_the_folder_and_merge_once() {
    // Forty bases that each extend the next one twice: 2^40 merges before.
    let dir = project("{{ ticket }} {{ k0 }} {{ k39 }}");
    let contexts = dir.path().join("contexts");
    std::fs::write(contexts.join("_b40.json"), r#"{"a": 1}"#).unwrap();
    for i in 0..40 {
        std::fs::write(
            contexts.join(format!("_b{i}.json")),
            format!(
                r#"{{"$extends": ["_b{0}", "_b{0}"], "k{1}": {1}}}"#,
                i + 1,
                i
            ),
        )
        .unwrap();
    }
    std::fs::write(
        contexts.join("enroll.json"),
        r#"{"$extends": "_b0", "ticket": "gten_0123456789abcdef01234567"}"#,
    )
    .unwrap();
    let out = run(dir.path(), &["render", "--context", "enroll"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "gten_0123456789abcdef01234567 0 39"
    );

    std::fs::write(dir.path().join("secret.json"), r#"{"password": "hunter2"}"#).unwrap();
    for base in ["../secret", "/etc/passwd", "../secret.json"] {
        std::fs::write(
            contexts.join("leak.json"),
            format!(r#"{{"$extends": "{base}"}}"#),
        )
        .unwrap();
        let out = run(dir.path(), &["render", "--context", "leak"]);
        let stderr = fails_with(
            &out,
            &["contexts/leak.json:1:", "not a file of this folder"],
        );
        assert!(
            !stderr.contains("hunter2") && !stderr.contains("root:"),
            "{stderr}"
        );
    }
}

#[test]
fn set_paths_obey_the_nesting_limit() {
    let dir = project("{{ ticket }}");
    let path = vec!["a"; 20_000].join(".");
    let out = run(
        dir.path(),
        &[
            "render",
            "--context",
            "enroll",
            "--set",
            &format!("userData.{path}=1"),
        ],
    );
    fails_with(&out, &["--set", "nests deeper than 128 levels"]);
}

#[test]
fn deep_expressions_and_liquid_tags_are_errors_not_overflows() {
    for (template, message) in [
        (
            format!("{{{{ {}x{} }}}}", "a[".repeat(200_000), "]".repeat(200_000)),
            "nested more than 100 deep",
        ),
        (
            format!(
                "{{{{ {}1..2{} }}}}",
                "(".repeat(100_000),
                ")".repeat(100_000)
            ),
            "nested more than 100 deep",
        ),
        (
            format!("{{% {}echo 1 %}}", "liquid ".repeat(100_000)),
            "nested more than 100 deep",
        ),
    ] {
        let dir = project(&template);
        let out = run(dir.path(), &["render", "--context", "login"]);
        fails_with(&out, &["templates/mfa.liquid:1:", message]);
    }
}
