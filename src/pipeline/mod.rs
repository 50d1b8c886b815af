//! The pixel steps, in the one order they run. Every step reads the plan; none re-derives geometry.
//!
//! Order: resize (crop + scale, in stored orientation so rotation touches only output pixels)
//! → orient → red-eye → pixel operations (adjust, sharpen, blur, stylise) → flip → rotate → mask →
//! canvas (fill area, padding, border, rounded corners) → transparency grid → flatten
//! (background / opaque outputs).

mod canvas;
pub(crate) mod orient;
mod resize;

use crate::analyse::faces::{self, Face};
use crate::codec::Raster;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::params::Color;
use crate::plan::{face_crop_center, Mask, MaskShape, Plan};

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

/// Turns a stored image upright for its EXIF orientation.
pub fn orient_image(image: Image, orientation: u8) -> Image {
    orient::apply(image, orientation)
}

/// The image with an alpha channel (opaque where it had none).
pub fn with_alpha(image: Image) -> Image {
    with_channels(image, 4)
}

/// What the pipeline takes besides the decoded image and the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// Faces the caller already found in the decoded image (upright source pixels); when it did
    /// not look and the plan needs them, they are detected here.
    pub faces: Option<&'a [Face]>,
    /// The decoded `mask=<url>` image, any size.
    pub mask: Option<&'a Image>,
}

/// Runs every step over the decoded (stored-orientation) image. 16-bit samples last until the
/// resize, which rounds them to 8 bits.
pub fn run(raster: impl Into<Raster>, plan: &Plan, finish: Finish, inputs: Inputs) -> Result<Image> {
    let raster = raster.into();
    let detected;
    let faces = match inputs.faces {
        Some(f) => f,
        None if plan.needs_faces() => {
            detected = faces::detect(&raster.pixels.as_8bit(), plan.orientation, plan.source);
            &detected[..]
        }
        None => &[],
    };
    let smart = plan.smart.and_then(|_| place_smart_crop(&raster.pixels.as_8bit(), plan, faces));
    let plan = smart.as_ref().unwrap_or(plan);
    let image = resize::crop_and_resize(raster, plan)?;
    let image = orient::apply(image, plan.orientation);
    let mut image = image;
    // Before the colour operations, so red still looks red.
    if plan.redeye {
        let boxes: Vec<_> = faces.iter().map(|f| plan.source_to_resized((f.x, f.y, f.w, f.h))).collect();
        faces::remove_redeye(&mut image, &boxes);
    }
    let image = crate::ops::apply(image, &plan.ops);
    let image = orient::flip(image, plan.flip);
    let image = match plan.rotate {
        Some((degrees, pivot)) => crate::ops::rotate(image, degrees, pivot),
        None => image,
    };
    let image = match (&plan.mask, inputs.mask) {
        (Some(m @ Mask { shape: MaskShape::Image, .. }), Some(picture)) => {
            let picture = resize::stretch(picture, image.width, image.height)?;
            canvas::mask(image, m, Some(&picture))
        }
        (Some(Mask { shape: MaskShape::Image, .. }), None) => {
            return Err(Error::invalid_param("mask", "the mask image was not fetched"));
        }
        (Some(m), _) => canvas::mask(image, m, None),
        (None, _) => image,
    };
    let image = canvas::place(image, plan);
    let image = match plan.grid {
        Some(g) => canvas::grid(image, g),
        None => image,
    };
    Ok(canvas::flatten(image, finish))
}

/// `crop=faces|entropy|edges`: centres the crop box on the faces, or else moves it to the
/// busiest place (judged on a small upright grey copy of the decoded image), within the plan's
/// bounds.
fn place_smart_crop(decoded: &Image, plan: &Plan, faces: &[Face]) -> Option<Plan> {
    use crate::ops::smart::{thumbnail, Analysis};
    let smart = plan.smart?;
    let (within, r) = (smart.within, plan.region);
    let mut placed = plan.clone();
    if let Some((cx, cy)) = smart.faces.then(|| face_crop_center(faces, (r.w, r.h), plan.faceindex)).flatten() {
        placed.region.x = (cx - r.w / 2.0).clamp(within.x, within.x + within.w - r.w);
        placed.region.y = (cy - r.h / 2.0).clamp(within.y, within.y + within.h - r.h);
        return Some(placed);
    }
    let kind = smart.busiest?;
    let upright = orient::apply(thumbnail(decoded), plan.orientation);
    let analysis = Analysis::new(&upright);
    // Analysis pixels per source pixel, per axis.
    let (ax, ay) = (analysis.w as f64 / plan.source.0 as f64, analysis.h as f64 / plan.source.1 as f64);
    let span = |start: f64, len: f64, full: f64, k: f64| {
        ((start * k).round() as usize, ((start + full - len) * k).round() as usize)
    };
    let size = ((r.w * ax).round() as usize, (r.h * ay).round() as usize);
    let (bx, by) = analysis.best(kind, size, span(within.x, r.w, within.w, ax), span(within.y, r.h, within.h, ay));
    placed.region.x = (bx as f64 / ax).clamp(within.x, within.x + within.w - r.w);
    placed.region.y = (by as f64 / ay).clamp(within.y, within.y + within.h - r.h);
    Some(placed)
}
