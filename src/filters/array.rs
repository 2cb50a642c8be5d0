//! Array filters. As in the reference engine, the input is first made a list
//! (an array is flattened, a hash is a list of one, nil is empty, anything
//! else a list of itself), and items are looked up by property where given.

use std::cmp::Ordering;

use liquid_core::model::{Value, ValueView};

use super::{Args, Def, Outcome};
use crate::value::{self, Kind, ruby_to_s};

pub static FILTERS: &[Def] = &[
    Def {
        name: "join",
        description: "join items with a separator",
        min: 0,
        max: 1,
        run: join,
    },
    Def {
        name: "first",
        description: "the first item",
        min: 0,
        max: 0,
        run: first,
    },
    Def {
        name: "last",
        description: "the last item",
        min: 0,
        max: 0,
        run: last,
    },
    Def {
        name: "reverse",
        description: "items in reverse order",
        min: 0,
        max: 0,
        run: reverse,
    },
    Def {
        name: "sort",
        description: "sort items (case-sensitive)",
        min: 0,
        max: 1,
        run: sort,
    },
    Def {
        name: "sort_natural",
        description: "sort items, ignoring case",
        min: 0,
        max: 1,
        run: sort_natural,
    },
    Def {
        name: "uniq",
        description: "remove duplicates",
        min: 0,
        max: 1,
        run: uniq,
    },
    Def {
        name: "compact",
        description: "remove nil items",
        min: 0,
        max: 1,
        run: compact,
    },
    Def {
        name: "map",
        description: "one property of every item",
        min: 1,
        max: 1,
        run: map,
    },
    Def {
        name: "where",
        description: "items whose property equals a value (or is truthy)",
        min: 1,
        max: 2,
        run: where_,
    },
    Def {
        name: "reject",
        description: "items whose property does not equal a value (or is falsy)",
        min: 1,
        max: 2,
        run: reject,
    },
    Def {
        name: "find",
        description: "the first item whose property equals a value",
        min: 1,
        max: 2,
        run: find,
    },
    Def {
        name: "find_index",
        description: "the index of the first item whose property equals a value",
        min: 1,
        max: 2,
        run: find_index,
    },
    Def {
        name: "has",
        description: "whether some item's property equals a value",
        min: 1,
        max: 2,
        run: has,
    },
    Def {
        name: "concat",
        description: "join two arrays",
        min: 1,
        max: 1,
        run: concat,
    },
    Def {
        name: "sum",
        description: "the sum of the items (or of a property)",
        min: 0,
        max: 1,
        run: sum,
    },
];

/// The reference engine's `InputIterator`: the items a filter works on.
pub(crate) fn items(input: &dyn ValueView) -> Vec<Value> {
    fn flatten(v: &dyn ValueView, out: &mut Vec<Value>) {
        match value::kind(v) {
            Kind::Array(a) => a.values().for_each(|item| flatten(item, out)),
            _ => out.push(v.to_value()),
        }
    }
    let mut out = Vec::new();
    match value::kind(input) {
        Kind::Nil | Kind::Empty | Kind::Blank => {}
        Kind::Array(_) => flatten(input, &mut out),
        _ => out.push(input.to_value()),
    }
    out
}

/// `item[property]`: `Ok(None)` when the item has no such key, `Err(())` when
/// the item cannot be indexed at all (nil, booleans: Ruby's NoMethodError).
fn property(item: &Value, prop: &dyn ValueView) -> Result<Option<Value>, String> {
    match value::kind(item) {
        Kind::Hash(o) => Ok(o.get(&ruby_to_s(prop)).map(|v| v.to_value())),
        Kind::Str(s) => {
            let p = ruby_to_s(prop);
            Ok(s.contains(p.as_ref())
                .then(|| Value::scalar(p.into_owned())))
        }
        Kind::Array(a) => match value::kind(prop) {
            Kind::Int(i) => Ok(a.get(i).map(|v| v.to_value())),
            _ => Err(format!("cannot select the property '{}'", ruby_to_s(prop))),
        },
        Kind::Int(_) | Kind::Float(_) => match value::kind(prop) {
            Kind::Int(_) => Ok(Some(Value::scalar(0))),
            _ => Err(format!("cannot select the property '{}'", ruby_to_s(prop))),
        },
        _ => Err(String::new()),
    }
}

fn join(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let glue = args
        .get(0)
        .map_or_else(|| " ".to_owned(), |g| ruby_to_s(g).into_owned());
    let parts: Vec<String> = items(input)
        .iter()
        .map(|v| ruby_to_s(v).into_owned())
        .collect();
    Ok(Value::scalar(parts.join(&glue)))
}

fn first(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(match value::kind(input) {
        Kind::Array(a) => a.first().map_or(Value::Nil, |v| v.to_value()),
        Kind::Hash(o) => crate::ordered::first_pair(o).unwrap_or(Value::Nil),
        // Current Shopify Liquid: a string's first character ("" when empty).
        Kind::Str(s) => Value::scalar(s.chars().next().map(String::from).unwrap_or_default()),
        _ => Value::Nil,
    })
}

fn last(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(match value::kind(input) {
        Kind::Array(a) => a.last().map_or(Value::Nil, |v| v.to_value()),
        // Current Shopify Liquid: a string's last character ("" when empty).
        Kind::Str(s) => Value::scalar(s.chars().next_back().map(String::from).unwrap_or_default()),
        _ => Value::Nil,
    })
}

fn reverse(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    let mut list = items(input);
    list.reverse();
    Ok(Value::Array(list))
}

/// Ruby's `<=>` with nils last; incompatible values are an error.
fn nil_safe_compare(a: &Value, b: &Value) -> Result<Ordering, String> {
    let (ka, kb) = (value::kind(a), value::kind(b));
    match value::spaceship(&ka, &kb) {
        Some(o) => Ok(o),
        None if a.is_nil() => Ok(Ordering::Greater),
        None if b.is_nil() => Ok(Ordering::Less),
        None => Err("cannot sort values of incompatible types".into()),
    }
}

fn nil_safe_casecmp(a: &Value, b: &Value) -> Ordering {
    match (a.is_nil(), b.is_nil()) {
        (false, false) => {
            let (x, y) = (
                ruby_to_s(a).to_ascii_lowercase(),
                ruby_to_s(b).to_ascii_lowercase(),
            );
            x.as_bytes().cmp(y.as_bytes())
        }
        (true, _) => Ordering::Greater,
        (false, true) => Ordering::Less,
    }
}

/// Sort keys: the items themselves, or their property.
fn keyed(list: &[Value], prop: Option<&dyn ValueView>) -> Result<Option<Vec<Value>>, String> {
    let Some(prop) = prop.filter(|p| !p.is_nil()) else {
        return Ok(Some(list.to_vec()));
    };
    let mut keys = Vec::with_capacity(list.len());
    for item in list {
        match property(item, prop) {
            Ok(v) => keys.push(v.unwrap_or(Value::Nil)),
            Err(e) if e.is_empty() => return Ok(None),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(keys))
}

fn sort_with(
    input: &dyn ValueView,
    prop: Option<&dyn ValueView>,
    cmp: impl Fn(&Value, &Value) -> Result<Ordering, String>,
) -> Outcome {
    let list = items(input);
    if list.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    let Some(keys) = keyed(&list, prop)? else {
        return Ok(Value::Nil);
    };
    let mut order: Vec<usize> = (0..list.len()).collect();
    let mut error = None;
    order.sort_by(|&i, &j| {
        cmp(&keys[i], &keys[j]).unwrap_or_else(|e| {
            error.get_or_insert(e);
            Ordering::Equal
        })
    });
    if let Some(e) = error {
        return Err(e);
    }
    Ok(Value::Array(
        order.into_iter().map(|i| list[i].clone()).collect(),
    ))
}

fn sort(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    sort_with(input, args.get(0), nil_safe_compare)
}

fn sort_natural(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    sort_with(input, args.get(0), |a, b| Ok(nil_safe_casecmp(a, b)))
}

fn uniq(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let list = items(input);
    let Some(keys) = keyed(&list, args.get(0))? else {
        return Ok(Value::Nil);
    };
    let mut seen = std::collections::HashSet::new();
    Ok(Value::Array(
        list.iter()
            .zip(&keys)
            .filter(|(_, k)| seen.insert(value::inspect(*k)))
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

fn compact(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let list = items(input);
    let Some(keys) = keyed(&list, args.get(0))? else {
        return Ok(Value::Nil);
    };
    Ok(Value::Array(
        list.iter()
            .zip(&keys)
            .filter(|(_, k)| !k.is_nil())
            .map(|(v, _)| v.clone())
            .collect(),
    ))
}

fn map(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let prop = args.get(0).unwrap_or(&Value::Nil);
    let mut out = Vec::new();
    for item in items(input) {
        out.push(match property(&item, prop) {
            Ok(v) => v.unwrap_or(Value::Nil),
            Err(e) if e.is_empty() => Value::Nil,
            Err(e) => return Err(e),
        });
    }
    Ok(Value::Array(out))
}

/// Which items match `property` (equal to the target, or truthy without one);
/// `None` when an item cannot be indexed (the reference returns nil then).
fn matches(input: &dyn ValueView, args: &Args<'_>) -> Result<Option<Vec<(Value, bool)>>, String> {
    let prop = args.get(0).unwrap_or(&Value::Nil);
    let target = args.get(1).filter(|t| !t.is_nil());
    let mut out = Vec::new();
    for item in items(input) {
        let v = match property(&item, prop) {
            Ok(v) => v.unwrap_or(Value::Nil),
            Err(e) if e.is_empty() => return Ok(None),
            Err(e) => return Err(e),
        };
        let hit = match target {
            Some(t) => value::equal_values(&v, t),
            None => value::truthy(&v),
        };
        out.push((item, hit));
    }
    Ok(Some(out))
}

fn where_(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(match matches(input, args)? {
        Some(list) => Value::Array(list.into_iter().filter(|m| m.1).map(|m| m.0).collect()),
        None => Value::Nil,
    })
}

fn reject(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(match matches(input, args)? {
        Some(list) => Value::Array(list.into_iter().filter(|m| !m.1).map(|m| m.0).collect()),
        None => Value::Nil,
    })
}

fn find(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(matches(input, args)?
        .and_then(|list| list.into_iter().find(|m| m.1).map(|m| m.0))
        .unwrap_or(Value::Nil))
}

fn find_index(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(matches(input, args)?
        .and_then(|list| list.iter().position(|m| m.1))
        .map_or(Value::Nil, |i| Value::scalar(i as i64)))
}

fn has(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    // As current Shopify Liquid: items in order; a nil item ends the search
    // with nil (prints nothing), a property of a number is an error.
    let prop = args.get(0).unwrap_or(&Value::Nil);
    let target = args.get(1).filter(|t| !t.is_nil());
    for item in items(input) {
        if item.is_nil() {
            return Ok(Value::Nil);
        }
        let v = match property(&item, prop) {
            Ok(v) => v.unwrap_or(Value::Nil),
            Err(e) if e.is_empty() => continue,
            Err(e) => return Err(e),
        };
        let hit = match target {
            Some(t) => value::equal_values(&v, t),
            None => value::truthy(&v),
        };
        if hit {
            return Ok(Value::scalar(true));
        }
    }
    Ok(Value::scalar(false))
}

fn concat(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let Some(Kind::Array(extra)) = args.get(0).map(value::kind) else {
        return Err("concat filter requires an array argument".into());
    };
    let mut list = items(input);
    list.extend(extra.values().map(|v| v.to_value()));
    Ok(Value::Array(list))
}

fn sum(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let list = items(input);
    let values: Vec<Value> = match args.get(0).filter(|p| !p.is_nil()) {
        None => list,
        Some(prop) => list
            .iter()
            .map(|item| match value::kind(item) {
                Kind::Hash(_) => Ok(property(item, prop).ok().flatten().unwrap_or(Value::Nil)),
                Kind::Nil => Ok(Value::Nil),
                // As current Shopify Liquid: a property of a number or string is an error.
                _ => Err(format!(
                    "cannot select the property `{}` from {}",
                    value::ruby_to_s(prop),
                    value::inspect(item)
                )),
            })
            .collect::<Result<_, String>>()?,
    };
    let mut total = value::Number::Int(0);
    for v in &values {
        let n = match value::kind(v) {
            Kind::Int(_) | Kind::Float(_) | Kind::Str(_) => value::to_number(v),
            _ => value::Number::Int(0),
        };
        total = super::math::add(total, n);
    }
    Ok(total.to_value())
}

#[cfg(test)]
mod tests {
    use super::super::tests::apply;
    use liquid_core::model::Value;

    fn list(json: serde_json::Value) -> Value {
        crate::scenario::to_liquid(&json)
    }

    #[test]
    fn arrays_as_ruby() {
        let people = list(serde_json::json!([
            {"name": "b", "age": 3}, {"name": "A"}, {"name": "c", "age": 1}
        ]));
        let names = apply("map", people.clone(), &[Value::scalar("name")]).unwrap();
        assert_eq!(names, list(serde_json::json!(["b", "A", "c"])));
        let sorted = apply("sort", people.clone(), &[Value::scalar("age")]).unwrap();
        let ages = apply("map", sorted, &[Value::scalar("age")]).unwrap();
        assert_eq!(ages, list(serde_json::json!([1, 3, null])));
        let natural = apply("sort_natural", names, &[]).unwrap();
        assert_eq!(natural, list(serde_json::json!(["A", "b", "c"])));
        let found = apply(
            "find_index",
            people.clone(),
            &[Value::scalar("name"), Value::scalar("c")],
        );
        assert_eq!(found, Ok(Value::scalar(2)));
        assert_eq!(
            apply("has", people.clone(), &[Value::scalar("age")]),
            Ok(Value::scalar(true))
        );
        let rejected = apply("reject", people, &[Value::scalar("age")]).unwrap();
        assert_eq!(rejected, list(serde_json::json!([{"name": "A"}])));
        assert_eq!(
            apply("sum", list(serde_json::json!([1, "2", 0.5])), &[]),
            Ok(Value::scalar(3.5))
        );
        assert_eq!(
            apply(
                "join",
                list(serde_json::json!([1, [2, 3], null])),
                &[Value::scalar("-")]
            ),
            Ok(Value::scalar("1-2-3-"))
        );
    }
}
