//! Typed conditions. Column handles build them (`User::NAME.eq("ann")`), so a column is only
//! ever compared with values of its own type and only used on models that have it; `and`,
//! `or` and `not` (also `&`, `|`, `!`) combine them. A condition is a tree of values, rendered
//! per dialect with every value bound.

use std::fmt;
use std::marker::PhantomData;

use super::writer::SqlWriter;
use crate::dialect::{TextMatch, TextPiece};
use crate::field::FieldType;
use crate::model::{Column, Contains};
use crate::sql_type::SqlType;
use crate::value::Value;

/// A `WHERE` condition on rows of model `M`.
pub struct Condition<M> {
    pub(crate) node: Node,
    _model: PhantomData<fn() -> M>,
}

/// The untyped tree behind a condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Compare {
        column: &'static str,
        op: &'static str,
        value: Value,
    },
    Like {
        column: &'static str,
        pattern: String,
        case_insensitive: bool,
    },
    /// `starts_with`, `ends_with`, `contains`: literal, case-sensitive, written by the dialect.
    Text {
        column: &'static str,
        test: TextMatch,
        text: String,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
        negated: bool,
    },
    Null {
        column: &'static str,
        negated: bool,
    },
    Between {
        column: &'static str,
        low: Value,
        high: Value,
    },
    /// `column` is one of `keys` (all of `sql_type`): one array parameter (`= ANY($1)`) where
    /// the dialect binds arrays, an `IN` list elsewhere. What relationship loading sends.
    AnyOf {
        column: &'static str,
        sql_type: crate::sql_type::SqlType,
        keys: Vec<Value>,
    },
    /// `column IN (SELECT select FROM table WHERE ...)`: the rows related through another table.
    InSelect {
        column: &'static str,
        negated: bool,
        select: &'static str,
        table: &'static str,
        conditions: Vec<Node>,
    },
    /// `aggregate op value`, in `HAVING`.
    Aggregate {
        aggregate: super::projection::AggregateExpr,
        op: &'static str,
        value: Value,
    },
    /// `EXISTS` over related rows.
    Related(Box<super::related::Related>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// The escape character of LIKE patterns built from values (`starts_with` and friends). Not
/// backslash: MySQL treats backslash in string literals as an escape of its own.
const LIKE_ESCAPE: char = '!';

/// `value` with the LIKE wildcards and the escape character escaped, matching itself only.
fn escape_like(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if matches!(c, '%' | '_' | LIKE_ESCAPE) {
            out.push(LIKE_ESCAPE);
        }
        out.push(c);
    }
    out
}

/// The `LIKE` pattern matching `text` as `test` says, escaped with [`LIKE_ESCAPE`].
fn like_pattern(test: TextMatch, text: &str) -> String {
    let text = escape_like(text);
    match test {
        TextMatch::StartsWith => format!("{text}%"),
        TextMatch::EndsWith => format!("%{text}"),
        TextMatch::Contains => format!("%{text}%"),
    }
}

impl<M> Condition<M> {
    pub(crate) fn new(node: Node) -> Self {
        Condition {
            node,
            _model: PhantomData,
        }
    }

    /// Both conditions.
    pub fn and(self, other: Condition<M>) -> Condition<M> {
        Condition::new(Node::And(flatten(self.node, other.node, true)))
    }

    /// Either condition.
    pub fn or(self, other: Condition<M>) -> Condition<M> {
        Condition::new(Node::Or(flatten(self.node, other.node, false)))
    }

    /// The negation.
    #[allow(
        clippy::should_implement_trait,
        reason = "`!cond` works too; the method reads as SQL"
    )]
    pub fn not(self) -> Condition<M> {
        Condition::new(Node::Not(Box::new(self.node)))
    }

    /// Every condition of `conditions` (true when there are none).
    pub fn all(conditions: impl IntoIterator<Item = Condition<M>>) -> Condition<M> {
        Condition::new(Node::And(conditions.into_iter().map(|c| c.node).collect()))
    }

    /// Any condition of `conditions` (false when there are none).
    pub fn any(conditions: impl IntoIterator<Item = Condition<M>>) -> Condition<M> {
        Condition::new(Node::Or(conditions.into_iter().map(|c| c.node).collect()))
    }
}

/// `a` and `b` as the operands of one AND (`and`) or OR, nested ANDs/ORs of the same kind
/// merged in, so chains render without extra parentheses.
fn flatten(a: Node, b: Node, and: bool) -> Vec<Node> {
    let mut out = Vec::new();
    for node in [a, b] {
        match node {
            Node::And(nodes) if and => out.extend(nodes),
            Node::Or(nodes) if !and => out.extend(nodes),
            other => out.push(other),
        }
    }
    out
}

impl<M> std::ops::BitAnd for Condition<M> {
    type Output = Condition<M>;
    fn bitand(self, other: Condition<M>) -> Condition<M> {
        self.and(other)
    }
}

impl<M> std::ops::BitOr for Condition<M> {
    type Output = Condition<M>;
    fn bitor(self, other: Condition<M>) -> Condition<M> {
        self.or(other)
    }
}

impl<M> std::ops::Not for Condition<M> {
    type Output = Condition<M>;
    fn not(self) -> Condition<M> {
        Condition::not(self)
    }
}

impl<M> Clone for Condition<M> {
    fn clone(&self) -> Self {
        Condition::new(self.node.clone())
    }
}

impl<M> fmt::Debug for Condition<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// Comparisons, for every column. `Q` is the model the condition is for: the column's own
/// model, or one that flattens the column's group.
impl<G, T: FieldType> Column<G, T> {
    fn compare<Q: Contains<G>>(
        self,
        op: &'static str,
        value: impl Into<T::Compare>,
    ) -> Condition<Q> {
        Condition::new(Node::Compare {
            column: self.name(),
            op,
            value: value.into().into_value(),
        })
    }

    /// `column = value`.
    pub fn eq<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("=", value)
    }
    /// `column <> value`.
    pub fn ne<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<>", value)
    }
    /// `column < value`.
    pub fn lt<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<", value)
    }
    /// `column <= value`.
    pub fn le<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare("<=", value)
    }
    /// `column > value`.
    pub fn gt<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare(">", value)
    }
    /// `column >= value`.
    pub fn ge<Q: Contains<G>>(self, value: impl Into<T::Compare>) -> Condition<Q> {
        self.compare(">=", value)
    }
    /// `column BETWEEN low AND high` (both ends included).
    pub fn between<Q: Contains<G>>(
        self,
        low: impl Into<T::Compare>,
        high: impl Into<T::Compare>,
    ) -> Condition<Q> {
        Condition::new(Node::Between {
            column: self.name(),
            low: low.into().into_value(),
            high: high.into().into_value(),
        })
    }
    /// `column IN (...)`; an empty list matches no row.
    pub fn is_in<Q: Contains<G>, V: Into<T::Compare>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Condition<Q> {
        let values = values.into_iter().map(|v| v.into().into_value()).collect();
        Condition::new(Node::In {
            column: self.name(),
            values,
            negated: false,
        })
    }
    /// `column NOT IN (...)`; an empty list matches every row.
    pub fn not_in<Q: Contains<G>, V: Into<T::Compare>>(
        self,
        values: impl IntoIterator<Item = V>,
    ) -> Condition<Q> {
        let values = values.into_iter().map(|v| v.into().into_value()).collect();
        Condition::new(Node::In {
            column: self.name(),
            values,
            negated: true,
        })
    }
    /// `column IS NULL`.
    pub fn is_null<Q: Contains<G>>(self) -> Condition<Q> {
        Condition::new(Node::Null {
            column: self.name(),
            negated: false,
        })
    }
    /// `column IS NOT NULL`.
    pub fn is_not_null<Q: Contains<G>>(self) -> Condition<Q> {
        Condition::new(Node::Null {
            column: self.name(),
            negated: true,
        })
    }
}

/// Pattern matching, for columns stored as strings (a `String`, a newtype over one, an
/// `Option` or `Auto` of either).
impl<G, T: FieldType<Base = String>> Column<G, T> {
    /// `column LIKE pattern`, with `%` and `_` as wildcards. Case sensitivity is the
    /// database's: SQLite ignores ASCII case, PostgreSQL does not, MySQL follows the collation.
    /// For a literal test with one meaning everywhere, use [`starts_with`](Self::starts_with),
    /// [`ends_with`](Self::ends_with) or [`contains`](Self::contains).
    pub fn like<Q: Contains<G>>(self, pattern: impl Into<String>) -> Condition<Q> {
        Condition::new(Node::Like {
            column: self.name(),
            pattern: pattern.into(),
            case_insensitive: false,
        })
    }
    /// Case-insensitive `LIKE` on every backend (`ILIKE` on PostgreSQL, `LOWER(..) LIKE
    /// LOWER(..)` elsewhere).
    pub fn ilike<Q: Contains<G>>(self, pattern: impl Into<String>) -> Condition<Q> {
        Condition::new(Node::Like {
            column: self.name(),
            pattern: pattern.into(),
            case_insensitive: true,
        })
    }
    /// Starts with `prefix`, as Rust's `str::starts_with` means it on every backend: taken
    /// literally (`%` and `_` are not wildcards), case-sensitive, every character significant
    /// (a NUL too; PostgreSQL refuses NUL in text with an error). [`ilike`](Self::ilike) is the
    /// case-insensitive form.
    pub fn starts_with<Q: Contains<G>>(self, prefix: &str) -> Condition<Q> {
        self.text(TextMatch::StartsWith, prefix)
    }
    /// Ends with `suffix`, literally and case-sensitively, as [`starts_with`](Self::starts_with).
    pub fn ends_with<Q: Contains<G>>(self, suffix: &str) -> Condition<Q> {
        self.text(TextMatch::EndsWith, suffix)
    }
    /// Contains `part`, literally and case-sensitively, as [`starts_with`](Self::starts_with).
    pub fn contains<Q: Contains<G>>(self, part: &str) -> Condition<Q> {
        self.text(TextMatch::Contains, part)
    }

    fn text<Q: Contains<G>>(self, test: TextMatch, text: &str) -> Condition<Q> {
        Condition::new(Node::Text {
            column: self.name(),
            test,
            text: text.to_owned(),
        })
    }
}

impl Node {
    /// Writes the condition. Always parenthesized where precedence could matter.
    pub(crate) fn write(&self, w: &mut SqlWriter<'_>) {
        match self {
            Node::Compare { column, op, value } => {
                w.column(column);
                w.push(" ");
                w.push(op);
                w.push(" ");
                w.value(value.clone());
            }
            Node::Like {
                column,
                pattern,
                case_insensitive,
            } => {
                let pattern = Value::Text(pattern.clone());
                match (case_insensitive, w.dialect().ilike_operator()) {
                    (false, _) => {
                        w.column(column);
                        w.push(" LIKE ");
                        w.value(pattern);
                    }
                    (true, Some(ilike)) => {
                        w.column(column);
                        w.push(" ");
                        w.push(ilike);
                        w.push(" ");
                        w.value(pattern);
                    }
                    (true, None) => {
                        w.push("LOWER(");
                        w.column(column);
                        w.push(") LIKE LOWER(");
                        w.value(pattern);
                        w.push(")");
                    }
                }
                w.push(" ESCAPE '!'");
            }
            Node::Text { column, test, text } => {
                for piece in w.dialect().text_match(*test) {
                    match piece {
                        TextPiece::Sql(sql) => w.push(sql),
                        TextPiece::Column => w.column(column),
                        TextPiece::Text => w.value(Value::Text(text.clone())),
                        TextPiece::Pattern => w.value(Value::Text(like_pattern(*test, text))),
                    }
                }
            }
            Node::In {
                values, negated, ..
            } if values.is_empty() => {
                w.push(if *negated { "1 = 1" } else { "1 = 0" });
            }
            Node::In {
                column,
                values,
                negated,
            } => {
                w.column(column);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                for (i, value) in values.iter().enumerate() {
                    if i > 0 {
                        w.push(", ");
                    }
                    w.value(value.clone());
                }
                w.push(")");
            }
            Node::Null { column, negated } => {
                w.column(column);
                w.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            }
            Node::Between { column, low, high } => {
                w.column(column);
                w.push(" BETWEEN ");
                w.value(low.clone());
                w.push(" AND ");
                w.value(high.clone());
            }
            Node::AnyOf { keys, .. } if keys.is_empty() => w.push("1 = 0"),
            Node::AnyOf {
                column,
                sql_type,
                keys,
            } => {
                if w.dialect().array_parameters() && !matches!(sql_type, SqlType::Enum(_)) {
                    w.column(column);
                    w.push(" = ANY(");
                    w.value(Value::Array(*sql_type, keys.clone()));
                    w.push(")");
                } else {
                    w.column(column);
                    w.push(" IN (");
                    for (i, key) in keys.iter().enumerate() {
                        if i > 0 {
                            w.push(", ");
                        }
                        w.value(key.clone());
                    }
                    w.push(")");
                }
            }
            Node::InSelect {
                column,
                negated,
                select,
                table,
                conditions,
            } => {
                w.column(column);
                w.push(if *negated { " NOT IN (" } else { " IN (" });
                // The inner columns are the inner table's, unqualified.
                let outer = w.set_qualifier(None);
                w.push("SELECT ");
                w.ident(select);
                w.push(" FROM ");
                w.ident(table);
                if !conditions.is_empty() {
                    w.push(" WHERE ");
                    write_all(w, conditions);
                }
                w.set_qualifier(outer);
                w.push(")");
            }
            Node::Related(related) => related.write(w),
            Node::Aggregate {
                aggregate,
                op,
                value,
            } => {
                aggregate.write(w);
                w.push(" ");
                w.push(op);
                w.push(" ");
                w.value(value.clone());
            }
            Node::And(nodes) => write_joined(w, nodes, " AND ", "1 = 1"),
            Node::Or(nodes) => write_joined(w, nodes, " OR ", "1 = 0"),
            Node::Not(node) => {
                w.push("NOT (");
                node.write(w);
                w.push(")");
            }
        }
    }
}

/// `nodes` joined by AND, each in parentheses: a query's WHERE, written without building (and
/// cloning into) an `And` node first.
pub(crate) fn write_all<'n>(w: &mut SqlWriter<'_>, nodes: impl IntoIterator<Item = &'n Node>) {
    write_joined(w, nodes, " AND ", "1 = 1");
}

fn write_joined<'n>(
    w: &mut SqlWriter<'_>,
    nodes: impl IntoIterator<Item = &'n Node>,
    separator: &str,
    empty: &str,
) {
    let mut written = false;
    for node in nodes {
        if written {
            w.push(separator);
        }
        w.push("(");
        node.write(w);
        w.push(")");
        written = true;
    }
    if !written {
        w.push(empty);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_values_match_themselves() {
        assert_eq!(escape_like("50%_off!"), "50!%!_off!!");
    }

    fn render(dialect: &dyn crate::dialect::Dialect, node: Node) -> (String, Vec<Value>) {
        let mut w = SqlWriter::new(dialect);
        node.write(&mut w);
        w.finish()
    }

    fn text(test: TextMatch, text: &str) -> Node {
        Node::Text {
            column: "body",
            test,
            text: text.to_owned(),
        }
    }

    #[test]
    fn literal_text_tests_are_written_per_dialect_with_the_value_bound() {
        use crate::dialect::{MySqlDialect, PostgresDialect, SqliteDialect};
        let (sql, values) = render(&PostgresDialect, text(TextMatch::StartsWith, "a%"));
        assert_eq!(sql, r#""body" LIKE $1 ESCAPE '!'"#);
        assert_eq!(values, [Value::Text("a!%%".into())]);
        let (sql, values) = render(&SqliteDialect, text(TextMatch::EndsWith, "x\0"));
        assert_eq!(
            sql,
            "substr(CAST(`body` AS BLOB), length(CAST(`body` AS BLOB)) - length(CAST(? AS BLOB)) \
             + 1) = CAST(? AS BLOB)"
        );
        assert_eq!(
            values,
            [Value::Text("x\0".into()), Value::Text("x\0".into())]
        );
        let (sql, values) = render(&MySqlDialect, text(TextMatch::Contains, "_"));
        assert_eq!(
            sql,
            "CAST(`body` AS BINARY) LIKE CAST(? AS BINARY) ESCAPE '!'"
        );
        assert_eq!(values, [Value::Text("%!_%".into())]);
        // The text does not depend on the value, the empty string included: one shape, one SQL.
        let (empty, _) = render(&SqliteDialect, text(TextMatch::Contains, ""));
        let (other, _) = render(&SqliteDialect, text(TextMatch::Contains, "x"));
        assert_eq!(empty, other);
    }
}
