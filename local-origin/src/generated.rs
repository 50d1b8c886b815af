//! Originals of any size, made on request: `/_gen/<w>x<h>[-<option>…].<jpg|png|webp>`, so
//! tests can sweep source sizes, chroma layouts and orientations without shipping files.
//!
//! Options, dash-separated, in any order:
//! - JPEG: `p` progressive; `444`, `422`, `440`, `420` (default) or `411` chroma sampling;
//!   `o1`…`o8` an EXIF orientation; `q<1-100>` quality (default 85).
//! - PNG and WebP (lossless): `a` an alpha channel.

/// Largest side and area the route makes (a 5000x3750 photo size fits).
pub const MAX_SIDE: u32 = 8192;
pub const MAX_PIXELS: u64 = 25_000_000;

/// What a `/_gen/` name asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub width: u32,
    pub height: u32,
    pub kind: Kind,
    pub alpha: bool,
    pub progressive: bool,
    /// JPEG chroma sampling as (horizontal, vertical) luma samples per chroma sample.
    pub chroma: (u8, u8),
    pub orientation: Option<u16>,
    pub quality: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
}

impl Spec {
    /// Parses `640x480-p-422.jpg`; None for anything malformed or over the size limits.
    pub fn parse(name: &str) -> Option<Spec> {
        let (stem, ext) = name.rsplit_once('.')?;
        let kind = match ext {
            "jpg" | "jpeg" => Kind::Jpeg,
            "png" => Kind::Png,
            "webp" => Kind::Webp,
            _ => return None,
        };
        let mut parts = stem.split('-');
        let (w, h) = parts.next()?.split_once('x')?;
        let (width, height) = (w.parse::<u32>().ok()?, h.parse::<u32>().ok()?);
        if width == 0
            || height == 0
            || width.max(height) > MAX_SIDE
            || u64::from(width) * u64::from(height) > MAX_PIXELS
        {
            return None;
        }
        let mut spec = Spec {
            width,
            height,
            kind,
            alpha: false,
            progressive: false,
            chroma: (2, 2),
            orientation: None,
            quality: 85,
        };
        for opt in parts {
            let jpeg = kind == Kind::Jpeg;
            match opt {
                "p" if jpeg => spec.progressive = true,
                "444" if jpeg => spec.chroma = (1, 1),
                "422" if jpeg => spec.chroma = (2, 1),
                "440" if jpeg => spec.chroma = (1, 2),
                "420" if jpeg => spec.chroma = (2, 2),
                "411" if jpeg => spec.chroma = (4, 1),
                "a" if !jpeg => spec.alpha = true,
                _ if jpeg && opt.starts_with('o') => {
                    spec.orientation = Some(opt[1..].parse().ok().filter(|o| (1..=8).contains(o))?);
                }
                _ if jpeg && opt.starts_with('q') => {
                    spec.quality = opt[1..].parse().ok().filter(|q| (1..=100).contains(q))?;
                }
                _ => return None,
            }
        }
        Some(spec)
    }

    pub fn mime(&self) -> &'static str {
        match self.kind {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
        }
    }

    /// The encoded original.
    pub fn bytes(&self) -> Vec<u8> {
        let channels = if self.alpha { 4 } else { 3 };
        let px = pattern(self.width, self.height, channels);
        match self.kind {
            Kind::Jpeg => self.jpeg(&px),
            Kind::Png => {
                let mut out = Vec::new();
                let mut enc = png::Encoder::new(&mut out, self.width, self.height);
                enc.set_color(if self.alpha { png::ColorType::Rgba } else { png::ColorType::Rgb });
                enc.set_compression(png::Compression::Fast);
                let mut w = enc.write_header().expect("PNG header");
                w.write_image_data(&px).expect("PNG data");
                w.finish().expect("PNG end");
                out
            }
            Kind::Webp => {
                let mut out = Vec::new();
                let colour = if self.alpha { image_webp::ColorType::Rgba8 } else { image_webp::ColorType::Rgb8 };
                image_webp::WebPEncoder::new(&mut out)
                    .encode(&px, self.width, self.height, colour)
                    .expect("WebP encode");
                out
            }
        }
    }

    fn jpeg(&self, rgb: &[u8]) -> Vec<u8> {
        use jpeg_encoder::{ColorType, Encoder, SamplingFactor};
        let mut out = Vec::new();
        let mut enc = Encoder::new(&mut out, self.quality);
        enc.set_sampling_factor(match self.chroma {
            (1, 1) => SamplingFactor::F_1_1,
            (2, 1) => SamplingFactor::F_2_1,
            (1, 2) => SamplingFactor::F_1_2,
            (4, 1) => SamplingFactor::F_4_1,
            _ => SamplingFactor::F_2_2,
        });
        enc.set_progressive(self.progressive);
        if let Some(o) = self.orientation {
            enc.add_app_segment(1, crate::samples::exif_orientation(o)).expect("APP1 fits");
        }
        // The generator's sizes fit in u16: MAX_SIDE is 8192.
        enc.encode(rgb, self.width as u16, self.height as u16, ColorType::Rgb).expect("in-memory JPEG encode");
        out
    }
}

/// Smooth ramps with a little texture: cheap to make at any size, and every region differs, so
/// a misplaced crop shows. Alpha (when asked) ramps left to right.
pub fn pattern(w: u32, h: u32, channels: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(w as usize * h as usize * channels);
    for y in 0..h {
        for x in 0..w {
            let r = (x * 255 / w.max(2).saturating_sub(1).max(1)).min(255) as u8;
            let g = (y * 255 / h.max(2).saturating_sub(1).max(1)).min(255) as u8;
            let b = ((x / 4 ^ y / 4) & 63) as u8 * 2 + 64;
            out.extend_from_slice(&[r, g, b]);
            if channels == 4 {
                out.push(64 + (x * 191 / w.max(1)) as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_bad_ones_do_not() {
        let s = Spec::parse("640x480-p-422-o6-q70.jpg").unwrap();
        assert_eq!(
            (s.width, s.height, s.progressive, s.chroma, s.orientation, s.quality),
            (640, 480, true, (2, 1), Some(6), 70)
        );
        assert!(Spec::parse("10x10-a.png").unwrap().alpha);
        for bad in [
            "0x10.jpg",
            "10x10.gif",
            "10x10-a.jpg",
            "10x10-p.png",
            "9000x10.jpg",
            "6000x6000.png",
            "10x10-o9.jpg",
            "10.jpg",
            "axb.png",
        ] {
            assert!(Spec::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn every_kind_encodes_at_odd_sizes() {
        for name in ["1x1.jpg", "17x3-p-444.jpg", "5x9-411.jpg", "3x2-a.png", "7x5-a.webp", "2x9.webp"] {
            let s = Spec::parse(name).unwrap();
            let b = s.bytes();
            assert!(b.len() > 20, "{name}");
        }
    }
}
