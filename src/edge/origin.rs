//! Fetching originals from a backend, with a byte cap enforced while reading.

use std::io::Read;
use std::time::{Duration, Instant};

use fastly::http::request::{PollResult, SendError, SendErrorCause};
use fastly::http::{header, StatusCode};
use fastly::Request;

use crate::codec::Limits;
use crate::error::Error;

pub struct Original {
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    pub last_modified: Option<String>,
    /// The origin's Cache-Control, for the edge TTL when the source sets none.
    pub cache_control: Option<String>,
    pub etag: Option<String>,
}

/// A conditional fetch's answer: new bytes, or "what you have is current" (304).
pub enum Fetched {
    Fresh(Original),
    NotModified,
}

/// What a cached original says about its version, sent back to the origin to revalidate it.
#[derive(Default)]
pub struct Validators<'a> {
    pub etag: Option<&'a str>,
    pub last_modified: Option<&'a str>,
}

/// How long the origin may take to start answering, unless the settings store says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Fetches `path` from `backend`, asking the origin to answer 304 when the version the
/// validators name is current.
pub fn fetch_if_changed(
    backend: &str,
    path: &str,
    timeout: Duration,
    limits: &Limits,
    validators: &Validators,
) -> Result<Fetched, Error> {
    let send_error = |e: SendError| match e.root_cause() {
        SendErrorCause::ConnectionTimeout | SendErrorCause::HttpResponseTimeout | SendErrorCause::DnsTimeout => {
            Error::gateway_timeout("the origin did not answer in time")
        }
        _ => Error::bad_gateway("the origin could not be reached"),
    };
    // Our own deadline, polled: backend timeouts surface differently in Viceroy and production.
    let deadline = Instant::now() + timeout;
    let mut req = Request::get(format!("http://{backend}{path}"));
    if let Some(etag) = validators.etag {
        req.set_header(header::IF_NONE_MATCH, etag);
    }
    if let Some(modified) = validators.last_modified {
        req.set_header(header::IF_MODIFIED_SINCE, modified);
    }
    let mut pending = req.send_async(backend).map_err(send_error)?;
    let mut resp = loop {
        match pending.poll() {
            PollResult::Done(result) => break result.map_err(send_error)?,
            PollResult::Pending(p) if Instant::now() < deadline => {
                pending = p;
                std::thread::sleep(Duration::from_millis(2));
            }
            PollResult::Pending(_) => return Err(Error::gateway_timeout("the origin did not answer in time")),
        }
    };
    let status = resp.get_status();
    let asked = validators.etag.is_some() || validators.last_modified.is_some();
    if status == StatusCode::NOT_MODIFIED && asked {
        return Ok(Fetched::NotModified);
    }
    if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
        return Err(Error::not_found(format!("{path} was not found at the origin")));
    }
    if status.is_redirection() {
        // Not followed: a redirect could lead anywhere, and the source names where originals live.
        return Err(Error::bad_gateway(format!(
            "the origin redirected ({}) instead of serving {path}; redirects are not followed",
            status.as_u16()
        )));
    }
    if status.is_server_error() {
        return Err(Error::bad_gateway(format!("the origin answered {}", status.as_u16())));
    }
    if !status.is_success() {
        return Err(Error::bad_gateway(format!("the origin answered {} for {path}", status.as_u16())));
    }
    let too_large = || {
        Error::too_large(format!("the original is larger than the {} MB limit", limits.max_input_bytes / (1024 * 1024)))
    };
    let declared = resp.get_header_str(header::CONTENT_LENGTH).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > limits.max_input_bytes) {
        return Err(too_large());
    }
    let content_type = resp.get_header_str(header::CONTENT_TYPE).map(str::to_string);
    let last_modified = resp.get_header_str(header::LAST_MODIFIED).map(str::to_string);
    let cache_control = resp.get_header_str(header::CACHE_CONTROL).map(str::to_string);
    let etag = resp.get_header_str(header::ETAG).map(str::to_string);
    let mut body = Vec::with_capacity(declared.unwrap_or(0));
    resp.take_body()
        .take(limits.max_input_bytes as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|_| Error::bad_gateway("the origin's response was cut short"))?;
    if body.len() > limits.max_input_bytes {
        return Err(too_large());
    }
    Ok(Fetched::Fresh(Original { body, content_type, last_modified, cache_control, etag }))
}
