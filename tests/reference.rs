//! Pixel operations with a standard definition, compared with libvips (`vips`) or ImageMagick on
//! the same input. scripts/setup.sh installs both; the tolerance is stated per case.

use std::path::{Path, PathBuf};
use std::process::Command;

use ixora::codec;
use ixora::codec::Limits;
use ixora::image::Image;
use ixora::params::parse;

struct Dir(PathBuf);
impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn workdir(name: &str) -> Dir {
    let d = std::env::temp_dir().join(format!("ixora-ref-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    Dir(d)
}

/// A 320x240 photo-like PNG input, from local-origin's generated WebP sample.
fn input(dir: &Path) -> (PathBuf, Vec<u8>) {
    let webp = local_origin::sample("small.webp").unwrap().bytes;
    let r =
        ixora::render(&webp, &parse("w=320&fm=png").unwrap(), &ixora::Accepts::default(), &Limits::default()).unwrap();
    let path = dir.join("in.png");
    std::fs::write(&path, &r.body).unwrap();
    (path, r.body)
}

fn decode(bytes: &[u8]) -> Image {
    let p = codec::probe(bytes, &Limits::default()).unwrap();
    codec::decode(bytes, &p, (p.width, p.height), &Limits::default()).unwrap()
}

fn ixora(png: &[u8], query: &str) -> Image {
    let r =
        ixora::render(png, &parse(&format!("{query}&fm=png")).unwrap(), &ixora::Accepts::default(), &Limits::default())
            .unwrap();
    decode(&r.body)
}

fn tool(program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).output().unwrap_or_else(|e| {
        panic!("{program} is not runnable ({e}): scripts/setup.sh installs libvips-tools and imagemagick")
    });
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

fn imagemagick() -> &'static str {
    if Path::new("/usr/bin/convert-im6.q16").exists() {
        "/usr/bin/convert-im6.q16"
    } else {
        "convert"
    }
}

/// Runs a reference tool; `{out}` in the arguments is replaced by the output path.
fn reference(dir: &Path, program: &str, args: &[&str]) -> Image {
    let out = dir.join("ref.png");
    let out_s = out.to_string_lossy().into_owned();
    let args: Vec<String> = args.iter().map(|a| a.replace("{out}", &out_s)).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    tool(program, &args);
    let img = decode(&std::fs::read(&out).unwrap());
    std::fs::remove_file(&out).unwrap();
    img
}

/// PSNR over the RGB channels (and the largest single difference).
fn compare(a: &Image, b: &Image) -> (f64, u8) {
    assert_eq!((a.width, a.height), (b.width, b.height));
    let (mut se, mut max, mut n) = (0f64, 0u8, 0usize);
    for (p, q) in a.data.chunks(a.channels as usize).zip(b.data.chunks(b.channels as usize)) {
        for k in 0..3 {
            let d = p[k].abs_diff(q[k]);
            se += (d as f64).powi(2);
            max = max.max(d);
            n += 1;
        }
    }
    let mse = se / n as f64;
    (if mse == 0.0 { f64::INFINITY } else { 10.0 * (255.0f64.powi(2) / mse).log10() }, max)
}

fn assert_close(name: &str, ours: &Image, theirs: &Image, min_psnr: f64) {
    let (psnr, max) = compare(ours, theirs);
    println!("{name}: PSNR {psnr:.1} dB, max difference {max}");
    assert!(psnr >= min_psnr, "{name}: PSNR {psnr:.1} dB < {min_psnr} (max difference {max})");
}

#[test]
fn gaussian_blur_matches_vips_gaussblur() {
    let d = workdir("blur");
    let (path, png) = input(&d.0);
    let p = path.to_str().unwrap();
    // ixora's blur=N is a Gaussian of sigma N/2: an exact kernel below sigma 3, three box passes above.
    for (blur, sigma, min_psnr) in [(2, "1", 40.0), (8, "4", 36.0), (40, "20", 34.0)] {
        let theirs = reference(&d.0, "vips", &["gaussblur", p, "{out}", sigma, "--precision", "float"]);
        let ours = ixora(&png, &format!("blur={blur}"));
        assert_close(&format!("blur={blur} vs vips gaussblur {sigma}"), &ours, &theirs, min_psnr);
    }
}

#[test]
fn unsharp_mask_matches_imagemagick() {
    let d = workdir("usm");
    let (path, png) = input(&d.0);
    let p = path.to_str().unwrap();
    // usm=A&usmrad=S is ImageMagick's -unsharp 0xS+(A/50)+0: in + amount × (in − gaussian(in, S)).
    for (usm, rad, im) in [(50, "2", "0x2+1+0"), (100, "1", "0x1+2+0")] {
        let theirs = reference(&d.0, imagemagick(), &[p, "-unsharp", im, "{out}"]);
        let ours = ixora(&png, &format!("usm={usm}&usmrad={rad}"));
        assert_close(&format!("usm={usm}&usmrad={rad} vs -unsharp {im}"), &ours, &theirs, 33.0);
    }
}

#[test]
fn hue_rotation_matches_imagemagick_modulate() {
    let d = workdir("hue");
    let (path, png) = input(&d.0);
    let p = path.to_str().unwrap();
    // -modulate's hue argument is 100 ± 100 for ± 180 degrees, rotating the HSL hue as ixora does.
    for (hue, modulate) in [(90, "100,100,150"), (180, "100,100,200"), (300, "100,100,266.6667")] {
        let theirs = reference(&d.0, imagemagick(), &[p, "-modulate", modulate, "{out}"]);
        let ours = ixora(&png, &format!("hue={hue}"));
        assert_close(&format!("hue={hue} vs -modulate {modulate}"), &ours, &theirs, 38.0);
    }
}

#[test]
fn sepia_and_greyscale_match_vips_recomb() {
    let d = workdir("recomb");
    let (path, png) = input(&d.0);
    let p = path.to_str().unwrap();
    let sepia = d.0.join("sepia.mat");
    std::fs::write(&sepia, "3 3\n0.393 0.769 0.189\n0.349 0.686 0.168\n0.272 0.534 0.131\n").unwrap();
    let theirs = reference(&d.0, "vips", &["recomb", p, "{out}", sepia.to_str().unwrap()]);
    assert_close("sepia=100 vs vips recomb", &ixora(&png, "sepia=100"), &theirs, 45.0);

    // sat=-100 is Rec. 601 luma in every channel.
    let grey = d.0.join("grey.mat");
    std::fs::write(&grey, "3 3\n0.299 0.587 0.114\n0.299 0.587 0.114\n0.299 0.587 0.114\n").unwrap();
    let theirs = reference(&d.0, "vips", &["recomb", p, "{out}", grey.to_str().unwrap()]);
    assert_close("sat=-100 vs vips recomb luma", &ixora(&png, "sat=-100"), &theirs, 45.0);
}

#[test]
fn flips_rotations_and_invert_match_vips_exactly() {
    let d = workdir("geometry");
    let (path, png) = input(&d.0);
    let p = path.to_str().unwrap();
    for (query, args) in [
        ("flip=h", vec!["flip", p, "{out}", "horizontal"]),
        ("flip=v", vec!["flip", p, "{out}", "vertical"]),
        ("orient=90", vec!["rot", p, "{out}", "d90"]),
        ("orient=180", vec!["rot", p, "{out}", "d180"]),
        ("orient=270", vec!["rot", p, "{out}", "d270"]),
        ("invert=1", vec!["invert", p, "{out}"]),
    ] {
        let theirs = reference(&d.0, "vips", &args);
        let ours = ixora(&png, query);
        assert_eq!(compare(&ours, &theirs).1, 0, "{query} differs from vips {}", args[0]);
    }
}
