//! A working copy of a large original: its pixels decoded once at a reduced size (long side at
//! most `LONG_SIDE`), in stored orientation and before colour management, together with what a
//! render reads from the original's header. The edge keeps one beside each large original, so a
//! later derivative that needs no more pixels skips the origin, the cached original's bytes and
//! the entropy decode: loading it is one copy of raw pixels.

use crate::codec::{self, Format, Limits, Probe, Raster};
use crate::error::{Error, Result};
use crate::image::{Decoded, Image};

/// The copy's long side at most. Requests up to about this size (most page images) start from it.
pub const LONG_SIDE: u32 = 2048;
/// The decode before sizing down reaches at least this long side: JPEG scales come in halvings,
/// so a copy's long side lies between this and `LONG_SIDE`.
const MIN_DECODE_SIDE: u32 = 1536;
/// Originals up to this many pixels decode fast enough from their own bytes.
pub const MIN_PIXELS: u64 = 4_000_000;

const MAGIC: &[u8; 8] = b"IXWCOPY1";

#[derive(Debug, Clone, PartialEq)]
pub struct WorkingCopy {
    /// The original's probe: sizes and orientation are the original's, not the copy's.
    pub probe: Probe,
    pub icc: Option<Vec<u8>>,
    pub iptc: Option<Vec<u8>>,
    /// 8-bit pixels in stored orientation, the whole original scaled to this size.
    pub image: Image,
}

impl WorkingCopy {
    /// Whether an original this big, of this kind, gets a copy: large 8-bit stills only (vectors
    /// are drawn at any size; animations and 16-bit samples would need another layout).
    pub fn worth_making(probe: &Probe) -> bool {
        !probe.format.is_vector() && probe.frames <= 1 && u64::from(probe.width) * u64::from(probe.height) > MIN_PIXELS
    }

    /// Decodes `bytes` at the copy's size; `None` when the original does not get one.
    pub fn make(bytes: &[u8], limits: &Limits) -> Result<Option<WorkingCopy>> {
        let probe = codec::probe(bytes, limits)?;
        if !Self::worth_making(&probe) {
            return Ok(None);
        }
        let (w, h) = (probe.width, probe.height);
        let long = w.max(h);
        let side = |s: u32, target: u32| ((u64::from(s) * u64::from(target)).div_ceil(u64::from(long)) as u32).max(1);
        let raster =
            codec::decode_full_depth(bytes, &probe, (side(w, MIN_DECODE_SIDE), side(h, MIN_DECODE_SIDE)), limits)?;
        if matches!(raster.pixels, Decoded::Sixteen(_)) {
            return Ok(None);
        }
        let to = if raster.pixels.width().max(raster.pixels.height()) > LONG_SIDE {
            (side(w, LONG_SIDE), side(h, LONG_SIDE))
        } else {
            (raster.pixels.width(), raster.pixels.height())
        };
        let image = crate::pipeline::shrink_whole(raster, (w, h), to)?;
        let extras = codec::container::read(bytes, probe.format);
        Ok(Some(WorkingCopy { probe, icc: extras.icc, iptc: extras.iptc, image }))
    }

    /// Whether the copy has at least `stored_min` pixels (stored orientation): the decode a
    /// render would otherwise ask of the original.
    pub fn covers(&self, stored_min: (u32, u32)) -> bool {
        self.image.width >= stored_min.0 && self.image.height >= stored_min.1
    }

    /// The pixels as a decode of the original at the copy's scale.
    pub fn into_raster(self) -> Raster {
        let scale = (
            f64::from(self.image.width) / f64::from(self.probe.width.max(1)),
            f64::from(self.image.height) / f64::from(self.probe.height.max(1)),
        );
        Raster { pixels: self.image.into(), scale }
    }

    /// `MAGIC`, the header's length (u32), the header, then the raw pixels: a reader takes the
    /// header first and reads the pixels straight into their own buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let header = self.header();
        let mut out = Vec::with_capacity(PREFIX + header.len() + self.image.data.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(header.len() as u32).to_le_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&self.image.data);
        out
    }

    fn header(&self) -> Vec<u8> {
        let p = &self.probe;
        let blob = |b: &Option<Vec<u8>>| b.as_deref().unwrap_or(&[]).to_vec();
        let (icc, iptc) = (blob(&self.icc), blob(&self.iptc));
        let mut out = vec![format_code(p.format)];
        for v in [p.width, p.height, p.frames, self.image.width, self.image.height] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&[p.orientation, u8::from(p.has_alpha), u8::from(p.progressive), self.image.channels]);
        out.push(u8::from(self.icc.is_some()) | u8::from(self.iptc.is_some()) << 1);
        for b in [&icc, &iptc] {
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(b);
        }
        out
    }

    /// The length of the header that follows a stored copy's first `PREFIX` bytes; `None` when
    /// they are not a copy's (another version wrote the entry).
    pub fn header_len(prefix: &[u8]) -> Option<usize> {
        let len = prefix.strip_prefix(MAGIC)?.get(..4)?;
        Some(u32::from_le_bytes(len.try_into().ok()?) as usize)
    }

    /// The copy `to_bytes` wrote, whole.
    pub fn from_bytes(bytes: &[u8]) -> Result<WorkingCopy> {
        let bad = || Error::internal("working copy entry is unreadable");
        let len = Self::header_len(bytes).ok_or_else(bad)?;
        let header = bytes.get(PREFIX..PREFIX + len).ok_or_else(bad)?;
        Self::from_parts(header, bytes[PREFIX + len..].to_vec())
    }

    /// The copy from its header and its pixels, read apart; any inconsistency is an error the
    /// caller treats as no copy.
    pub fn from_parts(header: &[u8], pixels: Vec<u8>) -> Result<WorkingCopy> {
        let bad = || Error::internal("working copy entry is unreadable");
        let mut at = 0usize;
        let mut take = |n: usize| -> Result<&[u8]> {
            let r = header.get(at..at.checked_add(n).ok_or_else(bad)?).ok_or_else(bad)?;
            at += n;
            Ok(r)
        };
        let format = format_from(take(1)?[0]).ok_or_else(bad)?;
        let mut u32s = [0u32; 5];
        for v in &mut u32s {
            *v = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad())?);
        }
        let [width, height, frames, cw, ch] = u32s;
        let [orientation, has_alpha, progressive, channels, present]: [u8; 5] =
            take(5)?.try_into().map_err(|_| bad())?;
        let mut blobs = [None, None];
        for (i, blob) in blobs.iter_mut().enumerate() {
            let len = u32::from_le_bytes(take(4)?.try_into().map_err(|_| bad())?) as usize;
            let b = take(len)?;
            if present & (1 << i) != 0 {
                *blob = Some(b.to_vec());
            }
        }
        if !matches!(channels, 3 | 4) || pixels.len() != cw as usize * ch as usize * channels as usize {
            return Err(bad());
        }
        let [icc, iptc] = blobs;
        let probe = Probe {
            format,
            width,
            height,
            orientation,
            has_alpha: has_alpha != 0,
            frames,
            progressive: progressive != 0,
        };
        Ok(WorkingCopy { probe, icc, iptc, image: Image::new(cw, ch, channels, pixels) })
    }
}

/// Bytes before a stored copy's header: `MAGIC` and the header's length.
pub const PREFIX: usize = MAGIC.len() + 4;

const FORMATS: [Format; 9] = [
    Format::Jpeg,
    Format::Png,
    Format::Gif,
    Format::Webp,
    Format::Bmp,
    Format::Ico,
    Format::Avif,
    Format::Tiff,
    Format::Svg,
];

fn format_code(f: Format) -> u8 {
    FORMATS.iter().position(|&g| g == f).unwrap_or(0) as u8
}

fn format_from(code: u8) -> Option<Format> {
    FORMATS.get(code as usize).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(w: u32, h: u32) -> Vec<u8> {
        let rgb = local_origin_like_gradient(w, h);
        let image = Image::new(w, h, 3, rgb);
        let options = codec::EncodeOptions { quality: 90, ..codec::EncodeOptions::new(codec::OutputFormat::Jpeg) };
        codec::encode(&image, &options).unwrap()
    }

    fn local_origin_like_gradient(w: u32, h: u32) -> Vec<u8> {
        (0..h)
            .flat_map(|y| (0..w).flat_map(move |x| [(x * 255 / w) as u8, (y * 255 / h) as u8, ((x ^ y) & 0xff) as u8]))
            .collect()
    }

    #[test]
    fn only_large_stills_get_a_copy() {
        let limits = Limits::default();
        assert!(WorkingCopy::make(&sample(1800, 1200), &limits).unwrap().is_none());
        let copy = WorkingCopy::make(&sample(3000, 2000), &limits).unwrap().unwrap();
        // 3000 halves to 1500, under the 1536 floor: decoded whole, then sized down to 2048.
        assert_eq!((copy.image.width, copy.image.height), (2048, 1366));
        assert_eq!((copy.probe.width, copy.probe.height), (3000, 2000));
        let copy = WorkingCopy::make(&sample(4032, 1512), &limits).unwrap().unwrap();
        // Decoded at 1/2: 2016 is within the copy's size, kept as decoded.
        assert_eq!((copy.image.width, copy.image.height), (2016, 756));
    }

    #[test]
    fn bytes_round_trip_and_damage_is_an_error() {
        let copy = WorkingCopy::make(&sample(3000, 2000), &Limits::default()).unwrap().unwrap();
        let copy = WorkingCopy { icc: Some(vec![1, 2, 3]), ..copy };
        let bytes = copy.to_bytes();
        assert_eq!(WorkingCopy::from_bytes(&bytes).unwrap(), copy);
        assert!(WorkingCopy::from_bytes(&bytes[..bytes.len() - 1]).is_err());
        assert!(WorkingCopy::from_bytes(b"IXWCOPY0\0\0\0\0").is_err());
        assert!(WorkingCopy::from_bytes(&[]).is_err());
        // Read apart, as the edge does.
        let len = WorkingCopy::header_len(&bytes[..PREFIX]).unwrap();
        let pixels = bytes[PREFIX + len..].to_vec();
        assert_eq!(WorkingCopy::from_parts(&bytes[PREFIX..PREFIX + len], pixels).unwrap(), copy);
        assert!(WorkingCopy::from_parts(&bytes[PREFIX..PREFIX + len - 1], Vec::new()).is_err());
    }

    #[test]
    fn scale_is_the_copys_over_the_originals() {
        let copy = WorkingCopy::make(&sample(3000, 2000), &Limits::default()).unwrap().unwrap();
        assert!(copy.covers((2048, 1366)) && !copy.covers((2049, 1000)));
        let r = copy.into_raster();
        assert!((r.scale.0 - 2048.0 / 3000.0).abs() < 1e-9 && (r.scale.1 - 1366.0 / 2000.0).abs() < 1e-9);
    }
}
