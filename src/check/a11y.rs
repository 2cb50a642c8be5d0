//! Accessibility findings that need no browser:
//!
//! - `a11y-contrast-primary`: the widget draws its buttons and header in
//!   white on the scenario's `primaryColor`; below WCAG 2.x's 4.5:1 that text
//!   is hard to read (`a11y-colour-unreadable` when the colour cannot be read);
//! - `a11y-html-lang`: the page has no `<html lang>`;
//! - `a11y-img-alt`: an `<img>` (or `<input type=image>`) of the template's
//!   own markup has no `alt`;
//! - `a11y-control-label`: an `<input>`, `<select>` or `<textarea>` of the
//!   template's markup has no label (`<label for>`, an enclosing `<label>`,
//!   `aria-label`, `aria-labelledby` or `title`).
//!
//! The markup checks read the rendered page with a small tag scanner (start
//! tags and their attributes, with offsets mapped back to template lines);
//! what the widget draws at run time is not in it.

use std::sync::Arc;

use crate::check::report::{Finding, Level};

/// A colour, 8 bits a channel, with alpha 0–1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Colour {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: f64,
}

impl Colour {
    pub const WHITE: Colour = Colour {
        r: 255,
        g: 255,
        b: 255,
        a: 1.0,
    };

    /// `#rrggbb`.
    pub fn hex(&self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }

    /// This colour over `under` (which is opaque).
    pub fn over(&self, under: Colour) -> Colour {
        let mix =
            |a: u8, b: u8| (f64::from(a) * self.a + f64::from(b) * (1.0 - self.a)).round() as u8;
        Colour {
            r: mix(self.r, under.r),
            g: mix(self.g, under.g),
            b: mix(self.b, under.b),
            a: 1.0,
        }
    }

    /// WCAG 2.x relative luminance.
    pub fn luminance(&self) -> f64 {
        let channel = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(self.r) + 0.7152 * channel(self.g) + 0.0722 * channel(self.b)
    }
}

/// WCAG 2.x contrast ratio of two opaque colours (1 to 21).
pub fn contrast(a: Colour, b: Colour) -> f64 {
    let (la, lb) = (a.luminance(), b.luminance());
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// The ratio as WCAG writes it, rounded down to two decimals (4.499 is not 4.5).
pub fn ratio_text(ratio: f64) -> String {
    format!("{:.2}:1", (ratio * 100.0).floor() / 100.0)
}

/// Parse a CSS colour: `#rgb`, `#rgba`, `#rrggbb`, `#rrggbbaa`, `rgb()` /
/// `rgba()` (commas or spaces, numbers or percentages, `/ alpha`), a named
/// colour or `transparent`.
pub fn parse_colour(text: &str) -> Option<Colour> {
    let t = text.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        let digits: Vec<u8> = hex
            .chars()
            .map(|c| c.to_digit(16).map(|d| d as u8))
            .collect::<Option<_>>()?;
        let (r, g, b, a) = match digits.len() {
            3 | 4 => (
                digits[0] * 17,
                digits[1] * 17,
                digits[2] * 17,
                digits.get(3).map_or(255, |d| d * 17),
            ),
            6 | 8 => (
                digits[0] * 16 + digits[1],
                digits[2] * 16 + digits[3],
                digits[4] * 16 + digits[5],
                if digits.len() == 8 {
                    digits[6] * 16 + digits[7]
                } else {
                    255
                },
            ),
            _ => return None,
        };
        return Some(Colour {
            r,
            g,
            b,
            a: f64::from(a) / 255.0,
        });
    }
    if let Some(args) = t
        .strip_prefix("rgba(")
        .or_else(|| t.strip_prefix("rgb("))
        .and_then(|s| s.strip_suffix(')'))
    {
        let (channels, alpha) = match args.split_once('/') {
            Some((c, a)) => (c, Some(a.trim())),
            None => (args, None),
        };
        let mut parts: Vec<&str> = channels
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        let alpha = match (alpha, parts.len()) {
            (Some(a), 3) => Some(a),
            (None, 4) => parts.pop(),
            (None, 3) => None,
            _ => return None,
        };
        let channel = |p: &str| -> Option<u8> {
            let v = match p.strip_suffix('%') {
                Some(pct) => pct.parse::<f64>().ok()? * 2.55,
                None => p.parse::<f64>().ok()?,
            };
            v.is_finite().then(|| v.clamp(0.0, 255.0).round() as u8)
        };
        let a = match alpha {
            None => 1.0,
            Some(a) => match a.strip_suffix('%') {
                Some(pct) => pct.parse::<f64>().ok()? / 100.0,
                None => a.parse::<f64>().ok()?,
            },
        };
        if !a.is_finite() {
            return None;
        }
        return Some(Colour {
            r: channel(parts[0])?,
            g: channel(parts[1])?,
            b: channel(parts[2])?,
            a: a.clamp(0.0, 1.0),
        });
    }
    if t == "transparent" {
        return Some(Colour {
            r: 0,
            g: 0,
            b: 0,
            a: 0.0,
        });
    }
    let at = NAMED
        .binary_search_by(|(name, _)| name.cmp(&t.as_str()))
        .ok()?;
    let v = NAMED[at].1;
    Some(Colour {
        r: (v >> 16) as u8,
        g: (v >> 8) as u8,
        b: v as u8,
        a: 1.0,
    })
}

/// The CSS named colours (CSS Color 4), sorted.
const NAMED: &[(&str, u32)] = &[
    ("aliceblue", 0xf0f8ff),
    ("antiquewhite", 0xfaebd7),
    ("aqua", 0x00ffff),
    ("aquamarine", 0x7fffd4),
    ("azure", 0xf0ffff),
    ("beige", 0xf5f5dc),
    ("bisque", 0xffe4c4),
    ("black", 0x000000),
    ("blanchedalmond", 0xffebcd),
    ("blue", 0x0000ff),
    ("blueviolet", 0x8a2be2),
    ("brown", 0xa52a2a),
    ("burlywood", 0xdeb887),
    ("cadetblue", 0x5f9ea0),
    ("chartreuse", 0x7fff00),
    ("chocolate", 0xd2691e),
    ("coral", 0xff7f50),
    ("cornflowerblue", 0x6495ed),
    ("cornsilk", 0xfff8dc),
    ("crimson", 0xdc143c),
    ("cyan", 0x00ffff),
    ("darkblue", 0x00008b),
    ("darkcyan", 0x008b8b),
    ("darkgoldenrod", 0xb8860b),
    ("darkgray", 0xa9a9a9),
    ("darkgreen", 0x006400),
    ("darkgrey", 0xa9a9a9),
    ("darkkhaki", 0xbdb76b),
    ("darkmagenta", 0x8b008b),
    ("darkolivegreen", 0x556b2f),
    ("darkorange", 0xff8c00),
    ("darkorchid", 0x9932cc),
    ("darkred", 0x8b0000),
    ("darksalmon", 0xe9967a),
    ("darkseagreen", 0x8fbc8f),
    ("darkslateblue", 0x483d8b),
    ("darkslategray", 0x2f4f4f),
    ("darkslategrey", 0x2f4f4f),
    ("darkturquoise", 0x00ced1),
    ("darkviolet", 0x9400d3),
    ("deeppink", 0xff1493),
    ("deepskyblue", 0x00bfff),
    ("dimgray", 0x696969),
    ("dimgrey", 0x696969),
    ("dodgerblue", 0x1e90ff),
    ("firebrick", 0xb22222),
    ("floralwhite", 0xfffaf0),
    ("forestgreen", 0x228b22),
    ("fuchsia", 0xff00ff),
    ("gainsboro", 0xdcdcdc),
    ("ghostwhite", 0xf8f8ff),
    ("gold", 0xffd700),
    ("goldenrod", 0xdaa520),
    ("gray", 0x808080),
    ("green", 0x008000),
    ("greenyellow", 0xadff2f),
    ("grey", 0x808080),
    ("honeydew", 0xf0fff0),
    ("hotpink", 0xff69b4),
    ("indianred", 0xcd5c5c),
    ("indigo", 0x4b0082),
    ("ivory", 0xfffff0),
    ("khaki", 0xf0e68c),
    ("lavender", 0xe6e6fa),
    ("lavenderblush", 0xfff0f5),
    ("lawngreen", 0x7cfc00),
    ("lemonchiffon", 0xfffacd),
    ("lightblue", 0xadd8e6),
    ("lightcoral", 0xf08080),
    ("lightcyan", 0xe0ffff),
    ("lightgoldenrodyellow", 0xfafad2),
    ("lightgray", 0xd3d3d3),
    ("lightgreen", 0x90ee90),
    ("lightgrey", 0xd3d3d3),
    ("lightpink", 0xffb6c1),
    ("lightsalmon", 0xffa07a),
    ("lightseagreen", 0x20b2aa),
    ("lightskyblue", 0x87cefa),
    ("lightslategray", 0x778899),
    ("lightslategrey", 0x778899),
    ("lightsteelblue", 0xb0c4de),
    ("lightyellow", 0xffffe0),
    ("lime", 0x00ff00),
    ("limegreen", 0x32cd32),
    ("linen", 0xfaf0e6),
    ("magenta", 0xff00ff),
    ("maroon", 0x800000),
    ("mediumaquamarine", 0x66cdaa),
    ("mediumblue", 0x0000cd),
    ("mediumorchid", 0xba55d3),
    ("mediumpurple", 0x9370db),
    ("mediumseagreen", 0x3cb371),
    ("mediumslateblue", 0x7b68ee),
    ("mediumspringgreen", 0x00fa9a),
    ("mediumturquoise", 0x48d1cc),
    ("mediumvioletred", 0xc71585),
    ("midnightblue", 0x191970),
    ("mintcream", 0xf5fffa),
    ("mistyrose", 0xffe4e1),
    ("moccasin", 0xffe4b5),
    ("navajowhite", 0xffdead),
    ("navy", 0x000080),
    ("oldlace", 0xfdf5e6),
    ("olive", 0x808000),
    ("olivedrab", 0x6b8e23),
    ("orange", 0xffa500),
    ("orangered", 0xff4500),
    ("orchid", 0xda70d6),
    ("palegoldenrod", 0xeee8aa),
    ("palegreen", 0x98fb98),
    ("paleturquoise", 0xafeeee),
    ("palevioletred", 0xdb7093),
    ("papayawhip", 0xffefd5),
    ("peachpuff", 0xffdab9),
    ("peru", 0xcd853f),
    ("pink", 0xffc0cb),
    ("plum", 0xdda0dd),
    ("powderblue", 0xb0e0e6),
    ("purple", 0x800080),
    ("rebeccapurple", 0x663399),
    ("red", 0xff0000),
    ("rosybrown", 0xbc8f8f),
    ("royalblue", 0x4169e1),
    ("saddlebrown", 0x8b4513),
    ("salmon", 0xfa8072),
    ("sandybrown", 0xf4a460),
    ("seagreen", 0x2e8b57),
    ("seashell", 0xfff5ee),
    ("sienna", 0xa0522d),
    ("silver", 0xc0c0c0),
    ("skyblue", 0x87ceeb),
    ("slateblue", 0x6a5acd),
    ("slategray", 0x708090),
    ("slategrey", 0x708090),
    ("snow", 0xfffafa),
    ("springgreen", 0x00ff7f),
    ("steelblue", 0x4682b4),
    ("tan", 0xd2b48c),
    ("teal", 0x008080),
    ("thistle", 0xd8bfd8),
    ("tomato", 0xff6347),
    ("turquoise", 0x40e0d0),
    ("violet", 0xee82ee),
    ("wheat", 0xf5deb3),
    ("white", 0xffffff),
    ("whitesmoke", 0xf5f5f5),
    ("yellow", 0xffff00),
    ("yellowgreen", 0x9acd32),
];

/// WCAG 2.x AA for normal text.
pub const MIN_RATIO: f64 = 4.5;
/// WCAG 2.x AA for large text (24 px, or 18.66 px bold).
pub const MIN_RATIO_LARGE: f64 = 3.0;

/// The contrast of the widget's white text on `primaryColor`, for one scenario.
/// `at` is where the scenario sets it: `(file shown, its text, start, end)`.
pub fn primary_colour(
    value: &serde_json::Value,
    scenario: &str,
    at: Option<(String, Arc<str>, usize, usize)>,
) -> Option<Finding> {
    let place = |f: Finding| match &at {
        Some((file, text, start, end)) => f.in_file(file.clone()).at(text.clone(), *start, *end),
        None => f,
    };
    let Some(text) = value.as_str().filter(|s| !s.trim().is_empty()) else {
        return Some(place(
            Finding::new(
                Level::Note,
                "a11y-colour-unreadable",
                format!(
                    "`primaryColor` is {value}, not a CSS colour: its contrast cannot be checked"
                ),
            )
            .scenario(scenario),
        ));
    };
    let Some(colour) = parse_colour(text) else {
        return Some(place(
            Finding::new(
                Level::Note,
                "a11y-colour-unreadable",
                format!("cannot read `primaryColor` \"{text}\" as a colour: its contrast cannot be checked"),
            )
            .scenario(scenario)
            .help("write it as #rgb, #rrggbb, rgb(r, g, b) or a CSS colour name"),
        ));
    };
    // A translucent colour is drawn over the widget's white card.
    let shown = colour.over(Colour::WHITE);
    let ratio = contrast(Colour::WHITE, shown);
    (ratio < MIN_RATIO).then(|| {
        place(
            Finding::new(
                Level::Warning,
                "a11y-contrast-primary",
                format!(
                    "white text on primaryColor {text} has a contrast ratio of {} (WCAG 2.x asks for at least 4.5:1)",
                    ratio_text(ratio)
                ),
            )
            .scenario(scenario)
            .label(format!("white on {}: {}", shown.hex(), ratio_text(ratio)))
            .help("the widget draws its buttons and header text white on primaryColor; choose a darker colour")
            .help(darker_hint(shown)),
        )
    })
}

/// The same hue darkened until white reaches 4.5:1.
fn darker_hint(c: Colour) -> String {
    let mut k = 1.0;
    loop {
        let d = Colour {
            r: (f64::from(c.r) * k) as u8,
            g: (f64::from(c.g) * k) as u8,
            b: (f64::from(c.b) * k) as u8,
            a: 1.0,
        };
        if contrast(Colour::WHITE, d) >= MIN_RATIO || k <= 0.0 {
            return format!(
                "{} is the same hue with {} contrast",
                d.hex(),
                ratio_text(contrast(Colour::WHITE, d))
            );
        }
        k -= 0.02;
    }
}

/// A start tag of the rendered page.
#[derive(Debug, Clone)]
pub struct Tag<'h> {
    /// Offset of `<`.
    pub start: usize,
    /// Offset just past the tag name.
    pub name_end: usize,
    /// Offset just past `>`.
    pub end: usize,
    /// Lower case.
    pub name: String,
    pub attrs: Vec<(String, Option<&'h str>)>,
    /// The `<label>` elements open around it (start offsets).
    pub in_label: bool,
}

impl Tag<'_> {
    pub fn attr(&self, name: &str) -> Option<Option<&str>> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_deref())
    }
}

/// The start tags of `html` in order, outside comments and the raw text of
/// `script`, `style`, `textarea` and `title`.
pub fn start_tags(html: &str) -> Vec<Tag<'_>> {
    let bytes = html.as_bytes();
    let mut out = Vec::new();
    let mut labels = 0usize;
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let at = i + off;
        let rest = &html[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            i = comment.find("-->").map_or(html.len(), |e| at + 4 + e + 3);
            continue;
        }
        if let Some(close) = rest.strip_prefix("</") {
            let name: String = close
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            if name == "label" {
                labels = labels.saturating_sub(1);
            }
            i = at + 2;
            continue;
        }
        let name_len = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
            .unwrap_or(rest.len() - 1);
        if name_len == 0 || !bytes[at + 1].is_ascii_alphabetic() {
            i = at + 1;
            continue;
        }
        let name = rest[1..1 + name_len].to_ascii_lowercase();
        let name_end = at + 1 + name_len;
        let (attrs, end) = attributes(html, name_end);
        let self_closing = html[..end].ends_with("/>");
        if name == "label" && !self_closing {
            labels += 1;
        }
        out.push(Tag {
            start: at,
            name_end,
            end,
            name: name.clone(),
            attrs,
            in_label: labels > usize::from(name == "label"),
        });
        i = end;
        if matches!(name.as_str(), "script" | "style" | "textarea" | "title") {
            let closing = format!("</{name}");
            let lower = html[end..].to_ascii_lowercase();
            i = lower.find(&closing).map_or(html.len(), |e| end + e);
        }
    }
    out
}

/// Attributes from `from` to the end of the tag, and the offset past `>`.
fn attributes(html: &str, from: usize) -> (Vec<(String, Option<&str>)>, usize) {
    let b = html.as_bytes();
    let mut attrs = Vec::new();
    let mut i = from;
    loop {
        while i < b.len() && (b[i].is_ascii_whitespace() || b[i] == b'/') {
            i += 1;
        }
        if i >= b.len() {
            return (attrs, b.len());
        }
        if b[i] == b'>' {
            return (attrs, i + 1);
        }
        let start = i;
        while i < b.len() && !b[i].is_ascii_whitespace() && !matches!(b[i], b'=' | b'>' | b'/') {
            i += 1;
        }
        let name = html[start..i].to_ascii_lowercase();
        let mut j = i;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if j < b.len() && b[j] == b'=' {
            j += 1;
            while j < b.len() && b[j].is_ascii_whitespace() {
                j += 1;
            }
            let value = if j < b.len() && (b[j] == b'"' || b[j] == b'\'') {
                let q = b[j];
                let vs = j + 1;
                let ve = html[vs..].find(q as char).map_or(b.len(), |e| vs + e);
                i = (ve + 1).min(b.len());
                &html[vs..ve]
            } else {
                let vs = j;
                while j < b.len() && !b[j].is_ascii_whitespace() && b[j] != b'>' {
                    j += 1;
                }
                i = j;
                &html[vs..j]
            };
            attrs.push((name, Some(value)));
        } else {
            attrs.push((name, None));
        }
    }
}

/// Where a finding about the rendered page points: `(file, text, start, end)` in the template.
pub type Locate<'a> = dyn Fn(usize) -> Option<(String, Arc<str>, usize, usize)> + 'a;

/// The markup findings for one rendered page.
pub fn markup_findings(
    html: &str,
    locate: &Locate<'_>,
    template: &str,
    scenario: &str,
) -> Vec<Finding> {
    let tags = start_tags(html);
    let mut out = Vec::new();
    let place = |f: Finding, offset: usize| -> Finding {
        let rendered = html[..offset].matches('\n').count() + 1;
        let mut f = match locate(offset) {
            Some((file, text, start, end)) => f.in_file(file).at(text, start, end),
            None => f.in_file(template.to_owned()),
        };
        f.rendered_line = Some(rendered);
        f.merge_by_place = true;
        f.scenario(scenario)
    };
    match tags.iter().find(|t| t.name == "html") {
        Some(t) if t.attr("lang").flatten().is_some_and(|l| !l.trim().is_empty()) => {}
        Some(t) => out.push(
            place(
                Finding::new(Level::Warning, "a11y-html-lang", "the page's <html> has no `lang`")
                    .label("add lang=\"…\" here")
                    .help("screen readers pick their voice from it: write <html lang=\"en\"> (or the page's language)"),
                t.start,
            ),
        ),
        None => out.push(
            Finding::new(Level::Warning, "a11y-html-lang", "the page has no <html lang=\"…\"> element")
                .in_file(template.to_owned())
                .scenario(scenario)
                .help("start the page with <!DOCTYPE html> and <html lang=\"en\"> (or the page's language)"),
        ),
    }
    let labelled: Vec<&str> = tags
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.attr("for").flatten())
        .collect();
    for t in &tags {
        let image_input = t.name == "input"
            && t.attr("type")
                .flatten()
                .is_some_and(|v| v.eq_ignore_ascii_case("image"));
        if (t.name == "img" || image_input) && t.attr("alt").is_none() {
            out.push(place(
                Finding::new(
                    Level::Warning,
                    "a11y-img-alt",
                    format!("<{}> without `alt`", t.name),
                )
                .label("no alt")
                .help("describe the image in alt=\"…\", or write alt=\"\" when it is decoration"),
                t.start,
            ));
            continue;
        }
        let control = match t.name.as_str() {
            "select" | "textarea" => true,
            "input" => !t.attr("type").flatten().is_some_and(|v| {
                matches!(
                    v.to_ascii_lowercase().as_str(),
                    "hidden" | "submit" | "reset" | "button" | "image"
                )
            }),
            _ => false,
        };
        if !control || t.in_label {
            continue;
        }
        let named = ["aria-label", "aria-labelledby", "title"]
            .iter()
            .any(|a| t.attr(a).flatten().is_some_and(|v| !v.trim().is_empty()));
        let by_for = t
            .attr("id")
            .flatten()
            .is_some_and(|id| labelled.contains(&id));
        if !named && !by_for {
            out.push(place(
                Finding::new(
                    Level::Warning,
                    "a11y-control-label",
                    format!("<{}> without a label", t.name),
                )
                .label("no label")
                .help("give it a <label for=\"id\">, wrap it in <label>, or add aria-label=\"…\""),
                t.start,
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours() {
        let c = |s| parse_colour(s).map(|c| (c.hex(), c.a));
        assert_eq!(c("#0a7c66"), Some(("#0a7c66".into(), 1.0)));
        assert_eq!(c("#FFF"), Some(("#ffffff".into(), 1.0)));
        assert_eq!(c(" rgb(10, 124, 102) "), Some(("#0a7c66".into(), 1.0)));
        assert_eq!(c("rgb(10 124 102 / 50%)"), Some(("#0a7c66".into(), 0.5)));
        assert_eq!(c("rgba(0, 0, 0, 0)"), Some(("#000000".into(), 0.0)));
        assert_eq!(c("rgb(100%, 0%, 0%)"), Some(("#ff0000".into(), 1.0)));
        assert_eq!(c("RebeccaPurple"), Some(("#663399".into(), 1.0)));
        assert_eq!(c("#12345"), None);
        assert_eq!(c("rgb(1, 2)"), None);
        assert_eq!(c("brand-blue"), None);
        assert!(NAMED.windows(2).all(|w| w[0].0 < w[1].0), "sorted");
    }

    #[test]
    fn wcag_ratios() {
        let white = Colour::WHITE;
        let black = parse_colour("black").unwrap();
        assert_eq!(ratio_text(contrast(white, black)), "21.00:1");
        assert_eq!(ratio_text(contrast(white, white)), "1.00:1");
        // Known values (the WCAG formula, computed independently).
        assert_eq!(
            ratio_text(contrast(white, parse_colour("#0a7c66").unwrap())),
            "5.13:1"
        );
        assert_eq!(
            ratio_text(contrast(white, parse_colour("#ffe14d").unwrap())),
            "1.30:1"
        );
        assert_eq!(
            ratio_text(contrast(white, parse_colour("#777").unwrap())),
            "4.47:1"
        );
    }

    #[test]
    fn primary_colour_findings() {
        let v = |s: &str| serde_json::Value::String(s.into());
        let f = primary_colour(&v("#ffe14d"), "yellow", None).unwrap();
        assert_eq!(f.code, "a11y-contrast-primary");
        assert!(
            f.message.contains("1.30:1") && f.message.contains("#ffe14d"),
            "{}",
            f.message
        );
        assert!(primary_colour(&v("#0a7c66"), "teal", None).is_none());
        let note = primary_colour(&v("brand"), "x", None).unwrap();
        assert_eq!(
            (note.code, note.level),
            ("a11y-colour-unreadable", Level::Note)
        );
        assert!(primary_colour(&serde_json::json!(12), "x", None).is_some());
    }

    #[test]
    fn tag_scanner() {
        let html = "<!-- <img> --><html lang=en><title><img></title><script>if (a<b) '<input>'</script>\
                    <label>Code <input id=a></label><img src='x' alt=\"\"><INPUT type=\"hidden\" disabled>";
        let tags = start_tags(html);
        let names: Vec<&str> = tags.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["html", "title", "script", "label", "input", "img", "input"]
        );
        assert_eq!(tags[0].attr("lang"), Some(Some("en")));
        assert!(tags[4].in_label && !tags[3].in_label);
        assert_eq!(tags[6].attr("disabled"), Some(None));
        assert_eq!(&html[tags[5].start..tags[5].end], "<img src='x' alt=\"\">");
    }

    #[test]
    fn markup_findings_name_each_problem() {
        let html = "<!DOCTYPE html>\n<html>\n<img src=a.png>\n<input id=code>\n<label for=pin>PIN</label><input id=pin>\n<select aria-label=Method></select>\n";
        let none = |_: usize| None;
        let found = markup_findings(html, &none, "t.liquid", "s");
        let codes: Vec<(&str, Option<usize>)> =
            found.iter().map(|f| (f.code, f.rendered_line)).collect();
        assert_eq!(
            codes,
            [
                ("a11y-html-lang", Some(2)),
                ("a11y-img-alt", Some(3)),
                ("a11y-control-label", Some(4))
            ]
        );
        let ok = "<html lang=\"en\"><img alt=\"\" src=x><label>Code <input></label>";
        assert!(markup_findings(ok, &none, "t.liquid", "s").is_empty());
    }
}
