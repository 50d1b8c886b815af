//! Which frames of an animated original are kept and how long each shows: imgix's `frame`,
//! `interval`, `skip`, `fps`, `reverse` and `loop`. Pure arithmetic on frame indices.

use crate::codec::animation::Frame;
use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Timeline {
    /// `frame`: 0-based first and last frame kept (one frame → a still image).
    pub frames: Option<(u32, u32)>,
    /// `interval`: keep every Nth frame.
    pub interval: u32,
    /// `skip`: drop every Nth frame.
    pub skip: u32,
    /// `fps`: every frame shows 1000/fps ms.
    pub fps: Option<f64>,
    pub reverse: bool,
    /// `loop`: 0 = forever; None keeps the original's.
    pub loop_count: Option<u16>,
}

impl Timeline {
    pub fn from_params(params: &Params) -> Timeline {
        let t = &params.timeline;
        // `frame=3` (1-based) or an interval `2-5`; open intervals keep every frame.
        let frames = t.frame.and_then(|(a, b)| {
            let (a, b) = (a?, b?);
            (a >= 1 && b >= a).then(|| (a - 1, b - 1))
        });
        Timeline {
            frames,
            interval: t.interval.map_or(1, |v| v.clamp(1.0, 1e6) as u32),
            skip: t.skip.map_or(0, |v| v.clamp(0.0, 1e6) as u32),
            fps: t.fps.filter(|v| *v > 0.0).map(|v| v.min(100.0)),
            reverse: t.reverse,
            loop_count: t.loop_count.map(|v| v.clamp(0.0, 65535.0) as u16),
        }
    }

    /// One frame only: the output is a still image.
    pub fn single(&self) -> Option<u32> {
        self.frames.filter(|(a, b)| a == b).map(|(a, _)| a)
    }

    /// Whether frame `i` (0-based) is kept. Dropped frames lend their time to the frame before.
    pub fn keeps(&self, i: u32) -> bool {
        if let Some((a, b)) = self.frames {
            if i < a || i > b {
                return false;
            }
        }
        let n = i - self.frames.map_or(0, |f| f.0);
        n % self.interval == 0 && !(self.skip >= 2 && (n + 1) % self.skip == 0)
    }

    /// Frames past the last kept one need not be decoded.
    pub fn past_end(&self, i: u32) -> bool {
        self.frames.is_some_and(|(_, b)| i > b)
    }

    /// Applies `fps` and `reverse`; returns the frames and the loop count to write.
    pub fn finish(&self, mut frames: Vec<Frame>, source_loop: u16) -> (Vec<Frame>, u16) {
        if let Some(fps) = self.fps {
            let delay = (1000.0 / fps).round() as u32;
            frames.iter_mut().for_each(|f| f.delay_ms = delay);
        }
        if self.reverse {
            frames.reverse();
        }
        (frames, self.loop_count.unwrap_or(source_loop))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;
    use crate::params::parse;

    fn kept(q: &str, n: u32) -> Vec<u32> {
        let t = Timeline::from_params(&parse(q).unwrap());
        (0..n).filter(|&i| t.keeps(i)).collect()
    }

    #[test]
    fn selection_table() {
        assert_eq!(kept("w=1", 5), vec![0, 1, 2, 3, 4]);
        assert_eq!(kept("interval=2", 5), vec![0, 2, 4]);
        assert_eq!(kept("skip=2", 6), vec![0, 2, 4]);
        assert_eq!(kept("skip=3", 6), vec![0, 1, 3, 4]);
        assert_eq!(kept("skip=1", 3), vec![0, 1, 2], "skip=1 would drop everything: ignored");
        assert_eq!(kept("frame=2", 5), vec![1]);
        assert_eq!(kept("frame=2-4", 6), vec![1, 2, 3]);
        assert_eq!(Timeline::from_params(&parse("frame=3").unwrap()).single(), Some(2));
        assert_eq!(Timeline::from_params(&parse("frame=0").unwrap()).single(), None);
    }

    #[test]
    fn fps_reverse_and_loop() {
        let frames: Vec<Frame> =
            (0..3).map(|i| Frame { image: Image::filled(1, 1, 3, [i, 0, 0, 255]), delay_ms: 70 }).collect();
        let t = Timeline::from_params(&parse("fps=20&reverse=true&loop=2").unwrap());
        let (out, loops) = t.finish(frames.clone(), 0);
        assert_eq!(loops, 2);
        assert_eq!(
            out.iter().map(|f| (f.image.data[0], f.delay_ms)).collect::<Vec<_>>(),
            vec![(2, 50), (1, 50), (0, 50)]
        );
        assert_eq!(Timeline::default().finish(frames, 7).1, 7);
    }
}
