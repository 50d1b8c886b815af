//! The pure half of the HTTP side, free of `fastly` so it is table-tested natively: which
//! source serves a path, whether a URL may be fetched, signatures and expiry, cache keys, TTLs
//! and response headers.

pub mod delivery;
pub mod guard;
pub mod headers;
pub mod signature;
pub mod source;
