//! Crop + resize in one pass with fast_image_resize (Lanczos3, premultiplied alpha, SIMD).

use fast_image_resize::images::{Image as FirImage, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::orient::unorient_rect;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::plan::Plan;

/// `image` stretched to exactly `w`x`h` (aspect ratio not kept): for mask images.
pub fn stretch(image: &Image, w: u32, h: u32) -> Result<Image> {
    if (image.width, image.height) == (w, h) {
        return Ok(image.clone());
    }
    let pixel_type = if image.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let src = ImageRef::new(image.width, image.height, &image.data, pixel_type).map_err(|_| Error::internal())?;
    let mut dst = FirImage::new(w, h, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear)).use_alpha(true);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|_| Error::internal())?;
    Ok(Image::new(w, h, image.channels, dst.into_vec()))
}

/// Crops the plan's region out of the decoded image and resizes it. The decoded image is in
/// stored orientation and possibly shrunk on load, so the region is mapped onto it first; the
/// output stays in stored orientation (sides swapped for orientations 5–8).
pub fn crop_and_resize(decoded: Image, plan: &Plan) -> Result<Image> {
    let stored = if plan.orientation >= 5 { (plan.source.1, plan.source.0) } else { plan.source };
    let r = plan.region;
    let (x, y, w, h) = unorient_rect(plan.orientation, (r.x, r.y, r.w, r.h), (stored.0 as f64, stored.1 as f64));
    let (kx, ky) = (decoded.width as f64 / stored.0 as f64, decoded.height as f64 / stored.1 as f64);
    let (x, y, w, h) = (x * kx, y * ky, w * kx, h * ky);
    let (dw, dh) = if plan.orientation >= 5 { (plan.resize.1, plan.resize.0) } else { plan.resize };

    // Nothing to do when the region is the whole image at its decoded size.
    let whole = x.abs() < 1e-9
        && y.abs() < 1e-9
        && (w - decoded.width as f64).abs() < 1e-9
        && (h - decoded.height as f64).abs() < 1e-9;
    if whole && (dw, dh) == (decoded.width, decoded.height) {
        return Ok(decoded);
    }

    let pixel_type = if decoded.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let src = ImageRef::new(decoded.width, decoded.height, &decoded.data, pixel_type).map_err(|_| Error::internal())?;
    let mut dst = FirImage::new(dw, dh, pixel_type);
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(x, y, w.max(1e-3), h.max(1e-3))
        .use_alpha(true);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|_| Error::internal())?;
    Ok(Image::new(dw, dh, decoded.channels, dst.into_vec()))
}
