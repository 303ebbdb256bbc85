//! Binder: [`Query`] + [`SourceModel`] + [`SearchContext`] → [`SearchPlan`].
//!
//! The binder resolves columns, decides what every phrase means for this model and makes every
//! semantic choice of SEARCH-DECISIONS.md, so the engine only translates:
//!
//! * which terms are grouping keys and which are aggregates (rules 1, 2, 14), their output
//!   names (rule 9) and order (rule 8);
//! * which filters apply to rows and which to groups (rule 3), with literals converted to the
//!   operand's type, relative dates resolved to concrete ranges (rule 13) and same-operand
//!   filters combined (rule 5, see [`crate::filters`]);
//! * ranking (rule 11) and the complete, deterministic sort order (rule 10).

use chrono::NaiveDate;
use searchlight_errors::{Error, Result};

use crate::SearchContext;
use crate::ast::{
    ColumnRef, ColumnTerm, FilterCondition, Phrase, Query, Rank, SortDirection, Value, ValueKind,
};
use crate::dates::{self, DateValue, DayZone};
use crate::filters::FilterSet;
use crate::model::{
    Aggregation, Bucket, ColumnId, ColumnKind, DataType, ModelColumn, SourceModel, normalize_name,
};
use crate::parser::{DateWords, parse, parse_date_words};
use crate::plan::{
    CmpOp, Literal, Operand, OutputColumn, OutputExpr, Predicate, Ranking, SearchPlan, SortKey,
    Test, TextOp,
};

/// `top n` without a number.
const DEFAULT_RANK_LIMIT: usize = 10;

/// Binds a parsed search to a model.
pub fn bind(model: &SourceModel, query: &Query, ctx: &SearchContext) -> Result<SearchPlan> {
    let mut binder = Binder::new(model, ctx, FilterMode::Search);
    for phrase in &query.phrases {
        binder.phrase(phrase)?;
    }
    binder.finish()
}

/// Binds a model (worksheet) filter written in the search language, e.g. `[region] != 'canada'`
/// or `[order date] between '01/01/2020' and '12/31/2020'`. Every filter restricts rows: a
/// filter on a measure compares its raw values. Empty text gives no predicates; anything other
/// than filters is an error.
pub fn bind_row_filters(
    model: &SourceModel,
    filter_text: &str,
    ctx: &SearchContext,
) -> Result<Vec<Predicate>> {
    if filter_text.chars().all(|c| c.is_whitespace() || c == ',') {
        return Ok(Vec::new());
    }
    let query = parse(filter_text)?;
    let mut binder = Binder::new(model, ctx, FilterMode::RowsOnly);
    for phrase in &query.phrases {
        let is_filter = match phrase {
            Phrase::Filter(filter) => filter.subject.aggregation.is_none(),
            Phrase::Term(term) => term.aggregation.is_none() && binder.is_bound_value(term)?,
            _ => false,
        };
        if !is_filter {
            let span = phrase.span();
            return Err(Error::SearchNotAFilter {
                filter: filter_text.to_owned(),
                found: filter_text
                    .chars()
                    .skip(span.start)
                    .take(span.end.saturating_sub(span.start))
                    .collect(),
            });
        }
        binder.phrase(phrase)?;
    }
    Ok(binder.row_filters.into_predicates())
}

/// How alike a name must be to a column name or synonym to be suggested.
const SUGGESTION_THRESHOLD: f64 = 0.6;

/// The characters of an unknown name compared with column names for suggestions: a longer
/// name is compared by its first characters only, so one comparison costs at most this many
/// characters times a candidate's (which the length filter of [`similarity`] bounds too).
const SUGGESTION_CHARS: usize = 100;

/// The most column names and synonyms one unknown name is compared with: on a larger model
/// the suggestions come from the first ones.
const SUGGESTION_CANDIDATES: usize = 10_000;

/// The "Search did not find" error for an unknown column, with up to three close names. The
/// work is bounded whatever the name's length and the model's size (see the constants above).
pub(crate) fn unknown_column(model: &SourceModel, name: &str) -> Error {
    let wanted: String = normalize_name(name)
        .chars()
        .take(SUGGESTION_CHARS)
        .collect();
    let wanted_chars = wanted.chars().count();
    let mut budget = SUGGESTION_CANDIDATES;
    let mut scored: Vec<(f64, &str)> = Vec::new();
    'columns: for column in &model.columns {
        let mut best = 0.0f64;
        for candidate in std::iter::once(&column.name).chain(&column.synonyms) {
            if budget == 0 {
                break 'columns;
            }
            budget -= 1;
            best = best.max(similarity(
                &wanted,
                wanted_chars,
                &normalize_name(candidate),
            ));
        }
        if best >= SUGGESTION_THRESHOLD {
            scored.push((best, column.name.as_str()));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    let mut names: Vec<String> = Vec::new();
    for (_, name) in scored {
        if names.len() < 3 && !names.iter().any(|known| known == name) {
            names.push(name.to_owned());
        }
    }
    let suggestions = if names.is_empty() {
        String::new()
    } else {
        format!(" Did you mean: {}?", names.join(", "))
    };
    Error::SearchUnknownColumn {
        token: name.trim().to_owned(),
        suggestions,
    }
}

/// How alike two normalized names are, 0–1: edit distance, or containment (`date` in
/// `order date`). `typed_chars` is the length of `typed` in characters.
///
/// The edit distance is at least the difference in length, so the edit similarity is at most
/// shorter / longer: when that is below the threshold the distance is not computed (it could
/// not make the name a suggestion, and containment decides alone). This changes no result and
/// keeps every distance computed to names of comparable, bounded length.
fn similarity(typed: &str, typed_chars: usize, candidate: &str) -> f64 {
    if typed.is_empty() || candidate.is_empty() {
        return 0.0;
    }
    let contained = if candidate.contains(typed) || typed.contains(candidate) {
        0.75
    } else {
        0.0
    };
    let candidate_chars = candidate.chars().count();
    let shorter = typed_chars.min(candidate_chars);
    let longer = typed_chars.max(candidate_chars);
    if (shorter as f64) < SUGGESTION_THRESHOLD * longer as f64 {
        return contained;
    }
    let edit = strsim::normalized_damerau_levenshtein(typed, candidate);
    edit.max(contained)
}

/// Whether filters may restrict groups (a search) or only rows (a model filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FilterMode {
    Search,
    RowsOnly,
}

/// Where a column term stands; decides whether a measure is aggregated (rule 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A plain term.
    Select,
    /// After `by`: a measure is a grouping column.
    By,
    /// After `top n by`: a measure is aggregated (the exception of rule 2).
    RankBy,
    /// After `sort by`.
    SortBy,
    /// After `for each`: a grouping column.
    ForEach,
}

impl Role {
    fn groups_measures(self) -> bool {
        matches!(self, Self::By | Self::ForEach)
    }
}

/// What `[column].suffix` means.
enum SuffixMeaning {
    Bucket(Bucket),
    /// A value: `[column].suffix` is the filter `[column] = suffix`.
    Value,
}

/// What a filter tests, and where.
struct Target {
    operand: Operand,
    column: ColumnId,
    /// The operand's type (an integer for date parts, the aggregate's type for aggregates).
    data_type: DataType,
    /// The operand's name in messages (`Ship Mode`, `Day of week(Order Date)`, `Total Revenue`).
    display: String,
    /// Group filter (HAVING) rather than row filter.
    on_groups: bool,
}

/// A filter value converted for its target.
enum Resolved {
    Scalar(Literal),
    Null,
    Empty,
    Date(DateValue),
}

struct PendingRank {
    descending: bool,
    limit: usize,
    by: Option<OutputExpr>,
    keyword: String,
    position: usize,
}

struct Binder<'a> {
    model: &'a SourceModel,
    ctx: &'a SearchContext,
    mode: FilterMode,
    /// Output expressions in query order, without duplicates.
    outputs: Vec<OutputExpr>,
    row_filters: FilterSet,
    group_filters: FilterSet,
    rank: Option<PendingRank>,
    partitions: Vec<OutputExpr>,
    /// Aggregates tested by group filters, in query order: the outputs of a search that has
    /// nothing else to show (`[Revenue] > 1000 [Ship Mode] = 'air'`).
    filtered_aggregates: Vec<OutputExpr>,
    /// `sort by` keys with their explicit direction (`Some(true)`: descending).
    sorts: Vec<(OutputExpr, Option<bool>)>,
}

impl<'a> Binder<'a> {
    fn new(model: &'a SourceModel, ctx: &'a SearchContext, mode: FilterMode) -> Self {
        Self {
            model,
            ctx,
            mode,
            outputs: Vec::new(),
            row_filters: FilterSet::default(),
            group_filters: FilterSet::default(),
            rank: None,
            partitions: Vec::new(),
            filtered_aggregates: Vec::new(),
            sorts: Vec::new(),
        }
    }

    // ---- columns ---------------------------------------------------------------------

    fn resolve(&self, column: &ColumnRef) -> Result<(ColumnId, &'a ModelColumn)> {
        let model: &'a SourceModel = self.model;
        model
            .find(&column.name)
            .and_then(|id| model.column(id).map(|found| (id, found)))
            .ok_or_else(|| unknown_column(model, &column.name))
    }

    /// What the suffix of `[column].suffix` means for this column: on a date column, a bucket
    /// keyword is a bucket; anything else is a value to filter on.
    fn suffix_meaning(&self, column: &ModelColumn, suffix: &Value) -> Result<SuffixMeaning> {
        if column.data_type.is_temporal()
            && let Some((text, base)) = word_text(suffix)
            && let Some(DateWords::Bucket(bucket)) = parse_date_words(text, base)?
        {
            return Ok(SuffixMeaning::Bucket(bucket));
        }
        Ok(SuffixMeaning::Value)
    }

    /// Whether a term is a bound value (`[Ship Mode].air`), i.e. a filter.
    fn is_bound_value(&self, term: &ColumnTerm) -> Result<bool> {
        let Some(suffix) = &term.suffix else {
            return Ok(false);
        };
        let (_, column) = self.resolve(&term.column)?;
        Ok(matches!(
            self.suffix_meaning(column, suffix)?,
            SuffixMeaning::Value
        ))
    }

    /// The output a term stands for in `role`.
    fn output_for(&self, term: &ColumnTerm, role: Role) -> Result<OutputExpr> {
        let (id, column) = self.resolve(&term.column)?;
        let bucket = match &term.suffix {
            None => None,
            Some(suffix) => match self.suffix_meaning(column, suffix)? {
                SuffixMeaning::Bucket(bucket) => Some(bucket),
                SuffixMeaning::Value => {
                    return Err(Error::SearchInvalidColumnUse {
                        column: column.name.clone(),
                        reason: format!(
                            "\"{}\" is a value, not a date bucket, and a value cannot be used here",
                            suffix.text
                        ),
                    });
                }
            },
        };
        if let Some(aggregation) = term.aggregation {
            if bucket.is_some() {
                return Err(Error::SearchInvalidColumnUse {
                    column: column.name.clone(),
                    reason: format!(
                        "the aggregation \"{}\" cannot be combined with a date bucket",
                        aggregation.keyword()
                    ),
                });
            }
            check_aggregation(column, aggregation)?;
            return Ok(OutputExpr::Aggregate {
                column: id,
                aggregation,
            });
        }
        if let Some(bucket) = bucket {
            check_bucket(column, bucket)?;
            return Ok(OutputExpr::Group {
                column: id,
                bucket: Some(bucket),
            });
        }
        if column.kind == ColumnKind::Measure
            && column.aggregation != Aggregation::None
            && !role.groups_measures()
        {
            check_aggregation(column, column.aggregation)?;
            return Ok(OutputExpr::Aggregate {
                column: id,
                aggregation: column.aggregation,
            });
        }
        if column.data_type.is_temporal() {
            return Ok(OutputExpr::Group {
                column: id,
                bucket: Some(Bucket::default_for(column)),
            });
        }
        Ok(OutputExpr::Group {
            column: id,
            bucket: None,
        })
    }

    fn add_output(&mut self, expr: OutputExpr) {
        if !self.outputs.contains(&expr) {
            self.outputs.push(expr);
        }
    }

    // ---- phrases ---------------------------------------------------------------------

    fn phrase(&mut self, phrase: &Phrase) -> Result<()> {
        match phrase {
            Phrase::Term(term) => self.select(term, Role::Select),
            Phrase::By { term, .. } => self.select(term, Role::By),
            Phrase::Filter(filter) => self.filter(&filter.subject, &filter.condition),
            Phrase::Rank(rank) => self.rank(rank),
            Phrase::ForEach { term, .. } => {
                let expr = self.output_for(term, Role::ForEach)?;
                if !expr.is_group() {
                    let (_, column) = self.resolve(&term.column)?;
                    return Err(Error::SearchInvalidColumnUse {
                        column: column.name.clone(),
                        reason: "\"for each\" needs a column to group by, not an aggregate"
                            .to_owned(),
                    });
                }
                self.add_output(expr);
                if !self.partitions.contains(&expr) {
                    self.partitions.push(expr);
                }
                Ok(())
            }
            Phrase::SortBy {
                term, direction, ..
            } => {
                let expr = self.output_for(term, Role::SortBy)?;
                self.add_output(expr);
                let descending = direction.map(|direction| direction == SortDirection::Descending);
                self.sorts.push((expr, descending));
                Ok(())
            }
        }
    }

    /// `top n [by term]` / `bottom n [by term]` (rule 11). The ranking column is an output at
    /// the position of its `by`; without `by`, the first measure is chosen in [`Self::finish`].
    fn rank(&mut self, rank: &Rank) -> Result<()> {
        if self.rank.is_some() {
            return Err(Error::SearchDuplicateKeyword {
                token: rank.keyword.clone(),
                position: rank.span.start,
            });
        }
        let by = match &rank.by {
            Some(term) => {
                let expr = self.output_for(term, Role::RankBy)?;
                self.add_output(expr);
                Some(expr)
            }
            None => None,
        };
        let limit = rank.count.map_or(DEFAULT_RANK_LIMIT, |count| {
            usize::try_from(count).unwrap_or(usize::MAX)
        });
        self.rank = Some(PendingRank {
            descending: rank.top,
            limit,
            by,
            keyword: rank.keyword.clone(),
            position: rank.span.start,
        });
        Ok(())
    }

    /// A term: an output column, or a bound value filter (`[Ship Mode].air`).
    fn select(&mut self, term: &ColumnTerm, role: Role) -> Result<()> {
        if let Some(suffix) = &term.suffix {
            let (_, column) = self.resolve(&term.column)?;
            if let SuffixMeaning::Value = self.suffix_meaning(column, suffix)? {
                let subject = ColumnTerm {
                    suffix: None,
                    ..term.clone()
                };
                let condition = FilterCondition::Compare {
                    op: CmpOp::Eq,
                    values: vec![suffix.clone()],
                };
                return self.filter(&subject, &condition);
            }
        }
        let expr = self.output_for(term, role)?;
        self.add_output(expr);
        Ok(())
    }

    // ---- filters ---------------------------------------------------------------------

    fn filter(&mut self, subject: &ColumnTerm, condition: &FilterCondition) -> Result<()> {
        let target = self.target(subject)?;
        if let Operand::Aggregate {
            column,
            aggregation,
        } = target.operand
        {
            let expr = OutputExpr::Aggregate {
                column,
                aggregation,
            };
            if !self.filtered_aggregates.contains(&expr) {
                self.filtered_aggregates.push(expr);
            }
        }
        match condition {
            FilterCondition::Compare { op, values } => {
                for value in values {
                    self.compare(&target, *op, value)?;
                }
                Ok(())
            }
            FilterCondition::Between { low, high } => self.between(&target, low, high),
            FilterCondition::Text {
                op,
                negated,
                values,
            } => self.text(&target, *op, *negated, values),
        }
    }

    /// The operand a filter subject tests (rule 3: aggregated measures are tested per group).
    fn target(&self, subject: &ColumnTerm) -> Result<Target> {
        let (id, column) = self.resolve(&subject.column)?;
        let mut target = Target {
            operand: Operand::Column(id),
            column: id,
            data_type: column.data_type,
            display: column.name.clone(),
            on_groups: false,
        };
        if let Some(suffix) = &subject.suffix {
            match self.suffix_meaning(column, suffix)? {
                SuffixMeaning::Bucket(Bucket::Detailed) => {}
                SuffixMeaning::Bucket(part) if part.is_part() => {
                    check_bucket(column, part)?;
                    target.operand = Operand::DatePart { column: id, part };
                    target.data_type = DataType::Integer;
                    target.display = part.output_name(&column.name);
                }
                SuffixMeaning::Bucket(bucket) => {
                    return Err(Error::SearchInvalidColumnUse {
                        column: column.name.clone(),
                        reason: format!(
                            "a filter cannot compare the \"{}\" bucket; filter on the column itself, e.g. [{}] = 'this year'",
                            bucket.keyword(),
                            column.name
                        ),
                    });
                }
                SuffixMeaning::Value => {
                    return Err(Error::SearchInvalidColumnUse {
                        column: column.name.clone(),
                        reason: format!(
                            "the bound value \"{}\" is already a filter and cannot be followed by an operator",
                            suffix.text
                        ),
                    });
                }
            }
        }
        let aggregation = match subject.aggregation {
            Some(aggregation) => Some(aggregation),
            None if self.mode == FilterMode::Search
                && column.kind == ColumnKind::Measure
                && column.aggregation != Aggregation::None
                && subject.suffix.is_none() =>
            {
                Some(column.aggregation)
            }
            None => None,
        };
        if let Some(aggregation) = aggregation {
            if subject.suffix.is_some() {
                return Err(Error::SearchInvalidColumnUse {
                    column: column.name.clone(),
                    reason: format!(
                        "the aggregation \"{}\" cannot be combined with a date bucket",
                        aggregation.keyword()
                    ),
                });
            }
            target.data_type = check_aggregation(column, aggregation)?;
            target.operand = Operand::Aggregate {
                column: id,
                aggregation,
            };
            target.display = aggregation.output_name(&column.name);
            target.on_groups = true;
        }
        Ok(target)
    }

    fn filters_for(&mut self, target: &Target) -> &mut FilterSet {
        if target.on_groups {
            &mut self.group_filters
        } else {
            &mut self.row_filters
        }
    }

    /// `target <op> value`.
    fn compare(&mut self, target: &Target, op: CmpOp, value: &Value) -> Result<()> {
        let resolved = self.resolve_value(target, value)?;
        let operand = target.operand;
        match resolved {
            Resolved::Scalar(literal) => {
                self.compare_literal(target, operand, op, literal);
                Ok(())
            }
            Resolved::Null | Resolved::Empty => {
                let test_null = matches!(resolved, Resolved::Null)
                    || target.data_type != DataType::Text
                    || !matches!(operand, Operand::Column(_));
                let test = |negated| {
                    if test_null {
                        Test::IsNull { negated }
                    } else {
                        Test::IsEmpty { negated }
                    }
                };
                match op {
                    CmpOp::Eq => self
                        .filters_for(target)
                        .equal_alternative(operand, test(false)),
                    CmpOp::NotEq => self
                        .filters_for(target)
                        .not_equal_exclusion(operand, Predicate::condition(operand, test(true))),
                    _ => {
                        return Err(Error::SearchInvalidValue {
                            column: target.display.clone(),
                            value: value.text.clone(),
                            expected: format!(
                                "a value that can be compared with \"{}\" ({{null}} and {{empty}} work only with = and !=)",
                                op.symbol()
                            ),
                        });
                    }
                }
                Ok(())
            }
            Resolved::Date(date) => self.compare_date(target, op, date, value),
        }
    }

    /// `operand <op> literal`, combined per rule 5.
    fn compare_literal(&mut self, target: &Target, operand: Operand, op: CmpOp, literal: Literal) {
        let filters = self.filters_for(target);
        match op {
            CmpOp::Eq => filters.equal(operand, literal),
            CmpOp::NotEq => filters.not_equal(operand, literal),
            _ => filters.single(Predicate::condition(
                operand,
                Test::Compare { op, value: literal },
            )),
        }
    }

    /// A comparison with a date value. A day typed as a date is a point for `<`, `<=`, `>`,
    /// `>=` (midnight UTC on DATE_TIME columns, rule 6) and the whole day for `=` and `!=`;
    /// a period is its range for `=`/`!=`, and its bounds for the others (`< 'this year'` is
    /// before its start, `> 'this year'` after its end).
    fn compare_date(
        &mut self,
        target: &Target,
        op: CmpOp,
        date: DateValue,
        value: &Value,
    ) -> Result<()> {
        let operand = target.operand;
        let literal =
            |day: NaiveDate, zone: DayZone| dates::day_start(day, zone, target.data_type, self.ctx);
        let out_of_range = || self.invalid_date(target, value);
        let (start, end, is_day) = match date {
            DateValue::Part { part, value } => {
                if !matches!(operand, Operand::Column(_)) {
                    return Err(out_of_range());
                }
                let part_operand = Operand::DatePart {
                    column: target.column,
                    part,
                };
                self.compare_literal(target, part_operand, op, Literal::Integer(value));
                return Ok(());
            }
            DateValue::Instant(instant) => {
                self.compare_literal(target, operand, op, Literal::DateTime(instant));
                return Ok(());
            }
            DateValue::Day(day) => {
                let next = day.succ_opt().ok_or_else(out_of_range)?;
                (
                    literal(day, DayZone::Utc),
                    literal(next, DayZone::Utc),
                    true,
                )
            }
            DateValue::Period { start, end, zone } => {
                (literal(start, zone), literal(end, zone), false)
            }
        };
        let filters = self.filters_for(target);
        let single = |op, value| Predicate::condition(operand, Test::Compare { op, value });
        match op {
            CmpOp::Eq => filters.equal_alternative(
                operand,
                Test::DateRange {
                    start: Some(start),
                    end: Some(end),
                },
            ),
            CmpOp::NotEq => filters.not_equal_exclusion(
                operand,
                Predicate::Or(vec![single(CmpOp::Lt, start), single(CmpOp::GtEq, end)]),
            ),
            CmpOp::Lt => filters.single(single(CmpOp::Lt, start)),
            CmpOp::GtEq => filters.single(single(CmpOp::GtEq, start)),
            CmpOp::LtEq if is_day => filters.single(single(CmpOp::LtEq, start)),
            CmpOp::Gt if is_day => filters.single(single(CmpOp::Gt, start)),
            CmpOp::LtEq => filters.single(single(CmpOp::Lt, end)),
            CmpOp::Gt => filters.single(single(CmpOp::GtEq, end)),
        }
        Ok(())
    }

    /// `between low and high`, inclusive (rule 7). A period as the upper bound includes the
    /// whole period, which makes the test a half-open date range.
    fn between(&mut self, target: &Target, low: &Value, high: &Value) -> Result<()> {
        let low_resolved = self.resolve_value(target, low)?;
        let high_resolved = self.resolve_value(target, high)?;
        let constant_error = |value: &Value| Error::SearchInvalidValue {
            column: target.display.clone(),
            value: value.text.clone(),
            expected: "a value for \"between\" ({null} and {empty} work only with = and !=)"
                .to_owned(),
        };
        let operand = target.operand;
        let between = |low, high, high_inclusive| Test::Between {
            low,
            high,
            low_inclusive: true,
            high_inclusive,
        };
        let (operand, test) = match (low_resolved, high_resolved) {
            (Resolved::Null | Resolved::Empty, _) => return Err(constant_error(low)),
            (_, Resolved::Null | Resolved::Empty) => return Err(constant_error(high)),
            (Resolved::Scalar(low), Resolved::Scalar(high)) => (operand, between(low, high, true)),
            (
                Resolved::Date(DateValue::Part { part, value: low }),
                Resolved::Date(DateValue::Part {
                    part: high_part,
                    value: high,
                }),
            ) if part == high_part && matches!(operand, Operand::Column(_)) => (
                Operand::DatePart {
                    column: target.column,
                    part,
                },
                between(Literal::Integer(low), Literal::Integer(high), true),
            ),
            (Resolved::Date(low_date), Resolved::Date(high_date)) => {
                // A lower bound is always inclusive: a period starts at its first day.
                let (lower, _) = self
                    .date_bound(target, low_date, false)
                    .ok_or_else(|| self.invalid_date(target, low))?;
                let (upper, high_inclusive) = self
                    .date_bound(target, high_date, true)
                    .ok_or_else(|| self.invalid_date(target, high))?;
                let test = if high_inclusive {
                    between(lower, upper, true)
                } else {
                    Test::DateRange {
                        start: Some(lower),
                        end: Some(upper),
                    }
                };
                (operand, test)
            }
            _ => return Err(self.invalid_date(target, high)),
        };
        self.filters_for(target)
            .single(Predicate::condition(operand, test));
        Ok(())
    }

    /// The literal bounding a `between` and whether it is inclusive; `None` for date parts.
    fn date_bound(&self, target: &Target, date: DateValue, upper: bool) -> Option<(Literal, bool)> {
        let literal = |day, zone| dates::day_start(day, zone, target.data_type, self.ctx);
        match date {
            DateValue::Day(day) => Some((literal(day, DayZone::Utc), true)),
            DateValue::Instant(instant) => Some((Literal::DateTime(instant), true)),
            DateValue::Period { end, zone, .. } if upper => Some((literal(end, zone), false)),
            DateValue::Period { start, zone, .. } => Some((literal(start, zone), true)),
            DateValue::Part { .. } => None,
        }
    }

    /// `contains` / `begins with` / `ends with`, optionally negated.
    fn text(&mut self, target: &Target, op: TextOp, negated: bool, values: &[Value]) -> Result<()> {
        if target.data_type != DataType::Text || !matches!(target.operand, Operand::Column(_)) {
            return Err(Error::SearchInvalidColumnUse {
                column: target.display.clone(),
                reason: format!("\"{}\" works only on text columns", op.keyword()),
            });
        }
        let mut patterns = Vec::new();
        for value in values {
            match self.resolve_value(target, value)? {
                Resolved::Scalar(Literal::Text(pattern)) => patterns.push(pattern),
                _ => {
                    return Err(Error::SearchInvalidValue {
                        column: target.display.clone(),
                        value: value.text.clone(),
                        expected: format!("text to match with \"{}\"", op.keyword()),
                    });
                }
            }
        }
        self.filters_for(target)
            .text(target.operand, op, negated, patterns);
        Ok(())
    }

    // ---- values ----------------------------------------------------------------------

    /// Converts a value to the target's type.
    fn resolve_value(&self, target: &Target, value: &Value) -> Result<Resolved> {
        match &value.kind {
            ValueKind::Null => return Ok(Resolved::Null),
            ValueKind::Empty => return Ok(Resolved::Empty),
            ValueKind::Bound {
                column,
                value: bound,
            } => {
                let (id, _) = self.resolve(column)?;
                if id != target.column {
                    return Err(Error::SearchInvalidColumnUse {
                        column: target.display.clone(),
                        reason: format!(
                            "it cannot be compared with a value bound to another column ([{}])",
                            column.name
                        ),
                    });
                }
                return self.resolve_value(target, bound);
            }
            _ => {}
        }
        if let Operand::DatePart { part, .. } = target.operand {
            return self.resolve_part(target, part, value);
        }
        if target.data_type.is_temporal() {
            return self.resolve_date(target, value);
        }
        self.resolve_scalar(target, value)
    }

    fn resolve_scalar(&self, target: &Target, value: &Value) -> Result<Resolved> {
        let invalid = |expected: &str| Error::SearchInvalidValue {
            column: target.display.clone(),
            value: value_text(value).to_owned(),
            expected: expected.to_owned(),
        };
        let literal = match (target.data_type, &value.kind) {
            (
                DataType::Text,
                ValueKind::Text(text) | ValueKind::Word(text) | ValueKind::Number(text),
            ) => Literal::Text(text.clone()),
            (DataType::Text, ValueKind::Boolean(_)) => Literal::Text(value.text.clone()),
            (DataType::Text, _) => return Err(invalid("quoted text, e.g. 'air'")),
            (
                number_type @ (DataType::Integer | DataType::Float),
                ValueKind::Text(text) | ValueKind::Word(text) | ValueKind::Number(text),
            ) => parse_number(text, number_type).ok_or_else(|| invalid("a number"))?,
            (DataType::Integer | DataType::Float, _) => return Err(invalid("a number")),
            (DataType::Boolean, ValueKind::Boolean(flag)) => Literal::Boolean(*flag),
            (DataType::Boolean, ValueKind::Text(text) | ValueKind::Word(text)) => {
                match text.trim().to_lowercase().as_str() {
                    "true" => Literal::Boolean(true),
                    "false" => Literal::Boolean(false),
                    _ => return Err(invalid("true or false")),
                }
            }
            (DataType::Boolean, _) => return Err(invalid("true or false")),
            // Temporal targets are resolved by `resolve_date`.
            (DataType::Date | DataType::DateTime, _) => return self.resolve_date(target, value),
        };
        Ok(Resolved::Scalar(literal))
    }

    /// A value for a date part: an integer in the part's range, or a month or weekday name.
    fn resolve_part(&self, target: &Target, part: Bucket, value: &Value) -> Result<Resolved> {
        let named = |phrase: Option<DateWords>| match (part, phrase) {
            (
                Bucket::MonthOfYear,
                Some(DateWords::Phrase(crate::ast::DatePhrase::Month(month))),
            ) => Some(i64::from(month)),
            (Bucket::DayOfWeek, Some(DateWords::Phrase(crate::ast::DatePhrase::Weekday(day)))) => {
                Some(i64::from(day))
            }
            _ => None,
        };
        let number = match &value.kind {
            ValueKind::Number(text) | ValueKind::Text(text) | ValueKind::Word(text) => {
                match text.trim().parse::<i64>() {
                    Ok(number) => Some(number),
                    Err(_) => {
                        let (text, base) = word_text(value).unwrap_or((text, value.span.start));
                        named(parse_date_words(text, base).ok().flatten())
                    }
                }
            }
            ValueKind::Date(phrase) => named(Some(DateWords::Phrase(*phrase))),
            _ => None,
        };
        let (low, high) = part.part_range().unwrap_or((i64::MIN, i64::MAX));
        match number {
            Some(number) if (low..=high).contains(&number) => {
                Ok(Resolved::Scalar(Literal::Integer(number)))
            }
            _ => Err(Error::SearchInvalidValue {
                column: target.display.clone(),
                value: value_text(value).to_owned(),
                expected: match part {
                    Bucket::DayOfWeek => {
                        "a day of the week from 1 (Monday) to 7 (Sunday)".to_owned()
                    }
                    Bucket::MonthOfYear => "a month from 1 (January) to 12 (December)".to_owned(),
                    _ => format!("a whole number from {low} to {high}"),
                },
            }),
        }
    }

    /// A value for a date or date-time operand.
    fn resolve_date(&self, target: &Target, value: &Value) -> Result<Resolved> {
        let date = match &value.kind {
            ValueKind::Date(phrase) => dates::resolve(*phrase, self.ctx),
            ValueKind::Text(text) | ValueKind::Word(text) => {
                let (text, base) = word_text(value).unwrap_or((text, value.span.start));
                match parse_date_words(text, base)? {
                    Some(DateWords::Phrase(phrase)) => dates::resolve(phrase, self.ctx),
                    Some(DateWords::Bucket(_)) => None,
                    None => dates::parse_absolute(text),
                }
            }
            ValueKind::Number(text) => dates::parse_absolute(text),
            _ => None,
        };
        match date {
            Some(DateValue::Instant(_)) if target.data_type == DataType::Date => {
                Err(Error::SearchInvalidValue {
                    column: target.display.clone(),
                    value: value_text(value).to_owned(),
                    expected: "a date without a time of day, e.g. '01/15/2024'".to_owned(),
                })
            }
            Some(date) => Ok(Resolved::Date(date)),
            None => Err(self.invalid_date(target, value)),
        }
    }

    fn invalid_date(&self, target: &Target, value: &Value) -> Error {
        let time = if target.data_type == DataType::DateTime {
            ", a date and time such as '01/15/2024 13:30'"
        } else {
            ""
        };
        Error::SearchInvalidValue {
            column: target.display.clone(),
            value: value_text(value).to_owned(),
            expected: format!(
                "a date such as '01/15/2024'{time}, a year such as '2024' or a date keyword such as 'last 7 days'"
            ),
        }
    }

    // ---- the plan --------------------------------------------------------------------

    fn finish(mut self) -> Result<SearchPlan> {
        // Rule 4 keeps filter-only columns out of the outputs. A search made only of filters
        // shows the measures it filters (the documented `[revenue] > 1000 [ship mode] = 'air'`
        // is the total revenue of air shipments when above 1000); with no measure filter it
        // has nothing to show.
        if self.outputs.is_empty() {
            self.outputs = std::mem::take(&mut self.filtered_aggregates);
        }
        if self.outputs.is_empty() {
            return Err(Error::SearchNoOutputColumns);
        }
        // Rule 8: grouping columns first, then measures, each in query order.
        let ordered: Vec<OutputExpr> = self
            .outputs
            .iter()
            .filter(|expr| expr.is_group())
            .chain(self.outputs.iter().filter(|expr| !expr.is_group()))
            .copied()
            .collect();
        let index_of = |expr: &OutputExpr| {
            ordered
                .iter()
                .position(|candidate| candidate == expr)
                .ok_or_else(|| {
                    Error::internal(format!("search output {expr:?} missing from the plan"))
                })
        };
        let group_indices: Vec<usize> = (0..ordered.len())
            .filter(|&index| ordered[index].is_group())
            .collect();

        let ranking = match &self.rank {
            None => None,
            Some(rank) => {
                let by_expr = rank
                    .by
                    .or_else(|| ordered.iter().copied().find(|expr| !expr.is_group()))
                    .ok_or_else(|| Error::SearchRankingWithoutMeasure {
                        keyword: rank.keyword.clone(),
                        position: rank.position,
                    })?;
                let by = index_of(&by_expr)?;
                let partition_by = self
                    .partitions
                    .iter()
                    .map(index_of)
                    .collect::<Result<Vec<usize>>>()?;
                let tie_breakers = group_indices
                    .iter()
                    .copied()
                    .filter(|index| *index != by && !partition_by.contains(index))
                    .collect();
                Some(Ranking {
                    limit: rank.limit,
                    descending: rank.descending,
                    by,
                    partition_by,
                    tie_breakers,
                })
            }
        };

        // Rule 10: explicit keys, else the ranking order, then the grouping columns ascending.
        let mut sort: Vec<SortKey> = Vec::new();
        let push_key = |sort: &mut Vec<SortKey>, output: usize, descending: bool| {
            if !sort.iter().any(|key| key.output == output) {
                sort.push(SortKey { output, descending });
            }
        };
        if !self.sorts.is_empty() {
            for (expr, descending) in &self.sorts {
                let output = index_of(expr)?;
                push_key(&mut sort, output, descending.unwrap_or(!expr.is_group()));
            }
        } else if let Some(ranking) = &ranking {
            for &output in &ranking.partition_by {
                push_key(&mut sort, output, false);
            }
            push_key(&mut sort, ranking.by, ranking.descending);
        }
        for &output in &group_indices {
            push_key(&mut sort, output, false);
        }

        let outputs = ordered
            .iter()
            .map(|expr| self.output_column(*expr))
            .collect::<Result<Vec<_>>>()?;
        Ok(SearchPlan {
            outputs,
            row_filters: self.row_filters.into_predicates(),
            group_filters: self.group_filters.into_predicates(),
            ranking,
            sort,
        })
    }

    /// Name and type of an output (rules 9 and 14).
    fn output_column(&self, expr: OutputExpr) -> Result<OutputColumn> {
        let column = self.model.column(expr.column()).ok_or_else(|| {
            Error::internal(format!("search output {expr:?} names no model column"))
        })?;
        let (name, data_type) = match expr {
            OutputExpr::Group { bucket: None, .. } => (column.name.clone(), Some(column.data_type)),
            OutputExpr::Group {
                bucket: Some(bucket),
                ..
            } => (
                bucket.output_name(&column.name),
                bucket.result_type(column.data_type),
            ),
            OutputExpr::Aggregate { aggregation, .. } => (
                aggregation.output_name(&column.name),
                aggregation.result_type(column.data_type),
            ),
        };
        Ok(OutputColumn {
            name,
            expr,
            // Checked when the output was created.
            data_type: data_type.unwrap_or(column.data_type),
        })
    }
}

/// The aggregate's type, or the error for an aggregation that does not fit the column.
fn check_aggregation(column: &ModelColumn, aggregation: Aggregation) -> Result<DataType> {
    aggregation
        .result_type(column.data_type)
        .ok_or_else(|| Error::SearchInvalidAggregation {
            aggregation: aggregation.keyword().to_owned(),
            column: column.name.clone(),
            data_type: column.data_type.tml_name().to_owned(),
        })
}

/// The error for a bucket that does not fit the column.
fn check_bucket(column: &ModelColumn, bucket: Bucket) -> Result<()> {
    match bucket.result_type(column.data_type) {
        Some(_) => Ok(()),
        None => Err(Error::SearchInvalidColumnUse {
            column: column.name.clone(),
            reason: format!(
                "the date bucket \"{}\" needs a {} column, and this is a {} column",
                bucket.keyword(),
                if matches!(bucket, Bucket::Hourly | Bucket::HourOfDay) {
                    "DATE_TIME"
                } else {
                    "DATE or DATE_TIME"
                },
                column.data_type.tml_name()
            ),
        }),
    }
}

/// The text of a quoted or bare-word value and the query position where that text starts.
fn word_text(value: &Value) -> Option<(&str, usize)> {
    match &value.kind {
        // Skip the opening quote.
        ValueKind::Text(text) => Some((text, value.span.start + 1)),
        ValueKind::Word(text) => Some((text, value.span.start)),
        _ => None,
    }
}

/// A value as the user typed it, without quotes, for messages.
fn value_text(value: &Value) -> &str {
    match &value.kind {
        ValueKind::Text(text) | ValueKind::Word(text) => text,
        _ => &value.text,
    }
}

/// A number for an integer or float operand: an integer literal when it is whole and the
/// operand is an integer, else a float (`[Quantity] > 2.5` keeps its fraction).
fn parse_number(text: &str, data_type: DataType) -> Option<Literal> {
    let text = text.trim();
    if data_type == DataType::Integer
        && let Ok(integer) = text.parse::<i64>()
    {
        return Some(Literal::Integer(integer));
    }
    let float = text.parse::<f64>().ok().filter(|float| float.is_finite())?;
    Some(Literal::Float(float))
}
