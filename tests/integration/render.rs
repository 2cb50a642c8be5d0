//! Renders of this repository's own starter template and scenarios.

use std::path::Path;

use mfa_page::engine::{Engine, EngineConfig};
use mfa_page::scenario::{self, Flow};
use snapbox::{assert_data_eq, file};

fn render(name: &str) -> (String, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let engine = Engine::load(&EngineConfig::new(root.join("templates/mfa.liquid"))).unwrap();
    let scenario = scenario::load(name, &root.join("contexts")).unwrap();
    let rendered = engine.render(&scenario.context()).unwrap();
    let warnings = engine
        .undefined_warnings(&rendered, name)
        .iter()
        .map(|d| d.message.clone())
        .collect();
    (rendered.html, warnings)
}

#[test]
fn enrollment_page_carries_the_ticket_only() {
    let (html, warnings) = render("enroll");
    assert!(html.contains(r#"data-ticket="gten_e3a5de9d39d000129e2d623a""#));
    assert!(!html.contains("data-request-token"));
    assert!(!html.contains("data-post-action-url"));
    assert!(html.contains("Set up two-step verification"));
    assert_eq!(warnings, Vec::<String>::new());
    assert_data_eq!(html, file!["../snapshots/enroll.html"].raw());
}

#[test]
fn login_page_carries_the_request_token_only() {
    let (html, warnings) = render("login");
    assert!(html.contains(r#"data-request-token="eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."#));
    assert!(
        html.contains(r#"data-post-action-url="https://acme-dev.eu.auth0.com/authorize/resume?"#)
    );
    assert!(!html.contains("data-ticket"));
    assert!(html.contains("Verify it&#39;s you") || html.contains("Verify it's you"));
    assert!(
        !html.contains(r#"class="js-requester-error""#),
        "no errors in plain login"
    );
    assert_eq!(warnings, Vec::<String>::new());
    assert_data_eq!(html, file!["../snapshots/login.html"].raw());
}

#[test]
fn login_errors_page_lists_every_error() {
    let (html, warnings) = render("login-errors");
    assert_eq!(html.matches(r#"class="js-requester-error""#).count(), 2);
    assert!(html.contains(r#"data-code="too_many_attempts""#));
    assert_eq!(
        html.matches(r#"<ul class="requester-errors" hidden>"#)
            .count(),
        1
    );
    assert_eq!(warnings, Vec::<String>::new());
    assert_data_eq!(html, file!["../snapshots/login-errors.html"].raw());
}

#[test]
fn branded_page_applies_the_branding() {
    let (html, _) = render("branded");
    assert!(html.contains("--brand: #0a7c66;"));
    assert!(html.contains("--page: #0f2e2a;"));
    assert!(html.contains(r#"src="https://images.example.com/acme/logo-mark.png""#));
    assert!(html.contains(">Acme Health</p>"));
}

#[test]
fn starter_scenarios_cover_both_flows() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let flows: Vec<(String, Flow)> = scenario::list(&root.join("contexts"))
        .unwrap()
        .into_iter()
        .map(|(name, path)| {
            let s = scenario::load(&path.to_string_lossy(), &root.join("contexts")).unwrap();
            (name, s.flow())
        })
        .collect();
    assert!(
        flows.iter().any(|(_, f)| *f == Flow::Enrollment),
        "{flows:?}"
    );
    assert!(flows.iter().any(|(_, f)| *f == Flow::Login), "{flows:?}");
    assert!(flows.iter().all(|(_, f)| *f != Flow::Neither), "{flows:?}");
}

#[test]
fn init_writes_the_starter_that_renders() {
    let dir = tempfile_dir("init");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    for (rel, text) in mfa_page::starter::FILES {
        assert_eq!(&std::fs::read_to_string(dir.join(rel)).unwrap(), text);
    }
    // A second init refuses and changes nothing.
    std::fs::write(dir.join("contexts/login.json"), "{}").unwrap();
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .arg("init")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(dir.join("contexts/login.json")).unwrap(),
        "{}"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(["render", "--context", "enroll"])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("gten_"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn render_all_writes_every_scenario() {
    let dir = tempfile_dir("all");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(["render", "--all", "--out-dir"])
        .arg(&dir)
        .current_dir(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "branded.html",
            "enroll.html",
            "login-errors.html",
            "login.html"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("enroll.html")).unwrap(),
        render("enroll").0
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

fn tempfile_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mfa-page-it-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}
