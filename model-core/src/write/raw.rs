//! The escape hatch: SQL written by hand, run on a bind with bound values, and read into a
//! model, a `#[derive(FromRow)]` struct, a tuple or a single value. Placeholders are `?` on
//! every backend (PostgreSQL's `$1`, `$2`... also work there): the dialect numbers them where
//! the backend wants numbers.

use crate::database::Database;
use crate::driver::RowCount;
use crate::error::{Error, Result};
use crate::from_row::FromRow;
use crate::model::Model;
use crate::value::Value;

/// The work of [`Database::execute_raw`](crate::Database::execute_raw).
pub(crate) async fn execute_raw(
    db: &Database,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<u64> {
    let target = db.bind(bind)?;
    let sql = target.engine.dialect().raw_sql(sql);
    target
        .engine
        .execute(&sql, values.to_vec())
        .await
        .map(|e| e.rows_affected)
        .map_err(|source| Error::Database {
            bind: target.label(),
            action: "running raw SQL".to_owned(),
            source,
        })
}

/// The work of [`Database::fetch_raw`](crate::Database::fetch_raw).
pub(crate) async fn fetch_raw<M: Model>(
    db: &Database,
    sql: &str,
    values: &[Value],
) -> Result<Vec<M>> {
    let bind = db.bind_for(M::TABLE)?;
    let sql = bind.engine.dialect().raw_sql(sql);
    bind.engine
        .target()
        .fetch_all::<M>(&sql, values, RowCount::All)
        .await
        .map_err(|e| Error::reading(M::TABLE, bind.label(), e))
}

/// The work of [`Database::fetch_as`](crate::Database::fetch_as).
pub(crate) async fn fetch_as<R: FromRow>(
    db: &Database,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<Vec<R>> {
    fetch_rows(db, bind, sql, values, RowCount::All).await
}

/// The work of [`Database::fetch_scalar`](crate::Database::fetch_scalar).
pub(crate) async fn fetch_scalar<R: FromRow>(
    db: &Database,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
) -> Result<R> {
    fetch_rows(db, bind, sql, values, RowCount::AtMostOne)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| Error::NotFound {
            model: std::any::type_name::<R>().to_owned(),
            table: String::new(),
            detail: "the raw query returned no row".to_owned(),
        })
}

async fn fetch_rows<R: FromRow>(
    db: &Database,
    bind: Option<&str>,
    sql: &str,
    values: &[Value],
    wanted: RowCount,
) -> Result<Vec<R>> {
    let target = db.bind(bind)?;
    let sql = target.engine.dialect().raw_sql(sql);
    target
        .engine
        .target()
        .fetch_rows::<R>(&sql, values, wanted)
        .await
        .map_err(|e| Error::reading_rows::<R>(target.label(), e))
}
