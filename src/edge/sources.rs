//! Sources and tokens from the Config Store `ixora_sources` and the Secret Store `ixora_tokens`.

use std::time::Duration;

use fastly::{Backend, ConfigStore, SecretStore};

use crate::error::Error;
use crate::service::guard::Target;
use crate::service::source::{self, Source};

pub const SOURCES_STORE: &str = "ixora_sources";
pub const TOKENS_STORE: &str = "ixora_tokens";
/// The Secret Store entry that authorises `POST /_purge`.
pub const PURGE_TOKEN: &str = "purge";

/// The source for a Host header: its own entry, else `*`, else 410.
/// A service without the store at all serves everything from the `origin` backend, open.
/// Whether ixora serves `host` itself (an entry of its own, not the `*` fallback): an overlay
/// image there would be rendered by ixora again.
pub fn serves(host: &str) -> bool {
    let key = source::host_key(host);
    ConfigStore::try_open(SOURCES_STORE)
        .is_ok_and(|store| !key.is_empty() && matches!(store.try_get(&key), Ok(Some(_))))
}

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

/// The backend for a web-proxy target: the source's own backend when the URL names its address
/// (the one private address a proxy may reach), otherwise a dynamic backend for a public host.
pub fn proxy_backend(source: &Source, target: &Target) -> Result<String, Error> {
    if !source.backend.is_empty() {
        if let Ok(b) = Backend::from_name(&source.backend) {
            if b.exists() && b.get_host().eq_ignore_ascii_case(&target.host) && b.get_port() == target.port {
                return Ok(source.backend.clone());
            }
        }
    }
    if target.is_private() {
        return Err(Error::forbidden("web-proxy URLs may not point at private or loopback addresses"));
    }
    let name: String = format!("proxy_{}_{}", target.host, target.port)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect();
    if Backend::from_name(&name).is_ok_and(|b| b.exists()) {
        return Ok(name);
    }
    let mut builder = Backend::builder(&name, target.authority())
        .override_host(&target.host)
        .connect_timeout(Duration::from_secs(5))
        .first_byte_timeout(Duration::from_secs(15))
        .between_bytes_timeout(Duration::from_secs(10));
    if target.https {
        builder = builder.enable_ssl().sni_hostname(&target.host);
    }
    builder.finish().map_err(|_| Error::bad_gateway("the web-proxy origin could not be set up"))?;
    Ok(name)
}

/// Says what is wrong without echoing the configuration (`Source::parse` tells the operator).
fn misconfigured() -> Error {
    let mut e = Error::internal("source configuration rejected (the start-up log names the problem)");
    e.message = "the source configuration for this host is invalid".into();
    e
}
