//! Model (worksheet) filters written in the search language.

use searchlight_search::{CmpOp, Literal, Test, bind_row_filters};

use crate::{column, compare, cond, ctx, model, text};

fn filters(text: &str) -> Vec<searchlight_search::Predicate> {
    bind_row_filters(&model(), text, &ctx()).unwrap_or_else(|err| panic!("{text}: {err}"))
}

fn error(text: &str) -> String {
    let err = bind_row_filters(&model(), text, &ctx()).unwrap_err();
    assert_eq!(err.status(), 400);
    err.to_string()
}

#[test]
fn filters_become_row_predicates() {
    assert_eq!(
        filters("[region] != 'canada'"),
        [cond(
            column("Region"),
            compare(CmpOp::NotEq, text("canada"))
        )]
    );
    assert_eq!(
        filters("[region] = 'east' [region] = 'west', [ship mode] != 'air' [Region].north"),
        [
            cond(
                column("Region"),
                Test::InList {
                    values: vec![text("east"), text("west"), text("north")],
                    negated: false
                }
            ),
            cond(column("Ship Mode"), compare(CmpOp::NotEq, text("air"))),
        ]
    );
}

#[test]
fn measure_filters_compare_raw_values() {
    assert_eq!(
        filters("[Revenue] > 100"),
        [cond(
            column("Revenue"),
            compare(CmpOp::Gt, Literal::Float(100.0))
        )]
    );
}

#[test]
fn empty_text_means_no_filter() {
    assert!(filters("").is_empty());
    assert!(filters("  , ").is_empty());
}

#[test]
fn anything_but_filters_is_an_error() {
    assert_eq!(
        error("[Region]"),
        "Model filter \"[Region]\" may contain only filters, but \"[Region]\" is not a filter"
    );
    assert_eq!(
        error("[Region] = 'x' top 5"),
        "Model filter \"[Region] = 'x' top 5\" may contain only filters, but \"top 5\" is not a filter"
    );
    assert_eq!(
        error("sum [Revenue] > 5"),
        "Model filter \"sum [Revenue] > 5\" may contain only filters, but \"sum [Revenue] > 5\" is not a filter"
    );
    assert_eq!(
        error("[Order Date].monthly"),
        "Model filter \"[Order Date].monthly\" may contain only filters, but \"[Order Date].monthly\" is not a filter"
    );
    assert!(error("[Regoin] = 'x'").contains("Did you mean: Region?"));
}
