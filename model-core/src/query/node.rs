//! The untyped tree behind every condition, and how it is written: columns compared with bound
//! values, text tests, `IN` lists and subqueries, `EXISTS` over related rows, aggregates in
//! `HAVING`, and `AND`/`OR`/`NOT` over them. The typed side (`Condition<M>`, the column
//! methods) is `expr.rs`; this module knows no model types, so conditions, projections and
//! relationships all build the same nodes.

use super::writer::SqlWriter;
use crate::dialect::{Cast, TextMatch, TextPiece};
use crate::sql_type::SqlType;
use crate::value::Value;

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
        aggregate: AggregateExpr,
        op: &'static str,
        value: Value,
    },
    /// `EXISTS` over related rows.
    Related(Box<Related>),
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
}

/// The escape character of LIKE patterns built from values (`starts_with` and friends). Not
/// backslash: MySQL treats backslash in string literals as an escape of its own.
const LIKE_ESCAPE: char = '!';

/// `value` with the LIKE wildcards and the escape character escaped, matching itself only.
pub(crate) fn escape_like(value: &str) -> String {
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
pub(crate) fn like_pattern(test: TextMatch, text: &str) -> String {
    let text = escape_like(text);
    match test {
        TextMatch::StartsWith => format!("{text}%"),
        TextMatch::EndsWith => format!("%{text}"),
        TextMatch::Contains => format!("%{text}%"),
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

/// Rows of `table` related to the outer row, matching `conditions`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Related {
    /// `NOT EXISTS`.
    pub(crate) negated: bool,
    /// The table of the related rows.
    pub(crate) table: &'static str,
    /// Its column matched with the outer row's (directly, or through `through`).
    pub(crate) column: &'static str,
    /// The outer row's table (its name, where it is not aliased) and column.
    pub(crate) outer_table: &'static str,
    pub(crate) outer_column: &'static str,
    /// An association table between them.
    pub(crate) through: Option<Association>,
    /// Conditions on the related rows, written under their alias.
    pub(crate) conditions: Vec<Node>,
}

/// An association table: its column matching the outer row, and its column matching
/// [`Related::column`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Association {
    pub(crate) table: &'static str,
    pub(crate) outer: &'static str,
    pub(crate) inner: &'static str,
}

impl Related {
    /// `EXISTS (SELECT 1 FROM t AS a WHERE a.column = outer.column AND ...)`, or with the
    /// association joined: `... FROM assoc AS b INNER JOIN t AS a ON a.column = b.inner
    /// WHERE b.outer = outer.column AND ...`.
    pub(crate) fn write(&self, w: &mut SqlWriter<'_>) {
        let outer = w
            .qualifier()
            .map_or_else(|| self.outer_table.to_owned(), str::to_owned);
        let alias = w.next_alias();
        w.push(if self.negated {
            "NOT EXISTS (SELECT 1 FROM "
        } else {
            "EXISTS (SELECT 1 FROM "
        });
        let saved = w.set_qualifier(None);
        let matched = match self.through {
            None => {
                w.ident(self.table);
                w.push(" AS ");
                w.ident(&alias);
                (alias.clone(), self.column)
            }
            Some(association) => {
                let linking = w.next_alias();
                w.ident(association.table);
                w.push(" AS ");
                w.ident(&linking);
                w.push(" INNER JOIN ");
                w.ident(self.table);
                w.push(" AS ");
                w.ident(&alias);
                w.push(" ON ");
                w.set_qualifier(Some(alias.clone().into()));
                w.column(self.column);
                w.push(" = ");
                w.set_qualifier(Some(linking.clone().into()));
                w.column(association.inner);
                (linking, association.outer)
            }
        };
        w.push(" WHERE ");
        w.set_qualifier(Some(matched.0.into()));
        w.column(matched.1);
        w.push(" = ");
        w.set_qualifier(Some(outer.into()));
        w.column(self.outer_column);
        if !self.conditions.is_empty() {
            w.push(" AND ");
            w.set_qualifier(Some(alias.into()));
            write_all(w, &self.conditions);
        }
        w.set_qualifier(saved);
        w.push(")");
    }
}

/// An aggregate function over a column (or over rows, for `COUNT(*)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct AggregateExpr {
    pub(crate) function: Function,
    /// `None`: `COUNT(*)`.
    pub(crate) column: Option<&'static str>,
    pub(crate) distinct: bool,
    pub(crate) cast: Option<Cast>,
}

/// The aggregate functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Function {
    Count,
    Sum,
    Min,
    Max,
    Avg,
}

impl AggregateExpr {
    /// Its name in a select list: `count`, `sum_cents`, `count_distinct_author_id`.
    pub(crate) fn alias(&self) -> String {
        let function = match self.function {
            Function::Count => "count",
            Function::Sum => "sum",
            Function::Min => "min",
            Function::Max => "max",
            Function::Avg => "avg",
        };
        let distinct = if self.distinct { "_distinct" } else { "" };
        match self.column {
            Some(column) => format!("{function}{distinct}_{column}"),
            None => function.to_owned(),
        }
    }

    pub(crate) fn write(&self, w: &mut SqlWriter<'_>) {
        if self.cast.is_some() {
            w.push("CAST(");
        }
        w.push(match self.function {
            Function::Count => "COUNT(",
            Function::Sum => "SUM(",
            Function::Min => "MIN(",
            Function::Max => "MAX(",
            Function::Avg => "AVG(",
        });
        if self.distinct {
            w.push("DISTINCT ");
        }
        match self.column {
            Some(column) => w.column(column),
            None => w.push("*"),
        }
        w.push(")");
        if let Some(cast) = self.cast {
            w.push(" AS ");
            w.push(w.dialect().cast_type(cast));
            w.push(")");
        }
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
