//! The Searchlight demo: a deterministic retail data set and the TML model over it.
//!
//! [`generate`] writes, under one folder:
//!
//! ```text
//! <dir>/
//!   Retail Demo Files.connection.tml   LOCAL_FILES connection, path: data
//!   fact_sales.table.tml               the sales lines (Parquet folder)
//!   dim_stores.table.tml               stores (CSV)
//!   dim_products.table.tml             products (Parquet)
//!   dim_customers.table.tml            customers (Parquet)
//!   Retail Sales.worksheet.tml         the worksheet: joins, a model filter, synonyms
//!   <answer>.answer.tml                nine answers
//!   Sales Overview.liveboard.tml       two pinboards (liveboards)
//!   Store Performance.liveboard.tml
//!   data/
//!     sales/sales_2022.parquet …       one file per year, 2022–2025
//!     stores.csv
//!     products.parquet
//!     customers.parquet
//!   .searchlight-demo.json             the marker, written last
//! ```
//!
//! The same [`DemoOptions`] (row count and seed) always give byte-identical files: every
//! random choice comes from generators seeded from the options' seed and what is being
//! generated (a year of sales, the customer list …), never from the number of threads or the
//! order they finish in. Sales are generated one year per task on all cores.
//!
//! The marker records the options and the files; [`is_generated`] reads it, so a second start
//! reuses the data, and a changed row count or seed, a missing or truncated data file, or an
//! interrupted generation (no marker) means generating again.
//!
//! Generation is blocking work (CPU and file writes); call it from a blocking thread in async
//! code.

mod calendar;
mod dims;
mod random;
mod sales;
mod tml;
mod write;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoOptions {
    /// Sales lines (rows of the fact table). At least [`MIN_ROWS`].
    pub rows: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Show a progress bar on stderr (hidden when stderr is not a terminal).
    pub progress: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        Self {
            rows: DEFAULT_ROWS,
            seed: DEFAULT_SEED,
            progress: false,
        }
    }
}

/// The default number of sales lines.
pub const DEFAULT_ROWS: usize = 2_000_000;
/// The default seed.
pub const DEFAULT_SEED: u64 = 20_220_101;
/// The fewest sales lines [`generate`] accepts (fewer would leave answers empty).
pub const MIN_ROWS: usize = 1_000;
/// The most sales lines [`generate`] accepts.
pub const MAX_ROWS: usize = 1_000_000_000;

/// The marker's file name inside the demo folder.
pub const MARKER_FILE: &str = ".searchlight-demo.json";
/// The folder (inside the demo folder) the data files are in; the connection's `path`.
pub const DATA_DIR: &str = "data";

/// Bumped whenever the generated files change for the same options, so an older demo folder
/// is generated again.
const FORMAT_VERSION: u32 = 1;

/// What [`generate`] wrote.
#[derive(Debug, Clone)]
pub struct DemoSummary {
    /// Sales lines written.
    pub rows: usize,
    /// The data files (Parquet and CSV), absolute or relative as `dir` was given.
    pub files: Vec<PathBuf>,
    /// The TML files, in import order (connection, tables, worksheet, answers, liveboards).
    pub tml_files: Vec<PathBuf>,
    pub elapsed: Duration,
}

/// The marker: the options a folder was generated with and the files it holds.
#[derive(Debug, Serialize, Deserialize)]
struct Marker {
    generator: String,
    format: u32,
    rows: usize,
    seed: u64,
    /// Data files relative to the demo folder, with their sizes.
    data_files: Vec<MarkedFile>,
    /// TML files relative to the demo folder (only their presence is checked: users may
    /// edit them).
    tml_files: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MarkedFile {
    path: String,
    bytes: u64,
}

/// Generates the demo data set and its TML into `dir` (created if missing), replacing what a
/// previous generation left there. The marker is removed first and written last.
pub fn generate(dir: &Path, options: &DemoOptions) -> anyhow::Result<DemoSummary> {
    let started = Instant::now();
    if options.rows < MIN_ROWS || options.rows > MAX_ROWS {
        anyhow::bail!(
            "the demo needs between {MIN_ROWS} and {MAX_ROWS} sales rows, not {}",
            options.rows
        );
    }
    let data_dir = dir.join(DATA_DIR);
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("cannot create the demo folder {}", data_dir.display()))?;
    let marker = dir.join(MARKER_FILE);
    match std::fs::remove_file(&marker) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(err).with_context(|| format!("cannot remove {}", marker.display())),
    }

    let dims = dims::Dimensions::generate(options.seed, options.rows);
    let mut data_files = Vec::new();
    data_files.push(write::stores_csv(&data_dir, &dims.stores)?);
    data_files.push(write::products_parquet(&data_dir, &dims.products)?);
    data_files.push(write::customers_parquet(&data_dir, &dims.customers)?);
    data_files.extend(sales::write_all(&data_dir, &dims, options)?);

    let mut tml_files = Vec::new();
    for (file_name, text) in tml::documents()? {
        let path = dir.join(&file_name);
        write::atomically(&path, text.as_bytes())?;
        tml_files.push(path);
    }

    let relative = |path: &Path| -> anyhow::Result<String> {
        let rel = path
            .strip_prefix(dir)
            .with_context(|| format!("{} is outside {}", path.display(), dir.display()))?;
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"))
    };
    let mut marked = Vec::with_capacity(data_files.len());
    for path in &data_files {
        let bytes = std::fs::metadata(path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
        marked.push(MarkedFile {
            path: relative(path)?,
            bytes,
        });
    }
    let record = Marker {
        generator: "searchlight-demo".into(),
        format: FORMAT_VERSION,
        rows: options.rows,
        seed: options.seed,
        data_files: marked,
        tml_files: tml_files
            .iter()
            .map(|p| relative(p))
            .collect::<anyhow::Result<_>>()?,
    };
    let text = serde_json::to_string_pretty(&record)?;
    write::atomically(&marker, text.as_bytes())?;

    Ok(DemoSummary {
        rows: options.rows,
        files: data_files,
        tml_files,
        elapsed: started.elapsed(),
    })
}

/// Whether `dir` holds a complete demo generated with these options (row count and seed;
/// `progress` does not matter) by this version of the generator, with every data file at
/// the size it was written and every TML file present.
pub fn is_generated(dir: &Path, options: &DemoOptions) -> bool {
    let Ok(text) = std::fs::read_to_string(dir.join(MARKER_FILE)) else {
        return false;
    };
    let Ok(marker) = serde_json::from_str::<Marker>(&text) else {
        return false;
    };
    if marker.generator != "searchlight-demo"
        || marker.format != FORMAT_VERSION
        || marker.rows != options.rows
        || marker.seed != options.seed
        || marker.data_files.is_empty()
    {
        return false;
    }
    let data_ok = marker.data_files.iter().all(|f| {
        std::fs::metadata(dir.join(&f.path)).is_ok_and(|m| m.is_file() && m.len() == f.bytes)
    });
    data_ok && marker.tml_files.iter().all(|f| dir.join(f).is_file())
}
