//! The TPC-H data: the eight tables generated with `tpchgen` (through `tpchgen-arrow`) at a
//! scale factor and written as one Parquet file per table, cached between runs.
//!
//! The cache is a folder per scale factor (`<cache>/sf1`) outside the repository. It is
//! written under a temporary name and renamed when complete, with a marker file naming what
//! produced it, so a folder that exists with the right marker is reused as is and anything
//! else is generated again.
//!
//! The files hold TPC-H's columns and values with two changes of physical type, so that every
//! engine reads the same types the model declares: decimals (prices, quantities, discounts,
//! balances) are stored as DOUBLE and 32-bit integers as 64-bit integers. Dates stay dates.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use datafusion::arrow::array::{ArrayRef, RecordBatch, RecordBatchReader};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};
use tpchgen::generators::{
    CustomerGenerator, LineItemGenerator, NationGenerator, OrderGenerator, PartGenerator,
    PartSuppGenerator, RegionGenerator, SupplierGenerator,
};
use tpchgen_arrow::{
    CustomerArrow, LineItemArrow, NationArrow, OrderArrow, PartArrow, PartSuppArrow, RegionArrow,
    SupplierArrow,
};

/// The eight TPC-H tables, largest first (each is `<name>.parquet`).
pub const TABLES: [&str; 8] = [
    "lineitem", "orders", "partsupp", "part", "customer", "supplier", "nation", "region",
];

/// What produced a cached folder; a folder with another marker is generated again.
const GENERATOR: &str = "tpchgen 4.0.0 via tpchgen-arrow, decimals as DOUBLE, INT32 as INT64, \
                         Snappy, 1M-row row groups (format 1)";
const MARKER: &str = "tpch.json";

/// The marker file: how the folder was made and what it holds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataInfo {
    pub generator: String,
    pub scale: f64,
    pub tables: Vec<TableInfo>,
    /// Seconds the generation took (when it was generated).
    pub generated_in_s: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TableInfo {
    pub name: String,
    pub rows: u64,
    pub bytes: u64,
}

impl DataInfo {
    pub fn rows(&self, table: &str) -> u64 {
        self.tables
            .iter()
            .find(|t| t.name == table)
            .map_or(0, |t| t.rows)
    }

    pub fn total_bytes(&self) -> u64 {
        self.tables.iter().map(|t| t.bytes).sum()
    }
}

/// The default cache: `$XDG_CACHE_HOME/searchlight/tpch` or `~/.cache/searchlight/tpch`.
pub fn default_cache() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("searchlight").join("tpch")
}

/// The folder of one scale factor: `sf1`, `sf0.1`, `sf10`.
pub fn scale_dir(cache: &Path, scale: f64) -> PathBuf {
    cache.join(format!("sf{scale}"))
}

/// The folder's marker, when it is complete and made by this generator.
pub fn cached(dir: &Path, scale: f64) -> Option<DataInfo> {
    let text = std::fs::read_to_string(dir.join(MARKER)).ok()?;
    let info: DataInfo = serde_json::from_str(&text).ok()?;
    let complete = info.generator == GENERATOR
        && info.scale == scale
        && TABLES
            .iter()
            .all(|table| dir.join(format!("{table}.parquet")).is_file());
    complete.then_some(info)
}

/// Generates every table at `scale` into `dir` (replacing whatever is there), two tables at a
/// time: lineitem on one thread, the others on a second.
pub fn generate(dir: &Path, scale: f64) -> anyhow::Result<DataInfo> {
    ensure!(scale > 0.0, "the scale factor must be positive");
    let parent = dir.parent().context("the data folder has no parent")?;
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let staging = parent.join(format!(
        ".{}.tmp-{}",
        dir.file_name()
            .map_or("tpch".into(), |n| n.to_string_lossy()),
        std::process::id()
    ));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    let started = Instant::now();
    let (lineitem, others) = std::thread::scope(|scope| {
        let lineitem = scope.spawn(|| write_table(&staging, "lineitem", scale));
        let others = scope.spawn(|| {
            TABLES[1..]
                .iter()
                .map(|table| write_table(&staging, table, scale))
                .collect::<anyhow::Result<Vec<_>>>()
        });
        (lineitem.join(), others.join())
    });
    let mut tables = vec![lineitem.map_err(|_| anyhow::anyhow!("lineitem panicked"))??];
    tables.extend(others.map_err(|_| anyhow::anyhow!("generation panicked"))??);
    let info = DataInfo {
        generator: GENERATOR.into(),
        scale,
        tables,
        generated_in_s: started.elapsed().as_secs_f64(),
    };
    std::fs::write(staging.join(MARKER), serde_json::to_string_pretty(&info)?)?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    std::fs::rename(&staging, dir)
        .with_context(|| format!("moving the data into {}", dir.display()))?;
    Ok(info)
}

/// The generator of one table as Arrow batches.
fn reader(table: &str, scale: f64) -> anyhow::Result<Box<dyn RecordBatchReader + Send>> {
    const BATCH: usize = 64 * 1024;
    Ok(match table {
        "lineitem" => {
            Box::new(LineItemArrow::new(LineItemGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "orders" => {
            Box::new(OrderArrow::new(OrderGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "partsupp" => {
            Box::new(PartSuppArrow::new(PartSuppGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "part" => Box::new(PartArrow::new(PartGenerator::new(scale, 1, 1)).with_batch_size(BATCH)),
        "customer" => {
            Box::new(CustomerArrow::new(CustomerGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "supplier" => {
            Box::new(SupplierArrow::new(SupplierGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "nation" => {
            Box::new(NationArrow::new(NationGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        "region" => {
            Box::new(RegionArrow::new(RegionGenerator::new(scale, 1, 1)).with_batch_size(BATCH))
        }
        other => bail!("no TPC-H table '{other}'"),
    })
}

/// The type a generated column is stored as: decimals as DOUBLE, INT32 as INT64.
fn stored_type(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Decimal128(..) | DataType::Decimal256(..) => DataType::Float64,
        DataType::Int32 => DataType::Int64,
        other => other.clone(),
    }
}

fn stored_schema(schema: &Schema) -> SchemaRef {
    Arc::new(Schema::new(
        schema
            .fields()
            .iter()
            .map(|field| {
                Field::new(
                    field.name(),
                    stored_type(field.data_type()),
                    field.is_nullable(),
                )
            })
            .collect::<Vec<_>>(),
    ))
}

fn convert(batch: &RecordBatch, schema: &SchemaRef) -> anyhow::Result<RecordBatch> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(column, field)| {
            if column.data_type() == field.data_type() {
                Ok(Arc::clone(column))
            } else {
                cast(column, field.data_type())
            }
        })
        .collect::<Result<Vec<ArrayRef>, _>>()?;
    Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
}

fn write_table(dir: &Path, table: &str, scale: f64) -> anyhow::Result<TableInfo> {
    let started = Instant::now();
    let reader = reader(table, scale)?;
    let schema = stored_schema(&reader.schema());
    let path = dir.join(format!("{table}.parquet"));
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(1024 * 1024))
        .build();
    let mut writer = ArrowWriter::try_new(file, Arc::clone(&schema), Some(properties))?;
    let mut rows = 0u64;
    for batch in reader {
        let batch = convert(&batch?, &schema)?;
        rows += batch.num_rows() as u64;
        writer.write(&batch)?;
    }
    writer.close()?;
    let bytes = std::fs::metadata(&path)?.len();
    eprintln!(
        "    {table:<9} {rows:>10} rows {:>8.1} MB in {:.1} s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(TableInfo {
        name: table.into(),
        rows,
        bytes,
    })
}
