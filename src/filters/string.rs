//! String filters: case, trimming, searching and replacing, splitting, truncating.

use liquid_core::model::{Value, ValueView};

use super::{Args, Def, Outcome};
use crate::value::{self, Kind, ruby_to_s};

pub static FILTERS: &[Def] = &[
    Def {
        name: "append",
        description: "add a string at the end",
        min: 1,
        max: 1,
        run: append,
    },
    Def {
        name: "prepend",
        description: "add a string at the start",
        min: 1,
        max: 1,
        run: prepend,
    },
    Def {
        name: "capitalize",
        description: "first letter upper case, the rest lower",
        min: 0,
        max: 0,
        run: capitalize,
    },
    Def {
        name: "downcase",
        description: "lower case",
        min: 0,
        max: 0,
        run: downcase,
    },
    Def {
        name: "upcase",
        description: "upper case",
        min: 0,
        max: 0,
        run: upcase,
    },
    Def {
        name: "strip",
        description: "remove surrounding whitespace",
        min: 0,
        max: 0,
        run: strip,
    },
    Def {
        name: "lstrip",
        description: "remove leading whitespace",
        min: 0,
        max: 0,
        run: lstrip,
    },
    Def {
        name: "rstrip",
        description: "remove trailing whitespace",
        min: 0,
        max: 0,
        run: rstrip,
    },
    Def {
        name: "strip_newlines",
        description: "remove line breaks",
        min: 0,
        max: 0,
        run: strip_newlines,
    },
    Def {
        name: "newline_to_br",
        description: "put <br /> before each line break",
        min: 0,
        max: 0,
        run: newline_to_br,
    },
    Def {
        name: "replace",
        description: "replace every occurrence",
        min: 1,
        max: 2,
        run: replace,
    },
    Def {
        name: "replace_first",
        description: "replace the first occurrence",
        min: 1,
        max: 2,
        run: replace_first,
    },
    Def {
        name: "replace_last",
        description: "replace the last occurrence",
        min: 2,
        max: 2,
        run: replace_last,
    },
    Def {
        name: "remove",
        description: "remove every occurrence",
        min: 1,
        max: 1,
        run: remove,
    },
    Def {
        name: "remove_first",
        description: "remove the first occurrence",
        min: 1,
        max: 1,
        run: remove_first,
    },
    Def {
        name: "remove_last",
        description: "remove the last occurrence",
        min: 1,
        max: 1,
        run: remove_last,
    },
    Def {
        name: "split",
        description: "split into an array",
        min: 1,
        max: 1,
        run: split,
    },
    Def {
        name: "truncate",
        description: "shorten to a number of characters",
        min: 0,
        max: 2,
        run: truncate,
    },
    Def {
        name: "truncatewords",
        description: "shorten to a number of words",
        min: 0,
        max: 2,
        run: truncatewords,
    },
    Def {
        name: "slice",
        description: "a substring or sub-array",
        min: 1,
        max: 2,
        run: slice,
    },
    Def {
        name: "size",
        description: "the number of characters or items",
        min: 0,
        max: 0,
        run: size,
    },
    Def {
        name: "default",
        description: "a fallback for nil, false and empty values",
        min: 0,
        max: 2,
        run: default,
    },
];

fn s(v: &dyn ValueView) -> String {
    ruby_to_s(v).into_owned()
}

fn arg(args: &Args<'_>, i: usize) -> String {
    args.get(i).map(s).unwrap_or_default()
}

pub(crate) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r' | '\0')
}

fn append(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(Value::scalar(s(input) + &arg(args, 0)))
}

fn prepend(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(Value::scalar(arg(args, 0) + &s(input)))
}

fn capitalize(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    let text = s(input);
    let mut chars = text.chars();
    let out = match chars.next() {
        Some(first) => first.to_uppercase().collect::<String>() + &chars.as_str().to_lowercase(),
        None => String::new(),
    };
    Ok(Value::scalar(out))
}

fn downcase(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(s(input).to_lowercase()))
}

fn upcase(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(s(input).to_uppercase()))
}

fn strip(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(s(input).trim_matches(is_space).to_owned()))
}

fn lstrip(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(
        s(input).trim_start_matches(is_space).to_owned(),
    ))
}

fn rstrip(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(
        s(input).trim_end_matches(is_space).to_owned(),
    ))
}

fn strip_newlines(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(
        s(input).replace("\r\n", "").replace('\n', ""),
    ))
}

fn newline_to_br(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(
        s(input).replace("\r\n", "\n").replace('\n', "<br />\n"),
    ))
}

fn replace(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from, to) = (s(input), arg(args, 0), arg(args, 1));
    if from.is_empty() {
        // Ruby's gsub with an empty pattern inserts between every character.
        let mut out = to.clone();
        for c in text.chars() {
            out.push(c);
            out.push_str(&to);
        }
        return Ok(Value::scalar(out));
    }
    Ok(Value::scalar(text.replace(&from, &to)))
}

fn replace_first(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from, to) = (s(input), arg(args, 0), arg(args, 1));
    Ok(Value::scalar(text.replacen(&from, &to, 1)))
}

fn replace_last(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from, to) = (s(input), arg(args, 0), arg(args, 1));
    Ok(Value::scalar(match text.rfind(&from) {
        Some(at) => format!("{}{to}{}", &text[..at], &text[at + from.len()..]),
        None => text,
    }))
}

fn remove(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from) = (s(input), arg(args, 0));
    if from.is_empty() {
        return Ok(Value::scalar(text));
    }
    Ok(Value::scalar(text.replace(&from, "")))
}

fn remove_first(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from) = (s(input), arg(args, 0));
    Ok(Value::scalar(text.replacen(&from, "", 1)))
}

fn remove_last(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (text, from) = (s(input), arg(args, 0));
    Ok(Value::scalar(match text.rfind(&from) {
        Some(at) => format!("{}{}", &text[..at], &text[at + from.len()..]),
        None => text,
    }))
}

/// Ruby's `String#split(pattern)`: `" "` splits on runs of whitespace, `""`
/// into characters; trailing empty strings are dropped.
pub(crate) fn ruby_split(text: &str, pattern: &str, limit: Option<usize>) -> Vec<String> {
    let mut parts: Vec<String> = if pattern == " " {
        let mut out = Vec::new();
        let mut rest = text.trim_start_matches(is_space);
        while !rest.is_empty() {
            if limit.is_some_and(|l| out.len() + 1 == l) {
                out.push(rest.to_owned());
                break;
            }
            let end = rest.find(is_space).unwrap_or(rest.len());
            out.push(rest[..end].to_owned());
            rest = rest[end..].trim_start_matches(is_space);
        }
        return out;
    } else if pattern.is_empty() {
        text.chars().map(String::from).collect()
    } else {
        text.split(pattern).map(str::to_owned).collect()
    };
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    parts
}

fn split(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let parts = ruby_split(&s(input), &arg(args, 0), None);
    Ok(Value::Array(parts.into_iter().map(Value::scalar).collect()))
}

fn truncate(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let text = s(input);
    let length = match args.get(0) {
        Some(v) => value::to_integer(v)?,
        None => 50,
    };
    let ellipsis = args.get(1).map_or_else(|| "...".to_owned(), s);
    let keep = (length - ellipsis.chars().count() as i64).max(0) as usize;
    if text.chars().count() as i64 > length {
        let mut out: String = text.chars().take(keep).collect();
        out.push_str(&ellipsis);
        Ok(Value::scalar(out))
    } else {
        Ok(Value::scalar(text))
    }
}

fn truncatewords(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let text = s(input);
    let words = match args.get(0) {
        Some(v) => value::to_integer(v)?,
        None => 15,
    };
    let words = words.max(1) as usize;
    let ellipsis = args.get(1).map_or_else(|| "...".to_owned(), s);
    let list = ruby_split(&text, " ", Some(words.saturating_add(1)));
    if list.len() <= words {
        return Ok(Value::scalar(text));
    }
    Ok(Value::scalar(list[..words].join(" ") + &ellipsis))
}

/// Ruby's `slice(start, length)` over `len` items: the range, or `None`.
pub(crate) fn slice_range(len: usize, start: i64, length: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { start + len } else { start };
    if start < 0 || start > len || length < 0 {
        return None;
    }
    let end = start.saturating_add(length).min(len);
    Some((start as usize, end as usize))
}

fn slice(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let start = value::to_integer(args.get(0).unwrap_or(&Value::Nil))?;
    // A nil length (an undefined variable) is the default, 1.
    let length = match args.get(1) {
        Some(v) if !v.is_nil() => value::to_integer(v)?,
        _ => 1,
    };
    if let Kind::Array(items) = value::kind(input) {
        let items: Vec<Value> = items.values().map(|v| v.to_value()).collect();
        return Ok(Value::Array(
            slice_range(items.len(), start, length)
                .map(|(a, b)| items[a..b].to_vec())
                .unwrap_or_default(),
        ));
    }
    let chars: Vec<char> = s(input).chars().collect();
    Ok(Value::scalar(
        slice_range(chars.len(), start, length)
            .map(|(a, b)| chars[a..b].iter().collect::<String>())
            .unwrap_or_default(),
    ))
}

fn size(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(Value::scalar(match value::kind(input) {
        Kind::Str(text) => text.chars().count() as i64,
        Kind::Array(a) => a.size(),
        Kind::Hash(o) => o.size(),
        // Ruby's Integer#size is its width in bytes.
        Kind::Int(_) => 8,
        _ => 0,
    }))
}

fn default(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let allow_false = args
        .keyword("allow_false")
        .or_else(|| {
            args.get(1)
                .and_then(|o| o.as_object())
                .and_then(|o| o.get("allow_false"))
        })
        .is_some_and(value::truthy);
    let missing = if allow_false {
        input.is_nil() || matches!(value::kind(input), Kind::Empty | Kind::Blank)
    } else {
        !value::truthy(input)
    };
    let empty = match value::kind(input) {
        Kind::Str(t) => t.is_empty(),
        Kind::Array(a) => a.size() == 0,
        Kind::Hash(o) => o.size() == 0,
        _ => false,
    };
    if missing || empty {
        Ok(args
            .get(0)
            .map_or_else(|| Value::scalar(""), |v| v.to_value()))
    } else {
        Ok(input.to_value())
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::apply;
    use liquid_core::model::Value;

    fn str(v: &str) -> Value {
        Value::scalar(v.to_owned())
    }

    #[test]
    fn strings_behave_as_ruby() {
        assert_eq!(apply("append", Value::Nil, &[str("x")]), Ok(str("x")));
        assert_eq!(
            apply("append", Value::scalar(1.0), &[str("x")]),
            Ok(str("1.0x"))
        );
        assert_eq!(
            apply("capitalize", str("hELLO wORLD"), &[]),
            Ok(str("Hello world"))
        );
        assert_eq!(apply("strip", str("\t a \x0b"), &[]), Ok(str("a")));
        assert_eq!(
            apply("replace_last", str("a-b-c"), &[str("-"), str("+")]),
            Ok(str("a-b+c"))
        );
        assert_eq!(
            apply("remove_last", str("a-b-c"), &[str("-")]),
            Ok(str("a-bc"))
        );
        assert_eq!(
            apply("truncate", str("Ground control"), &[Value::scalar(11)]),
            Ok(str("Ground c..."))
        );
        assert_eq!(
            apply("truncatewords", str("a b  c d"), &[Value::scalar(2)]),
            Ok(str("a b..."))
        );
        assert_eq!(
            apply(
                "slice",
                str("Liquid"),
                &[Value::scalar(-3), Value::scalar(2)]
            ),
            Ok(str("ui"))
        );
        assert_eq!(apply("size", str("héllo"), &[]), Ok(Value::scalar(5)));
    }

    #[test]
    fn split_drops_trailing_empties() {
        assert_eq!(super::ruby_split("a,b,,", ",", None), ["a", "b"]);
        assert_eq!(super::ruby_split("  a  b ", " ", None), ["a", "b"]);
        assert_eq!(super::ruby_split("abc", "", None), ["a", "b", "c"]);
        assert!(super::ruby_split("", ",", None).is_empty());
    }
}
