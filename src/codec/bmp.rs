//! BMP and ICO inputs, our own small reader: uncompressed BMP at 1/4/8 bits (palette), 16, 24
//! and 32 bits (BI_RGB or BI_BITFIELDS masks), bottom-up or top-down; ICO/CUR picks the largest
//! entry, which is a PNG (decoded by `super::png`) or a headerless BMP with an AND mask. RLE and
//! embedded JPEG/PNG BMPs are refused with a clear 415.

use super::{check_budget, check_pixels, png, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt BMP: {what}"))
}

fn le16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

/// A DIB header (BITMAPINFOHEADER or later) starting at `dib`; pixel data at `data`.
struct Dib {
    width: u32,
    height: u32,
    top_down: bool,
    bpp: u16,
    masks: Option<[u32; 4]>,
    palette: Vec<[u8; 4]>,
    data: usize,
    /// ICO: the height field counts the AND mask too, which follows the colour data.
    and_mask: bool,
}

fn parse_dib(b: &[u8], dib: usize, data: Option<usize>, ico: bool) -> Result<Dib> {
    let short = || corrupt("file ends inside the header");
    let size = le32(b, dib).ok_or_else(short)? as usize;
    if size < 40 {
        return Err(Error::unsupported_format("OS/2 BMP (BITMAPCOREHEADER) is not supported"));
    }
    let width = le32(b, dib + 4).ok_or_else(short)? as i32;
    let mut height = le32(b, dib + 8).ok_or_else(short)? as i32;
    let bpp = le16(b, dib + 14).ok_or_else(short)?;
    let compression = le32(b, dib + 16).ok_or_else(short)?;
    let colours = le32(b, dib + 32).ok_or_else(short)? as usize;
    if ico {
        height /= 2;
    }
    if width <= 0 || height == 0 || height == i32::MIN {
        return Err(corrupt("invalid size"));
    }
    let masks = match compression {
        0 => None,
        3 | 6 => {
            // Masks follow a 40-byte header, or sit inside V2+ headers at the same place.
            let m = |i: usize| le32(b, dib + 40 + i * 4).unwrap_or(0);
            Some([m(0), m(1), m(2), if compression == 6 || size >= 56 { m(3) } else { 0 }])
        }
        1 | 2 => return Err(Error::unsupported_format("RLE-compressed BMP is not supported")),
        4 | 5 => return Err(Error::unsupported_format("BMP with embedded JPEG or PNG is not supported")),
        _ => return Err(corrupt("unknown compression")),
    };
    if !matches!(bpp, 1 | 4 | 8 | 16 | 24 | 32) {
        return Err(corrupt(&format!("{bpp} bits per pixel")));
    }
    let extra_masks = if compression == 3 && size == 40 { 12 } else { 0 };
    let pal_at = dib + size + extra_masks;
    let n = if bpp <= 8 {
        if colours == 0 {
            1 << bpp
        } else {
            colours.min(256)
        }
    } else {
        0
    };
    let palette = (0..n)
        .map(|i| b.get(pal_at + i * 4..pal_at + i * 4 + 4).map(|p| [p[2], p[1], p[0], 255]))
        .collect::<Option<Vec<_>>>()
        .ok_or_else(|| corrupt("palette past the end"))?;
    Ok(Dib {
        width: width as u32,
        height: height.unsigned_abs(),
        top_down: height < 0,
        bpp,
        masks,
        palette,
        data: data.unwrap_or(pal_at + n * 4),
        and_mask: ico,
    })
}

impl Dib {
    fn stride(&self) -> usize {
        (self.width as usize * self.bpp as usize).div_ceil(32) * 4
    }
    fn has_alpha(&self) -> bool {
        self.and_mask || self.masks.is_some_and(|m| m[3] != 0)
    }
}

/// BMP file header "BM", then the DIB.
fn bmp_dib(b: &[u8]) -> Result<Dib> {
    let data = le32(b, 10).ok_or_else(|| corrupt("file ends inside the header"))? as usize;
    parse_dib(b, 14, Some(data), false)
}

/// The ICO entry with the most pixels: (offset, size).
fn ico_entry(b: &[u8]) -> Result<(usize, usize)> {
    let count = le16(b, 4).ok_or_else(|| corrupt("short ICO header"))? as usize;
    (0..count.min(256))
        .filter_map(|i| {
            let e = 6 + i * 16;
            let (w, h) = (*b.get(e)?, *b.get(e + 1)?);
            let px = (if w == 0 { 256 } else { u32::from(w) }) * (if h == 0 { 256 } else { u32::from(h) });
            Some((px, le32(b, e + 12)? as usize, le32(b, e + 8)? as usize))
        })
        .max_by_key(|e| e.0)
        .map(|(_, at, size)| (at, size))
        .ok_or_else(|| corrupt("ICO without images"))
}

fn is_png(b: &[u8]) -> bool {
    b.starts_with(b"\x89PNG\r\n\x1a\n")
}

pub(super) fn probe(bytes: &[u8], format: Format) -> Result<Probe> {
    let dib = if format == Format::Ico {
        let (at, size) = ico_entry(bytes)?;
        let entry =
            bytes.get(at..at.saturating_add(size).min(bytes.len())).ok_or_else(|| corrupt("entry past the end"))?;
        if is_png(entry) {
            let p = png::probe(entry)?;
            return Ok(Probe { format, ..p });
        }
        parse_dib(entry, 0, None, true)?
    } else {
        bmp_dib(bytes)?
    };
    Ok(Probe {
        format,
        width: dib.width,
        height: dib.height,
        orientation: 1,
        has_alpha: dib.has_alpha(),
        frames: 1,
        progressive: false,
    })
}

pub(super) fn decode(bytes: &[u8], format: Format, limits: &Limits) -> Result<Image> {
    let (b, dib) = if format == Format::Ico {
        let (at, size) = ico_entry(bytes)?;
        let entry =
            bytes.get(at..at.saturating_add(size).min(bytes.len())).ok_or_else(|| corrupt("entry past the end"))?;
        if is_png(entry) {
            return png::decode(entry, limits);
        }
        (entry, parse_dib(entry, 0, None, true)?)
    } else {
        (bytes, bmp_dib(bytes)?)
    };
    check_pixels(format, dib.width, dib.height, limits)?;
    let (w, h) = (dib.width as usize, dib.height as usize);
    let channels = if dib.has_alpha() { 4 } else { 3 };
    check_budget("BMP", dib.width, dib.height, (w * h * channels) as u64, limits)?;
    let stride = dib.stride();
    let rows = b.get(dib.data..).unwrap_or_default();
    if rows.len() < stride * h {
        return Err(corrupt("pixel data ends early"));
    }
    let shift = |mask: u32, v: u32| -> u8 {
        if mask == 0 {
            return 255;
        }
        let bits = mask.count_ones();
        let v = (v & mask) >> mask.trailing_zeros();
        ((u64::from(v) * 255 + (1 << bits) / 2 - 1) / ((1u64 << bits) - 1)) as u8
    };
    let default_masks = if dib.bpp == 16 { [0x7C00, 0x03E0, 0x001F, 0] } else { [0xFF_0000, 0xFF00, 0xFF, 0] };
    let masks = dib.masks.unwrap_or(default_masks);
    let mut out = Vec::with_capacity(w * h * channels);
    for y in 0..h {
        let src_y = if dib.top_down { y } else { h - 1 - y };
        let row = &rows[src_y * stride..(src_y + 1) * stride];
        for x in 0..w {
            let px: [u8; 4] = match dib.bpp {
                1 | 4 | 8 => {
                    let bits = dib.bpp as usize;
                    let byte = row[x * bits / 8];
                    let idx = (byte >> (8 - bits - (x * bits % 8))) & ((1u16 << bits) - 1) as u8;
                    *dib.palette.get(idx as usize).unwrap_or(&[0, 0, 0, 255])
                }
                24 => [row[x * 3 + 2], row[x * 3 + 1], row[x * 3], 255],
                16 | 32 => {
                    let v = if dib.bpp == 16 {
                        u32::from(u16::from_le_bytes([row[x * 2], row[x * 2 + 1]]))
                    } else {
                        u32::from_le_bytes([row[x * 4], row[x * 4 + 1], row[x * 4 + 2], row[x * 4 + 3]])
                    };
                    [shift(masks[0], v), shift(masks[1], v), shift(masks[2], v), shift(masks[3], v)]
                }
                bits => {
                    return Err(Error::internal(format!(
                        "BMP rows of {bits} bits per pixel reached the bitfield decoder"
                    )))
                }
            };
            out.extend_from_slice(&px[..channels]);
        }
    }
    if dib.and_mask && !dib.masks.is_some_and(|m| m[3] != 0) && dib.bpp != 32 {
        // ICO transparency: a 1-bit AND mask after the colour rows (1 = transparent).
        let mstride = w.div_ceil(32) * 4;
        let mask = rows.get(stride * h..stride * h + mstride * h);
        for y in 0..h {
            let src_y = if dib.top_down { y } else { h - 1 - y };
            for x in 0..w {
                let bit = mask.map_or(0, |m| m[src_y * mstride + x / 8] >> (7 - x % 8) & 1);
                out[(y * w + x) * 4 + 3] = if bit == 1 { 0 } else { 255 };
            }
        }
    } else if dib.and_mask && dib.bpp == 32 && dib.masks.is_none() {
        // 32-bit ICO entries keep alpha in the fourth byte.
        for y in 0..h {
            let src_y = if dib.top_down { y } else { h - 1 - y };
            let row = &rows[src_y * stride..];
            for x in 0..w {
                out[(y * w + x) * 4 + 3] = row[x * 4 + 3];
            }
        }
    }
    Ok(Image::new(dib.width, dib.height, channels as u8, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec;

    /// A bottom-up BMP with a 40-byte header.
    fn make_bmp(w: u32, h: u32, bpp: u16, palette: &[[u8; 3]], rows: &[Vec<u8>]) -> Vec<u8> {
        let stride = (w as usize * bpp as usize).div_ceil(32) * 4;
        let data_at = 14 + 40 + palette.len() * 4;
        let mut b = b"BM".to_vec();
        b.extend_from_slice(&((data_at + stride * h as usize) as u32).to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&(data_at as u32).to_le_bytes());
        b.extend_from_slice(&40u32.to_le_bytes());
        b.extend_from_slice(&(w as i32).to_le_bytes());
        b.extend_from_slice(&(h as i32).to_le_bytes());
        b.extend_from_slice(&1u16.to_le_bytes());
        b.extend_from_slice(&bpp.to_le_bytes());
        b.extend_from_slice(&[0; 4]); // BI_RGB
        b.extend_from_slice(&[0; 12]);
        b.extend_from_slice(&(palette.len() as u32).to_le_bytes());
        b.extend_from_slice(&[0; 4]);
        for p in palette {
            b.extend_from_slice(&[p[2], p[1], p[0], 0]);
        }
        for r in rows.iter().rev() {
            let mut r = r.clone();
            r.resize(stride, 0);
            b.extend(r);
        }
        b
    }

    #[test]
    fn bmp_24_and_8_bit() {
        let limits = Limits::default();
        let rows = vec![vec![0, 0, 255, 0, 255, 0], vec![255, 0, 0, 255, 255, 255]]; // BGR
        let bmp = make_bmp(2, 2, 24, &[], &rows);
        let p = codec::probe(&bmp, &limits).unwrap();
        assert_eq!((p.format, p.width, p.height, p.has_alpha), (Format::Bmp, 2, 2, false));
        let img = codec::decode(&bmp, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.data, vec![255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
        let pal = make_bmp(3, 1, 8, &[[10, 20, 30], [40, 50, 60]], &[vec![1, 0, 1]]);
        let img = codec::decode(&pal, &codec::probe(&pal, &limits).unwrap(), (1, 1), &limits).unwrap();
        assert_eq!(img.data, vec![40, 50, 60, 10, 20, 30, 40, 50, 60]);
        let one = make_bmp(9, 1, 1, &[[0, 0, 0], [255, 255, 255]], &[vec![0b1010_0000, 0b1000_0000]]);
        let img = codec::decode(&one, &codec::probe(&one, &limits).unwrap(), (1, 1), &limits).unwrap();
        assert_eq!(img.data.chunks(3).map(|p| p[0]).collect::<Vec<_>>(), vec![255, 0, 255, 0, 0, 0, 0, 0, 255]);
    }

    #[test]
    fn ico_with_png_and_bmp_entries() {
        let limits = Limits::default();
        let png_bytes = {
            let img = Image::new(3, 2, 4, vec![7; 24]);
            let opts = codec::EncodeOptions {
                format: codec::OutputFormat::Png,
                quality: 75,
                progressive: false,
                chroma: codec::ChromaSubsampling::Yuv420,
                lossless: false,
                colors: None,
            };
            codec::encode(&img, &opts).unwrap()
        };
        let mut ico = vec![0, 0, 1, 0, 1, 0, 3, 2, 0, 0, 1, 0, 32, 0];
        ico.extend_from_slice(&(png_bytes.len() as u32).to_le_bytes());
        ico.extend_from_slice(&22u32.to_le_bytes());
        ico.extend_from_slice(&png_bytes);
        let p = codec::probe(&ico, &limits).unwrap();
        assert_eq!((p.format, p.width, p.height, p.has_alpha), (Format::Ico, 3, 2, true));
        assert_eq!(codec::decode(&ico, &p, (1, 1), &limits).unwrap().data, vec![7; 24]);
        // A headerless 24-bit DIB (height doubled) with an AND mask: pixel (0,0) transparent.
        let bmp = make_bmp(2, 4, 24, &[], &[vec![0, 0, 255, 0, 255, 0], vec![255, 0, 0, 9, 9, 9], vec![0x80], vec![0]]);
        let mut dib = bmp[14..].to_vec();
        dib[8..12].copy_from_slice(&4i32.to_le_bytes());
        // Rows were written for a 2x4 image: colour rows are the top two, mask rows the bottom two.
        let mut ico = vec![0, 0, 1, 0, 1, 0, 2, 2, 0, 0, 1, 0, 24, 0];
        ico.extend_from_slice(&(dib.len() as u32).to_le_bytes());
        ico.extend_from_slice(&22u32.to_le_bytes());
        ico.extend_from_slice(&dib);
        let p = codec::probe(&ico, &limits).unwrap();
        assert_eq!((p.width, p.height, p.has_alpha), (2, 2, true));
        let img = codec::decode(&ico, &p, (1, 1), &limits).unwrap();
        assert_eq!(img.channels, 4);
    }

    #[test]
    fn rle_and_garbage_are_clean_errors() {
        let limits = Limits::default();
        let mut rle = make_bmp(2, 2, 8, &[[0, 0, 0]], &[vec![0, 0], vec![0, 0]]);
        rle[30] = 1;
        assert_eq!(codec::probe(&rle, &limits).unwrap_err().status, 415);
        let bmp = make_bmp(4, 4, 24, &[], &vec![vec![1; 12]; 4]);
        for cut in 0..bmp.len() {
            let b = &bmp[..cut];
            if let Err(e) = codec::probe(b, &limits).and_then(|p| codec::decode(b, &p, (1, 1), &limits)) {
                assert!((400..500).contains(&e.status), "cut {cut}: {e}");
            }
        }
    }
}
