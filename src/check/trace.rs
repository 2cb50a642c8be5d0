//! What a render visits, read from the render itself: the front end keeps,
//! when asked ([`Engine::render_recorded`]), which template bytes produced
//! which page bytes and which branches were taken. This module names those
//! places for the checks: every branch of the template and its partials (for
//! coverage), every output (for the hostile-value pass), and the map from a
//! page offset back to the template.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use crate::budget::Limits;
use crate::diagnostic::Diagnostic;
use crate::engine::{Engine, Rendered};
use crate::source::SourceFile;
use crate::template::render::{self, PartialSource, Piece};
use crate::template::walk::{self, Walker};
use crate::template::{Document, Span};

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

/// An output (`{{ … }}`) of the template or a partial.
#[derive(Debug, Clone, Copy)]
pub struct Position {
    pub file: usize,
    pub markup_start: usize,
    pub markup_end: usize,
}

/// One recorded render.
#[derive(Debug, Clone)]
pub struct Trace {
    pub html: String,
    /// `(offset in html, output id)` of every output rendered, in page order:
    /// the render's path through the template.
    pub marks: Vec<(usize, u32)>,
    /// Branch ids rendered.
    pub branches: Vec<u32>,
    /// The recorded pieces, their files as indexes into [`Instrumented::files`].
    pieces: Vec<Piece>,
    /// Where each `for` iteration starts: `(offset in html, iteration)`.
    iterations: Vec<(usize, usize)>,
}

impl Trace {
    /// Whether page offset `at` starts an item of a loop that is not its
    /// first: going back from `at` over nothing but whitespace reaches the
    /// start of a second or later iteration.
    pub fn starts_later_loop_item(&self, at: usize) -> bool {
        let i = self.iterations.partition_point(|(o, _)| *o <= at);
        self.iterations[..i]
            .iter()
            .rev()
            .any(|&(o, n)| n > 0 && self.html.get(o..at).is_some_and(|t| t.trim().is_empty()))
    }
}

/// The template and partials, with their branches and outputs numbered.
#[derive(Clone)]
pub struct Instrumented {
    /// Renders go through this engine when set: the template with a
    /// scenario's deploy-cli keywords filled in (its records map back to the
    /// files as written).
    filled: Option<Arc<Engine>>,
    template: Arc<Document>,
    partials: Docs,
    limits: Limits,
    /// The files: the template first, then the partials.
    pub files: Vec<SourceFile>,
    pub branches: Vec<Branch>,
    pub positions: Vec<Position>,
    branch_ids: HashMap<(usize, Span), u32>,
    output_ids: HashMap<(usize, Span), u32>,
}

/// A byte range of an original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

/// The parsed partials, by every name a template may use (`x`, `x.liquid`).
#[derive(Default, Clone)]
struct Docs(HashMap<String, Arc<Document>>);

impl PartialSource for Docs {
    fn get(&self, name: &str) -> Result<Arc<Document>, Diagnostic> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| Diagnostic::error(format!("partial `{name}` not found")))
    }
}

/// A file's branches and outputs, in one walk of its tree.
struct Collect<'f> {
    file: usize,
    text: &'f str,
    branches: Vec<Branch>,
    outputs: Vec<Position>,
}

impl Walker<'_> for Collect<'_> {
    fn branch(&mut self, span: Span, _tag: &'static str, tag_span: Span) {
        let shown = |s: Span| self.text[s.start..s.end].trim().to_owned();
        self.branches.push(Branch {
            file: self.file,
            start: span.start,
            end: span.end,
            markup: shown(span),
            block: (span != tag_span).then(|| shown(tag_span)),
        });
    }

    fn output(&mut self, span: Span) {
        self.outputs.push(Position {
            file: self.file,
            markup_start: span.start,
            markup_end: span.end,
        });
    }
}

impl Instrumented {
    /// Number the branches and outputs of `engine`'s template and partials.
    pub fn build(engine: &Engine, _partials_dir: &Path) -> Result<Instrumented, Diagnostic> {
        let mut files = vec![engine.source().clone()];
        let mut docs = vec![engine.document().clone()];
        let mut partials = Docs::default();
        for p in engine.partials().documents() {
            if let Some(stem) = p.name.strip_suffix(".liquid") {
                partials.0.insert(stem.to_owned(), p.doc.clone());
            }
            partials.0.insert(p.name.to_owned(), p.doc.clone());
            files.push(p.file.clone());
            docs.push(p.doc);
        }
        let mut branches = Vec::new();
        let mut positions = Vec::new();
        for (i, doc) in docs.iter().enumerate() {
            let mut c = Collect {
                file: i,
                text: &doc.source,
                branches: Vec::new(),
                outputs: Vec::new(),
            };
            walk::walk(&doc.body, &mut c);
            branches.extend(c.branches);
            c.outputs.sort_by_key(|p| p.markup_start);
            positions.extend(c.outputs);
        }
        let branch_ids = branches
            .iter()
            .enumerate()
            .map(|(id, b)| ((b.file, Span::new(b.start, b.end)), id as u32))
            .collect();
        let output_ids = positions
            .iter()
            .enumerate()
            .map(|(id, p)| ((p.file, Span::new(p.markup_start, p.markup_end)), id as u32))
            .collect();
        Ok(Instrumented {
            filled: None,
            template: docs[0].clone(),
            partials,
            limits: engine.limits(),
            files,
            branches,
            positions,
            branch_ids,
            output_ids,
        })
    }

    /// Render `context` with the record kept. `None` when it fails (the
    /// normal render reports why).
    pub fn render(&self, context: &dyn liquid_core::ObjectView) -> Option<Trace> {
        if let Some(engine) = &self.filled {
            return self.trace_of(&engine.render_recorded(context).ok()?);
        }
        let _budget = crate::budget::enter(self.limits, None);
        let options = render::Options {
            partials: &self.partials,
            page_limit: self.limits.output_bytes,
            record: true,
        };
        let output =
            crate::panic::catch_quietly(|| render::render(&self.template, context, options))?
                .ok()?;
        self.trace(output.html, &output.files, output.recording?)
    }

    /// This template as `filled` renders it: the engine with a scenario's
    /// deploy-cli keywords filled in ([`Engine::with_keywords`]).
    pub fn rendered_by(&self, filled: Arc<Engine>) -> Instrumented {
        Instrumented {
            filled: Some(filled),
            ..self.clone()
        }
    }

    /// The trace of a render made by [`Engine::render_recorded`] of the same
    /// template; `None` when it read other sources (deploy-cli keywords filled in).
    pub fn trace_of(&self, rendered: &Rendered) -> Option<Trace> {
        let recorded = rendered.recording.as_ref()?;
        self.trace(
            rendered.html.clone(),
            &recorded.files,
            recorded.recording.clone(),
        )
    }

    fn trace(
        &self,
        html: String,
        files: &[(Arc<str>, Arc<str>)],
        recording: render::Recording,
    ) -> Option<Trace> {
        // The render's file indexes, as ours; a file we do not have (or whose text differs) fails.
        let map: Vec<usize> = files
            .iter()
            .map(|(name, text)| {
                self.files
                    .iter()
                    .position(|f| f.name == **name && *f.text == **text)
            })
            .collect::<Option<_>>()?;
        let mut marks = Vec::new();
        let mut pieces = Vec::with_capacity(recording.pieces.len());
        for mut p in recording.pieces {
            p.file = map[p.file];
            if p.output
                && let Some(id) = self.output_ids.get(&(p.file, p.src))
            {
                marks.push((p.out_start, *id));
            }
            pieces.push(p);
        }
        let mut branches: Vec<u32> = recording
            .branches
            .iter()
            .filter_map(|(f, span)| self.branch_ids.get(&(map[*f], *span)).copied())
            .collect();
        branches.sort_unstable();
        branches.dedup();
        Some(Trace {
            html,
            marks,
            branches,
            pieces,
            iterations: recording.iterations,
        })
    }

    /// The template place that produced byte `offset` of a traced page:
    /// the markup that wrote it, or the very character of literal text.
    pub fn locate(&self, trace: &Trace, offset: usize) -> Option<Place> {
        let i = trace.pieces.partition_point(|p| p.out_start <= offset);
        let p = match i.checked_sub(1) {
            Some(i) => trace.pieces[i],
            None => *trace.pieces.first()?,
        };
        let text = &self.files.get(p.file)?.text;
        if !p.output
            && p.out_start <= offset
            && offset < p.out_end
            && p.src.end - p.src.start == p.out_end - p.out_start
        {
            let start = p.src.start + (offset - p.out_start);
            let end = text
                .get(start..)
                .and_then(|t| t.chars().next())
                .filter(|c| *c != '\n')
                .map_or(start, |c| start + c.len_utf8());
            return Some(Place {
                file: p.file,
                start,
                end,
            });
        }
        Some(Place {
            file: p.file,
            start: p.src.start,
            end: p.src.end,
        })
    }

    /// Every output (`{{ … }}`) a trace rendered: `(output id, k-th time, range in html)`.
    pub fn outputs(&self, trace: &Trace) -> Vec<Output> {
        let mut seen = HashMap::<u32, usize>::new();
        let mut out = Vec::new();
        for p in trace.pieces.iter().filter(|p| p.output) {
            let Some(&id) = self.output_ids.get(&(p.file, p.src)) else {
                continue;
            };
            let count = seen.entry(id).or_default();
            out.push(Output {
                id,
                nth: *count,
                start: p.out_start,
                end: p.out_end,
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

/// One rendering of an output markup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    /// The output's id (index into [`Instrumented::positions`]).
    pub id: u32,
    /// Which rendering of that markup (loops render it many times).
    pub nth: usize,
    pub start: usize,
    pub end: usize,
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
