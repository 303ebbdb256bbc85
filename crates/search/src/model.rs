//! The model a search is bound against: the columns of a worksheet, model or table.
//!
//! The catalog builds a [`SourceModel`] from TML (column names, synonyms, data types, column
//! kinds, default aggregations and default date buckets); the binder resolves `[name]` tokens
//! against it. Nothing here knows where the data lives.

/// Index of a column in [`SourceModel::columns`].
pub type ColumnId = usize;

/// The data type of a column (or of a result column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DataType {
    Text,
    Integer,
    Float,
    Boolean,
    /// A calendar date without time.
    Date,
    /// A point in time (UTC).
    DateTime,
}

impl DataType {
    /// Integer or float.
    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Integer | Self::Float)
    }

    /// Date or date-time: the types date buckets and date keywords apply to.
    pub fn is_temporal(self) -> bool {
        matches!(self, Self::Date | Self::DateTime)
    }

    /// The type for a TML `data_type` (`VARCHAR`, `INT64`, `DOUBLE`, `BOOL`, `DATE`,
    /// `DATE_TIME`, …), case-insensitively. `None` for types the search language cannot use
    /// (e.g. `TIME`).
    pub fn from_tml(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "VARCHAR" | "CHAR" | "STRING" | "TEXT" => Self::Text,
            "INT64" | "INT32" | "INT" | "BIGINT" | "INTEGER" => Self::Integer,
            "DOUBLE" | "FLOAT" | "DECIMAL" => Self::Float,
            "BOOL" | "BOOLEAN" => Self::Boolean,
            "DATE" => Self::Date,
            "DATE_TIME" | "DATETIME" | "TIMESTAMP" => Self::DateTime,
            _ => return None,
        })
    }

    /// The TML spelling, used in error messages.
    pub fn tml_name(self) -> &'static str {
        match self {
            Self::Text => "VARCHAR",
            Self::Integer => "INT64",
            Self::Float => "DOUBLE",
            Self::Boolean => "BOOL",
            Self::Date => "DATE",
            Self::DateTime => "DATE_TIME",
        }
    }
}

/// TML `column_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnKind {
    Attribute,
    Measure,
}

/// An aggregation: a model default (TML `aggregation`) or a search keyword (`sum`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Aggregation {
    Sum,
    Average,
    /// Non-null values (`count`).
    Count,
    /// Distinct non-null values (`unique count`).
    CountDistinct,
    /// Rows (`total count`).
    TotalCount,
    Min,
    Max,
    /// Sample standard deviation.
    StdDev,
    /// Sample variance.
    Variance,
    /// No aggregation: a measure with `NONE` is a grouping column (rule 2).
    None,
}

impl Aggregation {
    /// The aggregation for a TML `aggregation` value (`SUM`, `COUNT_DISTINCT`, `STD_DEVIATION`,
    /// …), case-insensitively.
    pub fn from_tml(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "SUM" => Self::Sum,
            "AVERAGE" | "AVG" => Self::Average,
            "COUNT" => Self::Count,
            "COUNT_DISTINCT" | "UNIQUE_COUNT" => Self::CountDistinct,
            "TOTAL_COUNT" => Self::TotalCount,
            "MIN" => Self::Min,
            "MAX" => Self::Max,
            "STD_DEVIATION" | "STDDEV" | "STANDARD_DEVIATION" => Self::StdDev,
            "VARIANCE" => Self::Variance,
            "NONE" => Self::None,
            _ => return None,
        })
    }

    /// The search keyword, for messages.
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Sum => "sum",
            Self::Average => "average",
            Self::Count => "count",
            Self::CountDistinct => "unique count",
            Self::TotalCount => "total count",
            Self::Min => "min",
            Self::Max => "max",
            Self::StdDev => "standard deviation",
            Self::Variance => "variance",
            Self::None => "no aggregation",
        }
    }

    /// The result column's name (rule 9): `Total Revenue`, `Number of Customer`, ….
    pub fn output_name(self, column: &str) -> String {
        match self {
            Self::Sum => format!("Total {column}"),
            Self::Average => format!("Average {column}"),
            Self::Count => format!("Number of {column}"),
            Self::CountDistinct => format!("Unique Number of {column}"),
            Self::TotalCount => format!("Total Count of {column}"),
            Self::Min => format!("Min {column}"),
            Self::Max => format!("Max {column}"),
            Self::StdDev => format!("Standard Deviation {column}"),
            Self::Variance => format!("Variance {column}"),
            Self::None => column.to_owned(),
        }
    }

    /// The type of the aggregated value of a column of type `input`, or `None` when the
    /// aggregation does not apply to that type (the sum of a text column).
    pub fn result_type(self, input: DataType) -> Option<DataType> {
        match self {
            Self::Sum if input.is_numeric() => Some(input),
            Self::Average | Self::StdDev | Self::Variance if input.is_numeric() => {
                Some(DataType::Float)
            }
            Self::Count | Self::CountDistinct | Self::TotalCount => Some(DataType::Integer),
            Self::Min | Self::Max | Self::None => Some(input),
            _ => None,
        }
    }
}

/// A date bucket: a truncation (`monthly`) or a date part (`day of week`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Bucket {
    /// No truncation: the raw value.
    Detailed,
    Hourly,
    Daily,
    /// Weeks start on Monday.
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
    /// 0–23.
    HourOfDay,
    /// ISO: Monday = 1 … Sunday = 7.
    DayOfWeek,
    /// 1–31.
    DayOfMonth,
    /// 1–366.
    DayOfYear,
    /// ISO week number, 1–53.
    WeekOfYear,
    /// 1–12.
    MonthOfYear,
    /// 1–4.
    QuarterOfYear,
}

impl Bucket {
    /// Every bucket, for keyword tables and tests.
    pub const ALL: [Bucket; 14] = [
        Self::Detailed,
        Self::Hourly,
        Self::Daily,
        Self::Weekly,
        Self::Monthly,
        Self::Quarterly,
        Self::Yearly,
        Self::HourOfDay,
        Self::DayOfWeek,
        Self::DayOfMonth,
        Self::DayOfYear,
        Self::WeekOfYear,
        Self::MonthOfYear,
        Self::QuarterOfYear,
    ];

    /// The search keyword (`monthly`, `day of week`).
    pub fn keyword(self) -> &'static str {
        match self {
            Self::Detailed => "detailed",
            Self::Hourly => "hourly",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
            Self::Quarterly => "quarterly",
            Self::Yearly => "yearly",
            Self::HourOfDay => "hour of day",
            Self::DayOfWeek => "day of week",
            Self::DayOfMonth => "day of month",
            Self::DayOfYear => "day of year",
            Self::WeekOfYear => "week of year",
            Self::MonthOfYear => "month of year",
            Self::QuarterOfYear => "quarter of year",
        }
    }

    /// The bucket for a TML `default_date_bucket` value, case-insensitively. `NO_BUCKET` is
    /// [`Bucket::Detailed`]; `AUTO` and buckets the search language does not have yet
    /// (`WEEK_OF_MONTH`, …) give `None`, i.e. the type's default (rule 14).
    pub fn from_tml(name: &str) -> Option<Self> {
        Some(match name.trim().to_ascii_uppercase().as_str() {
            "NO_BUCKET" | "DETAILED" => Self::Detailed,
            "HOURLY" => Self::Hourly,
            "DAILY" => Self::Daily,
            "WEEKLY" => Self::Weekly,
            "MONTHLY" => Self::Monthly,
            "QUARTERLY" => Self::Quarterly,
            "YEARLY" => Self::Yearly,
            "HOUR_OF_DAY" => Self::HourOfDay,
            "DAY_OF_WEEK" => Self::DayOfWeek,
            "DAY_OF_MONTH" => Self::DayOfMonth,
            "DAY_OF_YEAR" => Self::DayOfYear,
            "WEEK_OF_YEAR" => Self::WeekOfYear,
            "MONTH_OF_YEAR" => Self::MonthOfYear,
            "QUARTER_OF_YEAR" => Self::QuarterOfYear,
            _ => return None,
        })
    }

    /// Whether this is a date part (an integer such as the day of the week) rather than a
    /// truncation.
    pub fn is_part(self) -> bool {
        self.part_range().is_some()
    }

    /// The legal values of a date part, inclusive; `None` for truncations.
    pub fn part_range(self) -> Option<(i64, i64)> {
        match self {
            Self::HourOfDay => Some((0, 23)),
            Self::DayOfWeek => Some((1, 7)),
            Self::DayOfMonth => Some((1, 31)),
            Self::DayOfYear => Some((1, 366)),
            Self::WeekOfYear => Some((1, 53)),
            Self::MonthOfYear => Some((1, 12)),
            Self::QuarterOfYear => Some((1, 4)),
            _ => None,
        }
    }

    /// The result column's name (rules 9 and 14): `Month(Order Date)`, `Day of week(Order
    /// Date)`; `detailed` keeps the plain name.
    pub fn output_name(self, column: &str) -> String {
        let prefix = match self {
            Self::Detailed => return column.to_owned(),
            Self::Hourly => "Hour",
            Self::Daily => "Day",
            Self::Weekly => "Week",
            Self::Monthly => "Month",
            Self::Quarterly => "Quarter",
            Self::Yearly => "Year",
            Self::HourOfDay => "Hour of day",
            Self::DayOfWeek => "Day of week",
            Self::DayOfMonth => "Day of month",
            Self::DayOfYear => "Day of year",
            Self::WeekOfYear => "Week of year",
            Self::MonthOfYear => "Month of year",
            Self::QuarterOfYear => "Quarter of year",
        };
        format!("{prefix}({column})")
    }

    /// The type of the bucketed value of a column of type `input`, or `None` when the bucket
    /// does not apply (any bucket on a non-date column; hours of a DATE column).
    pub fn result_type(self, input: DataType) -> Option<DataType> {
        match (self, input) {
            (_, DataType::Text | DataType::Integer | DataType::Float | DataType::Boolean) => None,
            (Self::Hourly | Self::HourOfDay, DataType::Date) => None,
            (part, _) if part.is_part() => Some(DataType::Integer),
            (_, temporal) => Some(temporal),
        }
    }

    /// The bucket a date column gets when the search names none (rule 14): the model's
    /// `default_date_bucket` when it fits the column's type, else `daily` for DATE and
    /// `detailed` for DATE_TIME.
    pub fn default_for(column: &ModelColumn) -> Self {
        column
            .default_bucket
            .filter(|bucket| bucket.result_type(column.data_type).is_some())
            .unwrap_or(match column.data_type {
                DataType::DateTime => Self::Detailed,
                _ => Self::Daily,
            })
    }
}

/// One column of a [`SourceModel`].
#[derive(Debug, Clone, PartialEq)]
pub struct ModelColumn {
    /// Display name as spelled in the model; output names use this spelling.
    pub name: String,
    /// TML synonyms, matched case-insensitively like the name.
    pub synonyms: Vec<String>,
    pub data_type: DataType,
    pub kind: ColumnKind,
    /// The model's default aggregation (measures usually [`Aggregation::Sum`], attributes
    /// [`Aggregation::None`]).
    pub aggregation: Aggregation,
    /// TML `default_date_bucket`.
    pub default_bucket: Option<Bucket>,
}

impl ModelColumn {
    /// An attribute without synonyms or default bucket.
    pub fn attribute(name: impl Into<String>, data_type: DataType) -> Self {
        Self {
            name: name.into(),
            synonyms: Vec::new(),
            data_type,
            kind: ColumnKind::Attribute,
            aggregation: Aggregation::None,
            default_bucket: None,
        }
    }

    /// A measure with the given default aggregation.
    pub fn measure(name: impl Into<String>, data_type: DataType, aggregation: Aggregation) -> Self {
        Self {
            kind: ColumnKind::Measure,
            aggregation,
            ..Self::attribute(name, data_type)
        }
    }

    /// Adds synonyms.
    pub fn with_synonyms<S: Into<String>>(mut self, synonyms: impl IntoIterator<Item = S>) -> Self {
        self.synonyms.extend(synonyms.into_iter().map(Into::into));
        self
    }

    /// Sets the default date bucket.
    pub fn with_default_bucket(mut self, bucket: Bucket) -> Self {
        self.default_bucket = Some(bucket);
        self
    }
}

/// The columns a search can use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceModel {
    pub columns: Vec<ModelColumn>,
}

impl SourceModel {
    pub fn new(columns: Vec<ModelColumn>) -> Self {
        Self { columns }
    }

    /// The column with this id.
    pub fn column(&self, id: ColumnId) -> Option<&ModelColumn> {
        self.columns.get(id)
    }

    /// The column whose display name, or else whose synonym, equals `name` case-insensitively
    /// (surrounding spaces and repeated inner spaces ignored). Display names win over synonyms,
    /// and the first column wins among equals.
    pub fn find(&self, name: &str) -> Option<ColumnId> {
        let wanted = normalize_name(name);
        self.columns
            .iter()
            .position(|c| normalize_name(&c.name) == wanted)
            .or_else(|| {
                self.columns
                    .iter()
                    .position(|c| c.synonyms.iter().any(|s| normalize_name(s) == wanted))
            })
    }
}

/// The form in which names are compared: lower case, single spaces, trimmed.
pub(crate) fn normalize_name(name: &str) -> String {
    name.split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_columns_by_name_then_synonym_case_insensitively() {
        let model = SourceModel::new(vec![
            ModelColumn::measure("Revenue", DataType::Float, Aggregation::Sum)
                .with_synonyms(["Sales"]),
            ModelColumn::attribute("Sales", DataType::Text),
        ]);
        assert_eq!(model.find("  REVENUE "), Some(0));
        assert_eq!(
            model.find("sales"),
            Some(1),
            "a display name beats a synonym"
        );
        assert_eq!(model.find("ship   mode"), None);
    }

    #[test]
    fn tml_names_map_to_types() {
        assert_eq!(DataType::from_tml("int64"), Some(DataType::Integer));
        assert_eq!(DataType::from_tml("DATE_TIME"), Some(DataType::DateTime));
        assert_eq!(DataType::from_tml("TIME"), None);
        assert_eq!(
            Aggregation::from_tml("count_distinct"),
            Some(Aggregation::CountDistinct)
        );
        assert_eq!(
            Aggregation::from_tml("STD_DEVIATION"),
            Some(Aggregation::StdDev)
        );
        assert_eq!(Bucket::from_tml("NO_BUCKET"), Some(Bucket::Detailed));
        assert_eq!(Bucket::from_tml("AUTO"), None);
    }

    #[test]
    fn result_types() {
        assert_eq!(
            Aggregation::Sum.result_type(DataType::Integer),
            Some(DataType::Integer)
        );
        assert_eq!(Aggregation::Sum.result_type(DataType::Text), None);
        assert_eq!(
            Aggregation::Average.result_type(DataType::Integer),
            Some(DataType::Float)
        );
        assert_eq!(
            Aggregation::Count.result_type(DataType::Text),
            Some(DataType::Integer)
        );
        assert_eq!(
            Aggregation::Max.result_type(DataType::Date),
            Some(DataType::Date)
        );
        assert_eq!(
            Bucket::Monthly.result_type(DataType::Date),
            Some(DataType::Date)
        );
        assert_eq!(
            Bucket::DayOfWeek.result_type(DataType::DateTime),
            Some(DataType::Integer)
        );
        assert_eq!(Bucket::Hourly.result_type(DataType::Date), None);
        assert_eq!(Bucket::Daily.result_type(DataType::Text), None);
    }

    #[test]
    fn default_buckets() {
        let date = ModelColumn::attribute("d", DataType::Date);
        assert_eq!(Bucket::default_for(&date), Bucket::Daily);
        assert_eq!(
            Bucket::default_for(&ModelColumn::attribute("t", DataType::DateTime)),
            Bucket::Detailed
        );
        assert_eq!(
            Bucket::default_for(&date.clone().with_default_bucket(Bucket::Quarterly)),
            Bucket::Quarterly
        );
        // A default that does not fit the type (hours of a DATE) falls back to the type's.
        assert_eq!(
            Bucket::default_for(&date.with_default_bucket(Bucket::Hourly)),
            Bucket::Daily
        );
    }
}
