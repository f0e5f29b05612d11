//! The escape hatch: SQL written by hand, run on a bind with bound values, optionally read
//! into a model. Placeholders are the backend's own: `?` on SQLite and MySQL, `$1`, `$2`... on
//! PostgreSQL.

use crate::database::Database;
use crate::driver::RowCount;
use crate::error::{Error, Result};
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
    target
        .engine
        .execute(sql, values.to_vec())
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
    bind.engine
        .target()
        .fetch_all::<M>(sql, values, RowCount::All)
        .await
        .map_err(|e| Error::reading(M::TABLE, bind.label(), e))
}
