//! `rot`: rotation within the frame. `straighten` zooms so the frame stays covered; `pivot`
//! shrinks so the whole image stays visible, over transparency.

use crate::image::Image;

/// Scale of the source on the output for a turn of `t` radians: cover the frame (straighten), or
/// fit the rotated box inside it (pivot).
fn scale(w: f64, h: f64, t: f64, pivot: bool) -> f64 {
    let (sin, cos) = (t.sin().abs(), t.cos().abs());
    if pivot {
        (w / (w * cos + h * sin)).min(h / (w * sin + h * cos))
    } else {
        ((w * cos + h * sin) / w).max((w * sin + h * cos) / h)
    }
}

/// Rotates clockwise by `degrees` about the centre, keeping the image's size.
pub fn rotate(image: Image, degrees: f64, pivot: bool) -> Image {
    let (w, h) = (image.width as f64, image.height as f64);
    let t = degrees.to_radians();
    let scale = scale(w, h, t, pivot);
    let (s, c) = (t.sin(), t.cos());
    // A straightened opaque image stays opaque: no alpha channel to carry.
    let channels = if image.has_alpha() || pivot { 4 } else { 3 };
    let stride = image.width as usize * channels;
    let mut out = vec![0u8; stride * image.height as usize];
    let (cx, cy) = (w / 2.0, h / 2.0);
    // Source positions in 32.32 fixed point: one addition per output pixel along a row.
    let fixed = |v: f64| (v * ONE as f64).floor() as i64;
    let (step_x, step_y) = (fixed(c / scale), fixed(-s / scale));
    let (max_x, max_y) = ((image.width as i64 - 1) * ONE, (image.height as i64 - 1) * ONE);
    for (y, row) in out.chunks_exact_mut(stride.max(1)).enumerate() {
        // Inverse mapping: output pixel → source position (rotate back, unscale).
        let (dx, dy) = ((0.5 - cx) / scale, (y as f64 + 0.5 - cy) / scale);
        let (mut sx, mut sy) = (fixed(dx * c + dy * s + cx - 0.5), fixed(-dx * s + dy * c + cy - 0.5));
        for px in row.chunks_exact_mut(channels) {
            // Straighten covers the frame, so edge pixels sample the edge rather than the outside.
            let (x, y) = if pivot { (sx, sy) } else { (sx.clamp(0, max_x), sy.clamp(0, max_y)) };
            let v = sample(&image, x, y);
            px.copy_from_slice(&v[..channels]);
            sx += step_x;
            sy += step_y;
        }
    }
    Image::new(image.width, image.height, channels as u8, out)
}

const ONE: i64 = 1 << 32;

/// Rotates counter-clockwise by `degrees` onto a box grown to hold the whole turned image, with
/// transparent corners (`mark-rot`: the mark is turned, not zoomed).
pub fn rotate_expanded(image: Image, degrees: f64) -> Image {
    let t = (-degrees).to_radians();
    let (s, c) = (t.sin(), t.cos());
    let (w, h) = (image.width as f64, image.height as f64);
    // Less a hair before rounding up, so 90° turns do not gain a pixel from cos(90°) ≈ 6e-17.
    let out_w = (w * c.abs() + h * s.abs() - 1e-6).ceil().max(1.0) as u32;
    let out_h = (w * s.abs() + h * c.abs() - 1e-6).ceil().max(1.0) as u32;
    let mut out = vec![0u8; out_w as usize * out_h as usize * 4];
    let (cx, cy, ox, oy) = (w / 2.0, h / 2.0, out_w as f64 / 2.0, out_h as f64 / 2.0);
    for (y, row) in out.chunks_exact_mut(out_w as usize * 4).enumerate() {
        for (x, px) in row.chunks_exact_mut(4).enumerate() {
            // Inverse mapping: output pixel centre → source position.
            let (dx, dy) = (x as f64 + 0.5 - ox, y as f64 + 0.5 - oy);
            let (sx, sy) = (dx * c + dy * s + cx - 0.5, -dx * s + dy * c + cy - 0.5);
            px.copy_from_slice(&bilinear(&image, sx, sy));
        }
    }
    Image::new(out_w, out_h, 4, out)
}

/// Bilinear sample at a 32.32 fixed-point position. Inside the image with four opaque
/// neighbours (nearly every pixel) it interpolates in integers with 12-bit weights; elsewhere
/// it takes the exact premultiplied path, where the outside is transparent.
#[inline]
fn sample(img: &Image, x: i64, y: i64) -> [u8; 4] {
    let (w, h, c) = (img.width as i64, img.height as i64, img.channels as usize);
    let (x0, y0) = (x >> 32, y >> 32);
    if x0 >= 0 && y0 >= 0 && x0 + 1 < w && y0 + 1 < h {
        let (i, stride) = ((y0 * w + x0) as usize * c, w as usize * c);
        // The 2×2 neighbourhood: one bounds check, then fixed offsets.
        let q = &img.data[i..i + stride + 2 * c];
        if c == 3 || (q[3] & q[c + 3] & q[stride + 3] & q[stride + c + 3]) == 255 {
            let (fx, fy) = (((x >> 20) & 0xFFF) as u32, ((y >> 20) & 0xFFF) as u32);
            let mut out = [255u8; 4];
            for (k, o) in out[..3].iter_mut().enumerate() {
                let top = q[k] as u32 * (4096 - fx) + q[c + k] as u32 * fx;
                let bottom = q[stride + k] as u32 * (4096 - fx) + q[stride + c + k] as u32 * fx;
                *o = ((top * (4096 - fy) + bottom * fy + (1 << 23)) >> 24) as u8;
            }
            return out;
        }
    }
    bilinear(img, x as f64 / ONE as f64, y as f64 / ONE as f64)
}

/// Bilinear sample of an RGB or RGBA image; outside it is transparent.
fn bilinear(img: &Image, x: f64, y: f64) -> [u8; 4] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let mut acc = [0f64; 4];
    for (dx, dy, wgt) in
        [(0, 0, (1.0 - fx) * (1.0 - fy)), (1, 0, fx * (1.0 - fy)), (0, 1, (1.0 - fx) * fy), (1, 1, fx * fy)]
    {
        let (px, py) = (x0 as i64 + dx, y0 as i64 + dy);
        if px < 0 || py < 0 || px >= img.width as i64 || py >= img.height as i64 || wgt == 0.0 {
            continue;
        }
        let p = img.pixel(px as u32, py as u32);
        let a = p.get(3).copied().unwrap_or(255) as f64 * wgt;
        // Premultiplied, so transparent neighbours do not bleed their colour.
        for k in 0..3 {
            acc[k] += p[k] as f64 * a;
        }
        acc[3] += a;
    }
    if acc[3] <= 0.0 {
        return [0; 4];
    }
    [
        (acc[0] / acc[3]).round() as u8,
        (acc[1] / acc[3]).round() as u8,
        (acc[2] / acc[3]).round() as u8,
        acc[3].round().min(255.0) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn straighten_covers_and_pivot_shows_corners() {
        let img = Image::filled(60, 40, 3, [200, 10, 10, 255]);
        let s = rotate(img.clone(), 30.0, false);
        assert_eq!(s.channels, 3, "straighten leaves no empty corners");
        let p = rotate(img, 30.0, true);
        assert_eq!(p.pixel(0, 0)[3], 0, "pivot leaves transparent corners");
        assert_eq!(p.pixel(30, 20), &[200, 10, 10, 255]);
    }

    #[test]
    fn expanded_rotation_grows_the_box_and_turns_counter_clockwise() {
        // A 40x20 bar, red on its right half.
        let mut img = Image::filled(40, 20, 4, [0, 0, 255, 255]);
        for y in 0..20 {
            for x in 20..40 {
                img.data[(y * 40 + x) * 4..][..4].copy_from_slice(&[255, 0, 0, 255]);
            }
        }
        let r = rotate_expanded(img.clone(), 90.0);
        assert_eq!((r.width, r.height), (20, 40));
        // Counter-clockwise: the right half ends up on top.
        assert_eq!(r.pixel(10, 5), &[255, 0, 0, 255]);
        assert_eq!(r.pixel(10, 35), &[0, 0, 255, 255]);
        let d = rotate_expanded(img, 45.0);
        assert_eq!((d.width, d.height), (43, 43));
        assert_eq!(d.pixel(0, 0)[3], 0, "corners are transparent");
        assert_eq!(d.pixel(21, 21)[3], 255);
    }

    /// The rotation as it was: every pixel mapped in f64 and sampled exactly.
    fn rotate_reference(image: &Image, degrees: f64, pivot: bool) -> Vec<[u8; 4]> {
        let (w, h) = (image.width as f64, image.height as f64);
        let t = degrees.to_radians();
        let scale = super::scale(w, h, t, pivot);
        let (s, c) = (t.sin(), t.cos());
        let mut out = vec![];
        for y in 0..image.height {
            for x in 0..image.width {
                let (dx, dy) = ((x as f64 + 0.5 - w / 2.0) / scale, (y as f64 + 0.5 - h / 2.0) / scale);
                let sx = dx * c + dy * s + w / 2.0 - 0.5;
                let sy = -dx * s + dy * c + h / 2.0 - 0.5;
                let (sx, sy) = if pivot { (sx, sy) } else { (sx.clamp(0.0, w - 1.0), sy.clamp(0.0, h - 1.0)) };
                out.push(bilinear(image, sx, sy));
            }
        }
        out
    }

    #[test]
    fn fixed_point_rotation_matches_the_exact_one() {
        let mut s = 99u32;
        let mut noise = |n: u32| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    s = s.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    (s >> 24) as u8
                })
                .collect()
        };
        let rgb = Image::new(53, 31, 3, noise(53 * 31 * 3));
        let mut rgba = Image::new(31, 40, 4, noise(31 * 40 * 4));
        // Mostly opaque (the integer path) with some translucent pixels (the exact path).
        for (i, a) in rgba.data.iter_mut().skip(3).step_by(4).enumerate() {
            *a = if i % 5 == 0 { *a } else { 255 };
        }
        for img in [&rgb, &rgba] {
            for (deg, pivot) in [(10.0, false), (-33.0, false), (10.0, true), (135.0, true), (0.5, false)] {
                let out = rotate(img.clone(), deg, pivot);
                let want = rotate_reference(img, deg, pivot);
                for (i, (p, q)) in out.data.chunks_exact(out.channels as usize).zip(&want).enumerate() {
                    let d = p.iter().zip(q).map(|(a, b)| a.abs_diff(*b)).max().unwrap();
                    assert!(d <= 1, "{}ch {deg}° pivot {pivot} pixel {i}: {p:?} vs {q:?}", img.channels);
                }
            }
        }
    }

    #[test]
    fn quarter_turn_is_clockwise() {
        // A 2x2 image keeps its size; 90 degrees clockwise moves top-left to top-right.
        let img = Image::new(2, 2, 3, vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
        let out = rotate(img, 90.0, false);
        assert_eq!(&out.pixel(1, 0)[..3], &[255, 0, 0]);
        assert_eq!(&out.pixel(0, 0)[..3], &[0, 0, 255]);
        assert_eq!(out.channels, 3);
    }
}
