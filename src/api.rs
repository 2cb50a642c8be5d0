//! A small client for the two Auth0 Management API endpoints mfa-page uses:
//! `PATCH /api/v2/tenants/settings` (deploy the page) and
//! `POST /api/v2/guardian/enrollments/ticket` (create an enrollment ticket).
//!
//! The token comes from `AUTH0_MGMT_TOKEN` or a file, never from the command
//! line, and never appears in anything printed: every message passes through
//! [`Client::redact`].

use std::path::Path;
use std::time::Duration;

use serde_json::Value as Json;

use crate::diagnostic::Diagnostic;
use crate::source::{self, display_path};

/// Retries after a `429 Too Many Requests`, at most.
pub const MAX_RETRIES: u32 = 3;
/// Longest wait between retries, whatever the server asks for.
pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);

/// The Management API token, kept out of `Debug` output.
#[derive(Clone)]
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token([redacted])")
    }
}

impl Token {
    /// From `--token-file`, else `AUTH0_MGMT_TOKEN`.
    pub fn load(token_file: Option<&Path>) -> Result<Token, Diagnostic> {
        let raw = match token_file {
            Some(path) => source::read_text(path, "token file")?.text.to_string(),
            None => std::env::var("AUTH0_MGMT_TOKEN").unwrap_or_default(),
        };
        let token = raw.trim().to_owned();
        if token.is_empty() {
            let d = match token_file {
                Some(path) => {
                    Diagnostic::error("the token file is empty").in_file(display_path(path))
                }
                None => Diagnostic::error("no Management API token: AUTH0_MGMT_TOKEN is not set"),
            };
            return Err(d.with_help(
                "set AUTH0_MGMT_TOKEN (or pass --token-file FILE) to a Management API access token; \
                 get one from the dashboard's Applications > APIs > Auth0 Management API > API Explorer",
            ));
        }
        if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Diagnostic::error(
                "the Management API token contains spaces or line breaks; it should be one line",
            ));
        }
        Ok(Token(token))
    }
}

/// Where requests go: `https://TENANT.auth0.com`, or plain HTTP for a local test server.
#[derive(Debug, Clone)]
pub struct Endpoint {
    pub base: String,
}

impl Endpoint {
    /// `tenant.eu.auth0.com`, `https://tenant.eu.auth0.com/` or, with
    /// `insecure_http`, `127.0.0.1:8080`.
    pub fn parse(domain: &str, insecure_http: bool) -> Result<Endpoint, Diagnostic> {
        let trimmed = domain.trim().trim_end_matches('/');
        let (scheme, host) = if let Some(h) = trimmed.strip_prefix("https://") {
            ("https", h)
        } else if let Some(h) = trimmed.strip_prefix("http://") {
            ("http", h)
        } else {
            (if insecure_http { "http" } else { "https" }, trimmed)
        };
        if scheme == "http" && !insecure_http {
            return Err(Diagnostic::error(format!(
                "refusing to send the token over plain HTTP to {domain}"
            ))
            .with_help("use https://, or the tenant's domain alone (it.auth0.com)"));
        }
        let valid = !host.is_empty()
            && !host.contains('/')
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
        if !valid {
            return Err(Diagnostic::error(format!(
                "`{domain}` is not a tenant domain such as acme.eu.auth0.com"
            )));
        }
        Ok(Endpoint {
            base: format!("{scheme}://{host}"),
        })
    }
}

/// A request as it will be sent.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: &'static str,
    pub path: &'static str,
    pub body: Json,
}

impl Request {
    pub fn deploy_page(html: &str) -> Request {
        Request {
            method: "PATCH",
            path: "/api/v2/tenants/settings",
            body: serde_json::json!({ "guardian_mfa_page": { "enabled": true, "html": html } }),
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
            path: "/api/v2/guardian/enrollments/ticket",
            body: Json::Object(body),
        }
    }

    /// The scope the token needs for this request.
    pub fn scope(&self) -> &'static str {
        match self.path {
            "/api/v2/tenants/settings" => "update:tenant_settings",
            _ => "create:guardian_enrollment_tickets",
        }
    }

    /// The request as text, with the token redacted (for `--dry-run`).
    pub fn describe(&self, endpoint: &Endpoint, token: Option<&Token>) -> String {
        let auth = if token.is_some() {
            "Bearer [redacted]"
        } else {
            "Bearer [no token: set AUTH0_MGMT_TOKEN]"
        };
        format!(
            "{} {}{}\nAuthorization: {auth}\nContent-Type: application/json\n\n{}\n",
            self.method,
            endpoint.base,
            self.path,
            serde_json::to_string_pretty(&self.body).expect("JSON serializes")
        )
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

pub struct Client {
    endpoint: Endpoint,
    token: Token,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(endpoint: Endpoint, token: Token) -> Client {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .https_only(endpoint.base.starts_with("https://"))
            .timeout_global(Some(Duration::from_secs(60)))
            .max_redirects(0)
            .user_agent(concat!("mfa-page/", env!("CARGO_PKG_VERSION")))
            .build();
        Client {
            endpoint,
            token,
            agent: config.into(),
        }
    }

    /// `text` with the token replaced by `[redacted]`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.token.0, "[redacted]")
    }

    /// Send `request`, retrying a bounded number of times on 429; the
    /// parsed JSON response on success.
    pub fn send(&self, request: &Request, sleeper: &mut dyn Sleeper) -> Result<Json, Diagnostic> {
        let url = format!("{}{}", self.endpoint.base, request.path);
        let body = request.body.to_string();
        let mut attempt = 0;
        loop {
            let call = match request.method {
                "PATCH" => self.agent.patch(&url),
                _ => self.agent.post(&url),
            };
            let result = call
                .header("Authorization", &format!("Bearer {}", self.token.0))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .send(body.as_str());
            let mut response = match result {
                Ok(r) => r,
                Err(err) => {
                    return Err(Diagnostic::error(
                        self.redact(&format!("cannot reach {}: {err}", self.endpoint.base)),
                    )
                    .with_help("check --domain and your network connection"));
                }
            };
            let status = response.status().as_u16();
            let wait = retry_wait(response.headers());
            let text = response
                .body_mut()
                .with_config()
                .limit(10 * 1024 * 1024)
                .read_to_string()
                .unwrap_or_default();
            if (200..300).contains(&status) {
                if text.trim().is_empty() {
                    return Ok(Json::Null);
                }
                return serde_json::from_str(&text).map_err(|e| {
                    Diagnostic::error(format!(
                        "the Management API answered {status} with a body that is not JSON: {e}"
                    ))
                });
            }
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
            return Err(self.api_error(status, &text, request, attempt));
        }
    }

    fn api_error(&self, status: u16, text: &str, request: &Request, retries: u32) -> Diagnostic {
        let body: Json = serde_json::from_str(text).unwrap_or(Json::Null);
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
        let message = field("message").unwrap_or_else(|| {
            let snippet: String = text.chars().take(300).collect();
            if snippet.trim().is_empty() {
                "(no body)".into()
            } else {
                snippet
            }
        });
        let mut d = Diagnostic::error(self.redact(&format!(
            "{} {} failed: {} — {}",
            request.method,
            request.path,
            parts.join(", "),
            message
        )));
        let hint = match status {
            401 => Some("the token is invalid or expired: get a new Management API token and set AUTH0_MGMT_TOKEN".to_owned()),
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

/// How long a 429 asks us to wait: `Retry-After` (seconds), else
/// `X-RateLimit-Reset` (a Unix time).
fn retry_wait(headers: &ureq::http::HeaderMap) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(secs) = get("retry-after").and_then(|v| v.parse::<f64>().ok()) {
        return Some(Duration::from_secs_f64(secs.max(0.0)));
    }
    let reset = get("x-ratelimit-reset").and_then(|v| v.parse::<u64>().ok())?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_secs();
    Some(Duration::from_secs(reset.saturating_sub(now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        assert_eq!(
            Endpoint::parse("acme.eu.auth0.com", false).unwrap().base,
            "https://acme.eu.auth0.com"
        );
        assert_eq!(
            Endpoint::parse("https://acme.auth0.com/", false)
                .unwrap()
                .base,
            "https://acme.auth0.com"
        );
        assert!(Endpoint::parse("http://acme.auth0.com", false).is_err());
        assert_eq!(
            Endpoint::parse("127.0.0.1:9", true).unwrap().base,
            "http://127.0.0.1:9"
        );
        assert!(Endpoint::parse("acme.auth0.com/api", false).is_err());
        assert!(Endpoint::parse("", false).is_err());
    }

    #[test]
    fn dry_run_never_shows_the_token() {
        let token = Token("secret-token-value".into());
        let text = Request::deploy_page("<p>x</p>").describe(
            &Endpoint::parse("a.auth0.com", false).unwrap(),
            Some(&token),
        );
        assert!(!text.contains("secret-token-value"));
        assert!(text.starts_with(
            "PATCH https://a.auth0.com/api/v2/tenants/settings\nAuthorization: Bearer [redacted]\n"
        ));
        assert!(format!("{token:?}").contains("redacted"));
    }

    #[test]
    fn ticket_body() {
        let r = Request::enrollment_ticket("auth0|1", Some("a@b.c"), true, Some("fr"));
        assert_eq!(
            r.body,
            serde_json::json!({"user_id": "auth0|1", "email": "a@b.c", "send_mail": true, "email_locale": "fr"})
        );
        let r = Request::enrollment_ticket("auth0|1", None, false, None);
        assert_eq!(
            r.body,
            serde_json::json!({"user_id": "auth0|1", "send_mail": false})
        );
    }
}
