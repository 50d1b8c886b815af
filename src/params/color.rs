//! Colours in imgix's notation: 3/4/6/8 hex digits with alpha *first* (ARGB), or a CSS keyword.

/// Straight (non-premultiplied) RGBA.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color {
    pub r: u8,
    pub g: u8,
    pub b: u8,
    pub a: u8,
}

impl Color {
    pub const WHITE: Color = Color { r: 255, g: 255, b: 255, a: 255 };
    /// imgix's documented default for padding and fill: white at zero alpha.
    pub const TRANSPARENT_WHITE: Color = Color { r: 255, g: 255, b: 255, a: 0 };

    pub fn rgba(self) -> [u8; 4] {
        [self.r, self.g, self.b, self.a]
    }

    pub fn is_opaque(self) -> bool {
        self.a == 255
    }

    /// Parses `fff`, `8fff`, `ffffff`, `80ffffff` (alpha first) or a CSS colour keyword.
    pub fn parse(value: &str) -> Option<Color> {
        let v = value.trim().trim_start_matches('#').to_ascii_lowercase();
        if let Some(rgb) = keyword(&v) {
            return Some(Color {
                r: (rgb >> 16) as u8,
                g: (rgb >> 8) as u8,
                b: rgb as u8,
                a: if v == "transparent" { 0 } else { 255 },
            });
        }
        if !v.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let nibble = |i: usize| u8::from_str_radix(&v[i..i + 1], 16).unwrap() * 17;
        let byte = |i: usize| u8::from_str_radix(&v[i..i + 2], 16).unwrap();
        Some(match v.len() {
            3 => Color { r: nibble(0), g: nibble(1), b: nibble(2), a: 255 },
            4 => Color { a: nibble(0), r: nibble(1), g: nibble(2), b: nibble(3) },
            6 => Color { r: byte(0), g: byte(2), b: byte(4), a: 255 },
            8 => Color { a: byte(0), r: byte(2), g: byte(4), b: byte(6) },
            _ => return None,
        })
    }

    /// Canonical spelling: 6 hex digits when opaque, else 8 with alpha first.
    pub fn to_hex(self) -> String {
        if self.is_opaque() {
            format!("{:02x}{:02x}{:02x}", self.r, self.g, self.b)
        } else {
            format!("{:02x}{:02x}{:02x}{:02x}", self.a, self.r, self.g, self.b)
        }
    }
}

/// CSS named colours as 0xRRGGBB.
fn keyword(name: &str) -> Option<u32> {
    Some(match name {
        "transparent" => 0x000000,
        "aliceblue" => 0xf0f8ff,
        "antiquewhite" => 0xfaebd7,
        "aqua" | "cyan" => 0x00ffff,
        "aquamarine" => 0x7fffd4,
        "azure" => 0xf0ffff,
        "beige" => 0xf5f5dc,
        "bisque" => 0xffe4c4,
        "black" => 0x000000,
        "blanchedalmond" => 0xffebcd,
        "blue" => 0x0000ff,
        "blueviolet" => 0x8a2be2,
        "brown" => 0xa52a2a,
        "burlywood" => 0xdeb887,
        "cadetblue" => 0x5f9ea0,
        "chartreuse" => 0x7fff00,
        "chocolate" => 0xd2691e,
        "coral" => 0xff7f50,
        "cornflowerblue" => 0x6495ed,
        "cornsilk" => 0xfff8dc,
        "crimson" => 0xdc143c,
        "darkblue" => 0x00008b,
        "darkcyan" => 0x008b8b,
        "darkgoldenrod" => 0xb8860b,
        "darkgray" | "darkgrey" => 0xa9a9a9,
        "darkgreen" => 0x006400,
        "darkkhaki" => 0xbdb76b,
        "darkmagenta" => 0x8b008b,
        "darkolivegreen" => 0x556b2f,
        "darkorange" => 0xff8c00,
        "darkorchid" => 0x9932cc,
        "darkred" => 0x8b0000,
        "darksalmon" => 0xe9967a,
        "darkseagreen" => 0x8fbc8f,
        "darkslateblue" => 0x483d8b,
        "darkslategray" | "darkslategrey" => 0x2f4f4f,
        "darkturquoise" => 0x00ced1,
        "darkviolet" => 0x9400d3,
        "deeppink" => 0xff1493,
        "deepskyblue" => 0x00bfff,
        "dimgray" | "dimgrey" => 0x696969,
        "dodgerblue" => 0x1e90ff,
        "firebrick" => 0xb22222,
        "floralwhite" => 0xfffaf0,
        "forestgreen" => 0x228b22,
        "fuchsia" | "magenta" => 0xff00ff,
        "gainsboro" => 0xdcdcdc,
        "ghostwhite" => 0xf8f8ff,
        "gold" => 0xffd700,
        "goldenrod" => 0xdaa520,
        "gray" | "grey" => 0x808080,
        "green" => 0x008000,
        "greenyellow" => 0xadff2f,
        "honeydew" => 0xf0fff0,
        "hotpink" => 0xff69b4,
        "indianred" => 0xcd5c5c,
        "indigo" => 0x4b0082,
        "ivory" => 0xfffff0,
        "khaki" => 0xf0e68c,
        "lavender" => 0xe6e6fa,
        "lavenderblush" => 0xfff0f5,
        "lawngreen" => 0x7cfc00,
        "lemonchiffon" => 0xfffacd,
        "lightblue" => 0xadd8e6,
        "lightcoral" => 0xf08080,
        "lightcyan" => 0xe0ffff,
        "lightgoldenrodyellow" => 0xfafad2,
        "lightgray" | "lightgrey" => 0xd3d3d3,
        "lightgreen" => 0x90ee90,
        "lightpink" => 0xffb6c1,
        "lightsalmon" => 0xffa07a,
        "lightseagreen" => 0x20b2aa,
        "lightskyblue" => 0x87cefa,
        "lightslategray" | "lightslategrey" => 0x778899,
        "lightsteelblue" => 0xb0c4de,
        "lightyellow" => 0xffffe0,
        "lime" => 0x00ff00,
        "limegreen" => 0x32cd32,
        "linen" => 0xfaf0e6,
        "maroon" => 0x800000,
        "mediumaquamarine" => 0x66cdaa,
        "mediumblue" => 0x0000cd,
        "mediumorchid" => 0xba55d3,
        "mediumpurple" => 0x9370db,
        "mediumseagreen" => 0x3cb371,
        "mediumslateblue" => 0x7b68ee,
        "mediumspringgreen" => 0x00fa9a,
        "mediumturquoise" => 0x48d1cc,
        "mediumvioletred" => 0xc71585,
        "midnightblue" => 0x191970,
        "mintcream" => 0xf5fffa,
        "mistyrose" => 0xffe4e1,
        "moccasin" => 0xffe4b5,
        "navajowhite" => 0xffdead,
        "navy" => 0x000080,
        "oldlace" => 0xfdf5e6,
        "olive" => 0x808000,
        "olivedrab" => 0x6b8e23,
        "orange" => 0xffa500,
        "orangered" => 0xff4500,
        "orchid" => 0xda70d6,
        "palegoldenrod" => 0xeee8aa,
        "palegreen" => 0x98fb98,
        "paleturquoise" => 0xafeeee,
        "palevioletred" => 0xdb7093,
        "papayawhip" => 0xffefd5,
        "peachpuff" => 0xffdab9,
        "peru" => 0xcd853f,
        "pink" => 0xffc0cb,
        "plum" => 0xdda0dd,
        "powderblue" => 0xb0e0e6,
        "purple" => 0x800080,
        "rebeccapurple" => 0x663399,
        "red" => 0xff0000,
        "rosybrown" => 0xbc8f8f,
        "royalblue" => 0x4169e1,
        "saddlebrown" => 0x8b4513,
        "salmon" => 0xfa8072,
        "sandybrown" => 0xf4a460,
        "seagreen" => 0x2e8b57,
        "seashell" => 0xfff5ee,
        "sienna" => 0xa0522d,
        "silver" => 0xc0c0c0,
        "skyblue" => 0x87ceeb,
        "slateblue" => 0x6a5acd,
        "slategray" | "slategrey" => 0x708090,
        "snow" => 0xfffafa,
        "springgreen" => 0x00ff7f,
        "steelblue" => 0x4682b4,
        "tan" => 0xd2b48c,
        "teal" => 0x008080,
        "thistle" => 0xd8bfd8,
        "tomato" => 0xff6347,
        "turquoise" => 0x40e0d0,
        "violet" => 0xee82ee,
        "wheat" => 0xf5deb3,
        "white" => 0xffffff,
        "whitesmoke" => 0xf5f5f5,
        "yellow" => 0xffff00,
        "yellowgreen" => 0x9acd32,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms_put_alpha_first() {
        let c = |r, g, b, a| Some(Color { r, g, b, a });
        assert_eq!(Color::parse("f00"), c(255, 0, 0, 255));
        assert_eq!(Color::parse("8f00"), c(255, 0, 0, 136));
        assert_eq!(Color::parse("FF0000"), c(255, 0, 0, 255));
        assert_eq!(Color::parse("80000000"), c(0, 0, 0, 128));
        assert_eq!(Color::parse("0fff"), c(255, 255, 255, 0));
        assert_eq!(Color::parse("red"), c(255, 0, 0, 255));
        assert_eq!(Color::parse("RebeccaPurple"), c(0x66, 0x33, 0x99, 255));
        assert_eq!(Color::parse("transparent").map(|c| c.a), Some(0));
        for bad in ["", "ff", "fffff", "gggggg", "notacolor", "fffffffff"] {
            assert_eq!(Color::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn hex_round_trips() {
        for s in ["ff0000", "80000000", "00ffffff"] {
            assert_eq!(Color::parse(s).unwrap().to_hex(), s);
        }
    }
}
