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
    fs::write(out_dir.join("communes-canon.bin"), canon_table(&text)?)?;
    Ok(())
}

/// The birth-place canon as a small table (`src/canon.rs`): for every code that stands for
/// another commune — an arrondissement (its city), a commune déléguée or associée (the chef-lieu
/// of its commune nouvelle, followed to the end), a Corsican `20xxx` code of before 1976 (the
/// `2A`/`2B` commune with that number) — 10 bytes: the code, then the commune. Sorted by code.
/// About 3,000 entries (30 KB), so that a function that compares birth places does not embed the
/// whole commune list.
fn canon_table(text: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    use std::collections::BTreeMap;
    let mut parent: BTreeMap<&str, &str> = BTreeMap::new();
    let mut communes: Vec<&str> = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let columns: Vec<&str> = line.split('\t').collect();
        let (code, kind, up) = match columns.as_slice() {
            [code, kind, _, _, _, up, ..] => (*code, *kind, *up),
            _ => return Err(format!("{TSV}: a line with fewer than 6 columns: {line}").into()),
        };
        if kind == "COM" {
            communes.push(code);
        } else if !up.is_empty() && up != code {
            parent.insert(code, up);
        }
    }
    let resolve = |code: &str| -> Result<String, String> {
        let mut current = code;
        for _ in 0..4 {
            match parent.get(current) {
                Some(up) => current = up,
                None => return Ok(current.to_owned()),
            }
        }
        Err(format!("{TSV}: {code} does not lead to a commune"))
    };
    let mut table: BTreeMap<String, String> = BTreeMap::new();
    for code in parent.keys() {
        table.insert((*code).to_owned(), resolve(code)?);
    }
    for code in communes
        .iter()
        .filter(|c| c.starts_with("2A") || c.starts_with("2B"))
    {
        table.insert(format!("20{}", &code[2..]), resolve(code)?);
    }
    let mut bytes = Vec::with_capacity(table.len() * 10);
    for (code, target) in &table {
        if code.len() != 5 || target.len() != 5 {
            return Err(format!("{TSV}: malformed code {code} → {target}").into());
        }
        bytes.extend_from_slice(code.as_bytes());
        bytes.extend_from_slice(target.as_bytes());
    }
    Ok(bytes)
}
