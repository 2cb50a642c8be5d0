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

use crate::diagnostic::{Diagnostic, Span};
use crate::engine::Engine;
use crate::markup::{self, Markup, MarkupKind};
use crate::source::SourceFile;
use crate::template::render::MAX_PARTIAL_DEPTH;

/// Flatten `engine`'s template. `outer_names` are the variables the caller
/// side may define (Auth0's variables, scenario keys).
pub fn flatten(engine: &Engine, outer_names: &BTreeSet<String>) -> Result<String, Diagnostic> {
    let mut state = Flattener {
        engine,
        outer_names,
        counter: 0,
        stack: Vec::new(),
    };
    state.flatten_file(engine.source())
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

fn error_at(file: &SourceFile, m: &Markup<'_>, message: String) -> Diagnostic {
    Diagnostic::error(message)
        .in_file(file.name.clone())
        .with_span(Span {
            source: file.text.clone(),
            start: m.start,
            end: m.end,
        })
}

impl Flattener<'_> {
    fn flatten_file(&mut self, file: &SourceFile) -> Result<String, Diagnostic> {
        let text = &*file.text;
        let markups = markup::scan(text);
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in &markups {
            if m.kind != MarkupKind::Tag || !matches!(m.tag_name(), "include" | "render") {
                continue;
            }
            let call = parse_call(m.tag_name(), m.inner[m.tag_name().len()..].trim())
                .map_err(|msg| error_at(file, m, msg))?;
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
        m: &Markup<'_>,
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
        if call.tag == "render" {
            self.check_render_isolation(file, m, call, partial)?;
        }
        self.stack.push(partial.name.clone());
        let body = self.flatten_file(partial);
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
        m: &Markup<'_>,
        call: &Call,
        partial: &SourceFile,
    ) -> Result<(), Diagnostic> {
        let mut given: BTreeSet<String> = call.args.iter().map(|(k, _)| k.clone()).collect();
        if call.binding.is_some() {
            given.insert(call.alias.clone().unwrap_or_else(|| {
                let base = call.partial.rsplit('/').next().unwrap_or(&call.partial);
                base.trim_end_matches(".liquid").to_owned()
            }));
        }
        given.insert("forloop".into());
        let mut declared = BTreeSet::new();
        let mut reads = Vec::new();
        for pm in markup::scan(&partial.text) {
            let names = markup::names(&pm);
            declared.extend(names.declares.into_iter().map(|(n, _)| n));
            reads.extend(names.reads);
        }
        let caller_names = self.caller_names();
        for (name, _) in &reads {
            if given.contains(name) || declared.contains(name) {
                continue;
            }
            if self.outer_names.contains(name) || caller_names.contains(name) {
                return Err(error_at(
                    file,
                    m,
                    format!(
                        "cannot export `{{% {} %}}` faithfully: the partial reads `{name}`, which `render` hides from it, but an inlined copy would see the caller's `{name}`",
                        m.inner
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
                        "cannot export `{{% {} %}}` faithfully: the partial sets `{name}`, which `render` keeps private, but an inlined copy would change the caller's `{name}`",
                        m.inner
                    ),
                )
                .with_help("rename the variable inside the partial"));
            }
        }
        Ok(())
    }

    /// Variables the main template (outside partials) reads or defines.
    fn caller_names(&self) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for m in markup::scan(&self.engine.source().text) {
            let names = markup::names(&m);
            out.extend(names.reads.into_iter().map(|(n, _)| n));
            out.extend(names.declares.into_iter().map(|(n, _)| n));
        }
        out
    }
}

/// Split on commas outside quotes.
fn split_top_level(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut quote = None;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ',' => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            None => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Parse the arguments of `include`/`render` (after the tag name).
fn parse_call(tag: &str, args: &str) -> Result<Call, String> {
    let args = args.trim();
    let quote = args.chars().next().filter(|c| *c == '\'' || *c == '"');
    let Some(q) = quote else {
        return Err(format!(
            "cannot export `{{% {tag} {args} %}}`: the partial's name is computed when the page renders; write it as a quoted name"
        ));
    };
    let close = args[1..]
        .find(q)
        .ok_or_else(|| format!("unterminated partial name in `{{% {tag} {args} %}}`"))?;
    let partial = args[1..1 + close].to_owned();
    let rest = args[close + 2..].trim();
    let mut parts = split_top_level(rest)
        .into_iter()
        .map(str::trim)
        .collect::<Vec<_>>();
    let mut binding = None;
    let mut alias = None;
    if let Some(first) = parts.first().copied() {
        let keyword = first.split_whitespace().next().unwrap_or("");
        if keyword == "with" || keyword == "for" {
            let body = first[keyword.len()..].trim();
            let (expr, name) = match body.rsplit_once(" as ") {
                Some((e, a)) => (e.trim(), Some(a.trim().to_owned())),
                None => (body, None),
            };
            binding = Some((expr.to_owned(), keyword == "for"));
            alias = name;
            parts.remove(0);
        }
    }
    let mut call_args = Vec::new();
    for part in parts.into_iter().filter(|p| !p.is_empty()) {
        let (name, value) = part.split_once(':').ok_or_else(|| {
            format!("cannot read the argument `{part}` of `{{% {tag} %}}`: expected name: value")
        })?;
        call_args.push((name.trim().to_owned(), value.trim().to_owned()));
    }
    Ok(Call {
        tag: tag.to_owned(),
        partial,
        binding,
        alias,
        args: call_args,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_calls() {
        let c = parse_call("render", "'item' for errors as e, size: 3, label: 'a, b'").unwrap();
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
        let c = parse_call("include", "\"header\"").unwrap();
        assert_eq!(
            (c.partial.as_str(), c.binding, c.args.len()),
            ("header", None, 0)
        );
        assert!(
            parse_call("include", "name_var")
                .unwrap_err()
                .contains("computed")
        );
    }
}
