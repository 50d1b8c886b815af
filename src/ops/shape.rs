//! Coverage of simple shapes (ellipse, rounded rectangle) with one pixel of anti-aliasing, for
//! masks, rounded borders and corners.

/// How much of pixel (x, y) lies inside the ellipse filling a w×h box (0–1).
pub fn ellipse(x: u32, y: u32, w: u32, h: u32) -> f32 {
    (ellipse_depth(x, y, w, h) + 0.5).clamp(0.0, 1.0)
}

/// How far inside the ellipse filling a w×h box pixel (x, y)'s centre is, in px (negative
/// outside): approximately, along the smaller radius.
pub fn ellipse_depth(x: u32, y: u32, w: u32, h: u32) -> f32 {
    let (rx, ry) = (w as f32 / 2.0, h as f32 / 2.0);
    let (dx, dy) = ((x as f32 + 0.5 - rx) / rx, (y as f32 + 0.5 - ry) / ry);
    (1.0 - (dx * dx + dy * dy).sqrt()) * rx.min(ry)
}

/// How much of pixel (x, y) lies inside a w×h rectangle whose corners are rounded by `radii`
/// (clockwise from top-left).
pub fn rounded_rect(x: u32, y: u32, w: u32, h: u32, radii: [u32; 4]) -> f32 {
    (rounded_rect_depth(x, y, w, h, radii) + 0.5).clamp(0.0, 1.0)
}

/// How far inside that rounded rectangle pixel (x, y)'s centre is, in px (negative outside a
/// corner's arc): to the arc in a corner's square, else to the nearest edge.
pub fn rounded_rect_depth(x: u32, y: u32, w: u32, h: u32, radii: [u32; 4]) -> f32 {
    let (px, py) = (x as f32 + 0.5, y as f32 + 0.5);
    let (w, h) = (w as f32, h as f32);
    let corners = [(0.0, 0.0), (w, 0.0), (w, h), (0.0, h)];
    for (i, &(cx, cy)) in corners.iter().enumerate() {
        let r = (radii[i] as f32).min(w / 2.0).min(h / 2.0);
        if r <= 0.0 {
            continue;
        }
        // The centre of this corner's arc.
        let ax = if cx == 0.0 { r } else { w - r };
        let ay = if cy == 0.0 { r } else { h - r };
        let in_corner = (if cx == 0.0 { px < ax } else { px > ax }) && (if cy == 0.0 { py < ay } else { py > ay });
        if in_corner {
            return r - ((px - ax).powi(2) + (py - ay).powi(2)).sqrt();
        }
    }
    px.min(w - px).min(py).min(h - py)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage() {
        assert_eq!(ellipse(50, 50, 100, 100), 1.0);
        assert_eq!(ellipse(0, 0, 100, 100), 0.0);
        assert_eq!(rounded_rect(0, 0, 100, 100, [20; 4]), 0.0);
        assert_eq!(rounded_rect(0, 0, 100, 100, [0, 20, 20, 20]), 1.0);
        assert_eq!(rounded_rect(50, 0, 100, 100, [20; 4]), 1.0);
        assert_eq!(rounded_rect(99, 99, 100, 100, [20; 4]), 0.0);
        let edge = ellipse(0, 50, 100, 100);
        assert!(edge > 0.0 && edge <= 1.0, "{edge}");
    }
}
