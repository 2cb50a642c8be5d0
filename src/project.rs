//! Finding the project from any of its subfolders: the nearest folder, from
//! the current one upward, that holds `templates/` or `contexts/`. Only the
//! default paths (`templates/mfa.liquid`, `contexts`, `tests/snapshots`) are
//! taken from there; paths given on the command line stay relative to the
//! current folder, as a shell user expects.

use std::path::{Path, PathBuf};

use clap::ArgMatches;
use clap::parser::ValueSource;

use crate::cli::{Cli, Command, ProjectArgs};
use crate::diagnostic::Diagnostic;

/// The folders whose presence marks a project's root.
pub const MARKERS: [&str; 2] = ["templates", "contexts"];

/// How many levels above `start` the project's root is (0: `start` itself),
/// or `None` when neither `start` nor a folder above it holds a marker.
pub fn find_root(start: &Path) -> Option<usize> {
    start
        .ancestors()
        .position(|dir| MARKERS.iter().any(|m| dir.join(m).is_dir()))
}

/// The root as a path relative to the current folder: `.`, `..`, `../..`, …
pub fn relative_root(levels: usize) -> PathBuf {
    if levels == 0 {
        PathBuf::from(".")
    } else {
        std::iter::repeat_n("..", levels).collect()
    }
}

/// Point the default project paths of the command in `cli` at the project's
/// root, found from the current folder; `matches` tells defaults from paths
/// given on the command line. Commands without a project are left alone.
pub fn locate(cli: &mut Cli, matches: &ArgMatches) -> Result<(), Diagnostic> {
    let Some((_, sub)) = matches.subcommand() else {
        return Ok(());
    };
    let (project, snapshots): (&mut ProjectArgs, Option<&mut PathBuf>) = match &mut cli.command {
        Command::Render(a) => (&mut a.project, None),
        Command::Check(a) => (&mut a.project, Some(&mut a.snapshots)),
        Command::Serve(a) => (&mut a.project, None),
        Command::Export(a) => (&mut a.project, None),
        Command::Deploy(a) => (&mut a.project, None),
        Command::Pull(a) => (&mut a.project, None),
        Command::Diff(a) => (&mut a.project, None),
        Command::Init(_) | Command::Ticket(_) => return Ok(()),
    };
    let defaulted = |id: &str| {
        matches!(
            sub.try_get_raw(id),
            Ok(Some(_)) if sub.value_source(id) == Some(ValueSource::DefaultValue)
        )
    };
    let mut paths: Vec<&mut PathBuf> = Vec::new();
    if defaulted("template") {
        paths.push(&mut project.template);
    }
    if defaulted("contexts") {
        paths.push(&mut project.contexts);
    }
    if let Some(s) = snapshots
        && defaulted("snapshots")
    {
        paths.push(s);
    }
    if paths.is_empty() {
        return Ok(());
    }
    let cwd = std::env::current_dir()
        .map_err(|e| Diagnostic::error(format!("cannot read the current folder: {e}")))?;
    match find_root(&cwd) {
        Some(0) => Ok(()),
        Some(levels) => {
            let root = relative_root(levels);
            for path in paths {
                *path = root.join(&*path);
            }
            Ok(())
        }
        None if defaulted("template") => Err(not_found(&cwd)),
        None => Ok(()),
    }
}

/// The path a default (`templates/mfa.liquid`) stands for when run from the
/// current folder: under the project's root as [`locate`] finds it. Commands
/// that print a command to run again compare with it, to leave out flags
/// that only repeat a default.
pub fn default_path(default: &str) -> PathBuf {
    match std::env::current_dir().ok().and_then(|cwd| find_root(&cwd)) {
        Some(levels) if levels > 0 => relative_root(levels).join(default),
        _ => PathBuf::from(default),
    }
}

fn not_found(cwd: &Path) -> Diagnostic {
    Diagnostic::error(format!(
        "no mfa-page project here: neither {} nor a folder above it holds templates/ or contexts/",
        cwd.display()
    ))
    .with_help(
        "run `mfa-page init` to create one here, or name the files with --template and --contexts",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_nearest_folder_with_a_marker() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("p/templates/partials")).unwrap();
        std::fs::create_dir_all(root.join("p/contexts")).unwrap();
        std::fs::create_dir_all(root.join("p/docs/a/b")).unwrap();
        assert_eq!(find_root(&root.join("p")), Some(0));
        assert_eq!(find_root(&root.join("p/templates")), Some(1));
        // `templates/partials` has no marker of its own: its project is two up.
        assert_eq!(find_root(&root.join("p/templates/partials")), Some(2));
        assert_eq!(find_root(&root.join("p/docs/a/b")), Some(3));
        assert_eq!(relative_root(0), PathBuf::from("."));
        assert_eq!(relative_root(2), PathBuf::from("../.."));
    }
}
