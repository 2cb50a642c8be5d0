//! `{% break %}` and `{% continue %}`.

use crate::template::ParseError;
use crate::template::ast::Visitor;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow, Stop};
use crate::template::table::Tag;

#[derive(Debug)]
struct Interrupt(bool);

pub fn parse_break<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    op.no_markup()?;
    Ok(Box::new(Interrupt(true)))
}

pub fn parse_continue<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    op.no_markup()?;
    Ok(Box::new(Interrupt(false)))
}

impl Tag for Interrupt {
    fn render(&self, _: &mut Context<'_>) -> Flow {
        Err(if self.0 { Stop::Break } else { Stop::Continue })
    }
    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}
}
