//! `searchlight-bench`: benchmarks of a real Searchlight, started in-process and driven over
//! HTTP. Not tests: CI does not run them. `bench/run <name>` builds them in release mode,
//! runs one and records its results in BENCHMARKS.md.

mod catalog;
mod identity;
mod load;
mod report;
mod server;
mod tpch;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "searchlight-bench", about = "Benchmarks of a real Searchlight")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// user/sync and user/list at directory scale (10,000 users in 1,000 nested groups).
    Identity {
        #[command(flatten)]
        options: identity::Options,
        /// Write the results as a Markdown fragment (for BENCHMARKS.md) to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Write every measurement as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// metadata/listobjectheaders paging through a catalog of 100,000 objects, on SQLite
    /// and PostgreSQL.
    Catalog {
        #[command(flatten)]
        options: catalog::Options,
        /// Write the results as a Markdown fragment (for BENCHMARKS.md) to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Write every measurement as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Load: 1, 8, 32 and 128 concurrent clients mixing logins, searches, pinboards and
    /// listings with a flood of bad logins, on a server loaded with the retail demo.
    Load {
        #[command(flatten)]
        options: load::Options,
        /// Write the results as a Markdown fragment (for BENCHMARKS.md) to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Write every measurement as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// TPC-H: searchdata over HTTP against the same queries as hand-written SQL in DataFusion
    /// and in DuckDB, tables in memory; and pinboarddata against its visualizations.
    Tpch {
        #[command(flatten)]
        options: tpch::Options,
        /// Write the results as a Markdown fragment (for BENCHMARKS.md) to this file.
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// Write every measurement as JSON to this file.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// (Used by `tpch`.) Generates the TPC-H data of one scale factor into a folder.
    #[command(hide = true)]
    TpchGenerate {
        #[arg(long)]
        scale: f64,
        #[arg(long)]
        dir: PathBuf,
    },
    /// (Used by `tpch`.) The DataFusion baseline: tables of a folder in memory, answering
    /// SQL read from standard input.
    #[command(hide = true)]
    TpchDatafusion {
        #[arg(long)]
        data: PathBuf,
        #[arg(long, value_delimiter = ',')]
        tables: Vec<String>,
        /// Query the Parquet files instead of tables read into memory.
        #[arg(long)]
        parquet: bool,
    },
}

/// Prints a report's Markdown and writes it, and the report as JSON, where asked.
fn emit(
    table: &str,
    report: &impl serde::Serialize,
    markdown: Option<PathBuf>,
    json: Option<PathBuf>,
) -> anyhow::Result<()> {
    println!("{table}");
    if let Some(path) = markdown {
        std::fs::write(&path, table)?;
    }
    if let Some(path) = json {
        std::fs::write(&path, serde_json::to_string_pretty(report)?)?;
    }
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Identity {
            options,
            markdown,
            json,
        } => {
            let report = identity::run(&options).await?;
            emit(&identity::markdown(&report), &report, markdown, json)
        }
        Command::Catalog {
            options,
            markdown,
            json,
        } => {
            let report = catalog::run(&options).await?;
            emit(&catalog::markdown(&report), &report, markdown, json)
        }
        Command::Load {
            options,
            markdown,
            json,
        } => {
            let report = load::run(&options).await?;
            emit(&load::markdown(&report), &report, markdown, json)
        }
        Command::Tpch {
            options,
            markdown,
            json,
        } => {
            if options.source == tpch::Source::Postgres {
                let report = tpch::postgres::run(&options).await?;
                return emit(&tpch::postgres::markdown(&report), &report, markdown, json);
            }
            let report = tpch::run(&options).await?;
            emit(&tpch::markdown(&report), &report, markdown, json)
        }
        Command::TpchGenerate { scale, dir } => tpch::generate(scale, &dir),
        Command::TpchDatafusion {
            data,
            tables,
            parquet,
        } => tpch::serve_datafusion(&data, &tables, parquet).await,
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
