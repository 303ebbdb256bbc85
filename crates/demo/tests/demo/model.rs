//! The generated TML imports into a real catalog, and every answer and visualization runs.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use searchlight_catalog::model::VizType;
use searchlight_catalog::{
    Actor, Catalog, DocumentContent, FileRoots, ImportPolicy, ImportRequest, ImportStatus,
    SourceDocument,
};
use searchlight_engine::{Cell, Engine, EngineConfig, Page, SearchResult};
use searchlight_identity::builtin::{ADMIN_USER_ID, ALL_GROUP_ID};
use searchlight_identity::{Identity, SessionPolicy};
use searchlight_search::{SearchContext, compile};
use searchlight_store::{SqlStore, Store, Viewer};
use serde_yaml_ng::Value;

use crate::{ROWS, SEED, generate_into};

/// What a TML file says a visualization (or answer) is: its answer columns and headline.
#[derive(Debug, Clone)]
struct Expected {
    columns: Vec<String>,
    headline: Option<String>,
    query: String,
}

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

fn expected_answer(answer: &Value, headline: Option<String>) -> Expected {
    let columns = answer
        .get("answer_columns")
        .and_then(Value::as_sequence)
        .map(|cols| cols.iter().filter_map(|c| text(c, "name")).collect())
        .unwrap_or_default();
    Expected {
        columns,
        headline,
        query: text(answer, "search_query").unwrap_or_default(),
    }
}

/// `(document guid, visualization name)` → what the TML says, for answers and liveboards.
fn expectations(files: &[std::path::PathBuf]) -> BTreeMap<(String, String), Expected> {
    let mut out = BTreeMap::new();
    for file in files {
        let tree: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        let guid = text(&tree, "guid").unwrap();
        if let Some(answer) = tree.get("answer") {
            out.insert(
                (guid.clone(), text(answer, "name").unwrap()),
                expected_answer(answer, None),
            );
        }
        if let Some(board) = tree.get("liveboard") {
            for viz in board
                .get("visualizations")
                .and_then(Value::as_sequence)
                .unwrap()
            {
                let answer = viz.get("answer").unwrap();
                let headline = text(viz, "display_headline_column");
                out.insert(
                    (guid.clone(), text(answer, "name").unwrap()),
                    expected_answer(answer, headline),
                );
            }
        }
    }
    out
}

fn documents(files: &[std::path::PathBuf]) -> Vec<SourceDocument> {
    files
        .iter()
        .map(|file| SourceDocument {
            origin: file.display().to_string(),
            content: DocumentContent::Text(std::fs::read_to_string(file).unwrap()),
            base_dir: file.parent().unwrap().to_path_buf(),
        })
        .collect()
}

async fn catalog(tmp: &Path, root: &Path) -> (Catalog, Engine) {
    let store = Arc::new(
        SqlStore::connect(&format!("sqlite://{}/s.db", tmp.display()))
            .await
            .unwrap(),
    );
    let identity = Identity::new(store.clone() as Arc<dyn Store>, SessionPolicy::default());
    identity
        .bootstrap(Some("demo-admin-password"))
        .await
        .unwrap();
    let engine = Engine::new(EngineConfig::default()).unwrap();
    let catalog = Catalog::new(
        store as Arc<dyn Store>,
        Arc::new(engine.clone()),
        FileRoots::new([root.to_path_buf()]),
    );
    (catalog, engine)
}

fn admin() -> Actor {
    Actor {
        name: "tsadmin".into(),
        viewer: Viewer {
            user_id: ADMIN_USER_ID.into(),
            principal_ids: vec![ADMIN_USER_ID.into(), ALL_GROUP_ID.into()],
            sees_everything: true,
        },
        manages_data: true,
    }
}

fn request(files: &[std::path::PathBuf]) -> ImportRequest {
    ImportRequest {
        documents: documents(files),
        policy: ImportPolicy::AllOrNone,
        force_create: false,
        owner_id: ADMIN_USER_ID.into(),
        importer_id: ADMIN_USER_ID.into(),
        share_with: vec![ALL_GROUP_ID.into()],
        editor: None,
    }
}

fn number(cell: &Cell) -> f64 {
    match cell {
        Cell::Integer(i) => *i as f64,
        Cell::Float(f) => *f,
        other => panic!("not a number: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_and_visualization_imports_binds_and_returns_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let summary = generate_into(&demo, ROWS, SEED);
    let (catalog, engine) = catalog(tmp.path(), &demo).await;

    let report = catalog.import(&request(&summary.tml_files)).await.unwrap();
    for outcome in &report.outcomes {
        assert_eq!(
            outcome.status,
            ImportStatus::Ok,
            "{}: {:?}",
            outcome.origin,
            outcome.messages
        );
        assert!(outcome.created);
    }
    assert!(report.stored);

    // Every object gets the GUID its file gives it.
    let mut boards = Vec::new();
    for (outcome, file) in report.outcomes.iter().zip(&summary.tml_files) {
        let tree: Value = serde_yaml_ng::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        assert_eq!(
            outcome.id.as_deref(),
            tree.get("guid").and_then(Value::as_str),
            "{}",
            outcome.origin
        );
        if tree.get("answer").is_some() || tree.get("liveboard").is_some() {
            boards.push(outcome.id.clone().unwrap());
        }
    }
    let answers = summary
        .tml_files
        .iter()
        .filter(|f| f.to_string_lossy().ends_with(".answer.tml"))
        .count();
    assert!(answers >= 6, "{answers} answers");

    let expected = expectations(&summary.tml_files);
    let context = SearchContext::utc(Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap());
    let mut results: BTreeMap<String, SearchResult> = BTreeMap::new();
    let mut visualizations = 0;
    let mut liveboard_visualizations = 0;
    for id in &boards {
        let board = catalog.pinboard(&admin(), id).await.unwrap();
        assert!(!board.visualizations.is_empty(), "{}", board.name);
        if board.visualizations.len() > 1 || board.name != board.visualizations[0].name {
            liveboard_visualizations += board.visualizations.len();
        }
        for viz in &board.visualizations {
            visualizations += 1;
            let what = format!("{} / {}: {}", board.name, viz.name, viz.answer.search_query);
            let tml = expected
                .get(&(id.clone(), viz.name.clone()))
                .unwrap_or_else(|| panic!("{what}: not in the TML"));
            assert_eq!(tml.query, viz.answer.search_query);
            let source = catalog.answer_source(&viz.answer).await.unwrap();
            let plan = compile(&source.model, &viz.answer.search_query, &context)
                .unwrap_or_else(|err| panic!("{what}: {err}"));
            let result = engine
                .search(&source, &plan, &context, Page::first_rows())
                .await
                .unwrap_or_else(|err| panic!("{what}: {err}"));
            assert!(!result.rows.is_empty(), "{what}: no rows");
            let names: Vec<&str> = result.columns.iter().map(|c| c.name.as_str()).collect();
            assert_eq!(names, tml.columns, "{what}: answer_columns of the TML");
            match &tml.headline {
                Some(headline) => {
                    assert_eq!(viz.viz_type, VizType::Headline, "{what}");
                    assert!(
                        names.contains(&headline.as_str()),
                        "{what}: headline {headline}"
                    );
                    assert_eq!(result.rows.len(), 1, "{what}: a headline is one number");
                }
                None => assert_ne!(viz.viz_type, VizType::Headline, "{what}"),
            }
            results.insert(format!("{} / {}", board.name, viz.name), result);
        }
    }
    assert!(
        liveboard_visualizations >= 8,
        "{liveboard_visualizations} liveboard visualizations"
    );
    assert_eq!(visualizations, expected.len());

    // The answers look like retail data.
    let rows = |key: &str| {
        &results
            .get(key)
            .unwrap_or_else(|| panic!("no result for {key}"))
            .rows
    };
    assert_eq!(
        rows("Top 5 Products by Revenue / Top 5 Products by Revenue").len(),
        5
    );
    assert_eq!(
        rows("Store Performance / Bottom 5 Stores by Profit").len(),
        5
    );
    assert_eq!(rows("Revenue by Region / Revenue by Region").len(), 4);
    assert_eq!(
        rows("Monthly Revenue Trend / Monthly Revenue Trend").len(),
        48,
        "four years of months"
    );
    assert_eq!(rows("Sales by Day of Week / Sales by Day of Week").len(), 7);
    assert_eq!(
        rows("Orders Shipped per Month in 2025 / Orders Shipped per Month in 2025").len(),
        12
    );
    let segments = rows("Sales Overview / Revenue by Customer Segment");
    assert!(
        segments.iter().any(|r| r[0] == Cell::Null),
        "guests have no segment: {segments:?}"
    );
    let brands = rows("Top 3 Brands per Category / Top 3 Brands per Category");
    assert_eq!(
        brands.len(),
        3 * 7,
        "three brands for each of the seven categories"
    );
    let trend = rows("Monthly Revenue Trend / Monthly Revenue Trend");
    let (jan, dec) = (number(&trend[36][1]), number(&trend[47][1]));
    assert!(
        dec > jan * 1.4,
        "December 2025 ({dec}) outsells January 2025 ({jan})"
    );
    let years = rows("Category Performance by Year / Category Performance by Year");
    assert_eq!(years.len(), 4 * 7);
    let discounts = rows("Average Discount by Month / Average Discount by Month");
    assert_eq!(discounts.len(), 12);
    assert!(
        number(&discounts[10][1]) > number(&discounts[2][1]) * 1.3,
        "November discounts more than March: {discounts:?}"
    );

    // The model filter leaves out cancelled and test orders.
    let all = results["Sales Overview / Total Revenue"].rows[0][0].clone();
    assert!(number(&all) > 0.0);

    // Importing the same files again updates the same objects.
    let again = catalog.import(&request(&summary.tml_files)).await.unwrap();
    for (first, second) in report.outcomes.iter().zip(&again.outcomes) {
        assert_eq!(
            second.status,
            ImportStatus::Ok,
            "{}: {:?}",
            second.origin,
            second.messages
        );
        assert!(!second.created);
        assert_eq!(first.id, second.id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "prints every answer of a generated demo (DEMO_ROWS rows) for a person to look at"]
async fn show_answers() {
    let rows: usize = std::env::var("DEMO_ROWS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(ROWS);
    let tmp = tempfile::tempdir().unwrap();
    let demo = tmp.path().join("demo");
    let summary = generate_into(&demo, rows, SEED);
    let (catalog, engine) = catalog(tmp.path(), &demo).await;
    let report = catalog.import(&request(&summary.tml_files)).await.unwrap();
    let context = SearchContext::utc(Utc.with_ymd_and_hms(2026, 1, 15, 12, 0, 0).unwrap());
    for outcome in report
        .outcomes
        .iter()
        .filter(|o| matches!(o.kind.map(|k| k.key()), Some("answer" | "liveboard")))
    {
        let board = catalog
            .pinboard(&admin(), outcome.id.as_deref().unwrap())
            .await
            .unwrap();
        for viz in &board.visualizations {
            let source = catalog.answer_source(&viz.answer).await.unwrap();
            let plan = compile(&source.model, &viz.answer.search_query, &context).unwrap();
            let started = std::time::Instant::now();
            let result = engine
                .search(&source, &plan, &context, Page::first_rows())
                .await
                .unwrap();
            println!(
                "\n## {} / {} ({:?}, {} rows, {:.0?})\n{}",
                board.name,
                viz.name,
                viz.viz_type,
                result.total_rows,
                started.elapsed(),
                viz.answer.search_query
            );
            println!(
                "{}",
                result
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect::<Vec<_>>()
                    .join(" | ")
            );
            for row in result.rows.iter().take(60) {
                println!(
                    "{}",
                    row.iter()
                        .map(|c| format!("{c:?}"))
                        .collect::<Vec<_>>()
                        .join(" | ")
                );
            }
        }
    }
}
