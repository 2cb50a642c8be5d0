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
struct Recorded {
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    body: String,
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
type Reply = (u16, Vec<(&'static str, String)>, Vec<u8>);

/// What answers a request.
type Handler = Arc<dyn Fn(&Recorded) -> Reply + Send + Sync>;

/// A stub that answers each request with the next scripted `(status, headers, body)`,
/// or with a handler that sees the request.
struct Stub {
    port: u16,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl Stub {
    fn start(script: Vec<Reply>) -> Stub {
        let script = Mutex::new(script.into_iter());
        Stub::with_handler(move |_| {
            script.lock().unwrap().next().unwrap_or((
                500,
                vec![],
                "{\"error\":\"stub script exhausted\"}".into(),
            ))
        })
    }

    fn with_handler(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Stub {
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

    fn domain(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn requests(&self) -> Vec<Recorded> {
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
