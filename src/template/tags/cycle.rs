//! `{% cycle [group:] a, b, c %}`.

use crate::template::ast::{Expr, Visitor};
use crate::template::expr::Tok;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct Cycle {
    span: Span,
    group: Option<Expr>,
    /// The values as written: the key of an unnamed cycle.
    key: String,
    values: Vec<Expr>,
}

pub fn parse<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let first = c.expr()?;
    let (group, mut values) = if c.eat(&Tok::Colon) {
        (Some(first), vec![c.expr()?])
    } else {
        (None, vec![first])
    };
    while c.eat(&Tok::Comma) {
        values.push(c.expr()?);
    }
    c.finish()?;
    let key = values
        .iter()
        .map(|v| op.markup_text(v.span()))
        .collect::<Vec<_>>()
        .join(",");
    Ok(Box::new(Cycle {
        span: op.span,
        group,
        key,
        values,
    }))
}

impl Tag for Cycle {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let key = match &self.group {
            Some(g) => format!("named:{}", crate::value::inspect(cx.eval(g)?.view())),
            // The reference keys an unnamed cycle of variables by the tag itself.
            None if self.values.iter().any(|v| !matches!(v, Expr::Lit(..))) => {
                format!("{}#{:p}", self.key, self)
            }
            None => self.key.clone(),
        };
        let i = *cx.cycles.get(&key).unwrap_or(&0);
        let text = match self.values.get(i) {
            Some(e) => crate::value::to_s(cx.eval(e)?.view()).into_owned(),
            None => String::new(),
        };
        let next = if i + 1 >= self.values.len() { 0 } else { i + 1 };
        cx.cycles.insert(key, next);
        cx.write(&text, self.span)
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for e in self.group.iter().chain(&self.values) {
            v.read(e);
        }
    }
}
