//! Content-aware crops (`crop=entropy`, `crop=edges`): a small upright grey copy of the decoded
//! image, on which `plan::refine` scores every placement of the crop box and keeps the busiest.

use crate::image::Image;
use crate::params::Smart;
use crate::pipeline::orient;

/// Analysis images are at most this many pixels on their long side: enough to find where the
/// detail is, cheap enough for the request budget.
const ANALYSIS_SIDE: u32 = 160;
const BINS: usize = 16;

/// A grey analysis image, already upright (`gray[y * w + x]`).
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    pub w: usize,
    pub h: usize,
    pub gray: Vec<u8>,
}

/// The analysis image of `decoded` (stored orientation; `orientation` turns it upright).
pub fn analyse(decoded: &Image, orientation: u8) -> Analysis {
    Analysis::new(&orient::apply(thumbnail(decoded), orientation))
}

/// A box-averaged RGB copy no larger than the analysis size.
pub fn thumbnail(img: &Image) -> Image {
    let a = Analysis::new(img);
    Image::new(a.w as u32, a.h as u32, 3, a.gray.iter().flat_map(|&g| [g, g, g]).collect())
}

impl Analysis {
    /// Box-averages `upright` (any size) down to the analysis size.
    pub fn new(upright: &Image) -> Analysis {
        Analysis::with_side(upright, ANALYSIS_SIDE)
    }

    /// Box-averages `upright` down to at most `side` pixels on its long side.
    pub fn with_side(upright: &Image, side: u32) -> Analysis {
        let k = (upright.width.max(upright.height) as f64 / side as f64).max(1.0);
        let (w, h) = (
            ((upright.width as f64 / k).round() as usize).max(1),
            ((upright.height as f64 / k).round() as usize).max(1),
        );
        let mut sum = vec![0u32; w * h];
        let mut count = vec![0u32; w * h];
        let c = upright.channels as usize;
        for y in 0..upright.height as usize {
            let ay = (y * h / upright.height as usize).min(h - 1);
            for x in 0..upright.width as usize {
                let ax = (x * w / upright.width as usize).min(w - 1);
                let p = &upright.data[(y * upright.width as usize + x) * c..][..3];
                sum[ay * w + ax] += (299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32) / 1000;
                count[ay * w + ax] += 1;
            }
        }
        let gray = sum.iter().zip(&count).map(|(s, n)| (s / (*n).max(1)) as u8).collect();
        Analysis { w, h, gray }
    }

    /// Top-left of the best `bw × bh` window whose top-left lies in `[x0, x1] × [y0, y1]`
    /// (analysis pixels).
    pub fn best(
        &self,
        kind: Smart,
        (bw, bh): (usize, usize),
        (x0, x1): (usize, usize),
        (y0, y1): (usize, usize),
    ) -> (usize, usize) {
        let (w, h) = (self.w, self.h);
        let (bw, bh) = (bw.clamp(1, w), bh.clamp(1, h));
        let (x1, y1) = (x1.min(w - bw), y1.min(h - bh));
        // Summed-area tables: one of edge strength, or one per grey-level bin for entropy.
        let planes: Vec<Vec<f64>> = match kind {
            Smart::Edges => vec![self.edge_strength()],
            Smart::Entropy => (0..BINS)
                .map(|b| self.gray.iter().map(|&g| if g as usize * BINS / 256 == b { 1.0 } else { 0.0 }).collect())
                .collect(),
        };
        let tables: Vec<Vec<f64>> = planes.iter().map(|p| integral(p, w, h)).collect();
        let area = (bw * bh) as f64;
        let mut best = (f64::MIN, x0.min(x1), y0.min(y1));
        for y in y0.min(y1)..=y1 {
            for x in x0.min(x1)..=x1 {
                let score = match kind {
                    Smart::Edges => window(&tables[0], w, x, y, bw, bh),
                    Smart::Entropy => tables
                        .iter()
                        .map(|t| window(t, w, x, y, bw, bh) / area)
                        .filter(|p| *p > 0.0)
                        .map(|p| -p * p.log2())
                        .sum(),
                };
                if score > best.0 + 1e-9 {
                    best = (score, x, y);
                }
            }
        }
        (best.1, best.2)
    }

    fn edge_strength(&self) -> Vec<f64> {
        let (w, h) = (self.w, self.h);
        let g = |x: usize, y: usize| self.gray[y.min(h - 1) * w + x.min(w - 1)] as f64;
        (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| {
                (g(x + 1, y) - g(x.saturating_sub(1), y)).abs() + (g(x, y + 1) - g(x, y.saturating_sub(1))).abs()
            })
            .collect()
    }
}

fn integral(plane: &[f64], w: usize, h: usize) -> Vec<f64> {
    let mut t = vec![0.0; (w + 1) * (h + 1)];
    for y in 0..h {
        let mut row = 0.0;
        for x in 0..w {
            row += plane[y * w + x];
            t[(y + 1) * (w + 1) + x + 1] = t[y * (w + 1) + x + 1] + row;
        }
    }
    t
}

fn window(t: &[f64], w: usize, x: usize, y: usize, bw: usize, bh: usize) -> f64 {
    let s = w + 1;
    t[(y + bh) * s + x + bw] - t[y * s + x + bw] - t[(y + bh) * s + x] + t[y * s + x]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Flat grey with a noisy patch on the right: both scores must move the window there.
    #[test]
    fn finds_the_busy_part() {
        let mut img = Image::filled(200, 100, 3, [128, 128, 128, 255]);
        let mut seed = 7u32;
        for y in 20..80 {
            for x in 150..190 {
                seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                let v = (seed >> 16) as u8;
                let i = (y * 200 + x) * 3;
                img.data[i..i + 3].copy_from_slice(&[v, v, v]);
            }
        }
        let a = Analysis::new(&img);
        assert_eq!((a.w, a.h), (160, 80));
        for kind in [Smart::Edges, Smart::Entropy] {
            let (x, _) = a.best(kind, (80, 80), (0, 80), (0, 0));
            assert!(x >= 60, "{kind:?} chose x={x}");
        }
    }
}
