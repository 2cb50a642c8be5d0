//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay
//! test, so that what CI replays is exactly what was fuzzed. Each takes
//! arbitrary bytes and must never panic.

use std::sync::Arc;
use std::time::Duration;

use crate::budget::Limits;
use crate::engine::Engine;
use crate::scenario;
use crate::source::{self, SourceFile};

fn file(name: &str, text: String) -> SourceFile {
    SourceFile {
        path: name.into(),
        name: name.into(),
        text: Arc::from(text),
    }
}

/// Template, then (after the first NUL byte) a JSON context; a second NUL
/// separates a partial named `p`. Compile, render, and build every diagnostic.
pub fn render_case(data: &[u8]) {
    let mut parts = data.splitn(3, |b| *b == 0);
    let template = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let context = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let partial = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let limits = Limits {
        time: Duration::from_millis(200),
        steps: 200_000,
        memory_bytes: 64 * 1024 * 1024,
        output_bytes: 1024 * 1024,
    };
    let engine = Engine::compile(
        file("mfa.liquid", template),
        vec![("p.liquid".into(), Ok(file("partials/p.liquid", partial)))],
        limits,
    );
    let engine = match engine {
        Ok(e) => e,
        Err(d) => {
            let _ = d.render(false);
            return;
        }
    };
    let data = scenario::parse_object(&file("c.json", context)).unwrap_or_default();
    let scenario = scenario::Scenario {
        name: "fuzz".into(),
        file: "c.json".into(),
        data,
        keywords: Default::default(),
        locale: None,
        warnings: Vec::new(),
    };
    match engine.render_scenario(&scenario) {
        Ok(rendered) => {
            for d in engine.undefined_warnings(&rendered, "fuzz") {
                let _ = d.render(false);
            }
        }
        Err(d) => {
            let _ = d.render(false);
        }
    }
    let _ = crate::export::flatten::flatten(&engine, &Default::default());
}

/// A context file's bytes: decode, parse, merge over a base, apply `--set`
/// overrides made from its own keys, fill keywords, convert for the renderer.
pub fn context_case(data: &[u8]) {
    let text = match source::decode("c.json", data.to_vec()) {
        Ok(t) => t,
        Err(d) => {
            let _ = d.render(false);
            return;
        }
    };
    let parsed = scenario::parse_object(&file("c.json", text.clone()));
    let Ok(mut top) = parsed else {
        let _ = parsed.map_err(|d| d.render(false));
        return;
    };
    let mut merged =
        serde_json::json!({"userData": {"email": "a@b.c"}, "errors": [{"message": "m"}]})
            .as_object()
            .cloned()
            .unwrap_or_default();
    let keys: Vec<String> = top.keys().take(4).cloned().collect();
    scenario::merge(&mut merged, std::mem::take(&mut top));
    for key in keys {
        let _ = scenario::apply_set(&mut merged, &format!("{key}.x={key}"));
        let _ = scenario::apply_set(&mut merged, &format!("errors.0.{key}=null"));
    }
    let _ = scenario::to_liquid(&serde_json::Value::Object(merged.clone()));
    let _ = crate::keywords::substitute(&text, &merged);
}
