//! The Searchlight server: configuration, start-up and the command line.
//!
//! [`Services::open`] opens the store, creates the built-in principals on the first start and
//! builds the identity, catalog and engine services; [`Application::build`] adds the
//! listener (and imports `--model-dir`); [`Application::run_until`] serves until a shutdown
//! signal. The `searchlight` binary (`main.rs`) is a thin command line over this library, and
//! the integration tests start the same [`Application`] on port 0.

pub mod config;
pub mod demo;
pub mod query_output;
pub mod telemetry;
pub mod tml_files;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::{Config, LogFormat};
use searchlight_catalog::{Catalog, FileRoots, ImportPolicy, ImportReport, Secrets};
use searchlight_engine::Engine;
use searchlight_engine::answers::{Answers, Clock};
use searchlight_http::{AppState, HttpSettings};
use searchlight_identity::builtin::ADMIN_USER_ID;
use searchlight_identity::{Bootstrap, Identity, SessionPolicy};
use searchlight_store::{SqlStore, Store};

/// How often expired sessions are purged from the store.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// The services behind the API, shared by `serve`, `import` and `query`.
#[derive(Clone)]
pub struct Services {
    pub store: Arc<SqlStore>,
    pub identity: Identity,
    pub catalog: Catalog,
    pub engine: Engine,
    pub answers: Answers,
    pub bootstrap: Bootstrap,
}

impl Services {
    /// Opens the store (creating the data dir and the built-ins when new) and builds the
    /// services.
    pub async fn open(config: &Config) -> anyhow::Result<Self> {
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
        let probe = config.data_dir.join(".write-test");
        std::fs::write(&probe, b"").with_context(|| {
            format!("the data dir {} is not writable", config.data_dir.display())
        })?;
        let _ = std::fs::remove_file(probe);
        config.pinned_now().map_err(anyhow::Error::msg)?;
        config.zone().map_err(anyhow::Error::msg)?;

        let store = Arc::new(SqlStore::connect(&config.store_url()).await?);
        let identity = Identity::with_policies(
            store.clone() as Arc<dyn Store>,
            SessionPolicy {
                idle_timeout: Duration::from_secs(config.session_idle_timeout_secs),
                remember_me: Duration::from_secs(config.remember_me_secs),
            },
            config.login_policy(),
        );
        let bootstrap = identity.bootstrap(config.initial_admin_password()).await?;
        let engine = Engine::new(config.engine_config())?;
        // Connection passwords are encrypted under the configured key, else one generated
        // into the data dir at first need; passwords an older release kept in the clear are
        // moved under it now.
        let secrets = Secrets::new(config.secret_key.as_deref(), &config.data_dir)
            .map_err(|err| anyhow::anyhow!("invalid configuration: {err}"))?;
        let catalog = Catalog::new(
            store.clone() as Arc<dyn Store>,
            Arc::new(engine.clone()),
            FileRoots::new(config.file_roots()).with_private_files(config.private_files()),
        )
        .with_secrets(secrets);
        catalog
            .seal_stored_passwords()
            .await
            .context("encrypting connection passwords stored by an older release")?;
        let clock = Clock {
            pinned: config.pinned_now().map_err(anyhow::Error::msg)?,
            zone: config.zone().map_err(anyhow::Error::msg)?,
        };
        let answers = Answers::new(catalog.clone(), engine.clone(), clock);
        Ok(Self {
            store,
            identity,
            catalog,
            engine,
            answers,
            bootstrap,
        })
    }

    /// Imports TML files or folders of them, owned by `owner` (a user name; default tsadmin),
    /// shared with All unless `private`.
    pub async fn import_paths(
        &self,
        paths: &[std::path::PathBuf],
        policy: ImportPolicy,
        owner: Option<&str>,
        private: bool,
    ) -> anyhow::Result<ImportReport> {
        let documents = tml_files::collect(paths)?;
        let owner_id = match owner {
            None => ADMIN_USER_ID.to_string(),
            Some(name) => {
                self.store
                    .principal_by_name(searchlight_store::PrincipalKind::User, name)
                    .await?
                    .ok_or_else(|| anyhow::anyhow!("--owner: no user named '{name}'"))?
                    .id
            }
        };
        let request = searchlight_catalog::ImportRequest {
            documents,
            policy,
            force_create: false,
            importer_id: owner_id.clone(),
            owner_id,
            share_with: if private {
                Vec::new()
            } else {
                vec![searchlight_identity::builtin::ALL_GROUP_ID.to_string()]
            },
            // The server's operator imports: existing objects may change whoever owns them.
            editor: None,
        };
        // The folders the operator names may be read, whatever the configured roots.
        let named = paths.iter().map(|p| {
            if p.is_dir() {
                p.clone()
            } else {
                p.parent().map(|d| d.to_path_buf()).unwrap_or_default()
            }
        });
        Ok(self.catalog.with_more_roots(named).import(&request).await?)
    }
}

/// A started (bound, not yet serving) server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    services: Services,
    model_import: Option<ImportReport>,
    demo: Option<demo::DemoSetup>,
}

impl Application {
    /// Opens the services, imports the model dir (if any) and binds the listen address.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let addr = config.listen_addr().map_err(anyhow::Error::msg)?;
        let services = Services::open(config).await?;
        let demo = match config.demo {
            true => Some(demo::prepare(&services, config).await?),
            false => None,
        };

        let model_import = match &config.model_dir {
            None => None,
            Some(dir) => {
                let report = services
                    .import_paths(
                        std::slice::from_ref(dir),
                        ImportPolicy::AllOrNone,
                        None,
                        false,
                    )
                    .await
                    .with_context(|| format!("importing the model dir {}", dir.display()))?;
                if report.failed() > 0 {
                    anyhow::bail!(
                        "the model dir {} did not import, nothing was stored:\n{}",
                        dir.display(),
                        tml_files::describe_failures(&report)
                    );
                }
                Some(report)
            }
        };

        let listener = TcpListener::bind(addr).await.map_err(|err| {
            if err.kind() == std::io::ErrorKind::AddrInUse {
                anyhow::anyhow!(
                    "cannot listen on {addr}: the address is already in use (is another \
                     Searchlight running?); choose another with --listen HOST:PORT"
                )
            } else {
                anyhow::anyhow!("cannot listen on {addr}: {err}")
            }
        })?;
        let state = AppState {
            identity: services.identity.clone(),
            catalog: services.catalog.clone(),
            answers: services.answers.clone(),
            settings: HttpSettings {
                remember_me: Duration::from_secs(config.remember_me_secs),
                data_dir: config.data_dir.clone(),
                embed_example_dir: config.embed_example_dir(),
                connection_limits: searchlight_http::serve::ConnectionLimits {
                    max_connections: config.max_connections.max(1),
                    header_read_timeout: Duration::from_secs(
                        config.header_read_timeout_secs.max(1),
                    ),
                },
            },
        };
        Ok(Self {
            listener,
            state,
            services,
            model_import,
            demo,
        })
    }

    /// The address actually bound (the real port when port 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        // A bound TcpListener always has a local address.
        self.listener
            .local_addr()
            .expect("bound listener has an address")
    }

    /// What the first start did (built-ins created, generated admin password).
    pub fn bootstrap(&self) -> &Bootstrap {
        &self.services.bootstrap
    }

    /// The services (for the start-up banner and tests).
    pub fn services(&self) -> &Services {
        &self.services
    }

    /// What `--demo` set up, if asked.
    pub fn demo(&self) -> Option<&demo::DemoSetup> {
        self.demo.as_ref()
    }

    /// The outcome of importing `--model-dir`, if one was given.
    pub fn model_import(&self) -> Option<&ImportReport> {
        self.model_import.as_ref()
    }

    /// The start-up banner: version, store, data dir, what the model holds, how to log in.
    pub async fn banner(&self, config: &Config) -> anyhow::Result<Vec<String>> {
        let mut lines = vec![format!("Searchlight {}", env!("CARGO_PKG_VERSION"))];
        let store = match &config.database_url {
            Some(_) => format!("{} (database_url)", self.services.store.backend_name()),
            None => format!(
                "{} at {}",
                self.services.store.backend_name(),
                config.store_url()
            ),
        };
        lines.push(format!(
            "store: {store}; data dir: {}",
            config.data_dir.display()
        ));
        if let Some(demo) = &self.demo {
            lines.push(format!(
                "demo: {} sales rows {} in {}",
                demo.rows,
                if demo.generated {
                    "generated"
                } else {
                    "reused"
                },
                demo.dir.display()
            ));
        }
        if let Some(report) = &self.model_import {
            lines.push(format!(
                "model dir {}: {} documents imported",
                config
                    .model_dir
                    .as_deref()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                report.outcomes.len()
            ));
        }
        let mut counts = std::collections::BTreeMap::new();
        for (object_type, subtype, n) in self.services.store.object_counts().await? {
            let label = match (object_type.as_str(), subtype.as_deref()) {
                ("LOGICAL_TABLE", Some("WORKSHEET")) => "worksheets",
                ("LOGICAL_TABLE", _) => "tables",
                ("QUESTION_ANSWER_BOOK", _) => "answers",
                ("PINBOARD_ANSWER_BOOK", _) => "pinboards",
                ("DATA_SOURCE", _) => "connections",
                _ => continue,
            };
            *counts.entry(label).or_insert(0) += n;
        }
        let summary: Vec<String> = [
            "connections",
            "tables",
            "worksheets",
            "answers",
            "pinboards",
        ]
        .iter()
        .map(|label| format!("{} {label}", counts.get(label).copied().unwrap_or(0)))
        .collect();
        lines.push(format!("model: {}", summary.join(", ")));
        lines.push(
            match (
                &self.services.bootstrap.generated_admin_password,
                config.demo,
            ) {
                (Some(password), _) => format!(
                    "log in as tsadmin with the generated password {password} (shown once; change \
                 it with user/updatepassword)"
                ),
                (None, true) if config.admin_password.is_none() => format!(
                    "log in as tsadmin / {} (administrator) or {} / {} (analyst)",
                    demo::DEMO_ADMIN_PASSWORD,
                    demo::ANALYST,
                    demo::ANALYST_PASSWORD
                ),
                _ => {
                    "log in as tsadmin with the password set when the store was created".to_string()
                }
            },
        );
        Ok(lines)
    }

    /// Serves until `shutdown` completes, then drains requests and closes the store.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr();
        tracing::info!("listening on http://{addr}");
        let identity = self.state.identity.clone();
        let purger = tokio::spawn(async move {
            let mut interval = tokio::time::interval(SESSION_PURGE_INTERVAL);
            loop {
                interval.tick().await;
                match identity.purge_expired_sessions().await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!("purged {n} expired sessions"),
                    Err(err) => tracing::warn!("purging expired sessions failed: {err}"),
                }
            }
        });
        let served = searchlight_http::run(self.listener, self.state, shutdown).await;
        purger.abort();
        self.services.store.close().await;
        served.context("the HTTP server failed")
    }
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
