//! Writes that report only the row's primary key: what a session's queued insert, update and
//! delete run. Each is prepared from the typed row first ([`KeyedWrite::insert`], `update`,
//! `delete`): the row's values, with the table's cached text (or, for an insert that leaves a
//! column other than the generated key to the database, a text rendered for the row). Then one
//! non-generic [`KeyedWrite::run`] runs it. So flushing a queue of rows allocates no future per
//! row (a boxed future per row was over 1 KB, past the allocator's fast path, and cost more
//! than rendering the statement), and the running code is compiled once rather than per model.

use std::borrow::Cow;

use super::statement::InsertKey;
use super::{generated_key, statement};
use crate::bind::Bind;
use crate::dialect::{Dialect, Returning};
use crate::driver::Target;
use crate::error::{Error, Result};
use crate::meta::{ColumnDef, Table};
use crate::model::Model;
use crate::value::Value;

/// One rendered write and how it learns the row's key.
pub(crate) struct KeyedWrite {
    table: &'static Table,
    /// What the error says was being done: `inserting into`, `updating`, `deleting from`.
    action: &'static str,
    /// The table's cached text, or one rendered for this row's columns.
    sql: Cow<'static, str>,
    args: Vec<Value>,
    key: KeyFrom,
}

/// Where the key of the written row comes from.
enum KeyFrom {
    /// The row gave it.
    Given(Vec<Value>),
    /// The row gave it, and a statement that touches no row means no row has it.
    Existing(Vec<Value>),
    /// The database generated it and the driver reports the last insert id.
    LastInsertId(&'static ColumnDef),
    /// The database generated it and the statement returns it (`RETURNING`).
    Returning(&'static ColumnDef),
}

impl KeyedWrite {
    /// The insert of the row whose `values` write `columns` of `table` (as
    /// [`super::insert_values`] chose them); `None` when the database fills the key in a way
    /// only reading the whole row back reveals (a composite or server-default key left unset).
    pub(crate) fn insert(
        dialect: &dyn Dialect,
        table: &'static Table,
        columns: &[&'static str],
        values: Vec<Value>,
    ) -> Option<KeyedWrite> {
        let key = match statement::insert_key(table, columns) {
            InsertKey::Given(positions) => {
                KeyFrom::Given(positions.iter().map(|&i| values[i].clone()).collect())
            }
            InsertKey::Generated(column) if dialect.insert_feedback().reports_key() => {
                KeyFrom::LastInsertId(column)
            }
            InsertKey::Generated(column) if dialect.insert_feedback().returning() => {
                KeyFrom::Returning(column)
            }
            _ => return None,
        };
        let returning = match key {
            KeyFrom::Returning(column) => Returning::Key(column),
            _ => Returning::Nothing,
        };
        Some(KeyedWrite {
            table,
            action: "inserting into",
            sql: statement::insert_sql(table, dialect, columns, returning),
            args: values,
            key,
        })
    }

    /// The update of `row` by its key; `None` when it has no column but its key to set (then
    /// only reading the row says whether it exists).
    pub(crate) fn update<M: Model>(dialect: &dyn Dialect, row: &M) -> Option<KeyedWrite> {
        let by_key = statement::update_values(M::TABLE, row);
        if by_key.set.is_empty() {
            return None;
        }
        let sql = statement::update_by_key_sql(M::TABLE, dialect, &by_key, false);
        let key = by_key.key_values();
        Some(Self::by_key(
            sql,
            M::TABLE,
            "updating",
            by_key.update_args(),
            key,
        ))
    }

    /// The delete of `row` by its key.
    pub(crate) fn delete<M: Model>(dialect: &dyn Dialect, row: &M) -> KeyedWrite {
        let by_key = statement::update_values(M::TABLE, row);
        let sql = statement::delete_by_key_sql(M::TABLE, dialect);
        let key = by_key.key_values();
        Self::by_key(
            Cow::Borrowed(sql),
            M::TABLE,
            "deleting from",
            by_key.delete_args(),
            key,
        )
    }

    fn by_key(
        sql: Cow<'static, str>,
        table: &'static Table,
        action: &'static str,
        args: Vec<Value>,
        key: Vec<Value>,
    ) -> KeyedWrite {
        KeyedWrite {
            table,
            action,
            sql,
            args,
            key: KeyFrom::Existing(key),
        }
    }

    /// Runs the write through `conn` and returns the row's key. [`crate::Error::NotFound`]
    /// when an update or delete finds no row with its key ([`crate::Error::StaleRow`] for a
    /// versioned row: none with its key and version).
    pub(crate) async fn run(self, conn: &mut Target<'_>, bind: &Bind) -> Result<Vec<Value>> {
        let KeyedWrite {
            table,
            action,
            sql,
            args,
            key,
        } = self;
        let failed = |e| Error::writing(table, bind.label(), action, e);
        if let KeyFrom::Returning(column) = key {
            let id = conn.fetch_i64(&sql, &args).await.map_err(failed)?;
            return Ok(vec![generated_key(table, column, id)?]);
        }
        // MySQL counts matched rows here, not changed ones (sqlx sets CLIENT_FOUND_ROWS).
        let executed = conn.execute(&sql, args).await.map_err(failed)?;
        match key {
            KeyFrom::Existing(_) if executed.rows_affected == 0 => {
                Err(Error::no_row_with_key(table))
            }
            KeyFrom::Given(key) | KeyFrom::Existing(key) => Ok(key),
            KeyFrom::LastInsertId(column) | KeyFrom::Returning(column) => {
                let id = executed.last_insert_id.ok_or_else(|| {
                    Error::written_row_unreadable(table, bind.label(), "inserted")
                })?;
                Ok(vec![generated_key(table, column, id)?])
            }
        }
    }
}
