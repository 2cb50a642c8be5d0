//! Is a rendered page valid? HTML5 parse errors from a real HTML5 parser
//! (html5ever's tree builder, with exact errors), and syntax errors in every
//! inline `<script>` from a real JavaScript parser (oxc).
//!
//! The same parse gives the page's *structure*: its elements and attribute
//! names, its parse errors, and the token kinds of each script. Two renders
//! with the same structure differ only in text and attribute values; the
//! hostile-value check compares structures.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::TreeBuilderOpts;
use html5ever::{Attribute, LocalName, Namespace, ParseOpts, QualName, parse_document};

use crate::check::report::{Finding, Level};
use crate::check::trace::{Instrumented, Trace};

/// What parsing one page found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageCheck {
    /// HTML parse errors: (1-based line in the page, message).
    pub html_errors: Vec<(usize, String)>,
    pub scripts: Vec<ScriptCheck>,
    /// Hash of the element tree (names and attribute names).
    pub tree: u64,
}

impl PageCheck {
    /// A fingerprint of everything that makes up the page's structure.
    pub fn structure(&self) -> u64 {
        let mut h = DefaultHasher::new();
        self.tree.hash(&mut h);
        self.html_errors.len().hash(&mut h);
        for s in &self.scripts {
            s.errors.len().hash(&mut h);
            s.tokens.hash(&mut h);
        }
        h.finish()
    }

    /// Whether this page has an HTML or JavaScript error.
    pub fn has_errors(&self) -> bool {
        !self.html_errors.is_empty() || self.scripts.iter().any(|s| !s.errors.is_empty())
    }
}

/// One inline script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptCheck {
    /// Byte offset of its text in the page, when found.
    pub offset: Option<usize>,
    /// Syntax errors: (byte offset in the script, message).
    pub errors: Vec<(usize, String)>,
    /// Hash of the kinds of its tokens.
    pub tokens: u64,
}

/// A script's syntax errors and the hash of its token kinds.
type ScriptResult = (Vec<(usize, String)>, u64);

/// Pages and scripts already parsed, by content: scenarios often render the
/// same page, and always the same static scripts.
#[derive(Debug, Default)]
pub struct Cache {
    pages: HashMap<u64, Arc<PageCheck>>,
    scripts: HashMap<(u64, bool), ScriptResult>,
}

fn hash_str(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    s.hash(&mut h);
    h.finish()
}

impl Cache {
    /// How many pages and scripts it holds.
    pub fn entries(&self) -> usize {
        self.pages.len() + self.scripts.len()
    }

    /// Parse `html` (or return the earlier result for the same page).
    pub fn check(&mut self, html: &str) -> Arc<PageCheck> {
        let key = hash_str(html);
        if let Some(found) = self.pages.get(&key) {
            return found.clone();
        }
        let page = Arc::new(self.parse(html));
        self.pages.insert(key, page.clone());
        page
    }

    fn parse(&mut self, html: &str) -> PageCheck {
        let opts = ParseOpts {
            tree_builder: TreeBuilderOpts {
                exact_errors: true,
                ..Default::default()
            },
            ..Default::default()
        };
        let dom = parse_document(Dom::default(), opts).one(html);
        let mut tree = DefaultHasher::new();
        let mut scripts = Vec::new();
        dom.walk(0, &mut tree, &mut scripts);
        // The parser reads CR LF and a lone CR as LF: a page with CR LF line
        // ends is searched as the parser saw it, and offsets mapped back.
        let normalized = html.contains('\r').then(|| Normalized::new(html));
        let page: &str = normalized.as_ref().map_or(html, |n| n.text.as_str());
        let mut from = 0;
        let scripts = scripts
            .into_iter()
            .map(|(text, module)| {
                let found = page[from..].find(text.as_str()).map(|i| from + i);
                if let Some(at) = found {
                    from = at + text.len();
                }
                let key = (hash_str(&text), module);
                let (mut errors, tokens) = self
                    .scripts
                    .entry(key)
                    .or_insert_with(|| parse_script(&text, module))
                    .clone();
                let mut offset = found;
                if let (Some(n), Some(at)) = (&normalized, found) {
                    let start = n.original(at);
                    for (e, _) in &mut errors {
                        *e = n.original(at + *e) - start;
                    }
                    offset = Some(start);
                }
                ScriptCheck {
                    offset,
                    errors,
                    tokens,
                }
            })
            .collect();
        PageCheck {
            html_errors: dom
                .errors
                .into_inner()
                .into_iter()
                .map(|(line, msg)| (line, describe_html_error(&msg)))
                .collect(),
            scripts,
            tree: tree.finish(),
        }
    }
}

/// A page with its line ends as the HTML parser reads them (CR LF and a
/// lone CR become LF), and the way back to the original's byte offsets.
struct Normalized {
    text: String,
    /// For each byte of `text`, its offset in the original.
    origin: Vec<usize>,
}

impl Normalized {
    fn new(html: &str) -> Normalized {
        let bytes = html.as_bytes();
        let mut text = Vec::with_capacity(bytes.len());
        let mut origin = Vec::with_capacity(bytes.len() + 1);
        let mut i = 0;
        while i < bytes.len() {
            origin.push(i);
            if bytes[i] == b'\r' {
                text.push(b'\n');
                i += if bytes.get(i + 1) == Some(&b'\n') {
                    2
                } else {
                    1
                };
            } else {
                text.push(bytes[i]);
                i += 1;
            }
        }
        origin.push(bytes.len());
        Normalized {
            // Only ASCII CR bytes were replaced, by ASCII LF: still UTF-8.
            text: String::from_utf8(text).unwrap_or_default(),
            origin,
        }
    }

    /// The original offset of byte `at` of the normalized text.
    fn original(&self, at: usize) -> usize {
        self.origin[at.min(self.origin.len() - 1)]
    }
}

/// Findings for one scenario's page: every HTML parse error and script
/// syntax error, with the rendered line and, through `locate`, the template
/// place it maps back to (file name, text, byte range). `traced`, the
/// instrumented template and this page's trace, tells a value that broke
/// out of its string and items a loop wrote without commas from other errors.
pub fn findings(
    page: &PageCheck,
    html: &str,
    locate: &dyn Fn(usize) -> Option<(String, Arc<str>, usize, usize)>,
    traced: Option<(&Instrumented, &Trace)>,
    template: &str,
    scenario: &str,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let see =
        format!("see the page with `mfa-page render --context {scenario}`, at the rendered line");
    let mut add =
        |code: &'static str, message: String, offset: Option<usize>, label: &str, help: &str| {
            let line = offset.map(|o| crate::diagnostic::line_col(html, o).0);
            let mut f = Finding::new(Level::Error, code, message)
                .scenario(scenario)
                .help(help);
            f.rendered_line = line;
            f = match offset.and_then(locate) {
                Some((file, text, start, end)) => f.in_file(file).at(text, start, end).label(label),
                None => f.in_file(template.to_owned()),
            };
            out.push(f);
        };
    for (line, message) in &page.html_errors {
        let start = line_start(html, *line);
        let first = html[start..]
            .find(|c: char| !c.is_whitespace())
            .map_or(start, |i| start + i);
        add(
            "html-parse",
            format!("HTML parse error: {message}"),
            Some(first),
            "renders here",
            &see,
        );
    }
    for script in &page.scripts {
        for (at, message) in &script.errors {
            let offset = script.offset.map(|o| o + at);
            let cause = match (traced, offset) {
                (Some((inst, trace)), Some(at)) => js_cause(inst, trace, html, at, message),
                _ => JsCause::Other,
            };
            match cause {
                JsCause::Breakout(output, ref variable) => add(
                    "js-syntax",
                    format!(
                        "the value of `{variable}` ends its JavaScript string early, and the script no longer parses: {message}"
                    ),
                    Some(output),
                    "this value ends its string",
                    &format!(
                        "escape the value for JavaScript, or put it in an attribute, `data-value=\"{{{{ {variable} | escape }}}}\"`, and read it with `element.dataset.value`; `| escape` alone does not stop a backslash or a line break from breaking a JavaScript string"
                    ),
                ),
                JsCause::LoopItems => add(
                    "js-syntax",
                    format!("JavaScript syntax error in an inline <script>: {message}"),
                    offset,
                    "renders here",
                    "a loop writes these items into the script without a comma between them: add `{% unless forloop.last %},{% endunless %}` after the item",
                ),
                JsCause::Other => add(
                    "js-syntax",
                    format!("JavaScript syntax error in an inline <script>: {message}"),
                    offset,
                    "renders here",
                    &see,
                ),
            }
        }
    }
    out
}

/// What a script syntax error comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum JsCause {
    /// The value an output wrote (starting at this page offset) ended its
    /// string early: a quote, a backslash or a line break in it. With the
    /// variable it writes.
    Breakout(usize, String),
    /// The error lies between two items one loop wrote (a missing comma).
    LoopItems,
    Other,
}

/// Why the script error at page offset `at` happened, from the trace.
fn js_cause(inst: &Instrumented, trace: &Trace, html: &str, at: usize, message: &str) -> JsCause {
    let outputs = inst.outputs(trace);
    // A string the error opens or lies in: from `at` to the end of its line.
    let line_end = html[at..].find('\n').map_or(html.len(), |i| at + i);
    let unterminated = message.contains("Unterminated string");
    let in_string = |o: usize| {
        matches!(
            crate::check::hostile::place_at(html, o),
            crate::check::hostile::Place::Script { string: true }
        )
    };
    let broken = outputs.iter().find(|o| {
        o.start < o.end
            && ((o.start <= at && at < o.end)
                || (unterminated && at <= o.start && o.start < line_end))
            && in_string(o.start)
    });
    if let Some(o) = broken {
        let variable = inst
            .positions
            .get(o.id as usize)
            .map_or_else(String::new, |p| {
                let markup = &inst.files[p.file].text[p.markup_start..p.markup_end];
                let inner = markup
                    .trim_start_matches("{{")
                    .trim_end_matches("}}")
                    .trim_matches('-')
                    .trim();
                inner.split('|').next().unwrap_or(inner).trim().to_owned()
            });
        return JsCause::Breakout(o.start, variable);
    }
    if trace.starts_later_loop_item(at) {
        return JsCause::LoopItems;
    }
    JsCause::Other
}

/// Byte offset where 1-based `line` starts.
fn line_start(text: &str, line: usize) -> usize {
    let mut offset = 0;
    for _ in 1..line.max(1) {
        match text[offset..].find('\n') {
            Some(i) => offset += i + 1,
            None => return text.len(),
        }
    }
    offset
}

/// Parse one script: its syntax errors and a hash of its token kinds.
fn parse_script(text: &str, module: bool) -> ScriptResult {
    let allocator = oxc_allocator::Allocator::default();
    let source_type = if module {
        oxc_span::SourceType::mjs()
    } else {
        oxc_span::SourceType::cjs()
    };
    let ret = oxc_parser::Parser::new(&allocator, text, source_type)
        .with_config(oxc_parser::config::TokensParserConfig)
        .parse();
    let errors = ret
        .diagnostics
        .iter()
        .map(|d| {
            let offset = d
                .labels
                .iter()
                .find(|l| l.primary())
                .or(d.labels.first())
                .map_or(0, |l| l.offset() as usize);
            let mut message = d.message.to_string();
            if let Some(label) = d.labels.first().and_then(|l| l.label())
                && !repeats(&message, label)
            {
                message = format!("{message} ({label})");
            }
            (offset.min(text.len()), message)
        })
        .collect();
    let mut h = DefaultHasher::new();
    for token in ret.tokens.iter() {
        (token.kind() as u8).hash(&mut h);
    }
    (errors, h.finish())
}

/// Whether a parser's label only says again what its message says
/// ("Expected `,` or `)` but found `;`" and "`,` or `)` expected").
fn repeats(message: &str, label: &str) -> bool {
    let core = label
        .trim()
        .trim_end_matches("expected")
        .trim_start_matches("Expected")
        .trim();
    core.is_empty() || message.contains(core)
}

/// html5ever's exact messages are Rust debug text; say the same in words.
fn describe_html_error(msg: &str) -> String {
    if let Some(rest) = msg.strip_prefix("Unexpected token ") {
        let mode = rest
            .rsplit_once(" in insertion mode ")
            .map(|(_, m)| m.to_owned());
        let name = rest.split_once("name: Atom(").map(|(_, r)| {
            r.trim_start_matches(['\\', '\''])
                .split(['\\', '\''])
                .next()
                .unwrap_or("")
        });
        let what = if rest.contains("kind: StartTag") || rest.contains("kind: EndTag") {
            match (rest.contains("kind: EndTag"), name) {
                (true, Some(n)) => format!("end tag </{n}>"),
                (false, Some(n)) => format!("start tag <{n}>"),
                _ => "tag".to_owned(),
            }
        } else if rest.starts_with("Characters(") {
            "text".to_owned()
        } else if rest.starts_with("Comment(") {
            "comment".to_owned()
        } else if rest.starts_with("Eof") {
            "end of file".to_owned()
        } else {
            rest.split(['(', ' ']).next().unwrap_or(rest).to_owned()
        };
        if mode.as_deref() == Some("Initial") {
            return format!("{what} before <!DOCTYPE html>: a page must start with it");
        }
        return match mode {
            Some(mode) => format!("unexpected {what} (insertion mode: {})", words(&mode)),
            None => format!("unexpected {what}"),
        };
    }
    if let Some(rest) = msg.strip_prefix("Saw ")
        && let Some((what, state)) = rest.split_once(" in state ")
    {
        return format!("unexpected `{what}` (tokenizer state: {})", words(state));
    }
    if msg.starts_with("Bad DOCTYPE") {
        return "bad DOCTYPE: a page should start with <!DOCTYPE html>".to_owned();
    }
    msg.to_owned()
}

/// `AttributeValueUnquoted` → `attribute value unquoted`.
fn words(camel: &str) -> String {
    let mut out = String::new();
    for (i, c) in camel.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A minimal DOM for html5ever: enough to hash the element tree and find the scripts.
#[derive(Debug)]
struct Dom {
    nodes: RefCell<Vec<Node>>,
    errors: RefCell<Vec<(usize, String)>>,
    line: Cell<u64>,
}

impl Default for Dom {
    fn default() -> Self {
        Dom {
            nodes: RefCell::new(vec![Node::new(Kind::Document)]),
            errors: RefCell::default(),
            line: Cell::new(1),
        }
    }
}

#[derive(Debug)]
struct Node {
    kind: Kind,
    parent: Option<usize>,
    children: Vec<usize>,
}

#[derive(Debug)]
enum Kind {
    Document,
    Doctype,
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
        template: Option<usize>,
    },
    Text(StrTendril),
    Comment,
}

impl Node {
    fn new(kind: Kind) -> Node {
        Node {
            kind,
            parent: None,
            children: Vec::new(),
        }
    }
}

/// An element's name, owned (atoms are cheap to clone).
#[derive(Debug)]
pub struct Name {
    ns: Namespace,
    local: LocalName,
}

impl html5ever::interface::ElemName for Name {
    fn ns(&self) -> &Namespace {
        &self.ns
    }

    fn local_name(&self) -> &LocalName {
        &self.local
    }
}

impl Dom {
    fn add(&self, kind: Kind) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node::new(kind));
        nodes.len() - 1
    }

    fn detach(&self, node: usize) {
        let mut nodes = self.nodes.borrow_mut();
        if let Some(parent) = nodes[node].parent.take() {
            nodes[parent].children.retain(|c| *c != node);
        }
    }

    /// Insert `child` into `parent` at `index`, merging text with the previous sibling.
    fn insert(&self, parent: usize, index: usize, child: NodeOrText<usize>) {
        match child {
            NodeOrText::AppendText(text) => {
                let mut nodes = self.nodes.borrow_mut();
                if index > 0 {
                    let prev = nodes[parent].children[index - 1];
                    if let Kind::Text(t) = &mut nodes[prev].kind {
                        t.push_tendril(&text);
                        return;
                    }
                }
                nodes.push(Node::new(Kind::Text(text)));
                let id = nodes.len() - 1;
                nodes[id].parent = Some(parent);
                nodes[parent].children.insert(index, id);
            }
            NodeOrText::AppendNode(id) => {
                self.detach(id);
                let mut nodes = self.nodes.borrow_mut();
                let index = index.min(nodes[parent].children.len());
                nodes[id].parent = Some(parent);
                nodes[parent].children.insert(index, id);
            }
        }
    }

    /// Hash the tree under `node`, collecting the scripts' text and whether each is a module.
    fn walk(&self, node: usize, h: &mut DefaultHasher, scripts: &mut Vec<(String, bool)>) {
        let nodes = self.nodes.borrow();
        match &nodes[node].kind {
            Kind::Element {
                name,
                attrs,
                template,
            } => {
                let mut names: Vec<&str> = attrs.iter().map(|a| &*a.name.local).collect();
                names.sort_unstable();
                ('<', &*name.local, names).hash(h);
                if &*name.local == "script" && name.ns == html5ever::ns!(html) {
                    let attr = |n: &str| {
                        attrs
                            .iter()
                            .find(|a| &*a.name.local == n)
                            .map(|a| a.value.trim().to_ascii_lowercase())
                    };
                    let kind = attr("type").unwrap_or_default();
                    let javascript = matches!(
                        kind.as_str(),
                        "" | "text/javascript"
                            | "application/javascript"
                            | "module"
                            | "text/ecmascript"
                            | "application/ecmascript"
                    );
                    if javascript && attr("src").is_none() {
                        let text: String = nodes[node]
                            .children
                            .iter()
                            .filter_map(|c| match &nodes[*c].kind {
                                Kind::Text(t) => Some(&**t),
                                _ => None,
                            })
                            .collect();
                        scripts.push((text, kind == "module"));
                    }
                }
                let children = nodes[node].children.clone();
                let template = *template;
                drop(nodes);
                for c in children {
                    self.walk(c, h, scripts);
                }
                if let Some(t) = template {
                    self.walk(t, h, scripts);
                }
                '>'.hash(h);
            }
            Kind::Document => {
                let children = nodes[node].children.clone();
                drop(nodes);
                for c in children {
                    self.walk(c, h, scripts);
                }
            }
            Kind::Doctype => "!doctype".hash(h),
            Kind::Comment => "!--".hash(h),
            Kind::Text(_) => {}
        }
    }
}

impl TreeSink for Dom {
    type Handle = usize;
    type Output = Self;
    type ElemName<'a> = Name;

    fn finish(self) -> Self {
        self
    }

    fn parse_error(&self, msg: Cow<'static, str>) {
        self.errors
            .borrow_mut()
            .push((self.line.get() as usize, msg.into_owned()));
    }

    fn set_current_line(&self, line: u64) {
        self.line.set(line);
    }

    fn get_document(&self) -> usize {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a usize) -> Name {
        match &self.nodes.borrow()[*target].kind {
            Kind::Element { name, .. } => Name {
                ns: name.ns.clone(),
                local: name.local.clone(),
            },
            _ => Name {
                ns: html5ever::ns!(html),
                local: LocalName::from(""),
            },
        }
    }

    fn create_element(&self, name: QualName, attrs: Vec<Attribute>, flags: ElementFlags) -> usize {
        let template = flags.template.then(|| self.add(Kind::Document));
        self.add(Kind::Element {
            name,
            attrs,
            template,
        })
    }

    fn create_comment(&self, _text: StrTendril) -> usize {
        self.add(Kind::Comment)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
        self.add(Kind::Comment)
    }

    fn append(&self, parent: &usize, child: NodeOrText<usize>) {
        let index = self.nodes.borrow()[*parent].children.len();
        self.insert(*parent, index, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &usize,
        prev_element: &usize,
        child: NodeOrText<usize>,
    ) {
        if self.nodes.borrow()[*element].parent.is_some() {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {
        let id = self.add(Kind::Doctype);
        self.append(&0, NodeOrText::AppendNode(id));
    }

    fn get_template_contents(&self, target: &usize) -> usize {
        match &self.nodes.borrow()[*target].kind {
            Kind::Element {
                template: Some(t), ..
            } => *t,
            _ => *target,
        }
    }

    fn same_node(&self, x: &usize, y: &usize) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &usize, new_node: NodeOrText<usize>) {
        let (parent, index) = {
            let nodes = self.nodes.borrow();
            let Some(parent) = nodes[*sibling].parent else {
                return;
            };
            let index = nodes[parent]
                .children
                .iter()
                .position(|c| c == sibling)
                .unwrap_or(0);
            (parent, index)
        };
        if let NodeOrText::AppendNode(id) = &new_node {
            // Moving a node within the same parent shifts the index.
            let nodes = self.nodes.borrow();
            if nodes[*id].parent == Some(parent)
                && nodes[parent].children.iter().position(|c| c == id) < Some(index)
            {
                drop(nodes);
                self.detach(*id);
                self.insert(parent, index - 1, new_node);
                return;
            }
        }
        self.insert(parent, index, new_node);
    }

    fn add_attrs_if_missing(&self, target: &usize, attrs: Vec<Attribute>) {
        if let Kind::Element { attrs: have, .. } = &mut self.nodes.borrow_mut()[*target].kind {
            for attr in attrs {
                if !have.iter().any(|a| a.name == attr.name) {
                    have.push(attr);
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &usize) {
        self.detach(*target);
    }

    fn reparent_children(&self, node: &usize, new_parent: &usize) {
        let children = std::mem::take(&mut self.nodes.borrow_mut()[*node].children);
        let mut nodes = self.nodes.borrow_mut();
        for c in &children {
            nodes[*c].parent = Some(*new_parent);
        }
        nodes[*new_parent].children.extend(children);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_errors_keep_their_place_with_crlf_line_ends() {
        let lf = "<html><body>\n<script>\nvar a = 1;\nnew X(o;\n</script></body></html>";
        let crlf = lf.replace('\n', "\r\n");
        for html in [lf.to_owned(), crlf] {
            let page = Cache::default().check(&html);
            let script = &page.scripts[0];
            let at = script.offset.unwrap() + script.errors[0].0;
            let (line, _) = crate::diagnostic::line_col(&html, at);
            assert_eq!(line, 4, "{html:?}");
            assert!(html[at..].starts_with(';'), "{:?}", &html[at..]);
        }
    }

    fn check(html: &str) -> PageCheck {
        Cache::default().parse(html)
    }

    #[test]
    fn the_parser_message_is_said_once() {
        assert!(repeats(
            "Expected `,` or `)` but found `;`",
            "`,` or `)` expected"
        ));
        assert!(!repeats("Unexpected token", "Expected an expression"));
        let page = check("<script>new X(o;</script>");
        assert_eq!(
            page.scripts[0].errors[0].1,
            "Expected `,` or `)` but found `;`"
        );
    }

    #[test]
    fn valid_page_has_no_errors() {
        let page = check(
            "<!DOCTYPE html>\n<html><head><title>x</title></head><body><p class=\"a\">hi</p><script>var a = [{a: 1}, {b: 2}];</script></body></html>",
        );
        assert_eq!(page.html_errors, []);
        assert_eq!(page.scripts.len(), 1);
        assert_eq!(page.scripts[0].errors, []);
        assert!(!page.has_errors());
    }

    #[test]
    fn objects_without_commas_are_a_syntax_error() {
        let html = "<!DOCTYPE html>\n<html><body>\n<script>\nvar e = [\n{ a: 1 }\n{ a: 2 }\n];\n</script></body></html>";
        let page = check(html);
        let script = &page.scripts[0];
        assert_eq!(script.errors.len(), 1, "{:?}", script.errors);
        let at = script.offset.unwrap() + script.errors[0].0;
        assert_eq!(crate::diagnostic::line_col(html, at), (6, 1));
    }

    #[test]
    fn html_errors_have_lines_and_words() {
        let page = check("<!DOCTYPE html>\n<html><body>\n<p a=\"x\"\"b>x</p></body></html>");
        assert_eq!(page.html_errors.len(), 2, "{:?}", page.html_errors);
        assert_eq!(page.html_errors[0].0, 3);
        assert_eq!(
            page.html_errors[0].1,
            "unexpected `\"` (tokenizer state: after attribute value quoted)"
        );
    }

    #[test]
    fn html5ever_messages_in_words() {
        let page = check("<h1>x</h1>\n<p>a</p></div>");
        assert_eq!(
            page.html_errors,
            [
                (
                    1,
                    "start tag <h1> before <!DOCTYPE html>: a page must start with it".to_owned()
                ),
                (
                    2,
                    "unexpected end tag </div> (insertion mode: in body)".to_owned()
                )
            ]
        );
    }

    #[test]
    fn structure_ignores_text_and_values_only() {
        let a = check("<!DOCTYPE html><p title=\"a\">x</p><script>var s = 'a';</script>");
        let b =
            check("<!DOCTYPE html><p title=\"&quot;b\">y&lt;</p><script>var s = 'b\\'';</script>");
        assert_eq!(a.structure(), b.structure());
        let c = check("<!DOCTYPE html><p title=\"a\" b>x</p><script>var s = 'a';</script>");
        assert_ne!(a.structure(), c.structure());
        let d = check("<!DOCTYPE html><p title=\"a\">x</p><script>var s = 'a' + b;</script>");
        assert_ne!(a.structure(), d.structure());
    }
}
