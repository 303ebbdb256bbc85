//! How search types are held in Arrow, and how file columns are presented as them.
//!
//! Every table column is read as the TML `data_type` the model declares, whatever the file
//! stores: an INT64 file column declared DOUBLE is cast, a Parquet timestamp without a zone
//! is taken as UTC, a timestamp with a zone keeps its instant.

use datafusion::arrow::compute::can_cast_types;
use datafusion::arrow::datatypes::{DataType as ArrowType, TimeUnit};
use datafusion::logical_expr::{Expr, cast};
use searchlight_search::DataType;

/// DATE_TIME values: microseconds since the epoch, UTC, without a zone in the type (so
/// truncations and comparisons never consult a time zone database).
pub(crate) const TIMESTAMP: ArrowType = ArrowType::Timestamp(TimeUnit::Microsecond, None);

/// The Arrow type a search type is held as. Text may also stay in the file's own string type
/// (`Utf8View` from Parquet); see [`present_as`].
pub(crate) fn engine_type(data_type: DataType) -> ArrowType {
    match data_type {
        DataType::Text => ArrowType::Utf8,
        DataType::Integer => ArrowType::Int64,
        DataType::Float => ArrowType::Float64,
        DataType::Boolean => ArrowType::Boolean,
        DataType::Date => ArrowType::Date32,
        DataType::DateTime => TIMESTAMP,
    }
}

/// Whether an Arrow type holds text.
pub(crate) fn is_text(data_type: &ArrowType) -> bool {
    matches!(
        data_type,
        ArrowType::Utf8 | ArrowType::LargeUtf8 | ArrowType::Utf8View
    )
}

/// `expr` (a file column of Arrow type `from`) presented as the search type `to`, or `None`
/// when Arrow cannot convert `from` to it at all.
pub(crate) fn present_as(expr: Expr, from: &ArrowType, to: DataType) -> Option<Expr> {
    let target = engine_type(to);
    if (to == DataType::Text && is_text(from)) || *from == target {
        return Some(expr);
    }
    can_cast_types(from, &target).then(|| cast(expr, target))
}
