//! The HEIF item structure of an AVIF file (ISO/IEC 23008-12 on ISOBMFF boxes), our own small
//! reader: which item is the primary image, where its AV1 bytes and those of its alpha
//! auxiliary are, and the item properties that change what is displayed (ispe, clap, irot,
//! imir, colr, pixi). Offsets and counts are hostile: every read is bounds-checked.

use std::borrow::Cow;

use crate::error::{Error, Result};

fn corrupt(what: &str) -> Error {
    Error::undecodable(format!("corrupt AVIF: {what}"))
}

/// Big-endian reads that fail instead of panicking.
struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn new(b: &'a [u8]) -> Self {
        Reader { b, at: 0 }
    }
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| corrupt("box too short"))?;
        let s = &self.b[self.at..end];
        self.at = end;
        Ok(s)
    }
    fn uint(&mut self, n: usize) -> Result<u64> {
        Ok(self.take(n)?.iter().fold(0u64, |v, &x| (v << 8) | u64::from(x)))
    }
    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16> {
        Ok(self.uint(2)? as u16)
    }
    fn u32(&mut self) -> Result<u32> {
        Ok(self.uint(4)? as u32)
    }
    /// A full box's version and flags.
    fn full(&mut self) -> Result<(u8, u32)> {
        let v = self.u32()?;
        Ok(((v >> 24) as u8, v & 0xFF_FFFF))
    }
    fn rest(&self) -> &'a [u8] {
        &self.b[self.at..]
    }
}

/// The boxes in `b`, as (type, body).
fn boxes(b: &[u8]) -> impl Iterator<Item = Result<([u8; 4], &[u8])>> {
    let mut r = Reader::new(b);
    std::iter::from_fn(move || {
        if r.at >= r.b.len() {
            return None;
        }
        let mut next = || {
            let start = r.at;
            let size = r.u32()? as u64;
            let kind: [u8; 4] = r.take(4)?.try_into().map_err(|_| corrupt("box type"))?;
            let size = match size {
                0 => (r.b.len() - start) as u64,
                1 => r.uint(8)?,
                s => s,
            };
            let header = (r.at - start) as u64;
            let body_len = size.checked_sub(header).ok_or_else(|| corrupt("box size"))?;
            let body = r.take(usize::try_from(body_len).map_err(|_| corrupt("box size"))?)?;
            Ok((kind, body))
        };
        let item = next();
        if item.is_err() {
            r.at = r.b.len();
        }
        Some(item)
    })
}

fn find<'a>(b: &'a [u8], kind: &[u8; 4]) -> Result<Option<&'a [u8]>> {
    for bx in boxes(b) {
        let (k, body) = bx?;
        if &k == kind {
            return Ok(Some(body));
        }
    }
    Ok(None)
}

/// `clap`: a centred crop, as rationals.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CleanAperture {
    pub width: f64,
    pub height: f64,
    pub horiz_off: f64,
    pub vert_off: f64,
}

impl CleanAperture {
    /// The crop rectangle (x, y, w, h) in an image of `size`, or None when it does not fit
    /// (such a clap is ignored, as libavif does for invalid ones).
    pub fn rect(&self, (w, h): (u32, u32)) -> Option<(u32, u32, u32, u32)> {
        let (cw, ch) = (self.width.round(), self.height.round());
        let x = (self.horiz_off + (f64::from(w) - 1.0) / 2.0 - (cw - 1.0) / 2.0).round();
        let y = (self.vert_off + (f64::from(h) - 1.0) / 2.0 - (ch - 1.0) / 2.0).round();
        let ok = cw >= 1.0 && ch >= 1.0 && x >= 0.0 && y >= 0.0 && x + cw <= f64::from(w) && y + ch <= f64::from(h);
        ok.then_some((x as u32, y as u32, cw as u32, ch as u32))
    }
}

/// `colr` of type `nclx`: CICP code points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Nclx {
    pub primaries: u16,
    pub transfer: u16,
    pub matrix: u16,
    pub full_range: bool,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Properties {
    /// `ispe`: the coded image size.
    pub size: Option<(u32, u32)>,
    pub clap: Option<CleanAperture>,
    /// `irot`: anticlockwise quarter turns, 0–3.
    pub rotation: u8,
    /// `imir` (ISO/IEC 23008-12:2022 §6.5.12): 0 exchanges the top and bottom parts (EXIF 4),
    /// 1 the left and right parts (EXIF 2). The 2017 text called the field an axis ("0 =
    /// vertical"), which reads the other way round; libavif, Chromium and Skia follow the 2022
    /// wording, and so do we.
    pub mirror: Option<u8>,
    pub nclx: Option<Nclx>,
    pub icc: Option<Vec<u8>>,
    /// `pixi`: bits of the first channel, and the number of channels.
    pub depth: Option<u8>,
    pub channels: Option<u8>,
    /// `auxC` names this auxiliary image an alpha plane.
    pub alpha: bool,
}

impl Properties {
    /// irot then imir (MIAF: clean aperture, then rotation, then mirror), as the EXIF orientation
    /// (1–8) that displays the image the same way. The table is Chromium's and Skia's
    /// `kAxisAngleToOrientation`: rows are no mirror, top↔bottom (0), left↔right (1); columns are
    /// anticlockwise quarter turns.
    pub fn orientation(&self) -> u8 {
        const TABLE: [[u8; 4]; 3] = [[1, 8, 3, 6], [4, 5, 2, 7], [2, 7, 4, 5]];
        let row = match self.mirror {
            None => 0,
            Some(0) => 1,
            Some(_) => 2,
        };
        TABLE[row][usize::from(self.rotation & 3)]
    }
    /// Size after `clap`, before rotation.
    pub fn cropped_size(&self) -> Option<(u32, u32)> {
        let size = self.size?;
        Some(match self.clap.and_then(|c| c.rect(size)) {
            Some((_, _, w, h)) => (w, h),
            None => size,
        })
    }
}

/// Where an item's bytes are: extents in the file (construction method 0) or in `idat` (1).
#[derive(Debug, Clone, Default)]
struct Location {
    in_idat: bool,
    extents: Vec<(u64, u64)>,
}

#[derive(Debug)]
pub struct Item {
    pub id: u32,
    pub properties: Properties,
    location: Location,
}

#[derive(Debug)]
pub struct Heif<'a> {
    file: &'a [u8],
    idat: &'a [u8],
    pub primary: Item,
    pub alpha: Option<Item>,
    /// `prem`: the colour item is premultiplied by the alpha item.
    pub premultiplied: bool,
}

impl Heif<'_> {
    /// The item's AV1 bytes, borrowed when they are one extent.
    pub fn data(&self, item: &Item) -> Result<Cow<'_, [u8]>> {
        let source = if item.location.in_idat { self.idat } else { self.file };
        let slice = |&(off, len): &(u64, u64)| -> Result<&[u8]> {
            let start = usize::try_from(off).map_err(|_| corrupt("item offset"))?;
            let len = if len == 0 { source.len().saturating_sub(start) } else { len as usize };
            start
                .checked_add(len)
                .and_then(|end| source.get(start..end))
                .ok_or_else(|| corrupt("image data past the end of the file"))
        };
        match item.location.extents.as_slice() {
            [] => Err(corrupt("image item without data")),
            [one] => Ok(Cow::Borrowed(slice(one)?)),
            many => {
                let mut out = Vec::new();
                for e in many {
                    out.extend_from_slice(slice(e)?);
                }
                Ok(Cow::Owned(out))
            }
        }
    }
}

/// Reads the `meta` box: the primary `av01` item, its alpha, and their properties.
pub fn parse(file: &[u8]) -> Result<Heif<'_>> {
    let ftyp = find(file, b"ftyp")?.ok_or_else(|| corrupt("no ftyp box"))?;
    let Some(meta) = find(file, b"meta")? else {
        // An image sequence without a still image item: only its track could be decoded.
        let what = if ftyp.starts_with(b"avis") { "animated AVIF without a still image" } else { "AVIF without items" };
        return Err(Error::unsupported_format(format!("{what} is not supported")));
    };
    let mut r = Reader::new(meta);
    r.full()?;
    let meta = r.rest();

    let mut primary_id = None;
    let mut types: Vec<(u32, [u8; 4])> = Vec::new();
    let mut locations: Vec<(u32, Location)> = Vec::new();
    let mut auxl: Vec<(u32, u32)> = Vec::new(); // (aux item, main item)
    let mut premultiplied_by: Vec<(u32, u32)> = Vec::new(); // (colour item, alpha item)
    let mut props: Vec<([u8; 4], &[u8])> = Vec::new();
    let mut assoc: Vec<(u32, Vec<u16>)> = Vec::new();
    let mut idat: &[u8] = &[];
    for bx in boxes(meta) {
        let (kind, body) = bx?;
        let mut r = Reader::new(body);
        match &kind {
            b"pitm" => {
                let (v, _) = r.full()?;
                primary_id = Some(if v == 0 { u32::from(r.u16()?) } else { r.u32()? });
            }
            b"iinf" => {
                let (v, _) = r.full()?;
                if v == 0 {
                    r.u16()?;
                } else {
                    r.u32()?;
                }
                for infe in boxes(r.rest()) {
                    let (k, body) = infe?;
                    let mut e = Reader::new(body);
                    let (v, _) = e.full()?;
                    if &k != b"infe" || v < 2 {
                        continue;
                    }
                    let id = if v == 2 { u32::from(e.u16()?) } else { e.u32()? };
                    e.u16()?;
                    types.push((id, e.take(4)?.try_into().map_err(|_| corrupt("infe"))?));
                }
            }
            b"iloc" => locations = iloc(&mut r)?,
            b"iref" => {
                let (v, _) = r.full()?;
                for reference in boxes(r.rest()) {
                    let (k, body) = reference?;
                    let mut e = Reader::new(body);
                    let id = |e: &mut Reader| if v == 0 { e.u16().map(u32::from) } else { e.u32() };
                    let from = id(&mut e)?;
                    for _ in 0..e.u16()? {
                        let to = id(&mut e)?;
                        match &k {
                            b"auxl" => auxl.push((from, to)),
                            b"prem" => premultiplied_by.push((from, to)),
                            _ => {}
                        }
                    }
                }
            }
            b"iprp" => {
                for child in boxes(body) {
                    let (k, body) = child?;
                    match &k {
                        b"ipco" => props = boxes(body).collect::<Result<_>>()?,
                        b"ipma" => assoc.extend(ipma(body)?),
                        _ => {}
                    }
                }
            }
            b"idat" => idat = body,
            _ => {}
        }
    }

    let primary_id = primary_id.ok_or_else(|| corrupt("no primary item"))?;
    let kind = |id: u32| types.iter().find(|t| t.0 == id).map(|t| t.1);
    match kind(primary_id) {
        Some(k) if &k == b"av01" => {}
        Some(k) if &k == b"grid" => return Err(Error::unsupported_format("tiled (grid) AVIF is not supported")),
        Some(k) => {
            return Err(Error::unsupported_format(format!(
                "AVIF whose primary item is '{}' is not supported",
                String::from_utf8_lossy(&k)
            )))
        }
        None => return Err(corrupt("primary item has no type")),
    }
    let item = |id: u32| -> Result<Item> {
        let location = locations.iter().find(|l| l.0 == id).map(|l| l.1.clone()).unwrap_or_default();
        let mut properties = Properties::default();
        let indices = assoc.iter().filter(|a| a.0 == id).flat_map(|a| a.1.iter().copied());
        for index in indices {
            // Index 0 means "no property"; the rest are 1-based into ipco.
            let Some(&(k, body)) = usize::from(index).checked_sub(1).and_then(|i| props.get(i)) else {
                continue;
            };
            property(&mut properties, &k, body)?;
        }
        Ok(Item { id, properties, location })
    };
    let primary = item(primary_id)?;
    let alpha = auxl
        .iter()
        .filter(|&&(aux, main)| main == primary_id && kind(aux) == Some(*b"av01"))
        .map(|&(aux, _)| item(aux))
        .find(|i| i.as_ref().map_or(true, |i| i.properties.alpha))
        .transpose()?;
    let premultiplied = alpha.as_ref().is_some_and(|a| premultiplied_by.contains(&(primary_id, a.id)));
    Ok(Heif { file, idat, primary, alpha, premultiplied })
}

fn iloc(r: &mut Reader) -> Result<Vec<(u32, Location)>> {
    let (v, _) = r.full()?;
    if v > 2 {
        return Err(corrupt("iloc version"));
    }
    let sizes = r.u16()?;
    let (offset_size, length_size, base_size) =
        (usize::from(sizes >> 12), usize::from((sizes >> 8) & 15), usize::from((sizes >> 4) & 15));
    let index_size = if v >= 1 { usize::from(sizes & 15) } else { 0 };
    let count = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
    let mut out = Vec::new();
    for _ in 0..count {
        let id = if v < 2 { u32::from(r.u16()?) } else { r.u32()? };
        let method = if v >= 1 { r.u16()? & 15 } else { 0 };
        r.u16()?; // data reference index: 0 is this file
        let base = r.uint(base_size)?;
        let extent_count = r.u16()?;
        let mut extents = Vec::new();
        for _ in 0..extent_count {
            r.uint(index_size)?;
            let off = r.uint(offset_size)?;
            let len = r.uint(length_size)?;
            extents.push((base.checked_add(off).ok_or_else(|| corrupt("iloc offset"))?, len));
        }
        if method > 1 {
            return Err(Error::unsupported_format("AVIF item stored by reference is not supported"));
        }
        out.push((id, Location { in_idat: method == 1, extents }));
    }
    Ok(out)
}

fn ipma(body: &[u8]) -> Result<Vec<(u32, Vec<u16>)>> {
    let mut r = Reader::new(body);
    let (v, flags) = r.full()?;
    let mut out = Vec::new();
    for _ in 0..r.u32()? {
        let id = if v < 1 { u32::from(r.u16()?) } else { r.u32()? };
        let n = r.u8()?;
        let mut indices = Vec::with_capacity(usize::from(n));
        for _ in 0..n {
            indices.push(if flags & 1 == 1 { r.u16()? & 0x7FFF } else { u16::from(r.u8()? & 0x7F) });
        }
        out.push((id, indices));
    }
    Ok(out)
}

fn property(p: &mut Properties, kind: &[u8; 4], body: &[u8]) -> Result<()> {
    let mut r = Reader::new(body);
    match kind {
        b"ispe" => {
            r.full()?;
            p.size = Some((r.u32()?, r.u32()?));
        }
        b"irot" => p.rotation = r.u8()? & 3,
        b"imir" => p.mirror = Some(r.u8()? & 1),
        b"clap" => {
            let mut ratio = |signed: bool| -> Result<f64> {
                let (n, d) = (r.u32()?, r.u32()?);
                let n = if signed { f64::from(n as i32) } else { f64::from(n) };
                Ok(if d == 0 { f64::NAN } else { n / f64::from(d) })
            };
            let c = CleanAperture {
                width: ratio(false)?,
                height: ratio(false)?,
                horiz_off: ratio(true)?,
                vert_off: ratio(true)?,
            };
            if [c.width, c.height, c.horiz_off, c.vert_off].iter().all(|v| v.is_finite()) {
                p.clap = Some(c);
            }
        }
        b"colr" => match r.take(4)? {
            b"nclx" => {
                p.nclx = Some(Nclx {
                    primaries: r.u16()?,
                    transfer: r.u16()?,
                    matrix: r.u16()?,
                    full_range: r.u8()? & 0x80 != 0,
                })
            }
            b"prof" | b"rICC" => p.icc = Some(r.rest().to_vec()),
            _ => {}
        },
        b"auxC" => {
            r.full()?;
            let urn = r.rest().split(|&c| c == 0).next().unwrap_or(&[]);
            p.alpha = urn == b"urn:mpeg:mpegB:cicp:systems:auxiliary:alpha" || urn == b"urn:mpeg:hevc:2015:auxid:1";
        }
        b"pixi" => {
            r.full()?;
            let n = r.u8()?;
            if n > 0 {
                p.channels = Some(n);
                p.depth = Some(r.u8()?);
            }
        }
        _ => {}
    }
    Ok(())
}
