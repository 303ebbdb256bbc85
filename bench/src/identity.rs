//! The identity benchmark: user/sync and user/list at directory scale.
//!
//! A synthetic directory (by default 10,000 users in 1,000 groups nested three deep: 10 top
//! groups, 9 middle groups under each, 10 leaf groups under each of those; users spread over
//! the leaf groups, every fourth one in a second leaf) is synced into a fresh server over
//! HTTP, exactly as a client would: a dry run, the first full apply, a second identical sync
//! (a no-op), a dry run against the populated server, then ≥ 20 user/list calls. Each is
//! timed from the first byte sent to the last byte of the answer received; the server's own
//! `x-callosum-request-time-us` is kept beside it.
//!
//! Then, to show where the time goes, the same work is repeated below HTTP on another fresh
//! store, phase by phase: reading the principals, planning, hashing, writing, listing and
//! serialising.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail, ensure};
use reqwest::Client;
use serde::Serialize;
use serde_json::{Value, json};

use crate::report::{duration_text, ms, quantile, server_ms, thousands};
use crate::server::{
    ADMIN, ADMIN_PASSWORD, API, FreshStore, RunningServer, StoreKind, StoreOptions, login,
};
use searchlight_identity::sync::{self, SyncRequest};
use searchlight_identity::{Caller, Identity, Privilege, SessionPolicy};
use searchlight_store::{SqlStore, Store};

/// The password the sync gives every new user (one Argon2 hash for the whole directory).
const SYNC_PASSWORD: &str = "bench user pw";
/// Principals every fresh server has.
const BUILTIN_PRINCIPALS: usize = 5;

/// The directory's shape and how often to call user/list.
#[derive(Debug, Clone, clap::Args)]
pub struct Options {
    /// Number of users.
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Top-level groups.
    #[arg(long, default_value_t = 10)]
    pub top_groups: usize,
    /// Middle groups under each top-level group.
    #[arg(long, default_value_t = 9)]
    pub mid_per_top: usize,
    /// Leaf groups under each middle group.
    #[arg(long, default_value_t = 10)]
    pub leaf_per_mid: usize,
    /// Every n-th user is also in a second leaf group (0: none).
    #[arg(long, default_value_t = 4)]
    pub second_group_every: usize,
    /// Timed user/list calls (after one warm-up call); at least 20.
    #[arg(long, default_value_t = 30)]
    pub list_calls: usize,
    #[command(flatten)]
    pub store: StoreOptions,
    /// Skip the phase-by-phase breakdown below HTTP.
    #[arg(long)]
    pub no_phases: bool,
}

/// One timed HTTP call: wall time at the client and the server's own reported time.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Timed {
    pub wall_ms: f64,
    pub server_ms: Option<f64>,
}

/// What one store's run measured.
#[derive(Debug, Clone, Serialize)]
pub struct StoreResult {
    pub store: String,
    pub principals_sent: usize,
    pub request_bytes: usize,
    pub dry_run_empty: Timed,
    pub apply_first: Timed,
    pub noop_sync: Timed,
    pub dry_run_populated: Timed,
    pub list: Vec<Timed>,
    pub list_median_ms: f64,
    pub list_p95_ms: f64,
    pub list_principals: usize,
    pub list_bytes: usize,
    pub phases: Vec<Phase>,
}

/// One phase of the breakdown below HTTP.
#[derive(Debug, Clone, Serialize)]
pub struct Phase {
    pub name: String,
    pub ms: f64,
}

/// Everything measured.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub users: usize,
    pub groups: usize,
    pub memberships: usize,
    pub list_calls: usize,
    /// Top groups, middle groups per top group, leaf groups per middle group.
    pub shape: (usize, usize, usize),
    pub second_group_every: usize,
    pub request_bytes: usize,
    pub results: Vec<StoreResult>,
}

/// The synthetic directory as user/sync's `principals` array, plus its size.
pub struct Directory {
    pub principals: Value,
    pub users: usize,
    pub groups: usize,
    pub memberships: usize,
}

pub fn directory(options: &Options) -> Directory {
    let mut principals = Vec::new();
    let mut leaves = Vec::new();
    let mut memberships = 0;
    for t in 0..options.top_groups {
        let top = format!("dept-{t:02}");
        principals.push(json!({
            "name": top, "displayName": format!("Department {t}"),
            "description": format!("Top-level group {t}"),
            "principalTypeEnum": "LOCAL_GROUP", "groupNames": [], "visibility": "DEFAULT",
        }));
        for m in 0..options.mid_per_top {
            let mid = format!("{top}-team-{m:02}");
            principals.push(json!({
                "name": mid, "displayName": format!("Team {t}.{m}"),
                "principalTypeEnum": "LOCAL_GROUP", "groupNames": [top], "visibility": "DEFAULT",
            }));
            memberships += 1;
            for l in 0..options.leaf_per_mid {
                let leaf = format!("{mid}-squad-{l:02}");
                principals.push(json!({
                    "name": leaf, "displayName": format!("Squad {t}.{m}.{l}"),
                    "principalTypeEnum": "LOCAL_GROUP", "groupNames": [mid],
                    "visibility": "DEFAULT",
                }));
                memberships += 1;
                leaves.push(leaf);
            }
        }
    }
    let groups = principals.len();
    for u in 0..options.users {
        let mut parents = Vec::new();
        if !leaves.is_empty() {
            parents.push(leaves[u % leaves.len()].clone());
            if options.second_group_every > 0 && u.is_multiple_of(options.second_group_every) {
                let second = &leaves[(u * 7 + leaves.len() / 2) % leaves.len()];
                if !parents.contains(second) {
                    parents.push(second.clone());
                }
            }
        }
        memberships += parents.len();
        principals.push(json!({
            "name": format!("user{u:05}"), "displayName": format!("User {u}"),
            "mail": format!("user{u:05}@example.com"),
            "principalTypeEnum": "LOCAL_USER", "groupNames": parents, "visibility": "DEFAULT",
        }));
    }
    Directory {
        principals: Value::Array(principals),
        users: options.users,
        groups,
        memberships,
    }
}

struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn login(base: &str) -> anyhow::Result<Self> {
        Ok(Self {
            client: login(base).await?,
            base: base.to_string(),
        })
    }

    /// One user/sync call, the way the PyPI client sends it; returns the timing and report.
    async fn sync(&self, principals: &str, apply: bool) -> anyhow::Result<(Timed, Value)> {
        let part = reqwest::multipart::Part::text(principals.to_string())
            .file_name("principals.json")
            .mime_str("application/json")?;
        let form = reqwest::multipart::Form::new()
            .part("principals", part)
            .text("applyChanges", apply.to_string())
            .text("removeDeleted", "true")
            .text("password", SYNC_PASSWORD);
        let request = self
            .client
            .post(format!("{}{API}/user/sync", self.base))
            .header("X-Requested-By", "ThoughtSpot")
            .multipart(form)
            .build()?;
        let started = Instant::now();
        let response = self.client.execute(request).await?;
        let server = server_ms(&response);
        let status = response.status();
        let body = response.bytes().await?;
        let wall = started.elapsed();
        ensure!(
            status.as_u16() == 200,
            "user/sync: {status}: {}",
            String::from_utf8_lossy(&body)
        );
        let report: Value = serde_json::from_slice(&body)?;
        Ok((
            Timed {
                wall_ms: ms(wall),
                server_ms: server,
            },
            report,
        ))
    }

    async fn list(&self) -> anyhow::Result<(Timed, usize, usize)> {
        let request = self
            .client
            .get(format!("{}{API}/user/list", self.base))
            .build()?;
        let started = Instant::now();
        let response = self.client.execute(request).await?;
        let server = server_ms(&response);
        let status = response.status();
        let body = response.bytes().await?;
        let wall = started.elapsed();
        ensure!(status.as_u16() == 200, "user/list: {status}");
        let listed: Vec<Value> = serde_json::from_slice(&body)?;
        Ok((
            Timed {
                wall_ms: ms(wall),
                server_ms: server,
            },
            listed.len(),
            body.len(),
        ))
    }
}

fn count(report: &Value, key: &str) -> usize {
    report[key].as_array().map_or(0, Vec::len)
}

fn expect_report(report: &Value, expected: [usize; 6], what: &str) -> anyhow::Result<()> {
    let keys = [
        "usersAdded",
        "usersDeleted",
        "usersUpdated",
        "groupsAdded",
        "groupsDeleted",
        "groupsUpdated",
    ];
    let got: Vec<usize> = keys.iter().map(|k| count(report, k)).collect();
    if got != expected {
        bail!("{what}: expected {keys:?} = {expected:?}, the server reported {got:?}");
    }
    Ok(())
}

/// Runs the benchmark on every requested store.
pub async fn run(options: &Options) -> anyhow::Result<Report> {
    ensure!(options.list_calls >= 20, "--list-calls must be at least 20");
    let directory = directory(options);
    let principals = serde_json::to_string(&directory.principals)?;
    eprintln!(
        "==> Directory: {} users, {} groups, {} direct memberships ({:.1} MB of JSON)",
        directory.users,
        directory.groups,
        directory.memberships,
        principals.len() as f64 / 1e6
    );
    let mut results = Vec::new();
    for &store in &options.store.stores {
        results.push(run_store(options, store, &directory, &principals).await?);
    }
    Ok(Report {
        users: directory.users,
        groups: directory.groups,
        memberships: directory.memberships,
        list_calls: options.list_calls,
        shape: (
            options.top_groups,
            options.mid_per_top,
            options.leaf_per_mid,
        ),
        second_group_every: options.second_group_every,
        request_bytes: principals.len(),
        results,
    })
}

async fn run_store(
    options: &Options,
    store: StoreKind,
    directory: &Directory,
    principals: &str,
) -> anyhow::Result<StoreResult> {
    eprintln!("==> {store}: starting a fresh server");
    let server = RunningServer::start(store, &options.store.postgres_url).await?;
    let api = Api::login(&server.base).await?;
    let (users, groups) = (directory.users, directory.groups);

    let (dry_run_empty, report) = api.sync(principals, false).await?;
    expect_report(&report, [users, 0, 0, groups, 0, 0], "dry run")?;
    eprintln!(
        "    dry run (empty server):  {:>9.1} ms",
        dry_run_empty.wall_ms
    );

    let (apply_first, report) = api.sync(principals, true).await?;
    expect_report(&report, [users, 0, 0, groups, 0, 0], "first apply")?;
    eprintln!(
        "    first apply:             {:>9.1} ms",
        apply_first.wall_ms
    );

    let (noop_sync, report) = api.sync(principals, true).await?;
    expect_report(&report, [0; 6], "second (no-op) sync")?;
    eprintln!("    second sync (no-op):     {:>9.1} ms", noop_sync.wall_ms);

    let (dry_run_populated, report) = api.sync(principals, false).await?;
    expect_report(&report, [0; 6], "dry run on the populated server")?;
    eprintln!(
        "    dry run (populated):     {:>9.1} ms",
        dry_run_populated.wall_ms
    );

    let expected_listed = users + groups + BUILTIN_PRINCIPALS;
    let (_, warm_count, _) = api.list().await?;
    ensure!(
        warm_count == expected_listed,
        "user/list returned {warm_count} principals, expected {expected_listed}"
    );
    let mut list = Vec::with_capacity(options.list_calls);
    let mut list_bytes = 0;
    for _ in 0..options.list_calls {
        let (timed, _, bytes) = api.list().await?;
        list.push(timed);
        list_bytes = bytes;
    }
    let walls: Vec<f64> = list.iter().map(|t| t.wall_ms).collect();
    let list_median_ms = quantile(&walls, 0.5);
    let list_p95_ms = quantile(&walls, 0.95);
    eprintln!(
        "    user/list ({} calls):    median {list_median_ms:.1} ms, p95 {list_p95_ms:.1} ms ({:.1} MB)",
        options.list_calls,
        list_bytes as f64 / 1e6
    );
    server.stop().await?;

    let phases = if options.no_phases {
        Vec::new()
    } else {
        eprintln!("==> {store}: phase breakdown below HTTP (another fresh store)");
        phases(options, store, principals).await?
    };

    Ok(StoreResult {
        store: store.to_string(),
        principals_sent: users + groups,
        request_bytes: principals.len(),
        dry_run_empty,
        apply_first,
        noop_sync,
        dry_run_populated,
        list,
        list_median_ms,
        list_p95_ms,
        list_principals: expected_listed,
        list_bytes,
        phases,
    })
}

/// The sync and list work, step by step, against the store directly.
async fn phases(
    options: &Options,
    kind: StoreKind,
    principals: &str,
) -> anyhow::Result<Vec<Phase>> {
    let fresh = FreshStore::create(kind, &options.store.postgres_url).await?;
    let store = Arc::new(SqlStore::connect(&fresh.url).await?);
    let identity = Identity::new(store.clone() as Arc<dyn Store>, SessionPolicy::default());
    identity.bootstrap(Some(ADMIN_PASSWORD)).await?;
    let caller = Caller {
        user_id: String::new(),
        name: ADMIN.into(),
        display_name: "Administrator".into(),
        session_id: String::new(),
        groups: BTreeSet::new(),
        privileges: [Privilege::Administration].into_iter().collect(),
    };
    let request = SyncRequest {
        principals: principals.to_string(),
        apply: true,
        remove_deleted: true,
        password: Some(SYNC_PASSWORD.into()),
    };
    let mut phases = Vec::new();
    let mut phase = |name: &str, started: Instant| {
        let elapsed = ms(started.elapsed());
        eprintln!("    {name:<52} {elapsed:>9.1} ms");
        phases.push(Phase {
            name: name.to_string(),
            ms: elapsed,
        });
    };

    // First apply, phase by phase.
    let started = Instant::now();
    let current = store.principals().await?;
    let memberships = store.memberships().await?;
    phase("apply: read principals + memberships (empty)", started);
    let started = Instant::now();
    let plan = sync::plan(&request, &current, &memberships, 1)?;
    phase("apply: parse + diff + plan", started);
    let started = Instant::now();
    let changes = plan.into_changes(request.password.as_deref()).await?;
    phase("apply: hash new users' passwords", started);
    let started = Instant::now();
    store.apply_principal_changes(&changes.changes).await?;
    phase("apply: write (one transaction)", started);

    // The no-op sync's reads and plan on the populated store.
    let started = Instant::now();
    let current = store.principals().await?;
    phase("no-op: read principals (populated)", started);
    let started = Instant::now();
    let memberships = store.memberships().await?;
    phase("no-op: read memberships (populated)", started);
    let started = Instant::now();
    let plan = sync::plan(&request, &current, &memberships, 2)?;
    phase("no-op: parse + diff + plan", started);
    ensure!(
        plan.report == Default::default(),
        "the second plan is not a no-op"
    );

    // user/list below HTTP.
    let started = Instant::now();
    let listed = identity.list_principals(&caller).await?;
    phase("user/list: read + assemble", started);
    let started = Instant::now();
    let body = serde_json::to_vec(&listed)?;
    phase("user/list: serialise JSON", started);
    ensure!(!body.is_empty(), "empty user/list body");

    store.close().await;
    fresh.remove().await.context("removing the phase store")?;
    Ok(phases)
}

/// Reads one measurement (in ms) out of a store's results.
type Measure = fn(&StoreResult) -> f64;

/// The results as the Markdown table BENCHMARKS.md shows.
pub fn markdown(report: &Report) -> String {
    let targets: [(&str, f64, Measure); 6] = [
        ("user/sync dry run, empty server", 500.0, |r| {
            r.dry_run_empty.wall_ms
        }),
        ("user/sync dry run, populated server", 500.0, |r| {
            r.dry_run_populated.wall_ms
        }),
        ("user/sync first apply", 2000.0, |r| r.apply_first.wall_ms),
        ("user/sync second sync (no-op)", f64::NAN, |r| {
            r.noop_sync.wall_ms
        }),
        ("user/list median", 100.0, |r| r.list_median_ms),
        ("user/list p95", 100.0, |r| r.list_p95_ms),
    ];
    let mut out = format!(
        "`bench/run identity`: a fresh in-process server per store, driven over HTTP on \
         127.0.0.1. The directory: {users} users in {groups} groups nested three deep \
         ({top} top groups → {mid} middle → {leaf} leaf), users spread over the leaf groups, \
         every {every}th user in a second leaf ({memberships} direct memberships; {principals} \
         principals, {mb:.1} MB of JSON). Each sync sends the complete list, as the PyPI \
         client does, with `removeDeleted=true` and one `password` for the new users (one \
         Argon2id hash). Steps, in order: a dry run on the empty server, the first apply, the \
         same sync again (a no-op), a dry run on the populated server, then one warm-up and \
         {calls} timed user/list calls ({listed} principals, {list_mb:.1} MB). Times are wall \
         clock at the client, from sending the request to receiving the last byte of the \
         answer.\n\n",
        users = thousands(report.users),
        groups = thousands(report.groups),
        top = report.shape.0,
        mid = report.shape.0 * report.shape.1,
        leaf = report.shape.0 * report.shape.1 * report.shape.2,
        every = report.second_group_every,
        memberships = thousands(report.memberships),
        principals = thousands(report.users + report.groups),
        mb = report.request_bytes as f64 / 1e6,
        calls = report.list_calls,
        listed = thousands(report.users + report.groups + BUILTIN_PRINCIPALS),
        list_mb = report
            .results
            .first()
            .map_or(0.0, |r| r.list_bytes as f64 / 1e6),
    );
    out.push_str("| Measure | Target |");
    for r in &report.results {
        out.push_str(&format!(" {} |", r.store));
    }
    out.push_str(" Met? |\n|---|---|");
    for _ in &report.results {
        out.push_str("---:|");
    }
    out.push_str("---|\n");
    for (name, target, value) in targets {
        let target_text = if target.is_nan() {
            "–".to_string()
        } else {
            format!("< {}", duration_text(target))
        };
        out.push_str(&format!("| {name} | {target_text} |"));
        let mut missed = Vec::new();
        for r in &report.results {
            let v = value(r);
            out.push_str(&format!(" {} |", duration_text(v)));
            if !target.is_nan() && v >= target {
                missed.push(r.store.clone());
            }
        }
        let met = if target.is_nan() {
            "–".to_string()
        } else if missed.is_empty() {
            "met".to_string()
        } else {
            format!("**not met** ({})", missed.join(", "))
        };
        out.push_str(&format!(" {met} |\n"));
    }

    let with_phases: Vec<&StoreResult> = report
        .results
        .iter()
        .filter(|r| !r.phases.is_empty())
        .collect();
    if let Some(first) = with_phases.first() {
        out.push_str("\nWhere the time goes (the same work below HTTP, on another fresh store):\n\n| Phase |");
        for r in &with_phases {
            out.push_str(&format!(" {} |", r.store));
        }
        out.push_str("\n|---|");
        for _ in &with_phases {
            out.push_str("---:|");
        }
        out.push('\n');
        for (i, phase) in first.phases.iter().enumerate() {
            out.push_str(&format!("| {} |", phase.name));
            for r in &with_phases {
                let ms = r.phases.get(i).map_or(f64::NAN, |p| p.ms);
                out.push_str(&format!(" {} |", duration_text(ms)));
            }
            out.push('\n');
        }
    }

    out.push_str("\nServer-side time (`x-callosum-request-time-us`) of the same calls:");
    for r in &report.results {
        let server = |t: &Timed| t.server_ms.map_or("?".into(), duration_text);
        let list_server: Vec<f64> = r.list.iter().filter_map(|t| t.server_ms).collect();
        out.push_str(&format!(
            " {}: dry run {}, apply {}, no-op {}, user/list median {};",
            r.store,
            server(&r.dry_run_empty),
            server(&r.apply_first),
            server(&r.noop_sync),
            duration_text(quantile(&list_server, 0.5)),
        ));
    }
    out.pop();
    out.push_str(".\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_directory_has_the_issue_shape() {
        let options = Options {
            users: 10_000,
            top_groups: 10,
            mid_per_top: 9,
            leaf_per_mid: 10,
            second_group_every: 4,
            list_calls: 20,
            store: StoreOptions {
                stores: vec![StoreKind::Sqlite],
                postgres_url: String::new(),
            },
            no_phases: true,
        };
        let directory = directory(&options);
        assert_eq!(directory.groups, 1_000);
        assert_eq!(directory.users, 10_000);
        assert_eq!(directory.principals.as_array().map(Vec::len), Some(11_000));
        // 990 group-in-group memberships, 10,000 first leaves, 2,500 second ones.
        assert_eq!(directory.memberships, 990 + 10_000 + 2_500);
    }
}
