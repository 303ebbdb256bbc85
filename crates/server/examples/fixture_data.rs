//! Regenerates the data files of the test fixture model `tests/fixtures/retail/data/`:
//! `cargo run -p searchlight --example fixture_data`. The output is deterministic; the files
//! are committed so every test, the compatibility suite and a reader see the same data.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use datafusion::arrow::array::{
    ArrayRef, Date32Array, Float64Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;

/// A small linear congruential generator: deterministic without a dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> anyhow::Result<()> {
    let mut writer = ArrowWriter::try_new(File::create(path)?, batch.schema(), None)?;
    writer.write(batch)?;
    writer.close()?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/retail/data");
    std::fs::create_dir_all(&dir)?;

    // Stores (CSV): one store has no region.
    let stores = [
        (1, "Downtown", "Boston", Some("East")),
        (2, "Harbor", "Baltimore", Some("East")),
        (3, "Lakeside", "Chicago", Some("Central")),
        (4, "Riverside", "St. Louis", Some("Central")),
        (5, "Sunset", "Los Angeles", Some("West")),
        (6, "Pop-up", "Denver", None),
    ];
    let mut csv = String::from("store_id,store_name,city,region\n");
    for (id, name, city, region) in stores {
        csv.push_str(&format!("{id},{name},{city},{}\n", region.unwrap_or("")));
    }
    std::fs::write(dir.join("stores.csv"), csv)?;

    // Products (Parquet).
    let products = [
        (1, "Trail Shoe", "Footwear", 89.0),
        (2, "Road Shoe", "Footwear", 120.0),
        (3, "Rain Jacket", "Apparel", 150.0),
        (4, "Fleece", "Apparel", 60.0),
        (5, "Water Bottle", "Accessories", 15.5),
        (6, "Headlamp", "Accessories", 35.0),
    ];
    let schema = Arc::new(Schema::new(vec![
        Field::new("product_id", DataType::Int64, false),
        Field::new("product_name", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        Field::new("unit_price", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(products.iter().map(|p| p.0))) as ArrayRef,
            Arc::new(StringArray::from_iter_values(products.iter().map(|p| p.1))),
            Arc::new(StringArray::from_iter_values(products.iter().map(|p| p.2))),
            Arc::new(Float64Array::from_iter_values(products.iter().map(|p| p.3))),
        ],
    )?;
    write_parquet(&dir.join("products.parquet"), &batch)?;

    // Sales (Parquet): 300 orders from 2023-01-01 over 30 months.
    let mut rng = Lcg(20_251_122);
    let modes = ["AIR", "air", "Rail", "TRUCK", "Ship"];
    let statuses = [
        "complete",
        "complete",
        "complete",
        "complete",
        "cancelled",
        "test",
    ];
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
    let start = NaiveDate::from_ymd_opt(2023, 1, 1).expect("valid date");
    let rows = 300;
    let mut order_id = Vec::with_capacity(rows);
    let mut order_date = Vec::with_capacity(rows);
    let mut ship_time = Vec::with_capacity(rows);
    let mut store_id = Vec::with_capacity(rows);
    let mut product_id = Vec::with_capacity(rows);
    let mut ship_mode: Vec<Option<&str>> = Vec::with_capacity(rows);
    let mut status = Vec::with_capacity(rows);
    let mut quantity = Vec::with_capacity(rows);
    let mut revenue = Vec::with_capacity(rows);
    let mut discount: Vec<Option<f64>> = Vec::with_capacity(rows);
    for i in 0..rows {
        let day = start + Duration::days((i as i64 * 912 / rows as i64) + rng.below(3) as i64);
        let product = 1 + rng.below(products.len() as u64) as usize;
        let qty = 1 + rng.below(5) as i64;
        order_id.push(1000 + i as i64);
        order_date.push((day - epoch).num_days() as i32);
        let shipped = day
            .and_hms_opt(8 + rng.below(10) as u32, rng.below(60) as u32, 0)
            .expect("valid time")
            + Duration::days(1 + rng.below(4) as i64);
        ship_time.push(shipped.and_utc().timestamp_micros());
        store_id.push(1 + rng.below(stores.len() as u64) as i64);
        product_id.push(product as i64);
        ship_mode.push(if i % 17 == 5 {
            None
        } else {
            Some(modes[rng.below(modes.len() as u64) as usize])
        });
        status.push(statuses[rng.below(statuses.len() as u64) as usize]);
        quantity.push(qty);
        let price = products[product - 1].3;
        revenue.push((price * qty as f64 * 100.0).round() / 100.0);
        discount.push(if i % 7 == 3 {
            None
        } else {
            Some(rng.below(20) as f64 / 100.0)
        });
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new("order_date", DataType::Date32, false),
        Field::new(
            "ship_time",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        ),
        Field::new("store_id", DataType::Int64, false),
        Field::new("product_id", DataType::Int64, false),
        Field::new("ship_mode", DataType::Utf8, true),
        Field::new("status", DataType::Utf8, false),
        Field::new("quantity", DataType::Int64, false),
        Field::new("revenue", DataType::Float64, false),
        Field::new("discount", DataType::Float64, true),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(order_id)) as ArrayRef,
            Arc::new(Date32Array::from(order_date)),
            Arc::new(TimestampMicrosecondArray::from(ship_time)),
            Arc::new(Int64Array::from(store_id)),
            Arc::new(Int64Array::from(product_id)),
            Arc::new(StringArray::from(ship_mode)),
            Arc::new(StringArray::from(status)),
            Arc::new(Int64Array::from(quantity)),
            Arc::new(Float64Array::from(revenue)),
            Arc::new(Float64Array::from(discount)),
        ],
    )?;
    write_parquet(&dir.join("sales.parquet"), &batch)?;
    println!("wrote {}", dir.display());
    Ok(())
}
