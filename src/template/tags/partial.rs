//! `{% include name [with value | for collection] [as alias], key: value… %}`
//! (the partial sees the caller's variables) and `{% render 'name' … %}` (it
//! sees only what it is given).

use crate::ordered::OrderedValue;
use crate::template::ast::{Expr, Lit, Visitor};
use crate::template::expr::Tok;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow, Stop};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

/// What the partial's value is bound to.
#[derive(Debug)]
pub enum Binding {
    None,
    /// `with value`.
    With(Expr),
    /// `for collection`: the partial once per item.
    For(Expr),
}

/// A parsed `include` or `render` (export reads it to inline the partial).
#[derive(Debug)]
pub struct Partial {
    /// `render`: the partial sees only what it is given.
    pub isolated: bool,
    pub name: Expr,
    pub binding: Binding,
    pub alias: Option<String>,
    /// `key: value` arguments, with the key's span.
    pub args: Vec<(String, Span, Expr)>,
    pub span: Span,
}

fn parse(op: Opening<'_>, isolated: bool) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let name = c.expr()?;
    if isolated && !matches!(name, Expr::Lit(Lit::Str(_), _)) {
        return Err(ParseError::new(
            name.span(),
            "`render` takes the partial's name as a quoted string",
        )
        .help("write `{% render 'name' %}`; to choose a partial at render time use `include`"));
    }
    let mut binding = Binding::None;
    if c.eat_word("with") {
        binding = Binding::With(c.expr()?);
    } else if c.eat_word("for") {
        let mut e = c.expr()?;
        e.mark_guarded();
        binding = Binding::For(e);
    }
    let mut alias = None;
    if c.eat_word("as") {
        alias = Some(c.name("a name after `as`")?.0);
    }
    let mut args = Vec::new();
    loop {
        if c.eat(&Tok::Comma) {
            continue;
        }
        if c.at_end() {
            break;
        }
        let (k, span) = c.name("`name: value` arguments")?;
        c.expect(&Tok::Colon, "`:` after the argument's name")?;
        args.push((k, span, c.expr()?));
    }
    Ok(Box::new(Partial {
        isolated,
        name,
        binding,
        alias,
        args,
        span: op.span,
    }))
}

pub fn parse_include<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    parse(op, false)
}

pub fn parse_render<'s>(_: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    parse(op, true)
}

impl Partial {
    /// The partial's name, when it is written as a quoted string.
    pub fn literal_name(&self) -> Option<&str> {
        match &self.name {
            Expr::Lit(Lit::Str(s), _) => Some(s.as_str()),
            _ => None,
        }
    }

    /// The variable the bound value gets: `as name`, or the partial's own name.
    pub fn alias(&self, partial: &str) -> String {
        match &self.alias {
            Some(a) => a.clone(),
            None => {
                let base = partial.rsplit('/').next().unwrap_or(partial);
                base.trim_end_matches(".liquid").to_owned()
            }
        }
    }
}

impl Tag for Partial {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let name_value = cx.eval(&self.name)?;
        let view = name_value.view();
        if view.as_scalar().is_none() || view.is_nil() {
            return Err(cx.error(self.span, "a partial's name must be a string"));
        }
        let name = view.to_kstr().into_owned().to_string();
        let mut args: Vec<(liquid_core::model::KString, OrderedValue)> = Vec::new();
        for (k, _, e) in &self.args {
            args.push((
                liquid_core::model::KString::from_ref(k),
                cx.eval(e)?.into_owned(),
            ));
        }
        let alias = self.alias(&name);
        let (items, for_loop) = match &self.binding {
            Binding::None => (None, false),
            Binding::With(e) => (Some(vec![cx.eval(e)?.into_owned()]), false),
            Binding::For(e) => (Some(super::for_::items(cx, e)?), true),
        };
        let isolated = self.isolated;
        let span = self.span;
        let result = cx.partial(&name, span, isolated, |cx, doc| {
            let Some(items) = items else {
                if isolated {
                    cx.reset_root_scope(args);
                    return cx.render_block(&doc.body);
                }
                return cx.with_scope(args, |cx| cx.render_block(&doc.body));
            };
            let length = items.len();
            for (i, item) in items.into_iter().enumerate() {
                cx.step(span)?;
                let mut vars = args.clone();
                if for_loop && isolated {
                    // `render … for` names its loop after the partial and has no parentloop.
                    let nil = OrderedValue::Plain(liquid_core::model::Value::Nil);
                    vars.push((
                        "forloop".into(),
                        super::for_::forloop(&name, i, length, nil),
                    ));
                }
                vars.push((liquid_core::model::KString::from_ref(&alias), item));
                if isolated {
                    // Each item gets a partial of its own, as in the reference.
                    cx.reset_root_scope(vars);
                    cx.render_block(&doc.body)?;
                } else {
                    cx.with_scope(vars, |cx| cx.render_block(&doc.body))?;
                }
            }
            Ok(())
        });
        match result {
            // A `render`ed partial's `break` stays inside it; an `include`d one's does not.
            Err(Stop::Break | Stop::Continue) if isolated => Ok(()),
            r => r,
        }
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.read(&self.name);
        match &self.binding {
            Binding::With(e) | Binding::For(e) => v.read(e),
            Binding::None => {}
        }
        for (_, _, e) in &self.args {
            v.read(e);
        }
        let name = self.literal_name();
        // What the partial gets: its arguments, and the bound value's name.
        for (k, span, _) in &self.args {
            v.assign(k, *span);
        }
        match (&self.alias, name) {
            (Some(a), _) => v.assign(a, self.span),
            (None, Some(n)) => {
                let base = n.rsplit('/').next().unwrap_or(n);
                v.assign(base.trim_end_matches(".liquid"), self.span);
            }
            (None, None) => {}
        }
        v.partial(self);
    }
}
