//! Builds the search index of the embedded communes at build time, so that loading it costs
//! nothing at run time: parses `data/communes.tsv` with `src/communes/builder.rs` (the very code
//! `Communes::from_tsv` runs) and writes each column of the index into `OUT_DIR`
//! (`communes-<column>.bin`, little-endian, no pointers), where `src/communes.rs` embeds them with
//! `include_bytes!`. An invalid file fails the build with its line and message.

#[path = "src/communes/builder.rs"]
mod builder;

use std::path::PathBuf;
use std::{env, fs};

const TSV: &str = "data/communes.tsv";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo::rerun-if-changed={TSV}");
    println!("cargo::rerun-if-changed=src/communes/builder.rs");
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    let text = fs::read_to_string(TSV)?;
    let index =
        builder::build(&text).map_err(|e| format!("{TSV} line {}: {}", e.line, e.message))?;
    for (name, bytes) in index.files() {
        fs::write(out_dir.join(format!("communes-{name}.bin")), bytes)?;
    }
    Ok(())
}
