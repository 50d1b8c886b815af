//! AVIF both ways, pure Rust, without asm or threads so it compiles for wasm32-wasip1.
//!
//! Input: the HEIF items (`super::heif`) give the primary AV1 image and its alpha auxiliary;
//! rav1d (the Rust port of dav1d) decodes them single-threaded; YUV → RGB follows the `nclx`
//! matrix and range (else the AV1 sequence header's), 10/12-bit samples are rounded to 8 bits,
//! and `clap` crops. `irot`/`imir` become the probe's EXIF-style orientation, which the pipeline
//! applies like a JPEG's. Animated AVIF (`avis`) decodes its still primary image, which by
//! convention is the first frame; a sequence without one is a 415.
//!
//! Output: ravif (rav1e). AV1 encoding is the most expensive thing ixora does, so it always runs
//! at rav1e's fastest speed, and `auto=format` only picks it for small outputs (see
//! `negotiate::AVIF_AUTO_MAX_PIXELS`).

use std::ffi::c_int;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use rav1d::include::dav1d::data::Dav1dData;
use rav1d::include::dav1d::dav1d::{Dav1dContext, Dav1dSettings};
use rav1d::include::dav1d::picture::Dav1dPicture;
use rav1d::src::lib as dav1d;

use super::container::Extras;
use super::heif::{self, Heif, Item};
use super::{check_budget, check_pixels, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::{Decoded, Image, Image16};

/// Header-only: sizes and orientation from the item properties.
pub(super) fn probe(bytes: &[u8]) -> Result<Probe> {
    let heif = heif::parse(bytes)?;
    let p = &heif.primary.properties;
    let (width, height) = p.cropped_size().ok_or_else(|| Error::undecodable("corrupt AVIF: no image size (ispe)"))?;
    Ok(Probe {
        format: Format::Avif,
        width,
        height,
        orientation: p.orientation(),
        has_alpha: heif.alpha.is_some(),
        frames: 1,
        progressive: false,
    })
}

/// ICC profile, bit depth and colour model from the item properties.
pub(super) fn extras(bytes: &[u8], x: &mut Extras) {
    if let Ok(heif) = heif::parse(bytes) {
        let p = heif.primary.properties;
        x.icc = p.icc;
        x.depth = p.depth.unwrap_or(8);
        x.color_model = if p.channels == Some(1) { "Gray" } else { "RGB" };
    }
}

/// Decodes the primary image (and alpha) at full size, cropped by `clap`, in stored orientation.
/// 10- and 12-bit images come out 16-bit (for colour management and the resize) when the budget
/// holds a 16-bit image, else 8-bit.
pub(super) fn decode_full_depth(bytes: &[u8], limits: &Limits) -> Result<Decoded> {
    let heif = heif::parse(bytes)?;
    let props = &heif.primary.properties;
    let (w, h) = props.size.ok_or_else(|| Error::undecodable("corrupt AVIF: no image size (ispe)"))?;
    check_pixels(Format::Avif, w, h, limits)?;
    // dav1d's planes (16-bit samples above 8 bits) with its padding, the alpha plane, our output.
    let px = u64::from(w) * u64::from(h);
    let sample = if props.depth.unwrap_or(8) > 8 { 2 } else { 1 };
    let alpha = if heif.alpha.is_some() { 1 } else { 0 };
    let needs = |out: u64| px * (sample * (4 + alpha) + out * (3 + alpha)) + 4 * 1024 * 1024;
    let deep = sample == 2 && needs(2) <= limits.max_decode_bytes;
    check_budget("AVIF", w, h, needs(if deep { 2 } else { 1 }), limits)?;

    let colour = Picture::decode(&heif, &heif.primary, px)?;
    if (colour.width(), colour.height()) != (w, h) {
        return Err(Error::undecodable(format!(
            "corrupt AVIF: image is {}x{}, its header says {w}x{h}",
            colour.width(),
            colour.height()
        )));
    }
    let alpha = match &heif.alpha {
        Some(item) => {
            let a = Picture::decode(&heif, item, px)?;
            if (a.width(), a.height()) != (w, h) {
                return Err(Error::undecodable("corrupt AVIF: alpha plane size differs from the image"));
            }
            Some(a)
        }
        None => None,
    };
    let rect = props.clap.and_then(|c| c.rect((w, h))).unwrap_or((0, 0, w, h));
    let channels = if alpha.is_some() { 4 } else { 3 };
    let matrix = Matrix::new(props.nclx, &colour);
    // A header may claim 8 bits over a 10-bit stream: the decoded depth decides.
    if deep && colour.depth() > 8 {
        let mut out = rgb(&colour, alpha.as_ref(), &matrix, rect, to16);
        if heif.premultiplied {
            super::unpremultiply16(&mut out);
        }
        return Ok(Decoded::Sixteen(Image16::new(rect.2, rect.3, channels, out)));
    }
    let mut out = rgb(&colour, alpha.as_ref(), &matrix, rect, to8);
    if heif.premultiplied {
        super::unpremultiply(&mut out);
    }
    Ok(Decoded::Eight(Image::new(rect.2, rect.3, channels, out)))
}

/// The `(x0, y0, w, h)` part of the picture as interleaved RGB(A) samples made by `quantize`.
fn rgb<T: Copy>(
    colour: &Picture,
    alpha: Option<&Picture>,
    matrix: &Matrix,
    (x0, y0, cw, ch): (u32, u32, u32, u32),
    quantize: impl Fn(f32) -> T + Copy,
) -> Vec<T> {
    let channels = if alpha.is_some() { 4 } else { 3 };
    let mut out = Vec::with_capacity(cw as usize * ch as usize * channels);
    let alpha_lut = alpha.map(|a| a.alpha_lut(quantize));
    let (mut ys, mut us, mut vs, mut alphas) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for y in y0..y0 + ch {
        colour.row(0, y, x0, cw, &mut ys);
        if let Some(a) = alpha {
            a.row(0, y, x0, cw, &mut alphas);
        }
        let chroma = matrix.shift.map(|(sx, sy)| {
            // Nearest chroma sample (co-sited and centred differ by under a quarter pixel).
            let (cx0, cx1) = (x0 >> sx, (x0 + cw - 1) >> sx);
            colour.row(1, y >> sy, cx0, cx1 - cx0 + 1, &mut us);
            colour.row(2, y >> sy, cx0, cx1 - cx0 + 1, &mut vs);
            (sx, cx0)
        });
        for (i, &luma) in ys.iter().enumerate() {
            let rgb = match chroma {
                Some((sx, cx0)) => {
                    let c = (((x0 + i as u32) >> sx) - cx0) as usize;
                    matrix.rgb(luma, us[c], vs[c])
                }
                None => [matrix.grey(luma); 3],
            };
            out.extend(rgb.map(quantize));
            if let Some(lut) = &alpha_lut {
                out.push(lut[usize::from(alphas[i]).min(lut.len() - 1)]);
            }
        }
    }
    out
}

/// One decoded AV1 picture; unreferenced on drop.
struct Picture(Dav1dPicture);

/// A dav1d decoder context; closed on drop.
struct Decoder(Option<Dav1dContext>);

impl Drop for Decoder {
    fn drop(&mut self) {
        // SAFETY: the context came from `dav1d_open` and is closed only here.
        unsafe { dav1d::dav1d_close(Some(NonNull::from(&mut self.0))) }
    }
}

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: the picture was filled by `dav1d_get_picture` (or is default, which is a no-op).
        unsafe { dav1d::dav1d_picture_unref(Some(NonNull::from(&mut self.0))) }
    }
}

fn av1_error(what: &str) -> Error {
    Error::undecodable(format!("corrupt AVIF: {what}"))
}

impl Picture {
    /// Decodes one AV1 still; frames larger than `max_pixels` are refused by dav1d itself.
    fn decode(heif: &Heif, item: &Item, max_pixels: u64) -> Result<Picture> {
        let data = heif.data(item)?;
        let eagain = -(rav1d_eagain());
        let mut settings = MaybeUninit::<Dav1dSettings>::uninit();
        // SAFETY: `dav1d_default_settings` writes a whole `Dav1dSettings`.
        let mut settings = unsafe {
            dav1d::dav1d_default_settings(
                NonNull::new(settings.as_mut_ptr()).ok_or_else(|| Error::internal("dav1d settings pointer is null"))?,
            );
            settings.assume_init()
        };
        // One thread and no frame pipelining: dav1d then never spawns a worker.
        settings.n_threads = 1;
        settings.max_frame_delay = 1;
        settings.frame_size_limit = max_pixels.min(u64::from(u32::MAX)) as u32;
        // No logger: corrupt input is reported through our error, not printed.
        // SAFETY: the logger is a nullable cookie and a nullable callback; all-zero is "none".
        settings.logger = unsafe { std::mem::zeroed() };
        let mut decoder = Decoder(None);
        // SAFETY: both pointers are valid for the call.
        let r = unsafe { dav1d::dav1d_open(Some(NonNull::from(&mut decoder.0)), Some(NonNull::from(&mut settings))) };
        if r.0 != 0 || decoder.0.is_none() {
            return Err(Error::internal(format!("dav1d_open returned {}", r.0)));
        }
        let mut input = Dav1dData::default();
        // SAFETY: `dav1d_data_create` allocates `data.len()` bytes owned by `input`.
        let buf = unsafe { dav1d::dav1d_data_create(Some(NonNull::from(&mut input)), data.len()) };
        if buf.is_null() {
            return Err(av1_error("empty image data"));
        }
        // SAFETY: `buf` points to `data.len()` writable bytes.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), buf, data.len()) };
        let mut picture = Picture(Dav1dPicture::default());
        let mut result = Err(av1_error("no picture in the AV1 data"));
        // A still is one temporal unit; the bound only guards against a decoder that stalls.
        for _ in 0..16 {
            if input.sz > 0 {
                // SAFETY: the context is open and `input` is a valid `Dav1dData`.
                let r = unsafe { dav1d::dav1d_send_data(decoder.0, Some(NonNull::from(&mut input))) };
                if r.0 < 0 && r.0 != eagain {
                    result = Err(av1_error("the AV1 decoder rejected the data"));
                    break;
                }
            }
            // SAFETY: the context is open; `picture.0` is written whole.
            let r = unsafe { dav1d::dav1d_get_picture(decoder.0, Some(NonNull::from(&mut picture.0))) };
            if r.0 == 0 {
                result = Ok(());
                break;
            }
            if r.0 != eagain {
                result = Err(av1_error("the AV1 decoder failed"));
                break;
            }
        }
        // SAFETY: `input` came from `dav1d_data_create`; unref on a consumed one is a no-op.
        unsafe { dav1d::dav1d_data_unref(Some(NonNull::from(&mut input))) };
        result?;
        let p = &picture.0;
        if p.p.w <= 0 || p.p.h <= 0 || p.data[0].is_none() || !(8..=12).contains(&p.p.bpc) {
            return Err(av1_error("invalid picture"));
        }
        Ok(picture)
    }
    fn width(&self) -> u32 {
        self.0.p.w as u32
    }
    fn height(&self) -> u32 {
        self.0.p.h as u32
    }
    fn depth(&self) -> u32 {
        self.0.p.bpc as u32
    }
    /// Chroma subsampling shifts (x, y); None for monochrome.
    fn chroma_shift(&self) -> Option<(u32, u32)> {
        use rav1d::include::dav1d::headers::*;
        match self.0.p.layout {
            DAV1D_PIXEL_LAYOUT_I420 => Some((1, 1)),
            DAV1D_PIXEL_LAYOUT_I422 => Some((1, 0)),
            DAV1D_PIXEL_LAYOUT_I444 => Some((0, 0)),
            _ => None,
        }
    }
    /// Samples `x0..x0 + n` of row `y` of `plane` (0 Y, 1 U, 2 V) into `out`, widened to u16.
    fn row(&self, plane: usize, y: u32, x0: u32, n: u32, out: &mut Vec<u16>) {
        out.clear();
        let Some(base) = self.0.data[plane] else {
            out.resize(n as usize, 0);
            return;
        };
        let stride = self.0.stride[plane.min(1)];
        // SAFETY: dav1d's planes hold `h` (chroma: subsampled) rows of `stride` bytes with at
        // least `w` (chroma: subsampled) samples each; callers stay inside the picture, which
        // `decode` checked against the header size.
        unsafe {
            let row = base.as_ptr().cast::<u8>().offset(y as isize * stride);
            if self.depth() > 8 {
                let row = std::slice::from_raw_parts(row.cast::<u16>().add(x0 as usize), n as usize);
                out.extend_from_slice(row);
            } else {
                let row = std::slice::from_raw_parts(row.add(x0 as usize), n as usize);
                out.extend(row.iter().map(|&v| u16::from(v)));
            }
        }
    }
    /// Full or limited range per the AV1 sequence header.
    fn full_range(&self) -> bool {
        // SAFETY: a decoded picture carries its sequence header.
        self.0.seq_hdr.is_some_and(|s| unsafe { s.as_ref() }.color_range != 0)
    }
    fn matrix(&self) -> u16 {
        // SAFETY: as above.
        self.0.seq_hdr.map_or(2, |s| unsafe { s.as_ref() }.mtrx as u16)
    }
    /// Alpha (the luma of an auxiliary image) through `quantize`, for every sample value.
    fn alpha_lut<T>(&self, quantize: impl Fn(f32) -> T) -> Vec<T> {
        let max = ((1u32 << self.depth()) - 1) as f32;
        let k = (1u32 << (self.depth() - 8)) as f32;
        let full = self.full_range();
        (0..=max as u32)
            .map(|v| quantize(if full { v as f32 / max } else { (v as f32 - 16.0 * k) / (219.0 * k) }))
            .collect()
    }
}

fn rav1d_eagain() -> c_int {
    libc::EAGAIN
}

fn to8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0 + 0.5) as u8
}

fn to16(v: f32) -> u16 {
    (v.clamp(0.0, 1.0) * 65535.0 + 0.5) as u16
}

/// YUV → RGB for one picture: matrix coefficients and range from `nclx` or the AV1 header,
/// as tables over sample values (at most 4096 entries at 12 bits).
struct Matrix {
    /// Luma scaled to 0–1.
    y: Vec<f32>,
    /// Chroma contributions: R from Cr, G from Cb and Cr, B from Cb (identity: R = V, B = U).
    r_cr: Vec<f32>,
    g_cb: Vec<f32>,
    g_cr: Vec<f32>,
    b_cb: Vec<f32>,
    identity: bool,
    shift: Option<(u32, u32)>,
}

impl Matrix {
    fn new(nclx: Option<heif::Nclx>, p: &Picture) -> Matrix {
        let (code, full) = match nclx {
            Some(n) => (n.matrix, n.full_range),
            None => (p.matrix(), p.full_range()),
        };
        // H.273 matrix_coefficients; unspecified (2) and the rest fall back to BT.601 like libavif.
        let (kr, kb) = match code {
            1 => (0.2126, 0.0722),
            4 => (0.30, 0.11),
            7 => (0.212, 0.087),
            9 | 10 => (0.2627, 0.0593),
            _ => (0.299, 0.114),
        };
        let depth = p.depth();
        let max = ((1u32 << depth) - 1) as f32;
        let k8 = (1u32 << (depth - 8)) as f32;
        let half = (1u32 << (depth - 1)) as f32;
        let (y_off, y_scale, c_scale) =
            if full { (0.0, 1.0 / max, 1.0 / max) } else { (16.0 * k8, 1.0 / (219.0 * k8), 1.0 / (224.0 * k8)) };
        let values = || (0..=max as u32).map(|v| v as f32);
        let y = values().map(|v| (v - y_off) * y_scale).collect();
        let c = |f: f32| values().map(|v| (v - half) * c_scale * f).collect::<Vec<f32>>();
        let kg = 1.0 - kr - kb;
        let identity = code == 0;
        Matrix {
            y,
            r_cr: if identity { values().map(|v| (v - y_off) * y_scale).collect() } else { c(2.0 - 2.0 * kr) },
            g_cb: c(-kb * (2.0 - 2.0 * kb) / kg),
            g_cr: c(-kr * (2.0 - 2.0 * kr) / kg),
            b_cb: if identity { values().map(|v| (v - y_off) * y_scale).collect() } else { c(2.0 - 2.0 * kb) },
            identity,
            shift: p.chroma_shift(),
        }
    }
    /// dav1d clips samples to the bit depth; the clamp keeps a wrong one from indexing out.
    fn at(&self, v: u16) -> usize {
        usize::from(v).min(self.y.len() - 1)
    }
    /// 0–1, unclamped.
    fn grey(&self, y: u16) -> f32 {
        self.y[self.at(y)]
    }
    /// 0–1 per channel, unclamped.
    fn rgb(&self, y: u16, u: u16, v: u16) -> [f32; 3] {
        let (y, u, v) = (self.at(y), self.at(u), self.at(v));
        if self.identity {
            // GBR: Y is G, U is B, V is R, all at luma scale.
            return [self.r_cr[v], self.y[y], self.b_cb[u]];
        }
        let l = self.y[y];
        [l + self.r_cr[v], l + self.g_cb[u] + self.g_cr[v], l + self.b_cb[u]]
    }
}

/// Encodes at `quality` (1–100, ravif's scale, which tracks JPEG's), speed 10.
pub(super) fn encode(image: &Image, quality: u8) -> Result<Vec<u8>> {
    let encoder = ravif::Encoder::new()
        .with_quality(f32::from(quality.clamp(1, 100)))
        .with_alpha_quality(f32::from(quality.clamp(1, 100)))
        .with_speed(10)
        .with_num_threads(Some(1))
        // Colour under fully transparent pixels is invisible: let the encoder simplify it.
        .with_alpha_color_mode(ravif::AlphaColorMode::UnassociatedClean);
    let (w, h) = (image.width as usize, image.height as usize);
    let result = if image.channels == 4 {
        let px: Vec<ravif::RGBA8> =
            image.data.chunks_exact(4).map(|p| ravif::RGBA8::new(p[0], p[1], p[2], p[3])).collect();
        encoder.encode_rgba(ravif::Img::new(px.as_slice(), w, h))
    } else {
        let px: Vec<ravif::RGB8> = image.data.chunks_exact(3).map(|p| ravif::RGB8::new(p[0], p[1], p[2])).collect();
        encoder.encode_rgb(ravif::Img::new(px.as_slice(), w, h))
    };
    result.map(|e| e.avif_file).map_err(|e| Error::internal(format!("AVIF encode: {e}")))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    fn gradient(w: u32, h: u32, alpha: bool) -> Image {
        let c = if alpha { 4 } else { 3 };
        let data = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let px = [(x * 255 / (w - 1)) as u8, (y * 255 / (h - 1)) as u8, 160, (255 - x * 200 / (w - 1)) as u8];
                px.into_iter().take(c)
            })
            .collect();
        Image::new(w, h, c as u8, data)
    }

    fn mean_abs_diff(a: &Image, b: &Image) -> f64 {
        assert_eq!((a.width, a.height, a.channels), (b.width, b.height, b.channels));
        let sum: u64 = a.data.iter().zip(&b.data).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
        sum as f64 / a.data.len() as f64
    }

    fn bx(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
        let mut out = ((body.len() + 8) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(body);
        out
    }
    fn full(kind: &[u8; 4], version: u8, body: &[u8]) -> Vec<u8> {
        bx(kind, &[&[version, 0, 0, 0][..], body].concat())
    }

    /// A single-item AVIF around ravif's AV1 data (and av1C), with extra properties, so the
    /// reader meets irot, imir and clap from a file we control byte for byte.
    pub(crate) fn remux(avif: &[u8], extra: &[Vec<u8>]) -> Vec<u8> {
        let heif = heif::parse(avif).unwrap();
        let av1 = heif.data(&heif.primary).unwrap().into_owned();
        let (w, h) = heif.primary.properties.size.unwrap();
        // ravif writes av1C as the second property; find it by type instead.
        let at = avif.windows(4).position(|w| w == b"av1C").unwrap() - 4;
        let len = u32::from_be_bytes(avif[at..at + 4].try_into().unwrap()) as usize;
        let av1c = avif[at..at + len].to_vec();
        let ispe = full(b"ispe", 0, &[w.to_be_bytes(), h.to_be_bytes()].concat());
        let mut ipco = [ispe, av1c].concat();
        for p in extra {
            ipco.extend_from_slice(p);
        }
        let n = 2 + extra.len() as u8;
        let ipma =
            full(b"ipma", 0, &[&[0, 0, 0, 1, 0, 1, n][..], &(1..=n).map(|i| 0x80 | i).collect::<Vec<_>>()].concat());
        let iinf = full(b"iinf", 0, &[&[0, 1][..], &full(b"infe", 2, b"\0\x01\0\0av01")].concat());
        let hdlr = full(b"hdlr", 0, b"\0\0\0\0pict\0\0\0\0\0\0\0\0\0\0\0\0\0");
        let pitm = full(b"pitm", 0, &[0, 1]);
        let ftyp = bx(b"ftyp", b"avif\0\0\0\0avifmif1miaf");
        let iprp = bx(b"iprp", &[bx(b"ipco", &ipco), ipma].concat());
        // iloc (4-byte offsets and lengths) points into mdat; its length is known up front.
        let iloc_len = 12 + 4 + 2 + 2 + 2 + 8;
        let meta_len = 12 + hdlr.len() + pitm.len() + iinf.len() + iprp.len() + iloc_len;
        let offset = (ftyp.len() + meta_len + 8) as u32;
        let iloc = full(
            b"iloc",
            0,
            &[&[0x44, 0x00, 0, 1, 0, 1, 0, 0, 0, 1][..], &offset.to_be_bytes(), &(av1.len() as u32).to_be_bytes()]
                .concat(),
        );
        assert_eq!(iloc.len(), iloc_len);
        let meta = full(b"meta", 0, &[hdlr, pitm, iloc, iinf, iprp].concat());
        [ftyp, meta, bx(b"mdat", &av1)].concat()
    }

    #[test]
    fn decodes_what_ravif_encodes_with_alpha() {
        let limits = Limits::default();
        for alpha in [false, true] {
            let src = gradient(67, 45, alpha);
            let file = encode(&src, 95).unwrap();
            assert_eq!(Format::sniff(&file), Some(Format::Avif));
            let p = super::super::probe(&file, &limits).unwrap();
            assert_eq!((p.format, p.width, p.height, p.has_alpha, p.orientation), (Format::Avif, 67, 45, alpha, 1));
            let img = super::super::decode(&file, &p, (67, 45), &limits).unwrap();
            let diff = mean_abs_diff(&img, &src);
            assert!(diff < 3.0, "alpha={alpha}: mean difference {diff}");
            // A corner pixel, channel by channel.
            let (ours, theirs) = (img.pixel(66, 44), src.pixel(66, 44));
            for (a, b) in ours.iter().zip(theirs) {
                assert!(a.abs_diff(*b) <= 8, "{ours:?} vs {theirs:?}");
            }
        }
    }

    #[test]
    fn irot_imir_become_orientation_and_clap_crops() {
        let limits = Limits::default();
        let src = gradient(64, 48, false);
        let file = encode(&src, 95).unwrap();
        // irot and imir are plain boxes of one byte.
        let plain = |kind: &[u8; 4], v: u8| bx(kind, &[v]);
        // imir 0 exchanges top and bottom (EXIF 4), 1 left and right (EXIF 2), as libavif reads
        // ISO/IEC 23008-12:2022; with irot, Chromium's and Skia's axis × angle table.
        for (props, want) in [
            (vec![], 1),
            (vec![plain(b"irot", 1)], 8),
            (vec![plain(b"irot", 2)], 3),
            (vec![plain(b"irot", 3)], 6),
            (vec![plain(b"imir", 0)], 4),
            (vec![plain(b"imir", 1)], 2),
            (vec![plain(b"irot", 1), plain(b"imir", 0)], 5),
            (vec![plain(b"irot", 2), plain(b"imir", 0)], 2),
            (vec![plain(b"irot", 3), plain(b"imir", 0)], 7),
            (vec![plain(b"irot", 1), plain(b"imir", 1)], 7),
            (vec![plain(b"irot", 2), plain(b"imir", 1)], 4),
            (vec![plain(b"irot", 3), plain(b"imir", 1)], 5),
        ] {
            let p = super::super::probe(&remux(&file, &props), &limits).unwrap();
            assert_eq!(p.orientation, want, "{props:?}");
        }
        // clap 40x30 centred, then offset by (+8, -5): x = 12 + 8, y = 9 - 5.
        let r = |n: i32, d: u32| [n.to_be_bytes(), d.to_be_bytes()].concat();
        let clap = bx(b"clap", &[r(40, 1), r(30, 1), r(16, 2), r(-5, 1)].concat());
        let cropped = remux(&file, &[clap]);
        let p = super::super::probe(&cropped, &limits).unwrap();
        assert_eq!((p.width, p.height), (40, 30));
        let img = super::super::decode(&cropped, &p, (40, 30), &limits).unwrap();
        assert_eq!((img.width, img.height), (40, 30));
        // The crop's top-left is source pixel (20, 4): red = 20 * 255 / 63, green = 4 * 255 / 47.
        let px = img.pixel(0, 0);
        assert!(px[0].abs_diff(81) <= 8 && px[1].abs_diff(22) <= 8, "{px:?}");
        // An aperture that does not fit is ignored.
        let wild = bx(b"clap", &[r(400, 1), r(30, 1), r(0, 1), r(0, 1)].concat());
        let p = super::super::probe(&remux(&file, &[wild]), &limits).unwrap();
        assert_eq!((p.width, p.height), (64, 48));
    }

    /// The rendered pixels, not just the orientation number: a mirrored file comes out as
    /// libavif shows it. The gradient's red grows to the right, its green downwards.
    #[test]
    fn mirrored_and_rotated_files_render_as_libavif_shows_them() {
        let limits = Limits::default();
        // 8-bit AV1 with a `pixi` saying so: libheif 1.15 mirrors only 8-bit planes.
        let src = gradient(64, 48, false);
        let px: Vec<ravif::RGB8> = src.data.chunks_exact(3).map(|p| ravif::RGB8::new(p[0], p[1], p[2])).collect();
        let file = ravif::Encoder::new()
            .with_quality(95.0)
            .with_speed(10)
            .with_bit_depth(ravif::BitDepth::Eight)
            .encode_rgb(ravif::Img::new(px.as_slice(), 64, 48))
            .unwrap()
            .avif_file;
        let plain = |kind: &[u8; 4], v: u8| bx(kind, &[v]);
        let params = crate::params::parse("fm=png").unwrap();
        // (properties, output size, colour at the top-left corner, at the top-right corner)
        // as (red, green): top-left of the source is (0, 0), bottom-left (0, 255), top-right (255, 0).
        for (props, size, top_left, top_right) in [
            (vec![], (64, 48), (0, 0), (255, 0)),
            // Top and bottom exchanged: the top row is the source's bottom row.
            (vec![plain(b"imir", 0)], (64, 48), (0, 255), (255, 255)),
            // Left and right exchanged.
            (vec![plain(b"imir", 1)], (64, 48), (255, 0), (0, 0)),
            // A quarter turn anticlockwise, then top↔bottom: the transpose.
            (vec![plain(b"irot", 1), plain(b"imir", 0)], (48, 64), (0, 0), (0, 255)),
        ] {
            let avif = remux(&file, &[&props[..], &[full(b"pixi", 0, &[3, 8, 8, 8])]].concat());
            let out = crate::render(&avif, &params, &crate::Accepts::default(), &limits).unwrap();
            assert_eq!((out.width, out.height), size, "{props:?}");
            let p = super::super::probe(&out.body, &limits).unwrap();
            let img = super::super::decode(&out.body, &p, (p.width, p.height), &limits).unwrap();
            for ((x, y), (r, g)) in [((0, 0), top_left), ((img.width - 1, 0), top_right)] {
                let px = img.pixel(x, y);
                assert!(px[0].abs_diff(r) <= 12 && px[1].abs_diff(g) <= 12, "{props:?} ({x},{y}): {px:?}");
            }
            // libvips (through libheif, which applies irot and imir) agrees pixel for pixel.
            let dir = std::env::temp_dir();
            let (src, png) = (
                dir.join(format!("ixora-imir-{}.avif", std::process::id())),
                dir.join(format!("ixora-imir-{}.png", std::process::id())),
            );
            std::fs::write(&src, &avif).unwrap();
            let ran = std::process::Command::new("vips")
                .args(["copy", src.to_str().unwrap(), png.to_str().unwrap()])
                .status();
            let _ = std::fs::remove_file(&src);
            let Ok(status) = ran else {
                println!("vips is not installed: skipping the libheif comparison");
                continue;
            };
            assert!(status.success(), "vips failed on {props:?}");
            let theirs = std::fs::read(&png).unwrap();
            let _ = std::fs::remove_file(&png);
            let lp = super::super::probe(&theirs, &limits).unwrap();
            let theirs = super::super::decode(&theirs, &lp, (lp.width, lp.height), &limits).unwrap();
            let diff = mean_abs_diff(&img, &theirs);
            assert!(diff < 1.5, "{props:?}: mean |ours - vips| = {diff}");
        }
    }

    #[test]
    fn limits_and_corrupt_files() {
        let file = encode(&gradient(64, 48, true), 80).unwrap();
        let limits = Limits::default();
        // Over the pixel limit: 413 at probe, before anything is decoded.
        let few = Limits { max_input_pixels: 64 * 48 - 1, ..limits };
        assert_eq!(super::super::probe(&file, &few).unwrap_err().status, 413);
        // Over the decode budget: 413 before dav1d allocates.
        let p = super::super::probe(&file, &limits).unwrap();
        let poor = Limits { max_decode_bytes: 10_000, ..limits };
        assert_eq!(super::super::decode(&file, &p, (1, 1), &poor).unwrap_err().status, 413);
        // A header that lies about the size: dav1d's frame-size limit refuses the bigger frame.
        let lie = remux(&file, &[]);
        let at = lie.windows(4).position(|w| w == b"ispe").unwrap() + 8;
        let mut small = lie.clone();
        small[at..at + 8].copy_from_slice(&[0, 0, 0, 8, 0, 0, 0, 8]);
        let p = super::super::probe(&small, &limits).unwrap();
        assert_eq!(super::super::decode(&small, &p, (8, 8), &limits).unwrap_err().status, 422);
        // Truncated: the header still parses or not, either way a 4xx and no panic.
        for cut in [20, 100, file.len() / 2, file.len() - 10] {
            let b = &file[..cut];
            let r = super::super::probe(b, &limits).and_then(|p| super::super::decode(b, &p, (1, 1), &limits));
            let e = r.unwrap_err();
            assert!(e.status == 422 || e.status == 415, "cut at {cut}: {e}");
        }
        // Animated sequence without items; a grid image.
        let avis = bx(b"ftyp", b"avis\0\0\0\0avismsf1");
        assert_eq!(super::super::probe(&avis, &limits).unwrap_err().status, 415);
        let grid = remux(&file, &[]);
        let at = grid.windows(4).position(|w| w == b"av01").unwrap();
        let mut grid = grid.clone();
        grid[at..at + 4].copy_from_slice(b"grid");
        let e = super::super::probe(&grid, &limits).unwrap_err();
        assert!(e.status == 415 && e.message.contains("grid"), "{e}");
    }

    /// A 10-bit grey ramp of 1024 levels: the full-depth decode keeps far more than 256 of them
    /// (16-bit samples), the 8-bit decode at most 256.
    #[test]
    fn ten_bit_images_decode_to_sixteen_bits() {
        use crate::image::Decoded;
        let (w, h) = (1024usize, 8usize);
        let planes = (0..w * h).map(|i| [(i % w) as u16, 512, 512]);
        let file = ravif::Encoder::new()
            .with_quality(100.0)
            .with_speed(10)
            .with_num_threads(Some(1))
            .encode_raw_planes_10_bit(
                w,
                h,
                planes,
                None::<[u16; 0]>,
                ravif::PixelRange::Full,
                ravif::MatrixCoefficients::BT601,
            )
            .unwrap()
            .avif_file;
        let limits = Limits::default();
        let p = super::super::probe(&file, &limits).unwrap();
        let distinct = |mut v: Vec<u32>| {
            v.sort_unstable();
            v.dedup();
            v.len()
        };
        let Decoded::Sixteen(deep) = super::super::decode_full_depth(&file, &p, (1, 1), &limits).unwrap().pixels else {
            panic!("10-bit AVIF decoded to 8 bits");
        };
        assert_eq!((deep.width, deep.height, deep.channels), (1024, 8, 3));
        let row: Vec<u32> = deep.data[w * 3 * 4..w * 3 * 5].iter().step_by(3).map(|&v| u32::from(v)).collect();
        // Grey, and the ends of the ramp where they belong.
        assert!(deep.data[w * 12..w * 15].chunks_exact(3).all(|p| p[0] == p[1] && p[1] == p[2]));
        assert!(row[0] < 200 && row[w - 1] > 65_335, "ends {} {}", row[0], row[w - 1]);
        let levels = distinct(row);
        println!("10-bit ramp: {levels} levels of 1024 kept");
        assert!(levels > 900, "{levels} levels kept of 1024");
        let eight = super::super::decode(&file, &p, (1, 1), &limits).unwrap();
        let row8 = eight.data[w * 3 * 4..w * 3 * 5].iter().step_by(3).map(|&v| u32::from(v)).collect();
        assert!(distinct(row8) <= 256);
        // Over budget for 16 bits but not for 8: the same file comes out 8-bit.
        let px = (w * h) as u64;
        let tight = Limits { max_decode_bytes: px * (2 * 4 + 3) + 4 * 1024 * 1024, ..limits };
        assert!(matches!(
            super::super::decode_full_depth(&file, &p, (1, 1), &tight).unwrap().pixels,
            Decoded::Eight(_)
        ));
    }

    /// Every byte of the AV1 payload flipped in turn: the decoder's error path must come back as
    /// a 422. Stock rav1d 1.1.0 aborts here (upstream #1497), which in wasm is a trap and a 500;
    /// scripts/patch-rav1d.sh is what makes this pass.
    #[test]
    fn corrupt_av1_data_is_a_422_not_an_abort() {
        let (w, h) = (64u32, 48u32);
        let data = (0..w * h)
            .flat_map(|i| {
                let n = (i.wrapping_mul(2_654_435_761) >> 24) as u8;
                [(i % w * 4) as u8 ^ n, (i / w * 5) as u8, n]
            })
            .collect();
        let file = encode(&Image::new(w, h, 3, data), 90).unwrap();
        let limits = Limits::default();
        let p = super::super::probe(&file, &limits).unwrap();
        let mdat = file.windows(4).position(|b| b == b"mdat").unwrap() + 4;
        let (mut decoded, mut refused) = (0, 0);
        for i in mdat..file.len() {
            let mut b = file.clone();
            b[i] ^= 0x5A;
            match super::super::decode(&b, &p, (1, 1), &limits) {
                Ok(img) => {
                    assert_eq!((img.width, img.height), (w, h));
                    decoded += 1;
                }
                Err(e) => {
                    assert_eq!(e.status, 422, "byte {i}: {e}");
                    refused += 1;
                }
            }
        }
        // Both outcomes happen, so the decoder's own error path was taken.
        assert!(decoded > 0 && refused > 0, "decoded {decoded}, refused {refused}");
    }

    /// The corpus AVIFs against libvips' decoder (libheif + dav1d/aom), when the corpus is there.
    #[test]
    fn corpus_matches_vips() {
        let dir = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/corpus"));
        let limits = Limits::default();
        for (name, size, alpha) in [
            ("lu__fox.profile0.8bpc.yuv420.odd-width.odd-height.avif", (1203, 799), false),
            ("lu__hato.profile0.10bpc.yuv420.avif", (3078, 2048), false),
            // Its auxl reference points at item 0 rather than the colour item, so the alpha
            // plane is not attached (as libavif would not); libvips cannot open it at all.
            ("lu__star-8bpc-with-alpha.avifs", (159, 159), false),
        ] {
            let Ok(bytes) = std::fs::read(dir.join(name)) else {
                println!("{name}: corpus not found, skipping");
                continue;
            };
            let p = super::super::probe(&bytes, &limits).unwrap();
            assert_eq!(((p.width, p.height), p.has_alpha), (size, alpha), "{name}");
            let ours = super::super::decode(&bytes, &p, size, &limits).unwrap();
            if name.ends_with(".avifs") {
                // The still primary image of the sequence: a yellow star on black.
                assert!(ours.pixel(79, 79)[0] > 200 && ours.pixel(0, 0)[0] < 30, "{:?}", ours.pixel(79, 79));
                continue;
            }
            let out = std::env::temp_dir().join(format!("ixora-avif-{}-{name}.png", std::process::id()));
            let status = std::process::Command::new("vips")
                .args(["copy", dir.join(name).to_str().unwrap(), out.to_str().unwrap()])
                .status()
                .expect("vips is not runnable: scripts/setup.sh installs libvips-tools");
            assert!(status.success(), "vips failed on {name}");
            let png = std::fs::read(&out).unwrap();
            let _ = std::fs::remove_file(&out);
            let lp = super::super::probe(&png, &limits).unwrap();
            let big = Limits { max_decode_bytes: 1 << 30, ..limits };
            let theirs = super::super::decode(&png, &lp, size, &big).unwrap();
            let diff = mean_abs_diff(&ours, &theirs);
            println!("{name}: mean |ours - vips| = {diff:.3}");
            assert!(diff < 1.5, "{name}: mean difference {diff}");
        }
    }

    #[test]
    fn writes_an_avif_file_whose_size_follows_quality() {
        let (w, h) = (64u32, 48u32);
        let data = (0..w * h).flat_map(|i| [(i % w * 4) as u8, (i / w * 5) as u8, 90]).collect();
        let img = Image::new(w, h, 3, data);
        let low = encode(&img, 20).unwrap();
        let high = encode(&img, 90).unwrap();
        assert_eq!(&low[4..12], b"ftypavif", "{:?}", &low[..16]);
        assert!(low.len() < high.len(), "q20 {} vs q90 {}", low.len(), high.len());
        let rgba = Image::new(w, h, 4, img.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], 200]).collect());
        assert!(encode(&rgba, 60).unwrap().windows(4).any(|w| w == b"auxC"), "alpha is an auxiliary image");
    }
}
