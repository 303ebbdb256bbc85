//! The answer cache over HTTP (issue 17): a repeated search or pinboard is answered from the
//! cache while nothing it reads changed, and computed again as soon as something did: a file
//! (even rewritten with its size and modification time kept), the worksheet, a share, or
//! the user asking. Identical searches at the same moment run once. `searchlight/stats`
//! shows the hits and misses.

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::both_stores;
use crate::catalog_helpers::{permission, share};
use crate::data_support::*;
use crate::fixtures::{fixture_app_with, guid};
use crate::helpers::*;

/// The answer cache's `(hits, misses)` since the server started.
async fn counts(app: &TestApp, admin: &Client) -> (u64, u64) {
    let stats = ok_json(app.get(admin, "searchlight/stats").await).await;
    let cache = &stats["answerCache"];
    (
        cache["hits"].as_u64().expect("hits"),
        cache["misses"].as_u64().expect("misses"),
    )
}

/// The region of each `[Revenue] [Region]` row.
fn regions(body: &Value) -> Vec<Value> {
    body["data"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|row| row[0].clone())
        .collect()
}

const BY_REGION: &str = "[Revenue] [Region]";

async fn a_repeated_search_is_answered_until_a_file_changes(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    let first = search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(counts(&app, &admin).await, (0, 1));
    let second = search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(second, first);
    assert_eq!(
        counts(&app, &admin).await,
        (1, 1),
        "the second from the cache"
    );
    // Another page of the same search is another answer.
    let page = search_ok(
        &app,
        &admin,
        &[
            ("query_string", BY_REGION),
            ("data_source_guid", guid::WORKSHEET),
            ("batchsize", "2"),
        ],
    )
    .await;
    assert_eq!(page["data"], json!(first["data"].as_array().unwrap()[..2]));
    assert_eq!(counts(&app, &admin).await, (1, 2));

    // Boston's store moves from East to "Wast": the same size, and the modification time
    // set back. The file's change time (and the answer) is not the same.
    let stores = app.data_dir.join("data/stores.csv");
    let modified = std::fs::metadata(&stores).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&stores).unwrap();
    let changed = text.replace("1,Downtown,Boston,East", "1,Downtown,Boston,Wast");
    assert_eq!(changed.len(), text.len());
    std::fs::write(&stores, &changed).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&stores)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    let after = search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(counts(&app, &admin).await, (1, 3), "a changed file misses");
    assert!(regions(&after).contains(&json!("Wast")), "{after}");
    assert!(!regions(&first).contains(&json!("Wast")));
    let ctx = reference(&app).await;
    let expected = sql(
        &ctx,
        &over_worksheet(
            "SELECT region, SUM(revenue) FROM ws GROUP BY region ORDER BY lower(region) NULLS LAST",
        ),
    )
    .await;
    assert_rows(&after["data"], &expected, "after the change");
    // And the new answer is kept in turn.
    assert_eq!(search_ws(&app, &admin, BY_REGION).await, after);
    assert_eq!(counts(&app, &admin).await, (2, 3));

    // A new file in a table's folder or glob is a change too: the sales table reads one
    // Parquet file, so a removed store file is the simplest "file gone".
    std::fs::remove_file(&stores).unwrap();
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[
            ("query_string", BY_REGION),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "a gone file is never served"
    );
}

async fn a_changed_worksheet_misses(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    let first = search_ws(&app, &admin, BY_REGION).await;
    search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(counts(&app, &admin).await, (1, 1));
    // The same worksheet imported again, its model filter gone: a new version.
    let text = std::fs::read_to_string(app.data_dir.join("Retail Sales.worksheet.tml")).unwrap();
    let edited = text.replace(
        "description: Orders with their store and product; test orders left out.",
        "description: Orders with their store and product, as edited.",
    );
    assert_ne!(edited, text);
    import_ok(&app, &admin, &[edited], &[]).await;
    let after = search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(
        counts(&app, &admin).await,
        (1, 2),
        "a changed worksheet misses"
    );
    assert_eq!(after, first, "the same model answers the same");
}

async fn answers_are_kept_per_user_and_access_is_checked_first(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    // A worksheet only tsadmin can read, until it is shared with alice.
    let private_id = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00c1";
    import_private_worksheet(&app, &admin, private_id).await;
    create_user(&app, &admin, "alice", "alice pw").await;
    let alice = app.logged_in("alice", "alice pw").await;
    let alice_id = user(&app.principals().await, "alice")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let search = [
        ("query_string", BY_REGION),
        ("data_source_guid", private_id),
    ];

    let owner = search_ok(&app, &admin, &search).await;
    assert_eq!(counts(&app, &admin).await, (0, 1));
    let response = share(
        &app,
        &admin,
        "LOGICAL_TABLE",
        &[private_id],
        &permission(&alice_id, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let shared = search_ok(&app, &alice, &search).await;
    assert_eq!(shared, owner);
    assert_eq!(counts(&app, &admin).await, (0, 2), "another user misses");
    search_ok(&app, &alice, &search).await;
    assert_eq!(
        counts(&app, &admin).await,
        (1, 2),
        "then has its own answer"
    );

    // The share taken away: alice's kept answer is not served.
    let response = share(
        &app,
        &admin,
        "LOGICAL_TABLE",
        &[private_id],
        &permission(&alice_id, "NO_ACCESS"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let message = assert_error(
        post_query(&app, &alice, "searchdata", &search).await,
        400,
        10002,
    )
    .await;
    assert_eq!(
        message,
        format!(
            "No worksheet or table with id '{private_id}' exists, or you do not have access to it"
        )
    );
    assert_eq!(counts(&app, &admin).await, (1, 2));
    // The owner still reads its own.
    assert_eq!(search_ok(&app, &admin, &search).await, owner);
    assert_eq!(counts(&app, &admin).await, (2, 2));

    // The statistics are for administrators.
    let response = app.get(&alice, "searchlight/stats").await;
    assert_error(response, 403, 10003).await;
}

const TWINS: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00c2";

async fn a_pinboard_reload_is_answered_from_the_cache(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    let board = [("id", guid::SALES_OVERVIEW)];
    let first = pinboard_ok(&app, &admin, &board).await;
    let vizzes = keys(&first).len() as u64;
    assert!(vizzes >= 4, "{first}");
    let (hits, misses) = counts(&app, &admin).await;
    assert_eq!(hits + misses, vizzes);
    for round in 1..=3 {
        let again = pinboard_ok(&app, &admin, &board).await;
        assert_eq!(again, first, "round {round}");
        assert_eq!(
            counts(&app, &admin).await,
            (hits + round * vizzes, misses),
            "round {round}: every visualization from the cache"
        );
    }
    // A runtime filter is another search.
    let filtered = [
        ("id", guid::SALES_OVERVIEW),
        ("col1", "Region"),
        ("op1", "EQ"),
        ("val1", "West"),
    ];
    let west = pinboard_ok(&app, &admin, &filtered).await;
    assert_ne!(west, first);
    let (_, after) = counts(&app, &admin).await;
    assert!(after > misses, "a runtime filter misses");

    // Two visualizations asking the same thing in one call: computed once.
    let twins = liveboard_tml(
        TWINS,
        "Twins",
        &[
            ("One", "Retail Sales", "[Quantity] [Category]"),
            ("Two", "Retail Sales", "[Quantity] [Category]"),
        ],
    );
    import_ok(&app, &admin, &[twins], &[]).await;
    let before = counts(&app, &admin).await;
    let body = pinboard_ok(&app, &admin, &[("id", TWINS)]).await;
    let ids = keys(&body);
    assert_eq!(body[&ids[0]]["data"], body[&ids[1]]["data"]);
    assert_eq!(
        counts(&app, &admin).await,
        (before.0 + 1, before.1 + 1),
        "one computes, the other takes its answer"
    );
}

async fn identical_searches_at_once_run_once(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    let searches = (0..8).map(|_| search_ws(&app, &admin, "[Revenue] [Product] [Region]"));
    let answers = futures::future::join_all(searches).await;
    for answer in &answers[1..] {
        assert_eq!(answer, &answers[0]);
    }
    assert_eq!(counts(&app, &admin).await, (7, 1));
}

async fn with_the_cache_off_every_search_runs(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |config| config.answer_cache_mb = 0).await;
    let first = search_ws(&app, &admin, BY_REGION).await;
    let second = search_ws(&app, &admin, BY_REGION).await;
    assert_eq!(first, second);
    assert_eq!(counts(&app, &admin).await, (0, 2));
    let stats = ok_json(app.get(&admin, "searchlight/stats").await).await;
    assert_eq!(stats["answerCache"]["bytes"], 0);
    assert_eq!(stats["answerCache"]["limitBytes"], 0);
}

both_stores!(
    a_repeated_search_is_answered_until_a_file_changes,
    a_changed_worksheet_misses,
    answers_are_kept_per_user_and_access_is_checked_first,
    a_pinboard_reload_is_answered_from_the_cache,
    identical_searches_at_once_run_once,
    with_the_cache_off_every_search_runs,
);
