//! In-memory tables that skip the batches no row of which can pass a filter.
//!
//! An `in_memory` table used to be DataFusion's `MemTable`, whose scan accepts no filters: a
//! selective filter never skipped a fact batch. That includes the filters DataFusion derives
//! while a query runs and pushes into the scan: a hash join whose build side is one
//! customer's few orders pushes the bounds (or a small IN list) of its join keys into the
//! probe-side scan once the build side is read, and a top-n pushes the bound a row must beat.
//! With `MemTable` every batch was still read and every row tested by the join or the sort.
//!
//! [`MemoryTable`] computes, once when the table is loaded, the min, max and null count of
//! every column of every batch (and each batch's row count). Its scan, a [`MemorySource`] in
//! a `DataSourceExec`, keeps the search's own filters (planned against the table's columns)
//! and every filter a parent pushes later, dynamic ones included. Before it yields a batch it
//! asks DataFusion's `PruningPredicate` whether any row of the batch could pass them, and
//! skips the batch if none can. A dynamic filter is read at that moment, so batches reached
//! after the join's build side finished are pruned by what it found.
//!
//! The filters only ever skip whole batches: DataFusion is told that none is applied
//! (`Inexact` for the search's filters, `PushedDown::No` for pushed ones), so its own filter,
//! join and sort still test every row of the batches read, and answers never depend on the
//! pruning. A column whose min and max are not computed (a type outside [`has_min_max`])
//! has unknown statistics, which never prune.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use datafusion::arrow::array::{Array, ArrayRef, AsArray, BooleanArray, StringArray, UInt64Array};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::config::ConfigOptions;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::common::{
    ColumnStatistics, DFSchema, DataFusionError, Result, ScalarValue, Statistics, project_schema,
};
use datafusion::datasource::source::{DataSource, DataSourceExec};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::functions_aggregate::min_max::{MaxAccumulator, MinAccumulator};
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::{Accumulator, Expr, TableProviderFilterPushDown, TableType};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_expr::projection::ProjectionExprs;
use datafusion::physical_expr::{
    EquivalenceProperties, LexOrdering, Partitioning, PhysicalExpr, conjunction, split_conjunction,
};
use datafusion::physical_expr_common::physical_expr::snapshot_generation;
use datafusion::physical_optimizer::pruning::{PruningPredicateBuilder, PruningStatistics};
use datafusion::physical_plan::coop::cooperative;
use datafusion::physical_plan::execution_plan::SchedulingType;
use datafusion::physical_plan::filter_pushdown::{FilterPushdownPropagation, PushedDown};
use datafusion::physical_plan::metrics::{Count, ExecutionPlanMetricsSet, MetricBuilder};
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{DisplayFormatType, ExecutionPlan};

/// Batches read and skipped by the scans of in-memory tables: one set per engine, shared by
/// all its tables.
#[derive(Debug, Default)]
pub(crate) struct ScanCounters {
    scanned: AtomicU64,
    skipped: AtomicU64,
}

impl ScanCounters {
    /// Batches read (yielded to the query) so far.
    pub fn scanned(&self) -> u64 {
        self.scanned.load(Ordering::Relaxed)
    }

    /// Batches skipped so far because no row of theirs could pass the scan's filters.
    pub fn skipped(&self) -> u64 {
        self.skipped.load(Ordering::Relaxed)
    }
}

/// An in-memory table (the batches of a table read into memory) whose scans skip the
/// batches that cannot match their filters.
#[derive(Debug)]
pub(crate) struct MemoryTable {
    data: Arc<TableData>,
    counters: Arc<ScanCounters>,
}

impl MemoryTable {
    /// A table of `partitions` (as `collect_partitioned` returns them), with the statistics
    /// of every batch computed now: a pass over every value, so callers run it off the async
    /// workers. Fails when a batch's columns are not the schema's.
    pub fn try_new(
        schema: SchemaRef,
        partitions: Vec<Vec<RecordBatch>>,
        counters: Arc<ScanCounters>,
    ) -> Result<Self> {
        Ok(Self {
            data: Arc::new(TableData::try_new(schema, partitions)?),
            counters,
        })
    }

    /// The bytes the batches and their statistics hold.
    pub fn memory_size(&self) -> usize {
        self.data.memory_size()
    }

    /// The distinct non-null values of the text column `column` (a Utf8 array), when it has
    /// at most [`MAX_DISTINCT_TEXT`]: a filter on such a column can be decided on these
    /// values once instead of on every row.
    pub fn distinct_text(&self, column: &str) -> Option<ArrayRef> {
        let index = self.data.schema.index_of(column).ok()?;
        self.data.distinct_text.get(index)?.clone()
    }

    /// The search's filters planned against the table's columns. A filter that cannot be
    /// planned here (one with a subquery, say) is left to DataFusion's own filter.
    fn static_predicates(
        &self,
        state: &dyn Session,
        filters: &[Expr],
    ) -> Vec<Arc<dyn PhysicalExpr>> {
        let Ok(schema) = DFSchema::try_from(Arc::clone(&self.data.schema)) else {
            return Vec::new();
        };
        let mut predicates = Vec::new();
        for filter in filters {
            // The filters name the table's columns qualified (`t.k`); the schema does not.
            let filter = unnormalize_col(filter.clone());
            if let Ok(predicate) = state.create_physical_expr(filter, &schema) {
                predicates.extend(split_conjunction(&predicate).into_iter().cloned());
            }
        }
        predicates
    }
}

#[async_trait]
impl TableProvider for MemoryTable {
    fn schema(&self) -> SchemaRef {
        Arc::clone(&self.data.schema)
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    /// `Inexact`: the filters only skip batches, DataFusion still filters the rows.
    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        Ok(vec![TableProviderFilterPushDown::Inexact; filters.len()])
    }

    /// `limit` is not applied: DataFusion keeps its own limit above the scan (see
    /// [`MemorySource`]'s `with_fetch`), which stops reading once it has its rows.
    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        _limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let source = MemorySource::try_new(
            Arc::clone(&self.data),
            projection.cloned(),
            self.static_predicates(state, filters),
            Arc::clone(&self.counters),
        )?;
        Ok(DataSourceExec::from_data_source(source))
    }
}

/// The batches of a table in one list (partitions name them by index) and, per column, one
/// statistic per batch: the containers `PruningPredicate` prunes are the batches.
struct TableData {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    /// The batches of each partition as loaded (indices into `batches`).
    partitions: Vec<Vec<usize>>,
    /// One per column of `schema`.
    columns: Vec<ColumnStats>,
    row_counts: UInt64Array,
    /// Per column, the distinct non-null values of a text column that has at most
    /// [`MAX_DISTINCT_TEXT`] of them (as Utf8); `None` for other columns.
    distinct_text: Vec<Option<ArrayRef>>,
}

/// The most distinct values a text column may have for [`MemoryTable::distinct_text`].
const MAX_DISTINCT_TEXT: usize = 1024;

/// One column's statistics, an entry per batch.
struct ColumnStats {
    /// The min and max of each batch (null where it has no values); `None` where they are
    /// not computed for the column's type: unknown, so they never prune.
    min_max: Option<(ArrayRef, ArrayRef)>,
    null_counts: UInt64Array,
}

impl TableData {
    fn try_new(schema: SchemaRef, partitions: Vec<Vec<RecordBatch>>) -> Result<Self> {
        let mut batches = Vec::new();
        let mut groups: Vec<Vec<usize>> = Vec::with_capacity(partitions.len());
        for partition in partitions {
            let first = batches.len();
            batches.extend(partition);
            groups.push((first..batches.len()).collect());
        }
        if groups.is_empty() {
            // DataFusion expects a scan to have at least one partition, if an empty one.
            groups.push(Vec::new());
        }
        if batches
            .iter()
            .any(|batch| !schema.contains(&batch.schema()))
        {
            return Err(DataFusionError::Plan(
                "the columns of a batch read into memory are not the table's".to_owned(),
            ));
        }
        // Rows could be sorted here (by a column searches often filter on) to narrow each
        // batch's min-max range and skip more batches. Not done: without an ORDER BY the
        // order rows come in is part of the answer, and answers must not change.
        let columns = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(column, field)| ColumnStats::of(&batches, column, field.data_type()))
            .collect();
        let row_counts =
            UInt64Array::from_iter_values(batches.iter().map(|batch| batch.num_rows() as u64));
        let distinct_text = (0..schema.fields().len())
            .map(|column| distinct_text(&batches, column))
            .collect();
        Ok(Self {
            schema,
            batches,
            partitions: groups,
            columns,
            row_counts,
            distinct_text,
        })
    }

    fn memory_size(&self) -> usize {
        let batches: usize = self
            .batches
            .iter()
            .map(RecordBatch::get_array_memory_size)
            .sum();
        let statistics: usize = self.columns.iter().map(ColumnStats::memory_size).sum();
        let distinct: usize = self
            .distinct_text
            .iter()
            .flatten()
            .map(|values| values.get_array_memory_size())
            .sum();
        batches + statistics + distinct + self.row_counts.get_array_memory_size()
    }

    fn column_stats(&self, column: &datafusion::common::Column) -> Option<&ColumnStats> {
        let index = self.schema.index_of(&column.name).ok()?;
        self.columns.get(index)
    }
}

impl fmt::Debug for TableData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the values: a table can hold gigabytes.
        f.debug_struct("TableData")
            .field("columns", &self.schema.fields().len())
            .field("batches", &self.batches.len())
            .field("partitions", &self.partitions.len())
            .finish_non_exhaustive()
    }
}

impl ColumnStats {
    fn of(batches: &[RecordBatch], column: usize, data_type: &DataType) -> Self {
        let null_counts = UInt64Array::from_iter_values(
            batches
                .iter()
                .map(|batch| batch.column(column).logical_null_count() as u64),
        );
        let min_max = if has_min_max(data_type) {
            batch_min_max(batches.iter().map(|batch| batch.column(column)), data_type)
        } else {
            None
        };
        Self {
            min_max,
            null_counts,
        }
    }

    fn memory_size(&self) -> usize {
        let min_max = self.min_max.as_ref().map_or(0, |(min, max)| {
            min.get_array_memory_size() + max.get_array_memory_size()
        });
        min_max + self.null_counts.get_array_memory_size()
    }
}

/// The distinct non-null values of a text column over every batch, as a Utf8 array, or
/// `None` when it is not text or has more than [`MAX_DISTINCT_TEXT`] of them (the search
/// stops as soon as it finds one too many).
fn distinct_text(batches: &[RecordBatch], column: usize) -> Option<ArrayRef> {
    let mut seen: HashSet<String> = HashSet::new();
    for batch in batches {
        let array = batch.column(column);
        let text = match array.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
                datafusion::arrow::compute::cast(array, &DataType::Utf8).ok()?
            }
            _ => return None,
        };
        let text = text.as_string::<i32>();
        for value in text.iter().flatten() {
            if !seen.contains(value) {
                if seen.len() == MAX_DISTINCT_TEXT {
                    return None;
                }
                seen.insert(value.to_owned());
            }
        }
    }
    let mut values: Vec<String> = seen.into_iter().collect();
    values.sort_unstable();
    Some(Arc::new(StringArray::from(values)) as ArrayRef)
}

/// Whether a column's min and max are computed: the types searches filter on whose order is
/// the one DataFusion's comparisons use (floats included: both order NaN above every
/// number). Others (dictionaries, lists, binary, intervals…) keep unknown statistics.
fn has_min_max(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Boolean
            | Int8
            | Int16
            | Int32
            | Int64
            | UInt8
            | UInt16
            | UInt32
            | UInt64
            | Float32
            | Float64
            | Decimal32(..)
            | Decimal64(..)
            | Decimal128(..)
            | Decimal256(..)
            | Utf8
            | LargeUtf8
            | Utf8View
            | Date32
            | Date64
            | Timestamp(..)
            | Time32(..)
            | Time64(..)
    )
}

/// The min and max of each array with DataFusion's own `min`/`max` accumulators, as two
/// arrays of the column's type; `None` if any fails (the statistics stay unknown).
fn batch_min_max<'a>(
    arrays: impl Iterator<Item = &'a ArrayRef>,
    data_type: &DataType,
) -> Option<(ArrayRef, ArrayRef)> {
    let mut mins = Vec::new();
    let mut maxes = Vec::new();
    for array in arrays {
        let values = std::slice::from_ref(array);
        let mut min = MinAccumulator::try_new(data_type).ok()?;
        let mut max = MaxAccumulator::try_new(data_type).ok()?;
        min.update_batch(values).ok()?;
        max.update_batch(values).ok()?;
        mins.push(min.evaluate().ok()?);
        maxes.push(max.evaluate().ok()?);
    }
    let mins = ScalarValue::iter_to_array(mins).ok()?;
    let maxes = ScalarValue::iter_to_array(maxes).ok()?;
    Some((mins, maxes))
}

/// Columns are looked up by name in the table's schema, the schema every predicate is
/// pruned against.
impl PruningStatistics for TableData {
    fn min_values(&self, column: &datafusion::common::Column) -> Option<ArrayRef> {
        let (min, _) = self.column_stats(column)?.min_max.as_ref()?;
        Some(Arc::clone(min))
    }

    fn max_values(&self, column: &datafusion::common::Column) -> Option<ArrayRef> {
        let (_, max) = self.column_stats(column)?.min_max.as_ref()?;
        Some(Arc::clone(max))
    }

    fn num_containers(&self) -> usize {
        self.batches.len()
    }

    fn null_counts(&self, column: &datafusion::common::Column) -> Option<ArrayRef> {
        let counts = self.column_stats(column)?.null_counts.clone();
        Some(Arc::new(counts))
    }

    fn row_counts(&self) -> Option<ArrayRef> {
        Some(Arc::new(self.row_counts.clone()))
    }

    #[allow(clippy::mutable_key_type)]
    fn contained(
        &self,
        _column: &datafusion::common::Column,
        _values: &HashSet<ScalarValue>,
    ) -> Option<BooleanArray> {
        None
    }
}

/// The scan of a [`MemoryTable`]: its partitions' batches, projected, less those its
/// predicates rule out.
#[derive(Debug, Clone)]
struct MemorySource {
    data: Arc<TableData>,
    /// The batches of each output partition (indices into the table's batches).
    partitions: Arc<[Vec<usize>]>,
    /// The table columns output, in order; `None`: all of them.
    projection: Option<Vec<usize>>,
    /// The output schema.
    schema: SchemaRef,
    /// The search's filters and every filter pushed since, all in terms of the *table's*
    /// columns (pushed ones are rewritten from the output's when they arrive), so that a
    /// projection swapped in later leaves them valid.
    predicates: Vec<Arc<dyn PhysicalExpr>>,
    counters: Arc<ScanCounters>,
    metrics: ExecutionPlanMetricsSet,
}

impl MemorySource {
    fn try_new(
        data: Arc<TableData>,
        projection: Option<Vec<usize>>,
        predicates: Vec<Arc<dyn PhysicalExpr>>,
        counters: Arc<ScanCounters>,
    ) -> Result<Self> {
        let schema = project_schema(&data.schema, projection.as_ref())?;
        Ok(Self {
            partitions: data.partitions.clone().into(),
            data,
            projection,
            schema,
            predicates,
            counters,
            metrics: ExecutionPlanMetricsSet::new(),
        })
    }

    /// The table columns output, in order.
    fn output_columns(&self) -> Vec<usize> {
        match &self.projection {
            Some(columns) => columns.clone(),
            None => (0..self.data.schema.fields().len()).collect(),
        }
    }

    /// `filter`, which names the output's columns, rewritten to name the table's: the
    /// output's column `i` is the table's column `projection[i]`. A dynamic filter is
    /// rewritten too: it applies the new columns to whatever expression it holds later.
    fn to_table_columns(&self, filter: Arc<dyn PhysicalExpr>) -> Result<Arc<dyn PhysicalExpr>> {
        let Some(projection) = &self.projection else {
            return Ok(filter);
        };
        let fields = self.data.schema.fields();
        filter
            .transform_down(|expr| {
                if let Some(column) = expr.downcast_ref::<Column>() {
                    let index = *projection.get(column.index()).ok_or_else(|| {
                        DataFusionError::Plan(format!("{column} is not a column of the scan"))
                    })?;
                    let table_column: Arc<dyn PhysicalExpr> =
                        Arc::new(Column::new(fields[index].name(), index));
                    return Ok(Transformed::yes(table_column));
                }
                Ok(Transformed::no(expr))
            })
            .data()
    }

    /// The statistics of the output over `batches`: row counts, bytes and null counts are
    /// exact (as `MemTable` gives them, so join ordering sees the same sizes).
    fn statistics_of(&self, batches: impl Iterator<Item = usize>) -> Statistics {
        let columns = self.output_columns();
        let (mut rows, mut bytes) = (0, 0);
        let mut nulls = vec![0usize; columns.len()];
        for index in batches {
            let batch = &self.data.batches[index];
            rows += batch.num_rows();
            for (count, &column) in nulls.iter_mut().zip(&columns) {
                bytes += batch.column(column).get_array_memory_size();
                *count += self.data.columns[column].null_counts.value(index) as usize;
            }
        }
        Statistics {
            num_rows: Precision::Exact(rows),
            total_byte_size: Precision::Exact(bytes),
            column_statistics: nulls
                .into_iter()
                .map(|count| {
                    ColumnStatistics::new_unknown().with_null_count(Precision::Exact(count))
                })
                .collect(),
        }
    }
}

impl DataSource for MemorySource {
    fn open(
        &self,
        partition: usize,
        _context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let batches = self.partitions.get(partition).cloned().ok_or_else(|| {
            DataFusionError::Internal(format!("an in-memory scan has no partition {partition}"))
        })?;
        let scan = PartitionScan {
            data: Arc::clone(&self.data),
            batches: batches.into_iter(),
            projection: self.projection.clone(),
            pruner: Pruner::new(Arc::clone(&self.data), self.predicates.clone()),
            counts: BatchCounts::new(self, partition),
        };
        let stream =
            RecordBatchStreamAdapter::new(Arc::clone(&self.schema), futures::stream::iter(scan));
        Ok(Box::pin(cooperative(stream)))
    }

    fn fmt_as(&self, t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        let batches: usize = self.partitions.iter().map(Vec::len).sum();
        match t {
            DisplayFormatType::Default | DisplayFormatType::Verbose => {
                let partitions = self.partitions.len();
                write!(
                    f,
                    "MemorySource: partitions={partitions}, batches={batches}"
                )?;
                if let Some(projection) = &self.projection {
                    write!(f, ", projection={projection:?}")?;
                }
                if !self.predicates.is_empty() {
                    let predicate = conjunction(self.predicates.iter().cloned());
                    write!(f, ", pruning_predicate={predicate}")?;
                }
                Ok(())
            }
            DisplayFormatType::TreeRender => writeln!(f, "format=memory\nbatches={batches}"),
        }
    }

    /// Spreads the batches over more partitions (as `MemTable`'s scan does), evening out
    /// their rows, rather than have DataFusion add a round-robin exchange above.
    fn repartitioned(
        &self,
        target_partitions: usize,
        _repartition_file_min_size: usize,
        output_ordering: Option<LexOrdering>,
    ) -> Result<Option<Arc<dyn DataSource>>> {
        let batches: Vec<usize> = self.partitions.iter().flatten().copied().collect();
        let target = target_partitions.min(batches.len());
        if output_ordering.is_some() || target <= self.partitions.len() {
            return Ok(None);
        }
        let mut groups: Vec<(usize, Vec<usize>)> = vec![(0, Vec::new()); target];
        for index in batches {
            let emptiest = groups
                .iter_mut()
                .min_by_key(|group| (group.0, group.1.len()))
                .expect("at least one partition");
            emptiest.0 += self.data.batches[index].num_rows();
            emptiest.1.push(index);
        }
        let mut source = self.clone();
        source.partitions = groups.into_iter().map(|(_, group)| group).collect();
        Ok(Some(Arc::new(source) as Arc<dyn DataSource>))
    }

    fn output_partitioning(&self) -> Partitioning {
        Partitioning::UnknownPartitioning(self.partitions.len())
    }

    fn eq_properties(&self) -> EquivalenceProperties {
        EquivalenceProperties::new(Arc::clone(&self.schema))
    }

    fn scheduling_type(&self) -> SchedulingType {
        // `open` wraps its stream in DataFusion's cooperative stream.
        SchedulingType::Cooperative
    }

    fn partition_statistics(&self, partition: Option<usize>) -> Result<Arc<Statistics>> {
        let statistics = match partition {
            None => self.statistics_of(self.partitions.iter().flatten().copied()),
            Some(partition) => match self.partitions.get(partition) {
                Some(batches) => self.statistics_of(batches.iter().copied()),
                None => Statistics::new_unknown(&self.schema),
            },
        };
        // Skipped batches make the counts an upper bound.
        Ok(Arc::new(if self.predicates.is_empty() {
            statistics
        } else {
            statistics.to_inexact()
        }))
    }

    /// No fetch: DataFusion keeps its limit above the scan. A fetch inside the scan would
    /// take its first rows after skipping batches by a filter pushed from above the limit,
    /// which could change which rows a LIMIT without ORDER BY returns.
    fn with_fetch(&self, _limit: Option<usize>) -> Option<Arc<dyn DataSource>> {
        None
    }

    fn fetch(&self) -> Option<usize> {
        None
    }

    fn metrics(&self) -> ExecutionPlanMetricsSet {
        self.metrics.clone()
    }

    /// Absorbs a projection of plain columns (no renaming or computing); others stay above.
    fn try_swapping_with_projection(
        &self,
        projection: &ProjectionExprs,
    ) -> Result<Option<Arc<dyn DataSource>>> {
        let current = self.output_columns();
        let mut columns = Vec::new();
        for item in projection.iter() {
            let Some(column) = item.expr.downcast_ref::<Column>() else {
                return Ok(None);
            };
            match current.get(column.index()) {
                Some(&index) if column.name() == item.alias => columns.push(index),
                _ => return Ok(None),
            }
        }
        let mut source = self.clone();
        source.schema = project_schema(&self.data.schema, Some(&columns))?;
        source.projection = Some(columns);
        Ok(Some(Arc::new(source) as Arc<dyn DataSource>))
    }

    /// Keeps every filter (dynamic ones from hash joins, top-n and aggregates included) to
    /// skip batches with, and answers `No` for each: the parent still tests every row.
    fn try_pushdown_filters(
        &self,
        filters: Vec<Arc<dyn PhysicalExpr>>,
        _config: &ConfigOptions,
    ) -> Result<FilterPushdownPropagation<Arc<dyn DataSource>>> {
        let answers = vec![PushedDown::No; filters.len()];
        let mut source = self.clone();
        for filter in filters {
            // A filter that does not map onto the table's columns just prunes nothing.
            if let Ok(filter) = self.to_table_columns(filter)
                && !source.predicates.contains(&filter)
            {
                source.predicates.push(filter);
            }
        }
        let propagation = FilterPushdownPropagation::with_parent_pushdown_result(answers);
        if source.predicates.len() == self.predicates.len() {
            return Ok(propagation);
        }
        Ok(propagation.with_updated_node(Arc::new(source) as Arc<dyn DataSource>))
    }

    /// Shows the predicates to the plan. Needed, not cosmetic: a hash join computes its
    /// dynamic filter only when a node below it lists the filter here.
    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        for predicate in &self.predicates {
            if matches!(f(predicate)?, TreeNodeRecursion::Stop) {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }
}

/// One partition's batches, read lazily: whether a batch is skipped is decided when the
/// query asks for it, with the dynamic filters as they are then.
struct PartitionScan {
    data: Arc<TableData>,
    batches: std::vec::IntoIter<usize>,
    projection: Option<Vec<usize>>,
    pruner: Pruner,
    counts: BatchCounts,
}

impl Iterator for PartitionScan {
    type Item = Result<RecordBatch>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let index = self.batches.next()?;
            let may_match = self.pruner.may_match(index);
            self.counts.record(may_match);
            if !may_match {
                continue;
            }
            let batch = &self.data.batches[index];
            return Some(match &self.projection {
                Some(columns) => batch.project(columns).map_err(DataFusionError::from),
                None => Ok(batch.clone()),
            });
        }
    }
}

/// Decides which batches of the table may hold a row passing the predicates.
struct Pruner {
    data: Arc<TableData>,
    predicates: Vec<Arc<dyn PhysicalExpr>>,
    /// The generation of the predicates `mask` was computed for: dynamic filters count up
    /// when they change, static expressions count 0.
    generation: Option<u64>,
    /// Per batch of the table, whether a row may match; `None`: all may.
    mask: Option<Vec<bool>>,
}

impl Pruner {
    fn new(data: Arc<TableData>, predicates: Vec<Arc<dyn PhysicalExpr>>) -> Self {
        Self {
            data,
            predicates,
            generation: None,
            mask: None,
        }
    }

    fn may_match(&mut self, batch: usize) -> bool {
        if self.predicates.is_empty() {
            return true;
        }
        // Rebuilt only when a dynamic filter changed, not for every batch.
        let generation = self.predicates.iter().fold(0u64, |sum, predicate| {
            sum.wrapping_add(snapshot_generation(predicate))
        });
        if self.generation != Some(generation) {
            self.mask = self.compute_mask();
            self.generation = Some(generation);
        }
        self.mask
            .as_ref()
            .is_none_or(|mask| mask.get(batch).copied().unwrap_or(true))
    }

    /// Prunes every batch of the table at once against a snapshot of the predicates. A
    /// predicate that cannot prune (it failed to build, or is always true) skips nothing.
    fn compute_mask(&self) -> Option<Vec<bool>> {
        // The builder snapshots dynamic filters (their current expression) itself.
        let predicate = conjunction(self.predicates.iter().cloned());
        let pruning = PruningPredicateBuilder::new()
            .with_file_schema(Arc::clone(&self.data.schema))
            .build(predicate)?;
        pruning.prune(self.data.as_ref()).ok()
    }
}

/// Counts batches into the engine's counters and the plan's metrics.
struct BatchCounts {
    shared: Arc<ScanCounters>,
    scanned: Count,
    skipped: Count,
}

impl BatchCounts {
    fn new(source: &MemorySource, partition: usize) -> Self {
        Self {
            shared: Arc::clone(&source.counters),
            scanned: MetricBuilder::new(&source.metrics).counter("batches_scanned", partition),
            skipped: MetricBuilder::new(&source.metrics).counter("batches_skipped", partition),
        }
    }

    fn record(&self, scanned: bool) {
        let (shared, metric) = if scanned {
            (&self.shared.scanned, &self.scanned)
        } else {
            (&self.shared.skipped, &self.skipped)
        };
        shared.fetch_add(1, Ordering::Relaxed);
        metric.add(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{AsArray, DictionaryArray, Int64Array, StringArray};
    use datafusion::arrow::datatypes::{Field, Int32Type, Int64Type, Schema};
    use datafusion::arrow::util::display::array_value_to_string;
    use datafusion::datasource::MemTable;
    use datafusion::logical_expr::Operator;
    use datafusion::physical_expr::expressions::{BinaryExpr, DynamicFilterPhysicalExpr, lit};
    use datafusion::physical_expr::utils::collect_columns;
    use datafusion::physical_plan::common::collect;
    use datafusion::prelude::{SessionConfig, SessionContext};
    use futures::StreamExt;

    const BATCHES: i64 = 4;
    const ROWS: i64 = 1000;

    /// Columns `tag` (a dictionary: no min/max), `s` = "s{k}" and `k`, in 4 batches of
    /// 1000 rows with the disjoint sorted ranges of `k` 0..1000, 1000..2000, …, all in one
    /// partition. `k` is last so that a projection moves it.
    fn table(counters: &Arc<ScanCounters>) -> MemoryTable {
        let tag_type = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        let schema = Arc::new(Schema::new(vec![
            Field::new("tag", tag_type, false),
            Field::new("s", DataType::Utf8, false),
            Field::new("k", DataType::Int64, false),
        ]));
        let batches = (0..BATCHES)
            .map(|batch| {
                let keys: Vec<i64> = (batch * ROWS..(batch + 1) * ROWS).collect();
                let tags: DictionaryArray<Int32Type> = keys
                    .iter()
                    .map(|k| if k % 2 == 0 { "even" } else { "odd" })
                    .collect();
                let names = StringArray::from_iter_values(keys.iter().map(|k| format!("s{k}")));
                let columns: Vec<ArrayRef> = vec![
                    Arc::new(tags),
                    Arc::new(names),
                    Arc::new(Int64Array::from(keys)),
                ];
                RecordBatch::try_new(Arc::clone(&schema), columns).unwrap()
            })
            .collect();
        MemoryTable::try_new(schema, vec![batches], Arc::clone(counters)).unwrap()
    }

    /// A session with `t` registered; four partitions whatever the machine.
    fn context(counters: &Arc<ScanCounters>) -> SessionContext {
        let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(4));
        ctx.register_table("t", Arc::new(table(counters))).unwrap();
        ctx
    }

    async fn rows(ctx: &SessionContext, sql: &str) -> Vec<String> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        batches
            .iter()
            .flat_map(|batch| {
                (0..batch.num_rows())
                    .map(|row| array_value_to_string(batch.column(0), row).unwrap())
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    async fn single_i64(ctx: &SessionContext, sql: &str) -> i64 {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let batch = batches.iter().find(|batch| batch.num_rows() > 0).unwrap();
        batch.column(0).as_primitive::<Int64Type>().value(0)
    }

    #[tokio::test]
    async fn a_range_filter_skips_the_batches_outside_it() {
        let counters = Arc::default();
        let ctx = context(&counters);
        let count = single_i64(&ctx, "SELECT count(*) FROM t WHERE k BETWEEN 1500 AND 1600").await;
        assert_eq!(count, 101);
        assert!(counters.skipped() >= 3, "skipped {}", counters.skipped());
    }

    #[tokio::test]
    async fn a_join_skips_the_batches_its_build_side_rules_out() {
        let counters = Arc::default();
        let ctx = context(&counters);
        let schema = Arc::new(Schema::new(vec![Field::new("k", DataType::Int64, false)]));
        let keys: Vec<ArrayRef> = vec![Arc::new(Int64Array::from(vec![1500, 1600]))];
        let keys = RecordBatch::try_new(Arc::clone(&schema), keys).unwrap();
        let d = MemTable::try_new(schema, vec![vec![keys]]).unwrap();
        ctx.register_table("d", Arc::new(d)).unwrap();
        let sum = single_i64(&ctx, "SELECT sum(t.k) FROM t JOIN d ON t.k = d.k").await;
        assert_eq!(sum, 3100);
        // Only the hash join's dynamic filter (bounds 1500..=1600) can skip batches here.
        assert!(counters.skipped() >= 2, "skipped {}", counters.skipped());
    }

    #[tokio::test]
    async fn a_filter_on_a_column_without_statistics_skips_nothing() {
        let counters = Arc::default();
        let ctx = context(&counters);
        let count = single_i64(&ctx, "SELECT count(*) FROM t WHERE tag = 'odd'").await;
        assert_eq!(count, 2000);
        assert_eq!(counters.skipped(), 0);
        assert_eq!(counters.scanned(), BATCHES as u64);
    }

    #[tokio::test]
    async fn a_filter_on_a_column_left_out_of_the_output_still_skips() {
        let counters = Arc::default();
        let ctx = context(&counters);
        assert_eq!(
            rows(&ctx, "SELECT s FROM t WHERE k = 3500").await,
            ["s3500"]
        );
        assert!(counters.skipped() >= 3, "skipped {}", counters.skipped());
    }

    /// The scan of `s, k` (table columns 1 and 2): `k` is the output's column 1.
    fn scan_of_s_and_k(counters: &Arc<ScanCounters>) -> MemorySource {
        let table = table(counters);
        MemorySource::try_new(
            table.data,
            Some(vec![1, 2]),
            Vec::new(),
            Arc::clone(counters),
        )
        .unwrap()
    }

    fn push(source: &MemorySource, filter: Arc<dyn PhysicalExpr>) -> MemorySource {
        let pushed = source
            .try_pushdown_filters(vec![filter], &ConfigOptions::default())
            .unwrap();
        assert!(matches!(pushed.filters[..], [PushedDown::No]));
        let updated = pushed.updated_node.expect("the filter is kept");
        updated.downcast_ref::<MemorySource>().unwrap().clone()
    }

    fn k_at(index: usize) -> Arc<dyn PhysicalExpr> {
        Arc::new(Column::new("k", index))
    }

    #[tokio::test]
    async fn pushed_filters_are_mapped_to_the_table_columns() {
        let counters = Arc::default();
        let source = scan_of_s_and_k(&counters);
        let filter = Arc::new(BinaryExpr::new(k_at(1), Operator::Eq, lit(3500i64)));
        let source = push(&source, filter);
        let columns = collect_columns(&source.predicates[0]);
        assert!(columns.contains(&Column::new("k", 2)), "{columns:?}");

        let stream = source.open(0, SessionContext::new().task_ctx()).unwrap();
        let batches = collect(stream).await.unwrap();
        assert_eq!(batches.len(), 1);
        assert_eq!(batches[0].num_columns(), 2);
        assert_eq!(counters.skipped(), 3);
    }

    #[tokio::test]
    async fn a_dynamic_filter_is_read_as_each_batch_is_reached() {
        let counters: Arc<ScanCounters> = Arc::default();
        let source = scan_of_s_and_k(&counters);
        let dynamic = Arc::new(DynamicFilterPhysicalExpr::new(vec![k_at(1)], lit(true)));
        let source = push(&source, Arc::clone(&dynamic) as Arc<dyn PhysicalExpr>);

        let mut stream = source.open(0, SessionContext::new().task_ctx()).unwrap();
        let first = stream.next().await.unwrap().unwrap();
        assert_eq!(
            first.num_rows(),
            ROWS as usize,
            "nothing known yet: batch 0 is read"
        );
        // As a join does once its build side is read: in terms of the columns it pushed.
        let bound = Arc::new(BinaryExpr::new(k_at(1), Operator::GtEq, lit(3000i64)));
        dynamic.update(bound).unwrap();
        let rest = collect(stream).await.unwrap();
        assert_eq!(
            rest.len(),
            1,
            "batches 1 and 2 are skipped, batch 3 is read"
        );
        assert_eq!((counters.scanned(), counters.skipped()), (2, 2));
    }
}
