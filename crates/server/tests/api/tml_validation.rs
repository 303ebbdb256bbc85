//! TML validation at import (issue 3, "What to build" 3–4): each error names the document
//! (`import_objects[i]`), the path inside it and the problem, and nothing is stored.

use serde_json::Value;

use crate::both_stores;
use crate::catalog_helpers::*;
use crate::fixtures::guid;
use crate::helpers::*;

/// One refused import: the documents, which one is wrong, and what its message must say.
struct Case {
    label: &'static str,
    bad: String,
    expected: Vec<&'static str>,
}

fn case(label: &'static str, bad: String, expected: &[&'static str]) -> Case {
    Case {
        label,
        bad,
        expected: expected.to_vec(),
    }
}

const NO_SUCH_GUID: &str = "00000000-0000-4000-8000-00000000beef";

/// A connection document named `Elsewhere` with this `type` and `path`.
fn connection(kind: &str, path: &str) -> String {
    format!(
        "connection:\n  name: Elsewhere\n  type: {kind}\n  properties:\n  - key: path\n    value: {path}\n"
    )
}

fn cases(docs: &std::collections::BTreeMap<String, String>) -> Vec<Case> {
    let products = doc(docs, "products.table.tml");
    let sales = doc(docs, "sales.table.tml");
    let stores = doc(docs, "stores.table.tml");
    let worksheet = doc(docs, "Retail Sales.worksheet.tml");
    let model = doc(docs, "Retail Model.model.tml");
    let answer = doc(docs, "Revenue by Region.answer.tml");
    let liveboard = doc(docs, "Sales Overview.liveboard.tml");
    let order_date_type = "db_column_name: order_date\n    properties:\n      column_type: ATTRIBUTE\n    db_column_properties:\n      data_type: DATE\n";
    let store_name_type = "db_column_name: store_name\n    properties:\n      column_type: ATTRIBUTE\n    db_column_properties:\n      data_type: VARCHAR\n";
    vec![
        // Unknown references, by name and by fqn.
        case(
            "unknown connection by name",
            edit(&products, "name: Retail Files", "name: Nowhere Files"),
            &["table.connection", "'Nowhere Files'"],
        ),
        case(
            "unknown connection by fqn",
            edit(
                &products,
                "connection:\n    name: Retail Files",
                &format!("connection:\n    fqn: {NO_SUCH_GUID}"),
            ),
            &["table.connection", NO_SUCH_GUID],
        ),
        case(
            "unknown table by name in a worksheet",
            edit(
                &worksheet,
                "  - name: products\n  joins:",
                "  - name: nosuch\n  joins:",
            ),
            &["worksheet.tables[2]", "'nosuch'"],
        ),
        case(
            "unknown table by name in a model",
            edit(&model, "  - name: products\n  - name: stores", "  - name: products\n  - name: shops"),
            &["model.model_tables[2]", "'shops'"],
        ),
        case(
            "unknown join destination on a table",
            edit(&sales, "destination:\n      name: stores", "destination:\n      name: shops"),
            &["table.joins_with[0]", "destination", "'shops'"],
        ),
        case(
            "unknown worksheet by name in an answer",
            edit(
                &answer,
                "- id: Retail Sales\n    name: Retail Sales",
                "- id: Nowhere WS\n    name: Nowhere WS",
            ),
            &["answer.tables[0]", "'Nowhere WS'"],
        ),
        case(
            "unknown worksheet by fqn in an answer",
            edit(
                &answer,
                "- id: Retail Sales\n    name: Retail Sales",
                &format!("- fqn: {NO_SUCH_GUID}"),
            ),
            &["answer.tables[0]", NO_SUCH_GUID],
        ),
        case(
            "unknown worksheet in a liveboard visualization",
            edit(
                &liveboard,
                "- id: Retail Sales\n        name: Retail Sales",
                "- id: Nowhere WS\n        name: Nowhere WS",
            ),
            &["liveboard.visualizations[0].answer.tables[0]", "'Nowhere WS'"],
        ),
        // Columns against the files.
        case(
            "db_column_name not in the Parquet file",
            edit(&sales, "db_column_name: revenue\n", "db_column_name: revenue_usd\n"),
            &["table.columns[8].db_column_name", "'revenue_usd'", "sales.parquet"],
        ),
        case(
            "db_column_name not in the CSV file",
            edit(&stores, "db_column_name: region\n", "db_column_name: area\n"),
            &["table.columns[3].db_column_name", "'area'", "stores.csv"],
        ),
        case(
            "data_type that cannot hold a Parquet column",
            edit(
                &sales,
                order_date_type,
                &order_date_type.replace("data_type: DATE", "data_type: BOOL"),
            ),
            &[
                "table.columns[1].db_column_properties.data_type",
                "cannot hold column 'order_date'",
                "date",
            ],
        ),
        case(
            "data_type that cannot hold a CSV column",
            edit(
                &stores,
                store_name_type,
                &store_name_type.replace("data_type: VARCHAR", "data_type: INT64"),
            ),
            &[
                "table.columns[1].db_column_properties.data_type",
                "cannot hold column 'store_name'",
                "text",
            ],
        ),
        case(
            "unknown data_type",
            edit(&stores, "data_type: VARCHAR", "data_type: NUMBERS"),
            &["table.columns[1].db_column_properties.data_type", "'NUMBERS'"],
        ),
        case(
            "a table file that does not exist",
            edit(&products, "db_table: products.parquet", "db_table: missing.parquet"),
            &["table.db_table", "missing.parquet"],
        ),
        // Joins on unknown columns.
        case(
            "table join on an unknown column",
            edit(&sales, "[stores::Store Id]", "[stores::Store Key]"),
            &["table.joins_with[0]", "'Store Key'"],
        ),
        case(
            "model join on an unknown column",
            edit(&model, "[products::Product Id]", "[products::Product Key]"),
            &["model.model_tables[0].joins[0].on", "'Product Key'"],
        ),
        case(
            "worksheet join on an unknown column",
            edit(
                &worksheet,
                "destination: products\n",
                "destination: products\n    \"on\": \"[sales::Product Id] = [products::Missing Col]\"\n",
            ),
            &["worksheet.table_paths[2].join_path.on", "'Missing Col'"],
        ),
        case(
            "worksheet column of an unknown table column",
            edit(&worksheet, "column_id: stores_1::City", "column_id: stores_1::Town"),
            &["worksheet.worksheet_columns[9].column_id", "'Town'"],
        ),
        // Duplicate column names, case-insensitively.
        case(
            "duplicate worksheet column",
            edit(&worksheet, "  - name: City\n", "  - name: store\n"),
            &["worksheet.worksheet_columns[9].name", "'store'", "case-insensitive"],
        ),
        case(
            "duplicate model column",
            edit(&model, "  - name: Model Quantity\n", "  - name: MODEL REVENUE\n"),
            &["model.columns[1].name", "'MODEL REVENUE'"],
        ),
        // Paths outside the file roots.
        case(
            "absolute connection path",
            connection("LOCAL_FILES", "/etc"),
            &["connection.properties.path", "/etc", "outside"],
        ),
        case(
            "connection path escaping with ..",
            connection("LOCAL_FILES", "data/../.."),
            &["connection.properties.path", "outside"],
        ),
        case(
            "table file escaping with ..",
            edit(
                &products,
                "db_table: products.parquet",
                "db_table: ../../../../../../etc/passwd",
            ),
            &["table.db_table", "/etc/passwd", "outside"],
        ),
        case(
            "absolute table file",
            edit(&products, "db_table: products.parquet", "db_table: /etc/hostname"),
            &["table.db_table", "/etc/hostname", "outside"],
        ),
        // Connection types.
        case(
            "unsupported connection type",
            connection("SNOWFLAKE", "data"),
            &["connection.type", "'SNOWFLAKE'", "not supported"],
        ),
        case(
            "postgres connection without a host",
            "connection:\n  name: Warehouse\n  type: RDBMS_POSTGRES\n  properties:\n  - key: database\n    value: sales\n  - key: user\n    value: reader\n".into(),
            &["connection.properties", "'host'"],
        ),
        // Searches that do not bind.
        case(
            "answer search that does not bind",
            edit(&answer, "[Revenue] [Region]", "[Revenue] [Nowhere Column]"),
            &["answer.search_query", "Nowhere Column"],
        ),
        case(
            "liveboard search that does not bind",
            edit(&liveboard, "search_query: \"[Revenue]\"\n", "search_query: \"[Revenue] [Bogus]\"\n"),
            &["liveboard.visualizations[2].answer.search_query", "Bogus"],
        ),
        // Documents that are not TML.
        case(
            "bad YAML",
            "table:\n  name: [unclosed\n".into(),
            &["not valid YAML"],
        ),
        case(
            "bad JSON",
            r#"{"table": {"name": "x",}"#.into(),
            &["not valid JSON"],
        ),
        case(
            "unknown document kind",
            "view:\n  name: Some View\n".into(),
            &["no document kind", "view"],
        ),
        case(
            "a document that is not a mapping",
            "- just\n- a list\n".into(),
            &["mapping"],
        ),
        case(
            "a field of the wrong shape",
            edit(&stores, "  columns:\n", "  columns: 7\n  old_columns:\n"),
            &["table.columns"],
        ),
    ]
}

async fn each_validation_error_names_the_document_path_and_problem(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;
    let before = snapshot(&app, &admin).await;
    // A good document first, so the bad one is import_objects[1].
    let good = doc(&docs, "Retail Files.connection.tml");

    for Case {
        label,
        bad,
        expected,
    } in cases(&docs)
    {
        let entries = import_entries(&app, &admin, &[good.clone(), bad], &[]).await;
        assert_eq!(entries.len(), 2, "{label}");
        assert_eq!(status_of(&entries[0]), "ERROR", "{label}: all or none");
        assert!(
            message_of(&entries[0]).contains("import_objects[1]"),
            "{label}: {}",
            message_of(&entries[0])
        );
        assert_eq!(status_of(&entries[1]), "ERROR", "{label}");
        let message = message_of(&entries[1]);
        assert!(
            message.starts_with("import_objects[1]: "),
            "{label}: {message}"
        );
        for fragment in expected {
            assert!(
                message.contains(fragment),
                "{label}: {fragment:?} not in {message:?}"
            );
        }
        assert_eq!(
            snapshot(&app, &admin).await,
            before,
            "{label}: nothing changed"
        );
    }
}

/// References resolve by fqn as well as by name, and a PostgreSQL connection is stored.
async fn references_resolve_by_fqn_and_postgres_connections_are_kept(store: StoreKind) {
    let app = spawn_app(store).await;
    let admin = app.admin().await;
    let docs = install(&app);
    import_ok(&app, &admin, &all_docs(&docs), &[]).await;

    let products = edit(
        &doc(&docs, "products.table.tml"),
        "connection:\n    name: Retail Files",
        &format!("connection:\n    fqn: {}", guid::CONNECTION),
    );
    let model = edit(
        &doc(&docs, "Retail Model.model.tml"),
        "  - name: products\n  - name: stores",
        &format!(
            "  - name: products\n    fqn: {}\n  - name: stores",
            guid::PRODUCTS
        ),
    );
    let answer = edit(
        &doc(&docs, "Revenue by Region.answer.tml"),
        "- id: Retail Sales\n    name: Retail Sales",
        &format!("- fqn: {}", guid::WORKSHEET),
    );
    let postgres = "connection:\n  name: Warehouse\n  type: RDBMS_POSTGRES\n  description: The future.\n  properties:\n  - key: host\n    value: db.example.com\n  - key: port\n    value: 5433\n  - key: database\n    value: sales\n  - key: user\n    value: reader\n  - key: password_env\n    value: WAREHOUSE_PASSWORD\n";
    let entries = import_ok(
        &app,
        &admin,
        &[products, model, answer, postgres.to_string()],
        &[],
    )
    .await;
    assert_eq!(guid_of(&entries[0]), guid::PRODUCTS);
    assert_eq!(guid_of(&entries[1]), guid::MODEL);
    assert_eq!(guid_of(&entries[2]), guid::REVENUE_BY_REGION);
    let sources = of_type(&app, &admin, "DATA_SOURCE").await;
    assert_eq!(names_of(&sources), ["Retail Files", "Warehouse"]);
    let warehouse: &Value = header(&sources, guid_of(&entries[3]));
    assert_eq!(warehouse["description"], "The future.");
    // The answer still runs against the worksheet it names by GUID.
    let response = app
        .post_form(
            &admin,
            &format!("pinboarddata?id={}", guid::REVENUE_BY_REGION),
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
}

both_stores!(
    each_validation_error_names_the_document_path_and_problem,
    references_resolve_by_fqn_and_postgres_connections_are_kept,
);
