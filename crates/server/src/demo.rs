//! `serve --demo`: a server full of realistic data on the first run.
//!
//! The first start generates the retail dataset into `<data dir>/demo` (Parquet, TML beside
//! it), imports its TML, and creates the non-admin user `analyst`, who sees the "Sales
//! Overview" pinboard but not the administrators' "Store Performance". Later starts reuse
//! the data (unless the row count changed) and re-import idempotently.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;

use searchlight_catalog::{ImportPolicy, ImportReport};
use searchlight_demo::{DEFAULT_SEED, DemoOptions};
use searchlight_identity::builtin::ALL_GROUP_ID;
use searchlight_store::Store;

use crate::{Config, Services, tml_files};

/// tsadmin's password in a demo store unless `--admin-password` says otherwise.
pub const DEMO_ADMIN_PASSWORD: &str = "searchlight";
/// The demo's non-admin user and password.
pub const ANALYST: &str = "analyst";
pub const ANALYST_PASSWORD: &str = "analyst";
/// The demo pinboard only administrators see.
const ADMIN_ONLY_PINBOARD: &str = "Store Performance";

/// Where the demo's data and TML live.
pub fn demo_dir(config: &Config) -> PathBuf {
    config.data_dir.join("demo")
}

/// What preparing the demo did.
pub struct DemoSetup {
    pub dir: PathBuf,
    /// The dataset was generated now (not reused).
    pub generated: bool,
    pub rows: usize,
    pub import: ImportReport,
}

/// Generates (if needed) and imports the demo. See the module documentation.
pub async fn prepare(services: &Services, config: &Config) -> anyhow::Result<DemoSetup> {
    let dir = demo_dir(config);
    let options = DemoOptions {
        rows: config.demo_rows,
        seed: DEFAULT_SEED,
        progress: std::io::stderr().is_terminal(),
    };
    let generated = if searchlight_demo::is_generated(&dir, &options) {
        tracing::info!("demo data: reusing {}", dir.display());
        false
    } else {
        tracing::info!(
            "demo data: generating {} sales rows into {}",
            options.rows,
            dir.display()
        );
        let (target, opts) = (dir.clone(), options.clone());
        let summary =
            tokio::task::spawn_blocking(move || searchlight_demo::generate(&target, &opts))
                .await
                .context("the demo generator stopped")??;
        tracing::info!(
            "demo data: {} rows in {} files, {} TML documents, in {:.1} s",
            summary.rows,
            summary.files.len(),
            summary.tml_files.len(),
            summary.elapsed.as_secs_f64()
        );
        true
    };

    let import = services
        .import_paths(
            std::slice::from_ref(&dir),
            ImportPolicy::AllOrNone,
            None,
            false,
        )
        .await
        .context("importing the demo model")?;
    if import.failed() > 0 {
        anyhow::bail!(
            "the demo model did not import:\n{}",
            tml_files::describe_failures(&import)
        );
    }

    let analyst_created = services
        .identity
        .ensure_user(ANALYST, "Demo Analyst", ANALYST_PASSWORD)
        .await?;
    if analyst_created {
        // Only on the demo's first start, so an administrator who later shares the pinboard
        // keeps that choice.
        for pinboard in services
            .store
            .objects_named("PINBOARD_ANSWER_BOOK", ADMIN_ONLY_PINBOARD)
            .await?
        {
            services
                .store
                .set_shares(&[pinboard.id], &[(ALL_GROUP_ID.to_string(), None)])
                .await?;
        }
    }
    Ok(DemoSetup {
        dir,
        generated,
        rows: options.rows,
        import,
    })
}
