//! Pixels looked at before the geometry is final: faces, the trim box and the busiest region.
//! `run` looks only for what the request needs, each at most once per render; `plan::refine`
//! turns the findings into the final plan, and the pipeline's steps only read that plan.

pub mod busiest;
pub mod faces;
pub mod trim;

use crate::codec::Raster;
use crate::pipeline::orient_rect;
use crate::plan::{Plan, Region};

use faces::Face;
use trim::Trim;

/// What a request needs looked at (`plan::refine::wants` decides it from the plan and the
/// parameters, before decoding).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Wants {
    /// `trim`: which borders to cut away.
    pub trim: Option<Trim>,
    /// `fit=facearea`: the output's region comes from the faces.
    pub face_area: bool,
    /// Faces: for face areas, `crop=faces` and `auto=redeye`.
    pub faces: bool,
    /// `crop=entropy|edges`: the busiest region may place the crop box.
    pub busiest: bool,
    /// `crop=faces` comes first: when faces are found they place the crop box, so the busiest
    /// region is not looked at.
    pub faces_place_crop: bool,
}

impl Wants {
    /// The region is chosen from the pixels (trim, face areas), so the decode cannot shrink to
    /// what the first plan's region needs.
    pub fn whole_source(&self) -> bool {
        self.trim.is_some() || self.face_area
    }

    pub fn anything(&self) -> bool {
        self.trim.is_some() || self.faces || self.busiest
    }
}

/// What analysis found, in upright source pixels.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Findings {
    /// Largest first; `None` when they were not looked for.
    pub faces: Option<Vec<Face>>,
    /// The box `trim` keeps; `None` when nothing is trimmed or trim was not asked for.
    pub trim: Option<Region>,
    /// The analysis image the busiest crop placement is searched on.
    pub busiest: Option<busiest::Analysis>,
}

/// Looks at `raster` (the decoded image, stored orientation, at the scale the decoder chose)
/// for what `wants` asks. `plan` gives the orientation and the upright source size.
pub fn run(raster: &Raster, plan: &Plan, wants: &Wants) -> Findings {
    if !wants.anything() {
        return Findings::default();
    }
    let pixels = raster.pixels.as_8bit();
    let (sw, sh) = plan.source;
    let stored = if plan.orientation >= 5 { (sh, sw) } else { (sw, sh) };
    let trim = wants.trim.and_then(|t| t.bounds(&pixels)).map(|(x, y, w, h)| {
        let (kx, ky) = raster.scale;
        let b = (x as f64 / kx, y as f64 / ky, w as f64 / kx, h as f64 / ky);
        let (x, y, w, h) = orient_rect(plan.orientation, b, (stored.0 as f64, stored.1 as f64));
        Region { x, y, w, h }
    });
    let faces = wants.faces.then(|| faces::detect(&pixels, plan.orientation, plan.source));
    let placed_on_faces = wants.faces_place_crop && faces.as_ref().is_some_and(|f| !f.is_empty());
    let busiest = (wants.busiest && !placed_on_faces).then(|| busiest::analyse(&pixels, plan.orientation));
    Findings { faces, trim, busiest }
}
