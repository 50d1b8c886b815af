//! Output formats through the service, checked with an independent decoder (Pillow) when it is
//! installed (`pip install pillow`; scripts/test.sh does it), and with our own probe otherwise.

use std::process::Command;

use super::{check, expect_status, get, get_with, image_info, Servers};
use ixora::codec::Format;

/// What Pillow says about an image, plus PSNR (dB, RGB after flattening onto white) against
/// `reference` when one is given.
#[derive(Debug, Default)]
pub struct Seen {
    pub format: String,
    pub width: u32,
    pub height: u32,
    pub mode: String,
    pub frames: u32,
    pub psnr: Option<f64>,
}

const PILLOW: &str = r#"
import io, json, math, sys
from PIL import Image, ImageChops, ImageStat
def load(p):
    im = Image.open(p); im.load(); return im
def rgb(im):
    im = im.convert("RGBA"); bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
    return Image.alpha_composite(bg, im).convert("RGB")
im = load(sys.argv[1])
out = {"format": im.format, "width": im.width, "height": im.height, "mode": im.mode,
       "frames": getattr(im, "n_frames", 1), "psnr": None}
if len(sys.argv) > 2:
    ref = load(sys.argv[2])
    a, b = rgb(im), rgb(ref).resize(im.size, Image.LANCZOS)
    diff = ImageChops.difference(a, b)
    h = diff.histogram()
    sq = sum(h[c * 256 + i] * i * i for c in range(3) for i in range(256))
    mse = sq / (3.0 * a.width * a.height)
    out["psnr"] = 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)
print(json.dumps(out))
"#;

/// None when python3 or Pillow is missing: callers fall back to our own probe.
pub fn pillow(body: &[u8], reference: Option<&[u8]>) -> Result<Option<Seen>, String> {
    static AVAILABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let available = *AVAILABLE
        .get_or_init(|| Command::new("python3").args(["-c", "import PIL"]).output().is_ok_and(|o| o.status.success()));
    if !available {
        return Ok(None);
    }
    let dir = std::env::temp_dir().join(format!("ixora-pillow-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let a = dir.join("a");
    std::fs::write(&a, body).map_err(|e| e.to_string())?;
    let mut cmd = Command::new("python3");
    cmd.arg("-c").arg(PILLOW).arg(&a);
    if let Some(r) = reference {
        let b = dir.join("b");
        std::fs::write(&b, r).map_err(|e| e.to_string())?;
        cmd.arg(&b);
    }
    let out = cmd.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("Pillow could not read the output: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    Ok(Some(Seen {
        format: v["format"].as_str().unwrap_or("").to_string(),
        width: v["width"].as_u64().unwrap_or(0) as u32,
        height: v["height"].as_u64().unwrap_or(0) as u32,
        mode: v["mode"].as_str().unwrap_or("").to_string(),
        frames: v["frames"].as_u64().unwrap_or(0) as u32,
        psnr: v["psnr"].as_f64(),
    }))
}

/// Lossy WebP at `q`: smaller than lossless, a VP8 bitstream, size follows q, and close to the
/// lossless rendering of the same geometry.
pub fn lossy_webp(s: &Servers) -> Result<(), String> {
    let reference = get(s, "/photo.jpg?w=800&fm=png")?;
    expect_status(&reference, 200, "reference png")?;
    let mut sizes = Vec::new();
    for q in [30, 75, 95] {
        let t = format!("/photo.jpg?w=800&fm=webp&q={q}");
        let r = get(s, &t)?;
        expect_status(&r, 200, &t)?;
        check(r.header("content-type") == Some("image/webp"), || format!("{t}: type {:?}", r.header("content-type")))?;
        check(r.body.get(12..16) == Some(b"VP8 "), || format!("{t}: not a lossy VP8 stream"))?;
        let info = image_info(&r.body)?;
        check(info == (Format::Webp, 800, 600), || format!("{t}: {info:?}"))?;
        if let Some(seen) = pillow(&r.body, Some(&reference.body))? {
            check(seen.format == "WEBP" && (seen.width, seen.height) == (800, 600), || format!("{t}: {seen:?}"))?;
            let psnr = seen.psnr.unwrap_or(0.0);
            let floor = if q >= 75 { 34.0 } else { 30.0 };
            check(psnr >= floor, || format!("{t}: PSNR {psnr:.1} dB < {floor}"))?;
            println!("    {t}: {} bytes, PSNR {psnr:.1} dB, {}", r.body.len(), timing(&r, "encode"));
        }
        sizes.push(r.body.len());
    }
    check(sizes[0] < sizes[1] && sizes[1] < sizes[2], || format!("sizes do not follow q: {sizes:?}"))?;
    let t = "/photo.jpg?w=800&fm=webp&lossless=1";
    let r = get(s, t)?;
    check(r.body.get(12..16) == Some(b"VP8L"), || format!("{t}: not lossless"))?;
    check(r.body.len() > sizes[2], || format!("lossless {} should exceed q95 {}", r.body.len(), sizes[2]))?;
    // Alpha survives lossy encoding (VP8X + ALPH).
    let t = "/alpha.png?w=300&fm=webp";
    let r = get(s, t)?;
    if let Some(seen) = pillow(&r.body, None)? {
        check(seen.mode == "RGBA", || format!("{t}: mode {}", seen.mode))?;
    }
    // auto=format serves the lossy encoding.
    let r = get_with(s, "/photo.jpg?w=400&auto=format", &[("Accept", "image/webp")])?;
    check(r.body.get(12..16) == Some(b"VP8 "), || "auto=format webp is not lossy".into())
}

/// `stage;dur=…` from Server-Timing, for the log.
fn timing(r: &super::http::Reply, stage: &str) -> String {
    let st = r.header("server-timing").unwrap_or("");
    st.split(',').map(str::trim).find(|p| p.starts_with(stage)).unwrap_or("").to_string()
}

/// PNG8 (palette, dithered), png32 (always RGBA), colorquant, and the auto=compress fallback.
pub fn palette_outputs(s: &Servers) -> Result<(), String> {
    // IHDR colour type: byte 25 (3 = indexed, 6 = RGBA, 2 = RGB).
    let colour_type = |b: &[u8]| b.get(25).copied().unwrap_or(0);
    let reference = get(s, "/alpha.png?w=300&fm=png")?;
    let t = "/alpha.png?w=300&fm=png8";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    check(colour_type(&r.body) == 3, || format!("{t}: colour type {}", colour_type(&r.body)))?;
    check(r.body.len() < reference.body.len(), || {
        format!("{t}: {} >= truecolour {}", r.body.len(), reference.body.len())
    })?;
    if let Some(seen) = pillow(&r.body, Some(&reference.body))? {
        check(seen.mode == "P" && (seen.width, seen.height) == (300, 225), || format!("{t}: {seen:?}"))?;
        let psnr = seen.psnr.unwrap_or(0.0);
        check(psnr > 30.0, || format!("{t}: PSNR {psnr:.1}"))?;
        println!("    {t}: {} bytes (truecolour {}), PSNR {psnr:.1} dB", r.body.len(), reference.body.len());
    }
    let t = "/photo.jpg?w=200&fm=png32";
    let r = get(s, t)?;
    check(colour_type(&r.body) == 6, || format!("{t}: colour type {}", colour_type(&r.body)))?;
    let t = "/photo.jpg?w=200&fm=png&colorquant=8";
    let r = get(s, t)?;
    check(colour_type(&r.body) == 3 && r.body.get(24) == Some(&4), || format!("{t}: not a 4-bit palette PNG"))?;
    // auto=compress: alpha → PNG8, opaque → JPEG at q45.
    let r = get(s, "/alpha.png?w=200&auto=compress")?;
    check(r.header("content-type") == Some("image/png") && colour_type(&r.body) == 3, || "alpha → png8".into())?;
    let r = get(s, "/small.webp?w=200&auto=compress")?;
    check(r.header("content-type") == Some("image/jpeg"), || format!("opaque → jpeg: {:?}", r.header("content-type")))?;
    // Formats ixora cannot write fall back to the default (here the original's JPEG) and say so.
    for fm in ["jxr", "jp2", "mp4", "webm"] {
        let t = format!("/photo.jpg?w=10&fm={fm}");
        let r = get(s, &t)?;
        expect_status(&r, 200, &t)?;
        check(image_info(&r.body)? == (Format::Jpeg, 10, 8), || format!("{t}: {:?}", image_info(&r.body)))?;
        let h = r.header("x-ixora-ignored").unwrap_or("");
        check(h.contains(&format!("fm={fm} (")), || format!("{t}: X-Ixora-Ignored {h:?}"))?;
    }
    Ok(())
}

/// fm=json (imgix's keys, about the original), fm=blurhash, palette=json|css.
pub fn metadata_outputs(s: &Servers) -> Result<(), String> {
    let t = "/exif-6.jpg?fm=json";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    check(r.header("content-type") == Some("application/json"), || format!("{t}: {:?}", r.header("content-type")))?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| format!("{t}: {e}: {}", r.text()))?;
    let origin = super::http::request(&s.origin, "GET", "/exif-6.jpg", &[]).map_err(|e| e.to_string())?;
    let want = serde_json::json!({
        "PixelWidth": 1600, "PixelHeight": 1200, "Content-Type": "image/jpeg", "Orientation": 6,
        "ColorModel": "RGB", "Depth": 8, "Content-Length": origin.body.len().to_string(),
    });
    for (k, w) in want.as_object().unwrap() {
        check(&v[k] == w, || format!("{t}: {k} is {} (want {w}); {v}", v[k]))?;
    }
    check(v["JFIF"]["IsProgressive"] == false && v["TIFF"]["Orientation"] == 6, || format!("{t}: {v}"))?;
    if s.corpus.is_some() {
        let r = get(s, "/Landscape_6.jpg?fm=json")?;
        let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
        check(v["Orientation"] == 6 && v["PixelWidth"].as_u64().is_some(), || format!("Landscape_6: {v}"))?;
    }

    let t = "/photo.jpg?w=300&fm=blurhash";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    let hash = r.text();
    check(hash.len() == 28 && hash.starts_with('L'), || format!("{t}: {hash:?}"))?;
    check(r.header("content-type").is_some_and(|c| c.starts_with("text/plain")), || "blurhash type".into())?;

    let t = "/photo.jpg?w=300&palette=json&colors=4";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| format!("{t}: {e}"))?;
    let colors = v["colors"].as_array().map(Vec::len).unwrap_or(0);
    check((1..=4).contains(&colors), || format!("{t}: {v}"))?;
    check(v["average_luminance"].as_f64().is_some_and(|l| (0.0..=1.0).contains(&l)), || format!("{t}: {v}"))?;
    check(v["dominant_colors"].is_object(), || format!("{t}: {v}"))?;
    let t = "/photo.jpg?w=300&palette=css&prefix=hero";
    let r = get(s, t)?;
    check(r.header("content-type") == Some("text/css"), || format!("{t}: {:?}", r.header("content-type")))?;
    check(r.text().contains(".hero-fg-1 { color:#") && r.text().contains(".hero-bg-1 {"), || r.text())
}

/// Animated GIF/WebP in → animated out with the same frame count; frame, fps, reverse, loop,
/// interval and skip.
pub fn animation(s: &Servers) -> Result<(), String> {
    let frames_of = |body: &[u8]| -> Result<u32, String> {
        Ok(ixora::codec::probe(body, &ixora::codec::Limits::default()).map_err(|e| e.to_string())?.frames)
    };
    // animated.gif: 8 frames, 320x240, loops forever.
    for (t, fmt, frames) in [
        ("/animated.gif?w=160", Format::Gif, 8),
        ("/animated.gif?w=160&fm=webp", Format::Webp, 8),
        ("/animated.gif?w=160&interval=2", Format::Gif, 4),
        ("/animated.gif?w=160&skip=4", Format::Gif, 6),
        ("/animated.gif?w=160&frame=3", Format::Gif, 1),
        ("/animated.gif?w=160&fm=png", Format::Png, 1),
    ] {
        let r = get(s, t)?;
        expect_status(&r, 200, t)?;
        let info = image_info(&r.body)?;
        check(info == (fmt, 160, 120), || format!("{t}: {info:?}"))?;
        let n = frames_of(&r.body)?;
        check(n == frames, || format!("{t}: {n} frames, want {frames}"))?;
        if let Some(seen) = pillow(&r.body, None)? {
            check(seen.frames == frames && (seen.width, seen.height) == (160, 120), || {
                format!("{t}: Pillow {seen:?}")
            })?;
        }
    }
    // Timing and loop count as Pillow reads them.
    let r = get(s, "/animated.gif?w=100&fps=10&loop=3")?;
    let gif = ixora::codec::container::read(&r.body, Format::Gif);
    check(gif.loop_count == Some(3), || format!("loop count {:?}", gif.loop_count))?;
    // GIF delays are centiseconds: fps=10 → 10 cs in every graphic control extension.
    check(r.body.windows(6).any(|w| w[0] == 0x21 && w[1] == 0xF9 && w[2] == 4 && w[4] == 10 && w[5] == 0), || {
        "fps=10 did not write 10 cs delays".into()
    })?;
    // reverse: the first output frame is the source's last.
    let last = get(s, "/animated.gif?w=100&frame=8&fm=png")?;
    let rev = get(s, "/animated.gif?w=100&reverse=true&fm=gif")?;
    let (a, b) = (super::decode(&last.body)?, super::decode(&rev.body)?);
    let (pa, pb) = (a.pixel(5, 5).to_vec(), b.pixel(5, 5).to_vec());
    check(pa.iter().zip(&pb).take(3).all(|(x, y)| x.abs_diff(*y) < 24), || format!("reverse: {pb:?} vs last {pa:?}"))?;
    // Corpus animations (GIF and WebP) keep their frame counts.
    if s.corpus.is_some() {
        for (name, frames) in [
            ("sharp__animated-loop-3.gif", 10),
            ("sharp__animated-loop-3.webp", 10),
            ("sharp__rotating-squares.gif", 30),
        ] {
            let t = format!("/{name}?w=100");
            let r = get(s, &t)?;
            expect_status(&r, 200, &t)?;
            let n = frames_of(&r.body)?;
            check(n == frames, || format!("{t}: {n} frames, want {frames}"))?;
            println!("    {t}: {n} frames, {} bytes, {}", r.body.len(), timing(&r, "total"));
        }
    }
    Ok(())
}

const PILLOW_ICC: &str = r#"
import io, json, math, sys
from PIL import Image, ImageChops, ImageCms
ours, original = Image.open(sys.argv[1]).convert("RGB"), Image.open(sys.argv[2])
icc = original.info.get("icc_profile")
src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
if original.mode not in ("RGB", "L"):
    original = original.convert("RGB")
ref = ImageCms.profileToProfile(original, src, ImageCms.createProfile("sRGB"), outputMode="RGB")
ref = ref.resize(ours.size, Image.LANCZOS)
h = ImageChops.difference(ours, ref).histogram()
mse = sum(h[c * 256 + i] * i * i for c in range(3) for i in range(256)) / (3.0 * ours.width * ours.height)
print(json.dumps({"psnr": 99.0 if mse == 0 else 10 * math.log10(255 * 255 / mse)}))
"#;

/// PSNR of our rendering against Pillow + LittleCMS converting the original to sRGB.
fn icc_reference_psnr(ours: &[u8], original: &[u8]) -> Result<f64, String> {
    let dir = std::env::temp_dir().join(format!("ixora-icc-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let (a, b) = (dir.join("ours"), dir.join("original"));
    std::fs::write(&a, ours).map_err(|e| e.to_string())?;
    std::fs::write(&b, original).map_err(|e| e.to_string())?;
    let out = Command::new("python3").arg("-c").arg(PILLOW_ICC).arg(&a).arg(&b).output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!("Pillow ImageCms: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    v["psnr"].as_f64().ok_or_else(|| "no psnr".into())
}

/// Embedded profiles (Display P3, grey, ProPhoto) come out, with `cs=srgb`, as the sRGB an
/// ICC-aware reference (Pillow with LittleCMS) produces; cs=strip keeps the numbers and so
/// differs. (Without `cs` the wide-gamut ones keep their profile: docs/formats.md.)
pub fn colour_management(s: &Servers) -> Result<(), String> {
    if s.corpus.is_none() || !pillow_available() {
        println!("    (skipped: needs ../shared/corpus and Pillow)");
        return Ok(());
    }
    for (name, floor) in
        [("wgt__P3-sRGB-color-ring.jpg", 38.0), ("sharp__concert.jpg", 38.0), ("sharp__prophoto.png", 30.0)]
    {
        let original = super::http::request(&s.origin, "GET", &format!("/{name}"), &[]).map_err(|e| e.to_string())?;
        let t = format!("/{name}?w=300&fm=png&cs=srgb");
        let r = get(s, &t)?;
        expect_status(&r, 200, &t)?;
        let psnr = icc_reference_psnr(&r.body, &original.body)?;
        println!("    {t}: PSNR {psnr:.1} dB against Pillow/LittleCMS sRGB");
        check(psnr >= floor, || format!("{t}: PSNR {psnr:.1} < {floor}"))?;
        if name.starts_with("wgt__") {
            let t = format!("/{name}?w=300&fm=png&cs=strip");
            let stripped = icc_reference_psnr(&get(s, &t)?.body, &original.body)?;
            check(stripped + 3.0 < psnr, || format!("{t}: stripped {stripped:.1} dB should be worse than {psnr:.1}"))?;
            // Without `cs` the wide-gamut original keeps its profile (docs/formats.md).
            let t = format!("/{name}?w=300&fm=png");
            let kept = ixora::codec::container::read(&get(s, &t)?.body, Format::Png).icc;
            let icc = ixora::codec::container::read(&original.body, Format::Jpeg).icc;
            check(kept.is_some() && kept == icc, || format!("{t}: profile not kept"))?;
        }
    }
    Ok(())
}

fn pillow_available() -> bool {
    Command::new("python3").args(["-c", "import PIL.ImageCms"]).output().is_ok_and(|o| o.status.success())
}

/// fm=avif encodes AVIF (Pillow decodes it when built with AVIF); auto=format picks AVIF only
/// for small outputs and WebP above `AVIF_AUTO_MAX_PIXELS`.
pub fn avif(s: &Servers) -> Result<(), String> {
    let reference = get(s, "/photo.jpg?w=200&fm=png")?;
    let t = "/photo.jpg?w=200&fm=avif&q=70";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    check(r.header("content-type") == Some("image/avif"), || format!("{t}: {:?}", r.header("content-type")))?;
    check(r.body.get(4..12) == Some(b"ftypavif"), || format!("{t}: not an AVIF file"))?;
    println!("    {t}: {} bytes, {}", r.body.len(), timing(&r, "encode"));
    if let Some(seen) = pillow(&r.body, Some(&reference.body))? {
        let psnr = seen.psnr.unwrap_or(0.0);
        check(seen.format == "AVIF" && (seen.width, seen.height) == (200, 150), || format!("{t}: {seen:?}"))?;
        check(psnr > 30.0, || format!("{t}: PSNR {psnr:.1}"))?;
        println!("    {t}: PSNR {psnr:.1} dB (Pillow)");
    }
    let chrome = [("Accept", "image/avif,image/webp,*/*")];
    let r = get_with(s, "/photo.jpg?w=100&auto=format", &chrome)?;
    check(r.header("content-type") == Some("image/avif"), || format!("small: {:?}", r.header("content-type")))?;
    let r = get_with(s, "/photo.jpg?w=800&auto=format", &chrome)?;
    check(r.header("content-type") == Some("image/webp"), || format!("large: {:?}", r.header("content-type")))?;
    let r = get_with(s, "/alpha.png?w=100&auto=format", &chrome)?;
    check(r.body.windows(4).any(|w| w == b"auxC"), || "alpha AVIF lacks its alpha item".into())
}

/// The EXIF set Landscape_0..8.jpg (one photo stored in the eight orientations, 0 = no tag)
/// displays like Landscape_1.jpg.
pub fn exif_orientation_set(s: &Servers) -> Result<(), String> {
    if s.corpus.is_none() {
        println!("    (skipped: ../shared/corpus is absent)");
        return Ok(());
    }
    let want = super::decode(&get(s, "/Landscape_1.jpg?w=240&fm=png")?.body)?;
    // Flipped Landscape_1 is the negative control: it must score below the threshold.
    for (t, flipped) in [0, 2, 3, 4, 5, 6, 7, 8]
        .map(|n| (format!("/Landscape_{n}.jpg?w=240&fm=png"), false))
        .into_iter()
        .chain([("/Landscape_1.jpg?w=240&fm=png&flip=h".to_string(), true)])
    {
        let got = super::decode(&get(s, &t)?.body)?;
        check((got.width, got.height) == (want.width, want.height), || {
            format!("{t}: {}x{} vs {}x{}", got.width, got.height, want.width, want.height)
        })?;
        let mse = got.data.iter().zip(&want.data).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum::<f64>()
            / got.data.len() as f64;
        let psnr = 10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10();
        println!("    {t}: PSNR {psnr:.1} dB against Landscape_1");
        // Re-encoded copies of one photo land near 30 dB; a wrong orientation far lower.
        check((psnr > 25.0) != flipped, || format!("{t}: PSNR {psnr:.1} dB against Landscape_1"))?;
    }
    Ok(())
}

/// The first value of the first DQT table (luma DC quantiser): larger at lower quality.
fn jpeg_dc_quantiser(jpeg: &[u8]) -> Option<u8> {
    let at = jpeg.windows(2).position(|w| w == [0xFF, 0xDB])?;
    jpeg.get(at + 5).copied()
}

/// `ch=width,dpr,save-data` through the edge: each hint the request carries changes the
/// output (Width in device pixels, DPR, Save-Data's q=45), the derivative cache keeps hinted
/// variants apart, and responses carry Accept-CH and Vary for the opted-in hints.
pub fn client_hints(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=100&ch=width,dpr,save-data";
    let dims = |r: &super::http::Reply| image_info(&r.body).map(|(_, w, h)| (w, h));
    let plain = get(s, t)?;
    expect_status(&plain, 200, t)?;
    check(dims(&plain)? == (100, 75), || format!("{t} without hints: {:?}", dims(&plain)))?;
    let accept_ch = plain.header("accept-ch").unwrap_or("");
    check(accept_ch == "Sec-CH-Width, Width, Sec-CH-DPR, DPR, Save-Data", || format!("Accept-CH {accept_ch:?}"))?;
    let vary = plain.header("vary").unwrap_or("");
    check(vary == "Sec-CH-Width, Width, Sec-CH-DPR, DPR, Save-Data", || format!("Vary {vary:?}"))?;

    for (headers, want) in [
        (&[("Width", "300")][..], (300, 225)),
        (&[("Sec-CH-DPR", "2")][..], (200, 150)),
        // Width is in device pixels: with DPR 2 the output is still 320 wide.
        (&[("Sec-CH-Width", "320"), ("DPR", "2")][..], (320, 240)),
    ] {
        let r = get_with(s, t, headers)?;
        expect_status(&r, 200, t)?;
        check(dims(&r)? == want, || format!("{t} {headers:?}: {:?}, want {want:?}", dims(&r)))?;
        // The hinted variant has its own cache entry: asking again hits it.
        let again = get_with(s, t, headers)?;
        check(again.header("x-cache") == Some("HIT") && again.body == r.body, || {
            format!("{t} {headers:?}: second request {:?}", again.header("x-cache"))
        })?;
    }
    let saving = get_with(s, t, &[("Save-Data", "on")])?;
    let (q_plain, q_saving) = (jpeg_dc_quantiser(&plain.body), jpeg_dc_quantiser(&saving.body));
    println!(
        "    Save-Data: {} → {} bytes, DC quantiser {q_plain:?} → {q_saving:?}",
        plain.body.len(),
        saving.body.len()
    );
    check(dims(&saving)? == (100, 75) && q_saving > q_plain && saving.body.len() < plain.body.len(), || {
        format!("Save-Data: {} vs {} bytes, quantiser {q_saving:?} vs {q_plain:?}", saving.body.len(), plain.body.len())
    })?;
    // Without `ch` the hint headers change nothing and no hint header is advertised.
    let r = get_with(s, "/photo.jpg?w=100", &[("Width", "300"), ("DPR", "2"), ("Save-Data", "on")])?;
    check(dims(&r)? == (100, 75), || format!("no ch: {:?}", dims(&r)))?;
    check(r.header("accept-ch").is_none() && r.header("vary").is_none(), || {
        format!("no ch: Accept-CH {:?}, Vary {:?}", r.header("accept-ch"), r.header("vary"))
    })?;
    // With auto=format too, Vary names Accept first.
    let r = get_with(s, "/photo.jpg?w=100&ch=dpr&auto=format", &[("Accept", "image/webp"), ("DPR", "1.5")])?;
    check(r.header("vary") == Some("Accept, Sec-CH-DPR, DPR"), || format!("Vary {:?}", r.header("vary")))?;
    check(dims(&r)? == (150, 113) || dims(&r)? == (150, 112), || format!("DPR 1.5: {:?}", dims(&r)))?;
    Ok(())
}

/// `cs`, `dpi` and `iptc` in the wasm build: the Adobe RGB profile and the density are in the
/// JPEG the edge sends, and the tiny sRGB profile rides in a WebP.
pub fn colour_space_and_metadata(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=120&cs=adobergb1998&dpi=300";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    let x = ixora::codec::container::read(&r.body, Format::Jpeg);
    let desc = x.icc.as_deref().and_then(ixora::codec::container::icc_description).unwrap_or_default();
    check(desc.contains("Adobe RGB"), || format!("{t}: profile {desc:?}"))?;
    check(x.dpi == Some((300.0, 300.0)), || format!("{t}: dpi {:?}", x.dpi))?;
    let t = "/photo.jpg?w=120&cs=tinysrgb&fm=webp";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    let icc = ixora::codec::container::read(&r.body, Format::Webp).icc;
    check(icc == Some(ixora::codec::icc::tiny_srgb()), || format!("{t}: ICCP {:?} bytes", icc.map(|i| i.len())))?;
    check(image_info(&r.body)? == (Format::Webp, 120, 90), || format!("{t}: {:?}", image_info(&r.body)))?;
    if let Some(seen) = pillow(&r.body, None)? {
        check(seen.format == "WEBP" && (seen.width, seen.height) == (120, 90), || format!("{t}: Pillow {seen:?}"))?;
    }
    let r = get(s, "/photo.jpg?w=120")?;
    let x = ixora::codec::container::read(&r.body, Format::Jpeg);
    check(x.icc.is_none() && x.dpi.is_none() && x.iptc.is_none(), || "default output carries metadata".into())?;
    Ok(())
}

/// AVIF, TIFF and SVG originals (local-origin's `alpha.avif`, `ramp16.tiff`, `logo.svg`):
/// decoded in wasm, resized, and checked pixel by pixel.
pub fn avif_tiff_svg_inputs(s: &Servers) -> Result<(), String> {
    let fetch = |t: &str, mime: &str| -> Result<ixora::image::Image, String> {
        let r = get(s, t)?;
        expect_status(&r, 200, t)?;
        check(r.header("content-type") == Some(mime), || format!("{t}: type {:?}", r.header("content-type")))?;
        super::decode(&r.body)
    };
    let rgba = |img: &ixora::image::Image, x: u32, y: u32| img.pixel(x, y).to_vec();

    // AVIF with alpha → AVIF (imgix falls back to the source type), alpha kept.
    let t = "/alpha.avif?w=160";
    let img = fetch(t, "image/avif")?;
    check((img.width, img.height, img.channels) == (160, 120, 4), || format!("{t}: {}x{}", img.width, img.height))?;
    let disc = rgba(&img, 80, 56);
    check(super::near(&disc, [255, 128, 0], 10) && disc[3] >= 245, || format!("{t}: disc {disc:?}"))?;
    let corner = rgba(&img, 4, 4);
    check(corner[3] <= 5, || format!("{t}: corner {corner:?}"))?;
    let band = rgba(&img, 80, 110);
    check(super::near(&band, [0, 96, 255], 12) && band[3].abs_diff(128) <= 8, || format!("{t}: band {band:?}"))?;
    // Flattened onto a colour for JPEG.
    let img = fetch("/alpha.avif?w=160&fm=jpg&bg=00ff00", "image/jpeg")?;
    let corner = rgba(&img, 4, 4);
    check(super::near(&corner, [0, 255, 0], 12), || format!("alpha.avif on green: corner {corner:?}"))?;
    let r = get(s, "/alpha.avif?fm=json")?;
    let json = r.text();
    check(json.contains(r#""Content-Type":"image/avif""#) && json.contains(r#""PixelWidth":320"#), || json.clone())?;

    // 16-bit TIFF → PNG, ramps halved; the constant blue proves 16 → 8 bits rounds (101, not 100).
    let t = "/ramp16.tiff?w=320";
    let img = fetch(t, "image/png")?;
    check((img.width, img.height, img.channels) == (320, 240, 3), || format!("{t}: {}x{}", img.width, img.height))?;
    for (x, y) in [(40, 30), (160, 120), (300, 220)] {
        let p = rgba(&img, x, y);
        // Output pixel x covers source 2x..2x+1, whose red is (2x + 0.5) * 255 / 639.
        let want = |v: u32, side: f64| ((2.0 * f64::from(v) + 0.5) * 255.0 / side).round() as u8;
        let want = [want(x, 639.0), want(y, 479.0), 101];
        check(super::near(&p, want, 2) && p[2] == 101, || format!("{t}: ({x},{y}) {p:?}, want {want:?}"))?;
    }

    // SVG drawn at the requested size: w=2000 on a 100-unit logo has hard edges at 1000.
    let t = "/logo.svg?w=2000";
    let img = fetch(t, "image/png")?;
    check((img.width, img.height, img.channels) == (2000, 2000, 4), || format!("{t}: {}x{}", img.width, img.height))?;
    for (x, y, want) in [
        (999, 500, [255, 0, 0, 255]),
        (1000, 500, [0, 0, 255, 255]),
        (1500, 999, [0, 0, 255, 255]),
        (1500, 1000, [0, 0, 0, 0]),
        (999, 1500, [255, 0, 0, 255]),
    ] {
        let p = rgba(&img, x, y);
        // Transparent pixels may carry any colour; compare alpha only there.
        let same = if want[3] == 0 { p[3] == 0 } else { p == want };
        check(same, || format!("{t}: ({x},{y}) {p:?}, want {want:?} (an upscaled render would blur here)"))?;
    }
    let img = fetch("/logo.svg?w=40&h=20&fit=crop", "image/png")?;
    check((img.width, img.height) == (40, 20), || format!("svg crop: {}x{}", img.width, img.height))?;
    let r = get(s, "/logo.svg?fm=json")?;
    let json = r.text();
    check(json.contains(r#""PixelWidth":100"#) && json.contains("image/svg+xml"), || json.clone())
}

/// Corrupt AV1 data inside a valid AVIF container (local-origin's `/_fault/flip/<byte>/alpha.avif`,
/// bytes across the `mdat` payload): every answer is an image or a 422, never the 500 of a
/// trapped wasm instance. Stock rav1d 1.1.0 aborts on such data (scripts/patch-rav1d.sh).
pub fn corrupt_avif_is_a_422(s: &Servers) -> Result<(), String> {
    let original = get(s, "/alpha.avif")?;
    expect_status(&original, 200, "/alpha.avif")?;
    let body = &original.body;
    let mdat = body.windows(4).position(|w| w == b"mdat").ok_or("alpha.avif has no mdat")? + 4;
    let (mut images, mut refused_by_av1) = (0, 0);
    let step = ((body.len() - mdat) / 60).max(1);
    for at in (mdat..body.len()).step_by(step) {
        let t = format!("/_fault/flip/{at}/alpha.avif?w=100&fm=png");
        let r = get(s, &t)?;
        match r.status {
            200 => images += 1,
            422 => refused_by_av1 += usize::from(r.text().contains("AV1 decoder")),
            other => return Err(format!("{t}: status {other} ({})", r.text())),
        }
    }
    println!("    flipped AV1 bytes: {images} images, {refused_by_av1} AV1 decoder 422s");
    // Both happen: the decoder's own error path ran (and answered) in wasm.
    check(images > 0 && refused_by_av1 > 0, || {
        format!("of the flipped bytes, {images} gave images and {refused_by_av1} an AV1 decoder 422")
    })
}

/// imgix: "when used in conjunction with fm for non-animated assets, auto=compress overrides the
/// fm parameter and uses JPEG or PNG depending on whether an alpha channel exists".
pub fn auto_compress_overrides_fm(s: &Servers) -> Result<(), String> {
    for (t, mime, format) in [
        ("/photo.jpg?w=100&fm=webp&auto=compress", "image/jpeg", Format::Jpeg),
        ("/photo.jpg?w=100&fm=png&auto=compress", "image/jpeg", Format::Jpeg),
        ("/photo.jpg?w=100&fm=avif&auto=compress", "image/jpeg", Format::Jpeg),
        ("/alpha.png?w=100&fm=jpg&auto=compress", "image/png", Format::Png),
        ("/alpha.png?w=100&fm=webp&auto=compress", "image/png", Format::Png),
        // auto=format's negotiation still wins when the browser takes WebP.
        ("/alpha.png?w=100&fm=jpg&auto=compress&auto=format", "image/webp", Format::Webp),
    ] {
        let r = super::get_with(s, t, &[("Accept", "image/webp,*/*")])?;
        expect_status(&r, 200, t)?;
        check(r.header("content-type") == Some(mime), || format!("{t}: type {:?}", r.header("content-type")))?;
        let (f, w, _) = super::image_info(&r.body)?;
        check((f, w) == (format, 100), || format!("{t}: {f:?} {w} wide"))?;
    }
    // The PNG keeps the alpha; an animation keeps the fm it asked for.
    let img = super::decode(&get(s, "/alpha.png?w=100&fm=jpg&auto=compress")?.body)?;
    check(img.channels == 4 && img.pixel(0, 0)[3] == 0, || format!("alpha lost: {:?}", img.pixel(0, 0)))?;
    let r = get(s, "/animated.gif?fm=gif&auto=compress")?;
    check(r.header("content-type") == Some("image/gif"), || format!("animated: {:?}", r.header("content-type")))
}
