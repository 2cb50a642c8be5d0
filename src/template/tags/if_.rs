//! `{% if %}` / `{% unless %}` with `elsif` and `else` branches. As in the
//! reference, a branch after `else` is accepted and never rendered.

use crate::template::ast::{Block, Comparison, Condition, Logic, Op, Visitor};
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow, Stop};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};
use crate::value;

#[derive(Debug)]
struct Branch {
    /// `None` for `else`.
    condition: Option<Condition>,
    /// The markup that opens the branch.
    span: Span,
    body: Block,
}

#[derive(Debug)]
struct If {
    unless: bool,
    branches: Vec<Branch>,
    blank: bool,
}

fn condition(op: &Opening<'_>) -> Result<Condition, ParseError> {
    let mut c = op.cursor()?;
    let cond = c.condition()?;
    c.finish()?;
    Ok(cond)
}

fn parse<'s>(
    p: &mut Parser<'s>,
    op: Opening<'s>,
    unless: bool,
) -> Result<Box<dyn Tag>, ParseError> {
    let end = if unless { "endunless" } else { "endif" };
    let mut branches = Vec::new();
    let mut next = (Some(condition(&op)?), op.span);
    loop {
        let (body, delim) = p.branch(&op, &["elsif", "else", end])?;
        branches.push(Branch {
            condition: next.0,
            span: next.1,
            body,
        });
        next = match delim.name {
            "elsif" => (Some(condition(&delim)?), delim.span),
            "else" => (None, delim.span),
            _ => break,
        };
    }
    let blank = {
        let mut bodies: Vec<&mut Block> = branches.iter_mut().map(|b| &mut b.body).collect();
        super::blank_rule(p.source, &mut bodies)
    };
    Ok(Box::new(If {
        unless,
        branches,
        blank,
    }))
}

pub fn parse_if<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    parse(p, op, false)
}

pub fn parse_unless<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    parse(p, op, true)
}

/// Evaluate a condition (`and`/`or` from the right, as the reference does).
pub fn holds(cx: &Context<'_>, cond: &Condition) -> Result<bool, Stop> {
    let mut comparisons: Vec<(&Comparison, Option<Logic>)> = Vec::new();
    comparisons.push((&cond.first, None));
    for (logic, c) in &cond.rest {
        comparisons.push((c, Some(*logic)));
    }
    // Fold from the right: c0 op1 (c1 op2 (c2 …)).
    let mut acc = compare(cx, comparisons[comparisons.len() - 1].0, cond.span)?;
    for i in (0..comparisons.len() - 1).rev() {
        let logic = comparisons[i + 1].1.unwrap_or(Logic::And);
        let here = compare(cx, comparisons[i].0, cond.span)?;
        acc = match logic {
            Logic::And => here && acc,
            Logic::Or => here || acc,
        };
    }
    Ok(acc)
}

fn compare(cx: &Context<'_>, c: &Comparison, span: Span) -> Result<bool, Stop> {
    let left = cx.eval(&c.left)?;
    let Some((op, right)) = &c.op else {
        return Ok(value::truthy(left.view()));
    };
    let right = cx.eval(right)?;
    let (l, r) = (left.view(), right.view());
    match op {
        Op::Eq => Ok(value::equal(l, r)),
        Op::Ne => Ok(!value::equal(l, r)),
        Op::Contains => Ok(value::contains(l, r)),
        op => value::compare(l, r, op.as_str()).map_err(|m| cx.error(span, m)),
    }
}

impl Tag for If {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        for b in &self.branches {
            let take = match &b.condition {
                None => true,
                Some(c) => holds(cx, c)? != (self.unless && std::ptr::eq(b, &self.branches[0])),
            };
            if take {
                cx.took_branch(b.span);
                return cx.render_block(&b.body);
            }
        }
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        for b in &self.branches {
            if let Some(c) = &b.condition {
                for e in c.exprs() {
                    v.read(e);
                }
            }
            v.body(&b.body, Some(b.span));
        }
    }
    fn blank(&self, _: &str) -> bool {
        self.blank
    }
}
