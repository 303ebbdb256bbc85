//! Parser: tokens → [`Query`], by recursive descent (grammar: reference §3, restricted to
//! Tier 1 of SEARCH-DECISIONS.md).
//!
//! ```text
//! query      = { phrase | "," }
//! phrase     = term [ condition ]
//!            | "by" term [ condition ]
//!            | ("top" | "bottom") [ count ] [ "by" term ]
//!            | "for each" term
//!            | "sort by" term [ "ascending" | "descending" ]
//! term       = [ aggregation ] column [ "." suffix ]
//! suffix     = word | keyword | quoted | number | constant
//! condition  = cmp values | ("after" | "before") value | "between" value "and" value
//!            | text_op values
//! values     = value { [ "," ] value }
//! value      = quoted | number | "true" | "false" | constant | date_phrase | column "." suffix
//! date_phrase= "today" | "yesterday" | ("this" | "last" | "next") period
//!            | ("last" | "next") n periods | n periods "ago" | period "to date"
//!            | month [ year ] | weekday
//! ```
//!
//! The parser is iterative apart from fixed-depth calls (no rule contains itself: parentheses
//! are not part of the grammar, and a bound value's suffix is never another bound value), so
//! no input, however nested, can exhaust the stack; [`parse_with`] also bounds the input's
//! length and token count before any other work. Every failure is a 400 [`Error`] naming the
//! token and its character position.

use searchlight_errors::{Error, Result};

use crate::Limits;

use crate::ast::{
    ColumnRef, ColumnTerm, DatePhrase, Filter, FilterCondition, Phrase, Query, Rank, SortDirection,
    Span, Value, ValueKind,
};
use crate::lexer::{
    Constant, Keyword, Period, Token, TokenKind, tokenize_at, tokenize_limited, unknown_token,
};
use crate::model::{Bucket, normalize_name};
use crate::plan::CmpOp;

/// Parses a search into phrases within the default [`Limits`]. Empty searches (only spaces
/// and commas) are an error.
pub fn parse(query: &str) -> Result<Query> {
    parse_with(query, &Limits::DEFAULT)
}

/// Parses a search into phrases: a search longer than `limits` allows, or with more tokens,
/// is refused before it is parsed.
pub fn parse_with(query: &str, limits: &Limits) -> Result<Query> {
    limits.check_length(query)?;
    let tokens = tokenize_limited(query, limits.max_tokens)?;
    if tokens.iter().all(|token| token.kind == TokenKind::Comma) {
        return Err(Error::SearchEmptyQuery);
    }
    Parser::new(&tokens, query, 0).query()
}

/// What a bound suffix or a quoted value means on a date column, when it is written in words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DateWords {
    Bucket(Bucket),
    Phrase(DatePhrase),
}

/// Reads `text` (which starts at character `base` of the query) as a date bucket
/// (`day of week`) or a date phrase (`last 12 months`). `Ok(None)` when the text is something
/// else (a date such as `01/15/2024`, or any other value); an error when it starts like a
/// date phrase but is malformed (`last 0 days`).
pub(crate) fn parse_date_words(text: &str, base: usize) -> Result<Option<DateWords>> {
    let Ok(tokens) = tokenize_at(text, base) else {
        return Ok(None);
    };
    let mut parser = Parser::for_value(&tokens, text, base);
    match tokens.as_slice() {
        [
            Token {
                kind: TokenKind::Keyword(Keyword::Bucket(bucket)),
                ..
            },
        ] => Ok(Some(DateWords::Bucket(*bucket))),
        _ if parser.at_date_phrase() => {
            let phrase = parser.date_phrase()?;
            match parser.peek() {
                None => Ok(Some(DateWords::Phrase(phrase))),
                Some(extra) => Err(unknown_token(&extra.text, extra.span.start)),
            }
        }
        _ => Ok(None),
    }
}

struct Parser<'t> {
    tokens: &'t [Token],
    pos: usize,
    /// The source, for the text of multi-token phrases in messages.
    source: Vec<char>,
    /// Character offset of `source` in the query.
    base: usize,
    /// What running out of tokens is called in messages.
    end_of_input: &'static str,
}

impl<'t> Parser<'t> {
    fn new(tokens: &'t [Token], source: &str, base: usize) -> Self {
        Self {
            tokens,
            pos: 0,
            source: source.chars().collect(),
            base,
            end_of_input: "the end of the search",
        }
    }

    /// A parser for the text of one value (`'last 12 months'`, `[d].today`) inside a query.
    fn for_value(tokens: &'t [Token], text: &str, base: usize) -> Self {
        Self {
            end_of_input: "the end of the value",
            ..Self::new(tokens, text, base)
        }
    }

    // ---- token access ----------------------------------------------------------------

    fn peek(&self) -> Option<&'t Token> {
        self.tokens.get(self.pos)
    }

    fn peek_kind(&self) -> Option<&'t TokenKind> {
        self.peek().map(|token| &token.kind)
    }

    fn peek_second_kind(&self) -> Option<&'t TokenKind> {
        self.tokens.get(self.pos + 1).map(|token| &token.kind)
    }

    fn peek_keyword(&self) -> Option<Keyword> {
        match self.peek_kind() {
            Some(TokenKind::Keyword(keyword)) => Some(*keyword),
            _ => None,
        }
    }

    /// Consumes the next token. Only called after a peek showed there is one.
    fn bump(&mut self) -> Option<&'t Token> {
        let token = self.tokens.get(self.pos);
        if token.is_some() {
            self.pos += 1;
        }
        token
    }

    /// From the start of `start` to the end of the last consumed token.
    fn span_from(&self, start: Span) -> Span {
        Span::new(start.start, self.last_end().max(start.start))
    }

    /// The end of the last consumed token.
    fn last_end(&self) -> usize {
        self.pos
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .map_or(self.base, |token| token.span.end)
    }

    /// The source text of a span.
    fn text(&self, span: Span) -> String {
        let start = span.start.saturating_sub(self.base).min(self.source.len());
        let end = span
            .end
            .saturating_sub(self.base)
            .clamp(start, self.source.len());
        self.source[start..end].iter().collect()
    }

    /// "Search expected `what` after <previous token> … but found <next token>".
    fn expected(&self, what: &str) -> Error {
        let after = self
            .pos
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
            .map_or_else(String::new, |token| token.text.clone());
        let (found, position) = match self.peek() {
            Some(token) => (format!("\"{}\"", token.text), token.span.start),
            None => (self.end_of_input.to_owned(), self.last_end()),
        };
        Error::SearchExpected {
            expected: what.to_owned(),
            after,
            found,
            position,
        }
    }

    // ---- phrases ---------------------------------------------------------------------

    fn query(mut self) -> Result<Query> {
        let mut phrases = Vec::new();
        loop {
            while self.peek_kind() == Some(&TokenKind::Comma) {
                self.bump();
            }
            if self.peek().is_none() {
                return Ok(Query { phrases });
            }
            phrases.push(self.phrase()?);
        }
    }

    fn phrase(&mut self) -> Result<Phrase> {
        let Some(token) = self.peek() else {
            return Err(self.expected("a column"));
        };
        match &token.kind {
            TokenKind::Column(_) | TokenKind::Keyword(Keyword::Aggregation(_)) => {
                let term = self.term()?;
                Ok(match self.condition()? {
                    Some(condition) => Phrase::Filter(Filter {
                        span: self.span_from(term.span),
                        subject: term,
                        condition,
                    }),
                    None => Phrase::Term(term),
                })
            }
            TokenKind::Keyword(Keyword::By) => {
                self.bump();
                let term = self.term()?;
                let span = self.span_from(token.span);
                Ok(match self.condition()? {
                    Some(condition) => Phrase::Filter(Filter {
                        subject: term,
                        condition,
                        span: self.span_from(token.span),
                    }),
                    None => Phrase::By { term, span },
                })
            }
            TokenKind::Keyword(Keyword::Top | Keyword::Bottom) => self.rank(),
            TokenKind::Keyword(Keyword::ForEach) => {
                self.bump();
                let term = self.term()?;
                let span = self.span_from(token.span);
                Ok(Phrase::ForEach { term, span })
            }
            TokenKind::Keyword(Keyword::SortBy) => {
                self.bump();
                let term = self.term()?;
                let direction = match self.peek_keyword() {
                    Some(Keyword::Ascending) => Some(SortDirection::Ascending),
                    Some(Keyword::Descending) => Some(SortDirection::Descending),
                    _ => None,
                };
                if direction.is_some() {
                    self.bump();
                }
                let span = self.span_from(token.span);
                Ok(Phrase::SortBy {
                    term,
                    direction,
                    span,
                })
            }
            TokenKind::Keyword(Keyword::Unsupported) => Err(Error::SearchUnsupported {
                token: token.text.clone(),
                position: token.span.start,
            }),
            TokenKind::Keyword(Keyword::Bucket(_)) => Err(Error::SearchUnboundDateKeyword {
                token: token.text.clone(),
                position: token.span.start,
            }),
            _ if self.at_date_phrase() => {
                self.date_phrase()?;
                let span = self.span_from(token.span);
                Err(Error::SearchUnboundDateKeyword {
                    token: self.text(span),
                    position: span.start,
                })
            }
            _ => Err(unknown_token(&token.text, token.span.start)),
        }
    }

    /// `[aggregation] [column] [. suffix]`.
    fn term(&mut self) -> Result<ColumnTerm> {
        let start = self.peek().map(|token| token.span);
        let aggregation = match self.peek_keyword() {
            Some(Keyword::Aggregation(aggregation)) => {
                self.bump();
                Some(aggregation)
            }
            _ => None,
        };
        let column = match self.peek() {
            Some(Token {
                kind: TokenKind::Column(name),
                span,
                ..
            }) => {
                self.bump();
                ColumnRef {
                    name: name.clone(),
                    span: *span,
                }
            }
            _ => return Err(self.expected("a column in brackets, e.g. [Revenue]")),
        };
        let suffix = if self.peek_kind() == Some(&TokenKind::Dot) {
            self.bump();
            Some(self.suffix()?)
        } else {
            None
        };
        let span = self.span_from(start.unwrap_or(column.span));
        Ok(ColumnTerm {
            aggregation,
            column,
            suffix,
            span,
        })
    }

    /// What follows `[column].`.
    fn suffix(&mut self) -> Result<Value> {
        let Some(token) = self.peek() else {
            return Err(self.expected("a value, date bucket or date keyword"));
        };
        let kind = match &token.kind {
            TokenKind::Word | TokenKind::Keyword(_) => ValueKind::Word(token.text.clone()),
            TokenKind::Quoted(text) => ValueKind::Text(text.clone()),
            TokenKind::Number => ValueKind::Number(token.text.clone()),
            TokenKind::Constant(Constant::Null) => ValueKind::Null,
            TokenKind::Constant(Constant::Empty) => ValueKind::Empty,
            _ => return Err(self.expected("a value, date bucket or date keyword")),
        };
        self.bump();
        Ok(Value {
            kind,
            span: token.span,
            text: token.text.clone(),
        })
    }

    /// The operator and values after a term, if any.
    fn condition(&mut self) -> Result<Option<FilterCondition>> {
        let Some(kind) = self.peek_kind() else {
            return Ok(None);
        };
        let condition = match kind {
            TokenKind::Op(op) => {
                self.bump();
                FilterCondition::Compare {
                    op: *op,
                    values: self.values()?,
                }
            }
            TokenKind::Keyword(keyword @ (Keyword::After | Keyword::Before)) => {
                self.bump();
                let op = if *keyword == Keyword::After {
                    CmpOp::Gt
                } else {
                    CmpOp::Lt
                };
                FilterCondition::Compare {
                    op,
                    values: vec![self.value()?],
                }
            }
            TokenKind::Keyword(Keyword::Between) => {
                self.bump();
                let low = self.value()?;
                if self.peek_keyword() != Some(Keyword::And) {
                    return Err(self.expected("\"and\" and a second value"));
                }
                self.bump();
                let high = self.value()?;
                FilterCondition::Between { low, high }
            }
            TokenKind::Keyword(Keyword::Text { op, negated }) => {
                self.bump();
                FilterCondition::Text {
                    op: *op,
                    negated: *negated,
                    values: self.values()?,
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(condition))
    }

    /// One or more values, separated by spaces or commas (`= 'a', 'b'`, `= 1 2 3`).
    fn values(&mut self) -> Result<Vec<Value>> {
        let first = self.value()?;
        // A bound value continues the list only when it is bound to the same column.
        let list_column = match &first.kind {
            ValueKind::Bound { column, .. } => Some(normalize_name(&column.name)),
            _ => None,
        };
        let mut values = vec![first];
        loop {
            let before_comma = self.pos;
            if self.peek_kind() == Some(&TokenKind::Comma) {
                self.bump();
            }
            if self.at_value(list_column.as_deref()) {
                values.push(self.value()?);
            } else {
                // The comma (if any) separates phrases, not values.
                self.pos = before_comma;
                return Ok(values);
            }
        }
    }

    /// Whether the next tokens form a value that continues a value list.
    fn at_value(&self, list_column: Option<&str>) -> bool {
        match self.peek_kind() {
            Some(
                TokenKind::Quoted(_)
                | TokenKind::Number
                | TokenKind::Constant(_)
                | TokenKind::Keyword(Keyword::Boolean(_)),
            ) => true,
            Some(TokenKind::Column(name)) => {
                self.peek_second_kind() == Some(&TokenKind::Dot)
                    && list_column == Some(normalize_name(name).as_str())
            }
            _ => self.at_date_phrase(),
        }
    }

    fn value(&mut self) -> Result<Value> {
        let Some(token) = self.peek() else {
            return Err(self.expected("a value"));
        };
        let kind = match &token.kind {
            TokenKind::Quoted(text) => ValueKind::Text(text.clone()),
            TokenKind::Keyword(Keyword::Boolean(value)) => ValueKind::Boolean(*value),
            TokenKind::Constant(Constant::Null) => ValueKind::Null,
            TokenKind::Constant(Constant::Empty) => ValueKind::Empty,
            _ if self.at_date_phrase() => {
                let phrase = self.date_phrase()?;
                let span = self.span_from(token.span);
                return Ok(Value {
                    kind: ValueKind::Date(phrase),
                    span,
                    text: self.text(span),
                });
            }
            TokenKind::Number => ValueKind::Number(token.text.clone()),
            TokenKind::Column(name) if self.peek_second_kind() == Some(&TokenKind::Dot) => {
                self.bump();
                self.bump();
                let value = self.suffix()?;
                let span = token.span.to(value.span);
                return Ok(Value {
                    kind: ValueKind::Bound {
                        column: ColumnRef {
                            name: name.clone(),
                            span: token.span,
                        },
                        value: Box::new(value),
                    },
                    span,
                    text: self.text(span),
                });
            }
            TokenKind::Keyword(Keyword::Unsupported) => {
                return Err(Error::SearchUnsupported {
                    token: token.text.clone(),
                    position: token.span.start,
                });
            }
            _ => return Err(self.expected("a value")),
        };
        self.bump();
        Ok(Value {
            kind,
            span: token.span,
            text: token.text.clone(),
        })
    }

    /// `top n [by term]` / `bottom n [by term]`.
    fn rank(&mut self) -> Result<Phrase> {
        let Some(keyword) = self.bump() else {
            return Err(self.expected("\"top\" or \"bottom\""));
        };
        let top = keyword.kind == TokenKind::Keyword(Keyword::Top);
        let count = match self.peek_kind() {
            Some(TokenKind::Number) => Some(self.row_count()?),
            Some(TokenKind::Quoted(text)) if text.trim().parse::<u64>().is_ok() => {
                Some(self.row_count()?)
            }
            _ => None,
        };
        let by = if self.peek_keyword() == Some(Keyword::By) {
            self.bump();
            Some(self.term()?)
        } else {
            None
        };
        Ok(Phrase::Rank(Rank {
            top,
            count,
            by,
            keyword: keyword.text.clone(),
            span: self.span_from(keyword.span),
        }))
    }

    /// The `n` of `top n`: a whole number, at least 1.
    fn row_count(&mut self) -> Result<u64> {
        let text = match self.peek_kind() {
            Some(TokenKind::Quoted(text)) => text.trim(),
            _ => self.peek().map_or("", |token| token.text.as_str()),
        };
        match text.parse::<u64>() {
            Ok(count) if count >= 1 => {
                self.bump();
                Ok(count)
            }
            _ => Err(self.expected("a whole number of rows (1 or more)")),
        }
    }

    // ---- date phrases ----------------------------------------------------------------

    /// Whether a date phrase starts here (a date keyword, or `n <periods>`).
    fn at_date_phrase(&self) -> bool {
        match self.peek_kind() {
            Some(TokenKind::Keyword(keyword)) => keyword.starts_date_phrase(),
            Some(TokenKind::Number) => matches!(
                self.peek_second_kind(),
                Some(TokenKind::Keyword(Keyword::Period(_)))
            ),
            _ => false,
        }
    }

    fn date_phrase(&mut self) -> Result<DatePhrase> {
        let Some(first) = self.bump() else {
            return Err(self.expected("a date keyword"));
        };
        match first.kind {
            TokenKind::Keyword(Keyword::Today) => Ok(DatePhrase::Today),
            TokenKind::Keyword(Keyword::Yesterday) => Ok(DatePhrase::Yesterday),
            TokenKind::Keyword(Keyword::ToDate(period)) => Ok(DatePhrase::ToDate(period)),
            TokenKind::Keyword(Keyword::Weekday(day)) => Ok(DatePhrase::Weekday(day)),
            TokenKind::Keyword(Keyword::Month(month)) => {
                let year = match self.peek() {
                    Some(token) if token.kind == TokenKind::Number => {
                        token.text.parse::<i32>().ok()
                    }
                    _ => None,
                };
                match year {
                    Some(year) if (1..=9999).contains(&year) => {
                        self.bump();
                        Ok(DatePhrase::MonthOfYear { month, year })
                    }
                    _ => Ok(DatePhrase::Month(month)),
                }
            }
            TokenKind::Keyword(Keyword::This) => Ok(DatePhrase::This(self.period()?)),
            TokenKind::Keyword(keyword @ (Keyword::Last | Keyword::Next)) => {
                let last = keyword == Keyword::Last;
                if self.peek_kind() == Some(&TokenKind::Number) {
                    let count = self.period_count(1)?;
                    let period = self.period()?;
                    Ok(if last {
                        DatePhrase::LastN(count, period)
                    } else {
                        DatePhrase::NextN(count, period)
                    })
                } else {
                    let period = self.period()?;
                    Ok(if last {
                        DatePhrase::Last(period)
                    } else {
                        DatePhrase::Next(period)
                    })
                }
            }
            TokenKind::Number => {
                // `n <periods> ago`: step back so the count is read like the others.
                self.pos -= 1;
                let count = self.period_count(0)?;
                let period = self.period()?;
                if self.peek_keyword() != Some(Keyword::Ago) {
                    return Err(self.expected("\"ago\""));
                }
                self.bump();
                Ok(DatePhrase::Ago(count, period))
            }
            _ => Err(unknown_token(&first.text, first.span.start)),
        }
    }

    fn period(&mut self) -> Result<Period> {
        match self.peek_keyword() {
            Some(Keyword::Period(period)) => {
                self.bump();
                Ok(period)
            }
            Some(Keyword::Unsupported) => {
                let token = self.peek().map(|t| (t.text.clone(), t.span.start));
                let (token, position) = token.unwrap_or_default();
                Err(Error::SearchUnsupported { token, position })
            }
            _ => Err(self.expected("a period: day, week, month, quarter or year")),
        }
    }

    /// The number of periods in `last n days` / `n days ago`.
    fn period_count(&mut self, minimum: u32) -> Result<u32> {
        let parsed = self
            .peek()
            .and_then(|token| token.text.parse::<u32>().ok())
            .filter(|count| *count >= minimum);
        match parsed {
            Some(count) => {
                self.bump();
                Ok(count)
            }
            None => Err(self.expected(&format!("a whole number of periods ({minimum} or more)"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lexer::Period;
    use crate::model::Aggregation;
    use crate::plan::TextOp;

    fn phrases(query: &str) -> Vec<Phrase> {
        parse(query).unwrap().phrases
    }

    fn error(query: &str) -> String {
        parse(query).unwrap_err().to_string()
    }

    fn term(phrase: &Phrase) -> &ColumnTerm {
        match phrase {
            Phrase::Term(term) => term,
            other => panic!("not a term: {other:?}"),
        }
    }

    fn filter(phrase: &Phrase) -> &Filter {
        match phrase {
            Phrase::Filter(filter) => filter,
            other => panic!("not a filter: {other:?}"),
        }
    }

    fn value_kinds(values: &[Value]) -> Vec<ValueKind> {
        values.iter().map(|value| value.kind.clone()).collect()
    }

    #[test]
    fn columns_with_aggregations_and_suffixes() {
        let parsed =
            phrases("[Revenue] average [Revenue] [Order Date].monthly [Order Date].'day of week'");
        assert_eq!(parsed.len(), 4);
        assert_eq!(term(&parsed[0]).column.name, "Revenue");
        assert_eq!(term(&parsed[0]).column.span, Span::new(0, 9));
        assert_eq!(term(&parsed[1]).aggregation, Some(Aggregation::Average));
        assert_eq!(term(&parsed[1]).span, Span::new(10, 27));
        assert_eq!(
            term(&parsed[2]).suffix.as_ref().map(|v| v.kind.clone()),
            Some(ValueKind::Word("monthly".into()))
        );
        assert_eq!(
            term(&parsed[3]).suffix.as_ref().map(|v| v.kind.clone()),
            Some(ValueKind::Text("day of week".into()))
        );
    }

    #[test]
    fn bound_suffix_forms() {
        let parsed =
            phrases("[a].air [a].'two words' [a].{null} [a].{blank} [a].5 [a].day of week");
        let suffixes: Vec<ValueKind> = parsed
            .iter()
            .map(|p| term(p).suffix.clone().unwrap().kind)
            .collect();
        assert_eq!(
            suffixes,
            vec![
                ValueKind::Word("air".into()),
                ValueKind::Text("two words".into()),
                ValueKind::Null,
                ValueKind::Empty,
                ValueKind::Number("5".into()),
                ValueKind::Word("day of week".into()),
            ]
        );
    }

    #[test]
    fn comparison_filters_with_value_lists() {
        let parsed =
            phrases("[Ship Mode] = 'air','rail' 'truck' [Quantity] = 1 2 3, [Region] != {null}");
        assert_eq!(parsed.len(), 3);
        let first = filter(&parsed[0]);
        assert_eq!(first.span, Span::new(0, 34));
        match &first.condition {
            FilterCondition::Compare { op, values } => {
                assert_eq!(*op, CmpOp::Eq);
                assert_eq!(
                    value_kinds(values),
                    vec![
                        ValueKind::Text("air".into()),
                        ValueKind::Text("rail".into()),
                        ValueKind::Text("truck".into())
                    ]
                );
            }
            other => panic!("{other:?}"),
        }
        match &filter(&parsed[1]).condition {
            FilterCondition::Compare { values, .. } => assert_eq!(values.len(), 3),
            other => panic!("{other:?}"),
        }
        match &filter(&parsed[2]).condition {
            FilterCondition::Compare { op, values } => {
                assert_eq!(*op, CmpOp::NotEq);
                assert_eq!(value_kinds(values), vec![ValueKind::Null]);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn bound_values_on_the_right() {
        let parsed = phrases(
            "[item type] = [item type].'jackets' [Item Type].coats [region] = [region].west",
        );
        assert_eq!(
            parsed.len(),
            2,
            "same-column bound values continue the list: {parsed:?}"
        );
        match &filter(&parsed[0]).condition {
            FilterCondition::Compare { values, .. } => assert_eq!(values.len(), 2),
            other => panic!("{other:?}"),
        }
        // A bound value of another column starts a new phrase.
        let parsed = phrases("[a] = 'x', [b].y");
        assert_eq!(parsed.len(), 2);
        assert!(matches!(&parsed[1], Phrase::Term(t) if t.column.name == "b"));
    }

    #[test]
    fn text_between_after_before() {
        let parsed = phrases(
            "[a] contains 'x' 'y' [a] not_begins_with 'z' [n] between 1 and 5 [d] after '01/01/2024' [d] before today",
        );
        assert!(matches!(
            &filter(&parsed[0]).condition,
            FilterCondition::Text { op: TextOp::Contains, negated: false, values } if values.len() == 2
        ));
        assert!(matches!(
            &filter(&parsed[1]).condition,
            FilterCondition::Text {
                op: TextOp::BeginsWith,
                negated: true,
                ..
            }
        ));
        assert!(matches!(
            &filter(&parsed[2]).condition,
            FilterCondition::Between { .. }
        ));
        assert!(matches!(
            &filter(&parsed[3]).condition,
            FilterCondition::Compare { op: CmpOp::Gt, .. }
        ));
        match &filter(&parsed[4]).condition {
            FilterCondition::Compare {
                op: CmpOp::Lt,
                values,
            } => {
                assert_eq!(
                    value_kinds(values),
                    vec![ValueKind::Date(DatePhrase::Today)]
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn date_phrases() {
        let cases = [
            ("today", DatePhrase::Today),
            ("yesterday", DatePhrase::Yesterday),
            ("this week", DatePhrase::This(Period::Week)),
            ("last month", DatePhrase::Last(Period::Month)),
            ("next quarter", DatePhrase::Next(Period::Quarter)),
            ("last 7 days", DatePhrase::LastN(7, Period::Day)),
            ("next 2 years", DatePhrase::NextN(2, Period::Year)),
            ("3 weeks ago", DatePhrase::Ago(3, Period::Week)),
            ("year to date", DatePhrase::ToDate(Period::Year)),
            ("june", DatePhrase::Month(6)),
            (
                "June 2024",
                DatePhrase::MonthOfYear {
                    month: 6,
                    year: 2024,
                },
            ),
            ("sunday", DatePhrase::Weekday(7)),
        ];
        for (text, expected) in cases {
            let parsed = phrases(&format!("[d] = {text}"));
            match &filter(&parsed[0]).condition {
                FilterCondition::Compare { values, .. } => {
                    assert_eq!(
                        value_kinds(values),
                        vec![ValueKind::Date(expected)],
                        "{text}"
                    );
                    assert_eq!(values[0].text, text);
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                parse_date_words(text, 0).unwrap(),
                Some(DateWords::Phrase(expected)),
                "{text}"
            );
        }
        assert_eq!(
            parse_date_words("Day Of Week", 0).unwrap(),
            Some(DateWords::Bucket(Bucket::DayOfWeek))
        );
        assert_eq!(parse_date_words("01/15/2024", 0).unwrap(), None);
        assert_eq!(parse_date_words("2024", 0).unwrap(), None);
        assert_eq!(parse_date_words("air", 0).unwrap(), None);
        assert!(
            parse_date_words("last 0 days", 5)
                .unwrap_err()
                .to_string()
                .contains("character 10")
        );
        assert!(parse_date_words("last year foo", 0).is_err());
    }

    #[test]
    fn rank_sort_for_each_by() {
        let parsed =
            phrases("top 5 by [Revenue] bottom [x] sort by sum [y] descending for each [z] by [w]");
        match &parsed[0] {
            Phrase::Rank(rank) => {
                assert!(rank.top);
                assert_eq!(rank.count, Some(5));
                assert_eq!(rank.by.as_ref().unwrap().column.name, "Revenue");
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&parsed[1], Phrase::Rank(r) if !r.top && r.count.is_none() && r.by.is_none())
        );
        assert!(matches!(&parsed[2], Phrase::Term(_)));
        assert!(matches!(
            &parsed[3],
            Phrase::SortBy { term, direction: Some(SortDirection::Descending), .. }
                if term.aggregation == Some(Aggregation::Sum)
        ));
        assert!(matches!(&parsed[4], Phrase::ForEach { .. }));
        assert!(matches!(&parsed[5], Phrase::By { .. }));
        // The 2020 docs quoted numbers: top '2'.
        assert!(matches!(&phrases("top '2' [a]")[0], Phrase::Rank(r) if r.count == Some(2)));
    }

    #[test]
    fn empty_queries() {
        for query in ["", "   ", " , ,"] {
            assert_eq!(error(query), "Cannot create Answer from empty query");
        }
    }

    #[test]
    fn stray_tokens_are_named_with_their_position() {
        assert_eq!(
            error("[ship mode] foo"),
            "Search did not find \"foo\" in your data or metadata (at character 12)."
        );
        assert_eq!(
            error("[revenue] 'air'"),
            "Search did not find \"'air'\" in your data or metadata (at character 10)."
        );
        assert_eq!(
            error("[revenue] and [x]"),
            "Search did not find \"and\" in your data or metadata (at character 10)."
        );
        assert_eq!(
            error("[revenue] descending"),
            "Search did not find \"descending\" in your data or metadata (at character 10)."
        );
        assert_eq!(
            error("[a] = 5 )"),
            "Search did not find \")\" in your data or metadata (at character 8)."
        );
    }

    #[test]
    fn incomplete_phrases() {
        assert_eq!(
            error("[revenue] >"),
            "Search expected a value after \">\" (at character 11) but found the end of the search"
        );
        assert_eq!(
            error("[revenue] between 1 [x]"),
            "Search expected \"and\" and a second value after \"1\" (at character 20) but found \"[x]\""
        );
        assert_eq!(
            error("sum 5"),
            "Search expected a column in brackets, e.g. [Revenue] after \"sum\" (at character 4) but found \"5\""
        );
        assert_eq!(
            error("top 2.5 [a]"),
            "Search expected a whole number of rows (1 or more) after \"top\" (at character 4) but found \"2.5\""
        );
        assert!(error("top 0").contains("whole number of rows"));
        assert!(error("[d] = last 0 days").contains("a whole number of periods (1 or more)"));
        assert!(
            error("[d] = last week days").contains("ago")
                || error("[d] = 3 days").contains("\"ago\"")
        );
        assert!(error("[a].").contains("a value, date bucket or date keyword"));
        assert!(error("[a] > [b]").contains("expected a value"));
    }

    #[test]
    fn unsupported_keywords_are_named() {
        for (query, token, position) in [
            ("growth of [revenue] by [order date]", "growth of", 0),
            ("[revenue] [region] = 'east' vs [region] = 'west'", "vs", 28),
            ("[region] in ( top 10 [region] )", "in", 9),
            ("[region] not in ([region])", "not in", 9),
            ("top 10 [a] [b] ranked by [b]", "ranked by", 15),
            ("[revenue] by [order date] calendar.fiscal", "calendar", 26),
            ("[revenue] versus", "versus", 10),
            ("[d] = last 5 hours", "hours", 13),
        ] {
            assert_eq!(
                error(query),
                format!("\"{token}\" (at character {position}) is not supported yet"),
                "{query}"
            );
        }
    }

    #[test]
    fn unbound_date_keywords() {
        assert_eq!(
            error("[revenue] monthly"),
            "\"monthly\" (at character 10) must be bound to a date column with a dot, e.g. [Order Date].'monthly'"
        );
        assert_eq!(
            error("[revenue] last  7 days"),
            "\"last  7 days\" (at character 10) must be bound to a date column with a dot, e.g. [Order Date].'last  7 days'"
        );
        assert!(
            error("[revenue] 2 days ago")
                .contains("\"2 days ago\" (at character 10) must be bound")
        );
    }
}
