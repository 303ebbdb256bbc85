//! The OpenAPI document and the pages around it: the router serves exactly the documented
//! operations, the document is what `/external/swagger/openapi.json` serves, and the login,
//! portal and embedding-example pages answer as a browser expects.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{API, StoreKind, client, spawn_app};

const METHODS: [&str; 5] = ["get", "post", "put", "delete", "patch"];

/// The paths of axum's own route table for `router`, read from its `Debug` form (axum
/// exposes no other listing): `Router { path_router: PathRouter { … node: Node { paths:
/// {RouteId(n): "/path", …} } }, fallback_router: … }`.
fn axum_route_paths(router: &impl std::fmt::Debug) -> BTreeSet<String> {
    let debug = format!("{router:?}");
    let routes = debug
        .split_once("path_router:")
        .and_then(|(_, rest)| rest.split_once("fallback_router:"))
        .map(|(routes, _)| routes)
        .unwrap_or_else(|| {
            panic!("unexpected Router Debug form (did axum change it?): {debug:.2000}")
        });
    let mut paths = BTreeSet::new();
    let mut rest = routes;
    while let Some(at) = rest.find("RouteId(") {
        rest = &rest[at + "RouteId(".len()..];
        let Some(close) = rest.find(')') else { break };
        let after = &rest[close + 1..];
        if let Some(path) = after.strip_prefix(": \"")
            && let Some(end) = path.find('"')
        {
            paths.insert(path[..end].to_string());
        }
    }
    assert!(
        !paths.is_empty(),
        "no routes found in the router's Debug form (did axum change it?): {debug:.2000}"
    );
    paths
}

/// `(METHOD, path)` of every operation in a document.
fn documented_operations(doc: &Value) -> BTreeSet<(String, String)> {
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            METHODS
                .iter()
                .filter(|m| item.get(**m).is_some())
                .map(|m| (m.to_uppercase(), path.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_served_route_is_documented_and_every_documented_path_served() {
    let (router, doc) = searchlight_http::api_router().split_for_parts();
    let served = axum_route_paths(&router);
    let doc = serde_json::to_value(&doc).unwrap();
    let documented: BTreeSet<String> = doc["paths"].as_object().unwrap().keys().cloned().collect();
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty(),
        "served but not documented: {undocumented:?}"
    );
    assert!(
        unserved.is_empty(),
        "documented but not served: {unserved:?}"
    );
    assert!(
        served.iter().all(|p| p.starts_with(API)),
        "every API route is under {API}: {served:?}"
    );
    // The API the product promises, by name (a route dropped from the table fails here).
    for endpoint in [
        "session/login",
        "session/logout",
        "user/list",
        "user/updatepassword",
        "user/transfer/ownership",
        "user/ownership",
        "user/sync",
        "group/addprivilege",
        "group/removeprivilege",
        "metadata/listobjectheaders",
        "metadata/listvizheaders",
        "searchdata",
        "pinboarddata",
    ] {
        assert!(
            served.contains(&format!("{API}/{endpoint}")),
            "{endpoint} is served"
        );
    }
}

#[test]
fn every_operation_documents_its_answers_and_parameters() {
    let doc = serde_json::to_value(searchlight_http::openapi::document()).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(
        doc["components"]["securitySchemes"]["session"],
        json!({"type": "apiKey", "in": "cookie", "name": "JSESSIONID",
               "description": doc["components"]["securitySchemes"]["session"]["description"]})
    );
    let error_body = &doc["components"]["schemas"]["ErrorBody"];
    for field in ["code", "incident_id_guid", "trace_id_guid", "debug"] {
        assert!(error_body["properties"].get(field).is_some(), "{field}");
    }
    for (method, path) in documented_operations(&doc) {
        let operation = &doc["paths"][&path][method.to_lowercase()];
        let what = format!("{method} {path}");
        assert!(operation["summary"].is_string(), "{what}: summary");
        let responses = operation["responses"].as_object().unwrap();
        assert!(responses.contains_key("500"), "{what}: 500");
        if method == "POST" {
            assert!(responses.contains_key("413"), "{what}: 413 (body limits)");
        }
        let writer = [
            "sync",
            "ownership",
            "updatepassword",
            "privilege",
            "tml/import",
            "assigntag",
            "share",
        ]
        .iter()
        .any(|w| path.ends_with(w));
        assert_eq!(
            responses.contains_key("409"),
            writer,
            "{what}: 409 for store writers only"
        );
        for (status, response) in responses {
            assert!(response["description"].is_string(), "{what} {status}");
            if status == "204" {
                continue;
            }
            let content = &response["content"]["application/json"];
            assert!(content["schema"].is_object(), "{what} {status}: schema");
            assert!(!content["example"].is_null(), "{what} {status}: example");
        }
        let public = path.ends_with("/session/login");
        assert_eq!(
            operation.get("security") == Some(&json!([{}])),
            public,
            "{what}: only login needs no session"
        );
        if method == "POST" {
            let header = operation["parameters"]
                .as_array()
                .and_then(|p| p.iter().find(|p| p["name"] == "X-Requested-By"));
            assert!(
                header.is_some_and(|h| h["in"] == "header" && h["required"] == true),
                "{what}: X-Requested-By"
            );
        }
        if responses.contains_key("401") {
            assert_eq!(
                responses["401"]["content"]["application/json"]["example"]["code"], 10003,
                "{what}: 401 example"
            );
        }
    }
    // Parameters carry types, defaults and enums; bodies their content types.
    let search = &doc["paths"][format!("{API}/searchdata")]["post"];
    let param = |name: &str| {
        search["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("searchdata parameter {name}"))
            .clone()
    };
    assert_eq!(param("query_string")["required"], true);
    assert_eq!(param("batchsize")["schema"]["default"], -1);
    assert_eq!(
        param("formattype")["schema"]["enum"],
        json!(["COMPACT", "FULL"])
    );
    let login_body =
        &doc["paths"][format!("{API}/session/login")]["post"]["requestBody"]["content"];
    assert!(login_body["application/x-www-form-urlencoded"].is_object());
    assert!(login_body["multipart/form-data"].is_object());
    let privilege = &doc["components"]["schemas"]["PrivilegeForm"]["properties"]["privilege"];
    assert_eq!(privilege["enum"].as_array().unwrap().len(), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_document_matches_the_router_and_methods_are_exact() {
    let app = spawn_app(StoreKind::Sqlite).await;
    let admin = app.admin().await;
    let url = format!("{}/external/swagger/openapi.json", app.base);

    let response = admin.get(&url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let served: Value = response.json().await.unwrap();
    assert_eq!(
        served,
        serde_json::to_value(searchlight_http::openapi::document()).unwrap()
    );

    // Each documented operation reaches a handler; any other method on its path is 405, so
    // the served methods are exactly the documented ones.
    let documented = documented_operations(&served);
    let paths: BTreeSet<&String> = documented.iter().map(|(_, p)| p).collect();
    for path in paths {
        for method in METHODS {
            let method = method.to_uppercase();
            let response = admin
                .request(method.parse().unwrap(), format!("{}{path}", app.base))
                .header("X-Requested-By", "test")
                .send()
                .await
                .unwrap();
            let status = response.status();
            if documented.contains(&(method.clone(), path.clone())) {
                assert!(
                    status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is documented but answers {status}"
                );
                assert!(
                    status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {path}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::METHOD_NOT_ALLOWED,
                    "{method} {path} is not documented"
                );
            }
        }
    }
    let unknown = admin
        .get(format!("{}{API}/no/such/endpoint", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_is_for_administrators() {
    let app = spawn_app(StoreKind::Sqlite).await;
    let anonymous = client();

    // Anonymous: the pages go to the login page and back; the document answers 401.
    let response = anonymous
        .get(format!("{}/external/swagger?x=1", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login?next=%2Fexternal%2Fswagger%3Fx%3D1"
    );
    let response = anonymous
        .get(format!("{}/external/swagger/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_error(response, 401, 10003).await;

    // The login page and Swagger UI's own files come from the binary.
    let login = anonymous
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
    let html = login.text().await.unwrap();
    assert!(html.contains("/assets/login.js") && html.contains("id=\"logout\""));
    let script = anonymous
        .get(format!("{}/assets/login.js", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), StatusCode::OK);
    assert!(script.text().await.unwrap().contains("session/login"));
    let bundle = anonymous
        .get(format!(
            "{}/external/swagger/swagger-ui-bundle.js",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bundle.status(), StatusCode::OK);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);

    // An administrator gets the explorer, which sends X-Requested-By.
    let admin = app.admin().await;
    let page = admin
        .get(format!("{}/external/swagger", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Signed in as <b id=\"user\">tsadmin</b>"),
        "{html}"
    );
    let script = admin
        .get(format!(
            "{}/external/swagger/searchlight-portal.js",
            app.base
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(script.contains("requestInterceptor") && script.contains("X-Requested-By"));

    // Anyone else gets a clear 403 page.
    let response = app
        .sync(
            &admin,
            &json!([{"name": "dana", "principalTypeEnum": "LOCAL_USER", "groupNames": []}]),
            true,
            false,
            Some("dana pw"),
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let dana = app.logged_in("dana", "dana pw").await;
    let page = dana
        .get(format!("{}/external/swagger", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    let html = page.text().await.unwrap();
    assert!(html.contains("for administrators") && html.contains("dana"));
    let response = dana
        .get(format!("{}/external/swagger/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    crate::helpers::assert_error(response, 403, 10003).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embedding_example_is_served_from_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("assets")).unwrap();
    std::fs::write(dir.path().join("index.html"), "<h1>embed</h1>").unwrap();
    std::fs::write(dir.path().join("assets/app.js"), "console.log(1)").unwrap();
    let folder = dir.path().to_path_buf();
    let app = crate::helpers::spawn_app_with(StoreKind::Sqlite, |config| {
        config.embed_example_dir = Some(folder);
    })
    .await;
    let anonymous = client();
    let get = |path: &str| anonymous.get(format!("{}{path}", app.base)).send();

    let response = get("/examples/embed").await.unwrap();
    assert_eq!(response.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(response.headers()["location"], "/examples/embed/");
    let response = get("/examples/embed/").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.text().await.unwrap(), "<h1>embed</h1>");
    let response = get("/examples/embed/assets/app.js").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    for missing in [
        "/examples/embed/nope.js",
        "/examples/embed/%2e%2e/%2e%2e/Cargo.toml",
        "/examples/embed/..%2F..%2FCargo.toml",
    ] {
        let response = get(missing).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
    }

    // Without a built example, the page says how to build it.
    let app = crate::helpers::spawn_app_with(StoreKind::Sqlite, |config| {
        config.embed_example_dir = Some(std::path::PathBuf::from("/nonexistent/embed"));
    })
    .await;
    let response = client()
        .get(format!("{}/examples/embed/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(response.text().await.unwrap().contains("npm run build"));
}

/// A fresh clone's first command serves the embedding example: its built page is committed
/// (before, it was a 404 page until someone ran npm).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_server_serves_the_committed_embedding_example() {
    let app = spawn_app(StoreKind::Sqlite).await;
    let response = client()
        .get(format!("{}/examples/embed/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    let script = page
        .split("src=\"./assets/")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no script in the built page: {page}"));
    let response = client()
        .get(format!("{}/examples/embed/assets/{script}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("pinboarddata"));
}

/// Every page carries the browser security headers (before: none of them).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_carry_security_headers() {
    let app = spawn_app(StoreKind::Sqlite).await;
    for path in [
        "/login",
        "/assets/login.js",
        "/external/swagger",
        "/examples/embed/",
        "/examples/embed/missing.js",
    ] {
        let response = client()
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        let policy = headers["content-security-policy"].to_str().unwrap();
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(policy.contains("script-src 'self'"), "{path}: {policy}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
    }
    // The pages' scripts are files (the policy allows no inline script).
    let login = client()
        .get(format!("{}/login", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("<script src=\"/assets/login.js\">"),
        "{login}"
    );
    assert!(!login.contains("<script>"), "{login}");
}
