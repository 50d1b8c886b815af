//! Text set into lines: paragraphs at `\n`, bidi levels (UAX #9), a face per character from the
//! fallback chain, shaping by rustybuzz (kerning, ligatures, marks, joining scripts), line
//! breaks at UAX #14 opportunities, tracking and leading. Positions are px, y down, with the
//! block's top-left at the origin; lines are as tall as a browser's `line-height: normal`.

use std::collections::HashMap;
use std::ops::Range;

use rustybuzz::{Direction, Face, UnicodeBuffer};
use unicode_bidi::BidiInfo;

use super::alias::Wanted;
use super::fonts::{self, Chosen, FACES};
use crate::error::Result;

/// What to set.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spec<'a> {
    pub text: &'a str,
    pub wanted: Wanted,
    /// Font size, px (the em).
    pub size: f32,
    /// Extra advance after each character, px (`txt-track`).
    pub track: f32,
    /// Extra space between lines, px (`txt-lead`).
    pub lead: f32,
    /// Lines wrap to this width, px; `None`: a paragraph is one line.
    pub wrap: Option<f32>,
    /// Lines past this many are left out (a hostile text would otherwise make an endless block).
    pub max_lines: usize,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Glyph {
    pub face: Chosen,
    pub id: u16,
    /// Pen position on the baseline, px.
    pub x: f32,
    pub y: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    /// The line's glyphs in `Block::glyphs`.
    pub glyphs: Range<usize>,
    /// Advance width without trailing spaces, px.
    pub width: f32,
    pub baseline: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub glyphs: Vec<Glyph>,
    pub lines: Vec<Line>,
    pub size: f32,
    /// The widest line, px.
    pub width: f32,
    /// Lines' heights with the leading between them, px.
    pub height: f32,
    /// Line height without leading, and the ascent, px.
    pub line_height: f32,
    pub ascent: f32,
}

impl Block {
    /// Moves each line so it sits at the start, centre or end (`k` = 0, 0.5, 1) of `width`.
    pub fn align(&mut self, width: f32, k: f32) {
        for line in &self.lines {
            let dx = ((width - line.width) * k).round();
            for g in &mut self.glyphs[line.glyphs.clone()] {
                g.x += dx;
            }
        }
    }
}

/// The shaped faces of one layout, parsed once each.
struct Faces(HashMap<usize, Face<'static>>);

impl Faces {
    fn get(&mut self, id: usize) -> Result<&Face<'static>> {
        if !self.0.contains_key(&id) {
            let face = Face::from_slice(fonts::bytes(id)?, 0)
                .ok_or_else(|| crate::Error::internal(format!("bundled font {} does not parse", FACES[id].name)))?;
            self.0.insert(id, face);
        }
        Ok(&self.0[&id])
    }
}

/// Sets `spec.text` into a block.
pub fn set(spec: &Spec) -> Result<Block> {
    let chain = fonts::chain(spec.wanted);
    let mut faces = Faces(HashMap::new());
    let (above, below) = metrics(faces.get(chain[0].id)?, spec.size);
    let mut block = Block {
        glyphs: Vec::new(),
        lines: Vec::new(),
        size: spec.size,
        width: 0.0,
        height: 0.0,
        line_height: above + below,
        ascent: above,
    };
    let mut top = 0.0f32;
    for para in spec.text.split('\n') {
        let para = para.trim_end_matches('\r');
        let info = BidiInfo::new(para, None);
        let faced = face_per_char(para, &chain);
        let runs = items(para, &info, &faced);
        // Each character's advance, for choosing breaks.
        let mut advance = vec![0.0f32; para.len() + 1];
        for run in &runs {
            let shaped = shape(&mut faces, para, run, spec)?;
            for (cluster, adv) in shaped.clusters {
                advance[cluster] += adv;
            }
        }
        for range in breaks(para, &advance, spec.wrap) {
            if block.lines.len() >= spec.max_lines {
                break;
            }
            let range = range.start..range.start + para[range.clone()].trim_end().len();
            let first = block.glyphs.len();
            let mut pen = 0.0f32;
            if !range.is_empty() {
                let para_info = &info.paragraphs[0];
                let (_, visual) = info.visual_runs(para_info, range.clone());
                for level_run in visual {
                    let mut pieces: Vec<&Item> = runs
                        .iter()
                        .filter(|r| r.range.start < level_run.end && r.range.end > level_run.start)
                        .collect();
                    if pieces.first().is_some_and(|p| p.rtl) {
                        pieces.reverse();
                    }
                    for piece in pieces {
                        let cut = Item {
                            range: piece.range.start.max(level_run.start)..piece.range.end.min(level_run.end),
                            ..*piece
                        };
                        let shaped = shape(&mut faces, para, &cut, spec)?;
                        for mut g in shaped.glyphs {
                            g.x += pen;
                            block.glyphs.push(g);
                        }
                        pen += shaped.width;
                    }
                }
            }
            // As CSS's `line-height: normal`, the line is tall enough for every face it uses.
            let (mut up, mut down) = (above, below);
            let mut seen: Vec<usize> = Vec::new();
            for g in &block.glyphs[first..] {
                if !seen.contains(&g.face.id) {
                    seen.push(g.face.id);
                    let (a, b) = metrics(faces.get(g.face.id)?, spec.size);
                    (up, down) = (up.max(a), down.max(b));
                }
            }
            if !block.lines.is_empty() {
                top += spec.lead;
            }
            let baseline = top + up;
            for g in &mut block.glyphs[first..] {
                g.y += baseline;
            }
            top += up + down;
            block.width = block.width.max(pen);
            block.lines.push(Line { glyphs: first..block.glyphs.len(), width: pen, baseline });
        }
    }
    block.height = top;
    Ok(block)
}

/// A face's room above and below the baseline at `size`, in whole px as Chromium rounds them:
/// ascent, descent and line gap each rounded, half the gap (rounded down) above the ascent.
fn metrics(face: &Face, size: f32) -> (f32, f32) {
    let scale = size / face.units_per_em().max(1) as f32;
    let ascent = (f32::from(face.ascender()) * scale).round();
    let descent = (-f32::from(face.descender()) * scale).round();
    let gap = (f32::from(face.line_gap()).max(0.0) * scale).round();
    let half = (gap / 2.0).floor();
    (ascent + half, descent + gap - half)
}

/// A stretch of a paragraph drawn with one face at one bidi level.
#[derive(Debug, Clone)]
struct Item {
    range: Range<usize>,
    face: Chosen,
    rtl: bool,
}

/// For each character (by byte offset), the first face of the chain that has it. Marks, joiners
/// and variation selectors stay with the character before them, so a cluster is shaped by one
/// face.
fn face_per_char(para: &str, chain: &[Chosen]) -> Vec<(usize, Chosen)> {
    let mut out: Vec<(usize, Chosen)> = Vec::new();
    for (i, c) in para.char_indices() {
        let joins = is_attached(c) && !out.is_empty();
        let face = match out.last() {
            Some(&(_, prev)) if joins || (c == ' ' && FACES[prev.id].has(' ')) => prev,
            _ => *chain.iter().find(|f| FACES[f.id].has(c)).unwrap_or(&chain[0]),
        };
        out.push((i, face));
    }
    out
}

/// Characters drawn as part of the one before them.
pub(crate) fn is_attached(c: char) -> bool {
    matches!(c as u32,
        0x0300..=0x036F | 0x0483..=0x0489 | 0x0591..=0x05C7 | 0x0610..=0x061A | 0x064B..=0x065F
        | 0x0670 | 0x06D6..=0x06ED | 0x0900..=0x0903 | 0x093A..=0x094F | 0x0951..=0x0957
        | 0x0962..=0x0963 | 0x0981..=0x0983 | 0x09BC..=0x09D7 | 0x0B82 | 0x0BBE..=0x0BCD
        | 0x0E31 | 0x0E34..=0x0E3A | 0x0E47..=0x0E4E | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
        | 0x200C | 0x200D | 0x20D0..=0x20FF | 0xFE00..=0xFE0F | 0xFE20..=0xFE2F
        | 0x1F3FB..=0x1F3FF | 0xE0020..=0xE007F | 0xE0100..=0xE01EF)
}

/// Splits a paragraph where the face or the bidi direction changes.
fn items(para: &str, info: &BidiInfo, faced: &[(usize, Chosen)]) -> Vec<Item> {
    let mut out: Vec<Item> = Vec::new();
    for (k, &(i, face)) in faced.iter().enumerate() {
        let end = faced.get(k + 1).map_or(para.len(), |n| n.0);
        let rtl = info.levels.get(i).is_some_and(|l| l.is_rtl());
        match out.last_mut() {
            Some(last) if last.face == face && last.rtl == rtl && last.range.end == i => last.range.end = end,
            _ => out.push(Item { range: i..end, face, rtl }),
        }
    }
    out
}

struct Shaped {
    /// Glyphs left to right, x from the item's start, y 0.
    glyphs: Vec<Glyph>,
    width: f32,
    /// Advance per cluster (byte offset in the paragraph).
    clusters: Vec<(usize, f32)>,
}

fn shape(faces: &mut Faces, para: &str, item: &Item, spec: &Spec) -> Result<Shaped> {
    let face = faces.get(item.face.id)?;
    let scale = spec.size / face.units_per_em().max(1) as f32;
    let mut buffer = UnicodeBuffer::new();
    buffer.push_str(&para[item.range.clone()]);
    buffer.guess_segment_properties();
    buffer.set_direction(if item.rtl { Direction::RightToLeft } else { Direction::LeftToRight });
    let out = rustybuzz::shape(face, &[], buffer);
    let (mut glyphs, mut clusters) = (Vec::with_capacity(out.len()), Vec::new());
    let mut pen = 0.0f32;
    let mut last_cluster = None;
    for (info, pos) in out.glyph_infos().iter().zip(out.glyph_positions()) {
        let new_cluster = last_cluster != Some(info.cluster);
        last_cluster = Some(info.cluster);
        glyphs.push(Glyph {
            face: item.face,
            id: info.glyph_id as u16,
            x: pen + pos.x_offset as f32 * scale,
            y: -(pos.y_offset as f32) * scale,
        });
        let adv = pos.x_advance as f32 * scale + if new_cluster { spec.track } else { 0.0 };
        pen += adv;
        clusters.push((item.range.start + info.cluster as usize, adv));
    }
    Ok(Shaped { glyphs, width: pen, clusters })
}

/// The lines of a paragraph as byte ranges: greedy filling to `wrap` at UAX #14 opportunities
/// (a word longer than the width stays whole and overflows); trailing spaces do not count.
fn breaks(para: &str, advance: &[f32], wrap: Option<f32>) -> Vec<Range<usize>> {
    let Some(wrap) = wrap else { return vec![0..para.len()] };
    let width = |r: Range<usize>| -> f32 {
        let end = r.start + para[r.clone()].trim_end().len();
        advance[r.start..end].iter().sum()
    };
    let mut out = Vec::new();
    let (mut start, mut fit) = (0usize, None::<usize>);
    for (at, _) in unicode_linebreak::linebreaks(para) {
        if width(start..at) <= wrap + 0.01 {
            fit = Some(at);
            continue;
        }
        match fit {
            Some(f) if f > start => {
                out.push(start..f);
                start = f;
                fit = (width(start..at) <= wrap + 0.01).then_some(at);
                if fit.is_none() {
                    // The word alone is wider than the line.
                    out.push(start..at);
                    start = at;
                }
            }
            _ => {
                out.push(start..at);
                start = at;
            }
        }
    }
    if start < para.len() || out.is_empty() {
        out.push(start..para.len());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::alias::Family;

    fn spec(text: &str, wrap: Option<f32>) -> Spec<'_> {
        Spec {
            text,
            wanted: Wanted { family: Family::Sans, bold: false, italic: false },
            size: 20.0,
            track: 0.0,
            lead: 0.0,
            wrap,
            max_lines: 1000,
        }
    }

    #[test]
    fn advances_follow_the_font_metrics() {
        // Liberation Sans has Arial's advances: H .722, e .556, l .222, o .556 em.
        let b = set(&spec("Hello", None)).unwrap();
        assert_eq!(b.glyphs.len(), 5);
        let em = 0.722 + 0.556 + 0.222 + 0.222 + 0.556;
        assert!((b.width - 20.0 * em).abs() < 0.1, "{}", b.width);
        // Arial's line: ascent 0.905 em, descent 0.212 em, gap 0.033 em, each rounded at 20 px
        // (18, 4, 1), half the gap rounded down above the ascent.
        assert_eq!((b.ascent, b.line_height), (18.0, 23.0));
    }

    #[test]
    fn kerning_and_ligatures_are_shaped() {
        let av = set(&spec("AV", None)).unwrap();
        let a = set(&spec("A", None)).unwrap();
        let v = set(&spec("V", None)).unwrap();
        assert!(av.width < a.width + v.width - 0.5, "AV {} vs {}", av.width, a.width + v.width);
        // Arabic letters join, and lam + alef is one ligature: four letters, three glyphs.
        let ar = set(&spec("سلام", None)).unwrap();
        assert_eq!(ar.glyphs.len(), 3);
        assert!(ar.glyphs.windows(2).all(|w| w[0].x <= w[1].x));
        assert_eq!(FACES[ar.glyphs[0].face.id].name, "NotoSansArabic-Regular");
    }

    #[test]
    fn lines_wrap_at_word_boundaries() {
        let b = set(&spec("one two three four five six", Some(80.0))).unwrap();
        assert!(b.lines.len() >= 3, "{} lines", b.lines.len());
        assert!(b.lines.iter().all(|l| l.width <= 80.0 + 0.01), "{:?}", b.lines);
        assert!((b.height - b.lines.len() as f32 * b.line_height).abs() < 1.0);
        let leaded = set(&Spec { lead: 10.0, ..spec("one two three four five six", Some(80.0)) }).unwrap();
        assert_eq!(leaded.height - b.height, 10.0 * (b.lines.len() as f32 - 1.0));
        // A line with a taller fallback face (Noto Sans Arabic) grows to hold it.
        let mixed = set(&spec("ab سلام", None)).unwrap();
        assert!(mixed.height > b.line_height, "{} vs {}", mixed.height, b.line_height);
        // A hard line break always breaks.
        assert_eq!(set(&spec("a\nb", None)).unwrap().lines.len(), 2);
    }

    #[test]
    fn tracking_adds_per_character() {
        let plain = set(&spec("abcd", None)).unwrap();
        let tracked = set(&Spec { track: 3.0, ..spec("abcd", None) }).unwrap();
        assert!((tracked.width - plain.width - 12.0).abs() < 0.01);
    }

    #[test]
    fn mixed_directions_are_reordered() {
        // "abc" then a Hebrew word: the word sits right of the Latin, its letters right to left,
        // so its last letter (final mem) is drawn first.
        let b = set(&spec("abc שלום", None)).unwrap();
        assert_eq!(b.glyphs.len(), 8);
        assert!(b.glyphs.windows(2).all(|w| w[0].x < w[1].x));
        let face = rustybuzz::Face::from_slice(fonts::bytes(b.glyphs[4].face.id).unwrap(), 0).unwrap();
        let id = |c| face.glyph_index(c).unwrap().0;
        let ids: Vec<u16> = b.glyphs[4..].iter().map(|g| g.id).collect();
        assert_eq!(ids, [id('ם'), id('ו'), id('ל'), id('ש')]);
    }

    #[test]
    fn fallback_finds_cjk_and_emoji() {
        let b = set(&spec("漢😀", None)).unwrap();
        let names: Vec<_> = b.glyphs.iter().map(|g| FACES[g.face.id].name).collect();
        assert_eq!(names, ["DroidSansFallback", "NotoEmoji-Regular"]);
    }
}
