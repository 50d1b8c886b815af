//! The final plan: the first plan, refined once with what `analyse::run` found in the pixels.
//! Still pure arithmetic (the findings are boxes and a small grey map), so it is table-tested
//! without images.

use super::{face_area, face_crop_center, plan_within, Plan, Region, SmartCrop};
use crate::analyse::trim::Trim;
use crate::analyse::{Findings, Wants};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::params::{Fit, Params};

/// What the pixels must be looked at for, given the first plan (`trim` is read from the
/// parameters with the source's alpha in mind).
pub fn wants(plan: &Plan, params: &Params, trim: Option<Trim>) -> Wants {
    let face_area = params.facearea;
    // A face area is planned again as fit=crop, with the request's own `crop` list.
    let area_crop = face_area && !params.crop.focalpoint;
    let smart = plan.smart;
    Wants {
        trim,
        face_area,
        faces: face_area || plan.needs_faces(),
        busiest: smart.is_some_and(|s| s.busiest.is_some()) || (area_crop && params.crop.smart.is_some()),
        faces_place_crop: smart.is_some_and(|s| s.faces) || (area_crop && params.crop.faces),
    }
}

/// Turns the first plan and the findings into the final plan, in this order: the geometry is
/// planned again inside the trim box; then, for `fit=facearea` with faces, inside the face area
/// (as fit=crop); then a smart crop box is placed on the faces or the busiest region.
pub fn refine(
    plan: Plan,
    findings: &Findings,
    params: &Params,
    stored: (u32, u32),
    exif: u8,
    limits: &Limits,
) -> Result<Plan> {
    let mut plan = plan;
    if let Some(kept) = findings.trim {
        plan = plan_within(params, stored, exif, limits, Some(kept))?;
    }
    if params.facearea {
        let (w, h) = plan.source;
        let within = findings.trim.unwrap_or(Region { x: 0.0, y: 0.0, w: w as f64, h: h as f64 });
        let faces = findings.faces.as_deref().unwrap_or(&[]);
        if let Some(area) = face_area(params, faces, within) {
            // The face area has the output's ratio already; without faces `fit` is the fallback.
            let crop = Params { fit: Fit::Crop, rect: None, ..params.clone() };
            plan = plan_within(&crop, stored, exif, limits, Some(area))?;
        }
    }
    if let Some(smart) = plan.smart {
        place_smart_crop(&mut plan, smart, findings)?;
    }
    Ok(plan)
}

/// `crop=faces|entropy|edges`: centres the crop box on the faces, or else moves it to the
/// busiest place of the analysis image, within the smart crop's bounds; with neither it stays
/// where the anchors put it.
fn place_smart_crop(plan: &mut Plan, smart: SmartCrop, findings: &Findings) -> Result<()> {
    let (within, r) = (smart.within, plan.region);
    let faces = findings.faces.as_deref().unwrap_or(&[]);
    if let Some((cx, cy)) = smart.faces.then(|| face_crop_center(faces, (r.w, r.h), plan.faceindex)).flatten() {
        plan.region.x = (cx - r.w / 2.0).clamp(within.x, within.x + within.w - r.w);
        plan.region.y = (cy - r.h / 2.0).clamp(within.y, within.y + within.h - r.h);
        return Ok(());
    }
    let Some(kind) = smart.busiest else { return Ok(()) };
    let analysis = findings
        .busiest
        .as_ref()
        .ok_or_else(|| Error::internal(format!("crop={kind:?} is placed without a busiest-region analysis")))?;
    // Analysis pixels per source pixel, per axis.
    let (ax, ay) = (analysis.w as f64 / plan.source.0 as f64, analysis.h as f64 / plan.source.1 as f64);
    let span = |start: f64, len: f64, full: f64, k: f64| {
        ((start * k).round() as usize, ((start + full - len) * k).round() as usize)
    };
    let size = ((r.w * ax).round() as usize, (r.h * ay).round() as usize);
    let (bx, by) = analysis.best(kind, size, span(within.x, r.w, within.w, ax), span(within.y, r.h, within.h, ay));
    plan.region.x = (bx as f64 / ax).clamp(within.x, within.x + within.w - r.w);
    plan.region.y = (by as f64 / ay).clamp(within.y, within.y + within.h - r.h);
    Ok(())
}

#[cfg(test)]
mod tests;
