//! The server in-process on a free port, spoken to with a raw TcpStream HTTP/1.1 client.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use local_origin::samples::CATALOG;
use local_origin::{Config, Running, Sample};

struct Fixture {
    server: Running,
    samples: Vec<Sample>,
}

/// One server for all tests: `--dir` is `<tmp>/www`, with decoys one level up that traversal
/// would reach (`<tmp>/Cargo.toml`, `<tmp>/x`) and a symlink pointing out.
fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("local-origin-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        let www = base.join("www");
        std::fs::create_dir_all(www.join("sub")).unwrap();
        std::fs::write(base.join("Cargo.toml"), "SECRET").unwrap();
        std::fs::write(base.join("x"), "SECRET").unwrap();
        std::fs::write(www.join("inside.txt"), "hello from the dir\n").unwrap();
        std::fs::write(www.join("sub/a.jpg"), b"\xff\xd8not really a jpeg").unwrap();
        std::fs::write(www.join("photo.jpg"), "shadowed by the sample").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(base.join("Cargo.toml"), www.join("link.txt")).unwrap();
        let server = local_origin::start(Config { port: 0, dirs: vec![www], ..Config::default() }).unwrap();
        Fixture { server, samples: local_origin::samples() }
    })
}

fn addr() -> SocketAddr {
    fixture().server.addr()
}

struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One request on a fresh `Connection: close` connection; the body is whatever follows the
/// headers until EOF, so a HEAD or 304 that leaked a body would show.
fn request(method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    request_to(addr(), method, target, headers)
}

fn request_to(addr: SocketAddr, method: &str, target: &str, headers: &[(&str, &str)]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let mut req = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req += &format!("{k}: {v}\r\n");
    }
    if method == "POST" {
        req += "Content-Length: 0\r\n";
    }
    s.write_all(format!("{req}\r\n").as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("end of headers");
    let head = String::from_utf8(raw[..split].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers =
        lines.map(|l| l.split_once(':').unwrap()).map(|(k, v)| (k.to_string(), v.trim().to_string())).collect();
    Resp { status, headers, body: raw[split + 4..].to_vec() }
}

fn get(target: &str) -> Resp {
    request("GET", target, &[])
}

#[test]
fn every_sample_is_served_with_validators() {
    for s in &fixture().samples {
        let r = get(&format!("/{}", s.name));
        assert_eq!(r.status, 200, "{}", s.name);
        assert_eq!(r.header("Content-Type"), Some(s.mime));
        assert_eq!(r.header("Content-Length"), Some(s.bytes.len().to_string().as_str()));
        assert!(r.body == s.bytes, "{} body", s.name);
        let etag = r.header("ETag").unwrap();
        assert!(etag.len() > 2 && etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        assert_eq!(r.header("Last-Modified"), Some("Mon, 01 Jan 2024 00:00:00 GMT"));
        assert_eq!(r.header("Cache-Control"), Some("public, max-age=3600"));
        assert_eq!(r.header("Transfer-Encoding"), None);
    }
    assert_eq!(fixture().samples.len(), CATALOG.len());
}

#[test]
fn conditional_requests_get_304() {
    let r = get("/alpha.png");
    let (etag, modified) = (r.header("ETag").unwrap().to_string(), r.header("Last-Modified").unwrap().to_string());
    let weak = format!("W/{etag}");
    let listed = format!("\"nope\", {etag}");
    for inm in [etag.as_str(), weak.as_str(), listed.as_str(), "*"] {
        let r = request("GET", "/alpha.png", &[("If-None-Match", inm)]);
        assert_eq!(r.status, 304, "{inm}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("ETag"), Some(etag.as_str()));
    }
    assert_eq!(request("GET", "/alpha.png", &[("If-None-Match", "\"other\"")]).status, 200);
    assert_eq!(request("GET", "/alpha.png", &[("If-Modified-Since", &modified)]).status, 304);
    assert_eq!(request("GET", "/alpha.png", &[("If-Modified-Since", "Sun, 31 Dec 2023 23:59:59 GMT")]).status, 200);
    // If-None-Match wins over If-Modified-Since.
    let both = request("GET", "/alpha.png", &[("If-None-Match", "\"other\""), ("If-Modified-Since", &modified)]);
    assert_eq!(both.status, 200);
}

#[test]
fn head_has_headers_but_no_body() {
    let full = get("/photo.jpg");
    let r = request("HEAD", "/photo.jpg", &[]);
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty(), "HEAD sent {} body bytes", r.body.len());
    assert_eq!(r.header("Content-Length"), Some(full.body.len().to_string().as_str()));
    assert_eq!(r.header("ETag"), full.header("ETag"));
    assert_eq!(r.header("Content-Type"), Some("image/jpeg"));
}

#[test]
fn files_from_the_dir_are_served() {
    let r = get("/inside.txt");
    assert_eq!((r.status, r.body.as_slice()), (200, &b"hello from the dir\n"[..]));
    assert_eq!(r.header("Content-Type"), Some("text/plain; charset=utf-8"));
    assert!(httpdate_ok(r.header("Last-Modified").unwrap()));
    let etag = r.header("ETag").unwrap().to_string();
    assert_eq!(request("GET", "/inside.txt", &[("If-None-Match", &etag)]).status, 304);

    let r = get("/sub/a.jpg");
    assert_eq!((r.status, r.header("Content-Type")), (200, Some("image/jpeg")));
    assert_eq!(get("/sub%2Fa.jpg").status, 200, "encoded slash is a separator");
    assert_eq!(get("/inside.txt?w=100&fm=webp").status, 200, "query ignored");
    // Samples win over files of the same name.
    assert_eq!(get("/photo.jpg").body.len(), fixture().samples[0].bytes.len());
}

fn httpdate_ok(v: &str) -> bool {
    v.ends_with(" GMT") && v.len() == 29
}

#[test]
fn missing_is_404() {
    for p in ["/nope.jpg", "/sub/nope.jpg", "/sub", "/sub/", "/photo.jpg/", "/_fault/nope"] {
        let r = get(p);
        assert_eq!(r.status, 404, "{p}");
        assert!(!r.body.is_empty() && r.body.len() < 100);
    }
}

#[test]
fn traversal_never_leaves_the_dir() {
    let attempts = [
        "/../Cargo.toml",
        "/%2e%2e/Cargo.toml",
        "/%2E%2E/Cargo.toml",
        "/..%2fCargo.toml",
        "/..%2FCargo.toml",
        "/sub/../../x",
        "/sub/%2e%2e/%2e%2e/x",
        "/sub/..%2f..%2fx",
        "/./inside.txt",
        "//inside.txt",
        "/sub//a.jpg",
        "/..\\Cargo.toml",
        "/..%5cCargo.toml",
        "/inside.txt%00.jpg",
        "/link.txt",
        "/_fault/delay/0/../Cargo.toml",
        "/_fault/delay/0/%2e%2e/x",
        "/%zz",
        "/%2",
    ];
    for p in attempts {
        let r = get(p);
        assert!(r.status == 404 || r.status == 400, "{p}: {}", r.status);
        assert!(!String::from_utf8_lossy(&r.body).contains("SECRET"), "{p} leaked");
    }
    assert_eq!(get("/%zz").status, 400);
}

#[test]
fn other_methods_are_405() {
    for m in ["POST", "PUT", "DELETE", "PATCH"] {
        let r = request(m, "/photo.jpg", &[]);
        assert_eq!(r.status, 405, "{m}");
        assert_eq!(r.header("Allow"), Some("GET, HEAD"));
    }
    assert_eq!(request("POST", "/_stats", &[]).header("Allow"), Some("GET, HEAD"));
    let r = get("/_stats/reset");
    assert_eq!((r.status, r.header("Allow")), (405, Some("POST")));
}

#[test]
fn index_lists_samples() {
    let r = get("/");
    assert_eq!(r.status, 200);
    let text = String::from_utf8(r.body).unwrap();
    for i in &CATALOG {
        assert!(text.contains(i.name), "{}", i.name);
    }
}

#[test]
fn fault_status() {
    for code in [500, 503, 403, 404, 429] {
        let r = get(&format!("/_fault/status/{code}"));
        assert_eq!(r.status, code);
        assert!(!r.body.is_empty());
    }
    assert_eq!(get("/_fault/status/500?w=10").status, 500);
    assert_eq!(get("/_fault/status/abc").status, 400);
    assert_eq!(get("/_fault/status/99").status, 400);
}

#[test]
fn fault_delay_does_not_block_other_requests() {
    let slow = std::thread::spawn(|| {
        let t = Instant::now();
        let r = get("/_fault/delay/1500/alpha.png");
        (r.status, r.header("Content-Type").map(str::to_string), t.elapsed())
    });
    std::thread::sleep(Duration::from_millis(200));
    let t = Instant::now();
    assert_eq!(get("/animated.gif").status, 200);
    assert!(t.elapsed() < Duration::from_millis(1000), "blocked for {:?}", t.elapsed());
    let (status, mime, took) = slow.join().unwrap();
    assert_eq!((status, mime.as_deref()), (200, Some("image/png")));
    assert!(took >= Duration::from_millis(1500), "{took:?}");

    assert_eq!(get("/_fault/delay/10/sub/a.jpg").status, 200);
    assert_eq!(get("/_fault/delay/10/_fault/status/503").status, 503);
    assert_eq!(get("/_fault/delay/10/missing.jpg").status, 404);
    assert_eq!(get("/_fault/delay/soon/alpha.png").status, 400);
}

#[test]
fn fault_bodies() {
    let g = get("/_fault/garbage.jpg");
    assert_eq!((g.status, g.header("Content-Type"), g.body.len()), (200, Some("image/jpeg"), 1024));
    assert_ne!(g.body[..2], [0xff, 0xd8]);
    assert_eq!(get("/_fault/garbage.jpg").body, g.body);

    let t = get("/_fault/truncated.jpg");
    let full = &fixture().samples.iter().find(|s| s.name == "progressive.jpg").unwrap().bytes;
    assert_eq!((t.status, t.header("Content-Type")), (200, Some("image/jpeg")));
    assert_eq!(t.body, full[..full.len() / 2]);

    let f = get("/_fault/flip/100/alpha.avif");
    let full = &fixture().samples.iter().find(|s| s.name == "alpha.avif").unwrap().bytes;
    assert_eq!((f.status, f.header("Content-Type"), f.body.len()), (200, Some("image/avif"), full.len()));
    let differ: Vec<usize> = (0..full.len()).filter(|&i| f.body[i] != full[i]).collect();
    assert_eq!((differ, f.body[100]), (vec![100], !full[100]));
    assert_eq!(get(&format!("/_fault/flip/{}/alpha.avif", full.len())).body, full[..]);
    assert_eq!(get("/_fault/flip/x/alpha.avif").status, 400);
    assert_eq!(get("/_fault/flip/3/nothing.avif").status, 404);

    let b = get("/_fault/bomb.png");
    assert_eq!((b.status, b.header("Content-Type")), (200, Some("image/png")));
    assert_eq!(b.body[..8], *b"\x89PNG\r\n\x1a\n");
    assert_eq!(b.body[12..24], *b"IHDR\x00\x01\x86\xa0\x00\x01\x86\xa0");
}

/// `"<path>":N` from the stats JSON.
fn count(stats: &str, path: &str) -> Option<u64> {
    let key = format!("\"{path}\":");
    let rest = &stats[stats.find(&key)? + key.len()..];
    rest[..rest.find([',', '}']).unwrap()].parse().ok()
}

#[test]
fn stats_count_requests_per_path() {
    // Paths unique to this test, since other tests share the server.
    get("/stats-probe.jpg");
    get("/stats-probe.jpg?w=1");
    request("HEAD", "/stats-probe.jpg", &[]);
    get("/_fault/status/418");
    let r = get("/_stats");
    assert_eq!((r.status, r.header("Content-Type")), (200, Some("application/json")));
    let stats = String::from_utf8(r.body).unwrap();
    assert!(stats.starts_with("{\"requests\":{") && stats.contains("},\"total\":"), "{stats}");
    assert_eq!(count(&stats, "/stats-probe.jpg"), Some(3), "{stats}");
    assert!(count(&stats, "/_fault/status/418").is_some());
    assert_eq!(count(&stats, "/_stats"), None, "stats requests are not counted");
    assert!(count(&stats, "total").unwrap() >= 4, "{stats}");

    let r = request("POST", "/_stats/reset", &[]);
    assert_eq!(r.status, 200);
    get("/stats-probe.jpg");
    let stats = String::from_utf8(get("/_stats").body).unwrap();
    assert_eq!(count(&stats, "/stats-probe.jpg"), Some(1), "{stats}");
}

#[test]
fn start_binds_a_free_port_and_stops() {
    let missing = PathBuf::from("/definitely/not/here");
    assert!(local_origin::start(Config { port: 0, dirs: vec![missing], ..Config::default() }).is_err());

    let other = local_origin::start(Config { port: 0, threads: 2, ..Config::default() }).unwrap();
    assert_ne!(other.addr().port(), 0);
    assert_ne!(other.addr(), addr());
    assert_eq!(request_to(other.addr(), "GET", "/small.webp", &[]).status, 200);
    assert_eq!(request_to(other.addr(), "GET", "/inside.txt", &[]).status, 404, "no dirs");
    other.stop();
}
