//! Test harness: a real Searchlight on 127.0.0.1:0 over a real store, driven over HTTP.
//!
//! Every API test is written once as `async fn name(store: StoreKind)` and instantiated for
//! both stores with [`both_stores!`]: SQLite (a file in a temp dir) and PostgreSQL (a fresh
//! schema per test in the database at `SEARCHLIGHT_TEST_POSTGRES_URL`, default
//! `postgres://postgres@127.0.0.1:5432/test`, dropped when the test ends).

#![allow(dead_code)] // Each test module uses a different part of the harness.

use std::path::PathBuf;

use reqwest::{Client, Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;

use searchlight::{Application, Config};

pub const ADMIN: &str = "tsadmin";
pub const ADMIN_PASSWORD: &str = "admin pw+&1";
pub const API: &str = "/callosum/v1/tspublic/v1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Sqlite,
    Postgres,
}

/// Instantiates each listed `async fn test(store: StoreKind)` once per store.
#[macro_export]
macro_rules! both_stores {
    ($($test:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::helpers::StoreKind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $test() {
                    super::$test($crate::helpers::StoreKind::Postgres).await
                }
            )*
        }
    };
}

pub fn postgres_url() -> String {
    std::env::var("SEARCHLIGHT_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_string())
}

/// A running server and what a test needs to talk to it.
pub struct TestApp {
    pub base: String,
    pub data_dir: PathBuf,
    /// The store this server uses; another server given the same URL is a replica.
    pub database_url: String,
    pub store: StoreKind,
    _dir: tempfile::TempDir,
    pg_schema: Option<String>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// Starts a server with the default test configuration.
pub async fn spawn_app(store: StoreKind) -> TestApp {
    spawn_app_with(store, |_| {}).await
}

/// Starts a server after `customize` has adjusted its configuration.
pub async fn spawn_app_with(store: StoreKind, customize: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config {
        listen: "127.0.0.1:0".into(),
        data_dir: dir.path().join("data"),
        admin_password: Some(ADMIN_PASSWORD.into()),
        ..Config::default()
    };
    let pg_schema = match store {
        StoreKind::Sqlite => None,
        StoreKind::Postgres => {
            let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
            let pool = sqlx::PgPool::connect(&postgres_url())
                .await
                .unwrap_or_else(|err| {
                    panic!(
                        "PostgreSQL at {} is needed for the tests: {err}",
                        postgres_url()
                    )
                });
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
            config.database_url = Some(format!(
                "{}{separator}options[search_path]={schema}",
                postgres_url()
            ));
            Some(schema)
        }
    };
    customize(&mut config);
    let data_dir = config.data_dir.clone();
    let database_url = config.store_url();
    let app = Application::build(&config).await.expect("server starts");
    let base = format!("http://{}", app.local_addr());
    let (tx, rx) = oneshot::channel();
    let server = tokio::spawn(async move {
        app.run_until(async {
            let _ = rx.await;
        })
        .await
        .expect("server runs");
    });
    TestApp {
        base,
        data_dir,
        database_url,
        store,
        _dir: dir,
        pg_schema,
        shutdown: Some(tx),
        server: Some(server),
    }
}

/// A client with its own cookie jar (one browser, one session).
pub fn client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

impl TestApp {
    /// The URL of a v1 endpoint (`"user/list"`).
    pub fn url(&self, endpoint: &str) -> String {
        format!("{}{API}/{endpoint}", self.base)
    }

    /// POSTs a urlencoded form with `X-Requested-By`.
    pub async fn post_form(
        &self,
        client: &Client,
        endpoint: &str,
        form: &[(&str, &str)],
    ) -> Response {
        client
            .post(self.url(endpoint))
            .header("X-Requested-By", "ThoughtSpot")
            .form(form)
            .send()
            .await
            .expect("request sent")
    }

    /// POSTs a multipart form (every part plain text) with `X-Requested-By`.
    pub async fn post_multipart(
        &self,
        client: &Client,
        endpoint: &str,
        parts: &[(&str, &str)],
    ) -> Response {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in parts {
            form = form.text(name.to_string(), value.to_string());
        }
        client
            .post(self.url(endpoint))
            .header("X-Requested-By", "ThoughtSpot")
            .multipart(form)
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, client: &Client, endpoint: &str) -> Response {
        client
            .get(self.url(endpoint))
            .send()
            .await
            .expect("request sent")
    }

    /// Logs `client` in; returns the response.
    pub async fn login(&self, client: &Client, username: &str, password: &str) -> Response {
        self.post_form(
            client,
            "session/login",
            &[("username", username), ("password", password)],
        )
        .await
    }

    /// A client logged in as `username`.
    pub async fn logged_in(&self, username: &str, password: &str) -> Client {
        let client = client();
        let response = self.login(&client, username, password).await;
        assert_eq!(
            response.status(),
            StatusCode::NO_CONTENT,
            "login as {username}"
        );
        client
    }

    /// A client logged in as tsadmin.
    pub async fn admin(&self) -> Client {
        self.logged_in(ADMIN, ADMIN_PASSWORD).await
    }

    /// Runs user/sync as `client`.
    pub async fn sync(
        &self,
        client: &Client,
        principals: &Value,
        apply: bool,
        remove_deleted: bool,
        password: Option<&str>,
    ) -> Response {
        let principals = principals.to_string();
        let apply = apply.to_string();
        let remove = remove_deleted.to_string();
        let mut parts = vec![
            ("principals", principals.as_str()),
            ("applyChanges", apply.as_str()),
            ("removeDeleted", remove.as_str()),
        ];
        if let Some(password) = password {
            parts.push(("password", password));
        }
        self.post_multipart(client, "user/sync", &parts).await
    }

    /// user/list as tsadmin.
    pub async fn principals(&self) -> Vec<Value> {
        let admin = self.admin().await;
        let response = self.get(&admin, "user/list").await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("user/list JSON")
    }
}

/// Asserts a v1 error response: status, code, ids that match the headers, and a `debug`
/// string that decodes to a list of messages; returns the messages joined.
pub async fn assert_error(response: Response, status: u16, code: u64) -> String {
    assert_eq!(response.status().as_u16(), status, "status");
    let incident = response
        .headers()
        .get("x-callosum-incident-id")
        .expect("incident header")
        .to_str()
        .unwrap()
        .to_string();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "error content type {content_type}"
    );
    let body: Value = response.json().await.expect("error body is JSON");
    assert_eq!(body["code"], code, "code in {body}");
    assert_eq!(
        body["incident_id_guid"],
        incident.as_str(),
        "incident id matches header"
    );
    assert!(
        body["trace_id_guid"]
            .as_str()
            .is_some_and(|t| t.len() == 36)
    );
    let debug: Vec<String> =
        serde_json::from_str(body["debug"].as_str().expect("debug is a string"))
            .expect("debug holds a JSON list");
    assert!(!debug.is_empty() && debug.iter().all(|m| !m.is_empty()));
    debug.join(" | ")
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.abort();
        }
        if let Some(schema) = self.pg_schema.take() {
            // Drop is synchronous: clean the schema up on a thread of its own.
            let _ = std::thread::spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build();
                if let Ok(runtime) = runtime {
                    runtime.block_on(async {
                        if let Ok(pool) = sqlx::PgPool::connect(&postgres_url()).await {
                            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                                "DROP SCHEMA {schema} CASCADE"
                            )))
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
}

// ---- helpers for the identity tests ------------------------------------------------------

/// POSTs a multipart form built by the caller (file parts, part content types, any order),
/// with `X-Requested-By`.
pub async fn post_parts(
    app: &TestApp,
    client: &Client,
    endpoint: &str,
    form: reqwest::multipart::Form,
) -> Response {
    client
        .post(app.url(endpoint))
        .header("X-Requested-By", "ThoughtSpot")
        .multipart(form)
        .send()
        .await
        .expect("request sent")
}

/// A multipart part the way `requests`' `files=` sends a plain value: a file part named after
/// itself, without a content type.
pub fn file_part(name: &str, value: &str) -> reqwest::multipart::Part {
    reqwest::multipart::Part::text(value.to_string()).file_name(name.to_string())
}

/// user/list as `admin` (a logged-in administrator), asserting 200.
pub async fn list_as(app: &TestApp, admin: &Client) -> Vec<Value> {
    let response = app.get(admin, "user/list").await;
    assert_eq!(response.status(), StatusCode::OK, "user/list");
    response.json().await.expect("user/list JSON")
}

/// The principal named `name` of the given kind in a user/list answer.
pub fn find<'a>(list: &'a [Value], name: &str, user: bool) -> Option<&'a Value> {
    list.iter().find(|p| {
        p["name"] == name
            && p["principalTypeEnum"]
                .as_str()
                .is_some_and(|t| t.ends_with("_USER") == user)
    })
}

/// The user `name` in a user/list answer; panics when it is missing.
pub fn user<'a>(list: &'a [Value], name: &str) -> &'a Value {
    find(list, name, true).unwrap_or_else(|| panic!("user {name} in {list:?}"))
}

/// The group `name` in a user/list answer; panics when it is missing.
pub fn group<'a>(list: &'a [Value], name: &str) -> &'a Value {
    find(list, name, false).unwrap_or_else(|| panic!("group {name} in {list:?}"))
}

/// A principal's `groupNames`, sorted.
pub fn parents(principal: &Value) -> Vec<String> {
    let mut names: Vec<String> = principal["groupNames"]
        .as_array()
        .expect("groupNames is an array")
        .iter()
        .map(|g| g.as_str().expect("group name").to_string())
        .collect();
    names.sort();
    names
}

/// The names of the users (`user = true`) or groups in a user/list answer, sorted.
pub fn names(list: &[Value], user: bool) -> Vec<String> {
    let mut names: Vec<String> = list
        .iter()
        .filter(|p| {
            p["principalTypeEnum"]
                .as_str()
                .is_some_and(|t| t.ends_with("_USER") == user)
        })
        .map(|p| p["name"].as_str().expect("name").to_string())
        .collect();
    names.sort();
    names
}

/// A `LOCAL_USER` principal for user/sync.
pub fn user_json(name: &str, groups: &[&str]) -> Value {
    serde_json::json!({
        "name": name,
        "displayName": name,
        "principalTypeEnum": "LOCAL_USER",
        "groupNames": groups,
        "visibility": "DEFAULT",
    })
}

/// A `LOCAL_GROUP` principal for user/sync.
pub fn group_json(name: &str, groups: &[&str]) -> Value {
    serde_json::json!({
        "name": name,
        "displayName": name,
        "principalTypeEnum": "LOCAL_GROUP",
        "groupNames": groups,
        "visibility": "DEFAULT",
    })
}

/// Runs user/sync and asserts 200; returns the report.
pub async fn sync_ok(
    app: &TestApp,
    admin: &Client,
    principals: &Value,
    apply: bool,
    remove_deleted: bool,
    password: Option<&str>,
) -> Value {
    let response = app
        .sync(admin, principals, apply, remove_deleted, password)
        .await;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    assert_eq!(status, StatusCode::OK, "user/sync: {body}");
    serde_json::from_str(&body).expect("user/sync answers JSON")
}

/// A sync report with the given lists (the six keys, each sorted as given).
pub fn report(
    users_added: &[&str],
    users_deleted: &[&str],
    users_updated: &[&str],
    groups_added: &[&str],
    groups_deleted: &[&str],
    groups_updated: &[&str],
) -> Value {
    serde_json::json!({
        "usersAdded": users_added,
        "usersDeleted": users_deleted,
        "usersUpdated": users_updated,
        "groupsAdded": groups_added,
        "groupsDeleted": groups_deleted,
        "groupsUpdated": groups_updated,
    })
}

/// The `JSESSIONID=…` pair a login response set, for hand-written requests.
pub fn session_pair(login: &Response) -> String {
    let cookie = login
        .headers()
        .get("set-cookie")
        .expect("login sets a cookie")
        .to_str()
        .expect("ASCII cookie");
    cookie.split(';').next().expect("name=value").to_string()
}

/// Asserts the `x-callosum-*` headers every response carries: two UUIDs and the request time
/// in microseconds. Returns the incident id.
pub fn assert_callosum_headers(headers: &reqwest::header::HeaderMap) -> String {
    let text = |name: &str| {
        headers
            .get(name)
            .unwrap_or_else(|| panic!("{name} header in {headers:?}"))
            .to_str()
            .expect("ASCII header")
            .to_string()
    };
    let incident = text("x-callosum-incident-id");
    let trace = text("x-callosum-trace-id");
    uuid::Uuid::parse_str(&incident).expect("incident id is a UUID");
    uuid::Uuid::parse_str(&trace).expect("trace id is a UUID");
    text("x-callosum-request-time-us")
        .parse::<u64>()
        .expect("request time is a number of microseconds");
    incident
}

/// A response to a hand-written HTTP/1.1 request.
#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Sends `head` (request line and headers, `\r\n`-separated, without the blank line) and
/// `body` byte for byte, so a test controls header-name case and which headers are absent.
pub async fn raw_request(app: &TestApp, head: &str, body: &[u8]) -> RawResponse {
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut request = format!(
        "{head}\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    // Blocking std I/O on a blocking thread: the simplest byte-exact client.
    let answer = tokio::task::spawn_blocking(move || {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&addr).expect("connect to the server");
        stream.write_all(&request).expect("request written");
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer).expect("response read");
        answer
    })
    .await
    .expect("raw request thread");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer
        .split_once("\r\n\r\n")
        .expect("a response head and body");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.split(' ').nth(1))
        .and_then(|code| code.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    RawResponse {
        status,
        headers,
        body: body.to_string(),
    }
}

/// One call of each admin-only endpoint as `client`, with parameters that would succeed (and
/// change something) for an administrator: user/list, user/sync (adds `mallory` to
/// Administrator), user/transfer/ownership (alice → bob), group/addprivilege (ADMINISTRATION
/// to All), group/removeprivilege (ADMINISTRATION from Administrator).
pub async fn admin_calls(app: &TestApp, client: &Client) -> Vec<(&'static str, Response)> {
    let principals = serde_json::json!([user_json("mallory", &["Administrator"])]);
    vec![
        ("user/list", app.get(client, "user/list").await),
        (
            "user/sync",
            app.sync(client, &principals, true, false, Some("mallory pw"))
                .await,
        ),
        (
            "user/transfer/ownership",
            app.post_form(
                client,
                "user/transfer/ownership",
                &[("fromUserName", "alice"), ("toUserName", "bob")],
            )
            .await,
        ),
        (
            "group/addprivilege",
            app.post_multipart(
                client,
                "group/addprivilege",
                &[
                    ("privilege", "ADMINISTRATION"),
                    ("groupNames", r#"["All"]"#),
                ],
            )
            .await,
        ),
        (
            "group/removeprivilege",
            app.post_multipart(
                client,
                "group/removeprivilege",
                &[
                    ("privilege", "ADMINISTRATION"),
                    ("groupNames", r#"["Administrator"]"#),
                ],
            )
            .await,
        ),
    ]
}
