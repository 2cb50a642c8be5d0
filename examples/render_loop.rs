//! Render one starter scenario N times, with mfa-page or with the bare
//! `liquid` crate, and print the nanoseconds per render. For instruction
//! counts that do not depend on the machine's load (`benches/instructions.sh`
//! runs it under callgrind) and for interleaved timings on a busy machine.
//!
//! Usage: `cargo run --release --example render_loop -- (mfa-page|bare-liquid) SCENARIO N`
//! (from the repository root; the scenario is completed as in `benches/render.rs`).

use std::path::Path;

use mfa_page::engine::{Engine, EngineConfig};
use mfa_page::scenario;
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, engine_name, name, n] = args.as_slice() else {
        eprintln!("usage: render_loop (mfa-page|bare-liquid) SCENARIO N");
        std::process::exit(2);
    };
    let n: usize = n.parse().expect("N is a number");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let template_path = root.join("templates/mfa.liquid");
    let contexts = root.join("contexts");
    let mut s = scenario::load(name, &contexts).expect("a starter scenario");
    // Every variable Auth0 may pass, so that the strict bare crate renders too.
    let defaults = json!({
        "iconUrl": "https://cdn.example.com/logo.png", "primaryColor": "#635dff",
        "pageBackgroundColor": "#f3f4f8", "errors": [], "allowRememberBrowser": false,
        "stateCheckingMechanism": "polling", "requestToken": "", "postActionURL": "",
        "userData": { "tenantFriendlyName": "Acme" }
    });
    let mut data = defaults.as_object().unwrap().clone();
    scenario::merge(&mut data, std::mem::take(&mut s.data));
    s.data = data;

    let started;
    let mut bytes = 0;
    match engine_name.as_str() {
        "mfa-page" => {
            let engine = Engine::load(&EngineConfig::new(&template_path)).unwrap();
            let context = s.context();
            started = std::time::Instant::now();
            for _ in 0..n {
                bytes += engine.render(&context).unwrap().html.len();
            }
        }
        _ => {
            let bare = liquid::ParserBuilder::with_stdlib()
                .build()
                .unwrap()
                .parse(&std::fs::read_to_string(&template_path).unwrap())
                .unwrap();
            let object = match scenario::to_liquid(&serde_json::Value::Object(s.data.clone())) {
                liquid::model::Value::Object(o) => o,
                _ => unreachable!("a scenario is an object"),
            };
            started = std::time::Instant::now();
            for _ in 0..n {
                bytes += bare.render(&object).unwrap().len();
            }
        }
    }
    let per = started.elapsed().as_nanos() as f64 / n.max(1) as f64;
    println!("{per:.0} ns per render ({bytes} bytes in all)");
}
