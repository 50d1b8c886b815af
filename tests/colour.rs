//! Colour and metadata in outputs, checked by independent readers: Pillow with LittleCMS
//! (ImageCms) and ImageMagick read the embedded profiles, densities and IPTC, and convert the
//! pixels; 16-bit precision is measured against a floating-point reference.

use std::path::PathBuf;
use std::process::Command;

use ixora::codec;
use ixora::codec::Limits;
use ixora::image::Image;
use ixora::params::parse;
use moxcms::{ColorProfile, Layout, TransformOptions};

fn render(bytes: &[u8], query: &str) -> ixora::Rendered {
    ixora::render(bytes, &parse(query).unwrap(), &ixora::Accepts::default(), &Limits::default())
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

fn decode(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).unwrap();
    codec::decode(bytes, &p, (p.width, p.height), &Limits::default()).unwrap()
}

/// A smooth, saturated 96x64 picture: hues across, brightness down.
fn picture() -> Vec<u8> {
    let (w, h) = (96usize, 64usize);
    let mut rgb = Vec::with_capacity(w * h * 3);
    for y in 0..h {
        for x in 0..w {
            let t = x as f64 / (w - 1) as f64;
            let v = 0.25 + 0.75 * (1.0 - y as f64 / (h - 1) as f64);
            let c = |phase: f64| (v * 255.0 * (0.5 + 0.5 * (std::f64::consts::TAU * (t + phase)).cos())).round() as u8;
            rgb.extend_from_slice(&[c(0.0), c(1.0 / 3.0), c(2.0 / 3.0)]);
        }
    }
    rgb
}

/// A JPEG of `picture()` at q95, with extra APP segments.
fn jpeg(icc: Option<&[u8]>, app13: Option<Vec<u8>>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut e = jpeg_encoder::Encoder::new(&mut out, 95);
    e.set_sampling_factor(jpeg_encoder::SamplingFactor::F_1_1);
    if let Some(icc) = icc {
        e.add_icc_profile(icc).unwrap();
    }
    if let Some(seg) = app13 {
        e.add_app_segment(13, seg).unwrap();
    }
    e.encode(&picture(), 96, 64, jpeg_encoder::ColorType::Rgb).unwrap();
    out
}

struct Tmp(PathBuf);
impl Drop for Tmp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A fresh directory per call: tests run in parallel threads of one process.
fn tmp(name: &str) -> Tmp {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let d = std::env::temp_dir().join(format!("ixora-colour-{name}-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    Tmp(d)
}

/// Pillow's view of a file: format, size, profile description and size, DPI, IPTC caption,
/// and the pixels converted to sRGB through the embedded profile (or as they are).
const PILLOW: &str = r#"
import io, json, sys
from PIL import Image, ImageCms, IptcImagePlugin
im = Image.open(sys.argv[1])
im.load()
icc = im.info.get("icc_profile")
out = {"format": im.format, "size": list(im.size), "icc_len": len(icc) if icc else 0,
       "desc": None, "dpi": None, "iptc_caption": None}
if icc:
    p = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    out["desc"] = ImageCms.getProfileDescription(p).strip()
    rgb = ImageCms.profileToProfile(im.convert("RGB"), p, ImageCms.createProfile("sRGB"), outputMode="RGB")
else:
    rgb = im.convert("RGB")
if "dpi" in im.info:
    out["dpi"] = [round(float(v), 2) for v in im.info["dpi"]]
if im.format == "JPEG":
    info = IptcImagePlugin.getiptcinfo(im)
    if info and (2, 120) in info:
        out["iptc_caption"] = info[(2, 120)].decode("latin-1")
out["srgb"] = list(rgb.tobytes())
print(json.dumps(out))
"#;

#[derive(Debug)]
struct Seen {
    format: String,
    size: (u32, u32),
    icc_len: usize,
    desc: Option<String>,
    dpi: Option<(f64, f64)>,
    iptc_caption: Option<String>,
    srgb: Vec<u8>,
}

/// None when Pillow with LittleCMS is not installed (scripts/setup.sh installs it).
fn pillow(bytes: &[u8], name: &str) -> Option<Seen> {
    let ok = Command::new("python3").args(["-c", "import PIL.ImageCms"]).output().is_ok_and(|o| o.status.success());
    if !ok {
        println!("Pillow with ImageCms not found: skipping the independent reader");
        return None;
    }
    let dir = tmp(name);
    let path = dir.0.join(name);
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new("python3").arg("-c").arg(PILLOW).arg(&path).output().unwrap();
    assert!(out.status.success(), "Pillow on {name}: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pair = |k: &str| v[k].as_array().map(|a| (a[0].as_f64().unwrap(), a[1].as_f64().unwrap()));
    let size = pair("size").unwrap();
    Some(Seen {
        format: v["format"].as_str().unwrap().to_string(),
        size: (size.0 as u32, size.1 as u32),
        icc_len: v["icc_len"].as_u64().unwrap() as usize,
        desc: v["desc"].as_str().map(str::to_string),
        dpi: pair("dpi"),
        iptc_caption: v["iptc_caption"].as_str().map(str::to_string),
        srgb: v["srgb"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as u8).collect(),
    })
}

fn mean_abs_diff(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / a.len() as f64
}

/// `cs=srgb|tinysrgb|adobergb1998` on an untagged (sRGB) original, in JPEG, PNG and WebP:
/// Pillow finds the profile, and converting through it gives back the sRGB an untagged
/// render has. Adobe RGB numbers themselves differ from the sRGB ones.
#[test]
fn cs_profiles_are_embedded_and_read_by_pillow() {
    let original = jpeg(None, None);
    for fm in ["png", "jpg", "webp"] {
        let lossless = if fm == "webp" { "&lossless=1" } else { "" };
        let plain = render(&original, &format!("fm={fm}&q=95{lossless}"));
        let Some(reference) = pillow(&plain.body, &format!("plain.{fm}")) else { return };
        assert_eq!(reference.icc_len, 0, "{fm}: no cs, no profile");
        for (cs, desc) in [("srgb", "srgb"), ("tinysrgb", "srgb compact"), ("adobergb1998", "adobe")] {
            let r = render(&original, &format!("fm={fm}&q=95{lossless}&cs={cs}"));
            let seen = pillow(&r.body, &format!("{cs}.{fm}")).unwrap();
            assert_eq!(seen.size, (96, 64));
            let d = seen.desc.clone().unwrap_or_default().to_ascii_lowercase();
            assert!(d.contains(desc), "{fm} cs={cs}: profile {:?}", seen.desc);
            let diff = mean_abs_diff(&seen.srgb, &reference.srgb);
            // JPEG re-encodes different numbers for Adobe RGB, so its tolerance is wider.
            let tol = if fm == "jpg" && cs == "adobergb1998" { 1.5 } else { 0.8 };
            println!(
                "{fm} cs={cs}: {} byte profile {:?}, mean |Δ| {diff:.3} after LittleCMS → sRGB",
                seen.icc_len, seen.desc
            );
            assert!(diff <= tol, "{fm} cs={cs}: mean |Δ| {diff:.3} > {tol}");
            let raw = decode(&r.body);
            let raw_diff = mean_abs_diff(&raw.data, &decode(&plain.body).data);
            if cs == "adobergb1998" {
                assert!(raw_diff > 4.0, "{fm}: Adobe RGB numbers should differ from sRGB ({raw_diff:.2})");
            } else {
                assert!(raw_diff < 0.01, "{fm} cs={cs}: sRGB numbers changed ({raw_diff:.2})");
            }
        }
    }
}

/// AVIF carries the profile in a `colr` box; Pillow (libavif) reads it back.
#[test]
fn avif_carries_the_profile() {
    let original = jpeg(None, None);
    let plain = render(&original, "fm=avif&q=90");
    let Some(reference) = pillow(&plain.body, "plain.avif") else { return };
    assert_eq!((reference.format.as_str(), reference.icc_len), ("AVIF", 0));
    for (cs, desc, tol) in [("tinysrgb", "srgb compact", 0.01), ("adobergb1998", "adobe", 2.5)] {
        let r = render(&original, &format!("fm=avif&q=90&cs={cs}"));
        let seen = pillow(&r.body, &format!("{cs}.avif")).unwrap();
        let d = seen.desc.clone().unwrap_or_default().to_ascii_lowercase();
        assert!(d.contains(desc), "avif cs={cs}: profile {:?}", seen.desc);
        let diff = mean_abs_diff(&seen.srgb, &reference.srgb);
        println!("avif cs={cs}: {} byte profile, mean |Δ| {diff:.3} after LittleCMS → sRGB", seen.icc_len);
        assert!(diff <= tol, "avif cs={cs}: mean |Δ| {diff:.3} > {tol}");
    }
}

/// The profile sizes: the compact sRGB is the smallest tagged output.
#[test]
fn tinysrgb_is_smaller_than_srgb() {
    let original = jpeg(None, None);
    let size = |cs: &str| render(&original, &format!("fm=png&cs={cs}")).body.len();
    let (none, tiny, full, adobe) = (size("strip"), size("tinysrgb"), size("srgb"), size("adobergb1998"));
    println!("PNG bytes: strip {none}, tinysrgb {tiny}, srgb {full}, adobergb1998 {adobe}");
    assert!(none < tiny && tiny < full, "{none} {tiny} {full}");
}

/// ImageMagick, a second reader, names the Adobe RGB profile in a JPEG.
#[test]
fn imagemagick_reads_the_adobe_rgb_profile() {
    let r = render(&jpeg(None, None), "fm=jpg&cs=adobergb1998");
    let dir = tmp("im");
    let path = dir.0.join("adobe.jpg");
    std::fs::write(&path, &r.body).unwrap();
    let Ok(out) = Command::new("identify").args(["-format", "%[icc:description]"]).arg(&path).output() else {
        println!("ImageMagick not found: skipping");
        return;
    };
    let desc = String::from_utf8_lossy(&out.stdout).to_ascii_lowercase();
    assert!(out.status.success() && desc.contains("adobe"), "identify: {desc:?}");
}

/// `cs=origin` keeps a Display P3 original's numbers and its profile, and so does no `cs`;
/// `cs=srgb` converts to sRGB and tags it. Both look the same once Pillow colour-manages them.
/// An sRGB-tagged original keeps its profile only with `cs=origin`.
#[test]
fn cs_origin_keeps_the_original_profile() {
    let p3 = ColorProfile::new_display_p3().encode().unwrap();
    let original = jpeg(Some(&p3), None);
    let kept = render(&original, "fm=png&cs=origin");
    let x = codec::container::read(&kept.body, codec::Format::Png);
    assert_eq!(x.icc.as_deref(), Some(p3.as_slice()));
    let converted = render(&original, "fm=png&cs=srgb");
    let srgb_tag = codec::container::read(&converted.body, codec::Format::Png).icc;
    assert!(srgb_tag.is_some_and(|t| t != p3), "cs=srgb tags sRGB");
    let untouched = decode(&render(&original, "fm=png&cs=strip").body);
    assert_eq!(decode(&kept.body).data, untouched.data, "origin keeps the numbers");
    assert!(mean_abs_diff(&decode(&converted.body).data, &untouched.data) > 2.0, "srgb converts");
    // No `cs` is `origin` for a wide-gamut original: the same bytes.
    assert_eq!(render(&original, "fm=png").body, kept.body, "no cs keeps the P3 profile");
    let srgb = ColorProfile::new_srgb().encode().unwrap();
    let tagged_srgb = jpeg(Some(&srgb), None);
    let plain = render(&tagged_srgb, "fm=png");
    assert_eq!(codec::container::read(&plain.body, codec::Format::Png).icc, None, "sRGB profile dropped");
    let origin = render(&tagged_srgb, "fm=png&cs=origin");
    assert_eq!(codec::container::read(&origin.body, codec::Format::Png).icc.as_deref(), Some(srgb.as_slice()));
    assert_eq!(decode(&plain.body).data, decode(&origin.body).data, "same numbers either way");
    let (Some(a), Some(b)) = (pillow(&kept.body, "origin.png"), pillow(&converted.body, "srgb.png")) else { return };
    let diff = mean_abs_diff(&a.srgb, &b.srgb);
    assert!(diff < 1.0, "origin vs sRGB after colour management: {diff:.3}");
}

/// `dpi` lands in JPEG (JFIF) and PNG (pHYs) where Pillow reads it; pixels are unchanged.
#[test]
fn dpi_is_written() {
    let original = jpeg(None, None);
    for fm in ["jpg", "png"] {
        let r = render(&original, &format!("fm={fm}&dpi=300"));
        assert_eq!(decode(&r.body).data, decode(&render(&original, &format!("fm={fm}")).body).data);
        let fmt = if fm == "jpg" { codec::Format::Jpeg } else { codec::Format::Png };
        let (x, y) = codec::container::read(&r.body, fmt).dpi.unwrap();
        assert!((x - 300.0).abs() < 0.05 && (y - 300.0).abs() < 0.05, "{fm}: {x} {y}");
        if let Some(seen) = pillow(&r.body, &format!("dpi.{fm}")) {
            let (x, y) = seen.dpi.unwrap();
            assert!((x - 300.0).abs() < 0.05 && (y - 300.0).abs() < 0.05, "{fm}: Pillow {x} {y}");
        }
    }
}

/// `iptc=allow` keeps a JPEG original's IPTC caption in a JPEG output; by default it is
/// stripped, and non-JPEG outputs never carry it.
#[test]
fn iptc_allow_keeps_the_caption() {
    // IPTC-NAA: record 2 dataset 0 (version 4), dataset 120 (caption).
    let caption = "Harbour at dusk";
    let mut iptc = vec![0x1C, 2, 0, 0, 2, 0, 4, 0x1C, 2, 120];
    iptc.extend_from_slice(&(caption.len() as u16).to_be_bytes());
    iptc.extend_from_slice(caption.as_bytes());
    let mut app13 = b"Photoshop 3.0\0".to_vec();
    app13.extend_from_slice(b"8BIM\x04\x04\0\0");
    app13.extend_from_slice(&(iptc.len() as u32).to_be_bytes());
    app13.extend_from_slice(&iptc);
    if iptc.len() % 2 == 1 {
        app13.push(0);
    }
    let original = jpeg(None, Some(app13));
    assert_eq!(codec::container::read(&original, codec::Format::Jpeg).iptc, Some(iptc.clone()));
    let kept = render(&original, "w=48&iptc=allow");
    assert_eq!(codec::container::read(&kept.body, codec::Format::Jpeg).iptc, Some(iptc.clone()));
    let stripped = render(&original, "w=48");
    assert_eq!(codec::container::read(&stripped.body, codec::Format::Jpeg).iptc, None);
    let png = render(&original, "w=48&iptc=allow&fm=png");
    assert!(!png.body.windows(4).any(|w| w == b"8BIM"));
    if let Some(seen) = pillow(&kept.body, "iptc.jpg") {
        assert_eq!(seen.format, "JPEG");
        assert_eq!(seen.iptc_caption.as_deref(), Some(caption));
        assert_eq!(pillow(&stripped.body, "plain.jpg").unwrap().iptc_caption, None);
    }
}

/// A 16-bit ProPhoto PNG and TIFF with a dark, saturated horizontal gradient (the worst case for
/// 8-bit ProPhoto: few codes, and a conversion that stretches them). Through the service (colour
/// management, then a resize that only shrinks rows, so each column keeps its value) the
/// result is within rounding of a floating-point reference; converting 8-bit-first, as ixora
/// did before, is measurably worse and bands.
#[test]
fn sixteen_bit_prophoto_keeps_its_precision() {
    for container in ["png", "tiff"] {
        sixteen_bit_prophoto_in(container);
    }
}

fn sixteen_bit_prophoto_in(container: &str) {
    let (w, h) = (1024u32, 8u32);
    let column = |x: u32| {
        let t = f64::from(x) / f64::from(w - 1);
        [0.02 + 0.30 * t, 0.01 + 0.12 * t, 0.05 + 0.04 * t] // ProPhoto, 0–1
    };
    let samples: Vec<u16> =
        (0..h).flat_map(|_| (0..w).flat_map(|x| column(x).map(|v| (v * 65535.0).round() as u16))).collect();
    let prophoto = ColorProfile::new_pro_photo_rgb();
    let icc = prophoto.encode().unwrap();
    let mut file = Vec::new();
    if container == "png" {
        let mut info = png::Info::with_size(w, h);
        info.icc_profile = Some(std::borrow::Cow::Borrowed(&icc));
        let mut e = png::Encoder::with_info(&mut file, info).unwrap();
        e.set_color(png::ColorType::Rgb);
        e.set_depth(png::BitDepth::Sixteen);
        let bytes: Vec<u8> = samples.iter().flat_map(|v| v.to_be_bytes()).collect();
        e.write_header().unwrap().write_image_data(&bytes).unwrap();
    } else {
        use tiff::encoder::{colortype::RGB16, TiffEncoder};
        let mut out = std::io::Cursor::new(&mut file);
        let mut e = TiffEncoder::new(&mut out).unwrap();
        let mut image = e.new_image::<RGB16>(w, h).unwrap();
        image.encoder().write_tag(tiff::tags::Tag::IccProfile, &icc[..]).unwrap();
        image.write_data(&samples).unwrap();
    }

    // Reference: moxcms's floating-point transform of the exact 16-bit values.
    let srgb = ColorProfile::new_srgb();
    let f = prophoto.create_transform_f64(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default()).unwrap();
    let exact: Vec<f64> = samples[..(w * 3) as usize].iter().map(|&v| f64::from(v) / 65535.0).collect();
    let mut reference = vec![0f64; exact.len()];
    f.transform(&exact, &mut reference).unwrap();
    let reference: Vec<f64> = reference.iter().map(|v| v.clamp(0.0, 1.0) * 255.0).collect();

    // `cs=srgb`: without `cs` a ProPhoto original keeps its profile and numbers (docs/formats.md).
    let out = render(&file, "w=1024&h=4&fit=scale&fm=png&cs=srgb");
    let ours = decode(&out.body);
    assert_eq!((ours.width, ours.height), (1024, 4));
    let ours_row = &ours.data[..(w * 3) as usize];

    // The old path: 16 → 8 bits first, then an 8-bit transform.
    let t8 = prophoto.create_transform_8bit(Layout::Rgb, &srgb, Layout::Rgb, TransformOptions::default()).unwrap();
    let eight: Vec<u8> = samples[..(w * 3) as usize].iter().map(|&v| ixora::image::to_8bit(v)).collect();
    let mut old_row = vec![0u8; eight.len()];
    t8.transform(&eight, &mut old_row).unwrap();

    let error = |row: &[u8]| {
        let e: Vec<f64> = row.iter().zip(&reference).map(|(&a, &r)| (f64::from(a) - r).abs()).collect();
        (e.iter().cloned().fold(0.0, f64::max), e.iter().sum::<f64>() / e.len() as f64)
    };
    let distinct = |row: &[u8]| {
        let mut red: Vec<u8> = row.iter().step_by(3).copied().collect();
        red.dedup();
        red.len()
    };
    let (max_ours, mean_ours) = error(ours_row);
    let (max_old, mean_old) = error(&old_row);
    let mut want: Vec<u8> = reference.iter().step_by(3).map(|v| v.round() as u8).collect();
    want.dedup();
    println!(
        "{container} 16-bit path: max {max_ours:.3}, mean {mean_ours:.3}, {} red levels; 8-bit-first: max {max_old:.3}, mean {mean_old:.3}, {} red levels; reference {} levels",
        distinct(ours_row),
        distinct(&old_row),
        want.len()
    );
    assert!(max_ours <= 0.75 && mean_ours <= 0.3, "{container} 16-bit path: max {max_ours:.3}, mean {mean_ours:.3}");
    assert!(max_old > 1.0 && mean_old > 1.5 * mean_ours, "8-bit-first: max {max_old:.3}, mean {mean_old:.3}");
    // Without `cs` the profile is kept and the numbers rounded to 8 bits in ProPhoto; what a
    // colour-managed viewer then shows (moxcms's floating-point transform of those numbers).
    let kept = render(&file, "w=1024&h=4&fit=scale&fm=png");
    let kept_icc = codec::container::read(&kept.body, codec::Format::Png).icc;
    assert_eq!(kept_icc.as_deref(), Some(icc.as_slice()), "{container}: no cs keeps ProPhoto");
    let kept_row: Vec<f64> =
        decode(&kept.body).data[..(w * 3) as usize].iter().map(|&v| f64::from(v) / 255.0).collect();
    let mut shown = vec![0f64; kept_row.len()];
    f.transform(&kept_row, &mut shown).unwrap();
    let shown: Vec<u8> = shown.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
    let (max_kept, mean_kept) = error(&shown);
    println!(
        "{container} kept ProPhoto, shown as sRGB: max {max_kept:.3}, mean {mean_kept:.3}, {} red levels",
        distinct(&shown)
    );
    assert!(
        distinct(ours_row) + 5 >= want.len(),
        "{container} 16-bit path bands: {} of {} levels",
        distinct(ours_row),
        want.len()
    );
    assert!(distinct(&old_row) + 10 < want.len(), "8-bit-first should band: {} of {}", distinct(&old_row), want.len());
}

/// An animated WebP tagged Display P3: every frame is converted to sRGB, as a still is, in GIF
/// output and with `cs=srgb` (which puts the sRGB profile into the animated WebP); without `cs`
/// the WebP keeps the P3 numbers and profile. References: Pillow with
/// LittleCMS on the original's first frame, and moxcms for every frame.
#[test]
fn animated_outputs_are_colour_managed() {
    use ixora::codec::animation::{self, Frame};
    let p3 = ColorProfile::new_display_p3();
    let icc = p3.encode().unwrap();
    let (w, h) = (24u32, 16u32);
    let colours = [[200u8, 60, 40], [40, 180, 90], [90, 70, 220]];
    let frames: Vec<Frame> = colours
        .iter()
        .map(|c| Frame { image: Image::new(w, h, 3, c.repeat((w * h) as usize)), delay_ms: 100 })
        .collect();
    let lossless = codec::EncodeOptions { lossless: true, ..codec::EncodeOptions::new(codec::OutputFormat::Webp) };
    let input = animation::encode(&frames, 0, &lossless, Some(&icc)).unwrap();

    let t = p3.create_transform_8bit(Layout::Rgb, &ColorProfile::new_srgb(), Layout::Rgb, TransformOptions::default());
    let t = t.unwrap();
    let srgb: Vec<[u8; 3]> = colours
        .iter()
        .map(|c| {
            let mut out = [0u8; 3];
            t.transform(c, &mut out).unwrap();
            out
        })
        .collect();
    // The conversion is visible: red moves by more than rounding.
    assert!(srgb[0][0].abs_diff(colours[0][0]) > 8, "{:?} → {:?}", colours[0], srgb[0]);
    if let Some(seen) = pillow(&input, "p3-animated.webp") {
        assert_eq!(seen.icc_len, icc.len(), "Pillow sees the input's profile");
        let near = seen.srgb[..3].iter().zip(&srgb[0]).all(|(&a, &b)| a.abs_diff(b) <= 2);
        assert!(near, "LittleCMS {:?} vs moxcms {:?}", &seen.srgb[..3], srgb[0]);
    }

    let limits = Limits::default();
    let frames_of = |bytes: &[u8]| {
        let probe = codec::probe(bytes, &limits).unwrap();
        let mut firsts = Vec::new();
        animation::decode_frames(bytes, &probe, &limits, |_, image, _| {
            firsts.push([image.data[0], image.data[1], image.data[2]]);
            Ok(true)
        })
        .unwrap();
        firsts
    };
    let close = |got: &[[u8; 3]], tolerance: u8| {
        got.len() == srgb.len()
            && got.iter().zip(&srgb).all(|(g, s)| g.iter().zip(s).all(|(&a, &b)| a.abs_diff(b) <= tolerance))
    };
    let kept = render(&input, "fm=webp&lossless=1");
    let numbers: Vec<[u8; 3]> = colours.to_vec();
    assert_eq!(frames_of(&kept.body), numbers, "no cs: the P3 numbers");
    let x = codec::container::read(&kept.body, codec::Format::Webp);
    assert_eq!(x.icc.as_deref(), Some(icc.as_slice()), "no cs: the P3 profile");
    for (query, tolerance, tagged) in [("fm=webp&lossless=1&cs=srgb", 1, true), ("fm=gif", 2, false)] {
        let out = render(&input, query);
        let got = frames_of(&out.body);
        assert!(close(&got, tolerance), "{query}: frames {got:?}, want {srgb:?}");
        assert_eq!(out.body.windows(4).any(|b| b == b"ICCP"), tagged, "{query}: ICCP chunk");
        if tagged {
            if let Some(seen) = pillow(&out.body, "srgb-animated.webp") {
                assert!(seen.desc.as_deref().is_some_and(|d| d.contains("sRGB")), "{:?}", seen.desc);
            }
        }
    }
}

/// The Display P3 colour ring from the corpus (read from ../shared/corpus at test time; skipped
/// when absent), at w=400 without `cs`, as each format that carries a profile: the output has the
/// original's profile and the original's numbers (those of a `cs=strip` PNG, which keeps them
/// without the tag), within the lossy encoders' error; the P3 ring itself differs from what
/// `cs=srgb` gives, so a wide-gamut display still shows it (docs/formats.md).
#[test]
fn display_p3_original_keeps_its_profile_without_cs() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/wgt__P3-sRGB-color-ring.jpg");
    let Ok(original) = std::fs::read(&path) else {
        println!("skipped: {} is absent", path.display());
        return;
    };
    let icc = codec::container::read(&original, codec::Format::Jpeg).icc.expect("the ring carries Display P3");
    let numbers = decode(&render(&original, "w=400&fm=png&cs=strip").body);
    let converted = decode(&render(&original, "w=400&fm=png&cs=srgb").body);
    for (fm, format, tolerance) in [
        ("png", codec::Format::Png, 0.0),
        ("jpg", codec::Format::Jpeg, 2.0),
        ("webp", codec::Format::Webp, 2.5),
        ("avif", codec::Format::Avif, 2.5),
    ] {
        let out = render(&original, &format!("w=400&fm={fm}"));
        let got = codec::container::read(&out.body, format).icc;
        assert_eq!(got.as_deref(), Some(icc.as_slice()), "{fm}: the original's profile");
        let pixels = decode(&out.body);
        assert_eq!((pixels.width, pixels.height), (400, 400));
        let off = mean_abs_diff(&pixels.data, &numbers.data);
        println!("{fm}: mean difference from the original's numbers {off:.3}");
        assert!(off <= tolerance, "{fm}: {off:.3} from the original's numbers (tolerance {tolerance})");
        let from_srgb = mean_abs_diff(&pixels.data, &converted.data);
        assert!(from_srgb > 3.0, "{fm}: only {from_srgb:.3} from the sRGB conversion");
    }
}
