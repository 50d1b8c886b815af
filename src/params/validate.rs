//! Checks a raw value against a parameter's grammar and returns its canonical spelling,
//! so equivalent URLs (`w=100.0`, `w=100`; `bg=red`, `bg=FF0000`) share one cache key.

use super::color::Color;
use super::spec::{Expect, Range, Spec};
use crate::error::{Error, Result};

/// The canonical spelling of `value`, or a 400 naming the parameter, the value and what is allowed.
pub fn normalize(spec: &Spec, value: &str) -> Result<String> {
    let value = value.trim();
    let mut normal = first_shape(spec.expects, value);
    // `auto` is a set: order and repeats do not matter.
    if spec.name == "auto" {
        normal = normal.map(|v| {
            let mut items: Vec<&str> = v.split(',').collect();
            items.sort_unstable();
            items.dedup();
            items.join(",")
        });
    }
    normal.ok_or_else(|| {
        Error::invalid_param(
            spec.name,
            format!("{}={value:?} is not allowed: expected {}", spec.name, describe(spec.expects)),
        )
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

/// What a parameter accepts, in words, for error messages and docs.
pub fn describe(expects: &[Expect]) -> String {
    expects.iter().map(describe_one).collect::<Vec<_>>().join(", or ")
}

fn describe_one(e: &Expect) -> String {
    match *e {
        Expect::Integer { strict, suggested } => format!("an integer{}", range_words(strict, suggested)),
        Expect::Number { strict, suggested } => format!("a number{}", range_words(strict, suggested)),
        Expect::Unit => "a fraction 0–1".into(),
        Expect::IntegerOf(set) => {
            format!("one of {}", set.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(", "))
        }
        Expect::OneOf(set) => format!("one of {}", set.join(", ")),
        Expect::ListOf(set) => format!("a comma list of {}", set.join(", ")),
        Expect::Tuple(positions) => format!(
            "{} comma-separated values ({})",
            positions.len(),
            positions.iter().map(|p| describe(p)).collect::<Vec<_>>().join("; ")
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
