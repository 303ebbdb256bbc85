//! Hostile input (issue 13): oversized, deeply nested, malformed, NUL, non-UTF-8 and
//! wrongly typed values. Every one answers a 4xx with the v1 error body (or a success where
//! the value is acceptable), never a 5xx, within a bound, and the server keeps serving.
//!
//! The sweep takes every operation and parameter from the served OpenAPI document, so an
//! endpoint added later is covered without touching this file.

use std::time::Duration;

use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

use crate::both_stores;
use crate::fixtures::{self, guid};
use crate::helpers::*;

/// How long one hostile request may take before the test calls it a hang.
const BOUND: Duration = Duration::from_secs(30);

/// Percent-encodes `text` for a form or query string.
fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// The hostile values, already percent-encoded (so that bytes that are not UTF-8 can be
/// sent), with what each is. `large` says whether the value may go in a body only.
fn hostile_values() -> Vec<(&'static str, String, bool)> {
    vec![
        ("oversized", "a".repeat(900 * 1024), true),
        ("oversized for a query string", "b".repeat(48 * 1024), false),
        ("nested lists", "%5B".repeat(100_000), true),
        ("nested dicts", encode("{\"a\":").repeat(20_000), true),
        ("nested python", encode("['").repeat(20_000), true),
        ("malformed JSON", encode(r#"["a", {"b": "#), false),
        ("malformed python", encode("['a', "), false),
        ("NUL", "a%00b".into(), false),
        ("NUL as a JSON escape", encode(r#"["a\u0000b"]"#), false),
        (
            "NUL in a JSON object",
            encode(r#"[{"name":"x\u0000"}]"#),
            false,
        ),
        ("not UTF-8", "%FF%FE%FD".into(), false),
        ("wrong type", "not-a-number".into(), false),
        ("largest integer", "9223372036854775807".into(), false),
        (
            "beyond any integer",
            "-99999999999999999999999".into(),
            false,
        ),
        ("non-finite", "1e400".into(), false),
    ]
}

/// One documented operation: method, path and every parameter it reads, with the
/// document's example value where it gives one (so that a hostile value in one parameter
/// reaches past the checks of the others).
#[derive(Debug)]
struct Operation {
    method: Method,
    path: String,
    params: Vec<(String, Option<String>)>,
}

/// The example of a parameter or property, as text.
fn example(schema: &Value) -> Option<String> {
    let value = schema
        .get("example")
        .or_else(|| schema.get("default"))
        .or_else(|| schema.get("schema").and_then(|s| s.get("example")))?;
    Some(match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    })
}

fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => reference
            .strip_prefix("#/components/schemas/")
            .map(|name| &doc["components"]["schemas"][name])
            .unwrap_or(schema),
        None => schema,
    }
}

fn operations(doc: &Value) -> Vec<Operation> {
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "delete"] {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let mut params: Vec<(String, Option<String>)> = Vec::new();
            for param in operation["parameters"].as_array().into_iter().flatten() {
                if param["in"] == "query" {
                    params.push((param["name"].as_str().unwrap().to_string(), example(param)));
                }
            }
            for media in operation["requestBody"]["content"]
                .as_object()
                .into_iter()
                .flat_map(|content| content.values())
            {
                let schema = resolve(doc, &media["schema"]);
                for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                    if !params.iter().any(|(known, _)| known == name) {
                        params.push((name.clone(), example(resolve(doc, property))));
                    }
                }
            }
            operations.push(Operation {
                method: method.to_uppercase().parse().unwrap(),
                path: path.clone(),
                params,
            });
        }
    }
    assert!(operations.len() >= 17, "{operations:?}");
    operations
}

/// Sends `params` (percent-encoded `name=value` pairs) to `operation`: in the body for
/// POST, in the query string otherwise. Fails the test on a 5xx, a hang, or a 4xx without
/// the v1 error body.
async fn send(app: &TestApp, client: &Client, operation: &Operation, pairs: &[String], what: &str) {
    let encoded = pairs.join("&");
    let oversized = encoded.len() > 16 * 1024;
    let url = format!("{}{}", app.base, operation.path);
    let request = if operation.method == Method::GET {
        client.get(format!("{url}?{encoded}"))
    } else {
        client
            .request(operation.method.clone(), url)
            .header("X-Requested-By", "ThoughtSpot")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(encoded)
    };
    let sent = tokio::time::timeout(BOUND, request.send())
        .await
        .unwrap_or_else(|_| {
            panic!(
                "{} {} with {what}: no answer in {BOUND:?}",
                operation.method, operation.path
            )
        });
    let response = match sent {
        Ok(response) => response,
        // A body over the endpoint's limit is answered 413 as soon as the limit is reached,
        // and the connection closed while the client may still be sending: it can see the
        // reset before the answer. The server must still be up.
        Err(_) if oversized => {
            assert_healthy(app).await;
            return;
        }
        Err(err) => panic!("{} {} with {what}: {err}", operation.method, operation.path),
    };
    let status = response.status();
    assert!(
        status.as_u16() < 500,
        "{} {} with {what}: {status} {}",
        operation.method,
        operation.path,
        response.text().await.unwrap_or_default()
    );
    if status.is_client_error() {
        let body: Value = response.json().await.unwrap_or_else(|err| {
            panic!(
                "{} {} with {what}: {status} without a v1 error body: {err}",
                operation.method, operation.path
            )
        });
        assert!(
            body["code"] == 10002 || body["code"] == 10003,
            "{} {} with {what}: {status} {body}",
            operation.method,
            operation.path
        );
        assert!(body["debug"].is_string(), "{body}");
    }
}

/// The server still answers `/healthz`.
async fn assert_healthy(app: &TestApp) {
    let health = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("the server still answers");
    assert_eq!(health.status(), StatusCode::OK);
}

async fn every_parameter_of_every_endpoint_survives_hostile_values(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let doc: Value = admin
        .get(format!("{}/external/swagger/openapi.json", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for operation in operations(&doc) {
        // Logging out would end the sweep's own session; it takes no parameters anyway.
        if operation.path.ends_with("/session/logout") {
            continue;
        }
        for (index, (name, _)) in operation.params.iter().enumerate() {
            for (what, value, large) in hostile_values() {
                if large && operation.method == Method::GET {
                    continue;
                }
                let pairs: Vec<String> = operation
                    .params
                    .iter()
                    .enumerate()
                    .filter_map(|(other, (other_name, example))| {
                        if other == index {
                            Some(format!("{}={value}", encode(name)))
                        } else {
                            example.as_ref().map(|example| {
                                format!("{}={}", encode(other_name), encode(example))
                            })
                        }
                    })
                    .collect();
                send(&app, &admin, &operation, &pairs, &format!("{name} {what}")).await;
            }
        }
    }

    let health = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let list = app.get(&admin, "user/list").await;
    assert_eq!(
        list.status(),
        StatusCode::OK,
        "the sweep's session still works"
    );
}

/// A Python-literal `import_objects` nested 100,000 deep once overflowed the stack and
/// aborted the process.
async fn deeply_nested_import_objects_is_a_400_and_the_server_lives(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    for nested in [
        "[".repeat(100_000),
        "['".repeat(50_000),
        "{'a': ".repeat(50_000),
    ] {
        let response = app
            .post_form(
                &admin,
                "metadata/tml/import",
                &[("import_objects", &nested)],
            )
            .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains("import_objects"), "{message}");
    }
    // A TML document nested deeper than any parser accepts.
    let deep_yaml = format!(
        "table:\n  name: {}x{}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let objects = json!([deep_yaml]).to_string();
    let response = app
        .post_form(
            &admin,
            "metadata/tml/import",
            &[("import_objects", &objects)],
        )
        .await;
    assert!(response.status().as_u16() < 500, "{}", response.status());
    let health = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

/// A NUL sent as a JSON escape reached PostgreSQL and answered 500 (ten calls); in a TML
/// name it was an import error quoting the database.
async fn nul_as_a_json_escape_is_a_400_everywhere(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let nul_list = r#"["a\u0000b"]"#;
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        (
            "metadata/listobjectheaders",
            vec![("type", "PINBOARD_ANSWER_BOOK"), ("fetchids", nul_list)],
        ),
        (
            "metadata/listobjectheaders",
            vec![("type", "PINBOARD_ANSWER_BOOK"), ("skipids", nul_list)],
        ),
        (
            "metadata/listobjectheaders",
            vec![("type", "PINBOARD_ANSWER_BOOK"), ("tagname", nul_list)],
        ),
        (
            "searchdata",
            vec![
                ("query_string", "[x]"),
                ("data_source_guid", r#""a\u0000""#),
            ],
        ),
        (
            "metadata/assigntag",
            vec![
                ("id", nul_list),
                ("type", r#"["PINBOARD_ANSWER_BOOK"]"#),
                ("tagname", r#"["t"]"#),
            ],
        ),
        ("metadata/tml/export", vec![("export_ids", nul_list)]),
        (
            "security/share",
            vec![
                ("type", "PINBOARD_ANSWER_BOOK"),
                ("id", nul_list),
                ("permission", "{}"),
            ],
        ),
        (
            "group/addprivilege",
            vec![("privilege", "DATADOWNLOADING"), ("groupNames", nul_list)],
        ),
        (
            "group/removeprivilege",
            vec![("privilege", "DATADOWNLOADING"), ("groupNames", nul_list)],
        ),
        (
            "user/sync",
            vec![(
                "principals",
                r#"[{"name":"x\u0000","principalTypeEnum":"LOCAL_USER"}]"#,
            )],
        ),
    ];
    for (endpoint, form) in calls {
        let response = if endpoint == "metadata/listobjectheaders" {
            let query: Vec<String> = form
                .iter()
                .map(|(name, value)| format!("{name}={}", encode(value)))
                .collect();
            admin
                .get(format!("{}?{}", app.url(endpoint), query.join("&")))
                .send()
                .await
                .unwrap()
        } else {
            app.post_form(&admin, endpoint, &form).await
        };
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains("NUL"), "{endpoint}: {message}");
    }

    // In a TML name, whether JSON-escaped or as YAML's \0 escape.
    for document in [
        json!({"table": {"name": "a\u{0}b", "db_table": "x.csv", "connection": {"name": "c"}, "columns": []}}).to_string(),
        "table:\n  name: \"a\\0b\"\n  db_table: x.csv\n".to_string(),
    ] {
        let objects = json!([document]).to_string();
        let response = app
            .post_form(&admin, "metadata/tml/import", &[("import_objects", &objects)])
            .await;
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.as_u16() < 500, "{status} {body}");
        assert!(body.contains("NUL"), "{body}");
        assert!(!body.to_lowercase().contains("postgres") && !body.contains("0x00"), "{body}");
    }
}

/// `batchsize` and `pagenumber` near `i64::MAX` answered 200 with an offset beyond any
/// signed 64-bit integer.
async fn paging_beyond_any_row_offset_is_a_400(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    fixtures::import_all(&app, &admin).await;
    let huge = "9223372036854775807";
    let search = [
        ("query_string", "[Revenue] [Region]"),
        ("data_source_guid", guid::WORKSHEET),
    ];
    for (paging, named) in [
        (
            vec![("batchsize", huge), ("pagenumber", huge)],
            "pagenumber",
        ),
        (
            vec![("batchsize", "10"), ("pagenumber", "922337203685477581")],
            "pagenumber",
        ),
        (vec![("offset", huge)], "offset"),
    ] {
        let mut params = search.to_vec();
        params.extend(paging.iter().copied());
        let response = app.post_form(&admin, "searchdata", &params).await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains(named), "{message}");

        let mut params = vec![("id", guid::SALES_OVERVIEW)];
        params.extend(paging.iter().copied());
        let response = app.post_form(&admin, "pinboarddata", &params).await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains(named), "{message}");
    }
    // The largest offset a page may start at still answers (an empty page).
    let mut params = search.to_vec();
    params.push(("offset", "1000000000000"));
    assert_eq!(
        app.post_form(&admin, "searchdata", &params).await.status(),
        StatusCode::OK
    );
}

/// An over-long body was a 400 whose message said "request request".
async fn an_over_long_body_is_a_413_naming_the_limit(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let big = "x".repeat(2 * 1024 * 1024);
    let response = app
        .post_form(&admin, "metadata/tml/export", &[("export_ids", &big)])
        .await;
    assert_eq!(
        response.headers()["connection"],
        "close",
        "the connection ends with a refused body"
    );
    let message = assert_error(response, 413, 10002).await;
    assert!(message.contains("1 MiB"), "{message}");
    assert!(!message.contains("request request"), "{message}");

    let response = app
        .post_multipart(&admin, "metadata/assigntag", &[("id", &big)])
        .await;
    let message = assert_error(response, 413, 10002).await;
    assert!(message.contains("1 MiB"), "{message}");

    let response = app.login(&client(), ADMIN, &"p".repeat(20 * 1024)).await;
    let message = assert_error(response, 413, 10002).await;
    assert!(message.contains("16 KiB"), "{message}");

    // The bulk endpoints take large bodies.
    let response = app
        .post_multipart(
            &admin,
            "user/sync",
            &[("principals", &format!("[{}]", " ".repeat(2 * 1024 * 1024)))],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
}

/// A client that opens a connection and sends its headers slowly, or nothing at all, had the
/// socket for as long as it liked (hyper's header timeout never fired: no timer was set).
async fn slow_and_silent_connections_are_closed(store: StoreKind) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app_with(store, |config| config.header_read_timeout_secs = 1).await;
    let address = app.base.trim_start_matches("http://").to_string();
    // Half a request, then nothing; and a connection that never sends a byte.
    let mut partial = tokio::net::TcpStream::connect(&address).await.unwrap();
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut silent = tokio::net::TcpStream::connect(&address).await.unwrap();
    for (what, stream) in [("half a request", &mut partial), ("nothing", &mut silent)] {
        let mut buffer = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(15), stream.read_to_end(&mut buffer))
            .await
            .unwrap_or_else(|_| panic!("a connection that sent {what} was still open after 15 s"));
        // Closed (perhaps after a 408); never an answer to the unfinished request.
        let text = String::from_utf8_lossy(&buffer);
        assert!(read.is_err() || !text.contains("200 OK"), "{what}: {text}");
    }
    assert_healthy(&app).await;
}

/// At most `max_connections` are served at once: a third client waits until one of two
/// silent connections is closed by the header timeout, then is served.
async fn connections_beyond_the_limit_wait_their_turn(store: StoreKind) {
    let app = spawn_app_with(store, |config| {
        config.max_connections = 2;
        config.header_read_timeout_secs = 2;
    })
    .await;
    let address = app.base.trim_start_matches("http://").to_string();
    let _first = tokio::net::TcpStream::connect(&address).await.unwrap();
    let _second = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Let the server accept both before the third arrives.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let health = tokio::time::timeout(
        Duration::from_secs(20),
        client().get(format!("{}/healthz", app.base)).send(),
    )
    .await
    .expect("served once a slot is free")
    .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "served at once ({:?}) although both slots were taken",
        started.elapsed()
    );
}

both_stores!(
    every_parameter_of_every_endpoint_survives_hostile_values,
    deeply_nested_import_objects_is_a_400_and_the_server_lives,
    nul_as_a_json_escape_is_a_400_everywhere,
    paging_beyond_any_row_offset_is_a_400,
    an_over_long_body_is_a_413_naming_the_limit,
    slow_and_silent_connections_are_closed,
    connections_beyond_the_limit_wait_their_turn,
);
