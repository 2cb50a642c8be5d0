//! `mfa-page init [DIR]`: write the starter project, never over an existing file.

use crate::cli::{CmdResult, InitArgs};
use crate::diagnostic::Diagnostic;
use crate::output::write_creating_dirs;
use crate::source::display_path;
use crate::starter;

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
    for (rel, text) in starter::FILES {
        let path = dir.join(rel);
        write_creating_dirs(&path, text.as_bytes()).map_err(|d| vec![d])?;
        eprintln!("  created {}", display_path(&path));
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
