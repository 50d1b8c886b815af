//! The URL grammar through the real service: equivalent spellings, 400s, ignored parameters.

use crate::servers::Servers;
use crate::{check, expect_json_error, get};

pub fn equivalent_urls_give_identical_bytes(s: &Servers) -> Result<(), String> {
    let urls = [
        "/photo.jpg?w=100",
        "/photo.jpg?width=100",
        "/photo.jpg?w64=MTAw",
        "/photo.jpg?w=100&fit=clip&q=75",
        "/photo.jpg?utm_source=x&w=100.0",
    ];
    let first = get(s, urls[0])?;
    for u in &urls[1..] {
        let r = get(s, u)?;
        check(r.status == 200 && r.body == first.body, || format!("{u} differs from {}", urls[0]))?;
        check(r.header("etag") == first.header("etag"), || format!("{u}: etag {:?}", r.header("etag")))?;
    }
    Ok(())
}

pub fn bad_values_are_400_naming_the_parameter(s: &Servers) -> Result<(), String> {
    for (target, param, needle) in [
        ("/photo.jpg?w=9000", "w", "2–8192"),
        ("/photo.jpg?dpr=9", "dpr", "0–5"),
        ("/photo.jpg?w64=MTAw%3D", "w64", "base64"),
        ("/photo.jpg?fit=sideways", "fit", "fillmax"),
        ("/photo.jpg?fp-x=2", "fp-x", "0–1"),
        ("/photo.jpg?mark-align=nowhere", "mark-align", "top"),
    ] {
        let r = get(s, target)?;
        expect_json_error(&r, 400, target)?;
        let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
        check(v["error"]["param"] == param, || format!("{target}: param {}", v["error"]["param"]))?;
        let msg = v["error"]["message"].as_str().unwrap_or("");
        check(msg.contains(needle), || format!("{target}: message {msg:?} lacks {needle:?}"))?;
    }
    Ok(())
}

pub fn ignored_parameters_are_listed(s: &Servers) -> Result<(), String> {
    let r = get(s, "/photo.jpg?w=100&txt=hello+world&face-blur=40")?;
    check(r.status == 200, || format!("status {}", r.status))?;
    let h = r.header("x-ixora-ignored").unwrap_or("");
    check(h.contains("txt (") && h.contains("face-blur ("), || format!("X-Ixora-Ignored: {h:?}"))?;
    let r = get(s, "/photo.jpg?w=100")?;
    check(r.header("x-ixora-ignored").is_none(), || "header on a clean URL".into())
}

/// A parameter at its default (`q=75`, `fit=clip`, `dpr=1`) still renders, as imgix does
/// whenever any parameter is present: orientation applied, metadata stripped. Only a URL with no
/// imgix parameter (nothing, or only unknown names) is the original's bytes.
pub fn parameters_at_their_default_still_render(s: &Servers) -> Result<(), String> {
    let original = crate::http::request(&s.origin, "GET", "/exif-6.jpg", &[]).map_err(|e| e.to_string())?;
    let has_exif = |b: &[u8]| b.windows(6).any(|w| w == b"Exif\0\0");
    check(has_exif(&original.body), || "exif-6.jpg has no EXIF".into())?;
    let probe = |b: &[u8]| ixora::codec::probe(b, &ixora::codec::Limits::default()).map_err(|e| format!("probe: {e}"));
    let mut first: Option<Vec<u8>> = None;
    for t in ["/exif-6.jpg?q=75", "/exif-6.jpg?fit=clip", "/exif-6.jpg?dpr=1", "/exif-6.jpg?fit=clip&q=75&v=2"] {
        let r = get(s, t)?;
        check(r.status == 200 && r.header("content-type") == Some("image/jpeg"), || {
            format!("{t}: {} {:?}", r.status, r.header("content-type"))
        })?;
        check(r.body != original.body && !has_exif(&r.body), || format!("{t}: the original came back"))?;
        let p = probe(&r.body)?;
        // Stored 1600x1200 with orientation 6: upright it is 1200x1600, red at the top left.
        check((p.width, p.height, p.orientation) == (1200, 1600, 1), || {
            format!("{t}: {}x{} orientation {}", p.width, p.height, p.orientation)
        })?;
        let img = crate::decode(&r.body)?;
        check(crate::near(img.pixel(300, 400), [255, 0, 0], 40), || format!("{t}: {:?}", img.pixel(300, 400)))?;
        // All of them are the same render (one canonical form), never the passthrough's entry.
        match &first {
            None => first = Some(r.body.clone()),
            Some(b) => check(&r.body == b, || format!("{t} differs from ?q=75"))?,
        }
    }
    // No imgix parameter: the original, EXIF and all, before and after the renders above.
    for t in ["/exif-6.jpg", "/exif-6.jpg?v=2&utm_source=x"] {
        let r = get(s, t)?;
        check(r.status == 200 && r.body == original.body, || format!("{t} was not the original"))?;
        check(probe(&r.body)?.orientation == 6, || format!("{t}: orientation lost"))?;
    }
    Ok(())
}

/// `crop=faces,center` (a documented fallback chain) and `crop=auto` render; auto's missing
/// subject detection is named in X-Ixora-Ignored.
pub fn crop_fallback_chains_and_auto(s: &Servers) -> Result<(), String> {
    let size = |r: &crate::http::Reply| crate::image_info(&r.body).map(|(_, w, h)| (w, h));
    let chain = "/photo.jpg?w=200&h=100&fit=crop&crop=faces,center";
    let r = get(s, chain)?;
    check(r.status == 200 && size(&r)? == (200, 100), || format!("{chain}: {} {:?}", r.status, size(&r)))?;
    check(r.header("x-ixora-ignored").is_none(), || format!("{chain}: {:?}", r.header("x-ixora-ignored")))?;
    // No faces in photo.jpg: the centre crop, byte for byte.
    let centre = get(s, "/photo.jpg?w=200&h=100&fit=crop")?;
    check(r.body == centre.body, || format!("{chain} is not the centre crop"))?;
    for t in ["/photo.jpg?w=200&h=100&fit=crop&crop=auto", "/photo.jpg?w=120&h=120&fit=crop&crop=auto,top"] {
        let r = get(s, t)?;
        check(r.status == 200, || format!("{t}: status {} {}", r.status, r.text()))?;
        let want = if t.contains("w=120") { (120, 120) } else { (200, 100) };
        check(size(&r)? == want, || format!("{t}: {:?}", size(&r)))?;
        let h = r.header("x-ixora-ignored").unwrap_or("");
        check(h.contains("crop=auto (") && h.contains("busiest"), || format!("{t}: X-Ixora-Ignored {h:?}"))?;
    }
    Ok(())
}

/// `fm=mp4|webm|jp2|jxr` fall back to the format chosen without `fm` and say so; they share the
/// cache entry and bytes of the URL without `fm`.
pub fn unwritable_formats_fall_back(s: &Servers) -> Result<(), String> {
    let plain = get(s, "/photo.jpg?w=100")?;
    for v in ["mp4", "webm", "jp2", "jxr"] {
        let t = format!("/photo.jpg?w=100&fm={v}");
        let r = get(s, &t)?;
        check(r.status == 200 && r.header("content-type") == Some("image/jpeg"), || {
            format!("{t}: {} {:?} {}", r.status, r.header("content-type"), r.text())
        })?;
        check(crate::image_info(&r.body)? == (ixora::codec::Format::Jpeg, 100, 75), || format!("{t}: size"))?;
        check(r.body == plain.body, || format!("{t} differs from ?w=100"))?;
        let h = r.header("x-ixora-ignored").unwrap_or("");
        check(h.contains(&format!("fm={v} (")) && h.contains("default format"), || format!("{t}: {h:?}"))?;
    }
    // With auto=format the negotiation still applies; an animation stays animated.
    let r = crate::get_with(s, "/photo.jpg?w=100&fm=jxr&auto=format", &[("Accept", "image/webp,*/*")])?;
    check(r.header("content-type") == Some("image/webp"), || {
        format!("jxr+auto=format: {:?}", r.header("content-type"))
    })?;
    let r = get(s, "/animated.gif?fm=mp4")?;
    check(r.status == 200 && r.header("content-type") == Some("image/gif"), || {
        format!("animated.gif?fm=mp4: {} {:?}", r.status, r.header("content-type"))
    })?;
    let frames = ixora::codec::probe(&r.body, &ixora::codec::Limits::default()).map_err(|e| e.to_string())?.frames;
    check(frames == 8, || format!("animated.gif?fm=mp4: {frames} frames"))
}
