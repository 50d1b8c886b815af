//! The Fastly Compute adapter (wasm only): route, fetch the original, render, respond, log.
//! It decides what to render and where bytes go; the engine decides how pixels change.

mod cache;
mod origin;
mod purge;
mod sources;

use std::io::Write;
use std::time::Instant;

use fastly::http::{header, Method, StatusCode};
use fastly::{Request, Response};

use crate::codec::Format;
use crate::codec::Limits;
use crate::error::Error;
use crate::output::negotiate::Accepts;
use crate::params::Params;
use crate::service::accepts::{self, ClientHints};
use crate::service::cache::{self as policy, Meta, OriginalMeta};
use crate::service::respond::{self, StageTimes};
use crate::service::signature;
use crate::service::source::{Asset, Location, Source};

/// The log endpoint receiving one JSON line per request.
pub const LOG_ENDPOINT: &str = "ixora_log";
/// Optional config store with service settings.
pub const SETTINGS_STORE: &str = "ixora_settings";
/// Authenticated purge by surrogate key (see purge.rs).
pub const PURGE_PATH: &str = "/_purge";

pub fn main() {
    let req = Request::from_client();
    let started = Instant::now();
    let method = req.get_method().clone();
    let path = req.get_path().to_string();
    let query = req.get_query_str().unwrap_or("").to_string();
    let host = request_host(&req);
    let mut after = Vec::new();
    let (resp, mut log) = handle(req, started, &mut after);
    if log.host.is_empty() {
        log.host = host;
    }
    let status = resp.get_status().as_u16();
    write_log(&method, &path, &query, status, &log, started);
    resp.send_to_client();
    // Work that must not delay the client: refreshing a stale entry, making a working copy.
    after.into_iter().for_each(|job| job());
}

/// Work to run after the response has been sent.
type After = Vec<Box<dyn FnOnce()>>;

/// What the log line reports besides the request itself.
#[derive(Default)]
struct LogFields {
    host: String,
    /// HIT or MISS; empty when the request never reached the cache.
    cache: &'static str,
    bytes_in: usize,
    bytes_out: usize,
    dims_in: Option<(u32, u32)>,
    dims_out: Option<(u32, u32)>,
    format: Option<String>,
    error: Option<String>,
    times: StageTimes,
}

fn handle(req: Request, started: Instant, after: &mut After) -> (Response, LogFields) {
    let mut log = LogFields::default();
    let result = if req.get_path() == PURGE_PATH { purge::handle(&req) } else { route(&req, started, &mut log, after) };
    let resp = result.unwrap_or_else(|e| {
        // The log line gets the detail of a bug; the body only ever the public message.
        log.error = Some(match &e.detail {
            Some(d) => format!("{}: {d}", e.message),
            None => e.message.clone(),
        });
        let mut resp = error_response(&e);
        if e.status == 405 && req.get_path() == PURGE_PATH {
            resp.set_header(header::ALLOW, "POST");
        }
        resp
    });
    // HEAD: the runtime sends the headers (Content-Length included) and drops the body.
    (resp, log)
}

fn route(req: &Request, started: Instant, log: &mut LogFields, after: &mut After) -> Result<Response, Error> {
    if !matches!(*req.get_method(), Method::GET | Method::HEAD) {
        return Err(Error::method_not_allowed(format!("{} is not allowed; use GET or HEAD", req.get_method())));
    }
    if req.get_path() == "/_health" {
        return Ok(Response::from_status(StatusCode::OK)
            .with_header(header::CONTENT_TYPE, "application/json")
            .with_header(header::CACHE_CONTROL, "no-store")
            .with_body(r#"{"status":"ok"}"#));
    }
    let host = request_host(req);
    log.host = host.clone();
    let source = sources::lookup(&host)?;
    let raw_query = req.get_query_str().unwrap_or("");
    if source.secure {
        let tokens = sources::tokens(&source.tokens);
        signature::verify(tokens.iter().map(String::as_str), req.get_path(), raw_query)?;
    }
    let original = source.locate(req.get_path())?;
    let query = crate::service::source::merge_defaults(&source.defaults, raw_query)?;
    let mode = if source.strict { crate::params::Mode::Strict } else { crate::params::Mode::Forgiving };
    let params = crate::params::parse_with(&query, mode)?;
    // What the client takes, read once: the cache key and the render both use it. Client hints
    // the URL opts into (`ch`) change the parameters before anything else sees them.
    let header = |name: &str| req.get_header_str(name);
    let accepts = accepts::read(header("accept").unwrap_or(""));
    let hints = ClientHints::read(&params, header);
    let params = hints.apply(params);
    let expires_in = params.expires.map(|at| signature::expires_in(at, unix_now())).transpose()?;
    let limits = Limits::default();

    let key = policy::cache_key(&source.id(), &original.key(), &params, &accepts, &hints);
    let assets = source.locate_assets(&host, &params, &sources::serves)?;
    let drawn: Vec<String> = assets.iter().map(|a| a.at.key()).collect();
    let surrogate_keys = policy::surrogate_keys_drawing(&source.id(), &original.key(), &drawn);
    let typeset = req.get_path() == "/~text";
    let job = std::rc::Rc::new(Produce { source, original, params, accepts, limits, surrogate_keys, assets, typeset });
    let (cached, revalidation) = cache::lookup_or_produce(&key, &job.surrogate_keys, || produce(&job, log, after))?;
    let meta = &cached.meta;
    if let Some(revalidation) = revalidation {
        let job = job.clone();
        after.push(Box::new(move || {
            let (mut scratch, mut later) = (LogFields::default(), Vec::new());
            revalidation.run(|| produce(&job, &mut scratch, &mut later));
            later.into_iter().for_each(|job| job());
        }));
    }
    log.cache = cached.status.log_str();
    log.dims_in = meta.dims_in;
    log.dims_out = meta.dims_out;
    log.bytes_in = meta.bytes_in;
    log.format = Some(meta.mime.clone());

    // The client has these bytes: no body, and no render when the cache had them.
    let not_modified = policy::not_modified(header("if-none-match"), &meta.etag);
    let body = if not_modified { Vec::new() } else { cached.body };
    log.bytes_out = body.len();
    log.times.total = ms_since(started);
    log.times.cpu = fastly::compute_runtime::elapsed_vcpu_ms().ok();
    let reply = respond::Reply {
        meta,
        params: &job.params,
        cache: cached.status.as_str(),
        surrogate_keys: &job.surrogate_keys,
        expires_in,
        not_modified,
        body_len: body.len(),
        times: &log.times,
    };
    let status = if not_modified { StatusCode::NOT_MODIFIED } else { StatusCode::OK };
    let mut resp = with_headers(Response::from_status(status), respond::image_headers(&reply));
    if !not_modified {
        resp.set_body(body);
    }
    // Heap high-water mark of this request (counting allocator, src/measure.rs) and the wasm
    // linear memory the runtime reports: what `make bench` records against the 128 MB limit.
    // Only when the `debug_headers` setting asks for them (docs/operations.md).
    if debug_headers() {
        resp.set_header("X-Ixora-Heap-Peak", crate::measure::peak_bytes().to_string());
        if let Ok(mib) = fastly::compute_runtime::heap_memory_snapshot_mib() {
            resp.set_header("X-Ixora-Heap-Mib", mib.to_string());
        }
    }
    Ok(resp)
}

/// On a miss: render from the original's working copy when it has the pixels, else from the
/// original (cached, or fetched from the origin), or pass the original through untouched.
fn produce(job: &Produce, log: &mut LogFields, after: &mut After) -> Result<(Meta, Vec<u8>), Error> {
    let Produce { source, original: at, params, accepts, limits, surrogate_keys, .. } = job;
    let (source_id, path) = (source.id(), at.key());
    let (original_key, copy_key) = (policy::original_key(&source_id, &path), policy::copy_key(&source_id, &path));

    // The other images the render draws, fetched at most once whichever start is taken.
    let mut assets = None;
    if job.typeset {
        // `/~text` has no original: the text is the picture.
        let rendered = crate::render::render_typeset(params, accepts, limits, drawn_images(&mut assets, job)?)?;
        log.times.start = "text";
        return Ok(derivative(source, &OriginalMeta::default(), rendered, log));
    }
    if !params.is_passthrough() {
        if let Some((original, rendered)) = render_from_copy(job, &copy_key, &original_key, &mut assets, log)? {
            log.times.start = "copy";
            return Ok(derivative(source, &original, rendered, log));
        }
    }
    let fetch_start = Instant::now();
    let ttl_of = |m: &OriginalMeta| policy::edge_ttl(source.ttl, m.cache_control.as_deref());
    let cached = cache::original(&original_key, &surrogate_keys, ttl_of, |validators| {
        fetch_if_changed(source, at, limits, validators)
    })?;
    log.times.fetch = ms_since(fetch_start);
    log.times.start = if cached.status == cache::Status::Hit { "original" } else { "origin" };
    let original = cached.meta;
    if params.is_passthrough() {
        // No parameter: the original bytes, untouched.
        let mime = Format::sniff(&cached.body)
            .map(Format::mime)
            .or(original.content_type.as_deref())
            .unwrap_or("application/octet-stream")
            .to_string();
        let meta = Meta {
            mime,
            etag: respond::etag(&cached.body),
            ttl: ttl_of(&original),
            last_modified: original.last_modified.clone(),
            bytes_in: original.bytes,
            ..Meta::default()
        };
        return Ok((meta, cached.body));
    }
    let rendered = crate::render_with(&cached.body, params, accepts, limits, drawn_images(&mut assets, job)?)?;
    // The first render of a large original leaves a working copy for the next ones, made after
    // the response is sent so this client does not wait for it.
    let ttl = ttl_of(&original);
    if ttl > 0 && rendered.source.0 as u64 * rendered.source.1 as u64 > crate::working_copy::MIN_PIXELS {
        let (body, limits, meta, keys) = (cached.body, *limits, original.clone(), surrogate_keys.clone());
        after.push(Box::new(move || {
            let make = || Some(crate::WorkingCopy::make(&body, &limits).ok()??.to_bytes());
            cache::store_copy(&copy_key, &keys, ttl, &meta, make);
        }));
    }
    Ok(derivative(source, &original, rendered, log))
}

/// What one `produce` call works on; shared with the refresh run after the response.
struct Produce {
    source: Source,
    original: Location,
    params: Params,
    accepts: Accepts,
    limits: Limits,
    /// The surrogate keys every entry made for this original carries.
    surrogate_keys: String,
    /// The other images the render draws (mask, blends, marks).
    assets: Vec<Asset>,
    /// `/~text`: the picture is the text the parameters set, not an original.
    typeset: bool,
}

/// The render from the original's working copy, when one is cached, was made from the version
/// of the original the cache holds, and has the pixels this request needs.
fn render_from_copy(
    job: &Produce,
    copy_key: &str,
    original_key: &str,
    assets: &mut Option<crate::render::Assets>,
    log: &mut LogFields,
) -> Result<Option<(OriginalMeta, crate::Rendered)>, Error> {
    let load_start = Instant::now();
    let Some((original, copy)) = cache::copy(copy_key) else { return Ok(None) };
    if cache::original_version(original_key).is_some_and(|v| v != original.version) {
        return Ok(None);
    }
    let loaded = ms_since(load_start);
    let assets = drawn_images(assets, job)?;
    let Some(mut rendered) = crate::render_copy(copy, &job.params, &job.accepts, &job.limits, assets)? else {
        return Ok(None);
    };
    // Loading the copy is this render's decode.
    rendered.timings.decode += loaded;
    log.times.fetch = 0.0;
    Ok(Some((original, rendered)))
}

/// A rendered derivative and what the cache keeps beside it.
fn derivative(
    source: &Source,
    original: &OriginalMeta,
    rendered: crate::Rendered,
    log: &mut LogFields,
) -> (Meta, Vec<u8>) {
    log.times.render = rendered.timings;
    let meta = Meta {
        mime: rendered.mime.to_string(),
        etag: respond::etag(&rendered.body),
        vary_accept: rendered.vary_accept,
        last_modified: original.last_modified.clone(),
        ttl: policy::edge_ttl(source.ttl, original.cache_control.as_deref()),
        dims_in: Some(rendered.source),
        dims_out: Some((rendered.width, rendered.height)),
        bytes_in: original.bytes,
        notes: rendered.notes,
    };
    (meta, rendered.body)
}

/// Fetches an image the source has located (from its backend, or for a URL from the backend
/// the guard allows for that address), or 304 when the version the validators name is current.
fn fetch_if_changed(
    source: &Source,
    at: &Location,
    limits: &Limits,
    validators: &origin::Validators,
) -> Result<origin::Fetched, Error> {
    origin::fetch_if_changed(&backend(source, at)?, at.path(), origin_timeout(), limits, validators)
}

fn backend(source: &Source, at: &Location) -> Result<String, Error> {
    match at {
        Location::Origin(_) => Ok(source.backend.clone()),
        Location::Url(target) => sources::proxy_backend(source, target),
    }
}

/// `fetch_assets`, done the first time a render asks and kept in `slot` for the next.
fn drawn_images<'a>(
    slot: &'a mut Option<crate::render::Assets>,
    job: &Produce,
) -> Result<&'a crate::render::Assets, Error> {
    if slot.is_none() {
        *slot = Some(fetch_assets(job)?);
    }
    slot.as_ref().ok_or_else(|| Error::internal("the drawn images were not kept"))
}

/// The images the render draws besides the original (mask, blends, marks), each fetched and
/// cached like an original: a later render that draws the same watermark fetches nothing. Their
/// errors name the parameter and the image; an unreachable one answers with the origin's status.
fn fetch_assets(job: &Produce) -> Result<crate::render::Assets, Error> {
    let mut assets = crate::render::Assets::default();
    let source_id = job.source.id();
    for asset in &job.assets {
        let path = asset.at.key();
        let (key, keys) = (policy::original_key(&source_id, &path), policy::surrogate_keys(&source_id, &path));
        let ttl_of = |m: &OriginalMeta| policy::edge_ttl(job.source.ttl, m.cache_control.as_deref());
        let cached = cache::original(&key, &keys, ttl_of, |validators| {
            fetch_if_changed(&job.source, &asset.at, &job.limits, validators)
        })
        .map_err(|mut e| {
            e.message = format!("{} image {}: {}", asset.param, asset.value, e.message);
            e.param = Some(asset.param.clone());
            e
        })?;
        match asset.param.as_str() {
            "mask" => assets.mask = Some(cached.body),
            "append" => assets.append = Some(cached.body),
            _ => assets.layers.push((asset.param.clone(), cached.body)),
        }
    }
    Ok(assets)
}

/// The Host the client asked for (sources are keyed by it).
pub(crate) fn request_host(req: &Request) -> String {
    req.get_header_str(header::HOST)
        .map(str::to_string)
        .or_else(|| req.get_url().host_str().map(str::to_string))
        .unwrap_or_default()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// A key of the optional `ixora_settings` config store.
fn setting(key: &str) -> Option<String> {
    fastly::ConfigStore::try_open(SETTINGS_STORE).ok().and_then(|store| store.try_get(key).ok().flatten())
}

/// The origin timeout from the optional `ixora_settings` config store (`origin_timeout_ms`).
fn origin_timeout() -> std::time::Duration {
    setting("origin_timeout_ms")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(std::time::Duration::from_millis)
        .unwrap_or(origin::DEFAULT_TIMEOUT)
}

/// `debug_headers = "true"` in `ixora_settings` adds `X-Ixora-Heap-Peak` and `X-Ixora-Heap-Mib`
/// to image responses; without it they are never sent.
fn debug_headers() -> bool {
    setting("debug_headers").is_some_and(|v| respond::setting_is_on(&v))
}

fn error_response(e: &Error) -> Response {
    let body = e.to_json();
    with_headers(Response::from_status(e.status), respond::error_headers(e, body.len())).with_body(body)
}

fn with_headers(mut resp: Response, headers: Vec<(&'static str, String)>) -> Response {
    for (name, value) in headers {
        resp.set_header(name, value);
    }
    resp
}

fn ms_since(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

fn write_log(method: &Method, path: &str, query: &str, status: u16, log: &LogFields, started: Instant) {
    let params = crate::params::parse(query).map(|p| p.canonical_query()).unwrap_or_default();
    let line = serde_json::json!({
        // Milliseconds since the Unix epoch.
        "time": std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0),
        "host": log.host,
        "method": method.as_str(),
        "path": path,
        "params": params,
        "status": status,
        "cache": log.cache,
        "bytes_in": log.bytes_in,
        "bytes_out": log.bytes_out,
        "dims_in": log.dims_in.map(|(w, h)| format!("{w}x{h}")),
        "dims_out": log.dims_out.map(|(w, h)| format!("{w}x{h}")),
        "format": log.format,
        "start": (!log.times.start.is_empty()).then_some(log.times.start),
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
