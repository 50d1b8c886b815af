//! The HTTP server: generated samples first, then files from `--dir` folders, plus fault and
//! stats routes for ixora's end-to-end tests.
//!
//! | route | methods | answer |
//! |---|---|---|
//! | `/` | GET, HEAD | text index of samples and routes |
//! | `/<sample>` | GET, HEAD | generated sample |
//! | `/<path>` | GET, HEAD | first `--dir` holding the file (traversal-proof) |
//! | `/_gen/<w>x<h>[-<opt>…].<jpg\|png\|webp>` | GET, HEAD | an original made to order (`generated.rs`) |
//! | `/_fault/status/<code>` | GET, HEAD | that status (200..=599) with a short body |
//! | `/_fault/delay/<ms>/<path>` | GET, HEAD | sleeps min(ms, 30000), then answers `/<path>` |
//! | `/_fault/garbage.jpg` | GET, HEAD | 1 KiB of non-image bytes as image/jpeg |
//! | `/_fault/truncated.jpg` | GET, HEAD | first half of `progressive.jpg` |
//! | `/_fault/bomb.png` | GET, HEAD | PNG header declaring 100000x100000 |
//! | `/_stats` | GET, HEAD | `{"requests":{"<path>":n,...},"total":n}` since start/reset |
//! | `/_stats/reset` | POST | zeroes the counts |
//!
//! Content responses carry Content-Type, Content-Length, ETag, Last-Modified and
//! `Cache-Control: public, max-age=3600`, and answer If-None-Match / If-Modified-Since with 304.

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Cursor};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use tiny_http::{Header, Method, Request, Response, StatusCode};

use crate::samples;

/// Server settings; `Default` is 127.0.0.1:7677, no dirs, 8 workers, quiet.
#[derive(Clone, Debug)]
pub struct Config {
    pub bind: String,
    /// 0 picks a free port; see [`Running::addr`].
    pub port: u16,
    pub dirs: Vec<PathBuf>,
    pub threads: usize,
    /// Log one line per request to stderr.
    pub log: bool,
}

impl Default for Config {
    fn default() -> Self {
        Config { bind: "127.0.0.1".into(), port: 7677, dirs: Vec::new(), threads: 8, log: false }
    }
}

/// A started server: workers answer requests until [`Running::stop`].
pub struct Running {
    addr: SocketAddr,
    server: Arc<tiny_http::Server>,
    workers: Vec<JoinHandle<()>>,
    stopping: Arc<AtomicBool>,
    /// How long generating the samples took.
    pub generated_in: Duration,
    pub sample_count: usize,
    pub dirs: Vec<PathBuf>,
}

impl Running {
    /// The bound address (with the real port when `Config::port` was 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Blocks for as long as the server runs.
    pub fn join(self) {
        for w in self.workers {
            let _ = w.join();
        }
    }

    /// Lets each worker finish its current request, then returns.
    pub fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        for _ in &self.workers {
            self.server.unblock();
        }
        self.join();
    }
}

/// Starts and blocks: the `local-origin` binary.
pub fn serve(config: Config) -> io::Result<()> {
    let running = start(config)?;
    println!("generated {} samples in {} ms", running.sample_count, running.generated_in.as_millis());
    let dirs: Vec<String> = running.dirs.iter().map(|d| d.display().to_string()).collect();
    let dirs = if dirs.is_empty() { "none".to_string() } else { dirs.join(", ") };
    println!("local-origin listening on http://{} ({} samples, dirs: {dirs})", running.addr, running.sample_count);
    running.join();
    Ok(())
}

/// Generates the samples, binds, and starts the workers; returns once requests are accepted.
pub fn start(config: Config) -> io::Result<Running> {
    let dirs = config
        .dirs
        .iter()
        .map(|d| match d.canonicalize() {
            Ok(c) if c.is_dir() => Ok(c),
            _ => Err(io::Error::new(io::ErrorKind::NotFound, format!("--dir {}: not a directory", d.display()))),
        })
        .collect::<io::Result<Vec<_>>>()?;
    let listener = TcpListener::bind((config.bind.as_str(), config.port))?;
    let addr = listener.local_addr()?;

    let t0 = Instant::now();
    let generated = samples::samples();
    let (generated_in, sample_count) = (t0.elapsed(), generated.len());
    let fixed = SystemTime::UNIX_EPOCH + Duration::from_secs(SAMPLE_MTIME);
    let progressive = &generated.iter().find(|s| s.name == "progressive.jpg").expect("progressive.jpg").bytes;
    let faults = [
        ("garbage.jpg", "image/jpeg", samples::fault_garbage()),
        ("truncated.jpg", "image/jpeg", progressive[..progressive.len() / 2].to_vec()),
        ("bomb.png", "image/png", samples::fault_bomb_png()),
    ];
    let state = Arc::new(State {
        faults: faults.into_iter().map(|(n, m, b)| (n, Entity::new(m, b, fixed))).collect(),
        samples: generated.into_iter().map(|s| (s.name, Entity::new(s.mime, s.bytes, fixed))).collect(),
        dirs: dirs.clone(),
        stats: Mutex::default(),
        log: config.log,
    });

    let server = Arc::new(tiny_http::Server::from_listener(listener, None).map_err(io::Error::other)?);
    let stopping = Arc::new(AtomicBool::new(false));
    let workers = (0..config.threads.max(1))
        .map(|_| {
            let (server, state, stopping) = (server.clone(), state.clone(), stopping.clone());
            std::thread::spawn(move || loop {
                match server.recv() {
                    Ok(rq) => {
                        let resp = handle(&state, &rq);
                        if state.log {
                            eprintln!("{} {} -> {}", rq.method(), rq.url(), resp.status_code().0);
                        }
                        let _ = rq.respond(resp);
                    }
                    Err(_) if stopping.load(Ordering::SeqCst) => break,
                    Err(e) => eprintln!("local-origin: {e}"),
                }
            })
        })
        .collect();
    Ok(Running { addr, server, workers, stopping, generated_in, sample_count, dirs })
}

/// Last-Modified of generated bodies: 2024-01-01T00:00:00Z, fixed so revalidation is stable.
const SAMPLE_MTIME: u64 = 1_704_067_200;
const MAX_DELAY_MS: u64 = 30_000;

struct State {
    samples: HashMap<&'static str, Entity>,
    faults: HashMap<&'static str, Entity>,
    dirs: Vec<PathBuf>,
    stats: Mutex<BTreeMap<String, u64>>,
    log: bool,
}

/// A servable body with its validators.
struct Entity {
    mime: &'static str,
    bytes: Arc<[u8]>,
    etag: String,
    modified: SystemTime,
}

impl Entity {
    fn new(mime: &'static str, bytes: Vec<u8>, modified: SystemTime) -> Entity {
        let etag = format!("\"{:016x}-{:x}\"", fnv1a(&bytes), bytes.len());
        Entity { mime, bytes: bytes.into(), etag, modified }
    }
}

/// FNV-1a 64: enough to tell bodies apart for ETags.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

type Resp = Response<Cursor<Arc<[u8]>>>;

fn response(status: u16, headers: &[(&str, &str)], body: Arc<[u8]>) -> Resp {
    let len = body.len();
    let headers =
        headers.iter().map(|(k, v)| Header::from_bytes(k.as_bytes(), v.as_bytes()).expect("ASCII header")).collect();
    // Never chunk: clients (and tests) rely on Content-Length, HEAD and 304 included.
    Response::new(StatusCode(status), headers, Cursor::new(body), Some(len), None).with_chunked_threshold(usize::MAX)
}

fn text(status: u16, body: &str) -> Resp {
    response(
        status,
        &[("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-store")],
        body.as_bytes().into(),
    )
}

fn json(body: String) -> Resp {
    response(200, &[("Content-Type", "application/json"), ("Cache-Control", "no-store")], body.into_bytes().into())
}

fn not_allowed(allow: &str) -> Resp {
    let mut r = text(405, "method not allowed\n");
    r.add_header(Header::from_bytes("Allow", allow).expect("ASCII header"));
    r
}

fn header<'a>(headers: &'a [Header], name: &'static str) -> Option<&'a str> {
    headers.iter().find(|h| h.field.equiv(name)).map(|h| h.value.as_str())
}

fn handle(state: &State, rq: &Request) -> Resp {
    let url = rq.url();
    // Absolute-form targets (proxies) carry scheme and authority first.
    let url = match url.split_once("://") {
        Some((_, rest)) if !url.starts_with('/') => rest.find('/').map_or("/", |i| &rest[i..]),
        _ => url,
    };
    let path = url.split(['?', '#']).next().unwrap_or("");
    let method = rq.method();
    match path {
        "/_stats" => {
            return match method {
                Method::Get | Method::Head => json(stats_json(&state.stats.lock().unwrap_or_else(|e| e.into_inner()))),
                _ => not_allowed("GET, HEAD"),
            }
        }
        "/_stats/reset" => {
            return match method {
                Method::Post => {
                    let mut stats = state.stats.lock().unwrap_or_else(|e| e.into_inner());
                    stats.clear();
                    json(stats_json(&stats))
                }
                _ => not_allowed("POST"),
            }
        }
        _ => {}
    }
    *state.stats.lock().unwrap_or_else(|e| e.into_inner()).entry(path.to_string()).or_default() += 1;
    if !matches!(method, Method::Get | Method::Head) {
        return not_allowed("GET, HEAD");
    }
    route(state, rq.headers(), path)
}

fn route(state: &State, headers: &[Header], path: &str) -> Resp {
    if path == "/" {
        return index(state);
    }
    if let Some(fault) = path.strip_prefix("/_fault/") {
        return fault_route(state, headers, fault);
    }
    if let Some(name) = path.strip_prefix("/_gen/") {
        return match crate::generated::Spec::parse(name) {
            Some(spec) => send(
                &Entity::new(spec.mime(), spec.bytes(), SystemTime::UNIX_EPOCH + Duration::from_secs(SAMPLE_MTIME)),
                headers,
            ),
            None => text(404, "use /_gen/<w>x<h>[-<option>...].<jpg|png|webp> (local-origin/src/generated.rs)\n"),
        };
    }
    let segments = match segments(path) {
        Ok(s) => s,
        Err(status) => return text(status, if status == 400 { "bad path\n" } else { "not found\n" }),
    };
    let rel = segments.join("/");
    if let Some(e) = state.samples.get(rel.as_str()) {
        return send(e, headers);
    }
    for dir in &state.dirs {
        if let Some(e) = read_inside(dir, &segments) {
            return send(&e, headers);
        }
    }
    text(404, "not found\n")
}

fn fault_route(state: &State, headers: &[Header], fault: &str) -> Resp {
    if let Some(code) = fault.strip_prefix("status/") {
        return match code.parse::<u16>() {
            Ok(c @ 200..=599) => text(c, &format!("fault: status {c}\n")),
            _ => text(400, "status must be 200..=599\n"),
        };
    }
    if let Some(rest) = fault.strip_prefix("delay/") {
        let Some((ms, target)) = rest.split_once('/') else { return text(400, "use /_fault/delay/<ms>/<path>\n") };
        let Ok(ms) = ms.parse::<u64>() else { return text(400, "delay must be milliseconds\n") };
        std::thread::sleep(Duration::from_millis(ms.min(MAX_DELAY_MS)));
        // Any route may follow, e.g. /_fault/delay/500/_fault/status/503.
        return route(state, headers, &format!("/{target}"));
    }
    if let Some(rest) = fault.strip_prefix("flip/") {
        // One byte of a generated sample inverted: corrupt data inside an otherwise valid file.
        let Some((at, target)) = rest.split_once('/') else { return text(400, "use /_fault/flip/<byte>/<sample>\n") };
        let Ok(at) = at.parse::<usize>() else { return text(400, "byte must be an offset\n") };
        let Some(e) = state.samples.get(target) else { return text(404, "flip works on generated samples\n") };
        let mut bytes = e.bytes.to_vec();
        if let Some(b) = bytes.get_mut(at) {
            *b ^= 0xFF;
        }
        return response(200, &[("Content-Type", e.mime), ("Cache-Control", "no-store")], bytes.into());
    }
    match state.faults.get(fault) {
        Some(e) => send(e, headers),
        None => text(404, "unknown fault\n"),
    }
}

fn send(e: &Entity, headers: &[Header]) -> Resp {
    let modified = httpdate::HttpDate::from(e.modified);
    let fresh = match header(headers, "If-None-Match") {
        Some(inm) => inm.split(',').map(str::trim).any(|t| t == "*" || t.trim_start_matches("W/") == e.etag),
        None => header(headers, "If-Modified-Since")
            .and_then(|v| v.parse::<httpdate::HttpDate>().ok())
            .is_some_and(|since| modified <= since),
    };
    let modified = modified.to_string();
    let h = [
        ("Content-Type", e.mime),
        ("ETag", e.etag.as_str()),
        ("Last-Modified", modified.as_str()),
        ("Cache-Control", "public, max-age=3600"),
    ];
    // A 304 keeps the 200's Content-Length (RFC 9110 8.6); tiny_http sends no body for it.
    response(if fresh { 304 } else { 200 }, &h, e.bytes.clone())
}

/// Percent-decodes `path` and splits it into safe segments: Err(400) for bad encoding,
/// Err(404) for anything that could step outside a dir or is otherwise odd.
fn segments(path: &str) -> Result<Vec<String>, u16> {
    let rest = path.strip_prefix('/').ok_or(400u16)?;
    let decoded = String::from_utf8(percent_decode(rest.as_bytes()).ok_or(400u16)?).map_err(|_| 400u16)?;
    let segments: Vec<String> = decoded.split('/').map(str::to_string).collect();
    let bad = |s: &String| s.is_empty() || s == "." || s == ".." || s.contains(['\\', '\0']);
    if segments.iter().any(bad) {
        return Err(404);
    }
    Ok(segments)
}

fn percent_decode(bytes: &[u8]) -> Option<Vec<u8>> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let (hi, lo) = (bytes.get(i + 1).copied().and_then(hex)?, bytes.get(i + 2).copied().and_then(hex)?);
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Reads `dir/segments...` if, once symlinks are resolved, it is a file still inside `dir`
/// (`dir` is already canonical).
fn read_inside(dir: &Path, segments: &[String]) -> Option<Entity> {
    let path = segments.iter().fold(dir.to_path_buf(), |p, s| p.join(s)).canonicalize().ok()?;
    if !path.starts_with(dir) {
        return None;
    }
    let meta = std::fs::metadata(&path).ok().filter(|m| m.is_file())?;
    let bytes = std::fs::read(&path).ok()?;
    Some(Entity::new(mime_for(&path), bytes, meta.modified().unwrap_or(SystemTime::UNIX_EPOCH)))
}

/// Content-Type from the file extension.
pub fn mime_for(path: &Path) -> &'static str {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        "ico" => "image/x-icon",
        "heic" => "image/heic",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn stats_json(stats: &BTreeMap<String, u64>) -> String {
    let entries: Vec<String> = stats.iter().map(|(p, n)| format!("{}:{n}", json_string(p))).collect();
    format!("{{\"requests\":{{{}}},\"total\":{}}}", entries.join(","), stats.values().sum::<u64>())
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn index(state: &State) -> Resp {
    let mut s = String::from("local-origin: sample originals for ixora\n\nsamples:\n");
    for i in &samples::CATALOG {
        let len = state.samples.get(i.name).map_or(0, |e| e.bytes.len());
        s += &format!("  /{:<18} {:>4}x{:<4} {:>9} bytes  {}\n", i.name, i.width, i.height, len, i.about);
    }
    s += "\ndirs:\n";
    for d in &state.dirs {
        s += &format!("  {}\n", d.display());
    }
    s += "\nfaults: /_fault/status/<code>  /_fault/delay/<ms>/<path>  /_fault/flip/<byte>/<sample>  \
          /_fault/garbage.jpg  /_fault/truncated.jpg  /_fault/bomb.png\nstats: GET /_stats, POST /_stats/reset\nmade to order: /_gen/<w>x<h>[-<option>...].<jpg|png|webp> (e.g. /_gen/1999x1500-p-422.jpg)\n";
    text(200, &s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_reject_traversal() {
        assert_eq!(segments("/a/b.jpg"), Ok(vec!["a".into(), "b.jpg".into()]));
        assert_eq!(segments("/a%20b.jpg"), Ok(vec!["a b.jpg".into()]));
        for p in ["/../x", "/%2e%2e/x", "/..%2fx", "/a/../../x", "/./x", "/a//b", "/a/", "/a%5cb", "/a%00b", "/a\\b"] {
            assert_eq!(segments(p), Err(404), "{p}");
        }
        for p in ["/%zz", "/%4", "/%", "/%ff", "x"] {
            assert_eq!(segments(p), Err(400), "{p}");
        }
    }

    #[test]
    fn stats_json_escapes() {
        let mut m = BTreeMap::new();
        m.insert("/a\"b\\c\u{1}".to_string(), 2);
        m.insert("/z".to_string(), 1);
        assert_eq!(stats_json(&m), r#"{"requests":{"/a\"b\\c\u0001":2,"/z":1},"total":3}"#);
        assert_eq!(stats_json(&BTreeMap::new()), r#"{"requests":{},"total":0}"#);
    }

    #[test]
    fn mime_by_extension() {
        assert_eq!(mime_for(Path::new("a/B.JPG")), "image/jpeg");
        assert_eq!(mime_for(Path::new("x.tif")), "image/tiff");
        assert_eq!(mime_for(Path::new("x.heic")), "image/heic");
        assert_eq!(mime_for(Path::new("noext")), "application/octet-stream");
    }
}
