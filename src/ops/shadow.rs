//! `drop-shadow`: a shadow shaped by the image's own alpha, as CSS `filter: drop-shadow()` draws
//! it (flat), inside the image (inset), as a soft oval pool under the subject (float), or thrown
//! along the floor by a light (cast).

use super::blur::blur_plane;
use super::composite::{draw, BlendMode};
use crate::image::Image;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShadowKind {
    Flat,
    Float,
    Inset,
    Cast,
}

/// A cast shadow's light and pose (`drop-shadow-azimuth`, `-elevation`, `-pose`, `-softness`,
/// `-falloff`), in degrees and 0–100.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cast {
    /// Where the light comes from: 0 behind the subject, 90 from its right.
    pub azimuth: f32,
    /// How high the light is above the floor: 5 (long shadows) to 90 (overhead).
    pub elevation: f32,
    /// How the subject was photographed: 90 upright and head-on, 0 flat and from above.
    pub pose: f32,
    /// The light's size: 0 a point (hard all along), 100 an overcast sky.
    pub softness: f32,
    /// How much the shadow fades toward its tip.
    pub falloff: f32,
}

impl Default for Cast {
    fn default() -> Self {
        Cast { azimuth: 215.0, elevation: 45.0, pose: 90.0, softness: 50.0, falloff: 0.0 }
    }
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
    pub cast: Cast,
    /// `drop-shadow-output=shadow`: the shadow alone, the picture left out.
    pub only: bool,
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

/// `margins` for a `w`×`h` image, cut to `capped`.
pub fn fitted_margins(s: &Shadow, dims: (u32, u32)) -> [u32; 4] {
    capped(margins(s), dims)
}

/// Margins (top, right, bottom, left) cut so the grown canvas keeps within 8192 px a side and
/// twice the image's pixels plus one megapixel: beyond that the shadow is cut off (imgix cuts
/// at 8192) rather than the render running out of memory.
fn capped([t, r, b, l]: [u32; 4], (w, h): (u32, u32)) -> [u32; 4] {
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

/// The image with its shadow, on a canvas grown to hold the shadow (RGBA), and where the image's
/// top-left corner is on it.
pub fn drop_shadow(image: Image, s: &Shadow) -> (Image, (u32, u32)) {
    let image = crate::pipeline::with_alpha(image);
    // Offsets past any canvas mean the same as 8192 px.
    let s = &Shadow {
        x: s.x.clamp(-8192.0, 8192.0),
        y: s.y.clamp(-8192.0, 8192.0),
        spread: s.spread.clamp(-8192.0, 8192.0),
        ..*s
    };
    match s.kind {
        ShadowKind::Inset => (inset(image, s), (0, 0)),
        ShadowKind::Cast => cast(image, s),
        ShadowKind::Flat | ShadowKind::Float => {
            let [top, right, bottom, left] = fitted_margins(s, (image.width, image.height));
            let (w, h) = (image.width + left + right, image.height + top + bottom);
            // The shadow is blurred as one coverage plane, then coloured.
            let cover = if s.kind == ShadowKind::Float {
                pool(&image, s, (w, h), (left, top))
            } else {
                let shape = spread(alpha_of(&image), image.width, image.height, s.spread);
                let at = (i64::from(left) + s.x.round() as i64, i64::from(top) + s.y.round() as i64);
                let mut cover = vec![0u8; (w * h) as usize];
                stamp(&mut cover, w, &shape, image.width, at);
                cover
            };
            let mut cover = cover;
            blur_plane(&mut cover, w as usize, h as usize, s.blur);
            let mut canvas = coloured(&cover, (w, h), s.color, |_| 1.0);
            if !s.only {
                draw(&mut canvas, &image, i64::from(left), i64::from(top), BlendMode::Normal, 1.0);
            }
            (canvas, (left, top))
        }
    }
}

/// How a cast shadow lies on the floor: the manual pose model. The floor line is the bottom of
/// what is opaque; a point `u` px above it stands `u·sin(pose)` (plus a thin slab) above the floor
/// and its shadow lands `height / tan(elevation)` away, away from the light. Across the picture
/// that distance is drawn as it is; into the scene it is foreshortened by the camera's tilt
/// (cos(pose), at least a quarter, so an upright subject's floor is still seen). Every row of the
/// silhouette moves by the same amount, so the shadow is the silhouette sheared and squashed:
/// image row `u` lands on row `y0 + c·u`, shifted across by `x0 + a·u`.
#[derive(Debug, Clone, Copy)]
struct Floor {
    /// The floor line and the silhouette's height above it (image rows).
    foot: f32,
    height: f32,
    x0: f32,
    a: f32,
    y0: f32,
    c: f32,
    /// The slab's thickness, so even a flat subject has a shadow.
    slab: f32,
    tan_e: f32,
    sin_pose: f32,
}

/// The most an upright subject's shadow is squashed into the scene (a shadow row per this many
/// picture rows, at least).
const MIN_SQUASH: f32 = 0.1;
/// The penumbra's growth per px of distance from the subject at softness 100.
const PENUMBRA: f32 = 0.2;

impl Floor {
    fn new(c: &Cast, (top, bottom): (f32, f32), width: f32) -> Floor {
        let (sin_a, cos_a) = c.azimuth.to_radians().sin_cos();
        // Away from the light: across (right +) and into the scene (toward the viewer +).
        let (across, into) = (-sin_a, cos_a);
        let pose = c.pose.clamp(0.0, 90.0).to_radians();
        let (sin_pose, tilt) = (pose.sin(), pose.cos().max(0.25));
        let tan_e = c.elevation.clamp(5.0, 90.0).to_radians().tan().max(1e-3);
        let height = bottom - top;
        let slab = 0.03 * height.max(width);
        let mut squash = -(1.0 - sin_pose) + sin_pose * into * tilt / tan_e;
        if squash.abs() < MIN_SQUASH {
            squash = if squash > 0.0 { MIN_SQUASH } else { -MIN_SQUASH };
        }
        Floor {
            foot: bottom,
            height,
            x0: slab * across / tan_e,
            a: sin_pose * across / tan_e,
            y0: bottom + slab * into * tilt / tan_e,
            c: squash,
            slab,
            tan_e,
            sin_pose,
        }
    }

    /// How far from the subject (px along the floor) the shadow of the point `u` above the floor
    /// line falls.
    fn distance(&self, u: f32) -> f32 {
        (u * self.sin_pose + self.slab) / self.tan_e
    }
}

/// A cast shadow: the silhouette projected onto the floor (`Floor`), blurred from `s.blur` where it
/// meets the subject to more with distance (`softness`), fading toward its tip (`falloff`).
fn cast(image: Image, s: &Shadow) -> (Image, (u32, u32)) {
    let (w, h) = (image.width, image.height);
    let alpha = alpha_of(&image);
    let Some((bx0, by0, bx1, by1)) = opaque_box(&alpha, w, h) else { return (image, (0, 0)) };
    let (left_edge, right_edge) = (bx0 as f32, (bx1 + 1) as f32);
    let f = Floor::new(&s.cast, (by0 as f32, (by1 + 1) as f32), right_edge - left_edge);
    let sigma = |u: f32| s.blur + s.cast.softness.clamp(0.0, 100.0) / 100.0 * PENUMBRA * f.distance(u);
    let reach = 3.0 * sigma(f.height) + s.spread.max(0.0);
    // The shadow's box in image coordinates, then the margins that hold it.
    let (ya, yb) = (f.y0, f.y0 + f.c * f.height);
    let (sa, sb) = (f.x0, f.x0 + f.a * f.height);
    let (sx0, sx1) = (left_edge + sa.min(sb) - reach, right_edge + sa.max(sb) + reach);
    let (sy0, sy1) = (ya.min(yb) - reach, ya.max(yb) + reach);
    let m = |v: f32| v.max(0.0).ceil().min(8192.0) as u32;
    let [top, right, bottom, left] = capped([m(-sy0), m(sx1 - w as f32), m(sy1 - h as f32), m(-sx0)], (w, h));
    let (cw, ch) = (w + left + right, h + top + bottom);
    // Only the shadow's own box of the canvas is worked on (the rest is empty).
    let clamp = |v: f32, hi: u32| (v.max(0.0) as u32).min(hi);
    let (r0, r1) = (clamp((sy0 + top as f32).floor(), ch), clamp((sy1 + top as f32).ceil(), ch));
    let (c0, c1) = (clamp((sx0 + left as f32).floor(), cw), clamp((sx1 + left as f32).ceil(), cw));
    let (rw, rh) = ((c1 - c0) as usize, (r1 - r0) as usize);
    let mut canvas = Image::filled(cw, ch, 4, [s.color[0], s.color[1], s.color[2], 0]);
    if rw > 0 && rh > 0 {
        let region = region_of(&f, &alpha, (w, h), s, (left_edge, right_edge), (c0, r0, rw, rh), (left, top));
        let far = f.distance(f.height).max(1e-3);
        let fade = s.cast.falloff.clamp(0.0, 100.0) / 100.0;
        let k = f32::from(s.color[3]);
        for (y, line) in region.chunks_exact(rw).enumerate() {
            let u = ((y as f32 + r0 as f32 - top as f32 + 0.5 - f.y0) / f.c).clamp(0.0, f.height);
            let keep = (1.0 - fade * f.distance(u) / far) * k / 255.0;
            let row = &mut canvas.data[((r0 as usize + y) * cw as usize + c0 as usize) * 4..][..rw * 4];
            for (px, v) in row.chunks_exact_mut(4).zip(line) {
                px[3] = (v * keep).round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    if !s.only {
        draw(&mut canvas, &image, i64::from(left), i64::from(top), BlendMode::Normal, 1.0);
    }
    (canvas, (left, top))
}

/// The blurred coverage (0–255) of a cast shadow over the canvas box (`c0`, `r0`, `rw`×`rh`): each
/// row sampled from the picture rows it squashes together, spread, then blurred from `s.blur` at
/// the subject to more with distance (the same along a row, so a radius per row).
fn region_of(
    f: &Floor,
    alpha: &[u8],
    (w, h): (u32, u32),
    s: &Shadow,
    (left_edge, right_edge): (f32, f32),
    (c0, r0, rw, rh): (u32, u32, usize, usize),
    (left, top): (u32, u32),
) -> Vec<f32> {
    let mut cover = vec![0f32; rw * rh];
    let step = 1.0 / f.c.abs();
    let samples = step.ceil().clamp(1.0, 10.0) as usize;
    let row_u = |y: usize| (y as f32 + r0 as f32 - top as f32 + 0.5 - f.y0) / f.c;
    for (y, line) in cover.chunks_exact_mut(rw).enumerate() {
        let u_mid = row_u(y);
        for i in 0..samples {
            let u = u_mid + ((i as f32 + 0.5) / samples as f32 - 0.5) * step;
            if !(0.0..=f.height).contains(&u) {
                continue;
            }
            let src_y = f.foot - u - 0.5;
            // Canvas column x is picture column x − left − shift.
            let shift = f.x0 + f.a * u + left as f32;
            let from = ((left_edge + shift - 1.0).floor().max(c0 as f32) as usize).saturating_sub(c0 as usize);
            let to = (((right_edge + shift + 1.0).ceil().max(0.0) as usize).saturating_sub(c0 as usize)).min(rw);
            for (col, v) in line.iter_mut().enumerate().take(to).skip(from) {
                let src_x = (col + c0 as usize) as f32 - shift;
                *v += bilinear(alpha, w, h, src_x, src_y) / samples as f32;
            }
        }
    }
    if s.spread.abs() >= 0.5 {
        let bytes = cover.iter().map(|v| v.clamp(0.0, 255.0).round() as u8).collect();
        cover = spread(bytes, rw as u32, rh as u32, s.spread).into_iter().map(f32::from).collect();
    }
    let penumbra = s.cast.softness.clamp(0.0, 100.0) / 100.0 * PENUMBRA;
    let radii: Vec<usize> =
        (0..rh).map(|y| box_radius(s.blur + penumbra * f.distance(row_u(y).clamp(0.0, f.height)))).collect();
    blur_by_row(cover, rw, rh, &radii)
}

/// The box (x0, y0, x1, y1, inclusive) of the pixels more than faintly opaque.
fn opaque_box(alpha: &[u8], w: u32, h: u32) -> Option<(u32, u32, u32, u32)> {
    let (mut x0, mut y0, mut x1, mut y1) = (w, h, 0, 0);
    for y in 0..h {
        for x in 0..w {
            if alpha[(y * w + x) as usize] > 8 {
                (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
            }
        }
    }
    (x1 >= x0 && y1 >= y0).then_some((x0, y0, x1, y1))
}

/// `alpha` (a `w`×`h` map) at the continuous position (x, y) of pixel centres; 0 outside.
fn bilinear(alpha: &[u8], w: u32, h: u32, x: f32, y: f32) -> f32 {
    let (x, y) = (x - 0.5, y);
    let (fx, fy) = (x.floor(), y.floor());
    let (tx, ty) = (x - fx, y - fy);
    let get = |xi: f32, yi: f32| {
        if xi < 0.0 || yi < 0.0 || xi >= w as f32 || yi >= h as f32 {
            0.0
        } else {
            f32::from(alpha[(yi as u32 * w + xi as u32) as usize])
        }
    };
    let top = get(fx, fy) * (1.0 - tx) + get(fx + 1.0, fy) * tx;
    let bottom = get(fx, fy + 1.0) * (1.0 - tx) + get(fx + 1.0, fy + 1.0) * tx;
    top * (1.0 - ty) + bottom * ty
}

/// The radius of each of three box passes that together blur like a Gaussian of `sigma`.
fn box_radius(sigma: f32) -> usize {
    let width = (4.0 * sigma * sigma + 1.0).sqrt();
    ((width - 1.0) / 2.0).round().max(0.0) as usize
}

/// Three box passes each way over a `w`×`h` map, each output row with its own radius: across a
/// row with that row's radius, and down the columns (through running column sums, a row at a
/// time) with the radius of the row being written.
fn blur_by_row(mut map: Vec<f32>, w: usize, h: usize, radii: &[usize]) -> Vec<f32> {
    if radii.iter().all(|r| *r == 0) {
        return map;
    }
    let mut sums = vec![0f64; w + 1];
    let mut columns = vec![0f32; (h + 1) * w];
    for _ in 0..3 {
        for (row, &r) in map.chunks_exact_mut(w).zip(radii) {
            if r > 0 {
                box_line(row, &mut sums, |_| r);
            }
        }
        for y in 0..h {
            let (done, rest) = columns.split_at_mut((y + 1) * w);
            for ((c, p), v) in rest[..w].iter_mut().zip(&done[y * w..]).zip(&map[y * w..(y + 1) * w]) {
                *c = p + v;
            }
        }
        for (y, row) in map.chunks_exact_mut(w).enumerate() {
            let r = radii[y];
            let (a, b) = (y.saturating_sub(r), (y + r + 1).min(h));
            let inv = 1.0 / (2 * r + 1) as f32;
            for ((v, hi), lo) in row.iter_mut().zip(&columns[b * w..(b + 1) * w]).zip(&columns[a * w..(a + 1) * w]) {
                *v = (hi - lo) * inv;
            }
        }
    }
    map
}

/// One box pass over `line` in place, the value at `i` averaged over ±`radius(i)` (outside = 0).
fn box_line(line: &mut [f32], sums: &mut [f64], radius: impl Fn(usize) -> usize) {
    let n = line.len();
    sums[0] = 0.0;
    for i in 0..n {
        sums[i + 1] = sums[i] + f64::from(line[i]);
    }
    for (i, v) in line.iter_mut().enumerate() {
        let r = radius(i);
        let (a, b) = (i.saturating_sub(r), (i + r + 1).min(n));
        *v = ((sums[b] - sums[a]) / (2 * r + 1) as f64) as f32;
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
    let mut outside = spread(outside, bw, bh, s.spread);
    blur_plane(&mut outside, bw as usize, bh as usize, s.blur);
    // Keep the shadow only where the image is (source-atop).
    let mut clipped = Image::filled(w, h, 4, [s.color[0], s.color[1], s.color[2], 0]);
    for y in 0..h {
        for x in 0..w {
            let cover = u32::from(outside[((y + pad) * bw + x + pad) as usize]);
            let a = cover * u32::from(s.color[3]) / 255 * u32::from(alpha[(y * w + x) as usize]) / 255;
            clipped.data[((y * w + x) * 4 + 3) as usize] = a as u8;
        }
    }
    if s.only {
        return clipped;
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

/// Copies `coverage` (a `width`-wide map) into the `plane_width`-wide `plane` at `at`, cut at
/// its edges.
fn stamp(plane: &mut [u8], plane_width: u32, coverage: &[u8], width: u32, at: (i64, i64)) {
    let (pw, ph) = (i64::from(plane_width), (plane.len() / plane_width.max(1) as usize) as i64);
    let height = coverage.len() as u32 / width.max(1);
    let (x0, x1) = (at.0.max(0), (at.0 + i64::from(width)).min(pw));
    if x0 >= x1 {
        return;
    }
    for y in 0..i64::from(height) {
        let ty = at.1 + y;
        if ty < 0 || ty >= ph {
            continue;
        }
        let src = &coverage[(y * i64::from(width) + x0 - at.0) as usize..][..(x1 - x0) as usize];
        plane[(ty * pw + x0) as usize..][..(x1 - x0) as usize].copy_from_slice(src);
    }
}

/// An RGBA canvas of `color` whose alpha is `cover` times the colour's alpha times `row_keep(y)`.
fn coloured(cover: &[u8], (w, h): (u32, u32), color: [u8; 4], row_keep: impl Fn(usize) -> f32) -> Image {
    let mut canvas = Image::filled(w, h, 4, [color[0], color[1], color[2], 0]);
    for (y, (row, cov)) in canvas.data.chunks_exact_mut(w as usize * 4).zip(cover.chunks_exact(w as usize)).enumerate()
    {
        let k = (row_keep(y) * f32::from(color[3])).round().clamp(0.0, 255.0) as u32;
        if k == 0 {
            continue;
        }
        for (px, &c) in row.chunks_exact_mut(4).zip(cov) {
            px[3] = ((u32::from(c) * k + 127) / 255) as u8;
        }
    }
    canvas
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flat(blur: f32, x: f32, y: f32) -> Shadow {
        Shadow {
            kind: ShadowKind::Flat,
            blur,
            x,
            y,
            spread: 0.0,
            color: [0, 0, 0, 191],
            cast: Cast::default(),
            only: false,
        }
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
        let (out, _) = drop_shadow(img.clone(), &flat(10.0, 0.0, 0.0));
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
        let (out, _) = drop_shadow(img, &flat(2.0, 10.0, 10.0));
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
        let (out, _) = drop_shadow(img.clone(), &flat(100.0, 1.0e9, -1.0e9));
        assert!(out.width <= 8192 && u64::from(out.width) * u64::from(out.height) <= 2 * 120_000 + 1_000_000);
        let (inset, _) =
            drop_shadow(img, &Shadow { kind: ShadowKind::Inset, spread: 1.0e9, ..flat(100.0, 1.0e9, 1.0e9) });
        assert_eq!((inset.width, inset.height), (400, 300));
    }

    #[test]
    fn inset_darkens_inside_near_the_edges() {
        let img = Image::filled(60, 40, 3, [255, 255, 255, 255]);
        let (out, _) = drop_shadow(img, &Shadow { kind: ShadowKind::Inset, ..flat(3.0, 4.0, 4.0) });
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
        let (out, (left, top)) = drop_shadow(img, &s);
        assert_eq!([top, left], {
            let m = fitted_margins(&s, (100, 100));
            [m[0], m[3]]
        });
        let at = |x: u32, y: u32| out.pixel(x + left, y + top)[3];
        // Under the subject, below its bottom edge by the hover height: a pool.
        assert!(at(50, 60 + 10) > 60, "{}", at(50, 60 + 10));
        assert!(at(50, 30) == 255 && at(10, 72) < 5, "no pool beside it");
    }

    /// A 100x100 transparent picture with an opaque 20x60 bar standing on row 90.
    fn bar() -> Image {
        let mut img = Image::filled(100, 100, 4, [0, 0, 0, 0]);
        for y in 30..90 {
            for x in 40..60 {
                img.data[((y * 100 + x) * 4) as usize..][..4].copy_from_slice(&[200, 30, 30, 255]);
            }
        }
        img
    }

    fn cast_by(cast: Cast) -> Shadow {
        Shadow { kind: ShadowKind::Cast, cast, ..flat(0.0, 0.0, 0.0) }
    }

    fn hard(azimuth: f32) -> Cast {
        Cast { azimuth, softness: 0.0, ..Cast::default() }
    }

    /// The shadow's alpha at image coordinates (x, y) of a cast result.
    fn alpha_at(out: &(Image, (u32, u32)), x: i64, y: i64) -> u8 {
        let (img, (left, top)) = out;
        let (cx, cy) = (x + i64::from(*left), y + i64::from(*top));
        if cx < 0 || cy < 0 || cx >= i64::from(img.width) || cy >= i64::from(img.height) {
            return 0;
        }
        img.pixel(cx as u32, cy as u32)[3]
    }

    #[test]
    fn a_cast_shadow_falls_away_from_the_light() {
        // Default light (215: from the front left, 45 degrees up): back and to the right, above
        // the floor line, squashed into the scene.
        let out = drop_shadow(bar(), &cast_by(hard(215.0)));
        assert!(alpha_at(&out, 85, 80) > 150, "{}", alpha_at(&out, 85, 80));
        assert_eq!(alpha_at(&out, 20, 80), 0, "nothing toward the light");
        assert_eq!(alpha_at(&out, 50, 95), 0, "nothing in front of the floor line");
        assert_eq!(out.0.pixel(50 + out.1 .0, 60 + out.1 .1), &[200, 30, 30, 255], "the bar is drawn over");
        // Light from behind: the shadow comes toward the viewer, below the floor line, and the
        // canvas grows at the bottom.
        let out = drop_shadow(bar(), &cast_by(hard(0.0)));
        assert!(alpha_at(&out, 50, 96) > 150 && out.0.height > 100, "{} {}", alpha_at(&out, 50, 96), out.0.height);
        // Light from the right: the shadow stretches left, past the picture's edge.
        let out = drop_shadow(bar(), &cast_by(hard(90.0)));
        assert!(out.1 .0 > 15, "left margin {}", out.1 .0);
        assert!(alpha_at(&out, 15, 86) > 150, "{}", alpha_at(&out, 15, 86));
        assert_eq!(alpha_at(&out, 80, 86), 0);
    }

    /// Pixels of a shadow alone (`only`) with alpha in `range`.
    fn count(c: Cast, range: std::ops::RangeInclusive<u8>) -> usize {
        let (img, _) = drop_shadow(bar(), &Shadow { only: true, ..cast_by(c) });
        img.data.chunks_exact(4).filter(|p| range.contains(&p[3])).count()
    }

    #[test]
    fn elevation_pose_softness_and_falloff_shape_it() {
        let solid = 100..=255;
        // A low sun throws a longer shadow than a high one.
        let reach = |elevation| {
            let out = drop_shadow(bar(), &Shadow { only: true, ..cast_by(Cast { elevation, ..hard(90.0) }) });
            (-200..40).find(|x| (0..100).any(|y| alpha_at(&out, *x, y) > 100)).unwrap()
        };
        let (low, high) = (reach(20.0), reach(75.0));
        // tan 20 = 0.36, tan 75 = 3.7: the 60 px bar's shadow reaches about 170 and 17 px past it.
        assert!((-135..=-105).contains(&low) && (20..=28).contains(&high), "low {low}, high {high}");
        // Flat and from above, the shadow is the silhouette itself (20x60), nudged; upright, it is
        // squashed onto the floor.
        let flat_lay = count(Cast { pose: 0.0, ..hard(215.0) }, solid.clone());
        assert!((1100..=1300).contains(&flat_lay), "{flat_lay}");
        assert!(count(hard(215.0), solid.clone()) * 3 < flat_lay);
        // A large light blurs the tip: far more partly covered pixels than a point light gives.
        let (soft, sharp) = (count(Cast { softness: 100.0, ..hard(0.0) }, 10..=150), count(hard(0.0), 10..=150));
        assert!(soft > 3 * sharp.max(10), "soft {soft}, sharp {sharp}");
        // Falloff: dark at the feet, faint at the tip.
        let out = drop_shadow(bar(), &Shadow { only: true, ..cast_by(Cast { falloff: 100.0, ..hard(0.0) }) });
        let (near, tip) = (alpha_at(&out, 50, 91), alpha_at(&out, 50, 103));
        assert!(near > 150 && tip < near / 3, "near {near}, tip {tip}");
    }

    #[test]
    fn shadow_output_leaves_the_picture_out() {
        for kind in [ShadowKind::Flat, ShadowKind::Cast, ShadowKind::Inset] {
            let s = Shadow { kind, only: true, ..flat(2.0, 3.0, 3.0) };
            let (img, (left, top)) = drop_shadow(bar(), &s);
            let p = img.pixel(50 + left, 60 + top);
            assert!(p[0] < 5 && p[1] < 5, "{kind:?}: the bar's colour is not drawn: {p:?}");
        }
        // An opaque picture's flat shadow, alone, is dark where the picture was.
        let (img, (left, top)) =
            drop_shadow(Image::filled(40, 40, 3, [255; 4]), &Shadow { only: true, ..flat(0.0, 0.0, 0.0) });
        assert_eq!(img.pixel(20 + left, 20 + top), &[0, 0, 0, 191]);
    }

    #[test]
    fn cast_shadows_stay_within_bounds() {
        // The lowest sun and the largest light on a tall picture: the canvas is capped.
        let mut img = Image::filled(300, 2000, 4, [0, 0, 0, 0]);
        for p in img.data.chunks_exact_mut(4).skip(300 * 10).take(300 * 1980) {
            p.copy_from_slice(&[1, 2, 3, 255]);
        }
        let c = Cast { elevation: 5.0, softness: 100.0, azimuth: 90.0, ..Cast::default() };
        let (out, _) = drop_shadow(img, &Shadow { blur: 100.0, ..cast_by(c) });
        assert!(out.width <= 8192 && u64::from(out.width) * u64::from(out.height) <= 2 * 600_000 + 1_000_000);
        // A fully transparent picture has nothing to cast.
        let (out, at) = drop_shadow(Image::filled(10, 10, 4, [0; 4]), &cast_by(Cast::default()));
        assert_eq!((out.width, out.height, at), (10, 10, (0, 0)));
    }
}
