//! The pixel steps, in the one order they run. Every step reads the plan; none re-derives geometry.
//!
//! Order: resize (crop + scale, in stored orientation so rotation touches only output pixels)
//! → orient → pixel operations (adjust, sharpen, blur, stylise) → flip → rotate → mask →
//! canvas (fill area, padding, border, rounded corners) → transparency grid → flatten
//! (background / opaque outputs).

mod canvas;
mod orient;
mod resize;

use crate::error::Result;
use crate::image::{Decoded, Image};
use crate::params::Color;
use crate::plan::Plan;

/// What the encoder needs from the pixels.
#[derive(Debug, Clone, Copy)]
pub struct Finish {
    /// The output format can carry alpha.
    pub keep_alpha: bool,
    /// `bg`: fills transparent pixels.
    pub background: Option<Color>,
}

pub use canvas::with_channels;
pub use orient::orient_rect;

/// The image with an alpha channel (opaque where it had none).
pub fn with_alpha(image: Image) -> Image {
    with_channels(image, 4)
}

/// Runs every step over the decoded (stored-orientation) image. 16-bit samples last until the
/// resize, which rounds them to 8 bits.
pub fn run(decoded: impl Into<Decoded>, plan: &Plan, finish: Finish) -> Result<Image> {
    let decoded = decoded.into();
    let smart = plan.smart.and_then(|_| match &decoded {
        Decoded::Eight(i) => place_smart_crop(i, plan),
        Decoded::Sixteen(i) => place_smart_crop(&i.to_8bit(), plan),
    });
    let plan = smart.as_ref().unwrap_or(plan);
    let image = resize::crop_and_resize(decoded, plan)?;
    let image = orient::apply(image, plan.orientation);
    let image = crate::ops::apply(image, &plan.ops);
    let image = orient::flip(image, plan.flip);
    let image = match plan.rotate {
        Some((degrees, pivot)) => crate::ops::rotate(image, degrees, pivot),
        None => image,
    };
    let image = match &plan.mask {
        Some(m) => canvas::mask(image, m),
        None => image,
    };
    let image = canvas::place(image, plan);
    let image = match plan.grid {
        Some(g) => canvas::grid(image, g),
        None => image,
    };
    Ok(canvas::flatten(image, finish))
}

/// `crop=entropy|edges`: moves the crop box to the busiest place within the plan's bounds,
/// judged on a small upright grey copy of the decoded image.
fn place_smart_crop(decoded: &Image, plan: &Plan) -> Option<Plan> {
    use crate::ops::smart::{thumbnail, Analysis};
    let (kind, within) = plan.smart?;
    let upright = orient::apply(thumbnail(decoded), plan.orientation);
    let analysis = Analysis::new(&upright);
    // Analysis pixels per source pixel, per axis.
    let (ax, ay) = (analysis.w as f64 / plan.source.0 as f64, analysis.h as f64 / plan.source.1 as f64);
    let r = plan.region;
    let span = |start: f64, len: f64, full: f64, k: f64| {
        ((start * k).round() as usize, ((start + full - len) * k).round() as usize)
    };
    let size = ((r.w * ax).round() as usize, (r.h * ay).round() as usize);
    let (bx, by) = analysis.best(kind, size, span(within.x, r.w, within.w, ax), span(within.y, r.h, within.h, ay));
    let mut placed = plan.clone();
    placed.region.x = (bx as f64 / ax).clamp(within.x, within.x + within.w - r.w);
    placed.region.y = (by as f64 / ay).clamp(within.y, within.y + within.h - r.h);
    Some(placed)
}
