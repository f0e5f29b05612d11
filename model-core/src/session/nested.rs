//! Nested transactions, as SQLAlchemy's `begin_nested`: a savepoint on every transaction the
//! session has open, released when the nested work succeeds and rolled back to when it fails,
//! so an inner failure undoes the inner work only and the session goes on.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use futures_util::FutureExt;

use super::{BoxFuture, Session};
use crate::dialect::SavepointAction;
use crate::error::{Error, Result};

/// A savepoint of an open nested transaction.
pub(super) struct Savepoint {
    /// Its name, the same on every bind: `model_core_savepoint_<depth>`.
    name: String,
    /// The binds whose transactions were open when it was made (and so have it).
    binds: Vec<Option<String>>,
    /// How many changes the session had flushed then.
    changes: usize,
}

/// Marks the session cut off when dropped armed: the nested transaction's future was dropped
/// before it ended, so its work is neither kept nor undone.
struct CutOffGuard(Option<Arc<AtomicBool>>);

impl CutOffGuard {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CutOffGuard {
    fn drop(&mut self) {
        if let Some(flag) = self.0.take() {
            flag.store(true, Ordering::Release);
        }
    }
}

impl Session {
    /// Runs `work` in a nested transaction: queued writes are flushed, a savepoint is made on
    /// every transaction the session has open, and when `work` returns `Ok` (its queued writes
    /// flushed without error) the savepoint is released and its work stays in the session;
    /// when it returns `Err`, panics, or a write in it failed, the session is rolled back to
    /// the savepoint (transactions begun inside are rolled back whole) and goes on. Nested
    /// transactions nest.
    ///
    /// ```no_run
    /// # use model_core::{Database, Model, Result};
    /// # #[derive(Model)] struct User { #[column(primary_key, autoincrement = false)] id: i64, #[column(unique)] name: String }
    /// # async fn run(db: &Database) -> Result<()> {
    /// let mut session = db.session();
    /// session.add(User { id: 1, name: "ann".into() });
    /// let outcome = session
    ///     .nested(|s| Box::pin(async move {
    ///         s.add(User { id: 2, name: "ann".into() }); // breaks the unique name
    ///         s.flush().await
    ///     }))
    ///     .await;
    /// assert!(outcome.is_err());
    /// session.commit().await?; // ann (id 1) is committed; the nested insert is not
    /// # Ok(()) }
    /// ```
    ///
    /// Dropping the returned future before it ends (a timeout) leaves the nested work neither
    /// kept nor undone: the session's next call rolls everything back and fails with
    /// [`Error::Interrupted`], as after any cancelled call.
    #[track_caller]
    pub fn nested<'a, T, E, F>(
        &'a mut self,
        work: F,
    ) -> impl std::future::Future<Output = std::result::Result<T, E>> + Send + 'a
    where
        F: for<'s> FnOnce(&'s mut Session) -> BoxFuture<'s, std::result::Result<T, E>> + Send + 'a,
        E: From<Error> + Send + 'a,
        T: Send + 'a,
    {
        let caller = std::panic::Location::caller();
        async move {
            crate::record::at(caller, self.open_savepoint()).await?;
            let guard = CutOffGuard(Some(self.cut_off.clone()));
            // The closure's statements keep their own lines.
            let outcome = AssertUnwindSafe(work(self)).catch_unwind().await;
            guard.disarm();
            match outcome {
                Ok(Ok(value)) => {
                    crate::record::at(caller, self.close_savepoint(true)).await?;
                    Ok(value)
                }
                Ok(Err(error)) => {
                    crate::record::at(caller, self.close_savepoint(false)).await?;
                    Err(error)
                }
                Err(panic) => {
                    let _ = crate::record::at(caller, self.close_savepoint(false)).await;
                    std::panic::resume_unwind(panic)
                }
            }
        }
    }

    /// Whether a nested transaction is open.
    pub fn in_nested(&self) -> bool {
        !self.savepoints.is_empty()
    }

    async fn open_savepoint(&mut self) -> Result<()> {
        self.enter().await?;
        let result = self.open_savepoint_now().await;
        self.leave(result)
    }

    async fn open_savepoint_now(&mut self) -> Result<()> {
        self.flush_now().await?;
        let name = format!("model_core_savepoint_{}", self.savepoints.len() + 1);
        let binds: Vec<Option<String>> = self.transactions.keys().cloned().collect();
        for key in &binds {
            if let Err(error) = self.on_savepoint(key, SavepointAction::Create, &name).await {
                return Err(self.fail(error).await);
            }
        }
        self.savepoints.push(Savepoint {
            name,
            binds,
            changes: self.changes.len(),
        });
        Ok(())
    }

    /// Ends the innermost nested transaction: keeps its work (`keep`) or rolls back to its
    /// savepoint. Its queued writes are flushed first when it is kept; when that or an earlier
    /// write inside it failed, it is rolled back instead and the failure returned.
    async fn close_savepoint(&mut self, keep: bool) -> Result<()> {
        // A failed write inside is why the session refuses calls until the savepoint is rolled
        // back: that is what happens now.
        let mut failed = self.failed_nested.take();
        self.enter().await?;
        let asked_to_keep = keep;
        let mut keep = keep && failed.is_none();
        if keep && let Err(error) = self.flush_now().await {
            failed = self.failed_nested.take().or(Some(error.to_string()));
            keep = false;
        }
        let result = self.close_savepoint_now(keep).await;
        let result = match (result, failed) {
            // Work that returned `Ok` is told it was not kept; work that returned `Err` has
            // its own error to return.
            (Ok(()), Some(reason)) if asked_to_keep => Err(Error::NestedRolledBack(reason)),
            (result, _) => result,
        };
        self.leave(result)
    }

    async fn close_savepoint_now(&mut self, keep: bool) -> Result<()> {
        // Gone when the session was rolled back or committed inside.
        let Some(savepoint) = self.savepoints.pop() else {
            return Ok(());
        };
        if keep {
            for key in &savepoint.binds {
                let released = self
                    .on_savepoint(key, SavepointAction::Release, &savepoint.name)
                    .await;
                if let Err(error) = released {
                    return Err(self.fail(error).await);
                }
            }
            return Ok(());
        }
        self.pending.clear();
        self.changes.truncate(savepoint.changes);
        // Transactions begun inside hold nothing from before: rolled back whole.
        let begun_inside: Vec<Option<String>> = self
            .transactions
            .keys()
            .filter(|key| !savepoint.binds.contains(key))
            .cloned()
            .collect();
        for key in begun_inside {
            if let Some(tx) = self.transactions.remove(&key) {
                let _ = tx.rollback().await;
            }
        }
        for key in &savepoint.binds {
            let mut undone = self
                .on_savepoint(key, SavepointAction::RollbackTo, &savepoint.name)
                .await;
            if undone.is_ok() {
                undone = self
                    .on_savepoint(key, SavepointAction::Release, &savepoint.name)
                    .await;
            }
            if let Err(error) = undone {
                // E.g. MySQL ended the whole transaction on a deadlock: nothing is left to
                // roll back to.
                return Err(self.fail(error).await);
            }
        }
        Ok(())
    }

    /// Runs a savepoint statement on the transaction of bind `key`.
    async fn on_savepoint(
        &mut self,
        key: &Option<String>,
        action: SavepointAction,
        name: &str,
    ) -> Result<()> {
        let bind = self.db.bind(key.as_deref())?;
        let sql = bind.engine.dialect().savepoint(action, name);
        let label = bind.label();
        let Some(tx) = self.transactions.get_mut(key) else {
            return Ok(());
        };
        tx.run_plain(&sql).await.map_err(|source| Error::Database {
            bind: label,
            action: format!("running `{sql}`"),
            source,
        })
    }
}
