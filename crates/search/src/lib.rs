//! The ThoughtSpot search language: query text → engine-neutral [`SearchPlan`].
//!
//! ```text
//! "[Revenue] by [Region] [Order Date].'last 12 months' top 5"
//!     │ lexer   (logos; multi-word keywords matched longest-first, case-insensitively)
//!     ▼
//! tokens: Column("Revenue") Keyword(By) Column("Region") Column("Order Date") Dot Quoted(…) …
//!     │ parser  (recursive descent; every error names the token and its character position)
//!     ▼
//! Query { phrases: [Term, By, Term(with suffix), Rank] }          (syntax only)
//!     │ binder  (resolves columns against a SourceModel; makes every semantic decision)
//!     ▼
//! SearchPlan { outputs, row_filters, group_filters, ranking, sort }
//! ```
//!
//! The crate is pure: no I/O, no engine, no clock (the time "now" comes in a
//! [`SearchContext`]). The language and its semantics are fixed by
//! `spec/SEARCH-DECISIONS.md` (Tier 1); Tier 2 constructs (`growth of`, `vs`, `in (…)`,
//! `ranked by`, `calendar.x`, …) are rejected with an error naming the keyword. Every error
//! is a [`searchlight_errors::Error`] with status 400.
//!
//! The work a search causes is bounded by its [`Limits`] (length and tokens, checked before
//! anything else; [`parse`] and [`compile`] apply [`Limits::DEFAULT`], [`parse_with`] and
//! [`compile_with`] the caller's): nothing recurses on the input's nesting, and "did you mean"
//! compares a bounded number of names of bounded length.
//!
//! Modules: [`lexer`] → [`parser`] → [`ast`] → binder (with `dates` and `filters`) → [`plan`];
//! [`model`] is what the binder resolves against; runtime filters of pinboarddata are bound by
//! [`runtime_filter`].
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use searchlight_search::*;
//!
//! let model = SourceModel::new(vec![
//!     ModelColumn::measure("Revenue", DataType::Float, Aggregation::Sum),
//!     ModelColumn::attribute("Ship Mode", DataType::Text),
//!     ModelColumn::attribute("Order Date", DataType::Date),
//! ]);
//! let ctx = SearchContext::utc(Utc.with_ymd_and_hms(2025, 6, 15, 12, 0, 0).unwrap());
//! let plan = compile(&model, "[revenue] by [ship mode] [order date].'last 12 months' top 2", &ctx)?;
//!
//! let names: Vec<&str> = plan.outputs.iter().map(|o| o.name.as_str()).collect();
//! assert_eq!(names, ["Ship Mode", "Total Revenue"]);
//! assert_eq!(plan.ranking.map(|r| (r.limit, r.by)), Some((2, 1)));
//! assert_eq!(
//!     plan.row_filters,
//!     [Predicate::condition(
//!         Operand::Column(2),
//!         Test::DateRange {
//!             start: Some(Literal::Date(chrono::NaiveDate::from_ymd_opt(2024, 6, 1).unwrap())),
//!             end: Some(Literal::Date(chrono::NaiveDate::from_ymd_opt(2025, 6, 1).unwrap())),
//!         },
//!     )]
//! );
//!
//! let err = compile(&model, "[revnue]", &ctx).unwrap_err();
//! assert_eq!(err.status(), 400);
//! assert_eq!(
//!     err.to_string(),
//!     "Search did not find \"revnue\" in your data or metadata. Did you mean: Revenue?"
//! );
//! # Ok::<(), searchlight_errors::Error>(())
//! ```

pub mod ast;
mod binder;
mod dates;
mod filters;
pub mod lexer;
pub mod model;
pub mod parser;
pub mod plan;
mod runtime;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use searchlight_errors::{Error, Result};

pub use ast::Query;
pub use binder::{bind, bind_row_filters};
pub use model::{Aggregation, Bucket, ColumnId, ColumnKind, DataType, ModelColumn, SourceModel};
pub use parser::{parse, parse_with};
pub use plan::{
    CmpOp, Condition, Literal, Operand, OutputColumn, OutputExpr, Predicate, Ranking, SearchPlan,
    SortKey, Test, TextOp,
};
pub use runtime::{check_runtime_operator, runtime_filter};

/// What relative date keywords are computed from: "now" and the server's time zone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchContext {
    pub now: DateTime<Utc>,
    /// `today`, `this month`, … begin at midnight in this zone (default UTC).
    pub time_zone: Tz,
}

impl SearchContext {
    pub fn new(now: DateTime<Utc>, time_zone: Tz) -> Self {
        Self { now, time_zone }
    }

    /// A context in UTC.
    pub fn utc(now: DateTime<Utc>) -> Self {
        Self::new(now, Tz::UTC)
    }

    /// Today's date in the context's time zone.
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.time_zone).date_naive()
    }
}

/// Bounds on the work one search may cause: how long its text may be and how many tokens it
/// may hold. Every later stage is linear or nearly so in the tokens (the parser and binder do
/// not recurse on the input), so these bound the time and memory of parsing and binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest search, in characters.
    pub max_chars: usize,
    /// The most tokens (columns, words, values, operators and punctuation) a search may hold.
    pub max_tokens: usize,
}

impl Limits {
    /// 10,000 characters and 1,000 tokens: far beyond any search typed or generated in
    /// practice (a list of several hundred values fits).
    pub const DEFAULT: Self = Self {
        max_chars: 10_000,
        max_tokens: 1_000,
    };

    /// Refuses a search longer than [`Limits::max_chars`]: the first check, before any other
    /// work, and linear in the text.
    pub fn check_length(&self, query: &str) -> Result<()> {
        // A text has at most as many characters as bytes: short texts need no counting.
        if query.len() <= self.max_chars {
            return Ok(());
        }
        let length = query.chars().count();
        if length <= self.max_chars {
            return Ok(());
        }
        Err(Error::SearchQueryTooLong {
            length,
            limit: self.max_chars,
        })
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Parses and binds a search within the default [`Limits`]: [`parse`] then [`bind`].
pub fn compile(model: &SourceModel, query: &str, ctx: &SearchContext) -> Result<SearchPlan> {
    compile_with(model, query, ctx, &Limits::DEFAULT)
}

/// Parses and binds a search within `limits`: [`parse_with`] then [`bind`].
pub fn compile_with(
    model: &SourceModel,
    query: &str,
    ctx: &SearchContext,
    limits: &Limits,
) -> Result<SearchPlan> {
    bind(model, &parse_with(query, limits)?, ctx)
}
