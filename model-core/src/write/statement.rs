//! INSERT, UPDATE and DELETE statements for one table, written through the dialect.

use super::SqlWriter;
use crate::dialect::Dialect;
use crate::meta::Table;
use crate::model::Model;
use crate::value::Value;

/// The columns an insert of `row` writes and their values: unset fields (see the module docs)
/// take the client default, or are left out for the database to fill.
pub(super) fn insert_values<M: Model>(table: &Table, row: &M) -> (Vec<&'static str>, Vec<Value>) {
    let mut all = Vec::with_capacity(table.columns().len());
    row.push_values(&mut all);
    let mut columns = Vec::with_capacity(all.len());
    let mut values = Vec::with_capacity(all.len());
    for (column, value) in table.columns().iter().zip(all) {
        let value = if value.is_zero() {
            if table.is_autoincrement(column) {
                continue;
            }
            match column.default_value() {
                Some(default) => default,
                None if column.server_default().is_some() => continue,
                None => value,
            }
        } else {
            value
        };
        columns.push(column.name());
        values.push(value);
    }
    (columns, values)
}

/// `INSERT INTO t (columns) VALUES (row), (row)...`, or the dialect's all-defaults form. The
/// rows are moved into the statement's arguments, not copied.
pub(super) fn write_insert(
    w: &mut SqlWriter<'_>,
    table: &Table,
    columns: &[&'static str],
    rows: impl IntoIterator<Item = Vec<Value>>,
) {
    w.push("INSERT INTO ");
    w.ident(table.name());
    if columns.is_empty() {
        w.push(w.dialect().insert_defaults());
        return;
    }
    w.push(" (");
    w.ident_list(columns.iter().copied());
    w.push(") VALUES ");
    for (r, row) in rows.into_iter().enumerate() {
        if r > 0 {
            w.push(", ");
        }
        w.push("(");
        for (i, value) in row.into_iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            w.value(value);
        }
        w.push(")");
    }
}

/// The most rows one multi-row INSERT carries (SQLAlchemy's `insertmanyvalues_page_size`
/// default). Bigger statements save no round trip worth having and cost more to parse and plan:
/// loading 100,000 rows in statements as big as the parameter limit allowed (21,845 rows) took
/// 1.41× (PostgreSQL) and 1.30× (MariaDB) as long as raw sqlx's 1,000-row statements; with this
/// cap, 1.06× and 1.00× (bench W8).
const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// Multi-row inserts for `rows`: rows writing the same columns go together, in statements of up
/// to [`MAX_ROWS_PER_STATEMENT`] rows and within the dialect's parameter limit.
pub(super) fn insert_many<M: Model>(
    dialect: &dyn Dialect,
    table: &Table,
    rows: &[M],
) -> Vec<(String, Vec<Value>)> {
    let mut statements = Vec::new();
    let mut batch_columns: Vec<&'static str> = Vec::new();
    let mut batch: Vec<Vec<Value>> = Vec::new();
    let flush = |columns: &[&'static str],
                 batch: &mut Vec<Vec<Value>>,
                 out: &mut Vec<(String, Vec<Value>)>| {
        if batch.is_empty() {
            return;
        }
        let per_statement = if columns.is_empty() {
            1
        } else {
            (dialect.max_params() / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT)
        };
        let mut rows = batch.drain(..).peekable();
        while rows.peek().is_some() {
            let mut w = SqlWriter::new(dialect);
            write_insert(&mut w, table, columns, rows.by_ref().take(per_statement));
            out.push(w.finish());
        }
    };
    for row in rows {
        let (columns, values) = insert_values(table, row);
        if columns != batch_columns {
            flush(&batch_columns, &mut batch, &mut statements);
            batch_columns = columns;
        }
        batch.push(values);
    }
    flush(&batch_columns, &mut batch, &mut statements);
    statements
}

/// For an update of `row` by key: the non-key columns with their values (`onupdate` columns
/// take their function's value), and the key columns with theirs.
#[allow(clippy::type_complexity, reason = "two lists of column/value pairs")]
pub(super) fn update_values<M: Model>(
    table: &Table,
    row: &M,
) -> (Vec<(&'static str, Value)>, Vec<(&'static str, Value)>) {
    let mut all = Vec::with_capacity(table.columns().len());
    row.push_values(&mut all);
    let mut set = Vec::new();
    let mut key = Vec::new();
    for (column, value) in table.columns().iter().zip(all) {
        if column.is_primary_key() {
            key.push((column.name(), value));
        } else {
            set.push((column.name(), column.onupdate_value().unwrap_or(value)));
        }
    }
    (set, key)
}

/// `UPDATE t SET a = ?, b = ? WHERE k = ?`.
pub(super) fn write_update(
    w: &mut SqlWriter<'_>,
    table: &Table,
    set: Vec<(&'static str, Value)>,
    key: &[(&'static str, Value)],
) {
    w.push("UPDATE ");
    w.ident(table.name());
    write_set(w, set);
    write_key(w, key);
}

/// ` SET a = ?, b = ?`.
pub(super) fn write_set(w: &mut SqlWriter<'_>, set: Vec<(&'static str, Value)>) {
    w.push(" SET ");
    for (i, (column, value)) in set.into_iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.ident(column);
        w.push(" = ");
        w.value(value);
    }
}

/// `DELETE FROM t WHERE k = ?`.
pub(super) fn write_delete(w: &mut SqlWriter<'_>, table: &Table, key: &[(&'static str, Value)]) {
    w.push("DELETE FROM ");
    w.ident(table.name());
    write_key(w, key);
}

fn write_key(w: &mut SqlWriter<'_>, key: &[(&'static str, Value)]) {
    for (i, (column, value)) in key.iter().enumerate() {
        w.push(if i == 0 { " WHERE " } else { " AND " });
        w.ident(column);
        w.push(" = ");
        w.value(value.clone());
    }
}
