use super::*;

#[test]
fn aliases_and_values() {
    let p = parse("width=100&height=0.5&f=crop&crop=top,left&or=90&fm=pjpg&q=60").unwrap();
    assert_eq!(p.w, Some(Size::Px(100)));
    assert_eq!(p.h, Some(Size::Fraction(0.5)));
    assert_eq!(p.fit, Fit::Crop);
    assert_eq!((p.crop.x, p.crop.y), (Anchor::Start, Anchor::Start));
    assert_eq!(p.orient, Some(6));
    assert_eq!(p.fm, Some(Fm::Pjpg));
    assert_eq!(p.q, Some(60));
}

#[test]
fn canonical_form_is_sorted_and_alias_free() {
    let a = parse("width=100&fm=png").unwrap();
    let b = parse("fm=png&w=100").unwrap();
    assert_eq!(a.canonical_query(), "fm=png&w=100");
    assert_eq!(a.canonical_query(), b.canonical_query());
    assert_eq!(parse("auto=format&auto=compress").unwrap().canonical_query(), "auto=format,compress");
}

#[test]
fn unknown_names_are_ignored_and_empty_is_passthrough() {
    let p = parse("v=3&utm_source=x").unwrap();
    assert!(p.is_passthrough());
    assert!(parse("").unwrap().is_passthrough());
    assert!(!parse("w=10").unwrap().is_passthrough());
}

#[test]
fn plus_and_percent_20_are_spaces() {
    assert_eq!(decode_component("a+b%20c"), "a b c");
    assert_eq!(decode_component("100%"), "100%");
    assert_eq!(decode_component("%zz"), "%zz");
    let p = parse("auto=format%2Ccompress").unwrap();
    assert!(p.auto_format && p.auto_compress);
}

#[test]
fn bad_values_name_the_parameter() {
    for (q, param) in [
        ("w=abc", "w"),
        ("w=-5", "w"),
        ("w=9000", "w"),
        ("h=0", "h"),
        ("fit=banana", "fit"),
        ("dpr=6", "dpr"),
        ("bg=zzz", "bg"),
        ("ar=16", "ar"),
        ("ar=0:1", "ar"),
        ("rect=1,2,3", "rect"),
        ("fm=bmp", "fm"),
        ("q=101", "q"),
        ("flip=x", "flip"),
        ("orient=45", "orient"),
        ("chromasub=411", "chromasub"),
        ("fp-x=2", "fp-x"),
    ] {
        let e = parse(q).unwrap_err();
        assert_eq!((e.status, e.param.as_deref()), (400, Some(param)), "{q}");
        assert!(e.to_json().contains(&format!("\"param\":\"{param}\"")), "{q}");
    }
}

#[test]
fn lossless_invalid_means_false() {
    assert!(!parse("lossless=maybe").unwrap().lossless);
    assert!(parse("lossless=1").unwrap().lossless);
}
