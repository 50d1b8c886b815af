//! The pixel steps, in the one order they run. Every step reads the plan; none re-derives geometry.
//!
//! Order: resize (crop + scale, in stored orientation so rotation touches only output pixels)
//! → orient → pixel operations (adjust, sharpen, blur, stylise) → flip → canvas (padding for
//! fit=fill) → flatten (background / opaque outputs).

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

/// Runs every step over the decoded (stored-orientation) image.
pub fn run(decoded: Image, plan: &Plan, finish: Finish) -> Result<Image> {
    let image = resize::crop_and_resize(decoded, plan)?;
    let image = orient::apply(image, plan.orientation);
    let image = crate::ops::apply(image, &plan.ops);
    let image = orient::flip(image, plan.flip);
    let image = canvas::place(image, plan);
    Ok(canvas::flatten(image, finish))
}
