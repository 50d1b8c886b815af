//! The imgix URL grammar: query string → typed `Params`. Parsing is the only place that sees
//! raw strings; everything downstream works on these types.

pub mod color;
pub mod docs;
pub mod groups;
pub mod layers;
pub mod spec;
pub mod text;
pub mod validate;

pub use color::Color;
pub use groups::{
    Adjust, Append, ColorSpace, DropShadow, Fill, FillMode, GradientAngle, GradientOverlay, Grid, HueArc, MaskKind,
    Output, Palette, RadialSize, Rotate, ShadowType, Side, Timeline, Trim, TrimMode,
};
pub use layers::{Blend, BlendMode, BlendSource, Fade, LayerFit, Layers, Mark, Offset};
pub use spec::{Spec, Status};

use crate::codec::ChromaSubsampling;
use crate::error::{Error, Result};

/// A requested side: pixels, or a fraction (0–1) of the source side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Size {
    Px(u32),
    Fraction(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fit {
    #[default]
    Clip,
    Crop,
    Fill,
    FillMax,
    Max,
    Min,
    Scale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Anchor {
    Start,
    #[default]
    Center,
    End,
}

/// Where a crop sits when the source has more pixels than the output needs.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Crop {
    pub x: Anchor,
    pub y: Anchor,
    pub focalpoint: bool,
    /// `faces`: the crop is centred on the detected faces; without faces the rest of the list
    /// (`smart`, then the anchors) decides.
    pub faces: bool,
    /// `entropy` or `edges`: the crop goes where the picture is busiest.
    pub smart: Option<Smart>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Smart {
    Entropy,
    Edges,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FocalPoint {
    pub x: f64,
    pub y: f64,
    pub z: f64,
}

impl Default for FocalPoint {
    fn default() -> Self {
        FocalPoint { x: 0.5, y: 0.5, z: 1.0 }
    }
}

/// One coordinate of `rect`: pixels, fraction of the image, or a keyword position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RectPos {
    Px(f64),
    Fraction(f64),
    Anchor(Anchor),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RectLen {
    Px(f64),
    Fraction(f64),
    Full,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: RectPos,
    pub y: RectPos,
    pub w: RectLen,
    pub h: RectLen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flip {
    pub h: bool,
    pub v: bool,
}

/// `resize-filter`: the resampling kernel. imgix's names map onto fast_image_resize's filters;
/// Lanczos2 (imgix's default) is a two-lobe windowed sinc.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResizeFilter {
    Lanczos2,
    Lanczos3,
    /// Catmull-Rom.
    Bicubic,
    Mitchell,
    Bilinear,
    Nearest,
}

impl ResizeFilter {
    /// imgix's names and their synonyms; anything else leaves the default.
    pub fn named(v: &str) -> Option<ResizeFilter> {
        Some(match v {
            "lanczos2" => ResizeFilter::Lanczos2,
            "lanczos3" | "lanczos" | "photo" | "sharp" => ResizeFilter::Lanczos3,
            "bicubic" | "cubic" | "catmull-rom" => ResizeFilter::Bicubic,
            "mitchell" | "graphic" | "soft" => ResizeFilter::Mitchell,
            "bilinear" | "linear" => ResizeFilter::Bilinear,
            "nearest" | "pixel" => ResizeFilter::Nearest,
            _ => return None,
        })
    }
}

/// `fm` values ixora can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fm {
    Jpg,
    Pjpg,
    Png,
    Png8,
    Png32,
    Webp,
    Gif,
    Json,
    Blurhash,
    Avif,
}

/// `cs`: the output's colour space and the ICC profile that says so (see `codec::icc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColourSpace {
    /// No `cs`: an original with a wide-gamut (not sRGB) RGB profile keeps its numbers and that
    /// profile, as `origin`; any other original becomes sRGB numbers without a profile, as
    /// `SrgbUntagged` (measured in browsers: docs/formats.md, "What no `cs` means").
    #[default]
    Default,
    /// sRGB numbers without a profile, which is what browsers assume. Not a URL value: what
    /// outputs that cannot carry a profile (GIF, palettes, BlurHash) get instead of a tagged space.
    SrgbUntagged,
    /// sRGB numbers with an sRGB profile.
    Srgb,
    /// sRGB numbers with a compact (~500-byte) sRGB profile.
    TinySrgb,
    /// Adobe RGB (1998) numbers with that profile.
    AdobeRgb1998,
    /// The decoded numbers untouched, no profile.
    Strip,
    /// The original's numbers and its RGB profile (sRGB ones too); otherwise as `SrgbUntagged`.
    Origin,
}

/// `ch`: the client hints the URL opts into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HintSet {
    pub width: bool,
    pub dpr: bool,
    pub save_data: bool,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Params {
    pub w: Option<Size>,
    pub h: Option<Size>,
    pub fit: Fit,
    pub crop: Crop,
    pub fp: FocalPoint,
    /// Width:height.
    pub ar: Option<(f64, f64)>,
    pub dpr: f64,
    pub rect: Option<Rect>,
    pub max_w: Option<u32>,
    pub max_h: Option<u32>,
    pub min_w: Option<u32>,
    pub min_h: Option<u32>,
    pub bg: Option<Color>,
    pub fill_color: Option<Color>,
    /// Explicit orientation (EXIF numbering 1–8), overriding the file's.
    pub orient: Option<u8>,
    pub flip: Flip,
    pub fm: Option<Fm>,
    pub q: Option<u8>,
    pub auto_format: bool,
    pub auto_compress: bool,
    pub chromasub: Option<ChromaSubsampling>,
    pub lossless: bool,
    pub jpg_progressive: Option<bool>,
    pub cs: ColourSpace,
    /// `dpi`: resolution written into JPEG (JFIF) and PNG (pHYs) outputs.
    pub dpi: Option<u32>,
    /// `iptc=allow`: a JPEG original's IPTC block is kept in JPEG outputs.
    pub iptc: bool,
    pub ch: HintSet,
    /// `fit=facearea`: the output shows the detected faces (all, or `faceindex`), padded by
    /// `facepad`; `fit` is then the fallback for images without faces (crop unless listed, as in
    /// `fit=facearea,fill`).
    pub facearea: bool,
    /// `faceindex`: 1-based, largest face first.
    pub faceindex: Option<u32>,
    /// `facepad`: the face box is scaled by this about its centre (1 = tight).
    pub facepad: f64,
    /// `auto=redeye`: red pupils inside detected faces are darkened.
    pub redeye: bool,
    /// `fill-max=source`: a fit=fillmax canvas is no larger than the source on either side.
    pub fill_max_source: bool,
    pub adjust: Adjust,
    pub trim: Trim,
    /// Padding and border.
    pub frame: groups::Frame,
    pub fill: Fill,
    pub mask: groups::Mask,
    pub timeline: Timeline,
    pub output: Output,
    pub rotate: Rotate,
    pub grid: Grid,
    /// `blend[N]`, `mark[N]`: what is drawn over the image.
    pub layers: Layers,
    /// `append`: a second image beside the picture.
    pub append: Append,
    /// `drop-shadow*`: a shadow under the finished image.
    pub shadow: DropShadow,
    /// `gradient*`: colours over the picture.
    pub gradient: GradientOverlay,
    /// `fade`, `fade-top`…: the picture's edges ramp to transparent.
    pub fade: Fade,
    /// `face-blur` and `face-pixel`, 0–100 (0: off): detected faces are blurred or pixelated.
    pub face_blur: f32,
    pub face_pixel: f32,
    /// `fp-debug`: crosshairs at the focal point.
    pub fp_debug: bool,
    /// `resize-filter`; `None` is ixora's default (`plan::DEFAULT_FILTER`).
    pub resize_filter: Option<ResizeFilter>,
    /// `dl`: the file name a download is saved under.
    pub download: Option<String>,
    /// `faces=1`: `fm=json` lists the detected faces.
    pub faces: bool,
    /// `expires`: a Unix timestamp after which the URL is refused.
    pub expires: Option<u64>,
    /// Applied `name=value` pairs (canonical names, values as applied, defaults included,
    /// sorted): `X-Imgix-Params`.
    pub applied: Vec<(&'static str, String)>,
    /// Canonical `name=value` pairs (alias-free, values normalised, defaults dropped, sorted):
    /// the cache-key part of the URL.
    pub canonical: Vec<(&'static str, String)>,
    /// Parameters that were understood and validated but have no effect in ixora.
    pub ignored: Vec<&'static str>,
    /// Values ixora acts on only in part (`crop=auto`), replaces (`fm=mp4`), clamped
    /// (`w=9000 (clamped to 8192)`) or dropped (`blur=abc (not a number; default used)`): the
    /// parameter and what happens instead, for `X-Ixora-Ignored`.
    pub notes: Vec<(&'static str, String)>,
    /// Every imgix parameter the query named (canonical names, sorted), whatever its value: any of
    /// them but `expires` makes the request a render rather than a passthrough.
    pub named: Vec<&'static str>,
}

/// The query of a `~text` URL (`~text?txt=…`, `/~text?…`, or any host's `/~text`, as imgix's
/// docs write them): ixora sets that text itself instead of fetching it.
pub fn typeset_query(url: &str) -> Option<&str> {
    let rest = match url.split_once("://") {
        Some((_, after)) => &after[after.find('/')?..],
        None => url,
    };
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    (path.trim_start_matches('/') == "~text").then_some(query)
}

impl Params {
    /// True when the query named no imgix parameter (unknown names such as `v=2` do not count,
    /// nor does `expires`): the original is served untouched. Any parameter, even at its default
    /// (`q=75`, `fit=clip`, `dpr=1`), renders, so orientation is applied and metadata stripped, as
    /// imgix does "when an image is transformed using any parameter".
    pub fn is_passthrough(&self) -> bool {
        self.named.iter().all(|k| *k == "expires")
    }

    /// `mask=<url or path>`: where the mask image is, when the mask is an image rather than a shape.
    pub fn mask_image(&self) -> Option<&str> {
        match &self.mask.kind {
            Some(MaskKind::Image(url)) => Some(url),
            _ => None,
        }
    }

    /// The canonical value of a parameter (aliases and `…64` resolved); `None` when absent or
    /// equal to its default. Only for tests: everything else reads the typed fields.
    #[cfg(test)]
    fn raw(&self, name: &str) -> Option<&str> {
        self.canonical.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str())
    }

    /// `X-Imgix-Params`: the parameters applied, as `name=value` pairs joined by `&` (values
    /// percent-encoded where a header or the pair syntax needs it). Empty when none was.
    pub fn applied_header(&self) -> String {
        let encode = |v: &str| -> String {
            v.bytes()
                .map(|b| match b {
                    b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' | b'/' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect()
        };
        self.applied.iter().map(|(k, v)| format!("{k}={}", encode(v))).collect::<Vec<_>>().join("&")
    }

    /// `X-Ixora-Ignored`: what the URL asked for that ixora does not do, with why.
    pub fn ignored_header(&self) -> Option<String> {
        let mut reasons: Vec<(&str, String)> = self
            .ignored
            .iter()
            .filter_map(|n| match spec::lookup(n).map(|s| s.status) {
                Some(Status::Ignored(why)) => Some((*n, format!("{n} ({why})"))),
                _ => None,
            })
            .collect();
        reasons.extend(self.notes.iter().map(|(n, why)| (*n, why.clone())));
        reasons.sort_by(|a, b| a.0.cmp(b.0));
        let reasons: Vec<String> = reasons.into_iter().map(|(_, r)| r).collect();
        (!reasons.is_empty()).then(|| reasons.join(", "))
    }

    /// Sorted, alias-free `k=v&k=v` form.
    pub fn canonical_query(&self) -> String {
        self.canonical.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&")
    }

    pub fn dpr(&self) -> f64 {
        if self.dpr > 0.0 {
            self.dpr
        } else {
            1.0
        }
    }
}

/// How bad values are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// imgix's semantics: a value beyond its range is clamped to it, an unusable one is dropped
    /// (the default applies); each is listed with its reason in `X-Ixora-Ignored`.
    #[default]
    Forgiving,
    /// For sources that opt in (`"strict": true`): every value that would be clamped or dropped,
    /// and every unsupported parameter, is a 400 naming the parameter.
    Strict,
}

/// Parses a raw query string (without `?`) with imgix's forgiving semantics.
pub fn parse(query: &str) -> Result<Params> {
    parse_with(query, Mode::Forgiving)
}

/// Parses a raw query string (without `?`). Unknown names are ignored. Every value is read
/// against its grammar in the spec table, then the implemented ones become typed fields. The only
/// errors in forgiving mode are imgix's own: a `…64` value that is not base64, and an `expires`
/// that is not a timestamp (an expiry that cannot be read must not become one that never comes).
pub fn parse_with(query: &str, mode: Mode) -> Result<Params> {
    // Applied values by parameter, in first-seen order; the last usable occurrence wins except
    // for `auto`, which accumulates.
    let mut given: Vec<Given> = Vec::new();
    // What was clamped or dropped, by parameter (the last occurrence's reason).
    let mut reasons: Vec<(&'static str, String)> = Vec::new();
    let mut named: Vec<&'static str> = Vec::new();
    let mut raw_auto = String::new();
    for pair in query.split('&').filter(|s| !s.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let full_key = decode_component(raw_key).to_ascii_lowercase();
        let (key, index) = split_layer(&full_key);
        let mut value = decode_component(raw_value);
        let spec = match spec::lookup(key) {
            Some(s) => s,
            None => match key.strip_suffix("64").and_then(spec::lookup).filter(|s| s.base64) {
                Some(s) => {
                    value = validate::base64url(key, raw_value)?;
                    s
                }
                None => continue,
            },
        };
        let layered = layers::INDEXED_CATEGORIES.contains(&spec.category);
        let layer = match index {
            None => 0,
            Some(_) if !layered => continue,
            Some(i) if i <= u32::from(layers::MAX_LAYER) => i as u8,
            Some(i) => {
                let why = format!("{full_key} (layer {i} is past the last, {})", layers::MAX_LAYER);
                reasons.push((spec.name, why));
                continue;
            }
        };
        // The canonical name: `mark-w` for layer 0, `mark-w[2]` above.
        let name = spec::layer_key(spec.name, layer);
        if !named.contains(&spec.name) {
            named.push(spec.name);
        }
        if let Status::Unsupported(why) = spec.status {
            if mode == Mode::Strict {
                return Err(Error::invalid_param(spec.name, format!("{} is not supported: {why}", spec.name)));
            }
            reasons.retain(|(n, _)| *n != name);
            reasons.push((name, format!("{name} (unsupported: {why})")));
            continue;
        }
        if spec.name == "auto" {
            raw_auto = if raw_auto.is_empty() { value } else { format!("{raw_auto},{value}") };
            value = raw_auto.clone();
        }
        let strict = mode == Mode::Strict || spec.name == "expires";
        let normal = match validate::read(spec, &value) {
            validate::Reading::Valid(v) => {
                reasons.retain(|(n, _)| *n != name);
                v
            }
            _ if strict => return Err(validate::refusal(spec, &value)),
            validate::Reading::Fixed(v, why) => {
                reasons.retain(|(n, _)| *n != name);
                reasons.push((name, format!("{name}={} ({why})", shown(&value))));
                v
            }
            validate::Reading::Invalid(why) => {
                reasons.retain(|(n, _)| *n != name);
                reasons.push((name, format!("{name}={} ({why}; default used)", shown(&value))));
                continue;
            }
        };
        // The bare name is layer 0 and wins over `[0]`, whichever comes first.
        let bare = index.is_none();
        match given.iter_mut().find(|g| g.name == name) {
            Some(g) if g.bare && !bare => {}
            Some(g) => (g.value, g.bare) = (normal, bare),
            None => given.push(Given { spec, name, layer, bare, value: normal }),
        }
    }

    let mut p = Params { dpr: 1.0, facepad: 1.0, ..Params::default() };
    // A value that fits its grammar but not its meaning (`h=0`, `fit=crop,fill`) is dropped too;
    // it is applied to a copy so a failure leaves nothing half-set.
    let mut kept = Vec::with_capacity(given.len());
    for g in given {
        let mut next = p.clone();
        let applied = if g.layer > 0 || layers::INDEXED_CATEGORIES.contains(&g.spec.category) {
            if let Some(why) = layers::apply(&mut next.layers, g.spec.name, g.layer, &g.value) {
                next.notes.push((g.name, format!("{}={} ({why})", g.name, shown(&g.value))));
            }
            Ok(())
        } else {
            apply(&mut next, g.spec.name, &g.value)
        };
        match applied {
            Ok(()) => {
                p = next;
                kept.push((g.spec, g.name, g.value));
            }
            Err(e) if mode == Mode::Strict => return Err(e),
            Err(_) => {
                reasons.retain(|(n, _)| *n != g.name);
                reasons.push((g.name, format!("{}={} (not valid; default used)", g.name, shown(&g.value))));
            }
        }
    }
    let given = kept;
    // The canonical form leaves out values equal to the default: they change nothing.
    let default_of = |s: &Spec| s.default.and_then(|d| validate::normalize(s, d).ok());
    p.canonical = given
        .iter()
        .filter(|(s, _, v)| default_of(s).as_deref() != Some(v.as_str()))
        .map(|(_, n, v)| (*n, v.clone()))
        .collect();
    p.canonical.sort();
    p.applied = given
        .iter()
        .filter(|(s, _, _)| matches!(s.status, Status::Implemented | Status::Partial(_)))
        .map(|(_, n, v)| (*n, v.clone()))
        .collect();
    p.applied.sort();
    // Each type of shadow reads only its own parameters; the rest change nothing, so they are
    // left out of `X-Imgix-Params` and the cache key, as imgix leaves them out.
    let unread = |name: &str| {
        let (key, layer) = split_layer(name);
        match key.strip_prefix("mark-") {
            Some(rest) if rest.starts_with("drop-shadow") => {
                let mark = p.layers.marks.get(&(layer.unwrap_or(0) as u8));
                mark.is_some_and(|m| !m.shadow.reads(rest))
            }
            _ => key.starts_with("drop-shadow") && !p.shadow.reads(key),
        }
    };
    let (applied, canonical): (Vec<_>, Vec<_>) = (
        p.applied.iter().filter(|(n, _)| !unread(n)).cloned().collect(),
        p.canonical.iter().filter(|(n, _)| !unread(n)).cloned().collect(),
    );
    (p.applied, p.canonical) = (applied, canonical);
    p.ignored =
        given.iter().filter(|(s, _, _)| matches!(s.status, Status::Ignored(_))).map(|(s, _, _)| s.name).collect();
    p.ignored.sort_unstable();
    p.ignored.dedup();
    p.notes.extend(reasons);
    named.sort_unstable();
    p.named = named;
    // An `fm` ixora cannot write is left out of the canonical form (the cache key names what is
    // applied): `fm=mp4` renders, and is cached, like no `fm`.
    if p.fm.is_none() {
        p.canonical.retain(|(k, _)| *k != "fm");
        p.applied.retain(|(k, _)| *k != "fm");
    }
    Ok(p)
}

/// One parameter's value as read, before it is applied.
struct Given {
    spec: &'static Spec,
    /// The canonical name, with its layer index (`mark-w[2]`).
    name: &'static str,
    layer: u8,
    /// Written without an index (the bare name wins over `[0]`).
    bare: bool,
    value: String,
}

/// `mark-w[2]` → (`mark-w`, Some(2)); a name without a well-formed index is returned whole.
fn split_layer(key: &str) -> (&str, Option<u32>) {
    let Some(open) = key.strip_suffix(']').and_then(|k| k.rfind('[')) else { return (key, None) };
    match key[open + 1..key.len() - 1].parse::<u32>() {
        Ok(i) => (&key[..open], Some(i)),
        Err(_) => (key, None),
    }
}

/// A value as quoted in a header: control characters, non-ASCII and `%` percent-encoded, long
/// values cut short.
fn shown(v: &str) -> String {
    let mut out = String::new();
    for (i, c) in v.chars().enumerate() {
        if i == 40 {
            out.push_str("...");
            break;
        }
        if c.is_ascii_graphic() && c != '%' || c == ' ' {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            out.extend(c.encode_utf8(&mut buf).bytes().map(|b| format!("%{b:02X}")));
        }
    }
    out
}

fn apply(p: &mut Params, name: &'static str, v: &str) -> Result<()> {
    match name {
        "w" => p.w = Some(size(name, v)?),
        "h" => p.h = Some(size(name, v)?),
        "fit" => {
            // Only `facearea` takes a fallback: `fit=facearea,fill`.
            let (first, fallback) = v.split_once(',').map_or((v, None), |(a, b)| (a, Some(b)));
            p.fill.clamp = v == "clamp";
            if first == "facearea" {
                p.facearea = true;
            } else if fallback.is_some() {
                return Err(one_of(name, v, "one fit mode, or facearea followed by its fallback"));
            }
            p.fit = match fallback.unwrap_or(first) {
                "clip" => Fit::Clip,
                // Without faces, a face-area crop is a centred crop.
                "crop" | "facearea" => Fit::Crop,
                // Edge extension is not done yet: clamp pads like fill.
                "fill" | "clamp" => Fit::Fill,
                "fillmax" => Fit::FillMax,
                "max" => Fit::Max,
                "min" => Fit::Min,
                "scale" => Fit::Scale,
                _ => return Err(one_of(name, v, "clip, crop, fill, fillmax, max, min, scale")),
            }
        }
        "crop" => {
            p.crop = crop(v)?;
            if v.split(',').any(|i| i.trim() == "auto") {
                p.notes.push((
                    name,
                    "crop=auto (no subject detection: the crop follows the faces, else the busiest region)".into(),
                ));
            }
        }
        // Ranges were checked (and clamped) against the spec table by `validate::read`.
        "fp-x" => p.fp.x = number(name, v)?,
        "fp-y" => p.fp.y = number(name, v)?,
        "fp-z" => p.fp.z = number(name, v)?,
        "ar" => p.ar = Some(ratio(name, v)?),
        "dpr" => p.dpr = number(name, v)?,
        "rect" => p.rect = Some(rect(v)?),
        "max-w" => p.max_w = Some(int(name, v)?),
        "max-h" => p.max_h = Some(int(name, v)?),
        "min-w" => p.min_w = Some(int(name, v)?),
        "min-h" => p.min_h = Some(int(name, v)?),
        "bg" => p.bg = Some(color(name, v)?),
        "dl" => p.download = Some(v.to_string()).filter(|n| !n.trim().is_empty()),
        "resize-filter" => p.resize_filter = ResizeFilter::named(v),
        "face-blur" => p.face_blur = number(name, v)? as f32,
        "face-pixel" => p.face_pixel = number(name, v)? as f32,
        "fp-debug" => p.fp_debug = v == "true",
        "fade" | "fade-top" | "fade-right" | "fade-bottom" | "fade-left" => p.fade.set(name, v),
        "fill-color" => p.fill_color = Some(color(name, v)?),
        "orient" => {
            p.orient = Some(match int(name, v)? {
                0 | 1 => 1,
                n @ 2..=8 => n as u8,
                90 => 6,
                180 => 3,
                270 => 8,
                _ => return Err(one_of(name, v, "0-8, 90, 180, 270")),
            })
        }
        "flip" => {
            p.flip = match v {
                "h" => Flip { h: true, v: false },
                "v" => Flip { h: false, v: true },
                "hv" | "vh" => Flip { h: true, v: true },
                _ => return Err(one_of(name, v, "h, v, hv")),
            }
        }
        "fm" => {
            p.fm = Some(match v {
                "jpg" | "jpeg" => Fm::Jpg,
                "pjpg" => Fm::Pjpg,
                "png" => Fm::Png,
                "webp" => Fm::Webp,
                "gif" => Fm::Gif,
                "png8" => Fm::Png8,
                "png32" => Fm::Png32,
                "json" => Fm::Json,
                "blurhash" => Fm::Blurhash,
                "avif" => Fm::Avif,
                // imgix's forgiving semantics: a format ixora cannot write falls back to the one
                // chosen without `fm` (auto=format, auto=compress, then the original's format).
                "jxr" | "jp2" | "mp4" | "webm" | "spritesheet" => {
                    let what = if matches!(v, "jxr" | "jp2") { "JPEG XR or JPEG 2000" } else { "video" };
                    p.notes.push((name, format!("fm={v} (ixora does not encode {what}; the default format is used)")));
                    p.fm = None;
                    return Ok(());
                }
                _ => return Err(one_of(name, v, "jpg, pjpg, png, png8, png32, webp, avif, gif, json, blurhash")),
            })
        }
        // Within the spec's 0–100 (clamped by `validate::read`); 0 is the encoders' lowest, 1.
        "q" => p.q = Some(int(name, v)?.max(1) as u8),
        "auto" => {
            for item in v.split(',').map(str::trim) {
                match item {
                    "format" => p.auto_format = true,
                    "compress" => p.auto_compress = true,
                    "enhance" => p.adjust.enhance = true,
                    // The legacy `true` is enhancement plus red-eye removal.
                    "true" => (p.redeye, p.adjust.enhance) = (true, true),
                    "redeye" => p.redeye = true,
                    _ => {}
                }
            }
        }
        "chromasub" => {
            p.chromasub = Some(match v {
                "444" => ChromaSubsampling::Yuv444,
                "422" => ChromaSubsampling::Yuv422,
                "420" => ChromaSubsampling::Yuv420,
                _ => return Err(one_of(name, v, "444, 422, 420")),
            })
        }
        // imgix documents an invalid `lossless` as the default (false): `validate::read` drops it.
        "lossless" => p.lossless = boolean(v).unwrap_or(false),
        "fill-max" => p.fill_max_source = v.eq_ignore_ascii_case("source"),
        "faceindex" => match int(name, v)? {
            0 => return Err(one_of(name, v, "1 or more (1 is the largest face)")),
            i => p.faceindex = Some(i),
        },
        // A pad below 1 shrinks the face box; at 0 nothing would be left.
        "facepad" => p.facepad = number(name, v)?.max(0.01),
        "jpg-progressive" => p.jpg_progressive = Some(boolean(v).ok_or_else(|| one_of(name, v, "1, true, 0, false"))?),
        "cs" => {
            p.cs = match v {
                "srgb" => ColourSpace::Srgb,
                "tinysrgb" => ColourSpace::TinySrgb,
                "adobergb1998" => ColourSpace::AdobeRgb1998,
                "strip" => ColourSpace::Strip,
                "origin" => ColourSpace::Origin,
                _ => return Err(one_of(name, v, "origin, srgb, adobergb1998, tinysrgb, strip")),
            }
        }
        // 0 means "no resolution", like an absent parameter; JFIF stores 16 bits, so larger clamp.
        "dpi" => p.dpi = v.parse::<i64>().ok().map(|d| d.clamp(0, 65535) as u32).filter(|&d| d > 0),
        "iptc" => p.iptc = v == "allow",
        "ch" => {
            for item in v.split(',').map(str::trim) {
                match item {
                    "width" => p.ch.width = true,
                    "dpr" => p.ch.dpr = true,
                    "save-data" => p.ch.save_data = true,
                    _ => {}
                }
            }
        }
        "expires" => p.expires = Some(v.parse().map_err(|_| one_of(name, v, "a Unix timestamp"))?),
        _ => groups::apply(p, name, v),
    }
    Ok(())
}

/// Percent-decoding where `+` is a space, as in HTML form encoding.
pub fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                (Some(a), Some(b)) => {
                    out.push(a * 16 + b);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn one_of(name: &str, v: &str, allowed: &str) -> Error {
    Error::invalid_param(name, format!("{name}={v:?} is not valid; expected one of {allowed}"))
}

fn number(name: &str, v: &str) -> Result<f64> {
    v.parse::<f64>()
        .ok()
        .filter(|n| n.is_finite())
        .ok_or_else(|| Error::invalid_param(name, format!("{name}={v:?} is not a number")))
}

fn int(name: &str, v: &str) -> Result<u32> {
    v.parse::<u32>().map_err(|_| Error::invalid_param(name, format!("{name}={v:?} is not a whole number ≥ 0")))
}

/// `w`/`h`: pixels (the spec's range, clamped by `validate::read`), or a fraction in (0, 1].
fn size(name: &str, v: &str) -> Result<Size> {
    let n = number(name, v)?;
    if n <= 0.0 {
        return Err(Error::invalid_param(name, format!("{name}={v} is not a size: use pixels or a fraction 0–1")));
    }
    // imgix reads 0–1 as a unit scalar (so `w=1` is the full width) and larger values as pixels.
    if n <= 1.0 {
        return Ok(Size::Fraction(n));
    }
    Ok(Size::Px(n.round() as u32))
}

fn ratio(name: &str, v: &str) -> Result<(f64, f64)> {
    let bad = || Error::invalid_param(name, format!("{name}={v:?} is not a ratio like 16:9"));
    let (a, b) = v.split_once(':').ok_or_else(bad)?;
    let (a, b) = (a.trim().parse::<f64>().map_err(|_| bad())?, b.trim().parse::<f64>().map_err(|_| bad())?);
    if !(a.is_finite() && b.is_finite() && a > 0.0 && b > 0.0) {
        return Err(bad());
    }
    Ok((a, b))
}

fn color(name: &str, v: &str) -> Result<Color> {
    Color::parse(v).ok_or_else(|| {
        Error::invalid_param(
            name,
            format!("{name}={v:?} is not a colour; use 3, 4, 6 or 8 hex digits (alpha first) or a CSS colour name"),
        )
    })
}

fn boolean(v: &str) -> Option<bool> {
    match v {
        "1" | "true" => Some(true),
        "0" | "false" => Some(false),
        _ => None,
    }
}

fn crop(v: &str) -> Result<Crop> {
    let mut c = Crop::default();
    for item in v.split(',').map(str::trim) {
        match item {
            "top" => c.y = Anchor::Start,
            "bottom" => c.y = Anchor::End,
            "left" => c.x = Anchor::Start,
            "right" => c.x = Anchor::End,
            "center" | "middle" => {}
            "focalpoint" => c.focalpoint = true,
            // imgix's subject detection has no counterpart here: faces, else the busiest region.
            "auto" => {
                c.faces = true;
                c.smart = c.smart.or(Some(Smart::Entropy));
            }
            // Faces come first wherever listed; of entropy and edges the first listed wins.
            "entropy" => c.smart = c.smart.or(Some(Smart::Entropy)),
            "edges" => c.smart = c.smart.or(Some(Smart::Edges)),
            "faces" => c.faces = true,
            _ => {
                return Err(one_of(
                    "crop",
                    v,
                    "top, bottom, left, right, center, focalpoint, faces, entropy, edges, auto",
                ))
            }
        }
    }
    Ok(c)
}

fn rect(v: &str) -> Result<Rect> {
    let bad = |why: &str| Error::invalid_param("rect", format!("rect={v:?}: {why}; expected x,y,w,h"));
    let parts: Vec<&str> = v.split(',').map(str::trim).collect();
    if parts.len() != 4 {
        return Err(bad("needs four values"));
    }
    let pos = |s: &str, start: &str, mid: &str, end: &str| -> Result<RectPos> {
        Ok(match s {
            _ if s == start => RectPos::Anchor(Anchor::Start),
            _ if s == mid => RectPos::Anchor(Anchor::Center),
            _ if s == end => RectPos::Anchor(Anchor::End),
            _ => {
                let n =
                    s.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).ok_or_else(|| bad("bad position"))?;
                if n < 1.0 && s.contains('.') {
                    RectPos::Fraction(n)
                } else {
                    RectPos::Px(n)
                }
            }
        })
    };
    let len = |s: &str| -> Result<RectLen> {
        if s == "full" {
            return Ok(RectLen::Full);
        }
        let n = s.parse::<f64>().ok().filter(|n| n.is_finite() && *n > 0.0).ok_or_else(|| bad("bad size"))?;
        Ok(if n <= 1.0 && s.contains('.') { RectLen::Fraction(n) } else { RectLen::Px(n) })
    };
    Ok(Rect {
        x: pos(parts[0], "left", "center", "right")?,
        y: pos(parts[1], "top", "middle", "bottom")?,
        w: len(parts[2])?,
        h: len(parts[3])?,
    })
}

#[cfg(test)]
mod tests;
