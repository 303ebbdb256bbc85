//! The data files: determinism, row counts, NULLs, the date span, the marker.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Date32Type, Float64Type, Int64Type, TimestampMicrosecondType};
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use searchlight_demo::{MARKER_FILE, generate, is_generated};

use crate::{ROWS, SEED, generate_into, options};

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = File::open(path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .unwrap()
        .build()
        .unwrap();
    reader.map(|batch| batch.unwrap()).collect()
}

fn sales_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("data/sales"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    files.sort();
    files
}

fn days_to_date(days: i32) -> chrono::NaiveDate {
    chrono::NaiveDate::default() + chrono::Duration::days(i64::from(days))
}

#[test]
fn the_same_seed_gives_byte_identical_files() {
    let tmp = tempfile::tempdir().unwrap();
    let first = generate_into(&tmp.path().join("a"), ROWS, SEED);
    let second = generate_into(&tmp.path().join("b"), ROWS, SEED);
    assert_eq!(first.files.len(), second.files.len());
    for (a, b) in first
        .files
        .iter()
        .zip(&second.files)
        .chain(first.tml_files.iter().zip(&second.tml_files))
    {
        assert_eq!(a.file_name(), b.file_name());
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs between runs",
            a.display()
        );
    }

    // Generating again into the same folder gives the same bytes too.
    let again = generate_into(&tmp.path().join("a"), ROWS, SEED);
    for (a, b) in again.files.iter().zip(&second.files) {
        assert!(
            std::fs::read(a).unwrap() == std::fs::read(b).unwrap(),
            "{} differs after regenerating",
            a.display()
        );
    }

    let other = generate_into(&tmp.path().join("c"), ROWS, SEED + 1);
    let sales = |s: &searchlight_demo::DemoSummary| std::fs::read(s.files.last().unwrap()).unwrap();
    assert!(
        sales(&first) != sales(&other),
        "another seed gives other sales"
    );
    // The TML does not depend on the seed.
    for (a, b) in first.tml_files.iter().zip(&other.tml_files) {
        assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    }
}

#[test]
fn the_sales_have_the_rows_nulls_and_dates_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let summary = generate_into(dir, ROWS, SEED);
    assert_eq!(summary.rows, ROWS);

    let files = sales_files(dir);
    let names: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        [
            "sales_2022.parquet",
            "sales_2023.parquet",
            "sales_2024.parquet",
            "sales_2025.parquet"
        ]
    );

    let mut rows = 0;
    let mut rows_per_year = Vec::new();
    let mut nulls: BTreeMap<String, usize> = BTreeMap::new();
    let (mut min_date, mut max_date) = (i32::MAX, i32::MIN);
    let mut promo_codes = BTreeSet::new();
    let mut statuses = BTreeSet::new();
    let mut orders = BTreeSet::new();
    let mut revenue_by_month = [0.0f64; 12];
    for file in &files {
        let mut year_rows = 0;
        for batch in read_parquet(file) {
            year_rows += batch.num_rows();
            for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
                *nulls.entry(field.name().clone()).or_default() += column.null_count();
            }
            let dates = batch
                .column_by_name("order_date")
                .unwrap()
                .as_primitive::<Date32Type>();
            let revenue = batch
                .column_by_name("revenue")
                .unwrap()
                .as_primitive::<Float64Type>();
            for (date, revenue) in dates.values().iter().zip(revenue.values()) {
                min_date = min_date.min(*date);
                max_date = max_date.max(*date);
                revenue_by_month[chrono::Datelike::month0(&days_to_date(*date)) as usize] +=
                    revenue;
                assert!(*revenue >= 0.0);
            }
            let promo = batch
                .column_by_name("promo_code")
                .unwrap()
                .as_string::<i32>();
            promo_codes.extend(promo.iter().flatten().map(str::to_string));
            let status = batch
                .column_by_name("order_status")
                .unwrap()
                .as_string::<i32>();
            statuses.extend(status.iter().flatten().map(str::to_string));
            let ids = batch
                .column_by_name("order_id")
                .unwrap()
                .as_primitive::<Int64Type>();
            orders.extend(ids.values().iter().copied());
            let ship = batch
                .column_by_name("ship_timestamp")
                .unwrap()
                .as_primitive::<TimestampMicrosecondType>();
            for (ship, date) in ship.iter().zip(dates.values()) {
                if let Some(ship) = ship {
                    let ship_day = ship.div_euclid(86_400_000_000);
                    assert!(
                        (0..=8).contains(&(ship_day - i64::from(*date))),
                        "ships 0 to 8 days after the order"
                    );
                }
            }
        }
        rows_per_year.push(year_rows);
        rows += year_rows;
    }
    assert_eq!(rows, ROWS);
    assert!(
        rows_per_year.windows(2).all(|w| w[1] > w[0]),
        "sales grow every year: {rows_per_year:?}"
    );
    assert!(
        orders.len() * 3 / 2 < ROWS && orders.len() < ROWS,
        "orders have several lines"
    );

    // Four years: 2022-01-01 … 2025-12-31.
    assert!(
        days_to_date(min_date) <= chrono::NaiveDate::from_ymd_opt(2022, 1, 3).unwrap(),
        "{}",
        days_to_date(min_date)
    );
    assert!(
        days_to_date(max_date) >= chrono::NaiveDate::from_ymd_opt(2025, 12, 29).unwrap(),
        "{}",
        days_to_date(max_date)
    );
    assert!(days_to_date(max_date) <= chrono::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap());

    for column in [
        "customer_id",
        "customer_segment",
        "promo_code",
        "ship_timestamp",
    ] {
        assert!(nulls[column] > 0, "{column} has NULLs");
    }
    for column in [
        "order_id",
        "order_date",
        "revenue",
        "store_id",
        "product_id",
        "quantity",
    ] {
        assert_eq!(nulls[column], 0, "{column} has no NULLs");
    }
    assert!(
        nulls["promo_code"] > ROWS / 2,
        "most lines have no promo code"
    );
    assert!(
        nulls["customer_segment"] < ROWS / 10,
        "few segments are missing"
    );

    // Mixed case in one column.
    let upper = promo_codes
        .iter()
        .any(|c| c.chars().all(|ch| !ch.is_lowercase()));
    let lower = promo_codes
        .iter()
        .any(|c| c.chars().all(|ch| !ch.is_uppercase()));
    assert!(upper && lower, "{promo_codes:?}");
    assert_eq!(
        statuses,
        BTreeSet::from(["Cancelled", "Completed", "Returned", "Test"].map(String::from))
    );

    // Seasonality: December sells far more than January.
    assert!(
        revenue_by_month[11] > revenue_by_month[0] * 1.4,
        "{revenue_by_month:?}"
    );
}

#[test]
fn the_dimensions_are_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    generate_into(dir, ROWS, SEED);
    let stores = std::fs::read_to_string(dir.join("data/stores.csv")).unwrap();
    let mut lines = stores.lines();
    assert_eq!(
        lines.next(),
        Some("store_id,store_name,store_type,city,state,region,opened_date")
    );
    let stores: Vec<&str> = lines.collect();
    assert!(stores.len() >= 50, "{}", stores.len());
    assert!(
        stores.iter().all(|l| l.split(',').count() == 7),
        "no quoting needed"
    );
    let regions: BTreeSet<&str> = stores
        .iter()
        .map(|l| l.split(',').nth(5).unwrap())
        .collect();
    assert_eq!(
        regions,
        BTreeSet::from(["Central", "East", "South", "West"])
    );

    let products: usize = read_parquet(&dir.join("data/products.parquet"))
        .iter()
        .map(RecordBatch::num_rows)
        .sum();
    assert!(products >= 100, "{products}");
    let customers = read_parquet(&dir.join("data/customers.parquet"));
    let count: usize = customers.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(count, 500, "at least 500 customers");
    let names: BTreeSet<String> = customers
        .iter()
        .flat_map(|b| {
            b.column_by_name("customer_name")
                .unwrap()
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(names.len(), count, "customer names are unique");
}

#[test]
fn the_marker_decides_whether_to_generate_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let opts = options(2_000, SEED);
    assert!(!is_generated(dir, &opts));
    let summary = generate(dir, &opts).unwrap();
    assert!(is_generated(dir, &opts));
    assert!(
        is_generated(
            dir,
            &searchlight_demo::DemoOptions {
                progress: true,
                ..opts.clone()
            }
        ),
        "progress does not matter"
    );
    assert!(
        !is_generated(dir, &options(3_000, SEED)),
        "another row count"
    );
    assert!(
        !is_generated(dir, &options(2_000, SEED + 1)),
        "another seed"
    );
    assert!(!is_generated(&dir.join("elsewhere"), &opts));

    // No temporary files are left behind.
    let mut leftovers = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "tmp") {
                leftovers.push(path);
            }
        }
    }
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A truncated data file (an interrupted copy) or a missing TML file: generate again.
    let sales = summary.files.last().unwrap();
    let bytes = std::fs::read(sales).unwrap();
    std::fs::write(sales, &bytes[..bytes.len() / 2]).unwrap();
    assert!(!is_generated(dir, &opts));
    generate(dir, &opts).unwrap();
    assert!(is_generated(dir, &opts));
    std::fs::remove_file(&summary.tml_files[0]).unwrap();
    assert!(!is_generated(dir, &opts));
    generate(dir, &opts).unwrap();
    assert!(is_generated(dir, &opts));

    // An interrupted generation leaves no marker: generating starts by removing it.
    std::fs::remove_file(dir.join(MARKER_FILE)).unwrap();
    assert!(!is_generated(dir, &opts));
    std::fs::write(dir.join(MARKER_FILE), "{ not json").unwrap();
    assert!(!is_generated(dir, &opts));

    // A stray file in the sales folder would become part of the table: regenerating removes it.
    std::fs::write(dir.join("data/sales/old.parquet"), b"junk").unwrap();
    generate(dir, &opts).unwrap();
    assert!(!dir.join("data/sales/old.parquet").exists());

    // Bad options are refused, not panicked on.
    let err = generate(dir, &options(10, SEED)).unwrap_err();
    assert!(
        err.to_string().contains("at least") || err.to_string().contains("between"),
        "{err}"
    );
}
