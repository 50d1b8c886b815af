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
