//! Configuration, layered: built-in defaults, then `searchlight.toml`, then `SEARCHLIGHT_*`
//! environment variables, then command-line flags (each overrides the one before).
//!
//! [`ENV_SETTINGS`] is the one list of the settings an environment variable may set: the
//! loader reads exactly these variables, and the tests check every one of them and that the
//! README's configuration table names exactly these.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::providers::{Format, Serialized, Toml};
use figment::value::{Dict, Map, Value};
use figment::{Figment, Metadata, Profile, Provider};
use serde::{Deserialize, Serialize};

use searchlight_identity::LoginPolicy;

/// The config file read from the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "searchlight.toml";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

/// Every setting. Keys are the same in the file, as `SEARCHLIGHT_<KEY>` environment
/// variables and (with dashes) as flags.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Address to listen on; port 0 picks a free port.
    pub listen: String,
    /// Where Searchlight keeps its files (the SQLite store, generated data).
    pub data_dir: PathBuf,
    /// The metadata store; default: the SQLite file `searchlight.db` in the data dir.
    pub database_url: Option<String>,
    /// tsadmin's password, set on the first start only.
    pub admin_password: Option<String>,
    /// The key connection passwords are encrypted with at rest: the base64 of 32 random
    /// bytes (`openssl rand -base64 32`). Default: a key generated into `secret.key` in the
    /// data dir the first time a password is stored. Servers sharing a store need the same.
    pub secret_key: Option<String>,
    pub log_format: LogFormat,
    /// A session without "remember me" ends after this many idle seconds.
    pub session_idle_timeout_secs: u64,
    /// A "remember me" session ends this many seconds after login.
    pub remember_me_secs: u64,
    /// TML to import at start (`serve --model-dir`); its files may be read by tables.
    pub model_dir: Option<PathBuf>,
    /// More folders LOCAL_FILES connections may read (the data dir and the model dir always
    /// may).
    pub file_roots: Vec<PathBuf>,
    /// The most rows one page of searchdata or pinboarddata returns.
    pub row_cap: usize,
    /// A search running longer than this is cancelled.
    pub query_timeout_secs: u64,
    /// The longest search text (`query_string`, a saved answer's search), in characters.
    pub max_query_length: usize,
    /// The most tokens (columns, words, values, symbols) a search text may hold.
    pub max_query_tokens: usize,
    /// The memory DataFusion may hold for all the searches running at once, in MiB; a search
    /// that needs more than is free fails with a 400 naming the limit.
    pub query_memory_limit_mb: usize,
    /// Searches that run at once (a pinboard's visualizations count one each). Default:
    /// twice the number of cores, at least 4.
    pub max_concurrent_searches: usize,
    /// Requests that may wait for a turn to search; one more is answered 503 at once.
    pub max_queued_searches: usize,
    /// How long a request waits for its turn to search before it is answered 503.
    pub search_queue_timeout_secs: u64,
    /// The memory in-memory tables may hold, in MiB; past it the least recently used are
    /// dropped (and read again when needed).
    pub memory_table_cache_mb: usize,
    /// The memory answers kept for identical searches may hold, in MiB (0: none are kept);
    /// past it the least recently used are dropped.
    pub answer_cache_mb: usize,
    /// The most connections kept open to one PostgreSQL connection's database (idle ones
    /// close after 10 minutes).
    pub postgres_pool_size: u32,
    /// How long connecting to a PostgreSQL database may take before a search or an import
    /// fails.
    pub postgres_connect_timeout_secs: u64,
    /// Pins "now" for relative date keywords (RFC 3339, e.g. `2025-06-15T12:00:00Z`); for
    /// tests and reproducible demos. Default: the clock.
    pub now: Option<String>,
    /// The time zone "today", "this month", … are reckoned in (IANA name).
    pub time_zone: String,
    /// Generate and load the demo dataset on start (`serve --demo`).
    pub demo: bool,
    /// Sales rows of the demo dataset.
    pub demo_rows: usize,
    /// The built embedding example served at `/examples/embed/`; default:
    /// `examples/embed/dist` in the working directory, else in the source tree.
    pub embed_example_dir: Option<PathBuf>,
    /// Failed logins an account may make before each further failure locks it.
    pub login_free_failures: u32,
    /// The first lock after failed logins lasts this long; each further failure doubles it.
    /// 0 turns login throttling off.
    pub login_backoff_base_secs: u64,
    /// The longest lock; a quiet account or address is forgotten this long after its lock.
    pub login_backoff_max_secs: u64,
    /// Failed logins one client address may make (over all accounts) before each further
    /// failure locks the address.
    pub login_address_free_failures: u32,
    /// Argon2 password checks and hashes that may run at once (each takes 19 MiB and a core
    /// for tens of milliseconds). Default: the number of cores, at least 2.
    pub password_hash_concurrency: usize,
    /// How long a login waits for a password check slot before it is answered 503.
    pub password_hash_wait_ms: u64,
    /// Client connections served at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// A connection whose request headers are not complete this long after it became ready
    /// for them (an idle keep-alive connection included) is closed.
    pub header_read_timeout_secs: u64,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8088".into(),
            data_dir: PathBuf::from("./searchlight-data"),
            database_url: None,
            admin_password: None,
            secret_key: None,
            log_format: LogFormat::Text,
            session_idle_timeout_secs: 3 * 60 * 60,
            remember_me_secs: 7 * 24 * 60 * 60,
            model_dir: None,
            file_roots: Vec::new(),
            row_cap: 100_000,
            query_timeout_secs: 30,
            max_query_length: 10_000,
            max_query_tokens: 1_000,
            query_memory_limit_mb: 4096,
            max_concurrent_searches: searchlight_engine::default_max_concurrent_searches(),
            max_queued_searches: 64,
            search_queue_timeout_secs: 10,
            memory_table_cache_mb: 4096,
            answer_cache_mb: 256,
            postgres_pool_size: 8,
            postgres_connect_timeout_secs: 10,
            now: None,
            time_zone: "UTC".into(),
            demo: false,
            demo_rows: searchlight_demo::DEFAULT_ROWS,
            embed_example_dir: None,
            login_free_failures: 5,
            login_backoff_base_secs: 1,
            login_backoff_max_secs: 15 * 60,
            login_address_free_failures: 50,
            password_hash_concurrency: searchlight_identity::password::default_hash_concurrency(),
            password_hash_wait_ms: 2000,
            max_connections: 1024,
            header_read_timeout_secs: 30,
        }
    }
}

/// What every settings variable's name starts with.
pub const ENV_PREFIX: &str = "SEARCHLIGHT_";

/// The variable that names the config file (as `--config` does); not a setting itself.
pub const CONFIG_FILE_VARIABLE: &str = "SEARCHLIGHT_CONFIG";

/// How a variable's text becomes a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvValue {
    /// Taken as it is: addresses, paths, URLs, passwords and names (`12345` stays text).
    Text,
    /// A number, or `true`/`false`.
    Scalar,
    /// A list: `[a, b]` (quote items that hold commas or brackets: `["a,b", c]`), or a single
    /// item without brackets.
    List,
}

impl EnvValue {
    fn value(self, raw: &str) -> Value {
        match self {
            EnvValue::Text => Value::from(raw.to_string()),
            EnvValue::Scalar => parse_value(raw),
            EnvValue::List if raw.trim_start().starts_with('[') => parse_value(raw),
            EnvValue::List => Value::from(vec![Value::from(raw.trim().to_string())]),
        }
    }
}

/// figment's reading of a value: numbers, booleans, `[lists]`, `"quoted text"`, else text.
fn parse_value(raw: &str) -> Value {
    raw.parse::<Value>().unwrap_or_else(|never| match never {})
}

/// A setting that the environment variable `SEARCHLIGHT_<KEY>` may set.
#[derive(Debug, Clone, Copy)]
pub struct EnvSetting {
    /// The setting's key, as in the config file.
    pub key: &'static str,
    pub value: EnvValue,
}

impl EnvSetting {
    const fn new(key: &'static str, value: EnvValue) -> Self {
        Self { key, value }
    }

    /// The variable's name: `SEARCHLIGHT_` and the key in capitals.
    pub fn variable(&self) -> String {
        format!("{ENV_PREFIX}{}", self.key.to_ascii_uppercase())
    }
}

/// Every setting, each settable by its `SEARCHLIGHT_<KEY>` variable. The one list the loader
/// reads and the tests and the README's table are checked against. An empty variable counts
/// as unset.
pub const ENV_SETTINGS: &[EnvSetting] = &[
    EnvSetting::new("listen", EnvValue::Text),
    EnvSetting::new("data_dir", EnvValue::Text),
    EnvSetting::new("database_url", EnvValue::Text),
    EnvSetting::new("admin_password", EnvValue::Text),
    EnvSetting::new("secret_key", EnvValue::Text),
    EnvSetting::new("log_format", EnvValue::Text),
    EnvSetting::new("session_idle_timeout_secs", EnvValue::Scalar),
    EnvSetting::new("remember_me_secs", EnvValue::Scalar),
    EnvSetting::new("model_dir", EnvValue::Text),
    EnvSetting::new("file_roots", EnvValue::List),
    EnvSetting::new("row_cap", EnvValue::Scalar),
    EnvSetting::new("query_timeout_secs", EnvValue::Scalar),
    EnvSetting::new("max_query_length", EnvValue::Scalar),
    EnvSetting::new("max_query_tokens", EnvValue::Scalar),
    EnvSetting::new("query_memory_limit_mb", EnvValue::Scalar),
    EnvSetting::new("max_concurrent_searches", EnvValue::Scalar),
    EnvSetting::new("max_queued_searches", EnvValue::Scalar),
    EnvSetting::new("search_queue_timeout_secs", EnvValue::Scalar),
    EnvSetting::new("memory_table_cache_mb", EnvValue::Scalar),
    EnvSetting::new("answer_cache_mb", EnvValue::Scalar),
    EnvSetting::new("postgres_pool_size", EnvValue::Scalar),
    EnvSetting::new("postgres_connect_timeout_secs", EnvValue::Scalar),
    EnvSetting::new("now", EnvValue::Text),
    EnvSetting::new("time_zone", EnvValue::Text),
    EnvSetting::new("demo", EnvValue::Scalar),
    EnvSetting::new("demo_rows", EnvValue::Scalar),
    EnvSetting::new("embed_example_dir", EnvValue::Text),
    EnvSetting::new("login_free_failures", EnvValue::Scalar),
    EnvSetting::new("login_backoff_base_secs", EnvValue::Scalar),
    EnvSetting::new("login_backoff_max_secs", EnvValue::Scalar),
    EnvSetting::new("login_address_free_failures", EnvValue::Scalar),
    EnvSetting::new("password_hash_concurrency", EnvValue::Scalar),
    EnvSetting::new("password_hash_wait_ms", EnvValue::Scalar),
    EnvSetting::new("max_connections", EnvValue::Scalar),
    EnvSetting::new("header_read_timeout_secs", EnvValue::Scalar),
];

/// The `SEARCHLIGHT_*` variables of [`ENV_SETTINGS`], as a figment provider. (figment's own
/// `Env` provider parses every value, so a password such as `12345` became a number, and its
/// key filter saw the variables' names before they were lower-cased: it matched none.)
struct EnvSettings;

impl Provider for EnvSettings {
    fn metadata(&self) -> Metadata {
        Metadata::named("environment variable").interpolater(|_: &Profile, keys: &[&str]| {
            format!("{ENV_PREFIX}{}", keys.join(".").to_ascii_uppercase())
        })
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let mut dict = Dict::new();
        for setting in ENV_SETTINGS {
            let Some(raw) = std::env::var_os(setting.variable()) else {
                continue;
            };
            let raw = raw.to_string_lossy();
            if raw.trim().is_empty() {
                continue;
            }
            dict.insert(setting.key.to_string(), setting.value.value(&raw));
        }
        Ok(Profile::Default.collect(dict))
    }
}

/// What secrets are shown as.
const REDACTED: &str = searchlight_store::REDACTED;

impl Config {
    /// Loads the layers. `file` is `--config`; without it `searchlight.toml` is read if it
    /// exists. `flags` are the command-line overrides.
    pub fn load(file: Option<&Path>, flags: &impl Serialize) -> Result<Self, String> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) => {
                if !path.exists() {
                    return Err(format!("config file {} does not exist", path.display()));
                }
                figment = figment.merge(Toml::file_exact(path));
            }
            None => {
                if Path::new(DEFAULT_CONFIG_FILE).exists() {
                    figment = figment.merge(Toml::file_exact(DEFAULT_CONFIG_FILE));
                }
            }
        }
        figment = figment
            .merge(EnvSettings)
            .merge(Serialized::defaults(flags));
        figment.extract().map_err(|err| {
            let mut message = String::from("invalid configuration: ");
            for (i, e) in err.into_iter().enumerate() {
                if i > 0 {
                    message.push_str("; ");
                }
                message.push_str(&e.to_string());
            }
            message
        })
    }

    /// Checks the settings that are read as more than text: the listen address, the pinned
    /// "now" and the time zone.
    pub fn validate(&self) -> Result<(), String> {
        self.listen_addr()?;
        self.pinned_now()?;
        self.zone()?;
        // A secret_key that is not 32 bytes of base64 stops `serve` too (the error does not
        // quote it).
        searchlight_catalog::Secrets::new(self.secret_key.as_deref(), &self.data_dir)?;
        Ok(())
    }

    /// The configuration as operators may see it (`searchlight config`): tsadmin's password,
    /// the secret key and any password in the database URL are `***`.
    pub fn redacted(&self) -> Config {
        let mut shown = self.clone();
        if shown.admin_password.is_some() {
            shown.admin_password = Some(REDACTED.to_string());
        }
        if shown.secret_key.is_some() {
            shown.secret_key = Some(REDACTED.to_string());
        }
        shown.database_url = shown
            .database_url
            .as_deref()
            .map(searchlight_store::redact_url);
        shown
    }

    /// The engine's settings: page size, timeout and the bounds on search work.
    pub fn engine_config(&self) -> searchlight_engine::EngineConfig {
        let megabytes = |mb: usize| mb.max(1).saturating_mul(searchlight_engine::MB);
        searchlight_engine::EngineConfig {
            row_cap: self.row_cap.max(1),
            query_timeout: Duration::from_secs(self.query_timeout_secs.max(1)),
            target_partitions: None,
            search_limits: searchlight_search::Limits {
                max_chars: self.max_query_length.max(1),
                max_tokens: self.max_query_tokens.max(1),
            },
            query_memory_limit: megabytes(self.query_memory_limit_mb),
            max_concurrent_searches: Some(self.max_concurrent_searches.max(1)),
            max_queued_searches: self.max_queued_searches,
            queue_timeout: Duration::from_secs(self.search_queue_timeout_secs),
            memory_table_cache: self
                .memory_table_cache_mb
                .saturating_mul(searchlight_engine::MB),
            // 0 turns the answer cache off.
            answer_cache: self.answer_cache_mb.saturating_mul(searchlight_engine::MB),
            postgres_pool_size: self.postgres_pool_size.max(1),
            postgres_connect_timeout: Duration::from_secs(
                self.postgres_connect_timeout_secs.max(1),
            ),
        }
    }

    /// The login policy: throttling of failed logins and bounds on password hashing.
    pub fn login_policy(&self) -> LoginPolicy {
        LoginPolicy {
            free_failures: self.login_free_failures,
            address_free_failures: self.login_address_free_failures,
            backoff_base: Duration::from_secs(self.login_backoff_base_secs),
            backoff_max: Duration::from_secs(
                self.login_backoff_max_secs
                    .max(self.login_backoff_base_secs),
            ),
            hash_concurrency: self.password_hash_concurrency.max(1),
            hash_wait: Duration::from_millis(self.password_hash_wait_ms),
            ..LoginPolicy::default()
        }
    }

    /// The address to listen on.
    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        self.listen.parse().map_err(|_| {
            format!(
                "invalid listen address '{}': expected HOST:PORT, e.g. 127.0.0.1:8088",
                self.listen
            )
        })
    }

    /// The pinned "now", if any.
    pub fn pinned_now(&self) -> Result<Option<chrono::DateTime<chrono::Utc>>, String> {
        self.now
            .as_deref()
            .map(|now| {
                chrono::DateTime::parse_from_rfc3339(now)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|err| {
                        format!("invalid now '{now}': {err}; expected e.g. 2025-06-15T12:00:00Z")
                    })
            })
            .transpose()
    }

    /// The configured time zone.
    pub fn zone(&self) -> Result<chrono_tz::Tz, String> {
        self.time_zone.parse().map_err(|_| {
            format!(
                "invalid time_zone '{}': expected an IANA name such as UTC or Europe/Paris",
                self.time_zone
            )
        })
    }

    /// The server's own files in the data dir, which no table may read although the data
    /// dir is a file root: the SQLite store (password hashes, sessions) and the secret key.
    pub fn private_files(&self) -> Vec<PathBuf> {
        [
            "searchlight.db",
            "searchlight.db-wal",
            "searchlight.db-shm",
            "searchlight.db-journal",
        ]
        .into_iter()
        .chain([searchlight_catalog::secrets::KEY_FILE])
        .map(|name| self.data_dir.join(name))
        .collect()
    }

    /// The folders LOCAL_FILES paths may lie under.
    pub fn file_roots(&self) -> Vec<PathBuf> {
        let mut roots = vec![self.data_dir.clone()];
        roots.extend(self.model_dir.clone());
        roots.extend(self.file_roots.iter().cloned());
        roots
    }

    /// tsadmin's password for a new store: the configured one, or the documented demo
    /// password in a demo.
    pub fn initial_admin_password(&self) -> Option<&str> {
        self.admin_password
            .as_deref()
            .or(self.demo.then_some(crate::demo::DEMO_ADMIN_PASSWORD))
    }

    /// The folder of the built embedding example: the configured one, else
    /// `examples/embed/dist` under the working directory when it is there, else the one in
    /// this source tree (for `cargo run`). Served only while it holds an `index.html`.
    pub fn embed_example_dir(&self) -> Option<PathBuf> {
        const BUILT: &str = "examples/embed/dist";
        if let Some(dir) = &self.embed_example_dir {
            return Some(dir.clone());
        }
        let here = PathBuf::from(BUILT);
        if here.join("index.html").is_file() {
            return std::path::absolute(&here).ok().or(Some(here));
        }
        Some(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../..")
                .join(BUILT),
        )
    }

    /// The store URL: the configured one or the SQLite file in the data dir.
    pub fn store_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                self.data_dir.join("searchlight.db").display()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct NoFlags {}

    #[derive(Serialize)]
    struct Flags {
        listen: &'static str,
    }

    #[test]
    fn file_then_flags_override_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("s.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\ndata_dir = \"/tmp/x\"\n",
        )
        .unwrap();
        let config = Config::load(Some(&file), &NoFlags {}).unwrap();
        assert_eq!(config.listen, "127.0.0.1:9000");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        let config = Config::load(
            Some(&file),
            &Flags {
                listen: "0.0.0.0:1",
            },
        )
        .unwrap();
        assert_eq!(config.listen, "0.0.0.0:1");
    }

    #[test]
    fn every_setting_is_in_the_environment_list_once() {
        let defaults = serde_json::to_value(Config::default()).unwrap();
        let mut keys: Vec<&str> = defaults
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut listed: Vec<&str> = ENV_SETTINGS.iter().map(|s| s.key).collect();
        listed.sort_unstable();
        assert_eq!(
            listed, keys,
            "ENV_SETTINGS must list every key of Config once"
        );
        // Each kind of value fits its setting's default.
        for setting in ENV_SETTINGS {
            let default = &defaults[setting.key];
            let fits = match setting.value {
                EnvValue::Text => default.is_string() || default.is_null(),
                EnvValue::Scalar => default.is_number() || default.is_boolean(),
                EnvValue::List => default.is_array(),
            };
            assert!(fits, "{}: {:?} for {default}", setting.key, setting.value);
        }
    }

    #[test]
    fn variables_are_read_as_their_kind() {
        assert_eq!(
            EnvValue::Text.value("12345"),
            Value::from("12345".to_string())
        );
        assert_eq!(
            EnvValue::Text.value("\"quoted\" [x]"),
            Value::from("\"quoted\" [x]".to_string())
        );
        assert_eq!(EnvValue::Scalar.value("42"), Value::from(42u8));
        assert_eq!(EnvValue::Scalar.value("true"), Value::from(true));
        assert_eq!(
            EnvValue::List.value("[/a, \"/b,c\"]"),
            Value::from(vec!["/a".to_string(), "/b,c".to_string()])
        );
        assert_eq!(
            EnvValue::List.value(" /srv/data "),
            Value::from(vec!["/srv/data".to_string()])
        );
        assert_eq!(
            ENV_SETTINGS[0].variable(),
            format!("SEARCHLIGHT_{}", ENV_SETTINGS[0].key.to_uppercase())
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let config = Config {
            admin_password: Some("hunter2".into()),
            database_url: Some("postgres://u:hunter3@h/d".into()),
            ..Config::default()
        };
        let shown = serde_json::to_string(&config.redacted()).unwrap();
        assert!(!shown.contains("hunter"), "{shown}");
        assert!(Config::default().redacted().admin_password.is_none());
    }

    #[test]
    fn unknown_key_names_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), &NoFlags {}).unwrap_err();
        assert!(err.contains("lissen"), "{err}");
        assert!(err.contains("bad.toml"), "{err}");
    }
}
