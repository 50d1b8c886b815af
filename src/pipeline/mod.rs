//! The pixel steps: `STEPS` is the one ordered list, run over one `Context` for a still and for
//! every frame of an animation alike. The steps only read the final plan (`plan::refine`); none
//! re-derives geometry or looks for anything in the pixels. docs/pipeline.md is generated from
//! the list (`steps_markdown`).

mod canvas;
mod layers;
pub(crate) mod orient;
mod resize;

use crate::analyse::faces::{self, Face};
use crate::codec::Raster;
use crate::error::{Error, Result};
use crate::image::Image;
use crate::params::{Color, Offset};

use crate::plan::{MaskShape, Plan, Redaction};

/// What the encoder needs from the pixels.
#[derive(Debug, Clone, Copy)]
pub struct Finish {
    /// The output format can carry alpha.
    pub keep_alpha: bool,
    /// `bg`: fills transparent pixels.
    pub background: Option<Color>,
}

pub use canvas::with_channels;
pub use orient::orient_rect;
pub use resize::shrink_whole;

/// Turns a stored image upright for its EXIF orientation.
pub fn orient_image(image: Image, orientation: u8) -> Image {
    orient::apply(image, orientation)
}

/// The image with an alpha channel (opaque where it had none).
pub fn with_alpha(image: Image) -> Image {
    with_channels(image, 4)
}

/// What the steps take besides the decoded image and the plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct Inputs<'a> {
    /// The faces analysis found (upright source pixels); empty when none were looked for.
    pub faces: &'a [Face],
    /// The decoded `mask=<url>` image, any size.
    pub mask: Option<&'a Image>,
    /// The decoded layer images (`blend`, `mark[2]`…), under the parameter naming each.
    pub layers: &'a [(String, Image)],
    /// The decoded `append` image, at its own size.
    pub append: Option<&'a Image>,
}

/// One image on its way through the steps.
pub struct Context<'a> {
    /// The decoded image (stored orientation, maybe 16-bit) until `resize` takes it.
    raster: Option<Raster>,
    /// The image since `resize`.
    image: Image,
    plan: &'a Plan,
    finish: Finish,
    inputs: Inputs<'a>,
}

impl Context<'_> {
    /// Hands the image to a step that returns a new one.
    fn map(&mut self, f: impl FnOnce(Image, &Plan) -> Image) {
        let image = std::mem::replace(&mut self.image, Image::new(0, 0, 3, Vec::new()));
        self.image = f(image, self.plan);
    }
}

/// A pixel step: its name, one line for the docs, and what it does to the context.
pub struct Step {
    pub name: &'static str,
    pub does: &'static str,
    run: fn(&mut Context) -> Result<()>,
}

/// The steps in the order they run. It follows imgix's (geometry and colour first, then
/// gradient/fade, border and padding, the layers blend → mark → text, mask, append, and the drop
/// shadow last); the comments mark where the steps ixora does not have yet would go.
pub const STEPS: &[Step] = &[
    Step {
        name: "resize",
        does: "crops the plan's region and resizes it in one pass, in stored orientation so that \
               orienting and rotating touch only output pixels; 16-bit samples are rounded to 8 bits here",
        run: resize,
    },
    Step { name: "orient", does: "turns the image upright (EXIF orientation, or `orient`)", run: orient },
    Step {
        name: "redeye",
        does: "`auto=redeye`: darkens red pupils in the faces analysis found; before the colour \
               operations, so red still looks red",
        run: redeye,
    },
    Step {
        name: "redact",
        does: "`face-pixel` / `face-blur`: the faces analysis found are pixelated or blurred, \
               before the colour operations and everything drawn over the picture",
        run: redact,
    },
    Step {
        name: "adjust",
        does: "the pixel operations in their own order (`ops::apply`: levels, tone, colour, noise \
               reduction, sharpening, blur, stylise)",
        run: adjust,
    },
    Step { name: "flip", does: "`flip=h|v|hv`", run: flip },
    Step { name: "rotate", does: "`rot` (with `rot-type`)", run: rotate },
    Step {
        name: "gradient",
        does: "`gradient` (2–16 colours, `-type`, `-angle`, `-stops`, `-cs`, `-radial-*`): drawn over \
               the picture with `gradient-mode` and `gradient-alpha`, or with `gradient-mask` fading \
               the picture out along it",
        run: gradient,
    },
    Step {
        name: "fade",
        does: "`fade`, `fade-top|right|bottom|left`: the picture's edges ramp linearly to transparent \
               (px × dpr, or fractions of that axis; corners multiply; opposite fades wider than \
               the side shrink to fit), before the append, layers, border and padding",
        run: fade,
    },
    Step {
        name: "append",
        does: "`append`: the second image beside the picture (`append-side`, `-align`, `-gap`, \
               `-preserve`), at its own size × dpr, on a canvas grown to hold both; the gap and \
               uncovered area take the fill colour (`fill-color`, else `bg`); the layers, mask, \
               border and padding then apply to the whole",
        run: append,
    },
    Step {
        name: "layers",
        does: "`blend[N]`, `mark[N]`, then `txt[N]`, each family in index order: colour blends over \
               the whole picture, image blends and marks sized (`…-w`, `…-h`, `…-fit`, `mark-scale`), \
               turned (`mark-rot`), placed (`…-align`, `…-pad`, `…-x`, `…-y`, `…-anchor`) or tiled \
               (`mark-tile`), and drawn with their mode and alpha; text set in its box (`txt-width`, \
               `txt-fit`, `txt-clip`), with its background, shadow and outline, placed like a mark \
               (`txt-align`, `txt-pad`, `txt-x`, `txt-y`) and drawn over the picture or cut out of it \
               (`txt-blend-mode`)",
        run: layers,
    },
    Step {
        name: "fp-debug",
        does: "`fp-debug`: crosshairs and a ring at the focal point, over the picture and its layers",
        run: fp_debug,
    },
    Step {
        name: "mask",
        does: "`mask=ellipse|corners|<url>` with `mask-bg`, on the picture alone (before the padding \
               and border, which stay unmasked)",
        run: mask,
    },
    Step {
        name: "canvas",
        does: "the fit=fill area (`fill`), padding, border (`border-radius`, `border-stroke-*`) and \
               rounded corners",
        run: canvas,
    },
    Step { name: "grid", does: "`transparency=grid`: a checkerboard behind transparent pixels", run: grid },
    Step {
        name: "drop-shadow",
        does: "`drop-shadow` (blur px, with `-type` flat, float or inset, `-x`, `-y`, `-spread`, \
               `-color`; all × dpr): shaped by the finished image's alpha, so layers, append, \
               padding, border and mask cast with it; flat and float grow the canvas by three \
               blurs per side (± the offset), inset never does",
        run: drop_shadow,
    },
    Step {
        name: "flatten",
        does: "`bg` behind transparent pixels, and no alpha for outputs that cannot carry it",
        run: flatten,
    },
];

/// Runs `STEPS` over the decoded (stored-orientation) image.
pub fn run(raster: impl Into<Raster>, plan: &Plan, finish: Finish, inputs: Inputs) -> Result<Image> {
    let mut context =
        Context { raster: Some(raster.into()), image: Image::new(0, 0, 3, Vec::new()), plan, finish, inputs };
    for step in STEPS {
        (step.run)(&mut context)?;
    }
    Ok(context.image)
}

fn resize(c: &mut Context) -> Result<()> {
    let raster = c.raster.take().ok_or_else(|| Error::internal("resize ran twice: the decoded image is gone"))?;
    c.image = resize::crop_and_resize(raster, c.plan)?;
    Ok(())
}

fn orient(c: &mut Context) -> Result<()> {
    c.map(|image, plan| orient::apply(image, plan.orientation));
    Ok(())
}

fn redeye(c: &mut Context) -> Result<()> {
    if c.plan.redeye {
        let boxes: Vec<_> = c.inputs.faces.iter().map(|f| c.plan.source_to_resized((f.x, f.y, f.w, f.h))).collect();
        faces::remove_redeye(&mut c.image, &boxes);
    }
    Ok(())
}

fn redact(c: &mut Context) -> Result<()> {
    let Some((how, amount)) = c.plan.redact else { return Ok(()) };
    let boxes: Vec<_> = c
        .inputs
        .faces
        .iter()
        .map(|f| {
            let (x, y, w, h) = c.plan.source_to_resized((f.x, f.y, f.w, f.h));
            let px = |v: f64| v.round().max(0.0) as u32;
            (px(x), px(y), px(w), px(h))
        })
        .collect();
    match how {
        Redaction::Blur => crate::ops::redact::blur_areas(&mut c.image, &boxes, amount),
        Redaction::Pixelate => crate::ops::redact::pixelate_areas(&mut c.image, &boxes, amount),
    }
    Ok(())
}

fn fp_debug(c: &mut Context) -> Result<()> {
    let Some((x, y)) = c.plan.fp_debug else { return Ok(()) };
    let (x, y, _, _) = c.plan.source_to_resized((x, y, 0.0, 0.0));
    let at = |v: f64| v.round().max(0.0) as u32;
    crate::ops::redact::crosshair(&mut c.image, at(x), at(y), [255, 0, 255, 255]);
    Ok(())
}

fn adjust(c: &mut Context) -> Result<()> {
    c.map(|image, plan| crate::ops::apply(image, &plan.ops));
    Ok(())
}

fn flip(c: &mut Context) -> Result<()> {
    c.map(|image, plan| orient::flip(image, plan.flip));
    Ok(())
}

fn rotate(c: &mut Context) -> Result<()> {
    if let Some((degrees, pivot)) = c.plan.rotate {
        c.map(|image, _| crate::ops::rotate(image, degrees, pivot));
    }
    Ok(())
}

fn gradient(c: &mut Context) -> Result<()> {
    let Some(g) = &c.plan.gradient else { return Ok(()) };
    let dpr = c.plan.dpr;
    c.map(|image, _| layers::overlay(image, g, dpr, false));
    Ok(())
}

fn fade(c: &mut Context) -> Result<()> {
    let Some(f) = c.plan.fade else { return Ok(()) };
    let widths = f.widths((c.image.width, c.image.height), c.plan.dpr);
    c.map(|image, _| crate::ops::fade::fade(image, widths));
    Ok(())
}

fn append(c: &mut Context) -> Result<()> {
    let Some(a) = &c.plan.append else { return Ok(()) };
    let other = c.inputs.append.ok_or_else(|| Error::invalid_param("append", "the append image was not fetched"))?;
    let image = std::mem::replace(&mut c.image, Image::new(0, 0, 3, Vec::new()));
    c.image = layers::append(image, other, a, c.plan.dpr, c.plan.canvas_color)?;
    Ok(())
}

fn layers(c: &mut Context) -> Result<()> {
    if c.plan.layers.is_empty() {
        return Ok(());
    }
    let image = std::mem::replace(&mut c.image, Image::new(0, 0, 3, Vec::new()));
    c.image = layers::draw(image, &c.plan.layers, c.inputs.layers, c.plan.dpr)?;
    Ok(())
}

fn mask(c: &mut Context) -> Result<()> {
    let Some(m) = c.plan.mask else { return Ok(()) };
    let picture = match (m.shape, c.inputs.mask) {
        (MaskShape::Image, Some(picture)) => Some(resize::stretch(picture, c.image.width, c.image.height)?),
        (MaskShape::Image, None) => return Err(Error::invalid_param("mask", "the mask image was not fetched")),
        _ => None,
    };
    let feather = match m.feather {
        Some(Offset::Px(v)) => (v * c.plan.dpr) as f32,
        Some(Offset::Fraction(f)) => (f * f64::from(c.image.width.min(c.image.height))) as f32,
        None => 0.0,
    };
    c.map(|image, _| canvas::mask(image, &m, picture.as_ref(), feather));
    Ok(())
}

fn canvas(c: &mut Context) -> Result<()> {
    c.map(canvas::place);
    Ok(())
}

fn grid(c: &mut Context) -> Result<()> {
    if let Some(g) = c.plan.grid {
        c.map(|image, _| canvas::grid(image, g));
    }
    Ok(())
}

fn drop_shadow(c: &mut Context) -> Result<()> {
    let Some(d) = c.plan.shadow else { return Ok(()) };
    let shadow = layers::shadow_of(&d, (c.image.width, c.image.height), c.plan.dpr);
    c.map(|image, _| crate::ops::shadow::drop_shadow(image, &shadow).0);
    Ok(())
}

fn flatten(c: &mut Context) -> Result<()> {
    let finish = c.finish;
    c.map(|image, _| canvas::flatten(image, finish));
    Ok(())
}

/// docs/pipeline.md: the render path and `STEPS`, in order.
pub fn steps_markdown() -> String {
    let mut out = String::from(
        "# The render path\n\n\
         Generated from `src/pipeline/mod.rs` (`STEPS`) by `cargo run -- pipeline > docs/pipeline.md`;\n\
         a test fails when this file is stale.\n\n\
         `src/render.rs` runs: probe → plan → decode → analyse → refine → the steps below → encode.\n\n\
         - **plan** (`src/plan/`): the geometry from the parameters and the source's header alone.\n\
         - **analyse** (`src/analyse/`): the decoded pixels are looked at only for what the request\n  \
           needs, each at most once: the box `trim` keeps, faces (`fit=facearea`, `crop=faces`,\n  \
           `auto=redeye`) and a small grey map for the busiest region (`crop=entropy|edges`).\n\
         - **refine** (`src/plan/refine.rs`): the plan and the findings become the final plan: planned\n  \
           again inside the trim box, then inside the face area, then the crop box placed on the faces\n  \
           or the busiest region.\n\
         - **steps**: every step reads that final plan; none re-derives geometry or looks for anything.\n\n\
         Animations: every kept frame goes through the same steps with one final plan, refined once\n\
         with the first kept frame: its busiest region places the crop box for every frame. `trim`\n\
         does not apply to animations (their trim box would be the union over all frames, known only\n\
         after the last one, while frames are rendered as they are decoded; one frame's box would cut\n\
         off what moves in the others). Faces are not looked for (`crop=faces` and `fit=facearea` use\n\
         their fallbacks, `auto=redeye` changes nothing).\n\n\
         ## Steps\n\n\
         | # | step | what it does |\n|---|---|---|\n",
    );
    for (i, step) in STEPS.iter().enumerate() {
        out.push_str(&format!("| {} | `{}` | {} |\n", i + 1, step.name, step.does.replace('|', "\\|")));
    }
    out.push_str(
        "\nThe order follows imgix's: geometry and colour first, then gradient and fade, the\n\
         append, the layers blend → mark → text, then mask, border and padding on the composite, and\n\
         the drop shadow last. ixora has no text step yet;\n\
         `STEPS` marks where each would go. The mask runs before the canvas, so padding and border\n\
         are not masked.\n",
    );
    out
}

#[cfg(test)]
mod tests {
    /// docs/pipeline.md is generated from `STEPS`; `IXORA_BLESS=1` rewrites it.
    #[test]
    fn pipeline_doc_is_current() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/pipeline.md");
        let want = super::steps_markdown();
        if std::env::var_os("IXORA_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        let have = std::fs::read_to_string(path).unwrap_or_default();
        assert!(have == want, "docs/pipeline.md is stale: run `cargo run -- pipeline > docs/pipeline.md`");
    }

    #[test]
    fn resize_runs_first_and_flatten_last() {
        let names: Vec<_> = super::STEPS.iter().map(|s| s.name).collect();
        assert_eq!(names.first(), Some(&"resize"));
        assert_eq!(names.last(), Some(&"flatten"));
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len(), "step names are unique: {names:?}");
    }
}
