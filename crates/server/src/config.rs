//! Configuration, layered: built-in defaults, then `searchlight.toml`, then `SEARCHLIGHT_*`
//! environment variables, then command-line flags (each overrides the one before).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

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
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8088".into(),
            data_dir: PathBuf::from("./searchlight-data"),
            database_url: None,
            admin_password: None,
            log_format: LogFormat::Text,
            session_idle_timeout_secs: 3 * 60 * 60,
            remember_me_secs: 7 * 24 * 60 * 60,
            model_dir: None,
            file_roots: Vec::new(),
            row_cap: 100_000,
            query_timeout_secs: 30,
            now: None,
            time_zone: "UTC".into(),
            demo: false,
            demo_rows: searchlight_demo::DEFAULT_ROWS,
            embed_example_dir: None,
        }
    }
}

/// The keys a `SEARCHLIGHT_*` variable may set (others, such as `SEARCHLIGHT_CONFIG`, are not
/// settings).
const ENV_KEYS: &[&str] = &[
    "listen",
    "data_dir",
    "database_url",
    "admin_password",
    "log_format",
    "session_idle_timeout_secs",
    "remember_me_secs",
    "model_dir",
    "row_cap",
    "query_timeout_secs",
    "now",
    "time_zone",
    "demo",
    "demo_rows",
    "embed_example_dir",
];

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
            .merge(Env::prefixed("SEARCHLIGHT_").filter(|key| ENV_KEYS.contains(&key.as_str())))
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
    fn unknown_key_names_the_key_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.toml");
        std::fs::write(&file, "lissen = \"x\"\n").unwrap();
        let err = Config::load(Some(&file), &NoFlags {}).unwrap_err();
        assert!(err.contains("lissen"), "{err}");
        assert!(err.contains("bad.toml"), "{err}");
    }
}
