//! The edge platform end to end: sources by Host, signed URLs (official vectors and the real
//! imgix Python client), expires, the derivative cache with request collapsing, purge,
//! conditional requests, origin redirects and the log line.

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ixora::codec::Format;
use ixora::service::signature;

use super::http::{self, Reply};
use super::servers::{Servers, TOKENS};
use super::{check, expect_json_error, expect_status, image_info};

fn token(name: &str) -> &'static str {
    TOKENS.iter().find(|(k, _)| *k == name).map(|(_, v)| *v).expect("token in the test manifest")
}

fn on_host(s: &Servers, host: &str, target: &str, extra: &[(&str, &str)]) -> Result<Reply, String> {
    let mut headers = vec![("Host", host)];
    headers.extend_from_slice(extra);
    http::request(&s.edge, "GET", target, &headers).map_err(|e| format!("GET {host}{target}: {e}"))
}

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

/// How often local-origin was asked for `path` since it started.
fn origin_count(s: &Servers, path: &str) -> Result<u64, String> {
    let r = http::request(&s.origin, "GET", "/_stats", &[]).map_err(|e| format!("/_stats: {e}"))?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| format!("/_stats: {e}"))?;
    Ok(v["requests"][path].as_u64().unwrap_or(0))
}

fn x_cache(r: &Reply) -> &str {
    r.header("x-cache").unwrap_or("")
}

fn purge(s: &Servers, query: &str, token: Option<&str>) -> Result<Reply, String> {
    let auth = token.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("Content-Length", "0")];
    if let Some(a) = &auth {
        headers.push(("Authorization", a.as_str()));
    }
    http::request(&s.edge, "POST", &format!("/_purge?{query}"), &headers).map_err(|e| format!("purge: {e}"))
}

/// The official clients' vectors (reference/imgix-signing.md §3) against a signed source whose
/// tokens are theirs: a valid signature gets past the check (the origin then has no such file:
/// 404), a tampered one is refused with 403.
pub fn sign_official_vectors(s: &Servers) -> Result<(), String> {
    let vectors: &[(&str, &str)] = &[
        ("/users/1.png", "s=6797c24146142d5b40bde3141fd3600c"),
        ("/users/1.png", "h=300&w=400&s=1a4e48641614d1109c6a7af51be23d18"),
        ("/users/1.png", "w=400&h=300&s=c7b86f666a832434dd38577e38cf86d1"),
        ("/images/demo.png", "w=200&s=da421114ca238d1f4a927b889f67c34e"),
        ("/images/demo.png", "mark&h=200&w=200&s=70e6fd73fad79125c3596c0575a6e4cf"),
        ("/images/demo.png", "markalign=middle%2Ccenter&s=f0d0e28a739f022638f4ba6dddf9b694"),
        ("/%5Bimages%5D/demo.png", "s=270832685733a36ba02bd8ab9fd72df5"),
        ("/%20%3C%3E%5B%5D%7B%7D%7C%5C%5E%25.jpg", "h=200&w=200&s=1731846fd046c84270d052b1152b0cfa"),
        ("/%26%24%2B%2C%3A%3B%3D%3F%40%23.jpg", "h=200&w=200&s=08730633f350ceb3cc6bce4caa4be55a"),
    ];
    for (path, query) in vectors {
        let t = format!("{path}?{query}");
        let r = on_host(s, "vectors.localhost", &t, &[])?;
        // Past the signature: the origin has no such file (or a value is refused after it).
        check(r.status == 404 || r.status == 400, || format!("{t}: status {} {}", r.status, r.text()))?;
        // Another last hex digit, and an added parameter: both refused.
        let flipped =
            if t.ends_with('0') { format!("{}1", &t[..t.len() - 1]) } else { format!("{}0", &t[..t.len() - 1]) };
        for bad in [flipped, format!("{path}?x=1&{query}")] {
            expect_json_error(&on_host(s, "vectors.localhost", &bad, &[])?, 403, &bad)?;
        }
    }
    // Unsigned on a secure source: 403 with the JSON error contract.
    let r = on_host(s, "vectors.localhost", "/users/1.png?w=10", &[])?;
    expect_json_error(&r, 403, "unsigned")?;
    check(r.text().contains("\"code\":\"forbidden\""), || r.text())
}

/// URLs signed on the fly by the real `imgix` Python package (installed by scripts/setup.sh into
/// .cache/python): accepted and rendered; tampered or unsigned ones refused.
pub fn sign_real_imgix_client(s: &Servers) -> Result<(), String> {
    let script = r#"
import sys
from imgix import UrlBuilder
token = sys.argv[1]
plain = UrlBuilder("secure.localhost", use_https=False, sign_key=token, include_library_param=False)
lib = UrlBuilder("secure.localhost", use_https=False, sign_key=token)
print(plain.create_url("photo.jpg", {"w": 200, "fm": "png"}))
print(lib.create_url("/photo.jpg", {"h": 90, "fit": "crop", "w": 90, "auto": "format,compress"}))
print(plain.create_url("photo.jpg"))
print(plain.create_url("dir/a b+c.jpg", {"txt": "Hello, World!"}))
"#;
    let out = python(script, &[token("demo")])?;
    let urls: Vec<&str> = out.lines().collect();
    check(urls.len() == 4, || format!("imgix printed {out}"))?;
    let target = |url: &str| url.trim_start_matches("http://secure.localhost").to_string();

    let t = target(urls[0]);
    let r = on_host(s, "secure.localhost", &t, &[])?;
    expect_status(&r, 200, &t)?;
    let got = image_info(&r.body)?;
    check(got == (Format::Png, 200, 150), || format!("{t}: {got:?}"))?;

    // With ixlib=python-… (an unknown parameter, but signed) and a list value.
    let t = target(urls[1]);
    check(t.contains("ixlib=python-"), || format!("no ixlib in {t}"))?;
    let r = on_host(s, "secure.localhost", &t, &[("Accept", "image/webp")])?;
    expect_status(&r, 200, &t)?;
    let got = image_info(&r.body)?;
    check((got.1, got.2) == (90, 90), || format!("{t}: {got:?}"))?;

    let t = target(urls[2]);
    expect_status(&on_host(s, "secure.localhost", &t, &[])?, 200, &t)?;

    // An encoded path with a space and a plus: the signature holds (the file does not exist).
    let t = target(urls[3]);
    expect_json_error(&on_host(s, "secure.localhost", &t, &[])?, 404, &t)?;

    // Tampering: a changed value, a dropped parameter, the path of another file, no signature.
    let signed = target(urls[0]);
    for bad in [
        signed.replace("w=200", "w=201"),
        signed.replace("fm=png&", ""),
        signed.replace("/photo.jpg", "/alpha.png"),
        signed.split("&s=").next().unwrap_or("").to_string(),
    ] {
        expect_json_error(&on_host(s, "secure.localhost", &bad, &[])?, 403, &bad)?;
    }
    // A token not (or no longer) configured for the source signs nothing.
    let foreign = python(script, &["not-the-token"])?;
    let t = target(foreign.lines().next().unwrap_or(""));
    expect_json_error(&on_host(s, "secure.localhost", &t, &[])?, 403, "foreign token")?;
    // Rotation: the second configured token works as well.
    let next = python(script, &[token("next")])?;
    let t = target(next.lines().next().unwrap_or(""));
    expect_status(&on_host(s, "secure.localhost", &t, &[])?, 200, "rotated token")
}

fn python(script: &str, args: &[&str]) -> Result<String, String> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let local = root.join(".cache/python");
    let path = match std::env::var("PYTHONPATH") {
        Ok(p) if !p.is_empty() => format!("{}:{p}", local.display()),
        _ => local.display().to_string(),
    };
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .env("PYTHONPATH", path)
        .output()
        .map_err(|e| format!("python3: {e} (scripts/setup.sh installs it)"))?;
    if !out.status.success() {
        return Err(format!(
            "the imgix Python package is needed (scripts/setup.sh installs it into .cache/python): {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `expires` in the past is a 404; in the future it caps `Cache-Control: max-age`.
pub fn sign_expires(s: &Servers) -> Result<(), String> {
    let sign = |query: &str| {
        let sig = signature::sign(token("demo"), "/photo.jpg", query);
        format!("/photo.jpg?{query}&s={sig}")
    };
    let t = sign(&format!("w=50&expires={}", now() - 10));
    let r = on_host(s, "secure.localhost", &t, &[])?;
    expect_json_error(&r, 404, "expired")?;
    check(r.text().contains("\"code\":\"expired\""), || r.text())?;

    let t = sign(&format!("w=50&expires={}", now() + 120));
    let r = on_host(s, "secure.localhost", &t, &[])?;
    expect_status(&r, 200, &t)?;
    let cc = r.header("cache-control").unwrap_or("");
    let max_age: u64 = cc.split("max-age=").nth(1).and_then(|v| v.parse().ok()).unwrap_or(u64::MAX);
    check((100..=120).contains(&max_age), || format!("expires in 120 s but Cache-Control {cc:?}"))?;
    // Changing expires breaks the signature.
    let tampered = t.replace("expires=", "expires=9");
    expect_json_error(&on_host(s, "secure.localhost", &tampered, &[])?, 403, "tampered expires")?;
    // An open source honours expires too.
    expect_json_error(&super::get(s, &format!("/photo.jpg?w=50&expires={}", now() - 1))?, 404, "open expired")
}

/// A host with no entry and no `*` is 410; with `*` it falls back.
pub fn source_unknown_host_is_410(s: &Servers) -> Result<(), String> {
    // The main edge has `*`: any host is served.
    expect_status(&on_host(s, "anything.example", "/photo.jpg?w=20", &[])?, 200, "fallback to *")?;
    let sources = [("secure.localhost", r#"{"backend":"origin","secure":true,"tokens":["demo"]}"#)];
    let edge = s.extra_edge(&sources)?;
    let r = http::request(&edge.addr, "GET", "/photo.jpg?w=20", &[("Host", "Unknown.Example:8080")])
        .map_err(|e| e.to_string())?;
    expect_json_error(&r, 410, "unknown host")?;
    check(r.text().contains("unknown.example"), || r.text())?;
    // The configured host still works there (signature from our own signer).
    let sig = signature::sign(token("demo"), "/photo.jpg", "w=20");
    let r = http::request(&edge.addr, "GET", &format!("/photo.jpg?w=20&s={sig}"), &[("Host", "secure.localhost")])
        .map_err(|e| e.to_string())?;
    expect_status(&r, 200, "configured host on the extra edge")
}

/// Web-proxy sources: the path is a full URL, always signed (here by the real imgix client),
/// fetched only from `proxy_hosts`, and never from a private address other than the source's
/// configured backend (local-origin here, on loopback).
pub fn source_web_proxy(s: &Servers) -> Result<(), String> {
    let url = format!("http://{}/photo.jpg", s.origin);
    let script = r#"
import sys
from imgix import UrlBuilder
b = UrlBuilder("proxy.localhost", use_https=False, sign_key=sys.argv[1], include_library_param=False)
for u in sys.argv[2:]:
    print(b.create_url(u, {"w": 40}))
"#;
    let out = python(
        script,
        &[token("demo"), &url, "http://10.0.0.1/a.jpg", "https://img.example.com/a.jpg", "http://not-listed.net/a.jpg"],
    )?;
    let urls: Vec<String> = out.lines().map(|u| u.trim_start_matches("http://proxy.localhost").to_string()).collect();
    check(urls.len() == 4 && urls[0].starts_with("/http%3A%2F%2F127.0.0.1"), || format!("imgix printed {out}"))?;

    let before = origin_count(s, "/photo.jpg")?;
    let r = on_host(s, "proxy.localhost", &urls[0], &[])?;
    expect_status(&r, 200, &urls[0])?;
    let got = image_info(&r.body)?;
    check((got.1, got.2) == (40, 30), || format!("proxied render {got:?}"))?;
    check(origin_count(s, "/photo.jpg")? == before + 1, || "the proxy did not fetch from local-origin".into())?;
    check(x_cache(&on_host(s, "proxy.localhost", &urls[0], &[])?) == "HIT", || "proxied render not cached".into())?;

    // Unsigned: 403 even though the host is allowed.
    let unsigned = urls[0].split("&s=").next().unwrap_or("").to_string();
    expect_json_error(&on_host(s, "proxy.localhost", &unsigned, &[])?, 403, "unsigned proxy")?;
    // A private address, even an allowed one, is refused before any connection.
    let r = on_host(s, "proxy.localhost", &urls[1], &[])?;
    expect_json_error(&r, 403, "private proxy target")?;
    check(r.text().contains("private"), || r.text())?;
    // A host not on proxy_hosts: 403.
    let r = on_host(s, "proxy.localhost", &urls[3], &[])?;
    expect_json_error(&r, 403, "unlisted proxy host")?;
    check(r.text().contains("not-listed.net"), || r.text())?;
    // Not a URL at all.
    let sig = signature::sign(token("demo"), "/photo.jpg", "w=10");
    expect_json_error(&on_host(s, "proxy.localhost", &format!("/photo.jpg?w=10&s={sig}"), &[])?, 400, "not a URL")?;
    // urls[2] (an allowed public host) is not requested: this machine has no network beyond
    // package registries, so the dynamic-backend path is exercised only on Fastly.
    Ok(())
}

/// Default parameters apply under the request's; a prefix is prepended at the origin.
pub fn source_defaults_and_prefix(s: &Servers) -> Result<(), String> {
    let r = on_host(s, "defaults.localhost", "/photo.jpg", &[])?;
    expect_status(&r, 200, "defaults")?;
    let got = image_info(&r.body)?;
    check(got == (Format::Png, 64, 48), || format!("defaults w=64&fm=png gave {got:?}"))?;
    let r = on_host(s, "defaults.localhost", "/photo.jpg?width=32", &[])?;
    let got = image_info(&r.body)?;
    check(got == (Format::Png, 32, 24), || format!("request width=32 over defaults gave {got:?}"))?;

    let before = origin_count(s, "/_fault/delay/1/small.webp")?;
    let r = on_host(s, "prefix.localhost", "/small.webp?w=40", &[])?;
    expect_status(&r, 200, "prefix")?;
    let after = origin_count(s, "/_fault/delay/1/small.webp")?;
    check(after == before + 1, || format!("origin saw the prefixed path {} times", after - before))
}

/// A miss renders and stores; the same URL then hits without touching the origin.
pub fn cache_hit_after_miss(s: &Servers) -> Result<(), String> {
    let t = "/progressive.jpg?w=123&fm=png";
    let before = origin_count(s, "/progressive.jpg")?;
    let first = super::get(s, t)?;
    expect_status(&first, 200, t)?;
    check(x_cache(&first) == "MISS", || format!("first: X-Cache {:?}", x_cache(&first)))?;
    // The miss fetches the original unless an earlier request left it in the cache.
    let mid = origin_count(s, "/progressive.jpg")?;
    check(mid - before <= 1, || format!("origin fetched {} times for one miss", mid - before))?;
    // Same derivative, other spelling: aliases and order do not matter.
    let second = super::get(s, "/progressive.jpg?fm=png&width=123")?;
    check(x_cache(&second) == "HIT", || format!("second: X-Cache {:?}", x_cache(&second)))?;
    check(second.body == first.body, || "a hit must return the stored bytes".into())?;
    check(second.header("etag") == first.header("etag"), || "etag differs on hit".into())?;
    let after = origin_count(s, "/progressive.jpg")?;
    check(after == mid, || format!("origin fetched {} times for a hit", after - mid))?;
    let keys = first.header("surrogate-key").unwrap_or("");
    check(keys.contains("ixora-src-default") && keys.contains("ixora-img-"), || format!("Surrogate-Key {keys:?}"))?;
    // The origin's Cache-Control (max-age=3600) sets the TTL when the source sets none.
    check(first.header("cache-control") == Some("public, max-age=3600"), || {
        format!("cache-control {:?}", first.header("cache-control"))
    })?;
    // Negotiated formats are cached per Accept class.
    let t = "/progressive.jpg?w=124&auto=format";
    let webp = super::get_with(s, t, &[("Accept", "image/webp")])?;
    let jpeg = super::get_with(s, t, &[("Accept", "image/jpeg")])?;
    check(webp.header("content-type") == Some("image/webp"), || "webp variant".into())?;
    check(jpeg.header("content-type") == Some("image/jpeg"), || "jpeg variant must not get the webp entry".into())?;
    check(jpeg.header("vary") == Some("Accept"), || "vary on the cached variant".into())?;
    // Another Accept that allows the same formats shares the entry.
    let webp2 = super::get_with(s, t, &[("Accept", "text/html,image/webp,*/*;q=0.8")])?;
    check(x_cache(&webp2) == "HIT" && webp2.header("content-type") == Some("image/webp"), || {
        format!("webp again: {} {:?}", x_cache(&webp2), webp2.header("content-type"))
    })
}

/// After the first render of a large original, other derivatives start from its working copy
/// (`Server-Timing: start;desc=copy`) without an origin fetch; those needing more pixels start
/// from the cached original; fm=json still describes the original; a purge drops all of it.
pub fn later_derivatives_start_from_the_working_copy(s: &Servers) -> Result<(), String> {
    let path = "/_fault/delay/1/photo.jpg";
    let start =
        |r: &Reply| r.header("server-timing").and_then(|t| t.split("start;desc=").nth(1)).unwrap_or("").to_string();
    let before = origin_count(s, path)?;
    let first = super::get(s, &format!("{path}?w=801"))?;
    expect_status(&first, 200, "first")?;
    check(start(&first) == "origin", || format!("first render started from {:?}", start(&first)))?;
    // The copy is made after the first response: wait for it.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    // Each attempt is a new derivative (another q), so none is answered from the derivative cache.
    let mut attempt = 0;
    let second = loop {
        attempt += 1;
        let r = super::get(s, &format!("{path}?w=640&h=480&fit=crop&q={}", 40 + attempt))?;
        if start(&r) == "copy" || std::time::Instant::now() > deadline {
            break r;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    check(start(&second) == "copy", || format!("second derivative started from {:?}", start(&second)))?;
    check(image_info(&second.body)?.1 == 640, || "second derivative size".into())?;
    let big = super::get(s, &format!("{path}?w=3000"))?;
    check(start(&big) == "original", || format!("w=3000 started from {:?}", start(&big)))?;
    let json = super::get(s, &format!("{path}?fm=json"))?;
    check(json.text().contains("\"PixelWidth\":4000"), || json.text())?;
    check(origin_count(s, path)? == before + 1, || "later derivatives fetched the original again".into())?;
    expect_status(&purge(s, &format!("path={path}"), Some(token("purge")))?, 200, "purge")?;
    let after = super::get(s, &format!("{path}?w=333"))?;
    check(start(&after) == "origin", || format!("after a purge the render started from {:?}", start(&after)))
}

/// N concurrent identical misses: one origin fetch, one render (one MISS), N-1 collapsed hits.
pub fn cache_collapses_concurrent_misses(s: &Servers) -> Result<(), String> {
    const N: usize = 8;
    // A slow origin keeps every request in flight while the first one renders.
    let path = "/_fault/delay/600/photo.jpg";
    let t = format!("{path}?w=321&fm=webp");
    let before = origin_count(s, path)?;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(N));
    let handles: Vec<_> = (0..N)
        .map(|_| {
            let (edge, t, barrier) = (s.edge.clone(), t.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                http::request(&edge, "GET", &t, &[]).map_err(|e| e.to_string())
            })
        })
        .collect();
    let replies: Vec<Reply> =
        handles.into_iter().map(|h| h.join().map_err(|_| "thread panicked".to_string())?).collect::<Result<_, _>>()?;
    let fetches = origin_count(s, path)? - before;
    let misses = replies.iter().filter(|r| x_cache(r) == "MISS").count();
    println!("    {N} concurrent identical requests: {fetches} origin fetch(es), {misses} render(s) (MISS)");
    for r in &replies {
        expect_status(r, 200, &t)?;
        check(r.body == replies[0].body, || "collapsed replies differ".into())?;
    }
    check(fetches == 1, || format!("{N} concurrent requests caused {fetches} origin fetches"))?;
    check(misses == 1, || format!("{misses} of {N} requests rendered (X-Cache: MISS)"))
}

/// TTL from the source; after it lapses the stale entry is served at once (still a HIT) and
/// refreshed after the response (stale-while-revalidate): one more origin fetch, then fresh hits.
pub fn cache_ttl_and_stale_while_revalidate(s: &Servers) -> Result<(), String> {
    let t = "/alpha.png?w=31";
    let before = origin_count(s, "/alpha.png")?;
    let first = on_host(s, "ttl.localhost", t, &[])?;
    check(first.header("cache-control") == Some("public, max-age=1"), || {
        format!("{:?}", first.header("cache-control"))
    })?;
    check(x_cache(&on_host(s, "ttl.localhost", t, &[])?) == "HIT", || "hit within the TTL".into())?;
    std::thread::sleep(Duration::from_millis(2100));
    let stale = on_host(s, "ttl.localhost", t, &[])?;
    expect_status(&stale, 200, "after ttl")?;
    check(x_cache(&stale) == "HIT" && stale.body == first.body, || {
        format!("a stale entry should be served at once, got X-Cache {}", x_cache(&stale))
    })?;
    // The refresh runs after the response was sent.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while origin_count(s, "/alpha.png")? - before < 2 && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let fetches = origin_count(s, "/alpha.png")? - before;
    check(fetches == 2, || format!("{fetches} origin fetches; the lapsed TTL should have caused one refresh"))?;
    let log = s.viceroy_log_tail(200);
    check(log.lines().any(|l| l.contains("ttl.localhost") && l.contains("\"cache\":\"STALE\"")), || {
        "no STALE log line for the stale answer".into()
    })
}

/// `POST /_purge` with the purge token: one original's derivatives, or a whole source.
pub fn purge_turns_hit_into_miss(s: &Servers) -> Result<(), String> {
    let a = "/small.webp?w=77";
    let b = "/small.webp?w=78";
    let other = "/alpha.png?w=79";
    for t in [a, b, other, a, b, other] {
        super::get(s, t)?;
    }
    check(x_cache(&super::get(s, a)?) == "HIT", || "not cached before purge".into())?;

    expect_json_error(&purge(s, "path=/small.webp", None)?, 403, "purge without token")?;
    expect_json_error(&purge(s, "path=/small.webp", Some("wrong"))?, 403, "purge with a wrong token")?;
    let r = http::request(&s.edge, "GET", "/_purge?path=/small.webp", &[]).map_err(|e| e.to_string())?;
    expect_json_error(&r, 405, "GET /_purge")?;

    let r = purge(s, "path=/small.webp", Some(token("purge")))?;
    expect_status(&r, 200, "purge path")?;
    check(x_cache(&super::get(s, a)?) == "MISS", || "a is still cached after purging its original".into())?;
    check(x_cache(&super::get(s, b)?) == "MISS", || "b is still cached after purging its original".into())?;
    check(x_cache(&super::get(s, other)?) == "HIT", || "purging one original dropped another".into())?;

    let r = purge(s, "source=127.0.0.1", Some(token("purge")))?;
    expect_status(&r, 200, "purge source")?;
    check(r.text().contains("ixora-src-default"), || r.text())?;
    check(x_cache(&super::get(s, other)?) == "MISS", || "source purge left an entry".into())
}

/// `If-None-Match` with the current ETag: 304, no body, and no origin fetch or render.
pub fn conditional_if_none_match_is_304(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=111";
    let first = super::get(s, t)?;
    let etag = first.header("etag").ok_or("no etag")?.to_string();
    let before = origin_count(s, "/photo.jpg")?;
    let r = super::get_with(s, t, &[("If-None-Match", &etag)])?;
    expect_status(&r, 304, "If-None-Match")?;
    check(r.body.is_empty(), || "304 with a body".into())?;
    check(r.header("etag") == Some(etag.as_str()), || format!("304 etag {:?}", r.header("etag")))?;
    check(x_cache(&r) == "HIT", || format!("304 X-Cache {}", x_cache(&r)))?;
    let weak = format!("W/{etag}, \"other\"");
    expect_status(&super::get_with(s, t, &[("If-None-Match", &weak)])?, 304, "weak/list If-None-Match")?;
    let r = super::get_with(s, t, &[("If-None-Match", "\"stale\"")])?;
    expect_status(&r, 200, "non-matching If-None-Match")?;
    check(r.body == first.body, || "body after non-matching etag".into())?;
    let fetches = origin_count(s, "/photo.jpg")? - before;
    check(fetches == 0, || format!("{fetches} origin fetches for cached conditional requests"))?;
    let h = http::request(&s.edge, "HEAD", t, &[]).map_err(|e| e.to_string())?;
    check(h.status == 200 && h.body.is_empty() && h.header("etag") == Some(etag.as_str()), || "HEAD".into())
}

/// An origin redirect is not followed: 502 with the JSON contract.
pub fn origin_redirect_is_502(s: &Servers) -> Result<(), String> {
    for code in [301, 302, 307, 308] {
        let t = format!("/_fault/status/{code}?w=10");
        let r = super::get(s, &t)?;
        expect_json_error(&r, 502, &t)?;
        check(r.text().contains("redirect"), || r.text())?;
    }
    Ok(())
}

/// One JSON log line per request, with host, cache status, heap and timings.
pub fn log_line_has_platform_fields(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=97";
    on_host(s, "logs.example", t, &[])?;
    on_host(s, "logs.example", t, &[])?;
    std::thread::sleep(Duration::from_millis(300));
    let tail = s.viceroy_log_tail(400);
    let lines: Vec<serde_json::Value> = tail
        .lines()
        .filter(|l| l.contains("logs.example"))
        .filter_map(|l| l.split_once(" :: ").map(|(_, json)| json))
        .filter_map(|json| serde_json::from_str(json).ok())
        .collect();
    check(lines.len() == 2, || format!("want 2 log lines for logs.example, got {}:\n{tail}", lines.len()))?;
    for (line, cache) in lines.iter().zip(["MISS", "HIT"]) {
        for field in
            ["time", "host", "path", "params", "status", "cache", "bytes_in", "bytes_out", "dims_out", "format"]
        {
            check(!line[field].is_null(), || format!("log line lacks {field}: {line}"))?;
        }
        check(line["host"] == "logs.example", || format!("host in {line}"))?;
        check(line["cache"] == cache, || format!("want cache {cache} in {line}"))?;
        check(line["params"] == "w=97", || format!("canonical params in {line}"))?;
        check(line.get("heap_mib").is_some() && line.get("cpu_ms").is_some(), || format!("heap/cpu in {line}"))?;
    }
    Ok(())
}

/// `X-Ixora-Heap-Peak` and `X-Ixora-Heap-Mib` only with `debug_headers = "true"` in
/// `ixora_settings` (docs/operations.md); the main test edge has no such setting.
pub fn debug_headers_only_with_the_setting(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=64";
    let r = super::get(s, t)?;
    expect_status(&r, 200, t)?;
    check(r.header("x-ixora-heap-peak").is_none() && r.header("x-ixora-heap-mib").is_none(), || {
        format!("debug headers without the setting: {:?}", r.headers)
    })?;
    let sources = [("*", r#"{"backend":"origin"}"#)];
    for (value, on) in [("true", true), ("false", false)] {
        let edge = s.extra_edge_with_settings(&sources, &[("debug_headers", value)])?;
        let r = http::request(&edge.addr, "GET", t, &[]).map_err(|e| e.to_string())?;
        expect_status(&r, 200, t)?;
        let peak = r.header("x-ixora-heap-peak").and_then(|v| v.parse::<u64>().ok());
        if on {
            // A 64 px render of a 4000x3000 JPEG holds at least the original (~4 MB).
            check(peak.is_some_and(|p| p > 1_000_000), || format!("debug_headers=true: peak {peak:?}"))?;
            check(r.header("x-ixora-heap-mib").is_some(), || "debug_headers=true: no X-Ixora-Heap-Mib".into())?;
        } else {
            check(peak.is_none(), || format!("debug_headers=false: peak {peak:?}"))?;
        }
    }
    Ok(())
}
