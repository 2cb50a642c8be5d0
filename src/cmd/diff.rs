//! `mfa-page diff`: what `deploy` would send against what the tenant serves.
//! Exit 0 when identical, 1 when they differ, 2 on usage errors (or a project
//! that cannot be exported), 3 when the tenant could not be read — so CI can
//! tell drift from an outage.

use std::process::ExitCode;

use clap::ValueEnum;
use similar::TextDiff;

use crate::api::{Endpoint, terminal_safe, terminal_safe_lines};
use crate::cli::DiffArgs;
use crate::cmd::deploy;
use crate::diagnostic::{self, Diagnostic};
use crate::output::write_stdout;
use crate::source::display_path;
use crate::tenant::{self, TenantPage};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// A unified diff (tenant first, then what deploy would send)
    Unified,
    /// GitHub Actions annotations, then the unified diff in a folded group
    Github,
}

pub const SAME: u8 = 0;
pub const DIFFERS: u8 = 1;
pub const USAGE: u8 = 2;
pub const UNREADABLE: u8 = 3;

pub fn execute(args: DiffArgs) -> ExitCode {
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err((code, diagnostics)) => {
            diagnostic::emit(&diagnostics);
            ExitCode::from(code)
        }
    }
}

fn run(args: &DiffArgs) -> Result<u8, (u8, Vec<Diagnostic>)> {
    let usage = |d: Diagnostic| (USAGE, vec![d]);
    let config = tenant::load_config(&args.api).map_err(usage)?;
    diagnostic::emit(config.shadow_warning().as_slice());
    let endpoint = tenant::endpoint(&args.api, &config).map_err(usage)?;
    let credentials = tenant::credentials(&args.api, &config).map_err(usage)?;
    let (html, _) = deploy::page_to_send(&args.project, &config).map_err(|ds| (USAGE, ds))?;
    let client = tenant::connect(&endpoint, credentials, &mut crate::api::RealSleeper)
        .map_err(|e| (UNREADABLE, vec![e.diagnostic]))?;
    let page = tenant::read_page(&client).map_err(|e| (UNREADABLE, vec![e.diagnostic]))?;
    let local = local_label(&args.project.template);
    let Some(diff) = page_diff(&page, &html, &endpoint, &local) else {
        eprintln!(
            "{} serves the MFA page deploy would send ({} bytes, enabled)",
            endpoint.host,
            html.len()
        );
        return Ok(SAME);
    };
    let out = match args.format {
        DiffFormat::Unified => diff.text.clone(),
        DiffFormat::Github => format!(
            "::error title=MFA page drift::{}\n::group::diff\n{}::endgroup::\n",
            github_escape(&diff.summary),
            diff.text
        ),
    };
    write_stdout(out.as_bytes()).map_err(|d| (USAGE, vec![d]))?;
    eprintln!("{}", diff.summary);
    Ok(DIFFERS)
}

/// How the local side is named in a diff.
pub fn local_label(template: &std::path::Path) -> String {
    format!("deploy: {} (exported)", display_path(template))
}

/// A difference between the tenant's page and the page to send.
#[derive(Debug, Clone)]
pub struct PageDiff {
    /// A unified diff, control characters escaped (empty when only `enabled` differs).
    pub text: String,
    /// One line saying what differs.
    pub summary: String,
}

/// `None` when the tenant already serves `html`, enabled.
pub fn page_diff(
    page: &TenantPage,
    html: &str,
    endpoint: &Endpoint,
    local: &str,
) -> Option<PageDiff> {
    let host = terminal_safe(&endpoint.host);
    let tenant = format!("tenant: {host} guardian_mfa_page.html");
    page_diff_labelled(page, html, &host, (&tenant, local))
}

/// [`page_diff`] with the two sides named: `(page's side, html's side)`.
pub fn page_diff_labelled(
    page: &TenantPage,
    html: &str,
    host: &str,
    labels: (&str, &str),
) -> Option<PageDiff> {
    let tenant_html = page.html.as_deref().unwrap_or("");
    if page.enabled && page.html.as_deref() == Some(html) {
        return None;
    }
    let mut notes = Vec::new();
    if page.html.is_none() {
        notes.push("has no custom MFA page".to_owned());
    } else if tenant_html != html {
        let diff = TextDiff::from_lines(tenant_html, html);
        let (mut added, mut removed) = (0, 0);
        for change in diff.iter_all_changes() {
            match change.tag() {
                similar::ChangeTag::Insert => added += 1,
                similar::ChangeTag::Delete => removed += 1,
                similar::ChangeTag::Equal => {}
            }
        }
        notes.push(format!(
            "serves a different MFA page (+{added} -{removed} lines)"
        ));
    }
    if !page.enabled {
        notes.push("has the custom MFA page disabled (deploy enables it)".to_owned());
    }
    let text = if tenant_html == html {
        String::new()
    } else {
        let raw = TextDiff::from_lines(tenant_html, html)
            .unified_diff()
            .context_radius(3)
            .header(labels.0, labels.1)
            .to_string();
        terminal_safe_lines(&raw)
    };
    Some(PageDiff {
        text,
        summary: format!("{host} {}", notes.join(", and ")),
    })
}

/// Text for a GitHub workflow command's message.
fn github_escape(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_escaped_and_summarised() {
        let endpoint = Endpoint::parse("a.auth0.com", false).unwrap().0;
        let page = TenantPage {
            enabled: true,
            html: Some("<p>one</p>\n<p>\u{1b}[2Jtwo</p>\r\n".into()),
        };
        assert!(
            page_diff(
                &page,
                "<p>one</p>\n<p>\u{1b}[2Jtwo</p>\r\n",
                &endpoint,
                "local"
            )
            .is_none()
        );
        let diff = page_diff(&page, "<p>one</p>\n<p>three</p>\n", &endpoint, "local").unwrap();
        assert!(
            diff.text
                .contains("-<p>\\x1B[2Jtwo</p>\\x0D\n+<p>three</p>\n"),
            "{}",
            diff.text
        );
        assert!(!diff.text.contains('\u{1b}'));
        assert_eq!(
            diff.summary,
            "a.auth0.com serves a different MFA page (+1 -1 lines)"
        );
        let off = TenantPage {
            enabled: false,
            ..page.clone()
        };
        let diff = page_diff(&off, page.html.as_deref().unwrap(), &endpoint, "local").unwrap();
        assert!(diff.text.is_empty());
        assert!(diff.summary.contains("disabled"));
    }
}
