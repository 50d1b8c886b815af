//! Text drawn by ixora compared with the same string drawn by headless Chromium (Debian's
//! `chromium`, installed by scripts/setup.sh) in the same bundled font at the same size and
//! place: the ink boxes agree within a pixel, and the grey levels differ by little on average
//! over the ink (antialiasing and hinting differ; shapes and positions must not).

use std::path::{Path, PathBuf};
use std::process::Command;

use ixora::image::Image;

/// Mean |difference| over the ink's box, in 0–255 grey. Measured with Chromium 156 (Debian 12),
/// hinting off: latin 2.57, serif bold italic 1.56, Greek + Cyrillic 2.57, Arabic 5.63,
/// Devanagari 9.39 (its headline bar sits a quarter pixel apart), CJK 1.82. With the browser's
/// default hinting, stems and advances snap to whole pixels and the Latin line drifts by 2 px:
/// 36.2. So 12 passes every case as drawn and fails a line out of place by a pixel or more.
const MEAN_TOLERANCE: f64 = 12.0;

fn chromium() -> Option<PathBuf> {
    let named = std::env::var_os("IXORA_CHROMIUM").map(PathBuf::from);
    named.into_iter().chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from)).find(|p| p.is_file())
}

struct Case {
    name: &'static str,
    text: &'static str,
    /// The faces the browser is given, in its fallback order.
    css_fonts: &'static [&'static str],
    /// What ixora is asked for.
    txt_font: &'static str,
    size: u32,
    weight: &'static str,
    style: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "latin",
        text: "Hamburgefonstiv AVWAY fi",
        css_fonts: &["liberation/LiberationSans-Regular.ttf"],
        txt_font: "Helvetica",
        size: 40,
        weight: "normal",
        style: "normal",
    },
    Case {
        name: "serif-bold-italic",
        text: "Quick brown fox, 1987",
        css_fonts: &["liberation/LiberationSerif-BoldItalic.ttf"],
        txt_font: "Times New Roman,bold,italic",
        size: 36,
        weight: "bold",
        style: "italic",
    },
    Case {
        name: "greek-cyrillic",
        text: "Καλημέρα Здравствуйте",
        css_fonts: &["liberation/LiberationSans-Regular.ttf"],
        txt_font: "Arial",
        size: 32,
        weight: "normal",
        style: "normal",
    },
    Case {
        name: "arabic",
        text: "مرحبا بالعالم",
        css_fonts: &["liberation/LiberationSans-Regular.ttf", "noto/NotoSansArabic-Regular.ttf"],
        txt_font: "Helvetica",
        size: 40,
        weight: "normal",
        style: "normal",
    },
    Case {
        name: "devanagari",
        text: "नमस्ते दुनिया",
        css_fonts: &["liberation/LiberationSans-Regular.ttf", "noto/NotoSansDevanagari-Regular.ttf"],
        txt_font: "Helvetica",
        size: 40,
        weight: "normal",
        style: "normal",
    },
    Case {
        name: "cjk",
        text: "漢字かなカナ한글",
        css_fonts: &["liberation/LiberationSans-Regular.ttf", "droid/DroidSansFallback.ttf"],
        txt_font: "Helvetica",
        size: 36,
        weight: "normal",
        style: "normal",
    },
];

const W: u32 = 640;
// Headless Chromium draws nothing in windows much under 200 px tall.
const H: u32 = 300;

fn page(case: &Case, fonts: &Path) -> String {
    let faces: String = case
        .css_fonts
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "@font-face{{font-family:F{i};src:url('file://{}');font-weight:{};font-style:{}}}",
                fonts.join(f).display(),
                case.weight,
                case.style
            )
        })
        .collect();
    let family: Vec<String> = (0..case.css_fonts.len()).map(|i| format!("F{i}")).collect();
    format!(
        "<!doctype html><html><head><meta charset=utf-8><style>{faces}html,body{{margin:0;background:#fff}}\
         div{{position:absolute;left:10px;top:10px;font-family:{};font-size:{}px;font-weight:{};font-style:{};\
         line-height:normal;color:#000;white-space:pre}}</style></head><body><div>{}</div></body></html>",
        family.join(","),
        case.size,
        case.weight,
        case.style,
        case.text
    )
}

fn grey(img: &Image, x: u32, y: u32) -> f64 {
    let p = img.pixel(x, y);
    (f64::from(p[0]) + f64::from(p[1]) + f64::from(p[2])) / 3.0
}

fn ink_box(img: &Image) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    for y in 0..img.height {
        for x in 0..img.width {
            if grey(img, x, y) < 128.0 {
                b = Some(b.map_or((x, y, x, y), |(x0, y0, x1, y1)| (x0.min(x), y0.min(y), x1.max(x), y1.max(y))));
            }
        }
    }
    b
}

/// ixora fills the outlines as they are, unhinted (as browsers do on high-density screens), so
/// the browser is asked not to hint either: hinting moves stems and advances to whole pixels.
const HINTING_OFF: &str = "<match target=\"pattern\"><edit name=\"hinting\" mode=\"assign\"><bool>false</bool></edit>\
    <edit name=\"hintstyle\" mode=\"assign\"><const>hintnone</const></edit><edit name=\"rgba\" mode=\"assign\"><const>none</const></edit></match>\
    <match target=\"font\"><edit name=\"hinting\" mode=\"assign\"><bool>false</bool></edit>\
    <edit name=\"hintstyle\" mode=\"assign\"><const>hintnone</const></edit></match>";

fn screenshot(browser: &Path, html: &Path, out: &Path) -> Result<Image, String> {
    let profile = out.with_extension("profile");
    // Only the bundled fonts, so the browser cannot fall back to a system face ixora lacks.
    let dir = out.parent().unwrap_or(Path::new("."));
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let conf = dir.join("fonts.conf");
    std::fs::write(
        &conf,
        format!(
            "<?xml version=\"1.0\"?><!DOCTYPE fontconfig SYSTEM \"fonts.dtd\"><fontconfig><dir>{}</dir><cachedir>{}</cachedir>{HINTING_OFF}</fontconfig>",
            fonts.display(),
            dir.join("fc-cache").display()
        ),
    )
    .map_err(|e| e.to_string())?;
    let status = Command::new(browser)
        .env("FONTCONFIG_FILE", &conf)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--force-device-scale-factor=1",
            "--allow-file-access-from-files",
            "--virtual-time-budget=5000",
            &format!("--user-data-dir={}", profile.display()),
            &format!("--window-size={W},{H}"),
            &format!("--screenshot={}", out.display()),
            &format!("file://{}", html.display()),
        ])
        .output()
        .map_err(|e| format!("{}: {e}", browser.display()))?;
    if !out.is_file() {
        return Err(format!("chromium wrote no screenshot: {}", String::from_utf8_lossy(&status.stderr)));
    }
    let bytes = std::fs::read(out).map_err(|e| e.to_string())?;
    let limits = ixora::codec::Limits::default();
    let probe = ixora::codec::probe(&bytes, &limits).map_err(|e| e.to_string())?;
    ixora::codec::decode(&bytes, &probe, (probe.width, probe.height), &limits).map_err(|e| e.to_string())
}

fn ixora_draws(case: &Case) -> Image {
    let query = format!(
        "txt={}&txt-font={}&txt-size={}&txt-x=10&txt-y=10&txt-pad=0",
        urlencode(case.text),
        urlencode(case.txt_font),
        case.size
    );
    let params = ixora::params::parse(&query).unwrap();
    let text = params.layers.texts.get(&0).unwrap();
    let page = Image::filled(W, H, 3, [255, 255, 255, 255]);
    ixora::text::draw(page, text, 1.0).unwrap()
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn text_matches_chromium() {
    let Some(browser) = chromium() else {
        println!("skipped: no chromium (scripts/setup.sh installs Debian's)");
        return;
    };
    let fonts = Path::new(env!("CARGO_MANIFEST_DIR")).join("fonts");
    let dir = std::env::temp_dir().join(format!("ixora-text-browser-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // IXORA_KEEP_TEXT_IMAGES=1 keeps both renderings of every case for a look.
    let keep = std::env::var_os("IXORA_KEEP_TEXT_IMAGES").is_some();
    let mut problems = Vec::new();
    for case in CASES {
        let html = dir.join(format!("{}.html", case.name));
        std::fs::write(&html, page(case, &fonts)).unwrap();
        let theirs = match screenshot(&browser, &html, &dir.join(format!("{}-chromium.png", case.name))) {
            Ok(i) => i,
            Err(e) => {
                problems.push(format!("{}: {e}", case.name));
                continue;
            }
        };
        let ours = ixora_draws(case);
        if keep {
            let png = ixora::codec::encode(&ours, &ixora::codec::EncodeOptions::new(ixora::codec::OutputFormat::Png)).unwrap();
            std::fs::write(dir.join(format!("{}-ixora.png", case.name)), png).unwrap();
        }
        let (Some(a), Some(b)) = (ink_box(&ours), ink_box(&theirs)) else {
            problems.push(format!("{}: no ink (ixora {:?}, chromium {:?})", case.name, ink_box(&ours), ink_box(&theirs)));
            continue;
        };
        let off = [a.0.abs_diff(b.0), a.1.abs_diff(b.1), a.2.abs_diff(b.2), a.3.abs_diff(b.3)];
        let (x0, y0, x1, y1) = (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3));
        let mut sum = 0.0;
        for y in y0..=y1 {
            for x in x0..=x1 {
                sum += (grey(&ours, x, y) - grey(&theirs, x, y)).abs();
            }
        }
        let mean = sum / f64::from((x1 - x0 + 1) * (y1 - y0 + 1));
        println!("{}: ink ixora {a:?} chromium {b:?}, mean |Δ| {mean:.2}", case.name);
        if off.iter().any(|&d| d > 1) || mean > MEAN_TOLERANCE {
            problems.push(format!("{}: ink ixora {a:?} vs chromium {b:?}, mean |Δ| {mean:.2}", case.name));
        }
    }
    if keep {
        println!("images kept in {}", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
