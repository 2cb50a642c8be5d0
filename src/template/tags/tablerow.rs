//! `{% tablerow item in collection cols: n limit: n offset: n %}`: table rows
//! and cells as the reference writes them, with `tablerowloop`.

use crate::ordered::OrderedValue;
use crate::template::ast::{Block, Expr, Visitor};
use crate::template::parser::{Opening, Parser};
use crate::template::render::{self, Context, Flow, Stop};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

use super::for_::{attributes, head, items_of, to_i};

#[derive(Debug)]
struct TableRow {
    var: String,
    var_span: Span,
    collection: Expr,
    attrs: Vec<(String, Expr)>,
    body: Block,
    span: Span,
    blank: bool,
}

pub fn parse<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let (var, var_span, collection) = head(&mut c)?;
    let (attrs, _) = attributes(&mut c, &["cols", "limit", "offset"])?;
    // Blank for its parent when its body is, but it keeps its cells' whitespace (as the reference).
    let (body, _) = p.branch(&op, &["endtablerow"])?;
    let blank = body.is_blank(p.source);
    Ok(Box::new(TableRow {
        var,
        var_span,
        collection,
        attrs,
        body,
        span: op.span,
        blank,
    }))
}

fn tablerowloop(i: usize, length: usize, col: i64, row: i64, cols: i64) -> OrderedValue {
    let (i, len) = (i as i64, length as i64);
    render::object(vec![
        ("length", render::int(len)),
        ("index", render::int(i + 1)),
        ("index0", render::int(i)),
        ("rindex", render::int(len - i)),
        ("rindex0", render::int(len - i - 1)),
        ("first", render::boolean(i == 0)),
        ("last", render::boolean(i == len - 1)),
        ("col", render::int(col)),
        ("col0", render::int(col - 1)),
        ("row", render::int(row)),
        ("col_first", render::boolean(col == 1)),
        ("col_last", render::boolean(col == cols)),
    ])
}

impl TableRow {
    fn attr(&self, name: &str) -> Option<&Expr> {
        self.attrs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, e)| e)
    }
}

impl Tag for TableRow {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let mut items = {
            let collection = cx.eval(&self.collection)?;
            // A missing collection writes no table at all.
            if !crate::value::truthy(collection.view()) {
                return Ok(());
            }
            items_of(collection.view())
        };
        let from = match self.attr("offset") {
            Some(e) => to_i(cx, e)?.max(0) as usize,
            None => 0,
        };
        let to = match self.attr("limit") {
            Some(e) => Some(from.saturating_add(to_i(cx, e)?.max(0) as usize)),
            None => None,
        };
        let end = to.unwrap_or(items.len()).min(items.len());
        items.truncate(end);
        items.drain(..from.min(items.len()));
        let length = items.len();
        let cols = match self.attr("cols") {
            Some(e) if !cx.eval(e)?.view().is_nil() => to_i(cx, e)?,
            _ => length as i64,
        };
        cx.write("<tr class=\"row1\">\n", self.span)?;
        let (mut col, mut row) = (1i64, 1i64);
        for (i, item) in items.into_iter().enumerate() {
            cx.step(self.span)?;
            cx.write(&format!("<td class=\"col{col}\">"), self.span)?;
            let vars = vec![
                (
                    "tablerowloop".into(),
                    tablerowloop(i, length, col, row, cols),
                ),
                (liquid_core::model::KString::from_ref(&self.var), item),
            ];
            let result = cx.with_scope(vars, |cx| cx.render_block(&self.body));
            cx.write("</td>", self.span)?;
            match result {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(e) => return Err(e),
            }
            if col == cols && i + 1 != length {
                cx.write(&format!("</tr>\n<tr class=\"row{}\">", row + 1), self.span)?;
            }
            if col == cols {
                col = 1;
                row += 1;
            } else {
                col += 1;
            }
        }
        cx.write("</tr>\n", self.span)
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.read(&self.collection);
        v.assign(&self.var, self.var_span);
        for (_, e) in &self.attrs {
            v.read(e);
        }
        v.body(&self.body, None);
    }
    fn blank(&self, _: &str) -> bool {
        self.blank
    }
}
