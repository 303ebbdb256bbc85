//! Shared by the catalog tests (TML import and export, listings, sharing, ownership, the
//! command line): the people of a catalog test, fixture documents, listings and snapshots.

#![allow(dead_code)] // Each catalog module uses a different part of these helpers.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::fixtures::{self, guid};
use crate::helpers::*;

/// tsadmin's fixed GUID (reference §5.10).
pub const ADMIN_ID: &str = "59481331-ee53-42be-a548-bd87be6ddd4a";
/// The All group's fixed GUID.
pub const ALL_ID: &str = "b25ee394-9d13-49e3-9385-cd97f5b253b4";

/// The fixture's objects: `(file, name, kind, GUID)`, in file-name order (the order
/// [`fixtures::install`] returns them in).
pub const FIXTURE: [(&str, &str, &str, &str); 10] = [
    (
        "Monthly Revenue.answer.tml",
        "Monthly Revenue",
        "answer",
        guid::MONTHLY_REVENUE,
    ),
    (
        "Retail Files.connection.tml",
        "Retail Files",
        "connection",
        guid::CONNECTION,
    ),
    (
        "Retail Model.model.tml",
        "Retail Model",
        "model",
        guid::MODEL,
    ),
    (
        "Retail Sales.worksheet.tml",
        "Retail Sales",
        "worksheet",
        guid::WORKSHEET,
    ),
    (
        "Revenue by Region.answer.tml",
        "Revenue by Region",
        "answer",
        guid::REVENUE_BY_REGION,
    ),
    (
        "Sales Overview.liveboard.tml",
        "Sales Overview",
        "liveboard",
        guid::SALES_OVERVIEW,
    ),
    (
        "Store Performance.pinboard.tml",
        "Store Performance",
        "pinboard",
        guid::STORE_PERFORMANCE,
    ),
    ("products.table.tml", "products", "table", guid::PRODUCTS),
    ("sales.table.tml", "sales", "table", guid::SALES),
    ("stores.table.tml", "stores", "table", guid::STORES),
];

/// Column objects the fixture creates: 10 + 4 + 4 table columns, 13 worksheet columns and 5
/// model columns.
pub const FIXTURE_COLUMNS: usize = 36;

/// The metadata types that hold catalog objects (not principals).
pub const OBJECT_TYPES: [&str; 6] = [
    "QUESTION_ANSWER_BOOK",
    "PINBOARD_ANSWER_BOOK",
    "LOGICAL_TABLE",
    "LOGICAL_COLUMN",
    "DATA_SOURCE",
    "TAG",
];

/// The users and groups of the catalog tests, with their GUIDs.
///
/// - `Data Team` holds DATAMANAGEMENT and SHAREWITHALL (granted with group/addprivilege);
///   `dana` and `dora` are in it and may import, and share with All;
/// - `Analysts` holds nothing; `gina` is in it;
/// - `sam` and `olga` are in no group but All.
///
/// Every password is `"<name> pw"`.
pub struct People {
    pub ids: BTreeMap<String, String>,
}

impl People {
    pub fn id(&self, name: &str) -> &str {
        self.ids
            .get(name)
            .unwrap_or_else(|| panic!("no principal {name}"))
    }
}

/// The principals [`people`] syncs (for a later sync that must keep them).
pub fn people_json() -> Value {
    json!([
        group_json("Data Team", &[]),
        group_json("Analysts", &[]),
        {"name": "dana", "displayName": "Dana Data", "principalTypeEnum": "LOCAL_USER",
         "groupNames": ["Data Team"], "password": "dana pw"},
        {"name": "dora", "displayName": "Dora Data", "principalTypeEnum": "LOCAL_USER",
         "groupNames": ["Data Team"], "password": "dora pw"},
        {"name": "gina", "displayName": "Gina Group", "principalTypeEnum": "LOCAL_USER",
         "groupNames": ["Analysts"], "password": "gina pw"},
        {"name": "sam", "displayName": "Abe Stranger", "principalTypeEnum": "LOCAL_USER",
         "groupNames": [], "password": "sam pw"},
        {"name": "olga", "displayName": "Olga Owner", "principalTypeEnum": "LOCAL_USER",
         "groupNames": [], "password": "olga pw"}
    ])
}

/// Creates [`People`] and grants `Data Team` DATAMANAGEMENT and SHAREWITHALL.
pub async fn people(app: &TestApp, admin: &Client) -> People {
    sync_ok(app, admin, &people_json(), true, false, None).await;
    grant(app, admin, "DATAMANAGEMENT", "Data Team").await;
    // Sharing with All (also the default share of an import) needs SHAREWITHALL.
    grant(app, admin, "SHAREWITHALL", "Data Team").await;
    let list = list_as(app, admin).await;
    let ids = list
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    People { ids }
}

/// group/addprivilege, asserting 200.
pub async fn grant(app: &TestApp, admin: &Client, privilege: &str, group: &str) {
    let groups = json!([group]).to_string();
    let response = app
        .post_multipart(
            admin,
            "group/addprivilege",
            &[("privilege", privilege), ("groupNames", &groups)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK, "addprivilege");
}

/// A client logged in as one of [`People`].
pub async fn as_user(app: &TestApp, name: &str) -> Client {
    app.logged_in(name, &format!("{name} pw")).await
}

// ---- fixture documents ---------------------------------------------------------------------

/// The fixture installed into the app's data dir: `(file name, text)` by file name.
pub fn install(app: &TestApp) -> BTreeMap<String, String> {
    fixtures::install(app).into_iter().collect()
}

/// Every fixture document's text, in [`FIXTURE`] order.
pub fn all_docs(docs: &BTreeMap<String, String>) -> Vec<String> {
    FIXTURE.iter().map(|(file, ..)| doc(docs, file)).collect()
}

/// One fixture document by file name.
pub fn doc(docs: &BTreeMap<String, String>, file: &str) -> String {
    docs.get(file)
        .unwrap_or_else(|| panic!("fixture file {file}"))
        .clone()
}

/// The fixture documents named by file, in that order.
pub fn docs_of(docs: &BTreeMap<String, String>, files: &[&str]) -> Vec<String> {
    files.iter().map(|f| doc(docs, f)).collect()
}

/// `text` with `from` replaced by `to`; panics when `from` is not in it (a fixture change
/// must not silently turn a test into a no-op).
pub fn edit(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from:?} not in\n{text}");
    text.replacen(from, to, 1)
}

/// A document without its top-level `guid:` line.
pub fn without_guid(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|line| !line.starts_with("guid:"))
        .collect();
    assert!(kept.len() < text.lines().count(), "no guid line in\n{text}");
    kept.join("\n") + "\n"
}

/// A YAML or JSON TML text as a JSON tree.
pub fn tree(text: &str) -> Value {
    searchlight_catalog::tml::Document::parse(text)
        .unwrap_or_else(|e| panic!("TML parses: {e}\n{text}"))
        .tree
}

/// Python's `repr()` of a string (what `str()` of a list writes for each item).
pub fn python_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `str()` of a list of strings.
pub fn python_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|i| python_repr(i))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

// ---- import --------------------------------------------------------------------------------

/// POSTs `metadata/tml/import` with `import_objects` given as is; returns status and body.
pub async fn import_raw(
    app: &TestApp,
    client: &Client,
    import_objects: &str,
    extra: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut form = vec![("import_objects", import_objects)];
    form.extend_from_slice(extra);
    let response = app.post_form(client, "metadata/tml/import", &form).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    let body =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("import answers JSON ({e}): {text}"));
    (status, body)
}

/// Imports documents (a JSON array of strings), asserting 200; returns the entries.
pub async fn import_entries(
    app: &TestApp,
    client: &Client,
    documents: &[String],
    extra: &[(&str, &str)],
) -> Vec<Value> {
    let objects = serde_json::to_string(documents).unwrap();
    let (status, body) = import_raw(app, client, &objects, extra).await;
    assert_eq!(status, StatusCode::OK, "import: {body}");
    entries(&body)
}

/// The entries of an import response, checking there is one per document.
pub fn entries(body: &Value) -> Vec<Value> {
    body["object"]
        .as_array()
        .unwrap_or_else(|| panic!("object list in {body}"))
        .clone()
}

/// Imports documents and asserts every one is OK; returns the entries.
pub async fn import_ok(
    app: &TestApp,
    client: &Client,
    documents: &[String],
    extra: &[(&str, &str)],
) -> Vec<Value> {
    let entries = import_entries(app, client, documents, extra).await;
    assert_eq!(entries.len(), documents.len(), "one entry per document");
    for e in &entries {
        assert_eq!(status_of(e), "OK", "{e}");
    }
    entries
}

/// Imports the whole fixture (installing it first) as `client`; returns the entries.
pub async fn import_fixture(app: &TestApp, client: &Client, extra: &[(&str, &str)]) -> Vec<Value> {
    let docs = install(app);
    import_ok(app, client, &all_docs(&docs), extra).await
}

pub fn status_of(entry: &Value) -> &str {
    entry["response"]["status"]["status_code"]
        .as_str()
        .unwrap_or_else(|| panic!("status_code in {entry}"))
}

pub fn message_of(entry: &Value) -> String {
    entry["response"]["status"]["error_message"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

pub fn guid_of(entry: &Value) -> &str {
    entry["response"]["header"]["id_guid"]
        .as_str()
        .unwrap_or_else(|| panic!("header.id_guid in {entry}"))
}

// ---- listings ------------------------------------------------------------------------------

/// `metadata/listobjectheaders` with these query parameters, asserting 200.
pub async fn headers(app: &TestApp, client: &Client, query: &[(&str, &str)]) -> Vec<Value> {
    let response = client
        .get(app.url("metadata/listobjectheaders"))
        .query(query)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(
        status,
        StatusCode::OK,
        "listobjectheaders {query:?}: {text}"
    );
    serde_json::from_str(&text).unwrap()
}

/// The headers of one type.
pub async fn of_type(app: &TestApp, client: &Client, object_type: &str) -> Vec<Value> {
    headers(app, client, &[("type", object_type)]).await
}

/// `metadata/listobjectheaders` expected to fail: the response.
pub async fn headers_response(
    app: &TestApp,
    client: &Client,
    query: &[(&str, &str)],
) -> reqwest::Response {
    client
        .get(app.url("metadata/listobjectheaders"))
        .query(query)
        .send()
        .await
        .unwrap()
}

/// The `name`s of headers, in order.
pub fn names_of(headers: &[Value]) -> Vec<String> {
    headers
        .iter()
        .map(|h| h["name"].as_str().unwrap().to_string())
        .collect()
}

/// The `id`s of headers, in order.
pub fn ids_of(headers: &[Value]) -> Vec<String> {
    headers
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect()
}

/// The header with this id.
pub fn header<'a>(headers: &'a [Value], id: &str) -> &'a Value {
    headers
        .iter()
        .find(|h| h["id"] == id)
        .unwrap_or_else(|| panic!("header {id} in {headers:?}"))
}

/// Names sorted the way DEFAULT sorts (case-insensitive).
pub fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names
}

/// `metadata/listvizheaders?id=`: the response.
pub async fn viz_response(app: &TestApp, client: &Client, id: &str) -> reqwest::Response {
    client
        .get(app.url("metadata/listvizheaders"))
        .query(&[("id", id)])
        .send()
        .await
        .unwrap()
}

/// `metadata/listvizheaders?id=`, asserting 200.
pub async fn vizzes(app: &TestApp, client: &Client, id: &str) -> Vec<Value> {
    let response = viz_response(app, client, id).await;
    let status = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(status, StatusCode::OK, "listvizheaders {id}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// Everything an administrator can see of the catalog: the headers of every object type
/// and the visualizations of every pinboard and answer. Equal snapshots mean nothing changed.
pub async fn snapshot(app: &TestApp, admin: &Client) -> Value {
    let mut all = serde_json::Map::new();
    for object_type in OBJECT_TYPES {
        let listed = of_type(app, admin, object_type).await;
        if matches!(object_type, "QUESTION_ANSWER_BOOK" | "PINBOARD_ANSWER_BOOK") {
            for h in &listed {
                let id = h["id"].as_str().unwrap();
                all.insert(format!("viz {id}"), json!(vizzes(app, admin, id).await));
            }
        }
        all.insert(object_type.to_string(), json!(listed));
    }
    Value::Object(all)
}

/// What `client` can see: the names of the objects of every type, sorted.
pub async fn visible(app: &TestApp, client: &Client) -> BTreeMap<String, Vec<String>> {
    let mut seen = BTreeMap::new();
    for object_type in OBJECT_TYPES {
        seen.insert(
            object_type.to_string(),
            names_of(&of_type(app, client, object_type).await),
        );
    }
    seen
}

/// Waits long enough that the next write gets a later millisecond timestamp.
pub async fn tick() {
    tokio::time::sleep(Duration::from_millis(5)).await;
}

// ---- other endpoints ------------------------------------------------------------------------

/// `metadata/tml/export` with these form parameters: the response.
pub async fn export(app: &TestApp, client: &Client, form: &[(&str, &str)]) -> reqwest::Response {
    app.post_form(client, "metadata/tml/export", form).await
}

/// `searchdata` on a source: the response.
pub async fn search(
    app: &TestApp,
    client: &Client,
    source: &str,
    query: &str,
) -> reqwest::Response {
    client
        .post(app.url("searchdata"))
        .header("X-Requested-By", "ThoughtSpot")
        .query(&[("query_string", query), ("data_source_guid", source)])
        .send()
        .await
        .unwrap()
}

/// `security/share` with a `permission` JSON: the response.
pub async fn share(
    app: &TestApp,
    client: &Client,
    object_type: &str,
    ids: &[&str],
    permission: &Value,
) -> reqwest::Response {
    let ids = json!(ids).to_string();
    let permission = permission.to_string();
    app.post_form(
        client,
        "security/share",
        &[
            ("type", object_type),
            ("id", &ids),
            ("permission", &permission),
        ],
    )
    .await
}

/// The documented `permission` shape: `{"permissions": {"<principal>": {"shareMode": mode}}}`.
pub fn permission(principal: &str, mode: &str) -> Value {
    json!({"permissions": {principal: {"shareMode": mode}}})
}

/// `metadata/assigntag`, asserting 204.
pub async fn assign_tag(app: &TestApp, client: &Client, ids: &[&str], tags: &[&str]) {
    let ids = json!(ids).to_string();
    let tags = json!(tags).to_string();
    let response = app
        .post_form(
            client,
            "metadata/assigntag",
            &[("id", &ids), ("type", "LOGICAL_TABLE"), ("tagname", &tags)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT, "assigntag");
}
