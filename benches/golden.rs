//! Conformance with standard Liquid, measured on the golden-liquid suite
//! (<https://github.com/jg-rp/golden-liquid>, `golden_liquid.json`: 1,054
//! cases). The suite is not part of this repository; point at a copy:
//!
//! ```text
//! GOLDEN=/path/to/golden_liquid.json cargo bench --bench golden
//! GOLDEN=… FAILURES=1 cargo bench --bench golden   # list every failing case
//! ```
//!
//! A case passes when its template renders to the expected result (or one of
//! the expected results), or, for a case marked `invalid`, when mfa-page
//! refuses it with an error. A panic is a failure.

use std::sync::Arc;
use std::time::Duration;

use mfa_page::budget::Limits;
use mfa_page::engine::Engine;
use mfa_page::scenario::{self, Scenario};
use mfa_page::source::SourceFile;

fn file(name: &str, text: &str) -> SourceFile {
    SourceFile {
        path: name.into(),
        name: name.into(),
        text: Arc::from(text),
    }
}

enum Outcome {
    Rendered(String),
    Refused(String),
}

fn run(case: &serde_json::Value) -> Outcome {
    let template = case["template"].as_str().unwrap_or_default();
    let partials = case["templates"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(name, text)| {
                    let name = format!("{name}.liquid");
                    let f = file(&name, text.as_str().unwrap_or_default());
                    (name, Ok(f))
                })
                .collect()
        })
        .unwrap_or_default();
    let limits = Limits {
        time: Duration::from_secs(2),
        ..Limits::default()
    };
    let engine = match Engine::compile(file("case.liquid", template), partials, limits) {
        Ok(e) => e,
        Err(d) => return Outcome::Refused(d.message),
    };
    let data = case.get("data").cloned().unwrap_or(serde_json::json!({}));
    let context = file("data.json", &data.to_string());
    let data = match scenario::parse_object(&context) {
        Ok(d) => d,
        Err(d) => return Outcome::Refused(format!("data: {}", d.message)),
    };
    let scenario = Scenario {
        name: "golden".into(),
        file: "data.json".into(),
        data,
        keywords: Default::default(),
        locale: None,
        warnings: Vec::new(),
    };
    match engine.render_scenario(&scenario) {
        Ok(r) => Outcome::Rendered(r.html),
        Err(d) => Outcome::Refused(d.message),
    }
}

fn main() {
    let Some(path) = std::env::var_os("GOLDEN") else {
        eprintln!("golden: set GOLDEN to the path of golden-liquid's golden_liquid.json; skipped");
        return;
    };
    let text = std::fs::read_to_string(&path).expect("read GOLDEN");
    let suite: serde_json::Value = serde_json::from_str(&text).expect("GOLDEN is JSON");
    let cases = suite["tests"].as_array().expect("a `tests` array");
    let show = std::env::var_os("FAILURES").is_some();
    let (mut passed, mut panicked) = (0, 0);
    for case in cases {
        let name = case["name"].as_str().unwrap_or("?");
        let outcome = match mfa_page::panic::catch(|| run(case)) {
            Ok(o) => o,
            Err(p) => {
                panicked += 1;
                Outcome::Refused(format!("PANIC: {p}"))
            }
        };
        let invalid = case["invalid"].as_bool().unwrap_or(false);
        let expected: Vec<&str> = match case.get("results").and_then(|r| r.as_array()) {
            Some(list) => list.iter().filter_map(|r| r.as_str()).collect(),
            None => case["result"].as_str().into_iter().collect(),
        };
        let ok = match &outcome {
            Outcome::Rendered(html) => !invalid && expected.iter().any(|e| e == html),
            Outcome::Refused(m) => invalid && !m.starts_with("PANIC"),
        };
        if ok {
            passed += 1;
        } else if show {
            let got = match &outcome {
                Outcome::Rendered(h) => format!("rendered {h:?}"),
                Outcome::Refused(m) => format!("refused: {m}"),
            };
            let want = if invalid {
                "an error".to_owned()
            } else {
                format!("{expected:?}")
            };
            println!(
                "FAIL {name}\n  template: {:?}\n  want {want}\n  got  {got}",
                case["template"].as_str().unwrap_or_default()
            );
        }
    }
    let total = cases.len();
    println!(
        "golden-liquid: {passed}/{total} passed ({:.1}%), {panicked} panicked",
        100.0 * passed as f64 / total as f64
    );
}
