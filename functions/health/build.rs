//! Converts `openapi.yaml` (written by hand, YAML for comments and readability) into the JSON the
//! function serves, at build time: no YAML parser in the Lambda binary, nothing to convert at
//! start-up. An unreadable document fails the build.

use std::path::PathBuf;

fn main() {
    println!("cargo::rerun-if-changed=openapi.yaml");
    let source = std::fs::read_to_string("openapi.yaml")
        .unwrap_or_else(|e| panic!("functions/health/openapi.yaml cannot be read: {e}"));
    let document: serde_json::Value = serde_yaml_ng::from_str(&source)
        .unwrap_or_else(|e| panic!("functions/health/openapi.yaml does not parse: {e}"));
    let json = serde_json::to_vec(&document)
        .unwrap_or_else(|e| panic!("functions/health/openapi.yaml as JSON: {e}"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("openapi.json"), json)
        .unwrap_or_else(|e| panic!("writing openapi.json: {e}"));
}
