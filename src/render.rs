//! The engine's entry point: original bytes + parameters → encoded output.
//! probe → plan → decode (at the planned scale) → pipeline → encode.

use std::time::Instant;

use crate::analyse::faces;
use crate::codec::animation::{self, Frame};
use crate::codec::Limits;
use crate::codec::{self, OutputFormat, Probe};
use crate::error::Error;
use crate::error::Result;
use crate::ops::trim::Trim;
use crate::output::negotiate::negotiate;
use crate::output::negotiate::Output;
use crate::output::{blurhash, metadata, palette};
use crate::params::{Fit, Fm, Palette, Params};
use crate::pipeline::{self, Finish};
use crate::plan;
use crate::plan::timeline::Timeline;

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

/// Images a render uses besides the original, fetched by the caller.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// The bytes of `mask=<url>`.
    pub mask: Option<Vec<u8>>,
}

pub fn render(bytes: &[u8], params: &Params, accept: &str, limits: &Limits) -> Result<Rendered> {
    render_with(bytes, params, accept, limits, &Assets::default())
}

pub fn render_with(bytes: &[u8], params: &Params, accept: &str, limits: &Limits, assets: &Assets) -> Result<Rendered> {
    let start = Instant::now();
    let probe = codec::probe(bytes, limits)?;
    // fm=json describes the original; nothing is decoded unless faces=1 asks for faces.
    if params.fm == Some(Fm::Json) && params.output.palette.is_none() {
        let mut body = metadata::json(bytes, &probe);
        if params.faces {
            body = with_faces(body, bytes, &probe, params, limits)?;
        }
        return Ok(text(body.into_bytes(), "application/json", &probe, start));
    }
    let stored = (probe.width, probe.height);
    let mut plan = plan::plan(params, stored, probe.orientation, limits)?;
    let output = negotiate(params, &probe, accept, u64::from(plan.canvas.0) * u64::from(plan.canvas.1));
    let summary = summary(params);
    let keep_alpha = summary.is_none() && output.options.format.supports_alpha();
    let finish = Finish { keep_alpha, background: params.bg };
    let timeline = Timeline::from_params(params);
    let animated_output = matches!(output.options.format, OutputFormat::Gif | OutputFormat::Webp);
    let mask = mask_image(assets, &plan, limits)?;
    // Colour management (`cs`): embedded RGB and grey profiles are converted (CMYK profiles are
    // applied by the JPEG decoder), and the output's profile is chosen.
    let extras = codec::container::read(bytes, probe.format);
    let colour = codec::icc::Conversion::new(extras.icc.as_deref(), output.cs);
    if probe.frames > 1 && summary.is_none() && animated_output && timeline.single().is_none() {
        return animate(bytes, &probe, &plan, &output, &colour, finish, &timeline, mask.as_ref(), limits, start);
    }

    let trim = Trim::new(&params.trim, probe.has_alpha);
    let mut raster = match timeline.single() {
        Some(n) if probe.frames > 1 && n > 0 => nth_frame(bytes, &probe, n, limits)?.into(),
        _ => {
            // Trimming and face areas look at the pixels before the geometry is final, so they
            // decode whole; a vector source is drawn at the size the output needs, even above
            // its own.
            let (dw, dh) = if probe.format.is_vector() {
                plan.render_size()
            } else if trim.is_some() || params.facearea {
                plan.source
            } else {
                plan.decode_size()
            };
            let stored_min = if plan.orientation >= 5 { (dh, dw) } else { (dw, dh) };
            codec::decode_full_depth(bytes, &probe, stored_min, limits)?
        }
    };
    colour.apply(&mut raster.pixels);
    let tags = codec::Tags { icc: colour.tag, dpi: output.dpi, iptc: extras.iptc.filter(|_| output.keep_iptc) };
    let bounds = trim.and_then(|t| t.bounds(&raster.pixels.as_8bit()));
    let mut trim_area = None;
    if let Some((x, y, w, h)) = bounds {
        let (kx, ky) = raster.scale;
        let b = (x as f64 / kx, y as f64 / ky, w as f64 / kx, h as f64 / ky);
        let (x, y, w, h) = pipeline::orient_rect(plan.orientation, b, (stored.0 as f64, stored.1 as f64));
        trim_area = Some(plan::Region { x, y, w, h });
        plan = plan::plan_within(params, stored, probe.orientation, limits, Some(plan::Region { x, y, w, h }))?;
    }
    let mut faces = None;
    if params.facearea {
        let found = faces::detect(&raster.pixels.as_8bit(), plan.orientation, plan.source);
        let (w, h) = plan.source;
        let within = trim_area.unwrap_or(plan::Region { x: 0.0, y: 0.0, w: w as f64, h: h as f64 });
        if let Some(area) = plan::face_area(params, &found, within) {
            // The face area is cropped to the output's ratio already; without faces `fit` is the fallback.
            let crop = Params { fit: Fit::Crop, rect: None, ..params.clone() };
            plan = plan::plan_within(&crop, stored, probe.orientation, limits, Some(area))?;
        }
        faces = Some(found);
    }
    let decoded_at = Instant::now();
    let inputs = pipeline::Inputs { faces: faces.as_deref(), mask: mask.as_ref() };
    let image = pipeline::run(raster, &plan, finish, inputs)?;
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
        None => (codec::encode_tagged(&image, &output.options, &tags)?, output.options.format.mime()),
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
    match params.output.palette {
        Some(kind) => Some(Summary::Palette {
            css: kind == Palette::Css,
            colors: params.output.colors as usize,
            prefix: &params.output.prefix,
        }),
        _ if params.fm == Some(Fm::Blurhash) => Some(Summary::Blurhash),
        _ => None,
    }
}

/// The decoded `mask=<url>` image when the plan masks with one; its errors name `mask`.
fn mask_image(assets: &Assets, plan: &plan::Plan, limits: &Limits) -> Result<Option<crate::image::Image>> {
    if !matches!(plan.mask, Some(plan::Mask { shape: plan::MaskShape::Image, .. })) {
        return Ok(None);
    }
    let bytes = assets.mask.as_deref().ok_or_else(|| Error::invalid_param("mask", "the mask image was not fetched"))?;
    let named = |e: Error| Error::invalid_param("mask", format!("the mask image cannot be used: {}", e.message));
    let probe = codec::probe(bytes, limits).map_err(named)?;
    let decoded = codec::decode(bytes, &probe, plan.resize, limits).map_err(named)?;
    Ok(Some(crate::pipeline::orient_image(decoded, probe.orientation)))
}

/// `faces=1`: the fm=json document with a `Faces` list (upright source pixels, largest first),
/// found on a small decode of the original.
fn with_faces(json: String, bytes: &[u8], probe: &Probe, params: &Params, limits: &Limits) -> Result<String> {
    let orientation = params.orient.unwrap_or(probe.orientation).clamp(1, 8);
    let upright = if orientation >= 5 { (probe.height, probe.width) } else { (probe.width, probe.height) };
    let decoded = codec::decode(bytes, probe, faces::analysis_size((probe.width, probe.height)), limits)?;
    let found = faces::detect(&decoded, orientation, upright);
    let list: Vec<serde_json::Value> = found
        .iter()
        .map(|f| {
            let r = |v: f64| (v * 100.0).round() / 100.0;
            serde_json::json!({
                "bounds": { "x": r(f.x), "y": r(f.y), "width": r(f.w), "height": r(f.h) },
                "confidence": r(f.score),
            })
        })
        .collect();
    let mut doc: serde_json::Value =
        serde_json::from_str(&json).map_err(|e| Error::internal(format!("fm=json document does not parse: {e}")))?;
    doc["Faces"] = serde_json::Value::Array(list);
    Ok(doc.to_string())
}

/// A text answer about the original (fm=json).
fn text(body: Vec<u8>, mime: &'static str, probe: &Probe, start: Instant) -> Rendered {
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

/// Frame `n` (0-based; past the end means the last) of an animation, as a still.
fn nth_frame(bytes: &[u8], probe: &Probe, n: u32, limits: &Limits) -> Result<crate::image::Image> {
    let mut chosen = None;
    animation::decode_frames(bytes, probe, limits, |i, image, _| {
        chosen = Some(image);
        Ok(i < n)
    })?;
    chosen.ok_or_else(|| Error::undecodable("animation has no frames"))
}

/// Animated in, animated out: every kept frame goes through the pipeline as it is decoded, so
/// memory holds one source canvas plus the (small) output frames. Over-limit animations are a
/// 413 before the work that would exceed the limit.
#[allow(clippy::too_many_arguments)]
fn animate(
    bytes: &[u8],
    probe: &Probe,
    plan: &plan::Plan,
    output: &Output,
    colour: &codec::icc::Conversion,
    finish: Finish,
    timeline: &Timeline,
    mask: Option<&crate::image::Image>,
    limits: &Limits,
    start: Instant,
) -> Result<Rendered> {
    let source_px = u64::from(probe.width) * u64::from(probe.height);
    let out_px = u64::from(plan.canvas.0) * u64::from(plan.canvas.1);
    let (mut in_total, mut out_total) = (0u64, 0u64);
    let mut frames: Vec<Frame> = Vec::new();
    let mut transform = 0.0;
    let source_loop = animation::decode_frames(bytes, probe, limits, |i, mut image, delay_ms| {
        if timeline.past_end(i) {
            return Ok(false);
        }
        if !timeline.keeps(i) {
            if let Some(last) = frames.last_mut() {
                last.delay_ms += delay_ms;
            }
            return Ok(true);
        }
        in_total += source_px;
        out_total += out_px;
        if in_total > limits.max_input_pixels || out_total > limits.max_output_pixels {
            return Err(Error::too_large(format!(
                "animation is too large: {} frames of {}x{} (limits: {} source and {} output megapixels over all frames)",
                probe.frames,
                probe.width,
                probe.height,
                limits.max_input_pixels / 1_000_000,
                limits.max_output_pixels / 1_000_000
            )));
        }
        let t = Instant::now();
        // Faces are not looked for in animations: each frame would pay for a detection.
        let inputs = pipeline::Inputs { faces: Some(&[]), mask };
        colour.apply_8bit(&mut image);
        frames.push(Frame { image: pipeline::run(image, plan, finish, inputs)?, delay_ms });
        transform += t.elapsed().as_secs_f64() * 1000.0;
        Ok(true)
    })?;
    let decoded = (Instant::now() - start).as_secs_f64() * 1000.0 - transform;
    let encode_start = Instant::now();
    let (frames, loop_count) = timeline.finish(frames, source_loop);
    let first = frames.first().ok_or_else(|| Error::undecodable("animation has no frames"))?;
    let (width, height) = (first.image.width, first.image.height);
    let body = if frames.len() == 1 {
        let tags = codec::Tags { icc: colour.tag.clone(), dpi: output.dpi, iptc: None };
        codec::encode_tagged(&first.image, &output.options, &tags)?
    } else {
        animation::encode(&frames, loop_count, &output.options, colour.tag.as_deref())?
    };
    Ok(Rendered {
        body,
        mime: output.options.format.mime(),
        width,
        height,
        source: plan.source,
        vary_accept: output.vary_accept,
        timings: Timings { decode: decoded, transform, encode: encode_start.elapsed().as_secs_f64() * 1000.0 },
    })
}
