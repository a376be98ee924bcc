//! Access to the official test vectors in `../shared/spec-vectors` (or `$LOMMEBOK_SPEC_VECTORS`).
//!
//! When the folder is absent the vector tests print why and skip; when `CI` is set they fail.

use std::path::PathBuf;

/// The vectors folder, or `None` (after printing why) when it is absent outside CI.
pub fn root() -> Option<PathBuf> {
    let dir = match std::env::var_os("LOMMEBOK_SPEC_VECTORS") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/spec-vectors"),
    };
    if dir.is_dir() {
        return Some(dir);
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "spec vectors not found at {} (CI is set, so this is a failure)",
        dir.display()
    );
    eprintln!("SKIP: spec vectors not found at {}", dir.display());
    None
}

/// Reads a vector file as text.
pub fn read(root: &std::path::Path, path: &str) -> String {
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Reads a vector file as a JSON object.
pub fn object(root: &std::path::Path, path: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(&read(root, path)).unwrap_or_else(|e| panic!("{path}: {e}")) {
        serde_json::Value::Object(map) => map,
        _ => panic!("{path}: not a JSON object"),
    }
}
