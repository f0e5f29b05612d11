//! Writing a `SELECT` as SQL: the query's parts without its model type, so one function (not
//! one per model) writes the SQL of every query, and the statements every table renders once
//! (its `SELECT <columns> FROM t` head and its lookup by key).

use super::node::Node;
use super::writer::SqlWriter;
use crate::dialect::{Dialect, SelectByKey};
use crate::meta::Table;
use crate::sql_cache::TableStatement;
use crate::value::Value;

/// What a query selects.
#[derive(Clone, Copy)]
pub(crate) enum Projection {
    /// Every column of the model, in order, so rows decode by position.
    Model,
    /// `COUNT(*)` of the rows the query would return.
    Count,
    /// `1` for each row, inside the dialect's `EXISTS` wrapper.
    Exists,
}

/// A query's parts without its model type: what `render` writes.
#[derive(Clone, Copy)]
pub(crate) struct SelectStatement<'q> {
    pub(crate) table: &'static Table,
    pub(crate) conditions: &'q [Node],
    /// Primary key conditions of `get`, after the query's own.
    pub(crate) key: &'q [Node],
    pub(crate) orders: &'q [(&'static str, bool)],
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
    pub(crate) distinct: bool,
    /// Rows reached through an association table: the statement also selects, first, the
    /// association's column naming the row they are related to, and `key` is on that column.
    pub(crate) through: Option<Through>,
}

/// An association table joined to a query's table, as many-to-many loading reads it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Through {
    pub(crate) table: &'static str,
    /// The association's column selected first, which the `key` conditions are on.
    pub(crate) source: &'static str,
    /// The association's column that references `column` of the query's table.
    pub(crate) target: &'static str,
    pub(crate) column: &'static str,
}

impl SelectStatement<'_> {
    pub(crate) fn write(&self, w: &mut SqlWriter<'_>, projection: Projection) {
        if let Some(through) = self.through {
            return self.write_through(w, through);
        }
        let table = self.table;
        let wrap_count = matches!(projection, Projection::Count)
            && (self.distinct || self.limit.is_some() || self.offset.is_some());
        if wrap_count {
            w.push("SELECT COUNT(*) FROM (");
        }
        let (exists_open, exists_close) = w.dialect().exists_wrapper();
        if matches!(projection, Projection::Exists) {
            w.push(exists_open);
        }
        // Whether a row exists does not depend on DISTINCT (nor on the order, below).
        let distinct = self.distinct && !matches!(projection, Projection::Exists);
        let lists_columns = match projection {
            Projection::Model => true,
            Projection::Count => wrap_count,
            Projection::Exists => false,
        };
        if lists_columns && !distinct {
            // The same text for every query of the table: rendered once.
            w.push(select_all_sql(table, w.dialect()));
        } else {
            w.push(if distinct {
                "SELECT DISTINCT "
            } else {
                "SELECT "
            });
            if lists_columns {
                write_columns_from(w, table);
            } else {
                w.push(match projection {
                    Projection::Exists => "1",
                    _ => "COUNT(*)",
                });
                w.push(" FROM ");
                w.ident(table.name());
            }
        }
        write_where(w, self.conditions, self.key);
        // An order matters to EXISTS only with an OFFSET (which rows are skipped).
        let ordered = match projection {
            Projection::Model => true,
            Projection::Count => false,
            Projection::Exists => self.offset.is_some(),
        };
        if ordered && !self.orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (column, descending)) in self.orders.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(column);
                w.push(if *descending { " DESC" } else { " ASC" });
            }
        }
        write_limit_offset(w, self.limit, self.offset);
        if wrap_count {
            w.push(") AS model_core_counted");
        }
        if matches!(projection, Projection::Exists) {
            w.push(exists_close);
        }
    }
}

impl SelectStatement<'_> {
    /// `SELECT a.source, t.* FROM t INNER JOIN a ON a.target = t.column WHERE <conditions on
    /// t> AND <key on a.source> ORDER BY ...`: every column name qualified, as two tables are
    /// read.
    fn write_through(&self, w: &mut SqlWriter<'_>, through: Through) {
        let table = self.table.name();
        w.push("SELECT ");
        w.set_qualifier(Some(through.table.into()));
        w.column(through.source);
        w.set_qualifier(Some(table.into()));
        for column in self.table.columns() {
            w.push(", ");
            w.column(column.name());
        }
        w.push(" FROM ");
        w.ident(table);
        w.push(" INNER JOIN ");
        w.ident(through.table);
        w.push(" ON ");
        w.set_qualifier(Some(through.table.into()));
        w.column(through.target);
        w.push(" = ");
        w.set_qualifier(Some(table.into()));
        w.column(through.column);
        if !self.conditions.is_empty() {
            w.push(" WHERE ");
            w.set_qualifier(Some(table.into()));
            super::node::write_all(w, self.conditions);
        }
        if !self.key.is_empty() {
            w.push(if self.conditions.is_empty() {
                " WHERE "
            } else {
                " AND "
            });
            w.set_qualifier(Some(through.table.into()));
            super::node::write_all(w, self.key);
        }
        w.set_qualifier(Some(table.into()));
        if !self.orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (column, descending)) in self.orders.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(column);
                w.push(if *descending { " DESC" } else { " ASC" });
            }
        }
        w.set_qualifier(None);
    }
}

/// The text of [`TableStatement::SelectAll`] for `table` in `dialect`, rendered once.
fn select_all_sql(table: &'static Table, dialect: &dyn Dialect) -> &'static str {
    table
        .sql_cache()
        .get_or_render(dialect.id(), TableStatement::SelectAll, || {
            let mut w = SqlWriter::new(dialect);
            w.push("SELECT ");
            write_columns_from(&mut w, table);
            w.finish().0
        })
}

/// `<every column> FROM t`.
fn write_columns_from(w: &mut SqlWriter<'_>, table: &Table) {
    w.ident_list(table.columns().iter().map(|c| c.name()));
    w.push(" FROM ");
    w.ident(table.name());
}

/// The text of [`TableStatement::SelectByKey`] for `table` in `dialect`: what `get` on a plain query
/// writes, rendered once.
pub(crate) fn select_by_key_sql(table: &'static Table, dialect: &dyn Dialect) -> &'static str {
    table
        .sql_cache()
        .get_or_render(dialect.id(), TableStatement::SelectByKey, || {
            SelectByKey { table }.sql(dialect)
        })
}

/// ` WHERE ...` when there are conditions.
pub(crate) fn write_where(w: &mut SqlWriter<'_>, conditions: &[Node], key: &[Node]) {
    if !conditions.is_empty() || !key.is_empty() {
        w.push(" WHERE ");
        super::node::write_all(w, conditions.iter().chain(key));
    }
}

/// Limits and offsets are bound as BIGINT; anything larger is as good as unlimited.
fn clamp(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// ` LIMIT n OFFSET m`, as far as either is set (an OFFSET alone takes the dialect's "no
/// limit").
pub(crate) fn write_limit_offset(w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
    if limit.is_none() && offset.is_none() {
        return;
    }
    w.push(" LIMIT ");
    match limit {
        Some(limit) => write_row_count(w, limit),
        None => w.push(w.dialect().no_limit()),
    }
    if let Some(offset) = offset {
        w.push(" OFFSET ");
        write_row_count(w, offset);
    }
}

/// A LIMIT or OFFSET count: bound, or written as a literal where the dialect asks (an integer
/// of ours, never user text).
fn write_row_count(w: &mut SqlWriter<'_>, n: u64) {
    if w.dialect().bind_row_counts() {
        w.value(Value::BigInt(clamp(n)));
    } else {
        w.push(&clamp(n).to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MySqlDialect, PostgresDialect, SqliteDialect};
    use crate::meta::ColumnDef;
    use crate::query::key::key_conditions;
    use crate::sql_cache::SqlCache;
    use crate::sql_type::SqlType;

    static COLUMNS: [ColumnDef; 3] = [
        ColumnDef::new("tenant", "tenant", SqlType::Integer, false).with_primary_key(),
        ColumnDef::new("name", "name", SqlType::Text, false),
        ColumnDef::new("id", "id", SqlType::BigInt, false).with_primary_key(),
    ];
    static SQL: SqlCache = SqlCache::new();
    static TABLE: Table = Table::new("entry", None, "Entry", "tests", &COLUMNS, &[], &SQL);

    /// The cached lookup is the text a query's own key conditions write, without values.
    #[test]
    fn the_cached_lookup_is_what_key_conditions_write() {
        let dialects: [&'static dyn Dialect; 3] = [&SqliteDialect, &PostgresDialect, &MySqlDialect];
        for dialect in dialects {
            let key = key_conditions(&TABLE, vec![Value::Int(1), Value::BigInt(2)]);
            let statement = SelectStatement {
                table: &TABLE,
                conditions: &[],
                key: &key,
                orders: &[],
                limit: None,
                offset: None,
                distinct: false,
                through: None,
            };
            let mut w = SqlWriter::new(dialect);
            statement.write(&mut w, Projection::Model);
            let (written, values) = w.finish();
            assert_eq!(select_by_key_sql(&TABLE, dialect), written);
            assert_eq!(values, [Value::Int(1), Value::BigInt(2)]);
        }
        assert_eq!(
            select_by_key_sql(&TABLE, &PostgresDialect),
            r#"SELECT "tenant", "name", "id" FROM "entry" WHERE ("tenant" = $1) AND ("id" = $2)"#
        );
    }
}
