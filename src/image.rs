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

    /// The `w`×`h` part at (`x`, `y`), clipped to the image.
    pub fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> Image {
        let c = self.channels as usize;
        let (x, y) = (x.min(self.width), y.min(self.height));
        let (w, h) = (w.min(self.width - x), h.min(self.height - y));
        let mut data = Vec::with_capacity(w as usize * h as usize * c);
        for row in y..y + h {
            data.extend_from_slice(
                &self.data[(row as usize * self.width as usize + x as usize) * c..][..w as usize * c],
            );
        }
        Image::new(w, h, self.channels, data)
    }

    pub fn pixel(&self, x: u32, y: u32) -> &[u8] {
        let c = self.channels as usize;
        let i = (y as usize * self.width as usize + x as usize) * c;
        &self.data[i..i + c]
    }
}

/// 16-bit samples (a 16-bit PNG, say), 3 or 4 interleaved channels, straight alpha. Colour
/// management and the resize work on these; the resize rounds to 8 bits, once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image16 {
    pub width: u32,
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub channels: u8,
    pub data: Vec<u16>,
}

impl Image16 {
    pub fn new(width: u32, height: u32, channels: u8, data: Vec<u16>) -> Self {
        debug_assert!(channels == 3 || channels == 4);
        debug_assert_eq!(data.len(), width as usize * height as usize * channels as usize);
        Image16 { width, height, channels, data }
    }

    /// Rounded to the nearest 8-bit value.
    pub fn to_8bit(&self) -> Image {
        Image::new(self.width, self.height, self.channels, self.data.iter().map(|&v| to_8bit(v)).collect())
    }
}

/// 0–65535 → 0–255, rounded to nearest.
pub fn to_8bit(v: u16) -> u8 {
    ((u32::from(v) * 255 + 32_767) / 65_535) as u8
}

/// A decoded original as the pipeline's first step (the resize) receives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    Eight(Image),
    Sixteen(Image16),
}

impl Decoded {
    /// The 8-bit pixels, for analysis (trim, faces, smart crops): borrowed when they are already 8-bit.
    pub fn as_8bit(&self) -> std::borrow::Cow<'_, Image> {
        match self {
            Decoded::Eight(i) => std::borrow::Cow::Borrowed(i),
            Decoded::Sixteen(i) => std::borrow::Cow::Owned(i.to_8bit()),
        }
    }

    pub fn width(&self) -> u32 {
        match self {
            Decoded::Eight(i) => i.width,
            Decoded::Sixteen(i) => i.width,
        }
    }

    pub fn height(&self) -> u32 {
        match self {
            Decoded::Eight(i) => i.height,
            Decoded::Sixteen(i) => i.height,
        }
    }

    /// The 8-bit image, rounding 16-bit samples.
    pub fn into_8bit(self) -> Image {
        match self {
            Decoded::Eight(i) => i,
            Decoded::Sixteen(i) => i.to_8bit(),
        }
    }
}

impl From<Image> for Decoded {
    fn from(image: Image) -> Self {
        Decoded::Eight(image)
    }
}
