//! PNG: our own chunk walk for the header (no inflate, so zTXt/iCCP bombs cost nothing), the
//! `png` crate for pixels and for fast output.

use std::io::Cursor;

use super::{check_budget, check_pixels, exif, expand_grey, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::{Decoded, Image, Image16};

const SIGNATURE_LEN: usize = 8;

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt PNG: {what}"))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// One chunk: its type, its data and the offset of the next chunk.
fn chunk_at(bytes: &[u8], at: usize) -> Option<([u8; 4], &[u8], usize)> {
    let len = be32(bytes, at)? as usize;
    let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
    let data = bytes.get(at + 8..(at + 8).checked_add(len)?)?;
    let next = at + 8 + len + 4; // CRC
    Some((kind, data, next))
}

/// What IHDR and the chunks before the image data say.
struct Header {
    width: u32,
    height: u32,
    depth: u8,
    colour: u8,
    trns: bool,
    orientation: u8,
}

impl Header {
    fn has_alpha(&self) -> bool {
        matches!(self.colour, 4 | 6) || self.trns
    }
}

fn parse_header(bytes: &[u8]) -> Result<Header> {
    let (kind, ihdr, mut at) = chunk_at(bytes, SIGNATURE_LEN).ok_or_else(|| corrupt("file ends inside the header"))?;
    if &kind != b"IHDR" || ihdr.len() != 13 {
        return Err(corrupt("first chunk is not a valid IHDR"));
    }
    let (width, height) = (be32(ihdr, 0).unwrap_or(0), be32(ihdr, 4).unwrap_or(0));
    let (depth, colour) = (ihdr[8], ihdr[9]);
    let valid = match colour {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    if !valid {
        return Err(corrupt(&format!("invalid colour type {colour} with bit depth {depth}")));
    }

    // tRNS must precede IDAT; eXIf should, but some writers put it after, so keep looking
    // (leniently: a short tail only loses the orientation).
    let (mut trns, mut orientation, mut seen_idat) = (false, None, false);
    loop {
        let Some((kind, data, next)) = chunk_at(bytes, at) else {
            if seen_idat {
                break;
            }
            return Err(corrupt("file ends before the image data"));
        };
        match &kind {
            b"IDAT" => seen_idat = true,
            b"IEND" => break,
            b"tRNS" if !seen_idat => trns = true,
            b"eXIf" if orientation.is_none() => orientation = Some(exif::orientation(data)),
            _ => {}
        }
        if seen_idat && orientation.is_some() {
            break;
        }
        at = next;
    }
    if !seen_idat {
        return Err(corrupt("no image data (IDAT)"));
    }
    Ok(Header { width, height, depth, colour, trns, orientation: orientation.unwrap_or(1) })
}

pub(super) fn probe(bytes: &[u8]) -> Result<Probe> {
    let h = parse_header(bytes)?;
    Ok(Probe {
        format: Format::Png,
        width: h.width,
        height: h.height,
        orientation: h.orientation,
        has_alpha: h.has_alpha(),
        frames: 1, // APNG: only the default image is read
        progressive: false,
    })
}

/// Estimated peak bytes: decoder output (palette and tRNS expanded; `deep`: 16-bit samples
/// stay two bytes), our grey expansion, a few raw rows for unfiltering and the inflate state.
/// The 16-bit path also holds a u16 copy of the samples, which is also about what colour
/// management and the 16-bit resize hold next to it later.
fn decode_cost(h: &Header, deep: bool) -> u64 {
    let px = u64::from(h.width) * u64::from(h.height) * if deep { 2 } else { 1 };
    let out_channels = if h.has_alpha() { 4 } else { 3 };
    let decoder_samples = match h.colour {
        0 => 1 + u64::from(h.trns),
        4 => 2,
        _ => out_channels,
    };
    let expansion = if decoder_samples < 3 { px * out_channels } else { 0 };
    let samples_in_file = [1, 0, 3, 1, 2, 0, 4][h.colour as usize];
    let raw_row = (u64::from(h.width) * samples_in_file * u64::from(h.depth)).div_ceil(8) + 1;
    let deep_copy = if deep { px * out_channels } else { 0 };
    px * decoder_samples + expansion + deep_copy + raw_row * 4 + (1 << 18)
}

fn decoder_error(e: ::png::DecodingError) -> Error {
    match e {
        ::png::DecodingError::LimitsExceeded => Error::too_large("PNG needs more memory than the decode limit"),
        e => corrupt(&e.to_string()),
    }
}

/// The 8-bit image (16-bit samples keep their high byte).
pub(super) fn decode(bytes: &[u8], limits: &Limits) -> Result<Image> {
    decode_at_depth(bytes, limits, false).map(Decoded::into_8bit)
}

/// 16-bit files keep their 16 bits when that fits the decode budget (four times the 8-bit
/// cost); larger ones are decoded to 8 bits as before rather than refused.
pub(super) fn decode_full_depth(bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    decode_at_depth(bytes, limits, true)
}

fn decode_at_depth(bytes: &[u8], limits: &Limits, keep_16: bool) -> Result<Decoded> {
    let h = parse_header(bytes)?;
    let (w, ht) = (h.width, h.height);
    check_pixels(Format::Png, w, ht, limits)?;
    let deep = keep_16 && h.depth == 16 && decode_cost(&h, true) <= limits.max_decode_bytes;
    check_budget("PNG", w, ht, decode_cost(&h, deep), limits)?;

    let budget = usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX);
    let mut decoder = ::png::Decoder::new_with_limits(Cursor::new(bytes), ::png::Limits { bytes: budget });
    // Text and ICC chunks are compressed and unused here: skipping them defuses zlib bombs.
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    // Palette → RGB(A), tRNS → alpha, low bit depths → 8; 16 stays 16 when `deep`.
    let strip = if deep { ::png::Transformations::IDENTITY } else { ::png::Transformations::STRIP_16 };
    decoder.set_transformations(::png::Transformations::EXPAND | strip);
    let mut reader = decoder.read_info().map_err(decoder_error)?;
    let size = reader.output_buffer_size().ok_or_else(|| Error::too_large("PNG is too large to decode"))?;
    let mut data = vec![0; size];
    let info = reader.next_frame(&mut data).map_err(decoder_error)?;
    data.truncate(info.buffer_size());
    let px = w as usize * ht as usize;
    let out_channels = if h.has_alpha() { 4 } else { 3 };
    let samples = info.color_type.samples();
    let expected_alpha = matches!(info.color_type, ::png::ColorType::GrayscaleAlpha | ::png::ColorType::Rgba);
    if (info.width, info.height) != (w, ht)
        || info.bit_depth != if deep { ::png::BitDepth::Sixteen } else { ::png::BitDepth::Eight }
        || data.len() != px * samples * if deep { 2 } else { 1 }
        || expected_alpha != h.has_alpha()
        || info.color_type == ::png::ColorType::Indexed
    {
        return Err(corrupt("unexpected frame layout"));
    }
    if deep {
        // Big-endian samples; grey is replicated like the 8-bit path does.
        let s: Vec<u16> = data.chunks_exact(2).map(|b| u16::from_be_bytes([b[0], b[1]])).collect();
        drop(data);
        let s = match info.color_type {
            ::png::ColorType::Grayscale => s.iter().flat_map(|&g| [g, g, g]).collect(),
            ::png::ColorType::GrayscaleAlpha => s.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect(),
            _ => s,
        };
        return Ok(Decoded::Sixteen(Image16::new(w, ht, out_channels, s)));
    }
    let data = match info.color_type {
        ::png::ColorType::Grayscale => expand_grey(&data, false),
        ::png::ColorType::GrayscaleAlpha => expand_grey(&data, true),
        _ => data,
    };
    Ok(Decoded::Eight(Image::new(w, ht, out_channels, data)))
}

/// PNG header fields for `tags`: pHYs in pixels per metre, iCCP.
fn tagged_info<'a>(width: u32, height: u32, tags: &'a super::Tags) -> ::png::Info<'a> {
    let mut info = ::png::Info::with_size(width, height);
    info.pixel_dims = tags.dpi.map(|dpi| {
        let ppm = (f64::from(dpi) / 0.0254).round() as u32;
        ::png::PixelDimensions { xppu: ppm, yppu: ppm, unit: ::png::Unit::Meter }
    });
    info.icc_profile = tags.icc.as_deref().map(std::borrow::Cow::Borrowed);
    info
}

pub(super) fn encode(image: &Image, tags: &super::Tags) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(image.data.len() / 4);
    let info = tagged_info(image.width, image.height, tags);
    let mut encoder =
        ::png::Encoder::with_info(&mut out, info).map_err(|e| Error::internal(format!("PNG encoder setup: {e}")))?;
    encoder.set_color(if image.channels == 4 { ::png::ColorType::Rgba } else { ::png::ColorType::Rgb });
    encoder.set_depth(::png::BitDepth::Eight);
    // fdeflate + adaptive filtering: ~35x faster than Balanced for a slightly larger file.
    encoder.set_compression(::png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| Error::internal(format!("PNG header: {e}")))?;
    writer.write_image_data(&image.data).map_err(|e| Error::internal(format!("PNG data: {e}")))?;
    writer.finish().map_err(|e| Error::internal(format!("PNG finish: {e}")))?;
    Ok(out)
}

/// PNG8: a palette (with tRNS for translucent entries) at the smallest bit depth that fits.
pub(super) fn encode_indexed(q: &super::quantize::Indexed, tags: &super::Tags) -> Result<Vec<u8>> {
    let n = q.palette.len().max(1);
    let depth: u8 = match n {
        0..=2 => 1,
        3..=4 => 2,
        5..=16 => 4,
        _ => 8,
    };
    let (w, per_byte) = (q.width as usize, 8 / depth as usize);
    let row_bytes = w.div_ceil(per_byte);
    let mut packed = vec![0u8; row_bytes * q.height as usize];
    for (y, row) in q.indices.chunks_exact(w).enumerate() {
        let out = &mut packed[y * row_bytes..(y + 1) * row_bytes];
        for (x, &i) in row.iter().enumerate() {
            let shift = 8 - depth as usize * (x % per_byte + 1);
            out[x / per_byte] |= i << shift;
        }
    }
    let mut out = Vec::with_capacity(packed.len() / 2 + 1024);
    let info = tagged_info(q.width, q.height, tags);
    let mut encoder =
        ::png::Encoder::with_info(&mut out, info).map_err(|e| Error::internal(format!("PNG encoder setup: {e}")))?;
    encoder.set_color(::png::ColorType::Indexed);
    encoder.set_depth(match depth {
        1 => ::png::BitDepth::One,
        2 => ::png::BitDepth::Two,
        4 => ::png::BitDepth::Four,
        _ => ::png::BitDepth::Eight,
    });
    encoder.set_palette(q.palette.iter().flat_map(|c| [c[0], c[1], c[2]]).collect::<Vec<u8>>());
    // tRNS lists alpha up to the last translucent entry; later entries are opaque.
    if let Some(last) = q.palette.iter().rposition(|c| c[3] < 255) {
        encoder.set_trns(q.palette[..=last].iter().map(|c| c[3]).collect::<Vec<u8>>());
    }
    encoder.set_compression(::png::Compression::Fast);
    let mut writer = encoder.write_header().map_err(|e| Error::internal(format!("PNG header: {e}")))?;
    writer.write_image_data(&packed).map_err(|e| Error::internal(format!("PNG8 data: {e}")))?;
    writer.finish().map_err(|e| Error::internal(format!("PNG finish: {e}")))?;
    Ok(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::{self, EncodeOptions, OutputFormat};

    fn opts() -> EncodeOptions {
        EncodeOptions::new(OutputFormat::Png)
    }

    /// Encodes raw samples with the given PNG colour type and depth, plus extra chunks before IDAT.
    fn make_png(
        w: u32,
        h: u32,
        colour: ::png::ColorType,
        depth: ::png::BitDepth,
        data: &[u8],
        trns: Option<&[u8]>,
        palette: Option<&[u8]>,
    ) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = ::png::Encoder::new(&mut out, w, h);
        enc.set_color(colour);
        enc.set_depth(depth);
        if let Some(p) = palette {
            enc.set_palette(p.to_vec());
        }
        if let Some(t) = trns {
            enc.set_trns(t.to_vec());
        }
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(data).unwrap();
        wr.finish().unwrap();
        out
    }

    /// Inserts a raw chunk right after IHDR.
    fn insert_chunk(png: &[u8], kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut out = png[..33].to_vec();
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&crc32(kind, data).to_be_bytes());
        out.extend_from_slice(&png[33..]);
        out
    }

    fn crc32(kind: &[u8], data: &[u8]) -> u32 {
        let mut c = !0u32;
        for &b in kind.iter().chain(data) {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
        }
        !c
    }

    fn roundtrip(bytes: &[u8]) -> (Probe, Image) {
        let limits = Limits::default();
        let p = codec::probe(bytes, &limits).unwrap();
        let img = codec::decode(bytes, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.channels == 4, p.has_alpha);
        (p, img)
    }

    #[test]
    fn probe_and_decode_rgba_with_exif() {
        let rgba: Vec<u8> = (0..6 * 4 * 4).map(|i| i as u8).collect();
        let png = make_png(6, 4, ::png::ColorType::Rgba, ::png::BitDepth::Eight, &rgba, None, None);
        let png = insert_chunk(&png, b"eXIf", &exif::tiff_with_orientation(8, true));
        let (p, img) = roundtrip(&png);
        assert_eq!(
            p,
            Probe {
                format: Format::Png,
                width: 6,
                height: 4,
                orientation: 8,
                has_alpha: true,
                frames: 1,
                progressive: false
            }
        );
        assert_eq!(img.data, rgba);
    }

    #[test]
    fn grey_palette_trns_and_16_bit_are_normalised() {
        // Grey 8 → RGB.
        let (p, img) =
            roundtrip(&make_png(2, 1, ::png::ColorType::Grayscale, ::png::BitDepth::Eight, &[10, 200], None, None));
        assert!(!p.has_alpha);
        assert_eq!(img.data, vec![10, 10, 10, 200, 200, 200]);
        // Grey+alpha → RGBA.
        let (_, img) =
            roundtrip(&make_png(1, 1, ::png::ColorType::GrayscaleAlpha, ::png::BitDepth::Eight, &[7, 99], None, None));
        assert_eq!(img.data, vec![7, 7, 7, 99]);
        // 16-bit RGB → 8-bit (high byte).
        let (_, img) = roundtrip(&make_png(
            1,
            1,
            ::png::ColorType::Rgb,
            ::png::BitDepth::Sixteen,
            &[0x12, 0x34, 0xAB, 0xCD, 0xFF, 0xFF],
            None,
            None,
        ));
        assert_eq!(img.data, vec![0x12, 0xAB, 0xFF]);
        // Palette without and with tRNS.
        let palette = [255, 0, 0, 0, 0, 255];
        let (p, img) = roundtrip(&make_png(
            2,
            1,
            ::png::ColorType::Indexed,
            ::png::BitDepth::Eight,
            &[1, 0],
            None,
            Some(&palette),
        ));
        assert!(!p.has_alpha);
        assert_eq!(img.data, vec![0, 0, 255, 255, 0, 0]);
        let (p, img) = roundtrip(&make_png(
            2,
            1,
            ::png::ColorType::Indexed,
            ::png::BitDepth::Eight,
            &[1, 0],
            Some(&[0]),
            Some(&palette),
        ));
        assert!(p.has_alpha);
        assert_eq!(img.data, vec![0, 0, 255, 255, 255, 0, 0, 0]);
        // 1-bit grey → 0/255.
        let (_, img) =
            roundtrip(&make_png(8, 1, ::png::ColorType::Grayscale, ::png::BitDepth::One, &[0b1010_0000], None, None));
        assert_eq!(&img.data[..9], &[255, 255, 255, 0, 0, 0, 255, 255, 255]);
    }

    #[test]
    fn encode_round_trip_is_exact() {
        for channels in [3u8, 4] {
            let data: Vec<u8> = (0..37 * 23 * channels as usize).map(|i| (i * 7 % 251) as u8).collect();
            let image = Image::new(37, 23, channels, data);
            let bytes = codec::encode(&image, &opts()).unwrap();
            let (p, img) = roundtrip(&bytes);
            assert_eq!((p.width, p.height, p.has_alpha), (37, 23, channels == 4));
            assert_eq!(img, image);
        }
    }

    #[test]
    fn png8_round_trip_keeps_palette_colours_and_alpha() {
        for (n, depth) in [(2usize, 1u8), (4, 2), (16, 4), (200, 8)] {
            let palette: Vec<[u8; 4]> =
                (0..n).map(|i| [(i * 37 % 256) as u8, (i * 11) as u8, 7, if i == 0 { 0 } else { 255 }]).collect();
            let (w, h) = (13u32, 5u32);
            let indices: Vec<u8> = (0..w * h).map(|i| (i as usize * 7 % n) as u8).collect();
            let q = crate::codec::quantize::Indexed { width: w, height: h, palette: palette.clone(), indices };
            let bytes = encode_indexed(&q, &Default::default()).unwrap();
            assert_eq!(bytes[24], depth, "{n} colours");
            assert_eq!(bytes[25], 3, "colour type 3 (indexed)");
            let (p, img) = roundtrip(&bytes);
            assert!(p.has_alpha);
            for (i, &ix) in q.indices.iter().enumerate() {
                assert_eq!(img.data[i * 4..i * 4 + 4], palette[ix as usize], "{n} colours, pixel {i}");
            }
        }
    }

    #[test]
    fn huge_declared_size_is_413_from_the_header() {
        let mut png = make_png(1, 1, ::png::ColorType::Rgb, ::png::BitDepth::Eight, &[0, 0, 0], None, None);
        png[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        png[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let e = codec::probe(&png, &Limits::default()).unwrap_err();
        assert_eq!(e.status, 413);
        assert!(e.message.contains("100000x100000"), "{e}");
        // Within the pixel limit but over the decode budget (9000x9000 RGBA ≈ 309 MB).
        png[16..20].copy_from_slice(&9000u32.to_be_bytes());
        png[20..24].copy_from_slice(&9000u32.to_be_bytes());
        png[25] = 6;
        let p = codec::probe(&png, &Limits::default()).unwrap();
        let e = codec::decode(&png, &p, (1, 1), &Limits::default()).unwrap_err();
        assert_eq!(e.status, 413, "{e}");
    }

    #[test]
    fn corrupt_headers_are_422() {
        let png = make_png(1, 1, ::png::ColorType::Rgb, ::png::BitDepth::Eight, &[0, 0, 0], None, None);
        let mut bad_colour = png.clone();
        bad_colour[25] = 5;
        let mut zero = png.clone();
        zero[16..20].copy_from_slice(&0u32.to_be_bytes());
        for bytes in [&png[..20], &png[..40], &bad_colour[..], &zero[..]] {
            assert_eq!(codec::probe(bytes, &Limits::default()).unwrap_err().status, 422);
        }
    }

    #[test]
    fn truncated_files_never_panic() {
        let limits = Limits::default();
        let data: Vec<u8> = (0..64 * 64 * 4).map(|i| (i * 31 % 256) as u8).collect();
        let png = codec::encode(&Image::new(64, 64, 4, data), &opts()).unwrap();
        for cut in 0..png.len() {
            let part = &png[..cut];
            match codec::probe(part, &limits).and_then(|p| codec::decode(part, &p, (1, 1), &limits)) {
                Ok(img) => assert_eq!((img.width, img.height, img.channels), (64, 64, 4)),
                Err(e) => assert!(matches!(e.status, 415 | 422), "cut {cut}: {e}"),
            }
        }
    }

    #[test]
    fn tags_are_written_to_truecolour_and_palette_pngs() {
        use crate::codec::{container, Tags};
        let icc = crate::codec::icc::tiny_srgb();
        let tags = Tags { icc: Some(icc.clone()), dpi: Some(144), iptc: None };
        let image = Image::new(5, 3, 4, (0..60).map(|i| (i * 4) as u8).collect());
        for format in [OutputFormat::Png, OutputFormat::Png8] {
            let bytes = codec::encode_tagged(&image, &EncodeOptions { format, ..opts() }, &tags).unwrap();
            let x = container::read(&bytes, Format::Png);
            assert_eq!(x.icc.as_deref(), Some(icc.as_slice()), "{format:?}");
            let (dx, dy) = x.dpi.unwrap();
            assert!((dx - 144.0).abs() < 0.05 && (dy - 144.0).abs() < 0.05, "{format:?} {dx} {dy}");
            let (p, _) = roundtrip(&bytes);
            assert_eq!((p.width, p.height), (5, 3));
        }
        let plain = codec::encode(&image, &opts()).unwrap();
        assert_eq!(container::read(&plain, Format::Png).icc, None);
        assert_eq!(roundtrip(&plain).1, image);
    }

    #[test]
    fn sixteen_bit_pngs_decode_to_sixteen_bits() {
        let samples: Vec<u8> = [0x1234u16, 0xABCD, 0xFFFF, 0x0001].iter().flat_map(|v| v.to_be_bytes()).collect();
        let png = make_png(1, 1, ::png::ColorType::Rgba, ::png::BitDepth::Sixteen, &samples, None, None);
        let Decoded::Sixteen(i) = decode_full_depth(&png, &Limits::default()).unwrap() else { panic!("8-bit") };
        assert_eq!((i.channels, i.data.clone()), (4, vec![0x1234, 0xABCD, 0xFFFF, 0x0001]));
        let grey: Vec<u8> = [0x8001u16, 0x00FF].iter().flat_map(|v| v.to_be_bytes()).collect();
        let png = make_png(1, 1, ::png::ColorType::GrayscaleAlpha, ::png::BitDepth::Sixteen, &grey, None, None);
        let Decoded::Sixteen(i) = decode_full_depth(&png, &Limits::default()).unwrap() else { panic!("8-bit") };
        assert_eq!(i.data, vec![0x8001, 0x8001, 0x8001, 0x00FF]);
        let png = make_png(1, 1, ::png::ColorType::Rgb, ::png::BitDepth::Eight, &[1, 2, 3], None, None);
        assert!(matches!(decode_full_depth(&png, &Limits::default()).unwrap(), Decoded::Eight(_)));
        // Over the budget at 16 bits but not at 8: decoded to 8 bits (high byte) instead of a 413.
        let (w, h) = (400u32, 300u32);
        let big: Vec<u8> = (0..w * h * 3).flat_map(|i| [(i % 256) as u8, 0x7F]).collect();
        let png = make_png(w, h, ::png::ColorType::Rgb, ::png::BitDepth::Sixteen, &big, None, None);
        let limits = Limits { max_decode_bytes: 1_200_000, ..Limits::default() };
        let Decoded::Eight(i) = decode_full_depth(&png, &limits).unwrap() else { panic!("16-bit over budget") };
        assert_eq!(&i.data[..3], &[0, 1, 2]);
        assert!(matches!(decode_full_depth(&png, &Limits::default()).unwrap(), Decoded::Sixteen(_)));
    }
}
