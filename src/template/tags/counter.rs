//! `{% increment name %}` / `{% decrement name %}`: counters that live beside
//! the variables (an `assign` of the same name hides them).

use crate::template::ast::Visitor;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct Counter {
    name: String,
    span: Span,
    step: i64,
}

fn parse<'s>(op: Opening<'s>, step: i64) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let (name, _) = c.name("a counter name")?;
    c.finish()?;
    Ok(Box::new(Counter {
        name,
        span: op.span,
        step,
    }))
}

pub fn parse_increment<'s>(
    _: &mut Parser<'s>,
    op: Opening<'s>,
) -> Result<Box<dyn Tag>, ParseError> {
    parse(op, 1)
}

pub fn parse_decrement<'s>(
    _: &mut Parser<'s>,
    op: Opening<'s>,
) -> Result<Box<dyn Tag>, ParseError> {
    parse(op, -1)
}

impl Tag for Counter {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let counter = cx.counter(&self.name);
        let shown = if self.step > 0 {
            let shown = *counter;
            *counter += 1;
            shown
        } else {
            *counter -= 1;
            *counter
        };
        cx.write(&shown.to_string(), self.span)
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.assign(&self.name, self.span);
    }
}
