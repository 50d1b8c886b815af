//! The README's layout table names only paths that exist, and every source folder and top-level
//! source file is in it.

use std::path::Path;

fn layout_paths() -> Vec<String> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = readme.split("## Layout").nth(1).expect("a Layout section").split("\n## ").next().unwrap();
    let mut paths = Vec::new();
    for row in table.lines().filter(|l| l.starts_with("| `")) {
        // The first cell: one or more `path`s, comma-separated.
        let cell = row.trim_start_matches('|').split(" | ").next().unwrap();
        paths.extend(cell.split('`').skip(1).step_by(2).map(str::to_string));
    }
    paths
}

#[test]
fn layout_table_names_what_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = layout_paths();
    assert!(paths.len() > 10, "{paths:?}");
    for p in &paths {
        assert!(root.join(p).exists(), "README layout names {p}, which does not exist");
    }
    // Files named inside a folder's description (`spec.rs` for src/params/) exist in that folder.
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap();
    let table = readme.split("## Layout").nth(1).unwrap().split("\n## ").next().unwrap();
    for row in table.lines().filter(|l| l.starts_with("| `src/") && l.contains("/` |")) {
        let dir = row.split('`').nth(1).unwrap();
        let what = row.splitn(3, " | ").nth(1).unwrap();
        for name in what.split('`').skip(1).step_by(2).filter(|n| n.ends_with(".rs")) {
            assert!(root.join(dir).join(name).is_file(), "README: {dir}{name} does not exist");
        }
    }
}

#[test]
fn layout_table_covers_every_source_module() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let paths = layout_paths();
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let path = if root.join("src").join(&name).is_dir() { format!("src/{name}/") } else { format!("src/{name}") };
        // lib.rs is the map itself; `faces/` only holds the tests of `faces.rs`.
        if path == "src/lib.rs" || root.join("src").join(format!("{name}.rs")).is_file() {
            continue;
        }
        assert!(paths.contains(&path), "{path} is not in the README's layout table");
    }
}
