//! Inline every `{% include %}` / `{% render %}` of a local partial, keeping
//! what the tags mean, so Auth0 gets one self-contained template.
//!
//! - `include 'p'` shares the caller's scope: the partial's text goes in as it is.
//! - Arguments (`, k: v`, `with v [as k]`) are bound with `assign` around the
//!   partial, and the caller's previous values restored after it.
//! - `for list [as k]` becomes a `{% for %}` loop around the partial.
//! - `render` hides the caller's variables from the partial and keeps the
//!   partial's own variables private: the inlined copy is only faithful when
//!   the partial reads nothing the caller may define and the caller reads
//!   nothing the partial defines; otherwise the export stops with an error
//!   naming the variable.
//! - A partial named by a variable cannot be resolved ahead of time: an error.

use std::collections::BTreeSet;

use crate::check::variables;
use crate::diagnostic::{Diagnostic, Span};
use crate::engine::Engine;
use crate::source::SourceFile;
use crate::template::render::{MAX_PARTIAL_DEPTH, PartialSource};
use crate::template::tags::partial::{Binding, Partial};
use crate::template::walk::{self, Walker};
use crate::template::{self as tree, Document};

/// Flatten `engine`'s template. `outer_names` are the variables the caller
/// side may define (Auth0's variables, scenario keys).
pub fn flatten(engine: &Engine, outer_names: &BTreeSet<String>) -> Result<String, Diagnostic> {
    let mut state = Flattener {
        engine,
        outer_names,
        counter: 0,
        stack: Vec::new(),
    };
    state.flatten_file(engine.source(), engine.document())
}

struct Flattener<'e> {
    engine: &'e Engine,
    outer_names: &'e BTreeSet<String>,
    counter: usize,
    stack: Vec<String>,
}

/// A parsed `include` / `render` call.
#[derive(Debug, PartialEq)]
struct Call {
    tag: String,
    partial: String,
    /// `with`/`for` target expression and whether it is a `for`.
    binding: Option<(String, bool)>,
    alias: Option<String>,
    args: Vec<(String, String)>,
}

fn error_at(file: &SourceFile, m: tree::Span, message: String) -> Diagnostic {
    Diagnostic::error(message)
        .in_file(file.name.clone())
        .with_span(Span {
            source: file.text.clone(),
            start: m.start,
            end: m.end,
        })
}

/// Every `include` and `render` of a tree, in source order.
fn calls(doc: &Document) -> Vec<&Partial> {
    struct Calls<'a>(Vec<&'a Partial>);
    impl<'a> Walker<'a> for Calls<'a> {
        fn partial(&mut self, call: &'a Partial) {
            self.0.push(call);
        }
    }
    let mut c = Calls(Vec::new());
    walk::walk(&doc.body, &mut c);
    c.0.sort_by_key(|p| p.span.start);
    c.0
}

/// A call's parts as written.
fn call_of(file: &SourceFile, p: &Partial) -> Result<Call, String> {
    let text = |e: &tree::ast::Expr| {
        let s = e.span();
        file.text.get(s.start..s.end).unwrap_or("").to_owned()
    };
    let tag = if p.isolated { "render" } else { "include" };
    let Some(partial) = p.literal_name() else {
        return Err(format!(
            "cannot export `{{% {tag} {} %}}`: the partial's name is computed when the page renders; write it as a quoted name",
            text(&p.name)
        ));
    };
    Ok(Call {
        tag: tag.to_owned(),
        partial: partial.to_owned(),
        binding: match &p.binding {
            Binding::None => None,
            Binding::With(e) => Some((text(e), false)),
            Binding::For(e) => Some((text(e), true)),
        },
        alias: p.alias.clone(),
        args: p
            .args
            .iter()
            .map(|(k, _, e)| (k.clone(), text(e)))
            .collect(),
    })
}

impl Flattener<'_> {
    fn flatten_file(&mut self, file: &SourceFile, doc: &Document) -> Result<String, Diagnostic> {
        let text = &*file.text;
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for p in calls(doc) {
            let m = p.span;
            if !text[m.start..].starts_with("{%") {
                return Err(error_at(
                    file,
                    m,
                    "cannot export an `include` or `render` inside `{% liquid %}`".into(),
                )
                .with_help("write it as a tag of its own: `{% include 'name' %}`"));
            }
            let call = call_of(file, p).map_err(|msg| error_at(file, m, msg))?;
            let inlined = self.inline(file, m, &call)?;
            out.push_str(&text[last..m.start]);
            out.push_str(&inlined);
            last = m.end;
        }
        out.push_str(&text[last..]);
        Ok(out)
    }

    fn inline(
        &mut self,
        file: &SourceFile,
        m: tree::Span,
        call: &Call,
    ) -> Result<String, Diagnostic> {
        let partial = self
            .engine
            .partials()
            .file_for(&call.partial)
            .ok_or_else(|| {
                error_at(
                    file,
                    m,
                    format!("cannot export: partial `{}` not found", call.partial),
                )
            })?;
        if self.stack.len() >= MAX_PARTIAL_DEPTH || self.stack.contains(&partial.name) {
            let chain = self.stack.join(" → ");
            return Err(error_at(
                file,
                m,
                format!("cannot export: include cycle ({chain} → {})", partial.name),
            ));
        }
        let doc = self
            .engine
            .partials()
            .get(&call.partial)
            .map_err(|d| error_at(file, m, format!("cannot export: {}", d.message)))?;
        if call.tag == "render" {
            self.check_render_isolation(file, m, call, &doc)?;
        }
        self.stack.push(partial.name.clone());
        let body = self.flatten_file(partial, &doc);
        self.stack.pop();
        let body = body?;

        self.counter += 1;
        let n = self.counter;
        let bound_name = call.alias.clone().unwrap_or_else(|| {
            let base = call.partial.rsplit('/').next().unwrap_or(&call.partial);
            base.trim_end_matches(".liquid").to_owned()
        });
        let mut bindings: Vec<(String, String)> = call.args.clone();
        let mut loop_over = None;
        match &call.binding {
            Some((expr, false)) => bindings.insert(0, (bound_name.clone(), expr.clone())),
            Some((expr, true)) => loop_over = Some(expr.clone()),
            None => {}
        }

        let text = &*file.text;
        let trim_left = text[m.start..].starts_with("{%-");
        let trim_right = text[..m.end].ends_with("-%}");
        let mut out = String::new();
        if trim_left {
            out.push_str("{%- comment %}{% endcomment %}");
        }
        for (name, _) in &bindings {
            out.push_str(&format!("{{% assign __mfa_{n}_{name} = {name} %}}"));
        }
        for (name, expr) in &bindings {
            out.push_str(&format!("{{% assign {name} = {expr} %}}"));
        }
        if let Some(collection) = &loop_over {
            out.push_str(&format!("{{% for {bound_name} in {collection} %}}"));
        }
        out.push_str(&body);
        if loop_over.is_some() {
            out.push_str("{% endfor %}");
        }
        for (name, _) in &bindings {
            out.push_str(&format!("{{% assign {name} = __mfa_{n}_{name} %}}"));
        }
        if trim_right {
            out.push_str("{% comment %}{% endcomment -%}");
        }
        Ok(out)
    }

    /// `render` hides the caller's variables; refuse when inlining would expose them.
    fn check_render_isolation(
        &self,
        file: &SourceFile,
        m: tree::Span,
        call: &Call,
        partial: &Document,
    ) -> Result<(), Diagnostic> {
        let mut given: BTreeSet<String> = call.args.iter().map(|(k, _)| k.clone()).collect();
        if call.binding.is_some() {
            given.insert(call.alias.clone().unwrap_or_else(|| {
                let base = call.partial.rsplit('/').next().unwrap_or(&call.partial);
                base.trim_end_matches(".liquid").to_owned()
            }));
        }
        given.insert("forloop".into());
        let analysis = variables::analyse_documents(&[partial]);
        let declared = analysis.defined;
        let reads: BTreeSet<String> = analysis
            .references
            .iter()
            .filter_map(|r| r.segments.first().cloned())
            .collect();
        let caller_names = self.caller_names();
        let shown = file.text.get(m.start..m.end).unwrap_or("").trim();
        for name in &reads {
            if given.contains(name) || declared.contains(name) {
                continue;
            }
            if self.outer_names.contains(name) || caller_names.contains(name) {
                return Err(error_at(
                    file,
                    m,
                    format!(
                        "cannot export `{shown}` faithfully: the partial reads `{name}`, which `render` hides from it, but an inlined copy would see the caller's `{name}`"
                    ),
                )
                .with_help(format!(
                    "pass it explicitly (`{{% render '{}', {name}: {name} %}}`) or use `include`",
                    call.partial
                )));
            }
        }
        for name in &declared {
            if caller_names.contains(name) || self.outer_names.contains(name) {
                return Err(error_at(
                    file,
                    m,
                    format!(
                        "cannot export `{shown}` faithfully: the partial sets `{name}`, which `render` keeps private, but an inlined copy would change the caller's `{name}`"
                    ),
                )
                .with_help("rename the variable inside the partial"));
            }
        }
        Ok(())
    }

    /// Variables the main template (outside partials) reads or defines.
    fn caller_names(&self) -> BTreeSet<String> {
        let analysis = variables::analyse_documents(&[self.engine.document()]);
        let mut out: BTreeSet<String> = analysis
            .references
            .iter()
            .filter_map(|r| r.segments.first().cloned())
            .collect();
        out.extend(analysis.defined);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::Arc;

    #[test]
    fn reads_calls_from_the_tree() {
        let text = "{% render 'item' for errors as e, size: 3, label: 'a, b' %}{% include \"header\" %}{% include name_var %}";
        let file = SourceFile {
            path: PathBuf::from("t.liquid"),
            name: "t.liquid".into(),
            text: Arc::from(text),
        };
        let doc = crate::engine::parse(&file).unwrap();
        let calls = calls(&doc);
        let c = call_of(&file, calls[0]).unwrap();
        assert_eq!(c.partial, "item");
        assert_eq!(c.binding, Some(("errors".into(), true)));
        assert_eq!(c.alias.as_deref(), Some("e"));
        assert_eq!(
            c.args,
            [
                ("size".into(), "3".into()),
                ("label".into(), "'a, b'".into())
            ]
        );
        let c = call_of(&file, calls[1]).unwrap();
        assert_eq!(
            (c.partial.as_str(), c.binding, c.args.len()),
            ("header", None, 0)
        );
        assert!(call_of(&file, calls[2]).unwrap_err().contains("computed"));
    }
}
