//! Writing rows: `insert`, `insert_many`, `update` and `delete` on a [`Database`], bulk
//! `update` and `delete` on a query, and the raw-SQL escape hatch. Statements are built in
//! `statement` and run through the bind's driver; every value is bound.
//!
//! Every write outside a session is a commit of its own, and fires the `Database`'s commit
//! signals ([`signalled!`]): `models_committed` after it, with the rows it names; and, when a
//! `before_models_committed` hook is registered, the write runs in a transaction so the hook
//! can veto it before it is committed.
//!
//! A row's field is *unset* when it is an unset [`Auto`](crate::Auto) (it binds as
//! `Value::Default`): then `insert` applies the client `default`, or leaves the column out so
//! the database applies its `server_default` or generates the key, and an update leaves the
//! column as it is. Every other field is written as it is.

mod cascade;
mod insert_group;
mod keyed;
mod query_writes;
mod raw;
mod statement;

use crate::executor::signalled;

pub(crate) use cascade::for_query as cascades_for_query;
pub(crate) use insert_group::InsertGroup;
pub(crate) use keyed::KeyedWrite;
pub(crate) use raw::{execute_raw, fetch_as, fetch_raw, fetch_scalar};

use crate::bind::Bind;
use crate::change::{Change, Operation};
use crate::database::Database;
use crate::dialect::Returning;
use crate::driver::{RowCount, Target};
use crate::error::{Error, Result};
use crate::meta::{ColumnDef, Table};
use crate::model::ColumnRef;
use crate::model::Model;
use crate::query::{SqlWriter, convert_key_value, select_by_key_sql};
use crate::value::Value;

/// The work of [`Database::insert`](crate::Database::insert).
pub(crate) async fn insert<M: Model>(db: &Database, row: &M) -> Result<M> {
    let bind = db.bind_for(M::TABLE)?;
    signalled!(db, bind, |conn| insert_row(conn, bind, row), |stored| vec![
        Change::new::<M>(Operation::Insert, key_of(stored))
    ])
}

/// The work of [`Database::insert_many`](crate::Database::insert_many).
pub(crate) async fn insert_many<M: Model>(db: &Database, rows: &[M]) -> Result<u64> {
    if rows.is_empty() {
        return Ok(0);
    }
    let bind = db.bind_for(M::TABLE)?;
    signalled!(
        db,
        bind,
        |conn| insert_many_on(conn, bind, rows),
        |_inserted| rows.iter().map(inserted_change).collect()
    )
}

/// The work of [`Database::update`](crate::Database::update).
pub(crate) async fn update<M: Model>(db: &Database, row: &M) -> Result<()> {
    let bind = db.bind_for(M::TABLE)?;
    signalled!(db, bind, |conn| update_row(conn, bind, row), |_done| vec![
        Change::new::<M>(Operation::Update, key_of(row))
    ])
}

/// The work of [`Database::update_returning`](crate::Database::update_returning).
pub(crate) async fn update_returning<M: Model>(db: &Database, row: &M) -> Result<M> {
    let bind = db.bind_for(M::TABLE)?;
    signalled!(
        db,
        bind,
        |conn| update_returning_row(conn, bind, row),
        |stored| vec![Change::new::<M>(Operation::Update, key_of(stored))]
    )
}

/// The work of [`Database::update_columns`](crate::Database::update_columns).
pub(crate) async fn update_columns<M: Model>(
    db: &Database,
    row: &M,
    columns: impl IntoIterator<Item = ColumnRef<M>> + Send,
) -> Result<()> {
    let bind = db.bind_for(M::TABLE)?;
    let chosen: Vec<&'static str> = columns.into_iter().map(|c| c.name()).collect();
    let by_key = statement::update_values(M::TABLE, row);
    let by_key = statement::only_columns(M::TABLE, by_key, &chosen)?;
    signalled!(
        db,
        bind,
        |conn| update_chosen::<M>(conn, bind, by_key),
        |_done| vec![Change::new::<M>(Operation::Update, key_of(row))]
    )
}

/// The work of [`Database::delete`](crate::Database::delete).
pub(crate) async fn delete<M: Model>(db: &Database, row: &M) -> Result<()> {
    let bind = db.bind_for(M::TABLE)?;
    // A cascading delete is several statements: one transaction, so they commit together.
    let cascades = !M::DELETE_CASCADES.is_empty();
    signalled!(
        db,
        bind,
        transaction = cascades,
        |conn| delete_row(conn, bind, row),
        |_done| vec![Change::new::<M>(Operation::Delete, key_of(row))]
    )
}

/// Inserts `rows` through `conn`: on the pool, one statement alone (atomic by itself) or
/// several in one transaction; inside a transaction, one statement after another. Each
/// statement is built as its turn comes.
async fn insert_many_on<M: Model>(conn: &mut Target<'_>, bind: &Bind, rows: &[M]) -> Result<u64> {
    let mut statements = statement::insert_many(bind.engine.dialect(), M::TABLE, rows);
    let inserted = match conn {
        Target::Pool { .. } => {
            let engine = &bind.engine;
            let (sql, args) = statements.next().unwrap_or_default();
            if statements.is_done() {
                // One statement is atomic by itself: BEGIN and COMMIT would only add two round
                // trips (and, on SQLite, a write lock taken early).
                engine.execute(&sql, args).await.map(|e| e.rows_affected)
            } else {
                let mut all = std::iter::once((sql, args)).chain(statements);
                engine.execute_all(&mut all).await
            }
        }
        Target::Tx(_) => {
            let mut affected = Ok(0);
            for (sql, args) in statements {
                match conn.execute(&sql, args).await {
                    Ok(executed) => {
                        affected = affected.map(|n| n + executed.rows_affected);
                    }
                    Err(error) => {
                        affected = Err(error);
                        break;
                    }
                }
            }
            affected
        }
    };
    inserted.map_err(|e| Error::writing(M::TABLE, bind.label(), "inserting into", e))
}

/// What `models_committed` hears of one row of `insert_many`: its key where the row gives it;
/// an empty key where the database generated it (`insert_many` does not read keys back; a
/// session's `add` does).
fn inserted_change<M: Model>(row: &M) -> Change {
    let (columns, values) = statement::insert_values(M::TABLE, row);
    let key: Option<Vec<Value>> = M::TABLE
        .primary_key()
        .map(|column| {
            let i = columns.iter().position(|c| *c == column.name())?;
            values.get(i).cloned()
        })
        .collect();
    Change::new::<M>(Operation::Insert, key.unwrap_or_default())
}

/// Inserts `row` through `conn` and returns it as stored.
pub(crate) async fn insert_row<M: Model>(conn: &mut Target<'_>, bind: &Bind, row: &M) -> Result<M> {
    let dialect = bind.engine.dialect();
    let table = M::TABLE;
    let (columns, values) = statement::insert_values(table, row);
    if dialect.insert_feedback().returning() {
        let sql = statement::insert_sql(table, dialect, &columns, Returning::Row);
        return returning::<M>(conn, bind, &sql, &values, "inserting into")
            .await?
            .ok_or_else(|| Error::written_row_unreadable(M::TABLE, bind.label(), "inserted"));
    }
    let sql = statement::insert_sql(table, dialect, &columns, Returning::Nothing);
    // The key values are needed below to read the row back.
    let executed = conn
        .execute(&sql, values.clone())
        .await
        .map_err(|e| Error::writing(table, bind.label(), "inserting into", e))?;
    // Read the row back by its key: the generated id where the key column was left out.
    let mut key = Vec::new();
    for column in table.primary_key() {
        let value = match columns.iter().position(|c| *c == column.name()) {
            Some(i) => values[i].clone(),
            None => generated_key(table, column, executed.last_insert_id.unwrap_or_default())?,
        };
        key.push(value);
    }
    read_key::<M>(conn, bind, &key)
        .await?
        .ok_or_else(|| Error::written_row_unreadable(M::TABLE, bind.label(), "inserted"))
}

/// The row whose primary key is `key` (one value per key column), read through `conn` with
/// the table's cached lookup. No `LIMIT`: a key matches at most one row.
async fn read_key<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    key: &[Value],
) -> Result<Option<M>> {
    let sql = select_by_key_sql(M::TABLE, bind.engine.dialect());
    let mut rows = conn
        .fetch_all::<M>(sql, key, RowCount::AtMostOne)
        .await
        .map_err(|e| Error::reading(M::TABLE, bind.label(), e))?;
    Ok(rows.pop())
}

/// The generated key `id` as a value of `column`'s type.
fn generated_key(table: &Table, column: &ColumnDef, id: i64) -> Result<Value> {
    convert_key_value(Value::BigInt(id), column.sql_type()).map_err(|v| Error::InvalidKey {
        model: table.model().to_owned(),
        table: table.name().to_owned(),
        message: format!(
            "the generated key {v:?} does not fit column \"{}\"",
            column.name()
        ),
    })
}

/// Updates `row` by key through `conn`.
pub(crate) async fn update_row<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    row: &M,
) -> Result<()> {
    match KeyedWrite::update(bind.engine.dialect(), row) {
        Some(write) => write.run(conn, bind).await.map(drop),
        // Nothing but the key to write: the row's existence is all there is to check.
        None => read_key::<M>(conn, bind, &key_of(row))
            .await?
            .map(drop)
            .ok_or_else(|| Error::no_row_with_key(M::TABLE)),
    }
}

/// Updates `row` by key through `conn` and returns it as stored.
async fn update_returning_row<M: Model>(conn: &mut Target<'_>, bind: &Bind, row: &M) -> Result<M> {
    let dialect = bind.engine.dialect();
    let table = M::TABLE;
    let by_key = statement::update_values(table, row);
    let key = by_key.key_values();
    if !by_key.set.is_empty() {
        let returns = dialect.update_returning();
        let sql = statement::update_by_key_sql(table, dialect, &by_key, returns);
        let args = by_key.update_args();
        if returns {
            return returning::<M>(conn, bind, &sql, &args, "updating")
                .await?
                .ok_or_else(|| Error::no_row_with_key(M::TABLE));
        }
        let executed = conn
            .execute(&sql, args)
            .await
            .map_err(|e| Error::writing(table, bind.label(), "updating", e))?;
        // MySQL counts matched rows (sqlx sets CLIENT_FOUND_ROWS): 0 means no row has the key
        // (and version), and reading the key back would return another write's row.
        if executed.rows_affected == 0 {
            return Err(Error::no_row_with_key(M::TABLE));
        }
    }
    read_key::<M>(conn, bind, &key)
        .await?
        .ok_or_else(|| Error::no_row_with_key(M::TABLE))
}

/// Runs an update of chosen columns by key through `conn`; fails when it matched no row.
async fn update_chosen<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    by_key: statement::ByKey,
) -> Result<()> {
    let table = M::TABLE;
    if by_key.set.is_empty() {
        // Nothing to write: whether the row exists is all there is to say.
        return read_key::<M>(conn, bind, &by_key.key_values())
            .await?
            .map(drop)
            .ok_or_else(|| Error::no_row_with_key(M::TABLE));
    }
    let sql = bind
        .engine
        .dialect()
        .update_by_key_sql(&by_key.update(table));
    let args = by_key.update_args();
    let executed = conn
        .execute(&sql, args)
        .await
        .map_err(|e| Error::writing(table, bind.label(), "updating", e))?;
    if executed.rows_affected == 0 {
        return Err(Error::no_row_with_key(M::TABLE));
    }
    Ok(())
}

/// Deletes `row` by key through `conn`, after the rows its `cascade = "delete"`
/// relationships hold (none for most models). Those are several statements, so the caller
/// runs a model with cascades in a transaction (`delete`, a session).
pub(crate) async fn delete_row<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    row: &M,
) -> Result<()> {
    let dialect = bind.engine.dialect();
    run_cascaded(conn, bind, cascade::for_row(dialect, row)?).await?;
    KeyedWrite::delete(dialect, row)
        .run(conn, bind)
        .await
        .map(drop)
}

/// Runs cascaded deletes in order through `conn`.
async fn run_cascaded(
    conn: &mut Target<'_>,
    bind: &Bind,
    cascaded: Vec<cascade::CascadedDelete>,
) -> Result<()> {
    for delete in cascaded {
        conn.execute(&delete.sql, delete.args)
            .await
            .map_err(|e| Error::writing(delete.table, bind.label(), "deleting from", e))?;
    }
    Ok(())
}

/// The columns an insert of `row` writes and their values: what `insert` sends for it.
pub(crate) fn insert_values<M: Model>(row: &M) -> (Vec<&'static str>, Vec<Value>) {
    statement::insert_values(M::TABLE, row)
}

/// The primary key values of `row`, in key order.
pub(crate) fn key_of<M: Model>(row: &M) -> Vec<Value> {
    statement::update_values(M::TABLE, row).key_values()
}

/// Runs a write ending in `RETURNING <every column>` and reads the row written, if any.
async fn returning<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    sql: &str,
    args: &[Value],
    action: &str,
) -> Result<Option<M>> {
    let mut rows = conn
        .fetch_all::<M>(sql, args, RowCount::AtMostOne)
        .await
        .map_err(|e| Error::writing_returning(M::TABLE, bind.label(), action, e))?;
    Ok(rows.pop())
}
