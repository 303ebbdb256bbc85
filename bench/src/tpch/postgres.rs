//! `tpch --source postgres` (issue 14): the same TPC-H model with its tables in PostgreSQL.
//! Every search runs over HTTP (the server pushes it down to PostgreSQL as one statement)
//! against (p) the benchmark's hand-written SQL sent straight to PostgreSQL with a driver
//! (sqlx), in one run.
//!
//! 1. The data: the cached Parquet files of the scale factor copied into the schema
//!    `tpch_sf<scale>` of the benchmark database (`SEARCHLIGHT_TEST_POSTGRES_URL`), with
//!    COPY, then ANALYZE; a schema that already holds every table with the right row count
//!    is reused.
//! 2. A server (SQLite store, answer cache off) imports the model over an `RDBMS_POSTGRES`
//!    connection to that schema.
//! 3. Each query's answer from `searchdata` must equal PostgreSQL's own answer to the SQL
//!    (rows, order, values) before anything is timed; then warm-up and timed rounds, each
//!    running every query on (a) and (p) in turn. Medians are reported.

use std::time::Instant;

use anyhow::{Context, bail, ensure};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast;
use datafusion::arrow::csv::WriterBuilder;
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use datafusion::prelude::{ParquetReadOptions, SessionContext};
use futures::StreamExt;
use serde::Serialize;
use serde_json::Value;
use sqlx::postgres::{PgPoolCopyExt, PgPoolOptions};
use sqlx::{AssertSqlSafe, PgPool, Row};

use super::compare::{Rows, compare};
use super::queries::Query;
use super::{
    Api, Options, data, ensure_data, import, median, model, ratio, selected, sql_details, verdict,
};
use crate::report::{duration_text, geomean, ms, thousands};
use crate::server::{RunningServer, StoreKind, login};

/// Issue 14's target: the server's time over PostgreSQL's own, on every query.
const MAX_A_OVER_P: f64 = 1.1;

/// The database the benchmark loads the tables into.
fn database_url() -> String {
    std::env::var("SEARCHLIGHT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

#[derive(Debug, Clone, Serialize)]
pub struct PostgresQuery {
    pub name: String,
    pub search: String,
    pub sql: String,
    pub kind: String,
    pub rows: usize,
    /// (a): wall clock at the client.
    pub searchdata_ms: f64,
    /// (a): the server's own time for the request.
    pub searchdata_server_ms: f64,
    /// (p): the SQL sent straight to PostgreSQL, every row fetched.
    pub postgres_ms: f64,
    pub a_over_p: f64,
    pub runs: [Vec<f64>; 3],
}

#[derive(Debug, Clone, Serialize)]
pub struct PostgresReport {
    pub scale: f64,
    pub schema: String,
    pub postgres: String,
    pub loaded_now: bool,
    pub load_ms: f64,
    pub runs: usize,
    pub warmup: usize,
    pub queries: Vec<PostgresQuery>,
    pub geomean_a_over_p: f64,
}

/// Runs the benchmark over PostgreSQL.
pub async fn run(options: &Options) -> anyhow::Result<PostgresReport> {
    ensure!(options.runs >= 1, "--runs must be at least 1");
    let queries = selected(options)?;
    let (dir, info, _) = ensure_data(options)?;
    let url = database_url();
    let schema = format!("tpch_sf{}", options.scale.to_string().replace('.', "_"));
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect(&url)
        .await
        .with_context(|| format!("connecting to {url} (scripts/ensure-postgres starts it)"))?;
    let started = Instant::now();
    let loaded_now = load(&pool, &dir, &info, &schema).await?;
    let load_ms = ms(started.elapsed());
    let version: String = sqlx::query_scalar("SELECT version()")
        .fetch_one(&pool)
        .await?;
    let postgres = version.split(" on ").next().unwrap_or(&version).to_owned();
    run_sql(&pool, &format!("SET search_path TO {schema}")).await?;

    eprintln!("==> Starting the server; importing the TPC-H model over PostgreSQL");
    let documents = model::postgres_documents(&url, &schema)?;
    let server = RunningServer::start_with(StoreKind::Sqlite, "", |config| {
        config.query_timeout_secs = 3600;
        config.answer_cache_mb = 0;
    })
    .await?;
    let api = Api {
        client: login(&server.base).await?,
        base: server.base.clone(),
    };
    let (worksheet, _) = import(&api, &documents).await?;

    eprintln!("==> Checking that searchdata and PostgreSQL agree");
    let mut expected = Vec::new();
    let mut mismatches = Vec::new();
    for query in &queries {
        let (_, a) = api.searchdata(&worksheet, query.search).await?;
        let columns = a.first().map_or(0, Vec::len);
        let p = answer(&pool, query.sql, columns).await?;
        let agree = compare(&a, &p);
        eprintln!(
            "    {:<18} {:>6} rows  {}",
            query.name,
            a.len(),
            if agree.is_ok() { "agree" } else { "DIFFER" }
        );
        if let Err(difference) = agree {
            mismatches.push(format!("{}: {difference}", query.name));
        }
        expected.push(a.len());
    }
    if !mismatches.is_empty() {
        bail!(
            "searchdata and PostgreSQL disagree, so nothing is timed:\n  {}",
            mismatches.join("\n  ")
        );
    }

    let rounds = options.warmup + options.runs;
    eprintln!(
        "==> Timing: {} warm-up and {} timed rounds of {} queries on each system",
        options.warmup,
        options.runs,
        queries.len()
    );
    let mut runs: Vec<[Vec<f64>; 3]> = vec![Default::default(); queries.len()];
    for round in 0..rounds {
        for (index, query) in queries.iter().enumerate() {
            let (a, _) = api.searchdata(&worksheet, query.search).await?;
            let p = time(&pool, query.sql).await?;
            if round >= options.warmup {
                runs[index][0].push(a.wall_ms);
                runs[index][1].push(a.server_ms);
                runs[index][2].push(p);
            }
        }
        eprintln!("    round {}/{rounds}", round + 1);
    }
    server.stop().await?;
    pool.close().await;

    let results: Vec<PostgresQuery> = queries
        .iter()
        .zip(expected)
        .zip(runs)
        .map(|((query, rows), runs)| result(query, rows, runs))
        .collect();
    let ratios: Vec<f64> = results.iter().map(|r| r.a_over_p).collect();
    Ok(PostgresReport {
        scale: options.scale,
        schema,
        postgres,
        loaded_now,
        load_ms,
        runs: options.runs,
        warmup: options.warmup,
        geomean_a_over_p: geomean(&ratios),
        queries: results,
    })
}

fn result(query: &Query, rows: usize, runs: [Vec<f64>; 3]) -> PostgresQuery {
    let (a, server, p) = (median(&runs[0]), median(&runs[1]), median(&runs[2]));
    PostgresQuery {
        name: query.name.into(),
        search: query.search.into(),
        sql: query.sql.into(),
        kind: query.kind.into(),
        rows,
        searchdata_ms: a,
        searchdata_server_ms: server,
        postgres_ms: p,
        a_over_p: a / p,
        runs,
    }
}

async fn run_sql(pool: &PgPool, sql: &str) -> anyhow::Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_owned()))
        .execute(pool)
        .await
        .with_context(|| format!("PostgreSQL: {sql}"))?;
    Ok(())
}

/// PostgreSQL's time for `sql`: sent, every row fetched.
async fn time(pool: &PgPool, sql: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    let rows = sqlx::query(AssertSqlSafe(sql.to_owned()))
        .fetch_all(pool)
        .await
        .with_context(|| format!("PostgreSQL: {sql}"))?;
    let elapsed = ms(started.elapsed());
    std::hint::black_box(rows);
    Ok(elapsed)
}

/// PostgreSQL's answer to `sql` (`columns` columns), normalised as searchdata's (dates as
/// epoch seconds). The columns are renamed `c0`, `c1` … so that two of the same name (two
/// `sum`s) stay two.
async fn answer(pool: &PgPool, sql: &str, columns: usize) -> anyhow::Result<Rows> {
    let names: Vec<String> = (0..columns).map(|i| format!("c{i}")).collect();
    let wrapped = if columns == 0 {
        format!("SELECT row_to_json(q)::text FROM ({sql}) q")
    } else {
        format!(
            "SELECT row_to_json(q)::text FROM ({sql}) q({})",
            names.join(", ")
        )
    };
    let rows = sqlx::query(AssertSqlSafe(wrapped))
        .fetch_all(pool)
        .await
        .with_context(|| format!("PostgreSQL: {sql}"))?;
    rows.iter()
        .map(|row| {
            let object: Value = serde_json::from_str(&row.try_get::<String, _>(0)?)?;
            let values = object.as_object().context("a row as a JSON object")?;
            Ok(values.values().map(normalised).collect())
        })
        .collect()
}

/// A date (`YYYY-MM-DD`) as the epoch seconds of its midnight UTC; anything else as it is.
fn normalised(value: &Value) -> Value {
    let Some(text) = value.as_str() else {
        return value.clone();
    };
    let parts: Vec<&str> = text.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => {
            match (y.parse::<i64>(), m.parse::<i64>(), d.parse::<i64>()) {
                (Ok(y), Ok(m), Ok(d)) => Value::from(days_from_civil(y, m, d) * 86_400),
                _ => value.clone(),
            }
        }
        _ => value.clone(),
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted = (month + 9) % 12;
    let day_of_year = (153 * shifted + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Copies the Parquet tables into `schema` unless it holds them already; whether it copied.
async fn load(
    pool: &PgPool,
    dir: &std::path::Path,
    info: &data::DataInfo,
    schema: &str,
) -> anyhow::Result<bool> {
    let mut complete = true;
    for table in &info.tables {
        let count: Option<i64> = sqlx::query_scalar(AssertSqlSafe(format!(
            "SELECT count(*) FROM {schema}.{}",
            table.name
        )))
        .fetch_one(pool)
        .await
        .ok();
        complete &= count == Some(table.rows as i64);
    }
    if complete {
        eprintln!("==> TPC-H in PostgreSQL: schema {schema} holds every table; reused");
        return Ok(false);
    }
    eprintln!("==> Copying TPC-H into PostgreSQL (schema {schema}; once, later runs reuse it)");
    run_sql(
        pool,
        &format!("DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"),
    )
    .await?;
    let ctx = SessionContext::new();
    for table in &info.tables {
        let started = Instant::now();
        let path = dir.join(format!("{}.parquet", table.name));
        ctx.register_parquet(
            &table.name,
            path.to_str().context("a UTF-8 path")?,
            ParquetReadOptions::default(),
        )
        .await?;
        let frame = ctx.table(table.name.as_str()).await?;
        let fields: Vec<Field> = frame
            .schema()
            .fields()
            .iter()
            .map(|field| {
                let data_type = match field.data_type() {
                    DataType::Utf8View | DataType::LargeUtf8 => DataType::Utf8,
                    other => other.clone(),
                };
                Field::new(field.name(), data_type, true)
            })
            .collect();
        let columns = fields
            .iter()
            .map(|field| {
                let sql_type = match field.data_type() {
                    DataType::Int64 => "bigint",
                    DataType::Int32 => "integer",
                    DataType::Float64 => "double precision",
                    DataType::Date32 => "date",
                    DataType::Utf8 => "text",
                    other => bail!(
                        "{}.{}: no PostgreSQL type for {other}",
                        table.name,
                        field.name()
                    ),
                };
                Ok(format!("{} {sql_type}", field.name()))
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        run_sql(
            pool,
            &format!(
                "CREATE TABLE {schema}.{} ({})",
                table.name,
                columns.join(", ")
            ),
        )
        .await?;
        let schema_ref = std::sync::Arc::new(Schema::new(fields));
        let mut copy = pool
            .copy_in_raw(&format!(
                "COPY {schema}.{} FROM STDIN (FORMAT csv, NULL '\\N')",
                table.name
            ))
            .await?;
        let mut stream = frame.execute_stream().await?;
        while let Some(batch) = stream.next().await {
            let batch = batch?;
            let columns = batch
                .columns()
                .iter()
                .zip(schema_ref.fields())
                .map(|(column, field)| cast(column, field.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            let batch = RecordBatch::try_new(schema_ref.clone(), columns)?;
            let mut csv = Vec::new();
            {
                let mut writer = WriterBuilder::new()
                    .with_header(false)
                    .with_null("\\N".to_owned())
                    .build(&mut csv);
                writer.write(&batch)?;
            }
            copy.send(csv).await?;
        }
        copy.finish().await?;
        eprintln!(
            "    {:<9} {:>10} rows  {}",
            table.name,
            thousands(table.rows as usize),
            duration_text(ms(started.elapsed()))
        );
    }
    run_sql(pool, &format!("ANALYZE; SET search_path TO {schema}")).await?;
    Ok(true)
}

/// The results as the Markdown section of BENCHMARKS.md.
pub fn markdown(report: &PostgresReport) -> String {
    let mut out = format!(
        "`bench/run tpch --source postgres`: TPC-H at scale factor {scale}, the benchmark's \
         Parquet files copied into {postgres} on this machine (schema `{schema}`, COPY then \
         ANALYZE{loaded}; the server's default settings, no indexes). Every query runs two \
         ways in one run:\n\n\
         - **(a)** `searchdata` over HTTP on 127.0.0.1 to a Searchlight server started in the \
         benchmark process (SQLite store, answer cache off), on the worksheet \"TPC-H Sales\" \
         of the same TML model as the other TPC-H sections, imported over an \
         `RDBMS_POSTGRES` connection: the server plans the search, sends it to PostgreSQL as \
         one statement and turns the rows into the COMPACT answer. Wall clock at the client \
         (\"server\" is the server's own `x-callosum-request-time-us`);\n\
         - **(p)** the benchmark's hand-written SQL for the same answer, sent straight to \
         PostgreSQL with a driver (sqlx, one connection), every row fetched.\n\n\
         Before anything was timed, each query's answer from (a) was checked to equal \
         PostgreSQL's answer to (p)'s SQL (rows, order, values within 1e-6). Then {warmup} \
         warm-up and {runs} timed rounds, each running every query on (a) then (p). Medians \
         of the timed rounds.\n\n\
         | # | Search (a) | Exercises | Rows | (a) searchdata | server | (p) PostgreSQL | a/p |\n\
         |---|---|---|---:|---:|---:|---:|---:|\n",
        scale = report.scale,
        postgres = report.postgres,
        schema = report.schema,
        loaded = if report.loaded_now {
            format!(": {} in this run", duration_text(report.load_ms))
        } else {
            ", done by an earlier run".to_owned()
        },
        warmup = report.warmup,
        runs = report.runs,
    );
    for (i, q) in report.queries.iter().enumerate() {
        let flag = if q.a_over_p > MAX_A_OVER_P {
            " ✗"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {n} | `{search}` | {kind} | {rows} | {a} | {server} | {p} | {ratio}{flag} |\n",
            n = i + 1,
            search = q.search,
            kind = q.kind,
            rows = thousands(q.rows),
            a = duration_text(q.searchdata_ms),
            server = duration_text(q.searchdata_server_ms),
            p = duration_text(q.postgres_ms),
            ratio = ratio(q.a_over_p),
        ));
    }
    out.push_str(&format!(
        "| | **geometric mean** | | | | | | **{}** |\n\n",
        ratio(report.geomean_a_over_p)
    ));
    let flags: Vec<(&str, bool)> = report
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q.a_over_p > MAX_A_OVER_P))
        .collect();
    out.push_str(&format!(
        "Target of issue 14: a/p ≤ {MAX_A_OVER_P} on every query: {}.\n\n",
        verdict(&flags)
    ));
    let queries: Vec<(&str, &str)> = report
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q.sql.as_str()))
        .collect();
    out.push_str(&sql_details(&queries, "(p)"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_epoch_seconds() {
        assert_eq!(normalised(&Value::from("1970-01-02")), Value::from(86_400));
        assert_eq!(
            normalised(&Value::from("1998-09-02")),
            Value::from(904_694_400)
        );
        assert_eq!(normalised(&Value::from("AIR")), Value::from("AIR"));
    }
}
