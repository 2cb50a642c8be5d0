//! Live findings: after each build, `serve` runs the checks of `mfa-page
//! check` that need no snapshots (flows, coverage, variables, HTML and
//! JavaScript validity, hostile values) and shows what they find in the
//! gallery, on each page and in the terminal.
//!
//! The checks run on a task of their own, after the pages were told about
//! the build, so they never delay an update; a save during a run causes one
//! more run after it. `/__mfa/findings` answers once the checks of the
//! current build are done, so a page that asks right after a build gets its
//! findings. They are incremental: [`check::Live`] keeps the parsed
//! pages and scripts and the scenarios known safe from one run to the next,
//! so a run re-examines only the pages a save changed.
//!
//! The last run's traced pages also map a rendered line back to its template
//! line: a JavaScript error thrown by a page names the template line
//! ([`State::locate`]).

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Notify;

use crate::check::report::{Finding, Level};
use crate::check::{self, Live};

use super::build::{Project, Site};

/// How long the checks wait after a build, so that the pages' own requests go first.
pub const GRACE: Duration = Duration::from_millis(60);

/// The default `--editor-url`.
pub const EDITOR_URL: &str = "vscode://file/{path}:{line}:{column}";

/// One finding as the preview shows it.
#[derive(Debug, Clone)]
pub struct Item {
    pub level: Level,
    pub code: &'static str,
    /// As shown to people (`templates/mfa.liquid`).
    pub file: Option<String>,
    /// The file's absolute path, for the editor link.
    pub path: Option<PathBuf>,
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub scenarios: Vec<String>,
    pub message: String,
    pub help: Vec<String>,
    /// Exactly what `check` prints for it (no colour).
    pub text: String,
}

impl Item {
    fn from_finding(f: &Finding) -> Item {
        let (line, column) = f.position().unzip();
        Item {
            level: f.level,
            code: f.code,
            file: f.file.clone(),
            path: f.file.as_deref().map(absolute),
            line,
            column,
            scenarios: f.scenarios.clone(),
            message: f.message.clone(),
            help: f.help.clone(),
            text: f.text(false),
        }
    }

    /// The first line of [`Item::text`]: `warning[code]: file:line:col: message (scenario …)`.
    pub fn headline(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }

    /// What makes a finding the same finding in the next run.
    fn key(&self) -> String {
        format!(
            "{}|{}|{:?}|{:?}|{:?}|{}",
            self.level.as_str(),
            self.code,
            self.file,
            self.line,
            self.column,
            self.message
        )
    }

    /// The editor link: `template` with `{path}`, `{line}` and `{column}` filled in.
    pub fn editor_url(&self, template: &str) -> Option<String> {
        let path = self.path.as_ref()?;
        Some(editor_url(
            template,
            path,
            self.line.unwrap_or(1),
            self.column.unwrap_or(1),
        ))
    }
}

/// `template` with `{path}` (percent-encoded, `/` kept), `{line}` and `{column}`.
pub fn editor_url(template: &str, path: &Path, line: usize, column: usize) -> String {
    let mut encoded = String::new();
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    template
        .replace("{path}", &encoded)
        .replace("{line}", &line.to_string())
        .replace("{column}", &column.to_string())
}

fn absolute(file: &str) -> PathBuf {
    let path = Path::new(file);
    if path.is_absolute() {
        return path.to_path_buf();
    }
    std::env::current_dir()
        .map(|dir| dir.join(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// The findings of one run.
#[derive(Default)]
pub struct Findings {
    /// The number of the build that was current when the run started (0: no run yet).
    pub build: u64,
    /// Changes when the findings change (the browsers redraw then).
    pub version: String,
    pub items: Vec<Item>,
    pub took: Duration,
    /// The traced pages of that run, with the instrumented template.
    instrumented: Option<Arc<check::trace::Instrumented>>,
    traces: std::collections::HashMap<String, Arc<check::trace::Trace>>,
}

impl Findings {
    pub fn count(&self, level: Level) -> usize {
        self.items.iter().filter(|i| i.level == level).count()
    }

    /// `2 errors, 1 warning` (notes are not shown).
    pub fn summary(&self) -> String {
        format!(
            "{}, {}",
            plural(self.count(Level::Error), "error"),
            plural(self.count(Level::Warning), "warning")
        )
    }

    /// The JSON the browsers read at `/__mfa/findings`.
    pub fn json(&self, editor: &str) -> serde_json::Value {
        json!({
            "version": self.version,
            "build": self.build,
            "tookMs": (self.took.as_secs_f64() * 10_000.0).round() / 10.0,
            "errors": self.count(Level::Error),
            "warnings": self.count(Level::Warning),
            "findings": self.items.iter().map(|i| json!({
                "severity": i.level.as_str(),
                "code": i.code,
                "file": i.file,
                "line": i.line,
                "column": i.column,
                "scenarios": i.scenarios,
                "message": i.message,
                "help": i.help,
                "text": i.text,
                "editor": i.editor_url(editor),
            })).collect::<Vec<_>>(),
        })
    }
}

/// `1 warning`, `2 warnings`.
pub fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

/// What a JavaScript error's rendered line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    /// `check`'s code frame of that place, headed by `message`.
    pub text: String,
}

/// The live findings of a server, and what runs them.
#[derive(Default)]
pub struct State {
    current: RwLock<Arc<Findings>>,
    live: Mutex<Live>,
    wake: Notify,
    /// Tells waiting requests that a run finished.
    done: Notify,
    /// Set to abandon the run under way: a newer build is waiting to be checked
    /// (a runaway template stops at its next step, as builds do).
    abandon: Mutex<Arc<std::sync::atomic::AtomicBool>>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("build", &self.current().build)
            .finish()
    }
}

/// What changed between two runs.
#[derive(Debug, Default)]
pub struct Changes {
    pub new: Vec<Item>,
    pub fixed: usize,
}

impl State {
    pub fn current(&self) -> Arc<Findings> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// A build finished: run the checks (soon, on the checks' task).
    pub fn wake(&self) {
        self.abandon
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.wake.notify_one();
    }

    /// Run the checks on the project as it is now and make that the
    /// current findings. Blocking: call it off the async runtime.
    pub fn run(&self, project: &Project, build: u64) -> (Arc<Findings>, Changes) {
        let started = Instant::now();
        let opts = check::Options {
            template: project.engine.template.clone(),
            partials: project.engine.partials.clone(),
            contexts: project.contexts.clone(),
            snapshots: None,
            update: false,
            ci: false,
            require_full_coverage: false,
            accept: String::new(),
            keywords: project.keywords.clone(),
            visual: None,
        };
        let abandon = Arc::new(std::sync::atomic::AtomicBool::new(false));
        *self.abandon.lock().unwrap_or_else(|e| e.into_inner()) = abandon.clone();
        let mut live = self.live.lock().unwrap_or_else(|e| e.into_inner());
        let report =
            crate::budget::with_cancel(abandon.clone(), || check::run_live(&opts, &mut live));
        if abandon.load(std::sync::atomic::Ordering::SeqCst) {
            // A newer build woke the checks: its run replaces this one.
            return (self.current(), Changes::default());
        }
        let items: Vec<Item> = report
            .findings
            .iter()
            // Notes are `check`'s (snapshots, screenshots); the one that says
            // which checks a load error kept from running is shown here too.
            .filter(|f| f.level != Level::Note || f.code == "checks-skipped")
            .map(Item::from_finding)
            .collect();
        let version = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            for i in &items {
                (i.key(), &i.text, &i.scenarios).hash(&mut h);
            }
            format!("{:016x}", h.finish())
        };
        let previous = self.current();
        let before: HashSet<String> = previous.items.iter().map(Item::key).collect();
        let after: HashSet<String> = items.iter().map(Item::key).collect();
        let changes = Changes {
            new: items
                .iter()
                .filter(|i| !before.contains(&i.key()))
                .cloned()
                .collect(),
            fixed: before.difference(&after).count(),
        };
        let findings = Arc::new(Findings {
            build,
            version,
            items,
            took: started.elapsed(),
            instrumented: live.instrumented(),
            traces: std::mem::take(&mut live.traces),
        });
        drop(live);
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = findings.clone();
        self.done.notify_waiters();
        (findings, changes)
    }

    /// Wait (at most `timeout`) until a run that started with build `build` or later finished.
    pub async fn wait_for(&self, build: u64, timeout: Duration) -> Arc<Findings> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            let done = self.done.notified();
            let current = self.current();
            if current.build >= build {
                return current;
            }
            if tokio::time::timeout_at(until, done).await.is_err() {
                return self.current();
            }
        }
    }

    /// The template place that produced byte `offset` of scenario
    /// `scenario`'s page `html` (as rendered, before the preview's changes),
    /// headed by `message` in `check`'s style.
    pub fn locate(
        findings: &Findings,
        scenario: &str,
        html: &str,
        offset: usize,
        message: &str,
    ) -> Option<Located> {
        let inst = findings.instrumented.as_ref()?;
        let trace = findings.traces.get(scenario)?;
        if trace.html != html {
            return None;
        }
        let place = inst.locate(trace, offset)?;
        let file = &inst.files[place.file];
        let (line, column) = crate::diagnostic::line_col(&file.text, place.start);
        let finding = Finding::new(Level::Error, "js-runtime", message)
            .in_file(file.name.clone())
            .at(
                file.text.clone(),
                place.start,
                place.end.max(place.start + 1),
            )
            .label("the rendered line comes from here")
            .scenario(scenario);
        Some(Located {
            file: file.name.clone(),
            path: absolute(&file.name),
            line,
            column,
            text: finding.text(false),
        })
    }
}

/// Run the checks after every build and print each new finding's first
/// line. The browsers learn of the new findings by asking for them after a
/// build: `/__mfa/findings` answers once the checks of that build are done.
pub async fn run(site: Arc<Site>) {
    let mut first = true;
    loop {
        site.findings.wake.notified().await;
        // The pages fetch the new build first: the checks would compete with
        // them for the CPU (a save's update takes 10–20 ms on a page, 20–40 in the gallery).
        tokio::time::sleep(GRACE).await;
        let checker = site.clone();
        let Ok((findings, changes)) = tokio::task::spawn_blocking(move || {
            let build = checker.current().number;
            checker.findings.run(&checker.project, build)
        })
        .await
        else {
            continue;
        };
        report(&findings, &changes, first);
        first = false;
    }
}

/// Each new finding's first line on stderr, then the count: after the
/// first run, and after a run that changed anything.
pub fn report(findings: &Findings, changes: &Changes, first: bool) {
    if !first && changes.new.is_empty() && changes.fixed == 0 {
        return;
    }
    let color = crate::diagnostic::stderr_wants_color();
    for item in &changes.new {
        let line = item.headline();
        if color {
            let code = if item.level == Level::Error {
                "31"
            } else {
                "33"
            };
            eprintln!("\x1b[{code}m{line}\x1b[0m");
        } else {
            eprintln!("{line}");
        }
    }
    let mut what = Vec::new();
    if !changes.new.is_empty() {
        what.push(format!("{} new", changes.new.len()));
    }
    if changes.fixed > 0 {
        what.push(format!("{} fixed", changes.fixed));
    }
    let what = if what.is_empty() {
        String::new()
    } else {
        format!(" ({})", what.join(", "))
    };
    eprintln!(
        "checks: {}{what} in {:.1} ms; details in the browser or with `mfa-page check`",
        findings.summary(),
        findings.took.as_secs_f64() * 1000.0
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::EngineConfig;

    fn write(dir: &Path, path: &str, text: &str) {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn editor_urls_fill_path_line_and_column() {
        assert_eq!(
            editor_url(EDITOR_URL, Path::new("/w/my page/t.liquid"), 3, 9),
            "vscode://file//w/my%20page/t.liquid:3:9"
        );
        assert_eq!(
            editor_url("idea://open?file={path}&line={line}", Path::new("/a"), 1, 2),
            "idea://open?file=/a&line=1"
        );
    }

    #[test]
    fn a_scenario_that_does_not_load_is_one_error() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "templates/mfa.liquid",
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>\n<p>{% if ticket %}{{ ticket | escape }}{% else %}{{ requestToken | escape }}{% endif %}</p>\n</body></html>\n",
        );
        write(root, "contexts/enroll.json", r#"{"ticket": "gten_1"}"#);
        write(
            root,
            "contexts/login.json",
            "{\"requestToken\": \"a.b.c\",\n}",
        );
        let project = Project {
            engine: EngineConfig::new(root.join("templates/mfa.liquid")),
            contexts: root.join("contexts"),
            keywords: Default::default(),
        };
        let (findings, _) = State::default().run(&project, 1);
        // Not also flow-login-missing and branch-uncovered: the note says they were skipped.
        assert_eq!(
            findings.summary(),
            "1 error, 0 warnings",
            "{:?}",
            findings.items
        );
        let codes: Vec<&str> = findings.items.iter().map(|i| i.code).collect();
        assert_eq!(codes, ["scenario-error", "checks-skipped"]);
    }

    #[test]
    fn runs_say_what_is_new_and_what_was_fixed_and_locate_rendered_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(
            root,
            "templates/mfa.liquid",
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>\n<p>{% if ticket %}{{ ticket | escape }}{% else %}{{ requestToken | escape }}{% endif %}</p>\n</body></html>\n",
        );
        write(root, "contexts/enroll.json", r#"{"ticket": "gten_1"}"#);
        write(root, "contexts/login.json", r#"{"requestToken": "a.b.c"}"#);
        let project = Project {
            engine: EngineConfig::new(root.join("templates/mfa.liquid")),
            contexts: root.join("contexts"),
            keywords: Default::default(),
        };
        let state = State::default();
        let (first, changes) = state.run(&project, 1);
        assert_eq!(first.summary(), "0 errors, 0 warnings", "{:?}", first.items);
        assert!(changes.new.is_empty());

        // A typo: one new warning, with check's text.
        write(
            root,
            "templates/mfa.liquid",
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>\n<p>{% if ticket %}{{ ticket | escape }}{% else %}{{ requestToken | escape }}{% endif %}{{ userData.emial }}</p>\n</body></html>\n",
        );
        let (second, changes) = state.run(&project, 2);
        assert_eq!(second.summary(), "0 errors, 1 warning");
        assert_eq!(changes.new.len(), 1);
        let item = &changes.new[0];
        assert_eq!(item.code, "unknown-variable");
        assert!(
            item.headline().starts_with("warning[unknown-variable]: ")
                && item.headline().contains("templates/mfa.liquid:2:"),
            "{}",
            item.headline()
        );
        assert!(item.text.contains("userData.emial"), "{}", item.text);
        assert!(
            item.editor_url(EDITOR_URL)
                .unwrap()
                .ends_with("/templates/mfa.liquid:2:100"),
            "{:?}",
            item.editor_url(EDITOR_URL)
        );
        let json = second.json(EDITOR_URL);
        assert_eq!(json["warnings"], 1);
        assert_eq!(json["findings"][0]["line"], 2);

        // The rendered second line maps back to the template's second line.
        let html = "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>\n<p>gten_1</p>\n</body></html>\n";
        let at = html.find("gten_1").unwrap();
        let located = State::locate(&second, "enroll", html, at, "boom").expect("a place");
        assert!(
            located.file.ends_with("templates/mfa.liquid"),
            "{located:?}"
        );
        assert_eq!((located.line, located.column), (2, 19));
        assert!(
            located.text.contains("{{ ticket | escape }}"),
            "{}",
            located.text
        );
        assert_eq!(State::locate(&second, "enroll", "other html", 3, "x"), None);

        // Fixed.
        write(
            root,
            "templates/mfa.liquid",
            "<!DOCTYPE html><html lang=\"en\"><head><title>t</title></head><body>\n<p>{% if ticket %}{{ ticket | escape }}{% else %}{{ requestToken | escape }}{% endif %}</p>\n</body></html>\n",
        );
        let (third, changes) = state.run(&project, 3);
        assert_eq!(third.summary(), "0 errors, 0 warnings");
        assert_eq!(changes.fixed, 1);
        assert_ne!(second.version, third.version);
    }
}
