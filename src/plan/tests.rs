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
fn output_pixel_budget_is_a_413() {
    let e = plan(&parse("w=8000&h=8000&fit=scale").unwrap(), (100, 100), 1, &Limits::default()).unwrap_err();
    assert_eq!(e.status, 413);
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
