use super::*;
use crate::codec;
use crate::codec::Limits;
use crate::params::parse;
use std::path::Path;

const HOPPER: &str = "corpus/pil__hopper_orientation_6.webp";

fn shared(name: &str) -> Option<Vec<u8>> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared").join(name)).ok()
}

fn decode(bytes: &[u8]) -> Image {
    let limits = Limits::default();
    let p = codec::probe(bytes, &limits).unwrap();
    codec::decode(bytes, &p, (p.width, p.height), &limits).unwrap()
}

/// `bytes` rendered upright through ixora with `query`, as pixels.
fn rendered(bytes: &[u8], query: &str) -> Image {
    let out = crate::render::render(
        bytes,
        &parse(&format!("{query}&fm=png")).unwrap(),
        &crate::Accepts::default(),
        &Limits::default(),
    )
    .unwrap();
    decode(&out.body)
}

/// A generated 1800x1200 photo with the hopper portrait pasted at each (x, y, size).
pub(crate) fn scene(hopper: &[u8], places: &[(u32, u32, u32)]) -> Image {
    let (w, h) = (1800u32, 1200u32);
    let mut img = Image::new(w, h, 3, local_origin::samples::photo_rgb(w, h, 12.0));
    for &(x0, y0, size) in places {
        let face = rendered(hopper, &format!("w={size}&h={size}"));
        for y in 0..size {
            for x in 0..size {
                let src = face.pixel(x, y).to_vec();
                let i = (((y0 + y) * w + x0 + x) * 3) as usize;
                img.data[i..i + 3].copy_from_slice(&src[..3]);
            }
        }
    }
    img
}

fn png(img: &Image) -> Vec<u8> {
    codec::encode(img, &codec::EncodeOptions::new(codec::OutputFormat::Png)).unwrap()
}

fn mean_abs_diff(a: &Image, b: &Image) -> f64 {
    assert_eq!((a.width, a.height, a.channels), (b.width, b.height, b.channels));
    a.data.iter().zip(&b.data).map(|(x, y)| x.abs_diff(*y) as f64).sum::<f64>() / a.data.len() as f64
}

fn photo(w: u32, h: u32) -> Image {
    Image::new(w, h, 3, local_origin::samples::photo_rgb(w, h, 12.0))
}

/// The hopper portrait at 3x in a generated scene: the face is found where it was pasted.
/// Its box in the 128 px original is about (34, 22) 57x57 (checked on the corpus file below).
#[test]
fn finds_the_portrait_in_a_generated_scene() {
    let Some(hopper) = shared(HOPPER) else { return eprintln!("skipped: ../shared/{HOPPER} is absent") };
    let img = scene(&hopper, &[(300, 200, 384)]);
    let faces = detect(&img, 1, (1800, 1200));
    assert_eq!(faces.len(), 1, "{faces:?}");
    let (cx, cy) = faces[0].center();
    assert!((cx - 487.0).abs() < 30.0 && (cy - 351.0).abs() < 30.0, "{faces:?}");
    assert!((120.0..220.0).contains(&faces[0].w), "{faces:?}");
}

#[test]
fn no_faces_in_a_generated_photo() {
    assert_eq!(detect(&photo(1800, 1200), 1, (1800, 1200)), vec![]);
}

/// The corpus file is stored sideways (EXIF 6): bounds come back upright.
#[test]
fn json_lists_faces_upright() {
    let Some(hopper) = shared(HOPPER) else { return eprintln!("skipped: ../shared/{HOPPER} is absent") };
    let out = crate::render::render(
        &hopper,
        &parse("fm=json&faces=1").unwrap(),
        &crate::Accepts::default(),
        &Limits::default(),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    let faces = doc["Faces"].as_array().unwrap();
    assert_eq!(faces.len(), 1, "{doc}");
    let b = &faces[0]["bounds"];
    let v = |k: &str| b[k].as_f64().unwrap();
    assert!((v("x") - 34.0).abs() <= 4.0 && (v("y") - 22.0).abs() <= 4.0, "{b}");
    assert!((v("width") - 57.0).abs() <= 6.0 && (v("height") - 57.0).abs() <= 6.0, "{b}");
    assert_eq!(doc["PixelWidth"], 128, "the usual keys stay");
    // Without faces=1 there is no list; on a photo without faces it is empty.
    let plain =
        crate::render::render(&hopper, &parse("fm=json").unwrap(), &crate::Accepts::default(), &Limits::default())
            .unwrap();
    assert!(!String::from_utf8(plain.body).unwrap().contains("Faces"));
    let bytes = png(&photo(600, 400));
    let out = crate::render::render(
        &bytes,
        &parse("fm=json&faces=1").unwrap(),
        &crate::Accepts::default(),
        &Limits::default(),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.body).unwrap();
    assert_eq!(doc["Faces"], serde_json::json!([]));
}

/// crop=faces moves a narrow crop onto the face; the result is the same pixels as a `rect` crop
/// of that place. Without faces, the chain falls through to its next mode.
#[test]
fn crop_faces_centres_the_crop_on_the_face() {
    let Some(hopper) = shared(HOPPER) else { return eprintln!("skipped: ../shared/{HOPPER} is absent") };
    let img = scene(&hopper, &[(300, 200, 384)]);
    let bytes = png(&img);
    let (cx, _) = detect(&img, 1, (1800, 1200))[0].center();
    let got = rendered(&bytes, "w=300&h=600&fit=crop&crop=faces");
    let x = (cx - 300.0).round();
    let want = rendered(&bytes, &format!("rect={x},0,600,1200&w=300&h=600"));
    assert!(mean_abs_diff(&got, &want) < 2.0, "differs from the crop at x={x}");
    let centre = rendered(&bytes, "w=300&h=600&fit=crop");
    assert!(mean_abs_diff(&got, &centre) > 10.0, "crop=faces gave the centre crop");

    let bytes = png(&photo(1800, 1200));
    for (chain, fallback) in [("faces,entropy", "&crop=entropy"), ("faces,left", "&crop=left"), ("faces", "")] {
        let a = rendered(&bytes, &format!("w=300&h=600&fit=crop&crop={chain}"));
        let b = rendered(&bytes, &format!("w=300&h=600&fit=crop{fallback}"));
        assert_eq!(a, b, "crop={chain} without faces is {fallback:?}");
    }
}

/// fit=facearea shows the padded face box at the output's ratio; without faces the fallback fit
/// decides (crop unless listed).
#[test]
fn facearea_crops_to_the_face() {
    let Some(hopper) = shared(HOPPER) else { return eprintln!("skipped: ../shared/{HOPPER} is absent") };
    let img = scene(&hopper, &[(300, 200, 384)]);
    let bytes = png(&img);
    let faces = detect(&img, 1, (1800, 1200));
    let query = "w=200&h=100&fit=facearea&facepad=1.5";
    let whole = crate::plan::Region { x: 0.0, y: 0.0, w: 1800.0, h: 1200.0 };
    let area = crate::plan::face_area(&parse(query).unwrap(), &faces, whole).unwrap();
    assert!((area.w / area.h - 2.0).abs() < 1e-9 && (area.h - faces[0].h * 1.5).abs() < 1e-6);
    let got = rendered(&bytes, query);
    assert_eq!((got.width, got.height), (200, 100));
    let (x, y, w, h) = (area.x.round(), area.y.round(), area.w.round(), area.h.round());
    let rect = format!("rect={x},{y},{w},{h}&w=200&h=100&fit=crop");
    assert!(mean_abs_diff(&got, &rendered(&bytes, &rect)) < 3.0);

    let bytes = png(&photo(900, 600));
    assert_eq!(rendered(&bytes, "w=200&h=100&fit=facearea"), rendered(&bytes, "w=200&h=100&fit=crop"));
    let filled = rendered(&bytes, "w=200&h=200&fit=facearea,fill&fill-color=ff0000");
    assert_eq!(filled, rendered(&bytes, "w=200&h=200&fit=fill&fill-color=ff0000"));
    assert_eq!(&filled.pixel(100, 5)[..3], &[255, 0, 0], "the fill fallback pads");
}

/// auto=redeye in a real (detected) face: red pupils painted at the eyes turn dark, a red dot
/// away from the face stays red.
#[test]
fn redeye_in_a_detected_face() {
    let Some(hopper) = shared(HOPPER) else { return eprintln!("skipped: ../shared/{HOPPER} is absent") };
    let mut img = scene(&hopper, &[(300, 200, 384)]);
    let spots = [(453i32, 335i32), (522, 335), (1500, 150)];
    for &(cx, cy) in &spots {
        for y in cy - 7..=cy + 7 {
            for x in cx - 7..=cx + 7 {
                if (x - cx).pow(2) + (y - cy).pow(2) <= 49 {
                    let i = ((y * 1800 + x) * 3) as usize;
                    img.data[i..i + 3].copy_from_slice(&[200, 30, 30]);
                }
            }
        }
    }
    assert_eq!(detect(&img, 1, (1800, 1200)).len(), 1, "the painted face is still found");
    let out = rendered(&png(&img), "auto=redeye");
    for &(x, y) in &spots[..2] {
        let p = out.pixel(x as u32, y as u32);
        assert!(p[0] < 60, "pupil at ({x},{y}) is still red: {p:?}");
    }
    assert_eq!(&out.pixel(1500, 150)[..3], &[200, 30, 30]);
}

#[test]
fn redeye_darkens_red_pupils_inside_faces_only() {
    let skin = [210, 160, 130, 255];
    let mut img = Image::filled(300, 200, 3, skin);
    let disc = |img: &mut Image, cx: i32, cy: i32| {
        for y in cy - 6..=cy + 6 {
            for x in cx - 6..=cx + 6 {
                if (x - cx).pow(2) + (y - cy).pow(2) <= 36 {
                    let i = ((y * 300 + x) * 3) as usize;
                    img.data[i..i + 3].copy_from_slice(&[220, 40, 50]);
                }
            }
        }
    };
    // A face box at (20, 20) 100x100 with pupils at a third of its height; a red dot elsewhere.
    disc(&mut img, 50, 55);
    disc(&mut img, 90, 55);
    disc(&mut img, 220, 55);
    remove_redeye(&mut img, &[(20.0, 20.0, 100.0, 100.0)]);
    for (x, y) in [(50, 55), (90, 55)] {
        let p = img.pixel(x, y);
        assert!(p[0] <= 50 && p[1] == 40 && p[2] == 50, "pupil at ({x},{y}) is still red: {p:?}");
    }
    assert_eq!(img.pixel(220, 55), &[220, 40, 50], "red outside faces is kept");
    assert_eq!(img.pixel(70, 70), &skin[..3], "skin is kept");
}
