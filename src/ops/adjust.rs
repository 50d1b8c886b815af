//! Tone (per-channel curve through one 256-entry table) and colour (saturation, vibrance, hue).

use super::Tone;
use crate::image::Image;

/// Builds the tone curve once and maps every channel through it.
pub fn tone(image: &mut Image, t: &Tone) {
    if *t == Tone::default() {
        return;
    }
    let lut = tone_curve(t);
    map_colour_channels(image, |v| lut[v as usize]);
}

/// The tone curve as a lookup table. Each term follows the usual photo-editor definition.
pub fn tone_curve(t: &Tone) -> [u8; 256] {
    let mut lut = [0u8; 256];
    // Exposure in stops (±2 at ±100), applied in linear light.
    let exposure = 2f32.powf(t.exp / 50.0);
    // Contrast slope around mid-grey: 0 at −100, 1 at 0, steep (≈ 100×) at +100.
    let contrast = if t.con >= 0.0 { 1.0 / (1.0 - t.con / 100.0 * 0.99) } else { 1.0 + t.con / 100.0 };
    // Gamma: positive values brighten the midtones.
    let gamma = if t.gam >= 0.0 { 1.0 / (1.0 + t.gam / 100.0) } else { 1.0 - t.gam / 100.0 };
    for (i, out) in lut.iter_mut().enumerate() {
        let mut v = i as f32 / 255.0;
        if t.exp != 0.0 {
            v = linear_to_srgb(srgb_to_linear(v) * exposure);
        }
        v += t.bri / 100.0;
        v = (v - 0.5) * contrast + 0.5;
        v = v.clamp(0.0, 1.0);
        if t.gam != 0.0 {
            v = v.powf(gamma);
        }
        // Shadows lift the dark end, highlights pull the bright end, both fading towards mid-grey.
        if t.shad > 0.0 {
            v += t.shad / 100.0 * 0.5 * (1.0 - v).powi(2) * v.sqrt();
        }
        if t.high < 0.0 {
            v += t.high / 100.0 * 0.5 * v.powi(2) * (1.0 - v).sqrt();
        }
        if t.invert {
            v = 1.0 - v;
        }
        *out = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    }
    lut
}

pub fn srgb_to_linear(v: f32) -> f32 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

pub fn linear_to_srgb(v: f32) -> f32 {
    let v = v.clamp(0.0, 1.0);
    if v <= 0.003_130_8 {
        v * 12.92
    } else {
        1.055 * v.powf(1.0 / 2.4) - 0.055
    }
}

/// Rec. 601 luma, as greyscale conversions conventionally use.
pub fn luma(r: f32, g: f32, b: f32) -> f32 {
    0.299 * r + 0.587 * g + 0.114 * b
}

pub fn map_colour_channels(image: &mut Image, f: impl Fn(u8) -> u8) {
    let c = image.channels as usize;
    for px in image.data.chunks_exact_mut(c) {
        for v in &mut px[..3] {
            *v = f(*v);
        }
    }
}

/// Saturation (−100 = grey), vibrance (saturation that spares already-saturated colours) and
/// hue rotation in degrees (HSL hue, as ImageMagick's `-modulate` turns it).
pub fn colour(image: &mut Image, sat: f32, vib: f32, hue: f32) {
    let hue = hue.rem_euclid(360.0);
    if sat == 0.0 && vib == 0.0 && hue == 0.0 {
        return;
    }
    match image.channels {
        3 => colour_pixels::<3>(&mut image.data, sat, vib, hue),
        _ => colour_pixels::<4>(&mut image.data, sat, vib, hue),
    }
}

/// `colour` over pixels of `C` channels, in 0–255 units (every step is homogeneous, so no
/// scaling to 0–1 is needed).
fn colour_pixels<const C: usize>(data: &mut [u8], sat: f32, vib: f32, hue: f32) {
    let turn = HueTurn::new(hue);
    let (sat, vib) = (1.0 + sat / 100.0, vib / 100.0 / 255.0);
    let saturate = sat != 1.0 || vib != 0.0;
    for px in data.chunks_exact_mut(C) {
        let [mut r, mut g, mut b] = [0, 1, 2].map(|k| px[k] as i32 as f32);
        // On the bytes: f32::max/min are NaN-aware, a slow instruction sequence in wasm.
        let (max, min) = (px[0].max(px[1]).max(px[2]) as i32 as f32, px[0].min(px[1]).min(px[2]) as i32 as f32);
        if hue != 0.0 {
            [r, g, b] = turn.apply(r, g, b, max, min);
        }
        if saturate {
            // The turn keeps max and min, so the chroma is the same before and after it.
            let l = luma(r, g, b);
            let k = sat * (1.0 + vib * (255.0 - (max - min)));
            [r, g, b] = [r, g, b].map(|v| l + (v - l) * k);
        }
        for (v, x) in px[..3].iter_mut().zip([r, g, b]) {
            *v = super::blur::to_u8(x);
        }
    }
}

/// An HSL hue rotation without the HSL round trip: it keeps a pixel's largest and smallest
/// channel values, so only which channel holds them and where the middle one sits change.
/// The hue in sixths of a turn is sector + fd/d (d = max − min, 0 ≤ fd < d); turning adds
/// `whole` sectors and `frac`·d to fd. No division, no `rem_euclid` (a library call in wasm).
struct HueTurn {
    whole: usize,
    frac: f32,
}

impl HueTurn {
    fn new(degrees: f32) -> HueTurn {
        let sixths = degrees.rem_euclid(360.0) / 60.0;
        let whole = sixths.floor();
        HueTurn { whole: whole as usize % 6, frac: sixths - whole }
    }

    #[inline]
    fn apply(&self, r: f32, g: f32, b: f32, max: f32, min: f32) -> [f32; 3] {
        let d = max - min;
        // The sector of the hue and how far (×d) into it, as the usual HSL hue formula has it.
        let (sector, fd) = if max == r {
            if g >= b {
                (0, g - b)
            } else {
                (5, d + g - b)
            }
        } else if max == g {
            if b >= r {
                (2, b - r)
            } else {
                (1, d + b - r)
            }
        } else if r >= g {
            (4, r - g)
        } else {
            (3, d + r - g)
        };
        let mut sector = sector + self.whole;
        let mut fd = fd + self.frac * d;
        if fd >= d {
            sector += 1;
            fd -= d;
        }
        // Red sits a third of a turn ahead of green, blue a third behind. Within its sector a
        // channel rises from min, holds max, falls from max or holds min.
        [sector + 2, sector, sector + 4].map(|s| match s % 6 {
            0 => min + fd,
            1 | 2 => max,
            3 => max - fd,
            _ => min,
        })
    }
}

/// Rotates the HSL hue, keeping saturation and lightness (the textbook conversion, which the
/// tests hold `HueTurn` to).
#[cfg(test)]
fn rotate_hue(r: f32, g: f32, b: f32, degrees: f32) -> (f32, f32, f32) {
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let l = (max + min) / 2.0;
    let d = max - min;
    if d <= f32::EPSILON {
        return (r, g, b);
    }
    let s = if l > 0.5 { d / (2.0 - max - min) } else { d / (max + min) };
    let mut h = if max == r {
        (g - b) / d + if g < b { 6.0 } else { 0.0 }
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    } * 60.0;
    h = (h + degrees).rem_euclid(360.0) / 360.0;
    let q = if l < 0.5 { l * (1.0 + s) } else { l + s - l * s };
    let p = 2.0 * l - q;
    let channel = |t: f32| {
        let t = t.rem_euclid(1.0);
        if t < 1.0 / 6.0 {
            p + (q - p) * 6.0 * t
        } else if t < 0.5 {
            q
        } else if t < 2.0 / 3.0 {
            p + (q - p) * (2.0 / 3.0 - t) * 6.0
        } else {
            p
        }
    };
    (channel(h + 1.0 / 3.0), channel(h), channel(h - 1.0 / 3.0))
}

/// `auto=enhance`: stretches each channel's 0.5–99.5 percentile range to the full range.
pub fn auto_levels(image: &mut Image) {
    let c = image.channels as usize;
    let n = image.data.len() / c;
    if n == 0 {
        return;
    }
    let mut luts = [[0u8; 256]; 3];
    for (ch, lut) in luts.iter_mut().enumerate() {
        let mut hist = [0usize; 256];
        for px in image.data.chunks_exact(c) {
            hist[px[ch] as usize] += 1;
        }
        let cut = n / 200;
        let (mut lo, mut acc) = (0usize, 0usize);
        while lo < 255 && acc + hist[lo] <= cut {
            acc += hist[lo];
            lo += 1;
        }
        let (mut hi, mut acc) = (255usize, 0usize);
        while hi > 0 && acc + hist[hi] <= cut {
            acc += hist[hi];
            hi -= 1;
        }
        for (i, v) in lut.iter_mut().enumerate() {
            *v = if hi <= lo {
                i as u8
            } else {
                ((i as f32 - lo as f32) * 255.0 / (hi - lo) as f32).clamp(0.0, 255.0).round() as u8
            };
        }
    }
    for px in image.data.chunks_exact_mut(c) {
        for ch in 0..3 {
            px[ch] = luts[ch][px[ch] as usize];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_curve() {
        let lut = tone_curve(&Tone::default());
        assert!(lut.iter().enumerate().all(|(i, v)| *v as usize == i));
    }

    #[test]
    fn curve_directions() {
        let at = |t: Tone, i: usize| tone_curve(&t)[i] as i32;
        let t = Tone::default();
        assert!(at(Tone { bri: 50.0, ..t }, 100) > 100);
        assert!(at(Tone { bri: -50.0, ..t }, 100) < 100);
        assert!(at(Tone { con: 50.0, ..t }, 200) > 200 && at(Tone { con: 50.0, ..t }, 50) < 50);
        assert_eq!(at(Tone { con: -100.0, ..t }, 10), 128);
        assert!(at(Tone { exp: 50.0, ..t }, 100) > 130); // one stop: linear light doubles
        assert!(at(Tone { gam: 50.0, ..t }, 100) > 100);
        assert!(at(Tone { shad: 80.0, ..t }, 30) > 40 && at(Tone { shad: 80.0, ..t }, 250) <= 251);
        assert!(at(Tone { high: -80.0, ..t }, 220) < 210 && at(Tone { high: -80.0, ..t }, 10) >= 9);
        assert_eq!(at(Tone { invert: true, ..t }, 0), 255);
    }

    #[test]
    fn hue_rotation_of_primaries() {
        let (r, g, b) = rotate_hue(1.0, 0.0, 0.0, 120.0);
        assert!((r, g, b) == (0.0, 1.0, 0.0), "{r} {g} {b}");
        let (r, g, b) = rotate_hue(1.0, 0.0, 0.0, 240.0);
        assert!(r.abs() < 1e-6 && g.abs() < 1e-6 && (b - 1.0).abs() < 1e-6);
        assert_eq!(rotate_hue(0.5, 0.5, 0.5, 90.0), (0.5, 0.5, 0.5));
    }

    /// The old per-pixel HSL round trip, followed by saturation and vibrance as before.
    fn colour_reference(px: [u8; 3], sat: f32, vib: f32, hue: f32) -> [u8; 3] {
        let (mut r, mut g, mut b) = (px[0] as f32 / 255.0, px[1] as f32 / 255.0, px[2] as f32 / 255.0);
        if hue != 0.0 {
            (r, g, b) = rotate_hue(r, g, b, hue);
        }
        let l = luma(r, g, b);
        let chroma = r.max(g).max(b) - r.min(g).min(b);
        let k = (1.0 + sat / 100.0) * (1.0 + vib / 100.0 * (1.0 - chroma));
        [r, g, b].map(|v| ((l + (v - l) * k).clamp(0.0, 1.0) * 255.0).round() as u8)
    }

    #[test]
    fn hue_turn_matches_the_hsl_round_trip() {
        // Every hue sector, greys, ties between channels, and turns across sector boundaries.
        let mut pixels = vec![[0, 0, 0], [255, 255, 255], [90, 90, 90], [255, 0, 0], [10, 200, 200], [200, 200, 10]];
        let mut s = 7u32;
        for _ in 0..3000 {
            s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            pixels.push([(s >> 8) as u8, (s >> 16) as u8, (s >> 24) as u8]);
        }
        for (sat, vib, hue) in [
            (0.0, 0.0, 90.0),
            (0.0, 0.0, 180.0),
            (0.0, 0.0, 300.0),
            (0.0, 0.0, 37.5),
            (0.0, 0.0, 359.0),
            (40.0, 0.0, 0.0),
            (-100.0, 0.0, 0.0),
            (0.0, 40.0, 0.0),
            (0.0, -60.0, 0.0),
            (30.0, 50.0, 200.0),
        ] {
            let data: Vec<u8> = pixels.iter().flatten().copied().collect();
            let mut img = Image::new(pixels.len() as u32, 1, 3, data);
            colour(&mut img, sat, vib, hue);
            for (px, out) in pixels.iter().zip(img.data.chunks_exact(3)) {
                let want = colour_reference(*px, sat, vib, hue);
                let d = out.iter().zip(want).map(|(a, b)| a.abs_diff(b)).max().unwrap();
                // The same arithmetic in a different order: at most a rounding apart.
                assert!(d <= 1, "{px:?} sat {sat} vib {vib} hue {hue}: {out:?} vs {want:?}");
            }
        }
    }

    #[test]
    fn saturation_minus_100_is_grey() {
        let mut img = Image::new(1, 1, 3, vec![200, 50, 10]);
        colour(&mut img, -100.0, 0.0, 0.0);
        assert!(img.data[0] == img.data[1] && img.data[1] == img.data[2]);
    }
}
