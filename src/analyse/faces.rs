//! Face detection for `crop=faces`, `fit=facearea`, `faces=1` and `auto=redeye`: SeetaFace's
//! funnel-structured cascade (the `rustface` crate) run on a small upright grey copy of the
//! decoded image, so its cost does not grow with the photo.

use crate::analyse::busiest::Analysis;
use crate::image::Image;
use crate::pipeline::orient;

include!(concat!(env!("OUT_DIR"), "/face_model.rs"));

/// Long side of the analysis image. The cascade's window is 40 px and the image is never
/// enlarged, so faces down to about 8% of the photo's long side are found; the cost grows with
/// the square of this side (about 30 ms natively at 480).
const ANALYSIS_SIDE: u32 = 480;
/// Each pyramid level is this fraction of the one before. Coarser steps are cheaper (0.7 saves
/// about a quarter) but their boxes are coarser and they lost the test portrait at smaller
/// analysis sizes.
const PYRAMID_STEP: f32 = 0.8;
/// The cascade's score threshold: rustface's suggested 2.0 lets through textures on busy
/// photos; above ~5 small frontal faces are lost.
const SCORE_THRESHOLD: f64 = 4.0;

/// The smallest decode (stored size) that still gives a full-size analysis image: what a
/// shrink-on-load decoder may go down to when only faces are wanted.
pub fn analysis_size((w, h): (u32, u32)) -> (u32, u32) {
    let k = (ANALYSIS_SIDE as f64 / w.max(h) as f64).min(1.0);
    (((w as f64 * k).ceil() as u32).max(1), ((h as f64 * k).ceil() as u32).max(1))
}

/// A detected face in upright source pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Face {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    /// The cascade's confidence (higher is surer).
    pub score: f64,
}

impl Face {
    pub fn center(&self) -> (f64, f64) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
}

/// Faces in `decoded` (stored orientation; `orientation` turns it upright), in upright source
/// pixels of a source whose upright size is `source`. Largest face first (that is `faceindex=1`).
pub fn detect(decoded: &Image, orientation: u8, source: (u32, u32)) -> Vec<Face> {
    let stored = Analysis::with_side(decoded, ANALYSIS_SIDE);
    let grey3 = Image::new(stored.w as u32, stored.h as u32, 3, stored.gray.iter().flat_map(|&g| [g, g, g]).collect());
    let upright = orient::apply(grey3, orientation);
    let (w, h) = (upright.width, upright.height);
    // The cascade's window is 40 px: nothing smaller can hold a face.
    if w < 40 || h < 40 {
        return Vec::new();
    }
    let gray: Vec<u8> = upright.data.chunks_exact(3).map(|p| p[0]).collect();
    let model = match rustface::read_model(FACE_MODEL) {
        Ok(m) => m,
        Err(_) => return Vec::new(),
    };
    let mut detector = rustface::create_detector_with_model(model);
    detector.set_min_face_size(20);
    detector.set_score_thresh(SCORE_THRESHOLD);
    detector.set_pyramid_scale_factor(PYRAMID_STEP);
    detector.set_slide_window_step(4, 4);
    let found = detector.detect(&rustface::ImageData::new(&gray, w, h));
    let (kx, ky) = (source.0 as f64 / w as f64, source.1 as f64 / h as f64);
    let mut faces: Vec<Face> = found
        .iter()
        .map(|f| {
            let b = f.bbox();
            // Boxes may hang over the edge; keep the part inside the image.
            let (x0, y0) = ((b.x() as f64).max(0.0), (b.y() as f64).max(0.0));
            let x1 = (b.x() as f64 + b.width() as f64).min(w as f64);
            let y1 = (b.y() as f64 + b.height() as f64).min(h as f64);
            Face { x: x0 * kx, y: y0 * ky, w: (x1 - x0) * kx, h: (y1 - y0) * ky, score: f.score() }
        })
        .filter(|f| f.w > 0.0 && f.h > 0.0)
        .collect();
    faces.sort_by(|a, b| (b.w * b.h).total_cmp(&(a.w * a.h)).then(a.x.total_cmp(&b.x)));
    faces
}

/// The smallest rectangle holding every face.
pub fn union(faces: &[Face]) -> Option<(f64, f64, f64, f64)> {
    let x0 = faces.iter().map(|f| f.x).reduce(f64::min)?;
    let y0 = faces.iter().map(|f| f.y).reduce(f64::min)?;
    let x1 = faces.iter().map(|f| f.x + f.w).reduce(f64::max)?;
    let y1 = faces.iter().map(|f| f.y + f.h).reduce(f64::max)?;
    Some((x0, y0, x1 - x0, y1 - y0))
}

/// `auto=redeye`: in the eye band of each face box (pixels of `image`), pixels whose red
/// strongly outweighs green and blue get red pulled down to the green/blue mean, blended by how
/// red they are so the pupil's edge stays soft. Skin (red about 1.3x green) is left alone.
pub fn remove_redeye(image: &mut Image, faces: &[(f64, f64, f64, f64)]) {
    let c = image.channels as usize;
    let (iw, ih) = (image.width as f64, image.height as f64);
    for &(x, y, w, h) in faces {
        // Eyes sit in the upper-middle band of a frontal face box.
        let (x0, x1) = ((x + 0.1 * w).max(0.0) as usize, (x + 0.9 * w).min(iw).max(0.0) as usize);
        let (y0, y1) = ((y + 0.15 * h).max(0.0) as usize, (y + 0.6 * h).min(ih).max(0.0) as usize);
        for row in y0..y1 {
            let line = &mut image.data[row * image.width as usize * c..][..image.width as usize * c];
            for px in line[x0 * c..x1 * c].chunks_exact_mut(c) {
                let (r, g, b) = (px[0] as f32, px[1] as f32, px[2] as f32);
                let ratio = r / g.max(b).max(1.0);
                let t = ((ratio - 1.8) / 0.7).clamp(0.0, 1.0);
                if t > 0.0 && r > 60.0 {
                    px[0] = (r + t * ((g + b) / 2.0 - r)).round() as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
