//! Animated GIF and WebP: every frame composited onto the canvas as a browser shows it, handed
//! to the caller one at a time (so only the canvas and the caller's outputs stay in memory),
//! and animated output (GIF through `gif`, WebP through libwebp's WebPAnimEncoder).

use super::{check_budget, gif, libwebp, webp, EncodeOptions, Format, OutputFormat, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

/// One displayed frame and how long it stays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub image: Image,
    pub delay_ms: u32,
}

/// 0 = forever.
pub type LoopCount = u16;

/// Calls `each(index, canvas, delay_ms)` for every frame in order and returns the loop count.
/// `each` returns false to stop early. Frames are RGBA when the probe says alpha, else RGB.
pub fn decode_frames(
    bytes: &[u8],
    probe: &Probe,
    limits: &Limits,
    mut each: impl FnMut(u32, Image, u32) -> Result<bool>,
) -> Result<LoopCount> {
    let (w, h) = (probe.width, probe.height);
    // The canvas, one frame's pixels and the previous canvas (GIF dispose-to-previous).
    check_budget("animation frame", w, h, u64::from(w) * u64::from(h) * 12 + (1 << 16), limits)?;
    match probe.format {
        Format::Gif => gif_frames(bytes, probe.has_alpha, limits, &mut each),
        Format::Webp => libwebp::decode_animation(bytes, probe.has_alpha, &mut each),
        f => Err(Error::internal(format!("frames asked of a {} original", f.name()))),
    }
}

fn gif_frames(
    bytes: &[u8],
    has_alpha: bool,
    limits: &Limits,
    each: &mut impl FnMut(u32, Image, u32) -> Result<bool>,
) -> Result<LoopCount> {
    let corrupt = |e: ::gif::DecodingError| Error::undecodable(format!("corrupt GIF: {e}"));
    let mut options = ::gif::DecodeOptions::new();
    options.set_color_output(::gif::ColorOutput::RGBA);
    if let Some(limit) = std::num::NonZeroU64::new(limits.max_decode_bytes) {
        options.set_memory_limit(::gif::MemoryLimit::Bytes(limit));
    }
    let mut decoder = options.read_info(bytes).map_err(corrupt)?;
    let (w, h) = (usize::from(decoder.width()), usize::from(decoder.height()));
    let mut canvas = vec![0u8; w * h * 4];
    let mut index = 0;
    loop {
        let frame = match decoder.read_next_frame() {
            Ok(Some(f)) => f,
            Ok(None) => break,
            // A file cut short after some frames shows those frames, as browsers do.
            Err(_) if index > 0 => break,
            Err(e) => return Err(corrupt(e)),
        };
        let (fx, fy) = (usize::from(frame.left), usize::from(frame.top));
        let (fw, fh) = (usize::from(frame.width), usize::from(frame.height));
        let previous = (frame.dispose == ::gif::DisposalMethod::Previous).then(|| canvas.clone());
        for y in 0..fh.min(h.saturating_sub(fy)) {
            for x in 0..fw.min(w.saturating_sub(fx)) {
                let s = (y * fw + x) * 4;
                let Some(px) = frame.buffer.get(s..s + 4) else { break };
                if px[3] != 0 {
                    let d = ((fy + y) * w + fx + x) * 4;
                    canvas[d..d + 4].copy_from_slice(px);
                }
            }
        }
        let delay_ms = u32::from(frame.delay) * 10;
        let dispose = frame.dispose;
        let image = Image::new(w as u32, h as u32, 4, canvas.clone());
        let image = if has_alpha { image } else { opaque(image) };
        let more = each(index, image, delay_ms)?;
        index += 1;
        if !more {
            break;
        }
        match (dispose, previous) {
            (::gif::DisposalMethod::Previous, Some(p)) => canvas = p,
            (::gif::DisposalMethod::Background, _) => {
                for y in fy.min(h)..(fy + fh).min(h) {
                    canvas[(y * w + fx.min(w)) * 4..(y * w + (fx + fw).min(w)) * 4].fill(0);
                }
            }
            _ => {}
        }
    }
    if index == 0 {
        return Err(Error::undecodable("corrupt GIF: no image in file"));
    }
    Ok(match decoder.repeat() {
        ::gif::Repeat::Infinite => 0,
        ::gif::Repeat::Finite(n) => n.max(1),
    })
}

fn opaque(image: Image) -> Image {
    Image::new(image.width, image.height, 3, super::rgba_to_rgb_in_place(image.data))
}

/// Encodes frames (all the same size) as an animated GIF or WebP.
/// `icc` is the profile to embed (WebP only: GIF carries none, so its frames are sRGB).
pub fn encode(frames: &[Frame], loop_count: LoopCount, options: &EncodeOptions, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let first = frames.first().ok_or_else(|| Error::internal("animation encode without frames"))?;
    if frames.iter().any(|f| (f.image.width, f.image.height) != (first.image.width, first.image.height)) {
        return Err(Error::internal("animation frames of different sizes"));
    }
    match options.format {
        OutputFormat::Gif => {
            let colors = options.colors.map(usize::from).unwrap_or(256);
            let mut out = Vec::new();
            let (w, h) = (first.image.width as u16, first.image.height as u16);
            let mut encoder = ::gif::Encoder::new(&mut out, w, h, &[])
                .map_err(|e| Error::internal(format!("animated GIF setup: {e}")))?;
            let repeat = if loop_count == 0 { ::gif::Repeat::Infinite } else { ::gif::Repeat::Finite(loop_count) };
            encoder.set_repeat(repeat).map_err(|e| Error::internal(format!("animated GIF loop count: {e}")))?;
            for f in frames {
                let mut frame = gif::frame(&f.image, colors)?;
                frame.delay = (f.delay_ms / 10).min(u32::from(u16::MAX)) as u16;
                // Each frame is a full canvas: replace, never blend with the previous one.
                frame.dispose = ::gif::DisposalMethod::Background;
                encoder.write_frame(&frame).map_err(|e| Error::internal(format!("animated GIF frame: {e}")))?;
            }
            drop(encoder);
            Ok(out)
        }
        OutputFormat::Webp => webp::with_icc(
            libwebp::encode_animation(frames, loop_count, options.quality, options.lossless)?,
            icc,
            &first.image,
        ),
        f => Err(Error::internal(format!("animation encode to {f:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{self, ChromaSubsampling};

    fn opts(format: OutputFormat) -> EncodeOptions {
        EncodeOptions {
            format,
            quality: 90,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        }
    }

    fn frames() -> Vec<Frame> {
        [[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 255, 255]]
            .iter()
            .enumerate()
            .map(|(i, c)| Frame { image: Image::filled(40, 30, 4, *c), delay_ms: 100 * (i as u32 + 1) })
            .collect()
    }

    fn round_trip(bytes: &[u8]) -> (Probe, Vec<(Image, u32)>, LoopCount) {
        let limits = Limits::default();
        let probe = codec::probe(bytes, &limits).unwrap();
        let mut got = Vec::new();
        let loops = decode_frames(bytes, &probe, &limits, |_, img, d| {
            got.push((img, d));
            Ok(true)
        })
        .unwrap();
        (probe, got, loops)
    }

    #[test]
    fn gif_and_webp_keep_frames_timing_and_loop() {
        for format in [OutputFormat::Gif, OutputFormat::Webp] {
            let bytes = encode(&frames(), 3, &opts(format), None).unwrap();
            let (probe, got, loops) = round_trip(&bytes);
            assert_eq!(probe.frames, 3, "{format:?}");
            assert_eq!(loops, 3, "{format:?}");
            assert_eq!(got.iter().map(|g| g.1).collect::<Vec<_>>(), vec![100, 200, 300], "{format:?}");
            for ((img, _), want) in got.iter().zip(frames()) {
                let px = img.pixel(20, 15);
                assert!(px.iter().zip(want.image.pixel(20, 15)).take(3).all(|(a, b)| a.abs_diff(*b) < 12), "{px:?}");
            }
        }
        let bytes = encode(&frames(), 0, &opts(OutputFormat::Gif), None).unwrap();
        assert_eq!(round_trip(&bytes).2, 0);
    }

    #[test]
    fn gif_disposal_and_partial_frames_composite() {
        // make_gif: 3 frames; the first covers (2,2)-(12,12) with transparency.
        let bytes = gif::tests::make_gif(20, 20, 3, (2, 2, 10, 10), true);
        let (probe, got, _) = round_trip(&bytes);
        assert_eq!(got.len(), 3);
        assert!(probe.has_alpha);
        assert_eq!(got[0].0.pixel(0, 0)[3], 0, "outside the first frame is transparent");
        let mut stopped = 0;
        decode_frames(&bytes, &probe, &Limits::default(), |i, _, _| {
            stopped = i;
            Ok(i < 1)
        })
        .unwrap();
        assert_eq!(stopped, 1);
    }
}
