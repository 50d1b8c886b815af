//! Colour management: embedded ICC profiles (Display P3, Adobe RGB, ProPhoto, grey, CMYK) are
//! converted to sRGB with moxcms, a pure-Rust CMS. A profile we cannot parse or use leaves
//! the pixels as they are (imgix's `cs=origin` falls back the same way), never an error.

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformOptions};

use super::container::icc_description;
use crate::image::Image;

/// sRGB under any of its usual names needs no work.
fn is_srgb(icc: &[u8]) -> bool {
    icc_description(icc).is_some_and(|d| {
        let d = d.to_ascii_lowercase();
        d.starts_with("srgb") || d.contains("iec61966-2")
    })
}

fn profile(icc: &[u8]) -> Option<ColorProfile> {
    ColorProfile::new_from_slice(icc).ok()
}

/// Converts an RGB(A) image decoded from a file tagged with `icc` to sRGB in place. Grey profiles
/// apply to the (replicated) grey channel. Returns whether pixels changed.
pub fn to_srgb(image: &mut Image, icc: &[u8]) -> bool {
    if is_srgb(icc) {
        return false;
    }
    let Some(src) = profile(icc) else { return false };
    let srgb = ColorProfile::new_srgb();
    let rgba = image.channels == 4;
    match src.color_space {
        DataColorSpace::Rgb => {
            let layout = if rgba { Layout::Rgba } else { Layout::Rgb };
            let Ok(t) = src.create_transform_8bit(layout, &srgb, layout, TransformOptions::default()) else {
                return false;
            };
            let mut out = vec![0u8; image.data.len()];
            if t.transform(&image.data, &mut out).is_err() {
                return false;
            }
            image.data = out;
            true
        }
        DataColorSpace::Gray => {
            let (src_layout, dst_layout) =
                if rgba { (Layout::GrayAlpha, Layout::Rgba) } else { (Layout::Gray, Layout::Rgb) };
            let Ok(t) = src.create_transform_8bit(src_layout, &srgb, dst_layout, TransformOptions::default()) else {
                return false;
            };
            let c = image.channels as usize;
            let grey: Vec<u8> =
                image.data.chunks_exact(c).flat_map(|p| if rgba { vec![p[0], p[3]] } else { vec![p[0]] }).collect();
            let mut out = vec![0u8; image.data.len()];
            if t.transform(&grey, &mut out).is_err() {
                return false;
            }
            image.data = out;
            true
        }
        _ => false,
    }
}

/// CMYK ink amounts (0 = no ink, as jpeg-decoder hands them back) → sRGB through a CMYK
/// profile. None when the profile is not a usable CMYK one.
pub fn cmyk_to_srgb(cmyk: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    let src = profile(icc)?;
    if src.color_space != DataColorSpace::Cmyk {
        return None;
    }
    let t = src
        .create_transform_8bit(Layout::Rgba, &ColorProfile::new_srgb(), Layout::Rgb, TransformOptions::default())
        .ok()?;
    let mut out = vec![0u8; cmyk.len() / 4 * 3];
    t.transform(cmyk, &mut out).ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(p: &ColorProfile) -> Vec<u8> {
        p.encode().expect("profile encodes")
    }

    #[test]
    fn display_p3_red_becomes_out_of_gamut_clipped_srgb_red() {
        let icc = encoded(&ColorProfile::new_display_p3());
        // P3 (255,0,0) is outside sRGB: clipped to (255, 0, 0)-ish; P3 mid grey stays grey.
        let mut img = Image::new(2, 1, 3, vec![255, 0, 0, 128, 128, 128]);
        assert!(to_srgb(&mut img, &icc));
        assert!(img.data[0] == 255 && img.data[1] < 20 && img.data[2] < 20, "{:?}", img.data);
        assert!(img.data[3..].iter().all(|&v| v.abs_diff(128) <= 2), "{:?}", img.data);
        // A P3 green (0,200,0) is more saturated than sRGB can show: red and blue stay 0.
        let mut g = Image::new(1, 1, 4, vec![60, 180, 60, 77]);
        assert!(to_srgb(&mut g, &icc));
        assert_eq!(g.data[3], 77, "alpha kept");
        assert!(g.data[1] > 180 && g.data[0] < 60, "{:?}", g.data);
    }

    #[test]
    fn srgb_and_garbage_are_left_alone() {
        let mut img = Image::new(1, 1, 3, vec![1, 2, 3]);
        assert!(!to_srgb(&mut img, &encoded(&ColorProfile::new_srgb())));
        assert!(!to_srgb(&mut img, b"not a profile"));
        assert!(!to_srgb(&mut img, &[0u8; 200]));
        assert_eq!(img.data, vec![1, 2, 3]);
        assert_eq!(cmyk_to_srgb(&[0; 4], b"junk"), None);
    }
}
