//! `{% for item in collection limit: n offset: n|continue reversed %}…{% else %}…{% endfor %}`.

use crate::ordered::OrderedValue;
use crate::template::ast::{Block, Expr, Visitor};
use crate::template::expr::{Cursor, Tok};
use crate::template::parser::{Opening, Parser};
use crate::template::render::{self, Context, Flow, Stop};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};
use crate::value;

/// `item in collection`, the start of `for` and `tablerow`.
pub(crate) fn head(c: &mut Cursor) -> Result<(String, Span, Expr), ParseError> {
    let (var, span) = c.name("the loop variable's name")?;
    if !c.eat_word("in") {
        return Err(c.unexpected("`in` after the loop variable"));
    }
    let mut collection = c.expr()?;
    collection.mark_guarded();
    Ok((var, span, collection))
}

/// `name: value` attributes (and `reversed`), commas allowed between them.
pub(crate) fn attributes(
    c: &mut Cursor,
    allowed: &[&str],
) -> Result<(Vec<(String, Expr)>, bool), ParseError> {
    let mut attrs = Vec::new();
    let mut reversed = false;
    loop {
        if c.eat(&Tok::Comma) {
            continue;
        }
        match c.peek() {
            None => break,
            Some(Tok::Ident(w)) if w == "reversed" && allowed.contains(&"reversed") => {
                c.bump();
                reversed = true;
            }
            Some(Tok::Ident(w)) if allowed.contains(&w.as_str()) => {
                let w = w.clone();
                c.bump();
                c.expect(&Tok::Colon, "`:` after the attribute's name")?;
                attrs.push((w, c.expr()?));
            }
            _ => {
                let names: Vec<String> = allowed.iter().map(|a| format!("`{a}`")).collect();
                return Err(c.unexpected(&names.join(", ")));
            }
        }
    }
    Ok((attrs, reversed))
}

/// The items a loop visits, as standard Liquid sees them: an array's
/// elements, a hash's `[key, value]` pairs, a non-empty string once, a range's
/// integers; anything else nothing.
pub(crate) fn items(cx: &Context<'_>, collection: &Expr) -> Result<Vec<OrderedValue>, Stop> {
    Ok(items_of(cx.eval(collection)?.view()))
}

/// [`items`] of a value already evaluated.
pub(crate) fn items_of(view: &dyn liquid_core::model::ValueView) -> Vec<OrderedValue> {
    if let Some(array) = view.as_array() {
        return array.values().map(OrderedValue::from_view).collect();
    }
    if let Some(object) = view.as_object() {
        return crate::ordered::pairs(object)
            .into_iter()
            .map(|(k, v)| {
                OrderedValue::Array(vec![
                    liquid_core::model::Value::scalar(k.into_owned()).into(),
                    OrderedValue::from_view(v),
                ])
            })
            .collect();
    }
    if view.type_name() == "string" && !view.to_kstr().is_empty() {
        return vec![OrderedValue::from_view(view)];
    }
    Vec::new()
}

/// A loop's `limit`/`offset`: an integer, a numeric string or nil (0).
fn whole(cx: &Context<'_>, e: &Expr, what: &str) -> Result<i64, Stop> {
    let v = cx.eval(e)?;
    match value::kind(v.view()) {
        value::Kind::Int(i) => Ok(i),
        value::Kind::Float(f) => Ok(f as i64),
        value::Kind::Nil => Ok(0),
        value::Kind::Str(s) if s.trim().parse::<f64>().is_ok() => Ok(value::ruby_to_i(s.trim())),
        _ => Err(cx.error(
            e.span(),
            format!(
                "a loop's `{what}` must be a whole number, not {}",
                value::inspect(v.view())
            ),
        )),
    }
}

/// Ruby's `to_i` of an attribute (nil is 0).
pub(crate) fn to_i(cx: &Context<'_>, e: &Expr) -> Result<i64, Stop> {
    let v = cx.eval(e)?;
    Ok(match value::kind(v.view()) {
        value::Kind::Int(i) => i,
        value::Kind::Float(f) => f as i64,
        value::Kind::Str(s) => value::ruby_to_i(&s),
        _ => 0,
    })
}

#[derive(Debug)]
enum Offset {
    None,
    Value(Expr),
    Continue,
}

#[derive(Debug)]
struct For {
    var: String,
    var_span: Span,
    /// `item-collection`, as the reference names loops (for `offset: continue`).
    name: String,
    collection: Expr,
    limit: Option<Expr>,
    offset: Offset,
    reversed: bool,
    body: Block,
    otherwise: Option<(Span, Block)>,
    span: Span,
    blank: bool,
}

pub fn parse<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let (var, var_span, collection) = head(&mut c)?;
    let collection_text = op.markup_text(collection.span());
    // `reversed` counts only right after the collection (the reference
    // ignores it later); `offset: continue` resumes where the loop stopped.
    let reversed = c.eat_word("reversed");
    let (attrs, _) = attributes(&mut c, &["limit", "offset", "reversed"])?;
    let mut offset = Offset::None;
    let mut limit = None;
    for (k, e) in attrs {
        match k.as_str() {
            "limit" => limit = Some(e),
            _ => {
                offset = match &e {
                    Expr::Path(p) if p.segments.is_empty() && p.root_name() == Some("continue") => {
                        Offset::Continue
                    }
                    _ => Offset::Value(e),
                }
            }
        }
    }
    let (body, delim) = p.branch(&op, &["else", "endfor"])?;
    let mut body = body;
    let mut otherwise = None;
    if delim.name == "else" {
        let (b, _) = p.branch(&op, &["endfor"])?;
        otherwise = Some((delim.span, b));
    }
    let blank = {
        let mut bodies: Vec<&mut Block> = vec![&mut body];
        if let Some((_, b)) = &mut otherwise {
            bodies.push(b);
        }
        super::blank_rule(p.source, &mut bodies)
    };
    Ok(Box::new(For {
        name: format!("{var}-{collection_text}"),
        var,
        var_span,
        collection,
        limit,
        offset,
        reversed,
        body,
        otherwise,
        span: op.span,
        blank,
    }))
}

/// The `forloop` object of iteration `i` of `length`.
pub(crate) fn forloop(name: &str, i: usize, length: usize, parent: OrderedValue) -> OrderedValue {
    let (i, len) = (i as i64, length as i64);
    render::object(vec![
        (
            "name",
            liquid_core::model::Value::scalar(name.to_owned()).into(),
        ),
        ("length", render::int(len)),
        ("index", render::int(i + 1)),
        ("index0", render::int(i)),
        ("rindex", render::int(len - i)),
        ("rindex0", render::int(len - i - 1)),
        ("first", render::boolean(i == 0)),
        ("last", render::boolean(i == len - 1)),
        ("parentloop", parent),
    ])
}

impl Tag for For {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let from = match &self.offset {
            Offset::None => 0,
            Offset::Value(e) => whole(cx, e, "offset")?,
            Offset::Continue => cx.offsets.get(&self.name).copied().unwrap_or(0),
        };
        let mut items = items(cx, &self.collection)?;
        let limit = match &self.limit {
            Some(e) if !cx.eval(e)?.view().is_nil() => Some(whole(cx, e, "limit")?),
            _ => None,
        };
        let to = limit.map(|l| l.saturating_add(from));
        let len = items.len() as i64;
        let end = to.map_or(len, |t| t.clamp(0, len)) as usize;
        let start = (from.clamp(0, len) as usize).min(end);
        items.truncate(end);
        items.drain(..start);
        if self.reversed {
            items.reverse();
        }
        cx.offsets
            .insert(self.name.clone(), from.saturating_add(items.len() as i64));
        if items.is_empty() {
            if let Some((span, otherwise)) = &self.otherwise {
                cx.took_branch(*span);
                return cx.render_block(otherwise);
            }
            return Ok(());
        }
        cx.took_branch(self.span);
        let parent = cx
            .loops
            .last()
            .cloned()
            .unwrap_or(OrderedValue::Plain(liquid_core::model::Value::Nil));
        let length = items.len();
        for (i, item) in items.into_iter().enumerate() {
            cx.step(self.span)?;
            let this = forloop(&self.name, i, length, parent.clone());
            let vars = vec![
                ("forloop".into(), this.clone()),
                (liquid_core::model::KString::from_ref(&self.var), item),
            ];
            cx.loops.push(this);
            cx.iteration(i);
            let result = cx.with_scope(vars, |cx| cx.render_block(&self.body));
            cx.loops.pop();
            match result {
                Ok(()) | Err(Stop::Continue) => {}
                Err(Stop::Break) => break,
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        // The collection first, then the variable it gives values to.
        v.read(&self.collection);
        v.assign(&self.var, self.var_span);
        if let Some(l) = &self.limit {
            v.read(l);
        }
        if let Offset::Value(o) = &self.offset {
            v.read(o);
        }
        v.body(&self.body, Some(self.span));
        if let Some((span, b)) = &self.otherwise {
            v.body(b, Some(*span));
        }
    }
    fn blank(&self, _: &str) -> bool {
        self.blank
    }
}
