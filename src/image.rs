//! The pixel value that flows through the pipeline: 8-bit sRGB, 3 or 4 interleaved channels.
//! Alpha, when present, is straight (not premultiplied) between steps.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: u8,
    pub data: Vec<u8>,
}

impl Image {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u8>) -> Self {
        debug_assert!(channels == 3 || channels == 4);
        debug_assert_eq!(data.len(), width as usize * height as usize * channels as usize);
        Image { width, height, channels, data }
    }

    /// A canvas filled with one RGBA colour; RGB when the colour is opaque and `channels` is 3.
    pub fn filled(width: u32, height: u32, channels: u8, rgba: [u8; 4]) -> Self {
        let px = &rgba[..channels as usize];
        let data = px.iter().copied().cycle().take(width as usize * height as usize * channels as usize).collect();
        Image { width, height, channels, data }
    }

    pub fn has_alpha(&self) -> bool {
        self.channels == 4
    }

    pub fn stride(&self) -> usize {
        self.width as usize * self.channels as usize
    }

    pub fn pixel(&self, x: u32, y: u32) -> &[u8] {
        let c = self.channels as usize;
        let i = (y as usize * self.width as usize + x as usize) * c;
        &self.data[i..i + c]
    }
}
