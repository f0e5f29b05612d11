//! `union` and `union_all`: the rows of several queries over one model, as one result that
//! can be ordered, sliced and counted. Each query keeps its own filters, order and limit (it is
//! written as a derived table, which every backend accepts where a bare member of a compound
//! select could not carry an order or a limit).

use super::render::{Projection, write_limit_offset};
use super::select::Select;
use super::writer::SqlWriter;
use crate::driver::{RowCount, sink};
use crate::error::{Error, Result};
use crate::executor::{Executor, On, Runner, on_executor};
use crate::model::Model;
use crate::query::Order;

/// The rows of several queries over `M`: built by [`Select::union`] and
/// [`Select::union_all`].
pub struct Union<M> {
    first: Select<M>,
    /// Each further query, and whether its duplicates are kept (`UNION ALL`).
    rest: Vec<(bool, Select<M>)>,
    orders: Vec<(&'static str, bool)>,
    limit: Option<u64>,
    offset: Option<u64>,
}

impl<M: Model> Select<M> {
    /// The rows of this query and of `other`, duplicates removed (`UNION`).
    pub fn union(self, other: Select<M>) -> Union<M> {
        Union::new(self).union(other)
    }

    /// The rows of this query and of `other`, duplicates kept (`UNION ALL`).
    pub fn union_all(self, other: Select<M>) -> Union<M> {
        Union::new(self).union_all(other)
    }
}

impl<M: Model> Union<M> {
    fn new(first: Select<M>) -> Self {
        Union {
            first,
            rest: Vec::new(),
            orders: Vec::new(),
            limit: None,
            offset: None,
        }
    }

    /// The rows of `other` too, duplicates removed.
    pub fn union(mut self, other: Select<M>) -> Self {
        self.rest.push((false, other));
        self
    }

    /// The rows of `other` too, duplicates kept.
    pub fn union_all(mut self, other: Select<M>) -> Self {
        self.rest.push((true, other));
        self
    }

    /// Orders the combined rows by `order`.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.orders.push((order.column, order.descending));
        self
    }

    /// At most `n` of the combined rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` of the combined rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// The SQL and bound values this query runs as in `dialect`.
    pub fn to_sql(&self, dialect: &dyn crate::dialect::Dialect) -> (String, Vec<crate::Value>) {
        let mut w = SqlWriter::new(dialect);
        self.write(&mut w, self.limit);
        w.finish()
    }

    fn write_members(&self, w: &mut SqlWriter<'_>) {
        let members = std::iter::once((false, &self.first))
            .chain(self.rest.iter().map(|(all, query)| (*all, query)));
        for (i, (all, query)) in members.enumerate() {
            if i > 0 {
                w.push(if all { " UNION ALL " } else { " UNION " });
            }
            w.push("SELECT * FROM (");
            query.statement(&[]).write(w, Projection::Model);
            w.push(") AS ");
            let alias = w.next_alias();
            w.ident(&alias);
        }
    }

    fn write(&self, w: &mut SqlWriter<'_>, limit: Option<u64>) {
        self.write_members(w);
        if !self.orders.is_empty() {
            w.push(" ORDER BY ");
            for (i, (column, descending)) in self.orders.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.column(column);
                w.push(if *descending { " DESC" } else { " ASC" });
            }
        }
        write_limit_offset(w, limit, self.offset);
    }

    async fn rows_on(&self, run: &mut Runner<'_>, limit: Option<u64>) -> Result<Vec<M>> {
        let mut w = SqlWriter::new(run.dialect(On::Table(M::TABLE))?);
        self.write(&mut w, limit);
        let (sql, values) = w.finish();
        Select::<M>::read_rows(run, &sql, &values, RowCount::for_limit(limit)).await
    }

    /// Every combined row.
    #[track_caller]
    pub fn all<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(
            async move { on_executor!(db, |run| self.rows_on(run, self.limit)) },
        )
    }

    /// The first combined row, if any.
    #[track_caller]
    pub fn first<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<Option<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            Ok(on_executor!(db, |run| self.rows_on(run, Some(1)))?.pop())
        })
    }

    async fn count_on(&self, run: &mut Runner<'_>) -> Result<u64> {
        let on = On::Table(M::TABLE);
        let mut w = SqlWriter::new(run.dialect(on)?);
        w.push("SELECT COUNT(*) FROM (");
        self.write(&mut w, self.limit);
        w.push(") AS model_core_counted");
        let (sql, values) = w.finish();
        let mut rows = sink::collect(RowCount::AtMostOne, |row| {
            <i64 as crate::field::FieldType>::read_from(row, 0)
        });
        run.read(on, &sql, &values, &mut rows, |bind, e| {
            Error::reading(M::TABLE, bind, e)
        })
        .await?;
        Ok(rows
            .rows
            .pop()
            .and_then(|n| u64::try_from(n).ok())
            .unwrap_or(0))
    }

    /// The number of combined rows.
    #[track_caller]
    pub fn count<'a>(
        &'a self,
        db: impl Executor<'a> + 'a,
    ) -> impl std::future::Future<Output = Result<u64>> + Send + 'a {
        crate::record::from_caller(async move { on_executor!(db, |run| self.count_on(run)) })
    }
}
