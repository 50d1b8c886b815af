//! Sources and tokens from the Config Store `ixora_sources` and the Secret Store `ixora_tokens`.

use fastly::{ConfigStore, SecretStore};

use crate::error::Error;
use crate::source::{self, Source};

pub const SOURCES_STORE: &str = "ixora_sources";
pub const TOKENS_STORE: &str = "ixora_tokens";
/// The Secret Store entry that authorises `POST /_purge`.
pub const PURGE_TOKEN: &str = "purge";

/// The source for a Host header: its own entry, else `*`, else 410.
/// A service without the store at all serves everything from the `origin` backend, open.
pub fn lookup(host: &str) -> Result<Source, Error> {
    let Ok(store) = ConfigStore::try_open(SOURCES_STORE) else {
        return Ok(Source::parse("*", r#"{"backend":"origin"}"#).expect("built-in source"));
    };
    let key = source::host_key(host);
    for name in [key.as_str(), "*"] {
        if name.is_empty() {
            continue;
        }
        if let Ok(Some(json)) = store.try_get(name) {
            return Source::parse(name, &json).map_err(|_| misconfigured());
        }
    }
    Err(source::unknown_host(&key))
}

/// The plaintext of each named token that exists; a missing name is skipped (rotation in progress).
pub fn tokens(names: &[String]) -> Vec<String> {
    let Ok(store) = SecretStore::open(TOKENS_STORE) else { return Vec::new() };
    names
        .iter()
        .filter_map(|n| store.try_get(n).ok().flatten())
        .filter_map(|s| s.try_plaintext().ok())
        .filter_map(|b| String::from_utf8(b.to_vec()).ok())
        .collect()
}

/// Says what is wrong without echoing the configuration (`Source::parse` tells the operator).
fn misconfigured() -> Error {
    let mut e = Error::internal();
    e.message = "the source configuration for this host is invalid".into();
    e
}
