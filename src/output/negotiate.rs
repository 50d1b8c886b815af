//! Which encoding answers a request: `fm`, `auto=format` against `Accept`, the source format;
//! what the output carries besides pixels (`cs`, `dpi`, `iptc`).

use crate::codec::{ChromaSubsampling, EncodeOptions, Format, OutputFormat, Probe};
use crate::params::{ColourSpace, Fm, Params};

/// imgix's default quality, and its default under `auto=compress`.
pub const DEFAULT_QUALITY: u8 = 75;
pub const COMPRESS_QUALITY: u8 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub options: EncodeOptions,
    /// The choice depended on the `Accept` header, so caches must `Vary: Accept`.
    pub vary_accept: bool,
    /// `cs` as far as the output can carry it: GIF (no profile written) and text
    /// summaries get untagged sRGB numbers instead of a tagged (or kept) space.
    pub cs: ColourSpace,
    /// `dpi` (JPEG and PNG write it).
    pub dpi: Option<u32>,
    /// `iptc=allow` and the output is a JPEG.
    pub keep_iptc: bool,
}

/// The output formats a client takes besides the universal ones (JPEG, PNG, GIF), worked out by
/// the service from `Accept` (`service::accepts`); the engine never reads header strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Accepts {
    pub avif: bool,
    pub webp: bool,
}

impl Accepts {
    /// A client that takes every format ixora writes.
    pub const ALL: Accepts = Accepts { avif: true, webp: true };
}

/// `auto=format` picks AVIF only for outputs up to this many pixels (about 100x100). rav1e at
/// its fastest speed, without asm, in wasm, is the costliest encoder ixora has: 720x588 took
/// ~550 ms (perf-codecs.md) and 200x150 took 190 ms in Viceroy on a loaded 2-core machine, so
/// only thumbnails fit Fastly's 50 ms CPU budget next to decode and resize. Larger outputs get
/// WebP (~10x cheaper per pixel); `fm=avif` always encodes AVIF. See docs/formats.md.
pub const AVIF_AUTO_MAX_PIXELS: u64 = 10_000;

/// The output encoding. Order: `auto=format` picks AVIF when `Accept` lists it and the output is
/// small enough (`AVIF_AUTO_MAX_PIXELS`, still images only), else WebP when accepted; then, under
/// `auto=compress` for still images, PNG8 for images with alpha and JPEG otherwise, whatever `fm`
/// says (a PNG `fm` stays for images with alpha); then `fm`; then the source format.
/// `output_pixels` is the planned output size.
pub fn negotiate(params: &Params, source: &Probe, accepts: &Accepts, output_pixels: u64) -> Output {
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
        // imgix falls back to the source type, so an AVIF with alpha stays AVIF (JPEG would lose
        // the alpha, PNG would be many times larger). An opaque AVIF goes out as JPEG, unless
        // fm=avif or auto=format asks for AVIF: AVIF encoding is the costliest step
        // (docs/formats.md).
        Format::Avif if source.has_alpha => OutputFormat::Avif,
        Format::Avif => OutputFormat::Jpeg,
    };
    let animated = source.frames > 1;
    let avif_fits = !animated && output_pixels <= AVIF_AUTO_MAX_PIXELS;
    // imgix: "when used in conjunction with fm for non-animated assets, auto=compress overrides
    // the fm parameter and uses JPEG or PNG depending on whether an alpha channel exists". A PNG
    // `fm` (png, png8, png32) is kept for an image with alpha, as it is already a PNG.
    let compress = (params.auto_compress && !animated).then(|| match from_fm {
        Some(f @ (OutputFormat::Png | OutputFormat::Png8 | OutputFormat::Png32)) if source.has_alpha => f,
        _ if source.has_alpha => OutputFormat::Png8,
        _ => OutputFormat::Jpeg,
    });
    let format = if params.auto_format && avif_fits && accepts.avif {
        OutputFormat::Avif
    } else if params.auto_format && accepts.webp {
        OutputFormat::Webp
    } else if let Some(f) = compress {
        f
    } else if let Some(f) = from_fm {
        f
    } else {
        from_source
    };
    let default_q = if params.auto_compress { COMPRESS_QUALITY } else { DEFAULT_QUALITY };
    let summary = params.fm == Some(Fm::Blurhash) || params.output.palette.is_some();
    let cs = match params.cs {
        ColourSpace::Strip => ColourSpace::Strip,
        cs if format.carries_icc() && !summary => cs,
        _ => ColourSpace::SrgbUntagged,
    };
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
        cs,
        dpi: params.dpi,
        keep_iptc: params.iptc && format == OutputFormat::Jpeg,
    }
}

/// `colorquant`: colours of the quantised output (clamped to the spec's 2–256 by `params`).
fn colorquant(params: &Params) -> Option<u16> {
    params.output.colorquant
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::parse;

    fn acc(accept: &str) -> Accepts {
        crate::service::accepts::read(accept)
    }

    fn probe(format: Format, has_alpha: bool, frames: u32) -> Probe {
        Probe { format, width: 10, height: 10, orientation: 1, has_alpha, frames, progressive: false }
    }

    fn format(q: &str, source: Format, accept: &str) -> OutputFormat {
        negotiate(&parse(q).unwrap(), &probe(source, false, 1), &acc(accept), 1_000_000).options.format
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
        assert!(
            negotiate(&parse("auto=format").unwrap(), &probe(Format::Jpeg, false, 1), &acc(""), 1_000_000).vary_accept
        );
        assert!(
            !negotiate(&parse("fm=webp").unwrap(), &probe(Format::Jpeg, false, 1), &acc(""), 1_000_000).vary_accept
        );
    }

    #[test]
    fn quality_defaults() {
        let q = |s: &str| {
            negotiate(&parse(s).unwrap(), &probe(Format::Jpeg, false, 1), &acc(""), 1_000_000).options.quality
        };
        assert_eq!(q("w=1"), 75);
        assert_eq!(q("auto=compress"), 45);
        assert_eq!(q("auto=compress&q=80"), 80);
        let o =
            negotiate(&parse("fm=pjpg&chromasub=444").unwrap(), &probe(Format::Jpeg, false, 1), &acc(""), 1_000_000)
                .options;
        assert!(o.progressive);
        assert_eq!(o.chroma, ChromaSubsampling::Yuv444);
        assert!(
            !negotiate(&parse("fm=jpg").unwrap(), &probe(Format::Jpeg, false, 1), &acc(""), 1_000_000)
                .options
                .progressive
        );
    }

    #[test]
    fn auto_compress_falls_back_by_alpha() {
        let pick = |q: &str, source: Probe, accept: &str| {
            negotiate(&parse(q).unwrap(), &source, &acc(accept), 1_000_000).options.format
        };
        let chrome = "image/avif,image/webp,*/*";
        assert_eq!(pick("auto=compress", probe(Format::Png, true, 1), ""), OutputFormat::Png8);
        assert_eq!(pick("auto=compress", probe(Format::Png, false, 1), ""), OutputFormat::Jpeg);
        assert_eq!(pick("auto=compress", probe(Format::Webp, false, 1), ""), OutputFormat::Jpeg);
        assert_eq!(pick("auto=compress,format", probe(Format::Png, true, 1), chrome), OutputFormat::Webp);
        assert_eq!(pick("auto=compress,format", probe(Format::Png, true, 1), "image/png"), OutputFormat::Png8);
        // Animations keep their format.
        assert_eq!(pick("auto=compress", probe(Format::Gif, true, 5), ""), OutputFormat::Gif);
        assert_eq!(pick("fm=png8", probe(Format::Jpeg, false, 1), ""), OutputFormat::Png8);
    }

    #[test]
    fn auto_compress_overrides_fm_for_still_images() {
        let pick = |q: &str, source: &Probe, accept: &str| {
            negotiate(&parse(q).unwrap(), source, &acc(accept), 1_000_000).options.format
        };
        let (opaque, alpha) = (probe(Format::Jpeg, false, 1), probe(Format::Png, true, 1));
        // JPEG or PNG by alpha, whatever fm asked for.
        for fm in ["webp", "avif", "gif", "png", "png32", "jpg"] {
            assert_eq!(pick(&format!("auto=compress&fm={fm}"), &opaque, ""), OutputFormat::Jpeg, "{fm}");
        }
        for fm in ["webp", "avif", "gif", "jpg", "pjpg"] {
            assert_eq!(pick(&format!("auto=compress&fm={fm}"), &alpha, ""), OutputFormat::Png8, "{fm}");
        }
        // A PNG fm is already a PNG: its variant stays for images with alpha.
        assert_eq!(pick("auto=compress&fm=png32", &alpha, ""), OutputFormat::Png32);
        assert_eq!(pick("auto=compress&fm=png", &alpha, ""), OutputFormat::Png);
        // auto=format's negotiation still comes first; animations keep fm.
        assert_eq!(pick("auto=compress,format&fm=png", &opaque, "image/webp"), OutputFormat::Webp);
        assert_eq!(pick("auto=compress&fm=webp", &probe(Format::Gif, false, 5), ""), OutputFormat::Webp);
        assert_eq!(pick("auto=compress&fm=gif", &probe(Format::Gif, true, 5), ""), OutputFormat::Gif);
        // The JPEG is progressive when fm=pjpg asked for it, at the compress quality.
        let o = negotiate(&parse("auto=compress&fm=pjpg").unwrap(), &opaque, &acc(""), 1_000_000).options;
        assert_eq!((o.format, o.progressive, o.quality), (OutputFormat::Jpeg, true, 45));
    }

    #[test]
    fn avif_originals_fall_back_to_avif_when_they_have_alpha() {
        let pick = |q: &str, source: Probe| negotiate(&parse(q).unwrap(), &source, &acc(""), 1_000_000).options.format;
        assert_eq!(pick("w=100", probe(Format::Avif, true, 1)), OutputFormat::Avif);
        // Opaque ones go out as JPEG (AVIF encoding is the costliest step).
        assert_eq!(pick("w=100", probe(Format::Avif, false, 1)), OutputFormat::Jpeg);
        assert_eq!(pick("w=100&fm=png", probe(Format::Avif, true, 1)), OutputFormat::Png);
        assert_eq!(pick("w=100&auto=compress", probe(Format::Avif, true, 1)), OutputFormat::Png8);
    }

    #[test]
    fn colorquant_is_clamped() {
        let colors =
            |q: &str| negotiate(&parse(q).unwrap(), &probe(Format::Png, false, 1), &acc(""), 1_000_000).options.colors;
        assert_eq!(colors("fm=png"), None);
        assert_eq!(colors("colorquant=16"), Some(16));
        assert_eq!(colors("colorquant=1"), Some(2));
        assert_eq!(colors("colorquant=9999"), Some(256));
    }

    #[test]
    fn auto_format_picks_avif_only_for_small_stills() {
        let chrome = "image/avif,image/webp,*/*";
        let pick =
            |q: &str, source: Probe, px: u64| negotiate(&parse(q).unwrap(), &source, &acc(chrome), px).options.format;
        assert_eq!(pick("auto=format", probe(Format::Jpeg, false, 1), 100 * 100), OutputFormat::Avif);
        assert_eq!(pick("auto=format", probe(Format::Jpeg, false, 1), 800 * 600), OutputFormat::Webp);
        assert_eq!(pick("auto=format", probe(Format::Gif, true, 8), 100 * 100), OutputFormat::Webp);
        let webp_only =
            negotiate(&parse("auto=format").unwrap(), &probe(Format::Jpeg, false, 1), &acc("image/webp"), 100);
        assert_eq!(webp_only.options.format, OutputFormat::Webp);
        assert_eq!(pick("fm=avif", probe(Format::Jpeg, false, 1), 4_000_000), OutputFormat::Avif);
    }

    #[test]
    fn cs_dpi_and_iptc_follow_what_the_format_can_carry() {
        let out =
            |q: &str, source: Format| negotiate(&parse(q).unwrap(), &probe(source, false, 1), &acc(""), 1_000_000);
        assert_eq!(out("w=1", Format::Jpeg).cs, ColourSpace::Default);
        assert_eq!(out("cs=adobergb1998", Format::Jpeg).cs, ColourSpace::AdobeRgb1998);
        assert_eq!(out("cs=origin&fm=webp", Format::Jpeg).cs, ColourSpace::Origin);
        assert_eq!(out("cs=tinysrgb&fm=png8", Format::Jpeg).cs, ColourSpace::TinySrgb);
        // No profile in GIF output, nor in text: untagged sRGB numbers instead, also without
        // `cs` (which elsewhere keeps a wide-gamut original's profile).
        assert_eq!(out("cs=adobergb1998&fm=gif", Format::Jpeg).cs, ColourSpace::SrgbUntagged);
        assert_eq!(out("fm=gif", Format::Jpeg).cs, ColourSpace::SrgbUntagged);
        assert_eq!(out("cs=origin&fm=avif", Format::Jpeg).cs, ColourSpace::Origin);
        assert_eq!(out("cs=adobergb1998&fm=blurhash", Format::Jpeg).cs, ColourSpace::SrgbUntagged);
        assert_eq!(out("cs=srgb&palette=json", Format::Jpeg).cs, ColourSpace::SrgbUntagged);
        assert_eq!(out("palette=css", Format::Jpeg).cs, ColourSpace::SrgbUntagged);
        assert_eq!(out("cs=strip&fm=gif", Format::Jpeg).cs, ColourSpace::Strip);
        assert_eq!(out("dpi=300", Format::Jpeg).dpi, Some(300));
        assert_eq!(out("dpi=0", Format::Jpeg).dpi, None);
        assert_eq!(out("dpi=99999", Format::Jpeg).dpi, Some(65535));
        assert!(out("iptc=allow", Format::Jpeg).keep_iptc);
        assert!(!out("iptc=allow&fm=png", Format::Jpeg).keep_iptc);
        assert!(!out("iptc=block", Format::Jpeg).keep_iptc);
        assert!(!out("w=1", Format::Jpeg).keep_iptc);
    }
}
