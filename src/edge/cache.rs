//! The derivative cache: `fastly::cache::core` transactions, so concurrent identical misses
//! collapse onto one render (the others wait for its insert and then read it).

use std::io::{Read, Write};
use std::time::Duration;

use fastly::cache::core::Transaction;

use super::origin::{Fetched, Original, Validators};
use crate::error::Error;
use crate::service::cache::{Meta, OriginalMeta, STALE_WHILE_REVALIDATE_SECS};
use crate::working_copy::WorkingCopy;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Hit,
    Miss,
    /// A stale entry: served while this request revalidates it after responding
    /// (stale-while-revalidate), or because rendering a fresh one failed (stale-if-error).
    Stale,
    /// Not cached: uncacheable (TTL 0) or the cache was unavailable.
    Pass,
}

impl Status {
    /// The `X-Cache` value: a stale entry is still a hit for the client.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Hit | Status::Stale => "HIT",
            Status::Miss | Status::Pass => "MISS",
        }
    }

    /// The log line's value, which tells the cases apart.
    pub fn log_str(self) -> &'static str {
        match self {
            Status::Hit => "HIT",
            Status::Stale => "STALE",
            Status::Miss => "MISS",
            Status::Pass => "PASS",
        }
    }
}

pub struct Cached {
    pub meta: Meta,
    pub body: Vec<u8>,
    pub status: Status,
}

/// The obligation to refresh a stale entry, carried out after the stale response is sent.
pub struct Revalidation {
    tx: Transaction,
    surrogate_keys: String,
}

impl Revalidation {
    pub fn run(self, produce: impl FnOnce() -> Result<(Meta, Vec<u8>), Error>) {
        match produce() {
            Ok((meta, body)) if meta.ttl > 0 => insert(self.tx, &self.surrogate_keys, meta.ttl, meta.to_json(), &body),
            // A failure keeps the stale entry for the next request (stale-if-error).
            _ => {
                let _ = self.tx.cancel_insert_or_update();
            }
        }
    }
}

/// Answers from the cache under `key`, or calls `produce` (fetch + render) exactly once across
/// concurrent requests for the same key, and stores its result with `surrogate_keys`.
/// A stale but usable entry is answered at once, with the refresh handed back to run later.
pub fn lookup_or_produce(
    key: &str,
    surrogate_keys: &str,
    produce: impl FnOnce() -> Result<(Meta, Vec<u8>), Error>,
) -> Result<(Cached, Option<Revalidation>), Error> {
    let Ok(tx) = Transaction::lookup(key.as_bytes().to_vec().into()).execute() else {
        // A cache that cannot be reached must not take the service down.
        let (meta, body) = produce()?;
        return Ok((Cached { meta, body, status: Status::Pass }, None));
    };
    let usable = tx.found().is_some_and(|f| f.is_usable());
    let found = tx.found().and_then(|f| {
        let meta = Meta::from_json(&f.user_metadata())?;
        let body = f.to_stream().ok()?.into_bytes();
        Some((meta, body))
    });
    match found {
        Some((meta, body)) if !tx.must_insert_or_update() => {
            return Ok((Cached { meta, body, status: Status::Hit }, None));
        }
        Some((meta, body)) if usable => {
            let revalidation = Revalidation { tx, surrogate_keys: surrogate_keys.to_string() };
            return Ok((Cached { meta, body, status: Status::Stale }, Some(revalidation)));
        }
        _ => {}
    }
    // This request holds the obligation: others with the same key wait for it.
    let (meta, body) = match produce() {
        Ok(produced) => produced,
        Err(e) => {
            let _ = tx.cancel_insert_or_update();
            // stale-if-error: an origin or render failure keeps serving what we had.
            return match found {
                Some((meta, body)) if e.status >= 500 => Ok((Cached { meta, body, status: Status::Stale }, None)),
                _ => Err(e),
            };
        }
    };
    if meta.ttl == 0 {
        let _ = tx.cancel_insert_or_update();
        return Ok((Cached { meta, body, status: Status::Pass }, None));
    }
    insert(tx, surrogate_keys, meta.ttl, meta.to_json(), &body);
    Ok((Cached { meta, body, status: Status::Miss }, None))
}

/// An original's bytes and what the cache keeps beside them.
pub struct CachedOriginal {
    pub meta: OriginalMeta,
    pub body: Vec<u8>,
    /// Hit: from the cache (revalidated with the origin when it was stale); Miss or Pass: fetched.
    pub status: Status,
}

impl CachedOriginal {
    fn fetched(o: Original, status: Status) -> CachedOriginal {
        let version = OriginalMeta::version_of(o.etag.as_deref(), o.last_modified.as_deref(), &o.body);
        let meta = OriginalMeta {
            content_type: o.content_type,
            last_modified: o.last_modified,
            etag: o.etag,
            cache_control: o.cache_control,
            bytes: o.body.len(),
            version,
        };
        CachedOriginal { meta, body: o.body, status }
    }
}

/// An original from the cache under `key`, or fetched by one request while concurrent ones for
/// the same original wait for its insert (one origin fetch however many derivatives are asked
/// for). A stale entry is revalidated with the origin's own validators: a 304 keeps its bytes.
/// `ttl_of` is the edge TTL of what the origin said (0: not kept).
pub fn original(
    key: &str,
    surrogate_keys: &str,
    ttl_of: impl Fn(&OriginalMeta) -> u32,
    fetch: impl FnOnce(&Validators) -> Result<Fetched, Error>,
) -> Result<CachedOriginal, Error> {
    let unasked = |f: Fetched| match f {
        Fetched::Fresh(o) => Ok(CachedOriginal::fetched(o, Status::Pass)),
        Fetched::NotModified => Err(Error::bad_gateway("the origin answered 304 unasked")),
    };
    let Ok(tx) = Transaction::lookup(key.as_bytes().to_vec().into()).execute() else {
        return unasked(fetch(&Validators::default())?);
    };
    let found = tx.found().and_then(|f| Some((OriginalMeta::from_json(&f.user_metadata())?, f)));
    let read = |f: &fastly::cache::core::Found| f.to_stream().ok().map(|s| s.into_bytes());
    if !tx.must_insert_or_update() {
        return match found.as_ref().and_then(|(meta, f)| Some((meta.clone(), read(f)?))) {
            Some((meta, body)) => Ok(CachedOriginal { meta, body, status: Status::Hit }),
            // An entry that cannot be read is fetched past the cache.
            None => unasked(fetch(&Validators::default())?),
        };
    }
    let validators = found.as_ref().map_or_else(Validators::default, |(m, _)| Validators {
        etag: m.etag.as_deref(),
        last_modified: m.last_modified.as_deref(),
    });
    let fetched = fetch(&validators);
    let (cached, ttl) = match fetched {
        Ok(Fetched::Fresh(o)) => {
            let cached = CachedOriginal::fetched(o, Status::Miss);
            let ttl = ttl_of(&cached.meta);
            (cached, ttl)
        }
        Ok(Fetched::NotModified) => match found.and_then(|(meta, f)| Some((meta, read(&f)?))) {
            Some((meta, body)) => {
                let ttl = ttl_of(&meta);
                (CachedOriginal { meta, body, status: Status::Hit }, ttl)
            }
            None => {
                let _ = tx.cancel_insert_or_update();
                return Err(Error::bad_gateway("the origin answered 304 for an original the cache no longer has"));
            }
        },
        Err(e) => {
            let _ = tx.cancel_insert_or_update();
            // stale-if-error: an origin failure renders from the version we had.
            return match found.and_then(|(meta, f)| Some((meta, read(&f)?))) {
                Some((meta, body)) if e.status >= 500 => Ok(CachedOriginal { meta, body, status: Status::Stale }),
                _ => Err(e),
            };
        }
    };
    if ttl == 0 {
        let _ = tx.cancel_insert_or_update();
        return Ok(CachedOriginal { status: Status::Pass, ..cached });
    }
    insert(tx, surrogate_keys, ttl, cached.meta.to_json(), &cached.body);
    Ok(cached)
}

/// The version of the original cached under `key`, read from its metadata alone.
pub fn original_version(key: &str) -> Option<String> {
    let found = fastly::cache::core::lookup(key.as_bytes().to_vec().into()).execute().ok()??;
    Some(OriginalMeta::from_json(&found.user_metadata())?.version)
}

/// A working copy and the original it was made from, when one is cached, usable and readable.
/// A plain lookup: a request never waits for a copy another one is making. The pixels are read
/// straight into their buffer in large reads (`into_bytes` grows a vector from small ones).
pub fn copy(key: &str) -> Option<(OriginalMeta, WorkingCopy)> {
    let found = fastly::cache::core::lookup(key.as_bytes().to_vec().into()).execute().ok()??;
    if !found.is_usable() {
        return None;
    }
    let meta = OriginalMeta::from_json(&found.user_metadata())?;
    let mut body = found.to_stream().ok()?;
    let mut prefix = [0u8; crate::working_copy::PREFIX];
    body.read_exact(&mut prefix).ok()?;
    let mut header = vec![0; WorkingCopy::header_len(&prefix)?];
    body.read_exact(&mut header).ok()?;
    let total = found.known_length()? as usize;
    let mut pixels = vec![0; total.checked_sub(prefix.len() + header.len())?];
    body.read_exact(&mut pixels).ok()?;
    Some((meta, WorkingCopy::from_parts(&header, pixels).ok()?))
}

/// Makes and stores a working copy unless one is cached (or another request is storing one):
/// the decode runs only when this request holds the obligation to insert.
pub fn store_copy(
    key: &str,
    surrogate_keys: &str,
    ttl: u32,
    original: &OriginalMeta,
    make: impl FnOnce() -> Option<Vec<u8>>,
) {
    let Ok(tx) = Transaction::lookup(key.as_bytes().to_vec().into()).execute() else { return };
    if !tx.must_insert_or_update() {
        return;
    }
    match make() {
        Some(bytes) => insert(tx, surrogate_keys, ttl, original.to_json(), &bytes),
        None => {
            let _ = tx.cancel_insert_or_update();
        }
    }
}

fn insert(tx: Transaction, surrogate_keys: &str, ttl: u32, metadata: String, body: &[u8]) {
    let inserted = tx
        .insert(Duration::from_secs(ttl as u64))
        .surrogate_keys(surrogate_keys.split(' '))
        .user_metadata(metadata.into_bytes().into())
        .known_length(body.len() as u64)
        .stale_while_revalidate(Duration::from_secs(STALE_WHILE_REVALIDATE_SECS as u64))
        .execute();
    if let Ok(mut stream) = inserted {
        // A failed write leaves no entry; the response itself is unaffected.
        if stream.write_all(body).is_ok() {
            let _ = stream.finish();
        }
    }
}
