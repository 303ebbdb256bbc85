//! Bounded search work over HTTP (issue 13): the search text's length, "did you mean" on a
//! long unknown name, duplicated `vizid`s, the memory pool shared by searches, and turns to
//! search (a bounded queue, then 503 with `Retry-After`).

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;

use crate::both_stores;
use crate::data_support::*;
use crate::fixtures::{fixture_app_with, guid};
use crate::helpers::*;

const TWICE: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00b1";

async fn a_megabyte_query_string_is_a_400_at_once(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    // A valid search, a megabyte long (sent as multipart, within the 1 MiB body limit).
    let query = "[Revenue] ".repeat(100_000);
    assert_eq!(query.len(), 1_000_000);
    let started = Instant::now();
    let response = app
        .post_multipart(
            &admin,
            "searchdata",
            &[
                ("query_string", query.as_str()),
                ("data_source_guid", guid::WORKSHEET),
            ],
        )
        .await;
    let message = assert_error(response, 400, 10002).await;
    let elapsed = started.elapsed();
    assert_eq!(
        message,
        "The search is 1000000 characters long, and a search may have at most 10000: shorten it, or split it into several searches"
    );
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    // A search of the longest length still runs.
    let longest = format!("{}[Revenue]", " ".repeat(10_000 - 9));
    let response = app
        .post_form(
            &admin,
            "searchdata",
            &[
                ("query_string", longest.as_str()),
                ("data_source_guid", guid::WORKSHEET),
            ],
        )
        .await;
    let body = ok_json(response).await;
    assert_eq!(body["columnNames"], json!(["Total Revenue"]));

    // The limits are settings.
    let (app, admin) = fixture_app_with(store, |config| {
        config.max_query_length = 20;
        config.max_query_tokens = 3;
    })
    .await;
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[
            ("query_string", "[Revenue] [Region] [Quantity]"),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("at most 20"), "{message}");
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[
            ("query_string", "[a],[b],[c]"),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("more than 3 parts"), "{message}");
    let body = search_ws(&app, &admin, "[Revenue] [Region]").await;
    assert_eq!(body["rowCount"], 4);
}

async fn an_unknown_long_column_is_a_400_within_a_bound(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    let name = "z".repeat(1_000);
    let query = format!("[Revenue] [{name}]");
    let started = Instant::now();
    let response = app
        .post_form(
            &admin,
            "searchdata",
            &[
                ("query_string", query.as_str()),
                ("data_source_guid", guid::WORKSHEET),
            ],
        )
        .await;
    let message = assert_error(response, 400, 10002).await;
    let elapsed = started.elapsed();
    assert!(
        message.starts_with("Search did not find \"zzzz") && !message.contains("Did you mean"),
        "{message:.200}"
    );
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");
    // A typo still gets its suggestion.
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[
            ("query_string", "[Revenu]"),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("Did you mean: Revenue"), "{message}");
}

async fn duplicated_vizids_are_answered_once(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    // A visualization that takes a while: 8,000² joined rows.
    let rows = 8_000;
    let mut documents = slow_model(&app, "twice", rows);
    documents.push(liveboard_tml(
        TWICE,
        "Twice",
        &[
            ("Slow", "twice Slow", "[Slow A] [Slow B]"),
            ("Fast", "Retail Sales", "[Revenue] [Region]"),
        ],
    ));
    import_ok(&app, &admin, &documents, &[]).await;
    let ids = viz_ids(&app, &admin, TWICE).await;
    let (slow, fast) = (ids[0].as_str(), ids[1].as_str());
    let expected = slow_answer(rows as i64);

    let started = Instant::now();
    let once = pinboard_ok(&app, &admin, &[("id", TWICE), ("vizid", slow)]).await;
    let one_run = started.elapsed();
    assert_rows(&once[slow]["data"], &expected, "asked once");

    // Forty times, and the fast one twice among them: each is answered once, where it first
    // appears, and the call takes about as long as one run (not forty).
    let mut repeated = vec![slow; 40];
    repeated.insert(1, fast);
    repeated.push(fast);
    let list = serde_json::to_string(&repeated).unwrap();
    let started = Instant::now();
    let body = pinboard_ok(&app, &admin, &[("id", TWICE), ("vizid", list.as_str())]).await;
    let elapsed = started.elapsed();
    assert_eq!(keys(&body), [slow, fast]);
    for id in [slow, fast] {
        assert!(body[id].get("error").is_none(), "{}", brief(&body[id]));
    }
    assert_rows(&body[slow]["data"], &expected, "asked forty times");
    assert_eq!(body[fast]["rowCount"], 4);
    assert!(
        elapsed < one_run * 4 + Duration::from_secs(5),
        "forty copies of one visualization took {elapsed:?} where one took {one_run:?}: they ran more than once"
    );
}

async fn a_search_over_the_memory_limit_is_a_400_naming_it_and_the_server_lives(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |config| config.query_memory_limit_mb = 1).await;
    // 300,000 distinct ids: grouping and sorting them needs several megabytes.
    let mut csv = String::from("id,amount\n");
    for i in 0..300_000 {
        csv.push_str(&format!("{i},{}.5\n", i % 100));
    }
    std::fs::write(app.data_dir.join("data/many_ids.csv"), csv).unwrap();
    let table = table_tml(
        "many ids",
        "many_ids.csv",
        &[
            ("Id", "id", "INT64", "ATTRIBUTE"),
            ("Amount", "amount", "DOUBLE", "MEASURE"),
        ],
        "",
    );
    let ids = import_ok(&app, &admin, &[table], &[]).await;
    let search = [
        ("query_string", "[Id] [Amount]"),
        ("data_source_guid", ids[0].as_str()),
    ];
    for round in 1..=2 {
        let response = post_query(&app, &admin, "searchdata", &search).await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains("The search on 'many ids' needed more memory")
                && message.contains("(1 MB for all the searches running at once)"),
            "round {round}: {message}"
        );
    }
    // The server lives and answers.
    let health = client()
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz answers");
    assert_eq!(health.status(), StatusCode::OK);
    let response = app.get(&admin, "user/list").await;
    assert_eq!(response.status(), StatusCode::OK);
}

async fn searches_beyond_the_turns_and_the_queue_are_503s_with_retry_after(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |config| {
        config.max_concurrent_searches = 1;
        config.max_queued_searches = 0;
        config.query_timeout_secs = 2;
    })
    .await;
    // 16,000² joined rows: the search that gets the turn holds it until the timeout.
    let documents = slow_model(&app, "crowd", 16_000);
    let ids = import_ok(&app, &admin, &documents, &[]).await;
    let worksheet = ids[2].clone();
    let requests: Vec<_> = (0..6)
        .map(|_| {
            let client = admin.clone();
            let url = app.url("searchdata");
            let worksheet = worksheet.clone();
            tokio::spawn(async move {
                client
                    .post(url)
                    .header("X-Requested-By", "ThoughtSpot")
                    .query(&[
                        ("query_string", "[Slow A] [Slow B]"),
                        ("data_source_guid", worksheet.as_str()),
                    ])
                    .send()
                    .await
                    .expect("request sent")
            })
        })
        .collect();
    let mut overloaded = 0;
    for request in requests {
        let response = request.await.expect("request task");
        match response.status().as_u16() {
            503 => {
                overloaded += 1;
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|value| value.to_str().ok())
                    .and_then(|value| value.parse::<u64>().ok());
                assert!(
                    retry_after.is_some_and(|seconds| seconds >= 1),
                    "Retry-After in {:?}",
                    response.headers()
                );
                let message = assert_error(response, 503, 10000).await;
                assert!(
                    message.contains("too busy to run more searches"),
                    "{message}"
                );
            }
            // The search that got the turn, cut off by the timeout.
            400 => {
                let message = assert_error(response, 400, 10002).await;
                assert!(message.contains("took longer than 2 s"), "{message}");
            }
            200 => {}
            other => panic!(
                "status {other}: {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    assert!(overloaded >= 1, "six searches at once, one turn, no queue");

    // Afterwards, searches answer; a pinboard runs its visualizations one at a time.
    let body = search_ws(&app, &admin, "[Revenue] [Region]").await;
    assert_eq!(body["rowCount"], 4);
    let body = pinboard_ok(&app, &admin, &[("id", guid::SALES_OVERVIEW)]).await;
    let entries = body.as_object().expect("an object");
    assert_eq!(entries.len(), 4);
    for (id, entry) in entries {
        assert!(entry.get("error").is_none(), "{id}: {}", brief(entry));
    }
}

/// Damages the fixture worksheet's stored definition behind the server's back.
async fn damage_worksheet_definition(app: &TestApp) {
    let sql = format!(
        "UPDATE metadata_objects SET definition = '{{\"damaged\": true}}' WHERE id = '{}'",
        guid::WORKSHEET
    );
    match app.store {
        StoreKind::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.database_url)
                .await
                .expect("the SQLite store");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .expect("damage the definition");
            pool.close().await;
        }
        StoreKind::Postgres => {
            let pool = sqlx::PgPool::connect(&app.database_url)
                .await
                .expect("the PostgreSQL store");
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&pool)
                .await
                .expect("damage the definition");
            pool.close().await;
        }
    }
}

async fn a_fault_resolving_a_visualization_source_stays_a_fault(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |_| {}).await;
    damage_worksheet_definition(&app).await;
    // Every visualization of Sales Overview searches the damaged worksheet: a fault of the
    // server, not of the caller, whose details stay in the log.
    let body = pinboard_ok(&app, &admin, &[("id", guid::SALES_OVERVIEW)]).await;
    let entries = body.as_object().expect("an object");
    assert_eq!(entries.len(), 4);
    for (id, entry) in entries {
        let error = entry["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: an error in {}", brief(entry)));
        assert_eq!(
            error,
            "Internal error: this visualization could not be computed; the server log has the details",
            "{id}"
        );
    }
}

both_stores!(
    a_megabyte_query_string_is_a_400_at_once,
    an_unknown_long_column_is_a_400_within_a_bound,
    duplicated_vizids_are_answered_once,
    a_search_over_the_memory_limit_is_a_400_naming_it_and_the_server_lives,
    searches_beyond_the_turns_and_the_queue_are_503s_with_retry_after,
    a_fault_resolving_a_visualization_source_stays_a_fault,
);
