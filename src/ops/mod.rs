//! Pixel operations that change colours rather than geometry: tone and colour adjustments,
//! sharpening, noise reduction, blur and stylisation. `Ops` is read once from the parameters;
//! `apply` runs the steps in one fixed order.

mod adjust;
mod blur;
pub mod composite;
pub mod fade;
pub mod gradient;
pub mod redact;
mod rotate;
pub mod shadow;
pub mod shape;
mod simd;
mod stylize;

pub use blur::{blur_plane, gaussian_blur};
pub use rotate::{rotate, rotate_expanded};

use crate::image::Image;
use crate::params::{Adjust, Color};

/// Tone curve inputs, each in imgix's units (−100–100 unless noted).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Tone {
    pub bri: f32,
    pub con: f32,
    pub exp: f32,
    pub gam: f32,
    /// −100–0: pulls highlights down.
    pub high: f32,
    /// 0–100: lifts shadows.
    pub shad: f32,
    pub invert: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Ops {
    pub enhance: bool,
    pub tone: Tone,
    pub sat: f32,
    pub vib: f32,
    /// Degrees.
    pub hue: f32,
    /// Noise reduction threshold and the sharpening of what stays above it.
    pub nr: Option<(f32, f32)>,
    /// Luminance sharpening 0–100.
    pub sharp: f32,
    /// Unsharp mask amount (−100–100) and radius (sigma, px).
    pub usm: Option<(f32, f32)>,
    pub blur: f32,
    pub px: u32,
    pub sepia: f32,
    pub mono: Option<Color>,
    /// Dark and light colours, and strength 0–1.
    pub duotone: Option<(Color, Color, f32)>,
    pub htn: f32,
}

impl Ops {
    /// The operations the adjustment parameters ask for (values already within imgix's ranges).
    pub fn new(a: &Adjust) -> Ops {
        // With only one of `nr` and `nrs` given, the other is 20, imgix's documented default.
        let nr = match (a.nr, a.nrs) {
            (None, None) => None,
            (t, s) => Some((t.unwrap_or(20.0), s.unwrap_or(20.0))),
        };
        Ops {
            enhance: a.enhance,
            tone: Tone {
                bri: a.bri,
                con: a.con,
                exp: a.exp,
                gam: a.gam,
                high: a.high.min(0.0),
                shad: a.shad.max(0.0),
                invert: a.invert,
            },
            sat: a.sat,
            vib: a.vib,
            hue: a.hue,
            nr,
            sharp: a.sharp.max(0.0),
            usm: (a.usm != 0.0).then_some((a.usm, a.usmrad)),
            blur: a.blur.max(0.0),
            px: a.px.max(0.0) as u32,
            sepia: a.sepia.clamp(0.0, 100.0),
            mono: a.monochrome,
            duotone: a.duotone.map(|(dark, light)| (dark, light, a.duotone_alpha / 100.0)),
            htn: a.htn.max(0.0),
        }
    }

    pub fn is_identity(&self) -> bool {
        *self == Ops::default()
    }
}

/// The order: automatic levels → tone → colour → noise reduction → sharpening → blur → stylise.
pub fn apply(mut image: Image, ops: &Ops) -> Image {
    if ops.is_identity() {
        return image;
    }
    if ops.enhance {
        adjust::auto_levels(&mut image);
    }
    adjust::tone(&mut image, &ops.tone);
    adjust::colour(&mut image, ops.sat, ops.vib, ops.hue);
    if let Some((threshold, amount)) = ops.nr {
        image = blur::noise_reduction(image, threshold, amount);
    }
    if ops.sharp > 0.0 {
        image = blur::unsharp(image, 1.0, ops.sharp / 50.0, true);
    }
    if let Some((amount, radius)) = ops.usm {
        image = blur::unsharp(image, radius.max(0.1), amount / 50.0, false);
    }
    if ops.blur > 0.0 {
        image = gaussian_blur(image, blur_sigma(ops.blur));
    }
    stylize::sepia(&mut image, ops.sepia / 100.0);
    if let Some(c) = ops.mono {
        stylize::monochrome(&mut image, c);
    }
    if let Some((dark, light, alpha)) = ops.duotone {
        stylize::duotone(&mut image, dark, light, alpha);
    }
    if ops.px > 1 {
        stylize::pixelate(&mut image, ops.px);
    }
    if ops.htn > 0.0 {
        stylize::halftone(&mut image, ops.htn);
    }
    image
}

/// imgix's `blur` (0–2000) as a Gaussian sigma in output pixels.
pub fn blur_sigma(blur: f32) -> f32 {
    blur / 2.0
}
