//! `drop-shadow`: a shadow shaped by the image's own alpha, as CSS `filter: drop-shadow()` draws
//! it (flat), inside the image (inset), or as a soft oval pool under the subject (float).

use super::blur::gaussian_blur;
use super::composite::{draw, BlendMode};
use crate::image::Image;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShadowKind {
    Flat,
    Float,
    Inset,
}

/// A shadow in output pixels (dpr already applied).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shadow {
    pub kind: ShadowKind,
    /// Gaussian sigma: the shadow reaches about three times this past its edge.
    pub blur: f32,
    pub x: f32,
    /// For a float shadow: how high the subject hovers above its pool.
    pub y: f32,
    /// Grows (or, negative, shrinks) the silhouette before it is blurred.
    pub spread: f32,
    pub color: [u8; 4],
}

/// How much the canvas grows on each side (top, right, bottom, left): three times the blur plus
/// the spread, more on the side the shadow is offset toward and less on the other; an inset
/// shadow never grows it.
pub fn margins(s: &Shadow) -> [u32; 4] {
    if s.kind == ShadowKind::Inset {
        return [0; 4];
    }
    let e = 3.0 * s.blur + s.spread.max(0.0);
    let (x, y) = if s.kind == ShadowKind::Float { (0.0, s.y.max(0.0) + s.blur) } else { (s.x, s.y) };
    let m = |v: f32| v.max(0.0).round().min(8192.0) as u32;
    [m(e - y), m(e + x), m(e + y), m(e - x)]
}

/// `margins` for a `w`×`h` image, cut so the grown canvas keeps within 8192 px a side and
/// twice the image's pixels plus one megapixel: beyond that the shadow is cut off (imgix cuts
/// at 8192) rather than the render running out of memory.
pub fn fitted_margins(s: &Shadow, (w, h): (u32, u32)) -> [u32; 4] {
    let [t, r, b, l] = margins(s);
    let (w, h) = (f64::from(w), f64::from(h));
    let (gw, gh) = (f64::from(l + r), f64::from(t + b));
    let mut k: f64 = 1.0;
    if gw > 0.0 {
        k = k.min(((8192.0 - w) / gw).max(0.0));
    }
    if gh > 0.0 {
        k = k.min(((8192.0 - h) / gh).max(0.0));
    }
    let budget = 2.0 * w * h + 1.0e6;
    while k > 0.0 && (w + gw * k) * (h + gh * k) > budget {
        k *= 0.9;
    }
    let cut = |v: u32| (f64::from(v) * k.min(1.0)).floor() as u32;
    [cut(t), cut(r), cut(b), cut(l)]
}

/// The image with its shadow, on a canvas grown by `fitted_margins` (RGBA).
pub fn drop_shadow(image: Image, s: &Shadow) -> Image {
    let image = crate::pipeline::with_alpha(image);
    // Offsets past any canvas mean the same as 8192 px.
    let s = &Shadow {
        x: s.x.clamp(-8192.0, 8192.0),
        y: s.y.clamp(-8192.0, 8192.0),
        spread: s.spread.clamp(-8192.0, 8192.0),
        ..*s
    };
    match s.kind {
        ShadowKind::Inset => inset(image, s),
        ShadowKind::Flat | ShadowKind::Float => {
            let [top, right, bottom, left] = fitted_margins(s, (image.width, image.height));
            let (w, h) = (image.width + left + right, image.height + top + bottom);
            let mut canvas = Image::filled(w, h, 4, [0, 0, 0, 0]);
            let mut shadow = Image::filled(w, h, 4, [s.color[0], s.color[1], s.color[2], 0]);
            if s.kind == ShadowKind::Float {
                stamp(&mut shadow, &pool(&image, s, (w, h), (left, top)), w, (0, 0), s.color[3]);
            } else {
                let shape = spread(alpha_of(&image), image.width, image.height, s.spread);
                let at = (i64::from(left) + s.x.round() as i64, i64::from(top) + s.y.round() as i64);
                stamp(&mut shadow, &shape, image.width, at, s.color[3]);
            }
            let shadow = if s.blur > 0.0 { gaussian_blur(shadow, s.blur) } else { shadow };
            draw(&mut canvas, &shadow, 0, 0, BlendMode::Normal, 1.0);
            draw(&mut canvas, &image, i64::from(left), i64::from(top), BlendMode::Normal, 1.0);
            canvas
        }
    }
}

/// An inset shadow: the outside of the silhouette, offset, spread and blurred, drawn over the
/// image where the image is.
fn inset(mut image: Image, s: &Shadow) -> Image {
    let (w, h) = (image.width, image.height);
    // The blur's reach, and the offset up to the image's own size (further is all outside).
    let reach = s.x.abs().max(s.y.abs()).min(w.max(h) as f32);
    let pad = (3.0 * s.blur + s.spread.abs().min(w.max(h) as f32) + reach).ceil() as u32 + 1;
    let (bw, bh) = (w + 2 * pad, h + 2 * pad);
    // The outside (255 beyond the image) shifted by the offset, on a margin so the blur sees it.
    let alpha = alpha_of(&image);
    let mut outside = vec![255u8; (bw * bh) as usize];
    for y in 0..h {
        for x in 0..w {
            let (tx, ty) = (i64::from(x + pad) + s.x.round() as i64, i64::from(y + pad) + s.y.round() as i64);
            if tx >= 0 && ty >= 0 && tx < i64::from(bw) && ty < i64::from(bh) {
                outside[(ty as u32 * bw + tx as u32) as usize] = 255 - alpha[(y * w + x) as usize];
            }
        }
    }
    // A positive spread grows the shadow inward: the outside grows.
    let outside = spread(outside, bw, bh, s.spread);
    let mut layer = Image::filled(bw, bh, 4, [s.color[0], s.color[1], s.color[2], 0]);
    stamp(&mut layer, &outside, bw, (0, 0), s.color[3]);
    let layer = if s.blur > 0.0 { gaussian_blur(layer, s.blur) } else { layer };
    // Keep the shadow only where the image is (source-atop).
    let mut clipped = Image::filled(w, h, 4, [0, 0, 0, 0]);
    for y in 0..h {
        for x in 0..w {
            let src = &layer.data[(((y + pad) * bw + x + pad) * 4) as usize..][..4];
            let a = u32::from(src[3]) * u32::from(alpha[(y * w + x) as usize]) / 255;
            clipped.data[((y * w + x) * 4) as usize..][..4].copy_from_slice(&[src[0], src[1], src[2], a as u8]);
        }
    }
    let keep = alpha;
    draw(&mut image, &clipped, 0, 0, BlendMode::Normal, 1.0);
    // Drawing over changed nothing about where the image is transparent.
    for (p, a) in image.data.chunks_exact_mut(4).zip(keep) {
        p[3] = a;
    }
    image
}

fn alpha_of(image: &Image) -> Vec<u8> {
    image.data.chunks_exact(4).map(|p| p[3]).collect()
}

/// A float shadow's shape on the whole `(w, h)` canvas: an oval as wide as 90 % of what is opaque,
/// centred under its lowest opaque row by the hover height, the picture sitting at `at`.
fn pool(image: &Image, s: &Shadow, (w, h): (u32, u32), at: (u32, u32)) -> Vec<u8> {
    let alpha = alpha_of(image);
    let (mut x0, mut x1, mut y1) = (image.width, 0, 0);
    for y in 0..image.height {
        for x in 0..image.width {
            if alpha[(y * image.width + x) as usize] > 127 {
                (x0, x1, y1) = (x0.min(x), x1.max(x), y1.max(y));
            }
        }
    }
    let mut out = vec![0u8; (w * h) as usize];
    if x1 < x0 {
        return out;
    }
    let cx = at.0 as f32 + (x0 + x1 + 1) as f32 / 2.0;
    let cy = at.1 as f32 + y1 as f32 + 1.0 + s.y.max(0.0);
    let rx = (x1 + 1 - x0) as f32 * 0.45;
    let ry = (rx * 0.15).max(s.blur).max(1.0);
    for y in 0..h {
        for x in 0..w {
            let d = ((x as f32 + 0.5 - cx) / rx).powi(2) + ((y as f32 + 0.5 - cy) / ry).powi(2);
            if d <= 1.0 {
                out[(y * w + x) as usize] = 255;
            }
        }
    }
    out
}

/// Grows (positive) or shrinks a coverage map by `by` px with a square max/min filter, one
/// row or column at a time, each in one pass whatever the radius.
fn spread(mut a: Vec<u8>, w: u32, h: u32, by: f32) -> Vec<u8> {
    let r = by.abs().round() as usize;
    if r == 0 || w == 0 || h == 0 {
        return a;
    }
    let grow = by > 0.0;
    let (w, h) = (w as usize, h as usize);
    let mut line = Vec::new();
    for y in 0..h {
        line.clear();
        line.extend_from_slice(&a[y * w..(y + 1) * w]);
        a[y * w..(y + 1) * w].copy_from_slice(&window_extreme(&line, r, grow));
    }
    for x in 0..w {
        line.clear();
        line.extend((0..h).map(|y| a[y * w + x]));
        for (y, v) in window_extreme(&line, r, grow).into_iter().enumerate() {
            a[y * w + x] = v;
        }
    }
    a
}

/// The max (or min) of `line` over each window of ±`r`, outside the line counting as 0 (no
/// coverage): a monotonic queue of candidates, so each value enters and leaves once.
fn window_extreme(line: &[u8], r: usize, max: bool) -> Vec<u8> {
    let n = line.len();
    let better = |a: u8, b: u8| if max { a >= b } else { a <= b };
    let mut out = Vec::with_capacity(n);
    let mut queue: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut next = 0;
    for i in 0..n {
        while next < n && next <= i + r {
            while queue.back().is_some_and(|&j| better(line[next], line[j])) {
                queue.pop_back();
            }
            queue.push_back(next);
            next += 1;
        }
        while queue.front().is_some_and(|&j| j + r < i) {
            queue.pop_front();
        }
        let inside = queue.front().map_or(0, |&j| line[j]);
        // A window reaching past either end includes the empty outside.
        let reaches_out = i < r || i + r >= n;
        out.push(if reaches_out {
            if max {
                inside
            } else {
                0
            }
        } else {
            inside
        });
    }
    out
}

/// Writes `coverage` (a `width`-wide map) times `alpha` into `layer`'s alpha at `at`.
fn stamp(layer: &mut Image, coverage: &[u8], width: u32, at: (i64, i64), alpha: u8) {
    let height = coverage.len() as u32 / width.max(1);
    for y in 0..height {
        for x in 0..width {
            let (tx, ty) = (at.0 + i64::from(x), at.1 + i64::from(y));
            if tx < 0 || ty < 0 || tx >= i64::from(layer.width) || ty >= i64::from(layer.height) {
                continue;
            }
            let a = u32::from(coverage[(y * width + x) as usize]) * u32::from(alpha) / 255;
            layer.data[((ty as u32 * layer.width + tx as u32) * 4 + 3) as usize] = a as u8;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(blur: f32, x: f32, y: f32) -> Shadow {
        Shadow { kind: ShadowKind::Flat, blur, x, y, spread: 0.0, color: [0, 0, 0, 191] }
    }

    #[test]
    fn spread_is_a_square_max_or_min_filter() {
        // A 3x3 dot in the middle of 11x11: grown by 2 it is 7x7, shrunk by 1 it is one pixel.
        let mut a = vec![0u8; 121];
        for y in 4..7 {
            for x in 4..7 {
                a[y * 11 + x] = 255;
            }
        }
        let grown = spread(a.clone(), 11, 11, 2.0);
        assert_eq!(grown.iter().filter(|v| **v == 255).count(), 49);
        assert_eq!((grown[2 * 11 + 2], grown[11 + 1]), (255, 0));
        let shrunk = spread(a, 11, 11, -1.0);
        assert_eq!(shrunk.iter().filter(|v| **v == 255).count(), 1);
        assert_eq!(shrunk[5 * 11 + 5], 255);
        // The same against a plain search over every window.
        let line: Vec<u8> = (0..40u32).map(|i| (i * 97 % 251) as u8).collect();
        for (r, max) in [(1, true), (3, true), (3, false), (50, true), (50, false)] {
            let want: Vec<u8> = (0..40i64)
                .map(|i| {
                    let vals =
                        (i - r as i64..=i + r as i64).map(|j| if (0..40).contains(&j) { line[j as usize] } else { 0 });
                    if max {
                        vals.max().unwrap()
                    } else {
                        vals.min().unwrap()
                    }
                })
                .collect();
            assert_eq!(window_extreme(&line, r, max), want, "r={r} max={max}");
        }
    }

    #[test]
    fn the_canvas_grows_three_blurs_per_side() {
        let img = Image::filled(500, 300, 3, [200, 200, 200, 255]);
        let out = drop_shadow(img.clone(), &flat(10.0, 0.0, 0.0));
        assert_eq!((out.width, out.height), (560, 360));
        assert_eq!(margins(&flat(10.0, 8.0, -4.0)), [34, 38, 26, 22]);
        assert_eq!(margins(&Shadow { kind: ShadowKind::Inset, ..flat(10.0, 0.0, 0.0) }), [0; 4]);
        // The picture sits in the middle, untouched.
        assert_eq!(out.pixel(30 + 250, 30 + 150), &[200, 200, 200, 255]);
    }

    #[test]
    fn the_shadow_follows_the_alpha_and_the_offset() {
        // A transparent image with an opaque 20x20 square in the middle.
        let mut img = Image::filled(100, 100, 4, [0, 0, 0, 0]);
        for y in 40..60 {
            for x in 40..60 {
                img.data[((y * 100 + x) * 4) as usize..][..4].copy_from_slice(&[255, 255, 255, 255]);
            }
        }
        let out = drop_shadow(img, &flat(2.0, 10.0, 10.0));
        let [top, _, _, left] = fitted_margins(&flat(2.0, 10.0, 10.0), (100, 100));
        let at = |x: u32, y: u32| out.pixel(x + left, y + top)[3];
        // Down-right of the square, shadow; up-left, nothing; far away, nothing.
        assert!(at(65, 65) > 150, "{}", at(65, 65));
        assert!(at(35, 35) < 5);
        assert_eq!(at(5, 95), 0);
        assert_eq!(out.pixel(50 + left, 50 + top), &[255, 255, 255, 255]);
    }

    #[test]
    fn huge_offsets_and_blurs_stay_within_bounds() {
        let img = Image::filled(400, 300, 3, [9, 9, 9, 255]);
        let out = drop_shadow(img.clone(), &flat(100.0, 1.0e9, -1.0e9));
        assert!(out.width <= 8192 && u64::from(out.width) * u64::from(out.height) <= 2 * 120_000 + 1_000_000);
        let inset = drop_shadow(img, &Shadow { kind: ShadowKind::Inset, spread: 1.0e9, ..flat(100.0, 1.0e9, 1.0e9) });
        assert_eq!((inset.width, inset.height), (400, 300));
    }

    #[test]
    fn inset_darkens_inside_near_the_edges() {
        let img = Image::filled(60, 40, 3, [255, 255, 255, 255]);
        let out = drop_shadow(img, &Shadow { kind: ShadowKind::Inset, ..flat(3.0, 4.0, 4.0) });
        assert_eq!((out.width, out.height), (60, 40));
        assert!(out.pixel(1, 1)[0] < 180, "top-left edge is in shadow: {:?}", out.pixel(1, 1));
        assert!(out.pixel(58, 38)[0] > 245, "the far edge is lit: {:?}", out.pixel(58, 38));
        assert_eq!(out.pixel(30, 20)[0], 255);
        assert_eq!(out.pixel(30, 20)[3], 255);
    }

    #[test]
    fn float_pools_under_the_subject() {
        let mut img = Image::filled(100, 100, 4, [0, 0, 0, 0]);
        for y in 20..60 {
            for x in 30..70 {
                img.data[((y * 100 + x) * 4) as usize..][..4].copy_from_slice(&[255, 0, 0, 255]);
            }
        }
        let s = Shadow { kind: ShadowKind::Float, ..flat(3.0, 0.0, 10.0) };
        let out = drop_shadow(img, &s);
        let [top, _, _, left] = fitted_margins(&s, (100, 100));
        let at = |x: u32, y: u32| out.pixel(x + left, y + top)[3];
        // Under the subject, below its bottom edge by the hover height: a pool.
        assert!(at(50, 60 + 10) > 60, "{}", at(50, 60 + 10));
        assert!(at(50, 30) == 255 && at(10, 72) < 5, "no pool beside it");
    }
}
