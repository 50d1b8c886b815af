//! Layers through the real wasm: `mark` and `blend` images fetched from local-origin inside
//! Viceroy, placed at exact pixel boxes. `mark.png` is 120x60: a 100x40 box at (10,10), red on
//! its left half, white on its right, transparent around it.

use crate::servers::Servers;
use crate::{check, decode, get, near};
use ixora::image::Image;

/// The base every case draws on: a 600x400 PNG of the 2 MP photo.
const BASE: &str = "/photo-2mp.jpg?w=600&h=400&fit=crop&fm=png";

fn render(s: &Servers, extra: &str) -> Result<Image, String> {
    let target = format!("{BASE}&{extra}");
    let r = get(s, &target)?;
    check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
    let img = decode(&r.body)?;
    check((img.width, img.height) == (600, 400), || format!("{target}: {}x{}", img.width, img.height))?;
    Ok(img)
}

fn rgb(img: &Image, x: u32, y: u32) -> [u8; 3] {
    let p = img.pixel(x, y);
    [p[0], p[1], p[2]]
}

/// Expects `colour` at each point (within `tol`), naming the case.
fn expect(img: &Image, case: &str, points: &[(u32, u32)], colour: [u8; 3], tol: u8) -> Result<(), String> {
    for &(x, y) in points {
        check(near(&rgb(img, x, y), colour, tol), || {
            format!("{case}: ({x},{y}) is {:?}, want {colour:?}", rgb(img, x, y))
        })?;
    }
    Ok(())
}

const RED: [u8; 3] = [255, 0, 0];
const WHITE: [u8; 3] = [255, 255, 255];

pub fn marks_are_placed_sized_and_tiled(s: &Servers) -> Result<(), String> {
    let plain = decode(&get(s, BASE)?.body)?;
    // Default: bottom right, 5 px from the edges: the mark's box is (475,335)–(595,395).
    let m = render(s, "mark=/mark.png")?;
    expect(&m, "default", &[(486, 346), (534, 384)], RED, 0)?;
    expect(&m, "default", &[(536, 346), (584, 384)], WHITE, 0)?;
    // Its transparent margin shows the photo untouched.
    for (x, y) in [(477, 337), (592, 392), (300, 200)] {
        check(rgb(&m, x, y) == rgb(&plain, x, y), || format!("default: ({x},{y}) changed"))?;
    }
    let m = render(s, "mark=/mark.png&mark-align=top,left&mark-pad=20")?;
    expect(&m, "top,left pad 20", &[(31, 31), (79, 69)], RED, 0)?;
    expect(&m, "top,left pad 20", &[(81, 31)], WHITE, 0)?;
    // Explicit x/y with an anchor: the mark's centre at (300,200), so its box is (240,170)–(360,230).
    let m = render(s, "mark=/mark.png&mark-x=0.5&mark-y=0.5&mark-anchor=center")?;
    expect(&m, "centred", &[(251, 181), (299, 219)], RED, 0)?;
    expect(&m, "centred", &[(301, 181), (349, 219)], WHITE, 0)?;
    // Half size (px, nested parameters, a fraction of its own size): a 60x30 box at (535,365).
    for extra in ["mark=/mark.png&mark-w=60", "mark=%2Fmark.png%3Fw%3D60", "mark=/mark.png&mark-w=0.5"] {
        let m = render(s, extra)?;
        expect(&m, extra, &[(545, 375), (560, 385)], RED, 24)?;
        expect(&m, extra, &[(575, 375), (585, 385)], WHITE, 24)?;
        check(rgb(&m, 537, 366) != RED, || format!("{extra}: the margin is transparent"))?;
    }
    // mark64 is the same URL.
    let b64 = "L21hcmsucG5n"; // "/mark.png"
    let a = render(s, &format!("mark64={b64}"))?;
    let b = render(s, "mark=/mark.png")?;
    check(a.data == b.data, || "mark64 differs from mark".into())?;
    // Half opacity: halfway between the photo and red.
    let m = render(s, "mark=/mark.png&mark-alpha=50")?;
    let (p, q) = (rgb(&plain, 500, 360), rgb(&m, 500, 360));
    let want = [((255 + u32::from(p[0])) / 2) as u8, p[1] / 2, p[2] / 2];
    check(near(&q, want, 3), || format!("alpha 50: {q:?}, want {want:?}"))?;
    // Turned 90° counter-clockwise: a 60x120 box at (535,275), the white half on top.
    let m = render(s, "mark=/mark.png&mark-rot=90")?;
    expect(&m, "rot 90", &[(565, 300)], WHITE, 2)?;
    expect(&m, "rot 90", &[(565, 370)], RED, 2)?;
    // Tiled from the top left with no gap: a copy every 120x60.
    let m = render(s, "mark=/mark.png&mark-tile=grid&mark-pad=0")?;
    expect(&m, "tiled", &[(30, 30), (150, 90), (270, 150), (510, 390)], RED, 0)?;
    expect(&m, "tiled", &[(90, 30), (210, 330)], WHITE, 0)?;
    // Drawn only on a base at least that large.
    let m = render(s, "mark=/mark.png&mark-if-min-width=800")?;
    check(m.data == plain.data, || "mark-if-min-width=800 drew on a 600 px image".into())?;
    // Two layers: index order, each with its own parameters.
    let m = render(s, "mark=/mark.png&mark[1]=/mark.png&mark-align[1]=top,left&mark-pad[1]=0")?;
    expect(&m, "two marks", &[(486, 346), (11, 11)], RED, 0)?;
    Ok(())
}

pub fn blends_cover_or_sit_on_the_image(s: &Servers) -> Result<(), String> {
    let plain = decode(&get(s, BASE)?.body)?;
    let m = render(s, "blend=FF0000&blend-mode=normal&blend-alpha=50")?;
    for (x, y) in [(10, 10), (300, 200), (590, 390)] {
        let p = rgb(&plain, x, y);
        let want = [((255 + u32::from(p[0])) / 2) as u8, p[1] / 2, p[2] / 2];
        check(near(&rgb(&m, x, y), want, 2), || format!("normal 50%: ({x},{y}) {:?} want {want:?}", rgb(&m, x, y)))?;
    }
    expect(&render(s, "blend=000000&blend-mode=multiply")?, "multiply black", &[(10, 10), (300, 200)], [0, 0, 0], 0)?;
    expect(&render(s, "blend=fff&blend-mode=screen")?, "screen white", &[(10, 10), (300, 200)], WHITE, 0)?;
    // An image blend sits at the top left at its own size.
    let m = render(s, "blend=/mark.png&blend-mode=normal")?;
    expect(&m, "image blend", &[(11, 11), (59, 49)], RED, 0)?;
    expect(&m, "image blend", &[(61, 11)], WHITE, 0)?;
    check(rgb(&m, 300, 200) == rgb(&plain, 300, 200), || "image blend reached the middle".into())?;
    // An unknown mode draws no layer.
    let m = render(s, "blend=FF0000&blend-mode=banana")?;
    check(m.data == plain.data, || "blend-mode=banana drew a layer".into())
}

/// Overlay images go through the fetch guard and the cache: a missing one is the origin's 404, a
/// loop back into ixora a 400, a host off the allow-list a 403; the derivative carries the
/// mark's surrogate key.
pub fn overlay_images_are_guarded_and_keyed(s: &Servers) -> Result<(), String> {
    let r = get(s, &format!("{BASE}&mark=/no-such-mark.png"))?;
    check(r.status == 404 && r.text().contains("mark image"), || format!("missing: {} {}", r.status, r.text()))?;
    let r = get(s, &format!("{BASE}&mark=http%3A%2F%2F127.0.0.1%2Fmark.png"))?;
    crate::expect_json_error(&r, 400, "mark back into ixora")?;
    check(r.text().contains("loop"), || r.text())?;
    let r = get(s, &format!("{BASE}&mark=https%3A%2F%2Fsecure.localhost%2Fmark.png"))?;
    crate::expect_json_error(&r, 400, "mark at another host ixora serves")?;
    let r = get(s, &format!("{BASE}&blend=https%3A%2F%2Felsewhere.example%2Fb.png"))?;
    crate::expect_json_error(&r, 403, "blend on a host off the list")?;
    let r = get(s, &format!("{BASE}&mark=/mark.png&mark-w=40"))?;
    let keys = r.header("surrogate-key").unwrap_or("").split(' ').count();
    let plain_keys = get(s, BASE)?.header("surrogate-key").unwrap_or("").split(' ').count();
    check(keys == plain_keys + 1, || format!("surrogate keys {:?}", r.header("surrogate-key")))?;
    let many: Vec<String> = (0..9).map(|i| format!("mark[{i}]=/mark.png%3Fw%3D{}", 10 + i)).collect();
    let r = get(s, &format!("{BASE}&{}", many.join("&")))?;
    crate::expect_json_error(&r, 400, "nine overlay images")
}

/// `dl`: the response is an attachment under that name.
pub fn download_names_the_file(s: &Servers) -> Result<(), String> {
    let r = get(s, "/photo-2mp.jpg?w=100&fm=webp&dl=holiday")?;
    check(r.status == 200, || format!("{} {}", r.status, r.text()))?;
    let cd = r.header("content-disposition").unwrap_or("");
    check(cd == "attachment; filename=\"holiday.webp\"", || format!("Content-Disposition {cd:?}"))
}

/// `append`: the canvas grows to hold both images; the gap takes the fill colour; the mark then
/// goes in the corner of the whole; a missing image is the origin's 404, a non-image a 422.
pub fn append_grows_the_canvas(s: &Servers) -> Result<(), String> {
    let plain = decode(&get(s, BASE)?.body)?;
    let target = format!("{BASE}&append=/mark.png");
    let r = get(s, &target)?;
    check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
    let m = decode(&r.body)?;
    // 600 + 120 wide; the 60 px mark centred on the 400 px edge: at (600,170).
    check((m.width, m.height) == (720, 400), || format!("right: {}x{}", m.width, m.height))?;
    expect(&m, "right", &[(611, 181), (659, 219)], RED, 0)?;
    expect(&m, "right", &[(661, 181), (709, 219)], WHITE, 0)?;
    check(rgb(&m, 300, 200) == rgb(&plain, 300, 200), || "the picture moved".into())?;
    check(m.pixel(650, 10)[3] == 0, || format!("uncovered area {:?}", m.pixel(650, 10)))?;
    let target = format!("{BASE}&append=/mark.png&append-side=bottom&append-gap=10&append-align=left&bg=00ff00");
    let m = decode(&get(s, &target)?.body)?;
    check((m.width, m.height) == (600, 470), || format!("bottom: {}x{}", m.width, m.height))?;
    expect(&m, "bottom gap", &[(300, 405), (5, 405)], [0, 255, 0], 0)?;
    expect(&m, "bottom", &[(21, 421)], RED, 0)?;
    expect(&m, "bottom beside", &[(300, 440)], [0, 255, 0], 0)?;
    // The mark goes in the corner of the composite.
    let m = decode(&get(s, &format!("{BASE}&append=/mark.png&mark=/mark.png&mark-pad=0"))?.body)?;
    expect(&m, "mark on the whole", &[(611, 351)], RED, 0)?;
    let r = get(s, &format!("{BASE}&append=/no-such.png"))?;
    check(r.status == 404 && r.text().contains("append image"), || format!("missing: {} {}", r.status, r.text()))?;
    let r = get(s, &format!("{BASE}&append=/_fault/garbage.jpg"))?;
    crate::expect_json_error(&r, 422, "append of a non-image")
}

/// `fade`: PNG keeps the ramp as alpha; JPEG fades into `bg` (white by default); a mark's own
/// fade leaves its far side solid.
pub fn fades_ramp_to_transparent(s: &Servers) -> Result<(), String> {
    let m = render(s, "fade-bottom=100")?;
    check(m.channels == 4, || "a faded PNG has alpha".into())?;
    let (top, mid, edge) = (m.pixel(300, 200)[3], m.pixel(300, 350)[3], m.pixel(300, 399)[3]);
    check(top == 255 && mid.abs_diff(128) <= 2 && edge <= 3, || format!("alpha {top} {mid} {edge}"))?;
    let r = get(s, "/photo-2mp.jpg?w=600&h=400&fit=crop&fm=jpg&fade=0.1")?;
    let j = decode(&r.body)?;
    check(near(&rgb(&j, 0, 0), WHITE, 3) && near(&rgb(&j, 300, 1), WHITE, 12), || {
        format!("jpeg edge {:?}", rgb(&j, 300, 1))
    })?;
    // The mark's right half fades: its white side goes to the photo, its red side stays.
    let m = render(s, "mark=/mark.png&mark-fade-right=0.5")?;
    expect(&m, "mark fade", &[(486, 346)], RED, 0)?;
    let plain = decode(&get(s, BASE)?.body)?;
    let (p, q) = (rgb(&plain, 592, 360), rgb(&m, 592, 360));
    check(q.iter().zip(p).all(|(a, b)| a.abs_diff(b) <= 12), || format!("faded end {q:?} vs photo {p:?}"))
}

/// `drop-shadow-type=cast`: `mark.png`'s box (100x40, standing on row 50) throws its shadow along
/// the floor, away from the light; `-output=shadow` leaves the picture out; `-mode=ai` is drawn as
/// manual and says so; the parameters cast does not read are left out of `X-Imgix-Params`.
pub fn cast_shadows_fall_along_the_floor(s: &Servers) -> Result<(), String> {
    let target = "/mark.png?fm=png&drop-shadow=0&drop-shadow-type=cast&drop-shadow-azimuth=0\
                  &drop-shadow-elevation=20&drop-shadow-softness=0&drop-shadow-x=30";
    let r = get(s, target)?;
    check(r.status == 200, || format!("{target}: {} {}", r.status, r.text()))?;
    let img = decode(&r.body)?;
    // Light from behind and low (tan 20° = 0.36): toward the viewer, squashed a quarter, about 27
    // rows past the floor line; nothing grows sideways.
    check(img.width == 120 && (72..=84).contains(&img.height), || format!("{}x{}", img.width, img.height))?;
    let (below, above) = (img.pixel(60, 65), img.pixel(60, 5));
    check(below[3] > 150 && below[0] < 10, || format!("in front of the box: {below:?}"))?;
    check(above[3] == 0, || format!("behind the box: {above:?}"))?;
    check(img.pixel(30, 30) == [255, 0, 0, 255], || format!("the box is drawn over: {:?}", img.pixel(30, 30)))?;
    let params = r.header("x-imgix-params").unwrap_or("");
    check(params.contains("drop-shadow-azimuth=0") && !params.contains("drop-shadow-x"), || {
        format!("X-Imgix-Params {params:?}")
    })?;
    // The light from the right throws it left, growing the canvas on that side.
    let side = decode(&get(s, &target.replace("azimuth=0", "azimuth=90"))?.body)?;
    check(side.width > 150, || format!("light from the right: {} wide", side.width))?;
    // The shadow alone, on the same canvas, pixel for pixel: the box is left out.
    let r = get(s, &format!("{target}&drop-shadow-output=shadow"))?;
    let only = decode(&r.body)?;
    check((only.width, only.height) == (img.width, img.height), || "same canvas".into())?;
    check(only.pixel(30, 30)[3] == 0, || format!("shadow only, the box: {:?}", only.pixel(30, 30)))?;
    check(only.pixel(60, 65) == img.pixel(60, 65), || format!("shadow only: {:?}", only.pixel(60, 65)))?;
    // ai: no depth model, so the manual shadow, and the header says so.
    let r = get(s, &format!("{target}&drop-shadow-mode=ai"))?;
    let ignored = r.header("x-ixora-ignored").unwrap_or("");
    check(ignored.contains("drop-shadow-mode=ai ("), || format!("X-Ixora-Ignored {ignored:?}"))?;
    check(decode(&r.body)?.data == img.data, || "ai differs from manual".into())
}

/// `mark-gradient*` colours the mark before it is placed (its transparent margin stays clear);
/// `mark-drop-shadow*` shadows the placed mark without growing the image.
pub fn layers_take_gradients_and_shadows(s: &Servers) -> Result<(), String> {
    // An opaque blue gradient over the mark: its box turns blue, its margin still shows the photo.
    let plain = decode(&get(s, BASE)?.body)?;
    let m = render(s, "mark=/mark.png&mark-gradient=ff0000ff,ff0000ff")?;
    expect(&m, "mark gradient", &[(486, 346), (584, 384)], [0, 0, 255], 0)?;
    check(rgb(&m, 477, 337) == rgb(&plain, 477, 337), || "the mark's margin is untouched".into())?;
    // Half-transparent white to black across the mark, in multiply: the red side stays red-ish.
    let m =
        render(s, "mark=/mark.png&mark-gradient=ffffffff,ff000000&mark-gradient-angle=90&mark-gradient-mode=multiply")?;
    let (left, right) = (rgb(&m, 486, 360), rgb(&m, 584, 360));
    check(left[0] > 200 && right[0] < 40, || format!("multiplied: {left:?} … {right:?}"))?;
    // A hard black shadow 10 px down-right of the mark on a white page: dark just past the box,
    // the image still 600x400, the box itself unchanged.
    let page = "blend=ffffff&blend-mode=normal&mark=/mark.png&mark-align=top,left&mark-pad=0";
    let m = render(
        s,
        &format!(
            "{page}&mark-drop-shadow=0&mark-drop-shadow-x=10&mark-drop-shadow-y=10&mark-drop-shadow-color=ff000000"
        ),
    )?;
    expect(&m, "mark shadow", &[(115, 55), (60, 58)], [0, 0, 0], 0)?;
    expect(&m, "mark shadow", &[(30, 30)], RED, 0)?;
    expect(&m, "mark shadow", &[(5, 5), (130, 30), (60, 75)], WHITE, 0)?;
    // The same at the image's edge is cut off there, not grown.
    let m = render(s, &format!("{page}&mark-x=540&mark-y=350&mark-drop-shadow=4&mark-drop-shadow-x=30"))?;
    check((m.width, m.height) == (600, 400), || "the mark's shadow never grows the image".into())
}
