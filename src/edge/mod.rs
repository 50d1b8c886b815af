//! The Fastly Compute adapter (wasm only): route, fetch the original, render, respond, log.
//! It decides what to render and where bytes go; the engine decides how pixels change.

mod origin;

use std::io::Write;
use std::time::Instant;

use fastly::http::{header, Method, StatusCode};
use fastly::{Request, Response};

use crate::codec::Format;
use crate::error::Error;
use crate::headers::{self, StageTimes};
use crate::security::Limits;

/// The static backend serving originals.
pub const ORIGIN_BACKEND: &str = "origin";
/// The log endpoint receiving one JSON line per request.
pub const LOG_ENDPOINT: &str = "ixora_log";
/// Optional config store with service settings.
pub const SETTINGS_STORE: &str = "ixora_settings";

pub fn main() {
    let req = Request::from_client();
    let started = Instant::now();
    let method = req.get_method().clone();
    let path = req.get_path().to_string();
    let query = req.get_query_str().unwrap_or("").to_string();
    let (resp, log) = handle(req, started);
    let status = resp.get_status().as_u16();
    write_log(&method, &path, &query, status, &log, started);
    resp.send_to_client();
}

/// What the log line reports besides the request itself.
#[derive(Default)]
struct LogFields {
    bytes_in: usize,
    bytes_out: usize,
    dims_in: Option<(u32, u32)>,
    dims_out: Option<(u32, u32)>,
    format: Option<&'static str>,
    error: Option<String>,
    times: StageTimes,
}

fn handle(req: Request, started: Instant) -> (Response, LogFields) {
    let mut log = LogFields::default();
    let result = route(&req, started, &mut log);
    let resp = result.unwrap_or_else(|e| {
        log.error = Some(e.message.clone());
        error_response(&e)
    });
    // HEAD: the runtime sends the headers (Content-Length included) and drops the body.
    (resp, log)
}

fn route(req: &Request, started: Instant, log: &mut LogFields) -> Result<Response, Error> {
    if !matches!(*req.get_method(), Method::GET | Method::HEAD) {
        return Err(Error::method_not_allowed(format!("{} is not allowed; use GET or HEAD", req.get_method())));
    }
    if req.get_path() == "/_health" {
        return Ok(Response::from_status(StatusCode::OK)
            .with_header(header::CONTENT_TYPE, "application/json")
            .with_header(header::CACHE_CONTROL, "no-store")
            .with_body(r#"{"status":"ok"}"#));
    }
    let query = req.get_query_str().unwrap_or("");
    let params = crate::params::parse(query)?;
    let limits = Limits::default();

    let fetch_start = Instant::now();
    let original = origin::fetch(ORIGIN_BACKEND, req.get_path(), origin_timeout(), &limits)?;
    log.times.fetch = ms_since(fetch_start);
    log.bytes_in = original.body.len();

    let mut resp = if params.is_passthrough() {
        // No parameter: the original bytes, untouched.
        let mime = Format::sniff(&original.body)
            .map(Format::mime)
            .or(original.content_type.as_deref())
            .unwrap_or("application/octet-stream");
        log.format = Format::sniff(&original.body).map(Format::mime);
        image_response(original.body.clone(), mime)
    } else {
        let accept = req.get_header_str(header::ACCEPT).unwrap_or("");
        let rendered = crate::render(&original.body, &params, accept, &limits)?;
        log.times.render = rendered.timings;
        log.dims_in = Some(rendered.source);
        log.dims_out = Some((rendered.width, rendered.height));
        log.format = Some(rendered.mime);
        let mut resp = image_response(rendered.body, rendered.mime);
        if rendered.vary_accept {
            resp.set_header(header::VARY, "Accept");
        }
        resp
    };
    if let Some(ignored) = params.ignored_header() {
        resp.set_header("X-Ixora-Ignored", ignored);
    }
    resp.set_header("Surrogate-Key", headers::surrogate_keys(ORIGIN_BACKEND, req.get_path()));
    if let Some(lm) = original.last_modified {
        resp.set_header(header::LAST_MODIFIED, lm);
    }
    log.bytes_out = resp.get_header_str(header::CONTENT_LENGTH).and_then(|v| v.parse().ok()).unwrap_or(0);
    log.times.total = ms_since(started);
    log.times.cpu = fastly::compute_runtime::elapsed_vcpu_ms().ok();
    resp.set_header("Server-Timing", headers::server_timing(&log.times));
    Ok(resp)
}

/// The origin timeout from the optional `ixora_settings` config store (`origin_timeout_ms`).
fn origin_timeout() -> std::time::Duration {
    fastly::ConfigStore::try_open(SETTINGS_STORE)
        .ok()
        .and_then(|store| store.try_get("origin_timeout_ms").ok().flatten())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(origin::DEFAULT_TIMEOUT)
}

fn image_response(body: Vec<u8>, mime: &str) -> Response {
    Response::from_status(StatusCode::OK)
        .with_header(header::CONTENT_TYPE, mime)
        .with_header(header::CONTENT_LENGTH, body.len().to_string())
        .with_header(header::CACHE_CONTROL, headers::cache_control(200))
        .with_header(header::ETAG, headers::etag(&body))
        .with_header("X-Cache", "MISS")
        .with_body(body)
}

fn error_response(e: &Error) -> Response {
    let body = e.to_json();
    let mut resp = Response::from_status(e.status)
        .with_header(header::CONTENT_TYPE, "application/json")
        .with_header(header::CONTENT_LENGTH, body.len().to_string())
        .with_header(header::CACHE_CONTROL, headers::cache_control(e.status))
        .with_header("X-Cache", "MISS")
        .with_body(body);
    if e.status == 405 {
        resp.set_header(header::ALLOW, "GET, HEAD");
    }
    resp
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn write_log(method: &Method, path: &str, query: &str, status: u16, log: &LogFields, started: Instant) {
    let params = crate::params::parse(query).map(|p| p.canonical_query()).unwrap_or_default();
    let line = serde_json::json!({
        "method": method.as_str(),
        "path": path,
        "params": params,
        "status": status,
        "cache": "MISS",
        "bytes_in": log.bytes_in,
        "bytes_out": log.bytes_out,
        "dims_in": log.dims_in.map(|(w, h)| format!("{w}x{h}")),
        "dims_out": log.dims_out.map(|(w, h)| format!("{w}x{h}")),
        "format": log.format,
        "fetch_ms": log.times.fetch,
        "decode_ms": log.times.render.decode,
        "transform_ms": log.times.render.transform,
        "encode_ms": log.times.render.encode,
        "total_ms": ms_since(started),
        "cpu_ms": fastly::compute_runtime::elapsed_vcpu_ms().ok(),
        "heap_mib": fastly::compute_runtime::heap_memory_snapshot_mib().ok(),
        "error": log.error,
    });
    // One write is one log line, so the JSON is formatted before it is written.
    let mut endpoint = fastly::log::Endpoint::from_name(LOG_ENDPOINT);
    let _ = endpoint.write_all(line.to_string().as_bytes());
}
