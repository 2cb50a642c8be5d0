//! An instrumented copy of the template and its partials, to see what a
//! render visits: the `liquid` crate keeps no positions, so we insert marker
//! tags into a copy of each source (at offsets from [`markup::scan`]) and
//! compile that copy with [`engine::language`] plus our marker tag, rendered
//! on the same lenient runtime ([`Root`]) as the real render.
//!
//! - A *branch* marker goes right after every branch-opening markup (`if`,
//!   `elsif`, `else`, `unless`, `when`): rendering it records the branch as
//!   covered. It writes nothing.
//! - A *position* marker goes before and after every markup (outside `raw`,
//!   `comment` and `capture`): it writes a sentinel (`U+E000 id U+E001`) that
//!   is stripped from the page afterwards, leaving a map from each offset of
//!   the rendered page back to a template offset.
//!
//! Markers copy the whitespace control (`{%-`, `-%}`) of the markup they sit
//! against, so the stripped page is byte for byte the normal render.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use liquid_core::runtime::PartialStore;
use liquid_core::{Language, ParseTag, Renderable, Runtime, TagReflection, TagTokenIter, Template};

use crate::diagnostic::Diagnostic;
use crate::engine::{self, Engine};
use crate::markup::{self, MarkupKind};
use crate::runtime::{Limits, Root};
use crate::source::SourceFile;

const TAG: &str = "mfapagemark";
const OPEN: char = '\u{E000}';
const CLOSE: char = '\u{E001}';

/// Blocks whose end tag closes them.
const BLOCKS: &[&str] = &[
    "if",
    "unless",
    "case",
    "for",
    "tablerow",
    "capture",
    "ifchanged",
    "raw",
    "comment",
];

/// A branch of the template: the body after an `if`, `elsif`, `else`, `unless` or `when`.
#[derive(Debug, Clone)]
pub struct Branch {
    /// Index into [`Instrumented::files`].
    pub file: usize,
    /// Byte range of the branch-opening markup.
    pub start: usize,
    pub end: usize,
    /// The opening markup as written, trimmed: `{% else %}`.
    pub markup: String,
    /// The block's opening markup, for `elsif`/`else`/`when`: `{% if ticket %}`.
    pub block: Option<String>,
}

/// Where a position marker sits in its file.
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub file: usize,
    /// The markup it stands before or after.
    pub markup_start: usize,
    pub markup_end: usize,
    /// `true`: after the markup (literal text follows); `false`: before it.
    pub after: bool,
    /// For an `after` marker, where the literal text that follows starts (past trimmed whitespace).
    pub text_start: usize,
    /// End of that literal text (the next markup, or the end of the file).
    pub text_end: usize,
    pub is_output: bool,
}

/// One render through the instrumented copy.
#[derive(Debug, Clone)]
pub struct Trace {
    /// The page, sentinels removed.
    pub html: String,
    /// `(offset in html, position id)`, in render order.
    pub marks: Vec<(usize, u32)>,
    /// Branch ids rendered.
    pub branches: Vec<u32>,
}

/// The instrumented template and partials.
pub struct Instrumented {
    template: Template,
    partials: Partials,
    /// The original files: the template first, then the partials.
    pub files: Vec<SourceFile>,
    pub branches: Vec<Branch>,
    pub positions: Vec<Position>,
    hits: Arc<Vec<AtomicBool>>,
}

/// A byte range of an original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

impl Instrumented {
    /// Instrument `engine`'s template and partials (read from `partials_dir`).
    pub fn build(engine: &Engine, partials_dir: &Path) -> Result<Instrumented, Diagnostic> {
        let mut files = vec![engine.source().clone()];
        files.extend(engine.partials().usable_files().cloned());
        let mut branches = Vec::new();
        let mut positions = Vec::new();
        let mut texts = Vec::new();
        for (index, file) in files.iter().enumerate() {
            texts.push(instrument(index, &file.text, &mut branches, &mut positions));
        }
        let hits: Arc<Vec<AtomicBool>> = Arc::new(
            (0..branches.len())
                .map(|_| AtomicBool::new(false))
                .collect(),
        );
        let mut language = engine::language();
        language
            .tags
            .register(TAG.to_owned(), Box::new(MarkTag { hits: hits.clone() }));
        let compile = |i: usize| {
            let copy = crate::source::SourceFile {
                text: Arc::from(texts[i].as_str()),
                ..files[i].clone()
            };
            engine::parse(&copy, &language)
                .map_err(|e| {
                    let first = e.message;
                    Diagnostic::warning(format!(
                        "cannot trace renders of this file ({first}); branch coverage and template lines are unavailable"
                    ))
                    .in_file(files[i].name.clone())
                })
        };
        let mut partials = Partials::default();
        for (i, file) in files.iter().enumerate().skip(1) {
            let name = file
                .path
                .strip_prefix(partials_dir)
                .map(|rel| {
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                })
                .unwrap_or_else(|_| file.name.clone());
            // A partial that does not compile is reported on its own (`partial-error`).
            let Ok(compiled) = compile(i) else {
                continue;
            };
            let compiled: Arc<dyn Renderable> = Arc::new(compiled);
            if let Some(stem) = name.strip_suffix(".liquid") {
                partials.0.insert(stem.to_owned(), compiled.clone());
            }
            partials.0.insert(name, compiled);
        }
        Ok(Instrumented {
            template: compile(0)?,
            partials,
            files,
            branches,
            positions,
            hits,
        })
    }

    /// Render `context` through the instrumented copy. `None` when it fails
    /// (the normal render reports why).
    pub fn render(&self, context: &dyn liquid_core::ObjectView) -> Option<Trace> {
        for hit in self.hits.iter() {
            hit.store(false, Ordering::Relaxed);
        }
        let root = Root::new(context, &self.partials, Limits::default(), None);
        let mut out = Capped(Vec::with_capacity(32 * 1024));
        self.template.render_to(&mut out, &root).ok()?;
        let html = String::from_utf8(out.0).ok()?;
        let branches = self
            .hits
            .iter()
            .enumerate()
            .filter(|(_, h)| h.load(Ordering::Relaxed))
            .map(|(i, _)| i as u32)
            .collect();
        let (html, marks) = strip(&html);
        Some(Trace {
            html,
            marks,
            branches,
        })
    }

    /// The template place that produced byte `offset` of a traced page:
    /// the markup that wrote it, or the very character of literal text.
    pub fn locate(&self, trace: &Trace, offset: usize) -> Option<Place> {
        let i = trace.marks.partition_point(|(at, _)| *at <= offset);
        let Some(&(at, id)) = i.checked_sub(1).and_then(|i| trace.marks.get(i)) else {
            // Before the first marker: the template's leading literal text.
            let text = &self.files.first()?.text;
            let first = markup::scan(text).first().map_or(text.len(), |m| m.start);
            let start = offset.min(first);
            let end = text[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            return Some(Place {
                file: 0,
                start,
                end,
            });
        };
        let pos = self.positions.get(id as usize)?;
        if pos.after {
            let text = &self.files[pos.file].text;
            let within = (offset - at).min(pos.text_end.saturating_sub(pos.text_start));
            let start = pos.text_start + within;
            let end = text[start..]
                .chars()
                .next()
                .filter(|c| *c != '\n')
                .map_or(start, |c| start + c.len_utf8());
            Some(Place {
                file: pos.file,
                start,
                end,
            })
        } else {
            Some(Place {
                file: pos.file,
                start: pos.markup_start,
                end: pos.markup_end,
            })
        }
    }

    /// Every output (`{{ … }}`) a trace rendered: `(before-marker id, k-th time, range in html)`.
    pub fn outputs(&self, trace: &Trace) -> Vec<Output> {
        let mut seen = std::collections::HashMap::<u32, usize>::new();
        let mut out = Vec::new();
        for pair in trace.marks.windows(2) {
            let ((start, id), (end, next)) = (pair[0], pair[1]);
            let Some(pos) = self.positions.get(id as usize) else {
                continue;
            };
            if pos.after || !pos.is_output || next != id + 1 {
                continue;
            }
            let count = seen.entry(id).or_default();
            out.push(Output {
                id,
                nth: *count,
                start,
                end,
            });
            *count += 1;
        }
        out
    }
}

impl std::fmt::Debug for Instrumented {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Instrumented")
            .field("files", &self.files.len())
            .field("branches", &self.branches.len())
            .field("positions", &self.positions.len())
            .finish()
    }
}

/// The instrumented partials, by every name a template may use (`x`, `x.liquid`).
#[derive(Default)]
struct Partials(HashMap<String, Arc<dyn Renderable>>);

impl std::fmt::Debug for Partials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.0.keys()).finish()
    }
}

impl PartialStore for Partials {
    fn contains(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }

    fn try_get(&self, name: &str) -> Option<Arc<dyn Renderable>> {
        self.0.get(name).cloned()
    }

    fn get(&self, name: &str) -> liquid_core::Result<Arc<dyn Renderable>> {
        self.try_get(name)
            .ok_or_else(|| liquid_core::Error::with_msg(format!("partial `{name}` not found")))
    }
}

/// The page, capped so that hostile values in a loop cannot exhaust memory.
struct Capped(Vec<u8>);

const CAP: usize = 64 * 1024 * 1024;

impl Write for Capped {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + data.len() > CAP {
            return Err(std::io::Error::other("page too large"));
        }
        self.0.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// One rendering of an output markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// The id of the position marker before it.
    pub id: u32,
    /// Which rendering of that markup (loops render it many times).
    pub nth: usize,
    pub start: usize,
    pub end: usize,
}

/// Remove the sentinels, returning the page and where each was.
fn strip(text: &str) -> (String, Vec<(usize, u32)>) {
    let mut html = String::with_capacity(text.len());
    let mut marks = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(OPEN) {
        html.push_str(&rest[..i]);
        let after = &rest[i + OPEN.len_utf8()..];
        match after.find(CLOSE) {
            Some(j) if after[..j].bytes().all(|b| b.is_ascii_digit()) && j > 0 => {
                if let Ok(id) = after[..j].parse() {
                    marks.push((html.len(), id));
                }
                rest = &after[j + CLOSE.len_utf8()..];
            }
            _ => {
                html.push(OPEN);
                rest = after;
            }
        }
    }
    html.push_str(rest);
    (html, marks)
}

/// The instrumented text of one file.
fn instrument(
    file: usize,
    text: &str,
    branches: &mut Vec<Branch>,
    positions: &mut Vec<Position>,
) -> String {
    let markups = markup::scan(text);
    let bytes = text.as_bytes();
    let mut inserts: Vec<(usize, String)> = Vec::new();
    // A partial's leading text (all of it, when it has no markup) maps back
    // to the partial, not to the `include` that rendered it.
    if file > 0 && !text.is_empty() {
        let id = positions.len();
        positions.push(Position {
            file,
            markup_start: 0,
            markup_end: 0,
            after: true,
            text_start: 0,
            text_end: markups.first().map_or(text.len(), |m| m.start),
            is_output: false,
        });
        inserts.push((0, format!("{{% {TAG} p{id} %}}")));
    }
    let mut stack: Vec<(&str, &str)> = Vec::new();
    for (index, m) in markups.iter().enumerate() {
        let name = m.tag_name();
        let left_dash = bytes.get(m.start + 2) == Some(&b'-');
        let right_dash = m.end >= 3 && bytes.get(m.end - 3) == Some(&b'-');
        let in_capture = |stack: &[(&str, &str)]| stack.iter().any(|(n, _)| *n == "capture");
        let next_start = markups.get(index + 1).map_or(text.len(), |n| n.start);
        if !in_capture(&stack) && name != "endraw" && name != "endcomment" {
            let id = positions.len();
            positions.push(Position {
                file,
                markup_start: m.start,
                markup_end: m.end,
                after: false,
                text_start: m.start,
                text_end: m.start,
                is_output: m.kind == MarkupKind::Output,
            });
            let dash = if left_dash { "-" } else { "" };
            inserts.push((m.start, format!("{{%{dash} {TAG} p{id} %}}")));
        }
        // Block structure, and the branch this markup opens.
        let mut opens_branch = None;
        match name {
            "if" | "unless" => opens_branch = Some(None),
            "elsif" | "else" | "when" => {
                if let Some((_, opener)) = stack.last() {
                    opens_branch = Some(Some(format!("{{% {opener} %}}")));
                }
            }
            _ => {}
        }
        if m.kind == MarkupKind::Tag {
            if BLOCKS.contains(&name) {
                stack.push((name, m.inner));
            } else if let Some(block) = name.strip_prefix("end")
                && let Some(top) = stack.iter().rposition(|(n, _)| *n == block)
            {
                stack.truncate(top);
            }
        }
        if let Some(block) = opens_branch {
            let id = branches.len();
            branches.push(Branch {
                file,
                start: m.start,
                end: m.end,
                markup: format!("{{% {} %}}", m.inner),
                block,
            });
            let dash = if right_dash { "-" } else { "" };
            inserts.push((m.end, format!("{{% {TAG} b{id} {dash}%}}")));
        }
        if !in_capture(&stack) && name != "raw" && name != "comment" {
            let id = positions.len();
            let mut text_start = m.end;
            if right_dash {
                text_start +=
                    text[m.end..next_start].len() - text[m.end..next_start].trim_start().len();
            }
            positions.push(Position {
                file,
                markup_start: m.start,
                markup_end: m.end,
                after: true,
                text_start,
                text_end: next_start.max(text_start),
                is_output: m.kind == MarkupKind::Output,
            });
            let dash = if right_dash { "-" } else { "" };
            inserts.push((m.end, format!("{{% {TAG} p{id} {dash}%}}")));
        }
    }
    let mut out = String::with_capacity(text.len() + inserts.len() * 24);
    let mut from = 0;
    for (at, insert) in inserts {
        out.push_str(&text[from..at]);
        out.push_str(&insert);
        from = at;
    }
    out.push_str(&text[from..]);
    out
}

/// `{% mfapagemark b17 %}` (a branch) or `{% mfapagemark p17 %}` (a position).
#[derive(Debug, Clone)]
struct MarkTag {
    hits: Arc<Vec<AtomicBool>>,
}

impl TagReflection for MarkTag {
    fn tag(&self) -> &'static str {
        TAG
    }

    fn description(&self) -> &'static str {
        "mfa-page check's trace marker"
    }
}

impl ParseTag for MarkTag {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        _options: &Language,
    ) -> liquid_core::Result<Box<dyn Renderable>> {
        let word = arguments
            .expect_next("marker id expected")?
            .expect_identifier()
            .into_result()?
            .to_owned();
        arguments.expect_nothing()?;
        let (kind, id) = word.split_at(1);
        let id: u32 = id
            .parse()
            .map_err(|_| liquid_core::Error::with_msg("bad marker id"))?;
        Ok(match kind {
            "b" => Box::new(BranchMark {
                id,
                hits: self.hits.clone(),
            }),
            _ => Box::new(PositionMark { id }),
        })
    }

    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct BranchMark {
    id: u32,
    hits: Arc<Vec<AtomicBool>>,
}

impl Renderable for BranchMark {
    fn render_to(
        &self,
        _writer: &mut dyn Write,
        _runtime: &dyn Runtime,
    ) -> liquid_core::Result<()> {
        if let Some(hit) = self.hits.get(self.id as usize) {
            hit.store(true, Ordering::Relaxed);
        }
        Ok(())
    }
}

#[derive(Debug)]
struct PositionMark {
    id: u32,
}

impl Renderable for PositionMark {
    fn render_to(&self, writer: &mut dyn Write, _runtime: &dyn Runtime) -> liquid_core::Result<()> {
        write!(writer, "{OPEN}{}{CLOSE}", self.id)
            .map_err(|e| liquid_core::Error::with_msg(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn file(name: &str, text: &str) -> SourceFile {
        SourceFile {
            path: PathBuf::from(name),
            name: name.to_owned(),
            text: Arc::from(text),
        }
    }

    fn ctx(json: serde_json::Value) -> liquid_core::model::Object {
        match crate::scenario::to_liquid(&json) {
            liquid_core::model::Value::Object(o) => o,
            _ => unreachable!(),
        }
    }

    fn traced(template: &str, json: serde_json::Value) -> (Engine, Instrumented, Trace) {
        let engine =
            Engine::compile(file("t.liquid", template), vec![], Limits::default()).unwrap();
        let inst = Instrumented::build(&engine, Path::new("partials")).unwrap();
        let trace = inst.render(&ctx(json)).unwrap();
        (engine, inst, trace)
    }

    #[test]
    fn stripped_page_is_the_normal_render() {
        let template = "{%- assign a = 'x' -%}\n  <p>{{ a }}</p>\n  {%- if t -%}\n  T {{ t }}\n  {%- else %} E {% endif -%}  \n{% capture c %}[{{ a }}]{% endcapture %}{{ c }}{% for i in (1..2) %}{{ i }}{% else %}none{% endfor %}{%- comment -%} x {{ y }} {%- endcomment -%} end";
        for json in [serde_json::json!({"t": "tv"}), serde_json::json!({})] {
            let (engine, _, trace) = traced(template, json.clone());
            let normal = engine.render(&ctx(json)).unwrap().html;
            assert_eq!(trace.html, normal);
        }
    }

    #[test]
    fn branches_and_positions() {
        let template = "<a>\n{% if t %}\nyes {{ t }}\n{% elsif u %}u{% else %}\nno\n{% endif %}";
        let (_, inst, trace) = traced(template, serde_json::json!({"t": "tv"}));
        let names: Vec<_> = inst
            .branches
            .iter()
            .map(|b| (b.markup.as_str(), b.block.as_deref()))
            .collect();
        assert_eq!(
            names,
            [
                ("{% if t %}", None),
                ("{% elsif u %}", Some("{% if t %}")),
                ("{% else %}", Some("{% if t %}"))
            ]
        );
        assert_eq!(trace.branches, [0]);
        // `tv` in the page maps to the `{{ t }}` on line 3.
        let at = trace.html.find("tv").unwrap();
        let place = inst.locate(&trace, at).unwrap();
        assert_eq!(&template[place.start..place.end], "{{ t }}");
        // Text before the first markup maps to itself.
        let place = inst.locate(&trace, 1).unwrap();
        assert_eq!((place.file, place.start), (0, 1));
        // `yes` maps to the literal text on line 3.
        let at = trace.html.find("yes").unwrap();
        let place = inst.locate(&trace, at).unwrap();
        assert_eq!(&template[place.start..place.start + 3], "yes");
        let outputs = inst.outputs(&trace);
        assert_eq!(outputs.len(), 1);
        assert_eq!(&trace.html[outputs[0].start..outputs[0].end], "tv");
    }

    #[test]
    fn partials_are_traced_too() {
        let engine = Engine::compile(
            file(
                "t.liquid",
                "<a>{% include 'p' %}{% render 'p.liquid' %}</a>",
            ),
            vec![(
                "p.liquid".to_owned(),
                Ok(file(
                    "partials/p.liquid",
                    "{% if ticket %}T{% else %}L{% endif %}",
                )),
            )],
            Limits::default(),
        )
        .unwrap();
        let inst = Instrumented::build(&engine, Path::new("partials")).unwrap();
        assert_eq!(inst.branches.len(), 2);
        assert_eq!(inst.branches[1].file, 1);
        let trace = inst
            .render(&ctx(serde_json::json!({"ticket": "t"})))
            .unwrap();
        // `include` sees `ticket`; `render` is isolated and does not.
        assert_eq!(trace.html, "<a>TL</a>");
        assert_eq!(trace.branches, [0, 1]);
        let place = inst.locate(&trace, 3).unwrap();
        assert_eq!((place.file, place.start), (1, 15));
    }

    #[test]
    fn a_partial_without_markup_maps_to_itself() {
        let engine = Engine::compile(
            file("t.liquid", "<a>\n{% include 'p' %}</a>"),
            vec![(
                "p.liquid".to_owned(),
                Ok(file("partials/p.liquid", "<p>\n<script>boom()</script>\n")),
            )],
            Limits::default(),
        )
        .unwrap();
        let inst = Instrumented::build(&engine, Path::new("partials")).unwrap();
        let trace = inst.render(&ctx(serde_json::json!({}))).unwrap();
        assert_eq!(
            trace.html,
            engine.render(&ctx(serde_json::json!({}))).unwrap().html
        );
        let at = trace.html.find("boom").unwrap();
        let place = inst.locate(&trace, at).unwrap();
        assert_eq!((place.file, place.start), (1, 12));
    }
}
