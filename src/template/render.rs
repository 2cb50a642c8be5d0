//! The renderer: walks the tree with Auth0's semantics (an undefined variable
//! is nil and its read is recorded at its own span), the render budget of
//! [`crate::budget`], and, when `check` or `serve` asks, a record of which
//! template bytes produced which page bytes and which branches were taken.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use liquid_core::model::{
    KString, ObjectView, Scalar, ScalarCow, State, Value, ValueCow, ValueView,
};

use super::ast::{Block, Expr, Filtered, Lit, Node, Path, Root, Segment};
use super::lookup::{self, Step};
use super::{Document, Span};
use crate::diagnostic::{self, Diagnostic};
use crate::ordered::{OrderedObject, OrderedValue};
use crate::value;

/// Partials are nested at most this deep (an include cycle stops here).
pub const MAX_PARTIAL_DEPTH: usize = 64;

/// Why rendering stopped early: a loop's `break`/`continue`, or an error.
#[derive(Debug)]
pub enum Stop {
    Break,
    Continue,
    Error(Box<Diagnostic>),
}

pub type Flow = Result<(), Stop>;

/// Where a template gets its partials.
pub trait PartialSource {
    /// The partial a template names `name`, parsed; or why it cannot be had.
    fn get(&self, name: &str) -> Result<Arc<Document>, Diagnostic>;
}

/// A value as an expression yields it: borrowed from the context, or new.
pub enum Val<'a> {
    Ref(&'a dyn ValueView),
    Own(OrderedValue),
}

impl Val<'_> {
    pub fn view(&self) -> &dyn ValueView {
        match self {
            Val::Ref(v) => *v,
            Val::Own(v) => v,
        }
    }

    pub fn into_owned(self) -> OrderedValue {
        match self {
            Val::Ref(v) => OrderedValue::from_view(v),
            Val::Own(v) => v,
        }
    }

    pub fn nil() -> Val<'static> {
        Val::Own(OrderedValue::Plain(Value::Nil))
    }
}

/// A read of an undefined variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Read {
    /// Index into [`Output::files`].
    pub file: usize,
    pub span: Span,
    /// The path as written: `userData.email`.
    pub path: String,
    /// Whether that place handles its absence (`| default`, a test, a loop).
    pub guarded: bool,
}

/// A stretch of the page and the template bytes that produced it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    pub out_start: usize,
    pub out_end: usize,
    pub file: usize,
    /// Literal text: the bytes copied; an output: its whole `{{ … }}`.
    pub src: Span,
    pub output: bool,
}

/// What `check` and `serve` keep of a render.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// In page order.
    pub pieces: Vec<Piece>,
    /// Branches taken: `(file, span of the markup that opens the branch)`.
    pub branches: Vec<(usize, Span)>,
    /// Where each iteration of a `for` loop starts in the page: `(offset, iteration)`.
    pub iterations: Vec<(usize, usize)>,
}

/// The result of a render.
#[derive(Debug, Default)]
pub struct Output {
    pub html: String,
    /// Every file the render read, the template first: `(name, source)`.
    pub files: Vec<(Arc<str>, Arc<str>)>,
    pub reads: Vec<Read>,
    pub recording: Option<Recording>,
}

/// Options of one render.
pub struct Options<'a> {
    pub partials: &'a dyn PartialSource,
    pub page_limit: usize,
    pub record: bool,
}

type Scope = Vec<(KString, OrderedValue)>;

/// The state of one render.
pub struct Context<'a> {
    data: Option<&'a dyn ObjectView>,
    /// `scopes[0]` holds what `assign` and `capture` set; loops push more.
    scopes: Vec<Scope>,
    counters: HashMap<String, i64>,
    pub(crate) cycles: HashMap<String, usize>,
    pub(crate) offsets: HashMap<String, i64>,
    pub(crate) ifchanged: Option<String>,
    /// The `forloop` of each `for` being rendered, innermost last (`parentloop`).
    pub(crate) loops: Vec<OrderedValue>,
    /// How many `capture`s are under way (their text is not the page).
    capturing: u32,
    partials: &'a dyn PartialSource,
    files: Vec<(Arc<str>, Arc<str>)>,
    file: usize,
    source: Arc<str>,
    /// Partials being rendered, outermost first.
    stack: Vec<String>,
    out: String,
    page_limit: usize,
    recording: Option<Recording>,
    reads: RefCell<Vec<Read>>,
}

/// Render `doc` with `data`.
pub fn render(
    doc: &Document,
    data: &dyn ObjectView,
    options: Options<'_>,
) -> Result<Output, (Output, Box<Diagnostic>)> {
    let mut cx = Context {
        data: Some(data),
        scopes: vec![Vec::new()],
        counters: HashMap::new(),
        cycles: HashMap::new(),
        offsets: HashMap::new(),
        ifchanged: None,
        loops: Vec::new(),
        capturing: 0,
        partials: options.partials,
        files: vec![(doc.name.clone(), doc.source.clone())],
        file: 0,
        source: doc.source.clone(),
        stack: Vec::new(),
        out: String::with_capacity(16 * 1024),
        page_limit: options.page_limit,
        recording: options.record.then(Recording::default),
        reads: RefCell::new(Vec::new()),
    };
    let result = cx.render_block(&doc.body);
    let output = Output {
        html: std::mem::take(&mut cx.out),
        files: std::mem::take(&mut cx.files),
        reads: cx.reads.take(),
        recording: cx.recording.take(),
    };
    match result {
        Ok(()) | Err(Stop::Break | Stop::Continue) => Ok(output),
        Err(Stop::Error(d)) => Err((output, d)),
    }
}

impl<'a> Context<'a> {
    // ---- errors ----

    /// An error at `span` of the current file.
    pub fn error(&self, span: Span, message: impl Into<String>) -> Stop {
        Stop::Error(Box::new(self.diagnostic(span, message)))
    }

    pub fn diagnostic(&self, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::error(message)
            .in_file(self.files[self.file].0.to_string())
            .with_span(diagnostic::Span {
                source: self.source.clone(),
                start: span.start,
                end: span.end,
            })
            .with_label("while rendering this")
    }

    /// The current file's name and source.
    pub fn current_file(&self) -> (&Arc<str>, &Arc<str>) {
        let f = &self.files[self.file];
        (&f.0, &f.1)
    }

    fn budget_error(&self, span: Span, err: liquid_core::Error) -> Stop {
        self.error(span, err.to_string())
    }

    /// One step of the budget, charged to the tag at `span`.
    pub fn step(&self, span: Span) -> Flow {
        crate::budget::step().map_err(|e| self.budget_error(span, e))
    }

    pub fn reserve_steps(&self, span: Span, n: u64) -> Flow {
        crate::budget::reserve_steps(n).map_err(|e| self.budget_error(span, e))
    }

    pub fn reserve(&self, span: Span, bytes: usize) -> Flow {
        crate::budget::reserve(bytes).map_err(|e| self.budget_error(span, e))
    }

    // ---- output ----

    pub fn write(&mut self, text: &str, span: Span) -> Flow {
        self.out.push_str(text);
        self.check_page(span)
    }

    /// After a write: the page's budget (or, inside `capture`, memory's).
    fn check_page(&self, span: Span) -> Flow {
        if self.capturing > 0 {
            // A captured value is memory, not page.
            return crate::budget::check_memory_now().map_err(|e| self.budget_error(span, e));
        }
        if self.out.len() > self.page_limit {
            crate::budget::page_exceeded();
            return Err(self.error(span, "the page outgrew its budget"));
        }
        Ok(())
    }

    /// Render `block` into a string of its own (`capture`).
    pub fn capture(&mut self, block: &Block) -> Result<String, Stop> {
        let saved = std::mem::take(&mut self.out);
        let recording = self.recording.take();
        self.capturing += 1;
        let result = self.render_block(block);
        self.capturing -= 1;
        let captured = std::mem::replace(&mut self.out, saved);
        self.recording = recording;
        result.map(|()| captured)
    }

    /// Record that iteration `i` of a loop starts here.
    pub fn iteration(&mut self, i: usize) {
        let at = self.out.len();
        if let Some(r) = &mut self.recording {
            r.iterations.push((at, i));
        }
    }

    /// Record that the branch opened at `span` was taken.
    pub fn took_branch(&mut self, span: Span) {
        if let Some(r) = &mut self.recording {
            r.branches.push((self.file, span));
        }
    }

    pub fn render_block(&mut self, block: &Block) -> Flow {
        for node in &block.nodes {
            match node {
                Node::Text(span) => {
                    let start = self.out.len();
                    let source = self.source.clone();
                    self.write(&source[span.start..span.end], *span)?;
                    self.piece(start, *span, false);
                }
                Node::Output { span, value } => {
                    self.step(*span)?;
                    let start = self.out.len();
                    if let Some(f) = value {
                        // Printed straight into the page (the value may borrow the context).
                        let mut out = std::mem::take(&mut self.out);
                        let printed = self.print_into(f, &mut out);
                        self.out = out;
                        printed?;
                        self.check_page(*span)?;
                    }
                    self.piece(start, *span, true);
                }
                Node::Tag(t) => {
                    self.step(t.span)?;
                    let _depth =
                        crate::budget::deeper().map_err(|e| self.budget_error(t.span, e))?;
                    let start = self.out.len();
                    let pieces = self.recording.as_ref().map_or(0, |r| r.pieces.len());
                    match crate::panic::catch(|| t.tag.render(self)) {
                        Ok(flow) => flow?,
                        Err(panic) => {
                            return Err(self.error(
                                t.span,
                                format!("internal error while rendering this tag: {panic}"),
                            ));
                        }
                    }
                    // What a tag writes itself (`echo`, `raw`, `cycle`) maps to the tag.
                    if self
                        .recording
                        .as_ref()
                        .is_some_and(|r| r.pieces.len() == pieces)
                        && self.out.len() > start
                    {
                        self.piece(start, t.span, true);
                    }
                }
            }
        }
        Ok(())
    }

    fn piece(&mut self, start: usize, src: Span, output: bool) {
        if let Some(r) = &mut self.recording {
            let end = self.out.len();
            if end > start || output {
                r.pieces.push(Piece {
                    out_start: start,
                    out_end: end,
                    file: self.file,
                    src,
                    output,
                });
            }
        }
    }

    // ---- variables ----

    /// Set `name` where `assign` sets it: the outermost scope.
    pub fn assign(&mut self, name: &str, value: OrderedValue) {
        set(&mut self.scopes[0], name, value);
    }

    /// Run `f` with a new innermost scope holding `vars`.
    pub fn with_scope<T>(
        &mut self,
        vars: Vec<(KString, OrderedValue)>,
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        self.scopes.push(vars);
        let out = f(self);
        self.scopes.pop();
        out
    }

    /// Make `vars` the outermost scope (a `render`ed partial's arguments, which
    /// its own `assign` may overwrite).
    pub fn reset_root_scope(&mut self, vars: Vec<(KString, OrderedValue)>) {
        self.scopes.truncate(1);
        self.scopes[0] = vars;
    }

    /// The counter `name` of `increment`/`decrement`: it starts from the
    /// page data's integer of that name, as the reference's does, else 0.
    pub fn counter(&mut self, name: &str) -> &mut i64 {
        if !self.counters.contains_key(name) {
            let start = match self.data.and_then(|d| d.get(name)).map(value::kind) {
                Some(value::Kind::Int(i)) => i,
                _ => 0,
            };
            self.counters.insert(name.to_owned(), start);
        }
        self.counters.entry(name.to_owned()).or_insert(0)
    }

    /// The value of a root name: the scopes (innermost first), then the
    /// counters of `increment`/`decrement`, then the page's data.
    fn root(&self, name: &str) -> Option<Val<'_>> {
        for scope in self.scopes.iter().rev() {
            if let Some((_, v)) = scope.iter().find(|(k, _)| k.as_str() == name) {
                return Some(Val::Ref(v));
            }
        }
        if let Some(n) = self.counters.get(name) {
            return Some(Val::Own(OrderedValue::Plain(Value::scalar(*n))));
        }
        self.data?.get(name).map(Val::Ref)
    }

    fn record_read(&self, path: &Path) {
        self.reads.borrow_mut().push(Read {
            file: self.file,
            span: path.span,
            path: path.written(),
            guarded: path.guarded,
        });
    }

    // ---- expressions ----

    pub fn eval<'s>(&'s self, expr: &'s Expr) -> Result<Val<'s>, Stop> {
        match expr {
            // Literals are read in place (no copy per render).
            Expr::Lit(Lit::Str(s), _) => Ok(Val::Ref(s)),
            Expr::Lit(Lit::Int(i), _) => Ok(Val::Ref(i)),
            Expr::Lit(Lit::Float(f), _) => Ok(Val::Ref(f)),
            Expr::Lit(Lit::Bool(b), _) => Ok(Val::Ref(b)),
            Expr::Lit(lit, _) => Ok(Val::Own(OrderedValue::Plain(literal(lit)))),
            Expr::Range(a, b, span) => {
                let (start, end) = self.range(a, b)?;
                let len = end.saturating_sub(start).saturating_add(1).max(0);
                self.reserve_steps(*span, len as u64)?;
                self.reserve(*span, (len as usize).saturating_mul(32))?;
                Ok(Val::Own(OrderedValue::Array(
                    (start..=end)
                        .map(|i| OrderedValue::Plain(Value::scalar(i)))
                        .collect(),
                )))
            }
            Expr::Path(p) => self.lookup(p),
        }
    }

    /// The bounds of `(a..b)`, as integers the reference's way.
    pub fn range(&self, a: &Expr, b: &Expr) -> Result<(i64, i64), Stop> {
        let start = range_bound(self.eval(a)?.view());
        let end = range_bound(self.eval(b)?.view());
        Ok((start, end))
    }

    fn lookup<'s>(&'s self, p: &'s Path) -> Result<Val<'s>, Stop> {
        let root = match &p.root {
            Root::Name(n) => self.root(n),
            Root::Index(e) => {
                let key = value::to_s(self.eval(e)?.view()).into_owned();
                self.root(&key)
            }
        };
        let Some(mut current) = root else {
            self.record_read(p);
            return Ok(Val::nil());
        };
        for seg in &p.segments {
            let index: ScalarCow<'static> = match seg {
                Segment::Key(k, _) => ScalarCow::new(Scalar::new(k.clone())),
                Segment::Index(e) => {
                    let v = self.eval(e)?;
                    let v = v.view();
                    match value::kind(v) {
                        value::Kind::Int(i) => ScalarCow::new(i),
                        value::Kind::Str(s) => ScalarCow::new(Scalar::new(s.into_owned())),
                        value::Kind::Float(f) => ScalarCow::new(f as i64),
                        _ => {
                            self.record_read(p);
                            return Ok(Val::nil());
                        }
                    }
                }
            };
            let next = match &current {
                Val::Ref(v) => match lookup::step(*v, &index) {
                    Some(Step::Borrowed(b)) => Some(Val::Ref(b)),
                    Some(Step::Owned(o)) => Some(Val::Own(OrderedValue::Plain(o))),
                    None => None,
                },
                Val::Own(o) => match lookup::step(o, &index) {
                    Some(Step::Borrowed(b)) => Some(Val::Own(OrderedValue::from_view(b))),
                    Some(Step::Owned(o)) => Some(Val::Own(OrderedValue::Plain(o))),
                    None => None,
                },
            };
            match next {
                Some(v) => current = v,
                None => {
                    self.record_read(p);
                    return Ok(Val::nil());
                }
            }
        }
        Ok(current)
    }

    /// An expression and its filters.
    /// [`Context::print`] appended to `out`.
    fn print_into(&self, f: &Filtered, out: &mut String) -> Flow {
        if matches!(f.input, Expr::Range(..)) && f.filters.is_empty() {
            out.push_str(&self.print(f)?);
            return Ok(());
        }
        let v = self.eval_filtered(f)?;
        out.push_str(&value::to_s(v.view()));
        Ok(())
    }

    /// What `{{ … }}` and `echo` print.
    pub fn print(&self, f: &Filtered) -> Result<String, Stop> {
        // A range printed as it is reads `1..3`, as Ruby prints a Range.
        if let (Expr::Range(a, b, _), true) = (&f.input, f.filters.is_empty()) {
            let (start, end) = self.range(a, b)?;
            return Ok(format!("{start}..{end}"));
        }
        Ok(value::to_s(self.eval_filtered(f)?.view()).into_owned())
    }

    pub fn eval_filtered<'s>(&'s self, f: &'s Filtered) -> Result<Val<'s>, Stop> {
        let mut v = self.eval(&f.input)?;
        for filter in &f.filters {
            let mut positional = Vec::with_capacity(filter.args.len());
            let mut args = Vec::with_capacity(filter.args.len());
            for a in &filter.args {
                args.push(self.eval(a)?);
            }
            let mut kw_vals = Vec::with_capacity(filter.keyword.len());
            for (_, e) in &filter.keyword {
                kw_vals.push(self.eval(e)?);
            }
            for a in &args {
                positional.push(ValueCow::Borrowed(a.view()));
            }
            let keyword = filter
                .keyword
                .iter()
                .zip(&kw_vals)
                .map(|((k, _), v)| (k.as_str(), ValueCow::Borrowed(v.view())))
                .collect();
            let input = v.view();
            let result = crate::panic::catch(|| {
                crate::filters::call(filter.def, input, positional, keyword)
            })
            .unwrap_or_else(|panic| {
                Err(format!(
                    "internal error while rendering this filter: {panic}"
                ))
            })
            .map_err(|m| {
                let m = if m.starts_with('`')
                    || m.starts_with("internal")
                    || crate::budget::active_exceeded()
                {
                    m
                } else {
                    format!("`{}`: {m}", filter.name)
                };
                self.error(filter.span, m)
            })?;
            v = Val::Own(if has_object(&result) {
                let mut sources: Vec<&dyn ValueView> = vec![v.view()];
                sources.extend(args.iter().map(|a| a.view()));
                reorder(&result, &sources)
            } else {
                OrderedValue::Plain(result)
            });
        }
        Ok(v)
    }

    // ---- partials ----

    /// Render partial `name` (named at `span`), with `body` run inside it.
    pub fn partial(
        &mut self,
        name: &str,
        span: Span,
        isolated: bool,
        body: impl FnOnce(&mut Self, &Document) -> Flow,
    ) -> Flow {
        if self.stack.len() >= MAX_PARTIAL_DEPTH {
            return Err(self.error(span, cycle_message(&self.stack, name)));
        }
        let doc = self.partials.get(name).map_err(|d| {
            // A partial that does not parse is reported as itself; a missing
            // one at the tag that names it.
            if d.span.is_some() {
                Stop::Error(Box::new(d))
            } else {
                let mut e = self.diagnostic(span, d.message.clone());
                for h in d.help.iter() {
                    e = e.with_help(h.clone());
                }
                Stop::Error(Box::new(e))
            }
        })?;
        let index = match self
            .files
            .iter()
            .position(|f| Arc::ptr_eq(&f.1, &doc.source))
        {
            Some(i) => i,
            None => {
                self.files.push((doc.name.clone(), doc.source.clone()));
                self.files.len() - 1
            }
        };
        let saved_file = std::mem::replace(&mut self.file, index);
        let saved_source = std::mem::replace(&mut self.source, doc.source.clone());
        self.stack.push(name.to_owned());
        let result = if isolated {
            let data = self.data.take();
            let scopes = std::mem::replace(&mut self.scopes, vec![Vec::new()]);
            let counters = std::mem::take(&mut self.counters);
            let cycles = std::mem::take(&mut self.cycles);
            let loops = std::mem::take(&mut self.loops);
            let r = body(self, &doc);
            self.loops = loops;
            self.data = data;
            self.scopes = scopes;
            self.counters = counters;
            self.cycles = cycles;
            r
        } else {
            body(self, &doc)
        };
        self.stack.pop();
        self.file = saved_file;
        self.source = saved_source;
        result
    }
}

fn set(scope: &mut Scope, name: &str, value: OrderedValue) {
    match scope.iter_mut().find(|(k, _)| k.as_str() == name) {
        Some(slot) => slot.1 = value,
        None => scope.push((KString::from_ref(name), value)),
    }
}

/// A literal's value.
pub fn literal(lit: &Lit) -> Value {
    match lit {
        Lit::Nil => Value::Nil,
        Lit::Bool(b) => Value::scalar(*b),
        Lit::Int(i) => Value::scalar(*i),
        Lit::Float(f) => Value::scalar(*f),
        Lit::Str(s) => Value::scalar(s.clone()),
        Lit::Empty => Value::State(State::Empty),
        Lit::Blank => Value::State(State::Blank),
    }
}

/// A range bound as the reference takes it: integers as they are, floats
/// truncated, strings by Ruby's `to_i`, anything else 0.
fn range_bound(v: &dyn ValueView) -> i64 {
    match value::kind(v) {
        value::Kind::Int(i) => i,
        value::Kind::Float(f) => f as i64,
        value::Kind::Str(s) => value::ruby_to_i(&s),
        _ => 0,
    }
}

/// A forloop-like object (`forloop`, `tablerowloop`).
pub fn object(pairs: Vec<(&str, OrderedValue)>) -> OrderedValue {
    let mut o = OrderedObject::new();
    for (k, v) in pairs {
        o.insert(KString::from_ref(k), v);
    }
    OrderedValue::Object(o)
}

pub fn int(i: i64) -> OrderedValue {
    OrderedValue::Plain(Value::scalar(i))
}

pub fn boolean(b: bool) -> OrderedValue {
    OrderedValue::Plain(Value::scalar(b))
}

/// "include cycle: a → b → a" when the stack repeats, else the depth.
fn cycle_message(stack: &[String], next: &str) -> String {
    let mut names: Vec<&str> = stack.iter().map(String::as_str).collect();
    names.push(next);
    for (i, name) in names.iter().enumerate() {
        if let Some(j) = names[i + 1..].iter().position(|n| n == name) {
            let cycle = names[i..=i + 1 + j].join(" → ");
            return format!(
                "include cycle: {cycle} (partials nested more than {MAX_PARTIAL_DEPTH} deep)"
            );
        }
    }
    format!("partials nested more than {MAX_PARTIAL_DEPTH} deep")
}

/// The hashes a filter returns are copies of hashes it was given, which the
/// filter's value model keeps unordered: give each back the key order of the
/// given hash with the same content (insertion order, as standard Liquid keeps it).
fn has_object(v: &Value) -> bool {
    match v {
        Value::Object(_) => true,
        Value::Array(a) => a.iter().any(has_object),
        _ => false,
    }
}

fn reorder(result: &Value, sources: &[&dyn ValueView]) -> OrderedValue {
    fn canonical(v: &dyn ValueView, out: &mut String) {
        if let Some(a) = v.as_array() {
            out.push('[');
            for item in a.values() {
                canonical(item, out);
                out.push(',');
            }
            out.push(']');
        } else if let Some(o) = v.as_object() {
            let mut pairs: Vec<_> = o.iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            out.push('{');
            for (k, v) in pairs {
                out.push_str(&format!("{:?}:", k.as_str()));
                canonical(v, out);
                out.push(',');
            }
            out.push('}');
        } else {
            out.push_str(&value::inspect(v));
        }
    }
    fn collect<'v>(v: &'v dyn ValueView, known: &mut HashMap<String, &'v dyn ValueView>) {
        if let Some(a) = v.as_array() {
            for item in a.values() {
                collect(item, known);
            }
        } else if let Some(o) = v.as_object() {
            if crate::ordered::is_ordered(o) {
                let mut key = String::new();
                canonical(v, &mut key);
                known.entry(key).or_insert(v);
            }
            for (_, item) in o.iter() {
                collect(item, known);
            }
        }
    }
    let mut known = HashMap::new();
    for s in sources {
        collect(*s, &mut known);
    }
    fn rebuild(v: &Value, known: &HashMap<String, &dyn ValueView>) -> OrderedValue {
        match v {
            Value::Array(items) => {
                OrderedValue::Array(items.iter().map(|i| rebuild(i, known)).collect())
            }
            Value::Object(_) => {
                let mut key = String::new();
                canonical(v, &mut key);
                match known.get(&key) {
                    Some(original) => OrderedValue::from_view(*original),
                    None => OrderedValue::from_view(v),
                }
            }
            other => OrderedValue::Plain(other.clone()),
        }
    }
    rebuild(result, &known)
}
