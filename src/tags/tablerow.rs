//! `{% tablerow item in collection cols: n limit: n offset: n %}`: table rows
//! and cells as the reference engine writes them, with `tablerowloop`.

use std::io::Write;

use liquid_core::error::{Error, Result, ResultLiquidExt};
use liquid_core::model::{KString, Object, Value, ValueCow};
use liquid_core::{
    BlockReflection, Expression, Language, ParseBlock, Renderable, Runtime, TagBlock, TagTokenIter,
    Template,
};

use super::body::{self, report_blank};
use super::{Collection, parse_attr, parse_loop_variable};
use crate::runtime::Frame;
use crate::value;

#[derive(Copy, Clone, Debug, Default)]
pub struct TableRowBlock;

impl BlockReflection for TableRowBlock {
    fn start_tag(&self) -> &str {
        "tablerow"
    }
    fn end_tag(&self) -> &str {
        "endtablerow"
    }
    fn description(&self) -> &str {
        "an HTML table row for every few items"
    }
}

impl ParseBlock for TableRowBlock {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let var_name = parse_loop_variable(&mut arguments)?;
        let collection = Collection::parse(&mut arguments)?;
        let (mut cols, mut limit, mut offset) = (None, None, None);
        while let Some(token) = arguments.next() {
            match token.as_str() {
                "cols" => cols = Some(parse_attr(&mut arguments)?),
                "limit" => limit = Some(parse_attr(&mut arguments)?),
                "offset" => offset = Some(parse_attr(&mut arguments)?),
                "," => {}
                _ => {
                    return token
                        .raise_custom_error("\"cols\", \"limit\" or \"offset\" expected.")
                        .into_err();
                }
            }
        }
        let (nodes, blank, stop) = body::parse(&mut tokens, options, &[])?;
        debug_assert!(stop.is_none());
        tokens.assert_empty();
        report_blank(blank);
        Ok(Box::new(TableRow {
            var_name: KString::from(var_name),
            collection,
            cols,
            limit,
            offset,
            body: body::finish(nodes, false),
        }))
    }
    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct TableRow {
    var_name: KString,
    collection: Collection,
    cols: Option<Expression>,
    limit: Option<Expression>,
    offset: Option<Expression>,
    body: Template,
}

/// Ruby's `to_i` of an attribute (nil is 0).
fn to_i(expr: &Option<Expression>, runtime: &dyn Runtime) -> Result<Option<i64>> {
    match expr {
        None => Ok(None),
        Some(e) => {
            let v = e.evaluate(runtime)?;
            Ok(Some(match value::kind(v.as_view()) {
                value::Kind::Int(i) => i,
                value::Kind::Float(f) => f as i64,
                value::Kind::Str(s) => value::ruby_to_i(&s),
                _ => 0,
            }))
        }
    }
}

fn tablerowloop(index: usize, length: usize, col: i64, row: i64, cols: i64) -> Value {
    let (i, len) = (index as i64, length as i64);
    let mut o = Object::new();
    o.insert("length".into(), Value::scalar(len));
    o.insert("index".into(), Value::scalar(i + 1));
    o.insert("index0".into(), Value::scalar(i));
    o.insert("rindex".into(), Value::scalar(len - i));
    o.insert("rindex0".into(), Value::scalar(len - i - 1));
    o.insert("first".into(), Value::scalar(i == 0));
    o.insert("last".into(), Value::scalar(i == len - 1));
    o.insert("col".into(), Value::scalar(col));
    o.insert("col0".into(), Value::scalar(col - 1));
    o.insert("row".into(), Value::scalar(row));
    o.insert("col_first".into(), Value::scalar(col == 1));
    o.insert("col_last".into(), Value::scalar(col == cols));
    Value::Object(o)
}

impl Renderable for TableRow {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let trace = || {
            format!(
                "{{% tablerow {} in {} %}}",
                self.var_name,
                self.collection.source()
            )
        };
        if let Collection::Value(expr) = &self.collection
            && !value::truthy(expr.evaluate(runtime)?.as_view())
        {
            return Ok(());
        }
        let mut items = self
            .collection
            .items(runtime)
            .trace_with(|| trace().into())?;
        let from = to_i(&self.offset, runtime)?.unwrap_or(0).max(0) as usize;
        let to = to_i(&self.limit, runtime)?.map(|l| from.saturating_add(l.max(0) as usize));
        let end = to.unwrap_or(items.len()).min(items.len());
        items.truncate(end);
        items.drain(..from.min(items.len()));
        let cols = to_i(&self.cols, runtime)?.unwrap_or(0);
        let length = items.len();
        let w = |writer: &mut dyn Write, s: &str| {
            writer
                .write_all(s.as_bytes())
                .map_err(|e| Error::with_msg(e.to_string()))
        };
        w(writer, "<tr class=\"row1\">\n")?;
        let (mut col, mut row) = (1i64, 1i64);
        for (i, item) in items.into_iter().enumerate() {
            crate::budget::step().trace_with(|| trace().into())?;
            let mut frame = Frame::new(runtime);
            frame.set(
                "tablerowloop",
                ValueCow::Owned(tablerowloop(i, length, col, row, cols)),
            );
            frame.set(self.var_name.clone(), item);
            w(writer, &format!("<td class=\"col{col}\">"))?;
            self.body
                .render_to(writer, &frame)
                .trace_with(|| trace().into())?;
            w(writer, "</td>")?;
            if col == cols && i + 1 != length {
                w(writer, &format!("</tr>\n<tr class=\"row{}\">", row + 1))?;
            }
            if col == cols {
                col = 1;
                row += 1;
            } else {
                col += 1;
            }
            frame
                .registers()
                .get_mut::<liquid_core::runtime::InterruptRegister>()
                .reset();
        }
        w(writer, "</tr>\n")
    }
}
