//! Limits checked before pixels are allocated. Fastly gives a request 128 MB of heap, so the
//! decode budget is an estimate of bytes the decoder will hold, not just a pixel count.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of the original accepted from the origin.
    pub max_input_bytes: usize,
    /// Pixels the original may declare in its header (width × height, per frame).
    pub max_input_pixels: u64,
    /// Bytes the decoder may hold at once for one image, at the chosen decode scale.
    pub max_decode_bytes: u64,
    /// Pixels of the rendered output (the final canvas).
    pub max_output_pixels: u64,
    /// Bytes a render may hold at its peak, estimated from the plan (`Plan::working_bytes`):
    /// with the original, the runtime and the encoder's buffers it must stay under 128 MB.
    pub max_working_bytes: u64,
    /// Heap the chosen encoder holds per output pixel on top of `max_working_bytes`' estimate
    /// (`OutputFormat::encoder_bytes_per_pixel`); 0 until the output format is known.
    pub encoder_bytes_per_pixel: u64,
    /// Longest side of the output; larger requests are sized down to fit, as imgix does.
    pub max_output_side: u32,
    /// Frames in an animated input.
    pub max_frames: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_input_bytes: 30 * 1024 * 1024,
            max_input_pixels: 100_000_000,
            max_decode_bytes: 80 * 1024 * 1024,
            max_output_pixels: 16_777_216,
            // Measured in Viceroy on a 4000x3000 JPEG, with the bundled fonts (about 7 MB) in the
            // data segment: w=3500 peaked at 122 MiB of linear memory, w=3720 at 128 (the
            // ceiling); w=3987, which the estimate once put at 68 MiB for want of the resizer's
            // intermediate, ran out. 88 MiB of estimate sizes w=4800 down to 3534.
            max_working_bytes: 88 * 1024 * 1024,
            encoder_bytes_per_pixel: 0,
            max_output_side: 8192,
            max_frames: 1000,
        }
    }
}
