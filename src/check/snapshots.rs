//! Snapshots: every scenario's page compared with `<dir>/<scenario>.html`.
//!
//! A mismatch is an error with a unified diff and the command that accepts
//! it. `--update` accepts every change (atomic writes) and removes snapshots
//! of scenarios that no longer exist. A scenario without a snapshot gets one
//! written locally; when `CI` is set it is never written and is an error (the
//! insta/Jest convention: CI must not invent the expected output).

use std::path::Path;
use std::sync::Arc;

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

/// Maps a byte of a rendered page to the template place that wrote it:
/// (file name, its text, byte range).
pub type Locate<'a> = dyn Fn(usize) -> Option<(String, Arc<str>, usize, usize)> + 'a;

/// One scenario's rendered page, as the snapshots see it.
pub struct Page<'a> {
    pub scenario: String,
    pub html: String,
    pub locate: Box<Locate<'a>>,
    /// The other checks found an error in it: without `--update` no new
    /// snapshot is written, so a broken page never becomes the baseline.
    pub has_errors: bool,
}

/// Compare `pages` with the snapshots; `all_scenarios` also holds scenarios
/// that failed to render (their snapshots are not stale).
pub fn check(
    settings: &Settings<'_>,
    pages: &[Page<'_>],
    all_scenarios: &[String],
) -> Vec<Finding> {
    let mut out = Vec::new();
    let dir = settings.dir;
    for page in pages {
        let (name, html) = (&page.scenario, &page.html);
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
                let places = changed_places(&old, &new, &*page.locate);
                let mut f = match places.split_first() {
                    Some(((file, text, start, end), rest)) => {
                        let mut f = Finding::new(
                            Level::Error,
                            "snapshot-mismatch",
                            format!("the rendered page differs from its snapshot {shown}"),
                        )
                        .in_file(file.clone())
                        .at(text.clone(), *start, *end)
                        .label("the changed lines come from here");
                        f.also = rest
                            .iter()
                            .map(|(file, text, start, _)| {
                                (file.clone(), crate::diagnostic::line_col(text, *start).0)
                            })
                            .collect();
                        if !f.also.is_empty() {
                            let lines: Vec<String> =
                                f.also.iter().map(|(f, l)| format!("{f}:{l}")).collect();
                            f = f
                                .help(format!("changed lines also come from {}", lines.join(", ")));
                        }
                        f.rendered_line = first_changed_line(&old, &new);
                        f
                    }
                    // No trace of the page: the snapshot's line.
                    None => Finding::new(
                        Level::Error,
                        "snapshot-mismatch",
                        "the rendered page differs from its snapshot",
                    )
                    .in_file(shown)
                    .at_line(first_difference(&old, &new), 1),
                };
                f = f.scenario(name).help(format!(
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
                if page.has_errors && !settings.update {
                    out.push(
                        Finding::new(
                            Level::Note,
                            "snapshot-not-written",
                            "no snapshot written: the page has errors (see above), and a broken page must not become the expected one",
                        )
                        .in_file(shown)
                        .scenario(name)
                        .help(format!(
                            "fix the errors and run `mfa-page check` again, or write it anyway with `{}`",
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

/// The template places that wrote the rendered lines that changed, in page
/// order, one per template line. A removed line counts as the line that now
/// stands where it was.
fn changed_places(
    old: &str,
    new: &str,
    locate: &Locate<'_>,
) -> Vec<(String, Arc<str>, usize, usize)> {
    let line_starts = |text: &str| -> Vec<usize> {
        std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|i| *i < text.len())
            .collect()
    };
    let (old_starts, starts) = (line_starts(old), line_starts(new));
    let line_of = |text: &'_ str, starts: &[usize], n: usize| -> Option<(usize, usize)> {
        let start = *starts.get(n)?;
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        Some((start, end))
    };
    // (changed line of the new page, the line it replaces in the old one)
    let mut lines: Vec<(usize, Option<usize>)> = Vec::new();
    for op in TextDiff::from_lines(old, new).ops() {
        let (old_range, range) = (op.old_range(), op.new_range());
        match op.tag() {
            similar::DiffTag::Equal => {}
            similar::DiffTag::Delete => {
                lines.push((range.start.min(starts.len().saturating_sub(1)), None))
            }
            similar::DiffTag::Insert => lines.extend(range.map(|n| (n, None))),
            similar::DiffTag::Replace => lines.extend(
                range
                    .enumerate()
                    .map(|(k, n)| (n, Some(old_range.start + k).filter(|o| *o < old_range.end))),
            ),
        }
    }
    let mut out: Vec<(String, Arc<str>, usize, usize)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (line, was) in lines {
        let Some((start, end)) = line_of(new, &starts, line) else {
            continue;
        };
        let text = &new[start..end];
        // Where the line starts to differ from the one it replaces, else its
        // first character that is not indentation.
        let differs = was
            .and_then(|o| line_of(old, &old_starts, o))
            .map(|(s, e)| {
                let before = &old[s..e];
                text.char_indices()
                    .zip(before.chars())
                    .find(|((_, a), b)| a != b)
                    .map_or(text.len().min(before.len()), |((i, _), _)| i)
            })
            .filter(|i| *i < text.len());
        let at =
            start + differs.unwrap_or_else(|| text.find(|c: char| !c.is_whitespace()).unwrap_or(0));
        let Some(place) = locate(at) else {
            return Vec::new();
        };
        let key = (
            place.0.clone(),
            crate::diagnostic::line_col(&place.1, place.2).0,
        );
        if seen.insert(key) {
            out.push(place);
        }
    }
    out
}

/// 1-based line of the first changed line in the new text.
fn first_changed_line(old: &str, new: &str) -> Option<usize> {
    TextDiff::from_lines(old, new)
        .ops()
        .iter()
        .find(|op| op.tag() != similar::DiffTag::Equal)
        .map(|op| op.new_range().start + 1)
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
    fn changed_lines_map_to_the_template_places_that_wrote_them() {
        // A page of three lines, each written by "line N" of a template.
        let locate = |offset: usize| {
            let line = crate::diagnostic::line_col("a\nb\nc\n", offset).0;
            let text: Arc<str> = Arc::from("one\ntwo\nthree\n");
            let start = [0, 4, 8][line - 1];
            Some(("t.liquid".to_owned(), text, start, start + 1))
        };
        let places = changed_places("a\nb\nc\n", "a\nB\nC\n", &locate);
        let lines: Vec<usize> = places
            .iter()
            .map(|p| crate::diagnostic::line_col(&p.1, p.2).0)
            .collect();
        assert_eq!(lines, [2, 3]);
        // A removed line: the line that now stands where it was.
        let places = changed_places("a\nb\nc\n", "a\nc\n", &locate);
        assert_eq!(places.len(), 1);
        assert_eq!(first_changed_line("a\nb\n", "a\nB\n"), Some(2));
        // Without a trace, nothing.
        assert!(changed_places("a\n", "b\n", &|_| None).is_empty());
    }

    #[test]
    fn ci_values() {
        let is_ci = is_ci_value;
        assert!(is_ci("true") && is_ci("1") && is_ci("yes"));
        assert!(!is_ci("") && !is_ci("0") && !is_ci("false") && !is_ci("FALSE"));
    }
}
