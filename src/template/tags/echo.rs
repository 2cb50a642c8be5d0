//! `{% echo value | filters %}`: `{{ … }}` as a tag.

use crate::template::ast::{Filtered, Visitor};
use crate::template::parser::{Opening, Parser, filtered_markup};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct Echo {
    span: Span,
    value: Option<Filtered>,
}

pub fn parse<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let value = if op.markup.is_empty() {
        None
    } else {
        Some(filtered_markup(&op)?)
    };
    Ok(Box::new(Echo {
        span: op.span,
        value,
    }))
}

impl Tag for Echo {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        if let Some(f) = &self.value {
            let text = cx.print(f)?;
            cx.write(&text, self.span)?;
        }
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        if let Some(f) = &self.value {
            v.filtered(f);
        }
    }
}
