//! Hiding parts of an image (`face-blur`, `face-pixel`) and marking a point (`fp-debug`).

use super::blur::gaussian_blur;
use crate::image::Image;

/// A box of the image, in pixels: x, y, width, height.
pub type Area = (u32, u32, u32, u32);

/// Blurs each area with a Gaussian whose sigma grows with `amount` (1–100) and the area's
/// size: at 100 it is a quarter of the area's shorter side, enough that no feature is left.
pub fn blur_areas(image: &mut Image, areas: &[Area], amount: f32) {
    for &area in areas {
        let (x, y, w, h) = clip(image, area);
        if w < 2 || h < 2 {
            continue;
        }
        let sigma = (w.min(h) as f32 * 0.25 * amount.clamp(0.0, 100.0) / 100.0).max(0.5);
        // Blur a margin around the area too, so its edge is not smeared with the outside.
        let m = (sigma * 3.0).ceil() as u32;
        let outer = clip(image, (x.saturating_sub(m), y.saturating_sub(m), w + 2 * m, h + 2 * m));
        let blurred = gaussian_blur(image.crop(outer.0, outer.1, outer.2, outer.3), sigma);
        paste(image, &blurred, (outer.0, outer.1), (x - outer.0, y - outer.1, w, h));
    }
}

/// Pixelates each area into square cells of one colour (the cell's mean); the cell side grows
/// with `amount` (1–100), up to half the area's shorter side at 100.
pub fn pixelate_areas(image: &mut Image, areas: &[Area], amount: f32) {
    let c = image.channels as usize;
    for &area in areas {
        let (x0, y0, w, h) = clip(image, area);
        let cell = ((w.min(h) as f32 * 0.5 * amount.clamp(0.0, 100.0) / 100.0).round() as u32).max(2);
        for cy in (y0..y0 + h).step_by(cell as usize) {
            for cx in (x0..x0 + w).step_by(cell as usize) {
                let (cw, ch) = (cell.min(x0 + w - cx), cell.min(y0 + h - cy));
                let mut sum = [0u64; 4];
                for y in cy..cy + ch {
                    let row = &image.data[(y as usize * image.width as usize + cx as usize) * c..][..cw as usize * c];
                    for p in row.chunks_exact(c) {
                        for k in 0..c {
                            sum[k] += u64::from(p[k]);
                        }
                    }
                }
                let n = u64::from(cw) * u64::from(ch);
                let mean: Vec<u8> = sum[..c].iter().map(|s| ((s + n / 2) / n) as u8).collect();
                for y in cy..cy + ch {
                    let row =
                        &mut image.data[(y as usize * image.width as usize + cx as usize) * c..][..cw as usize * c];
                    for p in row.chunks_exact_mut(c) {
                        p.copy_from_slice(&mean);
                    }
                }
            }
        }
    }
}

/// `fp-debug`: crosshairs through (`x`, `y`) across the whole image and a ring around it, drawn
/// in `rgba` with a dark outline so they show on any picture. Line width scales with the image.
pub fn crosshair(image: &mut Image, x: u32, y: u32, rgba: [u8; 4]) {
    let (w, h) = (image.width, image.height);
    if w == 0 || h == 0 {
        return;
    }
    let (x, y) = (x.min(w - 1), y.min(h - 1));
    let t = (w.min(h) / 200).max(1) as i64;
    let r = (w.min(h) as f64 / 12.0).max(4.0);
    let c = image.channels as usize;
    let mut set = |px: i64, py: i64, colour: [u8; 4]| {
        if px >= 0 && py >= 0 && px < i64::from(w) && py < i64::from(h) {
            let i = (py as usize * w as usize + px as usize) * c;
            image.data[i..i + c].copy_from_slice(&colour[..c]);
        }
    };
    let dark = [0, 0, 0, 255];
    let (x, y) = (i64::from(x), i64::from(y));
    // A dark, wider line first, then the colour inside it.
    for (colour, grow) in [(dark, t), (rgba, 0)] {
        let half = t / 2 + grow;
        for d in -half..=half {
            for px in 0..i64::from(w) {
                set(px, y + d, colour);
            }
            for py in 0..i64::from(h) {
                set(x + d, py, colour);
            }
        }
        // The ring: pixels whose distance from the point is within the line width of r.
        let reach = r.ceil() as i64 + half + 1;
        for py in y - reach..=y + reach {
            for px in x - reach..=x + reach {
                let d = (((px - x).pow(2) + (py - y).pow(2)) as f64).sqrt();
                if (d - r).abs() <= half as f64 + 0.5 {
                    set(px, py, colour);
                }
            }
        }
    }
}

fn clip(image: &Image, (x, y, w, h): Area) -> Area {
    let x = x.min(image.width);
    let y = y.min(image.height);
    (x, y, w.min(image.width - x), h.min(image.height - y))
}

/// Copies the `part` (x, y, w, h inside `piece`) of `piece`, which sits at `at` in `image`.
fn paste(image: &mut Image, piece: &Image, at: (u32, u32), (px, py, w, h): Area) {
    let c = image.channels as usize;
    for row in 0..h {
        let src = &piece.data[((py + row) as usize * piece.width as usize + px as usize) * c..][..w as usize * c];
        let (dx, dy) = (at.0 + px, at.1 + py + row);
        let start = (dy as usize * image.width as usize + dx as usize) * c;
        image.data[start..start + w as usize * c].copy_from_slice(src);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A busy test card: every pixel differs from its neighbours.
    fn card(w: u32, h: u32) -> Image {
        let data =
            (0..w * h).flat_map(|i| [(i * 37 % 251) as u8, (i * 91 % 241) as u8, (i * 13 % 239) as u8]).collect();
        Image::new(w, h, 3, data)
    }

    fn variance(img: &Image, (x, y, w, h): Area) -> f64 {
        let vals: Vec<f64> = (y..y + h)
            .flat_map(|py| (x..x + w).map(move |px| (px, py)))
            .map(|(px, py)| img.pixel(px, py)[0] as f64)
            .collect();
        let mean = vals.iter().sum::<f64>() / vals.len() as f64;
        vals.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / vals.len() as f64
    }

    #[test]
    fn blur_changes_only_the_areas_and_smooths_them() {
        let before = card(120, 80);
        let mut img = before.clone();
        let area = (40, 20, 40, 40);
        blur_areas(&mut img, &[area], 100.0);
        assert!(variance(&img, area) < variance(&before, area) / 20.0);
        for (x, y) in [(0, 0), (39, 20), (80, 20), (60, 19), (60, 60), (119, 79)] {
            assert_eq!(img.pixel(x, y), before.pixel(x, y), "({x},{y}) outside the area changed");
        }
        // A gentle amount blurs less.
        let mut light = before.clone();
        blur_areas(&mut light, &[area], 10.0);
        assert!(variance(&light, area) > variance(&img, area));
    }

    #[test]
    fn pixelation_makes_uniform_cells() {
        let before = card(100, 100);
        let mut img = before.clone();
        pixelate_areas(&mut img, &[(10, 10, 40, 40)], 50.0);
        // Cells of 10 px: each is one colour, the mean of what was there.
        let cell = img.pixel(10, 10).to_vec();
        assert!((10..20).all(|y| (10..20).all(|x| img.pixel(x, y) == cell.as_slice())));
        let mean = (10..20)
            .flat_map(|y| (10..20).map(move |x| (x, y)))
            .map(|(x, y)| before.pixel(x, y)[0] as f64)
            .sum::<f64>()
            / 100.0;
        assert!((cell[0] as f64 - mean).abs() <= 1.0);
        assert_ne!(img.pixel(20, 10), cell.as_slice());
        assert_eq!(img.pixel(50, 50), before.pixel(50, 50));
        assert_eq!(img.pixel(9, 9), before.pixel(9, 9));
    }

    #[test]
    fn crosshair_marks_the_point() {
        let mut img = Image::filled(400, 300, 3, [128, 128, 128, 255]);
        crosshair(&mut img, 100, 200, [255, 0, 0, 255]);
        assert_eq!(img.pixel(100, 200), &[255, 0, 0]);
        assert_eq!(img.pixel(0, 200), &[255, 0, 0], "the horizontal line crosses the image");
        assert_eq!(img.pixel(100, 0), &[255, 0, 0]);
        assert_eq!(img.pixel(100 + 25, 200), &[255, 0, 0], "the ring at r = 300/12");
        assert_eq!(img.pixel(300, 50), &[128, 128, 128]);
    }
}
