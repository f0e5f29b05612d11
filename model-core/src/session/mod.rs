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

use futures_util::FutureExt;

use crate::bind::Bind;
use crate::change::{Change, Operation};
use crate::database::Database;
use crate::dialect::Dialect;
use crate::driver::{Target, Transaction};
use crate::error::{Error, Result};
use crate::meta::Table;
use crate::model::Model;
use crate::query::Select;
use crate::value::Value;
use crate::write::{
    InsertGroup, KeyedWrite, delete_row, insert_row, insert_values, key_of, select_on, update_row,
};

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
    transactions: BTreeMap<Option<String>, Transaction>,
    pending: Vec<Box<dyn Pending>>,
    changes: Vec<Change>,
    /// A call that touches the transactions is running, or was cut off before it finished.
    in_flight: bool,
}

/// A queued write, with its model type erased.
trait Pending: Send {
    fn table(&self) -> &'static Table;
    fn operation(&self) -> Operation;
    /// For an insert: the columns it writes and their values.
    fn insert_values(&self) -> Option<(Vec<&'static str>, Vec<Value>)>;
    /// An update or delete as one statement that reports the row's key: what nearly every one
    /// is. `None` where only the typed path below can learn the key.
    fn keyed(&self, dialect: &dyn Dialect) -> Option<KeyedWrite>;
    /// The typed path: writes the row and reads it back to learn its key.
    fn run_typed<'a>(
        self: Box<Self>,
        conn: Target<'a>,
        bind: &'a Bind,
    ) -> BoxFuture<'a, Result<Vec<Value>>>;
}

struct Queued<M> {
    operation: Operation,
    row: M,
}

impl<M: Model> Pending for Queued<M> {
    fn table(&self) -> &'static Table {
        M::TABLE
    }

    fn operation(&self) -> Operation {
        self.operation
    }

    fn insert_values(&self) -> Option<(Vec<&'static str>, Vec<Value>)> {
        (self.operation == Operation::Insert).then(|| insert_values(&self.row))
    }

    fn keyed(&self, dialect: &dyn Dialect) -> Option<KeyedWrite> {
        match self.operation {
            // Inserts are prepared from `insert_values` (see `Session::flush`).
            Operation::Insert => None,
            Operation::Update => KeyedWrite::update(dialect, &self.row),
            Operation::Delete => Some(KeyedWrite::delete(dialect, &self.row)),
        }
    }

    fn run_typed<'a>(
        self: Box<Self>,
        mut conn: Target<'a>,
        bind: &'a Bind,
    ) -> BoxFuture<'a, Result<Vec<Value>>> {
        Box::pin(async move {
            match self.operation {
                Operation::Insert => Ok(key_of(&insert_row(&mut conn, bind, &self.row).await?)),
                Operation::Update => {
                    update_row(&mut conn, bind, &self.row).await?;
                    Ok(key_of(&self.row))
                }
                Operation::Delete => {
                    delete_row(&mut conn, bind, &self.row).await?;
                    Ok(key_of(&self.row))
                }
            }
        })
    }
}

/// A new session on `db`: nothing queued, no transaction open.
pub(crate) fn new_session(db: &Database) -> Session {
    Session {
        db: db.clone(),
        transactions: BTreeMap::new(),
        pending: Vec::new(),
        changes: Vec::new(),
        in_flight: false,
    }
}

/// The work of [`Database::transaction`](crate::Database::transaction): `work` in a new
/// session, committed or rolled back as `caller`'s statements.
pub(crate) async fn run_transaction<'a, T, E, F>(
    db: &'a Database,
    caller: &'static std::panic::Location<'static>,
    work: F,
) -> std::result::Result<T, E>
where
    F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, std::result::Result<T, E>> + 'a,
    E: From<Error> + 'a,
    T: 'a,
{
    let mut session = new_session(db);
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
    /// own uncommitted writes. Queued writes are flushed first.
    #[track_caller]
    pub fn all<'a, M: Model>(
        &'a mut self,
        query: &'a Select<M>,
    ) -> impl std::future::Future<Output = Result<Vec<M>>> + Send + 'a {
        crate::record::from_caller(async move {
            self.enter().await?;
            let result = self.all_now(query).await;
            self.leave(result)
        })
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
        if self.in_flight {
            self.rollback().await;
            return Err(Error::Interrupted(
                "an earlier call on this session was cancelled before it finished; the \
                 session's transactions were rolled back and its queued writes dropped"
                    .to_owned(),
            ));
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

    async fn all_now<M: Model>(&mut self, query: &Select<M>) -> Result<Vec<M>> {
        self.flush_now().await?;
        let db = self.db.clone();
        let bind = &db.bind_for(M::TABLE)?;
        let tx = self.transaction_for(bind).await?;
        select_on(&mut Target::Tx(tx), bind, query).await
    }

    async fn flush_now(&mut self) -> Result<()> {
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
    async fn fail(&mut self, error: Error) -> Error {
        self.rollback().await;
        error
    }

    /// The session's transaction on `bind`, begun on first use.
    async fn transaction_for(&mut self, bind: &Bind) -> Result<&mut Transaction> {
        let key = bind.key().map(str::to_owned);
        if !self.transactions.contains_key(&key) {
            let tx = bind
                .engine
                .begin()
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

/// A queued write, with the columns and values it inserts if it is an insert.
type Prepared = (Box<dyn Pending>, Option<(Vec<&'static str>, Vec<Value>)>);

/// The writes a flush runs, each prepared as the flush reaches it: an insert's values are
/// taken one row ahead at most, to see whether it joins the insert before it.
struct Queue {
    rest: std::vec::IntoIter<Box<dyn Pending>>,
    ahead: Option<Prepared>,
}

impl Queue {
    fn new(pending: Vec<Box<dyn Pending>>) -> Self {
        Queue {
            rest: pending.into_iter(),
            ahead: None,
        }
    }

    fn next(&mut self) -> Option<Prepared> {
        self.ahead.take().or_else(|| {
            let pending = self.rest.next()?;
            let values = pending.insert_values();
            Some((pending, values))
        })
    }

    /// The next write if `joins` says yes to it.
    fn next_if(&mut self, joins: impl FnOnce(&Prepared) -> bool) -> Option<Prepared> {
        let next = self.next()?;
        if joins(&next) {
            Some(next)
        } else {
            self.ahead = Some(next);
            None
        }
    }
}

/// How a queued insert is sent.
enum GatheredInsert {
    /// With the inserts after it that joined it.
    Group(InsertGroup),
    /// Alone; `None` when only the typed path can learn its key.
    One(Option<KeyedWrite>),
}

/// The queued insert writing `values` into `columns` of `table`, with the inserts after it
/// in `queue` that can go in the same statement on `dialect` (taken from the queue).
fn gather_inserts(
    dialect: &dyn Dialect,
    table: &'static Table,
    columns: Vec<&'static str>,
    values: Vec<Value>,
    queue: &mut Queue,
) -> GatheredInsert {
    let mut batch = match InsertGroup::start(dialect, table, columns, values) {
        Ok(batch) => batch,
        Err((columns, values)) => {
            return GatheredInsert::One(KeyedWrite::insert(dialect, table, &columns, values));
        }
    };
    while let Some((_, Some((_, values)))) = queue.next_if(|(next, values)| {
        values
            .as_ref()
            .is_some_and(|(columns, values)| batch.accepts(next.table(), columns, values))
    }) {
        batch.push(values);
    }
    if batch.len() > 1 {
        return GatheredInsert::Group(batch);
    }
    let (columns, values) = batch.into_row();
    GatheredInsert::One(KeyedWrite::insert(dialect, table, &columns, values))
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field(
                "open_transactions",
                &self.transactions.keys().collect::<Vec<_>>(),
            )
            .field("pending", &self.pending.len())
            .field("changes", &self.changes)
            .finish()
    }
}
