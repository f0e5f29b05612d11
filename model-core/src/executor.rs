//! Where a query, a bulk write or raw SQL runs: straight on the pool of its bind (a
//! `&Database`: each statement on a connection of its own, each write a commit of its own), or
//! inside a session's transaction (a `&mut Session`: it sees the session's uncommitted writes,
//! and its writes commit with the session). Every terminal method of a query takes an
//! [`Executor`], so a session can do everything the pool can.
//!
//! This module sits below both the queries and the sessions: the session's side is the
//! [`Scope`] trait, implemented in `session`, so the query code never imports the session.

use futures_util::future::BoxFuture;

use crate::bind::Bind;
use crate::change::Change;
use crate::database::Database;
use crate::dialect::Dialect;
use crate::driver::{DriverError, RowSink, Target, Transaction};
use crate::error::{Error, Result};
use crate::meta::Table;
use crate::value::Value;

/// Runs a write outside a session and fires `$db`'s commit signals around it. `$write` is an
/// expression using `$conn: &mut Target` (the pool; a transaction of its own when a
/// `before_models_committed` hook is registered, which then sees the changes before COMMIT
/// and may veto it, or when the write asks for one, `transaction = true`, being several
/// statements that must commit together); `$changes` names the rows from `$out`, a reference
/// to the write's output. Expands inside the caller's `async` block, so nothing is boxed.
macro_rules! signalled {
    ($db:expr, $bind:expr, |$conn:ident| $write:expr, |$out:ident| $changes:expr) => {
        signalled!($db, $bind, transaction = false, |$conn| $write, |$out| {
            $changes
        })
    };
    (
        $db:expr,
        $bind:expr,
        transaction = $transaction:expr,
        |$conn:ident| $write:expr,
        |$out:ident| $changes:expr
    ) => {{
        let signals = $db.signals();
        if signals.has_before() || $transaction {
            let mut tx =
                $bind
                    .engine
                    .begin()
                    .await
                    .map_err(|source| crate::error::Error::Database {
                        bind: $bind.label(),
                        action: "beginning the transaction of a write".to_owned(),
                        source,
                    })?;
            let result = {
                let $conn = &mut crate::driver::Target::Tx(&mut tx);
                $write.await
            };
            match result {
                Ok(output) => {
                    let changes: Vec<crate::change::Change> = {
                        let $out = &output;
                        $changes
                    };
                    if let Err(reason) = signals.before_commit(&changes) {
                        let _ = tx.rollback().await;
                        return Err(crate::error::Error::Vetoed(reason));
                    }
                    tx.commit()
                        .await
                        .map_err(|source| crate::error::Error::Database {
                            bind: $bind.label(),
                            action: "committing the write".to_owned(),
                            source,
                        })?;
                    signals.committed(&changes);
                    Ok(output)
                }
                Err(error) => {
                    let _ = tx.rollback().await;
                    Err(error)
                }
            }
        } else {
            let result = {
                let $conn = &mut $bind.engine.target();
                $write.await
            };
            if let Ok(output) = &result
                && signals.has_after()
            {
                let changes: Vec<crate::change::Change> = {
                    let $out = output;
                    $changes
                };
                signals.committed(&changes);
            }
            result
        }
    }};
}
pub(crate) use signalled;

/// Runs `$body` (an expression using `$run: &mut Runner`, evaluating to a future) on the
/// executor `$ex`: inside a session, after the session's queued writes are flushed, and with
/// the session marked busy until it is done, so a call cancelled midway is noticed by the next.
macro_rules! on_executor {
    ($ex:expr, |$run:ident| $body:expr) => {{
        let mut runner = $ex.into_runner();
        runner.enter().await?;
        let result = {
            let $run = &mut runner;
            $body.await
        };
        runner.leave(result)
    }};
}
pub(crate) use on_executor;

/// Where a query or write runs: `&Database` (the pool) or `&mut Session` (its transaction).
///
/// Pass `&db` or `&mut session`; inside [`Database::transaction`], where the closure is given
/// `s: &mut Session`, pass `&mut *s` (or `&mut s` when the closure takes `|mut s|`), which
/// leaves `s` usable afterwards.
///
/// ```no_run
/// # use model_core::{Database, Model, Result};
/// # #[derive(Model)] struct User { #[column(primary_key, autoincrement = false)] id: i64, name: String }
/// # async fn run(db: &Database) -> Result<()> {
/// let everyone = User::query().count(db).await?;
/// let mut session = db.session();
/// session.add(User { id: 7, name: "ann".into() });
/// // Seen inside the session before it commits: its writes are flushed first.
/// assert!(User::query().get(&mut session, 7).await?.is_some());
/// session.commit().await?;
/// # Ok(()) }
/// ```
pub trait Executor<'c>: Send + sealed::Sealed {
    /// The runner the crate's code uses; not part of the public interface.
    #[doc(hidden)]
    fn into_runner(self) -> Runner<'c>;
}

pub(crate) mod sealed {
    /// Only the crate's own executors exist.
    pub trait Sealed {}
}

impl sealed::Sealed for &Database {}

impl<'c> Executor<'c> for &'c Database {
    fn into_runner(self) -> Runner<'c> {
        Runner {
            place: Place::Pool(self),
        }
    }
}

/// A session as the executor code sees it: the transactions it keeps per bind, and the rules
/// around them.
pub(crate) trait Scope: Send {
    /// Starts a call: refuses to go on after a call that was cancelled midway, and flushes the
    /// queued writes so the call sees them.
    fn enter(&mut self) -> BoxFuture<'_, Result<()>>;
    /// Ends a call begun with `enter`, whatever its outcome.
    fn leave(&mut self);
    /// The database the session is on.
    fn database(&self) -> &Database;
    /// The session's transaction on `bind`, begun on first use.
    fn transaction<'a>(&'a mut self, bind: &'a Bind) -> BoxFuture<'a, Result<&'a mut Transaction>>;
    /// Why the session refuses writes (it is read-only), if it does.
    fn refuses_writes(&self) -> Option<String>;
    /// Keeps `changes` for the commit signals.
    fn record(&mut self, changes: Vec<Change>);
    /// Rolls the whole session back after a failed write, and hands `error` on.
    fn fail(&mut self, error: Error) -> BoxFuture<'_, Error>;
}

/// What an [`Executor`] becomes inside the crate: where statements go.
#[doc(hidden)]
pub struct Runner<'c> {
    place: Place<'c>,
}

enum Place<'c> {
    Pool(&'c Database),
    Scope(&'c mut dyn Scope),
}

/// The bind a statement is for: a model's table's, or one named.
#[derive(Clone, Copy)]
pub(crate) enum On<'a> {
    Table(&'static Table),
    Bind(Option<&'a str>),
}

impl On<'_> {
    fn bind(self, db: &Database) -> Result<&Bind> {
        match self {
            On::Table(table) => db.bind_for(table),
            On::Bind(key) => db.bind(key),
        }
    }
}

impl<'c> Runner<'c> {
    /// A runner inside `scope` (a session).
    pub(crate) fn in_scope(scope: &'c mut dyn Scope) -> Runner<'c> {
        Runner {
            place: Place::Scope(scope),
        }
    }

    /// The database, when statements go straight to its pools (no session): then several
    /// reads may run at once, each on a connection of its own.
    pub(crate) fn pool(&self) -> Option<&'c Database> {
        match self.place {
            Place::Pool(db) => Some(db),
            Place::Scope(_) => None,
        }
    }

    fn database(&self) -> &Database {
        match &self.place {
            Place::Pool(db) => db,
            Place::Scope(scope) => scope.database(),
        }
    }

    /// The dialect statements for `on` are written in.
    pub(crate) fn dialect(&self, on: On<'_>) -> Result<&'static dyn Dialect> {
        Ok(on.bind(self.database())?.engine.dialect())
    }

    /// Starts a call (see [`Scope::enter`]); nothing to do on the pool.
    pub(crate) async fn enter(&mut self) -> Result<()> {
        match &mut self.place {
            Place::Pool(_) => Ok(()),
            Place::Scope(scope) => scope.enter().await,
        }
    }

    /// Ends a call begun with [`enter`](Self::enter) and hands its result on.
    pub(crate) fn leave<T>(&mut self, result: Result<T>) -> Result<T> {
        if let Place::Scope(scope) = &mut self.place {
            scope.leave();
        }
        result
    }

    /// Runs a query for `on` and hands its rows to `sink`; `error` describes a failure with
    /// the bind's label. On the pool, a read whose connection turned out dead runs once more.
    pub(crate) async fn read(
        &mut self,
        on: On<'_>,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
        error: impl FnOnce(String, DriverError) -> Error,
    ) -> Result<()> {
        self.fetch(on, sql, args, sink, error, true).await
    }

    /// Runs a statement written by hand for `on` and hands its rows to `sink`; never run
    /// twice, as it may write.
    pub(crate) async fn fetch_once(
        &mut self,
        on: On<'_>,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
        error: impl FnOnce(String, DriverError) -> Error,
    ) -> Result<()> {
        self.fetch(on, sql, args, sink, error, false).await
    }

    async fn fetch(
        &mut self,
        on: On<'_>,
        sql: &str,
        args: &[Value],
        sink: &mut dyn RowSink,
        error: impl FnOnce(String, DriverError) -> Error,
        retry: bool,
    ) -> Result<()> {
        match &mut self.place {
            Place::Pool(db) => {
                let bind = on.bind(db)?;
                let result = if retry {
                    bind.engine.read_into(sql, args, sink).await
                } else {
                    bind.engine.target().fetch_into(sql, args, sink).await
                };
                result.map_err(|e| error(bind.label(), e))
            }
            Place::Scope(scope) => {
                let db = scope.database().clone();
                let bind = on.bind(&db)?;
                let tx = scope.transaction(bind).await?;
                Target::Tx(tx)
                    .fetch_into(sql, args, sink)
                    .await
                    .map_err(|e| error(bind.label(), e))
            }
        }
    }

    /// Runs a query for `on` returning one integer (a count, a flag).
    pub(crate) async fn read_i64(
        &mut self,
        on: On<'_>,
        sql: &str,
        args: &[Value],
        error: impl FnOnce(String, DriverError) -> Error,
    ) -> Result<i64> {
        match &mut self.place {
            Place::Pool(db) => {
                let bind = on.bind(db)?;
                bind.engine
                    .fetch_i64(sql, args)
                    .await
                    .map_err(|e| error(bind.label(), DriverError::Sql(e)))
            }
            Place::Scope(scope) => {
                let db = scope.database().clone();
                let bind = on.bind(&db)?;
                let tx = scope.transaction(bind).await?;
                Target::Tx(tx)
                    .fetch_i64(sql, args)
                    .await
                    .map_err(|e| error(bind.label(), DriverError::Sql(e)))
            }
        }
    }

    /// Runs one write statement for `on` and returns the rows it affected. On the pool it is
    /// a commit of its own, with the commit signals around it; in a session it joins the
    /// session's transaction (see [`execute`](Self::execute)) and its `changes` are kept for
    /// the session's commit.
    pub(crate) async fn write(
        &mut self,
        on: On<'_>,
        sql: String,
        args: Vec<Value>,
        error: impl FnOnce(String, sqlx::Error) -> Error,
        changes: impl FnOnce() -> Vec<Change>,
    ) -> Result<u64> {
        match &mut self.place {
            Place::Pool(db) => {
                let bind = on.bind(db)?;
                let db: &Database = db;
                signalled!(
                    db,
                    bind,
                    |conn| async {
                        conn.execute(&sql, args)
                            .await
                            .map(|e| e.rows_affected)
                            .map_err(|e| error(bind.label(), e))
                    },
                    |_affected| changes()
                )
            }
            Place::Scope(scope) => {
                let affected = execute_in_scope(&mut **scope, on, &sql, args, error).await?;
                scope.record(changes());
                Ok(affected)
            }
        }
    }

    /// [`write`](Self::write) with `before` run first, in the same transaction (on the pool,
    /// a transaction of its own when there is anything before): the cascaded deletes of a
    /// bulk delete. Returns the rows the last statement affected.
    pub(crate) async fn write_after(
        &mut self,
        on: On<'_>,
        before: Vec<(String, Vec<Value>)>,
        sql: String,
        args: Vec<Value>,
        error: impl FnOnce(String, sqlx::Error) -> Error,
        changes: impl FnOnce() -> Vec<Change>,
    ) -> Result<u64> {
        if before.is_empty() {
            return self.write(on, sql, args, error, changes).await;
        }
        match &mut self.place {
            Place::Pool(db) => {
                let bind = on.bind(db)?;
                let db: &Database = db;
                signalled!(
                    db,
                    bind,
                    transaction = true,
                    |conn| async {
                        let mut last = 0;
                        for (sql, args) in before.into_iter().chain(std::iter::once((sql, args))) {
                            match conn.execute(&sql, args).await {
                                Ok(executed) => last = executed.rows_affected,
                                Err(e) => return Err(error(bind.label(), e)),
                            }
                        }
                        Ok(last)
                    },
                    |_affected| changes()
                )
            }
            Place::Scope(scope) => {
                for (sql, args) in before {
                    execute_in_scope(&mut **scope, on, &sql, args, |bind, e| Error::Database {
                        bind,
                        action: "deleting in cascade".to_owned(),
                        source: e,
                    })
                    .await?;
                }
                let affected = execute_in_scope(&mut **scope, on, &sql, args, error).await?;
                scope.record(changes());
                Ok(affected)
            }
        }
    }

    /// Runs one statement written by hand for `on`, without commit signals (what it changed
    /// is not known), and returns the rows it affected. In a session it joins the session's
    /// transaction: refused when the session is read-only, and a failure rolls the session
    /// back, as a failed flush does.
    pub(crate) async fn execute(
        &mut self,
        on: On<'_>,
        sql: &str,
        args: Vec<Value>,
        error: impl FnOnce(String, sqlx::Error) -> Error,
    ) -> Result<u64> {
        match &mut self.place {
            Place::Pool(db) => {
                let bind = on.bind(db)?;
                bind.engine
                    .execute(sql, args)
                    .await
                    .map(|e| e.rows_affected)
                    .map_err(|e| error(bind.label(), e))
            }
            Place::Scope(scope) => execute_in_scope(&mut **scope, on, sql, args, error).await,
        }
    }
}

/// A write statement inside a session's transaction on the bind of `on`.
async fn execute_in_scope(
    scope: &mut dyn Scope,
    on: On<'_>,
    sql: &str,
    args: Vec<Value>,
    error: impl FnOnce(String, sqlx::Error) -> Error,
) -> Result<u64> {
    if let Some(reason) = scope.refuses_writes() {
        return Err(Error::ReadOnly(reason));
    }
    let db = scope.database().clone();
    let bind = on.bind(&db)?;
    let executed = match scope.transaction(bind).await {
        Ok(tx) => Target::Tx(tx).execute(sql, args).await,
        Err(e) => return Err(scope.fail(e).await),
    };
    match executed {
        Ok(executed) => Ok(executed.rows_affected),
        Err(e) => {
            let e = error(bind.label(), e);
            Err(scope.fail(e).await)
        }
    }
}
