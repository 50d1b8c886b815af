//! Stylisation: sepia, monochrome tint, duotone, pixelate, halftone.

use super::adjust::luma;
use crate::image::Image;
use crate::params::Color;

fn each_rgb(image: &mut Image, f: impl Fn([f32; 3]) -> [f32; 3]) {
    // One loop per channel count, so the compiler sees fixed-size pixels.
    fn run<const C: usize>(data: &mut [u8], f: impl Fn([f32; 3]) -> [f32; 3]) {
        for px in data.chunks_exact_mut(C) {
            let out = f([0, 1, 2].map(|k| px[k] as i32 as f32));
            for (v, o) in px[..3].iter_mut().zip(out) {
                *v = super::blur::to_u8(o);
            }
        }
    }
    match image.channels {
        3 => run::<3>(&mut image.data, f),
        _ => run::<4>(&mut image.data, f),
    }
}

fn mix(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]
}

/// The classic sepia matrix, blended with the original by `amount` (0–1).
pub fn sepia(image: &mut Image, amount: f32) {
    if amount <= 0.0 {
        return;
    }
    each_rgb(image, |[r, g, b]| {
        let s =
            [0.393 * r + 0.769 * g + 0.189 * b, 0.349 * r + 0.686 * g + 0.168 * b, 0.272 * r + 0.534 * g + 0.131 * b];
        mix([r, g, b], s, amount)
    });
}

/// Greyscale tinted by `tint`; the tint's alpha is the strength (imgix's ARGB notation).
pub fn monochrome(image: &mut Image, tint: Color) {
    let strength = tint.a as f32 / 255.0;
    let t = [tint.r as f32 / 255.0, tint.g as f32 / 255.0, tint.b as f32 / 255.0];
    each_rgb(image, |[r, g, b]| {
        let l = luma(r, g, b);
        mix([r, g, b], [l * t[0], l * t[1], l * t[2]], strength)
    });
}

/// Greyscale mapped from `dark` (shadows) to `light` (highlights), blended by `alpha` (0–1).
pub fn duotone(image: &mut Image, dark: Color, light: Color, alpha: f32) {
    let (d, l) = ([dark.r as f32, dark.g as f32, dark.b as f32], [light.r as f32, light.g as f32, light.b as f32]);
    each_rgb(image, |[r, g, b]| mix([r, g, b], mix(d, l, luma(r, g, b) / 255.0), alpha));
}

/// Square blocks of `size` pixels, each the average of what it covers.
pub fn pixelate(image: &mut Image, size: u32) {
    let (w, h, c) = (image.width as usize, image.height as usize, image.channels as usize);
    let s = size as usize;
    for by in (0..h).step_by(s) {
        for bx in (0..w).step_by(s) {
            let (x1, y1) = ((bx + s).min(w), (by + s).min(h));
            let mut sum = [0u32; 4];
            for y in by..y1 {
                for px in image.data[(y * w + bx) * c..(y * w + x1) * c].chunks_exact(c) {
                    for k in 0..c {
                        sum[k] += px[k] as u32;
                    }
                }
            }
            let n = ((x1 - bx) * (y1 - by)) as u32;
            let avg: Vec<u8> = sum[..c].iter().map(|v| ((v + n / 2) / n) as u8).collect();
            for y in by..y1 {
                for px in image.data[(y * w + bx) * c..(y * w + x1) * c].chunks_exact_mut(c) {
                    px.copy_from_slice(&avg);
                }
            }
        }
    }
}

/// Black dots on white whose area follows the darkness of each `size`-pixel cell.
pub fn halftone(image: &mut Image, size: f32) {
    let cell = size.max(2.0) as usize;
    let (w, h, c) = (image.width as usize, image.height as usize, image.channels as usize);
    for by in (0..h).step_by(cell) {
        for bx in (0..w).step_by(cell) {
            let (x1, y1) = ((bx + cell).min(w), (by + cell).min(h));
            let mut sum = 0.0;
            for y in by..y1 {
                for px in image.data[(y * w + bx) * c..(y * w + x1) * c].chunks_exact(c) {
                    sum += luma(px[0] as f32, px[1] as f32, px[2] as f32);
                }
            }
            let darkness = 1.0 - sum / ((x1 - bx) * (y1 - by)) as f32 / 255.0;
            // A dot of area darkness × cell², so the cell's average grey is kept.
            let radius = (darkness * (cell * cell) as f32 / std::f32::consts::PI).sqrt();
            let (cx, cy) = (bx as f32 + cell as f32 / 2.0, by as f32 + cell as f32 / 2.0);
            for y in by..y1 {
                for x in bx..x1 {
                    let d = ((x as f32 + 0.5 - cx).powi(2) + (y as f32 + 0.5 - cy).powi(2)).sqrt();
                    // One pixel of anti-aliasing at the dot's edge.
                    let ink = (radius - d + 0.5).clamp(0.0, 1.0);
                    let v = (255.0 * (1.0 - ink)).round() as u8;
                    let i = (y * w + x) * c;
                    image.data[i..i + 3].copy_from_slice(&[v, v, v]);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sepia_of_white_is_the_matrix_row_sums() {
        let mut img = Image::new(1, 1, 3, vec![255, 255, 255]);
        sepia(&mut img, 1.0);
        assert_eq!(img.data, vec![255, 255, 239]);
    }

    #[test]
    fn duotone_maps_black_and_white_to_the_two_colours() {
        let mut img = Image::new(2, 1, 3, vec![0, 0, 0, 255, 255, 255]);
        duotone(&mut img, Color::parse("f00").unwrap(), Color::parse("00f").unwrap(), 1.0);
        assert_eq!(img.data, vec![255, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn monochrome_alpha_is_strength() {
        let mut img = Image::new(1, 1, 3, vec![255, 255, 255]);
        monochrome(&mut img, Color::parse("80ff0000").unwrap());
        assert_eq!(img.data[0], 255);
        assert!(img.data[1].abs_diff(127) <= 1);
    }

    #[test]
    fn pixelate_averages_blocks() {
        let mut img = Image::new(2, 1, 3, vec![0, 0, 0, 200, 100, 50]);
        pixelate(&mut img, 2);
        assert_eq!(img.data, vec![100, 50, 25, 100, 50, 25]);
    }

    #[test]
    fn halftone_keeps_average_grey() {
        let mut img = Image::filled(40, 40, 3, [128, 128, 128, 255]);
        halftone(&mut img, 8.0);
        let avg = img.data.iter().map(|&v| v as f32).sum::<f32>() / img.data.len() as f32;
        assert!((avg - 128.0).abs() < 12.0, "{avg}");
        assert!(img.data.iter().any(|&v| v == 0) && img.data.iter().any(|&v| v == 255));
    }
}
