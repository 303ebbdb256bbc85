//! `metadata/tml/export` (issue 3, "What to build" 5): `export_ids`, `formattype` YAML and
//! JSON, exports that re-import onto the same objects, and ids that cannot be exported.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

/// A snapshot without the fields a re-import may legitimately move (`modified`,
/// `modifiedBy`): what must stay the same when an export is imported back.
fn stable(snapshot: &Value) -> Value {
    let mut snapshot = snapshot.clone();
    for list in snapshot.as_object_mut().unwrap().values_mut() {
        for item in list.as_array_mut().unwrap() {
            let item = item.as_object_mut().unwrap();
            item.remove("modified");
            item.remove("modifiedBy");
        }
    }
    snapshot
}

/// Exports, asserting 200; returns the entries.
async fn export_ok(app: &TestApp, client: &reqwest::Client, form: &[(&str, &str)]) -> Vec<Value> {
    let response = export(app, client, form).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    entries(&body)
}

async fn exports_round_trip(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    people(&app, &admin).await;
    let dana = as_user(&app, "dana").await;
    // dana owns a private copy of the model: only she and administrators may export it.
    import_fixture(&app, &dana, &[("private", "true")]).await;
    let before = snapshot(&app, &admin).await;
    let all_ids: Vec<&str> = FIXTURE.iter().map(|(.., id)| *id).collect();
    let ids = json!(all_ids).to_string();

    // YAML (the default): one entry per id, in request order, each with its GUID filled in.
    let exported = export_ok(&app, &dana, &[("export_ids", &ids)]).await;
    assert_eq!(exported.len(), 10);
    for (entry, (file, name, kind, id)) in exported.iter().zip(FIXTURE) {
        assert_eq!(entry["info"]["id"], id, "{file}");
        assert_eq!(entry["info"]["name"], name, "{file}");
        assert_eq!(entry["info"]["type"], kind, "{file}");
        assert_eq!(entry["info"]["status"]["status_code"], "OK");
        let edoc = entry["edoc"].as_str().unwrap();
        assert!(!edoc.trim_start().starts_with('{'), "YAML: {edoc}");
        let tree = tree(edoc);
        assert_eq!(tree["guid"], id, "{file}");
        assert_eq!(tree[kind]["name"], name, "{file}");
    }
    // Pinboards carry the GUIDs of their visualizations, in order.
    for (position, id) in [(5, guid::SALES_OVERVIEW), (6, guid::STORE_PERFORMANCE)] {
        let kind = FIXTURE[position].2;
        let tree = tree(exported[position]["edoc"].as_str().unwrap());
        let viz_guids: Vec<String> = tree[kind]["visualizations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["viz_guid"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(viz_guids, ids_of(&vizzes(&app, &dana, id).await));
    }
    assert_eq!(
        snapshot(&app, &admin).await,
        before,
        "exporting changes nothing"
    );

    // Importing the export back updates the same objects and creates nothing.
    let edocs: Vec<String> = exported
        .iter()
        .map(|e| e["edoc"].as_str().unwrap().to_string())
        .collect();
    let entries = import_ok(&app, &dana, &edocs, &[]).await;
    for (entry, (.., id)) in entries.iter().zip(FIXTURE) {
        assert_eq!(guid_of(entry), id);
    }
    assert_eq!(stable(&snapshot(&app, &admin).await), stable(&before));

    // JSON: the same documents as JSON, and they round-trip too. formattype in any case.
    for format in ["JSON", "json"] {
        let exported =
            export_ok(&app, &dana, &[("export_ids", &ids), ("formattype", format)]).await;
        let edocs: Vec<String> = exported
            .iter()
            .map(|e| e["edoc"].as_str().unwrap().to_string())
            .collect();
        for (edoc, (.., id)) in edocs.iter().zip(FIXTURE) {
            let tree: Value = serde_json::from_str(edoc).expect("a JSON edoc");
            assert_eq!(tree["guid"], id);
        }
        let entries = import_ok(&app, &dana, &edocs, &[]).await;
        for (entry, (.., id)) in entries.iter().zip(FIXTURE) {
            assert_eq!(guid_of(entry), id);
        }
        assert_eq!(stable(&snapshot(&app, &admin).await), stable(&before));
    }

    // An edited export updates its object in place.
    let yaml = export_ok(
        &app,
        &dana,
        &[("export_ids", guid::WORKSHEET), ("formattype", "YAML")],
    )
    .await[0]["edoc"]
        .as_str()
        .unwrap()
        .to_string();
    let mut edited = tree(&yaml);
    edited["worksheet"]["description"] = json!("Edited after export.");
    let entries = import_ok(&app, &dana, &[edited.to_string()], &[]).await;
    assert_eq!(guid_of(&entries[0]), guid::WORKSHEET);
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    assert_eq!(tables.len(), 5);
    assert_eq!(
        header(&tables, guid::WORKSHEET)["description"],
        "Edited after export."
    );

    // export_ids in the other list spellings.
    for spelling in [
        format!("[{}, {}]", guid::SALES, guid::MODEL),
        format!("['{}','{}']", guid::SALES, guid::MODEL),
    ] {
        let exported = export_ok(&app, &dana, &[("export_ids", &spelling)]).await;
        let names: Vec<&str> = exported
            .iter()
            .map(|e| e["info"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["sales", "Retail Model"], "{spelling}");
    }
    let exported = export_ok(&app, &dana, &[("export_ids", guid::CONNECTION)]).await;
    assert_eq!(exported[0]["info"]["type"], "connection");

    // Refused: unknown ids, ids the caller may not see, a column, no ids, a bad format.
    let before = snapshot(&app, &admin).await;
    let sam = as_user(&app, "sam").await;
    let unknown = "00000000-0000-4000-8000-00000000beef";
    let refusals: Vec<(&reqwest::Client, String, &str)> = vec![
        (&dana, json!([unknown]).to_string(), "YAML"),
        (&dana, json!([guid::WORKSHEET, unknown]).to_string(), "YAML"),
        (&sam, json!([guid::WORKSHEET]).to_string(), "YAML"),
        (&sam, json!([guid::SALES_OVERVIEW]).to_string(), "JSON"),
        (
            &dana,
            json!([guid::SALES_OVERVIEW_VIZ_1]).to_string(),
            "YAML",
        ),
    ];
    let mut invisible_message = None;
    for (client, ids, format) in refusals {
        let response = export(
            &app,
            client,
            &[("export_ids", &ids), ("formattype", format)],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        if ids.contains(guid::WORKSHEET) && !ids.contains(unknown) {
            invisible_message = Some(message);
        }
    }
    // An invisible object is refused in the same words as an unknown one.
    let response = export(&app, &sam, &[("export_ids", unknown)]).await;
    let unknown_message = assert_error(response, 400, 10002).await;
    assert_eq!(
        invisible_message.unwrap().replace(guid::WORKSHEET, unknown),
        unknown_message
    );
    let columns = of_type(&app, &admin, "LOGICAL_COLUMN").await;
    let column = columns[0]["id"].as_str().unwrap();
    let response = export(&app, &dana, &[("export_ids", column)]).await;
    assert_error(response, 400, 10002).await;
    for form in [
        vec![],
        vec![("export_ids", "[]")],
        vec![("export_ids", guid::WORKSHEET), ("formattype", "XML")],
    ] {
        let response = export(&app, &dana, &form).await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains("export_ids") || message.contains("formattype"),
            "{message}"
        );
    }
    assert_eq!(snapshot(&app, &admin).await, before);
}

both_stores!(exports_round_trip);
