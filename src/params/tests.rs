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
    assert_eq!(parse("auto=format&auto=compress").unwrap().canonical_query(), "auto=compress,format");
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

fn strict(q: &str) -> Result<Params> {
    parse_with(q, Mode::Strict)
}

#[test]
fn bad_values_name_the_parameter_in_strict_mode() {
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
        ("rect=1,2,0,4", "rect"),
        ("w64=MTAw=", "w64"),
        ("w64=M+Aw", "w64"),
        ("fp-y=1.5", "fp-y"),
        ("max-w=0", "max-w"),
        ("txt-color=nope", "txt-color"),
        ("mark-align=sideways", "mark-align"),
        ("flip=x", "flip"),
        ("orient=45", "orient"),
        ("chromasub=411", "chromasub"),
        ("fp-x=2", "fp-x"),
        ("q=200", "q"),
        ("blur=5000", "blur"),
        ("blur=abc", "blur"),
        ("auto=format,bogus", "auto"),
        ("lossless=maybe", "lossless"),
        ("fit=crop,fill", "fit"),
    ] {
        let e = strict(q).unwrap_err();
        assert_eq!((e.status, e.param.as_deref()), (400, Some(param)), "{q}");
        assert!(e.to_json().contains(&format!("\"param\":\"{param}\"")), "{q}");
    }
}

#[test]
fn lossless_invalid_means_false() {
    assert!(!parse("lossless=maybe").unwrap().lossless);
    assert!(parse("lossless=1").unwrap().lossless);
}

#[test]
fn equivalent_spellings_share_one_canonical_form() {
    let groups: &[&[&str]] = &[
        &["w=100", "width=100", "w64=MTAw", "w=100.0", "w=100&fit=clip", "w=100&q=75&dpr=1"],
        &["bg=red", "bg=ff0000", "bg=F00", "bg=FFFF0000", "bg64=cmVk"],
        &["auto=format,compress", "auto=compress&auto=format", "auto=format&auto=compress&auto=format"],
        &["txt=hello world", "txt=hello+world", "txt=hello%20world", "t=hello%20world", "txt64=aGVsbG8gd29ybGQ"],
        &["flip=hv", "flip=HV"],
        &["jpg-progressive=1", "jpeg-progressive=true"],
        &["fit=clip", "q=75", "dpr=1", "", "fp-x=0.5"],
    ];
    for group in groups {
        let first = parse(group[0]).unwrap().canonical_query();
        for q in &group[1..] {
            assert_eq!(parse(q).unwrap().canonical_query(), first, "{q} vs {}", group[0]);
        }
    }
    // Same canonical form as the bare URL, but a parameter was named: it renders (imgix applies
    // EXIF orientation and strips metadata whenever any parameter is present).
    assert!(!parse("fit=clip&q=75").unwrap().is_passthrough());
}

#[test]
fn any_named_parameter_renders_and_only_a_bare_url_passes_through() {
    for q in ["q=75", "fit=clip", "dpr=1", "fp-x=0.5", "width=0.5&w=1", "w64=MTAw", "mark=logo.png", "fm=mp4"] {
        assert!(!parse(q).unwrap().is_passthrough(), "{q}");
    }
    for q in ["", "v=2", "utm_source=x&cb=1", "expires=99999999999", "auto64=Zm9ybWF0"] {
        assert!(parse(q).unwrap().is_passthrough(), "{q}");
    }
    assert_eq!(parse("q=75&dpr=1&v=2").unwrap().named, vec!["dpr", "q"]);
}

#[test]
fn crop_fallback_chains_and_auto() {
    let c = parse("crop=faces,center").unwrap().crop;
    assert!(c.faces && c.smart.is_none() && (c.x, c.y) == (Anchor::Center, Anchor::Center));
    assert_eq!(parse("crop=faces,center").unwrap().ignored_header(), None);
    let p = parse("crop=center").unwrap();
    assert_eq!(p.crop, Crop::default());
    // auto: faces, else the busiest region; the header says what is approximated.
    let p = parse("fit=crop&w=10&h=10&crop=auto").unwrap();
    assert!(p.crop.faces && p.crop.smart == Some(Smart::Entropy));
    let h = p.ignored_header().unwrap();
    assert!(h.starts_with("crop=auto (") && h.contains("faces"), "{h}");
    // An anchor after auto is the last fallback; an explicit edges wins over auto's entropy.
    let c = parse("crop=auto,top").unwrap().crop;
    assert!(c.faces && c.y == Anchor::Start);
    assert_eq!(parse("crop=edges,auto").unwrap().crop.smart, Some(Smart::Edges));
    assert_eq!(parse("crop=Faces,Center").unwrap().canonical_query(), "crop=faces,center");
}

#[test]
fn unwritable_formats_fall_back_and_are_listed() {
    for v in ["mp4", "webm", "jp2", "jxr", "spritesheet"] {
        let p = parse(&format!("w=10&fm={v}")).unwrap();
        assert_eq!(p.fm, None, "{v}");
        // Applied as no fm: one canonical form (and cache entry) with `w=10`.
        assert_eq!(p.canonical_query(), "w=10", "{v}");
        let h = p.ignored_header().unwrap();
        assert!(h.starts_with(&format!("fm={v} (")) && h.contains("default format"), "{h}");
    }
    assert!(parse("fm=webm").unwrap().ignored_header().unwrap().contains("video"));
    assert!(parse("fm=jxr").unwrap().ignored_header().unwrap().contains("JPEG XR"));
    // Several reasons come sorted by parameter name.
    let h = parse("fm=mp4&fill-gen-fallback=true&crop=auto").unwrap().ignored_header().unwrap();
    let (c, f, m) = (h.find("crop=auto").unwrap(), h.find("fill-gen-fallback (").unwrap(), h.find("fm=mp4").unwrap());
    assert!(c < f && f < m, "{h}");
}

#[test]
fn suggested_ranges_are_not_enforced() {
    assert_eq!(parse("q=150").unwrap().q, Some(100));
    assert_eq!(parse("q=0").unwrap().q, Some(1));
    assert_eq!(parse("fp-z=50").unwrap().fp.z, 50.0);
    assert!(parse("colors=40").is_ok());
    assert!(parse("border=500,ff0000").is_ok());
}

#[test]
fn error_messages_name_value_and_range() {
    let e = strict("w=9000").unwrap_err();
    assert!(
        e.message.contains("w=\"9000\"") && e.message.contains("2–8192") && e.message.contains("fraction 0–1"),
        "{}",
        e.message
    );
    let e = strict("dpr=9").unwrap_err();
    assert!(e.message.contains("0–5"), "{}", e.message);
    // A suggested range that is the limit is stated as the range.
    let e = strict("blur=5000").unwrap_err();
    assert!(e.message.contains("0–2000") && !e.message.contains("usually"), "{}", e.message);
    let e = strict("fit=banana").unwrap_err();
    assert!(e.message.contains("clip") && e.message.contains("fillmax"), "{}", e.message);
}

#[test]
fn ignored_parameters_are_reported() {
    let p = parse("w=10&mark=logo.png&bg-remove=true&bg-replace=sky&txt=hi&txt[2]=ho").unwrap();
    assert_eq!(p.ignored, vec!["bg-remove", "bg-replace"]);
    let h = p.ignored_header().unwrap();
    assert!(
        h.contains("bg-replace (") && h.contains("bg-remove (AI") && !h.contains("mark") && !h.contains("txt"),
        "{h}"
    );
    assert_eq!(parse("w=10").unwrap().ignored_header(), None);
}

#[test]
fn base64_variants() {
    assert_eq!(parse("txt64=SGVsbG8sIFdvcmxkIQ").unwrap().raw("txt"), Some("Hello, World!"));
    // `auto` and `ch` have no base64 variant: such names are unknown and ignored.
    assert!(parse("auto64=Zm9ybWF0").unwrap().is_passthrough());
    assert_eq!(validate::base64url("x", "").unwrap(), "");
    assert_eq!(validate::base64url("x", "YQ").unwrap(), "a");
    assert!(validate::base64url("x", "Y").is_err());
}

#[test]
fn every_spec_default_is_a_valid_value() {
    for s in spec::SPECS.iter() {
        if let Some(d) = s.default {
            assert!(validate::normalize(s, d).is_ok(), "{} default {d:?}", s.name);
        }
    }
}

#[test]
fn aliases_are_unique() {
    let mut seen = std::collections::HashSet::new();
    for s in spec::SPECS.iter() {
        for n in std::iter::once(&s.name).chain(s.aliases) {
            assert!(seen.insert(*n), "{n} names two parameters");
        }
    }
}

/// Arbitrary query strings never panic, in parsing or in planning. Bounded in count and time.
#[test]
fn arbitrary_queries_never_panic() {
    let names: Vec<&str> =
        spec::SPECS.iter().flat_map(|s| std::iter::once(s.name).chain(s.aliases.iter().copied())).collect();
    let values = [
        "",
        "0",
        "1",
        "-1",
        "0.5",
        "1.5",
        "8192",
        "8193",
        "99999999999999999999",
        "nan",
        "inf",
        "1e9",
        "-0",
        "abc",
        "ff0000",
        "80ff0000",
        "red",
        "1:1",
        "0:0",
        "16:9",
        ",",
        ",,,",
        "1,2,3,4",
        "left,top,full,full",
        "%",
        "%ZZ",
        "%00",
        "+",
        "true",
        "false",
        "a-b",
        "1-",
        "-3",
        "\u{feff}",
        "é",
        "MTAw",
        "====",
    ];
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let started = std::time::Instant::now();
    let limits = crate::codec::Limits::default();
    for i in 0..20_000 {
        if started.elapsed().as_secs() > 5 {
            break;
        }
        let mut q = String::new();
        for _ in 0..(next() % 6) {
            let name = names[(next() % names.len() as u64) as usize];
            let value = if next() % 5 == 0 {
                (0..next() % 12).map(|_| char::from_u32((next() % 0x250) as u32).unwrap_or('x')).collect::<String>()
            } else {
                values[(next() % values.len() as u64) as usize].to_string()
            };
            let name = if next() % 7 == 0 { format!("{name}64") } else { name.to_string() };
            q.push_str(&format!("{name}={value}&"));
        }
        if i % 3 == 0 {
            q.push_str(&String::from_utf8_lossy(&(0..next() % 20).map(|_| (next() % 256) as u8).collect::<Vec<_>>()));
        }
        if let Ok(p) = parse(&q) {
            let _ = p.canonical_query();
            let _ = p.ignored_header();
            let src = (1 + (next() % 5000) as u32, 1 + (next() % 5000) as u32);
            let _ = crate::plan::plan(&p, src, (next() % 9) as u8, &limits);
        }
    }
}

/// docs/parameters.md is generated from the table; `IXORA_BLESS=1` rewrites it.
#[test]
fn parameters_doc_is_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/parameters.md");
    let want = docs::markdown();
    if std::env::var_os("IXORA_BLESS").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(have == want, "docs/parameters.md is stale: run `cargo run -- parameters > docs/parameters.md`");
}

/// The table matches imgix's machine-readable spec: every parameter, and the same aliases.
#[test]
fn table_matches_the_imgix_spec() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/spec/imgix-parameters.json");
    let Ok(text) = std::fs::read_to_string(path) else {
        println!("skipped: ../shared/spec/imgix-parameters.json is absent");
        return;
    };
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let params = json["parameters"].as_object().unwrap();
    let mut problems = Vec::new();
    for (name, p) in params {
        let Some(s) = spec::SPECS.iter().find(|s| s.name == name) else {
            problems.push(format!("{name}: missing from the table"));
            continue;
        };
        let mut want: Vec<String> =
            p["aliases"].as_array().into_iter().flatten().filter_map(|a| a.as_str().map(String::from)).collect();
        for (alias, target) in json["aliases"].as_object().unwrap() {
            if target == name {
                want.push(alias.clone());
            }
        }
        want.retain(|a| a != name);
        want.sort();
        want.dedup();
        let mut have: Vec<String> = s.aliases.iter().map(|a| a.to_string()).collect();
        have.sort();
        if have != want {
            problems.push(format!("{name}: aliases {have:?}, spec says {want:?}"));
        }
        if s.base64 == p["disallow_base64"].as_bool().unwrap_or(false) {
            problems.push(format!("{name}: base64 flag differs"));
        }
    }
    for s in spec::SPECS.iter() {
        if !params.contains_key(s.name) && !spec::newer_than_spec(s.name) {
            problems.push(format!("{}: not in the spec", s.name));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(params.len() + spec::SPECS.iter().filter(|s| spec::newer_than_spec(s.name)).count(), spec::SPECS.len());
}

#[test]
fn colour_and_metadata_parameters() {
    let p = parse("cs=AdobeRGB1998&dpi=300&iptc=allow&ch=Width, DPR").unwrap();
    assert_eq!(p.cs, ColourSpace::AdobeRgb1998);
    assert_eq!((p.dpi, p.iptc), (Some(300), true));
    assert_eq!(p.ch, HintSet { width: true, dpr: true, save_data: false });
    for (v, cs) in [
        ("srgb", ColourSpace::Srgb),
        ("tinysrgb", ColourSpace::TinySrgb),
        ("strip", ColourSpace::Strip),
        ("origin", ColourSpace::Origin),
    ] {
        assert_eq!(parse(&format!("cs={v}")).unwrap().cs, cs);
    }
    assert_eq!(parse("w=1").unwrap().cs, ColourSpace::Default);
    assert!(!parse("iptc=block").unwrap().iptc);
    assert_eq!(parse("dpi=0").unwrap().dpi, None);
    assert_eq!(parse("cs=cmyk").unwrap().cs, ColourSpace::Default);
    assert_eq!(strict("cs=cmyk").unwrap_err().status, 400);
    assert_eq!(parse("ch=save-data").unwrap().ch, HintSet { save_data: true, ..HintSet::default() });
}

/// imgix's forgiving values: beyond the range is drawn at the limit, and said so.
#[test]
fn out_of_range_values_are_clamped_and_reported() {
    for (q, check, reason) in [
        ("w=9000", (|p: &Params| p.w == Some(Size::Px(8192))) as fn(&Params) -> bool, "w=9000 (clamped to 8192)"),
        ("h=100000", |p| p.h == Some(Size::Px(8192)), "h=100000 (clamped to 8192)"),
        ("dpr=7", |p| p.dpr == 5.0, "dpr=7 (clamped to 5)"),
        ("q=200", |p| p.q == Some(100), "q=200 (clamped to 100)"),
        ("blur=5000", |p| p.adjust.blur == 2000.0, "blur=5000 (clamped to 2000)"),
        ("bri=-150", |p| p.adjust.bri == -100.0, "bri=-150 (clamped to -100)"),
        ("fp-x=2", |p| p.fp.x == 1.0, "fp-x=2 (clamped to 1.0)"),
        ("colors=40", |p| p.output.colors == 16, "colors=40 (clamped to 16)"),
        ("max-w=10000", |p| p.max_w == Some(8192), "max-w=10000 (clamped to 8192)"),
        ("w=100.4", |p| p.w == Some(Size::Px(100)), "w=100.4 (rounded to 100)"),
    ] {
        let p = parse(q).unwrap();
        assert!(check(&p), "{q}: {p:?}");
        let h = p.ignored_header().unwrap_or_default();
        assert_eq!(h, reason, "{q}");
        assert!(!p.is_passthrough(), "{q}");
    }
}

/// A malformed value, an unknown keyword or a negative size is dropped: the default applies.
#[test]
fn unusable_values_are_dropped_and_reported() {
    for (q, check, reason) in [
        (
            "blur=abc",
            (|p: &Params| p.adjust.blur == 0.0) as fn(&Params) -> bool,
            "blur=abc (not a number; default used)",
        ),
        ("w=abc", |p| p.w.is_none(), "w=abc (not a number; default used)"),
        ("w=-5", |p| p.w.is_none(), "w=-5 (negative; default used)"),
        ("h=0", |p| p.h.is_none(), "h=0.0 (not valid; default used)"),
        ("fit=banana", |p| p.fit == Fit::Clip, "fit=banana (expected a comma list of"),
        ("fm=bmp", |p| p.fm.is_none(), "fm=bmp (expected one of"),
        ("bg=zzz", |p| p.bg.is_none(), "bg=zzz (expected a hex colour"),
        ("lossless=maybe", |p| !p.lossless, "lossless=maybe (expected true, false, 1 or 0; default used)"),
        ("rect=1,2,3", |p| p.rect.is_none(), "rect=1,2,3 (expected 4 comma-separated values"),
        ("dpr=-1", |p| p.dpr == 1.0, "dpr=-1 (negative; default used)"),
    ] {
        let p = parse(q).unwrap();
        assert!(check(&p), "{q}: {p:?}");
        let h = p.ignored_header().unwrap_or_default();
        assert!(h.starts_with(reason), "{q}: {h}");
        // The query named an imgix parameter: it renders (at the default), like `blur=0`.
        assert!(!p.is_passthrough(), "{q}");
        assert_eq!(p.canonical_query(), "", "{q}");
        assert!(p.applied.iter().all(|(k, _)| *k != q.split('=').next().unwrap()), "{q}: {:?}", p.applied);
    }
    // Unknown items of a list are left out; the rest applies.
    let p = parse("auto=format,bogus&crop=faces,sideways").unwrap();
    assert!(p.auto_format && p.crop.faces);
    assert_eq!(p.canonical_query(), "auto=format&crop=faces");
    let h = p.ignored_header().unwrap();
    assert!(
        h.contains("auto=format,bogus (bogus left out)") && h.contains("crop=faces,sideways (sideways left out)"),
        "{h}"
    );
    // The last usable occurrence wins; a later unusable one does not undo it.
    assert_eq!(parse("w=100&w=abc").unwrap().w, Some(Size::Px(100)));
    assert_eq!(parse("w=abc&w=100").unwrap().ignored_header(), None);
}

/// Clamped values are applied as the limit: one canonical form, so one cache entry.
#[test]
fn clamped_values_share_the_canonical_form_of_the_limit() {
    for (a, b) in [
        ("w=9000", "w=8192"),
        ("dpr=7&w=10", "w=10&dpr=5"),
        ("q=200", "q=100"),
        ("blur=5000", "blur=2000"),
        ("w=10&blur=abc", "w=10"),
        ("w=10&fit=banana", "w=10&fit=clip"),
        ("auto=format,bogus", "auto=format"),
    ] {
        assert_eq!(parse(a).unwrap().canonical_query(), parse(b).unwrap().canonical_query(), "{a} vs {b}");
    }
}

#[test]
fn strict_mode_refuses_what_forgiving_mode_fixes() {
    for q in ["w=9000", "dpr=7", "q=200", "blur=abc", "fit=banana", "w=-5", "h=0", "auto=format,bogus"] {
        assert!(parse(q).is_ok(), "{q}");
        let e = strict(q).unwrap_err();
        let name = q.split('=').next().unwrap();
        assert_eq!((e.status, e.param.as_deref()), (400, Some(name)), "{q}");
        assert!(e.to_json().contains(&format!("\"param\":\"{name}\"")), "{q}");
    }
    // Valid values, ignored parameters and unwritable formats are not errors in strict mode.
    for q in ["w=100&fit=crop&q=75", "w=10&txt=hi&face-blur=40", "fm=mp4", "crop=auto", "v=2"] {
        assert_eq!(strict(q).unwrap(), parse(q).unwrap(), "{q}");
    }
}

/// What even forgiving mode refuses: imgix's own 400 (bad base64), and an unreadable `expires`
/// (a URL must not stop expiring because its timestamp is malformed).
#[test]
fn bad_base64_and_expires_are_400_in_both_modes() {
    for (q, name) in [("w64=M+Aw", "w64"), ("w64=MTAw=", "w64"), ("expires=soon", "expires")] {
        for p in [parse(q), strict(q)] {
            let e = p.unwrap_err();
            assert_eq!((e.status, e.param.as_deref()), (400, Some(name)), "{q}");
        }
    }
    assert_eq!(parse("expires=1700000000").unwrap().expires, Some(1_700_000_000));
}

/// `X-Imgix-Params`: what was applied (defaults given included), under canonical names.
#[test]
fn applied_parameters_header() {
    let p = parse("width=100&f=crop&q=75&bg-remove=true&blur=abc&fm=mp4&dpr=7").unwrap();
    assert_eq!(p.applied_header(), "dpr=5&fit=crop&q=75&w=100");
    assert_eq!(parse("").unwrap().applied_header(), "");
    assert_eq!(parse("v=2").unwrap().applied_header(), "");
    // Values are encoded so the pairs can be split again and the header stays printable.
    let p = parse("mask=https%3A%2F%2Fa.example%2Fm.png%3Fx%3D1%26y%3D2").unwrap();
    assert_eq!(p.applied_header(), "mask=https:/%2Fa.example/m.png%3Fx%3D1%26y%3D2".replace(":/%2F", "://"));
    // Reasons quote the value printable and short.
    let h = parse(&format!("blur=%0A%C3%A9{}", "x".repeat(100))).unwrap().ignored_header().unwrap();
    assert!(h.is_ascii() && !h.contains('\n') && h.contains("%0A%C3%A9") && h.len() < 120, "{h}");
}

#[test]
fn layer_families_take_the_base_parameters() {
    let p = parse(
        "mark=a.png&mark-gradient=cc000000,00000000&mark-gradient-type=radial[1]&mark-gradient-cs[1]=oklch\
         &mark[1]=b.png&mark-drop-shadow[1]=6&mark-drop-shadow-type[1]=cast&blend=c.png&blend-gradient-hue=longer\
         &blend-gradient-radial-shape=circle&mark-fade[1]=0.25",
    )
    .unwrap();
    let (m0, m1) = (&p.layers.marks[&0], &p.layers.marks[&1]);
    assert_eq!(m0.gradient.colors.as_ref().map(Vec::len), Some(2));
    assert_eq!(m1.gradient.space, ColorSpace::Oklch);
    assert_eq!((m1.shadow.blur, m1.shadow.kind), (Some(6.0), groups::ShadowType::Cast));
    assert!(m1.fade.all.is_some());
    let b = &p.layers.blends[&0];
    assert_eq!((b.gradient.hue, b.gradient.circle), (HueArc::Longer, true));
    // `mark-gradient-type=radial[1]` is not an index (it is part of the value's spelling): refused.
    assert!(!m0.gradient.radial && !m1.gradient.radial);
    // Every layer form is in the table, in its layer's category; drop-shadow-output has none.
    for name in ["mark-gradient-stops", "blend-gradient-mask", "mark-drop-shadow-falloff", "blend-fade-top"] {
        let s = spec::lookup(name).unwrap_or_else(|| panic!("{name}"));
        assert!(spec::newer_than_spec(name) && spec::documented_at(name).is_some(), "{name}");
        assert_eq!(s.category, if name.starts_with("mark") { "watermark" } else { "blending" });
    }
    assert!(spec::lookup("mark-drop-shadow-output").is_none() && spec::lookup("blend-drop-shadow").is_none());
}

#[test]
fn each_shadow_type_reads_only_its_own_parameters() {
    let p = parse("drop-shadow=5&drop-shadow-type=cast&drop-shadow-x=9&drop-shadow-azimuth=-45&drop-shadow-pose=120")
        .unwrap();
    assert_eq!((p.shadow.azimuth, p.shadow.pose), (315.0, 90.0));
    let applied: Vec<&str> = p.applied.iter().map(|(n, _)| *n).collect();
    assert!(applied.contains(&"drop-shadow-azimuth") && !applied.contains(&"drop-shadow-x"), "{applied:?}");
    assert!(!p.canonical.iter().any(|(n, _)| *n == "drop-shadow-x"));
    // Flat reads the offset and not the light; so do marks, per layer.
    let p = parse("drop-shadow=5&drop-shadow-x=9&drop-shadow-elevation=20&mark-drop-shadow[2]=3&mark-drop-shadow-type[2]=float&mark-drop-shadow-x[2]=4&mark-drop-shadow-y[2]=6").unwrap();
    let applied: Vec<&str> = p.applied.iter().map(|(n, _)| *n).collect();
    assert!(applied.contains(&"drop-shadow-x") && !applied.contains(&"drop-shadow-elevation"), "{applied:?}");
    assert!(applied.contains(&"mark-drop-shadow-y[2]") && !applied.contains(&"mark-drop-shadow-x[2]"), "{applied:?}");
    // `-mode=ai` is drawn as manual, and says so.
    let p = parse("drop-shadow=5&drop-shadow-type=cast&drop-shadow-mode=ai&mark-drop-shadow-mode[1]=ai").unwrap();
    let h = p.ignored_header().unwrap();
    assert!(h.contains("drop-shadow-mode=ai (no depth model") && h.contains("mark-drop-shadow-mode[1]=ai"), "{h}");
    assert!(p.applied.iter().any(|(n, v)| *n == "drop-shadow-mode" && v == "ai"));
    // An unknown mode or output is the default and left out.
    let p = parse("drop-shadow=5&drop-shadow-output=banana&drop-shadow-output=shadow").unwrap();
    assert!(p.shadow.shadow_only);
}
