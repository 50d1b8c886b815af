//! `fm=blurhash`: the BlurHash string (blurha.sh) of the rendered image. Computed on a box-averaged
//! grid of at most 64x64 cells in linear light: the hash keeps only the lowest frequencies, so
//! the result matches a full-resolution encode to within the hash's own quantization (and is
//! identical to the reference algorithm for images up to 64 px, sampled at x/w like it).

use crate::image::Image;

const GRID: usize = 64;
const BASE83: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

fn base83(mut v: u32, len: usize, out: &mut String) {
    let mut digits = vec![0u8; len];
    for d in digits.iter_mut().rev() {
        *d = BASE83[(v % 83) as usize];
        v /= 83;
    }
    out.push_str(std::str::from_utf8(&digits).unwrap_or_default());
}

fn to_linear(c: u8) -> f64 {
    let v = f64::from(c) / 255.0;
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

fn to_srgb(v: f64) -> u32 {
    let v = v.clamp(0.0, 1.0);
    let s = if v <= 0.003_130_8 { v * 12.92 } else { 1.055 * v.powf(1.0 / 2.4) - 0.055 };
    (s * 255.0 + 0.5) as u32
}

/// Components: 4 along the longer side, 3 along the shorter (the reference implementation's
/// usual choice).
pub fn encode(image: &Image) -> String {
    let (cx, cy) = if image.width >= image.height { (4, 3) } else { (3, 4) };
    encode_with(image, cx, cy)
}

pub fn encode_with(image: &Image, cx: usize, cy: usize) -> String {
    let (w, h) = (image.width as usize, image.height as usize);
    let (gw, gh) = (w.min(GRID), h.min(GRID));
    let lut: Vec<f64> = (0..=255).map(to_linear).collect();
    // Box-average into the grid, in linear light.
    let mut grid = vec![[0.0f64; 3]; gw * gh];
    let mut counts = vec![0u32; gw * gh];
    let c = image.channels as usize;
    for y in 0..h {
        let gy = y * gh / h;
        for x in 0..w {
            let g = gy * gw + x * gw / w;
            let p = &image.data[(y * w + x) * c..];
            for k in 0..3 {
                grid[g][k] += lut[p[k] as usize];
            }
            counts[g] += 1;
        }
    }
    for (cell, &n) in grid.iter_mut().zip(&counts) {
        for v in cell.iter_mut() {
            *v /= f64::from(n.max(1));
        }
    }
    let mut factors = Vec::with_capacity(cx * cy);
    for j in 0..cy {
        for i in 0..cx {
            let norm = if i == 0 && j == 0 { 1.0 } else { 2.0 };
            let mut f = [0.0; 3];
            for y in 0..gh {
                let by = (std::f64::consts::PI * j as f64 * y as f64 / gh as f64).cos();
                for x in 0..gw {
                    let basis = by * (std::f64::consts::PI * i as f64 * x as f64 / gw as f64).cos();
                    for k in 0..3 {
                        f[k] += basis * grid[y * gw + x][k];
                    }
                }
            }
            factors.push(f.map(|v| v * norm / (gw * gh) as f64));
        }
    }
    let mut out = String::with_capacity(6 + 2 * factors.len());
    base83(((cx - 1) + (cy - 1) * 9) as u32, 1, &mut out);
    let ac = &factors[1..];
    let max_ac = ac.iter().flat_map(|f| f.iter()).fold(0.0f64, |m, v| m.max(v.abs()));
    let max_value = if ac.is_empty() {
        base83(0, 1, &mut out);
        1.0
    } else {
        let q = ((max_ac * 166.0 - 0.5).floor()).clamp(0.0, 82.0) as u32;
        base83(q, 1, &mut out);
        (f64::from(q) + 1.0) / 166.0
    };
    let dc = factors[0];
    base83((to_srgb(dc[0]) << 16) | (to_srgb(dc[1]) << 8) | to_srgb(dc[2]), 4, &mut out);
    for f in ac {
        let q = |v: f64| {
            let s = (v / max_value).signum() * (v / max_value).abs().sqrt();
            (s * 9.0 + 9.5).floor().clamp(0.0, 18.0) as u32
        };
        base83(q(f[0]) * 19 * 19 + q(f[1]) * 19 + q(f[2]), 2, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values from the reference algorithm (Python `blurhash` 1.1.4, MIT) on the same
    /// pixels; up to 64 px the grid is the image, so the hashes must be identical.
    #[test]
    fn matches_the_reference_implementation() {
        let flat = Image::filled(32, 24, 3, [255, 0, 0, 255]);
        assert_eq!(encode(&flat), "LDTI:j]9fQ]9|co1fQo1fQfQfQfQ");
        let (w, h) = (40u32, 20u32);
        let data = (0..w * h).flat_map(|i| [(i % w * 255 / w) as u8, 64, 128]).collect();
        assert_eq!(encode(&Image::new(w, h, 3, data)), "LyG~SQ2ZwxW=spWpjta|fQfQfQfQ");
    }

    #[test]
    fn gradient_matches_the_reference_shape() {
        let (w, h) = (200u32, 100u32);
        let data = (0..w * h).flat_map(|i| [(i % w * 255 / w) as u8, 64, 128]).collect();
        let hash = encode(&Image::new(w, h, 3, data));
        assert_eq!(hash.len(), 28);
        assert!(hash.bytes().all(|b| BASE83.contains(&b)));
        // The horizontal gradient's energy is in the first AC component (i=1, j=0).
        assert_ne!(&hash[6..8], "fQ");
    }
}
