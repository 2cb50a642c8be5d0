//! `mfa-page deploy`: send the exported template to a tenant with
//! `PATCH /api/v2/tenants/settings`.

use crate::api::{Client, Endpoint, RealSleeper, Request, Token};
use crate::check::{self, report::FailOn};
use crate::cli::{CmdResult, DeployArgs};
use crate::cmd::render::engine_config;
use crate::diagnostic::{Diagnostic, stderr_wants_color};
use crate::engine::Engine;
use crate::export;
use crate::output::write_stdout;

pub fn execute(args: DeployArgs) -> CmdResult {
    let endpoint =
        Endpoint::parse(&args.api.domain, args.api.insecure_http).map_err(|d| vec![d])?;
    let engine = Engine::load(&engine_config(&args.project)).map_err(|d| vec![d])?;
    // The same bytes `export` writes, proven equivalent on every scenario.
    let exported = export::export(&engine, &args.project.contexts)?;
    preflight(&args)?;

    let request = Request::deploy_page(&exported.template);
    if args.dry_run {
        let token = Token::load(args.api.token_file.as_deref()).ok();
        write_stdout(request.describe(&endpoint, token.as_ref()).as_bytes())
            .map_err(|d| vec![d])?;
        eprintln!("dry run: nothing was sent");
        return Ok(());
    }
    let token = Token::load(args.api.token_file.as_deref()).map_err(|d| vec![d])?;
    let client = Client::new(endpoint.clone(), token);
    client
        .send(&request, &mut RealSleeper)
        .map_err(|d| vec![d])?;
    eprintln!(
        "deployed the MFA page to {} ({:.1} KB, {} scenarios proven)",
        endpoint.base,
        exported.template.len() as f64 / 1024.0,
        exported.scenarios.len()
    );
    eprintln!(
        "see it live: mfa-page ticket --domain {} --user-id 'auth0|…' and open the ticket URL",
        args.api.domain
    );
    Ok(())
}

/// Refuse a template whose checks fail, unless `--force`: the checks of
/// `mfa-page check` (both flows, valid HTML and JavaScript, hostile values,
/// variables), but not the snapshots, which record accepted pages rather
/// than whether the page works.
fn preflight(args: &DeployArgs) -> CmdResult {
    let options = check::Options {
        template: args.project.template.clone(),
        partials: args.project.partials.clone(),
        contexts: args.project.contexts.clone(),
        snapshots: None,
        update: false,
        ci: true,
        require_full_coverage: false,
        accept: "mfa-page check --update".into(),
        visual: None,
    };
    let report = check::run(&options);
    if !report.failed(FailOn::Error) {
        return Ok(());
    }
    eprint!("{}", report.human(stderr_wants_color(), FailOn::Error));
    if args.force {
        eprintln!("--force: deploying although the checks failed");
        return Ok(());
    }
    Err(vec![
        Diagnostic::error("not deploying: the template fails its checks (see above)")
            .with_help("fix them (run `mfa-page check`), or deploy anyway with --force"),
    ])
}
