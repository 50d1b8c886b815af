use super::*;
use crate::params::parse;

fn out(src: (u32, u32), query: &str) -> (u32, u32) {
    plan(&parse(query).unwrap(), src, 1, &Limits::default()).unwrap().canvas
}

/// Source size, query, expected output size. Rows marked "imgix" are imgix's own examples.
#[test]
fn output_sizes() {
    let rows: &[((u32, u32), &str, (u32, u32))] = &[
        ((300, 200), "fit=clip&w=100&h=100", (100, 67)),    // imgix
        ((300, 200), "w=100&h=100", (100, 67)),             // clip is the default
        ((300, 200), "fit=crop&w=300&h=100", (300, 100)),   // imgix
        ((900, 270), "ar=9:1&fit=crop", (900, 100)),        // imgix
        ((1000, 800), "w=280&ar=2:1&fit=crop", (280, 140)), // imgix
        ((2725, 2225), "w=320", (320, 261)),                // derived side rounds to nearest
        ((2725, 2225), "h=261", (320, 261)),
        ((1000, 500), "dpr=2&w=200", (400, 200)), // imgix: dpr multiplies
        ((1000, 500), "dpr=2&w=200&h=200&fit=crop", (400, 400)),
        ((300, 200), "fit=max&w=1000&h=1000", (300, 200)), // max never upscales
        ((300, 200), "fit=max&w=150", (150, 100)),
        ((300, 200), "fit=clip&w=600", (600, 400)),      // clip does
        ((300, 200), "fit=min&w=600&h=600", (200, 200)), // min keeps the ratio, never exceeds the source
        ((300, 200), "fit=min&w=100&h=50", (100, 50)),
        ((300, 200), "fit=min&w=900&h=300", (300, 100)),
        ((300, 200), "fit=scale&w=50&h=100", (50, 100)), // stretches
        ((300, 200), "fit=fill&w=100&h=100", (100, 100)),
        ((300, 200), "fit=fillmax&w=1000&h=500", (1000, 500)),
        ((300, 200), "fit=fillmax&w=400&h=400&fill-max=source", (300, 200)), // imgix's fill-max table
        ((300, 200), "fit=fillmax&w=400&h=150&fill-max=SOURCE", (300, 150)), // imgix
        ((300, 200), "fit=fillmax&w=400&fill-max=source", (300, 200)),       // imgix
        ((532, 800), "fit=fillmax&w=800&h=800&fill-max=source", (532, 800)), // imgix
        ((4200, 2800), "fit=fillmax&w=400&h=400&fill-max=source", (400, 400)), // imgix: nothing to cap
        ((300, 200), "fit=fillmax&w=400&h=400&fill-max=other", (400, 400)),  // other values are ignored
        ((300, 200), "fit=fill&w=400&h=400&fill-max=source", (400, 400)),    // only with fillmax
        ((300, 200), "fit=fillmax&w=200&h=200&dpr=2&fill-max=source", (300, 200)), // capped in output px
        ((1000, 500), "fit=fillmax&w=400&h=400&rect=0,0,300,200&fill-max=source", (300, 200)), // after rect
        ((300, 200), "fit=facearea,fillmax&w=400&h=400&fill-max=source", (300, 200)), // the fallback too
        ((300, 200), "fit=fill&w=100", (100, 67)),
        ((1000, 500), "w=0.5", (500, 250)), // fraction of the source
        ((1000, 500), "h=0.1", (100, 50)),
        ((1000, 500), "w=1", (1000, 500)),
        ((1000, 500), "", (1000, 500)),
        ((1000, 500), "rect=100,100,200,100", (200, 100)),
        ((1000, 500), "rect=100,100,200,100&w=100", (100, 50)),
        ((1000, 500), "rect=0.5,0,0.5,1.0", (500, 500)),
        ((1000, 500), "rect=center,middle,full,100", (1000, 100)),
        ((400, 1000), "fit=crop&h=200&max-w=1200", (80, 200)), // imgix: narrower stays uncropped
        ((400, 1000), "fit=crop&h=200&max-w=50", (50, 200)),
        ((400, 1000), "fit=crop&h=200&min-w=300", (300, 200)), // imgix: expands to min-w
        ((300, 200), "fit=crop&w=100&min-h=150", (100, 150)),
        ((20000, 100), "w=0.5", (8192, 41)), // no side over 8192
        ((100, 100), "w=8192&h=100&fit=scale&dpr=2", (8192, 100)),
    ];
    for &(src, q, want) in rows {
        assert_eq!(out(src, q), want, "{}x{} ?{q}", src.0, src.1);
    }
}

#[test]
fn crop_anchors_and_focal_point() {
    let region = |q: &str| plan(&parse(q).unwrap(), (300, 200), 1, &Limits::default()).unwrap().region;
    let r = region("fit=crop&w=100&h=100");
    assert_eq!((r.x, r.y, r.w, r.h), (50.0, 0.0, 200.0, 200.0));
    assert_eq!(region("fit=crop&w=100&h=100&crop=left").x, 0.0);
    assert_eq!(region("fit=crop&w=100&h=100&crop=right").x, 100.0);
    assert_eq!(region("fit=crop&w=100&h=100&crop=top,left").x, 0.0);
    let r = region("fit=crop&w=300&h=100&crop=bottom");
    assert_eq!((r.y, r.h), (100.0, 100.0));
    assert_eq!(region("fit=crop&w=300&h=100&crop=top").y, 0.0);
    // Focal point centres the crop on (fp-x, fp-y), clamped to the image.
    assert_eq!(region("fit=crop&w=100&h=100&crop=focalpoint&fp-x=0.9").x, 100.0);
    assert_eq!(region("fit=crop&w=100&h=100&crop=focalpoint&fp-x=0.4").x, 20.0);
    // fp-z zooms in: a 2x zoom halves the source box.
    let r = region("fit=crop&w=100&h=100&crop=focalpoint&fp-z=2&fp-x=0.5&fp-y=0.5");
    assert_eq!((r.x, r.y, r.w, r.h), (100.0, 50.0, 100.0, 100.0));
}

#[test]
fn orientation_swaps_sides_and_orient_overrides() {
    let p = plan(&parse("w=300").unwrap(), (1600, 1200), 6, &Limits::default()).unwrap();
    assert_eq!((p.orientation, p.source, p.canvas), (6, (1200, 1600), (300, 400)));
    let p = plan(&parse("w=300&orient=1").unwrap(), (1600, 1200), 6, &Limits::default()).unwrap();
    assert_eq!((p.orientation, p.canvas), (1, (300, 225)));
    let p = plan(&parse("w=300&orient=90").unwrap(), (1600, 1200), 1, &Limits::default()).unwrap();
    assert_eq!((p.orientation, p.canvas), (6, (300, 400)));
}

#[test]
fn fill_centres_the_image_on_the_canvas() {
    let p = plan(&parse("fit=fill&w=100&h=100&fill-color=red").unwrap(), (300, 200), 1, &Limits::default()).unwrap();
    assert_eq!((p.resize, p.canvas, p.offset), ((100, 67), (100, 100), (0, 16)));
    assert_eq!(p.canvas_color, Color::parse("red").unwrap());
    let p = plan(&parse("fit=fillmax&w=500&h=500").unwrap(), (300, 200), 1, &Limits::default()).unwrap();
    assert_eq!((p.resize, p.canvas, p.offset), ((300, 200), (500, 500), (100, 150)));
}

#[test]
fn decode_size_is_what_the_output_needs() {
    let p = plan(&parse("w=400").unwrap(), (4000, 3000), 1, &Limits::default()).unwrap();
    assert_eq!(p.decode_size(), (400, 300));
    let p = plan(&parse("w=100&h=100&fit=crop").unwrap(), (4000, 3000), 1, &Limits::default()).unwrap();
    assert_eq!(p.decode_size(), (134, 100));
    let p = plan(&parse("w=4000").unwrap(), (4000, 3000), 1, &Limits::default()).unwrap();
    assert_eq!(p.decode_size(), (4000, 3000));
    // Upscaling: a raster decodes at its own size, a vector is drawn at the output's.
    let p = plan(&parse("w=2000").unwrap(), (100, 50), 1, &Limits::default()).unwrap();
    assert_eq!((p.decode_size(), p.render_size()), ((100, 50), (2000, 1000)));
    // A crop of the left half at 400x400 needs the whole source drawn at 800 wide.
    let p = plan(&parse("rect=0,0,50,50&w=400").unwrap(), (100, 50), 1, &Limits::default()).unwrap();
    assert_eq!((p.decode_size(), p.render_size()), ((100, 50), (800, 400)));
}

#[test]
fn outputs_over_the_pixel_budget_are_sized_down_keeping_their_shape() {
    let limits = Limits::default();
    let p = plan(&parse("w=8000&h=8000&fit=scale").unwrap(), (100, 100), 1, &limits).unwrap();
    assert_eq!(p.sized_down, Some((8000, 8000)));
    assert_eq!(p.canvas, (4096, 4096));
    assert!(p.canvas.0 as u64 * p.canvas.1 as u64 <= limits.max_output_pixels);
    // js-core's top width on a 12 MP photo, and a dpr of 5: the same shape, within the budget.
    for (q, stored) in [("w=4800", (4000, 3000)), ("w=1000&dpr=5", (4000, 3000)), ("w=8192", (3082, 2048))] {
        let p = plan(&parse(q).unwrap(), stored, 1, &limits).unwrap();
        let (w, h) = p.canvas;
        assert!(p.sized_down.is_some(), "{q}");
        assert!(w as u64 * h as u64 <= limits.max_output_pixels && w.max(h) <= 8192, "{q}: {w}x{h}");
        let ratio = |(a, b): (u32, u32)| a as f64 / b as f64;
        assert!((ratio(p.canvas) - ratio(p.sized_down.unwrap())).abs() < 0.002, "{q}: {w}x{h}");
        assert_eq!(p.resize, p.canvas, "{q}");
    }
    // Upscaling a 12 MP photo past its own width holds the decoded source, the resizer's
    // intermediate and the output at once: sized down to what the heap holds.
    let p = plan(&parse("w=4400").unwrap(), (4000, 3000), 1, &limits).unwrap();
    assert!(p.sized_down == Some((4400, 3300)) && p.working_bytes() <= limits.max_working_bytes);
    assert!(p.canvas.0 >= 3500 && p.canvas.0 < 4400, "{:?}", p.canvas);
    // PNG and AVIF encoders hold more per output pixel than JPEG: their outputs fit that too.
    use crate::codec::OutputFormat;
    let with = |f: OutputFormat| Limits { encoder_bytes_per_pixel: f.encoder_bytes_per_pixel(), ..limits };
    let sized = |q: &str, l: &Limits| plan(&parse(q).unwrap(), (4000, 3000), 1, l).unwrap().sized_down.is_some();
    assert!(!sized("w=3500", &limits) && sized("w=3500", &with(OutputFormat::Png)));
    assert!(!sized("w=2000", &with(OutputFormat::Png)) && sized("w=3000", &with(OutputFormat::Png)));
    assert!(sized("w=2000", &with(OutputFormat::Avif)) && !sized("w=1500", &with(OutputFormat::Avif)));
    // A wide strip enlarged from a crop holds only the crop's rows in the resizer.
    let p = plan(&parse("w=9000&h=101&fit=crop").unwrap(), (4000, 3000), 1, &limits).unwrap();
    assert_eq!((p.canvas, p.sized_down), ((8192, 101), None));
    // Within the limits nothing changes.
    let p = plan(&parse("w=4000").unwrap(), (4000, 3000), 1, &limits).unwrap();
    assert_eq!((p.canvas, p.sized_down), ((4000, 3000), None));
    // Padding shrinks with the image.
    let p = plan(&parse("w=6000&pad=100").unwrap(), (4000, 3000), 1, &limits).unwrap();
    assert_eq!(p.sized_down, Some((6000, 4550)));
    assert_eq!(p.canvas.0 - p.resize.0, p.canvas.1 - p.resize.1, "the padding stays even");
    assert!(p.canvas.0 as u64 * p.canvas.1 as u64 <= limits.max_output_pixels);
}

#[test]
fn padding_and_borders_add_to_the_size_or_fit_inside_it() {
    let p = |q: &str| plan(&parse(q).unwrap(), (300, 200), 1, &Limits::default()).unwrap();
    let r = p("pad=10");
    assert_eq!((r.resize, r.canvas, r.offset), ((300, 200), (320, 220), (10, 10)));
    let r = p("w=300&pad=10");
    assert_eq!((r.resize, r.canvas, r.offset), ((280, 187), (300, 207), (10, 10)));
    let r = p("pad-left=20&pad-top=5");
    assert_eq!((r.canvas, r.offset), ((320, 205), (20, 5)));
    let r = p("fit=fill&w=100&h=100&border=5,ff0000");
    assert_eq!((r.resize, r.canvas, r.offset), ((90, 60), (100, 100), (5, 20)));
    let r = p("w=150&border=4,000&pad=6&border-left=0");
    assert_eq!((r.canvas.0, r.offset), (150, (6, 10)));
    assert_eq!(r.frame.border, [4, 4, 4, 0]);
    let r = p("fit=crop&w=100&h=100&pad=10");
    assert_eq!((r.resize, r.canvas), ((80, 80), (100, 100)));
}

fn face(x: f64, y: f64, w: f64, h: f64) -> Face {
    Face { x, y, w, h, score: 10.0 }
}

/// fit=facearea: query, faces, expected region (x, y, w, h) in a 1000x800 source.
#[test]
fn face_areas() {
    let within = Region { x: 0.0, y: 0.0, w: 1000.0, h: 800.0 };
    let two = [face(100.0, 100.0, 100.0, 100.0), face(600.0, 300.0, 50.0, 50.0)];
    let rows: &[(&str, &[Face], (f64, f64, f64, f64))] = &[
        // One face, tight: its box.
        ("fit=facearea&w=100&h=100", &two[..1], (100.0, 100.0, 100.0, 100.0)),
        // facepad scales about the centre (150, 150).
        ("fit=facearea&w=100&h=100&facepad=2", &two[..1], (50.0, 50.0, 200.0, 200.0)),
        // A wide output widens the box around its centre.
        ("fit=facearea&w=400&h=100&facepad=2", &two[..1], (0.0, 50.0, 800.0, 200.0)),
        // All faces: their union, 550x250, heightened to 1:1 and moved inside the image.
        ("fit=facearea&w=100&h=100", &two, (100.0, 0.0, 550.0, 550.0)),
        // faceindex picks one (largest first is the caller's order).
        ("fit=facearea&w=100&h=100&faceindex=2", &two, (600.0, 300.0, 50.0, 50.0)),
        // An index past the end means all faces.
        ("fit=facearea&w=100&h=100&faceindex=3", &two, (100.0, 0.0, 550.0, 550.0)),
        // Without a fixed ratio the padded box keeps its own.
        ("fit=facearea&w=100&facepad=1.5", &two[1..], (587.5, 287.5, 75.0, 75.0)),
        // Larger than the image: shrunk with its ratio kept.
        ("fit=facearea&w=100&h=100&facepad=20", &two[..1], (0.0, 0.0, 800.0, 800.0)),
    ];
    for (query, faces, want) in rows {
        let r = face_area(&parse(query).unwrap(), faces, within).unwrap();
        let got = (r.x, r.y, r.w, r.h);
        let close = [got.0 - want.0, got.1 - want.1, got.2 - want.2, got.3 - want.3].iter().all(|d| d.abs() < 1e-6);
        assert!(close, "{query}: {got:?}, want {want:?}");
    }
    assert_eq!(face_area(&parse("fit=facearea&w=10").unwrap(), &[], within), None);
}

#[test]
fn face_crop_centres() {
    let two = [face(100.0, 100.0, 100.0, 100.0), face(600.0, 300.0, 50.0, 50.0)];
    // Both fit in a 600x300 box: centre of their union.
    assert_eq!(face_crop_center(&two, (600.0, 300.0), None), Some((375.0, 225.0)));
    // They do not fit in 300x300: the largest, or the chosen one.
    assert_eq!(face_crop_center(&two, (300.0, 300.0), None), Some((150.0, 150.0)));
    assert_eq!(face_crop_center(&two, (300.0, 300.0), Some(2)), Some((625.0, 325.0)));
    assert_eq!(face_crop_center(&[], (300.0, 300.0), None), None);
}

#[test]
fn facearea_fallback_and_face_crops_are_planned() {
    let p = parse("fit=facearea,fill&w=100&h=100").unwrap();
    assert!(p.facearea && p.fit == Fit::Fill);
    let p = parse("fit=facearea&w=100&h=100").unwrap();
    assert!(p.facearea && p.fit == Fit::Crop);
    // Only facearea takes a fallback: another list is dropped (a 400 in strict mode).
    assert_eq!(parse("fit=crop,fill").unwrap().fit, Fit::Clip);
    assert!(crate::params::parse_with("fit=crop,fill", crate::params::Mode::Strict).is_err());
    let plan =
        plan(&parse("fit=crop&crop=faces,entropy&w=100&h=100").unwrap(), (400, 200), 1, &Limits::default()).unwrap();
    let smart = plan.smart.unwrap();
    assert!(smart.faces && smart.busiest == Some(Smart::Entropy) && plan.needs_faces());
    let plan = super::plan(&parse("auto=redeye&w=100").unwrap(), (400, 200), 1, &Limits::default()).unwrap();
    assert!(plan.redeye && plan.needs_faces());
    assert!(!super::plan(&parse("w=100").unwrap(), (400, 200), 1, &Limits::default()).unwrap().needs_faces());
}

#[test]
fn a_bare_fade_feathers_a_shape_mask() {
    let plan = |q: &str| plan(&parse(q).unwrap(), (400, 300), 1, &Limits::default()).unwrap();
    let p = plan("mask=ellipse&fade=20&fade-top=10");
    assert_eq!(p.mask.unwrap().feather, Some(crate::params::Offset::Px(20.0)));
    let f = p.fade.unwrap();
    assert_eq!((f.all, f.top), (None, Some(crate::params::Offset::Px(10.0))));
    // With only the bare fade, the picture's own edges do not fade at all.
    assert!(plan("mask=corners&fade=0.1").fade.is_none());
    // An image mask, or none: the bare fade is the picture's.
    assert!(plan("mask=/m.png&fade=20").mask.unwrap().feather.is_none());
    assert!(plan("fade=20").fade.is_some_and(|f| f.all.is_some()));
}


