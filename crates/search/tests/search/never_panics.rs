//! No input makes the lexer, parser or binder panic; every failure is a 400 with a message, and
//! every plan is internally consistent.

use proptest::prelude::*;
use searchlight_search::{Predicate, SearchPlan, bind_row_filters, compile, lexer, parse};

use crate::{ctx, model};

/// Runs every entry point on `query` and checks the outcome.
fn check(query: &str) {
    let model = model();
    match parse(query) {
        Ok(_) => {}
        Err(err) => assert_client_error(query, &err),
    }
    match compile(&model, query, &ctx()) {
        Ok(plan) => assert_consistent(query, &plan, model.columns.len()),
        Err(err) => assert_client_error(query, &err),
    }
    match bind_row_filters(&model, query, &ctx()) {
        Ok(predicates) => {
            for predicate in &predicates {
                assert_columns_exist(predicate, model.columns.len());
            }
        }
        Err(err) => assert_client_error(query, &err),
    }
}

fn assert_client_error(query: &str, err: &searchlight_errors::Error) {
    assert_eq!(err.status(), 400, "{query:?}: {err}");
    assert_eq!(err.code(), 10002, "{query:?}: {err}");
    assert!(!err.to_string().trim().is_empty(), "{query:?}");
}

fn assert_consistent(query: &str, plan: &SearchPlan, columns: usize) {
    let outputs = plan.outputs.len();
    assert!(outputs > 0, "{query:?}");
    assert!(
        plan.outputs
            .iter()
            .all(|o| !o.name.is_empty() && o.expr.column() < columns)
    );
    for key in &plan.sort {
        assert!(key.output < outputs, "{query:?}: {plan:?}");
    }
    let mut seen = std::collections::HashSet::new();
    assert!(
        plan.sort.iter().all(|key| seen.insert(key.output)),
        "{query:?}: duplicate sort key"
    );
    // Every grouping column takes part in the order, so results are deterministic.
    for (index, output) in plan.outputs.iter().enumerate() {
        if output.expr.is_group() {
            assert!(seen.contains(&index), "{query:?}: {plan:?}");
        }
    }
    if let Some(ranking) = &plan.ranking {
        assert!(ranking.by < outputs && ranking.limit > 0);
        assert!(
            ranking
                .partition_by
                .iter()
                .chain(&ranking.tie_breakers)
                .all(|&i| i < outputs)
        );
    }
    for predicate in plan.row_filters.iter().chain(&plan.group_filters) {
        assert_columns_exist(predicate, columns);
    }
    assert!(plan.referenced_columns().iter().all(|&c| c < columns));
}

fn assert_columns_exist(predicate: &Predicate, columns: usize) {
    match predicate {
        Predicate::Condition(condition) => assert!(condition.operand.column() < columns),
        Predicate::And(parts) | Predicate::Or(parts) => {
            for part in parts {
                assert_columns_exist(part, columns);
            }
        }
    }
}

/// Pieces a search is made of: keywords, columns, values and punctuation.
fn piece() -> impl Strategy<Value = String> {
    let mut pieces: Vec<String> = lexer::keyword_spellings().map(str::to_owned).collect();
    pieces.extend(
        model()
            .columns
            .iter()
            .map(|column| format!("[{}]", column.name.to_lowercase())),
    );
    pieces.extend(
        [
            "[nope]",
            "'air'",
            "'01/15/2024'",
            "'2024'",
            "'last 3 months'",
            "'day of week'",
            "'monday'",
            "'june 2024'",
            "{null}",
            "{empty}",
            "{blank}",
            "{x}",
            "0",
            "1",
            "7",
            "-3.5",
            "2024",
            "99999999999999999999",
            ".",
            ",",
            "=",
            "!=",
            "<",
            "<=",
            ">",
            ">=",
            "(",
            ")",
            "'",
            "[",
            "]",
            "“quoted”",
            "‘x’",
            "_",
            "é",
            ".monthly",
            ".'day of week'",
            ".{null}",
            ".air",
            ".'last 12 months'",
            ".today",
            ".9",
        ]
        .map(str::to_owned),
    );
    prop::sample::select(pieces)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(query in any::<String>()) {
        check(&query);
    }

    #[test]
    fn search_like_text_never_panics(query in "[\\[\\]'\"{}.,()=!<>a-zA-Z0-9 _\\-‘’/]{0,60}") {
        check(&query);
    }

    #[test]
    fn token_soups_never_panic(
        pieces in prop::collection::vec(piece(), 0..14),
        glue in prop::collection::vec(prop::sample::select(vec!["", " ", " ", ", "]), 14),
    ) {
        let mut query = String::new();
        for (piece, glue) in pieces.iter().zip(&glue) {
            query.push_str(piece);
            query.push_str(glue);
        }
        check(&query);
    }
}

#[test]
fn pathological_inputs() {
    for query in [
        "[",
        "]",
        "'",
        "\"",
        "{",
        "}",
        ".",
        "[a",
        "[[[[",
        "'''''",
        "[Revenue].",
        "[Revenue] top",
        "top top top",
        "last",
        "last 99999999999 days",
        "[Order Date] = last 4294967295 years",
        "[Revenue] [Order Date] = '4294967295 days ago'",
        "[Revenue] [Order Date] = 'december 9999' [Order Date] = '12/31/9999'",
        "[Revenue] [Order Date] > '12/31/9999'",
        "[Revenue] [Order Date] != '12/31/9999'",
        "[Revenue] top 18446744073709551615",
        "[Revenue] top 18446744073709551616",
        "[Revenue] [Unit Price] > 1e400",
        "[Revenue] [Unit Price] > '1e400'",
        "[Revenue] [Unit Price] = 'NaN'",
        "[Revenue] [Order Date].'day of week' = 99999999999999999999",
        "\u{0}\u{1}\u{feff}",
        "[Revenue]\u{a0}[Region]",
        "[Région] = 'é'",
    ] {
        check(query);
    }
    let long = "[Revenue] [Region] = 'a' ".repeat(2000);
    check(&long);
    let deep = "[".repeat(10_000);
    check(&deep);
}
