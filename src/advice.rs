//! What `check` knows, told where `render` (and the preview's build) warns:
//! an undefined variable that Auth0 never provides gets "not a variable
//! Auth0 provides" and "did you mean `userData.email`?" instead of "set it in
//! the scenario"; a missing partial names the folder searched and the
//! closest partial.

use std::path::Path;

use crate::check::variables::{self, Analysis};
use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, Rendered};
use crate::scenario::Scenario;
use crate::source::{SourceFile, display_path};
use crate::suggest;

/// The named segments of a path as the renderer reports it
/// (`userData.emial`, `errors[0].mesage` → `errors`).
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((head, _)) => {
                if !head.is_empty() {
                    out.push(head.to_owned());
                }
                break;
            }
            None => out.push(part.to_owned()),
        }
    }
    out
}

/// The help for an undefined `path` that Auth0 never provides: what `check`
/// says of it (`unknown-variable`), or `None` for a variable Auth0 does give.
pub fn undefined_help(path: &str, analysis: &Analysis) -> Option<Vec<String>> {
    let u = variables::unknown(&segments(path), analysis)?;
    Some(vec![u.message, u.help])
}

/// `render`'s warnings for undefined variables, told as `check` would: a
/// variable Auth0 never sends in this scenario's flow is not one, and one
/// Auth0 never provides says so, with "did you mean".
pub fn undefined_warnings(
    engine: &Engine,
    rendered: &Rendered,
    scenario: &Scenario,
) -> Vec<Diagnostic> {
    let flow = scenario.flow();
    let kept = Rendered {
        html: String::new(),
        undefined: rendered
            .undefined
            .iter()
            .filter(|u| !variables::never_sent(flow, &u.path))
            .cloned()
            .collect(),
    };
    let mut warnings = engine.undefined_warnings(&kept, &scenario.name);
    // One warning per unguarded access, in order.
    let unguarded: Vec<&str> = kept
        .undefined
        .iter()
        .filter(|u| !u.guarded)
        .map(|u| u.path.as_str())
        .collect();
    if warnings.is_empty() || warnings.len() != unguarded.len() {
        return warnings;
    }
    let mut files: Vec<SourceFile> = vec![engine.source().clone()];
    files.extend(engine.partials().usable_files().cloned());
    let analysis = variables::analyse(&files);
    for (w, path) in warnings.iter_mut().zip(unguarded) {
        if let Some(help) = undefined_help(path, &analysis) {
            w.help = help;
        }
    }
    warnings
}

/// The message and help for `{% include name %}` when no partial `name`
/// exists in `folder`, which holds `known` (`footer.liquid`, `a/b.liquid`):
/// the folder searched, and the closest partial's name.
pub fn missing_partial(name: &str, folder: &Path, known: &[String]) -> (String, Vec<String>) {
    let shown = display_path(folder);
    let message = format!("partial `{name}` not found in {shown}/");
    let stems: Vec<&str> = known
        .iter()
        .map(|k| k.strip_suffix(".liquid").unwrap_or(k))
        .collect();
    let wanted = name.strip_suffix(".liquid").unwrap_or(name);
    let mut help = Vec::new();
    if let Some(near) = suggest::closest(wanted, stems.iter().copied()) {
        help.push(format!("did you mean `{near}`?"));
    }
    help.push(if known.is_empty() {
        if folder.is_dir() {
            format!("{shown}/ has no partials: add {shown}/{wanted}.liquid")
        } else {
            format!(
                "{shown}/ does not exist: create it with {wanted}.liquid in it, or name another folder with --partials"
            )
        }
    } else {
        format!("partials in {shown}/: {}", known.join(", "))
    });
    (message, help)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn analysis(text: &str) -> Analysis {
        variables::analyse(&[SourceFile {
            path: "t.liquid".into(),
            name: "t.liquid".into(),
            text: Arc::from(text),
        }])
    }

    #[test]
    fn undefined_variables_get_checks_advice() {
        let a = analysis("{{ userData.emial }}{{ requesttoken }}{{ userData.tenantFriendlyName }}");
        let help = undefined_help("userData.emial", &a).unwrap();
        assert_eq!(
            help,
            [
                "`userData.emial`: Auth0 never sets `emial` in `userData`; at Auth0 it is always empty",
                "did you mean `userData.email`?"
            ]
        );
        let help = undefined_help("requesttoken", &a).unwrap();
        assert!(
            help[0].contains("not a variable Auth0 provides"),
            "{help:?}"
        );
        assert_eq!(help[1], "did you mean `requestToken`?");
        assert_eq!(undefined_help("userData.tenantFriendlyName", &a), None);
        assert_eq!(segments("errors[0].mesage"), ["errors"]);
    }

    #[test]
    fn missing_partials_name_the_folder_and_the_closest() {
        let dir = tempfile::tempdir().unwrap();
        let known = vec!["footr.liquid".to_owned(), "header.liquid".to_owned()];
        let (message, help) = missing_partial("footer", dir.path(), &known);
        assert_eq!(
            message,
            format!("partial `footer` not found in {}/", dir.path().display())
        );
        assert_eq!(help[0], "did you mean `footr`?");
        assert_eq!(
            help[1],
            format!(
                "partials in {}/: footr.liquid, header.liquid",
                dir.path().display()
            )
        );
        let (_, help) = missing_partial("footer", dir.path(), &[]);
        assert_eq!(
            help,
            [format!(
                "{}/ has no partials: add {}/footer.liquid",
                dir.path().display(),
                dir.path().display()
            )]
        );
        let (_, help) = missing_partial("footer", &dir.path().join("nope"), &[]);
        assert!(help[0].contains("does not exist"), "{help:?}");
    }
}
