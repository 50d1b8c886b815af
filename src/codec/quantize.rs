//! Colour quantization for palette outputs (`fm=png8`, `colorquant`): median cut over a
//! histogram of 5-bit RGB + 4-bit alpha buckets, then a Floyd–Steinberg dithered remap.
//! Our own code because the best-known Rust quantizer (imagequant) is GPL.

use crate::image::Image;

/// A palette image: `indices` has one byte per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Indexed {
    pub width: u32,
    pub height: u32,
    pub palette: Vec<[u8; 4]>,
    pub indices: Vec<u8>,
}

/// 5+5+5 bits of colour and 4 of alpha: 512 Ki buckets.
const BUCKETS: usize = 1 << 19;

fn key(p: [u8; 4]) -> usize {
    (p[0] as usize >> 3) << 14 | (p[1] as usize >> 3) << 9 | (p[2] as usize >> 3) << 4 | (p[3] as usize >> 4)
}

/// The bucket's centre colour.
fn centre(k: usize) -> [u8; 4] {
    [
        ((k >> 14 & 31) << 3 | 4) as u8,
        ((k >> 9 & 31) << 3 | 4) as u8,
        ((k >> 4 & 31) << 3 | 4) as u8,
        ((k & 15) << 4 | 8) as u8,
    ]
}

fn rgba(image: &Image, i: usize) -> [u8; 4] {
    let c = image.channels as usize;
    let p = &image.data[i * c..i * c + c];
    [p[0], p[1], p[2], if c == 4 { p[3] } else { 255 }]
}

/// Reduces `image` to at most `colors` (2–256) colours. Fully transparent pixels share one
/// palette entry; dithering spreads each pixel's error to its neighbours.
pub fn quantize(image: &Image, colors: usize, dither: bool) -> Indexed {
    let colors = colors.clamp(2, 256);
    let n = image.width as usize * image.height as usize;
    let mut counts = vec![0u32; BUCKETS];
    let mut transparent = false;
    for i in 0..n {
        let p = rgba(image, i);
        if p[3] == 0 {
            transparent = true;
        } else {
            counts[key(p)] += 1;
        }
    }
    let mut used: Vec<([u8; 4], u32)> =
        counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(k, &c)| (centre(k), c)).collect();
    drop(counts);
    let budget = if transparent { colors - 1 } else { colors };
    let mut palette = median_cut(&mut used, budget.max(1));
    refine(image, &mut palette);
    if transparent {
        palette.push([0, 0, 0, 0]);
    }
    let indices = remap(image, &palette, dither);
    Indexed { width: image.width, height: image.height, palette, indices }
}

/// Splits the populated buckets into at most `boxes` boxes; each box's weighted mean is a colour.
fn median_cut(items: &mut [([u8; 4], u32)], boxes: usize) -> Vec<[u8; 4]> {
    if items.is_empty() {
        return Vec::new();
    }
    let mut ranges: Vec<(usize, usize)> = vec![(0, items.len())];
    while ranges.len() < boxes {
        // Split the box whose widest channel, weighted by population, is largest.
        let best = ranges
            .iter()
            .enumerate()
            .filter(|(_, (a, b))| b - a > 1)
            .map(|(i, &(a, b))| {
                let (ch, width) = widest(&items[a..b]);
                let pop: u64 = items[a..b].iter().map(|x| u64::from(x.1)).sum();
                (i, ch, width as f64 * (pop as f64).sqrt())
            })
            .filter(|x| x.2 > 0.0)
            .max_by(|x, y| x.2.total_cmp(&y.2));
        let Some((i, ch, _)) = best else { break };
        let (a, b) = ranges[i];
        let slice = &mut items[a..b];
        slice.sort_unstable_by_key(|x| x.0[ch]);
        let total: u64 = slice.iter().map(|x| u64::from(x.1)).sum();
        let mut acc = 0u64;
        let mut cut = 1;
        for (j, x) in slice.iter().enumerate() {
            acc += u64::from(x.1);
            if acc * 2 >= total {
                cut = (j + 1).clamp(1, slice.len() - 1);
                break;
            }
        }
        ranges[i] = (a, a + cut);
        ranges.push((a + cut, b));
    }
    ranges
        .iter()
        .map(|&(a, b)| {
            let mut sum = [0u64; 4];
            let mut pop = 0u64;
            for (c, w) in &items[a..b] {
                for k in 0..4 {
                    sum[k] += u64::from(c[k]) * u64::from(*w);
                }
                pop += u64::from(*w);
            }
            let mut c = [0u8; 4];
            for k in 0..4 {
                c[k] = ((sum[k] + pop / 2) / pop.max(1)) as u8;
            }
            // Nearly opaque boxes become opaque: no needless tRNS entries.
            if c[3] >= 248 {
                c[3] = 255;
            }
            c
        })
        .collect()
}

/// One k-means step on the real pixels: bucket centres are up to 4 levels off, so each entry
/// moves to the exact mean of the pixels nearest to it (black stays 0,0,0).
fn refine(image: &Image, palette: &mut [[u8; 4]]) {
    if palette.is_empty() {
        return;
    }
    let mut cache = vec![u16::MAX; BUCKETS];
    let mut sums = vec![[0u64; 5]; palette.len()];
    for i in 0..image.width as usize * image.height as usize {
        let p = rgba(image, i);
        if p[3] == 0 {
            continue;
        }
        let k = key(p);
        if cache[k] == u16::MAX {
            cache[k] = u16::from(nearest(palette, centre(k).map(i32::from)));
        }
        let s = &mut sums[cache[k] as usize];
        for c in 0..4 {
            s[c] += u64::from(p[c]);
        }
        s[4] += 1;
    }
    for (entry, s) in palette.iter_mut().zip(&sums) {
        if s[4] > 0 {
            *entry = std::array::from_fn(|c| ((s[c] + s[4] / 2) / s[4]) as u8);
        }
    }
}

fn widest(items: &[([u8; 4], u32)]) -> (usize, u8) {
    let mut best = (0, 0);
    for ch in 0..4 {
        let (lo, hi) = items.iter().fold((255u8, 0u8), |(lo, hi), x| (lo.min(x.0[ch]), hi.max(x.0[ch])));
        let width = hi.saturating_sub(lo);
        if width > best.1 {
            best = (ch, width);
        }
    }
    best
}

fn nearest(palette: &[[u8; 4]], p: [i32; 4]) -> u8 {
    let mut best = (u32::MAX, 0);
    for (i, c) in palette.iter().enumerate() {
        let d: u32 = (0..4)
            .map(|k| {
                let e = p[k] - i32::from(c[k]);
                (e * e) as u32
            })
            .sum();
        if d < best.0 {
            best = (d, i);
        }
    }
    best.1 as u8
}

/// Maps every pixel to a palette index; a bucket-keyed cache makes repeated colours cheap.
fn remap(image: &Image, palette: &[[u8; 4]], dither: bool) -> Vec<u8> {
    let (w, h) = (image.width as usize, image.height as usize);
    let transparent = palette.iter().position(|c| c[3] == 0).map(|i| i as u8);
    let mut cache = vec![u16::MAX; BUCKETS];
    let mut lookup = |p: [i32; 4]| -> u8 {
        let clamped = p.map(|v| v.clamp(0, 255) as u8);
        let k = key(clamped);
        if cache[k] == u16::MAX {
            cache[k] = u16::from(nearest(palette, centre(k).map(i32::from)));
        }
        cache[k] as u8
    };
    let mut out = vec![0u8; w * h];
    // Error rows (4 channels, 1/16 units) for this row and the next, with a pixel of margin.
    let mut err = vec![[0i32; 4]; w + 2];
    let mut next = vec![[0i32; 4]; w + 2];
    for y in 0..h {
        for x in 0..w {
            let i = y * w + x;
            let src = rgba(image, i);
            if src[3] == 0 {
                if let Some(t) = transparent {
                    out[i] = t;
                    continue;
                }
            }
            let want: [i32; 4] = std::array::from_fn(|k| {
                let e = if dither { err[x + 1][k] / 16 } else { 0 };
                (i32::from(src[k]) + e).clamp(0, 255)
            });
            let idx = lookup(want);
            out[i] = idx;
            if dither {
                let got = palette[idx as usize];
                for k in 0..4 {
                    // Damped a little (×7/8) so flat areas do not crawl with noise.
                    let e = (want[k] - i32::from(got[k])) * 7 / 8;
                    err[x + 2][k] += e * 7;
                    next[x][k] += e * 3;
                    next[x + 1][k] += e * 5;
                    next[x + 2][k] += e;
                }
            }
        }
        if dither {
            std::mem::swap(&mut err, &mut next);
            next.iter_mut().for_each(|e| *e = [0; 4]);
        }
    }
    out
}

/// The quantized pixels back as an image (for `colorquant` on non-palette outputs).
pub fn expand(indexed: &Indexed, channels: u8) -> Image {
    let c = channels as usize;
    let mut data = Vec::with_capacity(indexed.indices.len() * c);
    for &i in &indexed.indices {
        data.extend_from_slice(&indexed.palette[i as usize][..c]);
    }
    Image::new(indexed.width, indexed.height, channels, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, channels: u8) -> Image {
        let data = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let px = [(x * 255 / w) as u8, (y * 255 / h) as u8, 128, if x < 4 { 0 } else { 255 }];
                px[..channels as usize].to_vec()
            })
            .collect();
        Image::new(w, h, channels, data)
    }

    fn psnr(a: &Image, b: &Image) -> f64 {
        let mse: f64 = a.data.iter().zip(&b.data).map(|(&x, &y)| (f64::from(x) - f64::from(y)).powi(2)).sum::<f64>()
            / a.data.len() as f64;
        10.0 * (255.0f64 * 255.0 / mse.max(1e-9)).log10()
    }

    #[test]
    fn few_colours_are_kept_exactly() {
        let mut data = Vec::new();
        for i in 0..64 {
            data.extend_from_slice(if i % 3 == 0 { &[255, 0, 0] } else { &[0, 0, 255] });
        }
        let img = Image::new(8, 8, 3, data);
        let q = quantize(&img, 16, true);
        assert!(q.palette.len() <= 2, "{:?}", q.palette);
        assert_eq!(expand(&q, 3), img);
    }

    #[test]
    fn palette_size_is_respected_and_quality_rises_with_colours() {
        let img = gradient(128, 96, 3);
        let mut last = 0.0;
        for n in [4usize, 16, 64, 256] {
            let q = quantize(&img, n, false);
            assert!(q.palette.len() <= n && q.indices.iter().all(|&i| (i as usize) < q.palette.len()));
            let p = psnr(&expand(&q, 3), &img);
            assert!(p > last, "{n} colours: {p:.1} dB after {last:.1}");
            last = p;
        }
        assert!(last > 32.0, "256 colours: {last:.1} dB");
    }

    #[test]
    fn transparency_gets_its_own_entry() {
        let img = gradient(64, 16, 4);
        let q = quantize(&img, 8, true);
        let t = q.palette.iter().position(|c| c[3] == 0).expect("a transparent entry");
        for y in 0..16 {
            for x in 0..4 {
                assert_eq!(q.indices[y * 64 + x] as usize, t);
            }
            assert_ne!(q.indices[y * 64 + 10] as usize, t);
        }
    }

    #[test]
    fn dithering_lowers_banding_error_on_average() {
        // A 2-colour gradient: dithered local averages track the source better than plain mapping.
        let img = gradient(64, 64, 3);
        let blur = |im: &Image| -> Vec<f64> {
            let c = 3;
            (0..(64 / 4) * (64 / 4))
                .map(|b| {
                    let (bx, by) = (b % 16 * 4, b / 16 * 4);
                    let mut s = 0.0;
                    for y in by..by + 4 {
                        for x in bx..bx + 4 {
                            s += f64::from(im.data[(y * 64 + x) * c]);
                        }
                    }
                    s / 16.0
                })
                .collect()
        };
        let src = blur(&img);
        let err = |dither| {
            let back = blur(&expand(&quantize(&img, 2, dither), 3));
            back.iter().zip(&src).map(|(a, b)| (a - b).abs()).sum::<f64>()
        };
        assert!(err(true) < err(false), "dithered {} vs plain {}", err(true), err(false));
    }
}
