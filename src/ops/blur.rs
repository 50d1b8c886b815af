//! Gaussian blur (exact kernel for small sigma, three box passes for large ones — constant
//! cost per pixel up to imgix's blur=2000), unsharp masking and noise reduction.

use super::adjust::luma;
use crate::image::Image;

/// Blurs with a Gaussian of `sigma` pixels; alpha is premultiplied so edges do not darken.
pub fn gaussian_blur(mut image: Image, sigma: f32) -> Image {
    if sigma < 0.3 || image.width == 0 || image.height == 0 {
        return image;
    }
    let alpha = image.has_alpha();
    if alpha {
        premultiply(&mut image, true);
    }
    let passes: Vec<Pass> = if sigma < 3.0 { vec![Pass::Kernel(kernel(sigma))] } else { boxes(sigma) };
    for p in &passes {
        horizontal(&mut image, p);
    }
    for p in &passes {
        image = vertical(image, p);
    }
    if alpha {
        premultiply(&mut image, false);
    }
    image
}

enum Pass {
    Kernel(Vec<f32>),
    Box(usize),
}

impl Pass {
    fn radius(&self) -> usize {
        match self {
            Pass::Kernel(w) => w.len() / 2,
            Pass::Box(r) => *r,
        }
    }
}

/// Rounds a non-negative value to a byte; `as` saturates, so no clamp is needed. (`f32::round`
/// is a library call in wasm, many times slower than this.)
#[inline]
pub fn to_u8(v: f32) -> u8 {
    (v + 0.5) as u8
}

/// One pass along every row: each row is copied once into a buffer padded with its edge pixels,
/// so the inner loops need no bounds clamping.
fn horizontal(image: &mut Image, pass: &Pass) {
    let (w, c) = (image.width as usize, image.channels as usize);
    let r = pass.radius();
    let mut padded = vec![0f32; (w + 2 * r + 1) * c];
    for row in image.data.chunks_exact_mut(w * c) {
        for (i, px) in padded.chunks_exact_mut(c).enumerate() {
            let src = i.saturating_sub(r).min(w - 1) * c;
            for k in 0..c {
                px[k] = row[src + k] as f32;
            }
        }
        match pass {
            Pass::Kernel(weights) => {
                for (x, out) in row.chunks_exact_mut(c).enumerate() {
                    for k in 0..c {
                        let mut acc = 0.0;
                        for (j, wt) in weights.iter().enumerate() {
                            acc += wt * padded[(x + j) * c + k];
                        }
                        out[k] = to_u8(acc);
                    }
                }
            }
            Pass::Box(r) => {
                let norm = 1.0 / (2 * r + 1) as f32;
                for k in 0..c {
                    let mut acc: f32 = (0..=2 * r).map(|j| padded[j * c + k]).sum();
                    for x in 0..w {
                        row[x * c + k] = to_u8(acc * norm);
                        acc += padded[(x + 2 * r + 1) * c + k] - padded[x * c + k];
                    }
                }
            }
        }
    }
}

/// One pass down every column, a whole row at a time (cache-friendly, vectorisable).
fn vertical(image: Image, pass: &Pass) -> Image {
    let (w, h, c) = (image.width as usize, image.height as usize, image.channels as usize);
    let stride = w * c;
    let row = |y: isize| {
        let y = y.clamp(0, h as isize - 1) as usize;
        &image.data[y * stride..(y + 1) * stride]
    };
    let mut out = vec![0u8; image.data.len()];
    let mut acc = vec![0f32; stride];
    match pass {
        Pass::Kernel(weights) => {
            let r = (weights.len() / 2) as isize;
            for y in 0..h {
                acc.iter_mut().for_each(|a| *a = 0.0);
                for (j, wt) in weights.iter().enumerate() {
                    for (a, v) in acc.iter_mut().zip(row(y as isize + j as isize - r)) {
                        *a += wt * *v as f32;
                    }
                }
                for (o, a) in out[y * stride..(y + 1) * stride].iter_mut().zip(&acc) {
                    *o = to_u8(*a);
                }
            }
        }
        Pass::Box(r) => {
            let r = *r as isize;
            let norm = 1.0 / (2 * r + 1) as f32;
            for j in -r..=r {
                for (a, v) in acc.iter_mut().zip(row(j)) {
                    *a += *v as f32;
                }
            }
            for y in 0..h as isize {
                for (o, a) in out[y as usize * stride..(y as usize + 1) * stride].iter_mut().zip(&acc) {
                    *o = to_u8(*a * norm);
                }
                let (add, sub) = (row(y + r + 1), row(y - r));
                for ((a, p), m) in acc.iter_mut().zip(add).zip(sub) {
                    *a += *p as f32 - *m as f32;
                }
            }
        }
    }
    Image::new(image.width, image.height, image.channels, out)
}

fn kernel(sigma: f32) -> Vec<f32> {
    let r = (sigma * 3.0).ceil() as i32;
    let mut w: Vec<f32> = (-r..=r).map(|x| (-(x * x) as f32 / (2.0 * sigma * sigma)).exp()).collect();
    let sum: f32 = w.iter().sum();
    w.iter_mut().for_each(|v| *v /= sum);
    w
}

/// Three box widths whose repeated application approximates a Gaussian of `sigma`.
fn boxes(sigma: f32) -> Vec<Pass> {
    let n = 3.0;
    let ideal = (12.0 * sigma * sigma / n + 1.0).sqrt();
    let mut wl = ideal.floor() as i32;
    if wl % 2 == 0 {
        wl -= 1;
    }
    let wu = wl + 2;
    let m = ((12.0 * sigma * sigma - n * (wl * wl) as f32 - 4.0 * n * wl as f32 - 3.0 * n) / (-4.0 * wl as f32 - 4.0))
        .round() as i32;
    (0..3).map(|i| Pass::Box((((if i < m { wl } else { wu }) - 1) / 2).max(0) as usize)).collect()
}

/// Multiplies colour by alpha (`forward`) or divides it back out.
fn premultiply(image: &mut Image, forward: bool) {
    for px in image.data.chunks_exact_mut(4) {
        let a = px[3] as u32;
        for v in &mut px[..3] {
            *v = if forward {
                ((*v as u32 * a + 127) / 255) as u8
            } else if a == 0 {
                0
            } else {
                ((*v as u32 * 255 + a / 2) / a).min(255) as u8
            };
        }
    }
}

/// `out = in + amount × (in − blur(in, sigma))`; on luminance only when `luminance` is set,
/// so sharpening does not shift colours.
pub fn unsharp(image: Image, sigma: f32, amount: f32, luminance: bool) -> Image {
    let blurred = gaussian_blur(image.clone(), sigma);
    let mut out = image;
    let c = out.channels as usize;
    for (px, b) in out.data.chunks_exact_mut(c).zip(blurred.data.chunks_exact(c)) {
        if luminance {
            let d = luma(px[0] as f32, px[1] as f32, px[2] as f32) - luma(b[0] as f32, b[1] as f32, b[2] as f32);
            for v in &mut px[..3] {
                *v = to_u8((*v as f32 + amount * d).max(0.0));
            }
        } else {
            for k in 0..3 {
                let d = px[k] as f32 - b[k] as f32;
                px[k] = to_u8((px[k] as f32 + amount * d).max(0.0));
            }
        }
    }
    out
}

/// imgix `nr`/`nrs`: detail below the threshold (`nr`, as a share of ~32 levels) is smoothed,
/// detail above it is sharpened by `nrs` percent.
pub fn noise_reduction(image: Image, nr: f32, nrs: f32) -> Image {
    let blurred = gaussian_blur(image.clone(), 1.5);
    let threshold = nr.max(0.0) / 100.0 * 32.0;
    let amount = nrs / 100.0;
    let mut out = image;
    let c = out.channels as usize;
    for (px, b) in out.data.chunks_exact_mut(c).zip(blurred.data.chunks_exact(c)) {
        for k in 0..3 {
            let d = px[k] as f32 - b[k] as f32;
            let v = if d.abs() < threshold { b[k] as f32 } else { px[k] as f32 + amount * d };
            px[k] = to_u8(v.max(0.0));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_images_stay_flat_and_sums_are_kept() {
        let img = Image::filled(40, 30, 3, [100, 150, 200, 255]);
        for sigma in [0.5, 2.0, 8.0, 200.0] {
            assert_eq!(gaussian_blur(img.clone(), sigma), img, "sigma {sigma}");
        }
        // A single bright pixel spreads but keeps (almost) its energy.
        let mut dot = Image::filled(41, 41, 3, [0, 0, 0, 255]);
        let i = (20 * 41 + 20) * 3;
        dot.data[i..i + 3].copy_from_slice(&[255, 255, 255]);
        let out = gaussian_blur(dot, 1.0);
        let sum: u32 = out.data.iter().step_by(3).map(|&v| v as u32).sum();
        assert!((230..=280).contains(&sum), "{sum}");
        assert!(out.pixel(20, 20)[0] < 60 && out.pixel(21, 20)[0] > 0);
    }

    #[test]
    fn box_widths_match_sigma() {
        // The variance of three boxes of radius r is 3 × r(r+1)/3 = r(r+1).
        for sigma in [3.0f32, 10.0, 100.0] {
            let var: f32 = boxes(sigma)
                .iter()
                .map(|p| match p {
                    Pass::Box(r) => ((2 * r + 1).pow(2) - 1) as f32 / 12.0,
                    _ => 0.0,
                })
                .sum();
            assert!((var.sqrt() - sigma).abs() / sigma < 0.1, "sigma {sigma}: {}", var.sqrt());
        }
    }

    #[test]
    fn unsharp_raises_edge_contrast() {
        let mut img = Image::filled(20, 1, 3, [100, 100, 100, 255]);
        for x in 10..20 {
            img.data[x * 3..x * 3 + 3].copy_from_slice(&[150, 150, 150]);
        }
        let out = unsharp(img, 1.0, 1.0, false);
        assert!(out.pixel(9, 0)[0] < 100 && out.pixel(10, 0)[0] > 150);
    }
}
