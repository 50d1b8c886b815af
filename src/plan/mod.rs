//! Geometry as pure arithmetic: parameters + source size → which region of the source is
//! resized to what, on which canvas. No pixels here, so every rule is table-tested.

mod frame;
pub mod layers;
mod refine;
pub mod timeline;

pub use frame::{radii, Frame};
pub use refine::{refine, wants};

use crate::analyse::faces::Face;
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::ops::Ops;
use crate::params::{Anchor, Color, FillMode, Fit, Flip, MaskKind, Params, RectLen, RectPos, Side, Size, Smart};

/// A rectangle in source pixels; fractional so a crop keeps sub-pixel precision into the resize.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Region {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// EXIF-numbered orientation to apply to the decoded image (1 = none).
    pub orientation: u8,
    /// Source size after orientation.
    pub source: (u32, u32),
    /// The part of the oriented source that is resized.
    pub region: Region,
    /// Size the region is resized to.
    pub resize: (u32, u32),
    /// Final output size; larger than `resize` only when padding (fit=fill, fillmax).
    pub canvas: (u32, u32),
    /// Top-left of the resized image on the canvas.
    pub offset: (u32, u32),
    /// Colour of canvas pixels not covered by the image.
    pub canvas_color: Color,
    pub flip: Flip,
    /// Colour operations on the resized image.
    pub ops: Ops,
    /// Padding and border around the image; `canvas` includes them.
    pub frame: Frame,
    /// `mask`: what part of the resized image stays visible.
    pub mask: Option<Mask>,
    /// `rot` in degrees clockwise, and whether the whole rotated image stays visible (pivot)
    /// rather than zooming to fill the frame (straighten).
    pub rotate: Option<(f64, bool)>,
    /// `transparency=grid`: a checkerboard behind transparent pixels (colours, cell size).
    pub grid: Option<(Color, Color, u32)>,
    /// `crop=faces|entropy|edges`: `refine` moves `region` within an area to the faces or the
    /// busiest place.
    pub smart: Option<SmartCrop>,
    pub fill: Fill,
    /// `auto=redeye`: red pupils in detected faces are darkened.
    pub redeye: bool,
    /// `faceindex` (1-based, largest face first) for crops that cannot show every face.
    pub faceindex: Option<u32>,
    /// The canvas the parameters asked for, when it was larger than the output limits allow
    /// and the output was sized down to fit them.
    pub sized_down: Option<(u32, u32)>,
    /// `blend[N]` and `mark[N]`, in drawing order.
    pub layers: Vec<layers::Layer>,
    /// `dpr`: layer sizes and offsets in px are multiplied by it.
    pub dpr: f64,
    /// `append`: a second image beside the picture.
    pub append: Option<crate::params::Append>,
    /// `resize-filter`, or ixora's default.
    pub filter: crate::params::ResizeFilter,
    /// `face-blur`/`face-pixel`: how detected faces are hidden, and how strongly (1–100).
    pub redact: Option<(Redaction, f32)>,
    /// `fp-debug`: crosshairs at the focal point (upright source pixels).
    pub fp_debug: Option<(f64, f64)>,
    /// `fade*`: the picture's edges ramp to transparent.
    pub fade: Option<crate::params::Fade>,
    /// `gradient*`: colours over the picture, when the colour list is usable.
    pub gradient: Option<crate::params::GradientOverlay>,
    /// `fill-gradient-cs` and `-hue`: how a fill gradient mixes its colours.
    pub fill_space: crate::ops::gradient::Interpolation,
    /// `drop-shadow*`, when `drop-shadow` is given.
    pub shadow: Option<crate::params::DropShadow>,
}

/// How `face-blur` and `face-pixel` hide a face; pixelation wins when both are given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redaction {
    Blur,
    Pixelate,
}

/// The resampling filter without `resize-filter`.
pub const DEFAULT_FILTER: crate::params::ResizeFilter = crate::params::ResizeFilter::Lanczos3;

/// A crop box placed by looking at the pixels: on the faces when there are any, else on the
/// busiest place when `busiest` is set, else where the anchors put it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmartCrop {
    pub faces: bool,
    pub busiest: Option<Smart>,
    /// The area the crop box may move in (upright source pixels).
    pub within: Region,
}

/// What covers the part of a fit=fill canvas the image leaves free.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fill {
    /// `canvas_color`.
    Solid,
    /// A blurred copy of the image, scaled to cover.
    Blur,
    /// The image's edge pixels, extended (fit=clamp).
    Clamp,
    /// From the first colour to the second, top to bottom (or as `direction` says).
    Linear { from: Color, to: Color, vertical: bool, reverse: bool },
    /// From the first colour at the centre (fractions of the fill area) to the second at `radius`.
    Radial { inner: Color, outer: Color, center: (f64, f64), radius: f64 },
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MaskShape {
    Ellipse,
    /// Rounded corners, radii clockwise from top-left (`None`: 20% of the shorter side).
    Corners(Option<[u32; 4]>),
    /// `mask=<url>`: an image, stretched over the picture; its luminance times its alpha is what
    /// stays visible (white shows, black hides).
    Image,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mask {
    pub shape: MaskShape,
    /// What replaces the masked-out pixels (`mask-bg`, transparent by default).
    pub background: Color,
    /// A bare `fade` with `mask=ellipse|corners` feathers the shape's edge inward instead of
    /// fading the picture's (px × dpr, or a fraction of the shorter side).
    pub feather: Option<crate::params::Offset>,
}

impl Plan {
    /// A rectangle in upright source pixels, in pixels of the resized image.
    pub fn source_to_resized(&self, (x, y, w, h): (f64, f64, f64, f64)) -> (f64, f64, f64, f64) {
        let (kx, ky) = (self.resize.0 as f64 / self.region.w, self.resize.1 as f64 / self.region.h);
        ((x - self.region.x) * kx, (y - self.region.y) * ky, w * kx, h * ky)
    }

    /// Faces must be looked for (`crop=faces`, `auto=redeye`; `refine::wants` adds face areas).
    pub fn needs_faces(&self) -> bool {
        self.redeye || self.redact.is_some() || self.smart.is_some_and(|s| s.faces)
    }

    /// The smallest oriented source size the decoder may hand back without losing detail the
    /// output needs: the JPEG decoder shrinks on load down to this.
    pub fn decode_size(&self) -> (u32, u32) {
        let (w, h) = self.render_size();
        (w.min(self.source.0), h.min(self.source.1))
    }

    /// Bytes the render holds at its peak, roughly (3 bytes a pixel): the decoded source (JPEG
    /// scales come in eighths, so up to twice the needed size a side), the resizer's intermediate
    /// (output width × the crop box's decoded rows: as large as the source when the output is
    /// nearly the source's width) and the output. Checked against renders in Viceroy
    /// (`Limits::max_working_bytes`).
    pub fn working_bytes(&self) -> u64 {
        let (dw, dh) = self.decode_size();
        let (sw, sh) = (self.source.0 as u64, self.source.1 as u64);
        let decoded = (dw as u64 * dh as u64 * 4).min(sw * sh);
        // The resizer's first pass covers the crop box's rows only.
        let rows = (self.region.h * dh as f64 / self.source.1 as f64).ceil() as u64;
        let intermediate = if self.resize != self.source { self.canvas.0 as u64 * rows } else { 0 };
        3 * (decoded + intermediate + self.canvas.0 as u64 * self.canvas.1 as u64)
    }

    /// The oriented source size at which the region comes out at exactly the resize size. A
    /// vector source is drawn at this size, which may exceed `source`.
    pub fn render_size(&self) -> (u32, u32) {
        let (sw, sh) = self.source;
        let need = |side: u32, out: u32, region: f64| {
            let px = (side as f64 * out as f64 / region - 1e-6).ceil();
            (px as u32).max(1)
        };
        (need(sw, self.resize.0, self.region.w), need(sh, self.resize.1, self.region.h))
    }
}

/// Plans the geometry for a source whose stored size is `stored` and whose file says `exif`.
pub fn plan(params: &Params, stored: (u32, u32), exif: u8, limits: &Limits) -> Result<Plan> {
    plan_within(params, stored, exif, limits, None)
}

/// Like `plan`, inside `within` (upright source pixels), the box `trim` kept.
pub fn plan_within(
    params: &Params,
    stored: (u32, u32),
    exif: u8,
    limits: &Limits,
    within: Option<Region>,
) -> Result<Plan> {
    let orientation = params.orient.unwrap_or(exif).clamp(1, 8);
    let source = if orientation >= 5 { (stored.1, stored.0) } else { stored };
    let base = within.unwrap_or(Region { x: 0.0, y: 0.0, w: source.0 as f64, h: source.1 as f64 });
    let region = rect_region(params, base);
    let (rw, rh) = (region.w, region.h);

    let dpr = params.dpr();
    let side = |s: Option<Size>, full: f64| {
        s.map(|s| match s {
            Size::Px(n) => n as f64 * dpr,
            Size::Fraction(f) => f * full * dpr,
        })
    };
    let (mut tw, mut th) = (side(params.w, rw), side(params.h, rh));
    // With a requested size, the image plus its padding and border fits inside it.
    let frame = Frame::from_params(params, dpr);
    let ins = frame.insets();
    let (iw, ih) = (ins[1] + ins[3], ins[0] + ins[2]);
    // A requested side is a whole number of pixels (`w=150` is 150 px); only a side derived
    // from another is rounded from the exact ratio.
    tw = tw.map(|w| round_px(w - iw as f64) as f64);
    th = th.map(|h| round_px(h - ih as f64) as f64);

    // An aspect ratio supplies the missing side(s) where the output is a fixed frame.
    if let (Some((a, b)), Fit::Crop | Fit::Fill | Fit::FillMax | Fit::Min) = (params.ar, params.fit) {
        match (tw, th) {
            (Some(w), None) => th = Some(w * b / a),
            (None, Some(h)) => tw = Some(h * a / b),
            (None, None) if rw / rh > a / b => (tw, th) = (Some(rh * a / b), Some(rh)),
            (None, None) => (tw, th) = (Some(rw), Some(rw * b / a)),
            _ => {}
        }
    }

    // Which side a contained resize fits to: the one asked for, else the tighter one.
    let (mut tw, mut th, width_binds) = match (tw, th) {
        (Some(w), Some(h)) => (w, h, w * rh <= h * rw),
        (Some(w), None) => (w, w * rh / rw, true),
        (None, Some(h)) => (h * rw / rh, h, false),
        (None, None) => (rw, rh, true),
    };
    if params.fit == Fit::Crop {
        let clamp = |v: f64, min: Option<u32>, max: Option<u32>| {
            let v = max.map_or(v, |m| v.min(m as f64));
            min.map_or(v, |m| v.max(m as f64))
        };
        tw = clamp(tw, params.min_w, params.max_w);
        th = clamp(th, params.min_h, params.max_h);
    }
    let (tw, th) = (round_px(tw), round_px(th));
    // The region inside tw x th, aspect kept: the binding side lands exactly on its target and
    // the other is rounded from the exact ratio; `cap` bounds the scale (1 = never enlarge).
    let contain = |cap: f64| {
        let scale = if width_binds { tw as f64 / rw } else { th as f64 / rh };
        if scale > cap {
            (round_px(rw * cap), round_px(rh * cap))
        } else if width_binds {
            (tw, round_px(tw as f64 * rh / rw))
        } else {
            (round_px(th as f64 * rw / rh), th)
        }
    };
    let mut p = Plan {
        orientation,
        source,
        region,
        resize: (tw, th),
        canvas: (tw, th),
        offset: (0, 0),
        canvas_color: params.fill_color.or(params.bg).unwrap_or(Color::TRANSPARENT_WHITE),
        flip: params.flip,
        ops: Ops::new(&params.adjust),
        frame,
        mask: mask(params),
        rotate: Some((params.rotate.degrees, params.rotate.pivot)).filter(|(d, _)| d.rem_euclid(360.0) != 0.0),
        grid: grid(params),
        smart: None,
        fill: fill(params),
        redeye: params.redeye,
        faceindex: params.faceindex,
        sized_down: None,
        layers: layers::drawn(&params.layers),
        dpr: params.dpr(),
        append: params.append.image.is_some().then(|| params.append.clone()),
        filter: params.resize_filter.unwrap_or(DEFAULT_FILTER),
        redact: if params.face_pixel > 0.0 {
            Some((Redaction::Pixelate, params.face_pixel))
        } else if params.face_blur > 0.0 {
            Some((Redaction::Blur, params.face_blur))
        } else {
            None
        },
        fade: Some(edge_fade(params)).filter(|f| !f.is_none()),
        gradient: Some(params.gradient.clone()).filter(|g| g.is_drawn()),
        fill_space: crate::ops::gradient::Interpolation { space: params.fill.space, hue: params.fill.hue },
        shadow: Some(params.shadow).filter(|s| s.blur.is_some()),
        fp_debug: params.fp_debug.then(|| (params.fp.x * f64::from(source.0), params.fp.y * f64::from(source.1))),
    };
    match params.fit {
        Fit::Clip => p.resize = contain(f64::INFINITY),
        Fit::Max => p.resize = contain(1.0),
        Fit::Scale => {}
        Fit::Crop => {
            p.region = crop_region(params, region, (tw, th));
            if !params.crop.focalpoint && (params.crop.faces || params.crop.smart.is_some()) {
                p.smart = Some(SmartCrop { faces: params.crop.faces, busiest: params.crop.smart, within: region });
            }
        }
        Fit::Min => {
            // The requested aspect ratio, but never more pixels than the source has.
            let (w, h) = (tw as f64, th as f64);
            p.resize = if w <= rw && h <= rh {
                (tw, th)
            } else if rw * h <= rh * w {
                (round_px(rw), round_px(h * rw / w))
            } else {
                (round_px(w * rh / h), round_px(rh))
            };
            p.region = crop_region(params, region, p.resize);
        }
        Fit::Fill | Fit::FillMax => {
            p.resize = contain(if params.fit == Fit::FillMax { 1.0 } else { f64::INFINITY });
            p.resize = (p.resize.0.min(tw), p.resize.1.min(th));
        }
    }
    let mut inner = if matches!(params.fit, Fit::Fill | Fit::FillMax) { (tw, th) } else { p.resize };
    if params.fit == Fit::FillMax && params.fill_max_source {
        // Measured after `rect`, in output pixels (w and h already include dpr).
        inner = (inner.0.min(round_px(rw)), inner.1.min(round_px(rh)));
    }
    p.canvas = (inner.0 + iw, inner.1 + ih);
    fit_output_limits(&mut p, limits)?;
    let ins = p.frame.insets();
    let inner = (p.canvas.0 - ins[1] - ins[3], p.canvas.1 - ins[0] - ins[2]);
    p.offset = ((inner.0 - p.resize.0.min(inner.0)) / 2 + ins[3], (inner.1 - p.resize.1.min(inner.1)) / 2 + ins[0]);
    Ok(p)
}

/// `fit=facearea`: the area of `within` (upright source pixels) to show for these faces — all of
/// them, or face `faceindex` when there is one — scaled by `facepad` about its centre, widened
/// or heightened to the output's aspect ratio when the request fixes one, and moved (then
/// shrunk, keeping the ratio) to stay inside `within`. None without faces.
pub fn face_area(params: &Params, faces: &[Face], within: Region) -> Option<Region> {
    let chosen = match params.faceindex.and_then(|i| faces.get(i as usize - 1)) {
        Some(face) => std::slice::from_ref(face),
        None => faces,
    };
    let (fx, fy, fw, fh) = crate::analyse::faces::union(chosen)?;
    let (cx, cy) = (fx + fw / 2.0, fy + fh / 2.0);
    let (mut w, mut h) = (fw * params.facepad, fh * params.facepad);
    let aspect = match (params.w, params.h, params.ar) {
        (Some(Size::Px(a)), Some(Size::Px(b)), _) => Some(a as f64 / b as f64),
        (_, _, Some((a, b))) => Some(a / b),
        _ => None,
    };
    if let Some(r) = aspect {
        if w / h < r {
            w = h * r;
        } else {
            h = w / r;
        }
    }
    // Too big for the image: shrink both sides together so the ratio survives.
    let k = (within.w / w).min(within.h / h).min(1.0);
    let (w, h) = (w * k, h * k);
    let x = (cx - w / 2.0).clamp(within.x, within.x + within.w - w);
    let y = (cy - h / 2.0).clamp(within.y, within.y + within.h - h);
    Some(Region { x, y, w, h })
}

/// `crop=faces`: where a `size` crop box should be centred — on all the faces when they fit in
/// it, else on face `faceindex` (default the largest). None without faces.
pub fn face_crop_center(faces: &[Face], size: (f64, f64), faceindex: Option<u32>) -> Option<(f64, f64)> {
    let (x, y, w, h) = crate::analyse::faces::union(faces)?;
    if w <= size.0 && h <= size.1 {
        return Some((x + w / 2.0, y + h / 2.0));
    }
    let face = faceindex.and_then(|i| faces.get(i as usize - 1)).unwrap_or(&faces[0]);
    Some(face.center())
}

fn fill(params: &Params) -> Fill {
    let f = &params.fill;
    let fallback = params.fill_color.unwrap_or(Color::WHITE);
    if f.clamp {
        return Fill::Clamp;
    }
    match f.mode {
        Some(FillMode::Blur) => Fill::Blur,
        Some(FillMode::Gradient) if f.radial => {
            let (inner, outer) = f.radial_colors.unwrap_or((Color::WHITE, fallback));
            Fill::Radial { inner, outer, center: (f.radial_x, f.radial_y), radius: f.radial_radius }
        }
        Some(FillMode::Gradient) => {
            let (from, to) = f.linear.unwrap_or((Color::WHITE, fallback));
            let first = f.linear_from;
            Fill::Linear {
                from,
                to,
                vertical: matches!(first, Side::Top | Side::Bottom),
                reverse: matches!(first, Side::Bottom | Side::Right),
            }
        }
        _ => Fill::Solid,
    }
}

fn mask(params: &Params) -> Option<Mask> {
    let shape = match params.mask.kind.as_ref()? {
        MaskKind::Ellipse => MaskShape::Ellipse,
        MaskKind::Corners => MaskShape::Corners(params.mask.corner_radius.map(|r| radii(Some(r), params.dpr()))),
        MaskKind::Image(_) => MaskShape::Image,
    };
    let background = params.mask.bg.unwrap_or(Color::TRANSPARENT_WHITE);
    let feather = if shape == MaskShape::Image { None } else { params.fade.all };
    Some(Mask { shape, background, feather })
}

/// The fade of the picture's own edges: all of `fade*`, except that with a shape mask a bare
/// `fade` feathers the mask instead (the sides still fade the picture).
fn edge_fade(params: &Params) -> crate::params::Fade {
    let shaped = matches!(params.mask.kind, Some(MaskKind::Ellipse | MaskKind::Corners));
    if shaped {
        crate::params::Fade { all: None, ..params.fade }
    } else {
        params.fade
    }
}

fn grid(params: &Params) -> Option<(Color, Color, u32)> {
    let g = params.grid;
    g.on.then_some((g.colors.0, g.colors.1, g.size.max(1)))
}

fn round_px(v: f64) -> u32 {
    v.round().clamp(1.0, u32::MAX as f64) as u32
}

/// `rect=x,y,w,h` resolved against `base` (the oriented source, or what trim kept) and clipped to it.
fn rect_region(params: &Params, base: Region) -> Region {
    let (sw, sh) = (base.w, base.h);
    let Some(r) = params.rect else { return base };
    let len = |l: RectLen, full: f64| match l {
        RectLen::Px(n) => n,
        RectLen::Fraction(f) => f * full,
        RectLen::Full => full,
    };
    let (w, h) = (len(r.w, sw).min(sw).max(1.0), len(r.h, sh).min(sh).max(1.0));
    let pos = |p: RectPos, full: f64, len: f64| match p {
        RectPos::Px(n) => n,
        RectPos::Fraction(f) => f * full,
        RectPos::Anchor(a) => anchor(a, full - len),
    };
    let x = pos(r.x, sw, w).clamp(0.0, sw - 1.0);
    let y = pos(r.y, sh, h).clamp(0.0, sh - 1.0);
    Region { x: base.x + x, y: base.y + y, w: w.min(sw - x).round().max(1.0), h: h.min(sh - y).round().max(1.0) }
}

fn anchor(a: Anchor, slack: f64) -> f64 {
    match a {
        Anchor::Start => 0.0,
        Anchor::Center => slack / 2.0,
        Anchor::End => slack,
    }
}

/// The part of `region` with the output's aspect ratio ("cover"), placed by `crop` or the focal point.
fn crop_region(params: &Params, region: Region, (tw, th): (u32, u32)) -> Region {
    let s = (tw as f64 / region.w).max(th as f64 / region.h);
    let zoom = if params.crop.focalpoint { params.fp.z.max(1.0) } else { 1.0 };
    let (cw, ch) = ((tw as f64 / s / zoom).min(region.w), (th as f64 / s / zoom).min(region.h));
    let place = |a: Anchor, fp: f64, full: f64, len: f64| {
        let v = if params.crop.focalpoint { fp * full - len / 2.0 } else { anchor(a, full - len) };
        v.clamp(0.0, full - len)
    };
    Region {
        x: region.x + place(params.crop.x, params.fp.x, region.w, cw),
        y: region.y + place(params.crop.y, params.fp.y, region.h, ch),
        w: cw,
        h: ch,
    }
}

/// Sizes the output down, keeping its shape, until it fits the longest allowed side (imgix caps
/// outputs at 8192 px), the pixel budget and the heap (`working_bytes`): a request beyond any of
/// them still gets an image, and `sized_down` says from what.
fn fit_output_limits(p: &mut Plan, limits: &Limits) -> Result<()> {
    let fits = |p: &Plan| {
        p.canvas.0.max(p.canvas.1) <= limits.max_output_side
            && p.canvas.0 as u64 * p.canvas.1 as u64 <= limits.max_output_pixels
            && p.working_bytes() + limits.encoder_bytes_per_pixel * p.canvas.0 as u64 * p.canvas.1 as u64
                <= limits.max_working_bytes
    };
    if fits(p) {
        return Ok(());
    }
    let requested = p.canvas;
    let (w, h) = (p.canvas.0 as f64, p.canvas.1 as f64);
    let by_side = limits.max_output_side as f64 / w.max(h);
    let by_pixels = (limits.max_output_pixels as f64 / (w * h)).sqrt();
    let original = p.clone();
    let shrunk = |k: f64| {
        let shrink = |(w, h): (u32, u32)| (round_px(w as f64 * k), round_px(h as f64 * k));
        let mut q = original.clone();
        q.frame.scale(k);
        q.canvas = shrink(original.canvas);
        let resize = shrink(original.resize);
        q.resize = (resize.0.min(q.canvas.0), resize.1.min(q.canvas.1));
        q
    };
    // Start from the side and pixel limits, then step down until the heap estimate fits too.
    let mut k = by_side.min(by_pixels).min(1.0);
    let mut candidate = shrunk(k);
    while !fits(&candidate) {
        k *= 0.99;
        candidate = shrunk(k);
        if candidate.canvas.0 <= 1 || candidate.canvas.1 <= 1 {
            return Err(Error::too_large(format!(
                "output {}x{} cannot be made to fit the memory budget",
                requested.0, requested.1
            )));
        }
    }
    *p = candidate;
    p.sized_down = Some(requested);
    Ok(())
}

#[cfg(test)]
mod tests;
