//! A variable's path followed through a value, with Liquid's extra indexes
//! (`first`, `last`, `size`), as the reference engine follows it.

use liquid_core::model::{ScalarCow, Value, ValueCow, ValueView};

/// One step: a value inside the one stepped from, or a new one (`size`).
pub enum Step<'a> {
    Borrowed(&'a dyn ValueView),
    Owned(Value),
}

/// One step of a lookup, with Liquid's extra indexes (`first`, `last`, `size`).
pub fn step<'a>(value: &'a dyn ValueView, index: &ScalarCow<'_>) -> Option<Step<'a>> {
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
        && value.type_name() == "string"
    {
        let text = scalar.to_kstr();
        match index.to_kstr().as_str() {
            "size" => {
                let len = text.as_str().chars().count() as i64;
                return Some(Step::Owned(Value::scalar(len)));
            }
            // Current Shopify Liquid: a string's first and last character ("" when empty).
            "first" => {
                let c = text
                    .as_str()
                    .chars()
                    .next()
                    .map(String::from)
                    .unwrap_or_default();
                return Some(Step::Owned(Value::scalar(c)));
            }
            "last" => {
                let c = text
                    .as_str()
                    .chars()
                    .next_back()
                    .map(String::from)
                    .unwrap_or_default();
                return Some(Step::Owned(Value::scalar(c)));
            }
            _ => {}
        }
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
