//! The TPC-H benchmark: `searchdata` against hand-written SQL in DataFusion and in DuckDB.
//!
//! 1. The data: TPC-H at a scale factor, generated once with `tpchgen` as Parquet and cached
//!    outside the repository ([`data`]), in a child process (so its memory is not counted).
//! 2. An in-process server (SQLite store) imports TML over the files ([`model`]): a
//!    LOCAL_FILES connection in memory mode, the eight tables, the "TPC-H Sales" worksheet and
//!    a pinboard of six visualizations. One search per table reads each into memory.
//! 3. Every query ([`queries`]) runs once on (a) `searchdata` over HTTP, (b) DataFusion and
//!    (c) DuckDB ([`baseline`], each a child process holding the same tables in memory); the
//!    three answers must agree ([`compare`]), as must each visualization of `pinboarddata`
//!    with `searchdata` of its query. Nothing is timed before that holds.
//! 4. Warm-up rounds, then timed rounds; each round runs every query on (a), (b) and (c) in
//!    turn, then `pinboarddata` once, so a change of background load touches all alike.
//!    Medians are reported.
//! 5. Dashboard reload ([`reload`], issue 17), after the main server stopped and its peak
//!    memory was read: a second server with the answer cache on, over a temporary folder of
//!    links to the same files, calls `pinboarddata` 21 times with no change of data (the
//!    median after the first is reported), then one table's link is replaced by a changed
//!    file; the next call must compute again and agree with DataFusion over the new files.
//!
//! The server runs in this process: its peak memory is this process's resident high-water
//! mark (`VmHWM`), reset just before the server starts, read after the last timed round.

mod baseline;
mod compare;
pub mod data;
mod model;
pub mod postgres;
mod queries;
mod reload;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use reqwest::Client;
use serde::Serialize;
use serde_json::Value;

use crate::report::{duration_text, geomean, ms, proc_status_kb, quantile, reset_peak_rss};
use crate::report::{server_ms, thousands};
use crate::server::{API, RunningServer, StoreKind, login};
use baseline::Baseline;
use compare::{Rows, compare};
use queries::{PRELOAD, QUERIES, Query};

pub use baseline::serve_datafusion;

/// The DuckDB side, run by the venv's Python.
const DUCKDB_SCRIPT: &str = include_str!("../../tpch_duckdb.py");

/// Issue 17's targets: the server's overhead over DataFusion on every query, and its time
/// against DuckDB's on every query and on their geometric mean.
const MAX_A_OVER_B: f64 = 1.1;
const MAX_A_OVER_C: f64 = 2.0;
const MAX_GEOMEAN_A_OVER_C: f64 = 0.8;
/// Issue 17's target when every system reads the Parquet files.
const MAX_GEOMEAN_A_OVER_C_PARQUET: f64 = 1.0;

/// The tables the worksheet joins (partsupp is imported but no search reads it).
const WORKSHEET_TABLES: [&str; 7] = [
    "lineitem", "orders", "customer", "nation", "region", "part", "supplier",
];

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// TPC-H scale factor (1: 6 million lineitem rows).
    #[arg(long, default_value_t = 1.0)]
    pub scale: f64,
    /// Where generated data is kept between runs, one folder per scale factor (default:
    /// ~/.cache/searchlight/tpch).
    #[arg(long, env = "SEARCHLIGHT_TPCH_CACHE")]
    pub cache: Option<PathBuf>,
    /// Timed runs of every query on each system; the median is reported.
    #[arg(long, default_value_t = 5)]
    pub runs: usize,
    /// Untimed rounds before the timed ones.
    #[arg(long, default_value_t = 1)]
    pub warmup: usize,
    /// A Python that has the `duckdb` package (bench/run makes bench/.venv from
    /// bench/requirements.txt).
    #[arg(long, default_value = "bench/.venv/bin/python")]
    pub python: PathBuf,
    /// Read the Parquet files on every query instead of holding the tables in memory: the
    /// server's connection without `in_memory`, DataFusion over Parquet tables, DuckDB over
    /// views of `read_parquet` (section `tpch-parquet` of BENCHMARKS.md).
    #[arg(long)]
    pub parquet: bool,
    /// Run only these queries (comma-separated names from bench/src/tpch/queries.rs).
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Where the server's tables are: the Parquet files, or the same tables copied into
    /// PostgreSQL (`SEARCHLIGHT_TEST_POSTGRES_URL`), timed against the SQL sent straight to
    /// PostgreSQL (section `tpch-postgres` of BENCHMARKS.md).
    #[arg(long, value_enum, default_value = "files")]
    pub source: Source,
}

/// Where the benchmark's tables are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Source {
    Files,
    Postgres,
}

/// The medians of one query.
#[derive(Debug, Clone, Serialize)]
pub struct QueryResult {
    pub name: String,
    pub search: String,
    pub sql: String,
    pub kind: String,
    pub rows: usize,
    /// (a): wall clock at the client.
    pub searchdata_ms: f64,
    /// (a): the server's own time for the request.
    pub searchdata_server_ms: f64,
    /// (b)
    pub datafusion_ms: f64,
    /// (c)
    pub duckdb_ms: f64,
    pub a_over_b: f64,
    pub a_over_c: f64,
    /// Every timed run: (a), (a) server side, (b), (c).
    pub runs: [Vec<f64>; 4],
}

#[derive(Debug, Clone, Serialize)]
pub struct PinboardResult {
    pub visualizations: Vec<(String, String)>,
    pub pinboarddata_ms: f64,
    pub pinboarddata_server_ms: f64,
    /// Sum and max of the visualizations' searchdata medians.
    pub sum_ms: f64,
    pub max_ms: f64,
    pub runs: Vec<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Memory {
    /// This process just before the server started (after the reset of the peak).
    pub before_server_kb: Option<u64>,
    /// Resident after the server read every worksheet table into memory.
    pub after_load_kb: Option<u64>,
    /// The peak (VmHWM) from the server's start to the end of the last timed round.
    pub server_peak_kb: Option<u64>,
    pub peak_was_reset: bool,
    pub datafusion_peak_kb: Option<u64>,
    pub duckdb_peak_kb: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub scale: f64,
    /// Tables read from the Parquet files by every query (`--parquet`), not held in memory.
    pub parquet: bool,
    pub data: data::DataInfo,
    pub data_dir: String,
    pub generated_now: bool,
    pub runs: usize,
    pub warmup: usize,
    pub datafusion: String,
    pub duckdb: String,
    /// Loading every worksheet table into memory: the server (one search per table, in
    /// order), DataFusion, DuckDB.
    pub server_load_ms: Vec<(String, f64)>,
    pub datafusion_load_ms: f64,
    pub duckdb_load_ms: f64,
    pub import_ms: f64,
    pub queries: Vec<QueryResult>,
    pub geomean_a_over_b: f64,
    pub geomean_a_over_c: f64,
    pub pinboard: PinboardResult,
    pub memory: Memory,
    pub dashboard_reload: reload::DashboardReload,
}

/// One timed request: client wall clock and the server's own time.
#[derive(Debug, Clone, Copy)]
struct Timed {
    wall_ms: f64,
    server_ms: f64,
}

/// The server, logged in.
struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn post(&self, endpoint: &str, form: &[(&str, &str)]) -> anyhow::Result<(Timed, Value)> {
        let request = self
            .client
            .post(format!("{}{API}/{endpoint}", self.base))
            .header("X-Requested-By", "ThoughtSpot")
            .form(form)
            .build()?;
        let started = Instant::now();
        let response = self.client.execute(request).await?;
        let server = server_ms(&response).unwrap_or(f64::NAN);
        let status = response.status();
        let body = response.bytes().await?;
        let wall = ms(started.elapsed());
        ensure!(
            status.is_success(),
            "{endpoint}: {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let value = serde_json::from_slice(&body)?;
        Ok((
            Timed {
                wall_ms: wall,
                server_ms: server,
            },
            value,
        ))
    }

    async fn searchdata(&self, worksheet: &str, search: &str) -> anyhow::Result<(Timed, Rows)> {
        let form = [
            ("query_string", search),
            ("data_source_guid", worksheet),
            ("formattype", "COMPACT"),
        ];
        let (timed, body) = self.post("searchdata", &form).await?;
        let rows: Rows = serde_json::from_value(body["data"].clone())
            .with_context(|| format!("searchdata {search}: no rows in the answer"))?;
        let total = body["totalRowCount"].as_u64().unwrap_or(0) as usize;
        ensure!(
            total == rows.len(),
            "searchdata {search}: {total} rows, {} returned (over the row cap?)",
            rows.len()
        );
        Ok((timed, rows))
    }

    async fn pinboarddata(&self, pinboard: &str) -> anyhow::Result<(Timed, Value)> {
        self.post(
            "pinboarddata",
            &[("id", pinboard), ("formattype", "COMPACT")],
        )
        .await
    }
}

fn median(values: &[f64]) -> f64 {
    quantile(values, 0.5)
}

/// The data folder, generated (by a child process) when it is not cached.
fn ensure_data(options: &Options) -> anyhow::Result<(PathBuf, data::DataInfo, bool)> {
    let cache = options.cache.clone().unwrap_or_else(data::default_cache);
    let dir = data::scale_dir(&cache, options.scale);
    if let Some(info) = data::cached(&dir, options.scale) {
        eprintln!("==> TPC-H SF{}: cached in {}", options.scale, dir.display());
        return Ok((dir, info, false));
    }
    eprintln!(
        "==> TPC-H SF{}: generating into {} (once; later runs reuse it)",
        options.scale,
        dir.display()
    );
    let status = Command::new(std::env::current_exe()?)
        .arg("tpch-generate")
        .arg("--scale")
        .arg(options.scale.to_string())
        .arg("--dir")
        .arg(&dir)
        .status()
        .context("running the generator")?;
    ensure!(status.success(), "generating the data failed ({status})");
    let info = data::cached(&dir, options.scale).context("the generator left no data")?;
    Ok((dir, info, true))
}

/// The queries to run.
fn selected(options: &Options) -> anyhow::Result<Vec<&'static Query>> {
    for name in &options.only {
        ensure!(
            QUERIES.iter().any(|q| q.name == name),
            "--only: no query named '{name}'"
        );
    }
    Ok(QUERIES
        .iter()
        .filter(|q| options.only.is_empty() || options.only.iter().any(|n| n == q.name))
        .collect())
}

/// Imports the TML; returns the worksheet's and the pinboard's GUIDs.
async fn import(api: &Api, documents: &[(String, String)]) -> anyhow::Result<(String, String)> {
    let texts: Vec<&str> = documents.iter().map(|(_, text)| text.as_str()).collect();
    let objects = serde_json::to_string(&texts)?;
    let (_, body) = api
        .post(
            "metadata/tml/import",
            &[
                ("import_objects", objects.as_str()),
                ("import_policy", "ALL_OR_NONE"),
            ],
        )
        .await?;
    let outcomes = body["object"].as_array().context("an import answer")?;
    let mut worksheet = None;
    let mut pinboard = None;
    for ((file, _), outcome) in documents.iter().zip(outcomes) {
        let response = &outcome["response"];
        let status = response["status"]["status_code"].as_str().unwrap_or("?");
        if status != "OK" {
            bail!(
                "importing {file}: {status}: {}",
                response["status"]["error_message"]
            );
        }
        let id = response["header"]["id_guid"].as_str().map(str::to_string);
        if file.ends_with(".worksheet.tml") {
            worksheet = id;
        } else if file.ends_with(".pinboard.tml") {
            pinboard = id;
        }
    }
    Ok((
        worksheet.context("the worksheet has no GUID")?,
        pinboard.context("the pinboard has no GUID")?,
    ))
}

/// The pinboard's rows per visualization id.
fn pinboard_rows(body: &Value) -> anyhow::Result<Vec<(String, Rows)>> {
    let object = body.as_object().context("a pinboarddata answer")?;
    object
        .iter()
        .map(|(id, viz)| {
            if let Some(error) = viz.get("error").and_then(Value::as_str) {
                bail!("visualization {id}: {error}");
            }
            Ok((id.clone(), serde_json::from_value(viz["data"].clone())?))
        })
        .collect()
}

/// Runs the benchmark.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    ensure!(options.runs >= 1, "--runs must be at least 1");
    let queries = selected(options)?;
    let (dir, info, generated_now) = ensure_data(options)?;
    let in_memory = !options.parquet;
    let documents = model::documents(&dir, in_memory)?;
    model::write(&dir.join("tml"), &documents)?;
    let tables: Vec<String> = WORKSHEET_TABLES.iter().map(|t| t.to_string()).collect();

    // ---- (a) the server -------------------------------------------------------------------
    let peak_was_reset = reset_peak_rss();
    let before_server_kb = proc_status_kb("VmRSS");
    eprintln!("==> Starting the server; importing the TPC-H model");
    let data_dir = dir.clone();
    let server = RunningServer::start_with(StoreKind::Sqlite, "", move |config| {
        config.file_roots = vec![data_dir];
        config.query_timeout_secs = 3600;
        // Every timed search is computed: the rounds repeat the same searches, which the
        // answer cache would otherwise answer without running them.
        config.answer_cache_mb = 0;
    })
    .await?;
    let api = Api {
        client: login(&server.base).await?,
        base: server.base.clone(),
    };
    let started = Instant::now();
    let (worksheet, pinboard) = import(&api, &documents).await?;
    let import_ms = ms(started.elapsed());

    eprintln!("==> Reading the worksheet's tables into the server's memory");
    let mut server_load_ms = Vec::new();
    for (table, search) in PRELOAD {
        let (timed, _) = api.searchdata(&worksheet, search).await?;
        eprintln!("    {table:<9} {}", duration_text(timed.wall_ms));
        server_load_ms.push((table.to_string(), timed.wall_ms));
    }
    let after_load_kb = proc_status_kb("VmRSS");

    eprintln!("==> Checking that the three systems agree");
    let mut expected: Vec<Rows> = Vec::new();
    for query in &queries {
        let (_, rows) = api.searchdata(&worksheet, query.search).await?;
        expected.push(rows);
    }
    let mut datafusion = Baseline::datafusion(&dir, &WORKSHEET_TABLES, in_memory)
        .await
        .context("the DataFusion baseline")?;
    let script = tempfile::Builder::new()
        .prefix("tpch_duckdb")
        .suffix(".py")
        .tempfile()?;
    std::fs::write(script.path(), DUCKDB_SCRIPT)?;
    let mut duckdb = {
        let mut command = Command::new(&options.python);
        command.arg(script.path());
        if !in_memory {
            command.arg("--views");
        }
        command.arg(&dir).args(&tables);
        Baseline::start(command).await.with_context(|| {
            format!(
                "the DuckDB baseline ({} needs the duckdb package: bench/run makes that venv)",
                options.python.display()
            )
        })?
    };
    let mut mismatches = Vec::new();
    for (query, rows) in queries.iter().zip(&expected) {
        let (_, b) = datafusion.result(query.sql).await?;
        let (_, c) = duckdb.result(query.sql).await?;
        let mut agree = true;
        for (system, got) in [("DataFusion", &b), ("DuckDB", &c)] {
            if let Err(difference) = compare(rows, got) {
                agree = false;
                mismatches.push(format!("{} ({system}): {difference}", query.name));
            }
        }
        eprintln!(
            "    {:<18} {:>6} rows  {}",
            query.name,
            rows.len(),
            if agree { "agree" } else { "DIFFER" }
        );
    }
    let visualizations = model::pinboard_visualizations();
    let (_, body) = api.pinboarddata(&pinboard).await?;
    let answered = pinboard_rows(&body)?;
    for (id, viz_guid, query) in &visualizations {
        let position = queries.iter().position(|q| q.name == query.name);
        let viz = answered.iter().find(|(viz, _)| viz == viz_guid);
        match (position, viz) {
            (Some(position), Some((_, rows))) => {
                if let Err(difference) = compare(&expected[position], rows) {
                    mismatches.push(format!("pinboarddata {id} ({}): {difference}", query.name));
                }
            }
            (_, None) => mismatches.push(format!("pinboarddata: no visualization {id}")),
            (None, _) => {}
        }
    }
    if !mismatches.is_empty() {
        bail!(
            "the systems disagree, so nothing is timed:\n  {}",
            mismatches.join("\n  ")
        );
    }
    let pinboard_complete = visualizations
        .iter()
        .all(|(_, _, q)| queries.iter().any(|selected| selected.name == q.name));

    // ---- timing ---------------------------------------------------------------------------
    let rounds = options.warmup + options.runs;
    eprintln!(
        "==> Timing: {} warm-up and {} timed rounds of {} queries on each system",
        options.warmup,
        options.runs,
        queries.len()
    );
    let mut runs: Vec<[Vec<f64>; 4]> = vec![Default::default(); queries.len()];
    let mut pinboard_runs = Vec::new();
    let mut pinboard_server = Vec::new();
    for round in 0..rounds {
        let timed = round >= options.warmup;
        for (index, query) in queries.iter().enumerate() {
            let (a, _) = api.searchdata(&worksheet, query.search).await?;
            let b = datafusion.time(query.sql).await?;
            let c = duckdb.time(query.sql).await?;
            if timed {
                let r = &mut runs[index];
                r[0].push(a.wall_ms);
                r[1].push(a.server_ms);
                r[2].push(b);
                r[3].push(c);
            }
        }
        if pinboard_complete {
            let (p, _) = api.pinboarddata(&pinboard).await?;
            if timed {
                pinboard_runs.push(p.wall_ms);
                pinboard_server.push(p.server_ms);
            }
        }
        eprintln!(
            "    round {}/{rounds}{}",
            round + 1,
            if timed { "" } else { " (warm-up)" }
        );
    }
    let server_peak_kb = proc_status_kb("VmHWM");
    let datafusion_peak_kb = datafusion.peak_rss_kb().await?;
    let duckdb_peak_kb = duckdb.peak_rss_kb().await?;
    let (datafusion_engine, datafusion_load_ms) = (datafusion.engine.clone(), datafusion.load_ms);
    let (duckdb_engine, duckdb_load_ms) = (duckdb.engine.clone(), duckdb.load_ms);
    datafusion.finish()?;
    duckdb.finish()?;
    server.stop().await?;

    // ---- dashboard reload (after the peak memory was read, so it is not in it) -------------
    let dashboard_reload = reload::measure(&dir, in_memory).await?;

    let results: Vec<QueryResult> = queries
        .iter()
        .zip(&expected)
        .zip(runs)
        .map(|((query, rows), runs)| {
            let (a, server, b, c) = (
                median(&runs[0]),
                median(&runs[1]),
                median(&runs[2]),
                median(&runs[3]),
            );
            QueryResult {
                name: query.name.into(),
                search: query.search.into(),
                sql: query.sql.into(),
                kind: query.kind.into(),
                rows: rows.len(),
                searchdata_ms: a,
                searchdata_server_ms: server,
                datafusion_ms: b,
                duckdb_ms: c,
                a_over_b: a / b,
                a_over_c: a / c,
                runs,
            }
        })
        .collect();
    let viz_medians: Vec<f64> = visualizations
        .iter()
        .filter_map(|(_, _, q)| results.iter().find(|r| r.name == q.name))
        .map(|r| r.searchdata_ms)
        .collect();
    let pinboard = PinboardResult {
        visualizations: visualizations
            .iter()
            .map(|(id, _, q)| (id.clone(), q.search.to_string()))
            .collect(),
        pinboarddata_ms: median(&pinboard_runs),
        pinboarddata_server_ms: median(&pinboard_server),
        sum_ms: viz_medians.iter().sum(),
        max_ms: viz_medians.iter().copied().fold(f64::NAN, f64::max),
        runs: pinboard_runs,
    };
    let a_over_b: Vec<f64> = results.iter().map(|r| r.a_over_b).collect();
    let a_over_c: Vec<f64> = results.iter().map(|r| r.a_over_c).collect();
    Ok(Report {
        parquet: options.parquet,
        scale: options.scale,
        data: info,
        data_dir: dir.display().to_string(),
        generated_now,
        runs: options.runs,
        warmup: options.warmup,
        datafusion: datafusion_engine,
        duckdb: duckdb_engine,
        server_load_ms,
        datafusion_load_ms,
        duckdb_load_ms,
        import_ms,
        geomean_a_over_b: geomean(&a_over_b),
        geomean_a_over_c: geomean(&a_over_c),
        queries: results,
        pinboard,
        memory: Memory {
            before_server_kb,
            after_load_kb,
            server_peak_kb,
            peak_was_reset,
            datafusion_peak_kb,
            duckdb_peak_kb,
        },
        dashboard_reload,
    })
}

/// The `tpch-generate` command: generates the data of one scale factor into `dir`.
pub fn generate(scale: f64, dir: &Path) -> anyhow::Result<()> {
    let info = data::generate(dir, scale)?;
    eprintln!(
        "    {:.1} MB in {:.0} s",
        info.total_bytes() as f64 / 1e6,
        info.generated_in_s
    );
    Ok(())
}

fn gib(kb: Option<u64>) -> String {
    kb.map_or("?".into(), |kb| {
        format!("{:.2} GiB", kb as f64 / 1_048_576.0)
    })
}

fn ratio(value: f64) -> String {
    if value.is_nan() {
        "–".into()
    } else {
        format!("{value:.2}")
    }
}

/// The results as the Markdown section of BENCHMARKS.md.
pub fn markdown(report: &Report) -> String {
    let lineitem = report.data.rows("lineitem");
    let worksheet_bytes: u64 = report
        .data
        .tables
        .iter()
        .filter(|t| WORKSHEET_TABLES.contains(&t.name.as_str()))
        .map(|t| t.bytes)
        .sum();
    let worksheet_rows: u64 = WORKSHEET_TABLES.iter().map(|t| report.data.rows(t)).sum();
    let mut out = format!(
        "`bench/run tpch`: TPC-H at scale factor {scale} ({lineitem} lineitem rows; the seven \
         tables of the worksheet hold {rows} rows, {mb:.0} MB of Parquet), generated once \
         with `tpchgen` and cached in `{dir}`. Every query runs three ways on the same files, \
         {mode}:\n\n\
         - **(a)** `searchdata` over HTTP on 127.0.0.1 to a Searchlight server started in \
         the benchmark process (SQLite store), on the worksheet \"TPC-H Sales\" of an imported \
         TML model whose LOCAL_FILES connection has `in_memory: {in_memory}`, with the answer \
         cache off (`answer_cache_mb = 0`: every search is computed). Wall clock at the \
         client, from sending the request to the last byte of the COMPACT answer (the \
         \"server\" column is the server's own `x-callosum-request-time-us`);\n\
         - **(b)** the equivalent hand-written SQL in {datafusion} in a child process \
         ({b_tables}, target partitions = cores, as the engine's session): SQL text in, every \
         row collected, planning included;\n\
         - **(c)** the same SQL in {duckdb} (PyPI, in bench/.venv) in a child process, \
         {c_tables}: SQL in, `fetchall()` done.\n\n\
         Before anything was timed, every query's three answers were checked to agree (row \
         count, order, every value; numbers within 1e-6 relative), and each visualization of \
         `pinboarddata` against `searchdata` of its query. Then {warmup} warm-up and {runs} \
         timed rounds; a round runs every query on (a), (b), (c) in turn, then \
         `pinboarddata` once, so background load touches all three alike. Medians of the \
         timed rounds.\n\n",
        scale = report.scale,
        mode = if report.parquet {
            "each system reading the Parquet files on every query (nothing held in memory \
             but what the systems cache themselves)"
        } else {
            "each system holding the tables in memory (all columns)"
        },
        in_memory = !report.parquet,
        b_tables = if report.parquet {
            "the files registered as Parquet tables"
        } else {
            "MemTables read from the same files"
        },
        c_tables = if report.parquet {
            "each table a view over `read_parquet` of its file"
        } else {
            "the files loaded into DuckDB tables"
        },
        lineitem = thousands(lineitem as usize),
        rows = thousands(worksheet_rows as usize),
        mb = worksheet_bytes as f64 / 1e6,
        dir = report.data_dir,
        datafusion = report.datafusion,
        duckdb = report.duckdb,
        warmup = report.warmup,
        runs = report.runs,
    );
    out.push_str(
        "| # | Search (a) | Exercises | Rows | (a) searchdata | server | (b) DataFusion | (c) DuckDB | a/b | a/c |\n\
         |---|---|---|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for (i, q) in report.queries.iter().enumerate() {
        let flag = if q.a_over_b > MAX_A_OVER_B {
            " ✗"
        } else {
            ""
        };
        let slow = if q.a_over_c > MAX_A_OVER_C {
            " ✗"
        } else {
            ""
        };
        out.push_str(&format!(
            "| {n} | `{search}` | {kind} | {rows} | {a} | {server} | {b} | {c} | {ab}{flag} | {ac}{slow} |\n",
            n = i + 1,
            search = q.search,
            kind = q.kind,
            rows = thousands(q.rows),
            a = duration_text(q.searchdata_ms),
            server = duration_text(q.searchdata_server_ms),
            b = duration_text(q.datafusion_ms),
            c = duration_text(q.duckdb_ms),
            ab = ratio(q.a_over_b),
            ac = ratio(q.a_over_c),
        ));
    }
    out.push_str(&format!(
        "| | **geometric mean** | | | | | | | **{}** | **{}** |\n\n",
        ratio(report.geomean_a_over_b),
        ratio(report.geomean_a_over_c)
    ));
    let listed = |over: &dyn Fn(&QueryResult) -> bool| -> String {
        let flags: Vec<(&str, bool)> = report
            .queries
            .iter()
            .map(|q| (q.name.as_str(), over(q)))
            .collect();
        verdict(&flags)
    };
    let ab_target = listed(&|q| q.a_over_b > MAX_A_OVER_B);
    let ac_each = listed(&|q| q.a_over_c > MAX_A_OVER_C);
    if report.parquet {
        let ac_target = if report.geomean_a_over_c <= MAX_GEOMEAN_A_OVER_C_PARQUET {
            "**met**"
        } else {
            "**not met**"
        };
        out.push_str(&format!(
            "Target of issue 17 (Parquet mode, answer cache off, this 2-core machine): \
             geometric mean of a/c ≤ {MAX_GEOMEAN_A_OVER_C_PARQUET}: {ac_target} ({}). \
             (For reference, the memory mode's per-query targets: a/b ≤ {MAX_A_OVER_B}: \
             {ab_target}; a/c ≤ {MAX_A_OVER_C}: {ac_each}.)\n\n",
            ratio(report.geomean_a_over_c)
        ));
    } else {
        let ac_target = if report.geomean_a_over_c <= MAX_GEOMEAN_A_OVER_C {
            "**met**"
        } else {
            "**not met**"
        };
        out.push_str(&format!(
            "Targets of issue 17 (SF1, memory mode, answer cache off, this 2-core machine): a/b \
             ≤ {MAX_A_OVER_B} on every query: {ab_target}; a/c ≤ {MAX_A_OVER_C} on every \
             query: {ac_each}; geometric mean of a/c ≤ {MAX_GEOMEAN_A_OVER_C}: {ac_target} \
             ({}).\n\n",
            ratio(report.geomean_a_over_c)
        ));
    }

    let p = &report.pinboard;
    out.push_str(&format!(
        "**pinboarddata** (issue 5): the pinboard \"{}\" has {} visualizations over the \
         worksheet ({}); all of them in one call, median {} (server {}), against {} for the \
         sum and {} for the max of the same visualizations' `searchdata` medians above \
         (ratio to the max {}, to the sum {}).\n\n",
        model::PINBOARD_NAME,
        p.visualizations.len(),
        p.visualizations
            .iter()
            .map(|(_, search)| format!("`{search}`"))
            .collect::<Vec<_>>()
            .join(", "),
        duration_text(p.pinboarddata_ms),
        duration_text(p.pinboarddata_server_ms),
        duration_text(p.sum_ms),
        duration_text(p.max_ms),
        ratio(p.pinboarddata_ms / p.max_ms),
        ratio(p.pinboarddata_ms / p.sum_ms),
    ));
    out.push_str(&reload::markdown(&report.dashboard_reload));

    let m = &report.memory;
    let load: Vec<String> = report
        .server_load_ms
        .iter()
        .map(|(table, ms)| format!("{table} {}", duration_text(*ms)))
        .collect();
    let server_load: f64 = report.server_load_ms.iter().map(|(_, ms)| ms).sum();
    out.push_str(&format!(
        "**Memory.** The server's peak: {peak} — the resident high-water mark (`VmHWM` of \
         /proc/self/status) of the benchmark process, whose only large occupant is the \
         in-process server: the mark was {reset} just before the server started (the process \
         then held {before}), and read after the last timed round, so it covers the import, \
         the first search of each table{reading}, and every search and pinboard call (data \
         generation and the two baselines run in child processes and are not in it). \
         Resident after those first searches: {after}. For comparison, the baselines' own \
         peaks: DataFusion {df}, DuckDB {duck} (`VmHWM`, `ru_maxrss`).\n\n",
        reading = if report.parquet {
            ""
        } else {
            " (which reads it into memory)"
        },
        peak = gib(m.server_peak_kb),
        reset = if m.peak_was_reset {
            "reset (`clear_refs`)"
        } else {
            "**not** reset (no /proc/self/clear_refs: it covers the process's whole life)"
        },
        before = gib(m.before_server_kb),
        after = gib(m.after_load_kb),
        df = gib(m.datafusion_peak_kb),
        duck = gib(m.duckdb_peak_kb),
    ));
    out.push_str(&format!(
        "**Loading.** TML import {import}. {what}: the server {server} (the first search of \
         each table: {load}), DataFusion {df}, DuckDB {duck}.\n\n",
        what = if report.parquet {
            "Opening the tables (nothing is read into memory)"
        } else {
            "Reading the tables into memory"
        },
        import = duration_text(report.import_ms),
        server = duration_text(server_load),
        load = load.join(", "),
        df = duration_text(report.datafusion_load_ms),
        duck = duration_text(report.duckdb_load_ms),
    ));

    let queries: Vec<(&str, &str)> = report
        .queries
        .iter()
        .map(|q| (q.name.as_str(), q.sql.as_str()))
        .collect();
    out.push_str(&sql_details(&queries, "(b) and (c)"));
    out
}

/// Whether a per-query target is met, given each query's name and whether it misses it:
/// "**met**", or which queries miss it (marked ✗ in the table).
fn verdict(queries: &[(&str, bool)]) -> String {
    let names: Vec<String> = queries
        .iter()
        .enumerate()
        .filter(|(_, (_, misses))| *misses)
        .map(|(i, (name, _))| format!("#{} {name}", i + 1))
        .collect();
    if names.is_empty() {
        "**met**".to_string()
    } else {
        format!(
            "**not met** on {} of {} queries ({}, marked ✗)",
            names.len(),
            queries.len(),
            names.join(", ")
        )
    }
}

/// The folded table of each query's SQL, `(name, sql)`, run unchanged by `runners`.
fn sql_details(queries: &[(&str, &str)], runners: &str) -> String {
    let mut out = format!(
        "<details><summary>The SQL of each query (run unchanged by {runners})</summary>\n\n\
         | # | Name | SQL |\n|---|---|---|\n"
    );
    for (i, (name, sql)) in queries.iter().enumerate() {
        out.push_str(&format!("| {} | {name} | `{sql}` |\n", i + 1));
    }
    out.push_str("\n</details>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_duckdb_script_is_embedded() {
        assert!(DUCKDB_SCRIPT.contains("import duckdb"));
    }
}
