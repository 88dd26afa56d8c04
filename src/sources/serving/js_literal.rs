//! A small, tolerant reader for the JavaScript object literals in SGLang's config snippets.
//!
//! It understands what plain data literals use: objects with unquoted, quoted or numeric keys,
//! arrays, double- and single-quoted strings with escapes, template strings (kept verbatim,
//! `${…}` included, never evaluated), numbers, `true` / `false` / `null` / `undefined`, bare
//! identifiers as values, `//` and `/* */` comments and trailing commas. Spreads, calls and
//! operators are errors with a line number: the snippets promise a plain literal ("no
//! spreads/calls/IIFE"), so anything else means the file changed shape.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Node>),
    Object(Vec<(String, Node)>),
    /// A bare identifier (a reference to something defined elsewhere).
    Ident(String),
}

/// A value and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub value: Value,
    pub line: usize,
}

impl Node {
    /// The value under `key` when this is an object (the last one when a key repeats, as in
    /// JavaScript).
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ParseError {
    pub line: usize,
    pub message: String,
}

/// Finds `const <name> =` / `let` / `var` (optionally after `export`) outside comments and
/// strings, and parses the literal after `=`. `Ok(None)` when there is no such binding.
pub(super) fn find_binding(source: &str, name: &str) -> Result<Option<Node>, ParseError> {
    let mut p = Parser::new(source);
    loop {
        p.skip_trivia()?;
        let Some(c) = p.peek() else {
            return Ok(None);
        };
        match c {
            '"' | '\'' => {
                p.string(c)?;
            }
            '`' => {
                p.template()?;
            }
            c if is_ident_start(c) => {
                let word = p.ident();
                if matches!(word.as_str(), "const" | "let" | "var") {
                    p.skip_trivia()?;
                    if p.peek().is_some_and(is_ident_start) && p.ident() == name {
                        p.skip_trivia()?;
                        if p.peek() == Some('=') && p.peek_at(1) != Some('=') {
                            p.bump();
                            let node = p.value()?;
                            return Ok(Some(node));
                        }
                    }
                }
            }
            _ => {
                p.bump();
            }
        }
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_' || c == '$'
}

fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Objects and arrays nested deeper than this are refused: real configs nest 4–6 levels,
/// and the parser recurses once per level (30,000 levels would overflow the stack).
pub(super) const MAX_DEPTH: usize = 64;

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    /// Objects and arrays open around the cursor.
    depth: usize,
}

impl Parser {
    fn new(source: &str) -> Parser {
        Parser {
            chars: source.chars().collect(),
            pos: 0,
            line: 1,
            depth: 0,
        }
    }

    /// Parses a nested object or array one level deeper, refusing past [`MAX_DEPTH`].
    fn nested(
        &mut self,
        line: usize,
        parse: fn(&mut Parser) -> Result<Value, ParseError>,
    ) -> Result<Value, ParseError> {
        if self.depth >= MAX_DEPTH {
            return Err(self.error(
                line,
                format!("objects and arrays nested deeper than {MAX_DEPTH} levels"),
            ));
        }
        self.depth += 1;
        let value = parse(self);
        self.depth -= 1;
        value
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            line,
            message: message.into(),
        }
    }

    fn skip_trivia(&mut self) -> Result<(), ParseError> {
        loop {
            match (self.peek(), self.peek_at(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek().is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    let start = self.line;
                    self.bump();
                    self.bump();
                    loop {
                        match self.bump() {
                            Some('*') if self.peek() == Some('/') => {
                                self.bump();
                                break;
                            }
                            Some(_) => {}
                            None => return Err(self.error(start, "unterminated `/*` comment")),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    fn ident(&mut self) -> String {
        let mut word = String::new();
        while let Some(c) = self.peek().filter(|c| is_ident_char(*c)) {
            word.push(c);
            self.bump();
        }
        word
    }
}

/// Objects, arrays and the values in them.
impl Parser {
    fn value(&mut self) -> Result<Node, ParseError> {
        self.skip_trivia()?;
        let line = self.line;
        let value = match self.peek() {
            None => return Err(self.error(line, "the file ends where a value was expected")),
            Some('{') => self.nested(line, Parser::object)?,
            Some('[') => self.nested(line, Parser::array)?,
            Some(q @ ('"' | '\'')) => Value::Str(self.string(q)?),
            Some('`') => Value::Str(self.template()?),
            Some('.') if self.peek_at(1) == Some('.') => {
                return Err(self.error(line, "spread (`...`) is not supported"))
            }
            Some(c) if c.is_ascii_digit() || matches!(c, '-' | '+' | '.') => self.number()?,
            Some(c) if is_ident_start(c) => {
                let mut word = self.ident();
                while self.peek() == Some('.') && self.peek_at(1).is_some_and(is_ident_start) {
                    self.bump();
                    word.push('.');
                    word.push_str(&self.ident());
                }
                match word.as_str() {
                    "true" => Value::Bool(true),
                    "false" => Value::Bool(false),
                    "null" | "undefined" => Value::Null,
                    _ => {
                        self.skip_trivia()?;
                        if self.peek() == Some('(') {
                            return Err(
                                self.error(line, format!("call `{word}(…)` is not supported"))
                            );
                        }
                        Value::Ident(word)
                    }
                }
            }
            Some(c) => {
                return Err(self.error(line, format!("unexpected `{c}` where a value was expected")))
            }
        };
        Ok(Node { value, line })
    }

    fn object(&mut self) -> Result<Value, ParseError> {
        let open_line = self.line;
        self.bump(); // {
        let mut entries = Vec::new();
        loop {
            self.skip_trivia()?;
            let key_line = self.line;
            let key = match self.peek() {
                None => return Err(self.error(open_line, "unterminated object (no closing `}`)")),
                Some('}') => {
                    self.bump();
                    return Ok(Value::Object(entries));
                }
                Some(q @ ('"' | '\'')) => self.string(q)?,
                Some(c) if is_ident_start(c) => self.ident(),
                Some(c) if c.is_ascii_digit() => match self.number()? {
                    Value::Number(n) => format_number(n),
                    _ => unreachable!("number() returns numbers"),
                },
                Some('.') if self.peek_at(1) == Some('.') => {
                    return Err(self.error(key_line, "spread (`...`) is not supported"))
                }
                Some('[') => return Err(self.error(key_line, "computed keys are not supported")),
                Some(c) => {
                    return Err(self.error(
                        key_line,
                        format!("unexpected `{c}` where a key was expected"),
                    ))
                }
            };
            self.skip_trivia()?;
            if self.peek() != Some(':') {
                return Err(self.error(
                    self.line,
                    format!(
                        "expected `:` after key `{key}` (shorthand properties are not supported)"
                    ),
                ));
            }
            self.bump();
            let value = self.value()?;
            entries.push((key.clone(), value));
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some('}') => {}
                None => return Err(self.error(open_line, "unterminated object (no closing `}`)")),
                Some(c) => {
                    return Err(self.error(
                        self.line,
                        format!("expected `,` or `}}` after the value of `{key}`, found `{c}`"),
                    ))
                }
            }
        }
    }

    fn array(&mut self) -> Result<Value, ParseError> {
        let open_line = self.line;
        self.bump(); // [
        let mut items = Vec::new();
        loop {
            self.skip_trivia()?;
            match self.peek() {
                None => return Err(self.error(open_line, "unterminated array (no closing `]`)")),
                Some(']') => {
                    self.bump();
                    return Ok(Value::Array(items));
                }
                _ => {}
            }
            items.push(self.value()?);
            self.skip_trivia()?;
            match self.peek() {
                Some(',') => {
                    self.bump();
                }
                Some(']') => {}
                None => return Err(self.error(open_line, "unterminated array (no closing `]`)")),
                Some(c) => {
                    return Err(self.error(
                        self.line,
                        format!("expected `,` or `]` in an array, found `{c}`"),
                    ))
                }
            }
        }
    }
}

/// Strings, template strings and numbers.
impl Parser {
    /// A quoted string; the cursor is on the opening quote.
    fn string(&mut self, quote: char) -> Result<String, ParseError> {
        let start = self.line;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return Err(self.error(start, "unterminated string")),
                Some(c) if c == quote => return Ok(text),
                Some('\\') => self.escape(&mut text, start)?,
                Some(c) => text.push(c),
            }
        }
    }

    /// A template string, kept verbatim (`${…}` included); the cursor is on the backtick.
    fn template(&mut self) -> Result<String, ParseError> {
        let start = self.line;
        self.bump();
        let mut text = String::new();
        loop {
            match self.bump() {
                None => return Err(self.error(start, "unterminated template string")),
                Some('`') => return Ok(text),
                Some('\\') => self.escape(&mut text, start)?,
                Some('$') if self.peek() == Some('{') => {
                    text.push('$');
                    let mut depth = 0usize;
                    loop {
                        match self.bump() {
                            None => {
                                return Err(
                                    self.error(start, "unterminated `${` in a template string")
                                )
                            }
                            Some(c) => {
                                text.push(c);
                                match c {
                                    '{' => depth += 1,
                                    '}' => {
                                        depth -= 1;
                                        if depth == 0 {
                                            break;
                                        }
                                    }
                                    _ => {}
                                }
                            }
                        }
                    }
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// The character after a backslash.
    fn escape(&mut self, text: &mut String, start: usize) -> Result<(), ParseError> {
        let Some(c) = self.bump() else {
            return Err(self.error(start, "unterminated string"));
        };
        match c {
            'n' => text.push('\n'),
            't' => text.push('\t'),
            'r' => text.push('\r'),
            'b' => text.push('\u{8}'),
            'f' => text.push('\u{c}'),
            'v' => text.push('\u{b}'),
            '0' => text.push('\0'),
            '\n' => {} // line continuation
            'x' => {
                let code = self.hex_digits(2, start)?;
                text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            'u' if self.peek() == Some('{') => {
                self.bump();
                let mut code = 0u32;
                loop {
                    match self.bump() {
                        Some('}') => break,
                        Some(h) if h.is_ascii_hexdigit() => {
                            code = code
                                .saturating_mul(16)
                                .saturating_add(h.to_digit(16).unwrap_or(0))
                        }
                        _ => return Err(self.error(start, "bad `\\u{…}` escape")),
                    }
                }
                text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            'u' => {
                let code = self.hex_digits(4, start)?;
                text.push(char::from_u32(code).unwrap_or('\u{fffd}'));
            }
            other => text.push(other),
        }
        Ok(())
    }

    fn hex_digits(&mut self, count: usize, start: usize) -> Result<u32, ParseError> {
        let mut code = 0u32;
        for _ in 0..count {
            match self.bump().and_then(|h| h.to_digit(16)) {
                Some(d) => code = code * 16 + d,
                None => return Err(self.error(start, "bad hexadecimal escape")),
            }
        }
        Ok(code)
    }

    fn number(&mut self) -> Result<Value, ParseError> {
        let line = self.line;
        let mut text = String::new();
        if let Some(sign @ ('-' | '+')) = self.peek() {
            text.push(sign);
            self.bump();
        }
        while let Some(c) = self.peek() {
            let exponent_sign =
                matches!(c, '-' | '+') && text.ends_with(['e', 'E']) && !text.contains(['x', 'X']);
            if c.is_ascii_alphanumeric() || c == '.' || c == '_' || exponent_sign {
                text.push(c);
                self.bump();
            } else {
                break;
            }
        }
        let digits = text.replace('_', "");
        let (negative, unsigned) = match digits.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, digits.trim_start_matches('+')),
        };
        let radix = match unsigned.get(..2) {
            Some("0x" | "0X") => Some(16),
            Some("0o" | "0O") => Some(8),
            Some("0b" | "0B") => Some(2),
            _ => None,
        };
        let parsed = match radix {
            Some(radix) => u64::from_str_radix(&unsigned[2..], radix)
                .ok()
                .map(|n| n as f64),
            None => unsigned.parse::<f64>().ok(),
        };
        match parsed {
            Some(n) => Ok(Value::Number(if negative { -n } else { n })),
            None => Err(self.error(line, format!("`{text}` is not a number"))),
        }
    }
}

fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(source: &str) -> Result<Option<Node>, ParseError> {
        find_binding(source, "config")
    }

    #[test]
    fn reads_plain_data_literals() {
        let node = parse(
            "// c\nexport const config = {\n  a: \"x\\\"y\", 'b': 'z', 3: -1.5e2,\n  t: `p\\\\q ${a + {b}}`,\n  l: [true, null, undefined, ident.path,],\n};\n",
        )
        .unwrap()
        .unwrap();
        assert_eq!(node.line, 2);
        assert_eq!(node.get("a").unwrap().value, Value::Str("x\"y".into()));
        assert_eq!(node.get("b").unwrap().value, Value::Str("z".into()));
        assert_eq!(node.get("3").unwrap().value, Value::Number(-150.0));
        assert_eq!(
            node.get("t").unwrap().value,
            Value::Str("p\\q ${a + {b}}".into())
        );
        let list = node.get("l").unwrap();
        assert_eq!(list.line, 5);
        assert_eq!(
            list.value,
            Value::Array(vec![
                Node {
                    value: Value::Bool(true),
                    line: 5
                },
                Node {
                    value: Value::Null,
                    line: 5
                },
                Node {
                    value: Value::Null,
                    line: 5
                },
                Node {
                    value: Value::Ident("ident.path".into()),
                    line: 5
                },
            ])
        );
    }

    #[test]
    fn skips_bindings_in_comments_and_strings() {
        let source = "/* const config = 1 */ const s = \"const config = 2\"; const config = 3;";
        assert_eq!(parse(source).unwrap().unwrap().value, Value::Number(3.0));
        assert_eq!(parse("export const benchmarks = [];").unwrap(), None);
    }

    #[test]
    fn reports_the_line_of_what_it_cannot_read() {
        let err = |s: &str| parse(s).unwrap_err();
        assert_eq!(err("const config = {\n a: 1\n b: 2 }").line, 3);
        assert_eq!(err("const config = {\n ...base,\n}").line, 2);
        assert_eq!(err("const config = {\n a: make(1),\n}").line, 2);
        assert_eq!(err("const config = {\n a: [1,\n").line, 2);
        assert_eq!(err("const config = {\n a: \"open\n}").line, 2);
    }
}
