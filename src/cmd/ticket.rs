//! `mfa-page ticket`: create an enrollment ticket with
//! `POST /api/v2/guardian/enrollments/ticket` and print its URL.

use crate::api::{Client, Endpoint, RealSleeper, Request, Token};
use crate::cli::{CmdResult, TicketArgs};
use crate::diagnostic::Diagnostic;
use crate::output::write_stdout;

pub fn execute(args: TicketArgs) -> CmdResult {
    let endpoint =
        Endpoint::parse(&args.api.domain, args.api.insecure_http).map_err(|d| vec![d])?;
    let request = Request::enrollment_ticket(
        &args.user_id,
        args.email.as_deref(),
        args.send_mail,
        args.email_locale.as_deref(),
    );
    let token = Token::load(args.api.token_file.as_deref()).map_err(|d| vec![d])?;
    let client = Client::new(endpoint, token);
    let response = client
        .send(&request, &mut RealSleeper)
        .map_err(|d| vec![d])?;
    let field = |k: &str| response.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let Some(url) = field("ticket_url") else {
        return Err(vec![Diagnostic::error(format!(
            "the Management API answered without a ticket_url: {}",
            client.redact(&response.to_string())
        ))]);
    };
    let out = if args.json {
        let body = serde_json::json!({ "ticket_id": field("ticket_id"), "ticket_url": url });
        format!(
            "{}\n",
            serde_json::to_string_pretty(&body).expect("JSON serializes")
        )
    } else {
        format!("{url}\n")
    };
    write_stdout(out.as_bytes()).map_err(|d| vec![d])?;
    eprintln!("The ticket works once and expires after 5 days.");
    if args.send_mail {
        eprintln!("Auth0 also emailed the enrollment link to the user.");
    }
    Ok(())
}
