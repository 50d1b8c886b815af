//! Every response header ixora sends, computed without the `fastly` crate so it tests natively:
//! the edge copies these lists onto its responses and decides nothing about them itself.

use crate::error::Error;
use crate::params::Params;
use crate::render::Timings;
use crate::service::accepts;
use crate::service::cache::{self, fnv1a, Meta};

/// A strong ETag from the bytes sent.
pub fn etag(body: &[u8]) -> String {
    format!("\"{:016x}\"", fnv1a(body))
}

/// What an image response says about itself, besides its body.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub meta: &'a Meta,
    pub params: &'a Params,
    /// `X-Cache`: HIT or MISS.
    pub cache: &'a str,
    pub surrogate_keys: &'a str,
    /// Seconds left of a signed URL's `expires`.
    pub expires_in: Option<u64>,
    /// The request's `If-None-Match` matched: a 304 without a body or its type.
    pub not_modified: bool,
    pub body_len: usize,
    pub times: &'a StageTimes,
}

/// The headers of an image response (200 or 304), in the order they are sent.
pub fn image_headers(r: &Reply) -> Vec<(&'static str, String)> {
    let mut h: Vec<(&'static str, String)> = Vec::new();
    if !r.not_modified {
        h.push(("Content-Type", r.meta.mime.clone()));
        h.push(("Content-Length", r.body_len.to_string()));
    }
    h.push(("ETag", r.meta.etag.clone()));
    h.push(("Cache-Control", cache::cache_control(r.meta.ttl, r.expires_in)));
    h.push(("X-Cache", r.cache.to_string()));
    // The body is always what Content-Type says: never let a browser sniff it into a page.
    h.push(("X-Content-Type-Options", "nosniff".into()));
    if let Some(vary) = accepts::vary(r.params, r.meta.vary_accept) {
        h.push(("Vary", vary));
    }
    if let Some(accept_ch) = accepts::accept_ch(r.params) {
        h.push(("Accept-CH", accept_ch));
    }
    let ignored: Vec<String> = r.params.ignored_header().into_iter().chain(r.meta.notes.iter().cloned()).collect();
    if !ignored.is_empty() {
        h.push(("X-Ixora-Ignored", ignored.join(", ")));
    }
    // What was applied, under canonical names; empty for a passthrough (nothing was).
    h.push(("X-Imgix-Params", r.params.applied_header()));
    h.push(("Surrogate-Key", r.surrogate_keys.to_string()));
    if let Some(lm) = &r.meta.last_modified {
        h.push(("Last-Modified", lm.clone()));
    }
    h.push(("Server-Timing", server_timing(r.times)));
    if let Some(name) = &r.params.download {
        h.push(("Content-Disposition", attachment(name, &r.meta.mime)));
    }
    h
}

/// `dl=<name>`: `Content-Disposition: attachment` under that name (the output's extension added
/// when it has none). The name is cut to its last path segment and stripped of quotes, control
/// characters and backslashes; non-ASCII names also go in `filename*` (RFC 6266).
pub fn attachment(name: &str, mime: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let mut clean: String = base.chars().filter(|c| !c.is_control() && *c != '"' && *c != '\\').collect();
    clean = clean.trim().trim_start_matches('.').to_string();
    if clean.is_empty() {
        clean = "image".into();
    }
    if !clean.contains('.') {
        if let Some(ext) = mime.strip_prefix("image/").map(|e| if e == "jpeg" { "jpg" } else { e }) {
            clean = format!("{clean}.{}", ext.split(['+', ';']).next().unwrap_or(ext));
        }
    }
    let ascii: String = clean.chars().map(|c| if c.is_ascii() { c } else { '_' }).collect();
    if ascii == clean {
        return format!("attachment; filename=\"{clean}\"");
    }
    let encoded: String = clean
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// The headers of an error response: JSON, never cached for long (a "not found" briefly).
pub fn error_headers(e: &Error, body_len: usize) -> Vec<(&'static str, String)> {
    let cache_control = match e.status {
        404 | 410 => "public, max-age=60",
        _ => "no-store",
    };
    let mut h = vec![
        ("Content-Type", "application/json".to_string()),
        ("Content-Length", body_len.to_string()),
        ("Cache-Control", cache_control.to_string()),
        ("X-Cache", "MISS".to_string()),
        ("X-Content-Type-Options", "nosniff".to_string()),
    ];
    if e.status == 405 {
        h.push(("Allow", "GET, HEAD".into()));
    }
    h
}

/// Per-stage durations for `Server-Timing` (ms); `cpu` only when the runtime reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// What the render started from: `origin` (fetched now), `original` (the cached original's
    /// bytes) or `copy` (the original's working copy); empty when nothing was rendered.
    pub start: &'static str,
    pub fetch: f64,
    pub render: Timings,
    pub total: f64,
    pub cpu: Option<u64>,
}

pub fn server_timing(t: &StageTimes) -> String {
    let mut s = format!(
        "fetch;dur={:.1}, decode;dur={:.1}, transform;dur={:.1}, encode;dur={:.1}, total;dur={:.1}",
        t.fetch, t.render.decode, t.render.transform, t.render.encode, t.total
    );
    if let Some(cpu) = t.cpu {
        s.push_str(&format!(", cpu;dur={cpu}"));
    }
    if !t.start.is_empty() {
        s.push_str(&format!(", start;desc={}", t.start));
    }
    s
}

/// Whether a switch in the `ixora_settings` config store is on: `true`, `1`, `on` or `yes`, in any
/// case; anything else (and an absent key) is off.
pub fn setting_is_on(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "on" | "yes")
}

#[cfg(test)]
mod tests {
    #[test]
    fn downloads_are_attachments_with_a_safe_name() {
        use super::attachment;
        assert_eq!(attachment("cat.jpg", "image/jpeg"), "attachment; filename=\"cat.jpg\"");
        assert_eq!(attachment("cat", "image/webp"), "attachment; filename=\"cat.webp\"");
        assert_eq!(attachment("cat", "image/svg+xml"), "attachment; filename=\"cat.svg\"");
        assert_eq!(attachment("../../etc/x\"y.png", "image/png"), "attachment; filename=\"xy.png\"");
        assert_eq!(attachment("   ", "image/png"), "attachment; filename=\"image.png\"");
        assert_eq!(
            attachment("kätzchen.png", "image/png"),
            "attachment; filename=\"k_tzchen.png\"; filename*=UTF-8''k%C3%A4tzchen.png"
        );
    }

    use super::*;

    #[test]
    fn values() {
        assert_eq!(etag(b""), "\"cbf29ce484222325\"");
        assert_ne!(etag(b"a"), etag(b"b"));
        let t = StageTimes { fetch: 1.0, total: 5.25, cpu: Some(3), ..Default::default() };
        assert_eq!(
            server_timing(&t),
            "fetch;dur=1.0, decode;dur=0.0, transform;dur=0.0, encode;dur=0.0, total;dur=5.2, cpu;dur=3"
        );
        let t = StageTimes { start: "copy", ..t };
        assert!(server_timing(&t).ends_with(", cpu;dur=3, start;desc=copy"));
    }

    fn header<'a>(h: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
        h.iter().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    #[test]
    fn image_responses_carry_the_contract_headers() {
        let meta = Meta {
            mime: "image/webp".into(),
            etag: "\"e\"".into(),
            vary_accept: true,
            last_modified: Some("Thu, 01 Jan 2026 00:00:00 GMT".into()),
            ttl: 600,
            notes: vec!["size (sized down)".into()],
            ..Meta::default()
        };
        let params = crate::params::parse("w=10&auto=format&ch=dpr").unwrap();
        let times = StageTimes::default();
        let reply = Reply {
            meta: &meta,
            params: &params,
            cache: "MISS",
            surrogate_keys: "ixora-src-default ixora-img-1",
            expires_in: Some(60),
            not_modified: false,
            body_len: 123,
            times: &times,
        };
        let h = image_headers(&reply);
        assert_eq!(header(&h, "Content-Type"), Some("image/webp"));
        assert_eq!(header(&h, "Content-Length"), Some("123"));
        assert_eq!(header(&h, "ETag"), Some("\"e\""));
        assert_eq!(header(&h, "Cache-Control"), Some("public, max-age=60"));
        assert_eq!(header(&h, "X-Cache"), Some("MISS"));
        assert_eq!(header(&h, "X-Content-Type-Options"), Some("nosniff"));
        assert_eq!(header(&h, "Vary"), Some("Accept, Sec-CH-DPR, DPR"));
        assert_eq!(header(&h, "Accept-CH"), Some("Sec-CH-DPR, DPR"));
        assert_eq!(header(&h, "X-Ixora-Ignored"), Some("size (sized down)"));
        assert_eq!(header(&h, "X-Imgix-Params"), Some("auto=format&ch=dpr&w=10"));
        assert_eq!(header(&h, "Surrogate-Key"), Some("ixora-src-default ixora-img-1"));
        assert_eq!(header(&h, "Last-Modified"), Some("Thu, 01 Jan 2026 00:00:00 GMT"));
        assert!(header(&h, "Server-Timing").is_some_and(|t| t.starts_with("fetch;dur=")));
        // A 304 carries the validators but no type or length.
        let h = image_headers(&Reply { not_modified: true, ..reply });
        assert_eq!((header(&h, "Content-Type"), header(&h, "Content-Length")), (None, None));
        assert_eq!(header(&h, "ETag"), Some("\"e\""));
    }

    #[test]
    fn error_responses_are_json_and_not_cached_for_long() {
        let h = error_headers(&Error::invalid_param("w", "bad"), 10);
        assert_eq!(header(&h, "Content-Type"), Some("application/json"));
        assert_eq!(header(&h, "Cache-Control"), Some("no-store"));
        assert_eq!(header(&h, "X-Content-Type-Options"), Some("nosniff"));
        let h = error_headers(&Error::method_not_allowed("POST"), 10);
        assert_eq!(header(&h, "Allow"), Some("GET, HEAD"));
    }

    #[test]
    fn settings_switches() {
        for on in ["true", "1", "on", "Yes", " TRUE "] {
            assert!(setting_is_on(on), "{on}");
        }
        for off in ["", "false", "0", "off", "no", "debug"] {
            assert!(!setting_is_on(off), "{off}");
        }
    }
}
