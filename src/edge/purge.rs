//! `POST /_purge`: drops cached derivatives by surrogate key.
//!
//! `Authorization: Bearer <token>` (the Secret Store `ixora_tokens` entry `purge`), then either
//! `?path=/photo.jpg` (every derivative of that original; `host=` picks the source, else the
//! request's Host) or `?source=<host>` (everything that source served). `&soft=1` marks stale
//! instead of removing.

use fastly::http::{header, Method, StatusCode};
use fastly::{Request, Response};

use crate::error::Error;
use crate::service::cache;
use crate::service::signature::constant_time_eq;

use super::sources;

pub fn handle(req: &Request) -> Result<Response, Error> {
    if req.get_method() != Method::POST {
        return Err(Error::method_not_allowed(format!("{} is not allowed on /_purge; use POST", req.get_method())));
    }
    authorize(req)?;
    let pairs: Vec<(String, String)> = req
        .get_query_str()
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap_or((p, "")))
        .map(|(k, v)| (crate::params::decode_component(k), crate::params::decode_component(v)))
        .collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let soft = matches!(get("soft"), Some("1" | "true"));
    let key = match (get("path"), get("source")) {
        (Some(path), None) => {
            let host = get("host").map(str::to_string).unwrap_or_else(|| super::request_host(req));
            let source = sources::lookup(&host)?;
            let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
            // Located as requests are, so a web-proxy image is purged by the URL it is cached under.
            cache::image_key(&source.id(), &source.locate(&path)?.key())
        }
        (None, Some(host)) => cache::source_key(&sources::lookup(host)?.id()),
        _ => {
            return Err(Error::invalid_param(
                "path",
                "give either path=/image.jpg (with optional host=) or source=<host>",
            ))
        }
    };
    let purged = if soft {
        fastly::http::purge::soft_purge_surrogate_key(&key)
    } else {
        fastly::http::purge::purge_surrogate_key(&key)
    };
    purged.map_err(|_| Error::bad_gateway("the purge could not be carried out"))?;
    let body = serde_json::json!({ "purged": key, "soft": soft }).to_string();
    Ok(Response::from_status(StatusCode::OK)
        .with_header(header::CONTENT_TYPE, "application/json")
        .with_header(header::CACHE_CONTROL, "no-store")
        .with_body(body))
}

fn authorize(req: &Request) -> Result<(), Error> {
    let given = req
        .get_header_str(header::AUTHORIZATION)
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(str::trim)
        .unwrap_or("");
    let tokens = sources::tokens(&[sources::PURGE_TOKEN.to_string()]);
    // No configured purge token means purging is off, not open.
    let ok =
        !given.is_empty() && tokens.iter().fold(false, |ok, t| ok | constant_time_eq(t.as_bytes(), given.as_bytes()));
    if ok {
        Ok(())
    } else {
        Err(Error::forbidden("purging needs Authorization: Bearer <the purge token>"))
    }
}
