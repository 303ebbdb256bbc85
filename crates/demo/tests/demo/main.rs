//! Integration tests of the demo generator: the data files, the marker, and the TML as
//! Searchlight imports and runs it.

mod data;
mod model;

use std::path::Path;

use searchlight_demo::{DemoOptions, DemoSummary, generate};

/// Small enough to be quick, big enough for every answer to have rows.
pub const ROWS: usize = 20_000;
pub const SEED: u64 = 7;

pub fn options(rows: usize, seed: u64) -> DemoOptions {
    DemoOptions {
        rows,
        seed,
        progress: false,
    }
}

pub fn generate_into(dir: &Path, rows: usize, seed: u64) -> DemoSummary {
    generate(dir, &options(rows, seed))
        .unwrap_or_else(|err| panic!("generate {rows} rows: {err:#}"))
}
