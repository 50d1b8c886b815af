//! TIFF input through the `tiff` crate: the first page (IFD) only, grey, grey+alpha, RGB and
//! RGBA at 8 or 16 bits (16 stays 16 for colour management and resize), uncompressed, LZW, Deflate or PackBits. JPEG-in-TIFF,
//! fax, palette (the crate does not read it), CMYK, YCbCr, planar layouts and float samples are
//! a clear 415. The
//! Orientation tag becomes the probe's orientation, as EXIF's does for JPEG.

use std::io::Cursor;

use ::tiff::decoder::{Decoder, DecodingResult, Limits as TiffLimits};
use ::tiff::tags::Tag;
use ::tiff::{ColorType, TiffError};

use super::container::Extras;
use super::{check_budget, check_pixels, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::{Decoded, Image, Image16};

fn error(e: TiffError) -> Error {
    match e {
        TiffError::UnsupportedError(u) => Error::unsupported_format(format!("unsupported TIFF: {u}")),
        TiffError::LimitsExceeded => Error::too_large("TIFF is over the decoding limits"),
        other => Error::undecodable(format!("corrupt TIFF: {other}")),
    }
}

/// What we read of the first IFD before any pixel.
struct Header {
    width: u32,
    height: u32,
    color: ColorType,
    orientation: u8,
    /// ExtraSamples = 1: the alpha is associated (premultiplied).
    premultiplied: bool,
}

fn header(decoder: &mut Decoder<Cursor<&[u8]>>) -> Result<Header> {
    let (width, height) = decoder.dimensions().map_err(error)?;
    let compression = decoder.find_tag_unsigned::<u16>(Tag::Compression).map_err(error)?.unwrap_or(1);
    let name = match compression {
        1 | 5 | 8 | 32946 | 32773 => None,
        2..=4 => Some("fax (CCITT)"),
        6 | 7 => Some("JPEG"),
        34887 | 50000 => Some("ZSTD"),
        50001 => Some("WebP"),
        _ => Some("an unknown"),
    };
    if let Some(name) = name {
        return Err(Error::unsupported_format(format!("TIFF with {name} compression is not supported")));
    }
    if decoder.find_tag_unsigned::<u16>(Tag::PlanarConfiguration).map_err(error)? == Some(2) {
        return Err(Error::unsupported_format("planar (separate-plane) TIFF is not supported"));
    }
    let formats = decoder.find_tag_unsigned_vec::<u16>(Tag::SampleFormat).map_err(error)?;
    if formats.is_some_and(|f| f.iter().any(|&f| f != 1)) {
        return Err(Error::unsupported_format("TIFF with signed or floating-point samples is not supported"));
    }
    let color = decoder.colortype().map_err(error)?;
    let supported = match color {
        ColorType::Gray(b) | ColorType::RGB(b) | ColorType::RGBA(b) | ColorType::GrayA(b) => matches!(b, 8 | 16),
        ColorType::Multiband { bit_depth, num_samples: 2 } => matches!(bit_depth, 8 | 16),
        _ => false,
    };
    if !supported {
        return Err(Error::unsupported_format(format!("TIFF colour type {color:?} is not supported")));
    }
    let orientation = decoder.find_tag_unsigned::<u16>(Tag::Orientation).ok().flatten().unwrap_or(1);
    let extra = decoder.find_tag_unsigned_vec::<u16>(Tag::ExtraSamples).ok().flatten().and_then(|e| e.first().copied());
    Ok(Header {
        width,
        height,
        color,
        orientation: if (1..=8).contains(&orientation) { orientation as u8 } else { 1 },
        premultiplied: extra == Some(1),
    })
}

fn open(bytes: &[u8], decoding_buffer: usize) -> Result<Decoder<Cursor<&[u8]>>> {
    let mut limits = TiffLimits::default();
    limits.decoding_buffer_size = decoding_buffer;
    limits.intermediate_buffer_size = decoding_buffer;
    limits.ifd_value_size = 1024 * 1024;
    Ok(Decoder::new(Cursor::new(bytes)).map_err(error)?.with_limits(limits))
}

fn has_alpha(color: ColorType) -> bool {
    matches!(color, ColorType::RGBA(_) | ColorType::GrayA(_) | ColorType::Multiband { .. })
}

/// ICC profile, bit depth and colour model from the first IFD.
pub(super) fn extras(bytes: &[u8], x: &mut Extras) {
    let Ok(mut decoder) = open(bytes, 1 << 20) else { return };
    let tag = |d: &mut Decoder<Cursor<&[u8]>>, t: Tag| d.find_tag_unsigned_vec::<u16>(t).ok().flatten();
    if let Some(bits) = tag(&mut decoder, Tag::BitsPerSample).and_then(|b| b.first().copied()) {
        x.depth = bits.min(255) as u8;
    }
    x.color_model = match tag(&mut decoder, Tag::PhotometricInterpretation).and_then(|p| p.first().copied()) {
        Some(0 | 1) => "Gray",
        Some(3) => "Indexed",
        Some(5) => "CMYK",
        _ => "RGB",
    };
    x.icc = decoder.get_tag_u8_vec(Tag::IccProfile).ok();
}

pub(super) fn probe(bytes: &[u8]) -> Result<Probe> {
    let h = header(&mut open(bytes, 1 << 20)?)?;
    Ok(Probe {
        format: Format::Tiff,
        width: h.width,
        height: h.height,
        orientation: h.orientation,
        has_alpha: has_alpha(h.color),
        frames: 1,
        progressive: false,
    })
}

/// The first page; 16-bit samples stay 16-bit (`Decoded::Sixteen`) when the budget allows both
/// the samples and a 16-bit image, else they round to 8 bits.
pub(super) fn decode_full_depth(bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    let mut decoder = open(bytes, 1 << 20)?;
    let h = header(&mut decoder)?;
    check_pixels(Format::Tiff, h.width, h.height, limits)?;
    let samples = u64::from(h.color.num_samples());
    let sample_bytes = if h.color.bit_depth() > 8 { 2 } else { 1 };
    let px = u64::from(h.width) * u64::from(h.height);
    let raw = px * samples * sample_bytes;
    let channels: u8 = if has_alpha(h.color) { 4 } else { 3 };
    let image_bytes = |depth: u64| px * u64::from(channels) * depth;
    let deep = sample_bytes == 2 && raw + image_bytes(2) <= limits.max_decode_bytes;
    check_budget("TIFF", h.width, h.height, raw + image_bytes(if deep { 2 } else { 1 }), limits)?;
    // The crate's own buffer limit backs up our estimate.
    let mut decoder = open(bytes, usize::try_from(raw).unwrap_or(usize::MAX))?;
    let data = decoder.read_image().map_err(error)?;
    let len = match &data {
        DecodingResult::U8(v) => v.len(),
        DecodingResult::U16(v) => v.len(),
        _ => return Err(Error::unsupported_format("TIFF sample format is not supported")),
    };
    if len as u64 != px * samples {
        return Err(Error::undecodable("corrupt TIFF: pixel data is short"));
    }
    let unpremultiply = h.premultiplied && channels == 4;
    let data = match data {
        DecodingResult::U16(v) if deep => {
            let mut out = match h.color {
                ColorType::Gray(_) => v.iter().flat_map(|&g| [g, g, g]).collect(),
                ColorType::GrayA(_) | ColorType::Multiband { .. } => {
                    v.chunks_exact(2).flat_map(|p| [p[0], p[0], p[0], p[1]]).collect()
                }
                _ => v,
            };
            if unpremultiply {
                super::unpremultiply16(&mut out);
            }
            return Ok(Decoded::Sixteen(Image16::new(h.width, h.height, channels, out)));
        }
        DecodingResult::U8(v) => v,
        // 16 → 8 bits, rounded: v * 255 / 65535.
        DecodingResult::U16(v) => v.into_iter().map(|s| ((u32::from(s) * 255 + 32767) / 65535) as u8).collect(),
        _ => unreachable!("checked above"),
    };
    let mut out = match h.color {
        ColorType::Gray(_) => super::expand_grey(&data, false),
        ColorType::GrayA(_) | ColorType::Multiband { .. } => super::expand_grey(&data, true),
        _ => data,
    };
    if unpremultiply {
        super::unpremultiply(&mut out);
    }
    Ok(Decoded::Eight(Image::new(h.width, h.height, channels, out)))
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Cursor;

    use ::tiff::encoder::{colortype, Compression, DeflateLevel, TiffEncoder};
    use ::tiff::tags::Tag;

    use super::super::{decode, probe, Format};
    use crate::codec::Limits;

    /// A 16-bit RGB TIFF whose red rises left to right and green top to bottom, with an
    /// Orientation tag.
    pub(crate) fn rgb16(w: u32, h: u32, compression: Compression, orientation: u16) -> Vec<u8> {
        let data: Vec<u16> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x * 65535 / (w - 1)) as u16, (y * 65535 / (h - 1)) as u16, 25900]
            })
            .collect();
        let mut out = Cursor::new(Vec::new());
        let mut enc = TiffEncoder::new(&mut out).unwrap().with_compression(compression);
        let mut image = enc.new_image::<colortype::RGB16>(w, h).unwrap();
        image.encoder().write_tag(Tag::Orientation, orientation).unwrap();
        image.write_data(&data).unwrap();
        out.into_inner()
    }

    /// An uncompressed 8-bit palette TIFF, written by hand (the crate's encoder has no palette):
    /// index i is (i, 255 - i, 7) and pixel (x, y) holds index x + y.
    fn palette(w: u16, h: u16) -> Vec<u8> {
        let pixels: Vec<u8> = (0..h).flat_map(|y| (0..w).map(move |x| (x + y) as u8)).collect();
        let map: Vec<u16> = (0..768).map(|i| [i % 256, 255 - i % 256, 7][i / 256] as u16 * 257).collect();
        let entries = 10u16;
        let ifd = 8u32;
        let data_at = ifd + 2 + u32::from(entries) * 12 + 4;
        let map_at = data_at + pixels.len() as u32;
        let mut b = b"II*\0".to_vec();
        b.extend_from_slice(&ifd.to_le_bytes());
        b.extend_from_slice(&entries.to_le_bytes());
        let mut tag = |t: u16, ty: u16, n: u32, v: u32| {
            b.extend_from_slice(&t.to_le_bytes());
            b.extend_from_slice(&ty.to_le_bytes());
            b.extend_from_slice(&n.to_le_bytes());
            b.extend_from_slice(&v.to_le_bytes());
        };
        tag(256, 3, 1, u32::from(w));
        tag(257, 3, 1, u32::from(h));
        tag(258, 3, 1, 8);
        tag(259, 3, 1, 1);
        tag(262, 3, 1, 3);
        tag(273, 4, 1, data_at);
        tag(277, 3, 1, 1);
        tag(278, 3, 1, u32::from(h));
        tag(279, 4, 1, pixels.len() as u32);
        tag(320, 3, 768, map_at);
        b.extend_from_slice(&0u32.to_le_bytes());
        b.extend_from_slice(&pixels);
        b.extend(map.iter().flat_map(|v| v.to_le_bytes()));
        b
    }

    #[test]
    fn sixteen_bit_rgb_in_every_compression_rounds_to_eight() {
        let limits = Limits::default();
        for compression in [
            Compression::Uncompressed,
            Compression::Lzw,
            Compression::Deflate(DeflateLevel::Fast),
            Compression::Packbits,
        ] {
            let file = rgb16(31, 17, compression, 6);
            assert_eq!(Format::sniff(&file), Some(Format::Tiff));
            let p = probe(&file, &limits).unwrap();
            assert_eq!((p.format, p.width, p.height, p.orientation, p.has_alpha), (Format::Tiff, 31, 17, 6, false));
            let img = decode(&file, &p, (31, 17), &limits).unwrap();
            assert_eq!((img.width, img.height, img.channels), (31, 17, 3));
            // Blue 25900 / 257 = 100.78: rounded to 101 (truncation would give 100).
            assert_eq!(img.pixel(0, 0), &[0, 0, 101]);
            assert_eq!(img.pixel(30, 16), &[255, 255, 101]);
        }
    }

    #[test]
    fn sixteen_bit_samples_stay_sixteen_bit_at_full_depth() {
        use super::super::decode_full_depth;
        use crate::image::Decoded;
        let limits = Limits::default();
        let file = rgb16(31, 17, Compression::Lzw, 1);
        let p = probe(&file, &limits).unwrap();
        let Decoded::Sixteen(img) = decode_full_depth(&file, &p, (31, 17), &limits).unwrap().pixels else {
            panic!("16-bit TIFF decoded to 8 bits");
        };
        assert_eq!((img.width, img.height, img.channels), (31, 17, 3));
        assert_eq!(&img.data[..3], &[0, 0, 25900]);
        let last = img.data.len() - 3;
        assert_eq!(&img.data[last..], &[65535, 65535, 25900]);

        // Associated alpha: colour divided by alpha, at 16 bits.
        let mut out = Cursor::new(Vec::new());
        {
            let mut enc = TiffEncoder::new(&mut out).unwrap();
            let mut image = enc.new_image::<colortype::RGBA16>(2, 1).unwrap();
            image.encoder().write_tag(Tag::ExtraSamples, 1u16).unwrap();
            image.write_data(&[10000, 5000, 0, 20000, 0, 0, 0, 0]).unwrap();
        }
        let file = out.into_inner();
        let p = probe(&file, &limits).unwrap();
        let Decoded::Sixteen(img) = decode_full_depth(&file, &p, (2, 1), &limits).unwrap().pixels else {
            panic!("16-bit RGBA TIFF decoded to 8 bits");
        };
        assert_eq!(img.channels, 4);
        assert_eq!(img.data, [32768, 16384, 0, 20000, 0, 0, 0, 0]);

        // A budget with room for 8 bits but not 16: the same file rounds to 8 bits.
        let file = rgb16(40, 30, Compression::Uncompressed, 1);
        let p = probe(&file, &limits).unwrap();
        let tight = Limits { max_decode_bytes: 40 * 30 * (6 + 3), ..limits };
        assert!(matches!(decode_full_depth(&file, &p, (1, 1), &tight).unwrap().pixels, Decoded::Eight(_)));
        let roomy = Limits { max_decode_bytes: 40 * 30 * (6 + 6), ..limits };
        assert!(matches!(decode_full_depth(&file, &p, (1, 1), &roomy).unwrap().pixels, Decoded::Sixteen(_)));
    }

    #[test]
    fn grey_rgba_and_a_clear_415_for_palette() {
        let limits = Limits::default();
        let mut out = Cursor::new(Vec::new());
        let rgba: Vec<u8> = (0..6 * 4).flat_map(|i| [i as u8 * 10, 20, 30, 255 - i as u8]).collect();
        TiffEncoder::new(&mut out).unwrap().write_image::<colortype::RGBA8>(6, 4, &rgba).unwrap();
        let file = out.into_inner();
        let p = probe(&file, &limits).unwrap();
        assert!(p.has_alpha);
        let img = decode(&file, &p, (6, 4), &limits).unwrap();
        assert_eq!(img.data, rgba);

        let mut out = Cursor::new(Vec::new());
        let grey: Vec<u16> = (0..8).map(|i| i * 8000).collect();
        TiffEncoder::new(&mut out).unwrap().write_image::<colortype::Gray16>(4, 2, &grey).unwrap();
        let file = out.into_inner();
        let p = probe(&file, &limits).unwrap();
        let img = decode(&file, &p, (4, 2), &limits).unwrap();
        assert_eq!((img.channels, img.pixel(3, 1)), (3, &[218, 218, 218][..]));

        // Palette: the crate refuses it, and so do we, clearly.
        let e = probe(&palette(16, 8), &limits).unwrap_err();
        assert!(e.status == 415 && e.message.contains("Palette"), "{e}");
    }

    #[test]
    fn limits_unsupported_and_corrupt() {
        let limits = Limits::default();
        let file = rgb16(40, 30, Compression::Lzw, 1);
        let few = Limits { max_input_pixels: 40 * 30 - 1, ..limits };
        assert_eq!(probe(&file, &few).unwrap_err().status, 413);
        let p = probe(&file, &limits).unwrap();
        let poor = Limits { max_decode_bytes: 1000, ..limits };
        assert_eq!(decode(&file, &p, (1, 1), &poor).unwrap_err().status, 413);
        // JPEG-compressed: patch the Compression tag's value from LZW (5) to JPEG (7).
        let mut jpeg = file.clone();
        let at = (0..jpeg.len() - 12)
            .find(|&i| jpeg[i..i + 2] == 259u16.to_le_bytes() && jpeg[i + 8..i + 10] == 5u16.to_le_bytes())
            .unwrap();
        jpeg[at + 8] = 7;
        let e = probe(&jpeg, &limits).unwrap_err();
        assert!(e.status == 415 && e.message.contains("JPEG"), "{e}");
        for cut in [6, 30, file.len() / 2] {
            let b = &file[..cut];
            let e = probe(b, &limits).and_then(|p| decode(b, &p, (1, 1), &limits)).unwrap_err();
            assert!(e.status == 422 || e.status == 415, "cut at {cut}: {e}");
        }
    }
}
