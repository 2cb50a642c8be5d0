//! The standard Liquid filters, with the reference engine's behaviour (Shopify's
//! `Liquid::StandardFilters`): how they treat nil, numbers given as strings,
//! floats, negative indexes and missing keys.
//!
//! Each family lives in its own file; every filter is a plain function over
//! evaluated arguments, called through [`call`].

mod array;
mod date;
mod encode;
mod math;
mod string;

use liquid_core::model::{Value, ValueCow, ValueView};

/// The evaluated arguments of one filter call.
pub struct Args<'a> {
    positional: Vec<ValueCow<'a>>,
    keyword: Vec<(&'a str, ValueCow<'a>)>,
}

impl Args<'_> {
    /// Positional argument `i`, if given.
    pub fn get(&self, i: usize) -> Option<&dyn ValueView> {
        self.positional.get(i).map(|v| v.as_view())
    }

    /// Keyword argument `name`, if given.
    pub fn keyword(&self, name: &str) -> Option<&dyn ValueView> {
        self.keyword
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_view())
    }
}

/// What a filter function returns: a value, or the reference engine's error text.
pub type Outcome = std::result::Result<Value, String>;

/// One standard filter.
#[derive(Debug)]
pub struct Def {
    pub name: &'static str,
    pub description: &'static str,
    /// Positional arguments required and allowed.
    pub min: usize,
    pub max: usize,
    pub run: fn(&dyn ValueView, &Args<'_>) -> Outcome,
}

/// Every standard filter, sorted by name.
pub fn all() -> impl Iterator<Item = &'static Def> {
    string::FILTERS
        .iter()
        .chain(math::FILTERS)
        .chain(array::FILTERS)
        .chain(encode::FILTERS)
}

/// Apply filter `def` to `input` with evaluated arguments, as a template
/// does: arity checked, the result's memory paid for before it is built.
pub fn call(
    def: &'static Def,
    input: &dyn ValueView,
    positional: Vec<ValueCow<'_>>,
    keyword: Vec<(&str, ValueCow<'_>)>,
) -> std::result::Result<Value, String> {
    let given = positional.len() + usize::from(!keyword.is_empty());
    if positional.len() < def.min || given > def.max {
        let expected = match (def.min, def.max) {
            (a, b) if a == b => format!("{a} argument{}", if a == 1 { "" } else { "s" }),
            (a, b) => format!("{a} to {b} arguments"),
        };
        return Err(format!(
            "`{}` takes {expected}, {} given",
            def.name,
            positional.len()
        ));
    }
    let args = Args {
        positional,
        keyword,
    };
    crate::budget::reserve(output_bound(def.name, input, &args)).map_err(|e| e.to_string())?;
    let value = (def.run)(input, &args)?;
    crate::budget::check_memory_now().map_err(|e| e.to_string())?;
    Ok(value)
}

/// Bytes a filter's result may need beyond its input, when its arguments
/// choose it: a `replace` that inserts a long string at every match, a `join`
/// with a long glue, a `split` into millions of pieces, a `date` field padded
/// to a width of billions. Other filters grow their input by a small factor at
/// most; for those the input's own size is reserved.
fn output_bound(name: &str, input: &dyn ValueView, args: &Args<'_>) -> usize {
    const PIECE: usize = 64; // one string value in a list, with its bookkeeping
    let text_len = |v: &dyn ValueView| v.as_scalar().map_or(0, |s| s.to_kstr().len());
    let arg_len = |i: usize| args.get(i).map_or(0, text_len);
    let input_len = text_len(input);
    match name {
        "replace" | "remove" => {
            let text = input.as_scalar().map(|s| s.to_kstr().into_owned());
            let from = args
                .get(0)
                .and_then(|v| v.as_scalar())
                .map(|s| s.to_kstr().into_owned());
            let matches = match (&text, &from) {
                (Some(t), Some(f)) if !f.is_empty() => t.matches(f.as_str()).count(),
                (Some(t), _) => t.chars().count() + 1,
                _ => 0,
            };
            input_len.saturating_add(matches.saturating_mul(arg_len(1)))
        }
        "join" => {
            let items = input.as_array().map_or(0, |a| a.size() as usize);
            items.saturating_mul(arg_len(0).max(1))
        }
        "split" => {
            let pieces = match (input.as_scalar(), args.get(0).and_then(|v| v.as_scalar())) {
                (Some(t), Some(sep)) if !sep.to_kstr().is_empty() => {
                    t.to_kstr().matches(sep.to_kstr().as_str()).count() + 1
                }
                (Some(t), _) => t.to_kstr().chars().count(),
                _ => 0,
            };
            pieces.saturating_mul(PIECE)
        }
        "date" => args
            .get(0)
            .and_then(|v| v.as_scalar())
            .map_or(0, |f| date::widest_field(&f.to_kstr()))
            .saturating_add(input_len),
        "append" | "prepend" => input_len.saturating_add(arg_len(0)),
        _ => input_len,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Run filter `name` on `input` with `args`, as a template would.
    pub fn apply(name: &str, input: Value, args: &[Value]) -> Outcome {
        let def = all().find(|d| d.name == name).expect("a filter");
        let args = Args {
            positional: args
                .iter()
                .map(|a| ValueCow::Borrowed(a as &dyn ValueView))
                .collect(),
            keyword: Vec::new(),
        };
        (def.run)(&input, &args)
    }

    #[test]
    fn every_reference_filter_is_there() {
        let names: Vec<_> = all().map(|d| d.name).collect();
        for name in [
            "abs",
            "append",
            "at_least",
            "at_most",
            "base64_decode",
            "base64_encode",
            "base64_url_safe_decode",
            "base64_url_safe_encode",
            "capitalize",
            "ceil",
            "compact",
            "concat",
            "date",
            "default",
            "divided_by",
            "downcase",
            "escape",
            "escape_once",
            "first",
            "floor",
            "h",
            "join",
            "last",
            "lstrip",
            "map",
            "minus",
            "modulo",
            "newline_to_br",
            "plus",
            "prepend",
            "remove",
            "remove_first",
            "remove_last",
            "replace",
            "replace_first",
            "replace_last",
            "reverse",
            "round",
            "rstrip",
            "size",
            "slice",
            "sort",
            "sort_natural",
            "split",
            "strip",
            "strip_html",
            "strip_newlines",
            "times",
            "truncate",
            "truncatewords",
            "uniq",
            "upcase",
            "url_decode",
            "url_encode",
            "where",
            "sum",
            "has",
            "find",
            "find_index",
            "reject",
        ] {
            assert!(names.contains(&name), "missing {name}");
        }
    }
}
