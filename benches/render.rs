//! Render cost of each starter scenario: mfa-page's lenient renderer against
//! the bare `liquid` crate on the same template.
//!
//! The bare crate fails on any undefined variable, so both engines get each
//! scenario completed with every variable Auth0 may pass (the same bytes come
//! out of both); that isolates the cost of the lenient layer itself.
//!
//! Run: `cargo bench --bench render`

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use mfa_page::engine::{Engine, EngineConfig};
use mfa_page::scenario;
use serde_json::json;

fn complete(
    mut data: serde_json::Map<String, serde_json::Value>,
) -> serde_json::Map<String, serde_json::Value> {
    let defaults = json!({
        "iconUrl": "https://cdn.example.com/logo.png",
        "primaryColor": "#635dff",
        "pageBackgroundColor": "#f3f4f8",
        "errors": [],
        "allowRememberBrowser": false,
        "stateCheckingMechanism": "polling",
        "requestToken": "",
        "postActionURL": "",
        "userData": { "tenantFriendlyName": "Acme" }
    });
    let mut merged = defaults.as_object().unwrap().clone();
    scenario::merge(&mut merged, std::mem::take(&mut data));
    merged
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template_path = root.join("templates/mfa.liquid");
    let engine = Engine::load(&EngineConfig::new(&template_path)).unwrap();
    let bare = liquid::ParserBuilder::with_stdlib()
        .build()
        .unwrap()
        .parse(&std::fs::read_to_string(&template_path).unwrap())
        .unwrap();

    for (name, path) in scenario::list(&root.join("contexts")).unwrap() {
        let mut s = scenario::load(&path.to_string_lossy(), &root.join("contexts")).unwrap();
        s.data = complete(s.data);
        // mfa-page renders the scenario as the product does (hashes in JSON
        // order); the bare crate renders its own hash-map Object.
        let context = s.context();
        let object = match scenario::to_liquid(&serde_json::Value::Object(s.data.clone())) {
            liquid::model::Value::Object(o) => o,
            _ => unreachable!("a scenario is an object"),
        };
        let ours = engine.render(&context).unwrap().html;
        let theirs = bare.render(&object).unwrap();
        assert_eq!(ours, theirs, "both engines must render {name} the same");

        let mut group = c.benchmark_group(name.as_str());
        group.bench_function("mfa-page", |b| b.iter(|| engine.render(&context).unwrap()));
        group.bench_function("bare-liquid", |b| b.iter(|| bare.render(&object).unwrap()));
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
