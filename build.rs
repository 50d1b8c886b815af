//! Embeds the bundled fonts (`fonts/`, see fonts/README.md): each is deflated into OUT_DIR and
//! listed with the characters its cmap maps, so a render inflates only the faces its text needs
//! and the wasm's linear memory holds the fonts at about half their size.
//!
//! Embeds the face-detection model that the `rustface` crate ships in its package
//! (`model/seeta_fd_frontal_v1.0.bin`, BSD-2 like the crate): Compute has no filesystem, so the
//! model travels inside the wasm. Cargo has already unpacked every dependency's source before
//! any build script runs, so the file is found next to the crate's other sources.

use std::env;
use std::path::{Path, PathBuf};

const CRATE: &str = "rustface-0.1.7";
const MODEL: &str = "model/seeta_fd_frontal_v1.0.bin";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=IXORA_FACE_MODEL");
    let model = find_model().unwrap_or_else(|| {
        panic!(
            "could not find {CRATE}/{MODEL} in cargo's registry or vendor directories; \
             set IXORA_FACE_MODEL to the file's path"
        )
    });
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(
        out.join("face_model.rs"),
        format!("pub const FACE_MODEL: &[u8] = include_bytes!({:?});\n", model.display().to_string()),
    )
    .expect("write face_model.rs");
    embed_fonts(&out);
}

/// Writes `fonts.rs`: `FACES`, one entry per font file under fonts/<family>/, sorted by path.
fn embed_fonts(out: &Path) {
    println!("cargo:rerun-if-changed=fonts");
    let root = Path::new(&env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR")).join("fonts");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fonts/ is part of the repository")
        .flatten()
        .filter(|d| d.path().is_dir())
        .flat_map(|d| std::fs::read_dir(d.path()).expect("a fonts/ folder").flatten().map(|f| f.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("ttf" | "otf")))
        .collect();
    files.sort();
    let mut src = String::from("pub static FACES: &[EmbeddedFace] = &[\n");
    for path in files {
        let bytes = std::fs::read(&path).expect("read a font");
        let face = ttf_parser::Face::parse(&bytes, 0).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut chars: Vec<u32> = Vec::new();
        if let Some(cmap) = face.tables().cmap {
            for table in cmap.subtables.into_iter().filter(|t| t.is_unicode()) {
                table.codepoints(|c| {
                    if table.glyph_index(c).is_some_and(|g| g.0 != 0) {
                        chars.push(c)
                    }
                });
            }
        }
        chars.sort_unstable();
        chars.dedup();
        let mut ranges: Vec<(u32, u32)> = Vec::new();
        for c in chars {
            match ranges.last_mut() {
                Some((_, end)) if *end + 1 == c => *end = c,
                _ => ranges.push((c, c)),
            }
        }
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("a font file name").to_string();
        let family = path.parent().and_then(|p| p.file_name()).and_then(|s| s.to_str()).expect("a folder");
        let packed = out.join(format!("{stem}.z"));
        std::fs::write(&packed, miniz_oxide::deflate::compress_to_vec_zlib(&bytes, 10)).expect("write a font");
        let ranges: Vec<String> = ranges.iter().map(|(a, b)| format!("({a:#x},{b:#x})")).collect();
        src.push_str(&format!(
            "    EmbeddedFace {{ name: {stem:?}, folder: {family:?}, len: {}, deflated: include_bytes!({:?}), chars: &[{}] }},\n",
            bytes.len(),
            packed.display().to_string(),
            ranges.join(",")
        ));
    }
    src.push_str("];\n");
    std::fs::write(out.join("fonts.rs"), src).expect("write fonts.rs");
}

fn find_model() -> Option<PathBuf> {
    if let Some(p) = env::var_os("IXORA_FACE_MODEL").map(PathBuf::from).filter(|p| p.is_file()) {
        return Some(p);
    }
    let cargo_home = env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    // registry/src/<index>/rustface-x.y.z, or a `cargo vendor` directory beside the project.
    let mut roots: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .map(|dirs| dirs.flatten().map(|d| d.path()).collect())
        .unwrap_or_default();
    if let Some(dir) = env::var_os("CARGO_MANIFEST_DIR") {
        roots.push(Path::new(&dir).join("vendor"));
    }
    roots.into_iter().map(|r| r.join(CRATE).join(MODEL)).find(|p| p.is_file())
}
