//! GIF: our own block walk counts frames without LZW decoding; the `gif` crate decodes the
//! first frame and writes output frames quantized by `super::quantize`.
//!
//! Alpha: a GIF "has alpha" when its first frame has a transparent index (graphic control
//! extension) or does not cover the whole logical screen, since we composite it onto a
//! transparent canvas. Decoding then yields RGBA, otherwise RGB.

use super::{check_budget, check_pixels, quantize, rgba_to_rgb_in_place, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt GIF: {what}"))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Offset just past a run of data sub-blocks (each length-prefixed, ended by a zero length).
fn skip_sub_blocks(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        let len = *bytes.get(at)? as usize;
        at += 1 + len;
        if len == 0 {
            return Some(at);
        }
    }
}

/// Reads the logical screen and walks blocks, counting frames up to `frame_cap`.
pub(super) fn probe(bytes: &[u8], frame_cap: u32) -> Result<Probe> {
    let truncated = || corrupt("file ends inside the header");
    let width = u32::from(le16(bytes, 6).ok_or_else(truncated)?);
    let height = u32::from(le16(bytes, 8).ok_or_else(truncated)?);
    let flags = *bytes.get(10).ok_or_else(truncated)?;
    let mut at = 13;
    if flags & 0x80 != 0 {
        at += 3 << ((flags & 7) + 1);
    }

    let (mut frames, mut transparent, mut has_alpha) = (0u32, false, false);
    // A file cut short after its first frame still shows that frame, as browsers do: stop
    // counting quietly instead of failing.
    while frames < frame_cap {
        let Some(&block) = bytes.get(at) else { break };
        at += 1;
        let next = match block {
            0x21 => {
                let label = bytes.get(at).copied();
                // Graphic control extension: block size 4, then flags whose bit 0 is transparency.
                if label == Some(0xF9) && frames == 0 {
                    transparent = bytes.get(at + 2).is_some_and(|f| f & 1 != 0);
                }
                skip_sub_blocks(bytes, at + 1)
            }
            0x2C => {
                let d = bytes.get(at..at + 9);
                if frames == 0 {
                    let d = d.ok_or_else(truncated)?;
                    let (left, top) = (le16(d, 0).unwrap_or(0), le16(d, 2).unwrap_or(0));
                    let (fw, fh) = (u32::from(le16(d, 4).unwrap_or(0)), u32::from(le16(d, 6).unwrap_or(0)));
                    let covers = left == 0 && top == 0 && fw >= width && fh >= height;
                    has_alpha = transparent || !covers;
                }
                frames += 1;
                let Some(d) = d else { break };
                let mut data = at + 9;
                if d[8] & 0x80 != 0 {
                    data += 3 << ((d[8] & 7) + 1);
                }
                skip_sub_blocks(bytes, data + 1) // after the LZW minimum code size
            }
            0x3B => break,
            _ if frames == 0 => return Err(corrupt(&format!("unknown block 0x{block:02X} before the first image"))),
            _ => break,
        };
        match next {
            Some(n) => at = n,
            None => break,
        }
    }
    if frames == 0 {
        return Err(corrupt("no image in file"));
    }
    Ok(Probe { format: Format::Gif, width, height, orientation: 1, has_alpha, frames, progressive: false })
}

fn decoder_error(e: ::gif::DecodingError) -> Error {
    corrupt(&e.to_string())
}

/// Decodes the first frame onto a transparent canvas the size of the logical screen.
pub(super) fn decode(bytes: &[u8], has_alpha: bool, limits: &Limits) -> Result<Image> {
    let mut options = ::gif::DecodeOptions::new();
    options.set_color_output(::gif::ColorOutput::RGBA);
    if let Some(limit) = std::num::NonZeroU64::new(limits.max_decode_bytes) {
        options.set_memory_limit(::gif::MemoryLimit::Bytes(limit));
    }
    let mut decoder = options.read_info(bytes).map_err(decoder_error)?;
    let (w, h) = (u32::from(decoder.width()), u32::from(decoder.height()));
    check_pixels(Format::Gif, w, h, limits)?;
    let frame = decoder.next_frame_info().map_err(decoder_error)?.ok_or_else(|| corrupt("no image in file"))?;
    let (left, top) = (u32::from(frame.left), u32::from(frame.top));
    let (fw, fh) = (u32::from(frame.width), u32::from(frame.height));
    let covers_exactly = (left, top, fw, fh) == (0, 0, w, h);

    let canvas_bytes = u64::from(w) * u64::from(h) * 4;
    let frame_bytes = if covers_exactly { 0 } else { u64::from(fw) * u64::from(fh) * 4 };
    check_budget("GIF", w, h, canvas_bytes + frame_bytes + (1 << 16), limits)?;

    let mut canvas = vec![0u8; canvas_bytes as usize];
    if covers_exactly {
        decoder.read_into_buffer(&mut canvas).map_err(decoder_error)?;
    } else {
        let mut pixels = vec![0u8; frame_bytes as usize];
        decoder.read_into_buffer(&mut pixels).map_err(decoder_error)?;
        // Clip to the screen: frames may be offset past it or larger than it.
        let (x0, y0) = (left.min(w) as usize, top.min(h) as usize);
        let (w, h, fw) = (w as usize, h as usize, fw as usize);
        let copy = fw.min(w - x0) * 4;
        for y in 0..(fh as usize).min(h - y0) {
            let (src, dst) = (y * fw * 4, ((y0 + y) * w + x0) * 4);
            canvas[dst..dst + copy].copy_from_slice(&pixels[src..src + copy]);
        }
    }
    if has_alpha {
        Ok(Image::new(w, h, 4, canvas))
    } else {
        Ok(Image::new(w, h, 3, rgba_to_rgb_in_place(canvas)))
    }
}

/// One GIF frame: alpha is made binary (GIF has one transparent index), then quantized to
/// `colors` with dithering.
pub(super) fn frame(image: &Image, colors: usize) -> Result<::gif::Frame<'static>> {
    let (w, h) = match (u16::try_from(image.width), u16::try_from(image.height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => return Err(Error::too_large("GIF output cannot exceed 65535 pixels on a side")),
    };
    let q = if image.channels == 4 {
        let mut binary = image.clone();
        for px in binary.data.chunks_exact_mut(4) {
            px[3] = if px[3] < 128 { 0 } else { 255 };
        }
        quantize::quantize(&binary, colors, true)
    } else {
        quantize::quantize(image, colors, true)
    };
    let mut frame = ::gif::Frame::<'static> { width: w, height: h, ..Default::default() };
    // The palette must have a power-of-two length; the gif crate pads it.
    frame.palette = Some(q.palette.iter().flat_map(|c| [c[0], c[1], c[2]]).collect());
    frame.transparent = q.palette.iter().position(|c| c[3] == 0).map(|i| i as u8);
    frame.buffer = std::borrow::Cow::Owned(q.indices);
    Ok(frame)
}

pub(super) fn encode(image: &Image, colors: usize) -> Result<Vec<u8>> {
    let frame = frame(image, colors)?;
    let mut out = Vec::new();
    let mut encoder = ::gif::Encoder::new(&mut out, frame.width, frame.height, &[])
        .map_err(|e| Error::internal(format!("GIF encoder setup: {e}")))?;
    encoder.write_frame(&frame).map_err(|e| Error::internal(format!("GIF frame: {e}")))?;
    encoder.into_inner().map_err(|e| Error::internal(format!("GIF finish: {e}")))?;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::{self, ChromaSubsampling, EncodeOptions, OutputFormat};

    fn opts() -> EncodeOptions {
        EncodeOptions {
            format: OutputFormat::Gif,
            quality: 75,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        }
    }

    /// An animated GIF of `n` frames; the first is `first` (left, top, w, h) with an optional
    /// transparent index, the rest cover the screen.
    pub(crate) fn make_gif(w: u16, h: u16, n: usize, first: (u16, u16, u16, u16), transparent: bool) -> Vec<u8> {
        let palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255];
        let mut out = Vec::new();
        {
            let mut enc = ::gif::Encoder::new(&mut out, w, h, &palette).unwrap();
            enc.set_repeat(::gif::Repeat::Infinite).unwrap();
            for i in 0..n {
                let (left, top, fw, fh) = if i == 0 { first } else { (0, 0, w, h) };
                let mut frame = ::gif::Frame::default();
                (frame.left, frame.top, frame.width, frame.height) = (left, top, fw, fh);
                frame.buffer = vec![(i % 4) as u8; fw as usize * fh as usize].into();
                frame.transparent = (i == 0 && transparent).then_some(3);
                frame.delay = 10;
                enc.write_frame(&frame).unwrap();
            }
        }
        out
    }

    #[test]
    fn probe_counts_frames_and_alpha() {
        let limits = Limits::default();
        let p = codec::probe(&make_gif(20, 10, 3, (0, 0, 20, 10), false), &limits).unwrap();
        assert_eq!(
            p,
            Probe {
                format: Format::Gif,
                width: 20,
                height: 10,
                orientation: 1,
                has_alpha: false,
                frames: 3,
                progressive: false
            }
        );
        assert!(codec::probe(&make_gif(20, 10, 1, (0, 0, 20, 10), true), &limits).unwrap().has_alpha);
        assert!(codec::probe(&make_gif(20, 10, 1, (5, 5, 10, 5), false), &limits).unwrap().has_alpha);

        let many = make_gif(4, 4, 12, (0, 0, 4, 4), false);
        let small = Limits { max_frames: 10, ..Limits::default() };
        let e = codec::probe(&many, &small).unwrap_err();
        assert_eq!(e.status, 413);
        assert!(e.message.contains("more than 10 frames"), "{e}");
        assert_eq!(codec::probe(&many, &Limits { max_frames: 12, ..small }).unwrap().frames, 12);
    }

    #[test]
    fn decodes_first_frame_on_the_screen() {
        let limits = Limits::default();
        let bytes = make_gif(20, 10, 3, (0, 0, 20, 10), false);
        let p = codec::probe(&bytes, &limits).unwrap();
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!((img.width, img.height, img.channels), (20, 10, 3));
        assert!(img.data.iter().all(|&b| b == 0)); // frame 0 is palette index 0: black

        // An offset first frame (black, opaque) leaves the rest of the screen transparent.
        let bytes = make_gif(20, 10, 2, (5, 2, 10, 5), false);
        let p = codec::probe(&bytes, &limits).unwrap();
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.channels, 4);
        assert_eq!(img.pixel(0, 0), &[0, 0, 0, 0]);
        assert_eq!(img.pixel(5, 2), &[0, 0, 0, 255]);
        assert_eq!(img.pixel(14, 6), &[0, 0, 0, 255]);
        assert_eq!(img.pixel(15, 6)[3], 0);

        // Frame larger than and offset past the screen is clipped, not a panic.
        let bytes = make_gif(8, 8, 1, (6, 6, 30, 30), false);
        let p = codec::probe(&bytes, &limits).unwrap();
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.pixel(7, 7), &[0, 0, 0, 255]);
        assert_eq!(img.pixel(5, 5)[3], 0);
    }

    #[test]
    fn encode_round_trip_within_palette_error() {
        let limits = Limits::default();
        // Smooth gradient: > 256 colours, so NeuQuant runs.
        let mut data = Vec::new();
        for y in 0..40u32 {
            for x in 0..60u32 {
                data.extend_from_slice(&[(x * 4) as u8, (y * 6) as u8, 90]);
            }
        }
        let image = Image::new(60, 40, 3, data);
        let bytes = codec::encode(&image, &opts()).unwrap();
        let p = codec::probe(&bytes, &limits).unwrap();
        assert_eq!((p.width, p.height, p.frames, p.has_alpha), (60, 40, 1, false));
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.channels, 3);
        // NeuQuant on a 2400-colour gradient: small average error, a few coarse cells.
        let mut diffs: Vec<u8> = img.data.iter().zip(&image.data).map(|(a, b)| a.abs_diff(*b)).collect();
        diffs.sort();
        let mean = diffs.iter().map(|&d| f64::from(d)).sum::<f64>() / diffs.len() as f64;
        let p99 = diffs[diffs.len() * 99 / 100];
        assert!(mean <= 6.0 && p99 <= 24, "mean {mean:.2}, p99 {p99}");

        // RGBA: transparency survives and opaque black stays opaque.
        let mut rgba = Image::filled(10, 10, 4, [0, 0, 0, 255]);
        for px in rgba.data.chunks_exact_mut(4).take(50) {
            px.copy_from_slice(&[0, 0, 0, 0]);
        }
        let bytes = codec::encode(&rgba, &opts()).unwrap();
        let p = codec::probe(&bytes, &limits).unwrap();
        assert!(p.has_alpha);
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.pixel(0, 0)[3], 0);
        assert_eq!(img.pixel(9, 9), &[0, 0, 0, 255]);
    }

    #[test]
    fn truncated_and_garbage_never_panic() {
        let limits = Limits::default();
        let bytes = make_gif(16, 16, 3, (2, 2, 8, 8), true);
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            match codec::probe(part, &limits).and_then(|p| codec::decode(part, &p, (1, 1), &limits)) {
                Ok(img) => assert_eq!((img.width, img.height, img.channels), (16, 16, 4)),
                Err(e) => assert!(matches!(e.status, 415 | 422), "cut {cut}: {e}"),
            }
        }
        let mut junk = bytes.clone();
        junk[25] = 0x99; // unknown block before any image (after the 4-colour palette)
        assert_eq!(codec::probe(&junk, &limits).unwrap_err().status, 422);
    }
}
