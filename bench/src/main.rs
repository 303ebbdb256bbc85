//! `searchlight-bench`: benchmarks of a real Searchlight, started in-process and driven over
//! HTTP. Not tests: CI does not run them. `bench/run <name>` builds them in release mode,
//! runs one and records its results in BENCHMARKS.md.

mod identity;
mod server;

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
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Identity {
            options,
            markdown,
            json,
        } => {
            let report = identity::run(&options).await?;
            let table = identity::markdown(&report);
            println!("{table}");
            if let Some(path) = markdown {
                std::fs::write(&path, &table)?;
            }
            if let Some(path) = json {
                std::fs::write(&path, serde_json::to_string_pretty(&report)?)?;
            }
            Ok(())
        }
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
