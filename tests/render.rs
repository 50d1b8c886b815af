//! The engine natively, on local-origin's generated samples: sizes, formats and pixels.

use std::sync::OnceLock;

use ixora::codec::Limits;
use ixora::codec::{self, Format};
use ixora::image::Image;
use ixora::params::parse;

fn sample(name: &'static str) -> &'static [u8] {
    static CACHE: OnceLock<std::sync::Mutex<Vec<(&'static str, &'static [u8])>>> = OnceLock::new();
    let mut cache = CACHE.get_or_init(Default::default).lock().unwrap();
    if let Some((_, b)) = cache.iter().find(|(n, _)| *n == name) {
        return b;
    }
    let bytes: &'static [u8] = Box::leak(local_origin::sample(name).expect(name).bytes.into_boxed_slice());
    cache.push((name, bytes));
    bytes
}

fn render(name: &'static str, query: &str) -> ixora::Rendered {
    let params = parse(query).unwrap();
    ixora::render(sample(name), &params, &ixora::Accepts::default(), &Limits::default())
        .unwrap_or_else(|e| panic!("{name}?{query}: {e}"))
}

fn decode(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).unwrap();
    codec::decode(bytes, &p, (p.width, p.height), &Limits::default()).unwrap()
}

fn near(px: &[u8], want: [u8; 3], tol: u8) -> bool {
    px.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= tol)
}

#[test]
fn every_sample_renders_at_w300() {
    for (name, fmt, h) in [
        ("photo.jpg", Format::Jpeg, 225),
        ("progressive.jpg", Format::Jpeg, 169),
        ("exif-6.jpg", Format::Jpeg, 400),
        ("alpha.png", Format::Png, 225),
        ("animated.gif", Format::Gif, 225),
        ("small.webp", Format::Webp, 225),
    ] {
        let r = render(name, "w=300");
        let p = codec::probe(&r.body, &Limits::default()).unwrap();
        assert_eq!((p.format, p.width, p.height), (fmt, 300, h), "{name}");
        assert_eq!((r.width, r.height), (300, h));
    }
}

/// Shrink-on-load plus Lanczos must look like an exact 8x8 box average of the full decode.
#[test]
fn resize_matches_a_box_filtered_reference() {
    let full = decode(sample("photo.jpg"));
    let (w, h) = (full.width / 8, full.height / 8);
    let mut reference = Vec::with_capacity((w * h * 3) as usize);
    for y in 0..h {
        for x in 0..w {
            for c in 0..3 {
                let mut sum = 0u32;
                for dy in 0..8 {
                    for dx in 0..8 {
                        sum += full.pixel(x * 8 + dx, y * 8 + dy)[c] as u32;
                    }
                }
                reference.push(((sum + 32) / 64) as u8);
            }
        }
    }
    let out = decode(&render("photo.jpg", "w=500&fm=png").body);
    assert_eq!((out.width, out.height), (w, h));
    let mse: f64 = out.data.iter().zip(&reference).map(|(a, b)| (*a as f64 - *b as f64).powi(2)).sum::<f64>()
        / reference.len() as f64;
    let psnr = 10.0 * (255.0f64 * 255.0 / mse).log10();
    assert!(psnr > 30.0, "PSNR {psnr:.1} dB against the box-filtered reference");
}

#[test]
fn crops_take_the_right_part_of_the_upright_image() {
    // exif-6.jpg upright: red | green over blue | white, 1200x1600.
    let img = decode(&render("exif-6.jpg", "fit=crop&w=100&h=50&crop=top").body);
    assert!(near(img.pixel(20, 20), [255, 0, 0], 40) && near(img.pixel(80, 20), [0, 255, 0], 40));
    let img = decode(&render("exif-6.jpg", "fit=crop&w=100&h=50&crop=bottom").body);
    assert!(near(img.pixel(20, 30), [0, 0, 255], 40) && near(img.pixel(80, 30), [255, 255, 255], 40));
    let img = decode(&render("exif-6.jpg", "rect=0,0,600,800&w=60").body);
    assert_eq!((img.width, img.height), (60, 80));
    assert!(near(img.pixel(30, 40), [255, 0, 0], 40), "{:?}", img.pixel(30, 40));
    let img = decode(&render("exif-6.jpg", "fit=crop&w=50&h=50&crop=focalpoint&fp-x=0.9&fp-y=0.9&fp-z=4").body);
    assert!(near(img.pixel(25, 25), [255, 255, 255], 40), "{:?}", img.pixel(25, 25));
}

#[test]
fn flips_and_orient_override() {
    let img = decode(&render("exif-6.jpg", "w=120&flip=h").body);
    assert!(near(img.pixel(30, 40), [0, 255, 0], 40), "flip=h puts green top-left");
    let img = decode(&render("exif-6.jpg", "w=120&flip=v").body);
    assert!(near(img.pixel(30, 40), [0, 0, 255], 40), "flip=v puts blue top-left");
    // orient=1 ignores the EXIF tag: the stored (sideways) image.
    let r = render("exif-6.jpg", "w=160&orient=1");
    assert_eq!((r.width, r.height), (160, 120));
}

#[test]
fn fill_pads_and_jpeg_flattens_alpha() {
    let img = decode(&render("alpha.png", "w=200&h=200&fit=fill&fill-color=00ff00&fm=jpg").body);
    assert_eq!((img.width, img.height, img.channels), (200, 200, 3));
    assert!(near(img.pixel(100, 5), [0, 255, 0], 20), "{:?}", img.pixel(100, 5));
    assert!(near(img.pixel(5, 100), [255, 255, 255], 20), "transparent corner onto white: {:?}", img.pixel(5, 100));
    assert!(near(img.pixel(100, 95), [255, 128, 0], 20), "disc {:?}", img.pixel(100, 95));
}

#[test]
fn gif_and_webp_inputs_take_their_first_frame() {
    let img = decode(&render("animated.gif", "w=320&fm=png").body);
    let bg = local_origin::samples::GIF_BACKGROUNDS[0];
    assert!(near(img.pixel(300, 10), bg, 2), "{:?} vs {bg:?}", img.pixel(300, 10));
}

#[test]
fn hostile_inputs_are_4xx() {
    let p = parse("w=100").unwrap();
    for (bytes, status) in [
        (local_origin::samples::fault_garbage(), 415),
        (local_origin::samples::fault_bomb_png(), 413),
        (sample("progressive.jpg")[..2000].to_vec(), 422),
        (Vec::new(), 415),
    ] {
        let e = ixora::render(&bytes, &p, &ixora::Accepts::default(), &Limits::default()).unwrap_err();
        assert_eq!(e.status, status, "{e}");
    }
}

fn mean_luma(img: &Image) -> f64 {
    let c = img.channels as usize;
    img.data.chunks(c).map(|p| 0.299 * p[0] as f64 + 0.587 * p[1] as f64 + 0.114 * p[2] as f64).sum::<f64>()
        / (img.width * img.height) as f64
}

#[test]
fn every_pixel_operation_changes_the_image_the_right_way() {
    let base = decode(&render("progressive.jpg", "w=240&fm=png").body);
    let base_luma = mean_luma(&base);
    for (q, check) in [
        ("bri=40", "brighter"),
        ("bri=-40", "darker"),
        ("exp=60", "brighter"),
        ("gam=50", "brighter"),
        ("shad=80", "brighter"),
        ("high=-80", "darker"),
        ("con=60", "changed"),
        ("sat=60", "changed"),
        ("vib=60", "changed"),
        ("hue=120", "changed"),
        ("sharp=80", "changed"),
        ("usm=80&usmrad=3", "changed"),
        ("nr=60&nrs=60", "changed"),
        ("blur=10", "changed"),
        ("sepia=100", "changed"),
        ("mono=ff0000", "changed"),
        ("duotone=000080,ffff00", "changed"),
        ("px=8", "changed"),
        ("htn=6", "changed"),
        ("invert=1", "changed"),
        ("auto=enhance", "changed"),
    ] {
        let out = decode(&render("progressive.jpg", &format!("w=240&fm=png&{q}")).body);
        assert_eq!((out.width, out.height), (base.width, base.height), "{q}");
        let l = mean_luma(&out);
        match check {
            "brighter" => assert!(l > base_luma + 3.0, "{q}: {l:.1} vs {base_luma:.1}"),
            "darker" => assert!(l < base_luma - 3.0, "{q}: {l:.1} vs {base_luma:.1}"),
            _ => assert!(out.data != base.data, "{q} changed nothing"),
        }
    }
    // Specific looks: greyscale, pixel blocks, blur smoothness.
    let grey = decode(&render("progressive.jpg", "w=240&fm=png&sat=-100").body);
    assert!(grey.data.chunks(3).all(|p| p[0] == p[1] && p[1] == p[2]));
    let px = decode(&render("progressive.jpg", "w=240&fm=png&px=8").body);
    assert_eq!(px.pixel(0, 0), px.pixel(7, 7));
    let roughness = |img: &Image| img.data.windows(4).map(|w| w[0].abs_diff(w[3]) as u64).sum::<u64>();
    assert!(roughness(&decode(&render("progressive.jpg", "w=240&fm=png&blur=20").body)) < roughness(&base) / 2);
}

#[test]
fn borders_padding_and_rounded_corners() {
    // exif-6.jpg upright is 1200x1600: red | green over blue | white.
    let img = decode(&render("exif-6.jpg", "w=120&border=10,00ff00&fm=png").body);
    assert_eq!((img.width, img.height), (120, 153));
    assert!(near(img.pixel(2, 2), [0, 255, 0], 0) && near(img.pixel(117, 150), [0, 255, 0], 0));
    assert!(near(img.pixel(30, 40), [255, 0, 0], 40), "{:?}", img.pixel(30, 40));
    let img = decode(&render("exif-6.jpg", "w=100&pad=10&bg=000&fm=png").body);
    assert!(near(img.pixel(3, 3), [0, 0, 0], 0));
    let img = decode(&render("exif-6.jpg", "w=100&pad=10&fm=png").body);
    assert_eq!((img.channels, img.pixel(3, 3)[3]), (4, 0), "padding without bg is transparent");
    let img = decode(&render("exif-6.jpg", "w=120&border=10,00ff00&border-radius=30&fm=png").body);
    assert_eq!(img.pixel(0, 0)[3], 0);
    assert!(near(&img.pixel(60, 2)[..3], [0, 255, 0], 0) && img.pixel(60, 2)[3] == 255);
    let img = decode(&render("exif-6.jpg", "w=120&border=10,00ff00&border-radius-inner=20&fm=png").body);
    assert!(near(&img.pixel(12, 12)[..3], [0, 255, 0], 0), "inner corner rounded: {:?}", img.pixel(12, 12));
}

#[test]
fn masks_rotation_and_transparency_grid() {
    let img = decode(&render("exif-6.jpg", "w=100&mask=ellipse&fm=png").body);
    assert_eq!(img.pixel(0, 0)[3], 0);
    assert_eq!(img.pixel(50, 66)[3], 255);
    let img = decode(&render("exif-6.jpg", "w=100&mask=ellipse&fm=jpg").body);
    assert!(near(img.pixel(1, 1), [255, 255, 255], 8), "{:?}", img.pixel(1, 1));
    let img = decode(&render("exif-6.jpg", "w=100&mask=corners&corner-radius=20&mask-bg=000&fm=png").body);
    assert!(near(&img.pixel(0, 0)[..3], [0, 0, 0], 0) && img.pixel(0, 0)[3] == 255);
    // Straighten by 180°: the white quadrant comes to the top-left.
    let img = decode(&render("exif-6.jpg", "w=120&rot=180&fm=png").body);
    assert!(near(&img.pixel(30, 40)[..3], [255, 255, 255], 40), "{:?}", img.pixel(30, 40));
    let img = decode(&render("exif-6.jpg", "w=120&rot=45&rot-type=pivot&fm=png").body);
    assert_eq!(img.pixel(0, 0)[3], 0);
    let img =
        decode(&render("alpha.png", "w=200&transparency=grid&grid-colors=ff0000,0000ff&grid-size=10&fm=png").body);
    assert_eq!(img.channels, 3);
    assert!(near(img.pixel(2, 2), [255, 0, 0], 0) && near(img.pixel(12, 2), [0, 0, 255], 0));
}

#[test]
fn trim_cuts_uniform_borders() {
    let r = render("alpha.png", "trim=alpha&fm=png");
    assert_eq!(r.width, 800);
    assert!((r.height as i32 - 502).abs() <= 4, "alpha trim kept {}x{}", r.width, r.height);
    // exif-6.jpg has a 16 px black border around its upright 1200x1600 picture.
    for q in ["trim=color&trim-color=000&trim-tol=60", "trim=auto", "trim=colorunlessalpha&trim-tol=60"] {
        let r = render("exif-6.jpg", &format!("{q}&fm=png"));
        assert!(
            (r.width as i32 - 1168).abs() <= 4 && (r.height as i32 - 1568).abs() <= 4,
            "{q}: {}x{}",
            r.width,
            r.height
        );
    }
    let r = render("exif-6.jpg", "trim=color&trim-color=000&trim-tol=60&trim-pad=10&w=0.5&fm=png");
    assert!((r.width as i32 - 594).abs() <= 4, "trim then w=0.5: {}", r.width);
}

#[test]
fn entropy_and_edges_crops_find_the_detail() {
    // 400x200 flat grey with fine noise in the right quarter.
    let mut img = Image::filled(400, 200, 3, [120, 120, 120, 255]);
    let mut seed = 1u32;
    for y in 0..200 {
        for x in 300..400 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let v = (seed >> 16) as u8;
            let i = (y * 400 + x) * 3;
            img.data[i..i + 3].copy_from_slice(&[v, v / 2, 255 - v]);
        }
    }
    let options = codec::EncodeOptions {
        format: codec::OutputFormat::Png,
        quality: 90,
        progressive: false,
        chroma: codec::ChromaSubsampling::Yuv444,
        lossless: true,
        colors: None,
    };
    let png = codec::encode(&img, &options).unwrap();
    let spread = |q: &str| {
        let out = ixora::render(&png, &parse(q).unwrap(), &ixora::Accepts::default(), &Limits::default()).unwrap();
        let o = decode(&out.body);
        let (min, max) = o.data.iter().fold((255u8, 0u8), |(a, b), &v| (a.min(v), b.max(v)));
        max - min
    };
    assert!(spread("w=100&h=100&fit=crop&fm=png&crop=left") < 5, "left is flat");
    for q in ["crop=entropy", "crop=edges", "crop=faces,entropy"] {
        assert!(spread(&format!("w=100&h=100&fit=crop&fm=png&{q}")) > 100, "{q} should land on the detail");
    }
}

#[test]
fn fill_modes_blur_clamp_and_gradients() {
    // exif-6.jpg is upright 1200x1600, so a 300x300 fill leaves bands left and right.
    let img = decode(&render("exif-6.jpg", "w=300&h=300&fit=fill&fill=blur&fm=png").body);
    assert_eq!((img.width, img.height, img.channels), (300, 300, 3));
    assert!(!near(img.pixel(5, 150), [255, 255, 255], 10), "blurred backdrop, not blank: {:?}", img.pixel(5, 150));
    let img = decode(&render("exif-6.jpg", "w=300&h=300&fit=clamp&fm=png").body);
    assert!(near(img.pixel(2, 50), [0, 0, 0], 60), "clamp extends the black edge: {:?}", img.pixel(2, 50));
    let img = decode(
        &render("exif-6.jpg", "w=300&h=300&fit=fill&fill=gradient&fill-gradient-linear=ff0000,0000ff&fm=png").body,
    );
    assert!(
        near(img.pixel(2, 1), [255, 0, 0], 4) && near(img.pixel(2, 298), [0, 0, 255], 4),
        "{:?} {:?}",
        img.pixel(2, 1),
        img.pixel(2, 298)
    );
    let q = "w=300&h=300&fit=fill&fill=gradient&fill-gradient-type=radial&fill-gradient-radial=ffffff,000000&fm=png";
    let img = decode(&render("exif-6.jpg", q).body);
    assert!(near(img.pixel(0, 0), [0, 0, 0], 4), "radial edge {:?}", img.pixel(0, 0));
}

/// When the decode the output needs is over the memory budget but one DCT scale smaller fits,
/// ixora decodes smaller and enlarges slightly instead of refusing.
#[test]
fn over_budget_decodes_one_scale_smaller() {
    let limits = Limits { max_decode_bytes: 40 * 1024 * 1024, ..Limits::default() };
    let r = ixora::render(sample("photo.jpg"), &parse("w=3000").unwrap(), &ixora::Accepts::default(), &limits).unwrap();
    assert_eq!((r.width, r.height), (3000, 2250));
    let tiny = Limits { max_decode_bytes: 4 * 1024 * 1024, ..Limits::default() };
    assert_eq!(
        ixora::render(sample("photo.jpg"), &parse("w=3000").unwrap(), &ixora::Accepts::default(), &tiny)
            .unwrap_err()
            .status,
        413
    );
}

/// border-stroke-size/-color: an outline along the outer edge of image + border, inside the
/// canvas; transparent by default, so a size alone draws nothing.
#[test]
fn border_stroke_outlines_the_outer_edge() {
    // Upright exif-6.jpg at w=120: 120x160, red top-left quadrant inside a 2 px black border.
    let plain = decode(&render("exif-6.jpg", "w=120&border=10,00ff00&fm=png").body);
    let img = decode(
        &render("exif-6.jpg", "w=120&border=10,00ff00&border-stroke-size=3&border-stroke-color=0000ff&fm=png").body,
    );
    assert_eq!((img.width, img.height), (plain.width, plain.height), "the stroke adds no size");
    for (x, y) in [(0, 0), (2, 60), (60, 2), (119, 100), (60, 152)] {
        assert!(near(img.pixel(x, y), [0, 0, 255], 0), "({x},{y}) {:?}", img.pixel(x, y));
    }
    assert!(near(img.pixel(3, 60), [0, 255, 0], 0), "the border goes on inside the stroke");
    assert_eq!(img.pixel(30, 40), plain.pixel(30, 40), "the picture is untouched");
    let invisible = decode(&render("exif-6.jpg", "w=120&border=10,00ff00&border-stroke-size=3&fm=png").body);
    assert_eq!(invisible, plain, "default stroke colour is transparent");
    // Without a border the outline is on the picture's own edge; it follows rounded corners.
    let img = decode(&render("exif-6.jpg", "w=120&border-stroke-size=2&border-stroke-color=ff00ff00&fm=png").body);
    assert!(near(img.pixel(60, 1), [0, 255, 0], 0), "{:?}", img.pixel(60, 1));
    assert!(near(img.pixel(30, 6), [255, 0, 0], 40), "{:?}", img.pixel(30, 6));
    let img = decode(
        &render(
            "exif-6.jpg",
            "w=120&border=10,00ff00&border-radius=30&border-stroke-size=3&border-stroke-color=0000ff&fm=png",
        )
        .body,
    );
    assert_eq!(img.pixel(0, 0)[3], 0, "outside the rounded corner stays transparent");
    assert!(near(&img.pixel(60, 1)[..3], [0, 0, 255], 0) && img.pixel(60, 1)[3] == 255);
    assert!(near(&img.pixel(9, 9)[..3], [0, 0, 255], 60), "the stroke bends with the corner: {:?}", img.pixel(9, 9));
}

/// mask=<url>: the mask image's luminance times its alpha, stretched over the picture, is what
/// stays visible; the rest becomes mask-bg (transparent by default).
#[test]
fn image_masks_use_luminance_and_alpha() {
    // 4x2 mask: left half white, right half black; stretched over 120x160.
    let mut px = Vec::new();
    for _y in 0..2 {
        for x in 0..4 {
            px.extend_from_slice(if x < 2 { &[255, 255, 255] } else { &[0, 0, 0] });
        }
    }
    let png = codec::EncodeOptions::new(codec::OutputFormat::Png);
    let mask = codec::encode(&Image::new(4, 2, 3, px), &png).unwrap();
    let with = |query: &str| {
        let assets = ixora::Assets { mask: Some(mask.clone()), ..Default::default() };
        let out = ixora::render_with(
            sample("exif-6.jpg"),
            &parse(query).unwrap(),
            &ixora::Accepts::default(),
            &Limits::default(),
            &assets,
        );
        decode(&out.unwrap().body)
    };
    let img = with("w=120&mask=/masks/half.png&fm=png");
    assert_eq!((img.width, img.height, img.channels), (120, 160, 4));
    assert_eq!(img.pixel(10, 40)[3], 255);
    assert!(near(&img.pixel(10, 40)[..3], [255, 0, 0], 40), "the visible half keeps its colours");
    assert_eq!(img.pixel(110, 40)[3], 0);
    let img = with("w=120&mask=/masks/half.png&mask-bg=00ff00&fm=png");
    assert!(near(img.pixel(110, 40), [0, 255, 0], 0) && img.pixel(110, 40)[3] == 255);

    // Without the fetched image the request is refused, naming the parameter.
    let err = ixora::render(
        sample("exif-6.jpg"),
        &parse("w=120&mask=/m.png").unwrap(),
        &ixora::Accepts::default(),
        &Limits::default(),
    )
    .unwrap_err();
    assert_eq!((err.status, err.param.as_deref()), (400, Some("mask")));
    // A mask that is not an image is a 400 naming it too.
    let assets = ixora::Assets { mask: Some(b"not an image".to_vec()), ..Default::default() };
    let err = ixora::render_with(
        sample("exif-6.jpg"),
        &parse("w=120&mask=/m.png").unwrap(),
        &ixora::Accepts::default(),
        &Limits::default(),
        &assets,
    )
    .unwrap_err();
    assert_eq!((err.status, err.param.as_deref()), (400, Some("mask")));
}

/// `resize-filter`: nearest keeps hard blocks when enlarging, the convolution filters blend the
/// edge (Lanczos lobes overshoot, bilinear does not), and an unknown name is the default.
#[test]
fn resize_filters_choose_the_kernel() {
    // logo.svg at 100 px: red left half, blue top-right, transparent bottom-right; drawn small
    // and enlarged, so the filter decides the edge at x = 200.
    let at = |filter: &str| decode(&render("logo.svg", &format!("w=10&fm=png&{filter}")).body);
    let small = at("");
    assert_eq!((small.width, small.height), (10, 10));
    let enlarged = |filter: &str| {
        let png = render("logo.svg", "w=10&fm=png").body;
        let params = parse(&format!("w=400&fm=png&{filter}")).unwrap();
        decode(&ixora::render(&png, &params, &ixora::Accepts::default(), &Limits::default()).unwrap().body)
    };
    let nearest = enlarged("resize-filter=nearest");
    // Blocks of 40 px: the edge between the red and blue columns is one step.
    assert_eq!(&nearest.pixel(195, 20)[..3], &[255, 0, 0]);
    assert_eq!(&nearest.pixel(205, 20)[..3], &[0, 0, 255]);
    let bilinear = enlarged("resize-filter=linear");
    let mid = bilinear.pixel(200, 20);
    assert!(mid[0] > 60 && mid[0] < 200 && mid[2] > 60 && mid[2] < 200, "bilinear edge {mid:?}");
    let (l2, l3) = (enlarged("resize-filter=lanczos2"), enlarged("resize-filter=lanczos3"));
    assert_ne!(l2.data, l3.data, "two and three lobes differ");
    assert_eq!(enlarged("resize-filter=banana").data, enlarged("").data, "unknown is the default");
    assert_eq!(enlarged("resize-filter=photo").data, l3.data, "photo is lanczos3");
}

/// `face-pixel` and `face-blur` on the corpus portrait (skipped when ../shared is absent): the
/// face box found by `faces=1` changes, the far corners do not; pixelation leaves flat cells.
#[test]
fn faces_are_pixelated_or_blurred_in_place() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus/pil__hopper_orientation_6.webp");
    let Ok(bytes) = std::fs::read(path) else {
        println!("skipped: {path} is absent");
        return;
    };
    let run = |q: &str| {
        let params = parse(q).unwrap();
        ixora::render(&bytes, &params, &ixora::Accepts::default(), &Limits::default()).unwrap()
    };
    let json: serde_json::Value = serde_json::from_slice(&run("fm=json&faces=1").body).unwrap();
    let face = &json["Faces"][0]["bounds"];
    let (fx, fy, fw, fh) = (
        face["x"].as_f64().unwrap(),
        face["y"].as_f64().unwrap(),
        face["width"].as_f64().unwrap(),
        face["height"].as_f64().unwrap(),
    );
    let plain = decode(&run("fm=png").body);
    let centre = ((fx + fw / 2.0) as u32, (fy + fh / 2.0) as u32);
    let diff = |a: &Image, b: &Image, (x, y): (u32, u32)| {
        a.pixel(x, y).iter().zip(b.pixel(x, y)).map(|(p, q)| p.abs_diff(*q) as u32).sum::<u32>()
    };
    let pixelated = decode(&run("fm=png&face-pixel=100").body);
    let blurred = decode(&run("fm=png&face-blur=100").body);
    for img in [&pixelated, &blurred] {
        assert_eq!((img.width, img.height), (plain.width, plain.height));
        assert_eq!(img.pixel(0, 0), plain.pixel(0, 0), "a corner far from the face changed");
        assert_eq!(img.pixel(img.width - 1, img.height - 1), plain.pixel(plain.width - 1, plain.height - 1));
        let changed = (0..20).filter(|k| diff(img, &plain, (fx as u32 + fw as u32 * k / 20, centre.1)) > 6).count();
        assert!(changed >= 10, "only {changed}/20 points across the face changed");
    }
    // Pixel cells of half the face's shorter side: neighbours inside a cell are equal.
    let cell = (fw.min(fh) * 0.5) as u32;
    let (x0, y0) = (fx as u32 + 1, fy as u32 + 1);
    assert_eq!(pixelated.pixel(x0, y0), pixelated.pixel(x0 + cell / 2, y0 + cell / 2));
}

/// `gradient`: a scrim from transparent to 80 % black runs top to bottom by default; a bad colour
/// list draws nothing; `gradient-mask` fades the picture itself; `fill-gradient-cs` changes the
/// fill's midpoint.
#[test]
fn gradients_draw_over_the_picture() {
    let plain = decode(&render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png").body);
    let scrim = decode(&render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png&gradient=00000000,cc000000").body);
    let luma = |img: &Image, y: u32| (0..img.width).map(|x| img.pixel(x, y)[1] as f64).sum::<f64>() / img.width as f64;
    assert!((luma(&scrim, 0) - luma(&plain, 0)).abs() < 2.0, "the top is untouched");
    let (p, s) = (luma(&plain, 199), luma(&scrim, 199));
    assert!((s - p * 0.2).abs() < 4.0, "the bottom row is 80 % black: {s:.1} vs {p:.1}");
    let bad = decode(&render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png&gradient=000,zzz").body);
    assert_eq!(bad.data, plain.data, "a bad colour list draws nothing");
    let sideways = decode(
        &render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png&gradient=00000000,ff000000&gradient-angle=90").body,
    );
    assert!(sideways.pixel(299, 100)[1] < 3 && sideways.pixel(0, 100) == plain.pixel(0, 100));
    let masked = decode(
        &render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png&gradient=ffffffff,00ffffff&gradient-mask=true").body,
    );
    assert_eq!(masked.channels, 4);
    assert!(masked.pixel(150, 0)[3] > 250 && masked.pixel(150, 199)[3] < 3);
    assert_eq!(&masked.pixel(150, 0)[..3], &plain.pixel(150, 0)[..3]);
    let vignette = decode(&render("photo-2mp.jpg", "w=300&h=200&fit=crop&fm=png&gradient=00000000,ff000000&gradient-type=radial&gradient-radial-size=closest-side").body);
    assert!(
        near(vignette.pixel(150, 100), plain.pixel(150, 100).try_into().unwrap(), 2),
        "a vignette leaves the centre"
    );
    assert!(vignette.pixel(1, 1)[1] < 3, "and blacks out the corners");
    let fill = |cs: &str| {
        decode(&render("exif-6.jpg", &format!("w=300&h=100&fit=fill&fill=gradient&fill-gradient-linear=000000,ffffff&fill-gradient-linear-direction=left&fm=png{cs}")).body)
    };
    let (srgb, linear) = (fill(""), fill("&fill-gradient-cs=linear"));
    // 7 % of the way from black to white: sRGB values give ~18, linear light ~74.
    let (a, b) = (i32::from(srgb.pixel(20, 50)[0]), i32::from(linear.pixel(20, 50)[0]));
    assert!((a - 18).abs() <= 4 && (b - 74).abs() <= 6, "srgb {a}, linear {b}");
}

/// `drop-shadow`: the canvas grows three blurs per side (× dpr), the shadow follows the alpha,
/// JPEG fills the new area with white; inset keeps the size; a negative blur draws nothing.
#[test]
fn drop_shadows_grow_the_canvas_and_follow_the_alpha() {
    let size = |q: &str| {
        let r = render("photo-2mp.jpg", q);
        (r.width, r.height)
    };
    assert_eq!(size("w=500&fm=png&drop-shadow=10"), (560, 393));
    assert_eq!(size("w=150&dpr=2&fm=png&drop-shadow=10"), (420, 320), "twice w=150 with its shadow");
    assert_eq!(size("w=500&fm=png&drop-shadow=10&drop-shadow-type=inset"), (500, 333));
    assert_eq!(size("w=500&fm=png&drop-shadow=-4"), (500, 333));
    assert_eq!(size("w=500&fm=png&drop-shadow=150"), (1100, 933), "drawn at 100");
    // alpha.png: a disc. Its shadow offset down-right darkens below-right of the disc only.
    let img = decode(&render("alpha.png", "w=400&fm=png&drop-shadow=4&drop-shadow-x=20&drop-shadow-y=20").body);
    let (m, off) = (12 + 8, 20);
    // The disc's bottom-right edge is near (200+70, 140+70) on the 400 px render.
    let below = img.pixel(200 + 100 + m, 140 + 100 + m)[3];
    let above = img.pixel(200 - 100 + m - off, 140 - 100 + m - off)[3];
    assert!(below > above + 40, "shadow alpha below-right {below}, above-left {above}");
    let jpeg = decode(&render("alpha.png", "w=400&fm=jpg&drop-shadow=4").body);
    assert!(near(jpeg.pixel(1, 1), [255, 255, 255], 3), "jpeg margin {:?}", jpeg.pixel(1, 1));
}
