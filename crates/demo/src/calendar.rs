//! The demo's four years and how busy each day is.
//!
//! A day's share of the sales lines is the product of: steady growth (about 9 % a year),
//! the month (a January lull, a back-to-school August, the November–December holiday
//! peak), the weekday (weekends busiest), retail holidays (Thanksgiving, Black Friday, Cyber
//! Monday, Christmas), the stores open that day (six stores open during the period), and a
//! little noise. Lines are then allotted to days exactly (largest remainder), so the fact
//! table has exactly the requested number of rows.

use chrono::{Datelike, NaiveDate, Weekday};

use crate::random::{Random, mix};

/// The first year of sales.
pub const FIRST_YEAR: i32 = 2022;
/// The last year of sales (inclusive).
pub const LAST_YEAR: i32 = 2025;

/// Days since 1970-01-01 (Arrow's Date32).
pub fn epoch_days(date: NaiveDate) -> i32 {
    // The dates here are all in 1900–2100, well inside i32.
    (date - NaiveDate::default()).num_days() as i32
}

/// A date that is certainly valid (the generator only builds dates it knows exist).
pub fn ymd(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

/// Every day of the sales period, in order.
pub fn days() -> Vec<NaiveDate> {
    let end = ymd(LAST_YEAR, 12, 31);
    ymd(FIRST_YEAR, 1, 1)
        .iter_days()
        .take_while(|day| *day <= end)
        .collect()
}

/// How busy a month is (January = index 0).
const MONTH: [f64; 12] = [
    0.78, 0.80, 0.92, 0.95, 1.00, 0.97, 0.96, 1.06, 0.91, 0.97, 1.28, 1.52,
];

/// How busy a weekday is (Monday = index 0).
const WEEKDAY: [f64; 7] = [0.86, 0.84, 0.88, 0.93, 1.08, 1.32, 1.16];

/// Yearly growth: the level at the start of each year, interpolated within the year.
const GROWTH: [f64; 5] = [1.00, 1.09, 1.18, 1.30, 1.41];

/// The fourth Thursday of November.
pub fn thanksgiving(year: i32) -> NaiveDate {
    let first = ymd(year, 11, 1);
    let offset = (7 + Weekday::Thu.num_days_from_monday() as i64
        - first.weekday().num_days_from_monday() as i64)
        % 7;
    first + chrono::Duration::days(offset + 21)
}

/// Holiday effects on a day.
pub fn holiday_factor(date: NaiveDate) -> f64 {
    let (month, day) = (date.month(), date.day());
    let thanks = thanksgiving(date.year());
    let since_thanks = (date - thanks).num_days();
    match (month, day) {
        _ if since_thanks == 0 => 0.35,
        _ if since_thanks == 1 => 3.4,
        _ if since_thanks == 2 => 1.9,
        _ if since_thanks == 3 => 1.4,
        _ if since_thanks == 4 => 1.7,
        (12, 25) => 0.04,
        (12, 24) => 0.85,
        (12, 26) => 1.7,
        (12, 10..=23) => 1.22,
        (1, 1) => 0.3,
        (7, 4) => 0.75,
        (2, 13..=14) => 1.15,
        _ => 1.0,
    }
}

/// The growth level on a day.
pub fn growth(date: NaiveDate) -> f64 {
    let index = (date.year() - FIRST_YEAR).clamp(0, 3) as usize;
    let fraction = f64::from(date.ordinal0()) / 365.0;
    GROWTH[index] + (GROWTH[index + 1] - GROWTH[index]) * fraction
}

pub fn month_factor(date: NaiveDate) -> f64 {
    MONTH[date.month0() as usize]
}

pub fn weekday_factor(date: NaiveDate) -> f64 {
    WEEKDAY[date.weekday().num_days_from_monday() as usize]
}

/// The relative number of sales lines on each day. `open_weight(day)` is the weight of the
/// stores open that day.
pub fn day_weights(
    days: &[NaiveDate],
    seed: u64,
    open_weight: impl Fn(NaiveDate) -> f64,
) -> Vec<f64> {
    days.iter()
        .map(|&day| {
            let mut noise = Random::new(seed, mix(0xDA7E ^ epoch_days(day) as u64));
            growth(day)
                * month_factor(day)
                * weekday_factor(day)
                * holiday_factor(day)
                * open_weight(day)
                * noise.uniform(0.9, 1.1)
        })
        .collect()
}

/// `total` split in proportion to `weights`, exactly (largest remainder; ties go to the
/// earlier index).
pub fn allot(total: u64, weights: &[f64]) -> Vec<u64> {
    let sum: f64 = weights.iter().sum();
    if weights.is_empty() || sum <= 0.0 {
        return vec![0; weights.len()];
    }
    let mut counts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given = 0u64;
    for (i, w) in weights.iter().enumerate() {
        let exact = total as f64 * w / sum;
        let floor = exact.floor().max(0.0) as u64;
        counts.push(floor);
        remainders.push((exact - floor as f64, i));
        given += floor;
    }
    // Rounding can in principle overshoot by a few; take them back from the largest counts.
    while given > total {
        if let Some(max) = counts.iter_mut().max() {
            *max -= 1;
            given -= 1;
        }
    }
    remainders.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut left = total - given;
    for (_, i) in remainders.iter().cycle() {
        if left == 0 {
            break;
        }
        counts[*i] += 1;
        left -= 1;
    }
    counts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn four_years_of_days() {
        let d = days();
        assert_eq!(d.len(), 365 * 4 + 1);
        assert_eq!(d[0], ymd(2022, 1, 1));
        assert_eq!(*d.last().unwrap(), ymd(2025, 12, 31));
    }

    #[test]
    fn thanksgiving_dates() {
        assert_eq!(thanksgiving(2022), ymd(2022, 11, 24));
        assert_eq!(thanksgiving(2023), ymd(2023, 11, 23));
        assert_eq!(thanksgiving(2024), ymd(2024, 11, 28));
        assert_eq!(thanksgiving(2025), ymd(2025, 11, 27));
    }

    #[test]
    fn allot_is_exact() {
        for total in [0u64, 1, 7, 1000, 2_000_003] {
            let counts = allot(total, &[0.1, 3.0, 0.0, 2.2, 1e-9, 5.5]);
            assert_eq!(counts.iter().sum::<u64>(), total);
            assert_eq!(counts[2], 0);
        }
        assert_eq!(allot(5, &[]), Vec::<u64>::new());
        assert_eq!(allot(5, &[0.0, 0.0]), vec![0, 0]);
    }

    #[test]
    fn december_outsells_january() {
        let dec: f64 = (1..=31)
            .map(|d| month_factor(ymd(2024, 12, d)) * holiday_factor(ymd(2024, 12, d)))
            .sum();
        let jan: f64 = (1..=31)
            .map(|d| month_factor(ymd(2024, 1, d)) * holiday_factor(ymd(2024, 1, d)))
            .sum();
        assert!(dec > jan * 1.5);
    }
}
