//! `mfa-page check`: everything CI needs to know about the template, one
//! concern a module — snapshots, coverage (flows and branches), variables,
//! validity of the rendered pages, hostile values — gathered into a
//! [`report::Report`].

pub mod a11y;
pub mod coverage;
pub mod css;
pub mod hostile;
pub mod html_report;
pub mod pixels;
pub mod report;
pub mod snapshots;
pub mod trace;
pub mod validity;
pub mod variables;
pub mod visual;
pub mod widget;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use crate::engine::EngineConfig;
use crate::scenario;
use crate::source::{self, display_path};
use report::{Finding, Level, Report};

/// What to check and how.
#[derive(Debug, Clone)]
pub struct Options {
    pub template: PathBuf,
    pub partials: Option<PathBuf>,
    pub contexts: PathBuf,
    /// Where the expected pages are; `None` skips the snapshot comparison.
    pub snapshots: Option<PathBuf>,
    pub update: bool,
    /// CI behaviour: new snapshots are failures, never written.
    pub ci: bool,
    pub require_full_coverage: bool,
    /// The command line that accepts snapshot changes.
    pub accept: String,
    /// deploy-cli keyword values from a config (`--config`); they win over
    /// a scenario's own `keywords`.
    pub keywords: serde_json::Map<String, serde_json::Value>,
    /// `--visual`: screenshots in Chromium, compared with baselines.
    pub visual: Option<visual::Options>,
}

/// Run every check.
pub fn run(opts: &Options) -> Report {
    let mut report = Report::default();
    check(opts, &mut report, None);
    report.finish();
    report
}

/// What `serve` keeps from one run of its live checks to the next, so that a
/// run after a save parses and attacks only the pages that changed: the
/// parsed pages and scripts (by content), the scenarios found safe against
/// hostile values, and the instrumented template while its sources stay the same.
/// After a run it also holds each scenario's traced page, which maps the
/// page's bytes back to template lines.
#[derive(Default)]
pub struct Live {
    cache: validity::Cache,
    clean: HashSet<u64>,
    sources: Option<u64>,
    instrumented: Option<Arc<trace::Instrumented>>,
    /// By scenario: its traced page (the same bytes as its render), from the last run.
    pub traces: HashMap<String, Arc<trace::Trace>>,
}

impl Live {
    /// The instrumented template of the last run.
    pub fn instrumented(&self) -> Option<Arc<trace::Instrumented>> {
        self.instrumented.clone()
    }
}

/// Every check but the snapshots' (`opts.snapshots` is ignored), reusing
/// what `live` kept from the previous run.
pub fn run_live(opts: &Options, live: &mut Live) -> Report {
    let mut report = Report::default();
    let opts = Options {
        snapshots: None,
        update: false,
        ..opts.clone()
    };
    check(&opts, &mut report, Some(live));
    report.finish();
    report
}

fn check(opts: &Options, report: &mut Report, mut live: Option<&mut Live>) {
    let mut config = EngineConfig::new(&opts.template);
    config.partials = opts.partials.clone();
    let project = crate::project::Project {
        engine: config,
        contexts: opts.contexts.clone(),
        keywords: opts.keywords.clone(),
    };
    let engine = match project.load_engine() {
        Ok(engine) => engine,
        Err(d) => return report.push(Finding::from_diagnostic("template-error", &d)),
    };
    let list = match project.scenario_files() {
        Ok(list) => list,
        Err(d) => return report.push(Finding::from_diagnostic("scenario-error", &d)),
    };
    let contexts = display_path(&opts.contexts);
    if list.is_empty() {
        return report.push(
            Finding::new(
                Level::Error,
                "no-scenarios",
                "no scenarios: the folder has no *.json files (other than _bases)",
            )
            .in_file(contexts)
            .help("add one JSON file per scenario, or run `mfa-page init`"),
        );
    }
    report.scenarios = list.len();
    // Partials that cannot be used, even those no scenario includes.
    let mut absent = coverage::Absent::default();
    let mut partial_errors = HashSet::new();
    for d in engine.partial_errors() {
        absent.partials.extend(d.file.clone());
        let f = Finding::from_diagnostic("partial-error", &d);
        partial_errors.insert((f.file.clone(), f.position(), f.message.clone()));
        report.push(f);
    }

    // What the template reads.
    let partial_docs = engine.partials().documents();
    let mut files = vec![engine.source().clone()];
    files.extend(partial_docs.iter().map(|p| p.file.clone()));
    let mut docs: Vec<&crate::template::Document> = vec![engine.document()];
    docs.extend(partial_docs.iter().map(|p| &*p.doc));
    let analysis = variables::analyse_documents(&docs);
    for name in coverage::missing_partials(&docs, engine.partials()) {
        let known = |p: &String| p.ends_with(&name) || p.ends_with(&format!("{name}.liquid"));
        if !absent.partials.iter().any(known) {
            absent.missing.push(name);
        }
    }
    let unknown = variables::template_findings(&files, &analysis);
    let unknown_at: HashSet<(String, usize)> = unknown
        .iter()
        .filter_map(|f| Some((f.file.clone()?, f.position()?.0)))
        .collect();
    let undefined_known = |file: &str, offset: usize| {
        let text = files
            .iter()
            .find(|f| f.name == file)
            .map(|f| f.text.clone());
        text.map(|t| (file.to_owned(), crate::diagnostic::line_col(&t, offset).0))
    };
    for f in unknown {
        report.push(f);
    }
    // Keys in every context file, bases included.
    for path in json_files(&opts.contexts) {
        if let Ok(file) = source::read_text(&path, "context")
            && let Ok(data) = scenario::parse_object(&file)
        {
            for f in variables::scenario_key_findings(&file, &data) {
                report.push(f);
            }
        }
    }

    let (partials_dir, _) = project.engine.partials_dir();
    // Live runs keep the instrumented copy, and what is known safe, while
    // the sources stay the same.
    let sources = {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for f in &files {
            (&f.name, &f.text).hash(&mut h);
        }
        h.finish()
    };
    let kept = live
        .as_deref_mut()
        .filter(|l| l.sources == Some(sources))
        .and_then(|l| l.instrumented.clone());
    let inst = match kept {
        Some(inst) => Some(inst),
        None => match trace::Instrumented::build(&engine, &partials_dir) {
            Ok(inst) => Some(Arc::new(inst)),
            Err(d) => {
                report.push(Finding::from_diagnostic("trace-unavailable", &d));
                None
            }
        },
    };
    let mut covered = vec![false; inst.as_ref().map_or(0, |i| i.branches.len())];
    let (mut own_cache, mut own_clean) = (validity::Cache::default(), HashSet::new());
    let (cache, clean) = match live.as_deref_mut() {
        Some(l) => {
            if l.sources != Some(sources) {
                l.clean.clear();
                l.sources = Some(sources);
                l.instrumented = inst.clone();
            }
            // Content-keyed, so always valid; only its size is bounded.
            if l.cache.entries() > 4096 {
                l.cache = validity::Cache::default();
            }
            l.traces.clear();
            (&mut l.cache, &mut l.clean)
        }
        None => (&mut own_cache, &mut own_clean),
    };
    let mut live_traces = HashMap::new();
    let (mut widgets, mut styles) = (widget::Cache::default(), css::Cache::default());
    // Whether any source has a deploy-cli placeholder (read once, not per scenario).
    let placeholders = std::iter::once(engine.source())
        .chain(engine.partials().files())
        .any(|f| !crate::keywords::placeholders(&f.text).is_empty());
    let mut pages = Vec::new();
    let mut traces = Vec::new();
    let mut names = Vec::new();
    let mut flows = Vec::new();
    for (name, path) in &list {
        names.push(name.clone());
        let scenario = match project.load_scenario(&path.to_string_lossy(), false) {
            Ok(s) => s,
            Err(d) => {
                absent.unloaded.push(name.clone());
                report.push(Finding::from_diagnostic("scenario-error", &d).scenario(name));
                continue;
            }
        };
        flows.push((name.clone(), scenario.flow()));
        // A deploy-cli placeholder with no value stays in the page as it is.
        let keyword_warnings = if placeholders {
            engine.keyword_warnings(&scenario)
        } else {
            Vec::new()
        };
        for d in keyword_warnings {
            let mut f = Finding::from_diagnostic("keyword-missing", &d).scenario(name);
            if let Some((text, start, end)) = &f.span {
                f.message = format!(
                    "deploy-cli keyword `{}` has no value; the page shows it as it is",
                    &text[*start..*end]
                );
            }
            report.push(f);
        }
        // The template with the scenario's deploy-cli keywords filled in,
        // parsed once: for this render and for the hostile-value pass below.
        let filled = engine
            .with_keywords(&scenario.keywords)
            .map(|f| f.map(Arc::new));
        let rendered = filled.clone().and_then(|f| {
            f.as_deref()
                .unwrap_or(&engine)
                .render_recorded(&scenario.context())
        });
        let rendered = match rendered {
            Ok(r) => r,
            Err(d) => {
                absent.unrendered.push(name.clone());
                let mut f = Finding::from_diagnostic("render-error", &d).scenario(name);
                // A broken partial is one finding, listing the scenarios it broke.
                if partial_errors.contains(&(f.file.clone(), f.position(), f.message.clone())) {
                    f.code = "partial-error";
                }
                report.push(f);
                continue;
            }
        };
        // An unknown variable is reported once, not again as undefined in every scenario.
        let skip: HashSet<(String, usize)> = rendered
            .undefined
            .iter()
            .filter_map(|u| Some((u.file.clone()?, u.offset?)))
            .filter(|(file, offset)| {
                undefined_known(file, *offset).is_some_and(|k| unknown_at.contains(&k))
            })
            .chain(
                // What Auth0 never sends in this flow is empty there too.
                rendered
                    .undefined
                    .iter()
                    .filter(|u| variables::never_sent(scenario.flow(), &u.path))
                    .filter_map(|u| Some((u.file.clone()?, u.offset?))),
            )
            .collect();
        for f in variables::undefined_findings(&files, &rendered, name, &skip) {
            report.push(f);
        }
        // The render's own record: which template bytes made which page bytes.
        let traced = inst.as_ref().and_then(|i| i.trace_of(&rendered));
        if inst.is_some() && traced.is_none() {
            absent.untraced.push(name.clone());
        }
        if let Some(t) = &traced {
            for b in &t.branches {
                covered[*b as usize] = true;
            }
        }
        let traced = traced.map(Arc::new);
        if let Some(t) = &traced {
            live_traces.insert(name.clone(), t.clone());
        }
        let page = cache.check(&rendered.html);
        let locate = |offset: usize| {
            let (inst, t) = (inst.as_ref()?, traced.as_ref()?);
            let place = inst.locate(t, offset)?;
            let file = &inst.files[place.file];
            Some((file.name.clone(), file.text.clone(), place.start, place.end))
        };
        let pair = inst.as_deref().zip(traced.as_deref());
        for f in validity::findings(
            &page,
            &rendered.html,
            &locate,
            pair,
            &engine.source().name,
            name,
        ) {
            report.push(f);
        }
        for f in a11y::markup_findings(&rendered.html, &locate, &engine.source().name, name) {
            report.push(f);
        }
        let tags = a11y::start_tags(&rendered.html);
        let template = &engine.source().name;
        for f in widget::findings(&rendered.html, &tags, &mut widgets, &locate, template, name) {
            report.push(f);
        }
        for f in css::findings(&rendered.html, &tags, &mut styles, &locate, template, name) {
            report.push(f);
        }
        if let Some(colour) = scenario.data.get("primaryColor") {
            let at = primary_colour_place(&scenario.file);
            if let Some(f) = a11y::primary_colour(colour, name, at) {
                report.push(f);
            }
        }
        if let (Some(inst), Some(t)) = (&inst, &traced) {
            // A scenario with keywords varies its values in the page it really renders.
            let filled = filled.ok().flatten().map(|e| inst.rendered_by(e));
            let inst = filled.as_ref().unwrap_or(inst);
            for f in hostile::check(inst, cache, clean, &scenario.data, t, &page, name) {
                report.push(f);
            }
        }
        pages.push((name.clone(), rendered.html));
        traces.push(traced);
    }

    if let Some(l) = live {
        l.traces = live_traces;
    }

    if let Some(dir) = &opts.snapshots {
        let settings = snapshots::Settings {
            dir,
            update: opts.update,
            ci: opts.ci,
            accept: &opts.accept,
        };
        let inst = inst.as_deref();
        let snapshot_pages: Vec<snapshots::Page<'_>> = pages
            .iter()
            .zip(&traces)
            .map(|((name, html), traced)| snapshots::Page {
                scenario: name.clone(),
                html: html.clone(),
                locate: Box::new(move |offset: usize| {
                    let (inst, t) = (inst?, traced.as_ref()?);
                    let place = inst.locate(t, offset)?;
                    let file = &inst.files[place.file];
                    Some((file.name.clone(), file.text.clone(), place.start, place.end))
                }),
                has_errors: report
                    .findings
                    .iter()
                    .any(|f| f.level == Level::Error && f.scenarios.contains(name)),
            })
            .collect();
        for f in snapshots::check(&settings, &snapshot_pages, &names) {
            report.push(f);
        }
    }
    if let Some(visual_opts) = &opts.visual {
        let inst = inst.as_ref();
        let visual_pages: Vec<visual::Page<'_>> = pages
            .iter()
            .zip(&traces)
            .map(|((name, html), traced)| visual::Page {
                scenario: name.clone(),
                html: html.clone(),
                locate: Box::new(move |offset: usize| {
                    let (inst, t) = (inst?, traced.as_ref()?);
                    let place = inst.locate(t, offset)?;
                    let file = &inst.files[place.file];
                    Some((file.name.clone(), file.text.clone(), place.start, place.end))
                }),
            })
            .collect();
        let root = opts
            .template
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), PathBuf::from);
        let mut found = Vec::new();
        report.visual = Some(visual::run(
            visual_opts,
            &visual_pages,
            &names,
            &root,
            &mut found,
        ));
        for f in found {
            report.push(f);
        }
    }
    // One cause, one finding: what follows only from a scenario or partial
    // that is absent is not reported; one note says what was skipped and why.
    for f in coverage::flows(&flows, &analysis, engine.source(), &contexts) {
        if absent.keeps(&f) {
            report.push(f);
        }
    }
    if let Some(inst) = &inst {
        for f in coverage::branches(inst, &covered, opts.require_full_coverage) {
            if absent.keeps(&f) {
                report.push(f);
            }
        }
    }
    report.findings.extend(absent.note());
}

/// Where a scenario file sets `primaryColor` (a base it extends may set it instead).
fn primary_colour_place(file: &str) -> Option<(String, std::sync::Arc<str>, usize, usize)> {
    let text: std::sync::Arc<str> = std::fs::read_to_string(file).ok()?.into();
    let key = "\"primaryColor\"";
    let start = text.find(key)?;
    let end = text[start..].find('\n').map_or(text.len(), |e| start + e);
    let end = text[..end].trim_end().trim_end_matches(',').len();
    Some((file.to_owned(), text, start, end))
}

/// Every `*.json` file in the contexts folder, sorted.
fn json_files(dir: &std::path::Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out
}
