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
