//! Date buckets of DATE columns, computed on the days themselves.
//!
//! DataFusion's `date_trunc` works on timestamps only: a DATE bucket written with it casts
//! every value to a nanosecond timestamp, truncates that and casts back, three passes over
//! the column with calendar arithmetic on timestamps in between. A search bucketing a DATE
//! column by week, month, quarter or year needs none of that: the start of a day's week,
//! month, quarter or year is integer arithmetic on its day number (days since 1970-01-01),
//! done here in one pass. The result is the same DATE `date_trunc` gives (weeks start on
//! Monday, as ISO weeks do).

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, Date32Array};
use datafusion::arrow::datatypes::DataType as ArrowType;
use datafusion::common::{DataFusionError, Result, ScalarValue, exec_err};
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};

/// The period a DATE is brought back to the first day of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum DateUnit {
    Week,
    Month,
    Quarter,
    Year,
}

impl DateUnit {
    pub(crate) const ALL: [DateUnit; 4] = [Self::Week, Self::Month, Self::Quarter, Self::Year];

    /// The name of the function that computes it.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Week => "searchlight_week_start",
            Self::Month => "searchlight_month_start",
            Self::Quarter => "searchlight_quarter_start",
            Self::Year => "searchlight_year_start",
        }
    }

    /// The period as SQL's `date_trunc` names it.
    pub(crate) fn sql_field(self) -> &'static str {
        match self {
            Self::Week => "week",
            Self::Month => "month",
            Self::Quarter => "quarter",
            Self::Year => "year",
        }
    }

    /// The first day of the period holding `day` (both days since 1970-01-01).
    fn start(self, day: i32) -> i32 {
        if self == Self::Week {
            // 1970-01-01 was a Thursday, the fourth day of an ISO week.
            return day - (day + 3).rem_euclid(7);
        }
        let (year, month, _) = civil_from_days(day);
        let first_month = match self {
            Self::Week | Self::Month => month,
            Self::Quarter => (month - 1) / 3 * 3 + 1,
            Self::Year => 1,
        };
        days_from_civil(year, first_month, 1)
    }
}

/// `(year, month 1-12, day 1-31)` of a day number, in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`, in integers: 400-year eras of 146,097 days starting on
/// a March 1st, so that leap days fall at the end of the shifted year).
fn civil_from_days(day: i32) -> (i64, i64, i64) {
    let z = i64::from(day) + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day_of_month = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day_of_month)
}

/// The day number of `(year, month, day)`: the inverse of [`civil_from_days`]. The first
/// day of a period is never before the smallest DATE, so it fits.
fn days_from_civil(year: i64, month: i64, day: i64) -> i32 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = if month > 2 { month - 3 } else { month + 9 };
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // The start of a period is at most a year before a valid day, so within i32 but for
    // the very first days of the range, which saturate.
    i32::try_from(era * 146_097 + day_of_era - 719_468).unwrap_or(i32::MIN)
}

/// `DATE → DATE`: the first day of the value's week, month, quarter or year.
#[derive(Debug, PartialEq, Eq, Hash)]
struct DateBucket {
    unit: DateUnit,
    signature: Signature,
}

impl ScalarUDFImpl for DateBucket {
    fn name(&self) -> &str {
        self.unit.name()
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _arg_types: &[ArrowType]) -> Result<ArrowType> {
        Ok(ArrowType::Date32)
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let [value] = args.args.as_slice() else {
            return exec_err!("{} takes one DATE", self.name());
        };
        let unit = self.unit;
        match value {
            ColumnarValue::Scalar(ScalarValue::Date32(day)) => Ok(ColumnarValue::Scalar(
                ScalarValue::Date32(day.map(|day| unit.start(day))),
            )),
            ColumnarValue::Array(array) => {
                let days = array
                    .as_any()
                    .downcast_ref::<Date32Array>()
                    .ok_or_else(|| {
                        DataFusionError::Execution(format!(
                            "{} takes a DATE, not {}",
                            self.name(),
                            array.data_type()
                        ))
                    })?;
                let starts: Date32Array = days.unary(|day| unit.start(day));
                Ok(ColumnarValue::Array(Arc::new(starts) as ArrayRef))
            }
            other => exec_err!("{} takes a DATE, not {}", self.name(), other.data_type()),
        }
    }

    // The start of a period never decreases as the day grows: an ordering by the day is an
    // ordering by its bucket.
    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        Ok(inputs
            .first()
            .map_or(SortProperties::Unordered, |input| input.sort_properties))
    }
}

/// The first day of `value`'s (a DATE) week, month, quarter or year, as a DATE.
pub(crate) fn date_bucket(unit: DateUnit, value: Expr) -> Expr {
    let udf = ScalarUDF::new_from_impl(DateBucket {
        unit,
        signature: Signature::exact(vec![ArrowType::Date32], Volatility::Immutable),
    });
    udf.call(vec![value])
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Days, NaiveDate};

    use super::*;

    fn epoch() -> NaiveDate {
        NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()
    }

    fn date_of(day: i32) -> NaiveDate {
        if day >= 0 {
            epoch() + Days::new(day as u64)
        } else {
            epoch() - Days::new(u64::from(day.unsigned_abs()))
        }
    }

    fn day_of(date: NaiveDate) -> i32 {
        (date - epoch()).num_days() as i32
    }

    /// What the calendar says the first day of each period is.
    fn expected(unit: DateUnit, date: NaiveDate) -> NaiveDate {
        match unit {
            DateUnit::Week => date - Days::new(u64::from(date.weekday().num_days_from_monday())),
            DateUnit::Month => date.with_day(1).unwrap(),
            DateUnit::Quarter => {
                NaiveDate::from_ymd_opt(date.year(), (date.month0() / 3) * 3 + 1, 1).unwrap()
            }
            DateUnit::Year => NaiveDate::from_ymd_opt(date.year(), 1, 1).unwrap(),
        }
    }

    #[test]
    fn every_day_of_eleven_centuries_lands_on_its_period_start() {
        // 1500-01-01 to 2600-12-31: leap centuries (1600, 2000, 2400) and others, the epoch,
        // and days before it.
        let first = day_of(NaiveDate::from_ymd_opt(1500, 1, 1).unwrap());
        let last = day_of(NaiveDate::from_ymd_opt(2600, 12, 31).unwrap());
        for day in first..=last {
            let date = date_of(day);
            assert_eq!(
                civil_from_days(day),
                (
                    i64::from(date.year()),
                    i64::from(date.month()),
                    i64::from(date.day())
                )
            );
            for unit in [
                DateUnit::Week,
                DateUnit::Month,
                DateUnit::Quarter,
                DateUnit::Year,
            ] {
                assert_eq!(
                    date_of(unit.start(day)),
                    expected(unit, date),
                    "{unit:?} {date}"
                );
            }
        }
    }

    #[test]
    fn arrays_and_nulls() {
        let udf = DateBucket {
            unit: DateUnit::Month,
            signature: Signature::exact(vec![ArrowType::Date32], Volatility::Immutable),
        };
        let days = Date32Array::from(vec![
            Some(day_of(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap())),
            None,
        ]);
        let field = Arc::new(datafusion::arrow::datatypes::Field::new(
            "d",
            ArrowType::Date32,
            true,
        ));
        let result = udf
            .invoke_with_args(ScalarFunctionArgs {
                args: vec![ColumnarValue::Array(Arc::new(days))],
                arg_fields: vec![Arc::clone(&field)],
                number_rows: 2,
                return_field: field,
                config_options: Arc::default(),
            })
            .unwrap();
        let ColumnarValue::Array(array) = result else {
            panic!("an array");
        };
        let starts = array.as_any().downcast_ref::<Date32Array>().unwrap();
        assert_eq!(
            date_of(starts.value(0)),
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap()
        );
        assert!(starts.is_null(1));
    }
}
