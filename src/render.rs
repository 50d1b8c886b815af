//! The engine's entry point: original bytes + parameters → encoded output.
//! probe → plan → decode (at the planned scale) → pipeline → encode.

use std::time::Instant;

use crate::codec;
use crate::error::Result;
use crate::negotiate::negotiate;
use crate::ops::trim::Trim;
use crate::params::{Fm, Params};
use crate::pipeline::{self, Finish};
use crate::plan;
use crate::security::Limits;
use crate::{blurhash, metadata, palette};

/// Milliseconds spent in each stage.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Timings {
    pub decode: f64,
    pub transform: f64,
    pub encode: f64,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub body: Vec<u8>,
    pub mime: &'static str,
    pub width: u32,
    pub height: u32,
    /// Source size as displayed (after orientation).
    pub source: (u32, u32),
    pub vary_accept: bool,
    pub timings: Timings,
}

pub fn render(bytes: &[u8], params: &Params, accept: &str, limits: &Limits) -> Result<Rendered> {
    let start = Instant::now();
    let probe = codec::probe(bytes, limits)?;
    // fm=json describes the original; nothing is decoded.
    if params.fm == Some(Fm::Json) && params.raw("palette").is_none() {
        let body = metadata::json(bytes, &probe).into_bytes();
        return Ok(text(body, "application/json", &probe, start));
    }
    let stored = (probe.width, probe.height);
    let mut plan = plan::plan(params, stored, probe.orientation, limits)?;
    let trim = Trim::from_params(params, probe.has_alpha);
    // Trimming looks at the pixels before the geometry is final, so it decodes whole.
    let (dw, dh) = if trim.is_some() { plan.source } else { plan.decode_size() };
    let stored_min = if plan.orientation >= 5 { (dh, dw) } else { (dw, dh) };
    let decoded = codec::decode(bytes, &probe, stored_min, limits)?;
    if let Some((x, y, w, h)) = trim.and_then(|t| t.bounds(&decoded)) {
        let k = stored.0 as f64 / decoded.width as f64;
        let b = (x as f64 * k, y as f64 * k, w as f64 * k, h as f64 * k);
        let (x, y, w, h) = pipeline::orient_rect(plan.orientation, b, (stored.0 as f64, stored.1 as f64));
        plan = plan::plan_within(params, stored, probe.orientation, limits, Some(plan::Region { x, y, w, h }))?;
    }
    let decoded_at = Instant::now();

    let output = negotiate(params, &probe, accept);
    let summary = summary(params);
    let keep_alpha = summary.is_none() && output.options.format.supports_alpha();
    let finish = Finish { keep_alpha, background: params.bg };
    let image = pipeline::run(decoded, &plan, finish)?;
    let transformed_at = Instant::now();

    let (body, mime) = match summary {
        Some(Summary::Palette { css, colors, prefix }) => {
            let p = palette::extract(&image, colors);
            if css {
                (palette::to_css(&p, prefix).into_bytes(), "text/css")
            } else {
                (palette::to_json(&p).into_bytes(), "application/json")
            }
        }
        Some(Summary::Blurhash) => (blurhash::encode(&image).into_bytes(), "text/plain; charset=utf-8"),
        None => (codec::encode(&image, &output.options)?, output.options.format.mime()),
    };
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    Ok(Rendered {
        body,
        mime,
        width: image.width,
        height: image.height,
        source: plan.source,
        vary_accept: output.vary_accept && summary.is_none(),
        timings: Timings {
            decode: ms(start, decoded_at),
            transform: ms(decoded_at, transformed_at),
            encode: ms(transformed_at, Instant::now()),
        },
    })
}

/// Outputs that describe the rendered pixels instead of encoding them.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Summary<'a> {
    /// `palette=css|json` with `colors` (0–16, default 6) and the CSS `prefix`.
    Palette {
        css: bool,
        colors: usize,
        prefix: &'a str,
    },
    Blurhash,
}

fn summary(params: &Params) -> Option<Summary<'_>> {
    match params.raw("palette") {
        Some(kind @ ("css" | "json")) => {
            let colors = params.raw("colors").and_then(|c| c.trim().parse::<f64>().ok()).unwrap_or(6.0);
            Some(Summary::Palette {
                css: kind == "css",
                colors: colors.round().clamp(0.0, 16.0) as usize,
                prefix: params.raw("prefix").unwrap_or("image"),
            })
        }
        _ if params.fm == Some(Fm::Blurhash) => Some(Summary::Blurhash),
        _ => None,
    }
}

/// A text answer about the original (fm=json).
fn text(body: Vec<u8>, mime: &'static str, probe: &codec::Probe, start: Instant) -> Rendered {
    let (width, height) = probe.oriented_size();
    Rendered {
        body,
        mime,
        width,
        height,
        source: (width, height),
        vary_accept: false,
        timings: Timings { decode: (Instant::now() - start).as_secs_f64() * 1000.0, ..Timings::default() },
    }
}
