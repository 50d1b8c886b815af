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
