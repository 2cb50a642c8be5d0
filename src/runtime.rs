//! The runtime that gives templates Auth0's semantics: an undefined variable or
//! key is `nil` everywhere (output, conditions, loops, filters), and every such
//! access is recorded so that it can be reported as a warning.
//!
//! The `liquid` crate's own runtime is strict: any lookup of a missing name
//! fails with "Unknown variable". We replace the root of the runtime stack
//! ([`Root`]) and every stack frame that our own tags push ([`Frame`]); the
//! tags that push frames (`for`, `include`, `render`) are ours too (see
//! [`crate::tags`]), so no lookup ever reaches a strict frame.

use std::cell::RefCell;
use std::collections::BTreeSet;

use liquid_core::error::Result;
use liquid_core::model::{
    KString, KStringCow, KStringRef, ObjectView, ScalarCow, Value, ValueCow, ValueView,
};
use liquid_core::runtime::{PartialStore, Registers, Runtime};

/// Undefined accesses recorded during one render, in the order they happened.
#[derive(Debug, Default)]
pub struct UndefinedLog {
    seen: BTreeSet<String>,
    pub paths: Vec<String>,
}

impl UndefinedLog {
    fn record(&mut self, path: &[ScalarCow<'_>]) {
        let text = path_to_string(path);
        if self.seen.insert(text.clone()) {
            self.paths.push(text);
        }
    }
}

pub use crate::budget::Limits;

/// Name of the partial being rendered when an error was raised (innermost first).
#[derive(Debug, Default)]
pub struct ErrorOrigin {
    pub partial: Option<String>,
}

/// Partials currently being rendered, outermost first (cycle detection).
#[derive(Debug, Default)]
pub struct PartialStack {
    pub names: Vec<String>,
}

/// Render `path` as a person would write it: `userData.email`, `errors[1].code`.
pub fn path_to_string(path: &[ScalarCow<'_>]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        match segment.to_integer() {
            Some(n) if i > 0 && segment.to_kstr().parse::<i64>().is_ok() => {
                out.push_str(&format!("[{n}]"))
            }
            _ => {
                if i > 0 {
                    out.push('.');
                }
                out.push_str(segment.to_kstr().as_str());
            }
        }
    }
    out
}

pub(crate) enum Step<'a> {
    Borrowed(&'a dyn ValueView),
    Owned(Value),
}

/// One step of a lookup, with Liquid's extra indexes (`first`, `last`, `size`).
pub(crate) fn step<'a>(value: &'a dyn ValueView, index: &ScalarCow<'_>) -> Option<Step<'a>> {
    if let Some(array) = value.as_array() {
        if let Some(i) = index.to_integer() {
            return array.get(i).map(Step::Borrowed);
        }
        return match index.to_kstr().as_str() {
            "first" => array.first().map(Step::Borrowed),
            "last" => array.last().map(Step::Borrowed),
            "size" => Some(Step::Owned(Value::scalar(array.size()))),
            _ => None,
        };
    }
    if let Some(object) = value.as_object() {
        let key = index.to_kstr();
        return match object.get(key.as_str()) {
            Some(v) => Some(Step::Borrowed(v)),
            None if key.as_str() == "size" => Some(Step::Owned(Value::scalar(object.size()))),
            // Ruby's `Hash#first`; a hash has no `last`.
            None if key.as_str() == "first" => crate::ordered::first_pair(object).map(Step::Owned),
            None => None,
        };
    }
    if let Some(scalar) = value.as_scalar()
        && index.to_kstr().as_str() == "size"
        && scalar.to_integer().is_none()
    {
        let len = scalar.to_kstr().as_str().chars().count() as i64;
        return Some(Step::Owned(Value::scalar(len)));
    }
    None
}

/// Follow `path` from `value`; `None` when some segment does not exist.
pub fn lookup<'a>(value: &'a dyn ValueView, path: &[ScalarCow<'_>]) -> Option<ValueCow<'a>> {
    let mut current = value;
    for (i, index) in path.iter().enumerate() {
        match step(current, index)? {
            Step::Borrowed(next) => current = next,
            Step::Owned(owned) => {
                let rest = &path[i + 1..];
                return lookup(&owned, rest).map(|v| ValueCow::Owned(v.into_owned()));
            }
        }
    }
    Some(ValueCow::Borrowed(current))
}

/// A path as the template meant it: `__mfa_name["ok?"].x` is `ok?.x` (see
/// [`crate::preprocess::NAME_MARKER`]).
fn unmarked<'p, 's>(path: &'p [ScalarCow<'s>]) -> &'p [ScalarCow<'s>] {
    match path {
        [marker, rest @ ..]
            if !rest.is_empty() && marker.to_kstr().as_str() == crate::preprocess::NAME_MARKER =>
        {
            rest
        }
        _ => path,
    }
}

fn undefined<'a>(runtime: &dyn Runtime, path: &[ScalarCow<'_>]) -> ValueCow<'a> {
    runtime.registers().get_mut::<UndefinedLog>().record(path);
    ValueCow::Owned(Value::Nil)
}

/// Variables a template sets (`assign`, `capture`, counters): few names,
/// found by a scan rather than by hashing.
#[derive(Debug, Default)]
struct Globals(Vec<(KString, Value)>);

impl Globals {
    fn get(&self, name: &str) -> Option<&Value> {
        self.0
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }

    fn insert(&mut self, name: KString, value: Value) -> Option<Value> {
        match self.0.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => Some(std::mem::replace(&mut slot.1, value)),
            None => {
                self.0.push((name, value));
                None
            }
        }
    }

    fn keys(&self) -> impl Iterator<Item = &KString> {
        self.0.iter().map(|(k, _)| k)
    }
}

/// The bottom of the runtime stack: the scenario's context plus the template's
/// own globals (`assign`, `capture`) and counters (`increment`, `decrement`).
pub struct Root<'g> {
    context: &'g dyn ObjectView,
    assigned: RefCell<Globals>,
    indexes: RefCell<Globals>,
    partials: &'g dyn PartialStore,
    registers: Registers,
    budget: crate::budget::Scope,
}

impl<'g> Root<'g> {
    pub fn new(
        context: &'g dyn ObjectView,
        partials: &'g dyn PartialStore,
        limits: Limits,
        cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    ) -> Self {
        Root {
            context,
            assigned: RefCell::default(),
            indexes: RefCell::default(),
            partials,
            registers: Registers::default(),
            budget: crate::budget::enter(limits, cancel),
        }
    }

    /// The render's budget: which one ran out, and where the error arose.
    pub fn budget(&self) -> &crate::budget::Scope {
        &self.budget
    }

    /// Undefined accesses recorded so far.
    pub fn take_undefined(&self) -> Vec<String> {
        std::mem::take(&mut self.registers.get_mut::<UndefinedLog>().paths)
    }

    /// The partial an error came from, if any.
    pub fn error_origin(&self) -> Option<String> {
        self.registers.get_mut::<ErrorOrigin>().partial.take()
    }

    fn find(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        let key = path.first()?.to_kstr();
        // `assign`ed globals, then `increment`/`decrement` counters, hide the context's values.
        for globals in [&self.assigned, &self.indexes] {
            let globals = globals.borrow();
            if let Some(value) = globals.get(key.as_str()) {
                return lookup(value, &path[1..]).map(|v| ValueCow::Owned(v.into_owned()));
            }
        }
        lookup(self.context.get(key.as_str())?, &path[1..])
    }
}

impl Runtime for Root<'_> {
    fn partials(&self) -> &dyn PartialStore {
        self.partials
    }

    fn name(&self) -> Option<KStringRef<'_>> {
        None
    }

    fn roots(&self) -> BTreeSet<KStringCow<'_>> {
        let mut roots: BTreeSet<KStringCow<'_>> = self.context.keys().collect();
        roots.extend(
            self.assigned
                .borrow()
                .keys()
                .map(|k| KStringCow::from(k.clone())),
        );
        roots
    }

    /// Used by bare existence tests (`{% if x %}`): a miss is nil, and not worth a warning.
    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        let path = unmarked(path);
        Some(self.find(path).unwrap_or(ValueCow::Owned(Value::Nil)))
    }

    fn get(&self, path: &[ScalarCow<'_>]) -> Result<ValueCow<'_>> {
        let path = unmarked(path);
        Ok(self.find(path).unwrap_or_else(|| undefined(self, path)))
    }

    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        self.assigned.borrow_mut().insert(name, val)
    }

    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        self.indexes.borrow_mut().insert(name, val)
    }

    /// A counter starts from the context's value of the same name, as in the reference.
    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        self.indexes
            .borrow()
            .get(name)
            .map(|v| ValueCow::Owned(v.to_value()))
            .or_else(|| self.context.get(name).map(ValueCow::Borrowed))
    }

    fn registers(&self) -> &Registers {
        &self.registers
    }
}

/// A scope pushed by a tag: loop variables, partial arguments.
///
/// A plain frame falls through to its parent for names it does not hold; an
/// isolated frame (`render`) sees only its own names and keeps its own globals,
/// as a `render`ed partial does in standard Liquid.
pub struct Frame<'p> {
    parent: &'p dyn Runtime,
    /// A frame holds a few names (a loop's variable and `forloop`, a partial's
    /// arguments): a scan finds them faster than hashing.
    data: Vec<(KString, ValueCow<'p>)>,
    isolated: Option<RefCell<Globals>>,
}

impl<'p> Frame<'p> {
    pub fn new(parent: &'p dyn Runtime) -> Self {
        Frame {
            parent,
            data: Vec::new(),
            isolated: None,
        }
    }

    pub fn isolated(parent: &'p dyn Runtime) -> Self {
        Frame {
            parent,
            data: Vec::new(),
            isolated: Some(RefCell::default()),
        }
    }

    pub fn set(&mut self, name: impl Into<KString>, value: ValueCow<'p>) {
        let name = name.into();
        match self.data.iter_mut().find(|(k, _)| *k == name) {
            Some(slot) => slot.1 = value,
            None => self.data.push((name, value)),
        }
    }

    fn get_own(&self, name: &str) -> Option<&ValueCow<'p>> {
        self.data
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }

    fn find(&self, path: &[ScalarCow<'_>]) -> Option<Option<ValueCow<'_>>> {
        let key = path.first()?.to_kstr();
        if let Some(globals) = &self.isolated
            && let Some(value) = globals.borrow().get(key.as_str())
        {
            let found = lookup(value, &path[1..]);
            return Some(found.map(|v| ValueCow::Owned(v.into_owned())));
        }
        let value = self.get_own(key.as_str())?;
        Some(lookup(value.as_view(), &path[1..]))
    }
}

impl Runtime for Frame<'_> {
    fn partials(&self) -> &dyn PartialStore {
        self.parent.partials()
    }

    fn name(&self) -> Option<KStringRef<'_>> {
        self.parent.name()
    }

    fn roots(&self) -> BTreeSet<KStringCow<'_>> {
        let mut roots = if self.isolated.is_some() {
            BTreeSet::new()
        } else {
            self.parent.roots()
        };
        roots.extend(self.data.iter().map(|(k, _)| KStringCow::from(k.as_ref())));
        roots
    }

    fn try_get(&self, path: &[ScalarCow<'_>]) -> Option<ValueCow<'_>> {
        let path = unmarked(path);
        match self.find(path) {
            Some(found) => Some(found.unwrap_or(ValueCow::Owned(Value::Nil))),
            None if self.isolated.is_some() => Some(ValueCow::Owned(Value::Nil)),
            None => self.parent.try_get(path),
        }
    }

    fn get(&self, path: &[ScalarCow<'_>]) -> Result<ValueCow<'_>> {
        let path = unmarked(path);
        match self.find(path) {
            Some(Some(value)) => Ok(value),
            Some(None) => Ok(undefined(self, path)),
            None if self.isolated.is_some() => Ok(undefined(self, path)),
            None => self.parent.get(path),
        }
    }

    fn set_global(&self, name: KString, val: Value) -> Option<Value> {
        match &self.isolated {
            Some(globals) => globals.borrow_mut().insert(name, val),
            None => self.parent.set_global(name, val),
        }
    }

    /// A `render`ed partial counts with counters of its own, as in the reference.
    fn set_index(&self, name: KString, val: Value) -> Option<Value> {
        match &self.isolated {
            Some(globals) => globals.borrow_mut().insert(name, val),
            None => self.parent.set_index(name, val),
        }
    }

    fn get_index<'a>(&'a self, name: &str) -> Option<ValueCow<'a>> {
        match &self.isolated {
            Some(globals) => globals
                .borrow()
                .get(name)
                .map(|v| ValueCow::Owned(v.to_value())),
            None => self.parent.get_index(name),
        }
    }

    fn registers(&self) -> &Registers {
        self.parent.registers()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use liquid_core::model::Scalar;

    fn path(parts: &[&str]) -> Vec<ScalarCow<'static>> {
        parts
            .iter()
            .map(|p| match p.parse::<i64>() {
                Ok(n) => ScalarCow::new(n),
                Err(_) => ScalarCow::new(Scalar::new(p.to_string())),
            })
            .collect()
    }

    #[test]
    fn path_is_written_as_in_a_template() {
        assert_eq!(
            path_to_string(&path(&["errors", "1", "code"])),
            "errors[1].code"
        );
        assert_eq!(
            path_to_string(&path(&["userData", "email"])),
            "userData.email"
        );
    }

    #[test]
    fn lookup_follows_liquid_indexes() {
        let value = Value::Object(liquid_core::object!({
            "list": [1, 2, 3],
            "name": "héllo",
        }));
        let got = |p: &[&str]| lookup(&value, &path(p)).map(|v| v.to_value());
        assert_eq!(got(&["list", "first"]), Some(Value::scalar(1)));
        assert_eq!(got(&["list", "last"]), Some(Value::scalar(3)));
        assert_eq!(got(&["list", "-1"]), Some(Value::scalar(3)));
        assert_eq!(got(&["list", "size"]), Some(Value::scalar(3)));
        assert_eq!(got(&["name", "size"]), Some(Value::scalar(5)));
        assert_eq!(got(&["name", "missing"]), None);
        assert_eq!(got(&["missing"]), None);
    }
}
