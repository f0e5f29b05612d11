//! Running one statement on an open rusqlite connection, synchronously: preparing it through
//! the connection's statement cache, binding the values, stepping the rows. Where it runs (the
//! caller's thread or off the worker) is for `conn` to decide.

use rusqlite::Connection;

use super::error::from_rusqlite;
use super::value::to_sql;
use super::watch::{Mode, Watch};
use crate::driver::DriverError;
use crate::driver::executed::Executed;
use crate::driver::sink::RowCount;
use crate::value::Value;

/// The statement `sql`, prepared (or taken from the cache) with `args` bound.
fn prepare<'c>(
    db: &'c Connection,
    sql: &str,
    args: &[Value],
) -> Result<rusqlite::CachedStatement<'c>, sqlx::Error> {
    let mut statement = db.prepare_cached(sql).map_err(from_rusqlite)?;
    let wanted = statement.parameter_count();
    if wanted != args.len() {
        return Err(sqlx::Error::InvalidArgument(format!(
            "the statement has {wanted} parameters but {} values were given",
            args.len()
        )));
    }
    for (i, value) in args.iter().enumerate() {
        statement
            .raw_bind_parameter(i + 1, to_sql(value)?)
            .map_err(from_rusqlite)?;
    }
    Ok(statement)
}

/// How the watch treats `statement` when it runs past the budget: a read (it returns rows and
/// changes nothing) is stopped, to be run again off the worker; anything else finishes.
fn mode_for(statement: &rusqlite::Statement<'_>) -> Mode {
    if statement.readonly() && statement.column_count() > 0 {
        Mode::Interrupt
    } else {
        Mode::Observe
    }
}

/// Runs a statement for what it changes; rows it returns (`RETURNING`, a pragma) are read and
/// dropped.
pub(super) fn execute(
    db: &Connection,
    sql: &str,
    args: &[Value],
    watch: Option<&Watch>,
) -> Result<Executed, sqlx::Error> {
    let mut statement = prepare(db, sql, args)?;
    if let Some(watch) = watch {
        watch.start(mode_for(&statement));
    }
    let read_only = statement.readonly();
    let mut rows = statement.raw_query();
    while rows.next().map_err(from_rusqlite)?.is_some() {}
    drop(rows);
    Ok(Executed {
        rows_affected: if read_only { 0 } else { db.changes() },
        last_insert_id: Some(db.last_insert_rowid()),
    })
}

/// Whether SQL text without values may hold several statements (a `;` before its end), to be
/// run one after another as a script, as sqlx's SQLite driver ran them.
pub(super) fn may_hold_several(sql: &str) -> bool {
    sql.trim_end().trim_end_matches(';').contains(';')
}

/// Runs SQL text of one or more statements for what they change (what the last one changed).
pub(super) fn script(db: &Connection, sql: &str) -> Result<Executed, sqlx::Error> {
    batch(db, sql)?;
    Ok(Executed {
        rows_affected: db.changes(),
        last_insert_id: Some(db.last_insert_rowid()),
    })
}

/// Runs a query, handing each row (or only the first, as `wanted` says) to `accept`.
pub(super) fn query(
    db: &Connection,
    sql: &str,
    args: &[Value],
    wanted: RowCount,
    watch: Option<&Watch>,
    accept: &mut dyn FnMut(&rusqlite::Row<'_>) -> Result<(), DriverError>,
) -> Result<(), DriverError> {
    let mut statement = prepare(db, sql, args)?;
    if let Some(watch) = watch {
        watch.start(mode_for(&statement));
    }
    let mut rows = statement.raw_query();
    while let Some(row) = rows.next().map_err(from_rusqlite)? {
        accept(row)?;
        if wanted == RowCount::AtMostOne {
            break;
        }
    }
    Ok(())
}

/// Runs SQL text of one or more statements without values (DDL, BEGIN, a savepoint).
pub(super) fn batch(db: &Connection, sql: &str) -> Result<(), sqlx::Error> {
    db.execute_batch(sql).map_err(from_rusqlite)
}
