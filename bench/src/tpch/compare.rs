//! Results as comparable rows of JSON values, and their comparison.
//!
//! Every engine's answer is turned into what searchdata sends: numbers, strings, `null`, and
//! dates as epoch seconds (UTC). Rows are compared in order (every query defines its order);
//! numbers are equal within 1e-6 relative (sums of doubles depend on the order of addition).

use anyhow::{Context, bail};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Date32Type, Float64Type, Int64Type, TimeUnit};
use serde_json::Value;

/// Relative tolerance for numbers.
pub const TOLERANCE: f64 = 1e-6;

pub type Rows = Vec<Vec<Value>>;

/// The rows of Arrow batches, normalised.
pub fn batch_rows(batches: &[RecordBatch]) -> anyhow::Result<Rows> {
    let mut rows = Vec::new();
    for batch in batches {
        let columns = batch
            .columns()
            .iter()
            .map(|column| column_values(column.as_ref()))
            .collect::<anyhow::Result<Vec<_>>>()?;
        for row in 0..batch.num_rows() {
            rows.push(columns.iter().map(|values| values[row].clone()).collect());
        }
    }
    Ok(rows)
}

fn column_values(array: &dyn Array) -> anyhow::Result<Vec<Value>> {
    let nulls = |values: Vec<Value>| -> Vec<Value> {
        values
            .into_iter()
            .enumerate()
            .map(|(i, v)| if array.is_null(i) { Value::Null } else { v })
            .collect()
    };
    let values: Vec<Value> = match array.data_type() {
        DataType::Null => vec![Value::Null; array.len()],
        DataType::Boolean => {
            let a = array.as_boolean();
            (0..a.len()).map(|i| Value::Bool(a.value(i))).collect()
        }
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => {
            let converted = cast(array, &DataType::Int64).context("integers as INT64")?;
            let a = converted.as_primitive::<Int64Type>();
            (0..a.len()).map(|i| Value::from(a.value(i))).collect()
        }
        DataType::Float16
        | DataType::Float32
        | DataType::Float64
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => {
            let converted = cast(array, &DataType::Float64).context("numbers as DOUBLE")?;
            let a = converted.as_primitive::<Float64Type>();
            (0..a.len()).map(|i| Value::from(a.value(i))).collect()
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let converted = cast(array, &DataType::Utf8).context("text as UTF8")?;
            let a = converted.as_string::<i32>();
            (0..a.len()).map(|i| Value::from(a.value(i))).collect()
        }
        DataType::Date32 => {
            let a = array.as_primitive::<Date32Type>();
            (0..a.len())
                .map(|i| Value::from(i64::from(a.value(i)) * 86_400))
                .collect()
        }
        DataType::Date64 | DataType::Timestamp(..) => {
            let target = DataType::Timestamp(TimeUnit::Second, None);
            let converted = cast(array, &target).context("instants as seconds")?;
            let seconds = cast(&converted, &DataType::Int64)?;
            let a = seconds.as_primitive::<Int64Type>();
            (0..a.len()).map(|i| Value::from(a.value(i))).collect()
        }
        other => bail!("no comparison for results of type {other}"),
    };
    Ok(nulls(values))
}

/// Whether two cells are the same value.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                x == y || (x - y).abs() <= TOLERANCE * x.abs().max(y.abs())
            }
        },
        _ => a == b,
    }
}

/// `Ok` when `actual` holds the same rows as `expected`; else what differs first.
pub fn compare(expected: &[Vec<Value>], actual: &[Vec<Value>]) -> Result<(), String> {
    if expected.len() != actual.len() {
        return Err(format!(
            "{} rows instead of {}",
            actual.len(),
            expected.len()
        ));
    }
    for (i, (e, a)) in expected.iter().zip(actual).enumerate() {
        if e.len() != a.len() {
            return Err(format!(
                "row {i} has {} columns instead of {}",
                a.len(),
                e.len()
            ));
        }
        if let Some(column) = (0..e.len()).find(|&c| !same(&e[c], &a[c])) {
            return Err(format!(
                "row {i}, column {column}: {} instead of {} (row {} vs {})",
                a[column],
                e[column],
                Value::from(a.clone()),
                Value::from(e.clone())
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{Date32Array, Float64Array, Int32Array, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Schema};
    use serde_json::json;

    use super::*;

    #[test]
    fn batches_become_searchdata_values() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("d", DataType::Date32, true),
            Field::new("s", DataType::Utf8View, true),
            Field::new("n", DataType::Int32, true),
            Field::new("x", DataType::Float64, true),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Date32Array::from(vec![Some(1), None])),
                Arc::new(StringViewArray::from(vec![Some("AIR"), Some("RAIL")])),
                Arc::new(Int32Array::from(vec![Some(7), None])),
                Arc::new(Float64Array::from(vec![Some(1.5), Some(2.0)])),
            ],
        )
        .unwrap();
        let rows = batch_rows(&[batch]).unwrap();
        assert_eq!(
            rows,
            vec![
                vec![json!(86_400), json!("AIR"), json!(7), json!(1.5)],
                vec![json!(null), json!("RAIL"), json!(null), json!(2.0)],
            ]
        );
    }

    #[test]
    fn numbers_compare_within_the_tolerance() {
        let expected = [vec![json!("a"), json!(1_000_000.0), json!(3)]];
        let row = |name: &str, x: f64, n: Value| [vec![json!(name), json!(x), n]];
        assert!(compare(&expected, &row("a", 1_000_000.5, json!(3))).is_ok());
        assert!(compare(&expected, &row("a", 1_000_010.0, json!(3))).is_err());
        assert!(compare(&expected, &row("a", 1_000_000.0, json!(3.0))).is_ok());
        assert!(compare(&expected, &row("b", 1_000_000.0, json!(3))).is_err());
        assert!(compare(&expected, &[]).is_err());
    }
}
