//! A small client for the Auth0 endpoints mfa-page uses:
//! `PATCH /api/v2/tenants/settings` (deploy the page),
//! `GET /api/v2/tenants/settings` (pull it, diff against it),
//! `POST /api/v2/guardian/enrollments/ticket` (create an enrollment ticket)
//! and `POST /oauth/token` (the client-credentials grant).
//!
//! Secrets (the token, a client secret) come from the environment, a
//! deploy-cli config or a file, never from the command line, and never appear
//! in anything printed: every message passes through [`Client::redact`]
//! before it is cut or shown, and what a server sends is stripped of control
//! characters ([`terminal_safe`]) before it reaches a terminal.

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::source::{self, display_path};

/// Retries after a `429 Too Many Requests`, at most.
pub const MAX_RETRIES: u32 = 3;
/// Longest wait between retries, whatever the server asks for.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
/// Time allowed to open the connection (TCP and TLS).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed for each read from the server.
pub const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// Time allowed for one whole request, answer included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// Characters of a server's error body shown, at most.
const ERROR_SNIPPET: usize = 300;
/// Largest answer read.
const MAX_BODY: u64 = 10 * 1024 * 1024;

/// A secret value (a token, a client secret), kept out of `Debug` output.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// The Management API token.
pub type Token = Secret;

impl Secret {
    /// A token from `--token-file`, else from `AUTH0_MGMT_TOKEN`; `None`
    /// when neither gives one (an empty file is an error).
    pub fn explicit_token(token_file: Option<&Path>) -> Result<Option<Token>, Diagnostic> {
        let (raw, what) = match token_file {
            Some(path) => (
                source::read_text(path, "token file")?.text.to_string(),
                format!("the token file {}", display_path(path)),
            ),
            None => match std::env::var("AUTH0_MGMT_TOKEN") {
                Ok(v) => (v, "AUTH0_MGMT_TOKEN".to_owned()),
                Err(_) => return Ok(None),
            },
        };
        let token = raw.trim();
        if token.is_empty() {
            if token_file.is_some() {
                return Err(Diagnostic::error(format!("{what} is empty")).with_help(
                    "put a Management API access token in it, or use a deploy-cli config (--config)",
                ));
            }
            return Ok(None);
        }
        Secret::token_from(token, &what).map(Some)
    }

    /// A token read from `what`, checked to be one line.
    pub fn token_from(raw: &str, what: &str) -> Result<Token, Diagnostic> {
        let token = raw.trim();
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Diagnostic::error(format!(
                "the Management API token from {what} contains spaces or line breaks; it should be one line"
            )));
        }
        Ok(Secret(token.to_owned()))
    }
}

/// Where requests go: `https://TENANT.auth0.com`, or plain HTTP for a local test server.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base: String,
    /// The host (and port) alone, as deploy-cli's `AUTH0_DOMAIN` holds it.
    pub host: String,
}

impl Endpoint {
    /// `tenant.eu.auth0.com`, or `https://tenant.eu.auth0.com/anything`
    /// (scheme and path are stripped, and the second value says so); with
    /// `insecure_http`, also `127.0.0.1:8080` over plain HTTP.
    pub fn parse(
        domain: &str,
        insecure_http: bool,
    ) -> Result<(Endpoint, Option<String>), Diagnostic> {
        let shown = terminal_safe(domain);
        let trimmed = domain.trim();
        let (scheme, rest, had_scheme) = if let Some(h) = strip_prefix_ci(trimmed, "https://") {
            ("https", h, true)
        } else if let Some(h) = strip_prefix_ci(trimmed, "http://") {
            ("http", h, true)
        } else {
            (if insecure_http { "http" } else { "https" }, trimmed, false)
        };
        if scheme == "http" && !insecure_http {
            return Err(Diagnostic::error(format!(
                "refusing to send the token over plain HTTP to {shown}"
            ))
            .with_help(
                "use the tenant's domain alone (acme.eu.auth0.com); mfa-page always uses https",
            ));
        }
        let (host, path) = match rest.find(['/', '?', '#']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, ""),
        };
        let host = host.to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            Some((n, p)) if !n.contains(']') || n.ends_with(']') => (n, Some(p)),
            _ => (host.as_str(), None),
        };
        let label_ok = |l: &str| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        };
        let port_ok = port
            .is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
        let valid = port_ok
            && !name.contains("..")
            && if insecure_http {
                !name.is_empty()
                    && name.chars().all(|c| {
                        c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':')
                    })
            } else {
                name.contains('.') && name.len() <= 253 && name.split('.').all(label_ok)
            };
        if !valid {
            return Err(Diagnostic::error(format!(
                "`{shown}` is not a tenant domain: give the host name of the tenant's Auth0 domain, such as acme.eu.auth0.com"
            ))
            .with_help(
                "the Management API is served only on the tenant's Auth0 domain (Settings > Domain), not on a custom domain",
            ));
        }
        let note = (had_scheme || !path.trim_matches('/').is_empty())
            .then(|| format!("note: using the domain {host} (from {shown})"));
        Ok((
            Endpoint {
                base: format!("{scheme}://{host}"),
                host,
            },
            note,
        ))
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// A request as it will be sent.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Json>,
    /// Whether it carries the Management API token.
    pub authorized: bool,
}

/// The fields of the tenant settings `pull` and `diff` read.
pub const PAGE_FIELDS_QUERY: &str = "?fields=guardian_mfa_page&include_fields=true";

impl Request {
    pub fn deploy_page(html: &str) -> Request {
        Request {
            method: "PATCH",
            path: "/api/v2/tenants/settings".into(),
            body: Some(
                serde_json::json!({ "guardian_mfa_page": { "enabled": true, "html": html } }),
            ),
            authorized: true,
        }
    }

    /// `GET /api/v2/tenants/settings`, the MFA page's field only.
    pub fn read_page() -> Request {
        Request {
            method: "GET",
            path: format!("/api/v2/tenants/settings{PAGE_FIELDS_QUERY}"),
            body: None,
            authorized: true,
        }
    }

    pub fn enrollment_ticket(
        user_id: &str,
        email: Option<&str>,
        send_mail: bool,
        email_locale: Option<&str>,
    ) -> Request {
        let mut body = serde_json::Map::new();
        body.insert("user_id".into(), user_id.into());
        if let Some(email) = email {
            body.insert("email".into(), email.into());
        }
        body.insert("send_mail".into(), send_mail.into());
        if let Some(locale) = email_locale {
            body.insert("email_locale".into(), locale.into());
        }
        Request {
            method: "POST",
            path: "/api/v2/guardian/enrollments/ticket".into(),
            body: Some(Json::Object(body)),
            authorized: true,
        }
    }

    /// The client-credentials grant for a Management API token.
    pub fn client_credentials(endpoint: &Endpoint, client_id: &str, secret: &Secret) -> Request {
        Request {
            method: "POST",
            path: "/oauth/token".into(),
            body: Some(serde_json::json!({
                "grant_type": "client_credentials",
                "client_id": client_id,
                "client_secret": secret.expose(),
                "audience": format!("https://{}/api/v2/", endpoint.host),
            })),
            authorized: false,
        }
    }

    /// The scope the token needs for this request.
    pub fn scope(&self) -> &'static str {
        match (self.method, self.path.as_str()) {
            ("GET", _) => "read:tenant_settings",
            (_, "/api/v2/tenants/settings") => "update:tenant_settings",
            _ => "create:guardian_enrollment_tickets",
        }
    }

    /// The path without its query, for messages.
    fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// The request as text, with the token redacted (for `--dry-run`);
    /// `token` says where the token would come from, if anywhere.
    pub fn describe(&self, endpoint: &Endpoint, token: Option<&str>) -> String {
        let auth = match token {
            Some(from) => format!("Bearer [redacted: {from}]"),
            None => "Bearer [no token: set AUTH0_MGMT_TOKEN or use --config]".to_owned(),
        };
        let mut text = format!("{} {}{}\n", self.method, endpoint.base, self.path);
        if self.authorized {
            text.push_str(&format!("Authorization: {auth}\n"));
        }
        if let Some(body) = &self.body {
            text.push_str(&format!(
                "Content-Type: application/json\n\n{}\n",
                serde_json::to_string_pretty(body).expect("JSON serializes")
            ));
        }
        text
    }
}

/// Something that waits (real time in use; recorded in tests).
pub trait Sleeper {
    fn sleep(&mut self, d: Duration);
}

pub struct RealSleeper;

impl Sleeper for RealSleeper {
    fn sleep(&mut self, d: Duration) {
        std::thread::sleep(d);
    }
}

/// What went wrong with a request: the tenant could not be reached or
/// refused (callers such as `diff` tell an outage from drift by it).
#[derive(Debug)]
pub struct ApiError {
    /// The HTTP status, when the server answered.
    pub status: Option<u16>,
    pub diagnostic: Diagnostic,
}

impl From<ApiError> for Diagnostic {
    fn from(e: ApiError) -> Diagnostic {
        e.diagnostic
    }
}

pub struct Client {
    endpoint: Endpoint,
    token: Option<Token>,
    /// Every secret that must never be printed.
    secrets: Vec<String>,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(endpoint: Endpoint, token: Token) -> Client {
        let mut client = Client::anonymous(endpoint);
        client.secrets.push(token.0.clone());
        client.token = Some(token);
        client
    }

    /// A client without a token (for the token grant itself).
    pub fn anonymous(endpoint: Endpoint) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(endpoint.base.starts_with("https://"))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_per_read(Some(READ_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            // A redirect is answered as it is, never followed with the token.
            .max_redirects(0)
            .user_agent(concat!("mfa-page/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            endpoint,
            token: None,
            secrets: Vec::new(),
            agent: config.into(),
        }
    }

    /// Another secret to keep out of every message (a client secret).
    pub fn also_redact(&mut self, secret: &Secret) {
        if !secret.0.is_empty() {
            self.secrets.push(secret.0.clone());
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// `text` with every secret replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for secret in &self.secrets {
            out = out.replace(secret.as_str(), "[redacted]");
        }
        out
    }

    /// Text from the server, fit for a terminal: secrets redacted first,
    /// then control characters escaped, then cut to `max` characters.
    pub fn shown(&self, text: &str, max: usize) -> String {
        let safe = terminal_safe(&self.redact(text));
        if safe.chars().count() <= max {
            return safe;
        }
        let mut cut: String = safe.chars().take(max).collect();
        cut.push('…');
        cut
    }

    /// Send `request`, retrying a bounded number of times on 429; the
    /// parsed JSON answer on success. A 2xx answer that is not JSON is an error.
    pub fn send(&self, request: &Request, sleeper: &mut dyn Sleeper) -> Result<Json, ApiError> {
        let url = format!("{}{}", self.endpoint.base, request.path);
        let body = request.body.as_ref().map(Json::to_string);
        let mut attempt = 0;
        loop {
            let result = match (request.method, &body) {
                ("GET", _) => self.with_headers_get(self.agent.get(&url), request).call(),
                (method, body) => {
                    let call = match method {
                        "PATCH" => self.agent.patch(&url),
                        _ => self.agent.post(&url),
                    };
                    let call = self.with_headers(call, request);
                    call.send(body.as_deref().unwrap_or(""))
                }
            };
            let mut response = match result {
                Ok(r) => r,
                Err(err) => {
                    let what = match err {
                        ureq::Error::Timeout(_) => "timed out".to_owned(),
                        other => other.to_string(),
                    };
                    return Err(ApiError {
                        status: None,
                        diagnostic: Diagnostic::error(self.shown(
                            &format!(
                                "cannot reach {} ({} {}): {what}",
                                self.endpoint.base,
                                request.method,
                                request.route()
                            ),
                            ERROR_SNIPPET * 2,
                        ))
                        .with_help("check the domain and your network connection"),
                    });
                }
            };
            let status = response.status().as_u16();
            let wait = retry_wait(response.headers());
            let location = response
                .headers()
                .get("location")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let bytes = response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec();
            if (200..300).contains(&status) {
                return self.parse_success(status, bytes, request);
            }
            let text = bytes
                .map(|b| String::from_utf8_lossy(&b).into_owned())
                .unwrap_or_default();
            if status == 429 && attempt < MAX_RETRIES {
                attempt += 1;
                let wait = wait
                    .unwrap_or(Duration::from_secs(1 << attempt))
                    .min(MAX_RETRY_WAIT);
                eprintln!(
                    "rate limited by the Management API (429); retrying in {:.1} s ({attempt} of {MAX_RETRIES})",
                    wait.as_secs_f64()
                );
                sleeper.sleep(wait);
                continue;
            }
            if (300..400).contains(&status) {
                let to = location.map_or_else(String::new, |l| {
                    format!(" to {}", self.shown(&l, ERROR_SNIPPET))
                });
                return Err(ApiError {
                    status: Some(status),
                    diagnostic: Diagnostic::error(format!(
                        "{} {} was answered with a redirect ({status}){to}; mfa-page does not follow redirects with the token",
                        request.method,
                        request.route()
                    ))
                    .with_help(
                        "use the tenant's Auth0 domain (acme.eu.auth0.com): a custom domain does not serve the Management API",
                    ),
                });
            }
            return Err(ApiError {
                status: Some(status),
                diagnostic: self.api_error(status, &text, request, attempt),
            });
        }
    }

    fn with_headers(
        &self,
        call: ureq::RequestBuilder<ureq::typestate::WithBody>,
        request: &Request,
    ) -> ureq::RequestBuilder<ureq::typestate::WithBody> {
        let call = call
            .header("Content-Type", "application/json")
            .header("Accept", "application/json");
        match (&self.token, request.authorized) {
            (Some(token), true) => call.header("Authorization", &format!("Bearer {}", token.0)),
            _ => call,
        }
    }

    fn with_headers_get(
        &self,
        call: ureq::RequestBuilder<ureq::typestate::WithoutBody>,
        request: &Request,
    ) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        let call = call.header("Accept", "application/json");
        match (&self.token, request.authorized) {
            (Some(token), true) => call.header("Authorization", &format!("Bearer {}", token.0)),
            _ => call,
        }
    }

    fn parse_success(
        &self,
        status: u16,
        bytes: Result<Vec<u8>, ureq::Error>,
        request: &Request,
    ) -> Result<Json, ApiError> {
        let fail = |what: String| ApiError {
            status: Some(status),
            diagnostic: Diagnostic::error(format!(
                "{} {} answered {status}, but {what}; treating it as a failure",
                request.method,
                request.route()
            ))
            .with_help("check the domain: it must be the tenant's Auth0 domain; then try again"),
        };
        let bytes = bytes.map_err(|e| {
            fail(self.shown(&format!("its body could not be read: {e}"), ERROR_SNIPPET))
        })?;
        let text = String::from_utf8(bytes).map_err(|e| {
            fail(format!(
                "its body is not UTF-8 text (invalid byte at offset {})",
                e.utf8_error().valid_up_to()
            ))
        })?;
        if text.trim().is_empty() {
            return Err(fail("its body is empty where JSON was expected".into()));
        }
        serde_json::from_str(&text).map_err(|e| {
            fail(format!(
                "its body is not JSON ({e}): {}",
                self.shown(&text, ERROR_SNIPPET)
            ))
        })
    }

    fn api_error(&self, status: u16, text: &str, request: &Request, retries: u32) -> Diagnostic {
        // Redact before anything is parsed, cut or printed.
        let text = self.redact(text);
        let body: Json = serde_json::from_str(&text).unwrap_or(Json::Null);
        let field = |k: &str| {
            body.get(k).and_then(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .or_else(|| (!v.is_null()).then(|| v.to_string()))
            })
        };
        let mut parts = vec![format!(
            "statusCode {}",
            field("statusCode").unwrap_or_else(|| status.to_string())
        )];
        if let Some(e) = field("error") {
            parts.push(format!("error \"{e}\""));
        }
        if let Some(code) = field("errorCode") {
            parts.push(format!("errorCode \"{code}\""));
        }
        let message = field("message")
            .or_else(|| field("error_description"))
            .unwrap_or_else(|| {
                if text.trim().is_empty() {
                    "(no body)".into()
                } else {
                    text.clone()
                }
            });
        let summary = format!("{} — {}", parts.join(", "), message);
        let mut d = Diagnostic::error(format!(
            "{} {} failed: {}",
            request.method,
            request.route(),
            self.shown(&summary, ERROR_SNIPPET)
        ));
        let grant = request.path == "/oauth/token";
        let hint = match status {
            401 | 403 if grant => Some("the client-credentials grant was refused: check AUTH0_CLIENT_ID and AUTH0_CLIENT_SECRET, and that the application is authorized for the Auth0 Management API (Applications > APIs > Auth0 Management API > Machine to Machine Applications)".to_owned()),
            401 => Some("the token is invalid or expired: get a new Management API token (or use a deploy-cli config with a client id and secret, --config)".to_owned()),
            403 => Some(format!("the token lacks the scope `{}`: grant it to the application the token was issued for", request.scope())),
            404 if request.path.contains("enrollments") => Some("check --user-id: the user must exist in this tenant".to_owned()),
            429 => Some(format!("still rate limited after {retries} retries; wait a minute and run it again")),
            400 => Some("the request was rejected as invalid; the message above says which field".to_owned()),
            s if s >= 500 => Some("Auth0 had a problem; try again in a moment".to_owned()),
            _ => None,
        };
        if let Some(hint) = hint {
            d = d.with_help(hint);
        }
        d
    }
}

/// `text` fit for a terminal: control characters (ESC, CR, BEL, C1) and
/// bidirectional overrides are shown escaped (`\x1B`, `\u{202E}`), so a
/// server cannot move the cursor or disguise what is printed.
pub fn terminal_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if c.is_control() && (c as u32) < 0x100 {
            out.push_str(&format!("\\x{:02X}", c as u32));
        } else if c.is_control() || bidi {
            out.push_str(&format!("\\u{{{:X}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Like [`terminal_safe`] but keeps line breaks and tabs (for multi-line text such as a diff).
pub fn terminal_safe_lines(text: &str) -> String {
    text.split_inclusive('\n')
        .map(|line| {
            let (body, end) = match line.strip_suffix('\n') {
                Some(b) => (b, "\n"),
                None => (line, ""),
            };
            let escaped: String = body
                .split('\t')
                .map(terminal_safe)
                .collect::<Vec<_>>()
                .join("\t");
            format!("{escaped}{end}")
        })
        .collect()
}

/// How long a 429 asks us to wait: `Retry-After` (seconds), else
/// `X-RateLimit-Reset` (a Unix time); always at most [`MAX_RETRY_WAIT`],
/// whatever the header holds (`inf`, `1e300`, `-5`, `NaN`).
fn retry_wait(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(secs) = get("retry-after").and_then(|v| v.parse::<f64>().ok()) {
        return Some(clamp_wait(secs));
    }
    let reset = get("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)).min(MAX_RETRY_WAIT))
}

/// Seconds from a header as a wait in `0..=MAX_RETRY_WAIT`; never panics.
fn clamp_wait(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        return Duration::ZERO;
    }
    if secs >= MAX_RETRY_WAIT.as_secs_f64() {
        return MAX_RETRY_WAIT;
    }
    Duration::from_secs_f64(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(d: &str, insecure: bool) -> Result<String, Diagnostic> {
        Endpoint::parse(d, insecure).map(|(e, _)| e.base)
    }

    #[test]
    fn domains() {
        assert_eq!(
            base("acme.eu.auth0.com", false).unwrap(),
            "https://acme.eu.auth0.com"
        );
        let (e, note) = Endpoint::parse("https://Acme.auth0.com/api/v2/", false).unwrap();
        assert_eq!(e.base, "https://acme.auth0.com");
        assert_eq!(e.host, "acme.auth0.com");
        assert!(note.unwrap().contains("using the domain acme.auth0.com"));
        assert!(
            Endpoint::parse("acme.auth0.com", false)
                .unwrap()
                .1
                .is_none()
        );
        assert!(base("http://acme.auth0.com", false).is_err());
        assert_eq!(base("127.0.0.1:9", true).unwrap(), "http://127.0.0.1:9");
        for bad in [
            "",
            "acme",
            "https://acme",
            "acme..auth0.com",
            "-a.auth0.com",
            "a b.auth0.com",
            "a.auth0.com:x",
            "a.auth0.com\u{1b}[2J",
        ] {
            let err = base(bad, false).unwrap_err();
            assert!(
                err.message.contains("is not a tenant domain"),
                "{bad}: {}",
                err.message
            );
            assert!(!err.message.contains('\u{1b}'));
        }
    }

    #[test]
    fn dry_run_never_shows_the_token() {
        let endpoint = Endpoint::parse("a.auth0.com", false).unwrap().0;
        let text = Request::deploy_page("<p>x</p>").describe(&endpoint, Some("AUTH0_MGMT_TOKEN"));
        assert!(text.starts_with(
            "PATCH https://a.auth0.com/api/v2/tenants/settings\nAuthorization: Bearer [redacted: AUTH0_MGMT_TOKEN]\n"
        ));
        let secret = Secret::new("s3cret-value");
        assert!(format!("{secret:?}").contains("redacted"));
        let grant = Request::client_credentials(&endpoint, "cid", &secret);
        assert_eq!(
            grant.body.as_ref().unwrap()["audience"],
            "https://a.auth0.com/api/v2/"
        );
        assert!(!grant.authorized);
    }

    #[test]
    fn ticket_body() {
        let r = Request::enrollment_ticket("auth0|1", Some("a@b.c"), true, Some("fr"));
        assert_eq!(
            r.body.unwrap(),
            serde_json::json!({"user_id": "auth0|1", "email": "a@b.c", "send_mail": true, "email_locale": "fr"})
        );
        let r = Request::enrollment_ticket("auth0|1", None, false, None);
        assert_eq!(
            r.body.unwrap(),
            serde_json::json!({"user_id": "auth0|1", "send_mail": false})
        );
    }

    #[test]
    fn any_retry_after_is_clamped() {
        for (v, want) in [
            (f64::INFINITY, MAX_RETRY_WAIT),
            (1e300, MAX_RETRY_WAIT),
            (f64::NAN, Duration::ZERO),
            (-5.0, Duration::ZERO),
            (f64::NEG_INFINITY, Duration::ZERO),
            (1.5, Duration::from_millis(1500)),
        ] {
            assert_eq!(clamp_wait(v), want, "{v}");
        }
        let mut headers = ureq::http::HeaderMap::new();
        headers.insert("retry-after", "inf".parse().unwrap());
        assert_eq!(retry_wait(&headers), Some(MAX_RETRY_WAIT));
        headers.insert("retry-after", "99999999999999999999999".parse().unwrap());
        assert_eq!(retry_wait(&headers), Some(MAX_RETRY_WAIT));
    }

    #[test]
    fn redaction_comes_before_the_cut() {
        let endpoint = Endpoint::parse("a.auth0.com", false).unwrap().0;
        let mut client = Client::new(endpoint, Secret::new("tok-ABCDEFGHIJ"));
        client.also_redact(&Secret::new("client-secret-XYZ"));
        let body = format!("{}tok-ABCDEFGHIJ and client-secret-XYZ", "x".repeat(290));
        let shown = client.shown(&body, 300);
        assert!(!shown.contains("tok-ABCDEFGHI"), "{shown}");
        assert!(shown.contains("[redac"));
        assert!(!client.shown("client-secret-XYZ", 300).contains("XYZ"));
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            terminal_safe("a\u{1b}[2Jb\rc\u{7}\u{202E}d"),
            "a\\x1B[2Jb\\x0Dc\\x07\\u{202E}d"
        );
        assert_eq!(terminal_safe_lines("a\tb\n\u{1b}\n"), "a\tb\n\\x1B\n");
    }
}
