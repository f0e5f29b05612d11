//! The engine of one bind: its pool, of whichever backend, and what runs on the pool as a
//! whole rather than on one connection: reads run again once when their connection turned
//! out dead, statements sent together in one transaction, DDL scripts, transactions begun.
//! The query, schema, write and session code call `Engine` and [`Target`] and never see sqlx;
//! which backend answers is the business of [`BackendPool`] and [`Connection`].

use std::sync::Arc;

use super::PoolConfig;
use super::backend_pool::BackendPool;
use super::connection::{Connection, Outcome};
use super::error::{DriverError, ScriptError, ScriptStage, lost_connection};
use super::executed::Executed;
use super::health::Health;
use super::sink::RowSink;
use super::target::Target;
use super::telemetry::Telemetry;
use super::transaction::Transaction;
use crate::dialect::Dialect;
use crate::record::Instrument;
use crate::transaction_options::TransactionOptions;
use crate::url::{Backend, DatabaseUrl};
use crate::value::Value;

/// Write statements (text and bound values) handed over one at a time.
pub(crate) type Statements<'a> = dyn Iterator<Item = (String, Vec<Value>)> + Send + 'a;

/// The pool of one bind, with the bind's telemetry: every statement of the crate runs through
/// here, or through a [`Transaction`] it began.
#[derive(Debug)]
pub(crate) struct Engine {
    pool: BackendPool,
    telemetry: Arc<Telemetry>,
}

impl Engine {
    /// Builds the pool for `url`; connections open lazily, on first use.
    pub(crate) fn connect_lazy(
        backend: Backend,
        url: &DatabaseUrl,
        config: &PoolConfig,
        label: &str,
        instrument: Arc<Instrument>,
    ) -> Result<Engine, sqlx::Error> {
        let health = Arc::new(Health::new());
        let pool = BackendPool::connect(backend, url, config, &health)?;
        Ok(Engine {
            pool,
            telemetry: Arc::new(Telemetry::new(label, instrument, health)),
        })
    }

    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        self.pool.dialect()
    }

    /// Where a statement runs on its own: a connection the pool lends for it alone.
    pub(crate) fn target(&self) -> Target<'_> {
        Target::Pool {
            pool: &self.pool,
            telemetry: &self.telemetry,
        }
    }

    async fn acquire(&self) -> Result<Connection, sqlx::Error> {
        self.pool.acquire().await
    }

    async fn begin_quietly(&self) -> Result<Connection, sqlx::Error> {
        self.pool.begin(&TransactionOptions::default()).await
    }

    /// Opens a transaction on a pooled connection.
    pub(crate) async fn begin(&self) -> Result<Transaction, sqlx::Error> {
        self.begin_with(&TransactionOptions::default()).await
    }

    /// How a BEGIN is reported (echo, recorded queries): the statements sent.
    fn begin_label(&self, options: &TransactionOptions) -> std::borrow::Cow<'static, str> {
        if options.is_default() {
            return "BEGIN".into();
        }
        self.dialect().begin_with(options).join("; ").into()
    }

    /// Opens a transaction with `options` (isolation level, read-only) on a pooled connection.
    pub(crate) async fn begin_with(
        &self,
        options: &TransactionOptions,
    ) -> Result<Transaction, sqlx::Error> {
        let connection = self
            .telemetry
            .observe(&self.begin_label(options), &[], || self.pool.begin(options))
            .await?;
        Ok(Transaction {
            connection,
            telemetry: self.telemetry.clone(),
        })
    }

    /// Runs a `SELECT` and hands its rows to `sink`; runs it once more on another connection
    /// when the first one turned out dead (a read that never reached the server is safe to
    /// repeat).
    pub(crate) async fn read_into(
        &self,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
    ) -> Result<(), DriverError> {
        let result = self.target().fetch_into(sql, args, sink).await;
        if lost_connection(&result) {
            sink.clear();
            return self.target().fetch_into(sql, args, sink).await;
        }
        result
    }

    /// Runs a `SELECT` returning one integer (a count); retried like [`read_into`](Self::read_into).
    pub(crate) async fn fetch_i64(&self, sql: &str, args: &[Value]) -> Result<i64, sqlx::Error> {
        let result = self.target().fetch_i64(sql, args).await;
        if lost_connection(&result) {
            return self.target().fetch_i64(sql, args).await;
        }
        result
    }

    /// Runs one write statement on the pool.
    pub(crate) async fn execute(
        &self,
        sql: &str,
        args: Vec<Value>,
    ) -> Result<Executed, sqlx::Error> {
        self.target().execute(sql, args).await
    }

    /// Runs write statements in order in one transaction: all of them or none. Each is taken
    /// from `statements` when the previous one is done; they are reported as one entry (SQL
    /// joined by `;`).
    pub(crate) async fn execute_all(
        &self,
        statements: &mut Statements<'_>,
    ) -> Result<u64, sqlx::Error> {
        let started = self.telemetry.start();
        // What the report shows: each statement as it is handed over.
        let mut kept = started.as_ref().map(|_| (Vec::new(), Vec::new()));
        let mut recorded = statements.inspect(|(sql, args)| {
            if let Some((texts, values)) = kept.as_mut() {
                texts.push(sql.clone());
                values.extend(args.iter().cloned());
            }
        });
        let result = self.execute_in_transaction(&mut recorded).await;
        if let Some((texts, args)) = kept {
            self.telemetry
                .finish(started, &texts.join(";\n"), &args, &result);
        }
        result
    }

    async fn execute_in_transaction(
        &self,
        statements: &mut Statements<'_>,
    ) -> Result<u64, sqlx::Error> {
        let mut conn = self.begin_quietly().await?;
        let mut affected = 0;
        for (sql, args) in statements {
            match conn.execute(&sql, args).await {
                Ok(executed) => affected += executed.rows_affected,
                Err(error) => {
                    // Roll back here rather than leave it to the pool, so the caller sees the
                    // transaction gone when the error arrives.
                    let _ = conn.end_transaction(Outcome::Rollback).await;
                    return Err(error);
                }
            }
        }
        conn.end_transaction(Outcome::Commit).await?;
        Ok(affected)
    }

    /// Runs a catalog query returning one text column; retried like [`read_into`](Self::read_into).
    pub(crate) async fn fetch_strings(&self, sql: &str) -> Result<Vec<String>, sqlx::Error> {
        let once = || async {
            self.telemetry
                .observe(sql, &[], || async {
                    self.acquire().await?.fetch_strings(sql).await
                })
                .await
        };
        let result = once().await;
        if lost_connection(&result) {
            return once().await;
        }
        result
    }

    /// Runs statements in order, in one transaction when `transactional`; stops at the first
    /// failure (rolling the transaction back). A transactional script of several statements
    /// goes to the server as one string, in one round trip. Reported as one entry
    /// (statements joined by `;`).
    pub(crate) async fn run_script(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        let started = self.telemetry.start();
        let result = self.run_script_quietly(statements, transactional).await;
        if started.is_some() {
            self.telemetry
                .finish(started, &statements.join(";\n"), &[], &result);
        }
        result
    }

    async fn run_script_quietly(
        &self,
        statements: &[String],
        transactional: bool,
    ) -> Result<(), ScriptError> {
        let fail = |stage| move |source| ScriptError { stage, source };
        if transactional && statements.len() > 1 && self.run_batch(statements).await? {
            return Ok(());
        }
        let mut conn = if transactional {
            self.begin_quietly().await
        } else {
            self.acquire().await
        }
        .map_err(fail(ScriptStage::Connecting))?;
        for (i, sql) in statements.iter().enumerate() {
            if let Err(source) = conn.run_unprepared(sql).await {
                if transactional {
                    // Dropping the connection would roll back too; here the caller sees it done.
                    let _ = conn.end_transaction(Outcome::Rollback).await;
                }
                return Err(fail(ScriptStage::Statement(i))(source));
            }
        }
        if transactional {
            conn.end_transaction(Outcome::Commit)
                .await
                .map_err(fail(ScriptStage::Committing))?;
        }
        Ok(())
    }

    /// Runs a transactional script as one multi-statement string: one round trip (one
    /// hand-off to SQLite's worker thread) instead of one per statement, which is most of what
    /// `create_all` of many small tables costs when the server is near. `Ok(false)` when the
    /// script failed and was rolled back: the drivers do not say which statement of a string
    /// failed, so the caller runs the statements again one by one to name it.
    async fn run_batch(&self, statements: &[String]) -> Result<bool, ScriptError> {
        let mut conn = self.begin_quietly().await.map_err(|source| ScriptError {
            stage: ScriptStage::Connecting,
            source,
        })?;
        if conn.run_unprepared(&statements.join(";\n")).await.is_err() {
            // A failed ROLLBACK leaves the connection marked in a transaction, so the pool
            // rolls it back or closes it; the statement-by-statement run uses another.
            let _ = conn.end_transaction(Outcome::Rollback).await;
            return Ok(false);
        }
        conn.end_transaction(Outcome::Commit)
            .await
            .map_err(|source| ScriptError {
                stage: ScriptStage::Committing,
                source,
            })?;
        Ok(true)
    }

    /// Closes every connection of the pool.
    pub(crate) async fn close(&self) {
        self.pool.close().await
    }

    /// Has every connection open now closed when next returned or handed out: after DDL that
    /// changed what connections cache (PostgreSQL's enum type ids), so none binds a stale one.
    pub(crate) fn retire_connections(&self) {
        self.pool.retire_connections()
    }
}
