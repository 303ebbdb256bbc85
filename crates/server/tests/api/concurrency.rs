//! Concurrent writers (issue 13): `user/sync` calls that race, on one server and on two
//! servers sharing a store; imports that race on one GUID; servers that start together on
//! one new store. Every race ends in a state one of the requests asked for: never a mixture
//! of two lists, a membership cycle, a 500, or a second administrator password.

use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

use searchlight::{Application, Config};

use crate::both_stores;
use crate::catalog_helpers::{as_user, doc, edit, entries, install, people, status_of};
use crate::fixtures::guid;
use crate::helpers::*;

/// The built-in users and groups every directory holds.
const BUILTIN_USERS: [&str; 2] = ["system", "tsadmin"];
const BUILTIN_GROUPS: [&str; 3] = ["Administrator", "All", "System"];

/// A list of two nested groups (`<prefix>g1`, `<prefix>g2` inside it) and `users` users in
/// the inner one (`<prefix>u00`, …).
fn nested_list(prefix: &str, users: usize) -> Value {
    let outer = format!("{prefix}g1");
    let inner = format!("{prefix}g2");
    let mut principals = vec![group_json(&outer, &[]), group_json(&inner, &[&outer])];
    principals.extend((0..users).map(|u| user_json(&format!("{prefix}u{u:02}"), &[&inner])));
    Value::Array(principals)
}

/// The (users, groups) a directory holds after a `removeDeleted=true` sync of `list`, each
/// sorted.
fn directory_of(list: &Value) -> (Vec<String>, Vec<String>) {
    let mut users: Vec<String> = BUILTIN_USERS.iter().map(|n| n.to_string()).collect();
    let mut groups: Vec<String> = BUILTIN_GROUPS.iter().map(|n| n.to_string()).collect();
    for principal in list.as_array().expect("a list of principals") {
        let name = principal["name"].as_str().expect("name").to_string();
        match principal["principalTypeEnum"].as_str() {
            Some("LOCAL_USER") => users.push(name),
            _ => groups.push(name),
        }
    }
    users.sort();
    groups.sort();
    (users, groups)
}

/// The directory's (users, groups), each sorted.
async fn directory(app: &TestApp, admin: &Client) -> (Vec<String>, Vec<String>) {
    let list = list_as(app, admin).await;
    (names(&list, true), names(&list, false))
}

/// The status of a user/sync answer, after checking it is 200, or a 409 in the v1 error
/// body (another sync got in the way), or the 400 `allowed_400` names; never anything else.
async fn sync_status(label: &str, response: Response, allowed_400: Option<&str>) -> StatusCode {
    let status = response.status();
    match (status.as_u16(), allowed_400) {
        (200, _) => {}
        (409, _) => {
            let message = assert_error(response, 409, 10002).await;
            assert!(message.contains("changed nothing"), "{label}: {message}");
        }
        (400, Some(expected)) => {
            let message = assert_error(response, 400, 10002).await;
            assert!(message.contains(expected), "{label}: {message}");
        }
        _ => {
            let body = response.text().await.unwrap_or_default();
            panic!("{label}: user/sync answered {status}: {body}");
        }
    }
    status
}

/// Two syncs with `removeDeleted=true` and different lists at the same time, `rounds` times,
/// one through each of `first` and `second` (one server twice, or two replicas): each round
/// ends with the directory exactly as one of the lists says (one that was answered 200),
/// never their union.
async fn race_remove_deleted(first: &TestApp, second: &TestApp, rounds: usize) {
    let (one, two) = (first.admin().await, second.admin().await);
    for round in 0..rounds {
        let lists = [
            nested_list(&format!("a{round}"), 30),
            nested_list(&format!("b{round}"), 30),
        ];
        let (a, b) = tokio::join!(
            first.sync(&one, &lists[0], true, true, None),
            second.sync(&two, &lists[1], true, true, None),
        );
        let label = format!("round {round}");
        let statuses = [
            sync_status(&label, a, None).await,
            sync_status(&label, b, None).await,
        ];
        assert!(
            statuses.contains(&StatusCode::OK),
            "{label}: one sync succeeds: {statuses:?}"
        );
        let state = directory(first, &one).await;
        let allowed: Vec<(Vec<String>, Vec<String>)> = lists
            .iter()
            .zip(statuses)
            .filter(|(_, status)| *status == StatusCode::OK)
            .map(|(list, _)| directory_of(list))
            .collect();
        assert!(
            allowed.contains(&state),
            "{label}: the directory is not one of the lists ({statuses:?}): {state:?}"
        );
        assert_eq!(
            directory(second, &two).await,
            state,
            "{label}: both servers see it"
        );
    }
}

async fn racing_remove_deleted_syncs_leave_one_list(store: StoreKind) {
    let app = spawn_app(store).await;
    race_remove_deleted(&app, &app, 5).await;
}

async fn replicas_racing_remove_deleted_syncs_leave_one_list(store: StoreKind) {
    let first = spawn_app(store).await;
    let url = first.database_url.clone();
    let second = spawn_app_with(store, |c| c.database_url = Some(url)).await;
    race_remove_deleted(&first, &second, 5).await;
}

/// The direct parent groups of group `name` in a user/list answer.
fn group_parents(list: &[Value], name: &str) -> Vec<String> {
    parents(group(list, name))
}

/// Two syncs that each nest one of two groups in the other (neither alone makes a cycle,
/// both together would), on two replicas: the later one sees the earlier one's membership
/// and is refused as a cycle, so no cycle is ever stored and later syncs work.
async fn racing_syncs_never_store_a_cycle(store: StoreKind) {
    let first = spawn_app(store).await;
    let url = first.database_url.clone();
    let second = spawn_app_with(store, |c| c.database_url = Some(url)).await;
    let (one, two) = (first.admin().await, second.admin().await);
    for round in 0..5 {
        let label = format!("round {round}");
        let both = json!([group_json("A", &[]), group_json("B", &[])]);
        sync_ok(&first, &one, &both, true, true, None).await;
        let a_in_b = json!([group_json("A", &["B"])]);
        let b_in_a = json!([group_json("B", &["A"])]);
        let (a, b) = tokio::join!(
            first.sync(&one, &a_in_b, true, false, None),
            second.sync(&two, &b_in_a, true, false, None),
        );
        let statuses = [
            sync_status(&label, a, Some("cycle")).await,
            sync_status(&label, b, Some("cycle")).await,
        ];
        let succeeded = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(
            succeeded, 1,
            "{label}: exactly one nesting is stored: {statuses:?}"
        );

        let list = list_as(&first, &one).await;
        let (a_parents, b_parents) = (group_parents(&list, "A"), group_parents(&list, "B"));
        let stored = [a_parents == ["B"], b_parents == ["A"]];
        assert!(
            stored == [true, false] || stored == [false, true],
            "{label}: A is in {a_parents:?}, B is in {b_parents:?}"
        );
        assert_eq!(
            stored[0],
            statuses[0] == StatusCode::OK,
            "{label}: the stored nesting is the one answered 200"
        );
        // A sync that leaves A and B as they are still works: there is no cycle to refuse.
        let later = json!([user_json(&format!("later{round}"), &["A"])]);
        sync_ok(&second, &two, &later, true, false, None).await;
    }
}

/// Two syncs on two replicas that add the same new users and groups (and one user each of
/// their own): both succeed, the later one finding the shared principals there; nothing is
/// added twice and every new user has the password given.
async fn racing_syncs_adding_the_same_names_both_succeed(store: StoreKind) {
    let first = spawn_app(store).await;
    let url = first.database_url.clone();
    let second = spawn_app_with(store, |c| c.database_url = Some(url)).await;
    let (one, two) = (first.admin().await, second.admin().await);
    for round in 0..5 {
        let label = format!("round {round}");
        let shared = nested_list(&format!("s{round}"), 20);
        let mut lists = [shared.clone(), shared];
        for (side, list) in lists.iter_mut().enumerate() {
            let own = user_json(&format!("own{round}side{side}"), &[]);
            list.as_array_mut().expect("a list").push(own);
        }
        let (a, b) = tokio::join!(
            first.sync(&one, &lists[0], true, false, Some("race pw")),
            second.sync(&two, &lists[1], true, false, Some("race pw")),
        );
        for (side, response) in [a, b].into_iter().enumerate() {
            let status = response.status();
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, StatusCode::OK, "{label}, side {side}: {body}");
        }
        let list = list_as(&first, &one).await;
        let users = names(&list, true);
        for name in [
            format!("s{round}u00"),
            format!("s{round}u19"),
            format!("own{round}side0"),
            format!("own{round}side1"),
        ] {
            assert_eq!(
                users.iter().filter(|u| **u == name).count(),
                1,
                "{label}: {name} once in {users:?}"
            );
        }
        assert_eq!(
            parents(user(&list, &format!("s{round}u07"))),
            ["All".to_string(), format!("s{round}g2")],
            "{label}"
        );
    }
    second.logged_in("s0u03", "race pw").await;
}

/// Two users who may import, each importing a connection with the same new GUID at the same
/// time, rounds over: exactly one creates it; the other either finds it and is refused (it
/// may not modify the other's connection) or answers 409. Never both, never a 500.
async fn racing_imports_of_one_guid_create_it_once(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    people(&app, &admin).await;
    let (dana, dora) = (as_user(&app, "dana").await, as_user(&app, "dora").await);
    let connection = doc(&docs, "Retail Files.connection.tml");
    for round in 0..6 {
        let label = format!("round {round}");
        let id = uuid::Uuid::new_v4().to_string();
        let objects = serde_json::to_string(&[edit(&connection, guid::CONNECTION, &id)])
            .expect("documents serialise");
        let form = [("import_objects", objects.as_str())];
        let (a, b) = tokio::join!(
            app.post_form(&dana, "metadata/tml/import", &form),
            app.post_form(&dora, "metadata/tml/import", &form),
        );
        let mut created = 0;
        for (who, response) in [("dana", a), ("dora", b)] {
            let status = response.status();
            if status == StatusCode::CONFLICT {
                assert_error(response, 409, 10002).await;
                continue;
            }
            let body = response.text().await.unwrap_or_default();
            assert_eq!(status, StatusCode::OK, "{label}: {who}'s import: {body}");
            let body: Value = serde_json::from_str(&body).expect("import answers JSON");
            let entries = entries(&body);
            assert_eq!(entries.len(), 1, "{label}: {body}");
            match status_of(&entries[0]) {
                "OK" | "WARNING" => created += 1,
                "ERROR" => {}
                other => panic!("{label}: {who}'s import is {other}: {body}"),
            }
        }
        assert_eq!(created, 1, "{label}: exactly one import creates {id}");
    }
}

/// A new, empty store no server has opened yet: a SQLite file in a temp dir, or a fresh
/// PostgreSQL schema (dropped at the end).
struct FreshStore {
    url: String,
    schema: Option<String>,
    _dir: tempfile::TempDir,
}

impl FreshStore {
    async fn new(store: StoreKind) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        if store == StoreKind::Sqlite {
            return Self {
                url: format!("sqlite://{}", dir.path().join("shared.db").display()),
                schema: None,
                _dir: dir,
            };
        }
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let pool = sqlx::PgPool::connect(&postgres_url())
            .await
            .expect("PostgreSQL for the tests");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&pool)
            .await
            .expect("create test schema");
        pool.close().await;
        let separator = if postgres_url().contains('?') {
            '&'
        } else {
            '?'
        };
        Self {
            url: format!("{}{separator}options[search_path]={schema}", postgres_url()),
            schema: Some(schema),
            _dir: dir,
        }
    }
}

impl Drop for FreshStore {
    fn drop(&mut self) {
        let Some(schema) = self.schema.take() else {
            return;
        };
        // Drop is synchronous: clean the schema up on a thread of its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build();
            if let Ok(runtime) = runtime {
                runtime.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                        let drop_schema = format!("DROP SCHEMA {schema} CASCADE");
                        let _ = sqlx::query(sqlx::AssertSqlSafe(drop_schema))
                            .execute(&pool)
                            .await;
                        pool.close().await;
                    }
                });
            }
        })
        .join();
    }
}

/// Four servers started at once on one new store, no admin password configured: all of them
/// start, exactly one creates the built-ins and reports the password it generated, and that
/// password is tsadmin's.
async fn servers_starting_together_on_a_new_store_all_start(store: StoreKind) {
    for trial in 0..2 {
        let fresh = FreshStore::new(store).await;
        let dirs: Vec<tempfile::TempDir> = (0..4)
            .map(|_| tempfile::tempdir().expect("temp dir"))
            .collect();
        let configs: Vec<Config> = dirs
            .iter()
            .map(|dir| Config {
                listen: "127.0.0.1:0".into(),
                data_dir: dir.path().join("data"),
                database_url: Some(fresh.url.clone()),
                admin_password: None,
                ..Config::default()
            })
            .collect();
        let started = tokio::join!(
            Application::build(&configs[0]),
            Application::build(&configs[1]),
            Application::build(&configs[2]),
            Application::build(&configs[3]),
        );
        let apps: Vec<Application> = [started.0, started.1, started.2, started.3]
            .into_iter()
            .enumerate()
            .map(|(i, app)| match app {
                Ok(app) => app,
                Err(err) => panic!("trial {trial}: server {i} did not start: {err:#}"),
            })
            .collect();
        let creators = apps.iter().filter(|app| app.bootstrap().created).count();
        assert_eq!(
            creators, 1,
            "trial {trial}: one server creates the built-ins"
        );
        let passwords: Vec<String> = apps
            .iter()
            .filter_map(|app| app.bootstrap().generated_admin_password.clone())
            .collect();
        assert_eq!(
            passwords.len(),
            1,
            "trial {trial}: one server reports a generated password"
        );
        drop(apps);

        let url = fresh.url.clone();
        let app = spawn_app_with(store, |c| c.database_url = Some(url)).await;
        let admin = app.logged_in(ADMIN, &passwords[0]).await;
        let list = list_as(&app, &admin).await;
        assert_eq!(names(&list, true), BUILTIN_USERS, "trial {trial}");
        assert_eq!(names(&list, false), BUILTIN_GROUPS, "trial {trial}");
    }
}

both_stores!(
    racing_remove_deleted_syncs_leave_one_list,
    replicas_racing_remove_deleted_syncs_leave_one_list,
    racing_syncs_never_store_a_cycle,
    racing_syncs_adding_the_same_names_both_succeed,
    racing_imports_of_one_guid_create_it_once,
    servers_starting_together_on_a_new_store_all_start,
);
