//! Walking the tree for analysis: every output, tag, expression and body,
//! through the table's [`Tag::visit`](super::table::Tag::visit).

use super::Span;
use super::ast::{Block, Expr, Filtered, Node, Visitor};
use super::tags::partial::Partial;

/// What a walk reports, with the tag it is in.
pub trait Walker<'a> {
    /// An expression read (in an output, a tag's markup or a filter's argument).
    fn read(&mut self, _expr: &'a Expr, _tag: Option<&'static str>) {}
    /// A whole filter chain (outputs, `echo`, `assign`), before its expressions.
    fn filtered(&mut self, _f: &'a Filtered, _tag: Option<&'static str>) {}
    /// A name assigned by tag `tag` at `span`.
    fn assign(&mut self, _name: &'a str, _span: Span, _tag: &'static str) {}
    /// A branch of a conditional (its opening markup), before its body;
    /// `tag_span` is the opening markup of the block it belongs to.
    fn branch(&mut self, _span: Span, _tag: &'static str, _tag_span: Span) {}
    /// An `include` or `render`.
    fn partial(&mut self, _call: &'a Partial) {}
    /// An output (`{{ … }}`), by the span of its whole markup.
    fn output(&mut self, _span: Span) {}
    /// A tag, before what it contains.
    fn tag(&mut self, _name: &'static str, _span: Span) {}
}

/// Walk `block` and everything in it.
pub fn walk<'a>(block: &'a Block, w: &mut dyn Walker<'a>) {
    for node in &block.nodes {
        match node {
            Node::Text(_) => {}
            Node::Output { span, value } => {
                w.output(*span);
                if let Some(f) = value {
                    w.filtered(f, None);
                    for e in f.exprs() {
                        w.read(e, None);
                    }
                }
            }
            Node::Tag(t) => {
                w.tag(t.name, t.span);
                let mut v = Adapter {
                    w,
                    tag: t.name,
                    span: t.span,
                };
                t.tag.visit(&mut v);
            }
        }
    }
}

struct Adapter<'w, 'a> {
    w: &'w mut dyn Walker<'a>,
    tag: &'static str,
    span: Span,
}

impl<'a> Visitor<'a> for Adapter<'_, 'a> {
    fn read(&mut self, expr: &'a Expr) {
        self.w.read(expr, Some(self.tag));
    }
    fn filtered(&mut self, f: &'a Filtered) {
        self.w.filtered(f, Some(self.tag));
        for e in f.exprs() {
            self.w.read(e, Some(self.tag));
        }
    }
    fn assign(&mut self, name: &'a str, span: Span) {
        self.w.assign(name, span, self.tag);
    }
    fn body(&mut self, block: &'a Block, branch: Option<Span>) {
        if let Some(span) = branch {
            self.w.branch(span, self.tag, self.span);
        }
        walk(block, self.w);
    }
    fn partial(&mut self, call: &'a Partial) {
        self.w.partial(call);
    }
}
