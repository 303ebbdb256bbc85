//! Engine-neutral result values and their conversion from Arrow arrays.
//!
//! A [`Cell`] is what the HTTP layer puts on the wire (API-DECISIONS.md, "Data"): strings,
//! numbers as JSON numbers with integers kept integral, booleans, `null`, and DATE / DATE_TIME
//! values as epoch **seconds** (UTC). Arrow types never leave the engine.

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Date32Array, Date64Array, Float32Array, Float64Array,
    Int8Array, Int16Array, Int32Array, Int64Array, UInt8Array, UInt16Array, UInt32Array,
    UInt64Array,
};
use datafusion::arrow::compute::{CastOptions, cast_with_options};
use datafusion::arrow::datatypes::{
    DataType as ArrowType, TimeUnit, TimestampMicrosecondType, TimestampMillisecondType,
    TimestampNanosecondType, TimestampSecondType,
};
use datafusion::arrow::util::display::FormatOptions;
use searchlight_errors::{Error, Result};
use searchlight_search::DataType;
use serde::{Serialize, Serializer};

const SECONDS_PER_DAY: i64 = 86_400;

/// One value of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Boolean(bool),
    Integer(i64),
    Float(f64),
    Text(String),
    /// A DATE value (or a date bucket of a DATE column): epoch seconds of midnight UTC.
    Date(i64),
    /// A DATE_TIME value (or a bucket of one): epoch seconds, UTC.
    DateTime(i64),
}

impl Serialize for Cell {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Boolean(value) => serializer.serialize_bool(*value),
            Self::Integer(value) | Self::Date(value) | Self::DateTime(value) => {
                serializer.serialize_i64(*value)
            }
            // JSON has no NaN or infinity; `null` is the honest value for them.
            Self::Float(value) if !value.is_finite() => serializer.serialize_unit(),
            Self::Float(value) => serializer.serialize_f64(*value),
            Self::Text(value) => serializer.serialize_str(value),
        }
    }
}

/// Appends row `row` of each column to `out`, interpreting each column as its result type.
/// `types[i]` is the search type of `columns[i]`.
pub(crate) fn append_rows(
    columns: &[ArrayRef],
    types: &[DataType],
    rows: std::ops::Range<usize>,
    out: &mut Vec<Vec<Cell>>,
) -> Result<()> {
    let converted = columns
        .iter()
        .zip(types)
        .map(|(array, data_type)| column_cells(array.as_ref(), *data_type, rows.clone()))
        .collect::<Result<Vec<Vec<Cell>>>>()?;
    let mut iterators: Vec<_> = converted.into_iter().map(Vec::into_iter).collect();
    for _ in rows {
        out.push(
            iterators
                .iter_mut()
                // Every column has exactly `rows.len()` cells.
                .map(|cells| cells.next().unwrap_or(Cell::Null))
                .collect(),
        );
    }
    Ok(())
}

/// The cells of `rows` of one column.
fn column_cells(
    array: &dyn Array,
    data_type: DataType,
    rows: std::ops::Range<usize>,
) -> Result<Vec<Cell>> {
    macro_rules! primitive {
        ($array_type:ty, $convert:expr) => {{
            let typed = array
                .as_any()
                .downcast_ref::<$array_type>()
                .ok_or_else(|| mismatch(array))?;
            rows.map(|row| {
                if typed.is_null(row) {
                    Cell::Null
                } else {
                    $convert(typed.value(row))
                }
            })
            .collect()
        }};
    }
    // Whole numbers of a temporal result (a date bucket, min of a date) are seconds.
    let seconds = |value: i64| match data_type {
        DataType::Date => Cell::Date(value),
        _ => Cell::DateTime(value),
    };
    let integer = |value: i64| match data_type {
        DataType::Float => Cell::Float(value as f64),
        _ => Cell::Integer(value),
    };
    let float = |value: f64| match data_type {
        // An integer result computed in floating point (never expected, but exact when whole).
        DataType::Integer if value.fract() == 0.0 && value.abs() < 9.0e15 => {
            Cell::Integer(value as i64)
        }
        _ => Cell::Float(value),
    };
    Ok(match array.data_type() {
        ArrowType::Null => rows.map(|_| Cell::Null).collect(),
        ArrowType::Boolean => primitive!(BooleanArray, Cell::Boolean),
        ArrowType::Int8 => primitive!(Int8Array, |v: i8| integer(i64::from(v))),
        ArrowType::Int16 => primitive!(Int16Array, |v: i16| integer(i64::from(v))),
        ArrowType::Int32 => primitive!(Int32Array, |v: i32| integer(i64::from(v))),
        ArrowType::Int64 => primitive!(Int64Array, integer),
        ArrowType::UInt8 => primitive!(UInt8Array, |v: u8| integer(i64::from(v))),
        ArrowType::UInt16 => primitive!(UInt16Array, |v: u16| integer(i64::from(v))),
        ArrowType::UInt32 => primitive!(UInt32Array, |v: u32| integer(i64::from(v))),
        ArrowType::UInt64 => primitive!(UInt64Array, |v: u64| match i64::try_from(v) {
            Ok(value) => integer(value),
            Err(_) => Cell::Float(v as f64),
        }),
        ArrowType::Float32 => primitive!(Float32Array, |v: f32| float(f64::from(v))),
        ArrowType::Float64 => primitive!(Float64Array, float),
        ArrowType::Date32 => {
            primitive!(Date32Array, |days: i32| seconds(
                i64::from(days) * SECONDS_PER_DAY
            ))
        }
        ArrowType::Date64 => {
            primitive!(Date64Array, |millis: i64| seconds(millis.div_euclid(1_000)))
        }
        ArrowType::Timestamp(unit, _) => {
            let per_second: i64 = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            let values: Vec<Option<i64>> = match unit {
                TimeUnit::Second => timestamp_values::<TimestampSecondType>(array, rows),
                TimeUnit::Millisecond => timestamp_values::<TimestampMillisecondType>(array, rows),
                TimeUnit::Microsecond => timestamp_values::<TimestampMicrosecondType>(array, rows),
                TimeUnit::Nanosecond => timestamp_values::<TimestampNanosecondType>(array, rows),
            };
            values
                .into_iter()
                .map(|value| value.map_or(Cell::Null, |v| seconds(v.div_euclid(per_second))))
                .collect()
        }
        ArrowType::Utf8 => text_cells(array.as_string::<i32>().iter(), rows),
        ArrowType::LargeUtf8 => text_cells(array.as_string::<i64>().iter(), rows),
        ArrowType::Utf8View => text_cells(array.as_string_view().iter(), rows),
        // Dictionaries, decimals and anything exotic: through a cast to a plain type.
        ArrowType::Dictionary(_, _) => {
            let plain = cast_array(array, &ArrowType::Utf8)?;
            return column_cells(plain.as_ref(), data_type, rows);
        }
        ArrowType::Decimal32(..)
        | ArrowType::Decimal64(..)
        | ArrowType::Decimal128(..)
        | ArrowType::Decimal256(..)
        | ArrowType::Float16 => {
            let plain = cast_array(array, &ArrowType::Float64)?;
            return column_cells(plain.as_ref(), data_type, rows);
        }
        _ => {
            let options = FormatOptions::default();
            let formatter =
                datafusion::arrow::util::display::ArrayFormatter::try_new(array, &options)
                    .map_err(Error::internal)?;
            rows.map(|row| {
                if array.is_null(row) {
                    Cell::Null
                } else {
                    Cell::Text(formatter.value(row).to_string())
                }
            })
            .collect()
        }
    })
}

fn timestamp_values<T: datafusion::arrow::datatypes::ArrowTimestampType>(
    array: &dyn Array,
    rows: std::ops::Range<usize>,
) -> Vec<Option<i64>> {
    let typed = array.as_primitive::<T>();
    rows.map(|row| (!typed.is_null(row)).then(|| typed.value(row)))
        .collect()
}

fn text_cells<'a>(
    values: impl Iterator<Item = Option<&'a str>>,
    rows: std::ops::Range<usize>,
) -> Vec<Cell> {
    values
        .skip(rows.start)
        .take(rows.len())
        .map(|value| value.map_or(Cell::Null, |text| Cell::Text(text.to_owned())))
        .collect()
}

fn cast_array(array: &dyn Array, to: &ArrowType) -> Result<ArrayRef> {
    let options = CastOptions::default();
    cast_with_options(
        &datafusion::arrow::array::make_array(array.to_data()),
        to,
        &options,
    )
    .map_err(Error::internal)
}

fn mismatch(array: &dyn Array) -> Error {
    Error::internal(format!(
        "result column of type {} could not be read",
        array.data_type()
    ))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{StringArray, TimestampMicrosecondArray};

    use super::*;

    #[test]
    fn cells_serialize_as_the_api_wants() {
        let row = vec![
            Cell::Null,
            Cell::Boolean(true),
            Cell::Integer(42),
            Cell::Float(2.5),
            Cell::Float(f64::NAN),
            Cell::Text("east".into()),
            Cell::Date(1_704_067_200),
            Cell::DateTime(1_704_067_201),
        ];
        assert_eq!(
            serde_json::to_string(&row).unwrap(),
            r#"[null,true,42,2.5,null,"east",1704067200,1704067201]"#
        );
    }

    #[test]
    fn temporal_arrays_become_epoch_seconds() {
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![Some(19_723), None, Some(-1)]));
        let times: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![
            Some(1_704_067_200_999_999),
            Some(-1),
            None,
        ]));
        let text: ArrayRef = Arc::new(StringArray::from(vec![Some("a"), None, Some("c")]));
        let mut rows = Vec::new();
        append_rows(
            &[dates, times, text],
            &[DataType::Date, DataType::DateTime, DataType::Text],
            1..3,
            &mut rows,
        )
        .unwrap();
        assert_eq!(
            rows,
            vec![
                vec![Cell::Null, Cell::DateTime(-1), Cell::Null],
                vec![Cell::Date(-86_400), Cell::Null, Cell::Text("c".into())],
            ]
        );
    }
}
