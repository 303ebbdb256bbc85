//! The fixture model end to end: import it over the API, list it, search it.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both_stores;
use crate::fixtures::{self, guid};
use crate::helpers::*;

async fn the_fixture_model_imports_and_answers(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let imported = fixtures::import_all(&app, &admin).await;
    assert_eq!(imported["object"].as_array().unwrap().len(), 10);

    let vizzes: Vec<Value> = app
        .get(
            &admin,
            &format!("metadata/listvizheaders?id={}", guid::SALES_OVERVIEW),
        )
        .await
        .json()
        .await
        .unwrap();
    let types: Vec<&str> = vizzes
        .iter()
        .map(|v| v["vizType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["TABLE", "CHART", "HEADLINE", "CHART"]);
    assert_eq!(vizzes[0]["id"], guid::SALES_OVERVIEW_VIZ_1);

    let response = admin
        .post(app.url("searchdata"))
        .header("X-Requested-By", "ThoughtSpot")
        .query(&[
            ("query_string", "[Revenue] [Region]"),
            ("data_source_guid", guid::WORKSHEET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(
        body["columnNames"],
        serde_json::json!(["Region", "Total Revenue"])
    );
    assert_eq!(
        body["totalRowCount"], 4,
        "three regions and the store without one"
    );
}

both_stores!(the_fixture_model_imports_and_answers);
