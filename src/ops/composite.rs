//! Drawing one image over another: W3C Compositing and Blending Level 1 (the blend modes, then
//! source-over), on sRGB-encoded values as browsers blend. Straight alpha in and out.

use crate::image::Image;
pub use crate::params::BlendMode;

/// Draws `layer` (RGB or RGBA) over `base` with its top-left at (`x`, `y`), which may lie outside
/// `base` (the layer is clipped), blended with `mode` at `opacity` (0–1). `base` keeps its
/// channels: an RGB base stays opaque.
pub fn draw(base: &mut Image, layer: &Image, x: i64, y: i64, mode: BlendMode, opacity: f32) {
    let opacity = opacity.clamp(0.0, 1.0);
    if opacity == 0.0 {
        return;
    }
    let (x0, y0) = (x.max(0), y.max(0));
    let x1 = (x + i64::from(layer.width)).min(i64::from(base.width));
    let y1 = (y + i64::from(layer.height)).min(i64::from(base.height));
    if x0 >= x1 || y0 >= y1 {
        return;
    }
    let (bc, lc) = (base.channels as usize, layer.channels as usize);
    let (bw, lw) = (base.width as usize, layer.width as usize);
    let alpha = (opacity * 255.0).round() as u32;
    // Over an opaque pixel a separable mode's blended colour depends on the two channel values
    // alone: one 256×256 table, when the layer is large enough to pay for building it.
    let area = (x1 - x0) as u64 * (y1 - y0) as u64;
    let table = (mode != BlendMode::Normal && separable(mode) && area >= 1 << 16).then(|| {
        let mut t = vec![0u8; 1 << 16];
        for cb in 0..=255u8 {
            for cs in 0..=255u8 {
                let v = blend([f32::from(cb) / 255.0; 3], [f32::from(cs) / 255.0; 3], mode)[0];
                t[usize::from(cb) << 8 | usize::from(cs)] = (v * 255.0).round().clamp(0.0, 255.0) as u8;
            }
        }
        t
    });
    for row in y0..y1 {
        let b_start = (row as usize * bw + x0 as usize) * bc;
        let l_start = ((row - y) as usize * lw + (x0 - x) as usize) * lc;
        let n = (x1 - x0) as usize;
        let b_row = &mut base.data[b_start..b_start + n * bc];
        let l_row = &layer.data[l_start..l_start + n * lc];
        for (b, l) in b_row.chunks_exact_mut(bc).zip(l_row.chunks_exact(lc)) {
            let la = if lc == 4 { u32::from(l[3]) } else { 255 };
            let ab = if bc == 4 { b[3] } else { 255 };
            // An opaque pixel drawn plainly covers whatever is below.
            if mode == BlendMode::Normal && la * alpha == 65025 {
                b[..3].copy_from_slice(&l[..3]);
                if bc == 4 {
                    b[3] = 255;
                }
                continue;
            }
            // The common case, a pixel drawn plainly over an opaque one: integers only.
            if mode == BlendMode::Normal && ab == 255 {
                let a = la * alpha;
                if a == 0 {
                    continue;
                }
                for k in 0..3 {
                    let v = u32::from(l[k]) * a + u32::from(b[k]) * (65025 - a);
                    b[k] = ((v + 32512) / 65025) as u8;
                }
                continue;
            }
            if let (Some(t), 255) = (&table, ab) {
                let a = la * alpha;
                for k in 0..3 {
                    let v = u32::from(t[usize::from(b[k]) << 8 | usize::from(l[k])]);
                    b[k] = ((v * a + u32::from(b[k]) * (65025 - a) + 32512) / 65025) as u8;
                }
                continue;
            }
            let a_s = (la as f32 / 255.0) * opacity;
            if a_s == 0.0 {
                continue;
            }
            let out = over([b[0], b[1], b[2], ab], [l[0], l[1], l[2]], a_s, mode);
            b[..3].copy_from_slice(&out[..3]);
            if bc == 4 {
                b[3] = out[3];
            }
        }
    }
}

/// A colour over the whole of `base` (`blend=<colour>`), its alpha times `opacity`.
pub fn fill(base: &mut Image, rgba: [u8; 4], mode: BlendMode, opacity: f32) {
    let a_s = (f32::from(rgba[3]) / 255.0) * opacity.clamp(0.0, 1.0);
    if a_s == 0.0 {
        return;
    }
    let c = base.channels as usize;
    let source = [rgba[0], rgba[1], rgba[2]];
    // Over an opaque pixel a separable mode's result per channel depends on that channel alone:
    // one table of 256 values per channel.
    let tables = separable(mode).then(|| {
        let mut t = [[0u8; 256]; 3];
        for v in 0..=255u8 {
            let out = over([v, v, v, 255], source, a_s, mode);
            for k in 0..3 {
                t[k][v as usize] = out[k];
            }
        }
        t
    });
    for b in base.data.chunks_exact_mut(c) {
        let ab = if c == 4 { b[3] } else { 255 };
        if let (Some(t), 255) = (&tables, ab) {
            for k in 0..3 {
                b[k] = t[k][b[k] as usize];
            }
            continue;
        }
        let out = over([b[0], b[1], b[2], ab], source, a_s, mode);
        b[..3].copy_from_slice(&out[..3]);
        if c == 4 {
            b[3] = out[3];
        }
    }
}

/// Whether the mode works on each channel alone (all but hue, saturation, color, luminosity).
fn separable(mode: BlendMode) -> bool {
    !matches!(mode, BlendMode::Hue | BlendMode::Saturation | BlendMode::Color | BlendMode::Luminosity)
}

/// One source pixel (colour `s`, alpha `a_s` in 0–1) over one backdrop pixel (straight RGBA).
#[inline]
fn over(b: [u8; 4], s: [u8; 3], a_s: f32, mode: BlendMode) -> [u8; 4] {
    let unit = |v: u8| f32::from(v) / 255.0;
    let cb = [unit(b[0]), unit(b[1]), unit(b[2])];
    let cs = [unit(s[0]), unit(s[1]), unit(s[2])];
    let a_b = unit(b[3]);
    let mixed = blend(cb, cs, mode);
    let a_o = a_s + a_b * (1.0 - a_s);
    if a_o <= 0.0 {
        return [0; 4];
    }
    let mut out = [0u8; 4];
    for k in 0..3 {
        // The source's colour as blended with the backdrop where the backdrop is there.
        let c_s = (1.0 - a_b) * cs[k] + a_b * mixed[k];
        let co = a_s * c_s + a_b * cb[k] * (1.0 - a_s);
        out[k] = ((co / a_o) * 255.0).round().clamp(0.0, 255.0) as u8;
    }
    out[3] = (a_o * 255.0).round() as u8;
    out
}

/// B(Cb, Cs) of the spec: the blended colour, before compositing.
fn blend(cb: [f32; 3], cs: [f32; 3], mode: BlendMode) -> [f32; 3] {
    let each = |f: fn(f32, f32) -> f32| [f(cb[0], cs[0]), f(cb[1], cs[1]), f(cb[2], cs[2])];
    match mode {
        BlendMode::Normal => cs,
        BlendMode::Multiply => each(|b, s| b * s),
        BlendMode::Screen => each(screen),
        BlendMode::Overlay => each(|b, s| hard_light(s, b)),
        BlendMode::Darken => each(f32::min),
        BlendMode::Lighten => each(f32::max),
        BlendMode::ColorDodge => each(|b, s| {
            if b == 0.0 {
                0.0
            } else if s >= 1.0 {
                1.0
            } else {
                (b / (1.0 - s)).min(1.0)
            }
        }),
        BlendMode::ColorBurn => each(|b, s| {
            if b >= 1.0 {
                1.0
            } else if s <= 0.0 {
                0.0
            } else {
                1.0 - ((1.0 - b) / s).min(1.0)
            }
        }),
        BlendMode::HardLight => each(hard_light),
        BlendMode::SoftLight => each(|b, s| {
            if s <= 0.5 {
                b - (1.0 - 2.0 * s) * b * (1.0 - b)
            } else {
                let d = if b <= 0.25 { ((16.0 * b - 12.0) * b + 4.0) * b } else { b.sqrt() };
                b + (2.0 * s - 1.0) * (d - b)
            }
        }),
        BlendMode::Difference => each(|b, s| (b - s).abs()),
        BlendMode::Exclusion => each(|b, s| b + s - 2.0 * b * s),
        BlendMode::Hue => set_lum(set_sat(cs, sat(cb)), lum(cb)),
        BlendMode::Saturation => set_lum(set_sat(cb, sat(cs)), lum(cb)),
        BlendMode::Color => set_lum(cs, lum(cb)),
        BlendMode::Luminosity => set_lum(cb, lum(cs)),
    }
}

fn screen(b: f32, s: f32) -> f32 {
    b + s - b * s
}

fn hard_light(b: f32, s: f32) -> f32 {
    if s <= 0.5 {
        b * 2.0 * s
    } else {
        screen(b, 2.0 * s - 1.0)
    }
}

fn lum(c: [f32; 3]) -> f32 {
    0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2]
}

fn clip_color(c: [f32; 3]) -> [f32; 3] {
    let l = lum(c);
    let (n, x) = (c[0].min(c[1]).min(c[2]), c[0].max(c[1]).max(c[2]));
    let mut out = c;
    if n < 0.0 {
        out = out.map(|v| l + (v - l) * l / (l - n));
    }
    if x > 1.0 {
        out = out.map(|v| l + (v - l) * (1.0 - l) / (x - l));
    }
    out
}

fn set_lum(c: [f32; 3], l: f32) -> [f32; 3] {
    let d = l - lum(c);
    clip_color(c.map(|v| v + d))
}

fn sat(c: [f32; 3]) -> f32 {
    c[0].max(c[1]).max(c[2]) - c[0].min(c[1]).min(c[2])
}

/// The colour with its saturation (max − min) set to `s`, keeping which channel is largest.
fn set_sat(c: [f32; 3], s: f32) -> [f32; 3] {
    let (max, min) = (c[0].max(c[1]).max(c[2]), c[0].min(c[1]).min(c[2]));
    if max <= min {
        return [0.0; 3];
    }
    c.map(|v| (v - min) * s / (max - min))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The W3C formulas written out plainly in f64, separable and non-separable, for checking.
    mod reference {
        pub fn b(mode: &str, cb: [f64; 3], cs: [f64; 3]) -> [f64; 3] {
            let sep = |f: &dyn Fn(f64, f64) -> f64| [f(cb[0], cs[0]), f(cb[1], cs[1]), f(cb[2], cs[2])];
            let multiply = |b: f64, s: f64| b * s;
            let screen = |b: f64, s: f64| b + s - b * s;
            let hard = |b: f64, s: f64| if s <= 0.5 { multiply(b, 2.0 * s) } else { screen(b, 2.0 * s - 1.0) };
            let lum = |c: [f64; 3]| 0.3 * c[0] + 0.59 * c[1] + 0.11 * c[2];
            let clip = |c: [f64; 3]| {
                let l = lum(c);
                let n = c.iter().cloned().fold(f64::INFINITY, f64::min);
                let x = c.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let mut c = c;
                if n < 0.0 {
                    for v in &mut c {
                        *v = l + (*v - l) * l / (l - n);
                    }
                }
                if x > 1.0 {
                    for v in &mut c {
                        *v = l + (*v - l) * (1.0 - l) / (x - l);
                    }
                }
                c
            };
            let set_lum = |c: [f64; 3], l: f64| {
                let d = l - lum(c);
                clip([c[0] + d, c[1] + d, c[2] + d])
            };
            let sat = |c: [f64; 3]| {
                c.iter().cloned().fold(f64::NEG_INFINITY, f64::max) - c.iter().cloned().fold(f64::INFINITY, f64::min)
            };
            let set_sat = |c: [f64; 3], s: f64| {
                // Sort indices by value: min, mid, max.
                let mut idx = [0usize, 1, 2];
                idx.sort_by(|a, b| c[*a].partial_cmp(&c[*b]).unwrap());
                let (lo, mid, hi) = (idx[0], idx[1], idx[2]);
                let mut out = [0.0; 3];
                if c[hi] > c[lo] {
                    out[mid] = (c[mid] - c[lo]) * s / (c[hi] - c[lo]);
                    out[hi] = s;
                }
                out[lo] = 0.0;
                out
            };
            match mode {
                "normal" => cs,
                "multiply" => sep(&multiply),
                "screen" => sep(&screen),
                "overlay" => sep(&|b, s| hard(s, b)),
                "darken" => sep(&f64::min),
                "lighten" => sep(&f64::max),
                "dodge" => sep(&|b, s| {
                    if b == 0.0 {
                        0.0
                    } else if s == 1.0 {
                        1.0
                    } else {
                        (b / (1.0 - s)).min(1.0)
                    }
                }),
                "burn" => sep(&|b, s| {
                    if b == 1.0 {
                        1.0
                    } else if s == 0.0 {
                        0.0
                    } else {
                        1.0 - ((1.0 - b) / s).min(1.0)
                    }
                }),
                "hardlight" => sep(&hard),
                "softlight" => sep(&|b, s| {
                    if s <= 0.5 {
                        b - (1.0 - 2.0 * s) * b * (1.0 - b)
                    } else {
                        let d = if b <= 0.25 { ((16.0 * b - 12.0) * b + 4.0) * b } else { b.sqrt() };
                        b + (2.0 * s - 1.0) * (d - b)
                    }
                }),
                "difference" => sep(&|b, s| (b - s).abs()),
                "exclusion" => sep(&|b, s| b + s - 2.0 * b * s),
                "hue" => set_lum(set_sat(cs, sat(cb)), lum(cb)),
                "saturation" => set_lum(set_sat(cb, sat(cs)), lum(cb)),
                "color" => set_lum(cs, lum(cb)),
                "luminosity" => set_lum(cb, lum(cs)),
                _ => unreachable!(),
            }
        }

        /// Source-over of the blended colour: straight RGBA out, 0–255.
        pub fn composite(mode: &str, cb: [u8; 4], cs: [u8; 4], opacity: f64) -> [f64; 4] {
            let f = |v: u8| v as f64 / 255.0;
            let (b3, s3) = ([f(cb[0]), f(cb[1]), f(cb[2])], [f(cs[0]), f(cs[1]), f(cs[2])]);
            let (ab, as_) = (f(cb[3]), f(cs[3]) * opacity);
            let mixed = b(mode, b3, s3);
            let ao = as_ + ab * (1.0 - as_);
            let mut out = [0.0; 4];
            if ao > 0.0 {
                for k in 0..3 {
                    let c = (1.0 - ab) * s3[k] + ab * mixed[k];
                    out[k] = (as_ * c + ab * b3[k] * (1.0 - as_)) / ao * 255.0;
                }
            }
            out[3] = ao * 255.0;
            out
        }
    }

    const MODES: &[(&str, BlendMode)] = &[
        ("normal", BlendMode::Normal),
        ("multiply", BlendMode::Multiply),
        ("screen", BlendMode::Screen),
        ("overlay", BlendMode::Overlay),
        ("darken", BlendMode::Darken),
        ("lighten", BlendMode::Lighten),
        ("dodge", BlendMode::ColorDodge),
        ("burn", BlendMode::ColorBurn),
        ("hardlight", BlendMode::HardLight),
        ("softlight", BlendMode::SoftLight),
        ("difference", BlendMode::Difference),
        ("exclusion", BlendMode::Exclusion),
        ("hue", BlendMode::Hue),
        ("saturation", BlendMode::Saturation),
        ("color", BlendMode::Color),
        ("luminosity", BlendMode::Luminosity),
    ];

    #[test]
    fn every_mode_matches_the_w3c_formulas() {
        let values = [0u8, 1, 37, 64, 127, 128, 190, 254, 255];
        let alphas = [0u8, 90, 255];
        let mut worst = (0.0f64, String::new());
        for (name, mode) in MODES {
            for &r in &values {
                for &g in &[0u8, 128, 255] {
                    for &bl in &[30u8, 200] {
                        for &ab in &alphas {
                            for &as_ in &alphas {
                                let cb = [r, 255 - r, bl, ab];
                                let cs = [g, r, 255 - bl, as_];
                                for opacity in [1.0f32, 0.5] {
                                    let mut base = Image::new(1, 1, 4, cb.to_vec());
                                    let layer = Image::new(1, 1, 4, cs.to_vec());
                                    draw(&mut base, &layer, 0, 0, *mode, opacity);
                                    let want = reference::composite(name, cb, cs, opacity as f64);
                                    let got = &base.data;
                                    // Colour is undefined where the result is fully transparent.
                                    let channels = if want[3] < 0.5 { 3..4 } else { 0..4 };
                                    for k in channels {
                                        let d = (got[k] as f64 - want[k]).abs();
                                        if d > worst.0 {
                                            worst = (
                                                d,
                                                format!("{name} {cb:?} under {cs:?} x{opacity}: {got:?} vs {want:?}"),
                                            );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(worst.0 <= 1.0, "worst difference {:.2}: {}", worst.0, worst.1);
    }

    #[test]
    fn the_table_for_large_layers_matches_the_formulas() {
        // 256x256: every backdrop value (rows) under every source value (columns), so the
        // table path runs; each pixel compared with the per-pixel formula.
        let base_px: Vec<u8> =
            (0..256u32).flat_map(|y| (0..256u32).flat_map(move |_| [y as u8, 255 - y as u8, 7])).collect();
        let layer_px: Vec<u8> =
            (0..256u32).flat_map(|_| (0..256u32).flat_map(|x| [x as u8, x as u8 / 2, 250, 200])).collect();
        let layer = Image::new(256, 256, 4, layer_px);
        for (name, mode, _) in crate::params::layers::BLEND_MODES.iter().filter(|(_, m, _)| separable(*m)) {
            let mut base = Image::new(256, 256, 3, base_px.clone());
            draw(&mut base, &layer, 0, 0, *mode, 0.8);
            for (i, (b, l)) in base.data.chunks_exact(3).zip(layer.data.chunks_exact(4)).enumerate() {
                let orig = &base_px[i * 3..i * 3 + 3];
                let want = over([orig[0], orig[1], orig[2], 255], [l[0], l[1], l[2]], 200.0 / 255.0 * 0.8, *mode);
                for k in 0..3 {
                    assert!(b[k].abs_diff(want[k]) <= 1, "{name}: pixel {i} channel {k}: {} vs {}", b[k], want[k]);
                }
            }
        }
    }

    #[test]
    fn layers_are_clipped_to_the_base() {
        let mut base = Image::filled(4, 4, 3, [10, 20, 30, 255]);
        let layer = Image::filled(3, 3, 4, [200, 100, 0, 255]);
        draw(&mut base, &layer, -2, 2, BlendMode::Normal, 1.0);
        // Only (0,2), (0,3) are covered.
        assert_eq!(base.pixel(0, 2), &[200, 100, 0]);
        assert_eq!(base.pixel(0, 3), &[200, 100, 0]);
        assert_eq!(base.pixel(1, 2), &[10, 20, 30]);
        assert_eq!(base.pixel(0, 1), &[10, 20, 30]);
        // Entirely outside: nothing.
        let before = base.clone();
        draw(&mut base, &layer, 10, -10, BlendMode::Multiply, 1.0);
        assert_eq!(base, before);
        draw(&mut base, &layer, 0, 0, BlendMode::Normal, 0.0);
        assert_eq!(base, before, "opacity 0 draws nothing");
    }

    #[test]
    fn colour_fill_over_transparent_and_opaque_pixels() {
        let mut base = Image::new(2, 1, 4, vec![0, 0, 0, 0, 100, 100, 100, 255]);
        fill(&mut base, [255, 0, 0, 255], BlendMode::Multiply, 0.5);
        // Over nothing the colour shows as itself at half opacity; over grey it multiplies.
        assert_eq!(&base.data[..4], &[255, 0, 0, 128]);
        assert_eq!(&base.data[4..], &[100, 50, 50, 255]);
        // The per-channel tables give what one pixel at a time gives, for every mode.
        for (_, mode) in MODES {
            let pixels: Vec<u8> = (0..=255u8).flat_map(|v| [v, 255 - v, v / 2]).collect();
            let mut image = Image::new(256, 1, 3, pixels.clone());
            fill(&mut image, [40, 200, 120, 200], *mode, 0.8);
            for (i, p) in pixels.chunks(3).enumerate() {
                let want = over([p[0], p[1], p[2], 255], [40, 200, 120], 200.0 / 255.0 * 0.8, *mode);
                assert_eq!(&image.data[i * 3..i * 3 + 3], &want[..3], "{mode:?} at {i}");
            }
        }
    }
}
