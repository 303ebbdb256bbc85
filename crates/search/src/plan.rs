//! The engine-neutral result of binding a search: what to group, aggregate, filter, rank and
//! sort. Every semantic decision is already made here, so an engine translates a
//! [`SearchPlan`] mechanically (e.g. into DataFusion logical plans).

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::model::{Aggregation, Bucket, ColumnId, DataType};

/// A bound search.
///
/// Every query is a grouped query: the [`OutputExpr::Group`] outputs are the GROUP BY keys
/// (none: one row of aggregates), the [`OutputExpr::Aggregate`] outputs are computed per group.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchPlan {
    /// Result columns in their final order: grouping columns, then measures, each in query
    /// order (rule 8).
    pub outputs: Vec<OutputColumn>,
    /// AND-ed; restrict rows before aggregation (SQL WHERE).
    pub row_filters: Vec<Predicate>,
    /// AND-ed; restrict groups after aggregation (SQL HAVING). Their operands are
    /// [`Operand::Aggregate`].
    pub group_filters: Vec<Predicate>,
    /// `top n` / `bottom n`.
    pub ranking: Option<Ranking>,
    /// The complete final order, tie-breakers included (rule 10). The engine sorts NULLs last
    /// in both directions and text case-insensitively.
    pub sort: Vec<SortKey>,
}

impl SearchPlan {
    /// Every model column the plan touches (outputs and filters), for progressive joins.
    pub fn referenced_columns(&self) -> BTreeSet<ColumnId> {
        let mut columns: BTreeSet<ColumnId> = self
            .outputs
            .iter()
            .map(|output| output.expr.column())
            .collect();
        for predicate in self.row_filters.iter().chain(&self.group_filters) {
            predicate.collect_columns(&mut columns);
        }
        columns
    }
}

/// One result column.
#[derive(Debug, Clone, PartialEq)]
pub struct OutputColumn {
    /// The column header (rule 9).
    pub name: String,
    pub expr: OutputExpr,
    /// The type of the result column (an average is a float, a day of week an integer, …).
    pub data_type: DataType,
}

/// What a result column computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OutputExpr {
    /// A grouping key: an attribute, a bucketed date (`bucket` is always set for dates), a
    /// measure after `by`, or a measure whose aggregation is `NONE`.
    Group {
        column: ColumnId,
        bucket: Option<Bucket>,
    },
    /// An aggregate per group (never [`Aggregation::None`]).
    Aggregate {
        column: ColumnId,
        aggregation: Aggregation,
    },
}

impl OutputExpr {
    /// The model column this output reads.
    pub fn column(&self) -> ColumnId {
        match *self {
            Self::Group { column, .. } | Self::Aggregate { column, .. } => column,
        }
    }

    /// Whether this is a grouping key.
    pub fn is_group(&self) -> bool {
        matches!(self, Self::Group { .. })
    }
}

/// `top n` / `bottom n` (rule 11): keep exactly `limit` rows per partition, numbered by the
/// `by` output (descending for `top`), ties broken by `tie_breakers` ascending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranking {
    pub limit: usize,
    /// `top` (largest first) rather than `bottom`.
    pub descending: bool,
    /// Output index of the ranking column.
    pub by: usize,
    /// Output indices of the `for each` columns (empty: rank the whole result).
    pub partition_by: Vec<usize>,
    /// Output indices of the remaining grouping columns, compared ascending when two rows
    /// have the same ranking value, so exactly `limit` rows are chosen deterministically.
    pub tie_breakers: Vec<usize>,
}

/// One key of the final order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    /// Output index.
    pub output: usize,
    pub descending: bool,
}

/// A boolean condition over rows (row filters) or groups (group filters).
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    Condition(Condition),
    And(Vec<Predicate>),
    Or(Vec<Predicate>),
}

impl Predicate {
    /// A single condition.
    pub fn condition(operand: Operand, test: Test) -> Self {
        Self::Condition(Condition { operand, test })
    }

    fn collect_columns(&self, columns: &mut BTreeSet<ColumnId>) {
        match self {
            Self::Condition(condition) => {
                columns.insert(condition.operand.column());
            }
            Self::And(parts) | Self::Or(parts) => {
                for part in parts {
                    part.collect_columns(columns);
                }
            }
        }
    }
}

/// `operand` passes `test`.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub operand: Operand,
    pub test: Test,
}

/// The value a condition tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operand {
    /// The column's raw value.
    Column(ColumnId),
    /// An integer date part (`part` is one of the part buckets: ISO day of week, …).
    DatePart { column: ColumnId, part: Bucket },
    /// The aggregated value per group (group filters only).
    Aggregate {
        column: ColumnId,
        aggregation: Aggregation,
    },
}

impl Operand {
    /// The model column the operand reads.
    pub fn column(&self) -> ColumnId {
        match *self {
            Self::Column(column)
            | Self::DatePart { column, .. }
            | Self::Aggregate { column, .. } => column,
        }
    }
}

/// Comparison operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
}

impl CmpOp {
    /// The operator as written in a search.
    pub fn symbol(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::NotEq => "!=",
            Self::Lt => "<",
            Self::LtEq => "<=",
            Self::Gt => ">",
            Self::GtEq => ">=",
        }
    }
}

/// Text matching operators (case-insensitive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextOp {
    Contains,
    BeginsWith,
    EndsWith,
}

impl TextOp {
    /// The keyword as written in a search.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Contains => "contains",
            Self::BeginsWith => "begins with",
            Self::EndsWith => "ends with",
        }
    }
}

/// A test on an operand. Literals already have the operand's type.
#[derive(Debug, Clone, PartialEq)]
pub enum Test {
    /// Text comparisons are case-insensitive. Like SQL, no comparison matches NULL.
    Compare { op: CmpOp, value: Literal },
    Between {
        low: Literal,
        high: Literal,
        low_inclusive: bool,
        high_inclusive: bool,
    },
    /// `negated`: NOT IN, which never matches NULL.
    InList { values: Vec<Literal>, negated: bool },
    /// Case-insensitive. Not negated: matches any pattern. Negated: matches none of them and
    /// is not NULL.
    Text {
        op: TextOp,
        patterns: Vec<String>,
        negated: bool,
    },
    /// `{null}`: IS NULL (negated: IS NOT NULL).
    IsNull { negated: bool },
    /// `{empty}` / `{blank}`: NULL or empty after trimming (negated: neither). Only on text
    /// operands; the binder turns `{empty}` on other types into [`Test::IsNull`].
    IsEmpty { negated: bool },
    /// Half-open `[start, end)`; an open end is unbounded. [`Literal::Date`] for DATE operands,
    /// [`Literal::DateTime`] for DATE_TIME operands.
    DateRange {
        start: Option<Literal>,
        end: Option<Literal>,
    },
}

/// A typed value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Text(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
}

impl std::fmt::Display for Literal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Text(text) => write!(f, "'{text}'"),
            Self::Integer(value) => write!(f, "{value}"),
            Self::Float(value) => write!(f, "{value}"),
            Self::Boolean(value) => write!(f, "{value}"),
            Self::Date(date) => write!(f, "{}", date.format("%m/%d/%Y")),
            Self::DateTime(time) => write!(f, "{}", time.format("%m/%d/%Y %H:%M:%S")),
        }
    }
}
