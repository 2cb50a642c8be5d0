//! `mfa-page serve`: router-level tests (routes, 404s, the ticket link, path
//! traversal). The end-to-end tests in headless Chromium are in
//! `tests/external/serve_browser.rs`.

// Shared with tests/external/ and benches/serve_latency.rs, which use the browser half.
#[allow(dead_code)]
mod browser;
mod http;
mod limits;
mod security;
mod soak;

use std::path::Path;

/// The tests that drive whole servers under load (the Chromium end-to-end
/// test, the soak, the runaway render) take turns: on a 2-core machine one
/// would starve the others and turn their liveness bounds into flakes.
pub(crate) fn heavy_test_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use mfa_page::engine::EngineConfig;
use mfa_page::serve::WidgetMode;
use mfa_page::serve::{Project, Site};
use tower::ServiceExt;

use browser::{Server, starter_project};

const SECRET: &str = "top secret: outside the template folder";

/// The starter project, plus a static file beside the template and files
/// (and links to them) outside it.
fn project() -> tempfile::TempDir {
    let dir = starter_project();
    let root = dir.path();
    std::fs::write(root.join("secret.txt"), SECRET).unwrap();
    std::fs::write(root.join("templates/logo.png"), b"\x89PNG fake").unwrap();
    std::fs::create_dir(root.join("templates/img")).unwrap();
    std::fs::write(root.join("templates/img/bg.css"), "body{}").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(root.join("secret.txt"), root.join("templates/link.txt"))
            .unwrap();
        std::os::unix::fs::symlink(root, root.join("templates/up")).unwrap();
        std::os::unix::fs::symlink("/etc", root.join("templates/etc")).unwrap();
    }
    dir
}

fn site(root: &Path) -> Arc<Site> {
    let site = Arc::new(Site::new(Project {
        engine: EngineConfig::new(root.join("templates/mfa.liquid")),
        contexts: root.join("contexts"),
        keywords: Default::default(),
    }));
    site.rebuild();
    site
}

async fn get(site: &Arc<Site>, widget: WidgetMode, uri: &str) -> (StatusCode, String, String) {
    let (router, _) = mfa_page::serve::app(site.clone(), widget);
    let response = router
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let body = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    (
        status,
        content_type,
        String::from_utf8_lossy(&body).into_owned(),
    )
}

#[tokio::test]
async fn gallery_lists_every_scenario_with_flow_and_warnings() {
    let dir = project();
    let site = site(dir.path());
    let (status, content_type, body) = get(&site, WidgetMode::Mock, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/html"));
    for (name, flow) in [
        ("branded", "login"),
        ("enroll", "enrollment"),
        ("login", "login"),
        ("login-errors", "login"),
    ] {
        assert!(
            body.contains(&format!(
                "<article class=\"card\" data-scenario=\"{name}\" data-flow=\"{flow}\" data-version="
            )),
            "{name} is missing:\n{body}"
        );
        assert!(body.contains(&format!("<iframe src=\"/s/{name}\"")));
    }
    // Each card's count of findings, filled in from /__mfa/findings.
    assert!(body.contains("<button type=\"button\" class=\"count\""));
    let build = site.current().number;
    site.findings.run(&site.project, build);
    let (status, _, findings) = get(&site, WidgetMode::Mock, "/__mfa/findings").await;
    assert_eq!(status, StatusCode::OK);
    let findings: serde_json::Value = serde_json::from_str(&findings).unwrap();
    assert_eq!(findings["current"], true, "{findings}");
    assert_eq!(
        (&findings["errors"], &findings["warnings"]),
        (&serde_json::json!(0), &serde_json::json!(0)),
        "{findings}"
    );
    for width in ["375", "768", "1280"] {
        assert!(body.contains(&format!("data-width=\"{width}\"")));
    }
    assert!(!body.contains("mfa-page-overlay"), "no errors, no overlay");
}

#[tokio::test]
async fn scenario_pages_get_the_offline_widget_and_the_client() {
    let dir = project();
    let site = site(dir.path());
    let (status, _, body) = get(&site, WidgetMode::Mock, "/s/login").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("<script src=\"/__mfa/widget.js?v="));
    assert!(!body.contains("cdn.auth0.com/js/mfa-widget"));
    assert!(body.contains("<script data-mfa-page defer src=\"/__mfa/client.js?v="));
    assert!(body.contains("data-update=\"in-place\""));
    assert!(body.contains("<head><script data-mfa-page>(function(){var b=window.__mfaBoot"));
    assert!(body.contains("data-request-token=\"eyJ"));

    let (_, _, cdn) = get(&site, WidgetMode::Cdn, "/s/login").await;
    assert!(cdn.contains("//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js"));

    let (status, content_type, widget) = get(&site, WidgetMode::Mock, "/__mfa/widget.js").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/javascript"));
    assert!(widget.contains("function Auth0MFAWidget(options)"));
}

/// The gallery brings its frames up to a build with one request: the state
/// with the page of every frame whose version it does not have, byte for
/// byte as `/s/<scenario>` serves it.
#[tokio::test]
async fn the_state_carries_the_pages_the_gallery_does_not_have() {
    let dir = project();
    let site = site(dir.path());
    let (status, content_type, body) = get(&site, WidgetMode::Mock, "/__mfa/state").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("application/json"));
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert!(
        state.get("pages").is_none(),
        "pages only when asked: {state}"
    );
    let version = |name: &str| {
        state["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()["version"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // login is current, branded is not; an unknown scenario and a malformed pair are ignored.
    let uri = format!(
        "/__mfa/state?have=login%3A{}&have=branded%3Aold&have=gone%3Ax&have=nocolon",
        version("login")
    );
    let (status, _, body) = get(&site, WidgetMode::Mock, &uri).await;
    assert_eq!(status, StatusCode::OK);
    let state: serde_json::Value = serde_json::from_str(&body).unwrap();
    let pages = state["pages"].as_object().unwrap();
    assert_eq!(
        pages.keys().collect::<Vec<_>>(),
        ["branded"],
        "only the page whose version differs: {state}"
    );
    let (_, _, branded) = get(&site, WidgetMode::Mock, "/s/branded").await;
    assert_eq!(pages["branded"], branded.as_str());
}

#[test]
fn render_output_never_contains_the_preview() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-page"))
        .args(["render", "--context", "login"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).unwrap();
    assert!(html.contains("//cdn.auth0.com/js/mfa-widget/mfa-widget-1.8.min.js"));
    assert!(!html.contains("__mfa"));
}

#[tokio::test]
async fn unknown_pages_are_404() {
    let dir = project();
    let site = site(dir.path());
    for uri in ["/s/nope", "/s/_base", "/missing.png", "/img/", "/img"] {
        let (status, _, body) = get(&site, WidgetMode::Mock, uri).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
        assert!(body.contains("Not found"), "{uri}: {body}");
        assert!(body.contains("<a href=\"/s/login\">login</a>"), "{uri}");
    }
}

#[tokio::test]
async fn ticket_link_renders_the_enrollment_scenario_with_that_ticket() {
    let dir = project();
    let site = site(dir.path());
    let (status, _, body) = get(
        &site,
        WidgetMode::Mock,
        "/guardian/enroll?ticket=gten_0123456789abcdef01234567",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("data-ticket=\"gten_0123456789abcdef01234567\""));
    assert!(!body.contains("data-request-token"));
    assert!(body.contains("Set up two-step verification"));
    assert!(body.contains("data-scenario=\"enroll\""));

    let (status, _, body) = get(&site, WidgetMode::Mock, "/guardian/enroll").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Missing ticket"));

    // A ticket with markup in it is refused, never passed to the template.
    let (status, _, body) = get(
        &site,
        WidgetMode::Mock,
        "/guardian/enroll?ticket=%22%3E%3Cscript%3Ealert(1)%3C/script%3E",
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("Not an enrollment ticket"));
    assert!(!body.contains("<script>alert(1)"));

    std::fs::remove_file(dir.path().join("contexts/enroll.json")).unwrap();
    site.rebuild();
    let (status, _, body) = get(&site, WidgetMode::Mock, "/guardian/enroll?ticket=gten_1").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("No enrollment scenario"));
}

#[tokio::test]
async fn static_files_beside_the_template_are_served() {
    let dir = project();
    let site = site(dir.path());
    let (status, content_type, body) = get(&site, WidgetMode::Mock, "/logo.png").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "image/png");
    assert!(body.contains("PNG fake"));
    let (status, content_type, _) = get(&site, WidgetMode::Mock, "/img/bg.css").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/css"));
}

#[tokio::test]
async fn nothing_outside_the_template_folder_is_served() {
    let dir = project();
    let site = site(dir.path());
    let (status, _, _) = get(&site, WidgetMode::Mock, "/../secret.txt").await;
    assert_ne!(status, StatusCode::OK);
    let mut refused = vec![
        "/../secret.txt",
        "/img/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/%2e%2e%2fsecret.txt",
        "/img%2f..%2f..%2fsecret.txt",
        "/%252e%252e/secret.txt",
        "/%252e%252e%252fsecret.txt",
        "/..%5csecret.txt",
        "/%5c..%5csecret.txt",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/C:%5cWindows%5cwin.ini",
        "/.%2e/secret.txt",
    ];
    let absolute = format!("/{}", dir.path().join("secret.txt").display());
    refused.push(&absolute);
    #[cfg(unix)]
    refused.extend(["/link.txt", "/up/secret.txt", "/etc/passwd"]);
    for uri in &refused {
        let (status, _, body) = get(&site, WidgetMode::Mock, uri).await;
        assert!(
            status == StatusCode::FORBIDDEN,
            "{uri} gave {status}: {body}"
        );
        assert!(!body.contains(SECRET), "{uri} leaked the file");
        assert!(!body.contains("root:"), "{uri} leaked /etc/passwd");
    }
}

#[tokio::test]
async fn a_build_error_shows_the_overlay_over_the_last_good_render() {
    let dir = project();
    let site = site(dir.path());
    let template = dir.path().join("templates/mfa.liquid");
    let good = std::fs::read_to_string(&template).unwrap();
    let broken = good.replace("{% for error in errors %}", "{% for error in %}");
    let line = broken
        .lines()
        .position(|l| l.contains("{% for error in %}"))
        .unwrap()
        + 1;
    std::fs::write(&template, &broken).unwrap();
    site.rebuild();
    for uri in ["/", "/s/login", "/s/enroll"] {
        let (status, _, body) = get(&site, WidgetMode::Mock, uri).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        assert!(body.contains("<mfa-page-overlay"), "{uri}");
        assert!(
            body.contains(&format!("templates/mfa.liquid:{line}:")),
            "{uri}: the overlay should point at line {line}"
        );
    }
    let (_, _, login) = get(&site, WidgetMode::Mock, "/s/login").await;
    assert!(login.contains("Verify it's you"), "last good render kept");

    std::fs::write(&template, &good).unwrap();
    site.rebuild();
    let (_, _, login) = get(&site, WidgetMode::Mock, "/s/login").await;
    assert!(!login.contains("<mfa-page-overlay"));
}

/// `--open` hands the printed URL to the desktop's opener (xdg-open on Linux;
/// here a stand-in that writes down what it was given).
#[cfg(target_os = "linux")]
#[test]
fn open_flag_opens_the_printed_url() {
    use std::os::unix::fs::PermissionsExt;
    let dir = starter_project();
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened.txt");
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        format!("#!/bin/sh\nprintf '%s' \"$*\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let server = Server::start_with_env(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        dir.path(),
        &["--open"],
        &[("PATH", path.as_os_str())],
    );
    let started = std::time::Instant::now();
    let mut given = String::new();
    while !given.ends_with('/') && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
        given = std::fs::read_to_string(&opened).unwrap_or_default();
    }
    assert_eq!(given, server.url, "{}", server.stderr());
}

/// Without a browser the opener fails, often with a stream of errors (as
/// xdg-open does on a server): `--open` says so in one line and keeps serving.
#[cfg(target_os = "linux")]
#[test]
fn open_without_a_browser_says_so_once() {
    use std::os::unix::fs::PermissionsExt;
    let dir = starter_project();
    let bin = tempfile::tempdir().unwrap();
    let opener = bin.path().join("xdg-open");
    std::fs::write(
        &opener,
        "#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8; do echo \"xdg-open: no method available for opening '$1' ($i)\" >&2; done\nexit 3\n",
    )
    .unwrap();
    std::fs::set_permissions(&opener, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.path().to_path_buf()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut server = Server::start_with_env(
        Path::new(env!("CARGO_BIN_EXE_mfa-page")),
        dir.path(),
        &["--open"],
        &[("PATH", path.as_os_str())],
    );
    let started = std::time::Instant::now();
    while !server.stderr().contains("no browser") && started.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let stderr = server.stderr();
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("xdg-open")).collect();
    assert_eq!(
        warnings,
        [format!(
            "warning: no browser could be opened (xdg-open: xdg-open: no method available for opening '{}' (1)); open {} yourself",
            server.url, server.url
        )],
        "{stderr}"
    );
    assert!(server.running(), "the server keeps serving");
}
