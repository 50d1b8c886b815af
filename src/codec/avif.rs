//! AVIF output through ravif (rav1e): pure Rust, built without asm or threads so it compiles
//! for wasm32-wasip1. AV1 encoding is the most expensive thing ixora does, so it always runs at
//! rav1e's fastest speed, and `auto=format` only picks it for small outputs (see
//! `negotiate::AVIF_AUTO_MAX_PIXELS`).

use crate::error::{Error, Result};
use crate::image::Image;

/// Encodes at `quality` (1–100, ravif's scale, which tracks JPEG's), speed 10.
pub(super) fn encode(image: &Image, quality: u8) -> Result<Vec<u8>> {
    let encoder = ravif::Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(10)
        .with_num_threads(Some(1))
        // Colour under fully transparent pixels is invisible: let the encoder simplify it.
        .with_alpha_color_mode(ravif::AlphaColorMode::UnassociatedClean);
    let (w, h) = (image.width as usize, image.height as usize);
    let result = if image.channels == 4 {
        let px: Vec<ravif::RGBA8> =
            image.data.chunks_exact(4).map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3])).collect();
        encoder.encode_rgba(ravif::Img::new(px.as_slice(), w, h))
    } else {
        let px: Vec<ravif::RGB8> = image.data.chunks_exact(3).map(|p| ravif::RGB8::new(p[0], p[1], p[2])).collect();
        encoder.encode_rgb(ravif::Img::new(px.as_slice(), w, h))
    };
    result.map(|e| e.avif_file).map_err(|_| Error::internal())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_an_avif_file_whose_size_follows_quality() {
        let (w, h) = (64u32, 48u32);
        let data = (0..w * h).flat_map(|i| [(i % w * 4) as u8, (i / w * 5) as u8, 90]).collect();
        let img = Image::new(w, h, 3, data);
        let low = encode(&img, 20).unwrap();
        let high = encode(&img, 90).unwrap();
        assert_eq!(&low[4..12], b"ftypavif", "{:?}", &low[..16]);
        assert!(low.len() < high.len(), "q20 {} vs q90 {}", low.len(), high.len());
        let rgba = Image::new(w, h, 4, img.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 200]).collect());
        assert!(encode(&rgba, 60).unwrap().windows(4).any(|w| w == b"auxC"), "alpha is an auxiliary image");
    }
}
