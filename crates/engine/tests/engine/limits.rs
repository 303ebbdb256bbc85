//! The engine's bounds: the memory pool shared by searches, the in-memory table cache, the
//! search text's length and tokens, and turns to search.

use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType as ArrowType, Field, Schema};
use searchlight_catalog::source::{FileFormat, SearchSource};
use searchlight_engine::{Cell, Engine, EngineConfig, Page, SearchResult};
use searchlight_errors::Result;
use searchlight_search::{Aggregation, DataType, Limits};

use crate::context;
use crate::fixture::{single_table_source, write_parquet_file};

/// `id` 1..=n, `amount` = id * 1.5.
fn amounts(n: i64) -> RecordBatch {
    let schema = Arc::new(Schema::new(vec![
        Field::new("id", ArrowType::Int64, false),
        Field::new("amount", ArrowType::Float64, false),
    ]));
    RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Int64Array::from_iter_values(1..=n)),
            Arc::new(Float64Array::from_iter_values(
                (1..=n).map(|i| i as f64 * 1.5),
            )),
        ],
    )
    .unwrap()
}

fn amounts_source(path: &std::path::Path, in_memory: bool) -> SearchSource {
    single_table_source(
        path,
        FileFormat::Parquet,
        in_memory,
        &[
            ("Id", "id", DataType::Integer, None),
            ("Amount", "amount", DataType::Float, Some(Aggregation::Sum)),
        ],
    )
}

/// The sum of `amount` over ids 1..=n.
fn sum_of(n: i64) -> f64 {
    (1..=n).map(|i| i as f64 * 1.5).sum()
}

async fn search_text(engine: &Engine, source: &SearchSource, query: &str) -> Result<SearchResult> {
    engine
        .search_text(
            source,
            query,
            &context(),
            Page::first_rows(),
            "",
            |_| Ok(()),
        )
        .await
}

async fn total(engine: &Engine, source: &SearchSource) -> f64 {
    let result = search_text(engine, source, "[Amount]").await.unwrap();
    match result.rows[0][0] {
        Cell::Float(value) => value,
        ref other => panic!("expected a float, got {other:?}"),
    }
}

#[tokio::test]
async fn a_search_over_the_memory_limit_is_a_400_naming_it_and_the_engine_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.parquet");
    write_parquet_file(&big, &amounts(200_000));
    let small = dir.path().join("small.parquet");
    write_parquet_file(&small, &amounts(4));
    let engine = Engine::new(EngineConfig {
        query_memory_limit: 64 * 1024,
        ..EngineConfig::default()
    })
    .unwrap();
    // 200,000 groups, sorted: far more than 64 KB of hash table and sort buffers.
    let err = search_text(&engine, &amounts_source(&big, false), "[Id] [Amount]")
        .await
        .unwrap_err();
    assert_eq!(err.name(), "QueryMemoryExceeded", "{err}");
    assert_eq!(err.status(), 400);
    let message = err.to_string();
    assert!(
        message.contains("'Single'") && message.contains("64 KB"),
        "{message}"
    );
    // The pool is whole again: a small search runs.
    assert_eq!(
        total(&engine, &amounts_source(&small, false)).await,
        sum_of(4)
    );
    // The same big search fits the default limit.
    let result = search_text(
        &crate::engine(),
        &amounts_source(&big, false),
        "[Id] [Amount]",
    )
    .await
    .unwrap();
    assert_eq!(result.total_rows, 200_000);
}

#[tokio::test]
async fn the_table_cache_keeps_at_most_its_limit_least_recently_used_out_first() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.parquet");
    let b = dir.path().join("b.parquet");
    write_parquet_file(&a, &amounts(5_000));
    write_parquet_file(&b, &amounts(5_000));
    let (a, b) = (amounts_source(&a, true), amounts_source(&b, true));

    // How much one table holds, with room for all.
    let roomy = crate::engine();
    assert_eq!(total(&roomy, &a).await, sum_of(5_000));
    let one = roomy.memory_table_bytes();
    assert!(one > 0);

    // Room for one and a half: the second table pushes the first out, and so on. (Each
    // search is computed: the answer cache would answer the repeated ones without a table.)
    let engine = Engine::new(EngineConfig {
        memory_table_cache: one + one / 2,
        answer_cache: 0,
        ..EngineConfig::default()
    })
    .unwrap();
    assert_eq!(total(&engine, &a).await, sum_of(5_000));
    assert_eq!(total(&engine, &a).await, sum_of(5_000));
    assert_eq!(engine.table_loads(), 1, "a stays while it fits");
    assert_eq!(total(&engine, &b).await, sum_of(5_000));
    assert_eq!(engine.table_loads(), 2);
    assert!(engine.memory_table_bytes() <= one + one / 2);
    assert_eq!(total(&engine, &b).await, sum_of(5_000));
    assert_eq!(engine.table_loads(), 2, "b is held");
    assert_eq!(total(&engine, &a).await, sum_of(5_000));
    assert_eq!(
        engine.table_loads(),
        3,
        "a was dropped for b, and read again"
    );
    assert!(engine.memory_table_bytes() <= one + one / 2);
}

#[tokio::test]
async fn a_table_larger_than_the_cache_is_read_from_its_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.parquet");
    write_parquet_file(&file, &amounts(1_000));
    let source = amounts_source(&file, true);
    let engine = Engine::new(EngineConfig {
        memory_table_cache: 1,
        ..EngineConfig::default()
    })
    .unwrap();
    for _ in 0..3 {
        assert_eq!(total(&engine, &source).await, sum_of(1_000));
    }
    assert_eq!(
        engine.table_loads(),
        1,
        "loaded once, then read from the file"
    );
    assert_eq!(engine.memory_table_bytes(), 0);
    // A changed file is live, and still not held.
    write_parquet_file(&file, &amounts(10));
    assert_eq!(total(&engine, &source).await, sum_of(10));
    assert_eq!(total(&engine, &source).await, sum_of(10));
    assert_eq!(engine.memory_table_bytes(), 0);
}

#[tokio::test]
async fn search_texts_are_bounded_before_they_are_parsed() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.parquet");
    write_parquet_file(&file, &amounts(4));
    let source = amounts_source(&file, false);
    let engine = Engine::new(EngineConfig {
        search_limits: Limits {
            max_chars: 100,
            max_tokens: 10,
        },
        ..EngineConfig::default()
    })
    .unwrap();
    let long = "[Amount] ".repeat(200);
    let err = search_text(&engine, &source, &long).await.unwrap_err();
    assert_eq!(err.name(), "SearchQueryTooLong");
    assert!(err.to_string().contains("at most 100"), "{err}");
    let err = search_text(&engine, &source, "[Amount] [Id] = 1 2 3 4 5 6 7 8 9")
        .await
        .unwrap_err();
    assert_eq!(err.name(), "SearchTooManyTokens");
    assert!(err.to_string().contains("more than 10 parts"), "{err}");
    assert_eq!(total(&engine, &source).await, sum_of(4));
}

#[tokio::test]
async fn as_many_filters_as_a_search_may_hold_run() {
    // 330 filters on one column, each its own condition (the most 1,000 tokens hold): the
    // conjunction is handed to DataFusion as a balanced tree, and the search runs on a test
    // thread's stack.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.parquet");
    write_parquet_file(&file, &amounts(4));
    let source = amounts_source(&file, false);
    let mut query = String::from("[Amount]");
    for i in 0..330 {
        query.push_str(&format!(" [Id] < {}", 1_000 + i));
    }
    let result = search_text(&crate::engine(), &source, &query)
        .await
        .unwrap();
    assert_eq!(result.rows[0][0], Cell::Float(sum_of(4)));
}

#[tokio::test]
async fn turns_are_bounded_and_a_full_queue_is_a_503() {
    let engine = Engine::new(EngineConfig {
        max_concurrent_searches: Some(2),
        max_queued_searches: 0,
        ..EngineConfig::default()
    })
    .unwrap();
    assert_eq!(engine.max_concurrent_searches(), 2);
    let all = engine.admit(5).await.unwrap();
    let err = engine.admit(1).await.unwrap_err();
    assert_eq!(err.name(), "Overloaded");
    assert_eq!(err.status(), 503);
    assert!(err.retry_after().is_some());
    drop(all);
    let _one = engine.admit(1).await.unwrap();
    let _two = engine.admit(1).await.unwrap();
    assert_eq!(engine.admit(1).await.unwrap_err().name(), "Overloaded");
}
