//! `POST pinboarddata` over HTTP against the fixture model (issue 5): the two pinboards and
//! their six visualizations (a table, a chart over months, a headline, a top 3, a table sorted
//! by a measure and a chart over the model), `listvizheaders` types, every parameter (`id`,
//! `vizid` in every spelling, paging per visualization, `formattype`), each runtime-filter
//! operator, concurrency with a slow visualization, one failing visualization beside working
//! ones, visibility, and live files. Expected answers are computed with plain DataFusion SQL
//! over the same files ([`crate::data_support`]), never by the server.

use std::time::{Duration, Instant};

use reqwest::{Client, StatusCode};
use serde_json::{Value, json};

use crate::both_stores;
use crate::catalog_helpers::{permission, share};
use crate::data_support::*;
use crate::fixtures::{self, guid};
use crate::helpers::*;

/// The model "Retail Model" as SQL: its tables joined as its joins say, no filter. The
/// stores join is a LEFT join on a unique key, so it never changes what the other tables give.
const MODEL_SQL: &str = "SELECT s.*, st.region, p.category FROM sales s \
     JOIN products p ON s.product_id = p.product_id \
     LEFT JOIN stores st ON s.store_id = st.store_id";

/// A pinboard id that does not exist.
const UNKNOWN: &str = "00000000-0000-4000-8000-00000000cafe";

/// One fixture visualization: what `listvizheaders` and `pinboarddata` say about it, and its
/// search as SQL over `ws` (the worksheet) or `m` (the model), where `{w}` stands for the
/// runtime filters' condition.
struct Viz {
    name: &'static str,
    viz_type: &'static str,
    columns: &'static [&'static str],
    sql: &'static str,
    on_model: bool,
}

const SALES_OVERVIEW: [Viz; 4] = [
    Viz {
        name: "Revenue by Category",
        viz_type: "TABLE",
        columns: &["Category", "Total Revenue", "Total Quantity"],
        sql: "SELECT category, SUM(revenue), SUM(quantity) FROM ws WHERE {w} \
              GROUP BY category ORDER BY lower(category)",
        on_model: false,
    },
    Viz {
        name: "Revenue by Month",
        viz_type: "CHART",
        columns: &["Month(Order Date)", "Total Revenue"],
        sql: "SELECT date_trunc('month', order_date) AS m, SUM(revenue) FROM ws WHERE {w} \
              GROUP BY m ORDER BY m",
        on_model: false,
    },
    Viz {
        name: "Total Revenue",
        viz_type: "HEADLINE",
        columns: &["Total Revenue"],
        // SEARCH-DECISIONS rule 12: a SUM over no rows is 0.
        sql: "SELECT COALESCE(SUM(revenue), 0.0) FROM ws WHERE {w}",
        on_model: false,
    },
    Viz {
        name: "Top 3 Products",
        viz_type: "CHART",
        columns: &["Product", "Total Revenue"],
        sql: "SELECT product_name, SUM(revenue) AS r FROM ws WHERE {w} \
              GROUP BY product_name ORDER BY r DESC, lower(product_name) LIMIT 3",
        on_model: false,
    },
];

const STORE_PERFORMANCE: [Viz; 2] = [
    Viz {
        name: "Revenue by Store",
        viz_type: "TABLE",
        columns: &["Store", "Region", "Total Revenue"],
        sql: "SELECT store_name, region, SUM(revenue) AS r FROM ws WHERE {w} \
              GROUP BY store_name, region \
              ORDER BY r DESC, lower(store_name), lower(region) NULLS LAST",
        on_model: false,
    },
    Viz {
        name: "Quantity by Category (model)",
        viz_type: "CHART",
        columns: &["Model Category", "Total Model Quantity"],
        sql: "SELECT category, SUM(quantity) FROM m WHERE {w} \
              GROUP BY category ORDER BY lower(category)",
        on_model: true,
    },
];

/// A runtime filter's effect as SQL: the condition on the worksheet's rows and the one on the
/// model's rows (`TRUE` where that source lacks the column and stays unfiltered).
#[derive(Debug, Clone)]
struct Condition {
    worksheet: String,
    model: String,
}

impl Condition {
    fn none() -> Self {
        Self::on(Some("TRUE"), Some("TRUE"))
    }

    fn on(worksheet: Option<&str>, model: Option<&str>) -> Self {
        Self {
            worksheet: worksheet.unwrap_or("TRUE").to_string(),
            model: model.unwrap_or("TRUE").to_string(),
        }
    }

    fn worksheet(condition: &str) -> Self {
        Self::on(Some(condition), None)
    }
}

impl Viz {
    /// The answer's rows, computed by DataFusion over the files the server reads.
    async fn expected(
        &self,
        ctx: &datafusion::prelude::SessionContext,
        condition: &Condition,
    ) -> Vec<Vec<Value>> {
        let query = if self.on_model {
            let query = self.sql.replace("{w}", &condition.model);
            format!("WITH m AS ({MODEL_SQL}) {query}")
        } else {
            over_worksheet(&self.sql.replace("{w}", &condition.worksheet))
        };
        sql(ctx, &query).await
    }
}

/// The keys of a pinboarddata entry, in order.
const ENTRY_KEYS: [&str; 8] = [
    "name",
    "columnNames",
    "data",
    "samplingRatio",
    "totalRowCount",
    "rowCount",
    "pageSize",
    "offset",
];

/// Asserts one visualization's entry: its name, columns, counts, and the page of `all` (the
/// whole answer) that starts at `offset` and holds at most `size` rows, in COMPACT form.
#[track_caller]
fn assert_entry(
    entry: &Value,
    viz: &Viz,
    all: &[Vec<Value>],
    offset: usize,
    size: usize,
    what: &str,
) {
    let what = format!("{what}, {}", viz.name);
    assert_eq!(
        keys(entry),
        ENTRY_KEYS,
        "{what}: keys in order: {}",
        brief(entry)
    );
    assert_eq!(entry["name"], viz.name, "{what}");
    assert_eq!(entry["columnNames"], json!(viz.columns), "{what}");
    assert_eq!(entry["samplingRatio"], 1, "{what}");
    assert_eq!(entry["totalRowCount"], all.len(), "{what}: totalRowCount");
    let page: Vec<Vec<Value>> = all.iter().skip(offset).take(size).cloned().collect();
    assert_eq!(entry["rowCount"], page.len(), "{what}: rowCount");
    assert_eq!(entry["pageSize"], size, "{what}: pageSize");
    assert_eq!(entry["offset"], offset, "{what}: offset");
    assert_rows(&entry["data"], &page, &what);
}

/// A server with the fixture model imported, tsadmin's client, and the visualization ids of
/// both pinboards in order.
struct Fixture {
    app: TestApp,
    admin: Client,
    overview: Vec<String>,
    performance: Vec<String>,
}

impl Fixture {
    async fn new(store: StoreKind) -> Self {
        Self::with(store, |_| {}).await
    }

    async fn with(store: StoreKind, customize: impl FnOnce(&mut searchlight::Config)) -> Self {
        let app = spawn_app_with(store, customize).await;
        let admin = app.admin().await;
        fixtures::import_all(&app, &admin).await;
        Self::ready(app, admin).await
    }

    async fn ready(app: TestApp, admin: Client) -> Self {
        let overview = viz_ids(&app, &admin, guid::SALES_OVERVIEW).await;
        let performance = viz_ids(&app, &admin, guid::STORE_PERFORMANCE).await;
        assert_eq!(overview.len(), 4);
        assert_eq!(performance.len(), 2);
        Self {
            app,
            admin,
            overview,
            performance,
        }
    }

    /// `pinboarddata` of `pinboard` with more parameters, as tsadmin; asserts 200.
    async fn board(&self, pinboard: &str, params: &[(&str, &str)]) -> Value {
        let mut all = vec![("id", pinboard)];
        all.extend_from_slice(params);
        pinboard_ok(&self.app, &self.admin, &all).await
    }

    /// Calls both pinboards with `params` and checks every visualization against the reference
    /// answer under `condition`, on the first page of the default size.
    async fn check_both(&self, params: &[(&str, &str)], condition: &Condition, what: &str) {
        let ctx = reference(&self.app).await;
        for (pinboard, ids, vizzes) in [
            (guid::SALES_OVERVIEW, &self.overview, &SALES_OVERVIEW[..]),
            (
                guid::STORE_PERFORMANCE,
                &self.performance,
                &STORE_PERFORMANCE[..],
            ),
        ] {
            let body = self.board(pinboard, params).await;
            assert_eq!(&keys(&body), ids, "{what}: every visualization, in order");
            for (id, viz) in ids.iter().zip(vizzes) {
                let expected = viz.expected(&ctx, condition).await;
                assert_entry(&body[id], viz, &expected, 0, 100_000, what);
            }
        }
    }
}

// ---- the model, listvizheaders and the default call ----------------------------------------

async fn both_pinboards_answer_every_visualization(store: StoreKind) {
    let f = Fixture::new(store).await;

    // listvizheaders: one entry per visualization, in the pinboard's order, with its type.
    for (pinboard, vizzes) in [
        (guid::SALES_OVERVIEW, &SALES_OVERVIEW[..]),
        (guid::STORE_PERFORMANCE, &STORE_PERFORMANCE[..]),
    ] {
        let headers = viz_headers(&f.app, &f.admin, pinboard).await;
        assert_eq!(headers.len(), vizzes.len());
        for (header, viz) in headers.iter().zip(vizzes) {
            assert_eq!(header["name"], viz.name, "{header}");
            assert_eq!(header["vizType"], viz.viz_type, "{header}");
            assert_eq!(header["owner"], pinboard, "owner is the pinboard: {header}");
        }
    }
    assert_eq!(
        f.overview[0],
        guid::SALES_OVERVIEW_VIZ_1,
        "the viz_guid of the TML"
    );
    // The saved answers are one visualization each, typed by their display mode.
    for (answer, viz_type) in [
        (guid::REVENUE_BY_REGION, "TABLE"),
        (guid::MONTHLY_REVENUE, "CHART"),
    ] {
        let headers = viz_headers(&f.app, &f.admin, answer).await;
        assert_eq!(headers.len(), 1);
        assert_eq!(headers[0]["vizType"], viz_type, "{}", headers[0]);
    }

    // Every visualization of both pinboards, computed independently.
    f.check_both(&[], &Condition::none(), "no filter").await;

    // What the issue asks of the model, checked on the data itself: a table, a chart over a
    // date bucket (month starts as epoch seconds), a headline with one number, a top 3.
    let body = f.board(guid::SALES_OVERVIEW, &[]).await;
    let months = body[&f.overview[1]]["data"].as_array().unwrap();
    assert!(
        months.len() >= 24,
        "about 30 months of orders: {}",
        months.len()
    );
    for row in months {
        let start = row[0].as_i64().expect("a month is epoch seconds");
        let date = chrono::DateTime::from_timestamp(start, 0).unwrap();
        assert_eq!(
            (chrono::Datelike::day(&date), start % 86_400),
            (1, 0),
            "midnight of the first of a month: {row}"
        );
    }
    let headline = &body[&f.overview[2]]["data"];
    assert!(
        headline.as_array().unwrap().len() == 1 && headline[0].as_array().unwrap().len() == 1,
        "one number: {headline}"
    );
    assert!(headline[0][0].is_f64());
    assert_eq!(body[&f.overview[3]]["rowCount"], 3, "top 3");
    let products = search_ws(&f.app, &f.admin, "[Product]").await;
    assert!(
        products["rowCount"].as_u64().unwrap() > 3,
        "top 3 of more products"
    );

    // Each visualization answers what searchdata answers for its search.
    for (id, query) in f.overview.iter().zip([
        "[Revenue] [Quantity] [Category]",
        "[Revenue] [Order Date].monthly",
        "[Revenue]",
        "[Revenue] [Product] top 3",
    ]) {
        let searched = search_ws(&f.app, &f.admin, query).await;
        assert_eq!(body[id]["columnNames"], searched["columnNames"], "{query}");
        let rows: Vec<Vec<Value>> = searched["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_array().unwrap().clone())
            .collect();
        assert_rows(&body[id]["data"], &rows, query);
    }
}

// ---- parameters ------------------------------------------------------------------------------

async fn vizid_in_every_spelling(store: StoreKind) {
    let f = Fixture::new(store).await;
    let ctx = reference(&f.app).await;
    let ids = &f.overview;
    let mut expected = Vec::new();
    for viz in &SALES_OVERVIEW {
        expected.push(viz.expected(&ctx, &Condition::none()).await);
    }
    let check = |body: &Value, chosen: &[usize], what: &str| {
        let wanted: Vec<String> = chosen.iter().map(|&i| ids[i].clone()).collect();
        assert_eq!(
            keys(body),
            wanted,
            "{what}: the visualizations asked for, in that order"
        );
        for &i in chosen {
            assert_entry(
                &body[&ids[i]],
                &SALES_OVERVIEW[i],
                &expected[i],
                0,
                100_000,
                what,
            );
        }
    };
    let (c, a) = (ids[2].as_str(), ids[0].as_str());

    // Two visualizations, in the order given (not the pinboard's).
    let json_list = json!([c, a]).to_string();
    let single_quoted = format!("['{c}','{a}']");
    let unquoted = format!("[{c}, {a}]");
    let unquoted_tight = format!("[{c},{a}]");
    let comma_list = format!("{c},{a}");
    for spelling in [
        &json_list,
        &single_quoted,
        &unquoted,
        &unquoted_tight,
        &comma_list,
    ] {
        let body = f
            .board(guid::SALES_OVERVIEW, &[("vizid", spelling.as_str())])
            .await;
        check(&body, &[2, 0], spelling);
    }
    let body = f
        .board(guid::SALES_OVERVIEW, &[("vizid", c), ("vizid", a)])
        .await;
    check(&body, &[2, 0], "the key repeated");

    // One visualization, in every spelling.
    let quoted = format!("\"{c}\"");
    let bracketed = format!("[{c}]");
    let json_one = json!([c]).to_string();
    let single_one = format!("['{c}']");
    for spelling in [c, quoted.as_str(), &bracketed, &json_one, &single_one] {
        let body = f.board(guid::SALES_OVERVIEW, &[("vizid", spelling)]).await;
        check(&body, &[2], spelling);
    }

    // Absent or "not given": all of them, in the pinboard's order.
    let body = f.board(guid::SALES_OVERVIEW, &[]).await;
    check(&body, &[0, 1, 2, 3], "vizid absent");
    for spelling in ["[]", "[ ]", "", "-1"] {
        let body = f.board(guid::SALES_OVERVIEW, &[("vizid", spelling)]).await;
        check(&body, &[0, 1, 2, 3], spelling);
    }

    // The documented example: every parameter in the query string with its default, an
    // application/json content type and an empty body.
    let params = [
        ("id", guid::SALES_OVERVIEW),
        ("vizid", json_one.as_str()),
        ("batchsize", "-1"),
        ("pagenumber", "-1"),
        ("offset", "-1"),
        ("formattype", "COMPACT"),
    ];
    let response = f
        .admin
        .post(f.app.url("pinboarddata"))
        .header("X-Requested-By", "ThoughtSpot")
        .header("Content-Type", "application/json")
        .query(&params)
        .send()
        .await
        .unwrap();
    check(&ok_json(response).await, &[2], "documented example");
    // The same parameters in an urlencoded body and in a multipart body.
    let body = ok_json(f.app.post_form(&f.admin, "pinboarddata", &params).await).await;
    check(&body, &[2], "urlencoded body");
    let body = ok_json(
        f.app
            .post_multipart(&f.admin, "pinboarddata", &params)
            .await,
    )
    .await;
    check(&body, &[2], "multipart body");

    // `id` is required.
    let response = post_query(&f.app, &f.admin, "pinboarddata", &[("vizid", c)]).await;
    let message = assert_error(response, 400, 10002).await;
    assert_eq!(message, "Missing required parameter 'id'");
    let response = post_query(&f.app, &f.admin, "pinboarddata", &[("id", "")]).await;
    let message = assert_error(response, 400, 10002).await;
    assert_eq!(message, "Missing required parameter 'id'");
}

async fn paging_applies_to_each_visualization(store: StoreKind) {
    let f = Fixture::new(store).await;
    let ctx = reference(&f.app).await;
    let mut expected = Vec::new();
    for viz in &SALES_OVERVIEW {
        expected.push(viz.expected(&ctx, &Condition::none()).await);
    }
    let months = expected[1].len();
    let month_pages = (months / 10 + 2).to_string();
    // (batchsize, pagenumber, offset) → (offset, pageSize); `None` leaves a parameter out.
    let cases: Vec<([Option<&str>; 3], usize, usize)> = vec![
        ([None, None, None], 0, 100_000),
        ([Some("-1"), Some("-1"), Some("-1")], 0, 100_000),
        ([Some("2"), Some("1"), None], 0, 2),
        ([Some("2"), Some("2"), None], 2, 2),
        ([Some("2"), Some("2"), Some("-1")], 2, 2),
        ([Some("5"), Some("3"), Some("1")], 10, 5),
        ([Some("4"), Some("-1"), Some("1")], 1, 4),
        ([Some("4"), None, Some("2")], 2, 4),
        ([Some("-1"), Some("-1"), Some("2")], 2, 100_000),
        ([Some("1"), Some("3"), None], 2, 1),
        (
            [Some("10"), Some(month_pages.as_str()), None],
            (months / 10 + 1) * 10,
            10,
        ),
    ];
    for (paging, offset, size) in cases {
        let params = paging_params(paging);
        let what = format!("{paging:?}");
        let body = f.board(guid::SALES_OVERVIEW, &params).await;
        assert_eq!(keys(&body), f.overview, "{what}");
        for (i, viz) in SALES_OVERVIEW.iter().enumerate() {
            assert_entry(
                &body[&f.overview[i]],
                viz,
                &expected[i],
                offset,
                size,
                &what,
            );
        }
    }

    // A client paging one visualization by `offset += rowCount` until `rowCount < pageSize`
    // gets each of its rows once.
    let vizid = json!([f.overview[1]]).to_string();
    let mut rows = Vec::new();
    let mut offset = 0usize;
    for _ in 0..100 {
        let offset_text = offset.to_string();
        let body = f
            .board(
                guid::SALES_OVERVIEW,
                &[
                    ("vizid", &vizid),
                    ("batchsize", "7"),
                    ("offset", &offset_text),
                ],
            )
            .await;
        let entry = &body[&f.overview[1]];
        assert_eq!(entry["offset"], offset);
        assert_eq!(entry["pageSize"], 7);
        let count = entry["rowCount"].as_u64().unwrap() as usize;
        rows.extend(entry["data"].as_array().unwrap().iter().cloned());
        offset += count;
        if count < 7 {
            break;
        }
    }
    assert_rows(
        &Value::from(rows),
        &expected[1],
        "paged by offset += rowCount",
    );

    for (name, value) in [
        ("batchsize", "0"),
        ("batchsize", "-3"),
        ("pagenumber", "0"),
        ("offset", "-5"),
        ("offset", "two"),
    ] {
        let response = post_query(
            &f.app,
            &f.admin,
            "pinboarddata",
            &[
                ("id", guid::SALES_OVERVIEW),
                ("batchsize", "2"),
                (name, value),
            ],
        )
        .await;
        let message = assert_error(response, 400, 10002).await;
        assert!(
            message.contains(name) && message.contains(value),
            "{name}={value}: {message}"
        );
    }
}

async fn the_row_cap_is_the_page_size_of_every_visualization(store: StoreKind) {
    let f = Fixture::with(store, |config| config.row_cap = 4).await;
    let ctx = reference(&f.app).await;
    for (batchsize, pagenumber, offset, size) in [
        ("-1", "-1", 0, 4),
        ("100", "-1", 0, 4),
        ("3", "-1", 0, 3),
        ("-1", "2", 4, 4),
        ("100", "3", 8, 4),
    ] {
        let body = f
            .board(
                guid::STORE_PERFORMANCE,
                &[("batchsize", batchsize), ("pagenumber", pagenumber)],
            )
            .await;
        let what = format!("row cap 4, batchsize {batchsize}, pagenumber {pagenumber}");
        for (i, viz) in STORE_PERFORMANCE.iter().enumerate() {
            let expected = viz.expected(&ctx, &Condition::none()).await;
            assert_entry(
                &body[&f.performance[i]],
                viz,
                &expected,
                offset,
                size,
                &what,
            );
        }
    }
}

async fn compact_and_full_formats(store: StoreKind) {
    let f = Fixture::new(store).await;
    let ctx = reference(&f.app).await;
    let compact = f.board(guid::SALES_OVERVIEW, &[]).await;
    for formattype in ["COMPACT", "compact"] {
        let body = f
            .board(guid::SALES_OVERVIEW, &[("formattype", formattype)])
            .await;
        for (i, viz) in SALES_OVERVIEW.iter().enumerate() {
            let expected = viz.expected(&ctx, &Condition::none()).await;
            assert_entry(
                &body[&f.overview[i]],
                viz,
                &expected,
                0,
                100_000,
                formattype,
            );
        }
    }
    for formattype in ["FULL", "full", "Full"] {
        let paged = [
            ("formattype", formattype),
            ("batchsize", "2"),
            ("pagenumber", "2"),
        ];
        for (pinboard, ids, vizzes) in [
            (guid::SALES_OVERVIEW, &f.overview, &SALES_OVERVIEW[..]),
            (
                guid::STORE_PERFORMANCE,
                &f.performance,
                &STORE_PERFORMANCE[..],
            ),
        ] {
            for (params, offset, size) in [(&paged[..1], 0, 100_000), (&paged[..], 2, 2)] {
                let body = f.board(pinboard, params).await;
                assert_eq!(&keys(&body), ids);
                for (id, viz) in ids.iter().zip(vizzes) {
                    let what = format!("{formattype} {params:?}, {}", viz.name);
                    let entry = &body[id];
                    assert_eq!(keys(entry), ENTRY_KEYS, "{what}");
                    assert_eq!(entry["columnNames"], json!(viz.columns), "{what}");
                    let expected = viz.expected(&ctx, &Condition::none()).await;
                    let page: Vec<Vec<Value>> =
                        expected.iter().skip(offset).take(size).cloned().collect();
                    assert_eq!(entry["totalRowCount"], expected.len(), "{what}");
                    assert_eq!(entry["rowCount"], page.len(), "{what}");
                    assert_eq!(entry["pageSize"], size, "{what}");
                    assert_eq!(entry["offset"], offset, "{what}");
                    assert_eq!(entry["samplingRatio"], 1, "{what}");
                    // Each row is an object keyed by column name, in column order.
                    let rows = entry["data"].as_array().expect("FULL data is an array");
                    let mut values = Vec::new();
                    for row in rows {
                        assert_eq!(keys(row), viz.columns, "{what}: {row}");
                        values.push(Value::from(
                            row.as_object()
                                .unwrap()
                                .values()
                                .cloned()
                                .collect::<Vec<_>>(),
                        ));
                    }
                    assert_rows(&Value::from(values), &page, &what);
                }
            }
        }
    }
    // FULL and COMPACT hold the same values.
    let full = f
        .board(guid::SALES_OVERVIEW, &[("formattype", "FULL")])
        .await;
    for id in &f.overview {
        let names = compact[id]["columnNames"].as_array().unwrap();
        for (object, row) in full[id]["data"]
            .as_array()
            .unwrap()
            .iter()
            .zip(compact[id]["data"].as_array().unwrap())
        {
            for (j, name) in names.iter().enumerate() {
                assert!(
                    same_value(&object[name.as_str().unwrap()], &row[j]),
                    "{object} vs {row}"
                );
            }
        }
    }

    let response = post_query(
        &f.app,
        &f.admin,
        "pinboarddata",
        &[("id", guid::SALES_OVERVIEW), ("formattype", "CSV")],
    )
    .await;
    let message = assert_error(response, 400, 10002).await;
    assert!(
        message.contains("formattype") && message.contains("CSV"),
        "{message}"
    );
}

// ---- runtime filters -------------------------------------------------------------------------

/// The epoch seconds of a column of one order, read by the reference (DATE as midnight UTC).
async fn epoch_of(ctx: &datafusion::prelude::SessionContext, column: &str, order: i64) -> String {
    let value = sql_value(
        ctx,
        &format!("SELECT {column} FROM sales WHERE order_id = {order}"),
    )
    .await;
    value.as_i64().expect("epoch seconds").to_string()
}

/// The SQL value of a column of one order, for conditions that compare with it.
fn of_order(column: &str, order: i64) -> String {
    format!("(SELECT {column} FROM sales WHERE order_id = {order})")
}

async fn every_runtime_filter_operator(store: StoreKind) {
    let f = Fixture::new(store).await;
    let ctx = reference(&f.app).await;
    let date_1100 = epoch_of(&ctx, "order_date", 1100).await;
    let date_1200 = epoch_of(&ctx, "order_date", 1200).await;
    let ship_1100 = epoch_of(&ctx, "ship_time", 1100).await;
    let ship_1200 = epoch_of(&ctx, "ship_time", 1200).await;
    let (d1, d2) = (of_order("order_date", 1100), of_order("order_date", 1200));
    let (s1, s2) = (of_order("ship_time", 1100), of_order("ship_time", 1200));
    let number = |text: &str| text.parse::<i64>().unwrap();
    assert!(number(&date_1100) < number(&date_1200) && number(&ship_1100) < number(&ship_1200));
    assert_eq!(number(&date_1100) % 86_400, 0, "a DATE is midnight UTC");
    assert_ne!(
        number(&ship_1100) % 86_400,
        0,
        "a DATE_TIME has a time of day"
    );
    let (date_1100, date_1200) = (date_1100.as_str(), date_1200.as_str());
    let (ship_1100, ship_1200) = (ship_1100.as_str(), ship_1200.as_str());

    // (column, operator, values, condition)
    let cases: Vec<(&str, &str, Vec<&str>, Condition)> = vec![
        (
            "Region",
            "EQ",
            vec!["East"],
            Condition::worksheet("region = 'East'"),
        ),
        // As in SQL, NE does not match NULL (the store without a region).
        (
            "Region",
            "NE",
            vec!["East"],
            Condition::worksheet("region <> 'East'"),
        ),
        (
            "Category",
            "eq",
            vec!["Footwear"],
            Condition::worksheet("category = 'Footwear'"),
        ),
        (
            "Order Id",
            "LT",
            vec!["1050"],
            Condition::worksheet("order_id < 1050"),
        ),
        (
            "Order Id",
            "LE",
            vec!["1050"],
            Condition::worksheet("order_id <= 1050"),
        ),
        (
            "Order Id",
            "GT",
            vec!["1250"],
            Condition::worksheet("order_id > 1250"),
        ),
        (
            "Order Id",
            "Ge",
            vec!["1250"],
            Condition::worksheet("order_id >= 1250"),
        ),
        (
            "Product",
            "CONTAINS",
            vec!["Shoe"],
            Condition::worksheet("product_name LIKE '%Shoe%'"),
        ),
        (
            "Product",
            "contains",
            vec!["Shoe", "Jacket"],
            Condition::worksheet("(product_name LIKE '%Shoe%' OR product_name LIKE '%Jacket%')"),
        ),
        (
            "City",
            "BEGINS_WITH",
            vec!["B"],
            Condition::worksheet("city LIKE 'B%'"),
        ),
        (
            "Store",
            "ends_with",
            vec!["side"],
            Condition::worksheet("store_name LIKE '%side'"),
        ),
        (
            "Order Id",
            "BW_INC_MAX",
            vec!["1100", "1200"],
            Condition::worksheet("order_id > 1100 AND order_id <= 1200"),
        ),
        (
            "Order Id",
            "BW_INC_MIN",
            vec!["1100", "1200"],
            Condition::worksheet("order_id >= 1100 AND order_id < 1200"),
        ),
        (
            "Order Id",
            "BW_INC",
            vec!["1100", "1200"],
            Condition::worksheet("order_id >= 1100 AND order_id <= 1200"),
        ),
        (
            "Order Id",
            "bw",
            vec!["1100", "1200"],
            Condition::worksheet("order_id > 1100 AND order_id < 1200"),
        ),
        (
            "Store",
            "IN",
            vec!["Downtown", "Harbor", "Sunset"],
            Condition::worksheet("store_name IN ('Downtown', 'Harbor', 'Sunset')"),
        ),
        (
            "Category",
            "in",
            vec!["Footwear", "Accessories"],
            Condition::worksheet("category IN ('Footwear', 'Accessories')"),
        ),
        (
            "Region",
            "In",
            vec!["West"],
            Condition::worksheet("region IN ('West')"),
        ),
        // Dates as epoch seconds: DATE at midnight UTC, DATE_TIME to the second.
        (
            "Order Date",
            "EQ",
            vec![date_1100],
            Condition::worksheet(&format!("order_date = {d1}")),
        ),
        (
            "Order Date",
            "GE",
            vec![date_1200],
            Condition::worksheet(&format!("order_date >= {d2}")),
        ),
        (
            "Order Date",
            "LT",
            vec![date_1100],
            Condition::worksheet(&format!("order_date < {d1}")),
        ),
        (
            "Order Date",
            "BW_INC",
            vec![date_1100, date_1200],
            Condition::worksheet(&format!("order_date >= {d1} AND order_date <= {d2}")),
        ),
        (
            "Order Date",
            "BW",
            vec![date_1100, date_1200],
            Condition::worksheet(&format!("order_date > {d1} AND order_date < {d2}")),
        ),
        (
            "Order Date",
            "BW_INC_MIN",
            vec![date_1100, date_1200],
            Condition::worksheet(&format!("order_date >= {d1} AND order_date < {d2}")),
        ),
        (
            "Order Date",
            "BW_INC_MAX",
            vec![date_1100, date_1200],
            Condition::worksheet(&format!("order_date > {d1} AND order_date <= {d2}")),
        ),
        (
            "Ship Time",
            "LE",
            vec![ship_1100],
            Condition::worksheet(&format!("ship_time <= {s1}")),
        ),
        (
            "Ship Time",
            "GT",
            vec![ship_1200],
            Condition::worksheet(&format!("ship_time > {s2}")),
        ),
        (
            "Ship Time",
            "BW_INC",
            vec![ship_1100, ship_1200],
            Condition::worksheet(&format!("ship_time >= {s1} AND ship_time <= {s2}")),
        ),
        (
            "Ship Time",
            "BW",
            vec![ship_1100, ship_1200],
            Condition::worksheet(&format!("ship_time > {s1} AND ship_time < {s2}")),
        ),
        // Nothing matches: grouped answers are empty, the headline's SUM is 0.
        (
            "Region",
            "EQ",
            vec!["Atlantis"],
            Condition::worksheet("region = 'Atlantis'"),
        ),
        // Columns only the model has filter only its visualization; the worksheet's stay
        // unfiltered. A column no source has filters nothing.
        (
            "Model Category",
            "EQ",
            vec!["Apparel"],
            Condition::on(None, Some("category = 'Apparel'")),
        ),
        (
            "Model Region",
            "NE",
            vec!["West"],
            Condition::on(None, Some("region <> 'West'")),
        ),
        ("Color", "EQ", vec!["red"], Condition::none()),
    ];
    for (column, op, values, condition) in &cases {
        let mut params = vec![("col1", *column), ("op1", *op)];
        for value in values {
            params.push(("val1", *value));
        }
        let what = format!("{column} {op} {values:?}");
        f.check_both(&params, condition, &what).await;
    }
    let empty = f
        .board(
            guid::SALES_OVERVIEW,
            &[("col1", "Region"), ("op1", "EQ"), ("val1", "Atlantis")],
        )
        .await;
    assert_eq!(
        empty[&f.overview[2]]["data"],
        json!([[0.0]]),
        "SUM over no rows"
    );
    assert_eq!(empty[&f.overview[0]]["totalRowCount"], 0);

    // Several filters: all of them apply (AND), each where its column exists; the numbers
    // need not be consecutive.
    let params = [
        ("col1", "Region"),
        ("op1", "EQ"),
        ("val1", "East"),
        ("col2", "Order Id"),
        ("op2", "LT"),
        ("val2", "1150"),
        ("col5", "Model Category"),
        ("op5", "IN"),
        ("val5", "Apparel"),
        ("val5", "Footwear"),
    ];
    let condition = Condition::on(
        Some("region = 'East' AND order_id < 1150"),
        Some("category IN ('Apparel', 'Footwear')"),
    );
    f.check_both(&params, &condition, "three filters").await;

    // Filters combine with vizid, paging and FULL: the filtered answer, paged per viz.
    let vizid = json!([f.overview[1], f.overview[0]]).to_string();
    let body = f
        .board(
            guid::SALES_OVERVIEW,
            &[
                ("vizid", &vizid),
                ("batchsize", "2"),
                ("pagenumber", "2"),
                ("col1", "Region"),
                ("op1", "IN"),
                ("val1", "East"),
                ("val1", "West"),
            ],
        )
        .await;
    assert_eq!(keys(&body), [f.overview[1].clone(), f.overview[0].clone()]);
    let condition = Condition::worksheet("region IN ('East', 'West')");
    for i in [1, 0] {
        let expected = SALES_OVERVIEW[i].expected(&ctx, &condition).await;
        assert_entry(
            &body[&f.overview[i]],
            &SALES_OVERVIEW[i],
            &expected,
            2,
            2,
            "filtered page",
        );
    }

    // A filter the request gets wrong as a whole is a 400 that says which part.
    for (params, wanted) in [
        (
            vec![("col1", "Region"), ("op1", "LIKE"), ("val1", "East")],
            vec!["LIKE", "Region"],
        ),
        (
            vec![("col1", "Color"), ("op1", "ABOUT"), ("val1", "red")],
            vec!["ABOUT"],
        ),
        (vec![("col1", "Region"), ("val1", "East")], vec!["op1"]),
        (vec![("col1", "Region"), ("op1", "EQ")], vec!["val1"]),
    ] {
        let mut all = vec![("id", guid::SALES_OVERVIEW)];
        all.extend(params.iter().copied());
        let response = post_query(&f.app, &f.admin, "pinboarddata", &all).await;
        let message = assert_error(response, 400, 10002).await;
        for part in wanted {
            assert!(message.contains(part), "{params:?}: {part} in {message}");
        }
    }
}

// ---- concurrency and failures --------------------------------------------------------------

const RACE: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00a1";
const JAM: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00a2";
const MIXED: &str = "6d1f3a52-0c1b-4d8e-9f11-2b7c9a1e00a3";

async fn a_slow_and_a_fast_visualization_in_one_call(store: StoreKind) {
    let f = Fixture::new(store).await;
    let rows = 3_000;
    let mut documents = slow_model(&f.app, "race", rows as usize);
    documents.push(liveboard_tml(
        RACE,
        "Race",
        &[
            ("Slow", "race Slow", "[Slow A] [Slow B]"),
            ("Fast", "Retail Sales", "[Revenue] [Region]"),
        ],
    ));
    import_ok(&f.app, &f.admin, &documents, &[]).await;
    let ids = viz_ids(&f.app, &f.admin, RACE).await;
    let ctx = reference(&f.app).await;
    let fast = sql(
        &ctx,
        &over_worksheet(
            "SELECT region, SUM(revenue) FROM ws GROUP BY region ORDER BY lower(region) NULLS LAST",
        ),
    )
    .await;

    // The fast visualization alone, then the slow one alone, then both in one call.
    let timed = |params: Vec<(&'static str, String)>| {
        let f = &f;
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let started = Instant::now();
            let body = f.board(RACE, &params).await;
            (body, started.elapsed())
        }
    };
    let (alone, fast_time) = timed(vec![("vizid", ids[1].clone())]).await;
    assert_rows(&alone[&ids[1]]["data"], &fast, "fast alone");
    let (alone, slow_time) = timed(vec![("vizid", ids[0].clone())]).await;
    assert_rows(&alone[&ids[0]]["data"], &slow_answer(rows), "slow alone");
    let (both, both_time) = timed(vec![]).await;
    assert_eq!(keys(&both), ids);
    assert_eq!(
        both[&ids[0]]["columnNames"],
        json!(["Slow B", "Total Slow A"])
    );
    assert_rows(
        &both[&ids[0]]["data"],
        &slow_answer(rows),
        "slow beside fast",
    );
    assert_eq!(both[&ids[0]]["totalRowCount"], 5);
    assert_eq!(
        both[&ids[1]]["columnNames"],
        json!(["Region", "Total Revenue"])
    );
    assert_rows(&both[&ids[1]]["data"], &fast, "fast beside slow");
    assert!(
        slow_time > fast_time,
        "the join explosion is the slow one: slow {slow_time:?}, fast {fast_time:?}, both {both_time:?}"
    );
    // Paging applies to each: the slow answer's second page, the fast one's too.
    let body = f
        .board(RACE, &[("batchsize", "3"), ("pagenumber", "2")])
        .await;
    assert_entry_rows(&body[&ids[0]], &slow_answer(rows)[3..], 3, 3);
    assert_entry_rows(&body[&ids[1]], &fast[3..], 3, 3);
}

/// Asserts a page's rows and window.
#[track_caller]
fn assert_entry_rows(entry: &Value, rows: &[Vec<Value>], offset: usize, size: usize) {
    assert_eq!(entry["offset"], offset, "{entry}");
    assert_eq!(entry["pageSize"], size, "{entry}");
    let page: Vec<Vec<Value>> = rows.iter().take(size).cloned().collect();
    assert_rows(&entry["data"], &page, "page");
}

async fn visualizations_run_concurrently(store: StoreKind) {
    // Each visualization runs into the 1 s timeout: one after the other, four would take at
    // least 4 s; run together, the call answers after about 1 s.
    let f = Fixture::with(store, |config| config.query_timeout_secs = 1).await;
    let mut documents = slow_model(&f.app, "jam", 16_000);
    documents.push(liveboard_tml(
        JAM,
        "Jam",
        &[
            ("Slow 1", "jam Slow", "[Slow A] [Slow B]"),
            ("Slow 2", "jam Slow", "[Slow B] [Slow A]"),
            ("Fast", "Retail Sales", "[Revenue] [Category]"),
            ("Slow 3", "jam Slow", "max [Slow A] [Slow B]"),
            ("Slow 4", "jam Slow", "min [Slow A] [Slow B]"),
        ],
    ));
    import_ok(&f.app, &f.admin, &documents, &[]).await;
    let ids = viz_ids(&f.app, &f.admin, JAM).await;
    let ctx = reference(&f.app).await;
    let fast = sql(
        &ctx,
        &over_worksheet(
            "SELECT category, SUM(revenue) FROM ws GROUP BY category ORDER BY lower(category)",
        ),
    )
    .await;

    // Twice: the searches cancelled in the first call must not keep the worker threads busy
    // during the second (a join that never yielded to Tokio did, for many seconds, and the
    // second call's timeouts fired late).
    for round in 1..=2 {
        let started = Instant::now();
        let body = f.board(JAM, &[]).await;
        let elapsed = started.elapsed();
        assert_eq!(keys(&body), ids);
        for (i, id) in ids.iter().enumerate() {
            let entry = &body[id];
            if i == 2 {
                assert!(entry.get("error").is_none(), "{entry}");
                assert_rows(&entry["data"], &fast, "the fast visualization");
                continue;
            }
            let error = entry["error"]
                .as_str()
                .unwrap_or_else(|| panic!("an error: {entry}"));
            assert!(
                error.contains("took longer than 1 s and was cancelled")
                    && error.contains("jam Slow"),
                "round {round}: {error}"
            );
            assert_eq!(entry["rowCount"], 0);
            assert_eq!(entry["data"], json!([]));
        }
        assert!(
            elapsed >= Duration::from_millis(900),
            "round {round}: not before the timeout: {elapsed:?}"
        );
        assert!(
            elapsed < Duration::from_secs(3),
            "round {round}: four visualizations of 1 s each answered in {elapsed:?}: they did not run concurrently, or did not stop at the timeout"
        );
    }

    // The server is not left busy: the fast visualization alone answers (within its 1 s).
    let vizid = json!([ids[2]]).to_string();
    let body = f.board(JAM, &[("vizid", &vizid)]).await;
    assert_rows(&body[&ids[2]]["data"], &fast, "afterwards");
}

async fn one_failing_visualization_does_not_lose_the_others(store: StoreKind) {
    let f = Fixture::new(store).await;
    let file = f.app.data_dir.join("data/fragile.csv");
    let good = "label,score\nb,2.5\na,1.5\n";
    std::fs::write(&file, good).unwrap();
    let table = table_tml(
        "fragile",
        "fragile.csv",
        &[
            ("Label", "label", "VARCHAR", "ATTRIBUTE"),
            ("Score", "score", "DOUBLE", "MEASURE"),
        ],
        "",
    );
    let board = liveboard_tml(
        MIXED,
        "Mixed",
        &[
            ("By Region", "Retail Sales", "[Revenue] [Region]"),
            ("Fragile", "fragile", "[Label] [Score]"),
            ("Headline", "Retail Sales", "[Quantity]"),
        ],
    );
    import_ok(&f.app, &f.admin, &[table, board], &[]).await;
    let ids = viz_ids(&f.app, &f.admin, MIXED).await;
    let ctx = reference(&f.app).await;
    let by_region = sql(
        &ctx,
        &over_worksheet(
            "SELECT region, SUM(revenue) FROM ws GROUP BY region ORDER BY lower(region) NULLS LAST",
        ),
    )
    .await;
    let quantity = sql(&ctx, &over_worksheet("SELECT SUM(quantity) FROM ws")).await;
    let check_others = |body: &Value, what: &str| {
        assert_eq!(keys(body), ids, "{what}");
        assert_rows(&body[&ids[0]]["data"], &by_region, what);
        assert_rows(&body[&ids[2]]["data"], &quantity, what);
        for i in [0, 2] {
            assert!(
                body[&ids[i]].get("error").is_none(),
                "{what}: {}",
                body[&ids[i]]
            );
        }
    };
    let check_failed = |body: &Value, wanted: &str, what: &str| {
        let entry = &body[&ids[1]];
        let error = entry["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: an error in {entry}"));
        assert!(error.contains(wanted), "{what}: {wanted:?} in {error}");
        assert_eq!(entry["name"], "Fragile", "{what}");
        assert_eq!(entry["data"], json!([]), "{what}");
        assert_eq!(entry["rowCount"], 0, "{what}");
        assert_eq!(entry["totalRowCount"], 0, "{what}");
        let mut shape = ENTRY_KEYS.to_vec();
        shape.push("error");
        assert_eq!(keys(entry), shape, "{what}");
    };

    let body = f.board(MIXED, &[]).await;
    check_others(&body, "all well");
    assert_eq!(body[&ids[1]]["data"], json!([["a", 1.5], ["b", 2.5]]));

    // The file vanishes: that visualization says why, the others answer, the call is a 200.
    std::fs::remove_file(&file).unwrap();
    let body = f.board(MIXED, &[]).await;
    check_others(&body, "file removed");
    check_failed(&body, "fragile", "file removed");
    let body = f.board(MIXED, &[("formattype", "FULL")]).await;
    check_others_full(&body, &ids);
    check_failed(&body, "fragile", "file removed, FULL");

    // A file that does not read as declared.
    std::fs::write(&file, "label,score\na,lots\n").unwrap();
    let body = f.board(MIXED, &[]).await;
    check_others(&body, "file unreadable");
    check_failed(&body, "fragile", "file unreadable");

    // Fixed, it answers again on the next call.
    std::fs::write(&file, good).unwrap();
    let body = f.board(MIXED, &[]).await;
    check_others(&body, "fixed");
    assert_eq!(body[&ids[1]]["data"], json!([["a", 1.5], ["b", 2.5]]));

    // A runtime filter whose value does not fit a visualization's column fails that
    // visualization only; the model's, which lacks the column, answers unfiltered.
    let model = STORE_PERFORMANCE[1]
        .expected(&ctx, &Condition::none())
        .await;
    for (op, values, wanted) in [
        (
            "EQ",
            vec!["many"],
            "Invalid value \"many\" for column \"Order Id\"",
        ),
        ("BW", vec!["1100"], "exactly two"),
        ("CONTAINS", vec!["11"], "text"),
    ] {
        let mut params = vec![("col1", "Order Id"), ("op1", op)];
        params.extend(values.iter().map(|v| ("val1", *v)));
        let body = f.board(guid::STORE_PERFORMANCE, &params).await;
        let failed = &body[&f.performance[0]];
        let error = failed["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{op}: an error in {failed}"));
        assert!(error.contains(wanted), "{op}: {wanted:?} in {error}");
        assert_eq!(failed["name"], "Revenue by Store");
        assert_entry(
            &body[&f.performance[1]],
            &STORE_PERFORMANCE[1],
            &model,
            0,
            100_000,
            op,
        );
    }
}

/// FULL rows of the two working visualizations of "Mixed" are objects keyed by column.
fn check_others_full(body: &Value, ids: &[String]) {
    for i in [0, 2] {
        let rows = body[&ids[i]]["data"].as_array().unwrap();
        assert!(!rows.is_empty());
        for row in rows {
            assert_eq!(
                keys(row),
                body[&ids[i]]["columnNames"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_string())
                    .collect::<Vec<_>>()
            );
        }
    }
}

// ---- visibility -----------------------------------------------------------------------------

async fn unknown_and_invisible_ids_are_400s_that_name_them(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    // tsadmin imports the model privately: nobody else is given access.
    let documents: Vec<String> = fixtures::install(&app)
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    import_ok(&app, &admin, &documents, &[("private", "true")]).await;
    let f = Fixture::ready(app, admin).await;
    create_user(&f.app, &f.admin, "alice", "alice pw").await;
    let alice = f.app.logged_in("alice", "alice pw").await;

    let refused = |client: &Client, params: Vec<(&'static str, String)>| {
        let app = &f.app;
        let client = client.clone();
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let response = post_query(app, &client, "pinboarddata", &params).await;
            assert_error(response, 400, 10002).await
        }
    };
    let no_pinboard =
        |id: &str| format!("No pinboard with id '{id}' exists, or you do not have access to it");

    // Unknown ids, and ids of objects that are not pinboards.
    for id in [UNKNOWN, guid::WORKSHEET, guid::SALES, "not-a-guid"] {
        let message = refused(&f.admin, vec![("id", id.to_string())]).await;
        assert_eq!(message, no_pinboard(id));
    }
    // An unknown visualization, or one of another pinboard: 400 naming it.
    let other = f.performance[0].clone();
    for vizid in [
        json!([UNKNOWN]).to_string(),
        json!([f.overview[0], other]).to_string(),
    ] {
        let message = refused(
            &f.admin,
            vec![
                ("id", guid::SALES_OVERVIEW.to_string()),
                ("vizid", vizid.clone()),
            ],
        )
        .await;
        let named = if vizid.contains(UNKNOWN) {
            UNKNOWN
        } else {
            other.as_str()
        };
        assert!(
            message.contains(named) && message.contains("Sales Overview"),
            "{vizid}: {message}"
        );
    }

    // alice may read neither pinboard: the same words as for one that does not exist.
    for pinboard in [guid::SALES_OVERVIEW, guid::STORE_PERFORMANCE] {
        let message = refused(&alice, vec![("id", pinboard.to_string())]).await;
        assert_eq!(message, no_pinboard(pinboard));
        let vizid = json!([f.overview[0]]).to_string();
        let message = refused(&alice, vec![("id", pinboard.to_string()), ("vizid", vizid)]).await;
        assert_eq!(message, no_pinboard(pinboard), "the viz id is no way in");
    }

    // Shared with her, Sales Overview answers — though the worksheet under it stays closed.
    let list = list_as(&f.app, &f.admin).await;
    let alice_id = user(&list, "alice")["id"].as_str().unwrap().to_string();
    let response = share(
        &f.app,
        &f.admin,
        "PINBOARD_ANSWER_BOOK",
        &[guid::SALES_OVERVIEW],
        &permission(&alice_id, "READ_ONLY"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let ctx = reference(&f.app).await;
    let body = pinboard_ok(&f.app, &alice, &[("id", guid::SALES_OVERVIEW)]).await;
    assert_eq!(keys(&body), f.overview);
    for (i, viz) in SALES_OVERVIEW.iter().enumerate() {
        let expected = viz.expected(&ctx, &Condition::none()).await;
        assert_entry(&body[&f.overview[i]], viz, &expected, 0, 100_000, "alice");
    }
    let message = refused(&alice, vec![("id", guid::STORE_PERFORMANCE.to_string())]).await;
    assert_eq!(message, no_pinboard(guid::STORE_PERFORMANCE));
    let response = post_query(
        &f.app,
        &alice,
        "searchdata",
        &[
            ("query_string", "[Revenue]"),
            ("data_source_guid", guid::WORKSHEET),
        ],
    )
    .await;
    assert_error(response, 400, 10002).await;

    // Without a session: 401.
    let response = post_query(
        &f.app,
        &client(),
        "pinboarddata",
        &[("id", guid::SALES_OVERVIEW)],
    )
    .await;
    assert_error(response, 401, 10003).await;
}

// ---- live data ------------------------------------------------------------------------------

/// Rewrites `sales.parquet` with `query` over the current file (atomically, by a rename).
async fn rewrite_sales(app: &TestApp, query: &str) {
    let data = app.data_dir.join("data");
    let ctx = reference_at(&data).await;
    let batches = ctx.sql(query).await.unwrap().collect().await.unwrap();
    let temporary = data.join("sales.parquet.new");
    let file = std::fs::File::create(&temporary).unwrap();
    let mut writer =
        datafusion::parquet::arrow::ArrowWriter::try_new(file, batches[0].schema(), None).unwrap();
    for batch in &batches {
        writer.write(batch).unwrap();
    }
    writer.close().unwrap();
    std::fs::rename(&temporary, data.join("sales.parquet")).unwrap();
}

async fn live_data(store: StoreKind, in_memory: bool) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let documents: Vec<String> = fixtures::install(&app)
        .into_iter()
        .map(|(file, text)| {
            if in_memory && file == "Retail Files.connection.tml" {
                let path = "  - key: path\n    value: data\n";
                assert!(text.contains(path));
                text.replace(
                    path,
                    &format!("{path}  - key: in_memory\n    value: \"true\"\n"),
                )
            } else {
                text
            }
        })
        .collect();
    import_ok(&app, &admin, &documents, &[]).await;
    let f = Fixture::ready(app, admin).await;
    f.check_both(&[], &Condition::none(), "as installed").await;
    let before = f.board(guid::STORE_PERFORMANCE, &[]).await;

    // A store moves region and the store without one gets one (the CSV grows).
    let stores = f.app.data_dir.join("data/stores.csv");
    let text = std::fs::read_to_string(&stores).unwrap();
    let moved = text
        .replace("Lakeside,Chicago,Central", "Lakeside,Chicago,Midwest")
        .replace("Pop-up,Denver,\n", "Pop-up,Denver,West\n");
    assert_ne!(moved, text);
    std::fs::write(&stores, &moved).unwrap();
    f.check_both(&[], &Condition::none(), "stores rewritten")
        .await;
    let after = f.board(guid::STORE_PERFORMANCE, &[]).await;
    assert_ne!(
        before[&f.performance[0]]["data"], after[&f.performance[0]]["data"],
        "the regions changed"
    );
    // Rewritten again at once with the same size: still the new contents.
    let same_size = moved.replace("Midwest", "Prairie");
    assert_eq!(same_size.len(), moved.len());
    std::fs::write(&stores, &same_size).unwrap();
    f.check_both(&[], &Condition::none(), "stores rewritten, same size")
        .await;
    let regions = f
        .board(
            guid::STORE_PERFORMANCE,
            &[("col1", "Region"), ("op1", "EQ"), ("val1", "Prairie")],
        )
        .await;
    assert_eq!(regions[&f.performance[0]]["rowCount"], 1, "{regions}");

    // The orders change: fewer of them, more revenue each (the Parquet file is replaced).
    rewrite_sales(
        &f.app,
        "SELECT order_id, order_date, ship_time, store_id, product_id, ship_mode, status, \
         quantity + 1 AS quantity, revenue * 2 AS revenue, discount FROM sales \
         WHERE order_id % 3 <> 0 ORDER BY order_id",
    )
    .await;
    f.check_both(&[], &Condition::none(), "sales rewritten")
        .await;
    let rewritten = f.board(guid::STORE_PERFORMANCE, &[]).await;
    assert_ne!(
        after[&f.performance[1]]["data"], rewritten[&f.performance[1]]["data"],
        "the quantities changed"
    );
    f.check_both(
        &[("col1", "Order Id"), ("op1", "LT"), ("val1", "1100")],
        &Condition::worksheet("order_id < 1100"),
        "sales rewritten, filtered",
    )
    .await;
}

async fn a_changed_file_shows_on_the_next_call(store: StoreKind) {
    live_data(store, false).await;
}

async fn a_changed_file_shows_on_the_next_call_in_memory(store: StoreKind) {
    live_data(store, true).await;
}

both_stores!(
    both_pinboards_answer_every_visualization,
    vizid_in_every_spelling,
    paging_applies_to_each_visualization,
    the_row_cap_is_the_page_size_of_every_visualization,
    compact_and_full_formats,
    every_runtime_filter_operator,
    a_slow_and_a_fast_visualization_in_one_call,
    visualizations_run_concurrently,
    one_failing_visualization_does_not_lose_the_others,
    unknown_and_invisible_ids_are_400s_that_name_them,
    a_changed_file_shows_on_the_next_call,
    a_changed_file_shows_on_the_next_call_in_memory,
);
