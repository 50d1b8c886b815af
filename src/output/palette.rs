//! `palette=css|json`: the rendered image's main colours (`colors`, default 6, at most 16),
//! its average luminance and six named "dominant" colours (vibrant, muted, … as in Android's
//! Palette, which imgix's names follow), as CSS classes under `prefix` or as JSON.

use serde_json::{json, Map, Value};

use crate::codec::quantize;
use crate::image::Image;

const NAMES: [(&str, [f64; 6]); 6] = [
    // name: min/target/max saturation, min/target/max lightness
    ("vibrant", [0.35, 1.0, 1.0, 0.3, 0.5, 0.7]),
    ("muted_light", [0.0, 0.3, 0.4, 0.55, 0.74, 1.0]),
    ("muted", [0.0, 0.3, 0.4, 0.3, 0.5, 0.7]),
    ("vibrant_dark", [0.35, 1.0, 1.0, 0.0, 0.26, 0.45]),
    ("vibrant_light", [0.35, 1.0, 1.0, 0.55, 0.74, 1.0]),
    ("muted_dark", [0.0, 0.3, 0.4, 0.0, 0.26, 0.45]),
];

#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// Most common first.
    pub colors: Vec<[u8; 3]>,
    pub average_luminance: f64,
    pub dominant: Vec<(&'static str, [u8; 3])>,
}

/// At most ~10 000 pixels are looked at: enough for stable swatches.
fn sample(image: &Image) -> Image {
    let step = ((image.width as f64 * image.height as f64 / 10_000.0).sqrt().ceil() as u32).max(1);
    let (w, h) = (image.width.div_ceil(step), image.height.div_ceil(step));
    let c = image.channels as usize;
    let mut data = Vec::with_capacity((w * h * 3) as usize);
    for y in (0..image.height).step_by(step as usize) {
        for x in (0..image.width).step_by(step as usize) {
            let i = (y as usize * image.width as usize + x as usize) * c;
            data.extend_from_slice(&image.data[i..i + 3]);
        }
    }
    Image::new(w, h, 3, data)
}

/// Swatches with their populations, most common first.
fn swatches(image: &Image, n: usize) -> Vec<([u8; 3], usize)> {
    let q = quantize::quantize(image, n.max(2), false);
    let mut counts = vec![0usize; q.palette.len()];
    for &i in &q.indices {
        counts[i as usize] += 1;
    }
    let mut out: Vec<([u8; 3], usize)> =
        q.palette.iter().zip(counts).filter(|(_, n)| *n > 0).map(|(c, n)| ([c[0], c[1], c[2]], n)).collect();
    out.sort_by(|a, b| b.1.cmp(&a.1));
    out
}

fn hsl(c: [u8; 3]) -> (f64, f64) {
    let [r, g, b] = c.map(|v| f64::from(v) / 255.0);
    let (max, min) = (r.max(g).max(b), r.min(g).min(b));
    let l = (max + min) / 2.0;
    let s = if max == min { 0.0 } else { (max - min) / (1.0 - (2.0 * l - 1.0).abs()) };
    (s, l)
}

pub fn extract(image: &Image, colors: usize) -> Palette {
    let small = sample(image);
    let n = small.data.len() / 3;
    let average_luminance = small
        .data
        .chunks_exact(3)
        .map(|p| (0.2126 * f64::from(p[0]) + 0.7152 * f64::from(p[1]) + 0.0722 * f64::from(p[2])) / 255.0)
        .sum::<f64>()
        / n.max(1) as f64;
    let main = if colors == 0 { Vec::new() } else { swatches(&small, colors) };
    let candidates = swatches(&small, 24);
    let max_pop = candidates.iter().map(|c| c.1).max().unwrap_or(1) as f64;
    let mut used = vec![false; candidates.len()];
    let mut dominant = Vec::new();
    for (name, t) in NAMES {
        let best = candidates
            .iter()
            .enumerate()
            .filter(|(i, _)| !used[*i])
            .filter_map(|(i, (c, pop))| {
                let (s, l) = hsl(*c);
                if s < t[0] || s > t[2] || l < t[3] || l > t[5] {
                    return None;
                }
                let score =
                    (1.0 - (s - t[1]).abs()) * 0.24 + (1.0 - (l - t[4]).abs()) * 0.52 + *pop as f64 / max_pop * 0.24;
                Some((i, score))
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((i, _)) = best {
            used[i] = true;
            dominant.push((name, candidates[i].0));
        }
    }
    Palette { colors: main.into_iter().take(colors).map(|c| c.0).collect(), average_luminance, dominant }
}

fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn colour_json(c: [u8; 3]) -> Value {
    let f = |v: u8| (f64::from(v) / 255.0 * 1000.0).round() / 1000.0;
    json!({ "red": f(c[0]), "green": f(c[1]), "blue": f(c[2]), "hex": hex(c) })
}

pub fn to_json(p: &Palette) -> String {
    let dominant: Map<String, Value> = p.dominant.iter().map(|(n, c)| ((*n).to_string(), colour_json(*c))).collect();
    json!({
        "colors": p.colors.iter().map(|c| colour_json(*c)).collect::<Vec<_>>(),
        "average_luminance": (p.average_luminance * 1000.0).round() / 1000.0,
        "dominant_colors": dominant,
    })
    .to_string()
}

/// imgix's classes: `.{prefix}-fg-N` / `.{prefix}-bg-N` per colour, and `-fg-vibrant-dark` etc.
/// for the named ones. A prefix is kept to CSS identifier characters.
pub fn to_css(p: &Palette, prefix: &str) -> String {
    let prefix: String = prefix.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
    let prefix = if prefix.is_empty() { "image".to_string() } else { prefix };
    let mut css = String::new();
    let mut rule = |name: &str, c: [u8; 3]| {
        css.push_str(&format!(".{prefix}-fg-{name} {{ color:{} !important; }}\n", hex(c)));
        css.push_str(&format!(".{prefix}-bg-{name} {{ background-color:{} !important; }}\n", hex(c)));
    };
    for (i, c) in p.colors.iter().enumerate() {
        rule(&(i + 1).to_string(), *c);
    }
    for (name, c) in &p.dominant {
        rule(&name.replace('_', "-"), *c);
    }
    css
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Left 3/4 saturated orange, right 1/4 dark grey.
    fn two_tone() -> Image {
        let (w, h) = (80u32, 40u32);
        let data = (0..w * h).flat_map(|i| if i % w < 60 { [240, 140, 40] } else { [40, 40, 40] }).collect();
        Image::new(w, h, 3, data)
    }

    #[test]
    fn colours_by_population_and_named_swatches() {
        let p = extract(&two_tone(), 6);
        assert_eq!(p.colors.len(), 2);
        assert!(p.colors[0].iter().zip([240, 140, 40]).all(|(a, b)| a.abs_diff(b) <= 4), "{:?}", p.colors);
        assert!(p.dominant.iter().any(|(n, _)| *n == "vibrant"), "{:?}", p.dominant);
        assert!(p.average_luminance > 0.3 && p.average_luminance < 0.6);
        assert_eq!(extract(&two_tone(), 0).colors.len(), 0);
    }

    #[test]
    fn json_and_css_shapes() {
        let p = extract(&two_tone(), 6);
        let v: Value = serde_json::from_str(&to_json(&p)).unwrap();
        assert_eq!(v["colors"].as_array().unwrap().len(), 2);
        assert!(v["colors"][0]["hex"].as_str().unwrap().starts_with('#'));
        assert!(v["colors"][0]["red"].as_f64().unwrap() > 0.9);
        assert!(v["dominant_colors"]["vibrant"]["hex"].is_string());
        let css = to_css(&p, "hero<script>");
        assert!(css.contains(".heroscript-fg-1 { color:#"), "{css}");
        assert!(css.contains(".heroscript-bg-vibrant { background-color:#"), "{css}");
    }
}
