//! `fm=json`: what the source file says about itself, with imgix's keys (which are Apple
//! ImageIO's property names): PixelWidth, PixelHeight, Content-Type, Content-Length (a string),
//! DPIWidth, DPIHeight, Depth, ColorModel, Orientation, ProfileName, and Exif/TIFF/GPS/JFIF/PNG/
//! GIF blocks. Read from the header and metadata only; no pixel is decoded.

use serde_json::{json, Map, Value};

use crate::codec::container::{self, icc_description};
use crate::codec::{Format, Probe};

pub fn json(bytes: &[u8], probe: &Probe) -> String {
    let extras = container::read(bytes, probe.format);
    let mut out = Map::new();
    out.insert("PixelWidth".into(), json!(probe.width));
    out.insert("PixelHeight".into(), json!(probe.height));
    out.insert("Content-Type".into(), json!(probe.format.mime()));
    out.insert("Content-Length".into(), json!(bytes.len().to_string()));
    out.insert("Depth".into(), json!(extras.depth));
    out.insert("ColorModel".into(), json!(extras.color_model));
    out.insert("Orientation".into(), json!(probe.orientation));
    if probe.has_alpha {
        out.insert("HasAlpha".into(), json!(true));
    }
    if let Some(name) = extras.icc.as_deref().and_then(icc_description) {
        out.insert("ProfileName".into(), json!(name));
    }
    // A TIFF file is itself the structure EXIF borrows: its first IFD holds the TIFF tags.
    let exif = if probe.format == Format::Tiff { Some(bytes) } else { extras.exif.as_deref() };
    let tags = exif.map(exif_blocks).unwrap_or_default();
    let mut dpi = extras.dpi;
    if dpi.is_none() {
        // TIFF X/YResolution in inches (ResolutionUnit 2, the default).
        let t = tags.iter().find(|(n, _)| *n == "TIFF").map(|(_, m)| m);
        let unit = t.and_then(|t| t.get("ResolutionUnit")).and_then(Value::as_f64).unwrap_or(2.0);
        let res = |k: &str| t.and_then(|t| t.get(k)).and_then(Value::as_f64);
        if let (Some(x), Some(y), 2.0) = (res("XResolution"), res("YResolution"), unit) {
            dpi = Some((x, y));
        }
    }
    if let Some((x, y)) = dpi {
        out.insert("DPIWidth".into(), json!(round2(x)));
        out.insert("DPIHeight".into(), json!(round2(y)));
    }
    for (name, block) in tags {
        out.insert(name.into(), Value::Object(block));
    }
    match probe.format {
        Format::Jpeg => {
            out.insert("JFIF".into(), json!({ "IsProgressive": probe.progressive }));
        }
        Format::Png => {
            out.insert("PNG".into(), json!({ "InterlaceType": u8::from(extras.interlaced) }));
        }
        Format::Gif => {
            let mut gif = json!({ "FrameCount": probe.frames });
            if let Some(l) = extras.loop_count {
                gif["LoopCount"] = json!(l);
            }
            out.insert("GIF".into(), gif);
        }
        Format::Webp => {
            let mut webp = json!({ "FrameCount": probe.frames });
            if let Some(l) = extras.loop_count {
                webp["LoopCount"] = json!(l);
            }
            out.insert("WebP".into(), webp);
        }
        Format::Bmp | Format::Ico | Format::Avif | Format::Tiff | Format::Svg => {}
    }
    out.insert("Output".into(), json!({}));
    Value::Object(out).to_string()
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// (tag, name) per IFD; unknown tags are left out rather than guessed at.
const TIFF_TAGS: &[(u16, &str)] = &[
    (0x010F, "Make"),
    (0x0110, "Model"),
    (0x0112, "Orientation"),
    (0x011A, "XResolution"),
    (0x011B, "YResolution"),
    (0x0128, "ResolutionUnit"),
    (0x0131, "Software"),
    (0x0132, "DateTime"),
    (0x013B, "Artist"),
    (0x8298, "Copyright"),
];
const EXIF_TAGS: &[(u16, &str)] = &[
    (0x829A, "ExposureTime"),
    (0x829D, "FNumber"),
    (0x8822, "ExposureProgram"),
    (0x8827, "ISOSpeedRatings"),
    (0x9000, "ExifVersion"),
    (0x9003, "DateTimeOriginal"),
    (0x9004, "DateTimeDigitized"),
    (0x9201, "ShutterSpeedValue"),
    (0x9202, "ApertureValue"),
    (0x9204, "ExposureBiasValue"),
    (0x9207, "MeteringMode"),
    (0x9209, "Flash"),
    (0x920A, "FocalLength"),
    (0xA001, "ColorSpace"),
    (0xA002, "PixelXDimension"),
    (0xA003, "PixelYDimension"),
    (0xA402, "ExposureMode"),
    (0xA403, "WhiteBalance"),
    (0xA405, "FocalLenIn35mmFilm"),
    (0xA434, "LensModel"),
];
const GPS_TAGS: &[(u16, &str)] = &[
    (0x0001, "LatitudeRef"),
    (0x0002, "Latitude"),
    (0x0003, "LongitudeRef"),
    (0x0004, "Longitude"),
    (0x0005, "AltitudeRef"),
    (0x0006, "Altitude"),
];

struct Tiff<'a> {
    t: &'a [u8],
    le: bool,
}

impl Tiff<'_> {
    fn u16(&self, at: usize) -> Option<u16> {
        let b: [u8; 2] = self.t.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if self.le { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    }
    fn u32(&self, at: usize) -> Option<u32> {
        let b: [u8; 4] = self.t.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if self.le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    }

    /// Entries of the IFD at `at`: (tag, value); pointers to sub-IFDs come back as numbers.
    fn ifd(&self, at: usize) -> Vec<(u16, Value)> {
        let Some(n) = self.u16(at) else { return Vec::new() };
        (0..usize::from(n).min(500)).filter_map(|i| self.entry(at + 2 + i * 12)).collect()
    }

    fn entry(&self, e: usize) -> Option<(u16, Value)> {
        let (tag, kind, count) = (self.u16(e)?, self.u16(e + 2)?, self.u32(e + 4)? as usize);
        let size = match kind {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 => 4,
            5 | 10 => 8,
            _ => return None,
        };
        let len = size * count;
        if count == 0 || len > 4096 {
            return None;
        }
        let data = if len <= 4 { e + 8 } else { self.u32(e + 8)? as usize };
        self.t.get(data..data.checked_add(len)?)?;
        let value = match kind {
            2 => {
                let s = &self.t[data..data + len];
                json!(String::from_utf8_lossy(s).trim_end_matches('\0').trim())
            }
            7 if tag == 0x9000 => json!(String::from_utf8_lossy(&self.t[data..data + len])),
            7 => return None,
            _ => {
                let one = |i: usize| -> Option<Value> {
                    let at = data + i * size;
                    Some(match kind {
                        1 | 6 => json!(self.t[at]),
                        3 | 8 => json!(self.u16(at)?),
                        4 => json!(self.u32(at)?),
                        9 => json!(self.u32(at)? as i32),
                        5 => {
                            let (n, d) = (self.u32(at)?, self.u32(at + 4)?);
                            json!(if d == 0 { 0.0 } else { f64::from(n) / f64::from(d) })
                        }
                        _ => {
                            let (n, d) = (self.u32(at)? as i32, self.u32(at + 4)? as i32);
                            json!(if d == 0 { 0.0 } else { f64::from(n) / f64::from(d) })
                        }
                    })
                };
                if count == 1 {
                    one(0)?
                } else {
                    Value::Array((0..count.min(64)).filter_map(one).collect())
                }
            }
        };
        Some((tag, value))
    }
}

fn named(entries: &[(u16, Value)], names: &[(u16, &str)]) -> Map<String, Value> {
    let mut m = Map::new();
    for (tag, v) in entries {
        if let Some((_, name)) = names.iter().find(|(t, _)| t == tag) {
            m.insert((*name).into(), v.clone());
        }
    }
    m
}

/// "TIFF", "Exif" and "GPS" blocks from a TIFF-structured EXIF payload.
fn exif_blocks(t: &[u8]) -> Vec<(&'static str, Map<String, Value>)> {
    let le = match t.get(..4) {
        Some(b"II*\0") => true,
        Some(b"MM\0*") => false,
        _ => return Vec::new(),
    };
    let tiff = Tiff { t, le };
    let Some(ifd0_at) = tiff.u32(4) else { return Vec::new() };
    let ifd0 = tiff.ifd(ifd0_at as usize);
    let pointer = |tag: u16| ifd0.iter().find(|(t, _)| *t == tag).and_then(|(_, v)| v.as_u64()).map(|v| v as usize);
    let mut blocks = vec![("TIFF", named(&ifd0, TIFF_TAGS))];
    if let Some(at) = pointer(0x8769).filter(|&at| at != ifd0_at as usize) {
        blocks.push(("Exif", named(&tiff.ifd(at), EXIF_TAGS)));
    }
    if let Some(at) = pointer(0x8825).filter(|&at| at != ifd0_at as usize) {
        blocks.push(("GPS", named(&tiff.ifd(at), GPS_TAGS)));
    }
    blocks.retain(|(_, m)| !m.is_empty());
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Big-endian TIFF: IFD0 {Orientation 6, XResolution 300/1, Software "ix", ExifIFD →},
    /// Exif IFD {PixelXDimension 640, ColorSpace 1}.
    fn tiff() -> Vec<u8> {
        let mut t = b"MM\0*\0\0\0\x08".to_vec();
        let entry = |t: &mut Vec<u8>, tag: u16, kind: u16, count: u32, value: [u8; 4]| {
            t.extend_from_slice(&tag.to_be_bytes());
            t.extend_from_slice(&kind.to_be_bytes());
            t.extend_from_slice(&count.to_be_bytes());
            t.extend_from_slice(&value);
        };
        // IFD0 at 8: 4 entries (2 + 48 + 4 bytes) → data at 62.
        t.extend_from_slice(&4u16.to_be_bytes());
        entry(&mut t, 0x0112, 3, 1, [0, 6, 0, 0]);
        entry(&mut t, 0x011A, 5, 1, 62u32.to_be_bytes());
        entry(&mut t, 0x0131, 2, 3, *b"ix\0\0");
        entry(&mut t, 0x8769, 4, 1, 70u32.to_be_bytes());
        t.extend_from_slice(&[0; 4]);
        t.extend_from_slice(&300u32.to_be_bytes());
        t.extend_from_slice(&1u32.to_be_bytes());
        // Exif IFD at 70.
        t.extend_from_slice(&2u16.to_be_bytes());
        entry(&mut t, 0xA002, 4, 1, 640u32.to_be_bytes());
        entry(&mut t, 0xA001, 3, 1, [0, 1, 0, 0]);
        t.extend_from_slice(&[0; 4]);
        t
    }

    #[test]
    fn exif_tags_by_block() {
        let blocks = exif_blocks(&tiff());
        let get = |b: &str, k: &str| blocks.iter().find(|(n, _)| *n == b).and_then(|(_, m)| m.get(k).cloned());
        assert_eq!(get("TIFF", "Orientation"), Some(json!(6)));
        assert_eq!(get("TIFF", "XResolution"), Some(json!(300.0)));
        assert_eq!(get("TIFF", "Software"), Some(json!("ix")));
        assert_eq!(get("Exif", "PixelXDimension"), Some(json!(640)));
        assert_eq!(get("Exif", "ColorSpace"), Some(json!(1)));
        // Any truncation or garbage is fine: fewer tags, never a panic.
        let t = tiff();
        for cut in 0..t.len() {
            let _ = exif_blocks(&t[..cut]);
        }
    }

    #[test]
    fn json_for_a_tiff_reads_its_own_ifd() {
        let bytes = crate::codec::tiff::tests::rgb16(8, 4, ::tiff::encoder::Compression::Uncompressed, 6);
        let probe = crate::codec::probe(&bytes, &crate::codec::Limits::default()).unwrap();
        let v: Value = serde_json::from_str(&json(&bytes, &probe)).unwrap();
        assert_eq!(v["Content-Type"], "image/tiff");
        assert_eq!((v["PixelWidth"].clone(), v["PixelHeight"].clone()), (json!(8), json!(4)));
        assert_eq!((v["Depth"].clone(), v["ColorModel"].clone()), (json!(16), json!("RGB")));
        assert_eq!(v["Orientation"], 6);
        assert_eq!(v["TIFF"]["Orientation"], 6);
    }

    #[test]
    fn json_for_a_png() {
        let img = crate::image::Image::new(3, 2, 4, vec![9; 24]);
        let opts = crate::codec::EncodeOptions {
            format: crate::codec::OutputFormat::Png,
            quality: 75,
            progressive: false,
            chroma: crate::codec::ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        };
        let bytes = crate::codec::encode(&img, &opts).unwrap();
        let probe = crate::codec::probe(&bytes, &crate::codec::Limits::default()).unwrap();
        let v: Value = serde_json::from_str(&json(&bytes, &probe)).unwrap();
        assert_eq!(v["PixelWidth"], 3);
        assert_eq!(v["PixelHeight"], 2);
        assert_eq!(v["Content-Type"], "image/png");
        assert_eq!(v["Content-Length"], bytes.len().to_string());
        assert_eq!(v["ColorModel"], "RGB");
        assert_eq!(v["Depth"], 8);
        assert_eq!(v["Orientation"], 1);
        assert_eq!(v["PNG"]["InterlaceType"], 0);
    }
}
