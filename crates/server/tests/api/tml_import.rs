//! `metadata/tml/import` (issue 3, API-DECISIONS.md "Metadata"): the fixture model with its
//! GUIDs, re-imports in place, documents without a GUID, `force_create`, the import
//! policies, every form `import_objects` arrives in, and who may import.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

/// The number of objects of each type the fixture creates.
async fn assert_fixture_counts(app: &TestApp, admin: &reqwest::Client, answers: usize) {
    let count = |t: &'static str| async move { of_type(app, admin, t).await.len() };
    assert_eq!(count("QUESTION_ANSWER_BOOK").await, answers);
    assert_eq!(count("PINBOARD_ANSWER_BOOK").await, 2);
    assert_eq!(count("LOGICAL_TABLE").await, 5);
    assert_eq!(count("DATA_SOURCE").await, 1);
    assert_eq!(count("LOGICAL_COLUMN").await, FIXTURE_COLUMNS);
}

async fn the_fixture_imports_with_its_guids_and_reimports_in_place(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    let entries = import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    for (entry, (file, name, kind, id)) in entries.iter().zip(FIXTURE) {
        let header = &entry["response"]["header"];
        assert_eq!(header["id_guid"], id, "{file}");
        assert_eq!(header["name"], name, "{file}");
        assert_eq!(header["type"], kind, "{file}");
        assert!(
            entry["response"]["status"].get("error_message").is_none(),
            "{entry}"
        );
    }
    assert_fixture_counts(&app, &admin, 2).await;

    // New objects: created = modified, by the importer.
    let first = snapshot(&app, &admin).await;
    for object_type in OBJECT_TYPES {
        for h in first[object_type].as_array().unwrap() {
            assert_eq!(h["created"], h["modified"], "{h}");
            assert_eq!(h["modifiedBy"], ADMIN_ID, "{h}");
        }
    }

    // Visualization GUIDs: the one the TML fixes, and derived ones for the others.
    let overview = vizzes(&app, &admin, guid::SALES_OVERVIEW).await;
    let performance = vizzes(&app, &admin, guid::STORE_PERFORMANCE).await;
    assert_eq!(overview[0]["id"], guid::SALES_OVERVIEW_VIZ_1);
    let mut viz_ids: Vec<String> = ids_of(&overview);
    viz_ids.extend(ids_of(&performance));
    assert_eq!(viz_ids.len(), 6);
    let distinct: std::collections::BTreeSet<&String> = viz_ids.iter().collect();
    assert_eq!(distinct.len(), 6, "every visualization has its own GUID");
    for id in &viz_ids {
        uuid::Uuid::parse_str(id).expect("visualization ids are GUIDs");
        assert!(
            !FIXTURE.iter().any(|(.., object)| object == id),
            "a viz GUID is not an object's"
        );
    }

    // Re-importing the same documents changes nothing: same GUIDs, no duplicates, the same
    // visualization GUIDs (derived ones too), timestamps untouched. In reverse order too:
    // documents are imported in dependency order whatever order they arrive in.
    tick().await;
    let again = import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    for (entry, (.., id)) in again.iter().zip(FIXTURE) {
        assert_eq!(guid_of(entry), id);
    }
    assert_eq!(
        snapshot(&app, &admin).await,
        first,
        "re-import changed nothing"
    );
    let mut reversed = all_docs(&docs);
    reversed.reverse();
    let entries = import_ok(&app, &admin, &reversed, &[]).await;
    for (entry, (.., id)) in entries.iter().rev().zip(FIXTURE) {
        assert_eq!(guid_of(entry), id);
    }
    assert_eq!(snapshot(&app, &admin).await, first, "in any order");

    // A changed document updates its object in place: created stays, modified moves on,
    // visualization GUIDs stay (derived ones too) while their names follow the TML.
    tick().await;
    let worksheet = edit(
        &doc(&docs, "Retail Sales.worksheet.tml"),
        "description: Orders with their store and product; test orders left out.",
        "description: Orders, updated.",
    );
    let liveboard = edit(
        &doc(&docs, "Sales Overview.liveboard.tml"),
        "name: Revenue by Month",
        "name: Revenue per Month",
    );
    let entries = import_ok(&app, &admin, &[worksheet, liveboard], &[]).await;
    assert_eq!(guid_of(&entries[0]), guid::WORKSHEET);
    assert_eq!(guid_of(&entries[1]), guid::SALES_OVERVIEW);
    assert_fixture_counts(&app, &admin, 2).await;
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    let ws = header(&tables, guid::WORKSHEET);
    let ws_before = header(first["LOGICAL_TABLE"].as_array().unwrap(), guid::WORKSHEET);
    assert_eq!(ws["description"], "Orders, updated.");
    assert_eq!(ws["created"], ws_before["created"]);
    assert!(ws["modified"].as_i64().unwrap() > ws_before["modified"].as_i64().unwrap());
    let updated = vizzes(&app, &admin, guid::SALES_OVERVIEW).await;
    assert_eq!(ids_of(&updated), ids_of(&overview), "viz GUIDs are stable");
    assert_eq!(updated[1]["name"], "Revenue per Month");
    assert_eq!(updated[1]["created"], overview[1]["created"]);
    // What was not re-imported is untouched.
    let model = header(&tables, guid::MODEL);
    assert_eq!(
        model,
        header(first["LOGICAL_TABLE"].as_array().unwrap(), guid::MODEL)
    );
}

async fn documents_without_a_guid_update_by_name(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    let answer = without_guid(&doc(&docs, "Revenue by Region.answer.tml"));
    let pinboard = without_guid(&doc(&docs, "Store Performance.pinboard.tml"));
    let mut all = all_docs(&docs);
    all[4] = answer.clone();
    all[6] = pinboard.clone();
    let entries = import_ok(&app, &admin, &all, &[]).await;
    let answer_id = guid_of(&entries[4]).to_string();
    let pinboard_id = guid_of(&entries[6]).to_string();
    for id in [&answer_id, &pinboard_id] {
        uuid::Uuid::parse_str(id).expect("a new GUID");
        assert!(!FIXTURE.iter().any(|(.., fixed)| fixed == id));
    }
    let viz_ids = ids_of(&vizzes(&app, &admin, &pinboard_id).await);
    assert_eq!(viz_ids.len(), 2);
    let first = snapshot(&app, &admin).await;

    // The same documents again: the objects are found by name, nothing is duplicated.
    tick().await;
    let again = import_ok(&app, &admin, &all, &[]).await;
    assert_eq!(guid_of(&again[4]), answer_id);
    assert_eq!(guid_of(&again[6]), pinboard_id);
    assert_eq!(snapshot(&app, &admin).await, first);

    // Changed, still without a GUID: updated in place, visualizations keep their GUIDs.
    let answer = edit(
        &answer,
        "description: Total revenue per region.",
        "description: Revenue per region, edited.",
    );
    let pinboard = edit(&pinboard, "name: Revenue by Store", "name: Store Revenue");
    let entries = import_ok(&app, &admin, &[answer, pinboard], &[]).await;
    assert_eq!(guid_of(&entries[0]), answer_id);
    assert_eq!(guid_of(&entries[1]), pinboard_id);
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    assert_eq!(answers.len(), 2);
    assert_eq!(
        header(&answers, &answer_id)["description"],
        "Revenue per region, edited."
    );
    let listed = vizzes(&app, &admin, &pinboard_id).await;
    assert_eq!(ids_of(&listed), viz_ids);
    assert_eq!(listed[0]["name"], "Store Revenue");
    assert_eq!(of_type(&app, &admin, "PINBOARD_ANSWER_BOOK").await.len(), 2);
}

async fn force_create_makes_new_objects(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    let before = snapshot(&app, &admin).await;
    let original_vizzes = ids_of(&vizzes(&app, &admin, guid::SALES_OVERVIEW).await);

    let copies = docs_of(
        &docs,
        &[
            "Revenue by Region.answer.tml",
            "Sales Overview.liveboard.tml",
        ],
    );
    let entries = import_ok(&app, &admin, &copies, &[("force_create", "true")]).await;
    let answer_copy = guid_of(&entries[0]).to_string();
    let board_copy = guid_of(&entries[1]).to_string();
    assert_ne!(answer_copy, guid::REVENUE_BY_REGION);
    assert_ne!(board_copy, guid::SALES_OVERVIEW);

    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    assert_eq!(
        names_of(&answers),
        ["Monthly Revenue", "Revenue by Region", "Revenue by Region"]
    );
    assert_eq!(
        header(&answers, guid::REVENUE_BY_REGION),
        header(
            before["QUESTION_ANSWER_BOOK"].as_array().unwrap(),
            guid::REVENUE_BY_REGION
        ),
        "the original is untouched"
    );
    assert_ne!(
        ids_of(&vizzes(&app, &admin, &answer_copy).await),
        ids_of(&vizzes(&app, &admin, guid::REVENUE_BY_REGION).await)
    );
    // The copy's visualizations get their own GUIDs, even the one whose viz_guid the TML fixes.
    let copy_vizzes = ids_of(&vizzes(&app, &admin, &board_copy).await);
    assert_eq!(copy_vizzes.len(), 4);
    for id in &copy_vizzes {
        assert!(!original_vizzes.contains(id), "{id} is the original's");
    }
    assert_eq!(
        ids_of(&vizzes(&app, &admin, guid::SALES_OVERVIEW).await),
        original_vizzes
    );
    assert_eq!(of_type(&app, &admin, "PINBOARD_ANSWER_BOOK").await.len(), 3);

    // Without force_create the document's GUID updates the original again.
    let answer = edit(
        &doc(&docs, "Revenue by Region.answer.tml"),
        "description: Total revenue per region.",
        "description: The original.",
    );
    let entries = import_ok(&app, &admin, &[answer], &[("force_create", "false")]).await;
    assert_eq!(guid_of(&entries[0]), guid::REVENUE_BY_REGION);
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    assert_eq!(answers.len(), 3);
    assert_eq!(
        header(&answers, guid::REVENUE_BY_REGION)["description"],
        "The original."
    );
    assert_eq!(
        header(&answers, &answer_copy)["description"],
        "Total revenue per region."
    );
}

async fn import_policies(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    let empty = snapshot(&app, &admin).await;
    let mut bad = all_docs(&docs);
    // sales.table.tml (index 8) names a column its Parquet file does not have.
    bad[8] = edit(
        &bad[8],
        "db_column_name: revenue\n",
        "db_column_name: revenue_usd\n",
    );
    let index_of = |name: &str| FIXTURE.iter().position(|(_, n, ..)| *n == name).unwrap();

    // ALL_OR_NONE (the default, and spelled out): every entry is an error, nothing stored.
    for extra in [vec![], vec![("import_policy", "ALL_OR_NONE")]] {
        let entries = import_entries(&app, &admin, &bad, &extra).await;
        assert_eq!(entries.len(), 10);
        for (i, entry) in entries.iter().enumerate() {
            assert_eq!(status_of(entry), "ERROR", "{entry}");
            let message = message_of(entry);
            assert!(
                message.starts_with(&format!("import_objects[{i}]: ")),
                "{message}"
            );
        }
        assert!(message_of(&entries[8]).contains("revenue_usd"));
        for independent in ["Retail Files", "products", "stores"] {
            let message = message_of(&entries[index_of(independent)]);
            assert!(
                message.contains("ALL_OR_NONE") && message.contains("import_objects[8]"),
                "{message}"
            );
        }
        let message = message_of(&entries[index_of("Retail Sales")]);
        assert!(
            message.contains("'sales' failed to import"),
            "a document that needs the failed one says so: {message}"
        );
        assert_eq!(snapshot(&app, &admin).await, empty, "nothing stored");
    }

    // VALIDATE_ONLY: statuses reported, nothing stored, for good and bad batches alike.
    let entries = import_entries(
        &app,
        &admin,
        &all_docs(&docs),
        &[("import_policy", "VALIDATE_ONLY")],
    )
    .await;
    for (entry, (.., id)) in entries.iter().zip(FIXTURE) {
        assert_eq!(status_of(entry), "OK", "{entry}");
        assert_eq!(guid_of(entry), id);
    }
    assert_eq!(snapshot(&app, &admin).await, empty);
    let entries = import_entries(&app, &admin, &bad, &[("import_policy", "VALIDATE_ONLY")]).await;
    assert_eq!(status_of(&entries[8]), "ERROR");
    assert_eq!(status_of(&entries[index_of("Retail Files")]), "OK");
    assert_eq!(status_of(&entries[index_of("stores")]), "OK");
    assert_eq!(status_of(&entries[index_of("Retail Sales")]), "ERROR");
    assert_eq!(snapshot(&app, &admin).await, empty);

    // An unknown policy is a bad parameter.
    let objects = serde_json::to_string(&all_docs(&docs)).unwrap();
    let (status, body) = import_raw(&app, &admin, &objects, &[("import_policy", "SOME")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["debug"].as_str().unwrap().contains("import_policy"));
    assert_eq!(snapshot(&app, &admin).await, empty);

    // PARTIAL: what passes is stored; what needs the failed table fails.
    let entries = import_entries(&app, &admin, &bad, &[("import_policy", "PARTIAL")]).await;
    let ok: Vec<&str> = FIXTURE
        .iter()
        .zip(&entries)
        .filter(|(_, e)| status_of(e) == "OK")
        .map(|((_, name, ..), _)| *name)
        .collect();
    assert_eq!(ok, ["Retail Files", "products", "stores"]);
    for entry in &entries {
        if status_of(entry) == "ERROR" {
            assert!(!message_of(entry).is_empty());
        }
    }
    assert_eq!(
        names_of(&of_type(&app, &admin, "LOGICAL_TABLE").await),
        ["products", "stores"]
    );
    assert_eq!(
        names_of(&of_type(&app, &admin, "DATA_SOURCE").await),
        ["Retail Files"]
    );
    assert!(
        of_type(&app, &admin, "QUESTION_ANSWER_BOOK")
            .await
            .is_empty()
    );

    // The good fixture with PARTIAL then imports everything.
    import_ok(
        &app,
        &admin,
        &all_docs(&docs),
        &[("import_policy", "PARTIAL")],
    )
    .await;
    assert_fixture_counts(&app, &admin, 2).await;
}

async fn import_objects_arrives_in_every_form(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    // A JSON array of YAML strings.
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;

    let description = |admin: reqwest::Client| {
        let app = &app;
        async move {
            let tables = of_type(app, &admin, "LOGICAL_TABLE").await;
            header(&tables, guid::WORKSHEET)["description"].clone()
        }
    };
    let with_description = |text: &str| {
        let mut all = all_docs(&docs);
        all[3] = edit(
            &all[3],
            "description: Orders with their store and product; test orders left out.",
            &format!("description: {text}"),
        );
        all
    };
    let assert_all_ok = |body: &Value| {
        let entries = entries(body);
        assert_eq!(entries.len(), 10, "{body}");
        for (entry, (.., id)) in entries.iter().zip(FIXTURE) {
            assert_eq!(status_of(entry), "OK", "{entry}");
            assert_eq!(guid_of(entry), id);
        }
    };

    // A JSON array of JSON strings.
    let json_texts: Vec<String> = with_description("via JSON strings")
        .iter()
        .map(|d| serde_json::to_string_pretty(&tree(d)).unwrap())
        .collect();
    let (status, body) = import_raw(
        &app,
        &admin,
        &serde_json::to_string(&json_texts).unwrap(),
        &[],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_all_ok(&body);
    assert_eq!(description(admin.clone()).await, "via JSON strings");

    // A JSON array of JSON objects.
    let objects: Vec<Value> = with_description("via JSON objects")
        .iter()
        .map(|d| tree(d))
        .collect();
    let (status, body) = import_raw(&app, &admin, &json!(objects).to_string(), &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_all_ok(&body);
    assert_eq!(description(admin.clone()).await, "via JSON objects");

    // Python's str() of a list of YAML documents (the PyPI client's metadata_tml_import):
    // single quotes, \' for the apostrophe, \\ for the backslash, \n for line ends.
    let text = r#"Owner's "view" of C:\data, café ’ok’"#;
    let python = python_list(&with_description(text));
    assert!(python.starts_with("['guid: "));
    assert!(python.contains(r"Owner\'s") && python.contains(r"C:\\data"));
    assert!(python.contains(r"\n"));
    let (status, body) = import_raw(&app, &admin, &python, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_all_ok(&body);
    assert_eq!(description(admin.clone()).await, text);

    // … of a list of JSON documents, and with \xNN and \uNNNN escapes.
    let python =
        python_list(&json_texts).replace("via JSON strings", "caf\\xe9 \\u2019python\\u2019");
    let (status, body) = import_raw(&app, &admin, &python, &[]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_all_ok(&body);
    assert_eq!(description(admin.clone()).await, "café ’python’");

    // What is not a list of documents is refused, and nothing changes.
    let before = snapshot(&app, &admin).await;
    for bad in ["[]", "[1, 2]", "{not a list", "['unterminated", "[None]"] {
        let (status, body) = import_raw(&app, &admin, bad, &[]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
        assert_eq!(body["code"], 10002);
        assert!(
            body["debug"].as_str().unwrap().contains("import_objects"),
            "{body}"
        );
    }
    let response = app
        .post_form(
            &admin,
            "metadata/tml/import",
            &[("import_policy", "PARTIAL")],
        )
        .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("import_objects"), "{message}");
    assert_eq!(snapshot(&app, &admin).await, before);
}

async fn who_may_import_and_who_owns_the_result(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let docs = install(&app);
    let all = all_docs(&docs);
    let objects = serde_json::to_string(&all).unwrap();
    let empty = snapshot(&app, &admin).await;

    // Without DATAMANAGEMENT or ADMINISTRATION: 403, nothing stored. Not logged in: 401.
    let sam = as_user(&app, "sam").await;
    let gina = as_user(&app, "gina").await;
    for client in [&sam, &gina] {
        let response = app
            .post_form(
                client,
                "metadata/tml/import",
                &[("import_objects", &objects)],
            )
            .await;
        let message = assert_error(response, 403, 10003).await;
        assert!(message.contains("DATAMANAGEMENT"), "{message}");
    }
    let response = app
        .post_form(
            &client(),
            "metadata/tml/import",
            &[("import_objects", &objects)],
        )
        .await;
    assert_error(response, 401, 10003).await;
    assert_eq!(snapshot(&app, &admin).await, empty);

    // Granting DATAMANAGEMENT to gina's group lets her import; she authors and owns it all.
    // (SHAREWITHALL lets her imports be shared with All, as below; without it they would be
    // private: see secrets_and_tags.rs.)
    grant(&app, &admin, "DATAMANAGEMENT", "Analysts").await;
    grant(&app, &admin, "SHAREWITHALL", "Analysts").await;
    import_ok(&app, &gina, &all, &[]).await;
    let gina_id = people.id("gina");
    let listed = snapshot(&app, &admin).await;
    for object_type in OBJECT_TYPES {
        for h in listed[object_type].as_array().unwrap() {
            assert_eq!(h["author"], gina_id, "{h}");
            assert_eq!(h["owner"], gina_id, "{h}");
            assert_eq!(h["authorName"], "gina", "{h}");
            assert_eq!(h["modifiedBy"], gina_id, "{h}");
        }
    }
    for viz in vizzes(&app, &admin, guid::SALES_OVERVIEW).await {
        assert_eq!(viz["author"], gina_id);
        assert_eq!(viz["modifiedBy"], gina_id);
    }
    for object_type in ["LOGICAL_TABLE", "PINBOARD_ANSWER_BOOK", "LOGICAL_COLUMN"] {
        let mine = headers(&app, &gina, &[("type", object_type), ("category", "MY")]).await;
        assert_eq!(mine, listed[object_type].as_array().unwrap().clone());
        let theirs = headers(&app, &sam, &[("type", object_type), ("category", "MY")]).await;
        assert!(theirs.is_empty());
    }
    // Shared read-only with All: a stranger sees (and may search) what was imported.
    assert_eq!(
        names_of(&of_type(&app, &sam, "LOGICAL_TABLE").await),
        names_of(listed["LOGICAL_TABLE"].as_array().unwrap())
    );
    assert_eq!(
        search(&app, &sam, guid::WORKSHEET, "[Revenue]")
            .await
            .status(),
        StatusCode::OK
    );

    // private=true: shared with nobody; the importer and administrators see it.
    let dana = as_user(&app, "dana").await;
    let private = edit(
        &without_guid(&doc(&docs, "Monthly Revenue.answer.tml")),
        "name: Monthly Revenue",
        "name: Dana's Private Answer",
    );
    let entries = import_ok(&app, &dana, &[private], &[("private", "true")]).await;
    let private_id = guid_of(&entries[0]).to_string();
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    assert_eq!(header(&answers, &private_id)["author"], people.id("dana"));
    assert_eq!(
        names_of(&of_type(&app, &dana, "QUESTION_ANSWER_BOOK").await),
        [
            "Dana's Private Answer",
            "Monthly Revenue",
            "Revenue by Region"
        ]
    );
    for other in [&sam, &gina] {
        assert_eq!(
            names_of(&of_type(&app, other, "QUESTION_ANSWER_BOOK").await),
            ["Monthly Revenue", "Revenue by Region"]
        );
        assert_eq!(viz_response(&app, other, &private_id).await.status(), 400);
    }
}

both_stores!(
    the_fixture_imports_with_its_guids_and_reimports_in_place,
    documents_without_a_guid_update_by_name,
    force_create_makes_new_objects,
    import_policies,
    import_objects_arrives_in_every_form,
    who_may_import_and_who_owns_the_result,
);
