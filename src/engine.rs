//! The engine: the template and its partials, parsed once by the front end
//! ([`crate::template`]), rendered for a scenario with Auth0's semantics.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use liquid_core::model::ObjectView;

use crate::budget::Limits;
use crate::diagnostic::{Diagnostic, Span};
use crate::scenario::Scenario;
use crate::source::{self, SourceFile};
use crate::template::render::{self, PartialSource, Recording};
use crate::template::{self, Document, ParseError};

type Compiled = Result<Arc<Document>, Diagnostic>;

/// The partials of a template: read from its partials folder, parsed on first use.
#[derive(Debug, Default)]
pub struct Partials {
    /// Parsed on first use, by canonical name.
    compiled: BTreeMap<String, OnceLock<Compiled>>,
    /// The source files, by their canonical name (path under the folder, with extension).
    files: BTreeMap<String, SourceFile>,
    /// Files that could not be read (a FIFO, binary, not UTF-8), by canonical name.
    unreadable: BTreeMap<String, Diagnostic>,
    aliases: BTreeMap<String, String>,
    /// The folder they came from.
    dir: Option<PathBuf>,
}

impl Partials {
    pub fn files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.values()
    }

    /// The partials' names as files under the partials folder (`header.liquid`).
    pub fn names_on_disk(&self) -> Vec<String> {
        self.files.keys().cloned().collect()
    }

    /// The source of the partial a template names `name` (`header` or `header.liquid`).
    pub fn file_for(&self, name: &str) -> Option<&SourceFile> {
        let canonical = self.aliases.get(name)?;
        self.files.get(canonical)
    }

    fn add(&mut self, name: String, file: Result<SourceFile, Diagnostic>) {
        let mut names = vec![name.clone()];
        if let Some(stem) = name.strip_suffix(".liquid") {
            names.push(stem.to_owned());
        }
        for alias in names {
            self.aliases.insert(alias, name.clone());
        }
        match file {
            Ok(file) => {
                self.compiled.insert(name.clone(), OnceLock::new());
                self.files.insert(name, file);
            }
            Err(d) => {
                self.unreadable.insert(name, d);
            }
        }
    }

    /// The partial a template names `name`, parsed (once) on first use.
    fn compiled(&self, name: &str) -> Option<Compiled> {
        let canonical = self.aliases.get(name)?;
        if let Some(d) = self.unreadable.get(canonical) {
            return Some(Err(d.clone()));
        }
        let slot = self.compiled.get(canonical)?;
        let file = self.files.get(canonical)?;
        Some(slot.get_or_init(|| parse(file).map(Arc::new)).clone())
    }

    /// The partials that parse, with their names under the folder: what
    /// analysis reads (one that does not is reported once, by
    /// [`Partials::errors`], not again by every check).
    pub fn documents(&self) -> Vec<UsablePartial<'_>> {
        self.files
            .iter()
            .filter_map(|(name, file)| {
                Some(UsablePartial {
                    name,
                    file,
                    doc: self.compiled(name)?.ok()?,
                })
            })
            .collect()
    }

    /// Why each partial that cannot be used fails (unreadable or not parsing).
    pub fn errors(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.unreadable.values().cloned().collect();
        for name in self.files.keys() {
            if let Some(Err(d)) = self.compiled(name) {
                out.push(d);
            }
        }
        out
    }

    /// Why `name` is not a partial: where we looked, and the closest name there.
    fn not_found(&self, name: &str) -> Diagnostic {
        let dir = self
            .dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("partials"));
        let mut known: Vec<String> = self
            .files
            .keys()
            .chain(self.unreadable.keys())
            .cloned()
            .collect();
        known.sort();
        let (message, help) = crate::suggest::missing_partial(name, &dir, &known);
        let mut d = Diagnostic::error(message);
        for h in help {
            d = d.with_help(h);
        }
        d
    }
}

/// A partial that parses: its name under the partials folder (`header.liquid`), file and tree.
pub struct UsablePartial<'p> {
    pub name: &'p str,
    pub file: &'p SourceFile,
    pub doc: Arc<Document>,
}

impl PartialSource for Partials {
    fn get(&self, name: &str) -> Result<Arc<Document>, Diagnostic> {
        match self.compiled(name) {
            Some(found) => found,
            None => Err(self.not_found(name)),
        }
    }
}

/// Where the template and its partials come from.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub template: PathBuf,
    /// The partials folder; `None` means `partials/` beside the template, if it exists.
    pub partials: Option<PathBuf>,
    pub limits: Limits,
}

impl EngineConfig {
    pub fn new(template: impl Into<PathBuf>) -> Self {
        EngineConfig {
            template: template.into(),
            partials: None,
            limits: Limits::default(),
        }
    }

    /// The partials folder in effect, and whether the user named it.
    pub fn partials_dir(&self) -> (PathBuf, bool) {
        match &self.partials {
            Some(dir) => (dir.clone(), true),
            None => (
                self.template
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("partials"),
                false,
            ),
        }
    }
}

/// A parsed template, ready to render any number of scenarios.
#[derive(Debug)]
pub struct Engine {
    doc: Arc<Document>,
    source: SourceFile,
    partials: Partials,
    limits: Limits,
    /// For an engine with deploy-cli keywords filled in: each changed file's
    /// text as written and the map back to it.
    origins: Vec<Origin>,
}

/// A file as the user wrote it, for a copy with keywords filled in.
#[derive(Debug)]
struct Origin {
    name: String,
    filled: Arc<str>,
    original: Arc<str>,
    map: crate::keywords::OffsetMap,
}

/// An undefined variable that a render read, at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedAccess {
    /// The path as written: `userData.tenantFriendlyName`.
    pub path: String,
    /// The file and byte range of the read.
    pub file: Option<String>,
    pub offset: Option<usize>,
    pub end: Option<usize>,
    /// That place handles its absence (`| default`, compared with `nil`, a loop).
    pub guarded: bool,
}

/// The result of one render.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    pub undefined: Vec<UndefinedAccess>,
    /// What produced which bytes, when asked for ([`Engine::render_recorded`]).
    pub recording: Option<Arc<Recorded>>,
}

/// A render's record: the files it read (template first) and its pieces.
#[derive(Debug)]
pub struct Recorded {
    pub files: Vec<(Arc<str>, Arc<str>)>,
    pub recording: Recording,
}

/// A parse error as a diagnostic on `file`.
pub fn parse_diagnostic(file: &SourceFile, e: ParseError) -> Diagnostic {
    let mut d = Diagnostic::error(e.message)
        .in_file(file.name.clone())
        .with_span(Span {
            source: file.text.clone(),
            start: e.span.start,
            end: e.span.end.max(e.span.start),
        });
    if let Some(help) = e.help {
        d = d.with_help(help);
    }
    d
}

/// Parse a file into its tree.
pub fn parse(file: &SourceFile) -> Result<Document, Diagnostic> {
    let name: Arc<str> = Arc::from(file.name.as_str());
    match crate::panic::catch_quietly(|| template::parse(name, file.text.clone())) {
        Some(result) => result.map_err(|e| parse_diagnostic(file, e)),
        None => Err(Diagnostic::error("internal error while parsing this file")
            .in_file(file.name.clone())
            .with_help("please report it with the file attached")),
    }
}

impl Engine {
    /// Read and parse the template and every partial.
    pub fn load(config: &EngineConfig) -> Result<Engine, Diagnostic> {
        let source = source::read_text(&config.template, "template")?;
        crate::output::protect(&config.template);
        let (dir, explicit) = config.partials_dir();
        let partial_files = if dir.is_dir() {
            read_partials(&dir)?
        } else if explicit {
            return Err(Diagnostic::error("the partials folder does not exist")
                .in_file(source::display_path(&dir))
                .with_help("check the path given to --partials"));
        } else {
            Vec::new()
        };
        let mut engine = Engine::compile(source, partial_files, config.limits)?;
        engine.partials.dir = Some(dir);
        Ok(engine)
    }

    /// Parse a template and partials given as text; `partials` are
    /// `(name under the partials folder, file)`.
    pub fn compile(
        source: SourceFile,
        partial_files: Vec<(String, Result<SourceFile, Diagnostic>)>,
        limits: Limits,
    ) -> Result<Engine, Diagnostic> {
        let mut partials = Partials::default();
        for (name, file) in partial_files {
            partials.add(name, file);
        }
        let doc = Arc::new(parse(&source)?);
        Ok(Engine {
            doc,
            source,
            partials,
            limits,
            origins: Vec::new(),
        })
    }

    pub fn source(&self) -> &SourceFile {
        &self.source
    }

    /// The template's tree.
    pub fn document(&self) -> &Arc<Document> {
        &self.doc
    }

    pub fn partials(&self) -> &Partials {
        &self.partials
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Render a scenario: its deploy-cli keywords filled in, then its context.
    pub fn render_scenario(&self, scenario: &Scenario) -> Result<Rendered, Diagnostic> {
        self.render_scenario_with(scenario, None)
    }

    /// [`Engine::render_scenario`] that another thread can abandon (see [`Engine::render_with`]).
    pub fn render_scenario_with(
        &self,
        scenario: &Scenario,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Rendered, Diagnostic> {
        match self.with_keywords(&scenario.keywords)? {
            Some(engine) => engine.render_with(&scenario.context(), cancel),
            None => self.render_with(&scenario.context(), cancel),
        }
    }

    /// A copy of this engine with `##KEY##` / `@@KEY@@` replaced in the
    /// template and partials; `None` when no source has a placeholder.
    pub fn with_keywords(
        &self,
        keywords: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Engine>, Diagnostic> {
        if keywords.is_empty()
            || !self
                .all_files()
                .any(|f| !crate::keywords::placeholders(&f.text).is_empty())
        {
            return Ok(None);
        }
        let origins = std::cell::RefCell::new(Vec::new());
        let fill = |file: &SourceFile| {
            let filled: Arc<str> = Arc::from(crate::keywords::substitute(&file.text, keywords).0);
            if *filled != *file.text {
                origins.borrow_mut().push(Origin {
                    name: file.name.clone(),
                    map: crate::keywords::OffsetMap::between(&file.text, &filled),
                    filled: filled.clone(),
                    original: file.text.clone(),
                });
            }
            SourceFile {
                text: filled,
                ..file.clone()
            }
        };
        let partials = self
            .partials
            .files
            .iter()
            .map(|(name, file)| (name.clone(), Ok(fill(file))))
            .chain(
                self.partials
                    .unreadable
                    .iter()
                    .map(|(name, d)| (name.clone(), Err(d.clone()))),
            )
            .collect();
        let source = fill(&self.source);
        let origins = origins.into_inner();
        let remap = |d: Diagnostic| remap(&origins, d);
        let mut engine = Engine::compile(source, partials, self.limits).map_err(remap)?;
        engine.partials.dir = self.partials.dir.clone();
        engine.origins = origins;
        Ok(Some(engine))
    }

    /// Warnings for deploy-cli placeholders the scenario gives no value for
    /// (they stay in the page as they are).
    pub fn keyword_warnings(&self, scenario: &Scenario) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for file in self.all_files() {
            for (offset, len, key, _) in crate::keywords::placeholders(&file.text) {
                if scenario.keywords.contains_key(key) || !seen.insert(key.to_owned()) {
                    continue;
                }
                let shown = &file.text[offset..offset + len];
                out.push(
                    Diagnostic::warning(format!(
                        "deploy-cli keyword `{shown}` has no value in scenario `{}`; it stays as it is",
                        scenario.name
                    ))
                    .in_file(file.name.clone())
                    .with_span(Span {
                        source: file.text.clone(),
                        start: offset,
                        end: offset + len,
                    })
                    .with_help(format!(
                        "add \"keywords\": {{\"{key}\": …}} to the scenario (or to a base it extends)"
                    )),
                );
            }
        }
        out
    }

    /// Render one context: a scenario's [`crate::ordered::OrderedObject`]
    /// (hashes in JSON order) or any other object view.
    pub fn render(&self, context: &dyn ObjectView) -> Result<Rendered, Diagnostic> {
        self.render_with(context, None)
    }

    /// [`Engine::render`] that another thread can abandon by setting `cancel`
    /// (`serve`, when a newer save arrives).
    pub fn render_with(
        &self,
        context: &dyn ObjectView,
        cancel: Option<Arc<AtomicBool>>,
    ) -> Result<Rendered, Diagnostic> {
        self.run(context, cancel, false)
    }

    /// [`Engine::render`], keeping the record of which template bytes
    /// produced which page bytes (what `check` and `serve` map back through).
    pub fn render_recorded(&self, context: &dyn ObjectView) -> Result<Rendered, Diagnostic> {
        self.run(context, None, true)
    }

    fn run(
        &self,
        context: &dyn ObjectView,
        cancel: Option<Arc<AtomicBool>>,
        record: bool,
    ) -> Result<Rendered, Diagnostic> {
        let budget = crate::budget::enter(self.limits, cancel);
        let options = render::Options {
            partials: &self.partials,
            page_limit: self.limits.output_bytes,
            record,
        };
        let result = crate::panic::catch(|| render::render(&self.doc, context, options));
        let output = match result {
            Ok(Ok(output)) => output,
            Ok(Err((_, d))) => {
                let mut d = remap(&self.origins, *d);
                if let Some(why) = budget.exceeded() {
                    d.message = why.message();
                    d.help = vec![why.help().to_owned()];
                }
                return Err(d);
            }
            Err(panic) => {
                return Err(
                    Diagnostic::error(format!("internal error while rendering: {panic}"))
                        .in_file(self.source.name.clone()),
                );
            }
        };
        drop(budget);
        // Files with keywords filled in: back to the text as written.
        let origin_of: Vec<Option<&Origin>> = output
            .files
            .iter()
            .map(|(name, text)| {
                self.origins
                    .iter()
                    .find(|o| *o.name == **name && Arc::ptr_eq(&o.filled, text))
            })
            .collect();
        let map_span =
            |file: usize, span: template::Span| match origin_of.get(file).copied().flatten() {
                Some(o) => {
                    template::Span::new(o.map.map(span.start, false), o.map.map(span.end, true))
                }
                None => span,
            };
        let mut seen = std::collections::HashSet::new();
        let undefined = output
            .reads
            .iter()
            .filter(|r| seen.insert((r.file, r.span)))
            .map(|r| {
                let span = map_span(r.file, r.span);
                UndefinedAccess {
                    path: r.path.clone(),
                    file: output.files.get(r.file).map(|f| f.0.to_string()),
                    offset: Some(span.start),
                    end: Some(span.end),
                    guarded: r.guarded,
                }
            })
            .collect();
        let recording = output.recording.map(|mut recording| {
            for p in &mut recording.pieces {
                p.src = map_span(p.file, p.src);
            }
            for (file, span) in &mut recording.branches {
                *span = map_span(*file, *span);
            }
            let files = output
                .files
                .iter()
                .zip(&origin_of)
                .map(|((name, text), o)| {
                    (
                        name.clone(),
                        o.map_or_else(|| text.clone(), |o| o.original.clone()),
                    )
                })
                .collect();
            Arc::new(Recorded { files, recording })
        });
        Ok(Rendered {
            html: output.html,
            undefined,
            recording,
        })
    }

    /// Why each partial that cannot be used fails: `check` reports them even
    /// when no scenario includes them.
    pub fn partial_errors(&self) -> Vec<Diagnostic> {
        self.partials.errors()
    }

    /// Warnings for the undefined variables a render read without handling their absence.
    pub fn undefined_warnings(&self, rendered: &Rendered, scenario: &str) -> Vec<Diagnostic> {
        rendered
            .undefined
            .iter()
            .filter(|u| !u.guarded)
            .map(|u| {
                let mut d = Diagnostic::warning(format!(
                    "`{}` is undefined in scenario `{scenario}`; it renders as empty",
                    u.path
                ))
                .with_help(format!(
                    "set it in the scenario, or write `{} | default: …` if Auth0 may leave it out",
                    u.path
                ));
                if let (Some(file), Some(offset)) = (&u.file, u.offset) {
                    let text = self.file_text(file);
                    let end = u.end.unwrap_or(offset).min(text.len()).max(offset);
                    d = d
                        .in_file(file.clone())
                        .with_span(Span {
                            source: text,
                            start: offset,
                            end,
                        })
                        .with_label("undefined");
                }
                d
            })
            .collect()
    }

    fn file_text(&self, name: &str) -> Arc<str> {
        if let Some(o) = self.origins.iter().find(|o| o.name == name) {
            return o.original.clone();
        }
        if name == self.source.name {
            return self.source.text.clone();
        }
        self.partials
            .files
            .values()
            .find(|f| f.name == name)
            .map_or_else(|| Arc::from(""), |f| f.text.clone())
    }

    /// All sources, the template first.
    fn all_files(&self) -> impl Iterator<Item = &SourceFile> {
        std::iter::once(&self.source).chain(self.partials.files.values())
    }
}

/// A diagnostic on a file with keywords filled in, moved to the file as written.
fn remap(origins: &[Origin], mut d: Diagnostic) -> Diagnostic {
    if let Some(span) = &mut d.span
        && let Some(o) = origins
            .iter()
            .find(|o| Arc::ptr_eq(&o.filled, &span.source))
    {
        span.start = o.map.map(span.start, false);
        span.end = o.map.map(span.end, true).max(span.start);
        span.source = o.original.clone();
    }
    d
}

/// Read every partial under `dir`, named by its path below it (`/`-separated).
/// A file that cannot be read is kept as its error: it fails the renders that use it.
type PartialFiles = Vec<(String, Result<SourceFile, Diagnostic>)>;

fn read_partials(dir: &Path) -> Result<PartialFiles, Diagnostic> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    let mut seen_dirs = std::collections::HashSet::new();
    while let Some(current) = stack.pop() {
        let canonical = current.canonicalize().unwrap_or_else(|_| current.clone());
        if !seen_dirs.insert(canonical) {
            continue;
        }
        let entries = std::fs::read_dir(&current).map_err(|e| {
            source::io_error(&source::display_path(&current), "partials folder", &e)
        })?;
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if file_name.starts_with('.') || source::is_editor_temporary(file_name) {
                continue;
            }
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(rel) = path.strip_prefix(dir) else {
                continue;
            };
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            crate::output::protect(&path);
            out.push((name, source::read_text(&path, "partial")));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine(template: &str, partials: &[(&str, &str)]) -> Result<Engine, Diagnostic> {
        let file = |name: &str, text: &str| SourceFile {
            path: PathBuf::from(name),
            name: name.to_owned(),
            text: Arc::from(text),
        };
        Engine::compile(
            file("mfa.liquid", template),
            partials
                .iter()
                .map(|(n, t)| (n.to_string(), Ok(file(&format!("partials/{n}"), t))))
                .collect(),
            Limits::default(),
        )
    }

    fn ctx(json: serde_json::Value) -> crate::ordered::OrderedObject {
        crate::ordered::OrderedObject::from_json(json.as_object().unwrap())
    }

    fn render(template: &str, json: serde_json::Value) -> Rendered {
        engine(template, &[]).unwrap().render(&ctx(json)).unwrap()
    }

    #[test]
    fn undefined_output_is_empty_and_recorded() {
        let r = render(
            "[{{ missing }}][{{ userData.tenantFriendlyName }}]",
            serde_json::json!({"userData": {"email": "a@b.c"}}),
        );
        assert_eq!(r.html, "[][]");
        let paths: Vec<_> = r.undefined.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(paths, ["missing", "userData.tenantFriendlyName"]);
        assert!(r.undefined.iter().all(|u| !u.guarded));
        assert_eq!(r.undefined[1].offset, Some(19));
    }

    #[test]
    fn undefined_in_conditions_is_nil() {
        let r = render(
            "{% if x == 1 %}one{% else %}other{% endif %}|{% if x == nil %}nil{% endif %}|{% unless x %}absent{% endunless %}|{% if x.y.z %}deep{% endif %}",
            serde_json::json!({}),
        );
        assert_eq!(r.html, "other|nil|absent|");
        let x = r.undefined.iter().find(|u| u.path == "x").unwrap();
        assert!(!x.guarded, "x == 1 reads the value");
    }

    #[test]
    fn undefined_in_loops_is_empty() {
        let r = render(
            "{% for e in errors %}{{ e.message }}{% else %}none{% endfor %}",
            serde_json::json!({}),
        );
        assert_eq!(r.html, "none");
        assert!(r.undefined.iter().all(|u| u.guarded), "{:?}", r.undefined);
    }

    #[test]
    fn undefined_keys_of_loop_items_are_nil() {
        let r = render(
            "{% for e in errors %}[{{ e.message }}|{{ e.code }}]{% endfor %}",
            serde_json::json!({"errors": [{"message": "a", "code": "x"}, {"message": "b"}]}),
        );
        assert_eq!(r.html, "[a|x][b|]");
        let u: Vec<_> = r.undefined.iter().map(|u| u.path.as_str()).collect();
        assert_eq!(u, ["e.code"]);
        assert_eq!(r.undefined[0].offset, Some(41));
    }

    #[test]
    fn filters_see_nil() {
        let r = render(
            "{{ iconUrl | default: '//cdn/badge.png' }}|{{ nothing | upcase }}|{{ nothing | size }}",
            serde_json::json!({}),
        );
        assert_eq!(r.html, "//cdn/badge.png||0");
        let icon = r.undefined.iter().find(|u| u.path == "iconUrl").unwrap();
        assert!(icon.guarded);
        let nothing = r.undefined.iter().find(|u| u.path == "nothing").unwrap();
        assert!(!nothing.guarded);
    }

    #[test]
    fn bare_if_does_not_warn() {
        let r = render(
            "{% if ticket %}t{% else %}l{% endif %}",
            serde_json::json!({}),
        );
        assert_eq!(r.html, "l");
        assert!(r.undefined.iter().all(|u| u.guarded));
    }

    #[test]
    fn assigned_values_are_lenient_too() {
        let r = render(
            "{% assign u = userData %}{{ u.email }}-{{ u.nope }}-{% capture c %}x{% endcapture %}{{ c }}",
            serde_json::json!({"userData": {"email": "e"}}),
        );
        assert_eq!(r.html, "e--x");
    }

    #[test]
    fn for_loop_features() {
        let r = render(
            "{% for i in (1..5) reversed limit: 3 offset: 1 %}{{ i }}{% if forloop.last %}.{% endif %}{% endfor %}|{% for i in (1..9) %}{% if i == 3 %}{% break %}{% endif %}{{ forloop.index }}{% endfor %}|{% for p in h %}{{ p[0] }}={{ p[1] }};{% endfor %}",
            serde_json::json!({"h": {"b": 2, "a": 1}}),
        );
        // A hash in the file's key order.
        assert_eq!(r.html, "432.|12|b=2;a=1;");
        // As in the reference, `reversed` after `limit:`/`offset:` is ignored.
        let r = render(
            "{% for i in (1..5) limit: 3 offset: 1 reversed %}{{ i }}{% endfor %}",
            serde_json::json!({}),
        );
        assert_eq!(r.html, "234");
    }

    #[test]
    fn partials_include_and_render() {
        let e = engine(
            "{% assign who = 'w' %}{% include 'greet' %}|{% render 'greet' %}|{% render 'item' for list as x %}|{% include 'item.liquid', x: 9 %}",
            &[("greet.liquid", "hi {{ who }}"), ("item.liquid", "<{{ x }}>")],
        )
        .unwrap();
        let r = e.render(&ctx(serde_json::json!({"list": [1, 2]}))).unwrap();
        assert_eq!(r.html, "hi w|hi |<1><2>|<9>");
    }

    #[test]
    fn include_cycle_is_an_error() {
        let e = engine(
            "{% include 'a' %}",
            &[
                ("a.liquid", "{% include 'b' %}"),
                ("b.liquid", "{% include 'a' %}"),
            ],
        )
        .unwrap();
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(err.message.contains("include cycle"), "{}", err.message);
    }

    #[test]
    fn missing_partial_is_an_error_with_the_line() {
        let e = engine("a\n{% include 'nope' %}", &[]).unwrap();
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(
            err.message.contains("partial `nope` not found"),
            "{}",
            err.message
        );
        assert_eq!(err.location().unwrap().line, 2);
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let err = engine("<p>\n\n  {% if x %}\n  {{ x | }}\n{% endif %}", &[]).unwrap_err();
        let loc = err.location().unwrap();
        assert_eq!((loc.file.as_str(), loc.line), ("mfa.liquid", 4));
    }

    #[test]
    fn runaway_loops_stop() {
        let mut e = engine(
            "{% for i in (1..90000) %}{% for j in (1..1000) %}{% endfor %}{% endfor %}",
            &[],
        )
        .unwrap();
        e.limits.time = std::time::Duration::from_millis(50);
        e.limits.steps = u64::MAX;
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(
            err.message
                .contains("ran longer than the time limit (50 ms)"),
            "{}",
            err.message
        );
        assert!(err.help.iter().any(|h| h.contains("--time-limit")));
        // The loop that was running when time ran out.
        assert_eq!(err.location().unwrap().column, 26);

        // A range longer than the step budget is refused before any item is built.
        let e = engine("{% for i in (1..9000000) %}{% endfor %}", &[]).unwrap();
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(
            err.message.contains("more than 1,000,000 steps"),
            "{}",
            err.message
        );
        assert!(err.help.iter().any(|h| h.contains("--step-limit")));
    }

    #[test]
    fn values_that_grow_stop_at_the_memory_budget() {
        for template in [
            "{% assign s = 'x' %}{% for i in (1..64) %}{% capture s %}{{ s }}{{ s }}{% endcapture %}{% endfor %}",
            "{% assign s = 'x' %}{% for i in (1..64) %}{% assign s = s | append: s %}{% endfor %}",
            "{{ 0 | date: '%4000000000Y' }}",
            "{{ 0 | date: '%4294967296N' }}",
            "{% assign s = 'aaaaaaaaaaaaaaaaaaaaaaaa' %}{% for i in (1..8) %}{% assign s = s | replace: 'a', s %}{% endfor %}",
        ] {
            let e = engine(template, &[]).unwrap();
            let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
            assert!(
                err.message.contains("memory limit (64 MiB)"),
                "{template}: {}",
                err.message
            );
            assert!(err.help.iter().any(|h| h.contains("--memory-limit")));
            assert!(err.location().is_some(), "{template}");
        }
    }

    #[test]
    fn includes_that_multiply_stop_at_the_step_budget() {
        let mut partials = Vec::new();
        for i in 0..11 {
            partials.push((
                format!("p{i}.liquid"),
                format!("{{% include 'p{}' %}}", i + 1).repeat(10),
            ));
        }
        partials.push(("p11.liquid".into(), String::new()));
        let partials: Vec<(&str, &str)> = partials
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let e = engine("{% include 'p0' %}", &partials).unwrap();
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(
            err.message.contains("steps") || err.message.contains("time limit"),
            "{}",
            err.message
        );
        assert!(err.location().unwrap().file.starts_with("partials/p"));
    }

    #[test]
    fn an_unused_broken_partial_breaks_no_render() {
        let deep = format!(
            "{}{}",
            "{% unless x %}".repeat(10_000),
            "{% endunless %}".repeat(10_000)
        );
        let e = engine("ok", &[("deep.liquid", &deep), ("bad.liquid", "{% if %}")]).unwrap();
        assert_eq!(e.render(&ctx(serde_json::json!({}))).unwrap().html, "ok");
        let errors = e.partial_errors();
        assert_eq!(errors.len(), 2);
        // Used, it fails at its own line.
        let e = engine("{% include 'bad' %}", &[("bad.liquid", "\n{% if %}")]).unwrap();
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        let at = err.location().unwrap();
        assert_eq!((at.file.as_str(), at.line), ("partials/bad.liquid", 2));
    }

    #[test]
    fn huge_output_stops() {
        let mut e = engine(
            "{% for i in (1..100000) %}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx{% endfor %}",
            &[],
        )
        .unwrap();
        e.limits.output_bytes = 1024 * 1024;
        let err = e.render(&ctx(serde_json::json!({}))).unwrap_err();
        assert!(
            err.message.contains("grew past the page limit (1 MiB)"),
            "{}",
            err.message
        );
        assert!(err.help.iter().any(|h| h.contains("--page-limit")));
    }
}

#[cfg(test)]
mod depth_tests {
    use super::*;

    fn file(name: &str, text: String) -> SourceFile {
        SourceFile {
            path: PathBuf::from(name),
            name: name.to_owned(),
            text: Arc::from(text),
        }
    }

    /// `n` levels of mixed blocks around `inner`.
    fn nest(n: usize, inner: &str) -> String {
        let kinds = [
            ("{% if true %}", "{% endif %}"),
            ("{% for i in (1..1) %}", "{% endfor %}"),
            ("{% unless false %}", "{% endunless %}"),
            ("{% case 1 %}{% when 1 %}", "{% endcase %}"),
            ("{% capture c %}", "{% endcapture %}{{ c }}"),
            ("{% tablerow t in (1..1) %}", "{% endtablerow %}"),
            ("{% ifchanged %}", "{% endifchanged %}"),
        ];
        let mut open = String::new();
        let mut close = String::new();
        for i in 0..n {
            let (o, c) = kinds[i % kinds.len()];
            open.push_str(o);
            close.insert_str(0, c);
        }
        format!("{open}{inner}{close}")
    }

    fn on_small_stack<T: Send + 'static>(kib: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
        std::thread::Builder::new()
            .stack_size(kib * 1024)
            .spawn(f)
            .unwrap()
            .join()
            .expect("no stack overflow")
    }

    #[test]
    fn the_deepest_template_allowed_renders_on_a_small_stack() {
        let max = crate::budget::MAX_DEPTH as usize;
        // The whole depth in one file, then spread over a chain of partials.
        let html = on_small_stack(1024, move || {
            let e = Engine::compile(
                file("t.liquid", nest(max - 1, "deep")),
                vec![],
                Limits::default(),
            )
            .unwrap();
            e.render(&crate::ordered::OrderedObject::default())
                .map(|r| r.html)
        });
        assert!(html.unwrap().contains("deep"));
        let html = on_small_stack(1024, move || {
            // 10 partials, each 9 blocks and an include deep: 100 levels.
            let mut partials = Vec::new();
            for i in 0..10 {
                let inner = if i == 9 {
                    "deep".to_owned()
                } else {
                    format!("{{% include 'p{}' %}}", i + 1)
                };
                partials.push((
                    format!("p{i}.liquid"),
                    Ok(file(&format!("p{i}.liquid"), nest(9, &inner))),
                ));
            }
            let e = Engine::compile(
                file("t.liquid", "{% include 'p0' %}".into()),
                partials,
                Limits::default(),
            )
            .unwrap();
            e.render(&crate::ordered::OrderedObject::default())
                .map(|r| r.html)
        });
        assert!(html.unwrap().contains("deep"));
    }

    #[test]
    fn deeper_is_an_error_at_the_tag_not_a_crash() {
        let max = crate::budget::MAX_DEPTH as usize;
        for n in [max + 1, 10_000] {
            let err = on_small_stack(1024, move || {
                Engine::compile(file("t.liquid", nest(n, "x")), vec![], Limits::default())
                    .unwrap_err()
            });
            assert!(
                err.message.contains("nested more than 100 deep"),
                "{}",
                err.message
            );
            assert!(err.span.is_some());
        }
        // Across partials: a partial that includes itself inside a block.
        let err = on_small_stack(1024, move || {
            let p = file(
                "p.liquid",
                "{% if true %}{% include 'p' %}{% endif %}".into(),
            );
            let e = Engine::compile(
                file("t.liquid", "{% include 'p' %}".into()),
                vec![("p.liquid".into(), Ok(p))],
                Limits::default(),
            )
            .unwrap();
            e.render(&crate::ordered::OrderedObject::default())
                .unwrap_err()
        });
        assert!(err.message.contains("nested more than"), "{}", err.message);
        assert_eq!(err.location().unwrap().file, "p.liquid");
    }
}
