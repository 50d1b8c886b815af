//! Sources: which origin serves a host, and under which rules. The edge reads one JSON value per
//! host from the Config Store `ixora_sources` (with `*` as the fallback); this module parses it.
//!
//! ```json
//! {"backend":"origin","prefix":"","secure":false,"tokens":["demo"],"web_proxy":false,
//!  "proxy_hosts":[],"defaults":"","ttl":31536000,"strict":false}
//! ```

use serde_json::Value;

use crate::error::{Error, Result};
use crate::params::Params;
use crate::service::guard::{self, Target};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The Config Store key that matched: a host name, or `*`.
    pub name: String,
    /// The Fastly backend holding the originals.
    pub backend: String,
    /// Path prefix at the origin: `/photo.jpg` is fetched as `{prefix}/photo.jpg`.
    pub prefix: String,
    /// Whether every URL must carry a valid `s`.
    pub secure: bool,
    /// Names of signing tokens in the Secret Store `ixora_tokens`; several allow rotation.
    pub tokens: Vec<String>,
    /// The path is a full URL of the original (imgix Web Proxy source).
    pub web_proxy: bool,
    /// Hosts a web-proxy source may fetch from.
    pub proxy_hosts: Vec<String>,
    /// Parameters applied unless the request names them (`auto=format&q=60`).
    pub defaults: String,
    /// Edge TTL in seconds; `None` follows the origin's Cache-Control.
    pub ttl: Option<u32>,
    /// Bad parameter values are a 400 naming the parameter instead of being clamped or dropped
    /// (imgix's forgiving semantics, the default): for developing against ixora.
    pub strict: bool,
}

impl Source {
    /// Parses one Config Store value. Unknown fields are ignored so newer configs stay readable.
    pub fn parse(name: &str, json: &str) -> std::result::Result<Source, String> {
        let v: Value = serde_json::from_str(json).map_err(|e| format!("source {name:?}: not JSON: {e}"))?;
        let obj = v.as_object().ok_or_else(|| format!("source {name:?}: not a JSON object"))?;
        let string = |k: &str| -> std::result::Result<Option<String>, String> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("source {name:?}: {k} must be a string")),
            }
        };
        let boolean = |k: &str| -> std::result::Result<bool, String> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(false),
                Some(Value::Bool(b)) => Ok(*b),
                Some(_) => Err(format!("source {name:?}: {k} must be true or false")),
            }
        };
        let strings = |k: &str| -> std::result::Result<Vec<String>, String> {
            match obj.get(k) {
                None | Some(Value::Null) => Ok(Vec::new()),
                Some(Value::Array(items)) => items
                    .iter()
                    .map(|i| {
                        i.as_str().map(str::to_string).ok_or_else(|| format!("source {name:?}: {k} must hold strings"))
                    })
                    .collect(),
                Some(_) => Err(format!("source {name:?}: {k} must be a list of strings")),
            }
        };
        let web_proxy = boolean("web_proxy")?;
        let backend = string("backend")?.unwrap_or_default();
        if backend.is_empty() && !web_proxy {
            return Err(format!("source {name:?}: backend is required"));
        }
        let ttl = match obj.get("ttl") {
            None | Some(Value::Null) => None,
            Some(t) => Some(
                t.as_u64()
                    .and_then(|t| u32::try_from(t).ok())
                    .ok_or_else(|| format!("source {name:?}: ttl must be whole seconds"))?,
            ),
        };
        let prefix = string("prefix")?.unwrap_or_default();
        let prefix = prefix.trim_end_matches('/');
        let prefix =
            if prefix.is_empty() || prefix.starts_with('/') { prefix.to_string() } else { format!("/{prefix}") };
        Ok(Source {
            name: name.to_string(),
            backend,
            prefix,
            // imgix: web-proxy sources always require a signature.
            secure: boolean("secure")? || web_proxy,
            tokens: strings("tokens")?,
            web_proxy,
            proxy_hosts: strings("proxy_hosts")?.into_iter().map(|h| h.to_ascii_lowercase()).collect(),
            defaults: string("defaults")?.unwrap_or_default().trim_start_matches('?').to_string(),
            ttl,
            strict: boolean("strict")?,
        })
    }

    /// A name safe inside a surrogate key (printable ASCII, no spaces): `*` becomes `default`.
    pub fn id(&self) -> String {
        if self.name == "*" {
            return "default".into();
        }
        self.name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' }).collect()
    }

    /// The path to request at the backend.
    pub fn origin_path(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// Where the original of a request path is: `{prefix}{path}` at the backend, or for a
    /// web-proxy source the URL the path spells, admitted by the fetch guard.
    pub fn locate(&self, request_path: &str) -> Result<Location> {
        if !self.web_proxy {
            return Ok(Location::Origin(self.origin_path(request_path)));
        }
        let target = guard::target(request_path)?;
        guard::admit(&target, &self.proxy_hosts)?;
        Ok(Location::Url(target))
    }

    /// Where a secondary image named by `param` (`mask`, `mark[2]`) of a request on `host` is. A
    /// path is on this source, resolved so it cannot climb out of the source's prefix
    /// (`../../x` stops at the root); an absolute URL must name a host on the source's
    /// `proxy_hosts` and pass the same guard as web-proxy originals. An absolute URL back at
    /// this host, or at any host `is_ixora` says ixora serves, would render through ixora again:
    /// a loop, refused with 400 as imgix does. Web-proxy sources take absolute URLs only.
    pub fn locate_asset(
        &self,
        host: &str,
        value: &str,
        param: &str,
        is_ixora: &dyn Fn(&str) -> bool,
    ) -> Result<Location> {
        if !value.contains("://") {
            if self.web_proxy {
                return Err(Error::invalid_param(param, format!("{param}: a web-proxy source needs an absolute URL")));
            }
            let path = value.split(['?', '#']).next().unwrap_or("");
            let root = url::Url::parse("http://source.invalid/").map_err(|e| Error::internal(e.to_string()))?;
            let resolved = root
                .join(&format!("/{}", path.trim_start_matches('/')))
                .map_err(|_| Error::invalid_param(param, format!("{param}: {value} is not a usable path")))?;
            let path = crate::params::decode_component(resolved.path());
            return Ok(Location::Origin(self.origin_path(&path)));
        }
        let target = guard::target(&format!("/{value}")).map_err(|e| Error::invalid_param(param, e.message))?;
        if target.host == host_key(host) || is_ixora(&target.host) {
            return Err(Error::invalid_param(
                param,
                format!("{param}: {value} points back into ixora, which would render it again (a loop)"),
            ));
        }
        guard::admit(&target, &self.proxy_hosts).map_err(|mut e| {
            e.message = format!("{param}: {}", e.message);
            e.param = Some(param.to_string());
            e
        })?;
        Ok(Location::Url(target))
    }

    /// Every image a render of `params` draws besides the original (the mask, the layers in
    /// drawing order, the append image), located. More than `MAX_ASSETS` is a 400: each costs a backend request,
    /// and Fastly allows 32 per client request.
    pub fn locate_assets(&self, host: &str, params: &Params, is_ixora: &dyn Fn(&str) -> bool) -> Result<Vec<Asset>> {
        let mask = params.mask_image().map(|v| ("mask".to_string(), v.to_string()));
        let layers = crate::plan::layers::drawn(&params.layers)
            .into_iter()
            .filter_map(|l| Some((l.key().to_string(), l.image()?)))
            .filter(|(_, url)| crate::params::typeset_query(url).is_none());
        let append = params.append.image.as_ref().map(|v| ("append".to_string(), v.clone()));
        let wanted: Vec<(String, String)> = mask.into_iter().chain(layers).chain(append).collect();
        if let Some((param, _)) = wanted.get(MAX_ASSETS) {
            return Err(Error::invalid_param(
                param,
                format!("at most {MAX_ASSETS} images (mask, blends, marks) can be drawn on one image"),
            ));
        }
        wanted
            .into_iter()
            .map(|(param, value)| {
                let at = self.locate_asset(host, &value, &param, is_ixora)?;
                Ok(Asset { param, value, at })
            })
            .collect()
    }
}

/// The most images one request fetches besides its original: every `mask`, `blend` and `mark`
/// image is a backend request, and Fastly allows 32 per client request (the original, its
/// revalidation and redirects need some).
pub const MAX_ASSETS: usize = 8;

/// An image a render draws besides the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asset {
    /// The parameter naming it (`mask`, `mark[2]`).
    pub param: String,
    /// Its value as the URL gives it (nested parameters included).
    pub value: String,
    pub at: Location,
}

/// Where an image is fetched from (see `Source::locate`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A path at the source's backend, prefix included.
    Origin(String),
    /// An absolute URL (web-proxy sources).
    Url(Target),
}

impl Location {
    /// The path (and query) to request at the backend.
    pub fn path(&self) -> &str {
        match self {
            Location::Origin(path) => path,
            Location::Url(target) => &target.path,
        }
    }

    /// The name cache and surrogate keys use: the full URL for web-proxy images, so two hosts'
    /// `/a.jpg` never share an entry.
    pub fn key(&self) -> String {
        match self {
            Location::Origin(path) => path.clone(),
            Location::Url(target) => target.url(),
        }
    }
}

/// The Config Store key for a Host header: lower-case, without the port.
pub fn host_key(host: &str) -> String {
    let host = host.trim();
    let bare = if host.starts_with('[') {
        // [::1]:7676
        host.split_once(']').map_or(host, |(h, _)| h).trim_start_matches('[')
    } else {
        host.rsplit_once(':').filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h)
    };
    bare.trim_end_matches('.').to_ascii_lowercase()
}

/// The source's default parameters merged under the request's: a default is dropped when the
/// request names the same parameter (by canonical name, so aliases count). Raw pairs are kept
/// byte-for-byte, so the merged string parses exactly as the two would.
pub fn merge_defaults(defaults: &str, query: &str) -> Result<String> {
    if defaults.is_empty() {
        return Ok(query.to_string());
    }
    let request = crate::params::parse(query)?;
    let mut kept: Vec<&str> = Vec::new();
    for pair in defaults.split('&').filter(|pair| !pair.is_empty()) {
        // imgix answers a bad default parameter on a source with a 400: defaults are read strictly.
        let default = crate::params::parse_with(pair, crate::params::Mode::Strict).map_err(|e| {
            let param = e.param.clone().unwrap_or_default();
            Error::invalid_param(&param, format!("this source's default parameters: {}", e.message))
        })?;
        // imgix: client hints cannot be a source default (they opt a page into hints).
        if default.named.first().is_none_or(|name| *name != "ch" && !request.named.contains(name)) {
            kept.push(pair);
        }
    }
    Ok(match (kept.is_empty(), query.is_empty()) {
        (true, _) => query.to_string(),
        (false, true) => kept.join("&"),
        (false, false) => format!("{}&{query}", kept.join("&")),
    })
}

/// A host with no entry and no `*`.
pub fn unknown_host(host: &str) -> Error {
    Error::unknown_source(format!("no source is configured for host {host:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_schema() {
        let s = Source::parse(
            "secure.localhost",
            r#"{"backend":"origin","prefix":"img/","secure":true,"tokens":["demo","next"],"web_proxy":false,
                "proxy_hosts":[],"defaults":"auto=format","ttl":31536000}"#,
        )
        .unwrap();
        assert_eq!(s.backend, "origin");
        assert_eq!(s.prefix, "/img");
        assert!(s.secure);
        assert_eq!(s.tokens, ["demo", "next"]);
        assert_eq!(s.defaults, "auto=format");
        assert_eq!(s.ttl, Some(31_536_000));
        assert_eq!(s.origin_path("/a.jpg"), "/img/a.jpg");
        assert_eq!(s.id(), "secure.localhost");

        let open = Source::parse("*", r#"{"backend":"origin"}"#).unwrap();
        assert!(!open.secure && open.tokens.is_empty() && open.ttl.is_none() && open.prefix.is_empty());
        assert!(!open.strict);
        assert!(Source::parse("s", r#"{"backend":"origin","strict":true}"#).unwrap().strict);
        assert_eq!(open.id(), "default");
        assert_eq!(open.origin_path("/a.jpg"), "/a.jpg");

        // Web proxy implies signing.
        assert!(Source::parse("p", r#"{"web_proxy":true,"proxy_hosts":["Img.Example.com"]}"#).unwrap().secure);
    }

    #[test]
    fn assets_are_paths_on_the_same_source() {
        let s = Source::parse(
            "img.example.com",
            r#"{"backend":"origin","prefix":"img","proxy_hosts":["cdn.example.com"]}"#,
        )
        .unwrap();
        let no_other = |_: &str| false;
        let path = |v: &str| s.locate_asset("Img.Example.com:7676", v, "mask", &no_other);
        assert_eq!(path("/masks/a.png").unwrap(), Location::Origin("/img/masks/a.png".into()));
        assert_eq!(path("masks/a.png?w=2").unwrap(), Location::Origin("/img/masks/a.png".into()));
        // A path cannot climb out of the source's prefix.
        assert_eq!(path("../../etc/passwd").unwrap(), Location::Origin("/img/etc/passwd".into()));
        assert_eq!(path("/a/%2E%2E/%2E%2E/b.png").unwrap(), Location::Origin("/img/b.png".into()));
        // Back at this host, or at another host ixora serves: a loop.
        let looped = path("https://img.example.com/m.png?x=1").unwrap_err();
        assert_eq!((looped.status, looped.param.as_deref()), (400, Some("mask")));
        assert!(looped.message.contains("loop"), "{}", looped.message);
        let ixora = |h: &str| h == "other.ixora.example";
        let other = s.locate_asset("img.example.com", "https://other.ixora.example/m.png", "mark", &ixora).unwrap_err();
        assert_eq!((other.status, other.param.as_deref()), (400, Some("mark")));
        // Elsewhere: only the source's allowed hosts, through the guard.
        match path("https://cdn.example.com/m.png").unwrap() {
            Location::Url(t) => assert_eq!((t.host.as_str(), t.path.as_str()), ("cdn.example.com", "/m.png")),
            other => panic!("{other:?}"),
        }
        assert_eq!(path("https://evil.example.net/m.png").unwrap_err().status, 403);

        let proxy = Source::parse("p", r#"{"web_proxy":true,"proxy_hosts":["cdn.example.com"]}"#).unwrap();
        match proxy.locate_asset("p", "https://cdn.example.com/m.png", "mask", &no_other).unwrap() {
            Location::Url(t) => assert_eq!((t.host.as_str(), t.path.as_str()), ("cdn.example.com", "/m.png")),
            other => panic!("{other:?}"),
        }
        assert_eq!(proxy.locate_asset("p", "/m.png", "mask", &no_other).unwrap_err().status, 400);
        // The same guard as originals: a host off the list is refused.
        assert_eq!(
            proxy.locate_asset("p", "https://evil.example.net/m.png", "mask", &no_other).unwrap_err().status,
            403
        );
    }

    #[test]
    fn a_request_draws_a_bounded_number_of_images() {
        let s = Source::parse("img.example.com", r#"{"backend":"origin"}"#).unwrap();
        let no_other = |_: &str| false;
        let p = crate::params::parse("mask=m.png&blend=b.png&mark=a.png&mark[3]=c.png&blend[1]=red").unwrap();
        let assets = s.locate_assets("img.example.com", &p, &no_other).unwrap();
        let params: Vec<_> = assets.iter().map(|a| a.param.as_str()).collect();
        assert_eq!(params, vec!["mask", "blend", "mark", "mark[3]"]);
        assert_eq!(assets[3].at, Location::Origin("/c.png".into()));
        let many: Vec<String> = (0..=9).map(|i| format!("mark[{i}]=m{i}.png")).collect();
        let p = crate::params::parse(&many.join("&")).unwrap();
        let e = s.locate_assets("img.example.com", &p, &no_other).unwrap_err();
        assert_eq!((e.status, e.param.as_deref()), (400, Some("mark[8]")));
    }

    #[test]
    fn originals_are_located_by_path_or_by_url() {
        let s = Source::parse("img.example.com", r#"{"backend":"origin","prefix":"img"}"#).unwrap();
        let at = s.locate("/a b.jpg").unwrap();
        assert_eq!((at.path(), at.key()), ("/img/a b.jpg", "/img/a b.jpg".to_string()));
        let proxy = Source::parse("p", r#"{"web_proxy":true,"proxy_hosts":["cdn.example.com"]}"#).unwrap();
        let at = proxy.locate("/https%3A%2F%2Fcdn.example.com%2Fx.jpg%3Fv%3D1").unwrap();
        assert_eq!((at.path(), at.key()), ("/x.jpg?v=1", "https://cdn.example.com:443/x.jpg?v=1".to_string()));
        assert_eq!(proxy.locate("/https://other.example.com/x.jpg").unwrap_err().status, 403);
        assert_eq!(proxy.locate("/x.jpg").unwrap_err().status, 400);
    }

    #[test]
    fn refuses_bad_config() {
        for bad in [
            "",
            "[]",
            r#"{"prefix":"x"}"#,
            r#"{"backend":1}"#,
            r#"{"backend":"o","secure":"yes"}"#,
            r#"{"backend":"o","tokens":"demo"}"#,
            r#"{"backend":"o","ttl":-1}"#,
            r#"{"backend":"o","ttl":1.5}"#,
            r#"{"backend":"o","strict":"yes"}"#,
        ] {
            assert!(Source::parse("h", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn host_keys() {
        assert_eq!(host_key("Secure.LocalHost:7676"), "secure.localhost");
        assert_eq!(host_key("images.example.com"), "images.example.com");
        assert_eq!(host_key("images.example.com."), "images.example.com");
        assert_eq!(host_key("127.0.0.1:80"), "127.0.0.1");
        assert_eq!(host_key("[::1]:7676"), "::1");
    }

    #[test]
    fn defaults_merge_under_request() {
        assert_eq!(merge_defaults("", "w=1").unwrap(), "w=1");
        assert_eq!(merge_defaults("q=60&fm=webp", "").unwrap(), "q=60&fm=webp");
        assert_eq!(merge_defaults("q=60&fm=webp", "w=10&fm=png").unwrap(), "q=60&w=10&fm=png");
        // Aliases count as the same parameter (width = w).
        assert_eq!(merge_defaults("w=50", "width=10").unwrap(), "width=10");
        // A bad default is a 400 naming it (imgix), even one forgiving parsing would clamp.
        for bad in ["w=abc&q=60", "q=200", "fit=sideways"] {
            let e = merge_defaults(bad, "h=5").unwrap_err();
            let param = bad.split('=').next().unwrap();
            assert_eq!((e.status, e.param.as_deref()), (400, Some(param)), "{bad}");
            assert!(e.message.contains("default"), "{}", e.message);
        }
        assert_eq!(merge_defaults("ch=Width,DPR&q=60", "h=5").unwrap(), "q=60&h=5");
        // A bad request value is the request's: it is read forgivingly later, and still
        // replaces the default (`w=abc` means w's own default, not the source's w=50).
        assert_eq!(merge_defaults("q=60", "w=abc").unwrap(), "q=60&w=abc");
        assert_eq!(merge_defaults("w=50", "w=abc").unwrap(), "w=abc");
        assert_eq!(merge_defaults("q=60", "w64=M+Aw").unwrap_err().status, 400);
        let p = crate::params::parse(&merge_defaults("q=60&fm=webp", "w=10&fm=png").unwrap()).unwrap();
        assert_eq!(p.fm, Some(crate::params::Fm::Png));
        assert_eq!(p.q, Some(60));
    }
}
