//! EXIF orientations and flips as pixel permutations.

use crate::image::Image;
use crate::params::Flip;

/// Turns a stored image upright for EXIF orientation 1–8.
pub fn apply(image: Image, orientation: u8) -> Image {
    if orientation <= 1 || orientation > 8 {
        return image;
    }
    let (w, h) = (image.width as usize, image.height as usize);
    let (ow, oh) = if orientation >= 5 { (h, w) } else { (w, h) };
    // Source pixel for each output pixel (x, y).
    let src = |x: usize, y: usize| -> (usize, usize) {
        match orientation {
            2 => (w - 1 - x, y),
            3 => (w - 1 - x, h - 1 - y),
            4 => (x, h - 1 - y),
            5 => (y, x),
            6 => (y, h - 1 - x),
            7 => (w - 1 - y, h - 1 - x),
            _ => (w - 1 - y, x),
        }
    };
    let c = image.channels as usize;
    let mut out = vec![0u8; image.data.len()];
    for y in 0..oh {
        let row = &mut out[y * ow * c..(y + 1) * ow * c];
        for (x, px) in row.chunks_exact_mut(c).enumerate() {
            let (sx, sy) = src(x, y);
            let i = (sy * w + sx) * c;
            px.copy_from_slice(&image.data[i..i + c]);
        }
    }
    Image::new(ow as u32, oh as u32, image.channels, out)
}

/// Orientation that maps a region given in upright coordinates back to stored coordinates.
/// Returns the stored rectangle (x, y, w, h) for an upright one, for stored size (sw, sh).
pub fn unorient_rect(
    orientation: u8,
    (x, y, w, h): (f64, f64, f64, f64),
    (sw, sh): (f64, f64),
) -> (f64, f64, f64, f64) {
    match orientation {
        2 => (sw - x - w, y, w, h),
        3 => (sw - x - w, sh - y - h, w, h),
        4 => (x, sh - y - h, w, h),
        5 => (y, x, h, w),
        6 => (y, sh - x - w, h, w),
        7 => (sw - y - h, sh - x - w, h, w),
        8 => (sw - y - h, x, h, w),
        _ => (x, y, w, h),
    }
}

/// The upright rectangle for a stored one: the inverse of `unorient_rect`.
pub fn orient_rect(orientation: u8, rect: (f64, f64, f64, f64), (sw, sh): (f64, f64)) -> (f64, f64, f64, f64) {
    let upright = if orientation >= 5 { (sh, sw) } else { (sw, sh) };
    let inverse = match orientation {
        6 => 8,
        8 => 6,
        o => o,
    };
    unorient_rect(inverse, rect, upright)
}

pub fn flip(image: Image, flip: Flip) -> Image {
    match (flip.h, flip.v) {
        (false, false) => image,
        (true, false) => apply(image, 2),
        (false, true) => apply(image, 4),
        (true, true) => apply(image, 3),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 3x2 image whose pixels are numbered 0..6 in their single channel-triple.
    fn numbered() -> Image {
        Image::new(3, 2, 3, (0..6u8).flat_map(|i| [i, i, i]).collect())
    }

    fn firsts(img: &Image) -> Vec<u8> {
        img.data.chunks(3).map(|p| p[0]).collect()
    }

    #[test]
    fn all_eight_orientations() {
        // Stored:  0 1 2
        //          3 4 5
        let rows: [(u8, (u32, u32), [u8; 6]); 8] = [
            (1, (3, 2), [0, 1, 2, 3, 4, 5]),
            (2, (3, 2), [2, 1, 0, 5, 4, 3]),
            (3, (3, 2), [5, 4, 3, 2, 1, 0]),
            (4, (3, 2), [3, 4, 5, 0, 1, 2]),
            (5, (2, 3), [0, 3, 1, 4, 2, 5]),
            (6, (2, 3), [3, 0, 4, 1, 5, 2]),
            (7, (2, 3), [5, 2, 4, 1, 3, 0]),
            (8, (2, 3), [2, 5, 1, 4, 0, 3]),
        ];
        for (o, dims, want) in rows {
            let out = apply(numbered(), o);
            assert_eq!((out.width, out.height), dims, "orientation {o}");
            assert_eq!(firsts(&out), want, "orientation {o}");
        }
    }

    #[test]
    fn orient_rect_inverts_unorient_rect() {
        for o in 1..=8u8 {
            let stored = (40.0, 30.0);
            let upright = if o >= 5 { (30.0, 40.0) } else { (40.0, 30.0) };
            let r = (3.0, 5.0, 7.0, 11.0);
            assert_eq!(orient_rect(o, unorient_rect(o, r, stored), stored), r, "orientation {o}");
            let _ = upright;
        }
    }

    #[test]
    fn unorient_rect_inverts_apply() {
        // The upright pixel at (ux, uy) must come from the stored pixel the rect maps to.
        let stored = numbered();
        for o in 1..=8u8 {
            let upright = apply(stored.clone(), o);
            for uy in 0..upright.height {
                for ux in 0..upright.width {
                    let (sx, sy, _, _) = unorient_rect(o, (ux as f64, uy as f64, 1.0, 1.0), (3.0, 2.0));
                    assert_eq!(upright.pixel(ux, uy), stored.pixel(sx as u32, sy as u32), "o={o} ({ux},{uy})");
                }
            }
        }
    }
}
