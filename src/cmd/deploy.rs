//! `mfa-page deploy`: send the exported template to a tenant with
//! `PATCH /api/v2/tenants/settings`.

use crate::api::{Client, Endpoint, RealSleeper, Request, Token};
use crate::cli::{CmdResult, DeployArgs};
use crate::cmd::render::engine_config;
use crate::diagnostic::{self, Diagnostic};
use crate::engine::Engine;
use crate::export;
use crate::output::write_stdout;

pub fn execute(args: DeployArgs) -> CmdResult {
    let endpoint =
        Endpoint::parse(&args.api.domain, args.api.insecure_http).map_err(|d| vec![d])?;
    let engine = Engine::load(&engine_config(&args.project)).map_err(|d| vec![d])?;
    // The same bytes `export` writes, proven equivalent on every scenario.
    let exported = export::export(&engine, &args.project.contexts)?;
    preflight(&engine, &args, exported.scenarios.len())?;

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

/// Refuse a template whose checks fail, unless `--force`.
fn preflight(engine: &Engine, args: &DeployArgs, scenarios: usize) -> CmdResult {
    let failures = checks(engine, &args.project);
    if failures.is_empty() {
        return Ok(());
    }
    if args.force {
        diagnostic::emit(&failures);
        eprintln!(
            "--force: deploying although {} check(s) failed",
            failures.len()
        );
        return Ok(());
    }
    let mut all = failures;
    all.push(
        Diagnostic::error(format!(
            "not deploying: the template fails its checks ({scenarios} scenarios rendered)"
        ))
        .with_help("fix the problems above (see `mfa-page check`), or deploy anyway with --force"),
    );
    Err(all)
}

/// The checks a deployed template must pass: every scenario renders.
fn checks(engine: &Engine, project: &crate::cli::ProjectArgs) -> Vec<Diagnostic> {
    let list = match crate::scenario::list(&project.contexts) {
        Ok(list) => list,
        Err(d) => return vec![d],
    };
    let mut failures = Vec::new();
    for (_, path) in list {
        let result = crate::scenario::load(&path.to_string_lossy(), &project.contexts)
            .and_then(|s| engine.render_scenario(&s).map(|_| ()));
        if let Err(d) = result {
            failures.push(d);
        }
    }
    failures
}
