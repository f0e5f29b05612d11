//! The INSERT, UPDATE and DELETE statements of rows: which columns and values a row writes,
//! built as statement values ([`Insert`], [`UpdateByKey`], [`DeleteByKey`]) that the dialect
//! renders; the texts that depend only on the table are rendered once and cached.

use std::borrow::Cow;

use super::SqlWriter;
use crate::dialect::{DeleteByKey, Dialect, Insert, Returning, RowValues, UpdateByKey};
use crate::meta::{ColumnDef, Table};
use crate::model::Model;
use crate::sql_cache::TableStatement;
use crate::value::Value;

/// A list of column/value pairs, in column order.
type Pairs = Vec<(&'static str, Value)>;

/// An update or delete of one row by its key: the columns it sets, the key that finds the row,
/// and the version the row must still have (with `#[column(version)]`).
#[derive(Clone)]
pub(super) struct ByKey {
    pub set: Pairs,
    pub key: Pairs,
    pub version: Option<(&'static str, Value)>,
}

impl ByKey {
    /// The bound values of the update: the assigned values, the key's, then the version's.
    pub(super) fn update_args(self) -> Vec<Value> {
        let mut args = Vec::with_capacity(self.set.len() + self.key.len() + 1);
        args.extend(self.set.into_iter().map(|(_, v)| v));
        args.extend(self.key.into_iter().map(|(_, v)| v));
        args.extend(self.version.map(|(_, v)| v));
        args
    }

    /// The bound values of the delete: the key's, then the version's.
    pub(super) fn delete_args(self) -> Vec<Value> {
        let mut args: Vec<Value> = self.key.into_iter().map(|(_, v)| v).collect();
        args.extend(self.version.map(|(_, v)| v));
        args
    }

    /// The key values, in key order.
    pub(super) fn key_values(&self) -> Vec<Value> {
        self.key.iter().map(|(_, v)| v.clone()).collect()
    }

    /// The update of these columns of `table`, as a statement (values bind as
    /// [`update_args`](Self::update_args) gives them).
    pub(super) fn update<'t>(&self, table: &'t Table) -> UpdateByKey<'t> {
        UpdateByKey {
            table,
            set: self.set.iter().map(|(name, _)| *name).collect(),
            key: self.key.iter().map(|(name, _)| *name).collect(),
            version: self.version.as_ref().map(|(name, _)| *name),
            returning_row: false,
        }
    }
}

/// `by_key` narrowed to the `chosen` columns, with the `onupdate` columns and the next version
/// kept: what `update_columns` writes. A column the table lacks, or one of its key, is refused.
pub(super) fn only_columns(
    table: &Table,
    mut by_key: ByKey,
    chosen: &[&'static str],
) -> crate::error::Result<ByKey> {
    for name in chosen {
        let problem = match table.column(name) {
            None => "is not a column of the model",
            Some(column) if column.is_primary_key() => "is part of the primary key",
            // `update_values` left it out: an unset `Auto` field has no value to write.
            Some(column)
                if !column.has_onupdate() && !by_key.set.iter().any(|(n, _)| n == name) =>
            {
                "is an unset `Auto` field, with no value to write"
            }
            Some(_) => continue,
        };
        return Err(crate::error::Error::Unsupported(format!(
            "update_columns of model `{}`: \"{name}\" {problem}",
            table.model()
        )));
    }
    by_key.set.retain(|(name, _)| {
        chosen.contains(name)
            || table
                .column(name)
                .is_some_and(|c| c.has_onupdate() || c.is_version())
    });
    Ok(by_key)
}

/// The version after `version`: what an update stores while requiring `version`.
fn next_version(version: &Value) -> Value {
    match version {
        Value::SmallInt(v) => Value::SmallInt(v.wrapping_add(1)),
        Value::Int(v) => Value::Int(v.wrapping_add(1)),
        Value::BigInt(v) => Value::BigInt(v.wrapping_add(1)),
        // Only integer fields may be versions (checked at compile time).
        other => other.clone(),
    }
}

/// The first version of a row: 1, in the type of the column's value `any`.
fn first_version(any: &Value) -> Value {
    match any {
        Value::SmallInt(_) => Value::SmallInt(1),
        Value::Int(_) => Value::Int(1),
        _ => Value::BigInt(1),
    }
}

/// The columns an insert of `row` writes and their values: unset [`Auto`](crate::Auto) fields
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
        let value = if column.is_version() {
            // A new row starts at version 1, as SQLAlchemy's `version_id_col` does.
            first_version(&value)
        } else if value.is_default() {
            if table.is_autoincrement(column) {
                continue;
            }
            match column.default_value() {
                Some(default) => default,
                // The derive makes sure something fills an unset field's column; left to the
                // database, a column without a default refuses the row with its own error.
                None => continue,
            }
        } else {
            value
        };
        columns.push(i);
        values.push(value);
    }
}

/// The text of the one-row insert writing `columns` (as [`insert_values`] chose them). Kept in
/// the table's cache when they are every column, or every column but the generated key; any
/// other set of columns is rendered for this row. The row's values bind in `columns` order.
pub(super) fn insert_sql(
    table: &'static Table,
    dialect: &dyn Dialect,
    columns: &[&'static str],
    returning: Returning<'static>,
) -> Cow<'static, str> {
    let render = || {
        dialect.insert_sql(&Insert {
            table,
            columns,
            rows: 1,
            values: RowValues::Listed,
            returning,
        })
    };
    let every = table.columns().len();
    let shape = if columns.len() == every {
        match returning {
            Returning::Nothing => Some(TableStatement::InsertAll),
            Returning::Row => Some(TableStatement::InsertAllReturning),
            Returning::Key(_) | Returning::KeysInRowOrder(_) => None,
        }
    } else if columns.len() + 1 == every && leaves_out_generated_key(table, columns) {
        Some(match returning {
            Returning::Nothing => TableStatement::InsertGenerated,
            Returning::Row => TableStatement::InsertGeneratedReturning,
            Returning::Key(_) | Returning::KeysInRowOrder(_) => {
                TableStatement::InsertGeneratedReturningKey
            }
        })
    } else {
        None
    };
    match shape {
        Some(shape) => Cow::Borrowed(table.sql_cache().get_or_render(dialect.id(), shape, render)),
        None => Cow::Owned(render()),
    }
}

/// Where an insert gets its row's primary key.
pub(super) enum InsertKey {
    /// The row gives it: the positions of the key columns among the written columns.
    Given(Vec<usize>),
    /// The database generates it: the table's only key column, autoincrement and left out.
    Generated(&'static ColumnDef),
    /// The database fills it some other way (a server default), seen only by reading it back.
    Unknown,
}

/// Where an insert writing `columns` of `table` gets its row's primary key.
pub(super) fn insert_key(table: &Table, columns: &[&'static str]) -> InsertKey {
    let given: Option<Vec<usize>> = table
        .primary_key()
        .map(|key| columns.iter().position(|c| *c == key.name()))
        .collect();
    if let Some(positions) = given {
        return InsertKey::Given(positions);
    }
    let mut keys = table.primary_key();
    match (keys.next(), keys.next()) {
        (Some(key), None) if table.is_autoincrement(key) => InsertKey::Generated(key),
        _ => InsertKey::Unknown,
    }
}

/// Whether `columns` (in table order) leave out the table's generated key, its only key column.
fn leaves_out_generated_key(table: &Table, columns: &[&'static str]) -> bool {
    let mut keys = table.primary_key();
    match (keys.next(), keys.next()) {
        (Some(key), None) => table.is_autoincrement(key) && !columns.contains(&key.name()),
        _ => false,
    }
}

/// The most rows one multi-row INSERT carries (SQLAlchemy's `insertmanyvalues_page_size`
/// default). Bigger statements save no round trip worth having and cost more to parse and plan:
/// loading 100,000 rows in statements as big as the parameter limit allowed (21,845 rows) took
/// 1.41× (PostgreSQL) and 1.30× (MariaDB) as long as raw sqlx's 1,000-row statements; with this
/// cap, 1.06× and 1.00× (bench W8).
const MAX_ROWS_PER_STATEMENT: usize = 1_000;

/// The fewest rows a statement binds as arrays where the dialect can (see
/// [`Dialect::array_parameters`]); fewer rows list their values. Unnesting costs the server
/// a little per statement and saves a little per row: on PostgreSQL, co-located, 10 rows took
/// 1.06x as long from arrays as listed and 100 rows 0.98x (bench W7). Below this size the
/// listed texts are few enough for the prepared-statement cache.
const MIN_ROWS_FROM_ARRAYS: usize = 32;

/// The multi-row inserts of some rows, built one statement at a time as they are asked for:
/// rows writing the same columns go together, in statements of up to
/// [`MAX_ROWS_PER_STATEMENT`] rows within the dialect's parameter limit. Building each statement
/// just before it is sent keeps one statement's values in memory, not a copy of every row: a
/// bulk load of 100,000 rows holds 1,000 rows' values at a time.
pub(super) struct InsertMany<'a, M> {
    dialect: &'static dyn Dialect,
    table: &'static Table,
    rows: std::slice::Iter<'a, M>,
    next: NextRow,
}

/// The next row of an [`InsertMany`], gathered into buffers reused from row to row.
#[derive(Default)]
struct NextRow {
    /// Every column's value on the way (see `collect_insert`).
    scratch: Vec<Value>,
    /// The positions of the columns the row writes.
    columns: Vec<usize>,
    /// Their values.
    values: Vec<Value>,
    /// Whether `columns` and `values` hold a row not yet in a statement.
    held: bool,
}

/// The multi-row inserts of `rows` (not empty), built as they are asked for.
pub(super) fn insert_many<'a, M: Model>(
    dialect: &'static dyn Dialect,
    table: &'static Table,
    rows: &'a [M],
) -> InsertMany<'a, M> {
    InsertMany {
        dialect,
        table,
        rows: rows.iter(),
        next: NextRow::default(),
    }
}

impl<M: Model> InsertMany<'_, M> {
    /// Whether every row is in a statement already returned.
    pub(super) fn is_done(&self) -> bool {
        !self.next.held && self.rows.len() == 0
    }

    /// Gathers the next row unless one is held; false when none is left.
    fn gather(&mut self) -> bool {
        if self.next.held {
            return true;
        }
        let Some(row) = self.rows.next() else {
            return false;
        };
        let next = &mut self.next;
        next.columns.clear();
        collect_insert(
            self.table,
            row,
            &mut next.scratch,
            &mut next.columns,
            &mut next.values,
        );
        next.held = true;
        true
    }
}

impl<M: Model> Iterator for InsertMany<'_, M> {
    type Item = (String, Vec<Value>);

    fn next(&mut self) -> Option<Self::Item> {
        if !self.gather() {
            return None;
        }
        let left = self.rows.len() + 1;
        let mut statement = Statement::new(self.dialect, &self.next.columns, left);
        while self.gather() && statement.take(&mut self.next) {}
        Some(statement.finish(self.dialect, self.table))
    }
}

/// The rows of one multi-row insert being gathered: the columns they write (positions in the
/// table) and their values, one row after the other in one vector (no vector per row).
struct Statement {
    columns: Vec<usize>,
    values: Vec<Value>,
    rows: usize,
    /// The most rows the statement may hold.
    most: usize,
}

impl Statement {
    /// An empty statement for rows writing `columns`, `left` of them at most to come.
    fn new(dialect: &dyn Dialect, columns: &[usize], left: usize) -> Self {
        let most = rows_per_statement(dialect, columns.len());
        Statement {
            columns: columns.to_vec(),
            values: Vec::with_capacity(most.min(left) * columns.len()),
            rows: 0,
            most,
        }
    }

    /// Moves the held row in if it writes the same columns and there is room; otherwise
    /// leaves it held for the next statement and says no.
    fn take(&mut self, row: &mut NextRow) -> bool {
        if self.rows == self.most || row.columns != self.columns {
            return false;
        }
        self.values.append(&mut row.values);
        row.held = false;
        self.rows += 1;
        true
    }

    /// The statement's text and values: from one array per column where the dialect binds
    /// arrays and there are [`MIN_ROWS_FROM_ARRAYS`] rows, listed otherwise.
    fn finish(self, dialect: &dyn Dialect, table: &Table) -> (String, Vec<Value>) {
        let columns: Vec<&'static str> = self
            .columns
            .iter()
            .map(|&i| table.columns()[i].name())
            .collect();
        insert_rows_sql(dialect, table, &columns, self.rows, self.values)
    }
}

/// The most rows one multi-row insert writing `columns` columns carries on `dialect`.
pub(super) fn rows_per_statement(dialect: &dyn Dialect, columns: usize) -> usize {
    // No columns: `DEFAULT VALUES`, one row per statement.
    dialect
        .max_params()
        .checked_div(columns)
        .map_or(1, |rows| rows.clamp(1, MAX_ROWS_PER_STATEMENT))
}

/// The multi-row insert of `rows` rows writing `columns`, their values one row after the
/// other: from one array per column where the dialect binds arrays and there are
/// [`MIN_ROWS_FROM_ARRAYS`] rows, listed otherwise.
pub(super) fn insert_rows_sql(
    dialect: &dyn Dialect,
    table: &Table,
    columns: &[&'static str],
    rows: usize,
    values: Vec<Value>,
) -> (String, Vec<Value>) {
    let arrays = dialect.array_parameters() && rows >= MIN_ROWS_FROM_ARRAYS;
    let insert = Insert {
        table,
        columns,
        rows,
        values: if arrays {
            RowValues::Arrays
        } else {
            RowValues::Listed
        },
        returning: Returning::Nothing,
    };
    (dialect.insert_sql(&insert), insert.bind_order(values))
}

/// The multi-row insert of `rows` rows writing `columns` (not empty) that inserts them in order
/// and returns the generated `key` of each (see [`Dialect::keys_in_row_order`]); `None` where
/// the dialect cannot keep the order.
pub(super) fn insert_rows_returning_key_sql(
    dialect: &dyn Dialect,
    table: &Table,
    columns: &[&'static str],
    key: &ColumnDef,
    rows: usize,
    values: Vec<Value>,
) -> Option<(String, Vec<Value>)> {
    if !dialect.keys_in_row_order() {
        return None;
    }
    let insert = Insert {
        table,
        columns,
        rows,
        values: if dialect.array_parameters() {
            RowValues::Arrays
        } else {
            RowValues::Listed
        },
        returning: Returning::KeysInRowOrder(key),
    };
    Some((dialect.insert_sql(&insert), insert.bind_order(values)))
}

/// For an update of `row` by key: the non-key columns with their values (`onupdate` columns
/// take their function's value, the version column the next version), the key columns with
/// theirs, and the version the row was read with.
pub(super) fn update_values<M: Model>(table: &Table, row: &M) -> ByKey {
    let mut all = Vec::with_capacity(table.columns().len());
    row.push_values(&mut all);
    split_key(table, all)
}

/// [`update_values`] of one value per column of `table`, in column order.
fn split_key(table: &Table, all: Vec<Value>) -> ByKey {
    let mut set = Vec::with_capacity(all.len());
    let mut key = Vec::new();
    let mut version = None;
    for (column, value) in table.columns().iter().zip(all) {
        if column.is_primary_key() {
            key.push((column.name(), value));
        } else if column.is_version() {
            // SET v = <read + 1> WHERE v = <read>: the same as v + 1 on the one row it matches.
            set.push((column.name(), next_version(&value)));
            version = Some((column.name(), value));
        } else if let Some(value) = column.onupdate_value() {
            set.push((column.name(), value));
        } else if !value.is_default() {
            // An unset `Auto` field leaves its column as it is.
            set.push((column.name(), value));
        }
    }
    ByKey { set, key, version }
}

/// The update of every non-key column of `table` by its key (the version too, and required).
fn update_all(table: &Table) -> UpdateByKey<'_> {
    UpdateByKey {
        table,
        set: table
            .columns()
            .iter()
            .filter(|c| !c.is_primary_key())
            .map(|c| c.name())
            .collect(),
        key: table.primary_key().map(|c| c.name()).collect(),
        version: table.version_column().map(|c| c.name()),
        returning_row: false,
    }
}

/// The text of the update `by_key` of a row of `table`, with `RETURNING <every column>` when
/// `returning`. The update of every non-key column is rendered once per dialect and cached;
/// one that leaves columns out (unset `Auto` fields) is rendered for the row.
pub(super) fn update_by_key_sql(
    table: &'static Table,
    dialect: &dyn Dialect,
    by_key: &ByKey,
    returning: bool,
) -> Cow<'static, str> {
    let non_key = table
        .columns()
        .iter()
        .filter(|c| !c.is_primary_key())
        .count();
    if by_key.set.len() != non_key {
        return Cow::Owned(dialect.update_by_key_sql(&UpdateByKey {
            returning_row: returning,
            ..by_key.update(table)
        }));
    }
    let shape = if returning {
        TableStatement::UpdateByKeyReturning
    } else {
        TableStatement::UpdateByKey
    };
    Cow::Borrowed(table.sql_cache().get_or_render(dialect.id(), shape, || {
        dialect.update_by_key_sql(&UpdateByKey {
            returning_row: returning,
            ..update_all(table)
        })
    }))
}

/// The text of the delete of a row of `table` by its key; rendered once per dialect.
pub(super) fn delete_by_key_sql(table: &'static Table, dialect: &dyn Dialect) -> &'static str {
    table
        .sql_cache()
        .get_or_render(dialect.id(), TableStatement::DeleteByKey, || {
            dialect.delete_by_key_sql(&DeleteByKey {
                table,
                key: table.primary_key().map(|c| c.name()).collect(),
                version: table.version_column().map(|c| c.name()),
            })
        })
}

/// ` SET a = ?, b = ?`.
pub(super) fn write_set(w: &mut SqlWriter<'_>, set: Pairs) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{MySqlDialect, PostgresDialect};
    use crate::model::ColumnGroup;
    use crate::query::select_by_key_sql;
    use crate::row::{DecodeError, RowReader};
    use crate::sql_cache::SqlCache;
    use crate::sql_type::SqlType;

    static COLUMNS: [ColumnDef; 4] = [
        ColumnDef::new("tenant", "tenant", SqlType::Integer, false).with_primary_key(),
        ColumnDef::new("name", "name", SqlType::Text, false),
        ColumnDef::new("id", "id", SqlType::BigInt, false).with_primary_key(),
        ColumnDef::new("note", "note", SqlType::Text, true),
    ];
    static SQL: SqlCache = SqlCache::new();
    static TABLE: Table = Table::new("entry", None, "Entry", "tests", &COLUMNS, &[], &SQL);

    static ITEM_COLUMNS: [ColumnDef; 2] = [
        ColumnDef::new("id", "id", SqlType::BigInt, false).with_primary_key(),
        ColumnDef::new("title", "title", SqlType::Text, false),
    ];
    static ITEM_SQL: SqlCache = SqlCache::new();
    static ITEM: Table = Table::new("item", None, "Item", "tests", &ITEM_COLUMNS, &[], &ITEM_SQL);

    #[test]
    fn whole_row_inserts_are_cached_and_others_rendered() {
        let pg = &PostgresDialect;
        let cases: [(&'static Table, &[&'static str], Returning, &str, bool); 5] = [
            (
                &ITEM,
                &["title"],
                Returning::Key(&ITEM_COLUMNS[0]),
                r#"INSERT INTO "item" ("title") VALUES ($1) RETURNING "id""#,
                true,
            ),
            (
                &ITEM,
                &["id", "title"],
                Returning::Row,
                r#"INSERT INTO "item" ("id", "title") VALUES ($1, $2) RETURNING "id", "title""#,
                true,
            ),
            (
                &ITEM,
                &["title"],
                Returning::Nothing,
                r#"INSERT INTO "item" ("title") VALUES ($1)"#,
                true,
            ),
            // A column left out for its server default: rendered for this row.
            (
                &TABLE,
                &["tenant", "name", "id"],
                Returning::Nothing,
                r#"INSERT INTO "entry" ("tenant", "name", "id") VALUES ($1, $2, $3)"#,
                false,
            ),
            (
                &ITEM,
                &[],
                Returning::Row,
                r#"INSERT INTO "item" DEFAULT VALUES RETURNING "id", "title""#,
                false,
            ),
        ];
        for _ in 0..2 {
            for (table, columns, returning, expected, cached) in cases {
                let sql = insert_sql(table, pg, columns, returning);
                assert_eq!(sql, expected);
                assert_eq!(matches!(sql, Cow::Borrowed(_)), cached, "{expected}");
            }
        }
    }

    #[test]
    fn cached_statements_key_every_key_column_in_order() {
        let pg = &PostgresDialect;
        assert_eq!(
            select_by_key_sql(&TABLE, pg),
            r#"SELECT "tenant", "name", "id", "note" FROM "entry" WHERE ("tenant" = $1) AND ("id" = $2)"#
        );
        let row = split_key(&TABLE, Entry { id: 1 }.values());
        for _ in 0..2 {
            let sql = update_by_key_sql(&TABLE, pg, &row, false);
            assert!(matches!(sql, Cow::Borrowed(_)), "cached");
            assert_eq!(
                sql,
                r#"UPDATE "entry" SET "name" = $1, "note" = $2 WHERE "tenant" = $3 AND "id" = $4"#
            );
        }
        assert_eq!(
            update_by_key_sql(&TABLE, pg, &row, true),
            r#"UPDATE "entry" SET "name" = $1, "note" = $2 WHERE "tenant" = $3 AND "id" = $4 RETURNING "tenant", "name", "id", "note""#
        );
        assert_eq!(
            delete_by_key_sql(&TABLE, pg),
            r#"DELETE FROM "entry" WHERE "tenant" = $1 AND "id" = $2"#
        );
        // Another dialect of the same table gets its own text, and the first stays.
        assert_eq!(
            delete_by_key_sql(&TABLE, &MySqlDialect),
            "DELETE FROM `entry` WHERE `tenant` = ? AND `id` = ?"
        );
        assert_eq!(
            delete_by_key_sql(&TABLE, pg),
            r#"DELETE FROM "entry" WHERE "tenant" = $1 AND "id" = $2"#
        );
    }

    /// A row of `TABLE`, written by the tests' multi-row inserts (never read).
    struct Entry {
        id: i64,
    }

    impl ColumnGroup for Entry {
        const COLUMNS: &'static [ColumnDef] = &COLUMNS;
        fn decode_at(_: &dyn RowReader, _: usize) -> Result<Self, DecodeError> {
            Err(DecodeError::invalid_model())
        }
        fn push_values(&self, out: &mut Vec<Value>) {
            out.extend([
                Value::Int(1),
                Value::Text(format!("row{}", self.id)),
                Value::BigInt(self.id),
                if self.id % 2 == 0 {
                    Value::Null(SqlType::Text)
                } else {
                    Value::Text("odd".to_owned())
                },
            ]);
        }
    }

    impl Model for Entry {
        const TABLE: &'static Table = &TABLE;
    }

    impl Entry {
        fn values(&self) -> Vec<Value> {
            let mut out = Vec::new();
            self.push_values(&mut out);
            out
        }
    }

    #[test]
    fn unset_fields_are_left_to_the_column() {
        let pg = &PostgresDialect;
        let mut values = Entry { id: 3 }.values();
        values[3] = Value::Default(SqlType::Text);
        // An update leaves the column as it is, in a text rendered for the row.
        let row = split_key(&TABLE, values);
        let sql = update_by_key_sql(&TABLE, pg, &row, false);
        assert!(matches!(sql, Cow::Owned(_)));
        assert_eq!(
            sql,
            r#"UPDATE "entry" SET "name" = $1 WHERE "tenant" = $2 AND "id" = $3"#
        );
        assert_eq!(
            row.update_args(),
            [Value::Text("row3".into()), Value::Int(1), Value::BigInt(3)]
        );
    }

    /// The multi-row inserts of `rows` rows of `TABLE`, row `r` holding `r` in its keys.
    fn inserts_of(dialect: &'static dyn Dialect, rows: i64) -> Vec<(String, Vec<Value>)> {
        let rows: Vec<Entry> = (0..rows).map(|id| Entry { id }).collect();
        let mut statements = insert_many(dialect, &TABLE, &rows);
        let mut out = Vec::new();
        let mut done = Vec::new();
        while let Some(statement) = statements.next() {
            out.push(statement);
            done.push(statements.is_done());
        }
        // Known done as soon as the last statement is out, before asking for another.
        let last = done.pop();
        assert_eq!((last, done.contains(&true)), (Some(true), false));
        out
    }

    #[test]
    fn postgres_inserts_many_rows_from_one_array_per_column() {
        let out = inserts_of(&PostgresDialect, 2_500);
        let unnest = r#"INSERT INTO "entry" ("tenant", "name", "id", "note") SELECT * FROM UNNEST($1, $2, $3, $4)"#;
        assert_eq!(out.len(), 3, "statements of up to 1,000 rows");
        for ((sql, args), rows) in out.iter().zip([1_000, 1_000, 500]) {
            // One text for any number of rows: the server prepares it once.
            assert_eq!(sql, unnest);
            let types: Vec<SqlType> = args
                .iter()
                .map(|a| match a {
                    Value::Array(ty, elements) => {
                        assert_eq!(elements.len(), rows);
                        *ty
                    }
                    other => panic!("not an array: {other:?}"),
                })
                .collect();
            let expected = [
                SqlType::Integer,
                SqlType::Text,
                SqlType::BigInt,
                SqlType::Text,
            ];
            assert_eq!(types, expected);
        }
        // Each array holds its column's values in row order, NULLs included.
        let Value::Array(_, ids) = &out[2].1[2] else {
            unreachable!()
        };
        assert_eq!(ids[0], Value::BigInt(2_000));
        assert_eq!(ids[499], Value::BigInt(2_499));
        let Value::Array(_, notes) = &out[0].1[3] else {
            unreachable!()
        };
        assert_eq!(
            notes[..2],
            [Value::Null(SqlType::Text), Value::Text("odd".to_owned())]
        );

        // A few rows are listed, as on MySQL, which has no arrays, whatever the rows.
        let out = inserts_of(&PostgresDialect, 1);
        assert_eq!(
            out[0].0,
            r#"INSERT INTO "entry" ("tenant", "name", "id", "note") VALUES ($1, $2, $3, $4)"#
        );
        assert_eq!(out[0].1.len(), 4);
        let out = inserts_of(&PostgresDialect, MIN_ROWS_FROM_ARRAYS as i64 - 1);
        assert_eq!(out[0].1.len(), 4 * (MIN_ROWS_FROM_ARRAYS - 1));
        let out = inserts_of(&PostgresDialect, MIN_ROWS_FROM_ARRAYS as i64);
        assert_eq!(out[0].0, unnest);
        let out = inserts_of(&MySqlDialect, 2);
        assert_eq!(
            out[0].0,
            "INSERT INTO `entry` (`tenant`, `name`, `id`, `note`) VALUES (?, ?, ?, ?), (?, ?, ?, ?)"
        );
        assert_eq!(out[0].1.len(), 8);
    }

    /// A row of `ITEM`, whose generated key is unset (left out) where it is 0.
    struct Item(i64);

    impl ColumnGroup for Item {
        const COLUMNS: &'static [ColumnDef] = &ITEM_COLUMNS;
        fn decode_at(_: &dyn RowReader, _: usize) -> Result<Self, DecodeError> {
            Err(DecodeError::invalid_model())
        }
        fn push_values(&self, out: &mut Vec<Value>) {
            let id = if self.0 == 0 {
                Value::Default(SqlType::BigInt)
            } else {
                Value::BigInt(self.0)
            };
            out.extend([id, Value::Text(format!("t{}", self.0))]);
        }
    }

    impl Model for Item {
        const TABLE: &'static Table = &ITEM;
    }

    #[test]
    fn rows_writing_other_columns_start_a_new_statement() {
        let rows = [Item(5), Item(0), Item(0), Item(7), Item(8)];
        let mut statements = insert_many(&MySqlDialect, &ITEM, &rows);
        let out: Vec<_> = statements.by_ref().collect();
        assert!(statements.is_done());
        let listed = |sql: &str, args: &[Value]| (sql.to_owned(), args.to_vec());
        let t = |s: &str| Value::Text(s.to_owned());
        assert_eq!(
            out,
            [
                listed(
                    "INSERT INTO `item` (`id`, `title`) VALUES (?, ?)",
                    &[Value::BigInt(5), t("t5")]
                ),
                listed(
                    "INSERT INTO `item` (`title`) VALUES (?), (?)",
                    &[t("t0"), t("t0")]
                ),
                listed(
                    "INSERT INTO `item` (`id`, `title`) VALUES (?, ?), (?, ?)",
                    &[Value::BigInt(7), t("t7"), Value::BigInt(8), t("t8")]
                ),
            ]
        );
    }

    #[test]
    fn generated_keys_come_back_in_row_order_only_where_the_dialect_promises_it() {
        let titles = || vec![Value::Text("a".to_owned()), Value::Text("b".to_owned())];
        let key = &ITEM_COLUMNS[0];
        let (sql, args) =
            insert_rows_returning_key_sql(&PostgresDialect, &ITEM, &["title"], key, 2, titles())
                .unwrap();
        assert_eq!(
            sql,
            r#"INSERT INTO "item" ("title") SELECT c1 FROM UNNEST($1) WITH ORDINALITY AS v(c1, n) ORDER BY n RETURNING "id""#
        );
        assert_eq!(args, [Value::Array(SqlType::Text, titles())]);
        let (sql, args) = insert_rows_returning_key_sql(
            &crate::dialect::MariaDbDialect,
            &ITEM,
            &["title"],
            key,
            2,
            titles(),
        )
        .unwrap();
        assert_eq!(
            sql,
            "INSERT INTO `item` (`title`) VALUES (?), (?) RETURNING `id`"
        );
        assert_eq!(args, titles());
        for dialect in [
            &MySqlDialect as &dyn Dialect,
            &crate::dialect::SqliteDialect,
        ] {
            assert_eq!(
                insert_rows_returning_key_sql(dialect, &ITEM, &["title"], key, 2, titles()),
                None
            );
        }
    }

    #[test]
    fn update_arguments_follow_the_placeholders() {
        let row = vec![
            Value::Int(3),
            Value::Text("ada".to_owned()),
            Value::BigInt(9),
            Value::Null(SqlType::Text),
        ];
        assert_eq!(
            split_key(&TABLE, row).update_args(),
            [
                Value::Text("ada".to_owned()),
                Value::Null(SqlType::Text),
                Value::Int(3),
                Value::BigInt(9),
            ]
        );
    }
}
