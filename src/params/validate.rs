//! Checks a raw value against a parameter's grammar and returns its canonical spelling,
//! so equivalent URLs (`w=100.0`, `w=100`; `bg=red`, `bg=FF0000`) share one cache key.

use super::color::Color;
use super::spec::{Expect, Range, Spec, ANY as ANY_RANGE, DRAWN_AT_LIMIT};
use crate::error::{Error, Result};

/// The canonical spelling of `value`, or a 400 naming the parameter, the value and what is
/// allowed: the strict reading, where anything `read` would clamp or drop is refused.
pub fn normalize(spec: &Spec, value: &str) -> Result<String> {
    match read(spec, value) {
        Reading::Valid(v) => Ok(v),
        Reading::Fixed(..) | Reading::Invalid(_) => Err(refusal(spec, value)),
    }
}

/// The 400 for a value strict reading refuses.
pub fn refusal(spec: &Spec, value: &str) -> Error {
    Error::invalid_param(
        spec.name,
        format!("{}={:?} is not allowed: expected {}", spec.name, value.trim(), describe(spec)),
    )
}

/// What imgix's forgiving semantics make of a value.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// As given, in its canonical spelling.
    Valid(String),
    /// Usable once changed: the value applied, and what was done (`clamped to 8192`).
    Fixed(String, String),
    /// Unusable (the default is used): why.
    Invalid(String),
}

/// Reads `value` as imgix does: a number beyond the range is drawn at its limit, unknown items of
/// a list are left out, and anything else unusable (not a number, a negative where only positive
/// values make sense, an unknown keyword) is dropped so the default applies.
pub fn read(spec: &Spec, value: &str) -> Reading {
    let value = value.trim();
    let reading = read_shapes(spec, value);
    // `auto` is a set: order and repeats do not matter.
    if spec.name != "auto" {
        return reading;
    }
    let as_set = |v: String| {
        let mut items: Vec<&str> = v.split(',').collect();
        items.sort_unstable();
        items.dedup();
        items.join(",")
    };
    match reading {
        Reading::Valid(v) => Reading::Valid(as_set(v)),
        Reading::Fixed(v, why) => Reading::Fixed(as_set(v), why),
        invalid => invalid,
    }
}

fn read_shapes(spec: &Spec, value: &str) -> Reading {
    let n = number(value);
    if let Some(normal) = first_shape(spec.expects, value) {
        // The strict ranges are met; a limit narrower than them (`spec::DRAWN_AT_LIMIT`) may not be.
        let within = match n {
            Some(n) if DRAWN_AT_LIMIT.contains(&spec.name) => clamp(spec, n).as_ref() == Some(&normal),
            _ => true,
        };
        if within {
            return Reading::Valid(normal);
        }
    }
    if let Some(n) = n {
        if let Some(c) = clamp(spec, n) {
            let rounded_only = spec.expects.iter().any(|e| numeric_limit(spec, e).is_some_and(|r| r.contains(n)));
            let why = if rounded_only { format!("rounded to {c}") } else { format!("clamped to {c}") };
            return Reading::Fixed(c, why);
        }
        if n < 0.0 && spec.expects.iter().any(|e| numeric_limit(spec, e).is_some()) {
            return Reading::Invalid("negative".into());
        }
    }
    if let [Expect::ListOf(set)] = spec.expects {
        let (known, unknown): (Vec<String>, Vec<String>) = value
            .split(',')
            .map(|i| i.trim().to_ascii_lowercase())
            .filter(|i| !i.is_empty())
            .partition(|i| set.contains(&i.as_str()));
        if !known.is_empty() {
            return Reading::Fixed(known.join(","), format!("{} left out", unknown.join(",")));
        }
    }
    let numeric = spec.expects.iter().all(|e| numeric_limit(spec, e).is_some());
    Reading::Invalid(if numeric && n.is_none() {
        "not a number".into()
    } else {
        format!("expected {}", describe(spec))
    })
}

/// The range a numeric shape's values are brought into: the strict one, narrowed to the
/// suggested one for the parameters imgix draws at their documented limit. `None` for shapes
/// that are not numbers.
fn numeric_limit(spec: &Spec, e: &Expect) -> Option<Range> {
    let (strict, suggested) = match *e {
        Expect::Integer { strict, suggested } | Expect::Number { strict, suggested } => (strict, suggested),
        Expect::Unit => return Some(Range::between(0.0, 1.0)),
        _ => return None,
    };
    if !DRAWN_AT_LIMIT.contains(&spec.name) {
        return Some(strict);
    }
    let pick = |a: Option<f64>, b: Option<f64>, f: fn(f64, f64) -> f64| match (a, b) {
        (Some(a), Some(b)) => Some(f(a, b)),
        (a, b) => a.or(b),
    };
    Some(Range { min: pick(strict.min, suggested.min, f64::max), max: pick(strict.max, suggested.max, f64::min) })
}

/// `n` brought into the limit of the first numeric shape that can take it, in canonical spelling.
/// A negative value where the limit allows none is not clamped: imgix ignores it.
fn clamp(spec: &Spec, n: f64) -> Option<String> {
    spec.expects.iter().find_map(|e| {
        let range = numeric_limit(spec, e)?;
        if n < 0.0 && range.min.is_some_and(|m| m >= 0.0) {
            return None;
        }
        let mut c = range.max.map_or(n, |m| n.min(m));
        c = range.min.map_or(c, |m| c.max(m));
        if matches!(e, Expect::Integer { .. }) {
            c = c.round();
        }
        shape(e, &format_number(c))
    })
}

/// The first shape `v` fits. A decimal point marks a fraction where a fraction is allowed, so
/// `rect=…,1.0` is the full side while `rect=…,1` is one pixel.
fn first_shape(shapes: &[Expect], v: &str) -> Option<String> {
    let units_first = v.contains('.');
    let unit = |e: &&Expect| matches!(e, Expect::Unit);
    let ordered =
        shapes.iter().filter(|e| units_first && unit(e)).chain(shapes.iter().filter(|e| !(units_first && unit(e))));
    ordered.into_iter().find_map(|e| shape(e, v))
}

/// The canonical form of `value` if it has shape `e`.
fn shape(e: &Expect, v: &str) -> Option<String> {
    match *e {
        Expect::Integer { strict, .. } => integer(v).filter(|n| strict.contains(*n as f64)).map(|n| n.to_string()),
        Expect::Number { strict, .. } => number(v).filter(|n| strict.contains(*n)).map(format_number),
        // Fractions keep a decimal point so `1.0` (all) stays distinct from the pixel `1`.
        Expect::Unit => number(v).filter(|n| (0.0..=1.0).contains(n)).map(|n| {
            let s = format_number(n);
            if s.contains('.') {
                s
            } else {
                format!("{s}.0")
            }
        }),
        Expect::IntegerOf(set) => integer(v).filter(|n| set.contains(n)).map(|n| n.to_string()),
        Expect::OneOf(set) => {
            let lower = v.to_ascii_lowercase();
            set.contains(&lower.as_str()).then_some(lower)
        }
        Expect::ListOf(set) => {
            let items: Option<Vec<String>> = v
                .split(',')
                .map(|i| i.trim().to_ascii_lowercase())
                .map(|i| set.contains(&i.as_str()).then_some(i))
                .collect();
            items.map(|i| i.join(","))
        }
        Expect::Tuple(positions) => {
            let items: Vec<&str> = v.split(',').map(str::trim).collect();
            if items.len() != positions.len() {
                return None;
            }
            let parts: Option<Vec<String>> =
                items.iter().zip(positions).map(|(i, shapes)| first_shape(shapes, i)).collect();
            parts.map(|p| p.join(","))
        }
        Expect::Boolean => match v.to_ascii_lowercase().as_str() {
            "1" | "true" => Some("true".into()),
            "0" | "false" => Some("false".into()),
            _ => None,
        },
        Expect::HexColor | Expect::ColorKeyword => Color::parse(v).map(Color::to_hex),
        Expect::Ratio => {
            let (a, b) = v.split_once(':')?;
            let (a, b) = (number(a)?, number(b)?);
            (a > 0.0 && b > 0.0).then(|| format!("{}:{}", format_number(a), format_number(b)))
        }
        Expect::Timestamp => integer(v).filter(|n| *n >= 0).map(|n| n.to_string()),
        Expect::Interval => {
            let (lo, hi) = v.split_once('-').unwrap_or((v, v));
            let ok = |s: &str| s.is_empty() || integer(s).is_some_and(|n| n >= 1);
            (ok(lo) && ok(hi) && !(lo.is_empty() && hi.is_empty())).then(|| v.to_string())
        }
        Expect::List | Expect::Text | Expect::Url | Expect::Path | Expect::Font => Some(v.to_string()),
        Expect::BlendMode => Some(super::layers::blend_mode_name(v).unwrap_or("none").to_string()),
    }
}

/// A whole number (`100` or `100.0`).
fn integer(v: &str) -> Option<i64> {
    number(v).filter(|n| n.fract() == 0.0).map(|n| n as i64)
}

fn number(v: &str) -> Option<f64> {
    let v = v.trim();
    // Rust also parses "inf", "NaN" and "1e5"; URLs mean plain decimals.
    if v.is_empty() || !v.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+') {
        return None;
    }
    v.parse::<f64>().ok().filter(|n| n.is_finite() && n.abs() < 1e12)
}

/// Shortest decimal spelling: 100, 0.5, 2.25.
pub fn format_number(n: f64) -> String {
    let s = format!("{:.6}", n);
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_string()
    }
}

/// What forgiving mode does with a bad value of this parameter, in words, for the docs.
pub fn bad_value_words(spec: &Spec) -> String {
    if spec.name == "expires" {
        return "400".into();
    }
    let mut parts = Vec::new();
    let bounded = spec.expects.iter().filter_map(|e| numeric_limit(spec, e)).find(|r| !r.is_any());
    if let Some(r) = bounded {
        parts.push(format!("out of range: clamped to{}", range_words(r, ANY_RANGE)));
    }
    if let [Expect::ListOf(_)] = spec.expects {
        parts.push("unknown items left out".to_string());
    }
    parts.push(if parts.is_empty() { "dropped (default used)" } else { "else dropped (default used)" }.into());
    parts.join("; ")
}

/// What a parameter accepts, in words, for error messages and docs.
pub fn describe(spec: &Spec) -> String {
    describe_shapes(spec, spec.expects)
}

fn describe_shapes(spec: &Spec, expects: &[Expect]) -> String {
    expects.iter().map(|e| describe_one(spec, e)).collect::<Vec<_>>().join(", or ")
}

fn describe_one(spec: &Spec, e: &Expect) -> String {
    // Where the suggested range is the limit, it is stated as the range.
    let limited = |strict: Range, suggested| match numeric_limit(spec, e) {
        Some(limit) if DRAWN_AT_LIMIT.contains(&spec.name) => range_words(limit, ANY_RANGE),
        _ => range_words(strict, suggested),
    };
    match *e {
        Expect::Integer { strict, suggested } => format!("an integer{}", limited(strict, suggested)),
        Expect::Number { strict, suggested } => format!("a number{}", limited(strict, suggested)),
        Expect::Unit => "a fraction 0–1".into(),
        Expect::IntegerOf(set) => {
            format!("one of {}", set.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "))
        }
        Expect::OneOf(set) => format!("one of {}", set.join(", ")),
        Expect::ListOf(set) => format!("a comma list of {}", set.join(", ")),
        Expect::Tuple(positions) => format!(
            "{} comma-separated values ({})",
            positions.len(),
            positions.iter().map(|p| describe_shapes(spec, p)).collect::<Vec<_>>().join("; ")
        ),
        Expect::List => "a comma list".into(),
        Expect::Text => "text".into(),
        Expect::Boolean => "true, false, 1 or 0".into(),
        Expect::HexColor => "a hex colour (3, 4, 6 or 8 digits, alpha first)".into(),
        Expect::ColorKeyword => "a CSS colour name".into(),
        Expect::Url => "a URL".into(),
        Expect::Path => "a path".into(),
        Expect::Font => "a font name".into(),
        Expect::Ratio => "a ratio W:H".into(),
        Expect::Timestamp => "a Unix timestamp".into(),
        Expect::Interval => "an interval like 2-5".into(),
        Expect::BlendMode => format!(
            "one of {} (any case; a prefix picks the first in that order; color-burn, color-dodge, \
             hard-light, soft-light too; any other name draws no blend)",
            super::layers::BLEND_MODES.iter().map(|(n, _, _)| *n).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn range_words(strict: Range, suggested: Range) -> String {
    let words = |r: Range| match (r.min, r.max) {
        (Some(a), Some(b)) => format!(" {}–{}", format_number(a), format_number(b)),
        (Some(a), None) => format!(" ≥ {}", format_number(a)),
        (None, Some(b)) => format!(" ≤ {}", format_number(b)),
        (None, None) => String::new(),
    };
    if !strict.is_any() {
        words(strict)
    } else if !suggested.is_any() {
        format!(" (usually{})", words(suggested))
    } else {
        String::new()
    }
}

/// Decodes imgix's `…64` values: RFC 4648 base64url without padding, UTF-8.
pub fn base64url(name: &str, v: &str) -> Result<String> {
    let bad =
        || Error::invalid_param(name, format!("{name} must be URL-safe base64 without padding (A–Z a–z 0–9 - _)"));
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(v.len() * 3 / 4);
    for b in v.bytes() {
        let d = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(bad()),
        };
        bits = (bits << 6) | d as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    // A single leftover character (6 bits) cannot come from any byte string.
    if v.len() % 4 == 1 {
        return Err(bad());
    }
    String::from_utf8(out).map_err(|_| bad())
}
