use super::*;
use crate::analyse::busiest::Analysis;
use crate::analyse::faces::Face;
use crate::params::parse;

/// A 400x200 source in its stored orientation.
const SOURCE: (u32, u32) = (400, 200);

fn first(query: &str) -> Plan {
    super::super::plan(&parse(query).unwrap(), SOURCE, 1, &Limits::default()).unwrap()
}

fn refined(query: &str, findings: &Findings) -> Result<Plan> {
    refine(first(query), findings, &parse(query).unwrap(), SOURCE, 1, &Limits::default())
}

fn region(x: f64, y: f64, w: f64, h: f64) -> Region {
    Region { x, y, w, h }
}

fn face(x: f64, y: f64, w: f64, h: f64) -> Findings {
    Findings { faces: Some(vec![Face { x, y, w, h, score: 10.0 }]), ..Findings::default() }
}

/// A 40x20 analysis image (a tenth of the source per axis): flat grey, with a checkerboard in
/// columns `busy`.
fn busy(cols: std::ops::Range<usize>) -> Findings {
    let (w, h) = (40, 20);
    let gray = (0..w * h)
        .map(|i| {
            let (x, y) = (i % w, i / w);
            if cols.contains(&x) {
                if (x + y) % 2 == 0 {
                    0
                } else {
                    255
                }
            } else {
                128
            }
        })
        .collect();
    Findings { busiest: Some(Analysis { w, h, gray }), ..Findings::default() }
}

/// Query, findings, the final plan's region.
#[test]
fn final_regions() {
    let none = Findings::default;
    let trimmed = |r: Region| Findings { trim: Some(r), ..Findings::default() };
    let rows: Vec<(&str, Findings, Region)> = vec![
        // Nothing to refine: the first plan.
        ("w=100", none(), region(0.0, 0.0, 400.0, 200.0)),
        ("fit=crop&w=100&h=100", none(), region(100.0, 0.0, 200.0, 200.0)),
        // trim: planned again inside the kept box.
        ("w=0.5", trimmed(region(100.0, 50.0, 200.0, 100.0)), region(100.0, 50.0, 200.0, 100.0)),
        ("fit=crop&w=100&h=100", trimmed(region(100.0, 50.0, 200.0, 100.0)), region(150.0, 50.0, 100.0, 100.0)),
        // fit=facearea: the face's box, already at the output's ratio.
        ("fit=facearea&w=100&h=100", face(300.0, 50.0, 40.0, 40.0), region(300.0, 50.0, 40.0, 40.0)),
        // Without faces, the fallback fit (crop, centred).
        ("fit=facearea&w=100&h=100", face(0.0, 0.0, 0.0, 0.0).without_faces(), region(100.0, 0.0, 200.0, 200.0)),
        // Trim and a face area: the area stays inside the trim box.
        (
            "fit=facearea&w=100&h=100",
            Findings { trim: Some(region(0.0, 0.0, 200.0, 200.0)), ..face(300.0, 50.0, 40.0, 40.0) },
            region(160.0, 50.0, 40.0, 40.0),
        ),
        // crop=faces: the box keeps its size, centred on the face as far as the source allows.
        ("fit=crop&crop=faces&w=100&h=100", face(330.0, 80.0, 20.0, 20.0), region(200.0, 0.0, 200.0, 200.0)),
        // No faces: the rest of the list decides (an anchor here).
        (
            "fit=crop&crop=faces,left&w=100&h=100",
            face(0.0, 0.0, 0.0, 0.0).without_faces(),
            region(0.0, 0.0, 200.0, 200.0),
        ),
        // The busiest region, for both scores, on either side.
        ("fit=crop&crop=entropy&w=100&h=100", busy(0..10), region(0.0, 0.0, 200.0, 200.0)),
        ("fit=crop&crop=edges&w=100&h=100", busy(30..40), region(200.0, 0.0, 200.0, 200.0)),
        // Faces come before the busiest region.
        (
            "fit=crop&crop=faces,entropy&w=100&h=100",
            Findings { busiest: busy(0..10).busiest, ..face(330.0, 80.0, 20.0, 20.0) },
            region(200.0, 0.0, 200.0, 200.0),
        ),
        ("fit=crop&crop=faces,entropy&w=100&h=100", busy(30..40), region(200.0, 0.0, 200.0, 200.0)),
    ];
    for (query, findings, want) in rows {
        let got = refined(query, &findings).unwrap().region;
        let close = [got.x - want.x, got.y - want.y, got.w - want.w, got.h - want.h].iter().all(|d| d.abs() < 1e-6);
        assert!(close, "{query}: {got:?}, want {want:?}");
    }
}

#[test]
fn a_refined_plan_is_planned_like_its_box() {
    // Trimmed to a box, the plan is the plan of that box: sizes follow it (w=0.5 of 200 px).
    let p = refined("w=0.5", &Findings { trim: Some(region(100.0, 50.0, 200.0, 100.0)), ..Findings::default() });
    assert_eq!(p.unwrap().resize, (100, 50));
    // A face area is resized to the requested output.
    let p = refined("fit=facearea&w=100&h=100", &face(300.0, 50.0, 40.0, 40.0)).unwrap();
    assert_eq!((p.resize, p.canvas), ((100, 100), (100, 100)));
}

#[test]
fn a_busiest_crop_without_its_analysis_is_an_internal_error() {
    let e = refined("fit=crop&crop=entropy&w=100&h=100", &Findings::default()).unwrap_err();
    assert_eq!(e.status, 500);
}

/// face_area, faces, busiest, faces_place_crop.
type Looked = (bool, bool, bool, bool);

/// Query → what must be looked at.
#[test]
fn what_is_looked_for() {
    let rows: &[(&str, Looked)] = &[
        ("w=100", (false, false, false, false)),
        ("crop=entropy&w=100", (false, false, false, false)), // fit=clip: no crop box to place
        ("fit=crop&crop=entropy&w=100&h=100", (false, false, true, false)),
        ("fit=crop&crop=faces&w=100&h=100", (false, true, false, true)),
        ("fit=crop&crop=faces,edges&w=100&h=100", (false, true, true, true)),
        ("auto=redeye&w=100", (false, true, false, false)),
        ("fit=facearea&w=100&h=100", (true, true, false, false)),
        // The face area is planned as fit=crop, so its crop list counts even with a fill fallback.
        ("fit=facearea,fill&crop=entropy&w=100&h=100", (true, true, true, false)),
    ];
    for (query, want) in rows {
        let w = wants(&first(query), &parse(query).unwrap(), None);
        assert_eq!((w.face_area, w.faces, w.busiest, w.faces_place_crop), *want, "{query}");
        assert_eq!(w.whole_source(), w.face_area, "{query}");
    }
    let trim = Trim::new(&parse("trim=auto").unwrap().trim, false);
    let w = wants(&first("trim=auto"), &parse("trim=auto").unwrap(), trim);
    assert!(w.trim.is_some() && w.whole_source() && w.anything());
}

impl Findings {
    fn without_faces(self) -> Findings {
        Findings { faces: Some(Vec::new()), ..self }
    }
}
