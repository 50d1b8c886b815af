//! End-to-end: the real wasm in Viceroy, fetching from a real local-origin, over HTTP.
//! Starts both on free ports, runs every case, stops both, and prints "N passed, M failed".

mod examples;
mod formats;
mod http;
mod layers;
mod ops;
mod params;
mod platform;
mod servers;
mod sizes;
#[path = "../sweep/mod.rs"]
mod sweep;
mod text;

use http::Reply;
use ixora::codec::Limits;
use ixora::codec::{self, Format};
use servers::Servers;

type Case = (&'static str, fn(&Servers) -> Result<(), String>);

fn main() {
    let servers = match Servers::start() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("e2e: could not start the servers: {e}");
            std::process::exit(1);
        }
    };
    let cases: &[Case] = &[
        ("health", health),
        ("passthrough_returns_original_bytes", passthrough),
        ("webp_800_has_the_contract_headers", webp_800_contract),
        ("output_matrix", output_matrix),
        ("exif_orientation_is_applied", exif_orientation),
        ("alpha_kept_in_png_and_flattened_in_jpeg", alpha_handling),
        ("fill_pads_with_fill_color", fill_color),
        ("auto_format_negotiates_with_accept", auto_format),
        ("progressive_jpeg_output", progressive_output),
        ("bad_parameter_is_400_json", bad_param),
        ("missing_original_is_404_json", missing),
        ("post_is_405_with_allow", method_not_allowed),
        ("origin_5xx_is_502", origin_5xx),
        ("origin_timeout_is_504", origin_timeout),
        ("garbage_is_415", garbage),
        ("truncated_is_422_or_decoded", truncated),
        ("decompression_bomb_is_413", bomb),
        ("head_has_headers_and_no_body", head),
        ("corpus_renders_or_4xx", corpus),
        ("sign_official_vectors", platform::sign_official_vectors),
        ("sign_real_imgix_client", platform::sign_real_imgix_client),
        ("sign_expires", platform::sign_expires),
        ("source_unknown_host_is_410", platform::source_unknown_host_is_410),
        ("source_defaults_and_prefix", platform::source_defaults_and_prefix),
        ("source_web_proxy", platform::source_web_proxy),
        ("cache_hit_after_miss", platform::cache_hit_after_miss),
        ("later_derivatives_start_from_the_working_copy", platform::later_derivatives_start_from_the_working_copy),
        ("cache_collapses_concurrent_misses", platform::cache_collapses_concurrent_misses),
        ("cache_ttl_and_stale_while_revalidate", platform::cache_ttl_and_stale_while_revalidate),
        ("purge_turns_hit_into_miss", platform::purge_turns_hit_into_miss),
        ("conditional_if_none_match_is_304", platform::conditional_if_none_match_is_304),
        ("origin_redirect_is_502", platform::origin_redirect_is_502),
        ("log_line_has_platform_fields", platform::log_line_has_platform_fields),
        ("debug_headers_only_with_the_setting", platform::debug_headers_only_with_the_setting),
        ("pixel_operations_run_in_wasm", ops::pixel_operations_run_in_wasm),
        ("faces_in_wasm", ops::faces_in_wasm),
        ("image_mask_from_the_origin", ops::image_mask_from_the_origin),
        ("marks_are_placed_sized_and_tiled", layers::marks_are_placed_sized_and_tiled),
        ("blends_cover_or_sit_on_the_image", layers::blends_cover_or_sit_on_the_image),
        ("overlay_images_are_guarded_and_keyed", layers::overlay_images_are_guarded_and_keyed),
        ("download_names_the_file", layers::download_names_the_file),
        ("append_grows_the_canvas", layers::append_grows_the_canvas),
        ("fades_ramp_to_transparent", layers::fades_ramp_to_transparent),
        ("cast_shadows_fall_along_the_floor", layers::cast_shadows_fall_along_the_floor),
        ("layers_take_gradients_and_shadows", layers::layers_take_gradients_and_shadows),
        ("text_layers_are_drawn_and_placed", text::text_layers_are_drawn_and_placed),
        ("typeset_endpoint_sets_text", text::typeset_endpoint_sets_text),
        ("hostile_text_is_bounded", text::hostile_text_is_bounded),
        ("examples_page_is_current", examples::examples_page_is_current),
        ("equivalent_urls_give_identical_bytes", params::equivalent_urls_give_identical_bytes),
        ("bad_values_are_400_naming_the_parameter", params::bad_values_are_400_naming_the_parameter),
        ("out_of_range_values_are_clamped", params::out_of_range_values_are_clamped),
        ("malformed_values_use_the_default", params::malformed_values_use_the_default),
        ("applied_parameters_on_every_image_response", params::applied_parameters_on_every_image_response),
        ("ignored_parameters_are_listed", params::ignored_parameters_are_listed),
        ("parameters_at_their_default_still_render", params::parameters_at_their_default_still_render),
        ("crop_fallback_chains_and_auto", params::crop_fallback_chains_and_auto),
        ("unwritable_formats_fall_back", params::unwritable_formats_fall_back),
        ("formats_lossy_webp", formats::lossy_webp),
        ("formats_palette_outputs", formats::palette_outputs),
        ("formats_metadata_outputs", formats::metadata_outputs),
        ("formats_animation", formats::animation),
        ("formats_colour_management", formats::colour_management),
        ("formats_avif", formats::avif),
        ("formats_exif_orientation_set", formats::exif_orientation_set),
        ("formats_client_hints", formats::client_hints),
        ("formats_colour_space_and_metadata", formats::colour_space_and_metadata),
        ("formats_avif_tiff_svg_inputs", formats::avif_tiff_svg_inputs),
        ("formats_corrupt_avif_is_a_422", formats::corrupt_avif_is_a_422),
        ("outputs_over_the_limits_are_sized_down", sizes::outputs_over_the_limits_are_sized_down),
        ("every_size_renders_in_viceroy", sizes::every_size_renders_in_viceroy),
        ("formats_auto_compress_overrides_fm", formats::auto_compress_overrides_fm),
    ];
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let (mut passed, mut failed) = (0, 0);
    for (name, case) in cases {
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match case(&servers) {
            Ok(()) => {
                passed += 1;
                println!("test {name} ... ok");
            }
            Err(e) => {
                failed += 1;
                println!("test {name} ... FAILED\n    {e}");
            }
        }
    }
    if failed > 0 {
        println!("\n--- last lines from viceroy ---\n{}", servers.viceroy_log_tail(40));
    }
    drop(servers);
    println!("\ne2e: {passed} passed, {failed} failed");
    std::process::exit(if failed == 0 { 0 } else { 1 });
}

pub fn get(s: &Servers, target: &str) -> Result<Reply, String> {
    get_with(s, target, &[])
}

fn get_with(s: &Servers, target: &str, headers: &[(&str, &str)]) -> Result<Reply, String> {
    http::request(&s.edge, "GET", target, headers).map_err(|e| format!("GET {target}: {e}"))
}

pub fn check(cond: bool, msg: impl FnOnce() -> String) -> Result<(), String> {
    if cond {
        Ok(())
    } else {
        Err(msg())
    }
}

fn expect_status(r: &Reply, status: u16, target: &str) -> Result<(), String> {
    check(r.status == status, || format!("{target}: status {} (want {status}); body {}", r.status, r.text()))
}

/// Format and displayed size of an image body, read by its header.
fn image_info(body: &[u8]) -> Result<(Format, u32, u32), String> {
    let p = codec::probe(body, &Limits::default()).map_err(|e| format!("output does not probe: {e}"))?;
    Ok((p.format, p.width, p.height))
}

pub fn decode(body: &[u8]) -> Result<ixora::image::Image, String> {
    let p = codec::probe(body, &Limits::default()).map_err(|e| e.to_string())?;
    codec::decode(body, &p, (p.width, p.height), &Limits::default()).map_err(|e| e.to_string())
}

pub fn near(px: &[u8], want: [u8; 3], tol: u8) -> bool {
    px.iter().zip(want).all(|(a, b)| a.abs_diff(b) <= tol)
}

fn health(s: &Servers) -> Result<(), String> {
    let r = get(s, "/_health")?;
    expect_status(&r, 200, "/_health")?;
    check(r.text().contains("ok"), || format!("health body {}", r.text()))
}

fn passthrough(s: &Servers) -> Result<(), String> {
    let original = http::request(&s.origin, "GET", "/photo.jpg", &[]).map_err(|e| e.to_string())?;
    let r = get(s, "/photo.jpg")?;
    expect_status(&r, 200, "/photo.jpg")?;
    check(r.body == original.body, || {
        format!("passthrough differs: {} vs {} bytes", r.body.len(), original.body.len())
    })?;
    check(r.header("content-type") == Some("image/jpeg"), || format!("type {:?}", r.header("content-type")))?;
    // Unknown parameters alone are a passthrough too (cache busters like ?v=2).
    let r = get(s, "/photo.jpg?v=2")?;
    check(r.body == original.body, || "?v=2 was not a passthrough".into())
}

fn webp_800_contract(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=800&fm=webp";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    check(r.header("content-type") == Some("image/webp"), || format!("type {:?}", r.header("content-type")))?;
    let (fmt, w, h) = image_info(&r.body)?;
    check((fmt, w, h) == (Format::Webp, 800, 600), || format!("got {fmt:?} {w}x{h}"))?;
    check(r.header("content-length") == Some(&r.body.len().to_string()), || "content-length".into())?;
    check(r.header("x-content-type-options") == Some("nosniff"), || format!("nosniff: {:?}", r.headers))?;
    for name in ["cache-control", "etag", "x-cache", "surrogate-key", "server-timing"] {
        check(r.header(name).is_some(), || format!("missing {name}: {:?}", r.headers))?;
    }
    let timing = r.header("server-timing").unwrap();
    for stage in ["fetch;dur=", "decode;dur=", "transform;dur=", "encode;dur=", "total;dur="] {
        check(timing.contains(stage), || format!("server-timing lacks {stage}: {timing}"))?;
    }
    check(r.header("cache-control").unwrap().contains("max-age="), || "cache-control".into())?;
    check(r.header("vary").is_none(), || "Vary without negotiation".into())
}

fn output_matrix(s: &Servers) -> Result<(), String> {
    let rows: &[(&str, Format, u32, u32)] = &[
        ("/photo.jpg?w=800", Format::Jpeg, 800, 600),
        ("/photo.jpg?h=300", Format::Jpeg, 400, 300),
        ("/photo.jpg?w=400&h=400&fit=crop", Format::Jpeg, 400, 400),
        ("/photo.jpg?w=400&h=400", Format::Jpeg, 400, 300),
        ("/photo.jpg?w=100&h=300&fit=scale", Format::Jpeg, 100, 300),
        ("/photo.jpg?w=0.1", Format::Jpeg, 400, 300),
        ("/photo.jpg?dpr=2&w=200", Format::Jpeg, 400, 300),
        ("/photo.jpg?ar=16:9&fit=crop&w=320", Format::Jpeg, 320, 180),
        ("/photo.jpg?rect=1000,1000,800,600&w=400", Format::Jpeg, 400, 300),
        ("/photo.jpg?w=640&fm=png", Format::Png, 640, 480),
        ("/photo.jpg?w=320&fm=gif", Format::Gif, 320, 240),
        ("/photo.jpg?w=100&orient=90", Format::Jpeg, 100, 133),
        ("/photo.jpg?w=100&flip=hv", Format::Jpeg, 100, 75),
        ("/progressive.jpg?w=480", Format::Jpeg, 480, 270),
        ("/animated.gif?w=160", Format::Gif, 160, 120),
        ("/small.webp?w=200", Format::Webp, 200, 150),
        ("/alpha.png?w=200&fm=webp", Format::Webp, 200, 150),
        ("/small.webp?w=100&fm=jpg&q=50&chromasub=444", Format::Jpeg, 100, 75),
        ("/photo.jpg?w=300&fit=max&max-h=100", Format::Jpeg, 300, 225),
        ("/small.webp?w=1000&fit=max", Format::Webp, 400, 300),
        ("/small.webp?w=800&h=800&fit=min", Format::Webp, 300, 300),
    ];
    for &(t, fmt, w, h) in rows {
        let r = get(s, t)?;
        expect_status(&r, 200, t)?;
        let got = image_info(&r.body)?;
        check(got == (fmt, w, h), || format!("{t}: got {got:?}, want {fmt:?} {w}x{h}"))?;
        check(r.header("content-type") == Some(fmt.mime()), || format!("{t}: type {:?}", r.header("content-type")))?;
    }
    Ok(())
}

fn exif_orientation(s: &Servers) -> Result<(), String> {
    // exif-6.jpg is stored 1600x1200; upright it is red | green over blue | white.
    let r = get(s, "/exif-6.jpg?w=300")?;
    expect_status(&r, 200, "exif")?;
    let img = decode(&r.body)?;
    check((img.width, img.height) == (300, 400), || format!("{}x{}", img.width, img.height))?;
    let (q1, q3) = (img.width / 4, img.width * 3 / 4);
    let (r1, r3) = (img.height / 4, img.height * 3 / 4);
    for (x, y, want, name) in [
        (q1, r1, [255, 0, 0], "red"),
        (q3, r1, [0, 255, 0], "green"),
        (q1, r3, [0, 0, 255], "blue"),
        (q3, r3, [255, 255, 255], "white"),
    ] {
        check(near(img.pixel(x, y), want, 40), || format!("({x},{y}) is {:?}, want {name}", img.pixel(x, y)))?;
    }
    Ok(())
}

fn alpha_handling(s: &Servers) -> Result<(), String> {
    let r = get(s, "/alpha.png?w=400")?;
    expect_status(&r, 200, "alpha png")?;
    let img = decode(&r.body)?;
    check(img.channels == 4 && img.pixel(0, 0)[3] == 0, || format!("corner {:?}", img.pixel(0, 0)))?;
    let r = get(s, "/alpha.png?w=400&fm=jpg")?;
    let img = decode(&r.body)?;
    check(img.channels == 3 && near(img.pixel(0, 0), [255, 255, 255], 3), || {
        format!("jpg corner {:?}", img.pixel(0, 0))
    })?;
    let r = get(s, "/alpha.png?w=400&fm=png&bg=00f")?;
    let img = decode(&r.body)?;
    check(near(&img.pixel(0, 0)[..3], [0, 0, 255], 3), || format!("bg corner {:?}", img.pixel(0, 0)))
}

fn fill_color(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?fit=fill&w=500&h=500&fill-color=ff0000&fm=png";
    let r = get(s, t)?;
    expect_status(&r, 200, t)?;
    let img = decode(&r.body)?;
    check((img.width, img.height) == (500, 500), || format!("{}x{}", img.width, img.height))?;
    check(near(&img.pixel(250, 2)[..3], [255, 0, 0], 0), || format!("top pad {:?}", img.pixel(250, 2)))?;
    check(!near(&img.pixel(250, 250)[..3], [255, 0, 0], 30), || "centre should be the photo".into())
}

fn auto_format(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=200&auto=format";
    let r = get_with(s, t, &[("Accept", "image/avif,image/webp,*/*")])?;
    check(r.header("content-type") == Some("image/webp"), || format!("with webp: {:?}", r.header("content-type")))?;
    check(r.header("vary").is_some_and(|v| v.contains("Accept")), || format!("vary {:?}", r.header("vary")))?;
    let r = get_with(s, t, &[("Accept", "image/jpeg,*/*")])?;
    check(r.header("content-type") == Some("image/jpeg"), || format!("without webp: {:?}", r.header("content-type")))?;
    check(r.header("vary").is_some_and(|v| v.contains("Accept")), || "vary on fallback".into())
}

fn progressive_output(s: &Servers) -> Result<(), String> {
    let sof = |b: &[u8], m: u8| b.windows(2).any(|w| w == [0xFF, m]);
    let r = get(s, "/photo.jpg?w=300&fm=pjpg")?;
    check(sof(&r.body, 0xC2), || "pjpg has no SOF2".into())?;
    let r = get(s, "/photo.jpg?w=300&fm=jpg")?;
    check(sof(&r.body, 0xC0) && !sof(&r.body, 0xC2), || "jpg should be baseline".into())
}

pub fn expect_json_error(r: &Reply, status: u16, target: &str) -> Result<(), String> {
    expect_status(r, status, target)?;
    check(r.header("content-type") == Some("application/json"), || {
        format!("{target}: type {:?}", r.header("content-type"))
    })?;
    let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| format!("{target}: body not JSON: {e}"))?;
    check(v["error"]["status"] == status, || format!("{target}: body {v}"))?;
    check(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), || format!("{target}: no message {v}"))
}

/// Bad values are 400s on a strict source (elsewhere they are dropped: tests/e2e/params.rs).
fn bad_param(s: &Servers) -> Result<(), String> {
    let strict = [("Host", "strict.localhost")];
    let r = get_with(s, "/photo.jpg?w=abc", &strict)?;
    expect_json_error(&r, 400, "w=abc")?;
    check(r.text().contains("\"param\":\"w\""), || r.text())?;
    let r = get_with(s, "/photo.jpg?fit=sideways", &strict)?;
    expect_json_error(&r, 400, "fit=sideways")?;
    let r = get(s, "/photo.jpg?w64=MTAw%3D")?;
    expect_json_error(&r, 400, "w64=MTAw=")
}

fn missing(s: &Servers) -> Result<(), String> {
    expect_json_error(&get(s, "/nope.jpg?w=10")?, 404, "/nope.jpg")?;
    expect_json_error(&get(s, "/nope.jpg")?, 404, "/nope.jpg passthrough")
}

fn method_not_allowed(s: &Servers) -> Result<(), String> {
    let r = http::request(&s.edge, "POST", "/photo.jpg", &[("Content-Length", "0")]).map_err(|e| e.to_string())?;
    expect_json_error(&r, 405, "POST")?;
    check(r.header("allow") == Some("GET, HEAD"), || format!("allow {:?}", r.header("allow")))
}

fn origin_5xx(s: &Servers) -> Result<(), String> {
    expect_json_error(&get(s, "/_fault/status/500?w=10")?, 502, "origin 500")?;
    expect_json_error(&get(s, "/_fault/status/503")?, 502, "origin 503")
}

fn origin_timeout(s: &Servers) -> Result<(), String> {
    let t = format!("/_fault/delay/{}/photo.jpg?w=10", servers::ORIGIN_TIMEOUT_MS * 3);
    expect_json_error(&get(s, &t)?, 504, "slow origin")
}

fn garbage(s: &Servers) -> Result<(), String> {
    expect_json_error(&get(s, "/_fault/garbage.jpg?w=10")?, 415, "garbage")
}

fn truncated(s: &Servers) -> Result<(), String> {
    let r = get(s, "/_fault/truncated.jpg?w=100")?;
    if r.status == 200 {
        return image_info(&r.body).map(|_| ());
    }
    expect_json_error(&r, 422, "truncated")
}

fn bomb(s: &Servers) -> Result<(), String> {
    expect_json_error(&get(s, "/_fault/bomb.png?w=10")?, 413, "bomb")
}

fn head(s: &Servers) -> Result<(), String> {
    let t = "/photo.jpg?w=200";
    let full = get(s, t)?;
    let r = http::request(&s.edge, "HEAD", t, &[]).map_err(|e| e.to_string())?;
    expect_status(&r, 200, "HEAD")?;
    check(r.header("content-length") == Some(&full.body.len().to_string()), || {
        format!("HEAD content-length {:?}, GET body {}", r.header("content-length"), full.body.len())
    })?;
    check(r.header("content-type") == Some("image/jpeg"), || "HEAD type".into())
}

fn corpus(s: &Servers) -> Result<(), String> {
    let Some(files) = &s.corpus else {
        println!("    (skipped: ../shared/corpus is absent)");
        return Ok(());
    };
    let mut problems = Vec::new();
    for name in files {
        let t = format!("/{name}?w=300");
        let r = get(s, &t)?;
        let verdict = match r.status {
            200 => match image_info(&r.body) {
                Ok((_, w, _)) if w <= 300 => "ok".to_string(),
                Ok((_, w, h)) => format!("too wide {w}x{h}"),
                Err(e) => e,
            },
            400..=499 => format!("{} {}", r.status, r.text()),
            _ => {
                problems.push(format!("{name}: {} {}", r.status, r.text()));
                continue;
            }
        };
        if verdict != "ok" && r.status == 200 {
            problems.push(format!("{name}: {verdict}"));
        }
        println!("    corpus {name}: {}", if verdict.len() > 140 { &verdict[..140] } else { &verdict });
    }
    check(problems.is_empty(), || problems.join("\n    "))
}
