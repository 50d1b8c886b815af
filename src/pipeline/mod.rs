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
use crate::image::Image;
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

/// The image with an alpha channel (opaque where it had none).
pub fn with_alpha(image: Image) -> Image {
    with_channels(image, 4)
}

/// Runs every step over the decoded (stored-orientation) image.
pub fn run(decoded: Image, plan: &Plan, finish: Finish) -> Result<Image> {
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
