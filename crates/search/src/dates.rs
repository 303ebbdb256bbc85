//! Dates: relative date phrases resolved against "now", and absolute date literals.
//!
//! Rule 13 of SEARCH-DECISIONS.md: relative keywords use the context's clock in its time zone;
//! weeks start on Monday; `this <period>` is the whole current period, `last <period>` the
//! previous complete one, `last n <periods>` the n complete periods before the current one,
//! `next n <periods>` the n after it, `n <periods> ago` the single period n back, and
//! `<period> to date` runs from the start of the current period through today. Periods are
//! computed as whole days `[start, end)`; the binder turns them into literals of the column's
//! type. Absolute literals (`'01/15/2024'`, `'2024'`) are calendar days in UTC (rule 6).

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};

use crate::SearchContext;
use crate::ast::DatePhrase;
use crate::lexer::Period;
use crate::model::{Bucket, DataType};
use crate::plan::Literal;

/// Where a day begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DayZone {
    /// In the context's time zone: relative keywords (`today`, `last month`).
    Context,
    /// At midnight UTC: literals typed as dates (rule 6).
    Utc,
}

/// What a date value means, before it meets an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateValue {
    /// A single day typed as a date (`'01/15/2024'`): compared as a point (midnight UTC on
    /// DATE_TIME columns, rule 6), matched as the whole day by `=`.
    Day(NaiveDate),
    /// Whole days `[start, end)`: relative keywords, years, months of a year.
    Period {
        start: NaiveDate,
        end: NaiveDate,
        zone: DayZone,
    },
    /// A date and time (`'01/15/2024 13:30'`), UTC.
    Instant(DateTime<Utc>),
    /// A date part matching every year or week (`june`, `monday`).
    Part { part: Bucket, value: i64 },
}

/// Resolves a date phrase against the context. `None` when the result falls outside the
/// calendar chrono supports (`last 4000000 years`).
pub(crate) fn resolve(phrase: DatePhrase, ctx: &SearchContext) -> Option<DateValue> {
    let today = ctx.today();
    let relative = |start: NaiveDate, end: NaiveDate| DateValue::Period {
        start,
        end,
        zone: DayZone::Context,
    };
    Some(match phrase {
        DatePhrase::Today => relative(today, today.succ_opt()?),
        DatePhrase::Yesterday => relative(today.pred_opt()?, today),
        DatePhrase::This(period) => {
            let start = period_start(today, period)?;
            relative(start, shift(start, period, 1)?)
        }
        DatePhrase::Last(period) => {
            let start = period_start(today, period)?;
            relative(shift(start, period, -1)?, start)
        }
        DatePhrase::Next(period) => {
            let start = shift(period_start(today, period)?, period, 1)?;
            relative(start, shift(start, period, 1)?)
        }
        DatePhrase::LastN(count, period) => {
            let start = period_start(today, period)?;
            relative(shift(start, period, -i64::from(count))?, start)
        }
        DatePhrase::NextN(count, period) => {
            let start = shift(period_start(today, period)?, period, 1)?;
            relative(start, shift(start, period, i64::from(count))?)
        }
        DatePhrase::Ago(count, period) => {
            let start = shift(period_start(today, period)?, period, -i64::from(count))?;
            relative(start, shift(start, period, 1)?)
        }
        DatePhrase::ToDate(period) => relative(period_start(today, period)?, today.succ_opt()?),
        DatePhrase::Month(month) => DateValue::Part {
            part: Bucket::MonthOfYear,
            value: i64::from(month),
        },
        DatePhrase::Weekday(day) => DateValue::Part {
            part: Bucket::DayOfWeek,
            value: i64::from(day),
        },
        DatePhrase::MonthOfYear { month, year } => {
            let start = NaiveDate::from_ymd_opt(year, month, 1)?;
            DateValue::Period {
                start,
                end: shift(start, Period::Month, 1)?,
                zone: DayZone::Utc,
            }
        }
    })
}

/// The first day of the period containing `day` (weeks start on Monday).
fn period_start(day: NaiveDate, period: Period) -> Option<NaiveDate> {
    match period {
        Period::Day => Some(day),
        Period::Week => {
            day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))
        }
        Period::Month => day.with_day(1),
        Period::Quarter => NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1),
        Period::Year => NaiveDate::from_ymd_opt(day.year(), 1, 1),
    }
}

/// `start` moved by `count` periods (negative: back). `start` is a period start, so month
/// arithmetic never clamps.
fn shift(start: NaiveDate, period: Period, count: i64) -> Option<NaiveDate> {
    let (unit_days, unit_months) = match period {
        Period::Day => (1, 0),
        Period::Week => (7, 0),
        Period::Month => (0, 1),
        Period::Quarter => (0, 3),
        Period::Year => (0, 12),
    };
    let magnitude = count.unsigned_abs();
    if unit_days > 0 {
        let days = Days::new(magnitude.checked_mul(unit_days)?);
        if count >= 0 {
            start.checked_add_days(days)
        } else {
            start.checked_sub_days(days)
        }
    } else {
        let months = Months::new(u32::try_from(magnitude.checked_mul(unit_months)?).ok()?);
        if count >= 0 {
            start.checked_add_months(months)
        } else {
            start.checked_sub_months(months)
        }
    }
}

/// Parses an absolute date literal: a year (`2024`), a date (`01/15/2024`, `2024-01-15`) or a
/// date and time (`01/15/2024 13:30`, `01/15/2024 13:30:05`, `2024-01-15T13:30:05Z`). Years
/// must have four digits.
pub(crate) fn parse_absolute(text: &str) -> Option<DateValue> {
    let text = text.trim();
    if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) {
        let year = text.parse::<i32>().ok()?;
        let start = NaiveDate::from_ymd_opt(year, 1, 1)?;
        return Some(DateValue::Period {
            start,
            end: NaiveDate::from_ymd_opt(year.checked_add(1)?, 1, 1)?,
            zone: DayZone::Utc,
        });
    }
    let four_digit_year = |year: i32| (1000..=9999).contains(&year);
    for format in ["%m/%d/%Y", "%Y-%m-%d"] {
        if let Ok(date) = NaiveDate::parse_from_str(text, format) {
            return four_digit_year(date.year()).then_some(DateValue::Day(date));
        }
    }
    for format in [
        "%m/%d/%Y %H:%M:%S",
        "%m/%d/%Y %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(time) = NaiveDateTime::parse_from_str(text, format) {
            return four_digit_year(time.year()).then_some(DateValue::Instant(time.and_utc()));
        }
    }
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|time| time.with_timezone(&Utc))
        .filter(|time| four_digit_year(time.year()))
        .map(DateValue::Instant)
}

/// The literal for the start of `day` in a column of type `data_type`: the date itself for
/// DATE columns, midnight (UTC or in the context's zone) for DATE_TIME columns.
pub(crate) fn day_start(
    day: NaiveDate,
    zone: DayZone,
    data_type: DataType,
    ctx: &SearchContext,
) -> Literal {
    match data_type {
        DataType::Date => Literal::Date(day),
        _ => Literal::DateTime(midnight(day, zone, ctx)),
    }
}

/// Midnight of `day` as an instant.
fn midnight(day: NaiveDate, zone: DayZone, ctx: &SearchContext) -> DateTime<Utc> {
    let utc_midnight = day.and_time(NaiveTime::MIN).and_utc();
    if zone == DayZone::Utc {
        return utc_midnight;
    }
    // Where a DST change skips midnight, the day starts at the first hour that exists.
    (0..=3)
        .filter_map(|hour| day.and_hms_opt(hour, 0, 0))
        .find_map(|local| ctx.time_zone.from_local_datetime(&local).earliest())
        .map_or(utc_midnight, |local| local.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn period_starts() {
        let sunday = date(2025, 6, 15);
        assert_eq!(period_start(sunday, Period::Week), Some(date(2025, 6, 9)));
        assert_eq!(
            period_start(date(2025, 6, 9), Period::Week),
            Some(date(2025, 6, 9))
        );
        assert_eq!(
            period_start(sunday, Period::Quarter),
            Some(date(2025, 4, 1))
        );
        assert_eq!(
            period_start(date(2025, 12, 31), Period::Quarter),
            Some(date(2025, 10, 1))
        );
        assert_eq!(
            shift(date(2025, 1, 1), Period::Quarter, -1),
            Some(date(2024, 10, 1))
        );
        assert_eq!(
            shift(date(2025, 1, 1), Period::Year, i64::from(u32::MAX)),
            None
        );
    }

    #[test]
    fn absolute_literals() {
        assert_eq!(
            parse_absolute("2024"),
            Some(DateValue::Period {
                start: date(2024, 1, 1),
                end: date(2025, 1, 1),
                zone: DayZone::Utc
            })
        );
        assert_eq!(
            parse_absolute("01/15/2024"),
            Some(DateValue::Day(date(2024, 1, 15)))
        );
        assert_eq!(
            parse_absolute("1/5/2024"),
            Some(DateValue::Day(date(2024, 1, 5)))
        );
        assert_eq!(
            parse_absolute(" 2024-01-15 "),
            Some(DateValue::Day(date(2024, 1, 15)))
        );
        let instant = |text| match parse_absolute(text) {
            Some(DateValue::Instant(time)) => time.to_rfc3339(),
            other => panic!("{text}: {other:?}"),
        };
        assert_eq!(instant("01/15/2024 13:30"), "2024-01-15T13:30:00+00:00");
        assert_eq!(instant("01/15/2024 13:30:05"), "2024-01-15T13:30:05+00:00");
        assert_eq!(
            instant("2024-01-15T13:30:05+02:00"),
            "2024-01-15T11:30:05+00:00"
        );
        for bad in [
            "13/01/2024",
            "01/15/24",
            "02/30/2024",
            "air",
            "",
            "20245",
            "2024-1",
        ] {
            assert_eq!(parse_absolute(bad), None, "{bad}");
        }
    }

    #[test]
    fn local_midnight_in_the_context_zone() {
        let ctx = SearchContext::new(
            date(2025, 6, 15).and_hms_opt(12, 0, 0).unwrap().and_utc(),
            chrono_tz::America::New_York,
        );
        assert_eq!(
            midnight(date(2025, 6, 15), DayZone::Context, &ctx).to_rfc3339(),
            "2025-06-15T04:00:00+00:00"
        );
        assert_eq!(
            midnight(date(2025, 6, 15), DayZone::Utc, &ctx).to_rfc3339(),
            "2025-06-15T00:00:00+00:00"
        );
        // Santiago skipped midnight on 2022-09-11: the day starts at 01:00 local (04:00 UTC).
        let ctx = SearchContext::new(ctx.now, chrono_tz::America::Santiago);
        assert_eq!(
            midnight(date(2022, 9, 11), DayZone::Context, &ctx).to_rfc3339(),
            "2022-09-11T04:00:00+00:00"
        );
    }
}
