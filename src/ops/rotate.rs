//! `rot`: rotation within the frame. `straighten` zooms so the frame stays covered; `pivot`
//! shrinks so the whole image stays visible, over transparency.

use crate::image::Image;

/// Rotates clockwise by `degrees` about the centre, keeping the image's size.
pub fn rotate(image: Image, degrees: f64, pivot: bool) -> Image {
    let (w, h) = (image.width as f64, image.height as f64);
    let t = degrees.to_radians();
    let (sin, cos) = (t.sin().abs(), t.cos().abs());
    // Scale of the source on the output: cover the frame, or fit the rotated box inside it.
    let cover = ((w * cos + h * sin) / w).max((w * sin + h * cos) / h);
    let fit = (w / (w * cos + h * sin)).min(h / (w * sin + h * cos));
    let scale = if pivot { fit } else { cover };
    let (s, c) = (t.sin(), t.cos());
    let opaque = !image.has_alpha();
    let src = if opaque { crate::pipeline::with_alpha(image) } else { image };
    let mut out = vec![0u8; src.data.len()];
    let (cx, cy) = (w / 2.0, h / 2.0);
    for y in 0..src.height {
        for x in 0..src.width {
            // Inverse mapping: output pixel → source position (rotate back, unscale).
            let (dx, dy) = ((x as f64 + 0.5 - cx) / scale, (y as f64 + 0.5 - cy) / scale);
            let sx = dx * c + dy * s + cx - 0.5;
            let sy = -dx * s + dy * c + cy - 0.5;
            let i = ((y * src.width + x) * 4) as usize;
            // Straighten covers the frame, so edge pixels sample the edge rather than the outside.
            let (sx, sy) = if pivot { (sx, sy) } else { (sx.clamp(0.0, w - 1.0), sy.clamp(0.0, h - 1.0)) };
            out[i..i + 4].copy_from_slice(&bilinear(&src, sx, sy));
        }
    }
    let out = Image::new(src.width, src.height, 4, out);
    // A straightened opaque image stays opaque: no alpha channel to carry.
    if opaque && !pivot {
        crate::pipeline::with_channels(out, 3)
    } else {
        out
    }
}

/// Bilinear sample of an RGBA image; outside it is transparent.
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
        let a = p[3] as f64 * wgt;
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
    fn quarter_turn_is_clockwise() {
        // A 2x2 image keeps its size; 90 degrees clockwise moves top-left to top-right.
        let img = Image::new(2, 2, 3, vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 9, 9, 9]);
        let out = rotate(img, 90.0, false);
        assert_eq!(&out.pixel(1, 0)[..3], &[255, 0, 0]);
        assert_eq!(&out.pixel(0, 0)[..3], &[0, 0, 255]);
        assert_eq!(out.channels, 3);
    }
}
