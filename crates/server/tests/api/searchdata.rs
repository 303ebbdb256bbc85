//! `POST searchdata` over HTTP against the fixture model: where parameters may come from,
//! the COMPACT and FULL shapes, values, paging, the row cap, the timeout, errors, visibility
//! and the search semantics a caller sees (model filters, synonyms, progressive joins,
//! relative dates). Expected answers are computed with plain DataFusion SQL over the same
//! files ([`crate::data_support`]), never by the server.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::both_stores;
use crate::data_support::*;
use crate::fixtures::{fixture_app, fixture_app_with, guid};
use crate::helpers::*;

const REVENUE_BY_REGION_SQL: &str = "SELECT region, SUM(revenue) FROM ws GROUP BY region \
     ORDER BY lower(region) NULLS LAST";

async fn parameters_come_from_the_query_string_or_the_body(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let ctx = reference(&app).await;
    let expected = sql(&ctx, &over_worksheet(REVENUE_BY_REGION_SQL)).await;
    let check = |body: &Value, how: &str| {
        assert_eq!(
            body["columnNames"],
            json!(["Region", "Total Revenue"]),
            "{how}"
        );
        assert_rows(&body["data"], &expected, how);
        assert_eq!(body["totalRowCount"], 4, "{how}");
    };
    let search = [
        ("query_string", "[Revenue] [Region]"),
        ("data_source_guid", guid::WORKSHEET),
    ];

    // The PyPI client: everything in the query string, the paging defaults sent together,
    // an empty body.
    let mut pypi = search.to_vec();
    pypi.extend([
        ("batchsize", "-1"),
        ("pagenumber", "-1"),
        ("offset", "-1"),
        ("formattype", "COMPACT"),
    ]);
    check(&search_ok(&app, &admin, &pypi).await, "query string");

    // An urlencoded body.
    let body = ok_json(app.post_form(&admin, "searchdata", &search).await).await;
    check(&body, "urlencoded body");

    // A multipart body.
    let body = ok_json(app.post_multipart(&admin, "searchdata", &search).await).await;
    check(&body, "multipart body");

    // Query string and body together: the body wins for a name given in both.
    let response = admin
        .post(app.url("searchdata"))
        .header("X-Requested-By", "ThoughtSpot")
        .query(&[
            ("query_string", "[Quantity]"),
            ("data_source_guid", guid::WORKSHEET),
        ])
        .form(&[("query_string", "[Revenue] [Region]")])
        .send()
        .await
        .unwrap();
    check(&ok_json(response).await, "body wins over the query string");

    // cs_tools: the search in the query string, FULL, plus a form body of its own.
    let response = admin
        .post(app.url("searchdata"))
        .header("X-Requested-By", "ThoughtSpot")
        .query(&[
            ("query_string", "[Revenue] [Region]"),
            ("data_source_guid", guid::WORKSHEET),
            ("batchsize", "-1"),
            ("pagenumber", "-1"),
            ("offset", "0"),
            ("formattype", "FULL"),
        ])
        .form(&[("include_column_details", "true")])
        .send()
        .await
        .unwrap();
    let body = ok_json(response).await;
    assert_eq!(body["columnNames"], json!(["Region", "Total Revenue"]));
    assert_eq!(body["rowCount"], 4);
    assert_eq!(body["data"][0]["Region"], expected[0][0], "{body}");

    // `+` is a space in a query string, and an application/json content type with an
    // empty body is ignored.
    let url = format!(
        "{}?query_string=%5BRevenue%5D+%5BRegion%5D&data_source_guid={}",
        app.url("searchdata"),
        guid::WORKSHEET
    );
    let response = admin
        .post(url)
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/json")
        .send()
        .await
        .unwrap();
    check(&ok_json(response).await, "+ as a space, empty JSON body");
}

async fn data_source_guid_is_a_guid_or_a_one_element_list(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let quoted = format!("[\"{}\"]", guid::WORKSHEET);
    let single = format!("['{}']", guid::WORKSHEET);
    let bare_list = format!("[{}]", guid::WORKSHEET);
    let json_string = format!("\"{}\"", guid::WORKSHEET);
    for spelling in [
        guid::WORKSHEET,
        quoted.as_str(),
        single.as_str(),
        bare_list.as_str(),
        json_string.as_str(),
    ] {
        let body = search_ok(
            &app,
            &admin,
            &[
                ("query_string", "[Revenue]"),
                ("data_source_guid", spelling),
            ],
        )
        .await;
        assert_eq!(body["columnNames"], json!(["Total Revenue"]), "{spelling}");
        assert_eq!(body["rowCount"], 1, "{spelling}");
    }

    let two = format!("[\"{}\", \"{}\"]", guid::WORKSHEET, guid::MODEL);
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[("query_string", "[Revenue]"), ("data_source_guid", &two)],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("data_source_guid"), "{message}");
    assert!(message.contains(guid::MODEL), "{message}");

    for missing in ["", "[]"] {
        let response = post_query(
            &app,
            &admin,
            "searchdata",
            &[("query_string", "[Revenue]"), ("data_source_guid", missing)],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains("data_source_guid"),
            "{missing:?}: {message}"
        );
    }
    let response = post_query(&app, &admin, "searchdata", &[("query_string", "[Revenue]")]).await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("data_source_guid"), "{message}");
}

async fn compact_and_full_shapes(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let search = [
        ("query_string", "[Revenue] [Quantity] [Category]"),
        ("data_source_guid", guid::WORKSHEET),
    ];
    let compact = search_ok(&app, &admin, &search).await;
    let shape = [
        "columnNames",
        "data",
        "samplingRatio",
        "totalRowCount",
        "rowCount",
        "pageSize",
        "offset",
    ];
    assert_eq!(keys(&compact), shape, "COMPACT keys in order: {compact}");
    assert_eq!(compact["samplingRatio"], 1);
    assert_eq!(
        compact["columnNames"],
        json!(["Category", "Total Revenue", "Total Quantity"])
    );
    let ctx = reference(&app).await;
    let expected = sql(
        &ctx,
        &over_worksheet(
            "SELECT category, SUM(revenue), SUM(quantity) FROM ws GROUP BY category \
             ORDER BY lower(category)",
        ),
    )
    .await;
    assert_rows(&compact["data"], &expected, "COMPACT");

    for formattype in ["COMPACT", "compact"] {
        let mut explicit = search.to_vec();
        explicit.push(("formattype", formattype));
        assert_eq!(
            search_ok(&app, &admin, &explicit).await,
            compact,
            "{formattype}"
        );
    }

    for formattype in ["FULL", "full", "Full"] {
        let mut full_search = search.to_vec();
        full_search.push(("formattype", formattype));
        let full = search_ok(&app, &admin, &full_search).await;
        assert_eq!(keys(&full), shape, "FULL keys in order: {full}");
        assert_eq!(full["columnNames"], compact["columnNames"]);
        for name in [
            "samplingRatio",
            "totalRowCount",
            "rowCount",
            "pageSize",
            "offset",
        ] {
            assert_eq!(full[name], compact[name], "{name}");
        }
        let rows = full["data"].as_array().expect("FULL data is an array");
        assert_eq!(rows.len(), 3);
        for (row, compact_row) in rows.iter().zip(compact["data"].as_array().unwrap()) {
            assert_eq!(
                keys(row),
                ["Category", "Total Revenue", "Total Quantity"],
                "FULL row keys in column order: {row}"
            );
            let values: Vec<Value> = row.as_object().unwrap().values().cloned().collect();
            assert_eq!(&Value::from(values), compact_row, "same values as COMPACT");
        }
    }

    let mut bad = search.to_vec();
    bad.push(("formattype", "XML"));
    let message = assert_error(
        post_query(&app, &admin, "searchdata", &bad).await,
        400,
        10002,
    )
    .await;
    assert!(
        message.contains("formattype") && message.contains("XML"),
        "{message}"
    );
}

async fn values_keep_their_types(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let ctx = reference(&app).await;

    // One row per order: integers, floats, text, NULLs, a DATE and a DATE_TIME.
    let body = search_ws(
        &app,
        &admin,
        "[Order Id] [Order Date].detailed [Ship Time] [Ship Mode] [Region] [Quantity] [Revenue] [Discount]",
    )
    .await;
    assert_eq!(
        body["columnNames"],
        json!([
            "Order Id",
            "Order Date",
            "Ship Time",
            "Ship Mode",
            "Region",
            "Total Quantity",
            "Total Revenue",
            "Average Discount"
        ])
    );
    let expected = sql(
        &ctx,
        &over_worksheet(
            "SELECT order_id, order_date, ship_time, ship_mode, region, SUM(quantity), \
             SUM(revenue), AVG(discount) FROM ws \
             GROUP BY order_id, order_date, ship_time, ship_mode, region ORDER BY order_id",
        ),
    )
    .await;
    assert_rows(&body["data"], &expected, "one row per order");
    let rows = body["data"].as_array().unwrap();
    assert!(rows.len() > 200, "most of the 300 orders: {}", rows.len());
    for row in rows {
        assert!(row[0].is_i64(), "Order Id is an integer: {row}");
        assert!(
            row[1]
                .as_i64()
                .is_some_and(|s| s % 86_400 == 0 && s > 1_672_000_000),
            "DATE as epoch seconds of midnight: {row}"
        );
        assert!(row[2].is_i64(), "DATE_TIME as epoch seconds: {row}");
        assert!(row[5].is_i64(), "a SUM of integers stays an integer: {row}");
        assert!(row[6].is_f64(), "a SUM of doubles is a float: {row}");
    }
    assert!(
        rows.iter().any(|r| r[2].as_i64().unwrap() % 3_600 != 0),
        "times keep their minutes"
    );
    assert!(
        rows.iter().any(|r| r[3].is_null()),
        "NULL ship modes are null"
    );
    assert!(
        rows.iter().any(|r| r[4].is_null()),
        "the store without a region"
    );
    assert!(
        rows.iter().any(|r| r[7].is_null()),
        "NULL discounts average to null"
    );
    assert!(rows.iter().any(|r| r[7].is_f64()));

    // Date buckets are the epoch seconds of the bucket's start; part buckets are integers.
    let cases: [(&str, &str, &str); 6] = [
        (
            "[Revenue] [Order Date].yearly",
            "Year(Order Date)",
            "date_trunc('year', order_date)",
        ),
        (
            "[Revenue] [Order Date].quarterly",
            "Quarter(Order Date)",
            "date_trunc('quarter', order_date)",
        ),
        (
            "[Revenue] [Order Date]",
            "Month(Order Date)",
            "date_trunc('month', order_date)",
        ),
        (
            "[Revenue] [Order Date].weekly",
            "Week(Order Date)",
            "date_trunc('week', order_date)",
        ),
        (
            "[Revenue] [Ship Time].hourly",
            "Hour(Ship Time)",
            "date_trunc('hour', ship_time)",
        ),
        (
            "[Revenue] [Order Date].'day of week'",
            "Day of week(Order Date)",
            "(CAST(date_part('dow', order_date) AS BIGINT) + 6) % 7 + 1",
        ),
    ];
    for (query, name, bucket) in cases {
        let body = search_ws(&app, &admin, query).await;
        assert_eq!(
            body["columnNames"],
            json!([name, "Total Revenue"]),
            "{query}"
        );
        let expected = sql(
            &ctx,
            &over_worksheet(&format!(
                "SELECT {bucket} AS b, SUM(revenue) FROM ws GROUP BY b ORDER BY b"
            )),
        )
        .await;
        assert_rows(&body["data"], &expected, query);
    }
    let weekdays = search_ws(&app, &admin, "[Revenue] [Order Date].'day of week'").await;
    let days: Vec<i64> = weekdays["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_i64().expect("a day of week is an integer"))
        .collect();
    assert_eq!(days, [1, 2, 3, 4, 5, 6, 7], "ISO days of week");
    let weeks = search_ws(&app, &admin, "[Revenue] [Order Date].weekly").await;
    for row in weeks["data"].as_array().unwrap() {
        // 1970-01-01 was a Thursday: Mondays are 4 days after a multiple of 7 days.
        let seconds = row[0].as_i64().unwrap();
        assert_eq!(
            (seconds / 86_400 + 3) % 7,
            0,
            "weeks start on Monday: {row}"
        );
    }
    let years = search_ws(&app, &admin, "[Revenue] [Order Date].yearly").await;
    let starts: Vec<i64> = years["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_i64().unwrap())
        .collect();
    assert_eq!(starts, [day(2023, 1, 1), day(2024, 1, 1), day(2025, 1, 1)]);

    // Booleans, and floats that happen to be whole, in a table of this test's own.
    std::fs::write(
        app.data_dir.join("data/flags.csv"),
        "flag_id,active,score,label\n1,true,2.0,one\n2,false,0.25,two\n3,,,three\n4,true,1.5,four\n",
    )
    .unwrap();
    let table = table_tml(
        "flags",
        "flags.csv",
        &[
            ("Flag Id", "flag_id", "INT64", "ATTRIBUTE"),
            ("Active", "active", "BOOL", "ATTRIBUTE"),
            ("Score", "score", "DOUBLE", "MEASURE"),
            ("Label", "label", "VARCHAR", "ATTRIBUTE"),
        ],
        "",
    );
    let ids = import_ok(&app, &admin, &[table], &[]).await;
    let body = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Flag Id] [Active] [Label] [Score]"),
            ("data_source_guid", ids[0].as_str()),
        ],
    )
    .await;
    assert_eq!(
        body["columnNames"],
        json!(["Flag Id", "Active", "Label", "Total Score"])
    );
    assert_eq!(
        body["data"],
        json!([
            [1, true, "one", 2.0],
            [2, false, "two", 0.25],
            // SUM over only NULLs is 0 (SEARCH-DECISIONS.md rule 12).
            [3, null, "three", 0.0],
            [4, true, "four", 1.5]
        ])
    );
    assert!(body["data"][0][3].is_f64(), "2.0 stays a float: {body}");
}

async fn column_names_and_order_follow_the_contract(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let ctx = reference(&app).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "[Revenue] [Region]",
            json!(["Region", "Total Revenue"]),
            REVENUE_BY_REGION_SQL,
        ),
        (
            "[Quantity] [Category] [Revenue] [Region]",
            json!(["Category", "Region", "Total Quantity", "Total Revenue"]),
            "SELECT category, region, SUM(quantity), SUM(revenue) FROM ws \
             GROUP BY category, region ORDER BY lower(category), lower(region) NULLS LAST",
        ),
        (
            "average [Revenue] count [Order Id] [Category]",
            json!(["Category", "Average Revenue", "Number of Order Id"]),
            "SELECT category, AVG(revenue), COUNT(order_id) FROM ws GROUP BY category \
             ORDER BY lower(category)",
        ),
        (
            "[Discount]",
            json!(["Average Discount"]),
            "SELECT AVG(discount) FROM ws",
        ),
        (
            "unique count [Store] [Region]",
            json!(["Region", "Unique Number of Store"]),
            "SELECT region, COUNT(DISTINCT store_name) FROM ws GROUP BY region \
             ORDER BY lower(region) NULLS LAST",
        ),
        (
            "min [Revenue] max [Quantity] [Ship Time].yearly",
            json!(["Year(Ship Time)", "Min Revenue", "Max Quantity"]),
            "SELECT date_trunc('year', ship_time) AS y, MIN(revenue), MAX(quantity) FROM ws \
             GROUP BY y ORDER BY y",
        ),
        (
            "[Revenue] [Category] = 'footwear'",
            json!(["Total Revenue"]),
            "SELECT SUM(revenue) FROM ws WHERE category = 'Footwear'",
        ),
        (
            "[Revenue] [Product] top 3",
            json!(["Product", "Total Revenue"]),
            "SELECT product_name, SUM(revenue) AS r FROM ws GROUP BY product_name \
             ORDER BY r DESC LIMIT 3",
        ),
        (
            "[Revenue] [Store] [Region] sort by [Revenue] descending",
            json!(["Store", "Region", "Total Revenue"]),
            "SELECT store_name, region, SUM(revenue) AS r FROM ws \
             GROUP BY store_name, region ORDER BY r DESC",
        ),
        (
            "[Order Id] [Revenue] [Ship Mode] = 'air' [Quantity] >= 4",
            json!(["Order Id", "Total Revenue"]),
            "SELECT order_id, SUM(revenue) FROM ws WHERE lower(ship_mode) = 'air' \
             AND quantity >= 4 GROUP BY order_id ORDER BY order_id",
        ),
    ];
    for (query, names, reference_sql) in cases {
        let body = search_ws(&app, &admin, query).await;
        assert_eq!(body["columnNames"], names, "{query}");
        let expected = sql(&ctx, &over_worksheet(reference_sql)).await;
        assert_rows(&body["data"], &expected, query);
    }
}

/// Rows of `[Order Id] [Revenue]` (one per order, ordered by Order Id).
async fn orders(app: &TestApp) -> Vec<Vec<Value>> {
    let ctx = reference(app).await;
    sql(
        &ctx,
        &over_worksheet(
            "SELECT order_id, SUM(revenue) FROM ws GROUP BY order_id ORDER BY order_id",
        ),
    )
    .await
}

async fn paging_follows_the_v1_rules(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let all = orders(&app).await;
    let total = all.len();
    let total_text = total.to_string();
    let near_end = (total - 3).to_string();
    let past_end = (total + 5).to_string();
    // (batchsize, pagenumber, offset) → (offset, pageSize); `None` leaves a parameter out.
    let cases: Vec<([Option<&str>; 3], usize, usize)> = vec![
        ([None, None, None], 0, 100_000),
        ([Some("-1"), Some("-1"), Some("-1")], 0, 100_000),
        ([Some("10"), Some("1"), Some("-1")], 0, 10),
        ([Some("10"), Some("3"), Some("-1")], 20, 10),
        ([Some("10"), Some("3"), None], 20, 10),
        ([Some("10"), Some("-1"), Some("25")], 25, 10),
        ([Some("10"), None, Some("25")], 25, 10),
        ([Some("10"), Some("2"), Some("55")], 10, 10),
        ([Some("10"), Some("-1"), Some("0")], 0, 10),
        ([Some("-1"), Some("-1"), Some("5")], 5, 100_000),
        (
            [Some("7"), Some("-1"), Some(near_end.as_str())],
            total - 3,
            7,
        ),
        (
            [Some("10"), Some("-1"), Some(past_end.as_str())],
            total + 5,
            10,
        ),
        (
            [Some(total_text.as_str()), Some("2"), Some("-1")],
            total,
            total,
        ),
        ([Some("-1"), Some("2"), Some("-1")], 100_000, 100_000),
    ];
    for (paging, offset, size) in cases {
        let mut params = vec![
            ("query_string", "[Order Id] [Revenue]"),
            ("data_source_guid", guid::WORKSHEET),
        ];
        params.extend(paging_params(paging));
        let what = format!("{paging:?}");
        let body = search_ok(&app, &admin, &params).await;
        let page: Vec<Vec<Value>> = all.iter().skip(offset).take(size).cloned().collect();
        assert_eq!(body["offset"], offset, "{what}: offset in {}", brief(&body));
        assert_eq!(body["pageSize"], size, "{what}: pageSize");
        assert_eq!(body["rowCount"], page.len(), "{what}: rowCount");
        assert_eq!(body["totalRowCount"], total, "{what}: totalRowCount");
        assert_eq!(body["samplingRatio"], 1, "{what}");
        assert_rows(&body["data"], &page, &what);
    }

    for (name, value, expected) in [
        ("batchsize", "0", "batchsize"),
        ("batchsize", "-7", "batchsize"),
        ("batchsize", "ten", "batchsize"),
        ("pagenumber", "0", "pagenumber"),
        ("offset", "-5", "offset"),
        ("offset", "1.5", "offset"),
    ] {
        let response = post_query(
            &app,
            &admin,
            "searchdata",
            &[
                ("query_string", "[Order Id] [Revenue]"),
                ("data_source_guid", guid::WORKSHEET),
                (name, value),
            ],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains(expected) && message.contains(value),
            "{name}={value}: {message}"
        );
    }
}

/// Pages the way cs_tools does: `offset` from 0, `offset += rowCount` until
/// `rowCount < pageSize`, FULL rows. Returns the rows in arrival order and the page sizes
/// reported.
async fn page_like_cs_tools(
    app: &TestApp,
    client: &reqwest::Client,
    batchsize: &str,
) -> (Vec<Value>, Vec<u64>) {
    let mut rows = Vec::new();
    let mut sizes = Vec::new();
    let mut offset = 0u64;
    for _ in 0..100 {
        let offset_text = offset.to_string();
        let body = search_ok(
            app,
            client,
            &[
                ("query_string", "[Order Id] [Revenue]"),
                ("data_source_guid", guid::WORKSHEET),
                ("batchsize", batchsize),
                ("pagenumber", "-1"),
                ("offset", &offset_text),
                ("formattype", "FULL"),
            ],
        )
        .await;
        let row_count = body["rowCount"].as_u64().expect("rowCount");
        let page_size = body["pageSize"].as_u64().expect("pageSize");
        assert!(
            page_size > 0,
            "a positive pageSize, or cs_tools loops forever"
        );
        assert_eq!(body["offset"], offset);
        rows.extend(body["data"].as_array().unwrap().iter().cloned());
        sizes.push(page_size);
        offset += row_count;
        if row_count < page_size {
            return (rows, sizes);
        }
    }
    panic!("paging did not end after 100 pages");
}

#[track_caller]
fn assert_every_order_once(rows: &[Value], expected: &[Vec<Value>]) {
    let compact: Vec<Value> = rows
        .iter()
        .map(|row| json!([row["Order Id"], row["Total Revenue"]]))
        .collect();
    assert_rows(
        &Value::from(compact),
        expected,
        "every row exactly once, in order",
    );
}

async fn offset_plus_row_count_paging_gets_every_row_once(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let expected = orders(&app).await;
    let (rows, sizes) = page_like_cs_tools(&app, &admin, "7").await;
    assert_every_order_once(&rows, &expected);
    assert!(sizes.iter().all(|&s| s == 7));
    assert_eq!(sizes.len(), expected.len() / 7 + 1);

    // A batch size that divides the total: the last page is empty and ends the loop.
    let divisor = (2..30).find(|d| expected.len() % d == 0).unwrap_or(1);
    let (rows, _) = page_like_cs_tools(&app, &admin, &divisor.to_string()).await;
    assert_every_order_once(&rows, &expected);

    // batchsize -1 with the default cap: one page.
    let (rows, sizes) = page_like_cs_tools(&app, &admin, "-1").await;
    assert_every_order_once(&rows, &expected);
    assert_eq!(sizes, [100_000]);
}

async fn the_row_cap_bounds_every_page(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |config| config.row_cap = 25).await;
    let expected = orders(&app).await;
    let total = expected.len();
    for (batchsize, pagenumber, offset, size) in [
        ("-1", "-1", 0, 25),
        ("100", "-1", 0, 25),
        ("1000000", "-1", 0, 25),
        ("10", "-1", 0, 10),
        ("-1", "2", 25, 25),
        ("100", "3", 50, 25),
    ] {
        let body = search_ok(
            &app,
            &admin,
            &[
                ("query_string", "[Order Id] [Revenue]"),
                ("data_source_guid", guid::WORKSHEET),
                ("batchsize", batchsize),
                ("pagenumber", pagenumber),
            ],
        )
        .await;
        let what = format!("batchsize {batchsize}, pagenumber {pagenumber}");
        assert_eq!(body["pageSize"], size, "{what}");
        assert_eq!(body["offset"], offset, "{what}");
        assert_eq!(body["rowCount"], size, "{what}");
        assert_eq!(
            body["totalRowCount"], total,
            "{what}: the whole answer is counted"
        );
        let page: Vec<Vec<Value>> = expected.iter().skip(offset).take(size).cloned().collect();
        assert_rows(&body["data"], &page, &what);
    }
    // cs_tools with batchsize -1 pages through the capped result and still gets every row.
    let (rows, sizes) = page_like_cs_tools(&app, &admin, "-1").await;
    assert_every_order_once(&rows, &expected);
    assert!(sizes.iter().all(|&s| s == 25), "{sizes:?}");
    assert_eq!(sizes.len(), total / 25 + 1);
}

async fn a_search_past_the_timeout_is_cancelled_with_a_400(store: StoreKind) {
    let (app, admin) = fixture_app_with(store, |config| config.query_timeout_secs = 1).await;
    // 16,000² = 256 million joined rows: far more than a second of work anywhere.
    let documents = slow_model(&app, "timeout", 16_000);
    let ids = import_ok(&app, &admin, &documents, &[]).await;
    let worksheet = ids[2].as_str();
    let started = std::time::Instant::now();
    let response = post_query(
        &app,
        &admin,
        "searchdata",
        &[
            ("query_string", "[Slow A] [Slow B]"),
            ("data_source_guid", worksheet),
        ],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    let waited = started.elapsed();
    assert!(
        message.contains("took longer than 1 s and was cancelled")
            && message.contains("timeout Slow"),
        "{message}"
    );
    assert!(
        waited.as_secs_f64() >= 0.9,
        "not before the timeout: {waited:?}"
    );

    // The server is not left busy: small searches (on the same worksheet, one table) answer.
    let body = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Slow A]"),
            ("data_source_guid", worksheet),
        ],
    )
    .await;
    let expected: i64 = (0..16_000i64).map(|i| i % 7).sum();
    assert_eq!(body["data"], json!([[expected]]));
    let body = search_ws(&app, &admin, "[Revenue] [Region]").await;
    assert_eq!(body["rowCount"], 4);
}

async fn bad_searches_are_400s_that_say_why(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let cases: Vec<(Option<&str>, Vec<&str>)> = vec![
        (None, vec!["Cannot create Answer from empty query"]),
        (Some(""), vec!["Cannot create Answer from empty query"]),
        (Some("  , "), vec!["Cannot create Answer from empty query"]),
        (
            Some("[Revenu]"),
            vec![
                "Search did not find \"Revenu\" in your data or metadata.",
                "Did you mean:",
                "Revenue",
            ],
        ),
        (
            Some("[Revenue] [Regoin]"),
            vec!["Search did not find \"Regoin\"", "Did you mean:", "Region"],
        ),
        (
            Some("[Revenue] foo"),
            vec!["Search did not find \"foo\" in your data or metadata (at character 10)."],
        ),
        (
            Some("[Revenue] [Region] = 'East' ]"),
            vec!["\"]\"", "(at character 28)"],
        ),
        (
            Some("[Revenue] [Quantity] > 'lots'"),
            // A measure's filter tests its aggregate, which the message names.
            vec![
                "Invalid value \"lots\" for column \"Total Quantity\"",
                "expected a number",
            ],
        ),
        (
            Some("[Revenue] [Order Date] = 'not a date'"),
            vec!["\"not a date\"", "\"Order Date\""],
        ),
        (
            Some("[Revenue] [Order Date].'day of week' = 9"),
            vec!["\"9\"", "Order Date"],
        ),
    ];
    for (query, wanted) in cases {
        let mut params = vec![("data_source_guid", guid::WORKSHEET)];
        if let Some(query) = query {
            params.push(("query_string", query));
        }
        let response = post_query(&app, &admin, "searchdata", &params).await;
        let message = assert_error(response, 400, 10002).await;
        for part in wanted {
            assert!(message.contains(part), "{query:?}: {part:?} in {message}");
        }
    }
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
    let suggestions = message
        .split("Did you mean: ")
        .nth(1)
        .expect("suggestions")
        .trim_end_matches('?');
    let names: Vec<&str> = suggestions.split(", ").collect();
    assert!(
        (1..=3).contains(&names.len()) && names[0] == "Revenue",
        "up to three names, the closest first: {message}"
    );
}

async fn unknown_and_unreadable_sources_are_the_same_400(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    let unknown = "0f5a1e2d-9999-4c3b-8a7d-6e5f4a3b2c1d";
    let not_a_source = guid::SALES_OVERVIEW;
    for id in [unknown, not_a_source, "not-a-guid"] {
        let response = post_query(
            &app,
            &admin,
            "searchdata",
            &[("query_string", "[Revenue]"), ("data_source_guid", id)],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        assert_eq!(
            message,
            format!("No worksheet or table with id '{id}' exists, or you do not have access to it")
        );
    }

    // A worksheet imported privately by tsadmin: alice may not read it, and learns no more
    // than for an id that does not exist.
    let private_id = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e0099";
    import_private_worksheet(&app, &admin, private_id).await;
    create_user(&app, &admin, "alice", "alice pw").await;
    let alice = app.logged_in("alice", "alice pw").await;
    let search = |id: &'static str| {
        [
            ("query_string", "[Revenue] [Region]"),
            ("data_source_guid", id),
        ]
    };
    let message = assert_error(
        post_query(&app, &alice, "searchdata", &search(private_id)).await,
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
    // The owner reads it, and alice reads the shared fixture worksheet.
    let owner = search_ok(&app, &admin, &search(private_id)).await;
    let shared = search_ok(&app, &alice, &search(guid::WORKSHEET)).await;
    assert_eq!(owner["data"], shared["data"]);

    // Without a session: 401.
    let anonymous = client();
    let response = post_query(&app, &anonymous, "searchdata", &search(guid::WORKSHEET)).await;
    assert_error(response, 401, 10003).await;
    // After logging out: 401 too.
    let response = app.post_form(&alice, "session/logout", &[]).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = post_query(&app, &alice, "searchdata", &search(guid::WORKSHEET)).await;
    assert_error(response, 401, 10003).await;
}

async fn model_filters_synonyms_and_progressive_joins(store: StoreKind) {
    let (app, admin) = fixture_app(store).await;
    // A store with no sales, added to this app's copy of the data.
    let stores = app.data_dir.join("data/stores.csv");
    let mut text = std::fs::read_to_string(&stores).unwrap();
    text.push_str("7,Tundra,Nome,North\n");
    std::fs::write(&stores, text).unwrap();
    let ctx = reference(&app).await;

    // The worksheet's filter leaves test orders out of every search; the model has none.
    let statuses = search_ws(&app, &admin, "[Status]").await;
    assert_eq!(statuses["data"], json!([["cancelled"], ["complete"]]));
    let worksheet_total = search_ws(&app, &admin, "[Quantity]").await;
    let expected = sql_value(&ctx, &over_worksheet("SELECT SUM(quantity) FROM ws")).await;
    assert_eq!(worksheet_total["data"], json!([[expected]]));
    let model_total = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Model Quantity]"),
            ("data_source_guid", guid::MODEL),
        ],
    )
    .await;
    let everything = sql_value(&ctx, "SELECT SUM(quantity) FROM sales").await;
    assert_eq!(model_total["data"], json!([[everything]]));
    assert_ne!(
        expected, everything,
        "the fixture has test orders to leave out"
    );
    // The filter applies even when the search filters the same column itself.
    let body = search_ws(&app, &admin, "[Quantity] [Status] != 'cancelled'").await;
    let complete = sql_value(
        &ctx,
        &over_worksheet("SELECT SUM(quantity) FROM ws WHERE status = 'complete'"),
    )
    .await;
    assert_eq!(body["data"], json!([[complete]]));

    // Synonyms, and names in any case, answer as the display names.
    let by_region = search_ws(&app, &admin, "[Revenue] [Region]").await;
    for query in ["[Sales] [Area]", "[revenue] [REGION]", "[SALES] [region]"] {
        let body = search_ws(&app, &admin, query).await;
        assert_eq!(body, by_region, "{query}");
    }

    // Progressive joins: a search on the stores' columns alone reads the stores table (the
    // store without sales shows); once a sales column or the worksheet's filter (on sales)
    // is involved, the sales → stores join applies and it does not.
    let model_regions = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Model Region]"),
            ("data_source_guid", guid::MODEL),
        ],
    )
    .await;
    assert_eq!(
        model_regions["data"],
        json!([["Central"], ["East"], ["North"], ["West"], [null]])
    );
    let with_sales = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Model Region] [Model Revenue]"),
            ("data_source_guid", guid::MODEL),
        ],
    )
    .await;
    let expected = sql(
        &ctx,
        "SELECT st.region, SUM(s.revenue) FROM sales s LEFT JOIN stores st \
         ON s.store_id = st.store_id GROUP BY st.region ORDER BY lower(st.region) NULLS LAST",
    )
    .await;
    assert_rows(&with_sales["data"], &expected, "model regions with revenue");
    let worksheet_regions = search_ws(&app, &admin, "[Region]").await;
    assert_eq!(
        worksheet_regions["data"],
        json!([["Central"], ["East"], ["West"], [null]]),
        "the worksheet's filter is on sales, so sales is joined"
    );
    let categories = search_ok(
        &app,
        &admin,
        &[
            ("query_string", "[Model Category]"),
            ("data_source_guid", guid::MODEL),
        ],
    )
    .await;
    assert_eq!(
        categories["data"],
        json!([["Accessories"], ["Apparel"], ["Footwear"]])
    );
}

async fn relative_dates_use_the_pinned_now(store: StoreKind) {
    // Sunday 15 June 2025.
    let (app, admin) = fixture_app_with(store, |config| {
        config.now = Some("2025-06-15T12:00:00Z".into());
    })
    .await;
    let ctx = reference(&app).await;
    let cases = [
        (
            "[Revenue] [Order Date] = 'last year'",
            "SELECT SUM(revenue) FROM ws WHERE order_date BETWEEN DATE '2024-01-01' AND DATE '2024-12-31'",
        ),
        (
            "[Revenue] [Order Date].monthly [Order Date] = 'last 3 months'",
            "SELECT date_trunc('month', order_date) AS m, SUM(revenue) FROM ws \
             WHERE order_date BETWEEN DATE '2025-03-01' AND DATE '2025-05-31' GROUP BY m ORDER BY m",
        ),
        (
            "[Quantity] [Order Date] = 'this year'",
            "SELECT SUM(quantity) FROM ws WHERE order_date BETWEEN DATE '2025-01-01' AND DATE '2025-12-31'",
        ),
        (
            "[Order Id] [Order Date].detailed [Order Date] = 'last week'",
            "SELECT order_id, order_date FROM ws \
             WHERE order_date BETWEEN DATE '2025-06-02' AND DATE '2025-06-08' \
             GROUP BY order_id, order_date ORDER BY order_id",
        ),
        (
            "[Revenue] [Ship Time] [Ship Time] = 'last month'",
            "SELECT ship_time, SUM(revenue) FROM ws \
             WHERE ship_time >= TIMESTAMP '2025-05-01 00:00:00' AND ship_time < TIMESTAMP '2025-06-01 00:00:00' \
             GROUP BY ship_time ORDER BY ship_time",
        ),
    ];
    for (query, reference_sql) in cases {
        let body = search_ws(&app, &admin, query).await;
        let expected = sql(&ctx, &over_worksheet(reference_sql)).await;
        assert!(
            !expected.is_empty() && !expected[0][0].is_null(),
            "{query} has data"
        );
        assert_rows(&body["data"], &expected, query);
    }
    let months = search_ws(
        &app,
        &admin,
        "[Revenue] [Order Date].monthly [Order Date] = 'last 3 months'",
    )
    .await;
    let starts: Vec<i64> = months["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r[0].as_i64().unwrap())
        .collect();
    assert_eq!(starts, [day(2025, 3, 1), day(2025, 4, 1), day(2025, 5, 1)]);
}

both_stores!(
    parameters_come_from_the_query_string_or_the_body,
    data_source_guid_is_a_guid_or_a_one_element_list,
    compact_and_full_shapes,
    values_keep_their_types,
    column_names_and_order_follow_the_contract,
    paging_follows_the_v1_rules,
    offset_plus_row_count_paging_gets_every_row_once,
    the_row_cap_bounds_every_page,
    a_search_past_the_timeout_is_cancelled_with_a_400,
    bad_searches_are_400s_that_say_why,
    unknown_and_unreadable_sources_are_the_same_400,
    model_filters_synonyms_and_progressive_joins,
    relative_dates_use_the_pinned_now,
);
