//! The gallery at `/`: every scenario in a frame as tall as its page,
//! labelled with its name, its flow, its `$locale` and its count of
//! findings (which opens them), with width presets that switch every frame
//! and a button that gives one frame the full width.
//! `gallery.js` keeps it live: after a build it asks for the state with the
//! pages that changed (one request for every frame, see `/__mfa/state` in
//! routes.rs), has each frame update itself with its new page (in place or by
//! reloading, see `update.js`), updates the labels, swaps the
//! error overlay in place, and reloads the whole gallery only when the list
//! of scenarios or their flows changed.

use serde_json::json;

use super::build::{Build, Page};
use super::inject::{ASSET_VERSION, EVENTS_PATH};
use super::overlay::{self, escape};

/// Frame widths: mobile, tablet, desktop.
pub const WIDTHS: [(u32, &str); 3] = [(375, "Mobile"), (768, "Tablet"), (1280, "Desktop")];

const CSS: &str = include_str!("gallery.css");

/// What the browser needs to decide whether its view is current.
pub fn state(build: &Build, generation: &str) -> serde_json::Value {
    json!({
        "generation": generation,
        "key": layout_key(build),
        "errorsKey": errors_key(build),
        "errors": build.errors.iter().map(|d| {
            let (location, message) = overlay::headline(d);
            json!({ "location": location, "message": message })
        }).collect::<Vec<_>>(),
        "scenarios": build.pages.iter().map(|p| json!({
            "name": p.name,
            "flow": p.flow.to_string(),
            "warnings": p.warnings.len(),
            "failed": p.failed,
            "version": page_version(build, p),
        })).collect::<Vec<_>>(),
    })
}

/// Changes when the gallery's cards would change (scenarios, flows, locales): the
/// gallery reloads. Warning counts and the frames' content are updated in
/// place, and so are the errors ([`errors_key`]).
fn layout_key(build: &Build) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &build.pages {
        (&p.name, p.flow.to_string(), &p.locale).hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// Changes when the build's errors or the scenarios marked stale change: the
/// gallery swaps its overlay and the "stale" marks in place.
fn errors_key(build: &Build) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for p in &build.pages {
        (&p.name, p.failed).hash(&mut h);
    }
    for d in &build.errors {
        d.render(false).hash(&mut h);
    }
    format!("{:016x}", h.finish())
}

/// Changes when the page's render or the files beside the template change:
/// only such frames are updated.
pub fn page_version(build: &Build, page: &Page) -> String {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&page.html, build.assets).hash(&mut h);
    format!("{:016x}", h.finish())
}

pub fn html(build: &Build, generation: &str, template: &str) -> String {
    let mut cards = String::new();
    for page in &build.pages {
        let name = escape(&page.name);
        let flow = page.flow.to_string();
        let flow_class = flow.split(' ').next().unwrap_or("neither");
        let locale = page.locale.as_deref().map_or_else(String::new, |l| {
            format!(
                "<span class=\"locale\" title=\"The page sees navigator.language = {l}\">{l}</span>",
                l = escape(l)
            )
        });
        cards.push_str(&format!(
            "<article class=\"card\" data-scenario=\"{name}\" data-flow=\"{flow}\" data-version=\"{version}\">\
<header><a class=\"name\" href=\"/s/{name}\" target=\"_blank\" title=\"Open {name} on its own\">{name}</a>\
<span class=\"flow flow-{flow_class}\">{flow}</span>{locale}\
<button type=\"button\" class=\"count\" title=\"This scenario's findings\">…</button>\
<span class=\"failed\" title=\"The latest build failed for this scenario: it shows its last good render\"{failed}>stale</span>\
<span class=\"js\" hidden>JS error</span>\
<button type=\"button\" class=\"enlarge\" aria-pressed=\"false\" title=\"Full width\">⤢</button></header>\
<div class=\"frame\"><iframe src=\"/s/{name}\" title=\"Scenario {name}\" width=\"375\" height=\"150\" scrolling=\"no\"></iframe></div></article>",
            version = page_version(build, page),
            failed = if page.failed { "" } else { " hidden" },
        ));
    }
    if build.pages.is_empty() {
        cards.push_str(
            "<p class=\"empty\">No scenarios yet: add a JSON file to the contexts folder, \
             such as <code>contexts/login.json</code>.</p>",
        );
    }
    let buttons: String = WIDTHS
        .iter()
        .map(|(w, label)| {
            format!(
                "<button type=\"button\" data-width=\"{w}\">{label} <small>{w}</small></button>"
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<title>mfa-page · {template}</title>\n<style>{CSS}</style>\n</head>\n\
<body data-mfa-gallery data-generation=\"{generation}\" data-key=\"{key}\" data-errors-key=\"{errors_key}\" data-events=\"{EVENTS_PATH}\">\n\
<header class=\"bar\"><h1>mfa-page</h1><code class=\"file\">{template}</code>\
<span class=\"summary\">{scenarios}</span>\
<button type=\"button\" class=\"findings-summary\" title=\"What mfa-page check finds (all but snapshots), after every save\">checking…</button>\
<div class=\"widths\" role=\"group\" aria-label=\"Frame width\">{buttons}</div></header>\n\
<main class=\"grid\">{cards}</main>\n{overlay}\n\
<script src=\"/__mfa/gallery.js?v={version}\"></script>\n</body>\n</html>\n",
        template = escape(template),
        generation = escape(generation),
        key = layout_key(build),
        errors_key = errors_key(build),
        scenarios = plural(build.pages.len(), "scenario"),
        overlay = overlay::html(&build.errors),
        version = *ASSET_VERSION,
    )
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
