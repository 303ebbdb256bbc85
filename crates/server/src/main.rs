//! The `searchlight` command line.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use searchlight::query_output::{self, QueryFormat};
use searchlight::{
    Application, Config, LogFormat, Services, shutdown_signal, telemetry, tml_files,
};
use searchlight_catalog::ImportPolicy;
use searchlight_engine::answers::PageRequest;

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
    /// Import TML files or folders of them into the store, then exit.
    Import(ImportArgs),
    /// Run a search against a worksheet or table in the store and print the answer.
    Query(QueryArgs),
    /// Print the configuration `serve` would use (defaults, config file, SEARCHLIGHT_*
    /// variables, flags) as JSON, passwords as ***, then exit.
    Config(ServeArgs),
}

/// Settings every command shares. Unset flags leave the config file and environment alone.
#[derive(Args, Serialize)]
struct StoreArgs {
    /// Config file [default: ./searchlight.toml if present]
    #[arg(long, env = "SEARCHLIGHT_CONFIG", global = true)]
    #[serde(skip)]
    config: Option<PathBuf>,
    /// Directory for the store and data files [default: ./searchlight-data]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<PathBuf>,
    /// Metadata store: sqlite://FILE or postgres://USER@HOST/DB [default: SQLite in the data dir]
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    database_url: Option<String>,
    /// tsadmin's password, set when the store is first created
    #[arg(long, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    admin_password: Option<String>,
    /// Log line format [default: text]
    #[arg(long, value_enum, global = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_format: Option<LogFormat>,
}

#[derive(Args, Serialize)]
struct ServeArgs {
    #[command(flatten)]
    #[serde(flatten)]
    store: StoreArgs,
    /// Address to listen on, HOST:PORT (port 0 picks a free port) [default: 127.0.0.1:8088]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    listen: Option<String>,
    /// Import the TML in this folder at start (idempotent: re-imports update in place)
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    model_dir: Option<PathBuf>,
    /// Generate (first start) and load the retail demo: data, worksheet, answers, pinboards
    #[arg(long)]
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    demo: bool,
    /// Sales rows of the demo dataset [default: 2000000]
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    demo_rows: Option<usize>,
}

#[derive(Args)]
struct ImportArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// TML files (NAME.<kind>.tml) or folders of them
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Owner of the objects created [default: tsadmin]
    #[arg(long)]
    owner: Option<String>,
    /// Do not share the new objects with the All group
    #[arg(long)]
    private: bool,
    /// ALL_OR_NONE stores nothing if a document fails; PARTIAL stores the ones that pass;
    /// VALIDATE_ONLY only checks
    #[arg(long, default_value = "ALL_OR_NONE")]
    policy: String,
}

#[derive(Args)]
struct QueryArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The worksheet or table: its name or GUID
    #[arg(long)]
    source: String,
    /// The search, e.g. "[Revenue] [Region] top 5"
    query: String,
    /// Output format
    #[arg(long, value_enum, default_value = "table")]
    format: QueryFormat,
    /// Print at most this many rows [default: the row cap]
    #[arg(long)]
    limit: Option<i64>,
    /// Print what the search becomes instead of its rows: DataFusion's plans and the SQL
    /// sent to databases
    #[arg(long)]
    explain: bool,
}

async fn query(args: QueryArgs) -> anyhow::Result<bool> {
    let config =
        Config::load(args.store.config.as_deref(), &args.store).map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let services = Services::open(&config).await?;
    announce_generated_password(&services);
    // The command line acts with the administrator's view of the store.
    let actor = searchlight_catalog::Actor {
        name: searchlight_identity::builtin::ADMIN_USER.into(),
        viewer: searchlight_store::Viewer {
            user_id: searchlight_identity::builtin::ADMIN_USER_ID.into(),
            principal_ids: Vec::new(),
            sees_everything: true,
        },
        manages_data: true,
    };
    if args.explain {
        let outcome = async {
            let source = services.catalog.find_source(&actor, &args.source).await?;
            services.answers.explain(&actor, &source, &args.query).await
        }
        .await;
        services.store.close().await;
        let explanation = outcome.map_err(|err| anyhow::anyhow!("{err}"))?;
        query_output::write_explanation(&mut std::io::stdout().lock(), &explanation)?;
        return Ok(true);
    }
    let outcome = async {
        let source = services.catalog.find_source(&actor, &args.source).await?;
        let window = services.answers.window(PageRequest {
            batch_size: args.limit,
            page_number: None,
            offset: None,
        })?;
        services
            .answers
            .search(&actor, &source, &args.query, window)
            .await
    }
    .await;
    services.store.close().await;
    let result = outcome.map_err(|err| anyhow::anyhow!("{err}"))?;
    query_output::write(&mut std::io::stdout().lock(), &result, args.format)?;
    Ok(true)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let config = Config::load(args.store.config.as_deref(), &args).map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let app = Application::build(&config).await?;
    for line in app.banner(&config).await? {
        tracing::info!("{line}");
    }
    announce_generated_password(app.services());
    app.run_until(shutdown_signal()).await
}

/// Prints the effective configuration; fails as `serve` would on an invalid one.
fn show_config(args: ServeArgs) -> anyhow::Result<bool> {
    let config = Config::load(args.store.config.as_deref(), &args).map_err(anyhow::Error::msg)?;
    config.validate().map_err(anyhow::Error::msg)?;
    println!("{}", serde_json::to_string_pretty(&config.redacted())?);
    Ok(true)
}

/// Shows tsadmin's generated password once, whichever command created the store.
fn announce_generated_password(services: &Services) {
    if let Some(password) = &services.bootstrap.generated_admin_password {
        tracing::warn!(
            "new store: created user tsadmin with the generated password {password} \
             (choose your own with --admin-password when creating a store, or change it with \
             user/updatepassword)"
        );
    }
}

async fn import(args: ImportArgs) -> anyhow::Result<bool> {
    let config =
        Config::load(args.store.config.as_deref(), &args.store).map_err(anyhow::Error::msg)?;
    telemetry::init(config.log_format);
    let policy: ImportPolicy = args
        .policy
        .parse()
        .map_err(|e| anyhow::anyhow!("--policy: {e}"))?;
    let services = Services::open(&config).await?;
    announce_generated_password(&services);
    let report = services
        .import_paths(&args.paths, policy, args.owner.as_deref(), args.private)
        .await?;
    print!("{}", tml_files::describe(&report));
    let failed = report.failed();
    println!(
        "{} documents: {} imported, {} failed{}",
        report.outcomes.len(),
        report.outcomes.len() - failed,
        failed,
        match (policy, report.stored) {
            (ImportPolicy::ValidateOnly, _) => " (validation only: nothing stored)",
            (_, false) if failed > 0 => " (nothing stored)",
            _ => "",
        }
    );
    services.store.close().await;
    Ok(failed == 0)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve(args).await.map(|()| true),
        Command::Import(args) => import(args).await,
        Command::Query(args) => query(args).await,
        Command::Config(args) => show_config(args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
