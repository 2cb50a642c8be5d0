//! `check --visual` end to end in real headless Chromium: baselines are
//! written and compared within the one run (committed baselines would break
//! whenever CI's Chromium or fonts change), and the gallery's baseline route.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use mfa_page::engine::EngineConfig;
use mfa_page::serve::{Project, Site, WidgetMode};
use serde_json::Value;
use tower::ServiceExt;

const SCENARIOS: [&str; 5] = [
    "branded",
    "branded-yellow",
    "enroll",
    "login",
    "login-errors",
];
const WIDTHS: [u32; 3] = [375, 768, 1280];

/// The browser, or `None` with a printed reason; in CI (`CI` set) a missing
/// browser fails the test instead.
fn chrome_for_test(test: &str) -> Option<PathBuf> {
    match mfa_page::browser::discover(None) {
        Ok(path) => Some(path),
        Err(d) => {
            let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
            assert!(
                !in_ci,
                "{test}: {}; CI must install Chromium (.ci/run)",
                d.message
            );
            eprintln!("skipping {test}: {}", d.message);
            None
        }
    }
}

/// This repository's template and scenarios, plus a branded scenario whose
/// yellow makes the widget's white text unreadable.
fn project() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().unwrap();
    for folder in ["templates", "contexts"] {
        std::fs::create_dir_all(dir.path().join(folder)).unwrap();
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let entry = entry.unwrap();
            if entry.path().is_file() {
                std::fs::copy(
                    entry.path(),
                    dir.path().join(folder).join(entry.file_name()),
                )
                .unwrap();
            }
        }
    }
    std::fs::write(
        dir.path().join("contexts/branded-yellow.json"),
        "{\n  \"$extends\": \"branded\",\n  \"primaryColor\": \"#ffe14d\"\n}\n",
    )
    .unwrap();
    dir
}

fn edit(dir: &Path, from: &str, to: &str) {
    let path = dir.join("templates/mfa.liquid");
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "the template has `{from}`");
    std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

/// Run mfa-page in `dir`: `(exit code, stdout, stderr)`.
fn mfa(dir: &Path, args: &[&str], ci: bool) -> (i32, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-page"));
    command.current_dir(dir).args(args).env("NO_COLOR", "1");
    if ci {
        command.env("CI", "true");
    } else {
        command.env_remove("CI");
    }
    let out = command.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn findings<'a>(json: &'a Value, code: &str) -> Vec<&'a Value> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The `<details>` of one scenario and width in the report.
fn report_entry<'a>(html: &'a str, scenario: &str, width: u32) -> &'a str {
    let start = html
        .find(&format!("id=\"{scenario}@{width}\""))
        .unwrap_or_else(|| panic!("{scenario}@{width} is in the report"));
    let end = start + html[start..].find("</details>").unwrap();
    &html[start..end]
}

pub fn visual_check_end_to_end_in_chromium() {
    let _turn = crate::heavy_test_lock();
    let Some(chrome) = chrome_for_test("visual_check_end_to_end_in_chromium") else {
        return;
    };
    let chrome = chrome.to_str().unwrap().to_owned();
    let dir = project();
    let root = dir.path();
    // Light grey text on the white card: too faint, seen through computed styles.
    edit(
        root,
        "<div id=\"container\"",
        "<p style=\"color:#aaaaaa;margin:0 0 8px\">Need help? Contact support.</p>\n      <div id=\"container\"",
    );
    let visual = ["check", "--visual", "--chrome", chrome.as_str()];

    // 1. Locally, every baseline is written.
    let (code, _, err) = mfa(root, &visual, false);
    assert_eq!(code, 0, "{err}");
    let os = std::env::consts::OS;
    for scenario in SCENARIOS {
        for width in WIDTHS {
            let baseline = root.join(format!("tests/visual/{scenario}@{width}.{os}.png"));
            assert!(baseline.is_file(), "{} written\n{err}", baseline.display());
        }
    }
    assert_eq!(err.matches("note[visual-new]").count(), 15, "{err}");
    // White on #ffe14d is unreadable; on the repository's #0a7c66 it is fine.
    assert!(
        err.contains(
            "warning[a11y-contrast-primary]: contexts/branded-yellow.json:3:3: white text on primaryColor #ffe14d has a contrast ratio of 1.30:1"
        ),
        "{err}"
    );
    assert!(
        !err.lines()
            .any(|l| l.contains("a11y-contrast-primary") && l.contains("contexts/branded.json")),
        "{err}"
    );
    assert!(
        err.contains("warning[a11y-contrast-text]")
            && err.contains("\"Need help? Contact support.\" is #aaaaaa on #ffffff"),
        "{err}"
    );

    // 2. In CI, nothing changed: the screenshots match their baselines.
    let json_args = [&visual[..], &["--format", "json"]].concat();
    let (code, out, err) = mfa(root, &json_args, true);
    assert_eq!(code, 0, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let visual_findings: Vec<&Value> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("visual-"))
        .collect();
    assert!(visual_findings.is_empty(), "{visual_findings:#?}");

    // 3. A CSS change that only matters on a phone fails at 375 px only,
    //    and names the template lines of the changed region.
    edit(
        root,
        "  </style>",
        "    @media (max-width: 500px) { .card__title { letter-spacing: .12em; } }\n  </style>",
    );
    let (code, out, err) = mfa(root, &json_args, true);
    assert_eq!(code, 1, "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    let mismatches = findings(&json, "visual-mismatch");
    assert!(!mismatches.is_empty(), "{out}");
    let mut seen: Vec<String> = Vec::new();
    let template = std::fs::read_to_string(root.join("templates/mfa.liquid")).unwrap();
    for f in &mismatches {
        let message = f["message"].as_str().unwrap();
        assert!(message.starts_with("at 375 px "), "{message}");
        assert_eq!(f["file"], "templates/mfa.liquid", "{f}");
        let line = f["line"].as_u64().unwrap() as usize;
        let text = template.lines().nth(line - 1).unwrap();
        assert!(
            text.contains("class=\"card__title\""),
            "line {line}: {text}"
        );
        seen.extend(
            f["scenarios"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_owned()),
        );
    }
    seen.sort();
    assert_eq!(seen, SCENARIOS, "every scenario differs at 375 px");
    // The report: expected, actual and diff for each changed scenario and width.
    let report = json["report"].as_str().unwrap();
    assert_eq!(report, "target/mfa-page-report/index.html");
    let html = std::fs::read_to_string(root.join(report)).unwrap();
    let entry = report_entry(&html, "enroll", 375);
    assert!(entry.contains("changed"), "{entry}");
    for caption in ["expected", "actual", "diff"] {
        assert!(
            entry.contains(&format!("<figcaption>{caption}</figcaption>")),
            "{caption}"
        );
    }
    assert_eq!(entry.matches("src=\"data:image/png;base64,").count(), 3);
    assert!(report_entry(&html, "enroll", 1280).contains("unchanged"));
    assert!(
        html.contains("a11y-contrast-primary"),
        "every other finding too"
    );

    // 4. --update accepts the change; CI passes again, and says where the report is.
    let update = [&visual[..], &["--update"]].concat();
    let (code, _, err) = mfa(root, &update, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("note[visual-updated]").count(), 5, "{err}");
    let github = [&visual[..], &["--format", "github"]].concat();
    let (code, out, err) = mfa(root, &github, true);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("::notice title=mfa-page visual report::")
            && out.contains("target/mfa-page-report/index.html"),
        "{out}"
    );

    // 5. A scenario that goes leaves stale baselines; --update removes them.
    std::fs::remove_file(root.join("contexts/branded-yellow.json")).unwrap();
    let (code, _, err) = mfa(root, &visual, true);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("warning[visual-stale]").count(), 3, "{err}");
    let (code, _, err) = mfa(root, &update, false);
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("note[visual-removed]").count(), 3, "{err}");
    assert!(
        !root
            .join(format!("tests/visual/branded-yellow@375.{os}.png"))
            .exists()
    );
}

pub async fn the_gallery_gets_baselines_by_scenario_and_width_only() {
    let dir = project();
    let root = dir.path();
    let os = std::env::consts::OS;
    std::fs::create_dir_all(root.join("tests/visual")).unwrap();
    std::fs::write(
        root.join(format!("tests/visual/login@375.{os}.png")),
        b"\x89PNG baseline",
    )
    .unwrap();
    std::fs::write(root.join("secret@375.png"), b"secret").unwrap();
    let site = Arc::new(Site::new(Project {
        engine: EngineConfig::new(root.join("templates/mfa.liquid")),
        contexts: root.join("contexts"),
        keywords: Default::default(),
    }));
    site.rebuild();
    let get = |uri: &'static str| {
        let (router, _) = mfa_page::serve::app(site.clone(), WidgetMode::Mock);
        async move {
            let response = router
                .oneshot(Request::get(uri).body(Body::empty()).unwrap())
                .await
                .unwrap();
            let status = response.status();
            let body = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap();
            (status, String::from_utf8_lossy(&body).into_owned())
        }
    };
    assert_eq!(
        get("/__mfa/baseline/login@375.png").await,
        (StatusCode::OK, "\u{fffd}PNG baseline".to_owned())
    );
    let (status, body) = get("/__mfa/baseline/login@768.png").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("run `mfa-page check --visual`"), "{body}");
    for uri in [
        "/__mfa/baseline/login@376.png",
        "/__mfa/baseline/nobody@375.png",
        "/__mfa/baseline/..%2F..%2Fsecret@375.png",
    ] {
        assert_eq!(get(uri).await.0, StatusCode::NOT_FOUND, "{uri}");
    }
    // The gallery's script has the diff button.
    let (status, js) = get("/__mfa/gallery.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(js.contains("mix-blend-mode:difference") && js.contains("/__mfa/baseline/"));
}
