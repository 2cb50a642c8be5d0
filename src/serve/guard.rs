//! What the server refuses before any route sees a request (see SECURITY.md):
//!
//! - a request with a body (413): the preview only reads, so no route takes
//!   one, and none is read;
//! - a request target longer than [`MAX_TARGET_BYTES`] (414); hyper itself
//!   closes connections whose request head outgrows its buffer (about 400 KB)
//!   or that send more than 100 headers;
//! - a `Host` (or an absolute-form target) that names neither this machine's
//!   loopback nor an IP address nor the `--host` given (403): a web page on
//!   another site cannot reach the preview by pointing its own domain name at
//!   127.0.0.1 (DNS rebinding) and read the template's folder through the
//!   visitor's browser.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// The longest path and query accepted.
pub const MAX_TARGET_BYTES: usize = 8 * 1024;

/// The host names a request may use, besides IP addresses and `localhost`.
#[derive(Debug, Clone)]
pub struct Guard {
    names: Arc<Vec<String>>,
}

impl Guard {
    /// Accept the `--host` the server listens on as a name, too.
    pub fn new(host: &str) -> Guard {
        let host = bare(host).to_ascii_lowercase();
        Guard {
            names: Arc::new(vec![host]),
        }
    }

    /// Why `request` is refused, if it is.
    pub fn refusal(&self, request: &Request) -> Option<(StatusCode, String)> {
        let headers = request.headers();
        let has_body = headers
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
            || headers.contains_key(header::TRANSFER_ENCODING);
        if has_body {
            return Some((
                StatusCode::PAYLOAD_TOO_LARGE,
                "requests with a body are refused: the preview only answers GET and HEAD".into(),
            ));
        }
        let target = request
            .uri()
            .path_and_query()
            .map_or(0, |p| p.as_str().len());
        if target > MAX_TARGET_BYTES {
            return Some((
                StatusCode::URI_TOO_LONG,
                format!(
                    "the request's path and query are {target} bytes; at most {MAX_TARGET_BYTES} are accepted"
                ),
            ));
        }
        let host_header = headers
            .get(header::HOST)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let authority = request.uri().authority().map(|a| a.as_str().to_owned());
        for host in host_header.iter().chain(authority.iter()) {
            if !self.allows(host) {
                return Some((
                    StatusCode::FORBIDDEN,
                    format!(
                        "refused: the host `{host}` is not this preview's; open it through \
                         127.0.0.1, localhost or an IP address of this machine"
                    ),
                ));
            }
        }
        None
    }

    /// `host` (with or without a port) is an IP address, `localhost`, a
    /// `*.localhost` name, or the name given with `--host`.
    pub fn allows(&self, host: &str) -> bool {
        let name = strip_port(host.trim()).to_ascii_lowercase();
        let name = name.trim_end_matches('.');
        bare(name).parse::<IpAddr>().is_ok()
            || name == "localhost"
            || name.ends_with(".localhost")
            || self.names.iter().any(|n| n == name)
    }
}

/// Refuse what [`Guard::refusal`] refuses; pass the rest on.
pub async fn check(State(guard): State<Guard>, request: Request, next: Next) -> Response {
    match guard.refusal(&request) {
        Some((status, message)) => (
            status,
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
                (header::CONNECTION, "close"),
            ],
            format!("{message}\n"),
        )
            .into_response(),
        None => next.run(request).await,
    }
}

/// `[::1]` → `::1`.
fn bare(host: &str) -> &str {
    host.trim_start_matches('[').trim_end_matches(']')
}

/// `name:port` → `name`; `[::1]:80` → `[::1]`; `::1` stays.
fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.find(']').map_or(host, |end| &host[..=end]);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => {
            name
        }
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(uri: &str, headers: &[(&str, &str)]) -> Request {
        let mut builder = axum::http::Request::get(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn loopback_ip_addresses_and_the_given_host_are_allowed() {
        let guard = Guard::new("preview.example");
        for host in [
            "127.0.0.1:4000",
            "127.0.0.1",
            "localhost:4000",
            "LOCALHOST",
            "app.localhost:4000",
            "[::1]:4000",
            "[::1]",
            "192.168.1.20:4000",
            "preview.example:4000",
            "preview.example.",
        ] {
            assert!(guard.allows(host), "{host}");
        }
        for host in [
            "attacker.example:4000",
            "attacker.example",
            "localhost.attacker.example",
            "127.0.0.1.nip.io",
            "",
        ] {
            assert!(!guard.allows(host), "{host}");
        }
    }

    #[test]
    fn bodies_long_targets_and_foreign_hosts_are_refused() {
        let guard = Guard::new("127.0.0.1");
        let status = |r: &Request| guard.refusal(r).map(|(s, _)| s);
        assert_eq!(status(&request("/", &[("host", "127.0.0.1:4000")])), None);
        assert_eq!(status(&request("/", &[])), None);
        assert_eq!(status(&request("/", &[("content-length", "0")])), None);
        assert_eq!(
            status(&request("/", &[("content-length", "5")])),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
        assert_eq!(
            status(&request("/", &[("transfer-encoding", "chunked")])),
            Some(StatusCode::PAYLOAD_TOO_LARGE)
        );
        let long = format!("/{}", "a".repeat(MAX_TARGET_BYTES));
        assert_eq!(status(&request(&long, &[])), Some(StatusCode::URI_TOO_LONG));
        assert_eq!(
            status(&request("/", &[("host", "attacker.example")])),
            Some(StatusCode::FORBIDDEN)
        );
        assert_eq!(
            status(&request(
                "http://attacker.example/",
                &[("host", "127.0.0.1")]
            )),
            Some(StatusCode::FORBIDDEN)
        );
    }
}
