//! Padding onto a canvas (fit=fill/fillmax) and flattening alpha onto a background.

use super::Finish;
use crate::image::Image;
use crate::ops::shape;
use crate::params::Color;
use crate::plan::{Fill, Frame, Mask, MaskShape, Plan};

/// Puts the image on the plan's canvas: padding in `bg` (or transparent), the fill area of
/// fit=fill in `fill-color`, the image at its offset, then the border and rounded corners.
pub fn place(image: Image, plan: &Plan) -> Image {
    let frame = &plan.frame;
    // `append` made the picture larger than the plan's resize: the canvas grows as much.
    let grown = (image.width.saturating_sub(plan.resize.0), image.height.saturating_sub(plan.resize.1));
    let (cw, ch) = (plan.canvas.0 + grown.0, plan.canvas.1 + grown.1);
    if (cw, ch) == (image.width, image.height) && frame.is_empty() {
        return image;
    }
    let fill_opaque = match plan.fill {
        Fill::Solid => plan.canvas_color.is_opaque(),
        Fill::Blur | Fill::Clamp => true,
        Fill::Linear { from: a, to: b, .. } | Fill::Radial { inner: a, outer: b, .. } => a.is_opaque() && b.is_opaque(),
    };
    let opaque = image.channels == 3
        && fill_opaque
        && (frame.pad == [0; 4] || frame.pad_color.is_opaque())
        && (frame.border == [0; 4] || frame.border_color.is_opaque())
        && frame.radius == [0; 4];
    let channels = if opaque { 3 } else { 4 };
    let image = with_channels(image, channels);
    let mut canvas = Image::filled(cw, ch, channels, frame.pad_color.rgba());
    let ins = frame.insets();
    let inner = (ins[3], ins[0], cw.saturating_sub(ins[1] + ins[3]), ch.saturating_sub(ins[0] + ins[2]));
    match plan.fill {
        Fill::Solid => fill_rect(&mut canvas, inner, plan.canvas_color),
        Fill::Blur => fill_blurred(&mut canvas, inner, &image),
        Fill::Clamp => fill_clamped(&mut canvas, inner, &image, plan.offset),
        Fill::Linear { .. } | Fill::Radial { .. } => fill_gradient(&mut canvas, inner, plan.fill, plan.fill_space),
    }
    blit(&mut canvas, &image, plan.offset);
    draw_border(&mut canvas, frame);
    draw_stroke(&mut canvas, frame);
    canvas
}

/// `border-stroke-size`: an outline along the outer edge of the image and its border, following
/// the outer `border-radius`, composited over them in `border-stroke-color`. It is drawn inside
/// the canvas, so it changes no dimension.
fn draw_stroke(canvas: &mut Image, frame: &Frame) {
    let (s, color) = (frame.stroke, frame.stroke_color.rgba());
    if s == 0 || color[3] == 0 {
        return;
    }
    let (w, h) = (canvas.width, canvas.height);
    let c = canvas.channels as usize;
    let inner_radius = frame.radius.map(|r| r.saturating_sub(s));
    // Pixels further than this from every edge are untouched.
    let reach = s + frame.radius.iter().copied().max().unwrap_or(0);
    let a = color[3] as f32 / 255.0;
    for y in 0..h {
        for x in 0..w {
            if x.min(y).min(w - 1 - x).min(h - 1 - y) >= reach {
                continue;
            }
            let outer = shape::rounded_rect(x, y, w, h, frame.radius);
            let inside = if x >= s && y >= s && x + s < w && y + s < h {
                shape::rounded_rect(x - s, y - s, w - 2 * s, h - 2 * s, inner_radius)
            } else {
                0.0
            };
            let k = (outer - inside).max(0.0) * a;
            if k <= 0.0 {
                continue;
            }
            let i = (y * w + x) as usize * c;
            for ch in 0..3 {
                canvas.data[i + ch] = (canvas.data[i + ch] as f32 * (1.0 - k) + color[ch] as f32 * k).round() as u8;
            }
            if c == 4 {
                canvas.data[i + 3] = (canvas.data[i + 3] as f32 * (1.0 - k) + 255.0 * k).round() as u8;
            }
        }
    }
}

fn fill_rect(canvas: &mut Image, (x, y, w, h): (u32, u32, u32, u32), color: Color) {
    let c = canvas.channels as usize;
    let px = &color.rgba()[..c];
    for row in y..(y + h).min(canvas.height) {
        let start = (row * canvas.width + x) as usize * c;
        let end = (row * canvas.width + (x + w).min(canvas.width)) as usize * c;
        for p in canvas.data[start..end].chunks_exact_mut(c) {
            p.copy_from_slice(px);
        }
    }
}

/// fill=blur: the image scaled to cover the fill area, blurred so it reads as a backdrop.
fn fill_blurred(canvas: &mut Image, (x, y, w, h): (u32, u32, u32, u32), image: &Image) {
    if w == 0 || h == 0 || image.width == 0 || image.height == 0 {
        return;
    }
    let k = (w as f64 / image.width as f64).max(h as f64 / image.height as f64);
    let (ox, oy) = ((image.width as f64 * k - w as f64) / 2.0, (image.height as f64 * k - h as f64) / 2.0);
    let c = canvas.channels as usize;
    let mut cover = Vec::with_capacity((w * h) as usize * c);
    for row in 0..h {
        for col in 0..w {
            let sx = (((col as f64 + ox) / k) as u32).min(image.width - 1);
            let sy = (((row as f64 + oy) / k) as u32).min(image.height - 1);
            let p = image.pixel(sx, sy);
            cover.extend_from_slice(&p[..c.min(p.len())]);
            if c == 4 && p.len() == 3 {
                cover.push(255);
            }
        }
    }
    let sigma = (w.max(h) as f32 / 24.0).max(2.0);
    let blurred = crate::ops::gaussian_blur(Image::new(w, h, canvas.channels, cover), sigma);
    blit(canvas, &blurred, (x, y));
}

/// fit=clamp: every fill pixel takes the colour of the nearest image pixel.
fn fill_clamped(canvas: &mut Image, (x, y, w, h): (u32, u32, u32, u32), image: &Image, (ox, oy): (u32, u32)) {
    let c = canvas.channels as usize;
    for row in y..(y + h).min(canvas.height) {
        for col in x..(x + w).min(canvas.width) {
            let sx = (col as i64 - ox as i64).clamp(0, image.width as i64 - 1) as u32;
            let sy = (row as i64 - oy as i64).clamp(0, image.height as i64 - 1) as u32;
            let i = (row * canvas.width + col) as usize * c;
            canvas.data[i..i + c].copy_from_slice(&image.pixel(sx, sy)[..c]);
        }
    }
}

fn fill_gradient(
    canvas: &mut Image,
    (x, y, w, h): (u32, u32, u32, u32),
    fill: Fill,
    space: crate::ops::gradient::Interpolation,
) {
    let c = canvas.channels as usize;
    let (a, b) = match fill {
        Fill::Linear { from, to, .. } => (from, to),
        Fill::Radial { inner, outer, .. } => (inner, outer),
        _ => return,
    };
    // The colours from a table of positions, as `Gradient::paint` does, not a colour-space round
    // trip per pixel.
    const STEPS: usize = 4096;
    let table: Vec<[u8; 4]> = (0..STEPS)
        .map(|i| crate::ops::gradient::mix(a.rgba(), b.rgba(), i as f32 / (STEPS - 1) as f32, space))
        .collect();
    let at = |t: f64| table[(t.clamp(0.0, 1.0) * (STEPS - 1) as f64).round() as usize];
    for row in 0..h.min(canvas.height.saturating_sub(y)) {
        for col in 0..w.min(canvas.width.saturating_sub(x)) {
            let (u, v) = ((col as f64 + 0.5) / w as f64, (row as f64 + 0.5) / h as f64);
            let px = match fill {
                Fill::Linear { vertical, reverse, .. } => {
                    let t = if vertical { v } else { u };
                    at(if reverse { 1.0 - t } else { t })
                }
                Fill::Radial { center, radius, .. } => {
                    let d = ((u - center.0).powi(2) + (v - center.1).powi(2)).sqrt();
                    at(d / radius.max(1e-6))
                }
                _ => return,
            };
            let i = ((y + row) * canvas.width + x + col) as usize * c;
            canvas.data[i..i + c].copy_from_slice(&px[..c]);
        }
    }
}

/// Copies `image` onto `canvas` at `at`, clipped to the canvas.
pub(super) fn blit(canvas: &mut Image, image: &Image, (ox, oy): (u32, u32)) {
    let c = canvas.channels as usize;
    let w = image.width.min(canvas.width.saturating_sub(ox)) as usize;
    for row in 0..image.height.min(canvas.height.saturating_sub(oy)) {
        let src = &image.data[row as usize * image.stride()..][..w * c];
        let start = ((oy + row) * canvas.width + ox) as usize * c;
        canvas.data[start..start + w * c].copy_from_slice(src);
    }
}

/// The border ring in its colour, its inner edge rounded by `radius_inner`, and the outer
/// corners rounded by `radius` (outside them the canvas is transparent). Coverage is only
/// computed in the corner squares, where a rounded corner can cut in.
fn draw_border(canvas: &mut Image, frame: &Frame) {
    let b = frame.border;
    let (w, h) = (canvas.width, canvas.height);
    let c = canvas.channels as usize;
    let inner = (b[3], b[0], w.saturating_sub(b[1] + b[3]), h.saturating_sub(b[0] + b[2]));
    let color = frame.border_color.rgba();
    let rounded_outer = frame.radius != [0; 4];
    if b == [0; 4] && !rounded_outer {
        return;
    }
    let stride = w as usize * c;
    if b != [0; 4] {
        // Everything outside the inner rectangle is border colour.
        let (x0, x1) = (inner.0.min(w) as usize, (inner.0 + inner.2).min(w) as usize);
        for (y, row) in canvas.data.chunks_exact_mut(stride.max(1)).enumerate() {
            let y = y as u32;
            let full = inner.2 == 0 || y < inner.1 || y >= inner.1 + inner.3;
            let spans = if full { [(0, w as usize), (0, 0)] } else { [(0, x0), (x1, w as usize)] };
            for (from, to) in spans {
                for px in row[from * c..to * c].chunks_exact_mut(c) {
                    px.copy_from_slice(&color[..c]);
                }
            }
        }
    }
    // The inner edge's rounded corners: border colour over the content by coverage.
    corner_pixels(inner.2, inner.3, frame.radius_inner, |x, y| {
        let ring = 1.0 - shape::rounded_rect(x, y, inner.2, inner.3, frame.radius_inner);
        if ring > 0.0 {
            let i = ((y + inner.1) * w + x + inner.0) as usize * c;
            for (k, v) in canvas.data[i..i + c].iter_mut().enumerate() {
                *v = (*v as f32 * (1.0 - ring) + color[k] as f32 * ring).round() as u8;
            }
        }
    });
    if rounded_outer && c == 4 {
        corner_pixels(w, h, frame.radius, |x, y| {
            let keep = shape::rounded_rect(x, y, w, h, frame.radius);
            let i = (y * w + x) as usize * 4 + 3;
            canvas.data[i] = (canvas.data[i] as f32 * keep).round() as u8;
        });
    }
}

/// Calls `f(x, y)` once for each pixel of a w×h box in its corner squares as large as the
/// largest of `radii` (clamped as `shape::rounded_rect` clamps it); outside them the rounded
/// rectangle covers pixels fully.
fn corner_pixels(w: u32, h: u32, radii: [u32; 4], mut f: impl FnMut(u32, u32)) {
    let r = radii.into_iter().max().unwrap_or(0).min(w.div_ceil(2)).min(h.div_ceil(2));
    if r == 0 {
        return;
    }
    let span = |n: u32| -> Vec<u32> {
        if 2 * r >= n {
            (0..n).collect()
        } else {
            (0..r).chain(n - r..n).collect()
        }
    };
    let xs = span(w);
    for y in span(h) {
        for &x in &xs {
            f(x, y);
        }
    }
}

/// `mask`: pixels outside the ellipse or rounded rectangle, or where the mask image (already
/// stretched to the picture's size) is dark or transparent, become `mask-bg`.
/// `mask`: what is outside the shape (or dark in the mask picture) becomes `mask-bg`; `feather`
/// px (0 for none) widens a shape's edge into a ramp that far inside it.
pub fn mask(image: Image, mask: &Mask, picture: Option<&Image>, feather: f32) -> Image {
    let mut image = with_channels(image, 4);
    let (w, h) = (image.width, image.height);
    let radii = match mask.shape {
        MaskShape::Corners(Some(r)) => r,
        _ => [(w.min(h) as f32 * 0.2).round() as u32; 4],
    };
    let bg = mask.background.rgba();
    // Depth inside the edge (px) → how much is kept: one pixel of anti-aliasing, or the feather.
    let ramp = feather.max(1.0);
    let keep_at = |depth: f32| ((depth + 0.5) / ramp).clamp(0.0, 1.0);
    let mut keep = vec![1.0f32; w as usize];
    for (y, row) in image.data.chunks_exact_mut(w as usize * 4).enumerate() {
        let y = y as u32;
        match (mask.shape, picture) {
            // Visibility from a mask image (stretched to this size): Rec. 601 luminance times alpha.
            (MaskShape::Image, Some(m)) if (m.width, m.height) == (w, h) => {
                let c = m.channels as usize;
                let src = &m.data[y as usize * w as usize * c..][..w as usize * c];
                for (k, p) in keep.iter_mut().zip(src.chunks_exact(c)) {
                    let luma = (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32) / 255.0;
                    *k = if c == 4 { luma * (p[3] as f32 / 255.0) } else { luma };
                }
            }
            (MaskShape::Image, _) => keep.fill(1.0),
            (MaskShape::Ellipse, _) => {
                keep.iter_mut().enumerate().for_each(|(x, k)| *k = keep_at(shape::ellipse_depth(x as u32, y, w, h)))
            }
            (MaskShape::Corners(_), _) => keep
                .iter_mut()
                .enumerate()
                .for_each(|(x, k)| *k = keep_at(shape::rounded_rect_depth(x as u32, y, w, h, radii))),
        }
        for (px, &keep) in row.chunks_exact_mut(4).zip(&keep) {
            if keep >= 1.0 {
                continue;
            }
            // Cross-fade image → mask-bg by coverage, in premultiplied terms.
            let (a, ba) = (px[3] as f32 * keep, bg[3] as f32 * (1.0 - keep));
            let out_a = a + ba;
            if out_a <= 0.0 {
                px.fill(0);
                continue;
            }
            if ba > 0.0 {
                for k in 0..3 {
                    px[k] = ((px[k] as f32 * a + bg[k] as f32 * ba) / out_a).round().clamp(0.0, 255.0) as u8;
                }
            }
            // With a transparent mask-bg the colour is the image's own: only alpha changes.
            px[3] = out_a.round().clamp(0.0, 255.0) as u8;
        }
    }
    image
}

/// `transparency=grid`: a checkerboard behind transparent pixels; the result is opaque.
pub fn grid(image: Image, (a, b, size): (Color, Color, u32)) -> Image {
    if !image.has_alpha() {
        return image;
    }
    let (w, c) = (image.width, 4usize);
    let mut out = Vec::with_capacity(image.data.len() / 4 * 3);
    for (i, px) in image.data.chunks_exact(c).enumerate() {
        let (x, y) = (i as u32 % w, i as u32 / w);
        let cell = if (x / size + y / size) % 2 == 0 { a } else { b };
        let al = px[3] as u32;
        for (k, g) in [cell.r, cell.g, cell.b].into_iter().enumerate() {
            out.push(((px[k] as u32 * al + g as u32 * (255 - al) + 127) / 255) as u8);
        }
    }
    Image::new(image.width, image.height, 3, out)
}

/// Blends transparent pixels onto `bg`, and onto white when the output cannot carry alpha.
pub fn flatten(image: Image, finish: Finish) -> Image {
    if !image.has_alpha() {
        return image;
    }
    let bg = match (finish.background, finish.keep_alpha) {
        (Some(bg), _) => bg,
        (None, false) => Color::WHITE,
        (None, true) => return image,
    };
    let mut out = Vec::with_capacity(image.data.len());
    for px in image.data.chunks_exact(4) {
        let (a, ba) = (px[3] as u32, bg.a as u32);
        // "src over bg" with straight alpha, in 0–255 fixed point.
        let out_a = a + ba * (255 - a) / 255;
        for (i, b) in [bg.r, bg.g, bg.b].into_iter().enumerate() {
            let v = if out_a == 0 { 0 } else { (px[i] as u32 * a + b as u32 * ba * (255 - a) / 255) / out_a };
            out.push(v.min(255) as u8);
        }
        out.push(out_a as u8);
    }
    let image = Image::new(image.width, image.height, 4, out);
    if finish.keep_alpha && !(bg.is_opaque()) {
        image
    } else {
        with_channels(image, 3)
    }
}

/// Adds an opaque alpha channel or drops the alpha channel.
pub fn with_channels(image: Image, channels: u8) -> Image {
    if image.channels == channels {
        return image;
    }
    let data: Vec<u8> = if channels == 4 {
        image.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect()
    } else {
        image.data.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect()
    };
    Image::new(image.width, image.height, channels, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The border as it was drawn before: coverage computed for every pixel.
    fn draw_border_everywhere(canvas: &mut Image, frame: &Frame) {
        let b = frame.border;
        let (w, h) = (canvas.width, canvas.height);
        let c = canvas.channels as usize;
        let inner = (b[3], b[0], w.saturating_sub(b[1] + b[3]), h.saturating_sub(b[0] + b[2]));
        let color = frame.border_color.rgba();
        for y in 0..h {
            for x in 0..w {
                let inside = x >= inner.0 && y >= inner.1 && x < inner.0 + inner.2 && y < inner.1 + inner.3;
                let ring = if inside {
                    1.0 - shape::rounded_rect(x - inner.0, y - inner.1, inner.2, inner.3, frame.radius_inner)
                } else if b != [0; 4] {
                    1.0
                } else {
                    0.0
                };
                let i = (y * w + x) as usize * c;
                if ring > 0.0 {
                    for k in 0..c {
                        canvas.data[i + k] =
                            (canvas.data[i + k] as f32 * (1.0 - ring) + color[k] as f32 * ring).round() as u8;
                    }
                }
                if frame.radius != [0; 4] && c == 4 {
                    let keep = shape::rounded_rect(x, y, w, h, frame.radius);
                    canvas.data[i + 3] = (canvas.data[i + 3] as f32 * keep).round() as u8;
                }
            }
        }
    }

    #[test]
    fn corner_only_border_matches_the_per_pixel_one() {
        let green = Color::parse("8000ff00").unwrap();
        for (size, border, radius, radius_inner) in [
            ((60, 40), [5, 5, 5, 5], [12, 0, 30, 3], [7, 7, 0, 20]),
            ((31, 17), [0, 0, 0, 0], [40, 40, 40, 40], [0; 4]),
            ((31, 17), [3, 9, 0, 2], [0; 4], [100, 1, 2, 3]),
            ((9, 9), [4, 4, 4, 4], [5, 5, 5, 5], [5, 5, 5, 5]),
        ] {
            let frame = Frame { border, border_color: green, radius, radius_inner, ..Frame::default() };
            let mut s = 5u32;
            let data = (0..size.0 * size.1 * 4)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (s >> 24) as u8
                })
                .collect();
            let img = Image::new(size.0, size.1, 4, data);
            let (mut fast, mut slow) = (img.clone(), img);
            draw_border(&mut fast, &frame);
            draw_border_everywhere(&mut slow, &frame);
            assert!(fast == slow, "{size:?} border {border:?} radius {radius:?} inner {radius_inner:?}");
        }
    }

    #[test]
    fn flatten_onto_white_for_opaque_outputs() {
        let img = Image::new(2, 1, 4, vec![255, 0, 0, 0, 0, 0, 255, 128]);
        let out = flatten(img, Finish { keep_alpha: false, background: None });
        assert_eq!(out.channels, 3);
        assert_eq!(out.data[..3], [255, 255, 255]);
        let blue = &out.data[3..6];
        assert!(blue[0].abs_diff(127) <= 1 && blue[2] == 255, "{blue:?}");
    }

    #[test]
    fn flatten_keeps_alpha_without_bg() {
        let img = Image::new(1, 1, 4, vec![1, 2, 3, 4]);
        assert_eq!(flatten(img.clone(), Finish { keep_alpha: true, background: None }), img);
        let red = Color::parse("f00").unwrap();
        let out = flatten(img, Finish { keep_alpha: true, background: Some(red) });
        assert_eq!(out.channels, 3);
        assert!(out.data[0] >= 250);
    }

    #[test]
    fn a_feathered_mask_ramps_inward_from_its_edge() {
        use crate::plan::{Mask, MaskShape};
        let img = Image::filled(200, 100, 3, [50, 100, 150, 255]);
        let m = Mask { shape: MaskShape::Corners(Some([0; 4])), background: Color::TRANSPARENT_WHITE, feather: None };
        // Square corners, 20 px of feather: alpha climbs from the edge to full 20 px in.
        let out = mask(img.clone(), &m, None, 20.0);
        let a = |x: u32, y: u32| out.pixel(x, y)[3];
        // (The first pixel's centre is half a pixel in: 1/20 of the way.)
        let (edge, mid, full) = (a(0, 50), a(9, 50), a(19, 50));
        assert!(edge.abs_diff(13) <= 1 && mid.abs_diff(128) <= 1 && full == 255, "{edge} {mid} {full}");
        assert!(a(100, 0).abs_diff(13) <= 1 && a(100, 99).abs_diff(13) <= 1 && a(100, 50) == 255);
        assert_eq!(&out.pixel(100, 50)[..3], &[50, 100, 150]);
        // Without a feather, the edge keeps its one pixel of anti-aliasing: square corners are whole.
        let hard = mask(img.clone(), &m, None, 0.0);
        assert!(hard.data.chunks_exact(4).all(|p| p[3] == 255));
        // An ellipse feathers inward too: solid at the centre, half-way near the rim.
        let e = mask(img, &Mask { shape: MaskShape::Ellipse, ..m }, None, 20.0);
        assert_eq!(e.pixel(100, 50)[3], 255);
        assert!(e.pixel(100, 5)[3].abs_diff(70) <= 20, "{}", e.pixel(100, 5)[3]);
    }
}
