//! INSERT, UPDATE and DELETE statements for one table, written through the dialect.

use super::SqlWriter;
use crate::dialect::Dialect;
use crate::meta::Table;
use crate::model::Model;
use crate::value::Value;

/// The columns an insert of `row` writes and their values: unset fields (see the module docs)
/// take the client default, or are left out for the database to fill.
pub(super) fn insert_values<M: Model>(table: &Table, row: &M) -> (Vec<&'static str>, Vec<Value>) {
    let n = table.columns().len();
    let mut columns = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    collect_insert(
        table,
        row,
        &mut Vec::with_capacity(n),
        &mut columns,
        &mut values,
    );
    let names = columns.iter().map(|&i| table.columns()[i].name()).collect();
    (names, values)
}

/// [`insert_values`] into buffers the caller reuses from row to row: the positions of the
/// columns written in `columns`, their values appended to `values`; `scratch` holds every
/// column's value on the way.
fn collect_insert<M: Model>(
    table: &Table,
    row: &M,
    scratch: &mut Vec<Value>,
    columns: &mut Vec<usize>,
    values: &mut Vec<Value>,
) {
    scratch.clear();
    row.push_values(scratch);
    for (i, (column, value)) in table.columns().iter().zip(scratch.drain(..)).enumerate() {
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
        columns.push(i);
        values.push(value);
    }
}

/// `INSERT INTO t (columns) VALUES (row)`, or the dialect's all-defaults form; the values
/// are moved into the statement's arguments, not copied.
pub(super) fn write_insert(
    w: &mut SqlWriter<'_>,
    table: &Table,
    columns: &[&'static str],
    row: Vec<Value>,
) {
    write_insert_rows(w, table, columns, 1, row);
}

/// `INSERT INTO t (columns) VALUES (row), (row)...` for `rows` rows whose values come one
/// row after the other from `values`; the all-defaults form when there are no columns.
fn write_insert_rows(
    w: &mut SqlWriter<'_>,
    table: &Table,
    columns: &[&'static str],
    rows: usize,
    values: impl IntoIterator<Item = Value>,
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
    let mut values = values.into_iter();
    for r in 0..rows {
        if r > 0 {
            w.push(", ");
        }
        w.push("(");
        for (i, value) in values.by_ref().take(columns.len()).enumerate() {
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

/// Rows of one multi-row insert being gathered: the columns they write (positions in the
/// table) and their values, one row after the other in one vector (no vector per row).
struct Batch {
    columns: Vec<usize>,
    values: Vec<Value>,
    rows: usize,
}

impl Batch {
    /// Writes the gathered rows as statements of up to [`MAX_ROWS_PER_STATEMENT`] rows within
    /// the dialect's parameter limit, and empties the batch.
    fn flush(&mut self, dialect: &dyn Dialect, table: &Table, out: &mut Vec<(String, Vec<Value>)>) {
        if self.rows == 0 {
            return;
        }
        let columns: Vec<&'static str> = self
            .columns
            .iter()
            .map(|&i| table.columns()[i].name())
            .collect();
        let per_statement = if columns.is_empty() {
            1
        } else {
            (dialect.max_params() / columns.len()).clamp(1, MAX_ROWS_PER_STATEMENT)
        };
        let mut values = self.values.drain(..);
        let mut left = self.rows;
        while left > 0 {
            let rows = left.min(per_statement);
            let mut w = SqlWriter::new(dialect);
            w.reserve_values(rows * columns.len());
            write_insert_rows(
                &mut w,
                table,
                &columns,
                rows,
                values.by_ref().take(rows * columns.len()),
            );
            out.push(w.finish());
            left -= rows;
        }
        self.rows = 0;
    }
}

/// Multi-row inserts for `rows`: rows writing the same columns go together, in statements of up
/// to [`MAX_ROWS_PER_STATEMENT`] rows and within the dialect's parameter limit.
pub(super) fn insert_many<M: Model>(
    dialect: &dyn Dialect,
    table: &Table,
    rows: &[M],
) -> Vec<(String, Vec<Value>)> {
    let mut statements = Vec::new();
    let mut batch = Batch {
        columns: Vec::new(),
        values: Vec::new(),
        rows: 0,
    };
    let (mut scratch, mut columns, mut values) = (Vec::new(), Vec::new(), Vec::new());
    for row in rows {
        columns.clear();
        collect_insert(table, row, &mut scratch, &mut columns, &mut values);
        if columns != batch.columns {
            batch.flush(dialect, table, &mut statements);
            std::mem::swap(&mut batch.columns, &mut columns);
        }
        batch.values.append(&mut values);
        batch.rows += 1;
    }
    batch.flush(dialect, table, &mut statements);
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
