//! A set block drawn as coverage: the glyph outlines filled (and stroked, for outlines and made-up
//! bold) by tiny-skia's antialiasing rasteriser into an 8-bit mask.

use rustybuzz::ttf_parser::{self, GlyphId, OutlineBuilder};
use tiny_skia::{FillRule, LineCap, LineJoin, Mask, Path, PathBuilder, Stroke, Transform};

use super::fonts;
use super::layout::Block;
use crate::error::{Error, Result};

/// How far a made-up italic slants: Chromium's synthetic oblique (x += y / 4).
const FAKE_SLANT: f32 = 0.25;

/// Coverage of a `w`×`h` area, one byte per pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct Coverage {
    pub width: u32,
    pub height: u32,
    pub data: Vec<u8>,
}

/// The block's glyph outlines, each filled on its own (as browsers draw glyphs) so that a
/// glyph's coverage is the same in whichever band of a picture it is drawn.
#[derive(Debug, Clone, Default)]
pub struct Outlines {
    glyphs: Vec<Outline>,
}

/// One glyph: its outline with the pen at its fractional offset inside the pixel `at`.
#[derive(Debug, Clone)]
struct Outline {
    path: Path,
    at: (i64, i64),
    /// Of a face that lacks the bold asked for: thickened when filled.
    fake_bold: bool,
}

/// The part of a picture drawn: its top-left corner and size, px.
pub type Area = (u32, u32, u32, u32);

/// The outlines of the block with its origin at `origin` (px); glyphs wholly outside `area`
/// are left out.
pub fn outlines(block: &Block, origin: (f32, f32), (ax, ay, w, h): Area) -> Result<Outlines> {
    let mut glyphs = Vec::new();
    let mut faces: Vec<(usize, ttf_parser::Face<'static>)> = Vec::new();
    for g in &block.glyphs {
        let (gx, gy) = (origin.0 + g.x, origin.1 + g.y);
        let (cx, cy) = (gx - ax as f32, gy - ay as f32);
        // Cull on an em box around the pen (glyphs rarely reach past 1.5 em).
        let em = block.size * 1.5;
        if cx + em * 2.0 < 0.0 || cx - em > w as f32 || cy + em < 0.0 || cy - em > h as f32 {
            continue;
        }
        let face = match faces.iter().position(|(id, _)| *id == g.face.id) {
            Some(i) => &faces[i].1,
            None => {
                let parsed = ttf_parser::Face::parse(fonts::bytes(g.face.id)?, 0)
                    .map_err(|e| Error::internal(format!("bundled font does not parse: {e}")))?;
                faces.push((g.face.id, parsed));
                &faces[faces.len() - 1].1
            }
        };
        let scale = block.size / face.units_per_em().max(1) as f32;
        let slant = if g.face.fake_italic { FAKE_SLANT } else { 0.0 };
        let (px, py) = (gx.floor(), gy.floor());
        let mut pb = PathBuilder::new();
        let mut pen = Pen { pb: &mut pb, x: gx - px, y: gy - py, scale, slant };
        face.outline_glyph(GlyphId(g.id), &mut pen);
        if let Some(path) = pb.finish() {
            glyphs.push(Outline { path, at: (px as i64, py as i64), fake_bold: g.face.fake_bold });
        }
    }
    Ok(Outlines { glyphs })
}

/// Fills the outlines into a coverage mask of `area`; the made-up bold ones are also stroked
/// `embolden` px wide, and with `ring` every glyph is stroked that wide too (`txt-line`: the
/// outline, including what the glyphs cover). Glyphs that overlap add up as painted one over
/// the other.
pub fn fill(o: &Outlines, (ax, ay, w, h): Area, embolden: f32, ring: f32) -> Coverage {
    let mut data = vec![0u8; w as usize * h as usize];
    for g in &o.glyphs {
        let stroke = if g.fake_bold { embolden.max(ring * 2.0 + embolden) } else { ring * 2.0 };
        let b = g.path.bounds();
        let reach = (stroke / 2.0).ceil() + 2.0;
        let (lx, ly) = ((b.left() - reach).floor(), (b.top() - reach).floor());
        let (gw, gh) = ((b.right() + reach).ceil() - lx, (b.bottom() + reach).ceil() - ly);
        // Where the glyph's mask sits in the area.
        let (mx, my) = (g.at.0 + lx as i64 - i64::from(ax), g.at.1 + ly as i64 - i64::from(ay));
        let (gw, gh) = (gw as i64, gh as i64);
        if mx + gw <= 0 || my + gh <= 0 || mx >= i64::from(w) || my >= i64::from(h) {
            continue;
        }
        let Some(mut mask) = Mask::new(gw as u32, gh as u32) else { continue };
        let local = Transform::from_translate(-lx, -ly);
        if stroke > 0.0 {
            if let Some(stroked) = g.path.stroke(&round(stroke), 1.0) {
                mask.fill_path(&stroked, FillRule::Winding, true, local);
            }
        }
        mask.fill_path(&g.path, FillRule::Winding, true, local);
        let m = mask.data();
        for y in my.max(0)..(my + gh).min(i64::from(h)) {
            let row = ((y - my) * gw) as usize;
            let out = y as usize * w as usize;
            for x in mx.max(0)..(mx + gw).min(i64::from(w)) {
                let a = u32::from(m[row + (x - mx) as usize]);
                if a > 0 {
                    let d = &mut data[out + x as usize];
                    *d = (u32::from(*d) + a - (u32::from(*d) * a + 127) / 255) as u8;
                }
            }
        }
    }
    Coverage { width: w, height: h, data }
}

fn round(width: f32) -> Stroke {
    Stroke { width, line_cap: LineCap::Round, line_join: LineJoin::Round, ..Stroke::default() }
}

/// How much a made-up bold thickens strokes: Skia's ratio, 1/24 of the size at 9 px falling to
/// 1/32 from 36 px.
pub fn embolden(size: f32) -> f32 {
    let t = ((size - 9.0) / 27.0).clamp(0.0, 1.0);
    size * (1.0 / 24.0 + (1.0 / 32.0 - 1.0 / 24.0) * t)
}

/// Font units to px, y up to y down, with a slant for a made-up italic.
struct Pen<'a> {
    pb: &'a mut PathBuilder,
    x: f32,
    y: f32,
    scale: f32,
    slant: f32,
}

impl Pen<'_> {
    fn at(&self, x: f32, y: f32) -> (f32, f32) {
        (self.x + (x + y * self.slant) * self.scale, self.y - y * self.scale)
    }
}

impl OutlineBuilder for Pen<'_> {
    fn move_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.pb.move_to(x, y);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        let (x, y) = self.at(x, y);
        self.pb.line_to(x, y);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        let ((x1, y1), (x, y)) = (self.at(x1, y1), self.at(x, y));
        self.pb.quad_to(x1, y1, x, y);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        let ((x1, y1), (x2, y2), (x, y)) = (self.at(x1, y1), self.at(x2, y2), self.at(x, y));
        self.pb.cubic_to(x1, y1, x2, y2, x, y);
    }
    fn close(&mut self) {
        self.pb.close();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::alias::{Family, Wanted};
    use crate::text::layout::{set, Spec};

    fn block(text: &str, size: f32) -> Block {
        let wanted = Wanted { family: Family::Sans, bold: false, italic: false };
        set(&Spec { text, wanted, size, track: 0.0, lead: 0.0, wrap: None, max_lines: 10 }).unwrap()
    }

    /// The ink's bounding box (x0, y0, x1, y1), inclusive, of pixels over half covered.
    fn ink(c: &Coverage) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for y in 0..c.height {
            for x in 0..c.width {
                if c.data[(y * c.width + x) as usize] > 127 {
                    b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        b
    }

    #[test]
    fn a_capital_fills_its_cap_height() {
        // The ink of H at 100 px is the glyph's box in the font, scaled, within a pixel.
        let b = block("H", 100.0);
        let path = outlines(&b, (10.0, 10.0), (0, 0, 120, 130)).unwrap();
        let c = fill(&path, (0, 0, 120, 130), 0.0, 0.0);
        let (x0, y0, x1, y1) = ink(&c);
        let face = ttf_parser::Face::parse(fonts::bytes(b.glyphs[0].face.id).unwrap(), 0).unwrap();
        let bbox = face.glyph_bounding_box(GlyphId(b.glyphs[0].id)).unwrap();
        let k = 100.0 / f32::from(face.units_per_em());
        let baseline = 10.0 + b.glyphs[0].y;
        let near = |got: u32, want: f32| (got as f32 - want).abs() <= 1.0;
        assert!(near(x0, 10.0 + f32::from(bbox.x_min) * k), "left {x0} vs {}", f32::from(bbox.x_min) * k);
        assert!(near(x1 + 1, 10.0 + f32::from(bbox.x_max) * k), "right {x1}");
        assert!(near(y0, baseline - f32::from(bbox.y_max) * k), "top {y0}");
        assert!(near(y1 + 1, baseline - f32::from(bbox.y_min) * k), "bottom {y1}");
        // The crossbar is ink, the counter above it is not.
        let at = |x: u32, y: u32| c.data[(y * c.width + x) as usize];
        assert!(at(45, (baseline - 36.0) as u32) > 200);
        assert!(at(45, (baseline - 60.0) as u32) < 20);
    }

    #[test]
    fn outlines_widen_and_fake_bold_thickens() {
        let b = block("l", 40.0);
        let path = outlines(&b, (10.0, 10.0), (0, 0, 40, 60)).unwrap();
        let count = |c: &Coverage| c.data.iter().filter(|&&v| v > 127).count();
        let plain = count(&fill(&path, (0, 0, 40, 60), 0.0, 0.0));
        let faked = Outlines { glyphs: path.glyphs.iter().map(|g| Outline { fake_bold: true, ..g.clone() }).collect() };
        let bold = count(&fill(&faked, (0, 0, 40, 60), 2.0, 0.0));
        let ring = count(&fill(&path, (0, 0, 40, 60), 0.0, 3.0));
        assert!(bold > plain + 40, "{plain} → {bold}");
        assert!(ring > bold, "{bold} → {ring}");
    }

    #[test]
    fn glyphs_outside_are_culled() {
        let b = block("far away", 20.0);
        let o = outlines(&b, (5000.0, 5000.0), (0, 0, 50, 50)).unwrap();
        assert!(o.glyphs.is_empty());
    }
}
