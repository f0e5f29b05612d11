//! Bulk `UPDATE` and `DELETE` of the rows a query selects: the cleanup job of the reference
//! material ("delete the tokens older than 40 days") is one line.

use super::statement::write_set;
use super::{SqlWriter, signalled};
use crate::bind::Bind;
use crate::change::{Change, Operation};
use crate::database::Database;
use crate::driver::Target;
use crate::error::{Error, Result};
use crate::model::Model;
use crate::query::{Assignment, Select};
use crate::value::Value;

impl<M: Model> Select<M> {
    /// Sets the assigned columns on every row the query selects, and `onupdate` columns not
    /// among them; bumps the version of a `#[column(version)]` table, so a copy read before
    /// is stale; returns the number of rows updated.
    #[track_caller]
    pub fn update<'a>(
        &'a self,
        db: &'a Database,
        assignments: impl IntoIterator<Item = Assignment<M>> + Send + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            self.refuse_slicing("update")?;
            let mut set: Vec<(&'static str, crate::value::Value)> = assignments
                .into_iter()
                .map(|a| (a.column, a.value))
                .collect();
            if set.is_empty() {
                return Ok(0);
            }
            for column in M::TABLE.columns() {
                if let Some(value) = column.onupdate_value()
                    && !set.iter().any(|(name, _)| *name == column.name())
                {
                    set.push((column.name(), value));
                }
            }
            let bind = db.bind_for(M::TABLE)?;
            let mut w = SqlWriter::new(bind.engine.dialect());
            w.push("UPDATE ");
            w.ident(M::TABLE.name());
            let version = M::TABLE
                .version_column()
                .filter(|v| !set.iter().any(|(name, _)| *name == v.name()));
            write_set(&mut w, set);
            if let Some(version) = version {
                w.push(", ");
                w.ident(version.name());
                w.push(" = ");
                w.ident(version.name());
                w.push(" + 1");
            }
            self.write_where(&mut w);
            let (sql, args) = w.finish();
            signalled!(
                db,
                bind,
                |conn| rows_affected::<M>(conn, bind, sql, args, "updating"),
                |_rows| vec![bulk_change::<M>(Operation::Update)]
            )
        })
    }

    /// Deletes every row the query selects; returns the number of rows deleted.
    #[track_caller]
    pub fn delete<'a>(
        &'a self,
        db: &'a Database,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            self.refuse_slicing("delete")?;
            let bind = db.bind_for(M::TABLE)?;
            let mut w = SqlWriter::new(bind.engine.dialect());
            w.push("DELETE FROM ");
            w.ident(M::TABLE.name());
            self.write_where(&mut w);
            let (sql, args) = w.finish();
            signalled!(
                db,
                bind,
                |conn| rows_affected::<M>(conn, bind, sql, args, "deleting from"),
                |_rows| vec![bulk_change::<M>(Operation::Delete)]
            )
        })
    }

    /// LIMIT, OFFSET and ORDER BY on UPDATE/DELETE exist only in MySQL and SQLite builds that
    /// enable them; refusing is better than updating more rows than asked.
    fn refuse_slicing(&self, what: &str) -> Result<()> {
        if self.limit.is_some() || self.offset.is_some() || !self.orders.is_empty() || self.distinct
        {
            return Err(Error::Unsupported(format!(
                "bulk {what} of model `{}` with limit, offset, order_by or distinct; filter on the \
                 keys instead (e.g. `{}` with `is_in`)",
                M::TABLE.model(),
                M::TABLE
                    .primary_key()
                    .map(|c| c.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Ok(())
    }
}

/// Runs a bulk statement through `conn` and returns the rows it affected.
async fn rows_affected<M: Model>(
    conn: &mut Target<'_>,
    bind: &Bind,
    sql: String,
    args: Vec<Value>,
    action: &str,
) -> Result<u64> {
    let executed = conn
        .execute(&sql, args)
        .await
        .map_err(|e| Error::writing(M::TABLE, bind.label(), action, e))?;
    Ok(executed.rows_affected)
}

/// What the commit signals hear of a bulk statement: its model, table and operation, with an
/// empty key, since the rows a filter selected are not read.
fn bulk_change<M: Model>(operation: Operation) -> Change {
    Change::new::<M>(operation, Vec::new())
}
