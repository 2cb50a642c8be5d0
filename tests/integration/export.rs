//! `export` on the fixture project in `tests/cmd/export/project.in`: partials
//! (nested, `render` with arguments and `for`, one used in both flows), a
//! local stylesheet and script, and deploy-cli keywords.

use std::path::{Path, PathBuf};
use std::process::Command;

use mfa_page::engine::{Engine, EngineConfig};
use mfa_page::export;

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cmd/export/project.in")
}

fn run(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(args)
        .current_dir(project())
        .output()
        .unwrap()
}

#[test]
fn export_is_self_contained_and_equivalent() {
    let engine = Engine::load(&EngineConfig::new(project().join("templates/mfa.liquid"))).unwrap();
    let exported = export::export(&engine, &project().join("contexts")).unwrap();
    let t = &exported.template;
    assert_eq!(exported.scenarios, ["enroll", "login", "login-errors"]);
    for gone in [
        "{% include",
        "{% render",
        "{%- render",
        "styles/page.css",
        "js/page.js",
    ] {
        assert!(!t.contains(gone), "`{gone}` left in the export:\n{t}");
    }
    // Runtime Liquid and deploy-cli keywords are kept as they are.
    for kept in [
        "{% if ticket %}",
        "{{ userData.email }}",
        "{% for error in errors %}",
        "##PAGE_TITLE##",
        "@@WIDGET_EXTRA@@",
        "//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js",
    ] {
        assert!(t.contains(kept), "`{kept}` missing from the export:\n{t}");
    }
    // The stylesheet's `{{` is protected from Liquid.
    assert!(t.contains("<style>{% raw %}body { color: #222; }"));
    assert!(export::assets::local_references(t).is_empty());
}

#[test]
fn export_to_a_file_and_the_api_formats_agree() {
    let out = std::env::temp_dir().join(format!("mfa-page-export-{}.html", std::process::id()));
    let html = run(&[
        "export",
        "-o",
        out.to_str().unwrap(),
        "--config",
        "deploy-cli.json",
    ]);
    assert!(html.status.success(), "{html:?}");
    assert!(html.stdout.is_empty(), "-o keeps stdout empty");
    let template = std::fs::read_to_string(&out).unwrap();
    std::fs::remove_file(&out).unwrap();

    let settings = run(&[
        "export",
        "--format",
        "tenant-settings",
        "--config",
        "deploy-cli.json",
    ]);
    assert!(settings.status.success());
    let body: serde_json::Value = serde_json::from_slice(&settings.stdout).unwrap();
    assert_eq!(body["guardian_mfa_page"]["enabled"], true);
    assert_eq!(
        body["guardian_mfa_page"]["html"].as_str().unwrap(),
        template
    );
    assert_eq!(body.as_object().unwrap().len(), 1);
}

#[test]
fn a_failed_export_leaves_the_previous_output_alone() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/export-mismatch");
    let out =
        std::env::temp_dir().join(format!("mfa-page-export-keep-{}.html", std::process::id()));
    std::fs::write(&out, "previous export").unwrap();
    let status = Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(["export", "-o", out.to_str().unwrap()])
        .current_dir(dir)
        .output()
        .unwrap();
    assert_eq!(status.status.code(), Some(1));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "previous export");
    std::fs::remove_file(&out).unwrap();
}

#[test]
fn keywords_are_filled_from_the_config_but_kept_for_deploy_cli() {
    // render: the scenario's keywords win over the config's.
    let page = run(&[
        "render",
        "--context",
        "login",
        "--config",
        "deploy-cli.json",
    ]);
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains("<title>Acme sign-in</title>"));
    assert!(page.contains(r#"var extra = {"locale":"en"};"#));
    // export html: the config's values, as the tenant will get them.
    let exported = run(&["export", "--config", "deploy-cli.json"]);
    assert!(exported.status.success(), "{exported:?}");
    let exported = String::from_utf8(exported.stdout).unwrap();
    assert!(exported.contains("<title>Acme (staging)</title>"));
    assert!(exported.contains(r#"var extra = {"locale":"en","labels":["a","b"]};"#));
    // deploy-cli's format keeps the placeholders for deploy-cli to fill.
    let dir = tempfile::tempdir().unwrap();
    let out = run(&[
        "export",
        "--format",
        "deploy-cli",
        "--out-dir",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{out:?}");
    let kept = std::fs::read_to_string(dir.path().join("pages/guardian_multifactor.html")).unwrap();
    assert!(kept.contains("<title>##PAGE_TITLE##</title>"));
}
