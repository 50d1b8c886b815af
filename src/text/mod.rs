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
/// The most pixels a `/~text` picture has (16 MB of RGBA).
pub const TYPESET_PIXELS: f64 = 4_194_304.0;

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

/// `X-Ixora-Ignored` entries for texts cut to `MAX_CHARS`.
pub fn notes(texts: &std::collections::BTreeMap<u8, Text>) -> Vec<String> {
    texts
        .iter()
        .filter_map(|(&i, t)| {
            let n = t.text.as_deref()?.chars().count();
            let name = if i == 0 { "txt".to_string() } else { format!("txt[{i}]") };
            (n > MAX_CHARS).then(|| format!("{name} ({n} characters; the first {MAX_CHARS} are set)"))
        })
        .collect()
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

/// The most pixels of a text picture drawn at once: a larger picture (a huge size, a tall
/// `/~text`) is drawn band by band, so memory stays bounded whatever the text asks for.
const BAND_PIXELS: u32 = 1 << 20;

/// A text picture's layout in its own px: the box (content and, with a background, padding
/// around it) `margin` px in from each side, the lines `inner` px inside the box.
#[derive(Clone, Copy)]
struct Frame {
    boxed: (u32, u32),
    margin: u32,
    inner: u32,
}

impl Frame {
    fn new(t: &Text, content: (u32, u32), margin: u32, dpr: f32) -> Frame {
        let inner = if t.bg.is_some() { (t.pad() as f32 * dpr).round() as u32 } else { 0 };
        Frame { boxed: (content.0 + 2 * inner, content.1 + 2 * inner), margin, inner }
    }

    fn size(&self) -> (u32, u32) {
        (self.boxed.0 + 2 * self.margin, self.boxed.1 + 2 * self.margin)
    }
}

/// A rectangle of a text picture: its top-left corner and size, px.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Window {
    x: u32,
    y: u32,
    w: u32,
    h: u32,
}

/// Splits `w` into bands of whole rows, each at most `BAND_PIXELS`.
fn bands(w: Window) -> impl Iterator<Item = Window> {
    let rows = (BAND_PIXELS / w.w.max(1)).max(1);
    (0..w.h.div_ceil(rows)).map(move |i| {
        let y = w.y + i * rows;
        Window { y, h: rows.min(w.y + w.h - y), ..w }
    })
}

/// The `window` of the text picture: the background box, shadow, outline and glyphs. The
/// block's lines are already aligned in the content's width.
fn picture(t: &Text, block: &Block, frame: Frame, window: Window, dpr: f32) -> Result<Image> {
    let Window { x: wx, y: wy, w, h } = window;
    let mut out = Image::filled(w, h, 4, [0, 0, 0, 0]);
    if let Some(bg) = t.bg {
        let r = match t.radius {
            Some(Radius::Px(px)) => px as f32 * dpr,
            Some(Radius::OfSize(f)) => f as f32 * block.size,
            None => 0.0,
        }
        .round()
        .max(0.0) as u32;
        let boxed = frame.boxed;
        let cover = |x, y| crate::ops::shape::rounded_rect(x, y, boxed.0, boxed.1, [r; 4]);
        let at = (i64::from(frame.margin) - i64::from(wx), i64::from(frame.margin) - i64::from(wy));
        paint(&mut out, at, boxed, bg.rgba(), cover);
    }
    // A shadow needs the glyphs as far up-left as it is shifted plus its blur's reach, and as
    // far down-right as the blur reaches: the masks cover that much more than the window.
    let (sigma, shift) = match (t.shad > 0.0, t.shad_blur) {
        (false, _) => (0.0, 0),
        (true, Some(b)) => (b as f32 * dpr / 2.0, (t.shad as f32 * dpr).round() as u32),
        (true, None) => (t.shad as f32 * dpr / 2.0, 0),
    };
    let reach = if t.shad > 0.0 { (3.0 * sigma).ceil() as u32 + 1 } else { 0 };
    let (ex, ey) = (wx.saturating_sub(reach + shift), wy.saturating_sub(reach + shift));
    let (full_w, full_h) = frame.size();
    let (ew, eh) = ((wx + w + reach).min(full_w) - ex, (wy + h + reach).min(full_h) - ey);
    let (dx, dy) = (wx - ex, wy - ey);
    let lines = (frame.margin + frame.inner) as f32;
    let area = (ex, ey, ew, eh);
    let outlines = raster::outlines(block, (lines, lines), area)?;
    let line = t.line as f32 * dpr;
    let embolden = raster::embolden(block.size);
    let ink = raster::fill(&outlines, area, embolden, 0.0);
    let ring = (line > 0.0).then(|| raster::fill(&outlines, area, embolden, line));
    let mask = |m: &[u8], x: u32, y: u32| f32::from(m[((y + dy) * ew + x + dx) as usize]) / 255.0;
    if t.shad > 0.0 {
        // A halo `txt-shad` px soft, or with `txt-shad-blur` a shadow that far down-right.
        let mut shadow = ring.as_ref().unwrap_or(&ink).data.clone();
        crate::ops::blur_plane(&mut shadow, ew as usize, eh as usize, sigma);
        let at = |x: u32, y: u32| -> f32 {
            match ((x + dx).checked_sub(shift), (y + dy).checked_sub(shift)) {
                (Some(x), Some(y)) => f32::from(shadow[(y * ew + x) as usize]) / 255.0,
                _ => 0.0,
            }
        };
        paint(&mut out, (0, 0), (w, h), [0, 0, 0, 255], at);
    }
    if let Some(ring) = &ring {
        paint(&mut out, (0, 0), (w, h), t.line_color.rgba(), |x, y| mask(&ring.data, x, y));
    }
    paint(&mut out, (0, 0), (w, h), t.color.rgba(), |x, y| mask(&ink.data, x, y));
    Ok(out)
}

/// Paints `rgba` over `out` in the `size` box at `at` (clipped to `out`), where `cover(x, y)`
/// (box coordinates) says how much: source-over, straight alpha, in sRGB values as browsers
/// draw text.
fn paint(out: &mut Image, at: (i64, i64), size: (u32, u32), rgba: [u8; 4], cover: impl Fn(u32, u32) -> f32) {
    let stride = out.width as usize * 4;
    let span = |at: i64, len: u32, room: u32| (at.max(0), (at + i64::from(len)).min(i64::from(room)));
    let ((x0, x1), (y0, y1)) = (span(at.0, size.0, out.width), span(at.1, size.1, out.height));
    for oy in y0..y1 {
        for ox in x0..x1 {
            let a = cover((ox - at.0) as u32, (oy - at.1) as u32) * f32::from(rgba[3]) / 255.0;
            if a <= 0.0 {
                continue;
            }
            let i = oy as usize * stride + ox as usize * 4;
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
    let frame = Frame::new(t, content, margin(t, block.size, dpr32), dpr32);
    let place =
        Placement { align: t.align, pad: if t.bg.is_some() { 0.0 } else { t.pad() }, x: t.x, y: t.y, anchor: None };
    let (x, y) =
        crate::plan::layers::position(&place, (Anchor::End, Anchor::End), frame.boxed, (image.width, image.height), dpr);
    let (px, py) = (x - i64::from(frame.margin), y - i64::from(frame.margin));
    // Only the part of the picture over the image is drawn.
    let (pw, ph) = frame.size();
    let span = |at: i64, len: u32, room: u32| (at.max(0), (at + i64::from(len)).min(i64::from(room)));
    let ((x0, x1), (y0, y1)) = (span(px, pw, image.width), span(py, ph, image.height));
    let opacity = (t.alpha / 100.0).clamp(0.0, 1.0) as f32;
    let keep = t.blend == TextBlend::In;
    if x0 >= x1 || y0 >= y1 {
        return Ok(if keep { knock(image, None, opacity, true) } else { image });
    }
    let visible = Window { x: (x0 - px) as u32, y: (y0 - py) as u32, w: (x1 - x0) as u32, h: (y1 - y0) as u32 };
    if t.blend != TextBlend::Over {
        image = crate::pipeline::with_alpha(image);
    }
    for band in bands(visible) {
        let part = picture(t, &block, frame, band, dpr32)?;
        let (bx, by) = (px + i64::from(band.x), py + i64::from(band.y));
        match t.blend {
            TextBlend::Over => composite::draw(&mut image, &part, bx, by, BlendMode::Normal, opacity),
            TextBlend::Out => image = knock(image, Some((&part, (bx, by))), opacity, false),
            TextBlend::In => image = knock(image, Some((&part, (bx, by))), opacity, true),
        }
    }
    if keep {
        image = clear_outside(image, (x0, y0, x1, y1));
    }
    Ok(image)
}

/// `destination-out`: the image's alpha goes where the text is; `destination-in` (`keep`): it
/// stays only there. Touches the part's pixels only (with none, and `keep`, every pixel).
fn knock(image: Image, part: Option<(&Image, (i64, i64))>, opacity: f32, keep: bool) -> Image {
    let mut image = crate::pipeline::with_alpha(image);
    let Some((part, (px, py))) = part else {
        return clear_outside(image, (0, 0, 0, 0));
    };
    let (w, h) = (i64::from(image.width), i64::from(image.height));
    for y in py.max(0)..(py + i64::from(part.height)).min(h) {
        for x in px.max(0)..(px + i64::from(part.width)).min(w) {
            let (lx, ly) = (x - px, y - py);
            let a = f32::from(part.data[((ly * i64::from(part.width) + lx) * 4 + 3) as usize]) / 255.0 * opacity;
            let k = if keep { a } else { 1.0 - a };
            let i = ((y * w + x) * 4 + 3) as usize;
            image.data[i] = (f32::from(image.data[i]) * k).round() as u8;
        }
    }
    image
}

/// Makes every pixel outside `(x0, y0, x1, y1)` transparent (`destination-in` keeps nothing
/// where there is no text).
fn clear_outside(image: Image, (x0, y0, x1, y1): (i64, i64, i64, i64)) -> Image {
    let mut image = crate::pipeline::with_alpha(image);
    let w = i64::from(image.width);
    for y in 0..i64::from(image.height) {
        for x in 0..w {
            if !(x0..x1).contains(&x) || !(y0..y1).contains(&y) {
                image.data[((y * w + x) * 4 + 3) as usize] = 0;
            }
        }
    }
    image
}

/// `/~text`: the text alone on a transparent picture `txt-width` (default 200) px wide, as tall
/// as its lines, which wrap unless `txt-fit=max` sets them smaller to fit. At most `max_side`
/// px a side and `TYPESET_PIXELS` in all: lines past that are cut.
pub fn typeset(t: &Text, dpr: f64, max_side: u32) -> Result<Image> {
    let text = limited(t);
    let dpr32 = dpr as f32;
    let pad = t.pad.unwrap_or(0.0) * dpr;
    let outer = (t.width.unwrap_or(TYPESET_WIDTH) * dpr).min(f64::from(max_side));
    let width = (outer - 2.0 * pad).max(1.0) as f32;
    let tallest = f64::from(max_side).min(TYPESET_PIXELS / outer.max(1.0));
    let height = match t.height {
        Some(h) => (h * dpr).min(tallest) - 2.0 * pad,
        None => tallest - 2.0 * pad,
    }
    .max(1.0) as f32;
    let size = (t.size * dpr).clamp(1.0, MAX_SIZE) as f32;
    let wrap = t.fit != TextFit::Max;
    let job = Job { t, text, size, width, height, wrap, dpr: dpr32 };
    let mut block = job.set()?;
    block.align(width, line_align(t.align.0, 0.0));
    let content = (width.ceil() as u32, (block.height.min(height)).ceil().max(1.0) as u32);
    let t = &Text { bg: t.bg, pad: Some(t.pad.unwrap_or(0.0)), ..t.clone() };
    // Without a background, the padding is still room around the lines.
    let room = if t.bg.is_none() { pad.round() as u32 } else { 0 };
    let frame = Frame::new(t, content, 0, dpr32);
    let (w, h) = frame.size();
    let mut out = Image::filled(w + 2 * room, h + 2 * room, 4, [0, 0, 0, 0]);
    for band in bands(Window { x: 0, y: 0, w, h }) {
        let part = picture(t, &block, frame, band, dpr32)?;
        let at = (i64::from(room + band.x), i64::from(room + band.y));
        composite::draw(&mut out, &part, at.0, at.1, BlendMode::Normal, 1.0);
    }
    Ok(out)
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
        // Baseline at pad + round(half the line gap + ascent); the H's top 1409/2048 em above.
        let page = Image::filled(300, 120, 3, [255, 255, 255, 255]);
        let drawn = draw(page, &text("txt=H&txt-size=50&txt-align=top,left&txt-pad=20"), 1.0).unwrap();
        let (x0, y0, _, y1) = ink(&drawn);
        let baseline = 20.0 + (50.0f32 * (67.0 / 2.0 + 1854.0) / 2048.0).round();
        assert_eq!(y1 as f32 + 1.0, baseline, "bottom");
        assert!((y0 as f32 - (baseline - 50.0 * 1409.0 / 2048.0)).abs() <= 1.0, "top {y0}");
        assert!((x0 as f32 - (20.0 + 50.0 * 168.0 / 2048.0)).abs() <= 1.0, "left {x0}");
    }

    #[test]
    fn bands_add_up_to_the_whole_picture() {
        let t = text("txt=Banded%20text&txt-size=120&txt-shad=6&txt-shad-blur=8&txt-line=3&txt-bg=336699&txt-pad=12");
        let job = Job { t: &t, text: "Banded text", size: 120.0, width: 2000.0, height: 500.0, wrap: false, dpr: 1.0 };
        let block = job.set().unwrap();
        let content = (block.width.ceil() as u32, block.height.ceil() as u32);
        let frame = Frame::new(&t, content, margin(&t, block.size, 1.0), 1.0);
        let (w, h) = frame.size();
        let whole = picture(&t, &block, frame, Window { x: 0, y: 0, w, h }, 1.0).unwrap();
        let mut stacked = Image::filled(w, h, 4, [0, 0, 0, 0]);
        for y in (0..h).step_by(37) {
            let band = Window { x: 0, y, w, h: 37.min(h - y) };
            let part = picture(&t, &block, frame, band, 1.0).unwrap();
            stacked.data[(y * w * 4) as usize..((y + band.h) * w * 4) as usize].copy_from_slice(&part.data);
        }
        assert!(whole.data.iter().any(|&v| v > 0));
        let differ = whole.data.iter().zip(&stacked.data).filter(|(a, b)| a != b).count();
        assert_eq!(differ, 0, "values where the bands differ from the whole picture");
    }

    #[test]
    fn text_off_the_image_leaves_it_alone_and_the_rest_is_clipped() {
        let page = Image::filled(200, 100, 3, [255, 255, 255, 255]);
        let far = draw(page.clone(), &text("txt=Far&txt-size=40&txt-x=-100000&txt-y=50"), 1.0).unwrap();
        assert_eq!(far.data, page.data);
        // A box a million px wide with a million px of padding: only what is over the image is drawn.
        let huge = draw(page, &text("txt=Box&txt-width=1000000&txt-bg=ff0000&txt-pad=1000000&txt-x=0&txt-y=0"), 1.0).unwrap();
        assert_eq!((huge.width, huge.height), (200, 100));
        assert_eq!(huge.pixel(100, 50)[..3], [255, 0, 0]);
    }

    #[test]
    fn texts_past_the_limit_are_cut_and_said_so() {
        let long = "abc".repeat(2000);
        let params = crate::params::parse(&format!("txt={long}")).unwrap();
        let notes = notes(&params.layers.texts);
        assert_eq!(notes, vec!["txt (6000 characters; the first 4096 are set)".to_string()]);
        assert_eq!(limited(params.layers.texts.get(&0).unwrap()).chars().count(), MAX_CHARS);
    }

    #[test]
    fn typeset_pictures_stay_within_their_pixel_budget() {
        let t = text(&format!("txt={}&txt-size=2048&txt-width=100000", "wrap me ".repeat(50)));
        let p = typeset(&t, 1.0, 8192).unwrap();
        assert_eq!(p.width, 8192);
        assert!(f64::from(p.width) * f64::from(p.height) <= TYPESET_PIXELS, "{}x{}", p.width, p.height);
    }
}
