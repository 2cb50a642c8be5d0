//! `{% ifchanged %}…{% endifchanged %}`: prints its body when it differs from the last time.

use crate::template::ast::{Block, Visitor};
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct IfChanged {
    span: Span,
    body: Block,
}

pub fn parse<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let (body, _) = p.branch(&op, &["endifchanged"])?;
    Ok(Box::new(IfChanged {
        span: op.span,
        body,
    }))
}

impl Tag for IfChanged {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let text = cx.capture(&self.body)?;
        if cx.ifchanged.as_deref() != Some(text.as_str()) {
            cx.write(&text, self.span)?;
            cx.ifchanged = Some(text);
        }
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.body(&self.body, None);
    }
}
