//! A render from a working copy gives what the render from the original's bytes gives: same
//! size, format and geometry, and pixels at least as close to the full-resolution render; and it
//! declines what it cannot serve.
//!
//! The direct render shrinks on load to the smallest JPEG scale the output allows, which is
//! softer than resampling from more pixels: on photo.jpg at `w=800` the direct render scores SSIM
//! 0.986 against the full-resolution one and the copy's 0.9985. So the tolerance is stated
//! against the full-resolution render (a copy holding every pixel), not against the direct one.

use std::sync::OnceLock;

use ixora::codec::{self, Limits};
use ixora::image::Image;
use ixora::params::parse;
use ixora::{Accepts, Assets, WorkingCopy};

fn photo() -> &'static [u8] {
    static PHOTO: OnceLock<Vec<u8>> = OnceLock::new();
    PHOTO.get_or_init(|| local_origin::sample("photo.jpg").expect("photo.jpg").bytes)
}

fn copy() -> WorkingCopy {
    static COPY: OnceLock<WorkingCopy> = OnceLock::new();
    COPY.get_or_init(|| WorkingCopy::make(photo(), &Limits::default()).unwrap().expect("a 12 MP photo gets a copy"))
        .clone()
}

/// The same render from every pixel: a "copy" at the original's own size.
fn full() -> WorkingCopy {
    let p = codec::probe(photo(), &Limits::default()).unwrap();
    let image = codec::decode(photo(), &p, (p.width, p.height), &Limits::default()).unwrap();
    WorkingCopy { image, ..copy() }
}

fn both(query: &str) -> (ixora::Rendered, Option<ixora::Rendered>) {
    let params = parse(query).unwrap();
    let (accepts, limits) = (Accepts::default(), Limits::default());
    let direct = ixora::render(photo(), &params, &accepts, &limits).unwrap();
    let from_copy = ixora::render_copy(copy(), &params, &accepts, &limits, &Assets::default()).unwrap();
    (direct, from_copy)
}

/// SSIM of the direct render and of the copy's render against the full-resolution render.
fn scores(query: &str, direct: &ixora::Rendered, from_copy: &ixora::Rendered) -> (f64, f64) {
    let params = parse(query).unwrap();
    let reference = ixora::render_copy(full(), &params, &Accepts::default(), &Limits::default(), &Assets::default())
        .unwrap()
        .expect("every pixel serves any request");
    let reference = decode(&reference.body);
    (ssim(&decode(&direct.body), &reference), ssim(&decode(&from_copy.body), &reference))
}

fn decode(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).unwrap();
    codec::decode(bytes, &p, (p.width, p.height), &Limits::default()).unwrap()
}

/// Mean SSIM of BT.601 luma over 8x8 windows (Wang et al. 2004 constants for 8-bit).
fn ssim(a: &Image, b: &Image) -> f64 {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let luma = |i: &Image, x: u32, y: u32| {
        let p = i.pixel(x, y);
        0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64
    };
    let (c1, c2) = ((0.01f64 * 255.0).powi(2), (0.03f64 * 255.0).powi(2));
    let (mut total, mut n) = (0.0, 0);
    for by in (0..a.height.saturating_sub(7)).step_by(8) {
        for bx in (0..a.width.saturating_sub(7)).step_by(8) {
            let (mut sa, mut sb, mut saa, mut sbb, mut sab) = (0.0, 0.0, 0.0, 0.0, 0.0);
            for y in by..by + 8 {
                for x in bx..bx + 8 {
                    let (p, q) = (luma(a, x, y), luma(b, x, y));
                    (sa, sb, saa, sbb, sab) = (sa + p, sb + q, saa + p * p, sbb + q * q, sab + p * q);
                }
            }
            let (ma, mb) = (sa / 64.0, sb / 64.0);
            let (va, vb, cov) = (saa / 64.0 - ma * ma, sbb / 64.0 - mb * mb, sab / 64.0 - ma * mb);
            total += ((2.0 * ma * mb + c1) * (2.0 * cov + c2)) / ((ma * ma + mb * mb + c1) * (va + vb + c2));
            n += 1;
        }
    }
    total / n as f64
}

#[test]
fn copy_renders_match_the_original_renders() {
    for query in [
        "w=800&fm=png",
        "w=640&h=480&fit=crop&fm=png",
        "w=300&fm=png",
        "w=500&orient=6&fm=png",
        // rect is in the original's pixels, whatever the copy's size.
        "rect=1000,500,2000,1500&w=400&fm=png",
        "w=600&sat=60&flip=h&fm=png",
        "w=1024&h=1024&fit=crop&crop=entropy&fm=png",
        "w=1500&fm=png",
    ] {
        let (direct, from_copy) = both(query);
        let from_copy = from_copy.unwrap_or_else(|| panic!("{query}: the copy should serve it"));
        assert_eq!((from_copy.width, from_copy.height, from_copy.mime), (direct.width, direct.height, direct.mime));
        assert_eq!(from_copy.source, direct.source, "{query}: the source size is the original's");
        let (d, c) = scores(query, &direct, &from_copy);
        assert!(c >= d - 0.001, "{query}: SSIM to the full-resolution render {c:.4} (direct {d:.4})");
    }
}

#[test]
fn lossy_outputs_from_a_copy_keep_format_and_size() {
    for query in ["w=800", "w=640&h=480&fit=crop&fm=webp", "w=400&fm=avif&q=50"] {
        let (direct, from_copy) = both(query);
        let from_copy = from_copy.unwrap();
        let p = codec::probe(&from_copy.body, &Limits::default()).unwrap();
        assert_eq!((p.width, p.height, from_copy.mime), (direct.width, direct.height, direct.mime), "{query}");
        let (d, c) = scores(query, &direct, &from_copy);
        assert!(c >= d - 0.002, "{query}: SSIM to the full-resolution render {c:.4} (direct {d:.4})");
    }
}

#[test]
fn a_copy_declines_what_needs_the_original() {
    // More pixels than the copy has, the original's own bytes, a region found on the whole source.
    for query in ["w=3000", "fm=json", "w=800&dpr=3", "trim=color&trim-color=ffffff&w=400", "rect=0,0,1000,1000&w=900"]
    {
        let (_, from_copy) = both(query);
        assert!(from_copy.is_none(), "{query}: a copy of {}px should not serve it", copy().image.width);
    }
}
