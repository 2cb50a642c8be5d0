//! Snapshots: every scenario's page compared with `<dir>/<scenario>.html`.
//!
//! A mismatch is an error with a unified diff and the command that accepts
//! it. `--update` accepts every change (atomic writes) and removes snapshots
//! of scenarios that no longer exist. A scenario without a snapshot gets one
//! written locally; when `CI` is set it is never written and is an error (the
//! insta/Jest convention: CI must not invent the expected output).

use std::path::Path;

use similar::TextDiff;

use crate::check::report::{Finding, Level};
use crate::output::write_atomic;
use crate::source::display_path;

/// How the snapshots are handled in this run.
#[derive(Debug, Clone)]
pub struct Settings<'a> {
    pub dir: &'a Path,
    pub update: bool,
    pub ci: bool,
    /// The command line that accepts changes (`mfa-page check --update`).
    pub accept: &'a str,
}

/// Whether env `CI` asks for CI behaviour: set, and not empty, `false` or `0`.
pub fn ci_from_env() -> bool {
    std::env::var("CI").is_ok_and(|v| is_ci_value(&v))
}

fn is_ci_value(v: &str) -> bool {
    let v = v.trim();
    !(v.is_empty() || v == "0" || v.eq_ignore_ascii_case("false"))
}

/// Compare `pages` (`(scenario, rendered page)`) with the snapshots;
/// `all_scenarios` also holds scenarios that failed to render (their snapshots are not stale).
pub fn check(
    settings: &Settings<'_>,
    pages: &[(String, String)],
    all_scenarios: &[String],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let dir = settings.dir;
    for (name, html) in pages {
        let path = dir.join(format!("{name}.html"));
        let shown = display_path(&path);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let old = String::from_utf8_lossy(&bytes).replace("\r\n", "\n");
                let new = html.replace("\r\n", "\n");
                if old == new {
                    continue;
                }
                if settings.update {
                    out.push(match write_atomic(&path, html.as_bytes()) {
                        Ok(()) => Finding::new(Level::Note, "snapshot-updated", "snapshot updated")
                            .in_file(shown)
                            .scenario(name),
                        Err(d) => Finding::from_diagnostic("snapshot-write", &d).scenario(name),
                    });
                    continue;
                }
                let diff = TextDiff::from_lines(&old, &new)
                    .unified_diff()
                    .context_radius(3)
                    .header(&shown, &format!("rendered scenario `{name}`"))
                    .to_string();
                let line = first_difference(&old, &new);
                let mut f = Finding::new(
                    Level::Error,
                    "snapshot-mismatch",
                    "the rendered page differs from its snapshot",
                )
                .in_file(shown)
                .at_line(line, 1)
                .scenario(name)
                .help(format!(
                    "if the change is intended, accept it with `{}`",
                    settings.accept
                ));
                f.diff = Some(diff);
                out.push(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if settings.ci {
                    out.push(
                        Finding::new(
                            Level::Error,
                            "snapshot-missing",
                            "no snapshot for this scenario, and none is written when CI is set",
                        )
                        .in_file(shown)
                        .scenario(name)
                        .help(format!(
                            "run `{}` on your machine and commit the new snapshot",
                            settings.accept
                        )),
                    );
                    continue;
                }
                let written = std::fs::create_dir_all(dir)
                    .map_err(|e| {
                        crate::diagnostic::Diagnostic::error(format!(
                            "cannot create the snapshots folder: {e}"
                        ))
                        .in_file(display_path(dir))
                    })
                    .and_then(|()| write_atomic(&path, html.as_bytes()));
                out.push(match written {
                    Ok(()) => Finding::new(
                        Level::Note,
                        "snapshot-new",
                        "new snapshot written; review and commit it",
                    )
                    .in_file(shown)
                    .scenario(name),
                    Err(d) => Finding::from_diagnostic("snapshot-write", &d).scenario(name),
                });
            }
            Err(e) => out.push(
                Finding::new(
                    Level::Error,
                    "snapshot-read",
                    format!("cannot read the snapshot: {e}"),
                )
                .in_file(shown)
                .scenario(name),
            ),
        }
    }
    out.extend(stale(settings, all_scenarios));
    out
}

/// Snapshots whose scenario no longer exists.
fn stale(settings: &Settings<'_>, scenarios: &[String]) -> Vec<Finding> {
    let Ok(entries) = std::fs::read_dir(settings.dir) else {
        return Vec::new();
    };
    let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".html"))
        else {
            continue;
        };
        if stem.starts_with('.') || scenarios.iter().any(|s| s == stem) {
            continue;
        }
        let shown = display_path(&path);
        if settings.update {
            out.push(match std::fs::remove_file(&path) {
                Ok(()) => Finding::new(
                    Level::Note,
                    "snapshot-removed",
                    format!("removed the snapshot of `{stem}`, a scenario that no longer exists"),
                )
                .in_file(shown),
                Err(e) => Finding::new(
                    Level::Error,
                    "snapshot-write",
                    format!("cannot remove the stale snapshot: {e}"),
                )
                .in_file(shown),
            });
        } else {
            out.push(
                Finding::new(
                    Level::Warning,
                    "snapshot-stale",
                    format!("snapshot of `{stem}`, but there is no scenario `{stem}`"),
                )
                .in_file(shown)
                .help(format!(
                    "remove it with `{}`, or restore the scenario",
                    settings.accept
                )),
            );
        }
    }
    out
}

/// 1-based line of the first difference, in the old text.
fn first_difference(old: &str, new: &str) -> usize {
    let mut line = 1;
    for (a, b) in old.split_inclusive('\n').zip(new.split_inclusive('\n')) {
        if a != b {
            return line;
        }
        line += 1;
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_is_a_line_of_the_old_text() {
        assert_eq!(first_difference("a\nb\nc\n", "a\nB\nc\n"), 2);
        assert_eq!(first_difference("a\n", "a\nb\n"), 2);
        assert_eq!(first_difference("x", "y"), 1);
    }

    #[test]
    fn ci_values() {
        let is_ci = is_ci_value;
        assert!(is_ci("true") && is_ci("1") && is_ci("yes"));
        assert!(!is_ci("") && !is_ci("0") && !is_ci("false") && !is_ci("FALSE"));
    }
}
