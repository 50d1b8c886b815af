//! Crop + resize in one pass with fast_image_resize (Lanczos3, premultiplied alpha, SIMD).
//! 16-bit originals are resized on their 16-bit samples and rounded to 8 bits here, once.

use fast_image_resize::images::{Image as FirImage, ImageRef, TypedImage, TypedImageRef};
use fast_image_resize::pixels::{U16x3, U16x4};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};

use super::orient::unorient_rect;
use crate::error::{Error, Result};
use crate::image::{to_8bit, Decoded, Image, Image16};
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
pub fn crop_and_resize(decoded: Decoded, plan: &Plan) -> Result<Image> {
    let stored = if plan.orientation >= 5 { (plan.source.1, plan.source.0) } else { plan.source };
    let r = plan.region;
    let (x, y, w, h) = unorient_rect(plan.orientation, (r.x, r.y, r.w, r.h), (stored.0 as f64, stored.1 as f64));
    let (width, height) = (decoded.width(), decoded.height());
    let (kx, ky) = (width as f64 / stored.0 as f64, height as f64 / stored.1 as f64);
    let (x, y, w, h) = (x * kx, y * ky, w * kx, h * ky);
    let (dw, dh) = if plan.orientation >= 5 { (plan.resize.1, plan.resize.0) } else { plan.resize };

    // Nothing to do when the region is the whole image at its decoded size.
    let whole = x.abs() < 1e-9 && y.abs() < 1e-9 && (w - width as f64).abs() < 1e-9 && (h - height as f64).abs() < 1e-9;
    if whole && (dw, dh) == (width, height) {
        return Ok(decoded.into_8bit());
    }
    let options = ResizeOptions::new()
        .resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3))
        .crop(x, y, w.max(1e-3), h.max(1e-3))
        .use_alpha(true);
    let decoded = match decoded {
        Decoded::Eight(i) => i,
        Decoded::Sixteen(i) => return resize16(&i, (dw, dh), &options),
    };
    let pixel_type = if decoded.has_alpha() { PixelType::U8x4 } else { PixelType::U8x3 };
    let src = ImageRef::new(decoded.width, decoded.height, &decoded.data, pixel_type).map_err(|_| Error::internal())?;
    let mut dst = FirImage::new(dw, dh, pixel_type);
    Resizer::new().resize(&src, &mut dst, &options).map_err(|_| Error::internal())?;
    Ok(Image::new(dw, dh, decoded.channels, dst.into_vec()))
}

/// The 16-bit resize: same filter and crop, rounded to 8 bits at the end.
fn resize16(src: &Image16, (dw, dh): (u32, u32), options: &ResizeOptions) -> Result<Image> {
    let data = if src.channels == 4 {
        let px: Vec<U16x4> = src.data.chunks_exact(4).map(|p| U16x4::new([p[0], p[1], p[2], p[3]])).collect();
        let view = TypedImageRef::new(src.width, src.height, &px).map_err(|_| Error::internal())?;
        let mut dst = TypedImage::<U16x4>::new(dw, dh);
        Resizer::new().resize_typed(&view, &mut dst, options).map_err(|_| Error::internal())?;
        dst.pixels().iter().flat_map(|p| p.0.map(to_8bit)).collect()
    } else {
        let px: Vec<U16x3> = src.data.chunks_exact(3).map(|p| U16x3::new([p[0], p[1], p[2]])).collect();
        let view = TypedImageRef::new(src.width, src.height, &px).map_err(|_| Error::internal())?;
        let mut dst = TypedImage::<U16x3>::new(dw, dh);
        Resizer::new().resize_typed(&view, &mut dst, options).map_err(|_| Error::internal())?;
        dst.pixels().iter().flat_map(|p| p.0.map(to_8bit)).collect()
    };
    Ok(Image::new(dw, dh, src.channels, data))
}
