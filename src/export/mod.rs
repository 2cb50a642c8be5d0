//! `export`: one self-contained template for Auth0, proven to render every
//! scenario exactly as the project does.

pub mod assets;
pub mod flatten;
pub mod formats;

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Map, Value as Json};
use similar::TextDiff;

use crate::diagnostic::Diagnostic;
use crate::engine::Engine;

use crate::source::SourceFile;

/// The exported template and what was proven about it.
#[derive(Debug)]
pub struct Exported {
    pub template: String,
    /// Scenarios rendered identically by the source and the export.
    pub scenarios: Vec<String>,
}

/// deploy-cli keyword values for an export.
#[derive(Debug, Clone, Copy)]
pub struct Keywords<'a> {
    /// A deploy-cli config's `AUTH0_KEYWORD_REPLACE_MAPPINGS`.
    pub mappings: &'a Map<String, Json>,
    /// Fill the placeholders in the export, as deploy-cli would (html,
    /// tenant-settings, deploy); every placeholder must then have a value.
    /// Otherwise they stay for deploy-cli to fill.
    pub fill: bool,
    /// Where the mappings came from, for messages.
    pub from: &'a str,
}

/// Flatten partials, inline local assets, and prove the result equivalent on
/// every scenario in `contexts` (placeholders kept as they are).
pub fn export(engine: &Engine, contexts: &Path) -> Result<Exported, Vec<Diagnostic>> {
    let none = Map::new();
    export_with(
        engine,
        contexts,
        Keywords {
            mappings: &none,
            fill: false,
            from: "",
        },
    )
}

/// [`export`] with deploy-cli keyword values: the config's values win over
/// a scenario's `keywords` on both sides of the proof.
pub fn export_with(
    engine: &Engine,
    contexts: &Path,
    keywords: Keywords<'_>,
) -> Result<Exported, Vec<Diagnostic>> {
    let base = engine
        .source()
        .path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // The scenarios the export is proven on, loaded as every command loads them.
    let project = crate::project::Project {
        engine: crate::engine::EngineConfig::new(&engine.source().path),
        contexts: contexts.to_path_buf(),
        keywords: keywords.mappings.clone(),
    };
    let list = project.scenario_files()?;
    if list.is_empty() {
        return Err(vec![
            Diagnostic::error("no scenarios to prove the export against")
                .in_file(crate::source::display_path(contexts))
                .with_help("add at least one scenario (contexts/login.json, contexts/enroll.json)"),
        ]);
    }
    let mut scenarios = Vec::new();
    let mut errors = Vec::new();
    for (_, path) in &list {
        match project.load_scenario(&path.to_string_lossy(), false) {
            Ok(s) => scenarios.push(s),
            Err(d) => errors.push(d),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }

    // 1. Local stylesheets and scripts, in the template and in every partial.
    let with_assets = |file: &SourceFile| -> Result<SourceFile, Diagnostic> {
        let text = assets::inline(&file.text, file, &base, assets::Mode::Template)?;
        Ok(SourceFile {
            text: text.into(),
            ..file.clone()
        })
    };
    let template = with_assets(engine.source())?;
    let mut partials = Vec::new();
    for name in engine.partials().names_on_disk() {
        let file = engine
            .partials()
            .file_for(&name)
            .expect("listed partial exists");
        partials.push((name.clone(), Ok(with_assets(file)?)));
    }
    let inlined = Engine::compile(template, partials, engine.limits())?;

    // 2. Partials.
    let mut outer: BTreeSet<String> = crate::auth0::names().map(str::to_owned).collect();
    for s in &scenarios {
        outer.extend(s.data.keys().cloned());
    }
    let mut text = flatten::flatten(&inlined, &outer)?;
    if keywords.fill {
        let missing: Vec<Diagnostic> = unfilled(&text, keywords.mappings)
            .into_iter()
            .map(|shown| locate_placeholder(engine, &text, &shown, keywords.from))
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        text = crate::keywords::replace(&text, keywords.mappings);
    }

    // 3. The result must be one valid template with no local references.
    let exported_file = SourceFile {
        path: engine.source().path.clone(),
        name: format!("{} (exported)", engine.source().name),
        text: text.clone().into(),
    };
    let exported = Engine::compile(exported_file, Vec::new(), engine.limits()).map_err(|d| {
        vec![Diagnostic::error(format!(
            "the exported template does not parse; this is a bug in mfa-page export: {}",
            d.message
        ))]
    })?;
    let leftovers = assets::local_references(&text);
    if !leftovers.is_empty() {
        return Err(leftovers
            .into_iter()
            .map(|(_, url)| locate_reference(engine, &url))
            .collect());
    }

    // 4. Proof: every scenario renders the same bytes both ways.
    let mut proven = Vec::new();
    for s in &scenarios {
        let page_file = SourceFile {
            path: engine.source().path.clone(),
            name: format!("rendered page of scenario `{}`", s.name),
            text: "".into(),
        };
        let expected = engine
            .render_scenario(s)
            .and_then(|r| assets::inline(&r.html, &page_file, &base, assets::Mode::Page));
        // A filled export is rendered as it is: its placeholders are replaced already.
        let actual = if keywords.fill {
            exported.render(&s.context())
        } else {
            exported.render_scenario(s)
        }
        .map(|r| r.html);
        match (expected, actual) {
            (Ok(expected), Ok(actual)) if expected == actual => proven.push(s.name.clone()),
            (Ok(expected), Ok(actual)) => errors.push(mismatch(&s.name, &expected, &actual)),
            (Err(d), _) => errors.push(Diagnostic {
                message: format!("{} (scenario `{}`)", d.message, s.name),
                ..d
            }),
            (_, Err(d)) => errors.push(Diagnostic::error(format!(
                "the exported template fails to render scenario `{}`: {}",
                s.name, d.message
            ))),
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Exported {
        template: text,
        scenarios: proven,
    })
}

fn mismatch(scenario: &str, expected: &str, actual: &str) -> Diagnostic {
    let diff = TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(2)
        .header(
            &format!("{scenario} rendered from the project"),
            &format!("{scenario} rendered from the export"),
        )
        .to_string();
    Diagnostic::error(format!(
        "not writing the export: scenario `{scenario}` renders differently from it"
    ))
    .with_help("a partial or asset could not be inlined faithfully; keep it in the main template")
    .with_detail(diff)
}

/// The placeholders in `text` without a value, as written (`##KEY##`), each once.
fn unfilled(text: &str, mappings: &Map<String, Json>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (offset, len, key, _) in crate::keywords::placeholders(text) {
        let shown = &text[offset..offset + len];
        if !mappings.contains_key(key) && !out.iter().any(|s| s == shown) {
            out.push(shown.to_owned());
        }
    }
    out
}

/// The error for a placeholder without a value, at its place in the
/// template or a partial.
fn locate_placeholder(engine: &Engine, exported: &str, shown: &str, from: &str) -> Diagnostic {
    let key = &shown[2..shown.len() - 2];
    let message = format!(
        "deploy-cli keyword `{shown}` has no value{}: the tenant would get it as it is",
        if from.is_empty() {
            String::new()
        } else {
            format!(" in {from}")
        }
    );
    let help = if std::env::var_os(key).is_some() {
        format!(
            "the environment has a variable {key}: deploy-cli (unless run with --env false) would use it; pass --keywords-from-env to do the same"
        )
    } else {
        format!(
            "add \"{key}\" to AUTH0_KEYWORD_REPLACE_MAPPINGS in the deploy-cli config (--config FILE), or use --format deploy-cli to leave it for deploy-cli"
        )
    };
    let files = std::iter::once(engine.source()).chain(engine.partials().files());
    for file in files {
        if let Some(i) = file.text.find(shown) {
            return Diagnostic::error(message)
                .in_file(file.name.clone())
                .with_span(crate::diagnostic::Span {
                    source: file.text.clone(),
                    start: i,
                    end: i + shown.len(),
                })
                .with_help(help);
        }
    }
    let i = exported.find(shown).unwrap_or(0);
    Diagnostic::error(message)
        .in_file(format!(
            "{} (exported, with its assets inlined)",
            engine.source().name
        ))
        .with_span(crate::diagnostic::Span {
            source: exported.into(),
            start: i,
            end: i + shown.len(),
        })
        .with_help(help)
}

/// Where the template or a partial references `url`.
fn locate_reference(engine: &Engine, url: &str) -> Diagnostic {
    let message = format!(
        "`{url}` is a file in the project, and Auth0 serves only the template: the page would show a broken link"
    );
    let help = "use a full https:// URL or a data: URI";
    let files = std::iter::once(engine.source()).chain(engine.partials().files());
    for file in files {
        if let Some(i) = file.text.find(url) {
            return Diagnostic::error(message)
                .in_file(file.name.clone())
                .with_span(crate::diagnostic::Span {
                    source: file.text.clone(),
                    start: i,
                    end: i + url.len(),
                })
                .with_help(help);
        }
    }
    Diagnostic::error(message).with_help(help)
}
