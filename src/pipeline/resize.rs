//! Crop + resize in one pass with fast_image_resize (Lanczos3, premultiplied alpha, SIMD).
//! 16-bit originals are resized on their 16-bit samples and rounded to 8 bits here, once.

use fast_image_resize::images::{Image as FirImage, ImageRef, TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U16x3, U16x4};
use fast_image_resize::{Filter, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use crate::params::ResizeFilter;

use super::orient::unorient_rect;
use crate::codec::Raster;
use crate::error::{Error, Result};
use crate::image::{to_8bit, Decoded, Image, Image16};
use crate::plan::Plan;

/// `image` stretched to exactly `w`x`h` (aspect ratio not kept), bilinear: for mask images.
pub fn stretch(image: &Image, w: u32, h: u32) -> Result<Image> {
    resample_with(image, w, h, ResizeFilter::Bilinear)
}

/// The resize algorithm for a `resize-filter`.
pub fn algorithm(filter: ResizeFilter) -> ResizeAlg {
    ResizeAlg::Convolution(match filter {
        // A support of 2 is valid, so the fallback is never taken.
        ResizeFilter::Lanczos2 => {
            Filter::new("Lanczos2", lanczos2, 2.0).map_or(FilterType::Lanczos3, FilterType::Custom)
        }
        ResizeFilter::Lanczos3 => FilterType::Lanczos3,
        ResizeFilter::Bicubic => FilterType::CatmullRom,
        ResizeFilter::Mitchell => FilterType::Mitchell,
        ResizeFilter::Bilinear => FilterType::Bilinear,
        ResizeFilter::Nearest => return ResizeAlg::Nearest,
    })
}

/// Two-lobe Lanczos: sinc(x)·sinc(x/2) on (−2, 2).
fn lanczos2(x: f64) -> f64 {
    let sinc = |x: f64| {
        if x == 0.0 {
            1.0
        } else {
            let a = x * std::f64::consts::PI;
            a.sin() / a
        }
    };
    if (-2.0..2.0).contains(&x) {
        sinc(x) * sinc(x / 2.0)
    } else {
        0.0
    }
}

/// `image` at `w`×`h` with a sharp filter (Catmull-Rom), alpha-aware: layer pictures, which
/// may shrink a lot.
pub fn resample(image: &Image, w: u32, h: u32) -> Result<Image> {
    resample_with(image, w, h, ResizeFilter::Bicubic)
}

/// `image` at `w`×`h` with `filter`, alpha-aware.
pub fn resample_with(image: &Image, w: u32, h: u32, filter: ResizeFilter) -> Result<Image> {
    if (image.width, image.height) == (w, h) {
        return Ok(image.clone());
    }
    let pixel_type = if image.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let failed = |e: &dyn std::fmt::Display| {
        Error::internal(format!("resample of {}x{} to {w}x{h} ({filter:?}): {e}", image.width, image.height))
    };
    let src = ImageRef::new(image.width, image.height, &image.data, pixel_type).map_err(|e| failed(&e))?;
    let mut dst = FirImage::new(w, h, pixel_type);
    let options = ResizeOptions::new().resize_alg(algorithm(filter)).use_alpha(true);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| failed(&e))?;
    Ok(Image::new(w, h, image.channels, dst.into_vec()))
}

/// Crops the plan's region out of the decoded image and resizes it. The decoded image is in
/// stored orientation and possibly shrunk on load, so the region is mapped onto it by the scale
/// the decoder used; the output stays in stored orientation (sides swapped for orientations 5–8).
pub fn crop_and_resize(raster: Raster, plan: &Plan) -> Result<Image> {
    let stored = if plan.orientation >= 5 { (plan.source.1, plan.source.0) } else { plan.source };
    let r = plan.region;
    let (x, y, w, h) = unorient_rect(plan.orientation, (r.x, r.y, r.w, r.h), (stored.0 as f64, stored.1 as f64));
    let decoded = raster.pixels;
    let (width, height) = (decoded.width(), decoded.height());
    let (dw, dh) = if plan.orientation >= 5 { (plan.resize.1, plan.resize.0) } else { plan.resize };
    let (x, y, w, h) = crop_box((x, y, w, h), raster.scale, stored, (width, height));

    // Nothing to do when the region is the whole image at its decoded size.
    let whole = x == 0.0 && y == 0.0 && w == width as f64 && h == height as f64;
    if whole && (dw, dh) == (width, height) {
        return Ok(decoded.into_8bit());
    }
    let resize_error = |e: &dyn std::fmt::Display| {
        Error::internal(format!(
            "resize of {width}x{height} (crop {x},{y} {w}x{h}) to {dw}x{dh} for region {r:?} of {stored:?}: {e}"
        ))
    };
    let options = ResizeOptions::new().resize_alg(algorithm(plan.filter)).crop(x, y, w, h).use_alpha(true);
    let decoded = match decoded {
        Decoded::Eight(i) => i,
        Decoded::Sixteen(i) => return resize16(&i, (dw, dh), &options).map_err(|e| resize_error(&e)),
    };
    let pixel_type = if decoded.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let src = ImageRef::new(decoded.width, decoded.height, &decoded.data, pixel_type).map_err(|e| resize_error(&e))?;
    let mut dst = FirImage::new(dw, dh, pixel_type);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| resize_error(&e))?;
    Ok(Image::new(dw, dh, decoded.channels, dst.into_vec()))
}

/// The whole decoded image (8-bit) resized to exactly `to`: a working copy of an original. The
/// crop is the stored extent at the decoder's scale, so the copy's scale is exactly
/// `to / stored` per axis, whatever partial block the decoder added at the edges.
pub fn shrink_whole(raster: Raster, stored: (u32, u32), to: (u32, u32)) -> Result<Image> {
    let image = raster.pixels.into_8bit();
    let (width, height) = (image.width, image.height);
    let (x, y, w, h) = crop_box((0.0, 0.0, stored.0 as f64, stored.1 as f64), raster.scale, stored, (width, height));
    let failed = |e: &dyn std::fmt::Display| {
        Error::internal(format!("working copy of {width}x{height} at {}x{}: {e}", to.0, to.1))
    };
    let pixel_type = if image.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let options =
        ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3)).crop(x, y, w, h).use_alpha(true);
    let src = ImageRef::new(width, height, &image.data, pixel_type).map_err(|e| failed(&e))?;
    let mut dst = FirImage::new(to.0, to.1, pixel_type);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|e| failed(&e))?;
    Ok(Image::new(to.0, to.1, image.channels, dst.into_vec()))
}

/// A rectangle in stored pixels as a crop box of the decoded image, kept inside it. A DCT-scaled
/// decode is ceil(side·s/8) wide while the stored side maps to side·s/8: its last pixel stands
/// for the stored pixels past the last whole block, so a rectangle that reaches the stored
/// edge reaches the decoded edge.
fn crop_box(
    (x, y, w, h): (f64, f64, f64, f64),
    (kx, ky): (f64, f64),
    stored: (u32, u32),
    (width, height): (u32, u32),
) -> (f64, f64, f64, f64) {
    let axis = |start: f64, len: f64, k: f64, stored: u32, size: u32| {
        let size = f64::from(size);
        let a = (start * k).clamp(0.0, size - 1e-3);
        let end = if start + len >= f64::from(stored) - 1e-6 { size } else { ((start + len) * k).min(size) };
        let mut len = (end - a).max(1e-3);
        // fast_image_resize refuses a box whose sum poke past the image by one rounding step.
        while a + len > size {
            len = len.next_down();
        }
        (a, len)
    };
    let (x, w) = axis(x, w, kx, stored.0, width);
    let (y, h) = axis(y, h, ky, stored.1, height);
    (x, y, w, h)
}

/// The 16-bit resize: same filter and crop, rounded to 8 bits at the end.
fn resize16(src: &Image16, (dw, dh): (u32, u32), options: &ResizeOptions) -> std::result::Result<Image, String> {
    let data = if src.channels == 4 {
        let px: Vec<U16x4> = src.data.chunks_exact(4).map(|p| U16x4::new([p[0], p[1], p[2], p[3]])).collect();
        let view = TypedImageRef::new(src.width, src.height, &px).map_err(|e| e.to_string())?;
        let mut dst = TypedImage::<U16x4>::new(dw, dh);
        Resizer::new().resize_typed(&view, &mut dst, options).map_err(|e| e.to_string())?;
        dst.pixels().iter().flat_map(|p| p.0.map(to_8bit)).collect()
    } else {
        let px: Vec<U16x3> = src.data.chunks_exact(3).map(|p| U16x3::new([p[0], p[1], p[2]])).collect();
        let view = TypedImageRef::new(src.width, src.height, &px).map_err(|e| e.to_string())?;
        let mut dst = TypedImage::<U16x3>::new(dw, dh);
        Resizer::new().resize_typed(&view, &mut dst, options).map_err(|e| e.to_string())?;
        dst.pixels().iter().flat_map(|p| p.0.map(to_8bit)).collect()
    };
    Ok(Image::new(dw, dh, src.channels, data))
}
