//! The one EXIF field we need: IFD0 Orientation (tag 0x0112). A tiny TIFF reader that treats
//! every offset as hostile; anything odd means "no orientation" (1), never an error.

const ORIENTATION: u16 = 0x0112;

/// Orientation 1–8 from an EXIF block (TIFF header first; an "Exif\0\0" prefix, which some
/// PNG and WebP writers leave in, is skipped). 1 when absent, invalid or 0.
pub fn orientation(exif: &[u8]) -> u8 {
    let tiff = exif.strip_prefix(b"Exif\0\0").unwrap_or(exif);
    match read_orientation(tiff) {
        Some(o @ 1..=8) => o as u8,
        _ => 1,
    }
}

fn read_orientation(t: &[u8]) -> Option<u32> {
    let le = match t.get(..4)? {
        b"II*\0" => true,
        b"MM\0*" => false,
        _ => return None,
    };
    let u16_at = |at: usize| -> Option<u16> {
        let b: [u8; 2] = t.get(at..at.checked_add(2)?)?.try_into().ok()?;
        Some(if le { u16::from_le_bytes(b) } else { u16::from_be_bytes(b) })
    };
    let u32_at = |at: usize| -> Option<u32> {
        let b: [u8; 4] = t.get(at..at.checked_add(4)?)?.try_into().ok()?;
        Some(if le { u32::from_le_bytes(b) } else { u32::from_be_bytes(b) })
    };

    let ifd0 = u32_at(4)? as usize;
    let entries = u16_at(ifd0)? as usize;
    for i in 0..entries {
        // Each entry: tag u16, type u16, count u32, value-or-offset [u8; 4].
        let e = ifd0.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        if u16_at(e)? != ORIENTATION {
            continue;
        }
        if u32_at(e + 4)? == 0 {
            return None;
        }
        // SHORT is what the spec says; some writers use LONG or BYTE. Values fit in the entry.
        return match u16_at(e + 2)? {
            3 => u16_at(e + 8).map(u32::from),
            4 => u32_at(e + 8),
            1 => t.get(e + 8).map(|&b| u32::from(b)),
            _ => None,
        };
    }
    None
}

/// A minimal TIFF block carrying only an Orientation entry (SHORT), for tests.
#[cfg(test)]
pub(crate) fn tiff_with_orientation(orientation: u16, little_endian: bool) -> Vec<u8> {
    let w16 = |v: u16| if little_endian { v.to_le_bytes() } else { v.to_be_bytes() };
    let w32 = |v: u32| if little_endian { v.to_le_bytes() } else { v.to_be_bytes() };
    let mut t = Vec::new();
    t.extend_from_slice(if little_endian { b"II*\0" } else { b"MM\0*" });
    t.extend_from_slice(&w32(8));
    t.extend_from_slice(&w16(2)); // two entries: an unrelated one first
    t.extend_from_slice(&w16(0x010F)); // Make, ASCII, 4 bytes inline
    t.extend_from_slice(&w16(2));
    t.extend_from_slice(&w32(4));
    t.extend_from_slice(b"ACM\0");
    t.extend_from_slice(&w16(ORIENTATION));
    t.extend_from_slice(&w16(3));
    t.extend_from_slice(&w32(1));
    t.extend_from_slice(&w16(orientation));
    t.extend_from_slice(&[0, 0]);
    t.extend_from_slice(&w32(0)); // no next IFD
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_byte_orders() {
        for o in 1..=8 {
            assert_eq!(orientation(&tiff_with_orientation(o, true)), o as u8);
            assert_eq!(orientation(&tiff_with_orientation(o, false)), o as u8);
        }
        let mut prefixed = b"Exif\0\0".to_vec();
        prefixed.extend(tiff_with_orientation(6, false));
        assert_eq!(orientation(&prefixed), 6);
    }

    #[test]
    fn invalid_values_mean_upright() {
        assert_eq!(orientation(&tiff_with_orientation(0, true)), 1);
        assert_eq!(orientation(&tiff_with_orientation(9, true)), 1);
        assert_eq!(orientation(&tiff_with_orientation(0xFFFF, false)), 1);
        assert_eq!(orientation(b""), 1);
        assert_eq!(orientation(b"garbage that is not tiff"), 1);
    }

    #[test]
    fn hostile_offsets_never_panic() {
        let good = tiff_with_orientation(6, true);
        for cut in 0..good.len() {
            // The value sits at bytes 30..32; the next-IFD pointer after it is not needed.
            let o = orientation(&good[..cut]);
            assert_eq!(o, if cut >= 32 { 6 } else { 1 }, "truncated at {cut}");
        }
        // IFD offset pointing far outside, and near usize::MAX.
        for off in [0xFFFF_FFF0u32, u32::MAX, 3, 7] {
            let mut t = good.clone();
            t[4..8].copy_from_slice(&off.to_le_bytes());
            assert!((1..=8).contains(&orientation(&t)));
        }
        // Entry count claiming 65535 entries in a short block.
        let mut t = good.clone();
        t[8..10].copy_from_slice(&0xFFFFu16.to_le_bytes());
        assert_eq!(orientation(&t), 6); // orientation entry is still in bounds
        t.truncate(20);
        assert_eq!(orientation(&t), 1);
    }
}
