//! Which encoding answers a request: `fm`, `auto=format` against `Accept`, the source format.

use crate::codec::{ChromaSubsampling, EncodeOptions, Format, OutputFormat};
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

pub fn negotiate(params: &Params, source: Format, accept: &str) -> Output {
    let from_fm = params.fm.map(|fm| match fm {
        Fm::Jpg | Fm::Pjpg => OutputFormat::Jpeg,
        Fm::Png => OutputFormat::Png,
        Fm::Webp => OutputFormat::Webp,
        Fm::Gif => OutputFormat::Gif,
    });
    let from_source = match source {
        Format::Jpeg => OutputFormat::Jpeg,
        Format::Png => OutputFormat::Png,
        Format::Gif => OutputFormat::Gif,
        Format::Webp => OutputFormat::Webp,
    };
    let format = if params.auto_format && accepts(accept, "image/webp") {
        OutputFormat::Webp
    } else {
        from_fm.unwrap_or(from_source)
    };
    let default_q = if params.auto_compress { COMPRESS_QUALITY } else { DEFAULT_QUALITY };
    Output {
        options: EncodeOptions {
            format,
            quality: params.q.unwrap_or(default_q).clamp(1, 100),
            progressive: params.jpg_progressive.unwrap_or(params.fm == Some(Fm::Pjpg)),
            chroma: params.chromasub.unwrap_or(ChromaSubsampling::Yuv420),
            lossless: params.lossless,
        },
        vary_accept: params.auto_format,
    }
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

    fn format(q: &str, source: Format, accept: &str) -> OutputFormat {
        negotiate(&parse(q).unwrap(), source, accept).options.format
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
        assert!(negotiate(&parse("auto=format").unwrap(), Format::Jpeg, "").vary_accept);
        assert!(!negotiate(&parse("fm=webp").unwrap(), Format::Jpeg, "").vary_accept);
    }

    #[test]
    fn quality_defaults() {
        let q = |s: &str| negotiate(&parse(s).unwrap(), Format::Jpeg, "").options.quality;
        assert_eq!(q("w=1"), 75);
        assert_eq!(q("auto=compress"), 45);
        assert_eq!(q("auto=compress&q=80"), 80);
        let o = negotiate(&parse("fm=pjpg&chromasub=444").unwrap(), Format::Jpeg, "").options;
        assert!(o.progressive);
        assert_eq!(o.chroma, ChromaSubsampling::Yuv444);
        assert!(!negotiate(&parse("fm=jpg").unwrap(), Format::Jpeg, "").options.progressive);
    }
}
