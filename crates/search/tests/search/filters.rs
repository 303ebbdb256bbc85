//! Filters: row vs group (rule 3), filter-only columns (rule 4), combination (rule 5),
//! constants and text operators (rule 6), between (rule 7), value conversion.

use searchlight_search::{Aggregation, Bucket, CmpOp, Literal, Predicate, Test, TextOp};

use crate::{aggregated, column, compare, cond, names, part, plan, text};

#[test]
fn attribute_filters_restrict_rows_and_are_not_outputs() {
    let plan = plan("[Revenue] [Ship Mode] = 'air'");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(
        plan.row_filters,
        [cond(column("Ship Mode"), compare(CmpOp::Eq, text("air")))]
    );
    assert!(plan.group_filters.is_empty());
}

#[test]
fn a_filtered_column_named_again_is_an_output() {
    let plan = plan("[Revenue] [Ship Mode] = 'air' [Ship Mode]");
    assert_eq!(names(&plan), ["Ship Mode", "Total Revenue"]);
    assert_eq!(plan.row_filters.len(), 1);
}

#[test]
fn equal_values_on_one_column_are_one_in_list() {
    let expected = vec![cond(
        column("Ship Mode"),
        Test::InList {
            values: vec![text("air"), text("rail")],
            negated: false,
        },
    )];
    for query in [
        "[Revenue] [Ship Mode] = 'air','rail'",
        "[Revenue] [Ship Mode] = 'air', 'rail'",
        "[Revenue] [Ship Mode] = 'air' 'rail'",
        "[Revenue] [Ship Mode] = 'air' [Ship Mode] = 'rail'",
        "[Revenue] [Ship Mode].air [ship mode].'rail'",
        "[Revenue] [Ship Mode] = [Ship Mode].air [Ship Mode].rail",
        "[Revenue] [Ship Mode] = ‘air’ [Ship Mode] = \"rail\" [Ship Mode] = 'air'",
    ] {
        assert_eq!(plan(query).row_filters, expected, "{query}");
    }
}

#[test]
fn filters_on_different_columns_are_and_ed() {
    let plan = plan("[Revenue] [Ship Mode] = 'air' [Region] = 'east' [Ship Mode] = 'rail'");
    assert_eq!(
        plan.row_filters,
        [
            cond(
                column("Ship Mode"),
                Test::InList {
                    values: vec![text("air"), text("rail")],
                    negated: false
                }
            ),
            cond(column("Region"), compare(CmpOp::Eq, text("east"))),
        ]
    );
}

#[test]
fn bound_values_with_spaces_and_synonyms() {
    let plan = plan("[Revenue] [Segment].'Home Office'");
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Customer Segment"),
            compare(CmpOp::Eq, text("Home Office"))
        )]
    );
}

#[test]
fn not_equal_excludes_every_value() {
    let plan = plan("[Revenue] [Region] != 'canada'");
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Region"),
            compare(CmpOp::NotEq, text("canada"))
        )]
    );
    let plan = crate::plan("[Revenue] [Region] != 'canada' [Region] != 'mexico'");
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Region"),
            Test::InList {
                values: vec![text("canada"), text("mexico")],
                negated: true
            }
        )]
    );
}

#[test]
fn null_and_empty_constants() {
    let is_null = |negated| cond(column("Region"), Test::IsNull { negated });
    let is_empty = |negated| cond(column("Region"), Test::IsEmpty { negated });
    for (query, expected) in [
        ("[Revenue] [Region] = {null}", is_null(false)),
        ("[Revenue] [Region].{null}", is_null(false)),
        ("[Revenue] [Region] != {null}", is_null(true)),
        ("[Revenue] [Region] != [Region].{null}", is_null(true)),
        ("[Revenue] [Region] = {empty}", is_empty(false)),
        ("[Revenue] [Region] = {blank}", is_empty(false)),
        ("[Revenue] [Region] != {Blank}", is_empty(true)),
        ("[Revenue] [Region].{empty}", is_empty(false)),
    ] {
        assert_eq!(plan(query).row_filters, [expected], "{query}");
    }
    // {empty} on a non-text column can only mean NULL.
    assert_eq!(
        plan("[Revenue] [Unit Price] = {empty}").row_filters,
        [cond(column("Unit Price"), Test::IsNull { negated: false })]
    );
}

#[test]
fn null_joins_an_equal_list() {
    let plan = plan("[Revenue] [Region] = 'east' {null}");
    assert_eq!(
        plan.row_filters,
        [Predicate::Or(vec![
            cond(column("Region"), compare(CmpOp::Eq, text("east"))),
            cond(column("Region"), Test::IsNull { negated: false }),
        ])]
    );
    let plan = crate::plan("[Revenue] [Region] != 'east' [Region] != {null}");
    assert_eq!(
        plan.row_filters,
        [
            cond(column("Region"), compare(CmpOp::NotEq, text("east"))),
            cond(column("Region"), Test::IsNull { negated: true }),
        ]
    );
}

#[test]
fn every_comparison_operator() {
    for (symbol, op) in [
        ("=", CmpOp::Eq),
        ("!=", CmpOp::NotEq),
        (">", CmpOp::Gt),
        (">=", CmpOp::GtEq),
        ("<", CmpOp::Lt),
        ("<=", CmpOp::LtEq),
    ] {
        let query = format!("[Region] [Unit Price] {symbol} 10");
        assert_eq!(
            plan(&query).row_filters,
            [cond(
                column("Unit Price"),
                compare(op, Literal::Float(10.0))
            )],
            "{query}"
        );
    }
}

#[test]
fn values_take_the_column_type() {
    let filter = |query: &str| plan(query).row_filters;
    assert_eq!(
        filter("[Region] [Order Number] = 42"),
        [cond(
            column("Order Number"),
            compare(CmpOp::Eq, Literal::Integer(42))
        )]
    );
    assert_eq!(
        filter("[Region] [Order Number] > 2.5"),
        [cond(
            column("Order Number"),
            compare(CmpOp::Gt, Literal::Float(2.5))
        )]
    );
    assert_eq!(
        filter("[Region] [Order Number] = '42'"),
        [cond(
            column("Order Number"),
            compare(CmpOp::Eq, Literal::Integer(42))
        )],
        "quoted numbers are accepted, as in the 2020 docs"
    );
    assert_eq!(
        filter("[Region] [Unit Price] >= -3.5"),
        [cond(
            column("Unit Price"),
            compare(CmpOp::GtEq, Literal::Float(-3.5))
        )]
    );
    assert_eq!(
        filter("[Region] [Is Returned] = true"),
        [cond(
            column("Is Returned"),
            compare(CmpOp::Eq, Literal::Boolean(true))
        )]
    );
    assert_eq!(
        filter("[Region] [Is Returned] = 'FALSE'"),
        [cond(
            column("Is Returned"),
            compare(CmpOp::Eq, Literal::Boolean(false))
        )]
    );
    assert_eq!(
        filter("[Revenue] [Region] = 42"),
        [cond(column("Region"), compare(CmpOp::Eq, text("42")))],
        "a number for a text column is its text"
    );
}

#[test]
fn measure_filters_restrict_groups() {
    let plan = plan("[Revenue] > 1000 [Ship Mode] = 'air'");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(
        plan.group_filters,
        [cond(
            aggregated("Revenue", Aggregation::Sum),
            compare(CmpOp::Gt, Literal::Float(1000.0))
        )]
    );
    assert_eq!(plan.row_filters.len(), 1);

    let plan = crate::plan(
        "[Region] [Revenue] [Quantity] >= 5 average [Revenue] < 10.5 count [Customer Name] > 3",
    );
    assert_eq!(names(&plan), ["Region", "Total Revenue"]);
    assert_eq!(
        plan.group_filters,
        [
            cond(
                aggregated("Quantity", Aggregation::Sum),
                compare(CmpOp::GtEq, Literal::Integer(5))
            ),
            cond(
                aggregated("Revenue", Aggregation::Average),
                compare(CmpOp::Lt, Literal::Float(10.5))
            ),
            cond(
                aggregated("Customer Name", Aggregation::Count),
                compare(CmpOp::Gt, Literal::Integer(3))
            ),
        ]
    );
    assert!(plan.row_filters.is_empty());
}

#[test]
fn measure_filters_use_the_model_aggregation() {
    let plan = plan("[Region] [Discount] > 0.1");
    assert_eq!(
        plan.group_filters,
        [cond(
            aggregated("Discount", Aggregation::Average),
            compare(CmpOp::Gt, Literal::Float(0.1))
        )]
    );
}

#[test]
fn measures_without_aggregation_filter_rows() {
    let plan = plan("[Revenue] [Unit Price] < 5");
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Unit Price"),
            compare(CmpOp::Lt, Literal::Float(5.0))
        )]
    );
    assert!(plan.group_filters.is_empty());
}

#[test]
fn between_is_inclusive() {
    let plan = plan("[Region] [Unit Price] between 1 and 10");
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Unit Price"),
            Test::Between {
                low: Literal::Float(1.0),
                high: Literal::Float(10.0),
                low_inclusive: true,
                high_inclusive: true
            }
        )]
    );
    let plan = crate::plan("[Region] [Revenue] between 0 and 1000");
    assert_eq!(
        plan.group_filters,
        [cond(
            aggregated("Revenue", Aggregation::Sum),
            Test::Between {
                low: Literal::Float(0.0),
                high: Literal::Float(1000.0),
                low_inclusive: true,
                high_inclusive: true
            }
        )]
    );
    let plan = crate::plan("[Revenue] [Region] between 'a' and 'm'");
    assert!(
        matches!(&plan.row_filters[0], Predicate::Condition(c) if matches!(c.test, Test::Between { .. }))
    );
}

#[test]
fn every_text_operator() {
    for (keyword, op, negated) in [
        ("contains", TextOp::Contains, false),
        ("not contains", TextOp::Contains, true),
        ("not_contains", TextOp::Contains, true),
        ("begins with", TextOp::BeginsWith, false),
        ("begins_with", TextOp::BeginsWith, false),
        ("not begins with", TextOp::BeginsWith, true),
        ("not_begins_with", TextOp::BeginsWith, true),
        ("ends with", TextOp::EndsWith, false),
        ("ends_with", TextOp::EndsWith, false),
        ("not ends with", TextOp::EndsWith, true),
        ("not_ends_with", TextOp::EndsWith, true),
        ("Not Ends With", TextOp::EndsWith, true),
    ] {
        let query = format!("[Revenue] [Customer Name] {keyword} 'pro'");
        assert_eq!(
            plan(&query).row_filters,
            [cond(
                column("Customer Name"),
                Test::Text {
                    op,
                    patterns: vec!["pro".into()],
                    negated
                }
            )],
            "{query}"
        );
    }
}

#[test]
fn repeated_text_operators_on_one_column_are_or_ed() {
    let plan = plan(
        "[Revenue] [Customer Name] begins with 'pro' [Customer Name] begins with 'sport' [Customer Name] ends with 'x' [Region] begins with 'e'",
    );
    let text_test = |op, patterns: &[&str]| Test::Text {
        op,
        patterns: patterns.iter().map(|p| p.to_string()).collect(),
        negated: false,
    };
    assert_eq!(
        plan.row_filters,
        [
            cond(
                column("Customer Name"),
                text_test(TextOp::BeginsWith, &["pro", "sport"])
            ),
            cond(column("Customer Name"), text_test(TextOp::EndsWith, &["x"])),
            cond(column("Region"), text_test(TextOp::BeginsWith, &["e"])),
        ]
    );
    let plan = crate::plan(
        "[Revenue] [Customer Name] contains 'a', 'b' [Customer Name] not contains 'c' 'd'",
    );
    assert_eq!(
        plan.row_filters,
        [
            cond(
                column("Customer Name"),
                text_test(TextOp::Contains, &["a", "b"])
            ),
            cond(
                column("Customer Name"),
                Test::Text {
                    op: TextOp::Contains,
                    patterns: vec!["c".into(), "d".into()],
                    negated: true
                }
            ),
        ]
    );
}

#[test]
fn date_part_filters() {
    let plan = plan("[Revenue] [Order Date].'day of week' = 5");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(
        plan.row_filters,
        [cond(
            part("Order Date", Bucket::DayOfWeek),
            compare(CmpOp::Eq, Literal::Integer(5))
        )]
    );
    let plan = crate::plan("[Revenue] [Order Date].'day of week' = 1 2 3");
    assert_eq!(
        plan.row_filters,
        [cond(
            part("Order Date", Bucket::DayOfWeek),
            Test::InList {
                values: vec![
                    Literal::Integer(1),
                    Literal::Integer(2),
                    Literal::Integer(3)
                ],
                negated: false
            }
        )]
    );
    let plan = crate::plan(
        "[Revenue] [Order Date].'day of week' <= 2 [Order Date].'month of year' = 'june' [Ship Time].'hour of day' between 9 and 17",
    );
    assert_eq!(
        plan.row_filters,
        [
            cond(
                part("Order Date", Bucket::DayOfWeek),
                compare(CmpOp::LtEq, Literal::Integer(2))
            ),
            cond(
                part("Order Date", Bucket::MonthOfYear),
                compare(CmpOp::Eq, Literal::Integer(6))
            ),
            cond(
                part("Ship Time", Bucket::HourOfDay),
                Test::Between {
                    low: Literal::Integer(9),
                    high: Literal::Integer(17),
                    low_inclusive: true,
                    high_inclusive: true
                }
            ),
        ]
    );
    // A weekday name on the day-of-week part.
    let plan = crate::plan("[Revenue] [Order Date].'day of week' != 'sunday'");
    assert_eq!(
        plan.row_filters,
        [cond(
            part("Order Date", Bucket::DayOfWeek),
            compare(CmpOp::NotEq, Literal::Integer(7))
        )]
    );
}

#[test]
fn a_filtered_bucket_can_also_be_an_output() {
    let plan = plan("[Revenue] [Order Date].'day of week' [Order Date].'day of week' <= 5");
    assert_eq!(names(&plan), ["Day of week(Order Date)", "Total Revenue"]);
    assert_eq!(plan.row_filters.len(), 1);
}

#[test]
fn filter_phrases_after_by() {
    let plan = plan("[Revenue] by [Region] = 'east'");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(
        plan.row_filters,
        [cond(column("Region"), compare(CmpOp::Eq, text("east")))]
    );
}

#[test]
fn a_search_of_only_filters_shows_the_filtered_measures() {
    // The documented API example "revenue over 1000, ship mode limited to air".
    let plan = plan("[revenue] > 1000 [ship mode] = 'air'");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(
        plan.group_filters,
        [cond(
            aggregated("Revenue", Aggregation::Sum),
            compare(CmpOp::Gt, Literal::Float(1000.0))
        )]
    );
    // With another column to show, the filtered measure stays out (rule 4).
    let plan = crate::plan("[Region] [Revenue] > 1000");
    assert_eq!(names(&plan), ["Region"]);
    assert_eq!(plan.group_filters.len(), 1);
}
