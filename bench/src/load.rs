//! The load benchmark: a crowd of clients and a flood of bad logins against one server.
//!
//! A fresh in-process server per store loads the retail demo (`serve --demo`'s own generator
//! and TML, at a small row count): the "Retail Sales" worksheet over Parquet files and the
//! "Sales Overview" pinboard. user/sync adds the accounts the legitimate clients log in as
//! (members of Administrator, so that user/list is theirs to call) and a few real accounts
//! for the attackers to guess at, besides the demo's `analyst`.
//!
//! Then, for each level of concurrency in turn (1, 8, 32 and 128 clients by default, 30 s
//! each, on the same server), that many client tasks run until the level's deadline: a
//! quarter of them (rounded) are attackers sending `session/login` with wrong passwords as
//! fast as they are answered, half for real accounts and half for random names; the others
//! each keep a cookie store and loop over a weighted random mix of a good login,
//! `searchdata` (a small search and a bigger one), `pinboarddata`,
//! `metadata/listobjectheaders` and `user/list`. Every request has a timeout; no request
//! starts after the deadline.
//!
//! Reported per level and request kind: throughput, p50 and p99 latency, and the answers by
//! status. The server runs in this process, so its memory is this process's: the resident
//! high-water mark (`VmHWM`), reset at the start of each level, and `VmRSS` sampled every
//! 50 ms. The targets of issue 13: no 5xx but the documented 503 overload answer (which
//! carries `Retry-After`), memory under the configured limit, and the small search's p99
//! under 100 ms at 8 clients.
//!
//! Any server setting can be set for the run by name (`--set KEY=VALUE`); the per-address
//! login allowance (`login_address_free_failures`) is raised unless `--keep-address-limits`,
//! since every client here comes from 127.0.0.1.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use reqwest::{Client, RequestBuilder};
use serde::Serialize;
use serde_json::{Value, json};

use searchlight::Config;

use crate::report::{duration_text, ms, proc_status_kb, quantile, reset_peak_rss, thousands};
use crate::server::{API, RunningServer, StoreKind, login};

/// The password user/sync gives the accounts it creates.
const USER_PASSWORD: &str = "bench load pw";
/// The demo's worksheet and the pinboard the clients open.
const WORKSHEET: &str = "Retail Sales";
const PINBOARD: &str = "Sales Overview";
/// The demo's non-admin user: a real account the attackers also guess at.
const DEMO_ANALYST: &str = "analyst";
/// One measure by one attribute, top 10.
const SMALL_SEARCH: &str = "[Revenue] [Product] top 10";
/// Three measures by store, category and month (thousands of groups), one page of 1,000.
const BIG_SEARCH: &str = "[Revenue] [Profit] [Quantity] [Store] [Category] [Order Date].monthly";
const BIG_SEARCH_BATCH: &str = "1000";
/// The types listobjectheaders is asked for, one at random.
const HEADER_TYPES: [&str; 3] = [
    "QUESTION_ANSWER_BOOK",
    "PINBOARD_ANSWER_BOOK",
    "LOGICAL_TABLE",
];
/// The most a legitimate client waits after a 429 or 503 (it waits `Retry-After` up to this).
const MAX_BACKOFF: Duration = Duration::from_secs(2);
/// How often `VmRSS` is sampled during a level.
const RSS_SAMPLE_EVERY: Duration = Duration::from_millis(50);
/// The answer bucket of a 503 that does not say when to retry (not the documented one).
const NO_RETRY_503: &str = "503 without Retry-After";
/// The setting whose value is the memory target, when the server has it.
const MEMORY_LIMIT_KEY: &str = "query_memory_limit_mb";
/// What a per-address login allowance is raised to.
const RAISED_ALLOWANCE: u64 = 1_000_000;
/// The server's per-address login allowance: every client here shares 127.0.0.1.
const ADDRESS_ALLOWANCE_KEY: &str = "login_address_free_failures";
/// The target of issue 13 for the small search's p99, and the level it applies at.
const SMALL_SEARCH_P99_MS: f64 = 100.0;
const SMALL_SEARCH_TARGET_CLIENTS: usize = 8;

#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Concurrent clients of each level, run one after another on the same server.
    #[arg(long, value_delimiter = ',', default_values = ["1", "8", "32", "128"])]
    pub clients: Vec<usize>,
    /// Seconds each level runs.
    #[arg(long, default_value_t = 30.0)]
    pub seconds: f64,
    /// Share of each level's clients that flood bad logins (rounded: a level of 1 has none).
    #[arg(long, default_value_t = 0.25)]
    pub attacker_share: f64,
    /// Sales rows of the demo dataset the server loads.
    #[arg(long, default_value_t = 200_000)]
    pub rows: usize,
    /// Accounts the legitimate clients log in as (client i uses account i mod this).
    #[arg(long, default_value_t = 32)]
    pub users: usize,
    /// Real accounts made for the attackers to guess at (besides the demo's analyst).
    #[arg(long, default_value_t = 4)]
    pub victims: usize,
    /// Each request's timeout, in seconds.
    #[arg(long, default_value_t = 10.0)]
    pub timeout_secs: f64,
    /// Seconds of rest between levels.
    #[arg(long, default_value_t = 5.0)]
    pub pause_secs: f64,
    /// A server setting for the run, by its name in searchlight.toml (repeatable), e.g.
    /// `--set query_memory_limit_mb=512`; the value is JSON, else a string.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Keep the per-client-address login allowance as configured (by default
    /// `login_address_free_failures` is raised: all clients here are 127.0.0.1).
    #[arg(long)]
    pub keep_address_limits: bool,
    /// The memory target in MiB (default: the server's `query_memory_limit_mb`, if it has
    /// that setting and it is set).
    #[arg(long)]
    pub memory_limit_mb: Option<f64>,
    /// Stores to run on.
    #[arg(long, value_enum, value_delimiter = ',', default_values = ["sqlite"])]
    pub stores: Vec<StoreKind>,
    /// PostgreSQL server for the postgres store (a fresh schema per run).
    #[arg(
        long,
        env = "SEARCHLIGHT_TEST_POSTGRES_URL",
        default_value = "postgres://postgres@127.0.0.1:5432/test"
    )]
    pub postgres_url: String,
}

/// What a client asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Login,
    SearchSmall,
    SearchBig,
    Pinboard,
    Headers,
    UserList,
    BadLogin,
}

const KIND_COUNT: usize = 7;

impl Kind {
    const ALL: [Kind; KIND_COUNT] = [
        Kind::Login,
        Kind::SearchSmall,
        Kind::SearchBig,
        Kind::Pinboard,
        Kind::Headers,
        Kind::UserList,
        Kind::BadLogin,
    ];

    fn label(self) -> &'static str {
        match self {
            Kind::Login => "login (good password)",
            Kind::SearchSmall => "searchdata (small)",
            Kind::SearchBig => "searchdata (big)",
            Kind::Pinboard => "pinboarddata",
            Kind::Headers => "metadata/listobjectheaders",
            Kind::UserList => "user/list",
            Kind::BadLogin => "bad login (attackers)",
        }
    }
}

/// The legitimate clients' mix: each request is one of these, with these weights.
const MIX: [(Kind, u32); 6] = [
    (Kind::Login, 5),
    (Kind::SearchSmall, 35),
    (Kind::SearchBig, 10),
    (Kind::Pinboard, 10),
    (Kind::Headers, 25),
    (Kind::UserList, 15),
];

/// A small, fast generator (SplitMix64): each client has its own, seeded from its number.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// The next request of the mix.
    fn pick(&mut self) -> Kind {
        let total: u32 = MIX.iter().map(|(_, weight)| weight).sum();
        let mut roll = self.below(u64::from(total)) as u32;
        for (kind, weight) in MIX {
            if roll < weight {
                return kind;
            }
            roll -= weight;
        }
        Kind::SearchSmall
    }
}

/// The server and what the clients need to know of it.
struct Target {
    base: String,
    worksheet: String,
    pinboard: String,
    users: Vec<String>,
    victims: Vec<String>,
    timeout: Duration,
}

impl Target {
    fn post(&self, client: &Client, endpoint: &str) -> RequestBuilder {
        client
            .post(format!("{}{API}/{endpoint}", self.base))
            .header("X-Requested-By", "ThoughtSpot")
    }

    fn get(&self, client: &Client, endpoint: &str) -> RequestBuilder {
        client
            .get(format!("{}{API}/{endpoint}", self.base))
            .header("X-Requested-By", "ThoughtSpot")
    }

    fn login(&self, client: &Client, user: &str, password: &str) -> RequestBuilder {
        self.post(client, "session/login")
            .form(&[("username", user), ("password", password)])
    }

    /// One request of `kind`; `user` is the legitimate client's account.
    fn request(&self, client: &Client, kind: Kind, user: &str, rng: &mut Rng) -> RequestBuilder {
        match kind {
            Kind::Login => self.login(client, user, USER_PASSWORD),
            Kind::SearchSmall => self.post(client, "searchdata").form(&[
                ("query_string", SMALL_SEARCH),
                ("data_source_guid", self.worksheet.as_str()),
                ("formattype", "COMPACT"),
            ]),
            Kind::SearchBig => self.post(client, "searchdata").form(&[
                ("query_string", BIG_SEARCH),
                ("data_source_guid", self.worksheet.as_str()),
                ("formattype", "COMPACT"),
                ("batchsize", BIG_SEARCH_BATCH),
            ]),
            Kind::Pinboard => self
                .post(client, "pinboarddata")
                .form(&[("id", self.pinboard.as_str()), ("formattype", "COMPACT")]),
            Kind::Headers => {
                let object_type = HEADER_TYPES[rng.below(HEADER_TYPES.len() as u64) as usize];
                self.get(client, "metadata/listobjectheaders")
                    .query(&[("type", object_type), ("batchsize", "50")])
            }
            Kind::UserList => self.get(client, "user/list"),
            Kind::BadLogin => {
                let name = if self.victims.is_empty() || rng.below(2) == 0 {
                    format!("nobody-{:016x}", rng.next_u64())
                } else {
                    self.victims[rng.below(self.victims.len() as u64) as usize].clone()
                };
                let password = format!("guess-{:016x}", rng.next_u64());
                self.login(client, &name, &password)
            }
        }
    }
}

/// How a request ended.
#[derive(Debug, Clone, Copy)]
enum Answer {
    Status(u16),
    Timeout,
    Error,
}

struct Outcome {
    answer: Answer,
    wall_ms: f64,
    /// `Retry-After` in seconds, when the answer has one in that form.
    retry_after: Option<u64>,
    has_retry_after: bool,
}

impl Outcome {
    /// The key the answer is counted under.
    fn bucket(&self) -> String {
        match self.answer {
            Answer::Status(503) if !self.has_retry_after => NO_RETRY_503.into(),
            Answer::Status(code) => code.to_string(),
            Answer::Timeout => "timeout".into(),
            Answer::Error => "connection error".into(),
        }
    }
}

/// Sends one request and reads the whole answer, within `timeout`.
async fn send(request: RequestBuilder, timeout: Duration) -> Outcome {
    let started = Instant::now();
    let result = tokio::time::timeout(timeout, async {
        let response = request.send().await?;
        let status = response.status().as_u16();
        let retry = response.headers().get("retry-after");
        let has_retry_after = retry.is_some();
        let retry_after = retry
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        response.bytes().await?;
        Ok::<_, reqwest::Error>((status, retry_after, has_retry_after))
    })
    .await;
    let wall_ms = ms(started.elapsed());
    let (answer, retry_after, has_retry_after) = match result {
        Ok(Ok((status, retry_after, has_retry_after))) => {
            (Answer::Status(status), retry_after, has_retry_after)
        }
        Ok(Err(err)) if err.is_timeout() => (Answer::Timeout, None, false),
        Ok(Err(_)) => (Answer::Error, None, false),
        Err(_) => (Answer::Timeout, None, false),
    };
    Outcome {
        answer,
        wall_ms,
        retry_after,
        has_retry_after,
    }
}

/// One kind's answers, as a client task collects them.
#[derive(Debug, Clone, Default)]
struct KindStats {
    answers: BTreeMap<String, u64>,
    /// Wall times of the timed answers: 2xx, or every answer of a bad login.
    latencies_ms: Vec<f64>,
}

#[derive(Debug, Default)]
struct Stats {
    kinds: [KindStats; KIND_COUNT],
}

impl Stats {
    fn record(&mut self, kind: Kind, outcome: &Outcome) {
        let stats = &mut self.kinds[kind as usize];
        *stats.answers.entry(outcome.bucket()).or_default() += 1;
        let timed = match outcome.answer {
            Answer::Status(code) => kind == Kind::BadLogin || (200..300).contains(&code),
            Answer::Timeout | Answer::Error => false,
        };
        if timed {
            stats.latencies_ms.push(outcome.wall_ms);
        }
    }

    fn merge(&mut self, other: Stats) {
        for (mine, theirs) in self.kinds.iter_mut().zip(other.kinds) {
            for (bucket, count) in theirs.answers {
                *mine.answers.entry(bucket).or_default() += count;
            }
            mine.latencies_ms.extend(theirs.latencies_ms);
        }
    }
}

/// Waits `wait`, but not past `deadline`.
async fn pause_until(deadline: Instant, wait: Duration) {
    let wait = wait.min(deadline.saturating_duration_since(Instant::now()));
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// A legitimate client: logs in, then loops over the mix until the deadline.
async fn legitimate(target: Arc<Target>, index: usize, seed: u64, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let Ok(client) = Client::builder()
        .cookie_store(true)
        .timeout(target.timeout)
        .build()
    else {
        return stats;
    };
    let mut rng = Rng::new(seed);
    let user = target.users[index % target.users.len()].clone();
    let mut logged_in = false;
    while Instant::now() < deadline {
        let kind = if logged_in { rng.pick() } else { Kind::Login };
        let request = target.request(&client, kind, &user, &mut rng);
        let outcome = send(request, target.timeout).await;
        stats.record(kind, &outcome);
        match outcome.answer {
            Answer::Status(429 | 503) => {
                let wait = outcome
                    .retry_after
                    .map_or(Duration::from_millis(500), Duration::from_secs)
                    .min(MAX_BACKOFF);
                pause_until(deadline, wait).await;
            }
            Answer::Status(code) if kind == Kind::Login => {
                logged_in = (200..300).contains(&code);
                if !logged_in {
                    pause_until(deadline, Duration::from_millis(100)).await;
                }
            }
            Answer::Status(401) => logged_in = false,
            Answer::Status(_) | Answer::Timeout => {}
            Answer::Error => pause_until(deadline, Duration::from_millis(100)).await,
        }
    }
    stats
}

/// An attacker: wrong passwords as fast as they are answered, `Retry-After` ignored.
async fn attacker(target: Arc<Target>, seed: u64, deadline: Instant) -> Stats {
    let mut stats = Stats::default();
    let Ok(client) = Client::builder().timeout(target.timeout).build() else {
        return stats;
    };
    let mut rng = Rng::new(seed);
    while Instant::now() < deadline {
        let request = target.request(&client, Kind::BadLogin, "", &mut rng);
        let outcome = send(request, target.timeout).await;
        stats.record(Kind::BadLogin, &outcome);
        if let Answer::Error = outcome.answer {
            pause_until(deadline, Duration::from_millis(100)).await;
        }
    }
    stats
}

/// The highest `VmRSS` seen until `stop` is set.
async fn sample_rss(stop: Arc<AtomicBool>) -> Option<u64> {
    let mut peak: Option<u64> = None;
    while !stop.load(Ordering::Relaxed) {
        if let Some(kb) = proc_status_kb("VmRSS") {
            peak = Some(peak.map_or(kb, |p| p.max(kb)));
        }
        tokio::time::sleep(RSS_SAMPLE_EVERY).await;
    }
    peak
}

/// Whether the server answers `/healthz` (within 10 s).
async fn healthy(base: &str) -> bool {
    let Ok(client) = Client::builder().timeout(Duration::from_secs(10)).build() else {
        return false;
    };
    match client.get(format!("{base}/healthz")).send().await {
        Ok(response) => response.status().is_success(),
        Err(_) => false,
    }
}

/// One kind's results at one level.
#[derive(Debug, Clone, Serialize)]
pub struct KindResult {
    pub kind: String,
    pub requests: u64,
    pub per_second: f64,
    /// Quantiles of the timed answers (2xx; every answer of a bad login).
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub timed: usize,
    /// Answers by status code ("200", "429" …), and "503 without Retry-After", "timeout",
    /// "connection error".
    pub answers: BTreeMap<String, u64>,
}

/// One level of concurrency.
#[derive(Debug, Clone, Serialize)]
pub struct LevelResult {
    pub clients: usize,
    pub legitimate: usize,
    pub attackers: usize,
    /// The level's length (requests start only within it).
    pub seconds: f64,
    /// Until the last client task ended (the requests in flight at the deadline included).
    pub wall_seconds: f64,
    pub requests: u64,
    pub per_second: f64,
    pub kinds: Vec<KindResult>,
    /// 5xx answers other than a 503 with `Retry-After`.
    pub unexpected_5xx: u64,
    pub good_login_429: u64,
    pub good_login_503: u64,
    /// `VmHWM` at the end of the level (reset at its start when `peak_was_reset`).
    pub peak_rss_kb: Option<u64>,
    pub peak_was_reset: bool,
    /// The highest `VmRSS` sampled during the level.
    pub sampled_peak_rss_kb: Option<u64>,
    pub rss_after_kb: Option<u64>,
    pub healthy_after: bool,
    /// Client tasks that panicked, or were still running 5 s after the deadline plus a
    /// request timeout (then aborted).
    pub tasks_cut_off: usize,
}

impl LevelResult {
    /// The level's peak: the high-water mark if it was reset, else the sampled one.
    fn peak_kb(&self) -> Option<u64> {
        if self.peak_was_reset {
            self.peak_rss_kb.max(self.sampled_peak_rss_kb)
        } else {
            self.sampled_peak_rss_kb
        }
    }

    fn kind(&self, kind: Kind) -> Option<&KindResult> {
        self.kinds.iter().find(|k| k.kind == kind.label())
    }
}

/// One store's run.
#[derive(Debug, Clone, Serialize)]
pub struct StoreResult {
    pub store: String,
    /// Settings changed for the run (`KEY = VALUE`).
    pub settings: Vec<String>,
    /// Per-address login settings raised for the run (none with `--keep-address-limits`).
    pub address_settings: Vec<String>,
    pub memory_limit_mb: Option<f64>,
    pub memory_limit_source: String,
    /// Starting the server (generating and importing the demo) and making the accounts.
    pub setup_ms: f64,
    pub rss_before_server_kb: Option<u64>,
    pub rss_after_setup_kb: Option<u64>,
    /// The highest level peak.
    pub peak_kb: Option<u64>,
    pub levels: Vec<LevelResult>,
    /// The server stopped within 60 s after the last level.
    pub stopped: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub rows: usize,
    pub seconds: f64,
    pub pause_secs: f64,
    pub attacker_share: f64,
    pub timeout_secs: f64,
    pub users: usize,
    pub victims: Vec<String>,
    pub mix: Vec<(String, u32)>,
    pub small_search: String,
    pub big_search: String,
    pub results: Vec<StoreResult>,
}

/// `--set` arguments as (key, JSON value).
fn parse_sets(sets: &[String]) -> anyhow::Result<Vec<(String, Value)>> {
    sets.iter()
        .map(|set| -> anyhow::Result<(String, Value)> {
            let (key, value) = set
                .split_once('=')
                .with_context(|| format!("--set {set}: expected KEY=VALUE"))?;
            let value =
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
            Ok((key.trim().to_string(), value))
        })
        .collect()
}

/// Sets `overrides` by name through the configuration's serde form (so a setting added to
/// `Config` later needs no change here; an unknown name is an error).
fn apply_overrides(config: &mut Config, overrides: &[(String, Value)]) -> anyhow::Result<()> {
    if overrides.is_empty() {
        return Ok(());
    }
    let mut value = serde_json::to_value(&*config).context("the configuration as JSON")?;
    let object = value
        .as_object_mut()
        .context("the configuration is not a map")?;
    for (key, setting) in overrides {
        object.insert(key.clone(), setting.clone());
    }
    let mut updated: Config = serde_json::from_value(value)
        .context("--set: not a setting of the server, or not a valid value for it")?;
    // What the benchmark's own server set, kept even if a setting is not serialised.
    updated.listen = config.listen.clone();
    updated.data_dir = config.data_dir.clone();
    updated.database_url = config.database_url.clone();
    updated.admin_password = config.admin_password.clone();
    *config = updated;
    Ok(())
}

/// The configured memory limit in MiB, if the server has that setting and it is set.
fn configured_memory_limit_mb(config: &Config) -> Option<f64> {
    let value = serde_json::to_value(config).ok()?;
    value.get(MEMORY_LIMIT_KEY)?.as_f64().filter(|mb| *mb > 0.0)
}

/// A metadata object's GUID, found by type and name.
async fn find_guid(
    client: &Client,
    base: &str,
    object_type: &str,
    name: &str,
) -> anyhow::Result<String> {
    let response = client
        .get(format!("{base}{API}/metadata/listobjectheaders"))
        .query(&[("type", object_type)])
        .send()
        .await?;
    let status = response.status();
    ensure!(
        status.is_success(),
        "listobjectheaders {object_type}: {status}"
    );
    let headers: Vec<Value> = response.json().await?;
    headers
        .iter()
        .find(|header| header["name"] == name)
        .and_then(|header| header["id"].as_str())
        .map(str::to_string)
        .with_context(|| format!("the demo has no {object_type} named '{name}'"))
}

/// The name of a real account the attackers guess at.
fn victim_name(i: usize) -> String {
    format!("victim_{i:02}")
}

/// Makes the accounts (one user/sync) and finds the worksheet and the pinboard.
async fn prepare(base: &str, options: &Options, timeout: Duration) -> anyhow::Result<Target> {
    let admin = login(base).await?;
    let users: Vec<String> = (0..options.users)
        .map(|i| format!("load_user_{i:03}"))
        .collect();
    let synced_victims: Vec<String> = (0..options.victims).map(victim_name).collect();
    let mut principals: Vec<Value> = users
        .iter()
        .map(|name| {
            json!({
                "name": name, "displayName": name, "principalTypeEnum": "LOCAL_USER",
                "groupNames": ["Administrator"],
            })
        })
        .collect();
    principals.extend(synced_victims.iter().map(|name| {
        json!({
            "name": name, "displayName": name, "principalTypeEnum": "LOCAL_USER",
            "groupNames": [],
        })
    }));
    let form = reqwest::multipart::Form::new()
        .text("principals", serde_json::to_string(&principals)?)
        .text("applyChanges", "true")
        .text("password", USER_PASSWORD);
    let response = admin
        .post(format!("{base}{API}/user/sync"))
        .header("X-Requested-By", "ThoughtSpot")
        .multipart(form)
        .send()
        .await?;
    let status = response.status();
    let body = response.bytes().await?;
    ensure!(
        status.as_u16() == 200,
        "user/sync: {status}: {}",
        String::from_utf8_lossy(&body)
    );
    let worksheet = find_guid(&admin, base, "LOGICAL_TABLE", WORKSHEET).await?;
    let pinboard = find_guid(&admin, base, "PINBOARD_ANSWER_BOOK", PINBOARD).await?;
    let mut victims = vec![DEMO_ANALYST.to_string()];
    victims.extend(synced_victims);
    Ok(Target {
        base: base.to_string(),
        worksheet,
        pinboard,
        users,
        victims,
        timeout,
    })
}

/// Every request of the mix once, as a legitimate client, must succeed, and a bad login
/// must be a 401: nothing is measured otherwise.
async fn check(target: &Target) -> anyhow::Result<()> {
    let client = Client::builder()
        .cookie_store(true)
        .timeout(Duration::from_secs(120))
        .build()?;
    let user = &target.users[0];
    let mut rng = Rng::new(1);
    for kind in Kind::ALL {
        let response = target.request(&client, kind, user, &mut rng).send().await?;
        let status = response.status();
        let body = response.bytes().await?;
        if kind == Kind::BadLogin {
            ensure!(
                status.as_u16() == 401,
                "a bad login: {status} (401 expected): {}",
                String::from_utf8_lossy(&body)
            );
        } else {
            ensure!(
                status.is_success(),
                "{} as {user}: {status}: {}",
                kind.label(),
                String::from_utf8_lossy(&body)
            );
        }
    }
    Ok(())
}

/// Runs one level: `clients` tasks until `seconds` have passed.
async fn run_level(
    target: &Arc<Target>,
    options: &Options,
    clients: usize,
    level: usize,
) -> LevelResult {
    let attackers = ((clients as f64 * options.attacker_share).round() as usize).min(clients);
    let legitimate_clients = clients - attackers;
    eprintln!(
        "==> {clients} clients ({legitimate_clients} legitimate, {attackers} attackers) for {} s",
        options.seconds
    );
    let peak_was_reset = reset_peak_rss();
    let stop_sampling = Arc::new(AtomicBool::new(false));
    let sampler = tokio::spawn(sample_rss(stop_sampling.clone()));

    let window = Duration::from_secs_f64(options.seconds);
    let started = Instant::now();
    let deadline = started + window;
    let mut tasks = Vec::with_capacity(clients);
    for i in 0..clients {
        let seed = ((level as u64) << 32) ^ (i as u64) ^ 0x5EED_0000_0000_0000;
        let task = if i < legitimate_clients {
            tokio::spawn(legitimate(target.clone(), i, seed, deadline))
        } else {
            tokio::spawn(attacker(target.clone(), seed, deadline))
        };
        tasks.push(task);
    }
    let cut_off = deadline + target.timeout + Duration::from_secs(5);
    let mut stats = Stats::default();
    let mut tasks_cut_off = 0;
    for mut task in tasks {
        let remaining = cut_off.saturating_duration_since(Instant::now());
        let ended = tokio::time::timeout(remaining, &mut task).await;
        match ended {
            Ok(Ok(task_stats)) => stats.merge(task_stats),
            Ok(Err(_)) => tasks_cut_off += 1,
            Err(_) => {
                task.abort();
                tasks_cut_off += 1;
            }
        }
    }
    let wall_seconds = started.elapsed().as_secs_f64();
    stop_sampling.store(true, Ordering::Relaxed);
    let sampled_peak_rss_kb = sampler.await.ok().flatten();
    let peak_rss_kb = proc_status_kb("VmHWM");
    let rss_after_kb = proc_status_kb("VmRSS");
    let healthy_after = healthy(&target.base).await;

    let kinds: Vec<KindResult> = Kind::ALL
        .iter()
        .map(|&kind| {
            let kind_stats = &stats.kinds[kind as usize];
            let requests: u64 = kind_stats.answers.values().sum();
            KindResult {
                kind: kind.label().to_string(),
                requests,
                per_second: requests as f64 / options.seconds,
                p50_ms: quantile(&kind_stats.latencies_ms, 0.5),
                p99_ms: quantile(&kind_stats.latencies_ms, 0.99),
                timed: kind_stats.latencies_ms.len(),
                answers: kind_stats.answers.clone(),
            }
        })
        .collect();
    let requests: u64 = kinds.iter().map(|k| k.requests).sum();
    let unexpected_5xx: u64 = kinds
        .iter()
        .flat_map(|k| &k.answers)
        .filter(|(bucket, _)| is_unexpected_5xx(bucket))
        .map(|(_, count)| count)
        .sum();
    let good_logins = &stats.kinds[Kind::Login as usize].answers;
    let good_login_429 = good_logins.get("429").copied().unwrap_or(0);
    let good_login_503 = good_logins.get("503").copied().unwrap_or(0)
        + good_logins.get(NO_RETRY_503).copied().unwrap_or(0);
    let result = LevelResult {
        clients,
        legitimate: legitimate_clients,
        attackers,
        seconds: options.seconds,
        wall_seconds,
        requests,
        per_second: requests as f64 / options.seconds,
        kinds,
        unexpected_5xx,
        good_login_429,
        good_login_503,
        peak_rss_kb,
        peak_was_reset,
        sampled_peak_rss_kb,
        rss_after_kb,
        healthy_after,
        tasks_cut_off,
    };
    for k in result.kinds.iter().filter(|k| k.requests > 0) {
        eprintln!(
            "    {:<28} {:>8} req {:>8.1}/s  p50 {:>8}  p99 {:>8}  {}",
            k.kind,
            k.requests,
            k.per_second,
            duration_text(k.p50_ms),
            duration_text(k.p99_ms),
            k.answers
                .iter()
                .map(|(bucket, count)| format!("{bucket}: {count}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    eprintln!(
        "    {} requests ({:.1}/s); peak RSS {}; healthz after: {}",
        thousands(requests as usize),
        result.per_second,
        mib(result.peak_kb()),
        if healthy_after { "ok" } else { "NO ANSWER" }
    );
    result
}

/// A 5xx other than the documented overload answer (503 with `Retry-After`).
fn is_unexpected_5xx(bucket: &str) -> bool {
    bucket == NO_RETRY_503
        || bucket
            .parse::<u16>()
            .is_ok_and(|code| code >= 500 && code != 503)
}

/// Runs the benchmark on every requested store.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    ensure!(!options.clients.is_empty(), "--clients: give at least one");
    ensure!(
        options.clients.iter().all(|&c| c >= 1),
        "--clients: every level needs at least one client"
    );
    ensure!(
        options.seconds.is_finite() && options.seconds > 0.0,
        "--seconds must be positive"
    );
    ensure!(
        options.timeout_secs.is_finite() && options.timeout_secs > 0.0,
        "--timeout-secs must be positive"
    );
    ensure!(
        options.pause_secs.is_finite() && options.pause_secs >= 0.0,
        "--pause-secs must not be negative"
    );
    ensure!(
        (0.0..=1.0).contains(&options.attacker_share),
        "--attacker-share must be between 0 and 1"
    );
    ensure!(options.users >= 1, "--users must be at least 1");

    let mut overrides = parse_sets(&options.set)?;
    let mut address = Vec::new();
    if !options.keep_address_limits && !overrides.iter().any(|(k, _)| k == ADDRESS_ALLOWANCE_KEY) {
        overrides.push((
            ADDRESS_ALLOWANCE_KEY.to_string(),
            Value::from(RAISED_ALLOWANCE),
        ));
        address.push(ADDRESS_ALLOWANCE_KEY.to_string());
    }
    // Checked before any server starts.
    apply_overrides(&mut Config::default(), &overrides)?;

    let mut results = Vec::new();
    for &store in &options.stores {
        results.push(run_store(options, store, &overrides, &address).await?);
    }
    let mut victims = vec![DEMO_ANALYST.to_string()];
    victims.extend((0..options.victims).map(victim_name));
    Ok(Report {
        rows: options.rows,
        seconds: options.seconds,
        pause_secs: options.pause_secs,
        attacker_share: options.attacker_share,
        timeout_secs: options.timeout_secs,
        users: options.users,
        victims,
        mix: MIX
            .iter()
            .map(|(kind, weight)| (kind.label().to_string(), *weight))
            .collect(),
        small_search: SMALL_SEARCH.into(),
        big_search: BIG_SEARCH.into(),
        results,
    })
}

async fn run_store(
    options: &Options,
    store: StoreKind,
    overrides: &[(String, Value)],
    address: &[String],
) -> anyhow::Result<StoreResult> {
    eprintln!(
        "==> {store}: starting a fresh server with the demo ({} rows)",
        thousands(options.rows)
    );
    let rss_before_server_kb = proc_status_kb("VmRSS");
    let started = Instant::now();
    let mut configured: anyhow::Result<Option<f64>> = Ok(None);
    let server = RunningServer::start_with(store, &options.postgres_url, |config| {
        config.demo = true;
        config.demo_rows = options.rows;
        configured =
            apply_overrides(config, overrides).map(|()| configured_memory_limit_mb(config));
    })
    .await?;
    let config_limit = match configured {
        Ok(limit) => limit,
        Err(err) => {
            let _ = server.stop().await;
            return Err(err);
        }
    };
    let timeout = Duration::from_secs_f64(options.timeout_secs);
    let target = match prepare(&server.base, options, timeout).await {
        Ok(target) => Arc::new(target),
        Err(err) => {
            let _ = server.stop().await;
            return Err(err.context("preparing the accounts"));
        }
    };
    if let Err(err) = check(&target).await {
        let _ = server.stop().await;
        return Err(err.context("checking the mix before measuring"));
    }
    let setup_ms = ms(started.elapsed());
    let rss_after_setup_kb = proc_status_kb("VmRSS");
    eprintln!(
        "    ready in {}; resident {}",
        duration_text(setup_ms),
        mib(rss_after_setup_kb)
    );

    let mut levels = Vec::new();
    for (level, &clients) in options.clients.iter().enumerate() {
        if level > 0 {
            tokio::time::sleep(Duration::from_secs_f64(options.pause_secs)).await;
        }
        levels.push(run_level(&target, options, clients, level).await);
    }
    let stopped = match tokio::time::timeout(Duration::from_secs(60), server.stop()).await {
        Ok(result) => {
            result?;
            true
        }
        Err(_) => {
            eprintln!("    warning: the server did not stop within 60 s");
            false
        }
    };

    let (memory_limit_mb, memory_limit_source) = match (options.memory_limit_mb, config_limit) {
        (Some(mb), _) => (Some(mb), "--memory-limit-mb".to_string()),
        (None, Some(mb)) => (Some(mb), format!("the server's `{MEMORY_LIMIT_KEY}`")),
        (None, None) => (None, format!("none (no `{MEMORY_LIMIT_KEY}` set)")),
    };
    let mut settings: Vec<String> = overrides
        .iter()
        .map(|(key, value)| format!("{key} = {value}"))
        .collect();
    settings.insert(0, format!("demo_rows = {}", options.rows));
    settings.insert(0, "demo = true".to_string());
    Ok(StoreResult {
        store: store.to_string(),
        settings,
        address_settings: address.to_vec(),
        memory_limit_mb,
        memory_limit_source,
        setup_ms,
        rss_before_server_kb,
        rss_after_setup_kb,
        peak_kb: levels.iter().filter_map(LevelResult::peak_kb).max(),
        levels,
        stopped,
    })
}

fn mib(kb: Option<u64>) -> String {
    kb.map_or("?".into(), |kb| format!("{:.0} MiB", kb as f64 / 1024.0))
}

/// A level's answers in the table's columns.
#[derive(Default)]
struct Columns {
    ok: u64,
    unauthorized: u64,
    throttled: u64,
    overloaded: u64,
    other: Vec<String>,
    server_errors: Vec<String>,
    failed: u64,
}

fn columns(answers: &BTreeMap<String, u64>) -> Columns {
    let mut c = Columns::default();
    for (bucket, &n) in answers {
        match bucket.parse::<u16>() {
            Ok(code) if (200..300).contains(&code) => c.ok += n,
            Ok(401) => c.unauthorized += n,
            Ok(429) => c.throttled += n,
            Ok(503) => c.overloaded += n,
            Ok(code) if code >= 500 => c.server_errors.push(format!("{code}: {n}")),
            Ok(code) => c.other.push(format!("{code}: {n}")),
            Err(_) if bucket.as_str() == NO_RETRY_503 => {
                c.server_errors.push(format!("{NO_RETRY_503}: {n}"));
            }
            Err(_) => c.failed += n,
        }
    }
    c
}

fn listed(items: &[String]) -> String {
    if items.is_empty() {
        "0".into()
    } else {
        items.join(", ")
    }
}

fn met(ok: bool) -> &'static str {
    if ok { "met" } else { "**not met**" }
}

/// The results as the Markdown section of BENCHMARKS.md.
pub fn markdown(report: &Report) -> String {
    let total_weight: u32 = report.mix.iter().map(|(_, w)| w).sum();
    let mix = report
        .mix
        .iter()
        .map(|(kind, weight)| {
            format!(
                "{kind} {:.0} %",
                f64::from(*weight) * 100.0 / f64::from(total_weight.max(1))
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    let levels = report
        .results
        .first()
        .map(|r| {
            r.levels
                .iter()
                .map(|l| l.clients.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    let mut out = format!(
        "`bench/run load`: a fresh in-process server per store, loaded with the retail demo at \
         {rows} sales rows (`serve --demo`'s generator and TML: the worksheet \"{WORKSHEET}\" \
         over Parquet and CSV files read live, the pinboard \"{PINBOARD}\" of six visualizations), \
         driven over HTTP on 127.0.0.1 by client tasks in the same process. Levels of {levels} \
         concurrent clients run {seconds} s each, one after another on the same server, with \
         {pause} s of rest between them; at each level {share:.0} % of the clients (rounded) \
         are attackers. Legitimate clients log in as {users} accounts in the Administrator \
         group (made with user/sync; user/list needs an administrator), each client with its \
         own cookie store and connections, then loop over a weighted random mix: {mix}. The \
         small search is `{small}`, the big one `{big}` (a page of {batch} rows); \
         listobjectheaders asks for 50 answers, pinboards or tables, at random. A legitimate \
         client logs in again after a 401 and, after a 429 or 503, waits its `Retry-After` (at \
         most {backoff} s) before going on. Attackers send `session/login` with wrong \
         passwords as fast as they are answered, ignoring `Retry-After`: half for real \
         accounts ({victims}; never those the legitimate clients use), half for random \
         names. Every request has a {timeout} s timeout and none starts after its level's \
         deadline. Latency is wall clock at the client from sending the request to the last \
         byte of the answer, over the 2xx answers (over every answer for bad logins); req/s \
         is the requests started during the level over its length. Memory is the benchmark \
         process's (the server's, plus the clients' small share): the resident high-water \
         mark (`VmHWM`), reset at the start of each level, and `VmRSS` sampled every 50 ms.\n\n",
        rows = thousands(report.rows),
        seconds = report.seconds,
        pause = report.pause_secs,
        share = report.attacker_share * 100.0,
        users = report.users,
        small = report.small_search,
        big = report.big_search,
        batch = BIG_SEARCH_BATCH,
        backoff = MAX_BACKOFF.as_secs(),
        victims = report
            .victims
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", "),
        timeout = report.timeout_secs,
    );

    // ---- targets ------------------------------------------------------------------------
    out.push_str("| Target |");
    for r in &report.results {
        out.push_str(&format!(" {} |", r.store));
    }
    out.push_str(" Met? |\n|---|");
    for _ in &report.results {
        out.push_str("---:|");
    }
    out.push_str("---|\n");

    let unexpected: Vec<u64> = report
        .results
        .iter()
        .map(|r| r.levels.iter().map(|l| l.unexpected_5xx).sum())
        .collect();
    out.push_str("| No 5xx but the 503 overload answer (with `Retry-After`), at any level |");
    for n in &unexpected {
        out.push_str(&format!(" {} |", thousands(*n as usize)));
    }
    out.push_str(&format!(" {} |\n", met(unexpected.iter().all(|&n| n == 0))));

    let limits: Vec<Option<f64>> = report.results.iter().map(|r| r.memory_limit_mb).collect();
    let limit_text = match limits.first().copied().flatten() {
        Some(mb) if limits.iter().all(|l| *l == Some(mb)) => format!("{mb:.0} MiB"),
        _ => "the configured limit".to_string(),
    };
    out.push_str(&format!("| Peak resident memory under {limit_text} |"));
    let mut memory_verdicts = Vec::new();
    for r in &report.results {
        out.push_str(&format!(" {} |", mib(r.peak_kb)));
        if let Some(limit) = r.memory_limit_mb {
            memory_verdicts.push(r.peak_kb.is_some_and(|kb| (kb as f64 / 1024.0) < limit));
        }
    }
    let memory_met = if memory_verdicts.is_empty() {
        "– (no limit configured)".to_string()
    } else {
        met(memory_verdicts.iter().all(|&ok| ok)).to_string()
    };
    out.push_str(&format!(" {memory_met} |\n"));

    out.push_str(&format!(
        "| p99 of the small search at {SMALL_SEARCH_TARGET_CLIENTS} clients < {} |",
        duration_text(SMALL_SEARCH_P99_MS)
    ));
    let mut search_verdicts = Vec::new();
    for r in &report.results {
        let p99 = r
            .levels
            .iter()
            .find(|l| l.clients == SMALL_SEARCH_TARGET_CLIENTS)
            .and_then(|l| l.kind(Kind::SearchSmall))
            .filter(|k| k.timed > 0)
            .map(|k| k.p99_ms);
        match p99 {
            Some(p99) => {
                out.push_str(&format!(" {} |", duration_text(p99)));
                search_verdicts.push(p99 < SMALL_SEARCH_P99_MS);
            }
            None => {
                out.push_str(" not measured |");
                search_verdicts.push(false);
            }
        }
    }
    out.push_str(&format!(
        " {} |\n",
        met(search_verdicts.iter().all(|&ok| ok))
    ));

    out.push_str("| Good logins answered 429 (all levels; not a target) |");
    for r in &report.results {
        let n: u64 = r.levels.iter().map(|l| l.good_login_429).sum();
        out.push_str(&format!(" {} |", thousands(n as usize)));
    }
    out.push_str(" – |\n");
    out.push_str("| Server answered `/healthz` after every level |");
    let mut health_verdicts = Vec::new();
    for r in &report.results {
        let ok = r.levels.iter().all(|l| l.healthy_after);
        health_verdicts.push(ok);
        out.push_str(&format!(" {} |", if ok { "yes" } else { "**no**" }));
    }
    out.push_str(&format!(
        " {} |\n\n",
        met(health_verdicts.iter().all(|&ok| ok))
    ));

    for r in &report.results {
        let memory_limit = match r.memory_limit_mb {
            Some(mb) => format!("{mb:.0} MiB, from {}", r.memory_limit_source),
            None => r.memory_limit_source.clone(),
        };
        let address = if r.address_settings.is_empty() {
            "the per-address login allowance as configured".to_string()
        } else {
            format!(
                "raised per-address login settings: {}",
                r.address_settings
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push_str(&format!(
            "### {store}\n\nSettings of the run: {settings}; {address}. Memory limit: \
             {memory_limit}. Setup (server start, demo generation and import, accounts) took \
             {setup}; the process held {before} before the server started and {after} after \
             the setup.{stopped}\n\n",
            store = r.store,
            settings = r
                .settings
                .iter()
                .map(|s| format!("`{s}`"))
                .collect::<Vec<_>>()
                .join(", "),
            setup = duration_text(r.setup_ms),
            before = mib(r.rss_before_server_kb),
            after = mib(r.rss_after_setup_kb),
            stopped = if r.stopped {
                ""
            } else {
                " **The server did not stop within 60 s after the last level.**"
            },
        ));
        out.push_str(
            "| Clients (legitimate + attackers) | Requests | req/s | Peak RSS | RSS after | \
             Good logins answered 429 / 503 | `/healthz` after | Client tasks cut off |\n\
             |---|---:|---:|---:|---:|---:|---|---:|\n",
        );
        for l in &r.levels {
            out.push_str(&format!(
                "| {} ({} + {}) | {} | {:.1} | {} | {} | {} / {} | {} | {} |\n",
                l.clients,
                l.legitimate,
                l.attackers,
                thousands(l.requests as usize),
                l.per_second,
                mib(l.peak_kb()),
                mib(l.rss_after_kb),
                thousands(l.good_login_429 as usize),
                thousands(l.good_login_503 as usize),
                if l.healthy_after {
                    "ok"
                } else {
                    "**no answer**"
                },
                l.tasks_cut_off,
            ));
        }
        out.push_str(
            "\n| Clients | Request | Requests | req/s | p50 | p99 | 2xx | 401 | 429 | 503 | \
             other | other 5xx | timeouts, errors |\n\
             |---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n",
        );
        for l in &r.levels {
            for k in l.kinds.iter().filter(|k| k.requests > 0) {
                let c = columns(&k.answers);
                out.push_str(&format!(
                    "| {} | {} | {} | {:.1} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    l.clients,
                    k.kind,
                    thousands(k.requests as usize),
                    k.per_second,
                    duration_text(k.p50_ms),
                    duration_text(k.p99_ms),
                    thousands(c.ok as usize),
                    thousands(c.unauthorized as usize),
                    thousands(c.throttled as usize),
                    thousands(c.overloaded as usize),
                    listed(&c.other),
                    listed(&c.server_errors),
                    thousands(c.failed as usize),
                ));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mix_picks_every_kind_by_weight() {
        let mut rng = Rng::new(7);
        let mut counts = [0u32; KIND_COUNT];
        for _ in 0..100_000 {
            counts[rng.pick() as usize] += 1;
        }
        for (kind, weight) in MIX {
            let share = f64::from(counts[kind as usize]) / 100_000.0;
            assert!(
                (share - f64::from(weight) / 100.0).abs() < 0.01,
                "{kind:?}: {share}"
            );
        }
        assert_eq!(counts[Kind::BadLogin as usize], 0);
    }

    #[test]
    fn answers_fall_into_columns() {
        let answers: BTreeMap<String, u64> = [
            ("200", 5),
            ("204", 1),
            ("401", 2),
            ("403", 1),
            ("429", 3),
            ("503", 4),
            ("500", 1),
            (NO_RETRY_503, 1),
            ("timeout", 2),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let c = columns(&answers);
        assert_eq!(
            (c.ok, c.unauthorized, c.throttled, c.overloaded),
            (6, 2, 3, 4)
        );
        assert_eq!(c.other, ["403: 1"]);
        assert_eq!(c.server_errors.len(), 2);
        assert_eq!(c.failed, 2);
        assert!(is_unexpected_5xx("500"));
        assert!(is_unexpected_5xx(NO_RETRY_503));
        assert!(!is_unexpected_5xx("503"));
        assert!(!is_unexpected_5xx("timeout"));
    }

    #[test]
    fn settings_are_set_by_name() {
        let mut config = Config::default();
        let sets = [
            "row_cap=5".to_string(),
            "time_zone=Europe/Paris".to_string(),
        ];
        apply_overrides(&mut config, &parse_sets(&sets).unwrap()).unwrap();
        assert_eq!(config.row_cap, 5);
        assert_eq!(config.time_zone, "Europe/Paris");
        let unknown = parse_sets(&["no_such_setting=1".to_string()]).unwrap();
        assert!(apply_overrides(&mut Config::default(), &unknown).is_err());
        assert!(parse_sets(&["no equals sign".to_string()]).is_err());
    }
}
