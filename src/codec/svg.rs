//! SVG input, rasterised by resvg at the size the output needs (`min_size`), so `w=2000` on a
//! 100-pixel icon is drawn at 2000 pixels rather than upscaled. Built without text, fonts or
//! raster `<image>` decoding; an SVG never makes ixora read a file or the network: hrefs other
//! than `data:` URLs are ignored, and embedded SVG documents are drawn under the same rules.
//! `<text>` is not rendered.

use resvg::{tiny_skia, usvg};

use super::{Format, Probe};
use crate::codec::Limits;
use crate::error::{Error, Result};
use crate::image::Image;

/// Text that, after an optional BOM, whitespace, XML declaration, comments and a DOCTYPE, opens
/// an `<svg` element.
pub(super) fn sniff(bytes: &[u8]) -> bool {
    let mut b = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    b = &b[..b.len().min(4096)];
    loop {
        b = b.trim_ascii_start();
        let skip = |b: &[u8], open: &[u8], close: &[u8]| {
            b.starts_with(open).then(|| b.windows(close.len()).position(|w| w == close).map(|i| i + close.len()))
        };
        let next = skip(b, b"<?", b"?>").or_else(|| skip(b, b"<!--", b"-->")).or_else(|| skip(b, b"<!DOCTYPE", b">"));
        match next {
            Some(Some(n)) => b = &b[n..],
            Some(None) => return false,
            None => return b.starts_with(b"<svg") && b.get(4).is_some_and(|c| c.is_ascii_whitespace() || *c == b'>'),
        }
    }
}

fn options() -> usvg::Options<'static> {
    usvg::Options {
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            // data: URLs only (no file or network access); only nested SVGs are drawn.
            resolve_data: Box::new(|mime, data, options| match mime {
                "image/svg+xml" => usvg::Tree::from_data(&data, options).ok().map(usvg::ImageKind::SVG),
                _ => None,
            }),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    }
}

fn parse(bytes: &[u8]) -> Result<usvg::Tree> {
    usvg::Tree::from_data(bytes, &options()).map_err(|e| Error::undecodable(format!("invalid SVG: {e}")))
}

/// The intrinsic size: width/height, else the viewBox's, else the content's bounding box.
fn intrinsic(tree: &usvg::Tree) -> (u32, u32) {
    let s = tree.size();
    let side = |v: f32| (v.round() as u32).max(1);
    (side(s.width()), side(s.height()))
}

pub(super) fn probe(bytes: &[u8]) -> Result<Probe> {
    let (width, height) = intrinsic(&parse(bytes)?);
    Ok(Probe { format: Format::Svg, width, height, orientation: 1, has_alpha: true, frames: 1, progressive: false })
}

/// Renders at `min_size` (the intrinsic size when zero), scaled down uniformly when that would
/// exceed the pixel or memory budget rather than refusing.
pub(super) fn decode(bytes: &[u8], min_size: (u32, u32), limits: &Limits) -> Result<Image> {
    let tree = parse(bytes)?;
    let (iw, ih) = intrinsic(&tree);
    let (mut w, mut h) = if min_size.0 == 0 || min_size.1 == 0 { (iw, ih) } else { min_size };
    // The pixmap and our RGBA copy: 8 bytes a pixel.
    let budget = limits.max_input_pixels.min(limits.max_decode_bytes / 8);
    let pixels = u64::from(w) * u64::from(h);
    if pixels > budget {
        let k = (budget as f64 / pixels as f64).sqrt();
        w = ((f64::from(w) * k).floor() as u32).max(1);
        h = ((f64::from(h) * k).floor() as u32).max(1);
    }
    let mut pixmap = tiny_skia::Pixmap::new(w, h).ok_or_else(|| Error::too_large("SVG render size is too large"))?;
    let size = tree.size();
    let transform =
        tiny_skia::Transform::from_scale(w as f32 / size.width().max(1e-3), h as f32 / size.height().max(1e-3));
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    let data = pixmap
        .pixels()
        .iter()
        .flat_map(|p| {
            let c = p.demultiply();
            [c.red(), c.green(), c.blue(), c.alpha()]
        })
        .collect();
    Ok(Image::new(w, h, 4, data))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOGO: &[u8] = br##"<?xml version="1.0"?>
<!-- a test logo -->
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="50" viewBox="0 0 100 50">
  <rect x="0" y="0" width="50" height="50" fill="#ff0000"/>
  <rect x="50" y="0" width="50" height="50" fill="#0000ff" fill-opacity="0.5"/>
</svg>"##;

    #[test]
    fn sniffs_svg_text_only() {
        assert!(sniff(LOGO));
        assert!(sniff(b"\xEF\xBB\xBF  <svg>"));
        assert!(sniff(b"<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x\">\n<svg xmlns='a'/>"));
        assert!(!sniff(b"<html><svg></svg></html>"));
        assert!(!sniff(b"<svgfoo>"));
        assert!(!sniff(b"<?xml version='1.0'"));
        assert!(!sniff(b""));
    }

    #[test]
    fn probe_reports_intrinsic_size() {
        let p = probe(LOGO).unwrap();
        assert_eq!((p.width, p.height, p.has_alpha, p.format), (100, 50, true, Format::Svg));
        let vb = br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 120"/>"#;
        assert_eq!((probe(vb).unwrap().width, probe(vb).unwrap().height), (300, 120));
        let none = br#"<svg xmlns="http://www.w3.org/2000/svg"><rect width="5" height="5"/></svg>"#;
        // Neither: usvg sizes the document by its content's bounding box.
        assert_eq!((probe(none).unwrap().width, probe(none).unwrap().height), (5, 5));
    }

    #[test]
    fn renders_at_the_requested_size_with_alpha() {
        let limits = Limits::default();
        let img = decode(LOGO, (1000, 500), &limits).unwrap();
        assert_eq!((img.width, img.height, img.channels), (1000, 500, 4));
        let px = |x: u32, y: u32| img.data[((y * 1000 + x) * 4) as usize..][..4].to_vec();
        assert_eq!(px(10, 10), vec![255, 0, 0, 255]);
        assert_eq!(px(990, 490), vec![0, 0, 255, 128]);
        // The edge between the halves is sharp at 10x: one pixel either side is pure.
        assert_eq!(px(499, 250), vec![255, 0, 0, 255]);
        assert_eq!(px(500, 250), vec![0, 0, 255, 128]);
        // Zero means the intrinsic size; a budget shrinks the render instead of refusing.
        assert_eq!(decode(LOGO, (0, 0), &limits).map(|i| (i.width, i.height)).unwrap(), (100, 50));
        let tight = Limits { max_decode_bytes: 8 * 20_000, ..limits };
        let small = decode(LOGO, (2000, 1000), &tight).unwrap();
        assert!(u64::from(small.width) * u64::from(small.height) <= 20_000, "{}x{}", small.width, small.height);
        assert_eq!(small.width, small.height * 2);
        // A print-size intrinsic size is no reason to refuse: only the render size costs.
        let poster = br#"<svg xmlns="http://www.w3.org/2000/svg" width="20000mm" height="20000mm"/>"#;
        let p = crate::codec::probe(poster, &limits).unwrap();
        assert_eq!((p.width, p.height), (75591, 75591));
        let img = crate::codec::decode(poster, &p, (200, 200), &limits).unwrap();
        assert_eq!((img.width, img.height), (200, 200));
    }

    #[test]
    fn never_reads_files_and_rejects_garbage() {
        // A nested SVG file would be drawn (no raster decoder needed) if hrefs could reach files.
        let dir = std::env::temp_dir().join(format!("ixora-svg-test-{}.svg", std::process::id()));
        let red = r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="4" height="4" fill="red"/></svg>"#;
        std::fs::write(&dir, red).unwrap();
        let svg = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="4" height="4"><image width="4" height="4" xlink:href="{}"/><image width="4" height="4" href="file://{}"/></svg>"#,
            dir.display(),
            dir.display()
        );
        let img = decode(svg.as_bytes(), (4, 4), &Limits::default()).unwrap();
        assert!(img.data.iter().all(|&v| v == 0), "an <image> from a file must not be drawn");
        // The same document as a data: URL is drawn, so the test above can tell.
        let inline = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><image width="4" height="4" href="data:image/svg+xml;utf8,{}"/></svg>"#,
            red.replace('"', "'").replace('<', "%3C").replace('>', "%3E")
        );
        let img = decode(inline.as_bytes(), (4, 4), &Limits::default()).unwrap();
        assert_eq!(&img.data[..4], &[255, 0, 0, 255]);
        let _ = std::fs::remove_file(dir);
        assert_eq!(probe(b"<svg xmlns='http://www.w3.org/2000/svg'><rect").unwrap_err().status, 422);
        assert_eq!(probe(b"<svg>not xml").unwrap_err().status, 422);
    }
}
