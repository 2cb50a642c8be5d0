//! The renderer: the one place where the Liquid language is configured, the
//! template and its partials are compiled, and a scenario is rendered with
//! Auth0's semantics.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, OnceLock};

use liquid_core::model::ObjectView;
use liquid_core::runtime::{PartialStore, Renderable};
use liquid_core::{Language, Template};
use liquid_lib::stdlib;

use crate::diagnostic::{Diagnostic, Span};
use crate::markup::{self, Use};
use crate::runtime::{Limits, Root};
use crate::scenario::Scenario;
use crate::source::{self, SourceFile};
use crate::tags;

/// The Liquid language as Auth0's page uses it: the standard tags and
/// filters with the reference engine's behaviour (see [`crate::filters`],
/// [`crate::tags`] and [`crate::preprocess`]), lenient about undefined values.
/// Every tag and block is wrapped in a [`crate::tags::guard`], which holds it
/// to the render's budget and turns a panic into an error at the tag.
pub fn language() -> Language {
    let mut lang = Language::empty();
    macro_rules! tags {
        ($($t:expr),* $(,)?) => {$({
            let tag: Box<dyn liquid_core::ParseTag> = Box::new($t);
            let name = tag.reflection().tag().to_owned();
            lang.tags.register(name, Box::new(tags::guard::GuardedTag(tag)));
        })*};
    }
    macro_rules! blocks {
        ($($b:expr),* $(,)?) => {$({
            let block: Box<dyn liquid_core::ParseBlock> = Box::new($b);
            let name = block.reflection().start_tag().to_owned();
            lang.blocks.register(name, Box::new(tags::guard::GuardedBlock(block)));
        })*};
    }
    tags![
        tags::output::AssignTag,
        stdlib::BreakTag,
        stdlib::ContinueTag,
        tags::output::CycleTag,
        tags::output::CounterTag::INCREMENT,
        tags::output::CounterTag::DECREMENT,
        tags::output::OutputTag::OUTPUT,
        tags::output::OutputTag::ECHO,
        tags::IncludeTag,
        tags::RenderTag,
    ];
    blocks![
        stdlib::RawBlock,
        tags::conditional::IfBlock::IF,
        tags::conditional::IfBlock::UNLESS,
        stdlib::IfChangedBlock,
        tags::ForBlock,
        tags::tablerow::TableRowBlock,
        stdlib::CommentBlock,
        stdlib::CaptureBlock,
        tags::conditional::CaseBlock,
    ];
    for def in crate::filters::all() {
        let filter: Box<dyn liquid_core::ParseFilter> = Box::new(crate::filters::StdFilter(def));
        lang.filters.register(def.name.to_owned(), filter);
    }
    lang
}

/// The one [`language`], built once.
pub fn shared_language() -> &'static Language {
    static LANGUAGE: std::sync::OnceLock<Language> = std::sync::OnceLock::new();
    LANGUAGE.get_or_init(language)
}

/// A partial as compiled on first use, or why it does not compile.
type Compiled = Result<Arc<dyn Renderable>, Diagnostic>;

/// The compiled partials, by every name a template may use for them
/// (`header` and `header.liquid`).
///
/// A partial is compiled when a render first uses it, so a broken partial
/// that nothing includes cannot break a render (`check` still reports it,
/// through [`Engine::partial_errors`]).
#[derive(Debug, Default)]
pub struct Partials {
    /// Compiled on first use, by canonical name.
    compiled: BTreeMap<String, OnceLock<Compiled>>,
    /// The source files, by their canonical name (path under the folder, with extension).
    files: BTreeMap<String, SourceFile>,
    /// Files that could not be read (a FIFO, binary, not UTF-8), by canonical name.
    unreadable: BTreeMap<String, Diagnostic>,
    aliases: BTreeMap<String, String>,
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
}

impl Partials {
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

    /// The partial a template names `name`, compiled (once) on first use.
    fn compiled(&self, name: &str) -> Option<Compiled> {
        let canonical = self.aliases.get(name)?;
        if let Some(d) = self.unreadable.get(canonical) {
            return Some(Err(d.clone()));
        }
        let slot = self.compiled.get(canonical)?;
        let file = self.files.get(canonical)?;
        Some(
            slot.get_or_init(|| {
                parse(file, shared_language()).map(|t| Arc::new(t) as Arc<dyn Renderable>)
            })
            .clone(),
        )
    }

    /// The partials that compile: what analysis reads (one that does not is
    /// reported once, by [`Partials::errors`], not again by every check).
    pub fn usable_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files
            .iter()
            .filter(|(name, _)| matches!(self.compiled(name), Some(Ok(_))))
            .map(|(_, f)| f)
    }

    /// Why each partial that cannot be used fails (unreadable or not compiling).
    pub fn errors(&self) -> Vec<Diagnostic> {
        let mut out: Vec<Diagnostic> = self.unreadable.values().cloned().collect();
        for name in self.files.keys() {
            if let Some(Err(d)) = self.compiled(name) {
                out.push(d);
            }
        }
        out
    }
}

impl PartialStore for Partials {
    fn contains(&self, name: &str) -> bool {
        self.aliases.contains_key(name)
    }

    fn names(&self) -> Vec<&str> {
        self.aliases.keys().map(String::as_str).collect()
    }

    fn try_get(&self, name: &str) -> Option<Arc<dyn Renderable>> {
        match self.compiled(name)? {
            Ok(partial) => Some(partial),
            Err(d) => {
                // The render fails at the include; its caller reports this instead.
                crate::budget::keep_pending(d);
                None
            }
        }
    }

    fn get(&self, name: &str) -> liquid_core::Result<Arc<dyn Renderable>> {
        if let Some(found) = self.compiled(name) {
            return found.map_err(|d| {
                let message = d.message.clone();
                crate::budget::keep_pending(d);
                liquid_core::Error::with_msg(message)
            });
        }
        self.try_get(name).ok_or_else(|| {
            let known = self.files.keys().cloned().collect::<Vec<_>>().join(", ");
            liquid_core::Error::with_msg(format!("partial `{name}` not found")).context(
                "available partials",
                if known.is_empty() {
                    "none".into()
                } else {
                    known
                },
            )
        })
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

/// A compiled template, ready to render any number of scenarios.
#[derive(Debug)]
pub struct Engine {
    template: Template,
    source: SourceFile,
    partials: Partials,
    limits: Limits,
}

/// An undefined variable that a render read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UndefinedAccess {
    /// The path as written: `userData.tenantFriendlyName`.
    pub path: String,
    /// The file and byte offset of the first unguarded use, when one was found.
    pub file: Option<String>,
    pub offset: Option<usize>,
    /// Every use of it handles its absence (`| default`, compared with `nil`, a loop).
    pub guarded: bool,
}

/// The result of one render.
#[derive(Debug, Clone)]
pub struct Rendered {
    pub html: String,
    pub undefined: Vec<UndefinedAccess>,
}

impl Engine {
    /// Read and compile the template and every partial.
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
        Engine::compile(source, partial_files, config.limits)
    }

    /// Compile a template and partials given as text; `partials` are
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
        let template = parse(&source, shared_language())?;
        Ok(Engine {
            template,
            source,
            partials,
            limits,
        })
    }

    pub fn source(&self) -> &SourceFile {
        &self.source
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
        let fill = |file: &SourceFile| SourceFile {
            text: Arc::from(crate::keywords::substitute(&file.text, keywords).0),
            ..file.clone()
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
        Engine::compile(fill(&self.source), partials, self.limits).map(Some)
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
        let root = Root::new(context, &self.partials, self.limits, cancel);
        let mut out = LimitedWriter {
            buf: Vec::with_capacity(16 * 1024),
            limit: self.limits.output_bytes,
            exceeded: false,
        };
        let result = match crate::panic::catch(|| self.template.render_to(&mut out, &root)) {
            Ok(result) => result,
            Err(panic) => Err(liquid_core::Error::with_msg(format!(
                "internal error while rendering: {panic}"
            ))),
        };
        if let Err(err) = result {
            let partial = root.error_origin();
            let budget = root.budget();
            if let Some(d) = budget.take_pending() {
                return Err(d);
            }
            if out.exceeded {
                crate::budget::page_exceeded();
            }
            let mut d = match budget.exceeded() {
                Some(why) => Diagnostic::error(why.message())
                    .in_file(self.source.name.clone())
                    .with_help(why.help()),
                None => self.render_error(&err, partial.as_deref()),
            };
            if let Some(site) = budget.take_origin() {
                d = d
                    .in_file(site.file.to_string())
                    .with_span(Span {
                        source: site.source.clone(),
                        start: site.start,
                        end: site.end,
                    })
                    .with_label("while rendering this");
            }
            return Err(d);
        }
        let undefined = root
            .take_undefined()
            .into_iter()
            .map(|path| self.locate_undefined(path))
            .collect();
        drop(root);
        let html = String::from_utf8(out.buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
        Ok(Rendered { html, undefined })
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
                    let end = offset + u.path.len().min(text.len().saturating_sub(offset));
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

    fn locate_undefined(&self, path: String) -> UndefinedAccess {
        let mut first_value = None;
        let mut any = None;
        // Try the path as written, then its first segment (`errors[1].code` → `errors`).
        let head = path.split(['.', '[']).next().unwrap_or(&path).to_owned();
        let candidates = if head == path {
            vec![path.clone()]
        } else {
            vec![path.clone(), head]
        };
        'search: for candidate in &candidates {
            for file in self.all_files() {
                let markups = markup::scan(&file.text);
                for occ in markup::occurrences(&markups, candidate) {
                    any.get_or_insert((file.name.clone(), occ.offset));
                    if occ.use_ == Use::Value {
                        first_value = Some((file.name.clone(), occ.offset));
                        break 'search;
                    }
                }
            }
            if any.is_some() {
                break;
            }
        }
        let guarded = first_value.is_none() && any.is_some();
        let place = first_value.or(any);
        UndefinedAccess {
            path,
            file: place.as_ref().map(|p| p.0.clone()),
            offset: place.map(|p| p.1),
            guarded,
        }
    }

    /// A render error, placed at the failing tag.
    fn render_error(&self, err: &liquid_core::Error, partial: Option<&str>) -> Diagnostic {
        // Names the rewrite pass spelled for the crate, back as the user wrote them.
        let text = crate::preprocess::as_written(&err.to_string()).into_owned();
        let parsed = ParsedError::from_display(&text);
        let file = partial
            .and_then(|p| self.partials.file_for(p))
            .unwrap_or(&self.source);
        let mut d = Diagnostic::error(parsed.message.clone()).in_file(file.name.clone());
        if let Some(trace) = &parsed.traces.first()
            && let Some(offset) = find_tag(&file.text, trace)
        {
            let markups = markup::scan(&file.text);
            let end = markups
                .iter()
                .find(|m| m.start == offset)
                .map_or(offset + 2, |m| m.end);
            d = d
                .with_span(Span {
                    source: file.text.clone(),
                    start: offset,
                    end,
                })
                .with_label("while rendering this");
        }
        if d.span.is_none() {
            // An output's filter failed: the crate names the filter, not the place.
            if let Some((_, filter)) = parsed.context.iter().find(|(k, _)| k == "filter") {
                let squash = |s: &str| -> String {
                    s.chars()
                        .filter(|c| !c.is_whitespace())
                        .collect::<String>()
                        .replace('"', "'")
                };
                let wanted = squash(filter);
                let markups = markup::scan(&file.text);
                if let Some(m) = markups.iter().find(|m| squash(m.inner).contains(&wanted)) {
                    d = d
                        .with_span(Span {
                            source: file.text.clone(),
                            start: m.start,
                            end: m.end,
                        })
                        .with_label("while rendering this");
                }
            }
        }
        for (k, v) in &parsed.context {
            d = d.with_help(format!("{k}: {v}"));
        }
        d
    }
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
            if file_name.starts_with('.') || file_name.ends_with('~') || file_name.ends_with(".swp")
            {
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

/// Parse a file, turning the `liquid` crate's error into a diagnostic with a code frame.
///
/// The crate parses our rewrite of the file (Shopify's tokenizer and whitespace
/// control, see [`crate::preprocess`]); its positions are mapped back.
pub fn parse(file: &SourceFile, language: &Language) -> Result<Template, Diagnostic> {
    let rewritten = crate::preprocess::rewrite(&file.text).map_err(|e| {
        let mut d = Diagnostic::error(e.message)
            .in_file(file.name.clone())
            .with_span(Span {
                source: file.text.clone(),
                start: e.start,
                end: e.end,
            });
        if let Some(help) = e.help {
            d = d.with_help(help);
        }
        d
    })?;
    let sites = rewritten.tag_sites(&file.text);
    check_depth(file, &sites, language)?;
    // The crate's parser panics on a few malformed inputs (found by fuzzing);
    // turn that into an error on the file instead of a crash.
    let name: Arc<str> = Arc::from(file.name.as_str());
    let parsed = crate::panic::catch_quietly(|| {
        tags::guard::with_sites(name, file.text.clone(), sites, || {
            liquid_core::parser::parse(&rewritten.text, language)
        })
    });
    match parsed {
        Some(result) => result
            .map(Template::new)
            .map_err(|err| parse_error(file, &err, &rewritten)),
        None => Err(Diagnostic::error(
            "this template has a syntax error the Liquid parser cannot locate",
        )
        .in_file(file.name.clone())
        .with_help(
            "look for an unclosed `{%`, `{{` or quote; bisect by removing half of the file",
        )),
    }
}

/// Blocks nested deeper than [`crate::budget::MAX_DEPTH`] are an error at
/// the first tag past it, before the crate's parser (which recurses once per
/// level) sees them.
fn check_depth(
    file: &SourceFile,
    sites: &[crate::preprocess::TagSite],
    language: &Language,
) -> Result<(), Diagnostic> {
    let blocks: std::collections::HashSet<&str> = language.blocks.plugin_names().collect();
    let mut open: Vec<&str> = Vec::new();
    for site in sites {
        let name = site.name.as_str();
        if blocks.contains(name) {
            open.push(name);
            if open.len() > crate::budget::MAX_DEPTH as usize {
                let why = crate::budget::Exceeded::Depth;
                return Err(Diagnostic::error(why.message())
                    .in_file(file.name.clone())
                    .with_span(Span {
                        source: file.text.clone(),
                        start: site.start,
                        end: site.end,
                    })
                    .with_label("too deep")
                    .with_help(why.help()));
            }
        } else if let Some(block) = name.strip_prefix("end")
            && open.last() == Some(&block)
        {
            open.pop();
        }
    }
    Ok(())
}

fn parse_error(
    file: &SourceFile,
    err: &liquid_core::Error,
    rewritten: &crate::preprocess::Rewritten,
) -> Diagnostic {
    let text = crate::preprocess::as_written(&err.to_string()).into_owned();
    let mut parsed = ParsedError::from_display(&text);
    parsed.position = parsed.position.map(|(line, column)| {
        let at =
            rewritten.original_offset(crate::diagnostic::offset_of(&rewritten.text, line, column));
        crate::diagnostic::line_col(&file.text, at)
    });
    let context = |key: &str| {
        parsed
            .context
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    let markups = markup::scan(&file.text);
    let span_of = |m: &markup::Markup<'_>| Span {
        source: file.text.clone(),
        start: m.start,
        end: m.end,
    };
    let mut d = Diagnostic::error(parsed.message.clone()).in_file(file.name.clone());
    let mut span = parsed
        .position
        .map(|(line, column)| Span::at(file.text.clone(), line, column));
    let mut context_shown = false;

    if parsed.message.starts_with("Unknown tag") {
        if let Some(name) = context("requested") {
            context_shown = true;
            let lang = language();
            let known: Vec<String> = lang
                .tags
                .plugin_names()
                .map(str::to_owned)
                .chain(
                    lang.blocks
                        .plugin_names()
                        .flat_map(|b| [b.to_owned(), format!("end{b}")]),
                )
                .chain(["else", "elsif", "when"].map(str::to_owned))
                .filter(|n| !n.starts_with('_'))
                .collect();
            d.message = match name.strip_prefix("end") {
                Some(block) if lang.blocks.plugin_names().any(|b| b == block) => {
                    format!("`{{% {name} %}}` without a matching `{{% {block} %}}`")
                }
                _ => format!("unknown tag `{name}`"),
            };
            if let Some(near) = crate::suggest::closest(&name, known.iter().map(String::as_str)) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
        }
    } else if parsed.message.starts_with("Unknown filter") {
        if let Some(name) = context("requested filter") {
            context_shown = true;
            d.message = format!("unknown filter `{name}`");
            if let Some(m) = markups
                .iter()
                .find(|m| filter_position(m.inner, &name).is_some())
            {
                let at = m.inner_start + filter_position(m.inner, &name).unwrap_or(0);
                span = Some(Span {
                    source: file.text.clone(),
                    start: at,
                    end: at + name.len(),
                });
            }
            let lang = language();
            if let Some(near) = crate::suggest::closest(&name, lang.filters.plugin_names()) {
                d = d.with_help(format!("did you mean `{near}`?"));
            }
        }
    } else if let Some(rest) = parsed.message.strip_prefix("Unclosed block.") {
        // Point at the block that is never closed, not at the end of the file.
        let end_tag = rest.trim().trim_start_matches("{%").trim();
        let end_tag = end_tag.split_whitespace().next().unwrap_or("");
        if let Some(opener) = unclosed_opener(&markups, end_tag.trim_start_matches("end")) {
            d.message = format!("`{{% {} %}}` is never closed", opener.inner);
            span = Some(span_of(opener));
            d = d.with_help(format!("add `{{% {end_tag} %}}` where the block ends"));
        }
    }

    if let Some(at) = span.as_ref().map(|s| s.start) {
        // A syntax error inside a tag that runs into the next tag: a missing closer.
        if let Some(m) = markups.iter().find(|m| m.start <= at && at < m.end) {
            let body = &file.text[m.start + 2..m.end - 2];
            if body.contains("{%") || body.contains("{{") {
                let closer = if m.kind == markup::MarkupKind::Tag {
                    "%}"
                } else {
                    "}}"
                };
                d = d.with_help(format!(
                    "this markup runs into the next `{{%` or `{{{{`: is its closing `{closer}` missing?"
                ));
            }
        }
    }
    if span.is_none() {
        span = parsed
            .traces
            .first()
            .and_then(|t| find_tag(&file.text, t))
            .map(|offset| Span {
                source: file.text.clone(),
                start: offset,
                end: offset + 2,
            });
    }
    if let Some(span) = span {
        d = d.with_span(span);
    }
    if let Some(help) = parse_help(&parsed.message) {
        d = d.with_help(help);
    }
    if !context_shown {
        for (k, v) in &parsed.context {
            d = d.with_help(format!("{k}: {v}"));
        }
    }
    d
}

/// Offset in `inner` of filter `name` applied with `|`.
fn filter_position(inner: &str, name: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = inner[from..].find('|') {
        let after = from + i + 1;
        let rest = &inner[after..];
        let trimmed = rest.trim_start();
        let start = after + (rest.len() - trimmed.len());
        let word: String = trimmed
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word == name {
            return Some(start);
        }
        from = after;
    }
    None
}

/// The last opening `{% block %}` with no matching end tag.
fn unclosed_opener<'a, 'm>(
    markups: &'m [markup::Markup<'a>],
    block: &str,
) -> Option<&'m markup::Markup<'a>> {
    let end = format!("end{block}");
    let mut open = Vec::new();
    for m in markups {
        let name = m.tag_name();
        if name == block {
            open.push(m);
        } else if name == end {
            open.pop();
        }
    }
    open.pop()
}

fn parse_help(message: &str) -> Option<String> {
    if message.contains("expected") && message.contains("Raw") {
        return Some("is a `{% … %}` or `{{ … }}` missing its closing delimiter?".into());
    }
    None
}

/// What the `liquid` crate's error text says: the message, the line and
/// column of a syntax error, the tags it passed through, and its context.
#[derive(Debug, Default, PartialEq)]
struct ParsedError {
    message: String,
    position: Option<(usize, usize)>,
    traces: Vec<String>,
    context: Vec<(String, String)>,
}

impl ParsedError {
    fn from_display(text: &str) -> ParsedError {
        let body = text.strip_prefix("liquid: ").unwrap_or(text);
        let mut out = ParsedError::default();
        let mut message_lines = Vec::new();
        let mut in_context = false;
        for line in body.lines() {
            let trimmed = line.trim();
            if let Some(rest) = trimmed.strip_prefix("--> ") {
                let mut parts = rest.split(':');
                let l = parts.next().and_then(|p| p.trim().parse().ok());
                let c = parts.next().and_then(|p| p.trim().parse().ok());
                if let (Some(l), Some(c)) = (l, c) {
                    out.position = Some((l, c));
                }
            } else if let Some(rest) = trimmed.strip_prefix("= ") {
                message_lines.push(rest.to_owned());
            } else if let Some(rest) = line.strip_prefix("from: ") {
                out.traces.push(rest.to_owned());
                in_context = false;
            } else if trimmed == "with:" {
                in_context = true;
            } else if in_context {
                if let Some((k, v)) = trimmed.split_once('=') {
                    out.context.push((k.to_owned(), v.to_owned()));
                }
            } else if out.position.is_none()
                && !trimmed.is_empty()
                && !trimmed.starts_with('|')
                && !trimmed.chars().next().is_some_and(|c| c.is_ascii_digit())
            {
                message_lines.push(trimmed.to_owned());
            }
        }
        out.message = message_lines.join(" ");
        if out.message.is_empty() {
            out.message = "invalid template".into();
        }
        out
    }
}

/// Byte offset of the markup in `source` that a trace such as
/// `{% for e in errors %}` names.
fn find_tag(source: &str, trace: &str) -> Option<usize> {
    let squash = |s: &str| -> String { s.chars().filter(|c| !c.is_whitespace()).collect() };
    let inner = trace
        .trim()
        .trim_start_matches("{%")
        .trim_start_matches("{{")
        .trim_end_matches("%}")
        .trim_end_matches("}}")
        .trim();
    let wanted = squash(inner).replace('"', "'");
    let name = inner.split_whitespace().next().unwrap_or("");
    let markups = markup::scan(source);
    markups
        .iter()
        .find(|m| squash(m.inner).replace('"', "'") == wanted)
        .or_else(|| {
            markups.iter().find(|m| {
                m.tag_name() == name && {
                    let first_arg = inner.split_whitespace().nth(1).unwrap_or("");
                    m.inner.split_whitespace().nth(1).unwrap_or("") == first_arg
                }
            })
        })
        .map(|m| m.start)
}

struct LimitedWriter {
    buf: Vec<u8>,
    limit: usize,
    exceeded: bool,
}

impl Write for LimitedWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.buf.len() + data.len() > self.limit {
            self.exceeded = true;
            return Err(std::io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        assert!(r.undefined.is_empty());
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
