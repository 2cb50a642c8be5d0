//! Tags whose body is not Liquid: `raw` (printed as it is), `comment`,
//! `doc` and `{% # … %}` (printed not at all).

use crate::template::ast::Visitor;
use crate::template::parser::{Nested, Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct Raw {
    body: Span,
}

pub fn parse_raw<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    op.no_markup()?;
    let (body, _) = p.verbatim(&op, "endraw", Nested::Allowed)?;
    Ok(Box::new(Raw { body }))
}

impl Tag for Raw {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let source = cx.current_file().1.clone();
        cx.write(&source[self.body.start..self.body.end], self.body)
    }
    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}
    fn blank(&self, _: &str) -> bool {
        self.body.start == self.body.end
    }
}

#[derive(Debug)]
struct Silent;

impl Tag for Silent {
    fn render(&self, _: &mut Context<'_>) -> Flow {
        Ok(())
    }
    fn visit<'a>(&'a self, _: &mut dyn Visitor<'a>) {}
    fn blank(&self, _: &str) -> bool {
        true
    }
}

pub fn parse_comment<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    p.verbatim(&op, "endcomment", Nested::Counted)?;
    Ok(Box::new(Silent))
}

pub fn parse_doc<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    op.no_markup()?;
    p.verbatim(&op, "enddoc", Nested::Error)?;
    Ok(Box::new(Silent))
}

pub fn parse_inline_comment<'s>(
    _: &mut Parser<'s>,
    op: Opening<'s>,
) -> Result<Box<dyn Tag>, ParseError> {
    // Every line of a multi-line inline comment must start with `#`.
    let mut lines = op.markup.split('\n');
    lines.next();
    if lines.any(|l| {
        let l = l.trim_start_matches(crate::template::lexer::is_ruby_space);
        !l.is_empty() && !l.starts_with('#')
    }) {
        return Err(ParseError::new(
            op.span,
            "every line of an inline comment must start with `#`",
        )
        .help("start each line with `#`, or use `{% comment %}…{% endcomment %}`"));
    }
    Ok(Box::new(Silent))
}
