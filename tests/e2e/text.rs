//! Text through the real wasm: `txt` layers on a white page, `/~text` as a picture of its own,
//! and `~text` inside a `mark`. Ink is found as dark (or coloured) pixels and its box checked.

use crate::servers::Servers;
use crate::{check, decode, get};
use ixora::image::Image;

/// A white 600x400 PNG page to draw on.
const PAGE: &str = "/photo-2mp.jpg?w=600&h=400&fit=crop&fm=png&blend=ffffff&blend-mode=normal";

fn render(s: &Servers, target: &str) -> Result<Image, String> {
    let r = get(s, target)?;
    check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
    decode(&r.body)
}

/// The box (x0, y0, x1, y1, inclusive) of the pixels `ink` says are drawn.
fn ink_box(img: &Image, ink: impl Fn(&[u8]) -> bool) -> Option<(u32, u32, u32, u32)> {
    let mut b: Option<(u32, u32, u32, u32)> = None;
    for y in 0..img.height {
        for x in 0..img.width {
            if ink(img.pixel(x, y)) {
                b = Some(match b {
                    None => (x, y, x, y),
                    Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
                });
            }
        }
    }
    b
}

fn dark(p: &[u8]) -> bool {
    p[0] < 128 && p[1] < 128 && p[2] < 128
}

/// imgix's defaults (bottom-right, 10 px in, black, 12 px) and explicit placement, sizes and
/// boxes, as pixel boxes: Liberation Sans' "Hello" is 2.278 em wide; its ascent is 1854/2048 em,
/// the top of its l 1484/2048 em above the baseline.
pub fn text_layers_are_drawn_and_placed(s: &Servers) -> Result<(), String> {
    let m = render(s, &format!("{PAGE}&txt=Hello"))?;
    let (x0, y0, x1, y1) = ink_box(&m, dark).ok_or("default: no ink")?;
    check((586..=590).contains(&x1) && (386..=390).contains(&y1), || format!("default ink ends at ({x1},{y1})"))?;
    let width = f64::from(x1 - x0 + 1);
    check((24.0..=28.5).contains(&width) && (7..=10).contains(&(y1 - y0 + 1)), || {
        format!("12 px Hello is {width}x{} px", y1 - y0 + 1)
    })?;
    // 50 px, top-left 20 px in: the H's stem starts 20 px + its side bearing in, the baseline
    // 20 px + half the line gap (67/2048 em) and the ascent down, rounded; 2.278 em wide less the
    // bearings.
    let m = render(s, &format!("{PAGE}&txt=Hello&txt-size=50&txt-align=top,left&txt-pad=20"))?;
    let (x0, y0, x1, y1) = ink_box(&m, dark).ok_or("top-left: no ink")?;
    check((23..=26).contains(&x0), || format!("top-left ink starts at x {x0}"))?;
    let baseline = 20.0 + (50.0f64 * (67.0 / 2.0 + 1854.0) / 2048.0).round();
    let l_top = baseline - 50.0 * 1484.0 / 2048.0;
    check((f64::from(y0) - l_top).abs() <= 1.0, || format!("ink top {y0}, want {l_top}"))?;
    check((f64::from(x1 - x0) - 50.0 * 2.278 + 8.0).abs() <= 6.0, || format!("ink {x0}..{x1}"))?;
    // No descender: the ink ends at the baseline (e and o overshoot it by 0.6 px).
    check((f64::from(y1) + 1.0 - baseline).abs() <= 1.0, || format!("bottom {y1}, baseline {baseline}"))?;
    // Explicit x/y and a red background box 8 px around the text at (100, 50).
    let m = render(s, &format!("{PAGE}&txt=Box&txt-size=30&txt-x=100&txt-y=50&txt-bg=ff0000&txt-pad=8"))?;
    let red = |p: &[u8]| p[0] > 200 && p[1] < 60 && p[2] < 60;
    let (bx0, by0, bx1, by1) = ink_box(&m, red).ok_or("no background box")?;
    check((bx0, by0) == (100, 50), || format!("box starts at ({bx0},{by0})"))?;
    // Ascent, descent and line gap each rounded to whole px, as Chromium lays a line out.
    let line = [1854.0, 434.0, 67.0].iter().map(|u| (30.0f64 * u / 2048.0).round()).sum::<f64>() as u32;
    check(by1 - by0 + 1 == line + 16, || format!("box height {} for a {line} px line", by1 - by0 + 1))?;
    check(bx1 > bx0 + 50, || format!("box width {}", bx1 - bx0 + 1))?;
    // Wrapping in a 150 px box makes lines; fit=max sets one line smaller to fit 150 px.
    let long = "txt=one%20two%20three%20four%20five&txt-size=30&txt-align=top,left&txt-width=150&txt-pad=0";
    let wrapped = ink_box(&render(s, &format!("{PAGE}&{long}&txt-fit=wrap"))?, dark).ok_or("wrap: no ink")?;
    check(wrapped.2 < 150 && wrapped.3 > 60, || format!("wrapped ink {wrapped:?}"))?;
    let fitted = ink_box(&render(s, &format!("{PAGE}&{long}&txt-fit=max"))?, dark).ok_or("max: no ink")?;
    check(fitted.2 < 150 && fitted.3 < 30, || format!("fitted ink {fitted:?}"))?;
    // Clipped at the end with an ellipsis: the line stays inside its 150 px box.
    let clipped = ink_box(&render(s, &format!("{PAGE}&{long}&txt-clip=end,ellipsis"))?, dark).ok_or("clip: no ink")?;
    check(clipped.2 < 150 && clipped.3 < 40, || format!("clipped ink {clipped:?}"))?;
    // destination-out cuts the text out of the image: transparent where the letters are.
    let cut = render(s, &format!("{PAGE}&txt=CUT&txt-size=80&txt-align=middle,center&txt-blend-mode=destination-out"))?;
    let holes = ink_box(&cut, |p| p.len() == 4 && p[3] == 0).ok_or("destination-out: no hole")?;
    check(holes.0 > 200 && holes.2 < 400, || format!("holes {holes:?}"))?;
    Ok(())
}

/// `/~text`: a transparent picture 200 px wide by default whose height grows with the lines;
/// inside a `mark` it is set in-process, never fetched; without `txt` it is a 400.
pub fn typeset_endpoint_sets_text(s: &Servers) -> Result<(), String> {
    let one = render(s, "/~text?txt=Hi&txt-size=20")?;
    check(one.width == 200 && one.channels == 4, || format!("{}x{}x{}", one.width, one.height, one.channels))?;
    check(one.pixel(199, 0)[3] == 0, || "the background is transparent".into())?;
    let long = "/~text?txt=A%20caption%20long%20enough%20to%20wrap%20onto%20three%20or%20more%20lines&txt-size=20";
    let many = render(s, long)?;
    check(many.height >= 3 * one.height, || format!("{} lines tall vs {}", many.height, one.height))?;
    let wide = render(s, &format!("{long}&txt-width=400&txt-lead=10"))?;
    check(wide.width == 400 && wide.height < many.height, || format!("wide {}x{}", wide.width, wide.height))?;
    let r = get(s, "/~text?txt-size=20")?;
    check(r.status == 400, || format!("no txt: {}", r.status))?;
    // As a mark: red 40 px text at the bottom right of the page.
    let mark = "mark=%2F~text%3Ftxt%3DMARK%26txt-size%3D40%26txt-color%3Dff0000&mark-pad=0";
    let m = render(s, &format!("{PAGE}&{mark}"))?;
    let red = |p: &[u8]| p[0] > 200 && p[1] < 80 && p[2] < 80;
    let (x0, y0, x1, y1) = ink_box(&m, red).ok_or("no red mark")?;
    check(x0 >= 400 && y0 >= 340 && x1 < 600 && y1 < 400, || format!("mark ink ({x0},{y0})–({x1},{y1})"))?;
    Ok(())
}

/// Percent-encodes a text for a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Hostile text answers an image (or a 4xx), never a trap or a 5xx: 10 000 characters (cut to
/// 4 096, said in `X-Ixora-Ignored`), the largest size, storms of combining and zero-width
/// marks, mixed directions wrapped, and boxes, outlines and blurs far past any image.
pub fn hostile_text_is_bounded(s: &Servers) -> Result<(), String> {
    let long: String = "lorem ipsum dolor sit amet ".chars().cycle().take(10_000).collect();
    let storm = format!("a{}", "\u{301}\u{308}\u{20DD}".repeat(600));
    let zero_width = "\u{200B}\u{200D}\u{FEFF}".repeat(1200);
    let mixed: String = ["abc ", "שלום ", "مرحبا ", "123 ", "नमस्ते ", "漢字 "].iter().cycle().take(400).copied().collect();
    let cases = [
        format!("{PAGE}&txt={}&txt-fit=max", encode(&long)),
        format!("{PAGE}&txt={}&txt-clip=middle,ellipsis", encode(&long)),
        format!("{PAGE}&txt={}&txt-size=2048&txt-shad=10&txt-line=256", encode("Wide")),
        format!("{PAGE}&txt={}&txt-size=200", encode(&storm)),
        format!("{PAGE}&txt=x{}y&txt-size=100", encode(&zero_width)),
        format!("{PAGE}&txt={}&txt-fit=wrap&txt-size=14", encode(&mixed)),
        format!("{PAGE}&txt=Box&txt-width=1000000&txt-h=1000000&txt-fit=wrap&txt-bg=ff0000&txt-pad=1000000"),
        format!("{PAGE}&txt=Far&txt-x=-100000000&txt-y=100000000&txt-shad=10&txt-shad-blur=1000000000"),
        format!("/~text?txt={}&txt-size=2048&txt-width=100000", encode(&long)),
        format!("/~text?txt={}&txt-size=300&txt-lead=100000&txt-track=100000", encode(&mixed)),
    ];
    for target in &cases {
        let r = get(s, target)?;
        let shown = &target[..target.len().min(90)];
        check(r.status == 200, || format!("{shown}…: {} {}", r.status, r.text()))?;
        let img = decode(&r.body)?;
        check(u64::from(img.width) * u64::from(img.height) <= 4_194_304 || target.starts_with(PAGE), || {
            format!("{shown}…: a {}x{} picture", img.width, img.height)
        })?;
        let total = r.header("server-timing").unwrap_or("").split(',').find(|p| p.contains("total")).unwrap_or("");
        println!("    {shown}… {}x{} {}", img.width, img.height, total.trim());
    }
    let r = get(s, &cases[0])?;
    let ignored = r.header("x-ixora-ignored").unwrap_or("");
    check(ignored.contains("txt (10000 characters; the first 4096 are set)"), || format!("X-Ixora-Ignored {ignored:?}"))?;
    Ok(())
}
