//! Fault injection (issue 13, "Proof"): the store holds exactly the state before a write or
//! exactly the state after it, whatever happens to the server in between, and replicas that
//! race on one PostgreSQL end in one of the states they were asked for.
//!
//! - **kill -9 during writes.** The real binary (`searchlight serve`) runs on a SQLite file in a
//!   temp dir, or on a fresh PostgreSQL schema, and is killed with SIGKILL at several moments of
//!   a large `user/sync` (10,000 users in 200 nested groups, `removeDeleted=true`, a password
//!   for the new users) and of a large `metadata/tml/import` (2,000 answers over the fixture
//!   worksheet per round, ALL_OR_NONE: 1,000 whose GUIDs every round re-imports under new
//!   names, updating them in place, and 1,000 new ones). Each is restarted on the same
//!   store; the directory (`user/list`: names, display names and memberships, sorted) or the
//!   catalog (`metadata/listobjectheaders`: ids and names) must equal exactly the state before
//!   the write or exactly the state after it, and the state after it when the write had
//!   answered 200 before the kill. The kill moments are spread over the time an uninterrupted
//!   write takes, shifted at random within their step; the seed is printed, and
//!   `FAULT_INJECTION_SEED` replays it.
//! - **Two replicas on one PostgreSQL.** Two in-process servers share one schema; for 20 rounds
//!   each gets a `user/sync` with `removeDeleted=true` and a different list at the same time
//!   (lists that share names, and nest two shared groups in opposite orders), and in every
//!   other round each also imports an answer with the same GUID under a different name. No
//!   answer may be a 5xx; a loser may answer 409 (a concurrent change), and then the state must
//!   be the winner's; otherwise it must be exactly one of the two.
//!
//! Every wait is bounded: a hang fails the test instead of hanging CI.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use reqwest::multipart::Form;
use reqwest::{Client, RequestBuilder, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::both_stores;
use crate::fixtures;
use crate::helpers::{
    ADMIN, ADMIN_PASSWORD, API, StoreKind, group_json, postgres_url, spawn_app, spawn_app_with,
    user_json,
};

// ---- scale ---------------------------------------------------------------------------------

/// Users in each list of the killed sync (the issue asks for 10,000).
const SYNC_USERS: usize = 10_000;
/// Groups in each list of the killed sync: ten top groups, the others nested under them.
const SYNC_GROUPS: usize = 200;
/// Syncs killed per store (after two that run to the end).
const SYNC_KILL_ROUNDS: usize = 8;
/// The password new users of the killed syncs get (one Argon2 hash per sync).
const SYNC_PASSWORD: &str = "fault pw";

/// Answers each import round renames in place (their GUIDs are kept from round to round).
const IMPORT_KEPT: usize = 1_000;
/// Answers each import round creates.
const IMPORT_NEW: usize = 1_000;
/// Imports killed per store (after one that runs to the end).
const IMPORT_KILL_ROUNDS: usize = 5;

/// Rounds of the replica race.
const REPLICA_ROUNDS: usize = 20;
/// Users both replica lists hold in every round (in different groups).
const REPLICA_STABLE_USERS: usize = 100;
/// Users new in each round: as many shared by both lists, and as many of each list's own.
const REPLICA_ROUND_USERS: usize = 100;
/// Groups of each list's own in a round.
const REPLICA_OWN_GROUPS: usize = 5;

// ---- bounds --------------------------------------------------------------------------------

/// The longest any one HTTP call may take (a debug build on a busy 2-core machine).
const CALL_LIMIT: Duration = Duration::from_secs(180);
/// The longest a server process may take from launch to answering `healthz`.
const START_LIMIT: Duration = Duration::from_secs(120);
/// How often a starting server is looked at.
const POLL: Duration = Duration::from_millis(20);

/// The metadata types whose headers make up the catalog state the import test compares.
const CATALOG_TYPES: [&str; 4] = [
    "QUESTION_ANSWER_BOOK",
    "PINBOARD_ANSWER_BOOK",
    "LOGICAL_TABLE",
    "DATA_SOURCE",
];

/// A normalised store state: one entry per principal (`"user NAME"` / `"group NAME"` → display
/// name and sorted memberships) or per object (`"TYPE GUID"` → name).
type State = BTreeMap<String, String>;

/// What a request ended with: an answer read to its end, or a transport error.
type Sent = Result<Answer, reqwest::Error>;

// ---- the tests -----------------------------------------------------------------------------

async fn sigkill_during_a_10000_user_sync_leaves_before_or_after(kind: StoreKind) {
    let mut jitter = Jitter::seeded();
    let store = ServerStore::create(kind).await;
    let mut server = ServerProcess::start(&store).await;
    let lists = [
        Arc::new(kill_sync_list(0).to_string()),
        Arc::new(kill_sync_list(1).to_string()),
    ];

    // Two syncs run to the end: what each list's directory is, and how long switching from
    // one list to the other takes. A committed sync survives kill -9.
    let mut after: Vec<State> = Vec::with_capacity(lists.len());
    let mut switch_time = Duration::ZERO;
    for (variant, list) in lists.iter().enumerate() {
        let admin = admin_session(&server.base).await;
        let started = Instant::now();
        let answer = bounded(
            "an uninterrupted user/sync",
            CALL_LIMIT,
            post_sync(
                admin.clone(),
                server.base.clone(),
                Arc::clone(list),
                Some(SYNC_PASSWORD),
            ),
        )
        .await
        .expect("user/sync is answered");
        switch_time = started.elapsed();
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "{kind:?}: user/sync of list {}: {}",
            variant + 1,
            answer.body
        );
        let synced = directory(&server.base, &admin).await;
        assert_eq!(
            synced
                .keys()
                .filter(|key| key.starts_with("user fi_user"))
                .count(),
            SYNC_USERS,
            "{kind:?}: every user of list {} is listed",
            variant + 1
        );
        server.kill();
        server = ServerProcess::start(&store).await;
        let admin = admin_session(&server.base).await;
        assert_state(
            &format!(
                "{kind:?}: list {} synced, then kill -9 and restart",
                variant + 1
            ),
            &directory(&server.base, &admin).await,
            &[("the synced list", &synced)],
        );
        after.push(synced);
    }
    eprintln!("{kind:?}: a complete switch between the two lists took {switch_time:?}");

    // Syncs killed at moments spread over that time.
    let delays = kill_delays(SYNC_KILL_ROUNDS, switch_time, &mut jitter);
    let (mut answered, mut rolled_back, mut committed) = (0, 0, 0);
    for (round, delay) in delays.into_iter().enumerate() {
        let admin = admin_session(&server.base).await;
        let before = directory(&server.base, &admin).await;
        // The directory is always one of the two lists: sync to the other one.
        let target = usize::from(before == after[0]);
        let request = post_sync(
            admin.clone(),
            server.base.clone(),
            Arc::clone(&lists[target]),
            Some(SYNC_PASSWORD),
        );
        let sync = tokio::spawn(request);
        tokio::time::sleep(delay).await;
        server.kill();
        let joined = bounded("the interrupted user/sync", CALL_LIMIT, sync).await;
        let outcome = answer_before_kill(joined);
        server = ServerProcess::start(&store).await;
        let admin = admin_session(&server.base).await;
        let now = directory(&server.base, &admin).await;
        let label = format!(
            "{kind:?}: sync round {round} (to list {}), kill -9 after {delay:?}",
            target + 1
        );
        match outcome {
            Some(answer) => {
                assert_eq!(
                    answer.status,
                    StatusCode::OK,
                    "{label}: the only writer answered {}: {}",
                    answer.status,
                    answer.body
                );
                assert_state(
                    &format!("{label}, answered 200 before the kill"),
                    &now,
                    &[("after", &after[target])],
                );
                answered += 1;
            }
            None => {
                assert_state(
                    &label,
                    &now,
                    &[("before", &before), ("after", &after[target])],
                );
                if now == before {
                    rolled_back += 1;
                } else {
                    committed += 1;
                }
            }
        }
    }
    eprintln!(
        "{kind:?}: {SYNC_KILL_ROUNDS} syncs killed: {rolled_back} left the directory as before, \
         {committed} committed without an answer, {answered} had answered"
    );
}

async fn sigkill_during_a_large_import_leaves_before_or_after(kind: StoreKind) {
    let mut jitter = Jitter::seeded();
    let store = ServerStore::create(kind).await;
    // The fixture's data files in the data dir, where its connection's `path: data` points.
    copy_dir(&fixtures::source_dir(), &store.data_dir);
    let mut server = ServerProcess::start(&store).await;
    let admin = admin_session(&server.base).await;
    let fixture: Vec<String> = fixtures::tml_documents(&store.data_dir)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let documents = json_documents(&fixture);
    let answer = bounded(
        "the fixture import",
        CALL_LIMIT,
        post_import(admin.clone(), server.base.clone(), documents),
    )
    .await
    .expect("the fixture import is answered");
    assert_import_ok(&format!("{kind:?}: the fixture"), &answer, fixture.len());

    let kept: Vec<String> = (0..IMPORT_KEPT)
        .map(|_| Uuid::new_v4().to_string())
        .collect();

    // Round 0 runs to the end: it checks the model of "after", times a complete import and
    // checks that a committed import survives kill -9.
    let batch = ImportBatch::new(0, &kept);
    let before = catalog_state(&server.base, &admin).await;
    let after = batch.applied_to(&before);
    let started = Instant::now();
    let answer = bounded(
        "an uninterrupted import",
        CALL_LIMIT,
        post_import(admin.clone(), server.base.clone(), batch.documents()),
    )
    .await
    .expect("the import is answered");
    let import_time = started.elapsed();
    assert_import_ok(&format!("{kind:?}: import round 0"), &answer, batch.len());
    assert_state(
        &format!("{kind:?}: import round 0"),
        &catalog_state(&server.base, &admin).await,
        &[("after", &after)],
    );
    server.kill();
    server = ServerProcess::start(&store).await;
    let admin = admin_session(&server.base).await;
    assert_state(
        &format!("{kind:?}: import round 0, then kill -9 and restart"),
        &catalog_state(&server.base, &admin).await,
        &[("after", &after)],
    );
    eprintln!(
        "{kind:?}: a complete import of {} answers took {import_time:?}",
        batch.len()
    );

    // Imports killed at moments spread over that time.
    let delays = kill_delays(IMPORT_KILL_ROUNDS, import_time, &mut jitter);
    let (mut answered, mut rolled_back, mut committed) = (0, 0, 0);
    for (index, delay) in delays.into_iter().enumerate() {
        let round = index + 1;
        let admin = admin_session(&server.base).await;
        let before = catalog_state(&server.base, &admin).await;
        let batch = ImportBatch::new(round, &kept);
        let after = batch.applied_to(&before);
        let documents = batch.documents();
        let import = tokio::spawn(post_import(admin.clone(), server.base.clone(), documents));
        tokio::time::sleep(delay).await;
        server.kill();
        let joined = bounded("the interrupted import", CALL_LIMIT, import).await;
        let outcome = answer_before_kill(joined);
        server = ServerProcess::start(&store).await;
        let admin = admin_session(&server.base).await;
        let now = catalog_state(&server.base, &admin).await;
        let label = format!("{kind:?}: import round {round}, kill -9 after {delay:?}");
        match outcome {
            Some(answer) => {
                assert_import_ok(&label, &answer, batch.len());
                assert_state(
                    &format!("{label}, answered before the kill"),
                    &now,
                    &[("after", &after)],
                );
                answered += 1;
            }
            None => {
                assert_state(&label, &now, &[("before", &before), ("after", &after)]);
                if now == before {
                    rolled_back += 1;
                } else {
                    committed += 1;
                }
            }
        }
    }
    eprintln!(
        "{kind:?}: {IMPORT_KILL_ROUNDS} imports killed: {rolled_back} left the catalog as \
         before, {committed} committed without an answer, {answered} had answered"
    );
}

both_stores!(
    sigkill_during_a_10000_user_sync_leaves_before_or_after,
    sigkill_during_a_large_import_leaves_before_or_after,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_on_one_postgres_race_syncs_and_imports() {
    let first = spawn_app(StoreKind::Postgres).await;
    let url = first.database_url.clone();
    let second = spawn_app_with(StoreKind::Postgres, |c| c.database_url = Some(url)).await;
    // Each list synced alone, on a store of its own: the state the list asks for.
    let reference = spawn_app(StoreKind::Postgres).await;
    let bases = [first.base.clone(), second.base.clone()];
    let admins = [
        admin_session(&bases[0]).await,
        admin_session(&bases[1]).await,
    ];
    let reference_admin = admin_session(&reference.base).await;

    // The fixture: its files in both replicas' data dirs, its TML imported once (the store is
    // shared), so both replicas can import answers over its worksheet.
    let fixture: Vec<String> = fixtures::install(&first)
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    fixtures::install(&second);
    let documents = json_documents(&fixture);
    let answer = bounded(
        "the fixture import",
        CALL_LIMIT,
        post_import(admins[0].clone(), bases[0].clone(), documents),
    )
    .await
    .expect("the fixture import is answered");
    assert_import_ok("the fixture", &answer, fixture.len());

    const LISTS: [&str; 2] = ["list 1 (sent to replica 1)", "list 2 (sent to replica 2)"];
    let kept_guid = Uuid::new_v4().to_string();
    for round in 0..REPLICA_ROUNDS {
        let lists = [
            Arc::new(replica_list(round, 0).to_string()),
            Arc::new(replica_list(round, 1).to_string()),
        ];
        let mut expected: Vec<State> = Vec::with_capacity(lists.len());
        for list in &lists {
            let answer = bounded(
                "a reference user/sync",
                CALL_LIMIT,
                post_sync(
                    reference_admin.clone(),
                    reference.base.clone(),
                    Arc::clone(list),
                    None,
                ),
            )
            .await
            .expect("the reference user/sync is answered");
            assert_eq!(
                answer.status,
                StatusCode::OK,
                "reference user/sync: {}",
                answer.body
            );
            expected.push(directory(&reference.base, &reference_admin).await);
        }
        assert_ne!(expected[0], expected[1], "the two lists differ");

        // In every other round both replicas also import an answer with one GUID and two
        // names: a new GUID (both create it) or, from the second time on, a kept one (both
        // update it).
        let race_guid = match round % 4 {
            1 => Some(Uuid::new_v4().to_string()),
            3 => Some(kept_guid.clone()),
            _ => None,
        };
        let names = [
            format!("Race {round:02} via replica 1"),
            format!("Race {round:02} via replica 2"),
        ];
        let syncs = [0_usize, 1].map(|side| {
            post_sync(
                admins[side].clone(),
                bases[side].clone(),
                Arc::clone(&lists[side]),
                None,
            )
        });
        let imports = [0_usize, 1].map(|side| {
            let documents = race_guid
                .as_deref()
                .map(|guid| json_documents(&[answer_tml(guid, &names[side])]));
            post_optional_import(admins[side].clone(), bases[side].clone(), documents)
        });
        let label = format!("race round {round}");
        let (synced, imported) = bounded(&label, CALL_LIMIT, all_at_once(syncs, imports)).await;

        // The directory: exactly one list, the winner's when there is a loser, the same on
        // both replicas.
        let [sync_1, sync_2] = synced;
        let sync_outcomes = [
            sync_race(&format!("{label}: user/sync on replica 1"), sync_1),
            sync_race(&format!("{label}: user/sync on replica 2"), sync_2),
        ];
        let states = [
            directory(&bases[0], &admins[0]).await,
            directory(&bases[1], &admins[1]).await,
        ];
        assert_state(
            &format!("{label}: replica 2's user/list"),
            &states[1],
            &[("replica 1's user/list", &states[0])],
        );
        let allowed: Vec<(&str, &State)> = winners(&label, "user/sync", sync_outcomes)
            .iter()
            .map(|&side| (LISTS[side], &expected[side]))
            .collect();
        assert_state(&format!("{label}: the directory"), &states[0], &allowed);

        // The raced answer: there once, with one of the two names (the winner's when there
        // is a loser).
        if let Some(guid) = &race_guid {
            let [import_1, import_2] = imported;
            let import_outcomes = [
                import_race(
                    &format!("{label}: import on replica 1"),
                    import_1.expect("replica 1 imported"),
                ),
                import_race(
                    &format!("{label}: import on replica 2"),
                    import_2.expect("replica 2 imported"),
                ),
            ];
            let allowed: Vec<&str> = winners(&label, "import", import_outcomes)
                .iter()
                .map(|&side| names[side].as_str())
                .collect();
            for (replica, (base, admin)) in bases.iter().zip(&admins).enumerate() {
                let listed = answer_names_with_id(base, admin, guid).await;
                assert_eq!(
                    listed.len(),
                    1,
                    "{label}: replica {} lists the raced answer {guid} once: {listed:?}",
                    replica + 1
                );
                assert!(
                    allowed.contains(&listed[0].as_str()),
                    "{label}: replica {} names the raced answer {:?}; allowed: {allowed:?} \
                     (imports: {import_outcomes:?})",
                    replica + 1,
                    listed[0]
                );
            }
        }
    }
}

// ---- servers as processes ------------------------------------------------------------------

/// Where server processes keep their store: a temp dir (working dir and data dir) with a
/// SQLite file in the data dir, or a fresh PostgreSQL schema. Restarts reuse it.
struct ServerStore {
    work_dir: tempfile::TempDir,
    data_dir: PathBuf,
    database_url: String,
    _schema: Option<PgSchema>,
}

impl ServerStore {
    async fn create(kind: StoreKind) -> Self {
        let work_dir = tempfile::tempdir().expect("temp dir");
        let data_dir = work_dir.path().join("data");
        std::fs::create_dir_all(&data_dir).expect("create the data dir");
        let (database_url, schema) = match kind {
            StoreKind::Sqlite => (
                format!("sqlite://{}", data_dir.join("searchlight.db").display()),
                None,
            ),
            StoreKind::Postgres => {
                let schema = PgSchema::create().await;
                (schema.url.clone(), Some(schema))
            }
        };
        Self {
            work_dir,
            data_dir,
            database_url,
            _schema: schema,
        }
    }
}

/// A fresh schema in the test PostgreSQL database (as `spawn_app` makes one), for servers
/// started as processes; dropped with everything in it when this value is.
struct PgSchema {
    name: String,
    /// The test database's URL with the schema as `search_path`.
    url: String,
}

impl PgSchema {
    async fn create() -> Self {
        let name = format!("test_{}", Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&postgres_url())
            .await
            .unwrap_or_else(|err| {
                panic!(
                    "PostgreSQL at {} is needed for the tests: {err}",
                    postgres_url()
                )
            });
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {name}")))
            .execute(&pool)
            .await
            .expect("create the test schema");
        pool.close().await;
        let separator = if postgres_url().contains('?') {
            '&'
        } else {
            '?'
        };
        let url = format!("{}{separator}options[search_path]={name}", postgres_url());
        Self { name, url }
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        let statement = format!("DROP SCHEMA {} CASCADE", self.name);
        // Drop is synchronous: clean the schema up on a thread of its own.
        let _ = std::thread::spawn(move || drop_schema(statement)).join();
    }
}

/// Runs `statement` (a DROP SCHEMA) on the test database, on a runtime of its own.
fn drop_schema(statement: String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    if let Ok(runtime) = runtime {
        runtime.block_on(async move {
            if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(statement))
                    .execute(&pool)
                    .await;
                pool.close().await;
            }
        });
    }
}

/// `searchlight serve` on a [`ServerStore`], started from an empty working dir with an empty
/// environment, listening on a free port; killed with SIGKILL when dropped.
struct ServerProcess {
    child: Child,
    /// `http://HOST:PORT`, from the `listening on` log line.
    base: String,
    /// Everything the process printed, line by line.
    log: Arc<Mutex<Vec<String>>>,
}

impl ServerProcess {
    /// Launches the server and waits until it answers `healthz`.
    async fn start(store: &ServerStore) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_searchlight"));
        command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .arg("--data-dir")
            .arg(&store.data_dir)
            .arg("--database-url")
            .arg(&store.database_url)
            .arg("--admin-password")
            .arg(ADMIN_PASSWORD)
            .current_dir(store.work_dir.path())
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("the searchlight binary starts");
        let log = Arc::new(Mutex::new(Vec::new()));
        if let Some(stdout) = child.stdout.take() {
            collect_lines(stdout, Arc::clone(&log));
        }
        if let Some(stderr) = child.stderr.take() {
            collect_lines(stderr, Arc::clone(&log));
        }
        // From here on a panic kills the process (Drop).
        let mut server = Self {
            child,
            base: String::new(),
            log,
        };
        server.base = server.wait_until_listening().await;
        server.wait_until_healthy().await;
        server
    }

    /// The address of the `listening on http://HOST:PORT` log line, once it is printed.
    async fn wait_until_listening(&mut self) -> String {
        let started = Instant::now();
        loop {
            let logged = self
                .log
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .find_map(|line| listening_address(line.as_str()));
            if let Some(base) = logged {
                return base;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the readers take the last lines.
                tokio::time::sleep(Duration::from_millis(200)).await;
                panic!(
                    "the server exited ({status}) before listening:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "the server logged no `listening on` line within {START_LIMIT:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `GET /healthz` answers 200.
    async fn wait_until_healthy(&mut self) {
        let client = http_client();
        let url = format!("{}/healthz", self.base);
        let started = Instant::now();
        loop {
            let request = client.get(&url).send();
            let answer = tokio::time::timeout(Duration::from_secs(10), request).await;
            if matches!(answer, Ok(Ok(response)) if response.status() == StatusCode::OK) {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "the server exited ({status}) before answering healthz:\n{}",
                    self.log_tail()
                );
            }
            assert!(
                started.elapsed() < START_LIMIT,
                "healthz did not answer 200 within {START_LIMIT:?}:\n{}",
                self.log_tail()
            );
            tokio::time::sleep(POLL).await;
        }
    }

    /// Kills the process with SIGKILL (no shutdown, nothing flushed) and reaps it.
    fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the server");
        self.child.wait().expect("reap the killed server");
    }

    /// The last lines the process printed, for failure messages.
    fn log_tail(&self) -> String {
        let log = self.log.lock().unwrap_or_else(PoisonError::into_inner);
        let skip = log.len().saturating_sub(60);
        log[skip..].join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Copies a child's output into `log` line by line until the pipe closes (the process died);
/// reading it also keeps the process from blocking on a full pipe.
fn collect_lines(stream: impl Read + Send + 'static, log: Arc<Mutex<Vec<String>>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut lines = log.lock().unwrap_or_else(PoisonError::into_inner);
            lines.push(line);
        }
    });
}

/// `http://HOST:PORT` from a `listening on http://HOST:PORT` log line (text or JSON log format,
/// with or without colours).
fn listening_address(line: &str) -> Option<String> {
    const MARK: &str = "listening on http://";
    let start = line.find(MARK)? + MARK.len();
    let address: String = line[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '[' | ']'))
        .collect();
    (!address.is_empty()).then(|| format!("http://{address}"))
}

/// Copies a folder recursively.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the target folder");
    for entry in std::fs::read_dir(from).expect("read the source folder") {
        let entry = entry.expect("a folder entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy a file");
        }
    }
}

// ---- kill moments --------------------------------------------------------------------------

/// Pseudo-random numbers for the kill moments (xorshift64*), seeded from
/// `FAULT_INJECTION_SEED` or the clock; the seed is printed so a schedule can be replayed.
struct Jitter(u64);

impl Jitter {
    fn seeded() -> Self {
        let seed = std::env::var("FAULT_INJECTION_SEED")
            .ok()
            .and_then(|text| text.parse::<u64>().ok())
            .unwrap_or_else(|| {
                SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(1, |since| since.as_nanos() as u64)
            });
        eprintln!("fault injection: seed {seed} (FAULT_INJECTION_SEED={seed} replays it)");
        Self(seed | 1)
    }

    /// A number in [0, 1).
    fn unit(&mut self) -> f64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// `rounds` kill moments over `[0, 1.2 × typical)`: the first at once, the others one per
/// equal step, each at a random point of its step.
fn kill_delays(rounds: usize, typical: Duration, jitter: &mut Jitter) -> Vec<Duration> {
    let step = typical.mul_f64(1.2).div_f64(rounds.max(1) as f64);
    let mut delays = vec![Duration::ZERO];
    for round in 1..rounds {
        delays.push(step.mul_f64(round as f64 - 0.5 + jitter.unit()));
    }
    eprintln!("fault injection: kill moments {delays:?}");
    delays
}

// ---- HTTP ----------------------------------------------------------------------------------

/// A response read to its end.
#[derive(Debug)]
struct Answer {
    status: StatusCode,
    body: String,
}

/// A client with its own cookie jar and a bound on every request.
fn http_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(CALL_LIMIT)
        .build()
        .expect("http client")
}

/// The URL of a v1 endpoint of the server at `base`.
fn endpoint(base: &str, name: &str) -> String {
    format!("{base}{API}/{name}")
}

/// Awaits `future`, failing the test when it takes longer than `limit`.
async fn bounded<T>(what: &str, limit: Duration, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(limit, future)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {limit:?}"))
}

/// Sends a request and reads its answer to the end.
async fn read_answer(request: RequestBuilder) -> Sent {
    let response = request.send().await?;
    let status = response.status();
    let body = response.text().await?;
    Ok(Answer { status, body })
}

/// The answer to a request the server was killed under, if one arrived before the kill.
fn answer_before_kill(joined: Result<Sent, tokio::task::JoinError>) -> Option<Answer> {
    joined.expect("the request task does not panic").ok()
}

/// A client logged in as tsadmin on the server at `base`.
async fn admin_session(base: &str) -> Client {
    let client = http_client();
    let request = client
        .post(endpoint(base, "session/login"))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)]);
    let answer = bounded("a login", CALL_LIMIT, read_answer(request))
        .await
        .expect("the login is answered");
    assert_eq!(
        answer.status,
        StatusCode::NO_CONTENT,
        "login as tsadmin: {}",
        answer.body
    );
    client
}

/// user/sync with `applyChanges=true` and `removeDeleted=true` (the directory must become
/// exactly `principals`), with `password` for the new users.
async fn post_sync(
    client: Client,
    base: String,
    principals: Arc<String>,
    password: Option<&'static str>,
) -> Sent {
    let mut form = Form::new()
        .text("principals", String::clone(&principals))
        .text("applyChanges", "true")
        .text("removeDeleted", "true");
    if let Some(password) = password {
        form = form.text("password", password);
    }
    let request = client
        .post(endpoint(&base, "user/sync"))
        .header("X-Requested-By", "ThoughtSpot")
        .multipart(form);
    read_answer(request).await
}

/// metadata/tml/import of `documents` (a JSON array of TML texts) with ALL_OR_NONE.
async fn post_import(client: Client, base: String, documents: Arc<String>) -> Sent {
    let request = client
        .post(endpoint(&base, "metadata/tml/import"))
        .header("X-Requested-By", "ThoughtSpot")
        .form(&[
            ("import_objects", documents.as_str()),
            ("import_policy", "ALL_OR_NONE"),
        ]);
    read_answer(request).await
}

/// [`post_import`] when there are documents to import.
async fn post_optional_import(
    client: Client,
    base: String,
    documents: Option<Arc<String>>,
) -> Option<Sent> {
    let documents = documents?;
    Some(post_import(client, base, documents).await)
}

/// TML texts as `import_objects` takes them: a JSON array of strings.
fn json_documents(texts: &[String]) -> Arc<String> {
    Arc::new(serde_json::to_string(texts).expect("documents serialise"))
}

/// Asserts an import answered 200 with an OK entry for each of its `documents`.
fn assert_import_ok(label: &str, answer: &Answer, documents: usize) {
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "{label}: import answered {}: {}",
        answer.status,
        answer.body
    );
    let body: Value = serde_json::from_str(&answer.body)
        .unwrap_or_else(|err| panic!("{label}: the import answers JSON ({err})"));
    let entries = body["object"]
        .as_array()
        .unwrap_or_else(|| panic!("{label}: no object list in the import answer"));
    assert_eq!(entries.len(), documents, "{label}: one entry per document");
    for entry in entries {
        assert_eq!(
            entry["response"]["status"]["status_code"], "OK",
            "{label}: {entry}"
        );
    }
}

// ---- states --------------------------------------------------------------------------------

/// The directory as tsadmin sees it in user/list: each principal's kind, name, display name
/// and memberships (sorted).
async fn directory(base: &str, admin: &Client) -> State {
    let answer = bounded(
        "user/list",
        CALL_LIMIT,
        read_answer(admin.get(endpoint(base, "user/list"))),
    )
    .await
    .expect("user/list is answered");
    assert_eq!(answer.status, StatusCode::OK, "user/list: {}", answer.body);
    let list: Vec<Value> = serde_json::from_str(&answer.body).expect("user/list answers a list");
    let mut state = State::new();
    for principal in &list {
        let kind = match principal["principalTypeEnum"].as_str() {
            Some(kind) if kind.ends_with("_USER") => "user",
            Some(_) => "group",
            None => panic!("a principal without principalTypeEnum: {principal}"),
        };
        let name = principal["name"].as_str().expect("a principal's name");
        let mut groups: Vec<&str> = principal["groupNames"]
            .as_array()
            .map(|names| names.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        groups.sort_unstable();
        let previous = state.insert(
            format!("{kind} {name}"),
            format!("{} in [{}]", principal["displayName"], groups.join(", ")),
        );
        assert!(previous.is_none(), "the {kind} {name} is listed twice");
    }
    state
}

/// The catalog as tsadmin sees it in metadata/listobjectheaders: the id and name of every
/// object of [`CATALOG_TYPES`].
async fn catalog_state(base: &str, admin: &Client) -> State {
    let mut state = State::new();
    for object_type in CATALOG_TYPES {
        let request = admin
            .get(endpoint(base, "metadata/listobjectheaders"))
            .query(&[("type", object_type)]);
        let answer = bounded("listobjectheaders", CALL_LIMIT, read_answer(request))
            .await
            .expect("listobjectheaders is answered");
        assert_eq!(
            answer.status,
            StatusCode::OK,
            "listobjectheaders {object_type}: {}",
            answer.body
        );
        let headers: Vec<Value> =
            serde_json::from_str(&answer.body).expect("listobjectheaders answers a list");
        for header in &headers {
            let id = header["id"].as_str().expect("a header's id");
            let name = header["name"].as_str().expect("a header's name");
            let previous = state.insert(format!("{object_type} {id}"), name.to_string());
            assert!(previous.is_none(), "{object_type} {id} is listed twice");
        }
    }
    state
}

/// The names listobjectheaders gives for the answer with this GUID.
async fn answer_names_with_id(base: &str, admin: &Client, id: &str) -> Vec<String> {
    let ids = json!([id]).to_string();
    let request = admin
        .get(endpoint(base, "metadata/listobjectheaders"))
        .query(&[("type", "QUESTION_ANSWER_BOOK")])
        .query(&[("fetchids", ids.as_str())]);
    let answer = bounded("listobjectheaders", CALL_LIMIT, read_answer(request))
        .await
        .expect("listobjectheaders is answered");
    assert_eq!(
        answer.status,
        StatusCode::OK,
        "listobjectheaders: {}",
        answer.body
    );
    let headers: Vec<Value> =
        serde_json::from_str(&answer.body).expect("listobjectheaders answers a list");
    headers
        .iter()
        .map(|header| header["name"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Asserts `actual` equals one of the `allowed` states (named for the message); otherwise
/// fails with how it differs from each.
fn assert_state(label: &str, actual: &State, allowed: &[(&str, &State)]) {
    if allowed.iter().any(|(_, state)| *state == actual) {
        return;
    }
    let report: Vec<String> = allowed
        .iter()
        .map(|(name, state)| format!("- against {name}: {}", differences(actual, state)))
        .collect();
    panic!(
        "{label}: the store ({} entries) is in none of the allowed states\n{}",
        actual.len(),
        report.join("\n")
    );
}

/// How `actual` differs from `expected`: counts and a few examples of each kind.
fn differences(actual: &State, expected: &State) -> String {
    const SHOWN: usize = 5;
    let missing: Vec<&str> = expected
        .keys()
        .filter(|key| !actual.contains_key(*key))
        .map(String::as_str)
        .collect();
    let extra: Vec<&str> = actual
        .keys()
        .filter(|key| !expected.contains_key(*key))
        .map(String::as_str)
        .collect();
    let changed: Vec<String> = expected
        .iter()
        .filter_map(|(key, wanted)| {
            let found = actual.get(key)?;
            (found != wanted).then(|| format!("{key}: {found} instead of {wanted}"))
        })
        .collect();
    format!(
        "{} missing {:?}, {} extra {:?}, {} changed {:?}",
        missing.len(),
        &missing[..missing.len().min(SHOWN)],
        extra.len(),
        &extra[..extra.len().min(SHOWN)],
        changed.len(),
        &changed[..changed.len().min(SHOWN)]
    )
}

// ---- what is written -----------------------------------------------------------------------

/// One of the two lists the killed syncs switch between. List 2 keeps the second half of list
/// 1's users and half of its groups (nested differently, users in other groups, some renamed)
/// and adds as many new ones, so a switch deletes, adds and updates thousands of principals.
fn kill_sync_list(variant: usize) -> Value {
    let group_base = variant * SYNC_GROUPS / 2;
    let user_base = variant * SYNC_USERS / 2;
    let group_name = |g: usize| format!("fi_group{:04}", group_base + g);
    let mut principals = Vec::with_capacity(SYNC_GROUPS + SYNC_USERS);
    for g in 0..SYNC_GROUPS {
        let parent = group_name(g % 10);
        let parents: Vec<&str> = if g < 10 {
            Vec::new()
        } else {
            vec![parent.as_str()]
        };
        principals.push(group_json(&group_name(g), &parents));
    }
    for u in 0..SYNC_USERS {
        let n = user_base + u;
        let first = group_name((n * (1 + 2 * variant)) % SYNC_GROUPS);
        let second = group_name((n + 37) % SYNC_GROUPS);
        let mut groups = vec![first.as_str()];
        if n % 4 == variant && second != first {
            groups.push(second.as_str());
        }
        let display_name = if variant == 1 && n.is_multiple_of(3) {
            format!("User {n} (renamed)")
        } else {
            format!("User {n}")
        };
        principals.push(json!({
            "name": format!("fi_user{n:05}"),
            "displayName": display_name,
            "principalTypeEnum": "LOCAL_USER",
            "groupNames": groups,
            "visibility": "DEFAULT",
        }));
    }
    Value::Array(principals)
}

/// The list replica `side` (0 or 1) syncs in `round`. Both lists hold the groups `rep_a` and
/// `rep_b` nested in opposite orders (a mixture would be a cycle), the same stable users in
/// different groups, the same new users of the round, and users and groups of their own.
fn replica_list(round: usize, side: usize) -> Value {
    let (child, parent) = if side == 0 {
        ("rep_a", "rep_b")
    } else {
        ("rep_b", "rep_a")
    };
    let own_group = |k: usize| format!("rep_r{round:02}_s{side}_g{k}");
    let mut principals = vec![group_json(parent, &[]), group_json(child, &[parent])];
    for k in 0..REPLICA_OWN_GROUPS {
        principals.push(group_json(&own_group(k), &[child]));
    }
    for i in 0..REPLICA_STABLE_USERS {
        principals.push(user_json(&format!("rep_u{i:03}"), &[child]));
    }
    for i in 0..REPLICA_ROUND_USERS {
        let group = own_group(i % REPLICA_OWN_GROUPS);
        let shared = format!("rep_r{round:02}_u{i:03}");
        let own = format!("rep_r{round:02}_s{side}_u{i:03}");
        principals.push(user_json(&shared, &[group.as_str()]));
        principals.push(user_json(&own, &[group.as_str()]));
    }
    Value::Array(principals)
}

/// An answer over the fixture's worksheet with a fixed GUID.
fn answer_tml(guid: &str, name: &str) -> String {
    format!(
        "guid: {guid}\nanswer:\n  name: {name}\n  tables:\n  - id: Retail Sales\n    name: Retail Sales\n  search_query: \"[Revenue] [Region]\"\n  display_mode: TABLE_MODE\n"
    )
}

/// One round of the killed imports: `(GUID, name)` of each answer, the kept GUIDs renamed for
/// the round and new ones.
struct ImportBatch {
    answers: Vec<(String, String)>,
}

impl ImportBatch {
    fn new(round: usize, kept: &[String]) -> Self {
        let renamed = kept
            .iter()
            .enumerate()
            .map(|(i, guid)| (guid.clone(), format!("Fault r{round:02} kept {i:04}")));
        let created = (0..IMPORT_NEW).map(|i| {
            (
                Uuid::new_v4().to_string(),
                format!("Fault r{round:02} new {i:04}"),
            )
        });
        Self {
            answers: renamed.chain(created).collect(),
        }
    }

    fn len(&self) -> usize {
        self.answers.len()
    }

    /// The documents as `import_objects` takes them: a JSON array of TML texts.
    fn documents(&self) -> Arc<String> {
        let texts: Vec<String> = self
            .answers
            .iter()
            .map(|(guid, name)| answer_tml(guid, name))
            .collect();
        json_documents(&texts)
    }

    /// The catalog once this batch is imported over `before`.
    fn applied_to(&self, before: &State) -> State {
        let mut after = before.clone();
        for (guid, name) in &self.answers {
            after.insert(format!("QUESTION_ANSWER_BOOK {guid}"), name.clone());
        }
        after
    }
}

// ---- races ---------------------------------------------------------------------------------

/// How one side of a race ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Race {
    /// It did what it was asked.
    Won,
    /// It was refused as a concurrent change and did nothing.
    Lost,
}

/// Sends both replicas' syncs and imports at once; the answers come back in the same order.
async fn all_at_once<S: Future, I: Future>(
    syncs: [S; 2],
    imports: [I; 2],
) -> ([S::Output; 2], [I::Output; 2]) {
    let [sync_1, sync_2] = syncs;
    let [import_1, import_2] = imports;
    let (sync_1, sync_2, import_1, import_2) = tokio::join!(sync_1, sync_2, import_1, import_2);
    ([sync_1, sync_2], [import_1, import_2])
}

/// A raced user/sync: 200 won, 409 lost; any other answer (a 5xx above all) fails the test.
fn sync_race(label: &str, sent: Sent) -> Race {
    let answer = sent.unwrap_or_else(|err| panic!("{label}: no answer: {err}"));
    match answer.status {
        StatusCode::OK => Race::Won,
        StatusCode::CONFLICT => Race::Lost,
        status => panic!("{label}: answered {status}: {}", answer.body),
    }
}

/// A raced import: 200 with an OK entry won; 409, or 200 with a refused entry, lost (its
/// message must not quote the database); any other answer fails the test.
fn import_race(label: &str, sent: Sent) -> Race {
    let answer = sent.unwrap_or_else(|err| panic!("{label}: no answer: {err}"));
    match answer.status {
        StatusCode::CONFLICT => Race::Lost,
        StatusCode::OK => {
            let body: Value = serde_json::from_str(&answer.body)
                .unwrap_or_else(|err| panic!("{label}: the import answers JSON ({err})"));
            let status = &body["object"][0]["response"]["status"];
            if status["status_code"] == "OK" {
                return Race::Won;
            }
            let message = status["error_message"].as_str().unwrap_or_default();
            for internal in ["duplicate key", "violates", "SQLSTATE"] {
                assert!(
                    !message.contains(internal),
                    "{label}: the refusal quotes the database: {message}"
                );
            }
            Race::Lost
        }
        status => panic!("{label}: answered {status}: {}", answer.body),
    }
}

/// The sides (0, 1) whose outcome must show: both when both won, else the winner; fails when
/// both lost (one of two racing writers must get through).
fn winners(label: &str, what: &str, outcomes: [Race; 2]) -> &'static [usize] {
    match outcomes {
        [Race::Won, Race::Won] => &[0, 1],
        [Race::Won, Race::Lost] => &[0],
        [Race::Lost, Race::Won] => &[1],
        [Race::Lost, Race::Lost] => panic!("{label}: both replicas' {what} lost"),
    }
}
