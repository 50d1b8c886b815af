//! Which encoding answers a request: `fm`, `auto=format` against `Accept`, the source format.

use crate::codec::{ChromaSubsampling, EncodeOptions, Format, OutputFormat, Probe};
use crate::params::{Fm, Params};

/// imgix's default quality, and its default under `auto=compress`.
pub const DEFAULT_QUALITY: u8 = 75;
pub const COMPRESS_QUALITY: u8 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub options: EncodeOptions,
    /// The choice depended on the `Accept` header, so caches must `Vary: Accept`.
    pub vary_accept: bool,
}

/// `auto=format` picks AVIF only for outputs up to this many pixels (about 100x100). rav1e at
/// its fastest speed, without asm, in wasm, is the costliest encoder ixora has: 720x588 took
/// ~550 ms (perf-codecs.md) and 200x150 took 190 ms in Viceroy on a loaded 2-core machine, so
/// only thumbnails fit Fastly's 50 ms CPU budget next to decode and resize. Larger outputs get
/// WebP (~10x cheaper per pixel); `fm=avif` always encodes AVIF. See docs/formats.md.
pub const AVIF_AUTO_MAX_PIXELS: u64 = 10_000;

/// The output encoding. Order: `auto=format` picks AVIF when `Accept` lists it and the output is
/// small enough (`AVIF_AUTO_MAX_PIXELS`, still images only), else WebP when accepted; then `fm`;
/// then, under `auto=compress`, PNG8 for images with alpha and JPEG otherwise (animations keep
/// their format); then the source format. `output_pixels` is the planned output size.
pub fn negotiate(params: &Params, source: &Probe, accept: &str, output_pixels: u64) -> Output {
    let from_fm = params.fm.and_then(|fm| match fm {
        Fm::Jpg | Fm::Pjpg => Some(OutputFormat::Jpeg),
        Fm::Png => Some(OutputFormat::Png),
        Fm::Png8 => Some(OutputFormat::Png8),
        Fm::Png32 => Some(OutputFormat::Png32),
        Fm::Webp => Some(OutputFormat::Webp),
        Fm::Gif => Some(OutputFormat::Gif),
        Fm::Avif => Some(OutputFormat::Avif),
        // Not images: answered before encoding (src/render.rs).
        Fm::Json | Fm::Blurhash => None,
    });
    let from_source = match source.format {
        Format::Jpeg => OutputFormat::Jpeg,
        Format::Png => OutputFormat::Png,
        Format::Gif => OutputFormat::Gif,
        Format::Webp => OutputFormat::Webp,
        // Not web formats: PNG keeps what they hold (icons have alpha, bitmaps are lossless).
        Format::Bmp | Format::Ico | Format::Tiff | Format::Svg => OutputFormat::Png,
        // AVIF encoding is the costliest step, so an AVIF original goes out as JPEG, or PNG
        // when it has alpha, unless fm=avif or auto=format asks for AVIF.
        Format::Avif if source.has_alpha => OutputFormat::Png,
        Format::Avif => OutputFormat::Jpeg,
    };
    let animated = source.frames > 1;
    let avif_fits = !animated && output_pixels <= AVIF_AUTO_MAX_PIXELS;
    let format = if params.auto_format && avif_fits && accepts(accept, "image/avif") {
        OutputFormat::Avif
    } else if params.auto_format && accepts(accept, "image/webp") {
        OutputFormat::Webp
    } else if let Some(f) = from_fm {
        f
    } else if params.auto_compress && !animated {
        if source.has_alpha {
            OutputFormat::Png8
        } else {
            OutputFormat::Jpeg
        }
    } else {
        from_source
    };
    let default_q = if params.auto_compress { COMPRESS_QUALITY } else { DEFAULT_QUALITY };
    Output {
        options: EncodeOptions {
            format,
            quality: params.q.unwrap_or(default_q).clamp(1, 100),
            progressive: params.jpg_progressive.unwrap_or(params.fm == Some(Fm::Pjpg)),
            chroma: params.chromasub.unwrap_or(ChromaSubsampling::Yuv420),
            lossless: params.lossless,
            colors: colorquant(params),
        },
        vary_accept: params.auto_format,
    }
}

/// `colorquant`: 2–256 colours; other values are ignored, as imgix only suggests the range.
fn colorquant(params: &Params) -> Option<u16> {
    params.raw("colorquant").and_then(|v| v.trim().parse::<f64>().ok()).map(|n| n.round().clamp(2.0, 256.0) as u16)
}

/// Whether an `Accept` header lists `mime` with a non-zero q.
pub fn accepts(accept: &str, mime: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let ty = parts.next().unwrap_or("");
        let refused =
            parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f64>().ok()).is_some_and(|q| q <= 0.0));
        ty.eq_ignore_ascii_case(mime) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::parse;

    fn probe(format: Format, has_alpha: bool, frames: u32) -> Probe {
        Probe { format, width: 10, height: 10, orientation: 1, has_alpha, frames, progressive: false }
    }

    fn format(q: &str, source: Format, accept: &str) -> OutputFormat {
        negotiate(&parse(q).unwrap(), &probe(source, false, 1), accept, 1_000_000).options.format
    }

    #[test]
    fn auto_format_prefers_webp_when_accepted() {
        let chrome = "image/avif,image/webp,image/apng,image/*,*/*;q=0.8";
        assert_eq!(format("auto=format", Format::Jpeg, chrome), OutputFormat::Webp);
        assert_eq!(format("auto=format&fm=png", Format::Jpeg, chrome), OutputFormat::Webp);
        assert_eq!(format("auto=format&fm=png", Format::Jpeg, "image/*"), OutputFormat::Png);
        assert_eq!(format("auto=format", Format::Gif, "image/webp;q=0"), OutputFormat::Gif);
        assert_eq!(format("w=10", Format::Png, chrome), OutputFormat::Png);
        assert_eq!(format("fm=jpg", Format::Png, chrome), OutputFormat::Jpeg);
        assert!(negotiate(&parse("auto=format").unwrap(), &probe(Format::Jpeg, false, 1), "", 1_000_000).vary_accept);
        assert!(!negotiate(&parse("fm=webp").unwrap(), &probe(Format::Jpeg, false, 1), "", 1_000_000).vary_accept);
    }

    #[test]
    fn quality_defaults() {
        let q = |s: &str| negotiate(&parse(s).unwrap(), &probe(Format::Jpeg, false, 1), "", 1_000_000).options.quality;
        assert_eq!(q("w=1"), 75);
        assert_eq!(q("auto=compress"), 45);
        assert_eq!(q("auto=compress&q=80"), 80);
        let o =
            negotiate(&parse("fm=pjpg&chromasub=444").unwrap(), &probe(Format::Jpeg, false, 1), "", 1_000_000).options;
        assert!(o.progressive);
        assert_eq!(o.chroma, ChromaSubsampling::Yuv444);
        assert!(
            !negotiate(&parse("fm=jpg").unwrap(), &probe(Format::Jpeg, false, 1), "", 1_000_000).options.progressive
        );
    }

    #[test]
    fn auto_compress_falls_back_by_alpha() {
        let pick = |q: &str, source: Probe, accept: &str| {
            negotiate(&parse(q).unwrap(), &source, accept, 1_000_000).options.format
        };
        let chrome = "image/avif,image/webp,*/*";
        assert_eq!(pick("auto=compress", probe(Format::Png, true, 1), ""), OutputFormat::Png8);
        assert_eq!(pick("auto=compress", probe(Format::Png, false, 1), ""), OutputFormat::Jpeg);
        assert_eq!(pick("auto=compress", probe(Format::Webp, false, 1), ""), OutputFormat::Jpeg);
        assert_eq!(pick("auto=compress,format", probe(Format::Png, true, 1), chrome), OutputFormat::Webp);
        assert_eq!(pick("auto=compress,format", probe(Format::Png, true, 1), "image/png"), OutputFormat::Png8);
        // Animations keep their format; an explicit fm wins over the fallback.
        assert_eq!(pick("auto=compress", probe(Format::Gif, true, 5), ""), OutputFormat::Gif);
        assert_eq!(pick("auto=compress&fm=png32", probe(Format::Jpeg, false, 1), ""), OutputFormat::Png32);
        assert_eq!(pick("fm=png8", probe(Format::Jpeg, false, 1), ""), OutputFormat::Png8);
    }

    #[test]
    fn colorquant_is_clamped() {
        let colors =
            |q: &str| negotiate(&parse(q).unwrap(), &probe(Format::Png, false, 1), "", 1_000_000).options.colors;
        assert_eq!(colors("fm=png"), None);
        assert_eq!(colors("colorquant=16"), Some(16));
        assert_eq!(colors("colorquant=1"), Some(2));
        assert_eq!(colors("colorquant=9999"), Some(256));
    }

    #[test]
    fn auto_format_picks_avif_only_for_small_stills() {
        let chrome = "image/avif,image/webp,*/*";
        let pick = |q: &str, source: Probe, px: u64| negotiate(&parse(q).unwrap(), &source, chrome, px).options.format;
        assert_eq!(pick("auto=format", probe(Format::Jpeg, false, 1), 100 * 100), OutputFormat::Avif);
        assert_eq!(pick("auto=format", probe(Format::Jpeg, false, 1), 800 * 600), OutputFormat::Webp);
        assert_eq!(pick("auto=format", probe(Format::Gif, true, 8), 100 * 100), OutputFormat::Webp);
        let webp_only = negotiate(&parse("auto=format").unwrap(), &probe(Format::Jpeg, false, 1), "image/webp", 100);
        assert_eq!(webp_only.options.format, OutputFormat::Webp);
        assert_eq!(pick("fm=avif", probe(Format::Jpeg, false, 1), 4_000_000), OutputFormat::Avif);
    }
}
