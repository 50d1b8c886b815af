//! Bytes ⇄ pixels: sniffing by magic bytes, header-only probing, decoding at a reduced
//! scale when the plan allows it, and encoding to the output formats.

mod exif;
mod gif;
mod jpeg;
mod png;
mod webp;

use crate::error::{Error, Result};
use crate::image::Image;
use crate::security::Limits;

/// An input format we can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jpeg,
    Png,
    Gif,
    Webp,
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
        } else {
            None
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            Format::Jpeg => "image/jpeg",
            Format::Png => "image/png",
            Format::Gif => "image/gif",
            Format::Webp => "image/webp",
        }
    }
    /// Name for messages.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jpeg => "JPEG",
            Format::Png => "PNG",
            Format::Gif => "GIF",
            Format::Webp => "WebP",
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
        if self.orientation >= 5 { (self.height, self.width) } else { (self.width, self.height) }
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
            "input is not a JPEG, PNG, GIF or WebP image (unrecognised magic bytes)",
        )
    })?;
    let probe = match format {
        Format::Jpeg => jpeg::probe(bytes)?,
        Format::Png => png::probe(bytes)?,
        // Counting stops one past the limit, so a million-frame GIF costs no more than that.
        Format::Gif => gif::probe(bytes, limits.max_frames.saturating_add(1))?,
        Format::Webp => webp::probe(bytes, limits.max_frames.saturating_add(1))?,
    };
    check_pixels(format, probe.width, probe.height, limits)?;
    if probe.frames > limits.max_frames {
        return Err(Error::too_large(format!(
            "{} has more than {} frames",
            format.name(),
            limits.max_frames
        )));
    }
    Ok(probe)
}

/// Decodes the first frame in stored orientation. `min_size` is the smallest stored-orientation
/// size the plan needs: a JPEG may be decoded at 1/2, 1/4 or 1/8 scale but never below it.
///
/// Output has 4 channels exactly when `probe.has_alpha`, else 3. Before any pixel buffer exists
/// the decoder's peak memory at the chosen scale is estimated and checked against
/// `limits.max_decode_bytes` (413).
pub fn decode(bytes: &[u8], probe: &Probe, min_size: (u32, u32), limits: &Limits) -> Result<Image> {
    // The decoders re-read their own headers, so a probe from other bytes cannot mislead them.
    let image = match probe.format {
        Format::Jpeg => jpeg::decode(bytes, min_size, limits)?,
        Format::Png => png::decode(bytes, limits)?,
        Format::Gif => gif::decode(bytes, probe.has_alpha, limits)?,
        Format::Webp => webp::decode(bytes, limits)?,
    };
    if image.data.len() != image.width as usize * image.height as usize * image.channels as usize {
        return Err(Error::internal());
    }
    Ok(image)
}

/// An output encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Jpeg,
    Png,
    Webp,
    Gif,
}

impl OutputFormat {
    pub fn mime(self) -> &'static str {
        match self {
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::Png => "image/png",
            OutputFormat::Webp => "image/webp",
            OutputFormat::Gif => "image/gif",
        }
    }
    pub fn supports_alpha(self) -> bool {
        !matches!(self, OutputFormat::Jpeg)
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
    /// WebP: lossless encoding (the only WebP encoding for now).
    pub lossless: bool,
}

/// Encodes one frame. JPEG input must already be opaque (3 channels).
pub fn encode(image: &Image, options: &EncodeOptions) -> Result<Vec<u8>> {
    let expected = image.width as usize * image.height as usize * image.channels as usize;
    if image.width == 0
        || image.height == 0
        || !(image.channels == 3 || image.channels == 4)
        || image.data.len() != expected
    {
        return Err(Error::internal());
    }
    match options.format {
        OutputFormat::Jpeg => jpeg::encode(image, options),
        OutputFormat::Png => png::encode(image),
        OutputFormat::Webp => webp::encode(image),
        OutputFormat::Gif => gif::encode(image),
    }
}

/// Refuses a declared size before anything is allocated for it.
fn check_pixels(format: Format, width: u32, height: u32, limits: &Limits) -> Result<()> {
    if width == 0 || height == 0 {
        return Err(Error::undecodable(format!(
            "{} declares an empty image ({width}x{height})",
            format.name()
        )));
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

/// Drops the alpha byte of every pixel without a second buffer.
fn rgba_to_rgb_in_place(mut data: Vec<u8>) -> Vec<u8> {
    let pixels = data.len() / 4;
    for i in 0..pixels {
        data.copy_within(i * 4..i * 4 + 3, i * 3);
    }
    data.truncate(pixels * 3);
    data
}
