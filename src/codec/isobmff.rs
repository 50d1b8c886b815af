//! ISO-BMFF box surgery on our own AVIF output: avif-serialize writes no ICC profile, so a
//! `colr` box of type `prof` is added to the item properties (`ipco`) and associated with the
//! primary item (`ipma`). The metadata box grows, so the item locations (`iloc`) that point
//! into `mdat` after it move by the same amount.

use crate::error::{Error, Result};

fn be(b: &[u8], at: usize, n: usize) -> Option<u64> {
    b.get(at..at + n).map(|s| s.iter().fold(0u64, |v, &x| v << 8 | u64::from(x)))
}

/// (type, whole box including its header) of each box in `b`.
fn boxes(b: &[u8]) -> Option<Vec<([u8; 4], &[u8])>> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < b.len() {
        let size = be(b, at, 4)? as usize;
        let kind: [u8; 4] = b.get(at + 4..at + 8)?.try_into().ok()?;
        // Sizes 0 (to end) and 1 (64-bit) never occur in avif-serialize's metadata.
        if size < 8 {
            return None;
        }
        out.push((kind, b.get(at..at + size)?));
        at += size;
    }
    Some(out)
}

fn boxed(kind: &[u8; 4], header_extra: &[u8], children: &[u8]) -> Vec<u8> {
    let size = (8 + header_extra.len() + children.len()) as u32;
    [&size.to_be_bytes()[..], kind, header_extra, children].concat()
}

/// The AVIF file with `icc` attached to its primary item; unchanged when `icc` is None.
pub(super) fn with_icc(avif: Vec<u8>, icc: Option<&[u8]>) -> Result<Vec<u8>> {
    let Some(icc) = icc else { return Ok(avif) };
    add_colr(&avif, icc).ok_or_else(|| {
        Error::internal(format!(
            "AVIF ICC: the {}-byte encoder output has a box layout the colr surgery does not know",
            avif.len()
        ))
    })
}

fn add_colr(file: &[u8], icc: &[u8]) -> Option<Vec<u8>> {
    let top = boxes(file)?;
    let meta_index = top.iter().position(|(k, _)| k == b"meta")?;
    let meta = top[meta_index].1;
    let meta_end = top[..=meta_index].iter().map(|(_, b)| b.len()).sum::<usize>();
    let children = boxes(&meta[12..])?;
    let primary = children.iter().find(|(k, _)| k == b"pitm").and_then(|(_, b)| match b[8] {
        0 => be(b, 12, 2),
        _ => be(b, 12, 4),
    })?;

    let colr = boxed(b"colr", b"prof", icc);
    let mut new_children: Vec<Vec<u8>> = Vec::new();
    for (kind, b) in &children {
        new_children.push(if kind == b"iprp" { iprp_with(b, &colr, primary)? } else { b.to_vec() });
    }
    let grown = new_children.iter().map(Vec::len).sum::<usize>() + 12 - meta.len();
    // Every extent must lie after the metadata (in mdat), or moving it would be wrong.
    for (kind, b) in new_children.iter_mut().map(|c| (c[4..8].to_vec(), c)) {
        if kind == b"iloc" {
            shift_iloc(b, grown as u64, meta_end as u64)?;
        }
    }
    let new_meta = boxed(b"meta", &meta[8..12], &new_children.concat());
    let mut out = Vec::with_capacity(file.len() + grown);
    for (i, (_, b)) in top.iter().enumerate() {
        out.extend_from_slice(if i == meta_index { &new_meta } else { b });
    }
    Some(out)
}

/// `iprp` with `colr` appended to `ipco` and associated with item `primary` in `ipma`.
fn iprp_with(iprp: &[u8], colr: &[u8], primary: u64) -> Option<Vec<u8>> {
    let parts = boxes(&iprp[8..])?;
    let ipco = parts.iter().find(|(k, _)| k == b"ipco")?.1;
    let index = boxes(&ipco[8..])?.len() + 1;
    let mut out = Vec::new();
    for (kind, b) in &parts {
        match kind {
            b"ipco" => out.extend(boxed(b"ipco", &[], &[&b[8..], colr].concat())),
            b"ipma" => out.extend(ipma_with(b, primary, index)?),
            _ => out.extend_from_slice(b),
        }
    }
    Some(boxed(b"iprp", &[], &out))
}

fn ipma_with(ipma: &[u8], primary: u64, index: usize) -> Option<Vec<u8>> {
    let (version, flags) = (ipma[8], ipma[11]);
    let (id_len, wide) = (if version < 1 { 2 } else { 4 }, flags & 1 == 1);
    let assoc_len = if wide { 2 } else { 1 };
    if index >= if wide { 1 << 15 } else { 1 << 7 } {
        return None;
    }
    let count = be(ipma, 12, 4)?;
    let mut body = ipma[12..16].to_vec();
    let mut at = 16;
    let mut found = false;
    for _ in 0..count {
        let id = be(ipma, at, id_len)?;
        let n = *ipma.get(at + id_len)? as usize;
        let assocs = ipma.get(at + id_len + 1..at + id_len + 1 + n * assoc_len)?;
        body.extend_from_slice(&ipma[at..at + id_len]);
        if id == primary {
            found = true;
            body.push(u8::try_from(n + 1).ok()?);
            body.extend_from_slice(assocs);
            // Not essential: a reader that ignores colour boxes may still show the image.
            if wide {
                body.extend_from_slice(&(index as u16).to_be_bytes());
            } else {
                body.push(index as u8);
            }
        } else {
            body.push(n as u8);
            body.extend_from_slice(assocs);
        }
        at += id_len + 1 + n * assoc_len;
    }
    found.then(|| boxed(b"ipma", &ipma[8..12], &body))
}

/// Adds `by` to every file offset in `iloc` (base offsets, or extent offsets when there is no
/// base). Only construction method 0 (file offsets) is expected, all past `after`.
fn shift_iloc(iloc: &mut [u8], by: u64, after: u64) -> Option<()> {
    let version = iloc[8];
    let (offset_size, length_size) = (usize::from(iloc[12] >> 4), usize::from(iloc[12] & 15));
    let (base_size, index_size) = (usize::from(iloc[13] >> 4), usize::from(iloc[13] & 15));
    let index_size = if version >= 1 { index_size } else { 0 };
    let id_len = if version < 2 { 2 } else { 4 };
    let count_len = if version < 2 { 2 } else { 4 };
    let count = be(iloc, 14, count_len)?;
    let mut at = 14 + count_len;
    let patch = |iloc: &mut [u8], at: usize, n: usize| -> Option<()> {
        if n == 0 {
            return Some(());
        }
        let v = be(iloc, at, n)?;
        if v < after {
            return None;
        }
        let moved = (v + by).to_be_bytes();
        iloc.get_mut(at..at + n)?.copy_from_slice(&moved[8 - n..]);
        Some(())
    };
    for _ in 0..count {
        at += id_len;
        if version >= 1 {
            if be(iloc, at, 2)? & 15 != 0 {
                return None; // offsets into idat or another item: not what we write
            }
            at += 2;
        }
        at += 2; // data reference index
        let has_base = base_size > 0;
        if has_base {
            patch(iloc, at, base_size)?;
        }
        at += base_size;
        let extents = be(iloc, at, 2)?;
        at += 2;
        for _ in 0..extents {
            at += index_size;
            if !has_base {
                patch(iloc, at, offset_size)?;
            }
            at += offset_size + length_size;
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::Image;

    /// Every box of `file` as (depth, type), for comparing structures.
    fn tree(b: &[u8], depth: usize, out: &mut Vec<(usize, String)>) {
        for (kind, whole) in boxes(b).unwrap() {
            out.push((depth, String::from_utf8_lossy(&kind).into_owned()));
            match &kind {
                b"meta" => tree(&whole[12..], depth + 1, out),
                b"iprp" | b"ipco" => tree(&whole[8..], depth + 1, out),
                _ => {}
            }
        }
    }

    #[test]
    fn colr_prof_is_added_and_the_image_data_still_found() {
        let icc = crate::codec::icc::tiny_srgb();
        for channels in [3u8, 4] {
            let img = Image::new(24, 16, channels, (0..24 * 16 * channels as usize).map(|i| (i * 5) as u8).collect());
            let plain = super::super::avif::encode(&img, 60).unwrap();
            let tagged = with_icc(plain.clone(), Some(&icc)).unwrap();
            assert_eq!(tagged.len(), plain.len() + 12 + icc.len() + 1);
            let (mut a, mut b) = (Vec::new(), Vec::new());
            tree(&plain, 0, &mut a);
            tree(&tagged, 0, &mut b);
            assert_eq!(b.iter().filter(|(_, k)| k == "colr").count(), 1);
            b.retain(|(_, k)| k != "colr");
            assert_eq!(a, b, "same boxes otherwise");
            // The coded data moved by exactly the growth, so the mdat payloads are identical.
            let mdat = |f: &[u8]| boxes(f).unwrap().into_iter().find(|(k, _)| k == b"mdat").unwrap().1.to_vec();
            assert_eq!(mdat(&tagged), mdat(&plain));
            let at = tagged.windows(8).position(|w| w == b"colrprof").unwrap();
            assert_eq!(&tagged[at + 8..at + 8 + icc.len()], icc.as_slice());
            assert_eq!(with_icc(plain.clone(), None).unwrap(), plain);
        }
        assert!(with_icc(b"not an avif".to_vec(), Some(&icc)).is_err());
    }
}
