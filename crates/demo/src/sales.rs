//! The sales fact table: one row per order line, one Parquet file per year
//! (`data/sales/sales_<year>.parquet`), rows in date order.
//!
//! Lines are first allotted to days ([`calendar::allot`]), which fixes every line's global
//! row number before anything is generated, so each year is generated independently (on its
//! own thread, with its own random stream) and the result does not depend on scheduling.
//! Orders have one to four lines; an order's ID is 1,000,000 plus the row number of its first
//! line.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context;
use chrono::{Datelike, NaiveDate};
use datafusion::arrow::array::{
    ArrayRef, Date32Builder, Float64Builder, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use indicatif::{ProgressBar, ProgressStyle};

use crate::DemoOptions;
use crate::calendar::{self, FIRST_YEAR, LAST_YEAR, epoch_days, thanksgiving};
use crate::dims::{Dimensions, Product, SEGMENTS, cents};
use crate::random::{Cumulative, Random};
use crate::write::{commit, parquet_writer, temporary};

/// The sales folder inside the data folder (the table's `db_table`).
pub const SALES_DIR: &str = "sales";

/// Rows handed to the Parquet writer at a time.
const BATCH_ROWS: usize = 32 * 1024;

/// Price level of each year relative to the products' current list prices.
const PRICE_LEVEL: [f64; 4] = [0.92, 0.955, 0.98, 1.0];

pub const SHIP_MODES: [&str; 4] = ["Standard Class", "Second Class", "First Class", "Same Day"];
const SHIP_MODE_SHARE: [f64; 4] = [0.58, 0.2, 0.16, 0.06];
const SHIP_MODE_SHARE_CORPORATE: [f64; 4] = [0.44, 0.22, 0.25, 0.09];

pub const STATUSES: [&str; 4] = ["Completed", "Returned", "Cancelled", "Test"];
const STATUS_SHARE: [f64; 4] = [0.947, 0.03, 0.019, 0.004];

const LINES_SHARE: [f64; 4] = [0.46, 0.28, 0.16, 0.1];

/// Share of orders by guests (no customer, no segment).
const GUEST_SHARE: f64 = 0.03;
/// Share of known customers' orders whose segment was not recorded.
const SEGMENT_MISSING: f64 = 0.012;

pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("order_id", DataType::Int64, false),
        Field::new("line_number", DataType::Int64, false),
        Field::new("order_date", DataType::Date32, false),
        Field::new(
            "ship_timestamp",
            DataType::Timestamp(TimeUnit::Microsecond, None),
            true,
        ),
        Field::new("ship_mode", DataType::Utf8, false),
        Field::new("store_id", DataType::Int64, false),
        Field::new("product_id", DataType::Int64, false),
        Field::new("customer_id", DataType::Int64, true),
        Field::new("customer_segment", DataType::Utf8, true),
        Field::new("quantity", DataType::Int64, false),
        Field::new("discount", DataType::Float64, false),
        Field::new("revenue", DataType::Float64, false),
        Field::new("cost", DataType::Float64, false),
        Field::new("profit", DataType::Float64, false),
        Field::new("order_status", DataType::Utf8, false),
        Field::new("promo_code", DataType::Utf8, true),
    ]))
}

/// A day's lines: which rows they are.
#[derive(Debug, Clone, Copy)]
struct DayPlan {
    date: NaiveDate,
    first_row: u64,
    rows: u64,
}

/// One year's file.
struct YearJob {
    year: i32,
    days: Vec<DayPlan>,
    rows: u64,
}

/// What every year's generation reads.
struct Shared<'a> {
    dims: &'a Dimensions,
    /// Product draws by `region * 12 + month0`.
    products: Vec<Cumulative>,
    customers: Cumulative,
    seed: u64,
    schema: SchemaRef,
    progress: ProgressBar,
}

/// Writes every year's sales file; returns the files in year order.
pub fn write_all(
    data_dir: &Path,
    dims: &Dimensions,
    options: &DemoOptions,
) -> anyhow::Result<Vec<PathBuf>> {
    let sales_dir = data_dir.join(SALES_DIR);
    std::fs::create_dir_all(&sales_dir)
        .with_context(|| format!("cannot create {}", sales_dir.display()))?;
    // The table is every Parquet file of the folder: leave nothing else there.
    for entry in std::fs::read_dir(&sales_dir)
        .with_context(|| format!("cannot read {}", sales_dir.display()))?
    {
        let path = entry?.path();
        let stale = path
            .extension()
            .is_some_and(|e| e == "parquet" || e == "tmp");
        if path.is_file() && stale {
            std::fs::remove_file(&path)
                .with_context(|| format!("cannot remove {}", path.display()))?;
        }
    }

    let jobs = plan(dims, options);
    let progress = if options.progress {
        ProgressBar::new(options.rows as u64)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{elapsed_precise}] [{wide_bar}] {human_pos}/{human_len} rows ({eta} left)",
    ) {
        progress.set_style(style.progress_chars("=> "));
    }
    progress.set_message("generating the demo sales");
    let shared = Shared {
        dims,
        products: (0..4 * 12)
            .map(|i| dims.product_table(i / 12, i % 12))
            .collect(),
        customers: dims.customer_table(),
        seed: options.seed,
        schema: schema(),
        progress: progress.clone(),
    };

    // Biggest years first, one year per task, as many threads as cores (at most one per year).
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(jobs[i].rows));
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, jobs.len().max(1));
    let next = AtomicUsize::new(0);
    let (next, order, jobs, shared, sales_dir) = (&next, &order, &jobs, &shared, &sales_dir);
    let results: Vec<(usize, anyhow::Result<PathBuf>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(move || {
                    let mut done = Vec::new();
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        let Some(&job) = order.get(k) else { break };
                        let result = write_year(sales_dir, &jobs[job], shared);
                        let failed = result.is_err();
                        done.push((job, result));
                        if failed {
                            // Stop the others soon: no more jobs are handed out.
                            next.store(order.len(), Ordering::Relaxed);
                            break;
                        }
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| {
                w.join().unwrap_or_else(|_| {
                    vec![(
                        usize::MAX,
                        Err(anyhow::anyhow!("a generator thread panicked")),
                    )]
                })
            })
            .collect()
    });
    progress.finish_and_clear();

    let mut files: Vec<(usize, PathBuf)> = Vec::with_capacity(jobs.len());
    for (job, result) in results {
        files.push((job, result?));
    }
    if files.len() != jobs.len() {
        anyhow::bail!("generating the sales stopped early");
    }
    files.sort_by_key(|(job, _)| *job);
    Ok(files.into_iter().map(|(_, path)| path).collect())
}

/// Allots the lines to days and groups the days by year.
fn plan(dims: &Dimensions, options: &DemoOptions) -> Vec<YearJob> {
    let days = calendar::days();
    let weights = calendar::day_weights(&days, options.seed, |day| {
        dims.stores.iter().map(|s| s.weight_on(day)).sum()
    });
    let counts = calendar::allot(options.rows as u64, &weights);
    let mut jobs: Vec<YearJob> = (FIRST_YEAR..=LAST_YEAR)
        .map(|year| YearJob {
            year,
            days: Vec::new(),
            rows: 0,
        })
        .collect();
    let mut row = 0u64;
    for (date, count) in days.into_iter().zip(counts) {
        let job = &mut jobs[(date.year() - FIRST_YEAR) as usize];
        job.days.push(DayPlan {
            date,
            first_row: row,
            rows: count,
        });
        job.rows += count;
        row += count;
    }
    jobs
}

/// Column builders for one batch.
struct Columns {
    order_id: Int64Builder,
    line_number: Int64Builder,
    order_date: Date32Builder,
    ship_timestamp: TimestampMicrosecondBuilder,
    ship_mode: StringBuilder,
    store_id: Int64Builder,
    product_id: Int64Builder,
    customer_id: Int64Builder,
    customer_segment: StringBuilder,
    quantity: Int64Builder,
    discount: Float64Builder,
    revenue: Float64Builder,
    cost: Float64Builder,
    profit: Float64Builder,
    order_status: StringBuilder,
    promo_code: StringBuilder,
    len: usize,
}

impl Columns {
    fn new() -> Self {
        let n = BATCH_ROWS + 8;
        Self {
            order_id: Int64Builder::with_capacity(n),
            line_number: Int64Builder::with_capacity(n),
            order_date: Date32Builder::with_capacity(n),
            ship_timestamp: TimestampMicrosecondBuilder::with_capacity(n),
            ship_mode: StringBuilder::with_capacity(n, n * 14),
            store_id: Int64Builder::with_capacity(n),
            product_id: Int64Builder::with_capacity(n),
            customer_id: Int64Builder::with_capacity(n),
            customer_segment: StringBuilder::with_capacity(n, n * 10),
            quantity: Int64Builder::with_capacity(n),
            discount: Float64Builder::with_capacity(n),
            revenue: Float64Builder::with_capacity(n),
            cost: Float64Builder::with_capacity(n),
            profit: Float64Builder::with_capacity(n),
            order_status: StringBuilder::with_capacity(n, n * 10),
            promo_code: StringBuilder::with_capacity(n, n * 3),
            len: 0,
        }
    }

    fn finish(&mut self, schema: &SchemaRef) -> anyhow::Result<RecordBatch> {
        let columns: Vec<ArrayRef> = vec![
            Arc::new(self.order_id.finish()),
            Arc::new(self.line_number.finish()),
            Arc::new(self.order_date.finish()),
            Arc::new(self.ship_timestamp.finish()),
            Arc::new(self.ship_mode.finish()),
            Arc::new(self.store_id.finish()),
            Arc::new(self.product_id.finish()),
            Arc::new(self.customer_id.finish()),
            Arc::new(self.customer_segment.finish()),
            Arc::new(self.quantity.finish()),
            Arc::new(self.discount.finish()),
            Arc::new(self.revenue.finish()),
            Arc::new(self.cost.finish()),
            Arc::new(self.profit.finish()),
            Arc::new(self.order_status.finish()),
            Arc::new(self.promo_code.finish()),
        ];
        self.len = 0;
        Ok(RecordBatch::try_new(Arc::clone(schema), columns)?)
    }
}

/// The order-level facts shared by an order's lines.
struct Order {
    id: i64,
    date: i32,
    ship: Option<i64>,
    ship_mode: usize,
    store: usize,
    region: usize,
    customer: Option<i64>,
    segment: Option<usize>,
    status: usize,
    discount: f64,
    promo: Option<String>,
}

fn write_year(sales_dir: &Path, job: &YearJob, shared: &Shared<'_>) -> anyhow::Result<PathBuf> {
    let path = sales_dir.join(format!("sales_{}.parquet", job.year));
    let mut writer = parquet_writer(&path, Arc::clone(&shared.schema))?;
    let mut random = Random::new(shared.seed, 0x5A1E_0000 + job.year as u64);
    let mut columns = Columns::new();
    let price_level = PRICE_LEVEL[(job.year - FIRST_YEAR).clamp(0, 3) as usize];
    let stores = &shared.dims.stores;

    for day in &job.days {
        if day.rows == 0 {
            continue;
        }
        let store_table = Cumulative::new(stores.iter().map(|s| s.weight_on(day.date)));
        let month0 = day.date.month0() as usize;
        let mut row = day.first_row;
        let end = day.first_row + day.rows;
        while row < end {
            let lines = (random.weighted(&LINES_SHARE) as u64 + 1).min(end - row);
            let order = new_order(&mut random, shared, &store_table, day.date, row);
            let table = &shared.products[order.region * 12 + month0];
            let mut chosen: [usize; 4] = [usize::MAX; 4];
            for line in 0..lines as usize {
                // Distinct products within an order (a few tries; rare repeats are fine).
                let mut product = table.draw(&mut random);
                for _ in 0..3 {
                    if !chosen[..line].contains(&product) {
                        break;
                    }
                    product = table.draw(&mut random);
                }
                chosen[line] = product;
                let p = &shared.dims.products[product];
                push_line(
                    &mut columns,
                    &order,
                    line as i64 + 1,
                    p,
                    quantity(&mut random, p, order.segment),
                    price_level,
                );
            }
            row += lines;
        }
        if columns.len >= BATCH_ROWS {
            let rows = columns.len as u64;
            writer
                .write(&columns.finish(&shared.schema)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            shared.progress.inc(rows);
        }
    }
    if columns.len > 0 {
        let rows = columns.len as u64;
        writer
            .write(&columns.finish(&shared.schema)?)
            .with_context(|| format!("cannot write {}", path.display()))?;
        shared.progress.inc(rows);
    }
    let finished = writer
        .close()
        .with_context(|| format!("cannot write {}", path.display()));
    if let Err(err) = finished {
        let _ = std::fs::remove_file(temporary(&path));
        return Err(err);
    }
    commit(&path)?;
    Ok(path)
}

fn new_order(
    random: &mut Random,
    shared: &Shared<'_>,
    stores: &Cumulative,
    date: NaiveDate,
    first_row: u64,
) -> Order {
    let store = stores.draw(random);
    let customer = if random.chance(GUEST_SHARE) {
        None
    } else {
        Some(shared.customers.draw(random))
    };
    let segment = customer.and_then(|c| {
        if random.chance(SEGMENT_MISSING) {
            None
        } else {
            Some(shared.dims.customers[c].segment)
        }
    });
    let corporate = segment.is_some_and(|s| SEGMENTS[s] == "Corporate");
    let ship_mode = random.weighted(if corporate {
        &SHIP_MODE_SHARE_CORPORATE
    } else {
        &SHIP_MODE_SHARE
    });
    let status = random.weighted(&STATUS_SHARE);
    let ship = match STATUSES[status] {
        "Cancelled" | "Test" => None,
        _ => Some(ship_time(random, date, ship_mode)),
    };
    let outlet = shared.dims.stores[store].store_type == "Outlet";
    let (discount, promo) = discount(random, date, outlet);
    Order {
        id: 1_000_000 + first_row as i64,
        date: epoch_days(date),
        ship,
        ship_mode,
        store,
        region: shared.dims.stores[store].region,
        customer: customer.map(|c| shared.dims.customers[c].id),
        segment,
        status,
        discount,
        promo,
    }
}

/// When an order shipped (microseconds since the epoch, UTC): days after the order by ship
/// mode (a day more in the December rush), during working hours.
fn ship_time(random: &mut Random, date: NaiveDate, ship_mode: usize) -> i64 {
    let (lo, hi) = match SHIP_MODES[ship_mode] {
        "Same Day" => (0, 0),
        "First Class" => (1, 2),
        "Second Class" => (2, 3),
        _ => (3, 6),
    };
    let rush = i64::from(date.month() == 12 && (10..=24).contains(&date.day()) && hi > 0);
    let days = i64::from(epoch_days(date)) + random.between(lo, hi) + rush;
    let seconds = if hi == 0 {
        random.between(13 * 3600, 21 * 3600 - 1)
    } else {
        random.between(7 * 3600, 20 * 3600 - 1)
    };
    (days * 86_400 + seconds) * 1_000_000
}

/// An order's discount and promo code (outlets discount more often). Codes are typed in by
/// people, so their case varies.
fn discount(random: &mut Random, date: NaiveDate, outlet: bool) -> (f64, Option<String>) {
    let thanks = thanksgiving(date.year());
    let since_thanks = (date - thanks).num_days();
    let (month, day) = (date.month(), date.day());
    let (chance, choices, weights, code): (f64, &[f64], &[f64], &str) =
        if (-1..=4).contains(&since_thanks) {
            (
                0.6,
                &[0.2, 0.25, 0.3, 0.4],
                &[0.3, 0.3, 0.25, 0.15],
                "BLACKFRIDAY",
            )
        } else if month == 12 && day >= 26 {
            (0.45, &[0.2, 0.3, 0.4], &[0.4, 0.4, 0.2], "YEAREND")
        } else if month == 1 && day <= 15 {
            (0.4, &[0.15, 0.2, 0.3], &[0.4, 0.4, 0.2], "NEWYEAR")
        } else {
            let code = match month {
                3..=5 => "SPRING",
                6..=8 => "SUMMER",
                9..=10 => "FALL",
                _ => "SAVE",
            };
            (0.16, &[0.05, 0.1, 0.15, 0.2], &[0.35, 0.35, 0.2, 0.1], code)
        };
    let chance = if outlet {
        (chance * 1.8).min(0.85)
    } else {
        chance
    };
    if !random.chance(chance) {
        return (0.0, None);
    }
    let discount = choices[random.weighted(weights)];
    if !random.chance(0.55) {
        return (discount, None);
    }
    let canonical = format!("{code}{}", (discount * 100.0).round() as i64);
    let typed = match random.weighted(&[0.8, 0.13, 0.07]) {
        0 => canonical,
        1 => canonical.to_lowercase(),
        _ => {
            let lower = canonical.to_lowercase();
            let mut chars = lower.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
    };
    (discount, Some(typed))
}

/// Units on a line: cheap things in multiples, expensive ones one at a time; corporate
/// buyers sometimes buy in bulk.
fn quantity(random: &mut Random, product: &Product, segment: Option<usize>) -> i64 {
    let (more, cap) = match product.unit_price {
        p if p < 20.0 => (0.55, 10),
        p if p < 60.0 => (0.35, 6),
        p if p < 200.0 => (0.15, 3),
        _ => (0.05, 2),
    };
    let mut units = 1;
    while units < cap && random.chance(more) {
        units += 1;
    }
    if segment.is_some_and(|s| SEGMENTS[s] == "Corporate") && random.chance(0.2) {
        units *= random.between(2, 5);
    }
    units
}

fn push_line(
    columns: &mut Columns,
    order: &Order,
    line: i64,
    product: &Product,
    units: i64,
    price_level: f64,
) {
    let gross = units as f64 * product.unit_price * price_level;
    let revenue = cents(gross * (1.0 - order.discount));
    let cost = cents(units as f64 * product.unit_cost * price_level);
    columns.order_id.append_value(order.id);
    columns.line_number.append_value(line);
    columns.order_date.append_value(order.date);
    columns.ship_timestamp.append_option(order.ship);
    columns.ship_mode.append_value(SHIP_MODES[order.ship_mode]);
    columns.store_id.append_value(order.store as i64 + 101);
    columns.product_id.append_value(product.id);
    columns.customer_id.append_option(order.customer);
    columns
        .customer_segment
        .append_option(order.segment.map(|s| SEGMENTS[s]));
    columns.quantity.append_value(units);
    columns.discount.append_value(order.discount);
    columns.revenue.append_value(revenue);
    columns.cost.append_value(cost);
    columns.profit.append_value(cents(revenue - cost));
    columns.order_status.append_value(STATUSES[order.status]);
    columns.promo_code.append_option(order.promo.as_deref());
    columns.len += 1;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plan_covers_every_row_once() {
        let dims = Dimensions::generate(3, 5_000);
        let options = DemoOptions {
            rows: 5_000,
            seed: 3,
            progress: false,
        };
        let jobs = plan(&dims, &options);
        assert_eq!(jobs.len(), 4);
        let mut next = 0;
        for job in &jobs {
            for day in &job.days {
                assert_eq!(day.first_row, next);
                next += day.rows;
            }
        }
        assert_eq!(next, 5_000);
        assert!(jobs[3].rows > jobs[0].rows, "sales grow");
    }

    #[test]
    fn promo_codes_vary_in_case() {
        let mut random = Random::new(1, 1);
        let codes: Vec<String> = (0..20_000)
            .filter_map(|_| discount(&mut random, calendar::ymd(2024, 4, 2), false).1)
            .collect();
        assert!(codes.iter().any(|c| c.chars().all(|ch| !ch.is_lowercase())));
        assert!(codes.iter().any(|c| c.starts_with("spring")));
        assert!(codes.iter().any(|c| c.starts_with("Spring")));
    }
}
