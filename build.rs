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
