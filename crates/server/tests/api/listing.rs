//! `metadata/listobjectheaders` and `metadata/listvizheaders` (issue 3, API-DECISIONS.md
//! "Metadata", reference §4.10–4.11, §5.1–5.3): every type, every parameter in the
//! spellings clients use, the header fields, and the visualization headers.

use std::collections::BTreeSet;

use reqwest::Client;
use serde_json::json;

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

/// A catalog built one document at a time (so `created` orders them): tsadmin imports the
/// fixture except `Revenue by Region`, which dana imports (so authors differ).
struct Staged {
    app: TestApp,
    admin: Client,
    dana: Client,
    people: People,
}

/// Import order, for the CREATED sort.
const STAGES: [&str; 9] = [
    "Retail Files.connection.tml",
    "products.table.tml",
    "stores.table.tml",
    "sales.table.tml",
    "Retail Sales.worksheet.tml",
    "Retail Model.model.tml",
    "Monthly Revenue.answer.tml",
    "Sales Overview.liveboard.tml",
    "Store Performance.pinboard.tml",
];

async fn staged(store: StoreKind) -> Staged {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let people = people(&app, &admin).await;
    let docs = install(&app);
    for file in STAGES {
        tick().await;
        import_ok(&app, &admin, &[doc(&docs, file)], &[]).await;
    }
    tick().await;
    let dana = as_user(&app, "dana").await;
    import_ok(
        &app,
        &dana,
        &[doc(&docs, "Revenue by Region.answer.tml")],
        &[],
    )
    .await;
    Staged {
        app,
        admin,
        dana,
        people,
    }
}

const TABLES_BY_NAME: [&str; 5] = [
    "products",
    "Retail Model",
    "Retail Sales",
    "sales",
    "stores",
];

async fn every_type_and_the_header_fields(store: StoreKind) {
    let Staged {
        app, admin, people, ..
    } = staged(store).await;

    assert_eq!(
        names_of(&of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await),
        ["Monthly Revenue", "Revenue by Region"]
    );
    assert_eq!(
        names_of(&of_type(&app, &admin, "PINBOARD_ANSWER_BOOK").await),
        ["Sales Overview", "Store Performance"]
    );
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    assert_eq!(names_of(&tables), TABLES_BY_NAME);
    let sources = of_type(&app, &admin, "DATA_SOURCE").await;
    assert_eq!(names_of(&sources), ["Retail Files"]);
    assert_eq!(
        sources[0]["description"],
        "The fixture data beside these TML files."
    );
    let columns = of_type(&app, &admin, "LOGICAL_COLUMN").await;
    assert_eq!(columns.len(), FIXTURE_COLUMNS);
    let column_names = names_of(&columns);
    let as_strs: Vec<&str> = column_names.iter().map(String::as_str).collect();
    assert_eq!(column_names, sorted(&as_strs), "columns sort by name");
    for name in ["Model Revenue", "Unit Price", "Ship Mode", "Category"] {
        assert!(column_names.iter().any(|n| n == name), "{name}");
    }
    // "Order Date": a column of sales and one of the worksheet.
    assert_eq!(
        column_names.iter().filter(|n| *n == "Order Date").count(),
        2
    );
    assert!(of_type(&app, &admin, "TAG").await.is_empty());

    assign_tag(
        &app,
        &admin,
        &[guid::WORKSHEET, guid::REVENUE_BY_REGION],
        &["Finance"],
    )
    .await;
    assign_tag(
        &app,
        &admin,
        &[guid::STORE_PERFORMANCE, guid::WORKSHEET],
        &["Ops"],
    )
    .await;
    let tags = of_type(&app, &admin, "TAG").await;
    assert_eq!(names_of(&tags), ["Finance", "Ops"]);
    for tag in &tags {
        assert_eq!(tag["author"], ADMIN_ID);
        assert_eq!(tag["authorName"], "tsadmin");
    }

    // Principals: USER and USER_GROUP headers add displayName.
    let users = of_type(&app, &admin, "USER").await;
    let user_names: BTreeSet<String> = names_of(&users).into_iter().collect();
    for name in ["dana", "dora", "gina", "olga", "sam", "tsadmin"] {
        assert!(user_names.contains(name), "{name} in {user_names:?}");
    }
    for user in &users {
        assert!(user["displayName"].is_string(), "{user}");
    }
    let dana = header(&users, people.id("dana"));
    assert_eq!(dana["name"], "dana");
    assert_eq!(dana["displayName"], "Dana Data");
    let groups = of_type(&app, &admin, "USER_GROUP").await;
    let group_names: BTreeSet<String> = names_of(&groups).into_iter().collect();
    for name in ["All", "Administrator", "Analysts", "Data Team"] {
        assert!(group_names.contains(name), "{name} in {group_names:?}");
    }
    for group in &groups {
        assert!(group["displayName"].is_string(), "{group}");
    }
    assert_eq!(
        header(&groups, people.id("Data Team"))["displayName"],
        "Data Team"
    );

    // The fields of an object header (API-DECISIONS.md "Metadata").
    let tables = of_type(&app, &admin, "LOGICAL_TABLE").await;
    let ws = header(&tables, guid::WORKSHEET);
    assert_eq!(ws["name"], "Retail Sales");
    assert_eq!(
        ws["description"],
        "Orders with their store and product; test orders left out."
    );
    assert_eq!(ws["author"], ADMIN_ID);
    assert_eq!(ws["owner"], ADMIN_ID);
    assert_eq!(ws["authorName"], "tsadmin");
    assert_eq!(ws["modifiedBy"], ADMIN_ID);
    assert_eq!(ws["isAutoCreated"], false);
    assert_eq!(ws["isAutoDelete"], false);
    let created = ws["created"].as_i64().unwrap();
    assert!(created > 1_600_000_000_000, "epoch milliseconds: {created}");
    assert_eq!(ws["modified"], created);
    assert!(ws.get("displayName").is_none());
    let finance = tags[0]["id"].as_str().unwrap();
    let ops = tags[1]["id"].as_str().unwrap();
    assert_eq!(
        ws["tags"],
        json!([{"id": finance, "name": "Finance"}, {"id": ops, "name": "Ops"}])
    );
    let products = header(&tables, guid::PRODUCTS);
    assert!(
        products.get("description").is_none(),
        "no description when unset: {products}"
    );
    assert_eq!(products["tags"], json!([]));
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    let by_dana = header(&answers, guid::REVENUE_BY_REGION);
    for field in ["author", "owner", "modifiedBy"] {
        assert_eq!(by_dana[field], people.id("dana"), "{field}");
    }
    assert_eq!(by_dana["authorName"], "dana");
    assert_eq!(by_dana["tags"], json!([{"id": finance, "name": "Finance"}]));
    let column = columns
        .iter()
        .find(|c| c["name"] == "Model Revenue")
        .unwrap();
    assert_eq!(column["author"], ADMIN_ID);
    assert_eq!(column["owner"], ADMIN_ID);

    // Unknown, missing and misplaced types and subtypes: 400.
    for query in [
        vec![("type", "PINBOARD")],
        vec![("type", "LOGICAL_VIEW"), ("subtypes", "[\"WORKSHEET\"]")],
        vec![],
        vec![("type", "")],
        vec![("type", "LOGICAL_TABLE"), ("subtypes", "[\"NOPE\"]")],
        vec![
            ("type", "QUESTION_ANSWER_BOOK"),
            ("subtypes", "[\"WORKSHEET\"]"),
        ],
    ] {
        let message = assert_error(headers_response(&app, &admin, &query).await, 400, 10002).await;
        assert!(
            message.contains("type") || message.contains("subtype"),
            "{query:?}: {message}"
        );
    }
}

async fn subtypes_categories_and_sorting(store: StoreKind) {
    let Staged {
        app,
        admin,
        dana,
        people,
    } = staged(store).await;
    let list = |query: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = &admin;
        async move {
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            names_of(&headers(app, admin, &query).await)
        }
    };
    let table = |pairs: &[(&'static str, &str)]| {
        let mut query = vec![("type", "LOGICAL_TABLE".to_string())];
        query.extend(pairs.iter().map(|(k, v)| (*k, v.to_string())));
        query
    };

    // Subtypes, in every list spelling; [] and "" mean all.
    for spelling in [
        r#"["WORKSHEET"]"#,
        "['WORKSHEET']",
        "[WORKSHEET]",
        r#""WORKSHEET""#,
        "WORKSHEET",
        "worksheet",
    ] {
        assert_eq!(
            list(table(&[("subtypes", spelling)])).await,
            ["Retail Model", "Retail Sales"],
            "{spelling}"
        );
    }
    assert_eq!(
        list(table(&[("subtypes", r#"["ONE_TO_ONE_LOGICAL"]"#)])).await,
        ["products", "sales", "stores"]
    );
    for spelling in [
        r#"["ONE_TO_ONE_LOGICAL", "WORKSHEET"]"#,
        "[ONE_TO_ONE_LOGICAL, WORKSHEET]",
        "[]",
        "",
    ] {
        assert_eq!(
            list(table(&[("subtypes", spelling)])).await,
            TABLES_BY_NAME,
            "{spelling}"
        );
    }
    assert!(
        list(table(&[("subtypes", "[AGGR_WORKSHEET]")]))
            .await
            .is_empty()
    );

    // Categories: ALL, MY (what the caller owns), FAVORITE and REQUESTED (empty).
    let answers = |category: &str, client: &Client| {
        let app = &app;
        let client = client.clone();
        let category = category.to_string();
        async move {
            names_of(
                &headers(
                    app,
                    &client,
                    &[("type", "QUESTION_ANSWER_BOOK"), ("category", &category)],
                )
                .await,
            )
        }
    };
    assert_eq!(
        answers("ALL", &admin).await,
        ["Monthly Revenue", "Revenue by Region"]
    );
    assert_eq!(
        answers("", &admin).await,
        ["Monthly Revenue", "Revenue by Region"]
    );
    assert_eq!(answers("MY", &admin).await, ["Monthly Revenue"]);
    assert_eq!(answers("MY", &dana).await, ["Revenue by Region"]);
    assert_eq!(
        answers("ALL", &dana).await,
        ["Monthly Revenue", "Revenue by Region"]
    );
    for category in ["FAVORITE", "REQUESTED"] {
        assert!(answers(category, &admin).await.is_empty());
        assert!(answers(category, &dana).await.is_empty());
    }
    let mine = headers(
        &app,
        &dana,
        &[("type", "LOGICAL_TABLE"), ("category", "MY")],
    )
    .await;
    assert!(mine.is_empty());
    let response = headers_response(&app, &admin, &[("type", "TAG"), ("category", "MINE")]).await;
    let message = assert_error(response, 400, 10002).await;
    assert!(message.contains("category"), "{message}");

    // Sorting: DEFAULT and NAME are by name, case-insensitively (an ASCII sort would put
    // "Retail …" before "products"); DISPLAY_NAME is the name for objects.
    for sort in ["", "DEFAULT", "NAME", "DISPLAY_NAME", "name"] {
        assert_eq!(
            list(table(&[("sort", sort)])).await,
            TABLES_BY_NAME,
            "{sort}"
        );
        let mut reversed = TABLES_BY_NAME.to_vec();
        reversed.reverse();
        assert_eq!(
            list(table(&[("sort", sort), ("sortascending", "false")])).await,
            reversed,
            "{sort} descending"
        );
        assert_eq!(
            list(table(&[("sort", sort), ("sortascending", "TRUE")])).await,
            TABLES_BY_NAME
        );
    }
    let by_creation = [
        "products",
        "stores",
        "sales",
        "Retail Sales",
        "Retail Model",
    ];
    assert_eq!(list(table(&[("sort", "CREATED")])).await, by_creation);
    let mut reversed = by_creation.to_vec();
    reversed.reverse();
    assert_eq!(
        list(table(&[("sort", "CREATED"), ("sortascending", "false")])).await,
        reversed
    );
    // A re-import with a change moves products to the end of MODIFIED, not of CREATED.
    tick().await;
    let docs = install(&app);
    let products = edit(
        &doc(&docs, "products.table.tml"),
        "  name: products\n",
        "  name: products\n  description: Re-imported.\n",
    );
    import_ok(&app, &admin, &[products], &[]).await;
    assert_eq!(list(table(&[("sort", "CREATED")])).await, by_creation);
    assert_eq!(
        list(table(&[("sort", "MODIFIED")])).await,
        [
            "stores",
            "sales",
            "Retail Sales",
            "Retail Model",
            "products"
        ]
    );
    assert_eq!(
        list(table(&[("sort", "MODIFIED"), ("sortascending", "false")])).await,
        [
            "products",
            "Retail Model",
            "Retail Sales",
            "sales",
            "stores"
        ]
    );
    // AUTHOR: by the owner's name (dana before tsadmin), unlike NAME.
    let answers_by = |sort: &str, ascending: &str| {
        let mut query = vec![("type", "QUESTION_ANSWER_BOOK".to_string())];
        query.push(("sort", sort.to_string()));
        query.push(("sortascending", ascending.to_string()));
        list(query)
    };
    assert_eq!(
        answers_by("AUTHOR", "true").await,
        ["Revenue by Region", "Monthly Revenue"]
    );
    assert_eq!(
        answers_by("AUTHOR", "false").await,
        ["Monthly Revenue", "Revenue by Region"]
    );
    assert_eq!(
        answers_by("NAME", "true").await,
        ["Monthly Revenue", "Revenue by Region"]
    );
    // Users: DISPLAY_NAME sorts by display name (sam is "Abe Stranger").
    let mine: Vec<&str> = ["dana", "dora", "gina", "olga", "sam"]
        .iter()
        .map(|n| people.id(n))
        .collect();
    let fetch = json!(mine).to_string();
    let users = |sort: &str| {
        let query = vec![
            ("type", "USER".to_string()),
            ("fetchids", fetch.clone()),
            ("sort", sort.to_string()),
        ];
        list(query)
    };
    assert_eq!(users("NAME").await, ["dana", "dora", "gina", "olga", "sam"]);
    assert_eq!(
        users("DISPLAY_NAME").await,
        ["sam", "dana", "dora", "gina", "olga"]
    );
    let all_users = headers(&app, &admin, &[("type", "USER"), ("sort", "DISPLAY_NAME")]).await;
    let displays: Vec<String> = all_users
        .iter()
        .map(|u| u["displayName"].as_str().unwrap().to_lowercase())
        .collect();
    let mut sorted_displays = displays.clone();
    sorted_displays.sort();
    assert_eq!(displays, sorted_displays);

    for query in [
        table(&[("sort", "SIZE")]),
        table(&[("sortascending", "maybe")]),
    ] {
        let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_error(headers_response(&app, &admin, &query).await, 400, 10002).await;
    }
}

async fn paging_tags_patterns_and_ids(store: StoreKind) {
    let Staged { app, admin, .. } = staged(store).await;
    let get = |query: Vec<(&'static str, String)>| {
        let app = &app;
        let admin = &admin;
        async move {
            let query: Vec<(&str, &str)> = query.iter().map(|(k, v)| (*k, v.as_str())).collect();
            headers(app, admin, &query).await
        }
    };
    let q = |pairs: &[(&'static str, &str)]| -> Vec<(&'static str, String)> {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    };

    // Paging: -1 and "" are the defaults (everything); pages cover everything exactly once.
    let all = get(q(&[("type", "LOGICAL_COLUMN")])).await;
    assert_eq!(all.len(), FIXTURE_COLUMNS);
    for defaults in [
        q(&[
            ("type", "LOGICAL_COLUMN"),
            ("offset", "-1"),
            ("batchsize", "-1"),
        ]),
        q(&[
            ("type", "LOGICAL_COLUMN"),
            ("offset", ""),
            ("batchsize", ""),
            ("sortascending", ""),
            ("pattern", ""),
            ("sort", "DEFAULT"),
        ]),
    ] {
        assert_eq!(get(defaults).await, all);
    }
    for (sort, ascending) in [("DEFAULT", "true"), ("NAME", "false"), ("CREATED", "true")] {
        let whole = get(q(&[
            ("type", "LOGICAL_COLUMN"),
            ("sort", sort),
            ("sortascending", ascending),
        ]))
        .await;
        let mut paged = Vec::new();
        let mut offset = 0;
        loop {
            let page = get(q(&[
                ("type", "LOGICAL_COLUMN"),
                ("sort", sort),
                ("sortascending", ascending),
                ("offset", &offset.to_string()),
                ("batchsize", "7"),
            ]))
            .await;
            assert!(page.len() <= 7);
            offset += page.len();
            let last = page.len() < 7;
            paged.extend(page);
            if last {
                break;
            }
        }
        assert_eq!(ids_of(&paged), ids_of(&whole), "{sort} {ascending}");
        let distinct: BTreeSet<String> = ids_of(&paged).into_iter().collect();
        assert_eq!(distinct.len(), FIXTURE_COLUMNS, "each once");
    }
    let tail = get(q(&[("type", "LOGICAL_COLUMN"), ("offset", "30")])).await;
    assert_eq!(ids_of(&tail), ids_of(&all[30..]));
    let head = get(q(&[("type", "LOGICAL_COLUMN"), ("batchsize", "4")])).await;
    assert_eq!(ids_of(&head), ids_of(&all[..4]));
    assert!(
        get(q(&[("type", "LOGICAL_COLUMN"), ("offset", "100")]))
            .await
            .is_empty()
    );
    for bad in [("offset", "-2"), ("batchsize", "-5"), ("batchsize", "ten")] {
        let response = headers_response(&app, &admin, &[("type", "LOGICAL_COLUMN"), bad]).await;
        let message = assert_error(response, 400, 10002).await;
        assert!(message.contains(bad.0), "{message}");
    }

    // Tags (metadata/assigntag), matched by name in any case and any list spelling.
    assign_tag(
        &app,
        &admin,
        &[guid::WORKSHEET, guid::REVENUE_BY_REGION],
        &["Finance"],
    )
    .await;
    assign_tag(
        &app,
        &admin,
        &[guid::STORE_PERFORMANCE, guid::WORKSHEET],
        &["Ops"],
    )
    .await;
    for spelling in [r#"["Finance"]"#, "['finance']", "[FINANCE]", "Finance"] {
        let tagged = get(q(&[("type", "LOGICAL_TABLE"), ("tagname", spelling)])).await;
        assert_eq!(names_of(&tagged), ["Retail Sales"], "{spelling}");
    }
    let both = get(q(&[
        ("type", "LOGICAL_TABLE"),
        ("tagname", r#"["Ops", "Finance"]"#),
    ]))
    .await;
    assert_eq!(names_of(&both), ["Retail Sales"], "listed once");
    let boards = get(q(&[
        ("type", "PINBOARD_ANSWER_BOOK"),
        ("tagname", "[Finance, Ops]"),
    ]))
    .await;
    assert_eq!(names_of(&boards), ["Store Performance"]);
    let answers = get(q(&[
        ("type", "QUESTION_ANSWER_BOOK"),
        ("tagname", "[Finance]"),
    ]))
    .await;
    assert_eq!(names_of(&answers), ["Revenue by Region"]);
    assert!(
        get(q(&[("type", "LOGICAL_TABLE"), ("tagname", "[Nope]")]))
            .await
            .is_empty()
    );
    assert_eq!(
        get(q(&[("type", "LOGICAL_TABLE"), ("tagname", "[]")]))
            .await
            .len(),
        5
    );

    // Patterns: case-insensitive, % is the wildcard, _ is literal, the author's name matches.
    let pattern = |object_type: &'static str, pattern: &str| {
        get(vec![
            ("type", object_type.to_string()),
            ("pattern", pattern.to_string()),
        ])
    };
    let cases: &[(&'static str, &str, &[&str])] = &[
        (
            "LOGICAL_TABLE",
            "retail%",
            &["Retail Model", "Retail Sales"],
        ),
        (
            "LOGICAL_TABLE",
            "RETAIL%",
            &["Retail Model", "Retail Sales"],
        ),
        ("LOGICAL_TABLE", "%SALES", &["Retail Sales", "sales"]),
        ("LOGICAL_TABLE", "sales", &["sales"]),
        ("LOGICAL_TABLE", "%", &TABLES_BY_NAME),
        ("LOGICAL_TABLE", "s_les", &[]),
        (
            "LOGICAL_TABLE",
            "%o%",
            &["products", "Retail Model", "stores"],
        ),
        ("QUESTION_ANSWER_BOOK", "dana", &["Revenue by Region"]),
        ("QUESTION_ANSWER_BOOK", "DAN%", &["Revenue by Region"]),
        ("QUESTION_ANSWER_BOOK", "tsadmin", &["Monthly Revenue"]),
        (
            "QUESTION_ANSWER_BOOK",
            "%revenue%",
            &["Monthly Revenue", "Revenue by Region"],
        ),
        ("USER", "%stranger%", &["sam"]),
        ("USER_GROUP", "data%", &["Data Team"]),
    ];
    for (object_type, text, expected) in cases {
        assert_eq!(
            names_of(&pattern(object_type, text).await),
            *expected,
            "{object_type} {text}"
        );
    }
    assign_tag(&app, &admin, &[guid::SALES], &["q_1", "qx1"]).await;
    assert_eq!(names_of(&pattern("TAG", "q_1").await), ["q_1"]);
    assert_eq!(names_of(&pattern("TAG", "q%1").await), ["q_1", "qx1"]);

    // skipids and fetchids, in every list spelling.
    let skip_spellings = [
        json!([guid::WORKSHEET, guid::MODEL]).to_string(),
        format!("[{}, {}]", guid::WORKSHEET, guid::MODEL),
        format!("['{}','{}']", guid::WORKSHEET, guid::MODEL),
    ];
    for spelling in &skip_spellings {
        let listed = get(q(&[("type", "LOGICAL_TABLE"), ("skipids", spelling)])).await;
        assert_eq!(
            names_of(&listed),
            ["products", "sales", "stores"],
            "{spelling}"
        );
    }
    let single = get(q(&[("type", "LOGICAL_TABLE"), ("skipids", guid::SALES)])).await;
    assert_eq!(
        names_of(&single),
        ["products", "Retail Model", "Retail Sales", "stores"]
    );
    for spelling in [
        json!([guid::WORKSHEET]).to_string(),
        format!("[{}]", guid::WORKSHEET),
        format!("'{}'", guid::WORKSHEET),
        guid::WORKSHEET.to_string(),
    ] {
        let listed = get(q(&[("type", "LOGICAL_TABLE"), ("fetchids", &spelling)])).await;
        assert_eq!(names_of(&listed), ["Retail Sales"], "{spelling}");
    }
    let two = json!([guid::SALES, guid::PRODUCTS]).to_string();
    let listed = get(q(&[("type", "LOGICAL_TABLE"), ("fetchids", &two)])).await;
    assert_eq!(names_of(&listed), ["products", "sales"]);
    let listed = get(q(&[
        ("type", "LOGICAL_TABLE"),
        ("fetchids", &two),
        ("skipids", guid::SALES),
    ]))
    .await;
    assert_eq!(names_of(&listed), ["products"]);
    // Ids of another type or of nothing are not listed.
    let other = json!([
        guid::REVENUE_BY_REGION,
        "00000000-0000-4000-8000-00000000beef"
    ])
    .to_string();
    assert!(
        get(q(&[("type", "LOGICAL_TABLE"), ("fetchids", &other)]))
            .await
            .is_empty()
    );
    assert_eq!(
        get(q(&[("type", "LOGICAL_TABLE"), ("fetchids", "[]")]))
            .await
            .len(),
        5
    );

    // auto_created: nothing imported is auto-created.
    assert!(
        get(q(&[("type", "LOGICAL_TABLE"), ("auto_created", "true")]))
            .await
            .is_empty()
    );
    for value in ["false", "FALSE", "", "-1"] {
        assert_eq!(
            get(q(&[("type", "LOGICAL_TABLE"), ("auto_created", value)]))
                .await
                .len(),
            5,
            "{value}"
        );
    }
    let response = headers_response(
        &app,
        &admin,
        &[("type", "LOGICAL_TABLE"), ("auto_created", "maybe")],
    )
    .await;
    assert_error(response, 400, 10002).await;

    // Everything at once, as the PyPI client sends it.
    let listed = get(q(&[
        ("type", "LOGICAL_TABLE"),
        ("subtypes", "[\"ONE_TO_ONE_LOGICAL\"]"),
        ("category", "ALL"),
        ("sort", "NAME"),
        ("sortascending", "false"),
        ("offset", "1"),
        ("batchsize", "1"),
        ("pattern", "%s%"),
        ("skipids", "[]"),
        ("tagname", "[]"),
        ("auto_created", "false"),
    ]))
    .await;
    assert_eq!(names_of(&listed), ["sales"]);
}

async fn visualization_headers(store: StoreKind) {
    let Staged {
        app,
        admin,
        dana,
        people,
    } = staged(store).await;
    let boards = of_type(&app, &admin, "PINBOARD_ANSWER_BOOK").await;
    let answers = of_type(&app, &admin, "QUESTION_ANSWER_BOOK").await;
    let expected: [(&str, &[&str], &[&str], &str); 4] = [
        (
            guid::SALES_OVERVIEW,
            &[
                "Revenue by Category",
                "Revenue by Month",
                "Total Revenue",
                "Top 3 Products",
            ],
            &["TABLE", "CHART", "HEADLINE", "CHART"],
            ADMIN_ID,
        ),
        (
            guid::STORE_PERFORMANCE,
            &["Revenue by Store", "Quantity by Category (model)"],
            &["TABLE", "CHART"],
            ADMIN_ID,
        ),
        (
            guid::REVENUE_BY_REGION,
            &["Revenue by Region"],
            &["TABLE"],
            people.id("dana"),
        ),
        (
            guid::MONTHLY_REVENUE,
            &["Monthly Revenue"],
            &["CHART"],
            ADMIN_ID,
        ),
    ];
    let mut seen = BTreeSet::new();
    for (id, names, types, author) in expected {
        let object = boards
            .iter()
            .chain(&answers)
            .find(|h| h["id"] == id)
            .unwrap();
        let listed = vizzes(&app, &admin, id).await;
        assert_eq!(names_of(&listed), names, "{id}");
        let viz_types: Vec<&str> = listed
            .iter()
            .map(|v| v["vizType"].as_str().unwrap())
            .collect();
        assert_eq!(viz_types, types, "{id}");
        for viz in &listed {
            let keys: BTreeSet<&str> = viz
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            assert_eq!(
                keys,
                BTreeSet::from([
                    "id",
                    "name",
                    "author",
                    "created",
                    "modified",
                    "modifiedBy",
                    "owner",
                    "vizType"
                ]),
                "{viz}"
            );
            assert_eq!(viz["owner"], id, "owner is the containing object");
            assert_eq!(viz["author"], author);
            assert_eq!(viz["modifiedBy"], author);
            assert_eq!(viz["created"], object["created"]);
            assert_eq!(viz["modified"], object["modified"]);
            assert!(
                seen.insert(viz["id"].as_str().unwrap().to_string()),
                "distinct ids"
            );
        }
        // The owner of an answer lists it too, and so does anyone it is shared with (All).
        assert_eq!(vizzes(&app, &dana, id).await, listed);
    }
    assert_eq!(
        vizzes(&app, &admin, guid::SALES_OVERVIEW).await[0]["id"],
        guid::SALES_OVERVIEW_VIZ_1
    );

    // Not a pinboard or answer, or nothing at all: 400.
    let viz_id = guid::SALES_OVERVIEW_VIZ_1;
    for id in [
        "00000000-0000-4000-8000-00000000beef",
        guid::WORKSHEET,
        guid::SALES,
        guid::CONNECTION,
        viz_id,
        "",
    ] {
        let message = assert_error(viz_response(&app, &admin, id).await, 400, 10002).await;
        assert!(message.contains("id"), "{message}");
    }
    let response = admin
        .get(app.url("metadata/listvizheaders"))
        .send()
        .await
        .unwrap();
    assert_error(response, 400, 10002).await;
}

/// A page larger than the store binds per statement (500 ids): every header keeps its own
/// tags. Lists of ids are bounded.
async fn a_page_of_every_object_keeps_each_ones_tags(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    let products = doc(&docs, "products.table.tml");
    // The fixture table's text without its guid, under 600 names: 600 new tables.
    let body = products
        .split_once('\n')
        .map(|(_, rest)| rest)
        .expect("a guid line");
    let copies: Vec<String> = (0..600)
        .map(|i| body.replacen("name: products", &format!("name: copy {i:03}"), 1))
        .collect();
    import_ok(
        &app,
        &admin,
        &[doc(&docs, "Retail Files.connection.tml")],
        &[],
    )
    .await;
    let entries = import_ok(&app, &admin, &copies, &[]).await;
    let ids: Vec<String> = entries
        .iter()
        .map(|e| {
            e["response"]["header"]["id_guid"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    // Tags on the first, the 501st and the last table (alphabetical order is import order).
    let tagged = [&ids[0], &ids[500], &ids[599]];
    for (id, tag) in tagged.iter().zip(["first", "middle", "last"]) {
        assign_tag(&app, &admin, &[id.as_str()], &[tag]).await;
    }

    let response = admin
        .get(app.url("metadata/listobjectheaders?type=LOGICAL_TABLE&batchsize=1000"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let headers: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(headers.len(), 600);
    for (position, header) in headers.iter().enumerate() {
        assert_eq!(header["name"], format!("copy {position:03}"));
        let tags: Vec<&str> = header["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        let expected: &[&str] = match position {
            0 => &["first"],
            500 => &["middle"],
            599 => &["last"],
            _ => &[],
        };
        assert_eq!(tags, expected, "{}", header["name"]);
    }

    // 10,000 ids are accepted; 10,001 are a 400 that says why. (So long a list does not fit
    // in a query string: it goes in the body, which the server reads for GET too.)
    let fetch = |count: usize| {
        let mut list: Vec<String> = ids.iter().take(2).cloned().collect();
        list.extend((list.len()..count).map(|i| format!("00000000-0000-4000-8000-{i:012}")));
        json!(list).to_string()
    };
    let list = |name: &'static str, ids: String| {
        admin
            .get(app.url("metadata/listobjectheaders"))
            .form(&[("type", "LOGICAL_TABLE".to_string()), (name, ids)])
            .send()
    };
    let response = list("fetchids", fetch(10_000)).await.unwrap();
    assert_eq!(response.status(), 200);
    let listed: Vec<serde_json::Value> = response.json().await.unwrap();
    assert_eq!(names_of(&listed), ["copy 000", "copy 001"]);
    for name in ["fetchids", "skipids"] {
        let response = list(name, fetch(10_001)).await.unwrap();
        let body = assert_error(response, 400, 10002).await;
        assert!(
            body.contains(name) && body.contains("at most 10000 ids"),
            "{body}"
        );
    }
}

both_stores!(
    a_page_of_every_object_keeps_each_ones_tags,
    every_type_and_the_header_fields,
    subtypes_categories_and_sorting,
    paging_tags_patterns_and_ids,
    visualization_headers,
);
