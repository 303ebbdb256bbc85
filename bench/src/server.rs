//! A real Searchlight started in-process on 127.0.0.1:0, over a fresh store, the way the API
//! tests start theirs (crates/server/tests/api/helpers.rs): SQLite in a temp dir, or a fresh
//! PostgreSQL schema that is dropped afterwards; and an HTTP client logged in to it as the
//! administrator.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, ensure};
use reqwest::Client;
use tokio::sync::oneshot;

use searchlight::{Application, Config};

pub const ADMIN: &str = "tsadmin";
pub const ADMIN_PASSWORD: &str = "bench admin pw";
/// Where the v1 API lives.
pub const API: &str = "/callosum/v1/tspublic/v1";

/// The metadata store a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

impl fmt::Display for StoreKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

/// A fresh, empty store: a SQLite file in a temp dir or a new PostgreSQL schema.
pub struct FreshStore {
    /// The URL the server (or a direct store connection) uses.
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl FreshStore {
    pub async fn create(kind: StoreKind, postgres_url: &str) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir().context("creating a temp dir")?;
        match kind {
            StoreKind::Sqlite => Ok(Self {
                url: format!("sqlite://{}", dir.path().join("searchlight.db").display()),
                dir,
                postgres: None,
            }),
            StoreKind::Postgres => {
                let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
                let pool = sqlx::PgPool::connect(postgres_url)
                    .await
                    .with_context(|| format!("PostgreSQL at {postgres_url} is needed"))?;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&pool)
                    .await
                    .context("creating the benchmark schema")?;
                pool.close().await;
                let separator = if postgres_url.contains('?') { '&' } else { '?' };
                Ok(Self {
                    url: format!("{postgres_url}{separator}options[search_path]={schema}"),
                    dir,
                    postgres: Some((postgres_url.to_string(), schema)),
                })
            }
        }
    }

    /// Drops the PostgreSQL schema (the temp dir goes with `self`).
    pub async fn remove(self) -> anyhow::Result<()> {
        if let Some((url, schema)) = &self.postgres {
            let pool = sqlx::PgPool::connect(url).await?;
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(&pool)
                .await
                .with_context(|| format!("dropping the schema {schema}"))?;
            pool.close().await;
        }
        Ok(())
    }
}

/// The stores a benchmark runs on, and the PostgreSQL server for the postgres one.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreOptions {
    /// Stores to run on.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["sqlite", "postgres"])]
    pub stores: Vec<StoreKind>,
    /// PostgreSQL server for the postgres store (a fresh schema per run).
    #[arg(
        long,
        env = "SEARCHLIGHT_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
}

/// A server serving on a background task until [`RunningServer::stop`].
pub struct RunningServer {
    pub base: String,
    store: FreshStore,
    shutdown: oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    pub async fn start(kind: StoreKind, postgres_url: &str) -> anyhow::Result<Self> {
        Self::start_with(kind, postgres_url, |_| {}).await
    }

    /// [`RunningServer::start`], with `configure` adjusting the configuration first (e.g. the
    /// folders LOCAL_FILES connections may read).
    pub async fn start_with(
        kind: StoreKind,
        postgres_url: &str,
        configure: impl FnOnce(&mut Config),
    ) -> anyhow::Result<Self> {
        let store = FreshStore::create(kind, postgres_url).await?;
        let data_dir: PathBuf = store.dir.path().join("data");
        let mut config = Config {
            listen: "127.0.0.1:0".into(),
            data_dir,
            database_url: Some(store.url.clone()),
            admin_password: Some(ADMIN_PASSWORD.into()),
            ..Config::default()
        };
        configure(&mut config);
        let app = Application::build(&config)
            .await
            .context("starting the server")?;
        let base = format!("http://{}", app.local_addr());
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async {
            let _ = stopped.await;
        }));
        Ok(Self {
            base,
            store,
            shutdown,
            task,
        })
    }

    /// The URL of the store the server runs on (for writing straight into it).
    pub fn store_url(&self) -> &str {
        &self.store.url
    }

    /// Stops serving, waits for the server to close its store, then removes the store.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.shutdown.send(());
        self.task.await.context("the server task panicked")??;
        self.store.remove().await
    }
}

/// An HTTP client logged in to the server at `base` as the administrator (the session cookie
/// is kept in the client).
pub async fn login(base: &str) -> anyhow::Result<Client> {
    login_as(base, ADMIN, ADMIN_PASSWORD).await
}

/// An HTTP client logged in to the server at `base` as `user`.
pub async fn login_as(base: &str, user: &str, password: &str) -> anyhow::Result<Client> {
    let client = Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(600))
        .build()?;
    let response = client
        .post(format!("{base}{API}/session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("username", user), ("password", password)])
        .send()
        .await?;
    ensure!(
        response.status().as_u16() == 204,
        "login as {user}: {}",
        response.status()
    );
    Ok(client)
}
