//! What the client can take, worked out once per request from its headers and handed to both
//! the cache key and the render: the output formats `Accept` allows, and the client hints
//! (`Width`, `DPR`, `Save-Data`) the URL opts into with `ch`.

use crate::output::negotiate::{Accepts, COMPRESS_QUALITY};
use crate::params::{Params, Size};

/// The formats an `Accept` header allows besides the universal ones.
pub fn read(accept: &str) -> Accepts {
    Accepts { avif: accepts(accept, "image/avif"), webp: accepts(accept, "image/webp") }
}

/// The derivative cache key's part for a negotiated format: the formats `auto=format` may pick,
/// so Accept strings that allow the same ones share an entry.
pub fn cache_key(accepts: &Accepts) -> String {
    let names: Vec<&str> = [(accepts.avif, "avif"), (accepts.webp, "webp")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| name)
        .collect();
    format!("|accept={}", names.join(","))
}

/// The client-hint values a request carries, read only for the hints its URL names in `ch`
/// (imgix: `Width` overrides `w`, `DPR` overrides `dpr`, `Save-Data: on` lowers the quality to
/// 45). The `Sec-CH-` names win over the legacy ones. Values that do not parse are ignored.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClientHints {
    /// Layout width in device pixels, 1–8192.
    pub width: Option<u32>,
    /// Device pixel ratio, (0, 5].
    pub dpr: Option<f64>,
    pub save_data: bool,
}

impl ClientHints {
    /// `header` looks a request header up by (case-insensitive) name.
    pub fn read<'h>(params: &Params, header: impl Fn(&str) -> Option<&'h str>) -> ClientHints {
        let first = |names: [&str; 2]| names.into_iter().find_map(&header).map(str::trim);
        let width = params.ch.width.then(|| first(["sec-ch-width", "width"])).flatten();
        let dpr = params.ch.dpr.then(|| first(["sec-ch-dpr", "dpr"])).flatten();
        let save_data = params.ch.save_data.then(|| header("save-data")).flatten();
        ClientHints {
            width: width
                .and_then(|w| w.parse::<f64>().ok())
                .filter(|w| *w >= 1.0)
                .map(|w| w.round().min(8192.0) as u32),
            dpr: dpr.and_then(|d| d.parse::<f64>().ok()).filter(|d| d.is_finite() && *d > 0.0).map(|d| d.min(5.0)),
            save_data: save_data.is_some_and(|v| v.eq_ignore_ascii_case("on")),
        }
    }

    /// The parameters as the hints change them. `Width` is in device pixels (the Client Hints
    /// definition), so the output is that wide whatever the DPR: `w` becomes Width / DPR.
    pub fn apply(&self, mut params: Params) -> Params {
        if let Some(dpr) = self.dpr {
            params.dpr = dpr;
        }
        if let Some(width) = self.width {
            params.w = Some(Size::Px(((f64::from(width) / params.dpr()).round() as u32).clamp(1, 8192)));
        }
        if self.save_data {
            params.q = Some(params.q.map_or(COMPRESS_QUALITY, |q| q.min(COMPRESS_QUALITY)));
        }
        params
    }

    /// The derivative cache key's part: the normalised values that change the output.
    pub fn cache_key(&self) -> String {
        let mut key = String::new();
        if let Some(w) = self.width {
            key.push_str(&format!("|ch-width={w}"));
        }
        if let Some(d) = self.dpr {
            key.push_str(&format!("|ch-dpr={d}"));
        }
        if self.save_data {
            key.push_str("|ch-save-data");
        }
        key
    }
}

/// `Accept-CH` for a URL with `ch`: the hints it opts into, under both their names.
pub fn accept_ch(params: &Params) -> Option<String> {
    let names: Vec<&str> = hint_headers(params).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

/// `Vary`: `Accept` when `auto=format` negotiated the format, and every hint header the URL
/// opts into (present or not: a cache must not answer a request carrying a hint with a
/// response rendered without it).
pub fn vary(params: &Params, vary_accept: bool) -> Option<String> {
    let names: Vec<&str> = vary_accept.then_some("Accept").into_iter().chain(hint_headers(params)).collect();
    (!names.is_empty()).then(|| names.join(", "))
}

fn hint_headers(params: &Params) -> impl Iterator<Item = &'static str> {
    let ch = params.ch;
    [
        (ch.width, "Sec-CH-Width"),
        (ch.width, "Width"),
        (ch.dpr, "Sec-CH-DPR"),
        (ch.dpr, "DPR"),
        (ch.save_data, "Save-Data"),
    ]
    .into_iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| name)
}

/// Whether an `Accept` header lists `mime` with a non-zero q.
fn accepts(accept: &str, mime: &str) -> bool {
    accept.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let ty = parts.next().unwrap_or("");
        let refused =
            parts.any(|p| p.strip_prefix("q=").and_then(|q| q.trim().parse::<f64>().ok()).is_some_and(|q| q <= 0.0));
        ty.eq_ignore_ascii_case(mime) && !refused
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Format, Probe};
    use crate::output::negotiate::negotiate;
    use crate::params::parse;

    fn quality(p: &Params) -> u8 {
        let probe = Probe {
            format: Format::Jpeg,
            width: 10,
            height: 10,
            orientation: 1,
            has_alpha: false,
            frames: 1,
            progressive: false,
        };
        negotiate(p, &probe, &Accepts::default(), 1_000_000).options.quality
    }

    #[test]
    fn accept_lists_formats_with_a_non_zero_q() {
        let chrome = read("image/avif,image/webp,image/apng,image/*,*/*;q=0.8");
        assert_eq!(chrome, Accepts { avif: true, webp: true });
        assert_eq!(read("image/webp;q=0, image/avif"), Accepts { avif: true, webp: false });
        assert_eq!(read("IMAGE/WEBP"), Accepts { avif: false, webp: true });
        assert_eq!(read("image/*,*/*"), Accepts::default());
        assert_eq!(read(""), Accepts::default());
        assert_eq!(cache_key(&chrome), "|accept=avif,webp");
        assert_eq!(cache_key(&read("image/webp")), "|accept=webp");
    }

    fn hints(q: &str, headers: &[(&str, &str)]) -> ClientHints {
        ClientHints::read(&parse(q).unwrap(), |name| {
            headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
        })
    }

    #[test]
    fn client_hints_are_read_only_when_opted_in() {
        let all = [("Width", "640"), ("DPR", "2"), ("Save-Data", "on")];
        assert_eq!(hints("w=100", &all), ClientHints::default());
        assert_eq!(hints("ch=width", &all), ClientHints { width: Some(640), ..Default::default() });
        assert_eq!(
            hints("ch=Width,DPR,Save-Data", &all),
            ClientHints { width: Some(640), dpr: Some(2.0), save_data: true }
        );
        // Sec-CH- names win; junk and out-of-range values are ignored or clamped.
        let sec = [("Sec-CH-Width", "500"), ("Width", "640"), ("Sec-CH-DPR", "1.5"), ("DPR", "3")];
        assert_eq!(hints("ch=width,dpr", &sec), ClientHints { width: Some(500), dpr: Some(1.5), save_data: false });
        let junk = [("Width", "wide"), ("DPR", "-1"), ("Save-Data", "off")];
        assert_eq!(hints("ch=width,dpr,save-data", &junk), ClientHints::default());
        let big = [("Width", "100000"), ("DPR", "9")];
        assert_eq!(hints("ch=width,dpr", &big), ClientHints { width: Some(8192), dpr: Some(5.0), save_data: false });
    }

    #[test]
    fn client_hints_change_width_dpr_and_quality() {
        let apply = |q: &str, headers: &[(&str, &str)]| hints(q, headers).apply(parse(q).unwrap());
        // Width is in device pixels: with DPR 2 the CSS width is half of it.
        let p = apply("w=100&ch=width,dpr", &[("Width", "640"), ("DPR", "2")]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(320)), 2.0));
        let p = apply("w=100&dpr=2&ch=width", &[("Width", "640")]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(320)), 2.0));
        let p = apply("w=100&ch=width,dpr", &[]);
        assert_eq!((p.w, p.dpr), (Some(Size::Px(100)), 1.0));
        let q = |query: &str, save: &str| {
            let p = apply(query, &[("Save-Data", save)]);
            quality(&p)
        };
        assert_eq!(q("ch=save-data", "on"), 45);
        assert_eq!(q("ch=save-data&q=90", "on"), 45);
        assert_eq!(q("ch=save-data&q=30", "on"), 30);
        assert_eq!(q("ch=save-data", "off"), 75);
        assert_eq!(q("w=10", "on"), 75);
    }

    #[test]
    fn accept_ch_and_vary_name_the_opted_in_hints() {
        let p = |q: &str| parse(q).unwrap();
        assert_eq!(accept_ch(&p("w=1")), None);
        assert_eq!(vary(&p("w=1"), false), None);
        assert_eq!(vary(&p("auto=format"), true).as_deref(), Some("Accept"));
        assert_eq!(accept_ch(&p("ch=dpr,save-data")).as_deref(), Some("Sec-CH-DPR, DPR, Save-Data"));
        assert_eq!(
            vary(&p("ch=width,dpr,save-data&auto=format"), true).as_deref(),
            Some("Accept, Sec-CH-Width, Width, Sec-CH-DPR, DPR, Save-Data")
        );
        assert_eq!(
            hints("ch=width,dpr,save-data", &[("Width", "640"), ("Save-Data", "on")]).cache_key(),
            "|ch-width=640|ch-save-data"
        );
    }
}
