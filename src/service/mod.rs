//! The pure half of the HTTP side, free of `fastly` so it is table-tested natively: which
//! source serves a path and where its images are (`source`), whether a URL may be fetched
//! (`guard`), signatures and expiry, what the client takes (`accepts`), cache keys and TTLs
//! (`cache`), and every response header (`respond`).

pub mod accepts;
pub mod cache;
pub mod guard;
pub mod respond;
pub mod signature;
pub mod source;
