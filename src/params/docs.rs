//! `docs/parameters.md`, generated from the spec table so the docs cannot drift from the code.

use super::spec::{Status, SPECS};
use super::validate::describe;

pub fn markdown() -> String {
    let count = |f: fn(&Status) -> bool| SPECS.iter().filter(|s| f(&s.status)).count();
    let mut out = String::from(
        "# imgix parameters in ixora\n\n\
         Generated from `src/params/spec.rs` by `cargo run -- parameters > docs/parameters.md`;\n\
         a test fails when this file is stale. Statuses:\n\n\
         - **implemented** — does what imgix documents;\n\
         - **partial** — implemented for the values the note lists;\n\
         - **ignored** — accepted and validated (a bad value is still a 400), then ignored; the\n  \
           response lists it in `X-Ixora-Ignored` with the reason;\n\
         - **unsupported** — refused with a 400.\n\n\
         Every parameter except `auto` and `ch` also has a `…64` variant taking URL-safe base64\n\
         without padding. Values outside a *strict* range are a 400 naming the parameter; ranges\n\
         marked \"usually\" are imgix's suggestions and are not enforced. Unknown names are ignored.\n\n",
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
            "\n## {category}\n\n| parameter | aliases | accepts | default | status | notes |\n|---|---|---|---|---|---|\n"
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
            let aliases = s.aliases.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
            let default = s.default.map(|d| format!("`{d}`")).unwrap_or_default();
            out.push_str(&format!(
                "| `{}` | {aliases} | {} | {default} | {status} | {note} |\n",
                s.name,
                describe(s.expects).replace('|', "\\|")
            ));
        }
    }
    out
}
