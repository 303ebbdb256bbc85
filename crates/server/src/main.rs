//! The `searchlight` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use searchlight::{Application, Config, LogFormat, shutdown_signal, telemetry};

#[derive(Parser)]
#[command(
    name = "searchlight",
    version,
    about = "Search-driven analytics server speaking ThoughtSpot's REST API v1"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server.
    Serve(ServeArgs),
}

/// Flags that override the config file and environment. Unset flags leave them alone.
#[derive(Args, Serialize)]
struct ServeArgs {
    /// Config file [default: ./searchlight.toml if present]
    #[arg(long, env = "SEARCHLIGHT_CONFIG")]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Address to listen on, HOST:PORT (port 0 picks a free port) [default: 127.0.0.1:8088]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    /// Directory for the store and data files [default: ./searchlight-data]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// Metadata store: sqlite://FILE or postgres://USER@HOST/DB [default: SQLite in the data dir]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    /// tsadmin's password, set on the first start
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_password: Option<String>,
    /// Log line format [default: text]
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<LogFormat>,
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args.config.as_deref(), &args).map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let app = Application::build(&config).await?;
    tracing::info!(
        "Searchlight {} · store: {} ({}) · data dir: {}",
        env!("CARGO_PKG_VERSION"),
        app.store_backend(),
        if config.database_url.is_some() {
            "database_url"
        } else {
            "embedded"
        },
        config.data_dir.display()
    );
    if let Some(password) = &app.bootstrap().generated_admin_password {
        tracing::warn!(
            "first start: created user tsadmin with the generated password {password} \
             (set your own with --admin-password on a fresh data dir, or change it with \
             user/updatepassword)"
        );
    }
    app.run_until(shutdown_signal()).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
