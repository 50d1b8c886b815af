//! The one alias table: every spelling a URL may use, mapped to the canonical parameter name.

/// Canonical name for a query key, or `None` for names ixora does not know.
pub fn canonical(name: &str) -> Option<&'static str> {
    Some(match name {
        "w" | "width" => "w",
        "h" | "height" => "h",
        "fit" | "f" => "fit",
        "crop" => "crop",
        "fp-x" => "fp-x",
        "fp-y" => "fp-y",
        "fp-z" => "fp-z",
        "ar" => "ar",
        "dpr" => "dpr",
        "rect" => "rect",
        "max-w" | "max-width" => "max-w",
        "max-h" | "max-height" => "max-h",
        "min-w" | "min-width" => "min-w",
        "min-h" | "min-height" => "min-h",
        "bg" => "bg",
        "fill" => "fill",
        "fill-color" => "fill-color",
        "orient" | "or" => "orient",
        "flip" => "flip",
        "fm" => "fm",
        "q" => "q",
        "auto" => "auto",
        "chromasub" => "chromasub",
        "lossless" => "lossless",
        "jpg-progressive" | "jpeg-progressive" => "jpg-progressive",
        _ => return None,
    })
}
