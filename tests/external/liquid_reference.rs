//! Differential tests against two reference engines: Shopify's own (the Ruby
//! `liquid` gem, `tests/liquid_reference.rb`) and LiquidJS (the npm package
//! `liquidjs`, pinned in `tests/package.json`, `tests/liquid_reference.mjs`).
//! Every case of `tests/liquid-corpus/*.cases`, plus this repository's own
//! template with each of its scenarios, must render to the same bytes with
//! mfa-page and with the reference, or fail in both.
//!
//! Each reference has its own allow-list of known differences, each with its
//! reason: `tests/liquid-corpus/known-differences.txt` (Ruby) and
//! `known-differences-liquidjs.txt`. An unlisted difference fails the test,
//! and so does a listed case that no longer differs. Ruby needs the gem,
//! LiquidJS needs node and `npm ci --prefix tests` (see `tests/external/main.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use mfa_page::budget::Limits;
use mfa_page::engine::Engine;
use mfa_page::ordered::OrderedObject;
use mfa_page::scenario;
use mfa_page::source::SourceFile;

struct Case {
    name: String,
    context: String,
    template: String,
    partials: Vec<(String, String)>,
}

/// The corpus format: `=== name`, then `--- context` (JSON), `--- partial NAME`
/// and `--- template` sections; one trailing newline of each text is dropped.
fn parse_cases(text: &str) -> Vec<Case> {
    #[derive(PartialEq)]
    enum Section {
        None,
        Context,
        Template,
        Partial,
    }
    let mut cases: Vec<Case> = Vec::new();
    let mut section = Section::None;
    for line in text.split_inclusive('\n') {
        if let Some(name) = line.strip_prefix("=== ") {
            cases.push(Case {
                name: name.trim().to_owned(),
                context: String::new(),
                template: String::new(),
                partials: Vec::new(),
            });
            section = Section::None;
            continue;
        }
        let Some(case) = cases.last_mut() else {
            continue;
        };
        if let Some(header) = line.strip_prefix("--- ") {
            let mut words = header.trim().splitn(2, ' ');
            section = match words.next() {
                Some("context") => Section::Context,
                Some("template") => Section::Template,
                Some("partial") => {
                    case.partials
                        .push((words.next().unwrap_or("").to_owned(), String::new()));
                    Section::Partial
                }
                other => panic!("unknown section {other:?} in case {}", case.name),
            };
            continue;
        }
        match section {
            Section::Context => case.context.push_str(line),
            Section::Template => case.template.push_str(line),
            Section::Partial => case.partials.last_mut().unwrap().1.push_str(line),
            Section::None => {}
        }
    }
    for case in &mut cases {
        strip_newline(&mut case.template);
        for (_, text) in &mut case.partials {
            strip_newline(text);
        }
    }
    cases
}

fn strip_newline(s: &mut String) {
    if s.ends_with('\n') {
        s.pop();
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("tests/liquid-corpus"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "cases"))
        .collect();
    files.sort();
    files
}

/// This repository's template with each of its scenarios, as corpus cases.
fn project_cases() -> String {
    let template = std::fs::read_to_string(root().join("templates/mfa.liquid")).unwrap();
    let contexts = root().join("contexts");
    let mut out = String::new();
    for (name, path) in scenario::list(&contexts).unwrap() {
        let s = scenario::load(&path.to_string_lossy(), &contexts).unwrap();
        let json = serde_json::Value::Object(s.data.clone());
        out.push_str(&format!(
            "=== project/mfa.liquid/{name}\n--- context\n{json}\n--- template\n{template}\n"
        ));
    }
    out
}

fn ours(case: &Case) -> Result<String, String> {
    let file = |name: &str, text: &str| SourceFile {
        path: PathBuf::from(name),
        name: name.to_owned(),
        text: Arc::from(text),
    };
    let partials = case
        .partials
        .iter()
        .map(|(n, t)| {
            (
                format!("{n}.liquid"),
                Ok(file(&format!("partials/{n}.liquid"), t)),
            )
        })
        .collect();
    let engine = Engine::compile(
        file("case.liquid", &case.template),
        partials,
        Limits::default(),
    )
    .map_err(|d| d.message)?;
    let json: serde_json::Value = if case.context.trim().is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_str(&case.context).expect("corpus context is JSON")
    };
    // As `mfa-page render` reads a scenario: hashes keep the file's key order.
    let context = match &json {
        serde_json::Value::Object(map) => OrderedObject::from_json(map),
        _ => panic!("context of {} is not an object", case.name),
    };
    engine
        .render(&context)
        .map(|r| r.html)
        .map_err(|d| d.message)
}

/// A reference engine of the differential test.
#[derive(Debug, Clone, Copy)]
enum Reference {
    /// Shopify's gem, run by `ruby tests/liquid_reference.rb`.
    Ruby,
    /// LiquidJS, run by `node tests/liquid_reference.mjs`.
    LiquidJs,
}

impl Reference {
    fn name(self) -> &'static str {
        match self {
            Reference::Ruby => "the Ruby reference engine",
            Reference::LiquidJs => "LiquidJS",
        }
    }

    /// The allow-list of this reference, under `tests/liquid-corpus/`.
    fn known_differences_file(self) -> &'static str {
        match self {
            Reference::Ruby => "known-differences.txt",
            Reference::LiquidJs => "known-differences-liquidjs.txt",
        }
    }

    fn command(self) -> Command {
        match self {
            Reference::Ruby => {
                let mut cmd = Command::new("ruby");
                cmd.arg(root().join("tests/liquid_reference.rb"));
                cmd
            }
            Reference::LiquidJs => {
                let mut cmd = Command::new("node");
                cmd.arg(root().join("tests/liquid_reference.mjs"));
                cmd
            }
        }
    }
}

/// Why LiquidJS cannot run, if it cannot: node missing or older than the
/// pinned `liquidjs` accepts, or the package not installed at its pinned version.
pub fn missing_liquidjs() -> Option<String> {
    let node = Command::new("node").arg("--version").output().ok();
    let Some(node) = node.filter(|o| o.status.success()) else {
        return Some("node is not installed (Node.js >= 16 for liquidjs, see .ci/run)".into());
    };
    let version = String::from_utf8_lossy(&node.stdout).trim().to_owned();
    let major: Option<u32> = version
        .trim_start_matches('v')
        .split('.')
        .next()
        .and_then(|m| m.parse().ok());
    if major.is_none_or(|m| m < 16) {
        return Some(format!(
            "node {version} is older than liquidjs accepts (>=16)"
        ));
    }
    let read = |path: &str| -> Option<serde_json::Value> {
        let text = std::fs::read_to_string(root().join(path)).ok()?;
        serde_json::from_str(&text).ok()
    };
    let pinned = read("tests/package.json")
        .and_then(|p| p["dependencies"]["liquidjs"].as_str().map(str::to_owned))
        .expect("tests/package.json pins liquidjs");
    let installed = read("tests/node_modules/liquidjs/package.json")
        .and_then(|p| p["version"].as_str().map(str::to_owned));
    match installed {
        None => Some("liquidjs is not installed: run `npm ci --prefix tests`".into()),
        Some(v) if v != pinned => Some(format!(
            "liquidjs {v} is installed but tests/package.json pins {pinned}: run `npm ci --prefix tests`"
        )),
        Some(_) => None,
    }
}

/// `case name | reason` lines; `#` starts a comment.
fn known_differences(reference: Reference) -> BTreeMap<String, String> {
    let file = reference.known_differences_file();
    let text = std::fs::read_to_string(root().join("tests/liquid-corpus").join(file)).unwrap();
    let mut known = BTreeMap::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, reason) = line
            .split_once(" | ")
            .unwrap_or_else(|| panic!("{file}: known difference without a reason: {line}"));
        let previous = known.insert(name.trim().to_owned(), reason.trim().to_owned());
        assert!(
            previous.is_none(),
            "{file}: {} is listed twice",
            name.trim()
        );
    }
    known
}

/// Needs [`crate::Program::RubyLiquid`].
pub fn renders_as_the_reference_engine() {
    renders_as(Reference::Ruby);
}

/// Needs [`crate::Program::LiquidJs`].
pub fn renders_as_liquidjs() {
    renders_as(Reference::LiquidJs);
}

/// Render the corpus with mfa-page and with `reference`; fail on a difference
/// that its allow-list does not hold, and on a listed case that agrees.
fn renders_as(reference: Reference) {
    let project = std::env::temp_dir().join(format!(
        "mfa-page-project-{:?}-{}.cases",
        reference,
        std::process::id()
    ));
    let project_text = project_cases();
    std::fs::write(&project, &project_text).unwrap();
    let mut files = corpus_files();
    files.push(project.clone());

    let output = reference.command().args(&files).output();
    std::fs::remove_file(&project).ok();
    let output = output.unwrap_or_else(|e| panic!("run {}: {e}", reference.name()));
    assert!(
        output.status.success(),
        "the script of {} failed: {}",
        reference.name(),
        String::from_utf8_lossy(&output.stderr)
    );
    let rendered: BTreeMap<String, serde_json::Value> = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("the script of {} prints JSON: {e}", reference.name()));

    let mut cases = Vec::new();
    for file in &files {
        let text = if *file == project {
            project_text.clone()
        } else {
            std::fs::read_to_string(file).unwrap()
        };
        cases.extend(parse_cases(&text));
    }
    assert!(
        cases.len() >= 300,
        "the corpus has only {} cases",
        cases.len()
    );
    let list = reference.known_differences_file();
    let known = known_differences(reference);
    let mut unexpected = Vec::new();
    let mut agree = 0;
    let mut seen = std::collections::BTreeSet::new();
    // MFA_PAGE_CORPUS_OUT=file.json keeps mfa-page's results in the scripts' format,
    // to compare with theirs (tests/liquid-corpus/README.md).
    let mut dump = serde_json::Map::new();
    for case in &cases {
        assert!(
            seen.insert(case.name.clone()),
            "duplicate case {}",
            case.name
        );
        let theirs = &rendered[&case.name];
        let mine = ours(case);
        dump.insert(
            case.name.clone(),
            match &mine {
                Ok(html) => serde_json::json!({ "output": html }),
                Err(message) => serde_json::json!({ "error": message }),
            },
        );
        let same = match (&mine, theirs.get("output")) {
            (Ok(html), Some(expected)) => expected.as_str() == Some(html.as_str()),
            (Err(_), None) => true,
            _ => false,
        };
        if same {
            agree += 1;
            if known.contains_key(&case.name) {
                unexpected.push(format!(
                    "{}: listed in {list} but now renders as {}: remove it",
                    case.name,
                    reference.name()
                ));
            }
        } else if !known.contains_key(&case.name) {
            unexpected.push(format!(
                "{}:\n  template:  {:?}\n  reference: {}\n  mfa-page:  {:?}",
                case.name, case.template, theirs, mine
            ));
        }
    }
    if let Some(path) = std::env::var_os("MFA_PAGE_CORPUS_OUT") {
        std::fs::write(&path, serde_json::Value::Object(dump).to_string()).unwrap();
    }
    for name in known.keys() {
        if !seen.contains(name) {
            unexpected.push(format!("{name}: listed in {list} but no such case"));
        }
    }
    eprintln!(
        "agreement with {}: {agree} of {} cases ({:.1}%), {} listed in {list}",
        reference.name(),
        cases.len(),
        100.0 * agree as f64 / cases.len() as f64,
        known.len()
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected difference(s) from {}:\n{}",
        unexpected.len(),
        reference.name(),
        unexpected.join("\n")
    );
}
