//! JPEG: our own marker walk for the header (so probing never touches entropy-coded data),
//! `jpeg-decoder` for pixels with DCT-domain scaling, `jpeg-encoder` for output.

use super::{check_budget, check_pixels, exif, expand_grey, ChromaSubsampling, EncodeOptions, Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

const SOF_PROGRESSIVE: u8 = 0xC2;
const SOF_LOSSLESS: u8 = 0xC3;

/// What the segments before the first scan say.
#[derive(Debug)]
struct Header {
    /// The SOFn marker byte (0xC0–0xCF, minus DHT/JPG/DAC).
    sof: u8,
    precision: u8,
    width: u16,
    height: u16,
    /// (horizontal, vertical) sampling factor per component.
    sampling: Vec<(u8, u8)>,
    orientation: u8,
}

impl Header {
    fn progressive(&self) -> bool {
        self.sof == SOF_PROGRESSIVE
    }
    fn lossless(&self) -> bool {
        self.sof == SOF_LOSSLESS
    }
}

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt JPEG: {what}"))
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
}

/// Walks marker segments up to the frame header. Bytes between segments that are not a marker
/// are skipped, as libjpeg and jpeg-decoder do.
fn parse_header(bytes: &[u8]) -> Result<Header> {
    let truncated = || corrupt("file ends inside the header");
    let mut orientation = None;
    let mut pos = 2; // after SOI
    loop {
        while bytes.get(pos).is_some_and(|&b| b != 0xFF) {
            pos += 1;
        }
        while bytes.get(pos) == Some(&0xFF) {
            pos += 1;
        }
        let marker = *bytes.get(pos).ok_or_else(truncated)?;
        pos += 1;
        match marker {
            0x00 | 0x01 | 0xD0..=0xD7 => continue, // no length field
            0xD8 => return Err(corrupt("second start-of-image marker")),
            0xD9 => return Err(corrupt("image ends before its frame header")),
            0xDA => return Err(corrupt("scan before frame header")),
            _ => {}
        }
        let len = be16(bytes, pos).ok_or_else(truncated)? as usize;
        if len < 2 {
            return Err(corrupt("segment with invalid length"));
        }
        let seg = bytes.get(pos + 2..pos + len).ok_or_else(truncated)?;
        pos += len;
        match marker {
            // SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC).
            0xC0..=0xCF if !matches!(marker, 0xC4 | 0xC8 | 0xCC) => {
                return parse_sof(marker, seg, orientation.unwrap_or(1));
            }
            0xE1 if orientation.is_none() && seg.starts_with(b"Exif\0\0") => {
                orientation = Some(exif::orientation(&seg[6..]));
            }
            _ => {}
        }
    }
}

fn parse_sof(sof: u8, seg: &[u8], orientation: u8) -> Result<Header> {
    let bad = || corrupt("short frame header");
    let precision = *seg.first().ok_or_else(bad)?;
    let height = be16(seg, 1).ok_or_else(bad)?;
    let width = be16(seg, 3).ok_or_else(bad)?;
    let n = *seg.get(5).ok_or_else(bad)? as usize;
    let comps = seg.get(6..6 + 3 * n).ok_or_else(bad)?;
    let sampling = comps.chunks_exact(3).map(|c| (c[1] >> 4, c[1] & 15)).collect();
    Ok(Header { sof, precision, width, height, sampling, orientation })
}

/// Refuses what jpeg-decoder cannot decode, with a message naming the coding.
fn check_supported(h: &Header) -> Result<()> {
    let unsupported = |what: String| Err(Error::undecodable(format!("{what} is not supported")));
    match h.sof {
        0xC5..=0xC7 | 0xCD..=0xCF => return unsupported("hierarchical (differential) JPEG".into()),
        0xC9..=0xCB => return unsupported("arithmetic-coded JPEG".into()),
        _ => {}
    }
    if h.lossless() {
        if !(2..=16).contains(&h.precision) {
            return unsupported(format!("{}-bit lossless JPEG", h.precision));
        }
    } else if h.precision != 8 {
        return unsupported(format!("{}-bit JPEG (only 8-bit)", h.precision));
    }
    if !matches!(h.sampling.len(), 1 | 3 | 4) {
        return unsupported(format!("JPEG with {} colour components", h.sampling.len()));
    }
    if h.sampling.iter().any(|&(sh, sv)| !(1..=4).contains(&sh) || !(1..=4).contains(&sv)) {
        return Err(corrupt("invalid sampling factors"));
    }
    Ok(())
}

pub(super) fn probe(bytes: &[u8]) -> Result<Probe> {
    let h = parse_header(bytes)?;
    check_supported(&h)?;
    Ok(Probe {
        format: Format::Jpeg,
        width: h.width.into(),
        height: h.height.into(),
        orientation: h.orientation,
        has_alpha: false,
        frames: 1,
        progressive: h.progressive(),
    })
}

/// Side length after decoding at `eighths`/8, as jpeg-decoder computes it.
fn scaled(len: u32, eighths: u32) -> u32 {
    (len * eighths).div_ceil(8)
}

/// The smallest DCT scale (in eighths) whose output is at least `min` on both sides.
fn choose_scale(w: u32, h: u32, (min_w, min_h): (u32, u32)) -> u32 {
    [1, 2, 4, 8].into_iter().find(|&s| scaled(w, s) >= min_w && scaled(h, s) >= min_h).unwrap_or(8)
}

/// Estimated peak bytes jpeg-decoder holds (plus our colour conversion) at `eighths`/8.
/// `compact`: progressive coefficients kept at the decode's scale (see `decode`).
fn decode_cost(h: &Header, eighths: u32, compact: bool) -> u64 {
    let (w, ht) = (u64::from(h.width), u64::from(h.height));
    let n = h.sampling.len() as u64;
    let px = scaled(w as u32, eighths) as u64 * scaled(ht as u32, eighths) as u64;
    let convert = if n == 3 { 0 } else { px * 3 };
    if h.lossless() {
        // u16 planes, an interleaved u16 copy and its byte expansion, all at full size.
        return w * ht * n * 8 + convert;
    }
    let h_max = h.sampling.iter().map(|s| u64::from(s.0)).max().unwrap_or(1);
    let v_max = h.sampling.iter().map(|s| u64::from(s.1)).max().unwrap_or(1);
    let (mcu_x, mcu_y) = (w.div_ceil(8 * h_max), ht.div_ceil(8 * v_max));
    let blocks: u64 = h.sampling.iter().map(|&(sh, sv)| mcu_x * u64::from(sh) * mcu_y * u64::from(sv)).sum();
    // Progressive keeps coefficients until the last scan: the k x k an s/8 IDCT reads (i16),
    // plus a 64-bit non-zero mask for the rest (scripts/jpeg-decoder-compact.patch).
    let k = u64::from(eighths);
    let coefficients = if !h.progressive() {
        0
    } else if k == 8 || !compact {
        blocks * 64 * 2
    } else {
        blocks * (k * k * 2 + 8)
    };
    let planes = blocks * u64::from(eighths * eighths);
    coefficients + planes + px * n + convert
}

fn describe(h: &Header, eighths: u32) -> String {
    let kind = match h.sof {
        SOF_PROGRESSIVE => "progressive JPEG",
        SOF_LOSSLESS => "lossless JPEG",
        _ => "JPEG",
    };
    if eighths == 8 {
        kind.to_string()
    } else {
        format!("{kind} at 1/{} scale", 8 / eighths)
    }
}

fn decoder_error(e: jpeg_decoder::Error) -> Error {
    match e {
        jpeg_decoder::Error::Unsupported(f) => Error::undecodable(format!("unsupported JPEG feature: {f:?}")),
        jpeg_decoder::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => corrupt("file is truncated"),
        e => corrupt(&e.to_string()),
    }
}

/// Decodes at the smallest DCT scale that keeps `min_size`, and says which (in eighths).
pub(super) fn decode(bytes: &[u8], min_size: (u32, u32), limits: &Limits) -> Result<(Image, u32)> {
    let h = parse_header(bytes)?;
    check_supported(&h)?;
    let (w, ht) = (u32::from(h.width), u32::from(h.height));
    check_pixels(Format::Jpeg, w, ht, limits)?;
    let min = (min_size.0.clamp(1, w), min_size.1.clamp(1, ht));
    let mut eighths = if h.lossless() { 8 } else { choose_scale(w, ht, min) };
    // A progressive file keeps its coefficients until the last scan. Kept whole they decode
    // fastest; kept at the decode's scale (k x k a block plus a non-zero mask) they take a
    // fraction of the memory for ~35% more decode time, so that layout is used only when the
    // whole one would not fit the budget.
    let fits = |e: u32, compact: bool| decode_cost(&h, e, compact) <= limits.max_decode_bytes;
    let mut compact = h.progressive() && !fits(eighths, false) && fits(eighths, true);
    // Over budget at the scale the output needs, one scale smaller beats a refusal: the resize
    // then enlarges by less than 2x, which costs some sharpness but answers the request.
    if eighths > 1 && !fits(eighths, compact) && fits(eighths / 2, h.progressive()) {
        eighths /= 2;
        compact = h.progressive() && !fits(eighths, false);
    }
    check_budget(&describe(&h, eighths), w, ht, decode_cost(&h, eighths, compact), limits)?;

    let mut decoder = jpeg_decoder::Decoder::new(bytes);
    decoder.set_max_decoding_buffer_size(usize::try_from(limits.max_decode_bytes).unwrap_or(usize::MAX));
    decoder.set_compact_progressive(compact);
    if eighths == 8 {
        decoder.read_info().map_err(decoder_error)?;
    } else {
        // jpeg-decoder takes the smallest scale meeting the request on *either* side. Ask only
        // on a side that fails at the next smaller scale (the other side asks the impossible),
        // so it lands on exactly our scale.
        let prev = eighths / 2;
        let want = (scaled(w, eighths), scaled(ht, eighths));
        let request = if prev == 0 {
            (want.0 as u16, want.1 as u16)
        } else if scaled(w, prev) < want.0 {
            (want.0 as u16, u16::MAX)
        } else {
            (u16::MAX, want.1 as u16)
        };
        decoder.scale(request.0, request.1).map_err(decoder_error)?;
    }
    let info = decoder.info().ok_or_else(|| corrupt("no frame header"))?;
    let (ow, oh) = (u32::from(info.width), u32::from(info.height));
    if (ow, oh) != (scaled(w, eighths), scaled(ht, eighths)) {
        return Err(Error::internal(format!(
            "JPEG {w}x{ht} asked at {eighths}/8 for at least {}x{} decodes to {ow}x{oh}, not {}x{}",
            min.0,
            min.1,
            scaled(w, eighths),
            scaled(ht, eighths)
        )));
    }
    let mut data = decoder.decode().map_err(decoder_error)?;
    drop(decoder); // frees progressive coefficients before we convert

    let n = h.sampling.len();
    let px = ow as usize * oh as usize;
    // Lossless JPEG of any precision but 8 comes back as native-endian u16 samples.
    if h.lossless() && h.precision != 8 {
        if data.len() != px * n * 2 {
            return Err(corrupt("decoder returned a short image"));
        }
        let max = (1u32 << h.precision) - 1;
        data = data
            .chunks_exact(2)
            .map(|s| ((u32::from(u16::from_ne_bytes([s[0], s[1]])).min(max) * 255 + max / 2) / max) as u8)
            .collect();
    }
    if data.len() != px * n {
        return Err(corrupt("decoder returned a short image"));
    }
    let rgb = match n {
        1 => expand_grey(&data, false),
        3 => data,
        // An embedded CMYK profile says what the inks look like; without one, a naive formula.
        _ => super::container::read(bytes, Format::Jpeg)
            .icc
            .and_then(|icc| super::icc::cmyk_to_srgb(&data, &icc))
            .unwrap_or_else(|| cmyk_to_rgb(&data)),
    };
    Ok((Image::new(ow, oh, 3, rgb), eighths))
}

/// jpeg-decoder hands back ink amounts (it un-inverts Adobe CMYK and converts YCCK). Naive
/// conversion for files without a CMYK profile.
fn cmyk_to_rgb(cmyk: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(cmyk.len() / 4 * 3);
    for p in cmyk.chunks_exact(4) {
        let k = 255 - u32::from(p[3]);
        for &c in &p[..3] {
            out.push(((255 - u32::from(c)) * k / 255) as u8);
        }
    }
    out
}

pub(super) fn encode(image: &Image, options: &EncodeOptions, tags: &super::Tags) -> Result<Vec<u8>> {
    if image.channels != 3 {
        // The pipeline flattens alpha before a JPEG encode.
        return Err(Error::internal(format!("JPEG encode of a {}-channel image", image.channels)));
    }
    let (w, h) = match (u16::try_from(image.width), u16::try_from(image.height)) {
        (Ok(w), Ok(h)) => (w, h),
        _ => return Err(Error::too_large("JPEG output cannot exceed 65535 pixels on a side")),
    };
    let mut out = Vec::with_capacity(image.data.len() / 8);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, options.quality.clamp(1, 100));
    encoder.set_sampling_factor(match options.chroma {
        ChromaSubsampling::Yuv444 => jpeg_encoder::SamplingFactor::F_1_1,
        ChromaSubsampling::Yuv422 => jpeg_encoder::SamplingFactor::F_2_1,
        ChromaSubsampling::Yuv420 => jpeg_encoder::SamplingFactor::F_2_2,
    });
    encoder.set_progressive(options.progressive);
    if let Some(dpi) = tags.dpi {
        encoder.set_density(jpeg_encoder::PixelDensity::dpi(dpi.min(u32::from(u16::MAX)) as u16));
    }
    if let Some(icc) = &tags.icc {
        encoder
            .add_icc_profile(icc)
            .map_err(|e| Error::internal(format!("JPEG ICC profile of {} bytes: {e}", icc.len())))?;
    }
    // An IPTC block too large for one APP13 segment is left out rather than split.
    if let Some(app13) = tags.iptc.as_deref().and_then(photoshop_iptc_segment) {
        encoder.add_app_segment(13, app13).map_err(|e| Error::internal(format!("JPEG APP13 (IPTC): {e}")))?;
    }
    // Default tables fit progressive scans badly: optimising them saves ~4% for ~1 ms per MP.
    encoder.set_optimized_huffman_tables(options.progressive);
    let encoded = if options.chroma == ChromaSubsampling::Yuv420 {
        // 4:2:0, the common case: we hand the encoder chroma already box-averaged per 2x2 (see
        // Rgb420), so it takes one sample per block instead of averaging four itself.
        encoder.encode_image(Rgb420::new(&image.data, w, h))
    } else {
        // Box-average chroma like libjpeg; the default (top-left sample) aliases visibly.
        encoder.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
        encoder.encode(&image.data, w, h, jpeg_encoder::ColorType::Rgb)
    };
    encoded.map_err(|e| Error::internal(format!("JPEG encode of {w}x{h}: {e}")))?;
    Ok(out)
}

/// An APP13 payload holding IPTC-NAA records as Photoshop writes them: "Photoshop 3.0", then
/// one image resource block (8BIM, id 0x0404, empty name, even-padded data). None past 64 KB.
fn photoshop_iptc_segment(iptc: &[u8]) -> Option<Vec<u8>> {
    let mut seg = b"Photoshop 3.0\0".to_vec();
    seg.extend_from_slice(b"8BIM\x04\x04\0\0");
    seg.extend_from_slice(&u32::try_from(iptc.len()).ok()?.to_be_bytes());
    seg.extend_from_slice(iptc);
    if iptc.len() % 2 == 1 {
        seg.push(0);
    }
    (seg.len() <= 65533).then_some(seg)
}

/// RGB rows for a 4:2:0 encode, converted to YCbCr by us: Y per pixel, and Cb/Cr once per 2x2
/// block from the block's summed RGB (the box average libjpeg takes, as one conversion instead
/// of four plus a strided average), written to both columns of the pair. The encoder's default
/// subsampling then picks that value. Profiled (Viceroy `--profile=guest`, 800x533 q75 output):
/// jpeg-encoder's own RGB path spent about a third of the encode in `get_block_averaged` and a
/// third in per-pixel YCbCr (docs/benchmarks.md has the numbers).
struct Rgb420<'a> {
    rgb: &'a [u8],
    width: u16,
    height: u16,
    /// Averaged (Cb, Cr) of the row pair last converted: (pair index, Cb row, Cr row).
    chroma: std::cell::RefCell<(usize, Vec<u8>, Vec<u8>)>,
}

impl<'a> Rgb420<'a> {
    fn new(rgb: &'a [u8], width: u16, height: u16) -> Self {
        let w = usize::from(width);
        Rgb420 { rgb, width, height, chroma: std::cell::RefCell::new((usize::MAX, vec![0; w], vec![0; w])) }
    }

    fn row(&self, y: usize) -> &[u8] {
        let stride = usize::from(self.width) * 3;
        &self.rgb[y * stride..][..stride]
    }
}

impl jpeg_encoder::ImageBuffer for Rgb420<'_> {
    fn get_jpeg_color_type(&self) -> jpeg_encoder::JpegColorType {
        jpeg_encoder::JpegColorType::Ycbcr
    }

    fn width(&self) -> u16 {
        self.width
    }

    fn height(&self) -> u16 {
        self.height
    }

    fn fill_buffers(&self, y: u16, buffers: &mut [Vec<u8>; 4]) {
        let (y, w) = (usize::from(y), usize::from(self.width));
        let row = self.row(y);
        // Same fixed-point BT.601 full-range maths as jpeg_encoder::rgb_to_ycbcr.
        let luma = &mut buffers[0];
        let at = luma.len();
        luma.resize(at + w, 0);
        for (out, p) in luma[at..].iter_mut().zip(row.chunks_exact(3)) {
            let (r, g, b) = (i32::from(p[0]), i32::from(p[1]), i32::from(p[2]));
            *out = ((19595 * r + 38470 * g + 7471 * b + 0x7FFF) >> 16) as u8;
        }
        let pair = y / 2;
        let mut chroma = self.chroma.borrow_mut();
        if chroma.0 != pair {
            let top = self.row(pair * 2);
            let bottom = self.row((pair * 2 + 1).min(usize::from(self.height) - 1));
            let (_, cb, cr) = &mut *chroma;
            // Sums of four: shift by 18 instead of 16, with the same rounding and offset.
            let convert = |r: i32, g: i32, b: i32| {
                let u = (-11059 * r - 21709 * g + 32768 * b + (128 << 18) + 0x1FFFF) >> 18;
                let v = (32768 * r - 27439 * g - 5329 * b + (128 << 18) + 0x1FFFF) >> 18;
                (u.clamp(0, 255) as u8, v.clamp(0, 255) as u8)
            };
            let quads = top.chunks_exact(6).zip(bottom.chunks_exact(6));
            for ((q, u), v) in quads.zip(cb.chunks_exact_mut(2)).zip(cr.chunks_exact_mut(2)) {
                let (t, b) = q;
                let sum = |c: usize| i32::from(t[c]) + i32::from(t[c + 3]) + i32::from(b[c]) + i32::from(b[c + 3]);
                let (cu, cv) = convert(sum(0), sum(1), sum(2));
                (u[0], u[1], v[0], v[1]) = (cu, cu, cv, cv);
            }
            if w % 2 == 1 {
                // The last column pairs with itself, as the encoder's edge padding would.
                let (t, b) = (&top[(w - 1) * 3..], &bottom[(w - 1) * 3..]);
                let sum = |c: usize| 2 * (i32::from(t[c]) + i32::from(b[c]));
                (cb[w - 1], cr[w - 1]) = convert(sum(0), sum(1), sum(2));
            }
            chroma.0 = pair;
        }
        buffers[1].extend_from_slice(&chroma.1);
        buffers[2].extend_from_slice(&chroma.2);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::codec::{self, OutputFormat};

    const SOF_BASELINE: u8 = 0xC0;

    /// A JPEG whose pixels are a smooth gradient, optionally with an EXIF orientation segment.
    pub(crate) fn make_jpeg(w: u16, h: u16, progressive: bool, orientation: Option<u16>) -> Vec<u8> {
        let mut data = Vec::with_capacity(w as usize * h as usize * 3);
        for y in 0..h as usize {
            for x in 0..w as usize {
                data.extend_from_slice(&[(x * 255 / w as usize) as u8, (y * 255 / h as usize) as u8, 128]);
            }
        }
        let mut out = Vec::new();
        let mut enc = jpeg_encoder::Encoder::new(&mut out, 85);
        enc.set_progressive(progressive);
        if let Some(o) = orientation {
            let mut app1 = b"Exif\0\0".to_vec();
            app1.extend(exif::tiff_with_orientation(o, false));
            enc.add_app_segment(1, app1).unwrap();
        }
        enc.encode(&data, w, h, jpeg_encoder::ColorType::Rgb).unwrap();
        out
    }

    /// SOI + SOF + EOI, nothing else: a header that claims a size without paying for it.
    fn bare_header(sof: u8, precision: u8, w: u16, h: u16, comps: &[u8]) -> Vec<u8> {
        let mut b = vec![0xFF, 0xD8, 0xFF, sof];
        b.extend_from_slice(&((8 + 3 * comps.len()) as u16).to_be_bytes());
        b.push(precision);
        b.extend_from_slice(&h.to_be_bytes());
        b.extend_from_slice(&w.to_be_bytes());
        b.push(comps.len() as u8);
        for (i, &hv) in comps.iter().enumerate() {
            b.extend_from_slice(&[i as u8 + 1, hv, 0]);
        }
        b.extend_from_slice(&[0xFF, 0xD9]);
        b
    }

    #[test]
    fn probe_reads_size_orientation_and_coding() {
        let limits = Limits::default();
        let p = codec::probe(&make_jpeg(64, 48, false, Some(6)), &limits).unwrap();
        assert_eq!(
            p,
            Probe {
                format: Format::Jpeg,
                width: 64,
                height: 48,
                orientation: 6,
                has_alpha: false,
                frames: 1,
                progressive: false
            }
        );
        assert_eq!(p.oriented_size(), (48, 64));
        let p = codec::probe(&make_jpeg(64, 48, true, None), &limits).unwrap();
        assert!(p.progressive);
        assert_eq!(p.orientation, 1);
        let p = codec::probe(&make_jpeg(64, 48, false, Some(0)), &limits).unwrap();
        assert_eq!(p.orientation, 1);
    }

    /// Progressive files whose coefficients must be kept compact (scripts/jpeg-decoder-compact.patch)
    /// decode to the very pixels the whole layout gives, at every scale, and corrupt ones fail
    /// cleanly. libjpeg's progressive files (with refinement scans) come from the corpus.
    #[test]
    fn compact_progressive_coefficients_give_identical_pixels() {
        let mut rng = 0x2545_F491_4F6C_DD1Du64;
        let mut noise = |n: usize| -> Vec<u8> {
            (0..n)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    rng as u8
                })
                .collect()
        };
        let mut files = Vec::new();
        for (sampling, w, h) in
            [(jpeg_encoder::SamplingFactor::F_1_1, 203, 157), (jpeg_encoder::SamplingFactor::F_2_2, 131, 250)]
        {
            let mut out = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut out, 92);
            enc.set_progressive(true);
            enc.set_sampling_factor(sampling);
            enc.encode(&noise(w * h * 3), w as u16, h as u16, jpeg_encoder::ColorType::Rgb).unwrap();
            files.push(out);
        }
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        files.extend(
            ["ijg__testprog.jpg", "js__progressive_huffman_32x32x8_ycbcr.jpg"]
                .iter()
                .filter_map(|n| std::fs::read(corpus.join(n)).ok()),
        );
        assert!(files.len() >= 2);
        for bytes in &files {
            let h = parse_header(bytes).unwrap();
            assert!(h.progressive());
            let (w, ht) = (u32::from(h.width), u32::from(h.height));
            for eighths in [1, 2, 4] {
                let min = (scaled(w, eighths), scaled(ht, eighths));
                let whole = decode(bytes, min, &Limits::default()).unwrap();
                // A budget the whole layout misses and the compact one meets.
                let tight = Limits { max_decode_bytes: decode_cost(&h, eighths, false) - 1, ..Limits::default() };
                assert!(decode_cost(&h, eighths, true) <= tight.max_decode_bytes);
                let compact = decode(bytes, min, &tight).unwrap();
                assert_eq!(compact.1, eighths);
                assert!(compact.0 == whole.0, "{}x{} at {eighths}/8: compact pixels differ", w, ht);
                // About 40 bytes flipped in turn: an error or an image, never a panic.
                for at in (2..bytes.len()).step_by(bytes.len() / 40 + 1) {
                    let mut bad = bytes.clone();
                    bad[at] ^= 0x55;
                    let _ = decode(&bad, min, &tight);
                }
            }
        }
    }

    #[test]
    fn scale_selection() {
        assert_eq!(choose_scale(1600, 1200, (400, 300)), 2);
        assert_eq!(choose_scale(1600, 1200, (401, 300)), 4);
        assert_eq!(choose_scale(1600, 1200, (1600, 1)), 8);
        assert_eq!(choose_scale(1600, 1200, (1, 1)), 1);
        // Odd sizes round up, as the decoder does.
        assert_eq!(scaled(1203, 1), 151);
        assert_eq!(choose_scale(1203, 799, (151, 100)), 1);
    }

    #[test]
    fn decodes_at_reduced_scale_never_below_min() {
        let limits = Limits::default();
        for progressive in [false, true] {
            let bytes = make_jpeg(1600, 1200, progressive, None);
            let p = codec::probe(&bytes, &limits).unwrap();
            let cases = [
                ((400, 300), (400, 300)),
                ((401, 300), (800, 600)),
                ((1, 1), (200, 150)),
                ((200, 151), (400, 300)),
                ((1600, 1), (1600, 1200)),
                ((5000, 5000), (1600, 1200)), // clamped to the stored size
                ((0, 0), (200, 150)),
            ];
            for (min, want) in cases {
                let img = codec::decode(&bytes, &p, min, &limits).unwrap();
                assert_eq!((img.width, img.height), want, "min {min:?} progressive {progressive}");
                assert_eq!(img.channels, 3);
            }
        }
        // One side decides alone when the other is tiny: 8x2000 wants height 1000 → 1/2.
        let bytes = make_jpeg(8, 2000, false, None);
        let p = codec::probe(&bytes, &limits).unwrap();
        let img = codec::decode(&bytes, &p, (1, 1000), &limits).unwrap();
        assert_eq!((img.width, img.height), (4, 1000));
    }

    #[test]
    fn decoded_pixels_match_the_source() {
        let bytes = make_jpeg(64, 64, false, None);
        let p = codec::probe(&bytes, &Limits::default()).unwrap();
        let img = codec::decode(&bytes, &p, (64, 64), &Limits::default()).unwrap();
        let px = img.pixel(32, 16);
        assert!(px[0].abs_diff(127) <= 6 && px[1].abs_diff(63) <= 6 && px[2].abs_diff(128) <= 6, "{px:?}");
    }

    #[test]
    fn unsupported_codings_are_422() {
        let limits = Limits::default();
        for (sof, precision, needle) in
            [(0xC9, 8, "arithmetic"), (0xC1, 12, "12-bit"), (0xC5, 8, "hierarchical"), (0xCF, 8, "hierarchical")]
        {
            let e = codec::probe(&bare_header(sof, precision, 100, 100, &[0x11, 0x11, 0x11]), &limits).unwrap_err();
            assert_eq!(e.status, 422, "{e}");
            assert!(e.message.contains(needle), "{e}");
        }
        let e = codec::probe(&bare_header(0xC0, 8, 100, 100, &[0x11, 0x11]), &limits).unwrap_err();
        assert_eq!(e.status, 422);
        let e = codec::probe(&bare_header(0xC0, 8, 100, 100, &[0x11, 0x05, 0x11]), &limits).unwrap_err();
        assert_eq!(e.status, 422);
        let e = codec::probe(&bare_header(0xC0, 8, 100, 0, &[0x11]), &limits).unwrap_err();
        assert_eq!(e.status, 422);
        // Lossless is within jpeg-decoder's reach: the probe accepts it.
        assert!(codec::probe(&bare_header(0xC3, 12, 100, 100, &[0x11]), &limits).is_ok());
    }

    #[test]
    fn huge_progressive_header_is_413_before_allocating() {
        let limits = Limits::default();
        // 10000x10000 = 100 MP passes the pixel limit; 4:4:4 coefficients alone are 600 MB
        // whole, and still ~190 MB kept compact at 1/2 scale (~75 MB at 1/4, plus planes).
        let bytes = bare_header(SOF_PROGRESSIVE, 8, 10000, 10000, &[0x11, 0x11, 0x11]);
        let p = codec::probe(&bytes, &limits).unwrap();
        assert!(p.progressive);
        let e = codec::decode(&bytes, &p, (5000, 5000), &limits).unwrap_err();
        assert_eq!(e.status, 413, "{e}");
        assert!(e.message.contains("10000x10000 progressive JPEG at 1/2 scale needs ~"), "{e}");
        assert!(e.message.ends_with("limit is 80 MB"), "{e}");
        // At 1/8 the compact coefficients (10 bytes a block, ~47 MB) fit: the header passes
        // the budget and the missing scan data is a 422.
        let e = codec::decode(&bytes, &p, (100, 100), &limits).unwrap_err();
        assert_eq!(e.status, 422, "{e}");
        // Baseline at 1/8 is cheap, so the same header passes the budget and fails as corrupt.
        let bytes = bare_header(SOF_BASELINE, 8, 10000, 10000, &[0x22, 0x11, 0x11]);
        let e = codec::decode(&bytes, &codec::probe(&bytes, &limits).unwrap(), (100, 100), &limits).unwrap_err();
        assert_eq!(e.status, 422, "{e}");
        // ...but not at full size.
        let e = codec::decode(&bytes, &codec::probe(&bytes, &limits).unwrap(), (10000, 10000), &limits).unwrap_err();
        assert_eq!(e.status, 413, "{e}");
        // Over the pixel limit is refused by the probe itself.
        let e = codec::probe(&bare_header(SOF_BASELINE, 8, 20000, 20000, &[0x11]), &limits).unwrap_err();
        assert_eq!(e.status, 413);
        assert!(e.message.contains("20000x20000"), "{e}");
    }

    #[test]
    fn truncated_files_never_panic() {
        let limits = Limits::default();
        for progressive in [false, true] {
            let bytes = make_jpeg(96, 64, progressive, Some(3));
            let mut decoded = 0;
            for cut in (0..bytes.len()).step_by(7).chain([bytes.len() - 1, bytes.len() - 2]) {
                let part = &bytes[..cut];
                let result = codec::probe(part, &limits).and_then(|p| codec::decode(part, &p, (96, 64), &limits));
                match result {
                    Ok(img) => {
                        assert_eq!((img.width, img.height), (96, 64));
                        decoded += 1;
                    }
                    Err(e) => assert!(matches!(e.status, 415 | 422), "cut {cut}: {e}"),
                }
            }
            assert!(decoded <= 3, "a truncated JPEG decoded {decoded} times");
        }
    }

    #[test]
    fn encode_round_trip() {
        let limits = Limits::default();
        let flat = Image::filled(50, 30, 3, [200, 100, 50, 255]);
        for progressive in [false, true] {
            for chroma in [ChromaSubsampling::Yuv444, ChromaSubsampling::Yuv422, ChromaSubsampling::Yuv420] {
                let opts = EncodeOptions {
                    format: OutputFormat::Jpeg,
                    quality: 90,
                    progressive,
                    chroma,
                    lossless: false,
                    colors: None,
                };
                let bytes = codec::encode(&flat, &opts).unwrap();
                let p = codec::probe(&bytes, &limits).unwrap();
                assert_eq!((p.width, p.height, p.progressive), (50, 30, progressive));
                let img = codec::decode(&bytes, &p, (50, 30), &limits).unwrap();
                assert_eq!((img.width, img.height, img.channels), (50, 30, 3));
                for (a, b) in img.data.iter().zip(&flat.data) {
                    assert!(a.abs_diff(*b) <= 3, "{a} vs {b} ({chroma:?}, progressive {progressive})");
                }
            }
        }
        let rgba = Image::filled(4, 4, 4, [1, 2, 3, 4]);
        let opts = EncodeOptions {
            format: OutputFormat::Jpeg,
            quality: 80,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        };
        assert_eq!(codec::encode(&rgba, &opts).unwrap_err().status, 500);
    }

    #[test]
    fn rgb420_matches_the_encoders_own_averaging() {
        // Colour detail at every scale, odd sizes so the last chroma pair is half outside.
        for (w, h) in [(67u16, 45u16), (64, 64), (1, 1), (2, 3)] {
            let mut rgb = Vec::new();
            for y in 0..h as u32 {
                for x in 0..w as u32 {
                    rgb.extend_from_slice(&[(x * 37 + y * 11) as u8, (x * x + 3 * y) as u8, ((x ^ y) * 29) as u8]);
                }
            }
            let mut theirs = Vec::new();
            let mut enc = jpeg_encoder::Encoder::new(&mut theirs, 90);
            enc.set_sampling_factor(jpeg_encoder::SamplingFactor::F_2_2);
            enc.set_chroma_subsampling_method(jpeg_encoder::ChromaSubsamplingMethod::Average);
            enc.encode(&rgb, w, h, jpeg_encoder::ColorType::Rgb).unwrap();
            let image = Image::new(w.into(), h.into(), 3, rgb.clone());
            let opts = EncodeOptions {
                format: codec::OutputFormat::Jpeg,
                quality: 90,
                progressive: false,
                chroma: ChromaSubsampling::Yuv420,
                lossless: false,
                colors: None,
            };
            let ours = encode(&image, &opts, &Default::default()).unwrap();
            // The planes the encoder gets: chroma within one level of averaging per-pixel values.
            let src = Rgb420::new(&image.data, w, h);
            for y in 0..h as usize {
                let mut planes: [Vec<u8>; 4] = Default::default();
                jpeg_encoder::ImageBuffer::fill_buffers(&src, y as u16, &mut planes);
                for x in 0..w as usize {
                    let px = |x: usize, y: usize| {
                        let i = (y.min(h as usize - 1) * w as usize + x.min(w as usize - 1)) * 3;
                        jpeg_encoder::rgb_to_ycbcr(rgb[i], rgb[i + 1], rgb[i + 2])
                    };
                    let (x0, y0) = (x & !1, y & !1);
                    let quad = [px(x0, y0), px(x0 + 1, y0), px(x0, y0 + 1), px(x0 + 1, y0 + 1)];
                    let avg = |f: fn(&(u8, u8, u8)) -> u8| (quad.iter().map(|q| u32::from(f(q))).sum::<u32>() + 2) / 4;
                    assert_eq!(planes[0][x], px(x, y).0);
                    assert!(u32::from(planes[1][x]).abs_diff(avg(|q| q.1)) <= 1, "Cb {x},{y}");
                    assert!(u32::from(planes[2][x]).abs_diff(avg(|q| q.2)) <= 1, "Cr {x},{y}");
                }
            }
            let a = jpeg_decoder::Decoder::new(&theirs[..]).decode().unwrap();
            let b = jpeg_decoder::Decoder::new(&ours[..]).decode().unwrap();
            // A one-level chroma difference can flip quantisation choices on this noise, so the
            // decoded images are compared by their error against the source, not pixel by pixel.
            let mae =
                |d: &[u8]| d.iter().zip(&rgb).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>() / d.len() as f64;
            let (theirs, ours) = (mae(&a), mae(&b));
            assert!(ours <= theirs * 1.05 + 0.2, "{w}x{h}: mean error {ours:.2} vs the encoder's own {theirs:.2}");
        }
    }

    #[test]
    fn cmyk_conversion() {
        assert_eq!(cmyk_to_rgb(&[0, 0, 0, 0, 255, 0, 0, 0, 0, 0, 0, 255]), vec![255, 255, 255, 0, 255, 255, 0, 0, 0]);
    }

    /// ICC profile, JFIF density and IPTC come back out of the file as they went in.
    #[test]
    fn tags_are_written() {
        use crate::codec::{container, Tags};
        let image = Image::new(16, 8, 3, vec![90; 16 * 8 * 3]);
        let opts = EncodeOptions {
            format: crate::codec::OutputFormat::Jpeg,
            quality: 80,
            progressive: false,
            chroma: ChromaSubsampling::Yuv420,
            lossless: false,
            colors: None,
        };
        let plain = encode(&image, &opts, &Tags::default()).unwrap();
        let x = container::read(&plain, Format::Jpeg);
        assert_eq!((x.icc, x.iptc, x.dpi), (None, None, None));
        let icc: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect(); // two APP2 chunks
        let iptc = b"\x1c\x02\x00\x00\x02\x00\x04\x1c\x02\x78\x00\x05hello".to_vec(); // odd length
        let tags = Tags { icc: Some(icc.clone()), dpi: Some(300), iptc: Some(iptc.clone()) };
        let tagged = encode(&image, &opts, &tags).unwrap();
        let x = container::read(&tagged, Format::Jpeg);
        assert_eq!(x.icc, Some(icc));
        assert_eq!(x.iptc, Some(iptc));
        assert_eq!(x.dpi, Some((300.0, 300.0)));
        assert!(x.jfif);
        let p = crate::codec::probe(&tagged, &Limits::default()).unwrap();
        let back = crate::codec::decode(&tagged, &p, (16, 8), &Limits::default()).unwrap();
        assert!(back.data.iter().all(|&v| v.abs_diff(90) <= 2));
        assert_eq!(photoshop_iptc_segment(&vec![0; 70_000]), None);
    }
}
