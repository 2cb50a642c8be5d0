//! Finding the project from any of its subfolders: the nearest folder, from
//! the current one upward, that holds `templates/` or `contexts/`. Only the
//! default paths (`templates/mfa.liquid`, `contexts`, `tests/snapshots`) are
//! taken from there; paths given on the command line stay relative to the
//! current folder, as a shell user expects.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, EngineConfig};
use crate::scenario::{self, Scenario};

/// A project: the template and its partials, the scenarios' folder and the
/// deploy-cli keyword values from `--config`. What every command loads.
#[derive(Debug, Clone)]
pub struct Project {
    pub engine: EngineConfig,
    pub contexts: PathBuf,
    /// deploy-cli keyword values from `--config`.
    pub keywords: Map<String, Json>,
}

impl Project {
    /// The template and its partials, parsed.
    pub fn load_engine(&self) -> Result<Engine, Diagnostic> {
        Engine::load(&self.engine)
    }

    /// The scenarios' files, by name (`_bases` left out).
    pub fn scenario_files(&self) -> Result<Vec<(String, PathBuf)>, Diagnostic> {
        scenario::list(&self.contexts)
    }

    /// A scenario (a name, a file or `-`), its bases merged, with the
    /// config's keyword values; the scenario's own win when `scenario_wins`
    /// (render, serve), the config's otherwise (check and export gate what
    /// a tenant's config deploys).
    pub fn load_scenario(&self, spec: &str, scenario_wins: bool) -> Result<Scenario, Diagnostic> {
        let mut s = scenario::load(spec, &self.contexts)?;
        s.merge_config_keywords(&self.keywords, scenario_wins);
        Ok(s)
    }
}

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

/// The path a default (`templates/mfa.liquid`) stands for when run from the
/// current folder: under the project's root as [`crate::cli`] finds it. Commands
/// that print a command to run again compare with it, to leave out flags
/// that only repeat a default.
pub fn default_path(default: &str) -> PathBuf {
    match std::env::current_dir().ok().and_then(|cwd| find_root(&cwd)) {
        Some(levels) if levels > 0 => relative_root(levels).join(default),
        _ => PathBuf::from(default),
    }
}

pub fn not_found(cwd: &Path) -> Diagnostic {
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
