//! Lexer: query text → [`Token`]s with character positions.
//!
//! Two stages. [`logos`] splits the text into raw tokens (`[column]`, quoted values, numbers,
//! `{null}`-style constants, operators, punctuation and words). Then runs of adjacent words are
//! matched against the keyword table, longest phrase first (`not begins with` before `not`,
//! `sort by` before `by`), case-insensitively. An underscore word such as `begins_with` or
//! `unique_count` is read as its parts, but only as a whole: a keyword must start and end on
//! the word's boundaries, so `in_progress` stays one (unknown) word.
//!
//! Lexing never fails on words: a word that is no keyword becomes [`TokenKind::Word`] and the
//! parser decides whether it is allowed where it stands (it is as the value bound to a column,
//! `[Ship Mode].air`). Characters that form no token, unterminated quotes or brackets and
//! unknown `{…}` constants are errors naming the text and its position.

use logos::Logos;
use searchlight_errors::{Error, Result};

use crate::ast::Span;
use crate::model::{Aggregation, Bucket};
use crate::plan::{CmpOp, TextOp};

/// A token with its place in the query.
#[derive(Debug, Clone, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    /// Character offsets in the query.
    pub span: Span,
    /// The source text (for keywords the whole phrase as typed, e.g. `Sort  By`).
    pub text: String,
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenKind {
    /// `[name]`: the name between the brackets, as typed.
    Column(String),
    /// `'text'` (also `"text"`, `‘text’`): the text between the quotes.
    Quoted(String),
    /// An unquoted number (`12`, `-3.5`); its digits are in [`Token::text`].
    Number,
    /// `{null}`, `{empty}`, `{blank}`.
    Constant(Constant),
    Keyword(Keyword),
    /// A word that is no keyword; its text is in [`Token::text`].
    Word,
    Op(CmpOp),
    Dot,
    Comma,
    LParen,
    RParen,
}

/// The `{…}` constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Constant {
    /// `{null}`.
    Null,
    /// `{empty}` and its alias `{blank}`.
    Empty,
}

/// A period of the calendar, as used by date keywords (`last 3 months`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Day,
    Week,
    Month,
    Quarter,
    Year,
}

/// Keywords, multi-word ones included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    By,
    Aggregation(Aggregation),
    Top,
    Bottom,
    ForEach,
    SortBy,
    Ascending,
    Descending,
    Between,
    And,
    After,
    Before,
    Text {
        op: TextOp,
        negated: bool,
    },
    Boolean(bool),
    Bucket(Bucket),
    Today,
    Yesterday,
    This,
    Last,
    Next,
    Ago,
    /// `day`/`days`, `week`/`weeks`, ….
    Period(Period),
    /// `week to date`, `month to date`, ….
    ToDate(Period),
    /// `january` = 1 … `december` = 12.
    Month(u32),
    /// `monday` = 1 … `sunday` = 7 (ISO).
    Weekday(u32),
    /// A ThoughtSpot keyword Searchlight does not implement yet (Tier 2 and a few others):
    /// it is reported as such instead of as an unknown word.
    Unsupported,
}

impl Keyword {
    /// Whether this keyword starts a date phrase (`today`, `last 3 months`, `january`, …).
    pub fn starts_date_phrase(self) -> bool {
        matches!(
            self,
            Self::Today
                | Self::Yesterday
                | Self::This
                | Self::Last
                | Self::Next
                | Self::ToDate(_)
                | Self::Month(_)
                | Self::Weekday(_)
        )
    }
}

/// The keyword table: every spelling, lower case, words separated by one space.
const KEYWORDS: &[(&str, Keyword)] = &[
    ("by", Keyword::By),
    ("sum", Keyword::Aggregation(Aggregation::Sum)),
    ("average", Keyword::Aggregation(Aggregation::Average)),
    ("avg", Keyword::Aggregation(Aggregation::Average)),
    ("count", Keyword::Aggregation(Aggregation::Count)),
    (
        "unique count",
        Keyword::Aggregation(Aggregation::CountDistinct),
    ),
    ("total count", Keyword::Aggregation(Aggregation::TotalCount)),
    ("min", Keyword::Aggregation(Aggregation::Min)),
    ("max", Keyword::Aggregation(Aggregation::Max)),
    (
        "standard deviation",
        Keyword::Aggregation(Aggregation::StdDev),
    ),
    ("variance", Keyword::Aggregation(Aggregation::Variance)),
    ("top", Keyword::Top),
    ("bottom", Keyword::Bottom),
    ("for each", Keyword::ForEach),
    ("sort by", Keyword::SortBy),
    ("ascending", Keyword::Ascending),
    ("descending", Keyword::Descending),
    ("between", Keyword::Between),
    ("and", Keyword::And),
    ("after", Keyword::After),
    ("before", Keyword::Before),
    (
        "contains",
        Keyword::Text {
            op: TextOp::Contains,
            negated: false,
        },
    ),
    (
        "not contains",
        Keyword::Text {
            op: TextOp::Contains,
            negated: true,
        },
    ),
    (
        "begins with",
        Keyword::Text {
            op: TextOp::BeginsWith,
            negated: false,
        },
    ),
    (
        "not begins with",
        Keyword::Text {
            op: TextOp::BeginsWith,
            negated: true,
        },
    ),
    (
        "ends with",
        Keyword::Text {
            op: TextOp::EndsWith,
            negated: false,
        },
    ),
    (
        "not ends with",
        Keyword::Text {
            op: TextOp::EndsWith,
            negated: true,
        },
    ),
    ("true", Keyword::Boolean(true)),
    ("false", Keyword::Boolean(false)),
    ("detailed", Keyword::Bucket(Bucket::Detailed)),
    ("hourly", Keyword::Bucket(Bucket::Hourly)),
    ("daily", Keyword::Bucket(Bucket::Daily)),
    ("weekly", Keyword::Bucket(Bucket::Weekly)),
    ("monthly", Keyword::Bucket(Bucket::Monthly)),
    ("quarterly", Keyword::Bucket(Bucket::Quarterly)),
    ("yearly", Keyword::Bucket(Bucket::Yearly)),
    ("hour of day", Keyword::Bucket(Bucket::HourOfDay)),
    ("day of week", Keyword::Bucket(Bucket::DayOfWeek)),
    ("day of month", Keyword::Bucket(Bucket::DayOfMonth)),
    ("day of year", Keyword::Bucket(Bucket::DayOfYear)),
    ("week of year", Keyword::Bucket(Bucket::WeekOfYear)),
    ("month of year", Keyword::Bucket(Bucket::MonthOfYear)),
    ("quarter of year", Keyword::Bucket(Bucket::QuarterOfYear)),
    ("today", Keyword::Today),
    ("yesterday", Keyword::Yesterday),
    ("this", Keyword::This),
    ("last", Keyword::Last),
    ("next", Keyword::Next),
    ("ago", Keyword::Ago),
    ("day", Keyword::Period(Period::Day)),
    ("days", Keyword::Period(Period::Day)),
    ("week", Keyword::Period(Period::Week)),
    ("weeks", Keyword::Period(Period::Week)),
    ("month", Keyword::Period(Period::Month)),
    ("months", Keyword::Period(Period::Month)),
    ("quarter", Keyword::Period(Period::Quarter)),
    ("quarters", Keyword::Period(Period::Quarter)),
    ("year", Keyword::Period(Period::Year)),
    ("years", Keyword::Period(Period::Year)),
    ("week to date", Keyword::ToDate(Period::Week)),
    ("month to date", Keyword::ToDate(Period::Month)),
    ("quarter to date", Keyword::ToDate(Period::Quarter)),
    ("year to date", Keyword::ToDate(Period::Year)),
    ("january", Keyword::Month(1)),
    ("february", Keyword::Month(2)),
    ("march", Keyword::Month(3)),
    ("april", Keyword::Month(4)),
    ("may", Keyword::Month(5)),
    ("june", Keyword::Month(6)),
    ("july", Keyword::Month(7)),
    ("august", Keyword::Month(8)),
    ("september", Keyword::Month(9)),
    ("october", Keyword::Month(10)),
    ("november", Keyword::Month(11)),
    ("december", Keyword::Month(12)),
    ("monday", Keyword::Weekday(1)),
    ("tuesday", Keyword::Weekday(2)),
    ("wednesday", Keyword::Weekday(3)),
    ("thursday", Keyword::Weekday(4)),
    ("friday", Keyword::Weekday(5)),
    ("saturday", Keyword::Weekday(6)),
    ("sunday", Keyword::Weekday(7)),
    // Tier 2 (SEARCH-DECISIONS.md) and other documented ThoughtSpot keywords that are not
    // implemented: named as unsupported rather than unknown.
    ("growth of", Keyword::Unsupported),
    ("year-over-year", Keyword::Unsupported),
    ("quarter-over-quarter", Keyword::Unsupported),
    ("month-over-month", Keyword::Unsupported),
    ("week-over-week", Keyword::Unsupported),
    ("day-over-day", Keyword::Unsupported),
    ("vs", Keyword::Unsupported),
    ("versus", Keyword::Unsupported),
    ("all", Keyword::Unsupported),
    ("everything", Keyword::Unsupported),
    ("in", Keyword::Unsupported),
    ("not in", Keyword::Unsupported),
    ("ranked by", Keyword::Unsupported),
    ("sorted by", Keyword::Unsupported),
    ("calendar", Keyword::Unsupported),
    ("fiscal", Keyword::Unsupported),
    ("best", Keyword::Unsupported),
    ("for", Keyword::Unsupported),
    ("or", Keyword::Unsupported),
    ("similar to", Keyword::Unsupported),
    ("not similar to", Keyword::Unsupported),
    ("tomorrow", Keyword::Unsupported),
    ("hour", Keyword::Unsupported),
    ("hours", Keyword::Unsupported),
    ("minute", Keyword::Unsupported),
    ("minutes", Keyword::Unsupported),
    ("second", Keyword::Unsupported),
    ("seconds", Keyword::Unsupported),
    ("median", Keyword::Unsupported),
    ("near", Keyword::Unsupported),
    ("farther than", Keyword::Unsupported),
];

/// The longest keyword phrase, in words.
const MAX_KEYWORD_WORDS: usize = 3;

/// Every keyword spelling, for tests that build token soups.
pub fn keyword_spellings() -> impl Iterator<Item = &'static str> {
    KEYWORDS.iter().map(|(spelling, _)| *spelling)
}

fn lookup_keyword(phrase: &str) -> Option<Keyword> {
    KEYWORDS
        .iter()
        .find(|(spelling, _)| *spelling == phrase)
        .map(|(_, keyword)| *keyword)
}

/// Raw tokens as logos sees them.
#[derive(Logos, Debug, Clone, Copy, PartialEq)]
#[logos(skip r"\s+")]
enum RawToken {
    #[regex(r"\[[^\[\]]*\]")]
    Column,
    #[regex(r"\[[^\[\]]*")]
    UnterminatedColumn,
    #[regex(r"['‘’][^'‘’]*['‘’]")]
    #[regex(r#"["“”][^"“”]*["“”]"#)]
    Quoted,
    #[regex(r"['‘’][^'‘’]*")]
    #[regex(r#"["“”][^"“”]*"#)]
    UnterminatedQuote,
    #[regex(r"\{[^{}]*\}")]
    Constant,
    #[regex(r"-?[0-9]+(\.[0-9]+)?")]
    Number,
    // Anything up to the next space or punctuation. A word cannot start with a digit or a
    // minus (that is a number), but may contain them (`year-over-year`).
    #[regex(r#"[^\s\[\]'‘’"“”{}.,()=!<>0-9\-][^\s\[\]'‘’"“”{}.,()=!<>]*"#)]
    Word,
    #[token("=")]
    Eq,
    #[token("!=")]
    NotEq,
    #[token("<")]
    Lt,
    #[token("<=")]
    LtEq,
    #[token(">")]
    Gt,
    #[token(">=")]
    GtEq,
    #[token(".")]
    Dot,
    #[token(",")]
    Comma,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
}

/// Maps byte offsets (at character boundaries) to character offsets.
struct CharOffsets {
    /// The byte offset of every character, plus the end.
    starts: Vec<usize>,
    /// Added to every character offset (see [`tokenize_at`]).
    base: usize,
}

impl CharOffsets {
    fn new(source: &str, base: usize) -> Self {
        let mut starts: Vec<usize> = source.char_indices().map(|(byte, _)| byte).collect();
        starts.push(source.len());
        Self { starts, base }
    }

    /// The character offset of a byte offset (the character containing it).
    fn of(&self, byte: usize) -> usize {
        let index = match self.starts.binary_search(&byte) {
            Ok(index) => index,
            Err(index) => index.saturating_sub(1),
        };
        self.base + index
    }

    fn span(&self, bytes: std::ops::Range<usize>) -> Span {
        Span::new(self.of(bytes.start), self.of(bytes.end))
    }
}

/// A word before keyword matching: one part of a (possibly underscore-joined) word.
struct WordPart {
    lower: String,
    span: Span,
    /// Byte range in the source, for the matched phrase's text.
    bytes: std::ops::Range<usize>,
    /// Index of the source word this part belongs to.
    word: usize,
    first_of_word: bool,
    last_of_word: bool,
}

/// Splits `query` into tokens. Errors name the first text that forms no token.
pub fn tokenize(query: &str) -> Result<Vec<Token>> {
    tokenize_at(query, 0)
}

/// Like [`tokenize`], but refuses a query of more than `max_tokens` raw tokens (each word,
/// column, value, operator and punctuation mark counts one) as soon as it reads one more.
pub fn tokenize_limited(query: &str, max_tokens: usize) -> Result<Vec<Token>> {
    lex(query, 0, max_tokens)
}

/// Like [`tokenize`], for text that starts at character `base` of the query (the inside of a
/// quoted value), so positions refer to the whole query.
pub(crate) fn tokenize_at(query: &str, base: usize) -> Result<Vec<Token>> {
    lex(query, base, usize::MAX)
}

/// The longest text one raw token may span, in bytes. logos' lexer nests a call per byte of
/// a token (and per skipped space), so a 10,000-character column name, or 10,000 spaces,
/// overflowed a thread's stack in a debug build; no real column name or value comes near
/// this.
pub const MAX_TOKEN_BYTES: usize = 1024;

/// The query cut at the spaces between tokens, found without lexing: the pieces logos reads
/// one at a time, so that it never skips a long run of spaces. Brackets, quotes and braces
/// run to their closing mark (spaces inside them stay); words to the next space or
/// punctuation. `Err` holds where a token longer than [`MAX_TOKEN_BYTES`] starts.
fn chunks(query: &str) -> std::result::Result<Vec<std::ops::Range<usize>>, usize> {
    const SINGLE: [char; 3] = ['\'', '‘', '’'];
    const DOUBLE: [char; 3] = ['"', '“', '”'];
    let mut chunks: Vec<std::ops::Range<usize>> = Vec::new();
    let mut open: Option<std::ops::Range<usize>> = None;
    let mut chars = query.char_indices().peekable();
    while let Some((start, first)) = chars.next() {
        if first.is_whitespace() {
            chunks.extend(open.take());
            continue;
        }
        // (closes the unit and is part of it, ends the unit before it)
        let (closes, stops): (&dyn Fn(char) -> bool, &dyn Fn(char) -> bool) = match first {
            '[' => (&|c| c == ']', &|c| c == '['),
            '{' => (&|c| c == '}', &|c| c == '{'),
            c if SINGLE.contains(&c) => (&|c| SINGLE.contains(&c), &|_| false),
            c if DOUBLE.contains(&c) => (&|c| DOUBLE.contains(&c), &|_| false),
            _ => (&|_| false, &|c: char| {
                c.is_whitespace() || "[]'‘’\"“”{}.,()=!<>".contains(c)
            }),
        };
        let mut end = start + first.len_utf8();
        while let Some(&(at, c)) = chars.peek() {
            if stops(c) {
                break;
            }
            chars.next();
            end = at + c.len_utf8();
            if closes(c) {
                break;
            }
        }
        if end - start > MAX_TOKEN_BYTES {
            return Err(start);
        }
        open = Some(open.map_or(start..end, |chunk| chunk.start..end));
    }
    chunks.extend(open);
    Ok(chunks)
}

fn lex(query: &str, base: usize, max_tokens: usize) -> Result<Vec<Token>> {
    let offsets = CharOffsets::new(query, base);
    let chunks = chunks(query).map_err(|start| Error::SearchTokenTooLong {
        position: offsets.of(start),
        limit: MAX_TOKEN_BYTES,
    })?;
    let mut tokens = Vec::new();
    // Adjacent words waiting for keyword matching.
    let mut words: Vec<WordPart> = Vec::new();
    let mut word_count = 0;
    let mut raw_count = 0usize;
    let lexed = chunks.into_iter().flat_map(|chunk| {
        let lexer = RawToken::lexer(&query[chunk.clone()]).spanned();
        lexer.map(move |(raw, span)| (raw, chunk.start + span.start..chunk.start + span.end))
    });
    for (raw, bytes) in lexed {
        raw_count += 1;
        if raw_count > max_tokens {
            return Err(Error::SearchTooManyTokens { limit: max_tokens });
        }
        let slice = &query[bytes.clone()];
        let span = offsets.span(bytes.clone());
        let raw = match raw {
            Ok(raw) => raw,
            Err(()) => return Err(stray_text(query, bytes.start, span.start)),
        };
        if raw == RawToken::Word {
            push_word_parts(&mut words, slice, bytes, &offsets, word_count);
            word_count += 1;
            continue;
        }
        flush_words(query, &mut words, &mut tokens);
        let kind = match raw {
            RawToken::Column => TokenKind::Column(inner(slice, 1).to_owned()),
            RawToken::Quoted => TokenKind::Quoted(inner(slice, 1).to_owned()),
            RawToken::Number => TokenKind::Number,
            RawToken::Constant => match normalize_constant(slice) {
                Some(constant) => TokenKind::Constant(constant),
                None => return Err(unknown_token(slice, span.start)),
            },
            RawToken::Eq => TokenKind::Op(CmpOp::Eq),
            RawToken::NotEq => TokenKind::Op(CmpOp::NotEq),
            RawToken::Lt => TokenKind::Op(CmpOp::Lt),
            RawToken::LtEq => TokenKind::Op(CmpOp::LtEq),
            RawToken::Gt => TokenKind::Op(CmpOp::Gt),
            RawToken::GtEq => TokenKind::Op(CmpOp::GtEq),
            RawToken::Dot => TokenKind::Dot,
            RawToken::Comma => TokenKind::Comma,
            RawToken::LParen => TokenKind::LParen,
            RawToken::RParen => TokenKind::RParen,
            RawToken::UnterminatedColumn | RawToken::UnterminatedQuote => {
                return Err(unknown_token(slice.trim_end(), span.start));
            }
            // Handled above.
            RawToken::Word => continue,
        };
        tokens.push(Token {
            kind,
            span,
            text: slice.to_owned(),
        });
    }
    flush_words(query, &mut words, &mut tokens);
    Ok(tokens)
}

/// The text between the first and last `quote_chars` characters of a delimited token.
fn inner(slice: &str, quote_chars: usize) -> &str {
    let mut chars = slice.chars();
    for _ in 0..quote_chars {
        chars.next();
        chars.next_back();
    }
    chars.as_str()
}

fn normalize_constant(slice: &str) -> Option<Constant> {
    match inner(slice, 1).trim().to_lowercase().as_str() {
        "null" => Some(Constant::Null),
        "empty" | "blank" => Some(Constant::Empty),
        _ => None,
    }
}

fn push_word_parts(
    words: &mut Vec<WordPart>,
    slice: &str,
    bytes: std::ops::Range<usize>,
    offsets: &CharOffsets,
    word: usize,
) {
    let pieces: Vec<(usize, &str)> = slice
        .split('_')
        .scan(0usize, |offset, piece| {
            let start = *offset;
            *offset += piece.len() + 1;
            Some((start, piece))
        })
        .filter(|(_, piece)| !piece.is_empty())
        .collect();
    if pieces.is_empty() {
        // Only underscores: keep the word whole so the error names it.
        words.push(WordPart {
            lower: slice.to_lowercase(),
            span: offsets.span(bytes.clone()),
            bytes,
            word,
            first_of_word: true,
            last_of_word: true,
        });
        return;
    }
    let last = pieces.len() - 1;
    for (index, (offset, piece)) in pieces.into_iter().enumerate() {
        let part_bytes = bytes.start + offset..bytes.start + offset + piece.len();
        words.push(WordPart {
            lower: piece.to_lowercase(),
            span: offsets.span(part_bytes.clone()),
            bytes: part_bytes,
            word,
            first_of_word: index == 0,
            last_of_word: index == last,
        });
    }
}

/// Turns the pending adjacent words into keyword and word tokens, longest keyword first.
fn flush_words(query: &str, words: &mut Vec<WordPart>, tokens: &mut Vec<Token>) {
    let mut index = 0;
    while index < words.len() {
        let matched = (1..=MAX_KEYWORD_WORDS.min(words.len() - index))
            .rev()
            .find_map(|length| {
                let parts = &words[index..index + length];
                let on_word_boundaries = parts[0].first_of_word && parts[length - 1].last_of_word;
                if !on_word_boundaries {
                    return None;
                }
                let phrase = parts
                    .iter()
                    .map(|part| part.lower.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                lookup_keyword(&phrase).map(|keyword| (keyword, length))
            });
        let (kind, length) = match matched {
            Some((keyword, length)) => (TokenKind::Keyword(keyword), length),
            None => {
                // No keyword starts here: the whole source word is an ordinary word.
                let word = words[index].word;
                let length = words[index..].iter().take_while(|p| p.word == word).count();
                (TokenKind::Word, length)
            }
        };
        let first = &words[index];
        let last = &words[index + length - 1];
        tokens.push(Token {
            kind,
            span: Span::new(first.span.start, last.span.end),
            text: query[first.bytes.start..last.bytes.end].to_owned(),
        });
        index += length;
    }
    words.clear();
}

/// The error for text logos could not read: the text from there to the next space.
fn stray_text(query: &str, byte: usize, position: usize) -> Error {
    let rest = query.get(byte..).unwrap_or_default();
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    unknown_token(&rest[..end], position)
}

/// "Search did not find …" for a token at a position.
pub(crate) fn unknown_token(token: &str, position: usize) -> Error {
    Error::SearchUnknownToken {
        token: token.to_owned(),
        position,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(query: &str) -> Vec<TokenKind> {
        tokenize(query)
            .unwrap()
            .into_iter()
            .map(|token| token.kind)
            .collect()
    }

    #[test]
    fn columns_values_and_operators() {
        assert_eq!(
            kinds("[Revenue] > 100 [Ship Mode] = 'air', \"tom's\" {NULL} { blank } -2.5"),
            vec![
                TokenKind::Column("Revenue".into()),
                TokenKind::Op(CmpOp::Gt),
                TokenKind::Number,
                TokenKind::Column("Ship Mode".into()),
                TokenKind::Op(CmpOp::Eq),
                TokenKind::Quoted("air".into()),
                TokenKind::Comma,
                TokenKind::Quoted("tom's".into()),
                TokenKind::Constant(Constant::Null),
                TokenKind::Constant(Constant::Empty),
                TokenKind::Number,
            ]
        );
    }

    #[test]
    fn all_comparison_operators() {
        assert_eq!(
            kinds("= != < <= > >="),
            [
                CmpOp::Eq,
                CmpOp::NotEq,
                CmpOp::Lt,
                CmpOp::LtEq,
                CmpOp::Gt,
                CmpOp::GtEq
            ]
            .map(TokenKind::Op)
            .to_vec()
        );
    }

    #[test]
    fn typographic_quotes_are_accepted() {
        assert_eq!(kinds("‘air’"), vec![TokenKind::Quoted("air".into())]);
        assert_eq!(kinds("“air”"), vec![TokenKind::Quoted("air".into())]);
        assert_eq!(kinds("'air’"), vec![TokenKind::Quoted("air".into())]);
    }

    #[test]
    fn tokens_may_abut() {
        assert_eq!(
            kinds("[a][b].monthly,[c]"),
            vec![
                TokenKind::Column("a".into()),
                TokenKind::Column("b".into()),
                TokenKind::Dot,
                TokenKind::Keyword(Keyword::Bucket(Bucket::Monthly)),
                TokenKind::Comma,
                TokenKind::Column("c".into()),
            ]
        );
    }

    #[test]
    fn multi_word_keywords_match_longest_first_case_insensitively() {
        assert_eq!(
            kinds("Not Begins With SORT  BY for each unique count day of week week to date"),
            vec![
                TokenKind::Keyword(Keyword::Text {
                    op: TextOp::BeginsWith,
                    negated: true
                }),
                TokenKind::Keyword(Keyword::SortBy),
                TokenKind::Keyword(Keyword::ForEach),
                TokenKind::Keyword(Keyword::Aggregation(Aggregation::CountDistinct)),
                TokenKind::Keyword(Keyword::Bucket(Bucket::DayOfWeek)),
                TokenKind::Keyword(Keyword::ToDate(Period::Week)),
            ]
        );
        let tokens = tokenize("x SORT  BY").unwrap();
        assert_eq!(tokens[1].text, "SORT  BY");
        assert_eq!(tokens[1].span, Span::new(2, 10));
    }

    #[test]
    fn underscore_forms() {
        assert_eq!(
            kinds("begins_with not_contains unique_count not_ends_with in_progress"),
            vec![
                TokenKind::Keyword(Keyword::Text {
                    op: TextOp::BeginsWith,
                    negated: false
                }),
                TokenKind::Keyword(Keyword::Text {
                    op: TextOp::Contains,
                    negated: true
                }),
                TokenKind::Keyword(Keyword::Aggregation(Aggregation::CountDistinct)),
                TokenKind::Keyword(Keyword::Text {
                    op: TextOp::EndsWith,
                    negated: true
                }),
                TokenKind::Word,
            ]
        );
        let tokens = tokenize("x in_progress").unwrap();
        assert_eq!(tokens[1].text, "in_progress");
        assert_eq!(tokens[1].span, Span::new(2, 13));
    }

    #[test]
    fn keyword_phrases_do_not_cross_other_tokens() {
        assert_eq!(
            kinds("sort [x] by"),
            vec![
                TokenKind::Word,
                TokenKind::Column("x".into()),
                TokenKind::Keyword(Keyword::By),
            ]
        );
    }

    #[test]
    fn last_n_days_is_three_tokens() {
        assert_eq!(
            kinds("last 7 days"),
            vec![
                TokenKind::Keyword(Keyword::Last),
                TokenKind::Number,
                TokenKind::Keyword(Keyword::Period(Period::Day)),
            ]
        );
    }

    #[test]
    fn positions_are_character_offsets() {
        let tokens = tokenize("[Région] = 'é' foo").unwrap();
        assert_eq!(tokens[0].span, Span::new(0, 8));
        assert_eq!(tokens[2].span, Span::new(11, 14));
        assert_eq!(tokens[3].span, Span::new(15, 18));
    }

    #[test]
    fn errors_name_the_text_and_position() {
        let message = |query: &str| tokenize(query).unwrap_err().to_string();
        assert_eq!(
            message("[revenue] 'air"),
            "Search did not find \"'air\" in your data or metadata (at character 10)."
        );
        assert_eq!(
            message("[revenue"),
            "Search did not find \"[revenue\" in your data or metadata (at character 0)."
        );
        assert_eq!(
            message("[a] {nothing}"),
            "Search did not find \"{nothing}\" in your data or metadata (at character 4)."
        );
        assert_eq!(
            message("[a] ! 3"),
            "Search did not find \"!\" in your data or metadata (at character 4)."
        );
        assert_eq!(
            message("[a] ]"),
            "Search did not find \"]\" in your data or metadata (at character 4)."
        );
    }
}
