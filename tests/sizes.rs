//! Every ordinary image at every size: sweeps source sizes (every side from 1 to 300, odd and
//! prime ones included, and real photo sizes), layouts (baseline and progressive JPEG with every
//! chroma layout and EXIF orientation, PNG, lossless and lossy WebP) and requests (w, h, w&h
//! with every fit, dpr, rect, ar, orient), and demands for each a rendered image of exactly the
//! size imgix gives (worked out independently in `sweep::expected`), which is also the size the
//! plan promised. `tests/e2e` renders a sample of the same cases in Viceroy.

#[path = "sweep/mod.rs"]
mod sweep;

use ixora::codec::Limits;
use ixora::codec::{self, EncodeOptions, OutputFormat};
use ixora::image::Image;
use ixora::params;
use ixora::plan;
use local_origin::generated::{pattern, Spec};
use sweep::{Query, Rng};

/// Small sides that stress block and chroma edges: 1, primes, one off a power of two.
const ODD_SIDES: [u32; 18] = [1, 2, 3, 5, 7, 8, 9, 13, 16, 17, 31, 64, 97, 127, 211, 256, 257, 299];

/// Real photo sizes: cameras, phones, the corpus photo that once failed (3082x2048), a q85
/// 1999x1500 export, 16:9 and 3:2 frames.
const PHOTO_SIZES: [(u32, u32); 7] =
    [(3082, 2048), (1999, 1500), (4000, 3000), (5000, 3750), (1920, 1080), (3000, 2000), (2725, 2225)];

struct Failures {
    count: usize,
    total: usize,
    shown: Vec<String>,
}

impl Failures {
    fn new() -> Self {
        Failures { count: 0, total: 0, shown: Vec::new() }
    }
    fn check(&mut self, result: Result<(), String>) {
        self.total += 1;
        if let Err(e) = result {
            self.count += 1;
            if self.shown.len() < 25 {
                self.shown.push(e);
            }
        }
    }
    fn assert_none(self, what: &str) {
        assert!(self.total > 0, "{what}: no case ran");
        assert!(
            self.count == 0,
            "{what}: {} of {} cases failed; first ones:\n{}",
            self.count,
            self.total,
            self.shown.join("\n")
        );
        eprintln!("{what}: {} cases passed", self.total);
    }
}

/// The plan's canvas for `q`, which must be imgix's size.
fn check_plan(stored: (u32, u32), exif: u8, q: &Query) -> Result<Option<(u32, u32)>, String> {
    let Some(want) = sweep::expected(sweep::upright(stored, exif, q), q) else { return Ok(None) };
    let query = q.to_query();
    let p = params::parse(&query).map_err(|e| format!("{stored:?} ?{query}: parse: {e}"))?;
    let planned =
        plan::plan(&p, stored, exif, &Limits::default()).map_err(|e| format!("{stored:?} ?{query}: plan: {e}"))?;
    // An output the heap cannot hold is sized down after imgix's arithmetic (Plan::sized_down):
    // the size asked for must still be imgix's, and the output keeps its shape to a pixel.
    let asked = planned.sized_down.unwrap_or(planned.canvas);
    if asked != want {
        return Err(format!("{}x{} exif {exif} ?{query}: plan gives {asked:?}, imgix {want:?}", stored.0, stored.1));
    }
    let (cw, ch) = (planned.canvas.0 as f64, planned.canvas.1 as f64);
    let shape_kept = (cw * want.1 as f64 / want.0 as f64 - ch).abs() <= 1.0;
    if !shape_kept {
        return Err(format!("{stored:?} ?{query}: sized down to {:?}, not the shape of {want:?}", planned.canvas));
    }
    Ok(Some(planned.canvas))
}

/// Renders `bytes` for `q` and checks the output's own header says the promised size.
fn check_render(name: &str, bytes: &[u8], stored: (u32, u32), exif: u8, q: &Query) -> Result<(), String> {
    let Some(want) = check_plan(stored, exif, q)? else { return Ok(()) };
    let query = q.to_query();
    let p = params::parse(&query).map_err(|e| format!("{name} ?{query}: parse: {e}"))?;
    let limits = Limits::default();
    let out = ixora::render(bytes, &p, &ixora::Accepts::default(), &limits).map_err(|e| {
        format!("{name} ?{query}: {e}{}", e.detail.as_deref().map(|d| format!(" [{d}]")).unwrap_or_default())
    })?;
    let probe = codec::probe(&out.body, &limits).map_err(|e| format!("{name} ?{query}: output does not probe: {e}"))?;
    let got = (probe.width, probe.height);
    if got != want || (out.width, out.height) != want {
        return Err(format!("{name} ?{query}: output {got:?} (reported {}x{}), want {want:?}", out.width, out.height));
    }
    Ok(())
}

/// The sources of the small sweep: every side from 1 to 300 against a few odd others, both ways.
fn small_sources() -> Vec<(u32, u32)> {
    let mut rng = Rng::new(7);
    let mut out = Vec::new();
    for n in 1..=300 {
        for _ in 0..2 {
            out.push((n, rng.pick(&ODD_SIDES)));
            out.push((rng.pick(&ODD_SIDES), n));
        }
    }
    out
}

#[test]
fn plan_gives_imgix_sizes_for_every_small_source() {
    let mut failures = Failures::new();
    for sw in 1..=300u32 {
        for sh in 1..=300u32 {
            let mut rng = Rng::new(u64::from(sw) << 16 | u64::from(sh));
            for _ in 0..3 {
                let exif = if rng.range(0, 3) == 0 { rng.range(1, 8) as u8 } else { 1 };
                let q = sweep::query(&mut rng, (sw, sh), exif);
                failures.check(check_plan((sw, sh), exif, &q).map(|_| ()));
            }
        }
    }
    failures.assert_none("plan sweep, sources 1..=300 x 1..=300");
}

#[test]
fn plan_gives_every_width_and_height_on_photo_frames() {
    let mut failures = Failures::new();
    for &src in &PHOTO_SIZES {
        for n in 2..=4000 {
            for q in [Query { w: Some(n), ..Query::default() }, Query { h: Some(n), ..Query::default() }] {
                failures.check(check_plan(src, 1, &q).map(|_| ()));
            }
        }
    }
    // imgix: `w=150` on 1920x1080 is 150 wide (it came back 149).
    assert_eq!(check_plan((1920, 1080), 1, &Query { w: Some(150), ..Query::default() }), Ok(Some((150, 84))));
    failures.assert_none("plan sweep, every w and h on photo frames");
}

#[test]
fn small_sources_render_at_the_promised_size() {
    let mut failures = Failures::new();
    let mut rng = Rng::new(11);
    for (w, h) in small_sources() {
        let name = sweep::variant(&mut rng, w, h);
        let spec = Spec::parse(&name).expect("sweep names parse");
        let bytes = spec.bytes();
        let exif = spec.orientation.unwrap_or(1) as u8;
        for _ in 0..3 {
            let q = sweep::query(&mut rng, (w, h), exif);
            failures.check(check_render(&name, &bytes, (w, h), exif, &q));
        }
    }
    failures.assert_none("render sweep, small sources");
}

#[test]
fn lossy_webp_sources_render_at_the_promised_size() {
    // Lossy WebP (VP8, 4:2:0 in 16x16 macroblocks) is what ixora's own encoder writes.
    let mut failures = Failures::new();
    let mut rng = Rng::new(13);
    for (i, (w, h)) in small_sources().into_iter().enumerate().filter(|(i, _)| i % 4 == 0) {
        let alpha = i % 8 == 0;
        let image = Image::new(w, h, if alpha { 4 } else { 3 }, pattern(w, h, if alpha { 4 } else { 3 }));
        let bytes = codec::encode(&image, &EncodeOptions::new(OutputFormat::Webp)).expect("lossy WebP encode");
        for _ in 0..2 {
            let q = sweep::query(&mut rng, (w, h), 1);
            failures.check(check_render(&format!("{w}x{h} lossy webp"), &bytes, (w, h), 1, &q));
        }
    }
    failures.assert_none("render sweep, lossy WebP");
}

#[test]
fn photo_sizes_render_at_the_promised_size() {
    let layouts = [".jpg", "-p.jpg", "-422.jpg", "-p-444.jpg", "-o6.jpg", "-p-422-o8.jpg", "-444.jpg"];
    let mut failures = Failures::new();
    let mut rng = Rng::new(17);
    for (i, &(w, h)) in PHOTO_SIZES.iter().enumerate() {
        // Every layout at two sizes, and the heaviest one at the largest: a 19 MP progressive
        // 4:4:4 file, whose coefficients kept whole would not fit the decoder budget.
        let heaviest = ((w, h) == (5000, 3750)).then_some("-p-444.jpg");
        for layout in [layouts[(i + 2) % layouts.len()], layouts[(i + 4) % layouts.len()]].into_iter().chain(heaviest) {
            let name = format!("{w}x{h}{layout}");
            let spec = Spec::parse(&name).expect("photo names parse");
            let bytes = spec.bytes();
            let exif = spec.orientation.unwrap_or(1) as u8;
            for _ in 0..8 {
                let q = sweep::query(&mut rng, (w, h), exif);
                failures.check(check_render(&name, &bytes, (w, h), exif, &q));
            }
            // The most common URL on the web, at the widths that failed before.
            for n in [150, 300, 387, 400, 640, 700, 770, 900] {
                let q = Query { w: Some(n), ..Query::default() };
                failures.check(check_render(&name, &bytes, (w, h), exif, &q));
            }
        }
    }
    failures.assert_none("render sweep, photo sizes");
}

/// `lu__hato.jpg`, a real 3082x2048 photo that answered 500 for every width from 387 to 770:
/// every width from 100 to 1600 and every 5th above (all of them with IXORA_SWEEP_FULL=1).
#[test]
fn corpus_photo_renders_at_every_width() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/lu__hato.jpg");
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("skipped: {} is not here", path.display());
        return;
    };
    let full = std::env::var_os("IXORA_SWEEP_FULL").is_some();
    let mut failures = Failures::new();
    for w in (100..=3082).filter(|&w| full || w <= 1600 || w % 5 == 0 || w >= 3080) {
        let q = Query { w: Some(w), ..Query::default() };
        failures.check(check_render("lu__hato.jpg", &bytes, (3082, 2048), 1, &q));
    }
    failures.assert_none("lu__hato.jpg, every width");
}
