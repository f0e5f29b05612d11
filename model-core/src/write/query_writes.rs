//! Bulk `UPDATE` and `DELETE` of the rows a query selects: the cleanup job of the reference
//! material ("delete the tokens older than 40 days") is one line.

use super::SqlWriter;
use super::statement::write_set;
use crate::change::{Change, Operation};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::model::Model;
use crate::query::{Assignment, Select};
use crate::value::Value;

impl<M: Model> Select<M> {
    /// Sets the assigned columns on every row the query selects, and `onupdate` columns not
    /// among them; bumps the version of a `#[column(version)]` table, so a copy read before
    /// is stale; returns the number of rows updated. On `&db` it is a commit of its own; on
    /// `&mut session` it joins the session's transaction.
    #[track_caller]
    pub fn update<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
        assignments: impl IntoIterator<Item = Assignment<M>> + Send + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            self.refuse_slicing("update")?;
            let mut set: Vec<(&'static str, Value)> = assignments
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
            on_executor!(db, |run| self.update_on(run, set))
        })
    }

    async fn update_on(
        &self,
        run: &mut Runner<'_>,
        set: Vec<(&'static str, Value)>,
    ) -> Result<u64> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
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
        run.write(
            on,
            sql,
            args,
            |bind, e| Error::writing(M::TABLE, bind, "updating", e),
            || vec![bulk_change::<M>(Operation::Update)],
        )
        .await
    }

    /// Deletes every row the query selects; returns the number of rows deleted. On `&db` it
    /// is a commit of its own; on `&mut session` it joins the session's transaction.
    #[track_caller]
    pub fn delete<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move {
            self.refuse_slicing("delete")?;
            on_executor!(db, |run| self.delete_on(run))
        })
    }

    async fn delete_on(&self, run: &mut Runner<'_>) -> Result<u64> {
        let on = On::Table(M::TABLE);
        let dialect = run.dialect(on)?;
        let mut w = SqlWriter::new(dialect);
        w.push("DELETE FROM ");
        w.ident(M::TABLE.name());
        self.write_where(&mut w);
        let (sql, args) = w.finish();
        let before: Vec<(String, Vec<Value>)> =
            super::cascades_for_query::<M>(dialect, &self.conditions)?
                .into_iter()
                .map(|delete| (delete.sql, delete.args))
                .collect();
        run.write_after(
            on,
            before,
            sql,
            args,
            |bind, e| Error::writing(M::TABLE, bind, "deleting from", e),
            || vec![bulk_change::<M>(Operation::Delete)],
        )
        .await
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

/// What the commit signals hear of a bulk statement: its model, table and operation, with an
/// empty key, since the rows a filter selected are not read.
fn bulk_change<M: Model>(operation: Operation) -> Change {
    Change::new::<M>(operation, Vec::new())
}
