//! `{% assign name = value | filters %}` and `{% capture name %}…{% endcapture %}`.

use crate::template::ast::{Block, Filtered, Visitor};
use crate::template::expr::Tok;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct Assign {
    name: String,
    name_span: Span,
    value: Filtered,
}

pub fn parse<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let (name, name_span) = c.name("a variable name after `assign`")?;
    if name.ends_with('?') {
        return Err(
            ParseError::new(name_span, "a variable `assign` sets cannot end in `?`")
                .help(format!("name it `{}`", name.trim_end_matches('?'))),
        );
    }
    c.expect(&Tok::Assign, "`=` after the variable's name")?;
    let value = c.filtered()?;
    c.finish()?;
    Ok(Box::new(Assign {
        name,
        name_span,
        value,
    }))
}

impl Tag for Assign {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let v = cx.eval_filtered(&self.value)?.into_owned();
        cx.assign(&self.name, v);
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.filtered(&self.value);
        v.assign(&self.name, self.name_span);
    }
    fn blank(&self, _: &str) -> bool {
        true
    }
}

#[derive(Debug)]
struct Capture {
    name: String,
    name_span: Span,
    body: Block,
}

pub fn parse_capture<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let (name, name_span) = match c.peek() {
        // `{% capture 'x' %}` names the variable with a string, as the reference allows.
        Some(Tok::Str(s)) => {
            let s = s.clone();
            let span = c.here();
            c.bump();
            (s, span)
        }
        _ => c.name("a variable name after `capture`")?,
    };
    c.finish()?;
    let (body, _) = p.branch(&op, &["endcapture"])?;
    Ok(Box::new(Capture {
        name,
        name_span,
        body,
    }))
}

impl Tag for Capture {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let text = cx.capture(&self.body)?;
        cx.assign(&self.name, liquid_core::model::Value::scalar(text).into());
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.body(&self.body, None);
        v.assign(&self.name, self.name_span);
    }
    fn blank(&self, _: &str) -> bool {
        true
    }
}
