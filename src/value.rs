//! Values as Shopify's reference engine (Ruby) sees them: how they print,
//! which are true, how they compare, how strings become numbers.
//!
//! The `liquid` crate prints `1.0` as `1`, compares `"1" == 1` as equal and
//! treats `empty`/`blank` differently; our tags and filters use these
//! functions instead.

use std::borrow::Cow;
use std::cmp::Ordering;

use liquid_core::model::{ArrayView, ObjectView, State, Value, ValueView};

/// A value, classified as Ruby would.
#[derive(Debug, Clone)]
pub enum Kind<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Cow<'a, str>),
    Array(&'a dyn ArrayView),
    Hash(&'a dyn ObjectView),
    /// The `empty` literal.
    Empty,
    /// The `blank` literal.
    Blank,
}

pub fn kind(v: &dyn ValueView) -> Kind<'_> {
    if let Some(state) = v.as_state() {
        return match state {
            State::Empty => Kind::Empty,
            State::Blank => Kind::Blank,
            _ => Kind::Nil,
        };
    }
    if v.is_nil() {
        return Kind::Nil;
    }
    if let Some(s) = v.as_scalar() {
        return match v.type_name() {
            "whole number" => Kind::Int(s.to_integer().unwrap_or(0)),
            "fractional number" => Kind::Float(s.to_float().unwrap_or(0.0)),
            "boolean" => Kind::Bool(s.to_bool().unwrap_or(false)),
            _ => Kind::Str(s.into_cow_str()),
        };
    }
    if let Some(a) = v.as_array() {
        return Kind::Array(a);
    }
    if let Some(o) = v.as_object() {
        return Kind::Hash(o);
    }
    Kind::Nil
}

/// Ruby's `Float#to_s`: `1.0`, `0.1`, `1.0e+16`, `1.0e-05`.
pub fn float_to_s(f: f64) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Shortest round-trip digits and the decimal exponent.
    let sci = format!("{:e}", f.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let decpt = exp + 1;
    let sign = if f < 0.0 { "-" } else { "" };
    if !(-3..=16).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        let rest = if rest.is_empty() { "0" } else { rest };
        let e = decpt - 1;
        let esign = if e < 0 { '-' } else { '+' };
        return format!("{sign}{first}.{rest}e{esign}{:02}", e.abs());
    }
    if decpt <= 0 {
        let zeros = "0".repeat((-decpt) as usize);
        return format!("{sign}0.{zeros}{digits}");
    }
    let decpt = decpt as usize;
    if digits.len() <= decpt {
        let zeros = "0".repeat(decpt - digits.len());
        format!("{sign}{digits}{zeros}.0")
    } else {
        format!("{sign}{}.{}", &digits[..decpt], &digits[decpt..])
    }
}

/// What `{{ value }}` prints: arrays are joined, hashes inspected, nil is empty.
pub fn to_s(v: &dyn ValueView) -> Cow<'_, str> {
    match kind(v) {
        Kind::Nil | Kind::Empty | Kind::Blank => Cow::Borrowed(""),
        Kind::Str(s) => s,
        Kind::Array(a) => {
            let mut out = String::new();
            join_into(a, &mut out);
            Cow::Owned(out)
        }
        other => Cow::Owned(scalar_text(&other, v)),
    }
}

fn join_into(a: &dyn ArrayView, out: &mut String) {
    for item in a.values() {
        match kind(item) {
            Kind::Array(inner) => join_into(inner, out),
            _ => out.push_str(&to_s(item)),
        }
    }
}

fn scalar_text(k: &Kind<'_>, v: &dyn ValueView) -> String {
    match k {
        Kind::Bool(b) => b.to_string(),
        Kind::Int(i) => i.to_string(),
        Kind::Float(f) => float_to_s(*f),
        Kind::Hash(_) => inspect(v),
        _ => String::new(),
    }
}

/// Ruby's `to_s`, as filters use it: like output, but arrays are inspected.
pub fn ruby_to_s(v: &dyn ValueView) -> Cow<'_, str> {
    match kind(v) {
        Kind::Array(_) => Cow::Owned(inspect(v)),
        _ => to_s(v),
    }
}

/// Ruby's `inspect`: `{"a"=>1, "b"=>[1, nil]}`.
pub fn inspect(v: &dyn ValueView) -> String {
    match kind(v) {
        Kind::Nil | Kind::Empty | Kind::Blank => "nil".into(),
        Kind::Str(s) => inspect_str(&s),
        Kind::Array(a) => {
            let items: Vec<String> = a.values().map(inspect).collect();
            format!("[{}]", items.join(", "))
        }
        Kind::Hash(o) => {
            let items: Vec<String> = crate::ordered::pairs(o)
                .into_iter()
                .map(|(k, v)| format!("{}=>{}", inspect_str(k.as_str()), inspect(v)))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        other => scalar_text(&other, v),
    }
}

fn inspect_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '#' => out.push('#'),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Ruby truthiness: only `nil` and `false` are false.
pub fn truthy(v: &dyn ValueView) -> bool {
    !matches!(kind(v), Kind::Nil | Kind::Bool(false))
}

/// `a == b` in a condition, `empty`/`blank` included, as current Shopify
/// Liquid compares them: `empty` equals an empty string, array or hash;
/// `blank` also equals nil, false and a whitespace-only string (ActiveSupport's
/// `blank?`); `empty` and `blank` never equal each other.
pub fn equal(a: &dyn ValueView, b: &dyn ValueView) -> bool {
    let (ka, kb) = (kind(a), kind(b));
    match (&ka, &kb) {
        (Kind::Empty, Kind::Blank) | (Kind::Blank, Kind::Empty) => false,
        (Kind::Empty, other) | (other, Kind::Empty) => is_empty_collection(other) == Some(true),
        (Kind::Blank, other) | (other, Kind::Blank) => is_blank(other),
        _ => kinds_equal(&ka, &kb),
    }
}

/// ActiveSupport's `blank?`, which current Shopify Liquid emulates.
fn is_blank(k: &Kind<'_>) -> bool {
    match k {
        Kind::Nil | Kind::Bool(false) => true,
        Kind::Str(s) => s.chars().all(char::is_whitespace),
        other => is_empty_collection(other) == Some(true),
    }
}

/// `Some(is_empty)` for strings, arrays and hashes; `None` for what has no `empty?`.
fn is_empty_collection(k: &Kind<'_>) -> Option<bool> {
    match k {
        Kind::Str(s) => Some(s.is_empty()),
        Kind::Array(a) => Some(a.size() == 0),
        Kind::Hash(o) => Some(o.size() == 0),
        _ => None,
    }
}

fn kinds_equal(a: &Kind<'_>, b: &Kind<'_>) -> bool {
    match (a, b) {
        (Kind::Nil, Kind::Nil) => true,
        (Kind::Bool(x), Kind::Bool(y)) => x == y,
        (Kind::Int(x), Kind::Int(y)) => x == y,
        (Kind::Int(x), Kind::Float(y)) | (Kind::Float(y), Kind::Int(x)) => (*x as f64) == *y,
        (Kind::Float(x), Kind::Float(y)) => x == y,
        (Kind::Str(x), Kind::Str(y)) => x == y,
        (Kind::Array(x), Kind::Array(y)) => {
            x.size() == y.size() && x.values().zip(y.values()).all(|(p, q)| equal_values(p, q))
        }
        (Kind::Hash(x), Kind::Hash(y)) => {
            x.size() == y.size()
                && x.iter()
                    .all(|(k, v)| y.get(k.as_str()).is_some_and(|w| equal_values(v, w)))
        }
        _ => false,
    }
}

/// Plain Ruby `==` between two values (no `empty`/`blank` magic).
pub fn equal_values(a: &dyn ValueView, b: &dyn ValueView) -> bool {
    kinds_equal(&kind(a), &kind(b))
}

/// Ruby's class name, for error messages.
pub fn class_name(k: &Kind<'_>) -> &'static str {
    match k {
        Kind::Nil | Kind::Empty | Kind::Blank => "NilClass",
        Kind::Bool(true) => "TrueClass",
        Kind::Bool(false) => "FalseClass",
        Kind::Int(_) => "Integer",
        Kind::Float(_) => "Float",
        Kind::Str(_) => "String",
        Kind::Array(_) => "Array",
        Kind::Hash(_) => "Hash",
    }
}

/// `a <=> b` for numbers and strings; `None` when Ruby cannot order them.
pub fn spaceship(a: &Kind<'_>, b: &Kind<'_>) -> Option<Ordering> {
    match (a, b) {
        (Kind::Int(x), Kind::Int(y)) => Some(x.cmp(y)),
        (Kind::Int(x), Kind::Float(y)) => (*x as f64).partial_cmp(y),
        (Kind::Float(x), Kind::Int(y)) => x.partial_cmp(&(*y as f64)),
        (Kind::Float(x), Kind::Float(y)) => x.partial_cmp(y),
        (Kind::Str(x), Kind::Str(y)) => Some(x.as_bytes().cmp(y.as_bytes())),
        (Kind::Bool(x), Kind::Bool(y)) if x == y => Some(Ordering::Equal),
        (Kind::Nil, Kind::Nil) => Some(Ordering::Equal),
        (Kind::Array(x), Kind::Array(y)) => {
            for (p, q) in x.values().zip(y.values()) {
                match spaceship(&kind(p), &kind(q))? {
                    Ordering::Equal => continue,
                    other => return Some(other),
                }
            }
            Some(x.size().cmp(&y.size()))
        }
        _ => None,
    }
}

/// `a < b` (and friends) in a condition. `Ok(None)` when the left side has no
/// such operator (nil, booleans, arrays, hashes): the condition is false.
pub fn compare(a: &dyn ValueView, b: &dyn ValueView, op: &str) -> Result<bool, String> {
    let (ka, kb) = (kind(a), kind(b));
    let left_orders = matches!(ka, Kind::Int(_) | Kind::Float(_) | Kind::Str(_));
    let right_ok = !matches!(kb, Kind::Hash(_) | Kind::Empty | Kind::Blank);
    if !left_orders || !right_ok {
        return Ok(false);
    }
    let Some(ord) = spaceship(&ka, &kb) else {
        let right = match &kb {
            Kind::Int(_) | Kind::Float(_) | Kind::Nil | Kind::Bool(_) => inspect(b),
            other => class_name(other).to_owned(),
        };
        return Err(format!(
            "comparison of {} with {right} failed",
            class_name(&ka)
        ));
    };
    Ok(match op {
        "<" => ord == Ordering::Less,
        ">" => ord == Ordering::Greater,
        "<=" => ord != Ordering::Greater,
        ">=" => ord != Ordering::Less,
        _ => false,
    })
}

/// `a contains b`.
pub fn contains(a: &dyn ValueView, b: &dyn ValueView) -> bool {
    if !truthy(a) || !truthy(b) {
        return false;
    }
    match kind(a) {
        Kind::Str(s) => s.contains(to_s(b).as_ref()),
        Kind::Array(items) => items.values().any(|item| equal_values(item, b)),
        Kind::Hash(o) => match kind(b) {
            Kind::Str(k) => o.contains_key(&k),
            _ => false,
        },
        _ => false,
    }
}

/// A number as the math filters see it (`Liquid::Utils.to_number`): floats
/// become exact decimals, strings like `"1.5"` decimals, other strings their
/// leading integer, anything else 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Dec(Decimal),
}

/// A decimal `mantissa × 10^-scale`, standing in for Ruby's BigDecimal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decimal {
    pub mantissa: i128,
    pub scale: u32,
}

impl Decimal {
    /// Parse `-12.345` or Ruby float text (`1.0e-05`).
    pub fn parse(text: &str) -> Option<Decimal> {
        let text = text.trim();
        let (base, exp) = match text.split_once(['e', 'E']) {
            Some((b, e)) => (b, e.parse::<i32>().ok()?),
            None => (text, 0),
        };
        let (neg, base) = match base.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, base.strip_prefix('+').unwrap_or(base)),
        };
        let (int, frac) = base.split_once('.').unwrap_or((base, ""));
        if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let digits = format!("{int}{frac}");
        if digits.len() > 36 {
            return None;
        }
        let mut mantissa: i128 = digits.parse().ok()?;
        let mut scale = frac.len() as i32 - exp;
        while scale < 0 {
            mantissa = mantissa.checked_mul(10)?;
            scale += 1;
        }
        if neg {
            mantissa = -mantissa;
        }
        Some(Decimal {
            mantissa,
            scale: scale as u32,
        })
    }

    pub fn from_f64(f: f64) -> Option<Decimal> {
        if !f.is_finite() {
            return None;
        }
        Decimal::parse(&float_to_s(f))
    }

    pub fn from_int(i: i64) -> Decimal {
        Decimal {
            mantissa: i as i128,
            scale: 0,
        }
    }

    pub fn to_f64(self) -> f64 {
        format!("{}e-{}", self.mantissa, self.scale)
            .parse()
            .unwrap_or(f64::NAN)
    }

    fn rescale(self, scale: u32) -> Option<i128> {
        self.mantissa
            .checked_mul(10i128.checked_pow(scale.checked_sub(self.scale)?)?)
    }

    /// Both mantissas at a common scale.
    pub fn align(a: Decimal, b: Decimal) -> Option<(i128, i128, u32)> {
        let scale = a.scale.max(b.scale);
        Some((a.rescale(scale)?, b.rescale(scale)?, scale))
    }
}

impl Number {
    pub fn to_f64(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Dec(d) => d.to_f64(),
        }
    }

    pub fn to_decimal(self) -> Decimal {
        match self {
            Number::Int(i) => Decimal::from_int(i),
            Number::Dec(d) => d,
        }
    }

    /// The filter's result: a decimal becomes a float, as Ruby's `to_f`.
    pub fn to_value(self) -> Value {
        match self {
            Number::Int(i) => Value::scalar(i),
            Number::Dec(d) => Value::scalar(d.to_f64()),
        }
    }

    pub fn is_negative(self) -> bool {
        match self {
            Number::Int(i) => i < 0,
            Number::Dec(d) => d.mantissa < 0,
        }
    }

    pub fn compare(self, other: Number) -> Ordering {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => a.cmp(&b),
            (a, b) => match Decimal::align(a.to_decimal(), b.to_decimal()) {
                Some((x, y, _)) => x.cmp(&y),
                None => a.to_f64().total_cmp(&b.to_f64()),
            },
        }
    }
}

/// Ruby's `String#to_i`: optional spaces and sign, then digits (underscores between).
pub fn ruby_to_i(s: &str) -> i64 {
    let s = s.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let mut n: i64 = 0;
    let mut prev_digit = false;
    for b in rest.bytes() {
        match b {
            b'0'..=b'9' => {
                n = n.saturating_mul(10).saturating_add(i64::from(b - b'0'));
                prev_digit = true;
            }
            b'_' if prev_digit => prev_digit = false,
            _ => break,
        }
    }
    if neg { -n } else { n }
}

pub fn to_number(v: &dyn ValueView) -> Number {
    match kind(v) {
        Kind::Int(i) => Number::Int(i),
        Kind::Float(f) => Decimal::from_f64(f).map_or(Number::Int(0), Number::Dec),
        Kind::Str(s) => {
            let t = s.trim_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r', '\0']);
            let t_body = t.strip_prefix('-').unwrap_or(t);
            let is_decimal = t_body.split_once('.').is_some_and(|(a, b)| {
                !a.is_empty()
                    && !b.is_empty()
                    && a.bytes().all(|c| c.is_ascii_digit())
                    && b.bytes().all(|c| c.is_ascii_digit())
            });
            if is_decimal && let Some(d) = Decimal::parse(t) {
                return Number::Dec(d);
            }
            Number::Int(ruby_to_i(&s))
        }
        _ => Number::Int(0),
    }
}

/// `Liquid::Utils.to_integer`: integers as they are, otherwise `Integer(to_s)`.
pub fn to_integer(v: &dyn ValueView) -> Result<i64, String> {
    match kind(v) {
        Kind::Int(i) => Ok(i),
        Kind::Float(f) => float_to_s(f)
            .parse::<i64>()
            .map_err(|_| "invalid integer".into()),
        other => {
            let s = match other {
                Kind::Str(s) => s.into_owned(),
                Kind::Nil => String::new(),
                _ => to_s(v).into_owned(),
            };
            let t = s.trim().replace('_', "");
            t.parse::<i64>().map_err(|_| "invalid integer".to_owned())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_print_as_ruby() {
        assert_eq!(float_to_s(1.0), "1.0");
        assert_eq!(float_to_s(0.1 + 0.2), "0.30000000000000004");
        assert_eq!(float_to_s(1e16), "1.0e+16");
        assert_eq!(float_to_s(1e15), "1000000000000000.0");
        assert_eq!(float_to_s(0.0001), "0.0001");
        assert_eq!(float_to_s(0.00001), "1.0e-05");
        assert_eq!(float_to_s(-2.5), "-2.5");
        assert_eq!(float_to_s(123.456), "123.456");
    }

    #[test]
    fn values_print_as_ruby() {
        let v = Value::Array(vec![Value::scalar(1), Value::Nil, Value::scalar(2.0)]);
        assert_eq!(to_s(&v), "12.0");
        let h = Value::Object(liquid_core::object!({"a": [1, "x"]}));
        assert_eq!(to_s(&h), r#"{"a"=>[1, "x"]}"#);
    }

    #[test]
    fn numbers_from_strings() {
        assert_eq!(to_number(&Value::scalar("3abc")), Number::Int(3));
        assert_eq!(to_number(&Value::scalar(" 12 ")), Number::Int(12));
        assert_eq!(
            to_number(&Value::scalar("1.50")),
            Number::Dec(Decimal {
                mantissa: 150,
                scale: 2
            })
        );
        assert_eq!(to_number(&Value::Nil), Number::Int(0));
    }

    #[test]
    fn comparisons_follow_ruby() {
        let one = Value::scalar(1);
        assert!(equal(&one, &Value::scalar(1.0)));
        assert!(!equal(&one, &Value::scalar("1")));
        assert!(equal(&Value::scalar(""), &Value::State(State::Empty)));
        assert!(!equal(&Value::Nil, &Value::State(State::Empty)));
        assert_eq!(compare(&one, &Value::scalar(2), "<"), Ok(true));
        assert_eq!(compare(&Value::Nil, &one, "<"), Ok(false));
        assert!(compare(&Value::scalar("a"), &one, "<").is_err());
    }
}
