//! Where layers go: the size a mark or blend image is drawn at and its place on the image below,
//! as arithmetic on sizes (the layer's own size is known once it is decoded, so the pipeline
//! calls these with it). Table-tested without images.

use crate::params::layers::{Blend, BlendSource, LayerFit, LayerSize, Layers, Mark, Offset, Placement};
use crate::params::{Anchor, Append, Side, Size};

/// One layer to draw, with the parameter that names its image (`mark[2]`), which is also the key
/// its decoded image is handed to the pipeline under.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    Blend { key: String, blend: Blend },
    Mark { key: String, mark: Mark },
    Text { key: String, text: crate::params::text::Text },
}

/// The layers that draw something, bottom to top: blends, marks, then text, each in index order.
/// A blend without a colour or image, or with a mode imgix does not know, draws nothing; so does
/// a mark without an image, and a text layer without `txt`.
pub fn drawn(layers: &Layers) -> Vec<Layer> {
    use crate::params::layers::key;
    let blends = layers
        .blends
        .iter()
        .filter(|(_, b)| b.source.is_some() && b.mode.is_some())
        .map(|(i, b)| Layer::Blend { key: key("blend", *i), blend: b.clone() });
    let marks = layers
        .marks
        .iter()
        .filter(|(_, m)| m.image.is_some())
        .map(|(i, m)| Layer::Mark { key: key("mark", *i), mark: m.clone() });
    let texts = layers
        .texts
        .iter()
        .filter(|(_, t)| t.text.is_some())
        .map(|(i, t)| Layer::Text { key: key("txt", *i), text: t.clone() });
    blends.chain(marks).chain(texts).collect()
}

impl Layer {
    /// The parameter naming this layer (`blend`, `mark[2]`).
    pub fn key(&self) -> &str {
        match self {
            Layer::Blend { key, .. } | Layer::Mark { key, .. } | Layer::Text { key, .. } => key,
        }
    }

    /// The image this layer draws, as the URL names it; `None` for a colour blend.
    pub fn image(&self) -> Option<String> {
        match self {
            Layer::Blend { blend, .. } => match &blend.source {
                Some(BlendSource::Image(url)) => Some(url.clone()),
                _ => None,
            },
            Layer::Mark { mark, .. } => mark.url(),
            Layer::Text { .. } => None,
        }
    }
}

/// How a layer image becomes the box it is drawn as: resized to `resize`, then `crop` (x, y, w, h
/// inside the resized image) kept, then centred on a transparent `canvas` (fit=fill).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fitted {
    pub resize: (u32, u32),
    pub crop: Option<(u32, u32, u32, u32)>,
    pub canvas: Option<(u32, u32)>,
}

impl Fitted {
    /// Scaled down, aspect kept, so the resized layer holds at most four times the pixels of the
    /// `base` it is drawn on (at least one megapixel): a mark 8192 px wide on a small image would
    /// otherwise cost more memory than a render has, for pixels that fall outside.
    pub fn bounded(self, base: (u32, u32)) -> Fitted {
        let limit = (4.0 * f64::from(base.0) * f64::from(base.1)).max(1.0e6);
        let area = f64::from(self.resize.0) * f64::from(self.resize.1);
        if area <= limit {
            return self;
        }
        let k = (limit / area).sqrt();
        let px = |v: u32| ((f64::from(v) * k).floor() as u32).max(1);
        Fitted {
            resize: (px(self.resize.0), px(self.resize.1)),
            crop: self.crop.map(|(x, y, w, h)| (px(x).min(x), px(y).min(y), px(w), px(h))),
            canvas: self.canvas.map(|(w, h)| (px(w), px(h))),
        }
    }

    /// The drawn size.
    pub fn size(&self) -> (u32, u32) {
        self.canvas.or(self.crop.map(|(_, _, w, h)| (w, h))).unwrap_or(self.resize)
    }
}

/// The size a mark is drawn at: `mark-scale` (percent of the base width) wins; else `mark-w`/
/// `mark-h` (px × dpr, or fractions of the mark's own size) with `mark-fit`; else its own size.
pub fn mark_size(m: &Mark, native: (u32, u32), base: (u32, u32), dpr: f64) -> Fitted {
    if let Some(scale) = m.scale {
        let w = (f64::from(base.0) * scale / 100.0).round().max(1.0);
        let h = (w * f64::from(native.1) / f64::from(native.0.max(1))).round().max(1.0);
        return Fitted { resize: (w as u32, h as u32), crop: None, canvas: None };
    }
    let side = |s: Option<Size>, own: u32| match s {
        Some(Size::Px(px)) => Some(f64::from(px) * dpr),
        Some(Size::Fraction(f)) => Some(f64::from(own) * f),
        None => None,
    };
    fit(&m.size, side(m.size.w, native.0), side(m.size.h, native.1), native)
}

/// The size a blend image is drawn at: the base's with `blend-size=inherit`; else `blend-w`/
/// `blend-h` (px × dpr, or fractions of the base) with `blend-fit`; else its own size.
pub fn blend_size(b: &Blend, native: (u32, u32), base: (u32, u32), dpr: f64) -> Fitted {
    if b.inherit {
        let size = LayerSize { fit: LayerFit::Crop, ..b.size };
        return fit_anchored(&size, Some(f64::from(base.0)), Some(f64::from(base.1)), native, b.crop.x, b.crop.y);
    }
    let side = |s: Option<Size>, of: u32| match s {
        Some(Size::Px(px)) => Some(f64::from(px) * dpr),
        Some(Size::Fraction(f)) => Some(f64::from(of) * f),
        None => None,
    };
    fit_anchored(&b.size, side(b.size.w, base.0), side(b.size.h, base.1), native, b.crop.x, b.crop.y)
}

fn fit(size: &LayerSize, w: Option<f64>, h: Option<f64>, native: (u32, u32)) -> Fitted {
    fit_anchored(size, w, h, native, Anchor::Center, Anchor::Center)
}

/// `w`×`h` (either may be missing: it follows the aspect ratio) with the layer fit modes.
fn fit_anchored(
    size: &LayerSize,
    w: Option<f64>,
    h: Option<f64>,
    native: (u32, u32),
    ax: Anchor,
    ay: Anchor,
) -> Fitted {
    let (nw, nh) = (f64::from(native.0.max(1)), f64::from(native.1.max(1)));
    let px = |v: f64| v.round().clamp(1.0, 8192.0) as u32;
    let (bw, bh) = match (w, h) {
        (None, None) => return Fitted { resize: native, crop: None, canvas: None },
        (Some(w), None) => (w, w * nh / nw),
        (None, Some(h)) => (h * nw / nh, h),
        (Some(w), Some(h)) => (w, h),
    };
    let inside = (bw / nw).min(bh / nh);
    let plain = |scale: f64| Fitted { resize: (px(nw * scale), px(nh * scale)), crop: None, canvas: None };
    match size.fit {
        LayerFit::Scale => Fitted { resize: (px(bw), px(bh)), crop: None, canvas: None },
        LayerFit::Max => plain(inside.min(1.0)),
        LayerFit::Clip | LayerFit::Clamp => plain(inside),
        LayerFit::Fill => Fitted { canvas: Some((px(bw), px(bh))), ..plain(inside) },
        LayerFit::Crop => {
            let cover = (bw / nw).max(bh / nh);
            let (rw, rh) = (px(nw * cover), px(nh * cover));
            let (cw, ch) = (px(bw).min(rw), px(bh).min(rh));
            let at = |a: Anchor, room: u32| match a {
                Anchor::Start => 0,
                Anchor::Center => room / 2,
                Anchor::End => room,
            };
            Fitted { resize: (rw, rh), crop: Some((at(ax, rw - cw), at(ay, rh - ch), cw, ch)), canvas: None }
        }
    }
}

/// The top-left corner of a `layer`-sized box on a `base`-sized image. Each axis: `x`/`y` when
/// given (px × dpr, or fractions of the base side), less the anchor's share of the layer; else
/// the alignment (`default` on an axis the URL did not align), `pad` × dpr from the edge it is
/// aligned to.
pub fn position(p: &Placement, default: (Anchor, Anchor), layer: (u32, u32), base: (u32, u32), dpr: f64) -> (i64, i64) {
    let anchor = p.anchor.unwrap_or((0.0, 0.0));
    let axis = |offset: Option<Offset>, align: Option<Anchor>, fallback: Anchor, len: u32, room: u32, fa: f64| {
        let (len, room) = (f64::from(len), f64::from(room));
        let at = match offset {
            Some(Offset::Px(v)) => v * dpr - fa * len,
            Some(Offset::Fraction(f)) => f * room - fa * len,
            None => match align.unwrap_or(fallback) {
                Anchor::Start => p.pad * dpr,
                Anchor::Center => (room - len) / 2.0,
                Anchor::End => room - len - p.pad * dpr,
            },
        };
        at.round() as i64
    };
    (
        axis(p.x, p.align.0, default.0, layer.0, base.0, anchor.0),
        axis(p.y, p.align.1, default.1, layer.1, base.1, anchor.1),
    )
}

/// The most copies `mark-tile=grid` draws: a tiny mark over a large image would otherwise mean
/// millions of draws (and a list of them larger than the heap).
pub const MAX_TILES: usize = 16_384;

/// `mark-tile=grid`: the corners of the copies of a `layer`-sized box that cover `base`, in a grid
/// through `first` with `gap` px between copies; at most `MAX_TILES`, the grid's step grown to
/// keep under it.
pub fn tiles(first: (i64, i64), layer: (u32, u32), base: (u32, u32), gap: u32) -> Vec<(i64, i64)> {
    let (mut sx, mut sy) = (i64::from(layer.0 + gap).max(1), i64::from(layer.1 + gap).max(1));
    let count = |sx: i64, sy: i64| ((i64::from(base.0) / sx + 2) * (i64::from(base.1) / sy + 2)) as usize;
    while count(sx, sy) > MAX_TILES {
        (sx, sy) = (sx * 2, sy * 2);
    }
    let start = |at: i64, step: i64| at - (at.div_euclid(step) + 1) * step;
    let (x0, y0) = (start(first.0, sx), start(first.1, sy));
    let mut out = Vec::new();
    let mut y = y0;
    while y < i64::from(base.1) {
        let mut x = x0;
        while x < i64::from(base.0) {
            if x + i64::from(layer.0) > 0 && y + i64::from(layer.1) > 0 {
                out.push((x, y));
            }
            x += sx;
        }
        y += sy;
    }
    out
}

/// The alignment a mark takes when the URL gives none: bottom right, or top left for a tiled mark.
pub fn mark_default_align(m: &Mark) -> (Anchor, Anchor) {
    if m.tile {
        (Anchor::Start, Anchor::Start)
    } else {
        (Anchor::End, Anchor::End)
    }
}

/// How the picture and an `append` image share the grown canvas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrangement {
    pub canvas: (u32, u32),
    pub picture_at: (u32, u32),
    pub image_at: (u32, u32),
    /// The part of the image kept (x, y, w, h), with `append-preserve`.
    pub image_crop: (u32, u32, u32, u32),
}

/// Where the picture and an appended `image` (already at its drawn size: own size × dpr) go.
/// Across the edge they sit side by side with the gap between; along it the smaller one is
/// aligned; with `append-preserve` the image is first clipped to the picture's side along the
/// edge.
pub fn arrange(a: &Append, picture: (u32, u32), image: (u32, u32), dpr: f64) -> Arrangement {
    let beside = matches!(a.side, Side::Left | Side::Right);
    // (along, across) for each.
    let flip = |(w, h): (u32, u32)| if beside { (h, w) } else { (w, h) };
    let (p_along, p_across) = flip(picture);
    let (mut i_along, i_across) = flip(image);
    let gap = match a.gap {
        Offset::Px(v) => (v * dpr).round().clamp(0.0, 4096.0) as u32,
        Offset::Fraction(f) => (f * f64::from(p_across)).round().max(0.0) as u32,
    };
    let anchor = if beside { a.align.1 } else { a.align.0 }.unwrap_or(Anchor::Center);
    let at = |room: u32| match anchor {
        Anchor::Start => 0,
        Anchor::Center => room / 2,
        Anchor::End => room,
    };
    let mut crop_along = 0;
    if a.preserve && i_along > p_along {
        crop_along = at(i_along - p_along);
        i_along = p_along;
    }
    let along = p_along.max(i_along);
    let (p_pos, i_pos) = (at(along - p_along), at(along - i_along));
    let first_is_picture = matches!(a.side, Side::Right | Side::Bottom);
    let (p_off, i_off) = if first_is_picture { (0, p_across + gap) } else { (i_across + gap, 0) };
    let unflip = |along: u32, across: u32| if beside { (across, along) } else { (along, across) };
    let (cw, ch) = unflip(i_along, i_across);
    let (cx, cy) = unflip(crop_along, 0);
    Arrangement {
        canvas: unflip(along, p_across + gap + i_across),
        picture_at: unflip(p_pos, p_off),
        image_at: unflip(i_pos, i_off),
        image_crop: (cx, cy, cw, ch),
    }
}

/// A blend image sits at the top left unless aligned.
pub const BLEND_DEFAULT_ALIGN: (Anchor, Anchor) = (Anchor::Start, Anchor::Start);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::layers::Layers;
    use crate::params::parse;

    fn mark(q: &str) -> Mark {
        parse(q).unwrap().layers.marks.get(&0).cloned().unwrap_or_default()
    }

    #[test]
    fn mark_sizes() {
        let native = (200, 100);
        let base = (1000, 800);
        for (q, dpr, want) in [
            ("mark=a.png", 1.0, (200, 100)),
            ("mark=a.png&mark-w=100", 1.0, (100, 50)),
            ("mark=a.png&mark-w=100", 2.0, (200, 100)),
            ("mark=a.png&mark-h=0.5", 1.0, (100, 50)),
            ("mark=a.png&mark-w=0.25", 1.0, (50, 25)),
            ("mark=a.png&mark-w=100&mark-h=100", 1.0, (100, 50)),
            ("mark=a.png&mark-w=100&mark-h=100&mark-fit=scale", 1.0, (100, 100)),
            ("mark=a.png&mark-w=400&mark-fit=max", 1.0, (200, 100)),
            ("mark=a.png&mark-w=400", 1.0, (400, 200)),
            ("mark=a.png&mark-w=100&mark-h=100&mark-fit=crop", 1.0, (100, 100)),
            ("mark=a.png&mark-w=100&mark-h=100&mark-fit=fill", 1.0, (100, 100)),
            ("mark=a.png&mark-scale=10", 1.0, (100, 50)),
            ("mark=a.png&mark-scale=10&mark-w=30", 1.0, (100, 50)),
        ] {
            assert_eq!(mark_size(&mark(q), native, base, dpr).size(), want, "{q} dpr={dpr}");
        }
        let crop = mark_size(&mark("mark=a.png&mark-w=100&mark-h=100&mark-fit=crop"), native, base, 1.0);
        assert_eq!(crop, Fitted { resize: (200, 100), crop: Some((50, 0, 100, 100)), canvas: None });
        let fill = mark_size(&mark("mark=a.png&mark-w=100&mark-h=100&mark-fit=fill"), native, base, 1.0);
        assert_eq!(fill, Fitted { resize: (100, 50), crop: None, canvas: Some((100, 100)) });
    }

    #[test]
    fn huge_layers_are_bounded_by_the_base() {
        let m = mark("mark=a.png&mark-w=8192&mark-h=8192&mark-fit=scale");
        let f = mark_size(&m, (100, 100), (300, 200), 5.0).bounded((300, 200));
        assert!(u64::from(f.resize.0) * u64::from(f.resize.1) <= 1_000_000, "{f:?}");
        let small = mark_size(&mark("mark=a.png&mark-w=100"), (200, 100), (300, 200), 1.0);
        assert_eq!(small.bounded((300, 200)), small, "ordinary sizes are untouched");
    }

    #[test]
    fn mark_positions() {
        let (layer, base) = ((100, 50), (1000, 800));
        for (q, dpr, want) in [
            // bottom right, 5 px from the edges
            ("mark=a.png", 1.0, (895, 745)),
            ("mark=a.png", 2.0, (890, 740)),
            ("mark=a.png&mark-pad=0", 1.0, (900, 750)),
            ("mark=a.png&mark-align=top,left", 1.0, (5, 5)),
            ("mark=a.png&mark-align=middle,center", 1.0, (450, 375)),
            // one axis named: the other keeps the default
            ("mark=a.png&mark-align=top", 1.0, (895, 5)),
            ("mark=a.png&mark-x=10", 1.0, (10, 745)),
            ("mark=a.png&mark-x=10&mark-y=-20", 1.0, (10, -20)),
            ("mark=a.png&mark-x=0.7&mark-y=0.3", 1.0, (700, 240)),
            ("mark=a.png&mark-x=0.7&mark-y=0.3&mark-anchor=center", 1.0, (650, 215)),
            ("mark=a.png&mark-x=0.7&mark-y=0.3&mark-anchor=bottom,right", 1.0, (600, 190)),
            ("mark=a.png&mark-x=0.7&mark-y=0.3&mark-anchor=0.5,1", 1.0, (650, 190)),
            ("mark=a.png&mark-x=10&mark-y=10", 2.0, (20, 20)),
        ] {
            let m = mark(q);
            assert_eq!(position(&m.place, mark_default_align(&m), layer, base, dpr), want, "{q} dpr={dpr}");
        }
    }

    #[test]
    fn blend_sizes_and_places() {
        let blend = |q: &str| parse(q).unwrap().layers.blends.get(&0).cloned().unwrap();
        let (native, base) = ((400, 400), (1000, 500));
        assert_eq!(blend_size(&blend("blend=a.png"), native, base, 1.0).size(), (400, 400));
        assert_eq!(blend_size(&blend("blend=a.png&blend-w=0.5"), native, base, 1.0).size(), (500, 500));
        let inherit = blend_size(&blend("blend=a.png&blend-size=inherit"), native, base, 1.0);
        assert_eq!(inherit, Fitted { resize: (1000, 1000), crop: Some((0, 250, 1000, 500)), canvas: None });
        let top = blend_size(&blend("blend=a.png&blend-size=inherit&blend-crop=top"), native, base, 1.0);
        assert_eq!(top.crop, Some((0, 0, 1000, 500)));
        let b = blend("blend=a.png&blend-x=30&blend-align=bottom");
        assert_eq!(position(&b.place, BLEND_DEFAULT_ALIGN, (400, 400), base, 1.0), (30, 100));
        assert_eq!(position(&blend("blend=a.png").place, BLEND_DEFAULT_ALIGN, (400, 400), base, 1.0), (0, 0));
    }

    #[test]
    fn append_arrangements() {
        let a = |q: &str| parse(q).unwrap().append;
        let (photo, logo) = ((600, 400), (300, 100));
        // Right, centred vertically.
        let r = arrange(&a("append=l.png"), photo, logo, 1.0);
        assert_eq!(
            r,
            Arrangement { canvas: (900, 400), picture_at: (0, 0), image_at: (600, 150), image_crop: (0, 0, 300, 100) }
        );
        let r = arrange(&a("append=l.png&append-side=bottom&append-gap=20&append-align=left"), photo, logo, 1.0);
        assert_eq!((r.canvas, r.picture_at, r.image_at), ((600, 520), (0, 0), (0, 420)));
        let r = arrange(&a("append=l.png&append-side=left&append-align=bottom"), photo, logo, 1.0);
        assert_eq!((r.canvas, r.picture_at, r.image_at), ((900, 400), (300, 0), (0, 300)));
        let r = arrange(&a("append=l.png&append-side=top&append-gap=0.25"), photo, logo, 2.0);
        assert_eq!((r.canvas, r.picture_at, r.image_at), ((600, 600), (0, 200), (150, 0)));
        // A value from the other axis's set leaves it centred.
        let r = arrange(&a("append=l.png&append-side=bottom&append-align=top"), photo, logo, 1.0);
        assert_eq!(r.image_at, (150, 400));
        // A taller image grows the canvas, unless the picture's height is preserved.
        let tall = (200, 600);
        let r = arrange(&a("append=l.png"), photo, tall, 1.0);
        assert_eq!((r.canvas, r.picture_at, r.image_at), ((800, 600), (0, 100), (600, 0)));
        let r = arrange(&a("append=l.png&append-preserve=true"), photo, tall, 1.0);
        assert_eq!(
            r,
            Arrangement { canvas: (800, 400), picture_at: (0, 0), image_at: (600, 0), image_crop: (0, 100, 200, 400) }
        );
        assert_eq!(arrange(&a("append=l.png&append-gap=40"), photo, logo, 2.0).canvas, (980, 400));
    }

    #[test]
    fn tiles_cover_the_base() {
        let t = tiles((5, 5), (100, 50), (300, 120), 0);
        assert!(t.contains(&(5, 5)) && t.contains(&(-95, -45)) && t.contains(&(205, 105)), "{t:?}");
        // Every base pixel is under one tile.
        for (px, py) in [(0, 0), (299, 119), (150, 60), (4, 4)] {
            let under = t.iter().filter(|(x, y)| px >= *x && px < x + 100 && py >= *y && py < y + 50).count();
            assert_eq!(under, 1, "({px},{py}) {t:?}");
        }
        assert!(tiles((0, 0), (10, 10), (100, 100), 5).len() >= 49);
        assert!(tiles((0, 0), (1, 1), (8192, 8192), 0).len() <= MAX_TILES, "a 1 px mark is not drawn 67 million times");
    }

    #[test]
    fn indexed_layers_are_separate_and_ordered() {
        let p =
            parse("mark=a.png&mark[2]=c.png&mark-w[2]=40&mark[1]=b.png&blend[1]=red&blend-mode[1]=multiply").unwrap();
        let Layers { marks, blends, .. } = &p.layers;
        assert_eq!(marks.keys().copied().collect::<Vec<_>>(), vec![0, 1, 2]);
        assert_eq!(marks[&2].size.w, Some(Size::Px(40)));
        assert_eq!(marks[&0].size.w, None);
        assert_eq!(blends[&1].mode, Some(crate::params::BlendMode::Multiply));
        let drawn: Vec<_> = drawn(&p.layers).iter().map(|l| (l.key().to_string(), l.image())).collect();
        let keys: Vec<_> = drawn.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, vec!["blend[1]", "mark", "mark[1]", "mark[2]"]);
        assert_eq!(drawn[0].1, None, "a colour blend fetches nothing");
        assert!(p.canonical_query().contains("mark-w[2]=40"), "{}", p.canonical_query());
        // The bare name wins over [0], in either order.
        for q in ["mark=a.png&mark[0]=z.png", "mark[0]=z.png&mark=a.png"] {
            assert_eq!(parse(q).unwrap().layers.marks[&0].image.as_deref(), Some("a.png"), "{q}");
        }
        assert_eq!(parse("mark[0]=z.png").unwrap().layers.marks[&0].image.as_deref(), Some("z.png"));
        // Past the last layer: left out, and said.
        let far = parse("mark[12]=a.png").unwrap();
        assert!(far.layers.marks.is_empty());
        assert!(far.ignored_header().unwrap_or_default().contains("mark[12]"));
        // Only the layer families take an index.
        assert_eq!(parse("w[1]=100").unwrap().w, None);
    }

    #[test]
    fn blend_mode_spellings() {
        use crate::params::BlendMode as M;
        let mode = |v: &str| parse(&format!("blend=red&blend-mode={v}")).unwrap().layers.blends[&0].mode;
        assert_eq!(mode("multiply"), Some(M::Multiply));
        assert_eq!(mode("MULTIPLY"), Some(M::Multiply));
        assert_eq!(mode("d"), Some(M::ColorDodge));
        assert_eq!(mode("color-dodge"), Some(M::ColorDodge));
        assert_eq!(mode("soft-light"), Some(M::SoftLight));
        assert_eq!(mode("c"), Some(M::Color));
        assert_eq!(mode("banana"), None);
        assert_eq!(parse("blend=red").unwrap().layers.blends[&0].mode, Some(M::Overlay));
        assert_eq!(parse("blend=red&blend-mode=d").unwrap().canonical_query(), "blend=ff0000&blend-mode=dodge");
    }

    #[test]
    fn fades_per_side_override_the_whole_and_scale() {
        let p = parse("fade=20&fade-left=0.25&mark=a.png&mark-fade-top[0]=0.5&blend=b.png&blend-fade=4").unwrap();
        assert_eq!(p.fade.widths((400, 200), 1.0), [20.0, 20.0, 20.0, 100.0]);
        assert_eq!(p.fade.widths((400, 200), 2.0), [40.0, 40.0, 40.0, 100.0]);
        assert_eq!(p.layers.marks[&0].fade.widths((100, 50), 1.0), [25.0, 0.0, 0.0, 0.0]);
        assert_eq!(p.layers.blends[&0].fade.widths((10, 10), 1.0), [4.0; 4]);
        assert!(parse("fade=-3").unwrap().fade.is_none(), "a negative fade is ignored");
        assert!(parse("fade=abc").unwrap().fade.is_none());
    }

    #[test]
    fn mark_base_is_prepended_to_relative_marks() {
        let m = mark("mark-base=https://assets.example.com/wm/&mark=logo.png");
        assert_eq!(m.url().as_deref(), Some("https://assets.example.com/wm/logo.png"));
        let m = mark("mark-base=https://assets.example.com/&mark=https://cdn.example.com/x.png");
        assert_eq!(m.url().as_deref(), Some("https://cdn.example.com/x.png"));
    }
}
