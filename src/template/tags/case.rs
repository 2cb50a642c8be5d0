//! `{% case x %}{% when a, b or c %}…{% else %}…{% endcase %}`.

use crate::template::ast::{Block, Expr, Visitor};
use crate::template::expr::Tok;
use crate::template::parser::{Opening, Parser};
use crate::template::render::{Context, Flow};
use crate::template::table::Tag;
use crate::template::{ParseError, Span};

#[derive(Debug)]
struct When {
    /// `None` for `else`.
    values: Option<Vec<Expr>>,
    span: Span,
    body: Block,
}

#[derive(Debug)]
struct Case {
    subject: Expr,
    branches: Vec<When>,
    blank: bool,
}

fn when_values(op: &Opening<'_>) -> Result<Vec<Expr>, ParseError> {
    let mut c = op.cursor()?;
    let mut values = vec![c.expr()?];
    while c.eat(&Tok::Comma) || c.eat_word("or") {
        values.push(c.expr()?);
    }
    c.finish()?;
    Ok(values)
}

pub fn parse<'s>(p: &mut Parser<'s>, op: Opening<'s>) -> Result<Box<dyn Tag>, ParseError> {
    let mut c = op.cursor()?;
    let subject = c.expr()?;
    c.finish()?;
    // Text before the first `when` is dropped, as the reference drops it.
    let (_, mut delim) = p.branch(&op, &["when", "else", "endcase"])?;
    let mut branches = Vec::new();
    while delim.name != "endcase" {
        let values = if delim.name == "when" {
            Some(when_values(&delim)?)
        } else {
            delim.no_markup().ok();
            None
        };
        let (body, next) = p.branch(&op, &["when", "else", "endcase"])?;
        branches.push(When {
            values,
            span: delim.span,
            body,
        });
        delim = next;
    }
    let blank = {
        let mut bodies: Vec<&mut Block> = branches.iter_mut().map(|b| &mut b.body).collect();
        super::blank_rule(p.source, &mut bodies)
    };
    Ok(Box::new(Case {
        subject,
        branches,
        blank,
    }))
}

impl Tag for Case {
    fn render(&self, cx: &mut Context<'_>) -> Flow {
        let subject = cx.eval(&self.subject)?.into_owned();
        let mut matched = false;
        for b in &self.branches {
            match &b.values {
                // The reference renders a `when` once for each of its values that matches.
                Some(values) => {
                    for e in values {
                        let hit = crate::value::equal(&subject, cx.eval(e)?.view());
                        if hit {
                            matched = true;
                            cx.took_branch(b.span);
                            cx.render_block(&b.body)?;
                        }
                    }
                }
                None if !matched => {
                    cx.took_branch(b.span);
                    cx.render_block(&b.body)?;
                }
                None => {}
            }
        }
        Ok(())
    }
    fn visit<'a>(&'a self, v: &mut dyn Visitor<'a>) {
        v.read(&self.subject);
        for b in &self.branches {
            for e in b.values.iter().flatten() {
                v.read(e);
            }
            v.body(&b.body, Some(b.span));
        }
    }
    fn blank(&self, _: &str) -> bool {
        self.blank
    }
}
