//! Visibility, `security/share` and ownership (issue 3, "What to build" 6–7; API-DECISIONS.md
//! "Metadata" and "Users and groups"): what an administrator, the owner, a member of a group
//! the object is shared with and a stranger may list, export, search and open; who may share;
//! `user/transfer/ownership` on real objects; a user deleted by `user/sync`.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

const UNKNOWN: &str = "00000000-0000-4000-8000-00000000beef";

/// What each of several clients can see: the names per type.
async fn views(app: &TestApp, clients: &[&Client]) -> Vec<BTreeMap<String, Vec<String>>> {
    let mut all = Vec::new();
    for client in clients {
        all.push(visible(app, client).await);
    }
    all
}

fn nothing() -> BTreeMap<String, Vec<String>> {
    OBJECT_TYPES
        .iter()
        .map(|t| (t.to_string(), Vec::new()))
        .collect()
}

/// What `client` may do with the worksheet and the liveboard: (list it, export it, search
/// it, open the liveboard's visualizations).
async fn access(app: &TestApp, client: &Client) -> (bool, bool, bool, bool) {
    let fetch = json!([guid::WORKSHEET]).to_string();
    let listed = !headers(
        app,
        client,
        &[("type", "LOGICAL_TABLE"), ("fetchids", &fetch)],
    )
    .await
    .is_empty();
    let exported = export(app, client, &[("export_ids", guid::WORKSHEET)])
        .await
        .status()
        == StatusCode::OK;
    let searched = search(app, client, guid::WORKSHEET, "[Revenue] [Region]")
        .await
        .status()
        == StatusCode::OK;
    let opened = viz_response(app, client, guid::SALES_OVERVIEW)
        .await
        .status()
        == StatusCode::OK;
    (listed, exported, searched, opened)
}

async fn visibility_and_sharing(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let dana = as_user(&app, "dana").await;
    let gina = as_user(&app, "gina").await;
    let sam = as_user(&app, "sam").await;
    // dana imports the model privately: she owns it, nobody else is given access.
    import_fixture(&app, &dana, &[("private", "true")]).await;
    let everything = visible(&app, &admin).await;
    assert_eq!(everything["LOGICAL_TABLE"].len(), 5);
    assert_eq!(everything["LOGICAL_COLUMN"].len(), FIXTURE_COLUMNS);

    // Administrators and the owner see and may do everything; the others nothing.
    assert_eq!(visible(&app, &dana).await, everything);
    for client in [&admin, &dana] {
        assert_eq!(access(&app, client).await, (true, true, true, true));
    }
    for client in [&gina, &sam] {
        assert_eq!(visible(&app, client).await, nothing());
        assert_eq!(access(&app, client).await, (false, false, false, false));
    }
    let mine = headers(
        &app,
        &dana,
        &[("type", "LOGICAL_TABLE"), ("category", "MY")],
    )
    .await;
    assert_eq!(mine.len(), 5);
    // An invisible worksheet is refused in the same words as one that does not exist.
    let invisible = assert_error(
        search(&app, &sam, guid::WORKSHEET, "[Revenue]").await,
        400,
        10002,
    )
    .await;
    let unknown = assert_error(search(&app, &sam, UNKNOWN, "[Revenue]").await, 400, 10002).await;
    assert_eq!(invisible.replace(guid::WORKSHEET, UNKNOWN), unknown);
    let invisible = assert_error(
        viz_response(&app, &sam, guid::SALES_OVERVIEW).await,
        400,
        10002,
    )
    .await;
    let unknown = assert_error(viz_response(&app, &sam, UNKNOWN).await, 400, 10002).await;
    assert_eq!(invisible.replace(guid::SALES_OVERVIEW, UNKNOWN), unknown);

    // Shared with a group (the documented permission shape): its members see the worksheet,
    // the model and their columns; not the tables, the connection or the rest.
    let analysts = people.id("Analysts");
    let response = share(
        &app,
        &dana,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET, guid::MODEL],
        &permission(analysts, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let seen = visible(&app, &gina).await;
    assert_eq!(seen["LOGICAL_TABLE"], ["Retail Model", "Retail Sales"]);
    assert_eq!(seen["LOGICAL_COLUMN"].len(), 13 + 5);
    for object_type in [
        "QUESTION_ANSWER_BOOK",
        "PINBOARD_ANSWER_BOOK",
        "DATA_SOURCE",
        "TAG",
    ] {
        assert!(seen[object_type].is_empty(), "{object_type}");
    }
    assert_eq!(access(&app, &gina).await, (true, true, true, false));
    let mine = headers(
        &app,
        &gina,
        &[("type", "LOGICAL_TABLE"), ("category", "MY")],
    )
    .await;
    assert!(mine.is_empty(), "shared is not mine");
    assert_eq!(visible(&app, &sam).await, nothing());

    // Shared with a user (the short shape): the liveboard opens, its worksheet stays closed.
    let response = share(
        &app,
        &dana,
        "PINBOARD_ANSWER_BOOK",
        &[guid::SALES_OVERVIEW],
        &json!({ people.id("sam"): "READ_ONLY" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let seen = visible(&app, &sam).await;
    assert_eq!(seen["PINBOARD_ANSWER_BOOK"], ["Sales Overview"]);
    assert!(seen["LOGICAL_TABLE"].is_empty());
    assert_eq!(access(&app, &sam).await, (false, false, false, true));
    assert_eq!(vizzes(&app, &sam, guid::SALES_OVERVIEW).await.len(), 4);
    assert!(visible(&app, &gina).await["PINBOARD_ANSWER_BOOK"].is_empty());

    // MODIFY gives access too; an administrator may share what is not theirs.
    let response = share(
        &app,
        &dana,
        "QUESTION_ANSWER_BOOK",
        &[guid::MONTHLY_REVENUE],
        &json!({"permissions": { analysts: {"shareMode": "MODIFY"} }}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = share(
        &app,
        &admin,
        "PINBOARD_ANSWER_BOOK",
        &[guid::STORE_PERFORMANCE],
        &permission(analysts, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let seen = visible(&app, &gina).await;
    assert_eq!(seen["QUESTION_ANSWER_BOOK"], ["Monthly Revenue"]);
    assert_eq!(seen["PINBOARD_ANSWER_BOOK"], ["Store Performance"]);

    // Refused shares change nothing.
    let before = views(&app, &[&gina, &sam, &dana]).await;
    let sam_id = people.id("sam").to_string();
    let refusals: Vec<(&Client, &str, Vec<&str>, Value, u16)> = vec![
        // Not the owner (gina may read it): 403.
        (
            &gina,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET],
            permission(&sam_id, "READ_ONLY"),
            403,
        ),
        // Cannot even see it: the same 400 as an unknown object.
        (
            &sam,
            "LOGICAL_TABLE",
            vec![guid::MODEL],
            permission(&sam_id, "READ_ONLY"),
            400,
        ),
        // The owner, but one of the objects is not hers to see… or does not exist.
        (
            &dana,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET, UNKNOWN],
            permission(&sam_id, "READ_ONLY"),
            400,
        ),
        // An unknown principal.
        (
            &dana,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET],
            permission(UNKNOWN, "READ_ONLY"),
            400,
        ),
        // An object of another type than `type` says.
        (
            &dana,
            "PINBOARD_ANSWER_BOOK",
            vec![guid::WORKSHEET],
            permission(&sam_id, "READ_ONLY"),
            400,
        ),
        // A share mode that does not exist.
        (
            &dana,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET],
            permission(&sam_id, "OWNER"),
            400,
        ),
        (
            &dana,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET],
            json!({}),
            400,
        ),
        (
            &dana,
            "LOGICAL_TABLE",
            vec![guid::WORKSHEET],
            json!([1]),
            400,
        ),
        (
            &dana,
            "LOGICAL_TABLE",
            vec![],
            permission(&sam_id, "READ_ONLY"),
            400,
        ),
    ];
    for (client, object_type, ids, permission, status) in refusals {
        let response = share(&app, client, object_type, &ids, &permission).await;
        let code = if status == 403 { 10003 } else { 10002 };
        assert_error(response, status, code).await;
    }
    let response = app
        .post_form(
            &dana,
            "security/share",
            &[
                ("type", "LOGICAL_TABLE"),
                ("id", guid::WORKSHEET),
                ("permission", "{not json"),
            ],
        )
        .await;
    assert_error(response, 400, 10002).await;
    let response = app
        .post_form(
            &dana,
            "security/share",
            &[("type", "LOGICAL_TABLE"), ("id", guid::WORKSHEET)],
        )
        .await;
    assert_error(response, 400, 10002).await;
    assert_eq!(views(&app, &[&gina, &sam, &dana]).await, before);

    // NO_ACCESS takes access away again.
    let response = share(
        &app,
        &dana,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(analysts, "NO_ACCESS"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let seen = visible(&app, &gina).await;
    assert_eq!(seen["LOGICAL_TABLE"], ["Retail Model"]);
    assert_eq!(seen["LOGICAL_COLUMN"].len(), 5);
    let (listed, exported, searched, _) = access(&app, &gina).await;
    assert!(!listed && !exported && !searched);
    let response = share(
        &app,
        &dana,
        "PINBOARD_ANSWER_BOOK",
        &[guid::SALES_OVERVIEW],
        &json!({ sam_id.clone(): "NO_ACCESS" }),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(visible(&app, &sam).await, nothing());

    // Shared with All: everyone sees it.
    let response = share(
        &app,
        &dana,
        "DATA_SOURCE",
        &[guid::CONNECTION],
        &permission(ALL_ID, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_eq!(visible(&app, &sam).await["DATA_SOURCE"], ["Retail Files"]);
}

/// A data manager who does not own an object may change it by import only when it is
/// shared with MODIFY (or as an administrator); the owner stays.
async fn modify_shares_allow_re_import(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let dana = as_user(&app, "dana").await;
    let dora = as_user(&app, "dora").await;
    let docs = install(&app);
    import_ok(&app, &dana, &all_docs(&docs), &[]).await;
    let worksheet = |text: &str| {
        edit(
            &doc(&docs, "Retail Sales.worksheet.tml"),
            "description: Orders with their store and product; test orders left out.",
            &format!("description: {text}"),
        )
    };

    // dora may read it (shared with All) but not change it.
    let before = snapshot(&app, &admin).await;
    let entries = import_entries(&app, &dora, &[worksheet("by dora")], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR", "{:?}", entries[0]);
    let message = message_of(&entries[0]);
    assert!(message.contains("import_objects[0]"), "{message}");
    assert_eq!(snapshot(&app, &admin).await, before);
    // Nor by name, without the GUID: that would overwrite dana's object just the same.
    let entries = import_entries(&app, &dora, &[without_guid(&worksheet("by dora"))], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR", "{:?}", entries[0]);
    assert!(
        message_of(&entries[0]).contains("MODIFY"),
        "{}",
        message_of(&entries[0])
    );
    assert_eq!(snapshot(&app, &admin).await, before);
    // force_create makes her a copy of her own.
    let entries = import_ok(
        &app,
        &dora,
        &[worksheet("dora's copy")],
        &[("force_create", "true")],
    )
    .await;
    let copy = guid_of(&entries[0]).to_string();
    assert_ne!(copy, guid::WORKSHEET);
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    assert_eq!(
        header(&tables, guid::WORKSHEET),
        header(before["LOGICAL_TABLE"].as_array().unwrap(), guid::WORKSHEET)
    );
    assert_eq!(header(&tables, &copy)["author"], people.id("dora"));

    // READ_ONLY changes nothing; MODIFY lets her update it in place; dana still owns it.
    let response = share(
        &app,
        &dana,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(people.id("dora"), "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let entries = import_entries(&app, &dora, &[worksheet("by dora")], &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    let response = share(
        &app,
        &dana,
        "LOGICAL_TABLE",
        &[guid::WORKSHEET],
        &permission(people.id("Data Team"), "MODIFY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let entries = import_ok(&app, &dora, &[worksheet("by dora")], &[]).await;
    assert_eq!(guid_of(&entries[0]), guid::WORKSHEET);
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    let ws = header(&tables, guid::WORKSHEET);
    assert_eq!(ws["description"], "by dora");
    assert_eq!(ws["author"], people.id("dana"));
    assert_eq!(ws["modifiedBy"], people.id("dora"));

    // An administrator may change anything.
    let entries = import_ok(&app, &admin, &[worksheet("by the admin")], &[]).await;
    assert_eq!(guid_of(&entries[0]), guid::WORKSHEET);

    // References see only what the importer may read: a private worksheet of dana's is
    // unknown to dora's answer.
    let private = edit(
        &without_guid(&doc(&docs, "Retail Sales.worksheet.tml")),
        "name: Retail Sales",
        "name: Dana Secret",
    );
    import_ok(&app, &dana, &[private], &[("private", "true")]).await;
    // (A new answer's name: under the fixture's name it would update dana's answer, which
    // dora may not.)
    let answer = edit(
        &edit(
            &without_guid(&doc(&docs, "Revenue by Region.answer.tml")),
            "- id: Retail Sales\n    name: Retail Sales",
            "- id: Dana Secret\n    name: Dana Secret",
        ),
        "  name: Revenue by Region",
        "  name: Secret Revenue by Region",
    );
    let entries = import_entries(&app, &dora, std::slice::from_ref(&answer), &[]).await;
    assert_eq!(status_of(&entries[0]), "ERROR");
    assert!(
        message_of(&entries[0]).contains("no worksheet or table named 'Dana Secret'"),
        "{}",
        message_of(&entries[0])
    );
    import_ok(&app, &dana, &[answer], &[]).await;
}

async fn ownership_moves_with_transfer_and_sync(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let dana = as_user(&app, "dana").await;
    let olga = as_user(&app, "olga").await;
    import_fixture(&app, &dana, &[("private", "true")]).await;
    let owners = |snapshot: &Value| -> BTreeMap<String, (String, String, String)> {
        let mut owners = BTreeMap::new();
        for object_type in OBJECT_TYPES {
            for h in snapshot[object_type].as_array().unwrap() {
                assert_eq!(h["author"], h["owner"], "{h}");
                owners.insert(
                    h["id"].as_str().unwrap().to_string(),
                    (
                        h["name"].as_str().unwrap().to_string(),
                        h["owner"].as_str().unwrap().to_string(),
                        h["authorName"].as_str().unwrap().to_string(),
                    ),
                );
            }
        }
        owners
    };
    let owned_by = |snapshot: &Value, user: &str| -> usize {
        owners(snapshot)
            .values()
            .filter(|(_, owner, _)| owner == user)
            .count()
    };
    let total = 10 + FIXTURE_COLUMNS;
    assert_eq!(
        owned_by(&snapshot(&app, &admin).await, people.id("dana")),
        total
    );

    // Everything of dana's to olga (the query string, as the docs send it).
    let transfer = |query: String| {
        let (app, admin) = (&app, admin.clone());
        async move { transfer_as(app, &admin, &query).await }
    };
    let response = transfer("fromUserName=dana&toUserName=olga".into()).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let after = snapshot(&app, &admin).await;
    assert_eq!(owned_by(&after, people.id("olga")), total);
    for (name, _, author_name) in owners(&after).values() {
        assert_eq!(author_name, "olga", "{name}");
    }
    for viz in vizzes(&app, &admin, guid::SALES_OVERVIEW).await {
        assert_eq!(viz["author"], people.id("olga"));
    }
    for object_type in OBJECT_TYPES {
        let mine = headers(&app, &dana, &[("type", object_type), ("category", "MY")]).await;
        assert!(mine.is_empty(), "dana owns no {object_type} any more");
    }
    let mine = headers(
        &app,
        &olga,
        &[("type", "LOGICAL_TABLE"), ("category", "MY")],
    )
    .await;
    assert_eq!(mine.len(), 5);
    // The objects were private: dana lost them, olga has them.
    assert_eq!(visible(&app, &dana).await, nothing());
    assert_eq!(visible(&app, &olga).await, visible(&app, &admin).await);
    assert_eq!(
        search(&app, &olga, guid::WORKSHEET, "[Revenue] [Region]")
            .await
            .status(),
        StatusCode::OK
    );

    // Only some objects: objectsID (a JSON array) and objectid (the PyPI client's name,
    // here unquoted); a worksheet's columns go with it.
    let ids = json!([guid::WORKSHEET, guid::SALES_OVERVIEW]).to_string();
    let response = transfer(format!(
        "fromUserName=olga&toUserName=dana&objectsID={}",
        urlencode(&ids)
    ))
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = transfer(format!(
        "fromUserName=olga&toUserName=dana&objectid={}",
        urlencode(&format!("[{}]", guid::MODEL))
    ))
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let danas = |object_type: &'static str| {
        let app = &app;
        let dana = dana.clone();
        async move { names_of(&headers(app, &dana, &[("type", object_type), ("category", "MY")]).await) }
    };
    assert_eq!(
        danas("LOGICAL_TABLE").await,
        ["Retail Model", "Retail Sales"]
    );
    assert_eq!(danas("PINBOARD_ANSWER_BOOK").await, ["Sales Overview"]);
    assert_eq!(danas("LOGICAL_COLUMN").await.len(), 13 + 5);
    assert!(danas("QUESTION_ANSWER_BOOK").await.is_empty());
    let after = snapshot(&app, &admin).await;
    assert_eq!(owned_by(&after, people.id("dana")), 3 + 13 + 5);
    assert_eq!(owned_by(&after, people.id("olga")), total - (3 + 13 + 5));

    // Refused transfers change nothing.
    for query in [
        // The worksheet is dana's now, not olga's.
        format!(
            "fromUserName=olga&toUserName=dana&objectsID={}",
            urlencode(&json!([guid::WORKSHEET]).to_string())
        ),
        format!(
            "fromUserName=olga&toUserName=dana&objectsID={}",
            urlencode(&json!([UNKNOWN]).to_string())
        ),
        "fromUserName=nobody&toUserName=dana".to_string(),
        "fromUserName=olga&toUserName=tsadmin".to_string(),
        "fromUserName=tsadmin&toUserName=olga".to_string(),
        "fromUserName=olga".to_string(),
    ] {
        assert_error(transfer(query.clone()).await, 400, 10002).await;
        assert_eq!(snapshot(&app, &admin).await, after, "{query}");
    }
    let response = transfer_as(&app, &dana, "fromUserName=olga&toUserName=dana").await;
    assert_error(response, 403, 10003).await;
    assert_eq!(snapshot(&app, &admin).await, after);

    // dana deleted by user/sync: her objects go to tsadmin; olga keeps hers.
    let mut principals = people_json();
    principals
        .as_array_mut()
        .unwrap()
        .retain(|p| p["name"] != "dana");
    let report = sync_ok(&app, &admin, &principals, true, true, None).await;
    assert_eq!(report["usersDeleted"], json!(["dana"]));
    let after_sync = snapshot(&app, &admin).await;
    assert_eq!(owned_by(&after_sync, ADMIN_ID), 3 + 13 + 5);
    assert_eq!(
        owned_by(&after_sync, people.id("olga")),
        total - (3 + 13 + 5)
    );
    let tables = after_sync["LOGICAL_TABLE"].as_array().unwrap();
    assert_eq!(header(tables, guid::WORKSHEET)["authorName"], "tsadmin");
    assert_eq!(header(tables, guid::SALES)["authorName"], "olga");
    assert_eq!(
        vizzes(&app, &admin, guid::SALES_OVERVIEW).await[0]["author"],
        ADMIN_ID
    );
}

/// The types a user's pages are checked on: every kind of top-level object.
const TOP_LEVEL_TYPES: [&str; 5] = [
    "QUESTION_ANSWER_BOOK",
    "PINBOARD_ANSWER_BOOK",
    "LOGICAL_TABLE",
    "DATA_SOURCE",
    "TAG",
];

/// A listing's parameters (as the viewer sends them) and the ids it may show.
type Listing<'a> = (Vec<(&'a str, &'a str)>, &'a BTreeSet<&'a str>);

/// Asserts that `viewer`'s listings of every top-level type, paged two headers at a time,
/// in every sort and both directions, and with a pattern, a tag, a subtype and category
/// MY, are the administrator's listing with the same parameters cut to the ids `visible`
/// (to `owned` for category MY; tags are everyone's): same order, nothing twice, nothing
/// missing.
async fn assert_pages_are_the_visible_part(
    app: &TestApp,
    admin: &Client,
    viewer: &Client,
    visible: &BTreeSet<&str>,
    owned: &BTreeSet<&str>,
    step: &str,
) {
    for object_type in TOP_LEVEL_TYPES {
        let mut listings: Vec<Listing> = Vec::new();
        for sort in ["NAME", "DISPLAY_NAME", "AUTHOR", "CREATED", "MODIFIED"] {
            for ascending in ["true", "false"] {
                listings.push((vec![("sort", sort), ("sortascending", ascending)], visible));
            }
        }
        listings.push((vec![("pattern", "%re%"), ("sort", "MODIFIED")], visible));
        listings.push((vec![("tagname", "[\"Finance\"]")], visible));
        listings.push((vec![("category", "MY"), ("sortascending", "false")], owned));
        if object_type == "LOGICAL_TABLE" {
            listings.push((vec![("subtypes", "[\"WORKSHEET\"]")], visible));
        }
        for (params, allowed) in listings {
            let mut query = vec![("type", object_type)];
            query.extend(params.iter().copied());
            // The administrator's own objects are not the viewer's: MY is compared with
            // the whole listing cut to what the viewer owns.
            let admin_query: Vec<(&str, &str)> = query
                .iter()
                .copied()
                .filter(|(name, _)| *name != "category")
                .collect();
            let expected: Vec<String> = ids_of(&headers(app, admin, &admin_query).await)
                .into_iter()
                .filter(|id| {
                    allowed.contains(id.as_str())
                        // Everyone sees every tag.
                        || (object_type == "TAG" && !params.contains(&("category", "MY")))
                })
                .collect();
            let mut paged: Vec<String> = Vec::new();
            for offset in (0..).step_by(2) {
                let offset = offset.to_string();
                let mut page_query = query.clone();
                page_query.extend([("offset", offset.as_str()), ("batchsize", "2")]);
                let page = ids_of(&headers(app, viewer, &page_query).await);
                let last = page.len() < 2;
                paged.extend(page);
                if last {
                    break;
                }
            }
            assert_eq!(paged, expected, "{step}: {query:?}");
        }
    }
}

/// A user's listings stay exactly what they may see, in order and once each, through
/// shares (also one object reached through the user, a group and All at once), unshares,
/// a transfer, a rename and the owner's deletion.
async fn a_users_pages_follow_every_change_to_what_they_may_see(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let dora = as_user(&app, "dora").await;
    let dana = as_user(&app, "dana").await;
    let docs = install(&app);
    import_ok(&app, &dora, &all_docs(&docs), &[("private", "true")]).await;
    assign_tag(&app, &admin, &[guid::WORKSHEET, guid::SALES], &["Finance"]).await;
    let mut visible: BTreeSet<&str> = BTreeSet::new();
    let mut owned: BTreeSet<&str> = BTreeSet::new();
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "private").await;

    let data_team = people.id("Data Team");
    let dana_id = people.id("dana");
    let shares: [(&str, &str, Value); 6] = [
        (
            "LOGICAL_TABLE",
            guid::WORKSHEET,
            permission(data_team, "READ_ONLY"),
        ),
        (
            "LOGICAL_TABLE",
            guid::WORKSHEET,
            permission(dana_id, "MODIFY"),
        ),
        (
            "LOGICAL_TABLE",
            guid::WORKSHEET,
            permission(ALL_ID, "READ_ONLY"),
        ),
        (
            "LOGICAL_TABLE",
            guid::MODEL,
            permission(data_team, "READ_ONLY"),
        ),
        (
            "QUESTION_ANSWER_BOOK",
            guid::MONTHLY_REVENUE,
            permission(ALL_ID, "READ_ONLY"),
        ),
        (
            "PINBOARD_ANSWER_BOOK",
            guid::SALES_OVERVIEW,
            permission(dana_id, "READ_ONLY"),
        ),
    ];
    for (object_type, id, permission) in &shares {
        let response = share(&app, &dora, object_type, &[*id], permission).await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        visible.insert(*id);
    }
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "shared").await;

    let ids = urlencode(&json!([guid::REVENUE_BY_REGION]).to_string());
    let response = transfer_as(
        &app,
        &admin,
        &format!("fromUserName=dora&toUserName=dana&objectsID={ids}"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    visible.insert(guid::REVENUE_BY_REGION);
    owned.insert(guid::REVENUE_BY_REGION);
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "transferred").await;

    // Renamed by a re-import: it moves in the name order (and is modified later).
    tick().await;
    let renamed = edit(
        &doc(&docs, "Retail Sales.worksheet.tml"),
        "name: Retail Sales",
        "name: Aardvark Sales",
    );
    import_ok(&app, &dora, &[renamed], &[]).await;
    let first = headers(
        &app,
        &dana,
        &[("type", "LOGICAL_TABLE"), ("batchsize", "1")],
    )
    .await;
    assert_eq!(names_of(&first), ["Aardvark Sales"]);
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "renamed").await;

    // Unshared: the model goes; the worksheet stays (shared with dana herself too).
    for (id, principal) in [
        (guid::MODEL, data_team),
        (guid::WORKSHEET, data_team),
        (guid::WORKSHEET, ALL_ID),
    ] {
        let response = share(
            &app,
            &dora,
            "LOGICAL_TABLE",
            &[id],
            &permission(principal, "NO_ACCESS"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    visible.remove(guid::MODEL);
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "unshared").await;

    // dora deleted by user/sync: tsadmin inherits her objects, dana keeps her shares.
    let mut principals = people_json();
    principals
        .as_array_mut()
        .unwrap()
        .retain(|p| p["name"] != "dora");
    sync_ok(&app, &admin, &principals, true, true, None).await;
    let worksheet = headers(
        &app,
        &dana,
        &[
            ("type", "LOGICAL_TABLE"),
            ("fetchids", &json!([guid::WORKSHEET]).to_string()),
        ],
    )
    .await;
    assert_eq!(worksheet[0]["authorName"], "tsadmin");
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &owned, "owner deleted").await;
}

/// A store made before `object_readers` existed gets the table filled from its owners and
/// shares when a new server migrates it: a user's pages are right at once.
async fn a_store_from_before_the_readers_table_lists_right_after_the_upgrade(store: StoreKind) {
    let old = spawn_app(store).await;
    let admin = old.admin().await;
    let people = people(&old, &admin).await;
    let dora = as_user(&old, "dora").await;
    import_fixture(&old, &dora, &[("private", "true")]).await;
    let shares = [
        (guid::WORKSHEET, people.id("Data Team")),
        (guid::MODEL, people.id("dana")),
        (guid::MONTHLY_REVENUE, ALL_ID),
    ];
    for (id, principal) in shares {
        let object_type = if id == guid::MONTHLY_REVENUE {
            "QUESTION_ANSWER_BOOK"
        } else {
            "LOGICAL_TABLE"
        };
        let response = share(
            &old,
            &dora,
            object_type,
            &[id],
            &permission(principal, "READ_ONLY"),
        )
        .await;
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    // Back to the schema of the previous release: no table, migration 5 not applied.
    let raw = searchlight_store::SqlStore::connect(&old.database_url)
        .await
        .unwrap();
    for statement in [
        "DROP TABLE object_readers",
        "DELETE FROM _sqlx_migrations WHERE version = 5",
    ] {
        sqlx::query(statement).execute(raw.pool()).await.unwrap();
    }
    raw.close().await;

    let url = old.database_url.clone();
    let app = spawn_app_with(store, |c| c.database_url = Some(url)).await;
    let admin = app.admin().await;
    let dana = as_user(&app, "dana").await;
    let visible: BTreeSet<&str> = shares.iter().map(|(id, _)| *id).collect();
    assert_pages_are_the_visible_part(&app, &admin, &dana, &visible, &BTreeSet::new(), "upgraded")
        .await;
    let dora = as_user(&app, "dora").await;
    assert_eq!(
        headers(&app, &dora, &[("type", "LOGICAL_TABLE")])
            .await
            .len(),
        5,
        "the owner sees her own objects"
    );
}

/// `user/transfer/ownership?QUERY` as `client` (the query string as clients send it).
async fn transfer_as(app: &TestApp, client: &Client, query: &str) -> reqwest::Response {
    client
        .post(format!("{}?{query}", app.url("user/transfer/ownership")))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap()
}

/// Percent-encodes a query value.
fn urlencode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

both_stores!(
    visibility_and_sharing,
    modify_shares_allow_re_import,
    ownership_moves_with_transfer_and_sync,
    a_users_pages_follow_every_change_to_what_they_may_see,
    a_store_from_before_the_readers_table_lists_right_after_the_upgrade,
);
