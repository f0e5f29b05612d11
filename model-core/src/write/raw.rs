//! The escape hatch: SQL written by hand, run on a bind with bound values, optionally read
//! into a model. Placeholders are the backend's own: `?` on SQLite and MySQL, `$1`, `$2`... on
//! PostgreSQL.

use crate::database::Database;
use crate::driver::{Conn, Expect};
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::{bind_of, driver_error};
use crate::value::Value;

impl Database {
    /// Runs a statement written by hand on `bind` (`None`: the default database) with `values`
    /// bound to its placeholders; returns the number of rows affected.
    #[track_caller]
    pub fn execute_raw<'a>(
        &'a self,
        bind: Option<&'a str>,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            let target = self.bind(bind)?;
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
        })
    }

    /// Runs a query written by hand on `M`'s bind and reads each row into `M`: the query must
    /// return `M`'s columns in declaration order (e.g. `SELECT * FROM ...` on its table, or
    /// the same list in a join).
    #[track_caller]
    pub fn fetch_raw<'a, M: Model>(
        &'a self,
        sql: &'a str,
        values: &'a [Value],
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            let bind = bind_of::<M>(self)?;
            Conn::Pool(&bind.engine)
                .fetch_all::<M>(sql, values, Expect::Rows)
                .await
                .map_err(|e| driver_error::<M>(bind, e))
        })
    }
}
