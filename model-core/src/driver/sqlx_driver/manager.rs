//! sqlx's connections as the pool's [`Manager`]: one type for the three backends, since sqlx's
//! `Connection` trait already says how to open, ping and close each.

use std::marker::PhantomData;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::{ConnectOptions, Connection};

use super::SqlxBackend;
use crate::driver::pool::Manager;

/// The sqlx connection type of a backend.
pub(crate) type RawConn<B> = <<B as SqlxBackend>::Db as sqlx::Database>::Connection;

/// Runs `ROLLBACK` on a connection (the driver names sqlx's executor bounds, which the
/// manager's impl cannot).
pub(crate) type Rollback<B> =
    for<'c> fn(&'c mut RawConn<B>) -> BoxFuture<'c, Result<(), sqlx::Error>>;

/// Asks a new connection's server how long it lets the connection sit idle.
pub(crate) type IdleLimit<B> =
    for<'c> fn(&'c mut RawConn<B>) -> BoxFuture<'c, Result<Option<Duration>, sqlx::Error>>;

/// Opens sqlx connections of backend `B` with the options parsed from a bind's URL.
pub(crate) struct SqlxManager<B: SqlxBackend> {
    options: <RawConn<B> as Connection>::Options,
    rollback: Rollback<B>,
    idle_limit: IdleLimit<B>,
    backend: PhantomData<B>,
}

impl<B: SqlxBackend> SqlxManager<B> {
    pub(crate) fn new(
        options: <RawConn<B> as Connection>::Options,
        rollback: Rollback<B>,
        idle_limit: IdleLimit<B>,
    ) -> Self {
        SqlxManager {
            options,
            rollback,
            idle_limit,
            backend: PhantomData,
        }
    }
}

impl<B: SqlxBackend> Manager for SqlxManager<B> {
    type Conn = RawConn<B>;
    const REUSABLE_AFTER_CANCEL: bool = B::REUSABLE_AFTER_CANCEL;

    async fn connect(&self) -> Result<(RawConn<B>, Option<Duration>), sqlx::Error> {
        let mut conn = self.options.connect().await?;
        // A server that will not say is treated as having no limit: pre-ping still applies.
        let limit = (self.idle_limit)(&mut conn).await.unwrap_or(None);
        Ok((conn, limit))
    }

    fn ping(conn: &mut RawConn<B>) -> impl Future<Output = Result<(), sqlx::Error>> + Send + '_ {
        conn.ping()
    }

    fn rollback<'c>(&self, conn: &'c mut RawConn<B>) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        (self.rollback)(conn)
    }

    async fn close(conn: RawConn<B>, healthy: bool) {
        let _ = if healthy {
            conn.close().await
        } else {
            conn.close_hard().await
        };
    }
}
