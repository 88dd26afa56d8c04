//! A JavaScript module's constants, evaluated statically: SGLang's `docs_new` serving configs
//! are parsed with oxc (a maintained JavaScript / JSX parser) and the value bound to a name is
//! computed from the syntax tree, without running anything.
//!
//! What is evaluated: string, number, boolean and `null` literals; template strings whose parts
//! are evaluable; arrays and objects (spreads of evaluable arrays and objects included, later
//! keys winning as in JavaScript); `const` / `let` / `var` bindings of the same file by name
//! (`export` or not, in any order); `.key` / `["key"]` on an evaluated object; `+` on strings
//! and numbers; unary `-` / `+` on numbers; parentheses. Everything else — functions
//! (`showWhen: (s) => …`), calls, conditionals, imports, a name this file does not bind —
//! becomes an [`Value::Opaque`] value that says what it is. An opaque value never aborts the
//! file: only a syntax error does.
//!
//! Bounds: a source nested deeper than [`MAX_SOURCE_NESTING`] brackets is refused before
//! parsing (the parser recurses); evaluation stops at [`MAX_DEPTH`] levels and after
//! [`MAX_NODES`] values (spreads of spreads could grow exponentially), the rest opaque.

use std::collections::HashMap;

use oxc_allocator::Allocator;
use oxc_ast::ast::{
    ArrayExpressionElement, BinaryExpression, BindingPatternKind, Declaration, Expression,
    ObjectExpression, ObjectPropertyKind, Program, PropertyKey, Statement, TemplateLiteral,
};
use oxc_parser::Parser;
use oxc_span::{GetSpan, SourceType};

/// Brackets nested deeper than this in the source text are refused before parsing (real
/// configs nest about 10 deep).
pub(super) const MAX_SOURCE_NESTING: usize = 64;
/// Evaluation depth (nested values and constant references).
const MAX_DEPTH: usize = 64;
/// Values built per file.
const MAX_NODES: usize = 200_000;

/// An evaluated value and the 1-based line it starts on.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Node {
    pub(super) value: Value,
    pub(super) line: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Null,
    Bool(bool),
    Number(f64),
    Str(String),
    Array(Vec<Node>),
    /// Keys in first-seen order; a later key (or spread) replaces an earlier value.
    Object(Vec<(String, Node)>),
    /// Not evaluable statically: what it is (`a function`, `a call`, `` `x`, not bound in
    /// this file``).
    Opaque(String),
}

impl Node {
    /// The value of `key` when this is an object.
    pub(super) fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Object(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// The string when this is one.
    pub(super) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(text) => Some(text),
            _ => None,
        }
    }
}

/// Why a file could not be read as JavaScript.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub(super) struct SyntaxError {
    pub(super) line: usize,
    pub(super) message: String,
}

/// The value bound to `name` at the top level of the module `text` (`export const name = …`,
/// `const name = …`), or `None` when the file binds no such name.
pub(super) fn evaluate_binding(text: &str, name: &str) -> Result<Option<Node>, SyntaxError> {
    let lines = LineIndex::new(text);
    if let Some(at) = too_deep(text, MAX_SOURCE_NESTING) {
        return Err(SyntaxError {
            line: lines.line(at),
            message: format!("objects and arrays nested deeper than {MAX_SOURCE_NESTING} levels"),
        });
    }
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::jsx()).parse();
    if let Some(error) = parsed.errors.first() {
        let at = error
            .labels
            .as_ref()
            .and_then(|labels| labels.first())
            .map_or(0, |label| label.offset());
        return Err(SyntaxError {
            line: lines.line(at),
            message: format!("not valid JavaScript: {}", error.message),
        });
    }
    let bindings = top_level_bindings(&parsed.program);
    let Some((&key, expression)) = bindings.get_key_value(name) else {
        return Ok(None);
    };
    let mut evaluator = Evaluator {
        bindings: &bindings,
        lines: &lines,
        nodes: 0,
        resolving: vec![key],
    };
    Ok(Some(evaluator.eval(expression, 0)))
}

/// Every top-level `const` / `let` / `var name = expression` (exported or not); the first
/// binding of a name wins (a second one is a syntax error in a module anyway).
fn top_level_bindings<'p, 'a>(program: &'p Program<'a>) -> HashMap<&'a str, &'p Expression<'a>> {
    let mut bindings = HashMap::new();
    for statement in &program.body {
        let declaration = match statement {
            Statement::VariableDeclaration(declaration) => declaration,
            Statement::ExportNamedDeclaration(export) => match &export.declaration {
                Some(Declaration::VariableDeclaration(declaration)) => declaration,
                _ => continue,
            },
            _ => continue,
        };
        for declarator in &declaration.declarations {
            if let (BindingPatternKind::BindingIdentifier(id), Some(init)) =
                (&declarator.id.kind, &declarator.init)
            {
                bindings.entry(id.name.as_str()).or_insert(init);
            }
        }
    }
    bindings
}

struct Evaluator<'e, 'p, 'a> {
    bindings: &'e HashMap<&'a str, &'p Expression<'a>>,
    lines: &'e LineIndex,
    nodes: usize,
    /// The constants being evaluated (a cycle is opaque, not endless).
    resolving: Vec<&'a str>,
}

impl<'a> Evaluator<'_, '_, 'a> {
    fn eval(&mut self, expression: &Expression<'a>, depth: usize) -> Node {
        let line = self.lines.line(expression.span().start as usize);
        let value = if depth > MAX_DEPTH {
            Value::Opaque(format!("nested deeper than {MAX_DEPTH}"))
        } else if self.nodes >= MAX_NODES {
            Value::Opaque(format!("more than {MAX_NODES} values"))
        } else {
            self.nodes += 1;
            self.value(expression, depth)
        };
        Node { value, line }
    }

    fn value(&mut self, expression: &Expression<'a>, depth: usize) -> Value {
        match expression {
            Expression::NullLiteral(_) => Value::Null,
            Expression::BooleanLiteral(literal) => Value::Bool(literal.value),
            Expression::NumericLiteral(literal) => Value::Number(literal.value),
            Expression::StringLiteral(literal) => Value::Str(literal.value.to_string()),
            Expression::TemplateLiteral(template) => self.template(template, depth),
            Expression::Identifier(id) => self.constant(id.name.as_str(), depth),
            Expression::ParenthesizedExpression(inner) => self.eval(&inner.expression, depth).value,
            Expression::ArrayExpression(array) => {
                let mut items = Vec::new();
                for element in &array.elements {
                    self.array_element(element, depth, &mut items);
                }
                Value::Array(items)
            }
            Expression::ObjectExpression(object) => self.object(object, depth),
            Expression::StaticMemberExpression(member) => {
                let object = self.eval(&member.object, depth + 1);
                member_of(object, member.property.name.as_str())
            }
            Expression::ComputedMemberExpression(member) => {
                let object = self.eval(&member.object, depth + 1);
                match self.eval(&member.expression, depth + 1).value {
                    Value::Str(key) => member_of(object, &key),
                    Value::Number(n) => member_of(object, &number_text(n)),
                    _ => Value::Opaque("a computed member".to_string()),
                }
            }
            Expression::UnaryExpression(unary) => {
                use oxc_ast::ast::UnaryOperator;
                match (unary.operator, self.eval(&unary.argument, depth + 1).value) {
                    (UnaryOperator::UnaryNegation, Value::Number(n)) => Value::Number(-n),
                    (UnaryOperator::UnaryPlus, Value::Number(n)) => Value::Number(n),
                    _ => Value::Opaque("a unary expression".to_string()),
                }
            }
            Expression::BinaryExpression(binary) => self.binary(binary, depth),
            other => Value::Opaque(opaque_kind(other).to_string()),
        }
    }

    fn constant(&mut self, name: &'a str, depth: usize) -> Value {
        if name == "undefined" {
            return Value::Null;
        }
        let Some(expression) = self.bindings.get(name).copied() else {
            return Value::Opaque(format!("`{name}`, not bound in this file"));
        };
        if self.resolving.contains(&name) {
            return Value::Opaque(format!("`{name}`, defined in terms of itself"));
        }
        self.resolving.push(name);
        let value = self.eval(expression, depth + 1).value;
        self.resolving.pop();
        value
    }

    fn template(&mut self, template: &TemplateLiteral<'a>, depth: usize) -> Value {
        let mut text = String::new();
        for (i, quasi) in template.quasis.iter().enumerate() {
            match &quasi.value.cooked {
                Some(cooked) => text.push_str(cooked.as_str()),
                None => return Value::Opaque("a template with an invalid escape".to_string()),
            }
            if let Some(expression) = template.expressions.get(i) {
                match self.eval(expression, depth + 1).value {
                    Value::Str(part) => text.push_str(&part),
                    Value::Number(n) => text.push_str(&number_text(n)),
                    Value::Bool(b) => text.push_str(if b { "true" } else { "false" }),
                    Value::Null => text.push_str("null"),
                    _ => return Value::Opaque("a template with a part not evaluable".to_string()),
                }
            }
        }
        Value::Str(text)
    }

    fn array_element(
        &mut self,
        element: &ArrayExpressionElement<'a>,
        depth: usize,
        items: &mut Vec<Node>,
    ) {
        match element {
            ArrayExpressionElement::SpreadElement(spread) => {
                let node = self.eval(&spread.argument, depth + 1);
                match node.value {
                    Value::Array(spread_items) => items.extend(spread_items),
                    Value::Opaque(why) => items.push(Node {
                        value: Value::Opaque(format!("a spread of {why}")),
                        line: node.line,
                    }),
                    _ => items.push(Node {
                        value: Value::Opaque("a spread of a non-array".to_string()),
                        line: node.line,
                    }),
                }
            }
            ArrayExpressionElement::Elision(hole) => items.push(Node {
                value: Value::Null,
                line: self.lines.line(hole.span.start as usize),
            }),
            other => {
                if let Some(expression) = other.as_expression() {
                    items.push(self.eval(expression, depth + 1));
                }
            }
        }
    }

    fn object(&mut self, object: &ObjectExpression<'a>, depth: usize) -> Value {
        let mut entries: Vec<(String, Node)> = Vec::new();
        let put = |entries: &mut Vec<(String, Node)>, key: String, node: Node| match entries
            .iter_mut()
            .find(|(k, _)| *k == key)
        {
            Some(slot) => slot.1 = node,
            None => entries.push((key, node)),
        };
        for property in &object.properties {
            match property {
                ObjectPropertyKind::ObjectProperty(property) => {
                    let Some(key) = self.key(&property.key, property.computed, depth) else {
                        continue; // a key not evaluable names nothing we could look up
                    };
                    let node = if property.method {
                        Node {
                            value: Value::Opaque("a function".to_string()),
                            line: self.lines.line(property.span.start as usize),
                        }
                    } else {
                        self.eval(&property.value, depth + 1)
                    };
                    put(&mut entries, key, node);
                }
                ObjectPropertyKind::SpreadProperty(spread) => {
                    if let Value::Object(spread_entries) =
                        self.eval(&spread.argument, depth + 1).value
                    {
                        for (key, node) in spread_entries {
                            put(&mut entries, key, node);
                        }
                    }
                }
            }
        }
        Value::Object(entries)
    }

    fn key(&mut self, key: &PropertyKey<'a>, computed: bool, depth: usize) -> Option<String> {
        if !computed {
            return key.static_name().map(|name| name.into_owned());
        }
        match self.eval(key.as_expression()?, depth + 1).value {
            Value::Str(text) => Some(text),
            Value::Number(n) => Some(number_text(n)),
            _ => None,
        }
    }

    fn binary(&mut self, binary: &BinaryExpression<'a>, depth: usize) -> Value {
        use oxc_ast::ast::BinaryOperator;
        if binary.operator != BinaryOperator::Addition {
            return Value::Opaque("an operator other than `+`".to_string());
        }
        let left = self.eval(&binary.left, depth + 1).value;
        let right = self.eval(&binary.right, depth + 1).value;
        match (left, right) {
            (Value::Number(a), Value::Number(b)) => Value::Number(a + b),
            (Value::Str(a), Value::Str(b)) => Value::Str(a + &b),
            (Value::Str(a), Value::Number(b)) => Value::Str(a + &number_text(b)),
            (Value::Number(a), Value::Str(b)) => Value::Str(number_text(a) + &b),
            _ => Value::Opaque("`+` on values not evaluable".to_string()),
        }
    }
}

/// `object.key` on an evaluated value.
fn member_of(object: Node, key: &str) -> Value {
    match object.value {
        Value::Object(entries) => entries
            .into_iter()
            .find(|(k, _)| k == key)
            .map_or(Value::Null, |(_, node)| node.value),
        Value::Array(items) => match key.parse::<usize>() {
            Ok(index) => items
                .into_iter()
                .nth(index)
                .map_or(Value::Null, |n| n.value),
            Err(_) => Value::Opaque(format!("`.{key}` of an array")),
        },
        Value::Opaque(why) => Value::Opaque(why),
        _ => Value::Opaque(format!("`.{key}` of a literal")),
    }
}

fn opaque_kind(expression: &Expression<'_>) -> &'static str {
    match expression {
        Expression::ArrowFunctionExpression(_) | Expression::FunctionExpression(_) => "a function",
        Expression::CallExpression(_) | Expression::NewExpression(_) => "a call",
        Expression::ConditionalExpression(_) | Expression::LogicalExpression(_) => "a conditional",
        Expression::JSXElement(_) | Expression::JSXFragment(_) => "a JSX element",
        _ => "an expression not evaluated statically",
    }
}

/// A number as JavaScript prints it in a template (`8`, not `8.0`).
fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// The byte offset where `text` first nests brackets deeper than `max` (counted without
/// regard to strings and comments: an over-approximation no real config comes near).
fn too_deep(text: &str, max: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (at, byte) in text.bytes().enumerate() {
        match byte {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return Some(at);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// Byte offset → 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(at, _)| at + 1));
        LineIndex { starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&start| start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Value {
        evaluate_binding(text, "config").unwrap().unwrap().value
    }

    #[test]
    fn literals_templates_spreads_and_constants() {
        let text = "const TP = 8;\nconst base = { a: 1, flags: [\"--tp \" + TP] };\n\
                    export const config = { ...base, a: 2, t: `x${TP}y`, l: [...base.flags, -1],\n\
                    f: (s) => s.hw, m() { return 1 }, u: undefined, n: null, \"q\": true };";
        let Value::Object(entries) = eval(text) else {
            panic!("not an object")
        };
        let shown: Vec<(&str, Value)> = entries
            .iter()
            .map(|(k, v)| (k.as_str(), v.value.clone()))
            .collect();
        let line = |value, line| Node { value, line };
        assert_eq!(
            shown,
            vec![
                ("a", Value::Number(2.0)),
                (
                    "flags",
                    Value::Array(vec![line(Value::Str("--tp 8".into()), 2)])
                ),
                ("t", Value::Str("x8y".into())),
                (
                    "l",
                    Value::Array(vec![
                        line(Value::Str("--tp 8".into()), 2),
                        line(Value::Number(-1.0), 3)
                    ])
                ),
                ("f", Value::Opaque("a function".into())),
                ("m", Value::Opaque("a function".into())),
                ("u", Value::Null),
                ("n", Value::Null),
                ("q", Value::Bool(true)),
            ]
        );
    }

    #[test]
    fn what_is_not_evaluable_is_opaque_not_an_error() {
        let text = "import x from \"y\";\nexport const config = { a: x, b: f(), c: a ? 1 : 2,\n\
                    d: `${x}`, e: [...x], g: config,\n\
                    h: (s) => { const b = JSON.stringify(s).replace(/\"{{(A|B)}}\"/g, \"{{$1}}\"); return <p>{b}</p>; } };";
        let Value::Object(entries) = eval(text) else {
            panic!("not an object")
        };
        let whys: Vec<String> = entries
            .iter()
            .map(|(k, v)| match &v.value {
                Value::Opaque(why) => format!("{k}: {why}"),
                Value::Array(items) => format!("{k}: {:?}", items[0].value),
                other => format!("{k}: {other:?}"),
            })
            .collect();
        assert_eq!(
            whys,
            [
                "a: `x`, not bound in this file",
                "b: a call",
                "c: a conditional",
                "d: a template with a part not evaluable",
                "e: Opaque(\"a spread of `x`, not bound in this file\")",
                "g: `config`, defined in terms of itself",
                "h: a function",
            ]
        );
    }

    #[test]
    fn syntax_errors_and_missing_bindings() {
        assert_eq!(
            evaluate_binding("export const other = 1;", "config"),
            Ok(None)
        );
        let err = evaluate_binding("const a = 1;\nexport const config = {", "config").unwrap_err();
        assert_eq!(err.line, 2, "{err}");
        assert!(err.message.starts_with("not valid JavaScript: "), "{err}");
        let deep = format!(
            "export const config = {}1{};",
            "[".repeat(300),
            "]".repeat(300)
        );
        assert_eq!(
            evaluate_binding(&deep, "config"),
            Err(SyntaxError {
                line: 1,
                message: "objects and arrays nested deeper than 64 levels".into()
            })
        );
    }

    #[test]
    fn spreads_of_spreads_are_bounded() {
        let mut text = String::from("const a0 = [1, 2, 3, 4];\n");
        for i in 1..40 {
            text.push_str(&format!("const a{i} = [...a{}, ...a{}];\n", i - 1, i - 1));
        }
        text.push_str("export const config = a39;");
        let Value::Array(items) = eval(&text) else {
            panic!("not an array")
        };
        assert!(items.len() < 2 * MAX_NODES, "{}", items.len());
        assert!(items.iter().any(|n| matches!(n.value, Value::Opaque(_))));
    }
}
