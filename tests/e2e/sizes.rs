//! A sample of the size sweep (`tests/sizes.rs`) through the real wasm: originals made to
//! order by local-origin's `/_gen/`, each answered 200 at exactly imgix's size.

use crate::servers::Servers;
use crate::{check, get};
use ixora::codec;
use ixora::codec::Limits;

use super::sweep::{self, Query, Rng};

fn render(s: &Servers, name: &str, stored: (u32, u32), exif: u8, q: &Query) -> Result<(), String> {
    let Some(want) = sweep::expected(sweep::upright(stored, exif, q), q) else { return Ok(()) };
    let target = format!("/_gen/{name}?{}", q.to_query());
    let r = get(s, &target)?;
    check(r.status == 200, || format!("{target}: status {} {}", r.status, r.text()))?;
    let p = codec::probe(&r.body, &Limits::default()).map_err(|e| format!("{target}: output does not probe: {e}"))?;
    check((p.width, p.height) == want, || format!("{target}: {}x{}, want {want:?}", p.width, p.height))
}

pub fn every_size_renders_in_viceroy(s: &Servers) -> Result<(), String> {
    let mut rng = Rng::new(23);
    let mut cases = 0;
    for _ in 0..48 {
        let (w, h) = (rng.range(1, 300), rng.range(1, 300));
        let name = sweep::variant(&mut rng, w, h);
        let exif = name.split(['-', '.']).find_map(|o| o.strip_prefix('o')?.parse::<u8>().ok()).unwrap_or(1);
        let q = sweep::query(&mut rng, (w, h), exif);
        render(s, &name, (w, h), exif, &q)?;
        cases += 1;
    }
    // The requests that failed before: a 3082x2048 photo at 387..770 px, q85 1999x1500 exports,
    // small JPEGs, and w=150 on 1920x1080 (which came back 149 wide).
    let fixed: [(&str, (u32, u32), u32); 10] = [
        ("3082x2048-p.jpg", (3082, 2048), 387),
        ("3082x2048.jpg", (3082, 2048), 500),
        ("3082x2048-422.jpg", (3082, 2048), 770),
        ("1999x1500.jpg", (1999, 1500), 300),
        ("1999x1500-p.jpg", (1999, 1500), 700),
        ("1999x1500.jpg", (1999, 1500), 900),
        ("300x225.jpg", (300, 225), 40),
        ("300x217.jpg", (300, 217), 100),
        ("1920x1080-p.jpg", (1920, 1080), 150),
        ("5000x3750-p-422.jpg", (5000, 3750), 640),
    ];
    for (name, stored, w) in fixed {
        render(s, name, stored, 1, &Query { w: Some(w), ..Query::default() })?;
        cases += 1;
    }
    render(s, "300x225.jpg", (300, 225), 1, &Query { h: Some(30), ..Query::default() })?;
    check(cases > 50, || "the sample ran too few cases".into())
}

/// Legal requests whose output would pass 8192 px a side or the 16.7 MP budget (the top of
/// js-core's width ladder on a 12 MP photo, a dpr of 5) still get an image: the requested shape,
/// sized down to fit, said in `X-Ixora-Ignored`. Never a 413.
pub fn outputs_over_the_limits_are_sized_down(s: &Servers) -> Result<(), String> {
    let limits = Limits::default();
    for (target, want) in [("/photo.jpg?w=4800", (4800.0, 3600.0)), ("/photo.jpg?w=1000&dpr=5", (5000.0, 3750.0))] {
        let r = get(s, target)?;
        check(r.status == 200, || format!("{target}: status {} {}", r.status, r.text()))?;
        let p = codec::probe(&r.body, &limits).map_err(|e| format!("{target}: {e}"))?;
        let pixels = p.width as u64 * p.height as u64;
        // Enlarging a 12 MP photo is bounded by the heap before the pixel budget.
        check(pixels <= limits.max_output_pixels && p.width >= 3400 && (p.width as f64) < want.0, || {
            format!("{target}: {}x{} is not sized down to what the heap holds", p.width, p.height)
        })?;
        let ratio = p.width as f64 / p.height as f64;
        check((ratio - want.0 / want.1).abs() < 0.002, || {
            format!("{target}: {}x{} lost the shape", p.width, p.height)
        })?;
        let ignored = r.header("x-ixora-ignored").unwrap_or("");
        check(ignored.contains("sized down"), || format!("{target}: X-Ixora-Ignored {ignored:?}"))?;
    }
    // PNG and AVIF encoders need more heap per pixel: their large outputs are sized down further
    // (they ran out of memory in Viceroy before).
    for (target, fmt) in
        [("/photo.jpg?w=3500&fm=png", codec::Format::Png), ("/photo.jpg?w=2000&fm=avif", codec::Format::Avif)]
    {
        let r = get(s, target)?;
        check(r.status == 200, || format!("{target}: status {} {}", r.status, r.text()))?;
        let p = codec::probe(&r.body, &limits).map_err(|e| format!("{target}: {e}"))?;
        check(
            p.format == fmt && p.width < 3500 && (p.width as f64 / p.height as f64 - 4.0 / 3.0).abs() < 0.002,
            || format!("{target}: {:?} {}x{}", p.format, p.width, p.height),
        )?;
        let ignored = r.header("x-ixora-ignored").unwrap_or("");
        check(ignored.contains("sized down"), || format!("{target}: X-Ixora-Ignored {ignored:?}"))?;
    }
    Ok(())
}
