//! `trim`: finds the box left after cutting away uniform borders (`plan::refine` then plans
//! inside it).

use crate::image::Image;
use crate::params::{self, Color, TrimMode};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Rows and columns close to the corner colour: mean difference below `md`, spread below `sd`.
    Auto { md: f32, sd: f32 },
    /// Rows and columns within `tol` of a colour (`trim-color`, else the top-left pixel).
    Color { color: Option<Color>, tol: f32 },
    /// Rows and columns whose alpha is at most the threshold.
    Alpha { max: f32 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trim {
    pub mode: Mode,
    /// Pixels kept (or, negative, removed) around the found box.
    pub pad: i64,
}

impl Trim {
    /// The trim the `trim` parameters ask for, if any; `colorunlessalpha` depends on the image.
    pub fn new(t: &params::Trim, has_alpha: bool) -> Option<Trim> {
        let color = Mode::Color { color: t.color, tol: t.tol };
        let alpha = Mode::Alpha { max: t.alpha };
        let mode = match t.mode? {
            TrimMode::Auto => Mode::Auto { md: t.md, sd: t.sd },
            TrimMode::Color => color,
            TrimMode::Alpha => alpha,
            TrimMode::ColorUnlessAlpha if has_alpha => alpha,
            TrimMode::ColorUnlessAlpha => color,
        };
        Some(Trim { mode, pad: t.pad })
    }

    /// The kept box (x, y, w, h) in the image's own coordinates, or `None` when nothing is trimmed.
    pub fn bounds(&self, img: &Image) -> Option<(u32, u32, u32, u32)> {
        let (w, h) = (img.width as usize, img.height as usize);
        if w == 0 || h == 0 {
            return None;
        }
        let reference = img.pixel(0, 0).to_vec();
        let c = img.channels as usize;
        let is_background = |pixels: &mut dyn Iterator<Item = &[u8]>| -> bool {
            match self.mode {
                Mode::Alpha { max } => {
                    for p in pixels {
                        if c != 4 || p[3] as f32 > max {
                            return false;
                        }
                    }
                    true
                }
                Mode::Color { color, tol } => {
                    let target = color.map(|c| [c.r, c.g, c.b]).unwrap_or([reference[0], reference[1], reference[2]]);
                    for p in pixels {
                        if (0..3).any(|k| p[k].abs_diff(target[k]) as f32 > tol) {
                            return false;
                        }
                    }
                    true
                }
                Mode::Auto { md, sd } => {
                    let (mut sum, mut sq, mut n) = (0f32, 0f32, 0f32);
                    for p in pixels {
                        let d = (0..3).map(|k| p[k].abs_diff(reference[k]) as f32).sum::<f32>() / 3.0;
                        sum += d;
                        sq += d * d;
                        n += 1.0;
                    }
                    let mean = sum / n;
                    mean < md && (sq / n - mean * mean).max(0.0).sqrt() < sd
                }
            }
        };
        let row = |y: usize| img.data[y * w * c..(y + 1) * w * c].chunks_exact(c);
        let col =
            |x: usize, y0: usize, y1: usize| (y0..y1).map(move |y| &img.data[(y * w + x) * c..(y * w + x + 1) * c]);
        let mut top = 0;
        while top < h && is_background(&mut row(top)) {
            top += 1;
        }
        if top == h {
            return None;
        }
        let mut bottom = h;
        while bottom > top + 1 && is_background(&mut row(bottom - 1)) {
            bottom -= 1;
        }
        let mut left = 0;
        while left < w && is_background(&mut col(left, top, bottom)) {
            left += 1;
        }
        let mut right = w;
        while right > left + 1 && is_background(&mut col(right - 1, top, bottom)) {
            right -= 1;
        }
        let pad = self.pad;
        let clamp = |v: i64, max: usize| v.clamp(0, max as i64) as u32;
        let (x0, y0) = (clamp(left as i64 - pad, w - 1), clamp(top as i64 - pad, h - 1));
        let (x1, y1) = (clamp(right as i64 + pad, w).max(x0 + 1), clamp(bottom as i64 + pad, h).max(y0 + 1));
        let b = (x0, y0, x1 - x0, y1 - y0);
        (b != (0, 0, w as u32, h as u32)).then_some(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn framed() -> Image {
        // 20x10 white with a 6x4 red block at (5, 3).
        let mut img = Image::filled(20, 10, 3, [255, 255, 255, 255]);
        for y in 3..7 {
            for x in 5..11 {
                let i = (y * 20 + x) * 3;
                img.data[i..i + 3].copy_from_slice(&[200, 0, 0]);
            }
        }
        img
    }

    #[test]
    fn finds_the_content_box() {
        let t = |mode, pad| Trim { mode, pad }.bounds(&framed());
        assert_eq!(t(Mode::Color { color: None, tol: 0.0 }, 0), Some((5, 3, 6, 4)));
        assert_eq!(t(Mode::Auto { md: 11.0, sd: 10.0 }, 0), Some((5, 3, 6, 4)));
        assert_eq!(t(Mode::Color { color: None, tol: 0.0 }, 2), Some((3, 1, 10, 8)));
        assert_eq!(t(Mode::Color { color: Color::parse("00f"), tol: 0.0 }, 0), None);
        let flat = Image::filled(5, 5, 3, [1, 2, 3, 255]);
        assert_eq!(Trim { mode: Mode::Color { color: None, tol: 0.0 }, pad: 0 }.bounds(&flat), None);
    }

    #[test]
    fn alpha_mode() {
        let mut img = Image::filled(8, 8, 4, [0, 0, 0, 0]);
        let i = (4 * 8 + 2) * 4;
        img.data[i..i + 4].copy_from_slice(&[9, 9, 9, 255]);
        assert_eq!(Trim { mode: Mode::Alpha { max: 0.0 }, pad: 0 }.bounds(&img), Some((2, 4, 1, 1)));
    }
}
