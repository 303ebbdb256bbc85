//! Date filters (rule 13), with now = 2025-06-15T12:00:00Z, a Sunday.

use chrono::{TimeZone, Utc};
use searchlight_search::{
    Bucket, CmpOp, Literal, Predicate, SearchContext, Test, bind_row_filters, compile,
};

use crate::{column, compare, cond, date, date_range, datetime, model, names, part, plan};

/// The single row filter of a search.
fn only_filter(query: &str) -> Predicate {
    let plan = plan(query);
    assert_eq!(plan.row_filters.len(), 1, "{query}: {:?}", plan.row_filters);
    plan.row_filters[0].clone()
}

/// `[Order Date] = '<keyword>'` in every spelling must be the range `[start, end)`.
fn assert_order_date_range(keyword: &str, start: (i32, u32, u32), end: (i32, u32, u32)) {
    let expected = cond(
        column("Order Date"),
        date_range(date(start.0, start.1, start.2), date(end.0, end.1, end.2)),
    );
    let mut queries = vec![
        format!("[Revenue] [Order Date] = '{keyword}'"),
        format!("[Revenue] [Order Date].'{keyword}'"),
    ];
    // Dates must be quoted; keywords and years need not be.
    if !keyword.contains(['/', '-']) {
        queries.push(format!("[Revenue] [Order Date] = {keyword}"));
    }
    for query in queries {
        assert_eq!(only_filter(&query), expected, "{query}");
    }
}

#[test]
fn today_and_yesterday() {
    assert_order_date_range("today", (2025, 6, 15), (2025, 6, 16));
    assert_order_date_range("yesterday", (2025, 6, 14), (2025, 6, 15));
    assert_eq!(
        only_filter("[Revenue] [Order Date].today"),
        cond(
            column("Order Date"),
            date_range(date(2025, 6, 15), date(2025, 6, 16))
        )
    );
}

#[test]
fn this_last_next_period() {
    let cases = [
        ("this day", (2025, 6, 15), (2025, 6, 16)),
        ("last day", (2025, 6, 14), (2025, 6, 15)),
        ("next day", (2025, 6, 16), (2025, 6, 17)),
        // Weeks start on Monday: 2025-06-15 is in the week of Monday 2025-06-09.
        ("this week", (2025, 6, 9), (2025, 6, 16)),
        ("last week", (2025, 6, 2), (2025, 6, 9)),
        ("next week", (2025, 6, 16), (2025, 6, 23)),
        ("this month", (2025, 6, 1), (2025, 7, 1)),
        ("last month", (2025, 5, 1), (2025, 6, 1)),
        ("next month", (2025, 7, 1), (2025, 8, 1)),
        ("this quarter", (2025, 4, 1), (2025, 7, 1)),
        ("last quarter", (2025, 1, 1), (2025, 4, 1)),
        ("next quarter", (2025, 7, 1), (2025, 10, 1)),
        ("this year", (2025, 1, 1), (2026, 1, 1)),
        ("last year", (2024, 1, 1), (2025, 1, 1)),
        ("next year", (2026, 1, 1), (2027, 1, 1)),
        ("This Year", (2025, 1, 1), (2026, 1, 1)),
    ];
    for (keyword, start, end) in cases {
        assert_order_date_range(keyword, start, end);
    }
}

#[test]
fn last_and_next_n_periods_exclude_the_current_one() {
    let cases = [
        ("last 7 days", (2025, 6, 8), (2025, 6, 15)),
        ("last 1 day", (2025, 6, 14), (2025, 6, 15)),
        ("next 7 days", (2025, 6, 16), (2025, 6, 23)),
        ("last 2 weeks", (2025, 5, 26), (2025, 6, 9)),
        ("next 2 weeks", (2025, 6, 16), (2025, 6, 30)),
        ("last 12 months", (2024, 6, 1), (2025, 6, 1)),
        ("last 3 months", (2025, 3, 1), (2025, 6, 1)),
        ("next 3 months", (2025, 7, 1), (2025, 10, 1)),
        ("last 2 quarters", (2024, 10, 1), (2025, 4, 1)),
        ("next 2 quarters", (2025, 7, 1), (2026, 1, 1)),
        ("last 5 years", (2020, 1, 1), (2025, 1, 1)),
        ("next 5 years", (2026, 1, 1), (2031, 1, 1)),
        ("last 1 month", (2025, 5, 1), (2025, 6, 1)),
    ];
    for (keyword, start, end) in cases {
        assert_order_date_range(keyword, start, end);
    }
}

#[test]
fn n_periods_ago_is_a_single_period() {
    let cases = [
        ("0 days ago", (2025, 6, 15), (2025, 6, 16)),
        ("2 days ago", (2025, 6, 13), (2025, 6, 14)),
        ("1 week ago", (2025, 6, 2), (2025, 6, 9)),
        ("4 weeks ago", (2025, 5, 12), (2025, 5, 19)),
        ("3 months ago", (2025, 3, 1), (2025, 4, 1)),
        ("1 quarter ago", (2025, 1, 1), (2025, 4, 1)),
        ("4 quarters ago", (2024, 4, 1), (2024, 7, 1)),
        ("2 years ago", (2023, 1, 1), (2024, 1, 1)),
    ];
    for (keyword, start, end) in cases {
        assert_order_date_range(keyword, start, end);
    }
}

#[test]
fn period_to_date_includes_today() {
    let cases = [
        ("week to date", (2025, 6, 9), (2025, 6, 16)),
        ("month to date", (2025, 6, 1), (2025, 6, 16)),
        ("quarter to date", (2025, 4, 1), (2025, 6, 16)),
        ("year to date", (2025, 1, 1), (2025, 6, 16)),
        ("year_to_date", (2025, 1, 1), (2025, 6, 16)),
    ];
    for (keyword, start, end) in cases {
        assert_order_date_range(keyword, start, end);
    }
}

#[test]
fn years_months_and_days_as_literals() {
    assert_order_date_range("2024", (2024, 1, 1), (2025, 1, 1));
    assert_order_date_range("june 2024", (2024, 6, 1), (2024, 7, 1));
    assert_order_date_range("01/15/2024", (2024, 1, 15), (2024, 1, 16));
    assert_order_date_range("2024-01-15", (2024, 1, 15), (2024, 1, 16));
    assert_eq!(
        only_filter("[Revenue] [Order Date] = 2024"),
        cond(
            column("Order Date"),
            date_range(date(2024, 1, 1), date(2025, 1, 1))
        ),
        "an unquoted four-digit number is a year"
    );
}

#[test]
fn month_and_weekday_names_are_date_parts() {
    for (query, bucket, value) in [
        ("[Revenue] [Order Date] = 'june'", Bucket::MonthOfYear, 6),
        ("[Revenue] [Order Date].january", Bucket::MonthOfYear, 1),
        ("[Revenue] [Order Date] = December", Bucket::MonthOfYear, 12),
        ("[Revenue] [Order Date] = 'monday'", Bucket::DayOfWeek, 1),
        ("[Revenue] [Order Date].Sunday", Bucket::DayOfWeek, 7),
        ("[Revenue] [Ship Time] = wednesday", Bucket::DayOfWeek, 3),
    ] {
        let column_name = if query.contains("Ship Time") {
            "Ship Time"
        } else {
            "Order Date"
        };
        assert_eq!(
            only_filter(query),
            cond(
                part(column_name, bucket),
                compare(CmpOp::Eq, Literal::Integer(value))
            ),
            "{query}"
        );
    }
    let plan = plan("[Revenue] [Order Date] = 'monday' [Order Date] = 'friday'");
    assert_eq!(
        plan.row_filters,
        [cond(
            part("Order Date", Bucket::DayOfWeek),
            Test::InList {
                values: vec![Literal::Integer(1), Literal::Integer(5)],
                negated: false
            }
        )]
    );
}

#[test]
fn a_month_name_and_a_year_together_mean_that_month() {
    let plan = plan("[Revenue] [Order Date] = 'june' [Order Date] = '2024'");
    assert_eq!(
        plan.row_filters,
        [
            cond(
                part("Order Date", Bucket::MonthOfYear),
                compare(CmpOp::Eq, Literal::Integer(6))
            ),
            cond(
                column("Order Date"),
                date_range(date(2024, 1, 1), date(2025, 1, 1))
            ),
        ]
    );
}

#[test]
fn several_equal_dates_are_or_ed() {
    let plan = plan("[Revenue] [Order Date] = 'this year' [Order Date] = 'last year'");
    assert_eq!(
        plan.row_filters,
        [Predicate::Or(vec![
            cond(
                column("Order Date"),
                date_range(date(2025, 1, 1), date(2026, 1, 1))
            ),
            cond(
                column("Order Date"),
                date_range(date(2024, 1, 1), date(2025, 1, 1))
            ),
        ])]
    );
}

#[test]
fn comparisons_with_dates() {
    let cases = [
        (
            "[Order Date] >= '01/01/2024'",
            compare(CmpOp::GtEq, date(2024, 1, 1)),
        ),
        (
            "[Order Date] > '01/01/2024'",
            compare(CmpOp::Gt, date(2024, 1, 1)),
        ),
        (
            "[Order Date] after '01/01/2024'",
            compare(CmpOp::Gt, date(2024, 1, 1)),
        ),
        (
            "[Order Date] before '03/01/2014'",
            compare(CmpOp::Lt, date(2014, 3, 1)),
        ),
        (
            "[Order Date] < '03/01/2014'",
            compare(CmpOp::Lt, date(2014, 3, 1)),
        ),
        (
            "[Order Date] <= '12/31/2024'",
            compare(CmpOp::LtEq, date(2024, 12, 31)),
        ),
        // A period: before its start, after its end.
        (
            "[Order Date] < 'this year'",
            compare(CmpOp::Lt, date(2025, 1, 1)),
        ),
        (
            "[Order Date] before this year",
            compare(CmpOp::Lt, date(2025, 1, 1)),
        ),
        (
            "[Order Date] <= 'last month'",
            compare(CmpOp::Lt, date(2025, 6, 1)),
        ),
        (
            "[Order Date] > 'last year'",
            compare(CmpOp::GtEq, date(2025, 1, 1)),
        ),
        (
            "[Order Date] after '2024'",
            compare(CmpOp::GtEq, date(2025, 1, 1)),
        ),
        (
            "[Order Date] >= 'last 7 days'",
            compare(CmpOp::GtEq, date(2025, 6, 8)),
        ),
        (
            "[Order Date] >= '2024'",
            compare(CmpOp::GtEq, date(2024, 1, 1)),
        ),
    ];
    for (filter, test) in cases {
        let query = format!("[Revenue] {filter}");
        assert_eq!(
            only_filter(&query),
            cond(column("Order Date"), test),
            "{query}"
        );
    }
}

#[test]
fn between_dates_is_inclusive() {
    assert_eq!(
        only_filter("[Revenue] [Order Date] between '01/01/2020' and '12/31/2020'"),
        cond(
            column("Order Date"),
            Test::Between {
                low: date(2020, 1, 1),
                high: date(2020, 12, 31),
                low_inclusive: true,
                high_inclusive: true
            }
        )
    );
    // A period as the upper bound includes all of it.
    assert_eq!(
        only_filter("[Revenue] [Order Date] between '2020' and '2021'"),
        cond(
            column("Order Date"),
            date_range(date(2020, 1, 1), date(2022, 1, 1))
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Order Date] between '01/15/2025' and 'last month'"),
        cond(
            column("Order Date"),
            date_range(date(2025, 1, 15), date(2025, 6, 1))
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Order Date] between 'last year' and '03/31/2025'"),
        cond(
            column("Order Date"),
            Test::Between {
                low: date(2024, 1, 1),
                high: date(2025, 3, 31),
                low_inclusive: true,
                high_inclusive: true
            }
        )
    );
}

#[test]
fn not_equal_to_a_date_excludes_its_range() {
    assert_eq!(
        only_filter("[Revenue] [Order Date] != 'today'"),
        Predicate::Or(vec![
            cond(column("Order Date"), compare(CmpOp::Lt, date(2025, 6, 15))),
            cond(
                column("Order Date"),
                compare(CmpOp::GtEq, date(2025, 6, 16))
            ),
        ])
    );
}

#[test]
fn date_time_columns_use_midnight_utc_for_date_literals() {
    assert_eq!(
        only_filter("[Revenue] [Ship Time] = '01/15/2024'"),
        cond(
            column("Ship Time"),
            date_range(
                datetime(2024, 1, 15, 0, 0, 0),
                datetime(2024, 1, 16, 0, 0, 0)
            )
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Ship Time] > '01/15/2024'"),
        cond(
            column("Ship Time"),
            compare(CmpOp::Gt, datetime(2024, 1, 15, 0, 0, 0))
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Ship Time] between '01/01/2020' and '12/31/2020'"),
        cond(
            column("Ship Time"),
            Test::Between {
                low: datetime(2020, 1, 1, 0, 0, 0),
                high: datetime(2020, 12, 31, 0, 0, 0),
                low_inclusive: true,
                high_inclusive: true
            }
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Ship Time] = 'this month'"),
        cond(
            column("Ship Time"),
            date_range(datetime(2025, 6, 1, 0, 0, 0), datetime(2025, 7, 1, 0, 0, 0))
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Ship Time] >= '01/15/2024 13:30'"),
        cond(
            column("Ship Time"),
            compare(CmpOp::GtEq, datetime(2024, 1, 15, 13, 30, 0))
        )
    );
    assert_eq!(
        only_filter("[Revenue] [Ship Time] = '2024-01-15T13:30:05Z'"),
        cond(
            column("Ship Time"),
            compare(CmpOp::Eq, datetime(2024, 1, 15, 13, 30, 5))
        )
    );
}

#[test]
fn relative_keywords_follow_the_context_time_zone() {
    // 02:00 UTC on the 15th is still the 14th in New York (UTC-4 in June).
    let ctx = SearchContext::new(
        Utc.with_ymd_and_hms(2025, 6, 15, 2, 0, 0).unwrap(),
        chrono_tz::America::New_York,
    );
    let plan = compile(
        &model(),
        "[Revenue] [Order Date] = 'today' [Ship Time] = 'today'",
        &ctx,
    )
    .unwrap();
    assert_eq!(
        plan.row_filters,
        [
            cond(
                column("Order Date"),
                date_range(date(2025, 6, 14), date(2025, 6, 15))
            ),
            cond(
                column("Ship Time"),
                date_range(
                    datetime(2025, 6, 14, 4, 0, 0),
                    datetime(2025, 6, 15, 4, 0, 0)
                )
            ),
        ]
    );
    // Absolute dates stay midnight UTC (rule 6).
    let plan = compile(&model(), "[Revenue] [Ship Time] = '01/15/2024'", &ctx).unwrap();
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Ship Time"),
            date_range(
                datetime(2024, 1, 15, 0, 0, 0),
                datetime(2024, 1, 16, 0, 0, 0)
            )
        )]
    );
}

#[test]
fn date_filters_in_a_full_search() {
    let plan = plan("[sales] [region] [order date].'last 12 months' top 5");
    assert_eq!(names(&plan), ["Region", "Total Revenue"]);
    assert_eq!(
        plan.row_filters,
        [cond(
            column("Order Date"),
            date_range(date(2024, 6, 1), date(2025, 6, 1))
        )]
    );
}

#[test]
fn model_filters_with_dates() {
    let predicates = bind_row_filters(
        &model(),
        "[order date] between '01/01/2020' and '12/31/2020'",
        &crate::ctx(),
    )
    .unwrap();
    assert_eq!(
        predicates,
        [cond(
            column("Order Date"),
            Test::Between {
                low: date(2020, 1, 1),
                high: date(2020, 12, 31),
                low_inclusive: true,
                high_inclusive: true
            }
        )]
    );
}
