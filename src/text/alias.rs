//! `txt-font` names → the bundled families. imgix accepts a CSS generic family or one of the
//! (mostly proprietary) faces it has installed, optionally followed by `,bold` and `,italic`.
//! ixora bundles only freely licensed faces, so each name is mapped to the bundled family that
//! looks most like it, plus the weight and style its name implies.

/// A bundled font family (see `fonts/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Liberation Sans: metric-compatible with Arial and Helvetica.
    Sans,
    /// Liberation Serif: Times, Times New Roman.
    Serif,
    /// Liberation Mono: Courier, Courier New.
    Mono,
    /// DejaVu Sans (regular and bold): the wide humanist sans, and the widest symbol coverage.
    Verdana,
    /// Comic Neue: Comic Sans and the handwriting and script faces.
    Cursive,
    Arabic,
    Hebrew,
    Devanagari,
    Thai,
    Armenian,
    Georgian,
    Bengali,
    Tamil,
    /// Droid Sans Fallback: Chinese, Japanese and Korean.
    Cjk,
    /// Noto Emoji (monochrome).
    Emoji,
}

impl Family {
    /// The bundled family's name.
    pub fn name(self) -> &'static str {
        match self {
            Family::Sans => "Liberation Sans",
            Family::Serif => "Liberation Serif",
            Family::Mono => "Liberation Mono",
            Family::Verdana => "DejaVu Sans",
            Family::Cursive => "Comic Neue",
            Family::Arabic => "Noto Sans Arabic",
            Family::Hebrew => "Noto Sans Hebrew",
            Family::Devanagari => "Noto Sans Devanagari",
            Family::Thai => "Noto Sans Thai",
            Family::Armenian => "Noto Sans Armenian",
            Family::Georgian => "Noto Sans Georgian",
            Family::Bengali => "Noto Sans Bengali",
            Family::Tamil => "Noto Sans Tamil",
            Family::Cjk => "Droid Sans Fallback",
            Family::Emoji => "Noto Emoji",
        }
    }
}

/// What a `txt-font` value asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub family: Family,
    pub bold: bool,
    pub italic: bool,
}

use Family::*;

/// Normalised family keys (see [`normalise`]); a name takes the longest key that is a prefix of it.
/// Grouped by stand-in; `markdown()` lists them sorted.
const ALIASES: &[(&str, Family)] = &[
    // sans
    ("arial", Sans),
    ("avenir", Sans),
    ("din", Sans),
    ("freesans", Sans),
    ("futura", Sans),
    ("galvji", Sans),
    ("gillsans", Sans),
    ("helvetica", Sans),
    ("impact", Sans),
    ("lato", Sans),
    ("liberationsans", Sans),
    ("microsoftsansserif", Sans),
    ("nimbussan", Sans),
    ("notosans", Sans),
    ("optima", Sans),
    ("ptsans", Sans),
    ("seravek", Sans),
    ("skia", Sans),
    ("trebuchet", Sans),
    ("urwgothic", Sans),
    // display faces: no bundled display face, a plain sans keeps the text readable
    ("herculanum", Sans),
    ("papyrus", Sans),
    ("phosphate", Sans),
    // serif
    ("americantypewriter", Serif),
    ("athelas", Serif),
    ("baskerville", Serif),
    ("bigcaslon", Serif),
    ("bodoni", Serif),
    ("c059", Serif),
    ("centurysch", Serif),
    ("charter", Serif),
    ("cochin", Serif),
    ("copperplate", Serif),
    ("dejavuserif", Serif),
    ("didot", Serif),
    ("freeserif", Serif),
    ("georgia", Serif),
    ("hoefler", Serif),
    ("iowan", Serif),
    ("liberationserif", Serif),
    ("luminari", Serif),
    ("marion", Serif),
    ("nimbusrom", Serif),
    ("notoserif", Serif),
    ("p052", Serif),
    ("palatino", Serif),
    ("ptserif", Serif),
    ("rockwell", Serif),
    ("superclarendon", Serif),
    ("times", Serif),
    ("trattatello", Serif),
    ("urwbookman", Serif),
    ("urwpalladio", Serif),
    // monospaced
    ("andalemono", Mono),
    ("courier", Mono),
    ("dejavusansmono", Mono),
    ("freemono", Mono),
    ("liberationmono", Mono),
    ("menlo", Mono),
    ("monaco", Mono),
    ("mplus1code", Mono),
    ("nimbusmon", Mono),
    ("notomono", Mono),
    ("ptmono", Mono),
    // wide humanist sans
    ("dejavusans", Verdana),
    ("geneva", Verdana),
    ("lucidagrande", Verdana),
    ("tahoma", Verdana),
    ("verdana", Verdana),
    // symbols, dingbats, braille, maths: DejaVu Sans covers the most of them
    ("applebraille", Verdana),
    ("applesymbols", Verdana),
    ("bodoniornaments", Verdana),
    ("d050000l", Verdana),
    ("dingbats", Verdana),
    ("hoeflertextornaments", Verdana),
    ("lastresort", Verdana),
    ("standardsym", Verdana),
    ("stix", Verdana),
    ("symbol", Verdana),
    ("webdings", Verdana),
    ("wingdings", Verdana),
    ("zapfdingbats", Verdana),
    // handwriting and script
    ("applechancery", Cursive),
    ("bradleyhand", Cursive),
    ("brushscript", Cursive),
    ("chalkboard", Cursive),
    ("chalkduster", Cursive),
    ("comicneue", Cursive),
    ("comicsans", Cursive),
    ("markerfelt", Cursive),
    ("noteworthy", Cursive),
    ("savoyelet", Cursive),
    ("signpainter", Cursive),
    ("snellroundhand", Cursive),
    ("urwchancery", Cursive),
    ("z003", Cursive),
    ("zapfino", Cursive),
    // Arabic
    ("albayan", Arabic),
    ("alnile", Arabic),
    ("altarikh", Arabic),
    ("baghdad", Arabic),
    ("beirut", Arabic),
    ("damascus", Arabic),
    ("decotypenaskh", Arabic),
    ("diwan", Arabic),
    ("farah", Arabic),
    ("farisi", Arabic),
    ("geezapro", Arabic),
    ("kufistandard", Arabic),
    ("muna", Arabic),
    ("nadeem", Arabic),
    ("notonastaliq", Arabic),
    ("notosansarabic", Arabic),
    ("sana", Arabic),
    ("waseem", Arabic),
    // Hebrew
    ("arialhebrew", Hebrew),
    ("corsivahebrew", Hebrew),
    ("newpeninim", Hebrew),
    ("notosanshebrew", Hebrew),
    ("raanana", Hebrew),
    // Devanagari
    ("devanagari", Devanagari),
    ("itfdevanagari", Devanagari),
    ("kohinoordevanagari", Devanagari),
    ("notosansdevanagari", Devanagari),
    ("shreedev", Devanagari),
    // Thai
    ("ayuthaya", Thai),
    ("krungthep", Thai),
    ("notosansthai", Thai),
    ("sathu", Thai),
    ("silom", Thai),
    ("sukhumvit", Thai),
    ("thonburi", Thai),
    // Armenian, Georgian, Bengali, Tamil
    ("mshtakan", Armenian),
    ("notosansarmenian", Armenian),
    ("notosansgeorgian", Georgian),
    ("bangla", Bengali),
    ("kohinoorbangla", Bengali),
    ("notosansbengali", Bengali),
    ("inaimathi", Tamil),
    ("notosanstamil", Tamil),
    ("tamil", Tamil),
    // Chinese, Japanese, Korean
    ("applegothic", Cjk),
    ("applemyungjo", Cjk),
    ("applesdgothic", Cjk),
    ("aquakana", Cjk),
    ("bizud", Cjk),
    ("delagothic", Cjk),
    ("dfwawa", Cjk),
    ("dotgothic", Cjk),
    ("droidsansfallback", Cjk),
    ("fzlt", Cjk),
    ("hachimarupop", Cjk),
    ("hannotate", Cjk),
    ("hanzipen", Cjk),
    ("hinamincho", Cjk),
    ("hira", Cjk),
    ("ibmplexsansjp", Cjk),
    ("jcfg", Cjk),
    ("jchead", Cjk),
    ("jckg", Cjk),
    ("jcsmpc", Cjk),
    ("kaisei", Cjk),
    ("kiwimaru", Cjk),
    ("klee", Cjk),
    ("kosugi", Cjk),
    ("lihei", Cjk),
    ("lisong", Cjk),
    ("mochiypop", Cjk),
    ("mplus", Cjk),
    ("murecho", Cjk),
    ("nanum", Cjk),
    ("newtegomin", Cjk),
    ("notosansjp", Cjk),
    ("notoserifjp", Cjk),
    ("osaka", Cjk),
    ("pingfang", Cjk),
    ("pottaone", Cjk),
    ("rampartone", Cjk),
    ("reggaeone", Cjk),
    ("rocknrollone", Cjk),
    ("roundedmplus", Cjk),
    ("sawarabi", Cjk),
    ("shippori", Cjk),
    ("stbaoli", Cjk),
    ("stfangsong", Cjk),
    ("stheiti", Cjk),
    ("stick", Cjk),
    ("stkaiti", Cjk),
    ("stlibian", Cjk),
    ("stsong", Cjk),
    ("stxihei", Cjk),
    ("stxingkai", Cjk),
    ("styuanti", Cjk),
    ("trainone", Cjk),
    ("tsuku", Cjk),
    ("weibei", Cjk),
    ("yomogi", Cjk),
    ("yugo", Cjk),
    ("yuji", Cjk),
    ("yumin", Cjk),
    ("yuppy", Cjk),
    ("yusei", Cjk),
    ("zen", Cjk),
    // emoji
    ("applecoloremoji", Emoji),
    ("notoemoji", Emoji),
    // Scripts with no bundled face: not covered. Sans gives the Latin a plain look; the
    // fallback chain picks whatever covers the characters. (`notosans` above takes the
    // historic and minority Noto Sans scripts the same way.)
    ("euphemia", Sans),            // Canadian syllabics
    ("gujarati", Sans),            // Gujarati
    ("kohinoorgujarati", Sans),    // Gujarati
    ("gurmukhi", Sans),            // Gurmukhi
    ("monotypegurmukhi", Sans),    // Gurmukhi
    ("muktamahee", Sans),          // Gurmukhi
    ("kailasa", Sans),             // Tibetan
    ("kokonor", Sans),             // Tibetan
    ("kannada", Sans),             // Kannada
    ("kefa", Sans),                // Ethiopic
    ("khmer", Sans),               // Khmer
    ("kohinoortelugu", Sans),      // Telugu
    ("telugu", Sans),              // Telugu
    ("lao", Sans),                 // Lao
    ("malayalam", Sans),           // Malayalam
    ("myanmar", Sans),             // Myanmar
    ("notoserifmyanmar", Sans),    // Myanmar
    ("notoserifbalinese", Sans),   // Balinese
    ("oriya", Sans),               // Oriya
    ("plantagenetcherokee", Sans), // Cherokee
    ("sinhala", Sans),             // Sinhala
    // a script name, not a style: keeps "Italic" from reading as italic
    ("notosansolditalic", Sans),
];

/// Lowercase ASCII without spaces, hyphens and underscores: "Times New Roman" → "timesnewroman".
fn normalise(name: &str) -> String {
    name.chars().filter(|c| !matches!(c, ' ' | '-' | '_')).map(|c| c.to_ascii_lowercase()).collect()
}

/// The bundled family for one font name (without `,bold`/`,italic` items); `None` when no
/// key matches. Bold and italic come from the style words after the family key.
pub fn lookup(name: &str) -> Option<Wanted> {
    let n = normalise(name.trim().trim_matches(|c| c == '"' || c == '\''));
    let plain = |family| Some(Wanted { family, bold: false, italic: false });
    // CSS generic families and the newer system keywords: exact names, not prefixes.
    match n.as_str() {
        "sansserif" | "systemui" | "uisansserif" | "uirounded" => return plain(Sans),
        "serif" | "uiserif" => return plain(Serif),
        "monospace" | "uimonospace" => return plain(Mono),
        "cursive" => return plain(Cursive),
        "emoji" => return plain(Emoji),
        // No bundled display face: a bold sans is the closest to the heavy faces browsers use.
        "fantasy" => return Some(Wanted { family: Sans, bold: true, italic: false }),
        _ => {}
    }
    let (key, family) = ALIASES.iter().filter(|(k, _)| n.starts_with(k)).max_by_key(|(k, _)| k.len())?;
    let rest = &n[key.len()..];
    let bold = ["bold", "black", "heavy", "demi", "bd"].iter().any(|w| rest.contains(w));
    // "ital"/"obli" also catch URW's abbreviations (Ital, Obli); "it"/"ita" end Bodoni's BookIt.
    let italic =
        ["ital", "obli", "inclined"].iter().any(|w| rest.contains(w)) || rest.ends_with("it") || rest.ends_with("ita");
    Some(Wanted { family: *family, bold, italic })
}

/// A whole `txt-font` value: a name, then optional `bold`/`italic` items, comma-separated.
/// An empty or unknown name is imgix's default, Helvetica.
pub fn resolve(value: &str) -> Wanted {
    let mut items = value.split(',').map(str::trim);
    let name = items.next().unwrap_or("");
    let mut wanted = lookup(if name.is_empty() { "Helvetica" } else { name }).unwrap_or(Wanted {
        family: Sans,
        bold: false,
        italic: false,
    });
    for item in items {
        if item.eq_ignore_ascii_case("bold") {
            wanted.bold = true;
        } else if item.eq_ignore_ascii_case("italic") {
            wanted.italic = true;
        }
    }
    wanted
}

/// docs/fonts.md: the bundled families, how a name is resolved, and every key.
pub fn markdown() -> String {
    let mut s = String::from(
        "# Fonts\n\n\
         Generated from `src/text/alias.rs` by `IXORA_BLESS=1 cargo test --lib text::alias`; do not edit.\n\n\
         imgix's `txt-font` names Apple and Microsoft faces that cannot be redistributed, so ixora maps \
         each name to the bundled family (`fonts/`) that looks most like it:\n\n\
         | family | stands in for | licence |\n\
         |---|---|---|\n\
         | Liberation Sans, Serif, Mono | Arial/Helvetica, Times, Courier and the plain sans, serif and monospaced faces | OFL-1.1 |\n\
         | DejaVu Sans | Verdana, Tahoma, Lucida Grande, Geneva; symbol, dingbat and braille faces | Bitstream Vera licence; DejaVu changes public domain |\n\
         | Comic Neue | Comic Sans and the handwriting and script faces | OFL-1.1 |\n\
         | Noto Sans Arabic, Hebrew, Devanagari, Thai, Armenian, Georgian, Bengali, Tamil | the faces for those scripts | OFL-1.1 |\n\
         | Droid Sans Fallback | Chinese, Japanese and Korean faces | Apache-2.0 |\n\
         | Noto Emoji | Apple Color Emoji (monochrome) | OFL-1.1 |\n\n\
         Resolution:\n\n\
         1. The value is split at commas; items after the first may be `bold` and `italic` (any case).\n\
         2. The CSS generic families are exact names: `sans-serif`, `system-ui`, `ui-sans-serif`, \
         `ui-rounded` → Liberation Sans; `serif`, `ui-serif` → Liberation Serif; `monospace`, \
         `ui-monospace` → Liberation Mono; `cursive` → Comic Neue; `emoji` → Noto Emoji; `fantasy` → \
         Liberation Sans bold (there is no bundled display face).\n\
         3. Otherwise the name is normalised (lowercase, spaces, hyphens and underscores removed) and \
         takes the longest key below that is a prefix of it: `HelveticaNeue-Light` and `Helvetica Neue` \
         both match `helvetica`, `ArialHebrew-Bold` matches `arialhebrew` rather than `arial`.\n\
         4. The rest of the name gives the style: bold for `bold`, `black`, `heavy`, `demi`, `bd`; \
         italic for `ital`, `obli`, `inclined`, or a trailing `it`/`ita`. The `,bold` and `,italic` \
         items add to that.\n\
         5. An empty or unknown name is imgix's default, Helvetica → Liberation Sans, keeping the \
         `,bold`/`,italic` items.\n\n\
         Scripts without a bundled face (Gujarati, Gurmukhi, Telugu, Kannada, Malayalam, Oriya, \
         Sinhala, Khmer, Lao, Myanmar, Tibetan, Ethiopic, Cherokee, Canadian syllabics and the \
         historic Noto Sans scripts) map to Liberation Sans; characters a face lacks are the text \
         layout's fallback to handle, not this table's.\n\n\
         | key | family |\n\
         |---|---|\n",
    );
    let mut keys: Vec<_> = ALIASES.to_vec();
    keys.sort_by_key(|(k, _)| *k);
    for (key, family) in keys {
        s.push_str(&format!("| `{key}` | {} |\n", family.name()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(family: Family, bold: bool, italic: bool) -> Wanted {
        Wanted { family, bold, italic }
    }

    #[test]
    fn resolves_the_usual_names() {
        let cases = [
            ("Helvetica", w(Sans, false, false)),
            ("Helvetica-Bold", w(Sans, true, false)),
            ("HelveticaNeue-BoldItalic", w(Sans, true, true)),
            ("HelveticaNeue-Light", w(Sans, false, false)),
            ("Helvetica Neue,italic", w(Sans, false, true)),
            ("Times New Roman,bold", w(Serif, true, false)),
            ("TimesNewRomanPS-BoldItalicMT", w(Serif, true, true)),
            ("Courier", w(Mono, false, false)),
            ("Courier-Oblique", w(Mono, false, true)),
            ("ArialHebrew-Bold", w(Hebrew, true, false)),
            ("ArialRoundedMTBold", w(Sans, true, false)),
            ("Arial-Black", w(Sans, true, false)),
            ("AppleColorEmoji", w(Emoji, false, false)),
            ("HiraginoSans-W3", w(Cjk, false, false)),
            ("sans-serif,bold,italic", w(Sans, true, true)),
            ("Serif", w(Serif, false, false)),
            ("monospace,Bold", w(Mono, true, false)),
            ("cursive", w(Cursive, false, false)),
            ("fantasy", w(Sans, true, false)),
            ("Verdana", w(Verdana, false, false)),
            ("nonsense-font,italic", w(Sans, false, true)),
            ("", w(Sans, false, false)),
            (",bold", w(Sans, true, false)),
            (" Georgia , ITALIC ", w(Serif, false, true)),
            ("NotoSansOldItalic-Regular", w(Sans, false, false)),
            ("NotoSansArmenian-Bold", w(Armenian, true, false)),
            ("NotoSerifJP-Black", w(Cjk, true, false)),
            ("MPLUS1Code-Bold", w(Mono, true, false)),
            ("C059-BdIta", w(Serif, true, true)),
            ("BodoniSvtyTwoOSITCTT-BookIt", w(Serif, false, true)),
            ("URWBookmanL-DemiBoldItal", w(Serif, true, true)),
            ("NewPeninimMT-BoldInclined", w(Hebrew, true, true)),
            ("HoeflerText-Ornaments", w(Verdana, false, false)),
            ("Thonburi-Light", w(Thai, false, false)),
            ("KohinoorBangla-Semibold", w(Bengali, true, false)),
            ("InaiMathi", w(Tamil, false, false)),
            ("ITFDevanagari-Demi", w(Devanagari, true, false)),
            ("GeezaPro-Bold", w(Arabic, true, false)),
            ("Mshtakan", w(Armenian, false, false)),
            ("ComicSansMS-Bold", w(Cursive, true, false)),
            ("STIXGeneral-Italic", w(Verdana, false, true)),
        ];
        let mut wrong = Vec::new();
        for (value, want) in cases {
            let have = resolve(value);
            if have != want {
                wrong.push(format!("{value:?}: {have:?}, want {want:?}"));
            }
        }
        assert!(wrong.is_empty(), "{}", wrong.join("\n"));
        assert_eq!(lookup("nonsense-font"), None);
        assert_eq!(lookup(""), None);
    }

    #[test]
    fn keys_are_normalised_unique_and_every_family_is_used() {
        let mut seen = std::collections::HashSet::new();
        for (key, _) in ALIASES {
            assert_eq!(*key, normalise(key), "{key} is not normalised");
            assert!(seen.insert(*key), "{key} twice");
        }
        for f in [
            Sans, Serif, Mono, Verdana, Cursive, Arabic, Hebrew, Devanagari, Thai, Armenian, Georgian, Bengali, Tamil,
            Cjk, Emoji,
        ] {
            assert!(ALIASES.iter().any(|(_, g)| *g == f), "{f:?} has no key");
        }
    }

    /// Every face imgix lists is matched by a key, not by the Helvetica fallback.
    #[test]
    fn every_imgix_font_has_a_key() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/imgix-parameters.json");
        let Ok(text) = std::fs::read_to_string(path) else {
            println!("skipped: ../shared/spec/imgix-parameters.json is absent");
            return;
        };
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let names: Vec<&str> = json["fontValues"].as_array().unwrap().iter().filter_map(|v| v.as_str()).collect();
        assert!(names.len() > 900, "fontValues has only {} names", names.len());
        if std::env::var_os("IXORA_FONTS_LIST").is_some() {
            for name in &names {
                println!("{name}\t{:?}", lookup(name));
            }
        }
        let misses: Vec<&str> = names.iter().copied().filter(|n| lookup(n).is_none()).collect();
        assert!(misses.is_empty(), "{} fontValues without a key: {}", misses.len(), misses.join(", "));
    }

    /// docs/fonts.md is generated from the table; `IXORA_BLESS=1` rewrites it.
    #[test]
    fn fonts_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/fonts.md");
        let want = markdown();
        if std::env::var_os("IXORA_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/fonts.md is stale: run `IXORA_BLESS=1 cargo test --lib text::alias`");
    }
}
