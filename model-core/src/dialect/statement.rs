//! Write statements as values: which table, which columns, how many rows, what comes back.
//! They hold no values. A dialect renders each to text with numbered placeholders
//! ([`Dialect::insert_sql`], [`Dialect::update_by_key_sql`], [`Dialect::delete_by_key_sql`]),
//! and the caller binds the values in the order the statement states. So a table's cached
//! statements are rendered from the statement alone, and a backend's own form (PostgreSQL's
//! insert from arrays) is assembled in that backend's dialect.

use super::Dialect;
use crate::meta::{ColumnDef, Table};
use crate::value::Value;

/// What an insert statement returns.
#[derive(Clone, Copy, Debug)]
pub enum Returning<'t> {
    /// Nothing: the plain `INSERT`.
    Nothing,
    /// The row as stored: `RETURNING <every column>`.
    Row,
    /// The generated key: `RETURNING <key>`.
    Key(&'t ColumnDef),
    /// The generated key of each row, handed out ascending in row order, so the keys sorted
    /// match the rows (see [`Dialect::keys_in_row_order`]).
    KeysInRowOrder(&'t ColumnDef),
}

/// How the values of an insert's rows are bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowValues {
    /// Row after row, one placeholder per value: `VALUES (?, ?), (?, ?)`.
    Listed,
    /// One array parameter per column (see [`Dialect::array_parameters`]): one text for any
    /// number of rows, and one parameter per column for the server to parse.
    Arrays,
}

/// `INSERT INTO t (columns) ...` of `rows` rows.
#[derive(Clone, Copy, Debug)]
pub struct Insert<'t> {
    pub table: &'t Table,
    /// The columns written, in table order; none writes a row of defaults.
    pub columns: &'t [&'static str],
    pub rows: usize,
    pub values: RowValues,
    pub returning: Returning<'t>,
}

impl Insert<'_> {
    /// The values to bind for `values` (every row's, one row after the other): as they are
    /// when listed, gathered into one typed array per column otherwise.
    pub(crate) fn bind_order(&self, values: Vec<Value>) -> Vec<Value> {
        if self.values == RowValues::Listed || self.columns.is_empty() {
            return values;
        }
        let mut arrays: Vec<Vec<Value>> = self
            .columns
            .iter()
            .map(|_| Vec::with_capacity(self.rows))
            .collect();
        for (i, value) in values.into_iter().enumerate() {
            arrays[i % self.columns.len()].push(value);
        }
        self.columns
            .iter()
            .zip(arrays)
            .map(|(name, array)| {
                // The names came from the table's own columns.
                let ty = self
                    .table
                    .column(name)
                    .expect("a column of the table")
                    .sql_type();
                Value::Array(ty, array)
            })
            .collect()
    }
}

/// `UPDATE t SET a = ?, b = ? WHERE k = ? [AND version = ?]`; values bind in that order.
#[derive(Clone, Debug)]
pub struct UpdateByKey<'t> {
    pub table: &'t Table,
    pub set: Vec<&'static str>,
    pub key: Vec<&'static str>,
    /// The version column, whose value read with the row must still be stored.
    pub version: Option<&'static str>,
    /// Whether `RETURNING <every column>` follows.
    pub returning_row: bool,
}

/// `DELETE FROM t WHERE k = ? [AND version = ?]`; values bind in that order.
#[derive(Clone, Debug)]
pub struct DeleteByKey<'t> {
    pub table: &'t Table,
    pub key: Vec<&'static str>,
    pub version: Option<&'static str>,
}

/// `SELECT <every column> FROM t WHERE (k1 = ?) AND (k2 = ?)`: the lookup by key, the same
/// text a query's key conditions write; values bind in key order.
#[derive(Clone, Copy, Debug)]
pub struct SelectByKey<'t> {
    pub table: &'t Table,
}

impl SelectByKey<'_> {
    /// The text in `dialect`.
    pub(crate) fn sql(&self, dialect: &dyn Dialect) -> String {
        let mut out = Text::new(dialect);
        out.push("SELECT ");
        out.idents(self.table.columns().iter().map(|c| c.name()));
        out.push(" FROM ");
        out.ident(self.table.name());
        for (i, column) in self.table.primary_key().enumerate() {
            out.push(if i == 0 { " WHERE (" } else { " AND (" });
            out.ident(column.name());
            out.push(" = ");
            out.placeholder();
            out.push(")");
        }
        out.finish()
    }
}

/// SQL text being rendered for a dialect, with its placeholders numbered as they come.
pub struct Text<'d, D: Dialect + ?Sized> {
    dialect: &'d D,
    sql: String,
    placeholders: usize,
}

impl<'d, D: Dialect + ?Sized> Text<'d, D> {
    pub(crate) fn new(dialect: &'d D) -> Self {
        Text {
            dialect,
            sql: String::with_capacity(128),
            placeholders: 0,
        }
    }

    pub(crate) fn push(&mut self, sql: &str) {
        self.sql.push_str(sql);
    }

    pub(crate) fn ident(&mut self, ident: &str) {
        self.dialect.push_ident(&mut self.sql, ident);
    }

    pub(crate) fn idents<'a>(&mut self, idents: impl IntoIterator<Item = &'a str>) {
        for (i, ident) in idents.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.ident(ident);
        }
    }

    /// The next placeholder.
    pub(crate) fn placeholder(&mut self) {
        self.placeholders += 1;
        self.dialect
            .push_placeholder(&mut self.sql, self.placeholders);
    }

    /// `n` placeholders, comma-separated: one row of values, or one array per column.
    pub(crate) fn placeholders(&mut self, n: usize) {
        for i in 0..n {
            if i > 0 {
                self.push(", ");
            }
            self.placeholder();
        }
    }

    pub(crate) fn finish(self) -> String {
        self.sql
    }
}

/// `INSERT INTO t (columns)`, the head every insert with columns shares.
pub(crate) fn insert_into<D: Dialect + ?Sized>(out: &mut Text<'_, D>, insert: &Insert<'_>) {
    out.push("INSERT INTO ");
    out.ident(insert.table.name());
    out.push(" (");
    out.idents(insert.columns.iter().copied());
    out.push(")");
}

/// An insert in standard SQL: its rows listed, or the dialect's row of defaults when it writes
/// no column; then what it returns. The form every dialect uses for listed rows.
pub(crate) fn listed_insert<D: Dialect + ?Sized>(dialect: &D, insert: &Insert<'_>) -> String {
    let mut out = Text::new(dialect);
    if insert.columns.is_empty() {
        out.push("INSERT INTO ");
        out.ident(insert.table.name());
        out.push(dialect.insert_defaults());
    } else {
        insert_into(&mut out, insert);
        out.push(" VALUES ");
        for r in 0..insert.rows {
            if r > 0 {
                out.push(", ");
            }
            out.push("(");
            out.placeholders(insert.columns.len());
            out.push(")");
        }
    }
    returning(&mut out, insert.table, insert.returning);
    out.finish()
}

/// What an insert returns, after its rows.
pub(crate) fn returning<D: Dialect + ?Sized>(
    out: &mut Text<'_, D>,
    table: &Table,
    returning: Returning<'_>,
) {
    match returning {
        Returning::Nothing => {}
        Returning::Row => returning_row(out, table),
        Returning::Key(column) | Returning::KeysInRowOrder(column) => {
            out.push(" RETURNING ");
            out.ident(column.name());
        }
    }
}

/// ` RETURNING <every column>`, so the statement yields the row as stored.
fn returning_row<D: Dialect + ?Sized>(out: &mut Text<'_, D>, table: &Table) {
    out.push(" RETURNING ");
    out.idents(table.columns().iter().map(|c| c.name()));
}

/// An update by key in standard SQL.
pub(crate) fn update_by_key<D: Dialect + ?Sized>(dialect: &D, update: &UpdateByKey<'_>) -> String {
    let mut out = Text::new(dialect);
    out.push("UPDATE ");
    out.ident(update.table.name());
    out.push(" SET ");
    for (i, column) in update.set.iter().enumerate() {
        if i > 0 {
            out.push(", ");
        }
        out.ident(column);
        out.push(" = ");
        out.placeholder();
    }
    where_key(&mut out, &update.key, update.version);
    if update.returning_row {
        returning_row(&mut out, update.table);
    }
    out.finish()
}

/// A delete by key in standard SQL.
pub(crate) fn delete_by_key<D: Dialect + ?Sized>(dialect: &D, delete: &DeleteByKey<'_>) -> String {
    let mut out = Text::new(dialect);
    out.push("DELETE FROM ");
    out.ident(delete.table.name());
    where_key(&mut out, &delete.key, delete.version);
    out.finish()
}

/// ` WHERE k1 = ? AND k2 = ?`, and ` AND version = ?` for a versioned row.
fn where_key<D: Dialect + ?Sized>(
    out: &mut Text<'_, D>,
    key: &[&'static str],
    version: Option<&'static str>,
) {
    for (i, column) in key.iter().chain(version.as_ref()).enumerate() {
        out.push(if i == 0 { " WHERE " } else { " AND " });
        out.ident(column);
        out.push(" = ");
        out.placeholder();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MariaDbDialect, PostgresDialect, SqliteDialect};
    use crate::sql_cache::SqlCache;
    use crate::sql_type::SqlType;

    static COLUMNS: [ColumnDef; 3] = [
        ColumnDef::new("id", "id", SqlType::BigInt, false).with_primary_key(),
        ColumnDef::new("title", "title", SqlType::Text, false),
        ColumnDef::new("rev", "rev", SqlType::Integer, false).with_version(),
    ];
    static SQL: SqlCache = SqlCache::new();
    static TABLE: Table = Table::new("item", None, "Item", "tests", &COLUMNS, &[], &SQL);

    #[test]
    fn keyed_writes_render_from_the_statement_alone() {
        let update = UpdateByKey {
            table: &TABLE,
            set: vec!["title", "rev"],
            key: vec!["id"],
            version: Some("rev"),
            returning_row: true,
        };
        assert_eq!(
            PostgresDialect.update_by_key_sql(&update),
            r#"UPDATE "item" SET "title" = $1, "rev" = $2 WHERE "id" = $3 AND "rev" = $4 RETURNING "id", "title", "rev""#
        );
        let delete = DeleteByKey {
            table: &TABLE,
            key: vec!["id"],
            version: Some("rev"),
        };
        assert_eq!(
            MariaDbDialect.delete_by_key_sql(&delete),
            "DELETE FROM `item` WHERE `id` = ? AND `rev` = ?"
        );
    }

    #[test]
    fn rows_bind_listed_or_as_one_typed_array_per_column() {
        let insert = Insert {
            table: &TABLE,
            columns: &["title", "rev"],
            rows: 2,
            values: RowValues::Arrays,
            returning: Returning::Nothing,
        };
        assert_eq!(
            PostgresDialect.insert_sql(&insert),
            r#"INSERT INTO "item" ("title", "rev") SELECT * FROM UNNEST($1, $2)"#
        );
        let values = vec![
            Value::Text("a".into()),
            Value::Int(1),
            Value::Text("b".into()),
            Value::Int(1),
        ];
        assert_eq!(
            insert.bind_order(values.clone()),
            [
                Value::Array(
                    SqlType::Text,
                    vec![Value::Text("a".into()), Value::Text("b".into())]
                ),
                Value::Array(SqlType::Integer, vec![Value::Int(1), Value::Int(1)]),
            ]
        );
        let listed = Insert {
            values: RowValues::Listed,
            ..insert
        };
        assert_eq!(
            SqliteDialect.insert_sql(&listed),
            "INSERT INTO `item` (`title`, `rev`) VALUES (?, ?), (?, ?)"
        );
        assert_eq!(listed.bind_order(values.clone()), values);
    }

    #[test]
    fn a_row_of_defaults_writes_no_column() {
        let insert = Insert {
            table: &TABLE,
            columns: &[],
            rows: 1,
            values: RowValues::Listed,
            returning: Returning::Key(&COLUMNS[0]),
        };
        assert_eq!(
            MariaDbDialect.insert_sql(&insert),
            "INSERT INTO `item` () VALUES () RETURNING `id`"
        );
    }
}
