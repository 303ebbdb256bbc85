//! Plan-level tests of the public API against a realistic model, with "now" pinned to
//! 2025-06-15T12:00:00Z (a Sunday).

mod dates;
mod errors;
mod filters;
mod limits;
mod never_panics;
mod plans;
mod ranking;
mod row_filters;

use chrono::{NaiveDate, TimeZone, Utc};
use searchlight_search::{
    Aggregation, Bucket, CmpOp, ColumnId, DataType, Literal, ModelColumn, Operand, OutputExpr,
    Predicate, SearchContext, SearchPlan, SortKey, SourceModel, Test, compile,
};

/// The test model. Column ids are the positions in this list.
pub fn model() -> SourceModel {
    SourceModel::new(vec![
        ModelColumn::measure("Revenue", DataType::Float, Aggregation::Sum)
            .with_synonyms(["Sales", "Turnover"]),
        ModelColumn::measure("Quantity", DataType::Integer, Aggregation::Sum)
            .with_synonyms(["Units"]),
        ModelColumn::measure("Discount", DataType::Float, Aggregation::Average),
        ModelColumn::measure("Unit Price", DataType::Float, Aggregation::None),
        ModelColumn::attribute("Ship Mode", DataType::Text).with_synonyms(["Shipping Method"]),
        ModelColumn::attribute("Region", DataType::Text),
        ModelColumn::attribute("Customer Segment", DataType::Text).with_synonyms(["Segment"]),
        ModelColumn::attribute("Customer Name", DataType::Text),
        ModelColumn::attribute("Order Date", DataType::Date),
        ModelColumn::attribute("Ship Time", DataType::DateTime),
        ModelColumn::attribute("Commit Date", DataType::Date).with_default_bucket(Bucket::Monthly),
        ModelColumn::attribute("Is Returned", DataType::Boolean),
        ModelColumn::attribute("Order Number", DataType::Integer),
    ])
}

/// Now = 2025-06-15T12:00:00Z, a Sunday, in UTC.
pub fn ctx() -> SearchContext {
    SearchContext::utc(Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap())
}

pub fn id(name: &str) -> ColumnId {
    model()
        .find(name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

pub fn plan(query: &str) -> SearchPlan {
    compile(&model(), query, &ctx()).unwrap_or_else(|err| panic!("{query}: {err}"))
}

/// The error message of a search that must fail, after checking it is a 400.
pub fn error(query: &str) -> String {
    match compile(&model(), query, &ctx()) {
        Ok(plan) => panic!("{query} should fail but gave {plan:#?}"),
        Err(err) => {
            assert_eq!(err.status(), 400, "{query}: {err}");
            assert_eq!(err.code(), 10002, "{query}: {err}");
            err.to_string()
        }
    }
}

pub fn names(plan: &SearchPlan) -> Vec<&str> {
    plan.outputs.iter().map(|o| o.name.as_str()).collect()
}

pub fn types(plan: &SearchPlan) -> Vec<DataType> {
    plan.outputs.iter().map(|o| o.data_type).collect()
}

pub fn exprs(plan: &SearchPlan) -> Vec<OutputExpr> {
    plan.outputs.iter().map(|o| o.expr).collect()
}

pub fn group(name: &str) -> OutputExpr {
    OutputExpr::Group {
        column: id(name),
        bucket: None,
    }
}

pub fn bucketed(name: &str, bucket: Bucket) -> OutputExpr {
    OutputExpr::Group {
        column: id(name),
        bucket: Some(bucket),
    }
}

pub fn aggregate(name: &str, aggregation: Aggregation) -> OutputExpr {
    OutputExpr::Aggregate {
        column: id(name),
        aggregation,
    }
}

pub fn column(name: &str) -> Operand {
    Operand::Column(id(name))
}

pub fn part(name: &str, part: Bucket) -> Operand {
    Operand::DatePart {
        column: id(name),
        part,
    }
}

pub fn aggregated(name: &str, aggregation: Aggregation) -> Operand {
    Operand::Aggregate {
        column: id(name),
        aggregation,
    }
}

pub fn cond(operand: Operand, test: Test) -> Predicate {
    Predicate::condition(operand, test)
}

pub fn compare(op: CmpOp, value: Literal) -> Test {
    Test::Compare { op, value }
}

pub fn text(value: &str) -> Literal {
    Literal::Text(value.into())
}

pub fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

pub fn date(y: i32, m: u32, d: u32) -> Literal {
    Literal::Date(day(y, m, d))
}

pub fn datetime(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> Literal {
    Literal::DateTime(Utc.with_ymd_and_hms(y, m, d, h, min, s).unwrap())
}

pub fn date_range(start: Literal, end: Literal) -> Test {
    Test::DateRange {
        start: Some(start),
        end: Some(end),
    }
}

/// Sort keys from `(output, descending)` pairs.
pub fn sort(keys: &[(usize, bool)]) -> Vec<SortKey> {
    keys.iter()
        .map(|&(output, descending)| SortKey { output, descending })
        .collect()
}
