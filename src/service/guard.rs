//! Web-proxy sources (imgix "Web Proxy"): the request path is the full URL of the original.
//! This module decides whether that URL may be fetched: http(s) only, no credentials, a host on
//! the source's `proxy_hosts`, and never a private, loopback or link-local address.

use std::net::{IpAddr, Ipv4Addr};

use crate::error::{Error, Result};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Lower-case host name or IP literal (IPv6 without brackets).
    pub host: String,
    pub port: u16,
    /// Path and query at the origin, starting with `/`.
    pub path: String,
}

impl Target {
    /// `host:port` as a backend target (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The URL, for cache keys and surrogate keys.
    pub fn url(&self) -> String {
        format!("{}://{}{}", if self.https { "https" } else { "http" }, self.authority(), self.path)
    }

    pub fn is_private(&self) -> bool {
        let host = self.host.trim_end_matches('.');
        if host == "localhost" || host.ends_with(".localhost") {
            return true;
        }
        host.parse::<IpAddr>().is_ok_and(|ip| private_ip(&ip))
    }
}

/// The URL a web-proxy request (or an overlay parameter) names. `raw_path` is the request path
/// as sent: `/` + the URL, percent-encoded (`/https%3A%2F%2Fimg.example.com%2Fa.jpg`) or plain.
/// Parsed as WHATWG URLs are, so every spelling of a host (`2130706433`, `0x7f.1`, IDNA) comes
/// out normalised before anything is decided about it.
pub fn target(raw_path: &str) -> Result<Target> {
    let bad = |why: &str| Error::invalid_param("url", format!("the path must be an http(s) URL: {why}"));
    let text = crate::params::decode_component(raw_path.strip_prefix('/').unwrap_or(raw_path));
    // WHATWG parsing drops tabs and line breaks and reads `https:///a` as host `a`; a URL with
    // either is not one the client meant plainly.
    if text.bytes().any(|b| b.is_ascii_control()) {
        return Err(bad("control characters in the URL"));
    }
    let scheme_end = text.find("://").ok_or_else(|| bad("no http:// or https:// scheme"))?;
    if text[scheme_end + 3..].starts_with(['/', '\\']) {
        return Err(bad("no host"));
    }
    let url = url::Url::parse(&text).map_err(|e| bad(&e.to_string()))?;
    let https = match url.scheme() {
        "https" => true,
        "http" => false,
        _ => return Err(bad("no http:// or https:// scheme")),
    };
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::forbidden("web-proxy URLs may not carry credentials"));
    }
    let host = match url.host() {
        Some(url::Host::Domain(d)) => d.to_string(),
        Some(url::Host::Ipv4(ip)) => ip.to_string(),
        Some(url::Host::Ipv6(ip)) => ip.to_string(),
        None => return Err(bad("invalid host")),
    };
    let port = url.port_or_known_default().filter(|p| *p != 0).ok_or_else(|| bad("invalid port"))?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    };
    Ok(Target { https, host, port, path })
}

/// Whether a web-proxy source may fetch `target`: a host on its `proxy_hosts`, else 403. Where it
/// resolves is the edge's to check (`Target::is_private`), as only the edge knows its backends.
pub fn admit(target: &Target, proxy_hosts: &[String]) -> Result<()> {
    if allowed(target, proxy_hosts) {
        Ok(())
    } else {
        Err(Error::forbidden(format!("{} is not an allowed host for this source", target.host)))
    }
}

/// `proxy_hosts` entries: `img.example.com`, `img.example.com:8443`, or `*.example.com`.
pub fn allowed(target: &Target, proxy_hosts: &[String]) -> bool {
    let with_port = format!("{}:{}", target.host, target.port);
    proxy_hosts.iter().map(|h| h.trim().to_ascii_lowercase()).any(|h| {
        h == target.host
            || h == with_port
            || h.strip_prefix("*.").is_some_and(|suffix| target.host.ends_with(&format!(".{suffix}")))
    })
}

fn private_ip(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return private_v4(&v4);
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link local
                || v6.is_multicast()
        }
    }
}

fn private_v4(ip: &Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || o[0] == 0
        || (o[0] == 100 && (o[1] & 0xc0) == 64) // carrier-grade NAT
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || o[0] >= 240
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_encoded_and_plain_urls() {
        let t = target("/https%3A%2F%2FImg.Example.com%2Fa%20b.jpg%3Fv%3D2").unwrap();
        assert_eq!(t, Target { https: true, host: "img.example.com".into(), port: 443, path: "/a%20b.jpg?v=2".into() });
        assert_eq!(t.url(), "https://img.example.com:443/a%20b.jpg?v=2");
        let t = target("/http://127.0.0.1:7677/photo.jpg").unwrap();
        assert_eq!((t.https, t.host.as_str(), t.port, t.path.as_str()), (false, "127.0.0.1", 7677, "/photo.jpg"));
        assert_eq!(target("/http%3A%2F%2F%5B%3A%3A1%5D%3A8080%2Fx").unwrap().authority(), "[::1]:8080");
        assert_eq!(target("/https%3A%2F%2Fexample.com").unwrap().path, "/");
        // imgix-python's quote_plus turns spaces into +.
        assert_eq!(target("/https%3A%2F%2Fe.com%2Fa+b.png").unwrap().path, "/a%20b.png");
    }

    #[test]
    fn refuses_what_is_not_a_plain_http_url() {
        for bad in ["/photo.jpg", "/ftp%3A%2F%2Fe.com%2Fa", "/https%3A%2F%2F%2Fa", "/https%3A%2F%2Fe.com%3A99999%2Fa"] {
            assert_eq!(target(bad).unwrap_err().status, 400, "{bad}");
        }
        assert_eq!(target("/https%3A%2F%2Fuser%3Apw%40e.com%2Fa").unwrap_err().status, 403);
        assert_eq!(target("/https%3A%2F%2Fe.com%2Fa%0D%0AX%3A1").unwrap_err().status, 400);
    }

    #[test]
    fn allow_list() {
        let hosts = vec!["img.example.com".to_string(), "*.cdn.example.org".into(), "other.net:8443".into()];
        let t = |u: &str| target(u).unwrap();
        assert!(allowed(&t("/https://img.example.com/a"), &hosts));
        assert!(allowed(&t("/https://a.b.cdn.example.org/a"), &hosts));
        assert!(!allowed(&t("/https://cdn.example.org/a"), &hosts));
        assert!(!allowed(&t("/https://img.example.com.evil.net/a"), &hosts));
        assert!(allowed(&t("/https://other.net:8443/a"), &hosts));
        assert!(!allowed(&t("/https://other.net/a"), &hosts));
    }

    #[test]
    fn private_addresses() {
        for private in [
            "/http://127.0.0.1/a",
            "/http://10.1.2.3/a",
            "/http://172.16.0.1/a",
            "/http://192.168.1.1/a",
            "/http://169.254.169.254/latest/meta-data",
            "/http://0.0.0.0/a",
            "/http://100.64.0.1/a",
            "/http://localhost/a",
            "/http://a.localhost/a",
            "/http://[::1]/a",
            "/http://[fd00::1]/a",
            "/http://[fe80::1]/a",
            "/http://[::ffff:10.0.0.1]/a",
        ] {
            assert!(target(private).unwrap().is_private(), "{private}");
        }
        // Other spellings of loopback and private IPv4 that URL parsers accept come out
        // normalised, so the same check catches them.
        for spelled in [
            "/http://2130706433/a",
            "/http://0x7f.1/a",
            "/http://0177.0.0.1/a",
            "/http://127.1/a",
            "/http://0x0a.0.0.1/a",
            "/http%3A%2F%2F3232235777%2Fa",
            "/http://[::ffff:7f00:1]/a",
        ] {
            let t = target(spelled).unwrap();
            assert!(t.is_private(), "{spelled} parsed as {}", t.host);
        }
        assert_eq!(target("/http://2130706433/a").unwrap().host, "127.0.0.1");
        for public in ["/https://img.example.com/a", "/http://93.184.216.34/a", "/http://[2606:2800::1]/a"] {
            assert!(!target(public).unwrap().is_private(), "{public}");
        }
    }
}
