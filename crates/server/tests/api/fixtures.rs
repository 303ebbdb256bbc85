//! The fixture model (`tests/fixtures/retail`): real TML over small Parquet and CSV files.
//!
//! [`install`] copies it into a test server's data dir; [`import_all`] then imports every
//! document through `metadata/tml/import` as tsadmin, the way a client would.

use std::path::{Path, PathBuf};

use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::helpers::TestApp;

/// GUIDs fixed in the fixture TML; each test uses the ones it needs.
#[allow(dead_code)]
pub mod guid {
    pub const CONNECTION: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0001";
    pub const SALES: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0010";
    pub const STORES: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0011";
    pub const PRODUCTS: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0012";
    pub const WORKSHEET: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0020";
    pub const MODEL: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0021";
    pub const REVENUE_BY_REGION: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0030";
    pub const MONTHLY_REVENUE: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0031";
    pub const SALES_OVERVIEW: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0040";
    /// `viz_guid` of Sales Overview's first visualization.
    pub const SALES_OVERVIEW_VIZ_1: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0041";
    pub const STORE_PERFORMANCE: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0050";
}

/// The fixture folder in the source tree.
pub fn source_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/retail")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create fixture dir");
    for entry in std::fs::read_dir(from).expect("read fixture dir") {
        let entry = entry.expect("fixture entry");
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy fixture file");
        }
    }
}

/// Copies the fixture (TML and `data/`) into the app's data dir and returns the TML
/// documents by file name. Over the API, the connection's relative `path: data` resolves
/// against the data dir, so the copied files are the ones the server reads.
pub fn install(app: &TestApp) -> Vec<(String, String)> {
    copy_dir(&source_dir(), &app.data_dir);
    tml_documents(&app.data_dir)
}

/// The `*.tml` files of a folder, sorted by name: `(file name, text)`.
pub fn tml_documents(dir: &Path) -> Vec<(String, String)> {
    let mut docs: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("read fixture dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tml"))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read_to_string(e.path()).expect("read TML"),
            )
        })
        .collect();
    docs.sort();
    docs
}

/// POSTs `metadata/tml/import` with the documents as a JSON array; returns the response.
pub async fn import(
    app: &TestApp,
    client: &Client,
    documents: &[String],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let objects = serde_json::to_string(documents).expect("documents serialise");
    let mut form = vec![("import_objects", objects.as_str())];
    form.extend_from_slice(extra);
    app.post_form(client, "metadata/tml/import", &form).await
}

/// Installs the fixture and imports every document as tsadmin; asserts each is OK and
/// returns the import response body.
pub async fn import_all(app: &TestApp, admin: &Client) -> Value {
    let docs: Vec<String> = install(app).into_iter().map(|(_, text)| text).collect();
    let response = import(app, admin, &docs, &[]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("import answers JSON");
    for entry in body["object"].as_array().expect("object list") {
        assert_eq!(entry["response"]["status"]["status_code"], "OK", "{entry}");
    }
    body
}

/// A server with the fixture model imported by tsadmin, and tsadmin's client.
pub async fn fixture_app(store: crate::helpers::StoreKind) -> (TestApp, Client) {
    fixture_app_with(store, |_| {}).await
}

/// [`fixture_app`], with `customize` adjusting the server's configuration first.
pub async fn fixture_app_with(
    store: crate::helpers::StoreKind,
    customize: impl FnOnce(&mut searchlight::Config),
) -> (TestApp, Client) {
    let app = crate::helpers::spawn_app_with(store, customize).await;
    let admin = app.admin().await;
    import_all(&app, &admin).await;
    (app, admin)
}
