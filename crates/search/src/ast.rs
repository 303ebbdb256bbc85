//! The syntax tree of a search: a list of phrases with source positions.
//!
//! The tree records what was written, not what it means: whether `[x].monthly` is a bucket or
//! the value "monthly", or whether `[Revenue] > 10` filters rows or groups, depends on the model
//! and is decided by the binder.

use crate::lexer::Period;
use crate::model::Aggregation;
use crate::plan::{CmpOp, TextOp};

/// Character offsets `[start, end)` in the query.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// From the start of `self` to the end of `other`.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start, other.end.max(self.start))
    }
}

/// A parsed search.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    /// The phrases in query order (commas between them are dropped).
    pub phrases: Vec<Phrase>,
}

/// One phrase of a search.
#[derive(Debug, Clone, PartialEq)]
pub enum Phrase {
    /// A column with its optional aggregation keyword and bound suffix: `[Revenue]`,
    /// `average [Revenue]`, `[Order Date].monthly`, `[Ship Mode].air` (a bound value filter).
    Term(ColumnTerm),
    /// `by <term>`: a grouping connective; a measure after `by` is a grouping column.
    By { term: ColumnTerm, span: Span },
    /// `<term> <operator> <values>`.
    Filter(Filter),
    /// `top n [by <term>]` / `bottom n [by <term>]`.
    Rank(Rank),
    /// `for each <term>`.
    ForEach { term: ColumnTerm, span: Span },
    /// `sort by <term> [ascending|descending]`.
    SortBy {
        term: ColumnTerm,
        direction: Option<SortDirection>,
        span: Span,
    },
}

impl Phrase {
    /// Where the phrase is in the query.
    pub fn span(&self) -> Span {
        match self {
            Self::Term(term) => term.span,
            Self::Filter(filter) => filter.span,
            Self::Rank(rank) => rank.span,
            Self::By { span, .. } | Self::ForEach { span, .. } | Self::SortBy { span, .. } => *span,
        }
    }
}

/// `ascending` / `descending`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

/// `[name]` as written.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnRef {
    /// The text between the brackets.
    pub name: String,
    pub span: Span,
}

/// A column, optionally with an aggregation keyword before it and a bound suffix after a dot.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnTerm {
    pub aggregation: Option<Aggregation>,
    pub column: ColumnRef,
    /// What follows `[col].`: a bucket, a date keyword, or a value; the binder decides.
    pub suffix: Option<Value>,
    pub span: Span,
}

/// A filter: a column term, an operator and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub subject: ColumnTerm,
    pub condition: FilterCondition,
    pub span: Span,
}

/// The operator and values of a filter.
#[derive(Debug, Clone, PartialEq)]
pub enum FilterCondition {
    /// `=`, `!=`, `<`, `<=`, `>`, `>=` with one or more values; `after x` is `> x` and
    /// `before x` is `< x` (both strict, rule 7).
    Compare { op: CmpOp, values: Vec<Value> },
    /// `between low and high`, inclusive (rule 7).
    Between { low: Value, high: Value },
    /// `[not] contains|begins with|ends with` with one or more values.
    Text {
        op: TextOp,
        negated: bool,
        values: Vec<Value>,
    },
}

/// A value as written.
#[derive(Debug, Clone, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
    /// The source text, for messages.
    pub text: String,
}

/// The kinds of values.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueKind {
    /// A quoted string (may hold a date or a date keyword: `'01/15/2024'`, `'last year'`).
    Text(String),
    /// An unquoted word or keyword after a dot: `[Ship Mode].air`, `[Order Date].monthly`.
    Word(String),
    /// An unquoted number as written.
    Number(String),
    Boolean(bool),
    /// `{null}`.
    Null,
    /// `{empty}` / `{blank}`.
    Empty,
    /// An unquoted date keyword phrase: `today`, `last 3 months`, `january`.
    Date(DatePhrase),
    /// `[col].value` on the right of an operator: `[x] != [x].{null}`.
    Bound {
        column: ColumnRef,
        value: Box<Value>,
    },
}

/// A relative or calendar date phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatePhrase {
    Today,
    Yesterday,
    /// `this week`: the whole current period.
    This(Period),
    /// `last month`: the previous complete period.
    Last(Period),
    /// `next quarter`: the period after the current one.
    Next(Period),
    /// `last n days`: the n complete periods before the current one.
    LastN(u32, Period),
    /// `next n weeks`: the n complete periods after the current one.
    NextN(u32, Period),
    /// `n months ago`: the single period n back.
    Ago(u32, Period),
    /// `year to date`: from the start of the current period through today.
    ToDate(Period),
    /// `june`: that month of every year.
    Month(u32),
    /// `june 2024`.
    MonthOfYear {
        month: u32,
        year: i32,
    },
    /// `monday` (ISO 1) … `sunday` (7): that day of every week.
    Weekday(u32),
}

/// `top n` / `bottom n`.
#[derive(Debug, Clone, PartialEq)]
pub struct Rank {
    /// `top` rather than `bottom`.
    pub top: bool,
    /// `n`; `None` means the default of 10.
    pub count: Option<u64>,
    /// The ranking column after `by`.
    pub by: Option<ColumnTerm>,
    /// The keyword as typed, for messages.
    pub keyword: String,
    pub span: Span,
}
