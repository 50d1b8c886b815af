//! Which encoding answers a request: `fm`, `auto=format` against `Accept`, the source format;
//! what the output carries besides pixels (`cs`, `dpi`, `iptc`); and client hints (`ch`).

use crate::codec::{ChromaSubsampling, EncodeOptions, Format, OutputFormat, Probe};
use crate::params::{ColourSpace, Fm, Params, Size};

/// imgix's default quality, and its default under `auto=compress`.
pub const DEFAULT_QUALITY: u8 = 75;
pub const COMPRESS_QUALITY: u8 = 45;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub options: EncodeOptions,
    /// The choice depended on the `Accept` header, so caches must `Vary: Accept`.
    pub vary_accept: bool,
    /// `cs` as far as the output can carry it: GIF (no profile written) and text
    /// summaries get sRGB numbers instead of a tagged space.
    pub cs: ColourSpace,
    /// `dpi` (JPEG and PNG write it).
    pub dpi: Option<u32>,
    /// `iptc=allow` and the output is a JPEG.
    pub keep_iptc: bool,
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
    let format = if params.auto_format && avif_fits && accepts(accept, "image/avif") {
        OutputFormat::Avif
    } else if params.auto_format && accepts(accept, "image/webp") {
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
        _ => ColourSpace::Default,
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

/// The client-hint values a request carries, read only for the hints its URL names in `ch`
/// (imgix: `Width` overrides `w`, `DPR` overrides `dpr`, `Save-Data: on` lowers the quality to
/// 45). The `Sec-CH-` names win over the legacy ones. Values that do not parse are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClientHints {
    /// Layout width in device pixels, 1–8192.
    pub width: Option<u32>,
    /// Device pixel ratio, (0, 5].
    pub dpr: Option<f64>,
    pub save_data: bool,
}

impl ClientHints {
    /// `header` looks a request header up by (case-insensitive) name.
    pub fn read<'h>(params: &Params, header: impl Fn(&str) -> Option<&'h str>) -> ClientHints {
        let first = |names: [&str; 2]| names.into_iter().find_map(&header).map(str::trim);
        let width = params.ch.width.then(|| first(["sec-ch-width", "width"])).flatten();
        let dpr = params.ch.dpr.then(|| first(["sec-ch-dpr", "dpr"])).flatten();
        let save_data = params.ch.save_data.then(|| header("save-data")).flatten();
        ClientHints {
            width: width
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|w| *w >= 1.0)
                .map(|w| w.round().min(8192.0) as u32),
            dpr: dpr.and_then(|d| d.parse::<f64>().ok()).filter(|d| d.is_finite() && *d > 0.0).map(|d| d.min(5.0)),
            save_data: save_data.is_some_and(|v| v.eq_ignore_ascii_case("on")),
        }
    }

    /// The parameters as the hints change them. `Width` is in device pixels (the Client Hints
    /// definition), so the output is that wide whatever the DPR: `w` becomes Width / DPR.
    pub fn apply(&self, mut params: Params) -> Params {
        if let Some(dpr) = self.dpr {
            params.dpr = dpr;
        }
        if let Some(width) = self.width {
            params.w = Some(Size::Px(((f64::from(width) / params.dpr()).round() as u32).clamp(1, 8192)));
        }
        if self.save_data {
            params.q = Some(params.q.map_or(COMPRESS_QUALITY, |q| q.min(COMPRESS_QUALITY)));
        }
        params
    }

    /// The derivative cache key's part: the normalised values that change the output.
    pub fn cache_key(&self) -> String {
        let mut key = String::new();
        if let Some(w) = self.width {
            key.push_str(&format!("|ch-width={w}"));
        }
        if let Some(d) = self.dpr {
            key.push_str(&format!("|ch-dpr={d}"));
        }
        if self.save_data {
            key.push_str("|ch-save-data");
        }
        key
    }
}

/// `Accept-CH` for a URL with `ch`: the hints it opts into, under both their names.
pub fn accept_ch(params: &Params) -> Option<String> {
    let names: Vec<&str> = hint_headers(params).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// `Vary`: `Accept` when `auto=format` negotiated the format, and every hint header the URL
/// opts into (present or not: a cache must not answer a request carrying a hint with a
/// response rendered without it).
pub fn vary(params: &Params, vary_accept: bool) -> Option<String> {
    let names: Vec<&str> = vary_accept.then_some("Accept").into_iter().chain(hint_headers(params)).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn hint_headers(params: &Params) -> impl Iterator<Item = &'static str> {
    let ch = params.ch;
    [
        (ch.width, "Sec-CH-Width"),
        (ch.width, "Width"),
        (ch.dpr, "Sec-CH-DPR"),
        (ch.dpr, "DPR"),
        (ch.save_data, "Save-Data"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name)
}

/// `colorquant`: colours of the quantised output (clamped to the spec's 2–256 by `params`).
fn colorquant(params: &Params) -> Option<u16> {
    params.output.colorquant
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
        // Animations keep their format.
        assert_eq!(pick("auto=compress", probe(Format::Gif, true, 5), ""), OutputFormat::Gif);
        assert_eq!(pick("fm=png8", probe(Format::Jpeg, false, 1), ""), OutputFormat::Png8);
    }

    #[test]
    fn auto_compress_overrides_fm_for_still_images() {
        let pick = |q: &str, source: &Probe, accept: &str| {
            negotiate(&parse(q).unwrap(), source, accept, 1_000_000).options.format
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
        let o = negotiate(&parse("auto=compress&fm=pjpg").unwrap(), &opaque, "", 1_000_000).options;
        assert_eq!((o.format, o.progressive, o.quality), (OutputFormat::Jpeg, true, 45));
    }

    #[test]
    fn avif_originals_fall_back_to_avif_when_they_have_alpha() {
        let pick = |q: &str, source: Probe| negotiate(&parse(q).unwrap(), &source, "", 1_000_000).options.format;
        assert_eq!(pick("w=100", probe(Format::Avif, true, 1)), OutputFormat::Avif);
        // Opaque ones go out as JPEG (AVIF encoding is the costliest step).
        assert_eq!(pick("w=100", probe(Format::Avif, false, 1)), OutputFormat::Jpeg);
        assert_eq!(pick("w=100&fm=png", probe(Format::Avif, true, 1)), OutputFormat::Png);
        assert_eq!(pick("w=100&auto=compress", probe(Format::Avif, true, 1)), OutputFormat::Png8);
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

    #[test]
    fn cs_dpi_and_iptc_follow_what_the_format_can_carry() {
        let out = |q: &str, source: Format| negotiate(&parse(q).unwrap(), &probe(source, false, 1), "", 1_000_000);
        assert_eq!(out("w=1", Format::Jpeg).cs, ColourSpace::Default);
        assert_eq!(out("cs=adobergb1998", Format::Jpeg).cs, ColourSpace::AdobeRgb1998);
        assert_eq!(out("cs=origin&fm=webp", Format::Jpeg).cs, ColourSpace::Origin);
        assert_eq!(out("cs=tinysrgb&fm=png8", Format::Jpeg).cs, ColourSpace::TinySrgb);
        // No profile in GIF output, nor in text: sRGB numbers instead.
        assert_eq!(out("cs=adobergb1998&fm=gif", Format::Jpeg).cs, ColourSpace::Default);
        assert_eq!(out("cs=origin&fm=avif", Format::Jpeg).cs, ColourSpace::Origin);
        assert_eq!(out("cs=adobergb1998&fm=blurhash", Format::Jpeg).cs, ColourSpace::Default);
        assert_eq!(out("cs=srgb&palette=json", Format::Jpeg).cs, ColourSpace::Default);
        assert_eq!(out("cs=strip&fm=gif", Format::Jpeg).cs, ColourSpace::Strip);
        assert_eq!(out("dpi=300", Format::Jpeg).dpi, Some(300));
        assert_eq!(out("dpi=0", Format::Jpeg).dpi, None);
        assert_eq!(out("dpi=99999", Format::Jpeg).dpi, Some(65535));
        assert!(out("iptc=allow", Format::Jpeg).keep_iptc);
        assert!(!out("iptc=allow&fm=png", Format::Jpeg).keep_iptc);
        assert!(!out("iptc=block", Format::Jpeg).keep_iptc);
        assert!(!out("w=1", Format::Jpeg).keep_iptc);
    }

    fn hints(q: &str, headers: &[(&str, &str)]) -> ClientHints {
        ClientHints::read(&parse(q).unwrap(), |name| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
        })
    }

    #[test]
    fn client_hints_are_read_only_when_opted_in() {
        let all = [("Width", "640"), ("DPR", "2"), ("Save-Data", "on")];
        assert_eq!(hints("w=100", &all), ClientHints::default());
        assert_eq!(hints("ch=width", &all), ClientHints { width: Some(640), ..Default::default() });
        assert_eq!(
            hints("ch=Width,DPR,Save-Data", &all),
            ClientHints { width: Some(640), dpr: Some(2.0), save_data: true }
        );
        // Sec-CH- names win; junk and out-of-range values are ignored or clamped.
        let sec = [("Sec-CH-Width", "500"), ("Width", "640"), ("Sec-CH-DPR", "1.5"), ("DPR", "3")];
        assert_eq!(hints("ch=width,dpr", &sec), ClientHints { width: Some(500), dpr: Some(1.5), save_data: false });
        let junk = [("Width", "wide"), ("DPR", "-1"), ("Save-Data", "off")];
        assert_eq!(hints("ch=width,dpr,save-data", &junk), ClientHints::default());
        let big = [("Width", "100000"), ("DPR", "9")];
        assert_eq!(hints("ch=width,dpr", &big), ClientHints { width: Some(8192), dpr: Some(5.0), save_data: false });
    }

    #[test]
    fn client_hints_change_width_dpr_and_quality() {
        let apply = |q: &str, headers: &[(&str, &str)]| hints(q, headers).apply(parse(q).unwrap());
        // Width is in device pixels: with DPR 2 the CSS width is half of it.
        let p = apply("w=100&ch=width,dpr", &[("Width", "640"), ("DPR", "2")]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(320)), 2.0));
        let p = apply("w=100&dpr=2&ch=width", &[("Width", "640")]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(320)), 2.0));
        let p = apply("w=100&ch=width,dpr", &[]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(100)), 1.0));
        let q = |query: &str, save: &str| {
            let p = apply(query, &[("Save-Data", save)]);
            negotiate(&p, &probe(Format::Jpeg, false, 1), "", 1_000_000).options.quality
        };
        assert_eq!(q("ch=save-data", "on"), 45);
        assert_eq!(q("ch=save-data&q=90", "on"), 45);
        assert_eq!(q("ch=save-data&q=30", "on"), 30);
        assert_eq!(q("ch=save-data", "off"), 75);
        assert_eq!(q("w=10", "on"), 75);
    }

    #[test]
    fn accept_ch_and_vary_name_the_opted_in_hints() {
        let p = |q: &str| parse(q).unwrap();
        assert_eq!(accept_ch(&p("w=1")), None);
        assert_eq!(vary(&p("w=1"), false), None);
        assert_eq!(vary(&p("auto=format"), true).as_deref(), Some("Accept"));
        assert_eq!(accept_ch(&p("ch=dpr,save-data")).as_deref(), Some("Sec-CH-DPR, DPR, Save-Data"));
        assert_eq!(
            vary(&p("ch=width,dpr,save-data&auto=format"), true).as_deref(),
            Some("Accept, Sec-CH-Width, Width, Sec-CH-DPR, DPR, Save-Data")
        );
        assert_eq!(
            hints("ch=width,dpr,save-data", &[("Width", "640"), ("Save-Data", "on")]).cache_key(),
            "|ch-width=640|ch-save-data"
        );
    }
}
