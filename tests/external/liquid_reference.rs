//! Differential test against Shopify's reference engine (the Ruby `liquid`
//! gem): every case of `tests/liquid-corpus/*.cases`, plus this repository's
//! own template with each of its scenarios, must render to the same bytes
//! with mfa-page and with Ruby (`tests/liquid_reference.rb`), or fail in both.
//!
//! Known differences live in `tests/liquid-corpus/known-differences.txt`,
//! each with its reason; an unlisted difference fails the test, and so does a
//! listed case that no longer differs. It needs Ruby with the gem (see
//! `tests/external/main.rs`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use mfa_page::engine::Engine;
use mfa_page::ordered::OrderedObject;
use mfa_page::runtime::Limits;
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

/// `case name | reason` lines; `#` starts a comment.
fn known_differences() -> BTreeMap<String, String> {
    let text =
        std::fs::read_to_string(root().join("tests/liquid-corpus/known-differences.txt")).unwrap();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (name, reason) = l
                .split_once(" | ")
                .unwrap_or_else(|| panic!("known difference without a reason: {l}"));
            (name.trim().to_owned(), reason.trim().to_owned())
        })
        .collect()
}

/// Needs [`crate::Program::RubyLiquid`].
pub fn renders_as_the_reference_engine() {
    let project =
        std::env::temp_dir().join(format!("mfa-page-project-{}.cases", std::process::id()));
    std::fs::write(&project, project_cases()).unwrap();
    let mut files = corpus_files();
    files.push(project.clone());

    let output = Command::new("ruby")
        .arg(root().join("tests/liquid_reference.rb"))
        .args(&files)
        .output()
        .expect("run ruby");
    assert!(
        output.status.success(),
        "the reference script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reference: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&output.stdout).expect("the reference script prints JSON");

    let mut cases = Vec::new();
    for file in &files {
        cases.extend(parse_cases(&std::fs::read_to_string(file).unwrap()));
    }
    std::fs::remove_file(&project).ok();
    assert!(
        cases.len() >= 300,
        "the corpus has only {} cases",
        cases.len()
    );
    let known = known_differences();
    let mut unexpected = Vec::new();
    let mut agree = 0;
    let mut seen = std::collections::BTreeSet::new();
    for case in &cases {
        assert!(
            seen.insert(case.name.clone()),
            "duplicate case {}",
            case.name
        );
        let theirs = &reference[&case.name];
        let mine = ours(case);
        let same = match (&mine, theirs.get("output")) {
            (Ok(html), Some(expected)) => expected.as_str() == Some(html.as_str()),
            (Err(_), None) => true,
            _ => false,
        };
        if same {
            agree += 1;
            if known.contains_key(&case.name) {
                unexpected.push(format!(
                    "{}: listed in known-differences.txt but now renders as the reference: remove it",
                    case.name
                ));
            }
        } else if !known.contains_key(&case.name) {
            unexpected.push(format!(
                "{}:\n  template:  {:?}\n  reference: {}\n  mfa-page:  {:?}",
                case.name, case.template, theirs, mine
            ));
        }
    }
    for name in known.keys() {
        if !seen.contains(name) {
            unexpected.push(format!(
                "{name}: listed in known-differences.txt but no such case"
            ));
        }
    }
    eprintln!(
        "agreement with the reference engine: {agree} of {} cases ({:.1}%)",
        cases.len(),
        100.0 * agree as f64 / cases.len() as f64
    );
    assert!(
        unexpected.is_empty(),
        "{} unexpected difference(s):\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
}
