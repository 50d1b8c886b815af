//! Response header values, computed without the `fastly` crate so they test natively.

use crate::render::Timings;

/// Edge and browser TTL for a rendered or passed-through image.
pub const DEFAULT_TTL_SECS: u32 = 86_400;

/// `Cache-Control` for a status: long for images, short for "not found", none for failures.
pub fn cache_control(status: u16) -> String {
    match status {
        200..=299 | 304 => format!("public, max-age={DEFAULT_TTL_SECS}"),
        404 | 410 => "public, max-age=60".into(),
        _ => "no-store".into(),
    }
}

/// A strong ETag from the bytes sent (FNV-1a 64: fast, and collisions only cost a revalidation).
pub fn etag(body: &[u8]) -> String {
    format!("\"{:016x}\"", fnv1a(body))
}

pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

/// Surrogate keys: one for the original (purges all its derivatives) and one for the source.
pub fn surrogate_keys(source: &str, path: &str) -> String {
    format!("ixora-src-{source} ixora-img-{:016x}", fnv1a(path.as_bytes()))
}

/// Per-stage durations for `Server-Timing` (ms); `cpu` only when the runtime reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
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
    s
}

/// Whether a switch in the `ixora_settings` config store is on: `true`, `1`, `on` or `yes`, in any
/// case; anything else (and an absent key) is off.
pub fn setting_is_on(value: &str) -> bool {
    matches!(value.trim().to_ascii_lowercase().as_str(), "true" | "1" | "on" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        assert_eq!(cache_control(200), "public, max-age=86400");
        assert_eq!(cache_control(404), "public, max-age=60");
        assert_eq!(cache_control(502), "no-store");
        assert_eq!(etag(b""), "\"cbf29ce484222325\"");
        assert_ne!(etag(b"a"), etag(b"b"));
        assert_eq!(surrogate_keys("origin", "/a.jpg").split(' ').count(), 2);
        let t = StageTimes { fetch: 1.0, total: 5.25, cpu: Some(3), ..Default::default() };
        assert_eq!(
            server_timing(&t),
            "fetch;dur=1.0, decode;dur=0.0, transform;dur=0.0, encode;dur=0.0, total;dur=5.2, cpu;dur=3"
        );
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
