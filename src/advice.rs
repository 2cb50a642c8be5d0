//! What `check` knows, told where `render` (and the preview's build) warns:
//! an undefined variable that Auth0 never provides gets "not a variable
//! Auth0 provides" and "did you mean `userData.email`?" instead of "set it in
//! the scenario"; a missing partial names the folder searched and the
//! closest partial.

use crate::check::variables::{self, Analysis};
use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, Rendered};
use crate::scenario::Scenario;

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

/// Render `scenario` as `render` and `serve` show it: the page and its
/// warnings (deploy-cli keywords without a value, undefined reads told as
/// `check` would), which are errors under `strict`; an error names the scenario.
pub fn render_checked(
    engine: &Engine,
    scenario: &Scenario,
    strict: bool,
) -> Result<(Rendered, Vec<Diagnostic>), Vec<Diagnostic>> {
    let rendered = engine.render_scenario(scenario).map_err(|d| {
        vec![Diagnostic {
            message: format!("{} (scenario `{}`)", d.message, scenario.name),
            ..d
        }]
    })?;
    let mut warnings = scenario.warnings.clone();
    warnings.extend(engine.keyword_warnings(scenario));
    warnings.extend(undefined_warnings(engine, &rendered, scenario));
    if strict && !warnings.is_empty() {
        for w in &mut warnings {
            w.severity = crate::diagnostic::Severity::Error;
        }
        return Err(warnings);
    }
    Ok((rendered, warnings))
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
        recording: None,
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
    let partials = engine.partials().documents();
    let mut docs: Vec<&crate::template::Document> = vec![engine.document()];
    docs.extend(partials.iter().map(|p| &*p.doc));
    let analysis = variables::analyse_documents(&docs);
    for (w, path) in warnings.iter_mut().zip(unguarded) {
        if let Some(help) = undefined_help(path, &analysis) {
            w.help = help;
        }
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn analysis(text: &str) -> Analysis {
        variables::analyse(&[crate::source::SourceFile {
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
}
