//! docs/examples.md: one URL per layer family, rendered by the real wasm in Viceroy. The page is
//! generated from `EXAMPLES`; this case renders every URL, checks its size against the page, and
//! with `IXORA_BLESS=1` rewrites the page and its pictures (docs/examples/).

use std::path::PathBuf;

use crate::servers::Servers;
use crate::{check, decode, get};

/// (file name, what it shows, URL path and query).
const EXAMPLES: &[(&str, &str, &str)] = &[
    ("plain", "the base: the 2 MP sample photo at 480 px", "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70"),
    (
        "mark",
        "a watermark at a quarter of the width, bottom right, 10 px in",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&mark=/mark.png&mark-scale=25&mark-pad=10",
    ),
    (
        "mark-tiled",
        "the watermark small, turned 30° and tiled, at 40 % opacity",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&mark=/mark.png&mark-w=48&mark-rot=30&mark-tile=grid&mark-pad=12&mark-alpha=40",
    ),
    (
        "marks-indexed",
        "two marks: layer 0 bottom right, layer 1 centred on a point with its anchor",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&mark=/mark.png&mark-w=60&mark[1]=/mark.png&mark-x[1]=0.5&mark-y[1]=0.4&mark-anchor[1]=center",
    ),
    (
        "blend-color",
        "a colour blend: deep blue in `multiply` mode",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&blend=2050C0&blend-mode=multiply",
    ),
    (
        "blend-image",
        "an image blend stretched over the photo (`blend-size=inherit`) in `overlay` mode at 60 %",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&blend=/alpha.png&blend-size=inherit&blend-mode=overlay&blend-alpha=60",
    ),
    (
        "append",
        "`append` of the watermark below the photo, 8 px apart, on a dark fill",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&append=/mark.png&append-side=bottom&append-gap=8&bg=202020",
    ),
    (
        "gradient",
        "a scrim for a headline: `gradient=00000000,cc000000` from the middle down (`gradient-stops=0.4,1`)",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&gradient=00000000,cc000000&gradient-stops=0.4,1",
    ),
    (
        "vignette",
        "a radial vignette in OKLab",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&gradient=00000000,00000000,bb000000&gradient-type=radial&gradient-cs=oklab",
    ),
    (
        "fade",
        "`fade-bottom=0.4` into a page-coloured `bg` (JPEG)",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=jpg&q=70&fade-bottom=0.4&bg=F4EFE6",
    ),
    (
        "fp-debug",
        "`fp-debug` crosshairs at a focal point",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&crop=focalpoint&fp-x=0.3&fp-y=0.6&fm=webp&q=70&fp-debug=true",
    ),
    (
        "drop-shadow",
        "`drop-shadow=8` offset down-right under the watermark, on a transparent PNG",
        "/mark.png?w=240&fm=png&drop-shadow=8&drop-shadow-x=10&drop-shadow-y=10",
    ),
    (
        "drop-shadow-cast",
        "a cast shadow: the light low (`-elevation=30`) from the front left (the default azimuth), fading toward the tip",
        "/mark.png?w=360&fm=png&drop-shadow=2&drop-shadow-type=cast&drop-shadow-elevation=30&drop-shadow-falloff=60",
    ),
    (
        "mark-shadow",
        "`mark-drop-shadow` under the watermark (the image does not grow)",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&mark=/mark.png&mark-scale=25&mark-pad=16&mark-drop-shadow=4&mark-drop-shadow-x=4&mark-drop-shadow-y=4",
    ),
    (
        "blend-gradient",
        "`blend-gradient`: a radial scrim on the blend image only, before it is stretched over the photo",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&blend=/alpha.png&blend-size=inherit&blend-mode=normal&blend-alpha=80&blend-gradient=00000000,ee000000&blend-gradient-type=radial",
    ),
    (
        "text-caption",
        "`txt`: a caption, white 28 px Helvetica (Liberation Sans) bold on a rounded translucent box, bottom left",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&txt=Golden%20hour%2C%201987&txt-font=Helvetica%2Cbold&txt-size=28&txt-color=fff&txt-bg=99000000&txt-pad=10&txt-radius=8&txt-align=bottom%2Cleft",
    ),
    (
        "text-scripts",
        "`txt` in Arabic, Hebrew, Devanagari, Greek, Cyrillic and CJK, wrapped and centred, with a soft halo",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&txt=%D9%85%D8%B1%D8%AD%D8%A8%D8%A7%20%D7%A9%D7%9C%D7%95%D7%9D%20%E0%A4%A8%E0%A4%AE%E0%A4%B8%E0%A5%8D%E0%A4%A4%E0%A5%87%20%CE%9A%CE%B1%CE%BB%CE%B7%CE%BC%CE%AD%CF%81%CE%B1%20%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82%20%E4%BD%A0%E5%A5%BD%20%E3%81%93%E3%82%93%E3%81%AB%E3%81%A1%E3%81%AF&txt-size=30&txt-color=fff&txt-shad=4&txt-align=middle%2Ccenter&txt-fit=wrap&txt-width=400",
    ),
    (
        "text-outline",
        "`txt-line`: Georgia (Liberation Serif) italic with a 2 px dark outline, and the words CUT OUT punched through the picture (destination-out: transparent where the text is)",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&txt=Outlined&txt-font=Georgia%2Citalic&txt-size=64&txt-color=ffd54f&txt-line=2&txt-line-color=222&txt-align=top%2Ccenter&txt[1]=CUT%20OUT&txt-size[1]=56&txt-font[1]=Arial%2Cbold&txt-color[1]=000&txt-blend-mode[1]=destination-out&txt-align[1]=bottom%2Ccenter",
    ),
    (
        "text-mark",
        "`/~text` inside a `mark`: a price tag set by the typesetting endpoint, placed top right",
        "/photo-2mp.jpg?w=480&h=320&fit=crop&fm=webp&q=70&mark=%2F~text%3Ftxt%3D%E2%82%AC%2019%2C99%26txt-size%3D32%26txt-color%3Dfff%26txt-bg%3Dd32f2f%26txt-pad%3D8%26txt-width%3D140%26txt-align%3Dcenter&mark-align=top%2Cright&mark-pad=12",
    ),
    (
        "resize-filter",
        "`resize-filter=nearest` enlarging the 120 px watermark to 480 px",
        "/mark.png?w=480&fm=webp&q=70&resize-filter=nearest",
    ),
];

pub fn examples_page_is_current(s: &Servers) -> Result<(), String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs");
    let bless = std::env::var_os("IXORA_BLESS").is_some();
    let mut page = String::from(
        "# Examples\n\n\
         Each picture is the response of ixora's wasm in Viceroy, against local-origin's generated samples\n\
         (`mark.png` is a 120x60 red and white box with a transparent margin). Generated by the\n\
         end-to-end case `examples_page_is_current` (`IXORA_BLESS=1 cargo test --test e2e -- examples`);\n\
         the case fails when a URL below no longer renders at the size it lists.\n\n\
         | example | URL | size | result |\n|---|---|---|---|\n",
    );
    for (name, about, target) in EXAMPLES {
        let r = get(s, target)?;
        check(r.status == 200, || format!("{name}: {} {}", r.status, r.text()))?;
        let img = decode(&r.body)?;
        let size = format!("{}x{}", img.width, img.height);
        if bless {
            std::fs::create_dir_all(root.join("examples")).map_err(|e| e.to_string())?;
            std::fs::write(root.join(format!("examples/{name}.{}", ext(target))), &r.body)
                .map_err(|e| e.to_string())?;
        }
        page.push_str(&format!("| {about} | `{target}` | {size} | ![{name}](examples/{name}.{}) |\n", ext(target)));
    }
    let path = root.join("examples.md");
    if bless {
        std::fs::write(&path, &page).map_err(|e| e.to_string())?;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    check(have == page, || "docs/examples.md is stale: run `IXORA_BLESS=1 cargo test --test e2e -- examples`".into())?;
    for (name, _, target) in EXAMPLES {
        let file = format!("examples/{name}.{}", ext(target));
        check(root.join(&file).exists(), || format!("docs/{file} is missing"))?;
    }
    Ok(())
}

/// The file extension of an example's `fm`.
fn ext(target: &str) -> &'static str {
    if target.contains("fm=jpg") {
        "jpg"
    } else if target.contains("fm=png") {
        "png"
    } else {
        "webp"
    }
}
