//! What the edge cache keeps and for how long, kept free of `fastly` so it tests natively: the
//! derivative cache key, surrogate keys, the edge TTL, `Cache-Control`, conditional requests, and
//! the metadata stored beside a derivative.

use crate::output::negotiate::Accepts;
use crate::params::Params;
use crate::service::accepts::{self, ClientHints};

/// How long a stale derivative may be served while one request renders a fresh one.
pub const STALE_WHILE_REVALIDATE_SECS: u32 = 3600;
/// Edge and browser TTL when neither the source nor the origin says.
pub const DEFAULT_TTL_SECS: u32 = 86_400;
/// Core-cache keys may be 4 KiB; longer keys are hashed.
const MAX_KEY_BYTES: usize = 4096;

/// The derivative cache key: source, origin path, canonical parameters (without `expires`, which
/// changes the TTL, not the bytes), the output formats the client takes when the format is
/// negotiated, and the client hints the URL opts into with `ch`.
pub fn cache_key(
    source_id: &str,
    origin_path: &str,
    params: &Params,
    accepts: &Accepts,
    hints: &ClientHints,
) -> String {
    let canonical: Vec<String> =
        params.canonical.iter().filter(|(k, _)| *k != "expires").map(|(k, v)| format!("{k}={v}")).collect();
    let mut key = format!("ixora1|{source_id}|{origin_path}|{}", canonical.join("&"));
    // `?q=75` renders (a parameter at its default still transforms) while a bare URL is the
    // original's bytes: same canonical form, different responses.
    if params.is_passthrough() {
        key.push_str("|original");
    }
    if params.auto_format {
        key.push_str(&accepts::cache_key(accepts));
    }
    key.push_str(&hints.cache_key());
    bounded(key, source_id)
}

/// Cache key of an original's bytes, shared by all its derivatives.
pub fn original_key(source_id: &str, origin_path: &str) -> String {
    bounded(format!("ixora1|original|{source_id}|{origin_path}"), source_id)
}

/// Cache key of an original's working copy (src/working_copy.rs).
pub fn copy_key(source_id: &str, origin_path: &str) -> String {
    bounded(format!("ixora1|copy|{source_id}|{origin_path}"), source_id)
}

fn bounded(key: String, source_id: &str) -> String {
    if key.len() <= MAX_KEY_BYTES {
        return key;
    }
    let digest = crate::service::signature::Md5::digest(key.as_bytes());
    format!("ixora1|{source_id}|md5:{}", crate::service::signature::hex(&digest))
}

/// What the cache keeps beside an original's bytes, and beside its working copy: how to
/// revalidate it with the origin, and what a derivative reports about it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OriginalMeta {
    pub content_type: Option<String>,
    pub last_modified: Option<String>,
    /// The origin's ETag, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The origin's Cache-Control, for the TTL of derivatives made from it.
    pub cache_control: Option<String>,
    pub bytes: usize,
    /// Which version of the original: its ETag, else Last-Modified, else a hash of its bytes. A
    /// working copy made from another version is not used.
    pub version: String,
}

impl OriginalMeta {
    pub fn version_of(etag: Option<&str>, last_modified: Option<&str>, body: &[u8]) -> String {
        match (etag, last_modified) {
            (Some(e), _) => format!("etag:{e}"),
            (None, Some(l)) => format!("modified:{l}|{}", body.len()),
            (None, None) => format!("fnv:{:016x}", fnv1a(body)),
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::json!({
            "content_type": self.content_type,
            "last_modified": self.last_modified,
            "etag": self.etag,
            "cache_control": self.cache_control,
            "bytes": self.bytes,
            "version": self.version,
        })
        .to_string()
    }

    /// `None` for anything unreadable: a miss, not an error.
    pub fn from_json(bytes: &[u8]) -> Option<OriginalMeta> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let text = |k: &str| v.get(k).and_then(|s| s.as_str()).map(str::to_string);
        Some(OriginalMeta {
            content_type: text("content_type"),
            last_modified: text("last_modified"),
            etag: text("etag"),
            cache_control: text("cache_control"),
            bytes: v.get("bytes")?.as_u64()? as usize,
            version: text("version")?,
        })
    }
}

/// Edge TTL: the source's `ttl` wins; otherwise the origin's `s-maxage`, then `max-age`; an origin
/// that forbids shared caching (`no-store`, `private`, `no-cache`) gets 0 (not cached).
pub fn edge_ttl(source_ttl: Option<u32>, origin_cache_control: Option<&str>) -> u32 {
    if let Some(ttl) = source_ttl {
        return ttl;
    }
    let Some(cc) = origin_cache_control else { return DEFAULT_TTL_SECS };
    let mut max_age = None;
    let mut s_maxage = None;
    for directive in cc.split(',').map(|d| d.trim().to_ascii_lowercase()) {
        let (name, value) = directive.split_once('=').map_or((directive.as_str(), None), |(n, v)| (n, Some(v)));
        let secs = || value.and_then(|v| v.trim_matches('"').parse::<u32>().ok());
        match name.trim() {
            "no-store" | "private" | "no-cache" => return 0,
            "max-age" => max_age = secs(),
            "s-maxage" => s_maxage = secs(),
            _ => {}
        }
    }
    s_maxage.or(max_age).unwrap_or(DEFAULT_TTL_SECS)
}

/// `Cache-Control` for an image: the TTL, never beyond what remains of a signed `expires`.
pub fn cache_control(ttl: u32, expires_in: Option<u64>) -> String {
    let max_age = expires_in.map_or(ttl as u64, |left| left.min(ttl as u64));
    if max_age == 0 {
        return "no-store".into();
    }
    format!("public, max-age={max_age}")
}

/// Whether `If-None-Match` matches `etag` (weak comparison, RFC 9110 §13.1.2): a 304 then.
pub fn not_modified(if_none_match: Option<&str>, etag: &str) -> bool {
    let Some(inm) = if_none_match else { return false };
    let bare = |t: &str| t.trim().trim_start_matches("W/").to_string();
    inm.split(',').any(|t| t.trim() == "*" || bare(t) == bare(etag))
}

/// Surrogate keys of a derivative: one per source, one per original (source + origin path), so
/// a purge can drop every derivative of one image or everything a source served.
pub fn surrogate_keys(source_id: &str, origin_path: &str) -> String {
    format!("{} {}", source_key(source_id), image_key(source_id, origin_path))
}

/// Surrogate keys of a derivative that draws other images (`mask`, `blend`, `mark`): also one per
/// such image, so purging a watermark drops every derivative that shows it.
pub fn surrogate_keys_drawing(source_id: &str, origin_path: &str, drawn: &[String]) -> String {
    let mut keys = surrogate_keys(source_id, origin_path);
    for path in drawn {
        let key = image_key(source_id, path);
        if !keys.split(' ').any(|k| k == key) {
            keys.push(' ');
            keys.push_str(&key);
        }
    }
    keys
}

pub fn source_key(source_id: &str) -> String {
    format!("ixora-src-{source_id}")
}

pub fn image_key(source_id: &str, origin_path: &str) -> String {
    format!("ixora-img-{:016x}", fnv1a(format!("{source_id}|{origin_path}").as_bytes()))
}

/// FNV-1a 64: fast, and a collision only costs a revalidation (ETags) or a shared purge key.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// What the cache keeps next to a derivative's bytes, to answer a hit without rendering.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Meta {
    pub mime: String,
    pub etag: String,
    pub vary_accept: bool,
    pub last_modified: Option<String>,
    /// Edge TTL the derivative was stored with (seconds).
    pub ttl: u32,
    pub dims_in: Option<(u32, u32)>,
    pub dims_out: Option<(u32, u32)>,
    pub bytes_in: usize,
    /// What the render changed from what the parameters asked (`X-Ixora-Ignored`).
    pub notes: Vec<String>,
}

impl Meta {
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "mime": self.mime,
            "etag": self.etag,
            "vary_accept": self.vary_accept,
            "last_modified": self.last_modified,
            "ttl": self.ttl,
            "dims_in": self.dims_in.map(|(w, h)| [w, h]),
            "dims_out": self.dims_out.map(|(w, h)| [w, h]),
            "bytes_in": self.bytes_in,
            "notes": self.notes,
        })
        .to_string()
    }

    /// `None` for anything unreadable (an entry written by another version): a miss, not an error.
    pub fn from_json(bytes: &[u8]) -> Option<Meta> {
        let v: serde_json::Value = serde_json::from_slice(bytes).ok()?;
        let dims = |k: &str| -> Option<(u32, u32)> {
            let a = v.get(k)?.as_array()?;
            Some((a.first()?.as_u64()? as u32, a.get(1)?.as_u64()? as u32))
        };
        Some(Meta {
            mime: v.get("mime")?.as_str()?.to_string(),
            etag: v.get("etag")?.as_str()?.to_string(),
            vary_accept: v.get("vary_accept")?.as_bool()?,
            last_modified: v.get("last_modified").and_then(|l| l.as_str()).map(str::to_string),
            ttl: v.get("ttl")?.as_u64()? as u32,
            dims_in: dims("dims_in"),
            dims_out: dims("dims_out"),
            bytes_in: v.get("bytes_in").and_then(|b| b.as_u64()).unwrap_or(0) as usize,
            notes: v
                .get("notes")
                .and_then(|n| n.as_array())
                .map(|n| n.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::parse;

    fn key(query: &str, headers: &[(&str, &str)]) -> String {
        let p = parse(query).unwrap();
        let header = |name: &str| headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v);
        let accepts = accepts::read(header("accept").unwrap_or(""));
        cache_key("default", "/photo.jpg", &p, &accepts, &ClientHints::read(&p, header))
    }

    fn plain_key(source: &str, path: &str, p: &Params) -> String {
        cache_key(source, path, p, &Accepts::default(), &ClientHints::default())
    }

    #[test]
    fn key_is_canonical() {
        // Order, aliases and expires do not split the cache.
        assert_eq!(key("w=100&h=50", &[]), key("h=50&width=100", &[]));
        assert_eq!(key("w=100", &[]), key("w=100&expires=99999999999", &[]));
        assert_eq!(key("w=100", &[]), key("w=100&s=abc&utm=x", &[]));
        assert_ne!(key("w=100", &[]), key("w=101", &[]));
        // A parameter at its default renders; the bare URL is the original: two entries.
        assert_eq!(key("q=75", &[]), key("fit=clip&dpr=1", &[]));
        assert_ne!(key("q=75", &[]), key("", &[]));
        assert_eq!(key("", &[]), key("v=2&expires=99999999999", &[]));
        let p = parse("w=1").unwrap();
        assert_ne!(plain_key("default", "/a.jpg", &p), plain_key("other", "/a.jpg", &p));
        assert_ne!(plain_key("default", "/a.jpg", &p), plain_key("default", "/b.jpg", &p));
    }

    #[test]
    fn key_varies_by_accept_only_when_negotiated() {
        let webp = [("Accept", "image/webp,*/*")];
        let jpeg = [("Accept", "image/jpeg,*/*")];
        assert_eq!(key("w=100", &webp), key("w=100", &jpeg));
        assert_ne!(key("w=100&auto=format", &webp), key("w=100&auto=format", &jpeg));
        // Accept strings that allow the same formats share one entry.
        assert_eq!(key("w=100&auto=format", &webp), key("w=100&auto=format", &[("Accept", "image/webp")]));
    }

    #[test]
    fn key_includes_opted_in_client_hints() {
        let a = [("Sec-CH-DPR", "2"), ("Width", "300")];
        let b = [("Sec-CH-DPR", "3"), ("Width", "300")];
        assert_eq!(key("w=100", &a), key("w=100", &b));
        assert_ne!(key("w=100&ch=dpr", &a), key("w=100&ch=dpr", &b));
        assert_eq!(key("w=100&ch=width", &a), key("w=100&ch=width", &b));
    }

    #[test]
    fn long_keys_are_hashed() {
        let long = format!("/{}.jpg", "a".repeat(5000));
        let p = parse("w=1").unwrap();
        let k = plain_key("default", &long, &p);
        assert!(k.len() < 100 && k.contains("md5:"));
        assert_ne!(k, plain_key("default", &format!("/{}.jpg", "b".repeat(5000)), &p));
    }

    #[test]
    fn originals_and_copies_have_their_own_keys() {
        let p = parse("").unwrap();
        let keys =
            [plain_key("default", "/a.jpg", &p), original_key("default", "/a.jpg"), copy_key("default", "/a.jpg")];
        assert!(keys.iter().enumerate().all(|(i, k)| keys.iter().skip(i + 1).all(|o| o != k)), "{keys:?}");
        assert_ne!(original_key("default", "/a.jpg"), original_key("default", "/b.jpg"));
        assert!(copy_key("default", &"x".repeat(5000)).contains("md5:"));
    }

    #[test]
    fn original_meta_round_trips_and_versions() {
        let m = OriginalMeta {
            content_type: Some("image/jpeg".into()),
            etag: Some("\"abc\"".into()),
            bytes: 10,
            version: OriginalMeta::version_of(Some("\"abc\""), None, b"x"),
            ..OriginalMeta::default()
        };
        assert_eq!(OriginalMeta::from_json(m.to_json().as_bytes()), Some(m));
        assert_eq!(OriginalMeta::from_json(b"{}"), None);
        // Without validators the bytes themselves tell versions apart.
        assert_ne!(OriginalMeta::version_of(None, None, b"a"), OriginalMeta::version_of(None, None, b"b"));
        assert_ne!(OriginalMeta::version_of(None, Some("t"), b"a"), OriginalMeta::version_of(None, Some("t"), b"ab"));
    }

    #[test]
    fn ttl_ladder() {
        assert_eq!(edge_ttl(Some(60), Some("max-age=5")), 60);
        assert_eq!(edge_ttl(None, Some("public, max-age=3600")), 3600);
        assert_eq!(edge_ttl(None, Some("max-age=3600, s-maxage=600")), 600);
        assert_eq!(edge_ttl(None, Some("private, max-age=3600")), 0);
        assert_eq!(edge_ttl(None, Some("no-store")), 0);
        assert_eq!(edge_ttl(None, Some("public")), DEFAULT_TTL_SECS);
        assert_eq!(edge_ttl(None, None), DEFAULT_TTL_SECS);
    }

    #[test]
    fn cache_control_respects_expires() {
        assert_eq!(cache_control(86_400, None), "public, max-age=86400");
        assert_eq!(cache_control(86_400, Some(120)), "public, max-age=120");
        assert_eq!(cache_control(60, Some(120)), "public, max-age=60");
        assert_eq!(cache_control(0, None), "no-store");
    }

    #[test]
    fn meta_round_trips() {
        let m = Meta {
            mime: "image/webp".into(),
            etag: "\"0123\"".into(),
            vary_accept: true,
            last_modified: Some("Thu, 01 Jan 2026 00:00:00 GMT".into()),
            ttl: 60,
            dims_in: Some((4000, 3000)),
            dims_out: Some((800, 600)),
            bytes_in: 12345,
            notes: vec!["size (sized down)".into()],
        };
        assert_eq!(Meta::from_json(m.to_json().as_bytes()), Some(m));
        assert_eq!(Meta::from_json(b"{}"), None);
        assert_eq!(Meta::from_json(b"garbage"), None);
    }

    #[test]
    fn surrogate_keys_per_source_and_original() {
        let k = surrogate_keys("default", "/a.jpg");
        assert_eq!(k.split(' ').collect::<Vec<_>>(), [source_key("default"), image_key("default", "/a.jpg")]);
        assert_ne!(image_key("default", "/a.jpg"), image_key("other", "/a.jpg"));
        assert!(k.bytes().all(|b| b.is_ascii_graphic() || b == b' '));
    }

    #[test]
    fn conditional() {
        assert!(not_modified(Some("\"abc\""), "\"abc\""));
        assert!(not_modified(Some("W/\"abc\""), "\"abc\""));
        assert!(not_modified(Some("\"x\", \"abc\""), "\"abc\""));
        assert!(not_modified(Some("*"), "\"abc\""));
        assert!(!not_modified(Some("\"abd\""), "\"abc\""));
        assert!(!not_modified(None, "\"abc\""));
    }
}
