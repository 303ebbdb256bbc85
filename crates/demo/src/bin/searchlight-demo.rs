//! Generates the demo into a folder and prints how long it took.
//!
//! ```text
//! cargo run --release -p searchlight-demo --bin searchlight-demo -- <dir> [rows] [seed]
//! ```

use std::path::PathBuf;

use searchlight_demo::{DemoOptions, generate, is_generated};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "searchlight-demo".into()));
    let defaults = DemoOptions::default();
    let rows = match args.next() {
        Some(rows) => rows.replace('_', "").parse()?,
        None => defaults.rows,
    };
    let seed = match args.next() {
        Some(seed) => seed.parse()?,
        None => defaults.seed,
    };
    let options = DemoOptions {
        rows,
        seed,
        progress: true,
    };
    if is_generated(&dir, &options) {
        println!(
            "{} already holds the demo ({rows} rows, seed {seed})",
            dir.display()
        );
        return Ok(());
    }
    let summary = generate(&dir, &options)?;
    let bytes: u64 = summary
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "generated {} sales rows in {:.2} s: {} data files ({:.1} MB), {} TML files in {}",
        summary.rows,
        summary.elapsed.as_secs_f64(),
        summary.files.len(),
        bytes as f64 / 1e6,
        summary.tml_files.len(),
        dir.display()
    );
    Ok(())
}
