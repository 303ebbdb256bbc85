//! Outputs: grouping vs aggregation (rules 1, 2, 14), names (rule 9), order (rule 8).

use searchlight_search::{Aggregation, Bucket, DataType, parse};

use crate::{aggregate, bucketed, exprs, group, id, names, plan, sort, types};

#[test]
fn measures_only_give_one_row_of_aggregates() {
    let plan = plan("[Revenue]");
    assert_eq!(names(&plan), ["Total Revenue"]);
    assert_eq!(exprs(&plan), [aggregate("Revenue", Aggregation::Sum)]);
    assert_eq!(types(&plan), [DataType::Float]);
    assert!(plan.row_filters.is_empty() && plan.group_filters.is_empty());
    assert_eq!(plan.ranking, None);
    assert_eq!(plan.sort, sort(&[]), "one row needs no order");
}

#[test]
fn attributes_only_give_distinct_values() {
    let plan = plan("[Region] [Ship Mode]");
    assert_eq!(exprs(&plan), [group("Region"), group("Ship Mode")]);
    assert_eq!(plan.sort, sort(&[(0, false), (1, false)]));
}

#[test]
fn measures_are_aggregated_per_group() {
    let plan = plan("[revenue] by [ship mode]");
    assert_eq!(names(&plan), ["Ship Mode", "Total Revenue"]);
    assert_eq!(
        exprs(&plan),
        [group("Ship Mode"), aggregate("Revenue", Aggregation::Sum)]
    );
    assert_eq!(plan.sort, sort(&[(0, false)]));
}

#[test]
fn grouping_columns_come_first_then_measures_in_query_order() {
    let plan = plan("[Quantity] [Region] [Revenue] [Ship Mode]");
    assert_eq!(
        names(&plan),
        ["Region", "Ship Mode", "Total Quantity", "Total Revenue"]
    );
}

#[test]
fn names_are_case_insensitive_and_synonyms_resolve() {
    let plan = plan("[SALES] [  segment ] [shipping method] [UNITS]");
    assert_eq!(
        names(&plan),
        [
            "Customer Segment",
            "Ship Mode",
            "Total Revenue",
            "Total Quantity"
        ]
    );
}

#[test]
fn tokens_may_abut_and_commas_are_ignored() {
    let plan = plan("[Revenue][Region],[Ship Mode] , by [Customer Name],");
    assert_eq!(
        names(&plan),
        ["Region", "Ship Mode", "Customer Name", "Total Revenue"]
    );
}

#[test]
fn every_aggregation_keyword_names_its_column() {
    let cases = [
        (
            "sum [Quantity]",
            "Total Quantity",
            Aggregation::Sum,
            DataType::Integer,
        ),
        (
            "average [Quantity]",
            "Average Quantity",
            Aggregation::Average,
            DataType::Float,
        ),
        (
            "avg [Quantity]",
            "Average Quantity",
            Aggregation::Average,
            DataType::Float,
        ),
        (
            "count [Quantity]",
            "Number of Quantity",
            Aggregation::Count,
            DataType::Integer,
        ),
        (
            "unique count [Quantity]",
            "Unique Number of Quantity",
            Aggregation::CountDistinct,
            DataType::Integer,
        ),
        (
            "unique_count [Quantity]",
            "Unique Number of Quantity",
            Aggregation::CountDistinct,
            DataType::Integer,
        ),
        (
            "total count [Quantity]",
            "Total Count of Quantity",
            Aggregation::TotalCount,
            DataType::Integer,
        ),
        (
            "total_count [Quantity]",
            "Total Count of Quantity",
            Aggregation::TotalCount,
            DataType::Integer,
        ),
        (
            "min [Quantity]",
            "Min Quantity",
            Aggregation::Min,
            DataType::Integer,
        ),
        (
            "max [Quantity]",
            "Max Quantity",
            Aggregation::Max,
            DataType::Integer,
        ),
        (
            "standard deviation [Quantity]",
            "Standard Deviation Quantity",
            Aggregation::StdDev,
            DataType::Float,
        ),
        (
            "variance [Quantity]",
            "Variance Quantity",
            Aggregation::Variance,
            DataType::Float,
        ),
        (
            "SUM [Revenue]",
            "Total Revenue",
            Aggregation::Sum,
            DataType::Float,
        ),
    ];
    for (query, name, aggregation, data_type) in cases {
        let plan = plan(query);
        assert_eq!(names(&plan), [name], "{query}");
        assert_eq!(
            exprs(&plan)[0].column(),
            id(if query.contains("Revenue") {
                "Revenue"
            } else {
                "Quantity"
            })
        );
        assert!(
            matches!(exprs(&plan)[0], searchlight_search::OutputExpr::Aggregate { aggregation: a, .. } if a == aggregation),
            "{query}"
        );
        assert_eq!(types(&plan), [data_type], "{query}");
    }
}

#[test]
fn counting_attributes() {
    let plan =
        plan("count [Customer Name] unique count [Customer Name] total count [Region] [Ship Mode]");
    assert_eq!(
        names(&plan),
        [
            "Ship Mode",
            "Number of Customer Name",
            "Unique Number of Customer Name",
            "Total Count of Region"
        ]
    );
    assert_eq!(
        types(&plan)[1..],
        [DataType::Integer, DataType::Integer, DataType::Integer]
    );
    let plan = crate::plan("max [Order Date] min [Customer Name]");
    assert_eq!(names(&plan), ["Max Order Date", "Min Customer Name"]);
    assert_eq!(types(&plan), [DataType::Date, DataType::Text]);
}

#[test]
fn model_default_aggregations_apply() {
    let plan = plan("[Discount] [Region]");
    assert_eq!(names(&plan), ["Region", "Average Discount"]);
    assert_eq!(exprs(&plan)[1], aggregate("Discount", Aggregation::Average));
    // An explicit keyword overrides the model's.
    assert_eq!(names(&crate::plan("max [Discount]")), ["Max Discount"]);
}

#[test]
fn measures_without_aggregation_and_measures_after_by_are_grouping_columns() {
    let plan = plan("[Revenue] [Unit Price]");
    assert_eq!(names(&plan), ["Unit Price", "Total Revenue"]);
    assert_eq!(exprs(&plan)[0], group("Unit Price"));

    let plan = crate::plan("[Revenue] by [Quantity]");
    assert_eq!(names(&plan), ["Quantity", "Total Revenue"]);
    assert_eq!(
        exprs(&plan),
        [group("Quantity"), aggregate("Revenue", Aggregation::Sum)]
    );
    assert_eq!(plan.sort, sort(&[(0, false)]));

    // `by` with an aggregation keyword is still an aggregate.
    let plan = crate::plan("[Region] by sum [Quantity]");
    assert_eq!(names(&plan), ["Region", "Total Quantity"]);
}

#[test]
fn the_same_output_appears_once() {
    let plan = plan("[Revenue] sum [Revenue] [Region] by [Region] [REGION]");
    assert_eq!(names(&plan), ["Region", "Total Revenue"]);
    let plan = crate::plan(
        "[Revenue] average [Revenue] [Order Date].monthly [Order Date].yearly [Order Date].'monthly'",
    );
    assert_eq!(
        names(&plan),
        [
            "Month(Order Date)",
            "Year(Order Date)",
            "Total Revenue",
            "Average Revenue"
        ]
    );
}

#[test]
fn every_bucket_names_its_column() {
    let cases = [
        (
            "detailed",
            Bucket::Detailed,
            "Ship Time",
            DataType::DateTime,
        ),
        (
            "hourly",
            Bucket::Hourly,
            "Hour(Ship Time)",
            DataType::DateTime,
        ),
        ("daily", Bucket::Daily, "Day(Ship Time)", DataType::DateTime),
        (
            "weekly",
            Bucket::Weekly,
            "Week(Ship Time)",
            DataType::DateTime,
        ),
        (
            "monthly",
            Bucket::Monthly,
            "Month(Ship Time)",
            DataType::DateTime,
        ),
        (
            "quarterly",
            Bucket::Quarterly,
            "Quarter(Ship Time)",
            DataType::DateTime,
        ),
        (
            "yearly",
            Bucket::Yearly,
            "Year(Ship Time)",
            DataType::DateTime,
        ),
        (
            "'hour of day'",
            Bucket::HourOfDay,
            "Hour of day(Ship Time)",
            DataType::Integer,
        ),
        (
            "'day of week'",
            Bucket::DayOfWeek,
            "Day of week(Ship Time)",
            DataType::Integer,
        ),
        (
            "'day of month'",
            Bucket::DayOfMonth,
            "Day of month(Ship Time)",
            DataType::Integer,
        ),
        (
            "'day of year'",
            Bucket::DayOfYear,
            "Day of year(Ship Time)",
            DataType::Integer,
        ),
        (
            "'week of year'",
            Bucket::WeekOfYear,
            "Week of year(Ship Time)",
            DataType::Integer,
        ),
        (
            "'month of year'",
            Bucket::MonthOfYear,
            "Month of year(Ship Time)",
            DataType::Integer,
        ),
        (
            "'quarter of year'",
            Bucket::QuarterOfYear,
            "Quarter of year(Ship Time)",
            DataType::Integer,
        ),
    ];
    for (keyword, bucket, name, data_type) in cases {
        let query = format!("[Revenue] [Ship Time].{keyword}");
        let plan = plan(&query);
        assert_eq!(names(&plan), [name, "Total Revenue"], "{query}");
        assert_eq!(exprs(&plan)[0], bucketed("Ship Time", bucket), "{query}");
        assert_eq!(types(&plan)[0], data_type, "{query}");
    }
}

#[test]
fn date_buckets_on_date_columns() {
    let plan = plan(
        "[Order Date].monthly [Order Date].'daily' [Order Date].'day of week' [Order Date].detailed [Order Date].quarterly",
    );
    assert_eq!(
        names(&plan),
        [
            "Month(Order Date)",
            "Day(Order Date)",
            "Day of week(Order Date)",
            "Order Date",
            "Quarter(Order Date)"
        ]
    );
    assert_eq!(
        types(&plan),
        [
            DataType::Date,
            DataType::Date,
            DataType::Integer,
            DataType::Date,
            DataType::Date
        ]
    );
}

#[test]
fn unquoted_multi_word_buckets_as_in_the_2020_docs() {
    let plan = plan("[Revenue] [Order Date].day of week");
    assert_eq!(names(&plan), ["Day of week(Order Date)", "Total Revenue"]);
    let plan = crate::plan("[Revenue] [Order Date].week_of_year");
    assert_eq!(names(&plan), ["Week of year(Order Date)", "Total Revenue"]);
}

#[test]
fn dates_without_bucket_use_the_default_bucket() {
    let plan = plan("[Revenue] [Order Date] [Ship Time] [Commit Date]");
    assert_eq!(
        names(&plan),
        [
            "Day(Order Date)",
            "Ship Time",
            "Month(Commit Date)",
            "Total Revenue"
        ]
    );
    assert_eq!(
        exprs(&plan)[..3],
        [
            bucketed("Order Date", Bucket::Daily),
            bucketed("Ship Time", Bucket::Detailed),
            bucketed("Commit Date", Bucket::Monthly)
        ]
    );
    assert_eq!(
        types(&plan)[..3],
        [DataType::Date, DataType::DateTime, DataType::Date]
    );
}

#[test]
fn output_names_use_the_model_spelling() {
    let plan = plan("[order number] [customer name]");
    assert_eq!(names(&plan), ["Order Number", "Customer Name"]);
}

#[test]
fn referenced_columns_cover_outputs_and_filters() {
    let plan = plan(
        "[Revenue] [Region] [Ship Mode] = 'air' [Quantity] > 3 [Order Date].'day of week' = 1",
    );
    let expected = ["Revenue", "Region", "Ship Mode", "Quantity", "Order Date"]
        .map(id)
        .into_iter()
        .collect();
    assert_eq!(plan.referenced_columns(), expected);
}

#[test]
fn parse_and_bind_are_separate_steps() {
    let query = parse("[Revenue] by [Region]").unwrap();
    assert_eq!(query.phrases.len(), 2);
    let plan = searchlight_search::bind(&crate::model(), &query, &crate::ctx()).unwrap();
    assert_eq!(names(&plan), ["Region", "Total Revenue"]);
}
