//! The Searchlight server: configuration, start-up and the command line.
//!
//! [`Application::build`] opens the store, creates the built-in principals on the first start
//! and binds the listener; [`Application::run_until`] serves until a shutdown signal. The
//! `searchlight` binary (`main.rs`) is a thin command line over this library, and the
//! integration tests start the same [`Application`] on port 0.

pub mod config;
pub mod telemetry;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;

pub use config::{Config, LogFormat};
use searchlight_http::{AppState, HttpSettings};
use searchlight_identity::{Bootstrap, Identity, SessionPolicy};
use searchlight_store::{SqlStore, Store};

/// How often expired sessions are purged from the store.
const SESSION_PURGE_INTERVAL: Duration = Duration::from_secs(10 * 60);

/// A started (bound, not yet serving) server.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    store: Arc<SqlStore>,
    bootstrap: Bootstrap,
}

impl Application {
    /// Opens the store, bootstraps it and binds the listen address.
    pub async fn build(config: &Config) -> anyhow::Result<Self> {
        let addr = config.listen_addr().map_err(anyhow::Error::msg)?;
        std::fs::create_dir_all(&config.data_dir)
            .with_context(|| format!("cannot create the data dir {}", config.data_dir.display()))?;
        let probe = config.data_dir.join(".write-test");
        std::fs::write(&probe, b"").with_context(|| {
            format!("the data dir {} is not writable", config.data_dir.display())
        })?;
        let _ = std::fs::remove_file(probe);

        let store = Arc::new(SqlStore::connect(&config.store_url()).await?);
        let identity = Identity::new(
            store.clone() as Arc<dyn Store>,
            SessionPolicy {
                idle_timeout: Duration::from_secs(config.session_idle_timeout_secs),
                remember_me: Duration::from_secs(config.remember_me_secs),
            },
        );
        let bootstrap = identity.bootstrap(config.admin_password.as_deref()).await?;

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
            identity,
            settings: HttpSettings {
                remember_me: Duration::from_secs(config.remember_me_secs),
            },
        };
        Ok(Self {
            listener,
            state,
            store,
            bootstrap,
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
        &self.bootstrap
    }

    /// The store's backend, for the start-up banner.
    pub fn store_backend(&self) -> searchlight_store::Backend {
        self.store.backend()
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
        self.store.close().await;
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
