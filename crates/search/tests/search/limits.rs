//! The work one search can cause is bounded: its length and token count are checked before
//! it is read, nothing recurses on its nesting, and "did you mean" compares a bounded number
//! of names of bounded length.

use std::time::{Duration, Instant};

use searchlight_search::{
    Aggregation, DataType, Limits, ModelColumn, SourceModel, compile, compile_with, parse,
    parse_with,
};

use crate::{ctx, error, model};

/// The error's name and message of a search that must fail.
fn failure(model: &SourceModel, query: &str, limits: &Limits) -> (&'static str, String) {
    match compile_with(model, query, &ctx(), limits) {
        Ok(plan) => panic!("{query:.80} should fail but gave {plan:?}"),
        Err(err) => {
            assert_eq!(err.status(), 400, "{err}");
            (err.name(), err.to_string())
        }
    }
}

#[test]
fn a_search_longer_than_the_limit_is_refused_naming_the_limit() {
    let long = "[Revenue] ".repeat(1_100);
    assert_eq!(
        error(&long),
        "The search is 11000 characters long, and a search may have at most 10000: shorten it, or split it into several searches"
    );
    // Refused before it is read: a megabyte costs no more than counting it.
    let huge = "[Revenue] [Region] = 'x' ".repeat(40_000);
    let started = Instant::now();
    let (name, message) = failure(&model(), &huge, &Limits::DEFAULT);
    assert_eq!(name, "SearchQueryTooLong");
    assert!(message.contains("1000000 characters"), "{message}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        parse(&huge).unwrap_err().name(),
        "SearchQueryTooLong",
        "parse alone is bounded too"
    );

    // The limit is the caller's to choose, and counts characters, not bytes.
    let tight = Limits {
        max_chars: 20,
        max_tokens: 1_000,
    };
    assert_eq!(
        failure(&model(), "[Revenue] [Ship Mode] [Region]", &tight).0,
        "SearchQueryTooLong"
    );
    assert!(compile_with(&model(), "[Revenue] [Region]", &ctx(), &tight).is_ok());
    let accented = format!("[{}] ", "é".repeat(197)).repeat(50);
    assert_eq!(accented.chars().count(), 10_000);
    assert_eq!(
        failure(&model(), &accented, &Limits::DEFAULT).0,
        "SearchUnknownColumn",
        "10,000 characters (19,850 bytes) are within the limit"
    );
}

#[test]
fn a_token_longer_than_the_lexer_takes_is_refused_before_it_is_read() {
    // logos' lexer nests a call per byte of a token: a 10,000-character column name
    // overflowed the test thread's stack.
    for (query, at) in [
        (format!("[{}]", "é".repeat(9_998)), 0),
        (format!("[Revenue] = '{}'", "x".repeat(5_000)), 12),
        (format!("[Revenue] {}", "w".repeat(2_000)), 10),
        (
            format!("[Revenue] {}", "{".repeat(3)) + &"n".repeat(2_000),
            12,
        ),
    ] {
        let (name, message) = failure(&model(), &query, &Limits::DEFAULT);
        assert_eq!(name, "SearchTokenTooLong", "{query:.40}: {message}");
        assert!(
            message.contains(&format!("at character {at}")),
            "{query:.40}: {message}"
        );
    }
    // Spaces are skipped one at a time, however many.
    assert!(
        compile(
            &model(),
            &format!("[Revenue]{}[Region]", " ".repeat(9_000)),
            &ctx()
        )
        .is_ok()
    );
    let longest = format!(
        "[{}]",
        "n".repeat(searchlight_search::lexer::MAX_TOKEN_BYTES - 2)
    );
    assert_eq!(
        failure(&model(), &longest, &Limits::DEFAULT).0,
        "SearchUnknownColumn"
    );
}

#[test]
fn a_search_with_more_tokens_than_the_limit_is_refused() {
    // [Revenue], [Region], =, then values: 1,000 tokens pass, 1,001 do not.
    let values = |n: usize| {
        let mut query = String::from("[Revenue] [Region] =");
        for i in 0..n {
            query.push_str(&format!(" 'v{i}'"));
        }
        query
    };
    let plan = compile(&model(), &values(997), &ctx()).unwrap();
    assert_eq!(plan.row_filters.len(), 1);
    let (name, message) = failure(&model(), &values(998), &Limits::DEFAULT);
    assert_eq!(name, "SearchTooManyTokens");
    assert_eq!(
        message,
        "The search has more than 1000 parts (columns, words, values and symbols), the most a search may have: shorten it, or split it into several searches"
    );
    let few = Limits {
        max_chars: 10_000,
        max_tokens: 3,
    };
    assert_eq!(
        parse_with("[Revenue] [Region] [Ship Mode] [Quantity]", &few)
            .unwrap_err()
            .name(),
        "SearchTooManyTokens"
    );
    assert!(parse_with("[Revenue] [Region] [Ship Mode]", &few).is_ok());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Far beyond any recursion the stack would survive, with limits that let it be read.
    let roomy = Limits {
        max_chars: 2_000_000,
        max_tokens: 2_000_000,
    };
    for query in [
        "(".repeat(500_000),
        format!("[Revenue] = {}", "(".repeat(500_000)),
        format!("[Revenue] {}", ")".repeat(500_000)),
        "[".repeat(500_000),
        format!("[Revenue] {}", "[Order Date].".repeat(100_000)),
        format!("[Revenue] [Region] = {}", "[Region].".repeat(100_000)),
        "'".repeat(500_001),
        "{".repeat(500_000),
    ] {
        let err = parse_with(&query, &roomy)
            .and_then(|parsed| searchlight_search::bind(&model(), &parsed, &ctx()))
            .unwrap_err();
        assert_eq!(err.status(), 400, "{query:.40}: {err}");
    }
    // Within the default limits, the same shapes are refused just as well.
    for query in ["(".repeat(9_000), "[".repeat(9_000), "{".repeat(9_000)] {
        assert!(!error(&query).is_empty());
    }
}

/// A model of `n` columns with long, similar names (the worst case for suggestions).
fn wide_model(n: usize) -> SourceModel {
    SourceModel::new(
        (0..n)
            .map(|i| {
                ModelColumn::measure(
                    format!("Quarterly regional revenue after returns and discounts {i}"),
                    DataType::Float,
                    Aggregation::Sum,
                )
                .with_synonyms([format!("Revenue measure number {i} of the regional model")])
            })
            .collect(),
    )
}

#[test]
fn an_unknown_long_name_on_a_wide_model_is_answered_quickly() {
    // Today's "did you mean" compared every character of the name with every column name
    // and synonym: 3,000 columns × 2 names × 1,000 × 60 characters. Now the name is compared
    // by its first characters, and only with names of comparable length.
    let model = wide_model(3_000);
    let name = "q".repeat(1_000);
    let started = Instant::now();
    let (kind, message) = failure(&model, &format!("[{name}]"), &Limits::DEFAULT);
    let elapsed = started.elapsed();
    assert_eq!(kind, "SearchUnknownColumn");
    assert!(!message.contains("Did you mean"), "{message:.200}");
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
    // Names of comparable length are still compared: a typo finds its column.
    let (_, message) = failure(
        &model,
        "[Quarterly regional revenue after returns and discount 17]",
        &Limits::DEFAULT,
    );
    assert!(
        message.contains("Did you mean: Quarterly regional revenue after returns and discounts 17"),
        "{message}"
    );
}

#[test]
fn suggestions_come_from_a_bounded_number_of_names() {
    // The model's first 10,000 names and synonyms are compared; past them, none.
    let mut columns: Vec<ModelColumn> = (0..10_000)
        .map(|i| ModelColumn::attribute(format!("Filler {i}"), DataType::Text))
        .collect();
    columns.push(ModelColumn::measure(
        "Revenue",
        DataType::Float,
        Aggregation::Sum,
    ));
    let late = SourceModel::new(columns);
    let (_, message) = failure(&late, "[revenu]", &Limits::DEFAULT);
    assert_eq!(
        message,
        "Search did not find \"revenu\" in your data or metadata."
    );
    // Found, it is found whatever its place.
    assert!(compile(&late, "[Revenue]", &ctx()).is_ok());
    // Among the first names it is suggested.
    let mut columns = vec![ModelColumn::measure(
        "Revenue",
        DataType::Float,
        Aggregation::Sum,
    )];
    columns
        .extend((0..10_000).map(|i| ModelColumn::attribute(format!("Filler {i}"), DataType::Text)));
    let early = SourceModel::new(columns);
    let (_, message) = failure(&early, "[revenu]", &Limits::DEFAULT);
    assert!(message.ends_with("Did you mean: Revenue?"), "{message}");
}
