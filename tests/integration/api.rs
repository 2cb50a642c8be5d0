//! `deploy` and `ticket` against a local stub of the two Management API
//! endpoints: a real HTTP server on 127.0.0.1 started by each test, which
//! records every request and answers from a script.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::thread;

const TOKEN: &str = "test-token-7f3a9c2e5b1d";

#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub(crate) method: String,
    pub(crate) path: String,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Recorded {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One scripted answer: status, extra headers, body (any bytes).
pub(crate) type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// What answers a request.
type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A stub that answers each request with the next scripted `(status, headers, body)`,
/// or with a handler that sees the request.
pub(crate) struct Stub {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Stub {
    pub(crate) fn start(script: Vec<Reply>) -> Stub {
        let script = Mutex::new(script.into_iter());
        Stub::with_handler(move |_| {
            script.lock().unwrap().next().unwrap_or((
                500,
                vec![],
                "{\"error\":\"stub script exhausted\"}".into(),
            ))
        })
    }

    pub(crate) fn with_handler(
        handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static,
    ) -> Stub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = requests.clone();
        let handler: Handler = Arc::new(handler);
        thread::spawn(move || {
            // Bounded: the stub serves at most a few dozen connections.
            for stream in listener.incoming().take(64) {
                let Ok(stream) = stream else { break };
                let seen = seen.clone();
                let handler = handler.clone();
                thread::spawn(move || serve(stream, &seen, &handler));
            }
        });
        Stub { port, requests }
    }

    pub(crate) fn domain(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

fn serve(stream: std::net::TcpStream, seen: &Mutex<Vec<Recorded>>, handler: &Handler) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            reader.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_owned(), v.trim().to_owned()));
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        reader.read_exact(&mut body).unwrap();
        let request = Recorded {
            method,
            path,
            headers,
            body: String::from_utf8(body).unwrap(),
        };
        seen.lock().unwrap().push(request.clone());
        let (status, extra, reply) = handler(&request);
        let mut response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n",
            reply.len()
        );
        for (k, v) in extra {
            response.push_str(&format!("{k}: {v}\r\n"));
        }
        response.push_str("\r\n");
        let mut response = response.into_bytes();
        response.extend_from_slice(&reply);
        if writer.write_all(&response).is_err() {
            return;
        }
    }
}

fn mfa_page(args: &[&str], dir: &Path, token: Option<&str>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfa-page"));
    cmd.args(args)
        .current_dir(dir)
        .env_remove("AUTH0_MGMT_TOKEN");
    if let Some(t) = token {
        cmd.env("AUTH0_MGMT_TOKEN", t);
    }
    cmd.output().unwrap()
}

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn deploy_sends_the_exported_template() {
    let stub = Stub::start(vec![
        (
            200,
            vec![],
            "{\"guardian_mfa_page\":{\"enabled\":true,\"html\":\"<p>old</p>\\n\"}}".into(),
        ),
        (
            200,
            vec![],
            "{\"guardian_mfa_page\":{\"enabled\":true}}".into(),
        ),
    ]);
    let out = mfa_page(
        &["deploy", "--domain", &stub.domain(), "--insecure-http"],
        repo(),
        Some(TOKEN),
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("-<p>old</p>\n"),
        "the diff is shown first: {stderr}"
    );
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        (
            "GET",
            "/api/v2/tenants/settings?fields=guardian_mfa_page&include_fields=true"
        )
    );
    let r = &requests[1];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PATCH", "/api/v2/tenants/settings")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert_eq!(r.header("content-type"), Some("application/json"));
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let exported = mfa_page(&["export"], repo(), None);
    assert_eq!(body["guardian_mfa_page"]["enabled"], true);
    assert_eq!(
        body["guardian_mfa_page"]["html"].as_str().unwrap(),
        text(&exported.stdout)
    );
    assert_eq!(body.as_object().unwrap().len(), 1);
    assert!(!text(&out.stderr).contains(TOKEN));
}

#[test]
fn dry_run_prints_the_request_and_sends_nothing() {
    let stub = Stub::start(vec![]);
    let out = mfa_page(
        &[
            "deploy",
            "--domain",
            &stub.domain(),
            "--insecure-http",
            "--dry-run",
        ],
        repo(),
        Some(TOKEN),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with(&format!(
        "PATCH http://{}/api/v2/tenants/settings\nAuthorization: Bearer [redacted: AUTH0_MGMT_TOKEN]\nContent-Type: application/json\n\n{{\n  \"guardian_mfa_page\": {{",
        stub.domain()
    )), "{stdout}");
    assert!(!stdout.contains(TOKEN) && !text(&out.stderr).contains(TOKEN));
    thread::sleep(std::time::Duration::from_millis(100));
    assert!(stub.requests().is_empty());
}

#[test]
fn ticket_prints_the_url_and_sends_the_body() {
    let reply = r#"{"ticket_id":"ti_abc","ticket_url":"https://acme.guardian.auth0.com/enroll?ticket=gten_0123456789abcdef01234567"}"#;
    let stub = Stub::start(vec![
        (200, vec![], reply.into()),
        (200, vec![], reply.into()),
    ]);
    let args = [
        "ticket",
        "--domain",
        &stub.domain(),
        "--insecure-http",
        "--user-id",
        "auth0|64f1c2a9e4b0d3a1c2e5f789",
        "--email",
        "jo@example.com",
        "--send-mail",
        "--email-locale",
        "fr",
    ];
    let out = mfa_page(&args, repo(), Some(TOKEN));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "https://acme.guardian.auth0.com/enroll?ticket=gten_0123456789abcdef01234567\n"
    );
    assert!(text(&out.stderr).contains("works once and expires after 5 days"));
    let r = &stub.requests()[0];
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/api/v2/guardian/enrollments/ticket")
    );
    assert_eq!(
        r.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"user_id": "auth0|64f1c2a9e4b0d3a1c2e5f789", "email": "jo@example.com", "send_mail": true, "email_locale": "fr"})
    );

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let out = mfa_page(&json_args, repo(), Some(TOKEN));
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed["ticket_id"], "ti_abc");
    assert_eq!(
        printed["ticket_url"],
        "https://acme.guardian.auth0.com/enroll?ticket=gten_0123456789abcdef01234567"
    );
}

/// `mfa-page ticket` for user `auth0|1` against the stub, with more arguments.
fn ticket_with(stub: &Stub, extra: &[&str], token: Option<&str>) -> Output {
    let domain = stub.domain();
    let mut args = vec![
        "ticket",
        "--domain",
        &domain,
        "--insecure-http",
        "--user-id",
        "auth0|1",
    ];
    args.extend_from_slice(extra);
    mfa_page(&args, repo(), token)
}

fn ticket_error(status: u16, body: &str) -> (Output, Vec<Recorded>) {
    let stub = Stub::start(vec![(status, vec![], body.into())]);
    let out = ticket_with(&stub, &[], Some(TOKEN));
    (out, stub.requests())
}

#[test]
fn api_errors_are_shown_with_a_hint_and_no_token() {
    let cases = [
        (
            401,
            r#"{"statusCode":401,"error":"Unauthorized","message":"Expired token received for JSON Web Token validation","errorCode":"invalid_token"}"#,
            "statusCode 401, error \"Unauthorized\", errorCode \"invalid_token\" — Expired token received",
            "invalid or expired",
        ),
        (
            403,
            r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: create:guardian_enrollment_tickets","errorCode":"insufficient_scope"}"#,
            "statusCode 403, error \"Forbidden\", errorCode \"insufficient_scope\"",
            "lacks the scope `create:guardian_enrollment_tickets`",
        ),
        (
            404,
            r#"{"statusCode":404,"error":"Not Found","message":"User not found","errorCode":"inexistent_user"}"#,
            "User not found",
            "the user must exist",
        ),
        (
            400,
            &format!(
                r#"{{"statusCode":400,"error":"Bad Request","message":"Payload validation error: token {TOKEN} is not allowed"}}"#
            ),
            "token [redacted] is not allowed",
            "rejected as invalid",
        ),
    ];
    for (status, body, says, hint) in cases {
        let (out, _) = ticket_error(status, body);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(says), "{status}: {stderr}");
        assert!(stderr.contains(hint), "{status}: {stderr}");
        assert!(!stderr.contains(TOKEN), "{status}: token leaked: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn rate_limits_are_retried_a_bounded_number_of_times() {
    let limited = || {
        (429u16, vec![("Retry-After", "0".to_owned())], r#"{"statusCode":429,"error":"Too Many Requests","message":"Global limit has been reached"}"#.into())
    };
    // Two 429s, then success: three requests, success.
    let ok = r#"{"ticket_id":"ti_1","ticket_url":"https://x/enroll?ticket=gten_1"}"#;
    let stub = Stub::start(vec![limited(), limited(), (200, vec![], ok.into())]);
    let out = ticket_with(&stub, &[], Some(TOKEN));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stub.requests().len(), 3);
    assert_eq!(text(&out.stderr).matches("rate limited").count(), 2);

    // Always 429: one request and three retries, then a failure.
    let stub = Stub::start((0..6).map(|_| limited()).collect());
    let out = ticket_with(&stub, &[], Some(TOKEN));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stub.requests().len(), 4);
    assert!(text(&out.stderr).contains("still rate limited after 3 retries"));
}

#[test]
fn the_token_never_comes_from_the_command_line() {
    let stub = Stub::start(vec![]);
    let out = ticket_with(&stub, &[], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("no Management API credentials"));
    let out = mfa_page(
        &[
            "ticket",
            "--domain",
            "x",
            "--user-id",
            "u",
            "--token",
            TOKEN,
        ],
        repo(),
        None,
    );
    assert_eq!(out.status.code(), Some(2), "no --token flag exists");

    let file = std::env::temp_dir().join(format!("mfa-page-token-{}", std::process::id()));
    std::fs::write(&file, format!("{TOKEN}\n")).unwrap();
    let reply = r#"{"ticket_id":"ti_1","ticket_url":"https://x/enroll?ticket=gten_1"}"#;
    let stub = Stub::start(vec![(200, vec![], reply.into())]);
    let out = ticket_with(&stub, &["--token-file", file.to_str().unwrap()], None);
    std::fs::remove_file(&file).unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        stub.requests()[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn plain_http_is_refused_without_the_test_flag() {
    let out = mfa_page(
        &[
            "ticket",
            "--domain",
            "http://acme.auth0.com",
            "--user-id",
            "u",
        ],
        repo(),
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("refusing to send the token over plain HTTP"));
}

#[test]
fn deploy_refuses_a_failing_template_unless_forced() {
    let dir = repo().join("tests/fixtures/check-two-errors");
    let stub = Stub::start(vec![(200, vec![], "{}".into()), (200, vec![], "{}".into())]);
    let out = mfa_page(
        &["deploy", "--domain", &stub.domain(), "--insecure-http"],
        &dir,
        Some(TOKEN),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not deploying: the template fails its checks"),
        "{stderr}"
    );
    assert!(
        stderr.contains("js-syntax"),
        "the check's finding is shown: {stderr}"
    );
    thread::sleep(std::time::Duration::from_millis(100));
    assert!(stub.requests().is_empty(), "nothing is sent");

    let out = mfa_page(
        &[
            "deploy",
            "--domain",
            &stub.domain(),
            "--insecure-http",
            "--force",
        ],
        &dir,
        Some(TOKEN),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stub.requests().len(), 2, "read the page, then send it");
}

// ---- Replies a server should never be trusted with (issue 13) ----

#[test]
fn a_huge_retry_after_is_clamped_never_a_panic() {
    for value in ["inf", "1e400", "99999999999999999999999", "NaN"] {
        let limited: Reply = (
            429,
            vec![("Retry-After", value.to_owned())],
            r#"{"statusCode":429,"error":"Too Many Requests"}"#.into(),
        );
        let stub = Stub::start(vec![
            limited.clone(),
            limited.clone(),
            limited.clone(),
            limited,
        ]);
        let domain = stub.domain();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mfa-page"))
            .args([
                "ticket",
                "--domain",
                &domain,
                "--insecure-http",
                "--user-id",
                "auth0|1",
            ])
            .env("AUTH0_MGMT_TOKEN", TOKEN)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // The first retry line says how long it waits; then the test stops it
        // rather than wait up to the clamp (30 s) three times.
        let mut line = String::new();
        BufReader::new(child.stderr.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let still_running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let status = child.wait().unwrap();
        assert!(!line.contains("panicked"), "{value}: {line}");
        assert_ne!(status.code(), Some(101), "{value}: panicked");
        let expected = if value == "NaN" {
            "retrying in 0.0 s"
        } else {
            "retrying in 30.0 s"
        };
        assert!(
            line.contains(expected) || (value == "NaN" && !still_running),
            "{value}: {line}"
        );
    }
}

#[test]
fn secrets_are_redacted_before_an_error_body_is_cut() {
    // The token ends right at the 300-character cut: cutting first would
    // print all but its last character.
    let cut_at = 300 - "statusCode 400 — ".chars().count();
    for body in [
        format!("{}{TOKEN} and more", "x".repeat(cut_at - TOKEN.len() + 1)),
        format!(
            r#"{{"statusCode":400,"message":"{}{TOKEN}"}}"#,
            "y".repeat(cut_at - TOKEN.len() + 1)
        ),
    ] {
        let (out, _) = ticket_error(400, &body);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        let partial = &TOKEN[..TOKEN.len() - 1];
        assert!(!stderr.contains(partial), "token leaked: {stderr}");
        assert!(stderr.contains("statusCode 400"), "{stderr}");
    }
}

#[test]
fn a_ticket_url_with_control_characters_is_escaped() {
    let reply = "{\"ticket_id\":\"ti_\\u001b[31m\",\"ticket_url\":\"https://evil.example/\\r\\u001b[2Khttps://acme.guardian.auth0.com/enroll?ticket=gten_1\"}";
    let stub = Stub::start(vec![
        (200, vec![], reply.into()),
        (200, vec![], reply.into()),
    ]);
    let out = ticket_with(&stub, &[], Some(TOKEN));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(
        stdout,
        "https://evil.example/%0D%1B[2Khttps://acme.guardian.auth0.com/enroll?ticket=gten_1\n"
    );
    assert!(stderr.contains("contained control characters"), "{stderr}");
    let out = ticket_with(&stub, &["--json"], Some(TOKEN));
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&b'\r'));
}

#[test]
fn a_2xx_reply_that_is_not_the_expected_json_is_an_error() {
    let page = r#"{"guardian_mfa_page":{"enabled":true,"html":"<p>old</p>"}}"#;
    for (reply, says) in [
        (b"\xff\xfe{}".to_vec(), "not UTF-8"),
        (b"<html>OK</html>".to_vec(), "not JSON"),
        (Vec::new(), "empty"),
        (b"[1]".to_vec(), "not the tenant settings"),
    ] {
        let stub = Stub::start(vec![(200, vec![], page.into()), (200, vec![], reply)]);
        let out = mfa_page(
            &["deploy", "--domain", &stub.domain(), "--insecure-http"],
            repo(),
            Some(TOKEN),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{says}: {stderr}");
        assert!(stderr.contains(says), "{says}: {stderr}");
        assert!(!stderr.contains("deployed the MFA page"), "{stderr}");
    }
    // ticket likewise.
    let stub = Stub::start(vec![(200, vec![], b"\xff".to_vec())]);
    let out = ticket_with(&stub, &[], Some(TOKEN));
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("not UTF-8"));
}

#[test]
fn a_redirect_is_never_followed_with_the_token() {
    let target = Stub::start(vec![]);
    let stub = Stub::start(vec![(
        302,
        vec![("Location", format!("http://{}/steal", target.domain()))],
        Vec::new(),
    )]);
    let out = ticket_with(&stub, &[], Some(TOKEN));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("redirect (302)"), "{stderr}");
    assert!(stderr.contains("does not follow redirects"), "{stderr}");
    thread::sleep(std::time::Duration::from_millis(100));
    assert!(target.requests().is_empty(), "the redirect was followed");
}

// ---- Domains, dry runs, credentials (issue 15) ----

#[test]
fn the_domain_must_be_a_host_name() {
    for bad in [
        "acme",
        "a b.auth0.com",
        "x-.auth0.com",
        "acme..auth0.com",
        "acme.auth0.com:x",
    ] {
        let out = mfa_page(
            &["ticket", "--domain", bad, "--user-id", "u", "--dry-run"],
            repo(),
            Some(TOKEN),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bad}: {stderr}");
        assert!(stderr.contains("is not a tenant domain"), "{bad}: {stderr}");
        assert!(stderr.contains("custom domain"), "{bad}: {stderr}");
    }
    let out = mfa_page(
        &[
            "ticket",
            "--domain",
            "https://Acme.EU.auth0.com/api/v2/",
            "--user-id",
            "auth0|1",
            "--dry-run",
        ],
        repo(),
        Some(TOKEN),
    );
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("note: using the domain acme.eu.auth0.com"),
        "{stderr}"
    );
    assert!(stdout.starts_with(
        "POST https://acme.eu.auth0.com/api/v2/guardian/enrollments/ticket\nAuthorization: Bearer [redacted: AUTH0_MGMT_TOKEN]\n"
    ), "{stdout}");
    assert!(stdout.contains("\"user_id\": \"auth0|1\""));
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

const CLIENT_SECRET: &str = "cs-9d8e7f6a5b4c3d2e1f0a";
const CC_TOKEN: &str = "cc-token-0a1b2c3d4e5f";

/// A project folder with the starter files and a deploy-cli config.
fn project_with_config(config: &serde_json::Value) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = mfa_page(&["init", "."], dir.path(), None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::to_string_pretty(config).unwrap(),
    )
    .unwrap();
    dir
}

/// A tenant: GET and PATCH of the MFA page, and the client-credentials grant.
struct Tenant {
    stub: Stub,
    page: Arc<Mutex<(bool, Option<String>)>>,
}

impl Tenant {
    fn start(html: Option<&str>) -> Tenant {
        let page = Arc::new(Mutex::new((true, html.map(str::to_owned))));
        let state = page.clone();
        let stub = Stub::with_handler(move |r| {
            let json =
                |status: u16, v: serde_json::Value| (status, vec![], v.to_string().into_bytes());
            if r.path == "/oauth/token" {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                return if body["client_id"] == "m2m-client"
                    && body["client_secret"] == CLIENT_SECRET
                {
                    json(
                        200,
                        serde_json::json!({"access_token": CC_TOKEN, "token_type": "Bearer", "expires_in": 86400}),
                    )
                } else {
                    json(
                        401,
                        serde_json::json!({"error": "access_denied", "error_description": format!("Unauthorized: {}", body["client_secret"])}),
                    )
                };
            }
            if r.header("authorization") != Some(&format!("Bearer {CC_TOKEN}")) {
                return json(
                    401,
                    serde_json::json!({"statusCode": 401, "error": "Unauthorized", "message": "Invalid token"}),
                );
            }
            let mut page = state.lock().unwrap();
            if r.method == "PATCH" {
                let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
                page.0 = body["guardian_mfa_page"]["enabled"].as_bool().unwrap();
                page.1 = body["guardian_mfa_page"]["html"]
                    .as_str()
                    .map(str::to_owned);
            }
            json(
                200,
                serde_json::json!({"guardian_mfa_page": {"enabled": page.0, "html": page.1}}),
            )
        });
        Tenant { stub, page }
    }

    fn html(&self) -> Option<String> {
        self.page.lock().unwrap().1.clone()
    }

    fn grants(&self) -> usize {
        self.stub
            .requests()
            .iter()
            .filter(|r| r.path == "/oauth/token")
            .count()
    }
}

fn with_config(args: &[&str], tenant: &Tenant) -> Vec<String> {
    let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    all.extend([
        "--config".into(),
        "config.json".into(),
        "--domain".into(),
        tenant.stub.domain(),
        "--insecure-http".into(),
    ]);
    all
}

fn run_in(dir: &Path, args: &[String]) -> Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = mfa_page(&args, dir, None);
    for stream in [&out.stdout, &out.stderr] {
        let s = text(stream);
        assert!(
            !s.contains(CLIENT_SECRET) && !s.contains(CC_TOKEN),
            "secret leaked by {args:?}: {s}"
        );
    }
    out
}

#[test]
fn pull_diff_edit_diff_deploy_diff_with_client_credentials() {
    let starter = std::fs::read_to_string(repo().join("templates/mfa.liquid")).unwrap();
    let served = starter.replace(
        "<html lang=\"en\">",
        "<html lang=\"en\" data-tenant=\"prod\">",
    );
    let tenant = Tenant::start(Some(&served));
    let dir = project_with_config(&serde_json::json!({
        "AUTH0_DOMAIN": "ignored.example.com",
        "AUTH0_CLIENT_ID": "m2m-client",
        "AUTH0_CLIENT_SECRET": CLIENT_SECRET,
    }));
    let d = dir.path();

    // The starter template differs from the tenant's page: pull refuses, with the diff.
    let out = run_in(d, &with_config(&["pull"], &tenant));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("+<html lang=\"en\" data-tenant=\"prod\">"),
        "{stderr}"
    );
    assert!(stderr.contains("pass --force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(d.join("templates/mfa.liquid")).unwrap(),
        starter
    );
    assert_eq!(tenant.grants(), 1);

    let out = run_in(d, &with_config(&["pull", "--force"], &tenant));
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("is enabled"));
    assert_eq!(
        std::fs::read_to_string(d.join("templates/mfa.liquid")).unwrap(),
        served
    );
    assert_eq!(tenant.grants(), 2, "one grant per run");

    let out = run_in(d, &with_config(&["diff"], &tenant));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());

    let edited = served.replace("data-tenant=\"prod\"", "data-tenant=\"next\"");
    std::fs::write(d.join("templates/mfa.liquid"), &edited).unwrap();
    let out = run_in(d, &with_config(&["diff"], &tenant));
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "-<html lang=\"en\" data-tenant=\"prod\">\n+<html lang=\"en\" data-tenant=\"next\">\n"
        ),
        "{stdout}"
    );
    assert!(stdout.starts_with("--- tenant: 127.0.0.1:"), "{stdout}");
    let out = run_in(d, &with_config(&["diff", "--format", "github"], &tenant));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout).starts_with("::error title=MFA page drift::"),
        "{}",
        text(&out.stdout)
    );

    let out = run_in(d, &with_config(&["deploy"], &tenant));
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("+<html lang=\"en\" data-tenant=\"next\">"),
        "the diff is shown: {stderr}"
    );
    assert_eq!(tenant.html().as_deref(), Some(edited.as_str()));

    let out = run_in(d, &with_config(&["diff"], &tenant));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Nothing to send: deploy says so and sends nothing.
    let patches = || {
        tenant
            .stub
            .requests()
            .iter()
            .filter(|r| r.method == "PATCH")
            .count()
    };
    let before = patches();
    let out = run_in(d, &with_config(&["deploy"], &tenant));
    assert!(out.status.success());
    assert!(text(&out.stderr).contains("already serves this MFA page; nothing was sent"));
    assert_eq!(patches(), before);
}

#[test]
fn diff_tells_an_outage_from_drift() {
    let tenant = Tenant::start(Some("<p>x</p>"));
    let dir = project_with_config(&serde_json::json!({
        "AUTH0_CLIENT_ID": "m2m-client",
        "AUTH0_CLIENT_SECRET": "wrong-secret",
    }));
    let out = run_in(dir.path(), &with_config(&["diff"], &tenant));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("client-credentials grant was refused"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("wrong-secret"),
        "the secret is redacted: {stderr}"
    );

    // Nothing listening.
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let out = mfa_page(
        &["diff", "--domain", &closed.to_string(), "--insecure-http"],
        dir.path(),
        Some(TOKEN),
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("cannot reach"));

    // Usage: no domain anywhere.
    let out = mfa_page(&["diff"], dir.path(), Some(TOKEN));
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no tenant domain"));
    let out = mfa_page(&["diff", "--format", "xml"], dir.path(), Some(TOKEN));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn deploy_fills_keywords_from_the_config_and_refuses_a_missing_one() {
    let tenant = Tenant::start(None);
    let dir = project_with_config(&serde_json::json!({
        "AUTH0_CLIENT_ID": "m2m-client",
        "AUTH0_CLIENT_SECRET": CLIENT_SECRET,
        "AUTH0_KEYWORD_REPLACE_MAPPINGS": {"TENANT_LABEL": "Acme $& Co", "FLAGS": {"beta": true}},
    }));
    let d = dir.path();
    let template = d.join("templates/mfa.liquid");
    let starter = std::fs::read_to_string(&template).unwrap();
    let with_title = starter.replacen("<head>", "<head>\n  <meta name=\"label\" content=\"##TENANT_LABEL##\">\n  <script>var flags = '@@FLAGS@@'; var region = \"@@REGION@@\";</script>", 1);
    std::fs::write(&template, &with_title).unwrap();

    for args in [vec!["deploy"], vec!["deploy", "--dry-run"]] {
        let out = run_in(d, &with_config(&args, &tenant));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("deploy-cli keyword `@@REGION@@` has no value"),
            "{stderr}"
        );
        assert!(
            stderr.contains("templates/mfa.liquid:13:50:"),
            "names the line: {stderr}"
        );
    }
    let out = mfa_page(&["export", "--config", "config.json"], d, None);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("`@@REGION@@` has no value"));
    // deploy-cli's own format keeps the placeholders without complaint.
    let out = mfa_page(
        &[
            "export",
            "--format",
            "deploy-cli",
            "--out-dir",
            "dist",
            "--config",
            "config.json",
        ],
        d,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read_to_string(d.join("dist/pages/guardian_multifactor.html")).unwrap(),
        with_title
    );
    assert!(tenant.stub.requests().is_empty(), "nothing was sent");

    // With a value for it (from the environment's mappings, which replace the file's).
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mfa-page"));
    cmd.args(with_config(&["deploy"], &tenant))
        .current_dir(d)
        .env_remove("AUTH0_MGMT_TOKEN")
        .env(
            "AUTH0_KEYWORD_REPLACE_MAPPINGS",
            r#"{"TENANT_LABEL": "Acme $& Co", "FLAGS": {"beta": true}, "REGION": ["eu", 1]}"#,
        );
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sent = tenant.html().unwrap();
    assert!(
        sent.contains("<meta name=\"label\" content=\"Acme $& Co\">"),
        "{sent}"
    );
    assert!(
        sent.contains("var flags = {\"beta\":true}; var region = [\"eu\",1];"),
        "{sent}"
    );
}

#[test]
fn no_secret_is_printed_in_dry_runs_or_errors() {
    let dir = project_with_config(&serde_json::json!({
        "AUTH0_DOMAIN": "acme.eu.auth0.com",
        "AUTH0_CLIENT_ID": "m2m-client",
        "AUTH0_CLIENT_SECRET": CLIENT_SECRET,
        "AUTH0_ACCESS_TOKEN": CC_TOKEN,
    }));
    for args in [
        vec!["deploy", "--config", "config.json", "--dry-run"],
        vec![
            "ticket",
            "--config",
            "config.json",
            "--user-id",
            "u",
            "--dry-run",
        ],
    ] {
        let args: Vec<String> = args.into_iter().map(String::from).collect();
        let out = run_in(dir.path(), &args);
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(
            stdout.contains("https://acme.eu.auth0.com/api/v2/"),
            "{stdout}"
        );
        assert!(
            stdout.contains("Bearer [redacted: AUTH0_ACCESS_TOKEN in config.json]"),
            "{stdout}"
        );
    }
    // A token server echoing the secret back in its error.
    let tenant = Tenant::start(None);
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::json!({"AUTH0_CLIENT_ID": "other", "AUTH0_CLIENT_SECRET": CLIENT_SECRET})
            .to_string(),
    )
    .unwrap();
    let out = run_in(dir.path(), &with_config(&["deploy"], &tenant));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Unauthorized: \"[redacted]\""),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn deploy_without_read_scope_deploys_without_the_diff() {
    let forbidden = r#"{"statusCode":403,"error":"Forbidden","message":"Insufficient scope, expected any of: read:tenant_settings","errorCode":"insufficient_scope"}"#;
    let stub = Stub::start(vec![
        (403, vec![], forbidden.into()),
        (
            200,
            vec![],
            "{\"guardian_mfa_page\":{\"enabled\":true}}".into(),
        ),
    ]);
    let out = mfa_page(
        &["deploy", "--domain", &stub.domain(), "--insecure-http"],
        repo(),
        Some(TOKEN),
    );
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("may not read tenant settings"), "{stderr}");
    assert!(stderr.contains("deploying without it"), "{stderr}");
    let requests = stub.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[1].method, "PATCH");
}

#[test]
fn init_from_tenant_starts_from_the_tenants_page() {
    let served = "<!DOCTYPE html>\r\n<title>{{ userData.tenant }}</title>\u{1b}\n";
    let tenant = Tenant::start(Some(served));
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.json"),
        serde_json::json!({"AUTH0_CLIENT_ID": "m2m-client", "AUTH0_CLIENT_SECRET": CLIENT_SECRET})
            .to_string(),
    )
    .unwrap();
    let out = run_in(
        dir.path(),
        &with_config(&["init", "acme", "--from-tenant"], &tenant),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let project = dir.path().join("acme");
    // The exact bytes, control characters included.
    assert_eq!(
        std::fs::read(project.join("templates/mfa.liquid")).unwrap(),
        served.as_bytes()
    );
    assert!(project.join("contexts/login.json").is_file());
    assert!(text(&out.stderr).contains("is the MFA page 127.0.0.1:"));

    // An unreadable tenant writes nothing.
    let out = mfa_page(
        &[
            "init",
            "other",
            "--from-tenant",
            "--domain",
            &tenant.stub.domain(),
            "--insecure-http",
        ],
        dir.path(),
        Some("wrong-token"),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("statusCode 401"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.path().join("other").exists());
}

#[test]
fn a_server_that_never_answers_times_out() {
    // It accepts the connection, reads the request, and says nothing: the
    // read timeout (30 s) ends the command instead of a hang.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let domain = listener.local_addr().unwrap().to_string();
    thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            thread::sleep(std::time::Duration::from_secs(90));
            drop(stream);
        }
    });
    let out = mfa_page(
        &[
            "ticket",
            "--domain",
            &domain,
            "--insecure-http",
            "--user-id",
            "auth0|1",
        ],
        repo(),
        Some(TOKEN),
    );
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("timed out"), "{stderr}");
}
