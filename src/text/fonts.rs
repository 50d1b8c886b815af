//! The bundled faces (`fonts/`, embedded deflated by build.rs) and which one draws a character.
//! A face is inflated the first time a render draws with it, once per instance.

use std::sync::{LazyLock, OnceLock};

use super::alias::{Family, Wanted};
use crate::error::{Error, Result};

include!(concat!(env!("OUT_DIR"), "/fonts.rs"));

/// One font file of `fonts/<folder>/<name>.ttf|otf`.
#[derive(Debug)]
pub struct EmbeddedFace {
    pub name: &'static str,
    pub folder: &'static str,
    /// Bytes once inflated.
    pub len: usize,
    pub deflated: &'static [u8],
    /// The characters its cmap maps to a real glyph, as sorted inclusive ranges.
    pub chars: &'static [(u32, u32)],
}

impl EmbeddedFace {
    pub fn has(&self, c: char) -> bool {
        let c = c as u32;
        self.chars
            .binary_search_by(|&(a, b)| {
                if b < c {
                    std::cmp::Ordering::Less
                } else if a > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    fn style(&self) -> &str {
        self.name.split_once('-').map_or("Regular", |(_, s)| s)
    }

    pub fn bold(&self) -> bool {
        self.style().contains("Bold")
    }

    pub fn italic(&self) -> bool {
        self.style().contains("Italic")
    }
}

/// An index into `FACES`.
pub type FaceId = usize;

static INFLATED: LazyLock<Vec<OnceLock<Vec<u8>>>> = LazyLock::new(|| FACES.iter().map(|_| OnceLock::new()).collect());

/// The font file of face `id`, inflated on first use.
pub fn bytes(id: FaceId) -> Result<&'static [u8]> {
    let face = FACES.get(id).ok_or_else(|| Error::internal(format!("no bundled face {id}")))?;
    let cell = INFLATED.get(id).ok_or_else(|| Error::internal(format!("no bundled face {id}")))?;
    if let Some(b) = cell.get() {
        return Ok(b);
    }
    let inflated = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(face.deflated, face.len)
        .map_err(|e| Error::internal(format!("bundled font {} does not inflate: {e:?}", face.name)))?;
    Ok(cell.get_or_init(|| inflated))
}

/// The file name stem each family's faces start with.
fn stem(family: Family) -> &'static str {
    match family {
        Family::Sans => "LiberationSans",
        Family::Serif => "LiberationSerif",
        Family::Mono => "LiberationMono",
        Family::Verdana => "DejaVuSans",
        Family::Cursive => "ComicNeue",
        Family::Arabic => "NotoSansArabic",
        Family::Hebrew => "NotoSansHebrew",
        Family::Devanagari => "NotoSansDevanagari",
        Family::Thai => "NotoSansThai",
        Family::Armenian => "NotoSansArmenian",
        Family::Georgian => "NotoSansGeorgian",
        Family::Bengali => "NotoSansBengali",
        Family::Tamil => "NotoSansTamil",
        Family::Cjk => "DroidSansFallback",
        Family::Emoji => "NotoEmoji",
    }
}

/// A face chosen for a wanted style, and what must be made up because the family lacks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chosen {
    pub id: FaceId,
    /// Drawn emboldened (the family has no bold face).
    pub fake_bold: bool,
    /// Drawn slanted (the family has no italic face).
    pub fake_italic: bool,
}

/// The family's face closest to the wanted style: the exact one, else the same weight upright,
/// else any face of the family; what is missing is made up when drawn, as browsers do.
pub fn choose(family: Family, bold: bool, italic: bool) -> Chosen {
    let stem = stem(family);
    let faces = || FACES.iter().enumerate().filter(|(_, f)| f.name.split('-').next() == Some(stem));
    let score = |f: &EmbeddedFace| (f.bold() == bold) as u8 * 2 + (f.italic() == italic) as u8;
    let (id, face) = faces()
        .max_by_key(|(i, f)| (score(f), std::cmp::Reverse(*i)))
        .or_else(|| FACES.iter().enumerate().next())
        .expect("fonts/ holds faces");
    Chosen { id, fake_bold: bold && !face.bold(), fake_italic: italic && !face.italic() }
}

/// The faces tried for each character, in order: the wanted one, Liberation Sans, Noto Emoji
/// and the Noto script faces (before DejaVu Sans, whose few emoji and plainer Arabic would
/// otherwise win), DejaVu's symbols, and CJK.
pub fn chain(wanted: Wanted) -> Vec<Chosen> {
    let Wanted { family, bold, italic } = wanted;
    let mut out = vec![choose(family, bold, italic)];
    let others = [
        Family::Sans,
        Family::Emoji,
        Family::Arabic,
        Family::Hebrew,
        Family::Devanagari,
        Family::Bengali,
        Family::Tamil,
        Family::Thai,
        Family::Armenian,
        Family::Georgian,
        Family::Verdana,
        Family::Cjk,
    ];
    for f in others {
        let c = choose(f, bold, italic);
        if !out.iter().any(|o| o.id == c.id) {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_face_parses_and_maps_its_characters() {
        assert!(FACES.len() >= 30, "{} faces", FACES.len());
        for (id, f) in FACES.iter().enumerate() {
            let face = rustybuzz::Face::from_slice(bytes(id).unwrap(), 0).unwrap_or_else(|| panic!("{}", f.name));
            assert_eq!(bytes(id).unwrap().len(), f.len);
            // A character the coverage claims maps to a glyph in the inflated face.
            let (a, _) = *f.chars.iter().find(|(a, _)| *a >= 0x21).unwrap_or(&f.chars[0]);
            let c = char::from_u32(a).unwrap();
            assert!(f.has(c), "{}", f.name);
            assert!(face.glyph_index(c).is_some_and(|g| g.0 != 0), "{} {c:?}", f.name);
        }
    }

    #[test]
    fn styles_are_chosen_or_made_up() {
        let name = |c: Chosen| FACES[c.id].name;
        assert_eq!(name(choose(Family::Sans, true, true)), "LiberationSans-BoldItalic");
        assert_eq!(name(choose(Family::Serif, false, false)), "LiberationSerif-Regular");
        let dejavu = choose(Family::Verdana, true, true);
        assert_eq!((name(dejavu), dejavu.fake_bold, dejavu.fake_italic), ("DejaVuSans-Bold", false, true));
        let cjk = choose(Family::Cjk, true, false);
        assert_eq!((name(cjk), cjk.fake_bold), ("DroidSansFallback", true));
    }

    #[test]
    fn the_chain_covers_many_scripts() {
        let chain = chain(Wanted { family: Family::Sans, bold: false, italic: false });
        for c in ['A', 'é', 'Ж', 'Ω', 'ש', 'ب', 'क', 'ক', 'த', 'ก', 'Ա', 'ა', '漢', 'か', '한', '😀', '→']
        {
            assert!(chain.iter().any(|f| FACES[f.id].has(c)), "{c:?} has no face");
        }
    }
}
