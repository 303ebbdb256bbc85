//! The baselines (b) DataFusion and (c) DuckDB, each in a child process that holds the same
//! tables in memory and answers SQL on request, so that one engine's memory and threads never
//! disturb another's and the server's peak memory is measured alone.
//!
//! The protocol is JSON lines. The child loads the tables it is given (every column, as the
//! server's memory mode does) and prints `{"engine", "load_ms"}`. Then, for each line read:
//! `{"op": "result", "sql"}` → `{"ms", "columns", "rows"}` (rows as [`super::compare`]
//! normalises them); `{"op": "time", "sql"}` → `{"ms"}`; `{"op": "stats"}` →
//! `{"peak_rss_kb"}`; any failure → `{"error"}`. End of input ends the child. `ms` is the
//! engine's own time for the query: SQL in, every result row collected.
//!
//! (c) is `bench/tpch_duckdb.py` (DuckDB from PyPI, in the venv bench/run makes); (b) is
//! [`serve_datafusion`], this binary's hidden `tpch-datafusion` command.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use datafusion::datasource::MemTable;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use serde_json::{Value, json};

use super::compare::{Rows, batch_rows};
use crate::report::{ms, proc_status_kb};

type Io = (ChildStdin, BufReader<ChildStdout>);

/// A running baseline child.
pub struct Baseline {
    /// "DataFusion 55.2.0", "DuckDB 2.0.0".
    pub engine: String,
    /// How long the child took to read the Parquet files into memory.
    pub load_ms: f64,
    child: Child,
    io: Option<Io>,
}

fn read_answer(stdout: &mut BufReader<ChildStdout>) -> anyhow::Result<Value> {
    let mut line = String::new();
    if stdout.read_line(&mut line)? == 0 {
        bail!("the baseline process ended (its errors are above)");
    }
    let answer: Value =
        serde_json::from_str(&line).with_context(|| format!("a baseline answered {line:?}"))?;
    if let Some(error) = answer.get("error") {
        bail!("{}", error.as_str().unwrap_or("failed"));
    }
    Ok(answer)
}

impl Baseline {
    /// The DataFusion baseline (this program's `tpch-datafusion`) over `tables` of the
    /// folder `data`, held in memory or read from the files by every query.
    pub async fn datafusion(data: &Path, tables: &[&str], in_memory: bool) -> anyhow::Result<Self> {
        let mut command = Command::new(std::env::current_exe()?);
        command
            .arg("tpch-datafusion")
            .arg("--data")
            .arg(data)
            .arg("--tables")
            .arg(tables.join(","));
        if !in_memory {
            command.arg("--parquet");
        }
        Self::start(command).await
    }

    /// Starts `command` and waits until it has loaded its tables.
    pub async fn start(mut command: Command) -> anyhow::Result<Self> {
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let shown = format!("{command:?}");
        let mut child = command
            .spawn()
            .with_context(|| format!("starting {shown}"))?;
        let stdin = child.stdin.take().context("no stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("no stdout")?);
        let (stdout, ready) = tokio::task::spawn_blocking(move || {
            let ready = read_answer(&mut stdout);
            (stdout, ready)
        })
        .await?;
        let ready = ready.with_context(|| format!("starting {shown}"))?;
        Ok(Self {
            engine: ready["engine"].as_str().unwrap_or("?").to_string(),
            load_ms: ready["load_ms"].as_f64().unwrap_or(f64::NAN),
            child,
            io: Some((stdin, stdout)),
        })
    }

    async fn call(&mut self, request: Value) -> anyhow::Result<Value> {
        let (mut stdin, mut stdout) = self.io.take().context("the baseline failed before")?;
        let (io, answer) = tokio::task::spawn_blocking(move || {
            let answer = writeln!(stdin, "{request}")
                .and_then(|()| stdin.flush())
                .map_err(anyhow::Error::from)
                .and_then(|()| read_answer(&mut stdout));
            ((stdin, stdout), answer)
        })
        .await?;
        self.io = Some(io);
        answer
    }

    /// Runs `sql` once: its time and rows.
    pub async fn result(&mut self, sql: &str) -> anyhow::Result<(f64, Rows)> {
        let answer = self.call(json!({ "op": "result", "sql": sql })).await?;
        let rows: Rows = serde_json::from_value(answer["rows"].clone())?;
        Ok((answer["ms"].as_f64().unwrap_or(f64::NAN), rows))
    }

    /// Runs `sql` once: its time.
    pub async fn time(&mut self, sql: &str) -> anyhow::Result<f64> {
        let answer = self.call(json!({ "op": "time", "sql": sql })).await?;
        Ok(answer["ms"].as_f64().unwrap_or(f64::NAN))
    }

    /// The child's peak resident memory so far, in KiB.
    pub async fn peak_rss_kb(&mut self) -> anyhow::Result<Option<u64>> {
        let answer = self.call(json!({ "op": "stats" })).await?;
        Ok(answer["peak_rss_kb"].as_u64())
    }

    /// Ends the child (end of input) and waits for it.
    pub fn finish(mut self) -> anyhow::Result<()> {
        drop(self.io.take());
        let status = self.child.wait()?;
        if !status.success() {
            bail!("the baseline process ended with {status}");
        }
        Ok(())
    }
}

/// The DataFusion baseline's side of the protocol: the `tables` of `data` as MemTables (read
/// the way the engine's memory mode reads them: the Parquet files' own schema, every column,
/// partitioned by DataFusion's scan), in a session configured as the engine's (target
/// partitions = cores), answering SQL on standard input.
pub async fn serve_datafusion(data: &Path, tables: &[String], parquet: bool) -> anyhow::Result<()> {
    let partitions = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let config = SessionConfig::new()
        .with_target_partitions(partitions)
        .with_information_schema(false);
    let ctx = SessionContext::new_with_config(config);
    let started = Instant::now();
    for table in tables {
        let path = data.join(format!("{table}.parquet"));
        let path = path.to_str().context("a data path that is not UTF-8")?;
        if parquet {
            ctx.register_parquet(table, path, ParquetReadOptions::default())
                .await?;
            continue;
        }
        let frame = ctx
            .read_parquet(path, ParquetReadOptions::default())
            .await?;
        let schema = Arc::clone(frame.schema().inner());
        let partitions = frame.collect_partitioned().await?;
        ctx.register_table(table, Arc::new(MemTable::try_new(schema, partitions)?))?;
    }
    let mut stdout = std::io::stdout();
    writeln!(
        stdout,
        "{}",
        json!({
            "engine": format!("DataFusion {}", datafusion::DATAFUSION_VERSION),
            "load_ms": ms(started.elapsed()),
        })
    )?;
    stdout.flush()?;
    // Blocking reads are fine: this process does nothing else, and DataFusion runs its work
    // on the runtime's worker threads.
    for line in std::io::stdin().lock().lines() {
        let request: Value = serde_json::from_str(&line?)?;
        let sql = request["sql"].as_str().unwrap_or("");
        let answer = match request["op"].as_str() {
            Some(op @ ("result" | "time")) => {
                let started = Instant::now();
                let run = async { ctx.sql(sql).await?.collect().await }.await;
                let elapsed = ms(started.elapsed());
                match run {
                    Err(err) => json!({ "error": format!("DataFusion: {err}") }),
                    Ok(_) if op == "time" => json!({ "ms": elapsed }),
                    Ok(batches) => match batch_rows(&batches) {
                        Ok(rows) => json!({ "ms": elapsed, "rows": rows }),
                        Err(err) => json!({ "error": format!("{err:#}") }),
                    },
                }
            }
            Some("stats") => json!({ "peak_rss_kb": proc_status_kb("VmHWM") }),
            _ => json!({ "error": format!("unknown request {request}") }),
        };
        writeln!(stdout, "{answer}")?;
        stdout.flush()?;
    }
    Ok(())
}
