//! `mfa-page pull`: the tenant's MFA page into the template (or `-o FILE`),
//! byte for byte; a file that differs is replaced only with `--force`.

use crate::api::terminal_safe;
use crate::cli::{CmdResult, PullArgs};
use crate::cmd::diff::page_diff_labelled;
use crate::diagnostic::{self, Diagnostic};
use crate::output::write_creating_dirs;
use crate::source::display_path;
use crate::tenant::{self, TenantPage};

pub fn execute(args: PullArgs) -> CmdResult {
    let config = tenant::load_config(&args.api)?;
    let client = tenant::open(&args.api, &config).map_err(|e| vec![e.diagnostic])?;
    let page = tenant::read_page(&client).map_err(|e| vec![e.diagnostic])?;
    let html = page_html(&page, &client.endpoint().host)?;
    let target = args.output.as_ref().unwrap_or(&args.project.template);
    let shown = display_path(target);
    if target.is_dir() {
        return Err(vec![
            Diagnostic::error("is a directory; give a file path to write to").in_file(shown),
        ]);
    }
    if let Ok(existing) = std::fs::read(target) {
        if existing == html.as_bytes() {
            eprintln!("{shown} is already the tenant's MFA page; nothing to do");
            report_enabled(&page);
            return Ok(());
        }
        if !args.force {
            let local = TenantPage {
                enabled: true,
                html: Some(String::from_utf8_lossy(&existing).into_owned()),
            };
            // Shown as file → tenant: what --force would change in the file.
            let host = terminal_safe(&client.endpoint().host);
            let tenant = format!("tenant: {host} guardian_mfa_page.html");
            if let Some(diff) = page_diff_labelled(&local, &html, &host, (&shown, &tenant)) {
                eprint!("{}", diff.text);
            }
            return Err(vec![
                Diagnostic::error("not overwriting the file: it differs from the tenant's MFA page (diff above)")
                    .in_file(shown)
                    .with_help("pass --force to replace it with the tenant's page, or -o FILE to write it elsewhere"),
            ]);
        }
    }
    write_creating_dirs(target, html.as_bytes())?;
    eprintln!(
        "pulled the MFA page of {} into {shown} ({} bytes)",
        client.endpoint().host,
        html.len()
    );
    report_enabled(&page);
    Ok(())
}

/// The tenant's template, or an error when it has none.
pub fn page_html(page: &TenantPage, host: &str) -> Result<String, Vec<Diagnostic>> {
    match &page.html {
        Some(html) if !html.is_empty() => Ok(html.clone()),
        _ => Err(vec![
            Diagnostic::error(format!("{host} has no custom MFA page to pull")).with_help(
                "start from the starter template instead (`mfa-page init`), then `mfa-page deploy`",
            ),
        ]),
    }
}

fn report_enabled(page: &TenantPage) {
    if page.enabled {
        eprintln!("the custom MFA page is enabled on the tenant");
    } else {
        diagnostic::emit(&[Diagnostic::warning(
            "the custom MFA page is disabled on the tenant: Auth0 shows its default page, not this one",
        )
        .with_help("`mfa-page deploy` enables it")]);
    }
}
