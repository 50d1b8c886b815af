//! Colour management with moxcms, a pure-Rust CMS: embedded ICC profiles (Display P3, Adobe RGB,
//! ProPhoto, grey, CMYK) are converted to the output's colour space right after decoding, on
//! 16-bit samples when the original has them, and `cs` decides which profile the output carries.
//! A profile we cannot parse or use leaves the pixels as they are (imgix's `cs=origin` falls
//! back the same way), never an error.

use std::cell::RefCell;
use std::sync::Arc;

use moxcms::{ColorProfile, DataColorSpace, Layout, TransformExecutor, TransformOptions};

use super::container::icc_description;
use crate::image::{Decoded, Image};
use crate::params::ColourSpace;

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

/// A profile moxcms can use for RGB numbers.
fn is_rgb(icc: &[u8]) -> bool {
    profile(icc).is_some_and(|p| p.color_space == DataColorSpace::Rgb)
}

/// What `cs` does to the pixels of one original, and the profile the output carries:
///
/// - no `cs`: as `origin` when the original has a usable RGB profile that is not sRGB (Display
///   P3, Adobe RGB, ProPhoto: a wide-gamut display shows what the original holds); otherwise
///   converted to sRGB, untagged (an sRGB profile would cost bytes and change nothing on screen);
/// - untagged sRGB (outputs that carry no profile): converted to sRGB, untagged;
/// - `srgb` / `tinysrgb`: converted to sRGB, tagged with a full or a compact sRGB profile;
/// - `adobergb1998`: converted to Adobe RGB (1998) (untagged originals count as sRGB), tagged;
/// - `strip`: the numbers as decoded, untagged;
/// - `origin`: the numbers as decoded with the original's RGB profile, sRGB ones too; without
///   one (or with a grey, CMYK or unreadable one) converted to sRGB, untagged.
///
/// Built once per request: the frames of an animation share its 8-bit transform.
pub struct Conversion {
    /// Source and destination profiles; None when the numbers stay as decoded.
    profiles: Option<(ColorProfile, ColorProfile)>,
    /// The output's profile.
    pub tag: Option<Vec<u8>>,
    /// 8-bit transforms made so far, by "has alpha" (None: the profile cannot be used).
    eight: RefCell<Vec<(bool, Option<Executor<u8>>)>>,
}

impl Conversion {
    pub fn new(source: Option<&[u8]>, cs: ColourSpace) -> Conversion {
        let (profiles, tag) = match cs {
            ColourSpace::Strip => (None, None),
            ColourSpace::Origin => match source.filter(|icc| is_rgb(icc)) {
                Some(icc) => (None, Some(icc.to_vec())),
                None => return Conversion::new(source, ColourSpace::SrgbUntagged),
            },
            ColourSpace::Default => match source.filter(|icc| !is_srgb(icc) && is_rgb(icc)) {
                Some(icc) => (None, Some(icc.to_vec())),
                None => return Conversion::new(source, ColourSpace::SrgbUntagged),
            },
            ColourSpace::AdobeRgb1998 => {
                let adobe = ColorProfile::new_adobe_rgb();
                // CMYK profiles were applied by the decoder, and unreadable ones are ignored: both
                // leave sRGB numbers.
                let from = source
                    .and_then(profile)
                    .filter(|p| matches!(p.color_space, DataColorSpace::Rgb | DataColorSpace::Gray))
                    .unwrap_or_else(ColorProfile::new_srgb);
                let tag = adobe.encode().ok();
                (Some((from, adobe)), tag)
            }
            ColourSpace::SrgbUntagged | ColourSpace::Srgb | ColourSpace::TinySrgb => {
                let from = source.filter(|icc| !is_srgb(icc)).and_then(profile);
                let tag = match cs {
                    ColourSpace::Srgb => ColorProfile::new_srgb().encode().ok(),
                    ColourSpace::TinySrgb => Some(tiny_srgb()),
                    _ => None,
                };
                (from.map(|f| (f, ColorProfile::new_srgb())), tag)
            }
        };
        Conversion { profiles, tag, eight: RefCell::new(Vec::new()) }
    }

    /// Converts in place, at the image's own bit depth. RGB and grey sources; anything else
    /// (CMYK is applied by the JPEG decoder) is left alone. Returns whether pixels changed.
    pub fn apply(&self, image: &mut Decoded) -> bool {
        let Some((src, dst)) = &self.profiles else { return false };
        match image {
            Decoded::Eight(i) => self.apply_8bit(i),
            Decoded::Sixteen(i) => {
                let rgba = i.channels == 4;
                run(&mut i.data, rgba, src, |a, b| {
                    src.create_transform_16bit(a, dst, b, TransformOptions::default()).ok()
                })
            }
        }
    }

    pub fn apply_8bit(&self, image: &mut Image) -> bool {
        let Some((src, dst)) = &self.profiles else { return false };
        let rgba = image.channels == 4;
        run(&mut image.data, rgba, src, |from, to| {
            if let Some((_, t)) = self.eight.borrow().iter().find(|(alpha, _)| *alpha == rgba) {
                return t.clone();
            }
            let t = src.create_transform_8bit(from, dst, to, TransformOptions::default()).ok();
            self.eight.borrow_mut().push((rgba, t.clone()));
            t
        })
    }
}

/// The transform's input and output layouts: a grey profile reads one grey channel (and alpha).
fn layouts(src: &ColorProfile, rgba: bool) -> (Layout, Layout) {
    let layout = if rgba { Layout::Rgba } else { Layout::Rgb };
    match src.color_space {
        DataColorSpace::Gray => (if rgba { Layout::GrayAlpha } else { Layout::Gray }, layout),
        _ => (layout, layout),
    }
}

type Executor<T> = Arc<dyn TransformExecutor<T> + Send + Sync>;

fn run<T: Copy + Default>(
    data: &mut Vec<T>,
    rgba: bool,
    src: &ColorProfile,
    transform: impl Fn(Layout, Layout) -> Option<Executor<T>>,
) -> bool {
    let (from, to) = layouts(src, rgba);
    let mut out = vec![T::default(); data.len()];
    let done = match src.color_space {
        DataColorSpace::Rgb => transform(from, to).is_some_and(|t| t.transform(data, &mut out).is_ok()),
        DataColorSpace::Gray => {
            let grey: Vec<T> = if rgba {
                data.chunks_exact(4).flat_map(|p| [p[0], p[3]]).collect()
            } else {
                data.chunks_exact(3).map(|p| p[0]).collect()
            };
            transform(from, to).is_some_and(|t| t.transform(&grey, &mut out).is_ok())
        }
        _ => false,
    };
    if done {
        *data = out;
    }
    done
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

/// `cs=tinysrgb`: a 512-byte ICC v4 display profile for sRGB, written out here field by field.
/// It holds only what a v4 RGB matrix/TRC profile needs: the D50-adapted sRGB primaries, one
/// parametric curve shared by the three channels (the exact sRGB formula, 32 bytes where
/// classic profiles carry 1024-entry tables), the D50 white, the Bradford adaptation from D65,
/// and two one-string names. The "slight shift" imgix warns about is the 16-bit fixed-point
/// rounding of the matrix: below half a level in 8-bit output.
pub fn tiny_srgb() -> Vec<u8> {
    fn s15(v: f64) -> [u8; 4] {
        ((v * 65536.0).round() as i32).to_be_bytes()
    }
    fn xyz(v: [f64; 3]) -> Vec<u8> {
        [b"XYZ \0\0\0\0".to_vec(), v.iter().flat_map(|&c| s15(c)).collect()].concat()
    }
    fn mluc(text: &str) -> Vec<u8> {
        let utf16: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let mut t = b"mluc\0\0\0\0".to_vec();
        t.extend_from_slice(&1u32.to_be_bytes()); // one record
        t.extend_from_slice(&12u32.to_be_bytes()); // record size
        t.extend_from_slice(b"enUS");
        t.extend_from_slice(&(utf16.len() as u32).to_be_bytes());
        t.extend_from_slice(&28u32.to_be_bytes()); // string offset within the tag
        t.extend(utf16);
        t
    }
    const D50: [f64; 3] = [0.9642, 1.0, 0.8249];
    // sRGB's own curve: Y = ((X + 0.055) / 1.055)^2.4 above 0.04045, X / 12.92 below.
    let para: Vec<u8> = [
        b"para\0\0\0\0\0\x03\0\0".to_vec(),
        [2.4, 1.0 / 1.055, 0.055 / 1.055, 1.0 / 12.92, 0.04045].iter().flat_map(|&v| s15(v)).collect(),
    ]
    .concat();
    let chad: Vec<u8> = [
        b"sf32\0\0\0\0".to_vec(),
        [1.047882, 0.022918, -0.050217, 0.029586, 0.990478, -0.017075, -0.009247, 0.015075, 0.751678]
            .iter()
            .flat_map(|&v| s15(v))
            .collect(),
    ]
    .concat();
    let tags: Vec<(&[u8; 4], Vec<u8>)> = vec![
        (b"desc", mluc("sRGB compact")),
        (b"cprt", mluc("No copyright")),
        (b"wtpt", xyz(D50)),
        (b"rXYZ", xyz([0.436066, 0.222488, 0.013916])),
        (b"gXYZ", xyz([0.385147, 0.716873, 0.097076])),
        (b"bXYZ", xyz([0.143066, 0.060608, 0.714096])),
        (b"chad", chad),
        (b"rTRC", para),
    ];
    // Header, tag count, directory (the three TRC entries share one curve), then the data.
    let entries = tags.len() + 2;
    let mut body = Vec::new();
    let mut directory = Vec::new();
    let data_start = 128 + 4 + 12 * entries;
    for (sig, data) in &tags {
        let offset = data_start + body.len();
        let mut add = |sig: &[u8; 4]| {
            directory.extend_from_slice(sig);
            directory.extend_from_slice(&(offset as u32).to_be_bytes());
            directory.extend_from_slice(&(data.len() as u32).to_be_bytes());
        };
        add(sig);
        if *sig == b"rTRC" {
            add(b"gTRC");
            add(b"bTRC");
        }
        body.extend_from_slice(data);
        body.resize(body.len().div_ceil(4) * 4, 0);
    }
    let size = data_start + body.len();
    let mut h = vec![0u8; 128];
    h[0..4].copy_from_slice(&(size as u32).to_be_bytes());
    h[8..12].copy_from_slice(&[4, 0x30, 0, 0]); // version 4.3
    h[12..16].copy_from_slice(b"mntr");
    h[16..20].copy_from_slice(b"RGB ");
    h[20..24].copy_from_slice(b"XYZ ");
    h[24..36].copy_from_slice(&[0x07, 0xEA, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]); // 2026-01-01
    h[36..40].copy_from_slice(b"acsp");
    for (i, &c) in D50.iter().enumerate() {
        h[68 + 4 * i..72 + 4 * i].copy_from_slice(&s15(c));
    }
    [h, (entries as u32).to_be_bytes().to_vec(), directory, body].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image16;

    fn encoded(p: &ColorProfile) -> Vec<u8> {
        p.encode().expect("profile encodes")
    }

    /// `cs` applied to `image` as the renderer does; the output's profile.
    fn apply(image: &mut Decoded, source: Option<&[u8]>, cs: ColourSpace) -> Option<Vec<u8>> {
        let conversion = Conversion::new(source, cs);
        conversion.apply(image);
        conversion.tag
    }

    fn to_srgb(image: &mut Image, icc: &[u8]) -> bool {
        Conversion::new(Some(icc), ColourSpace::SrgbUntagged).apply_8bit(image)
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

    /// The compact profile parses, names itself sRGB, and maps every grey level and the
    /// primaries to within one level of moxcms's own sRGB.
    #[test]
    fn tiny_srgb_is_small_and_is_srgb() {
        let tiny = tiny_srgb();
        assert_eq!(tiny.len(), 512);
        assert_eq!(u32::from_be_bytes(tiny[..4].try_into().unwrap()) as usize, tiny.len());
        assert_eq!(icc_description(&tiny).as_deref(), Some("sRGB compact"));
        let full = encoded(&ColorProfile::new_srgb());
        assert!(tiny.len() < full.len(), "tiny {} vs moxcms sRGB {}", tiny.len(), full.len());
        let p = profile(&tiny).expect("moxcms parses it");
        let t = p
            .create_transform_8bit(Layout::Rgb, &ColorProfile::new_srgb(), Layout::Rgb, TransformOptions::default())
            .unwrap();
        let src: Vec<u8> = (0..=255u8).flat_map(|v| [v, v, v]).chain([255, 0, 0, 0, 255, 0, 0, 0, 255]).collect();
        let mut out = vec![0; src.len()];
        t.transform(&src, &mut out).unwrap();
        let worst = src.iter().zip(&out).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
        assert!(worst <= 1, "worst difference {worst}");
    }

    #[test]
    fn cs_decides_pixels_and_profile() {
        let p3 = encoded(&ColorProfile::new_display_p3());
        let px = || Decoded::Eight(Image::new(1, 1, 3, vec![200, 60, 40]));
        let run = |source: Option<&[u8]>, cs| {
            let mut d = px();
            let icc = apply(&mut d, source, cs);
            (d.into_8bit().data, icc)
        };
        let (srgb, none) = run(Some(&p3), ColourSpace::SrgbUntagged);
        assert!(none.is_none());
        assert!(srgb[0] > 210 && srgb[1] < 60, "P3 → sRGB widens red: {srgb:?}");
        let (tagged, icc) = run(Some(&p3), ColourSpace::Srgb);
        assert_eq!(tagged, srgb);
        assert!(icc_description(&icc.unwrap()).unwrap().to_ascii_lowercase().contains("srgb"));
        let (tiny, icc) = run(Some(&p3), ColourSpace::TinySrgb);
        assert_eq!((tiny, icc), (srgb.clone(), Some(tiny_srgb())));
        assert_eq!(run(Some(&p3), ColourSpace::Strip), (vec![200, 60, 40], None));
        assert_eq!(run(Some(&p3), ColourSpace::Origin), (vec![200, 60, 40], Some(p3.clone())));
        // Origin without a usable RGB profile falls back to untagged sRGB.
        assert_eq!(run(None, ColourSpace::Origin), (vec![200, 60, 40], None));
        let grey = encoded(&ColorProfile::new_gray_with_gamma(1.0));
        assert!(run(Some(&grey), ColourSpace::Origin).1.is_none());
        // No `cs`: a wide-gamut profile is kept with its numbers, as origin; an sRGB one is
        // dropped (origin keeps it); grey, unreadable and absent profiles give untagged sRGB.
        assert_eq!(run(Some(&p3), ColourSpace::Default), (vec![200, 60, 40], Some(p3.clone())));
        let srgb_icc = encoded(&ColorProfile::new_srgb());
        assert_eq!(run(Some(&srgb_icc), ColourSpace::Default), (vec![200, 60, 40], None));
        assert_eq!(run(Some(&srgb_icc), ColourSpace::Origin).1, Some(srgb_icc.clone()));
        assert_eq!(run(None, ColourSpace::Default), (vec![200, 60, 40], None));
        assert_eq!(run(Some(b"junk"), ColourSpace::Default), (vec![200, 60, 40], None));
        let (grey_px, grey_tag) = run(Some(&grey), ColourSpace::Default);
        assert_eq!((grey_px, grey_tag), run(Some(&grey), ColourSpace::SrgbUntagged));
        // Adobe RGB: untagged sRGB red (200,60,40) is less saturated in the wider space.
        let (adobe, icc) = run(None, ColourSpace::AdobeRgb1998);
        assert_eq!(run(Some(b"junk"), ColourSpace::AdobeRgb1998).0, adobe, "unreadable profile: sRGB numbers");
        let icc = icc.unwrap();
        assert_eq!(profile(&icc).unwrap().color_space, DataColorSpace::Rgb);
        assert!(adobe[0] < 200 && adobe[1] > 60, "{adobe:?}");
        // ...and converting back through the embedded profile returns the sRGB numbers.
        let mut back = Image::new(1, 1, 3, adobe);
        assert!(to_srgb(&mut back, &icc));
        assert!(back.data.iter().zip([200u8, 60, 40]).all(|(a, b)| a.abs_diff(b) <= 1), "{:?}", back.data);
    }

    #[test]
    fn sixteen_bit_conversion_keeps_alpha_and_precision() {
        let p3 = ColorProfile::new_display_p3();
        // Grey stays grey in any RGB space with a D65 white; 16-bit in, 16-bit out.
        let mut d = Decoded::Sixteen(Image16::new(2, 1, 4, vec![32768, 32768, 32768, 1234, 65535, 0, 0, 65535]));
        assert!(Conversion::new(Some(&p3.encode().unwrap()), ColourSpace::SrgbUntagged).apply(&mut d));
        let Decoded::Sixteen(i) = d else { panic!("still 16-bit") };
        assert!(i.data[..3].iter().all(|&v| v.abs_diff(32768) < 64), "{:?}", i.data);
        assert_eq!((i.data[3], i.data[7]), (1234, 65535), "alpha untouched");
        assert!(i.data[4] == 65535 && i.data[5] < 2000, "{:?}", i.data);
    }
}
