//! Tags that print: `{{ … }}` (rewritten to our output tag), `echo`, `cycle`,
//! `increment` and `decrement`. Values print as the reference engine prints
//! them ([`crate::value::to_s`]: `1.0` stays `1.0`, arrays are joined).

use std::collections::HashMap;
use std::io::Write;

use liquid_core::error::{Error, Result, ResultLiquidExt, ResultLiquidReplaceExt};
use liquid_core::model::{KString, Value, ValueView};
use liquid_core::parser::{FilterChain, TryMatchToken};
use liquid_core::{
    Expression, Language, ParseTag, Renderable, Runtime, TagReflection, TagTokenIter,
};

use super::body::filter_chain;
use crate::preprocess::OUTPUT_TAG;
use crate::value;

/// What an output prints: a filter chain, or a literal range `(a..b)`.
#[derive(Debug)]
enum Printed {
    Chain(FilterChain),
    Range(Expression, Expression),
    Nothing,
}

fn parse_printed(
    arguments: &mut TagTokenIter<'_>,
    options: &Language,
) -> Result<(Printed, String)> {
    let Some(token) = arguments.next() else {
        return Ok((Printed::Nothing, String::new()));
    };
    let text = token.as_str().to_owned();
    let printed = match token.expect_range() {
        TryMatchToken::Matches((a, b)) => Printed::Range(a, b),
        TryMatchToken::Fails(token) => Printed::Chain(filter_chain(token, options)?),
    };
    // The reference's lax parser ignores whatever follows the expression.
    for _ in arguments {}
    Ok((printed, text))
}

fn write_value(writer: &mut dyn Write, v: &dyn ValueView) -> Result<()> {
    writer
        .write_all(value::to_s(v).as_bytes())
        .replace("failed to render")
}

/// `{{ expression }}` and `{% echo expression %}`.
#[derive(Copy, Clone, Debug)]
pub struct OutputTag {
    name: &'static str,
}

impl OutputTag {
    pub const OUTPUT: OutputTag = OutputTag { name: OUTPUT_TAG };
    pub const ECHO: OutputTag = OutputTag { name: "echo" };
}

impl TagReflection for OutputTag {
    fn tag(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        "print a value"
    }
}

impl ParseTag for OutputTag {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let (printed, text) = parse_printed(&mut arguments, options)?;
        let trace = if self.name == "echo" {
            format!("{{% echo {text} %}}")
        } else {
            format!("{{{{ {text} }}}}")
        };
        Ok(Box::new(Output { printed, trace }))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Output {
    printed: Printed,
    trace: String,
}

impl Renderable for Output {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        match &self.printed {
            Printed::Nothing => Ok(()),
            Printed::Chain(chain) => {
                let v = chain
                    .evaluate(runtime)
                    .trace_with(|| self.trace.clone().into())?;
                write_value(writer, v.as_view())
            }
            Printed::Range(a, b) => {
                let a = value::to_integer(a.evaluate(runtime)?.as_view()).unwrap_or(0);
                let b = value::to_integer(b.evaluate(runtime)?.as_view()).unwrap_or(0);
                write!(writer, "{a}..{b}").replace("failed to render")
            }
        }
    }
}

/// Per-render state of every cycle group.
#[derive(Debug, Default)]
struct CycleState {
    position: HashMap<String, usize>,
}

/// `{% cycle 'a', 'b' %}` and `{% cycle group: 'a', 'b' %}`.
#[derive(Copy, Clone, Debug, Default)]
pub struct CycleTag;

impl TagReflection for CycleTag {
    fn tag(&self) -> &str {
        "cycle"
    }
    fn description(&self) -> &str {
        "print the next of a list of values each time"
    }
}

impl ParseTag for CycleTag {
    fn parse(&self, arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        let mut tokens: Vec<_> = arguments.collect();
        let mut group = None;
        if tokens.len() >= 2 && tokens[1].as_str() == ":" {
            let name = tokens.remove(0);
            tokens.remove(0);
            group = Some(name.expect_value().into_result()?);
        }
        let mut values = Vec::new();
        let mut all_literal = true;
        let mut key = String::new();
        for token in tokens {
            if token.as_str() == "," {
                continue;
            }
            let text = token.as_str().to_owned();
            let expr = token.expect_value().into_result()?;
            all_literal &= matches!(expr, Expression::Literal(_));
            key.push_str(&text);
            key.push('\u{1f}');
            values.push(expr);
        }
        if values.is_empty() {
            return Error::with_msg("`cycle` needs at least one value").into_err();
        }
        if !all_literal {
            // The reference keys an unnamed cycle with variables by the tag itself.
            static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            key.push_str(&format!("#{id}"));
        }
        Ok(Box::new(Cycle { group, key, values }))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Cycle {
    group: Option<Expression>,
    key: String,
    values: Vec<Expression>,
}

impl Renderable for Cycle {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let key = match &self.group {
            Some(g) => format!("named:{}", value::inspect(g.evaluate(runtime)?.as_view())),
            None => self.key.clone(),
        };
        let index = {
            let mut state = runtime.registers().get_mut::<CycleState>();
            let slot = state.position.entry(key).or_insert(0);
            let i = *slot % self.values.len();
            *slot = (i + 1) % self.values.len();
            i
        };
        let v = self.values[index].evaluate(runtime)?;
        write_value(writer, v.as_view())
    }
}

/// `{% increment name %}` / `{% decrement name %}`: counters that live beside
/// the scenario's variables (an `assign` of the same name hides them).
#[derive(Copy, Clone, Debug)]
pub struct CounterTag {
    step: i64,
}

impl CounterTag {
    pub const INCREMENT: CounterTag = CounterTag { step: 1 };
    pub const DECREMENT: CounterTag = CounterTag { step: -1 };
}

impl TagReflection for CounterTag {
    fn tag(&self) -> &str {
        if self.step > 0 {
            "increment"
        } else {
            "decrement"
        }
    }
    fn description(&self) -> &str {
        "print a counter and step it"
    }
}

impl ParseTag for CounterTag {
    fn parse(&self, mut arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        let name = arguments
            .expect_next("a counter name is expected")?
            .expect_identifier()
            .into_result()?
            .to_owned();
        for _ in arguments {}
        Ok(Box::new(Counter {
            name: KString::from(name),
            step: self.step,
        }))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Counter {
    name: KString,
    step: i64,
}

impl Renderable for Counter {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let current = match runtime.get_index(&self.name) {
            Some(v) => value::to_number(v.as_view()),
            None => value::Number::Int(0),
        };
        let current = match current {
            value::Number::Int(i) => i,
            value::Number::Dec(d) => d.to_f64() as i64,
        };
        let (shown, next) = if self.step > 0 {
            (current, current + 1)
        } else {
            (current - 1, current - 1)
        };
        runtime.set_index(self.name.clone(), Value::scalar(next));
        write!(writer, "{shown}").replace("failed to render")
    }
}

/// `{% assign name = value | filters %}`; the value may be a range `(a..b)`.
#[derive(Copy, Clone, Debug, Default)]
pub struct AssignTag;

impl TagReflection for AssignTag {
    fn tag(&self) -> &str {
        "assign"
    }
    fn description(&self) -> &str {
        "set a variable"
    }
}

impl ParseTag for AssignTag {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let name = arguments
            .expect_next("a variable name is expected")?
            .expect_identifier()
            .into_result()?
            .to_owned();
        arguments
            .expect_next("\"=\" expected.")?
            .expect_str("=")
            .into_result_custom_msg("\"=\" expected.")?;
        let (printed, text) = parse_printed(&mut arguments, options)?;
        if matches!(printed, Printed::Nothing) {
            return Error::with_msg("a value is expected after `=`").into_err();
        }
        Ok(Box::new(Assign {
            name: KString::from(name),
            printed,
            text,
        }))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Assign {
    name: KString,
    printed: Printed,
    text: String,
}

impl Renderable for Assign {
    fn render_to(&self, _: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        let value = match &self.printed {
            Printed::Chain(chain) => chain
                .evaluate(runtime)
                .trace_with(|| format!("{{% assign {} = {} %}}", self.name, self.text).into())?
                .into_owned(),
            Printed::Range(a, b) => {
                let a = value::to_integer(a.evaluate(runtime)?.as_view()).unwrap_or(0);
                let b = value::to_integer(b.evaluate(runtime)?.as_view()).unwrap_or(0);
                let len = b.saturating_sub(a).saturating_add(1).max(0) as usize;
                crate::budget::reserve(len.saturating_mul(std::mem::size_of::<Value>()))?;
                Value::Array((a..=b).map(Value::scalar).collect())
            }
            Printed::Nothing => Value::Nil,
        };
        runtime.set_global(self.name.clone(), value);
        Ok(())
    }
}
