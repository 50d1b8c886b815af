//! Pixel operations through the real wasm: the engine's ops run inside Viceroy's limits.

use crate::servers::Servers;
use crate::{check, decode, get, near};

pub fn pixel_operations_run_in_wasm(s: &Servers) -> Result<(), String> {
    for (target, w, h) in [
        ("/photo.jpg?w=200&sat=-100&fm=png", 200, 150),
        ("/photo.jpg?w=300&blur=2000&fm=jpg", 300, 225),
        ("/photo.jpg?w=300&bri=20&con=20&sharp=40&usm=30&nr=30&sepia=50&fm=jpg", 300, 225),
        ("/photo.jpg?w=300&htn=6&px=4&duotone=000080,ffff00&fm=jpg", 300, 225),
        ("/exif-6.jpg?w=100&border=5,00ff00&pad=5&fm=png", 100, 127),
        ("/exif-6.jpg?w=120&rot=15&mask=ellipse&fm=png", 120, 160),
        ("/exif-6.jpg?trim=auto&w=0.25&fm=png", 292, 392),
        ("/photo.jpg?w=300&h=300&fit=crop&crop=entropy&fm=jpg", 300, 300),
        ("/exif-6.jpg?w=300&h=300&fit=fill&fill=blur&fm=jpg", 300, 300),
    ] {
        let r = get(s, target)?;
        check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
        let img = decode(&r.body)?;
        // Trim finds the border within a few pixels of JPEG noise.
        let tol = if target.contains("trim") { 3 } else { 0 };
        check(img.width.abs_diff(w) <= tol && img.height.abs_diff(h) <= tol, || {
            format!("{target}: {}x{}, want {w}x{h}", img.width, img.height)
        })?;
        if target.contains("sat=-100") {
            check(img.data.chunks(img.channels as usize).all(|p| p[0] == p[1] && p[1] == p[2]), || "not grey".into())?;
        }
        if target.contains("border=5,00ff00") {
            check(near(&img.pixel(1, 1)[..3], [0, 255, 0], 0), || format!("border {:?}", img.pixel(1, 1)))?;
        }
    }
    Ok(())
}

fn mean_abs_diff(a: &ixora::image::Image, b: &ixora::image::Image) -> Result<f64, String> {
    check((a.width, a.height, a.channels) == (b.width, b.height, b.channels), || {
        format!("sizes differ: {}x{}x{} vs {}x{}x{}", a.width, a.height, a.channels, b.width, b.height, b.channels)
    })?;
    Ok(a.data.iter().zip(&b.data).map(|(x, y)| x.abs_diff(*y) as f64).sum::<f64>() / a.data.len() as f64)
}

fn png(s: &Servers, target: &str) -> Result<ixora::image::Image, String> {
    let r = get(s, target)?;
    check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
    decode(&r.body)
}

/// Face detection inside Viceroy on the corpus portrait (stored sideways, EXIF 6): faces=1 finds
/// it upright, fit=facearea and crop=faces show the same pixels as a `rect` crop of its box, and
/// an image without faces falls back to the plain crop.
pub fn faces_in_wasm(s: &Servers) -> Result<(), String> {
    const HOPPER: &str = "pil__hopper_orientation_6.webp";
    if !s.corpus.as_ref().is_some_and(|c| c.iter().any(|n| n == HOPPER)) {
        println!("    (skipped: ../shared/corpus/{HOPPER} is absent)");
        return Ok(());
    }
    let r = get(s, &format!("/{HOPPER}?fm=json&faces=1"))?;
    check(r.status == 200, || format!("json: {} {}", r.status, r.text()))?;
    let doc: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    let faces = doc["Faces"].as_array().cloned().unwrap_or_default();
    check(faces.len() == 1, || format!("want one face: {doc}"))?;
    let b = |k: &str| faces[0]["bounds"][k].as_f64().unwrap_or(-1.0);
    let (x, y, w, h) = (b("x"), b("y"), b("width"), b("height"));
    check((x - 34.0).abs() <= 4.0 && (y - 22.0).abs() <= 4.0 && (w - 57.0).abs() <= 6.0, || {
        format!("face at {x},{y} {w}x{h}, want about 34,22 57x57")
    })?;

    let area = png(s, &format!("/{HOPPER}?w=64&h=64&fit=facearea&fm=png"))?;
    let (rx, ry, rw, rh) = (x.round(), y.round(), w.round(), h.round());
    let rect = png(s, &format!("/{HOPPER}?rect={rx},{ry},{rw},{rh}&w=64&h=64&fit=crop&fm=png"))?;
    let d = mean_abs_diff(&area, &rect)?;
    check(d < 4.0, || format!("facearea differs from the face's rect crop by {d:.1}"))?;

    // The crop box may sit between pixels: compare with the whole-pixel crops either side, and
    // with the centre crop (y=44) that ignoring the face would give.
    let top = (y + h / 2.0 - 20.0).clamp(0.0, 88.0);
    let faces_crop = png(s, &format!("/{HOPPER}?w=128&h=40&fit=crop&crop=faces&fm=png"))?;
    let near_face = [top.floor(), top.ceil()]
        .iter()
        .map(|t| mean_abs_diff(&faces_crop, &png(s, &format!("/{HOPPER}?rect=0,{t},128,40&fm=png"))?))
        .collect::<Result<Vec<f64>, String>>()?;
    let centre = mean_abs_diff(&faces_crop, &png(s, &format!("/{HOPPER}?w=128&h=40&fit=crop&fm=png"))?)?;
    let d = near_face[0].min(near_face[1]);
    check(d < 8.0 && d * 2.0 < centre, || {
        format!("crop=faces: {d:.1} from the face crop at y={top:.1}, {centre:.1} from the centre crop")
    })?;

    // face-pixel hides the face and leaves the rest: the face box changes, a far corner not.
    let plain = png(s, &format!("/{HOPPER}?fm=png"))?;
    let hidden = png(s, &format!("/{HOPPER}?fm=png&face-pixel=100"))?;
    let (cx, cy) = ((x + w / 2.0) as u32, (y + h / 2.0) as u32);
    check(
        hidden.pixel(cx, cy) != plain.pixel(cx, cy) || hidden.pixel(cx + 5, cy + 5) != plain.pixel(cx + 5, cy + 5),
        || "face-pixel left the face as it was".into(),
    )?;
    check(hidden.pixel(hidden.width - 2, hidden.height - 2) == plain.pixel(plain.width - 2, plain.height - 2), || {
        "face-pixel changed a far corner".into()
    })?;

    // Face areas decode the whole image, plain crops shrink on load: near, not identical.
    let plain = png(s, "/photo-2mp.jpg?w=200&h=200&fit=crop&fm=png")?;
    let fallback = png(s, "/photo-2mp.jpg?w=200&h=200&fit=facearea&fm=png")?;
    let d = mean_abs_diff(&plain, &fallback)?;
    check(d < 2.0, || format!("facearea without faces differs from crop by {d:.1}"))
}

/// mask=<path> fetches a second image from the same origin inside Viceroy: local-origin's
/// alpha.png (transparent, with an orange disc in the middle) as the mask of the photo.
pub fn image_mask_from_the_origin(s: &Servers) -> Result<(), String> {
    let img = png(s, "/photo.jpg?w=200&h=150&fit=crop&mask=/alpha.png&fm=png")?;
    check((img.width, img.height, img.channels) == (200, 150, 4), || format!("{}x{}", img.width, img.height))?;
    check(img.pixel(2, 2)[3] == 0, || format!("corner alpha {}", img.pixel(2, 2)[3]))?;
    // Orange (255,128,0) has Rec. 601 luminance 0.59: the disc keeps the photo at ~59% opacity.
    let a = img.pixel(100, 70)[3];
    check(a.abs_diff(151) <= 6, || format!("disc alpha {a}, want ~151"))?;
    let r = get(s, "/photo.jpg?w=200&mask=https%3A%2F%2Felsewhere.example%2Fm.png")?;
    crate::expect_json_error(&r, 403, "mask on a host off the allow-list")?;
    check(r.text().contains("mask"), || r.text())?;
    let r = get(s, "/photo.jpg?w=200&mask=/no-such-mask.png")?;
    check(r.status == 404 && r.text().contains("mask image"), || format!("{} {}", r.status, r.text()))
}
