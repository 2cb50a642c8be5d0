//! `if`/`elsif`/`else`, `unless` and `case`/`when`, with the reference
//! engine's conditions: Ruby truthiness (only nil and false are false), `==`
//! between mixed types, `empty`/`blank`, `contains`, and `and`/`or` grouped
//! from the right (`a or b and c` is `a or (b and c)`).

use std::io::Write;

use liquid_core::error::{Error, Result, ResultLiquidExt};
use liquid_core::parser::TryMatchToken;
use liquid_core::{
    BlockReflection, Expression, Language, ParseBlock, Renderable, Runtime, TagBlock, TagTokenIter,
    Template,
};

use super::body::{self, report_blank};
use crate::value;

const OPERATORS: &[&str] = &["==", "!=", "<>", "<", ">", "<=", ">=", "contains"];

#[derive(Debug)]
struct Comparison {
    left: Expression,
    op: Option<(String, Expression)>,
}

/// `comparison (and|or comparison)*`.
#[derive(Debug)]
pub struct Condition {
    comparisons: Vec<Comparison>,
    /// `relations[i]` joins comparison i and i + 1: true for `and`.
    relations: Vec<bool>,
    source: String,
}

fn value_of(token: liquid_core::parser::TagToken<'_>) -> Result<Expression> {
    match token.expect_value() {
        TryMatchToken::Matches(v) => Ok(v),
        TryMatchToken::Fails(token) => token.raise_error().into_err(),
    }
}

impl Condition {
    pub fn parse(arguments: TagTokenIter<'_>) -> Result<Condition> {
        let tokens: Vec<_> = arguments.collect();
        let source = tokens
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let mut comparisons = Vec::new();
        let mut relations = Vec::new();
        let mut iter = tokens.into_iter().peekable();
        loop {
            let Some(left) = iter.next() else {
                return Error::with_msg("a condition is expected").into_err();
            };
            let left = value_of(left)?;
            let op = match iter.peek().map(|t| t.as_str().to_owned()) {
                Some(op) if OPERATORS.contains(&op.as_str()) => {
                    iter.next();
                    let right = iter.next().ok_or_else(|| {
                        Error::with_msg(format!("a value is expected after `{op}`"))
                    })?;
                    Some((op, value_of(right)?))
                }
                _ => None,
            };
            comparisons.push(Comparison { left, op });
            match iter.next() {
                None => break,
                Some(t) if t.as_str() == "and" => relations.push(true),
                Some(t) if t.as_str() == "or" => relations.push(false),
                Some(t) => {
                    return t
                        .raise_custom_error("expected `and`, `or` or the end of the condition")
                        .into_err();
                }
            }
        }
        Ok(Condition {
            comparisons,
            relations,
            source,
        })
    }

    pub fn evaluate(&self, runtime: &dyn Runtime) -> Result<bool> {
        self.evaluate_from(0, runtime)
    }

    fn evaluate_from(&self, i: usize, runtime: &dyn Runtime) -> Result<bool> {
        let here = compare(&self.comparisons[i], runtime)?;
        match self.relations.get(i) {
            None => Ok(here),
            Some(true) => Ok(here && self.evaluate_from(i + 1, runtime)?),
            Some(false) => Ok(here || self.evaluate_from(i + 1, runtime)?),
        }
    }
}

fn compare(c: &Comparison, runtime: &dyn Runtime) -> Result<bool> {
    let Some((op, right)) = &c.op else {
        // A bare value: a missing one is false, and not worth a warning.
        return Ok(c
            .left
            .try_evaluate(runtime)
            .is_some_and(|v| value::truthy(v.as_view())));
    };
    let left = c.left.evaluate(runtime)?;
    let right = right.evaluate(runtime)?;
    let (l, r) = (left.as_view(), right.as_view());
    match op.as_str() {
        "==" => Ok(value::equal(l, r)),
        "!=" | "<>" => Ok(!value::equal(l, r)),
        "contains" => Ok(value::contains(l, r)),
        op => value::compare(l, r, op).map_err(Error::with_msg),
    }
}

/// `{% if %}` / `{% unless %}` with `elsif` and `else` branches.
#[derive(Copy, Clone, Debug)]
pub struct IfBlock {
    negate: bool,
}

impl IfBlock {
    pub const IF: IfBlock = IfBlock { negate: false };
    pub const UNLESS: IfBlock = IfBlock { negate: true };
}

impl BlockReflection for IfBlock {
    fn start_tag(&self) -> &str {
        if self.negate { "unless" } else { "if" }
    }
    fn end_tag(&self) -> &str {
        if self.negate { "endunless" } else { "endif" }
    }
    fn description(&self) -> &str {
        "render a block when a condition holds"
    }
}

impl ParseBlock for IfBlock {
    fn parse(
        &self,
        arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let tag = self.start_tag();
        let mut condition =
            Some(Condition::parse(arguments).trace_with(|| format!("{{% {tag} %}}").into())?);
        let mut branches = Vec::new();
        let mut all_blank = true;
        let mut bodies = Vec::new();
        loop {
            let (nodes, blank, stop) = body::parse(&mut tokens, options, &["elsif", "else"])?;
            all_blank &= blank;
            bodies.push((condition.take(), nodes));
            match stop {
                None => break,
                Some(stop) if stop.name == "elsif" => {
                    condition = Some(Condition::parse(stop.tokens)?);
                }
                Some(_) => {
                    let (nodes, blank, stop) =
                        body::parse(&mut tokens, options, &["elsif", "else"])?;
                    all_blank &= blank;
                    bodies.push((None, nodes));
                    if let Some(stop) = stop {
                        return Error::with_msg(format!(
                            "`{{% {} %}}` after `{{% else %}}` in `{{% {tag} %}}`",
                            stop.name
                        ))
                        .into_err();
                    }
                    break;
                }
            }
        }
        tokens.assert_empty();
        for (condition, nodes) in bodies {
            branches.push((condition, body::finish(nodes, all_blank)));
        }
        report_blank(all_blank);
        Ok(Box::new(If {
            negate: self.negate,
            branches,
        }))
    }
    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct If {
    negate: bool,
    branches: Vec<(Option<Condition>, Template)>,
}

impl Renderable for If {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        for (i, (condition, body)) in self.branches.iter().enumerate() {
            let taken = match condition {
                Some(c) => {
                    let holds = c.evaluate(runtime).trace_with(|| {
                        let tag = if i > 0 {
                            "elsif"
                        } else if self.negate {
                            "unless"
                        } else {
                            "if"
                        };
                        format!("{{% {tag} {} %}}", c.source).into()
                    })?;
                    holds != (self.negate && i == 0)
                }
                None => true,
            };
            if taken {
                return body.render_to(writer, runtime);
            }
        }
        Ok(())
    }
}

/// `{% case x %}{% when a, b %}…{% when c or d %}…{% else %}…{% endcase %}`.
#[derive(Copy, Clone, Debug, Default)]
pub struct CaseBlock;

impl BlockReflection for CaseBlock {
    fn start_tag(&self) -> &str {
        "case"
    }
    fn end_tag(&self) -> &str {
        "endcase"
    }
    fn description(&self) -> &str {
        "render the branch whose value matches"
    }
}

/// One `when` (its values) or `else` (none).
#[derive(Debug)]
struct Branch {
    values: Option<Vec<Expression>>,
    body: Template,
}

fn when_values(arguments: TagTokenIter<'_>) -> Result<Vec<Expression>> {
    let mut values = Vec::new();
    for token in arguments {
        if matches!(token.as_str(), "," | "or") {
            continue;
        }
        values.push(value_of(token)?);
    }
    if values.is_empty() {
        return Error::with_msg("`when` needs a value").into_err();
    }
    Ok(values)
}

impl ParseBlock for CaseBlock {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let subject = value_of(arguments.expect_next("a value is expected after `case`")?)?;
        for _ in arguments {}
        // Whatever precedes the first `when` is never rendered.
        let (_, _, mut stop) = body::parse(&mut tokens, options, &["when", "else"])?;
        let mut pending = Vec::new();
        let mut all_blank = true;
        while let Some(s) = stop {
            let values = if s.name == "when" {
                Some(when_values(s.tokens)?)
            } else {
                None
            };
            let (nodes, blank, next) = body::parse(&mut tokens, options, &["when", "else"])?;
            all_blank &= blank;
            pending.push((values, nodes));
            stop = next;
        }
        tokens.assert_empty();
        let branches = pending
            .into_iter()
            .map(|(values, nodes)| Branch {
                values,
                body: body::finish(nodes, all_blank),
            })
            .collect();
        report_blank(all_blank);
        Ok(Box::new(Case { subject, branches }))
    }
    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct Case {
    subject: Expression,
    branches: Vec<Branch>,
}

impl Renderable for Case {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let subject = self.subject.evaluate(runtime)?;
        let mut matched = false;
        for branch in &self.branches {
            match &branch.values {
                // The reference renders a `when` once for each of its values that matches.
                Some(values) => {
                    for v in values {
                        let v = v.evaluate(runtime)?;
                        if value::equal(subject.as_view(), v.as_view()) {
                            matched = true;
                            branch.body.render_to(writer, runtime)?;
                        }
                    }
                }
                None if !matched => branch.body.render_to(writer, runtime)?,
                None => {}
            }
        }
        Ok(())
    }
}
