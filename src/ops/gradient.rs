//! Gradients (`gradient`, and the colour spaces of `fill-gradient-cs`): CSS's rules — premultiplied
//! interpolation between stops, linear angles that turn clockwise from "to top", radial ellipses
//! sized by keyword.

use super::adjust::{linear_to_srgb, srgb_to_linear};
use crate::image::Image;

/// The space colours are mixed in between stops (`gradient-cs`, `fill-gradient-cs`): linear
/// light, sRGB values (CSS's default), OKLab, HSL or OKLCh, hues along the shorter arc.
pub use crate::params::ColorSpace as Interpolation;

/// `a` and `b` (straight RGBA) mixed at `t` (0 = `a`) in `space`, premultiplied as CSS does.
pub fn mix(a: [u8; 4], b: [u8; 4], t: f32, space: Interpolation) -> [u8; 4] {
    let t = t.clamp(0.0, 1.0);
    let (aa, ab) = (f32::from(a[3]) / 255.0, f32::from(b[3]) / 255.0);
    let alpha = aa + (ab - aa) * t;
    if alpha <= 0.0 {
        return [0; 4];
    }
    let (ca, cb) = (to_space(a, space), to_space(b, space));
    let mut out = [0f32; 3];
    let hue = matches!(space, Interpolation::Hsl | Interpolation::Lch).then_some(if space == Interpolation::Hsl {
        0
    } else {
        2
    });
    for k in 0..3 {
        out[k] = if hue == Some(k) {
            // Hue is not premultiplied; the shorter way round.
            let mut d = cb[k] - ca[k];
            if d > 180.0 {
                d -= 360.0;
            } else if d < -180.0 {
                d += 360.0;
            }
            (ca[k] + d * t).rem_euclid(360.0)
        } else {
            (ca[k] * aa + (cb[k] * ab - ca[k] * aa) * t) / alpha
        };
    }
    let rgb = from_space(out, space);
    [rgb[0], rgb[1], rgb[2], (alpha * 255.0).round() as u8]
}

fn unit(v: u8) -> f32 {
    f32::from(v) / 255.0
}

fn byte(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

fn to_space(c: [u8; 4], space: Interpolation) -> [f32; 3] {
    let srgb = [unit(c[0]), unit(c[1]), unit(c[2])];
    let lin = || srgb.map(srgb_to_linear);
    match space {
        Interpolation::Srgb => srgb,
        Interpolation::Linear => lin(),
        Interpolation::Oklab => oklab(lin()),
        Interpolation::Lch => {
            let [l, a, b] = oklab(lin());
            [l, a.hypot(b), b.atan2(a).to_degrees().rem_euclid(360.0)]
        }
        Interpolation::Hsl => hsl(srgb),
    }
}

fn from_space(c: [f32; 3], space: Interpolation) -> [u8; 3] {
    let from_lin = |l: [f32; 3]| l.map(|v| byte(linear_to_srgb(v.clamp(0.0, 1.0))));
    match space {
        Interpolation::Srgb => c.map(byte),
        Interpolation::Linear => from_lin(c),
        Interpolation::Oklab => from_lin(oklab_to_linear(c)),
        Interpolation::Lch => {
            let h = c[2].to_radians();
            from_lin(oklab_to_linear([c[0], c[1] * h.cos(), c[1] * h.sin()]))
        }
        Interpolation::Hsl => hsl_to_srgb(c).map(byte),
    }
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

    /// The gradient painted on a `width`×`height` RGBA image.
    pub fn paint(&self, width: u32, height: u32) -> Image {
        let (w, h) = (f64::from(width), f64::from(height));
        let mut data = Vec::with_capacity(width as usize * height as usize * 4);
        let position: Box<dyn Fn(f64, f64) -> f64> = match self.shape {
            Shape::Linear { angle } => {
                let t = angle.to_radians();
                let (dx, dy) = (t.sin(), -t.cos());
                let len = (w * dx).abs() + (h * dy).abs();
                Box::new(move |x, y| ((x - w / 2.0) * dx + (y - h / 2.0) * dy) / len.max(1e-9) + 0.5)
            }
            Shape::Radial { cx, cy, rx, ry } => {
                Box::new(move |x, y| (((x - cx) / rx.max(1e-9)).powi(2) + ((y - cy) / ry.max(1e-9)).powi(2)).sqrt())
            }
        };
        for y in 0..height {
            for x in 0..width {
                data.extend_from_slice(&self.at(position(f64::from(x) + 0.5, f64::from(y) + 0.5) as f32));
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
        for space in
            [Interpolation::Srgb, Interpolation::Linear, Interpolation::Oklab, Interpolation::Hsl, Interpolation::Lch]
        {
            assert_eq!(mix(BLACK, WHITE, 0.0, space), BLACK, "{space:?}");
            assert_eq!(mix(BLACK, WHITE, 1.0, space), WHITE, "{space:?}");
        }
        let mid = |s| mix(BLACK, WHITE, 0.5, s)[0];
        assert!(mid(Interpolation::Srgb).abs_diff(128) <= 1);
        // Linear light: half the light is sRGB 188.
        assert!(mid(Interpolation::Linear).abs_diff(188) <= 1, "{}", mid(Interpolation::Linear));
        // OKLab L = 0.5 is linear 0.125, sRGB 99.
        assert!(mid(Interpolation::Oklab).abs_diff(99) <= 1, "{}", mid(Interpolation::Oklab));
        // Red to blue through HSL passes magenta; in sRGB it passes a dark purple.
        let (red, blue) = ([255, 0, 0, 255], [0, 0, 255, 255]);
        assert_eq!(mix(red, blue, 0.5, Interpolation::Hsl), [255, 0, 255, 255]);
        assert_eq!(mix(red, blue, 0.5, Interpolation::Srgb), [128, 0, 128, 255]);
        // Premultiplied: towards transparent the colour does not darken.
        assert_eq!(&mix([255, 0, 0, 255], [0, 0, 0, 0], 0.5, Interpolation::Srgb)[..3], &[255, 0, 0]);
    }

    #[test]
    fn linear_gradients_run_the_css_way() {
        let g = |angle: f64| Gradient {
            colors: vec![BLACK, WHITE],
            stops: None,
            shape: Shape::Linear { angle },
            space: Interpolation::Srgb,
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
            space: Interpolation::Srgb,
        };
        assert_eq!(g.at(0.2), red);
        assert_eq!(g.at(0.1)[0], 128);
        assert_eq!(g.at(-1.0), BLACK);
        assert_eq!(g.at(2.0), WHITE);
        let r = Gradient {
            colors: vec![WHITE, BLACK],
            stops: None,
            shape: Shape::Radial { cx: 50.0, cy: 50.0, rx: 50.0, ry: 50.0 },
            space: Interpolation::Srgb,
        };
        let img = r.paint(100, 100);
        assert!(img.pixel(50, 50)[0] > 250, "white at the centre");
        assert!(img.pixel(0, 50)[0] < 5 && img.pixel(99, 99)[0] == 0, "black from the radius out");
        assert!(img.pixel(75, 50)[0].abs_diff(128) <= 4);
    }
}
