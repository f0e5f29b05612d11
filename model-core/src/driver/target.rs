//! Where a statement runs: on a connection the pool lends for that statement alone
//! (autocommit), or on a transaction's. Both go the same way from here: the statement is
//! timed and reported once ([`Telemetry`]) and run on a [`Connection`].

use std::ops::{Deref, DerefMut};

use super::backend_pool::BackendPool;
use super::connection::Connection;
use super::error::DriverError;
use super::executed::Executed;
use super::sink::{RowCount, RowSink};
use super::telemetry::Telemetry;
use super::transaction::Transaction;
use crate::model::ColumnGroup;
use crate::value::Value;

/// The pool of a bind, or a transaction open on it.
pub(crate) enum Target<'a> {
    /// A connection the pool lends for one statement (`Engine::target`).
    Pool {
        pool: &'a BackendPool,
        telemetry: &'a Telemetry,
    },
    /// The connection of an open transaction.
    Tx(&'a mut Transaction),
}

/// Where the connection of one statement comes from.
enum Lender<'a> {
    Pool(&'a BackendPool),
    Tx(&'a mut Connection),
}

/// The connection of one statement: the pool's, given back when this is dropped, or the
/// transaction's.
enum Lent<'a> {
    Pooled(Connection),
    Tx(&'a mut Connection),
}

impl<'a> Lender<'a> {
    async fn lend(self) -> Result<Lent<'a>, sqlx::Error> {
        match self {
            Lender::Pool(pool) => pool.acquire().await.map(Lent::Pooled),
            Lender::Tx(connection) => Ok(Lent::Tx(connection)),
        }
    }
}

impl Deref for Lent<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        match self {
            Lent::Pooled(connection) => connection,
            Lent::Tx(connection) => connection,
        }
    }
}

impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        match self {
            Lent::Pooled(connection) => connection,
            Lent::Tx(connection) => connection,
        }
    }
}

impl Target<'_> {
    /// What the statement reports to, and where its connection comes from.
    fn split(&mut self) -> (&Telemetry, Lender<'_>) {
        match self {
            Target::Pool { pool, telemetry } => (*telemetry, Lender::Pool(pool)),
            Target::Tx(tx) => {
                let Transaction {
                    connection,
                    telemetry,
                } = &mut **tx;
                (telemetry, Lender::Tx(connection))
            }
        }
    }

    /// Runs one write statement.
    pub(crate) async fn execute(
        &mut self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        let (telemetry, lender) = self.split();
        telemetry
            .observe_owned(sql, args, |args| async move {
                lender.lend().await?.execute(sql, args).await
            })
            .await
    }

    /// Runs a query and hands its rows to `sink`.
    pub(crate) async fn fetch_into(
        &mut self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let (telemetry, lender) = self.split();
        telemetry
            .observe(sql, args, move || async move {
                lender.lend().await?.fetch_into(sql, args, sink).await
            })
            .await
    }

    /// Runs a query and decodes the rows wanted into `M`.
    pub(crate) async fn fetch_all<M: ColumnGroup>(
        &mut self,
        sql: &str,
        args: &[Value],
        wanted: RowCount,
    ) -> Result<Vec<M>, DriverError> {
        let mut rows = super::sink::models(wanted);
        self.fetch_into(sql, args, &mut rows).await?;
        Ok(rows.rows)
    }

    /// Runs a statement returning one integer (e.g. `INSERT ... RETURNING id`); never retried,
    /// as it may write.
    pub(crate) async fn fetch_i64(
        &mut self,
        sql: &str,
        args: &[Value],
    ) -> Result<i64, sqlx::Error> {
        let (telemetry, lender) = self.split();
        telemetry
            .observe(sql, args, move || async move {
                lender.lend().await?.fetch_i64(sql, args).await
            })
            .await
    }
}
