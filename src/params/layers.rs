//! The layer families drawn over the base image: `blend[N]`, `mark[N]` and `txt[N]`. Each
//! family's parameters may carry an index (`mark-w[2]`); the bare name is layer 0. Layers are
//! drawn in index order within imgix's family order, blend → mark → txt.

use std::collections::BTreeMap;

use super::color::Color;
use super::groups::{default_num, num};
use super::{Anchor, Size};

/// The highest layer index read (`mark[9]`); higher indices are left out and said so.
pub const MAX_LAYER: u8 = 9;

/// The categories of the spec table whose parameters take a layer index.
pub const INDEXED_CATEGORIES: &[&str] = &["blending", "text", "typesetting", "watermark"];

/// A position on one axis: pixels, or a fraction (0–1) of the output side.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Offset {
    Px(f64),
    Fraction(f64),
}

/// `fade`, `fade-top`…: how far in from each edge the picture (or a layer) ramps to
/// transparent; a side's own parameter overrides `fade` for that side.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Fade {
    pub all: Option<Offset>,
    pub top: Option<Offset>,
    pub right: Option<Offset>,
    pub bottom: Option<Offset>,
    pub left: Option<Offset>,
}

impl Fade {
    pub fn is_none(&self) -> bool {
        [self.all, self.top, self.right, self.bottom, self.left].iter().all(|o| o.is_none())
    }

    /// The fade widths in px on a `w`×`h` image (top, right, bottom, left): px × dpr, or
    /// fractions of that side's axis.
    pub fn widths(&self, (w, h): (u32, u32), dpr: f64) -> [f32; 4] {
        let px = |o: Option<Offset>, axis: u32| match o.or(self.all) {
            Some(Offset::Px(v)) => (v * dpr) as f32,
            Some(Offset::Fraction(f)) => (f * f64::from(axis)) as f32,
            None => 0.0,
        };
        [px(self.top, h), px(self.right, w), px(self.bottom, h), px(self.left, w)]
    }

    /// Sets the side `name` names (`fade`, `fade-top`…, without a family prefix).
    pub(crate) fn set(&mut self, name: &str, v: &str) {
        let o = Some(offset(v));
        match name {
            "fade" => self.all = o,
            "fade-top" => self.top = o,
            "fade-right" => self.right = o,
            "fade-bottom" => self.bottom = o,
            "fade-left" => self.left = o,
            _ => {}
        }
    }
}

/// The 16 modes of W3C Compositing and Blending Level 1, in imgix's spec order (which decides
/// what a prefix selects: `d` is dodge).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlendMode {
    Color,
    ColorBurn,
    ColorDodge,
    Darken,
    Difference,
    Exclusion,
    HardLight,
    Hue,
    Lighten,
    Luminosity,
    Multiply,
    Overlay,
    Saturation,
    Screen,
    SoftLight,
    Normal,
}

/// imgix's names for the modes, in spec order, with the kebab spellings each also takes.
pub const BLEND_MODES: &[(&str, BlendMode, &[&str])] = &[
    ("color", BlendMode::Color, &[]),
    ("burn", BlendMode::ColorBurn, &["color-burn", "colorburn"]),
    ("dodge", BlendMode::ColorDodge, &["color-dodge", "colordodge"]),
    ("darken", BlendMode::Darken, &[]),
    ("difference", BlendMode::Difference, &[]),
    ("exclusion", BlendMode::Exclusion, &[]),
    ("hardlight", BlendMode::HardLight, &["hard-light"]),
    ("hue", BlendMode::Hue, &[]),
    ("lighten", BlendMode::Lighten, &[]),
    ("luminosity", BlendMode::Luminosity, &[]),
    ("multiply", BlendMode::Multiply, &[]),
    ("overlay", BlendMode::Overlay, &[]),
    ("saturation", BlendMode::Saturation, &[]),
    ("screen", BlendMode::Screen, &[]),
    ("softlight", BlendMode::SoftLight, &["soft-light"]),
    ("normal", BlendMode::Normal, &[]),
];

/// The canonical name of a blend mode as written: exact or kebab spelling, else the first mode
/// in spec order the value is a prefix of; `None` for anything else (no layer is drawn).
pub fn blend_mode_name(v: &str) -> Option<&'static str> {
    let v = v.trim().to_ascii_lowercase();
    if v.is_empty() {
        return None;
    }
    BLEND_MODES
        .iter()
        .find(|(name, _, kebab)| *name == v || kebab.contains(&v.as_str()))
        .or_else(|| BLEND_MODES.iter().find(|(name, _, _)| name.starts_with(v.as_str())))
        .map(|(name, _, _)| *name)
}

/// How a layer image is sized into its `w`×`h` box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayerFit {
    /// Inside the box, aspect kept (may enlarge).
    #[default]
    Clip,
    /// Like clip (imgix lists it for blends; ixora does not extend edges).
    Clamp,
    /// Covers the box, aspect kept, cropped to it.
    Crop,
    /// Inside the box, aspect kept, the rest of the box transparent.
    Fill,
    /// Like clip, never enlarged.
    Max,
    /// Exactly the box, distorted.
    Scale,
}

/// Where a layer sits on the image it is drawn over.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// Horizontal and vertical alignment; `None` on an axis the URL did not align.
    pub align: (Option<Anchor>, Option<Anchor>),
    /// Gap between an aligned layer and the edge it is aligned to, px.
    pub pad: f64,
    /// `…-x` / `…-y`: override the alignment on their axis.
    pub x: Option<Offset>,
    pub y: Option<Offset>,
    /// `…-anchor`: the point of the layer (fractions of its size) that sits at x/y.
    pub anchor: Option<(f64, f64)>,
}

/// A layer image's requested size.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerSize {
    pub w: Option<Size>,
    pub h: Option<Size>,
    pub fit: LayerFit,
}

/// `mark[N]`: a watermark image.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// `mark`: an absolute URL or a path relative to the source, maybe with its own query.
    pub image: Option<String>,
    /// `mark-base`: prepended to a relative `mark`.
    pub base: Option<String>,
    pub place: Placement,
    /// `mark-w`/`mark-h`: px, or fractions of the mark's own size.
    pub size: LayerSize,
    /// `mark-scale`: the mark's width as a percentage of the base image's.
    pub scale: Option<f64>,
    /// 0–100.
    pub alpha: f64,
    /// Degrees counter-clockwise.
    pub rot: f64,
    /// `mark-tile=grid`.
    pub tile: bool,
    /// `mark-fade*`: the mark's edges fade (fractions are of the mark's own sides).
    pub fade: Fade,
    /// `mark-gradient*`: colours over the mark picture, before it is sized and placed.
    pub gradient: super::GradientOverlay,
    /// `mark-drop-shadow*`: a shadow under the placed mark, clipped at the image's edge.
    pub shadow: super::DropShadow,
    pub min_w: Option<u32>,
    pub min_h: Option<u32>,
}

impl Default for Mark {
    fn default() -> Self {
        Mark {
            image: None,
            base: None,
            place: Placement { align: (None, None), pad: default_num("mark-pad"), x: None, y: None, anchor: None },
            size: LayerSize::default(),
            scale: None,
            alpha: default_num("mark-alpha"),
            rot: 0.0,
            tile: false,
            fade: Fade::default(),
            gradient: Default::default(),
            shadow: Default::default(),
            min_w: None,
            min_h: None,
        }
    }
}

impl Mark {
    /// Where the mark image is: `mark-base` + `mark` when the mark is relative and a base is set.
    pub fn url(&self) -> Option<String> {
        let image = self.image.as_deref()?;
        match &self.base {
            Some(base) if !image.contains("://") => {
                Some(format!("{}/{}", base.trim_end_matches('/'), image.trim_start_matches('/')))
            }
            _ => Some(image.to_string()),
        }
    }
}

/// What a blend layer draws.
#[derive(Debug, Clone, PartialEq)]
pub enum BlendSource {
    Color(Color),
    Image(String),
}

/// Where an image blend is cropped when its fit crops (`blend-crop`).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LayerCrop {
    pub x: Anchor,
    pub y: Anchor,
    pub faces: bool,
}

/// `blend[N]`: a colour or an image drawn with a blend mode.
#[derive(Debug, Clone, PartialEq)]
pub struct Blend {
    pub source: Option<BlendSource>,
    /// `None`: the mode's name was not one imgix knows, and no layer is drawn.
    pub mode: Option<BlendMode>,
    /// 0–100.
    pub alpha: f64,
    pub place: Placement,
    pub size: LayerSize,
    pub crop: LayerCrop,
    /// `blend-size=inherit`: the blend takes the base image's size.
    pub inherit: bool,
    /// `blend-resize-filter`: how the blend image is resampled (not inherited from the base's).
    pub filter: Option<super::ResizeFilter>,
    /// `blend-fade*`: the blend image's edges fade (fractions are of its own sides).
    pub fade: Fade,
    /// `blend-gradient*`: colours over the blend picture, before it is sized and placed.
    pub gradient: super::GradientOverlay,
}

impl Default for Blend {
    fn default() -> Self {
        let mode = super::spec::lookup("blend-mode").and_then(|s| s.default).and_then(mode_of);
        Blend {
            source: None,
            mode,
            alpha: default_num("blend-alpha"),
            place: Placement { align: (None, None), pad: default_num("blend-pad"), x: None, y: None, anchor: None },
            size: LayerSize::default(),
            crop: LayerCrop::default(),
            inherit: false,
            filter: None,
            fade: Fade::default(),
            gradient: Default::default(),
        }
    }
}

pub(super) fn mode_of(name: &str) -> Option<BlendMode> {
    BLEND_MODES.iter().find(|(n, _, _)| *n == name).map(|(_, m, _)| *m)
}

/// Every layer the URL asked for, by index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Layers {
    pub blends: BTreeMap<u8, Blend>,
    pub marks: BTreeMap<u8, Mark>,
    /// `txt[N]`, drawn over the marks.
    pub texts: BTreeMap<u8, super::text::Text>,
}

/// The parameter naming layer `i`'s image: `mark` for layer 0, `mark[2]` above.
pub fn key(family: &str, i: u8) -> String {
    if i == 0 {
        family.to_string()
    } else {
        format!("{family}[{i}]")
    }
}

/// A validated px-or-fraction value: a decimal point marks a fraction (`validate` keeps it).
pub(super) fn offset(v: &str) -> Offset {
    if v.contains('.') {
        Offset::Fraction(num(v))
    } else {
        Offset::Px(num(v))
    }
}

fn size(v: &str) -> Option<Size> {
    if v.contains('.') {
        Some(Size::Fraction(num(v)))
    } else {
        Some(Size::Px(num(v).max(1.0) as u32))
    }
}

/// `top,right`-style alignment: horizontal and vertical anchors, each `None` when not named.
pub(super) fn align(v: &str) -> (Option<Anchor>, Option<Anchor>) {
    let (mut x, mut y) = (None, None);
    for item in v.split(',').map(str::trim) {
        match item {
            "left" => x = Some(Anchor::Start),
            "center" => x = Some(Anchor::Center),
            "right" => x = Some(Anchor::End),
            "top" => y = Some(Anchor::Start),
            "middle" => y = Some(Anchor::Center),
            "bottom" => y = Some(Anchor::End),
            _ => {}
        }
    }
    (x, y)
}

/// `…-anchor`: alignment keywords, or `fx,fy` fractions of the layer.
fn anchor(v: &str) -> Option<(f64, f64)> {
    if let Some((a, b)) = v.split_once(',') {
        if let (Ok(fx), Ok(fy)) = (a.trim().parse::<f64>(), b.trim().parse::<f64>()) {
            return Some((fx.clamp(0.0, 1.0), fy.clamp(0.0, 1.0)));
        }
    }
    let fraction = |a: Option<Anchor>| match a {
        Some(Anchor::Start) => 0.0,
        Some(Anchor::Center) => 0.5,
        Some(Anchor::End) => 1.0,
        None => 0.5,
    };
    let (x, y) = align(v);
    if x.is_none() && y.is_none() {
        return None;
    }
    Some((fraction(x), fraction(y)))
}

fn fit(v: &str) -> LayerFit {
    match v {
        "clamp" => LayerFit::Clamp,
        "crop" => LayerFit::Crop,
        "fill" => LayerFit::Fill,
        "max" => LayerFit::Max,
        "scale" => LayerFit::Scale,
        _ => LayerFit::Clip,
    }
}

/// Fills the layer field `name` (at `layer`) from its validated value. Names of other families are
/// left alone. Why ixora does something else than what was asked comes back for `X-Ixora-Ignored`.
pub(super) fn apply(layers: &mut Layers, name: &str, layer: u8, v: &str) -> Option<String> {
    if name == "blend" || name.starts_with("blend-") {
        let b = layers.blends.entry(layer).or_default();
        match name {
            "blend" => {
                b.source = Some(match Color::parse(v) {
                    Some(c) if !v.contains('/') && !v.contains('.') => BlendSource::Color(c),
                    _ => BlendSource::Image(v.to_string()),
                })
            }
            "blend-color" => b.source = Color::parse(v).map(BlendSource::Color),
            "blend-mode" => b.mode = mode_of(v),
            "blend-alpha" => b.alpha = num(v),
            "blend-align" => b.place.align = align(v),
            "blend-pad" => b.place.pad = num(v),
            "blend-x" => b.place.x = Some(offset(v)),
            "blend-y" => b.place.y = Some(offset(v)),
            "blend-anchor" => b.place.anchor = anchor(v),
            "blend-w" => b.size.w = size(v),
            "blend-h" => b.size.h = size(v),
            "blend-fit" => b.size.fit = fit(v),
            "blend-size" => b.inherit = v == "inherit",
            "blend-resize-filter" => b.filter = super::ResizeFilter::named(v),
            n if n.starts_with("blend-fade") => b.fade.set(&n["blend-".len()..], v),
            n if n.starts_with("blend-gradient") => b.gradient.set(&n["blend-".len()..], v),
            "blend-crop" => {
                let (x, y) = align(v);
                b.crop = LayerCrop {
                    x: x.unwrap_or_default(),
                    y: y.unwrap_or_default(),
                    faces: v.split(',').any(|i| i.trim() == "faces"),
                }
            }
            _ => {}
        }
    } else if name == "mark" || name.starts_with("mark-") {
        let m = layers.marks.entry(layer).or_default();
        match name {
            "mark" => m.image = Some(v.to_string()),
            "mark-base" => m.base = Some(v.to_string()),
            "mark-align" => m.place.align = align(v),
            "mark-pad" => m.place.pad = num(v),
            "mark-x" => m.place.x = Some(offset(v)),
            "mark-y" => m.place.y = Some(offset(v)),
            "mark-anchor" => m.place.anchor = anchor(v),
            "mark-w" => m.size.w = size(v),
            "mark-h" => m.size.h = size(v),
            "mark-fit" => m.size.fit = fit(v),
            "mark-scale" => m.scale = Some(num(v).clamp(0.0, 100.0)),
            "mark-alpha" => m.alpha = num(v).clamp(0.0, 100.0),
            "mark-rot" => m.rot = num(v).rem_euclid(360.0),
            "mark-tile" => m.tile = v == "grid",
            n if n.starts_with("mark-fade") => m.fade.set(&n["mark-".len()..], v),
            n if n.starts_with("mark-gradient") => m.gradient.set(&n["mark-".len()..], v),
            n if n.starts_with("mark-drop-shadow") => return m.shadow.set(&n["mark-".len()..], v),
            "mark-if-min-width" => m.min_w = Some(num(v).max(0.0) as u32),
            "mark-if-min-height" => m.min_h = Some(num(v).max(0.0) as u32),
            _ => {}
        }
    } else if name == "txt" || name.starts_with("txt-") {
        layers.texts.entry(layer).or_default().set(name, v);
    }
    None
}
