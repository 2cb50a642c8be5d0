//! `date`: the reference's input rules (Ruby's `Liquid::Utils.to_date`) in
//! front of the crate's strftime.
//!
//! Ruby reads a whole number, or a string of digits, as a Unix timestamp, and
//! any other string with `Time.parse`; the crate's parser only reads a few
//! formats, all with a time of day. We read the forms that JSON data carries —
//! timestamps and ISO 8601 dates (`2024-03-05`, `2024-03-05T10:20:30Z`,
//! `2024-03-05 10:20:30.5+02:00`) — and hand the crate one text it reads; other
//! strings go to the crate's parser as they are. Like Ruby on a machine set to
//! UTC (as Auth0's servers and our CI are), a time without a zone is UTC and
//! `%Z` prints `UTC` for a zero offset and nothing for any other.

use liquid_core::model::{Scalar, Value, ValueView};

use super::{Args, Outcome};
use crate::value::{self, Kind};

pub(super) fn date(input: &dyn ValueView, args: &Args<'_>) -> Outcome {
    let format = args.get(0).map(value::ruby_to_s).unwrap_or_default();
    if format.is_empty() {
        return Ok(input.to_value());
    }
    let text = match value::kind(input) {
        Kind::Int(i) => i.to_string(),
        Kind::Str(t) if t.is_empty() => return Ok(input.to_value()),
        Kind::Str(t) if t.eq_ignore_ascii_case("now") || t.eq_ignore_ascii_case("today") => {
            "now".to_owned()
        }
        Kind::Str(t) if t.bytes().all(|b| b.is_ascii_digit()) => t.into_owned(),
        // `-5` as a string is no timestamp for Ruby (`Time.parse` fails).
        Kind::Str(t) if t.parse::<i64>().is_ok() => return Ok(input.to_value()),
        Kind::Str(t) => iso_8601(&t)
            .or_else(|| written_date(&t))
            .unwrap_or_else(|| t.into_owned()),
        _ => return Ok(input.to_value()),
    };
    let format = if format.contains("%Z") {
        // The crate prints `%Z` as the offset; Ruby prints the zone's name.
        let zone = match strftime(&text, "%z").as_deref() {
            Some("+0000") => "UTC",
            _ => "",
        };
        zone_names(&format, zone)
    } else {
        format.into_owned()
    };
    Ok(strftime(&text, &format).map_or_else(|| input.to_value(), Value::scalar))
}

/// The widest field a strftime format asks for (`%4000000000Y` asks for
/// four billion characters), so that it can be paid for before formatting.
pub(super) fn widest_field(format: &str) -> usize {
    let bytes = format.as_bytes();
    let mut widest = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'%' {
            i += 1;
            continue;
        }
        i += 1;
        while i < bytes.len() && matches!(bytes[i], b'-' | b'_' | b'0' | b'^' | b'#' | b':') {
            i += 1;
        }
        let mut width = 0usize;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            width = width
                .saturating_mul(10)
                .saturating_add(usize::from(bytes[i] - b'0'));
            i += 1;
        }
        widest = widest.max(width);
        i += 1;
    }
    widest
}

/// The crate's reading of `text` as a date, formatted with its strftime;
/// `None` when it is no date (or the format is one the crate rejects).
fn strftime(text: &str, format: &str) -> Option<String> {
    Scalar::new(text.to_owned())
        .to_date_time()?
        .format(format)
        .ok()
}

/// `format` with every `%Z` (not `%%Z`) replaced by `zone`.
fn zone_names(format: &str, zone: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('Z') => out.push_str(zone),
            Some(next) => {
                out.push('%');
                out.push(next);
            }
            None => out.push('%'),
        }
    }
    out
}

/// A date written in words, as Ruby's `Time.parse` reads it: `March 14, 2016`,
/// `14 March 2016`, `Mar 14 2016` (midnight UTC).
fn written_date(text: &str) -> Option<String> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    let month_of = |w: &str| {
        let w = w.to_ascii_lowercase();
        let w = w.trim_end_matches('.');
        MONTHS
            .iter()
            .position(|m| {
                w.len() >= 3
                    && (m.starts_with(w) || w.starts_with(m))
                    && w.chars().all(|c| c.is_ascii_alphabetic())
            })
            .map(|i| i as i64 + 1)
    };
    let number = |w: &str| w.parse::<i64>().ok();
    let (month, day, year) = match words.as_slice() {
        [m, d, y] if month_of(m).is_some() => (month_of(m)?, number(d)?, number(y)?),
        [d, m, y] if month_of(m).is_some() => (month_of(m)?, number(d)?, number(y)?),
        _ => return None,
    };
    if !(1..=31).contains(&day) || !(1000..=9999).contains(&year) {
        return None;
    }
    iso_8601(&format!("{year:04}-{month:02}-{day:02}"))
}

/// An ISO 8601 date, with optional time and zone, as the crate's
/// `YYYY-MM-DD HH:MM:SS.f +HHMM`; days past the month's end roll over, as in
/// Ruby's `Time`.
fn iso_8601(text: &str) -> Option<String> {
    let mut p = Parser {
        s: text.trim().as_bytes(),
        i: 0,
    };
    let year = p.digits(4, 4)?;
    p.byte(b'-').or_else(|| p.byte(b'/'))?;
    let month = p.digits(1, 2)?;
    p.byte(b'-').or_else(|| p.byte(b'/'))?;
    let day = p.digits(1, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let (mut hour, mut minute, mut second, mut nanos) = (0, 0, 0, 0);
    let before_time = p.i;
    if p.byte(b'T').or_else(|| p.byte(b' ')).is_some() {
        match p.time() {
            Some(t) => (hour, minute, second, nanos) = t,
            None => p.i = before_time,
        }
    }
    while p.byte(b' ').is_some() {}
    let offset = p.zone()?;
    if p.i != p.s.len() {
        return None;
    }
    // Normalise the day (`2024-02-30` is 1 March), as Ruby's Time does.
    let days = days_from_civil(year, month, 1) + day - 1;
    let (year, month, day) = civil_from_days(days);
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.abs();
    Some(format!(
        "{year:04}-{month:02}-{day:02} {hour:02}:{minute:02}:{second:02}.{nanos:09} {sign}{:02}{:02}",
        offset / 3600,
        offset / 60 % 60
    ))
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn byte(&mut self, b: u8) -> Option<()> {
        (self.s.get(self.i) == Some(&b)).then(|| self.i += 1)
    }

    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let start = self.i;
        while self.i - start < max && self.s.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        if self.i - start < min {
            self.i = start;
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }

    /// `HH:MM[:SS[.fraction]]`.
    fn time(&mut self) -> Option<(i64, i64, i64, i64)> {
        let hour = self.digits(1, 2)?;
        self.byte(b':')?;
        let minute = self.digits(1, 2)?;
        let mut second = 0;
        let mut nanos = 0;
        if self.byte(b':').is_some() {
            second = self.digits(1, 2)?;
            if self.byte(b'.').or_else(|| self.byte(b',')).is_some() {
                let start = self.i;
                let fraction = self.digits(1, usize::MAX)?;
                let len = (self.i - start) as u32;
                nanos = if len <= 9 {
                    fraction * 10_i64.pow(9 - len)
                } else {
                    // Keep the first nine digits.
                    std::str::from_utf8(&self.s[start..start + 9])
                        .ok()?
                        .parse()
                        .ok()?
                };
            }
        }
        (hour < 24 && minute < 60 && second < 60).then_some((hour, minute, second, nanos))
    }

    /// `Z`, `UTC`, `GMT`, `±HH`, `±HHMM`, `±HH:MM` or nothing: the offset in seconds.
    fn zone(&mut self) -> Option<i64> {
        let rest = &self.s[self.i..];
        for name in [&b"UTC"[..], b"GMT", b"Z"] {
            if rest.starts_with(name) {
                self.i += name.len();
                return Some(0);
            }
        }
        let sign = match rest.first() {
            Some(b'+') => 1,
            Some(b'-') => -1,
            _ => return Some(0),
        };
        self.i += 1;
        let hours = self.digits(2, 2)?;
        self.byte(b':');
        let minutes = self.digits(2, 2).unwrap_or(0);
        (hours < 24 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::super::tests::apply;
    use super::*;

    fn date(input: Value, format: &str) -> Value {
        apply("date", input, &[Value::scalar(format.to_owned())]).unwrap()
    }

    fn str(v: &str) -> Value {
        Value::scalar(v.to_owned())
    }

    #[test]
    fn reads_iso_dates_and_timestamps_as_ruby() {
        let f = "%F %T %z|%Z|%L";
        assert_eq!(
            date(str("2024-03-05"), f),
            str("2024-03-05 00:00:00 +0000|UTC|000")
        );
        assert_eq!(
            date(str("2024-03-05T10:20:30.5+02:00"), f),
            str("2024-03-05 10:20:30 +0200||500")
        );
        assert_eq!(
            date(str("2024-03-05 1:02"), f),
            str("2024-03-05 01:02:00 +0000|UTC|000")
        );
        assert_eq!(
            date(str("2024-02-30"), "%F"),
            str("2024-03-01"),
            "days roll over"
        );
        assert_eq!(
            date(Value::scalar(1_700_000_000), f),
            str("2023-11-14 22:13:20 +0000|UTC|000")
        );
        assert_eq!(date(Value::scalar(-5), "%T"), str("23:59:55"));
        assert_eq!(date(str("1700000000"), "%Y"), str("2023"));
    }

    #[test]
    fn gives_back_what_is_no_date() {
        for input in [
            str("-5"),
            str("2024-13-05"),
            str("nope"),
            Value::scalar(1.5),
        ] {
            assert_eq!(date(input.clone(), "%Y"), input);
        }
        assert_eq!(date(str("x"), ""), str("x"));
        assert_eq!(date(str("2024-03-05"), "100%% %Z"), str("100% UTC"));
    }

    #[test]
    fn the_widest_field_is_found() {
        assert_eq!(super::widest_field("%Y-%m-%d"), 0);
        assert_eq!(super::widest_field("%-10d %4000000000Y"), 4_000_000_000);
        assert_eq!(super::widest_field("%%99 %_5H"), 5);
        assert_eq!(super::widest_field("%99999999999999999999999N"), usize::MAX);
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-719_468, -1, 0, 19_787, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(0), (1970, 1, 1));
    }
}
