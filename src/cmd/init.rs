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
    eprintln!(
        "\nStarter project ready. Render the login scenario with:\n  {cd}mfa-page render --context login"
    );
    Ok(())
}
