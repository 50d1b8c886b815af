//! Padding and borders: widths per side (top, right, bottom, left), colours and corner radii.

use crate::params::{Color, Params};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    pub pad: [u32; 4],
    pub border: [u32; 4],
    pub border_color: Color,
    /// Outer corner radii, clockwise from top-left.
    pub radius: [u32; 4],
    /// Radii of the border's inner edge.
    pub radius_inner: [u32; 4],
    /// Colour of padding: `bg`, else transparent (white where the format has no alpha).
    pub pad_color: Color,
    /// `border-stroke-size`: an outline this wide along the outer edge (inside the canvas).
    pub stroke: u32,
    /// `border-stroke-color`, transparent white by default (imgix's docs), so a size alone draws nothing.
    pub stroke_color: Color,
}

impl Default for Frame {
    fn default() -> Self {
        Frame {
            pad: [0; 4],
            border: [0; 4],
            border_color: Color::WHITE,
            radius: [0; 4],
            radius_inner: [0; 4],
            pad_color: Color::TRANSPARENT_WHITE,
            stroke: 0,
            stroke_color: Color::TRANSPARENT_WHITE,
        }
    }
}

impl Frame {
    /// Reads `pad`, `pad-*`, `border`, `border-*`, `border-radius`, `border-radius-inner`;
    /// widths are CSS pixels, so they scale with `dpr`.
    pub fn from_params(p: &Params, dpr: f64) -> Frame {
        let px = |v: f64| (v * dpr).round().max(0.0) as u32;
        let g = &p.frame;
        let mut f = Frame { pad_color: p.bg.unwrap_or(Color::TRANSPARENT_WHITE), ..Frame::default() };
        for i in 0..4 {
            f.pad[i] = px(g.pad_sides[i].unwrap_or(g.pad));
        }
        if let Some((size, color)) = g.border {
            f.border_color = color;
            for i in 0..4 {
                f.border[i] = px(g.border_sides[i].unwrap_or(size));
            }
            f.radius = radii(g.border_radius, dpr);
            f.radius_inner = radii(g.border_radius_inner, dpr);
        }
        f.stroke = px(g.stroke);
        f.stroke_color = g.stroke_color.unwrap_or(Color::TRANSPARENT_WHITE);
        f
    }

    /// Space around the image on each side: border outside, padding inside it.
    pub fn insets(&self) -> [u32; 4] {
        [0, 1, 2, 3].map(|i| self.pad[i] + self.border[i])
    }

    pub fn is_empty(&self) -> bool {
        self.insets() == [0; 4] && self.radius == [0; 4] && self.stroke == 0
    }

    /// Scales every width, for outputs sized down to the limits.
    pub fn scale(&mut self, k: f64) {
        let all = self.pad.iter_mut().chain(&mut self.border).chain(&mut self.radius).chain(&mut self.radius_inner);
        for v in all.chain(std::iter::once(&mut self.stroke)) {
            *v = (*v as f64 * k).round() as u32;
        }
    }
}

/// Corner radii (CSS pixels, clockwise from top-left) in output pixels; none is square.
pub fn radii(value: Option<[f64; 4]>, dpr: f64) -> [u32; 4] {
    value.map_or([0; 4], |r| r.map(|n| (n * dpr).round().max(0.0) as u32))
}
