//! `mfa-page init [DIR]`: write the starter project, never over an existing file.

use crate::cli::{CmdResult, InitArgs};
use crate::diagnostic::Diagnostic;
use crate::output::write_creating_dirs;
use crate::source::display_path;
use crate::starter;
use crate::tenant;

/// The starter file `--from-tenant` replaces with the tenant's page.
const TEMPLATE: &str = "templates/mfa.liquid";

pub fn execute(args: InitArgs) -> CmdResult {
    let dir = &args.dir;
    if dir.exists() && !dir.is_dir() {
        return Err(vec![
            Diagnostic::error("is a file; give a folder to create the project in")
                .in_file(display_path(dir)),
        ]);
    }
    let existing: Vec<String> = starter::FILES
        .iter()
        .map(|(rel, _)| dir.join(rel))
        .filter(|p| p.exists() || p.is_symlink())
        .map(|p| display_path(&p))
        .collect();
    if !existing.is_empty() {
        let mut d = Diagnostic::error(format!(
            "not writing the starter project: {} of its files already exist",
            existing.len()
        ))
        .in_file(display_path(dir));
        for file in &existing {
            d = d.with_help(format!("exists: {file}"));
        }
        return Err(vec![d.with_help(
            "run `mfa-page init` in an empty folder, or move these files away",
        )]);
    }
    let api = &args.api;
    if !args.from_tenant
        && (api.domain.is_some() || api.token_file.is_some() || api.config.config.is_some())
    {
        return Err(vec![
            Diagnostic::error("--domain, --token-file and --config go with --from-tenant")
                .with_help("add --from-tenant to start from the tenant's page, or drop them"),
        ]);
    }
    // Read the tenant first: when it cannot be read, nothing is written.
    let pulled = if args.from_tenant {
        let config = tenant::load_config(&args.api)?;
        let client = tenant::open(&args.api, &config).map_err(|e| vec![e.diagnostic])?;
        let page = tenant::read_page(&client).map_err(|e| vec![e.diagnostic])?;
        let html = crate::cmd::pull::page_html(&page, &client.endpoint().host)?;
        Some((html, client.endpoint().host.clone(), page.enabled))
    } else {
        None
    };
    for (rel, text) in starter::FILES {
        let path = dir.join(rel);
        let text = match &pulled {
            Some((html, _, _)) if *rel == TEMPLATE => html.as_str(),
            _ => text,
        };
        write_creating_dirs(&path, text.as_bytes())?;
        eprintln!("  created {}", display_path(&path));
    }
    if let Some((_, host, enabled)) = &pulled {
        eprintln!(
            "\n{TEMPLATE} is the MFA page {host} serves now{}; the scenarios are the starter's: adapt them to the variables it uses",
            if *enabled {
                ""
            } else {
                " (disabled on the tenant)"
            }
        );
    }
    let shown = display_path(dir);
    let cd = if shown == "." {
        String::new()
    } else {
        format!("cd {shown} && ")
    };
    let me = invocation();
    eprintln!(
        "\nStarter project ready. Preview every scenario with:\n  {cd}{me} serve\nor render one with `{me} render login`."
    );
    Ok(())
}

/// How to run this mfa-page again: `npx mfa-page` under the npm launcher
/// (which says so in `MFA_PAGE_COMMAND`), `mfa-page` when that name on PATH is
/// this program, else the path it was started by (`target/debug/mfa-page`).
fn invocation() -> String {
    if let Some(command) = std::env::var_os("MFA_PAGE_COMMAND").filter(|c| !c.is_empty()) {
        return command.to_string_lossy().into_owned();
    }
    let me = std::env::current_exe().and_then(|p| p.canonicalize()).ok();
    let name = if cfg!(windows) {
        "mfa-page.exe"
    } else {
        "mfa-page"
    };
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    match (on_path.and_then(|p| p.canonicalize().ok()), &me) {
        (Some(found), Some(me)) if &found == me => "mfa-page".to_owned(),
        _ => std::env::args_os()
            .next()
            .map(|a| a.to_string_lossy().into_owned())
            .filter(|a| a.contains(std::path::MAIN_SEPARATOR))
            .unwrap_or_else(|| "mfa-page".to_owned()),
    }
}
