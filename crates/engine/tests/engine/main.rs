//! Engine tests in one binary (one link of DataFusion): the differential suite (search
//! queries against hand-written SQL over the same files) and behaviour tests (paging, live
//! files, the in-memory cache, the timeout, errors, the schema probe).

mod behaviour;
mod differential;
mod file_safety;
mod fixture;
mod limits;
mod postgres;
mod postgres_fixture;
mod probe;
mod pruning;

use chrono::{TimeZone, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType as ArrowType, Int64Type, TimeUnit};
use searchlight_engine::{Cell, Engine, EngineConfig};
use searchlight_search::SearchContext;

/// The pinned "now" of every test: Sunday 2025-06-15 12:00 UTC.
pub fn context() -> SearchContext {
    SearchContext::utc(Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap())
}

pub fn engine() -> Engine {
    Engine::new(EngineConfig::default()).unwrap()
}

/// A value as the tests compare it: dates and times as epoch seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Text(String),
    Seconds(i64),
}

impl Value {
    fn from_cell(cell: &Cell) -> Self {
        match cell {
            Cell::Null => Self::Null,
            Cell::Boolean(value) => Self::Bool(*value),
            Cell::Integer(value) => Self::Int(*value),
            Cell::Float(value) => Self::Float(*value),
            Cell::Text(value) => Self::Text(value.clone()),
            Cell::Date(value) | Cell::DateTime(value) => Self::Seconds(*value),
        }
    }

    /// Equal, with floats to 1e-9 relative.
    pub fn matches(&self, other: &Self) -> bool {
        let close = |a: f64, b: f64| {
            a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs()) || (a - b).abs() < 1e-9
        };
        match (self, other) {
            (Self::Float(a), Self::Float(b)) => close(*a, *b),
            // Integers must stay integers (API-DECISIONS, "Data").
            (a, b) => a == b,
        }
    }
}

/// Whether a cell has the variant its column's type calls for.
pub fn cell_fits(cell: &Cell, data_type: searchlight_search::DataType) -> bool {
    use searchlight_search::DataType;
    matches!(
        (cell, data_type),
        (Cell::Null, _)
            | (Cell::Integer(_), DataType::Integer)
            | (Cell::Float(_), DataType::Float)
            | (Cell::Text(_), DataType::Text)
            | (Cell::Boolean(_), DataType::Boolean)
            | (Cell::Date(_), DataType::Date)
            | (Cell::DateTime(_), DataType::DateTime)
    )
}

pub fn cells_to_values(rows: &[Vec<Cell>]) -> Vec<Vec<Value>> {
    rows.iter()
        .map(|row| row.iter().map(Value::from_cell).collect())
        .collect()
}

/// Reference rows, converted independently of the engine's own conversion.
pub fn batches_to_values(batches: &[RecordBatch]) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    for batch in batches {
        let columns: Vec<Vec<Value>> = batch
            .columns()
            .iter()
            .map(|array| column_values(array.as_ref()))
            .collect();
        for row in 0..batch.num_rows() {
            rows.push(columns.iter().map(|column| column[row].clone()).collect());
        }
    }
    rows
}

fn column_values(array: &dyn Array) -> Vec<Value> {
    let int64 = |array: &dyn Array| {
        let converted = cast(
            &datafusion::arrow::array::make_array(array.to_data()),
            &ArrowType::Int64,
        )
        .unwrap();
        converted.as_primitive::<Int64Type>().clone()
    };
    let n = array.len();
    match array.data_type() {
        ArrowType::Int8
        | ArrowType::Int16
        | ArrowType::Int32
        | ArrowType::Int64
        | ArrowType::UInt8
        | ArrowType::UInt16
        | ArrowType::UInt32
        | ArrowType::UInt64 => {
            let values = int64(array);
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Int(values.value(i))
                    }
                })
                .collect()
        }
        ArrowType::Float32 | ArrowType::Float64 => {
            let values = cast(
                &datafusion::arrow::array::make_array(array.to_data()),
                &ArrowType::Float64,
            )
            .unwrap();
            let values = values.as_primitive::<datafusion::arrow::datatypes::Float64Type>();
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Float(values.value(i))
                    }
                })
                .collect()
        }
        ArrowType::Boolean => {
            let values = array.as_boolean();
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Bool(values.value(i))
                    }
                })
                .collect()
        }
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View => {
            let values = cast(
                &datafusion::arrow::array::make_array(array.to_data()),
                &ArrowType::Utf8,
            )
            .unwrap();
            let values = values.as_string::<i32>();
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Text(values.value(i).to_owned())
                    }
                })
                .collect()
        }
        ArrowType::Date32 => {
            let values = array.as_primitive::<datafusion::arrow::datatypes::Date32Type>();
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Seconds(i64::from(values.value(i)) * 86_400)
                    }
                })
                .collect()
        }
        ArrowType::Timestamp(unit, _) => {
            let per_second = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            let values = int64(array);
            (0..n)
                .map(|i| {
                    if values.is_null(i) {
                        Value::Null
                    } else {
                        Value::Seconds(values.value(i).div_euclid(per_second))
                    }
                })
                .collect()
        }
        other => panic!("reference column of unexpected type {other}"),
    }
}
