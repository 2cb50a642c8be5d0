//! Coverage: both of Auth0's flows have a scenario, the template reads the
//! value each flow depends on, and every branch of the template and its
//! partials is rendered by some scenario.

use crate::check::report::{Finding, Level};
use crate::check::trace::Instrumented;
use crate::check::variables::Analysis;
use crate::scenario::Flow;
use crate::source::SourceFile;

/// Findings about the two flows: a missing scenario is an error, a template
/// that never reads `ticket` or `requestToken` a warning.
pub fn flows(
    flows: &[(String, Flow)],
    analysis: &Analysis,
    template: &SourceFile,
    contexts: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let has = |flow: Flow| flows.iter().any(|(_, f)| *f == flow);
    if !has(Flow::Enrollment) {
        out.push(
            Finding::new(
                Level::Error,
                "flow-enrollment-missing",
                "no scenario exercises the enrollment flow (none sets `ticket`)",
            )
            .in_file(contexts.to_owned())
            .help("add a scenario such as {\"$extends\": \"_base\", \"ticket\": \"gten_0123456789abcdef01234567\"}"),
        );
    }
    if !has(Flow::Login) {
        out.push(
            Finding::new(
                Level::Error,
                "flow-login-missing",
                "no scenario exercises the login flow (none sets `requestToken` without `ticket`)",
            )
            .in_file(contexts.to_owned())
            .help(
                "add a scenario with `requestToken` (a JWT) and `postActionURL`, and no `ticket`",
            ),
        );
    }
    for (var, flow) in [("ticket", "enrollment"), ("requestToken", "login")] {
        if !analysis.reads(var) {
            out.push(
                Finding::new(
                    Level::Warning,
                    if var == "ticket" {
                        "flow-ticket-unread"
                    } else {
                        "flow-request-token-unread"
                    },
                    format!(
                        "the template never reads `{var}`: at Auth0 the {flow} flow cannot work"
                    ),
                )
                .in_file(template.name.clone())
                .help(format!(
                    "pass `{var}` to the widget (new Auth0MFAWidget({{ …, {var}: … }})), as Auth0's default template does"
                )),
            );
        }
    }
    out
}

/// Every branch no scenario rendered; an error under `--require-full-coverage`.
pub fn branches(inst: &Instrumented, covered: &[bool], require_full: bool) -> Vec<Finding> {
    let level = if require_full {
        Level::Error
    } else {
        Level::Warning
    };
    inst.branches
        .iter()
        .enumerate()
        .filter(|(id, _)| !covered.get(*id).copied().unwrap_or(false))
        .map(|(_, b)| {
            let file = &inst.files[b.file];
            let what = match &b.block {
                Some(block) => format!("`{}` of `{block}`", b.markup),
                None => format!("the `{}` branch", b.markup),
            };
            Finding::new(
                level,
                "branch-uncovered",
                format!("{what} is never rendered by any scenario"),
            )
            .in_file(file.name.clone())
            .at(file.text.clone(), b.start, b.end)
            .label("never rendered")
            .help("add a scenario that takes this branch, or remove the branch if Auth0 never takes it")
        })
        .collect()
}
