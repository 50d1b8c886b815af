//! The size sweep shared by the native property test (`tests/sizes.rs`) and its end-to-end
//! sample in Viceroy (`tests/e2e`): requests drawn from a seeded generator, and the output size
//! imgix gives for each, worked out here independently of `plan/` in exact integer arithmetic.
#![allow(dead_code)]

use std::fmt::Write;

/// A small deterministic generator (xorshift64*), so every run sweeps the same cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: u32, hi: u32) -> u32 {
        lo + (self.next() % u64::from(hi - lo + 1)) as u32
    }
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[(self.next() % items.len() as u64) as usize]
    }
}

pub const FITS: [&str; 8] = ["clip", "crop", "fill", "fillmax", "max", "min", "scale", "clamp"];
/// Device pixel ratios as num/den: all exact in binary, as a browser sends them.
pub const DPRS: [(u32, u32); 6] = [(1, 1), (2, 1), (3, 1), (3, 2), (3, 4), (5, 2)];

/// One request's size parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    pub w: Option<u32>,
    pub h: Option<u32>,
    pub fit: Option<&'static str>,
    pub dpr: Option<(u32, u32)>,
    /// x, y, w, h in upright source pixels, inside the source.
    pub rect: Option<(u32, u32, u32, u32)>,
    pub ar: Option<(u32, u32)>,
    pub orient: Option<u8>,
}

impl Query {
    pub fn to_query(&self) -> String {
        let mut q = String::new();
        let mut add = |k: &str, v: String| {
            if !q.is_empty() {
                q.push('&');
            }
            let _ = write!(q, "{k}={v}");
        };
        if let Some(w) = self.w {
            add("w", w.to_string());
        }
        if let Some(h) = self.h {
            add("h", h.to_string());
        }
        if let Some(f) = self.fit {
            add("fit", f.to_string());
        }
        if let Some((n, d)) = self.dpr {
            add("dpr", (f64::from(n) / f64::from(d)).to_string());
        }
        if let Some((x, y, w, h)) = self.rect {
            add("rect", format!("{x},{y},{w},{h}"));
        }
        if let Some((a, b)) = self.ar {
            add("ar", format!("{a}:{b}"));
        }
        if let Some(o) = self.orient {
            add("orient", o.to_string());
        }
        q
    }
}

/// a/b rounded half up, at least 1.
fn div_round(a: u64, b: u64) -> u64 {
    ((2 * a + b) / (2 * b)).max(1)
}

/// The output size imgix documents for `q` on a source that is `upright` once oriented (the
/// orientation is the caller's: EXIF or `orient`), or None when it would exceed the output
/// limits (8192 px a side, 16 MP) that the sweep stays inside.
///
/// imgix: "If only one of w/h is given, the other is computed from the input aspect ratio";
/// clip and max fit inside w×h (max never enlarges); crop, scale, fill and fillmax give exactly
/// w×h; min keeps w:h but never exceeds the source; dpr multiplies w and h; rect crops first;
/// ar supplies the missing sides of a crop or fill frame.
pub fn expected(upright: (u32, u32), q: &Query) -> Option<(u32, u32)> {
    let (rw, rh) = match q.rect {
        Some((_, _, w, h)) => (u64::from(w), u64::from(h)),
        None => (u64::from(upright.0), u64::from(upright.1)),
    };
    let (num, den) = q.dpr.map_or((1, 1), |(n, d)| (u64::from(n), u64::from(d)));
    let mut tw = q.w.map(|w| div_round(u64::from(w) * num, den));
    let mut th = q.h.map(|h| div_round(u64::from(h) * num, den));
    let fit = q.fit.unwrap_or("clip");
    if let (Some((a, b)), "crop" | "fill" | "fillmax" | "min") = (q.ar, fit) {
        let (a, b) = (u64::from(a), u64::from(b));
        match (tw, th) {
            (Some(w), None) => th = Some(div_round(w * b, a)),
            (None, Some(h)) => tw = Some(div_round(h * a, b)),
            (None, None) if rw * b > rh * a => (tw, th) = (Some(div_round(rh * a, b)), Some(rh)),
            (None, None) => (tw, th) = (Some(rw), Some(div_round(rw * b, a))),
            _ => {}
        }
    }
    // Which side a contained fit lands on exactly.
    let width_binds = match (tw, th) {
        (Some(w), Some(h)) => w * rh <= h * rw,
        (None, Some(_)) => false,
        _ => true,
    };
    let (w, h) = match (tw, th) {
        (Some(w), Some(h)) => (w, h),
        (Some(w), None) => (w, div_round(w * rh, rw)),
        (None, Some(h)) => (div_round(h * rw, rh), h),
        (None, None) => (rw, rh),
    };
    let contained = if width_binds { (w, div_round(w * rh, rw)) } else { (div_round(h * rw, rh), h) };
    let out = match fit {
        "clip" => contained,
        "max" if (width_binds && w > rw) || (!width_binds && h > rh) => (rw, rh),
        "max" => contained,
        "min" if w <= rw && h <= rh => (w, h),
        "min" if rw * h <= rh * w => (rw, div_round(h * rw, w)),
        "min" => (div_round(w * rh, h), rh),
        _ => (w, h),
    };
    (out.0.max(out.1) <= 8192 && out.0 * out.1 <= 16_000_000).then_some((out.0 as u32, out.1 as u32))
}

/// A side length worth asking for on a source side of `len`: uniform, or next to where a JPEG
/// decode changes its DCT scale (len·s/8 for s = 1, 2, 4).
fn side(rng: &mut Rng, len: u32) -> u32 {
    let (kind, jitter) = (rng.range(0, 3), i64::from(rng.range(0, 4)) - 2);
    let near = |k: u32| (len * k).div_ceil(8) as i64 + jitter;
    let v = match kind {
        0 => near(1),
        1 => near(2),
        2 => near(4),
        _ => i64::from(rng.range(2, (len * 2).clamp(2, 2000))),
    };
    // 1 would be a fraction (100%) in imgix's grammar, not a pixel count.
    v.clamp(2, 4000) as u32
}

/// A request for a source stored as `stored` whose EXIF orientation is `exif`.
pub fn query(rng: &mut Rng, stored: (u32, u32), exif: u8) -> Query {
    let orient = (rng.range(0, 3) == 0).then(|| rng.range(1, 8) as u8);
    // `orient` replaces the EXIF orientation, and decides which way up the sides are.
    let (sw, sh) = if orient.unwrap_or(exif) >= 5 { (stored.1, stored.0) } else { stored };
    let mut q = Query { orient, ..Query::default() };
    match rng.range(0, 7) {
        0 => q.w = Some(side(rng, sw)),
        1 => q.h = Some(side(rng, sh)),
        2 => {
            (q.w, q.h) = (Some(side(rng, sw)), Some(side(rng, sh)));
            q.fit = Some(rng.pick(&FITS));
        }
        3 => {
            q.fit = Some(rng.pick(&["crop", "fill"]));
            q.ar = Some((rng.range(1, 21), rng.range(1, 21)));
            match rng.range(0, 2) {
                0 => q.w = Some(side(rng, sw)),
                1 => q.h = Some(side(rng, sh)),
                _ => {}
            }
        }
        4 => {
            let (w, h) = (rng.range(1, sw), rng.range(1, sh));
            q.rect = Some((rng.range(0, sw - w), rng.range(0, sh - h), w, h));
            if rng.range(0, 1) == 0 {
                q.w = Some(side(rng, w));
            } else {
                q.h = Some(side(rng, h));
            }
            q.fit = Some(rng.pick(&FITS));
        }
        5 => {
            q.dpr = Some(rng.pick(&DPRS));
            q.w = Some(side(rng, sw) / 2 + 1);
            if rng.range(0, 1) == 0 {
                q.h = Some(side(rng, sh) / 2 + 1);
                q.fit = Some(rng.pick(&FITS));
            }
        }
        _ => {
            (q.w, q.h) = (Some(side(rng, sw)), Some(side(rng, sh)));
            q.fit = Some(rng.pick(&["min", "max", "scale"]));
            q.dpr = (rng.range(0, 1) == 0).then(|| rng.pick(&DPRS));
        }
    }
    q
}

/// The upright size of a source stored as `stored` with EXIF `exif`, as `q` orients it.
pub fn upright(stored: (u32, u32), exif: u8, q: &Query) -> (u32, u32) {
    if q.orient.unwrap_or(exif) >= 5 {
        (stored.1, stored.0)
    } else {
        stored
    }
}

/// `/_gen/` names of the source layouts swept: every JPEG coding and chroma layout ixora
/// meets, with EXIF orientations, plus PNG and lossless WebP with and without alpha.
pub fn variant(rng: &mut Rng, w: u32, h: u32) -> String {
    let opts = match rng.range(0, 11) {
        0 => ".jpg".to_string(),
        1 => "-p.jpg".to_string(),
        2 => "-422.jpg".to_string(),
        3 => "-444.jpg".to_string(),
        4 => "-p-422.jpg".to_string(),
        5 => "-p-444.jpg".to_string(),
        6 => "-440.jpg".to_string(),
        7 => "-411.jpg".to_string(),
        8 => format!("-o{}.jpg", rng.range(1, 8)),
        9 => if rng.range(0, 1) == 0 { ".png" } else { "-a.png" }.to_string(),
        _ => if rng.range(0, 1) == 0 { ".webp" } else { "-a.webp" }.to_string(),
    };
    format!("{w}x{h}{opts}")
}
