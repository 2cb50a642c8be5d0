//! Coverage: both of Auth0's flows have a scenario, the template reads the
//! value each flow depends on, and every branch of the template and its
//! partials is rendered by some scenario.

use crate::check::report::{Finding, Level};
use crate::check::trace::Instrumented;
use crate::check::variables::Analysis;
use crate::scenario::Flow;
use crate::source::SourceFile;

/// Findings about the two flows: a missing scenario is an error, a template
/// that never reads `ticket` or `requestToken` a warning, one that reads
/// neither an error.
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
    if !analysis.reads("ticket") && !analysis.reads("requestToken") {
        out.push(
            Finding::new(
                Level::Error,
                "flow-no-token",
                "the template reads neither `ticket` nor `requestToken`: at Auth0 no flow can work",
            )
            .in_file(template.name.clone())
            .help("pass both to the widget (`ticket` for enrollment, `requestToken` for login), as Auth0's default template does"),
        );
        return out;
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

/// What kept some scenarios or partials out of the run: the findings that
/// follow only from their absence are not reported, and one note says so.
#[derive(Debug, Default)]
pub struct Absent {
    /// Scenarios that did not load (their flow is unknown).
    pub unloaded: Vec<String>,
    /// Scenarios that loaded but did not render (their branches are unknown).
    pub unrendered: Vec<String>,
    /// Scenarios whose branches could not be traced.
    pub untraced: Vec<String>,
    /// Partials that exist but cannot be used.
    pub partials: Vec<String>,
    /// Partials included by name that do not exist.
    pub missing: Vec<String>,
}

impl Absent {
    /// Whether `flow-*-missing` cannot be decided (a scenario's flow is unknown).
    pub fn hides_flows(&self) -> bool {
        !self.unloaded.is_empty()
    }

    /// Whether what the template reads cannot be known (a partial is missing or broken).
    pub fn hides_reads(&self) -> bool {
        !(self.partials.is_empty() && self.missing.is_empty())
    }

    /// Whether branch coverage cannot be decided (a scenario did not render or trace).
    pub fn hides_branches(&self) -> bool {
        !(self.unloaded.is_empty() && self.unrendered.is_empty() && self.untraced.is_empty())
    }

    /// Keep `f` unless it follows only from what is absent.
    pub fn keeps(&self, f: &Finding) -> bool {
        match f.code {
            "flow-enrollment-missing" | "flow-login-missing" => !self.hides_flows(),
            "flow-ticket-unread" | "flow-request-token-unread" | "flow-no-token" => {
                !self.hides_reads()
            }
            "branch-uncovered" => !self.hides_branches(),
            _ => true,
        }
    }

    /// The one note that says which checks were skipped and why; `None` when none was.
    pub fn note(&self) -> Option<Finding> {
        let mut skipped = Vec::new();
        if self.hides_flows() {
            skipped.push("the flow check");
        }
        if self.hides_reads() {
            skipped.push("the `ticket`/`requestToken` check");
        }
        if self.hides_branches() {
            skipped.push("branch coverage");
        }
        if skipped.is_empty() {
            return None;
        }
        let quote = |names: &[String]| {
            names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut why = Vec::new();
        for (names, what) in [
            (&self.unloaded, "did not load"),
            (&self.unrendered, "did not render"),
            (&self.untraced, "could not be traced"),
        ] {
            if !names.is_empty() {
                let noun = if names.len() == 1 {
                    "scenario"
                } else {
                    "scenarios"
                };
                why.push(format!("{noun} {} {what}", quote(names)));
            }
        }
        for (names, one, many) in [
            (&self.partials, "cannot be used", "cannot be used"),
            (&self.missing, "does not exist", "do not exist"),
        ] {
            match names.len() {
                0 => {}
                1 => why.push(format!("partial {} {one}", quote(names))),
                _ => why.push(format!("partials {} {many}", quote(names))),
            }
        }
        Some(
            Finding::new(
                Level::Note,
                "checks-skipped",
                format!("skipped {}: {}", and_list(&skipped), why.join("; ")),
            )
            .help("fix the errors above; these checks run again once everything loads"),
        )
    }
}

/// `a`, `a and b`, `a, b and c`.
fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [init @ .., last] => format!(
            "{} and {}",
            init.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

/// The partials `docs` include by a literal name that `partials` does not have.
pub fn missing_partials(
    docs: &[&crate::template::Document],
    partials: &crate::engine::Partials,
) -> Vec<String> {
    struct Calls<'a>(Vec<&'a str>);
    impl<'a> crate::template::walk::Walker<'a> for Calls<'a> {
        fn partial(&mut self, call: &'a crate::template::tags::partial::Partial) {
            if let Some(name) = call.literal_name() {
                self.0.push(name);
            }
        }
    }
    let mut out: Vec<String> = Vec::new();
    for doc in docs {
        let mut calls = Calls(Vec::new());
        crate::template::walk::walk(&doc.body, &mut calls);
        for name in calls.0 {
            if partials.file_for(name).is_none() && !out.iter().any(|n| n == name) {
                out.push(name.to_owned());
            }
        }
    }
    out
}
