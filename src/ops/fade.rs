//! `fade`: the image's edges ramp linearly to transparent.

use crate::image::Image;

/// Fades each edge over its width in px (top, right, bottom, left; 0 is none). Where two edges
/// meet the fades multiply; a pair of opposite widths larger than the side shrinks to fit, so the
/// middle is never faded away. The image gains an alpha channel.
pub fn fade(image: Image, [top, right, bottom, left]: [f32; 4]) -> Image {
    let image = crate::pipeline::with_alpha(image);
    let (w, h) = (image.width as f32, image.height as f32);
    let fit = |a: f32, b: f32, side: f32| {
        let (a, b) = (a.max(0.0), b.max(0.0));
        if a + b > side && a + b > 0.0 {
            (a * side / (a + b), b * side / (a + b))
        } else {
            (a, b)
        }
    };
    let (top, bottom) = fit(top, bottom, h);
    let (left, right) = fit(left, right, w);
    // Coverage of a pixel at distance d (pixel centres) from an edge faded over `len`.
    let ramp = |d: f32, len: f32| if len <= 0.0 { 1.0 } else { ((d + 0.5) / len).min(1.0) };
    let columns: Vec<f32> = (0..image.width).map(|x| ramp(x as f32, left) * ramp(w - 1.0 - x as f32, right)).collect();
    let mut image = image;
    let stride = image.width as usize * 4;
    for (y, row) in image.data.chunks_exact_mut(stride.max(1)).enumerate() {
        let k = ramp(y as f32, top) * ramp(h - 1.0 - y as f32, bottom);
        for (p, c) in row.chunks_exact_mut(4).zip(&columns) {
            let f = k * c;
            if f < 1.0 {
                p[3] = (f32::from(p[3]) * f).round() as u8;
            }
        }
    }
    image
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_ramp_and_corners_multiply() {
        let img = fade(Image::filled(100, 50, 3, [200, 100, 50, 255]), [10.0, 0.0, 0.0, 20.0]);
        assert_eq!(img.channels, 4);
        let a = |x: u32, y: u32| img.pixel(x, y)[3];
        assert_eq!(a(50, 25), 255, "the middle keeps its alpha");
        assert_eq!(a(99, 49), 255, "right and bottom are not faded");
        assert_eq!(a(50, 0), (255.0f32 * 0.05).round() as u8);
        assert_eq!(a(50, 4), (255.0f32 * 0.45).round() as u8);
        assert_eq!(a(50, 10), 255);
        assert_eq!(a(9, 25), (255.0f32 * 9.5 / 20.0).round() as u8);
        // The corner multiplies both ramps.
        assert_eq!(a(0, 0), (255.0f32 * 0.05 * 0.025).round() as u8);
        assert_eq!(&img.pixel(0, 0)[..3], &[200, 100, 50], "colour is kept");
    }

    #[test]
    fn opposite_fades_wider_than_the_side_shrink_to_fit() {
        let img = fade(Image::filled(40, 10, 4, [0, 0, 0, 255]), [0.0, 60.0, 0.0, 20.0]);
        // 20 + 60 > 40: the fades become 10 and 30, meeting at x = 10.
        assert_eq!(img.pixel(10, 5)[3], (255.0f32 * (29.5 / 30.0)).round() as u8);
        assert!(img.pixel(20, 5)[3] > 0 && img.pixel(0, 5)[3] < 20);
    }
}
