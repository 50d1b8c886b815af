//! `txt[N]` and its `txt-…` parameters: a text layer over the image, or with `/~text` the whole
//! picture. Defaults are imgix's: Helvetica 12 px, black, bottom-right, 10 px from the edges.

use super::color::Color;
use super::groups::{default_num, num};
use super::layers::{align, offset, Offset};
use super::Anchor;
use crate::text::alias::{self, Wanted};

/// `txt-fit`: what happens to text wider than its box.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextFit {
    /// Clipped (`txt-clip`).
    #[default]
    None,
    /// Set smaller until it fits the width (and `txt-h`).
    Max,
    /// Wrapped onto more lines.
    Wrap,
    /// Wrapped, then set smaller until the lines fit `txt-h`.
    WrapMax,
}

/// `txt-clip`: which end of an over-wide line is cut, and whether an ellipsis marks the cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clip {
    pub at: ClipAt,
    pub ellipsis: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClipAt {
    Start,
    Middle,
    End,
}

/// `txt-blend-mode`: text drawn over the image, or cut out of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TextBlend {
    #[default]
    Over,
    /// `destination-out`: the image becomes transparent where the text is.
    Out,
    /// `destination-in`: the image is kept only where the text is.
    In,
}

/// `txt-radius`: px, or a fraction of the font size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Radius {
    Px(f64),
    OfSize(f64),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    /// `txt` / `txt64`; nothing is drawn without it.
    pub text: Option<String>,
    pub font: Wanted,
    /// px (× dpr).
    pub size: f64,
    pub color: Color,
    pub align: (Option<Anchor>, Option<Anchor>),
    /// `txt-x` / `txt-y`: px from the left/top, or fractions of the image; override `align`.
    pub x: Option<Offset>,
    pub y: Option<Offset>,
    /// `txt-pad`: the gap to the image's edge, or with `txt-bg` the box's inner padding; `None`
    /// for the default (10, or 0 with a background).
    pub pad: Option<f64>,
    /// `txt-width`: the box's width, px; default the image's width less both pads.
    pub width: Option<f64>,
    /// `txt-h`: the box's height, px (read with `txt-fit`).
    pub height: Option<f64>,
    pub clip: Clip,
    pub fit: TextFit,
    /// `txt-line`: outline width, px, in `line_color`.
    pub line: f64,
    pub line_color: Color,
    /// `txt-shad` 0–10: a soft halo; with `shad_blur`, an offset shadow that far down-right.
    pub shad: f64,
    pub shad_blur: Option<f64>,
    /// `txt-bg`: a box behind the text.
    pub bg: Option<Color>,
    pub radius: Option<Radius>,
    /// 0–100.
    pub alpha: f64,
    pub blend: TextBlend,
    /// `txt-lead` / `txt-track` (px): `/~text` only.
    pub lead: f64,
    pub track: f64,
}

impl Default for Text {
    fn default() -> Self {
        Text {
            text: None,
            font: alias::resolve(""),
            size: default_num("txt-size"),
            color: Color { r: 0, g: 0, b: 0, a: 255 },
            align: (None, None),
            x: None,
            y: None,
            pad: None,
            width: None,
            height: None,
            clip: Clip { at: ClipAt::End, ellipsis: false },
            fit: TextFit::None,
            line: 0.0,
            line_color: Color::WHITE,
            shad: 0.0,
            shad_blur: None,
            bg: None,
            radius: None,
            alpha: 100.0,
            blend: TextBlend::Over,
            lead: 0.0,
            track: 0.0,
        }
    }
}

impl Text {
    /// The gap to the edge or the inner padding, px before dpr.
    pub fn pad(&self) -> f64 {
        self.pad.unwrap_or(if self.bg.is_some() { 0.0 } else { default_num("txt-pad") })
    }

    /// Fills the field `name` names (without an index) from its validated value.
    pub(super) fn set(&mut self, name: &str, v: &str) {
        match name {
            "txt" => self.text = Some(v.to_string()).filter(|t| !t.is_empty()),
            "txt-font" => self.font = alias::resolve(v),
            "txt-size" => self.size = num(v).max(0.0),
            "txt-color" => self.color = Color::parse(v).unwrap_or(self.color),
            "txt-align" => self.align = align(v),
            "txt-x" => self.x = Some(offset(v)),
            "txt-y" => self.y = Some(offset(v)),
            "txt-pad" => self.pad = Some(num(v).clamp(0.0, MAX_BOX)),
            "txt-width" => self.width = Some(num(v).min(MAX_BOX)).filter(|w| *w > 0.0),
            "txt-h" => self.height = Some(num(v).min(MAX_BOX)).filter(|h| *h > 0.0),
            "txt-clip" => self.clip = clip(v),
            "txt-fit" => {
                self.fit = match v {
                    "max" => TextFit::Max,
                    "wrap" => TextFit::Wrap,
                    "wrapmax" => TextFit::WrapMax,
                    _ => TextFit::None,
                }
            }
            "txt-line" => self.line = num(v).clamp(0.0, MAX_STROKE),
            "txt-line-color" => self.line_color = Color::parse(v).unwrap_or(self.line_color),
            "txt-shad" => self.shad = num(v).clamp(0.0, 10.0),
            "txt-shad-blur" => self.shad_blur = Some(num(v).clamp(0.0, MAX_STROKE)),
            "txt-bg" => self.bg = Color::parse(v),
            "txt-radius" => {
                self.radius = Some(if v.contains('.') { Radius::OfSize(num(v)) } else { Radius::Px(num(v).clamp(0.0, MAX_BOX)) })
            }
            "txt-alpha" => self.alpha = num(v).clamp(0.0, 100.0),
            "txt-blend-mode" => {
                self.blend = match v {
                    "destination-out" => TextBlend::Out,
                    "destination-in" => TextBlend::In,
                    _ => TextBlend::Over,
                }
            }
            "txt-lead" => self.lead = num(v).clamp(0.0, MAX_BOX),
            "txt-track" => self.track = num(v).clamp(-4.0, MAX_BOX),
            _ => {}
        }
    }
}

/// The largest box, padding, leading or tracking taken, px: past it a text is off any image.
const MAX_BOX: f64 = 16384.0;
/// The widest outline or shadow blur taken, px (a blur's cost grows with its width).
const MAX_STROKE: f64 = 256.0;

/// `start|middle|end`, with `ellipsis` anywhere in the list; `ellipsis` alone cuts the end.
fn clip(v: &str) -> Clip {
    let mut c = Clip { at: ClipAt::End, ellipsis: false };
    for item in v.split(',').map(str::trim) {
        match item {
            "start" => c.at = ClipAt::Start,
            "middle" => c.at = ClipAt::Middle,
            "end" => c.at = ClipAt::End,
            "ellipsis" => c.ellipsis = true,
            _ => {}
        }
    }
    c
}
