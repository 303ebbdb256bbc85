//! Writing files: atomically (a temporary file renamed into place), Parquet with fixed writer
//! settings, and the dimension tables.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::Compression;
use datafusion::parquet::file::properties::WriterProperties;

use crate::calendar::epoch_days;
use crate::dims::{CATEGORIES, Customer, Product, REGIONS, Store, TIERS};

/// Rows per Parquet row group: several per yearly sales file, so scans can run in parallel
/// and skip row groups by date.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// The temporary name a file is written under before it is renamed into place.
pub fn temporary(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// Moves a finished temporary file into place.
pub fn commit(path: &Path) -> anyhow::Result<()> {
    std::fs::rename(temporary(path), path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes `bytes` to `path` through a temporary file.
pub fn atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    std::fs::write(temporary(path), bytes)
        .with_context(|| format!("cannot write {}", path.display()))?;
    commit(path)
}

/// A Parquet writer into the temporary file of `path`; [`commit`] it after closing.
pub fn parquet_writer(
    path: &Path,
    schema: SchemaRef,
) -> anyhow::Result<ArrowWriter<BufWriter<File>>> {
    let file = File::create(temporary(path))
        .with_context(|| format!("cannot create {}", path.display()))?;
    let properties = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    ArrowWriter::try_new(
        BufWriter::with_capacity(1 << 20, file),
        schema,
        Some(properties),
    )
    .with_context(|| format!("cannot write {}", path.display()))
}

/// Writes one batch as a whole Parquet file.
fn parquet_file(path: &Path, batch: &RecordBatch) -> anyhow::Result<()> {
    let mut writer = parquet_writer(path, batch.schema())?;
    writer
        .write(batch)
        .with_context(|| format!("cannot write {}", path.display()))?;
    writer
        .close()
        .with_context(|| format!("cannot write {}", path.display()))?;
    commit(path)
}

fn text<'a>(values: impl IntoIterator<Item = &'a str>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn int(values: impl IntoIterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(values))
}

fn float(values: impl IntoIterator<Item = f64>) -> ArrayRef {
    Arc::new(Float64Array::from_iter_values(values))
}

fn batch(fields: Vec<(&str, DataType)>, columns: Vec<ArrayRef>) -> anyhow::Result<RecordBatch> {
    let schema = Schema::new(
        fields
            .into_iter()
            .map(|(name, t)| Field::new(name, t, false))
            .collect::<Vec<_>>(),
    );
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

/// `data/products.parquet`.
pub fn products_parquet(data_dir: &Path, products: &[Product]) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("products.parquet");
    let batch = batch(
        vec![
            ("product_id", DataType::Int64),
            ("product_name", DataType::Utf8),
            ("category", DataType::Utf8),
            ("subcategory", DataType::Utf8),
            ("brand", DataType::Utf8),
            ("unit_price", DataType::Float64),
            ("unit_cost", DataType::Float64),
        ],
        vec![
            int(products.iter().map(|p| p.id)),
            text(products.iter().map(|p| p.name.as_str())),
            text(products.iter().map(|p| CATEGORIES[p.category].name)),
            text(products.iter().map(|p| p.subcategory)),
            text(products.iter().map(|p| p.brand)),
            float(products.iter().map(|p| p.unit_price)),
            float(products.iter().map(|p| p.unit_cost)),
        ],
    )?;
    parquet_file(&path, &batch)?;
    Ok(path)
}

/// `data/customers.parquet`.
pub fn customers_parquet(data_dir: &Path, customers: &[Customer]) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("customers.parquet");
    let batch = batch(
        vec![
            ("customer_id", DataType::Int64),
            ("customer_name", DataType::Utf8),
            ("loyalty_tier", DataType::Utf8),
            ("customer_since", DataType::Date32),
        ],
        vec![
            int(customers.iter().map(|c| c.id)),
            text(customers.iter().map(|c| c.name.as_str())),
            text(customers.iter().map(|c| TIERS[c.tier])),
            Arc::new(Date32Array::from_iter_values(
                customers.iter().map(|c| epoch_days(c.since)),
            )),
        ],
    )?;
    parquet_file(&path, &batch)?;
    Ok(path)
}

/// A CSV field, quoted when it needs to be.
fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

/// `data/stores.csv` (header row, ISO dates).
pub fn stores_csv(data_dir: &Path, stores: &[Store]) -> anyhow::Result<PathBuf> {
    let path = data_dir.join("stores.csv");
    let mut out = String::from("store_id,store_name,store_type,city,state,region,opened_date\n");
    for s in stores {
        let fields = [
            s.id.to_string(),
            csv_field(s.name),
            csv_field(s.store_type),
            csv_field(s.city),
            csv_field(s.state),
            csv_field(REGIONS[s.region]),
            s.opened.format("%Y-%m-%d").to_string(),
        ];
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    let mut file = BufWriter::new(
        File::create(temporary(&path))
            .with_context(|| format!("cannot create {}", path.display()))?,
    );
    file.write_all(out.as_bytes())
        .and_then(|()| file.flush())
        .with_context(|| format!("cannot write {}", path.display()))?;
    drop(file);
    commit(&path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("St. Louis"), "St. Louis");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn temporary_names_keep_the_folder() {
        assert_eq!(
            temporary(Path::new("/x/data/a.parquet")),
            PathBuf::from("/x/data/a.parquet.tmp")
        );
    }
}
