//! Units of work, in the spirit of Flask-SQLAlchemy's `db.session`: writes are queued with
//! `add`/`update`/`delete`, run by `flush` inside one transaction per bind the session
//! touches, and made permanent by `commit`, which runs the commit signals around it.
//!
//! What is guaranteed: on each bind, either every write of the session is committed or none
//! is. A session dropped without `commit`, a failed flush, a vetoing `before_models_committed`
//! hook, and an `Err` or panic inside [`Database::transaction`] all roll back. Across binds,
//! commits happen one bind after another; databases on different servers offer no common
//! commit (no two-phase commit), so a failure committing a later bind cannot undo an earlier one.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::FutureExt;

use crate::bind::Bind;
use crate::change::{Change, Operation};
use crate::database::Database;
use crate::driver::{Target, Transaction};
use crate::error::{Error, Result};
use crate::executor::{Executor, Runner, Scope, sealed};
use crate::model::Model;
use crate::query::Select;
use crate::transaction_options::TransactionOptions;
use crate::write::{insert_row, key_of};

mod nested;
mod queue;
mod reads;

use queue::{GatheredInsert, Pending, Queue, Queued, gather_inserts};

/// A boxed, `Send` future, as [`Database::transaction`] takes.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A unit of work on a [`Database`]. Created by [`Database::session`].
///
/// Cancelling one of its calls (dropping the future: a request timeout, a `select!`) leaves
/// the session unable to say what its transaction holds, so the next call rolls everything
/// back and fails with [`Error::Interrupted`], as SQLAlchemy's session does after a failed
/// flush; [`rollback`](Session::rollback) makes it usable again.
pub struct Session {
    db: Database,
    options: TransactionOptions,
    transactions: BTreeMap<Option<String>, Transaction>,
    pending: Vec<Box<dyn Pending>>,
    changes: Vec<Change>,
    /// A call that touches the transactions is running, or was cut off before it finished.
    in_flight: bool,
    /// The savepoints of the nested transactions open now, innermost last.
    savepoints: Vec<nested::Savepoint>,
    /// Set when a nested transaction's future was dropped before it ended: what it did is
    /// neither kept nor undone, so the next call rolls everything back.
    cut_off: Arc<AtomicBool>,
    /// Why a write inside the open nested transaction failed: the nested transaction can only
    /// be rolled back to its savepoint now.
    failed_nested: Option<String>,
}

/// A new session on `db`: nothing queued, no transaction open.
pub(crate) fn new_session(db: &Database, options: TransactionOptions) -> Session {
    Session {
        db: db.clone(),
        options,
        transactions: BTreeMap::new(),
        pending: Vec::new(),
        changes: Vec::new(),
        in_flight: false,
        savepoints: Vec::new(),
        cut_off: Arc::new(AtomicBool::new(false)),
        failed_nested: None,
    }
}

/// The work of [`Database::transaction`](crate::Database::transaction): `work` in a new
/// session, committed or rolled back as `caller`'s statements.
pub(crate) async fn run_transaction<'a, T, E, F>(
    db: &'a Database,
    options: TransactionOptions,
    caller: &'static std::panic::Location<'static>,
    work: F,
) -> std::result::Result<T, E>
where
    F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, std::result::Result<T, E>> + 'a,
    E: From<Error> + 'a,
    T: 'a,
{
    let mut session = new_session(db, options);
    // The closure runs outside the caller's scope, so its statements keep their lines.
    let outcome = AssertUnwindSafe(work(&mut session)).catch_unwind().await;
    match outcome {
        Ok(Ok(value)) => {
            crate::record::at(caller, session.commit()).await?;
            Ok(value)
        }
        Ok(Err(error)) => {
            crate::record::at(caller, session.rollback()).await;
            Err(error)
        }
        Err(panic) => {
            crate::record::at(caller, session.rollback()).await;
            std::panic::resume_unwind(panic)
        }
    }
}

impl Session {
    /// Queues an insert of `row`.
    pub fn add<M: Model>(&mut self, row: M) {
        self.pending.push(Box::new(Queued {
            operation: Operation::Insert,
            row,
        }));
    }

    /// Queues an update of `row` by its primary key.
    pub fn update<M: Model>(&mut self, row: M) {
        self.pending.push(Box::new(Queued {
            operation: Operation::Update,
            row,
        }));
    }

    /// Queues a delete of `row` by its primary key.
    pub fn delete<M: Model>(&mut self, row: M) {
        self.pending.push(Box::new(Queued {
            operation: Operation::Delete,
            row,
        }));
    }

    /// Whether writes are queued and not yet flushed.
    pub fn is_dirty(&self) -> bool {
        !self.pending.is_empty()
    }

    /// The changes flushed so far and not yet committed.
    pub fn changes(&self) -> &[Change] {
        &self.changes
    }

    /// Inserts `row` now, inside the session's transaction, and returns it as stored (its
    /// generated key included). Queued writes are flushed first, so order is kept.
    #[track_caller]
    pub fn insert<'a, M: Model>(
        &'a mut self,
        row: &'a M,
    ) -> impl std::future::Future<Output = Result<M>> + Send + 'a {
        crate::record::from_caller(async move {
            self.enter().await?;
            let result = self.insert_now(row).await;
            self.leave(result)
        })
    }

    /// The rows of `query`, read inside the session's transaction: they include the session's
    /// own uncommitted writes. Queued writes are flushed first. The same as
    /// `query.all(&mut session)`: every terminal method of a query (`get`, `count`, `exists`,
    /// `first`, `paginate`, bulk `update` and `delete`...) takes the session in place of the
    /// database.
    #[track_caller]
    pub fn all<'a, M: Model>(
        &'a mut self,
        query: &'a Select<M>,
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        query.all(self)
    }

    /// Runs the queued writes in order inside the session's transactions (one per bind). On a
    /// failure every transaction of the session is rolled back and the error returned.
    ///
    /// Consecutive inserts into one table that write the same columns go as one multi-row
    /// statement (up to 1,000 rows or about 4 MiB of values) where each row's key can still be
    /// learned: when the rows give their keys, on every backend; when the database generates
    /// them, on PostgreSQL and on MariaDB (through a `mariadb:` URL), which insert the rows in
    /// order and return the keys. Other writes are one statement each.
    #[track_caller]
    pub fn flush<'a>(&'a mut self) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(async move {
            self.enter().await?;
            let result = self.flush_now().await;
            self.leave(result)
        })
    }

    /// Flushes, runs the `before_models_committed` hooks (any of which may veto), commits every
    /// bind's transaction, then runs the `models_committed` hooks with the changes.
    #[track_caller]
    pub fn commit<'a>(&'a mut self) -> impl std::future::Future<Output = Result<()>> + Send + 'a {
        crate::record::from_caller(async move {
            self.enter().await?;
            let result = self.commit_now().await;
            self.leave(result)
        })
    }

    /// Drops the queued writes and rolls back every transaction of the session; the session
    /// is usable again afterwards, also after a cancelled call.
    #[track_caller]
    pub fn rollback(&mut self) -> impl std::future::Future<Output = ()> + Send + '_ {
        crate::record::from_caller(async move {
            self.pending.clear();
            self.changes.clear();
            self.in_flight = false;
            self.savepoints.clear();
            self.failed_nested = None;
            self.cut_off.store(false, Ordering::Release);
            for (_, tx) in std::mem::take(&mut self.transactions) {
                // A transaction whose connection died is rolled back by the server anyway.
                let _ = tx.rollback().await;
            }
        })
    }

    /// The start of every call that touches the session's transactions: refuses to go on
    /// after a call that was cut off midway (its writes may be half in the transaction, its
    /// queue half taken), rolling everything back.
    async fn enter(&mut self) -> Result<()> {
        if self.in_flight || self.cut_off.load(Ordering::Acquire) {
            self.rollback().await;
            return Err(Error::Interrupted(
                "an earlier call on this session was cancelled before it finished; the \
                 session's transactions were rolled back and its queued writes dropped"
                    .to_owned(),
            ));
        }
        if let Some(reason) = &self.failed_nested {
            return Err(Error::Interrupted(format!(
                "a write in this nested transaction failed ({reason}); end the nested \
                 transaction (return the error) to roll back to its savepoint"
            )));
        }
        self.in_flight = true;
        Ok(())
    }

    /// The end of a call begun with [`enter`](Self::enter): it finished, whatever its outcome.
    fn leave<T>(&mut self, result: Result<T>) -> Result<T> {
        self.in_flight = false;
        result
    }

    async fn insert_now<M: Model>(&mut self, row: &M) -> Result<M> {
        self.flush_now().await?;
        if let Some(reason) = self.refuses_writes() {
            return Err(Error::ReadOnly(reason));
        }
        let db = self.db.clone();
        let bind = &db.bind_for(M::TABLE)?;
        let result = {
            let tx = self.transaction_for(bind).await?;
            insert_row(&mut Target::Tx(tx), bind, row).await
        };
        match result {
            Ok(stored) => {
                self.changes
                    .push(Change::new::<M>(Operation::Insert, key_of(&stored)));
                Ok(stored)
            }
            Err(error) => Err(self.fail(error).await),
        }
    }

    async fn flush_now(&mut self) -> Result<()> {
        if !self.pending.is_empty()
            && let Some(reason) = self.refuses_writes()
        {
            self.pending.clear();
            return Err(Error::ReadOnly(reason));
        }
        {
            let db = self.db.clone();
            let mut queue = Queue::new(std::mem::take(&mut self.pending));
            while let Some((pending, values)) = queue.next() {
                let (table, operation) = (pending.table(), pending.operation());
                let bind = match db.bind(table.bind()) {
                    Ok(bind) => bind,
                    Err(error) => return Err(self.fail(error).await),
                };
                let dialect = bind.engine.dialect();
                let tx = match self.transaction_for(bind).await {
                    Ok(tx) => tx,
                    Err(error) => return Err(self.fail(error).await),
                };
                let mut conn = Target::Tx(tx);
                // Not boxed: each write runs inside this future, with no allocation per row.
                let keyed = match values {
                    Some((columns, values)) => {
                        match gather_inserts(dialect, table, columns, values, &mut queue) {
                            GatheredInsert::Group(batch) => {
                                match batch.run(&mut conn, bind).await {
                                    Ok(keys) => {
                                        let changes = keys
                                            .into_iter()
                                            .map(|key| Change::of(table, operation, key));
                                        self.changes.extend(changes);
                                        continue;
                                    }
                                    Err(error) => return Err(self.fail(error).await),
                                }
                            }
                            GatheredInsert::One(write) => write,
                        }
                    }
                    None => pending.keyed(dialect),
                };
                let key = match keyed {
                    Some(write) => write.run(&mut conn, bind).await,
                    None => pending.run_typed(conn, bind).await,
                };
                match key {
                    Ok(key) => self.changes.push(Change::of(table, operation, key)),
                    Err(error) => return Err(self.fail(error).await),
                }
            }
            Ok(())
        }
    }

    async fn commit_now(&mut self) -> Result<()> {
        {
            if self.in_nested() {
                return Err(Error::Unsupported(
                    "commit inside a nested transaction; return from the `nested` closure \
                     first, then commit the session"
                        .to_owned(),
                ));
            }
            self.flush_now().await?;
            if let Err(reason) = self.db.signals().before_commit(&self.changes) {
                return Err(self.fail(Error::Vetoed(reason)).await);
            }
            let mut transactions = std::mem::take(&mut self.transactions).into_iter();
            while let Some((key, tx)) = transactions.next() {
                if let Err(source) = tx.commit().await {
                    for (_, rest) in transactions {
                        let _ = rest.rollback().await;
                    }
                    self.pending.clear();
                    self.changes.clear();
                    let bind = crate::naming::bind_label(key.as_deref());
                    return Err(Error::Database {
                        bind,
                        action: "committing the session".to_owned(),
                        source,
                    });
                }
            }
            let changes = std::mem::take(&mut self.changes);
            self.db.signals().committed(&changes);
            Ok(())
        }
    }

    /// Rolls everything back after a failure and hands the error on.
    /// Inside a nested transaction, only that one is lost: it is rolled back to its
    /// savepoint when it ends, and refuses further calls until then.
    async fn fail(&mut self, error: Error) -> Error {
        if self.savepoints.is_empty() {
            self.rollback().await;
        } else {
            self.pending.clear();
            self.failed_nested = Some(error.to_string());
        }
        error
    }

    /// The session's transaction on `bind`, begun on first use.
    async fn transaction_for(&mut self, bind: &Bind) -> Result<&mut Transaction> {
        let key = bind.key().map(str::to_owned);
        if !self.transactions.contains_key(&key) {
            let tx = bind
                .engine
                .begin_with(&self.options)
                .await
                .map_err(|source| Error::Database {
                    bind: bind.label(),
                    action: "beginning a session transaction".to_owned(),
                    source,
                })?;
            self.transactions.insert(key.clone(), tx);
        }
        Ok(self.transactions.get_mut(&key).expect("inserted above"))
    }
}

impl Session {
    /// Why the session refuses writes, if it does.
    fn refuses_writes(&self) -> Option<String> {
        self.options.read_only.then(|| {
            "the session is read-only (TransactionOptions::read_only): it sends no writes"
                .to_owned()
        })
    }
}

impl Scope for Session {
    fn enter(&mut self) -> futures_util::future::BoxFuture<'_, Result<()>> {
        Box::pin(async move {
            Session::enter(self).await?;
            if let Err(error) = self.flush_now().await {
                self.in_flight = false;
                return Err(error);
            }
            Ok(())
        })
    }

    fn leave(&mut self) {
        self.in_flight = false;
    }

    fn database(&self) -> &Database {
        &self.db
    }

    fn transaction<'a>(
        &'a mut self,
        bind: &'a Bind,
    ) -> futures_util::future::BoxFuture<'a, Result<&'a mut Transaction>> {
        Box::pin(self.transaction_for(bind))
    }

    fn refuses_writes(&self) -> Option<String> {
        Session::refuses_writes(self)
    }

    fn record(&mut self, changes: Vec<Change>) {
        self.changes.extend(changes);
    }

    fn fail(&mut self, error: Error) -> futures_util::future::BoxFuture<'_, Error> {
        Box::pin(Session::fail(self, error))
    }
}

impl sealed::Sealed for &mut Session {}

/// `&mut session`: the query runs inside the session's transaction.
impl<'c> Executor<'c> for &'c mut Session {
    fn into_runner(self) -> Runner<'c> {
        Runner::in_scope(self)
    }
}

impl sealed::Sealed for &mut &mut Session {}

/// `&mut s` where `mut s: &mut Session` (the argument of a [`Database::transaction`] closure): the
/// query runs inside the session's transaction and `s` stays usable.
impl<'c> Executor<'c> for &'c mut &mut Session {
    fn into_runner(self) -> Runner<'c> {
        Runner::in_scope(&mut **self)
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field(
                "open_transactions",
                &self.transactions.keys().collect::<Vec<_>>(),
            )
            .field("options", &self.options)
            .field("savepoints", &self.savepoints.len())
            .field("pending", &self.pending.len())
            .field("changes", &self.changes)
            .finish()
    }
}
