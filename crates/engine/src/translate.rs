//! [`SearchPlan`] → DataFusion [`LogicalPlan`], mechanically.
//!
//! The binder made every decision; this module only spells them in DataFusion's terms:
//!
//! ```text
//! scan s0 → project (columns presented as their TML types) → alias t0
//!   ⋈ scan s1 → project … → alias t1           (the JoinPlan's steps)
//! → filter   row filters AND model filters     (WHERE)
//! → aggregate GROUP BY grouping outputs (o<i>), aggregates (a<k>)
//! → filter   group filters on the aggregates   (HAVING)
//! → project  outputs o<i> (SUM coalesced to 0)
//! → top n    sort + limit, or ROW_NUMBER() over the `for each` partition ≤ n
//! → project  o<i> only
//! → sort     the plan's keys, NULLS LAST, text by lower(value) then value
//! ```
//!
//! Every step is one SQL can say, so that a plan over a database's tables unparses into one
//! statement (see `postgres`). Internal names (`t<i>`, `o<i>`, `a<k>`) keep user-visible
//! names (which may repeat or contain anything) out of DataFusion; result headers come from
//! the plan.

use std::collections::{BTreeSet, HashMap};
use std::ops::Not;
use std::sync::Arc;

use chrono::{NaiveDate, NaiveTime};
use datafusion::arrow::array::{Array, ArrayRef, AsArray, StringArray};
use datafusion::arrow::compute::kernels::comparison::ilike;
use datafusion::common::{Column, ScalarValue, TableReference};
use datafusion::datasource::provider_as_source;
use datafusion::functions::expr_fn::{
    btrim, coalesce, contains, date_part, date_trunc, ends_with, lower, starts_with,
};
use datafusion::functions_aggregate::expr_fn::{
    avg, count, count_distinct, max, min, stddev, sum, var_sample,
};
use datafusion::functions_window::expr_fn::row_number;
use datafusion::logical_expr::expr::Like;
use datafusion::logical_expr::{
    Expr, ExprFunctionExt, JoinType as DfJoinType, LogicalPlan, LogicalPlanBuilder, SortExpr, and,
    cast, lit, or,
};
use searchlight_catalog::source::{JoinType, SearchSource};
use searchlight_errors::{Error, Result};
use searchlight_search::{
    Aggregation, Bucket, CmpOp, ColumnId, DataType, Literal, Operand, OutputExpr, Predicate,
    SearchPlan, Test, TextOp,
};

use crate::date_bucket::{DateUnit, date_bucket};
use crate::files::header_name;
use crate::joins::JoinPlan;
use crate::postgres::text_order;
use crate::tables::OpenedTable;
use crate::types::{TIMESTAMP, engine_type, present_as};

/// Characters `{empty}` trims before testing for an empty string.
const BLANK_CHARACTERS: &str = " \t\r\n";

/// What a query is built from.
pub(crate) struct QueryParts<'a> {
    pub source: &'a SearchSource,
    pub plan: &'a SearchPlan,
    /// The source's model filters, bound.
    pub model_filters: &'a [Predicate],
    pub joins: &'a JoinPlan,
    /// The opened instances of `joins`, by table index.
    pub tables: &'a HashMap<usize, OpenedTable>,
}

/// Every model column a predicate reads.
pub(crate) fn predicate_columns(predicate: &Predicate, columns: &mut BTreeSet<ColumnId>) {
    match predicate {
        Predicate::Condition(condition) => {
            columns.insert(condition.operand.column());
        }
        Predicate::And(parts) | Predicate::Or(parts) => {
            for part in parts {
                predicate_columns(part, columns);
            }
        }
    }
}

/// Builds the logical plan. Column ids and table indices were validated by the caller.
pub(crate) fn build(parts: &QueryParts<'_>) -> Result<LogicalPlan> {
    let QueryParts {
        source,
        plan,
        model_filters,
        joins,
        tables,
    } = parts;

    // ---- FROM: the instances, their needed columns, the joins ------------------------
    let mut used_columns: BTreeSet<ColumnId> = plan.referenced_columns();
    for predicate in model_filters.iter() {
        predicate_columns(predicate, &mut used_columns);
    }
    let mut physical: HashMap<usize, BTreeSet<String>> = HashMap::new();
    for &column in &used_columns {
        let binding = &source.bindings[column];
        physical
            .entry(binding.table)
            .or_default()
            .insert(binding.physical_column.clone());
    }
    for step in &joins.steps {
        for (left_table, left_column, right_column) in &step.on {
            physical
                .entry(*left_table)
                .or_default()
                .insert(left_column.clone());
            physical
                .entry(step.table)
                .or_default()
                .insert(right_column.clone());
        }
    }
    let scan = |table: usize| -> Result<LogicalPlan> {
        let columns = physical.get(&table).cloned().unwrap_or_default();
        table_plan(source, table, &columns, tables)
    };
    let mut builder = LogicalPlanBuilder::from(scan(joins.first)?);
    for step in &joins.steps {
        let right = scan(step.table)?;
        let on: Vec<Expr> = step
            .on
            .iter()
            .map(|(left_table, left_column, right_column)| {
                qualified(*left_table, left_column).eq(qualified(step.table, right_column))
            })
            .collect();
        builder = builder
            .join_on(right, join_type(step.join_type), on)
            .map_err(plan_fault)?;
    }

    let columns = ModelColumns { source, tables };
    // Text order is spelled out where the search may run in a database (see `postgres`).
    let remote = tables.values().any(|table| table.remote);

    // ---- WHERE -----------------------------------------------------------------------
    let row_filters: Vec<Expr> = plan
        .row_filters
        .iter()
        .chain(model_filters.iter())
        .map(|predicate| predicate_expr(predicate, &|operand| columns.row_operand(operand)))
        .collect::<Result<_>>()?;
    if let Some(condition) = balanced(row_filters, and) {
        builder = builder.filter(condition).map_err(plan_fault)?;
    }

    // ---- GROUP BY and aggregates -------------------------------------------------------
    let mut group_exprs = Vec::new();
    // Distinct aggregates, from outputs then group filters: (column, aggregation).
    let mut aggregates: Vec<(ColumnId, Aggregation)> = Vec::new();
    for (index, output) in plan.outputs.iter().enumerate() {
        match output.expr {
            OutputExpr::Group { column, bucket } => {
                let (value, data_type) = columns.value(column);
                group_exprs.push(bucket_expr(value, data_type, bucket).alias(output_name(index)));
            }
            OutputExpr::Aggregate {
                column,
                aggregation,
            } => {
                if !aggregates.contains(&(column, aggregation)) {
                    aggregates.push((column, aggregation));
                }
            }
        }
    }
    for predicate in &plan.group_filters {
        collect_aggregates(predicate, &mut aggregates);
    }
    let aggregate_exprs = aggregates
        .iter()
        .enumerate()
        .map(|(index, &(column, aggregation))| {
            let (value, data_type) = columns.value(column);
            let value = if remote && data_type == DataType::Text {
                text_order(value)
            } else {
                value
            };
            Ok(aggregate_expr(value, aggregation)?.alias(aggregate_name(index)))
        })
        .collect::<Result<Vec<_>>>()?;
    builder = builder
        .aggregate(group_exprs, aggregate_exprs)
        .map_err(plan_fault)?;

    // ---- HAVING, then the outputs -------------------------------------------------------
    // Group filters test the aggregates' final values right above the aggregation (SQL's
    // HAVING, which a database can be sent as such).
    let aggregate_index = |column: ColumnId, aggregation: Aggregation| {
        aggregates
            .iter()
            .position(|&candidate| candidate == (column, aggregation))
            .ok_or_else(|| Error::internal("aggregate missing from the aggregation"))
    };
    let finished = |column: ColumnId, aggregation: Aggregation| -> Result<(Expr, DataType)> {
        let data_type = aggregate_type(&columns, column, aggregation)?;
        let value = internal_column(&aggregate_name(aggregate_index(column, aggregation)?));
        Ok((finish_aggregate(value, aggregation, data_type), data_type))
    };
    let group_filters: Vec<Expr> = plan
        .group_filters
        .iter()
        .map(|predicate| {
            predicate_expr(predicate, &|operand| {
                let Operand::Aggregate {
                    column,
                    aggregation,
                } = *operand
                else {
                    return Err(Error::internal(format!(
                        "group filter on a non-aggregate operand {operand:?}"
                    )));
                };
                finished(column, aggregation)
                    .map(|(expr, data_type)| OperandValue::of(expr, data_type))
            })
        })
        .collect::<Result<_>>()?;
    if let Some(condition) = balanced(group_filters, and) {
        builder = builder.filter(condition).map_err(plan_fault)?;
    }
    let mut projection = Vec::new();
    for (index, output) in plan.outputs.iter().enumerate() {
        let expr = match output.expr {
            OutputExpr::Group { .. } => internal_column(&output_name(index)),
            OutputExpr::Aggregate {
                column,
                aggregation,
            } => finished(column, aggregation)?.0,
        };
        projection.push(expr.alias(output_name(index)));
    }
    builder = builder.project(projection).map_err(plan_fault)?;

    // ---- top n / bottom n ------------------------------------------------------------
    let output_sort = |index: usize, descending: bool| -> Result<Vec<SortExpr>> {
        let output = plan
            .outputs
            .get(index)
            .ok_or_else(|| Error::internal(format!("sort on missing output {index}")))?;
        Ok(sort_exprs(
            internal_column(&output_name(index)),
            output.data_type,
            descending,
            remote,
        ))
    };
    if let Some(ranking) = &plan.ranking {
        let mut order = output_sort(ranking.by, ranking.descending)?;
        for &tie_breaker in &ranking.tie_breakers {
            order.extend(output_sort(tie_breaker, false)?);
        }
        if ranking.partition_by.is_empty() {
            builder = builder
                .sort_with_limit(order, Some(ranking.limit))
                .map_err(plan_fault)?;
        } else {
            let partition: Vec<Expr> = ranking
                .partition_by
                .iter()
                .map(|&index| internal_column(&output_name(index)))
                .collect();
            let rank = row_number()
                .partition_by(partition)
                .order_by(order)
                .build()
                .map_err(plan_fault)?
                .alias("rank");
            builder = builder
                .window(vec![rank])
                .map_err(plan_fault)?
                .filter(
                    internal_column("rank")
                        .lt_eq(lit(u64::try_from(ranking.limit).unwrap_or(u64::MAX))),
                )
                .map_err(plan_fault)?;
        }
    }

    // ---- the result: outputs only, in the plan's order -------------------------------
    let outputs: Vec<Expr> = (0..plan.outputs.len())
        .map(|index| internal_column(&output_name(index)))
        .collect();
    builder = builder.project(outputs).map_err(plan_fault)?;
    let mut order = Vec::new();
    for key in &plan.sort {
        order.extend(output_sort(key.output, key.descending)?);
    }
    if !order.is_empty() {
        builder = builder.sort(order).map_err(plan_fault)?;
    }
    builder.build().map_err(plan_fault)
}

/// Reads model columns: each is its binding's column of the joined relation, presented as
/// the model column's type.
struct ModelColumns<'a> {
    source: &'a SearchSource,
    /// The opened table instances, for what an in-memory table knows of its values.
    tables: &'a HashMap<usize, OpenedTable>,
}

impl ModelColumns<'_> {
    /// The value of model column `column` and its type.
    fn value(&self, column: ColumnId) -> (Expr, DataType) {
        let binding = &self.source.bindings[column];
        let model_type = self.source.model.columns[column].data_type;
        let expr = qualified(binding.table, &binding.physical_column);
        if self.is_cast(column) {
            (cast(expr, engine_type(model_type)), model_type)
        } else {
            (expr, model_type)
        }
    }

    /// Whether model column `column` is presented as another type than its table declares.
    fn is_cast(&self, column: ColumnId) -> bool {
        let binding = &self.source.bindings[column];
        let model_type = self.source.model.columns[column].data_type;
        declared_type(self.source, binding.table, &binding.physical_column)
            .is_some_and(|declared| declared != model_type)
    }

    /// The distinct values of model column `column` when it is text read as it is stored
    /// (no cast) from an in-memory table that knows them.
    fn distinct_text(&self, column: ColumnId) -> Option<ArrayRef> {
        let binding = &self.source.bindings[column];
        if self.source.model.columns[column].data_type != DataType::Text || self.is_cast(column) {
            return None;
        }
        let memory = self.tables.get(&binding.table)?.memory.as_ref()?;
        memory.distinct_text(&binding.physical_column)
    }

    /// Whether model column `column` comes from a database table.
    fn is_remote(&self, column: ColumnId) -> bool {
        let table = self.source.bindings[column].table;
        self.tables.get(&table).is_some_and(|opened| opened.remote)
    }

    /// A row filter operand.
    fn row_operand(&self, operand: &Operand) -> Result<OperandValue> {
        match *operand {
            Operand::Column(column) => {
                let (expr, data_type) = self.value(column);
                Ok(OperandValue {
                    expr,
                    data_type,
                    distinct_text: self.distinct_text(column),
                    remote: self.is_remote(column),
                })
            }
            Operand::DatePart { column, part } => {
                let (value, data_type) = self.value(column);
                Ok(OperandValue::of(
                    bucket_expr(value, data_type, Some(part)),
                    DataType::Integer,
                ))
            }
            Operand::Aggregate { .. } => Err(Error::internal(format!(
                "row filter on an aggregate operand {operand:?}"
            ))),
        }
    }
}

/// The type an aggregate of `column` has.
fn aggregate_type(
    columns: &ModelColumns<'_>,
    column: ColumnId,
    aggregation: Aggregation,
) -> Result<DataType> {
    let (_, input) = columns.value(column);
    aggregation.result_type(input).ok_or_else(|| {
        Error::internal(format!(
            "aggregation {aggregation:?} does not apply to a {input:?} column"
        ))
    })
}

/// The declared (TML) type of a physical column of a table instance: from the table's
/// columns, else from the first model column bound to it.
fn declared_type(source: &SearchSource, table: usize, physical: &str) -> Option<DataType> {
    source.tables[table]
        .columns
        .iter()
        .find(|column| column.physical_name == physical)
        .map(|column| column.data_type)
        .or_else(|| {
            source
                .bindings
                .iter()
                .position(|binding| binding.table == table && binding.physical_column == physical)
                .map(|index| source.model.columns[index].data_type)
        })
}

/// One table instance: its scan, projected to the needed columns, each presented as its
/// declared type and qualified `t<table>`.
fn table_plan(
    source: &SearchSource,
    table: usize,
    columns: &BTreeSet<String>,
    tables: &HashMap<usize, OpenedTable>,
) -> Result<LogicalPlan> {
    let opened = tables
        .get(&table)
        .ok_or_else(|| Error::internal(format!("table instance {table} was not opened")))?;
    let definition = &source.tables[table];
    let scan_name = TableReference::bare(format!("s{table}"));
    let scan = LogicalPlanBuilder::scan(
        scan_name.clone(),
        provider_as_source(Arc::clone(&opened.provider)),
        None,
    )
    .map_err(plan_fault)?;
    let unavailable = |column: &str, reason: String| Error::TableColumnUnavailable {
        table: definition.name.clone(),
        column: column.to_owned(),
        path: opened.path.clone(),
        reason,
    };
    let mut projection = Vec::new();
    for physical in columns {
        let fields = opened.schema.fields();
        let field = fields
            .iter()
            .find(|field| header_name(field.name()) == physical)
            .or_else(|| {
                let mut matching = fields
                    .iter()
                    .filter(|field| header_name(field.name()).eq_ignore_ascii_case(physical));
                match (matching.next(), matching.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            })
            .ok_or_else(|| {
                let available: Vec<&str> =
                    fields.iter().map(|field| field.name().as_str()).collect();
                unavailable(
                    physical,
                    if opened.remote {
                        format!(
                            "the table has no such column (it has: {})",
                            available.join(", ")
                        )
                    } else {
                        format!(
                            "the files have no such column (they have: {})",
                            available.join(", ")
                        )
                    },
                )
            })?;
        let raw = Expr::Column(Column::new(Some(scan_name.clone()), field.name()));
        let presented = match declared_type(source, table, physical) {
            None => raw,
            Some(declared) => present_as(raw, field.data_type(), declared).ok_or_else(|| {
                unavailable(
                    physical,
                    format!(
                        "{} it as {} and it cannot be read as {}",
                        if opened.remote {
                            "the table stores"
                        } else {
                            "the files store"
                        },
                        field.data_type(),
                        declared.tml_name()
                    ),
                )
            })?,
        };
        projection.push(presented.alias(physical.clone()));
    }
    // A subquery alias (not qualified aliases in the projection): SQL can say it, so a plan
    // that runs in a database unparses.
    scan.project(projection)
        .map_err(plan_fault)?
        .alias(table_name(table))
        .map_err(plan_fault)?
        .build()
        .map_err(plan_fault)
}

fn table_name(table: usize) -> TableReference {
    TableReference::bare(format!("t{table}"))
}

/// A column of a table instance in the joined relation.
fn qualified(table: usize, physical: &str) -> Expr {
    Expr::Column(Column::new(Some(table_name(table)), physical))
}

/// An unqualified internal column.
fn internal_column(name: &str) -> Expr {
    Expr::Column(Column::new_unqualified(name))
}

fn output_name(index: usize) -> String {
    format!("o{index}")
}

fn aggregate_name(index: usize) -> String {
    format!("a{index}")
}

fn join_type(join_type: JoinType) -> DfJoinType {
    match join_type {
        JoinType::Inner => DfJoinType::Inner,
        JoinType::LeftOuter => DfJoinType::Left,
        JoinType::RightOuter => DfJoinType::Right,
        JoinType::Outer => DfJoinType::Full,
    }
}

/// A DataFusion planning error: the plan is built from validated parts, so this is a fault.
fn plan_fault(err: datafusion::error::DataFusionError) -> Error {
    Error::internal(format!("building the query plan failed: {err}"))
}

// ---- expressions ------------------------------------------------------------------------

/// A grouping value: the raw value, a truncation, or an integer date part.
fn bucket_expr(value: Expr, data_type: DataType, bucket: Option<Bucket>) -> Expr {
    let Some(bucket) = bucket else {
        return value;
    };
    let truncate = |granularity: &str| match data_type {
        // date_trunc works on timestamps; a DATE bucket stays a DATE (weeks and longer are
        // computed on the days: `date_bucket`).
        DataType::Date => cast(
            date_trunc(lit(granularity), cast(value.clone(), TIMESTAMP)),
            engine_type(DataType::Date),
        ),
        _ => date_trunc(lit(granularity), value.clone()),
    };
    let part = |name: &str| {
        cast(
            date_part(lit(name), value.clone()),
            engine_type(DataType::Integer),
        )
    };
    let is_date = data_type == DataType::Date;
    match bucket {
        Bucket::Detailed => value,
        Bucket::Daily if is_date => value,
        Bucket::Weekly if is_date => date_bucket(DateUnit::Week, value),
        Bucket::Monthly if is_date => date_bucket(DateUnit::Month, value),
        Bucket::Quarterly if is_date => date_bucket(DateUnit::Quarter, value),
        Bucket::Yearly if is_date => date_bucket(DateUnit::Year, value),
        Bucket::Hourly => truncate("hour"),
        Bucket::Daily => truncate("day"),
        Bucket::Weekly => truncate("week"),
        Bucket::Monthly => truncate("month"),
        Bucket::Quarterly => truncate("quarter"),
        Bucket::Yearly => truncate("year"),
        Bucket::HourOfDay => part("hour"),
        Bucket::DayOfWeek => part("isodow"),
        Bucket::DayOfMonth => part("day"),
        Bucket::DayOfYear => part("doy"),
        Bucket::WeekOfYear => part("week"),
        Bucket::MonthOfYear => part("month"),
        Bucket::QuarterOfYear => part("quarter"),
    }
}

/// The aggregate function for an aggregation.
fn aggregate_expr(value: Expr, aggregation: Aggregation) -> Result<Expr> {
    Ok(match aggregation {
        Aggregation::Sum => sum(value),
        Aggregation::Average => avg(value),
        Aggregation::Count => count(value),
        Aggregation::CountDistinct => count_distinct(value),
        // Rows, whatever the column holds.
        Aggregation::TotalCount => count(lit(1i64)),
        Aggregation::Min => min(value),
        Aggregation::Max => max(value),
        Aggregation::StdDev => stddev(value),
        Aggregation::Variance => var_sample(value),
        Aggregation::None => {
            return Err(Error::internal("an aggregate output without aggregation"));
        }
    })
}

/// The aggregate's final value (rule 12): a SUM over no rows or only NULLs is 0.
fn finish_aggregate(aggregated: Expr, aggregation: Aggregation, data_type: DataType) -> Expr {
    match (aggregation, data_type) {
        (Aggregation::Sum, DataType::Integer) => coalesce(vec![aggregated, lit(0i64)]),
        (Aggregation::Sum, _) => coalesce(vec![aggregated, lit(0f64)]),
        _ => aggregated,
    }
}

/// Collects the aggregates a group filter tests.
fn collect_aggregates(predicate: &Predicate, aggregates: &mut Vec<(ColumnId, Aggregation)>) {
    match predicate {
        Predicate::Condition(condition) => {
            if let Operand::Aggregate {
                column,
                aggregation,
            } = condition.operand
                && !aggregates.contains(&(column, aggregation))
            {
                aggregates.push((column, aggregation));
            }
        }
        Predicate::And(parts) | Predicate::Or(parts) => {
            for part in parts {
                collect_aggregates(part, aggregates);
            }
        }
    }
}

/// Sort keys for one value: NULLS LAST in both directions; text case-insensitively, then by
/// the raw value so that values differing only in case have a fixed order. `remote`: the
/// text keys are marked to sort by their bytes wherever they run ([`text_order`]).
fn sort_exprs(value: Expr, data_type: DataType, descending: bool, remote: bool) -> Vec<SortExpr> {
    let ascending = !descending;
    let ordered = |expr: Expr| if remote { text_order(expr) } else { expr };
    if data_type == DataType::Text {
        vec![
            ordered(lower(value.clone())).sort(ascending, false),
            ordered(value).sort(ascending, false),
        ]
    } else {
        vec![value.sort(ascending, false)]
    }
}

/// An operand of a filter: its expression and type and, for a text column whose distinct
/// values are known (an in-memory table), those values.
struct OperandValue {
    expr: Expr,
    data_type: DataType,
    distinct_text: Option<ArrayRef>,
    /// Text comparisons are marked to compare bytes wherever they run ([`text_order`]).
    remote: bool,
}

impl OperandValue {
    fn of(expr: Expr, data_type: DataType) -> Self {
        Self {
            expr,
            data_type,
            distinct_text: None,
            remote: false,
        }
    }
}

/// A predicate; `operand` gives each operand's expression and type.
fn predicate_expr(
    predicate: &Predicate,
    operand: &dyn Fn(&Operand) -> Result<OperandValue>,
) -> Result<Expr> {
    Ok(match predicate {
        Predicate::Condition(condition) => {
            let value = operand(&condition.operand)?;
            test_expr(value, &condition.test)
        }
        Predicate::And(parts) => balanced(
            parts
                .iter()
                .map(|part| predicate_expr(part, operand))
                .collect::<Result<Vec<_>>>()?,
            and,
        )
        .unwrap_or_else(|| lit(true)),
        Predicate::Or(parts) => balanced(
            parts
                .iter()
                .map(|part| predicate_expr(part, operand))
                .collect::<Result<Vec<_>>>()?,
            or,
        )
        .unwrap_or_else(|| lit(false)),
    })
}

/// `parts` joined by `combine` (AND, OR) as a balanced tree, in their order: its depth is
/// log₂ of their number rather than their number, so a search with many filters or values
/// does not make DataFusion, which walks expressions recursively, recurse deeply. `None` when
/// there are no parts.
fn balanced(mut parts: Vec<Expr>, combine: fn(Expr, Expr) -> Expr) -> Option<Expr> {
    while parts.len() > 1 {
        let mut paired = Vec::with_capacity(parts.len().div_ceil(2));
        let mut rest = parts.into_iter();
        while let Some(left) = rest.next() {
            paired.push(match rest.next() {
                Some(right) => combine(left, right),
                None => left,
            });
        }
        parts = paired;
    }
    parts.pop()
}

/// Whether a test compares with a date-time literal.
fn has_instant(test: &Test) -> bool {
    let instant = |literal: &Literal| matches!(literal, Literal::DateTime(_));
    match test {
        Test::Compare { value, .. } => instant(value),
        Test::Between { low, high, .. } => instant(low) || instant(high),
        Test::InList { values, .. } => values.iter().any(instant),
        Test::DateRange { start, end } => {
            start.as_ref().is_some_and(instant) || end.as_ref().is_some_and(instant)
        }
        _ => false,
    }
}

/// `value` passes `test`. Text is compared case-insensitively (both sides lower-cased).
/// Comparisons follow SQL: NULL passes no comparison, so `!=`, NOT IN and the negated text
/// operators never match NULL.
fn test_expr(operand: OperandValue, test: &Test) -> Expr {
    let OperandValue {
        expr: value,
        data_type,
        distinct_text,
        remote,
    } = operand;
    // A DATE compared with an instant is compared as midnight UTC of its day.
    let (value, data_type) = if data_type == DataType::Date && has_instant(test) {
        (cast(value, TIMESTAMP), DataType::DateTime)
    } else {
        (value, data_type)
    };
    let is_text = data_type == DataType::Text;
    let folded = if is_text && remote {
        text_order(lower(value.clone()))
    } else if is_text {
        lower(value.clone())
    } else {
        value.clone()
    };
    let literal = |literal: &Literal| literal_expr(literal, data_type);
    match test {
        Test::Compare {
            op: op @ (CmpOp::Eq | CmpOp::NotEq),
            value: Literal::Text(text),
        } if is_text => text_equals(value, text, *op == CmpOp::NotEq, distinct_text.as_ref()),
        Test::Compare { op, value: operand } => compare(folded, *op, literal(operand)),
        Test::Between {
            low,
            high,
            low_inclusive,
            high_inclusive,
        } => {
            let low_op = if *low_inclusive {
                CmpOp::GtEq
            } else {
                CmpOp::Gt
            };
            let high_op = if *high_inclusive {
                CmpOp::LtEq
            } else {
                CmpOp::Lt
            };
            and(
                compare(folded.clone(), low_op, literal(low)),
                compare(folded, high_op, literal(high)),
            )
        }
        Test::InList { values, negated } => {
            folded.in_list(values.iter().map(literal).collect(), *negated)
        }
        Test::Text {
            op,
            patterns,
            negated,
        } => {
            let text = lower(value.clone());
            let matches: Vec<Expr> = patterns
                .iter()
                .map(|pattern| {
                    let pattern = lower(lit(pattern.as_str()));
                    match op {
                        TextOp::Contains => contains(text.clone(), pattern),
                        TextOp::BeginsWith => starts_with(text.clone(), pattern),
                        TextOp::EndsWith => ends_with(text.clone(), pattern),
                    }
                })
                .collect();
            let any = balanced(matches, or).unwrap_or_else(|| lit(false));
            if *negated {
                value.is_not_null().and(any.not())
            } else {
                any
            }
        }
        Test::IsNull { negated: false } => value.is_null(),
        Test::IsNull { negated: true } => value.is_not_null(),
        Test::IsEmpty { negated } if is_text => {
            let blank = btrim(vec![value.clone(), lit(BLANK_CHARACTERS)]).eq(lit(""));
            if *negated {
                value.is_not_null().and(blank.not())
            } else {
                value.is_null().or(blank)
            }
        }
        Test::IsEmpty { negated: false } => value.is_null(),
        Test::IsEmpty { negated: true } => value.is_not_null(),
        Test::DateRange { start, end } => {
            let lower_bound = start
                .as_ref()
                .map(|start| compare(value.clone(), CmpOp::GtEq, literal(start)));
            let upper_bound = end
                .as_ref()
                .map(|end| compare(value.clone(), CmpOp::Lt, literal(end)));
            match (lower_bound, upper_bound) {
                (Some(lower_bound), Some(upper_bound)) => and(lower_bound, upper_bound),
                (Some(bound), None) | (None, Some(bound)) => bound,
                (None, None) => value.is_not_null(),
            }
        }
    }
}

fn compare(left: Expr, op: CmpOp, right: Expr) -> Expr {
    match op {
        CmpOp::Eq => left.eq(right),
        CmpOp::NotEq => left.not_eq(right),
        CmpOp::Lt => left.lt(right),
        CmpOp::LtEq => left.lt_eq(right),
        CmpOp::Gt => left.gt(right),
        CmpOp::GtEq => left.gt_eq(right),
    }
}

/// `value = text` ignoring case (or `!=` when `negated`), written as ILIKE with every
/// wildcard escaped. It means `lower(value) = lower(text)`, but Arrow compares an ASCII
/// pattern without wildcards in place, where `lower(value)` first makes a lower-cased copy
/// of the whole column: the TPC-H benchmark measured that copy as most of an equality
/// filter's time.
///
/// When the column's distinct values are known (`distinct`, an in-memory table's), the
/// pattern is matched against them once, with the same kernel, and the filter becomes an
/// exact `IN` of the values that match: as cheap as `=`, and usable to skip batches by their
/// min and max. Filters only keep rows where they are true, so NULL and false may differ
/// here: no values match → false (or, negated, "not NULL").
fn text_equals(value: Expr, text: &str, negated: bool, distinct: Option<&ArrayRef>) -> Expr {
    let mut pattern = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    if let Some(matching) = distinct.and_then(|values| matching_values(values, &pattern)) {
        return match (matching.is_empty(), negated) {
            (true, false) => lit(false),
            (true, true) => value.is_not_null(),
            (false, _) => value.in_list(matching.into_iter().map(lit).collect(), negated),
        };
    }
    Expr::Like(Like::new(
        negated,
        Box::new(value),
        Box::new(lit(pattern)),
        Some('\\'),
        true,
    ))
}

/// The values of `values` (a Utf8 array) that `ILIKE pattern` keeps, by Arrow's own ILIKE
/// (the kernel DataFusion runs for the filter); `None` if it fails.
fn matching_values(values: &ArrayRef, pattern: &str) -> Option<Vec<String>> {
    let matches = ilike(values, &StringArray::new_scalar(pattern)).ok()?;
    let text = values.as_string_opt::<i32>()?;
    Some(
        (0..text.len())
            .filter(|&row| matches.is_valid(row) && matches.value(row) && text.is_valid(row))
            .map(|row| text.value(row).to_owned())
            .collect(),
    )
}

/// A literal as a value of the operand's type (text lower-cased, see [`test_expr`]).
fn literal_expr(literal: &Literal, data_type: DataType) -> Expr {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
    let date32 = |date: &NaiveDate| {
        let days = (*date - epoch).num_days();
        lit(ScalarValue::Date32(i32::try_from(days).ok()))
    };
    let micros = |micros: i64| lit(ScalarValue::TimestampMicrosecond(Some(micros), None));
    match (literal, data_type) {
        (Literal::Text(text), DataType::Text) => lower(lit(text.as_str())),
        (Literal::Integer(value), DataType::Text) => lower(lit(value.to_string())),
        (Literal::Float(value), DataType::Text) => lower(lit(value.to_string())),
        (Literal::Boolean(value), DataType::Text) => lower(lit(value.to_string())),
        (Literal::Text(text), _) => lit(text.as_str()),
        (Literal::Integer(value), DataType::Float) => lit(*value as f64),
        (Literal::Integer(value), _) => lit(*value),
        (Literal::Float(value), _) => lit(*value),
        (Literal::Boolean(value), _) => lit(*value),
        (Literal::Date(date), DataType::DateTime) => {
            micros(date.and_time(NaiveTime::MIN).and_utc().timestamp_micros())
        }
        (Literal::Date(date), _) => date32(date),
        (Literal::DateTime(instant), _) => micros(instant.timestamp_micros()),
    }
}
