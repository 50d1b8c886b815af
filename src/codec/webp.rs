//! WebP: our own RIFF chunk walk for the header, `image-webp` for pixels (lossy, lossless,
//! alpha, first animation frame) and for lossless output; libwebp (`super::libwebp`) for lossy
//! output.

use std::io::Cursor;

use super::{check_budget, check_pixels, exif, EncodeOptions, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

/// The format's limit on each side.
const MAX_SIDE: u32 = 16383;

struct Header {
    width: u32,
    height: u32,
    has_alpha: bool,
    lossless: bool,
    animated: bool,
    frames: u32,
    orientation: u8,
}

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt WebP: {what}"))
}

fn le(b: &[u8], at: usize, n: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(n)?)?;
    Some(s.iter().rev().fold(0, |v, &x| v << 8 | u32::from(x)))
}

/// Reads the first chunk's header; for extended files walks the chunk list (ANMF count up to
/// `frame_cap`, EXIF orientation) without touching image data.
fn parse_header(bytes: &[u8], frame_cap: u32) -> Result<Header> {
    let truncated = || corrupt("file ends inside the header");
    // RIFF size counts from byte 8; a lying size is clamped to the bytes we have.
    let riff_end = (le(bytes, 4, 4).ok_or_else(truncated)? as usize).saturating_add(8).min(bytes.len());
    let first: [u8; 4] = bytes.get(12..16).ok_or_else(truncated)?.try_into().unwrap_or_default();
    let first_size = le(bytes, 16, 4).ok_or_else(truncated)? as usize;
    let d = bytes.get(20..30).ok_or_else(truncated)?; // enough for every kind of first chunk
    let mut h =
        Header { width: 0, height: 0, has_alpha: false, lossless: false, animated: false, frames: 1, orientation: 1 };
    match &first {
        b"VP8 " => {
            if d[0] & 1 != 0 {
                return Err(corrupt("first frame is not a key frame"));
            }
            if d[3..6] != [0x9D, 0x01, 0x2A] {
                return Err(corrupt("bad VP8 start code"));
            }
            h.width = le(d, 6, 2).unwrap_or(0) & 0x3FFF;
            h.height = le(d, 8, 2).unwrap_or(0) & 0x3FFF;
        }
        b"VP8L" => {
            let bits = le(d, 1, 4).unwrap_or(0);
            if d[0] != 0x2F || bits >> 29 != 0 {
                return Err(corrupt("bad VP8L signature"));
            }
            h.width = (bits & 0x3FFF) + 1;
            h.height = (bits >> 14 & 0x3FFF) + 1;
            h.has_alpha = bits >> 28 & 1 != 0;
            h.lossless = true;
        }
        b"VP8X" => {
            let flags = d[0];
            h.has_alpha = flags & 0x10 != 0;
            h.animated = flags & 0x02 != 0;
            h.width = le(d, 4, 3).unwrap_or(0) + 1;
            h.height = le(d, 7, 3).unwrap_or(0) + 1;
            walk_extended(bytes, first_size.saturating_add(20 + (first_size & 1)), riff_end, frame_cap, &mut h);
            if h.animated && h.frames == 0 {
                return Err(corrupt("animation without frames"));
            }
        }
        other => {
            return Err(corrupt(&format!("unknown first chunk {:?}", String::from_utf8_lossy(other))));
        }
    }
    Ok(h)
}

/// Chunks after VP8X. A truncated tail just ends the walk: the decoder judges the image data.
fn walk_extended(bytes: &[u8], mut at: usize, end: usize, frame_cap: u32, h: &mut Header) {
    let mut anmf = 0;
    let mut seen_exif = false;
    while at.saturating_add(8) <= end && anmf < frame_cap {
        let kind = &bytes[at..at + 4];
        let size = le(bytes, at + 4, 4).unwrap_or(0) as usize;
        let data = bytes.get(at + 8..(at + 8).saturating_add(size).min(end)).unwrap_or_default();
        match kind {
            b"EXIF" if !seen_exif => {
                seen_exif = true;
                h.orientation = exif::orientation(data);
            }
            b"ANMF" => {
                // 16 bytes of frame header, then the frame's first sub-chunk.
                if anmf == 0 {
                    h.lossless = data.get(16..20) == Some(b"VP8L");
                }
                anmf += 1;
            }
            b"VP8L" => h.lossless = true,
            _ => {}
        }
        at = at.saturating_add(8).saturating_add(size).saturating_add(size & 1);
    }
    if h.animated {
        h.frames = anmf;
    }
}

pub(super) fn probe(bytes: &[u8], frame_cap: u32) -> Result<Probe> {
    let h = parse_header(bytes, frame_cap)?;
    Ok(Probe {
        format: Format::Webp,
        width: h.width,
        height: h.height,
        orientation: h.orientation,
        has_alpha: h.has_alpha,
        frames: h.frames,
        progressive: false,
    })
}

/// Estimated peak bytes for image-webp: output plus, for lossy, YUV planes (1.5 B/px) and the
/// ALPH decode (~6 B/px); lossless without alpha decodes RGBA then copies; animation adds an
/// RGBA canvas and an RGBA frame.
fn decode_cost(h: &Header) -> u64 {
    let px = u64::from(h.width) * u64::from(h.height);
    let out = px * if h.has_alpha { 4 } else { 3 };
    let lossy = if h.lossless { 0 } else { px * 3 / 2 + if h.has_alpha { px * 6 } else { 0 } };
    let extra = if h.animated {
        px * 8 + lossy
    } else if h.lossless {
        if h.has_alpha {
            0
        } else {
            px * 4
        }
    } else {
        lossy
    };
    out + extra + px / 8 + (1 << 18)
}

fn decoder_error(e: image_webp::DecodingError) -> Error {
    corrupt(&e.to_string())
}

pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Image> {
    let h = parse_header(bytes, 1)?;
    check_pixels(Format::Webp, h.width, h.height, limits)?;
    let what = match (h.animated, h.lossless) {
        (true, _) => "animated WebP",
        (false, true) => "lossless WebP",
        (false, false) => "lossy WebP",
    };
    check_budget(what, h.width, h.height, decode_cost(&h), limits)?;
    if h.animated {
        // The first frame, composited by libwebp (image-webp can panic on a short ALPH chunk
        // in an animation frame).
        let mut first = None;
        super::libwebp::decode_animation(bytes, h.has_alpha, &mut |_, image, _| {
            first = Some(image);
            Ok(false)
        })?;
        return first.ok_or_else(|| corrupt("animation without frames"));
    }

    let mut decoder = image_webp::WebPDecoder::new(Cursor::new(bytes)).map_err(decoder_error)?;
    decoder.set_memory_limit(usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX));
    if decoder.dimensions() != (h.width, h.height) || decoder.has_alpha() != h.has_alpha {
        return Err(corrupt("inconsistent headers"));
    }
    let size = decoder.output_buffer_size().ok_or_else(|| Error::too_large("WebP is too large to decode"))?;
    let mut data = vec![0; size];
    decoder.read_image(&mut data).map_err(decoder_error)?;
    Ok(Image::new(h.width, h.height, if h.has_alpha { 4 } else { 3 }, data))
}

/// Lossy at `quality` unless `lossless` is asked for.
pub(super) fn encode(image: &Image, options: &EncodeOptions) -> Result<Vec<u8>> {
    if image.width > MAX_SIDE || image.height > MAX_SIDE {
        return Err(Error::too_large(format!("WebP output cannot exceed {MAX_SIDE} pixels on a side")));
    }
    if !options.lossless {
        return super::libwebp::encode_lossy(image, options.quality);
    }
    let colour = if image.channels == 4 { image_webp::ColorType::Rgba8 } else { image_webp::ColorType::Rgb8 };
    let mut out = Vec::with_capacity(image.data.len() / 4);
    image_webp::WebPEncoder::new(&mut out)
        .encode(&image.data, image.width, image.height, colour)
        .map_err(|e| Error::internal(format!("lossless WebP encode of {}x{}: {e}", image.width, image.height)))?;
    Ok(out)
}

/// Adds an ICCP chunk to an encoded still WebP. A simple file (one VP8 or VP8L chunk) becomes
/// an extended one: a VP8X header (canvas size, ICC and alpha flags) goes first, then ICCP,
/// then the image chunks, as the container spec orders them.
pub(super) fn with_icc(webp: Vec<u8>, icc: Option<&[u8]>, image: &Image) -> Result<Vec<u8>> {
    let Some(icc) = icc else { return Ok(webp) };
    if webp.len() < 20 || &webp[..4] != b"RIFF" || &webp[8..12] != b"WEBP" {
        return Err(Error::internal("ICC for WebP: the encoder's output is not a RIFF WebP"));
    }
    const ICC_FLAG: u8 = 0x20;
    const ALPHA_FLAG: u8 = 0x10;
    let (head, rest) = if &webp[12..16] == b"VP8X" {
        let mut vp8x = webp[12..30].to_vec();
        vp8x[8] |= ICC_FLAG;
        (vp8x, &webp[30..])
    } else {
        let mut vp8x = b"VP8X".to_vec();
        vp8x.extend_from_slice(&10u32.to_le_bytes());
        vp8x.push(ICC_FLAG | if image.channels == 4 { ALPHA_FLAG } else { 0 });
        vp8x.extend_from_slice(&[0, 0, 0]);
        vp8x.extend_from_slice(&(image.width - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(image.height - 1).to_le_bytes()[..3]);
        (vp8x, &webp[12..])
    };
    let mut out = Vec::with_capacity(webp.len() + icc.len() + 40);
    out.extend_from_slice(b"RIFF\0\0\0\0WEBP");
    out.extend(head);
    out.extend_from_slice(b"ICCP");
    out.extend_from_slice(&(icc.len() as u32).to_le_bytes());
    out.extend_from_slice(icc);
    if icc.len() % 2 == 1 {
        out.push(0);
    }
    out.extend_from_slice(rest);
    let riff = u32::try_from(out.len() - 8)
        .map_err(|_| Error::internal(format!("WebP with ICC is {} bytes, over RIFF's 4 GB", out.len())))?;
    out[4..8].copy_from_slice(&riff.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::{self, ChromaSubsampling, EncodeOptions, OutputFormat};

    fn opts() -> EncodeOptions {
        EncodeOptions {
            format: OutputFormat::Webp,
            quality: 75,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: true,
            colors: None,
        }
    }

    fn pattern(w: u32, h: u32, channels: u8) -> Image {
        let data = (0..w * h * channels as u32).map(|i| (i * 13 % 256) as u8).collect();
        Image::new(w, h, channels, data)
    }

    /// Wraps a simple (VP8L) file as VP8X with an EXIF chunk, as cwebp -metadata exif does.
    fn with_exif(simple: &[u8], exif: &[u8], alpha: bool, w: u32, h: u32) -> Vec<u8> {
        let mut body = b"WEBP".to_vec();
        body.extend_from_slice(b"VP8X");
        body.extend_from_slice(&10u32.to_le_bytes());
        body.push(0x08 | if alpha { 0x10 } else { 0 });
        body.extend_from_slice(&[0; 3]);
        body.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        body.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        body.extend_from_slice(&simple[12..]); // the VP8L chunk
        body.extend_from_slice(b"EXIF");
        body.extend_from_slice(&(exif.len() as u32).to_le_bytes());
        body.extend_from_slice(exif);
        if exif.len() % 2 == 1 {
            body.push(0);
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn lossless_round_trip_is_exact() {
        let limits = Limits::default();
        for channels in [3u8, 4] {
            let image = pattern(41, 17, channels);
            let bytes = codec::encode(&image, &opts()).unwrap();
            let p = codec::probe(&bytes, &limits).unwrap();
            assert_eq!(
                p,
                Probe {
                    format: Format::Webp,
                    width: 41,
                    height: 17,
                    orientation: 1,
                    has_alpha: channels == 4,
                    frames: 1,
                    progressive: false
                }
            );
            let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
            assert_eq!(img, image);
        }
    }

    #[test]
    fn extended_file_with_exif_orientation() {
        let limits = Limits::default();
        let image = pattern(9, 5, 4);
        let simple = codec::encode(&image, &opts()).unwrap();
        for exif in [
            exif::tiff_with_orientation(6, true),
            [b"Exif\0\0".to_vec(), exif::tiff_with_orientation(5, false)].concat(),
        ] {
            let bytes = with_exif(&simple, &exif, true, 9, 5);
            let p = codec::probe(&bytes, &limits).unwrap();
            assert_eq!((p.width, p.height, p.has_alpha, p.frames), (9, 5, true, 1));
            assert!(matches!(p.orientation, 5 | 6));
            let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
            assert_eq!(img, image);
        }
    }

    /// An animated VP8X file whose frames are the VP8L chunks of lossless encodes.
    fn make_animated(frames: &[Image]) -> Vec<u8> {
        let (w, h) = (frames[0].width, frames[0].height);
        let mut body = b"WEBP".to_vec();
        let chunk = |body: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
            body.extend_from_slice(kind);
            body.extend_from_slice(&(data.len() as u32).to_le_bytes());
            body.extend_from_slice(data);
            if data.len() % 2 == 1 {
                body.push(0);
            }
        };
        let mut vp8x = vec![0x02 | 0x10, 0, 0, 0];
        vp8x.extend_from_slice(&(w - 1).to_le_bytes()[..3]);
        vp8x.extend_from_slice(&(h - 1).to_le_bytes()[..3]);
        chunk(&mut body, b"VP8X", &vp8x);
        chunk(&mut body, b"ANIM", &[0, 0, 0, 0, 0, 0]);
        for f in frames {
            let simple = codec::encode(f, &opts()).unwrap();
            let mut anmf = vec![0; 6]; // x/2, y/2
            anmf.extend_from_slice(&(f.width - 1).to_le_bytes()[..3]);
            anmf.extend_from_slice(&(f.height - 1).to_le_bytes()[..3]);
            anmf.extend_from_slice(&[100, 0, 0, 0x02]); // 100 ms, no blending, no dispose
            anmf.extend_from_slice(&simple[12..]);
            chunk(&mut body, b"ANMF", &anmf);
        }
        let mut out = b"RIFF".to_vec();
        out.extend_from_slice(&(body.len() as u32).to_le_bytes());
        out.extend(body);
        out
    }

    #[test]
    fn animated_counts_frames_and_decodes_the_first() {
        let limits = Limits::default();
        let frames = [
            Image::filled(6, 4, 4, [255, 0, 0, 255]),
            Image::filled(6, 4, 4, [0, 255, 0, 255]),
            Image::filled(6, 4, 4, [0, 0, 255, 255]),
        ];
        let bytes = make_animated(&frames);
        let p = codec::probe(&bytes, &limits).unwrap();
        assert_eq!((p.width, p.height, p.frames, p.has_alpha), (6, 4, 3, true));
        let img = codec::decode(&bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img, frames[0]);
        let e = codec::probe(&bytes, &Limits { max_frames: 2, ..limits }).unwrap_err();
        assert_eq!(e.status, 413);
    }

    #[test]
    fn truncated_and_corrupt_never_panic() {
        let limits = Limits::default();
        let bytes = codec::encode(&pattern(32, 32, 4), &opts()).unwrap();
        for cut in 0..bytes.len() {
            let part = &bytes[..cut];
            match codec::probe(part, &limits).and_then(|p| codec::decode(part, &p, (1, 1), &limits)) {
                Ok(img) => assert_eq!((img.width, img.height), (32, 32)),
                Err(e) => assert!(matches!(e.status, 415 | 422), "cut {cut}: {e}"),
            }
        }
        // Flip bytes through the image data.
        for i in (20..bytes.len()).step_by(3) {
            let mut b = bytes.clone();
            b[i] ^= 0x5A;
            if let Err(e) = codec::probe(&b, &limits).and_then(|p| codec::decode(&b, &p, (1, 1), &limits)) {
                assert!(matches!(e.status, 413 | 415 | 422), "flip {i}: {e}");
            }
        }
    }

    #[test]
    fn large_canvas_is_refused_before_decoding() {
        let image = pattern(2, 2, 3);
        let simple = codec::encode(&image, &opts()).unwrap();
        // A VP8X canvas of 16384x16384 (268 MP) over the pixel limit.
        let bytes = with_exif(&simple, &exif::tiff_with_orientation(1, true), false, 16384, 16384);
        assert_eq!(codec::probe(&bytes, &Limits::default()).unwrap_err().status, 413);
        // 9000x9000 passes the pixel limit but not the decode budget.
        let bytes = with_exif(&simple, &exif::tiff_with_orientation(1, true), false, 9000, 9000);
        let p = codec::probe(&bytes, &Limits::default()).unwrap();
        let e = codec::decode(&bytes, &p, (1, 1), &Limits::default()).unwrap_err();
        assert_eq!(e.status, 413, "{e}");
        assert!(e.message.contains("9000x9000 lossless WebP"), "{e}");
    }

    /// An ICCP chunk goes into simple lossy and lossless files (which become VP8X) and into
    /// extended ones; the pixels decode as before.
    #[test]
    fn icc_profile_is_embedded() {
        let icc = crate::codec::icc::tiny_srgb();
        for (channels, lossless) in [(3u8, false), (3, true), (4, false), (4, true)] {
            let image = Image::new(9, 7, channels, (0..9 * 7 * channels as usize).map(|i| (i * 3) as u8).collect());
            let options = EncodeOptions { lossless, ..opts() };
            let plain = encode(&image, &options).unwrap();
            let tagged = with_icc(plain.clone(), Some(&icc), &image).unwrap();
            let x = crate::codec::container::read(&tagged, Format::Webp);
            assert_eq!(x.icc.as_deref(), Some(icc.as_slice()), "{channels} {lossless}");
            assert_eq!(&tagged[12..16], b"VP8X");
            assert_eq!(tagged[20] & 0x20, 0x20, "ICC flag");
            assert_eq!(tagged[20] & 0x10 != 0, channels == 4, "alpha flag");
            assert_eq!(u32::from_le_bytes(tagged[4..8].try_into().unwrap()) as usize, tagged.len() - 8);
            let limits = Limits::default();
            let decode = |b: &[u8]| {
                let p = codec::probe(b, &limits).unwrap();
                (p.width, p.height, p.has_alpha, codec::decode(b, &p, (9, 7), &limits).unwrap())
            };
            assert_eq!(decode(&tagged), decode(&plain), "{channels} {lossless}");
            assert_eq!(with_icc(plain.clone(), None, &image).unwrap(), plain);
        }
    }
}
