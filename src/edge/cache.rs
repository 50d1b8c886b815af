//! The derivative cache: `fastly::cache::core` transactions, so concurrent identical misses
//! collapse onto one render (the others wait for its insert and then read it).

use std::io::Write;
use std::time::Duration;

use fastly::cache::core::Transaction;

use crate::error::Error;
use crate::service::cache::{Meta, STALE_WHILE_REVALIDATE_SECS};

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
            Ok((meta, body)) if meta.ttl > 0 => insert(self.tx, &self.surrogate_keys, &meta, &body),
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
    insert(tx, surrogate_keys, &meta, &body);
    Ok((Cached { meta, body, status: Status::Miss }, None))
}

fn insert(tx: Transaction, surrogate_keys: &str, meta: &Meta, body: &[u8]) {
    let inserted = tx
        .insert(Duration::from_secs(meta.ttl as u64))
        .surrogate_keys(surrogate_keys.split(' '))
        .user_metadata(meta.to_json().into_bytes().into())
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
