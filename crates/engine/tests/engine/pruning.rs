//! In-memory tables skip the batches no row of which can pass a filter (issue 17): a range
//! filter on the fact table's own column, and a selective filter on a joined dimension,
//! which reaches the fact table's scan as the join's dynamic filter. Answers are the same
//! as over the files.

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use searchlight_catalog::source::{ColumnBinding, FileFormat, JoinType, SearchSource, SourceJoin};
use searchlight_engine::{Cell, Engine, EngineConfig, Page};
use searchlight_search::{Aggregation, DataType, SourceModel};

use crate::context;
use crate::fixture::{single_table_source, write_parquet_file};

/// Fact rows: `key` = row / 1000 (sorted, 0..100), `amount` = the row number.
const FACT_ROWS: i64 = 100_000;

fn fact() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("key", ArrowType::Int64, false),
        Field::new("amount", ArrowType::Float64, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(
                (0..FACT_ROWS).map(|i| i / 1000),
            )),
            Arc::new(Float64Array::from_iter_values(
                (0..FACT_ROWS).map(|i| i as f64),
            )),
        ],
    )
    .unwrap()
}

/// Dimension rows: every key with its name, `Key 00` … `Key 99`.
fn dimension() -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("key", ArrowType::Int64, false),
        Field::new("name", ArrowType::Utf8, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(0..100)),
            Arc::new(StringArray::from_iter_values(
                (0..100).map(|key| format!("Key {key:02}")),
            )),
        ],
    )
    .unwrap()
}

/// A star of the fact and the dimension, joined on `key`.
fn star(dir: &Path, in_memory: bool) -> SearchSource {
    let fact_file = dir.join("fact.parquet");
    let dimension_file = dir.join("dimension.parquet");
    write_parquet_file(&fact_file, &fact());
    write_parquet_file(&dimension_file, &dimension());
    let mut source = single_table_source(
        &fact_file,
        FileFormat::Parquet,
        in_memory,
        &[
            ("Key", "key", DataType::Integer, None),
            ("Amount", "amount", DataType::Float, Some(Aggregation::Sum)),
        ],
    );
    let dimension = single_table_source(
        &dimension_file,
        FileFormat::Parquet,
        in_memory,
        &[("Name", "name", DataType::Text, None)],
    );
    let mut columns = source.model.columns.clone();
    columns.extend(dimension.model.columns.iter().cloned());
    source.model = SourceModel::new(columns);
    source.bindings.push(ColumnBinding {
        table: 1,
        physical_column: "name".into(),
    });
    let mut table = dimension.tables[0].clone();
    table.alias = "dimension".into();
    table.table_id = "t-dimension".into();
    source.tables.push(table);
    source.joins.push(SourceJoin {
        left: 0,
        right: 1,
        on: vec![("key".into(), "key".into())],
        join_type: JoinType::Inner,
    });
    source
}

/// An engine that computes every search (no answer is kept).
fn computing_engine() -> Engine {
    Engine::new(EngineConfig {
        answer_cache: 0,
        ..EngineConfig::default()
    })
    .unwrap()
}

/// The last value of the one row `query` answers; `None` when it answers no row.
async fn single_value(engine: &Engine, source: &SearchSource, query: &str) -> Option<Cell> {
    let plan = searchlight_search::compile(&source.model, query, &context()).unwrap();
    let result = engine
        .search(source, &plan, &context(), Page::first_rows())
        .await
        .unwrap();
    match result.rows.as_slice() {
        [] => None,
        [row] => row.last().cloned(),
        rows => panic!("{query}: one row, not {rows:?}"),
    }
}

async fn total(engine: &Engine, source: &SearchSource, query: &str) -> f64 {
    match single_value(engine, source, query).await {
        Some(Cell::Float(total)) => total,
        other => panic!("{query}: a total, not {other:?}"),
    }
}

/// The sum of `amount` over the rows whose key is in `keys`.
fn amounts_of(keys: std::ops::Range<i64>) -> f64 {
    (keys.start * 1000..keys.end * 1000).map(|i| i as f64).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_range_filter_skips_the_batches_outside_it() {
    let dir = tempfile::tempdir().unwrap();
    let engine = computing_engine();
    let source = star(dir.path(), true);
    // Reading the table into memory scans every batch once.
    assert_eq!(
        total(&engine, &source, "[Amount]").await,
        amounts_of(0..100)
    );
    let (scanned, skipped) = (
        engine.memory_batches_scanned(),
        engine.memory_batches_skipped(),
    );
    assert!(scanned >= 10, "{scanned} batches of {FACT_ROWS} rows");
    assert_eq!(skipped, 0, "no filter, nothing skipped");

    assert_eq!(
        total(&engine, &source, "[Amount] [Key] < 5").await,
        amounts_of(0..5)
    );
    let skipped = engine.memory_batches_skipped();
    let read = engine.memory_batches_scanned() - scanned;
    assert!(
        skipped >= scanned - 2 && read <= 2,
        "rows with key < 5 are in the first batch: skipped {skipped}, read {read} of {scanned}"
    );
    // The same answer from the files.
    let files = star(dir.path(), false);
    assert_eq!(
        total(&engine, &files, "[Amount] [Key] < 5").await,
        amounts_of(0..5)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_filter_on_a_dimension_skips_fact_batches() {
    let dir = tempfile::tempdir().unwrap();
    let engine = computing_engine();
    let source = star(dir.path(), true);
    // Both tables read into memory first.
    assert_eq!(
        total(&engine, &source, "[Amount] [Name] != 'nobody'").await,
        amounts_of(0..100)
    );
    let (scanned, skipped) = (
        engine.memory_batches_scanned(),
        engine.memory_batches_skipped(),
    );

    // One key's rows: the join learns the key from the dimension and the fact scan skips
    // every batch whose keys are all outside it.
    let query = "[Amount] [Name] = 'key 42'";
    assert_eq!(total(&engine, &source, query).await, amounts_of(42..43));
    let fact_batches = scanned - 1;
    let now_skipped = engine.memory_batches_skipped() - skipped;
    assert!(
        now_skipped + 2 >= fact_batches,
        "skipped {now_skipped} of {fact_batches} fact batches"
    );
    let files = star(dir.path(), false);
    assert_eq!(total(&engine, &files, query).await, amounts_of(42..43));
}

/// `label` cycles through names in several cases and a NULL, sorted so that each batch holds
/// few of them; `n` is 1 on every row (a count).
fn labels() -> RecordBatch {
    let names = [
        "ALPHA", "Alpha", "alpha", "Beta", "béta", "Gamma", "gamma_x", "100%",
    ];
    let rows = 40_000usize;
    let schema = Arc::new(Schema::new(vec![
        Field::new("label", ArrowType::Utf8, true),
        Field::new("n", ArrowType::Int64, false),
    ]));
    let mut values: Vec<Option<&str>> = (0..rows)
        .map(|i| match i % 9 {
            8 => None,
            k => Some(names[k]),
        })
        .collect();
    values.sort();
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(StringArray::from(values)),
            Arc::new(Int64Array::from_iter_values((0..rows).map(|_| 1))),
        ],
    )
    .unwrap()
}

async fn count(engine: &Engine, source: &SearchSource, query: &str) -> i64 {
    match single_value(engine, source, query).await {
        None => 0,
        Some(Cell::Integer(n)) => n,
        other => panic!("{query}: a count, not {other:?}"),
    }
}

/// Case-insensitive equality on an in-memory text column is decided on its distinct values
/// (an exact IN of those that match): the same counts as over the files, where it is ILIKE
/// on every row, NULLs never matching either way, and batches skipped by the values' range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_equality_on_known_values_answers_as_on_the_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("labels.parquet");
    write_parquet_file(&file, &labels());
    let columns = [
        ("Label", "label", DataType::Text, None),
        ("N", "n", DataType::Integer, Some(Aggregation::Sum)),
    ];
    let memory = single_table_source(&file, FileFormat::Parquet, true, &columns);
    let files = single_table_source(&file, FileFormat::Parquet, false, &columns);
    let engine = computing_engine();
    assert_eq!(count(&engine, &memory, "[N]").await, 40_000);
    let before = engine.memory_batches_skipped();
    for (query, expected) in [
        ("[N] [Label] = 'alpha'", Some(3 * 4445)),
        ("[N] [Label] = 'ALPHA'", None),
        ("[N] [Label] != 'alpha'", None),
        ("[N] [Label] = 'béta'", None),
        ("[N] [Label] = 'BÉTA'", None),
        ("[N] [Label] = 'gamma_x'", None),
        ("[N] [Label] = 'gammaXx'", Some(0)),
        ("[N] [Label] = '100%'", None),
        ("[N] [Label] = 'nothing'", Some(0)),
        ("[N] [Label] != 'nothing'", Some(40_000 - 4444)),
    ] {
        let in_memory = count(&engine, &memory, query).await;
        let from_files = count(&engine, &files, query).await;
        assert_eq!(in_memory, from_files, "{query}");
        if let Some(expected) = expected {
            assert_eq!(in_memory, expected, "{query}");
        }
    }
    assert!(
        engine.memory_batches_skipped() > before,
        "an exact IN on a sorted column skips batches"
    );
}
