//! Gradients (`gradient`, and the colour spaces of `fill-gradient-cs`): CSS's rules — premultiplied
//! interpolation between stops, linear angles that turn clockwise from "to top", radial ellipses
//! sized by keyword.

use super::adjust::{linear_to_srgb, srgb_to_linear};
use crate::image::Image;
use crate::params::{ColorSpace, HueArc};

/// How colours are mixed between stops (`gradient-cs` + `gradient-hue`, and the `fill-gradient-`
/// pair): the space, and for the cylindrical ones (hsl, hsv, lch, oklch) which way round the
/// hue circle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Interpolation {
    pub space: ColorSpace,
    pub hue: HueArc,
}

impl From<ColorSpace> for Interpolation {
    fn from(space: ColorSpace) -> Self {
        Interpolation { space, hue: HueArc::Shorter }
    }
}

/// `a` and `b` (straight RGBA) mixed at `t` (0 = `a`) as CSS Color 4 mixes: premultiplied by
/// alpha, except the hue, which travels the arc `how.hue` names; a colour without chroma has no
/// hue of its own and takes the other's.
pub fn mix(a: [u8; 4], b: [u8; 4], t: f32, how: Interpolation) -> [u8; 4] {
    let t = t.clamp(0.0, 1.0);
    let space = how.space;
    let (aa, ab) = (f32::from(a[3]) / 255.0, f32::from(b[3]) / 255.0);
    let alpha = aa + (ab - aa) * t;
    if alpha <= 0.0 {
        return [0; 4];
    }
    let (mut ca, mut cb) = (to_space(a, space), to_space(b, space));
    let (hue, chroma) = match space {
        ColorSpace::Hsl | ColorSpace::Hsv => (Some(0), 1),
        ColorSpace::Lch | ColorSpace::Oklch => (Some(2), 1),
        _ => (None, 0),
    };
    if let Some(h) = hue {
        const NO_CHROMA: f32 = 1e-4;
        if ca[chroma].abs() < NO_CHROMA {
            ca[h] = cb[h];
        } else if cb[chroma].abs() < NO_CHROMA {
            cb[h] = ca[h];
        }
        (ca[h], cb[h]) = hue_ends(ca[h], cb[h], how.hue);
    }
    let mut out = [0f32; 3];
    for k in 0..3 {
        out[k] = if hue == Some(k) {
            (ca[k] + (cb[k] - ca[k]) * t).rem_euclid(360.0)
        } else {
            (ca[k] * aa + (cb[k] * ab - ca[k] * aa) * t) / alpha
        };
    }
    let rgb = from_space(out, space);
    [rgb[0], rgb[1], rgb[2], (alpha * 255.0).round() as u8]
}

/// The two hues (degrees, 0–360) adjusted so that plain interpolation between them runs the
/// `arc` CSS names.
fn hue_ends(mut h1: f32, mut h2: f32, arc: HueArc) -> (f32, f32) {
    let d = h2 - h1;
    match arc {
        HueArc::Shorter if d > 180.0 => h1 += 360.0,
        HueArc::Shorter if d < -180.0 => h2 += 360.0,
        HueArc::Longer if d > 0.0 && d < 180.0 => h1 += 360.0,
        HueArc::Longer if d > -180.0 && d <= 0.0 => h2 += 360.0,
        HueArc::Increasing if h2 < h1 => h2 += 360.0,
        HueArc::Decreasing if h1 < h2 => h1 += 360.0,
        _ => {}
    }
    (h1, h2)
}

fn unit(v: u8) -> f32 {
    f32::from(v) / 255.0
}

fn byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// (lightness, chroma, hue degrees) from rectangular (l, a, b).
fn polar([l, a, b]: [f32; 3]) -> [f32; 3] {
    [l, a.hypot(b), b.atan2(a).to_degrees().rem_euclid(360.0)]
}

fn rectangular([l, c, h]: [f32; 3]) -> [f32; 3] {
    let h = h.to_radians();
    [l, c * h.cos(), c * h.sin()]
}

fn to_space(c: [u8; 4], space: ColorSpace) -> [f32; 3] {
    let srgb = [unit(c[0]), unit(c[1]), unit(c[2])];
    let lin = || srgb.map(srgb_to_linear);
    match space {
        ColorSpace::Srgb => srgb,
        ColorSpace::Linear => lin(),
        ColorSpace::Oklab => oklab(lin()),
        ColorSpace::Oklch => polar(oklab(lin())),
        ColorSpace::Lch => polar(cielab(lin())),
        ColorSpace::Hsl => hsl(srgb),
        ColorSpace::Hsv => hsv(srgb),
    }
}

fn from_space(c: [f32; 3], space: ColorSpace) -> [u8; 3] {
    let from_lin = |l: [f32; 3]| l.map(|v| byte(linear_to_srgb(v.clamp(0.0, 1.0))));
    match space {
        ColorSpace::Srgb => c.map(byte),
        ColorSpace::Linear => from_lin(c),
        ColorSpace::Oklab => from_lin(oklab_to_linear(c)),
        ColorSpace::Oklch => from_lin(oklab_to_linear(rectangular(c))),
        ColorSpace::Lch => from_lin(cielab_to_linear(rectangular(c))),
        ColorSpace::Hsl => hsl_to_srgb(c).map(byte),
        ColorSpace::Hsv => hsv_to_srgb(c).map(byte),
    }
}

/// CIELAB's white (D50, as CSS's `lab()` and `lch()` use) and its f(t) constants.
const D50: [f32; 3] = [0.964_22, 1.0, 0.825_21];
const LAB_E: f32 = 216.0 / 24389.0;
const LAB_K: f32 = 24389.0 / 27.0;

/// Linear sRGB → CIELAB (D50 through Bradford, CSS Color 4's matrices): L 0–100.
fn cielab([r, g, b]: [f32; 3]) -> [f32; 3] {
    let xyz = [
        0.436_074_7 * r + 0.385_064_9 * g + 0.143_080_4 * b,
        0.222_504_5 * r + 0.716_878_6 * g + 0.060_616_9 * b,
        0.013_932_2 * r + 0.097_104_5 * g + 0.714_173_3 * b,
    ];
    let f = |i: usize| {
        let t = xyz[i] / D50[i];
        if t > LAB_E {
            t.cbrt()
        } else {
            (LAB_K * t + 16.0) / 116.0
        }
    };
    let (fx, fy, fz) = (f(0), f(1), f(2));
    [116.0 * fy - 16.0, 500.0 * (fx - fy), 200.0 * (fy - fz)]
}

fn cielab_to_linear([l, a, b]: [f32; 3]) -> [f32; 3] {
    let fy = (l + 16.0) / 116.0;
    let (fx, fz) = (fy + a / 500.0, fy - b / 200.0);
    let inv = |f: f32| if f.powi(3) > LAB_E { f.powi(3) } else { (116.0 * f - 16.0) / LAB_K };
    let y = if l > LAB_K * LAB_E { fy.powi(3) } else { l / LAB_K };
    let [x, z] = [inv(fx) * D50[0], inv(fz) * D50[2]];
    [
        3.133_856_1 * x - 1.616_866_7 * y - 0.490_614_6 * z,
        -0.978_768_4 * x + 1.916_141_5 * y + 0.033_454 * z,
        0.071_945_3 * x - 0.228_991_4 * y + 1.405_242_7 * z,
    ]
}

/// Linear sRGB → OKLab (Björn Ottosson's matrices).
fn oklab([r, g, b]: [f32; 3]) -> [f32; 3] {
    let l = (0.412_221_46 * r + 0.536_332_55 * g + 0.051_445_995 * b).cbrt();
    let m = (0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b).cbrt();
    let s = (0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b).cbrt();
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

fn oklab_to_linear([l, a, b]: [f32; 3]) -> [f32; 3] {
    let l_ = (l + 0.396_337_78 * a + 0.215_803_76 * b).powi(3);
    let m_ = (l - 0.105_561_346 * a - 0.063_854_17 * b).powi(3);
    let s_ = (l - 0.089_484_18 * a - 1.291_485_5 * b).powi(3);
    [
        4.076_741_7 * l_ - 3.307_711_6 * m_ + 0.230_969_94 * s_,
        -1.268_438 * l_ + 2.609_757_4 * m_ - 0.341_319_38 * s_,
        -0.004_196_086_3 * l_ - 0.703_418_6 * m_ + 1.707_614_7 * s_,
    ]
}

/// sRGB → (hue degrees, saturation, lightness).
fn hsl([r, g, b]: [f32; 3]) -> [f32; 3] {
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let d = max - min;
    if d == 0.0 {
        return [0.0, 0.0, l];
    }
    let s = d / (1.0 - (2.0 * l - 1.0).abs());
    let h = if max == r {
        ((g - b) / d).rem_euclid(6.0)
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    [h * 60.0, s, l]
}

fn hsl_to_srgb([h, s, l]: [f32; 3]) -> [f32; 3] {
    let c = (1.0 - (2.0 * l - 1.0).abs()) * s;
    let x = c * (1.0 - ((h / 60.0).rem_euclid(2.0) - 1.0).abs());
    let m = l - c / 2.0;
    let (r, g, b) = match (h / 60.0) as u32 {
        0 => (c, x, 0.0),
        1 => (x, c, 0.0),
        2 => (0.0, c, x),
        3 => (0.0, x, c),
        4 => (x, 0.0, c),
        _ => (c, 0.0, x),
    };
    [r + m, g + m, b + m]
}

/// sRGB → (hue degrees, saturation, value).
fn hsv([r, g, b]: [f32; 3]) -> [f32; 3] {
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let d = max - min;
    let h = hsl([r, g, b])[0];
    [h, if max > 0.0 { d / max } else { 0.0 }, max]
}

fn hsv_to_srgb([h, s, v]: [f32; 3]) -> [f32; 3] {
    // Through HSL: same hue; lightness and saturation from value and saturation.
    let l = v * (1.0 - s / 2.0);
    let sl = if l <= 0.0 || l >= 1.0 { 0.0 } else { (v - l) / l.min(1.0 - l) };
    hsl_to_srgb([h, sl, l])
}

/// The shape of a gradient on a `w`×`h` image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// CSS degrees: 0 runs to the top, 90 to the right (clockwise).
    Linear { angle: f64 },
    /// Centre and radii in px: the last stop sits on the ellipse.
    Radial { cx: f64, cy: f64, rx: f64, ry: f64 },
}

/// A gradient: 2–16 colours at `stops` (0–1, non-decreasing; evenly spaced when `None`).
#[derive(Debug, Clone, PartialEq)]
pub struct Gradient {
    pub colors: Vec<[u8; 4]>,
    pub stops: Option<Vec<f32>>,
    pub shape: Shape,
    pub space: Interpolation,
}

impl Gradient {
    /// The colour at position `t` along the gradient.
    pub fn at(&self, t: f32) -> [u8; 4] {
        let n = self.colors.len();
        if n == 1 {
            return self.colors[0];
        }
        let even: Vec<f32>;
        let stops = match &self.stops {
            Some(s) if s.len() == n => s.as_slice(),
            _ => {
                even = (0..n).map(|i| i as f32 / (n - 1) as f32).collect();
                &even
            }
        };
        if t <= stops[0] {
            return self.colors[0];
        }
        for i in 1..n {
            if t <= stops[i] {
                let span = stops[i] - stops[i - 1];
                let u = if span <= 0.0 { 1.0 } else { (t - stops[i - 1]) / span };
                return mix(self.colors[i - 1], self.colors[i], u, self.space);
            }
        }
        self.colors[n - 1]
    }

    /// The gradient painted on a `width`×`height` RGBA image. Colours come from a table of
    /// `STEPS` positions (adjacent entries of a two-colour gradient differ by under a level), so
    /// each pixel costs its position and a lookup rather than a colour-space round trip.
    pub fn paint(&self, width: u32, height: u32) -> Image {
        const STEPS: usize = 4096;
        let table: Vec<[u8; 4]> = (0..STEPS).map(|i| self.at(i as f32 / (STEPS - 1) as f32)).collect();
        let (w, h) = (f64::from(width), f64::from(height));
        let mut data = vec![0u8; width as usize * height as usize * 4];
        let index = |t: f64| (t.clamp(0.0, 1.0) * (STEPS - 1) as f64).round() as usize;
        match self.shape {
            Shape::Linear { angle } => {
                let a = angle.to_radians();
                let (dx, dy) = (a.sin(), -a.cos());
                let len = ((w * dx).abs() + (h * dy).abs()).max(1e-9);
                // Linear in x along a row: a start and a step per row.
                for (y, row) in data.chunks_exact_mut(width as usize * 4).enumerate() {
                    let t0 = ((0.5 - w / 2.0) * dx + (y as f64 + 0.5 - h / 2.0) * dy) / len + 0.5;
                    for (x, px) in row.chunks_exact_mut(4).enumerate() {
                        px.copy_from_slice(&table[index(t0 + x as f64 * dx / len)]);
                    }
                }
            }
            Shape::Radial { cx, cy, rx, ry } => {
                let (rx, ry) = (rx.max(1e-9), ry.max(1e-9));
                for (y, row) in data.chunks_exact_mut(width as usize * 4).enumerate() {
                    let dy2 = ((y as f64 + 0.5 - cy) / ry).powi(2);
                    for (x, px) in row.chunks_exact_mut(4).enumerate() {
                        let t = (((x as f64 + 0.5 - cx) / rx).powi(2) + dy2).sqrt();
                        px.copy_from_slice(&table[index(t)]);
                    }
                }
            }
        }
        Image::new(width, height, 4, data)
    }
}

/// The CSS angle of a gradient running toward a side or corner of a `w`×`h` box: `x` is −1
/// (left), 0 or 1 (right), `y` −1 (top), 0 or 1 (bottom). A corner's gradient line is
/// perpendicular to the diagonal through the other two corners.
pub fn angle_toward(x: i8, y: i8, (w, h): (u32, u32)) -> f64 {
    let (w, h) = (f64::from(w), f64::from(h));
    let (dx, dy) = match (x, y) {
        (0, 0) => return 180.0,
        (x, 0) => (f64::from(x), 0.0),
        (0, y) => (0.0, f64::from(y)),
        (x, y) => (f64::from(x) * h, f64::from(y) * w),
    };
    dx.atan2(-dy).to_degrees().rem_euclid(360.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLACK: [u8; 4] = [0, 0, 0, 255];
    const WHITE: [u8; 4] = [255, 255, 255, 255];

    #[test]
    fn colour_spaces_mix_as_defined() {
        use ColorSpace as C;
        for space in [C::Srgb, C::Linear, C::Oklab, C::Oklch, C::Hsl, C::Hsv, C::Lch].map(Interpolation::from) {
            assert_eq!(mix(BLACK, WHITE, 0.0, space), BLACK, "{space:?}");
            assert_eq!(mix(BLACK, WHITE, 1.0, space), WHITE, "{space:?}");
        }
        let mid = |s: ColorSpace| mix(BLACK, WHITE, 0.5, s.into())[0];
        assert!(mid(C::Srgb).abs_diff(128) <= 1);
        // Linear light: half the light is sRGB 188.
        assert!(mid(C::Linear).abs_diff(188) <= 1, "{}", mid(C::Linear));
        // OKLab L = 0.5 is linear 0.125, sRGB 99.
        assert!(mid(C::Oklab).abs_diff(99) <= 1, "{}", mid(C::Oklab));
        // Red to blue through HSL passes magenta; in sRGB it passes a dark purple.
        let (red, blue) = ([255, 0, 0, 255], [0, 0, 255, 255]);
        assert_eq!(mix(red, blue, 0.5, C::Hsl.into()), [255, 0, 255, 255]);
        assert_eq!(mix(red, blue, 0.5, C::Srgb.into()), [128, 0, 128, 255]);
        // Premultiplied: towards transparent the colour does not darken.
        assert_eq!(&mix([255, 0, 0, 255], [0, 0, 0, 0], 0.5, C::Srgb.into())[..3], &[255, 0, 0]);
    }

    #[test]
    fn hues_travel_the_arc_css_names() {
        use ColorSpace as C;
        let (red, blue) = ([255, 0, 0, 255], [0, 0, 255, 255]);
        let hsl = |hue| Interpolation { space: C::Hsl, hue };
        // Red (0) to blue (240): the shorter way passes magenta (300), the longer green (120).
        assert_eq!(mix(red, blue, 0.5, hsl(HueArc::Shorter)), [255, 0, 255, 255]);
        assert_eq!(mix(red, blue, 0.5, hsl(HueArc::Longer)), [0, 255, 0, 255]);
        assert_eq!(mix(red, blue, 0.5, hsl(HueArc::Increasing)), [0, 255, 0, 255]);
        assert_eq!(mix(red, blue, 0.5, hsl(HueArc::Decreasing)), [255, 0, 255, 255]);
        assert_eq!(hue_ends(350.0, 10.0, HueArc::Shorter), (350.0, 370.0));
        assert_eq!(hue_ends(10.0, 350.0, HueArc::Increasing), (10.0, 350.0));
        // HSV: red to blue at full value stays at full value.
        assert_eq!(mix(red, blue, 0.5, C::Hsv.into()), [255, 0, 255, 255]);
        // A grey has no hue: red to white in HSL keeps red's hue (hsl(0 50% 75%), pink), where
        // white's nominal hue would not matter but a stray one would tint the middle.
        let pink = mix(red, [255, 255, 255, 255], 0.5, C::Hsl.into());
        assert_eq!(pink, [223, 159, 159, 255]);
        // CIE LCh and OKLCh round-trip a colour and differ from each other midway.
        for space in [C::Lch, C::Oklch] {
            assert_eq!(mix([30, 120, 200, 255], [30, 120, 200, 255], 0.5, space.into()), [30, 120, 200, 255]);
        }
        assert_ne!(mix(red, blue, 0.5, C::Lch.into()), mix(red, blue, 0.5, C::Oklch.into()));
        // CIELAB L* of mid grey (sRGB 119) is 50.
        let l = cielab([119u8; 3].map(|v| srgb_to_linear(unit(v))))[0];
        assert!((l - 50.0).abs() < 0.5, "{l}");
    }

    #[test]
    fn linear_gradients_run_the_css_way() {
        let g = |angle: f64| Gradient {
            colors: vec![BLACK, WHITE],
            stops: None,
            shape: Shape::Linear { angle },
            space: ColorSpace::Srgb.into(),
        };
        // 180: top to bottom.
        let img = g(180.0).paint(10, 100);
        assert!(img.pixel(5, 0)[0] < 5 && img.pixel(5, 99)[0] > 250 && img.pixel(0, 50)[0].abs_diff(128) <= 2);
        // 90: left to right.
        let img = g(90.0).paint(100, 10);
        assert!(img.pixel(0, 5)[0] < 5 && img.pixel(99, 5)[0] > 250);
        // Toward the top-right corner: the other two corners are the midpoint.
        let a = angle_toward(1, -1, (200, 100));
        let img = g(a).paint(200, 100);
        assert!(img.pixel(0, 0)[0].abs_diff(img.pixel(199, 99)[0]) <= 3);
        assert!(img.pixel(199, 0)[0] > 250 && img.pixel(0, 99)[0] < 5);
        assert_eq!(angle_toward(0, 1, (5, 5)), 180.0);
        assert_eq!(angle_toward(-1, 0, (5, 5)), 270.0);
    }

    #[test]
    fn stops_and_radial_shapes() {
        let red = [255, 0, 0, 255];
        let g = Gradient {
            colors: vec![BLACK, red, WHITE],
            stops: Some(vec![0.0, 0.2, 1.0]),
            shape: Shape::Linear { angle: 90.0 },
            space: ColorSpace::Srgb.into(),
        };
        assert_eq!(g.at(0.2), red);
        assert_eq!(g.at(0.1)[0], 128);
        assert_eq!(g.at(-1.0), BLACK);
        assert_eq!(g.at(2.0), WHITE);
        let r = Gradient {
            colors: vec![WHITE, BLACK],
            stops: None,
            shape: Shape::Radial { cx: 50.0, cy: 50.0, rx: 50.0, ry: 50.0 },
            space: ColorSpace::Srgb.into(),
        };
        let img = r.paint(100, 100);
        assert!(img.pixel(50, 50)[0] > 250, "white at the centre");
        assert!(img.pixel(0, 50)[0] < 5 && img.pixel(99, 99)[0] == 0, "black from the radius out");
        assert!(img.pixel(75, 50)[0].abs_diff(128) <= 4);
    }
}
