//! `mfa-page deploy`: send the exported template, with the deploy-cli
//! config's keyword values filled in, to a tenant with
//! `PATCH /api/v2/tenants/settings` — after showing how it differs from what
//! the tenant serves, and not at all when it is the same.

use serde_json::Value as Json;

use crate::api::{RealSleeper, Request, terminal_safe};
use crate::cli::{CmdResult, DeployArgs, ProjectArgs};
use crate::cmd::diff::{local_label, page_diff};
use crate::cmd::render::engine_config;
use crate::config::Config;
use crate::diagnostic::{self, Diagnostic};
use crate::engine::Engine;
use crate::export::{self, Exported};
use crate::tenant;

pub fn execute(args: DeployArgs) -> CmdResult {
    let config = tenant::load_config(&args.api)?;
    diagnostic::emit(config.shadow_warning().as_slice());
    let endpoint = tenant::endpoint(&args.api, &config)?;
    let (html, exported) = page_to_send(&args.project, &config)?;
    crate::cmd::check::gate(&args.project, &config.mappings, args.force, "deploying")?;

    let request = Request::deploy_page(&html);
    if args.dry_run {
        return tenant::dry_run(&request, &endpoint, &args.api, &config).map_err(Into::into);
    }
    let credentials = tenant::credentials(&args.api, &config)?;
    let client = tenant::connect(&endpoint, credentials, &mut RealSleeper)
        .map_err(|e| vec![e.diagnostic])?;

    match tenant::read_page(&client) {
        Ok(page) => match page_diff(
            &page,
            &html,
            &endpoint,
            &local_label(&args.project.template),
        ) {
            None => {
                eprintln!(
                    "{} already serves this MFA page; nothing was sent",
                    endpoint.host
                );
                return Ok(());
            }
            Some(diff) => {
                eprint!("{}", diff.text);
                eprintln!("{}; deploying", diff.summary);
            }
        },
        Err(e) if e.status == Some(403) => {
            eprintln!(
                "note: the token may not read tenant settings (it lacks read:tenant_settings), so there is no diff; deploying without it"
            );
        }
        Err(e) => return Err(vec![e.diagnostic]),
    }

    let answer = client
        .send(&request, &mut RealSleeper)
        .map_err(|e| vec![e.diagnostic])?;
    if !matches!(answer, Json::Object(_)) {
        return Err(vec![Diagnostic::error(format!(
            "PATCH /api/v2/tenants/settings answered with {}, not the tenant settings; the page may not be deployed",
            client.shown(&answer.to_string(), 100)
        ))
        .with_help("run `mfa-page diff` to see what the tenant serves now")]);
    }
    eprintln!(
        "deployed the MFA page to {} ({:.1} KB, {} scenarios proven)",
        endpoint.host,
        html.len() as f64 / 1024.0,
        exported.scenarios.len()
    );
    eprintln!(
        "see it live: mfa-page ticket --domain {} --user-id 'auth0|…' and open the ticket URL",
        terminal_safe(&endpoint.host)
    );
    Ok(())
}

/// The page `deploy` sends: the export, proven on every scenario, with the
/// config's keyword values filled in exactly as deploy-cli fills them.
pub fn page_to_send(
    project: &ProjectArgs,
    config: &Config,
) -> Result<(String, Exported), Vec<Diagnostic>> {
    let engine = Engine::load(&engine_config(project))?;
    let exported = export::export_with(
        &engine,
        &project.contexts,
        export::Keywords {
            mappings: &config.mappings,
            fill: true,
            from: &config.mappings_from,
        },
    )?;
    Ok((exported.template.clone(), exported))
}
