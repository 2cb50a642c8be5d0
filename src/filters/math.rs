//! Math filters. Numbers given as strings count (`"3" | plus: 1` is 4); floats
//! are computed as exact decimals and given back as floats, as the reference
//! engine does with BigDecimal (`0.1 | plus: 0.2` is `0.3`).

use std::cmp::Ordering;

use liquid_core::model::{Value, ValueView};

use super::{Args, Def, Outcome};
use crate::value::{Decimal, Number, to_number};

pub static FILTERS: &[Def] = &[
    Def {
        name: "plus",
        description: "addition",
        min: 1,
        max: 1,
        run: plus,
    },
    Def {
        name: "minus",
        description: "subtraction",
        min: 1,
        max: 1,
        run: minus,
    },
    Def {
        name: "times",
        description: "multiplication",
        min: 1,
        max: 1,
        run: times,
    },
    Def {
        name: "divided_by",
        description: "division (whole numbers give a whole number)",
        min: 1,
        max: 1,
        run: divided_by,
    },
    Def {
        name: "modulo",
        description: "remainder of a division",
        min: 1,
        max: 1,
        run: modulo,
    },
    Def {
        name: "abs",
        description: "absolute value",
        min: 0,
        max: 0,
        run: abs,
    },
    Def {
        name: "ceil",
        description: "round up to a whole number",
        min: 0,
        max: 0,
        run: ceil,
    },
    Def {
        name: "floor",
        description: "round down to a whole number",
        min: 0,
        max: 0,
        run: floor,
    },
    Def {
        name: "round",
        description: "round to a number of decimals",
        min: 0,
        max: 1,
        run: round,
    },
    Def {
        name: "at_least",
        description: "the larger of the two",
        min: 1,
        max: 1,
        run: at_least,
    },
    Def {
        name: "at_most",
        description: "the smaller of the two",
        min: 1,
        max: 1,
        run: at_most,
    },
];

fn operand(args: &Args<'_>) -> Number {
    args.get(0).map_or(Number::Int(0), to_number)
}

#[derive(Clone, Copy)]
enum Op {
    Add,
    Sub,
    Mul,
}

fn arith(a: Number, b: Number, op: Op) -> Number {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => {
            let r = match op {
                Op::Add => x.checked_add(y),
                Op::Sub => x.checked_sub(y),
                Op::Mul => x.checked_mul(y),
            };
            match r {
                Some(r) => Number::Int(r),
                None => float(match op {
                    Op::Add => x as f64 + y as f64,
                    Op::Sub => x as f64 - y as f64,
                    Op::Mul => x as f64 * y as f64,
                }),
            }
        }
        (a, b) => {
            let (da, db) = (a.to_decimal(), b.to_decimal());
            let exact = match op {
                Op::Add | Op::Sub => Decimal::align(da, db).and_then(|(x, y, scale)| {
                    let m = if matches!(op, Op::Add) {
                        x.checked_add(y)
                    } else {
                        x.checked_sub(y)
                    }?;
                    Some(Decimal { mantissa: m, scale })
                }),
                Op::Mul => da.mantissa.checked_mul(db.mantissa).map(|m| Decimal {
                    mantissa: m,
                    scale: da.scale + db.scale,
                }),
            };
            match exact {
                Some(d) => Number::Dec(d),
                None => float(match op {
                    Op::Add => a.to_f64() + b.to_f64(),
                    Op::Sub => a.to_f64() - b.to_f64(),
                    Op::Mul => a.to_f64() * b.to_f64(),
                }),
            }
        }
    }
}

/// `a + b` as the `plus` filter computes it.
pub(crate) fn add(a: Number, b: Number) -> Number {
    arith(a, b, Op::Add)
}

fn float(f: f64) -> Number {
    Decimal::from_f64(f).map_or(Number::Int(0), Number::Dec)
}

fn plus(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(arith(to_number(input), operand(args), Op::Add).to_value())
}

fn minus(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(arith(to_number(input), operand(args), Op::Sub).to_value())
}

fn times(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    Ok(arith(to_number(input), operand(args), Op::Mul).to_value())
}

fn is_zero(n: Number) -> bool {
    match n {
        Number::Int(i) => i == 0,
        Number::Dec(d) => d.mantissa == 0,
    }
}

fn divided_by(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (a, b) = (to_number(input), operand(args));
    if is_zero(b) {
        return Err("divided by 0".into());
    }
    Ok(match (a, b) {
        (Number::Int(x), Number::Int(y)) => match x.checked_div(y) {
            Some(q) if x % y != 0 && ((x < 0) != (y < 0)) => Value::scalar(q - 1),
            Some(q) => Value::scalar(q),
            None => Value::scalar(x as f64 / y as f64),
        },
        (a, b) => Value::scalar(a.to_f64() / b.to_f64()),
    })
}

fn modulo(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (a, b) = (to_number(input), operand(args));
    if is_zero(b) {
        return Err("divided by 0".into());
    }
    let floor_mod = |x: i128, y: i128| {
        let r = x % y;
        if r != 0 && ((r < 0) != (y < 0)) {
            r + y
        } else {
            r
        }
    };
    Ok(match (a, b) {
        (Number::Int(x), Number::Int(y)) => Value::scalar(floor_mod(x.into(), y.into()) as i64),
        (a, b) => match Decimal::align(a.to_decimal(), b.to_decimal()) {
            Some((x, y, scale)) => Number::Dec(Decimal {
                mantissa: floor_mod(x, y),
                scale,
            })
            .to_value(),
            None => Value::scalar(a.to_f64() % b.to_f64()),
        },
    })
}

fn abs(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(match to_number(input) {
        Number::Int(i) => Value::scalar(i.saturating_abs()),
        Number::Dec(d) => Number::Dec(Decimal {
            mantissa: d.mantissa.abs(),
            scale: d.scale,
        })
        .to_value(),
    })
}

/// Round a decimal to `digits` places, half away from zero; `floor`/`ceil` modes.
fn round_decimal(d: Decimal, digits: i64, mode: Ordering) -> Decimal {
    let drop = d.scale as i64 - digits;
    if drop <= 0 {
        return d;
    }
    let Some(p) = 10i128.checked_pow(drop as u32) else {
        return Decimal {
            mantissa: 0,
            scale: 0,
        };
    };
    let (q, r) = (d.mantissa / p, d.mantissa % p);
    let q = match mode {
        Ordering::Less => q - i128::from(r < 0),
        Ordering::Greater => q + i128::from(r > 0),
        Ordering::Equal => {
            if r.abs() * 2 >= p {
                q + d.mantissa.signum()
            } else {
                q
            }
        }
    };
    if digits >= 0 {
        Decimal {
            mantissa: q,
            scale: digits as u32,
        }
    } else {
        let back = 10i128.checked_pow((-digits) as u32).unwrap_or(0);
        Decimal {
            mantissa: q * back,
            scale: 0,
        }
    }
}

fn to_whole(d: Decimal) -> Value {
    let m = d.mantissa / 10i128.pow(d.scale);
    Value::scalar(i64::try_from(m).unwrap_or(if m < 0 { i64::MIN } else { i64::MAX }))
}

fn ceil(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(match to_number(input) {
        Number::Int(i) => Value::scalar(i),
        Number::Dec(d) => to_whole(round_decimal(d, 0, Ordering::Greater)),
    })
}

fn floor(input: &dyn ValueView, _: &Args<'_>) -> Outcome {
    Ok(match to_number(input) {
        Number::Int(i) => Value::scalar(i),
        Number::Dec(d) => to_whole(round_decimal(d, 0, Ordering::Less)),
    })
}

fn round(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let digits = match args.get(0).map(to_number) {
        None => 0,
        Some(Number::Int(i)) => i,
        Some(Number::Dec(d)) => (d.mantissa / 10i128.pow(d.scale)) as i64,
    };
    // Ruby's Float#round gives an Integer for 0 or fewer digits (a junk or nil argument is 0).
    let whole = digits <= 0;
    Ok(match to_number(input) {
        Number::Int(i) if digits >= 0 => Value::scalar(i),
        n => {
            let r = round_decimal(n.to_decimal(), digits, Ordering::Equal);
            match n {
                Number::Int(_) => to_whole(r),
                Number::Dec(_) if whole => to_whole(r),
                Number::Dec(_) => Number::Dec(r).to_value(),
            }
        }
    })
}

fn at_least(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (a, b) = (to_number(input), operand(args));
    Ok(if b.compare(a) == Ordering::Greater {
        b
    } else {
        a
    }
    .to_value())
}

fn at_most(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let (a, b) = (to_number(input), operand(args));
    Ok(if b.compare(a) == Ordering::Less { b } else { a }.to_value())
}

#[cfg(test)]
mod tests {
    use super::super::tests::apply;
    use liquid_core::model::Value;

    fn n(i: i64) -> Value {
        Value::scalar(i)
    }
    fn f(x: f64) -> Value {
        Value::scalar(x)
    }

    #[test]
    fn math_as_ruby() {
        assert_eq!(apply("plus", f(0.1), &[f(0.2)]), Ok(f(0.3)));
        assert_eq!(apply("plus", Value::scalar("3"), &[n(1)]), Ok(n(4)));
        assert_eq!(apply("divided_by", n(-7), &[n(2)]), Ok(n(-4)));
        assert_eq!(apply("divided_by", n(7), &[n(-2)]), Ok(n(-4)));
        assert_eq!(apply("modulo", n(-7), &[n(3)]), Ok(n(2)));
        assert!(apply("divided_by", n(1), &[n(0)]).is_err());
        assert_eq!(apply("round", f(2.5), &[]), Ok(n(3)));
        assert_eq!(apply("round", f(-2.5), &[]), Ok(n(-3)));
        assert_eq!(apply("round", f(1.2345), &[n(2)]), Ok(f(1.23)));
        assert_eq!(apply("ceil", f(1.2), &[]), Ok(n(2)));
        assert_eq!(apply("floor", f(-1.2), &[]), Ok(n(-2)));
        assert_eq!(apply("times", f(1.1), &[n(3)]), Ok(f(3.3)));
        assert_eq!(apply("at_least", n(2), &[f(3.5)]), Ok(f(3.5)));
    }
}
