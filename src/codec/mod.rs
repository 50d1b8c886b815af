//! Bytes ⇄ pixels: sniffing by magic bytes, header-only probing, decoding at a reduced
//! scale when the plan allows it, and encoding to the output formats.

pub mod animation;
mod avif;
mod bmp;
pub mod container;
mod exif;
mod gif;
mod heif;
pub mod icc;
mod isobmff;
mod jpeg;
mod libwebp;
mod limits;
mod png;
pub mod quantize;
mod svg;
pub(crate) mod tiff;
mod webp;

use crate::error::{Error, Result};
use crate::image::{Decoded, Image};
pub use limits::Limits;

/// An input format we can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Webp,
    Bmp,
    /// Windows icon or cursor: the largest entry, a PNG or a BMP.
    Ico,
    /// The primary image of a HEIF/AVIF file, 8 to 12 bits.
    Avif,
    /// The first page, 8 or 16 bits, uncompressed, LZW, Deflate or PackBits.
    Tiff,
    /// Rasterised at the size the output needs, so the probe's size is only the intrinsic one.
    Svg,
}

impl Format {
    /// The format named by the file's magic bytes, never by Content-Type or extension.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Format::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Format::Png)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Format::Gif)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(Format::Webp)
        } else if bytes.len() >= 18
            && bytes.starts_with(b"BM")
            && matches!(
                u32::from_le_bytes([bytes[14], bytes[15], bytes[16], bytes[17]]),
                12 | 40 | 52 | 56 | 64 | 108 | 124
            )
        {
            Some(Format::Bmp)
        } else if bytes.len() >= 22 && matches!(bytes[..4], [0, 0, 1 | 2, 0]) && bytes[4..6] != [0, 0] && bytes[9] == 0
        {
            Some(Format::Ico)
        } else if is_avif(bytes) {
            Some(Format::Avif)
        } else if [b"II*\0", b"MM\0*", b"II+\0", b"MM\0+"].iter().any(|m| bytes.starts_with(*m)) {
            Some(Format::Tiff)
        } else if svg::sniff(bytes) {
            Some(Format::Svg)
        } else {
            None
        }
    }
    /// Drawn from a description rather than stored as pixels: rendered at any size.
    pub fn is_vector(self) -> bool {
        self == Format::Svg
    }
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
            Format::Bmp => "image/bmp",
            Format::Ico => "image/x-icon",
            Format::Avif => "image/avif",
            Format::Tiff => "image/tiff",
            Format::Svg => "image/svg+xml",
        }
    }
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
            Format::Bmp => "BMP",
            Format::Ico => "ICO",
            Format::Avif => "AVIF",
            Format::Tiff => "TIFF",
            Format::Svg => "SVG",
        }
    }
}

/// What the header says about an original, before any pixel is decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub format: Format,
    /// Stored size, before EXIF orientation.
    pub width: u32,
    pub height: u32,
    /// EXIF orientation 1–8 (1 when absent or invalid).
    pub orientation: u8,
    pub has_alpha: bool,
    pub frames: u32,
    pub progressive: bool,
}

impl Probe {
    /// Size as displayed, after EXIF orientation (5–8 swap the sides).
    pub fn oriented_size(&self) -> (u32, u32) {
        if self.orientation >= 5 {
            (self.height, self.width)
        } else {
            (self.width, self.height)
        }
    }
}

/// Reads only the header; refuses over-limit inputs before any pixel buffer exists.
pub fn probe(bytes: &[u8], limits: &Limits) -> Result<Probe> {
    if bytes.len() > limits.max_input_bytes {
        return Err(Error::too_large(format!(
            "input is {} bytes, limit is {} bytes",
            bytes.len(),
            limits.max_input_bytes
        )));
    }
    let format = Format::sniff(bytes).ok_or_else(|| {
        Error::unsupported_format(
            "input is not a JPEG, PNG, GIF, WebP, AVIF, TIFF, BMP, ICO or SVG image (unrecognised magic bytes)",
        )
    })?;
    let probe = match format {
        Format::Jpeg => jpeg::probe(bytes)?,
        Format::Png => png::probe(bytes)?,
        // Counting stops one past the limit, so a million-frame GIF costs no more than that.
        Format::Gif => gif::probe(bytes, limits.max_frames.saturating_add(1))?,
        Format::Webp => webp::probe(bytes, limits.max_frames.saturating_add(1))?,
        Format::Bmp | Format::Ico => bmp::probe(bytes, format)?,
        Format::Avif => avif::probe(bytes)?,
        Format::Tiff => tiff::probe(bytes)?,
        Format::Svg => svg::probe(bytes)?,
    };
    // A vector's intrinsic size costs nothing: it is drawn at the output's size, within budget.
    if !format.is_vector() {
        check_pixels(format, probe.width, probe.height, limits)?;
    }
    if probe.frames > limits.max_frames {
        return Err(Error::too_large(format!("{} has more than {} frames", format.name(), limits.max_frames)));
    }
    Ok(probe)
}

/// Decodes the first frame in stored orientation. `min_size` is the smallest stored-orientation
/// size the plan needs: a JPEG may be decoded at 1/2, 1/4 or 1/8 scale but never below it; an
/// SVG is rendered at exactly that size, which may be larger than its intrinsic one.
///
/// Output has 4 channels exactly when `probe.has_alpha`, else 3. Before any pixel buffer exists
/// the decoder's peak memory at the chosen scale is estimated and checked against
/// `limits.max_decode_bytes` (413).
pub fn decode(bytes: &[u8], probe: &Probe, min_size: (u32, u32), limits: &Limits) -> Result<Image> {
    decode_full_depth(bytes, probe, min_size, limits).map(|r| r.pixels.into_8bit())
}

/// Decoded pixels and the scale they were decoded at.
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    pub pixels: Decoded,
    /// Decoded pixels per stored pixel, per axis: 1, except a JPEG shrunk on load (exactly s/8,
    /// while its size is ceil(side·s/8)) or a vector drawn at the output's size.
    pub scale: (f64, f64),
}

impl From<Image> for Raster {
    /// Pixels at their stored size.
    fn from(image: Image) -> Self {
        Raster { pixels: image.into(), scale: (1.0, 1.0) }
    }
}

/// As `decode`, but 16-bit originals (PNG, TIFF; 10/12-bit AVIF) keep their 16-bit samples, for colour management
/// and the resize to work on; and with the scale the decoder chose.
pub fn decode_full_depth(bytes: &[u8], probe: &Probe, min_size: (u32, u32), limits: &Limits) -> Result<Raster> {
    // The decoders re-read their own headers, so a probe from other bytes cannot mislead them.
    let mut jpeg_eighths = None;
    let decoded: Decoded = match probe.format {
        Format::Jpeg => {
            let (image, eighths) = jpeg::decode(bytes, min_size, limits)?;
            jpeg_eighths = Some(eighths);
            image.into()
        }
        Format::Png => png::decode_full_depth(bytes, limits)?,
        Format::Gif => gif::decode(bytes, probe.has_alpha, limits)?.into(),
        Format::Webp => webp::decode(bytes, limits)?.into(),
        Format::Bmp | Format::Ico => bmp::decode(bytes, probe.format, limits)?.into(),
        Format::Avif => avif::decode_full_depth(bytes, limits)?,
        Format::Tiff => tiff::decode_full_depth(bytes, limits)?,
        Format::Svg => svg::decode(bytes, min_size, limits)?.into(),
    };
    let (samples, (w, h, c)) = match &decoded {
        Decoded::Eight(i) => (i.data.len(), (i.width, i.height, i.channels)),
        Decoded::Sixteen(i) => (i.data.len(), (i.width, i.height, i.channels)),
    };
    if samples != w as usize * h as usize * c as usize {
        return Err(Error::internal(format!(
            "{} decoder returned {samples} samples for {w}x{h}x{c}",
            probe.format.name()
        )));
    }
    let scale = match jpeg_eighths {
        Some(e) => (f64::from(e) / 8.0, f64::from(e) / 8.0),
        // Other decoders give the stored size, or (vectors) draw the whole image at this size.
        None => (f64::from(w) / f64::from(probe.width.max(1)), f64::from(h) / f64::from(probe.height.max(1))),
    };
    Ok(Raster { pixels: decoded, scale })
}

/// An output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg,
    /// Truecolour PNG: RGB, or RGBA when the image has alpha.
    Png,
    /// `png8`: palette PNG, quantized with dithering.
    Png8,
    /// `png32`: RGBA PNG even when the image is opaque.
    Png32,
    Webp,
    Gif,
    Avif,
}

impl OutputFormat {
    /// Heap the encoder holds per output pixel beyond what a JPEG encode does, measured in
    /// Viceroy on a 12 MP photo (`Limits::encoder_bytes_per_pixel`): PNG keeps filtered rows and
    /// the deflate stream, rav1e several frames of planes.
    pub fn encoder_bytes_per_pixel(self) -> u64 {
        match self {
            OutputFormat::Png | OutputFormat::Png8 | OutputFormat::Png32 => 6,
            OutputFormat::Avif => 36,
            OutputFormat::Jpeg | OutputFormat::Webp | OutputFormat::Gif => 0,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png | OutputFormat::Png8 | OutputFormat::Png32 => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Gif => "image/gif",
            OutputFormat::Avif => "image/avif",
        }
    }
    pub fn supports_alpha(self) -> bool {
        !matches!(self, OutputFormat::Jpeg)
    }
    /// Whether `encode_tagged` writes an ICC profile into this format.
    pub fn carries_icc(self) -> bool {
        !matches!(self, OutputFormat::Gif)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChromaSubsampling {
    Yuv444,
    Yuv422,
    Yuv420,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    pub format: OutputFormat,
    /// 1–100 for lossy formats.
    pub quality: u8,
    /// JPEG only: progressive scans instead of baseline.
    pub progressive: bool,
    /// JPEG only.
    pub chroma: ChromaSubsampling,
    /// WebP: lossless instead of lossy at `quality`.
    pub lossless: bool,
    /// `colorquant`: at most this many colours (2–256). Palette outputs use it as their
    /// palette size; other outputs get quantized pixels.
    pub colors: Option<u16>,
}

impl EncodeOptions {
    /// `format` with ixora's defaults: quality 75, baseline, 4:2:0, lossy, all colours.
    pub fn new(format: OutputFormat) -> Self {
        EncodeOptions {
            format,
            quality: 75,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        }
    }
}

/// Metadata an output carries besides its pixels. Outputs are stripped by default: only what
/// the request asks for is written.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    /// ICC profile: JPEG APP2, PNG iCCP, WebP ICCP (VP8X), AVIF `colr` (`prof`). Not GIF.
    pub icc: Option<Vec<u8>>,
    /// Pixels per inch: JPEG JFIF density, PNG pHYs.
    pub dpi: Option<u32>,
    /// IPTC-NAA records: JPEG APP13 (Photoshop resource 0x0404).
    pub iptc: Option<Vec<u8>>,
}

/// Encodes one frame. JPEG input must already be opaque (3 channels).
pub fn encode(image: &Image, options: &EncodeOptions) -> Result<Vec<u8>> {
    encode_tagged(image, options, &Tags::default())
}

/// Encodes one frame with `tags` written where the format has a place for them.
pub fn encode_tagged(image: &Image, options: &EncodeOptions, tags: &Tags) -> Result<Vec<u8>> {
    let expected = image.width as usize * image.height as usize * image.channels as usize;
    if image.width == 0
        || image.height == 0
        || !(image.channels == 3 || image.channels == 4)
        || image.data.len() != expected
    {
        return Err(Error::internal(format!(
            "encode of a {}x{}x{} image with {} samples",
            image.width,
            image.height,
            image.channels,
            image.data.len()
        )));
    }
    let colors = options.colors.map(usize::from);
    // colorquant on a non-palette output: quantize the pixels, then encode them as usual.
    let quantized;
    let image = match (colors, options.format) {
        (Some(n), OutputFormat::Jpeg | OutputFormat::Webp | OutputFormat::Avif) => {
            quantized = quantize::expand(&quantize::quantize(image, n, true), image.channels);
            &quantized
        }
        _ => image,
    };
    match options.format {
        OutputFormat::Jpeg => jpeg::encode(image, options, tags),
        OutputFormat::Png if colors.is_none() => png::encode(image, tags),
        OutputFormat::Png | OutputFormat::Png8 => {
            png::encode_indexed(&quantize::quantize(image, colors.unwrap_or(256), true), tags)
        }
        OutputFormat::Png32 if image.channels == 3 => png::encode(&with_alpha(image), tags),
        OutputFormat::Png32 => png::encode(image, tags),
        OutputFormat::Webp => webp::with_icc(webp::encode(image, options)?, tags.icc.as_deref(), image),
        OutputFormat::Gif => gif::encode(image, colors.unwrap_or(256)),
        OutputFormat::Avif => isobmff::with_icc(avif::encode(image, options.quality)?, tags.icc.as_deref()),
    }
}

/// An ISOBMFF `ftyp` box whose major or a compatible brand is `avif` or `avis`.
fn is_avif(bytes: &[u8]) -> bool {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let size = (u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize).clamp(16, bytes.len());
    // Major brand at 8, minor version at 12, compatible brands from 16.
    std::iter::once(&bytes[8..12]).chain(bytes[16..size].chunks_exact(4)).any(|b| b == b"avif" || b == b"avis")
}

/// Refuses a declared size before anything is allocated for it.
fn check_pixels(format: Format, width: u32, height: u32, limits: &Limits) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::undecodable(format!("{} declares an empty image ({width}x{height})", format.name())));
    }
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_input_pixels {
        return Err(Error::too_large(format!(
            "{} is {width}x{height} ({:.1} megapixels), limit is {:.1} megapixels",
            format.name(),
            pixels as f64 / 1e6,
            limits.max_input_pixels as f64 / 1e6
        )));
    }
    Ok(())
}

/// Refuses a decode whose estimated peak memory is over budget. `what` reads like
/// "progressive JPEG at 1/4 scale".
fn check_budget(what: &str, width: u32, height: u32, needs: u64, limits: &Limits) -> Result<()> {
    if needs > limits.max_decode_bytes {
        return Err(Error::too_large(format!(
            "decoding {width}x{height} {what} needs ~{} MB, limit is {} MB",
            megabytes(needs),
            megabytes(limits.max_decode_bytes)
        )));
    }
    Ok(())
}

fn megabytes(bytes: u64) -> String {
    const MB: f64 = 1024.0 * 1024.0;
    let mb = bytes as f64 / MB;
    if mb >= 10.0 {
        format!("{}", mb.round())
    } else {
        format!("{mb:.1}")
    }
}

/// Grey → RGB or grey+alpha → RGBA, for decoders that hand back fewer channels.
fn expand_grey(data: &[u8], with_alpha: bool) -> Vec<u8> {
    if with_alpha {
        let mut out = Vec::with_capacity(data.len() * 2);
        for ga in data.chunks_exact(2) {
            out.extend_from_slice(&[ga[0], ga[0], ga[0], ga[1]]);
        }
        out
    } else {
        let mut out = Vec::with_capacity(data.len() * 3);
        for &g in data {
            out.extend_from_slice(&[g, g, g]);
        }
        out
    }
}

/// An opaque RGBA copy of an RGB image.
fn with_alpha(image: &Image) -> Image {
    let data = image.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    Image::new(image.width, image.height, 4, data)
}

/// Divides colour by alpha, for decoders whose files store premultiplied (associated) alpha.
fn unpremultiply(rgba: &mut [u8]) {
    for p in rgba.chunks_exact_mut(4) {
        let a = u32::from(p[3]);
        for c in &mut p[..3] {
            *c = if a == 0 { 0 } else { ((u32::from(*c) * 255 + a / 2) / a).min(255) as u8 };
        }
    }
}

/// Associated (premultiplied) 16-bit alpha → straight alpha.
fn unpremultiply16(rgba: &mut [u16]) {
    for p in rgba.chunks_exact_mut(4) {
        let a = u64::from(p[3]);
        for c in &mut p[..3] {
            *c = if a == 0 { 0 } else { ((u64::from(*c) * 65535 + a / 2) / a).min(65535) as u16 };
        }
    }
}

/// Drops the alpha byte of every pixel without a second buffer.
fn rgba_to_rgb_in_place(mut data: Vec<u8>) -> Vec<u8> {
    let pixels = data.len() / 4;
    for i in 0..pixels {
        data.copy_within(i * 4..i * 4 + 3, i * 3);
    }
    data.truncate(pixels * 3);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniff_table() {
        let cases: &[(&[u8], Option<Format>)] = &[
            (&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10], Some(Format::Jpeg)),
            (&[0xFF, 0xD8, 0xFF], Some(Format::Jpeg)),
            (&[0xFF, 0xD8], None),
            (b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", Some(Format::Png)),
            (b"\x89PNG\r\n\x1a", None),
            (b"\x89PNG\n\r\x1a\n", None),
            (b"GIF87a\x01\0", Some(Format::Gif)),
            (b"GIF89a", Some(Format::Gif)),
            (b"GIF88a", None),
            (b"RIFF\0\0\0\0WEBPVP8 ", Some(Format::Webp)),
            (b"RIFF\0\0\0\0WEBP", Some(Format::Webp)),
            (b"RIFF\0\0\0\0WAVEfmt ", None),
            (b"RIFF\0\0\0\0WEB", None),
            (b"\0\0\0\x1cftypavif\0\0\0\0mif1miaf", Some(Format::Avif)),
            (b"\0\0\0\x18ftypmif1\0\0\0\0avismsf1", Some(Format::Avif)),
            (b"\0\0\0\x18ftypheic\0\0\0\0mif1heic", None),
            (b"\0\0\0\x1cftypavif", None),
            (b"II*\0\x08\0\0\0", Some(Format::Tiff)),
            (b"MM\0*\0\0\0\x08", Some(Format::Tiff)),
            (b"II+\0", Some(Format::Tiff)),
            (b"II*", None),
            (b"<svg xmlns=", Some(Format::Svg)),
            (b"<?xml version=\"1.0\"?>\n<svg>", Some(Format::Svg)),
            (b"<html><svg>", None),
            (b"", None),
        ];
        for (bytes, want) in cases {
            assert_eq!(Format::sniff(bytes), *want, "{bytes:?}");
        }
        assert_eq!(Format::Jpeg.mime(), "image/jpeg");
        assert_eq!(Format::Png.mime(), "image/png");
        assert_eq!(Format::Gif.mime(), "image/gif");
        assert_eq!(Format::Webp.mime(), "image/webp");
        assert_eq!(Format::Avif.mime(), "image/avif");
        assert_eq!(Format::Tiff.mime(), "image/tiff");
        assert_eq!(Format::Svg.mime(), "image/svg+xml");
        assert!(Format::Svg.is_vector() && !Format::Png.is_vector());
    }

    #[test]
    fn unknown_and_oversized_inputs() {
        let limits = Limits::default();
        for garbage in [&b"hello, world"[..], b"", b"\0\0\0\x1cftypheic\0\0\0\0", &[0x42; 1000]] {
            let e = probe(garbage, &limits).unwrap_err();
            assert_eq!(e.status, 415);
            assert!(e.message.contains("not a JPEG, PNG, GIF, WebP, AVIF, TIFF, BMP, ICO or SVG"), "{e}");
        }
        let small = Limits { max_input_bytes: 10, ..limits };
        assert_eq!(probe(&[0xFF; 11], &small).unwrap_err().status, 413);
    }

    #[test]
    fn encode_rejects_malformed_images() {
        let opts = EncodeOptions {
            format: OutputFormat::Png,
            quality: 80,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        };
        let short = Image { width: 4, height: 4, channels: 3, data: vec![0; 47] };
        assert_eq!(encode(&short, &opts).unwrap_err().status, 500);
        let two = Image { width: 1, height: 1, channels: 2, data: vec![0; 2] };
        assert_eq!(encode(&two, &opts).unwrap_err().status, 500);
    }

    #[test]
    fn helpers() {
        assert_eq!(rgba_to_rgb_in_place(vec![1, 2, 3, 4, 5, 6, 7, 8]), vec![1, 2, 3, 5, 6, 7]);
        assert_eq!(expand_grey(&[9, 8], true), vec![9, 9, 9, 8]);
        assert_eq!(megabytes(80 * 1024 * 1024), "80");
        assert_eq!(megabytes(1536 * 1024), "1.5");
    }

    /// Every file in ../shared/corpus either probes and decodes, or fails with a 4xx.
    /// Run with --nocapture for one line per file.
    #[test]
    fn corpus() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        let Ok(entries) = std::fs::read_dir(dir) else {
            println!("corpus: {} not found, skipping", dir.display());
            return;
        };
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        // MANIFEST.tsv columns: 0 file, 9 WxH_stored, 10 exif_orientation, 11 alpha, 14 animated_frames.
        let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap_or_default();
        let expected: std::collections::HashMap<String, Vec<String>> = manifest
            .lines()
            .skip(1)
            .map(|l| l.split('\t').map(str::to_string).collect::<Vec<_>>())
            .filter(|c| c.len() > 14)
            .map(|c| (c[0].clone(), c))
            .collect();
        let limits = Limits::default();
        let (mut ok, mut refused) = (0, 0);
        for path in files {
            let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
            if matches!(ext, "txt" | "md" | "tsv" | "json") {
                continue;
            }
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let start = std::time::Instant::now();
            let result = probe(&bytes, &limits).and_then(|p| {
                let img = decode(&bytes, &p, (300, 300), &limits)?;
                Ok((p, img))
            });
            let ms = start.elapsed().as_secs_f64() * 1e3;
            match result {
                Ok((p, img)) => {
                    ok += 1;
                    println!(
                        "{name}: ok {} {}x{} orient={} alpha={} frames={} progressive={} -> {}x{}x{} in {ms:.1} ms",
                        p.format.name(),
                        p.width,
                        p.height,
                        p.orientation,
                        p.has_alpha,
                        p.frames,
                        p.progressive,
                        img.width,
                        img.height,
                        img.channels
                    );
                    assert_eq!(img.channels == 4, p.has_alpha, "{name}");
                    if let Some(c) = expected.get(&name) {
                        assert_eq!(format!("{}x{}", p.width, p.height), c[9], "{name} size");
                        let orientation = c[10].parse::<u8>().ok().filter(|o| (1..=8).contains(o)).unwrap_or(1);
                        assert_eq!(p.orientation, orientation, "{name} orientation");
                        if let ("yes" | "no", a) = (c[11].as_str(), p.has_alpha) {
                            assert_eq!(a, c[11] == "yes", "{name} alpha");
                        }
                        if let Ok(frames) = c[14].parse::<u32>() {
                            assert_eq!(p.frames, frames, "{name} frames");
                        }
                    }
                    assert!(img.width <= p.width && img.height <= p.height, "{name}");
                    assert!(img.width >= p.width.min(300) && img.height >= p.height.min(300), "{name}");
                }
                Err(e) => {
                    refused += 1;
                    println!("{name}: {} {}: {} in {ms:.1} ms", e.status, e.code, e.message);
                    assert!((400..500).contains(&e.status), "{name}: {e}");
                }
            }
        }
        println!("corpus: {ok} decoded, {refused} refused with 4xx");
    }

    /// Random bit flips, byte writes and truncations of small valid files: every outcome is an
    /// image or a 4xx, never a panic (which would be a wasm trap). `FUZZ_ITERS` raises the count.
    #[test]
    fn mutated_inputs_never_panic() {
        let limits = Limits::default();
        let img = Image::new(24, 20, 4, (0..24 * 20 * 4).map(|i| (i * 7 % 256) as u8).collect());
        let mut seeds = vec![
            jpeg::tests::make_jpeg(48, 40, false, Some(6)),
            jpeg::tests::make_jpeg(48, 40, true, None),
            gif::tests::make_gif(20, 20, 3, (2, 2, 10, 10), true),
        ];
        seeds.push(tiff::tests::rgb16(20, 12, ::tiff::encoder::Compression::Lzw, 6));
        seeds.push(
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 10"><rect width="9" height="5" fill="red"/></svg>"#
                .to_vec(),
        );
        for format in [OutputFormat::Png, OutputFormat::Webp, OutputFormat::Gif, OutputFormat::Avif] {
            let options = EncodeOptions {
                format,
                quality: 80,
                progressive: false,
                chroma: ChromaSubsampling::Yuv420,
                lossless: true,
                colors: None,
            };
            seeds.push(encode(&img, &options).unwrap());
        }
        // An animated WebP (libwebp's demuxer and compositing run on untrusted bytes too).
        let frame = |shift: usize| animation::Frame {
            image: Image::new(
                24,
                20,
                4,
                img.data
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| if i % 4 == 3 { v | 1 } else { v.wrapping_add(shift as u8) })
                    .collect(),
            ),
            delay_ms: 50,
        };
        let frames = [frame(0), frame(40), frame(90)];
        for lossless in [true, false] {
            let options = EncodeOptions { lossless, ..EncodeOptions::new(OutputFormat::Webp) };
            seeds.push(animation::encode(&frames, 2, &options, None).unwrap());
        }
        let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/");
        for name in [
            "pil__hopper_orientation_6.webp",
            "ijg__testprog.jpg",
            "js__baseline_32x32x8_cmyk.jpg",
            "lu__star-8bpc-with-alpha.avifs",
        ] {
            seeds.extend(std::fs::read(format!("{corpus}{name}")));
        }
        let iters: usize = std::env::var("FUZZ_ITERS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut rnd = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for seed in &seeds {
            for _ in 0..iters {
                let mut b = seed.clone();
                for _ in 0..1 + rnd() % 4 {
                    let i = rnd() as usize % b.len();
                    match rnd() % 3 {
                        0 => b[i] ^= 1 << (rnd() % 8),
                        1 => b[i] = rnd() as u8,
                        _ => b.truncate(i.max(1)),
                    }
                }
                let min = (rnd() as u32 % 64, rnd() as u32 % 64);
                let animated = |p: &Probe| {
                    if p.frames > 1 {
                        animation::decode_frames(&b, p, &limits, |_, _, _| Ok(true))?;
                    }
                    Ok(())
                };
                let r = probe(&b, &limits).and_then(|p| decode(&b, &p, min, &limits).and_then(|_| animated(&p)));
                if let Err(e) = r {
                    assert!((400..500).contains(&e.status), "{e}");
                }
            }
        }
    }
}
