//! `mfa-page ticket`: create an enrollment ticket with
//! `POST /api/v2/guardian/enrollments/ticket` and print its URL.

use serde_json::Value as Json;

use crate::api::{RealSleeper, Request, terminal_safe};
use crate::cli::{CmdResult, TicketArgs};
use crate::diagnostic::{self, Diagnostic};
use crate::output::write_stdout;
use crate::tenant;

pub fn execute(args: TicketArgs) -> CmdResult {
    let config = tenant::load_config(&args.api)?;
    let endpoint = tenant::endpoint(&args.api, &config)?;
    let request = Request::enrollment_ticket(
        &args.user_id,
        args.email.as_deref(),
        args.send_mail,
        args.email_locale.as_deref(),
    );
    if args.dry_run {
        return tenant::dry_run(&request, &endpoint, &args.api, &config).map_err(Into::into);
    }
    let credentials = tenant::credentials(&args.api, &config)?;
    let client = tenant::connect(&endpoint, credentials, &mut RealSleeper)
        .map_err(|e| vec![e.diagnostic])?;
    let response = client
        .send(&request, &mut RealSleeper)
        .map_err(|e| vec![e.diagnostic])?;
    let field = |k: &str| response.get(k).and_then(Json::as_str).map(str::to_owned);
    let Some(raw_url) = field("ticket_url") else {
        return Err(vec![Diagnostic::error(format!(
            "the Management API answered without a ticket_url: {}",
            client.shown(&response.to_string(), 300)
        ))]);
    };
    let url = safe_url(&raw_url);
    if url != raw_url {
        diagnostic::emit(&[Diagnostic::warning(
            "the ticket URL from the Management API contained control characters or spaces; they are shown percent-encoded",
        )
        .with_help("such a URL is unusual: check that --domain is the tenant's Auth0 domain")]);
    }
    let out = if args.json {
        let ticket_id = field("ticket_id").map(|t| terminal_safe(&t));
        let body = serde_json::json!({ "ticket_id": ticket_id, "ticket_url": url });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&body).expect("JSON serializes")
        )
    } else {
        format!("{url}\n")
    };
    write_stdout(out.as_bytes())?;
    eprintln!("The ticket works once and expires after 5 days.");
    if args.send_mail {
        eprintln!("Auth0 also emailed the enrollment link to the user.");
    }
    Ok(())
}

/// A URL from a server, fit for a terminal: control characters, spaces and
/// bidirectional overrides percent-encoded (the URL still works; nothing in
/// it can move the cursor or disguise the link).
fn safe_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    for c in url.chars() {
        let bidi = matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if c.is_control() || c.is_whitespace() || bidi {
            let mut buf = [0; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn urls_lose_their_control_characters() {
        assert_eq!(
            super::safe_url("https://x/enroll?ticket=a\u{1b}]8;;\r\u{202E}b c"),
            "https://x/enroll?ticket=a%1B]8;;%0D%E2%80%AEb%20c"
        );
    }
}
