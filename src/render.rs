//! The engine's entry point: original bytes + parameters → encoded output.
//! probe → plan → decode (at the planned scale) → analyse → refine → pipeline → encode;
//! docs/pipeline.md (generated from `pipeline::STEPS`) describes each stage.

use std::time::Instant;

use crate::analyse::trim::Trim;
use crate::analyse::{self, faces, Findings, Wants};
use crate::codec::animation::{self, Frame};
use crate::codec::Limits;
use crate::codec::{self, OutputFormat, Probe};
use crate::error::Error;
use crate::error::Result;
use crate::output::negotiate::negotiate;
use crate::output::negotiate::{Accepts, Output};
use crate::output::{blurhash, metadata, palette};
use crate::params::{Fm, Palette, Params};
use crate::pipeline::{self, Finish};
use crate::plan;
use crate::plan::timeline::Timeline;
use crate::working_copy::WorkingCopy;

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
    /// What the render changed from what the parameters asked, for `X-Ixora-Ignored`.
    pub notes: Vec<String>,
}

/// Images a render uses besides the original, fetched by the caller.
#[derive(Debug, Clone, Default)]
pub struct Assets {
    /// The bytes of `mask=<url>`.
    pub mask: Option<Vec<u8>>,
    /// The bytes of the layer images (`blend`, `mark[2]`…), each under the parameter naming it.
    pub layers: Vec<(String, Vec<u8>)>,
    /// The bytes of `append=<url>`.
    pub append: Option<Vec<u8>>,
}

pub fn render(bytes: &[u8], params: &Params, accepts: &Accepts, limits: &Limits) -> Result<Rendered> {
    render_with(bytes, params, accepts, limits, &Assets::default())
}

pub fn render_with(
    bytes: &[u8],
    params: &Params,
    accepts: &Accepts,
    limits: &Limits,
    assets: &Assets,
) -> Result<Rendered> {
    let rendered = render_from(Start::Original(bytes), params, accepts, limits, assets)?;
    rendered.ok_or_else(|| Error::internal("a render from the original's bytes asked for the original"))
}

/// `/~text`: the text of `txt` set as a transparent picture (`text::typeset`), then rendered
/// like an original with the other parameters (`w`, `fm`, `blend`…). A 400 without `txt`.
pub fn render_typeset(params: &Params, accepts: &Accepts, limits: &Limits, assets: &Assets) -> Result<Rendered> {
    let Some(t) = params.layers.texts.get(&0).filter(|t| t.text.is_some()) else {
        return Err(Error::invalid_param("txt", "/~text sets the text of txt, and txt is not given"));
    };
    let start = Instant::now();
    let picture = crate::text::typeset(t, params.dpr, limits.max_output_side)?;
    let set = start.elapsed().as_secs_f64() * 1000.0;
    let mut rest = params.clone();
    rest.layers.texts.remove(&0);
    // The picture is what a PNG of it would decode to, so the render starts from its pixels as
    // from a working copy at full scale, skipping a PNG encode and decode. fm=json describes an
    // original's bytes: only then is the PNG made.
    let mut rendered = if params.fm == Some(Fm::Json) {
        let png = codec::encode(&picture, &codec::EncodeOptions::new(OutputFormat::Png))?;
        render_with(&png, &rest, accepts, limits, assets)?
    } else {
        let probe = Probe {
            format: codec::Format::Png,
            width: picture.width,
            height: picture.height,
            orientation: 1,
            has_alpha: true,
            frames: 1,
            progressive: false,
        };
        let copy = WorkingCopy { probe, icc: None, iptc: None, image: picture };
        render_copy(copy, &rest, accepts, limits, assets)?
            .ok_or_else(|| Error::internal("a /~text picture did not cover its own render"))?
    };
    // Setting the text stands where decoding an original would: Server-Timing reports it so.
    rendered.timings.decode += set;
    rendered.notes.extend(crate::text::notes(&params.layers.texts));
    Ok(rendered)
}

/// Renders from a working copy of the original instead of its bytes; `None` when the request
/// needs what the copy does not have (more pixels, the original's own bytes for `fm=json`):
/// then the caller renders from the original. The output is the one the original would give,
/// within the resampling difference of starting from fewer pixels.
pub fn render_copy(
    copy: WorkingCopy,
    params: &Params,
    accepts: &Accepts,
    limits: &Limits,
    assets: &Assets,
) -> Result<Option<Rendered>> {
    render_from(Start::Copy(copy), params, accepts, limits, assets)
}

/// What a render starts from.
enum Start<'a> {
    Original(&'a [u8]),
    Copy(WorkingCopy),
}

fn render_from(
    input: Start,
    params: &Params,
    accepts: &Accepts,
    limits: &Limits,
    assets: &Assets,
) -> Result<Option<Rendered>> {
    let start = Instant::now();
    let (bytes, copy) = match input {
        Start::Original(bytes) => (bytes, None),
        Start::Copy(copy) => (&[][..], Some(copy)),
    };
    let probe = match &copy {
        Some(c) => c.probe.clone(),
        None => codec::probe(bytes, limits)?,
    };
    // fm=json describes the original; nothing is decoded unless faces=1 asks for faces.
    if params.fm == Some(Fm::Json) && params.output.palette.is_none() {
        if copy.is_some() {
            return Ok(None);
        }
        let mut body = metadata::json(bytes, &probe);
        if params.faces {
            body = with_faces(body, bytes, &probe, params, limits)?;
        }
        return Ok(Some(text(body.into_bytes(), "application/json", &probe, start)));
    }
    let stored = (probe.width, probe.height);
    let plan = plan::plan(params, stored, probe.orientation, limits)?;
    let output = negotiate(params, &probe, accepts, u64::from(plan.canvas.0) * u64::from(plan.canvas.1));
    // The encoder's buffers count against the heap too (PNG and AVIF hold several bytes per
    // output pixel): the plan, and every refinement of it, fits them in.
    let limits = &Limits { encoder_bytes_per_pixel: output.options.format.encoder_bytes_per_pixel(), ..*limits };
    let plan = match limits.encoder_bytes_per_pixel {
        0 => plan,
        _ => plan::plan(params, stored, probe.orientation, limits)?,
    };
    let summary = summary(params);
    let keep_alpha = summary.is_none() && output.options.format.supports_alpha();
    let finish = Finish { keep_alpha, background: params.bg };
    let timeline = Timeline::from_params(params);
    let animated_output = matches!(output.options.format, OutputFormat::Gif | OutputFormat::Webp);
    let mask = mask_image(assets, &plan, limits)?;
    let layers = layer_images(assets, &plan, limits)?;
    let appended = match (&plan.append, &assets.append) {
        (None, _) => None,
        (Some(_), Some(bytes)) => Some(decode_upright(bytes, limits).map_err(|e| named("append", e))?),
        (Some(_), None) => return Err(Error::invalid_param("append", "the append image was not fetched")),
    };
    // Colour management (`cs`): embedded RGB and grey profiles are converted (CMYK profiles are
    // applied by the JPEG decoder), and the output's profile is chosen.
    let extras = match &copy {
        Some(c) => codec::container::Extras { icc: c.icc.clone(), iptc: c.iptc.clone(), ..Default::default() },
        None => codec::container::read(bytes, probe.format),
    };
    let colour = codec::icc::Conversion::new(extras.icc.as_deref(), output.cs);
    let wants = plan::wants(&plan, params, Trim::new(&params.trim, probe.has_alpha));
    let job = Job {
        bytes,
        probe: &probe,
        params,
        limits,
        output: &output,
        colour: &colour,
        finish,
        mask: mask.as_ref(),
        layers: &layers,
        append: appended.as_ref(),
    };
    if probe.frames > 1 && summary.is_none() && animated_output && timeline.single().is_none() {
        return animate(&job, plan, &wants, &timeline, start).map(Some);
    }

    let mut raster = match timeline.single() {
        Some(n) if probe.frames > 1 && n > 0 => nth_frame(bytes, &probe, n, limits)?.into(),
        _ if copy.is_some() => {
            let stored_min = stored_min(&plan, &wants, &probe);
            match copy {
                Some(c) if c.covers(stored_min) => c.into_raster(),
                _ => return Ok(None),
            }
        }
        _ => codec::decode_full_depth(bytes, &probe, stored_min(&plan, &wants, &probe), limits)?,
    };
    colour.apply(&mut raster.pixels);
    let findings = analyse::run(&raster, &plan, &wants);
    let plan = job.refine(plan, &findings)?;
    let tags = codec::Tags { icc: colour.tag, dpi: output.dpi, iptc: extras.iptc.filter(|_| output.keep_iptc) };
    let decoded_at = Instant::now();
    let faces = findings.faces.as_deref().unwrap_or(&[]);
    let inputs = pipeline::Inputs { faces, mask: mask.as_ref(), layers: &layers, append: appended.as_ref() };
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
    Ok(Some(Rendered {
        body,
        mime,
        width: image.width,
        height: image.height,
        source: plan.source,
        vary_accept: output.vary_accept && summary.is_none(),
        notes: notes(&plan, params),
        timings: Timings {
            decode: ms(start, decoded_at),
            transform: ms(decoded_at, transformed_at),
            encode: ms(transformed_at, Instant::now()),
        },
    }))
}

/// The smallest decode (stored orientation) the render needs: a vector is drawn at the size the
/// output needs, even above its own; a region chosen from the pixels needs the whole source.
fn stored_min(plan: &plan::Plan, wants: &Wants, probe: &Probe) -> (u32, u32) {
    let (dw, dh) = if probe.format.is_vector() {
        plan.render_size()
    } else if wants.whole_source() {
        plan.source
    } else {
        plan.decode_size()
    };
    if plan.orientation >= 5 {
        (dh, dw)
    } else {
        (dw, dh)
    }
}

/// `X-Ixora-Ignored` entries the render adds: an output sized down to the limits, texts cut.
fn notes(plan: &plan::Plan, params: &Params) -> Vec<String> {
    let sized = plan.sized_down.map(|(w, h)| {
        format!(
            "size ({w}x{h} is over the output limits of side and pixels; sized down to {}x{})",
            plan.canvas.0, plan.canvas.1
        )
    });
    sized.into_iter().chain(crate::text::notes(&params.layers.texts)).collect()
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

/// The decoded pictures of the plan's image layers, under the parameter naming each. A layer
/// given as a path with its own parameters (`mark=logo.png%3Fw%3D160`) is rendered by ixora with
/// them first; an absolute URL's query was the remote server's to apply. A `~text` URL is set
/// here, not fetched. Errors name the layer's parameter and a non-image is a 422.
fn layer_images(assets: &Assets, plan: &plan::Plan, limits: &Limits) -> Result<Vec<(String, crate::image::Image)>> {
    let mut out = Vec::new();
    for layer in &plan.layers {
        let (key, Some(url)) = (layer.key(), layer.image()) else { continue };
        if let Some(query) = crate::params::typeset_query(&url) {
            let picture = crate::params::parse(&format!("{query}&fm=png"))
                .and_then(|params| render_typeset(&params, &Accepts::default(), limits, &Assets::default()))
                .and_then(|rendered| decode_upright(&rendered.body, limits));
            out.push((key.to_string(), picture.map_err(|e| named(key, e))?));
            continue;
        }
        let bytes = assets
            .layers
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, b)| b)
            .ok_or_else(|| Error::invalid_param(key, format!("the {key} image was not fetched")))?;
        let nested = url.split_once('?').map(|(_, q)| q).filter(|q| !q.is_empty() && !url.contains("://"));
        let picture = match nested {
            Some(query) => crate::params::parse(&format!("{query}&fm=png"))
                .and_then(|params| render(bytes, &params, &Accepts::default(), limits))
                .and_then(|rendered| decode_upright(&rendered.body, limits)),
            None => decode_upright(bytes, limits),
        };
        out.push((key.to_string(), picture.map_err(|e| named(key, e))?));
    }
    Ok(out)
}

/// An error about the image a parameter names: it names the parameter; an image that cannot be
/// read is a 422 (the request's own original would be a 415).
fn named(param: &str, mut e: Error) -> Error {
    if e.status == 415 {
        (e.status, e.code) = (422, "undecodable");
    }
    e.message = format!("the {param} image cannot be used: {}", e.message);
    e.param = Some(param.to_string());
    e
}

/// A layer picture at its own size, upright.
fn decode_upright(bytes: &[u8], limits: &Limits) -> Result<crate::image::Image> {
    let probe = codec::probe(bytes, limits)?;
    let decoded = codec::decode(bytes, &probe, (probe.width, probe.height), limits)?;
    Ok(crate::pipeline::orient_image(decoded, probe.orientation))
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
        notes: Vec::new(),
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

/// What both the still and the animated path read about one request.
struct Job<'a> {
    bytes: &'a [u8],
    probe: &'a Probe,
    params: &'a Params,
    limits: &'a Limits,
    output: &'a Output,
    colour: &'a codec::icc::Conversion,
    finish: Finish,
    mask: Option<&'a crate::image::Image>,
    layers: &'a [(String, crate::image::Image)],
    append: Option<&'a crate::image::Image>,
}

impl Job<'_> {
    /// The final plan: `plan` refined once with the findings.
    fn refine(&self, plan: plan::Plan, findings: &Findings) -> Result<plan::Plan> {
        let stored = (self.probe.width, self.probe.height);
        plan::refine(plan, findings, self.params, stored, self.probe.orientation, self.limits)
    }
}

/// Animated in, animated out: every kept frame goes through the pipeline as it is decoded, so
/// memory holds one source canvas plus the (small) output frames. The frames share one plan,
/// refined once with what the first kept frame shows: its busiest region places a smart crop
/// for every frame. Trim does not apply: an animation's trim box would be the union over all
/// frames, known only after the last one, and one frame's box would cut off what moves in the
/// others. Faces are not looked for (each frame would need its own detection). Over-limit
/// animations are a 413 before the work that would exceed the limit.
fn animate(job: &Job, first: plan::Plan, wants: &Wants, timeline: &Timeline, start: Instant) -> Result<Rendered> {
    let (probe, limits, output, colour) = (job.probe, job.limits, job.output, job.colour);
    let wants = Wants { trim: None, faces: false, face_area: false, faces_place_crop: false, ..*wants };
    let source = first.source;
    let first_plan = first.clone();
    let source_px = u64::from(probe.width) * u64::from(probe.height);
    let (mut in_total, mut out_total) = (0u64, 0u64);
    let mut frames: Vec<Frame> = Vec::new();
    let mut transform = 0.0;
    let mut plan = None;
    let source_loop = animation::decode_frames(job.bytes, probe, limits, |i, mut image, delay_ms| {
        if timeline.past_end(i) {
            return Ok(false);
        }
        if !timeline.keeps(i) {
            if let Some(last) = frames.last_mut() {
                last.delay_ms += delay_ms;
            }
            return Ok(true);
        }
        let t = Instant::now();
        colour.apply_8bit(&mut image);
        let raster = image.into();
        if plan.is_none() {
            let findings = analyse::run(&raster, &first, &wants);
            plan = Some(job.refine(first.clone(), &findings)?);
        }
        let plan = plan.as_ref().ok_or_else(|| Error::internal("animation frame without a final plan"))?;
        in_total += source_px;
        out_total += u64::from(plan.canvas.0) * u64::from(plan.canvas.1);
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
        let inputs = pipeline::Inputs { faces: &[], mask: job.mask, layers: job.layers, append: job.append };
        frames.push(Frame { image: pipeline::run(raster, plan, job.finish, inputs)?, delay_ms });
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
        source,
        vary_accept: output.vary_accept,
        notes: notes(&first_plan, job.params),
        timings: Timings { decode: decoded, transform, encode: encode_start.elapsed().as_secs_f64() * 1000.0 },
    })
}
