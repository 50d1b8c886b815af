//! Padding onto a canvas (fit=fill/fillmax) and flattening alpha onto a background.

use super::Finish;
use crate::image::Image;
use crate::params::Color;
use crate::plan::Plan;

/// Puts the resized image at the plan's offset on a canvas of the plan's colour.
pub fn place(image: Image, plan: &Plan) -> Image {
    if plan.canvas == (image.width, image.height) {
        return image;
    }
    let color = plan.canvas_color;
    let channels = if image.has_alpha() || !color.is_opaque() { 4 } else { 3 };
    let image = with_channels(image, channels);
    let mut canvas = Image::filled(plan.canvas.0, plan.canvas.1, channels, color.rgba());
    let (stride, c) = (canvas.stride(), channels as usize);
    for (row, src) in image.data.chunks_exact(image.stride()).enumerate() {
        let start = (plan.offset.1 as usize + row) * stride + plan.offset.0 as usize * c;
        canvas.data[start..start + src.len()].copy_from_slice(src);
    }
    canvas
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
}
