//! Metadata from the container, without decoding pixels: EXIF, ICC profile, density, colour
//! model and bit depth. Used by `fm=json` and by colour management. Every walk treats offsets
//! as hostile and simply stops at anything odd.

use super::Format;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Extras {
    /// TIFF-structured EXIF (the "Exif\0\0" prefix removed).
    pub exif: Option<Vec<u8>>,
    /// The embedded ICC profile, reassembled from JPEG APP2 chunks when split.
    pub icc: Option<Vec<u8>>,
    /// Pixels per inch, when the file says.
    pub dpi: Option<(f64, f64)>,
    /// Bits per sample.
    pub depth: u8,
    /// "RGB", "Gray", "CMYK" or "Indexed".
    pub color_model: &'static str,
    /// JPEG: has a JFIF APP0 segment.
    pub jfif: bool,
    /// PNG: interlaced (Adam7).
    pub interlaced: bool,
    /// GIF/WebP: animation loop count (0 = forever).
    pub loop_count: Option<u16>,
    /// JPEG: the IPTC-NAA records of the Photoshop APP13 block (resource 0x0404).
    pub iptc: Option<Vec<u8>>,
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at.checked_add(2)?)?.try_into().ok()?))
}
fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}
fn le32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at.checked_add(4)?)?.try_into().ok()?))
}

pub fn read(bytes: &[u8], format: Format) -> Extras {
    let mut x = Extras { depth: 8, color_model: "RGB", ..Extras::default() };
    match format {
        Format::Jpeg => jpeg(bytes, &mut x),
        Format::Png => png(bytes, &mut x),
        Format::Gif => gif(bytes, &mut x),
        Format::Webp => webp(bytes, &mut x),
        Format::Avif => super::avif::extras(bytes, &mut x),
        Format::Tiff => super::tiff::extras(bytes, &mut x),
        Format::Bmp | Format::Ico | Format::Svg => {}
    }
    x
}

fn jpeg(b: &[u8], x: &mut Extras) {
    let mut pos = 2;
    let mut icc_chunks: Vec<(u8, &[u8])> = Vec::new();
    let mut photoshop: Vec<u8> = Vec::new();
    while pos + 4 <= b.len() {
        if b[pos] != 0xFF {
            break;
        }
        let marker = b[pos + 1];
        if marker == 0xFF {
            pos += 1;
            continue;
        }
        if matches!(marker, 0xD8 | 0x01 | 0xD0..=0xD7) {
            pos += 2;
            continue;
        }
        if matches!(marker, 0xDA | 0xD9) {
            break;
        }
        let Some(len) = be16(b, pos + 2).map(usize::from).filter(|&l| l >= 2) else { break };
        let Some(seg) = b.get(pos + 4..pos + 2 + len) else { break };
        match marker {
            0xE0 if seg.starts_with(b"JFIF\0") && seg.len() >= 12 => {
                x.jfif = true;
                let (unit, xd, yd) = (seg[7], be16(seg, 8).unwrap_or(0), be16(seg, 10).unwrap_or(0));
                let per_inch = match unit {
                    1 => 1.0,
                    2 => 2.54,
                    _ => 0.0,
                };
                if per_inch > 0.0 && xd > 0 && yd > 0 {
                    x.dpi = Some((f64::from(xd) * per_inch, f64::from(yd) * per_inch));
                }
            }
            0xE1 if x.exif.is_none() && seg.starts_with(b"Exif\0\0") => x.exif = Some(seg[6..].to_vec()),
            // ICC_PROFILE\0, sequence number, count, data.
            0xE2 if seg.starts_with(b"ICC_PROFILE\0") && seg.len() > 14 => icc_chunks.push((seg[12], &seg[14..])),
            // Photoshop splits a large resource block over consecutive APP13 segments.
            0xED if seg.starts_with(b"Photoshop 3.0\0") => photoshop.extend_from_slice(&seg[14..]),
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) && seg.len() >= 6 => {
                x.depth = seg[0];
                x.color_model = match seg[5] {
                    1 => "Gray",
                    4 => "CMYK",
                    _ => "RGB",
                };
            }
            _ => {}
        }
        pos += 2 + len;
    }
    if !icc_chunks.is_empty() {
        icc_chunks.sort_by_key(|c| c.0);
        x.icc = Some(icc_chunks.iter().flat_map(|c| c.1.iter().copied()).collect());
    }
    x.iptc = photoshop_resource(&photoshop, 0x0404).map(<[u8]>::to_vec);
}

/// One Photoshop image resource block by id: "8BIM", id, even-padded Pascal name, size, data
/// (even-padded).
fn photoshop_resource(mut b: &[u8], wanted: u16) -> Option<&[u8]> {
    while b.len() >= 12 && &b[..4] == b"8BIM" {
        let id = be16(b, 4)?;
        let name = (1 + usize::from(b[6])).next_multiple_of(2);
        let size = be32(b, 6 + name)? as usize;
        let data = b.get(10 + name..(10 + name).checked_add(size)?)?;
        if id == wanted {
            return Some(data);
        }
        b = b.get(10 + name + size.next_multiple_of(2)..)?;
    }
    None
}

fn png(b: &[u8], x: &mut Extras) {
    let mut at = 8;
    while let (Some(len), Some(kind)) = (be32(b, at), b.get(at + 4..at + 8)) {
        let Some(data) = b.get(at + 8..(at + 8).saturating_add(len as usize)) else { break };
        match kind {
            b"IHDR" if data.len() >= 13 => {
                x.depth = data[8];
                x.color_model = match data[9] {
                    0 | 4 => "Gray",
                    3 => "Indexed",
                    _ => "RGB",
                };
                x.interlaced = data[12] == 1;
            }
            b"pHYs" if data.len() >= 9 && data[8] == 1 => {
                let (px, py) = (be32(data, 0).unwrap_or(0), be32(data, 4).unwrap_or(0));
                x.dpi = Some((f64::from(px) * 0.0254, f64::from(py) * 0.0254));
            }
            b"eXIf" => x.exif = Some(data.strip_prefix(b"Exif\0\0").unwrap_or(data).to_vec()),
            // Profile name, NUL, method, zlib data: bounded inflate (a real profile is < 1 MB).
            b"iCCP" => {
                if let Some(nul) = data.iter().position(|&c| c == 0) {
                    x.icc = inflate_bounded(data.get(nul + 2..).unwrap_or_default(), 4 << 20);
                }
            }
            b"IDAT" | b"IEND" => break,
            _ => {}
        }
        at = at.saturating_add(12).saturating_add(len as usize);
    }
}

/// zlib inflate that gives up past `limit` bytes (a compressed chunk can be a bomb).
fn inflate_bounded(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let mut d = fdeflate::Decompressor::new();
    let mut out = vec![0u8; limit.min(64 << 10)];
    let (mut read, mut written) = (0, 0);
    loop {
        let (r, w) = d.read(&data[read..], &mut out, written, true).ok()?;
        read += r;
        written += w;
        if d.is_done() {
            out.truncate(written);
            return Some(out);
        }
        if written == out.len() {
            if out.len() >= limit {
                return None;
            }
            out.resize((out.len() * 2).min(limit), 0);
        } else if r == 0 && w == 0 {
            return None;
        }
    }
}

fn gif(b: &[u8], x: &mut Extras) {
    // NETSCAPE2.0 application extension: sub-block 1 carries the loop count.
    if let Some(i) = b.windows(11).position(|w| w == b"NETSCAPE2.0") {
        if b.get(i + 11) == Some(&3) && b.get(i + 12) == Some(&1) {
            x.loop_count = b.get(i + 13..i + 15).map(|l| u16::from_le_bytes([l[0], l[1]]));
        }
    }
    x.color_model = "Indexed";
}

fn webp(b: &[u8], x: &mut Extras) {
    let mut at = 12;
    while let (Some(kind), Some(size)) = (b.get(at..at + 4), le32(b, at + 4)) {
        let size = size as usize;
        let Some(data) = b.get(at + 8..(at + 8).saturating_add(size)) else { break };
        match kind {
            b"EXIF" => x.exif = Some(data.strip_prefix(b"Exif\0\0").unwrap_or(data).to_vec()),
            b"ICCP" => x.icc = Some(data.to_vec()),
            b"ANIM" if data.len() >= 6 => x.loop_count = Some(u16::from_le_bytes([data[4], data[5]])),
            _ => {}
        }
        at = at.saturating_add(8).saturating_add(size).saturating_add(size & 1);
    }
}

/// The ICC profile's description (`desc` tag: v2 ASCII or v4 `mluc` UTF-16).
pub fn icc_description(icc: &[u8]) -> Option<String> {
    let count = be32(icc, 128)? as usize;
    for i in 0..count.min(100) {
        let e = 132 + i * 12;
        if icc.get(e..e + 4)? != b"desc" {
            continue;
        }
        let (off, len) = (be32(icc, e + 4)? as usize, be32(icc, e + 8)? as usize);
        let tag = icc.get(off..off.checked_add(len)?)?;
        return match tag.get(..4)? {
            b"desc" => {
                let n = be32(tag, 8)? as usize;
                let s = tag.get(12..12 + n)?;
                Some(String::from_utf8_lossy(s).trim_end_matches('\0').to_string())
            }
            b"mluc" => {
                let (size, offset) = (be32(tag, 20)? as usize, be32(tag, 24)? as usize);
                let s = tag.get(offset..offset.checked_add(size)?)?;
                let units: Vec<u16> = s.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
                Some(String::from_utf16_lossy(&units).trim_end_matches('\0').to_string())
            }
            _ => None,
        };
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A v2 profile holding only a `desc` tag.
    pub(crate) fn icc_with_desc(name: &str) -> Vec<u8> {
        let mut p = vec![0u8; 128];
        p.extend_from_slice(&1u32.to_be_bytes());
        p.extend_from_slice(b"desc");
        p.extend_from_slice(&144u32.to_be_bytes());
        let mut tag = b"desc\0\0\0\0".to_vec();
        tag.extend_from_slice(&(name.len() as u32 + 1).to_be_bytes());
        tag.extend_from_slice(name.as_bytes());
        tag.push(0);
        p.extend_from_slice(&(tag.len() as u32).to_be_bytes());
        p.extend(tag);
        let len = p.len() as u32;
        p[..4].copy_from_slice(&len.to_be_bytes());
        p
    }

    #[test]
    fn jpeg_segments() {
        let icc = icc_with_desc("Display P3");
        let mut j = vec![0xFF, 0xD8];
        let seg = |j: &mut Vec<u8>, m: u8, d: &[u8]| {
            j.extend_from_slice(&[0xFF, m]);
            j.extend_from_slice(&(d.len() as u16 + 2).to_be_bytes());
            j.extend_from_slice(d);
        };
        seg(&mut j, 0xE0, b"JFIF\0\x01\x02\x01\x00\x48\x00\x48\0\0");
        let (a, b) = icc.split_at(60);
        seg(&mut j, 0xE2, &[b"ICC_PROFILE\0\x02\x02".as_slice(), b].concat());
        seg(&mut j, 0xE2, &[b"ICC_PROFILE\0\x01\x02".as_slice(), a].concat());
        seg(&mut j, 0xC2, &[8, 0, 10, 0, 20, 4, 1, 0x11, 0, 2, 0x11, 0, 3, 0x11, 0, 4, 0x11, 0]);
        j.extend_from_slice(&[0xFF, 0xDA]);
        let x = read(&j, Format::Jpeg);
        assert!(x.jfif);
        assert_eq!(x.dpi, Some((72.0, 72.0)));
        assert_eq!(x.color_model, "CMYK");
        assert_eq!(x.icc.as_deref(), Some(icc.as_slice()));
        assert_eq!(icc_description(&icc).as_deref(), Some("Display P3"));
        // Truncations never panic.
        for cut in 0..j.len() {
            let _ = read(&j[..cut], Format::Jpeg);
        }
    }

    #[test]
    fn hostile_icc_is_none() {
        assert_eq!(icc_description(&[0; 10]), None);
        let mut p = icc_with_desc("x");
        p[140..144].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(icc_description(&p), None);
        assert_eq!(inflate_bounded(b"not zlib", 1000), None);
    }

    #[test]
    fn iptc_from_photoshop_app13() {
        let mut irb = b"8BIM\x04\x0c\x03abc\0\0\0\x03xyz\0".to_vec(); // a thumbnail-ish block first
        irb.extend_from_slice(b"8BIM\x04\x04\0\0\0\0\0\x05\x1c\x02\x05hi\0");
        let mut j = vec![0xFF, 0xD8, 0xFF, 0xED];
        let seg = [b"Photoshop 3.0\0".as_slice(), &irb].concat();
        j.extend_from_slice(&(seg.len() as u16 + 2).to_be_bytes());
        j.extend_from_slice(&seg);
        j.extend_from_slice(&[0xFF, 0xDA]);
        assert_eq!(read(&j, Format::Jpeg).iptc.as_deref(), Some(b"\x1c\x02\x05hi".as_slice()));
        for cut in 0..j.len() {
            let _ = read(&j[..cut], Format::Jpeg);
        }
        assert_eq!(photoshop_resource(b"8BIM\x04\x04\0\0\xff\xff\xff\xff", 0x0404), None);
    }
}
