//! Issue 13, "What to build" 2, 3 and 5: connection passwords never leave the server
//! (stored apart, encrypted, exported as a placeholder that re-imports keep); tagging needs
//! the right to change the object and only administrators create tags; sharing with All
//! needs SHAREWITHALL; errors say nothing of objects the caller cannot read; the id lists of
//! `security/share`, `metadata/assigntag` and `metadata/tml/export` are de-duplicated and
//! bounded before any store work.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use sqlx::Row;

use searchlight_catalog::model::{ConnectionDef, Definition};
use searchlight_catalog::secrets::{KEY_FILE, PLACEHOLDER, Secrets};
use searchlight_catalog::source::PostgresConnection;
use searchlight_store::{SqlStore, Store};

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

/// A secret key as configured (the base64 of 32 bytes).
const KEY: &str = "3q2+7wABAgMEBQYHCAkKCwwNDg8QERITFBUWFxgZGhs=";
const PASSWORD: &str = "Tr0ub4dor&3-horse";
const UNKNOWN: &str = "00000000-0000-4000-8000-00000000beef";

/// A PostgreSQL connection document (the import does not connect to it).
fn warehouse(guid: Option<&str>, host: &str, password: Option<&str>) -> String {
    let mut text = String::new();
    if let Some(guid) = guid {
        text.push_str(&format!("guid: {guid}\n"));
    }
    text.push_str(&format!(
        "connection:\n  name: Warehouse\n  type: RDBMS_POSTGRES\n  properties:\n  - key: host\n    \
         value: {host}\n  - key: port\n    value: 5433\n  - key: database\n    value: sales\n  \
         - key: user\n    value: reader\n"
    ));
    if let Some(password) = password {
        text.push_str(&format!("  - key: password\n    value: '{password}'\n"));
    }
    text
}

/// Exports one object as YAML, asserting 200; returns the document's text.
async fn export_one(app: &TestApp, client: &Client, id: &str) -> String {
    let response = export(app, client, &[("export_ids", id), ("formattype", "YAML")]).await;
    assert_eq!(response.status(), StatusCode::OK, "export {id}");
    let body: Value = response.json().await.unwrap();
    body["object"][0]["edoc"].as_str().unwrap().to_string()
}

/// A connection document (YAML or JSON) with its `password` property set to `value`, as
/// JSON text.
fn with_password(text: &str, value: &str) -> String {
    let mut tree = tree(text);
    let properties = tree["connection"]["properties"].as_array_mut().unwrap();
    let password = properties
        .iter_mut()
        .find(|p| p["key"] == "password")
        .expect("a password property");
    password["value"] = json!(value);
    tree.to_string()
}

/// `metadata/assigntag` as `client`: the response.
async fn tag(app: &TestApp, client: &Client, ids: &[&str], tags: &[&str]) -> reqwest::Response {
    let ids = json!(ids).to_string();
    let tags = json!(tags).to_string();
    app.post_form(
        client,
        "metadata/assigntag",
        &[("id", &ids), ("type", "LOGICAL_TABLE"), ("tagname", &tags)],
    )
    .await
}

/// The value of a connection document's property.
fn property(tree: &Value, key: &str) -> Option<Value> {
    tree["connection"]["properties"]
        .as_array()?
        .iter()
        .find(|p| p["key"] == key)
        .map(|p| p["value"].clone())
}

/// Every stored TML document and definition, straight from the database: `(id, text)`.
async fn stored_texts(app: &TestApp) -> Vec<(String, String)> {
    let raw = SqlStore::connect(&app.database_url).await.unwrap();
    let rows = sqlx::query("SELECT id, tml, definition FROM metadata_objects")
        .fetch_all(raw.pool())
        .await
        .unwrap();
    let mut texts = Vec::new();
    for row in rows {
        let id: String = row.try_get("id").unwrap();
        for column in ["tml", "definition"] {
            if let Some(text) = row.try_get::<Option<String>, _>(column).unwrap() {
                texts.push((id.clone(), text));
            }
        }
    }
    raw.close().await;
    texts.sort();
    texts
}

/// Asserts that no stored text holds `secret`.
async fn assert_stored_nowhere(app: &TestApp, secret: &str) {
    let texts = stored_texts(app).await;
    assert!(!texts.is_empty());
    for (id, text) in texts {
        assert!(!text.contains(secret), "{id} stores the password: {text}");
    }
}

/// The stored definition of a PostgreSQL connection, and its raw text.
async fn stored_connection(app: &TestApp, id: &str) -> (PostgresConnection, String) {
    let raw = SqlStore::connect(&app.database_url).await.unwrap();
    let record = raw
        .object(id)
        .await
        .unwrap()
        .expect("the connection is stored");
    raw.close().await;
    let text = record.definition.expect("a definition");
    match Definition::from_json(&text).unwrap() {
        Definition::Connection(ConnectionDef::Postgres(connection)) => (connection, text),
        other => panic!("not a PostgreSQL connection: {other:?}"),
    }
}

/// The password the server would connect with, through the one decrypting function.
async fn password_of(app: &TestApp, id: &str, key: Option<&str>) -> Option<String> {
    let (connection, _) = stored_connection(app, id).await;
    Secrets::new(key, &app.data_dir)
        .unwrap()
        .connection_password(&connection)
        .unwrap()
}

async fn connection_passwords_never_leave_the_server(store: StoreKind) {
    let app = spawn_app_with(store, |c| c.secret_key = Some(KEY.into())).await;
    let admin = app.admin().await;
    people(&app, &admin).await;
    // The administrator's import is shared with All: everyone may read (and export) it.
    let entries = import_ok(
        &app,
        &admin,
        &[warehouse(None, "db.example.com", Some(PASSWORD))],
        &[],
    )
    .await;
    let id = guid_of(&entries[0]).to_string();

    // A non-administrator's export shows the placeholder, never the password.
    let gina = as_user(&app, "gina").await;
    let exported = export_one(&app, &gina, &id).await;
    assert!(!exported.contains(PASSWORD), "{exported}");
    assert_eq!(
        property(&tree(&exported), "password"),
        Some(json!(PLACEHOLDER))
    );
    assert_eq!(
        property(&tree(&exported), "host"),
        Some(json!("db.example.com"))
    );
    // So does the administrator's, in either format.
    let by_admin = export_one(&app, &admin, &id).await;
    assert!(!by_admin.contains(PASSWORD), "{by_admin}");
    assert_eq!(
        property(&tree(&by_admin), "password"),
        Some(json!(PLACEHOLDER))
    );
    let response = export(&app, &admin, &[("export_ids", &id), ("formattype", "JSON")]).await;
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(PASSWORD) && text.contains(PLACEHOLDER),
        "{text}"
    );

    // Neither the stored TML nor the definition holds it; the decrypting function does.
    assert_stored_nowhere(&app, PASSWORD).await;
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some(PASSWORD)
    );
    // Under another key it does not open (the key file this makes is a different key).
    let (connection, sealed) = stored_connection(&app, &id).await;
    let elsewhere = tempfile::tempdir().unwrap();
    assert!(
        Secrets::new(None, elsewhere.path())
            .unwrap()
            .connection_password(&connection)
            .is_err()
    );

    // Importing the original document again (it updates the connection by name) changes
    // nothing at all.
    let original = warehouse(None, "db.example.com", Some(PASSWORD));
    let before = stored_texts(&app).await;
    import_ok(&app, &admin, &[original], &[]).await;
    assert_eq!(stored_texts(&app).await, before);

    // Importing the export back keeps the stored password, as the administrator and as a
    // user the connection is shared with MODIFY.
    let entries = import_ok(&app, &admin, std::slice::from_ref(&by_admin), &[]).await;
    assert_eq!(guid_of(&entries[0]), id);
    assert_eq!(stored_connection(&app, &id).await.1, sealed);
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some(PASSWORD)
    );
    let response = share(
        &app,
        &admin,
        "DATA_SOURCE",
        &[id.as_str()],
        &permission(ALL_ID, "MODIFY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let dana = as_user(&app, "dana").await;
    let described = edit(
        &by_admin,
        "name: Warehouse",
        "name: Warehouse\n  description: by dana",
    );
    import_ok(&app, &dana, &[described], &[]).await;
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some(PASSWORD)
    );
    assert!(!export_one(&app, &dana, &id).await.contains(PASSWORD));

    // The placeholder does not follow the connection to another server: the password must
    // be given again.
    let moved = edit(&by_admin, "db.example.com", "attacker.example.net");
    let entries = import_entries(&app, &dana, &[moved], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    let message = message_of(&entries[0]);
    assert!(
        message.contains("connection.properties.password"),
        "{message}"
    );
    assert!(message.contains("host"), "{message}");
    assert!(!message.contains(PASSWORD), "{message}");
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some(PASSWORD)
    );
    // Nor onto a new connection, which has no stored password.
    let copy = edit(
        &without_guid(&by_admin),
        "name: Warehouse",
        "name: Warehouse Copy",
    );
    let entries = import_entries(&app, &admin, &[copy], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    assert!(
        message_of(&entries[0]).contains("has none"),
        "{}",
        message_of(&entries[0])
    );

    // A new real value replaces the stored one; it is not stored in the clear either.
    let replaced = with_password(&by_admin, "n3w-Secret!");
    import_ok(&app, &admin, &[replaced], &[]).await;
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some("n3w-Secret!")
    );
    assert_stored_nowhere(&app, "n3w-Secret!").await;
    assert!(!export_one(&app, &gina, &id).await.contains("n3w-Secret!"));

    // Errors about a connection never quote its password.
    let bad_port = edit(
        &warehouse(None, "db2.example.com", Some("s3cr3t-in-error")),
        "value: 5433",
        "value: not-a-port",
    );
    let entries = import_entries(&app, &admin, &[bad_port], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    let message = message_of(&entries[0]);
    assert!(message.contains("port"), "{message}");
    assert!(!message.contains("s3cr3t-in-error"), "{message}");

    // password_env (preferred) stores only the variable's name, and is exported as it is.
    let by_env = edit(
        &warehouse(None, "db3.example.com", None),
        "name: Warehouse",
        "name: Warehouse By Env",
    ) + "  - key: password_env\n    value: WAREHOUSE_PASSWORD\n";
    let entries = import_ok(&app, &admin, &[by_env], &[]).await;
    let by_env = guid_of(&entries[0]).to_string();
    let exported = tree(&export_one(&app, &gina, &by_env).await);
    assert_eq!(
        property(&exported, "password_env"),
        Some(json!("WAREHOUSE_PASSWORD"))
    );
    assert_eq!(property(&exported, "password"), None);
    let (connection, _) = stored_connection(&app, &by_env).await;
    assert_eq!(connection.password, None);
    assert_eq!(
        connection.password_env.as_deref(),
        Some("WAREHOUSE_PASSWORD")
    );
}

/// Without a configured key, one is generated into the data dir (owner-only) the first time a
/// password is stored, and used from then on.
async fn a_key_is_generated_into_the_data_dir_at_first_need(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let key_file = app.data_dir.join(KEY_FILE);
    assert!(!key_file.exists(), "no key before a password needs one");
    let entries = import_ok(
        &app,
        &admin,
        &[warehouse(None, "db.example.com", None)],
        &[],
    )
    .await;
    assert!(
        !key_file.exists(),
        "a connection without a password needs no key"
    );
    let id = guid_of(&entries[0]).to_string();
    let with_password = warehouse(Some(&id), "db.example.com", Some(PASSWORD));
    import_ok(&app, &admin, &[with_password], &[]).await;
    assert!(key_file.is_file());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the key file is the owner's only");
    }
    assert_stored_nowhere(&app, PASSWORD).await;
    assert_eq!(
        password_of(&app, &id, None).await.as_deref(),
        Some(PASSWORD)
    );
    let exported = export_one(&app, &admin, &id).await;
    assert!(!exported.contains(PASSWORD), "{exported}");
}

/// A store written by an older release, with a password in the clear in a connection's TML
/// and definition: the next start moves it under the key.
async fn clear_passwords_of_older_releases_are_sealed_at_start(store: StoreKind) {
    let old = spawn_app_with(store, |c| c.secret_key = Some(KEY.into())).await;
    let admin = old.admin().await;
    let entries = import_ok(
        &old,
        &admin,
        &[warehouse(None, "db.example.com", None)],
        &[],
    )
    .await;
    let id = guid_of(&entries[0]).to_string();
    // What the previous release stored for a connection with a password.
    let raw = SqlStore::connect(&old.database_url).await.unwrap();
    let record = raw.object(&id).await.unwrap().unwrap();
    let mut definition: Value =
        serde_json::from_str(record.definition.as_deref().unwrap()).unwrap();
    definition["password"] = json!(PASSWORD);
    let mut tml: Value = serde_json::from_str(record.tml.as_deref().unwrap()).unwrap();
    tml["connection"]["properties"]
        .as_array_mut()
        .unwrap()
        .push(json!({"key": "password", "value": PASSWORD}));
    sqlx::query("UPDATE metadata_objects SET tml = $1, definition = $2 WHERE id = $3")
        .bind(tml.to_string())
        .bind(definition.to_string())
        .bind(id.clone())
        .execute(raw.pool())
        .await
        .unwrap();
    raw.close().await;
    assert!(
        stored_texts(&old)
            .await
            .iter()
            .any(|(_, t)| t.contains(PASSWORD))
    );

    let url = old.database_url.clone();
    let app = spawn_app_with(store, |c| {
        c.database_url = Some(url);
        c.secret_key = Some(KEY.into());
    })
    .await;
    assert_stored_nowhere(&app, PASSWORD).await;
    assert_eq!(
        password_of(&app, &id, Some(KEY)).await.as_deref(),
        Some(PASSWORD)
    );
    let admin = app.admin().await;
    let exported = export_one(&app, &admin, &id).await;
    assert_eq!(
        property(&tree(&exported), "password"),
        Some(json!(PLACEHOLDER))
    );
}

/// `metadata/assigntag` as ThoughtSpot allows it: only who may change an object tags it, and
/// only administrators create tags.
async fn tagging_needs_the_right_to_change_the_object(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let docs = install(&app);
    // The administrator's model, shared read-only with All; a private answer of dana's.
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    let private = edit(
        &without_guid(&doc(&docs, "Monthly Revenue.answer.tml")),
        "name: Monthly Revenue",
        "name: Dana's Private Answer",
    );
    let dana = as_user(&app, "dana").await;
    let entries = import_ok(&app, &dana, &[private], &[("private", "true")]).await;
    let private_id = guid_of(&entries[0]).to_string();
    assign_tag(&app, &admin, &[guid::SALES], &["Finance"]).await;
    let gina = as_user(&app, "gina").await;
    let before = snapshot(&app, &admin).await;

    // gina may read the worksheet (through All), not change it: 403 naming it.
    let message = assert_error(
        tag(&app, &gina, &[guid::WORKSHEET], &["Finance"]).await,
        403,
        10003,
    )
    .await;
    assert!(
        message.contains("Retail Sales") && message.contains("MODIFY"),
        "{message}"
    );
    assert_error(
        tag(&app, &gina, &[guid::WORKSHEET], &["Brand New"]).await,
        403,
        10003,
    )
    .await;
    // An object she cannot read is refused exactly like one that does not exist.
    let invisible = assert_error(
        tag(&app, &gina, &[private_id.as_str()], &["Finance"]).await,
        400,
        10002,
    )
    .await;
    let unknown = assert_error(tag(&app, &gina, &[UNKNOWN], &["Finance"]).await, 400, 10002).await;
    assert_eq!(invisible.replace(&private_id, UNKNOWN), unknown);
    assert!(!invisible.contains("Dana"), "{invisible}");
    assert_eq!(
        snapshot(&app, &admin).await,
        before,
        "refusals change nothing"
    );

    // With MODIFY (through her group) she may attach an existing tag, in any case, but not
    // create one.
    let response = share(
        &app,
        &admin,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(people.id("Analysts"), "MODIFY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = tag(&app, &gina, &[guid::WORKSHEET], &["finance"]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let tagged = headers(
        &app,
        &gina,
        &[("type", "LOGICAL_TABLE"), ("tagname", "[Finance]")],
    )
    .await;
    assert_eq!(names_of(&tagged), ["Retail Sales", "sales"]);
    let tags_before = names_of(&of_type(&app, &admin, "TAG").await);
    let message = assert_error(
        tag(&app, &gina, &[guid::WORKSHEET], &["Finance", "Gina's Own"]).await,
        403,
        10003,
    )
    .await;
    assert!(
        message.contains("Gina's Own") && message.contains("ADMINISTRATION"),
        "{message}"
    );
    assert_eq!(names_of(&of_type(&app, &admin, "TAG").await), tags_before);

    // The owner may tag her own object with existing tags; only an administrator creates one.
    let response = tag(&app, &dana, &[private_id.as_str()], &["Finance"]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_error(
        tag(&app, &dana, &[private_id.as_str()], &["Dana's Tag"]).await,
        403,
        10003,
    )
    .await;
    assign_tag(&app, &admin, &[private_id.as_str()], &["Dana's Tag"]).await;
    let response = tag(
        &app,
        &dana,
        &[private_id.as_str(), guid::SALES],
        &["Dana's Tag"],
    )
    .await;
    assert_error(response, 403, 10003).await;
    assert_eq!(
        names_of(&of_type(&app, &admin, "TAG").await),
        ["Dana's Tag", "Finance"]
    );
}

/// Sharing with All, by `security/share` or as an import's default, needs SHAREWITHALL (or
/// ADMINISTRATION); importing says nothing of objects the importer cannot read.
async fn sharing_with_all_needs_sharewithall(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let docs = install(&app);
    // Analysts may import but not share with All.
    grant(&app, &admin, "DATAMANAGEMENT", "Analysts").await;
    let gina = as_user(&app, "gina").await;
    let sam = as_user(&app, "sam").await;
    import_ok(&app, &gina, &all_docs(&docs), &[]).await;
    // Her import is private: sam (in no group but All) sees none of it.
    let seen = visible(&app, &sam).await;
    for (object_type, names) in &seen {
        assert!(
            object_type == "TAG" || names.is_empty(),
            "{object_type}: {names:?}"
        );
    }
    let response = share(
        &app,
        &gina,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(ALL_ID, "READ_ONLY"),
    )
    .await;
    let message = assert_error(response, 403, 10003).await;
    assert!(message.contains("SHAREWITHALL"), "{message}");
    assert!(of_type(&app, &sam, "LOGICAL_TABLE").await.is_empty());
    // Sharing with a user, and taking All's access away, need no privilege.
    let response = share(
        &app,
        &gina,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &json!({ people.id("sam"): "READ_ONLY", ALL_ID: "NO_ACCESS" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names_of(&of_type(&app, &sam, "LOGICAL_TABLE").await),
        ["Retail Sales"]
    );
    // With SHAREWITHALL she may.
    grant(&app, &admin, "SHAREWITHALL", "Analysts").await;
    let gina = as_user(&app, "gina").await;
    let response = share(
        &app,
        &gina,
        "LOGICAL_TABLE",
        &[guid::MODEL],
        &permission(ALL_ID, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        names_of(&of_type(&app, &sam, "LOGICAL_TABLE").await),
        ["Retail Model", "Retail Sales"]
    );

    // dana (who may import) cannot read gina's private connection: a document with its GUID
    // is refused without naming it, and one with its name makes a new connection.
    let connection = doc(&docs, "Retail Files.connection.tml");
    let renamed = edit(&connection, "name: Retail Files", "name: Dana Files");
    let dana = as_user(&app, "dana").await;
    let entries = import_entries(&app, &dana, &[renamed], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    let message = message_of(&entries[0]);
    assert!(message.contains("no access"), "{message}");
    assert!(!message.contains("Retail Files"), "{message}");
    let entries = import_ok(&app, &dana, &[without_guid(&connection)], &[]).await;
    assert_ne!(guid_of(&entries[0]), guid::CONNECTION);
    let sources = of_type(&app, &admin, "DATA_SOURCE").await;
    assert_eq!(names_of(&sources), ["Retail Files", "Retail Files"]);
    assert_eq!(header(&sources, guid::CONNECTION)["authorName"], "gina");
}

/// The id lists of share, assigntag and export: repeats count once, and a list too long is a
/// 400 naming the parameter and the limit, before any object is looked at.
async fn id_lists_are_deduplicated_and_bounded(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    let before = snapshot(&app, &admin).await;
    let many: Vec<String> = (0..1001)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let many = json!(many).to_string();
    let limit = |message: &str, parameter: &str| {
        assert!(message.contains(&format!("'{parameter}'")), "{message}");
        assert!(message.contains("at most 1000"), "{message}");
    };

    let response = export(&app, &admin, &[("export_ids", &many)]).await;
    limit(&assert_error(response, 400, 10002).await, "export_ids");
    let response = share(
        &app,
        &admin,
        "LOGICAL_TABLE",
        &[],
        &permission(ALL_ID, "READ_ONLY"),
    )
    .await;
    assert_error(response, 400, 10002).await;
    let perm = permission(ALL_ID, "READ_ONLY").to_string();
    let response = app
        .post_form(
            &admin,
            "security/share",
            &[
                ("type", "LOGICAL_TABLE"),
                ("id", &many),
                ("permission", &perm),
            ],
        )
        .await;
    limit(&assert_error(response, 400, 10002).await, "id");
    let response = app
        .post_form(
            &admin,
            "metadata/assigntag",
            &[("id", &many), ("tagname", "[\"Finance\"]")],
        )
        .await;
    limit(&assert_error(response, 400, 10002).await, "id");
    let names: Vec<String> = (0..1001).map(|i| format!("tag {i}")).collect();
    let names = json!(names).to_string();
    let ids = json!([guid::WORKSHEET]).to_string();
    let response = app
        .post_form(
            &admin,
            "metadata/assigntag",
            &[("id", &ids), ("tagname", &names)],
        )
        .await;
    limit(&assert_error(response, 400, 10002).await, "tagname");
    // 200 objects with 51 principals: more pairs than one call may change.
    let two_hundred: Vec<String> = (0..200)
        .map(|i| format!("00000000-0000-4000-8000-{i:012}"))
        .collect();
    let principals: serde_json::Map<String, Value> = (0..51)
        .map(|i| {
            (
                format!("00000000-0000-4000-9000-{i:012}"),
                json!("READ_ONLY"),
            )
        })
        .collect();
    let response = app
        .post_form(
            &admin,
            "security/share",
            &[
                ("type", "LOGICAL_TABLE"),
                ("id", &json!(two_hundred).to_string()),
                ("permission", &Value::Object(principals).to_string()),
            ],
        )
        .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("at most 10000"), "{message}");
    assert_eq!(
        snapshot(&app, &admin).await,
        before,
        "refusals change nothing"
    );

    // Repeats count once: 1,001 copies of one id export it once and tag it once.
    let repeated_ids = vec![guid::WORKSHEET; 1001];
    let repeated = json!(repeated_ids).to_string();
    let response = export(&app, &admin, &[("export_ids", &repeated)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(entries(&body).len(), 1);
    let response = app
        .post_form(
            &admin,
            "metadata/assigntag",
            &[
                ("id", &repeated),
                ("tagname", "[\"Finance\", \"FINANCE\", \"finance\"]"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let tags = of_type(&app, &admin, "TAG").await;
    assert_eq!(names_of(&tags), ["Finance"]);
    let response = share(
        &app,
        &admin,
        "LOGICAL_TABLE",
        &repeated_ids,
        &permission(ALL_ID, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
}

both_stores!(
    connection_passwords_never_leave_the_server,
    a_key_is_generated_into_the_data_dir_at_first_need,
    clear_passwords_of_older_releases_are_sealed_at_start,
    tagging_needs_the_right_to_change_the_object,
    sharing_with_all_needs_sharewithall,
    id_lists_are_deduplicated_and_bounded,
);
