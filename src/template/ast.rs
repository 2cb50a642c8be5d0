//! The tree: every node, expression, path, filter and argument with the byte
//! span it came from in its file.

use std::fmt;

use super::Span;
use crate::filters::Def;

/// A literal value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum Lit {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    /// `empty`: equal to any empty string, array or hash.
    Empty,
    /// `blank`: equal to nil, false, and any empty or whitespace-only string, array or hash.
    Blank,
}

/// An expression without filters: a literal, a variable path or a range.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Lit(Lit, Span),
    Path(Path),
    /// `(start..end)`.
    Range(Box<Expr>, Box<Expr>, Span),
}

impl Expr {
    pub fn span(&self) -> Span {
        match self {
            Expr::Lit(_, s) | Expr::Range(_, _, s) => *s,
            Expr::Path(p) => p.span,
        }
    }

    /// Every variable path this expression reads.
    pub fn paths(&self) -> Vec<&Path> {
        let mut out = Vec::new();
        self.collect_paths(&mut out);
        out
    }

    fn collect_paths<'a>(&'a self, out: &mut Vec<&'a Path>) {
        match self {
            Expr::Lit(..) => {}
            Expr::Range(a, b, _) => {
                a.collect_paths(out);
                b.collect_paths(out);
            }
            Expr::Path(p) => {
                out.push(p);
                if let Root::Index(e) = &p.root {
                    e.collect_paths(out);
                }
                for s in &p.segments {
                    if let Segment::Index(e) = s {
                        e.collect_paths(out);
                    }
                }
            }
        }
    }

    pub(crate) fn mark_guarded(&mut self) {
        if let Expr::Path(p) = self {
            p.guarded = true;
        }
    }
}

/// The start of a path: a name (`user`) or a bracket lookup at the top (`['a b']`).
#[derive(Debug, Clone, PartialEq)]
pub enum Root {
    Name(String),
    Index(Box<Expr>),
}

/// One step after the root: `.name` or `[expression]`.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    Key(String, Span),
    Index(Expr),
}

/// A variable path: `userData.email`, `errors[0].code`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    pub span: Span,
    pub root: Root,
    pub segments: Vec<Segment>,
    /// Whether its absence is handled where it is read: a `default` in its
    /// filter chain, a bare condition, a comparison with nil/blank/empty, a
    /// loop's collection.
    pub guarded: bool,
}

impl Path {
    /// The root name, when it is a plain name.
    pub fn root_name(&self) -> Option<&str> {
        match &self.root {
            Root::Name(n) => Some(n),
            Root::Index(_) => None,
        }
    }

    /// The path's static prefix as a person writes it (`userData.email`,
    /// `errors[0].code`); a dynamic index shows as `[…]`.
    pub fn written(&self) -> String {
        let mut out = match &self.root {
            Root::Name(n) => n.clone(),
            Root::Index(e) => format!("[{}]", shown(e)),
        };
        for s in &self.segments {
            match s {
                Segment::Key(k, _) => {
                    out.push('.');
                    out.push_str(k);
                }
                Segment::Index(e) => {
                    out.push('[');
                    out.push_str(&shown(e));
                    out.push(']');
                }
            }
        }
        out
    }

    /// The names of the path up to its first dynamic index: `["userData", "email"]`.
    pub fn static_keys(&self) -> Vec<String> {
        let mut out = Vec::new();
        match &self.root {
            Root::Name(n) => out.push(n.clone()),
            Root::Index(e) => match &**e {
                Expr::Lit(Lit::Str(s), _) => out.push(s.clone()),
                _ => return out,
            },
        }
        for s in &self.segments {
            match s {
                Segment::Key(k, _) => out.push(k.clone()),
                Segment::Index(Expr::Lit(Lit::Str(s), _)) => out.push(s.clone()),
                Segment::Index(Expr::Lit(Lit::Int(i), _)) => out.push(i.to_string()),
                Segment::Index(_) => break,
            }
        }
        out
    }
}

fn shown(e: &Expr) -> String {
    match e {
        Expr::Lit(Lit::Str(s), _) => format!("{s:?}"),
        Expr::Lit(Lit::Int(i), _) => i.to_string(),
        Expr::Path(p) => p.written(),
        _ => "…".into(),
    }
}

/// A filter call: `| name: arg, key: value`.
#[derive(Debug, Clone)]
pub struct Filter {
    pub name: String,
    /// From the `|` to the end of its last argument.
    pub span: Span,
    pub def: &'static Def,
    pub args: Vec<Expr>,
    pub keyword: Vec<(String, Expr)>,
}

impl PartialEq for Filter {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.args == other.args && self.keyword == other.keyword
    }
}

/// An expression and its filters: what `{{ … }}`, `echo` and `assign` evaluate.
#[derive(Debug, Clone, PartialEq)]
pub struct Filtered {
    pub span: Span,
    pub input: Expr,
    pub filters: Vec<Filter>,
}

impl Filtered {
    pub fn has_filter(&self, name: &str) -> bool {
        self.filters.iter().any(|f| f.name == name)
    }

    /// Every expression read: the input, then each filter's arguments.
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        std::iter::once(&self.input).chain(
            self.filters
                .iter()
                .flat_map(|f| f.args.iter().chain(f.keyword.iter().map(|(_, e)| e))),
        )
    }
}

/// Comparison operators of conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Contains,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Gt => ">",
            Op::Le => "<=",
            Op::Ge => ">=",
            Op::Contains => "contains",
        }
    }
}

/// One comparison, or a bare value tested for truth.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub left: Expr,
    pub op: Option<(Op, Expr)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Logic {
    And,
    Or,
}

/// `a == 1 and b or c`: comparisons joined by `and`/`or`, which the reference
/// evaluates from the right (`a and (b or c)`).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub span: Span,
    pub first: Comparison,
    pub rest: Vec<(Logic, Comparison)>,
}

impl Condition {
    pub fn exprs(&self) -> impl Iterator<Item = &Expr> {
        std::iter::once(&self.first)
            .chain(self.rest.iter().map(|(_, c)| c))
            .flat_map(|c| std::iter::once(&c.left).chain(c.op.as_ref().map(|(_, e)| e)))
    }
}

/// A piece of a template.
#[derive(Debug)]
pub enum Node {
    /// Literal text, after whitespace control: the bytes `span` of the file.
    Text(Span),
    /// `{{ … }}`; `span` is the whole markup, delimiters included.
    Output {
        span: Span,
        value: Option<Filtered>,
    },
    Tag(TagNode),
}

/// A tag or block: its name, where its opening markup is, and what it does.
#[derive(Debug)]
pub struct TagNode {
    pub name: &'static str,
    /// The opening markup, `{%` to `%}`.
    pub span: Span,
    pub tag: Box<dyn super::table::Tag>,
}

/// A sequence of nodes: a template, or one body of a block.
#[derive(Debug, Default)]
pub struct Block {
    pub nodes: Vec<Node>,
}

impl Block {
    /// Blank as the reference defines it: only whitespace text and blank tags.
    pub fn is_blank(&self, source: &str) -> bool {
        self.nodes.iter().all(|n| match n {
            Node::Text(s) => source[s.start..s.end]
                .trim_matches(super::lexer::is_ruby_space)
                .is_empty(),
            Node::Output { .. } => false,
            Node::Tag(t) => t.tag.blank(source),
        })
    }

    /// The reference drops the whitespace of a blank block's bodies.
    pub fn strip_blank_text(&mut self) {
        self.nodes.retain(|n| !matches!(n, Node::Text(_)));
    }
}

/// A branch of a block: the body after `if`, `elsif`, `else`, `when`, …, with
/// the markup that opens it.
#[derive(Debug)]
pub struct Branch {
    pub span: Span,
    pub body: Block,
}

/// What analysis sees of a tag (see [`super::table::Tag::visit`]).
pub trait Visitor<'a> {
    /// An expression the tag reads.
    fn read(&mut self, expr: &'a Expr);
    /// A filter chain the tag evaluates.
    fn filtered(&mut self, f: &'a Filtered) {
        for e in f.exprs() {
            self.read(e);
        }
    }
    /// A name the tag assigns in the current scope, at `span`.
    fn assign(&mut self, name: &'a str, span: Span);
    /// A body the tag may render; `branch` is its opening markup when it is
    /// a branch of a conditional (for coverage).
    fn body(&mut self, block: &'a Block, branch: Option<Span>);
    /// A partial the tag renders (`include`, `render`).
    fn partial(&mut self, _call: &'a super::tags::partial::Partial) {}
}

impl fmt::Display for Lit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Lit::Nil => write!(f, "nil"),
            Lit::Bool(b) => write!(f, "{b}"),
            Lit::Int(i) => write!(f, "{i}"),
            Lit::Float(x) => write!(f, "{x}"),
            Lit::Str(s) => write!(f, "{s:?}"),
            Lit::Empty => write!(f, "empty"),
            Lit::Blank => write!(f, "blank"),
        }
    }
}
