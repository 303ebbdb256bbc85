//! Python literals, for `import_objects`.
//!
//! The PyPI client's `metadata_tml_import` can send the list of TML documents as Python's
//! `str()` of a list rather than as JSON: single-quoted strings with backslash escapes,
//! `True`/`False`/`None`. This reads that notation (and JSON, which it mostly contains) into
//! a `serde_json::Value`.

use serde_json::{Map, Value};

/// How deep lists and dicts may nest. TML documents arrive as a flat list of strings, so real
/// input needs two levels; the bound keeps a hostile body from overflowing the stack.
pub const MAX_DEPTH: usize = 64;

/// Parses a Python literal (list, dict, string, number, True/False/None; JSON's
/// true/false/null too).
pub fn parse(input: &str) -> Result<Value, String> {
    let mut parser = Parser {
        chars: input.chars().collect(),
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_space();
    if parser.pos < parser.chars.len() {
        return Err(format!("unexpected text at character {}", parser.pos));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    /// Lists and dicts open at `pos`.
    depth: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_space();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected '{c}' at character {}", self.pos))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_space();
        match self.peek() {
            Some('[') => self.nested(|p| p.sequence('[', ']').map(Value::Array)),
            Some('(') => self.nested(|p| p.sequence('(', ')').map(Value::Array)),
            Some('{') => self.nested(Self::dict),
            Some(q @ ('\'' | '"')) => self.string(q).map(Value::String),
            Some(c) if c == '-' || c == '+' || c.is_ascii_digit() => self.number(),
            Some(c) if c.is_ascii_alphabetic() => self.word(),
            Some(c) => Err(format!("unexpected '{c}' at character {}", self.pos)),
            None => Err("unexpected end of input".into()),
        }
    }

    /// Parses a list or dict one level deeper, refusing input nested past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<Value, String>,
    ) -> Result<Value, String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "lists and dicts nest deeper than {MAX_DEPTH} levels at character {}",
                self.pos
            ));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn sequence(&mut self, open: char, close: char) -> Result<Vec<Value>, String> {
        self.expect(open)?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.value()?);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some(c) if c == close => {}
                _ => {
                    return Err(format!(
                        "expected ',' or '{close}' at character {}",
                        self.pos
                    ));
                }
            }
        }
    }

    fn dict(&mut self) -> Result<Value, String> {
        self.expect('{')?;
        let mut map = Map::new();
        loop {
            self.skip_space();
            if self.peek() == Some('}') {
                self.pos += 1;
                return Ok(Value::Object(map));
            }
            let key = match self.value()? {
                Value::String(s) => s,
                other => other.to_string(),
            };
            self.expect(':')?;
            let value = self.value()?;
            map.insert(key, value);
            self.skip_space();
            match self.peek() {
                Some(',') => self.pos += 1,
                Some('}') => {}
                _ => return Err(format!("expected ',' or '}}' at character {}", self.pos)),
            }
        }
    }

    fn hex(&mut self, digits: usize) -> Result<u32, String> {
        let end = self.pos + digits;
        if end > self.chars.len() {
            return Err("truncated escape sequence".into());
        }
        let text: String = self.chars[self.pos..end].iter().collect();
        self.pos = end;
        u32::from_str_radix(&text, 16).map_err(|_| format!("invalid escape digits '{text}'"))
    }

    fn string(&mut self, quote: char) -> Result<String, String> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            let c = self.peek().ok_or("unterminated string")?;
            self.pos += 1;
            match c {
                c if c == quote => return Ok(out),
                '\\' => {
                    let escaped = self.peek().ok_or("unterminated escape")?;
                    self.pos += 1;
                    match escaped {
                        'n' => out.push('\n'),
                        't' => out.push('\t'),
                        'r' => out.push('\r'),
                        '0' => out.push('\0'),
                        '\\' | '\'' | '"' => out.push(escaped),
                        '\n' => {} // line continuation
                        'x' | 'u' | 'U' => {
                            let digits = match escaped {
                                'x' => 2,
                                'u' => 4,
                                _ => 8,
                            };
                            let code = self.hex(digits)?;
                            // A \u escape of half a surrogate pair (JSON style) combines with the next.
                            let code = if (0xD800..0xDC00).contains(&code)
                                && self.chars.get(self.pos) == Some(&'\\')
                                && self.chars.get(self.pos + 1) == Some(&'u')
                            {
                                self.pos += 2;
                                let low = self.hex(4)?;
                                0x10000
                                    + ((code - 0xD800) << 10)
                                    + (low.wrapping_sub(0xDC00) & 0x3FF)
                            } else {
                                code
                            };
                            out.push(
                                char::from_u32(code)
                                    .ok_or_else(|| format!("invalid character code {code:#x}"))?,
                            );
                        }
                        other => {
                            // Python keeps unknown escapes as written.
                            out.push('\\');
                            out.push(other);
                        }
                    }
                }
                c => out.push(c),
            }
        }
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '+'))
        {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        serde_json::from_str::<serde_json::Number>(&text)
            .map(Value::Number)
            .map_err(|_| format!("invalid number '{text}'"))
    }

    fn word(&mut self) -> Result<Value, String> {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        {
            self.pos += 1;
        }
        let word: String = self.chars[start..self.pos].iter().collect();
        match word.as_str() {
            "True" | "true" => Ok(Value::Bool(true)),
            "False" | "false" => Ok(Value::Bool(false)),
            "None" | "null" => Ok(Value::Null),
            other => Err(format!("unexpected word '{other}' at character {start}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_python_str_of_a_list_of_tml() {
        let text =
            "['guid: x\\ntable:\\n  name: \\'It\\\\s\\'\\n', \"answer: {name: \\xe9\\u00e9}\"]";
        let value = parse(text).unwrap();
        let items = value.as_array().unwrap();
        assert_eq!(items[0], "guid: x\ntable:\n  name: 'It\\s'\n");
        assert_eq!(items[1], "answer: {name: éé}");
    }

    #[test]
    fn reads_dicts_and_constants() {
        let value =
            parse("[{'table': {'name': 't', 'hidden': False, 'n': 3, 'x': None}}]").unwrap();
        assert_eq!(value[0]["table"]["hidden"], false);
        assert_eq!(value[0]["table"]["n"], 3);
        assert!(value[0]["table"]["x"].is_null());
        assert_eq!(parse(r#"["a\ud83d\ude00"]"#).unwrap()[0], "a😀");
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert!(parse("['unterminated").is_err());
        assert!(parse("[1, 2").is_err());
        assert!(parse("[os.system('x')]").is_err());
        assert!(parse("[] trailing").is_err());
    }

    #[test]
    fn deep_nesting_is_refused_without_recursing_further() {
        let deep = "[".repeat(100_000);
        let err = parse(&deep).unwrap_err();
        assert!(err.contains("nest deeper than 64"), "{err}");
        let dicts = "{'a': ".repeat(MAX_DEPTH + 1);
        assert!(parse(&dicts).unwrap_err().contains("nest deeper"));
        let fits = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fits).is_ok());
    }
}
