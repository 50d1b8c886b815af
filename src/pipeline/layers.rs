//! The `layers` step: blends, marks, then text, drawn over the image in index order, each sized and
//! placed by `plan::layers` once its own size is known.

use super::resize;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::ops::composite;
use crate::ops::gradient::{Gradient, Interpolation, Shape};
use crate::ops::shadow::{Cast, Shadow, ShadowKind};
use crate::params::layers::BlendSource;
use crate::params::layers::Offset;
use crate::params::ShadowType;
use crate::params::{
    Append, BlendMode, Color, DropShadow, Fade, GradientAngle, GradientOverlay, RadialSize, ResizeFilter,
};
use crate::plan::layers::{self as place, Fitted, Layer};
use std::f64::consts::SQRT_2;

/// Draws every layer of the plan onto `image`; `images` holds each image layer's decoded
/// picture under its parameter (`mark[2]`).
pub fn draw(mut image: Image, layers: &[Layer], images: &[(String, Image)], dpr: f64) -> Result<Image> {
    let picture = |key: &str| {
        images
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| i)
            .ok_or_else(|| Error::invalid_param(key, format!("the {key} image was not fetched")))
    };
    for layer in layers {
        let base = (image.width, image.height);
        match layer {
            Layer::Blend { key, blend } => {
                let Some(mode) = blend.mode else { continue };
                let opacity = (blend.alpha / 100.0).clamp(0.0, 1.0) as f32;
                match &blend.source {
                    Some(BlendSource::Color(c)) => composite::fill(&mut image, c.rgba(), mode, opacity),
                    Some(BlendSource::Image(_)) => {
                        let source = &graded(picture(key)?, &blend.gradient, dpr);
                        let fitted = place::blend_size(blend, (source.width, source.height), base, dpr).bounded(base);
                        let drawn = faded(fit(source, &fitted, blend.filter)?, &blend.fade, dpr);
                        let (x, y) = place::position(
                            &blend.place,
                            place::BLEND_DEFAULT_ALIGN,
                            (drawn.width, drawn.height),
                            base,
                            dpr,
                        );
                        composite::draw(&mut image, &drawn, x, y, mode, opacity);
                    }
                    None => {}
                }
            }
            Layer::Mark { key, mark } => {
                if mark.min_w.is_some_and(|w| base.0 < w) || mark.min_h.is_some_and(|h| base.1 < h) {
                    continue;
                }
                let source = &graded(picture(key)?, &mark.gradient, dpr);
                let fitted = place::mark_size(mark, (source.width, source.height), base, dpr).bounded(base);
                let mut drawn = faded(fit(source, &fitted, None)?, &mark.fade, dpr);
                if mark.rot != 0.0 {
                    drawn = crate::ops::rotate_expanded(drawn, mark.rot);
                }
                let opacity = (mark.alpha / 100.0).clamp(0.0, 1.0) as f32;
                let size = (drawn.width, drawn.height);
                let at = place::position(&mark.place, place::mark_default_align(mark), size, base, dpr);
                // The mark's shadow grows the mark's own canvas, never the image's: it is cut at
                // the image's edge.
                let mut shift = (0, 0);
                if mark.shadow.blur.is_some() {
                    let shadow = Shadow { only: false, ..shadow_of(&mark.shadow, size, dpr) };
                    let (shadowed, (left, top)) = crate::ops::shadow::drop_shadow(drawn, &shadow);
                    (drawn, shift) = (shadowed, (i64::from(left), i64::from(top)));
                }
                let corners = if mark.tile {
                    let gap = (mark.place.pad * dpr).round().max(0.0) as u32;
                    place::tiles(at, size, base, gap)
                } else {
                    vec![at]
                };
                for (x, y) in corners {
                    composite::draw(&mut image, &drawn, x - shift.0, y - shift.1, BlendMode::Normal, opacity);
                }
            }
            Layer::Text { text, .. } => image = crate::text::draw(image, text, dpr)?,
        }
    }
    Ok(image)
}

/// `append`: the picture and `other` (drawn at its own size × dpr) side by side on a canvas grown
/// to hold both, the rest filled with `fill`.
pub fn append(picture: Image, other: &Image, a: &Append, dpr: f64, fill: Color) -> Result<Image> {
    let scaled = |v: u32| (f64::from(v) * dpr).round().clamp(1.0, 8192.0) as u32;
    let at_dpr = Fitted { resize: (scaled(other.width), scaled(other.height)), crop: None, canvas: None };
    let (ow, oh) = at_dpr.bounded((picture.width, picture.height)).resize;
    let other = resize::resample(other, ow, oh)?;
    let arranged = place::arrange(a, (picture.width, picture.height), (other.width, other.height), dpr);
    let (cx, cy, cw, ch) = arranged.image_crop;
    let other = other.crop(cx, cy, cw, ch);
    let channels = if fill.is_opaque() && !picture.has_alpha() && !other.has_alpha() { 3 } else { 4 };
    let (w, h) = arranged.canvas;
    let mut canvas = Image::filled(w, h, channels, fill.rgba());
    super::canvas::blit(&mut canvas, &super::with_channels(picture, channels), arranged.picture_at);
    super::canvas::blit(&mut canvas, &super::with_channels(other, channels), arranged.image_at);
    Ok(canvas)
}

/// The gradient `g` asks for on a `w`×`h` image: colours, stops, and the shape with its centre
/// and radii in px (× dpr) or fractions of the image.
pub fn gradient_for(g: &GradientOverlay, (w, h): (u32, u32), dpr: f64) -> Gradient {
    let (w, h) = (f64::from(w), f64::from(h));
    let length = |o: Offset, axis: f64| match o {
        Offset::Px(v) => v * dpr,
        Offset::Fraction(f) => f * axis,
    };
    let shape = if g.radial {
        let cx = g.radial_x.map_or(w / 2.0, |o| length(o, w));
        let cy = g.radial_y.map_or(h / 2.0, |o| length(o, h));
        let (far, near) = ((cx.max(w - cx), cy.max(h - cy)), (cx.min(w - cx), cy.min(h - cy)));
        let both = |r: f64| (r, r);
        let (rx, ry) = match (g.radial_size, g.circle) {
            (RadialSize::Radii(a, b), _) => (length(a, w), length(b, h)),
            (RadialSize::FarthestSide, false) => far,
            (RadialSize::ClosestSide, false) => near,
            (RadialSize::FarthestCorner, false) => (far.0 * SQRT_2, far.1 * SQRT_2),
            (RadialSize::ClosestCorner, false) => (near.0 * SQRT_2, near.1 * SQRT_2),
            // A circle reaches the side or the corner itself.
            (RadialSize::FarthestSide, true) => both(far.0.max(far.1)),
            (RadialSize::ClosestSide, true) => both(near.0.min(near.1)),
            (RadialSize::FarthestCorner, true) => both(far.0.hypot(far.1)),
            (RadialSize::ClosestCorner, true) => both(near.0.hypot(near.1)),
        };
        Shape::Radial { cx, cy, rx, ry }
    } else {
        let angle = match g.angle {
            GradientAngle::Degrees(d) => d,
            GradientAngle::Toward(x, y) => crate::ops::gradient::angle_toward(x, y, (w as u32, h as u32)),
        };
        Shape::Linear { angle }
    };
    let colors = g.colors.iter().flatten().map(|c| c.rgba()).collect();
    Gradient { colors, stops: g.stops.clone(), shape, space: Interpolation { space: g.space, hue: g.hue } }
}

/// The shadow `d` asks for on a `w`×`h` picture, in output px: blur, offsets and spread × dpr,
/// fractional offsets of the picture's sides.
pub fn shadow_of(d: &DropShadow, (w, h): (u32, u32), dpr: f64) -> Shadow {
    let dpr = dpr as f32;
    let length = |o: Offset, axis: u32| match o {
        Offset::Px(v) => v as f32 * dpr,
        Offset::Fraction(f) => f as f32 * axis as f32,
    };
    let kind = match d.kind {
        ShadowType::Flat => ShadowKind::Flat,
        ShadowType::Cast => ShadowKind::Cast,
        ShadowType::Float => ShadowKind::Float,
        ShadowType::Inset => ShadowKind::Inset,
    };
    Shadow {
        kind,
        blur: d.blur.unwrap_or(0.0) as f32 * dpr,
        x: length(d.x, w),
        y: length(d.y, h),
        spread: d.spread as f32 * dpr,
        color: d.color.rgba(),
        cast: Cast {
            azimuth: d.azimuth as f32,
            elevation: d.elevation as f32,
            pose: d.pose as f32,
            softness: d.softness as f32,
            falloff: d.falloff as f32,
        },
        only: d.shadow_only,
    }
}

/// `g` drawn over `image` (or, with `gradient-mask`, `image` faded out along it). `clip` keeps
/// the gradient where the picture is (a layer's transparent parts stay transparent).
pub fn overlay(image: Image, g: &GradientOverlay, dpr: f64, clip: bool) -> Image {
    let (w, h) = (image.width, image.height);
    let painted = gradient_for(g, (w, h), dpr).paint(w, h);
    let mut out = if g.mask { super::with_alpha(image) } else { image };
    if g.mask {
        for (p, q) in out.data.chunks_exact_mut(4).zip(painted.data.chunks_exact(4)) {
            p[3] = ((u32::from(p[3]) * u32::from(q[3]) + 127) / 255) as u8;
        }
    } else if let Some(mode) = g.mode {
        let clip = clip && out.channels == 4;
        let keep: Vec<u8> = if clip { out.data.chunks_exact(4).map(|p| p[3]).collect() } else { Vec::new() };
        composite::draw(&mut out, &painted, 0, 0, mode, (g.alpha / 100.0) as f32);
        for (p, a) in out.data.chunks_exact_mut(4).zip(keep) {
            p[3] = a;
        }
    }
    out
}

/// A layer picture with its own `…-gradient*` over it, at its own size (fractions are of its
/// own sides), before it is sized and placed.
fn graded<'a>(picture: &'a Image, g: &GradientOverlay, dpr: f64) -> std::borrow::Cow<'a, Image> {
    if g.is_drawn() {
        std::borrow::Cow::Owned(overlay(picture.clone(), g, dpr, true))
    } else {
        std::borrow::Cow::Borrowed(picture)
    }
}

/// A layer picture with its own `…-fade*` (fractions of its own sides).
fn faded(image: Image, fade: &Fade, dpr: f64) -> Image {
    if fade.is_none() {
        return image;
    }
    let widths = fade.widths((image.width, image.height), dpr);
    crate::ops::fade::fade(image, widths)
}

/// The layer picture resized, cropped and placed on its canvas as `fitted` says.
fn fit(source: &Image, fitted: &Fitted, filter: Option<ResizeFilter>) -> Result<Image> {
    let filter = filter.unwrap_or(ResizeFilter::Bicubic);
    let mut image = resize::resample_with(source, fitted.resize.0, fitted.resize.1, filter)?;
    if let Some((x, y, w, h)) = fitted.crop {
        image = image.crop(x, y, w, h);
    }
    if let Some((w, h)) = fitted.canvas {
        let mut canvas = Image::filled(w, h, 4, [0, 0, 0, 0]);
        let (x, y) = ((i64::from(w) - i64::from(image.width)) / 2, (i64::from(h) - i64::from(image.height)) / 2);
        composite::draw(&mut canvas, &image, x, y, BlendMode::Normal, 1.0);
        image = canvas;
    }
    Ok(image)
}
