//! How a plan is spelled in PostgreSQL's SQL so that it means what it means in DataFusion.
//!
//! DataFusion's unparser writes PostgreSQL syntax ([`PostgreSqlDialect`]); what it cannot
//! know is where the two engines disagree on meaning, or which of the engine's own functions
//! PostgreSQL lacks. [`SearchlightPostgres`] fills those gaps, function by function:
//!
//! | in the plan                         | sent to PostgreSQL                          |
//! |-------------------------------------|---------------------------------------------|
//! | `searchlight_text_order(x)`         | `x COLLATE "C"`: byte order, as DataFusion  |
//! | `searchlight_week_start(d)` …       | `CAST(date_trunc('week', d) AS DATE)` …     |
//! | `contains(a, b)`                    | `strpos(a, b) > 0`                          |
//! | `ends_with(a, b)`                   | `right(a, length(b)) = b`                   |
//! | the aggregate `var` (sample)        | `var_samp` ([`rename_aggregates`])           |
//!
//! Everything else (`lower`, `starts_with`, `btrim`, `coalesce`, `date_trunc`,
//! `date_part`, ILIKE with its escape, `NULLS LAST`, `ROW_NUMBER`) means the same in both,
//! given the session settings the pool sets (time zone UTC; see `postgres`). A function
//! neither engine shares fails the search with a clear error instead of a different answer.

use std::ops::ControlFlow;

use datafusion::arrow::datatypes::{DataType as ArrowType, TimeUnit};
use datafusion::common::Result;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::sort_properties::{ExprProperties, SortProperties};
use datafusion::logical_expr::{
    ColumnarValue, Expr, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility,
};
use datafusion::sql::sqlparser::ast::{self, Ident, ObjectName, visit_expressions_mut};
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect as PostgresParser;
use datafusion::sql::sqlparser::parser::Parser;
use datafusion::sql::unparser::Unparser;
use datafusion::sql::unparser::dialect::{
    CharacterLengthStyle, DateFieldExtractStyle, Dialect, DistinctFromStyle, IntervalStyle,
    PostgreSqlDialect,
};

use crate::date_bucket::DateUnit;

/// The identity function that marks a text value whose order matters (a sort key, a text
/// MIN or MAX): DataFusion orders text by its bytes, PostgreSQL by the database's collation
/// unless told otherwise.
pub(crate) const TEXT_ORDER: &str = "searchlight_text_order";

/// `value` (text) as a sort key or the input of a text MIN or MAX: itself in DataFusion, in
/// byte order in PostgreSQL.
pub(crate) fn text_order(value: Expr) -> Expr {
    ScalarUDF::new_from_impl(TextOrder {
        signature: Signature::any(1, Volatility::Immutable),
    })
    .call(vec![value])
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct TextOrder {
    signature: Signature,
}

impl ScalarUDFImpl for TextOrder {
    fn name(&self) -> &str {
        TEXT_ORDER
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, arg_types: &[ArrowType]) -> Result<ArrowType> {
        arg_types
            .first()
            .cloned()
            .ok_or_else(|| DataFusionError::Plan(format!("{TEXT_ORDER} takes one value")))
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        args.args
            .into_iter()
            .next()
            .ok_or_else(|| DataFusionError::Execution(format!("{TEXT_ORDER} takes one value")))
    }

    fn output_ordering(&self, inputs: &[ExprProperties]) -> Result<SortProperties> {
        Ok(inputs
            .first()
            .map_or(SortProperties::Unordered, |input| input.sort_properties))
    }
}

/// PostgreSQL's SQL, with Searchlight's functions and DataFusion's meanings.
#[derive(Debug, Default)]
pub(crate) struct SearchlightPostgres;

/// DataFusion's PostgreSQL dialect, which [`SearchlightPostgres`] extends.
const BASE: PostgreSqlDialect = PostgreSqlDialect {};

impl SearchlightPostgres {
    /// `template` with `{0}`, `{1}` … replaced by the unparsed arguments, parsed back.
    fn template(&self, unparser: &Unparser, template: &str, args: &[Expr]) -> Result<ast::Expr> {
        let mut text = template.to_owned();
        for (index, arg) in args.iter().enumerate() {
            let sql = unparser.expr_to_sql(arg)?.to_string();
            text = text.replace(&format!("{{{index}}}"), &format!("({sql})"));
        }
        Parser::new(&PostgresParser {})
            .try_with_sql(&text)
            .and_then(|mut parser| parser.parse_expr())
            .map_err(|err| DataFusionError::Plan(format!("writing '{text}' for PostgreSQL: {err}")))
    }
}

impl Dialect for SearchlightPostgres {
    fn identifier_quote_style(&self, identifier: &str) -> Option<char> {
        BASE.identifier_quote_style(identifier)
    }

    fn use_array_keyword_for_array_literals(&self) -> bool {
        BASE.use_array_keyword_for_array_literals()
    }

    fn supports_qualify(&self) -> bool {
        BASE.supports_qualify()
    }

    fn requires_derived_table_alias(&self) -> bool {
        BASE.requires_derived_table_alias()
    }

    fn supports_empty_select_list(&self) -> bool {
        BASE.supports_empty_select_list()
    }

    fn interval_style(&self) -> IntervalStyle {
        BASE.interval_style()
    }

    fn float64_ast_dtype(&self) -> ast::DataType {
        BASE.float64_ast_dtype()
    }

    fn int8_cast_dtype(&self) -> ast::DataType {
        BASE.int8_cast_dtype()
    }

    fn distinct_from_style(&self) -> DistinctFromStyle {
        BASE.distinct_from_style()
    }

    fn date_field_extract_style(&self) -> DateFieldExtractStyle {
        BASE.date_field_extract_style()
    }

    fn character_length_style(&self) -> CharacterLengthStyle {
        BASE.character_length_style()
    }

    fn timestamp_cast_dtype(
        &self,
        unit: &TimeUnit,
        tz: &Option<std::sync::Arc<str>>,
    ) -> ast::DataType {
        BASE.timestamp_cast_dtype(unit, tz)
    }

    fn scalar_function_to_sql_overrides(
        &self,
        unparser: &Unparser,
        func_name: &str,
        args: &[Expr],
    ) -> Result<Option<ast::Expr>> {
        let template = match func_name {
            TEXT_ORDER => {
                let [value] = args else {
                    return Err(DataFusionError::Plan(format!(
                        "{TEXT_ORDER} takes one value"
                    )));
                };
                return Ok(Some(ast::Expr::Collate {
                    expr: Box::new(ast::Expr::Nested(Box::new(unparser.expr_to_sql(value)?))),
                    collation: ObjectName::from(vec![Ident::with_quote('"', "C")]),
                }));
            }
            "contains" => "(strpos({0}, {1}) > 0)".to_owned(),
            "ends_with" => "(right({0}, length({1})) = {1})".to_owned(),
            name => match DateUnit::ALL.into_iter().find(|unit| unit.name() == name) {
                Some(unit) => format!("CAST(date_trunc('{}', {{0}}) AS DATE)", unit.sql_field()),
                None => return BASE.scalar_function_to_sql_overrides(unparser, name, args),
            },
        };
        self.template(unparser, &template, args).map(Some)
    }
}

/// Aggregates whose DataFusion name PostgreSQL spells differently, renamed in the statement
/// about to be sent (the unparser writes an aggregate by its DataFusion name).
pub(crate) fn rename_aggregates(mut statement: ast::Statement) -> Result<ast::Statement> {
    let _ = visit_expressions_mut(&mut statement, |expr| {
        if let ast::Expr::Function(function) = expr
            && let [ast::ObjectNamePart::Identifier(name)] = function.name.0.as_mut_slice()
            && name.value.eq_ignore_ascii_case("var")
        {
            name.value = "var_samp".to_owned();
            name.quote_style = None;
        }
        ControlFlow::<()>::Continue(())
    });
    Ok(statement)
}

#[cfg(test)]
mod tests {
    use datafusion::functions::expr_fn::{contains, ends_with, lower};
    use datafusion::logical_expr::{col, lit};

    use super::*;
    use crate::date_bucket::date_bucket;

    fn sql(expr: &Expr) -> String {
        let dialect = SearchlightPostgres;
        Unparser::new(&dialect)
            .expr_to_sql(expr)
            .unwrap()
            .to_string()
    }

    #[test]
    fn functions_postgresql_lacks_are_written_in_its_terms() {
        assert_eq!(
            sql(&contains(lower(col("name")), lit("ab"))),
            r#"(strpos((lower("name")), ('ab')) > 0)"#
        );
        assert_eq!(
            sql(&ends_with(col("name"), lit("z"))),
            r#"(right(("name"), length(('z'))) = ('z'))"#
        );
        assert_eq!(
            sql(&date_bucket(DateUnit::Week, col("day"))),
            r#"CAST(date_trunc('week', ("day")) AS DATE)"#
        );
        assert_eq!(sql(&text_order(col("name"))), r#"("name") COLLATE "C""#);
    }

    #[test]
    fn the_sample_variance_is_var_samp() {
        let statement = Parser::new(&PostgresParser {})
            .try_with_sql(r#"SELECT var("x"), count(*) FROM "t""#)
            .unwrap()
            .parse_statement()
            .unwrap();
        assert_eq!(
            rename_aggregates(statement).unwrap().to_string(),
            r#"SELECT var_samp("x"), count(*) FROM "t""#
        );
    }
}
