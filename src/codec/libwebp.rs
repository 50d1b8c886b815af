//! Lossy WebP through libwebp (C, vendored by `libwebp-sys`, compiled by `cc` natively and for
//! wasm32-wasip1 with clang + wasi-libc; see .cargo/config.toml). No pure-Rust lossy VP8
//! encoder with a permissive licence reaches libwebp's quality, so this is the one C codec.
//! Animated WebP is also decoded here: libwebp's compositing is the reference (image-webp 0.2.4
//! darkens every opaque pixel of a blended frame by one level).

use std::ffi::c_int;
use std::mem::MaybeUninit;

use libwebp_sys as sys;

use crate::error::{Error, Result};
use crate::image::Image;

/// Speed/size trade-off (0 fastest … 6 smallest), chosen so the encode fits a request's 50 ms
/// of CPU. Measured with the SIMD build (libwebp's SSE2 code on wasm simd128) in Viceroy, q75, real
/// photos: method 0 costs ~50 ns per output pixel, 2 ~80 ns, 4 (libwebp's default) ~185 ns. At
/// equal SSIMULACRA2, method 0 needs ~8% more bytes than 2, which needs ~5% more than 4 (at
/// 300 px wide, 2 and 4 come out even). Methods 1, 3, 5 and 6 are never better buys: 1 costs
/// more than 0 for 1% fewer bytes, 3 as much as 4, 5–6 trellis costs more and scores lower.
/// So: 4 while the encode stays near 15 ms (a 300x225 thumbnail), 2 up to ~200 000 px (16 ms),
/// and 0 above, where a 2 MP photo at w=800 still spends 20–30 ms decoding and resizing.
fn method_for(pixels: u64) -> c_int {
    if pixels <= 80_000 {
        4
    } else if pixels <= 200_000 {
        2
    } else {
        0
    }
}

/// Appends encoder output to the `Vec<u8>` in `custom_ptr`, avoiding libwebp's own buffer.
unsafe extern "C" fn write_to_vec(data: *const u8, size: usize, picture: *const sys::WebPPicture) -> c_int {
    // SAFETY: `encode` points custom_ptr at a live Vec for the whole WebPEncode call, and libwebp
    // hands us `size` readable bytes at `data`.
    unsafe {
        let out = &mut *((*picture).custom_ptr as *mut Vec<u8>);
        if size > 0 {
            out.extend_from_slice(std::slice::from_raw_parts(data, size));
        }
    }
    1
}

/// Frees the picture's buffers on every exit path.
struct Picture(sys::WebPPicture);

impl Drop for Picture {
    fn drop(&mut self) {
        // SAFETY: the picture was initialised by WebPPictureInitInternal; Free accepts any such.
        unsafe { sys::WebPPictureFree(&mut self.0) }
    }
}

/// A picture holding `image`'s pixels: ARGB for the animation encoder (it diffs frames in
/// ARGB), else converted by libwebp to YUV 4:2:0 + alpha.
fn picture(image: &Image, argb: bool) -> Result<Picture> {
    let mut raw = MaybeUninit::<sys::WebPPicture>::zeroed();
    // SAFETY: Init fills every field of the zeroed struct; it fails only on an ABI mismatch.
    if unsafe { sys::WebPPictureInitInternal(raw.as_mut_ptr(), sys::WEBP_ENCODER_ABI_VERSION as c_int) } == 0 {
        return Err(Error::internal("WebPPictureInit failed (libwebp ABI mismatch)"));
    }
    // SAFETY: initialised just above.
    let mut pic = Picture(unsafe { raw.assume_init() });
    pic.0.use_argb = c_int::from(argb);
    pic.0.width = image.width as c_int;
    pic.0.height = image.height as c_int;
    let stride = image.stride() as c_int;
    // SAFETY: data holds width*height*channels bytes (checked by codec::encode); libwebp copies it.
    let ok = unsafe {
        if image.channels == 4 {
            sys::WebPPictureImportRGBA(&mut pic.0, image.data.as_ptr(), stride)
        } else {
            sys::WebPPictureImportRGB(&mut pic.0, image.data.as_ptr(), stride)
        }
    };
    if ok == 0 {
        return Err(Error::too_large("not enough memory to encode WebP"));
    }
    Ok(pic)
}

fn config(quality: u8, method: c_int) -> Result<sys::WebPConfig> {
    let mut raw = MaybeUninit::<sys::WebPConfig>::zeroed();
    // SAFETY: Init fills the struct; it fails only on an ABI mismatch.
    let ok = unsafe {
        sys::WebPConfigInitInternal(
            raw.as_mut_ptr(),
            sys::WebPPreset::WEBP_PRESET_DEFAULT,
            f32::from(quality.clamp(1, 100)),
            sys::WEBP_ENCODER_ABI_VERSION as c_int,
        )
    };
    if ok == 0 {
        return Err(Error::internal("WebPConfigInit failed (libwebp ABI mismatch)"));
    }
    // SAFETY: initialised just above.
    let mut config = unsafe { raw.assume_init() };
    config.method = method;

    // One thread on Compute; wasi-libc has no pthreads anyway (WEBP_USE_THREAD is off).
    config.thread_level = 0;
    // SAFETY: plain read of a valid struct.
    if unsafe { sys::WebPValidateConfig(&config) } == 0 {
        return Err(Error::internal(format!(
            "WebPValidateConfig refused method {} quality {}",
            config.method, config.quality
        )));
    }
    Ok(config)
}

/// Encodes one frame as lossy WebP (VP8, plus a lossless-compressed ALPH chunk for RGBA).
pub fn encode_lossy(image: &Image, quality: u8) -> Result<Vec<u8>> {
    let pixels = u64::from(image.width) * u64::from(image.height);
    encode_lossy_method(image, quality, method_for(pixels))
}

fn encode_lossy_method(image: &Image, quality: u8, method: c_int) -> Result<Vec<u8>> {
    let pixels = u64::from(image.width) * u64::from(image.height);
    let config = config(quality, method)?;
    let mut pic = picture(image, false)?;
    // Typical output is well under a byte per pixel at web qualities.
    let mut out: Vec<u8> = Vec::with_capacity((pixels / 8) as usize + 1024);
    pic.0.writer = Some(write_to_vec);
    pic.0.custom_ptr = &mut out as *mut Vec<u8> as *mut std::ffi::c_void;
    // SAFETY: config and picture are valid; `out` outlives the call (custom_ptr is not kept).
    let ok = unsafe { sys::WebPEncode(&config, &mut pic.0) };
    pic.0.custom_ptr = std::ptr::null_mut();
    if ok == 0 {
        return Err(match pic.0.error_code {
            sys::WebPEncodingError::VP8_ENC_ERROR_OUT_OF_MEMORY
            | sys::WebPEncodingError::VP8_ENC_ERROR_BITSTREAM_OUT_OF_MEMORY => {
                Error::too_large("not enough memory to encode WebP")
            }
            sys::WebPEncodingError::VP8_ENC_ERROR_BAD_DIMENSION => {
                Error::too_large("WebP output cannot exceed 16383 pixels on a side")
            }
            e => Error::internal(format!("WebP encode: {e:?}")),
        });
    }
    Ok(out)
}

/// Frees the animation encoder on every exit path.
struct AnimEncoder(*mut sys::WebPAnimEncoder);

impl Drop for AnimEncoder {
    fn drop(&mut self) {
        // SAFETY: created by WebPAnimEncoderNewInternal and deleted only here.
        unsafe { sys::WebPAnimEncoderDelete(self.0) }
    }
}

/// Animated WebP through WebPAnimEncoder: each frame lossy at `quality` (or lossless), timing
/// kept, `loop_count` 0 = forever. libwebp stores only the changed rectangle of each frame.
pub fn encode_animation(
    frames: &[super::animation::Frame],
    loop_count: u16,
    quality: u8,
    lossless: bool,
) -> Result<Vec<u8>> {
    let first = &frames.first().ok_or_else(|| Error::internal("animated WebP encode without frames"))?.image;
    let (w, h) = (first.width as c_int, first.height as c_int);
    let mut raw = MaybeUninit::<sys::WebPAnimEncoderOptions>::zeroed();
    // SAFETY: Init fills the struct; it fails only on an ABI mismatch.
    if unsafe { sys::WebPAnimEncoderOptionsInitInternal(raw.as_mut_ptr(), sys::WEBP_MUX_ABI_VERSION as c_int) } == 0 {
        return Err(Error::internal("WebPAnimEncoderOptionsInit failed (libwebp ABI mismatch)"));
    }
    // SAFETY: initialised just above.
    let mut options = unsafe { raw.assume_init() };
    options.anim_params.loop_count = c_int::from(loop_count);
    options.anim_params.bgcolor = 0; // transparent black, what browsers use anyway
                                     // SAFETY: options is valid; the encoder is freed by AnimEncoder's Drop.
    let encoder =
        AnimEncoder(unsafe { sys::WebPAnimEncoderNewInternal(w, h, &options, sys::WEBP_MUX_ABI_VERSION as c_int) });
    if encoder.0.is_null() {
        return Err(Error::too_large("not enough memory to encode animated WebP"));
    }
    let pixels = u64::from(first.width) * u64::from(first.height);
    let mut config = config(quality, method_for(pixels * frames.len() as u64))?;
    config.lossless = c_int::from(lossless);
    let mut timestamp: c_int = 0;
    for frame in frames {
        let mut pic = picture(&frame.image, true)?;
        // SAFETY: encoder, picture and config are valid for the call.
        if unsafe { sys::WebPAnimEncoderAdd(encoder.0, &mut pic.0, timestamp, &config) } == 0 {
            return Err(Error::too_large("not enough memory to encode animated WebP"));
        }
        timestamp = timestamp.saturating_add(frame.delay_ms.min(i32::MAX as u32) as c_int);
    }
    let mut data = sys::WebPData::default();
    // SAFETY: a null frame marks the end; Assemble writes a libwebp-owned buffer into `data`.
    let ok = unsafe {
        sys::WebPAnimEncoderAdd(encoder.0, std::ptr::null_mut(), timestamp, std::ptr::null()) != 0
            && sys::WebPAnimEncoderAssemble(encoder.0, &mut data) != 0
    };
    if !ok || data.bytes.is_null() {
        return Err(Error::too_large("not enough memory to encode animated WebP"));
    }
    // SAFETY: data points at `size` bytes owned by libwebp until WebPDataClear.
    let out = unsafe { std::slice::from_raw_parts(data.bytes, data.size) }.to_vec();
    // SAFETY: frees the buffer Assemble allocated.
    unsafe { sys::WebPDataClear(&mut data) };
    Ok(out)
}

/// Frees the animation decoder on every exit path.
struct AnimDecoder(*mut sys::WebPAnimDecoder);

impl Drop for AnimDecoder {
    fn drop(&mut self) {
        // SAFETY: made by WebPAnimDecoderNewInternal (Delete accepts null too).
        unsafe { sys::WebPAnimDecoderDelete(self.0) }
    }
}

/// Decodes an animated WebP frame by frame onto a transparent canvas, as browsers show it:
/// `each(index, canvas, delay_ms)` gets RGBA (or RGB when `has_alpha` is false) and returns false
/// to stop. A frame that fails after the first ends the animation there. Returns the loop count
/// (0 = forever).
pub fn decode_animation(
    bytes: &[u8],
    has_alpha: bool,
    each: &mut impl FnMut(u32, Image, u32) -> Result<bool>,
) -> Result<u16> {
    let corrupt = || Error::undecodable("corrupt WebP: animation cannot be decoded");
    let mut raw = MaybeUninit::<sys::WebPAnimDecoderOptions>::zeroed();
    // SAFETY: Init fills the struct; it fails only on an ABI mismatch.
    if unsafe { sys::WebPAnimDecoderOptionsInitInternal(raw.as_mut_ptr(), sys::WEBP_DEMUX_ABI_VERSION as c_int) } == 0 {
        return Err(Error::internal("WebPAnimDecoderOptionsInit failed (libwebp ABI mismatch)"));
    }
    // SAFETY: initialised just above.
    let mut options = unsafe { raw.assume_init() };
    options.color_mode = sys::WEBP_CSP_MODE::MODE_RGBA;
    options.use_threads = 0;
    let data = sys::WebPData { bytes: bytes.as_ptr(), size: bytes.len() };
    // SAFETY: `data` borrows `bytes`, which outlive the decoder (dropped at the end of this call).
    let decoder =
        AnimDecoder(unsafe { sys::WebPAnimDecoderNewInternal(&data, &options, sys::WEBP_DEMUX_ABI_VERSION as c_int) });
    if decoder.0.is_null() {
        return Err(corrupt());
    }
    let mut info = MaybeUninit::<sys::WebPAnimInfo>::zeroed();
    // SAFETY: the decoder is valid; GetInfo fills `info`.
    if unsafe { sys::WebPAnimDecoderGetInfo(decoder.0, info.as_mut_ptr()) } == 0 {
        return Err(corrupt());
    }
    // SAFETY: filled just above.
    let info = unsafe { info.assume_init() };
    let (w, h) = (info.canvas_width, info.canvas_height);
    let len = w as usize * h as usize * 4;
    let (mut index, mut previous_end) = (0u32, 0 as c_int);
    // SAFETY: plain query of a valid decoder.
    while unsafe { sys::WebPAnimDecoderHasMoreFrames(decoder.0) } != 0 {
        let mut buf: *mut u8 = std::ptr::null_mut();
        let mut end: c_int = 0;
        // SAFETY: on success `buf` points at the w*h*4 canvas, owned by the decoder until the next call.
        let ok = unsafe { sys::WebPAnimDecoderGetNext(decoder.0, &mut buf, &mut end) } != 0;
        if !ok || buf.is_null() {
            if index > 0 {
                break;
            }
            return Err(corrupt());
        }
        // SAFETY: see above; copied before the decoder is used again.
        let rgba = unsafe { std::slice::from_raw_parts(buf, len) };
        let data =
            if has_alpha { rgba.to_vec() } else { rgba.chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect() };
        let delay_ms = end.saturating_sub(previous_end).max(0) as u32;
        previous_end = end;
        let more = each(index, Image::new(w, h, if has_alpha { 4 } else { 3 }, data), delay_ms)?;
        index += 1;
        if !more {
            break;
        }
    }
    if index == 0 {
        return Err(corrupt());
    }
    Ok(info.loop_count.min(u32::from(u16::MAX)) as u16)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_gets_cheaper_with_size() {
        assert_eq!(method_for(300 * 225), 4);
        assert_eq!(method_for(300 * 400), 2);
        assert_eq!(method_for(800 * 600), 0);
    }

    /// Every method we use decodes back close to the source, and the slower ones save bytes.
    #[test]
    fn methods_round_trip_close() {
        let (w, h) = (320u32, 240u32);
        // Smooth shading, edges and fine texture, like a photo's mix.
        let data: Vec<u8> = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                let edge = if (x / 40 + y / 30) % 2 == 0 { 40 } else { 0 };
                let grain = ((x * 7 + y * 13) ^ (x * y)) % 23;
                [(x * 200 / w + edge) as u8, (y * 200 / h + grain) as u8, ((x + y) / 3 + grain * 2) as u8]
            })
            .collect();
        let img = Image::new(w, h, 3, data.clone());
        let mut sizes = Vec::new();
        for method in [0, 2, 4] {
            let webp = encode_lossy_method(&img, 90, method).unwrap();
            let mut d = image_webp::WebPDecoder::new(std::io::Cursor::new(&webp)).unwrap();
            let mut px = vec![0u8; d.output_buffer_size().unwrap()];
            d.read_image(&mut px).unwrap();
            let se: f64 = data.iter().zip(&px).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum();
            let psnr = 10.0 * (255.0f64.powi(2) * data.len() as f64 / se).log10();
            assert!(psnr > 32.0, "method {method}: PSNR {psnr:.1} dB");
            sizes.push(webp.len());
        }
        assert!(sizes[2] < sizes[0], "method 4 {} vs 0 {} bytes", sizes[2], sizes[0]);
    }

    #[test]
    fn quality_changes_size() {
        // A smooth gradient with some texture: lossy sizes must follow q.
        let (w, h) = (256u32, 192u32);
        let data = (0..w * h)
            .flat_map(|i| {
                let (x, y) = (i % w, i / w);
                [(x & 0xFF) as u8, (y * 255 / h) as u8, ((x * y / 97) & 0xFF) as u8]
            })
            .collect();
        let img = Image::new(w, h, 3, data);
        let low = encode_lossy(&img, 20).unwrap();
        let high = encode_lossy(&img, 95).unwrap();
        assert!(low.starts_with(b"RIFF") && &low[8..16] == b"WEBPVP8 ", "{:?}", &low[..16]);
        assert!(low.len() < high.len(), "q20 {} vs q95 {}", low.len(), high.len());
    }
}
