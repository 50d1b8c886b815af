//! Pixel operations that change colours rather than geometry: tone and colour adjustments,
//! sharpening, noise reduction, blur and stylisation. `Ops` is read once from the parameters;
//! `apply` runs the steps in one fixed order.

mod adjust;
mod blur;
mod rotate;
pub mod shape;
mod simd;
mod stylize;

pub use blur::gaussian_blur;
pub use rotate::rotate;

use crate::error::Result;
use crate::image::Image;
use crate::params::{Color, Params};

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
    /// Reads the (already validated) parameters.
    pub fn from_params(p: &Params) -> Result<Ops> {
        let num = |name: &str| p.raw(name).and_then(|v| v.parse::<f32>().ok());
        let color = |name: &str| p.raw(name).and_then(Color::parse);
        let nr = match (num("nr"), num("nrs")) {
            (None, None) => None,
            (a, b) => Some((a.unwrap_or(20.0), b.unwrap_or(20.0))),
        };
        let duotone = p.raw("duotone").and_then(|v| {
            let (a, b) = v.split_once(',')?;
            Some((Color::parse(a)?, Color::parse(b)?, num("duotone-alpha").unwrap_or(100.0) / 100.0))
        });
        Ok(Ops {
            enhance: p.raw("auto").is_some_and(|a| a.split(',').any(|v| v == "enhance" || v == "true")),
            tone: Tone {
                bri: num("bri").unwrap_or(0.0),
                con: num("con").unwrap_or(0.0),
                exp: num("exp").unwrap_or(0.0),
                gam: num("gam").unwrap_or(0.0),
                high: num("high").unwrap_or(0.0).min(0.0),
                shad: num("shad").unwrap_or(0.0).max(0.0),
                invert: p.raw("invert") == Some("true"),
            },
            sat: num("sat").unwrap_or(0.0),
            vib: num("vib").unwrap_or(0.0),
            hue: num("hue").unwrap_or(0.0),
            nr,
            sharp: num("sharp").unwrap_or(0.0).max(0.0),
            usm: num("usm").filter(|a| *a != 0.0).map(|a| (a, num("usmrad").unwrap_or(2.5))),
            blur: num("blur").unwrap_or(0.0).max(0.0),
            px: num("px").unwrap_or(0.0).max(0.0) as u32,
            sepia: num("sepia").unwrap_or(0.0).clamp(0.0, 100.0),
            mono: color("monochrome"),
            duotone,
            htn: num("htn").unwrap_or(0.0).max(0.0),
        })
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
