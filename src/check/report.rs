//! Findings and the three ways of writing them: for people (grouped by
//! file, on stderr), as one JSON object (stdout), and as GitHub Actions
//! annotations (stdout).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Group, Level as SnippetLevel, Renderer, Snippet};

use crate::diagnostic::{Diagnostic, Severity, line_col};

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Information: a snapshot written, updated or removed.
    Note,
    Warning,
    Error,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Note => "note",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: grouped by file, on stderr
    Human,
    /// One JSON object on stdout (see the README)
    Json,
    /// GitHub Actions annotations on stdout, and the human report on stderr
    Github,
}

/// `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FailOn {
    /// Fail on errors only
    Error,
    /// Fail on warnings too
    Warning,
}

/// One thing the check found.
#[derive(Debug, Clone)]
pub struct Finding {
    pub level: Level,
    /// Stable, kebab-case: `snapshot-mismatch`, `js-syntax`, …
    pub code: &'static str,
    pub file: Option<String>,
    /// Where in `file`, with its text for the code frame.
    pub span: Option<(Arc<str>, usize, usize)>,
    /// A line without a span (snapshot files are not shown in a frame).
    pub line: Option<(usize, usize)>,
    /// The scenarios it was seen in (merged across scenarios).
    pub scenarios: Vec<String>,
    pub message: String,
    pub label: Option<String>,
    pub help: Vec<String>,
    /// The line in the rendered page, for findings about a page.
    pub rendered_line: Option<usize>,
    /// A unified diff (snapshot mismatches).
    pub diff: Option<String>,
    /// Merge findings with the same code and place whatever their message
    /// says (the first scenario's message is kept).
    pub merge_by_place: bool,
    /// Further places the finding is about, `(file, line)`: `--format
    /// github` annotates each of them too.
    pub also: Vec<(String, usize)>,
}

impl Finding {
    pub fn new(level: Level, code: &'static str, message: impl Into<String>) -> Finding {
        Finding {
            level,
            code,
            file: None,
            span: None,
            line: None,
            scenarios: Vec::new(),
            message: message.into(),
            label: None,
            help: Vec::new(),
            rendered_line: None,
            diff: None,
            merge_by_place: false,
            also: Vec::new(),
        }
    }

    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn at(mut self, text: Arc<str>, start: usize, end: usize) -> Self {
        let end = end.clamp(start, text.len());
        self.span = Some((text, start, end));
        self
    }

    pub fn at_line(mut self, line: usize, column: usize) -> Self {
        self.line = Some((line, column));
        self
    }

    pub fn scenario(mut self, name: impl Into<String>) -> Self {
        self.scenarios.push(name.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// A finding from one of the renderer's diagnostics.
    pub fn from_diagnostic(code: &'static str, d: &Diagnostic) -> Finding {
        let level = match d.severity {
            Severity::Error => Level::Error,
            Severity::Warning => Level::Warning,
        };
        let mut f = Finding::new(level, code, d.message.clone());
        f.file = d.file.clone();
        f.span = d
            .span
            .as_ref()
            .map(|s| (s.source.clone(), s.start, s.end.max(s.start)));
        f.label = d.label.clone();
        f.help = d.help.clone();
        f
    }

    /// The finding as `check` prints it for people: the title line, the
    /// code frame and the help.
    pub fn text(&self, color: bool) -> String {
        render_finding(self, color)
    }

    /// 1-based line and column, when known.
    pub fn position(&self) -> Option<(usize, usize)> {
        match (&self.span, self.line) {
            (Some((text, start, _)), _) => Some(line_col(text, *start)),
            (None, line) => line,
        }
    }

    fn merge_key(&self) -> MergeKey {
        (
            self.level,
            self.code,
            self.file.clone(),
            self.position(),
            if self.merge_by_place {
                String::new()
            } else {
                self.message.clone()
            },
        )
    }

    /// The title line: `file:line:col: message (scenario …)`.
    fn title(&self) -> String {
        let mut title = match (&self.file, self.position()) {
            (Some(file), Some((l, c))) => format!("{file}:{l}:{c}: {}", self.message),
            (Some(file), None) => format!("{file}: {}", self.message),
            _ => self.message.clone(),
        };
        if let Some(s) = self.scenario_text() {
            let _ = write!(title, " ({s})");
        }
        title
    }

    fn scenario_text(&self) -> Option<String> {
        let quoted: Vec<String> = self.scenarios.iter().map(|s| format!("`{s}`")).collect();
        match quoted.len() {
            0 => None,
            1 => Some(format!(
                "scenario {}{}",
                quoted[0],
                self.rendered_line
                    .map(|l| format!(", rendered line {l}"))
                    .unwrap_or_default()
            )),
            n if n <= 4 => Some(format!("scenarios {}", quoted.join(", "))),
            n => Some(format!(
                "scenarios {} and {} more",
                quoted[..3].join(", "),
                n - 3
            )),
        }
    }
}

/// What makes two findings the same finding.
type MergeKey = (
    Level,
    &'static str,
    Option<String>,
    Option<(usize, usize)>,
    String,
);

/// Everything one run found.
#[derive(Debug, Default)]
pub struct Report {
    pub findings: Vec<Finding>,
    pub scenarios: usize,
    /// The screenshots of `--visual`.
    pub visual: Option<crate::check::visual::Run>,
}

impl Report {
    pub fn push(&mut self, f: Finding) {
        self.findings.push(f);
    }

    /// Merge findings that differ only in their scenario, then sort by file and line.
    pub fn finish(&mut self) {
        let mut merged: Vec<Finding> = Vec::new();
        let mut index: BTreeMap<_, usize> = BTreeMap::new();
        for f in self.findings.drain(..) {
            let key = f.merge_key();
            match index.get(&key) {
                Some(&i) => {
                    let into = &mut merged[i];
                    for s in f.scenarios {
                        if !into.scenarios.contains(&s) {
                            into.scenarios.push(s);
                        }
                    }
                    if into.scenarios.len() > 1 {
                        into.rendered_line = None;
                    }
                }
                None => {
                    index.insert(key, merged.len());
                    merged.push(f);
                }
            }
        }
        merged.sort_by(|a, b| {
            (
                a.file.is_none(),
                &a.file,
                a.position(),
                std::cmp::Reverse(a.level),
            )
                .cmp(&(
                    b.file.is_none(),
                    &b.file,
                    b.position(),
                    std::cmp::Reverse(b.level),
                ))
        });
        self.findings = merged;
    }

    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level).count()
    }

    /// Whether the run fails under `fail_on`.
    pub fn failed(&self, fail_on: FailOn) -> bool {
        self.count(Level::Error) > 0
            || (fail_on == FailOn::Warning && self.count(Level::Warning) > 0)
    }

    /// The report for people, grouped by file.
    pub fn human(&self, color: bool, fail_on: FailOn) -> String {
        let mut out = String::new();
        let mut current: Option<Option<&str>> = None;
        for f in &self.findings {
            let file = f.file.as_deref();
            if current != Some(file) {
                current = Some(file);
                let count = self
                    .findings
                    .iter()
                    .filter(|g| g.file.as_deref() == file)
                    .count();
                let header = format!(
                    "── {} ({count} finding{})",
                    file.unwrap_or("project"),
                    if count == 1 { "" } else { "s" }
                );
                if color {
                    let _ = writeln!(out, "\x1b[1m{header}\x1b[0m");
                } else {
                    let _ = writeln!(out, "{header}");
                }
            }
            let _ = writeln!(out, "{}", render_finding(f, color));
            if let Some(diff) = &f.diff {
                out.push_str(&colour_diff(diff, color));
                if !diff.ends_with('\n') {
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        let (e, w, n) = (
            self.count(Level::Error),
            self.count(Level::Warning),
            self.count(Level::Note),
        );
        let verdict = if self.failed(fail_on) {
            "failed"
        } else {
            "passed"
        };
        let _ = writeln!(
            out,
            "check {verdict}: {e} error{}, {w} warning{}, {n} note{} in {} scenario{}",
            plural(e),
            plural(w),
            plural(n),
            self.scenarios,
            plural(self.scenarios)
        );
        out
    }

    /// The JSON report (documented in the README, "JSON report").
    pub fn json(&self, fail_on: FailOn) -> serde_json::Value {
        let findings: Vec<serde_json::Value> = self
            .findings
            .iter()
            .map(|f| {
                let (line, column) = f.position().unzip();
                serde_json::json!({
                    "severity": f.level.as_str(),
                    "code": f.code,
                    "file": f.file,
                    "line": line,
                    "column": column,
                    "scenario": f.scenarios.first(),
                    "scenarios": f.scenarios,
                    "message": f.message,
                    "help": f.help,
                    "rendered_line": f.rendered_line,
                    "diff": f.diff,
                })
            })
            .collect();
        serde_json::json!({
            "version": 1,
            "ok": !self.failed(fail_on),
            "fail_on": match fail_on { FailOn::Error => "error", FailOn::Warning => "warning" },
            "summary": {
                "scenarios": self.scenarios,
                "errors": self.count(Level::Error),
                "warnings": self.count(Level::Warning),
                "notes": self.count(Level::Note),
            },
            "findings": findings,
        })
    }

    /// GitHub Actions workflow commands, one line each.
    pub fn github(&self) -> String {
        let mut out = String::new();
        for f in &self.findings {
            let command = match f.level {
                Level::Error => "error",
                Level::Warning => "warning",
                Level::Note => "notice",
            };
            let mut props = Vec::new();
            if let Some(file) = &f.file {
                props.push(format!("file={}", escape_property(file)));
                if let Some((line, col)) = f.position() {
                    props.push(format!("line={line}"));
                    props.push(format!("col={col}"));
                }
            }
            props.push(format!(
                "title={}",
                escape_property(&format!("mfa-page {}", f.code))
            ));
            let mut message = f.message.clone();
            if let Some(s) = f.scenario_text() {
                let _ = write!(message, " ({s})");
            }
            for h in &f.help {
                let _ = write!(message, "\nhelp: {h}");
            }
            let _ = writeln!(
                out,
                "::{command} {}::{}",
                props.join(","),
                escape_data(&message)
            );
            for (file, line) in &f.also {
                let props = [
                    format!("file={}", escape_property(file)),
                    format!("line={line}"),
                    format!("title={}", escape_property(&format!("mfa-page {}", f.code))),
                ];
                let _ = writeln!(
                    out,
                    "::{command} {}::{}",
                    props.join(","),
                    escape_data(&message)
                );
            }
        }
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn render_finding(f: &Finding, color: bool) -> String {
    let level = match f.level {
        Level::Error => SnippetLevel::ERROR,
        Level::Warning => SnippetLevel::WARNING,
        Level::Note => SnippetLevel::NOTE,
    };
    let title = f.title();
    let mut group: Group<'_> = Group::with_title(level.primary_title(title.as_str()).id(f.code));
    if let (Some(_), Some((text, start, end))) = (&f.file, &f.span) {
        let mut annotation = AnnotationKind::Primary.span(*start..*end);
        if let Some(label) = &f.label {
            annotation = annotation.label(label.as_str());
        }
        group = group.element(Snippet::source(&**text).annotation(annotation));
    }
    for help in &f.help {
        group = group.element(SnippetLevel::HELP.message(help.as_str()));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&[group])
}

fn colour_diff(diff: &str, color: bool) -> String {
    if !color {
        return diff.to_owned();
    }
    diff.lines()
        .map(|l| {
            let code = if l.starts_with("+++") || l.starts_with("---") {
                "1"
            } else if l.starts_with('+') {
                "32"
            } else if l.starts_with('-') {
                "31"
            } else if l.starts_with("@@") {
                "36"
            } else {
                ""
            };
            if code.is_empty() {
                format!("{l}\n")
            } else {
                format!("\x1b[{code}m{l}\x1b[0m\n")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let text: Arc<str> = Arc::from("a\n{% if x %}\n{% else %}\n{% endif %}");
        let mut r = Report {
            scenarios: 2,
            ..Default::default()
        };
        r.push(
            Finding::new(Level::Warning, "undefined-variable", "`x` is undefined")
                .in_file("t.liquid")
                .at(text.clone(), 8, 9)
                .scenario("a"),
        );
        r.push(
            Finding::new(Level::Warning, "undefined-variable", "`x` is undefined")
                .in_file("t.liquid")
                .at(text, 8, 9)
                .scenario("b"),
        );
        r.push(Finding::new(
            Level::Error,
            "flow-login-missing",
            "no login, with: comma",
        ));
        r.finish();
        r
    }

    #[test]
    fn merges_across_scenarios_and_sorts() {
        let r = sample();
        assert_eq!(r.findings.len(), 2);
        assert_eq!(r.findings[0].scenarios, ["a", "b"]);
        assert!(r.failed(FailOn::Error));
        let human = r.human(false, FailOn::Error);
        assert!(
            human.contains(
                "warning[undefined-variable]: t.liquid:2:7: `x` is undefined (scenarios `a`, `b`)"
            ),
            "{human}"
        );
        assert!(human.ends_with("check failed: 1 error, 1 warning, 0 notes in 2 scenarios\n"));
    }

    #[test]
    fn json_and_github() {
        let r = sample();
        let json = r.json(FailOn::Error);
        assert_eq!(json["ok"], false);
        assert_eq!(json["findings"][0]["line"], 2);
        assert_eq!(json["findings"][0]["scenario"], "a");
        let gh = r.github();
        assert!(gh.starts_with("::warning file=t.liquid,line=2,col=7,title=mfa-page undefined-variable::`x` is undefined (scenarios `a`, `b`)\n"), "{gh}");
        assert!(
            gh.contains("::error title=mfa-page flow-login-missing::no login, with: comma"),
            "{gh}"
        );
    }
}
