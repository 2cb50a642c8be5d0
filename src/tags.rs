//! The tags that push a scope: `for`, `include` and `render`.
//!
//! They replace the `liquid` crate's versions so that every scope they push is
//! a lenient [`Frame`], and so that loops respect the render budget and
//! partials cannot recurse forever.

use std::io::Write;

use liquid_core::error::{Error, Result, ResultLiquidExt};
use liquid_core::model::{KString, Object, Value, ValueCow, ValueView};
use liquid_core::parser::TryMatchToken;
use liquid_core::runtime::{Interrupt, InterruptRegister};
use liquid_core::{
    BlockReflection, Expression, Language, ParseBlock, ParseTag, Renderable, Runtime, TagBlock,
    TagReflection, TagTokenIter, Template,
};

use crate::runtime::{ErrorOrigin, Frame, PartialStack};

pub mod body;
pub mod conditional;
pub mod guard;
pub mod output;
pub mod tablerow;

/// How deep partials may nest before we call it a cycle.
pub const MAX_PARTIAL_DEPTH: usize = 64;

/// What a loop iterates over: a value, or a literal range `(a..b)`.
#[derive(Debug)]
pub(crate) enum Collection {
    Value(Expression),
    Range(Expression, Expression),
}

impl Collection {
    pub(crate) fn parse(arguments: &mut TagTokenIter<'_>) -> Result<Self> {
        Self::from_token(arguments.expect_next("Array or range expected.")?)
    }

    fn from_token(token: liquid_core::parser::TagToken<'_>) -> Result<Self> {
        match token.expect_value() {
            TryMatchToken::Matches(value) => Ok(Collection::Value(value)),
            TryMatchToken::Fails(token) => match token.expect_range() {
                TryMatchToken::Matches((start, stop)) => Ok(Collection::Range(start, stop)),
                TryMatchToken::Fails(token) => token.raise_error().into_err(),
            },
        }
    }

    /// The items, as standard Liquid sees them: an array's elements, a hash's
    /// `[key, value]` pairs, a non-empty string once, anything else nothing.
    pub(crate) fn items<'r>(&'r self, runtime: &'r dyn Runtime) -> Result<Vec<ValueCow<'r>>> {
        match self {
            Collection::Range(start, stop) => {
                let start = integer(start, runtime, "range start")?;
                let stop = integer(stop, runtime, "range end")?;
                // Every iteration is a step: a range longer than the steps left
                // is refused before its items are built.
                let len = stop.saturating_sub(start).saturating_add(1).max(0);
                crate::budget::reserve_steps(len as u64)?;
                crate::budget::reserve(
                    (len as usize).saturating_mul(std::mem::size_of::<ValueCow>()),
                )?;
                Ok((start..=stop)
                    .map(|i| ValueCow::Owned(Value::scalar(i)))
                    .collect())
            }
            Collection::Value(expr) => {
                let value = expr.evaluate(runtime)?;
                let items = match value {
                    ValueCow::Borrowed(v) => borrowed_items(v),
                    ValueCow::Owned(v) => owned_items(v),
                };
                Ok(items)
            }
        }
    }

    pub(crate) fn source(&self) -> String {
        match self {
            Collection::Value(v) => v.to_string(),
            Collection::Range(a, b) => format!("({a}..{b})"),
        }
    }
}

fn borrowed_items(value: &dyn ValueView) -> Vec<ValueCow<'_>> {
    if let Some(array) = value.as_array() {
        array.values().map(ValueCow::Borrowed).collect()
    } else if let Some(object) = value.as_object() {
        // Insertion order for the scenario's hashes, sorted keys for the crate's.
        crate::ordered::pairs(object)
            .into_iter()
            .map(|(k, v)| {
                ValueCow::Owned(Value::Array(vec![
                    Value::scalar(k.into_owned()),
                    v.to_value(),
                ]))
            })
            .collect()
    } else if value.type_name() == "string" && !value.to_kstr().is_empty() {
        // A string is iterated once; numbers and booleans not at all (Ruby's `each`).
        vec![ValueCow::Borrowed(value)]
    } else {
        Vec::new()
    }
}

fn owned_items(value: Value) -> Vec<ValueCow<'static>> {
    match value {
        Value::Array(items) => items.into_iter().map(ValueCow::Owned).collect(),
        Value::Object(object) => {
            // The crate's hash maps have a random order: sort for a stable one.
            let mut pairs: Vec<_> = object.into_iter().collect();
            pairs.sort_by(|a, b| a.0.cmp(&b.0));
            pairs
                .into_iter()
                .map(|(k, v)| ValueCow::Owned(Value::Array(vec![Value::scalar(k), v])))
                .collect()
        }
        Value::Scalar(s) if s.type_name() == "string" && !s.to_kstr().is_empty() => {
            vec![ValueCow::Owned(Value::Scalar(s))]
        }
        _ => Vec::new(),
    }
}

fn integer(expr: &Expression, runtime: &dyn Runtime, what: &str) -> Result<i64> {
    let value = expr.evaluate(runtime)?;
    if value.is_nil() {
        return Ok(0);
    }
    let scalar = value.as_scalar();
    scalar
        .as_ref()
        .and_then(|s| {
            s.to_integer()
                .or_else(|| s.to_float().map(|f| f as i64))
                .or_else(|| s.to_kstr().trim().parse::<i64>().ok())
        })
        .ok_or_else(|| {
            Error::with_msg(format!("{what} must be a whole number"))
                .context("got", value.source().to_string())
        })
}

/// `limit: n` / `offset: n`.
pub(crate) fn parse_attr(arguments: &mut TagTokenIter<'_>) -> Result<Expression> {
    arguments
        .expect_next("\":\" expected.")?
        .expect_str(":")
        .into_result_custom_msg("\":\" expected.")?;
    arguments
        .expect_next("Value expected.")?
        .expect_value()
        .into_result()
}

/// `offset: n`, or `offset: continue` (where the previous loop of the same name stopped).
#[derive(Debug)]
enum Offset {
    None,
    Value(Expression),
    Continue,
}

fn parse_offset(arguments: &mut TagTokenIter<'_>) -> Result<Offset> {
    arguments
        .expect_next("\":\" expected.")?
        .expect_str(":")
        .into_result_custom_msg("\":\" expected.")?;
    let token = arguments.expect_next("Value expected.")?;
    if token.as_str() == "continue" {
        return Ok(Offset::Continue);
    }
    Ok(Offset::Value(token.expect_value().into_result()?))
}

/// Where each named loop stopped, for `offset: continue` (the reference's `registers[:for]`).
#[derive(Debug, Default)]
struct LoopOffsets {
    by_name: std::collections::HashMap<KString, i64>,
}

fn forloop(name: Value, index: usize, length: usize, parent: Option<Value>) -> Value {
    let (i, len) = (index as i64, length as i64);
    let mut object = Object::new();
    object.insert("name".into(), name);
    object.insert("length".into(), Value::scalar(len));
    object.insert("index".into(), Value::scalar(i + 1));
    object.insert("index0".into(), Value::scalar(i));
    object.insert("rindex".into(), Value::scalar(len - i));
    object.insert("rindex0".into(), Value::scalar(len - i - 1));
    object.insert("first".into(), Value::scalar(i == 0));
    object.insert("last".into(), Value::scalar(i == len - 1));
    object.insert("parentloop".into(), parent.unwrap_or(Value::Nil));
    Value::Object(object)
}

/// `item in` at the start of `for` and `tablerow`: the loop variable's name.
pub(crate) fn parse_loop_variable(arguments: &mut TagTokenIter<'_>) -> Result<String> {
    let name = arguments
        .expect_next("Identifier expected.")?
        .expect_identifier()
        .into_result()?
        .to_owned();
    arguments
        .expect_next("\"in\" expected.")?
        .expect_str("in")
        .into_result_custom_msg("\"in\" expected.")?;
    Ok(name)
}

/// `{% for item in collection limit: n offset: n reversed %}…{% else %}…{% endfor %}`
#[derive(Copy, Clone, Debug, Default)]
pub struct ForBlock;

impl BlockReflection for ForBlock {
    fn start_tag(&self) -> &str {
        "for"
    }
    fn end_tag(&self) -> &str {
        "endfor"
    }
    fn description(&self) -> &str {
        "repeat a block for every item of an array, hash or range"
    }
}

impl ParseBlock for ForBlock {
    fn parse(
        &self,
        mut arguments: TagTokenIter<'_>,
        mut tokens: TagBlock<'_, '_>,
        options: &Language,
    ) -> Result<Box<dyn Renderable>> {
        let var_name = parse_loop_variable(&mut arguments)?;
        let collection_token = arguments.expect_next("Array or range expected.")?;
        // The loop's name, `forloop.name` and the key of `offset: continue`:
        // `item-collection`, the collection as written.
        let name = format!(
            "{var_name}-{}",
            crate::preprocess::as_written(collection_token.as_str())
        );
        let collection = Collection::from_token(collection_token)?;

        let (mut limit, mut offset, mut reversed) = (None, Offset::None, false);
        let mut first = true;
        while let Some(token) = arguments.next() {
            match token.as_str() {
                "limit" => limit = Some(parse_attr(&mut arguments)?),
                "offset" => offset = parse_offset(&mut arguments)?,
                // As in the reference, `reversed` counts only right after the
                // collection; after `limit:`/`offset:` it is ignored.
                "reversed" => reversed |= first,
                _ => {
                    return token
                        .raise_custom_error("\"limit\", \"offset\" or \"reversed\" expected.")
                        .into_err();
                }
            }
            first = false;
        }
        arguments.expect_nothing()?;

        let (nodes, mut blank, stop) = body::parse(&mut tokens, options, &["else"])?;
        let mut else_nodes = None;
        if stop.is_some() {
            let (nodes, else_blank, _) = body::parse(&mut tokens, options, &[])?;
            blank &= else_blank;
            else_nodes = Some(nodes);
        }
        tokens.assert_empty();
        body::report_blank(blank);
        let body = body::finish(nodes, blank);
        let otherwise = else_nodes.map(|n| body::finish(n, blank));

        Ok(Box::new(For {
            var_name: KString::from(var_name),
            name: KString::from(name),
            collection,
            body,
            otherwise,
            limit,
            offset,
            reversed,
        }))
    }

    fn reflection(&self) -> &dyn BlockReflection {
        self
    }
}

#[derive(Debug)]
struct For {
    var_name: KString,
    /// `item-collection`, as the reference names loops.
    name: KString,
    collection: Collection,
    body: Template,
    otherwise: Option<Template>,
    limit: Option<Expression>,
    offset: Offset,
    reversed: bool,
}

impl For {
    fn trace(&self) -> String {
        let mut text = format!("{{% for {} in {}", self.var_name, self.collection.source());
        if let Some(limit) = &self.limit {
            text.push_str(&format!(" limit:{limit}"));
        }
        match &self.offset {
            Offset::Value(offset) => text.push_str(&format!(" offset:{offset}")),
            Offset::Continue => text.push_str(" offset:continue"),
            Offset::None => {}
        }
        if self.reversed {
            text.push_str(" reversed");
        }
        text.push_str(" %}");
        text
    }
}

/// `limit: n`: none when absent or nil, as in the reference.
fn limit(expr: &Option<Expression>, runtime: &dyn Runtime) -> Result<Option<i64>> {
    match expr {
        Some(expr) if !expr.evaluate(runtime)?.is_nil() => {
            Ok(Some(integer(expr, runtime, "limit")?))
        }
        _ => Ok(None),
    }
}

impl Renderable for For {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        // The reference's `collection_segment`: items `from <= i < from + limit`.
        let from = match &self.offset {
            Offset::None => 0,
            Offset::Value(expr) => integer(expr, runtime, "offset")?,
            Offset::Continue => runtime
                .registers()
                .get_mut::<LoopOffsets>()
                .by_name
                .get(&self.name)
                .copied()
                .unwrap_or(0),
        };
        let mut items = self
            .collection
            .items(runtime)
            .trace_with(|| self.trace().into())?;
        let to = limit(&self.limit, runtime)?.map(|l| l.saturating_add(from));
        let len = items.len() as i64;
        let end = to.map_or(len, |t| t.clamp(0, len)) as usize;
        let start = (from.clamp(0, len) as usize).min(end);
        items.truncate(end);
        items.drain(..start);
        if self.reversed {
            items.reverse();
        }
        runtime
            .registers()
            .get_mut::<LoopOffsets>()
            .by_name
            .insert(self.name.clone(), from.saturating_add(items.len() as i64));

        if items.is_empty() {
            if let Some(otherwise) = &self.otherwise {
                otherwise
                    .render_to(writer, runtime)
                    .trace_with(|| self.trace().into())?;
            }
            return Ok(());
        }

        let parent = runtime
            .try_get(&[liquid_core::model::ScalarCow::new("forloop")])
            .filter(|v| !v.is_nil())
            .map(|v| v.to_value());
        let length = items.len();
        for (i, item) in items.into_iter().enumerate() {
            crate::budget::step().trace_with(|| self.trace().into())?;
            let mut frame = Frame::new(runtime);
            frame.set(
                "forloop",
                ValueCow::Owned(forloop(
                    Value::scalar(self.name.clone()),
                    i,
                    length,
                    parent.clone(),
                )),
            );
            frame.set(self.var_name.clone(), item);
            self.body
                .render_to(writer, &frame)
                .trace_with(|| self.trace().into())
                .context_key("index")
                .value_with(|| (i + 1).to_string().into())?;
            let interrupt = frame.registers().get_mut::<InterruptRegister>().reset();
            if let Some(Interrupt::Break) = interrupt {
                break;
            }
        }
        Ok(())
    }
}

/// Named arguments `name: value, …` after a partial's name.
fn parse_named_args(arguments: &mut TagTokenIter<'_>) -> Result<Vec<(KString, Expression)>> {
    let mut vars = Vec::new();
    let mut token = arguments.next();
    while let Some(t) = token {
        if t.as_str() == "," {
            token = arguments.next();
            continue;
        }
        let name = t.expect_identifier().into_result()?.to_owned();
        arguments
            .expect_next("\":\" expected.")?
            .expect_str(":")
            .into_result_custom_msg("expected \":\" after the argument's name")?;
        let value = arguments
            .expect_next("expected value")?
            .expect_value()
            .into_result()?;
        vars.push((KString::from(name), value));
        token = arguments.next();
    }
    Ok(vars)
}

/// `with value [as name]` / `for collection [as name]`.
#[derive(Debug)]
enum Binding {
    None,
    With(Expression, Option<KString>),
    For(Collection, Option<KString>),
}

fn parse_partial_call(arguments: &mut TagTokenIter<'_>) -> Result<PartialCall> {
    let name = arguments
        .expect_next("Partial name expected.")?
        .expect_value()
        .into_result()?;
    let mut binding = Binding::None;
    let mut rest = Vec::new();
    // Peek at the next token: `with`, `for`, or the named arguments.
    if let Some(token) = arguments.next() {
        match token.as_str() {
            "with" | "for" => {
                let keyword = token.as_str().to_owned();
                let target = if keyword == "with" {
                    Collection::Value(
                        arguments
                            .expect_next("Value expected.")?
                            .expect_value()
                            .into_result()?,
                    )
                } else {
                    Collection::parse(arguments)?
                };
                let mut alias = None;
                let mut after = arguments.next();
                if let Some(t) = &after
                    && t.as_str() == "as"
                {
                    alias = Some(KString::from(
                        arguments
                            .expect_next("Identifier expected after \"as\".")?
                            .expect_identifier()
                            .into_result()?
                            .to_owned(),
                    ));
                    after = arguments.next();
                }
                binding = match (keyword.as_str(), target) {
                    ("with", Collection::Value(v)) => Binding::With(v, alias),
                    (_, target) => Binding::For(target, alias),
                };
                if let Some(t) = after {
                    t.expect_str(",")
                        .into_result_custom_msg("`,` is needed before named arguments")?;
                }
                rest = parse_named_args(arguments)?;
            }
            "," => rest = parse_named_args(arguments)?,
            _ => {
                return token
                    .raise_custom_error(
                        "expected \",\", \"with\" or \"for\" after the partial name",
                    )
                    .into_err();
            }
        }
    }
    arguments.expect_nothing()?;
    Ok(PartialCall {
        name,
        binding,
        vars: rest,
    })
}

#[derive(Debug)]
struct PartialCall {
    name: Expression,
    binding: Binding,
    vars: Vec<(KString, Expression)>,
}

impl PartialCall {
    fn partial_name(&self, runtime: &dyn Runtime) -> Result<String> {
        let value = self.name.evaluate(runtime)?;
        if !value.is_scalar() {
            return Error::with_msg("a partial's name must be a string")
                .context("partial", value.source().to_string())
                .into_err();
        }
        Ok(value.to_kstr().into_owned().to_string())
    }

    /// The variable the bound value gets: `as name`, or the partial's own name.
    fn alias<'a>(alias: &'a Option<KString>, partial: &'a str) -> KString {
        match alias {
            Some(a) => a.clone(),
            None => {
                let base = partial.rsplit('/').next().unwrap_or(partial);
                KString::from(base.trim_end_matches(".liquid").to_owned())
            }
        }
    }

    fn render(
        &self,
        tag: &str,
        isolated: bool,
        writer: &mut dyn Write,
        runtime: &dyn Runtime,
    ) -> Result<()> {
        let name = self.partial_name(runtime)?;
        let trace = || format!("{{% {tag} {} %}}", self.name);
        let partial = runtime
            .partials()
            .get(&name)
            .trace_with(|| trace().into())?;

        {
            let mut stack = runtime.registers().get_mut::<PartialStack>();
            if stack.names.len() >= MAX_PARTIAL_DEPTH {
                return Error::with_msg(cycle_message(&stack.names, &name))
                    .trace(trace())
                    .into_err();
            }
            stack.names.push(name.clone());
        }

        let result = self.render_partial(&name, &*partial, isolated, writer, runtime);
        runtime.registers().get_mut::<PartialStack>().names.pop();
        if result.is_err() {
            let mut origin = runtime.registers().get_mut::<ErrorOrigin>();
            if origin.partial.is_none() {
                origin.partial = Some(name.clone());
            }
        }
        result.trace_with(|| trace().into())
    }

    fn render_partial(
        &self,
        name: &str,
        partial: &dyn Renderable,
        isolated: bool,
        writer: &mut dyn Write,
        runtime: &dyn Runtime,
    ) -> Result<()> {
        let new_frame = || {
            if isolated {
                Frame::isolated(runtime)
            } else {
                Frame::new(runtime)
            }
        };
        let mut args = Vec::with_capacity(self.vars.len());
        for (key, expr) in &self.vars {
            args.push((key.clone(), expr.evaluate(runtime)?));
        }
        match &self.binding {
            Binding::For(collection, alias) => {
                let items = collection.items(runtime)?;
                let length = items.len();
                let var = Self::alias(alias, name);
                for (i, item) in items.into_iter().enumerate() {
                    crate::budget::step()?;
                    let mut frame = new_frame();
                    for (k, v) in &args {
                        frame.set(k.clone(), ValueCow::Owned(v.to_value()));
                    }
                    if isolated {
                        // `render … for` names its loop after the partial;
                        // `include … for` has no `forloop` of its own.
                        let name = Value::scalar(name.to_owned());
                        frame.set("forloop", ValueCow::Owned(forloop(name, i, length, None)));
                    }
                    frame.set(var.clone(), item);
                    partial.render_to(writer, &frame)?;
                }
                Ok(())
            }
            binding => {
                let mut frame = new_frame();
                if let Binding::With(expr, alias) = binding {
                    let value = expr.evaluate(runtime)?;
                    frame.set(Self::alias(alias, name), value);
                }
                for (k, v) in args {
                    frame.set(k, v);
                }
                partial.render_to(writer, &frame)?;
                // A `break` inside an included partial must not leak out.
                frame.registers().get_mut::<InterruptRegister>().reset();
                Ok(())
            }
        }
    }
}

/// "include cycle: a → b → a" when the stack repeats, else the depth.
fn cycle_message(stack: &[String], next: &str) -> String {
    let mut names: Vec<&str> = stack.iter().map(String::as_str).collect();
    names.push(next);
    for (i, name) in names.iter().enumerate() {
        if let Some(j) = names[i + 1..].iter().position(|n| n == name) {
            let cycle = names[i..=i + 1 + j].join(" → ");
            return format!(
                "include cycle: {cycle} (partials nested more than {MAX_PARTIAL_DEPTH} deep)"
            );
        }
    }
    format!("partials nested more than {MAX_PARTIAL_DEPTH} deep")
}

/// `{% include 'name' [with value | for collection] [as name], key: value… %}`:
/// the partial sees the caller's variables.
#[derive(Copy, Clone, Debug, Default)]
pub struct IncludeTag;

impl TagReflection for IncludeTag {
    fn tag(&self) -> &str {
        "include"
    }
    fn description(&self) -> &str {
        "insert a partial that sees the caller's variables"
    }
}

impl ParseTag for IncludeTag {
    fn parse(&self, mut arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        Ok(Box::new(Include(parse_partial_call(&mut arguments)?)))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Include(PartialCall);

impl Renderable for Include {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        self.0.render("include", false, writer, runtime)
    }
}

/// `{% render 'name' [with value | for collection] [as name], key: value… %}`:
/// the partial sees only what it is given.
#[derive(Copy, Clone, Debug, Default)]
pub struct RenderTag;

impl TagReflection for RenderTag {
    fn tag(&self) -> &str {
        "render"
    }
    fn description(&self) -> &str {
        "insert a partial in its own scope"
    }
}

impl ParseTag for RenderTag {
    fn parse(&self, mut arguments: TagTokenIter<'_>, _: &Language) -> Result<Box<dyn Renderable>> {
        Ok(Box::new(Render(parse_partial_call(&mut arguments)?)))
    }
    fn reflection(&self) -> &dyn TagReflection {
        self
    }
}

#[derive(Debug)]
struct Render(PartialCall);

impl Renderable for Render {
    fn render_to(&self, writer: &mut dyn Write, runtime: &dyn Runtime) -> Result<()> {
        self.0.render("render", true, writer, runtime)
    }
}
