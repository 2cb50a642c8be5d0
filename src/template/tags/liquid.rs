//! `{% liquid … %}`: one tag a line, spliced where the tag stands.

use crate::template::ParseError;
use crate::template::ast::{Block, Visitor};
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;

#[derive(Debug)]
struct Liquid {
    body: Block,
}

pub fn parse<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut lines = p.liquid(op.markup, op.markup_start);
    let body = lines.liquid_body(&op)?;
    Ok(Box::new(Liquid { body }))
}

impl Tag for Liquid {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        cx.render_block(&self.body)
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.body(&self.body, None);
    }
    fn blank(&self, source: &str) -> bool {
        self.body.is_blank(source)
    }
}
