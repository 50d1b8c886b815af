//! The URL grammar through the real service: equivalent spellings, forgiving values, strict
//! sources' 400s, ignored parameters.

use crate::http::Reply;
use crate::servers::Servers;
use crate::{check, expect_json_error, get, get_with};

/// A source with `"strict": true` (fastly.toml): bad values are 400s.
const STRICT: &[(&str, &str)] = &[("Host", "strict.localhost")];

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

fn expect_400_naming(r: &Reply, target: &str, param: &str, needle: &str) -> Result<(), String> {
    expect_json_error(r, 400, target)?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| e.to_string())?;
    check(v["error"]["param"] == param, || format!("{target}: param {}", v["error"]["param"]))?;
    let msg = v["error"]["message"].as_str().unwrap_or("");
    check(msg.contains(needle), || format!("{target}: message {msg:?} lacks {needle:?}"))
}

/// What is a 400 on every source: imgix's own case (a `…64` value that is not base64) and an
/// unreadable `expires`. Everything else is a 400 only on a strict source; elsewhere it renders.
pub fn bad_values_are_400_naming_the_parameter(s: &Servers) -> Result<(), String> {
    for (target, param, needle) in
        [("/photo.jpg?w64=MTAw%3D", "w64", "base64"), ("/photo.jpg?w=10&expires=soon", "expires", "timestamp")]
    {
        expect_400_naming(&get(s, target)?, target, param, needle)?;
        expect_400_naming(&get_with(s, target, STRICT)?, target, param, needle)?;
    }
    for (target, param, needle) in [
        // (8192 wide and 10 high: photo.jpg at 8192x6144 would be over the output pixel limit.)
        ("/photo.jpg?w=9000&h=10&fit=crop", "w", "2–8192"),
        ("/photo.jpg?dpr=9", "dpr", "0–5"),
        ("/photo.jpg?fit=sideways", "fit", "fillmax"),
        ("/photo.jpg?fp-x=2", "fp-x", "0–1"),
        ("/photo.jpg?mark-align=nowhere", "mark-align", "top"),
        ("/photo.jpg?w=100&blur=abc", "blur", "blur"),
    ] {
        expect_400_naming(&get_with(s, target, STRICT)?, &format!("strict {target}"), param, needle)?;
        // The same URL on a forgiving source renders and says what it did with the value.
        let r = get(s, target)?;
        check(r.status == 200 && r.header("content-type") == Some("image/jpeg"), || {
            format!("{target}: {} {:?} {}", r.status, r.header("content-type"), r.text())
        })?;
        let h = r.header("x-ixora-ignored").unwrap_or("");
        check(h.contains(&format!("{param}=")), || format!("{target}: X-Ixora-Ignored {h:?}"))?;
    }
    // A strict source renders valid URLs as any other.
    let r = get_with(s, "/photo.jpg?w=100", STRICT)?;
    check(r.status == 200 && crate::image_info(&r.body)?.1 == 100, || format!("strict w=100: {}", r.status))
}

fn dims(r: &Reply) -> Result<(u32, u32), String> {
    crate::image_info(&r.body).map(|(_, w, h)| (w, h))
}

/// imgix draws a value beyond its range at the limit: `w=9000` is `w=8192`, `dpr=7` is `dpr=5`,
/// the same bytes and one cache entry (the second spelling is a HIT).
pub fn out_of_range_values_are_clamped(s: &Servers) -> Result<(), String> {
    for (over, limit, want) in [
        ("/photo.jpg?w=9000&h=101&fit=crop", "/photo.jpg?w=8192&h=101&fit=crop", (8192, 101)),
        ("/photo.jpg?w=100&h=51&fit=crop&dpr=7", "/photo.jpg?w=100&h=51&fit=crop&dpr=5", (500, 255)),
    ] {
        let a = get(s, over)?;
        check(a.status == 200 && dims(&a)? == want, || format!("{over}: {} {:?}", a.status, dims(&a)))?;
        check(a.header("x-cache") == Some("MISS"), || format!("{over}: X-Cache {:?}", a.header("x-cache")))?;
        let h = a.header("x-ixora-ignored").unwrap_or("");
        check(h.contains("(clamped to "), || format!("{over}: X-Ixora-Ignored {h:?}"))?;
        let b = get(s, limit)?;
        check(b.header("x-cache") == Some("HIT"), || {
            format!("{limit} after {over}: X-Cache {:?}", b.header("x-cache"))
        })?;
        check(a.body == b.body, || format!("{over} and {limit} differ"))?;
        check(b.header("x-ixora-ignored").is_none(), || format!("{limit}: {:?}", b.header("x-ixora-ignored")))?;
        let applied = b.header("x-imgix-params").unwrap_or("");
        check(applied == a.header("x-imgix-params").unwrap_or("-"), || format!("{over}: X-Imgix-Params {applied:?}"))?;
    }
    Ok(())
}

/// A malformed value is dropped and the default used: `blur=abc` is no blur, pixel for pixel.
pub fn malformed_values_use_the_default(s: &Servers) -> Result<(), String> {
    let plain = get(s, "/photo.jpg?w=210")?;
    let t = "/photo.jpg?w=210&blur=abc";
    let r = get(s, t)?;
    check(r.status == 200 && dims(&r)? == (210, 158), || format!("{t}: {} {:?}", r.status, dims(&r)))?;
    let (a, b) = (crate::decode(&r.body)?, crate::decode(&plain.body)?);
    check(a.data == b.data, || format!("{t} is not the unblurred render"))?;
    let h = r.header("x-ixora-ignored").unwrap_or("");
    check(h.contains("blur=abc (not a number; default used)"), || format!("{t}: X-Ixora-Ignored {h:?}"))?;
    let applied = r.header("x-imgix-params").unwrap_or("");
    check(applied == "w=210", || format!("{t}: X-Imgix-Params {applied:?}"))?;
    // A real blur differs, so the comparison above means something.
    let blurred = crate::decode(&get(s, "/photo.jpg?w=210&blur=40")?.body)?;
    check(blurred.data != b.data, || "blur=40 changed nothing".into())
}

/// `X-Imgix-Params` on every image response: renders (miss and hit), 304s and passthroughs
/// (empty: nothing was applied).
pub fn applied_parameters_on_every_image_response(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?width=120&f=crop&h=60&q=75&bg-replace=sky";
    let first = get(s, t)?;
    let want = "fit=crop&h=60&q=75&w=120";
    for (what, r) in [("miss", &first), ("hit", &get(s, t)?)] {
        check(r.header("x-imgix-params") == Some(want), || format!("{what}: {:?}", r.header("x-imgix-params")))?;
    }
    let etag = first.header("etag").unwrap_or("").to_string();
    let r = get_with(s, t, &[("If-None-Match", &etag)])?;
    check(r.status == 304 && r.header("x-imgix-params") == Some(want), || {
        format!("304: {} {:?}", r.status, r.header("x-imgix-params"))
    })?;
    for t in ["/photo.jpg", "/photo.jpg?v=2", "/animated.gif?fm=mp4", "/alpha.png?w=50&fm=png"] {
        let r = get(s, t)?;
        check(r.status == 200 && r.header("x-imgix-params").is_some(), || {
            format!("{t}: {} X-Imgix-Params {:?}", r.status, r.header("x-imgix-params"))
        })?;
    }
    let r = get(s, "/photo.jpg")?;
    check(r.header("x-imgix-params") == Some(""), || format!("passthrough: {:?}", r.header("x-imgix-params")))
}

pub fn ignored_parameters_are_listed(s: &Servers) -> Result<(), String> {
    let r = get(s, "/photo.jpg?w=100&bg-replace=sky&bg-remove=true")?;
    check(r.status == 200, || format!("status {}", r.status))?;
    let h = r.header("x-ixora-ignored").unwrap_or("");
    check(h.contains("bg-replace (") && h.contains("bg-remove ("), || format!("X-Ixora-Ignored: {h:?}"))?;
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
