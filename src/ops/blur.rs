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
    let (w, h, c) = (image.width as usize, image.height as usize, image.channels as usize);
    let mut line = Vec::new();
    let mut scratch = Vec::new();
    // Rows, then columns; each line is gathered into f32, blurred, and written back.
    for y in 0..h {
        line.clear();
        line.extend(image.data[y * w * c..(y + 1) * w * c].iter().map(|&v| v as f32));
        for p in &passes {
            p.run(&mut line, &mut scratch, c);
        }
        for (d, s) in image.data[y * w * c..(y + 1) * w * c].iter_mut().zip(&line) {
            *d = s.round().clamp(0.0, 255.0) as u8;
        }
    }
    for x in 0..w {
        line.clear();
        for y in 0..h {
            let i = (y * w + x) * c;
            line.extend(image.data[i..i + c].iter().map(|&v| v as f32));
        }
        for p in &passes {
            p.run(&mut line, &mut scratch, c);
        }
        for y in 0..h {
            let i = (y * w + x) * c;
            for k in 0..c {
                image.data[i + k] = line[y * c + k].round().clamp(0.0, 255.0) as u8;
            }
        }
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
    /// Blurs one interleaved line of `c` channels in place, extending the edge pixels.
    fn run(&self, line: &mut [f32], scratch: &mut Vec<f32>, c: usize) {
        let n = line.len() / c;
        scratch.clear();
        scratch.extend_from_slice(line);
        let at = |i: isize, k: usize, s: &[f32]| s[(i.clamp(0, n as isize - 1) as usize) * c + k];
        match self {
            Pass::Kernel(weights) => {
                let r = (weights.len() / 2) as isize;
                for i in 0..n as isize {
                    for k in 0..c {
                        let mut acc = 0.0;
                        for (j, w) in weights.iter().enumerate() {
                            acc += w * at(i + j as isize - r, k, scratch);
                        }
                        line[i as usize * c + k] = acc;
                    }
                }
            }
            Pass::Box(r) => {
                let r = *r as isize;
                let norm = 1.0 / (2 * r + 1) as f32;
                for k in 0..c {
                    let mut acc: f32 = (-r..=r).map(|j| at(j, k, scratch)).sum();
                    for i in 0..n as isize {
                        line[i as usize * c + k] = acc * norm;
                        acc += at(i + r + 1, k, scratch) - at(i - r, k, scratch);
                    }
                }
            }
        }
    }
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
    let m = ((12.0 * sigma * sigma - n * (wl * wl) as f32 - 4.0 * n * wl as f32 - 3.0 * n) / (-4.0 * wl as f32 - 4.0)).round() as i32;
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
                *v = (*v as f32 + amount * d).round().clamp(0.0, 255.0) as u8;
            }
        } else {
            for k in 0..3 {
                let d = px[k] as f32 - b[k] as f32;
                px[k] = (px[k] as f32 + amount * d).round().clamp(0.0, 255.0) as u8;
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
            px[k] = v.round().clamp(0.0, 255.0) as u8;
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
