//! Typed parameter groups, one per feature. `parse` fills them from validated values; everything
//! downstream reads these fields, never the query. Defaults come from the spec table, so a group
//! without its parameters behaves exactly like one given the documented default (the canonical
//! form, and so the cache key, leaves default values out).

use super::color::Color;
use super::layers::{offset, Offset};
use super::spec;
use super::Anchor;

/// The spec table's default for `name`, as a number (0 when it has none).
pub(super) fn default_num(name: &str) -> f64 {
    spec::lookup(name).and_then(|s| s.default).and_then(|d| d.parse().ok()).unwrap_or(0.0)
}

fn default_color(name: &str) -> Option<Color> {
    spec::lookup(name).and_then(|s| s.default).and_then(Color::parse)
}

fn default_pair(name: &str) -> Option<(Color, Color)> {
    spec::lookup(name).and_then(|s| s.default).and_then(color_pair)
}

/// `a,b` colours (already normalised to hex).
pub(super) fn color_pair(v: &str) -> Option<(Color, Color)> {
    let (a, b) = v.split_once(',')?;
    Some((Color::parse(a)?, Color::parse(b)?))
}

/// One radius for all corners, or four clockwise from top-left; other counts mean none.
pub(super) fn radii(v: &str) -> Option<[f64; 4]> {
    let n: Vec<f64> = v.split(',').filter_map(|n| n.trim().parse::<f64>().ok()).collect();
    match n.as_slice() {
        [r] => Some([*r; 4]),
        [a, b, c, d] => Some([*a, *b, *c, *d]),
        _ => None,
    }
}

pub(super) fn num(v: &str) -> f64 {
    v.trim().parse::<f64>().ok().filter(|n| n.is_finite()).unwrap_or(0.0)
}

/// Tone, colour, sharpening, blur and stylisation (`bri` … `htn`), in imgix's units.
#[derive(Debug, Clone, PartialEq)]
pub struct Adjust {
    /// `auto=enhance` (or the legacy `auto=true`).
    pub enhance: bool,
    pub bri: f32,
    pub con: f32,
    pub exp: f32,
    pub gam: f32,
    pub high: f32,
    pub shad: f32,
    pub invert: bool,
    pub sat: f32,
    pub vib: f32,
    pub hue: f32,
    pub nr: Option<f32>,
    pub nrs: Option<f32>,
    pub sharp: f32,
    pub usm: f32,
    pub usmrad: f32,
    pub blur: f32,
    pub px: f32,
    pub sepia: f32,
    pub htn: f32,
    pub monochrome: Option<Color>,
    pub duotone: Option<(Color, Color)>,
    /// `duotone-alpha`, 0–100.
    pub duotone_alpha: f32,
}

impl Default for Adjust {
    fn default() -> Self {
        let d = |n: &str| default_num(n) as f32;
        Adjust {
            enhance: false,
            bri: d("bri"),
            con: d("con"),
            exp: d("exp"),
            gam: d("gam"),
            high: d("high"),
            shad: d("shad"),
            invert: false,
            sat: d("sat"),
            vib: d("vib"),
            hue: d("hue"),
            nr: None,
            nrs: None,
            sharp: d("sharp"),
            usm: d("usm"),
            usmrad: d("usmrad"),
            blur: d("blur"),
            px: d("px"),
            sepia: d("sepia"),
            htn: d("htn"),
            monochrome: None,
            duotone: None,
            duotone_alpha: d("duotone-alpha"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrimMode {
    Auto,
    Color,
    Alpha,
    /// Alpha for images with an alpha channel, else colour.
    ColorUnlessAlpha,
}

/// `trim` and its thresholds.
#[derive(Debug, Clone, PartialEq)]
pub struct Trim {
    pub mode: Option<TrimMode>,
    pub color: Option<Color>,
    pub tol: f32,
    pub alpha: f32,
    pub md: f32,
    pub sd: f32,
    pub pad: i64,
}

impl Default for Trim {
    fn default() -> Self {
        Trim {
            mode: None,
            color: None,
            tol: default_num("trim-tol") as f32,
            alpha: default_num("trim-alpha") as f32,
            md: default_num("trim-md") as f32,
            sd: default_num("trim-sd") as f32,
            pad: default_num("trim-pad") as i64,
        }
    }
}

/// Padding and border, in CSS pixels (top, right, bottom, left).
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub pad: f64,
    pub pad_sides: [Option<f64>; 4],
    /// `border=size,colour`.
    pub border: Option<(f64, Color)>,
    pub border_sides: [Option<f64>; 4],
    pub border_radius: Option<[f64; 4]>,
    pub border_radius_inner: Option<[f64; 4]>,
    pub stroke: f64,
    pub stroke_color: Option<Color>,
}

impl Default for Frame {
    fn default() -> Self {
        Frame {
            pad: default_num("pad"),
            pad_sides: [None; 4],
            border: None,
            border_sides: [None; 4],
            border_radius: None,
            border_radius_inner: None,
            stroke: default_num("border-stroke-size"),
            stroke_color: default_color("border-stroke-color"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillMode {
    Solid,
    Blur,
    Gradient,
    Generative,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Top,
    Bottom,
    Left,
    Right,
}

/// How the canvas around a fitted image is filled (`fill`, `fill-gradient-*`, `fit=clamp`).
#[derive(Debug, Clone, PartialEq)]
pub struct Fill {
    pub mode: Option<FillMode>,
    /// `fit=clamp`: the edge pixels are extended.
    pub clamp: bool,
    pub radial: bool,
    pub linear: Option<(Color, Color)>,
    /// The first side of `fill-gradient-linear-direction`: where the first colour starts.
    pub linear_from: Side,
    pub radial_colors: Option<(Color, Color)>,
    /// The first radius of `fill-gradient-radial-radius` (one radius for both axes).
    pub radial_radius: f64,
    pub radial_x: f64,
    pub radial_y: f64,
    /// `fill-gradient-cs`, `fill-gradient-hue`.
    pub space: ColorSpace,
    pub hue: HueArc,
}

impl Default for Fill {
    fn default() -> Self {
        let first = |n: &str| spec::lookup(n).and_then(|s| s.default).map(|d| d.split(',').next().unwrap_or(d));
        Fill {
            mode: None,
            clamp: false,
            radial: first("fill-gradient-type") == Some("radial"),
            linear: None,
            linear_from: first("fill-gradient-linear-direction").and_then(side).unwrap_or(Side::Top),
            radial_colors: None,
            radial_radius: first("fill-gradient-radial-radius").map_or(0.5, num),
            radial_x: default_num("fill-gradient-radial-x"),
            radial_y: default_num("fill-gradient-radial-y"),
            space: ColorSpace::Srgb,
            hue: HueArc::Shorter,
        }
    }
}

fn side(v: &str) -> Option<Side> {
    Some(match v.trim() {
        "top" => Side::Top,
        "bottom" => Side::Bottom,
        "left" => Side::Left,
        "right" => Side::Right,
        _ => return None,
    })
}

#[derive(Debug, Clone, PartialEq)]
pub enum MaskKind {
    Ellipse,
    Corners,
    /// `mask=<url or path>`.
    Image(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    pub kind: Option<MaskKind>,
    pub corner_radius: Option<[f64; 4]>,
    pub bg: Option<Color>,
}

impl Default for Mask {
    fn default() -> Self {
        Mask { kind: None, corner_radius: None, bg: default_color("mask-bg") }
    }
}

/// Frame selection and timing of animations.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timeline {
    /// `frame`: first and last frame, 1-based (`frame=3` or `2-5`; an open end is `None`).
    pub frame: Option<(Option<u32>, Option<u32>)>,
    pub interval: Option<f64>,
    pub skip: Option<f64>,
    pub fps: Option<f64>,
    pub reverse: bool,
    /// `loop`; its default (0, forever) is the same as absent: the original's count is kept.
    pub loop_count: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Palette {
    Css,
    Json,
}

/// Output parameters beyond the flat `fm`, `q`, `cs`… fields of `Params`: the colour summaries
/// (`palette`, `colors`, `prefix`) and `colorquant`.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub palette: Option<Palette>,
    /// `colors`: how many colours a palette lists (within the spec's range).
    pub colors: u32,
    /// `prefix`: the CSS class prefix of `palette=css`.
    pub prefix: String,
    /// `colorquant`: colours of a quantised output (within the spec's range).
    pub colorquant: Option<u16>,
}

impl Default for Output {
    fn default() -> Self {
        Output {
            palette: None,
            colors: default_num("colors") as u32,
            prefix: spec::lookup("prefix").and_then(|s| s.default).unwrap_or("").to_string(),
            colorquant: None,
        }
    }
}

/// `rot` and `rot-type`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Rotate {
    pub degrees: f64,
    pub pivot: bool,
}

/// `transparency=grid`: a checkerboard behind transparent pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub on: bool,
    pub colors: (Color, Color),
    pub size: u32,
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            on: false,
            colors: default_pair("grid-colors").unwrap_or((Color::WHITE, Color::WHITE)),
            size: default_num("grid-size") as u32,
        }
    }
}

/// `gradient`: colours drawn over the picture (or, with `gradient-mask`, the picture faded out
/// along them).
#[derive(Debug, Clone, PartialEq)]
pub struct GradientOverlay {
    /// 2–16 colours; `None` when the list is not usable (nothing is drawn).
    pub colors: Option<Vec<Color>>,
    pub radial: bool,
    /// CSS degrees, or the side/corner it runs toward (x: −1 left, 1 right; y: −1 top, 1 bottom).
    pub angle: GradientAngle,
    pub stops: Option<Vec<f32>>,
    /// 0–100.
    pub alpha: f64,
    pub space: ColorSpace,
    pub mode: Option<super::BlendMode>,
    pub mask: bool,
    pub radial_x: Option<Offset>,
    pub radial_y: Option<Offset>,
    pub radial_size: RadialSize,
    /// `gradient-radial-shape=circle`: keyword sizes keep equal radii.
    pub circle: bool,
    pub hue: HueArc,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GradientAngle {
    Degrees(f64),
    Toward(i8, i8),
}

/// `gradient-cs`, `fill-gradient-cs`: where colours are mixed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ColorSpace {
    Linear,
    #[default]
    Srgb,
    Oklab,
    /// OKLCh: OKLab's lightness, chroma and hue.
    Oklch,
    Hsl,
    Hsv,
    /// CIE LCh (of CIELAB, D65).
    Lch,
}

/// `gradient-hue`, `fill-gradient-hue`: which way round the hue circle a cylindrical space
/// (hsl, hsv, lch, oklch) travels between two stops, as CSS's hue interpolation methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HueArc {
    #[default]
    Shorter,
    Longer,
    Increasing,
    Decreasing,
}

pub(super) fn hue_arc(v: &str) -> HueArc {
    match v {
        "longer" => HueArc::Longer,
        "increasing" => HueArc::Increasing,
        "decreasing" => HueArc::Decreasing,
        _ => HueArc::Shorter,
    }
}

/// `gradient-radial-size`: CSS's extents, or radii.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum RadialSize {
    #[default]
    FarthestCorner,
    FarthestSide,
    ClosestCorner,
    ClosestSide,
    Radii(Offset, Offset),
}

impl Default for GradientOverlay {
    fn default() -> Self {
        GradientOverlay {
            colors: None,
            radial: false,
            angle: GradientAngle::Degrees(default_num("gradient-angle")),
            stops: None,
            alpha: default_num("gradient-alpha"),
            space: ColorSpace::Srgb,
            mode: Some(super::BlendMode::Normal),
            mask: false,
            radial_x: None,
            radial_y: None,
            radial_size: RadialSize::FarthestCorner,
            circle: false,
            hue: HueArc::Shorter,
        }
    }
}

impl GradientOverlay {
    /// Sets the field `name` names (`gradient`, `gradient-angle`…, without a layer prefix).
    pub(super) fn set(&mut self, name: &str, v: &str) {
        match name {
            "gradient" => {
                let colors: Option<Vec<Color>> = v.split(',').map(|c| Color::parse(c.trim())).collect();
                self.colors = colors.filter(|c| (2..=16).contains(&c.len()));
            }
            "gradient-type" => self.radial = v == "radial",
            "gradient-angle" => {
                self.angle = match v.parse::<f64>() {
                    Ok(d) => GradientAngle::Degrees(d.rem_euclid(360.0)),
                    Err(_) => {
                        let has = |s: &str| v.split(',').any(|i| i.trim() == s);
                        let x = if has("left") { -1 } else { i8::from(has("right")) };
                        let y = if has("top") { -1 } else { i8::from(has("bottom")) };
                        GradientAngle::Toward(x, y)
                    }
                }
            }
            "gradient-stops" => {
                let stops: Option<Vec<f32>> = v.split(',').map(|s| s.trim().parse::<f32>().ok()).collect();
                self.stops = stops.filter(|s| s.windows(2).all(|w| w[0] <= w[1]));
            }
            "gradient-alpha" => self.alpha = num(v),
            "gradient-cs" => self.space = color_space(v),
            "gradient-hue" => self.hue = hue_arc(v),
            "gradient-mode" => self.mode = super::layers::mode_of(v),
            "gradient-mask" => self.mask = v == "true",
            "gradient-radial-x" => self.radial_x = Some(offset(v)),
            "gradient-radial-y" => self.radial_y = Some(offset(v)),
            "gradient-radial-shape" => self.circle = v == "circle",
            "gradient-radial-size" => {
                self.radial_size = match v.trim() {
                    "farthest-side" => RadialSize::FarthestSide,
                    "closest-corner" => RadialSize::ClosestCorner,
                    "closest-side" => RadialSize::ClosestSide,
                    other => match other.split_once(',') {
                        Some((a, b)) => RadialSize::Radii(offset(a.trim()), offset(b.trim())),
                        None if other.parse::<f64>().is_ok() && !other.contains('.') => {
                            RadialSize::Radii(offset(other), offset(other))
                        }
                        _ => RadialSize::FarthestCorner,
                    },
                }
            }
            _ => {}
        }
    }

    /// Whether there is anything to draw: usable colours, and a mask or a known mode with
    /// some opacity.
    pub fn is_drawn(&self) -> bool {
        self.colors.is_some() && (self.mask || self.mode.is_some()) && self.alpha > 0.0
    }
}

fn color_space(v: &str) -> ColorSpace {
    match v {
        "linear" => ColorSpace::Linear,
        "oklab" => ColorSpace::Oklab,
        "oklch" => ColorSpace::Oklch,
        "hsl" => ColorSpace::Hsl,
        "hsv" => ColorSpace::Hsv,
        "lch" => ColorSpace::Lch,
        _ => ColorSpace::Srgb,
    }
}

/// `drop-shadow*`: a shadow under the finished image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DropShadow {
    /// The blur, px (0–100); `None`: no shadow.
    pub blur: Option<f64>,
    pub kind: ShadowType,
    pub x: Offset,
    pub y: Offset,
    pub spread: f64,
    pub color: Color,
    /// `cast` only: where the light comes from (degrees round the subject, 0 behind it, 90 from
    /// the right), how high (5–90 degrees), how the subject was photographed (90 upright and
    /// head-on, 0 flat and from above), the light's size (0–100) and the fade toward the tip.
    pub azimuth: f64,
    pub elevation: f64,
    pub pose: f64,
    pub softness: f64,
    pub falloff: f64,
    /// `drop-shadow-output=shadow`: the shadow alone, on the same canvas.
    pub shadow_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ShadowType {
    #[default]
    Flat,
    Cast,
    Float,
    Inset,
}

impl Default for DropShadow {
    fn default() -> Self {
        DropShadow {
            blur: None,
            kind: ShadowType::Flat,
            x: Offset::Px(0.0),
            y: Offset::Px(0.0),
            spread: 0.0,
            color: default_color("drop-shadow-color").unwrap_or(Color { r: 0, g: 0, b: 0, a: 191 }),
            azimuth: default_num("drop-shadow-azimuth"),
            elevation: default_num("drop-shadow-elevation"),
            pose: default_num("drop-shadow-pose"),
            softness: default_num("drop-shadow-softness"),
            falloff: default_num("drop-shadow-falloff"),
            shadow_only: false,
        }
    }
}

impl DropShadow {
    /// Sets the field `name` names (`drop-shadow`, `drop-shadow-x`…, without a layer prefix);
    /// why ixora does something else than what was asked comes back for `X-Ixora-Ignored`.
    pub(super) fn set(&mut self, name: &str, v: &str) -> Option<String> {
        match name {
            "drop-shadow" => self.blur = Some(num(v).clamp(0.0, 100.0)),
            "drop-shadow-type" => {
                self.kind = match v {
                    "cast" => ShadowType::Cast,
                    "float" => ShadowType::Float,
                    "inset" => ShadowType::Inset,
                    _ => ShadowType::Flat,
                }
            }
            "drop-shadow-x" => self.x = offset(v),
            "drop-shadow-y" => self.y = offset(v),
            "drop-shadow-spread" => self.spread = num(v),
            "drop-shadow-color" => self.color = Color::parse(v).unwrap_or(self.color),
            "drop-shadow-azimuth" => self.azimuth = num(v).rem_euclid(360.0),
            "drop-shadow-elevation" => self.elevation = num(v).clamp(5.0, 90.0),
            "drop-shadow-pose" => self.pose = num(v).clamp(0.0, 90.0),
            "drop-shadow-softness" => self.softness = num(v).clamp(0.0, 100.0),
            "drop-shadow-falloff" => self.falloff = num(v).clamp(0.0, 100.0),
            "drop-shadow-output" => self.shadow_only = v == "shadow",
            "drop-shadow-mode" if v == "ai" => {
                return Some("no depth model: the cast shadow follows drop-shadow-pose, as in manual".into())
            }
            _ => {}
        }
        None
    }

    /// Whether this type of shadow reads `name` (`drop-shadow-x`…, without a layer prefix): each
    /// type reads only its own parameters, and the others are left out of `X-Imgix-Params`.
    pub fn reads(&self, name: &str) -> bool {
        let own: &[&str] = match self.kind {
            ShadowType::Flat | ShadowType::Inset => &["x", "y", "spread"],
            ShadowType::Float => &["y"],
            ShadowType::Cast => &["azimuth", "elevation", "pose", "softness", "falloff", "mode"],
        };
        match name.strip_prefix("drop-shadow-") {
            None | Some("type" | "color" | "output") => true,
            Some(rest) => own.contains(&rest),
        }
    }
}

/// `append`: a second image beside the picture; the canvas grows to hold both.
#[derive(Debug, Clone, PartialEq)]
pub struct Append {
    /// A path on the source (its own query is dropped, as imgix does) or an absolute URL.
    pub image: Option<String>,
    /// The edge of the picture the image is placed against.
    pub side: Side,
    /// Where the smaller image sits along that edge (horizontal, vertical anchors as named); only
    /// the axis along the edge counts, so a value from the other axis's set leaves it centred.
    pub align: (Option<Anchor>, Option<Anchor>),
    /// `append-preserve`: the picture's side along the edge is kept and the image clipped to it.
    pub preserve: bool,
    /// `append-gap`: px × dpr, or a fraction of the picture's side across the edge.
    pub gap: Offset,
}

impl Default for Append {
    fn default() -> Self {
        let side = spec::lookup("append-side").and_then(|s| s.default).and_then(side).unwrap_or(Side::Right);
        Append { image: None, side, align: (None, None), preserve: false, gap: Offset::Px(0.0) }
    }
}

/// Fills the group field `name` names from its validated, normalised value `v`. Names without a
/// group field (and the flat fields `super::apply` handles) are left alone.
pub(super) fn apply(p: &mut super::Params, name: &'static str, v: &str) {
    let f = || num(v) as f32;
    let a = &mut p.adjust;
    match name {
        "bri" => a.bri = f(),
        "con" => a.con = f(),
        "exp" => a.exp = f(),
        "gam" => a.gam = f(),
        "high" => a.high = f(),
        "shad" => a.shad = f(),
        "invert" => a.invert = v == "true",
        "sat" => a.sat = f(),
        "vib" => a.vib = f(),
        "hue" => a.hue = f(),
        "nr" => a.nr = Some(f()),
        "nrs" => a.nrs = Some(f()),
        "sharp" => a.sharp = f(),
        "usm" => a.usm = f(),
        "usmrad" => a.usmrad = f(),
        "blur" => a.blur = f(),
        "px" => a.px = f(),
        "sepia" => a.sepia = f(),
        "htn" => a.htn = f(),
        "monochrome" => a.monochrome = Color::parse(v),
        "duotone" => a.duotone = color_pair(v),
        "duotone-alpha" => a.duotone_alpha = f(),

        "trim" => {
            p.trim.mode = Some(match v {
                "auto" => TrimMode::Auto,
                "color" => TrimMode::Color,
                "alpha" => TrimMode::Alpha,
                _ => TrimMode::ColorUnlessAlpha,
            })
        }
        "trim-color" => p.trim.color = Color::parse(v),
        "trim-tol" => p.trim.tol = f(),
        "trim-alpha" => p.trim.alpha = f(),
        "trim-md" => p.trim.md = f(),
        "trim-sd" => p.trim.sd = f(),
        "trim-pad" => p.trim.pad = num(v) as i64,

        "pad" => p.frame.pad = num(v),
        "border" => p.frame.border = v.split_once(',').map(|(s, c)| (num(s), Color::parse(c).unwrap_or(Color::WHITE))),
        "border-radius" => p.frame.border_radius = radii(v),
        "border-radius-inner" => p.frame.border_radius_inner = radii(v),
        "border-stroke-size" => p.frame.stroke = num(v),
        "border-stroke-color" => p.frame.stroke_color = Color::parse(v),
        _ if name.starts_with("pad-") || name.starts_with("border-") => {
            let sides = ["top", "right", "bottom", "left"];
            let (group, side) = name.split_once('-').unwrap_or((name, ""));
            if let Some(i) = sides.iter().position(|s| *s == side) {
                let slot = if group == "pad" { &mut p.frame.pad_sides } else { &mut p.frame.border_sides };
                slot[i] = Some(num(v));
            }
        }

        "fill" => {
            p.fill.mode = Some(match v {
                "blur" => FillMode::Blur,
                "gradient" => FillMode::Gradient,
                "gen" | "generative" => FillMode::Generative,
                _ => FillMode::Solid,
            })
        }
        "fill-gradient-type" => p.fill.radial = v == "radial",
        "fill-gradient-linear" => p.fill.linear = color_pair(v),
        "fill-gradient-linear-direction" => {
            p.fill.linear_from = v.split(',').next().and_then(side).unwrap_or(Side::Top)
        }
        "fill-gradient-radial" => p.fill.radial_colors = color_pair(v),
        "fill-gradient-radial-radius" => p.fill.radial_radius = num(v.split(',').next().unwrap_or(v)),
        "fill-gradient-radial-x" => p.fill.radial_x = num(v),
        "fill-gradient-radial-y" => p.fill.radial_y = num(v),

        "mask" => {
            p.mask.kind = Some(match v {
                "ellipse" => MaskKind::Ellipse,
                "corners" => MaskKind::Corners,
                _ => MaskKind::Image(v.to_string()),
            })
        }
        "corner-radius" => p.mask.corner_radius = radii(v),
        "mask-bg" => p.mask.bg = Color::parse(v),

        "frame" => {
            let (a, b) = v.split_once('-').unwrap_or((v, v));
            let end = |s: &str| s.trim().parse::<u32>().ok();
            p.timeline.frame = Some((end(a), end(b)));
        }
        "interval" => p.timeline.interval = Some(num(v)),
        "skip" => p.timeline.skip = Some(num(v)),
        "fps" => p.timeline.fps = Some(num(v)),
        "reverse" => p.timeline.reverse = v == "true",
        "loop" => p.timeline.loop_count = Some(num(v)).filter(|n| *n != default_num("loop")),

        "palette" => p.output.palette = Some(if v == "css" { Palette::Css } else { Palette::Json }),
        "colors" => p.output.colors = num(v).round().max(0.0) as u32,
        "prefix" => p.output.prefix = v.to_string(),
        "colorquant" => p.output.colorquant = Some(num(v).round().clamp(0.0, f64::from(u16::MAX)) as u16),

        "rot" => p.rotate.degrees = num(v),
        "rot-type" => p.rotate.pivot = v == "pivot",

        "transparency" => p.grid.on = v == "grid",
        "grid-colors" => p.grid.colors = color_pair(v).unwrap_or(p.grid.colors),
        "grid-size" => p.grid.size = num(v).max(0.0) as u32,

        "append" => p.append.image = Some(v.to_string()),
        "append-side" => p.append.side = side(v).unwrap_or(Side::Right),
        "append-align" => p.append.align = super::layers::align(v),
        "append-preserve" => p.append.preserve = v == "true",
        "append-gap" => p.append.gap = if v.contains('.') { Offset::Fraction(num(v)) } else { Offset::Px(num(v)) },

        n if n == "gradient" || n.starts_with("gradient-") => p.gradient.set(n, v),
        "fill-gradient-cs" => p.fill.space = color_space(v),
        "fill-gradient-hue" => p.fill.hue = hue_arc(v),
        n if n == "drop-shadow" || n.starts_with("drop-shadow-") => {
            if let Some(why) = p.shadow.set(n, v) {
                p.notes.push((name, format!("{name}={v} ({why})")));
            }
        }

        "faces" => p.faces = v == "1",
        _ => {}
    }
}
