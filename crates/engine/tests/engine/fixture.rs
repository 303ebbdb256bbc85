//! A deterministic retail data set on disk and the sources over it.
//!
//! * `sales/` — the fact table, two Parquet files in a folder (4000 rows): DATE and
//!   DATE_TIME (milliseconds, no zone) columns spanning 2021–2025, NULLs everywhere,
//!   mixed-case text with blanks, a product id stored as INT32 and a discount stored as INT64
//!   but declared DOUBLE, keys that miss their dimension rows.
//! * `customers.csv` — CSV dimension (120 rows), LEFT OUTER joined.
//! * `products.parquet` — Parquet dimension (40 rows), INNER joined.
//! * `stores_*.parquet` — Parquet dimension behind a glob (two files, 10 rows), timestamps
//!   with a UTC zone; declared as `stores RIGHT OUTER sales` so the engine walks it
//!   backwards.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{Duration, NaiveDate};
use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch,
    StringArray, TimestampMicrosecondArray, TimestampMillisecondArray,
};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema, TimeUnit};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionContext};
use searchlight_catalog::files::{FileRoots, FileScope, canonical_or_absolute};
use searchlight_catalog::source::{
    ColumnBinding, FileFormat, JoinType, PhysicalColumn, SearchSource, SourceJoin, SourceTable,
    TableLocation,
};
use searchlight_search::{Aggregation, Bucket, DataType, ModelColumn, SourceModel};

pub const SALES_ROWS: usize = 4000;
pub const CUSTOMERS: i64 = 120;
pub const PRODUCTS: i64 = 40;
pub const STORES: i64 = 10;

/// splitmix64: small, fast and the same everywhere.
pub struct Random(u64);

impl Random {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

pub fn epoch() -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
}

fn days(date: NaiveDate) -> i32 {
    (date - epoch()).num_days() as i32
}

fn write_parquet(path: &Path, batches: &[RecordBatch]) {
    let file = std::fs::File::create(path).unwrap();
    let mut writer = ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for batch in batches {
        writer.write(batch).unwrap();
    }
    writer.close().unwrap();
}

/// The fact table's batch.
pub fn sales_batch(rows: usize, seed: u64) -> RecordBatch {
    let mut random = Random::new(seed);
    let first_day = NaiveDate::from_ymd_opt(2021, 1, 1).unwrap();
    let span = (NaiveDate::from_ymd_opt(2025, 12, 31).unwrap() - first_day).num_days() as u64 + 1;
    let channels: [Option<&str>; 10] = [
        Some("Online"),
        Some("online"),
        Some("ONLINE"),
        Some("Store"),
        Some("store"),
        Some("Phone"),
        Some("Online"),
        Some("  "),
        Some(""),
        None,
    ];
    let mut sale_id = Vec::new();
    let mut order_date = Vec::new();
    let mut ship_time = Vec::new();
    let mut customer_id = Vec::new();
    let mut product_id = Vec::new();
    let mut store_id = Vec::new();
    let mut quantity = Vec::new();
    let mut revenue = Vec::new();
    let mut discount = Vec::new();
    let mut channel = Vec::new();
    let mut is_return = Vec::new();
    for row in 0..rows {
        sale_id.push(row as i64 + 1);
        let day = first_day + Duration::days(random.below(span) as i64);
        order_date.push((!random.chance(2)).then(|| days(day)));
        let shipped = day
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
            + random.below(3 * 86_400) as i64 * 1000
            + random.below(1000) as i64;
        ship_time.push((!random.chance(3)).then_some(shipped));
        customer_id
            .push((!random.chance(1)).then(|| random.below(CUSTOMERS as u64 + 10) as i64 + 1));
        product_id.push(random.below(PRODUCTS as u64 + 5) as i32 + 1);
        store_id.push((!random.chance(2)).then(|| random.below(STORES as u64 + 2) as i64 + 1));
        let units = random.below(20) as i64 + 1;
        quantity.push((!random.chance(5)).then_some(units));
        let cents = units * (random.below(20_000) as i64 + 99);
        revenue.push((!random.chance(4)).then(|| cents as f64 / 100.0));
        discount.push(random.below(31) as i64);
        channel.push(*random.pick(&channels));
        is_return.push((!random.chance(2)).then(|| random.chance(10)));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("sale_id", ArrowType::Int64, false),
        Field::new("order_date", ArrowType::Date32, true),
        Field::new(
            "ship_time",
            ArrowType::Timestamp(TimeUnit::Millisecond, None),
            true,
        ),
        Field::new("customer_id", ArrowType::Int64, true),
        Field::new("product_id", ArrowType::Int32, false),
        Field::new("store_id", ArrowType::Int64, true),
        Field::new("quantity", ArrowType::Int64, true),
        Field::new("revenue", ArrowType::Float64, true),
        Field::new("discount", ArrowType::Int64, false),
        Field::new("channel", ArrowType::Utf8, true),
        Field::new("is_return", ArrowType::Boolean, true),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from(sale_id)),
        Arc::new(Date32Array::from(order_date)),
        Arc::new(TimestampMillisecondArray::from(ship_time)),
        Arc::new(Int64Array::from(customer_id)),
        Arc::new(Int32Array::from(product_id)),
        Arc::new(Int64Array::from(store_id)),
        Arc::new(Int64Array::from(quantity)),
        Arc::new(Float64Array::from(revenue)),
        Arc::new(Int64Array::from(discount)),
        Arc::new(StringArray::from(channel)),
        Arc::new(BooleanArray::from(is_return)),
    ];
    RecordBatch::try_new(schema, columns).unwrap()
}

/// The customers CSV text.
pub fn customers_csv() -> String {
    let mut random = Random::new(7);
    let names = [
        "Acme",
        "globex",
        "Initech",
        "umbrella",
        "Hooli",
        "stark",
        "Wayne",
        "wonka",
        "Tyrell",
        "Cyberdyne",
        "soylent",
        "Aperture",
    ];
    let regions = ["East", "east", "West", "WEST", "North", "South", ""];
    let segments = ["Consumer", "Corporate", "Home Office"];
    let mut text = String::from("customer_id,customer_name,region,segment,signup_date,vip\n");
    for id in 1..=CUSTOMERS {
        let name = format!("{} {}", names[(id as usize * 7) % names.len()], id);
        let region = random.pick(&regions);
        let segment = random.pick(&segments);
        let signup = if random.chance(5) {
            String::new()
        } else {
            let day = NaiveDate::from_ymd_opt(2018, 1, 1).unwrap()
                + Duration::days(random.below(7 * 365) as i64);
            day.format("%Y-%m-%d").to_string()
        };
        let vip = random.chance(25);
        text.push_str(&format!("{id},{name},{region},{segment},{signup},{vip}\n"));
    }
    text
}

pub fn products_batch() -> RecordBatch {
    let mut random = Random::new(11);
    let categories = ["Furniture", "Office Supplies", "Technology", "technology"];
    let mut id = Vec::new();
    let mut name = Vec::new();
    let mut category = Vec::new();
    let mut price = Vec::new();
    let mut launch = Vec::new();
    for product in 1..=PRODUCTS {
        id.push(product);
        name.push(format!(
            "{} {product}",
            random.pick(&["Chair", "desk", "Lamp", "pen", "Phone", "laptop"])
        ));
        category.push((!random.chance(5)).then(|| random.pick(&categories).to_string()));
        price.push((!random.chance(10)).then(|| (random.below(50_000) as f64) / 100.0));
        launch.push(days(
            NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()
                + Duration::days(random.below(2000) as i64),
        ));
    }
    let schema = Arc::new(Schema::new(vec![
        Field::new("product_id", ArrowType::Int64, false),
        Field::new("product_name", ArrowType::Utf8, false),
        Field::new("category", ArrowType::Utf8, true),
        Field::new("unit_price", ArrowType::Float64, true),
        Field::new("launch_date", ArrowType::Date32, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from(id)),
            Arc::new(StringArray::from(name)),
            Arc::new(StringArray::from(category)),
            Arc::new(Float64Array::from(price)),
            Arc::new(Date32Array::from(launch)),
        ],
    )
    .unwrap()
}

/// The stores, split in two batches (one per file).
pub fn stores_batches() -> Vec<RecordBatch> {
    let mut random = Random::new(13);
    let cities = ["Springfield", "springfield", "Shelbyville", "Ogdenville"];
    let schema = Arc::new(Schema::new(vec![
        Field::new("store_id", ArrowType::Int64, false),
        Field::new("store_name", ArrowType::Utf8, false),
        Field::new("city", ArrowType::Utf8, true),
        Field::new(
            "opened_at",
            ArrowType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            true,
        ),
        Field::new("size_sqft", ArrowType::Int64, true),
    ]));
    let mut batches = Vec::new();
    for half in [1..=5i64, 6..=STORES] {
        let mut id = Vec::new();
        let mut name = Vec::new();
        let mut city = Vec::new();
        let mut opened = Vec::new();
        let mut size = Vec::new();
        for store in half {
            id.push(store);
            name.push(format!("Store {store:02}"));
            city.push((!random.chance(10)).then(|| random.pick(&cities).to_string()));
            let instant = NaiveDate::from_ymd_opt(2015, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap()
                .and_utc()
                .timestamp_micros()
                + (random.below(9 * 365 * 86_400) as i64) * 1_000_000;
            opened.push(Some(instant));
            size.push(
                (!random.chance(10)).then(|| [1000i64, 2500, 4000][random.below(3) as usize]),
            );
        }
        batches.push(
            RecordBatch::try_new(
                Arc::clone(&schema),
                vec![
                    Arc::new(Int64Array::from(id)),
                    Arc::new(StringArray::from(name)),
                    Arc::new(StringArray::from(city)),
                    Arc::new(TimestampMicrosecondArray::from(opened).with_timezone("UTC")),
                    Arc::new(Int64Array::from(size)),
                ],
            )
            .unwrap(),
        );
    }
    batches
}

/// The files of the data set.
pub struct DataSet {
    pub dir: tempfile::TempDir,
}

impl DataSet {
    pub fn write() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("sales")).unwrap();
        let sales = sales_batch(SALES_ROWS, 42);
        let half = SALES_ROWS / 2;
        write_parquet(&root.join("sales/part-0.parquet"), &[sales.slice(0, half)]);
        write_parquet(
            &root.join("sales/part-1.parquet"),
            &[sales.slice(half, SALES_ROWS - half)],
        );
        // A file the folder listing must ignore.
        std::fs::write(root.join("sales/README.txt"), "not data").unwrap();
        std::fs::write(root.join("customers.csv"), customers_csv()).unwrap();
        write_parquet(&root.join("products.parquet"), &[products_batch()]);
        let stores = stores_batches();
        write_parquet(&root.join("stores_a.parquet"), &stores[..1]);
        write_parquet(&root.join("stores_b.parquet"), &stores[1..]);
        Self { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        canonical_or_absolute(&self.dir.path().join(name))
    }

    /// What the data set's tables may read: its folder, as connection folder and only root.
    pub fn scope(&self) -> FileScope {
        scope_of(self.dir.path())
    }

    /// A plain DataFusion context with the same files registered as `sales`, `customers`,
    /// `products` and `stores`, for the hand-written SQL.
    pub async fn reference(&self) -> SessionContext {
        let ctx = SessionContext::new();
        let folder = format!("{}/", self.path("sales").display());
        ctx.register_parquet("sales", &folder, ParquetReadOptions::default())
            .await
            .unwrap();
        let customers = Schema::new(vec![
            Field::new("customer_id", ArrowType::Int64, true),
            Field::new("customer_name", ArrowType::Utf8, true),
            Field::new("region", ArrowType::Utf8, true),
            Field::new("segment", ArrowType::Utf8, true),
            Field::new("signup_date", ArrowType::Date32, true),
            Field::new("vip", ArrowType::Boolean, true),
        ]);
        ctx.register_csv(
            "customers",
            self.path("customers.csv").to_str().unwrap(),
            CsvReadOptions::new().schema(&customers),
        )
        .await
        .unwrap();
        ctx.register_parquet(
            "products",
            self.path("products.parquet").to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
        ctx.register_parquet(
            "stores",
            self.path("stores_*.parquet").to_str().unwrap(),
            ParquetReadOptions::default(),
        )
        .await
        .unwrap();
        ctx
    }

    /// The worksheet over the four tables (progressive joins, no model filters).
    pub fn worksheet(&self) -> SearchSource {
        self.worksheet_with(Vec::new(), true, false)
    }

    pub fn worksheet_with(
        &self,
        filters: Vec<String>,
        progressive: bool,
        in_memory: bool,
    ) -> SearchSource {
        let files = |path: PathBuf, format: FileFormat| TableLocation::Files {
            path,
            format,
            in_memory,
            connection_id: "retail".to_owned(),
            scope: self.scope(),
        };
        let physical = |columns: &[(&str, DataType)]| -> Vec<PhysicalColumn> {
            columns
                .iter()
                .map(|(name, data_type)| PhysicalColumn {
                    physical_name: (*name).to_owned(),
                    data_type: *data_type,
                })
                .collect()
        };
        use DataType::*;
        let tables = vec![
            SourceTable {
                alias: "sales".into(),
                table_id: "t-sales".into(),
                name: "Sales".into(),
                location: files(self.path("sales"), FileFormat::Parquet),
                columns: physical(&[
                    ("sale_id", Integer),
                    ("order_date", Date),
                    ("ship_time", DateTime),
                    ("customer_id", Integer),
                    ("product_id", Integer),
                    ("store_id", Integer),
                    ("quantity", Integer),
                    ("revenue", Float),
                    ("discount", Float),
                    ("channel", Text),
                    ("is_return", Boolean),
                ]),
            },
            SourceTable {
                alias: "customers".into(),
                table_id: "t-customers".into(),
                name: "Customers".into(),
                location: files(self.path("customers.csv"), FileFormat::Csv),
                columns: physical(&[
                    ("customer_id", Integer),
                    ("customer_name", Text),
                    ("region", Text),
                    ("segment", Text),
                    ("signup_date", Date),
                    ("vip", Boolean),
                ]),
            },
            SourceTable {
                alias: "products".into(),
                table_id: "t-products".into(),
                name: "Products".into(),
                location: files(self.path("products.parquet"), FileFormat::Parquet),
                columns: physical(&[
                    ("product_id", Integer),
                    ("product_name", Text),
                    ("category", Text),
                    ("unit_price", Float),
                    ("launch_date", Date),
                ]),
            },
            SourceTable {
                alias: "stores".into(),
                table_id: "t-stores".into(),
                name: "Stores".into(),
                location: files(self.path("stores_*.parquet"), FileFormat::Parquet),
                columns: physical(&[
                    ("store_id", Integer),
                    ("store_name", Text),
                    ("city", Text),
                    ("opened_at", DateTime),
                    ("size_sqft", Integer),
                ]),
            },
        ];
        let columns: Vec<(ModelColumn, usize, &str)> = vec![
            (ModelColumn::attribute("Sale Id", Integer), 0, "sale_id"),
            (ModelColumn::attribute("Order Date", Date), 0, "order_date"),
            (
                ModelColumn::attribute("Ship Time", DateTime),
                0,
                "ship_time",
            ),
            (
                ModelColumn::measure("Quantity", Integer, Aggregation::Sum)
                    .with_synonyms(["Qty", "Units"]),
                0,
                "quantity",
            ),
            (
                ModelColumn::measure("Revenue", Float, Aggregation::Sum).with_synonyms(["Sales"]),
                0,
                "revenue",
            ),
            (
                ModelColumn::measure("Discount", Float, Aggregation::Average),
                0,
                "discount",
            ),
            (ModelColumn::attribute("Channel", Text), 0, "channel"),
            (ModelColumn::attribute("Is Return", Boolean), 0, "is_return"),
            (
                ModelColumn::attribute("Customer", Text).with_synonyms(["Client"]),
                1,
                "customer_name",
            ),
            (ModelColumn::attribute("Region", Text), 1, "region"),
            (ModelColumn::attribute("Segment", Text), 1, "segment"),
            (
                ModelColumn::attribute("Signup Date", Date).with_default_bucket(Bucket::Monthly),
                1,
                "signup_date",
            ),
            (ModelColumn::attribute("VIP", Boolean), 1, "vip"),
            (ModelColumn::attribute("Product", Text), 2, "product_name"),
            (ModelColumn::attribute("Category", Text), 2, "category"),
            (
                ModelColumn::measure("Unit Price", Float, Aggregation::Average),
                2,
                "unit_price",
            ),
            (
                ModelColumn::attribute("Launch Date", Date),
                2,
                "launch_date",
            ),
            (ModelColumn::attribute("Store", Text), 3, "store_name"),
            (ModelColumn::attribute("City", Text), 3, "city"),
            (
                ModelColumn::attribute("Store Opened", DateTime)
                    .with_default_bucket(Bucket::Yearly),
                3,
                "opened_at",
            ),
            (
                ModelColumn::measure("Store Size", Integer, Aggregation::None),
                3,
                "size_sqft",
            ),
            (
                ModelColumn::measure("Orders", Integer, Aggregation::Count),
                0,
                "sale_id",
            ),
            (
                ModelColumn::measure("Customer Count", Integer, Aggregation::CountDistinct),
                0,
                "customer_id",
            ),
        ];
        let bindings = columns
            .iter()
            .map(|(_, table, physical)| ColumnBinding {
                table: *table,
                physical_column: (*physical).to_owned(),
            })
            .collect();
        let model = SourceModel::new(columns.into_iter().map(|(column, _, _)| column).collect());
        let join = |left: usize, right: usize, on: (&str, &str), join_type| SourceJoin {
            left,
            right,
            on: vec![(on.0.to_owned(), on.1.to_owned())],
            join_type,
        };
        SearchSource {
            id: "ws-retail".into(),
            name: "Retail".into(),
            version: 1,
            model,
            bindings,
            tables,
            joins: vec![
                join(0, 1, ("customer_id", "customer_id"), JoinType::LeftOuter),
                join(0, 2, ("product_id", "product_id"), JoinType::Inner),
                join(3, 0, ("store_id", "store_id"), JoinType::RightOuter),
            ],
            root: 0,
            filters,
            progressive,
        }
    }
}

/// What a table whose files are in `folder` may read: the folder, as its connection's folder
/// and the only file root (as the catalog resolves a source).
pub fn scope_of(folder: &Path) -> FileScope {
    let folder = canonical_or_absolute(folder);
    FileScope::new(folder.clone(), FileRoots::new([folder]))
}

/// A single-table source over one file (for the behaviour tests); the file's folder is its
/// connection's folder and the only file root.
pub fn single_table_source(
    path: &Path,
    format: FileFormat,
    in_memory: bool,
    columns: &[(&str, &str, DataType, Option<Aggregation>)],
) -> SearchSource {
    let model = SourceModel::new(
        columns
            .iter()
            .map(|(display, _, data_type, aggregation)| match aggregation {
                Some(aggregation) => ModelColumn::measure(*display, *data_type, *aggregation),
                None => ModelColumn::attribute(*display, *data_type),
            })
            .collect(),
    );
    SearchSource {
        id: "t-single".into(),
        name: "Single".into(),
        version: 1,
        model,
        bindings: columns
            .iter()
            .map(|(_, physical, _, _)| ColumnBinding {
                table: 0,
                physical_column: (*physical).to_owned(),
            })
            .collect(),
        tables: vec![SourceTable {
            alias: "single".into(),
            table_id: "t-single".into(),
            name: "Single".into(),
            location: TableLocation::Files {
                path: canonical_or_absolute(path),
                format,
                in_memory,
                connection_id: "conn".into(),
                scope: scope_of(path.parent().unwrap_or(path)),
            },
            columns: columns
                .iter()
                .map(|(_, physical, data_type, _)| PhysicalColumn {
                    physical_name: (*physical).to_owned(),
                    data_type: *data_type,
                })
                .collect(),
        }],
        joins: Vec::new(),
        root: 0,
        filters: Vec::new(),
        progressive: true,
    }
}

pub fn write_parquet_file(path: &Path, batch: &RecordBatch) {
    write_parquet(path, std::slice::from_ref(batch));
}
