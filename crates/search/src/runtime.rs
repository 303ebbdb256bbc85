//! Runtime filters of pinboarddata (`col<n>`, `op<n>`, `val<n>`): one column, an operator
//! name and string values, turned into a row [`Predicate`].

use chrono::DateTime;
use searchlight_errors::{Error, Result};

use crate::dates::{self, DateValue};
use crate::model::{DataType, ModelColumn, SourceModel};
use crate::plan::{CmpOp, Literal, Operand, Predicate, Test, TextOp};

/// The operator names, for messages.
const OPERATORS: &str = "EQ, NE, LT, LE, GT, GE, CONTAINS, BEGINS_WITH, ENDS_WITH, BW_INC_MAX, BW_INC_MIN, BW_INC, BW, IN, NOT_IN";

/// Checks a runtime filter's operator name before any model is at hand, so an unknown
/// operator is refused for the whole request rather than ignored by visualizations whose
/// worksheet lacks the column.
pub fn check_runtime_operator(column: &str, op: &str) -> Result<()> {
    let known = OPERATORS
        .split(", ")
        .any(|name| name.eq_ignore_ascii_case(op.trim()));
    if known {
        Ok(())
    } else {
        Err(Error::SearchInvalidRuntimeFilter {
            column: column.to_owned(),
            op: op.to_owned(),
            reason: format!("unknown operator; expected one of {OPERATORS}"),
        })
    }
}

/// The row filter for one runtime filter, or `Ok(None)` when the model has no column named
/// `column` (display name or synonym, case-insensitively): that visualization stays unfiltered.
///
/// Operators (case-insensitive): `EQ`/`IN` (any of the values), `NE`/`NOT_IN` (none of them),
/// `LT`, `LE`, `GT`, `GE` (one value), `CONTAINS`, `BEGINS_WITH`, `ENDS_WITH` (any of the
/// patterns, text columns only), and with two values `BW_INC` (inclusive), `BW` (exclusive),
/// `BW_INC_MIN` (includes the minimum only), `BW_INC_MAX` (includes the maximum only). Values
/// of DATE and DATE_TIME columns are epoch seconds (a `MM/DD/YYYY` date is accepted too).
///
/// The predicate compares raw column values: add it to [`crate::SearchPlan::row_filters`].
pub fn runtime_filter(
    model: &SourceModel,
    column: &str,
    op: &str,
    values: &[String],
) -> Result<Option<Predicate>> {
    let Some((id, model_column)) = model
        .find(column)
        .and_then(|id| model.column(id).map(|found| (id, found)))
    else {
        return Ok(None);
    };
    let invalid = |reason: String| Error::SearchInvalidRuntimeFilter {
        column: model_column.name.clone(),
        op: op.to_owned(),
        reason,
    };
    let count = |wanted: &str, ok: bool| {
        if ok {
            Ok(())
        } else {
            Err(invalid(format!(
                "it takes {wanted} value(s), but {} were given",
                values.len()
            )))
        }
    };
    let literals = || {
        values
            .iter()
            .map(|value| runtime_literal(model_column, value))
            .collect::<Result<Vec<Literal>>>()
    };
    let operand = Operand::Column(id);
    let test = match op.trim().to_ascii_uppercase().as_str() {
        name @ ("EQ" | "IN" | "NE" | "NOT_IN") => {
            count("one or more", !values.is_empty())?;
            let negated = matches!(name, "NE" | "NOT_IN");
            let mut literals = literals()?;
            if literals.len() == 1 {
                Test::Compare {
                    op: if negated { CmpOp::NotEq } else { CmpOp::Eq },
                    value: literals.remove(0),
                }
            } else {
                Test::InList {
                    values: literals,
                    negated,
                }
            }
        }
        name @ ("LT" | "LE" | "GT" | "GE") => {
            count("exactly one", values.len() == 1)?;
            let op = match name {
                "LT" => CmpOp::Lt,
                "LE" => CmpOp::LtEq,
                "GT" => CmpOp::Gt,
                _ => CmpOp::GtEq,
            };
            Test::Compare {
                op,
                value: literals()?.remove(0),
            }
        }
        name @ ("CONTAINS" | "BEGINS_WITH" | "ENDS_WITH") => {
            count("one or more", !values.is_empty())?;
            if model_column.data_type != DataType::Text {
                return Err(invalid(format!(
                    "it works only on text columns, and this is a {} column",
                    model_column.data_type.tml_name()
                )));
            }
            let op = match name {
                "CONTAINS" => TextOp::Contains,
                "BEGINS_WITH" => TextOp::BeginsWith,
                _ => TextOp::EndsWith,
            };
            Test::Text {
                op,
                patterns: values.to_vec(),
                negated: false,
            }
        }
        name @ ("BW_INC_MAX" | "BW_INC_MIN" | "BW_INC" | "BW") => {
            count("exactly two", values.len() == 2)?;
            let mut bounds = literals()?;
            let high = bounds.remove(1);
            let low = bounds.remove(0);
            Test::Between {
                low,
                high,
                low_inclusive: matches!(name, "BW_INC" | "BW_INC_MIN"),
                high_inclusive: matches!(name, "BW_INC" | "BW_INC_MAX"),
            }
        }
        _ => {
            return Err(invalid(format!(
                "unknown operator; expected one of {OPERATORS}"
            )));
        }
    };
    Ok(Some(Predicate::condition(operand, test)))
}

/// A runtime filter value converted to the column's type.
fn runtime_literal(column: &ModelColumn, value: &str) -> Result<Literal> {
    let invalid = |expected: &str| Error::SearchInvalidValue {
        column: column.name.clone(),
        value: value.to_owned(),
        expected: expected.to_owned(),
    };
    let trimmed = value.trim();
    let epoch = || {
        trimmed
            .parse::<i64>()
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
    };
    match column.data_type {
        DataType::Text => Ok(Literal::Text(value.to_owned())),
        DataType::Integer => trimmed
            .parse::<i64>()
            .map(Literal::Integer)
            .or_else(|_| trimmed.parse::<f64>().map(Literal::Float))
            .ok()
            .filter(|literal| !matches!(literal, Literal::Float(float) if !float.is_finite()))
            .ok_or_else(|| invalid("a number")),
        DataType::Float => trimmed
            .parse::<f64>()
            .ok()
            .filter(|float| float.is_finite())
            .map(Literal::Float)
            .ok_or_else(|| invalid("a number")),
        DataType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => Ok(Literal::Boolean(true)),
            "false" => Ok(Literal::Boolean(false)),
            _ => Err(invalid("true or false")),
        },
        DataType::Date => epoch()
            .map(|time| time.date_naive())
            .or_else(|| match dates::parse_absolute(trimmed) {
                Some(DateValue::Day(day)) => Some(day),
                _ => None,
            })
            .map(Literal::Date)
            .ok_or_else(|| invalid("a date as epoch seconds, e.g. 1718409600")),
        DataType::DateTime => epoch()
            .or_else(|| match dates::parse_absolute(trimmed) {
                Some(DateValue::Day(day)) => Some(day.and_time(chrono::NaiveTime::MIN).and_utc()),
                Some(DateValue::Instant(instant)) => Some(instant),
                _ => None,
            })
            .map(Literal::DateTime)
            .ok_or_else(|| invalid("a date and time as epoch seconds, e.g. 1718409600")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn operators_are_checked_without_a_model() {
        assert!(super::check_runtime_operator("Region", "bw_inc").is_ok());
        assert!(super::check_runtime_operator("Region", " In ").is_ok());
        let err = super::check_runtime_operator("Region", "LIKE").unwrap_err();
        assert_eq!(err.name(), "SearchInvalidRuntimeFilter");
        assert!(err.to_string().contains("LIKE"));
    }

    use super::*;
    use crate::model::{Aggregation, ModelColumn};
    use chrono::NaiveDate;

    fn model() -> SourceModel {
        SourceModel::new(vec![
            ModelColumn::attribute("Region", DataType::Text),
            ModelColumn::measure("Quantity", DataType::Integer, Aggregation::Sum),
            ModelColumn::attribute("Order Date", DataType::Date),
            ModelColumn::attribute("Ship Time", DataType::DateTime),
        ])
    }

    fn filter(column: &str, op: &str, values: &[&str]) -> Result<Option<Predicate>> {
        let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        runtime_filter(&model(), column, op, &values)
    }

    fn test_of(column: &str, op: &str, values: &[&str]) -> Test {
        match filter(column, op, values).unwrap().unwrap() {
            Predicate::Condition(condition) => condition.test,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_columns_leave_the_viz_unfiltered() {
        assert_eq!(filter("Color", "EQ", &["red"]).unwrap(), None);
    }

    #[test]
    fn equality_and_lists() {
        assert_eq!(
            filter("region", "eq", &["east"]).unwrap(),
            Some(Predicate::condition(
                Operand::Column(0),
                Test::Compare {
                    op: CmpOp::Eq,
                    value: Literal::Text("east".into())
                }
            ))
        );
        assert_eq!(
            test_of("Region", "IN", &["east", "west"]),
            Test::InList {
                values: vec![Literal::Text("east".into()), Literal::Text("west".into())],
                negated: false
            }
        );
        assert_eq!(
            test_of("Region", "NE", &["east", "west"]),
            Test::InList {
                values: vec![Literal::Text("east".into()), Literal::Text("west".into())],
                negated: true
            }
        );
        assert_eq!(
            test_of("Quantity", "GE", &["5"]),
            Test::Compare {
                op: CmpOp::GtEq,
                value: Literal::Integer(5)
            }
        );
        assert_eq!(
            test_of("Quantity", "LT", &["2.5"]),
            Test::Compare {
                op: CmpOp::Lt,
                value: Literal::Float(2.5)
            }
        );
    }

    #[test]
    fn between_forms() {
        for (op, low_inclusive, high_inclusive) in [
            ("BW_INC", true, true),
            ("BW", false, false),
            ("BW_INC_MIN", true, false),
            ("bw_inc_max", false, true),
        ] {
            assert_eq!(
                test_of("Quantity", op, &["1", "10"]),
                Test::Between {
                    low: Literal::Integer(1),
                    high: Literal::Integer(10),
                    low_inclusive,
                    high_inclusive
                },
                "{op}"
            );
        }
    }

    #[test]
    fn text_operators() {
        assert_eq!(
            test_of("Region", "BEGINS_WITH", &["ea", "we"]),
            Test::Text {
                op: TextOp::BeginsWith,
                patterns: vec!["ea".into(), "we".into()],
                negated: false
            }
        );
        assert!(filter("Quantity", "CONTAINS", &["1"]).is_err());
    }

    #[test]
    fn dates_are_epoch_seconds() {
        // 2024-06-15T00:00:00Z
        assert_eq!(
            test_of("Order Date", "EQ", &["1718409600"]),
            Test::Compare {
                op: CmpOp::Eq,
                value: Literal::Date(NaiveDate::from_ymd_opt(2024, 6, 15).unwrap())
            }
        );
        assert_eq!(
            test_of("Ship Time", "GT", &["1718409600"]),
            Test::Compare {
                op: CmpOp::Gt,
                value: Literal::DateTime(DateTime::from_timestamp(1_718_409_600, 0).unwrap())
            }
        );
    }

    #[test]
    fn errors() {
        let message =
            |column, op, values: &[&str]| filter(column, op, values).unwrap_err().to_string();
        assert_eq!(
            message("Region", "LIKE", &["x"]),
            format!(
                "Invalid runtime filter on column \"Region\" with operator \"LIKE\": unknown operator; expected one of {OPERATORS}"
            )
        );
        assert_eq!(
            message("Quantity", "BW", &["1"]),
            "Invalid runtime filter on column \"Quantity\" with operator \"BW\": it takes exactly two value(s), but 1 were given"
        );
        assert_eq!(
            message("Quantity", "EQ", &["many"]),
            "Invalid value \"many\" for column \"Quantity\": expected a number"
        );
        assert!(message("Order Date", "EQ", &["yesterday-ish"]).contains("epoch seconds"));
        assert!(filter("Region", "EQ", &[]).is_err());
    }
}
