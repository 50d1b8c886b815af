//! `docs/parameters.md`, generated from the spec table so the docs cannot drift from the code.

use super::spec::{documented_at, Status, SPECS};
use super::validate::{bad_value_words, describe};

pub fn markdown() -> String {
    let count = |f: fn(&Status) -> bool| SPECS.iter().filter(|s| f(&s.status)).count();
    let mut out = String::from(
        "# imgix parameters in ixora\n\n\
         Generated from `src/params/spec.rs` by `cargo run -- parameters > docs/parameters.md`;\n\
         a test fails when this file is stale. Statuses:\n\n\
         - **implemented** — does what imgix documents;\n\
         - **partial** — implemented for the values the note lists;\n\
         - **ignored** — accepted and validated, then ignored; the response lists it in\n  \
           `X-Ixora-Ignored` with the reason;\n\
         - **unsupported** — ignored with the reason in `X-Ixora-Ignored`.\n\n\
         Every parameter except `auto` and `ch` also has a `…64` variant taking URL-safe base64\n\
         without padding. Unknown names are ignored. The layer families (`blend…`, `mark…`) take an\n\
         index, `mark-w[2]=…`, for layers 0–9 (the bare name is layer 0 and wins over `[0]`); layers\n\
         are drawn in index order, blends before marks. Parameters imgix documents beyond its spec\n\
         file say where in the notes.\n\n\
         Bad values never break an image (imgix's semantics): a number beyond the range is drawn at\n\
         the limit (`w=9000` as `w=8192`, `blur=5000` as `blur=2000`), unknown items of a list are\n\
         left out, and any other unusable value (not a number, a negative size, an unknown keyword)\n\
         is dropped so the default applies. Each case is listed with its reason in\n\
         `X-Ixora-Ignored` (`w=9000 (clamped to 8192)`, `blur=abc (not a number; default used)`);\n\
         `X-Imgix-Params` lists the parameters applied, with the values as applied, and the cache\n\
         key uses those values too. The *bad value* column says what happens per parameter; ranges\n\
         marked \"usually\" are imgix's suggestions and are not enforced. The only 400s are a `…64`\n\
         value that is not base64 and an unreadable `expires` — except on a source with\n\
         `\"strict\": true` (docs/operations.md), where every clamped or dropped value and every\n\
         unsupported parameter is a 400 naming the parameter.\n\n",
    );
    out.push_str(&format!(
        "{} parameters: {} implemented, {} partial, {} ignored, {} unsupported.\n",
        SPECS.len(),
        count(|s| matches!(s, Status::Implemented)),
        count(|s| matches!(s, Status::Partial(_))),
        count(|s| matches!(s, Status::Ignored(_))),
        count(|s| matches!(s, Status::Unsupported(_))),
    ));
    let mut categories: Vec<&str> = SPECS.iter().map(|s| s.category).collect();
    categories.sort_unstable();
    categories.dedup();
    for category in categories {
        out.push_str(&format!(
            "\n## {category}\n\n| parameter | aliases | accepts | default | bad value (strict source: 400) | status | notes |\n|---|---|---|---|---|---|---|\n"
        ));
        let mut specs: Vec<_> = SPECS.iter().filter(|s| s.category == category).collect();
        specs.sort_by_key(|s| s.name);
        for s in specs {
            let (status, note) = match s.status {
                Status::Implemented => ("implemented", ""),
                Status::Partial(n) => ("partial", n),
                Status::Ignored(n) => ("ignored", n),
                Status::Unsupported(n) => ("unsupported", n),
            };
            let documented = documented_at(s.name).map(|url| format!("documented at {url}"));
            let note = match (note, documented.as_deref()) {
                ("", Some(d)) => d.to_string(),
                (n, Some(d)) => format!("{n}; {d}"),
                (n, None) => n.to_string(),
            };
            let aliases = s.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let default = s.default.map(|d| format!("`{d}`")).unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {aliases} | {} | {default} | {} | {status} | {note} |\n",
                s.name,
                describe(s).replace('|', "\\|"),
                bad_value_words(s)
            ));
        }
    }
    out
}
