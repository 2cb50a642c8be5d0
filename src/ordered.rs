//! Scenario data in the renderer's model, keeping JSON's key order.
//!
//! Standard Liquid iterates a hash in insertion order (`{% for pair in hash %}`,
//! `{{ hash }}`, `hash | first`, `hash.first`). The `liquid` crate's `Object`
//! is a hash map and forgets that order, so the scenario's context is handed
//! to the renderer as [`OrderedObject`]s instead: our own values that
//! implement the crate's views (`ValueView`, `ObjectView`, `ArrayView`) and
//! iterate in the order of the JSON file (serde_json's `preserve_order`).
//!
//! The order lives as long as the renderer reads the scenario's values in
//! place: lookups, loop variables, partial arguments and filter inputs all
//! borrow them. A value that is copied into the crate's model — the result of
//! a filter, a value stored by `assign` or `capture` — becomes a crate
//! `Object` again; code that iterates a hash goes through [`pairs`], which
//! keeps the order of an [`OrderedObject`] and sorts the keys of any other
//! hash, so that output never depends on a hash map's random order.

use std::collections::HashMap;
use std::fmt;

use liquid_core::model::{
    ArrayView, DisplayCow, KString, KStringCow, Object, ObjectRender, ObjectSource, ObjectView,
    ScalarCow, State, Value, ValueView,
};
use serde_json::Value as Json;

/// A value of the scenario: a scalar or nil as the crate has it, or an
/// array or hash that keeps its order.
#[derive(Debug, Clone, PartialEq)]
pub enum OrderedValue {
    Plain(Value),
    Array(Vec<OrderedValue>),
    Object(OrderedObject),
}

/// A hash that iterates in insertion order.
///
/// Scenario hashes are small: a key is found by scanning the entries, which
/// is faster than hashing it; a hash with more than [`INDEXED`] keys also
/// keeps a hash index.
#[derive(Debug, Clone, Default)]
pub struct OrderedObject {
    entries: Vec<(KString, OrderedValue)>,
    index: Option<HashMap<KString, usize>>,
}

/// Size from which an [`OrderedObject`] keeps a hash index of its keys.
const INDEXED: usize = 16;

impl PartialEq for OrderedObject {
    fn eq(&self, other: &Self) -> bool {
        self.entries == other.entries
    }
}

/// The type name of an [`OrderedObject`]: "object", as the crate's, but read
/// from this static so that [`is_ordered`] can tell the two apart.
static ORDERED_TYPE_NAME: [u8; 6] = *b"object";

fn ordered_type_name() -> &'static str {
    std::str::from_utf8(&ORDERED_TYPE_NAME).unwrap_or("object")
}

/// Whether `object` is an [`OrderedObject`] (the views give no other way to ask).
pub fn is_ordered(object: &dyn ObjectView) -> bool {
    std::ptr::eq(object.type_name().as_ptr(), ORDERED_TYPE_NAME.as_ptr())
}

/// A hash's key/value pairs in the order standard Liquid visits them:
/// insertion order for an [`OrderedObject`], sorted keys for the crate's own
/// hash maps (whose order is random).
pub fn pairs(object: &dyn ObjectView) -> Vec<(KStringCow<'_>, &dyn ValueView)> {
    let mut pairs: Vec<_> = object.iter().collect();
    if !is_ordered(object) {
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
    }
    pairs
}

/// Ruby's `Hash#first` (`hash | first`, `hash.first`): the first `[key, value]`
/// pair, in the order of [`pairs`].
pub fn first_pair(object: &dyn ObjectView) -> Option<Value> {
    let (key, value) = if is_ordered(object) {
        object.iter().next()?
    } else {
        object.iter().min_by(|a, b| a.0.cmp(&b.0))?
    };
    Some(Value::Array(vec![
        Value::scalar(key.into_owned()),
        value.to_value(),
    ]))
}

impl OrderedObject {
    pub fn new() -> Self {
        OrderedObject::default()
    }

    /// A JSON object, keys in file order. Integers stay integers; other numbers are floats.
    pub fn from_json(map: &serde_json::Map<String, Json>) -> Self {
        let mut object = OrderedObject {
            entries: Vec::with_capacity(map.len()),
            index: None,
        };
        for (k, v) in map {
            object.insert(KString::from_ref(k), OrderedValue::from_json(v));
        }
        object
    }

    /// Set `key`: a new key goes last, an existing one keeps its place.
    pub fn insert(&mut self, key: impl Into<KString>, value: OrderedValue) {
        let key = key.into();
        if let Some(i) = self.position(&key) {
            self.entries[i].1 = value;
            return;
        }
        if let Some(index) = &mut self.index {
            index.insert(key.clone(), self.entries.len());
        }
        self.entries.push((key, value));
        if self.index.is_none() && self.entries.len() > INDEXED {
            let index = self
                .entries
                .iter()
                .enumerate()
                .map(|(i, (k, _))| (k.clone(), i))
                .collect();
            self.index = Some(index);
        }
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(index) => index.get(key).copied(),
            None => self.entries.iter().position(|(k, _)| k.as_str() == key),
        }
    }

    /// The value of `key`.
    pub fn value(&self, key: &str) -> Option<&OrderedValue> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<Value> for OrderedValue {
    fn from(v: Value) -> Self {
        OrderedValue::Plain(v)
    }
}

impl OrderedValue {
    /// A deep copy of any value that keeps the order in which its hashes
    /// iterate (insertion order for an [`OrderedObject`], sorted keys for
    /// the crate's hash maps): what `assign` and filters store.
    pub fn from_view(v: &dyn ValueView) -> Self {
        if let Some(array) = v.as_array() {
            return OrderedValue::Array(array.values().map(OrderedValue::from_view).collect());
        }
        if let Some(object) = v.as_object() {
            let mut out = OrderedObject::new();
            for (k, v) in pairs(object) {
                out.insert(k.into_owned(), OrderedValue::from_view(v));
            }
            return OrderedValue::Object(out);
        }
        OrderedValue::Plain(v.to_value())
    }

    /// A JSON value, objects in file order.
    pub fn from_json(value: &Json) -> Self {
        match value {
            Json::Array(items) => OrderedValue::Array(items.iter().map(Self::from_json).collect()),
            Json::Object(map) => OrderedValue::Object(OrderedObject::from_json(map)),
            other => OrderedValue::Plain(to_liquid(other)),
        }
    }

    fn view(&self) -> &dyn ValueView {
        match self {
            OrderedValue::Plain(v) => v,
            OrderedValue::Array(a) => a,
            OrderedValue::Object(o) => o,
        }
    }
}

impl ValueView for OrderedValue {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn render(&self) -> DisplayCow<'_> {
        self.view().render()
    }
    fn source(&self) -> DisplayCow<'_> {
        self.view().source()
    }
    fn type_name(&self) -> &'static str {
        self.view().type_name()
    }
    fn query_state(&self, state: State) -> bool {
        self.view().query_state(state)
    }
    fn to_kstr(&self) -> KStringCow<'_> {
        self.view().to_kstr()
    }
    fn to_value(&self) -> Value {
        self.view().to_value()
    }
    fn as_scalar(&self) -> Option<ScalarCow<'_>> {
        self.view().as_scalar()
    }
    fn as_array(&self) -> Option<&dyn ArrayView> {
        self.view().as_array()
    }
    fn as_object(&self) -> Option<&dyn ObjectView> {
        self.view().as_object()
    }
    fn as_state(&self) -> Option<State> {
        self.view().as_state()
    }
    fn is_nil(&self) -> bool {
        self.view().is_nil()
    }
}

impl ValueView for OrderedObject {
    fn as_debug(&self) -> &dyn fmt::Debug {
        self
    }
    fn render(&self) -> DisplayCow<'_> {
        DisplayCow::Owned(Box::new(ObjectRender::new(self)))
    }
    fn source(&self) -> DisplayCow<'_> {
        DisplayCow::Owned(Box::new(ObjectSource::new(self)))
    }
    fn type_name(&self) -> &'static str {
        ordered_type_name()
    }
    fn query_state(&self, state: State) -> bool {
        match state {
            State::Truthy => true,
            State::DefaultValue | State::Empty | State::Blank => self.entries.is_empty(),
        }
    }
    fn to_kstr(&self) -> KStringCow<'_> {
        KStringCow::from_string(ObjectRender::new(self).to_string())
    }
    fn to_value(&self) -> Value {
        let mut object = Object::new();
        for (k, v) in &self.entries {
            object.insert(k.clone(), v.to_value());
        }
        Value::Object(object)
    }
    fn as_object(&self) -> Option<&dyn ObjectView> {
        Some(self)
    }
}

impl ObjectView for OrderedObject {
    fn as_value(&self) -> &dyn ValueView {
        self
    }
    fn size(&self) -> i64 {
        self.entries.len() as i64
    }
    fn keys<'k>(&'k self) -> Box<dyn Iterator<Item = KStringCow<'k>> + 'k> {
        Box::new(
            self.entries
                .iter()
                .map(|(k, _)| KStringCow::from(k.as_str())),
        )
    }
    fn values<'k>(&'k self) -> Box<dyn Iterator<Item = &'k dyn ValueView> + 'k> {
        Box::new(self.entries.iter().map(|(_, v)| v as &dyn ValueView))
    }
    fn iter<'k>(&'k self) -> Box<dyn Iterator<Item = (KStringCow<'k>, &'k dyn ValueView)> + 'k> {
        Box::new(
            self.entries
                .iter()
                .map(|(k, v)| (KStringCow::from(k.as_str()), v as &dyn ValueView)),
        )
    }
    fn contains_key(&self, index: &str) -> bool {
        self.position(index).is_some()
    }
    fn get<'s>(&'s self, index: &str) -> Option<&'s dyn ValueView> {
        self.value(index).map(|v| v as &dyn ValueView)
    }
}

/// JSON to the renderer's values. Integers stay integers; other numbers are floats.
pub fn to_liquid(value: &Json) -> Value {
    match value {
        Json::Null => Value::Nil,
        Json::Bool(b) => Value::scalar(*b),
        Json::Number(n) => match n.as_i64() {
            Some(i) => Value::scalar(i),
            None => Value::scalar(n.as_f64().unwrap_or(0.0)),
        },
        Json::String(s) => Value::scalar(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(to_liquid).collect()),
        Json::Object(map) => {
            let mut object = Object::new();
            for (k, v) in map {
                object.insert(k.clone().into(), to_liquid(v));
            }
            Value::Object(object)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ordered(v: Json) -> OrderedObject {
        OrderedObject::from_json(v.as_object().unwrap())
    }

    #[test]
    fn keeps_json_order() {
        let o = ordered(json!({"b": 1, "a": {"z": 1, "y": 2}, "c": [1, "x"]}));
        let keys: Vec<_> = o.keys().map(|k| k.into_owned()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        let inner = o.get("a").unwrap().as_object().unwrap();
        let keys: Vec<_> = pairs(inner)
            .into_iter()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(keys, ["z", "y"]);
        assert_eq!(o.get("c").unwrap().as_array().unwrap().size(), 2);
        assert_eq!(o.get("b").unwrap().to_value(), Value::scalar(1));
    }

    #[test]
    fn large_hashes_are_indexed_and_keep_order() {
        let mut o = OrderedObject::new();
        for i in (0..40).rev() {
            o.insert(format!("k{i}"), OrderedValue::Plain(Value::scalar(i)));
        }
        o.insert("k39", OrderedValue::Plain(Value::scalar(-1)));
        assert_eq!(o.len(), 40);
        assert_eq!(o.get("k39").unwrap().to_value(), Value::scalar(-1));
        assert_eq!(o.get("k0").unwrap().to_value(), Value::scalar(0));
        assert!(!o.contains_key("k40"));
        assert_eq!(o.keys().next().unwrap(), "k39");
    }

    #[test]
    fn tells_ordered_hashes_from_the_crates() {
        let o = ordered(json!({"b": 1, "a": 2}));
        assert!(is_ordered(&o));
        assert_eq!(o.type_name(), "object");
        let plain = o.to_value();
        let plain = plain.as_object().unwrap();
        assert!(!is_ordered(plain));
        // The crate's hash maps come out sorted, never in random order.
        let keys: Vec<_> = pairs(plain)
            .into_iter()
            .map(|(k, _)| k.into_owned())
            .collect();
        assert_eq!(keys, ["a", "b"]);
    }

    #[test]
    fn a_nested_value_is_seen_through_the_views() {
        let o = ordered(json!({"n": null, "s": "x", "e": {}}));
        assert!(o.get("n").unwrap().is_nil());
        assert_eq!(o.get("s").unwrap().to_kstr(), "x");
        assert!(o.get("e").unwrap().query_state(State::Empty));
        assert!(o.get("e").unwrap().as_object().is_some_and(is_ordered));
    }
}
