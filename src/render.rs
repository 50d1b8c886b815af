//! The engine's entry point: original bytes + parameters → encoded output.
//! probe → plan → decode (at the planned scale) → pipeline → encode.

use std::time::Instant;

use crate::codec;
use crate::error::Result;
use crate::negotiate::negotiate;
use crate::params::Params;
use crate::pipeline::{self, Finish};
use crate::plan;
use crate::security::Limits;

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
    let plan = plan::plan(params, (probe.width, probe.height), probe.orientation, limits)?;
    let (dw, dh) = plan.decode_size();
    let stored_min = if plan.orientation >= 5 { (dh, dw) } else { (dw, dh) };
    let decoded = codec::decode(bytes, &probe, stored_min, limits)?;
    let decoded_at = Instant::now();

    let output = negotiate(params, &probe, accept);
    let finish = Finish { keep_alpha: output.options.format.supports_alpha(), background: params.bg };
    let image = pipeline::run(decoded, &plan, finish)?;
    let transformed_at = Instant::now();

    let body = codec::encode(&image, &output.options)?;
    let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
    Ok(Rendered {
        body,
        mime: output.options.format.mime(),
        width: image.width,
        height: image.height,
        source: plan.source,
        vary_accept: output.vary_accept,
        timings: Timings {
            decode: ms(start, decoded_at),
            transform: ms(decoded_at, transformed_at),
            encode: ms(transformed_at, Instant::now()),
        },
    })
}
