//! Text: the bundled fonts (`fonts`), the one table from imgix's font names to them (`alias`),
//! setting text into lines (`layout`) and turning glyphs into coverage (`raster`). `draw` puts a
//! `txt` layer on an image; `typeset` makes the picture `/~text` answers with.

pub mod alias;
pub mod fonts;
pub mod layout;
pub mod raster;

use crate::error::Result;
use crate::image::Image;
use crate::ops::composite;
use crate::params::layers::Placement;
use crate::params::text::{ClipAt, Radius, Text, TextBlend, TextFit};
use crate::params::{Anchor, BlendMode};
use layout::{Block, Spec};

/// Characters set at most; a longer text is cut (and said so).
pub const MAX_CHARS: usize = 4096;
/// The largest font size drawn, px after dpr.
pub const MAX_SIZE: f64 = 2048.0;
/// `/~text`'s default width, px.
pub const TYPESET_WIDTH: f64 = 200.0;

/// What is made up from the parameters before a block is set: the text (cut to `MAX_CHARS`)
/// and the sizes in px.
struct Job<'a> {
    t: &'a Text,
    text: &'a str,
    size: f32,
    /// The width lines are set in (and wrap at, when they wrap).
    width: f32,
    /// The height the lines fit: `txt-h`, else the room there is.
    height: f32,
    wrap: bool,
    dpr: f32,
}

impl Job<'_> {
    fn set_at(&self, size: f32, text: &str) -> Result<Block> {
        let line = (size * 0.8).max(1.0);
        layout::set(&Spec {
            text,
            wanted: self.t.font,
            size,
            track: self.t.track as f32 * self.dpr,
            lead: self.t.lead as f32 * self.dpr,
            wrap: self.wrap.then_some(self.width),
            max_lines: (self.height / line).ceil() as usize + 1,
        })
    }

    /// The block as the parameters ask: set smaller to fit (`txt-fit=max|wrapmax`), or cut
    /// where `txt-clip` says when one line is wider than the box.
    fn set(&self) -> Result<Block> {
        let mut size = self.size;
        let mut block = self.set_at(size, self.text)?;
        let fits =
            |b: &Block| b.width <= self.width + 0.5 && (self.t.height.is_none() || b.height <= self.height + 0.5);
        let shrinks = matches!(self.t.fit, TextFit::Max | TextFit::WrapMax);
        let mut tries = 0;
        while shrinks && !fits(&block) && size > 1.0 && tries < 12 {
            let k = (self.width / block.width.max(1.0)).min(self.height / block.height.max(1.0));
            size = (size * k.clamp(0.5, 0.97)).max(1.0);
            block = self.set_at(size, self.text)?;
            tries += 1;
        }
        if !self.wrap && block.width > self.width + 0.5 {
            block = self.clipped(size)?;
        }
        Ok(block)
    }

    /// The longest cut of the text that fits one line, by `txt-clip`.
    fn clipped(&self, size: f32) -> Result<Block> {
        let starts: Vec<usize> =
            self.text.char_indices().filter(|&(_, c)| !layout::is_attached(c)).map(|(i, _)| i).collect();
        let n = starts.len();
        let cut = |k: usize| -> String {
            let at = |i: usize| starts.get(i).copied().unwrap_or(self.text.len());
            let dots = if self.t.clip.ellipsis { "…" } else { "" };
            match self.t.clip.at {
                ClipAt::End => format!("{}{dots}", self.text[..at(k)].trim_end()),
                ClipAt::Start => format!("{dots}{}", self.text[at(n - k)..].trim_start()),
                ClipAt::Middle => format!(
                    "{}{dots}{}",
                    self.text[..at(k.div_ceil(2))].trim_end(),
                    self.text[at(n - k / 2)..].trim_start()
                ),
            }
        };
        let (mut lo, mut hi) = (0usize, n);
        while lo < hi {
            let mid = (lo + hi).div_ceil(2);
            if self.set_at(size, &cut(mid))?.width <= self.width + 0.5 {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        self.set_at(size, &cut(lo))
    }
}

/// The text of `t`, cut to `MAX_CHARS` characters.
fn limited(t: &Text) -> &str {
    let text = t.text.as_deref().unwrap_or("");
    text.char_indices().nth(MAX_CHARS).map_or(text, |(i, _)| &text[..i])
}

/// The horizontal alignment of lines: left, centre or right as a fraction.
fn line_align(a: Option<Anchor>, default: f32) -> f32 {
    match a {
        Some(Anchor::Start) => 0.0,
        Some(Anchor::Center) => 0.5,
        Some(Anchor::End) => 1.0,
        None => default,
    }
}

/// The text picture: the background box, shadow, outline and glyphs, `margin` px of room on each
/// side of the box for what reaches past it. The block's lines are aligned in `content` wide.
fn picture(t: &Text, block: &Block, content: (u32, u32), margin: u32, dpr: f32) -> Result<Image> {
    let inner = if t.bg.is_some() { (t.pad() as f32 * dpr).round() as u32 } else { 0 };
    let boxed = (content.0 + 2 * inner, content.1 + 2 * inner);
    let (w, h) = (boxed.0 + 2 * margin, boxed.1 + 2 * margin);
    let mut out = Image::filled(w, h, 4, [0, 0, 0, 0]);
    if let Some(bg) = t.bg {
        let r = match t.radius {
            Some(Radius::Px(px)) => px as f32 * dpr,
            Some(Radius::OfSize(f)) => f as f32 * block.size,
            None => 0.0,
        }
        .round()
        .max(0.0) as u32;
        let cover = |x, y| crate::ops::shape::rounded_rect(x, y, boxed.0, boxed.1, [r; 4]);
        paint(&mut out, (margin, margin), boxed, bg.rgba(), cover);
    }
    let origin = ((margin + inner) as f32, (margin + inner) as f32);
    let outlines = raster::outlines(block, origin, (w, h))?;
    let line = t.line as f32 * dpr;
    let embolden = raster::embolden(block.size);
    let ink = raster::fill(&outlines, (w, h), embolden, 0.0);
    let ring = (line > 0.0).then(|| raster::fill(&outlines, (w, h), embolden, line));
    if t.shad > 0.0 {
        // A halo `txt-shad` px soft, or with `txt-shad-blur` a shadow that far down-right.
        let (sigma, shift) = match t.shad_blur {
            Some(b) => (b as f32 * dpr / 2.0, (t.shad as f32 * dpr).round() as u32),
            None => (t.shad as f32 * dpr / 2.0, 0),
        };
        let mut shadow = ring.as_ref().unwrap_or(&ink).data.clone();
        crate::ops::blur_plane(&mut shadow, w as usize, h as usize, sigma);
        let at = |x: u32, y: u32| -> f32 {
            match (x.checked_sub(shift), y.checked_sub(shift)) {
                (Some(x), Some(y)) => f32::from(shadow[(y * w + x) as usize]) / 255.0,
                _ => 0.0,
            }
        };
        paint(&mut out, (0, 0), (w, h), [0, 0, 0, 255], at);
    }
    if let Some(ring) = &ring {
        paint(&mut out, (0, 0), (w, h), t.line_color.rgba(), |x, y| f32::from(ring.data[(y * w + x) as usize]) / 255.0);
    }
    paint(&mut out, (0, 0), (w, h), t.color.rgba(), |x, y| f32::from(ink.data[(y * w + x) as usize]) / 255.0);
    Ok(out)
}

/// Paints `rgba` over `out` in the `size` box at `at`, where `cover(x, y)` (box coordinates) says
/// how much: source-over, straight alpha, in sRGB values as browsers draw text.
fn paint(out: &mut Image, at: (u32, u32), size: (u32, u32), rgba: [u8; 4], cover: impl Fn(u32, u32) -> f32) {
    let stride = out.width as usize * 4;
    for y in 0..size.1 {
        for x in 0..size.0 {
            let a = cover(x, y) * f32::from(rgba[3]) / 255.0;
            if a <= 0.0 {
                continue;
            }
            let i = (at.1 + y) as usize * stride + (at.0 + x) as usize * 4;
            let p = &mut out.data[i..i + 4];
            let da = f32::from(p[3]) / 255.0;
            let oa = a + da * (1.0 - a);
            for c in 0..3 {
                let v = (f32::from(rgba[c]) * a + f32::from(p[c]) * da * (1.0 - a)) / oa;
                p[c] = v.round().clamp(0.0, 255.0) as u8;
            }
            p[3] = (oa * 255.0).round() as u8;
        }
    }
}

/// The room past the box that outlines, shadows and glyph overhangs need, px.
fn margin(t: &Text, size: f32, dpr: f32) -> u32 {
    let (sigma, shift) = match (t.shad, t.shad_blur) {
        (s, _) if s <= 0.0 => (0.0, 0.0),
        (s, Some(b)) => (b as f32 / 2.0, s as f32),
        (s, None) => (s as f32 / 2.0, 0.0),
    };
    ((t.line as f32 + 3.0 * sigma + shift) * dpr + size * 0.3).ceil() as u32 + 1
}

/// Draws the `txt` layer `t` on `image`: placed by `txt-align`/`txt-x`/`txt-y` (default
/// bottom-right, `txt-pad` from the edges), over the image or cut out of it.
pub fn draw(mut image: Image, t: &Text, dpr: f64) -> Result<Image> {
    let text = limited(t);
    if text.trim().is_empty() || t.size <= 0.0 {
        return Ok(image);
    }
    let dpr32 = dpr as f32;
    let pad = t.pad() * dpr;
    let room = (f64::from(image.width) - 2.0 * pad).max(1.0);
    let width = t.width.map_or(room, |w| w * dpr).max(1.0) as f32;
    let height = match t.height {
        Some(h) if t.fit != TextFit::None => (h * dpr) as f32,
        _ => (f64::from(image.height) - 2.0 * pad).max(1.0) as f32,
    };
    let size = (t.size * dpr).clamp(1.0, MAX_SIZE) as f32;
    let wrap = matches!(t.fit, TextFit::Wrap | TextFit::WrapMax);
    let job = Job { t, text, size, width, height, wrap, dpr: dpr32 };
    let mut block = job.set()?;
    let content_w = if t.width.is_some() || wrap { width } else { block.width.min(width) };
    let content =
        (content_w.ceil().max(1.0) as u32, block.height.min(height.max(block.line_height)).ceil().max(1.0) as u32);
    block.align(content_w, line_align(t.align.0, 1.0));
    let margin = margin(t, block.size, dpr32);
    let picture = picture(t, &block, content, margin, dpr32)?;
    let inner = if t.bg.is_some() { 2 * (t.pad() * dpr).round() as u32 } else { 0 };
    let place =
        Placement { align: t.align, pad: if t.bg.is_some() { 0.0 } else { t.pad() }, x: t.x, y: t.y, anchor: None };
    let boxed = (content.0 + inner, content.1 + inner);
    let (x, y) =
        crate::plan::layers::position(&place, (Anchor::End, Anchor::End), boxed, (image.width, image.height), dpr);
    let (x, y) = (x - i64::from(margin), y - i64::from(margin));
    let opacity = (t.alpha / 100.0).clamp(0.0, 1.0) as f32;
    match t.blend {
        TextBlend::Over => composite::draw(&mut image, &picture, x, y, BlendMode::Normal, opacity),
        TextBlend::Out | TextBlend::In => image = knock(image, &picture, (x, y), opacity, t.blend == TextBlend::In),
    }
    Ok(image)
}

/// `destination-out`: the image's alpha goes where the text is; `destination-in` (`keep`): it
/// stays only there.
fn knock(image: Image, picture: &Image, (px, py): (i64, i64), opacity: f32, keep: bool) -> Image {
    let mut image = crate::pipeline::with_alpha(image);
    let (w, h) = (image.width as i64, image.height as i64);
    for y in 0..h {
        for x in 0..w {
            let (lx, ly) = (x - px, y - py);
            let inside = lx >= 0 && ly >= 0 && lx < i64::from(picture.width) && ly < i64::from(picture.height);
            let a = if inside {
                f32::from(picture.data[((ly * i64::from(picture.width) + lx) * 4 + 3) as usize]) / 255.0 * opacity
            } else {
                0.0
            };
            let k = if keep { a } else { 1.0 - a };
            let i = ((y * w + x) * 4 + 3) as usize;
            image.data[i] = (f32::from(image.data[i]) * k).round() as u8;
        }
    }
    image
}

/// `/~text`: the text alone on a transparent picture `txt-width` (default 200) px wide, as tall
/// as its lines, which wrap unless `txt-fit=max` sets them smaller to fit.
pub fn typeset(t: &Text, dpr: f64, max_side: u32) -> Result<Image> {
    let text = limited(t);
    let dpr32 = dpr as f32;
    let pad = t.pad.unwrap_or(0.0) * dpr;
    let outer = t.width.unwrap_or(TYPESET_WIDTH) * dpr;
    let width = (outer - 2.0 * pad).max(1.0) as f32;
    let height = match t.height {
        Some(h) => (h * dpr - 2.0 * pad).max(1.0) as f32,
        None => f64::from(max_side) as f32,
    };
    let size = (t.size * dpr).clamp(1.0, MAX_SIZE) as f32;
    let wrap = t.fit != TextFit::Max;
    let job = Job { t, text, size, width, height, wrap, dpr: dpr32 };
    let mut block = job.set()?;
    block.align(width, line_align(t.align.0, 0.0));
    let content = (width.ceil() as u32, (block.height.min(height)).ceil().max(1.0) as u32);
    let t = &Text { bg: t.bg, pad: Some(t.pad.unwrap_or(0.0)), ..t.clone() };
    let picture = picture(t, &block, content, 0, dpr32)?;
    // Without a background, the padding is still room around the lines.
    if t.bg.is_none() && pad > 0.0 {
        let p = pad.round() as u32;
        let mut out = Image::filled(picture.width + 2 * p, picture.height + 2 * p, 4, [0, 0, 0, 0]);
        composite::draw(&mut out, &picture, i64::from(p), i64::from(p), BlendMode::Normal, 1.0);
        return Ok(out);
    }
    Ok(picture)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(query: &str) -> Text {
        let p = crate::params::parse(query).unwrap();
        p.layers.texts.get(&0).cloned().unwrap()
    }

    fn ink(img: &Image) -> (u32, u32, u32, u32) {
        let mut b = (u32::MAX, u32::MAX, 0, 0);
        for y in 0..img.height {
            for x in 0..img.width {
                if img.pixel(x, y)[0] < 128 {
                    b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
                }
            }
        }
        b
    }

    #[test]
    fn text_sits_where_its_metrics_say() {
        // Baseline at pad + round(ascent): 20 + round(50 × 0.905); the H's top 1409/2048 em above.
        let page = Image::filled(300, 120, 3, [255, 255, 255, 255]);
        let drawn = draw(page, &text("txt=H&txt-size=50&txt-align=top,left&txt-pad=20"), 1.0).unwrap();
        let (x0, y0, _, y1) = ink(&drawn);
        let baseline = 20.0 + (50.0f32 * 1854.0 / 2048.0).round();
        assert_eq!(y1 as f32 + 1.0, baseline, "bottom");
        assert!((y0 as f32 - (baseline - 50.0 * 1409.0 / 2048.0)).abs() <= 1.0, "top {y0}");
        assert!((x0 as f32 - (20.0 + 50.0 * 168.0 / 2048.0)).abs() <= 1.0, "left {x0}");
    }
}
