//! Placeholder until the alias table lands (replaced by the h/alias branch).

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    Sans,
    Serif,
    Mono,
    Verdana,
    Cursive,
    Arabic,
    Hebrew,
    Devanagari,
    Thai,
    Armenian,
    Georgian,
    Bengali,
    Tamil,
    Cjk,
    Emoji,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    pub family: Family,
    pub bold: bool,
    pub italic: bool,
}

pub fn resolve(value: &str) -> Wanted {
    let items: Vec<String> = value.split(',').map(|s| s.trim().to_ascii_lowercase()).collect();
    let family = match items[0].as_str() {
        "serif" => Family::Serif,
        "monospace" => Family::Mono,
        _ => Family::Sans,
    };
    Wanted { family, bold: items.iter().any(|i| i == "bold"), italic: items.iter().any(|i| i == "italic") }
}
